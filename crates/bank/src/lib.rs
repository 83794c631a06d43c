//! # ballast-bank
//!
//! Both programs as native processors in `solana-program-test`'s in-process
//! bank, shared by the integration suite, the stress lab and the CLI's
//! embedded cluster:
//! - [`context`]: the bank with clock and slot control, and a
//!   [`Backend`](ballast_client::backend::Backend) over it;
//! - [`demo`]: a demonstration venue (feeds, mint, exchange, markets, pool);
//! - [`gov_proxy`]: a test-only program signing as a PDA (a multisig vault
//!   stand-in), registered on request;
//! - [`native_events`]: Anchor events visible in native mode;
//! - [`ledger`]: saving the accounts a bank holds to a file and starting a
//!   bank from it again;
//! - [`setup`]: lamports, SPL Token mints and accounts, zero-copy reads and
//!   patches, adapter feeds;
//! - [`sources`]: emulated oracle accounts in all four formats the adapter
//!   reads (Pyth pull and legacy, Switchboard On-Demand and v2).

// solana-program-test 3.x marks its API "unstable" (deprecated) ahead of an
// opt-in feature in v4; it is the pinned, supported harness here.
#![allow(deprecated)]

pub mod context;
pub mod demo;
pub mod gov_proxy;
pub mod ledger;
pub mod native_events;
pub mod setup;
pub mod sources;
