//! Delegates: the owner names a key that may trade its margin account,
//! optionally until a slot. The delegate trades with every check a trade
//! has; it never withdraws, closes the account or changes the delegate.
//! Every permission, allowed and refused, with the exact error.

use ballast_client::engine as ix;
use ballast_tests::assertions::assert_error;
use ballast_tests::context::{keypair, TestContext};
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{load, trader, trader_with_position, venue, Trader, Venue, BASE, USD};
use margin_engine::errors::EngineError;
use margin_engine::events::DelegateSet;
use margin_engine::instructions::TradeParams;
use margin_engine::state::MarginAccount;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

fn order(v: &Venue, t: &Trader, by: &Keypair, base: i64) -> solana_sdk::instruction::Instruction {
    let limit = if base > 0 { i64::MAX } else { 1 };
    let p = TradeParams { base, limit_price: limit, reduce_only: false };
    ix::trade(by.pubkey(), t.margin, &v.keys, 0, v.feed, p, &[])
}

/// `by`'s order of `base` on `t`'s account is refused with `e`, changing nothing.
async fn refused_trade(tc: &mut TestContext, v: &Venue, t: &Trader, by: &Keypair, base: i64, e: EngineError) {
    assert_error(tc, &[order(v, t, by, base)], &[by], e.into(), &[t.margin]).await;
}

async fn position(tc: &mut TestContext, t: &Trader) -> i64 {
    load::<MarginAccount>(tc, &t.margin).await.positions[0].base
}

async fn set(tc: &mut TestContext, t: &Trader, delegate: Pubkey, expiry: u64) -> DelegateSet {
    let logs =
        tc.process_logged(&[ix::set_delegate(t.key.pubkey(), t.margin, delegate, expiry)], &[&t.key]).await.unwrap();
    ballast_tests::adapter::find_event(&logs).expect("DelegateSet")
}

#[tokio::test]
async fn a_delegate_trades_but_never_withdraws_closes_or_names_a_delegate() {
    let (mut tc, v) = venue(100 * ONE, 100_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 1_000 * USD, 0).await;
    let hot = keypair();
    let stranger = keypair();
    for k in [&hot, &stranger] {
        ballast_bank::setup::airdrop(&mut tc, &k.pubkey(), 1_000_000_000).await;
    }
    // Before any delegate, a stranger's trade is refused.
    refused_trade(&mut tc, &v, &t, &stranger, BASE, EngineError::NotOwnerOrDelegate).await;

    let e = set(&mut tc, &t, hot.pubkey(), 0).await;
    assert_eq!((e.account, e.delegate, e.expiry_slot), (t.margin, hot.pubkey(), 0));
    let acc: MarginAccount = load(&mut tc, &t.margin).await;
    assert_eq!((acc.delegate, acc.delegate_expiry_slot), (hot.pubkey(), 0));

    // The delegate trades: opens, then reduces, with the exact effect.
    tc.process(&[order(&v, &t, &hot, 2 * BASE)], &[&hot]).await.unwrap();
    assert_eq!(position(&mut tc, &t).await, 2 * BASE);
    tc.process(&[order(&v, &t, &hot, -BASE)], &[&hot]).await.unwrap();
    assert_eq!(position(&mut tc, &t).await, BASE);
    // A stranger still cannot.
    refused_trade(&mut tc, &v, &t, &stranger, BASE, EngineError::NotOwnerOrDelegate).await;

    // Never withdraw (to any token account), close, or name a delegate.
    let hot_token = ballast_bank::setup::create_token_account(&mut tc, &v.keys.collateral_mint, &hot.pubkey()).await;
    for to in [hot_token, t.token] {
        let w = ix::withdraw(hot.pubkey(), t.margin, to, &v.keys, USD, &v.markets());
        assert_error(&mut tc, &[w], &[&hot], EngineError::NotOwner.into(), &[t.margin]).await;
    }
    assert_error(
        &mut tc,
        &[ix::close_account(hot.pubkey(), t.margin)],
        &[&hot],
        EngineError::NotOwner.into(),
        &[t.margin],
    )
    .await;
    for named in [stranger.pubkey(), hot.pubkey(), Pubkey::default()] {
        let i = ix::set_delegate(hot.pubkey(), t.margin, named, 0);
        assert_error(&mut tc, &[i], &[&hot], EngineError::NotOwner.into(), &[t.margin]).await;
    }
    // Success twin: the owner withdraws.
    let w = ix::withdraw(t.key.pubkey(), t.margin, t.token, &v.keys, USD, &v.markets());
    tc.process(&[w], &[&t.key]).await.unwrap();

    // The owner removes the delegate: its next trade is refused.
    let e = set(&mut tc, &t, Pubkey::default(), 0).await;
    assert_eq!((e.delegate, e.expiry_slot), (Pubkey::default(), 0));
    refused_trade(&mut tc, &v, &t, &hot, BASE, EngineError::NotOwnerOrDelegate).await;
    // The owner itself always trades.
    tc.process(&[order(&v, &t, &t.key, BASE)], &[&t.key]).await.unwrap();
    assert_eq!(position(&mut tc, &t).await, 2 * BASE);
}

#[tokio::test]
async fn a_delegate_acts_until_the_slot_before_its_expiry_and_not_at_it() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 1_000 * USD, 0).await;
    let hot = keypair();
    ballast_bank::setup::airdrop(&mut tc, &hot.pubkey(), 1_000_000_000).await;
    let now = tc.clock().await.slot;
    let expiry = now + 100;
    set(&mut tc, &t, hot.pubkey(), expiry).await;
    v.hold_until(&mut tc, expiry - 1).await;
    tc.process(&[order(&v, &t, &hot, BASE)], &[&hot]).await.unwrap();
    assert_eq!(position(&mut tc, &t).await, BASE);
    v.hold_until(&mut tc, expiry).await;
    refused_trade(&mut tc, &v, &t, &hot, BASE, EngineError::DelegateExpired).await;
    // The owner is not bound by it, and may name the delegate again.
    tc.process(&[order(&v, &t, &t.key, BASE)], &[&t.key]).await.unwrap();
    set(&mut tc, &t, hot.pubkey(), expiry + 10).await;
    tc.process(&[order(&v, &t, &hot, BASE)], &[&hot]).await.unwrap();
    assert_eq!(position(&mut tc, &t).await, 3 * BASE);
}

#[tokio::test]
async fn set_delegate_refuses_the_owner_itself_and_an_expiry_that_has_passed() {
    let (mut tc, v) = venue(100 * ONE, 100_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 1_000 * USD, 0).await;
    let hot = keypair();
    let now = tc.clock().await.slot;
    let owner = t.key.pubkey();
    let refuse = |d: Pubkey, x: u64| ix::set_delegate(owner, t.margin, d, x);
    assert_error(&mut tc, &[refuse(owner, 0)], &[&t.key], EngineError::DelegateIsOwner.into(), &[t.margin]).await;
    assert_error(
        &mut tc,
        &[refuse(hot.pubkey(), now)],
        &[&t.key],
        EngineError::DelegateExpiryPassed.into(),
        &[t.margin],
    )
    .await;
    assert_error(
        &mut tc,
        &[refuse(Pubkey::default(), now + 5)],
        &[&t.key],
        EngineError::DelegateExpiryPassed.into(),
        &[t.margin],
    )
    .await;
    // One slot later is accepted.
    let e = set(&mut tc, &t, hot.pubkey(), now + 1).await;
    assert_eq!(e.expiry_slot, now + 1);
    let _ = v;
}

#[tokio::test]
async fn a_delegate_is_never_paid_from_the_account_it_trades_and_passes_every_trade_check() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 100 * USD, 0).await;
    let hot = trader(&mut tc, &v, 0).await; // the delegate, with a token account of its own
    let keeper = trader(&mut tc, &v, 0).await;
    set(&mut tc, &t, hot.key.pubkey(), 0).await;
    // Every trade check applies to the delegate: 10 SOL at 100 on 100 of collateral is beyond 10x.
    refused_trade(&mut tc, &v, &t, &hot.key, 10 * BASE, EngineError::InitialHealthNegative).await;
    tc.process(&[order(&v, &t, &hot.key, 9 * BASE)], &[&hot.key]).await.unwrap();
    // The price falls: the account is liquidatable, but not by its delegate.
    let (t0, s0) = (tc.clock().await.unix_timestamp, tc.clock().await.slot);
    v.set_price(&mut tc, 92 * ONE, 0, t0 + 10, s0 + 10).await;
    let by_delegate = ix::liquidate(hot.key.pubkey(), hot.token, t.margin, &v.keys, 0, v.feed, &[]);
    assert_error(&mut tc, &[by_delegate], &[&hot.key], EngineError::SelfLiquidation.into(), &[t.margin]).await;
    // Success twin: a keeper liquidates.
    let by_keeper = ix::liquidate(keeper.key.pubkey(), keeper.token, t.margin, &v.keys, 0, v.feed, &[]);
    tc.process(&[by_keeper], &[&keeper.key]).await.unwrap();
    assert!(position(&mut tc, &t).await < 9 * BASE);
}
