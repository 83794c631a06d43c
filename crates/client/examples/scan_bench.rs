//! Keeper scan speed: margin accounts decoded (zero-copy, from raw bytes)
//! and health-checked per second on one core, with the program's own health
//! functions. Run: `scripts/bench-scan.sh`.

use anchor_lang::Discriminator;
use ballast_client::decode::zero_copy;
use ballast_client::preview::{account_health, market_quotes};
use margin_engine::state::{Exchange, MarginAccount, Market, PositionSlot};
use oracle_adapter::state::PriceFeed;
use std::time::Instant;

const ACCOUNTS: usize = 100_000;
const MARKETS: u16 = 8;

fn market(index: u16) -> Market {
    let mut m: Market = bytemuck::Zeroable::zeroed();
    m.index = index;
    m.imr_bps = 1_000;
    m.mmr_bps = 500;
    m.max_mmr_bps = 5_000;
    m.reference_vol_bps = 8_000;
    m.vol_cap_bps = 40_000;
    m.size_factor_bps = 10;
    m.conf_mult_bps = 10_000;
    m.step_bps_per_slot = 100;
    m.phase_mult_bps = 10_000;
    m
}

fn feed(price: i64) -> PriceFeed {
    let mut f: PriceFeed = bytemuck::Zeroable::zeroed();
    f.price = price;
    f.conf = (price / 1_000) as u64;
    f.ema_price = price;
    f.vol_bps = 9_000;
    f.publish_time = 1_700_000_000;
    f.has_price = 1;
    f.max_age_secs = 60;
    f
}

fn main() {
    let exchange: Exchange = bytemuck::Zeroable::zeroed();
    let markets: Vec<(Market, PriceFeed)> =
        (0..MARKETS).map(|i| (market(i), feed(100_000_000_000 + i as i64 * 1_000_000_000))).collect();
    // Synthetic accounts as raw bytes (discriminator + body), 1 to 8 positions.
    let data: Vec<Vec<u8>> = (0..ACCOUNTS)
        .map(|i| {
            let mut a: MarginAccount = bytemuck::Zeroable::zeroed();
            a.collateral = (i as i64 % 977) * 1_000_000; // 0 to 976 dollars: some are liquidatable
            a.positions = [PositionSlot::EMPTY; 8];
            for p in 0..(1 + i % 8) {
                let base = (1 + (i * 7 + p) % 90) as i64 * 100_000_000 * if (i + p) % 3 == 0 { -1 } else { 1 };
                a.positions[p] = PositionSlot { market: p as u16, base, quote: -base / 10, ..PositionSlot::EMPTY };
            }
            let mut bytes = MarginAccount::DISCRIMINATOR.to_vec();
            bytes.extend_from_slice(bytemuck::bytes_of(&a));
            bytes
        })
        .collect();
    let start = Instant::now();
    let quotes = market_quotes(&exchange, &markets, 1_700_000_010, 1_000).expect("quotes");
    let mut liquidatable = 0usize;
    for bytes in &data {
        let account: MarginAccount = zero_copy(bytes).expect("decode");
        liquidatable += usize::from(account_health(&account, &quotes).expect("health").maintenance < 0);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{ACCOUNTS} accounts (1-8 positions, avg 4.5) decoded and health-checked in {:.3} s: {:.0} accounts/s on one core ({liquidatable} liquidatable)",
        secs,
        ACCOUNTS as f64 / secs
    );
}
