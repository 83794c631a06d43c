//! Seeded random sequences through the real programs, every invariant
//! checked after every transaction (`ballast_tests::sequences`).
//!
//! CI runs `BALLAST_BANK_SEEDS` (default 20) seeds of 400 actions;
//! `scripts/bank-sequences.sh` runs more (200 by default). A failure
//! names the seed, the step and the operation;
//! `BALLAST_BANK_SEED=0x... cargo test -p ballast-tests --test suite
//! engine_sequences` replays that seed alone.

use ballast_tests::sequences::{run_sequence, Outcome};

/// Seed `i` of a run: three named ones, then the index.
fn seed(i: u64) -> u64 {
    [0xcc62_3af8_7833_0a0a, 0xdead_beef_cafe_f00d, 0x0ba1_1a57].get(i as usize).copied().unwrap_or(i)
}

/// Actions per sequence.
const STEPS: usize = 400;

fn env(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

#[tokio::test]
async fn every_invariant_holds_after_every_transaction_of_seeded_400_action_sequences_over_three_markets() {
    let seeds: Vec<u64> = match env("BALLAST_BANK_SEED") {
        Some(seed) => vec![seed],
        None => (0..env("BALLAST_BANK_SEEDS").unwrap_or(20)).map(seed).collect(),
    };
    let mut total = Outcome::default();
    for seed in &seeds {
        let o = run_sequence(*seed, STEPS).await;
        println!("seed {seed:#x}: {o:?}");
        total.landed += o.landed;
        total.refused += o.refused;
        total.liquidations += o.liquidations;
        total.resolved += o.resolved;
        total.cross_margin_trades += o.cross_margin_trades;
        total.triggers.0 += o.triggers.0;
        total.triggers.1 += o.triggers.1;
        total.pnl_settled += o.pnl_settled;
        total.adl.0 += o.adl.0;
        total.adl.1 += o.adl.1;
    }
    println!("{} seeds x {STEPS} actions: {total:?}", seeds.len());
    // The sequences reach what they are for: cross-margined accounts,
    // liquidations, bankruptcies resolved and triggers executed (a seed
    // alone may miss them).
    if seeds.len() >= 20 {
        let reached =
            total.cross_margin_trades > 0 && total.liquidations > 0 && total.resolved > 0 && total.triggers.1 > 0;
        assert!(reached, "{total:?}");
    }
    assert!(total.landed > seeds.len() * STEPS / 4, "{total:?}");
}

/// The same sequences on a venue whose pool holds 20,000 (against four
/// traders of 200,000 each) and no reserve cap: winners outgrow it, so
/// closes book unsettled
/// PnL, keeper passes settle it and auto-deleverage, and every invariant
/// (the pool's unsettled PnL is the accounts' sum; a settlement credits
/// exactly what it retires; ADL only shrinks profitable positions and
/// never passes its target) holds after every transaction.
#[tokio::test]
async fn every_invariant_holds_after_every_transaction_when_a_small_pool_owes_unsettled_pnl_and_deleverages() {
    let seeds = env("BALLAST_BANK_SEEDS").unwrap_or(10);
    let mut total = Outcome::default();
    for seed in (0..seeds).map(seed) {
        let o =
            ballast_tests::sequences::run_sequence_with_pool(seed, STEPS, 20_000 * ballast_tests::venue::USD, false)
                .await;
        total.landed += o.landed;
        total.pnl_settled += o.pnl_settled;
        total.adl.0 += o.adl.0;
        total.adl.1 += o.adl.1;
    }
    println!("{seeds} seeds x {STEPS} actions, a 20,000 pool: {total:?}");
    assert!(total.pnl_settled > 0 && total.adl.1 > 0, "settlement and ADL were reached: {total:?}");
}
