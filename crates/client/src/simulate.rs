//! What a transaction would do, computed off-chain with the program's own
//! engine functions on copies of the decoded accounts: the same gates, the
//! same fill, the same health check, in the handler's order. A preview that
//! says "accepted" is accepted by the program at the same slot and prices; a
//! refusal carries the program's own error name and message.
//!
//! [`Sim`] is built once from a [`Venue`] read: it observes network stress
//! on a copy of the exchange (as every handler that writes it does first)
//! and quotes every market at that moment. `settle_pnl` and
//! `auto_deleverage` ([`Sim::settle_pnl`], [`Sim::auto_deleverage`],
//! [`Sim::adl_state`]) read the stored exchange, as their handlers do;
//! their results carry the copies they wrote, which a caller applies to its
//! own copy of the venue to plan the next call on.

use crate::venue::Venue;
use crate::venue::WriterView;
use ballast_risk::health::Health;
use ballast_risk::lp::PoolValuation;
use ballast_risk::margin::{imr_for, mmr_breakdown, MarginInputs, MmrBreakdown};
use ballast_risk::pnl::adl_triggered;
use ballast_risk::position::notional_ceil;
use margin_engine::engine::adl::{adl_liability, auto_deleverage, free_cash, Deleveraged};
use margin_engine::engine::collateral::withdraw;
use margin_engine::engine::funding::{owed, Owed};
use margin_engine::engine::health::{account_health, biased_quotes, Bias, MarketQuote, Quotes};
use margin_engine::engine::pool::{
    deposit_shares, lp_deposit, lp_withdraw, require_lp_open, value_legs, venue_reserve,
};
use margin_engine::engine::settle::{settle_pnl, Settled};
use margin_engine::engine::trade::{trade, TradeOutcome, TradeRequest};
use margin_engine::errors::EngineError;
use margin_engine::state::{Exchange, LpPosition, MarginAccount, Market, Pool, PositionSlot};

/// Why the program would refuse: its error's name and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The IDL name (`InitialHealthNegative`).
    pub name: String,
    /// The program's message.
    pub message: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.name)
    }
}

impl std::error::Error for Refusal {}

impl From<anchor_lang::error::Error> for Refusal {
    fn from(e: anchor_lang::error::Error) -> Refusal {
        match e {
            anchor_lang::error::Error::AnchorError(a) => Refusal { name: a.error_name, message: a.error_msg },
            anchor_lang::error::Error::ProgramError(p) => {
                Refusal { name: format!("{:?}", p.program_error), message: p.program_error.to_string() }
            }
        }
    }
}

impl From<EngineError> for Refusal {
    fn from(e: EngineError) -> Refusal {
        Refusal::from(anchor_lang::error::Error::from(e))
    }
}

/// `q` with every source at `price`: the quote a what-if at one price reads.
pub(crate) fn every_source_at(q: MarketQuote, price: i64) -> MarketQuote {
    MarketQuote { price, lo_price: price, hi_price: price, ..q }
}

/// A trade as the program would execute it.
#[derive(Clone, Copy, Debug)]
pub struct TradeSim {
    /// The fill.
    pub outcome: TradeOutcome,
    /// The account afterwards.
    pub account: MarginAccount,
    /// Health afterwards (every position at this moment's quotes).
    pub health: Health,
    /// The market afterwards (its open interest, indexes and rates).
    pub market: Market,
}

/// The pool's reserve cap at one moment ([`Sim::reserve`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reserve {
    /// The pool's reserve requirement (each market's larger side,
    /// `engine::pool::venue_reserve`). precision: QUOTE_PRECISION.
    pub requirement: u128,
    /// The most it may reach: `factor_bps` of `nav`. precision: QUOTE_PRECISION.
    pub cap: u128,
    /// The reserve factor in force, bps.
    pub factor_bps: u32,
    /// The pool's NAV. precision: QUOTE_PRECISION.
    pub nav: u64,
}

impl Reserve {
    /// Room left for new risk (negative: a trade that adds risk is refused).
    pub fn headroom(&self) -> i128 {
        self.cap as i128 - self.requirement as i128
    }
}

/// The requirement of one position, in bps and in collateral units, split
/// into the dynamic model's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// Initial ratio, bps.
    pub imr_bps: u32,
    /// Maintenance ratio (phased in), bps.
    pub mmr_bps: u32,
    /// The maintenance target's terms, bps (before phase-in).
    pub terms: MmrBreakdown,
    /// Maintenance ratio minus its target: the phase-in still to come (< 0)
    /// or not yet released (> 0), bps.
    pub phase_in_bps: i64,
    /// Initial requirement by term. precision: QUOTE_PRECISION.
    pub initial: Terms,
    /// Maintenance requirement by term. precision: QUOTE_PRECISION.
    pub maintenance: Terms,
}

/// A requirement in collateral units split by term; the terms add up to
/// `total`, the amount health charges (rounding residue goes to `base`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Terms {
    /// The whole requirement.
    pub total: i128,
    /// The static ratio's part.
    pub base: i128,
    /// Volatility above the reference.
    pub volatility: i128,
    /// Network stress and guardian raises.
    pub stress: i128,
    /// Oracle confidence.
    pub confidence: i128,
    /// Position size.
    pub size: i128,
    /// The `max_mmr` ceiling (<= 0).
    pub cap: i128,
    /// Phase-in (maintenance only).
    pub phase_in: i128,
}

/// A `settle_pnl` as the program would run it, with the copies it wrote.
#[derive(Clone, Copy, Debug)]
pub struct SettleSim {
    /// What it netted, paid and left.
    pub settled: Settled,
    /// The account afterwards.
    pub account: MarginAccount,
    /// The pool afterwards.
    pub pool: Pool,
    /// The exchange afterwards.
    pub exchange: Exchange,
}

impl SettleSim {
    /// Write the pool and the exchange afterwards into `venue` (a copy the
    /// caller simulates the next call on).
    pub fn apply_to(&self, venue: &mut Venue) {
        venue.pool = self.pool;
        venue.exchange = self.exchange;
    }
}

/// An `auto_deleverage` as the program would run it, with the copies it
/// wrote.
#[derive(Clone, Copy, Debug)]
pub struct AdlSim {
    /// What it closed and paid.
    pub done: Deleveraged,
    /// The account afterwards.
    pub account: MarginAccount,
    /// The market afterwards (open interest, the ADL throttle).
    pub market: Market,
    /// The pool afterwards.
    pub pool: Pool,
    /// The exchange afterwards.
    pub exchange: Exchange,
}

impl AdlSim {
    /// Write the market, the pool and the exchange afterwards into `venue`
    /// (a copy the caller simulates the next call on).
    pub fn apply_to(&self, venue: &mut Venue) {
        if let Some(m) = venue.markets.get_mut(self.market.index as usize) {
            m.market = self.market;
        }
        venue.pool = self.pool;
        venue.exchange = self.exchange;
    }
}

/// The venue's auto-deleveraging state, as `auto_deleverage` computes it
/// (`engine::adl::{adl_liability, free_cash}`, `ballast_risk::pnl::adl_triggered`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdlState {
    /// The traders' unrealised profit at the oracle price. precision: QUOTE_PRECISION.
    pub liability: u64,
    /// The pool's balance less the unsettled PnL it owes. precision: QUOTE_PRECISION.
    pub free_cash: i128,
    /// Whether the liability is above `max_pnl_factor_bps` of the free cash.
    pub triggered: bool,
}

/// The program's view of the venue at one moment.
pub struct Sim<'a> {
    venue: &'a Venue,
    view: WriterView,
    quotes: Vec<Result<MarketQuote, Refusal>>,
}

impl<'a> Sim<'a> {
    /// Observe stress on a copy of the exchange at the venue's clock and
    /// quote every market (`Venue::writer_view`).
    pub fn new(venue: &'a Venue) -> Sim<'a> {
        let mut view = venue.writer_view();
        let quotes = std::mem::take(&mut view.quotes).into_iter().map(|q| q.map_err(Refusal::from)).collect();
        Sim { venue, view, quotes }
    }

    /// The venue and the writer's view it is built on.
    pub(crate) fn parts(&self) -> (&Venue, &WriterView) {
        (self.venue, &self.view)
    }

    /// The quote of market `index`.
    pub fn quote(&self, index: u16) -> Result<MarketQuote, Refusal> {
        self.quotes.get(index as usize).cloned().unwrap_or_else(|| Err(Refusal::from(EngineError::WrongMarket)))
    }

    /// Quotes of every open position of `account`.
    fn quotes_of(&self, account: &MarginAccount) -> Result<Vec<MarketQuote>, Refusal> {
        account.open_positions().map(|s| self.quote(s.market)).collect()
    }

    /// Health of `account` now.
    pub fn health(&self, account: &MarginAccount) -> Result<Health, Refusal> {
        Ok(account_health(account, &self.quotes_of(account)?)?)
    }

    /// `trade` of `base` in market `index`: `engine::trade::trade`, as the
    /// handler runs it.
    pub fn trade(
        &self,
        account: &MarginAccount,
        index: u16,
        base: i64,
        limit_price: i64,
        reduce_only: bool,
    ) -> Result<TradeSim, Refusal> {
        let state = self.venue.markets.get(index as usize).ok_or_else(|| Refusal::from(EngineError::WrongMarket))?;
        let (mut ex, mut market, mut pool, mut acc) = (self.view.exchange, state.market, self.venue.pool, *account);
        let req = TradeRequest { base, limit_price, reduce_only, slot: self.view.now.slot };
        let done = trade(&mut ex, &mut acc, &mut market, &mut pool, &req, &self.view)?;
        let health = match done.health {
            Some(h) => h,
            None => account_health(&acc, &self.view.covering(&acc, Some(done.quote))?)?,
        };
        Ok(TradeSim { outcome: done.out, account: acc, health, market })
    }

    /// `withdraw` of `amount`: `engine::collateral::withdraw`, as the
    /// handler runs it; the health after.
    pub fn withdraw(&self, account: &MarginAccount, amount: u64) -> Result<Option<Health>, Refusal> {
        let (mut ex, mut acc) = (self.view.exchange, *account);
        Ok(withdraw(&mut ex, &mut acc, amount, self.view.now.slot, &self.view)?)
    }

    /// The most `withdraw` would release now (0 if nothing): the largest
    /// amount [`Sim::withdraw`] accepts, by bisection over the program's own
    /// check (which is monotone in the amount).
    pub fn max_withdraw(&self, account: &MarginAccount) -> u64 {
        let (mut ok, mut bad) = (0u64, account.collateral.max(0) as u64 + 1);
        if self.withdraw(account, bad - 1).is_ok() {
            return bad - 1;
        }
        while bad - ok > 1 {
            let mid = ok + (bad - ok) / 2;
            if self.withdraw(account, mid).is_ok() {
                ok = mid;
            } else {
                bad = mid;
            }
        }
        ok
    }

    /// Maintenance health of `account` as `liquidate` values it (every
    /// position at the source least adverse to its holder), with every
    /// source of market `index` at `price`.
    fn maintenance_at(&self, account: &MarginAccount, index: u16, price: i64) -> Option<i128> {
        let mut quotes = self.quotes_of(account).ok()?;
        for q in quotes.iter_mut().filter(|q| q.index == index) {
            *q = every_source_at(*q, price);
        }
        account_health(account, &biased_quotes(account, &quotes, Bias::ForHolder)).ok().map(|h| h.maintenance)
    }

    /// The oracle price of market `index` at which `account` becomes
    /// liquidatable (maintenance health < 0), other prices held: the
    /// highest such price for a long, the lowest for a short. `None` when no
    /// price between 0 and 1,000x the current one gets there (the account
    /// is over-collateralised against this market alone). Found by
    /// bisection over the program's health.
    pub fn liquidation_price(&self, account: &MarginAccount, index: u16) -> Option<i64> {
        let base = account.open_positions().find(|s| s.market == index)?.base;
        let price = self.quote(index).ok()?.price.max(1);
        let liquidatable = |p: i64| self.maintenance_at(account, index, p).is_none_or(|m| m < 0);
        if liquidatable(price) {
            return Some(price);
        }
        // `bad` is liquidatable, `good` is not; close the gap.
        let (mut bad, mut good) = if base > 0 { (1, price) } else { (price.saturating_mul(1_000), price) };
        if !liquidatable(bad) {
            return None;
        }
        while bad.abs_diff(good) > 1 {
            let mid = bad + (good - bad) / 2;
            if liquidatable(mid) {
                bad = mid;
            } else {
                good = mid;
            }
        }
        Some(bad)
    }

    /// The pool's valuation now (NAV, minting NAV, the requirement of its
    /// exposure and what it owes winning traders), as `lp_deposit` and
    /// `lp_withdraw` compute it.
    pub fn pool_valuation(&self) -> Result<PoolValuation, Refusal> {
        Ok(value_legs(&self.venue.pool, &self.reader_legs()?)?)
    }

    /// Every market with its quote as the LP handlers read them (without
    /// observing stress).
    fn reader_legs(&self) -> Result<Vec<(Market, MarketQuote)>, Refusal> {
        let quotes = self.venue.reader_quotes();
        let mut legs = Vec::with_capacity(quotes.len());
        for (m, q) in self.venue.markets.iter().zip(quotes) {
            legs.push((m.market, q?));
        }
        Ok(legs)
    }

    /// What the position in `slot` owes for funding and borrowing now: at
    /// its quote's indexes, which every health check projects to this slot
    /// (`engine::funding::projected_indexes`), rounded as a settlement
    /// would.
    pub fn funding_owed(&self, slot: &PositionSlot) -> Result<Owed, Refusal> {
        let q = self.quote(slot.market)?;
        Ok(owed(slot.base, slot.snapshots(), q.funding_index, q.borrow_index)?)
    }

    /// The reserve cap now: the pool's requirement, what the exchange's
    /// reserve factor (under stress, its stress factor) allows of its NAV,
    /// and the room left (negative: new risk is refused).
    pub fn reserve(&self) -> Result<Reserve, Refusal> {
        let legs = self.reader_legs()?;
        let v = value_legs(&self.venue.pool, &legs)?;
        let requirement = venue_reserve(&legs)?;
        let factor = self.view.exchange.reserve_factor_at(self.view.now.slot);
        let cap = (v.nav as u128).saturating_mul(factor as u128) / 10_000;
        Ok(Reserve { requirement, cap, factor_bps: factor, nav: v.nav })
    }

    fn lp_gate(&self, amount: u64) -> Result<PoolValuation, Refusal> {
        require_lp_open(&self.view.exchange, amount, self.view.now.slot)?;
        self.pool_valuation()
    }

    /// `lp_deposit` of `amount` with `min_shares_out`: the shares it mints
    /// (`engine::pool::{deposit_shares, lp_deposit}`).
    pub fn lp_deposit(&self, amount: u64, min_shares_out: u64) -> Result<u64, Refusal> {
        let v = self.lp_gate(amount)?;
        let minted = deposit_shares(&self.venue.pool, &v, amount, min_shares_out)?;
        let (mut pool, mut lp) = (self.venue.pool, <LpPosition as bytemuck::Zeroable>::zeroed());
        lp_deposit(&mut pool, &mut lp, minted, amount, self.view.now.slot)?;
        Ok(minted.shares)
    }

    /// `lp_withdraw` of `shares` of `lp`'s with `min_amount_out`: the amount
    /// it pays (`engine::pool::lp_withdraw`).
    pub fn lp_withdraw(&self, shares: u64, lp: &LpPosition, min_amount_out: u64) -> Result<u64, Refusal> {
        let v = self.lp_gate(shares)?;
        let (mut pool, mut lp) = (self.venue.pool, *lp);
        let amount = lp_withdraw(&mut pool, &mut lp, &v, shares, self.view.now.slot, min_amount_out)?;
        margin_engine::engine::adl::require_adl_headroom(&self.venue.exchange, &pool, &self.adl_legs()?)?;
        Ok(amount)
    }

    /// The requirement of `account`'s position in market `index`, by term.
    pub fn requirement(&self, account: &MarginAccount, index: u16) -> Result<Requirement, Refusal> {
        let slot = account
            .open_positions()
            .find(|s| s.market == index)
            .ok_or_else(|| Refusal::from(EngineError::WrongMarket))?;
        let q = self.quote(index)?;
        let math = |e: ballast_risk::MathError| Refusal::from(EngineError::from(e));
        let notional = notional_ceil(slot.base, q.price).map_err(math)?;
        let inputs = MarginInputs {
            vol_bps: q.vol_bps,
            notional,
            conf: q.conf,
            price: q.price.max(1),
            stress_mult_bps: q.stress_mult_bps,
        };
        let terms = mmr_breakdown(&q.dynamic, &inputs).map_err(math)?;
        let ratios = q.ratios(slot.base)?;
        let target = terms.total_bps().max(1) as i128;
        let full = ballast_risk::health::requirement(slot.base, q.price, q.conf, q.conf_mult_bps, 10_000)
            .map_err(math)? as i128;
        let req = |ratio: u32| {
            ballast_risk::health::requirement(slot.base, q.price, q.conf, q.conf_mult_bps, ratio).map(|v| v as i128)
        };
        // Each term's share of the whole requirement at `ratio`, whose
        // target-relative scale is `scale / target`.
        let split = |total: i128, scale: i128, phase_bps: i64| {
            let part = |bps: i128| full * bps * scale / (target * 10_000);
            let mut t = Terms {
                total,
                volatility: part(terms.volatility_bps as i128),
                stress: part(terms.stress_bps as i128),
                confidence: part(terms.confidence_bps as i128),
                size: part(terms.size_bps as i128),
                cap: part(terms.cap_bps as i128),
                phase_in: full * phase_bps as i128 / 10_000,
                base: 0,
            };
            t.base = total - (t.volatility + t.stress + t.confidence + t.size + t.cap + t.phase_in);
            t
        };
        let imr_target = imr_for(&q.dynamic, terms.total_bps().max(0) as u32).map_err(math)? as i128;
        let phase_in_bps = ratios.mmr_bps as i64 - terms.total_bps();
        Ok(Requirement {
            imr_bps: ratios.imr_bps,
            mmr_bps: ratios.mmr_bps,
            terms,
            phase_in_bps,
            initial: split(req(ratios.imr_bps).map_err(math)?, imr_target, 0),
            maintenance: split(req(ratios.mmr_bps).map_err(math)?, target, phase_in_bps),
        })
    }
}

/// Unsettled PnL and auto-deleveraging. Both handlers read the stored
/// exchange (they do not observe network stress) and `auto_deleverage`
/// quotes every market as a reader does (`Venue::reader_quotes`).
impl Sim<'_> {
    /// Every market with its quote as `auto_deleverage` reads them (index
    /// order): a feed the program cannot read refuses the whole call.
    fn adl_legs(&self) -> Result<Vec<(Market, MarketQuote)>, Refusal> {
        let quotes = self.venue.reader_quotes();
        let mut legs = Vec::with_capacity(quotes.len());
        for (m, q) in self.venue.markets.iter().zip(quotes) {
            legs.push((m.market, q?));
        }
        Ok(legs)
    }

    /// The traders' unrealised profit, the pool's free cash and whether
    /// auto-deleveraging may run now: the program's own functions, read-only.
    pub fn adl_state(&self) -> Result<AdlState, Refusal> {
        let liability = adl_liability(&self.adl_legs()?)?;
        let free = free_cash(&self.venue.pool);
        let triggered = adl_triggered(liability, free, self.venue.exchange.max_pnl_factor_bps)
            .map_err(|e| Refusal::from(EngineError::from(e)))?;
        Ok(AdlState { liability, free_cash: free, triggered })
    }

    /// `settle_pnl` of `account`: `engine::settle::settle_pnl`, as the
    /// handler runs it, on copies.
    pub fn settle_pnl(&self, account: &MarginAccount) -> Result<SettleSim, Refusal> {
        let (mut exchange, mut pool, mut acc) = (self.venue.exchange, self.venue.pool, *account);
        let settled = settle_pnl(&mut acc, &mut pool, &mut exchange, self.view.now.slot)?;
        Ok(SettleSim { settled, account: acc, pool, exchange })
    }

    /// `auto_deleverage` of `account`'s position in market `index`:
    /// `engine::adl::auto_deleverage`, as the handler runs it (every market
    /// quoted, the stored exchange), on copies.
    pub fn auto_deleverage(&self, account: &MarginAccount, index: u16) -> Result<AdlSim, Refusal> {
        let state = self.venue.markets.get(index as usize).ok_or_else(|| Refusal::from(EngineError::WrongMarket))?;
        let legs = self.adl_legs()?;
        let (mut exchange, mut market, mut pool, mut acc) =
            (self.venue.exchange, state.market, self.venue.pool, *account);
        let done = auto_deleverage(&mut exchange, &mut acc, &mut market, &mut pool, &legs, self.view.now.slot)?;
        Ok(AdlSim { done, account: acc, market, pool, exchange })
    }
}
