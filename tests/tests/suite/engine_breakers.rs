//! The price-band circuit breaker through the real programs: an inline trip,
//! reduce-only with exits open, self-release after the cooldown, a second
//! trip, and the permissionless crank.

use ballast_client::engine as ix;
use ballast_tests::adapter::find_event;
use ballast_tests::assertions::assert_error;
use ballast_tests::context::TestContext;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{assert_conservation, load, market_order, trader, trader_with_position};
use ballast_tests::venue::{venue, Trader, Venue, BASE, S0, T0, USD};
use margin_engine::errors::EngineError;
use margin_engine::events::{BreakerReleased, BreakerTripped};
use margin_engine::state::Market;
use solana_sdk::signature::Signer;

async fn deposit(tc: &mut TestContext, v: &Venue, t: &Trader, amount: u64) {
    let d = ix::deposit(t.key.pubkey(), t.margin, t.token, &v.keys, amount);
    tc.process(&[d], &[&t.key]).await.expect("deposit");
}

#[tokio::test]
async fn a_band_trip_happens_inline_holds_the_market_reduce_only_with_exits_open_and_releases_itself() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let a = trader_with_position(&mut tc, &v, 1_000 * USD, 5 * BASE).await;
    let b = trader(&mut tc, &v, 1_000 * USD).await;
    deposit(&mut tc, &v, &b, 1_000 * USD).await;
    let accounts = [a.margin, b.margin];

    // 15 % below the EMA is inside the 20 % band: nothing trips.
    v.set_price(&mut tc, 85 * ONE, 0, T0 + 10, S0 + 10).await;
    let logs = tc.process_logged(&[market_order(&b, &v, BASE)], &[&b.key]).await.expect("inside the band");
    assert!(find_event::<BreakerTripped>(&logs).is_none());
    tc.process(&[market_order(&b, &v, -BASE)], &[&b.key]).await.expect("flat again");

    // 22 % below: the next instruction quoting the market trips it inline,
    // here a reducing trade, which goes through.
    let trip_slot = S0 + 20;
    v.set_price(&mut tc, 78 * ONE, 0, T0 + 20, trip_slot).await;
    let logs = tc.process_logged(&[market_order(&a, &v, -BASE)], &[&a.key]).await.expect("a reducing trade");
    let ev: BreakerTripped = find_event(&logs).expect("BreakerTripped");
    assert_eq!((ev.market, ev.price, ev.band_bps, ev.until_slot, ev.trips), (0, 78 * ONE, 2_000, trip_slot + 300, 1));
    assert!(ev.ema_price > 97 * ONE, "measured against the EMA: {}", ev.ema_price);
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!((m.breaker_until_slot, m.breaker_trips), (trip_slot + 300, 1));

    // Reduce-only: new risk is refused, changing nothing, on either side.
    let tripped = EngineError::BreakerTripped.into();
    assert_error(&mut tc, &[market_order(&b, &v, BASE)], &[&b.key], tripped, &[]).await;
    assert_error(&mut tc, &[market_order(&b, &v, -BASE)], &[&b.key], tripped, &[]).await;
    assert_error(&mut tc, &[market_order(&a, &v, BASE)], &[&a.key], tripped, &[]).await;
    // Exits stay open: a reducing trade and a withdrawal of free collateral.
    tc.process(&[market_order(&a, &v, -BASE)], &[&a.key]).await.expect("reduce");
    let w = ix::withdraw(a.key.pubkey(), a.margin, a.token, &v.keys, 100 * USD, &[(v.market, v.feed)]);
    tc.process(&[w], &[&a.key]).await.expect("withdraw free collateral");
    let w = ix::withdraw(b.key.pubkey(), b.margin, b.token, &v.keys, 100 * USD, &[]);
    tc.process(&[w], &[&b.key]).await.expect("withdraw without positions");
    assert_conservation(&mut tc, &v, &accounts).await;

    // The price recovers at once, but the cooldown holds the market.
    v.set_price(&mut tc, 99 * ONE, 0, T0 + 30, trip_slot + 100).await;
    assert_error(&mut tc, &[market_order(&b, &v, BASE)], &[&b.key], tripped, &[]).await;

    // At the end of the cooldown it releases by itself: the next trade is
    // accepted and reports the release.
    v.set_price(&mut tc, 99 * ONE, 0, T0 + 40, trip_slot + 300).await;
    let logs = tc.process_logged(&[market_order(&b, &v, BASE)], &[&b.key]).await.expect("released");
    let rel: BreakerReleased = find_event(&logs).expect("BreakerReleased");
    assert_eq!((rel.market, rel.slot), (0, trip_slot + 300));
    assert_eq!(load::<Market>(&mut tc, &v.market).await.breaker_until_slot, 0);

    // A second spike trips it again, this time through the crank.
    let second = trip_slot + 400;
    v.set_price(&mut tc, 78 * ONE, 0, T0 + 50, second).await;
    let logs = tc.process_logged(&[ix::refresh_breakers(&v.markets())], &[]).await.expect("refresh_breakers");
    let ev: BreakerTripped = find_event(&logs).expect("second trip");
    assert_eq!((ev.until_slot, ev.trips), (second + 300, 2));
    assert_error(&mut tc, &[market_order(&b, &v, BASE)], &[&b.key], tripped, &[]).await;
    assert_conservation(&mut tc, &v, &accounts).await;
}

#[tokio::test]
async fn the_breaker_crank_refuses_substituted_duplicate_or_missing_accounts() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    v.set_price(&mut tc, 78 * ONE, 0, T0 + 10, S0 + 10).await;
    let mismatch = EngineError::HealthAccountsMismatch.into();
    assert_error(&mut tc, &[ix::refresh_breakers(&[])], &[], mismatch, &[v.market]).await;
    let twice = ix::refresh_breakers(&[(v.market, v.feed), (v.market, v.feed)]);
    assert_error(&mut tc, &[twice], &[], mismatch, &[v.market]).await;
    let wrong_feed = ix::refresh_breakers(&[(v.market, ballast_client::oracle::config_address())]);
    assert_error(&mut tc, &[wrong_feed], &[], EngineError::WrongFeed.into(), &[v.market]).await;
    assert_eq!(load::<Market>(&mut tc, &v.market).await.breaker_until_slot, 0, "nothing tripped");
}
