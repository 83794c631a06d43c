//! Filling a trade against the pool.

use super::breaker::{observe_breaker, BreakerEvents};
use super::funding::{accrue, set_rates, settle_funding, FundingPaid};
use super::health::{require_initial_health, require_valid_for, MarketQuote, Quotes};
use super::pool::{record_valuation, reserve_requirement, value_legs, venue_reserve};
use super::settle::{pay_fill, record_collateral, route_fee, set_collateral};
use crate::constants::{pause, RESERVE_OFF_BPS};
use crate::errors::EngineError;
use crate::state::{Exchange, MarginAccount, Market, Pool, PositionSlot};
use anchor_lang::prelude::*;
use ballast_risk::health::Health;
use ballast_risk::impact::{impact, rebate_paid};
use ballast_risk::math::mul_div_floor;
use ballast_risk::oracle::{Action, Validity};
use ballast_risk::position::{apply_fill, fee, Position};
use ballast_risk::precision::{BPS_DENOMINATOR, NOTIONAL_DIVISOR};
use ballast_risk::pricing::{exec_price, spread_bps, PoolSkew};
use ballast_risk::SafeMath;

/// What the trader asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TradeRequest {
    /// Signed base size (positive buys). precision: BASE_PRECISION.
    pub base: i64,
    /// Worst acceptable fill price. precision: PRICE_PRECISION.
    pub limit_price: i64,
    /// Refuse anything that grows |position| or flips it.
    pub reduce_only: bool,
    /// Current slot (the breaker holds the market until a slot).
    pub slot: u64,
}

/// What the fill did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TradeOutcome {
    /// Fill price. precision: PRICE_PRECISION.
    pub fill_price: i64,
    /// Spread charged, bps.
    pub spread_bps: u32,
    /// Fee charged. precision: QUOTE_PRECISION.
    pub fee: u64,
    /// Part of the fee, and of the borrow fee settled, paid into the
    /// insurance fund (the handler moves it from the collateral vault to
    /// the insurance vault).
    pub insurance_fee: u64,
    /// Part of the fee, and of the borrow fee settled, paid into the pool
    /// (included in `pool_to_collateral`).
    pub lp_fee: u64,
    /// The funding and borrow fee the position settled before the fill.
    pub funding: FundingPaid,
    /// Price impact charged (into the impact pool). precision: QUOTE_PRECISION.
    pub impact_charge: u64,
    /// Price impact rebated (from the impact pool). precision: QUOTE_PRECISION.
    pub impact_rebate: u64,
    /// PnL realised. precision: QUOTE_PRECISION.
    pub realized_pnl: i64,
    /// Tokens the handler moves from the pool vault to the collateral vault
    /// (negative: back): the realised PnL and settled funding, less the
    /// part of a gain that repays a deficit the account owed the pool, the
    /// part the pool could not pay, and the LP share of the fees.
    /// precision: QUOTE_PRECISION.
    pub pool_to_collateral: i64,
    /// The part of the gain the pool could not pay: booked as the
    /// account's unsettled PnL. precision: QUOTE_PRECISION.
    pub unsettled: u64,
    /// Position after.
    pub position: Position,
    /// Whether the trade added risk (grew |position| or flipped it).
    pub adds_risk: bool,
}

/// Whether moving from `old` to `new` base adds risk.
pub fn adds_risk(old: i64, new: i64) -> bool {
    !(new == 0 || ((old > 0) == (new > 0) && new.unsigned_abs() < old.unsigned_abs()))
}

fn side_oi(base: i64) -> (u64, u64) {
    if base >= 0 {
        (base.unsigned_abs(), 0)
    } else {
        (0, base.unsigned_abs())
    }
}

/// Long and short open interest after a position moves from `old` to `new` base.
pub fn oi_after(market: &Market, old: i64, new: i64) -> Result<(u64, u64)> {
    let (old_long, old_short) = side_oi(old);
    let (new_long, new_short) = side_oi(new);
    let long = market.long_oi.safe_sub(old_long).and_then(|v| v.safe_add(new_long)).map_err(EngineError::from)?;
    let short = market.short_oi.safe_sub(old_short).and_then(|v| v.safe_add(new_short)).map_err(EngineError::from)?;
    Ok((long, short))
}

/// Book a fill in the market: open interest, the longs' quote and the
/// pool's mirror position.
pub fn book_fill(market: &mut Market, old: Position, new: Position) -> Result<()> {
    let (long, short) = oi_after(market, old.base, new.base)?;
    let long_quote = |p: Position| if p.base > 0 { p.quote } else { 0 };
    market.long_quote = market
        .long_quote
        .safe_sub(long_quote(old))
        .and_then(|q| q.safe_add(long_quote(new)))
        .map_err(EngineError::from)?;
    let base_change = new.base.safe_sub(old.base).map_err(EngineError::from)?;
    let quote_change = new.quote.safe_sub(old.quote).map_err(EngineError::from)?;
    market.pool_base = market.pool_base.safe_sub(base_change).map_err(EngineError::from)?;
    market.pool_quote = market.pool_quote.safe_sub(quote_change).map_err(EngineError::from)?;
    market.long_oi = long;
    market.short_oi = short;
    Ok(())
}

/// The slot of `market` in `account` after a fill leaves `position`. A
/// position that continues on the same side keeps its id; one opened in an
/// empty slot, or flipped, gets a new one (`MarginAccount::next_position_id`).
/// Its funding and borrow snapshots are the market's indexes: the caller
/// settled what the position owed first (`funding::settle_funding`).
pub fn store_position(account: &mut MarginAccount, slot: usize, market: &Market, position: Position) {
    let old = account.positions[slot];
    let index = market.index;
    account.positions[slot] = if position.base == 0 {
        PositionSlot::EMPTY
    } else {
        let continues = old.market == index && old.base != 0 && (old.base > 0) == (position.base > 0);
        let opened = if continues { old.opened } else { account.next_position_id() };
        PositionSlot {
            market: index,
            opened,
            base: position.base,
            quote: position.quote,
            funding: market.funding_index,
            borrow: market.borrow_index,
            ..PositionSlot::EMPTY
        }
    };
}

/// The price a trade of direction `buy` fills around: the oracle price, or
/// during an unconfirmed jump (`TooVolatile`, where only reductions pass
/// the gate) the worse of the price and the EMA for the trader. A trade in
/// the direction that closes `held` (the position before it) realises its
/// gain no better than a recent confirmed jump's anchor
/// (`MarketQuote::gain_price`).
pub fn reference_price(quote: &MarketQuote, buy: bool, held: Position) -> i64 {
    let mut p = quote.price;
    if quote.validity == Validity::TooVolatile && quote.ema_price > 0 {
        p = if buy { p.max(quote.ema_price) } else { p.min(quote.ema_price) };
    }
    if held.base != 0 && (held.base > 0) != buy {
        p = quote.gain_price(held, p);
    }
    p
}

/// Fill `req` for `account` in `market` (whose checked quote is `quote`),
/// updating the position, the market's OI and pool mirror, the pool's
/// balance and the exchange's collateral and fee totals.
pub fn execute_trade(
    account: &mut MarginAccount,
    market: &mut Market,
    pool: &mut Pool,
    exchange: &mut Exchange,
    quote: &MarketQuote,
    req: &TradeRequest,
) -> Result<TradeOutcome> {
    require!(req.base != 0, EngineError::ZeroAmount);
    require!(!market.is_settled(), EngineError::MarketSettled);
    let slot = account.slot_for(market.index).ok_or(EngineError::PositionSlotsFull)?;
    let old = if account.positions[slot].market == market.index {
        account.positions[slot].position()
    } else {
        Position::default()
    };
    let new_base = old.base.checked_add(req.base).ok_or(EngineError::MathOverflow)?;
    let adds = adds_risk(old.base, new_base);

    // 1. Gates: new risk needs a Valid feed and an unrestricted market (not
    //    reduce-only, breaker not holding it); reductions work through an
    //    agreed jump (at most TooVolatile), whatever the market's state, and
    //    wait only while the sources disagree.
    if adds {
        require!(!req.reduce_only && !market.is_reduce_only(req.slot), EngineError::ReduceOnlyViolated);
        require!(!market.breaker().active(req.slot), EngineError::BreakerTripped);
        require!(Action::OpenRisk.allows(quote.validity), EngineError::OracleGate);
    } else {
        require!(Action::ReduceRisk.allows(quote.validity), EngineError::OracleGate);
    }

    // 2. Price: oracle +- spread (conf and skew). A close during an
    //    unconfirmed jump fills at the worse of the price and the EMA for
    //    the closer: losses realise at the agreed price, a
    //    gain the jump made waits for confirmation (a pumped price cannot be
    //    cashed in before the confirmation window ends), and for the
    //    market's `gain_vest_slots` after it (`MarketQuote::gain_price`).
    let reference = reference_price(quote, req.base > 0, old);
    let pool_base_after = market.pool_base.safe_sub(req.base).map_err(EngineError::from)?;
    let skew = PoolSkew { pool_base_before: market.pool_base, pool_base_after, pool_depth: pool.balance };
    let spread = spread_bps(&market.spread(), reference, quote.conf, &skew).map_err(EngineError::from)?;
    let fill_price = exec_price(reference, req.base > 0, spread).map_err(EngineError::from)?;

    // 3. Open interest: a side that grows may not pass the cap.
    let (long_oi, short_oi) = oi_after(market, old.base, new_base)?;
    require!(long_oi <= market.long_oi || long_oi <= market.oi_cap, EngineError::OiCapExceeded);
    require!(short_oi <= market.short_oi || short_oi <= market.oi_cap, EngineError::OiCapExceeded);

    // 4. Funding and the borrow fee the position owes settle first (the
    //    caller accrued the market).
    let funding = settle_funding(account, slot, market, pool, exchange, req.slot)?;
    let before = account.collateral;

    // 5. Convex price impact on the traders' net notional (the pool's
    //    imbalance, `ballast_risk::impact`): charged as the fill grows it,
    //    rebated as it shrinks it, only from the impact pool and only to an
    //    account without a deficit. The trader's limit bounds the fill with
    //    its impact.
    let fill = apply_fill(old, req.base, fill_price).map_err(EngineError::from)?;
    let net =
        |pool_base: i64| (pool_base as i128).saturating_neg().saturating_mul(reference as i128) / NOTIONAL_DIVISOR;
    let params = market.impact();
    let imp = impact(&params, net(market.pool_base), net(pool_base_after), pool.depth()).map_err(EngineError::from)?;
    let charge = imp.charge;
    let rebate = if before >= 0 { rebate_paid(imp.rebate, exchange.impact_pool) } else { 0 };
    let net_impact = charge as i128 - rebate as i128;
    let size = req.base.unsigned_abs() as i128;
    let cost = (fill_price as i128).safe_mul(size).map_err(EngineError::from)?;
    let bound = (req.limit_price as i128).safe_mul(size).map_err(EngineError::from)?;
    let impact_cost = net_impact.safe_mul(NOTIONAL_DIVISOR).map_err(EngineError::from)?;
    let within = if req.base > 0 { cost + impact_cost <= bound } else { cost - impact_cost >= bound };
    require!(within, EngineError::LimitPriceExceeded);

    // 6. The fee, and the trader's collateral: a shortfall on a trade that
    //    adds risk is a margin failure; on a reduction, a loss the account
    //    cannot pay is for liquidation, unless its unsettled PnL covers it.
    //    An account that owes a deficit (negative collateral, flagged) may
    //    only shrink it: a reduction whose gain, after the fee, repays part
    //    or all of it.
    let fee = fee(fill.notional, market.params.fee_bps).map_err(EngineError::from)?;
    let charged = fee.safe_add(charge).map_err(EngineError::from)?;
    let charged_i = i64::try_from(charged).map_err(|_| EngineError::MathOverflow)?;
    let rebate_i = i64::try_from(rebate).map_err(|_| EngineError::MathOverflow)?;
    let collateral = before
        .safe_add(fill.realized_pnl)
        .and_then(|c| c.safe_sub(charged_i))
        .and_then(|c| c.safe_add(rebate_i))
        .map_err(EngineError::from)?;
    if adds {
        require!(collateral >= 0, EngineError::InitialHealthNegative);
    } else {
        // A loss the account's unsettled PnL covers is netted against it
        // (`pay_fill`): an account owed by the pool can always close.
        let covered = collateral.saturating_add(account.unsettled_pnl.min(i64::MAX as u64) as i64) >= 0;
        require!(collateral >= 0 || collateral > before || covered, EngineError::LossExceedsCollateral);
    }

    // 7. The pool takes the other side. The collateral vault holds positive
    //    collateral, fees and the impact pool, so it gains the change in
    //    positive collateral plus the fee and the impact charge; the rest
    //    of a gain stays in the pool, repaying the deficit. What the pool's
    //    cash cannot pay of a gain becomes unsettled PnL (`pay_fill`): the
    //    fill lands whatever the pool holds. A rebate moves from the impact
    //    pool to the collateral first (within the collateral vault).
    book_fill(market, old, fill.position)?;
    let pnl = fill.realized_pnl;
    if rebate > 0 {
        let c = account.collateral.safe_add(rebate_i).map_err(EngineError::from)?;
        record_collateral(exchange, account.collateral, c)?;
        set_collateral(account, pool, c)?;
        exchange.impact_pool -= rebate; // rebate_paid caps it at the pool
    }
    let paid = pay_fill(account, pool, exchange, pnl, charged, req.slot)?;
    // What was paid of the charges goes to the impact pool first (a charge
    // the collateral cannot cover is waived, as a fee is), then the fee is
    // routed: the LP share into the pool, the insurance share into the
    // fund, the rest to the protocol.
    let impact_paid = paid.fee.min(charge);
    exchange.impact_pool = exchange.impact_pool.safe_add(impact_paid).map_err(EngineError::from)?;
    let fee = paid.fee - impact_paid;
    let routed = route_fee(exchange, pool, fee)?;
    store_position(account, slot, market, fill.position);
    let lp_fee = routed.lp.safe_add(funding.borrow.lp).map_err(EngineError::from)?;
    let to_collateral = paid
        .pool_to_collateral
        .safe_add(funding.pool_to_collateral)
        .and_then(|v| v.safe_sub(routed.lp as i64))
        .map_err(EngineError::from)?;

    Ok(TradeOutcome {
        fill_price,
        spread_bps: spread,
        fee,
        insurance_fee: routed.insurance.safe_add(funding.borrow.insurance).map_err(EngineError::from)?,
        lp_fee,
        funding,
        impact_charge: impact_paid,
        impact_rebate: rebate,
        realized_pnl: pnl,
        pool_to_collateral: to_collateral,
        unsettled: paid.unsettled.safe_add(funding.unsettled).map_err(EngineError::from)?,
        position: fill.position,
        adds_risk: adds,
    })
}

#[cfg(test)]
mod tests {
    use super::adds_risk;

    #[test]
    fn adds_risk_covers_open_grow_flip_and_reduce() {
        assert!(adds_risk(0, 5));
        assert!(adds_risk(5, 6));
        assert!(adds_risk(5, -1), "a flip opens new exposure");
        assert!(!adds_risk(5, 4));
        assert!(!adds_risk(5, 0));
        assert!(!adds_risk(-5, -2));
        assert!(adds_risk(-5, -6));
    }
}

/// The reserve cap, after a fill that added risk: the pool valued with
/// every market (`legs`, the traded one as the fill left it), its reserve
/// requirement (`engine::pool::venue_reserve`: each market's larger side)
/// may not exceed `reserve_factor_at(slot)` of its NAV (`PoolCapacity`),
/// unless the fill did not raise the traded market's part of it (`before`
/// is the market as the fill found it: a trade that adds the trader's risk
/// on the smaller side adds none to the pool's). A trade that only
/// reduces is never refused by it. The valuation becomes the pool's
/// snapshot (`record_valuation`). A factor of `RESERVE_OFF_BPS` (the
/// bound's top) switches the cap off: nothing is valued.
pub fn require_reserve(
    exchange: &Exchange,
    pool: &mut Pool,
    legs: &[(Market, MarketQuote)],
    before: &Market,
    slot: u64,
) -> Result<()> {
    let factor = exchange.reserve_factor_at(slot);
    if factor >= RESERVE_OFF_BPS {
        return Ok(());
    }
    let v = value_legs(pool, legs)?;
    let reserve = venue_reserve(legs)?;
    let (traded, q) = legs.iter().find(|(m, _)| m.index == before.index).ok_or(EngineError::WrongMarket)?;
    let raised = reserve_requirement(traded, q)? > reserve_requirement(before, q)?;
    let cap = mul_div_floor(v.nav as u128, factor as u128, BPS_DENOMINATOR as u128).map_err(EngineError::from)?;
    require!(reserve <= cap || !raised, EngineError::PoolCapacity);
    record_valuation(pool, v.nav, reserve);
    Ok(())
}

/// One `trade`: the fill, the quote it filled at, the breaker's events, and
/// the initial health checked after a trade that added risk.
#[derive(Clone, Copy, Debug)]
pub struct Traded {
    /// The fill.
    pub out: TradeOutcome,
    /// The market's quote.
    pub quote: MarketQuote,
    /// Breaker trips and releases observed on the market.
    pub breaker: BreakerEvents,
    /// Initial health after a trade that added risk (`None` otherwise).
    pub health: Option<Health>,
}

/// `trade`'s rules, in order, on plain values (the handler and the CLI's
/// preview both run this):
/// 1. refuse while trading is paused;
/// 2. quote the market from its own feed, store its phase, observe its
///    breaker;
/// 3. fill against the pool (`execute_trade`: gates, spread, limit, fee,
///    OI cap, pool mirror);
/// 4. if the trade added risk: quotes covering every open position; every other position's feed must allow
///    value to leave (`Action::Withdraw`) and initial health, each position
///    at the source most adverse to its holder, must be >= 0.
pub fn trade(
    exchange: &mut Exchange,
    account: &mut MarginAccount,
    market: &mut Market,
    pool: &mut Pool,
    req: &TradeRequest,
    quotes: &impl Quotes,
) -> Result<Traded> {
    require!(!exchange.is_paused(pause::TRADE, req.slot), EngineError::Paused);
    let own = quotes.own(market)?;
    trade_at(exchange, account, market, pool, req, own, quotes)
}

/// [`trade`] after its pause check, on the market's quote `own`, already
/// read from its feed (a trigger checks its crossing on it first).
pub fn trade_at(
    exchange: &mut Exchange,
    account: &mut MarginAccount,
    market: &mut Market,
    pool: &mut Pool,
    req: &TradeRequest,
    own: MarketQuote,
    quotes: &impl Quotes,
) -> Result<Traded> {
    market.set_phase(&own.phase);
    let breaker = observe_breaker(market, &own, req.slot)?;
    accrue(market, &own, req.slot)?;
    let own = own.with_indexes(market);
    let before = *market;
    let out = execute_trade(account, market, pool, exchange, &own, req)?;
    let mut health = None;
    if out.adds_risk {
        let covering = quotes.covering(account, Some(own))?;
        let others: Vec<MarketQuote> = covering.iter().filter(|q| q.index != market.index).copied().collect();
        require_valid_for(&others, Action::Withdraw)?;
        health = Some(require_initial_health(account, &covering, exchange.unsettled_weight_bps)?);
        require_reserve(exchange, pool, &quotes.venue(market, own)?, &before, req.slot)?;
    }
    set_rates(market, pool, &own)?;
    Ok(Traded { out, quote: own, breaker, health })
}
