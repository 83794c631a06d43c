//! Errors of the margin engine. Append new variants at the end; never reorder.

use anchor_lang::prelude::*;

/// Every way a margin-engine instruction can fail.
#[error_code]
pub enum EngineError {
    /// Unknown action byte.
    #[msg("action must be 0 (open risk), 1 (reduce risk) or 2 (liquidate)")]
    InvalidAction,
    /// The price feed's validity does not allow this action.
    #[msg("price feed validity does not allow this action")]
    OracleGate,
    /// The account is not an oracle-adapter price feed.
    #[msg("account is not an oracle-adapter price feed")]
    NotAPriceFeed,
}
