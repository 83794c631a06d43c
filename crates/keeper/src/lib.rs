//! # ballast-keeper
//!
//! A permissionless keeper for the Ballast margin engine. Each tick it
//! refreshes the configured adapter feeds, scans every margin account with a
//! filtered `getProgramAccounts`, computes maintenance health with the
//! program's own code, liquidates the unhealthy accounts worst first within
//! the markets' throttles, executes the trigger orders whose price has
//! crossed, resolves bankruptcies down the waterfall,
//! cranks the price-band breakers whose trip or release is due, pays
//! unsettled PnL from the pool's cash as it arrives (`settle_pnl`), and,
//! while the traders' unrealised profit outgrows the pool's free cash,
//! auto-deleverages the best-ranked winning positions (`auto_deleverage`).
//!
//! - [`config`]: flags and TOML, shards, limits, backoff;
//! - [`scan`]: reading the venue and the accounts;
//! - [`plan`]: choosing and simulating the calls;
//! - [`triggers`]: the trigger orders due, simulated;
//! - [`adl`]: unsettled-PnL settlements and auto-deleveraging, simulated;
//! - [`tick`]: sending them, with retries, and reporting;
//! - [`metrics`]: Prometheus metrics and a health check over HTTP.
//!
//! It runs against any [`ballast_client::backend::Backend`]: a JSON-RPC node
//! (the binary) or the in-process bank (the integration tests).

pub mod adl;
pub mod config;
pub mod metrics;
pub mod plan;
pub mod scan;
pub mod tick;
pub mod triggers;

pub use config::{Config, Shard};
pub use tick::{Keeper, TickReport};
