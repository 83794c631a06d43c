//! # ballast-client
//!
//! Shared by the CLI, the keeper, the stress lab and the integration tests:
//! - [`amount`]: exact human amounts to native units;
//! - [`backend`]: one interface over a JSON-RPC node and the in-process bank;
//! - [`cli_config`]: Solana CLI conventions (monikers, keypair files);
//! - [`data`]: the repository's real data directory;
//! - [`decode`]: zero-copy account decoding;
//! - [`dump`]: load accounts saved with `solana account --output json`;
//! - [`errors`]: program errors in words, from the checked-in IDLs;
//! - [`engine`]: margin-engine instruction builders;
//! - [`fmt`]: display of fixed-point prices and times;
//! - [`time`]: civil dates and unix times;
//! - [`venue`]: the exchange, pool, markets and feeds in one read;
//! - [`preview`]: health previews with the program's own functions;
//! - [`spec`]: the venue spec file and `admin init`;
//! - [`simulate`]: trades and withdrawals run off-chain with the engine's own
//!   functions on copies (the CLI's preview);
//! - [`oracle`]: oracle-adapter instruction builders, made from the program's
//!   own Anchor account structs and instruction data (never hand-written
//!   account lists), plus PDA helpers.

pub mod amount;
pub mod backend;
pub mod cli_config;
pub mod data;
pub mod decode;
pub mod demo;
pub mod dump;
pub mod engine;
pub mod errors;
pub mod fmt;
pub mod invariants;
pub mod oracle;
pub mod preview;
pub mod simulate;
pub mod spec;
pub mod time;
pub mod trigger;
pub mod venue;
