//! Unsettled PnL, auto-deleveraging and the agreed pump through the real
//! programs: winners draining a small pool still close (the lab's per-slot
//! invariants hold: no close refused with `PoolInsufficient`, ADL only
//! from winners and never past its target, nothing paid twice), and the
//! agreed-pump adversary profits only with gain vesting off; and a herd all
//! long into a rally leaves the pool better off with its charges (the
//! reserve cap, funding, the borrow fee, impact, fee routing) than without.

use ballast_sim::lab::run;
use ballast_sim::report::Report;
use ballast_sim::scenario::{ParamSet, Scenario};
use ballast_sim::synthetic::{generate, SyntheticParams};

fn lab(s: &Scenario, params: &ParamSet, path: &ballast_sim::PricePath) -> Report {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(run(s, params, path, &mut |_| {})).expect("the run completes")
}

#[test]
fn winners_draining_a_small_pool_book_unsettled_pnl_are_deleveraged_and_every_close_lands() {
    let s = Scenario { slots: 1_200, traders: 40, rally: Some((100, 1_100, 6_000)), ..Scenario::winners_drain() };
    // Without the reserve cap, which would keep the crowd from outgrowing
    // the pool in the first place.
    let off = margin_engine::constants::RESERVE_OFF_BPS as u64;
    let uncapped = ParamSet {
        name: "no reserve cap".into(),
        exchange: [("reserve_factor_bps".to_string(), off), ("stress_reserve_factor_bps".to_string(), off)]
            .into_iter()
            .collect(),
        ..ParamSet::default()
    };
    let r = lab(&s, &uncapped, &generate(&s.synthetic()).0);
    assert_eq!(r.violations, Vec::<String>::new());
    assert_eq!(r.slots, 1_200);
    assert!(r.totals.flows.reconciles(), "{:?}", r.totals.flows);
    let p = &r.totals.pnl;
    assert!(p.adl_calls > 0 && p.adl_notional > 0, "the rally auto-deleverages: {p:?}");
    assert!(p.unsettled_fills > 0 && p.booked > 0 && p.unsettled_peak > 0, "closes book unsettled PnL: {p:?}");
    assert!(p.settled_paid + p.settled_netted <= p.booked);
    assert_eq!(r.totals.refused.get("PoolInsufficient"), None, "{:?}", r.totals.refused);
    assert_eq!(r.rows.iter().map(|x| x.unsettled).max(), Some(p.unsettled_peak));
}

#[test]
fn the_agreed_pump_pays_its_adversary_only_with_gain_vesting_off() {
    let s = Scenario {
        slots: 500,
        traders: 30,
        lps: 1,
        activity: 0.05,
        adversary: false,
        pump: true,
        pump_at: 0.1,
        ..Scenario::default()
    };
    let calm = SyntheticParams {
        steps: 501,
        vol: 0.3,
        regime_vol: 0.3,
        jump_prob: 0.0,
        crash: None,
        ..SyntheticParams::default()
    };
    let path = generate(&calm).0;
    let vested = lab(&s, &ParamSet::dynamic(), &path);
    let off = ParamSet {
        name: "no vesting".into(),
        market: [("gain_vest_slots".to_string(), 0)].into_iter().collect(),
        ..ParamSet::default()
    };
    let paid = lab(&s, &off, &path);
    for r in [&vested, &paid] {
        assert_eq!(r.violations, Vec::<String>::new(), "{}", r.params);
        assert!(r.totals.flows.reconciles(), "{}: {:?}", r.params, r.totals.flows);
        assert_eq!(r.totals.validity_slots.get("TooUncertain"), None, "{}: every source agrees", r.params);
    }
    let pnl = |r: &Report| r.totals.pump_adversary_pnl.expect("the pump adversary ran");
    assert!(pnl(&vested) <= 0, "vested: {}", pnl(&vested));
    // A 30 % pump on a maximal long of about 9.5x: well over its deposit.
    assert!(pnl(&paid) > 200_000_000_000, "not vested: {}", pnl(&paid));
}

#[test]
fn the_pools_charges_bound_its_drawdown_when_a_herd_goes_long_into_a_rally() {
    let s =
        Scenario { slots: 900, traders: 60, pool_usd: 1_000_000, rally: Some((100, 800, 4_000)), ..Scenario::herd() };
    let path = generate(&s.synthetic()).0;
    let charged = lab(&s, &ParamSet::from_file(std::path::Path::new("../../scenarios/charged.toml")).unwrap(), &path);
    let uncharged =
        lab(&s, &ParamSet::from_file(std::path::Path::new("../../scenarios/uncharged.toml")).unwrap(), &path);
    for r in [&charged, &uncharged] {
        assert_eq!(r.violations, Vec::<String>::new());
        assert!(r.totals.flows.reconciles(), "{:?}", r.totals.flows);
    }
    let (c, u) = (&charged.totals, &uncharged.totals);
    assert!(c.charges.capacity_refusals > 0, "the reserve cap binds on the herd: {:?}", c.charges);
    assert_eq!(u.charges.capacity_refusals, 0);
    assert!(c.charges.funding_longs > 0 && c.charges.lp_fees > 0, "{:?}", c.charges);
    assert_eq!((u.charges.funding_longs, u.charges.lp_fees), (0, 0));
    println!("pool NAV start/low/end: charged {:?}, uncharged {:?}", c.pool_nav, u.pool_nav);
    println!("LP return: charged {} bps, uncharged {} bps", c.charges.lp_return_bps, u.charges.lp_return_bps);
    assert!(c.pool_nav.1 > u.pool_nav.1, "the pool's low: {} charged, {} uncharged", c.pool_nav.1, u.pool_nav.1);
    assert!(c.charges.lp_return_bps > u.charges.lp_return_bps, "{:?} vs {:?}", c.charges, u.charges);
}
