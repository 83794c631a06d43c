//! # ballast-sim
//!
//! The stress lab's building blocks. So far:
//! - [`prices`]: real crash price files, every format in `data/prices`,
//!   loaded oldest first into exact fixed-point prices;
//! - [`synthetic`]: a seeded generator of crash paths (geometric Brownian
//!   motion with jumps, volatility regimes and a crash template);
//! - [`oracle`]: the slot clock (with congestion) and two emulated
//!   publishers with faults, written into the bank for the real adapter.
//!
//! Off-chain only: floating point is allowed here (the generator), never in
//! the programs.

pub mod oracle;
pub mod prices;
pub mod synthetic;

pub use prices::{load_candles, Candle, PricePath};
pub use synthetic::{generate, SyntheticParams};
