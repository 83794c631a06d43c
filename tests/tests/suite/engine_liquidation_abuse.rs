//! SECURITY.md rows 12, 18 and 21 for `liquidate`: health-account games on
//! a three-market account, a 5x oracle spike, and over-liquidation. Rows 8
//! (self and duplicate) and 15 (stale) are in `engine_liquidation`.

use anchor_lang::AnchorDeserialize;
use ballast_client::engine as ix;
use ballast_tests::adapter::find_event;
use ballast_tests::assertions::assert_error;
use ballast_tests::context::TestContext;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{add_market, assert_conservation, load, trader, trader_with_position};
use ballast_tests::venue::{venue, Trader, Venue, BASE, S0, T0, USD};
use margin_engine::errors::EngineError;
use margin_engine::events::Liquidated;
use margin_engine::instructions::{HealthView, TradeParams};
use margin_engine::state::{MarginAccount, Market};
use oracle_adapter::state::PriceFeed;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

async fn view(tc: &mut TestContext, margin: Pubkey, pairs: &[(Pubkey, Pubkey)]) -> HealthView {
    let data = tc.process_returning(&[ix::account_health(margin, pairs)], &[]).await.expect("account_health");
    HealthView::deserialize(&mut &data[..]).expect("HealthView")
}

/// Long 40 SOL at 100, 1 ETH at 3,000 and 0.04 BTC at 50,000 on 1,000 of
/// collateral (9x); returns the trader and each market's `(market, feed)`.
async fn three_markets(tc: &mut TestContext, v: &Venue) -> (Trader, [(Pubkey, Pubkey); 3]) {
    let (eth, eth_feed, _) = add_market(tc, v, 1, "ETH", 3_000 * ONE).await;
    let (btc, btc_feed, _) = add_market(tc, v, 2, "BTC", 50_000 * ONE).await;
    let pairs = [(v.market, v.feed), (eth, eth_feed), (btc, btc_feed)];
    let t = trader_with_position(tc, v, 1_000 * USD, 40 * BASE).await;
    for (i, base) in [(1u16, BASE), (2, BASE / 25)] {
        let p = TradeParams { base, limit_price: i64::MAX, reduce_only: false };
        let trade = ix::trade(t.key.pubkey(), t.margin, &v.keys, i, pairs[i as usize].1, p, &v.markets());
        tc.process(&[trade], &[&t.key]).await.expect("trade");
    }
    (t, pairs)
}

#[tokio::test]
async fn row12_liquidate_refuses_omitted_substituted_reordered_or_extra_health_accounts() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    let (a, [sol, eth, btc]) = three_markets(&mut tc, &v).await;
    let k = trader(&mut tc, &v, 0).await;
    // SOL falls 15 %; ETH and BTC, published 10 s ago, are still fresh.
    v.set_price(&mut tc, 85 * ONE, 0, T0 + 10, S0 + 10).await;
    assert!(view(&mut tc, a.margin, &[sol, eth, btc]).await.maintenance < 0);
    let liq = |feed: Pubkey, pairs: &[(Pubkey, Pubkey)]| {
        ix::liquidate(k.key.pubkey(), k.token, a.margin, &v.keys, 0, feed, pairs)
    };
    let cases: [(_, EngineError); 5] = [
        (liq(v.feed, &[eth]), EngineError::HealthAccountsMismatch),
        (liq(v.feed, &[eth, btc, sol]), EngineError::HealthAccountsMismatch),
        (liq(v.feed, &[(eth.0, v.feed), btc]), EngineError::WrongFeed),
        (liq(v.feed, &[btc, eth]), EngineError::WrongMarket),
        (liq(eth.1, &[eth, btc]), EngineError::WrongFeed),
    ];
    for (i, err) in cases {
        assert_error(&mut tc, &[i], &[&k.key], err.into(), &[]).await;
    }
    let logs = tc.process_logged(&[liq(v.feed, &[eth, btc])], &[&k.key]).await.expect("the honest call");
    let ev: Liquidated = find_event(&logs).expect("Liquidated");
    assert!(ev.health_after > ev.health_before && ev.market == 0);
}

#[tokio::test]
async fn row18_after_an_agreed_5x_spike_the_paper_profit_can_be_neither_withdrawn_nor_cashed_in() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    // The attacker is long; the victim is short and deeply underwater at the
    // spiked price, on which every source agrees.
    let attacker = trader_with_position(&mut tc, &v, 100 * USD, 5 * BASE).await;
    let victim = trader_with_position(&mut tc, &v, 100 * USD, -5 * BASE).await;
    let k = trader(&mut tc, &v, 0).await;
    v.set_price(&mut tc, 500 * ONE, 0, T0 + 10, S0 + 10).await;
    let feed: PriceFeed = load(&mut tc, &v.feed).await;
    assert_eq!(
        ballast_risk::oracle::Validity::from_u8(feed.validity),
        ballast_risk::oracle::Validity::TooVolatile,
        "a 5x jump against the EMA"
    );
    // Withdrawing 95 of 100 would be covered by 2,000 of paper profit at 500.
    let w =
        ix::withdraw(attacker.key.pubkey(), attacker.margin, attacker.token, &v.keys, 95 * USD, &[(v.market, v.feed)]);
    assert_error(&mut tc, &[w], &[&attacker.key], EngineError::OracleGate.into(), &[]).await;
    // Closing at the top sells at the EMA, not at 500: the jump's gain waits
    // for the confirmation window.
    let p = margin_engine::instructions::TradeParams { base: -5 * BASE, limit_price: 1, reduce_only: true };
    let close = ix::trade(attacker.key.pubkey(), attacker.margin, &v.keys, 0, v.feed, p, &[]);
    let logs = tc.process_logged(&[close], &[&attacker.key]).await.expect("a close passes the gate");
    let fill: margin_engine::events::TradeFilled = find_event(&logs).expect("TradeFilled");
    assert!(
        fill.fill_price <= feed.ema_price && fill.oracle_price == 500 * ONE,
        "{} vs EMA {}",
        fill.fill_price,
        feed.ema_price
    );
    assert!(fill.realized_pnl < 5 * (feed.ema_price - 100 * ONE) / 1_000, "no more than the EMA's move");
    // The agreed move is real for the victim: liquidation runs.
    let l = ix::liquidate(k.key.pubkey(), k.token, victim.margin, &v.keys, 0, v.feed, &[]);
    let logs = tc.process_logged(&[l], &[&k.key]).await.expect("liquidation runs through an agreed jump");
    let ev: Liquidated = find_event(&logs).expect("Liquidated");
    assert_eq!(ev.price, 500 * ONE);
    assert_conservation(&mut tc, &v, &[attacker.margin, victim.margin, k.margin]).await;
}

#[tokio::test]
async fn row21_a_partial_liquidation_stops_at_the_target_buffer_and_pays_at_most_the_fee_cap() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    let a = trader_with_position(&mut tc, &v, 100 * USD, 9 * BASE).await;
    let k = trader(&mut tc, &v, 0).await;
    // A 7 % fall: the close that restores the buffer is under the per-call cap.
    v.set_price(&mut tc, 93 * ONE, 0, T0 + 10, S0 + 10).await;
    let before = view(&mut tc, a.margin, &[(v.market, v.feed)]).await;
    let market: Market = load(&mut tc, &v.market).await;
    let requirement = before.equity - before.maintenance;
    let buffer = requirement * market.params.liq_buffer_bps as i64 / 10_000;
    let l = ix::liquidate(k.key.pubkey(), k.token, a.margin, &v.keys, 0, v.feed, &[]);
    let logs = tc.process_logged(&[l], &[&k.key]).await.expect("liquidate");
    let ev: Liquidated = find_event(&logs).expect("Liquidated");
    let acc: MarginAccount = load(&mut tc, &a.margin).await;
    assert!(acc.has_positions() && ev.base.abs() < 9 * BASE / 2, "a partial close under the cap: {}", ev.base);
    // At the target, not beyond it. The close is solved linearly while the
    // requirement and fee round against the trader, so it lands within a
    // few native units (millionths of a dollar) of the buffer, either side;
    // far above liquidation (the buffer is 10 % of the requirement).
    assert!((ev.health_after - buffer).abs() <= 10, "{} vs buffer {buffer}", ev.health_after);
    assert!(ev.health_after > 0 && ev.health_after > ev.health_before);
    // The reward is the keeper's share of a fee rounded up, never more.
    let fee_cap = (ev.notional as u128 * market.params.liq_fee_bps as u128).div_ceil(10_000);
    assert!(ev.keeper_reward as u128 <= fee_cap * market.params.keeper_share_bps as u128 / 10_000);
    assert_conservation(&mut tc, &v, &[a.margin, k.margin]).await;
}
