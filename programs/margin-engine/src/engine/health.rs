//! Health of a margin account from its positions and the markets' feeds,
//! with dynamic margin ratios.

use crate::constants::{MAX_POSITIONS, STALE_HAIRCUT_BPS};
use crate::errors::EngineError;
use crate::state::{MarginAccount, Market};
use anchor_lang::prelude::*;
use ballast_risk::health::{health, Health, MarginRatios, PositionRisk};
use ballast_risk::margin::{
    market_mmr_bps, mult_for_mmr, phase_toward, phased_mmr_bps, position_ratios, DynamicParams, MarginInputs,
    PhaseState, MULT_ONE,
};
use ballast_risk::oracle::{Action, Validity};
use ballast_risk::position::{entry_price, notional_ceil, Position};
use ballast_risk::precision::BPS_DENOMINATOR;
use ballast_risk::SafeMath;
use oracle_adapter::reader::FeedReading;

/// The moment of a check: unix time, slot and the exchange's stress multiplier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Now {
    /// Unix seconds.
    pub ts: i64,
    /// Slot.
    pub slot: u64,
    /// Stress multiplier at this slot, bps.
    pub stress_mult_bps: u32,
}

impl Now {
    /// The moment `ts`/`slot`, with `exchange`'s stress multiplier at that slot.
    pub fn at(exchange: &crate::state::Exchange, ts: i64, slot: u64) -> Now {
        Now { ts, slot, stress_mult_bps: exchange.stress_mult_at(slot) }
    }
}

/// What health needs to know about one market, read and checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketQuote {
    /// Market index.
    pub index: u16,
    /// Oracle price. precision: PRICE_PRECISION.
    pub price: i64,
    /// Oracle confidence. precision: PRICE_PRECISION.
    pub conf: u64,
    /// The feed's EMA price (the breaker's reference). precision: PRICE_PRECISION.
    pub ema_price: i64,
    /// Realised volatility, annualised bps.
    pub vol_bps: u64,
    /// Validity at the time of reading.
    pub validity: Validity,
    /// Confidence multiplier for biased prices, bps.
    pub conf_mult_bps: u32,
    /// The market's dynamic-margin parameters.
    pub dynamic: DynamicParams,
    /// Network stress compounded with a guardian margin raise, bps (1x =
    /// 10,000): the stress input of the market's ratios.
    pub stress_mult_bps: u32,
    /// Market-wide maintenance target now (volatility, stress, confidence), bps.
    pub target_mmr_bps: u32,
    /// Market-wide maintenance after phase-in, bps.
    pub phased_mmr_bps: u32,
    /// The phase-in state at this slot (stored when the market is writable).
    pub phase: PhaseState,
    /// Lowest valid source price. precision: PRICE_PRECISION.
    pub lo_price: i64,
    /// Highest valid source price. precision: PRICE_PRECISION.
    pub hi_price: i64,
    /// The sources' own largest conf, without their dispersion.
    /// precision: PRICE_PRECISION.
    pub src_conf: u64,
    /// Within the market's `gain_vest_slots` of a confirmed jump: the
    /// lowest reference the feed jumped from. A long's gain is valued no
    /// higher than this (0: no anchor). precision: PRICE_PRECISION.
    pub anchor_lo: i64,
    /// The same, highest: a short's gain is valued no lower than this
    /// (0: no anchor). precision: PRICE_PRECISION.
    pub anchor_hi: i64,
    /// The market's funding index accrued to this slot at its stored rates
    /// (`engine::funding::projected_indexes`): what a position owes since
    /// its snapshot counts against it.
    pub funding_index: i128,
    /// The market's borrow index, the same way.
    pub borrow_index: i128,
}

/// Which end of the sources' range a check values positions at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bias {
    /// The source most adverse to the holder (longs at the lowest, shorts at
    /// the highest), at the feed's full conf: for anything that adds risk or
    /// lets collateral leave.
    AgainstHolder,
    /// The source least adverse to the holder (longs at the highest, shorts
    /// at the lowest), at the sources' own conf: for liquidation, so an
    /// account is liquidatable only if it is at every valid source's price,
    /// and fills there.
    ForHolder,
}

impl MarketQuote {
    /// This quote with `market`'s indexes (after the rule accrued them).
    pub fn with_indexes(self, market: &Market) -> MarketQuote {
        MarketQuote { funding_index: market.funding_index(), borrow_index: market.borrow_index(), ..self }
    }

    /// Ratios of a position of `base` in this market: IMR from the target at
    /// once, MMR phased, both with the position's size premium.
    pub fn ratios(&self, base: i64) -> Result<MarginRatios> {
        let notional = notional_ceil(base, self.price).map_err(EngineError::from)?;
        let r = position_ratios(&self.dynamic, self.target_mmr_bps, self.phased_mmr_bps, notional)
            .map_err(EngineError::from)?;
        Ok(MarginRatios { imr_bps: r.imr_bps, mmr_bps: r.mmr_bps })
    }

    /// This quote as a check at `bias` sees a position of `base`: the price
    /// at the chosen end of the sources' range, and the conf that goes with
    /// it. Agreeing sources give a narrow range, so this differs from the
    /// median only when they disagree.
    pub fn biased_for(&self, base: i64, bias: Bias) -> MarketQuote {
        let long = base > 0;
        match bias {
            Bias::AgainstHolder => MarketQuote { price: if long { self.lo_price } else { self.hi_price }, ..*self },
            Bias::ForHolder => {
                MarketQuote { price: if long { self.hi_price } else { self.lo_price }, conf: self.src_conf, ..*self }
            }
        }
    }

    /// `price` as the gain of `position` counts within `gain_vest_slots` of
    /// a confirmed jump: a long's no higher than the anchor the jump
    /// started from (or its entry, if above), a short's no lower. A price
    /// the whole market agreed on only minutes ago is not yet a gain anyone
    /// may realise, take out or borrow against (the Mango 2022 pattern);
    /// a loss, measured from the entry, counts at once and in full.
    pub fn gain_price(&self, position: Position, price: i64) -> i64 {
        match (position.base > 0, self.anchor_lo, self.anchor_hi) {
            (true, lo, _) if lo > 0 => price.min(lo.max(entry_price(position, false))),
            (false, _, hi) if hi > 0 && position.base < 0 => price.max(hi.min(entry_price(position, true))),
            _ => price,
        }
    }

    /// The position's risk inputs for the risk crate.
    pub fn position_risk(&self, base: i64, quote: i64) -> Result<PositionRisk> {
        Ok(PositionRisk {
            position: ballast_risk::position::Position { base, quote },
            price: self.price,
            conf: self.conf,
            conf_mult_bps: self.conf_mult_bps,
            ratios: self.ratios(base)?,
        })
    }
}

/// Dynamic ratios and phase-in of `market` from a checked feed reading
/// (`instructions::accounts::quote_market` reads one on-chain). Off-chain previews call this with decoded accounts,
/// so they compute exactly what the program computes.
pub fn quote_from_reading(market: &Market, r: &FeedReading, now: &Now) -> Result<MarketQuote> {
    // A settled market is priced at its settlement price, whatever its feed.
    let settled;
    let r = if market.is_settled() {
        let p = market.settlement_price;
        settled = FeedReading {
            price: p,
            conf: 0,
            ema_price: p,
            validity: Validity::Valid,
            lo_price: p,
            hi_price: p,
            src_conf: 0,
            anchor_lo: 0,
            anchor_hi: 0,
            anchor_slot: 0,
            ..*r
        };
        &settled
    } else {
        r
    };
    let dynamic = market.dynamic();
    // Network stress and a guardian raise compound on the target.
    let stress_mult_bps = ((now.stress_mult_bps as u64 * market.guardian_mult_bps(now.slot) as u64) / MULT_ONE as u64)
        .try_into()
        .map_err(|_| EngineError::MathOverflow)?;
    // The confidence term uses the sources' own conf: their disagreement is
    // handled by valuing at the range (`Bias`), and must not raise every
    // holder's maintenance while one source is off.
    let inputs =
        MarginInputs { vol_bps: r.vol_bps, notional: 0, conf: r.src_conf, price: r.price.max(1), stress_mult_bps };
    let target = market_mmr_bps(&dynamic, &inputs).map_err(EngineError::from)?;
    let phase = phase_toward(&market.phase(), mult_for_mmr(&dynamic, target), now.slot, &market.phase_params());
    let vest = market.params.gain_vest_slots as u64;
    let anchored = vest > 0 && r.anchor_slot != 0 && now.slot < r.anchor_slot.saturating_add(vest);
    let (anchor_lo, anchor_hi) = if anchored { (r.anchor_lo.max(0), r.anchor_hi.max(0)) } else { (0, 0) };
    // Funding and borrow fees accrued to now at the market's stored rates,
    // as a touch would accrue them (read-only): every check counts what
    // positions owe at this slot, not at the market's last touch.
    let at = super::funding::accrual_price(r.price, r.ema_price);
    let (funding_index, borrow_index) = super::funding::projected_indexes(market, at, now.slot)?;
    Ok(MarketQuote {
        index: market.index,
        price: r.price,
        conf: r.conf,
        ema_price: r.ema_price,
        vol_bps: r.vol_bps,
        validity: r.validity,
        conf_mult_bps: market.params.conf_mult_bps,
        dynamic,
        stress_mult_bps,
        target_mmr_bps: target,
        phased_mmr_bps: phased_mmr_bps(&dynamic, phase.mult_bps),
        phase,
        lo_price: r.lo_price,
        hi_price: r.hi_price,
        src_conf: r.src_conf,
        anchor_lo,
        anchor_hi,
        funding_index,
        borrow_index,
    })
}

/// Where an engine rule gets its quotes: on-chain, the instruction's feed
/// and remaining accounts (`instructions::accounts::AccountQuotes`);
/// off-chain, decoded copies (the CLI's preview, the keeper's plan). The
/// rule asks only when it needs them, in its own order, so the refusal an
/// off-chain caller sees is the one the program would give.
pub trait Quotes {
    /// `market` quoted from its own feed (the market the instruction names).
    fn own(&self, market: &Market) -> Result<MarketQuote>;
    /// Quotes covering every open position of `account`: `own` (when the
    /// instruction names a market) first, then the others in slot order.
    fn covering(&self, account: &MarginAccount, own: Option<MarketQuote>) -> Result<Vec<MarketQuote>>;
    /// Every market with its quote, in index order, `traded` (as a fill
    /// left it) quoted `own`: what a trade that adds risk values the pool
    /// at. Only `trade` passes every market; elsewhere this is refused.
    fn venue(&self, _traded: &Market, _own: MarketQuote) -> Result<Vec<(Market, MarketQuote)>> {
        err!(EngineError::HealthAccountsMismatch)
    }
}

/// Every market's quote at `now` from its feed reading, in the given order:
/// how every caller that sees the whole venue (`lp_deposit`,
/// `lp_withdraw`, the CLI's preview, the keeper, the lab) quotes it.
pub fn quotes_at(markets: &[(Market, FeedReading)], now: &Now) -> Vec<Result<MarketQuote>> {
    markets.iter().map(|(m, r)| quote_from_reading(m, r, now)).collect()
}

/// Every quote must allow `action`.
pub fn require_valid_for(quotes: &[MarketQuote], action: Action) -> Result<()> {
    for q in quotes {
        require!(action.allows(q.validity), EngineError::OracleGate);
    }
    Ok(())
}

/// `quotes` as a check at `bias` sees `account`'s positions: each market's
/// quote moved to the chosen end of its sources' range for the side held,
/// and, against the holder, a gain held to a recent jump's anchor
/// ([`MarketQuote::gain_price`]). Quotes of markets without a position
/// stay as they are.
pub fn biased_quotes(account: &MarginAccount, quotes: &[MarketQuote], bias: Bias) -> Vec<MarketQuote> {
    quotes
        .iter()
        .map(|q| match account.open_positions().find(|p| p.market == q.index) {
            Some(p) => {
                let b = q.biased_for(p.base, bias);
                match bias {
                    Bias::AgainstHolder => MarketQuote { price: b.gain_price(p.position(), b.price), ..b },
                    Bias::ForHolder => b,
                }
            }
            None => *q,
        })
        .collect()
}

/// Health of `account` with `quotes` covering every open position, less
/// the funding and borrow fees its positions owe at the quotes' indexes.
/// Its unsettled PnL counts in full, as collateral the pool owes: what
/// maintenance (liquidation) sees. A check that adds risk counts it at the
/// exchange's weight ([`require_initial_health`]); one that lets value
/// leave, not at all ([`require_withdrawable`]).
#[inline(never)] // a symbol of its own for the callgrind cost proxy
pub fn account_health(account: &MarginAccount, quotes: &[MarketQuote]) -> Result<Health> {
    // On the stack: no heap allocation per health check (the keeper runs
    // this for every account it scans; on-chain it saves the allocator).
    let mut risks = [PositionRisk::default(); MAX_POSITIONS];
    let mut n = 0;
    let unsettled = i64::try_from(account.unsettled_pnl).map_err(|_| EngineError::MathOverflow)?;
    let mut collateral = account.collateral.safe_add(unsettled).map_err(EngineError::from)?;
    for slot in account.open_positions() {
        let q = quotes.iter().find(|q| q.index == slot.market).ok_or(EngineError::HealthAccountsMismatch)?;
        risks[n] = q.position_risk(slot.base, slot.quote)?;
        n += 1;
        // Funding and borrow fees accrued and not settled count against it.
        let owed = super::funding::owed(slot.base, slot.snapshots(), q.funding_index, q.borrow_index)?;
        collateral = collateral.safe_sub(owed.total()?).map_err(EngineError::from)?;
    }
    Ok(health(collateral, &risks[..n]).map_err(EngineError::from)?)
}

/// `h` with `amount` (part of the unsettled PnL it counted) taken out of
/// equity and both healths.
fn without(h: Health, amount: u64) -> Result<Health> {
    let a = amount as i128;
    Ok(Health {
        equity: h.equity.safe_sub(a).map_err(EngineError::from)?,
        initial: h.initial.safe_sub(a).map_err(EngineError::from)?,
        maintenance: h.maintenance.safe_sub(a).map_err(EngineError::from)?,
        ..h
    })
}

/// An i128 quote amount for an event or view field, saturated to i64.
pub fn saturate(v: i128) -> i64 {
    v.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// `q` (already at the source adverse to a holder of `base`) with its last
/// good price moved `STALE_HAIRCUT_BPS` against that holder: down for a
/// long, up for a short, whatever the market's conf multiplier. How a
/// withdrawal values a position whose feed is `Stale`.
fn stale_haircut(q: &MarketQuote, base: i64) -> Result<MarketQuote> {
    require!(q.price > 0, EngineError::OracleGate);
    let cut = (q.price as u64).safe_mul(STALE_HAIRCUT_BPS).map_err(EngineError::from)? / BPS_DENOMINATOR;
    let cut = i64::try_from(cut).map_err(|_| EngineError::MathOverflow)?;
    let price = if base > 0 { q.price - cut } else { q.price.safe_add(cut).map_err(EngineError::from)? };
    Ok(MarketQuote { price, ..*q })
}

/// `quotes` as a check that lets value leave sees `account`: every
/// position at the source most adverse to its holder, and a `Stale` feed's
/// position at its last good price moved the stale haircut against it.
/// Refused (`OracleGate`) while any feed is `Invalid` (no price to value
/// it at), or `TooVolatile`/`TooUncertain` (an unconfirmed jump or a
/// disputed price never releases collateral).
fn withdrawal_quotes(account: &MarginAccount, quotes: &[MarketQuote]) -> Result<Vec<MarketQuote>> {
    let mut out = biased_quotes(account, quotes, Bias::AgainstHolder);
    for q in out.iter_mut() {
        if q.validity == Validity::Stale {
            let base = account.open_positions().find(|p| p.market == q.index).map_or(0, |p| p.base);
            *q = stale_haircut(q, base)?;
        } else {
            require!(Action::Withdraw.allows(q.validity), EngineError::OracleGate);
        }
    }
    Ok(out)
}

/// The health gate of a withdrawal with positions open: initial health of
/// at least 0 over [`withdrawal_quotes`]. A `Stale` feed never lowers the bar:
/// its position is valued with the haircut, and every other position keeps
/// its initial requirement (`StaleWithdrawExceedsFree` when a stale feed
/// is involved, `InitialHealthNegative` otherwise). Unsettled PnL does not
/// count: it cannot leave before it is settled, nor carry what does.
pub fn require_withdrawable(account: &MarginAccount, quotes: &[MarketQuote]) -> Result<Health> {
    let h = without(account_health(account, &withdrawal_quotes(account, quotes)?)?, account.unsettled_pnl)?;
    let stale = quotes.iter().any(|q| q.validity == Validity::Stale);
    let short = if stale { EngineError::StaleWithdrawExceedsFree } else { EngineError::InitialHealthNegative };
    if h.initial < 0 {
        return Err(error!(short));
    }
    Ok(h)
}

/// `quotes` (covering every position of `account`) as `liquidate` values
/// them to liquidate the position in `market`: the liquidated market's own
/// feed must allow liquidation (at most `TooUncertain`); every position is
/// valued at the source least adverse to its holder (`Bias::ForHolder`),
/// including one whose feed is `Stale` or `Invalid`, at its last price. The
/// liquidator is the actor, so a price nobody can confirm is taken in the
/// holder's favour: a leg whose oracle went quiet neither makes a healthy
/// account liquidatable nor blocks liquidating the legs that can be priced.
pub fn liquidation_quotes(account: &MarginAccount, quotes: &[MarketQuote], market: u16) -> Result<Vec<MarketQuote>> {
    let own = quotes.iter().find(|q| q.index == market).ok_or(EngineError::HealthAccountsMismatch)?;
    require!(Action::Liquidate.allows(own.validity), EngineError::OracleGate);
    Ok(biased_quotes(account, quotes, Bias::ForHolder))
}

/// Initial health must be >= 0 (after anything that adds risk), every
/// position valued at the source most adverse to its holder, and the
/// account's unsettled PnL at `unsettled_weight_bps` (a claim on a pool
/// short of cash is worth less than cash).
pub fn require_initial_health(
    account: &MarginAccount,
    quotes: &[MarketQuote],
    unsettled_weight_bps: u32,
) -> Result<Health> {
    let h = account_health(account, &biased_quotes(account, quotes, Bias::AgainstHolder))?;
    let weight = (unsettled_weight_bps as u64).min(BPS_DENOMINATOR);
    let counted =
        ballast_risk::math::mul_div_floor(account.unsettled_pnl as u128, weight as u128, BPS_DENOMINATOR as u128)
            .map_err(EngineError::from)? as u64;
    let h = without(h, account.unsettled_pnl - counted)?;
    require!(h.initial >= 0, EngineError::InitialHealthNegative);
    Ok(h)
}
