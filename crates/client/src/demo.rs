//! The demo venue: `venue/demo.toml`, compiled in. The bank's demo venue
//! (the embedded ledger and the stress lab), the suite and the pure model
//! test all start from it.

use crate::spec::VenueSpec;
use margin_engine::state::{AddMarketParams, InitializeExchangeParams};
use solana_sdk::pubkey::Pubkey;
use std::sync::OnceLock;

/// One dollar of collateral (6 decimals).
pub const USD: u64 = 1_000_000;

/// The committed demo spec's text.
pub const DEMO_SPEC: &str = include_str!("../../../venue/demo.toml");

/// The demo spec, parsed and checked once.
pub fn spec() -> &'static VenueSpec {
    static SPEC: OnceLock<VenueSpec> = OnceLock::new();
    SPEC.get_or_init(|| match VenueSpec::parse(DEMO_SPEC) {
        Ok(s) => s,
        Err(e) => panic!("venue/demo.toml: {e:#}"),
    })
}

/// The demo's first market's parameters as a market `symbol` with
/// `leverage`x maximum leverage (IMR = 1 / leverage, MMR half of it): the
/// suite's and the lab's markets of any symbol and leverage.
pub fn market_params(symbol: &str, leverage: u32) -> AddMarketParams {
    let imr_bps = 10_000 / leverage.max(1);
    AddMarketParams { symbol: symbol.into(), imr_bps, mmr_bps: imr_bps / 2, ..spec().markets[0].params.clone() }
}

/// The demo's exchange parameters with `governance` and `guardian`.
pub fn exchange_params(governance: Pubkey, guardian: Pubkey) -> InitializeExchangeParams {
    InitializeExchangeParams { governance, guardian, ..spec().exchange }
}
