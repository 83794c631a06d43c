//! # Ballast margin engine
//!
//! Margin accounts with SPL-token collateral in PDA-owned vaults,
//! cross-margined perpetual positions filled against an LP pool at oracle
//! prices, and health from `ballast-risk` (the same code the tools run);
//! dynamic margin, partial throttled liquidation with an insurance fund and
//! a default waterfall, LP pool pricing, circuit breakers, a guardian, and
//! timelocked governance. This file is dispatch only: `instructions` load
//! and validate accounts, `engine` applies the rules to plain values,
//! `state` holds the accounts and the parameter table.

// Anchor's macros generate undocumented items, so `missing_docs` is
// warned on the modules this crate writes by hand.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

#[warn(missing_docs)]
pub mod constants;
#[warn(missing_docs)]
pub mod engine;
#[warn(missing_docs)]
pub mod errors;
#[warn(missing_docs)]
pub mod events;
pub mod instructions;
#[warn(missing_docs)]
pub mod state;

use instructions::*;

declare_id!("7SRkARg4zVB3DkWh9qig38QQkST6VuHXoDHiPosdHZPZ");

/// The margin-engine program.
#[program]
pub mod margin_engine {
    use super::*;

    /// Governance: create the exchange, its three token vaults and the pool.
    pub fn initialize_exchange(ctx: Context<InitializeExchange>, params: InitializeExchangeParams) -> Result<()> {
        instructions::initialize_exchange::handler(ctx, params)
    }

    /// Governance: list a market bound to an oracle-adapter feed.
    pub fn add_market(ctx: Context<AddMarket>, params: AddMarketParams) -> Result<()> {
        instructions::add_market::handler(ctx, params)
    }

    /// Trader: open margin account `id`.
    pub fn create_account(ctx: Context<CreateAccount>, id: u32) -> Result<()> {
        instructions::create_account::handler(ctx, id)
    }

    /// Trader: deposit collateral.
    pub fn deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
        instructions::deposit::handler(ctx, amount)
    }

    /// Trader: withdraw collateral; initial health must stay >= 0.
    pub fn withdraw<'info>(ctx: Context<'info, Withdraw<'info>>, amount: u64) -> Result<()> {
        instructions::withdraw::handler(ctx, amount)
    }

    /// Trader (the owner, or its delegate before the delegate's expiry):
    /// trade a signed base size against the pool, within a limit price.
    pub fn trade<'info>(ctx: Context<'info, Trade<'info>>, params: TradeParams) -> Result<()> {
        instructions::trade::handler(ctx, params)
    }

    /// Trader (the owner only): name a delegate that may trade the account,
    /// optionally until a slot; the default key removes it.
    pub fn set_delegate(ctx: Context<SetDelegate>, delegate: Pubkey, expiry_slot: u64) -> Result<()> {
        instructions::set_delegate::handler(ctx, delegate, expiry_slot)
    }

    /// Trader (the owner): create the account's trigger book.
    pub fn create_trigger_book(ctx: Context<CreateTriggerBook>) -> Result<()> {
        instructions::trigger::create_book_handler(ctx)
    }

    /// Trader (the owner only): store a reduce-only take-profit or stop-loss
    /// trigger on a position, not yet crossed.
    pub fn add_trigger(ctx: Context<AddTrigger>, params: TriggerParams) -> Result<()> {
        instructions::trigger::add_handler(ctx, params)
    }

    /// Trader (the owner or its delegate): remove the trigger at `index`.
    pub fn cancel_trigger(ctx: Context<CancelTrigger>, index: u8) -> Result<()> {
        instructions::trigger::cancel_handler(ctx, index)
    }

    /// Keeper: execute the trigger at `index` once every source has crossed
    /// its price, as a reduce-only trade; earn its fee (permissionless).
    pub fn execute_trigger<'info>(ctx: Context<'info, ExecuteTrigger<'info>>, index: u8) -> Result<()> {
        instructions::trigger::execute_handler(ctx, index)
    }

    /// Trader (the owner): close the trigger book for its rent.
    pub fn close_trigger_book(ctx: Context<CloseTriggerBook>) -> Result<()> {
        instructions::trigger::close_book_handler(ctx)
    }

    /// Trader: close an account with no positions and no collateral.
    pub fn close_account(ctx: Context<CloseAccount>) -> Result<()> {
        instructions::close_account::handler(ctx)
    }

    /// LP: deposit collateral into the pool for at least `min_shares_out`
    /// shares (minted at the NAV favourable to the pool, rounding down).
    pub fn lp_deposit<'info>(ctx: Context<'info, LpDeposit<'info>>, amount: u64, min_shares_out: u64) -> Result<()> {
        instructions::lp_deposit::handler(ctx, amount, min_shares_out)
    }

    /// LP: burn shares for their value at the NAV adverse to the pool
    /// (rounded down), at least `min_amount_out`; the pool must still cover
    /// its worst-case exposure and the profits it owes traders afterwards.
    pub fn lp_withdraw<'info>(ctx: Context<'info, LpWithdraw<'info>>, shares: u64, min_amount_out: u64) -> Result<()> {
        instructions::lp_withdraw::handler(ctx, shares, min_amount_out)
    }

    /// Keeper: partially liquidate an account whose maintenance health is
    /// negative (permissionless; not the owner).
    pub fn liquidate<'info>(ctx: Context<'info, Liquidate<'info>>) -> Result<()> {
        instructions::liquidate::handler(ctx)
    }

    /// Keeper: cover a bankrupt account's deficit down the waterfall
    /// (insurance fund, then the pool).
    pub fn resolve_bankruptcy(ctx: Context<ResolveBankruptcy>) -> Result<()> {
        instructions::resolve_bankruptcy::handler(ctx)
    }

    /// Permissionless: pay an account's unsettled PnL (realised profit the
    /// pool could not pay) from the pool's cash, after netting it against
    /// any deficit: its pro-rata share of a settlement round's cash, once
    /// per round (`SettleNextRound`).
    pub fn settle_pnl(ctx: Context<SettlePnl>) -> Result<()> {
        instructions::settle_pnl::handler(ctx)
    }

    /// Permissionless: while the traders' unrealised profit is above
    /// `max_pnl_factor_bps` of the pool's free cash, reduce a winning
    /// position (at or above its side's average return) at the oracle price,
    /// just enough to bring it to `adl_target_bps`. Remaining accounts:
    /// every market's `(market, feed)`, in index order.
    pub fn auto_deleverage<'info>(ctx: Context<'info, AutoDeleverage<'info>>) -> Result<()> {
        instructions::auto_deleverage::handler(ctx)
    }

    /// Accrue every market's funding and borrow indexes to now and record
    /// the pool's valuation (permissionless). Remaining accounts: every
    /// market's `(market, feed)`, in index order, markets writable.
    pub fn update_funding<'info>(ctx: Context<'info, UpdateFunding<'info>>) -> Result<()> {
        instructions::update_funding::handler(ctx)
    }

    /// Governance: apply a tightening change now (a loosening one fails
    /// with `LooseningNeedsTimelock`). A market change passes the market.
    pub fn set_param<'info>(ctx: Context<'info, SetParam<'info>>, change: ParamChange) -> Result<()> {
        instructions::governance::set_param_handler(ctx, change)
    }

    /// Governance: queue any change behind the timelock.
    pub fn queue_change<'info>(ctx: Context<'info, QueueChange<'info>>, change: ParamChange) -> Result<()> {
        instructions::governance::queue_handler(ctx, change)
    }

    /// Anyone: apply a queued change after its timelock, within its grace
    /// period, if no newer change of its field was queued or set since.
    pub fn apply_change<'info>(ctx: Context<'info, ApplyChange<'info>>) -> Result<()> {
        instructions::governance::apply_handler(ctx)
    }

    /// Governance: cancel a queued change.
    pub fn cancel_change(ctx: Context<CancelChange>) -> Result<()> {
        instructions::governance::cancel_handler(ctx)
    }

    /// Anyone: close an expired or superseded queued change (rent to its payer).
    pub fn close_change(ctx: Context<CloseChange>) -> Result<()> {
        instructions::governance::close_handler(ctx)
    }

    /// Governance: stop a market at `price` at once, which needs a live feed
    /// (at most `TooVolatile`) and a price within the market's band of both
    /// the feed's price and its EMA; otherwise queue a `settlement_price`
    /// change. Its positions then settle at it.
    pub fn emergency_settle(ctx: Context<EmergencySettle>, price: i64) -> Result<()> {
        instructions::settlement::emergency_handler(ctx, price)
    }

    /// Anyone: settle one account's position in a settled market.
    pub fn settle_position(ctx: Context<SettlePosition>) -> Result<()> {
        instructions::settlement::settle_handler(ctx)
    }

    /// Guardian: pause the operations in `bits` for `duration_slots` (at
    /// most `max_pause_slots`, rate-limited).
    pub fn guardian_pause(ctx: Context<GuardianPause>, bits: u32, duration_slots: u64) -> Result<()> {
        instructions::guardian::pause_handler(ctx, bits, duration_slots)
    }

    /// Guardian: hold a market reduce-only for `duration_slots` (same limits).
    pub fn guardian_reduce_only(ctx: Context<GuardianMarket>, duration_slots: u64) -> Result<()> {
        instructions::guardian::reduce_only_handler(ctx, duration_slots)
    }

    /// Guardian: multiply a market's maintenance target by `mult_bps` (at
    /// most 4x) for `duration_slots` (same limits).
    pub fn guardian_raise_margin(ctx: Context<GuardianMarket>, duration_slots: u64, mult_bps: u32) -> Result<()> {
        instructions::guardian::raise_margin_handler(ctx, duration_slots, mult_bps)
    }

    /// Governance: set the standing pause bits; lift every guardian pause,
    /// and the guardian holds of the markets passed as remaining accounts.
    pub fn set_pause<'info>(ctx: Context<'info, SetPause<'info>>, bits: u32) -> Result<()> {
        instructions::set_pause::handler(ctx, bits)
    }

    /// Anyone: execute a queued insurance withdrawal (queued by governance
    /// with `queue_change`) after its timelock, never below the floor.
    pub fn withdraw_insurance(ctx: Context<QueuedWithdrawal>) -> Result<()> {
        instructions::withdraw_insurance::handler(ctx, engine::governance::INSURANCE_WITHDRAWAL_FIELD)
    }

    /// Anyone: execute a queued withdrawal of the protocol's fees (queued
    /// by governance with `queue_change`) after its timelock.
    pub fn withdraw_fees(ctx: Context<QueuedWithdrawal>) -> Result<()> {
        instructions::withdraw_insurance::handler(ctx, engine::governance::FEE_WITHDRAWAL_FIELD)
    }

    /// Keeper: observe the price-band breakers of the `(market, feed)` pairs
    /// in the remaining accounts (permissionless).
    pub fn refresh_breakers<'info>(ctx: Context<'info, RefreshBreakers<'info>>) -> Result<()> {
        instructions::refresh_breakers::handler(ctx)
    }

    /// Keeper: phase a market's maintenance ratio toward its dynamic target
    /// and observe network stress (permissionless).
    pub fn refresh_market(ctx: Context<RefreshMarket>) -> Result<()> {
        instructions::refresh_market::handler(ctx)
    }

    /// Keeper: measure the share of stale feeds across every market and
    /// observe network stress (permissionless).
    pub fn refresh_stress<'info>(ctx: Context<'info, RefreshStress<'info>>) -> Result<()> {
        instructions::refresh_stress::handler(ctx)
    }

    /// View: an account's equity, initial and maintenance health as return data.
    pub fn account_health<'info>(ctx: Context<'info, AccountHealth<'info>>) -> Result<()> {
        instructions::account_health::handler(ctx)
    }

    /// Read the feed of `symbol` for `action` (0 open risk, 1 reduce risk,
    /// 2 liquidate, 3 withdraw): checks address, owner and freshness, applies the
    /// action's validity gate, and returns `GatedPrice` as return data.
    pub fn gated_price(ctx: Context<GatedPriceAccounts>, symbol: String, action: u8) -> Result<()> {
        instructions::gated_price::handler(ctx, symbol, action)
    }
}
