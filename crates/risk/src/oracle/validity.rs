//! Severity-ordered feed validity and per-source verdicts.

/// How usable a published price is, ordered by severity: every action has a
/// maximum validity it accepts (see [`Action::max_validity`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Validity {
    /// Enough fresh, agreeing, precise sources.
    Valid = 0,
    /// Fewer valid sources than the feed's minimum; confidence is widened.
    Degraded = 1,
    /// Sources disagree beyond the divergence limit, or conf/price is too wide.
    TooUncertain = 2,
    /// The price jumped against its EMA beyond the feed's jump limit.
    TooVolatile = 3,
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
            2 => Validity::TooUncertain,
            3 => Validity::TooVolatile,
            4 => Validity::Stale,
            _ => Validity::Invalid,
        }
    }

    /// Human-readable name.
    pub fn name(self) -> &'static str {
        match self {
            Validity::Valid => "Valid",
            Validity::Degraded => "Degraded",
            Validity::TooUncertain => "TooUncertain",
            Validity::TooVolatile => "TooVolatile",
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
    /// Reduce a position, or withdraw collateral not needed for margin.
    ReduceRisk,
    /// Liquidate an unhealthy account at conservative prices.
    Liquidate,
}

impl Action {
    /// The most severe validity at which this action is still allowed.
    pub fn max_validity(self) -> Validity {
        match self {
            Action::OpenRisk => Validity::Valid,
            Action::ReduceRisk => Validity::Degraded,
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
    /// Publish time further in the future than the feed's max age.
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
        assert!(Validity::TooVolatile < Validity::Stale);
        assert_eq!(Validity::from_u8(3), Validity::TooVolatile);
        assert_eq!(Validity::from_u8(200), Validity::Invalid);
    }

    #[test]
    fn action_gates_follow_the_design_table() {
        assert!(Action::OpenRisk.allows(Validity::Valid));
        assert!(!Action::OpenRisk.allows(Validity::Degraded));
        assert!(Action::ReduceRisk.allows(Validity::Degraded));
        assert!(!Action::ReduceRisk.allows(Validity::TooUncertain));
        assert!(Action::Liquidate.allows(Validity::TooUncertain));
        assert!(!Action::Liquidate.allows(Validity::TooVolatile));
        assert!(!Action::Liquidate.allows(Validity::Stale));
    }
}
