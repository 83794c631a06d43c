//! Agreed pumps (the Mango 2022 pattern): every source follows a pushed
//! price long enough for the feed to confirm the jump. For the market's
//! `gain_vest_slots` after the confirmation, a gain counts no higher than
//! the price the jump started from: a close realises it there, and a
//! withdrawal cannot take it out. Losses count at once.

use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{load, market_order, trader_with_position, venue, Venue, BASE, S0, T0, USD};
use margin_engine::state::{MarginAccount, Market};
use oracle_adapter::state::PriceFeed;

type Tc = ballast_tests::context::TestContext;

/// Push SOL to `price` at every source from `from` to `to`, refreshing every
/// 10 slots (the feed confirms an agreed jump after 150 slots).
async fn push(tc: &mut Tc, v: &mut Venue, price: i64, from: u64, to: u64) {
    let mut slot = from;
    while slot <= to {
        v.set_price(tc, price, 0, T0 + ((slot - S0) * 2 / 5) as i64, slot).await;
        slot += 10;
    }
}

#[tokio::test]
async fn a_confirmed_pump_vests_gains_for_the_markets_window_then_pays_them() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let vest = load::<Market>(&mut tc, &v.market).await.params.gain_vest_slots as u64;
    assert_eq!(vest, 1_500, "the demo venue vests gains for 10 minutes");
    let early = trader_with_position(&mut tc, &v, 1_000 * USD, 2 * BASE).await;
    let late = trader_with_position(&mut tc, &v, 1_000 * USD, 2 * BASE).await;

    // +50 % at every source, held until the feed confirms it.
    push(&mut tc, &mut v, 150 * ONE, S0 + 10, S0 + 200).await;
    let feed: PriceFeed = load(&mut tc, &v.feed).await;
    assert_eq!((feed.ema_price, feed.anchor_lo, feed.anchor_hi), (150 * ONE, 100 * ONE, 100 * ONE));
    let confirmed = feed.anchor_slot;
    assert!(confirmed > S0 + 150 && confirmed <= S0 + 200, "{confirmed}");

    // Inside the window a close realises the gain at the anchor: none.
    let last = confirmed + vest - 1;
    push(&mut tc, &mut v, 150 * ONE, last, last).await;
    let before = load::<MarginAccount>(&mut tc, &early.margin).await.collateral;
    tc.process(&[market_order(&early, &v, -2 * BASE)], &[&early.key]).await.unwrap();
    let after = load::<MarginAccount>(&mut tc, &early.margin).await;
    assert_eq!(after.positions[0].base, 0);
    assert!(after.collateral < before, "the close gained {} inside the window", after.collateral - before);
    assert_eq!(after.unsettled_pnl, 0);

    // One slot later the window is over: the same close gains the pump.
    push(&mut tc, &mut v, 150 * ONE, last + 1, last + 1).await;
    let before = load::<MarginAccount>(&mut tc, &late.margin).await.collateral;
    tc.process(&[market_order(&late, &v, -2 * BASE)], &[&late.key]).await.unwrap();
    let gained = load::<MarginAccount>(&mut tc, &late.margin).await.collateral - before;
    assert!(gained > 99 * USD as i64 && gained < 100 * USD as i64, "gained {gained}");
}

#[tokio::test]
async fn a_loss_after_a_confirmed_jump_counts_at_once() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let short = trader_with_position(&mut tc, &v, 1_000 * USD, -2 * BASE).await;
    push(&mut tc, &mut v, 150 * ONE, S0 + 10, S0 + 200).await;
    // Inside the window the short's loss realises at the price, not the
    // anchor: the anchor never softens a loss.
    let before = load::<MarginAccount>(&mut tc, &short.margin).await.collateral;
    tc.process(&[market_order(&short, &v, 2 * BASE)], &[&short.key]).await.unwrap();
    let lost = before - load::<MarginAccount>(&mut tc, &short.margin).await.collateral;
    assert!(lost > 100 * USD as i64 && lost < 101 * USD as i64, "lost {lost}");
}
