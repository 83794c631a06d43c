//! The `ballast` command-line tool, as a library so the test suite can run
//! its commands against the in-process bank.
//!
//! - [`inspect`]: `ballast oracle inspect`, oracle account dumps judged
//!   offline with the adapter's own code;
//! - [`gov`]: `ballast gov`, governance changes previewed with the
//!   program's own validation, sent, or exported for a multisig.

pub mod gov;
pub mod gov_cmd;
pub mod inspect;

/// Output format, as in the Solana CLI.
#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq, Debug)]
pub enum Output {
    /// Human-readable text.
    Display,
    /// One JSON document.
    Json,
}
