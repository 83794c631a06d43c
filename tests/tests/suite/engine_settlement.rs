//! Emergency settlement: governance stops a market at a price, every
//! position settles at it exactly, losses beyond collateral go down the
//! waterfall, traders withdraw, and conservation holds throughout.

use ballast_client::engine as ix;
use ballast_tests::adapter::find_event;
use ballast_tests::assertions::assert_error;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{assert_conservation, balance, load, trader, trader_with_position};
use ballast_tests::venue::{venue, BASE, USD};
use margin_engine::errors::EngineError;
use margin_engine::events::{MarketSettled, PositionSettled};
use margin_engine::instructions::{ParamChange, TradeParams};
use margin_engine::state::{MarginAccount, Market, MarketStatus, Pool};
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
