//! Bounds-checked, alignment-free reads of little-endian fields.

use ballast_risk::oracle::Verdict;
use bytemuck::Pod;

/// Read a `T` at byte offset `off`, or `Malformed` if the data is too short.
pub(crate) fn read<T: Pod>(data: &[u8], off: usize) -> Result<T, Verdict> {
    let end = off.checked_add(core::mem::size_of::<T>()).ok_or(Verdict::Malformed)?;
    data.get(off..end).map(bytemuck::pod_read_unaligned).ok_or(Verdict::Malformed)
}
