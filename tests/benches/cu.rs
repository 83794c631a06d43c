//! Cost proxy for `trade` and `withdraw`: one call of each, for callgrind to
//! count the instructions executed inside each handler. Run it through
//! `scripts/bench-cu.sh`, which sets the toggles and reads the totals.
//!
//! Repeatability (DESIGN.md section 3): the `cu` profile (no debug
//! assertions), deterministic keypairs (`context::keypair`), and this
//! never-freeing bump allocator, so malloc history cannot leak into counts.

use ballast_client::engine as ix;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{trader_with_position, venue, BASE, USD};
use margin_engine::instructions::TradeParams;
use margin_engine::state::MARGIN_ACCOUNT_SIZE;
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

fn main() {
    println!("MarginAccount: {} bytes, {} with the discriminator", MARGIN_ACCOUNT_SIZE, MARGIN_ACCOUNT_SIZE + 8);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let (mut tc, v) = venue(100 * ONE, 100_000 * USD).await;
        let t = trader_with_position(&mut tc, &v, 1_000 * USD, 0).await;
        let owner = t.key.pubkey();
        let buy = TradeParams { base: 2 * BASE, limit_price: 101 * ONE, reduce_only: false };
        tc.process(&[ix::trade(owner, t.margin, &v.keys, 0, v.feed, buy, &[])], &[&t.key]).await.expect("trade");
        let w = ix::withdraw(owner, t.margin, t.token, &v.keys, 100 * USD, &[(v.market, v.feed)]);
        tc.process(&[w], &[&t.key]).await.expect("withdraw");
    });
    println!("ran one trade (open 2 SOL) and one withdraw (with the position open)");
}
