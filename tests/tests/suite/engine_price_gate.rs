//! The margin engine reads adapter feeds it checked itself, gated by action.

use anchor_lang::error::ErrorCode as Anchor;
use anchor_lang::AnchorDeserialize;
use ballast_client::engine::gated_price;
use ballast_risk::oracle::Validity;
use ballast_tests::adapter::{refresh, sol_feed};
use ballast_tests::assertions::assert_error;
use ballast_tests::context::TestContext;
use ballast_tests::fixtures::{SourceFixture, ONE};
use margin_engine::errors::EngineError;
use margin_engine::instructions::GatedPrice;
use solana_sdk::pubkey::Pubkey;

const T0: i64 = 1_700_000_000;
const OPEN: u8 = 0;
const REDUCE: u8 = 1;
const LIQUIDATE: u8 = 2;
const WITHDRAW: u8 = 3;

async fn priced_feed() -> (TestContext, Pubkey, Vec<SourceFixture>) {
    let (mut tc, _gov, feed, s) = sol_feed(10, T0, 100 * ONE, 0).await;
    refresh(&mut tc, &feed, &s).await.unwrap();
    (tc, feed, s)
}

async fn read(tc: &mut TestContext, action: u8) -> GatedPrice {
    let data = tc.process_returning(&[gated_price("SOL", action)], &[]).await.expect("gated_price");
    GatedPrice::deserialize(&mut &data[..]).expect("GatedPrice return data")
}

#[tokio::test]
async fn a_valid_feed_serves_every_action() {
    let (mut tc, _, _) = priced_feed().await;
    for action in [OPEN, REDUCE, LIQUIDATE, WITHDRAW] {
        assert_eq!(
            read(&mut tc, action).await,
            GatedPrice { price: 100 * ONE, conf: 0, validity: Validity::Valid as u8 }
        );
    }
}

#[tokio::test]
async fn a_degraded_feed_blocks_new_risk_but_not_reductions() {
    let (mut tc, feed, mut s) = priced_feed().await;
    s[1].samples = 0;
    refresh(&mut tc, &feed, &s).await.unwrap();
    assert_error(&mut tc, &[gated_price("SOL", OPEN)], &[], EngineError::OracleGate.into(), &[]).await;
    assert_eq!(read(&mut tc, REDUCE).await.validity, Validity::Degraded as u8);
    assert_eq!(read(&mut tc, WITHDRAW).await.validity, Validity::Degraded as u8);
}

#[tokio::test]
async fn an_agreed_jump_serves_closes_and_liquidations_but_not_new_risk_or_withdrawals() {
    let (mut tc, feed, s) = priced_feed().await;
    tc.set_clock(20, T0 + 10).await;
    let jumped: Vec<SourceFixture> = s.iter().map(|x| x.at(60 * ONE, T0 + 10, 20)).collect();
    refresh(&mut tc, &feed, &jumped).await.unwrap();
    for action in [OPEN, WITHDRAW] {
        assert_error(&mut tc, &[gated_price("SOL", action)], &[], EngineError::OracleGate.into(), &[]).await;
    }
    for action in [REDUCE, LIQUIDATE] {
        assert_eq!(
            read(&mut tc, action).await,
            GatedPrice { price: 60 * ONE, conf: 0, validity: Validity::TooVolatile as u8 }
        );
    }
}

#[tokio::test]
async fn a_disputed_feed_serves_only_liquidation() {
    let (mut tc, feed, mut s) = priced_feed().await;
    s[1] = s[1].at(130 * ONE, T0, 10);
    refresh(&mut tc, &feed, &s).await.unwrap();
    for action in [OPEN, WITHDRAW, REDUCE] {
        assert_error(&mut tc, &[gated_price("SOL", action)], &[], EngineError::OracleGate.into(), &[]).await;
    }
    assert_eq!(read(&mut tc, LIQUIDATE).await.validity, Validity::TooUncertain as u8);
}

#[tokio::test]
async fn a_feed_that_aged_past_max_age_reads_as_stale_without_a_refresh() {
    let (mut tc, _, _) = priced_feed().await;
    tc.set_clock(20, T0 + 61).await;
    for action in [OPEN, REDUCE, LIQUIDATE, WITHDRAW] {
        assert_error(&mut tc, &[gated_price("SOL", action)], &[], EngineError::OracleGate.into(), &[]).await;
    }
}

#[tokio::test]
async fn another_symbols_feed_or_a_spoofed_owner_is_rejected() {
    let (mut tc, feed, _) = priced_feed().await;
    // The SOL feed passed for symbol ETH fails the seeds check.
    let mut ix = gated_price("ETH", OPEN);
    ix.accounts[0].pubkey = feed;
    assert_error(&mut tc, &[ix], &[], Anchor::ConstraintSeeds.into(), &[]).await;
    // A byte-identical feed at the right address owned by another program.
    let mut acc = tc.account(&feed).await.unwrap();
    acc.owner = Pubkey::new_unique();
    tc.set_account(&feed, &acc);
    assert_error(&mut tc, &[gated_price("SOL", OPEN)], &[], EngineError::NotAPriceFeed.into(), &[]).await;
}

#[tokio::test]
async fn an_unknown_action_is_rejected() {
    let (mut tc, _, _) = priced_feed().await;
    assert_error(&mut tc, &[gated_price("SOL", 4)], &[], EngineError::InvalidAction.into(), &[]).await;
}
