//! Errors of the margin engine. Append new variants at the end; never reorder.

use anchor_lang::prelude::*;

/// Every way a margin-engine instruction can fail.
#[error_code]
pub enum EngineError {
    /// Unknown action byte.
    #[msg("action must be 0 (open risk), 1 (reduce risk), 2 (liquidate) or 3 (withdraw)")]
    InvalidAction,
    /// The price feed's validity does not allow this action.
    #[msg("price feed validity does not allow this action")]
    OracleGate,
    /// The account is not an oracle-adapter price feed.
    #[msg("account is not an oracle-adapter price feed")]
    NotAPriceFeed,
    /// The signer is not the exchange's governance authority.
    #[msg("signer is not the exchange governance authority")]
    NotGovernance,
    /// The collateral mint must have 6 decimals.
    #[msg("collateral mint must have 6 decimals")]
    InvalidCollateralMint,
    /// A parameter is outside its hard bounds (the log names field and range).
    #[msg("a parameter is outside its bounds; the log names the field and the allowed range")]
    ParamOutOfBounds,
    /// The exchange already has the maximum number of markets.
    #[msg("the exchange already has 64 markets")]
    TooManyMarkets,
    /// Symbol empty, longer than 16 bytes, or with bad characters.
    #[msg("symbol must be 1-16 bytes of A-Z, 0-9, '/', '-' or '_'")]
    InvalidSymbol,
    /// An amount or size of zero.
    #[msg("amount must be greater than zero")]
    ZeroAmount,
    /// The deposit would take the account above the per-account cap.
    #[msg("deposit would exceed the per-account collateral cap")]
    DepositCapExceeded,
    /// Withdrawal larger than the account's collateral.
    #[msg("withdrawal exceeds the account's collateral")]
    InsufficientCollateral,
    /// Initial health would be negative after this action.
    #[msg("initial health would be negative after this action")]
    InitialHealthNegative,
    /// The operation is paused.
    #[msg("this operation is paused")]
    Paused,
    /// Close refused: positions or collateral remain.
    #[msg("account still has positions or collateral")]
    AccountNotEmpty,
    /// Remaining accounts do not match what the instruction documents.
    #[msg("remaining accounts must be the (market, feed) pairs the instruction documents: every other market in index order for trade, update_funding, ADL and LP flows (every market); every other open position in slot order otherwise")]
    HealthAccountsMismatch,
    /// The market account is not the one the position or instruction names.
    #[msg("market does not match")]
    WrongMarket,
    /// The feed account is not the market's feed.
    #[msg("price feed is not the market's feed")]
    WrongFeed,
    /// All 8 position slots are in use.
    #[msg("all 8 position slots are in use")]
    PositionSlotsFull,
    /// The fill price is beyond the trader's limit.
    #[msg("fill price is beyond the limit price")]
    LimitPriceExceeded,
    /// The trade would increase the position in a reduce-only context.
    #[msg("reduce-only: the trade would increase |position|")]
    ReduceOnlyViolated,
    /// Open interest would exceed the market's cap.
    #[msg("open interest would exceed the market cap")]
    OiCapExceeded,
    /// The pool cannot pay this amount.
    #[msg("the pool's balance cannot cover this")]
    PoolInsufficient,
    /// Checked arithmetic failed.
    #[msg("arithmetic overflow or division by zero")]
    MathOverflow,
    /// The account exists already.
    #[msg("account is already initialized")]
    AlreadyInitialized,
    /// Not enough LP shares.
    #[msg("not enough LP shares")]
    InsufficientShares,
    /// An LP withdrawal would leave the pool below its exposure requirement.
    #[msg("withdrawal would leave the pool unable to cover its worst-case exposure")]
    PoolUndercovered,
    /// A realised loss larger than the account's collateral.
    #[msg("realised loss exceeds collateral: the account must be liquidated")]
    LossExceedsCollateral,
    /// A token account is not the exchange's vault.
    #[msg("token account is not the exchange's vault")]
    WrongVault,
    /// Maintenance health is not negative.
    #[msg("account is not liquidatable: maintenance health is not negative")]
    NotLiquidatable,
    /// A trader may not liquidate their own account, nor its delegate.
    #[msg("self-liquidation is not allowed (the owner or the account's delegate)")]
    SelfLiquidation,
    /// The market's liquidation throttle is full for this window.
    #[msg("liquidation throttle engaged for this market until the window rolls")]
    ThrottleEngaged,
    /// The account has no position in this market.
    #[msg("account has no position in this market")]
    NoPosition,
    /// The liquidation did not improve health.
    #[msg("liquidation would not improve the account's health")]
    LiquidationWorsened,
    /// The account owes a deficit (flagged bankrupt): nothing may leave it.
    #[msg("account owes a deficit (bankrupt): deposit to repay it, or close positions in profit; nothing can be withdrawn")]
    AccountBankrupt,
    /// resolve_bankruptcy on an account with positions or no deficit.
    #[msg("account is not bankrupt, or still has positions")]
    NotBankrupt,
    /// An insurance withdrawal would take the fund below its floor.
    #[msg("insurance withdrawal would take the fund below its floor")]
    InsuranceBelowFloor,
    /// The market's price-band breaker holds it reduce-only.
    #[msg("market is reduce-only: its price left the band around the EMA (breaker tripped); only reducing trades until the cooldown ends")]
    BreakerTripped,
    /// Pause bits outside the known operations, or none.
    #[msg("pause bits must name known operations (deposit 1, withdraw 2, trade 4, LP 8, liquidate 16)")]
    InvalidPauseBits,
    /// A guardian pause or hold of zero slots or longer than `max_pause_slots`.
    #[msg("guardian pause duration must be between 1 slot and the exchange's max_pause_slots")]
    GuardianDuration,
    /// The guardian reached its consecutive or daily pause limit.
    #[msg("guardian pause limit reached (consecutive or per day): governance must act")]
    GuardianRateLimited,
    /// No such governable field.
    #[msg("unknown governance field code")]
    UnknownField,
    /// A numeric field may move by at most a factor of 2 per change.
    #[msg("a parameter may change by at most a factor of 2 at a time")]
    StepTooLarge,
    /// A loosening change must be queued behind the timelock.
    #[msg("this change loosens the venue: queue it with queue_change and apply it after the timelock")]
    LooseningNeedsTimelock,
    /// The change's timelock has not passed.
    #[msg("the change's timelock has not passed yet")]
    TimelockPending,
    /// The change's market account is missing or wrong.
    #[msg("pass the change's market as the one remaining account (and nothing for exchange changes)")]
    WrongChangeTarget,
    /// The market was stopped by emergency settlement.
    #[msg("market is settled: settle positions with settle_position, then withdraw")]
    MarketSettled,
    /// With a stale feed, the withdrawal would leave initial health
    /// negative, the stale position at its last good price moved 10 %
    /// against it.
    #[msg("oracle is stale: only collateral not needed for initial margin, the stale position at its last good price moved 10 % against it, may be withdrawn")]
    StaleWithdrawExceedsFree,
    /// settle_position on a market that is not settled.
    #[msg("market is not settled")]
    MarketNotSettled,
    /// Within one timelock window a field may move at most a factor of 2
    /// from its value when the window opened, however many changes.
    #[msg("rate limit: within one timelock window a parameter may move at most a factor of 2 from its value at the window's start")]
    RateLimited,
    /// The change's grace period after its eta has passed.
    #[msg("the queued change expired (more than CHANGE_GRACE_SLOTS after its eta): close it with close_change and queue it again")]
    ChangeExpired,
    /// A newer change of the same field was queued or set since.
    #[msg("a newer change of the same target and field was queued or set since: this one can only be closed")]
    ChangeSuperseded,
    /// `close_change` of a change that may still be applied.
    #[msg("the change is neither expired nor superseded: apply it, or have governance cancel it")]
    ChangeStillLive,
    /// The queued change is of a kind another instruction executes.
    #[msg("wrong kind of queued change: an insurance withdrawal runs through withdraw_insurance, every other change through apply_change")]
    WrongChangeKind,
    /// The destination is not the one the queued withdrawal names.
    #[msg("destination is not the token account named by the queued insurance withdrawal")]
    WrongDestination,
    /// An instant settlement price outside the market's band around the EMA.
    #[msg("emergency_settle price is outside the market's band_bps around the feed's EMA: queue it (settlement_price field) behind the timelock")]
    SettlementOutsideBand,
    /// The first deposit into a pool without shares must exceed the shares
    /// it locks.
    #[msg("the first LP deposit must be more than 1 USDC: 1 USDC of shares is locked forever")]
    FirstDepositTooSmall,
    /// Fewer shares minted, or less paid out, than the caller's minimum.
    #[msg("slippage: fewer shares or less collateral than the minimum you set")]
    SlippageExceeded,
    /// LP shares burned too soon after the LP's last deposit.
    #[msg("LP shares can be withdrawn only 150 slots (about a minute) after your last deposit")]
    LpHoldPending,
    /// A change of the base MMR, phase step or cooldown without the phase
    /// written in this slot.
    #[msg(
        "bring the market's phase-in to this slot first: put refresh_market before this change in the same transaction"
    )]
    PhaseNotCurrent,
    /// An instant settlement needs a live price.
    #[msg("emergency_settle at once needs a live feed (at most TooVolatile) and a price within band_bps of both its price and its EMA; otherwise queue settlement_price")]
    SettlementNeedsLivePrice,
    /// A queued insurance withdrawal to one of the exchange's own vaults.
    #[msg("an insurance withdrawal cannot go to one of the exchange's vaults")]
    DestinationIsAVault,
    /// The signer does not own the margin account or LP position.
    #[msg("signer is not the owner of this account")]
    NotOwner,
    /// The signer is not the exchange's guardian.
    #[msg("signer is not the exchange guardian")]
    NotGuardian,
    /// The rent refund of a queued change must go to the account that paid
    /// for it.
    #[msg("the refund account is not the payer of this queued change")]
    NotChangePayer,
    /// `initialize_exchange` must be paid by the program's upgrade authority.
    #[msg("the payer is not this program's upgrade authority")]
    NotUpgradeAuthority,
    /// `trade` signed by neither the account's owner nor its delegate.
    #[msg("signer is neither the owner nor the delegate of this margin account")]
    NotOwnerOrDelegate,
    /// The account's delegate acted at or after its expiry slot.
    #[msg("the delegate's expiry slot has passed: the owner may name it again")]
    DelegateExpired,
    /// `set_delegate` naming the owner itself.
    #[msg("the owner cannot be its own delegate")]
    DelegateIsOwner,
    /// `set_delegate` with an expiry slot not after the current slot (or an
    /// expiry without a delegate).
    #[msg("a delegate's expiry slot must be after the current slot (and 0 when removing the delegate)")]
    DelegateExpiryPassed,
    /// `add_trigger` with every trigger slot in use.
    #[msg("the account's trigger book is full: cancel a trigger first")]
    TriggerBookFull,
    /// No trigger at that index.
    #[msg("no trigger at that index")]
    TriggerNotFound,
    /// A trigger that would not reduce the position (no position, the same
    /// side, or larger than it).
    #[msg("a trigger must reduce the account's position in its market: the opposite side, at most its size")]
    TriggerAddsRisk,
    /// `add_trigger` whose price every source has already crossed.
    #[msg("the price is already past the trigger: trade instead, or set the trigger beyond the price")]
    TriggerAlreadyCrossed,
    /// `execute_trigger` before every source crossed the trigger price.
    #[msg("the price has not crossed the trigger at every source (with the feed's full set of sources, at the price a fill would use)")]
    TriggerNotCrossed,
    /// A trigger with an unknown direction or a non-positive price or limit.
    #[msg("a trigger needs a direction (1 above, 2 below) and positive trigger and limit prices")]
    InvalidTrigger,
    /// A keeper fee above `MAX_TRIGGER_KEEPER_FEE`.
    #[msg("a trigger's keeper fee may be at most 1 USDC")]
    TriggerFeeTooHigh,
    /// `execute_trigger` whose position was closed or flipped since it was added.
    #[msg("the position this trigger was placed on has been closed or flipped: cancel the trigger")]
    TriggerStale,
    /// `close_account` while the account's trigger book exists.
    #[msg("close the account's trigger book first (close_trigger_book)")]
    TriggerBookOpen,
    /// `settle_pnl` on an account with no unsettled PnL.
    #[msg("the account has no unsettled PnL")]
    NothingToSettle,
    /// `auto_deleverage` while the traders' unrealised profit is within
    /// `max_pnl_factor_bps` of the pool's free cash.
    #[msg("auto-deleveraging is off: the traders' unrealised profit is within the pool's limit")]
    AdlNotTriggered,
    /// `auto_deleverage` on a position that is not profitable or returns
    /// less than its side on average.
    #[msg("not an auto-deleveraging candidate: the position must be in profit, at or above its side's average return")]
    AdlNotCandidate,
    /// `close_account` with unsettled PnL left.
    #[msg("the account still has unsettled PnL: settle it first (settle_pnl)")]
    UnsettledPnlLeft,
    /// `settle_pnl` on an account already settled in the open round, or
    /// whose whole claim was booked after the round opened.
    #[msg("this claim is settled in the next settlement round (SETTLE_ROUND_SLOTS after the current one opened)")]
    SettleNextRound,
    /// `lp_withdraw` that would leave the traders' unrealised profit above
    /// `max_pnl_factor_bps` of the pool's free cash.
    #[msg("this withdrawal would push the pool into auto-deleveraging: the traders' unrealised profit would pass max_pnl_factor_bps of its free cash")]
    AdlHeadroom,
    /// `trade` that adds risk past the pool's capacity: its requirement
    /// after the fill would exceed `reserve_factor_bps` of its NAV (the
    /// stress factor while stressed).
    #[msg("the pool cannot take this risk: its requirement would pass reserve_factor_bps of its NAV (reduce, or wait for LP deposits)")]
    PoolCapacity,
    /// A fee withdrawal of more than the protocol's fees.
    #[msg("the protocol's fees (fees_balance) are less than this withdrawal")]
    InsufficientFees,
}

impl From<ballast_risk::MathError> for EngineError {
    fn from(_: ballast_risk::MathError) -> Self {
        EngineError::MathOverflow
    }
}
