//! Decoding Ballast's zero-copy accounts from raw bytes (alignment-free).

use anchor_lang::{Discriminator, ZeroCopy};
use anyhow::{bail, Result};

/// Decode a zero-copy account `T`: checks the discriminator and length and
/// copies the body, so the buffer needs no particular alignment.
pub fn zero_copy<T: ZeroCopy + Discriminator>(data: &[u8]) -> Result<T> {
    let size = core::mem::size_of::<T>();
    if data.get(..8) != Some(T::DISCRIMINATOR) {
        bail!("account is not a {}", core::any::type_name::<T>());
    }
    match data.get(8..8 + size) {
        Some(body) => Ok(bytemuck::pod_read_unaligned(body)),
        None => bail!("account data is {} bytes, a {} needs {}", data.len(), core::any::type_name::<T>(), 8 + size),
    }
}
