//! A test-only program that stands in for a multisig (Squads v4) vault: it
//! signs as a PDA and forwards one instruction to another program by CPI.
//! Registered only when a test asks for it ([`ContextBuilder::gov_proxy`]).
//!
//! Accounts: `[admin (signer), vault PDA [VAULT_SEED, admin] (writable),
//! target program, ...the forwarded instruction's accounts]`. Data: the
//! forwarded instruction's data. The vault is marked signer in the CPI
//! (`invoke_signed` with its seeds); every other account keeps the flags it
//! has in the outer transaction. Like a multisig, only its admin can make
//! the vault sign: anyone else derives another vault.
//!
//! [`ContextBuilder::gov_proxy`]: crate::context::ContextBuilder::gov_proxy

use anchor_lang::solana_program::account_info::AccountInfo;
use anchor_lang::solana_program::entrypoint::ProgramResult;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke_signed;
use anchor_lang::solana_program::program_error::ProgramError;
use solana_sdk::pubkey::Pubkey;

/// The proxy's program id (test-only).
pub const ID: Pubkey = Pubkey::new_from_array([0x5a; 32]);
/// Seed prefix of a vault: `[VAULT_SEED, admin]`.
pub const VAULT_SEED: &[u8] = b"vault";

/// The vault PDA of `admin` and its bump.
pub fn vault(admin: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[VAULT_SEED, admin.as_ref()], &ID)
}

/// The proxy instruction that makes `admin`'s vault sign `inner`.
pub fn forward(admin: Pubkey, inner: Instruction) -> Instruction {
    let (vault, _) = vault(&admin);
    let mut accounts = vec![
        AccountMeta::new_readonly(admin, true),
        AccountMeta::new(vault, false),
        AccountMeta::new_readonly(inner.program_id, false),
    ];
    accounts
        .extend(inner.accounts.into_iter().map(|m| AccountMeta { is_signer: m.is_signer && m.pubkey != vault, ..m }));
    Instruction { program_id: ID, accounts, data: inner.data }
}

/// The processor.
pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let [admin, vault_info, target, rest @ ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    if !admin.is_signer {
        return Err(ProgramError::MissingRequiredSignature);
    }
    let (vault, bump) = Pubkey::find_program_address(&[VAULT_SEED, admin.key.as_ref()], program_id);
    if *vault_info.key != vault {
        return Err(ProgramError::InvalidSeeds);
    }
    let metas = rest
        .iter()
        .map(|a| AccountMeta { pubkey: *a.key, is_signer: a.is_signer || *a.key == vault, is_writable: a.is_writable })
        .collect();
    let ix = Instruction { program_id: *target.key, accounts: metas, data: data.to_vec() };
    let mut infos = accounts.to_vec();
    infos.push(vault_info.clone());
    invoke_signed(&ix, &infos, &[&[VAULT_SEED, admin.key.as_ref(), &[bump]]])
}
