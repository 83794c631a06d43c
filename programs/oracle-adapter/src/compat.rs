//! Runtime calls that must work on every cluster and natively.
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
            $crate::compat::native_log_data(&::anchor_lang::Event::data(&event));
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
