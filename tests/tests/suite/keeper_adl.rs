//! The keeper pays unsettled PnL as cash arrives in the pool (exactly what
//! the program pays, reported), and, while the traders' unrealised profit
//! is above the trigger, auto-deleverages the best-ranked winner first and
//! stops once the trigger no longer holds, never touching a loser.

use ballast_client::simulate::Sim;
use ballast_client::venue::load_venue;
use ballast_keeper::{Config, Keeper};
use ballast_tests::context::TestContext;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{assert_conservation, load, market_order, patch, trader, trader_with_position};
use ballast_tests::venue::{venue, Trader, Venue, BASE, USD};
use margin_engine::state::{MarginAccount, Market, Pool};
use solana_sdk::pubkey::Pubkey;

fn keeper_config() -> Config {
    Config { backoff_ms: 0, ..Config::default() }
}

/// A venue at 100 with `pool` of LP cash and no skew spread: every buy
/// fills at 100.05 and every sell at 99.95 (the 5 bps base spread), so
/// positions opened at once have the same return.
async fn flat_venue(pool: u64) -> (TestContext, Venue) {
    let (mut tc, v) = venue(100 * ONE, pool).await;
    patch::<Market>(&mut tc, &v.market, |m| m.params.skew_spread_bps = 0).await;
    (tc, v)
}

/// 100 to 120 in 5-dollar steps ten minutes apart (one EMA half-life), so
/// the adapter accepts every step and no breaker trips.
async fn rally(tc: &mut TestContext, v: &mut Venue) {
    let clock = tc.clock().await;
    let (mut t, mut slot) = (clock.unix_timestamp, clock.slot);
    for price in [105, 110, 115, 120] {
        (t, slot) = (t + 600, slot + 1_500);
        v.set_price(tc, price * ONE, 0, t, slot).await;
    }
}

async fn account(tc: &mut TestContext, t: &Trader) -> MarginAccount {
    load::<MarginAccount>(tc, &t.margin).await
}

async fn pool(tc: &mut TestContext) -> Pool {
    load::<Pool>(tc, &ballast_client::engine::pool_address()).await
}

#[tokio::test]
async fn the_keeper_settles_unsettled_pnl_once_cash_arrives_and_reports_exactly_what_it_paid() {
    let (mut tc, mut v) = flat_venue(1_000 * USD).await;
    // Long 100 at 100.05 on 2,000; short 20 at 99.95 on 2,000.
    let winner = trader_with_position(&mut tc, &v, 2_000 * USD, 100 * BASE).await;
    let loser = trader_with_position(&mut tc, &v, 2_000 * USD, -20 * BASE).await;
    let k = trader(&mut tc, &v, 0).await;
    let accounts = [winner.margin, loser.margin, k.margin];
    rally(&mut tc, &mut v).await;
    // The winner sells at 119.94: a gain of 1,989, of which the pool's
    // 1,000 of cash is paid and 989 is owed.
    tc.process(&[market_order(&winner, &v, -100 * BASE)], &[&winner.key]).await.expect("close");
    let owed = account(&mut tc, &winner).await;
    assert_eq!((owed.unsettled_pnl, pool(&mut tc).await.balance), (989 * USD, 0));

    // No cash: the program would refuse, so the keeper sends nothing.
    let mut keeper = Keeper::new(tc.backend(), k.key.insecure_clone(), k.token, keeper_config());
    let r = keeper.tick().await.expect("tick");
    assert_eq!((r.pnl_settled, r.pnl_paid, r.rejected, r.failed), (0, 0, 0, 0), "{r}");
    assert_eq!(account(&mut tc, &winner).await.unsettled_pnl, 989 * USD);

    // The loser buys back at 120.06: its loss of 402.20 arrives in the pool.
    tc.process(&[market_order(&loser, &v, 20 * BASE)], &[&loser.key]).await.expect("close");
    let cash = pool(&mut tc).await.balance;
    assert_eq!(cash, 402_200_000);
    // One claim on less cash than it: the claim's share is all of it.
    let r = keeper.tick().await.expect("tick");
    assert_eq!((r.pnl_settled, r.pnl_paid, r.rejected, r.failed), (1, 402_200_000, 0, 0), "{r}");
    let after = account(&mut tc, &winner).await;
    assert_eq!(after.unsettled_pnl, 989 * USD - 402_200_000);
    assert_eq!(after.collateral - owed.collateral, 402_200_000, "paid into its collateral");
    let p = pool(&mut tc).await;
    assert_eq!((p.balance, p.unsettled), (0, 989 * USD - 402_200_000));
    assert_conservation(&mut tc, &v, &accounts).await;

    // The pool is empty again: nothing more to pay.
    let r = keeper.tick().await.expect("tick");
    assert_eq!((r.pnl_settled, r.pnl_paid, r.rejected), (0, 0, 0), "{r}");
}

#[tokio::test]
async fn the_keeper_auto_deleverages_the_highest_ranked_winner_first_and_stops_once_the_trigger_no_longer_holds() {
    let (mut tc, mut v) = flat_venue(1_000 * USD).await;
    // Three longs at 100.05, the same return at any price, at leverage of
    // about 5x, 1x and 0.1x; and a short of half a unit at 99.95 (its loss
    // nets against the longs' profit: kept small, so the venue triggers).
    let high = trader_with_position(&mut tc, &v, 200 * USD, 10 * BASE).await;
    let mid = trader_with_position(&mut tc, &v, 2_800 * USD, 28 * BASE).await;
    let low = trader_with_position(&mut tc, &v, 5_000 * USD, 5 * BASE).await;
    let loser = trader_with_position(&mut tc, &v, 1_000 * USD, -BASE / 2).await;
    assert_eq!(account(&mut tc, &loser).await.positions[0].quote, 49_975_000);
    let k = trader(&mut tc, &v, 0).await;
    let accounts = [high.margin, mid.margin, low.margin, loser.margin, k.margin];
    rally(&mut tc, &mut v).await;

    // At 120 the longs are up 19.95 a unit, 857.85, and the short is down
    // 10.025: 847.825 on 1,000 of free cash, above the 80 % trigger.
    let venue_now = load_venue(&tc.backend()).await.unwrap();
    let state = Sim::new(&venue_now).adl_state().unwrap();
    assert_eq!((state.liability, state.free_cash, state.triggered), (847_825_000, 1_000 * USD as i128, true));
    // The plan: the most levered winner first, then the next; the third is
    // never reached.
    let scanned = ballast_keeper::scan::scan_accounts(&tc.backend()).await.unwrap();
    let plan = ballast_keeper::adl::plan_pnl(&venue_now, &scanned, &keeper_config());
    let order: Vec<Pubkey> = plan.adl.iter().map(|a| a.account).collect();
    assert_eq!(order, [high.margin, mid.margin]);
    assert!(plan.adl[0].rank > plan.adl[1].rank);
    let (low_before, loser_before) = (account(&mut tc, &low).await, account(&mut tc, &loser).await);

    let mut keeper = Keeper::new(tc.backend(), k.key.insecure_clone(), k.token, keeper_config());
    let r = keeper.tick().await.expect("tick");
    assert_eq!((r.adl_calls, r.rejected, r.failed, r.liquidated, r.pnl_settled), (2, 0, 0, 0, 0), "{r}");
    // 1. The 5x long: the amount wanted (619.5625) is more than its profit
    //    (199.50), so all of it closes, paid from the pool (800.50 left).
    // 2. The 1x long: 648.325 (658.35 - 10.025) on 800.50 is still above
    //    80 %; bringing it to 60 % takes 420.0625 of its 558.60 of profit,
    //    less the 4-unit rounding margin: 28 * 420.062496 / 558.6 units,
    //    rounded down.
    let closed = 28 * BASE - 6_944_235_790;
    assert_eq!(closed, 21_055_764_210);
    assert_eq!(account(&mut tc, &high).await.positions[0].base, 0);
    assert_eq!(account(&mut tc, &mid).await.positions[0].base, 6_944_235_790);
    // Notional at 120, rounded up: 1,200 and the second close's.
    assert_eq!(r.adl_notional, 1_200 * USD + (closed as u64 * 120).div_ceil(1_000));
    // The third winner and the loser were never touched.
    let low_after = account(&mut tc, &low).await;
    assert_eq!(bytemuck::bytes_of(&low_after), bytemuck::bytes_of(&low_before));
    let loser_after = account(&mut tc, &loser).await;
    assert_eq!(bytemuck::bytes_of(&loser_after), bytemuck::bytes_of(&loser_before));
    // No longer triggered: at the target, within rounding.
    let state = Sim::new(&load_venue(&tc.backend()).await.unwrap()).adl_state().unwrap();
    assert!(!state.triggered, "{state:?}");
    // The pool paid both gains: 199.50, then 420.062495 (the amount less
    // the rounding margin, and the base closed rounds down: never past the
    // target).
    assert_eq!(pool(&mut tc).await.balance, 800_500_000 - 420_062_495);
    assert_conservation(&mut tc, &v, &accounts).await;

    // The next tick has nothing to do.
    let r = keeper.tick().await.expect("tick");
    assert_eq!((r.adl_calls, r.rejected), (0, 0), "{r}");
    assert_eq!(account(&mut tc, &mid).await.positions[0].base, 6_944_235_790);
}
