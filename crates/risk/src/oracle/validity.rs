//! Severity-ordered feed validity and per-source verdicts.

/// How usable a published price is, ordered by severity: every action has a
/// maximum validity it accepts (see [`Action::max_validity`]).
///
/// An agreed move (`TooVolatile`) is less severe than a dispute
/// (`TooUncertain`): when every valid source agrees the move is real, so
/// risk reduction and liquidation continue; when they disagree, no price is
/// trusted for anything but a liquidation valued at the sources' range
/// (the margin engine values each position at the source least adverse to
/// its holder).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Validity {
    /// Enough fresh, agreeing, precise sources.
    Valid = 0,
    /// Fewer valid sources than the feed's minimum; confidence is widened.
    Degraded = 1,
    /// The valid sources agree, but their price jumped against the EMA
    /// beyond the feed's jump limit, for less than the confirmation window.
    TooVolatile = 2,
    /// Sources disagree beyond the divergence limit, or conf/price is too wide.
    TooUncertain = 3,
    /// No source is currently valid; the last good price is kept, recently.
    Stale = 4,
    /// Never priced, or the last good price is too old to use at all.
    Invalid = 5,
}

impl Validity {
    /// Decode a stored byte. Unknown values decode as [`Validity::Invalid`],
    /// the most severe, so corrupted state can never loosen a gate.
    pub fn from_u8(v: u8) -> Validity {
        match v {
            0 => Validity::Valid,
            1 => Validity::Degraded,
            2 => Validity::TooVolatile,
            3 => Validity::TooUncertain,
            4 => Validity::Stale,
            _ => Validity::Invalid,
        }
    }

    /// Human-readable name.
    pub fn name(self) -> &'static str {
        match self {
            Validity::Valid => "Valid",
            Validity::Degraded => "Degraded",
            Validity::TooVolatile => "TooVolatile",
            Validity::TooUncertain => "TooUncertain",
            Validity::Stale => "Stale",
            Validity::Invalid => "Invalid",
        }
    }
}

/// What a consumer wants to do with a price (Drift's
/// `is_oracle_valid_for_action` idea). Each action has its own gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Open or increase a position, or anything that adds risk.
    OpenRisk,
    /// Let value leave or enter against a valuation: withdraw collateral
    /// with positions open, mint or burn LP shares at pool NAV, or add risk
    /// in one market while another market's position is valued.
    Withdraw,
    /// Reduce or close a position.
    ReduceRisk,
    /// Liquidate an unhealthy account, valued at the sources' range.
    Liquidate,
}

impl Action {
    /// The most severe validity at which this action is still allowed:
    /// - new risk waits for `Valid`;
    /// - value leaves at `Degraded` at worst (never on a jump or a dispute);
    /// - closes continue through an agreed jump (`TooVolatile`);
    /// - liquidation continues through a dispute (`TooUncertain`), because
    ///   the engine then values each position at the source least adverse
    ///   to its holder;
    /// - nothing acts on a `Stale` or `Invalid` price.
    pub fn max_validity(self) -> Validity {
        match self {
            Action::OpenRisk => Validity::Valid,
            Action::Withdraw => Validity::Degraded,
            Action::ReduceRisk => Validity::TooVolatile,
            Action::Liquidate => Validity::TooUncertain,
        }
    }

    /// Whether a price of validity `v` may be used for this action.
    pub fn allows(self, v: Validity) -> bool {
        v <= self.max_validity()
    }
}

/// Why one source was accepted or rejected during a refresh. Stored in events
/// as a byte; append new variants at the end, never reorder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Verdict {
    /// The source passed every check and entered the aggregate.
    Accepted = 0,
    /// The account passed is not the one configured for this slot.
    WrongKey = 1,
    /// The account is not owned by the oracle program of its kind.
    WrongOwner = 2,
    /// The bytes do not parse as this kind of account (length, discriminator,
    /// magic, version or account type).
    Malformed = 3,
    /// A Pyth pull update that is not `VerificationLevel::Full`.
    Unverified = 4,
    /// A Pyth pull update for a different feed id than configured.
    FeedIdMismatch = 5,
    /// A Pyth legacy aggregate whose status is not `Trading`.
    NotTrading = 6,
    /// A Switchboard feed with fewer samples / oracle results than required.
    TooFewSamples = 7,
    /// A Switchboard feed that has never produced a result.
    NoResult = 8,
    /// Price is zero or negative.
    NonPositivePrice = 9,
    /// The exponent or magnitude cannot be represented at Ballast's precision.
    PriceOutOfRange = 10,
    /// No publish time (zero or negative).
    MissingTimestamp = 11,
    /// Publish time further ahead of the clock than the feed's
    /// `max_future_secs`, or a slot ahead of the clock's.
    FutureTimestamp = 12,
    /// Older than the feed's max age in seconds.
    StaleTime = 13,
    /// Older than the feed's max age in slots.
    StaleSlot = 14,
    /// conf / price above the feed's limit.
    TooUncertain = 15,
}

impl Verdict {
    /// Human-readable name, used by the CLI and logs.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::WrongKey => "wrong account key",
            Verdict::WrongOwner => "wrong owner program",
            Verdict::Malformed => "malformed account data",
            Verdict::Unverified => "pyth update not fully verified",
            Verdict::FeedIdMismatch => "pyth feed id mismatch",
            Verdict::NotTrading => "pyth status not Trading",
            Verdict::TooFewSamples => "too few oracle samples",
            Verdict::NoResult => "no result yet",
            Verdict::NonPositivePrice => "price <= 0",
            Verdict::PriceOutOfRange => "price out of representable range",
            Verdict::MissingTimestamp => "no publish time",
            Verdict::FutureTimestamp => "publish time in the future",
            Verdict::StaleTime => "older than max age (seconds)",
            Verdict::StaleSlot => "older than max age (slots)",
            Verdict::TooUncertain => "conf/price above limit",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_is_ordered_by_severity_and_unknown_bytes_are_invalid() {
        assert!(Validity::Valid < Validity::Degraded);
        assert!(Validity::TooVolatile < Validity::TooUncertain, "an agreed jump is less severe than a dispute");
        assert!(Validity::TooUncertain < Validity::Stale);
        for v in 0..=5u8 {
            assert_eq!(Validity::from_u8(v) as u8, v);
        }
        assert_eq!(Validity::from_u8(200), Validity::Invalid);
    }

    #[test]
    fn action_gates_follow_the_design_table() {
        use Validity::*;
        let table = [
            (Action::OpenRisk, [true, false, false, false, false, false]),
            (Action::Withdraw, [true, true, false, false, false, false]),
            (Action::ReduceRisk, [true, true, true, false, false, false]),
            (Action::Liquidate, [true, true, true, true, false, false]),
        ];
        for (action, allowed) in table {
            for (v, want) in [Valid, Degraded, TooVolatile, TooUncertain, Stale, Invalid].into_iter().zip(allowed) {
                assert_eq!(action.allows(v), want, "{action:?} at {v:?}");
            }
        }
    }
}
