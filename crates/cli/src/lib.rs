//! The `ballast` command-line tool, as a library so the test suite can run
//! its commands against the in-process bank.
//!
//! - [`admin`]: `ballast admin`, a venue spec applied to a cluster and a
//!   live venue read back as one;
//! - [`inspect`]: `ballast oracle inspect`, oracle account dumps judged
//!   offline with the adapter's own code;
//! - [`gov`]: `ballast gov`, governance changes previewed with the
//!   program's own validation, sent, or exported for a multisig;
//! - [`delegate`]: `ballast delegate`, a key that may trade but never
//!   withdraw;
//! - [`trader`] and [`lp`]: the trader and LP commands, each previewed
//!   with the program's own code before anything is sent ([`report`]
//!   renders them; [`pnl`] adds unsettled PnL, auto-deleveraging and
//!   `account settle-pnl`);
//! - [`config`]: flags, the Solana CLI config file, clusters;
//! - [`session`]: one command's backend, signer, output and `--dry-run`;
//! - [`embedded`]: `-u embedded`, a persistent in-process ledger;
//! - [`watch`]: `ballast watch`, positions, health and distance to
//!   liquidation as the slot and prices move.

pub mod admin;
pub mod charges;
pub mod config;
pub mod delegate;
pub mod embedded;
pub mod gov;
pub mod gov_cmd;
pub mod inspect;
pub mod lp;
pub mod out;
pub mod pnl;
pub mod report;
pub mod session;
pub mod stress;
pub mod trader;
pub mod trigger;
pub mod watch;

/// Output format, as in the Solana CLI.
#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq, Debug)]
pub enum Output {
    /// Human-readable text.
    Display,
    /// One JSON document.
    Json,
}
