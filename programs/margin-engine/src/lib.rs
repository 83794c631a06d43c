//! # Ballast margin engine
//!
//! Holds margin accounts, markets, the pool, liquidation, circuit breakers and
//! governance (built issue by issue). Today it has the piece every later
//! instruction stands on: reading an oracle-adapter `PriceFeed` it checked
//! itself, gated by action. This file is dispatch only.

#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod errors;
pub mod instructions;

use instructions::*;

declare_id!("7SRkARg4zVB3DkWh9qig38QQkST6VuHXoDHiPosdHZPZ");

/// The margin-engine program.
#[program]
pub mod margin_engine {
    use super::*;

    /// Read the feed of `symbol` for `action` (0 open risk, 1 reduce risk,
    /// 2 liquidate): checks address, owner and freshness, applies the
    /// action's validity gate, and returns `GatedPrice` as return data.
    pub fn gated_price(ctx: Context<GatedPriceAccounts>, symbol: String, action: u8) -> Result<()> {
        instructions::gated_price::handler(ctx, symbol, action)
    }
}
