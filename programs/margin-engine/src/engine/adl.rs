//! Auto-deleveraging: when the traders' unrealised profit outgrows the
//! pool's free cash, reduce the best-ranked winning positions at the
//! oracle price until it is back at the target.
//!
//! - **Liability** ([`adl_liability`]): per market, the two sides'
//!   aggregate PnL at the oracle price, netted, where positive (a hedged
//!   pair owes the pool nothing).
//! - **Free cash**: the pool's balance less the unsettled PnL it owes.
//! - **Trigger**: liability above `max_pnl_factor_bps` of free cash
//!   (`AdlNotTriggered` otherwise). Re-checked by every call.
//! - **Candidate**: a position in profit that returns at least its side's
//!   average, not vesting a jump's gain, on an account without a deficit
//!   (`AdlNotCandidate` otherwise), re-checked by every call; the
//!   keeper orders candidates by `ballast_risk::pnl::adl_rank`
//!   (return times leverage).
//! - **Amount**: the profit that brings the liability to
//!   `adl_target_bps` of free cash, never more
//!   (`ballast_risk::pnl::adl_amount`, less `adl_rounding_margin`, a few
//!   quote units, so the fill's rounding never passes the target either),
//!   nor more than the position's, its side's or its market's net profit;
//!   the base closed rounds down.
//! - **Fill**: at the oracle price of a `Valid` feed (so within its
//!   confidence gate), no spread, no fee; the gain is paid as any fill's
//!   (`pay_fill`: what the pool's cash cannot pay becomes unsettled PnL).
//!   Within a recent jump's vesting, the liability counts gains at
//!   `MarketQuote::gain_price`, and a position whose gain is vesting is no
//!   candidate: the pool's own crank never pays out a pump, nor takes an
//!   honest holder's gain at the anchor.
//! - **Throttle**: the closed notional counts against its own window of
//!   `throttle_cap` per `throttle_window_slots`, as liquidation's does.

use super::funding::{accrue, set_rates, settle_funding, FundingPaid};
use super::health::MarketQuote;
use super::settle::pay_fill;
use super::trade::{book_fill, store_position};
use crate::constants::pause;
use crate::errors::EngineError;
use crate::state::{Exchange, MarginAccount, Market, Pool};
use anchor_lang::prelude::*;
use ballast_risk::liquidation::admit;
use ballast_risk::math::mul_div_floor;
use ballast_risk::oracle::{Action, Validity};
use ballast_risk::pnl::{above_side_average, adl_amount, adl_rank, adl_rounding_margin, adl_triggered};
use ballast_risk::position::{apply_fill, notional_ceil, position_value, Position};
use ballast_risk::SafeMath;

/// Value of `p` at `price`, rounded down (`ballast_risk::position::position_value`).
/// precision: QUOTE_PRECISION.
pub fn value_at(p: Position, price: i64) -> Result<i128> {
    Ok(position_value(&p, price).map_err(EngineError::from)?)
}

/// A position's standing in the auto-deleveraging queue at `q`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    /// The price its gain counts at (`MarketQuote::gain_price`).
    pub price: i64,
    /// Its PnL there.
    pub pnl: i128,
    /// Its side's aggregate PnL, at the price the side's gain counts at.
    pub side_pnl: i128,
    /// In profit, and returning at least its side's average.
    pub candidate: bool,
}

/// `old`'s standing in `market` at `q`: what `auto_deleverage` checks a
/// candidate against, and what the keeper and the CLI show.
pub fn standing(market: &Market, q: &MarketQuote, old: Position) -> Result<Standing> {
    let price = q.gain_price(old, q.price);
    let pnl = value_at(old, price)?;
    let (longs, shorts) = sides(market)?;
    let side = if old.base > 0 { longs } else { shorts };
    let side_pnl = value_at(side, q.gain_price(side, q.price))?;
    let cost = |p: Position| p.quote.unsigned_abs() as u128;
    let candidate = above_side_average(pnl, cost(old), side_pnl, cost(side)).map_err(EngineError::from)?;
    Ok(Standing { price, pnl, side_pnl, candidate })
}

/// The order the keeper deleverages in (`ballast_risk::pnl::adl_rank`):
/// `old`'s return `pnl` at `price` on its cost (its quote's magnitude)
/// times its account's leverage (its notional at `price` over `equity`).
pub fn rank(old: Position, price: i64, pnl: i128, equity: i128) -> Result<u128> {
    let notional = notional_ceil(old.base, price).map_err(EngineError::from)? as u128;
    Ok(adl_rank(pnl, old.quote.unsigned_abs() as u128, notional, equity).map_err(EngineError::from)?)
}

/// A market's two sides as positions: longs, shorts.
pub fn sides(m: &Market) -> Result<(Position, Position)> {
    let long = i64::try_from(m.long_oi).map_err(|_| EngineError::MathOverflow)?;
    let short = i64::try_from(m.short_oi).map_err(|_| EngineError::MathOverflow)?;
    Ok((Position { base: long, quote: m.long_quote }, Position { base: -short, quote: m.short_quote() }))
}

/// What the traders of market `m` are up on the pool at `q`: the two
/// sides' PnL netted (a hedged pair owes the pool nothing), each at the
/// price its gain counts at; 0 if the pool is up.
pub fn market_liability(m: &Market, q: &MarketQuote) -> Result<i128> {
    let (longs, shorts) = sides(m)?;
    let mut net = 0i128;
    for side in [longs, shorts] {
        net = net.safe_add(value_at(side, q.gain_price(side, q.price))?).map_err(EngineError::from)?;
    }
    Ok(net.max(0))
}

/// The traders' unrealised profit the pool owes at the oracle price (a
/// vesting gain at its anchor): the sum over markets of
/// [`market_liability`]. `legs` are every market with
/// its quote; each feed must give a usable price (`Action::Withdraw`).
pub fn adl_liability(legs: &[(Market, MarketQuote)]) -> Result<u64> {
    let mut owed = 0i128;
    for (m, q) in legs {
        require!(Action::Withdraw.allows(q.validity), EngineError::OracleGate);
        owed = owed.safe_add(market_liability(m, q)?).map_err(EngineError::from)?;
    }
    Ok(u64::try_from(owed).map_err(|_| EngineError::MathOverflow)?)
}

/// `lp_withdraw`'s ADL headroom: after the withdrawal (`pool` as it left
/// it), the traders' unrealised profit, vesting gains in full, must not be
/// above `max_pnl_factor_bps` of the pool's free cash (`AdlHeadroom`): an
/// LP cannot leave by pushing the winners into auto-deleveraging.
pub fn require_adl_headroom(exchange: &Exchange, pool: &Pool, legs: &[(Market, MarketQuote)]) -> Result<()> {
    // Vesting gains count at the oracle price here: an exit made during
    // vesting must not push the pool into ADL the slot the vesting ends.
    let unanchored: Vec<(Market, MarketQuote)> =
        legs.iter().map(|(m, q)| (*m, MarketQuote { anchor_lo: 0, anchor_hi: 0, ..*q })).collect();
    let triggered = adl_triggered(adl_liability(&unanchored)?, free_cash(pool), exchange.max_pnl_factor_bps)
        .map_err(EngineError::from)?;
    require!(!triggered, EngineError::AdlHeadroom);
    Ok(())
}

/// The pool's free cash: its balance less the unsettled PnL it owes.
pub fn free_cash(pool: &Pool) -> i128 {
    pool.balance as i128 - pool.unsettled as i128
}

/// What one `auto_deleverage` did. Quote amounts at QUOTE_PRECISION.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deleveraged {
    /// Signed base closed (the fill's direction).
    pub base: i64,
    /// Fill price: the oracle price. precision: PRICE_PRECISION.
    pub price: i64,
    /// Profit realised.
    pub realized_pnl: i64,
    /// Closed notional.
    pub notional: u64,
    /// Tokens from the pool vault to the collateral vault.
    pub pool_to_collateral: i64,
    /// Of the profit, what the pool could not pay: unsettled PnL.
    pub unsettled: u64,
    /// The funding and borrow fee the position settled first (its LP share
    /// is in `pool_to_collateral`; the handler pays the insurance share).
    pub funding: FundingPaid,
    /// The traders' unrealised profit before.
    pub liability: u64,
    /// The pool's free cash before.
    pub free_cash: i64,
}

/// `auto_deleverage`'s rules on plain values: `legs` are every market
/// (index order, `market` included, as it was before this call) with its
/// quote. See the module documentation for the rules, in order:
/// pause (liquidation's bit), trigger, candidate, amount, throttle, fill.
pub fn auto_deleverage(
    exchange: &mut Exchange,
    account: &mut MarginAccount,
    market: &mut Market,
    pool: &mut Pool,
    legs: &[(Market, MarketQuote)],
    slot: u64,
) -> Result<Deleveraged> {
    require!(!exchange.is_paused(pause::LIQUIDATE, slot), EngineError::Paused);
    require!(!market.is_settled(), EngineError::MarketSettled);
    let q = legs.iter().find(|(m, _)| m.index == market.index).map(|(_, q)| *q).ok_or(EngineError::WrongMarket)?;
    require!(q.validity == Validity::Valid, EngineError::OracleGate);
    let liability = adl_liability(legs)?;
    let free = free_cash(pool);
    let triggered = adl_triggered(liability, free, exchange.max_pnl_factor_bps).map_err(EngineError::from)?;
    require!(triggered, EngineError::AdlNotTriggered);

    let idx = account.slot_of(market.index).ok_or(EngineError::NoPosition)?;
    // The position's funding and borrow fee settle first; the amount is
    // sized on the free cash they leave.
    accrue(market, &q, slot)?;
    let funding = settle_funding(account, idx, market, pool, exchange, slot)?;
    let free = free_cash(pool);
    let old = account.positions[idx].position();
    // A gain still vesting after a jump is not taken (its holder would
    // lose it at the anchor), nor is an account owing a deficit (its gain
    // repays the pool without freeing cash).
    let Standing { price, pnl, side_pnl, candidate } = standing(market, &q, old)?;
    require!(price == q.price && account.collateral >= 0 && candidate, EngineError::AdlNotCandidate);

    let wanted = adl_amount(liability, free, exchange.adl_target_bps).map_err(EngineError::from)?;
    let margin = adl_rounding_margin(exchange.adl_target_bps).map_err(EngineError::from)?;
    let net = market_liability(market, &q)?;
    let need = (wanted.saturating_sub(margin) as i128).min(pnl).min(side_pnl).min(net); // all > 0 but net
    let close = mul_div_floor(old.base.unsigned_abs() as u128, need as u128, pnl as u128).map_err(EngineError::from)?;
    let close = i64::try_from(close).map_err(|_| EngineError::MathOverflow)?;
    // A position too small to close one base unit of is no candidate.
    require!(close > 0, EngineError::AdlNotCandidate);
    let base = if old.base > 0 { -close } else { close };
    let fill = apply_fill(old, base, price).map_err(EngineError::from)?;

    let t = admit(
        &market.adl_throttle(),
        fill.notional,
        market.params.throttle_cap,
        market.params.throttle_window_slots,
        slot,
        false,
    )
    .map_err(|_| error!(EngineError::ThrottleEngaged))?;
    market.adl_window_start = t.window_start_slot;
    market.adl_used = t.used;

    book_fill(market, old, fill.position)?;
    store_position(account, idx, market, fill.position);
    let paid = pay_fill(account, pool, exchange, fill.realized_pnl, 0, slot)?;
    set_rates(market, pool, &q)?;
    Ok(Deleveraged {
        base,
        price,
        realized_pnl: fill.realized_pnl,
        notional: fill.notional,
        pool_to_collateral: paid.pool_to_collateral.safe_add(funding.pool_to_collateral).map_err(EngineError::from)?,
        unsettled: paid.unsettled.safe_add(funding.unsettled).map_err(EngineError::from)?,
        funding,
        liability,
        free_cash: i64::try_from(free).map_err(|_| EngineError::MathOverflow)?,
    })
}
