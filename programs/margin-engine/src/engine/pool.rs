//! Valuing the pool from every market's checked feed, and what an LP
//! deposit mints or a withdrawal pays at that valuation.

use super::health::{Bias, MarketQuote};
use crate::constants::{pause, LP_MIN_HOLD_SLOTS};
use crate::errors::EngineError;
use crate::state::{Exchange, LpPosition, Market, Pool};
use anchor_lang::prelude::*;
use ballast_risk::funding::pending_quote;
use ballast_risk::health::requirement;
use ballast_risk::lp::{amount_for_shares, first_deposit, pool_valuation, shares_for_deposit, PoolLeg, PoolValuation};
use ballast_risk::oracle::Action;
use ballast_risk::position::Position;
use ballast_risk::SafeMath;

/// The pool's valuation (`instructions::accounts::value_pool` reads its
/// legs on-chain): its balance plus its mirror
/// position in every market, each at the end of the sources' range adverse
/// to the pool (NAV) and at the other end (minting NAV), and what each
/// side of traders is owed, valued in its favour. Every quote must allow
/// value to leave (`Action::Withdraw`). Off-chain previews call this with
/// decoded accounts.
///
/// Funding the markets accrued and their positions have not settled counts
/// per market: owed to the pool in the minting NAV only, owed by it as a
/// liability.
///
/// Within a market's gain vesting (`MarketQuote::gain_price`), neither
/// side of an LP flow takes a pumped gain: the pool's own gain counts no
/// better than the jump's anchor for burning, and for minting its position
/// is valued as if the traders' gain counted only to the anchor (never
/// lowering what a depositor pays). What the traders are owed stays at the
/// pumped price.
pub fn value_legs(pool: &Pool, legs: &[(Market, MarketQuote)]) -> Result<PoolValuation> {
    let mut out = Vec::with_capacity(legs.len());
    for (m, q) in legs {
        require!(Action::Withdraw.allows(q.validity), EngineError::OracleGate);
        let (base, quote) = (m.pool_base, m.pool_quote);
        // `biased_for` only reads the sign of the side it is given.
        let side = |long: bool| if long { 1 } else { -1 };
        let at = |long: bool, bias: Bias| q.biased_for(side(long), bias);
        let short_oi = i64::try_from(m.short_oi).map_err(|_| EngineError::MathOverflow)?;
        let long_oi = i64::try_from(m.long_oi).map_err(|_| EngineError::MathOverflow)?;
        let pool = Position { base, quote };
        let unanchored = at(base > 0, Bias::AgainstHolder);
        let adverse = MarketQuote { price: unanchored.gain_price(pool, unanchored.price), ..unanchored };
        // The favourable end at full conf: the adverse end of the opposite
        // side, where the traders' gain (the mirror of the pool's position)
        // counts no better than the anchor or their entry.
        let favourable = at(base <= 0, Bias::AgainstHolder);
        let traders = Position { base: base.saturating_neg(), quote: quote.saturating_neg() };
        let favourable = MarketQuote { price: favourable.gain_price(traders, favourable.price), ..favourable };
        out.push(PoolLeg {
            pool_adverse: adverse.position_risk(base, quote)?,
            // The exposure requirement at the adverse end itself: a vesting
            // gain lowers what the pool is worth, never what it must cover.
            pool_requirement: unanchored.position_risk(base, quote)?,
            pool_favourable: favourable.position_risk(base, quote)?,
            longs: at(false, Bias::AgainstHolder).position_risk(long_oi, m.long_quote)?,
            shorts: at(true, Bias::AgainstHolder).position_risk(-short_oi, m.short_quote())?,
        });
    }
    // Funding accrued and not settled yet, market by market: what the pool
    // is owed counts like a deficit it is owed (in the minting NAV only: it
    // arrives as positions settle), what it owes like unsettled PnL (a
    // liability, out of both NAVs, and cash LPs may not take). Pending
    // borrow fees are left out: only their LP share will reach the pool.
    let (mut owed_to, mut owed_by) = (0u64, 0u64);
    for (m, q) in legs {
        // Accrued to the quote's slot (the quote carries the projected
        // index): what the next touch would book.
        let raw = super::funding::funding_pending_at(m, q.funding_index)?;
        let f = pending_quote(raw).map_err(EngineError::from)?;
        if f > 0 {
            owed_to = owed_to.safe_add(f as u64).map_err(EngineError::from)?;
        } else {
            owed_by = owed_by.safe_add(f.unsigned_abs()).map_err(EngineError::from)?;
        }
    }
    let receivable = pool.receivable.safe_add(owed_to).map_err(EngineError::from)?;
    let unsettled = pool.unsettled.safe_add(owed_by).map_err(EngineError::from)?;
    Ok(pool_valuation(pool.balance, receivable, unsettled, &out).map_err(EngineError::from)?)
}

/// The pool's reserve requirement in `market` (quoted `q`): the initial
/// requirement of the larger side of its traders' open interest, at the
/// end of the sources' range adverse to the pool, as if the other side had
/// closed and left the pool holding all of it. No close raises it, so a
/// book built on both sides and then unwound on one never carries the pool
/// past the cap unchecked.
pub fn reserve_requirement(market: &Market, q: &MarketQuote) -> Result<u128> {
    let long = i64::try_from(market.long_oi).map_err(|_| EngineError::MathOverflow)?;
    let short = i64::try_from(market.short_oi).map_err(|_| EngineError::MathOverflow)?;
    // The pool's position if only the larger side were left.
    let base = if long >= short { -long } else { short };
    if base == 0 {
        return Ok(0);
    }
    let r = q.biased_for(base, Bias::AgainstHolder).position_risk(base, 0)?;
    Ok(requirement(base, r.price, r.conf, r.conf_mult_bps, r.ratios.imr_bps).map_err(EngineError::from)?)
}

/// The pool's reserve requirement over every market (`legs`).
pub fn venue_reserve(legs: &[(Market, MarketQuote)]) -> Result<u128> {
    legs.iter().try_fold(0u128, |sum, (m, q)| Ok(sum.saturating_add(reserve_requirement(m, q)?)))
}

/// Record a valuation as the pool's snapshot (`nav` and the reserve
/// requirement, [`venue_reserve`]): the depth and utilisation the rates
/// are set from until the next one.
pub fn record_valuation(pool: &mut Pool, nav: u64, requirement: u128) {
    pool.nav_snapshot = nav;
    pool.requirement_snapshot = requirement.min(u64::MAX as u128) as u64;
}

/// What an LP deposit mints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Minted {
    /// Shares credited to the depositor.
    pub shares: u64,
    /// Shares locked forever (first deposit only; held by nobody).
    pub locked: u64,
}

/// Shares for depositing `amount` into `pool` valued at `v`: at the minting
/// NAV (the pool's positions at the end favourable to the pool), rounded
/// down; the first deposit locks shares (`ballast_risk::lp::first_deposit`).
/// Refuses zero shares (`ZeroAmount`), a first deposit too small to lock
/// (`FirstDepositTooSmall`), and fewer than `min_shares_out`
/// (`SlippageExceeded`).
pub fn deposit_shares(pool: &Pool, v: &PoolValuation, amount: u64, min_shares_out: u64) -> Result<Minted> {
    require!(amount > 0, EngineError::ZeroAmount);
    let minted = if pool.shares == 0 {
        let (shares, locked) = first_deposit(amount, v.mint_nav).ok_or(EngineError::FirstDepositTooSmall)?;
        Minted { shares, locked }
    } else {
        let shares = shares_for_deposit(amount, v.mint_nav, pool.shares).map_err(|_| EngineError::PoolInsufficient)?;
        Minted { shares, locked: 0 }
    };
    require!(minted.shares > 0, EngineError::ZeroAmount);
    require!(minted.shares >= min_shares_out, EngineError::SlippageExceeded);
    Ok(minted)
}

/// Tokens paid for burning `shares` of `lp`'s at `slot` from `pool` valued
/// at `v`: at the NAV adverse to the pool, rounded down. Refuses more shares
/// than held (`InsufficientShares`), within `LP_MIN_HOLD_SLOTS` of the LP's
/// last deposit (`LpHoldPending`), a payout the pool's cash cannot make
/// after keeping what it owes winning traders (`PoolInsufficient`), one
/// that leaves NAV below the exposure requirement (`PoolUndercovered`), and
/// less than `min_amount_out` (`SlippageExceeded`).
pub fn withdraw_amount(
    pool: &Pool,
    v: &PoolValuation,
    lp: &LpPosition,
    shares: u64,
    slot: u64,
    min_amount_out: u64,
) -> Result<u64> {
    require!(shares > 0, EngineError::ZeroAmount);
    require!(lp.shares >= shares, EngineError::InsufficientShares);
    require!(slot >= lp.last_deposit_slot.saturating_add(LP_MIN_HOLD_SLOTS), EngineError::LpHoldPending);
    let amount = amount_for_shares(shares, v.nav, pool.shares).map_err(EngineError::from)?;
    require!(amount <= pool.balance.saturating_sub(v.owed), EngineError::PoolInsufficient);
    let nav_after = v.nav - amount; // amount <= nav: shares <= supply
    require!(nav_after as u128 >= v.requirement, EngineError::PoolUndercovered);
    require!(amount >= min_amount_out, EngineError::SlippageExceeded);
    Ok(amount)
}

/// The gate of both LP flows, before the pool is valued: refuse zero and
/// a paused LP operation.
pub fn require_lp_open(exchange: &Exchange, amount: u64, slot: u64) -> Result<()> {
    require!(amount > 0, EngineError::ZeroAmount);
    require!(!exchange.is_paused(pause::LP, slot), EngineError::Paused);
    Ok(())
}

/// `lp_deposit` after the gate and [`deposit_shares`]: credit `minted`
/// to `lp` (and the first deposit's locked shares to nobody), `amount` to
/// the pool, and start `lp`'s hold at `slot`.
pub fn lp_deposit(pool: &mut Pool, lp: &mut LpPosition, minted: Minted, amount: u64, slot: u64) -> Result<()> {
    let supply = minted.shares.checked_add(minted.locked).ok_or(EngineError::MathOverflow)?;
    lp.shares = lp.shares.checked_add(minted.shares).ok_or(EngineError::MathOverflow)?;
    lp.last_deposit_slot = slot;
    pool.shares = pool.shares.checked_add(supply).ok_or(EngineError::MathOverflow)?;
    pool.balance = pool.balance.checked_add(amount).ok_or(EngineError::MathOverflow)?;
    Ok(())
}

/// `lp_withdraw` after the gate and the valuation `v`: burn `shares` of
/// `lp`'s for [`withdraw_amount`], debited from the pool. Returns the
/// amount.
pub fn lp_withdraw(
    pool: &mut Pool,
    lp: &mut LpPosition,
    v: &PoolValuation,
    shares: u64,
    slot: u64,
    min_amount_out: u64,
) -> Result<u64> {
    let amount = withdraw_amount(pool, v, lp, shares, slot, min_amount_out)?;
    // `withdraw_amount` checked shares <= lp.shares <= pool.shares and
    // amount <= pool.balance.
    lp.shares -= shares;
    pool.shares -= shares;
    pool.balance -= amount;
    Ok(amount)
}
