//! # ballast-risk
//!
//! Pure, integer-only risk math shared by the on-chain programs and every
//! off-chain tool (CLI, keeper, stress lab). Nothing here depends on Anchor or
//! on the Solana runtime, so an off-chain preview computes exactly what the
//! chain computes.
//!
//! Rules for this crate:
//! - no floating point, no panics on any input, checked arithmetic everywhere;
//! - every fixed-point value names its precision (see [`precision`]);
//! - rounding always goes against the user / towards safety, and the function
//!   name or doc says which way.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::float_arithmetic)]

pub mod breaker;
pub mod fixed;
pub mod funding;
pub mod guardian;
pub mod health;
pub mod impact;
pub mod liquidation;
pub mod lp;
pub mod margin;
pub mod math;
pub mod oracle;
pub mod pnl;
pub mod position;
pub mod precision;
pub mod pricing;
pub mod queue;
pub mod rng;
pub mod stress;

pub use math::{MathError, SafeMath};

/// The configuration of every property test: 10,000 cases from a fixed seed,
/// so runs are deterministic, and no failure files written to the tree.
#[cfg(test)]
pub(crate) fn props() -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases: 10_000,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x0ba1_1a57),
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}
