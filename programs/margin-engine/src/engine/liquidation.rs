//! Liquidating one position of an unhealthy account, and resolving a
//! bankrupt account down the default waterfall.

use super::breaker::{observe_breaker, BreakerEvents};
use super::funding::{accrue, set_rates, settle_funding, FundingPaid};
use super::health::{account_health, liquidation_quotes, MarketQuote, Quotes};
use super::settle::{add_unsettled, net_unsettled, payable_cash, record_collateral, set_collateral, settle_with_pool};
use super::trade::{book_fill, store_position};
use crate::constants::pause;
use crate::errors::EngineError;
use crate::state::{Exchange, MarginAccount, Market, Pool};
use anchor_lang::prelude::*;
use ballast_risk::health::{biased_price, position_health, Health};
use ballast_risk::liquidation::{
    admit, close_amount, penalty, smallest_close, split_penalty, waterfall, LiquidationParams, Waterfall,
};
use ballast_risk::pnl::pay_from_pool;
use ballast_risk::position::{apply_fill, Position};
use ballast_risk::precision::BPS_DENOMINATOR;
use ballast_risk::SafeMath;

/// What a liquidation did. Quote amounts at QUOTE_PRECISION.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidationOutcome {
    /// Signed base closed (the fill's direction).
    pub base: i64,
    /// Conservative fill price (PRICE_PRECISION): `p - k*conf` selling a long,
    /// `p + k*conf` buying back a short.
    pub price: i64,
    /// PnL realised by the close.
    pub realized_pnl: i64,
    /// Closed notional.
    pub notional: u64,
    /// Penalty paid to the keeper.
    pub keeper: u64,
    /// Penalty paid to the insurance fund.
    pub insurance: u64,
    /// Signed tokens from the pool vault to the collateral vault (negative:
    /// to the pool): the change in the account's positive collateral.
    pub pool_to_collateral: i64,
    /// The part of a realised gain the pool could not pay: booked as the
    /// account's unsettled PnL.
    pub unsettled: u64,
    /// The funding and borrow fee the position settled first (its LP share
    /// is in `pool_to_collateral`; the handler pays the insurance share).
    pub funding: FundingPaid,
    /// The account's deficit after the liquidation (0 unless bankrupt).
    pub deficit: u64,
    /// Whether this liquidation filled the market's throttle window.
    pub throttle_engaged: bool,
    /// Whether the fill realised a vesting gain at its anchor (below the
    /// conservative price): the close must then improve health even when
    /// it closes the position whole.
    pub anchored: bool,
}

/// Maintenance health of the account after closing `close` (magnitude)
/// of its position `old` in `quote`'s market at the conservative price,
/// the penalty charged from what collateral remains, from its health
/// `h0` and collateral now: only this position's term and the collateral
/// change; the other positions' terms are unchanged. Exactly what
/// `account_health` gives after `execute_liquidation` (the same terms),
/// with the pool's payable cash `cash` (a gain it cannot pay is unsettled
/// PnL: counted in health, but no penalty is charged from it).
pub fn health_after_close(
    old: Position,
    close: u64,
    quote: &MarketQuote,
    h0: i128,
    collateral: i64,
    liquidation: &LiquidationParams,
    cash: u64,
) -> Result<i128> {
    let term = |p: Position| -> Result<i128> {
        if p.base == 0 {
            return Ok(0);
        }
        let risk = quote.position_risk(p.base, p.quote)?;
        Ok(position_health(&risk, risk.ratios.mmr_bps).map_err(EngineError::from)?)
    };
    let close = i64::try_from(close).map_err(|_| EngineError::MathOverflow)?;
    let base = if old.base > 0 { -close } else { close };
    let price = biased_price(old.base, quote.price, quote.conf, quote.conf_mult_bps).map_err(EngineError::from)?.max(1);
    let fill = apply_fill(old, base, quote.gain_price(old, price)).map_err(EngineError::from)?;
    let fee = penalty(fill.notional, liquidation.fee_bps, 0).map_err(EngineError::from)?.fee;
    let after_pnl = collateral.safe_add(fill.realized_pnl).map_err(EngineError::from)?;
    let kept = pay_from_pool(collateral, fill.realized_pnl, 0, cash).map_err(EngineError::from)?.collateral;
    let paid = fee.min(kept.max(0) as u64) as i64;
    let change = (after_pnl - paid) as i128 - collateral as i128 + term(fill.position)? - term(old)?;
    Ok(h0.safe_add(change).map_err(EngineError::from)?)
}

/// Liquidate `account`'s position in `market` given its maintenance `health`
/// (already checked < 0) at the market's `quote`, at `slot`.
///
/// 1. Close the smallest base that restores health to the buffer
///    (`liq_buffer_bps` of the maintenance requirement), searched on the
///    exact health after (`ballast_risk::liquidation::smallest_close` over
///    [`health_after_close`]: the remainder's own size premium, the
///    conservative fill, the penalty), capped per call unless the rest is
///    dust. Never past the buffer: SECURITY invariant 5.
/// 2. Count the notional against the market's throttle (bankrupt accounts,
///    with negative equity, are exempt).
/// 3. Move tokens so that the collateral vault always holds the accounts'
///    positive collateral: the pool pays or receives exactly the change.
/// 4. Charge the penalty from what collateral remains; split keeper/insurance.
/// 5. A negative balance is a deficit: the account is flagged bankrupt
///    (and unflagged if the close brought it back to >= 0).
pub fn execute_liquidation(
    account: &mut MarginAccount,
    market: &mut Market,
    pool: &mut Pool,
    exchange: &mut Exchange,
    quote: &MarketQuote,
    health: &Health,
    slot: u64,
) -> Result<LiquidationOutcome> {
    require!(!market.is_settled(), EngineError::MarketSettled);
    let idx = account.slot_of(market.index).ok_or(EngineError::NoPosition)?;
    // What the position owes for funding and borrowing settles first: the
    // health it was found at counted it already.
    let funding = settle_funding(account, idx, market, pool, exchange, slot)?;
    let old = account.positions[idx].position();
    require!(old.base != 0, EngineError::NoPosition);
    let ratios = quote.ratios(old.base)?;

    let buffer = (health.maintenance_requirement as i128)
        .safe_mul(market.params.liq_buffer_bps as i128)
        .map_err(EngineError::from)?
        .div_euclid(BPS_DENOMINATOR as i128);
    let params = market.liquidation(ratios.mmr_bps);
    let estimate =
        close_amount(old.base, quote.price, health.maintenance, buffer, &params).map_err(EngineError::from)?;
    require!(estimate > 0, EngineError::NotLiquidatable);
    let cash = payable_cash(pool);
    let after = |c: u64| health_after_close(old, c, quote, health.maintenance, account.collateral, &params, cash);
    let close = smallest_close(old.base.unsigned_abs(), quote.price, estimate, buffer, &params, after)?;
    let close = i64::try_from(close).map_err(|_| EngineError::MathOverflow)?;
    let base = if old.base > 0 { -close } else { close };
    // A gain realises no better than a recent jump's anchor, as a close's
    // does: liquidating a winning leg never cashes in a pump.
    let biased =
        biased_price(old.base, quote.price, quote.conf, quote.conf_mult_bps).map_err(EngineError::from)?.max(1);
    let price = quote.gain_price(old, biased);
    let fill = apply_fill(old, base, price).map_err(EngineError::from)?;

    let exempt = health.equity < 0;
    let throttle = admit(
        &market.throttle(),
        fill.notional,
        market.params.throttle_cap,
        market.params.throttle_window_slots,
        slot,
        exempt,
    )
    .map_err(|_| error!(EngineError::ThrottleEngaged))?;
    let throttle_engaged =
        throttle.used >= market.params.throttle_cap && market.throttle_used < market.params.throttle_cap;
    market.throttle_window_start = throttle.window_start_slot;
    market.throttle_used = throttle.used;

    // A gain the pool's cash cannot pay becomes unsettled PnL (maintenance
    // health counts it in full, so the split does not change the health
    // this close restores).
    let before = account.collateral;
    let payout = pay_from_pool(before, fill.realized_pnl, 0, payable_cash(pool)).map_err(EngineError::from)?;
    let after_pnl = payout.collateral;
    let pool_to_collateral = payout.pool_to_collateral;
    // The penalty is charged from what collateral remains, split as paid.
    let fee = penalty(fill.notional, market.params.liq_fee_bps, market.params.keeper_share_bps)
        .map_err(EngineError::from)?
        .fee;
    let paid =
        split_penalty(fee.min(after_pnl.max(0) as u64), market.params.keeper_share_bps).map_err(EngineError::from)?;
    let (keeper, insurance) = (paid.keeper, paid.insurance);
    let final_balance = after_pnl - paid.fee as i64;

    settle_with_pool(pool, pool_to_collateral)?;
    record_collateral(exchange, before, final_balance)?;
    exchange.insurance_balance = exchange.insurance_balance.safe_add(insurance).map_err(EngineError::from)?;
    book_fill(market, old, fill.position)?;
    store_position(account, idx, market, fill.position);
    set_collateral(account, pool, final_balance)?;
    add_unsettled(account, pool, payout.unsettled, slot)?;
    net_unsettled(account, pool, slot)?;
    Ok(LiquidationOutcome {
        base,
        price,
        realized_pnl: fill.realized_pnl,
        notional: fill.notional,
        keeper,
        insurance,
        pool_to_collateral: pool_to_collateral.safe_add(funding.pool_to_collateral).map_err(EngineError::from)?,
        unsettled: payout.unsettled.safe_add(funding.unsettled).map_err(EngineError::from)?,
        funding,
        deficit: account.collateral.min(0).unsigned_abs(),
        throttle_engaged,
        anchored: price != biased,
    })
}

/// One `liquidate` call: what it did, and the account's maintenance health
/// before and after.
#[derive(Clone, Copy, Debug)]
pub struct Liquidation {
    /// The fill and the token movements.
    pub out: LiquidationOutcome,
    /// Health before (maintenance < 0).
    pub before: Health,
    /// Health after.
    pub after: Health,
    /// Breaker trips and releases observed on the market.
    pub breaker: BreakerEvents,
}

/// `liquidate`'s rules, in order, on plain values (the handler, the keeper's
/// plan and the lab all run this):
/// 1. refuse while liquidation is paused, or when `liquidator` owns the
///    account or is its named delegate (expired or not: a delegate is
///    never paid from the account it trades);
/// 2. quote the market from its own feed, store its phase, observe its
///    breaker;
/// 3. quotes covering every open position, valued by `liquidation_quotes` values them (the market's own feed must allow
///    liquidation); maintenance health must be < 0;
/// 4. close just enough (`execute_liquidation`), then `require_improved`.
pub fn liquidate(
    exchange: &mut Exchange,
    account: &mut MarginAccount,
    market: &mut Market,
    pool: &mut Pool,
    liquidator: &Pubkey,
    slot: u64,
    quotes: &impl Quotes,
) -> Result<Liquidation> {
    require!(!exchange.is_paused(pause::LIQUIDATE, slot), EngineError::Paused);
    require!(!account.is_own(liquidator), EngineError::SelfLiquidation);
    let own = quotes.own(market)?;
    market.set_phase(&own.phase);
    let breaker = observe_breaker(market, &own, slot)?;
    accrue(market, &own, slot)?;
    let own = own.with_indexes(market);
    let quotes = liquidation_quotes(account, &quotes.covering(account, Some(own))?, market.index)?;
    let before = account_health(account, &quotes)?;
    require!(before.maintenance < 0, EngineError::NotLiquidatable);
    let at = *quotes.iter().find(|q| q.index == market.index).ok_or(EngineError::HealthAccountsMismatch)?;
    let out = execute_liquidation(account, market, pool, exchange, &at, &before, slot)?;
    let after = require_improved(account, market.index, &quotes, &before, out.anchored)?;
    set_rates(market, pool, &own)?;
    Ok(Liquidation { out, before, after, breaker })
}

/// The post-check of a liquidation in `market`: maintenance health (over
/// `quotes`, covering every position) strictly better than `before`, unless
/// the position was closed whole at its conservative price. A close that
/// realised a vesting gain at its anchor (`anchored`) must improve health
/// even when whole: it removes counted gain, so on an account with other
/// legs it can worsen it, and then the liquidator must take those legs.
/// Returns the health after.
pub fn require_improved(
    account: &MarginAccount,
    market: u16,
    quotes: &[MarketQuote],
    before: &Health,
    anchored: bool,
) -> Result<Health> {
    let after = account_health(account, quotes)?;
    if account.slot_of(market).is_some() || anchored {
        require!(after.maintenance > before.maintenance, EngineError::LiquidationWorsened);
    }
    Ok(after)
}

/// Cover a bankrupt account's deficit: its collateral is already spent, so
/// the insurance fund pays the pool down to its floor and the rest is
/// socialised into pool NAV. The account is whole again afterwards.
pub fn resolve_bankruptcy(
    account: &mut MarginAccount,
    pool: &mut Pool,
    exchange: &mut Exchange,
    slot: u64,
) -> Result<Waterfall> {
    // The account's own claim on the pool covers its deficit first (every
    // fill nets them already; this keeps the waterfall from paying a
    // deficit the account's claim could).
    let netted = net_unsettled(account, pool, slot)?;
    if netted > 0 && account.collateral == 0 && !account.has_positions() {
        return Ok(Waterfall { from_collateral: 0, from_insurance: 0, socialized: 0 });
    }
    require!(account.is_bankrupt() && !account.has_positions() && account.collateral < 0, EngineError::NotBankrupt);
    let w = waterfall(account.collateral.unsigned_abs(), 0, exchange.insurance_balance, exchange.insurance_floor);
    exchange.insurance_balance -= w.from_insurance;
    exchange.socialized_losses = exchange.socialized_losses.safe_add(w.socialized).map_err(EngineError::from)?;
    pool.balance = pool.balance.safe_add(w.from_insurance).map_err(EngineError::from)?;
    set_collateral(account, pool, 0)?;
    Ok(w)
}
