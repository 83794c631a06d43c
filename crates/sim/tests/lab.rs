//! The stress lab end to end through the real programs: the CI crash
//! scenario (2,000 slots, 100 traders, 3 LPs, the adversary) under static
//! and dynamic margin, and one scenario per fault showing the mechanism it
//! should engage.

use ballast_sim::lab::run;
use ballast_sim::report::Report;
use ballast_sim::scenario::{Faults, ParamSet, Scenario};
use ballast_sim::synthetic::{generate, SyntheticParams};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn lab(s: &Scenario, params: &ParamSet, path: &ballast_sim::PricePath) -> Report {
    runtime().block_on(run(s, params, path, &mut |_| {})).expect("the run completes")
}

/// A short path with its crash early: 30 % down from slot 100 over 150 slots.
fn early_crash(slots: u64) -> ballast_sim::PricePath {
    let p = SyntheticParams {
        steps: slots as usize + 1,
        regime: (50, 400),
        crash: Some((100, 150, (0.70f64).ln() - 3.0 * (0.95f64).ln(), (0.95f64).ln())),
        ..SyntheticParams::default()
    };
    generate(&p).0
}

/// A calm path: no crash, no jumps, 30 % volatility.
fn calm(slots: u64) -> ballast_sim::PricePath {
    let p = SyntheticParams {
        steps: slots as usize + 1,
        vol: 0.3,
        regime_vol: 0.3,
        jump_prob: 0.0,
        crash: None,
        ..SyntheticParams::default()
    };
    generate(&p).0
}

fn small(slots: u64, faults: Faults) -> Scenario {
    Scenario { slots, traders: 30, lps: 1, adversary: false, activity: 0.05, faults, ..Scenario::default() }
}

#[test]
fn the_ci_crash_keeps_every_invariant_reconciles_and_dynamic_margin_has_no_more_bad_debt_than_static() {
    let s = Scenario::default();
    assert_eq!((s.slots, s.traders), (2_000, 100));
    let path = generate(&s.synthetic()).0;
    let dynamic = lab(&s, &ParamSet::dynamic(), &path);
    let fixed = lab(&s, &ParamSet::static_margin(), &path);
    for r in [&dynamic, &fixed] {
        assert_eq!(r.violations, Vec::<String>::new(), "{}", r.params);
        assert_eq!(r.slots, 2_000, "{}: the run went to the end", r.params);
        assert_eq!((r.rows.len(), r.row_slots), (2_000, 1), "{}: a row per slot below the cap", r.params);
        assert!(r.totals.flows.reconciles(), "{}: vaults == flows in - flows out: {:?}", r.params, r.totals.flows);
        let last = r.rows.last().unwrap();
        assert_eq!(last.insurance, r.totals.insurance.2, "{}: the report's insurance is the vault's", r.params);
        assert!(r.totals.liquidations > 0, "{}: the crash liquidates", r.params);
        assert!(r.totals.transactions > 2_000, "{}: real transactions every slot", r.params);
        let per_slot: u64 = r.rows.iter().map(|x| x.liquidated).sum();
        assert_eq!(per_slot, r.totals.liquidations, "{}: per-slot rows add up to the total", r.params);
    }
    assert!(
        dynamic.totals.bad_debt <= fixed.totals.bad_debt,
        "dynamic {} vs static {}",
        dynamic.totals.bad_debt,
        fixed.totals.bad_debt
    );
    // The thin-market spike leaves the adversary no richer.
    assert!(dynamic.totals.adversary_pnl.is_some_and(|p| p <= 0), "{:?}", dynamic.totals.adversary_pnl);
    assert!(dynamic.totals.validity_slots.get("TooUncertain").is_some_and(|n| *n > 0), "the spike is flagged");
    // The charts render: the run's six panels and the comparison's five.
    let svg = std::env::temp_dir().join(format!("ballast-chart-{}.svg", std::process::id()));
    ballast_sim::chart::draw(&dynamic, &svg).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("<svg") && text.contains("breaker tripped") && text.contains("feed validity"));
    ballast_sim::chart::compare(&[fixed, dynamic], &svg).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("static: bad debt") && text.contains("dynamic: socialised"));
    let _ = std::fs::remove_file(svg);
}

#[test]
fn a_dark_source_degrades_the_feed_and_congestion_enters_stress_mode() {
    let faults = Faults { dark: Some((0, 20, 350)), stretch: Some((400, 500, 2_000)), ..Faults::default() };
    // Two sources: one dark leaves a lone source (three would leave two).
    let r = lab(&Scenario { sources: 2, ..small(650, faults) }, &ParamSet::dynamic(), &calm(650));
    assert!(r.violations.is_empty(), "{:?}", r.violations);
    let degraded = r.totals.validity_slots.get("Degraded").copied().unwrap_or(0);
    // The dark source ages out after its 60 s (150 slots) max age.
    assert!(degraded > 100, "one of two sources dark for 330 slots: {:?}", r.totals.validity_slots);
    assert!(r.rows[..160].iter().all(|x| x.validity == 0), "valid until the dark source is too old");
    assert!(r.totals.stress_slots > 0, "2-second slots enter stress mode");
    assert!(r.rows[..399].iter().all(|x| !x.stress), "no stress before the congestion");
}

#[test]
fn diverging_sources_make_the_feed_too_uncertain_and_new_risk_is_refused() {
    let faults = Faults { divergence: Some((60, 90, 600)), ..Faults::default() };
    let r = lab(&small(150, faults), &ParamSet::dynamic(), &early_crash(150));
    assert!(r.violations.is_empty(), "{:?}", r.violations);
    let uncertain = ballast_risk::oracle::Validity::TooUncertain as u8;
    let flagged: Vec<u64> = r.rows.iter().filter(|x| x.validity == uncertain).map(|x| x.step).collect();
    assert_eq!(flagged.first(), Some(&60));
    assert!(flagged.len() >= 25, "about the 30 diverging slots: {flagged:?}");
    assert!(r.totals.refused.get("OracleGate").is_some_and(|n| *n > 0), "{:?}", r.totals.refused);
}

#[test]
fn keepers_back_from_an_outage_meet_the_throttle_and_the_crash_trips_the_breaker() {
    let faults = Faults { keepers_offline: Some((100, 200)), ..Faults::default() };
    let tight = ParamSet {
        name: "tight throttle".into(),
        market: [("throttle_cap".to_string(), 20_000_000_000), ("throttle_window_slots".to_string(), 100)]
            .into_iter()
            .collect(),
        ..ParamSet::default()
    };
    let r = lab(&small(400, faults), &tight, &early_crash(400));
    assert!(r.violations.is_empty(), "{:?}", r.violations);
    // rows[i] is step i + 1: steps 100..200 are rows 99..199.
    assert!(r.rows[99..199].iter().all(|x| x.liquidated == 0), "no keeper, no liquidation");
    assert!(r.totals.throttled > 0, "20,000 dollars per 100 slots holds the backlog back");
    assert!(r.totals.liquidations > 0);
    assert!(r.totals.breaker_trips > 0, "a 30 % crash leaves the 20 % band");
    assert!(r.rows.iter().any(|x| x.breaker));
}

#[test]
fn in_an_agreed_pump_and_dump_the_breaker_keeps_herders_from_adding_leverage_into_it() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let s = Scenario::from_file(&root.join("scenarios/pump-and-revert.toml")).unwrap();
    let path = ballast_sim::PricePath::from_candles(
        &ballast_sim::prices::load_candles(&root.join(s.prices.clone().unwrap())).unwrap(),
    );
    let on = lab(&s, &ParamSet::dynamic(), &path);
    let off = lab(&s, &ParamSet::no_breakers(), &path);
    for r in [&on, &off] {
        assert!(r.violations.is_empty() && r.totals.flows.reconciles(), "{}: {:?}", r.params, r.violations);
        assert_eq!((r.totals.bad_debt_in_disputes, r.totals.frozen_slots), (0, 0), "{}: every source agrees", r.params);
    }
    assert!(on.totals.breaker_trips > 0 && off.totals.breaker_trips == 0);
    // With the breaker, fewer accounts reach the dump over-levered.
    assert!(
        on.totals.bankruptcies < off.totals.bankruptcies,
        "{} vs {}",
        on.totals.bankruptcies,
        off.totals.bankruptcies
    );
    assert!(on.totals.bad_debt < off.totals.bad_debt, "{} vs {}", on.totals.bad_debt, off.totals.bad_debt);
    assert!(on.totals.liquidated_notional < off.totals.liquidated_notional);
}

/// A report without its timing fields.
fn timeless(r: &Report) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap();
    for k in ["wall_secs", "tx_per_sec", "bank_tx_per_sec"] {
        v.as_object_mut().unwrap().remove(k).expect("a timing field");
    }
    v
}

#[test]
fn checking_every_invariant_after_every_transaction_finds_nothing_and_changes_nothing_in_the_run() {
    let s = Scenario { adversary: true, ..small(300, Faults::default()) };
    let path = early_crash(300);
    let per_slot = lab(&s, &ParamSet::dynamic(), &path);
    let per_tx = lab(&Scenario { check_every_tx: true, ..s }, &ParamSet::dynamic(), &path);
    assert_eq!(per_tx.violations, Vec::<String>::new());
    assert!(per_tx.totals.liquidations > 0 && per_tx.totals.transactions > 300, "{:?}", per_tx.totals);
    assert_eq!(timeless(&per_slot), timeless(&per_tx));
}

#[test]
fn parallel_and_sequential_runs_of_the_comparison_give_identical_reports_but_for_wall_time() {
    let s = small(300, Faults::default());
    let path = early_crash(300);
    let sets = ParamSet::builtin();
    let sequential = ballast_sim::lab::run_sets(&s, &sets, &path, 1, &|_, _| {}).expect("sequential");
    let parallel = ballast_sim::lab::run_sets(&s, &sets, &path, 3, &|_, _| {}).expect("parallel");
    assert_eq!(sequential.len(), 3);
    for (a, b) in sequential.iter().zip(&parallel) {
        assert_eq!(a.params, b.params, "in the sets' order");
        assert_eq!(timeless(a), timeless(b), "{}", a.params);
    }
    assert!(sequential.iter().all(|r| r.totals.liquidations > 0), "the crash liquidates in every run");
    assert_ne!(timeless(&sequential[0]), timeless(&sequential[1]), "the sets differ, so the check has teeth");
}
