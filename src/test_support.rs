// SPDX-License-Identifier: GPL-2.0

//! What the tests of the pure modules share. Compiled for the KUnit
//! suites in the module and for `cargo test` on the host, never into
//! production code.
//!
//! Tests check with plain `assert!`/`assert_eq!`: inside `#[kunit_tests]`
//! those are KUnit's, which fail the case and end it without a BUG. Code
//! outside a test function (these helpers) must not assert: there
//! `assert!` is core's, a panic, which is a BUG in the kernel. Helpers
//! report trouble as an `Err`, which a test passes on with `?`.

/// What a test that uses `?` returns; an `Err` fails the case.
pub type TestResult = Result<(), &'static str>;

use crate::netlink::attr::{nla_align, NLA_HDRLEN};
use crate::uapi::key_attr;

/// Writes one attribute, header and payload as `nla_put()` lays them
/// out, into `buf` at `at`; returns where the next one goes (padded).
/// Raw, not through `netlink::build`, so the walker's tests do not test
/// the walker with the writer; `kind` is the raw type, flags and all.
/// What does not fit is left out, the padding is left as it was.
pub fn put_attr(buf: &mut [u8], at: usize, kind: u16, payload: &[u8]) -> usize {
    let len = NLA_HDRLEN + payload.len();
    let hdr = [(len as u16).to_ne_bytes(), kind.to_ne_bytes()];
    for (dst, src) in buf
        .iter_mut()
        .skip(at)
        .zip(hdr.iter().flatten().chain(payload))
    {
        *dst = *src;
    }
    at + nla_align(len)
}

/// `attrs` as one attribute stream at the start of `buf` (zeroed, so
/// the padding is zero); KUnit tests do not allocate.
pub fn stream<'b>(buf: &'b mut [u8], attrs: &[(u16, &[u8])]) -> &'b [u8] {
    let mut end = 0;
    for (kind, payload) in attrs {
        end = put_attr(buf, end, *kind, payload);
    }
    buf.get(..end).unwrap_or(&[])
}

/// A flow key attribute stream: an all-zero ETHERNET, ETHERTYPE
/// `ethertype` and the nest `kind` holding `attrs` (a tunnel, an NSH
/// header), in `buf`.
pub fn key_with_nest<'b>(
    buf: &'b mut [u8],
    ethertype: u16,
    kind: u16,
    attrs: &[(u16, &[u8])],
) -> &'b [u8] {
    let mut nest = [0u8; 128];
    let nest = stream(&mut nest, attrs);
    stream(
        buf,
        &[
            (key_attr::ETHERNET, &[0; 12]),
            (key_attr::ETHERTYPE, &ethertype.to_be_bytes()),
            (kind, nest),
        ],
    )
}

/// A frame built in place (KUnit tests do not allocate): what the frame
/// builders of the tests share. Bytes past the buffer are dropped.
pub trait FrameBuilder {
    /// The buffer and how much of it is filled.
    fn parts(&mut self) -> (&mut [u8], &mut usize);

    /// Appends `s`.
    fn put(&mut self, s: &[u8]) -> &mut Self {
        let (b, n) = self.parts();
        for &x in s {
            if let Some(d) = b.get_mut(*n) {
                *d = x;
                *n += 1;
            }
        }
        self
    }

    /// Appends a `__be16`.
    fn be16(&mut self, v: u16) -> &mut Self {
        self.put(&v.to_be_bytes())
    }

    /// Appends an IPv6 option-style extension header of `(len + 1) * 8`
    /// bytes.
    fn ext(&mut self, next: u8, len: u8) -> &mut Self {
        self.put(&[next, len]);
        for _ in 0..(usize::from(len) + 1) * 8 - 2 {
            self.put(&[0]);
        }
        self
    }

    /// Appends an IPv6 fragment header: offset in 8-byte units.
    fn frag(&mut self, next: u8, offset: u16, more: bool) -> &mut Self {
        self.put(&[next, 0])
            .be16((offset << 3) | u16::from(more))
            .put(&[0, 0, 0, 1])
    }
}
