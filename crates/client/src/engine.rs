//! Margin-engine instruction builders.

use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{InstructionData, ToAccountMetas};

/// `gated_price(symbol, action)` on the adapter feed of `symbol`.
pub fn gated_price(symbol: &str, action: u8) -> Instruction {
    Instruction {
        program_id: margin_engine::ID,
        accounts: margin_engine::accounts::GatedPriceAccounts { feed: crate::oracle::feed_address(symbol) }
            .to_account_metas(None),
        data: margin_engine::instruction::GatedPrice { symbol: symbol.to_string(), action }.data(),
    }
}
