// SPDX-License-Identifier: GPL-2.0

//! Fixed-size reads and writes at an offset of a byte slice: frames,
//! attribute payloads, the flow key. One place that bounds-checks them,
//! with checked arithmetic, so no parser indexes input itself.
//!
//! Readers give `None` when the bytes are not all there; callers that
//! have checked the length already (or want C's zero for a short
//! payload) say so with `unwrap_or`.

/// `N` bytes at `at`, if all of them are there.
pub fn array<const N: usize>(d: &[u8], at: usize) -> Option<[u8; N]> {
    d.get(at..at.checked_add(N)?)?.try_into().ok()
}

/// The byte at `at`.
pub fn u8_at(d: &[u8], at: usize) -> Option<u8> {
    d.get(at).copied()
}

/// A `__be16` at `at`, in host order.
pub fn be16(d: &[u8], at: usize) -> Option<u16> {
    array(d, at).map(u16::from_be_bytes)
}

/// A `u16` (or a `__sum16`/`__be16` as the CPU loads it) at `at`.
pub fn ne16(d: &[u8], at: usize) -> Option<u16> {
    array(d, at).map(u16::from_ne_bytes)
}

/// A `__be32` at `at`, in host order.
pub fn be32(d: &[u8], at: usize) -> Option<u32> {
    array(d, at).map(u32::from_be_bytes)
}

/// A `u32` in host order at `at`.
pub fn ne32(d: &[u8], at: usize) -> Option<u32> {
    array(d, at).map(u32::from_ne_bytes)
}

/// `N` bytes at `at`, as many as are there and zeros after them.
pub fn padded<const N: usize>(d: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = d.get(at..) {
        for (o, s) in out.iter_mut().zip(src) {
            *o = *s;
        }
    }
    out
}

/// Writes `v` at `at`, as much of it as fits.
pub fn write(d: &mut [u8], at: usize, v: &[u8]) {
    if let Some(dst) = d.get_mut(at..) {
        for (o, s) in dst.iter_mut().zip(v) {
            *o = *s;
        }
    }
}

#[path = "bytes/tests.rs"]
mod tests;
