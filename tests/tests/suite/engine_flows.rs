//! End-to-end flows with the real SPL Token program: every balance exact,
//! the accounting invariants after every step.

use ballast_client::engine as ix;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{assert_conservation, balance, load, trader, venue, BASE, S0, T0, USD};
use margin_engine::instructions::TradeParams;
use margin_engine::state::{Exchange, MarginAccount, Pool};
use solana_sdk::signature::Signer;

#[tokio::test]
async fn deposit_trade_price_move_partial_close_withdraw() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let t = trader(&mut tc, &v, 1_000 * USD).await;
    let owner = t.key.pubkey();
    let accounts = [t.margin];
    assert_conservation(&mut tc, &v, &accounts).await;

    // Deposit 1,000.
    tc.process(&[ix::deposit(owner, t.margin, t.token, &v.keys, 1_000 * USD)], &[&t.key]).await.unwrap();
    assert_eq!(balance(&mut tc, &t.token).await, 0);
    assert_eq!(balance(&mut tc, &v.keys.collateral_vault).await, 1_000 * USD);
    assert_eq!(load::<MarginAccount>(&mut tc, &t.margin).await.collateral, 1_000_000_000);
    assert_conservation(&mut tc, &v, &accounts).await;

    // Buy 2 SOL at 100: spread 5 bps + 1 bp of skew (200 of 100,000 depth)
    // -> fill 100.06, cost 200.12, fee 5 bps = 0.10006, of which 20 %
    // (0.020012) goes to the insurance fund.
    let buy = TradeParams { base: 2 * BASE, limit_price: 101 * ONE, reduce_only: false };
    tc.process(&[ix::trade(owner, t.margin, &v.keys, 0, v.feed, buy, &[])], &[&t.key]).await.unwrap();
    let acc: MarginAccount = load(&mut tc, &t.margin).await;
    assert_eq!(acc.collateral, 1_000_000_000 - 100_060);
    assert_eq!((acc.positions[0].market, acc.positions[0].base, acc.positions[0].quote), (0, 2 * BASE, -200_120_000));
    let ex: Exchange = load(&mut tc, &ix::exchange_address()).await;
    assert_eq!((ex.fees_balance, ex.insurance_balance), (80_048, 20_012));
    assert_eq!(balance(&mut tc, &v.keys.collateral_vault).await, 1_000 * USD - 20_012);
    assert_eq!(balance(&mut tc, &v.keys.insurance_vault).await, 20_012);
    assert_conservation(&mut tc, &v, &accounts).await;

    // SOL moves to 110.
    v.set_price(&mut tc, 110 * ONE, 0, T0 + 30, S0 + 75).await;

    // Sell 1 SOL: the trade shrinks the pool's skew, so 5 bps only -> fill
    // 109.945. Half the basis (100.06) is realised: +9.885, fee 0.054973
    // (0.010994 to insurance, rounded down).
    let sell = TradeParams { base: -BASE, limit_price: 109 * ONE, reduce_only: true };
    tc.process(&[ix::trade(owner, t.margin, &v.keys, 0, v.feed, sell, &[])], &[&t.key]).await.unwrap();
    let acc: MarginAccount = load(&mut tc, &t.margin).await;
    assert_eq!(acc.collateral, 1_000_000_000 - 100_060 + 9_885_000 - 54_973);
    assert_eq!((acc.positions[0].base, acc.positions[0].quote), (BASE, -100_060_000));
    assert_eq!(balance(&mut tc, &v.keys.collateral_vault).await, 1_000 * USD + 9_885_000 - 20_012 - 10_994);
    assert_eq!(balance(&mut tc, &v.keys.pool_vault).await, 100_000 * USD - 9_885_000);
    assert_eq!(load::<Pool>(&mut tc, &ix::pool_address()).await.balance, 100_000 * USD - 9_885_000);
    assert_conservation(&mut tc, &v, &accounts).await;

    // Withdraw 900 with the position open: health is checked at 110.
    let health = [(v.market, v.feed)];
    tc.process(&[ix::withdraw(owner, t.margin, t.token, &v.keys, 900 * USD, &health)], &[&t.key]).await.unwrap();
    assert_eq!(balance(&mut tc, &t.token).await, 900 * USD);
    let acc: MarginAccount = load(&mut tc, &t.margin).await;
    assert_eq!(acc.collateral, 1_009_729_967 - 900_000_000);
    assert_eq!(balance(&mut tc, &v.keys.collateral_vault).await, 100 * USD + 9_885_000 - 20_012 - 10_994);
    assert_conservation(&mut tc, &v, &accounts).await;

    // Close the rest, withdraw everything, close the account.
    let close = TradeParams { base: -BASE, limit_price: 100 * ONE, reduce_only: true };
    tc.process(&[ix::trade(owner, t.margin, &v.keys, 0, v.feed, close, &[])], &[&t.key]).await.unwrap();
    let acc: MarginAccount = load(&mut tc, &t.margin).await;
    assert!(!acc.has_positions());
    // Realised 109.945 - 100.06 = 9.885 again, fee 0.054973.
    assert_eq!(acc.collateral, 109_729_967 + 9_885_000 - 54_973);
    assert_conservation(&mut tc, &v, &accounts).await;
    let rest = acc.collateral as u64;
    tc.process(&[ix::withdraw(owner, t.margin, t.token, &v.keys, rest, &[])], &[&t.key]).await.unwrap();
    tc.process(&[ix::close_account(owner, t.margin)], &[&t.key]).await.unwrap();
    assert!(tc.account(&t.margin).await.is_none());
    assert_eq!(balance(&mut tc, &t.token).await, 900 * USD + rest);
    // What remains in the collateral vault is exactly the protocol's part of
    // the fees; the insurance vault holds the rest.
    let ex: Exchange = load(&mut tc, &ix::exchange_address()).await;
    assert_eq!(ex.fees_balance, (100_060 - 20_012) + 2 * (54_973 - 10_994));
    assert_eq!(ex.insurance_balance, 20_012 + 2 * 10_994);
    assert_eq!(balance(&mut tc, &v.keys.collateral_vault).await, ex.fees_balance);
    assert_eq!(balance(&mut tc, &v.keys.insurance_vault).await, ex.insurance_balance);
    assert_conservation(&mut tc, &v, &[]).await;
}

#[tokio::test]
async fn lp_deposit_and_withdraw_at_nav() {
    let (mut tc, mut v) = venue(100 * ONE, 10_000 * USD).await;
    let (lp, lp_token) = (v.lp.0.insecure_clone(), v.lp.1);
    let lp = &lp;
    let locked = ballast_risk::lp::LOCKED_SHARES;
    assert_eq!(
        ballast_tests::venue::lp_shares(&mut tc, &lp.pubkey()).await,
        10_000 * USD - locked,
        "1:1 less the lock"
    );
    v.hold_until(&mut tc, S0 + margin_engine::constants::LP_MIN_HOLD_SLOTS).await;
    let w = ix::lp_withdraw(lp.pubkey(), lp_token, &v.keys, 4_000 * USD, 0, &v.markets());
    tc.process(&[w], &[lp]).await.unwrap();
    assert_eq!(balance(&mut tc, &lp_token).await, 4_000 * USD);
    assert_eq!(balance(&mut tc, &v.keys.pool_vault).await, 6_000 * USD);
    let pool: Pool = load(&mut tc, &ix::pool_address()).await;
    assert_eq!((pool.balance, pool.shares), (6_000 * USD, 6_000 * USD));
    assert_conservation(&mut tc, &v, &[]).await;
}
