//! SECURITY.md rows 14, 19, 20, 23 and 24 for the margin engine, the oracle
//! gates on trading, limit prices, listing bounds and the pool's cover.

use ballast_client::engine as ix;
use ballast_tests::adapter::refresh;
use ballast_tests::assertions::assert_error;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{balance, load, patch, sol_params, trader, trader_with_position, venue, BASE, S0, T0, USD};
use margin_engine::constants::pause;
use margin_engine::errors::EngineError;
use margin_engine::instructions::{AddMarketParams, InitializeExchangeParams, TradeParams};
use margin_engine::state::{Exchange, MarginAccount, Market, MarketStatus};
use solana_sdk::signature::Signer;

fn order(base: i64, limit_price: i64, reduce_only: bool) -> TradeParams {
    TradeParams { base, limit_price, reduce_only }
}

#[tokio::test]
async fn row14_unit_deposits_and_withdrawals_and_round_trips_never_pay_out_more() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    let t = trader(&mut tc, &v, 20).await;
    let owner = t.key.pubkey();
    for _ in 0..20 {
        tc.process(&[ix::deposit(owner, t.margin, t.token, &v.keys, 1)], &[&t.key]).await.unwrap();
    }
    for _ in 0..20 {
        tc.process(&[ix::withdraw(owner, t.margin, t.token, &v.keys, 1, &[])], &[&t.key]).await.unwrap();
    }
    assert_eq!(balance(&mut tc, &t.token).await, 20);
    assert_eq!(balance(&mut tc, &v.keys.collateral_vault).await, 0);
    // Open and close at an unchanged price: the trader ends with less.
    let t = trader_with_position(&mut tc, &v, 1_000 * USD, 0).await;
    let owner = t.key.pubkey();
    for base in [3 * BASE, -3 * BASE] {
        let limit = if base > 0 { i64::MAX } else { 1 };
        tc.process(&[ix::trade(owner, t.margin, &v.keys, 0, v.feed, order(base, limit, false), &[])], &[&t.key])
            .await
            .unwrap();
    }
    let acc: MarginAccount = load(&mut tc, &t.margin).await;
    assert!(!acc.has_positions());
    assert!(acc.collateral < 1_000_000_000);
    // A 1-unit LP deposit into a pool worth more than its shares mints none.
    let lp = &v.lp.0;
    let i = ix::lp_deposit(lp.pubkey(), v.lp.1, &v.keys, 1, 0, &v.markets());
    ballast_tests::venue::mint_to(&mut tc, &v.keys.collateral_mint, &v.mint_authority, &v.lp.1, 1).await;
    assert_error(&mut tc, &[i], &[lp], EngineError::ZeroAmount.into(), &[]).await;
}

#[tokio::test]
async fn row19_deposit_trade_withdraw_in_one_transaction_holds_health_after_each() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    let t = trader(&mut tc, &v, 100 * USD).await;
    let owner = t.key.pubkey();
    let ixs = [
        ix::deposit(owner, t.margin, t.token, &v.keys, 100 * USD),
        ix::trade(owner, t.margin, &v.keys, 0, v.feed, order(5 * BASE, i64::MAX, false), &[]),
        ix::withdraw(owner, t.margin, t.token, &v.keys, 60 * USD, &[(v.market, v.feed)]),
    ];
    assert_error(&mut tc, &ixs, &[&t.key], EngineError::InitialHealthNegative.into(), &[]).await;
    assert_eq!(balance(&mut tc, &t.token).await, 100 * USD, "the whole transaction reverted");
}

#[tokio::test]
async fn row20_a_withdrawal_that_leaves_initial_health_negative_is_rejected() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    // 100 collateral, 5 SOL long at ~100: IMR 10 % needs ~50.
    let t = trader_with_position(&mut tc, &v, 100 * USD, 5 * BASE).await;
    let owner = t.key.pubkey();
    let health = [(v.market, v.feed)];
    let i = ix::withdraw(owner, t.margin, t.token, &v.keys, 60 * USD, &health);
    assert_error(&mut tc, &[i], &[&t.key], EngineError::InitialHealthNegative.into(), &[]).await;
    let i = ix::withdraw(owner, t.margin, t.token, &v.keys, 101 * USD, &health);
    assert_error(&mut tc, &[i], &[&t.key], EngineError::InsufficientCollateral.into(), &[]).await;
    // Free collateral still comes out.
    tc.process(&[ix::withdraw(owner, t.margin, t.token, &v.keys, 40 * USD, &health)], &[&t.key]).await.unwrap();
    assert_eq!(balance(&mut tc, &t.token).await, 40 * USD);
}

#[tokio::test]
async fn row23_paused_operations_change_nothing_and_reduce_only_blocks_increases() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 100 * USD, BASE).await;
    let owner = t.key.pubkey();
    let all = pause::DEPOSIT | pause::WITHDRAW | pause::TRADE | pause::LP;
    patch::<Exchange>(&mut tc, &ix::exchange_address(), |e| e.pause_bits = all).await;
    let paused = EngineError::Paused.into();
    let health = [(v.market, v.feed)];
    assert_error(&mut tc, &[ix::deposit(owner, t.margin, t.token, &v.keys, USD)], &[&t.key], paused, &[]).await;
    assert_error(&mut tc, &[ix::withdraw(owner, t.margin, t.token, &v.keys, USD, &health)], &[&t.key], paused, &[])
        .await;
    let sell = order(-BASE, 1, true);
    assert_error(&mut tc, &[ix::trade(owner, t.margin, &v.keys, 0, v.feed, sell, &[])], &[&t.key], paused, &[]).await;
    let lp = &v.lp.0;
    assert_error(&mut tc, &[ix::lp_deposit(lp.pubkey(), v.lp.1, &v.keys, USD, 0, &v.markets())], &[lp], paused, &[])
        .await;
    assert_error(&mut tc, &[ix::lp_withdraw(lp.pubkey(), v.lp.1, &v.keys, USD, 0, &v.markets())], &[lp], paused, &[])
        .await;

    // Unpaused but reduce-only: increases and flips fail, exits work.
    patch::<Exchange>(&mut tc, &ix::exchange_address(), |e| e.pause_bits = 0).await;
    patch::<Market>(&mut tc, &v.market, |m| m.status = MarketStatus::ReduceOnly as u8).await;
    let ro = EngineError::ReduceOnlyViolated.into();
    assert_error(
        &mut tc,
        &[ix::trade(owner, t.margin, &v.keys, 0, v.feed, order(BASE, i64::MAX, false), &[])],
        &[&t.key],
        ro,
        &[],
    )
    .await;
    assert_error(
        &mut tc,
        &[ix::trade(owner, t.margin, &v.keys, 0, v.feed, order(-2 * BASE, 1, false), &[])],
        &[&t.key],
        ro,
        &[],
    )
    .await;
    tc.process(&[ix::trade(owner, t.margin, &v.keys, 0, v.feed, order(-BASE, 1, false), &[])], &[&t.key])
        .await
        .unwrap();
    assert!(!load::<MarginAccount>(&mut tc, &t.margin).await.has_positions());
    // The trader's own reduce-only flag refuses an increase in an active market.
    patch::<Market>(&mut tc, &v.market, |m| m.status = MarketStatus::Active as u8).await;
    assert_error(
        &mut tc,
        &[ix::trade(owner, t.margin, &v.keys, 0, v.feed, order(BASE, i64::MAX, true), &[])],
        &[&t.key],
        ro,
        &[],
    )
    .await;
}

#[tokio::test]
async fn row24_deposit_and_open_interest_caps_hold_and_reductions_still_pass() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 100 * USD, BASE).await;
    let owner = t.key.pubkey();
    patch::<Exchange>(&mut tc, &ix::exchange_address(), |e| e.deposit_cap = 150 * USD).await;
    ballast_tests::venue::mint_to(&mut tc, &v.keys.collateral_mint, &v.mint_authority, &t.token, 100 * USD).await;
    let i = ix::deposit(owner, t.margin, t.token, &v.keys, 51 * USD);
    assert_error(&mut tc, &[i], &[&t.key], EngineError::DepositCapExceeded.into(), &[]).await;
    tc.process(&[ix::deposit(owner, t.margin, t.token, &v.keys, 49 * USD)], &[&t.key]).await.unwrap();
    patch::<Market>(&mut tc, &v.market, |m| m.oi_cap = BASE as u64).await;
    let i = ix::trade(owner, t.margin, &v.keys, 0, v.feed, order(BASE, i64::MAX, false), &[]);
    assert_error(&mut tc, &[i], &[&t.key], EngineError::OiCapExceeded.into(), &[]).await;
    tc.process(&[ix::trade(owner, t.margin, &v.keys, 0, v.feed, order(-BASE / 2, 1, true), &[])], &[&t.key])
        .await
        .unwrap();
}

#[tokio::test]
async fn new_risk_needs_a_valid_feed_reductions_a_degraded_one_and_a_stale_feed_frees_only_spare_collateral() {
    let (mut tc, mut v) = venue(100 * ONE, 10_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 100 * USD, BASE).await;
    let owner = t.key.pubkey();
    // One source goes bad: Degraded.
    tc.set_clock(S0 + 5, T0 + 5).await;
    v.sources[0] = v.sources[0].at(100 * ONE, T0 + 5, S0 + 5);
    v.sources[1].samples = 0;
    refresh(&mut tc, &v.feed, &v.sources).await.unwrap();
    let gate = EngineError::OracleGate.into();
    assert_error(
        &mut tc,
        &[ix::trade(owner, t.margin, &v.keys, 0, v.feed, order(BASE, i64::MAX, false), &[])],
        &[&t.key],
        gate,
        &[],
    )
    .await;
    tc.process(&[ix::trade(owner, t.margin, &v.keys, 0, v.feed, order(-BASE / 2, 1, true), &[])], &[&t.key])
        .await
        .unwrap();
    // The feed ages past its max age: reductions wait, and only collateral
    // that initial margin does not need at the last good price less 10 %
    // can leave (0.5 SOL at 90 with 10 % on 110: about 89 of the ~100).
    tc.set_clock(S0 + 200, T0 + 200).await;
    let i = ix::trade(owner, t.margin, &v.keys, 0, v.feed, order(-BASE / 2, 1, true), &[]);
    assert_error(&mut tc, &[i], &[&t.key], gate, &[]).await;
    let w = |amount| ix::withdraw(owner, t.margin, t.token, &v.keys, amount, &[(v.market, v.feed)]);
    let too_much = EngineError::StaleWithdrawExceedsFree.into();
    assert_error(&mut tc, &[w(90 * USD)], &[&t.key], too_much, &[]).await;
    tc.process(&[w(85 * USD)], &[&t.key]).await.expect("free collateral leaves while the oracle is stale");
    assert_eq!(ballast_tests::venue::balance(&mut tc, &t.token).await, 85 * USD);
}

#[tokio::test]
async fn fills_beyond_the_limit_price_are_rejected() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 100 * USD, 0).await;
    let owner = t.key.pubkey();
    let err = EngineError::LimitPriceExceeded.into();
    assert_error(
        &mut tc,
        &[ix::trade(owner, t.margin, &v.keys, 0, v.feed, order(BASE, 100 * ONE, false), &[])],
        &[&t.key],
        err,
        &[],
    )
    .await;
    assert_error(
        &mut tc,
        &[ix::trade(owner, t.margin, &v.keys, 0, v.feed, order(-BASE, 100 * ONE, false), &[])],
        &[&t.key],
        err,
        &[],
    )
    .await;
}

#[tokio::test]
async fn add_market_enforces_every_bound_and_cross_field_rule() {
    let (mut tc, v) = venue(100 * ONE, 0).await;
    let p = sol_params();
    let bad = [
        AddMarketParams { imr_bps: p.mmr_bps, ..sol_params() },
        AddMarketParams { imr_bps: 10_001, ..sol_params() },
        AddMarketParams { mmr_bps: 9, ..sol_params() },
        AddMarketParams { fee_bps: p.mmr_bps, mmr_bps: 50, imr_bps: 100, ..sol_params() },
        AddMarketParams { fee_bps: 101, ..sol_params() },
        AddMarketParams { max_spread_bps: 4, ..sol_params() },
        AddMarketParams { conf_mult_bps: 50_001, ..sol_params() },
        AddMarketParams { band_bps: 49, ..sol_params() },
        AddMarketParams { band_bps: 5_001, ..sol_params() },
        AddMarketParams { breaker_cooldown_slots: 0, ..sol_params() },
    ];
    let market = ix::market_address(1);
    for params in bad {
        let i = ix::add_market(v.gov.pubkey(), 1, v.feed, params);
        assert_error(&mut tc, &[i], &[&v.gov], EngineError::ParamOutOfBounds.into(), &[market]).await;
    }
    let i = ix::add_market(v.gov.pubkey(), 1, v.feed, AddMarketParams { symbol: "eth".into(), ..sol_params() });
    assert_error(&mut tc, &[i], &[&v.gov], EngineError::InvalidSymbol.into(), &[market]).await;
    assert_eq!(load::<Exchange>(&mut tc, &ix::exchange_address()).await.market_count, 1);
}

#[tokio::test]
async fn the_insurance_share_of_trading_fees_is_at_most_all_of_it() {
    let (mut tc, gov, keys, vaults) = ballast_tests::venue::bare_exchange(6).await;
    let params = InitializeExchangeParams {
        insurance_fee_share_bps: 10_001,
        ..ballast_tests::venue::exchange_params(gov.pubkey())
    };
    let i = ix::initialize_exchange(gov.pubkey(), &keys, params);
    let signers = [&gov, &vaults[0], &vaults[1], &vaults[2]];
    assert_error(&mut tc, &[i], &signers, EngineError::ParamOutOfBounds.into(), &[]).await;
    assert!(tc.account(&ix::exchange_address()).await.is_none());
}

#[tokio::test]
async fn the_collateral_mint_must_have_six_decimals() {
    let (mut tc, gov, keys, vaults) = ballast_tests::venue::bare_exchange(9).await;
    let i = ix::initialize_exchange(gov.pubkey(), &keys, ballast_tests::venue::exchange_params(gov.pubkey()));
    let signers = [&gov, &vaults[0], &vaults[1], &vaults[2]];
    assert_error(&mut tc, &[i], &signers, EngineError::InvalidCollateralMint.into(), &[]).await;
    assert!(tc.account(&ix::exchange_address()).await.is_none());
}

#[tokio::test]
async fn an_lp_withdrawal_may_not_leave_the_pool_unable_to_cover_its_exposure() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000 * USD).await;
    // The pool goes short 50 SOL (5,000 notional): IMR cover 500.
    let _t = trader_with_position(&mut tc, &v, 1_000 * USD, 50 * BASE).await;
    v.hold_until(&mut tc, S0 + margin_engine::constants::LP_MIN_HOLD_SLOTS).await;
    let lp = &v.lp.0;
    // 900 of 1,000 shares would leave NAV ~100 against a 500 requirement.
    let i = ix::lp_withdraw(lp.pubkey(), v.lp.1, &v.keys, 900 * USD, 0, &v.markets());
    assert_error(&mut tc, &[i], &[lp], EngineError::PoolUndercovered.into(), &[]).await;
    // All of the LP's shares (1,000 less the 1 locked) are worth ~1,002 of
    // NAV with the spread earned, more than the 1,000 the pool holds:
    // unrealised gains are not paid out.
    let held = 1_000 * USD - ballast_risk::lp::LOCKED_SHARES;
    let i = ix::lp_withdraw(lp.pubkey(), v.lp.1, &v.keys, held, 0, &v.markets());
    assert_error(&mut tc, &[i], &[lp], EngineError::PoolInsufficient.into(), &[]).await;
    let i = ix::lp_withdraw(lp.pubkey(), v.lp.1, &v.keys, held + 1, 0, &v.markets());
    assert_error(&mut tc, &[i], &[lp], EngineError::InsufficientShares.into(), &[]).await;
    let i = ix::lp_withdraw(lp.pubkey(), v.lp.1, &v.keys, 100 * USD, 0, &v.markets());
    tc.process(&[i], &[lp]).await.unwrap();
}
