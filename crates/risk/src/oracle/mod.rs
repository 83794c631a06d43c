//! Oracle math: per-source checks, aggregation of several sources into one
//! price, the EMA and the realised-volatility EWMA. Shared by the
//! `oracle-adapter` program (on-chain `refresh`) and `ballast oracle inspect`.

mod aggregate;
mod ewma;
mod guards;
mod quote;
mod validity;

pub use aggregate::{
    aggregate, median_of_sorted, prices_diverge, Aggregate, FeedState, SINGLE_SOURCE_CONF_MULTIPLIER,
    STALE_TO_INVALID_FACTOR,
};
pub use ewma::{approx_log_return, ewma, ewma_weights, variance_sample, vol_bps};
pub use guards::{classify_change, GuardError, Guards, MAX_SOURCES};
pub use quote::{check_quote, Quote, RawQuote};
pub use validity::{Action, Validity, Verdict};
