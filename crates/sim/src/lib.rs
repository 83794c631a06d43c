//! # ballast-sim
//!
//! The stress lab: real crashes (or a seeded synthetic one) replayed slot
//! by slot through the real programs in the in-process bank.
//! - [`prices`]: real crash price files, every format in `data/prices`,
//!   loaded oldest first into exact fixed-point prices;
//! - [`synthetic`]: a seeded generator of crash paths (geometric Brownian
//!   motion with jumps, volatility regimes and a crash template);
//! - [`oracle`]: the slot clock (with congestion) and the emulated
//!   publishers (2 to 4 per feed) with faults, written into the bank for
//!   the real adapter;
//! - [`scenario`]: what a run replays (TOML), and parameter sets;
//! - [`agents`]: traders and LPs; [`adversary`]: the thin-market and the
//!   agreed-pump adversaries;
//! - [`presets`]: built-in scenarios by name (`winners-drain`,
//!   `agreed-pump`);
//! - [`lab`]: the run loop, with [`state`]'s invariants after every slot,
//!   and [`parallel`]'s `run_sets` (also `lab::run_sets`), which runs
//!   parameter sets in parallel (one bank per thread, each run with its
//!   own key sequence: the same reports as one after another);
//! - [`pnl`] and [`recorder`]: unsettled PnL, its settlement and
//!   auto-deleveraging from every landed transaction's events (the
//!   keeper's through a recording backend), and their invariants;
//! - [`sample`]: per-slot series bounded in memory whatever the length;
//! - [`plan`]: how a price file maps onto slots, and the slot limit;
//! - [`report`], [`chart`] and [`html`]: totals, the summary, the
//!   comparison table, JSON, SVG charts and the one-page HTML report.
//!
//! Off-chain only: floating point is allowed here (the generator), never in
//! the programs.

pub mod adversary;
pub mod agents;
pub mod charges;
pub mod chart;
pub mod html;
pub mod lab;
pub mod oracle;
pub mod parallel;
pub mod plan;
pub mod pnl;
pub mod presets;
pub mod prices;
pub mod recorder;
pub mod report;
pub mod sample;
pub mod scenario;
pub mod state;
pub mod synthetic;

pub use prices::{load_candles, Candle, PricePath};
pub use synthetic::{generate, SyntheticParams};
