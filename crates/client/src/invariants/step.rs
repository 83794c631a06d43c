//! The invariants that hold across one instruction: given the snapshots
//! either side of it and what was sent, [`check_step`] re-derives each
//! rule's verdict with the program's own functions.

use super::{ensure, Broken, Snapshot};
use crate::venue::quote_markets;
use ballast_risk::health::biased_price;
use ballast_risk::liquidation::{penalty, per_call_cap};
use ballast_risk::position::notional_ceil;
use margin_engine::constants::pause;
use margin_engine::engine::funding::settle_funding;
use margin_engine::engine::health::{
    account_health, liquidation_quotes, require_initial_health, require_withdrawable, MarketQuote, Now,
};
use margin_engine::engine::liquidation::health_after_close;
use margin_engine::engine::pool::value_legs;
use margin_engine::engine::trade::adds_risk;
use margin_engine::state::MarginAccount;
use solana_sdk::pubkey::Pubkey;

/// The instruction a step sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `deposit`.
    Deposit,
    /// `withdraw`.
    Withdraw,
    /// `trade`.
    Trade,
    /// `liquidate`.
    Liquidate,
    /// `resolve_bankruptcy`.
    ResolveBankruptcy,
    /// `lp_deposit`.
    LpDeposit,
    /// `lp_withdraw`.
    LpWithdraw,
    /// `withdraw_insurance`.
    WithdrawInsurance,
    /// `close_account`.
    CloseAccount,
    /// `execute_trigger`.
    ExecuteTrigger,
    /// `settle_pnl`.
    SettlePnl,
    /// `auto_deleverage`.
    AutoDeleverage,
    /// Anything else: refreshes, governance, the guardian, settlement.
    Other,
}

impl Action {
    /// The pause bit that gates this instruction, if any.
    pub fn pause_bit(self) -> Option<u32> {
        match self {
            Action::Deposit => Some(pause::DEPOSIT),
            Action::Withdraw => Some(pause::WITHDRAW),
            Action::Trade | Action::ExecuteTrigger => Some(pause::TRADE),
            Action::Liquidate => Some(pause::LIQUIDATE),
            Action::LpDeposit | Action::LpWithdraw => Some(pause::LP),
            _ => None,
        }
    }
}

/// One instruction as sent, and whether it landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// What was sent.
    pub action: Action,
    /// The margin account it named, if any.
    pub account: Option<Pubkey>,
    /// The market it named, if any.
    pub market: Option<u16>,
    /// Whether it landed.
    pub ok: bool,
}

/// What the checker measured on a landed liquidation, for the callers
/// that report it: maintenance health before and after, and the target
/// buffer it aimed at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiquidationSeen {
    /// Maintenance health before.
    pub before: i128,
    /// Maintenance health after.
    pub after: i128,
    /// The buffer the close aimed at: `liq_buffer_bps` of the maintenance
    /// requirement before.
    pub target: i128,
    /// The maintenance requirement before.
    pub requirement: u128,
    /// The most the penalty on the closed notional can be (keeper and
    /// insurance together).
    pub fee_cap: u64,
    /// Whether the position was closed whole.
    pub closed: bool,
    /// The insurance fund's share of the borrow fee the position settled
    /// first (paid beside the penalty, not out of it).
    pub borrow_insurance: u64,
}

/// Every invariant that holds across `step`, from `before` to `after`:
/// the first that fails. Invariants that need the instruction's quotes
/// (4, 5, 10) quote the markets of `after` as the program quotes them.
pub fn check_step(before: &Snapshot, after: &Snapshot, step: &Step) -> Result<(), Broken> {
    let slot = after.now.1;
    // 8: a refused instruction changes nothing, and a paused one is refused.
    if !step.ok {
        let diff = after.difference(before);
        return ensure(diff.is_none(), 8, || {
            format!("{:?} was refused but changed {}", step.action, diff.unwrap_or_default())
        });
    }
    if let Some(bit) = step.action.pause_bit() {
        ensure(!before.exchange.is_paused(bit, slot), 8, || format!("{:?} landed while paused", step.action))?;
    }
    check_insurance(before, after, step)?;
    check_publish_times(before, after)?;
    check_caps(before, after, step)?;
    let acc = |s: &Snapshot| step.account.and_then(|k| s.account(&k).copied());
    match step.action {
        Action::Trade => {
            let (Some(a), Some(m)) = (acc(after), step.market) else { return Ok(()) };
            let base = |x: Option<MarginAccount>| {
                x.and_then(|x| x.open_positions().find(|p| p.market == m).map(|p| p.base)).unwrap_or(0)
            };
            if adds_risk(base(acc(before)), base(Some(a))) {
                let quotes = quotes(after)?;
                require_initial_health(&a, &covering(&a, &quotes, None)?, after.exchange.unsettled_weight_bps)
                    .map_err(|e| Broken { invariant: 4, what: format!("trade added risk, then: {e}") })?;
            }
            Ok(())
        }
        Action::Withdraw => {
            let Some(a) = acc(after) else { return Ok(()) };
            if a.has_positions() {
                let quotes = quotes(after)?;
                require_withdrawable(&a, &covering(&a, &quotes, None)?)
                    .map_err(|e| Broken { invariant: 4, what: format!("withdrawal landed, then: {e}") })?;
            }
            Ok(())
        }
        Action::ExecuteTrigger => {
            // 4: a landed trigger reduces its market's position (never
            // opens, grows or flips it), as a reduce-only trade.
            let (Some(b), Some(a), Some(m)) = (acc(before), acc(after), step.market) else { return Ok(()) };
            let base = |x: &MarginAccount| x.open_positions().find(|p| p.market == m).map_or(0, |p| p.base);
            ensure(!adds_risk(base(&b), base(&a)) && base(&a) != base(&b), 4, || {
                format!("a trigger moved market {m}'s position {} -> {}", base(&b), base(&a))
            })
        }
        Action::Liquidate => check_liquidation(before, after, step).map(|_| ()),
        Action::SettlePnl => {
            // 1: a settlement pays exactly the claim it retires (never twice),
            // into the account's own collateral.
            let (Some(b), Some(a)) = (acc(before), acc(after)) else { return Ok(()) };
            let retired = b.unsettled_pnl as i128 - a.unsettled_pnl as i128;
            let credited = a.collateral as i128 - b.collateral as i128;
            ensure(retired > 0 && credited == retired, 1, || {
                format!("settle_pnl retired {retired} of unsettled PnL but credited {credited}")
            })
        }
        Action::AutoDeleverage => check_adl(before, after, step),
        Action::LpDeposit | Action::LpWithdraw => check_share_value(before, after, step.action == Action::LpDeposit),
        Action::CloseAccount => {
            let Some(key) = step.account else { return Ok(()) };
            let was_empty = acc(before).is_some_and(|a| !a.has_positions() && a.collateral == 0 && a.flags == 0);
            ensure(was_empty && after.account(&key).is_none(), 12, || {
                format!("close of {key} landed: empty before {was_empty}, gone after {}", after.account(&key).is_none())
            })
        }
        _ => Ok(()),
    }
}

/// Invariant 6: insurance only falls through the waterfall or a
/// governance withdrawal, and neither takes it below the floor.
fn check_insurance(before: &Snapshot, after: &Snapshot, step: &Step) -> Result<(), Broken> {
    let (b, a) = (before.exchange.insurance_balance, after.exchange.insurance_balance);
    if a >= b {
        return Ok(());
    }
    let allowed = matches!(step.action, Action::ResolveBankruptcy | Action::WithdrawInsurance);
    ensure(allowed, 6, || format!("insurance fell {b} -> {a} in {:?}", step.action))?;
    ensure(a >= after.exchange.insurance_floor, 6, || {
        format!("insurance fell {b} -> {a}, below the floor {}", after.exchange.insurance_floor)
    })
}

/// Invariant 7: no feed's publish time goes backwards.
fn check_publish_times(before: &Snapshot, after: &Snapshot) -> Result<(), Broken> {
    for (i, (b, a)) in before.feeds.iter().zip(&after.feeds).enumerate() {
        ensure(a.publish_time >= b.publish_time, 7, || {
            format!("feed of market {i}: publish time went back {} -> {}", b.publish_time, a.publish_time)
        })?;
    }
    Ok(())
}

/// Invariant 11: no instruction grows open interest past a market's cap,
/// nor a deposit collateral past the deposit cap.
fn check_caps(before: &Snapshot, after: &Snapshot, step: &Step) -> Result<(), Broken> {
    for (b, a) in before.markets.iter().zip(&after.markets) {
        let grew = |old: u64, new: u64| new > old && new > a.oi_cap;
        ensure(!grew(b.long_oi, a.long_oi) && !grew(b.short_oi, a.short_oi), 11, || {
            format!(
                "market {}: open interest {}/{} -> {}/{} past the cap {}",
                a.index, b.long_oi, b.short_oi, a.long_oi, a.short_oi, a.oi_cap
            )
        })?;
    }
    if step.action == Action::Deposit {
        let key = step.account.unwrap_or_default();
        let c = after.account(&key).map_or(0, |a| a.collateral);
        ensure(c <= after.exchange.deposit_cap as i64, 11, || {
            format!("deposit left {key} at {c}, past the cap {}", after.exchange.deposit_cap)
        })?;
    }
    Ok(())
}

/// Every market of `s` quoted as the program quotes it at `s.now`.
fn quotes(s: &Snapshot) -> Result<Vec<Option<MarketQuote>>, Broken> {
    let now = Now::at(&s.exchange, s.now.0, s.now.1);
    Ok(quote_markets(s.markets.iter().zip(&s.feeds), &now).into_iter().map(|q| q.ok()).collect())
}

/// The quotes of `also` and of every market `a` holds (a landed
/// instruction had them all).
fn covering(a: &MarginAccount, quotes: &[Option<MarketQuote>], also: Option<u16>) -> Result<Vec<MarketQuote>, Broken> {
    also.into_iter()
        .chain(a.open_positions().map(|p| p.market).filter(|m| Some(*m) != also))
        .map(|m| {
            quotes.get(m as usize).copied().flatten().ok_or_else(|| Broken {
                invariant: 7,
                what: format!("an instruction landed with market {m} unpriceable"),
            })
        })
        .collect()
}

/// Invariant 5 on a landed liquidation: the account was liquidatable, its
/// health is strictly better after unless the position closed whole; a
/// partial close (neither capped nor whole) reached the buffer and one
/// base unit less would not have; the penalty paid into insurance is
/// within the fee on the closed notional. Returns what it measured.
pub fn check_liquidation(before: &Snapshot, after: &Snapshot, step: &Step) -> Result<LiquidationSeen, Broken> {
    let (Some(key), Some(m)) = (step.account, step.market) else {
        return Err(Broken { invariant: 5, what: "a liquidation step names no account or market".into() });
    };
    let (Some(b), Some(a)) = (before.account(&key), after.account(&key)) else {
        return Err(Broken { invariant: 5, what: format!("liquidated account {key} missing from a snapshot") });
    };
    let quotes = quotes(after)?;
    // Each account's quotes as `liquidate` values it (covering market `m`).
    let valued = |x: &MarginAccount| {
        liquidation_quotes(x, &covering(x, &quotes, Some(m))?, m)
            .map_err(|e| Broken { invariant: 5, what: format!("liquidation landed, yet its quotes: {e}") })
    };
    let health = |x: &MarginAccount, q: &[MarketQuote]| {
        account_health(x, q).map_err(|e| Broken { invariant: 5, what: format!("health: {e}") })
    };
    let before_quotes = valued(b)?;
    let before_health = health(b, &before_quotes)?;
    let (h0, requirement) = (before_health.maintenance, before_health.maintenance_requirement);
    let closed = a.slot_of(m).is_none();
    let h1 = health(a, &valued(a)?)?.maintenance;
    ensure(h0 < 0, 5, || format!("account {key} liquidated at maintenance health {h0} >= 0"))?;
    ensure(closed || h1 > h0, 5, || format!("account {key}: health {h0} -> {h1} did not improve"))?;
    let own = before_quotes
        .iter()
        .find(|x| x.index == m)
        .copied()
        .ok_or_else(|| Broken { invariant: 5, what: format!("no quote of market {m}") })?;
    let pos = b.open_positions().find(|p| p.market == m).map(|p| p.position()).unwrap_or_default();
    let new = a.open_positions().find(|p| p.market == m).map_or(0, |p| p.base);
    let closed_base = pos.base.saturating_sub(new);
    let market = &after.markets[m as usize];
    let params = market.liquidation(own.ratios(pos.base).map(|r| r.mmr_bps).unwrap_or(0));
    let target = (requirement as i128 * market.params.liq_buffer_bps as i128).div_euclid(10_000);
    // The penalty on the closed notional at the conservative fill price,
    // as `execute_liquidation` charges it: what insurance may gain at most.
    let cap = biased_price(pos.base, own.price, own.conf, own.conf_mult_bps)
        .and_then(|price| notional_ceil(closed_base, price.max(1)))
        .and_then(|n| penalty(n, params.fee_bps, market.params.keeper_share_bps))
        .map_err(|e| Broken { invariant: 5, what: format!("penalty bound: {e:?}") })?;
    // The funding and borrow fee the position settled first, run on copies
    // as `execute_liquidation` runs it: the collateral the close started
    // from, and the borrow fee's insurance share (not part of the penalty).
    let (mut settled, mut market_copy) = (*b, *market);
    let (mut pool_copy, mut exchange_copy) = (before.pool, before.exchange);
    let idx = settled.slot_of(m).ok_or_else(|| Broken { invariant: 5, what: format!("no position in {m}") })?;
    let funding = settle_funding(&mut settled, idx, &mut market_copy, &mut pool_copy, &mut exchange_copy, after.now.1)
        .map_err(|e| Broken { invariant: 5, what: format!("funding settlement: {e}") })?;
    let paid = after.exchange.insurance_balance.saturating_sub(before.exchange.insurance_balance);
    let paid = paid.saturating_sub(funding.borrow.insurance);
    ensure(paid <= cap.fee, 5, || format!("penalty into insurance {paid} above the fee cap {}", cap.fee))?;
    // Not above the buffer, unless the close was capped or took the whole
    // position: the close reached the buffer, and one base unit less
    // would not have (the health after, on the engine's own terms).
    let closed_size = closed_base.unsigned_abs();
    if !closed && closed_size < per_call_cap(pos.base.unsigned_abs(), &params) {
        ensure(h1 >= target, 5, || {
            format!("account {key}: a partial close stopped at {h1}, short of the buffer {target}")
        })?;
        let cash = margin_engine::engine::settle::payable_cash(&pool_copy);
        let less = health_after_close(pos, closed_size.saturating_sub(1), &own, h0, settled.collateral, &params, cash)
            .map_err(|e| Broken { invariant: 5, what: format!("health after one unit less: {e}") })?;
        ensure(closed_size == 1 || less < target, 5, || {
            format!("account {key}: closing {} instead of {closed_size} already reached the buffer {target} ({less}): over-liquidated", closed_size - 1)
        })?;
    }
    Ok(LiquidationSeen {
        before: h0,
        after: h1,
        target,
        requirement,
        fee_cap: cap.fee,
        closed,
        borrow_insurance: funding.borrow.insurance,
    })
}

/// Invariant 10 on an LP flow: the value of a share (NAV over supply, at
/// the same quotes) never falls, so no LP gains at the others' expense; a
/// deposit also mints at the minting NAV (the pool's positions at the end
/// favourable to it), so the minting value of a share never falls either.
fn check_share_value(before: &Snapshot, after: &Snapshot, deposit: bool) -> Result<(), Broken> {
    let quotes = quotes(after)?;
    let legs: Option<Vec<_>> = after.markets.iter().zip(&quotes).map(|(m, q)| q.map(|q| (*m, q))).collect();
    let Some(legs) = legs else {
        return Err(Broken { invariant: 7, what: "an LP flow landed with a market unpriceable".into() });
    };
    let value =
        |s: &Snapshot| value_legs(&s.pool, &legs).map_err(|e| Broken { invariant: 10, what: format!("NAV: {e}") });
    let (v0, v1) = (value(before)?, value(after)?);
    let (s0, s1) = (before.pool.shares as u128, after.pool.shares as u128);
    let mut pairs = vec![("NAV", v0.nav as u128, v1.nav as u128)];
    if deposit {
        pairs.push(("minting NAV", v0.mint_nav as u128, v1.mint_nav as u128));
    }
    for (what, n0, n1) in pairs {
        // n1 / s1 >= n0 / s0, cross-multiplied (a first deposit starts from 0 shares).
        ensure(s0 == 0 || s1 == 0 || n1 * s0 >= n0 * s1, 10, || {
            format!("value per share fell: {what} {n0} / {s0} shares -> {n1} / {s1}")
        })?;
    }
    Ok(())
}

/// Invariant 4 on a landed `auto_deleverage`: it only shrank a position
/// that was in profit at the price its gain counts at (never opened, grew
/// or flipped one), and left the traders' unrealised profit at or above
/// `adl_target_bps` of the pool's free cash (it never passes its target).
fn check_adl(before: &Snapshot, after: &Snapshot, step: &Step) -> Result<(), Broken> {
    use margin_engine::engine::adl::{adl_liability, free_cash, value_at};
    let (Some(key), Some(m)) = (step.account, step.market) else { return Ok(()) };
    let (Some(b), Some(a)) = (before.account(&key), after.account(&key)) else {
        return Err(Broken { invariant: 4, what: format!("auto-deleveraged account {key} missing") });
    };
    let old = b.position_in(m).position();
    let new = a.position_in(m).base;
    ensure(!adds_risk(old.base, new) && new != old.base, 4, || {
        format!("auto_deleverage moved market {m}'s position {} -> {new}", old.base)
    })?;
    let legs = |s: &Snapshot| -> Result<Vec<_>, Broken> {
        let quotes = quotes(s)?;
        s.markets
            .iter()
            .zip(quotes)
            .map(|(mk, q)| q.map(|q| (*mk, q)).ok_or(Broken { invariant: 4, what: "a market without a quote".into() }))
            .collect()
    };
    let lb = legs(before)?;
    let q = lb
        .iter()
        .find(|(mk, _)| mk.index == m)
        .map(|(_, q)| *q)
        .ok_or(Broken { invariant: 4, what: format!("no quote of market {m}") })?;
    let pnl = value_at(old, q.gain_price(old, q.price)).map_err(|e| Broken { invariant: 4, what: e.to_string() })?;
    ensure(pnl > 0, 4, || format!("auto_deleverage reduced a position of PnL {pnl}"))?;
    let la = legs(after)?;
    let owed = adl_liability(&la).map_err(|e| Broken { invariant: 4, what: e.to_string() })? as i128;
    let free = free_cash(&after.pool);
    let target = after.exchange.adl_target_bps as i128;
    ensure(owed * 10_000 + 10_000 >= free * target, 4, || {
        format!("auto_deleverage passed its target: owed {owed}, free cash {free}, target {target} bps")
    })
}
