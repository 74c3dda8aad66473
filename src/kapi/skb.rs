// SPDX-License-Identifier: GPL-2.0

//! Packets (`sk_buff`) as the packet path uses them: owned, read and
//! edited through `src/glue/skb.c`, sent to a port's device, and copied
//! into upcall messages.

use core::marker::PhantomData;
use core::ptr::NonNull;

use kernel::{
    bindings,
    error::to_result,
    ffi::{c_int, c_void},
    prelude::*,
};

use super::glue;
use super::netdev::{DevRef, NetNs};
use super::nlmsg::Msg;

/// An owned packet buffer. Dropping it frees it as a drop (`kfree_skb`).
///
/// # Invariants
///
/// `skb` is a valid `sk_buff` this value owns.
pub(crate) struct SkBuff {
    skb: NonNull<bindings::sk_buff>,
}

// SAFETY: an owned skb may move to and be freed on any CPU.
unsafe impl Send for SkBuff {}

/// `skb->ip_summed`.
pub(crate) const CHECKSUM_COMPLETE: u8 = 2;

/// An accelerated VLAN tag (`skb->vlan_proto`, `skb->vlan_tci`), host
/// order.
#[derive(Clone, Copy)]
pub(crate) struct HwVlanTag {
    pub(crate) tpid: u16,
    pub(crate) tci: u16,
}

/// What the packet path reads of an skb (`struct ovs_rs_skb_state`).
#[derive(Clone, Copy)]
pub(crate) struct SkState {
    pub(crate) len: u32,
    pub(crate) priority: u32,
    pub(crate) mark: u32,
    /// `skb->csum`, meaningful for `CHECKSUM_COMPLETE`.
    pub(crate) csum: u32,
    pub(crate) network: i32,
    /// `None`: the transport header was never set.
    pub(crate) transport: Option<i32>,
    /// `skb->protocol`, host order.
    pub(crate) protocol: u16,
    pub(crate) vlan: Option<HwVlanTag>,
    pub(crate) dev_type: u16,
    pub(crate) mac_len: u16,
    pub(crate) ip_summed: u8,
    pub(crate) gso: bool,
    pub(crate) gso_udp: bool,
}

/// A packet's tunnel metadata, as it would leave by a device.
pub(crate) struct TunnelInfo {
    pub(crate) key: [u8; 64],
    pub(crate) proto: u8,
    pub(crate) opts: [u8; 255],
    pub(crate) opts_len: u8,
    /// `IP_TUNNEL_INFO_*` (transmit side only).
    pub(crate) mode: u8,
}

/// A received packet's tunnel metadata, borrowed from the packet.
pub(crate) struct TunnelRef<'a> {
    /// `struct ip_tunnel_key`, as bytes.
    pub(crate) key: &'a [u8; 64],
    /// `ip_tunnel_info_af()`.
    pub(crate) proto: u8,
    /// At most 255 bytes (a `u8` length).
    pub(crate) opts: &'a [u8],
}

/// `IP_TUNNEL_INFO_BRIDGE`.
pub(crate) const IP_TUNNEL_INFO_BRIDGE: u8 = 0x04;

impl TunnelInfo {
    fn empty() -> Self {
        TunnelInfo {
            key: [0; 64],
            proto: 0,
            opts: [0; 255],
            opts_len: 0,
            mode: 0,
        }
    }

    pub(crate) fn opts(&self) -> &[u8] {
        self.opts.get(..usize::from(self.opts_len)).unwrap_or(&[])
    }
}

/// How a packet leaves by a port.
pub(crate) struct Output {
    /// The key's `mac_proto` and ethertype (host order).
    pub(crate) mac_proto: u8,
    pub(crate) eth_type: u16,
    /// Maximum received fragment size, 0 for none.
    pub(crate) mru: u16,
    /// Truncation, `u32::MAX` for none.
    pub(crate) cutlen: u32,
    /// The key's MAC header length: truncation keeps at least that.
    pub(crate) min_len: u32,
}

/// Header offsets to set, from the MAC header (`skb->data`).
pub(crate) struct Headers {
    pub(crate) mac_len: usize,
    pub(crate) network: usize,
    pub(crate) transport: Option<usize>,
    pub(crate) inner_network: Option<usize>,
    /// `skb->protocol`, host order.
    pub(crate) protocol: u16,
}

fn offset(v: Option<usize>) -> i32 {
    v.and_then(|v| i32::try_from(v).ok()).unwrap_or(-1)
}

impl SkBuff {
    /// # Safety
    ///
    /// The caller passes its ownership of `skb`, a valid `sk_buff` (or
    /// null, which gives `None`).
    pub(super) unsafe fn from_raw(skb: *mut bindings::sk_buff) -> Option<Self> {
        NonNull::new(skb).map(|skb| SkBuff { skb })
    }

    pub(super) fn into_raw(self) -> *mut bindings::sk_buff {
        core::mem::ManuallyDrop::new(self).skb.as_ptr()
    }

    pub(super) fn as_ptr(&self) -> *mut bindings::sk_buff {
        self.skb.as_ptr()
    }

    /// A packet of `bytes` (`OVS_PACKET_ATTR_PACKET`), for process context.
    pub(crate) fn from_bytes(bytes: &[u8], ignore_df: bool) -> Result<Self> {
        let len = u32::try_from(bytes.len()).map_err(|_| EINVAL)?;
        // SAFETY: `bytes` is readable for `len` bytes; the new skb is ours.
        let skb =
            unsafe { glue::ovs_rs_skb_from_bytes(bytes.as_ptr().cast::<c_void>(), len, ignore_df) };
        // SAFETY: a new skb, owned by nobody else.
        unsafe { Self::from_raw(skb) }.ok_or(ENOMEM)
    }

    #[inline(never)]
    pub(crate) fn state(&self) -> SkState {
        let mut st = glue::SkStateRaw::default();
        // SAFETY: valid skb (type invariant), writable `st`.
        unsafe { glue::ovs_rs_skb_get_state(self.as_ptr(), &mut st) };
        SkState {
            len: st.len,
            priority: st.priority,
            mark: st.mark,
            csum: st.csum,
            network: st.network,
            transport: (st.transport >= 0).then_some(st.transport),
            protocol: st.protocol,
            vlan: st.vlan_present.then_some(HwVlanTag {
                tpid: st.vlan_proto,
                tci: st.vlan_tci,
            }),
            dev_type: st.dev_type,
            mac_len: st.mac_len,
            ip_summed: st.ip_summed,
            gso: st.gso,
            gso_udp: st.gso_udp,
        }
    }

    pub(crate) fn len(&self) -> usize {
        // SAFETY: valid skb.
        unsafe { glue::ovs_rs_skb_len(self.as_ptr()) as usize }
    }

    /// Brings `len` bytes (at most the packet) into the linear head.
    pub(crate) fn pull(&mut self, len: usize) -> Result {
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        // SAFETY: valid skb, which we own.
        to_result(unsafe { glue::ovs_rs_skb_pull(self.as_ptr(), len) })
    }

    /// The whole packet in the linear head.
    pub(crate) fn linearize(&mut self) -> Result {
        // SAFETY: valid skb, which we own.
        to_result(unsafe { glue::ovs_rs_skb_linearize(self.as_ptr()) })
    }

    /// The linear head's bytes (from `skb->data`).
    pub(crate) fn head(&self) -> &[u8] {
        let mut st = glue::SkStateRaw::default();
        // SAFETY: valid skb, writable `st`.
        unsafe { glue::ovs_rs_skb_get_state(self.as_ptr(), &mut st) };
        // SAFETY: `skb->data` has `headlen` readable bytes, which stay
        // put while the skb is borrowed (every change takes `&mut self`).
        unsafe {
            core::slice::from_raw_parts(
                glue::ovs_rs_skb_data(self.as_ptr()).cast::<u8>(),
                st.headlen as usize,
            )
        }
    }

    /// The first `len` bytes (at most the packet), made private to this
    /// skb and linear (`skb_ensure_writable()`), to change in place.
    pub(crate) fn writable(&mut self, len: usize) -> Result<&mut [u8]> {
        let len = len.min(self.len());
        // SAFETY: valid skb, which we own.
        to_result(unsafe { glue::ovs_rs_skb_make_writable(self.as_ptr(), len as u32) })?;
        // SAFETY: `skb_ensure_writable()` made `len` bytes from
        // `skb->data` linear and not shared with any clone; they stay put
        // while `self` is mutably borrowed.
        Ok(unsafe {
            core::slice::from_raw_parts_mut(
                glue::ovs_rs_skb_data_mut(self.as_ptr()).cast::<u8>(),
                len,
            )
        })
    }

    /// Moves the frame's outer VLAN tag into the accelerated tag
    /// (`parse_vlan_tag()` with `untag_vlan`).
    pub(crate) fn vlan_untag(&mut self, tpid: u16) -> Result {
        // SAFETY: valid skb, which we own; its data starts at the MAC header.
        to_result(unsafe { glue::ovs_rs_skb_vlan_untag(self.as_ptr(), tpid) })
    }

    pub(crate) fn set_headers(&mut self, h: &Headers) {
        let raw = glue::HeadersRaw {
            mac_len: offset(Some(h.mac_len)),
            network: offset(Some(h.network)),
            transport: offset(h.transport),
            inner_network: offset(h.inner_network),
            protocol: h.protocol,
        };
        // SAFETY: valid skb; the offsets are within its data (they come
        // from parsing it).
        unsafe { glue::ovs_rs_skb_set_headers(self.as_ptr(), &raw) }
    }

    pub(crate) fn set_csum(&mut self, csum: u32) {
        // SAFETY: valid skb, which we own.
        unsafe { glue::ovs_rs_skb_set_csum(self.as_ptr(), csum) }
    }

    pub(crate) fn clear_hash(&mut self) {
        // SAFETY: valid skb, which we own.
        unsafe { glue::ovs_rs_skb_clear_hash(self.as_ptr()) }
    }

    /// `skb->priority` and `skb->mark`.
    pub(crate) fn set_meta(&mut self, priority: u32, mark: u32) {
        // SAFETY: valid skb, which we own.
        unsafe { glue::ovs_rs_skb_set_meta(self.as_ptr(), priority, mark) }
    }

    /// `skb_get_hash()` (computes and stores it if needed).
    pub(crate) fn hash(&mut self) -> u32 {
        // SAFETY: valid skb, which we own.
        unsafe { glue::ovs_rs_skb_get_hash(self.as_ptr()) }
    }

    /// `__skb_get_hash_symmetric()`.
    pub(crate) fn hash_symmetric(&self) -> u32 {
        // SAFETY: valid skb.
        unsafe { glue::ovs_rs_skb_get_hash_symmetric(self.as_ptr()) }
    }

    /// `OVS_PACKET_ATTR_HASH` of an upcall.
    pub(crate) fn upcall_hash(&self) -> u64 {
        // SAFETY: valid skb.
        unsafe { glue::ovs_rs_skb_upcall_hash(self.as_ptr()) }
    }

    /// Sets the hash from `OVS_PACKET_ATTR_HASH`.
    pub(crate) fn set_upcall_hash(&mut self, hash: u64) {
        // SAFETY: valid skb, which we own.
        unsafe { glue::ovs_rs_skb_set_upcall_hash(self.as_ptr(), hash) }
    }

    /// `skb_vlan_push()`: an accelerated tag present goes into the bytes
    /// first.
    pub(crate) fn vlan_push(&mut self, tpid: u16, tci: u16) -> Result {
        // SAFETY: valid skb, which we own.
        to_result(unsafe { glue::ovs_rs_skb_vlan_push(self.as_ptr(), tpid, tci) })
    }

    /// `skb_vlan_pop()`.
    pub(crate) fn vlan_pop(&mut self) -> Result {
        // SAFETY: valid skb, which we own.
        to_result(unsafe { glue::ovs_rs_skb_vlan_pop(self.as_ptr()) })
    }

    /// `skb_mpls_push()`: `lse` and `ethertype` in network order, as
    /// their bytes read natively.
    pub(crate) fn mpls_push(
        &mut self,
        lse: u32,
        ethertype: u16,
        mac_len: u16,
        ethernet: bool,
    ) -> Result {
        // SAFETY: valid skb, which we own.
        to_result(unsafe {
            glue::ovs_rs_skb_mpls_push(self.as_ptr(), lse, ethertype, mac_len, ethernet)
        })
    }

    /// `skb_mpls_pop()` with the skb's MAC length; `ethertype` as for
    /// [`Self::mpls_push`].
    pub(crate) fn mpls_pop(&mut self, ethertype: u16, ethernet: bool) -> Result {
        // SAFETY: valid skb, which we own.
        to_result(unsafe { glue::ovs_rs_skb_mpls_pop(self.as_ptr(), ethertype, ethernet) })
    }

    /// `skb_eth_push()`.
    pub(crate) fn eth_push(&mut self, dst: &[u8; 6], src: &[u8; 6]) -> Result {
        // SAFETY: valid skb, which we own; six readable bytes each.
        to_result(unsafe { glue::ovs_rs_skb_eth_push(self.as_ptr(), dst.as_ptr(), src.as_ptr()) })
    }

    /// `psample_sample_packet()` to `group` of `net` (nothing while
    /// psample.ko is not loaded).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn psample(
        &self,
        net: NetNs<'_>,
        group: u32,
        cookie: &[u8],
        in_ifindex: i32,
        cutlen: u32,
        probability: u32,
    ) {
        let cookie_len = u32::try_from(cookie.len()).unwrap_or(0);
        // SAFETY: valid skb, live namespace, `cookie` readable for its
        // length during the call.
        unsafe {
            glue::ovs_rs_psample(
                net.as_ptr(),
                self.as_ptr(),
                group,
                cookie.as_ptr(),
                cookie_len,
                in_ifindex,
                cutlen,
                probability,
            )
        }
    }

    /// The tunnel the packet came by (`skb_tunnel_info()`), borrowed
    /// from it: nothing is copied for a packet without one.
    pub(crate) fn tunnel(&self) -> Option<TunnelRef<'_>> {
        let (mut proto, mut opts, mut opts_len) = (0u8, core::ptr::null::<u8>(), 0u8);
        // SAFETY: valid skb; the glue writes the three outputs when it
        // returns a key.
        let key = unsafe {
            glue::ovs_rs_skb_tunnel_ref(self.as_ptr(), &mut proto, &mut opts, &mut opts_len)
        };
        if key.is_null() || opts.is_null() {
            return None;
        }
        // SAFETY: a `struct ip_tunnel_key` (64 bytes, the glue's
        // static_assert) and `opts_len` bytes of options after the
        // `struct ip_tunnel_info`, in the packet's dst: it keeps that as
        // long as it is not changed, and the borrow of `self` forbids
        // changes (they take `&mut`).
        let (key, opts) = unsafe {
            (
                &*key.cast::<[u8; 64]>(),
                core::slice::from_raw_parts(opts, usize::from(opts_len)),
            )
        };
        Some(TunnelRef { key, proto, opts })
    }

    /// The tunnel metadata `dev` would send the packet with
    /// (`dev_fill_metadata_dst()`, which completes the packet's metadata
    /// dst): for an upcall's `OVS_PACKET_ATTR_EGRESS_TUN_KEY`.
    pub(crate) fn egress_tunnel(&mut self, dev: &DevRef) -> Option<TunnelInfo> {
        let mut t = TunnelInfo::empty();
        // SAFETY: held device, our skb; the buffers have the sizes the
        // glue writes (64 bytes of key, checked by its static_assert; at
        // most 255 bytes of options, its u8 length; one byte each for the
        // family and mode).
        let some = unsafe {
            glue::ovs_rs_egress_tunnel_info(
                dev.as_ptr(),
                self.as_ptr(),
                t.key.as_mut_ptr().cast::<c_void>(),
                &mut t.proto,
                t.opts.as_mut_ptr(),
                &mut t.opts_len,
                &mut t.mode,
            )
        };
        some.then_some(t)
    }

    /// `nsh_push()` of `hdr`, an NSH header; `EINVAL` unless `hdr` holds
    /// the length its header claims (`nsh_hdr_len()`), which is what
    /// `nsh_push()` copies.
    pub(crate) fn nsh_push(&mut self, hdr: &[u8]) -> Result {
        let [b0, b1, ..] = *hdr else {
            return Err(EINVAL);
        };
        // NSH_LEN_MASK, in 4-byte words.
        let claimed = usize::from(u16::from_be_bytes([b0, b1]) & 0x003f) * 4;
        if claimed > hdr.len() {
            return Err(EINVAL);
        }
        // SAFETY: valid skb, which we own; `hdr` is readable for the
        // length its header claims (checked above).
        to_result(unsafe {
            glue::ovs_rs_skb_nsh_push(self.as_ptr(), hdr.as_ptr().cast::<c_void>())
        })
    }

    /// `nsh_pop()`.
    pub(crate) fn nsh_pop(&mut self) -> Result {
        // SAFETY: valid skb, which we own.
        to_result(unsafe { glue::ovs_rs_skb_nsh_pop(self.as_ptr()) })
    }

    /// Drops the packet's conntrack reference (`ovs_ct_clear()`).
    pub(crate) fn ct_clear(&mut self) {
        // SAFETY: valid skb, which we own.
        unsafe { glue::ovs_rs_skb_ct_clear(self.as_ptr()) }
    }

    /// `skb_eth_pop()`.
    pub(crate) fn eth_pop(&mut self) -> Result {
        // SAFETY: valid skb, which we own.
        to_result(unsafe { glue::ovs_rs_skb_eth_pop(self.as_ptr()) })
    }

    /// `skb_clone()` for atomic context; `None` without memory.
    pub(crate) fn clone_atomic(&self) -> Option<SkBuff> {
        // SAFETY: valid skb; the clone is a new skb we own.
        unsafe { Self::from_raw(glue::ovs_rs_skb_clone(self.as_ptr())) }
    }

    /// Frees the packet as used, not dropped (`consume_skb()`).
    pub(crate) fn consume(self) {
        // SAFETY: we own the skb and hand it over.
        unsafe { glue::ovs_rs_consume_skb(self.into_raw()) }
    }

    /// Frees the packet as dropped for `reason` (`kfree_skb_reason()`),
    /// which tracing tools show by name.
    pub(crate) fn drop_for(self, reason: impl Into<SubsysDropReason>) {
        // SAFETY: we own the skb and hand it over; the glue checks the
        // index against its list.
        unsafe { glue::ovs_rs_kfree_skb_reason(self.into_raw(), reason.into().0) }
    }

    /// `skb_tx_error()` then a drop.
    pub(crate) fn tx_error(self) {
        // SAFETY: valid skb.
        unsafe { glue::ovs_rs_skb_tx_error(self.as_ptr()) };
    }

    /// `skb->dev`: the port a packet from userspace comes in by.
    pub(crate) fn set_dev(&mut self, dev: &DevRef) {
        // SAFETY: valid skb; the device is held, and an skb's `dev` is
        // not a counted reference in the kernel either.
        unsafe { glue::ovs_rs_skb_set_dev(self.as_ptr(), dev.as_ptr()) }
    }

    /// A packet from a device of another namespace than `net` loses its
    /// state but its mark (`skb_scrub_packet()`); true if it did.
    pub(crate) fn scrub_foreign(&mut self, net: NetNs<'_>) -> bool {
        // SAFETY: valid skb with a device (it was received), live `net`.
        unsafe { glue::ovs_rs_skb_scrub_foreign(self.as_ptr(), net.as_ptr()) }
    }

    /// Sends the packet out of `dev` (`do_output()` and
    /// `ovs_vport_send()` after the port lookup): `internal` ports deliver
    /// it to the host stack, a packet above the MRU leaves in IP
    /// fragments made in `net`.
    pub(crate) fn output(self, net: NetNs<'_>, dev: &DevRef, internal: bool, how: &Output) {
        // SAFETY: live namespace, held device, owned skb handed over.
        unsafe {
            glue::ovs_rs_vport_output(
                net.as_ptr(),
                dev.as_ptr(),
                internal,
                self.into_raw(),
                how.mac_proto,
                how.eth_type,
                how.mru,
                how.cutlen,
                how.min_len,
            )
        }
    }

    /// The packet as userspace must see it: the accelerated tag back in
    /// the bytes and a partial checksum completed (on a clone if needed).
    /// Completing the checksum may reallocate the head: `&mut`.
    pub(crate) fn for_upcall(&mut self) -> Result<UpcallPacket<'_>> {
        let mut clone = core::ptr::null_mut();
        let mut err: c_int = 0;
        // SAFETY: valid skb; `clone` and `err` are writable.
        let skb = unsafe { glue::ovs_rs_upcall_prepare(self.as_ptr(), &mut clone, &mut err) };
        // SAFETY: a clone made for us, or null.
        let clone = unsafe { Self::from_raw(clone) };
        if skb.is_null() {
            to_result(err)?;
            return Err(ENOMEM);
        }
        Ok(UpcallPacket { orig: self, clone })
    }

    /// Whether each segment of this GSO packet, headers included, fits
    /// `len` bytes (`skb_gso_validate_mac_len()`).
    pub(crate) fn gso_segments_fit(&self, len: u32) -> bool {
        // SAFETY: valid skb (type invariant), only read.
        unsafe { glue::ovs_rs_skb_gso_validate_mac_len(self.as_ptr(), len) }
    }

    /// Segments a GSO packet (`__skb_gso_segment()`), which may unclone
    /// or reallocate its head: `&mut`.
    pub(crate) fn gso_segments(&mut self) -> Result<Segments> {
        let mut err: c_int = 0;
        // SAFETY: valid skb; the segments are a new list we own.
        let segs = unsafe { glue::ovs_rs_skb_gso_segment(self.as_ptr(), &mut err) };
        if segs.is_null() {
            to_result(err)?;
            return Err(EINVAL);
        }
        Ok(Segments { next: segs })
    }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: we own the buffer (type invariant).
        unsafe { glue::ovs_rs_kfree_skb(self.skb.as_ptr()) }
    }
}

/// A packet ready to copy into an upcall.
pub(crate) struct UpcallPacket<'a> {
    orig: &'a mut SkBuff,
    clone: Option<SkBuff>,
}

impl UpcallPacket<'_> {
    pub(crate) fn skb(&self) -> &SkBuff {
        match &self.clone {
            Some(clone) => clone,
            None => self.orig,
        }
    }

    /// Done: a clone is freed as used.
    pub(crate) fn finish(self) {
        if let Some(c) = self.clone {
            c.consume();
        }
    }
}

/// The segments of a GSO packet, each owned once taken.
pub(crate) struct Segments {
    next: *mut bindings::sk_buff,
}

impl Iterator for Segments {
    type Item = SkBuff;

    fn next(&mut self) -> Option<SkBuff> {
        let skb = NonNull::new(self.next)?;
        // SAFETY: a segment of the list we own; taking it off the list
        // makes it ours alone.
        self.next = unsafe { glue::ovs_rs_skb_list_take_next(skb.as_ptr()) };
        Some(SkBuff { skb })
    }
}

impl Drop for Segments {
    fn drop(&mut self) {
        for skb in self.by_ref() {
            drop(skb);
        }
    }
}

impl Msg {
    /// A message for softirq context (`genlmsg_new(GFP_ATOMIC)`).
    pub(crate) fn new_atomic(payload: usize) -> Result<Self> {
        // SAFETY: no preconditions.
        let skb = unsafe { glue::ovs_rs_genlmsg_new_atomic(payload) };
        // SAFETY: a new netlink skb, ours alone.
        unsafe { Msg::from_new(NonNull::new(skb).ok_or(ENOMEM)?) }.ok_or(ENOMEM)
    }

    /// `OVS_PACKET_ATTR_PACKET` with `len` bytes of `skb` (`hlen` copied,
    /// the rest referenced), padded unless `unaligned`; ends the message.
    pub(crate) fn put_packet(
        &mut self,
        skb: &SkBuff,
        len: usize,
        hlen: usize,
        unaligned: bool,
    ) -> Result {
        // SAFETY: our message skb and a valid packet; the lengths are
        // within the packet (callers take them from it).
        to_result(unsafe {
            glue::ovs_rs_upcall_put_packet(
                self.raw(),
                skb.as_ptr(),
                len as u32,
                hlen as u32,
                unaligned,
            )
        })
    }

    /// Sends the message to `portid` in `net` (`genlmsg_unicast()`).
    pub(crate) fn unicast(self, net: NetNs<'_>, portid: u32) -> Result {
        // SAFETY: live namespace; the message is handed over.
        to_result(unsafe { glue::ovs_rs_genlmsg_unicast(net.as_ptr(), self.into_skb(), portid) })
    }
}

/// A reason of the drop reason subsystem the glue registers
/// (`SKB_DROP_REASON_SUBSYS_OPENVSWITCH`), by its index there.
#[derive(Clone, Copy)]
pub(crate) struct SubsysDropReason(u32);

impl SubsysDropReason {
    pub(crate) const fn new(index: u32) -> Self {
        SubsysDropReason(index)
    }
}

/// The drop reason subsystem's names, registered while held
/// (`drop_reasons_register_subsys()`). Registering replaces whatever
/// another module registered for the subsystem and dropping clears it:
/// take it only once nothing else can hold the subsystem.
pub(crate) struct DropReasons(());

impl DropReasons {
    pub(crate) fn register() -> Self {
        // SAFETY: no preconditions; the C module, which registers the
        // same subsystem, cannot be loaded at the same time.
        unsafe { glue::ovs_rs_drop_reasons_register() };
        DropReasons(())
    }
}

impl Drop for DropReasons {
    fn drop(&mut self) {
        // SAFETY: registered by `register`.
        unsafe { glue::ovs_rs_drop_reasons_unregister() }
    }
}

/// The modules C links against (psample.ko, nsh.ko), loaded and their
/// entry points held from module load to unload; without them psample
/// actions sample nothing and NSH push/pop fail.
pub(crate) struct Deps(());

impl Deps {
    pub(crate) fn acquire() -> Self {
        // SAFETY: process context (module init); released by the drop.
        unsafe { glue::ovs_rs_deps_acquire() };
        Deps(())
    }
}

impl Drop for Deps {
    fn drop(&mut self) {
        // SAFETY: runs at unload, after the families and the ports are
        // gone, so no packet can use them any more.
        unsafe { glue::ovs_rs_deps_release() }
    }
}

/// `skb_zerocopy_headlen()`.
pub(crate) fn zerocopy_headlen(skb: &SkBuff) -> usize {
    // SAFETY: valid skb.
    unsafe { glue::ovs_rs_skb_zerocopy_headlen(skb.as_ptr()) as usize }
}

/// This CPU's action execution nesting (C's `exec_level`), entered while
/// bottom halves are off and left when dropped; the borrow of the
/// [`BhOff`] token keeps the level from outliving them, so it is left on
/// the CPU that entered it.
pub(crate) struct ExecLevel<'bh> {
    level: i32,
    _bh: PhantomData<&'bh BhOff>,
}

impl<'bh> ExecLevel<'bh> {
    pub(crate) fn enter(_bh: &'bh BhOff) -> Self {
        // SAFETY: a per-CPU counter; bottom halves are off (the token), so
        // nothing else on this CPU runs between the increment and its use,
        // and the CPU stays the same until the drop.
        let level = unsafe { glue::ovs_rs_exec_level_enter() };
        ExecLevel {
            level,
            _bh: PhantomData,
        }
    }

    pub(crate) fn level(&self) -> i32 {
        self.level
    }
}

impl Drop for ExecLevel<'_> {
    fn drop(&mut self) {
        // SAFETY: paired with `enter`, on the same CPU (bottom halves are
        // still off: the token is borrowed).
        unsafe { glue::ovs_rs_exec_level_leave() }
    }
}

/// `get_random_u32()`.
pub(crate) fn random_u32() -> u32 {
    // SAFETY: no preconditions.
    unsafe { bindings::get_random_u32() }
}

/// This CPU's current action nesting level.
pub(crate) fn exec_level(_bh: &BhOff) -> i32 {
    // SAFETY: a per-CPU read with bottom halves off (the token), so the
    // CPU and the value are stable.
    unsafe { glue::ovs_rs_exec_level() }
}

/// The current CPU's number, stable while bottom halves are off.
pub(crate) fn this_cpu(_bh: &BhOff) -> u32 {
    // SAFETY: `smp_processor_id()` with bottom halves off (the token), so
    // preemption is off and the CPU cannot change under the caller.
    unsafe { glue::ovs_rs_smp_processor_id() }
}

/// Proof that bottom halves are off on this CPU (softirq, or
/// [`BhDisabled`]) for as long as it is borrowed: the packet path's
/// per-CPU data may be used.
pub(crate) struct BhOff {
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl BhOff {
    /// # Safety
    ///
    /// Bottom halves are disabled on this CPU until the token is dropped
    /// (a device's transmit or rx_handler, which the kernel calls so).
    pub(super) unsafe fn assume() -> Self {
        BhOff {
            _not_send: core::marker::PhantomData,
        }
    }
}

/// Bottom halves off while held (`local_bh_disable()`), as the packet
/// path expects when userspace executes a packet.
pub(crate) struct BhDisabled(BhOff);

impl BhDisabled {
    pub(crate) fn new() -> Self {
        // SAFETY: paired with the drop below.
        unsafe { glue::ovs_rs_local_bh_disable() };
        // SAFETY: disabled just above, until the drop.
        BhDisabled(unsafe { BhOff::assume() })
    }

    pub(crate) fn token(&self) -> &BhOff {
        &self.0
    }
}

impl Drop for BhDisabled {
    fn drop(&mut self) {
        // SAFETY: paired with `new`.
        unsafe { glue::ovs_rs_local_bh_enable() }
    }
}
