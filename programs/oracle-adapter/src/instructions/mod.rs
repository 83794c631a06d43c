//! One instruction per file: args, accounts, `validate()`, handler.
#![allow(ambiguous_glob_reexports)]

pub mod authority;
pub mod create_feed;
pub mod initialize;
pub mod refresh;
pub mod update_feed;

// Anchor's `#[program]` needs the account structs in scope; every file also
// has a `handler`, which `lib.rs` calls by its full path.
pub use authority::*;
pub use create_feed::*;
pub use initialize::*;
pub use refresh::*;
pub use update_feed::*;
