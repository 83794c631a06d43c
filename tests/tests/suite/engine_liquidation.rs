//! Liquidation, throttle and the default waterfall through the real programs.
//! Every step checks the accounting invariants; amounts are asserted exactly
//! against the penalty formula and the token balances.

use ballast_client::engine as ix;
use ballast_tests::adapter::find_event;
use ballast_tests::assertions::assert_error;
use ballast_tests::context::TestContext;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{assert_conservation, balance, load, mint_to, patch, trader, trader_with_position};
use ballast_tests::venue::{venue, Trader, Venue, BASE, S0, T0, USD};
use margin_engine::errors::EngineError;
use margin_engine::events::{Liquidated, ThrottleEngaged, WaterfallStep};
use margin_engine::state::{Exchange, MarginAccount, Market};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

/// A keeper with a token account for rewards.
async fn keeper(tc: &mut TestContext, v: &Venue) -> Trader {
    trader(tc, v, 0).await
}

fn liquidate_ix(k: &Trader, target: &Trader, v: &Venue) -> solana_sdk::instruction::Instruction {
    ix::liquidate(k.key.pubkey(), k.token, target.margin, &v.keys, 0, v.feed, &[])
}

async fn liquidate(tc: &mut TestContext, k: &Trader, target: &Trader, v: &Venue) -> Liquidated {
    let logs = tc.process_logged(&[liquidate_ix(k, target, v)], &[&k.key]).await.expect("liquidate");
    find_event(&logs).expect("Liquidated")
}

/// 100 collateral, 9 SOL long at 100 (about 9x).
async fn levered(tc: &mut TestContext, v: &Venue) -> Trader {
    trader_with_position(tc, v, 100 * USD, 9 * BASE).await
}

#[tokio::test]
async fn a_healthy_account_cannot_be_liquidated() {
    let (mut tc, v) = venue(100 * ONE, 100_000 * USD).await;
    let a = levered(&mut tc, &v).await;
    let k = keeper(&mut tc, &v).await;
    assert_error(&mut tc, &[liquidate_ix(&k, &a, &v)], &[&k.key], EngineError::NotLiquidatable.into(), &[]).await;
    // Nor by its own owner, whatever its health.
    let own = ix::liquidate(a.key.pubkey(), a.token, a.margin, &v.keys, 0, v.feed, &[]);
    assert_error(&mut tc, &[own], &[&a.key], EngineError::SelfLiquidation.into(), &[]).await;
    // The same market twice in the remaining accounts is refused.
    let dup = ix::liquidate(k.key.pubkey(), k.token, a.margin, &v.keys, 0, v.feed, &[(v.market, v.feed)]);
    assert_error(&mut tc, &[dup], &[&k.key], EngineError::HealthAccountsMismatch.into(), &[]).await;
}

#[tokio::test]
async fn one_partial_liquidation_restores_the_buffer_with_the_exact_fee_split() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let a = levered(&mut tc, &v).await;
    let k = keeper(&mut tc, &v).await;
    v.set_price(&mut tc, 92 * ONE, 0, T0 + 10, S0 + 10).await;
    // The opening trade already paid the fund its share of the trading fee.
    let insurance_before = load::<Exchange>(&mut tc, &ix::exchange_address()).await.insurance_balance;
    assert!(insurance_before > 0);
    let ev = liquidate(&mut tc, &k, &a, &v).await;
    assert!(ev.health_before < 0 && ev.health_after >= 0, "{} -> {}", ev.health_before, ev.health_after);
    assert!(ev.base < 0 && ev.base > -9 * BASE / 2 - 1, "partial, at most half: {}", ev.base);
    // Penalty: 1 % of the closed notional, rounded up; 30 % to the keeper.
    let fee = (ev.notional as u128 * 100).div_ceil(10_000) as u64;
    assert_eq!(ev.keeper_reward, fee * 3_000 / 10_000);
    assert_eq!(ev.insurance_fee, fee - ev.keeper_reward);
    assert_eq!(balance(&mut tc, &k.token).await, ev.keeper_reward);
    let insurance = insurance_before + ev.insurance_fee;
    assert_eq!(balance(&mut tc, &v.keys.insurance_vault).await, insurance);
    assert_eq!(load::<Exchange>(&mut tc, &ix::exchange_address()).await.insurance_balance, insurance);
    assert_conservation(&mut tc, &v, &[a.margin, k.margin]).await;
    // The buffer is restored: a second call finds nothing to do.
    assert_error(&mut tc, &[liquidate_ix(&k, &a, &v)], &[&k.key], EngineError::NotLiquidatable.into(), &[]).await;
}

async fn crash_to_bankruptcy(tc: &mut TestContext, v: &mut Venue, a: &Trader, k: &Trader) -> i64 {
    v.set_price(tc, 80 * ONE, 0, T0 + 10, S0 + 10).await;
    for _ in 0..12 {
        let acc: MarginAccount = load(tc, &a.margin).await;
        if !acc.has_positions() {
            break;
        }
        liquidate(tc, k, a, v).await;
        assert_conservation(tc, v, &[a.margin, k.margin]).await;
    }
    let acc: MarginAccount = load(tc, &a.margin).await;
    assert!(!acc.has_positions(), "fully closed");
    assert!(acc.is_bankrupt() && acc.collateral < 0, "deficit flagged: {}", acc.collateral);
    acc.collateral
}

async fn resolve(tc: &mut TestContext, v: &Venue, a: &Trader) -> [u64; 3] {
    let logs = tc.process_logged(&[ix::resolve_bankruptcy(a.margin, &v.keys)], &[]).await.expect("resolve_bankruptcy");
    let mut steps = [0u64; 3];
    for l in logs.iter().filter(|l| l.starts_with("Program log: data: ")) {
        if let Some(e) = find_event::<WaterfallStep>(std::slice::from_ref(l)) {
            steps[e.step as usize - 1] = e.amount;
        }
    }
    steps
}

#[tokio::test]
async fn a_crash_beyond_collateral_closes_fully_and_the_waterfall_uses_insurance_then_the_pool() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let a = levered(&mut tc, &v).await;
    let k = keeper(&mut tc, &v).await;
    // Fund the insurance fund with 20 (vault and record together).
    mint_to(&mut tc, &v.keys.collateral_mint, &v.mint_authority, &v.keys.insurance_vault, 20 * USD).await;
    patch::<Exchange>(&mut tc, &ix::exchange_address(), |e| e.insurance_balance += 20 * USD).await;
    let deficit = crash_to_bankruptcy(&mut tc, &mut v, &a, &k).await.unsigned_abs();
    let pool_before = balance(&mut tc, &v.keys.pool_vault).await;
    let insurance = load::<Exchange>(&mut tc, &ix::exchange_address()).await.insurance_balance;
    let steps = resolve(&mut tc, &v, &a).await;
    assert_eq!(steps, [0, insurance.min(deficit), deficit - insurance.min(deficit)]);
    assert!(steps[1] > 0 && steps[2] > 0, "both insurance and the pool pay: {steps:?}");
    assert_eq!(balance(&mut tc, &v.keys.pool_vault).await, pool_before + steps[1]);
    let ex: Exchange = load(&mut tc, &ix::exchange_address()).await;
    assert_eq!((ex.insurance_balance, ex.socialized_losses), (insurance - steps[1], steps[2]));
    let acc: MarginAccount = load(&mut tc, &a.margin).await;
    assert_eq!((acc.collateral, acc.flags), (0, 0), "whole again");
    assert_conservation(&mut tc, &v, &[a.margin, k.margin]).await;
    // Not bankrupt any more: a second resolution is refused.
    let i = ix::resolve_bankruptcy(a.margin, &v.keys);
    assert_error(&mut tc, &[i], &[], EngineError::NotBankrupt.into(), &[]).await;
}

#[tokio::test]
async fn with_the_insurance_fund_at_its_floor_the_whole_deficit_is_socialised() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let a = levered(&mut tc, &v).await;
    let k = keeper(&mut tc, &v).await;
    let deficit = crash_to_bankruptcy(&mut tc, &mut v, &a, &k).await.unsigned_abs();
    // While it owes a deficit, nothing leaves the account (a deposit would
    // repay the pool: SECURITY.md row 29).
    let i = ix::withdraw(a.key.pubkey(), a.margin, a.token, &v.keys, 1, &[]);
    assert_error(&mut tc, &[i], &[&a.key], EngineError::AccountBankrupt.into(), &[]).await;
    // The early liquidation calls still paid penalties into the fund; with
    // its floor at its balance nothing is available above the floor.
    let insurance = load::<Exchange>(&mut tc, &ix::exchange_address()).await.insurance_balance;
    patch::<Exchange>(&mut tc, &ix::exchange_address(), |e| e.insurance_floor = insurance).await;
    let steps = resolve(&mut tc, &v, &a).await;
    assert_eq!(steps, [0, 0, deficit]);
    assert_eq!(load::<Exchange>(&mut tc, &ix::exchange_address()).await.insurance_balance, insurance, "floor held");
    assert_eq!(load::<Exchange>(&mut tc, &ix::exchange_address()).await.socialized_losses, deficit);
    assert_conservation(&mut tc, &v, &[a.margin, k.margin]).await;
}

#[tokio::test]
async fn the_throttle_engages_and_releases_after_the_window() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let (a, b, c) = (levered(&mut tc, &v).await, levered(&mut tc, &v).await, levered(&mut tc, &v).await);
    let k = keeper(&mut tc, &v).await;
    v.set_price(&mut tc, 92 * ONE, 0, T0 + 10, S0 + 10).await;
    let first = liquidate(&mut tc, &k, &a, &v).await;
    // Identical accounts liquidate identically: a cap of two liquidations.
    patch::<Market>(&mut tc, &v.market, |m| m.params.throttle_cap = 2 * first.notional).await;
    let logs = tc.process_logged(&[liquidate_ix(&k, &b, &v)], &[&k.key]).await.unwrap();
    let engaged: ThrottleEngaged = find_event(&logs).expect("ThrottleEngaged");
    assert_eq!(engaged.used, 2 * first.notional);
    assert_error(&mut tc, &[liquidate_ix(&k, &c, &v)], &[&k.key], EngineError::ThrottleEngaged.into(), &[]).await;
    // The window rolls: C is liquidated.
    v.set_price(&mut tc, 92 * ONE, 0, T0 + 60, S0 + 10 + 100).await;
    let later = liquidate(&mut tc, &k, &c, &v).await;
    assert!(later.health_after > later.health_before);
    assert_conservation(&mut tc, &v, &[a.margin, b.margin, c.margin, k.margin]).await;
}

#[tokio::test]
async fn liquidation_runs_through_an_agreed_jump_and_at_conservative_prices_when_degraded() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let (a, b) = (levered(&mut tc, &v).await, levered(&mut tc, &v).await);
    let k = keeper(&mut tc, &v).await;
    // A 30 % jump against the EMA (limit 25 %) on which both sources agree:
    // TooVolatile, and the move is real: the liquidation runs, at the price.
    v.set_price(&mut tc, 70 * ONE, 0, T0 + 10, S0 + 10).await;
    let feed: oracle_adapter::state::PriceFeed = load(&mut tc, &v.feed).await;
    assert_eq!(ballast_risk::oracle::Validity::from_u8(feed.validity), ballast_risk::oracle::Validity::TooVolatile);
    assert_eq!(liquidate(&mut tc, &k, &a, &v).await.price, 70 * ONE);
    // Degraded (one source left, conf doubled): it runs, selling at p - conf.
    tc.set_clock(S0 + 20, T0 + 20).await;
    v.sources[0] = ballast_tests::fixtures::SourceFixture {
        conf: (ONE / 2) as u64,
        ..v.sources[0].at(92 * ONE, T0 + 20, S0 + 20)
    };
    v.sources[1].samples = 0;
    ballast_tests::adapter::refresh(&mut tc, &v.feed, &v.sources).await.unwrap();
    let feed: oracle_adapter::state::PriceFeed = load(&mut tc, &v.feed).await;
    assert_eq!(ballast_risk::oracle::Validity::from_u8(feed.validity), ballast_risk::oracle::Validity::Degraded);
    let ev = liquidate(&mut tc, &k, &b, &v).await;
    assert_eq!(ev.price, feed.price - feed.conf as i64, "k = 1: a long is sold at p - conf");
}

#[tokio::test]
async fn a_stale_price_blocks_liquidation() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let a = levered(&mut tc, &v).await;
    let k = keeper(&mut tc, &v).await;
    v.set_price(&mut tc, 92 * ONE, 0, T0 + 10, S0 + 10).await;
    // Liquidatable at 92, but the feed then ages past its 60 s max age.
    tc.set_clock(S0 + 200, T0 + 10 + 61).await;
    assert_error(&mut tc, &[liquidate_ix(&k, &a, &v)], &[&k.key], EngineError::OracleGate.into(), &[]).await;
    assert_conservation(&mut tc, &v, &[a.margin, k.margin]).await;
}

#[tokio::test]
async fn governance_withdraws_insurance_only_down_to_the_floor() {
    use margin_engine::engine::governance::{EXCHANGE_TARGET, INSURANCE_WITHDRAWAL_FIELD};
    use margin_engine::instructions::ParamChange;
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let a = levered(&mut tc, &v).await; // its trading fee funds the insurance share
    mint_to(&mut tc, &v.keys.collateral_mint, &v.mint_authority, &v.keys.insurance_vault, 100 * USD).await;
    patch::<Exchange>(&mut tc, &ix::exchange_address(), |e| {
        e.insurance_balance += 100 * USD;
        e.insurance_floor = 60 * USD;
    })
    .await;
    let fund = load::<Exchange>(&mut tc, &ix::exchange_address()).await.insurance_balance;
    let gov = v.gov.insecure_clone();
    let w = |amount| ParamChange {
        target: EXCHANGE_TARGET,
        field: INSURANCE_WITHDRAWAL_FIELD,
        value: amount,
        key: a.token,
    };
    let next = load::<Exchange>(&mut tc, &ix::exchange_address()).await.next_change_id;
    let queue = |signer: Pubkey, amount| ix::queue_change(signer, next, w(amount));
    let above_floor = fund - 60 * USD;
    // Refused when queued, changing nothing: a non-governance signer, zero,
    // below the floor.
    let not_gov = queue(a.key.pubkey(), USD);
    assert_error(&mut tc, &[not_gov], &[&a.key], EngineError::NotGovernance.into(), &[]).await;
    assert_error(&mut tc, &[queue(gov.pubkey(), 0)], &[&gov], EngineError::ZeroAmount.into(), &[]).await;
    let below = EngineError::InsuranceBelowFloor.into();
    assert_error(&mut tc, &[queue(gov.pubkey(), above_floor + 1)], &[&gov], below, &[]).await;
    assert_error(&mut tc, &[queue(gov.pubkey(), fund + 1)], &[&gov], below, &[]).await;
    // Exactly down to the floor, after the timelock; the pool vault passed
    // as the insurance vault is refused.
    let logs = tc.process_logged(&[queue(gov.pubkey(), above_floor)], &[&gov]).await.expect("queue");
    let eta = find_event::<margin_engine::events::ChangeQueued>(&logs).expect("ChangeQueued").eta_slot;
    v.hold_until(&mut tc, eta).await;
    let wrong = ix::withdraw_insurance(
        next,
        a.token,
        gov.pubkey(),
        &ix::ExchangeKeys { insurance_vault: v.keys.pool_vault, ..v.keys },
    );
    assert_error(&mut tc, &[wrong], &[], EngineError::WrongVault.into(), &[]).await;
    let before = balance(&mut tc, &a.token).await;
    let run = ix::withdraw_insurance(next, a.token, gov.pubkey(), &v.keys);
    let logs = tc.process_logged(&[run], &[]).await.expect("withdraw_insurance");
    let ev: margin_engine::events::InsuranceWithdrawn = find_event(&logs).expect("InsuranceWithdrawn");
    assert_eq!((ev.amount, ev.balance_after, ev.floor, ev.destination), (above_floor, 60 * USD, 60 * USD, a.token));
    assert_eq!(balance(&mut tc, &a.token).await, before + above_floor);
    assert_eq!(balance(&mut tc, &v.keys.insurance_vault).await, 60 * USD);
    assert_conservation(&mut tc, &v, &[a.margin]).await;
    let again = ix::queue_change(gov.pubkey(), next + 1, w(1));
    assert_error(&mut tc, &[again], &[&gov], below, &[]).await;
}
