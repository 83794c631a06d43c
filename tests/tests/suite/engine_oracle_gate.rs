//! The oracle gate through both programs (SECURITY.md rows 25-27): a price
//! only some sources support never liquidates anyone or releases
//! collateral, and a price every source agrees on never stops liquidations
//! or closes.

use ballast_client::engine as ix;
use ballast_client::simulate::Sim;
use ballast_client::venue::load_venue;
use ballast_keeper::{Config, Keeper};
use ballast_risk::oracle::Validity;
use ballast_tests::adapter::{find_event, load_feed, refresh};
use ballast_tests::assertions::{assert_error, tx_error};
use ballast_tests::context::TestContext;
use ballast_tests::fixtures::{SourceFixture, ONE};
use ballast_tests::venue::{assert_conservation, balance, load, trader, trader_with_position, venue};
use ballast_tests::venue::{Trader, Venue, BASE, S0, T0, USD};
use margin_engine::errors::EngineError;
use margin_engine::events::Liquidated;
use margin_engine::instructions::TradeParams;
use margin_engine::state::MarginAccount;
use oracle_adapter::errors::AdapterError;
use oracle_adapter::sources::SourceKind;
use solana_sdk::instruction::{Instruction, InstructionError};
use solana_sdk::signature::Signer;
use solana_sdk::transaction::TransactionError;

fn liquidate_ix(k: &Trader, target: &Trader, v: &Venue) -> Instruction {
    ix::liquidate(k.key.pubkey(), k.token, target.margin, &v.keys, 0, v.feed, &[])
}

fn withdraw_ix(t: &Trader, v: &Venue, amount: u64) -> Instruction {
    ix::withdraw(t.key.pubkey(), t.margin, t.token, &v.keys, amount, &[(v.market, v.feed)])
}

fn close_ix(t: &Trader, v: &Venue, base: i64) -> Instruction {
    let limit = if base > 0 { i64::MAX } else { 1 };
    ix::trade(
        t.key.pubkey(),
        t.margin,
        &v.keys,
        0,
        v.feed,
        TradeParams { base, limit_price: limit, reduce_only: true },
        &[],
    )
}

/// Have source `i` publish `price` at the bank's clock, without a refresh.
async fn publish_one(tc: &mut TestContext, v: &mut Venue, i: usize, price: i64) {
    let c = tc.clock().await;
    v.sources[i] = v.sources[i].at(price, c.unix_timestamp, c.slot);
    tc.set_account(&v.sources[i].address, &v.sources[i].account());
}

/// Set the two sources at the next slot to `a` and `b` and refresh.
async fn dispute(tc: &mut TestContext, v: &mut Venue, a: i64, b: i64) {
    tc.set_clock(S0 + 1, T0 + 1).await;
    publish_one(tc, v, 0, a).await;
    publish_one(tc, v, 1, b).await;
    refresh(tc, &v.feed, &v.sources).await.expect("refresh");
    assert_eq!(Validity::from_u8(load_feed(tc, &v.feed).await.validity), Validity::TooUncertain);
}

async fn base_of(tc: &mut TestContext, t: &Trader) -> i64 {
    load::<MarginAccount>(tc, &t.margin).await.open_positions().next().map_or(0, |p| p.base)
}

#[tokio::test]
async fn row26_an_honest_short_is_not_liquidated_while_one_source_is_pushed_30pct() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let short = trader_with_position(&mut tc, &v, 100 * USD, -9 * BASE).await; // about 9x
    let k = trader(&mut tc, &v, 0).await;
    // One source pushed 30 %: the median moves 15 %, where this short would
    // be far below maintenance. At the honest source it is healthy.
    dispute(&mut tc, &mut v, 100 * ONE, 130 * ONE).await;
    let refused = EngineError::NotLiquidatable.into();
    assert_error(&mut tc, &[liquidate_ix(&k, &short, &v)], &[&k.key], refused, &[]).await;
    // Success twin: once every source is above the short's maintenance
    // line, it is liquidated, and fills at the lowest source (k = 1, no conf).
    dispute(&mut tc, &mut v, 108 * ONE, 140 * ONE).await;
    let logs = tc.process_logged(&[liquidate_ix(&k, &short, &v)], &[&k.key]).await.expect("liquidate");
    let ev: Liquidated = find_event(&logs).expect("Liquidated");
    assert_eq!(ev.price, 108 * ONE, "filled at the source least adverse to the short");
    assert!(ev.base > 0 && ev.health_after > ev.health_before);
    assert_conservation(&mut tc, &v, &[short.margin, k.margin]).await;
}

#[tokio::test]
async fn row26_a_long_is_not_liquidated_on_one_source_pushed_down() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let long = trader_with_position(&mut tc, &v, 100 * USD, 9 * BASE).await;
    let k = trader(&mut tc, &v, 0).await;
    dispute(&mut tc, &mut v, 70 * ONE, 100 * ONE).await;
    assert_error(&mut tc, &[liquidate_ix(&k, &long, &v)], &[&k.key], EngineError::NotLiquidatable.into(), &[]).await;
    dispute(&mut tc, &mut v, 70 * ONE, 93 * ONE).await;
    let logs = tc.process_logged(&[liquidate_ix(&k, &long, &v)], &[&k.key]).await.expect("liquidate");
    let ev: Liquidated = find_event(&logs).expect("Liquidated");
    assert_eq!(ev.price, 93 * ONE, "filled at the source least adverse to the long");
}

#[tokio::test]
async fn row25_26_a_withdrawal_cannot_use_a_pushed_or_hand_picked_source() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 1_000 * USD, 50 * BASE).await; // 5x long
    let venue_now = load_venue(&tc.backend()).await.unwrap();
    let acc: MarginAccount = load(&mut tc, &t.margin).await;
    let headroom = Sim::new(&venue_now).max_withdraw(&acc);
    assert!(headroom > 400 * USD, "{headroom}");
    // One unit beyond the honest headroom is refused at the honest price.
    let over = withdraw_ix(&t, &v, headroom + 1);
    assert_error(&mut tc, std::slice::from_ref(&over), &[&t.key], EngineError::InitialHealthNegative.into(), &[]).await;

    // Source B pushed 30 % up; refreshing with both sources disputes the
    // feed, and nothing leaves.
    tc.set_clock(S0 + 1, T0 + 1).await;
    publish_one(&mut tc, &mut v, 0, 100 * ONE).await;
    publish_one(&mut tc, &mut v, 1, 130 * ONE).await;
    let both = ballast_client::oracle::refresh(v.feed, &[v.sources[0].address, v.sources[1].address]);
    assert_error(&mut tc, &[both, over.clone()], &[&t.key], EngineError::OracleGate.into(), &[]).await;
    // Refreshing with only B, or with junk in A's place, fails the whole
    // transaction at the refresh: the caller cannot pick the price.
    let junk = SourceFixture::new(SourceKind::PythPull, 130 * ONE, 0, T0 + 1, S0 + 1);
    tc.set_account(&junk.address, &junk.account());
    let vault_before = balance(&mut tc, &v.keys.collateral_vault).await;
    for (sources, code) in [
        (vec![v.sources[1].address], AdapterError::SourceCountMismatch),
        (vec![junk.address, v.sources[1].address], AdapterError::SourceMismatch),
    ] {
        let picked = ballast_client::oracle::refresh(v.feed, &sources);
        let err = tc.process(&[picked, over.clone()], &[&t.key]).await.expect_err("refused");
        assert_eq!(tx_error(err), TransactionError::InstructionError(1, InstructionError::Custom(code.into())));
    }
    assert_eq!(balance(&mut tc, &v.keys.collateral_vault).await, vault_before);

    // Success twin: with B honest again, exactly the honest headroom leaves.
    publish_one(&mut tc, &mut v, 1, 100 * ONE).await;
    let before = balance(&mut tc, &t.token).await;
    let honest = ballast_client::oracle::refresh(v.feed, &[v.sources[0].address, v.sources[1].address]);
    tc.process(&[honest, withdraw_ix(&t, &v, headroom)], &[&t.key]).await.expect("withdraw the headroom");
    assert_eq!(balance(&mut tc, &t.token).await, before + headroom);
    assert_conservation(&mut tc, &v, &[t.margin]).await;
}

#[tokio::test]
async fn row27_an_agreed_40pct_crash_is_liquidated_at_once_and_closes_never_wait() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    let victim = trader_with_position(&mut tc, &v, 1_000 * USD, 24 * BASE).await; // 2.4x long
    let closer = trader_with_position(&mut tc, &v, 10_000 * USD, 20 * BASE).await;
    let opener = trader_with_position(&mut tc, &v, 1_000 * USD, 0).await;
    let k = trader(&mut tc, &v, 0).await;
    let mut keeper =
        Keeper::new(tc.backend(), k.key.insecure_clone(), k.token, Config { backoff_ms: 0, ..Config::default() });
    // Every source agrees: 100 -> 60 in one slot, 40 % beyond the EMA.
    let (t1, s1) = (T0 + 1, S0 + 1);
    v.set_price(&mut tc, 60 * ONE, 0, t1, s1).await;
    assert_eq!(Validity::from_u8(load_feed(&mut tc, &v.feed).await.validity), Validity::TooVolatile);

    // The next keeper pass liquidates the account that became unhealthy.
    tc.set_clock(s1 + 1, t1 + 1).await;
    let report = keeper.tick().await.expect("tick");
    assert_eq!((report.unhealthy, report.blocked, report.rejected), (1, 0, 0), "{report}");
    assert!(report.calls >= 1 && base_of(&mut tc, &victim).await < 24 * BASE, "{report}");

    // Every slot of the confirmation window and after it: a reduce-only
    // close lands. The feed serves new risk again once the window ends;
    // the breaker (the tool for agreed moves) holds it for its cooldown.
    let guards = load_feed(&mut tc, &v.feed).await;
    let window = guards.jump_confirm_slots as u64;
    let open = ballast_tests::venue::market_order(&opener, &v, BASE);
    for i in 2..window + 5 {
        let (t, slot) = (t1 + i as i64, s1 + i);
        v.set_price(&mut tc, 60 * ONE, 0, t, slot).await;
        let validity = Validity::from_u8(load_feed(&mut tc, &v.feed).await.validity);
        let held = base_of(&mut tc, &closer).await;
        tc.process(&[close_ix(&closer, &v, -BASE / 10)], &[&closer.key]).await.expect("a close lands in every slot");
        assert_eq!(base_of(&mut tc, &closer).await, held - BASE / 10);
        // The breaker tripped on the first close: it holds new risk.
        assert_error(&mut tc, std::slice::from_ref(&open), &[&opener.key], EngineError::BreakerTripped.into(), &[])
            .await;
        let open_gate = ix::gated_price("SOL", 0);
        if i < window {
            assert_eq!(validity, Validity::TooVolatile, "slot {i} of the window");
            assert_error(&mut tc, &[open_gate], &[], EngineError::OracleGate.into(), &[]).await;
        } else {
            assert_eq!(validity, Validity::Valid, "confirmed after the window: slot {i}");
            let feed = load_feed(&mut tc, &v.feed).await;
            assert_eq!(feed.ema_price, 60 * ONE, "the EMA re-anchored at the agreed price");
            tc.process(&[open_gate], &[]).await.expect("the feed serves new risk again");
        }
    }
    assert_conservation(&mut tc, &v, &[victim.margin, closer.margin, opener.margin, k.margin]).await;
}

#[tokio::test]
async fn row28_a_future_dated_source_never_blocks_a_newer_honest_one() {
    let (mut tc, v) = venue(100 * ONE, 0).await;
    let s = v.sources.clone();
    // 50 s ahead (tolerance 2 s): refused by verdict, the other source prices.
    tc.set_clock(S0 + 1, T0 + 1).await;
    let ahead = s[0].at(101 * ONE, T0 + 51, S0 + 1);
    let ev = refresh(&mut tc, &v.feed, &[ahead, s[1].at(101 * ONE, T0 + 1, S0 + 1)]).await.unwrap();
    assert_eq!(ev.verdicts[..2], [ballast_risk::oracle::Verdict::FutureTimestamp as u8, 0]);
    assert_eq!(load_feed(&mut tc, &v.feed).await.publish_time, T0 + 1);
    // 2 s ahead: accepted, counted as now.
    tc.set_clock(S0 + 2, T0 + 2).await;
    let ahead = s[0].at(102 * ONE, T0 + 4, S0 + 2);
    let ev = refresh(&mut tc, &v.feed, &[ahead, s[1].at(102 * ONE, T0 + 2, S0 + 2)]).await.unwrap();
    assert_eq!(ev.verdicts[..2], [0, 0]);
    assert_eq!(load_feed(&mut tc, &v.feed).await.publish_time, T0 + 2);
    // A slot ahead of the clock's is refused, whatever its time says.
    let slot_ahead = s[0].at(102 * ONE, T0 + 2, S0 + 3);
    let ev = refresh(&mut tc, &v.feed, &[slot_ahead, s[1].at(102 * ONE, T0 + 2, S0 + 2)]).await.unwrap();
    assert_eq!(ev.verdicts[..2], [ballast_risk::oracle::Verdict::FutureTimestamp as u8, 0]);
    // The next honest update, one second later, is applied.
    tc.set_clock(S0 + 3, T0 + 3).await;
    let honest: Vec<SourceFixture> = s.iter().map(|x| x.at(103 * ONE, T0 + 3, S0 + 3)).collect();
    let ev = refresh(&mut tc, &v.feed, &honest).await.unwrap();
    assert!(ev.applied);
    let f = load_feed(&mut tc, &v.feed).await;
    assert_eq!((f.price, f.publish_time), (103 * ONE, T0 + 3));
}

#[tokio::test]
async fn a_feed_of_the_previous_layout_is_refused_until_a_refresh_upgrades_it() {
    let (mut tc, mut v) = venue(100 * ONE, 0).await;
    // The previous layout: version 1, the new guard rails zero, and a
    // validity byte of the old order (2 was TooUncertain).
    ballast_tests::venue::patch::<oracle_adapter::state::PriceFeed>(&mut tc, &v.feed, |f| {
        (f.version, f.max_future_secs, f.jump_confirm_slots, f.validity) = (1, 0, 0, 2);
    })
    .await;
    let read = ix::gated_price("SOL", 1);
    assert_error(&mut tc, std::slice::from_ref(&read), &[], EngineError::NotAPriceFeed.into(), &[]).await;
    // Any refresh upgrades it, with the default guard rails, and prices it.
    v.set_price(&mut tc, 101 * ONE, 0, T0 + 1, S0 + 1).await;
    let f = load_feed(&mut tc, &v.feed).await;
    let defaults = ballast_risk::oracle::Guards::default_liquid();
    assert_eq!(
        (f.version, f.max_future_secs, f.jump_confirm_slots),
        (2, defaults.max_future_secs, defaults.jump_confirm_slots)
    );
    assert_eq!(
        (Validity::from_u8(f.validity), f.price, f.lo_price, f.hi_price),
        (Validity::Valid, 101 * ONE, 101 * ONE, 101 * ONE)
    );
    tc.process(&[read], &[]).await.expect("served again");
    // Any other version is refused by the refresh itself.
    ballast_tests::venue::patch::<oracle_adapter::state::PriceFeed>(&mut tc, &v.feed, |f| f.version = 7).await;
    let keys: Vec<_> = v.sources.iter().map(|s| s.address).collect();
    let code = AdapterError::FeedVersionUnsupported.into();
    assert_error(&mut tc, &[ballast_client::oracle::refresh(v.feed, &keys)], &[], code, &[]).await;
}
