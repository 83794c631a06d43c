//! Creating zero-copy accounts without Anchor's `init` (see
//! `ballast_runtime::create_pda`: pre-funded addresses must not block
//! account creation).

use anchor_lang::prelude::*;
use anchor_lang::{Discriminator, ZeroCopy};
use ballast_runtime::create_pda;
use core::cell::RefMut;

/// Create the PDA `target` (seeds `seeds`, bump included) sized for `T`,
/// write `T`'s discriminator, and return the zero-initialised body.
pub fn init_zero_copy<'a, 'info, T: ZeroCopy + Discriminator>(
    payer: &AccountInfo<'info>,
    target: &'a AccountInfo<'info>,
    system: &AccountInfo<'info>,
    seeds: &[&[u8]],
    already_initialized: impl FnOnce() -> Error,
) -> Result<RefMut<'a, T>> {
    create_pda(payer, target, system, 8 + core::mem::size_of::<T>(), &crate::ID, seeds, already_initialized)?;
    let mut data = target.try_borrow_mut_data()?;
    data[..8].copy_from_slice(T::DISCRIMINATOR);
    drop(data);
    load_mut_unchecked(target)
}

/// The body of an account this program owns, checked for owner, discriminator,
/// size and alignment; never panics.
pub fn load_mut_unchecked<'a, T: ZeroCopy + Discriminator>(info: &'a AccountInfo<'_>) -> Result<RefMut<'a, T>> {
    require_keys_eq!(*info.owner, crate::ID, ErrorCode::AccountOwnedByWrongProgram);
    let data = info.try_borrow_mut_data()?;
    require!(data.get(..8) == Some(T::DISCRIMINATOR), ErrorCode::AccountDiscriminatorMismatch);
    RefMut::filter_map(data, |d| {
        d.get_mut(8..8 + core::mem::size_of::<T>()).and_then(|body| bytemuck::try_from_bytes_mut(body).ok())
    })
    .map_err(|_| error!(ErrorCode::AccountDidNotDeserialize))
}
