//! The keeper executes trigger orders: only once every source has crossed,
//! only those paying at least its minimum fee, and it earns exactly the fee.

use ballast_client::trigger as tx;
use ballast_keeper::{Config, Keeper};
use ballast_tests::context::TestContext;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{assert_conservation, balance, load, trader, trader_with_position};
use ballast_tests::venue::{venue, Trader, Venue, BASE, S0, T0, USD};
use margin_engine::state::{MarginAccount, TriggerBook, TriggerParams, BELOW};
use solana_sdk::signature::Signer;

/// `base` SOL on 1,000 of collateral, with a stop-loss below 95 paying `fee`.
async fn with_stop(tc: &mut TestContext, v: &Venue, base: i64, fee: u32) -> Trader {
    let t = trader_with_position(tc, v, 1_000 * USD, base).await;
    let p = TriggerParams {
        direction: BELOW,
        trigger_price: 95 * ONE,
        base: -base,
        limit_price: 80 * ONE,
        keeper_fee: fee,
    };
    let ixs =
        [tx::create_trigger_book(t.key.pubkey(), t.margin), tx::add_trigger(t.key.pubkey(), t.margin, 0, v.feed, p)];
    tc.process(&ixs, &[&t.key]).await.expect("stop-loss");
    t
}

async fn position(tc: &mut TestContext, t: &Trader) -> i64 {
    load::<MarginAccount>(tc, &t.margin).await.positions[0].base
}

#[tokio::test]
async fn the_keeper_executes_crossed_triggers_paying_at_least_its_minimum_and_earns_exactly_their_fees() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    let rich = with_stop(&mut tc, &v, 5 * BASE, 50_000).await;
    let cheap = with_stop(&mut tc, &v, 3 * BASE, 10_000).await;
    let k = trader(&mut tc, &v, 0).await;
    let config = Config { backoff_ms: 0, min_trigger_fee: 20_000, ..Config::default() };
    let mut keeper = Keeper::new(tc.backend(), k.key.insecure_clone(), k.token, config);

    // One unit above the trigger: nothing is due.
    v.set_price(&mut tc, 95 * ONE + 1, 0, T0 + 10, S0 + 25).await;
    let r = keeper.tick().await.unwrap();
    assert_eq!((r.triggers, r.rejected), (0, 0));
    // At it: the keeper executes the one paying at least its minimum.
    v.set_price(&mut tc, 95 * ONE, 0, T0 + 20, S0 + 50).await;
    let r = keeper.tick().await.unwrap();
    assert_eq!((r.triggers, r.trigger_fees, r.rejected), (1, 50_000, 0));
    assert_eq!(balance(&mut tc, &k.token).await, 50_000);
    assert_eq!((position(&mut tc, &rich).await, position(&mut tc, &cheap).await), (0, 3 * BASE));
    assert_eq!(load::<TriggerBook>(&mut tc, &tx::book_address(&cheap.margin)).await.active().count(), 1);
    // A keeper that takes any fee executes the other.
    let config = Config { backoff_ms: 0, ..Config::default() };
    let mut any = Keeper::new(tc.backend(), k.key.insecure_clone(), k.token, config);
    let r = any.tick().await.unwrap();
    assert_eq!((r.triggers, r.trigger_fees, r.rejected), (1, 10_000, 0));
    assert_eq!(balance(&mut tc, &k.token).await, 60_000);
    assert_eq!(position(&mut tc, &cheap).await, 0);
    assert_eq!(any.tick().await.unwrap().triggers, 0, "nothing left");
    assert_conservation(&mut tc, &v, &[rich.margin, cheap.margin]).await;
}
