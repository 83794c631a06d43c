//! Dynamic margin scenarios (issue 4): a volatility spike makes new leverage
//! expensive at once but phases maintenance in; network stress from slow
//! slots and from stale feeds.

use anchor_lang::AnchorDeserialize;
use ballast_client::engine as ix;
use ballast_tests::adapter::find_event;
use ballast_tests::assertions::assert_error;
use ballast_tests::context::TestContext;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{add_market, load, patch, trader_with_position, venue, Venue, BASE, S0, T0, USD};
use margin_engine::errors::EngineError;
use margin_engine::events::{StressEntered, StressLeft};
use margin_engine::instructions::{HealthView, TradeParams};
use margin_engine::state::{Exchange, Market};
use oracle_adapter::state::PriceFeed;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

async fn health(tc: &mut TestContext, v: &Venue, margin: Pubkey) -> HealthView {
    let data =
        tc.process_returning(&[ix::account_health(margin, &[(v.market, v.feed)])], &[]).await.expect("account_health");
    HealthView::deserialize(&mut &data[..]).expect("HealthView")
}

/// Variance rate (VARIANCE_PRECISION per second) of an annualised volatility.
fn variance_for(vol_bps: u128) -> u64 {
    ((vol_bps * 100_000).pow(2) / 31_536_000) as u64
}

#[tokio::test]
async fn a_volatility_spike_prices_new_leverage_at_once_but_phases_maintenance_in() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    // A: 100 collateral, 3 SOL long at 100 (3x; IMR 10 % needs 30).
    let a = trader_with_position(&mut tc, &v, 100 * USD, 3 * BASE).await;

    // Volatility jumps to 4x the 80 % reference in one refresh.
    patch::<PriceFeed>(&mut tc, &v.feed, |f| f.variance_rate = variance_for(32_500)).await;
    v.set_price(&mut tc, 100 * ONE, 0, T0 + 1, S0 + 1).await;
    assert!(load::<PriceFeed>(&mut tc, &v.feed).await.vol_bps >= 32_000);

    // 1. A new trade at the old leverage is rejected: IMR is 40 % at once.
    let b = trader_with_position(&mut tc, &v, 100 * USD, 0).await;
    let open = TradeParams { base: 3 * BASE, limit_price: i64::MAX, reduce_only: false };
    let i = ix::trade(b.key.pubkey(), b.margin, &v.keys, 0, v.feed, open, &[]);
    assert_error(&mut tc, &[i], &[&b.key], EngineError::InitialHealthNegative.into(), &[]).await;

    // 2. In the same slot, even a 20 % drop does not make A liquidatable:
    //    maintenance is still ~5 % (liquidation would need the price below ~70).
    v.set_price(&mut tc, 80 * ONE, 0, T0 + 2, S0 + 1).await;
    let h = health(&mut tc, &v, a.margin).await;
    assert!(h.maintenance >= 0, "{h:?}");

    // 3. Once the phase-in has caught up (300 slots of 1 % of base), the same
    //    price makes A liquidatable (maintenance 20 %: below ~83)...
    tc.process(&[ix::refresh_market(0, v.feed)], &[]).await.unwrap();
    v.set_price(&mut tc, 80 * ONE, 0, T0 + 130, S0 + 330).await;
    tc.process(&[ix::refresh_market(0, v.feed)], &[]).await.unwrap();
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!(m.phase_mult_bps, 40_000, "caught up with the capped 4x target");
    let h = health(&mut tc, &v, a.margin).await;
    assert!(h.maintenance < 0, "{h:?}");
    // 4. ...but only because the price moved against it: back at 100 it is not.
    v.set_price(&mut tc, 100 * ONE, 0, T0 + 131, S0 + 331).await;
    let h = health(&mut tc, &v, a.margin).await;
    assert!(h.maintenance >= 0, "{h:?}");
}

#[tokio::test]
async fn two_second_slots_enter_stress_mode_and_the_cooldown_leaves_it() {
    let (mut tc, mut v) = venue(100 * ONE, 0).await;
    // Open a window, then let 100 slots take 200 s.
    tc.process(&[ix::refresh_market(0, v.feed)], &[]).await.unwrap();
    v.set_price(&mut tc, 100 * ONE, 0, T0 + 200, S0 + 100).await;
    let logs = tc.process_logged(&[ix::refresh_market(0, v.feed)], &[]).await.unwrap();
    let ev: StressEntered = find_event(&logs).expect("StressEntered");
    assert_eq!((ev.slot_time_ms, ev.until_slot), (2_000, S0 + 100 + 1_000));
    let ex: Exchange = load(&mut tc, &ix::exchange_address()).await;
    assert_eq!(ex.stress_mult_at(S0 + 100), 15_000);
    // Stress raises the maintenance target by 1.5x; after 100 idle slots
    // the multiplier still phases in from this slot on (SECURITY.md row 33).
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!((m.phase_mult_bps, m.phase_target_mult_bps), (11_000, 15_000), "ten slots' steps, not 100");
    v.set_price(&mut tc, 100 * ONE, 0, T0 + 200 + 4, S0 + 110).await;
    tc.process(&[ix::refresh_market(0, v.feed)], &[]).await.unwrap();
    assert_eq!(load::<Market>(&mut tc, &v.market).await.phase_mult_bps, 12_000, "ten slots of 1 % more");
    // Normal 400 ms slots for the cooldown: stress ends.
    v.set_price(&mut tc, 100 * ONE, 0, T0 + 200 + 400, S0 + 1_100).await;
    let logs = tc.process_logged(&[ix::refresh_market(0, v.feed)], &[]).await.unwrap();
    let left: StressLeft = find_event(&logs).expect("StressLeft");
    assert_eq!(left.slot, S0 + 1_100);
    assert_eq!(load::<Exchange>(&mut tc, &ix::exchange_address()).await.stress_active, 0);
}

#[tokio::test]
async fn half_the_feeds_stale_enters_stress_mode() {
    let (mut tc, mut v) = venue(100 * ONE, 0).await;
    // A second market on its own feed.
    let (eth, eth_feed, _) = add_market(&mut tc, &v, 1, "ETH", 3_000 * ONE).await;
    let markets = [(v.market, v.feed), (eth, eth_feed)];
    // Both fresh: no stress.
    let logs = tc.process_logged(&[ix::refresh_stress(&markets)], &[]).await.unwrap();
    assert!(find_event::<StressEntered>(&logs).is_none());
    // SOL keeps refreshing, ETH goes silent past its max age: 50 % stale.
    v.set_price(&mut tc, 100 * ONE, 0, T0 + 100, S0 + 20).await;
    let logs = tc.process_logged(&[ix::refresh_stress(&markets)], &[]).await.unwrap();
    let ev: StressEntered = find_event(&logs).expect("StressEntered");
    assert_eq!(ev.stale_share_bps, 5_000);
    // A substituted feed is refused, never counted.
    let wrong = [(v.market, v.feed), (ix::market_address(1), v.feed)];
    assert_error(&mut tc, &[ix::refresh_stress(&wrong)], &[], EngineError::WrongFeed.into(), &[]).await;
}

#[tokio::test]
async fn the_client_preview_computes_exactly_what_the_program_computes() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let a = trader_with_position(&mut tc, &v, 100 * USD, 3 * BASE).await;
    patch::<PriceFeed>(&mut tc, &v.feed, |f| f.variance_rate = variance_for(20_000)).await;
    v.set_price(&mut tc, 93 * ONE, (ONE / 10) as u64, T0 + 5, S0 + 40).await;
    let on_chain = health(&mut tc, &v, a.margin).await;
    let clock = tc.clock().await;
    let ex: Exchange = load(&mut tc, &ix::exchange_address()).await;
    let acc = load(&mut tc, &a.margin).await;
    let markets = [(load::<Market>(&mut tc, &v.market).await, load::<PriceFeed>(&mut tc, &v.feed).await)];
    let preview = ballast_client::preview::health(&ex, &acc, &markets, clock.unix_timestamp, clock.slot).unwrap();
    assert_eq!(
        (preview.equity as i64, preview.initial as i64, preview.maintenance as i64),
        (on_chain.equity, on_chain.initial, on_chain.maintenance)
    );
}
