// SPDX-License-Identifier: GPL-2.0

//! Writing netlink attributes: the [`AttrSink`] the pure encoders write
//! to, and [`SliceSink`], one over a fixed buffer (tests, and anything
//! that knows its size up front). The module's genetlink messages
//! implement the trait over their `sk_buff`.

use super::attr::{nla_align, NLA_HDRLEN};
use crate::fallible::{self, Vec};

/// Why an attribute could not be appended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PutError {
    /// The buffer, or a netlink length, has no room for it (`-EMSGSIZE`).
    NoRoom,
    /// A growing buffer could not grow (`-ENOMEM`): the kernel ran short,
    /// the request was not too big.
    NoMemory,
}

/// Somewhere attributes can be appended.
pub trait AttrSink {
    /// An open nested attribute.
    type Nest;

    /// Appends an attribute, padded (`nla_put()`).
    fn put(&mut self, kind: u16, payload: &[u8]) -> Result<(), PutError>;

    /// Opens a nested attribute, without `NLA_F_NESTED`, as every OVS
    /// reply does (`nla_nest_start_noflag()`).
    fn nest_start(&mut self, kind: u16) -> Result<Self::Nest, PutError>;

    /// Closes it: its length now covers what was appended since.
    fn nest_end(&mut self, nest: Self::Nest) -> Result<(), PutError>;

    fn put_u32(&mut self, kind: u16, v: u32) -> Result<(), PutError> {
        self.put(kind, &v.to_ne_bytes())
    }

    fn put_flag(&mut self, kind: u16) -> Result<(), PutError> {
        self.put(kind, &[])
    }
}

/// Writes an attribute header (length, type) at `at` of `buf`.
fn write_header(buf: &mut [u8], at: usize, len: usize, kind: u16) -> Result<(), PutError> {
    let len = u16::try_from(len).map_err(|_| PutError::NoRoom)?;
    let h = buf.get_mut(at..at + NLA_HDRLEN).ok_or(PutError::NoRoom)?;
    h.get_mut(..2)
        .ok_or(PutError::NoRoom)?
        .copy_from_slice(&len.to_ne_bytes());
    h.get_mut(2..)
        .ok_or(PutError::NoRoom)?
        .copy_from_slice(&kind.to_ne_bytes());
    Ok(())
}

/// Closes the nest whose header is at `at`: its length now reaches `end`.
fn close_nest(buf: &mut [u8], at: usize, end: usize) -> Result<(), PutError> {
    let kind_bytes = buf.get(at + 2..at + 4).ok_or(PutError::NoRoom)?;
    let kind = u16::from_ne_bytes(kind_bytes.try_into().map_err(|_| PutError::NoRoom)?);
    write_header(buf, at, end - at, kind)
}

/// Attributes written into a byte slice.
pub struct SliceSink<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> SliceSink<'b> {
    pub fn new(buf: &'b mut [u8]) -> Self {
        SliceSink { buf, len: 0 }
    }

    /// What was written so far.
    pub fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

impl AttrSink for SliceSink<'_> {
    /// Where the nest's header is.
    type Nest = usize;

    fn put(&mut self, kind: u16, payload: &[u8]) -> Result<(), PutError> {
        let len = NLA_HDRLEN + payload.len();
        let end = self.len + nla_align(len);
        if end > self.buf.len() {
            return Err(PutError::NoRoom);
        }
        write_header(self.buf, self.len, len, kind)?;
        let body = self
            .buf
            .get_mut(self.len + NLA_HDRLEN..end)
            .ok_or(PutError::NoRoom)?;
        let (data, pad) = body.split_at_mut(payload.len());
        data.copy_from_slice(payload);
        pad.fill(0);
        self.len = end;
        Ok(())
    }

    fn nest_start(&mut self, kind: u16) -> Result<usize, PutError> {
        let at = self.len;
        self.put(kind, &[])?;
        Ok(at)
    }

    fn nest_end(&mut self, at: usize) -> Result<(), PutError> {
        close_nest(self.buf, at, self.len)
    }
}

/// Attributes appended to a growing vector (stored action lists).
#[derive(Default)]
pub struct VecSink {
    buf: Vec<u8>,
}

impl VecSink {
    /// A sink with room for `n` bytes, the usual size of what is copied
    /// into it, so copying rarely reallocates.
    pub fn with_capacity(n: usize) -> Result<Self, fallible::AllocError> {
        Ok(VecSink {
            buf: fallible::with_capacity(n)?,
        })
    }

    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    pub fn into_vec(self) -> Vec<u8> {
        self.buf
    }
}

impl AttrSink for VecSink {
    /// Where the nest's header is.
    type Nest = usize;

    /// An attribute longer than a netlink length can say has no room; a
    /// failed allocation is `NoMemory`, which callers answer with
    /// `ENOMEM` as C does.
    fn put(&mut self, kind: u16, payload: &[u8]) -> Result<(), PutError> {
        let len = NLA_HDRLEN + payload.len();
        if len > usize::from(u16::MAX) {
            return Err(PutError::NoRoom);
        }
        let at = self.buf.len();
        fallible::reserve(&mut self.buf, nla_align(len)).map_err(|_| PutError::NoMemory)?;
        fallible::extend_from_slice(&mut self.buf, &[0; NLA_HDRLEN])
            .map_err(|_| PutError::NoMemory)?;
        fallible::extend_from_slice(&mut self.buf, payload).map_err(|_| PutError::NoMemory)?;
        fallible::extend_from_slice(&mut self.buf, &[0; 3][..nla_align(len) - len])
            .map_err(|_| PutError::NoMemory)?;
        write_header(&mut self.buf, at, len, kind)
    }

    fn nest_start(&mut self, kind: u16) -> Result<usize, PutError> {
        let at = self.buf.len();
        self.put(kind, &[])?;
        Ok(at)
    }

    fn nest_end(&mut self, at: usize) -> Result<(), PutError> {
        let end = self.buf.len();
        close_nest(&mut self.buf, at, end)
    }
}

#[path = "build/tests.rs"]
mod tests;
