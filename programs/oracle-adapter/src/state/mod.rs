//! Accounts of the oracle adapter.

mod config;
mod price_feed;

pub use config::{AdapterConfig, PendingFeedUpdate};
pub use price_feed::{GuardParams, PriceFeed, SourceConfig, SourceParam};
