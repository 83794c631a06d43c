//! SECURITY.md row 31 (LP round trip) and the pool's cash: shares are
//! minted at the NAV favourable to the pool and burned at the adverse one,
//! with minimums; LPs cannot take cash owed to winning traders; the first
//! deposit cannot capture value that nobody owned.

use ballast_client::engine as ix;
use ballast_client::simulate::Sim;
use ballast_client::venue::load_venue;
use ballast_risk::lp::LOCKED_SHARES;
use ballast_tests::assertions::assert_error;
use ballast_tests::context::TestContext;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{airdrop, balance, create_token_account, load, lp_shares, mint_to};
use ballast_tests::venue::{market_order, trader_with_position, venue, Venue, BASE, S0, T0, USD};
use margin_engine::constants::LP_MIN_HOLD_SLOTS;
use margin_engine::errors::EngineError;
use margin_engine::state::{LpPosition, Pool};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

/// A new LP holding `funds` of collateral tokens.
async fn new_lp(tc: &mut TestContext, v: &Venue, funds: u64) -> (Keypair, Pubkey) {
    let lp = ballast_tests::context::keypair();
    airdrop(tc, &lp.pubkey(), 1_000_000_000).await;
    let token = create_token_account(tc, &v.keys.collateral_mint, &lp.pubkey()).await;
    mint_to(tc, &v.keys.collateral_mint, &v.mint_authority, &token, funds).await;
    (lp, token)
}

async fn sim(tc: &mut TestContext) -> ballast_client::venue::Venue {
    load_venue(&tc.backend()).await.unwrap()
}

#[tokio::test]
async fn row31_a_deposit_while_confidence_is_wide_then_a_withdrawal_once_it_narrows_returns_no_more_than_went_in() {
    let (mut tc, mut v) = venue(100 * ONE, 10_000 * USD).await;
    // Traders long 50 SOL: the pool is short 50.
    trader_with_position(&mut tc, &v, 1_000 * USD, 50 * BASE).await;
    // Confidence widens to 1.5 (still usable for LP flows).
    v.set_price(&mut tc, 100 * ONE, 3 * ONE as u64 / 2, T0 + 1, S0 + 1).await;
    let (lp, token) = new_lp(&mut tc, &v, 1_000 * USD).await;
    let preview = Sim::new(&sim(&mut tc).await).lp_deposit(1_000 * USD, 0).expect("preview");
    // The minimum is honoured to the share: one more is refused...
    let d = |min| ix::lp_deposit(lp.pubkey(), token, &v.keys, 1_000 * USD, min, &v.markets());
    assert_error(&mut tc, &[d(preview + 1)], &[&lp], EngineError::SlippageExceeded.into(), &[]).await;
    // ...and exactly the preview is minted.
    tc.process(&[d(preview)], &[&lp]).await.expect("lp_deposit");
    assert_eq!(lp_shares(&mut tc, &lp.pubkey()).await, preview);

    // The sandwich: right after the deposit, a refresh to a price the
    // depositor already knows (here confidence narrowing), then a withdrawal.
    v.publish(&mut tc, 100 * ONE, 0, T0 + 2, S0 + 2).await;
    let sandwich = [
        ballast_client::oracle::refresh(v.feed, &[v.sources[0].address, v.sources[1].address]),
        ix::lp_withdraw(lp.pubkey(), token, &v.keys, preview, 0, &v.markets()),
    ];
    assert_error(&mut tc, &sandwich, &[&lp], EngineError::LpHoldPending.into(), &[]).await;
    // Success twin at the end of the hold: the LP leaves with everything,
    // confidence narrowed since its deposit.
    v.set_price(&mut tc, 100 * ONE, 0, T0 + 60, S0 + 1 + LP_MIN_HOLD_SLOTS).await;
    let lp_now: LpPosition = load(&mut tc, &ix::lp_address(&lp.pubkey())).await;
    assert_eq!(lp_now.last_deposit_slot, S0 + 1);
    let paid = Sim::new(&sim(&mut tc).await).lp_withdraw(preview, &lp_now, 0).expect("preview");
    let w = |min| ix::lp_withdraw(lp.pubkey(), token, &v.keys, preview, min, &v.markets());
    assert_error(&mut tc, &[w(paid + 1)], &[&lp], EngineError::SlippageExceeded.into(), &[]).await;
    tc.process(&[w(paid)], &[&lp]).await.expect("lp_withdraw");
    assert_eq!(balance(&mut tc, &token).await, paid);
    assert!(paid <= 1_000 * USD, "the round trip gained {}", paid as i64 - (1_000 * USD) as i64);
}

#[tokio::test]
async fn row31_lps_cannot_withdraw_the_cash_the_pool_owes_winning_traders() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000 * USD).await;
    // A long and a short of the same size: the pool is flat, its exposure
    // requirement zero, but the winner's profit must come from its cash.
    let winner = trader_with_position(&mut tc, &v, 200 * USD, 5 * BASE).await;
    let loser = trader_with_position(&mut tc, &v, 200 * USD, -5 * BASE).await;
    v.set_price(&mut tc, 120 * ONE, 0, T0 + 60, S0 + LP_MIN_HOLD_SLOTS).await;
    let venue_now = sim(&mut tc).await;
    let valuation = Sim::new(&venue_now).pool_valuation().expect("valuation");
    let pool: Pool = load(&mut tc, &ix::pool_address()).await;
    assert!(valuation.owed > 95 * USD, "the long's ~100 of profit: {}", valuation.owed);
    assert_eq!(valuation.requirement, 0);
    // The most shares whose payout fits the cash left after what is owed.
    let cash = pool.balance - valuation.owed;
    let max = ((cash as u128 + 1) * pool.shares as u128 - 1) / valuation.nav as u128;
    let (lp, token) = (&v.lp.0, v.lp.1);
    let w = |shares: u128| ix::lp_withdraw(lp.pubkey(), token, &v.keys, shares as u64, 0, &v.markets());
    assert_error(&mut tc, &[w(max + 1)], &[lp], EngineError::PoolInsufficient.into(), &[]).await;
    tc.process(&[w(max)], &[lp]).await.expect("withdraw up to the cash not owed");
    let pool_after: Pool = load(&mut tc, &ix::pool_address()).await;
    assert!(pool_after.balance >= valuation.owed && pool_after.balance - valuation.owed < 2);
    // The winner closes and is paid in full.
    tc.process(&[market_order(&winner, &v, -5 * BASE)], &[&winner.key]).await.expect("the winner is paid");
    let acc: margin_engine::state::MarginAccount = load(&mut tc, &winner.margin).await;
    assert!(acc.collateral > 290 * USD as i64, "{}", acc.collateral);
    let _ = loser;
}

#[tokio::test]
async fn row31_the_first_deposit_locks_shares_and_cannot_capture_value_booked_before_it() {
    let (mut tc, mut v) = venue(100 * ONE, 0).await;
    // A trader loses to a pool that has no LP yet: 50 of ownerless value.
    let t = trader_with_position(&mut tc, &v, 200 * USD, 10 * BASE).await;
    v.set_price(&mut tc, 95 * ONE, 0, T0 + 1, S0 + 1).await;
    let close = ix::trade(
        t.key.pubkey(),
        t.margin,
        &v.keys,
        0,
        v.feed,
        margin_engine::instructions::TradeParams { base: -10 * BASE, limit_price: 1, reduce_only: true },
        &[],
    );
    tc.process(&[close], &[&t.key]).await.expect("close at a loss");
    let ownerless = load::<Pool>(&mut tc, &ix::pool_address()).await.balance;
    assert!(ownerless >= 50 * USD, "{ownerless}");

    let (lp, token) = new_lp(&mut tc, &v, 1_000 * USD).await;
    let d = |amount| ix::lp_deposit(lp.pubkey(), token, &v.keys, amount, 0, &v.markets());
    assert_error(&mut tc, &[d(LOCKED_SHARES)], &[&lp], EngineError::FirstDepositTooSmall.into(), &[]).await;
    tc.process(&[d(LOCKED_SHARES + 1)], &[&lp]).await.expect("one share more than the lock");
    assert_eq!(lp_shares(&mut tc, &lp.pubkey()).await, 1);
    let pool: Pool = load(&mut tc, &ix::pool_address()).await;
    assert_eq!((pool.shares, pool.balance), (ownerless + LOCKED_SHARES + 1, ownerless + LOCKED_SHARES + 1));

    // A real deposit after it: the LP's shares are worth what it put in,
    // never the ownerless value.
    tc.process(&[d(500 * USD)], &[&lp]).await.expect("lp_deposit");
    v.hold_until(&mut tc, S0 + 1 + LP_MIN_HOLD_SLOTS).await;
    let lp_now: LpPosition = load(&mut tc, &ix::lp_address(&lp.pubkey())).await;
    let held = lp_now.shares;
    let paid = Sim::new(&sim(&mut tc).await).lp_withdraw(held, &lp_now, 0).expect("preview");
    assert!(paid <= 500 * USD + 1, "{paid}");
    tc.process(&[ix::lp_withdraw(lp.pubkey(), token, &v.keys, held, 0, &v.markets())], &[&lp]).await.unwrap();
    assert_eq!(balance(&mut tc, &token).await, 1_000 * USD - 500 * USD - LOCKED_SHARES - 1 + paid);
}

#[tokio::test]
async fn row14_lp_amounts_that_do_not_divide_round_against_the_lp_and_the_dust_stays_in_the_pool() {
    let (mut tc, mut v) = venue(100 * ONE, 10_000 * USD).await;
    // A round trip earns the pool its spread: NAV is no longer a whole
    // multiple of the shares, and the pool holds no position.
    let t = trader_with_position(&mut tc, &v, 1_000 * USD, 3 * BASE).await;
    tc.process(&[market_order(&t, &v, -3 * BASE)], &[&t.key]).await.expect("close");
    let (lp, token) = new_lp(&mut tc, &v, 10 * USD).await;
    let mut paid_total = 0;
    let mut put_in = 0;
    let mut slot = S0;
    for amount in [1u64, 3, 7, 999_999, 1_234_567] {
        let pool: Pool = load(&mut tc, &ix::pool_address()).await;
        assert!(pool.balance > pool.shares, "NAV above one per share");
        let shares = (amount as u128 * pool.shares as u128 / pool.balance as u128) as u64;
        let d = ix::lp_deposit(lp.pubkey(), token, &v.keys, amount, 0, &v.markets());
        if shares == 0 {
            assert_error(&mut tc, &[d], &[&lp], EngineError::ZeroAmount.into(), &[]).await;
            continue;
        }
        tc.process(&[d], &[&lp]).await.expect("lp_deposit");
        assert_eq!(lp_shares(&mut tc, &lp.pubkey()).await, shares, "minted rounding down");
        slot += LP_MIN_HOLD_SLOTS;
        v.hold_until(&mut tc, slot).await;
        let pool: Pool = load(&mut tc, &ix::pool_address()).await;
        let paid = (shares as u128 * pool.balance as u128 / pool.shares as u128) as u64;
        tc.process(&[ix::lp_withdraw(lp.pubkey(), token, &v.keys, shares, 0, &v.markets())], &[&lp]).await.unwrap();
        let after: Pool = load(&mut tc, &ix::pool_address()).await;
        assert_eq!(after.balance, pool.balance - paid, "paid rounding down");
        assert!(paid < amount, "{amount} in, {paid} out: the dust stays with the pool");
        paid_total += paid;
        put_in += amount;
    }
    assert_eq!(balance(&mut tc, &token).await, 10 * USD - put_in + paid_total);
}
