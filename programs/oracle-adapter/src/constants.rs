//! Seeds, owner programs of each oracle format, and layout versions.

use anchor_lang::prelude::*;

/// Seed of the singleton [`crate::state::AdapterConfig`] PDA.
pub const CONFIG_SEED: &[u8] = b"adapter-config";
/// Seed prefix of a [`crate::state::PriceFeed`] PDA: `[FEED_SEED, symbol]`.
pub const FEED_SEED: &[u8] = b"price-feed";

/// Longest asset symbol, bytes (it is a PDA seed and a fixed array).
pub const MAX_SYMBOL_LEN: usize = 16;

/// Current layout version of [`crate::state::PriceFeed`].
pub const PRICE_FEED_VERSION: u8 = 2;
/// Current layout version of [`crate::state::AdapterConfig`] (2: the
/// proposed successor authority).
pub const CONFIG_VERSION: u8 = 2;
/// Seed prefix of a [`crate::state::PendingFeedUpdate`] PDA: `[UPDATE_SEED, id le]`.
pub const UPDATE_SEED: &[u8] = b"feed-update";
/// Slots after its eta during which a queued feed update may be applied
/// (about three days at 400 ms a slot); later it is expired and anyone may
/// close it (`close_feed_update`) to return its rent.
pub const UPDATE_GRACE_SLOTS: u64 = 648_000;
/// Bounds of the adapter's governance timelock, slots.
pub const TIMELOCK_BOUNDS: (u64, u64) = (1, 10_000_000);

/// Pyth Solana Receiver program: owner of `PriceUpdateV2` accounts.
pub const PYTH_RECEIVER_PROGRAM_ID: Pubkey = pyth_solana_receiver_sdk::ID;
/// Switchboard On-Demand program (mainnet): owner of `PullFeedAccountData`.
pub const SWITCHBOARD_ON_DEMAND_PROGRAM_ID: Pubkey = pubkey!("SBondMDrcV3K4kxZR1HNVT7osZxAHVHgYXL5Ze1oMUv");
/// Pyth Oracle program (mainnet, legacy push): owner of v2 price accounts.
pub const PYTH_LEGACY_PROGRAM_ID: Pubkey = pubkey!("FsJ3A3u2vn5cTVofAjvy6y5kwABJAqYWpe4975bi2epH");
/// Switchboard v2 program (mainnet): owner of `AggregatorAccountData`.
pub const SWITCHBOARD_V2_PROGRAM_ID: Pubkey = pubkey!("SW1TCH7qEPTdLsDHRgPuMQjbQxKdH2aBStViMFnt64f");

/// Parse an asset symbol: 1-16 bytes of `A-Z 0-9 / - _`, zero-padded.
/// Shared by both programs (each maps `None` to its own error).
pub fn parse_symbol(symbol: &str) -> Option<[u8; MAX_SYMBOL_LEN]> {
    let b = symbol.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= MAX_SYMBOL_LEN
        && b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, b'/' | b'-' | b'_'));
    if !ok {
        return None;
    }
    let mut out = [0u8; MAX_SYMBOL_LEN];
    out[..b.len()].copy_from_slice(b);
    Some(out)
}
