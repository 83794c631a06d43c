//! Governance: tightening applies at once, loosening waits for the
//! timelock, cancel works, every change is bounds-, step- and
//! cross-field-checked, and a new market opens closed.

use ballast_client::engine as ix;
use ballast_tests::adapter::{create_feed, find_event, guards, refresh};
use ballast_tests::assertions::assert_error;
use ballast_tests::context::TestContext;
use ballast_tests::fixtures::{SourceFixture, ONE};
use ballast_tests::governance::field::{BAND, BREAKER_COOLDOWN, FEE, IMR, MMR, OI_CAP, STATUS, TIMELOCK};
use ballast_tests::governance::{exchange, market, next_id};
use ballast_tests::venue::{load, sol_params, trader_with_position, venue, Venue, BASE, USD};
use margin_engine::engine::governance::{EXCHANGE_TARGET, GUARDIAN_FIELD};
use margin_engine::errors::EngineError;
use margin_engine::events::{ChangeCancelled, ParamChanged};
use margin_engine::instructions::{AddMarketParams, ParamChange, TradeParams};
use margin_engine::state::{Exchange, Market, MarketStatus};
use oracle_adapter::sources::SourceKind;
use solana_sdk::signature::Signer;

/// Queue `c` signed by the venue's governance; returns its id and eta.
async fn queue(tc: &mut TestContext, v: &Venue, c: ParamChange) -> (u64, u64) {
    ballast_tests::governance::queue(tc, &v.gov, c).await
}

#[tokio::test]
async fn a_new_market_opens_closed_and_only_timelocked_changes_open_it() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let c = tc.clock().await;
    let eth = vec![
        SourceFixture::new(SourceKind::PythPull, 100 * ONE, 0, c.unix_timestamp, c.slot),
        SourceFixture::new(SourceKind::SwitchboardOnDemand, 100 * ONE, 0, c.unix_timestamp, c.slot),
    ];
    let feed = create_feed(&mut tc, &v.gov, "ETH", &eth, guards()).await;
    refresh(&mut tc, &feed, &eth).await.unwrap();
    let params = AddMarketParams { symbol: "ETH".into(), ..sol_params() };
    tc.process(&[ix::add_market(v.gov.pubkey(), 1, feed, params)], &[&v.gov]).await.unwrap();
    let m: Market = load(&mut tc, &ix::market_address(1)).await;
    assert_eq!((m.status, m.oi_cap), (MarketStatus::ReduceOnly as u8, 0), "listed closed");
    let t = trader_with_position(&mut tc, &v, 1_000 * USD, 0).await;
    let buy = TradeParams { base: BASE, limit_price: i64::MAX, reduce_only: false };
    let open = ix::trade(t.key.pubkey(), t.margin, &v.keys, 1, feed, buy, &[(v.market, v.feed)]);
    assert_error(&mut tc, std::slice::from_ref(&open), &[&t.key], EngineError::ReduceOnlyViolated.into(), &[]).await;
    // Opening it is loosening: refused at once, changing nothing.
    let at_once = ix::set_param(v.gov.pubkey(), market(1, STATUS, MarketStatus::Active as u64));
    assert_error(&mut tc, &[at_once], &[&v.gov], EngineError::LooseningNeedsTimelock.into(), &[]).await;
    // Queued: not before the timelock, then by anyone.
    let (status_id, eta) = queue(&mut tc, &v, market(1, STATUS, MarketStatus::Active as u64)).await;
    let (cap_id, _) = queue(&mut tc, &v, market(1, OI_CAP, 100 * BASE as u64)).await;
    let early = ix::apply_change(status_id, 1, v.gov.pubkey());
    assert_error(&mut tc, &[early], &[], EngineError::TimelockPending.into(), &[]).await;
    v.hold_until(&mut tc, eta).await;
    let gov_lamports = tc.account(&v.gov.pubkey()).await.unwrap().lamports;
    let logs = tc.process_logged(&[ix::apply_change(status_id, 1, v.gov.pubkey())], &[]).await.unwrap();
    let ev: ParamChanged = find_event(&logs).expect("ParamChanged");
    assert_eq!((ev.target, ev.name.as_str(), ev.old, ev.new, ev.tightening), (1, "status", 1, 0, false));
    tc.process(&[ix::apply_change(cap_id, 1, v.gov.pubkey())], &[]).await.unwrap();
    assert!(tc.account(&ix::change_address(status_id)).await.is_none(), "applied changes are closed");
    assert!(tc.account(&v.gov.pubkey()).await.unwrap().lamports > gov_lamports, "rent refunded");
    tc.process(&[open], &[&t.key]).await.expect("open after the timelock");
}

#[tokio::test]
async fn tightening_applies_at_once_and_loosening_waits_for_the_timelock() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let g = v.gov.insecure_clone();
    let set = ix::set_param(g.pubkey(), market(0, BREAKER_COOLDOWN, 600));
    let logs = tc.process_logged(&[set], &[&g]).await.unwrap();
    let ev: ParamChanged = find_event(&logs).expect("ParamChanged");
    assert_eq!((ev.name.as_str(), ev.old, ev.new, ev.tightening), ("breaker_cooldown_slots", 300, 600, true));
    assert_eq!(load::<Market>(&mut tc, &v.market).await.params.breaker_cooldown_slots, 600);
    let loosen = EngineError::LooseningNeedsTimelock.into();
    // A base-MMR raise can make healthy positions liquidatable at once (and
    // lowers the IMR scaled by imr/mmr): timelocked both ways.
    let timelocked = [market(0, MMR, 600), market(0, MMR, 550), market(0, FEE, 6), market(0, BAND, 2_500)];
    for c in timelocked.into_iter().chain([exchange(TIMELOCK, 40)]) {
        assert_error(&mut tc, &[ix::set_param(g.pubkey(), c)], &[&g], loosen, &[v.market]).await;
    }
    // Lengthening the timelock is tightening; shortening it waits.
    tc.process(&[ix::set_param(g.pubkey(), exchange(TIMELOCK, 100))], &[&g]).await.unwrap();
    let (id, eta) = queue(&mut tc, &v, exchange(TIMELOCK, 60)).await;
    assert_eq!(eta, tc.clock().await.slot + 100, "queued under the new, longer timelock");
    v.hold_until(&mut tc, eta).await;
    tc.process(&[ix::apply_change(id, EXCHANGE_TARGET, g.pubkey())], &[]).await.unwrap();
    assert_eq!(load::<Exchange>(&mut tc, &ix::exchange_address()).await.timelock_slots, 60);
    // Key changes are always timelocked: the new guardian acts only after.
    let new_guardian = ballast_tests::context::keypair();
    let c = ParamChange { target: EXCHANGE_TARGET, field: GUARDIAN_FIELD, value: 0, key: new_guardian.pubkey() };
    assert_error(&mut tc, &[ix::set_param(g.pubkey(), c)], &[&g], loosen, &[]).await;
    let (id, eta) = queue(&mut tc, &v, c).await;
    v.hold_until(&mut tc, eta).await;
    tc.process(&[ix::apply_change(id, EXCHANGE_TARGET, g.pubkey())], &[]).await.unwrap();
    let pause = ix::guardian_pause(v.guardian.pubkey(), 1, 10);
    assert_error(&mut tc, &[pause], &[&v.guardian], EngineError::NotGuardian.into(), &[]).await;
    tc.process(&[ix::guardian_pause(new_guardian.pubkey(), 1, 10)], &[&new_guardian]).await.unwrap();
}

#[tokio::test]
async fn every_change_is_checked_for_bounds_step_and_cross_field_rules() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let gov = v.gov.insecure_clone();
    let g = &gov;
    let set = |c| ix::set_param(g.pubkey(), c);
    let cases: [(ParamChange, EngineError); 6] = [
        (market(0, IMR, 2_001), EngineError::StepTooLarge),
        (market(0, MMR, 1_000), EngineError::ParamOutOfBounds), // MMR must stay below IMR (1,000)
        (market(0, IMR, 10_001), EngineError::StepTooLarge),
        (market(0, 38, 1), EngineError::UnknownField),
        (exchange(22, 1), EngineError::UnknownField),
        (exchange(TIMELOCK, 10_000_001), EngineError::StepTooLarge),
    ];
    for (c, err) in cases {
        assert_error(&mut tc, &[set(c)], &[g], err.into(), &[v.market]).await;
    }
    // Cross-field rules are checked when queued, too: at an IMR of 1,500
    // the market's 5,000 bps maximum MMR would scale IMR past 100 %.
    let id = next_id(&mut tc).await;
    let q = ix::queue_change(g.pubkey(), id, market(0, IMR, 1_500));
    assert_error(&mut tc, &[q], &[g], EngineError::ParamOutOfBounds.into(), &[ix::change_address(id)]).await;
    // The band tightens step by step down to its floor of 50 bps, one
    // factor of 2 per timelock window.
    for band in [1_000, 500, 250, 125, 63, 50] {
        tc.process(&[set(market(0, BAND, band))], &[g]).await.unwrap();
        let slot = tc.clock().await.slot;
        v.hold_until(&mut tc, slot + 50).await;
    }
    assert_error(&mut tc, &[set(market(0, BAND, 49))], &[g], EngineError::ParamOutOfBounds.into(), &[]).await;
    // Wrong target accounts and signers.
    // A change to market 1 passing market 0's account.
    let mut wrong = set(market(1, MMR, 600));
    wrong.accounts[4].pubkey = v.market;
    assert_error(&mut tc, &[wrong], &[g], EngineError::WrongChangeTarget.into(), &[]).await;
    let mut extra = set(exchange(TIMELOCK, 60));
    extra.accounts.push(solana_sdk::instruction::AccountMeta::new(v.market, false));
    assert_error(&mut tc, &[extra], &[g], EngineError::WrongChangeTarget.into(), &[]).await;
    let t = trader_with_position(&mut tc, &v, USD, 0).await;
    let not_gov = ix::set_param(t.key.pubkey(), market(0, IMR, 1_100));
    assert_error(&mut tc, &[not_gov], &[&t.key], EngineError::NotGovernance.into(), &[]).await;
}

#[tokio::test]
async fn governance_cancels_a_queued_change_and_nobody_else_can() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let (id, eta) = queue(&mut tc, &v, market(0, IMR, 800)).await;
    let t = trader_with_position(&mut tc, &v, USD, 0).await;
    let not_gov = ix::cancel_change(t.key.pubkey(), id, v.gov.pubkey());
    assert_error(&mut tc, &[not_gov], &[&t.key], EngineError::NotGovernance.into(), &[]).await;
    let logs = tc.process_logged(&[ix::cancel_change(v.gov.pubkey(), id, v.gov.pubkey())], &[&v.gov]).await.unwrap();
    assert_eq!(find_event::<ChangeCancelled>(&logs).expect("ChangeCancelled").id, id);
    assert!(tc.account(&ix::change_address(id)).await.is_none());
    v.hold_until(&mut tc, eta).await;
    let apply = ix::apply_change(id, 0, v.gov.pubkey());
    assert!(tc.process(&[apply], &[]).await.is_err(), "a cancelled change is gone");
    assert_eq!(load::<Market>(&mut tc, &v.market).await.params.imr_bps, 1_000);
}

#[tokio::test]
async fn the_gov_cli_previews_queues_applies_and_exports_against_the_bank() {
    use ballast_cli::gov_cmd::{run, ChangeArgs, GovCommand};
    use ballast_cli::session::Session;
    use ballast_cli::Output;
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let backend = tc.backend();
    let args =
        |changes: &[&str]| ChangeArgs { market: Some(0), changes: changes.iter().map(|s| s.to_string()).collect() };
    let gov = v.gov.insecure_clone();
    let as_gov = |output| Session::new(&backend, Ok(&gov), output, false);
    let unsigned = Session::new(&backend, Err("no keypair: pass -k/--keypair".into()), Output::Json, false);
    // A refused change is never sent; a loosening one is not `set`.
    let err = run(&as_gov(Output::Json), &GovCommand::Queue(args(&["imr_bps=2001"]))).await.unwrap_err();
    assert!(err.to_string().contains("StepTooLarge"), "{err}");
    let err = run(&as_gov(Output::Json), &GovCommand::Set(args(&["fee_bps=4"]))).await.unwrap_err();
    assert!(err.to_string().contains("must be queued"), "{err}");
    assert_eq!(next_id(&mut tc).await, 0, "nothing was queued");
    let err = run(&unsigned, &GovCommand::Set(args(&["breaker_cooldown_slots=600"]))).await.unwrap_err();
    assert!(err.to_string().contains("-k/--keypair"), "{err}");
    // Tightening at once; loosening queued, then applied by anyone.
    run(&as_gov(Output::Display), &GovCommand::Set(args(&["breaker_cooldown_slots=600"]))).await.unwrap();
    run(&as_gov(Output::Display), &GovCommand::Queue(args(&["fee_bps=4", "band_bps=2500"]))).await.unwrap();
    assert_eq!(next_id(&mut tc).await, 2);
    run(&unsigned, &GovCommand::Show).await.unwrap();
    let eta = load::<margin_engine::state::PendingChange>(&mut tc, &ix::change_address(1)).await.eta_slot;
    v.hold_until(&mut tc, eta).await;
    let anyone = ballast_tests::venue::trader(&mut tc, &v, 0).await.key;
    for id in [0, 1] {
        run(&Session::new(&backend, Ok(&anyone), Output::Display, false), &GovCommand::Apply { id }).await.unwrap();
    }
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!((m.params.breaker_cooldown_slots, m.params.fee_bps, m.params.band_bps), (600, 4, 2_500));
    // Export signs nothing and changes nothing.
    let export = GovCommand::Export { change: args(&["fee_bps=5"]), governance: None };
    run(&unsigned, &export).await.unwrap();
    assert_eq!(next_id(&mut tc).await, 2);
}

/// The pool-charge fields (market 28-37, exchange 18-20): each is refused
/// outside its bounds (when queued, too), a change that is not a
/// tightening is refused at once and lands after the timelock, and the
/// reserve factors tighten at once only downwards.
#[tokio::test]
async fn every_pool_charge_field_is_bounded_and_timelocked() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let gov = v.gov.insecure_clone();
    let g = &gov;
    let set = |c| ix::set_param(g.pubkey(), c);
    let out = EngineError::ParamOutOfBounds.into();
    let loosen = EngineError::LooseningNeedsTimelock.into();
    // (code, a value inside the bounds, the nearest value outside them
    // within one step). `max_impact_bps` (100) is more than a step from
    // its bound of 2,000: the validation every change runs is checked on
    // it directly, below.
    let market_fields: [(u8, u64, u64); 8] = [
        (28, 500, 10_001),
        (29, 200, 10_001),
        (30, 1, 1_001),
        (31, 5, 10_001),
        (32, 9_000, 10_001),
        (33, 100, 100_001),
        (34, 3, 4),
        (35, 50, 1_001),
    ];
    let mut queued = Vec::new();
    for (code, inside, outside) in market_fields {
        assert_error(&mut tc, &[set(market(0, code, outside))], &[g], out, &[v.market]).await;
        let id = next_id(&mut tc).await;
        let q = ix::queue_change(g.pubkey(), id, market(0, code, outside));
        assert_error(&mut tc, &[q], &[g], out, &[ix::change_address(id)]).await;
        assert_error(&mut tc, &[set(market(0, code, inside))], &[g], loosen, &[v.market]).await;
        queued.push((queue(&mut tc, &v, market(0, code, inside)).await, code, inside));
    }
    // The rebate is bounded by the charge factor, which is still 0.
    assert_error(&mut tc, &[set(market(0, 36, 1))], &[g], out, &[v.market]).await;
    queued.push((queue(&mut tc, &v, market(0, 37, 200)).await, 37, 200));
    let exchange_fields: [(u8, u64, u64); 1] = [(18, 6_000, 8_001)]; // 20 % goes to insurance
    for (code, inside, outside) in exchange_fields {
        assert_error(&mut tc, &[set(exchange(code, outside))], &[g], out, &[]).await;
        assert_error(&mut tc, &[set(exchange(code, inside))], &[g], loosen, &[]).await;
        queued.push((queue(&mut tc, &v, exchange(code, inside)).await, code, inside));
    }
    let eta = queued.iter().map(|((_, eta), _, _)| *eta).max().unwrap();
    v.hold_until(&mut tc, eta).await;
    for ((id, _), code, _) in &queued {
        let target = if *code == 18 { EXCHANGE_TARGET } else { 0 };
        tc.process(&[ix::apply_change(*id, target, g.pubkey())], &[]).await.expect("applied after the timelock");
    }
    let m: Market = load(&mut tc, &v.market).await;
    let p = &m.params;
    assert_eq!(
        [p.funding_factor_ppm, p.max_funding_ppm, p.borrow_base_ppm, p.borrow_slope_ppm, p.borrow_kink_bps],
        [500, 200, 1, 5, 9_000]
    );
    assert_eq!([p.borrow_jump_ppm, p.impact_exponent, p.impact_factor_bps, p.max_impact_bps], [100, 3, 50, 200]);
    let ex: Exchange = load(&mut tc, &ix::exchange_address()).await;
    assert_eq!(ex.lp_fee_share_bps, 6_000);
    let mut listed = AddMarketParams::of(&m);
    listed.max_impact_bps = 2_001;
    assert_eq!(listed.violation().map(|v| v.field), Some("max_impact_bps"), "the same validation every change runs");
    // Now the rebate may rise to the charge factor, behind the timelock.
    assert_error(&mut tc, &[set(market(0, 36, 51))], &[g], out, &[v.market]).await;
    assert_error(&mut tc, &[set(market(0, 36, 25))], &[g], loosen, &[v.market]).await;
    // Lowering a reserve factor tightens: at once. Raising it waits, and
    // the stress factor may not pass the normal one, nor the normal one the
    // bound's top (no cap).
    tc.process(&[set(exchange(20, 500_000))], &[g]).await.expect("a lower stress factor applies at once");
    tc.process(&[set(exchange(19, 500_000))], &[g]).await.expect("so does a lower reserve factor");
    assert_error(&mut tc, &[set(exchange(20, 500_001))], &[g], out, &[]).await;
    assert_error(&mut tc, &[set(exchange(19, 500_001))], &[g], loosen, &[]).await;
    let id = next_id(&mut tc).await;
    let q = ix::queue_change(g.pubkey(), id, exchange(19, 1_000_001));
    assert_error(&mut tc, &[q], &[g], EngineError::StepTooLarge.into(), &[ix::change_address(id)]).await;
    let ex: Exchange = load(&mut tc, &ix::exchange_address()).await;
    assert_eq!((ex.reserve_factor_bps, ex.stress_reserve_factor_bps), (500_000, 500_000));
}
