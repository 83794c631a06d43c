//! Unsettled PnL and auto-deleveraging in the lab: what every fill booked,
//! what `settle_pnl` paid, what auto-deleveraging closed, from the events of
//! every transaction that landed (the lab's own and, through
//! [`crate::recorder::Recorder`], the keeper's), and the invariants over
//! them that the lab checks after every slot:
//!
//! - **closes land**: no close (a trader's reducing trade, an adversary's
//!   close, a keeper's trigger, liquidation or auto-deleveraging) is
//!   refused with `PoolInsufficient`: a gain the pool cannot pay is booked
//!   as unsettled PnL instead;
//! - **ADL only takes from winners, never past its target**: every
//!   position that shrank in a slot did so by its own trade, a trigger, a
//!   liquidation or an `auto_deleverage`; each auto-deleveraged position was
//!   in profit at the fill's price just before the call; after a keeper tick
//!   that auto-deleveraged, the traders' unrealised profit
//!   (`engine::adl::adl_liability`) is at least `adl_target_bps` of the
//!   pool's free cash (`engine::adl::free_cash`), within one unit;
//! - **never paid twice**: the accounts' unsettled PnL sums to
//!   `Pool::unsettled`; no account is paid or netted more than was booked to
//!   it, nor owed more than was booked and not yet settled; the pool owes
//!   no more than was booked and not settled in total.

use crate::state::State;
use ballast_client::venue::quote_markets;
use margin_engine::engine::adl::{adl_liability, free_cash, value_at};
use margin_engine::engine::health::{MarketQuote, Now};
use margin_engine::events::{AutoDeleveraged, Liquidated, PnlSettled, TradeFilled, TriggerExecuted};
use margin_engine::state::{MarginAccount, Market};
use serde::Serialize;
use solana_sdk::pubkey::Pubkey;
use std::collections::{BTreeMap, BTreeSet};

/// What a run measured of unsettled PnL and auto-deleveraging. Amounts at
/// QUOTE_PRECISION.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct PnlTotals {
    /// The most the pool owed in unsettled PnL at the end of a slot.
    pub unsettled_peak: u64,
    /// What it owed at the end of the run.
    pub unsettled_end: u64,
    /// Unsettled PnL booked by fills, in total.
    pub booked: u64,
    /// Fills that booked unsettled PnL: the closes (trades, triggers,
    /// liquidations, auto-deleveraging) that the code before unsettled PnL
    /// refused with `PoolInsufficient`.
    pub unsettled_fills: u64,
    /// `settle_pnl` calls that landed (the keeper's and the adversary's).
    pub settle_calls: u64,
    /// What they paid from the pool's cash.
    pub settled_paid: u64,
    /// What they set against deficits.
    pub settled_netted: u64,
    /// `auto_deleverage` calls that landed (the keeper's report).
    pub adl_calls: u64,
    /// Their notional (the keeper's report).
    pub adl_notional: u64,
    /// Slot (offset from the start) of the first fill that booked
    /// unsettled PnL.
    pub first_booked_step: Option<u64>,
    /// Time to full settlement: slots from that booking until the pool
    /// owed no unsettled PnL at the end of a slot, and never again until
    /// the end of the run; none: it still owes some at the end (or nothing
    /// was booked: see `first_booked_step`).
    pub settle_slots: Option<u64>,
    /// The longest run of slots that ended with the pool owing unsettled
    /// PnL (a stretch still open at the end counts to the end).
    pub longest_unsettled_slots: u64,
}

impl PnlTotals {
    /// Time to full settlement as the report shows it.
    pub fn settle_time(&self) -> String {
        match (self.first_booked_step, self.settle_slots) {
            (None, _) => "-".into(),
            (Some(_), Some(n)) => format!("{n} slots"),
            (Some(_), None) => "never".into(),
        }
    }
}

/// What was booked to, paid to and netted for one account.
#[derive(Clone, Copy, Debug, Default)]
struct Claims {
    booked: u64,
    paid: u64,
    netted: u64,
}

/// The run's record of unsettled PnL and auto-deleveraging, fed by every
/// landed transaction's events.
#[derive(Debug, Default)]
pub struct Ledger {
    claims: BTreeMap<Pubkey, Claims>,
    /// The totals so far.
    pub totals: PnlTotals,
    /// The pool charges so far.
    pub charges: crate::charges::ChargeTotals,
    /// Accounts filled this slot by their own trade.
    own: BTreeSet<Pubkey>,
    /// Accounts filled this slot by a trigger or a liquidation.
    keeper_fills: BTreeSet<Pubkey>,
    /// Accounts auto-deleveraged this slot.
    adl: BTreeSet<Pubkey>,
    /// Violations seen in this slot's transactions.
    violations: Vec<String>,
    /// The step being run (for the first booking).
    step: u64,
    /// The first slot of the current stretch owing unsettled PnL, and the
    /// first slot owing none since the last such stretch.
    owing_since: Option<u64>,
    owing_none_since: Option<u64>,
}

impl Ledger {
    /// A new slot begins.
    pub fn begin(&mut self, step: u64) {
        self.step = step;
        self.own.clear();
        self.keeper_fills.clear();
        self.adl.clear();
    }

    fn claims(&mut self, account: Pubkey) -> &mut Claims {
        self.claims.entry(account).or_default()
    }

    /// `account` was booked `amount` of unsettled PnL by a fill.
    pub fn book(&mut self, account: Pubkey, amount: u64) {
        if amount == 0 {
            return;
        }
        self.claims(account).booked += amount;
        self.totals.booked += amount;
        self.totals.unsettled_fills += 1;
        self.totals.first_booked_step.get_or_insert(self.step);
    }

    /// Fold one landed transaction's events in; returns its
    /// auto-deleveraging events. A trigger fill's unsettled PnL is not in
    /// its event: the recorder books it from the account's change.
    pub fn landed(&mut self, logs: &[String]) -> Vec<AutoDeleveraged> {
        let mut adl = Vec::new();
        for e in crate::recorder::events(logs) {
            use crate::recorder::Event::*;
            self.charges.fold(&e);
            match e {
                Trade(TradeFilled { account, unsettled, .. }) => {
                    self.traded(account);
                    self.book(account, unsettled);
                }
                Liquidation(Liquidated { account, unsettled, .. }) => {
                    self.keeper_fills.insert(account);
                    self.book(account, unsettled);
                }
                Trigger(TriggerExecuted { account, .. }) => {
                    self.keeper_fills.insert(account);
                }
                Adl(d) => {
                    self.adl.insert(d.account);
                    self.book(d.account, d.unsettled);
                    adl.push(d);
                }
                Settled(PnlSettled { account, netted, paid, .. }) => self.settled(account, paid, netted),
            }
        }
        adl
    }

    /// A `settle_pnl` paid `account` `paid` and netted `netted`.
    pub fn settled(&mut self, account: Pubkey, paid: u64, netted: u64) {
        let c = self.claims(account);
        (c.paid, c.netted) = (c.paid + paid, c.netted + netted);
        self.totals.settle_calls += 1;
        self.totals.settled_paid += paid;
        self.totals.settled_netted += netted;
    }

    /// `account` traded this slot (its own order; the events say so).
    pub fn traded(&mut self, account: Pubkey) {
        self.own.insert(account);
    }

    /// `d` reduced a position that held `before` just before the call: it
    /// must have been in profit at the fill's price, and shrunk.
    pub fn check_adl(&mut self, d: &AutoDeleveraged, before: &MarginAccount) {
        let old = before.position_in(d.market).position();
        let profit = value_at(old, d.price).unwrap_or(i128::MIN);
        if profit <= 0 {
            self.violation(format!(
                "auto_deleverage of {} took a position of {} base (quote {}) that was not in profit at {}: PnL {profit}",
                d.account, old.base, old.quote, d.price
            ));
        }
        if old.base == 0 || d.position_base.signum() * old.base.signum() < 0 || d.position_base.abs() >= old.base.abs()
        {
            self.violation(format!(
                "auto_deleverage of {} took a position from {} to {} base: not a reduction",
                d.account, old.base, d.position_base
            ));
        }
    }

    /// A keeper tick made `calls` `auto_deleverage` calls closing
    /// `notional` (its report).
    pub fn deleveraged(&mut self, calls: u64, notional: u64) {
        self.totals.adl_calls += calls;
        self.totals.adl_notional += notional;
    }

    /// A close was refused with `PoolInsufficient`.
    pub fn close_refused(&mut self, what: &str) {
        self.violation(format!("a close was refused with PoolInsufficient: {what}"));
    }

    /// Record a violation (the slot's check reports the first).
    pub fn violation(&mut self, v: String) {
        self.violations.push(v);
    }

    /// The end of the slot at offset `step` read as `state` (`prev`: the
    /// end of the slot before): the invariants, and the unsettled PnL the
    /// pool owes folded into the totals. The first violation, if any.
    pub fn end_slot(&mut self, prev: &State, state: &State, step: u64) -> Result<(), String> {
        let owed = state.pool.unsettled;
        let t = &mut self.totals;
        t.unsettled_peak = t.unsettled_peak.max(owed);
        t.unsettled_end = owed;
        if owed > 0 {
            let since = *self.owing_since.get_or_insert(step);
            self.owing_none_since = None;
            t.longest_unsettled_slots = t.longest_unsettled_slots.max(step + 1 - since);
        } else {
            self.owing_since = None;
            self.owing_none_since.get_or_insert(step);
        }
        t.settle_slots = match (t.first_booked_step, self.owing_none_since) {
            (Some(first), Some(none)) => Some(none.saturating_sub(first)),
            _ => None,
        };
        if let Some(v) = self.violations.drain(..).next() {
            return Err(v);
        }
        self.check_claims(state)?;
        self.check_shrinks(prev, state)
    }

    /// Never paid twice: the sums, and every account's claims.
    fn check_claims(&self, state: &State) -> Result<(), String> {
        let sum: u128 = state.accounts.iter().map(|(_, a)| a.unsettled_pnl as u128).sum();
        if sum != state.pool.unsettled as u128 {
            return Err(format!("the accounts' unsettled PnL sums to {sum}, the pool owes {}", state.pool.unsettled));
        }
        let t = &self.totals;
        let settled = t.settled_paid as u128 + t.settled_netted as u128;
        if settled > t.booked as u128 || state.pool.unsettled as u128 + settled > t.booked as u128 {
            return Err(format!(
                "settle_pnl paid {} and netted {} and the pool owes {}, of {} ever booked",
                t.settled_paid, t.settled_netted, state.pool.unsettled, t.booked
            ));
        }
        for (key, a) in &state.accounts {
            let c = self.claims.get(key).copied().unwrap_or_default();
            let settled = c.paid as u128 + c.netted as u128;
            if settled > c.booked as u128 || a.unsettled_pnl as u128 + settled > c.booked as u128 {
                return Err(format!(
                    "account {key}: paid {} and netted {}, owed {} of {} booked to it",
                    c.paid, c.netted, a.unsettled_pnl, c.booked
                ));
            }
        }
        Ok(())
    }

    /// Every position that shrank this slot was filled: by its own trade,
    /// a trigger, a liquidation or auto-deleveraging.
    fn check_shrinks(&self, prev: &State, state: &State) -> Result<(), String> {
        for ((key, before), (_, after)) in prev.accounts.iter().zip(&state.accounts) {
            let filled = self.own.contains(key) || self.keeper_fills.contains(key) || self.adl.contains(key);
            if filled {
                continue;
            }
            for p in before.open_positions() {
                let now = after.position_in(p.market).base;
                if now.abs() < p.base.abs() || now.signum() * p.base.signum() < 0 {
                    return Err(format!(
                        "account {key}: position in market {} went from {} to {now} base with no fill of its own, \
                         trigger, liquidation or auto-deleveraging",
                        p.market, p.base
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Every market of `s` quoted at its read's moment (`None` if any feed
/// cannot be quoted).
fn legs(s: &State) -> Option<Vec<(Market, MarketQuote)>> {
    let (t, slot) = s.now;
    let quotes = quote_markets(s.markets.iter().zip(&s.feeds), &Now::at(&s.exchange, t, slot));
    s.markets.iter().zip(quotes).map(|(m, q)| q.ok().map(|q| (*m, q))).collect()
}

/// After a keeper tick that auto-deleveraged: the traders' unrealised
/// profit is at least `adl_target_bps` of the pool's free cash (one unit
/// of rounding allowed). Skipped when a feed does not allow the
/// liability to be valued (the program would refuse the call too).
pub fn check_adl_target(s: &State) -> Result<(), String> {
    let Some(liability) = legs(s).and_then(|l| adl_liability(&l).ok()) else {
        return Ok(());
    };
    let free = free_cash(&s.pool);
    let target = s.exchange.adl_target_bps as i128;
    if (liability as i128 + 1) * 10_000 < target * free {
        return Err(format!(
            "auto-deleveraging passed its target: liability {liability} < {target} bps of free cash {free}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytemuck::Zeroable;

    /// A venue with `accounts` (key, market 0 base, unsettled PnL) and the
    /// pool owing `owed`.
    fn state(accounts: &[(Pubkey, i64, u64)], owed: u64) -> State {
        let accounts = accounts
            .iter()
            .map(|&(k, base, unsettled)| {
                let mut a = MarginAccount::zeroed();
                a.unsettled_pnl = unsettled;
                a.positions.iter_mut().for_each(|p| *p = margin_engine::state::PositionSlot::EMPTY);
                if base != 0 {
                    (a.positions[0].market, a.positions[0].base) = (0, base);
                }
                (k, a)
            })
            .collect();
        let mut pool = margin_engine::state::Pool::zeroed();
        pool.unsettled = owed;
        let exchange = margin_engine::state::Exchange::zeroed();
        State { exchange, pool, markets: vec![], feeds: vec![], accounts, lps: vec![], vault: [0; 3], now: (0, 0) }
    }

    #[test]
    fn unsettled_pnl_paid_once_holds_and_paid_twice_or_unbooked_is_a_violation() {
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        let mut l = Ledger::default();
        let quiet = state(&[(a, 0, 0), (b, 0, 0)], 0);
        l.begin(10);
        l.book(a, 100);
        assert_eq!(l.end_slot(&quiet, &state(&[(a, 0, 100), (b, 0, 0)], 100), 10), Ok(()));
        l.begin(11);
        l.settled(a, 60, 0);
        assert_eq!(l.end_slot(&quiet, &state(&[(a, 0, 40), (b, 0, 0)], 40), 11), Ok(()));
        // The pool's total is not the accounts' sum.
        let e = l.end_slot(&quiet, &state(&[(a, 0, 40), (b, 0, 0)], 41), 12).unwrap_err();
        assert!(e.contains("sums to 40, the pool owes 41"), "{e}");
        // Owed more than was booked and not yet paid.
        let e = l.end_slot(&quiet, &state(&[(a, 0, 41), (b, 0, 0)], 41), 12).unwrap_err();
        assert!(e.contains("more than") || e.contains("of 100 ever booked"), "{e}");
        // Paid twice: 60 + 60 of 100 booked.
        l.settled(a, 60, 0);
        let e = l.end_slot(&quiet, &state(&[(a, 0, 0), (b, 0, 0)], 0), 12).unwrap_err();
        assert!(e.contains("of 100 ever booked"), "{e}");
        assert_eq!((l.totals.first_booked_step, l.totals.unsettled_peak, l.totals.unsettled_fills), (Some(10), 100, 1));
    }

    #[test]
    fn a_position_shrinks_only_by_a_fill_and_full_settlement_is_timed_to_the_last_return_to_zero() {
        let a = Pubkey::new_unique();
        let mut l = Ledger::default();
        let (long, less) = (state(&[(a, 10, 0)], 0), state(&[(a, 4, 0)], 0));
        l.begin(1);
        assert!(l.end_slot(&long, &less, 1).unwrap_err().contains("went from 10 to 4 base with no fill"));
        l.begin(2);
        l.traded(a);
        assert_eq!(l.end_slot(&long, &less, 2), Ok(()));
        // Owed from slot 5 to 7, paid at 8, owed again 9, paid at 10.
        let mut l = Ledger::default();
        for step in 3..=12 {
            l.begin(step);
            let owed = if (5..8).contains(&step) || step == 9 { 5 } else { 0 };
            if step == 5 || step == 9 {
                l.book(a, 5);
            }
            if step == 8 || step == 10 {
                l.settled(a, 5, 0);
            }
            l.end_slot(&less, &state(&[(a, 4, owed)], owed), step).unwrap();
            let expected = match step {
                ..=7 | 9 => None,
                8 => Some(3),
                _ => Some(5),
            };
            assert_eq!(l.totals.settle_slots, expected, "step {step}");
        }
        assert_eq!((l.totals.longest_unsettled_slots, l.totals.settle_time()), (3, "5 slots".to_string()));
    }
}
