// SPDX-License-Identifier: GPL-2.0

//! The kernel's Internet-checksum arithmetic and CRC32c, bit for bit.
//!
//! From include/net/checksum.h (`csum_add()` and friends), x86_64's
//! `csum_fold()` and `csum_partial()` (arch/x86), and lib/crc32's
//! `crc32c()`. A child of `edit` (declared there with `#[path]`), so it
//! resolves to the same file in the kernel and the host crate.
//!
//! Values follow C's conventions: a `__wsum` (u32) or `__sum16` (u16) is
//! what the CPU loads from the packet, i.e. native-endian; `__be32`
//! addresses and `__be16` ports handed to these functions are likewise
//! their bytes loaded native-endian (`from_ne_bytes`). One's-complement
//! sums are byte-order neutral, so that is exactly what C computes.

/// `csum_add()`: 32-bit one's-complement addition (end-around carry).
pub(super) fn csum_add(csum: u32, addend: u32) -> u32 {
    let res = csum.wrapping_add(addend);
    res.wrapping_add(u32::from(res < addend))
}

/// `csum_sub()`.
pub(super) fn csum_sub(csum: u32, addend: u32) -> u32 {
    csum_add(csum, !addend)
}

/// `csum16_add()`.
pub(super) fn csum16_add(csum: u16, addend: u16) -> u16 {
    let res = csum.wrapping_add(addend);
    res.wrapping_add(u16::from(res < addend))
}

/// `csum16_sub()`.
pub(super) fn csum16_sub(csum: u16, addend: u16) -> u16 {
    csum16_add(csum, !addend)
}

/// `csum_fold()` as x86 computes it: fold to 16 bits and invert.
pub(super) fn csum_fold(sum: u32) -> u16 {
    let (s, carry) = (sum & 0xffff_0000).overflowing_add(sum << 16);
    let s = s.wrapping_add(0xffff).wrapping_add(u32::from(carry));
    (!s >> 16) as u16
}

/// `csum_unfold()`.
pub(super) fn csum_unfold(sum: u16) -> u32 {
    u32::from(sum)
}

/// `wsum_negate()`: two's-complement negation, as C's
/// `skb_postpull_rcsum()` uses it.
pub(super) fn wsum_negate(v: u32) -> u32 {
    0u32.wrapping_sub(v)
}

/// 64-bit add with end-around carry (`addq; adcq $0`).
fn add64(a: u64, b: u64) -> u64 {
    let (s, carry) = a.overflowing_add(b);
    s.wrapping_add(u64::from(carry))
}

/// x86_64's `csum_partial()`: the 32-bit sum of `buf` added to `sum`.
///
/// x86 adds 8-byte words with end-around carry (in 40- and 80-byte
/// batches, which give the same result: a nonzero end-around sum is the
/// unique representative of its class) and zero-pads the tail; then
/// `csum_finalize_sum()` folds 64 to 32 bits. The exact 32-bit value
/// matters because it ends up in `skb->csum`.
pub(super) fn csum_partial(buf: &[u8], sum: u32) -> u32 {
    let mut acc = u64::from(sum);
    let mut words = buf.chunks_exact(8);
    for w in &mut words {
        acc = add64(acc, u64::from_ne_bytes(w.try_into().unwrap_or([0; 8])));
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        let mut w = [0u8; 8];
        for (d, s) in w.iter_mut().zip(tail) {
            *d = *s;
        }
        acc = add64(acc, u64::from_ne_bytes(w));
    }
    (acc.wrapping_add(acc.rotate_right(32)) >> 32) as u32
}

/// `csum_replace2()`: RFC 1624 update of a 16-bit checksum field.
pub(super) fn csum_replace2(sum: &mut u16, old: u16, new: u16) {
    *sum = !csum16_add(csum16_sub(!*sum, old), new);
}

/// `csum_replace4()`.
pub(super) fn csum_replace4(sum: &mut u16, from: u32, to: u32) {
    let tmp = csum_sub(!csum_unfold(*sum), from);
    *sum = csum_fold(csum_add(tmp, to));
}

/// `csum_replace()`: update of a 32-bit (`__wsum`) sum.
pub(super) fn csum_replace(csum: &mut u32, old: u32, new: u32) {
    *csum = csum_add(csum_sub(*csum, old), new);
}

/// CRC32c's byte table (reflected polynomial 0x82f63b78).
const fn crc32c_table() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x82f6_3b78
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static CRC32C_TABLE: [u32; 256] = crc32c_table();

/// The kernel's `crc32c(crc, p, len)`: no inversion in or out (callers
/// seed with `~0` and invert, as `sctp_compute_cksum()` does).
pub(super) fn crc32c(mut crc: u32, data: &[u8]) -> u32 {
    for &b in data {
        let i = ((crc ^ u32::from(b)) & 0xff) as usize;
        crc = (crc >> 8) ^ CRC32C_TABLE.get(i).copied().unwrap_or(0);
    }
    crc
}
