//! Emergency settlement: governance stops a market at a price, every
//! position settles at it exactly, losses beyond collateral go down the
//! waterfall, traders withdraw, and conservation holds throughout. A loss
//! beyond the collateral is first set against the account's unsettled PnL
//! (only what that cannot cover is left for `resolve_bankruptcy`); a gain
//! the pool's free cash cannot pay becomes unsettled PnL.

use ballast_client::engine as ix;
use ballast_tests::adapter::find_event;
use ballast_tests::assertions::assert_error;
use ballast_tests::context::TestContext;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{assert_conservation, balance, load, market_order, trader, trader_with_position};
use ballast_tests::venue::{venue, Trader, Venue, BASE, S0, T0, USD};
use margin_engine::errors::EngineError;
use margin_engine::events::{MarketSettled, PositionSettled};
use margin_engine::instructions::{ParamChange, TradeParams};
use margin_engine::state::{Exchange, MarginAccount, Market, MarketStatus, Pool};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

#[tokio::test]
async fn emergency_settlement_pays_everyone_at_the_price_and_conservation_holds() {
    let (mut tc, v) = venue(100 * ONE, 100_000 * USD).await;
    let long = trader_with_position(&mut tc, &v, 200 * USD, 5 * BASE).await;
    let short = trader_with_position(&mut tc, &v, 200 * USD, -3 * BASE).await;
    let levered = trader_with_position(&mut tc, &v, 100 * USD, 9 * BASE).await;
    let k = trader(&mut tc, &v, 0).await;
    let accounts = [long.margin, short.margin, levered.margin, k.margin];
    let price = 85 * ONE;

    // Only governance, only a positive price.
    let not_gov = ix::emergency_settle(long.key.pubkey(), 0, v.feed, price);
    assert_error(&mut tc, &[not_gov], &[&long.key], EngineError::NotGovernance.into(), &[]).await;
    let zero = ix::emergency_settle(v.gov.pubkey(), 0, v.feed, 0);
    assert_error(&mut tc, &[zero], &[&v.gov], EngineError::ParamOutOfBounds.into(), &[]).await;
    let logs = tc.process_logged(&[ix::emergency_settle(v.gov.pubkey(), 0, v.feed, price)], &[&v.gov]).await.unwrap();
    let ev: MarketSettled = find_event(&logs).expect("MarketSettled");
    assert_eq!((ev.price, ev.long_oi, ev.short_oi), (price, 14 * BASE as u64, 3 * BASE as u64));
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!((m.status, m.settlement_price), (MarketStatus::Settled as u8, price));

    // The market is stopped for good: no trade, no liquidation, no change.
    let settled = EngineError::MarketSettled.into();
    let p = TradeParams { base: -BASE, limit_price: 1, reduce_only: true };
    let t = ix::trade(long.key.pubkey(), long.margin, &v.keys, 0, v.feed, p, &[]);
    assert_error(&mut tc, &[t], &[&long.key], settled, &[]).await;
    let l = ix::liquidate(k.key.pubkey(), k.token, levered.margin, &v.keys, 0, v.feed, &[]);
    assert_error(&mut tc, &[l], &[&k.key], settled, &[]).await;
    let again = ix::emergency_settle(v.gov.pubkey(), 0, v.feed, 100 * ONE);
    assert_error(&mut tc, &[again], &[&v.gov], settled, &[]).await;
    let c = ParamChange { target: 0, field: 25, value: 0, key: Pubkey::default() };
    assert_error(&mut tc, &[ix::set_param(v.gov.pubkey(), c)], &[&v.gov], settled, &[]).await;

    // Each position settles at exactly base * price + quote.
    let pool_before = balance(&mut tc, &v.keys.pool_vault).await;
    let mut paid_by_pool = 0i64;
    for t in [&long, &short, &levered] {
        let before: MarginAccount = load(&mut tc, &t.margin).await;
        let slot = before.positions[0];
        let value = (slot.base as i128 * price as i128 / 1_000_000_000_000) as i64 + slot.quote;
        let logs = tc.process_logged(&[ix::settle_position(t.margin, &v.keys, 0)], &[]).await.unwrap();
        let ev: PositionSettled = find_event(&logs).expect("PositionSettled");
        assert_eq!((ev.base, ev.realized_pnl, ev.collateral), (-slot.base, value, before.collateral + value));
        let after: MarginAccount = load(&mut tc, &t.margin).await;
        assert!(!after.has_positions());
        assert_eq!(after.is_bankrupt(), after.collateral < 0);
        paid_by_pool += after.collateral.max(0) - before.collateral;
        assert_conservation(&mut tc, &v, &accounts).await;
    }
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!((m.long_oi, m.short_oi, m.pool_base, m.pool_quote), (0, 0, 0, 0), "every position settled");
    assert_eq!(balance(&mut tc, &v.keys.pool_vault).await as i64, pool_before as i64 - paid_by_pool);
    assert_eq!(load::<Pool>(&mut tc, &ix::pool_address()).await.balance, balance(&mut tc, &v.keys.pool_vault).await);
    // A second settlement of the same account finds nothing.
    let twice = ix::settle_position(long.margin, &v.keys, 0);
    assert_error(&mut tc, &[twice], &[], EngineError::NoPosition.into(), &[]).await;

    // The 9x account lost more than its collateral: the waterfall covers it.
    assert!(load::<MarginAccount>(&mut tc, &levered.margin).await.is_bankrupt());
    tc.process(&[ix::resolve_bankruptcy(levered.margin, &v.keys)], &[]).await.unwrap();
    // Everyone else withdraws everything.
    for t in [&long, &short] {
        let c = load::<MarginAccount>(&mut tc, &t.margin).await.collateral as u64;
        let w = ix::withdraw(t.key.pubkey(), t.margin, t.token, &v.keys, c, &[]);
        tc.process(&[w], &[&t.key]).await.expect("withdraw all");
        assert_eq!(balance(&mut tc, &t.token).await, c);
    }
    assert_conservation(&mut tc, &v, &accounts).await;
}

/// Slot of SOL's move to 110 (after the venue LP's minimum hold).
const MOVED: u64 = S0 + 200;
/// Slot SOL has held 110 until (republished hourly): 16 hours after the
/// move, long enough for its realised volatility to decay below the
/// market's reference (margins back at their base: IMR 10 %).
const CALM: u64 = MOVED + 16 * 9_000;

/// Unix time at `slot` after the move (400 ms a slot).
fn unix_at(slot: u64) -> i64 {
    T0 + 80 + ((slot - MOVED) * 2 / 5) as i64
}

// A long of 10 bought at 100 with the skew term capped: 100.55, cost
// 1,005.5, fee 0.50275: 200 of collateral leaves 199.49725. Closed at 110
// (109.945: it brings the pool back flat, no skew term) it realises 93.95
// for a fee of 0.549725.
const LONG_COLLATERAL: i64 = 200_000_000 - 502_750;
const FIRST_GAIN: i64 = 93_950_000;
const FIRST_FEE: i64 = 549_725;
// Bought again at 110 once calm: 110.605 (skew term capped), cost 1,106.05,
// fee 0.553025.
const AGAIN_COST: i64 = 1_106_050_000;
const AGAIN_FEE: i64 = 553_025;

async fn account(tc: &mut TestContext, t: &Trader) -> MarginAccount {
    load::<MarginAccount>(tc, &t.margin).await
}

/// A venue whose LP put `pool_funds` in the pool; a trader buys 10 SOL at
/// 100 on 200 and closes at 110, the pool paying all its cash and owing
/// the rest of the 93.95 gain (unsettled PnL); SOL holds 110 until
/// [`CALM`]; the trader withdraws down to `keep` and buys 10 SOL again;
/// then SOL falls to 100.
async fn owed_and_long_again(pool_funds: u64, keep: i64) -> (TestContext, Venue, Trader) {
    let (mut tc, mut v) = venue(100 * ONE, pool_funds).await;
    let w = trader_with_position(&mut tc, &v, 200 * USD, 10 * BASE).await;
    let acc = account(&mut tc, &w).await;
    assert_eq!((acc.collateral, acc.positions[0].quote), (LONG_COLLATERAL, -1_005_500_000));
    v.set_price(&mut tc, 110 * ONE, 0, T0 + 80, MOVED).await;
    tc.process(&[market_order(&w, &v, -10 * BASE)], &[&w.key]).await.expect("close");
    let collateral = LONG_COLLATERAL + pool_funds as i64 - FIRST_FEE;
    let acc = account(&mut tc, &w).await;
    assert_eq!((acc.collateral, acc.unsettled_pnl), (collateral, FIRST_GAIN as u64 - pool_funds));
    for slot in (MOVED + 9_000..=CALM).step_by(9_000) {
        v.set_price(&mut tc, 110 * ONE, 0, unix_at(slot), slot).await;
    }
    let out = (collateral - keep) as u64;
    tc.process(&[ix::withdraw(w.key.pubkey(), w.margin, w.token, &v.keys, out, &[])], &[&w.key])
        .await
        .expect("withdraw");
    tc.process(&[market_order(&w, &v, 10 * BASE)], &[&w.key]).await.expect("buy again");
    let acc = account(&mut tc, &w).await;
    assert_eq!((acc.positions[0].base, acc.positions[0].quote), (10 * BASE, -AGAIN_COST));
    assert_eq!(acc.collateral, keep - AGAIN_FEE);
    v.set_price(&mut tc, 100 * ONE, 0, unix_at(CALM + 100), CALM + 100).await;
    (tc, v, w)
}

/// Settle market 0 at `price` and `t`'s position in it; its event.
async fn settle_at(tc: &mut TestContext, v: &Venue, t: &Trader, price: i64) -> PositionSettled {
    tc.process(&[ix::emergency_settle(v.gov.pubkey(), 0, v.feed, price)], &[&v.gov]).await.expect("emergency_settle");
    let logs = tc.process_logged(&[ix::settle_position(t.margin, &v.keys, 0)], &[]).await.expect("settle_position");
    find_event(&logs).expect("PositionSettled")
}

#[tokio::test]
async fn a_settlement_loss_beyond_the_collateral_is_netted_against_unsettled_pnl_so_no_bankruptcy_is_left_to_resolve() {
    // 83.95 owed (the pool paid its 10); collateral 80 - 0.553025.
    let owed = (FIRST_GAIN - 10 * USD as i64) as u64;
    let collateral = 80 * USD as i64 - AGAIN_FEE;
    let (mut tc, v, w) = owed_and_long_again(10 * USD, 80 * USD as i64).await;
    let acc = account(&mut tc, &w).await;
    assert_eq!((acc.collateral, acc.unsettled_pnl), (collateral, owed));
    let (pool_vault, vault) =
        (balance(&mut tc, &v.keys.pool_vault).await, balance(&mut tc, &v.keys.collateral_vault).await);
    let pool: Pool = load(&mut tc, &ix::pool_address()).await;
    assert_eq!((pool.balance, pool.unsettled, pool.receivable), (0, owed, 0));

    // At 100 the long is worth 1,000 on its 1,106.05: a loss of 106.05,
    // 26.603025 more than the collateral, which the 83.95 owed covers.
    let loss = AGAIN_COST - 1_000_000_000;
    let deficit = loss - collateral;
    assert_eq!((loss, deficit), (106_050_000, 26_603_025));
    let ev = settle_at(&mut tc, &v, &w, 100 * ONE).await;
    assert_eq!((ev.base, ev.price, ev.realized_pnl), (-10 * BASE, 100 * ONE, -loss));
    assert_eq!((ev.collateral, ev.deficit), (0, 0));
    let acc = account(&mut tc, &w).await;
    assert!(!acc.has_positions());
    assert_eq!((acc.collateral, acc.unsettled_pnl, acc.flags), (0, owed - deficit as u64, 0));
    assert!(!acc.is_bankrupt());
    // The collateral went to the pool; the deficit was set against the
    // claim (no token moves for it).
    let pool: Pool = load(&mut tc, &ix::pool_address()).await;
    assert_eq!((pool.balance, pool.unsettled, pool.receivable), (collateral as u64, owed - deficit as u64, 0));
    assert_eq!(balance(&mut tc, &v.keys.pool_vault).await, pool_vault + collateral as u64);
    assert_eq!(balance(&mut tc, &v.keys.collateral_vault).await, vault - collateral as u64);
    assert_conservation(&mut tc, &v, &[w.margin]).await;
    // Nothing for the waterfall.
    let resolve = ix::resolve_bankruptcy(w.margin, &v.keys);
    assert_error(&mut tc, &[resolve], &[], EngineError::NotBankrupt.into(), &[]).await;
    assert_conservation(&mut tc, &v, &[w.margin]).await;
}

#[tokio::test]
async fn a_settlement_loss_one_unit_beyond_collateral_and_unsettled_pnl_leaves_that_unit_for_resolve_bankruptcy() {
    let owed = (FIRST_GAIN - 10 * USD as i64) as u64;
    let collateral = 80 * USD as i64 - AGAIN_FEE;
    let (mut tc, v, w) = owed_and_long_again(10 * USD, 80 * USD as i64).await;
    // A loss of collateral + owed + 1: the long worth 1,106.05 - 163.396976
    // = 942.653024, i.e. SOL settled at 94.2653024 (10 SOL: one quote unit
    // per 100 price units).
    let loss = collateral + owed as i64 + 1;
    assert_eq!(loss, 163_396_976);
    let price = (AGAIN_COST - loss) * 100;
    assert_eq!(price, 94_265_302_400);
    let ev = settle_at(&mut tc, &v, &w, price).await;
    assert_eq!((ev.realized_pnl, ev.collateral, ev.deficit), (-loss, -1, 1));
    let acc = account(&mut tc, &w).await;
    assert_eq!((acc.collateral, acc.unsettled_pnl), (-1, 0));
    assert!(acc.is_bankrupt());
    let pool: Pool = load(&mut tc, &ix::pool_address()).await;
    assert_eq!((pool.balance, pool.unsettled, pool.receivable), (collateral as u64, 0, 1));
    assert_conservation(&mut tc, &v, &[w.margin]).await;
    // The waterfall covers the unit: from the insurance fund above its
    // floor if it can.
    let ex: Exchange = load(&mut tc, &ix::exchange_address()).await;
    let from_insurance = 1u64.min(ex.insurance_balance.saturating_sub(ex.insurance_floor));
    tc.process(&[ix::resolve_bankruptcy(w.margin, &v.keys)], &[]).await.expect("resolve_bankruptcy");
    let acc = account(&mut tc, &w).await;
    assert_eq!((acc.collateral, acc.unsettled_pnl, acc.flags), (0, 0, 0));
    let after: Exchange = load(&mut tc, &ix::exchange_address()).await;
    assert_eq!(after.insurance_balance, ex.insurance_balance - from_insurance);
    assert_eq!(after.socialized_losses, ex.socialized_losses + 1 - from_insurance);
    let pool: Pool = load(&mut tc, &ix::pool_address()).await;
    assert_eq!((pool.balance, pool.receivable), (collateral as u64 + from_insurance, 0));
    assert_conservation(&mut tc, &v, &[w.margin]).await;
}

#[tokio::test]
async fn a_winning_settlement_against_a_pool_without_free_cash_lands_and_books_the_gain_as_unsettled_pnl() {
    let (mut tc, mut v) = venue(100 * ONE, 10 * USD).await;
    // Two longs of 10 at 100.55 (the skew term capped) on 200 each.
    let w = trader_with_position(&mut tc, &v, 200 * USD, 10 * BASE).await;
    let x = trader_with_position(&mut tc, &v, 200 * USD, 10 * BASE).await;
    for t in [&w, &x] {
        let acc = account(&mut tc, t).await;
        assert_eq!((acc.collateral, acc.positions[0].quote), (LONG_COLLATERAL, -1_005_500_000));
    }
    v.set_price(&mut tc, 110 * ONE, 0, T0 + 80, MOVED).await;
    // `x` closes at 109.945 for 93.95: the pool pays its 10, owes 83.95.
    tc.process(&[market_order(&x, &v, -10 * BASE)], &[&x.key]).await.expect("close");
    let owed_x = (FIRST_GAIN - 10 * USD as i64) as u64;
    let pool: Pool = load(&mut tc, &ix::pool_address()).await;
    assert_eq!((pool.balance, pool.unsettled), (0, owed_x), "no free cash");
    let (pool_vault, vault) =
        (balance(&mut tc, &v.keys.pool_vault).await, balance(&mut tc, &v.keys.collateral_vault).await);

    // Settled at 110, `w`'s long realises 1,100 - 1,005.5 = 94.5: the pool
    // has nothing free to pay, so all of it is owed.
    let gain = 94_500_000;
    let ev = settle_at(&mut tc, &v, &w, 110 * ONE).await;
    assert_eq!((ev.base, ev.realized_pnl, ev.collateral, ev.deficit), (-10 * BASE, gain, LONG_COLLATERAL, 0));
    let acc = account(&mut tc, &w).await;
    assert!(!acc.has_positions());
    assert_eq!((acc.collateral, acc.unsettled_pnl, acc.flags), (LONG_COLLATERAL, gain as u64, 0));
    let pool: Pool = load(&mut tc, &ix::pool_address()).await;
    assert_eq!((pool.balance, pool.unsettled, pool.receivable), (0, owed_x + gain as u64, 0));
    assert_eq!(balance(&mut tc, &v.keys.pool_vault).await, pool_vault);
    assert_eq!(balance(&mut tc, &v.keys.collateral_vault).await, vault);
    assert_conservation(&mut tc, &v, &[w.margin, x.margin]).await;
    // It is a claim like any other: no cash yet, so settle_pnl has nothing
    // to pay.
    let call = ix::settle_pnl(w.margin, &v.keys);
    assert_error(&mut tc, &[call], &[], EngineError::PoolInsufficient.into(), &[]).await;
}
