//! Errors of the oracle adapter. Append new variants at the end; never reorder.

use anchor_lang::prelude::*;

/// Every way an oracle-adapter instruction can fail.
#[error_code]
pub enum AdapterError {
    /// The signer is not the adapter's governance authority.
    #[msg("signer is not the adapter governance authority")]
    Unauthorized,
    /// Symbol empty, longer than 16 bytes, or with characters outside A-Z 0-9 / - _.
    #[msg("symbol must be 1-16 bytes of A-Z, 0-9, '/', '-' or '_'")]
    InvalidSymbol,
    /// A feed needs between 1 and 4 sources.
    #[msg("a feed needs between 1 and 4 sources")]
    InvalidSourceCount,
    /// Unknown source kind byte.
    #[msg("source kind must be 0 (PythPull), 1 (SwitchboardOnDemand), 2 (PythLegacy) or 3 (SwitchboardV2)")]
    InvalidSourceKind,
    /// The same source account is configured twice.
    #[msg("the same source account is configured twice")]
    DuplicateSource,
    /// A PythPull source needs a non-zero feed id; other kinds must leave it zero.
    #[msg("PythPull sources need a non-zero feed id; other kinds must leave it zero")]
    InvalidFeedId,
    /// A guard rail is outside its hard bounds (the log names field and range).
    #[msg("a guard rail is outside its bounds; the log names the field and the allowed range")]
    GuardOutOfBounds,
    /// `refresh` got a different number of source accounts than configured.
    #[msg("refresh must pass exactly the configured source accounts, in order")]
    SourceCountMismatch,
    /// Checked arithmetic failed.
    #[msg("arithmetic overflow or division by zero")]
    MathOverflow,
    /// The feed account is not owned by this program, or has the wrong type.
    #[msg("account is not a price feed of this oracle adapter")]
    NotAPriceFeed,
    /// The feed account passed is not the one the caller expects.
    #[msg("price feed address does not match the expected feed")]
    WrongPriceFeed,
    /// An update that changes nothing.
    #[msg("update changes nothing: pass new sources, new guard rails, or both")]
    EmptyUpdate,
    /// The source account id is the default (all-zero) key.
    #[msg("a source account may not be the all-zero key")]
    ZeroSourceAccount,
    /// The config or feed account exists already.
    #[msg("account is already initialized")]
    AlreadyInitialized,
    /// A loosening feed update must be queued behind the timelock.
    #[msg("this update loosens the feed (a source change, or a guard moved the loose way): queue it with queue_feed_update")]
    LooseningNeedsTimelock,
    /// A guard rail moves more than a factor of 2 at once.
    #[msg("a guard rail may change by at most a factor of 2 at a time")]
    StepTooLarge,
    /// The update's timelock has not passed.
    #[msg("the update's timelock has not passed yet")]
    TimelockPending,
    /// A source account passed to `refresh` is not the one configured at
    /// its position: the whole refresh fails, so no caller chooses which
    /// sources make the price.
    #[msg("refresh source accounts must be exactly the feed's configured sources, at their configured positions")]
    SourceMismatch,
    /// The feed account has an older layout than this program reads (a
    /// ledger from before the sources' range was stored): recreate it.
    #[msg("price feed layout version is not the one this program reads; recreate the feed")]
    FeedVersionUnsupported,
    /// The queued update's grace period after its eta has passed.
    #[msg("the queued feed update expired (more than UPDATE_GRACE_SLOTS after its eta): close it with close_feed_update and queue it again")]
    UpdateExpired,
    /// A newer update of the same feed was queued or applied at once since.
    #[msg("a newer update of the same feed was queued or made since: this one can only be closed")]
    UpdateSuperseded,
    /// `close_feed_update` of an update that may still be applied.
    #[msg("the feed update is neither expired nor superseded: apply it, or have governance cancel it")]
    UpdateStillLive,
    /// A second instant `update_feed` of the feed within one timelock.
    #[msg("rate limit: one instant update_feed per feed per timelock window (each guard moves at most 2x per update)")]
    RateLimited,
    /// `accept_authority` by a key that is not the proposed successor (or
    /// with no proposal).
    #[msg("only the successor named by propose_authority may accept the adapter's authority")]
    NotProposedAuthority,
}

impl From<ballast_risk::MathError> for AdapterError {
    fn from(_: ballast_risk::MathError) -> Self {
        AdapterError::MathOverflow
    }
}
