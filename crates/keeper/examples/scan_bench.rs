//! Keeper scan speed: margin accounts decoded (zero-copy, from the raw bytes
//! a program-account scan returns) and planned by the keeper's own `plan`
//! (shard filter, health with the program's functions, worst-first sort, and
//! the liquidations of one tick simulated), per second on one core.
//! Run: `scripts/bench-scan.sh`.

use anchor_lang::prelude::Pubkey;
use anchor_lang::Discriminator;
use ballast_client::decode::zero_copy;
use ballast_keeper::plan::plan;
use ballast_keeper::scan::{MarketState, Venue};
use ballast_keeper::Config;
use margin_engine::state::{Exchange, MarginAccount, Market, Pool, PositionSlot};
use oracle_adapter::state::PriceFeed;
use solana_sdk::clock::Clock;
use std::time::Instant;

const ACCOUNTS: usize = 100_000;
const MARKETS: u16 = 8;

fn market(index: u16) -> Market {
    let mut m: Market = bytemuck::Zeroable::zeroed();
    m.index = index;
    m.params.imr_bps = 1_000;
    m.params.mmr_bps = 500;
    m.params.max_mmr_bps = 5_000;
    m.params.reference_vol_bps = 8_000;
    m.params.vol_cap_bps = 40_000;
    m.params.size_factor_bps = 10;
    m.params.conf_mult_bps = 10_000;
    m.params.step_bps_per_slot = 100;
    m.phase_mult_bps = 10_000;
    m.params.liq_fee_bps = 100;
    m.params.keeper_share_bps = 3_000;
    m.params.max_liq_fraction_bps = 5_000;
    m.params.liq_buffer_bps = 1_000;
    m.params.dust_notional = 10_000_000;
    m.params.throttle_cap = u64::MAX;
    m.params.throttle_window_slots = 100;
    // Open interest the synthetic positions can be closed against.
    (m.long_oi, m.short_oi) = (u64::MAX / 4, u64::MAX / 4);
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
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    }
    // Totals the synthetic accounts' collateral can be booked against.
    let mut exchange: Exchange = bytemuck::Zeroable::zeroed();
    exchange.total_collateral = u64::MAX / 4;
    let mut pool: Pool = bytemuck::Zeroable::zeroed();
    pool.balance = u64::MAX / 4;
    let markets = (0..MARKETS)
        .map(|i| MarketState {
            key: Pubkey::new_unique(),
            market: market(i),
            feed: feed(100_000_000_000 + i as i64 * 1_000_000_000),
        })
        .collect();
    let clock = Clock { slot: 1_000, unix_timestamp: 1_700_000_010, ..Clock::default() };
    let venue = Venue { clock, exchange, pool, markets };
    // Synthetic accounts as raw bytes (discriminator + body), 1 to 8 positions.
    let data: Vec<(Pubkey, Vec<u8>)> = (0..ACCOUNTS)
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
            (Pubkey::new_unique(), bytes)
        })
        .collect();
    let config = Config::default();
    let start = Instant::now();
    let accounts: Vec<(Pubkey, MarginAccount)> =
        data.iter().map(|(k, bytes)| (*k, zero_copy::<MarginAccount>(bytes).expect("decode"))).collect();
    let decoded = start.elapsed().as_secs_f64();
    let p = plan(&venue, &accounts, &config, Pubkey::new_unique(), Pubkey::new_unique());
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{ACCOUNTS} accounts (1-8 positions, avg 4.5) decoded ({:.3} s) and planned in {:.3} s: {:.0} accounts/s on one core \
         ({} unhealthy; the worst {} simulated: {} calls; blocked {}, throttled {})",
        decoded,
        secs,
        ACCOUNTS as f64 / secs,
        p.unhealthy,
        p.liquidations.len(),
        p.liquidations.iter().map(|a| a.calls.len()).sum::<usize>(),
        p.blocked,
        p.throttled
    );
}
