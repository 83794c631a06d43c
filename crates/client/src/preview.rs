//! Health preview off-chain, with the program's own functions: decoded
//! accounts go through `margin_engine::engine::health`, the code every
//! instruction runs, so a preview cannot drift from the chain.

use anyhow::{anyhow, Result};
use ballast_risk::health::Health;
use margin_engine::engine::health::{account_health, quote_from_reading, Now};
use margin_engine::state::{Exchange, MarginAccount, Market};
use oracle_adapter::reader::reading;
use oracle_adapter::state::PriceFeed;

/// Health of `account` at unix time `ts` and `slot`, given the exchange and
/// the `(market, feed)` of every open position.
pub fn health(
    exchange: &Exchange,
    account: &MarginAccount,
    markets: &[(Market, PriceFeed)],
    ts: i64,
    slot: u64,
) -> Result<Health> {
    let now = Now { ts, slot, stress_mult_bps: exchange.stress_mult_at(slot) };
    let quotes = markets
        .iter()
        .map(|(m, f)| quote_from_reading(m, &reading(f, ts), &now))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("{e}"))?;
    account_health(account, &quotes).map_err(|e| anyhow!("{e}"))
}
