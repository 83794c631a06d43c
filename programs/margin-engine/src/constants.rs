//! Seeds, layout versions and hard bounds of the margin engine.

/// Seed of the singleton `Exchange` PDA.
pub const EXCHANGE_SEED: &[u8] = b"exchange";
/// Seed of the PDA that owns every token vault.
pub const VAULT_AUTHORITY_SEED: &[u8] = b"vault-authority";
/// Seed of the singleton `Pool` PDA.
pub const POOL_SEED: &[u8] = b"pool";
/// Seed prefix of a `Market` PDA: `[MARKET_SEED, index as u16 le]`.
pub const MARKET_SEED: &[u8] = b"market";
/// Seed prefix of a `MarginAccount` PDA: `[MARGIN_SEED, owner, id as u32 le]`.
pub const MARGIN_SEED: &[u8] = b"margin";
/// Seed prefix of an `LpPosition` PDA: `[LP_SEED, owner]`.
pub const LP_SEED: &[u8] = b"lp";
/// Seed prefix of a `PendingChange` PDA: `[CHANGE_SEED, id as u64 le]`.
pub const CHANGE_SEED: &[u8] = b"change";
/// Seed prefix of a `GovRecord` PDA: `[GOV_RECORD_SEED, target as u16 le]`.
pub const GOV_RECORD_SEED: &[u8] = b"gov-record";
/// Seed prefix of a `TriggerBook` PDA: `[TRIGGER_SEED, margin_account]`.
pub const TRIGGER_SEED: &[u8] = b"triggers";
/// Slots after its eta during which a queued change may be applied: about
/// three days at 400 ms a slot. Later it is expired, refused, and anyone
/// may close it (`close_change`) to return its rent.
pub const CHANGE_GRACE_SLOTS: u64 = 648_000;

/// Layout version of every margin-engine account.
pub const ACCOUNT_VERSION: u8 = 1;

/// Decimals the collateral mint must have (a USD stablecoin, QUOTE_PRECISION).
pub const COLLATERAL_DECIMALS: u8 = 6;
/// Positions per margin account.
pub const MAX_POSITIONS: usize = 8;
/// With a `Stale` feed, a withdrawal values that feed's position at its
/// last good price moved this far against it, bps.
pub const STALE_HAIRCUT_BPS: u64 = 1_000;
/// Slots an LP's shares must be held after its last deposit before any may
/// be burned (150 slots, about a minute: one jump-confirmation window). A
/// deposit, a refresh to a price the depositor already knows, and a
/// withdrawal cannot share a transaction or a slot.
pub const LP_MIN_HOLD_SLOTS: u64 = 150;
/// Length of a settlement round, slots (about a minute): `settle_pnl`
/// shares the cash a round opened with among the claims it opened with,
/// whatever order they settle in; a claim booked meanwhile, and cash that
/// arrives meanwhile, wait for the next round.
pub const SETTLE_ROUND_SLOTS: u64 = 150;
/// `reserve_factor_bps` at this value (the top of its bounds) switches the
/// reserve cap off: the pool may take any risk its traders' margin allows
/// (the lab's switched-off comparison; a venue relying on unsettled PnL
/// and auto-deleveraging alone).
pub const RESERVE_OFF_BPS: u32 = 1_000_000;
/// Trigger orders per margin account.
pub const MAX_TRIGGERS: usize = 8;
/// Most a trigger may pay its keeper: 1 USDC. The owner sets the fee; the
/// bound keeps a typo from handing a keeper the account.
pub const MAX_TRIGGER_KEEPER_FEE: u32 = 1_000_000;
/// Markets per exchange: `trade`, `update_funding`, `auto_deleverage` and
/// the LP flows name every market's `(market, feed)`, and with `trade`'s
/// own 13 accounts (the program included) 24 markets' 48 stay inside a
/// transaction's 64 account locks.
pub const MAX_MARKETS: u16 = 24;
/// `PositionSlot::market` of an empty slot.
pub const EMPTY_SLOT: u16 = u16::MAX;

/// Pause bits of `Exchange::pause_bits`, one per gated operation.
pub mod pause {
    /// `deposit`.
    pub const DEPOSIT: u32 = 1 << 0;
    /// `withdraw`.
    pub const WITHDRAW: u32 = 1 << 1;
    /// `trade`.
    pub const TRADE: u32 = 1 << 2;
    /// `lp_deposit` and `lp_withdraw`.
    pub const LP: u32 = 1 << 3;
    /// `liquidate`.
    pub const LIQUIDATE: u32 = 1 << 4;
    /// Every pause bit.
    pub const ALL: u32 = DEPOSIT | WITHDRAW | TRADE | LP | LIQUIDATE;
}
