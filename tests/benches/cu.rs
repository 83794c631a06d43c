//! Cost proxy for `trade`, `withdraw` and `liquidate`: one call of each, for callgrind to
//! count the instructions executed inside each handler. Run it through
//! `scripts/bench-cu.sh`, which sets the toggles and reads the totals.
//!
//! Repeatability (DESIGN.md section 3): the `cu` profile (no debug
//! assertions), deterministic keypairs (`context::keypair`), and this
//! never-freeing bump allocator, so malloc history cannot leak into counts.

use ballast_client::engine as ix;
use ballast_client::trigger as tx;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{
    add_market, add_market_with, sol_params, trader, trader_with_position, venue, venue_with, BASE, S0, T0, USD,
};
use margin_engine::instructions::{AddMarketParams, InitializeExchangeParams, TradeParams};
use margin_engine::state::{TriggerParams, BELOW, MARGIN_ACCOUNT_SIZE, TRIGGER_BOOK_SIZE};
use solana_sdk::signature::Signer;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Virtual size of the arena; pages are only touched as used.
const ARENA: usize = 16 << 30;

struct Bump {
    base: AtomicUsize,
    next: AtomicUsize,
}

unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut base = self.base.load(Ordering::Acquire);
        if base == 0 {
            // SAFETY: a valid, non-zero layout; the arena is never freed.
            let fresh = unsafe { System.alloc(Layout::from_size_align_unchecked(ARENA, 4096)) } as usize;
            base = match self.base.compare_exchange(0, fresh, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => fresh,
                Err(existing) => existing,
            };
        }
        let align = layout.align();
        let mut offset = self.next.load(Ordering::Relaxed);
        loop {
            let start = (base + offset).next_multiple_of(align) - base;
            let end = start + layout.size();
            if end > ARENA {
                return core::ptr::null_mut();
            }
            match self.next.compare_exchange_weak(offset, end, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return (base + start) as *mut u8,
                Err(now) => offset = now,
            }
        }
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOC: Bump = Bump { base: AtomicUsize::new(0), next: AtomicUsize::new(0) };

/// The default scenario: one call each of `trade`, `withdraw` and
/// `liquidate` (one position).
async fn single() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 200 * USD, 0).await;
    let keeper = trader(&mut tc, &v, 0).await;
    let owner = t.key.pubkey();
    // trade: open 9 SOL, no other positions.
    let buy = TradeParams { base: 9 * BASE, limit_price: 101 * ONE, reduce_only: false };
    let cu = tc.process_metered(&[ix::trade(owner, t.margin, &v.keys, 0, v.feed, buy, &[])], &[&t.key]).await;
    report_cu("trade", cu.expect("trade"));
    // withdraw: 50 of 200 with the position open (health checked).
    let w = ix::withdraw(owner, t.margin, t.token, &v.keys, 50 * USD, &[(v.market, v.feed)]);
    report_cu("withdraw", tc.process_metered(&[w], &[&t.key]).await.expect("withdraw"));
    // liquidate: after a drop to 85, one partial liquidation of the single position.
    v.set_price(&mut tc, 85 * ONE, 0, T0 + 10, S0 + 10).await;
    let l = ix::liquidate(keeper.key.pubkey(), keeper.token, t.margin, &v.keys, 0, v.feed, &[]);
    report_cu("liquidate", tc.process_metered(&[l], &[&keeper.key]).await.expect("liquidate"));
    println!("ran one trade (open 9 SOL), one withdraw (position open) and one liquidation (1 position)");
}

/// `liquidate` on an account with 8 positions (the most an account holds):
/// 8.5x across eight markets, SOL falls 20 %, the SOL position is liquidated
/// with the other seven read from the remaining accounts.
async fn eight_positions() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    let mut pairs = vec![(v.market, v.feed)];
    for i in 1..8u16 {
        let (m, f, _) = add_market(&mut tc, &v, i, &format!("M{i}"), 100 * ONE).await;
        pairs.push((m, f));
    }
    let t = trader_with_position(&mut tc, &v, 1_000 * USD, 50 * BASE).await;
    let keeper = trader(&mut tc, &v, 0).await;
    for i in 1..8usize {
        let p = TradeParams { base: 5 * BASE, limit_price: i64::MAX, reduce_only: false };
        let trade = ix::trade(t.key.pubkey(), t.margin, &v.keys, i as u16, pairs[i].1, p, &pairs);
        tc.process(&[trade], &[&t.key]).await.expect("trade");
    }
    v.set_price(&mut tc, 80 * ONE, 0, T0 + 10, S0 + 10).await;
    let l = ix::liquidate(keeper.key.pubkey(), keeper.token, t.margin, &v.keys, 0, v.feed, &pairs[1..]);
    report_cu("liquidate-8-positions", tc.process_metered(&[l], &[&keeper.key]).await.expect("liquidate"));
    println!("ran one liquidation (8 positions)");
}

/// `execute_trigger`: a stop-loss selling 5 of 9 SOL below 95 (no other
/// position, the keeper fee paid), once every source is at 95.
async fn trigger() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 1_000 * USD, 9 * BASE).await;
    let keeper = trader(&mut tc, &v, 0).await;
    let owner = t.key.pubkey();
    let stop = TriggerParams {
        direction: BELOW,
        trigger_price: 95 * ONE,
        base: -5 * BASE,
        limit_price: 90 * ONE,
        keeper_fee: 50_000,
    };
    let add = [tx::create_trigger_book(owner, t.margin), tx::add_trigger(owner, t.margin, 0, v.feed, stop)];
    tc.process(&add, &[&t.key]).await.expect("add_trigger");
    v.set_price(&mut tc, 95 * ONE, 0, T0 + 10, S0 + 10).await;
    let e = tx::execute_trigger_ix(keeper.key.pubkey(), keeper.token, t.margin, &v.keys, 0, v.feed, 0, &[]);
    report_cu("execute_trigger", tc.process_metered(&[e], &[&keeper.key]).await.expect("execute_trigger"));
    println!("ran one trigger execution (1 position)");
}

/// `auto_deleverage` and `settle_pnl` (one position each, one market):
/// two 9 SOL longs and a 9 SOL short on a 100-dollar pool, SOL up 20 %:
/// the longs' profit (about 360) is far above the pool's cash. ADL reduces
/// the first long (the better entry, so at or above its side's average);
/// the second closes, its gain unpaid; the short's loss brings cash and
/// `settle_pnl` pays the second long its share.
async fn pnl() {
    let (mut tc, mut v) = venue(100 * ONE, 101 * USD).await;
    let a = trader_with_position(&mut tc, &v, 1_000 * USD, 9 * BASE).await;
    let b = trader_with_position(&mut tc, &v, 1_000 * USD, 9 * BASE).await;
    let c = trader_with_position(&mut tc, &v, 1_000 * USD, -9 * BASE).await;
    v.set_price(&mut tc, 120 * ONE, 0, T0 + 10, S0 + 10).await;
    let adl = ix::auto_deleverage(a.margin, 0, &v.keys, &v.markets());
    report_cu("auto_deleverage", tc.process_metered(&[adl], &[]).await.expect("auto_deleverage"));
    for (t, base) in [(&b, -9 * BASE), (&c, 9 * BASE)] {
        let p = TradeParams { base, limit_price: if base > 0 { i64::MAX } else { 1 }, reduce_only: true };
        let close = ix::trade(t.key.pubkey(), t.margin, &v.keys, 0, v.feed, p, &[]);
        tc.process(&[close], &[&t.key]).await.expect("close");
    }
    let s = ix::settle_pnl(b.margin, &v.keys);
    report_cu("settle_pnl", tc.process_metered(&[s], &[]).await.expect("settle_pnl"));
    println!("ran one auto-deleveraging (1 position, 1 market) and one settle_pnl");
}

/// `update_funding`, a `trade` and `account_health` on a venue whose 8
/// markets all charge funding, a borrow fee and price impact, with the
/// reserve cap on (so the trade values the pool with all 8 markets): an
/// account with 8 positions, an hour of funding owed on each.
/// `then` says what follows the crank: nothing (`Setup`, to subtract), one
/// `trade` adding risk, or one `account_health`: callgrind counts every
/// call of a function in a run, and the setup trades too.
#[derive(PartialEq)]
enum Then {
    Setup,
    Trade,
    View,
}

async fn charges(then: Then) {
    let market = AddMarketParams {
        funding_factor_ppm: 500,
        max_funding_ppm: 200,
        borrow_base_ppm: 1,
        borrow_slope_ppm: 5,
        borrow_jump_ppm: 100,
        impact_factor_bps: 50,
        impact_rebate_bps: 25,
        ..sol_params()
    };
    let capped = |e| InitializeExchangeParams { reserve_factor_bps: 5_000, stress_reserve_factor_bps: 2_500, ..e };
    let (mut tc, mut v) = venue_with(100 * ONE, 1_000_000 * USD, market.clone(), capped).await;
    let mut pairs = vec![(v.market, v.feed)];
    let mut sources = Vec::new();
    for i in 1..8u16 {
        let params = AddMarketParams { symbol: format!("M{i}"), ..market.clone() };
        let (m, f, s) = add_market_with(&mut tc, &v, i, params, 100 * ONE).await;
        pairs.push((m, f));
        sources.push(s);
    }
    let t = trader_with_position(&mut tc, &v, 1_000 * USD, 50 * BASE).await;
    for i in 1..8usize {
        let p = TradeParams { base: 5 * BASE, limit_price: i64::MAX, reduce_only: false };
        let trade = ix::trade(t.key.pubkey(), t.margin, &v.keys, i as u16, pairs[i].1, p, &pairs);
        tc.process(&[trade], &[&t.key]).await.expect("trade");
    }
    // An hour later, every feed republished at 100.
    let c = tc.clock().await;
    let (slot, ts) = (c.slot + ballast_risk::funding::SLOTS_PER_HOUR, c.unix_timestamp + 3_600);
    v.set_price(&mut tc, 100 * ONE, 0, ts, slot).await;
    for (s, (_, feed)) in sources.iter_mut().zip(&pairs[1..]) {
        ballast_tests::venue::republish(&mut tc, feed, s, 100 * ONE, ts, slot).await;
    }
    let crank = ix::update_funding(&pairs);
    report_cu("update_funding", tc.process_metered(&[crank], &[]).await.expect("update_funding"));
    if then == Then::Trade {
        let buy = TradeParams { base: BASE, limit_price: i64::MAX, reduce_only: false };
        let trade = ix::trade(t.key.pubkey(), t.margin, &v.keys, 0, v.feed, buy, &pairs);
        report_cu("trade-8-markets", tc.process_metered(&[trade], &[&t.key]).await.expect("trade"));
    }
    if then == Then::View {
        let view = ix::account_health(t.margin, &pairs);
        report_cu("account_health", tc.process_metered(&[view], &[]).await.expect("account_health"));
    }
    println!("ran update_funding (8 markets, 8 positions of an hour's funding)");
}

/// In SBF mode (`BALLAST_SBF=1`, `scripts/bench-cu.sh --sbf`), the real
/// compute units of each measured transaction (the handler, its token CPIs
/// and the compute-budget instruction); natively nothing (callgrind counts).
fn report_cu(label: &str, units: u64) {
    if ballast_bank::context::sbf_mode() {
        println!("{label} transaction: {units} compute units (SBF)");
    }
}

fn main() {
    println!("MarginAccount: {} bytes, {} with the discriminator", MARGIN_ACCOUNT_SIZE, MARGIN_ACCOUNT_SIZE + 8);
    println!("TriggerBook: {} bytes, {} with the discriminator", TRIGGER_BOOK_SIZE, TRIGGER_BOOK_SIZE + 8);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    // Each measured handler runs exactly once per scenario: callgrind
    // collects every call.
    match std::env::args().nth(1).as_deref() {
        Some("liquidate-8") => rt.block_on(eight_positions()),
        Some("trigger") => rt.block_on(trigger()),
        Some("pnl") => rt.block_on(pnl()),
        Some("charges") => rt.block_on(charges(Then::Setup)),
        Some("charges-trade") => rt.block_on(charges(Then::Trade)),
        Some("charges-view") => rt.block_on(charges(Then::View)),
        _ => rt.block_on(single()),
    }
}
