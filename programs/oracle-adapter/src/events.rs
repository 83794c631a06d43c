//! Events. Prices are at `PRICE_PRECISION` (10^-9), times are unix seconds.

use crate::state::{GuardParams, SourceParam};
use anchor_lang::prelude::*;

/// The adapter was initialised.
#[event]
pub struct AdapterInitialized {
    /// Governance authority.
    pub authority: Pubkey,
}

/// A feed was created.
#[event]
pub struct FeedCreated {
    /// Feed PDA.
    pub feed: Pubkey,
    /// Symbol, zero-padded.
    pub symbol: [u8; 16],
    /// Configured sources.
    pub sources: Vec<SourceParam>,
    /// Guard rails.
    pub guards: GuardParams,
}

/// A feed update was queued behind the timelock.
#[event]
pub struct FeedUpdateQueued {
    /// Its id.
    pub id: u64,
    /// The feed.
    pub feed: Pubkey,
    /// First slot it may be applied at.
    pub eta_slot: u64,
}

/// Governance cancelled a queued feed update.
#[event]
pub struct FeedUpdateCancelled {
    /// Its id.
    pub id: u64,
}

/// A queued feed update was closed unapplied: expired or superseded.
#[event]
pub struct FeedUpdateClosed {
    /// Its id.
    pub id: u64,
    /// True when expired; false when superseded.
    pub expired: bool,
}

/// A feed's sources and/or guard rails changed: old -> new.
#[event]
pub struct FeedUpdated {
    /// Feed PDA.
    pub feed: Pubkey,
    /// Sources before.
    pub old_sources: Vec<SourceParam>,
    /// Sources after.
    pub new_sources: Vec<SourceParam>,
    /// Guard rails before.
    pub old_guards: GuardParams,
    /// Guard rails after.
    pub new_guards: GuardParams,
}

/// A refresh ran (whether or not it published a new price).
#[event]
pub struct FeedRefreshed {
    /// Feed PDA.
    pub feed: Pubkey,
    /// Per configured source, its `Verdict` byte (0 = accepted); unused = 0xff.
    pub verdicts: [u8; 4],
    /// Whether a new price was published.
    pub applied: bool,
    /// `Validity` byte after the refresh.
    pub validity: u8,
    /// Sources that passed every check.
    pub valid_sources: u8,
    /// precision: PRICE_PRECISION.
    pub price: i64,
    /// precision: PRICE_PRECISION.
    pub conf: u64,
    /// precision: PRICE_PRECISION.
    pub ema_price: i64,
    /// Annualised realised volatility, bps.
    pub vol_bps: u64,
    /// Unix seconds of the published price.
    pub publish_time: i64,
}

/// The authority named a successor (the default key: the proposal withdrawn).
#[event]
pub struct AuthorityProposed {
    /// The current authority.
    pub authority: Pubkey,
    /// The proposed successor.
    pub successor: Pubkey,
}

/// The proposed successor accepted the adapter's authority.
#[event]
pub struct AuthorityAccepted {
    /// The authority before.
    pub previous: Pubkey,
    /// The authority now.
    pub authority: Pubkey,
}
