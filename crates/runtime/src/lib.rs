//! # ballast-runtime
//!
//! Runtime calls both Ballast programs make, which must work on every
//! cluster and natively.
//!
//! - [`create_pda`]: account creation that survives pre-funded addresses.
//! - [`emit_event!`] and [`set_return_data`]: events and return data.
//!
//! On SBF these are Anchor's own paths. Off-chain (native `solana-program-test`
//! runs, the in-process bank of the CLI and stress lab), Anchor 1.2.2's
//! `sol_log_data` and return-data helpers discard their input, so events and
//! return data would vanish. There the same bytes go to the runtime's syscall
//! stubs instead: program-test implements `sol_set_return_data`, and the test
//! harness forwards `sol_log_data` into the transaction's log messages.

#![allow(unexpected_cfgs)]
#![warn(missing_docs)]

/// Emit an Anchor event; visible both on SBF and in native program tests.
#[macro_export]
macro_rules! emit_event {
    ($event:expr) => {{
        #[cfg(target_os = "solana")]
        {
            ::anchor_lang::emit!($event);
        }
        #[cfg(not(target_os = "solana"))]
        {
            let event = $event;
            $crate::native_log_data(&::anchor_lang::Event::data(&event));
        }
    }};
}

/// Native only: pass event bytes to the runtime's `sol_log_data` stub.
#[cfg(not(target_os = "solana"))]
pub fn native_log_data(data: &[u8]) {
    solana_sysvar::program_stubs::sol_log_data(&[data]);
}

/// Set the instruction's return data (SBF syscall, or the runtime stub natively).
pub fn set_return_data(data: &[u8]) {
    #[cfg(target_os = "solana")]
    anchor_lang::solana_program::program::set_return_data(data);
    #[cfg(not(target_os = "solana"))]
    solana_sysvar::program_stubs::sol_set_return_data(data);
}

use anchor_lang::prelude::*;
use anchor_lang::system_program::{self, Allocate, Assign, CreateAccount, Transfer};

/// Create a PDA owned by `owner` with `space` bytes, paid by `payer`.
///
/// Anchor 1.2.2's `init` funds an address that already holds lamports with
/// `SystemInstruction::CreateAccountAllowPrefund`, which the system program
/// of Agave 3.1 does not know. There, anyone who sends lamports to a PDA
/// before it is initialised blocks its `init` for good. This helper uses the
/// path every cluster supports: `create_account` for an empty address, else
/// top-up `transfer` + `allocate` + `assign`.
///
/// Fails with `already_initialized()` if the address is not a data-less
/// system account (someone initialised it already). The error is built
/// lazily, so the success path pays nothing for it.
pub fn create_pda<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system: &AccountInfo<'info>,
    space: usize,
    owner: &Pubkey,
    signer_seeds: &[&[u8]],
    already_initialized: impl FnOnce() -> Error,
) -> Result<()> {
    if target.owner != &system_program::ID || !target.data_is_empty() {
        return Err(already_initialized());
    }
    let rent = Rent::get()?.minimum_balance(space);
    let current = target.lamports();
    let signer = &[signer_seeds];
    if current == 0 {
        let accounts = CreateAccount { from: payer.clone(), to: target.clone() };
        return system_program::create_account(
            CpiContext::new(system.key(), accounts).with_signer(signer),
            rent,
            space as u64,
            owner,
        );
    }
    let top_up = rent.saturating_sub(current);
    if top_up > 0 {
        let accounts = Transfer { from: payer.clone(), to: target.clone() };
        system_program::transfer(CpiContext::new(system.key(), accounts), top_up)?;
    }
    let accounts = Allocate { account_to_allocate: target.clone() };
    system_program::allocate(CpiContext::new(system.key(), accounts).with_signer(signer), space as u64)?;
    let accounts = Assign { account_to_assign: target.clone() };
    system_program::assign(CpiContext::new(system.key(), accounts).with_signer(signer), owner)
}

use anchor_lang::solana_program::bpf_loader_upgradeable;

/// Bincode tag of `UpgradeableLoaderState::ProgramData`.
const PROGRAM_DATA_TAG: u32 = 3;

/// The upgrade authority recorded in a `ProgramData` account's bytes
/// (`u32` tag 3, `u64` slot, `Option<Pubkey>`): `Some(None)` for an immutable
/// program, `None` if the bytes are not a `ProgramData` header.
pub fn upgrade_authority(data: &[u8]) -> Option<Option<Pubkey>> {
    if data.get(..4)? != PROGRAM_DATA_TAG.to_le_bytes() {
        return None;
    }
    match *data.get(12)? {
        0 => Some(None),
        1 => Some(Some(Pubkey::new_from_array(data.get(13..45)?.try_into().ok()?))),
        _ => None,
    }
}

/// Require that `signer` is the upgrade authority of `program` (this
/// program's own account), so that nobody can front-run a deployment's
/// one-time initialisation and make themselves governance.
///
/// A program not owned by the upgradeable loader has no upgrade authority
/// (native test processors, or an immutable deployment): there is nothing to
/// check, and the deployer must initialise in the same session as deploying.
pub fn require_upgrade_authority(
    program: &AccountInfo,
    program_data: &AccountInfo,
    signer: &Pubkey,
    unauthorized: impl Fn() -> Error,
) -> Result<()> {
    if program.owner != &bpf_loader_upgradeable::ID {
        return Ok(());
    }
    let expected = bpf_loader_upgradeable::get_program_data_address(program.key);
    if program_data.key != &expected || program_data.owner != &bpf_loader_upgradeable::ID {
        return Err(unauthorized());
    }
    let data = program_data.try_borrow_data()?;
    match upgrade_authority(&data) {
        Some(Some(authority)) if &authority == signer => Ok(()),
        _ => Err(unauthorized()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program_data(authority: Option<Pubkey>) -> Vec<u8> {
        let mut d = PROGRAM_DATA_TAG.to_le_bytes().to_vec();
        d.extend_from_slice(&42u64.to_le_bytes());
        match authority {
            Some(a) => {
                d.push(1);
                d.extend_from_slice(a.as_ref());
            }
            None => d.push(0),
        }
        d
    }

    #[test]
    fn reads_the_upgrade_authority_of_program_data() {
        let a = Pubkey::new_unique();
        assert_eq!(upgrade_authority(&program_data(Some(a))), Some(Some(a)));
        assert_eq!(upgrade_authority(&program_data(None)), Some(None));
        let mut wrong_tag = program_data(Some(a));
        wrong_tag[0] = 2;
        assert_eq!(upgrade_authority(&wrong_tag), None);
        assert_eq!(upgrade_authority(&program_data(Some(a))[..20]), None, "truncated");
        assert_eq!(upgrade_authority(&[]), None);
    }

    #[test]
    fn only_the_upgrade_authority_passes_for_an_upgradeable_program() {
        let program_id = Pubkey::new_unique();
        let pd_key = bpf_loader_upgradeable::get_program_data_address(&program_id);
        let authority = Pubkey::new_unique();
        let (mut l1, mut l2) = (0u64, 0u64);
        let mut prog_bytes = vec![];
        let mut pd_bytes = program_data(Some(authority));
        let loader = bpf_loader_upgradeable::ID;
        let program = AccountInfo::new(&program_id, false, false, &mut l1, &mut prog_bytes, &loader, true);
        let pd = AccountInfo::new(&pd_key, false, false, &mut l2, &mut pd_bytes, &loader, false);
        let err = || error!(ErrorCode::ConstraintOwner);
        assert!(require_upgrade_authority(&program, &pd, &authority, err).is_ok());
        assert!(require_upgrade_authority(&program, &pd, &Pubkey::new_unique(), err).is_err());
        // The wrong ProgramData address fails even with the right authority.
        let other = Pubkey::new_unique();
        let (mut l3, mut bytes3) = (0u64, program_data(Some(authority)));
        let fake = AccountInfo::new(&other, false, false, &mut l3, &mut bytes3, &loader, false);
        assert!(require_upgrade_authority(&program, &fake, &authority, err).is_err());
    }
}
