//! SECURITY.md rows 29 (sticky flags), 30 (mixed validity) and 33 (idle
//! phase-in skip): an account's state always has an exit, a stale leg never
//! lowers the withdrawal bar nor shields the account, and a margin target
//! that jumps on an idle market still phases in.

use anchor_lang::AnchorDeserialize;
use ballast_client::engine as ix;
use ballast_client::simulate::Sim;
use ballast_client::venue::load_venue;
use ballast_tests::adapter::refresh;
use ballast_tests::assertions::assert_error;
use ballast_tests::context::TestContext;
use ballast_tests::fixtures::{SourceFixture, ONE};
use ballast_tests::venue::{add_market, assert_conservation, balance, load, patch, trader, trader_with_position};
use ballast_tests::venue::{venue, Trader, Venue, BASE, S0, T0, USD};
use margin_engine::errors::EngineError;
use margin_engine::instructions::{HealthView, TradeParams};
use margin_engine::state::{MarginAccount, Market, Pool};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

/// Move `sources` of `feed` to `price` at `t`/`slot` (the clock is already
/// there) and refresh.
async fn publish(tc: &mut TestContext, feed: &Pubkey, sources: &mut [SourceFixture], price: i64, t: i64, slot: u64) {
    for s in sources.iter_mut() {
        *s = s.at(price, t, slot);
        tc.set_account(&s.address, &s.account());
    }
    refresh(tc, feed, sources).await.expect("refresh");
}

async fn account(tc: &mut TestContext, t: &Trader) -> MarginAccount {
    load(tc, &t.margin).await
}

/// SECURITY.md invariant 3 both ways, on every account given.
async fn assert_flag_follows_collateral(tc: &mut TestContext, accounts: &[Pubkey]) {
    for a in accounts {
        let acc: MarginAccount = load(tc, a).await;
        assert_eq!(acc.is_bankrupt(), acc.collateral < 0, "flagged exactly when negative: {}", acc.collateral);
    }
}

/// `resolve_bankruptcy` of `t` is refused (`NotBankrupt`), changing nothing:
/// it still has a position, or owes nothing.
async fn assert_nothing_to_resolve(tc: &mut TestContext, v: &Venue, t: &Trader) {
    let i = ix::resolve_bankruptcy(t.margin, &v.keys);
    assert_error(tc, &[i], &[], EngineError::NotBankrupt.into(), &[t.margin]).await;
}

async fn view(tc: &mut TestContext, margin: Pubkey, pairs: &[(Pubkey, Pubkey)]) -> HealthView {
    let data = tc.process_returning(&[ix::account_health(margin, pairs)], &[]).await.expect("account_health");
    HealthView::deserialize(&mut &data[..]).expect("HealthView")
}

/// `k` liquidates `t`'s position in `market` (feed `feed`, the other open
/// positions' pairs `others`) call by call until it is closed, checking the
/// flag after every call.
async fn liquidate_until_closed(
    tc: &mut TestContext,
    v: &Venue,
    k: &Trader,
    t: &Trader,
    (market, feed): (u16, Pubkey),
    others: &[(Pubkey, Pubkey)],
) {
    for _ in 0..16 {
        if account(tc, t).await.slot_of(market).is_none() {
            return;
        }
        let l = ix::liquidate(k.key.pubkey(), k.token, t.margin, &v.keys, market, feed, others);
        tc.process(&[l], &[&k.key]).await.expect("liquidate");
        assert_flag_follows_collateral(tc, &[t.margin]).await;
    }
    panic!("position {market} still open after 16 liquidations");
}

#[tokio::test]
async fn row29_a_deficit_left_by_one_leg_clears_when_the_other_closes_in_profit_and_the_owner_takes_the_rest_out() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    let (eth, eth_feed, mut eth_sources) = add_market(&mut tc, &v, 1, "ETH", 3_000 * ONE).await;
    // Long 10 SOL (1,000) and short 1/3 ETH (1,000) on 300 of collateral.
    let t = trader_with_position(&mut tc, &v, 300 * USD, 10 * BASE).await;
    let owner = t.key.pubkey();
    let short = TradeParams { base: -BASE / 3, limit_price: 1, reduce_only: false };
    let i = ix::trade(owner, t.margin, &v.keys, 1, eth_feed, short, &v.markets());
    tc.process(&[i], &[&t.key]).await.expect("short ETH");
    let k = trader(&mut tc, &v, 0).await;

    // SOL gaps down 45 % while ETH holds: the SOL leg is liquidated whole
    // and leaves a deficit; the ETH leg stays open.
    v.set_price(&mut tc, 55 * ONE, 0, T0 + 10, S0 + 10).await;
    publish(&mut tc, &eth_feed, &mut eth_sources, 3_000 * ONE, T0 + 10, S0 + 10).await;
    liquidate_until_closed(&mut tc, &v, &k, &t, (0, v.feed), &[(eth, eth_feed)]).await;
    let acc = account(&mut tc, &t).await;
    assert!(acc.collateral < 0 && acc.is_bankrupt() && acc.slot_of(1).is_some(), "{}", acc.collateral);
    let deficit = acc.collateral.unsigned_abs();
    assert_nothing_to_resolve(&mut tc, &v, &t).await;
    assert_conservation(&mut tc, &v, &[t.margin, k.margin]).await;

    // ETH falls 20 %: the short gains 200, more than the deficit. The owner
    // closes it; the gain repays the pool first and the flag clears.
    tc.set_clock(S0 + 20, T0 + 20).await;
    publish(&mut tc, &eth_feed, &mut eth_sources, 2_400 * ONE, T0 + 20, S0 + 20).await;
    let pool_before: Pool = load(&mut tc, &ix::pool_address()).await;
    let close = TradeParams { base: BASE / 3, limit_price: i64::MAX, reduce_only: true };
    let logs = tc
        .process_logged(&[ix::trade(owner, t.margin, &v.keys, 1, eth_feed, close, &v.markets())], &[&t.key])
        .await
        .expect("a flagged account closes its winning leg");
    let fill: margin_engine::events::TradeFilled = ballast_tests::adapter::find_event(&logs).expect("TradeFilled");
    let acc = account(&mut tc, &t).await;
    assert!(!acc.is_bankrupt() && !acc.has_positions());
    assert_eq!(acc.collateral, fill.realized_pnl - deficit as i64 - fill.fee as i64);
    let pool: Pool = load(&mut tc, &ix::pool_address()).await;
    assert_eq!(pool.balance, pool_before.balance - (acc.collateral as u64 + fill.fee));
    assert_conservation(&mut tc, &v, &[t.margin, k.margin]).await;

    // Every token left is the owner's to take out, and the account closes.
    let rest = acc.collateral as u64;
    tc.process(&[ix::withdraw(owner, t.margin, t.token, &v.keys, rest, &[])], &[&t.key]).await.expect("withdraw");
    tc.process(&[ix::close_account(owner, t.margin)], &[&t.key]).await.expect("close_account");
    assert_eq!(balance(&mut tc, &t.token).await, rest);
    assert_conservation(&mut tc, &v, &[k.margin]).await;
}

#[tokio::test]
async fn row29_a_deposit_repays_a_deficit_to_the_pool_and_unflags_the_account_exactly_at_zero() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 100 * USD, 9 * BASE).await;
    let k = trader(&mut tc, &v, 0).await;
    v.set_price(&mut tc, 80 * ONE, 0, T0 + 10, S0 + 10).await;
    liquidate_until_closed(&mut tc, &v, &k, &t, (0, v.feed), &[]).await;
    let deficit = account(&mut tc, &t).await.collateral.unsigned_abs();
    assert!(deficit > 50 * USD, "{deficit}");
    assert_eq!(load::<Pool>(&mut tc, &ix::pool_address()).await.receivable, deficit, "owed to the pool");
    ballast_tests::venue::mint_to(&mut tc, &v.keys.collateral_mint, &v.mint_authority, &t.token, deficit).await;
    let owner = t.key.pubkey();
    let pool_before: Pool = load(&mut tc, &ix::pool_address()).await;
    let vault_before = balance(&mut tc, &v.keys.collateral_vault).await;

    // One unit short of the deficit: all of it repays the pool, still flagged.
    let d = |amount| ix::deposit(owner, t.margin, t.token, &v.keys, amount);
    tc.process(&[d(deficit - 1)], &[&t.key]).await.expect("a flagged account may deposit");
    let acc = account(&mut tc, &t).await;
    assert_eq!((acc.collateral, acc.is_bankrupt()), (-1, true));
    let pool: Pool = load(&mut tc, &ix::pool_address()).await;
    assert_eq!((pool.balance, pool.receivable), (pool_before.balance + deficit - 1, 1));
    assert_eq!(balance(&mut tc, &v.keys.collateral_vault).await, vault_before);
    // The last unit clears it: collateral 0, unflagged, nothing to resolve.
    tc.process(&[d(1)], &[&t.key]).await.expect("the last unit");
    let acc = account(&mut tc, &t).await;
    assert_eq!((acc.collateral, acc.flags), (0, 0));
    assert_eq!(load::<Pool>(&mut tc, &ix::pool_address()).await.balance, pool_before.balance + deficit);
    assert_nothing_to_resolve(&mut tc, &v, &t).await;
    assert_conservation(&mut tc, &v, &[t.margin, k.margin]).await;
    tc.process(&[ix::close_account(owner, t.margin)], &[&t.key]).await.expect("close_account");
}

/// 1,000 of collateral, long 90 SOL at 100 (9x), and 0.01 ETH (30) whose
/// feed then goes stale: SOL refreshed at `T0 + 100`, ETH last at `T0`.
async fn nine_x_with_a_stale_dust_leg(
    tc: &mut TestContext,
    v: &mut Venue,
) -> (Trader, (Pubkey, Pubkey), Vec<SourceFixture>) {
    let (eth, eth_feed, eth_sources) = add_market(tc, v, 1, "ETH", 3_000 * ONE).await;
    let t = trader_with_position(tc, v, 1_000 * USD, 90 * BASE).await;
    let dust = TradeParams { base: BASE / 100, limit_price: i64::MAX, reduce_only: false };
    let i = ix::trade(t.key.pubkey(), t.margin, &v.keys, 1, eth_feed, dust, &v.markets());
    tc.process(&[i], &[&t.key]).await.expect("ETH dust");
    v.set_price(tc, 100 * ONE, 0, T0 + 100, S0 + 250).await;
    (t, (eth, eth_feed), eth_sources)
}

#[tokio::test]
async fn row30_a_stale_dust_leg_keeps_the_initial_bar_for_the_valid_leg_and_an_invalid_one_refuses() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    let (t, eth, _) = nine_x_with_a_stale_dust_leg(&mut tc, &mut v).await;
    let pairs = [(v.market, v.feed), eth];
    let feed: oracle_adapter::state::PriceFeed = load(&mut tc, &eth.1).await;
    assert_eq!(
        oracle_adapter::reader::effective_validity(&feed, T0 + 100),
        ballast_risk::oracle::Validity::Stale,
        "ETH is stale at T0 + 100"
    );
    let venue_now = load_venue(&tc.backend()).await.unwrap();
    let acc = account(&mut tc, &t).await;
    let headroom = Sim::new(&venue_now).max_withdraw(&acc);
    // The maintenance bar would free about 450; the initial bar about 100.
    assert!(headroom > 50 * USD && headroom < 110 * USD, "{headroom}");
    let keys = v.keys;
    let w = |amount| ix::withdraw(t.key.pubkey(), t.margin, t.token, &keys, amount, &pairs);
    assert_error(&mut tc, &[w(headroom + 1)], &[&t.key], EngineError::StaleWithdrawExceedsFree.into(), &[]).await;
    assert_error(&mut tc, &[w(300 * USD)], &[&t.key], EngineError::StaleWithdrawExceedsFree.into(), &[]).await;
    tc.process(&[w(headroom)], &[&t.key]).await.expect("the headroom leaves");
    assert_eq!(balance(&mut tc, &t.token).await, headroom);
    assert_eq!(account(&mut tc, &t).await.collateral, acc.collateral - headroom as i64);

    // Past the invalid age the dust leg has no price at all: nothing leaves.
    v.set_price(&mut tc, 100 * ONE, 0, T0 + 1_000, S0 + 2_500).await;
    assert_error(&mut tc, &[w(1)], &[&t.key], EngineError::OracleGate.into(), &[]).await;
}

#[tokio::test]
async fn row30_the_valid_leg_is_liquidated_while_a_dust_leg_is_stale_and_the_stale_leg_is_not() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    let (t, eth, _) = nine_x_with_a_stale_dust_leg(&mut tc, &mut v).await;
    let k = trader(&mut tc, &v, 0).await;
    // At 100 the account is healthy: the stale leg, valued at its last
    // price, does not make it liquidatable.
    let sol = ix::liquidate(k.key.pubkey(), k.token, t.margin, &v.keys, 0, v.feed, &[eth]);
    assert_error(&mut tc, &[sol], &[&k.key], EngineError::NotLiquidatable.into(), &[t.margin]).await;
    // SOL falls 7 %: at 9x the account is below maintenance.
    v.set_price(&mut tc, 93 * ONE, 0, T0 + 101, S0 + 251).await;
    let stale_leg = ix::liquidate(k.key.pubkey(), k.token, t.margin, &v.keys, 1, eth.1, &[(v.market, v.feed)]);
    assert_error(&mut tc, &[stale_leg], &[&k.key], EngineError::OracleGate.into(), &[]).await;
    let before = account(&mut tc, &t).await;
    let l = ix::liquidate(k.key.pubkey(), k.token, t.margin, &v.keys, 0, v.feed, &[eth]);
    let logs = tc.process_logged(&[l], &[&k.key]).await.expect("the valid leg is liquidated");
    let ev: margin_engine::events::Liquidated = ballast_tests::adapter::find_event(&logs).expect("Liquidated");
    assert!(ev.health_before < 0 && ev.health_after > ev.health_before && ev.market == 0);
    let after = account(&mut tc, &t).await;
    assert_eq!(after.positions[0].base, before.positions[0].base + ev.base);
    assert_eq!(after.positions[1], before.positions[1], "the stale leg is untouched");
}

#[tokio::test]
async fn row33_a_stress_jump_on_a_market_idle_for_500_slots_phases_in_and_spares_a_6pct_account_in_that_slot() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    // Only stress moves the target here: the volatility term is capped at 1x.
    patch::<Market>(&mut tc, &v.market, |m| m.params.vol_cap_bps = 10_000).await;
    let t = trader_with_position(&mut tc, &v, 110 * USD, 10 * BASE).await;
    let k = trader(&mut tc, &v, 0).await;
    // SOL 95: the account holds about 6 % of its notional, above 5 %
    // maintenance and below the 7.5 % that stress (1.5x) targets.
    v.set_price(&mut tc, 95 * ONE, 0, T0 + 1, S0 + 1).await;
    tc.process(&[ix::refresh_market(0, v.feed)], &[]).await.expect("refresh_market");
    let h = view(&mut tc, t.margin, &[(v.market, v.feed)]).await;
    let notional = 950 * USD as i64;
    assert!(h.equity * 100 > 5 * notional && h.equity * 1_000 < 75 * notional, "{h:?}");

    // 500 idle slots of 2 s each: the next write observes stress.
    v.set_price(&mut tc, 95 * ONE, 0, T0 + 1 + 1_000, S0 + 501).await;
    let (keys, feed) = (v.keys, v.feed);
    let liq = || ix::liquidate(k.key.pubkey(), k.token, t.margin, &keys, 0, feed, &[]);
    let refresh_market = ix::refresh_market(0, v.feed);
    assert_error(
        &mut tc,
        &[refresh_market.clone(), liq()],
        &[&k.key],
        EngineError::NotLiquidatable.into(),
        &[t.margin],
    )
    .await;
    tc.process(&[refresh_market], &[]).await.expect("refresh_market");
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!((m.phase_mult_bps, m.phase_target_mult_bps, m.phase_updated_slot), (11_000, 15_000, S0 + 501));
    assert_error(&mut tc, &[liq()], &[&k.key], EngineError::NotLiquidatable.into(), &[t.margin]).await;

    // Success twin: once the raise has phased in (1 % of base per slot),
    // the same account at the same price is liquidated.
    v.set_price(&mut tc, 95 * ONE, 0, T0 + 1 + 1_000 + 24, S0 + 561).await;
    tc.process(&[liq()], &[&k.key]).await.expect("liquidated once maintenance has phased in");
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!(m.phase_mult_bps, 15_000);
}

#[tokio::test]
async fn row30_an_invalid_dust_leg_does_not_block_liquidating_the_valid_leg() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    let (t, eth, _) = nine_x_with_a_stale_dust_leg(&mut tc, &mut v).await;
    let k = trader(&mut tc, &v, 0).await;
    // Past ten max ages ETH has no usable price; SOL falls 7 %.
    v.set_price(&mut tc, 93 * ONE, 0, T0 + 1_000, S0 + 2_500).await;
    let feed: oracle_adapter::state::PriceFeed = load(&mut tc, &eth.1).await;
    assert_eq!(oracle_adapter::reader::effective_validity(&feed, T0 + 1_000), ballast_risk::oracle::Validity::Invalid);
    let l = ix::liquidate(k.key.pubkey(), k.token, t.margin, &v.keys, 0, v.feed, &[eth]);
    let logs = tc.process_logged(&[l], &[&k.key]).await.expect("the valid leg is liquidated");
    let ev: margin_engine::events::Liquidated = ballast_tests::adapter::find_event(&logs).expect("Liquidated");
    assert!(ev.health_before < 0 && ev.health_after > ev.health_before && ev.market == 0);
}
