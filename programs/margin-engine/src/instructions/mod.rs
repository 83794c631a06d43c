//! One instruction per file: its accounts, and a handler that loads and
//! validates them, calls the engine on plain values, then moves tokens and
//! emits. [`accounts`] reads feeds and remaining accounts for every handler;
//! [`cpi`] moves tokens.
#![allow(ambiguous_glob_reexports)]

pub mod account_health;
pub mod accounts;
pub mod add_market;
pub mod auto_deleverage;
pub mod close_account;
pub mod cpi;
pub mod create_account;
pub mod deposit;
pub mod gated_price;
pub mod governance;
pub mod guardian;
pub mod initialize_exchange;
pub mod liquidate;
pub mod lp_deposit;
pub mod lp_withdraw;
pub mod refresh_breakers;
pub mod refresh_market;
pub mod refresh_stress;
pub mod resolve_bankruptcy;
pub mod set_delegate;
pub mod set_pause;
pub mod settle_pnl;
pub mod settlement;
pub mod trade;
pub mod trigger;
pub mod update_funding;
pub mod withdraw;
pub mod withdraw_insurance;

pub use account_health::*;
pub use add_market::*;
pub use auto_deleverage::*;
pub use close_account::*;
pub use create_account::*;
pub use deposit::*;
pub use gated_price::*;
pub use governance::*;
pub use guardian::*;
pub use initialize_exchange::*;
pub use liquidate::*;
pub use lp_deposit::*;
pub use lp_withdraw::*;
pub use refresh_breakers::*;
pub use refresh_market::*;
pub use refresh_stress::*;
pub use resolve_bankruptcy::*;
pub use set_delegate::*;
pub use set_pause::*;
pub use settle_pnl::*;
pub use settlement::*;
pub use trade::*;
pub use trigger::*;
pub use update_funding::*;
pub use withdraw::*;
pub use withdraw_insurance::*;

// The argument types of `add_market`, `initialize_exchange` and the
// governance instructions live with their validation in `state::params`.
pub use crate::state::{AddMarketParams, InitializeExchangeParams, ParamChange, TriggerParams};
