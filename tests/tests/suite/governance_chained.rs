//! SECURITY row 32, chained governance: legal governance steps composed in
//! one transaction or out of order. Repeated factor-2 steps are rate-limited
//! per timelock window and a base-MMR raise phases in; insurance
//! withdrawals, floor raises and far settlement prices wait for the
//! timelock; an older queued change is refused once a newer one of its
//! field exists or was applied, and a change expires after its grace
//! period; governance works through a program (PDA) signer.

use anchor_lang::AnchorDeserialize;
use ballast_client::engine as ix;
use ballast_tests::adapter::find_event;
use ballast_tests::assertions::assert_error;
use ballast_tests::context::{ContextBuilder, TestContext};
use ballast_tests::fixtures::ONE;
use ballast_tests::governance::field::{BAND, BREAKER_COOLDOWN, FEE, INSURANCE_FLOOR, MMR, OI_CAP};
use ballast_tests::governance::{exchange, market, next_id, queue};
use ballast_tests::venue::{
    airdrop, balance, load, mint_to, patch, trader, trader_with_position, venue, venue_in, Trader, Venue, BASE, USD,
};
use margin_engine::constants::CHANGE_GRACE_SLOTS;
use margin_engine::engine::governance::{
    EXCHANGE_TARGET, GOVERNANCE_FIELD, GUARDIAN_FIELD, INSURANCE_WITHDRAWAL_FIELD, SETTLE_FIELD,
};
use margin_engine::errors::EngineError;
use margin_engine::events::{ChangeClosed, ChangeQueued, InsuranceWithdrawn, Liquidated, MarketSettled, ParamChanged};
use margin_engine::instructions::{HealthView, ParamChange};
use margin_engine::state::{Exchange, Market, MarketStatus};
use oracle_adapter::state::PriceFeed;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

async fn health(tc: &mut TestContext, v: &Venue, margin: Pubkey) -> HealthView {
    let data =
        tc.process_returning(&[ix::account_health(margin, &[(v.market, v.feed)])], &[]).await.expect("account_health");
    HealthView::deserialize(&mut &data[..]).expect("HealthView")
}

fn liquidate_ix(k: &Trader, target: &Trader, v: &Venue) -> solana_sdk::instruction::Instruction {
    ix::liquidate(k.key.pubkey(), k.token, target.margin, &v.keys, 0, v.feed, &[])
}

/// `breaker_cooldown_slots` (an instant tightening) raised 300 -> 450 ->
/// 600: a factor of 2 from the window's start in two changes.
fn doubling(gov: Pubkey) -> Vec<solana_sdk::instruction::Instruction> {
    [450, 600].into_iter().map(|c| ix::set_param(gov, market(0, BREAKER_COOLDOWN, c))).collect()
}

#[tokio::test]
async fn row32_repeated_factor_2_steps_in_one_transaction_stop_at_one_step_per_window() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let g = v.gov.insecure_clone();
    // One unit past a doubling from the window's start (300), in the same
    // transaction: refused, nothing changes.
    let mut chained = doubling(g.pubkey());
    chained.push(ix::set_param(g.pubkey(), market(0, BREAKER_COOLDOWN, 601)));
    assert_error(&mut tc, &chained, &[&g], EngineError::RateLimited.into(), &[v.market]).await;
    // Success twin: exactly a doubling.
    tc.process(&doubling(g.pubkey()), &[&g]).await.expect("one doubling");
    assert_eq!(load::<Market>(&mut tc, &v.market).await.params.breaker_cooldown_slots, 600);
    // Later in the same window, in another transaction, a small step beyond
    // 2x of 300 is still refused.
    let more = ix::set_param(g.pubkey(), market(0, BREAKER_COOLDOWN, 601));
    assert_error(&mut tc, &[more], &[&g], EngineError::RateLimited.into(), &[v.market]).await;
    // A new window opens once the timelock (50 slots) has passed since the
    // first change: the next step is measured from 600.
    let slot = tc.clock().await.slot;
    v.hold_until(&mut tc, slot + 50).await;
    tc.process(&[ix::set_param(g.pubkey(), market(0, BREAKER_COOLDOWN, 601))], &[&g]).await.expect("new window");
    assert_eq!(load::<Market>(&mut tc, &v.market).await.params.breaker_cooldown_slots, 601);
}

#[tokio::test]
async fn row32_a_base_mmr_raise_waits_for_the_timelock_applies_on_a_current_phase_and_liquidates_nobody_in_its_slot() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let g = v.gov.insecure_clone();
    // A: 100 collateral, 9 SOL long at 100; at 95 it is healthy at 5 %
    // maintenance (about 54 of equity against 43) but not at 10 % (86).
    let a = trader_with_position(&mut tc, &v, 100 * USD, 9 * BASE).await;
    let k = trader(&mut tc, &v, 0).await;
    // IMR 20 % and a 2,500 bps maximum let MMR double to 10 % in one
    // change; only the raise moves maintenance (volatility capped at 1x).
    patch::<Market>(&mut tc, &v.market, |m| {
        (m.params.imr_bps, m.params.max_mmr_bps, m.params.vol_cap_bps) = (2_000, 2_500, 10_000);
    })
    .await;
    // A base-MMR raise is never instant.
    let instant = ix::set_param(g.pubkey(), market(0, MMR, 1_000));
    assert_error(&mut tc, &[instant], &[&g], EngineError::LooseningNeedsTimelock.into(), &[v.market]).await;
    let (id, eta) = queue(&mut tc, &g, market(0, MMR, 1_000)).await;
    let t = tc.clock().await.unix_timestamp;
    v.set_price(&mut tc, 95 * ONE, 0, t + 20, eta).await;
    assert!(health(&mut tc, &v, a.margin).await.maintenance >= 0);
    // Applied over a phase last written slots ago (the replayed slots would
    // count under the new base): refused.
    let apply = ix::apply_change(id, 0, g.pubkey());
    let phase_stale = EngineError::PhaseNotCurrent.into();
    assert_error(&mut tc, std::slice::from_ref(&apply), &[], phase_stale, &[v.market]).await;
    // With the phase brought to this slot, then a liquidation, in one
    // transaction: not liquidatable.
    let refresh = ix::refresh_market(0, v.feed);
    let not_liquidatable = EngineError::NotLiquidatable.into();
    let sandwich = [refresh.clone(), apply.clone(), liquidate_ix(&k, &a, &v)];
    assert_error(&mut tc, &sandwich, &[&k.key], not_liquidatable, &[a.margin]).await;
    // Committed: base MMR 10 %, the multiplier halves (rounded up), the
    // effective ratio is still 5 %.
    tc.process(&[refresh, apply], &[]).await.expect("apply");
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!((m.params.mmr_bps, m.phase_mult_bps, m.phase_updated_slot), (1_000, 5_000, eta));
    assert_error(&mut tc, &[liquidate_ix(&k, &a, &v)], &[&k.key], not_liquidatable, &[a.margin]).await;
    // Success twin: once the raise has phased in (1 % of base a slot: 50
    // slots from 0.5x to 1x), the same price liquidates A.
    v.set_price(&mut tc, 95 * ONE, 0, t + 45, eta + 60).await;
    assert!(health(&mut tc, &v, a.margin).await.maintenance < 0);
    let logs = tc.process_logged(&[liquidate_ix(&k, &a, &v)], &[&k.key]).await.expect("liquidate");
    let ev: Liquidated = find_event(&logs).expect("Liquidated");
    assert_eq!((ev.account, ev.market), (a.margin, 0));
    assert!(ev.base < 0, "part of the long closed");
}

/// Fund the insurance with 100 dollars above a floor of 60; returns the balance.
async fn funded_insurance(tc: &mut TestContext, v: &Venue) -> u64 {
    mint_to(tc, &v.keys.collateral_mint, &v.mint_authority, &v.keys.insurance_vault, 100 * USD).await;
    patch::<Exchange>(tc, &ix::exchange_address(), |e| {
        e.insurance_balance += 100 * USD;
        e.insurance_floor = 60 * USD;
    })
    .await;
    load::<Exchange>(tc, &ix::exchange_address()).await.insurance_balance
}

fn withdrawal(amount: u64, destination: Pubkey) -> ParamChange {
    ParamChange { target: EXCHANGE_TARGET, field: INSURANCE_WITHDRAWAL_FIELD, value: amount, key: destination }
}

#[tokio::test]
async fn row32_withdraw_insurance_waits_for_the_timelock_and_pays_only_the_queued_destination() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let g = v.gov.insecure_clone();
    let fund = funded_insurance(&mut tc, &v).await;
    let dest = trader(&mut tc, &v, 0).await;
    let other = trader(&mut tc, &v, 0).await;
    let above_floor = fund - 60 * USD;
    // Never instant: set_param of a withdrawal is refused.
    let instant = ix::set_param(g.pubkey(), withdrawal(USD, dest.token));
    assert_error(&mut tc, &[instant], &[&g], EngineError::LooseningNeedsTimelock.into(), &[v.keys.insurance_vault])
        .await;
    // Queued beyond the floor: refused now (one unit over).
    let id = next_id(&mut tc).await;
    let over = ix::queue_change(g.pubkey(), id, withdrawal(above_floor + 1, dest.token));
    assert_error(&mut tc, &[over], &[&g], EngineError::InsuranceBelowFloor.into(), &[ix::change_address(id)]).await;
    // To one of the exchange's own vaults: refused (the books would no
    // longer match the vaults).
    for vault in [v.keys.pool_vault, v.keys.collateral_vault, v.keys.insurance_vault] {
        let into_vault = ix::queue_change(g.pubkey(), id, withdrawal(USD, vault));
        let err = EngineError::DestinationIsAVault.into();
        assert_error(&mut tc, &[into_vault], &[&g], err, &[ix::change_address(id)]).await;
    }
    let (id, eta) = queue(&mut tc, &g, withdrawal(above_floor, dest.token)).await;
    // Before the timelock: refused; to another account: refused; through
    // apply_change: refused.
    let anyone = ix::withdraw_insurance(id, dest.token, g.pubkey(), &v.keys);
    let watch = [v.keys.insurance_vault, dest.token];
    assert_error(&mut tc, std::slice::from_ref(&anyone), &[], EngineError::TimelockPending.into(), &watch).await;
    v.hold_until(&mut tc, eta).await;
    let elsewhere = ix::withdraw_insurance(id, other.token, g.pubkey(), &v.keys);
    assert_error(&mut tc, &[elsewhere], &[], EngineError::WrongDestination.into(), &watch).await;
    let applied = ix::apply_change(id, EXCHANGE_TARGET, g.pubkey());
    assert_error(&mut tc, &[applied], &[], EngineError::WrongChangeKind.into(), &watch).await;
    // Success twin: exactly down to the floor, after the timelock, by anyone.
    let before = balance(&mut tc, &dest.token).await;
    let logs = tc.process_logged(&[anyone], &[]).await.expect("withdraw_insurance");
    let ev: InsuranceWithdrawn = find_event(&logs).expect("InsuranceWithdrawn");
    assert_eq!((ev.amount, ev.balance_after, ev.destination), (above_floor, 60 * USD, dest.token));
    assert_eq!(balance(&mut tc, &dest.token).await, before + above_floor);
    assert_eq!(balance(&mut tc, &v.keys.insurance_vault).await, 60 * USD);
    assert!(tc.account(&ix::change_address(id)).await.is_none(), "executed withdrawals are closed");
    // Another kind of queued change naming the same key cannot be executed
    // as a withdrawal.
    let guardian = ParamChange { target: EXCHANGE_TARGET, field: GUARDIAN_FIELD, value: 0, key: dest.token };
    let (guardian_id, eta) = queue(&mut tc, &g, guardian).await;
    v.hold_until(&mut tc, eta).await;
    let wrong_kind = ix::withdraw_insurance(guardian_id, dest.token, g.pubkey(), &v.keys);
    assert_error(&mut tc, &[wrong_kind], &[], EngineError::WrongChangeKind.into(), &watch).await;
}

#[tokio::test]
async fn row32_raising_the_insurance_floor_waits_for_the_timelock() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let g = v.gov.insecure_clone();
    funded_insurance(&mut tc, &v).await;
    let raise = ix::set_param(g.pubkey(), exchange(INSURANCE_FLOOR, 61 * USD));
    let floor_err = EngineError::LooseningNeedsTimelock.into();
    assert_error(&mut tc, &[raise], &[&g], floor_err, &[ix::exchange_address()]).await;
    // Success twin: queued, applied after the timelock with the exact value.
    let (id, eta) = queue(&mut tc, &g, exchange(INSURANCE_FLOOR, 61 * USD)).await;
    v.hold_until(&mut tc, eta).await;
    let logs = tc.process_logged(&[ix::apply_change(id, EXCHANGE_TARGET, g.pubkey())], &[]).await.unwrap();
    let ev: ParamChanged = find_event(&logs).expect("ParamChanged");
    assert_eq!((ev.name.as_str(), ev.old, ev.new, ev.tightening), ("insurance_floor", 60 * USD, 61 * USD, false));
    assert_eq!(load::<Exchange>(&mut tc, &ix::exchange_address()).await.insurance_floor, 61 * USD);
}

/// The feed's EMA and the largest distance the market's band allows from it.
async fn band(tc: &mut TestContext, v: &Venue) -> (i64, i64) {
    let ema = load::<PriceFeed>(tc, &v.feed).await.ema_price;
    let band_bps = load::<Market>(tc, &v.market).await.params.band_bps as i64;
    (ema, ema * band_bps / 10_000)
}

#[tokio::test]
async fn row32_emergency_settle_is_instant_only_within_the_band_around_the_ema() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let g = v.gov.insecure_clone();
    let (ema, width) = band(&mut tc, &v).await;
    assert_eq!((ema, width), (100 * ONE, 20 * ONE), "a 20 % band around 100");
    let outside = EngineError::SettlementOutsideBand.into();
    for price in [ema - width - 1, ema + width + 1, 1] {
        let i = ix::emergency_settle(g.pubkey(), 0, v.feed, price);
        assert_error(&mut tc, &[i], &[&g], outside, &[v.market]).await;
    }
    // Another market's feed is refused by address.
    let mut wrong_feed = ix::emergency_settle(g.pubkey(), 0, v.feed, ema);
    wrong_feed.accounts[3].pubkey = v.sources[0].address;
    assert_error(&mut tc, &[wrong_feed], &[&g], EngineError::WrongFeed.into(), &[v.market]).await;
    // A frozen EMA is no reference: with the feed stale, even a price at
    // the EMA waits for the timelocked path.
    let now = tc.clock().await;
    tc.set_clock(now.slot + 200, now.unix_timestamp + 100).await;
    let stale = ix::emergency_settle(g.pubkey(), 0, v.feed, ema);
    assert_error(&mut tc, &[stale], &[&g], EngineError::SettlementNeedsLivePrice.into(), &[v.market]).await;
    v.set_price(&mut tc, 100 * ONE, 0, now.unix_timestamp + 101, now.slot + 201).await;
    // Success twin: exactly at the band's edge, the feed live again.
    let logs = tc.process_logged(&[ix::emergency_settle(g.pubkey(), 0, v.feed, ema - width)], &[&g]).await.unwrap();
    let ev: MarketSettled = find_event(&logs).expect("MarketSettled");
    assert_eq!(ev.price, ema - width);
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!((m.status, m.settlement_price), (MarketStatus::Settled as u8, 80 * ONE));
}

#[tokio::test]
async fn row32_a_settlement_price_outside_the_band_applies_only_after_the_timelock() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let g = v.gov.insecure_clone();
    let far = market(0, SETTLE_FIELD, 50 * ONE as u64);
    let instant = ix::set_param(g.pubkey(), far);
    assert_error(&mut tc, &[instant], &[&g], EngineError::LooseningNeedsTimelock.into(), &[v.market]).await;
    let (id, eta) = queue(&mut tc, &g, far).await;
    let early = ix::apply_change(id, 0, g.pubkey());
    assert_error(&mut tc, &[early], &[], EngineError::TimelockPending.into(), &[v.market]).await;
    assert_eq!(load::<Market>(&mut tc, &v.market).await.status, MarketStatus::Active as u8);
    v.hold_until(&mut tc, eta).await;
    let logs = tc.process_logged(&[ix::apply_change(id, 0, g.pubkey())], &[]).await.expect("apply settlement");
    let ev: MarketSettled = find_event(&logs).expect("MarketSettled");
    assert_eq!((ev.market, ev.price), (0, 50 * ONE));
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!((m.status, m.settlement_price), (MarketStatus::Settled as u8, 50 * ONE));
}

#[tokio::test]
async fn row32_an_older_queued_change_is_refused_once_a_newer_one_is_queued_or_applied() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let g = v.gov.insecure_clone();
    let (old_id, _) = queue(&mut tc, &g, market(0, OI_CAP, 2_000 * BASE as u64)).await;
    let (new_id, eta) = queue(&mut tc, &g, market(0, OI_CAP, 1_500 * BASE as u64)).await;
    v.hold_until(&mut tc, eta).await;
    // The older one first: superseded, nothing changes.
    let superseded = EngineError::ChangeSuperseded.into();
    let older = ix::apply_change(old_id, 0, g.pubkey());
    assert_error(&mut tc, std::slice::from_ref(&older), &[], superseded, &[v.market]).await;
    // Success twin: the newer one applies, exactly.
    tc.process(&[ix::apply_change(new_id, 0, g.pubkey())], &[]).await.expect("newer");
    assert_eq!(load::<Market>(&mut tc, &v.market).await.oi_cap, 1_500 * BASE as u64);
    // ...and the older one still cannot win afterwards.
    assert_error(&mut tc, &[older], &[], superseded, &[v.market]).await;
    // It can only be closed, by anyone, its rent back to its payer.
    let payer_before = tc.account(&g.pubkey()).await.unwrap().lamports;
    let logs = tc.process_logged(&[ix::close_change(old_id, 0, g.pubkey())], &[]).await.expect("close");
    let ev: ChangeClosed = find_event(&logs).expect("ChangeClosed");
    assert_eq!((ev.id, ev.expired), (old_id, false));
    assert!(tc.account(&ix::change_address(old_id)).await.is_none());
    assert!(tc.account(&g.pubkey()).await.unwrap().lamports > payer_before, "rent refunded");
    // An instant tightening supersedes what was queued before it.
    let (loosen_id, eta) = queue(&mut tc, &g, market(0, OI_CAP, 2_000 * BASE as u64)).await;
    let live = ix::close_change(loosen_id, 0, g.pubkey());
    assert_error(&mut tc, &[live], &[], EngineError::ChangeStillLive.into(), &[]).await;
    tc.process(&[ix::set_param(g.pubkey(), market(0, OI_CAP, 1_200 * BASE as u64))], &[&g]).await.unwrap();
    v.hold_until(&mut tc, eta).await;
    let undo = ix::apply_change(loosen_id, 0, g.pubkey());
    assert_error(&mut tc, &[undo], &[], superseded, &[v.market]).await;
    assert_eq!(load::<Market>(&mut tc, &v.market).await.oi_cap, 1_200 * BASE as u64);
}

#[tokio::test]
async fn row32_a_queued_change_expires_after_its_grace_period_and_anyone_closes_it() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let g = v.gov.insecure_clone();
    let (fee_id, eta) = queue(&mut tc, &g, market(0, FEE, 4)).await;
    let (band_id, band_eta) = queue(&mut tc, &g, market(0, BAND, 2_500)).await;
    assert_eq!(eta, band_eta);
    // Success twin: the last slot of the grace period.
    v.hold_until(&mut tc, eta + CHANGE_GRACE_SLOTS).await;
    tc.process(&[ix::apply_change(fee_id, 0, g.pubkey())], &[]).await.expect("within grace");
    assert_eq!(load::<Market>(&mut tc, &v.market).await.params.fee_bps, 4);
    // One slot later: expired, refused, nothing changes.
    v.hold_until(&mut tc, eta + CHANGE_GRACE_SLOTS + 1).await;
    let late = ix::apply_change(band_id, 0, g.pubkey());
    assert_error(&mut tc, &[late], &[], EngineError::ChangeExpired.into(), &[v.market]).await;
    assert_eq!(load::<Market>(&mut tc, &v.market).await.params.band_bps, 2_000);
    // Anyone closes it; the rent returns to governance.
    let payer_before = tc.account(&g.pubkey()).await.unwrap().lamports;
    let logs = tc.process_logged(&[ix::close_change(band_id, 0, g.pubkey())], &[]).await.expect("close");
    let ev: ChangeClosed = find_event(&logs).expect("ChangeClosed");
    assert_eq!((ev.id, ev.expired), (band_id, true));
    assert!(tc.account(&g.pubkey()).await.unwrap().lamports > payer_before);
}

#[tokio::test]
async fn row32_governance_works_through_a_program_pda_signer_and_refuses_other_signers() {
    use ballast_bank::gov_proxy::{forward, vault};
    let (mut tc, mut v) = venue_in(ContextBuilder::new().gov_proxy(), 100 * ONE, 100_000 * USD).await;
    let g = v.gov.insecure_clone();
    let admin = ballast_tests::context::keypair();
    airdrop(&mut tc, &admin.pubkey(), 1_000_000_000).await;
    let (pda, _) = vault(&admin.pubkey());
    airdrop(&mut tc, &pda, 1_000_000_000).await;
    // Hand governance to the PDA (timelocked).
    let c = ParamChange { target: EXCHANGE_TARGET, field: GOVERNANCE_FIELD, value: 0, key: pda };
    let (id, eta) = queue(&mut tc, &g, c).await;
    v.hold_until(&mut tc, eta).await;
    tc.process(&[ix::apply_change(id, EXCHANGE_TARGET, g.pubkey())], &[]).await.unwrap();
    assert_eq!(load::<Exchange>(&mut tc, &ix::exchange_address()).await.governance, pda);
    // set_param by CPI, the PDA signing: applied.
    let tighten = forward(admin.pubkey(), ix::set_param(pda, market(0, BREAKER_COOLDOWN, 600)));
    tc.process(&[tighten], &[&admin]).await.expect("set_param through the PDA");
    assert_eq!(load::<Market>(&mut tc, &v.market).await.params.breaker_cooldown_slots, 600);
    // queue_change by CPI: queued, the PDA paying.
    let id = next_id(&mut tc).await;
    let q = forward(admin.pubkey(), ix::queue_change(pda, id, market(0, FEE, 4)));
    let logs = tc.process_logged(&[q], &[&admin]).await.expect("queue_change through the PDA");
    let ev: ChangeQueued = find_event(&logs).expect("ChangeQueued");
    assert_eq!((ev.id, ev.field, ev.value), (id, FEE, 4));
    let p: margin_engine::state::PendingChange = load(&mut tc, &ix::change_address(id)).await;
    assert_eq!(p.payer, pda);
    // The old key, a plain signer, is refused.
    let old = ix::set_param(g.pubkey(), market(0, BREAKER_COOLDOWN, 700));
    assert_error(&mut tc, &[old], &[&g], EngineError::NotGovernance.into(), &[v.market]).await;
    // Another admin through the same program signs as another PDA: refused.
    let mallory = ballast_tests::context::keypair();
    airdrop(&mut tc, &mallory.pubkey(), 1_000_000_000).await;
    let (mallory_pda, _) = vault(&mallory.pubkey());
    airdrop(&mut tc, &mallory_pda, 1_000_000_000).await;
    let spoof = forward(mallory.pubkey(), ix::set_param(mallory_pda, market(0, BREAKER_COOLDOWN, 700)));
    assert_error(&mut tc, &[spoof], &[&mallory], EngineError::NotGovernance.into(), &[v.market]).await;
    assert_eq!(load::<Market>(&mut tc, &v.market).await.params.breaker_cooldown_slots, 600);
}
