//! Health preview off-chain, with the program's own functions: decoded
//! accounts go through `margin_engine::engine::health`, the code every
//! instruction runs, so a preview cannot drift from the chain.
//!
//! A keeper computes the market quotes once per tick ([`market_quotes`]) and
//! then checks every account against them ([`account_health`]).

use crate::venue::quote_markets;
use anyhow::{anyhow, Result};
use ballast_risk::health::Health;
use margin_engine::engine::health::{MarketQuote, Now};
use margin_engine::state::{Exchange, MarginAccount, Market};
use oracle_adapter::state::PriceFeed;

/// Quotes of `markets` (each with its feed) at unix time `ts` and `slot`.
pub fn market_quotes(
    exchange: &Exchange,
    markets: &[(Market, PriceFeed)],
    ts: i64,
    slot: u64,
) -> Result<Vec<MarketQuote>> {
    let now = Now::at(exchange, ts, slot);
    quote_markets(markets.iter().map(|(m, f)| (m, f)), &now)
        .into_iter()
        .map(|q| q.map_err(|e| anyhow!("{e}")))
        .collect()
}

/// Health of `account` against `quotes` covering its open positions.
pub fn account_health(account: &MarginAccount, quotes: &[MarketQuote]) -> Result<Health> {
    margin_engine::engine::health::account_health(account, quotes).map_err(|e| anyhow!("{e}"))
}

/// Health of `account` at unix time `ts` and `slot`, given the exchange and
/// the `(market, feed)` of every open position.
pub fn health(
    exchange: &Exchange,
    account: &MarginAccount,
    markets: &[(Market, PriceFeed)],
    ts: i64,
    slot: u64,
) -> Result<Health> {
    account_health(account, &market_quotes(exchange, markets, ts, slot)?)
}
