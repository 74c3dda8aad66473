// SPDX-License-Identifier: GPL-2.0

//! Reading netlink attributes (`struct nlattr` streams) from byte slices.
//!
//! Mirrors the kernel's `nla_for_each_attr()` exactly, including its
//! `rem` bookkeeping: the Open vSwitch parsers reject a stream whose
//! `rem` is not zero after the walk ("Message has %d unknown bytes"), so
//! callers need the very same number C would compute. Never panics and
//! never reads outside the slice, whatever the input.

use crate::bytes;

/// Size of `struct nlattr`.
pub const NLA_HDRLEN: usize = 4;
/// `NLA_F_NESTED`: set by strict senders on nested attributes.
pub const NLA_F_NESTED: u16 = 1 << 15;
/// `NLA_F_NET_BYTEORDER`: payload is in network byte order.
pub const NLA_F_NET_BYTEORDER: u16 = 1 << 14;
/// `NLA_TYPE_MASK`: the type bits without the two flags.
pub const NLA_TYPE_MASK: u16 = !(NLA_F_NESTED | NLA_F_NET_BYTEORDER);

/// `NLA_ALIGN()`: attributes start on 4-byte boundaries.
pub const fn nla_align(len: usize) -> usize {
    // Cannot overflow for netlink lengths, which are at most u16::MAX.
    (len + 3) & !3
}

/// An attribute's size with header and padding (`nla_total_size()`).
pub const fn nla_total_size(payload: usize) -> usize {
    nla_align(NLA_HDRLEN + payload)
}

/// One attribute: its type and its payload (the bytes after the header,
/// `nla_len - NLA_HDRLEN` of them, without trailing padding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr<'a> {
    raw_type: u16,
    payload: &'a [u8],
}

/// Why an attribute's payload could not be read as the asked-for type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadLength {
    /// `nla_type()` of the attribute.
    pub kind: u16,
    /// The payload length the reader needed.
    pub expected: usize,
    /// The payload length it had.
    pub actual: usize,
}

impl<'a> Attr<'a> {
    /// An attribute whose header says `raw_type` and whose payload is
    /// `payload` (already bounded by its `nla_len`).
    pub fn from_parts(raw_type: u16, payload: &'a [u8]) -> Self {
        Attr { raw_type, payload }
    }

    /// `nla_type()`: the attribute type without the flag bits.
    pub fn kind(&self) -> u16 {
        self.raw_type & NLA_TYPE_MASK
    }

    /// The type field as sent, flags included.
    pub fn raw_type(&self) -> u16 {
        self.raw_type
    }

    /// Whether the sender marked it `NLA_F_NESTED`.
    pub fn has_nested_flag(&self) -> bool {
        self.raw_type & NLA_F_NESTED != 0
    }

    /// `nla_data()` for `nla_len()` bytes.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// The payload as exactly `N` bytes.
    pub fn array<const N: usize>(&self) -> Result<[u8; N], BadLength> {
        self.payload.try_into().map_err(|_| BadLength {
            kind: self.kind(),
            expected: N,
            actual: self.payload.len(),
        })
    }

    /// The payload up to its first NUL: the text of an `NLA_NUL_STRING`.
    pub fn str_bytes(&self) -> &'a [u8] {
        let end = self
            .payload
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.payload.len());
        self.payload.get(..end).unwrap_or(self.payload)
    }

    /// The first `N` bytes of the payload, as `nla_get_*()` reads an
    /// attribute that a lenient policy (the OVS families') let through with
    /// more bytes than its type has.
    pub fn prefix<const N: usize>(&self) -> Result<[u8; N], BadLength> {
        let short = BadLength {
            kind: self.kind(),
            expected: N,
            actual: self.payload.len(),
        };
        let bytes = self.payload.get(..N).ok_or(short)?;
        bytes.try_into().map_err(|_| short)
    }

    /// `nla_get_u32()`: the first four bytes, host order.
    pub fn get_u32(&self) -> Result<u32, BadLength> {
        self.prefix().map(u32::from_ne_bytes)
    }

    /// `nla_get_s32()`: the first four bytes, host order.
    pub fn get_s32(&self) -> Result<i32, BadLength> {
        self.prefix().map(i32::from_ne_bytes)
    }

    /// A `u8` payload (exactly one byte).
    pub fn u8(&self) -> Result<u8, BadLength> {
        self.array::<1>().map(|b| b[0])
    }

    /// A host-order `u16` payload.
    pub fn u16(&self) -> Result<u16, BadLength> {
        self.array().map(u16::from_ne_bytes)
    }

    /// A host-order `u32` payload.
    pub fn u32(&self) -> Result<u32, BadLength> {
        self.array().map(u32::from_ne_bytes)
    }

    /// A host-order `u64` payload.
    pub fn u64(&self) -> Result<u64, BadLength> {
        self.array().map(u64::from_ne_bytes)
    }

    /// A network-order `__be16` payload, converted to host order.
    pub fn be16(&self) -> Result<u16, BadLength> {
        self.array().map(u16::from_be_bytes)
    }

    /// A network-order `__be32` payload, converted to host order.
    pub fn be32(&self) -> Result<u32, BadLength> {
        self.array().map(u32::from_be_bytes)
    }

    /// The payload read as a nested attribute stream.
    pub fn nested(&self) -> Attrs<'a> {
        Attrs::new(self.payload)
    }
}

/// Iterator over an attribute stream, like `nla_for_each_attr()`.
///
/// It stops at the first attribute that does not fit (`!nla_ok()`), and
/// [`Attrs::remaining`] then tells what C's `rem` would be.
#[derive(Debug, Clone)]
pub struct Attrs<'a> {
    /// Bytes from the current attribute to the end of the stream.
    rest: &'a [u8],
    /// C's `int rem`: may go negative when the last attribute's padding
    /// runs past the end of the stream.
    rem: isize,
}

impl<'a> Attrs<'a> {
    /// Walks `bytes` from its first attribute.
    pub fn new(bytes: &'a [u8]) -> Self {
        // A slice is never longer than isize::MAX bytes.
        let rem = isize::try_from(bytes.len()).unwrap_or(isize::MAX);
        Self { rest: bytes, rem }
    }

    /// C's `rem` after the walk so far: 0 when the stream was consumed
    /// exactly, positive for trailing bytes that do not form an attribute,
    /// negative when the last attribute lacks its padding.
    pub fn remaining(&self) -> isize {
        self.rem
    }

    /// The header of the current attribute, when `nla_ok()` holds for it.
    fn current(&self) -> Option<(u16, usize)> {
        if self.rem < NLA_HDRLEN as isize {
            return None;
        }
        let len = usize::from(bytes::ne16(self.rest, 0)?);
        let raw_type = bytes::ne16(self.rest, 2)?;
        if len < NLA_HDRLEN || len as isize > self.rem {
            return None;
        }
        Some((raw_type, len))
    }
}

impl<'a> Iterator for Attrs<'a> {
    type Item = Attr<'a>;

    fn next(&mut self) -> Option<Attr<'a>> {
        let (raw_type, len) = self.current()?;
        let payload = self.rest.get(NLA_HDRLEN..len)?;
        let step = nla_align(len);
        // `nla_next()`: step over the padding, which may run past the end.
        self.rem -= step as isize;
        self.rest = self.rest.get(step..).unwrap_or(&[]);
        Some(Attr { raw_type, payload })
    }
}

#[path = "attr/tests.rs"]
mod tests;
