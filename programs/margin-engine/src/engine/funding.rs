//! Funding and the borrow fee: accrued into a market's indexes on every
//! touch (and by `update_funding`), settled into a position before any
//! fill changes it (`ballast_risk::funding`).

use super::health::MarketQuote;
use super::pool::{record_valuation, value_legs};
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

/// The rates `market` accrues at now, ppm per hour.
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

/// The rates of `market` at `price`: funding from the traders' net
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

/// Accrue `market`'s funding and borrow indexes to `slot` at `price`, at
/// [`rates`]: every change of open interest accrues first, so the skew
/// held for the whole interval. A settled market accrues nothing.
pub fn accrue(market: &mut Market, pool: &Pool, price: i64, slot: u64) -> Result<()> {
    if market.funding_slot == 0 || market.is_settled() {
        market.funding_slot = market.funding_slot.max(slot);
        return Ok(());
    }
    if slot <= market.funding_slot {
        return Ok(());
    }
    let dt = slot - market.funding_slot;
    let (long, short) = (market.long_oi as i128, market.short_oi as i128);
    let Rates { funding_ppm: rate, borrow_ppm: brate, .. } = rates(market, pool, price)?;
    let df = math(index_delta(rate, price, dt))?;
    let db = math(index_delta(i64::try_from(brate).map_err(|_| EngineError::MathOverflow)?, price, dt))?;
    let f = math(market.funding_index().safe_add(df))?;
    let b = math(market.borrow_index().safe_add(db))?;
    let fp = math(market.funding_pending().safe_add(math(df.safe_mul(long - short))?))?;
    let bp = math(market.borrow_pending().safe_add(math(db.safe_mul(long + short))?))?;
    market.funding_index = f.to_le_bytes();
    market.borrow_index = b.to_le_bytes();
    market.funding_pending = fp.to_le_bytes();
    market.borrow_pending = bp.to_le_bytes();
    market.funding_slot = slot;
    market.funding_rate_ppm = rate;
    market.borrow_rate_ppm = brate;
    Ok(())
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
    /// Borrow fee charged (less any waived, as a fill's fee), routed.
    pub borrow: FeeSplit,
    /// Tokens the handler moves from the pool vault to the collateral
    /// vault (negative: back), the LP share of the borrow fee included.
    pub pool_to_collateral: i64,
    /// Funding received that the pool could not pay: unsettled PnL.
    pub unsettled: u64,
}

impl FundingPaid {
    /// The borrow fee charged, all shares together.
    pub fn borrow_fee(&self) -> u64 {
        self.borrow.lp + self.borrow.insurance + self.borrow.protocol
    }
}

/// Settle the funding and borrow fee the position in slot `idx` of
/// `account` owes at `market`'s indexes (accrued by the caller), through
/// `pay_fill` like a fill's realised PnL and fee; the borrow fee is routed
/// (`route_fee`). Its snapshots move to the indexes and the market's
/// pending totals drop by exactly its share. Every rule that changes a
/// position runs this first.
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
    let paid = pay_fill(account, pool, exchange, o.funding.saturating_neg(), o.borrow, slot)?;
    let borrow = route_fee(exchange, pool, paid.fee)?;
    let lp = i64::try_from(borrow.lp).map_err(|_| EngineError::MathOverflow)?;
    Ok(FundingPaid {
        funding: o.funding,
        borrow,
        pool_to_collateral: paid.pool_to_collateral.safe_sub(lp).map_err(EngineError::from)?,
        unsettled: paid.unsettled,
    })
}

/// `update_funding`'s rule for one market at `slot`: accrue its indexes at
/// its quote's price, and return the quote with the new indexes.
pub fn crank_market(market: &mut Market, pool: &Pool, quote: MarketQuote, slot: u64) -> Result<MarketQuote> {
    accrue(market, pool, quote.price, slot)?;
    Ok(quote.with_indexes(market))
}

/// `update_funding`'s closing rule: with every market accrued (`legs`, in
/// index order), value the pool and record the valuation as its snapshot
/// (the depth and utilisation the next accruals use), when every feed
/// allows value to leave; otherwise the last snapshot stays (a price no
/// check may trust does not move the rates). Returns whether it recorded.
pub fn record_snapshot(pool: &mut Pool, legs: &[(Market, MarketQuote)]) -> Result<bool> {
    if !legs.iter().all(|(_, q)| Action::Withdraw.allows(q.validity)) {
        return Ok(false);
    }
    let v = value_legs(pool, legs)?;
    record_valuation(pool, v.nav, v.requirement);
    Ok(true)
}
