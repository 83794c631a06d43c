//! Funding and the borrow fee: accrued into a market's indexes on every
//! touch (and by `update_funding`), settled into a position before any
//! fill changes it (`ballast_risk::funding`).

use super::health::MarketQuote;
use super::pool::{record_valuation, value_legs, venue_reserve};
use super::settle::{pay_fill, route_fee};
use crate::errors::EngineError;
use crate::state::{Exchange, MarginAccount, Market, Pool};
use anchor_lang::prelude::*;
use ballast_risk::funding::{borrow_rate_ppm, funding_rate_ppm, index_delta, payment, utilisation_bps, FeeSplit};
use ballast_risk::oracle::Action;
use ballast_risk::precision::NOTIONAL_DIVISOR;
use ballast_risk::SafeMath;

fn math<T>(r: core::result::Result<T, ballast_risk::MathError>) -> Result<T> {
    r.map_err(|e| error!(EngineError::from(e)))
}

/// The rates `market` accrues at, ppm per hour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rates {
    /// Funding (positive: longs pay).
    pub funding_ppm: i64,
    /// Borrow fee.
    pub borrow_ppm: u64,
    /// The pool's utilisation they come from (its last valuation's
    /// requirement over its NAV), bps.
    pub utilisation_bps: u64,
}

/// The price funding accrues at and its rates are measured at: the feed's
/// EMA (a spike in the one slot a touch or crank picks scales neither),
/// the price itself while there is no EMA.
pub fn accrual_price(price: i64, ema_price: i64) -> i64 {
    if ema_price > 0 {
        ema_price
    } else {
        price
    }
}

/// The rates of `market` now at `price`: funding from the traders' net
/// notional over the pool's depth (`Pool::depth`), the borrow fee from the
/// pool's last valuation's utilisation.
pub fn rates(market: &Market, pool: &Pool, price: i64) -> Result<Rates> {
    let (long, short) = (market.long_oi as i128, market.short_oi as i128);
    let skew = math((long - short).safe_mul(price.max(0) as i128))? / NOTIONAL_DIVISOR;
    let funding_ppm = math(funding_rate_ppm(&market.funding(), skew, pool.depth()))?;
    let utilisation_bps = math(utilisation_bps(pool.requirement_snapshot as u128, pool.nav_snapshot))?;
    let borrow_ppm = math(borrow_rate_ppm(&market.borrow(), utilisation_bps))?;
    Ok(Rates { funding_ppm, borrow_ppm, utilisation_bps })
}

/// Store the rates `market` accrues at from now on ([`rates`] at `q`'s
/// accrual price): after every change of its open interest and every
/// valuation of the pool. An interval always accrues at the rates stored
/// when it began, so nothing done at its end (a trade that moves the skew
/// or the utilisation, a valuation, a governance change) reprices it.
pub fn set_rates(market: &mut Market, pool: &Pool, q: &MarketQuote) -> Result<()> {
    let r = rates(market, pool, accrual_price(q.price, q.ema_price))?;
    market.funding_rate_ppm = r.funding_ppm;
    market.borrow_rate_ppm = r.borrow_ppm;
    Ok(())
}

/// What `market`'s indexes accrue from its last accrual to `slot` at
/// `price`, at its stored rates: `(funding, borrow)` deltas, or `None`
/// when nothing accrues yet (no accrual slot, a settled market, no time
/// passed, or a delta that rounds to zero at a non-zero rate: the time
/// carries to the next accrual rather than being lost).
pub fn accrued(market: &Market, price: i64, slot: u64) -> Result<Option<(i128, i128)>> {
    if market.funding_slot == 0 || market.is_settled() || slot <= market.funding_slot {
        return Ok(None);
    }
    let dt = slot - market.funding_slot;
    let (rate, brate) = (market.funding_rate_ppm, market.borrow_rate_ppm);
    let df = math(index_delta(rate, price, dt))?;
    let db = math(index_delta(i64::try_from(brate).map_err(|_| EngineError::MathOverflow)?, price, dt))?;
    if (rate != 0 && df == 0) || (brate != 0 && db == 0) {
        return Ok(None);
    }
    Ok(Some((df, db)))
}

/// `market`'s indexes as an accrual to `slot` at `price` would leave them
/// (read-only: what every health check counts a position's debt at).
pub fn projected_indexes(market: &Market, price: i64, slot: u64) -> Result<(i128, i128)> {
    let (f, b) = (market.funding_index(), market.borrow_index());
    Ok(match accrued(market, price, slot)? {
        Some((df, db)) => (math(f.safe_add(df))?, math(b.safe_add(db))?),
        None => (f, b),
    })
}

/// Accrue `market`'s funding and borrow indexes to `slot` at `price`, at
/// its stored rates ([`accrued`]), with the market's pending totals: every
/// rule that changes open interest accrues first. A market's first touch
/// only starts its clock.
pub fn accrue_at(market: &mut Market, price: i64, slot: u64) -> Result<()> {
    if market.funding_slot == 0 && !market.is_settled() {
        market.funding_slot = slot;
        return Ok(());
    }
    let Some((df, db)) = accrued(market, price, slot)? else {
        return Ok(());
    };
    let f = math(market.funding_index().safe_add(df))?;
    let b = math(market.borrow_index().safe_add(db))?;
    let fp = funding_pending_at(market, f)?;
    let bp =
        math(market.borrow_pending().safe_add(math(db.safe_mul(market.long_oi as i128 + market.short_oi as i128))?))?;
    market.funding_index = f.to_le_bytes();
    market.borrow_index = b.to_le_bytes();
    market.funding_pending = fp.to_le_bytes();
    market.borrow_pending = bp.to_le_bytes();
    market.funding_slot = slot;
    Ok(())
}

/// The market's pending funding (index-times-base units) once its index
/// reaches `index`: every open position owes the move since the stored
/// index times its base, so the sum grows by the move times the net base.
pub fn funding_pending_at(market: &Market, index: i128) -> Result<i128> {
    let net = market.long_oi as i128 - market.short_oi as i128;
    let moved = math(index.safe_sub(market.funding_index()))?;
    math(market.funding_pending().safe_add(math(moved.safe_mul(net))?))
}

/// [`accrue_at`] at `q`'s accrual price.
pub fn accrue(market: &mut Market, q: &MarketQuote, slot: u64) -> Result<()> {
    accrue_at(market, accrual_price(q.price, q.ema_price), slot)
}

/// What a position owes for funding and borrowing since its last
/// settlement, at indexes `funding` and `borrow`: quote amounts rounded
/// against the trader (`ballast_risk::funding::payment`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Owed {
    /// Funding paid (negative: received). precision: QUOTE_PRECISION.
    pub funding: i64,
    /// Borrow fee. precision: QUOTE_PRECISION.
    pub borrow: u64,
}

impl Owed {
    /// Both, as one signed amount the position pays.
    pub fn total(&self) -> Result<i64> {
        let b = i64::try_from(self.borrow).map_err(|_| EngineError::MathOverflow)?;
        Ok(self.funding.safe_add(b).map_err(EngineError::from)?)
    }
}

/// What `base` at snapshots `(f0, b0)` owes at indexes `(f, b)`.
pub fn owed(base: i64, (f0, b0): (i128, i128), f: i128, b: i128) -> Result<Owed> {
    let funding = math(payment(math(f.safe_sub(f0))?, base))?;
    let borrow = math(payment(math(b.safe_sub(b0))?, base.saturating_abs()))?.max(0) as u64;
    Ok(Owed { funding, borrow })
}

/// What one funding settlement did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FundingPaid {
    /// Funding paid (negative: received). precision: QUOTE_PRECISION.
    pub funding: i64,
    /// Borrow fee the collateral held, routed (less any waived, as a
    /// fill's fee).
    pub borrow: FeeSplit,
    /// Borrow fee beyond what the collateral held: owed to the pool alone,
    /// settled with the funding as PnL (a deficit if nothing pays it).
    pub borrow_unrouted: u64,
    /// Tokens the handler moves from the pool vault to the collateral
    /// vault (negative: back), the LP share of the borrow fee included.
    pub pool_to_collateral: i64,
    /// Funding received that the pool could not pay: unsettled PnL.
    pub unsettled: u64,
}

impl FundingPaid {
    /// The borrow fee charged, routed or owed to the pool.
    pub fn borrow_fee(&self) -> u64 {
        self.borrow.lp + self.borrow.insurance + self.borrow.protocol + self.borrow_unrouted
    }
}

/// Settle the funding and borrow fee the position in slot `idx` of
/// `account` owes at `market`'s indexes (accrued by the caller), through
/// `pay_fill` like a fill's realised PnL and fee: the part of the borrow
/// fee the collateral holds is routed (`route_fee`), the rest is owed to
/// the pool. Its snapshots move to the indexes and the market's pending
/// totals drop by exactly its share. Every rule that changes a position
/// runs this first.
pub fn settle_funding(
    account: &mut MarginAccount,
    idx: usize,
    market: &mut Market,
    pool: &mut Pool,
    exchange: &mut Exchange,
    slot: u64,
) -> Result<FundingPaid> {
    let pos = account.positions[idx];
    if pos.market != market.index || pos.base == 0 {
        return Ok(FundingPaid::default());
    }
    let (f, b) = (market.funding_index(), market.borrow_index());
    let (f0, b0) = pos.snapshots();
    let o = owed(pos.base, (f0, b0), f, b)?;
    let raw_f = math(math(f.safe_sub(f0))?.safe_mul(pos.base as i128))?;
    let raw_b = math(math(b.safe_sub(b0))?.safe_mul(pos.base.saturating_abs() as i128))?;
    market.funding_pending = math(market.funding_pending().safe_sub(raw_f))?.to_le_bytes();
    market.borrow_pending = math(market.borrow_pending().safe_sub(raw_b))?.to_le_bytes();
    account.positions[idx].funding = f.to_le_bytes();
    account.positions[idx].borrow = b.to_le_bytes();
    if o == Owed::default() {
        return Ok(FundingPaid::default());
    }
    // The borrow fee is owed in full. The part the collateral holds after
    // the funding is a fee, routed to LPs, insurance and the protocol; the
    // rest is owed to the pool alone, like a loss (a deficit if nothing
    // else pays it): no share is paid out of money the trader did not
    // have, and no fee is waived.
    let room = account.collateral.saturating_sub(o.funding.max(0)).max(0) as u64;
    let covered = o.borrow.min(room);
    let uncovered = i64::try_from(o.borrow - covered).map_err(|_| EngineError::MathOverflow)?;
    let pnl = o.funding.saturating_neg().safe_sub(uncovered).map_err(EngineError::from)?;
    let paid = pay_fill(account, pool, exchange, pnl, covered, slot)?;
    let borrow = route_fee(exchange, pool, paid.fee)?;
    let lp = i64::try_from(borrow.lp).map_err(|_| EngineError::MathOverflow)?;
    Ok(FundingPaid {
        funding: o.funding,
        borrow,
        borrow_unrouted: uncovered as u64,
        pool_to_collateral: paid.pool_to_collateral.safe_sub(lp).map_err(EngineError::from)?,
        unsettled: paid.unsettled,
    })
}

/// `update_funding`'s closing rule: with every market accrued (`legs`, in
/// index order), value the pool and record the valuation as its snapshot
/// (the depth and utilisation the next rates use), when every feed allows
/// value to leave; otherwise the last snapshot stays (a price no check may
/// trust does not move the rates). Returns whether it recorded. The caller
/// then sets every market's rates ([`set_rates`]).
pub fn record_snapshot(pool: &mut Pool, legs: &[(Market, MarketQuote)]) -> Result<bool> {
    if !legs.iter().all(|(_, q)| Action::Withdraw.allows(q.validity)) {
        return Ok(false);
    }
    let v = value_legs(pool, legs)?;
    record_valuation(pool, v.nav, venue_reserve(legs)?);
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ballast_risk::funding::SLOTS_PER_HOUR;

    fn market(rate: i64, borrow: u64, slot: u64) -> Market {
        let mut m: Market = bytemuck::Zeroable::zeroed();
        (m.funding_rate_ppm, m.borrow_rate_ppm, m.funding_slot) = (rate, borrow, slot);
        (m.long_oi, m.short_oi) = (3, 1);
        m
    }

    #[test]
    fn an_accrual_that_rounds_to_zero_waits_and_the_time_is_not_lost() {
        // 1 ppm/h at a price of 1,000 units (10^-6 USD): 1,000 / 9,000 of an
        // index unit a slot.
        let mut m = market(1, 0, 100);
        assert_eq!(accrued(&m, 1_000, 108), Ok(None), "8 slots: still 0.89 of a unit");
        accrue_at(&mut m, 1_000, 108).unwrap();
        assert_eq!((m.funding_slot, m.funding_index()), (100, 0), "cranking every slot erases nothing");
        accrue_at(&mut m, 1_000, 109).unwrap();
        assert_eq!((m.funding_slot, m.funding_index(), m.funding_pending()), (109, 1, 2));
    }

    #[test]
    fn an_interval_accrues_at_its_stored_rates_and_a_first_touch_starts_the_clock() {
        let mut m = market(-50, 10, 0);
        accrue_at(&mut m, 100, 500).unwrap();
        assert_eq!((m.funding_slot, m.funding_index()), (500, 0), "a first touch only starts the clock");
        accrue_at(&mut m, 2_000_000_000, 500 + SLOTS_PER_HOUR).unwrap();
        // An hour at -50 ppm and 10 ppm of a price of 2 (10^9 units).
        assert_eq!((m.funding_index(), m.borrow_index()), (-50 * 2_000_000_000, 10 * 2_000_000_000));
        assert_eq!((m.funding_pending(), m.borrow_pending()), (-100_000_000_000 * 2, 20_000_000_000 * 4));
        assert_eq!(
            projected_indexes(&m, 2_000_000_000, 500 + SLOTS_PER_HOUR),
            Ok((m.funding_index(), m.borrow_index()))
        );
    }
}
