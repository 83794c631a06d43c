//! Trigger orders: a keeper executes a reduce-only take-profit or stop-loss
//! once every source has crossed its price, never before, with every check a
//! trade has, and earns exactly its fee; `add_trigger` refuses anything
//! that would add risk or that has already crossed; who may add and cancel.

use ballast_client::engine as ix;
use ballast_client::trigger as tx;
use ballast_tests::adapter::refresh;
use ballast_tests::assertions::assert_error;
use ballast_tests::context::{keypair, TestContext};
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{
    balance, load, market_order, trader, trader_with_position, venue, Trader, Venue, BASE, USD,
};
use margin_engine::constants::{pause, MAX_TRIGGERS, MAX_TRIGGER_KEEPER_FEE};
use margin_engine::errors::EngineError;
use margin_engine::events::{TriggerCancelled, TriggerExecuted};
use margin_engine::instructions::TradeParams;
use margin_engine::state::{MarginAccount, TriggerBook, TriggerParams, ABOVE, BELOW};
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

const FEE: u32 = 50_000;

fn params(direction: u8, price: i64, base: i64, limit: i64) -> TriggerParams {
    TriggerParams { direction, trigger_price: price, base, limit_price: limit, keeper_fee: FEE }
}

fn add(v: &Venue, t: &Trader, p: TriggerParams) -> Instruction {
    tx::add_trigger(t.key.pubkey(), t.margin, 0, v.feed, p)
}

/// `t` with `base` SOL at 100 on 1,000 of collateral, and an empty book.
async fn with_book(tc: &mut TestContext, v: &Venue, base: i64) -> Trader {
    let t = trader_with_position(tc, v, 1_000 * USD, base).await;
    tc.process(&[tx::create_trigger_book(t.key.pubkey(), t.margin)], &[&t.key]).await.expect("create_trigger_book");
    t
}

fn execute(v: &Venue, keeper: &Trader, t: &Trader, index: u8) -> Instruction {
    tx::execute_trigger_ix(keeper.key.pubkey(), keeper.token, t.margin, &v.keys, 0, v.feed, index, &[])
}

/// Both sources at `a` and `b`, 10 slots on, refreshed.
async fn prices(tc: &mut TestContext, v: &mut Venue, a: i64, b: i64) {
    let c = tc.clock().await;
    let (t, slot) = (c.unix_timestamp + 4, c.slot + 10);
    tc.set_clock(slot, t).await;
    for (s, p) in v.sources.iter_mut().zip([a, b]) {
        *s = s.at(p, t, slot);
        tc.set_account(&s.address, &s.account());
    }
    refresh(tc, &v.feed, &v.sources).await.expect("refresh");
}

/// `keeper` executes `t`'s trigger `index`; its event.
async fn executed(tc: &mut TestContext, v: &Venue, keeper: &Trader, t: &Trader, index: u8) -> TriggerExecuted {
    let logs = tc.process_logged(&[execute(v, keeper, t, index)], &[&keeper.key]).await.expect("execute_trigger");
    ballast_tests::adapter::find_event(&logs).expect("TriggerExecuted")
}

async fn book(tc: &mut TestContext, t: &Trader) -> TriggerBook {
    load::<TriggerBook>(tc, &tx::book_address(&t.margin)).await
}

async fn account(tc: &mut TestContext, t: &Trader) -> MarginAccount {
    load::<MarginAccount>(tc, &t.margin).await
}

#[tokio::test]
async fn a_stop_loss_executes_when_every_source_crosses_and_pays_the_keeper_exactly_its_fee() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let t = with_book(&mut tc, &v, 5 * BASE).await;
    let keeper = trader(&mut tc, &v, 0).await;
    // A stop-loss (sell 5 below 95, no worse than 90) and a take-profit (sell 5 above 110).
    tc.process(&[add(&v, &t, params(BELOW, 95 * ONE, -5 * BASE, 90 * ONE))], &[&t.key]).await.unwrap();
    tc.process(&[add(&v, &t, params(ABOVE, 110 * ONE, -5 * BASE, 100 * ONE))], &[&t.key]).await.unwrap();
    let b = book(&mut tc, &t).await;
    assert_eq!(b.active().count(), 2);
    assert_eq!((b.triggers[0].trigger_price, b.triggers[0].base, b.triggers[0].keeper_fee), (95 * ONE, -5 * BASE, FEE));

    // One unit above the trigger: not crossed.
    prices(&mut tc, &mut v, 95 * ONE + 1, 95 * ONE + 1).await;
    let e = EngineError::TriggerNotCrossed.into();
    assert_error(&mut tc, &[execute(&v, &keeper, &t, 0)], &[&keeper.key], e, &[t.margin]).await;
    // One source at the trigger, the other above: still not crossed.
    prices(&mut tc, &mut v, 95 * ONE, 95 * ONE + 10_000_000).await;
    assert_error(&mut tc, &[execute(&v, &keeper, &t, 0)], &[&keeper.key], e, &[t.margin]).await;
    // The take-profit has not crossed either.
    assert_error(&mut tc, &[execute(&v, &keeper, &t, 1)], &[&keeper.key], e, &[t.margin]).await;

    // Every source at the trigger: it executes.
    prices(&mut tc, &mut v, 95 * ONE, 95 * ONE).await;
    let before = account(&mut tc, &t).await.collateral;
    let logs = tc.process_logged(&[execute(&v, &keeper, &t, 0)], &[&keeper.key]).await.expect("execute_trigger");
    let ev: TriggerExecuted = ballast_tests::adapter::find_event(&logs).expect("TriggerExecuted");
    assert_eq!((ev.account, ev.index, ev.keeper, ev.base), (t.margin, 0, keeper.key.pubkey(), -5 * BASE));
    assert_eq!((ev.keeper_fee, ev.position_base, ev.cancelled), (FEE as u64, 0, 1));
    assert!(ev.fill_price >= 90 * ONE && ev.fill_price <= 95 * ONE, "within the limit: {}", ev.fill_price);
    let after = account(&mut tc, &t).await;
    assert_eq!(after.collateral, before + ev.realized_pnl - ev.fee as i64 - FEE as i64, "exact debit");
    assert!(!after.has_positions());
    assert_eq!(balance(&mut tc, &keeper.token).await, FEE as u64, "the keeper earns exactly the fee");
    // The closed position took its take-profit with it: nothing left to execute.
    assert_eq!(book(&mut tc, &t).await.active().count(), 0);
    let e = EngineError::TriggerNotFound.into();
    assert_error(&mut tc, &[execute(&v, &keeper, &t, 1)], &[&keeper.key], e, &[t.margin]).await;
    ballast_tests::venue::assert_conservation(&mut tc, &v, &[t.margin]).await;
}

#[tokio::test]
async fn execution_is_reduce_only_clamped_to_the_position_and_rechecks_limit_and_pause() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let t = with_book(&mut tc, &v, 5 * BASE).await;
    let keeper = trader(&mut tc, &v, 0).await;
    // A take-profit above 105 whose limit (110) the fill cannot reach, and a good one.
    tc.process(&[add(&v, &t, params(ABOVE, 105 * ONE, -5 * BASE, 110 * ONE))], &[&t.key]).await.unwrap();
    tc.process(&[add(&v, &t, params(ABOVE, 105 * ONE, -5 * BASE, 100 * ONE))], &[&t.key]).await.unwrap();
    // The owner sells 3 by hand: 2 left.
    tc.process(&[market_order(&t, &v, -3 * BASE)], &[&t.key]).await.unwrap();
    prices(&mut tc, &mut v, 106 * ONE, 106 * ONE).await;
    let e = EngineError::LimitPriceExceeded.into();
    assert_error(&mut tc, &[execute(&v, &keeper, &t, 0)], &[&keeper.key], e, &[t.margin]).await;
    // Trading paused: so is execution.
    tc.process(&[ix::set_pause(v.gov.pubkey(), pause::TRADE, &[])], &[&v.gov]).await.unwrap();
    assert_error(&mut tc, &[execute(&v, &keeper, &t, 1)], &[&keeper.key], EngineError::Paused.into(), &[t.margin])
        .await;
    tc.process(&[ix::set_pause(v.gov.pubkey(), 0, &[])], &[&v.gov]).await.unwrap();
    // It sells the 2 held, not 5: the position closes and never flips short.
    let logs = tc.process_logged(&[execute(&v, &keeper, &t, 1)], &[&keeper.key]).await.expect("execute_trigger");
    let ev: TriggerExecuted = ballast_tests::adapter::find_event(&logs).expect("TriggerExecuted");
    assert_eq!((ev.base, ev.position_base, ev.cancelled), (-2 * BASE, 0, 1));
    assert!(!account(&mut tc, &t).await.has_positions());

    // A trigger is bound to its position: once that is flipped, closed, or
    // closed and opened again, the trigger never executes.
    let t2 = with_book(&mut tc, &v, 5 * BASE).await;
    tc.process(&[add(&v, &t2, params(ABOVE, 110 * ONE, -5 * BASE, 100 * ONE))], &[&t2.key]).await.unwrap();
    tc.process(&[market_order(&t2, &v, -6 * BASE)], &[&t2.key]).await.unwrap(); // now short 1
    prices(&mut tc, &mut v, 111 * ONE, 111 * ONE).await;
    let e = EngineError::TriggerStale.into();
    assert_error(&mut tc, &[execute(&v, &keeper, &t2, 0)], &[&keeper.key], e, &[t2.margin]).await;
    tc.process(&[market_order(&t2, &v, BASE)], &[&t2.key]).await.unwrap(); // flat
    assert_error(&mut tc, &[execute(&v, &keeper, &t2, 0)], &[&keeper.key], e, &[t2.margin]).await;
    // Long again above the old take-profit: a new position, not the one it was placed on.
    tc.process(&[market_order(&t2, &v, 2 * BASE)], &[&t2.key]).await.unwrap();
    assert_error(&mut tc, &[execute(&v, &keeper, &t2, 0)], &[&keeper.key], e, &[t2.margin]).await;
    // Success twin: a trigger placed on the new position executes.
    tc.process(&[add(&v, &t2, params(ABOVE, 112 * ONE, -2 * BASE, 100 * ONE))], &[&t2.key]).await.unwrap();
    prices(&mut tc, &mut v, 112 * ONE, 112 * ONE).await;
    let logs = tc.process_logged(&[execute(&v, &keeper, &t2, 1)], &[&keeper.key]).await.expect("execute_trigger");
    let ev: TriggerExecuted = ballast_tests::adapter::find_event(&logs).expect("TriggerExecuted");
    assert_eq!((ev.base, ev.cancelled), (-2 * BASE, 1), "the stale one goes with the closed position");
    assert!(!account(&mut tc, &t2).await.has_positions());
}

#[tokio::test]
async fn add_trigger_refuses_risk_adding_crossed_invalid_and_overfull_triggers_each_beside_its_twin() {
    let (mut tc, v) = venue(100 * ONE, 100_000 * USD).await;
    let t = with_book(&mut tc, &v, 5 * BASE).await;
    let refused = |p: TriggerParams, e: EngineError| (add(&v, &t, p), e);
    let cases = [
        // A buy on a long grows it; a sell of 6 on a long of 5 flips it.
        refused(params(ABOVE, 110 * ONE, BASE, 120 * ONE), EngineError::TriggerAddsRisk),
        refused(params(ABOVE, 110 * ONE, -5 * BASE - 1, 100 * ONE), EngineError::TriggerAddsRisk),
        refused(params(ABOVE, 110 * ONE, 0, 100 * ONE), EngineError::ZeroAmount),
        // On the wrong side of the price: a stop-loss at or above it, a take-profit at or below it.
        refused(params(BELOW, 100 * ONE, -BASE, 90 * ONE), EngineError::TriggerAlreadyCrossed),
        refused(params(ABOVE, 100 * ONE, -BASE, 90 * ONE), EngineError::TriggerAlreadyCrossed),
        refused(params(0, 110 * ONE, -BASE, 100 * ONE), EngineError::InvalidTrigger),
        refused(params(ABOVE, 110 * ONE, -BASE, 0), EngineError::InvalidTrigger),
        refused(params(ABOVE, 0, -BASE, 100 * ONE), EngineError::InvalidTrigger),
        refused(
            TriggerParams { keeper_fee: MAX_TRIGGER_KEEPER_FEE + 1, ..params(ABOVE, 110 * ONE, -BASE, 100 * ONE) },
            EngineError::TriggerFeeTooHigh,
        ),
    ];
    let book_key = tx::book_address(&t.margin);
    // The book exists once: a second creation is refused.
    let again = tx::create_trigger_book(t.key.pubkey(), t.margin);
    assert_error(&mut tc, &[again], &[&t.key], EngineError::AlreadyInitialized.into(), &[book_key]).await;
    for (i, e) in cases {
        assert_error(&mut tc, &[i], &[&t.key], e.into(), &[book_key]).await;
    }
    // Twins, one unit inside each bound.
    let twins = [
        params(ABOVE, 110 * ONE, -5 * BASE, 100 * ONE),
        params(BELOW, 100 * ONE - 1, -BASE, 90 * ONE),
        params(ABOVE, 100 * ONE + 1, -BASE, 90 * ONE),
        TriggerParams { keeper_fee: MAX_TRIGGER_KEEPER_FEE, ..params(ABOVE, 110 * ONE, -BASE, 100 * ONE) },
    ];
    for p in twins {
        tc.process(&[add(&v, &t, p)], &[&t.key]).await.expect("twin");
    }
    for _ in twins.len()..MAX_TRIGGERS {
        tc.process(&[add(&v, &t, params(ABOVE, 120 * ONE, -BASE, 100 * ONE))], &[&t.key]).await.expect("fill");
    }
    assert_eq!(book(&mut tc, &t).await.active().count(), MAX_TRIGGERS);
    let full = add(&v, &t, params(ABOVE, 130 * ONE, -BASE, 100 * ONE));
    assert_error(&mut tc, &[full], &[&t.key], EngineError::TriggerBookFull.into(), &[book_key]).await;

    // No position in the market at all.
    let flat = with_book(&mut tc, &v, 0).await;
    let i = add(&v, &flat, params(ABOVE, 110 * ONE, -BASE, 100 * ONE));
    assert_error(&mut tc, &[i], &[&flat.key], EngineError::TriggerAddsRisk.into(), &[flat.margin]).await;
}

#[tokio::test]
async fn only_the_owner_adds_triggers_and_the_delegate_cancels_until_its_expiry() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let t = with_book(&mut tc, &v, 5 * BASE).await;
    let (hot, stranger) = (keypair(), keypair());
    for k in [&hot, &stranger] {
        ballast_bank::setup::airdrop(&mut tc, &k.pubkey(), 1_000_000_000).await;
    }
    let expiry = tc.clock().await.slot + 100;
    tc.process(&[ix::set_delegate(t.key.pubkey(), t.margin, hot.pubkey(), expiry)], &[&t.key]).await.unwrap();
    let p = params(BELOW, 90 * ONE, -BASE, 80 * ONE);
    // A delegate, and anyone else, is refused adding: a trigger pays its fee to any key.
    for k in [&hot, &stranger] {
        let i = tx::add_trigger(k.pubkey(), t.margin, 0, v.feed, p);
        assert_error(&mut tc, &[i], &[k], EngineError::NotOwner.into(), &[t.margin]).await;
    }
    for _ in 0..3 {
        tc.process(&[add(&v, &t, p)], &[&t.key]).await.unwrap();
    }
    let cancel = |k: &Keypair, index: u8| tx::cancel_trigger(k.pubkey(), t.margin, index);
    let book_key = tx::book_address(&t.margin);
    assert_error(&mut tc, &[cancel(&stranger, 0)], &[&stranger], EngineError::NotOwnerOrDelegate.into(), &[book_key])
        .await;
    let logs = tc.process_logged(&[cancel(&hot, 0)], &[&hot]).await.expect("delegate cancels");
    let ev: TriggerCancelled = ballast_tests::adapter::find_event(&logs).expect("TriggerCancelled");
    assert_eq!((ev.index, ev.market, ev.authority), (0, 0, hot.pubkey()));
    assert_error(&mut tc, &[cancel(&hot, 0)], &[&hot], EngineError::TriggerNotFound.into(), &[book_key]).await;
    let e = EngineError::TriggerNotFound.into();
    assert_error(&mut tc, &[cancel(&t.key, MAX_TRIGGERS as u8)], &[&t.key], e, &[book_key]).await;
    // At its expiry the delegate is refused; the owner cancels.
    v.hold_until(&mut tc, expiry).await;
    assert_error(&mut tc, &[cancel(&hot, 1)], &[&hot], EngineError::DelegateExpired.into(), &[book_key]).await;
    tc.process(&[cancel(&t.key, 1)], &[&t.key]).await.expect("owner cancels");
    assert_eq!(book(&mut tc, &t).await.active().map(|(i, _)| i).collect::<Vec<_>>(), vec![2]);
    // Only the owner closes the book, and gets its rent back.
    let close = |k: &Keypair| tx::close_trigger_book(k.pubkey(), t.margin);
    assert_error(&mut tc, &[close(&hot)], &[&hot], EngineError::NotOwner.into(), &[book_key]).await;
    let lamports = |a: Option<solana_sdk::account::Account>| a.map_or(0, |a| a.lamports);
    let owner = lamports(tc.account(&t.key.pubkey()).await);
    let rent = lamports(tc.account(&book_key).await);
    tc.process(&[close(&t.key)], &[&t.key]).await.expect("close_trigger_book");
    assert_eq!(lamports(tc.account(&book_key).await), 0);
    assert_eq!(lamports(tc.account(&t.key.pubkey()).await), owner + rent, "the rent goes back to the owner");
}

#[tokio::test]
async fn the_keeper_fee_is_paid_only_as_a_withdrawal_would_be_and_the_stop_still_fills() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let keeper = trader(&mut tc, &v, 0).await;
    // 9 SOL on 100 of collateral: two stop-losses below 96, one for 1 SOL, one for all of it.
    let t = trader_with_position(&mut tc, &v, 100 * USD, 9 * BASE).await;
    let ixs = [
        tx::create_trigger_book(t.key.pubkey(), t.margin),
        add(&v, &t, params(BELOW, 96 * ONE, -BASE, 90 * ONE)),
        add(&v, &t, params(BELOW, 96 * ONE, -9 * BASE, 90 * ONE)),
    ];
    tc.process(&ixs, &[&t.key]).await.unwrap();
    // 2 SOL on 1,000: a stop for 1 of them.
    let u = with_book(&mut tc, &v, 2 * BASE).await;
    tc.process(&[add(&v, &u, params(BELOW, 96 * ONE, -BASE, 90 * ONE))], &[&u.key]).await.unwrap();
    prices(&mut tc, &mut v, 96 * ONE, 96 * ONE).await;
    // Selling 1 leaves 8 SOL on about 60 of equity: initial health < 0, so a
    // withdrawal of the fee would be refused. The stop fills; the fee is 0.
    let ev = executed(&mut tc, &v, &keeper, &t, 0).await;
    assert_eq!((ev.base, ev.position_base, ev.keeper_fee), (-BASE, 8 * BASE, 0));
    // Withdrawals paused: the stop that closes the rest pays nothing either.
    tc.process(&[ix::set_pause(v.gov.pubkey(), pause::WITHDRAW, &[])], &[&v.gov]).await.unwrap();
    let ev = executed(&mut tc, &v, &keeper, &t, 1).await;
    assert_eq!((ev.base, ev.position_base, ev.keeper_fee), (-8 * BASE, 0, 0));
    assert_eq!(balance(&mut tc, &keeper.token).await, 0);
    tc.process(&[ix::set_pause(v.gov.pubkey(), 0, &[])], &[&v.gov]).await.unwrap();
    // The owner executing its own trigger earns nothing from its account.
    let w = with_book(&mut tc, &v, 2 * BASE).await;
    tc.process(&[add(&v, &w, params(BELOW, 95 * ONE, -BASE, 90 * ONE))], &[&w.key]).await.unwrap();
    prices(&mut tc, &mut v, 95 * ONE, 95 * ONE).await;
    let ev = executed(&mut tc, &v, &w, &w, 0).await;
    assert_eq!((ev.keeper, ev.position_base, ev.keeper_fee), (w.key.pubkey(), BASE, 0));
    // Twin: a third party, withdrawals open, a partial stop that leaves
    // initial health >= 0: the fee is paid in full.
    let ev = executed(&mut tc, &v, &keeper, &u, 0).await;
    assert_eq!((ev.base, ev.position_base, ev.keeper_fee), (-BASE, BASE, FEE as u64));
    assert_eq!(balance(&mut tc, &keeper.token).await, FEE as u64);
    ballast_tests::venue::assert_conservation(&mut tc, &v, &[t.margin, u.margin, w.margin]).await;
}

#[tokio::test]
async fn a_degraded_feed_or_an_unconfirmed_jump_never_fires_a_trigger_that_the_agreed_price_does() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let keeper = trader(&mut tc, &v, 0).await;
    let t = with_book(&mut tc, &v, 5 * BASE).await;
    tc.process(&[add(&v, &t, params(BELOW, 95 * ONE, -5 * BASE, 90 * ONE))], &[&t.key]).await.unwrap();
    // One source at the stop, the other gone stale: the feed is Degraded (2
    // valid sources needed), and one source alone never fires it.
    let c = tc.clock().await;
    let (now, slot) = (c.unix_timestamp + 400, c.slot + 1_000);
    tc.set_clock(slot, now).await;
    v.sources[0] = v.sources[0].at(95 * ONE, now, slot);
    tc.set_account(&v.sources[0].address, &v.sources[0].account());
    refresh(&mut tc, &v.feed, &v.sources).await.expect("refresh");
    let e = EngineError::TriggerNotCrossed.into();
    assert_error(&mut tc, &[execute(&v, &keeper, &t, 0)], &[&keeper.key], e, &[t.margin]).await;
    // Both sources at it: it fires.
    prices(&mut tc, &mut v, 95 * ONE, 95 * ONE).await;
    tc.process(&[execute(&v, &keeper, &t, 0)], &[&keeper.key]).await.expect("execute_trigger");

    // A take-profit above 110 when every source jumps to 126 in one step
    // (beyond the 25 % jump guard): the fill would be at the EMA, so it
    // waits for the confirmation and then the vesting, as a trade's gain
    // does.
    let t = with_book(&mut tc, &v, 5 * BASE).await;
    tc.process(&[add(&v, &t, params(ABOVE, 110 * ONE, -5 * BASE, 100 * ONE))], &[&t.key]).await.unwrap();
    prices(&mut tc, &mut v, 126 * ONE, 126 * ONE).await;
    assert_error(&mut tc, &[execute(&v, &keeper, &t, 0)], &[&keeper.key], e, &[t.margin]).await;
    for _ in 0..15 {
        prices(&mut tc, &mut v, 126 * ONE, 126 * ONE).await; // refreshed every 10 slots: the jump confirms
    }
    // Confirmed, the gain still vests for the market's `gain_vest_slots`:
    // the fill would be at the jump's anchor, below the trigger.
    let feed: oracle_adapter::state::PriceFeed = ballast_tests::venue::load(&mut tc, &v.feed).await;
    assert!(feed.anchor_lo > 95 * ONE && feed.anchor_lo < 110 * ONE, "the jump left the EMA: {}", feed.anchor_lo);
    assert_error(&mut tc, &[execute(&v, &keeper, &t, 0)], &[&keeper.key], e, &[t.margin]).await;
    let vest =
        ballast_tests::venue::load::<margin_engine::state::Market>(&mut tc, &v.market).await.params.gain_vest_slots;
    while tc.clock().await.slot < feed.anchor_slot + vest as u64 {
        prices(&mut tc, &mut v, 126 * ONE, 126 * ONE).await;
    }
    let logs = tc.process_logged(&[execute(&v, &keeper, &t, 0)], &[&keeper.key]).await.expect("vested");
    let ev: TriggerExecuted = ballast_tests::adapter::find_event(&logs).expect("TriggerExecuted");
    assert!(ev.fill_price >= 110 * ONE, "at the confirmed price: {}", ev.fill_price);
}

#[tokio::test]
async fn a_margin_account_closes_only_after_its_trigger_book() {
    let (mut tc, v) = venue(100 * ONE, 100_000 * USD).await;
    let t = with_book(&mut tc, &v, 0).await;
    let w = ix::withdraw(t.key.pubkey(), t.margin, t.token, &v.keys, 1_000 * USD, &[]);
    tc.process(&[w], &[&t.key]).await.unwrap();
    let close = ix::close_account(t.key.pubkey(), t.margin);
    let e = EngineError::TriggerBookOpen.into();
    assert_error(&mut tc, &[close.clone()], &[&t.key], e, &[t.margin]).await;
    // Twin: the book closed first, in the same transaction.
    tc.process(&[tx::close_trigger_book(t.key.pubkey(), t.margin), close], &[&t.key]).await.expect("both close");
    assert!(tc.account(&t.margin).await.is_none());
    assert!(tc.account(&tx::book_address(&t.margin)).await.is_none());
    // Lamports sent to the book's address do not block a close.
    tc.process(&[ix::create_account(t.key.pubkey(), 0)], &[&t.key]).await.expect("re-create");
    ballast_bank::setup::airdrop(&mut tc, &tx::book_address(&t.margin), 1_000_000).await;
    tc.process(&[ix::close_account(t.key.pubkey(), t.margin)], &[&t.key]).await.expect("close again");
    let _ = v;
}

#[tokio::test]
async fn a_cross_margined_execution_names_every_other_position_or_is_refused() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let (m1, f1, _) = ballast_tests::venue::add_market(&mut tc, &v, 1, "M1", 100 * ONE).await;
    let keeper = trader(&mut tc, &v, 0).await;
    let t = with_book(&mut tc, &v, 5 * BASE).await;
    let p = TradeParams { base: 3 * BASE, limit_price: i64::MAX, reduce_only: false };
    tc.process(&[ix::trade(t.key.pubkey(), t.margin, &v.keys, 1, f1, p, &v.markets())], &[&t.key]).await.unwrap();
    tc.process(&[add(&v, &t, params(BELOW, 95 * ONE, -2 * BASE, 90 * ONE))], &[&t.key]).await.unwrap();
    prices(&mut tc, &mut v, 95 * ONE, 95 * ONE).await;
    let call = |pairs: &[(Pubkey, Pubkey)]| {
        tx::execute_trigger_ix(keeper.key.pubkey(), keeper.token, t.margin, &v.keys, 0, v.feed, 0, pairs)
    };
    // The M1 position left out, or named twice: refused, never skipped.
    let e = EngineError::HealthAccountsMismatch.into();
    assert_error(&mut tc, &[call(&[])], &[&keeper.key], e, &[t.margin]).await;
    assert_error(&mut tc, &[call(&[(m1, f1), (m1, f1)])], &[&keeper.key], e, &[t.margin]).await;
    // Named: it executes, and with initial health >= 0 over both positions the fee is paid.
    let logs = tc.process_logged(&[call(&[(m1, f1)])], &[&keeper.key]).await.expect("execute_trigger");
    let ev: TriggerExecuted = ballast_tests::adapter::find_event(&logs).expect("TriggerExecuted");
    assert_eq!((ev.base, ev.position_base, ev.keeper_fee), (-2 * BASE, 3 * BASE, FEE as u64));
    assert_eq!(account(&mut tc, &t).await.open_positions().count(), 2);
}
