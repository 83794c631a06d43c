//! The guardian: pauses and reduce-only holds that only tighten, expire by
//! themselves, are rate-limited, and that governance can lift early.

use ballast_client::engine as ix;
use ballast_tests::adapter::find_event;
use ballast_tests::assertions::assert_error;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{assert_conservation, load, market_order, patch, trader, trader_with_position};
use ballast_tests::venue::{venue, BASE, USD};
use margin_engine::constants::pause;
use margin_engine::errors::EngineError;
use margin_engine::events::{GuardianHold, GuardianPaused, PauseSet};
use margin_engine::state::{Exchange, Market};
use solana_sdk::instruction::Instruction;
use solana_sdk::signature::{Keypair, Signer};

#[tokio::test]
async fn every_pause_bit_blocks_exactly_its_operations_and_governance_lifts_it_early() {
    let (mut tc, v) = venue(100 * ONE, 100_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 500 * USD, BASE).await;
    ballast_tests::venue::mint_to(&mut tc, &v.keys.collateral_mint, &v.mint_authority, &t.token, 100 * USD).await;
    let k = trader(&mut tc, &v, 0).await;
    patch::<Exchange>(&mut tc, &ix::exchange_address(), |e| e.max_pauses_per_day = 10).await;
    let owner = t.key.pubkey();
    let lp = &v.lp.0;
    let ops: [(u32, Instruction, &Keypair); 5] = [
        (pause::DEPOSIT, ix::deposit(owner, t.margin, t.token, &v.keys, USD), &t.key),
        (pause::WITHDRAW, ix::withdraw(owner, t.margin, t.token, &v.keys, USD, &[(v.market, v.feed)]), &t.key),
        (pause::TRADE, market_order(&t, &v, -BASE / 100), &t.key),
        (pause::LP, ix::lp_deposit(lp.pubkey(), v.lp.1, &v.keys, USD, 0, &v.markets()), lp),
        (pause::LIQUIDATE, ix::liquidate(k.key.pubkey(), k.token, t.margin, &v.keys, 0, v.feed, &[]), &k.key),
    ];
    ballast_tests::venue::mint_to(&mut tc, &v.keys.collateral_mint, &v.mint_authority, &v.lp.1, 10 * USD).await;
    for (bit, _, _) in &ops {
        let logs = tc.process_logged(&[ix::guardian_pause(v.guardian.pubkey(), *bit, 100)], &[&v.guardian]).await;
        let ev: GuardianPaused = find_event(&logs.expect("guardian_pause")).expect("GuardianPaused");
        assert_eq!(ev.bits, *bit);
        for (other, i, signer) in &ops {
            if other == bit {
                assert_error(&mut tc, std::slice::from_ref(i), &[*signer], EngineError::Paused.into(), &[]).await;
            } else if *other == pause::LIQUIDATE {
                // Not paused: it reaches its own check (the account is healthy).
                assert_error(&mut tc, std::slice::from_ref(i), &[*signer], EngineError::NotLiquidatable.into(), &[])
                    .await;
            } else {
                tc.process(std::slice::from_ref(i), &[*signer]).await.expect("an unpaused operation");
            }
        }
        // Governance lifts it early.
        let logs = tc.process_logged(&[ix::set_pause(v.gov.pubkey(), 0, &[])], &[&v.gov]).await;
        assert_eq!(find_event::<PauseSet>(&logs.expect("set_pause")).expect("PauseSet").bits, 0);
        let (i, signer) = ops.iter().find(|(b, _, _)| b == bit).map(|(_, i, s)| (i.clone(), *s)).unwrap();
        if *bit == pause::LIQUIDATE {
            assert_error(&mut tc, &[i], &[signer], EngineError::NotLiquidatable.into(), &[]).await;
        } else {
            tc.process(&[i], &[signer]).await.expect("lifted");
        }
    }
    assert_conservation(&mut tc, &v, &[t.margin, k.margin]).await;
}

#[tokio::test]
async fn guardian_pauses_expire_by_themselves_and_the_rate_limit_holds() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 500 * USD, BASE).await;
    let g = &v.guardian.insecure_clone();
    let p = |bits, slots| ix::guardian_pause(g.pubkey(), bits, slots);
    let (duration, limited) = (EngineError::GuardianDuration.into(), EngineError::GuardianRateLimited.into());
    assert_error(&mut tc, &[p(pause::TRADE, 0)], &[g], duration, &[]).await;
    assert_error(&mut tc, &[p(pause::TRADE, 1_001)], &[g], duration, &[]).await;
    tc.process(&[p(pause::TRADE, 50)], &[g]).await.expect("first pause");
    assert_error(&mut tc, &[market_order(&t, &v, BASE / 10)], &[&t.key], EngineError::Paused.into(), &[]).await;
    let slot = tc.clock().await.slot + 50;
    v.hold_until(&mut tc, slot).await;
    tc.process(&[market_order(&t, &v, BASE / 10)], &[&t.key]).await.expect("the pause lapsed by itself");
    // Two in a run is the limit: a third right after is refused.
    tc.process(&[p(pause::TRADE, 50)], &[g]).await.expect("second in the run");
    assert_error(&mut tc, &[p(pause::DEPOSIT, 10)], &[g], limited, &[]).await;
    // Governance acting restarts the run; the day still counts: 3 a day.
    tc.process(&[ix::set_pause(v.gov.pubkey(), 0, &[])], &[&v.gov]).await.expect("lift");
    tc.process(&[p(pause::DEPOSIT, 10)], &[g]).await.expect("a new run");
    tc.process(&[ix::set_pause(v.gov.pubkey(), 0, &[])], &[&v.gov]).await.expect("lift");
    assert_error(&mut tc, &[p(pause::DEPOSIT, 10)], &[g], limited, &[]).await;
    let ex: Exchange = load(&mut tc, &ix::exchange_address()).await;
    assert_eq!((ex.guardian_day_count, ex.guardian_consecutive), (3, 0));
}

#[tokio::test]
async fn no_guardian_action_can_loosen_anything() {
    let (mut tc, v) = venue(100 * ONE, 100_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 500 * USD, BASE).await;
    let g = &v.guardian;
    let not_governance = EngineError::NotGovernance.into();
    // Governance's instructions refuse the guardian.
    assert_error(&mut tc, &[ix::set_pause(g.pubkey(), 0, &[])], &[g], not_governance, &[]).await;
    let w = margin_engine::instructions::ParamChange {
        target: margin_engine::engine::governance::EXCHANGE_TARGET,
        field: margin_engine::engine::governance::INSURANCE_WITHDRAWAL_FIELD,
        value: 1,
        key: t.token,
    };
    let w = ix::queue_change(g.pubkey(), 0, w);
    assert_error(&mut tc, &[w], &[g], not_governance, &[]).await;
    // And the guardian's refuse anyone else.
    let not_guardian = ix::guardian_pause(t.key.pubkey(), pause::TRADE, 10);
    assert_error(&mut tc, &[not_guardian], &[&t.key], EngineError::NotGuardian.into(), &[]).await;
    // No bits, unknown bits: refused.
    let bad = EngineError::InvalidPauseBits.into();
    assert_error(&mut tc, &[ix::guardian_pause(g.pubkey(), 0, 10)], &[g], bad, &[]).await;
    assert_error(&mut tc, &[ix::guardian_pause(g.pubkey(), 1 << 5, 10)], &[g], bad, &[]).await;
    // A shorter request adds its bits but never shortens the running pause
    // (limits raised so the rate limit does not interfere).
    patch::<Exchange>(&mut tc, &ix::exchange_address(), |e| {
        (e.max_consecutive_pauses, e.max_pauses_per_day) = (10, 10)
    })
    .await;
    let logs = tc.process_logged(&[ix::guardian_pause(g.pubkey(), pause::TRADE, 500)], &[g]).await.unwrap();
    let first: GuardianPaused = find_event(&logs).unwrap();
    let logs = tc.process_logged(&[ix::guardian_pause(g.pubkey(), pause::DEPOSIT, 10)], &[g]).await.unwrap();
    let second: GuardianPaused = find_event(&logs).unwrap();
    assert_eq!((second.bits, second.until_slot), (pause::TRADE | pause::DEPOSIT, first.until_slot));
    tc.process(&[ix::set_pause(v.gov.pubkey(), 0, &[])], &[&v.gov]).await.expect("lift");
    // A reduce-only hold: increases refused, exits open; a shorter hold
    // never shortens it; governance lifts it.
    let logs = tc.process_logged(&[ix::guardian_reduce_only(g.pubkey(), 0, 100)], &[g]).await.unwrap();
    let hold: GuardianHold = find_event(&logs).unwrap();
    tc.process(&[ix::guardian_reduce_only(g.pubkey(), 0, 5)], &[g]).await.unwrap();
    assert_eq!(load::<Market>(&mut tc, &v.market).await.guardian_until_slot, hold.until_slot);
    let ro = EngineError::ReduceOnlyViolated.into();
    assert_error(&mut tc, &[market_order(&t, &v, BASE / 10)], &[&t.key], ro, &[]).await;
    tc.process(&[market_order(&t, &v, -BASE / 10)], &[&t.key]).await.expect("reducing in a held market");
    tc.process(&[ix::set_pause(v.gov.pubkey(), 0, &[v.market])], &[&v.gov]).await.expect("lift the hold");
    tc.process(&[market_order(&t, &v, BASE / 10)], &[&t.key]).await.expect("released");
    assert_conservation(&mut tc, &v, &[t.margin]).await;
}

#[tokio::test]
async fn a_guardian_margin_raise_tightens_at_once_never_loosens_and_expires() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 200 * USD, 9 * BASE).await;
    let g = v.guardian.insecure_clone();
    let raise = |slots, mult| ix::guardian_raise_margin(g.pubkey(), 0, slots, mult);
    // At most 4x, more than 1x: lowering is not expressible.
    for bad in [10_000, 9_000, 40_001] {
        assert_error(&mut tc, &[raise(100, bad)], &[&g], EngineError::ParamOutOfBounds.into(), &[]).await;
    }
    // 3x: the initial requirement (30 % of 900) exceeds the equity at once.
    let logs = tc.process_logged(&[raise(100, 30_000)], &[&g]).await.unwrap();
    let ev: margin_engine::events::GuardianMarginRaised = find_event(&logs).expect("GuardianMarginRaised");
    assert_eq!(ev.mult_bps, 30_000);
    let more = market_order(&t, &v, BASE);
    assert_error(&mut tc, std::slice::from_ref(&more), &[&t.key], EngineError::InitialHealthNegative.into(), &[]).await;
    // A smaller raise keeps the larger multiplier.
    patch::<Exchange>(&mut tc, &ix::exchange_address(), |e| e.max_consecutive_pauses = 10).await;
    tc.process(&[raise(10, 15_000)], &[&g]).await.unwrap();
    assert_eq!(load::<Market>(&mut tc, &v.market).await.guardian_margin_mult_bps, 30_000);
    // It expires by itself.
    let slot = tc.clock().await.slot + 100;
    v.hold_until(&mut tc, slot).await;
    tc.process(&[more], &[&t.key]).await.expect("the raise lapsed");
    // And governance can lift it early.
    tc.process(&[raise(100, 30_000)], &[&g]).await.unwrap();
    assert_error(&mut tc, &[market_order(&t, &v, BASE)], &[&t.key], EngineError::InitialHealthNegative.into(), &[])
        .await;
    tc.process(&[ix::set_pause(v.gov.pubkey(), 0, &[v.market])], &[&v.gov]).await.unwrap();
    tc.process(&[market_order(&t, &v, BASE / 10)], &[&t.key]).await.expect("lifted");
}
