//! What a run measured: a row per slot, totals, and the one-screen summary
//! and side-by-side comparison. Amounts are in collateral units
//! (QUOTE_PRECISION) in the JSON, dollars in the text.

use ballast_client::fmt::fmt_usd as usd;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One slot, or (in a run longer than `sample::ROW_CAP` slots) the
/// `Report::row_slots` consecutive slots ending at `step`: prices and
/// balances as at its last slot, counts summed, flags set if set in any of
/// its slots, the worst validity and equity.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SlotRow {
    /// Slot offset from the start (the last slot the row covers).
    pub step: u64,
    /// The path's price fed to the sources (PRICE_PRECISION).
    pub path_price: i64,
    /// The feed's price after the refresh (PRICE_PRECISION).
    pub oracle_price: i64,
    /// The feed's validity (0 Valid .. 5 Invalid).
    pub validity: u8,
    /// Insurance fund.
    pub insurance: u64,
    /// Pool NAV (the last valuable one when the feed cannot value it).
    pub pool_nav: u64,
    /// Accounts liquidated this slot.
    pub liquidated: u64,
    /// Notional liquidated this slot.
    pub liquidated_notional: u64,
    /// Breaker holding the market.
    pub breaker: bool,
    /// Exchange in stress mode.
    pub stress: bool,
    /// Cumulative bad debt.
    pub bad_debt: u64,
    /// Cumulative loss socialised to the pool.
    pub socialized: u64,
    /// Equity of the worst account (the one that ends lowest).
    pub worst_equity: i64,
    /// The sources disagreed beyond the feed's divergence limit this slot.
    pub disputed: bool,
    /// Unsettled PnL the pool owes.
    pub unsettled: u64,
}

impl SlotRow {
    /// Fold the row of the slots just after this one's into it.
    pub fn merge(&mut self, later: SlotRow) {
        let earlier = std::mem::replace(self, later);
        self.liquidated += earlier.liquidated;
        self.liquidated_notional += earlier.liquidated_notional;
        self.breaker |= earlier.breaker;
        self.stress |= earlier.stress;
        self.disputed |= earlier.disputed;
        self.validity = self.validity.max(earlier.validity);
        self.worst_equity = self.worst_equity.min(earlier.worst_equity);
    }
}

/// Totals of a run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    /// Liquidated accounts (keeper calls that landed).
    pub liquidations: u64,
    /// Notional liquidated.
    pub liquidated_notional: u64,
    /// Liquidations the throttle deferred.
    pub throttled: u64,
    /// Trigger orders (the traders' stop-losses) the keeper executed.
    pub triggers: u64,
    /// Their keeper fees.
    pub trigger_fees: u64,
    /// Deficits left by bankrupt accounts (covered by insurance, then the pool).
    pub bad_debt: u64,
    /// Bad debt booked in slots where the sources disagreed beyond the
    /// feed's divergence limit (a price only some sources support).
    pub bad_debt_in_disputes: u64,
    /// Slots where the sources agreed and the feed was fresh, yet its
    /// validity blocked liquidation or risk reduction (the program's own
    /// per-action gate).
    pub frozen_slots: u64,
    /// Insurance fund at the start, its low, and at the end.
    pub insurance: (u64, u64, u64),
    /// Peak-to-trough fall of the insurance fund.
    pub insurance_drawdown: u64,
    /// Losses socialised to the pool.
    pub socialized_loss: u64,
    /// Pool NAV at the start, its low, and at the end.
    pub pool_nav: (u64, u64, u64),
    /// Times the price-band breaker tripped.
    pub breaker_trips: u64,
    /// Slots in stress mode.
    pub stress_slots: u64,
    /// Slots the feed spent at each validity.
    pub validity_slots: BTreeMap<String, u64>,
    /// Program transactions that landed.
    pub transactions: u64,
    /// Refused transactions by program error.
    pub refused: BTreeMap<String, u64>,
    /// The adversary's profit (its wallet at the end minus at the start).
    pub adversary_pnl: Option<i64>,
    /// The agreed-pump adversary's profit: what it withdrew less what it
    /// deposited.
    pub pump_adversary_pnl: Option<i64>,
    /// Unsettled PnL the agreed-pump adversary is still owed at the end
    /// (unpaid: not in its PnL).
    pub pump_adversary_unsettled: Option<u64>,
    /// Unsettled PnL, its settlement and auto-deleveraging.
    pub pnl: crate::pnl::PnlTotals,
    /// What the pool charged: funding, borrow fees, LP fees, impact,
    /// capacity refusals and the LP return.
    pub charges: crate::charges::ChargeTotals,
    /// Times an account's collateral went below zero (a bankruptcy the
    /// waterfall had to cover).
    pub bankruptcies: u64,
    /// Token flows: deposits, withdrawals, LP in, LP out, keeper rewards.
    pub flows: Flows,
}

/// Token flows into and out of the exchange's vaults.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Flows {
    /// Trader deposits.
    pub deposited: u64,
    /// Trader withdrawals.
    pub withdrawn: u64,
    /// LP deposits (the house included).
    pub lp_in: u64,
    /// LP withdrawals.
    pub lp_out: u64,
    /// Paid to the keeper's token account.
    pub keeper_rewards: u64,
    /// The three vaults at the end.
    pub vaults_end: u64,
}

impl Flows {
    /// Whether the vaults hold exactly what flowed in minus what flowed out.
    pub fn reconciles(&self) -> bool {
        self.deposited + self.lp_in == self.vaults_end + self.withdrawn + self.lp_out + self.keeper_rewards
    }
}

/// A run's report.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// Parameter set name.
    pub params: String,
    /// Slots run.
    pub slots: u64,
    /// Slots each row covers (1 up to `sample::ROW_CAP` slots).
    pub row_slots: u64,
    /// Wall time, seconds.
    pub wall_secs: f64,
    /// Landed program transactions per wall second.
    pub tx_per_sec: f64,
    /// Transactions per second of time spent inside the bank (the lab's
    /// own reads and invariant checks excluded).
    pub bank_tx_per_sec: f64,
    /// Totals.
    pub totals: Totals,
    /// The worst account: key and lowest equity.
    pub worst_account: Option<(String, i64)>,
    /// Invariant violations (a run stops at the first).
    pub violations: Vec<String>,
    /// Per slot, or per `row_slots` slots (at most `sample::ROW_CAP` rows).
    pub rows: Vec<SlotRow>,
}

/// The rows of the summary and comparison tables: label and value.
pub fn lines(r: &Report) -> Vec<(&'static str, String)> {
    let t = &r.totals;
    vec![
        ("liquidations", format!("{} ({} notional)", t.liquidations, usd(t.liquidated_notional as i128))),
        ("throttled", t.throttled.to_string()),
        ("stop-losses executed", format!("{} (keeper fees {})", t.triggers, usd(t.trigger_fees as i128))),
        ("bad debt", usd(t.bad_debt as i128)),
        ("bad debt in disputes", usd(t.bad_debt_in_disputes as i128)),
        ("frozen slots", t.frozen_slots.to_string()),
        ("bankruptcies", t.bankruptcies.to_string()),
        (
            "insurance start/low/end",
            format!("{} / {} / {}", usd(t.insurance.0 as i128), usd(t.insurance.1 as i128), usd(t.insurance.2 as i128)),
        ),
        ("insurance drawdown", usd(t.insurance_drawdown as i128)),
        ("socialised loss", usd(t.socialized_loss as i128)),
        (
            "pool NAV start/low/end",
            format!("{} / {} / {}", usd(t.pool_nav.0 as i128), usd(t.pool_nav.1 as i128), usd(t.pool_nav.2 as i128)),
        ),
        ("breaker trips", t.breaker_trips.to_string()),
        ("stress-mode slots", t.stress_slots.to_string()),
        (
            "feed validity (slots)",
            t.validity_slots.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", "),
        ),
        ("adversary PnL", t.adversary_pnl.map_or("-".into(), |p| usd(p as i128))),
        (
            "pump adversary PnL",
            match (t.pump_adversary_pnl, t.pump_adversary_unsettled) {
                (Some(p), u) => format!("{} ({} unpaid)", usd(p as i128), usd(u.unwrap_or(0) as i128)),
                (None, _) => "-".into(),
            },
        ),
        (
            "unsettled PnL peak/end",
            format!("{} / {}", usd(t.pnl.unsettled_peak as i128), usd(t.pnl.unsettled_end as i128)),
        ),
        ("fills booking unsettled", format!("{} ({} booked)", t.pnl.unsettled_fills, usd(t.pnl.booked as i128))),
        ("time to full settlement", t.pnl.settle_time()),
        (
            "PnL settlements",
            match t.pnl.settled_netted {
                0 => format!("{} ({} paid)", t.pnl.settle_calls, usd(t.pnl.settled_paid as i128)),
                n => format!(
                    "{} ({} paid, {} netted)",
                    t.pnl.settle_calls,
                    usd(t.pnl.settled_paid as i128),
                    usd(n as i128)
                ),
            },
        ),
        ("auto-deleveraging", format!("{} ({} notional)", t.pnl.adl_calls, usd(t.pnl.adl_notional as i128))),
        (
            "funding paid longs/shorts",
            format!("{} / {}", usd(t.charges.funding_longs as i128), usd(t.charges.funding_shorts as i128)),
        ),
        ("borrow fees", usd(t.charges.borrow_fees as i128)),
        ("fees to LPs", usd(t.charges.lp_fees as i128)),
        (
            "impact charged/rebated",
            format!("{} / {}", usd(t.charges.impact_charged as i128), usd(t.charges.impact_rebated as i128)),
        ),
        ("refused for capacity", t.charges.capacity_refusals.to_string()),
        ("LP return", format!("{:.2} %", t.charges.lp_return_bps as f64 / 100.0)),
        ("worst account equity", r.worst_account.as_ref().map_or("-".into(), |w| usd(w.1 as i128))),
        (
            "transactions",
            format!("{} ({:.0}/s of the run, {:.0}/s in the bank)", t.transactions, r.tx_per_sec, r.bank_tx_per_sec),
        ),
        ("refused", t.refused.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")),
        ("invariant violations", r.violations.len().to_string()),
        ("vaults reconcile", if t.flows.reconciles() { "yes".into() } else { "NO".into() }),
    ]
}

/// One screen: the run's totals.
pub fn summary(r: &Report) -> String {
    let mut out = format!("Stress run `{}`: {} slots in {:.1} s\n", r.params, r.slots, r.wall_secs);
    for (k, v) in lines(r) {
        let _ = writeln!(out, "  {k:<24} {v}");
    }
    out
}

/// Side by side: one column per parameter set.
pub fn comparison(reports: &[Report]) -> String {
    let width = 34;
    let mut out = format!("{:<24}", "");
    for r in reports {
        let _ = write!(out, " {:>width$}", r.params);
    }
    out.push('\n');
    let cols: Vec<Vec<(&str, String)>> = reports.iter().map(lines).collect();
    for (i, (label, _)) in cols.first().map(|c| c.as_slice()).unwrap_or(&[]).iter().enumerate() {
        if matches!(*label, "feed validity (slots)" | "refused" | "transactions") {
            continue;
        }
        let _ = write!(out, "{label:<24}");
        for c in &cols {
            let _ = write!(out, " {:>width$}", c[i].1);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flows_reconcile_only_when_every_unit_is_accounted_for() {
        let f = Flows { deposited: 100, withdrawn: 30, lp_in: 50, lp_out: 10, keeper_rewards: 5, vaults_end: 105 };
        assert!(f.reconciles());
        assert!(!Flows { vaults_end: 104, ..f }.reconciles());
    }
}
