//! One instruction per file: args, accounts, `validate()`, handler.

pub mod gated_price;

pub use gated_price::*;
