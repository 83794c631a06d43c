//! Program errors in words: a failed transaction's custom error code is
//! looked up in the checked-in IDLs (`idl/*.json`, verified against the
//! programs in CI), so names and messages cannot drift from the code.

use anchor_lang::prelude::Pubkey;
use solana_sdk::instruction::InstructionError;
use solana_sdk::transaction::TransactionError;
use std::collections::HashMap;
use std::sync::OnceLock;

const IDLS: [&str; 2] =
    [include_str!("../../../idl/oracle_adapter.json"), include_str!("../../../idl/margin_engine.json")];

/// A program's error: its IDL name and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramError {
    /// Program that defines the error.
    pub program: &'static str,
    /// Variant name, e.g. `NotLiquidatable`.
    pub name: String,
    /// Human message.
    pub msg: String,
}

fn table() -> &'static HashMap<(Pubkey, u32), ProgramError> {
    static TABLE: OnceLock<HashMap<(Pubkey, u32), ProgramError>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = HashMap::new();
        for idl in IDLS {
            let v: serde_json::Value = serde_json::from_str(idl).expect("checked-in IDL is JSON");
            let address: Pubkey = v["address"].as_str().and_then(|a| a.parse().ok()).expect("IDL address");
            let program = if address == margin_engine::ID { "margin_engine" } else { "oracle_adapter" };
            for e in v["errors"].as_array().into_iter().flatten() {
                let (Some(code), Some(name)) = (e["code"].as_u64(), e["name"].as_str()) else { continue };
                let msg = e["msg"].as_str().unwrap_or_default().to_string();
                t.insert((address, code as u32), ProgramError { program, name: name.to_string(), msg });
            }
        }
        t
    })
}

/// The error `code` of `program`, if it is one of Ballast's.
pub fn program_error(program: &Pubkey, code: u32) -> Option<&'static ProgramError> {
    table().get(&(*program, code))
}

/// A refused transaction in one word: the program's error name for a
/// custom code of one of Ballast's programs (`NotLiquidatable`), else
/// `Custom(code)`, else the start of the bank's own description. How the
/// stress lab counts refusals and the bank sequences judge them.
pub fn refusal_name(e: &solana_banks_client::BanksClientError, program: &Pubkey) -> String {
    use solana_banks_client::BanksClientError;
    match e {
        BanksClientError::TransactionError(TransactionError::InstructionError(_, InstructionError::Custom(c)))
        | BanksClientError::SimulationError {
            err: TransactionError::InstructionError(_, InstructionError::Custom(c)),
            ..
        } => program_error(program, *c).map_or_else(|| format!("Custom({c})"), |p| p.name.clone()),
        other => format!("{other:?}").chars().take(60).collect(),
    }
}

/// One sentence for a transaction error; `program` is the program of the
/// failing instruction when known (custom codes are per program).
pub fn describe(err: &TransactionError, program: Option<&Pubkey>) -> String {
    match err {
        TransactionError::InstructionError(i, InstructionError::Custom(code)) => {
            match program.and_then(|p| program_error(p, *code)) {
                Some(e) => format!("instruction {i}: {}::{} ({code}): {}", e.program, e.name, e.msg),
                None if *code < anchor_lang::error::ERROR_CODE_OFFSET => {
                    format!("instruction {i}: Anchor framework error {code}")
                }
                None => format!("instruction {i}: custom program error {code}"),
            }
        }
        TransactionError::InstructionError(i, e) => format!("instruction {i}: {e}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use margin_engine::errors::EngineError;

    #[test]
    fn engine_errors_are_named_from_the_idl_and_other_codes_say_what_they_are() {
        let code: u32 = EngineError::NotLiquidatable.into();
        let e = TransactionError::InstructionError(1, InstructionError::Custom(code));
        let text = describe(&e, Some(&margin_engine::ID));
        assert!(text.starts_with("instruction 1: margin_engine::NotLiquidatable"), "{text}");
        assert_eq!(program_error(&margin_engine::ID, code).map(|e| e.name.as_str()), Some("NotLiquidatable"));
        // The same code in another program is not ours to name.
        assert_eq!(describe(&e, Some(&Pubkey::default())), format!("instruction 1: custom program error {code}"));
        let framework = TransactionError::InstructionError(0, InstructionError::Custom(3012));
        assert_eq!(describe(&framework, None), "instruction 0: Anchor framework error 3012");
        assert_eq!(describe(&TransactionError::AccountInUse, None), TransactionError::AccountInUse.to_string());
    }
}
