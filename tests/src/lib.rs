//! # Ballast integration-test harness
//!
//! - [`context`]: both programs registered as native processors in
//!   `solana-program-test`, a context builder, clock and slot control;
//! - [`fixtures`]: byte builders for the four oracle formats;
//! - [`dumps`]: the real account dumps of `$BALLAST_DATA_DIR/oracle-accounts`;
//! - [`assertions`]: `assert_error`, which checks the exact error code and
//!   that no watched account changed (data, lamports, owner);
//! - [`native_events`]: makes Anchor events visible in native mode;
//! - [`adapter`]: oracle-adapter setup helpers;
//! - [`governance`]: field codes, change builders and queueing;
//! - [`venue`]: a full venue (mint, exchange, market, pool, traders) and the
//!   accounting invariants.
//!
//! Test cases live in `tests/suite/`, one file per feature, in one binary.

// solana-program-test 3.x marks its API "unstable" (deprecated) ahead of an
// opt-in feature in v4; it is the pinned, supported harness here.
#![allow(deprecated)]

pub mod adapter;
pub mod assertions;
pub mod dumps;
pub mod governance;
pub mod hostile;
pub mod sequences;
pub mod venue;

pub use ballast_bank::{context, native_events, sources as fixtures};
