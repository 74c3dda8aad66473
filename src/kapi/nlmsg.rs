// SPDX-License-Identifier: GPL-2.0

//! Building generic netlink messages: replies, notifications and dump
//! entries.
//!
//! Every attribute goes through the kernel's own `nla_put*()`, so the
//! bytes equal what C code emits for the same values.

use core::{
    marker::PhantomData,
    ops::{Deref, DerefMut},
    ptr::NonNull,
};

use kernel::{
    bindings,
    error::to_result,
    ffi::{c_int, c_void},
    prelude::*,
};

use super::genl::{Family, Request, GENL_HDRLEN};
use super::glue;
use super::netdev::NetNs;
use crate::netlink::attr::NLA_HDRLEN;
use crate::netlink::build::{AttrSink, PutError};

/// Writes generic netlink messages into an skb: one owned by a [`Msg`],
/// or the one a dump fills.
///
/// # Invariants
///
/// `skb` is a valid, linear netlink skb writable for `'a`. `hdr` is null
/// or the user header returned by the last `genlmsg_put()` into `skb`.
/// `generation` changes whenever the skb is trimmed, which invalidates
/// every [`Nest`] opened before.
pub(crate) struct MsgWriter<'a> {
    skb: NonNull<bindings::sk_buff>,
    hdr: *mut c_void,
    generation: u64,
    _skb: PhantomData<&'a mut bindings::sk_buff>,
}

impl<'a> MsgWriter<'a> {
    /// A writer for `skb` that lives no longer than `_scope`, so a
    /// borrowed buffer's writer can never be swapped with an owned
    /// message's (`MsgWriter<'static>`).
    ///
    /// # Safety
    ///
    /// `skb` is a valid netlink skb that only this writer writes for `'a`.
    pub(super) unsafe fn new<T: ?Sized>(skb: NonNull<bindings::sk_buff>, _scope: &'a T) -> Self {
        MsgWriter {
            skb,
            hdr: core::ptr::null_mut(),
            generation: 0,
            _skb: PhantomData,
        }
    }

    /// Starts a message: netlink and genl headers (`genlmsg_put()`) and the
    /// family's own header, `user_hdr` (`hdrsize` bytes, else `EINVAL`).
    /// `EMSGSIZE` when the skb lacks room.
    pub(crate) fn put_header(
        &mut self,
        family: &Family,
        portid: u32,
        seq: u32,
        flags: u16,
        cmd: u8,
        user_hdr: &[u8],
    ) -> Result {
        if user_hdr.len() != family.hdrsize() {
            return Err(EINVAL);
        }
        // SAFETY: valid skb and family (type invariants of both).
        let hdr = unsafe {
            bindings::genlmsg_put(
                self.skb.as_ptr(),
                portid,
                seq,
                family.as_ptr(),
                c_int::from(flags),
                cmd,
            )
        };
        if hdr.is_null() {
            return Err(EMSGSIZE);
        }
        // SAFETY: `genlmsg_put()` reserved the family's `hdrsize` bytes
        // after the genl header, `user_hdr.len()` (checked above).
        unsafe {
            core::ptr::copy_nonoverlapping(user_hdr.as_ptr(), hdr.cast::<u8>(), user_hdr.len())
        };
        self.hdr = hdr;
        Ok(())
    }

    /// An attribute with `payload` (`nla_put()`).
    pub(crate) fn put_bytes(&mut self, kind: u16, payload: &[u8]) -> Result {
        // `nla_len` is 16 bits: a longer payload has no valid encoding.
        if payload.len() > usize::from(u16::MAX) - NLA_HDRLEN {
            return Err(EMSGSIZE);
        }
        let len = c_int::try_from(payload.len()).map_err(|_| EMSGSIZE)?;
        // SAFETY: valid skb (type invariant); `payload` is readable for
        // `len` bytes, which `nla_put()` copies.
        to_result(unsafe {
            bindings::nla_put(
                self.skb.as_ptr(),
                c_int::from(kind),
                len,
                payload.as_ptr().cast(),
            )
        })
    }

    /// `payload` without an attribute header, padded (`nla_put_nohdr()`).
    pub(crate) fn put_nohdr(&mut self, payload: &[u8]) -> Result {
        let len = c_int::try_from(payload.len()).map_err(|_| EMSGSIZE)?;
        // SAFETY: valid skb (type invariant); `payload` is readable for
        // `len` bytes, which `nla_put_nohdr()` copies.
        to_result(unsafe {
            bindings::nla_put_nohdr(self.skb.as_ptr(), len, payload.as_ptr().cast())
        })
    }

    /// A `u32` attribute (`nla_put_u32()`).
    pub(crate) fn put_u32(&mut self, kind: u16, value: u32) -> Result {
        self.put_bytes(kind, &value.to_ne_bytes())
    }

    /// An attribute holding an array of host-order `u32`s, as C puts its
    /// port id arrays (`nla_put(skb, type, n * sizeof(u32), ids)`).
    pub(crate) fn put_u32_array(&mut self, kind: u16, values: &[u32]) -> Result {
        self.put_bytes(kind, values.as_bytes())
    }

    /// A string attribute with its NUL (`nla_put_string()`).
    pub(crate) fn put_str(&mut self, kind: u16, value: &CStr) -> Result {
        self.put_bytes(kind, value.to_bytes_with_nul())
    }

    /// An attribute whose payload must be 8-byte aligned: a `pad`
    /// attribute goes first where needed (`nla_put_64bit()`).
    pub(crate) fn put_bytes_64bit(&mut self, kind: u16, payload: &[u8], pad: u16) -> Result {
        let len = c_int::try_from(payload.len()).map_err(|_| EMSGSIZE)?;
        // SAFETY: as in `put_bytes`.
        to_result(unsafe {
            bindings::nla_put_64bit(
                self.skb.as_ptr(),
                c_int::from(kind),
                len,
                payload.as_ptr().cast(),
                c_int::from(pad),
            )
        })
    }

    /// A `u64` attribute with its payload 8-byte aligned where that matters
    /// (`nla_put_u64_64bit()`).
    pub(crate) fn put_u64_64bit(&mut self, kind: u16, value: u64, pad: u16) -> Result {
        self.put_bytes_64bit(kind, &value.to_ne_bytes(), pad)
    }

    /// Opens a nested attribute, without `NLA_F_NESTED` as every nest of
    /// `net/openvswitch` (`nla_nest_start_noflag()`).
    pub(crate) fn nest_start(&mut self, kind: u16) -> Result<Nest> {
        // SAFETY: valid skb (type invariant).
        let start =
            unsafe { glue::ovs_rs_nla_nest_start_noflag(self.skb.as_ptr(), c_int::from(kind)) };
        let start = NonNull::new(start).ok_or(EMSGSIZE)?;
        let data = self.data_ptr() as usize;
        Ok(Nest {
            skb: self.skb,
            offset: (start.as_ptr() as usize).wrapping_sub(data),
            generation: self.generation,
        })
    }

    /// Closes a nest: its length now covers what was put since it opened.
    /// `EINVAL` for a nest of another message, or one a [`Self::cancel`]
    /// trimmed away since it opened.
    pub(crate) fn nest_end(&mut self, nest: Nest) -> Result {
        if nest.skb != self.skb || nest.generation != self.generation {
            return Err(EINVAL);
        }
        if nest
            .offset
            .checked_add(NLA_HDRLEN)
            .is_none_or(|end| end > self.len())
        {
            return Err(EINVAL);
        }
        // SAFETY: the nest header `nest_start` wrote at `offset` is still
        // in this skb's data (same skb, not trimmed since: the generation,
        // and inside `len`: checked above).
        unsafe {
            let start = self.data_ptr().cast_mut().add(nest.offset);
            glue::ovs_rs_nla_nest_end(self.skb.as_ptr(), start.cast::<bindings::nlattr>())
        };
        Ok(())
    }

    fn data_ptr(&self) -> *const u8 {
        // SAFETY: valid skb (type invariant).
        unsafe { glue::ovs_rs_skb_data(self.skb.as_ptr()).cast::<u8>() }
    }

    /// Finishes the message started by [`Self::put_header`]
    /// (`genlmsg_end()`).
    pub(crate) fn end(&mut self) {
        if !self.hdr.is_null() {
            // SAFETY: `hdr` is the header of the message in `skb` (type
            // invariant).
            unsafe { bindings::genlmsg_end(self.skb.as_ptr(), self.hdr) };
            self.hdr = core::ptr::null_mut();
        }
    }

    /// Removes the unfinished message (`genlmsg_cancel()`), e.g. a dump
    /// entry that did not fit and is retried in the next dump round.
    pub(crate) fn cancel(&mut self) {
        if !self.hdr.is_null() {
            // SAFETY: as in `end`.
            unsafe { bindings::genlmsg_cancel(self.skb.as_ptr(), self.hdr) };
            self.hdr = core::ptr::null_mut();
            self.generation = self.generation.wrapping_add(1);
        }
    }

    /// Bytes in the skb (`skb->len`).
    pub(crate) fn len(&self) -> usize {
        // SAFETY: valid skb (type invariant).
        unsafe { glue::ovs_rs_skb_len(self.skb.as_ptr()) as usize }
    }

    /// The bytes written so far.
    #[cfg_attr(not(CONFIG_KUNIT), allow(dead_code))]
    pub(crate) fn data(&self) -> &[u8] {
        // SAFETY: netlink skbs are linear: `skb->data` holds `skb->len`
        // bytes, stable while `self` is borrowed.
        unsafe { core::slice::from_raw_parts(self.data_ptr(), self.len()) }
    }
}

/// The pure encoders (flow keys and masks) write straight into the skb.
impl AttrSink for MsgWriter<'_> {
    type Nest = Nest;

    fn put(&mut self, kind: u16, payload: &[u8]) -> core::result::Result<(), PutError> {
        self.put_bytes(kind, payload).map_err(|_| PutError::NoRoom)
    }

    fn nest_start(&mut self, kind: u16) -> core::result::Result<Nest, PutError> {
        MsgWriter::nest_start(self, kind).map_err(|_| PutError::NoRoom)
    }

    fn nest_end(&mut self, nest: Nest) -> core::result::Result<(), PutError> {
        MsgWriter::nest_end(self, nest).map_err(|_| PutError::NoRoom)
    }
}

/// An open nested attribute of one message ([`MsgWriter::nest_start`]),
/// by offset from the message's start: a pointer would dangle once a
/// cancel trimmed the message.
#[must_use]
pub(crate) struct Nest {
    skb: NonNull<bindings::sk_buff>,
    offset: usize,
    generation: u64,
}

/// `NLMSG_DEFAULT_SIZE`: the payload of a netlink message that fits a
/// page-sized skb (`bindings` has only the genl one, `GENL_HDRLEN` less).
pub(crate) const NLMSG_DEFAULT_SIZE: usize = bindings::GENLMSG_DEFAULT_SIZE + GENL_HDRLEN;

/// An owned generic netlink message, freed unless sent.
pub(crate) struct Msg {
    writer: MsgWriter<'static>,
}

impl Msg {
    /// A message with room for `payload` bytes (`genlmsg_new()`), for
    /// process context.
    pub(crate) fn new(payload: usize) -> Result<Self> {
        // SAFETY: no preconditions.
        let skb = unsafe { bindings::genlmsg_new(payload, bindings::GFP_KERNEL) };
        let skb = NonNull::new(skb).ok_or(ENOMEM)?;
        Ok(Msg {
            // SAFETY: the new skb is ours alone until sent or freed.
            writer: unsafe { MsgWriter::new(skb, &()) },
        })
    }

    /// # Safety
    ///
    /// `skb` is a new netlink skb (`genlmsg_new()`) handed over.
    pub(super) unsafe fn from_new(skb: NonNull<bindings::sk_buff>) -> Option<Self> {
        Some(Msg {
            // SAFETY: the new skb is ours alone until sent or freed.
            writer: unsafe { MsgWriter::new(skb, &()) },
        })
    }

    pub(super) fn raw(&mut self) -> *mut bindings::sk_buff {
        self.writer.skb.as_ptr()
    }

    pub(super) fn into_skb(self) -> *mut bindings::sk_buff {
        self.into_raw()
    }

    fn into_raw(self) -> *mut bindings::sk_buff {
        let msg = core::mem::ManuallyDrop::new(self);
        msg.writer.skb.as_ptr()
    }

    /// Sends the message to the requester (`genlmsg_reply()`).
    pub(crate) fn reply(self, req: &Request<'_>) -> Result {
        // SAFETY: the skb is ours and is handed over; `req` is valid.
        to_result(unsafe { glue::ovs_rs_genlmsg_reply(self.into_raw(), req.as_ptr()) })
    }

    /// Sends the message to the family's multicast group `group` and, when
    /// the request asked for an echo, to the requester (`genl_notify()`,
    /// what `ovs_notify()` does).
    pub(crate) fn notify(self, family: &Family, req: &Request<'_>, group: u32) {
        // SAFETY: the skb is ours and is handed over; family and request
        // are valid.
        unsafe {
            bindings::genl_notify(
                family.as_ptr(),
                self.into_raw(),
                req.as_ptr(),
                group,
                bindings::GFP_KERNEL,
            )
        }
    }
}

impl Msg {
    /// Sends the message to the family's multicast group `group` in `net`
    /// (`genlmsg_multicast_netns()`): a notification no request caused.
    pub(crate) fn multicast(self, family: &Family, net: NetNs<'_>, group: u32) {
        // SAFETY: the skb is ours and is handed over; the family is valid
        // and `net` alive (`NetNs` invariant). Having no listener is not an
        // error anybody could act on.
        let _ = unsafe {
            glue::ovs_rs_genlmsg_multicast_netns(
                family.as_ptr(),
                net.as_ptr(),
                self.into_raw(),
                group,
            )
        };
    }
}

/// Tells the listeners of `family`'s group `group` in `net` that a
/// notification was lost to `err` (`genl_set_err()`): their next receive
/// fails with it, so they know to resynchronise.
pub(crate) fn multicast_error(family: &Family, net: NetNs<'_>, group: u32, err: Error) {
    // SAFETY: valid family, live namespace (`NetNs` invariant).
    unsafe { glue::ovs_rs_genl_set_err(family.as_ptr(), net.as_ptr(), group, err.to_errno()) }
}

impl Deref for Msg {
    type Target = MsgWriter<'static>;
    fn deref(&self) -> &Self::Target {
        &self.writer
    }
}

impl DerefMut for Msg {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.writer
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        // SAFETY: the skb is ours (not sent: sending forgets `self`).
        unsafe { bindings::nlmsg_free(self.writer.skb.as_ptr()) }
    }
}

#[kunit_tests(ovs_rs_nlmsg)]
mod tests {
    use super::*;
    use crate::netlink::attr::Attrs;

    /// The glue's first family; its own header is 4 bytes.
    const FAMILY_DATAPATH: usize = 0;

    type TestResult = core::result::Result<(), &'static str>;

    /// A message laid out as C lays it out: headers, then attributes, the
    /// 64-bit one 8-byte aligned behind a pad attribute where needed.
    #[test]
    fn message_layout() -> TestResult {
        let family = Family::get(FAMILY_DATAPATH).ok_or("no family")?;
        let mut msg = Msg::new(256).map_err(|_| "alloc")?;
        msg.put_header(&family, 7, 9, 0, 3, &42i32.to_ne_bytes())
            .map_err(|_| "header")?;
        msg.put_u32(5, 0xabcd).map_err(|_| "u32")?;
        msg.put_str(1, c"dp0").map_err(|_| "str")?;
        msg.put_bytes_64bit(3, &[0x11; 32], 6)
            .map_err(|_| "64bit")?;
        msg.end();

        let data = msg.data();
        // nlmsghdr (16) + genlmsghdr (4) + ovs_header (4).
        let total = data.get(0..4).ok_or("short")?;
        assert_eq!(
            u32::from_ne_bytes([total[0], total[1], total[2], total[3]]) as usize,
            data.len()
        );
        assert_eq!(data.get(16), Some(&3u8)); // cmd
        assert_eq!(data.get(20..24), Some(&42i32.to_ne_bytes()[..]));
        let attrs = data.get(24..).ok_or("no attributes")?;
        let mut it = Attrs::new(attrs);
        let a = it.next().ok_or("u32 missing")?;
        assert_eq!((a.kind(), a.u32()), (5, Ok(0xabcd)));
        let b = it.next().ok_or("string missing")?;
        assert_eq!((b.kind(), b.payload()), (1, &b"dp0\0"[..]));
        let mut c = it.next().ok_or("64-bit attribute missing")?;
        let padded = c.kind() == 6;
        if padded {
            c = it.next().ok_or("64-bit attribute missing after pad")?;
        }
        assert_eq!((c.kind(), c.payload()), (3, &[0x11u8; 32][..]));
        // nla_put_64bit() pads to an 8-byte aligned payload only where
        // unaligned access is slow; x86_64 never pads.
        if cfg!(CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS) {
            assert!(!padded);
        } else {
            assert_eq!(c.payload().as_ptr() as usize % 8, 0);
        }
        assert!(it.next().is_none());
        assert_eq!(it.remaining(), 0);
        Ok(())
    }

    /// A full skb answers EMSGSIZE and keeps what was written.
    #[test]
    fn full_message() -> TestResult {
        let family = Family::get(FAMILY_DATAPATH).ok_or("no family")?;
        let mut msg = Msg::new(16).map_err(|_| "alloc")?;
        msg.put_header(&family, 0, 0, 0, 1, &[0; 4])
            .map_err(|_| "header")?;
        let before = msg.len();
        let mut filled = 0;
        while msg.put_u32(1, 1).is_ok() {
            filled += 1;
            if filled > 10_000 {
                return Err("never full");
            }
        }
        assert_eq!(msg.put_bytes(2, &[0; 64]), Err(EMSGSIZE));
        assert_eq!(msg.len(), before + filled * 8);
        msg.cancel();
        assert_eq!(msg.len(), 0);
        Ok(())
    }

    /// A nest opened before a cancel cannot be closed after it: the bytes
    /// it pointed at are gone (and a new message may be there).
    #[test]
    fn nest_after_cancel() -> TestResult {
        let family = Family::get(FAMILY_DATAPATH).ok_or("no family")?;
        let mut msg = Msg::new(256).map_err(|_| "alloc")?;
        msg.put_header(&family, 0, 0, 0, 1, &[0; 4])
            .map_err(|_| "header")?;
        let nest = msg.nest_start(4).map_err(|_| "nest")?;
        msg.put_u32(1, 1).map_err(|_| "u32")?;
        msg.cancel();
        assert_eq!(msg.len(), 0);
        // A new message where the nest was: closing the stale nest must
        // not write into it.
        msg.put_header(&family, 0, 0, 0, 1, &[0; 4])
            .map_err(|_| "header")?;
        msg.put_bytes(2, &[0xee; 16]).map_err(|_| "bytes")?;
        let mut before = KVec::new();
        before
            .extend_from_slice(msg.data(), GFP_KERNEL)
            .map_err(|_| "alloc")?;
        assert_eq!(msg.nest_end(nest), Err(EINVAL));
        assert!(msg.data() == &before[..]);
        // A nest of this message still closes.
        let nest = msg.nest_start(4).map_err(|_| "nest")?;
        msg.put_u32(1, 1).map_err(|_| "u32")?;
        assert_eq!(msg.nest_end(nest), Ok(()));
        Ok(())
    }

    /// A family header of the wrong size is refused, not truncated.
    #[test]
    fn header_size_checked() -> TestResult {
        let family = Family::get(FAMILY_DATAPATH).ok_or("no family")?;
        let mut msg = Msg::new(64).map_err(|_| "alloc")?;
        assert_eq!(msg.put_header(&family, 0, 0, 0, 1, &[0; 3]), Err(EINVAL));
        assert_eq!(msg.len(), 0);
        Ok(())
    }
}
