// SPDX-License-Identifier: GPL-2.0

//! Netfilter connection tracking, as far as a switch uses it so far:
//! zone templates with their helpers and timeout policies, and counting
//! connections per key (`nf_conncount`).
//!
//! Netfilter has no Rust bindings; the calls go through
//! `src/glue/conntrack.c`. Each type here owns what the kernel handed
//! out and gives it back exactly once when dropped.

use core::ptr::NonNull;

use kernel::{error::to_result, prelude::*, str::CStr};

use super::glue;
use super::netdev::{NetHandle, NetNs};
use super::skb::SkBuff;

/// A conntrack template for one zone (`nf_ct_tmpl_alloc()`): what a
/// `ct()` action attaches to a packet before the lookup, so the lookup
/// happens in its zone, with its helper and timeout policy. Dropping it
/// puts the helper, the timeout policy and the template, as
/// `__ovs_ct_free_action()` does; its owner must defer that until no
/// packet can still be using it (after an RCU grace period, as C frees
/// an action's).
///
/// # Invariants
///
/// `ct` came from `nf_ct_tmpl_alloc()` and is freed only by the drop;
/// `helper`, if any, is the reference `nf_ct_add_helper()` took for it
/// (and, with `nat`, the NAT helper's), put only by the drop.
/// `timeout` says a timeout policy was asked for (C then destroys it,
/// attached or not).
pub(crate) struct ZoneTemplate {
    ct: NonNull<glue::ovs_rs_nf_conn>,
    helper: Option<(NonNull<glue::ovs_rs_ct_helper>, bool)>,
    timeout: bool,
}

// SAFETY: a template is not tied to a thread; after its setup here
// (`&mut self`) it is only read (and reference-counted atomically by the
// packets that carry it), and it may be freed from any process or RCU
// callback context.
unsafe impl Send for ZoneTemplate {}
// SAFETY: as above: `&ZoneTemplate` only reads it.
unsafe impl Sync for ZoneTemplate {}

impl ZoneTemplate {
    /// A template for `zone` in `net` (`ENOMEM` if none). Sleeps.
    pub(crate) fn new(net: NetNs<'_>, zone: u16) -> Result<Self> {
        // SAFETY: `net` is alive (its type); process context.
        let ct = unsafe { glue::ovs_rs_ct_tmpl_alloc(net.as_ptr(), zone) };
        // INVARIANT: from `nf_ct_tmpl_alloc()`, just now; nothing attached.
        Ok(ZoneTemplate {
            ct: NonNull::new(ct).ok_or(ENOMEM)?,
            helper: None,
            timeout: false,
        })
    }

    /// The zone the template tracks in (`nf_ct_zone_id()`).
    pub(crate) fn zone(&self) -> u16 {
        // SAFETY: a live template (type invariant).
        unsafe { glue::ovs_rs_ct_zone_id(self.ct.as_ptr()) }
    }

    /// Marks the template confirmed, as C does for a committing action.
    pub(crate) fn confirm(&mut self) {
        // SAFETY: a live template no packet uses yet (`&mut self`).
        unsafe { glue::ovs_rs_ct_tmpl_confirm(self.ct.as_ptr()) }
    }

    /// Whether [`Self::confirm`] was called.
    pub(crate) fn confirmed(&self) -> bool {
        // SAFETY: a live template (type invariant).
        unsafe { glue::ovs_rs_ct_tmpl_confirmed(self.ct.as_ptr()) }
    }

    /// `nf_ct_set_timeout()`: attaches the timeout policy `name` (with
    /// its NUL) of `net` for protocols `family`/`proto`. The template
    /// destroys it when dropped, even when this fails, as C does.
    pub(crate) fn set_timeout(
        &mut self,
        net: NetNs<'_>,
        family: u8,
        proto: u8,
        name: &[u8],
    ) -> Result {
        let name = CStr::from_bytes_with_nul(name).map_err(|_| EINVAL)?;
        self.timeout = true;
        // SAFETY: `net` is alive (its type), the template live and not
        // yet used by packets (`&mut self`), `name` a C string; process
        // context.
        to_result(unsafe {
            glue::ovs_rs_ct_tmpl_set_timeout(
                net.as_ptr(),
                self.ct.as_ptr(),
                family,
                proto,
                name.as_char_ptr(),
            )
        })
    }

    /// `nf_ct_add_helper()`: attaches helper `name` (with its NUL) for
    /// `family`/`proto`, loading its module if need be, and with `nat`
    /// its NAT half. At most once.
    pub(crate) fn add_helper(&mut self, name: &[u8], family: u8, proto: u8, nat: bool) -> Result {
        let name = CStr::from_bytes_with_nul(name).map_err(|_| EINVAL)?;
        if self.helper.is_some() {
            return Err(EEXIST);
        }
        let mut out = core::ptr::null_mut();
        // SAFETY: the template is live and not yet used by packets
        // (`&mut self`), `name` a C string, `out` written on success;
        // process context (the module load sleeps).
        to_result(unsafe {
            glue::ovs_rs_ct_tmpl_add_helper(
                self.ct.as_ptr(),
                name.as_char_ptr(),
                family,
                proto,
                nat,
                &mut out,
            )
        })?;
        // INVARIANT: success took one reference (and one on the NAT
        // helper with `nat`), put by the drop.
        self.helper = Some((NonNull::new(out).ok_or(EINVAL)?, nat));
        Ok(())
    }

    /// Whether the template carries the helper this value attached.
    pub(crate) fn has_helper(&self) -> bool {
        // SAFETY: a live template (type invariant).
        let attached = unsafe { glue::ovs_rs_ct_tmpl_helper(self.ct.as_ptr()) };
        self.helper
            .is_some_and(|(h, _)| core::ptr::eq(attached, h.as_ptr()))
    }
}

impl Drop for ZoneTemplate {
    fn drop(&mut self) {
        if let Some((helper, nat)) = self.helper {
            // SAFETY: the reference(s) `add_helper()` took, put only here
            // (type invariant).
            unsafe { glue::ovs_rs_ct_helper_put(helper.as_ptr(), nat) }
        }
        if self.timeout {
            // SAFETY: a live template; destroying a timeout that did not
            // attach is a no-op.
            unsafe { glue::ovs_rs_ct_tmpl_destroy_timeout(self.ct.as_ptr()) }
        }
        // SAFETY: a live template, freed only here (type invariant).
        unsafe { glue::ovs_rs_ct_tmpl_free(self.ct.as_ptr()) }
    }
}

/// `OVS_CT_LABELS_LEN`.
pub(crate) const LABELS_LEN: usize = 16;
/// `NFPROTO_IPV4`, `NFPROTO_IPV6`.
const NFPROTO_IPV4: u8 = 2;
const NFPROTO_IPV6: u8 = 10;
/// `OVS_RS_CT_SET_MARK`, `OVS_RS_CT_SET_LABELS` of the glue.
const SET_MARK: u8 = 1;
const SET_LABELS: u8 = 2;

/// What a packet's connection puts in the flow key (`ovs_ct_update_key()`
/// with the NAT flags from the connection).
#[derive(Clone, Copy, Default)]
pub(crate) struct CtKey {
    pub(crate) state: u8,
    pub(crate) zone: u16,
    pub(crate) mark: u32,
    pub(crate) labels: [u8; LABELS_LEN],
    /// The (master) connection's original tuple, if it has one.
    pub(crate) orig: Option<CtTuple>,
}

/// An original tuple: addresses (IPv4 in the first 4 bytes), protocol and
/// ports as the flow key holds them (ICMP type and code as `htons()`).
#[derive(Clone, Copy)]
pub(crate) struct CtTuple {
    pub(crate) v6: bool,
    pub(crate) src: [u8; 16],
    pub(crate) dst: [u8; 16],
    pub(crate) proto: u8,
    /// Big-endian values, as in the packet.
    pub(crate) tp_src: u16,
    pub(crate) tp_dst: u16,
}

impl CtKey {
    fn from_glue(k: &glue::ovs_rs_ct_key) -> Self {
        let orig = match k.l3num {
            NFPROTO_IPV4 | NFPROTO_IPV6 => Some(CtTuple {
                v6: k.l3num == NFPROTO_IPV6,
                src: k.orig_src,
                dst: k.orig_dst,
                proto: k.orig_proto,
                tp_src: u16::from_be(k.orig_tp_src),
                tp_dst: u16::from_be(k.orig_tp_dst),
            }),
            _ => None,
        };
        CtKey {
            state: k.state,
            zone: k.zone,
            mark: k.mark,
            labels: k.labels,
            orig,
        }
    }
}

/// One `ct()` execution's parameters (`struct ovs_conntrack_info` and the
/// key's CT fields that `skb_nfct_cached()` reads).
pub(crate) struct CtParams<'a> {
    pub(crate) template: &'a ZoneTemplate,
    pub(crate) family: u8,
    pub(crate) commit: bool,
    pub(crate) force: bool,
    pub(crate) eventmask: Option<u32>,
    /// Value and mask (mask 0: leave the mark).
    pub(crate) mark: (u32, u32),
    /// Value and mask (mask 0: leave the labels).
    pub(crate) labels: ([u8; LABELS_LEN], [u8; LABELS_LEN]),
    pub(crate) key_state: u8,
    pub(crate) key_zone: u16,
    /// The key's IP protocol.
    pub(crate) key_proto: u8,
    pub(crate) nat: Option<NatParams>,
}

/// What `nf_ct_nat()` is asked for: which manipulations (none: only what
/// a connection already has) and `struct nf_nat_range2` (addresses in
/// network order, IPv4 in the first 4 bytes; ports in host order).
#[derive(Clone, Copy)]
pub(crate) struct NatParams {
    pub(crate) src: bool,
    pub(crate) dst: bool,
    pub(crate) flags: u32,
    pub(crate) min_addr: [u8; 16],
    pub(crate) max_addr: [u8; 16],
    pub(crate) min_proto: u16,
    pub(crate) max_proto: u16,
}

/// One side NAT rewrote: the new address (IPv4 in the first 4 bytes) and,
/// for UDP, TCP and SCTP, the new port (its big-endian value).
#[derive(Clone, Copy)]
pub(crate) struct NatRewrite {
    pub(crate) addr: [u8; 16],
    pub(crate) port: Option<u16>,
}

/// What NAT rewrote in a lookup (`ovs_nat_update_key()`).
#[derive(Clone, Copy, Default)]
pub(crate) struct NatDone {
    pub(crate) src: Option<NatRewrite>,
    pub(crate) dst: Option<NatRewrite>,
}

/// `OVS_RS_CT_NAT*` of the glue.
const NAT: u8 = 1;
const NAT_SRC: u8 = 2;
const NAT_DST: u8 = 4;
const NAT_SRC_PORT: u8 = 8;
const NAT_DST_PORT: u8 = 16;

impl CtParams<'_> {
    fn to_glue(&self) -> glue::ovs_rs_ct_info {
        glue::ovs_rs_ct_info {
            tmpl: self.template.ct.as_ptr(),
            family: self.family,
            commit: self.commit,
            force: self.force,
            have_eventmask: self.eventmask.is_some(),
            eventmask: self.eventmask.unwrap_or(0),
            mark: self.mark.0,
            mark_mask: self.mark.1,
            labels: self.labels.0,
            labels_mask: self.labels.1,
            key_state: self.key_state,
            key_zone: self.key_zone,
            key_proto: self.key_proto,
            nat: self.nat.map_or(0, |n| {
                NAT | if n.src { NAT_SRC } else { 0 } | if n.dst { NAT_DST } else { 0 }
            }),
            nat_flags: self.nat.map_or(0, |n| n.flags),
            nat_min_addr: self.nat.map_or([0; 16], |n| n.min_addr),
            nat_max_addr: self.nat.map_or([0; 16], |n| n.max_addr),
            nat_min_proto: self.nat.map_or(0, |n| n.min_proto),
            nat_max_proto: self.nat.map_or(0, |n| n.max_proto),
        }
    }
}

/// What a commit wrote into the connection (and so into the key).
#[derive(Clone, Copy, Default)]
pub(crate) struct CtSet {
    pub(crate) mark: Option<u32>,
    pub(crate) labels: Option<[u8; LABELS_LEN]>,
}

impl SkBuff {
    /// What the key says of the packet's connection; without one, zeros,
    /// or with `post_ct` tracked and invalid in zone `zone`.
    pub(crate) fn ct_key(&self, post_ct: bool, zone: u16) -> CtKey {
        let mut out = glue::ovs_rs_ct_key::default();
        // SAFETY: valid skb (its type); `out` is written.
        unsafe { glue::ovs_rs_ct_skb_key(self.as_ptr(), post_ct, zone, &mut out) };
        CtKey::from_glue(&out)
    }
}

/// A packet pulled to its network header and trimmed to the network
/// length, as conntrack works on it (`ovs_ct_execute()`), until
/// [`Self::leave`] pushes the link layer back.
pub(crate) struct L3Packet {
    skb: SkBuff,
    nh_ofs: u32,
}

/// The result of a conntrack step that may take the packet.
pub(crate) enum Step<T> {
    Done(L3Packet, T),
    Failed(L3Packet, Error),
    /// Conntrack kept the packet (`NF_STOLEN`).
    Stolen,
}

/// What [`L3Packet::defrag`] made of a fragment.
pub(crate) enum Defrag {
    /// The whole datagram, and its largest fragment's size (its MRU).
    Done(L3Packet, u16),
    /// Queued until its datagram is complete (`-EINPROGRESS`).
    Stolen,
    /// Conntrack freed the packet for this reason.
    Freed(Error),
}

impl L3Packet {
    /// Pulls `skb` to L3 and trims it for `family` (`NFPROTO_*`); on a
    /// failure, the packet (pulled) and why.
    pub(crate) fn enter(skb: SkBuff, family: u8) -> core::result::Result<Self, (SkBuff, Error)> {
        let mut nh_ofs = 0;
        // SAFETY: valid skb we own; `nh_ofs` is written.
        let r = unsafe { glue::ovs_rs_ct_enter_l3(skb.as_ptr(), family, &mut nh_ofs) };
        match to_result(r) {
            Ok(()) => Ok(L3Packet { skb, nh_ofs }),
            Err(e) => Err((skb, e)),
        }
    }

    /// Pushes the link layer back.
    pub(crate) fn leave(self) -> SkBuff {
        // SAFETY: valid skb we own, pulled by `nh_ofs` in `enter()`.
        unsafe { glue::ovs_rs_ct_leave_l3(self.skb.as_ptr(), self.nh_ofs) };
        self.skb
    }

    /// `nf_ct_handle_fragments()` for a fragment, in `zone` of `net`:
    /// the reassembled packet and its MRU, or conntrack keeps the
    /// fragment until the rest arrives, or it freed the packet.
    pub(crate) fn defrag(self, net: NetNs<'_>, zone: u16, family: u8) -> Defrag {
        let mut mru = 0u16;
        let raw = self.skb.as_ptr();
        // SAFETY: `net` alive (its type), `raw` a valid skb we own at L3,
        // `mru` is written; process or softirq context under RCU, as the
        // actions run.
        let r = unsafe { glue::ovs_rs_ct_defrag(net.as_ptr(), raw, zone, family, &mut mru) };
        if r == 0 {
            return Defrag::Done(self, mru);
        }
        // Queued or freed: the packet is conntrack's now.
        let _ = self.skb.into_raw();
        if r == EINPROGRESS.to_errno() {
            Defrag::Stolen
        } else {
            Defrag::Freed(Error::from_errno(r))
        }
    }

    /// Brings `len` bytes (at most the packet) from the network header
    /// into the linear head.
    pub(crate) fn pull(&mut self, len: usize) -> Result {
        self.skb.pull(len)
    }

    /// The linear head's bytes from the network header.
    pub(crate) fn head(&self) -> &[u8] {
        self.skb.head()
    }

    /// Whether the packet is UDP GSO (key extraction reads it).
    pub(crate) fn gso_udp(&self) -> bool {
        self.skb.state().gso_udp
    }

    /// Sets the transport header `ofs` bytes after the network header.
    pub(crate) fn set_transport(&mut self, ofs: usize) {
        // Extraction found it in the head: anything else is a bug.
        let fits = ofs <= self.skb.head().len();
        let Ok(ofs) = u32::try_from(ofs) else {
            kernel::warn_on!(true);
            return;
        };
        if kernel::warn_on!(!fits) {
            return;
        }
        // SAFETY: valid skb we own; `ofs` lies within its linear head.
        unsafe { glue::ovs_rs_ct_set_transport(self.skb.as_ptr(), ofs) }
    }

    fn step<T>(self, r: i32, ok: T) -> Step<T> {
        if r == EINPROGRESS.to_errno() {
            // Conntrack owns the packet now (it queued or freed it).
            let _ = self.skb.into_raw();
            return Step::Stolen;
        }
        match to_result(r) {
            Ok(()) => Step::Done(self, ok),
            Err(e) => Step::Failed(self, e),
        }
    }

    /// `__ovs_ct_lookup()` in `net`: whether the packet went through
    /// `nf_conntrack_in()` (`false`: its connection was cached), and what
    /// NAT rewrote.
    pub(crate) fn lookup(self, net: NetNs<'_>, p: &CtParams<'_>) -> Step<(bool, NatDone)> {
        let info = p.to_glue();
        let mut out = glue::ovs_rs_ct_nat_out::default();
        // SAFETY: `net` alive (its type), valid skb we own at L3, `info`
        // points to a live template (borrowed by `p`), `out` is written;
        // under RCU (the datapath runs actions in a read section).
        let r = unsafe { glue::ovs_rs_ct_lookup(net.as_ptr(), self.skb.as_ptr(), &info, &mut out) };
        let side = |done: u8, port_bit: u8, addr: [u8; 16], port: u16| NatRewrite {
            addr,
            port: (done & port_bit != 0).then(|| u16::from_be(port)),
        };
        let nat = NatDone {
            src: (out.done & NAT_SRC != 0)
                .then(|| side(out.done, NAT_SRC_PORT, out.src, out.sport)),
            dst: (out.done & NAT_DST != 0)
                .then(|| side(out.done, NAT_DST_PORT, out.dst, out.dport)),
        };
        if r > 0 {
            return Step::Done(self, (true, nat));
        }
        self.step(r, (false, nat))
    }

    /// Whether the packet has a connection not yet confirmed (one a
    /// commit would add).
    pub(crate) fn unconfirmed(&self) -> bool {
        // SAFETY: valid skb we own.
        unsafe { glue::ovs_rs_ct_unconfirmed(self.skb.as_ptr()) }
    }

    /// Queued events of the packet's connection (`ovs_ct_lookup()`).
    pub(crate) fn deliver_events(&mut self) {
        // SAFETY: valid skb we own.
        unsafe { glue::ovs_rs_ct_deliver_events(self.skb.as_ptr()) }
    }

    /// What the key says of the packet's connection after `ct()`.
    pub(crate) fn key(&self, zone: u16) -> CtKey {
        self.skb.ct_key(true, zone)
    }

    /// `ovs_ct_commit()` after the lookup and the zone limit.
    pub(crate) fn commit(self, p: &CtParams<'_>) -> Step<CtSet> {
        let info = p.to_glue();
        let mut key = glue::ovs_rs_ct_key::default();
        let mut set = 0u8;
        // SAFETY: valid skb we own at L3, `info` as in `lookup()`; `key`
        // and `set` are written.
        let r = unsafe { glue::ovs_rs_ct_commit(self.skb.as_ptr(), &info, &mut key, &mut set) };
        let mut out = CtSet::default();
        if set & SET_MARK != 0 {
            out.mark = Some(key.mark);
        }
        if set & SET_LABELS != 0 {
            out.labels = Some(key.labels);
        }
        self.step(r, out)
    }
}

/// `MAX_KEYLEN` of `nf_conncount`, in `u32`s.
const MAX_KEY_WORDS: usize = 5;

/// Connections counted per key of `N` `u32`s in one namespace
/// (`struct nf_conncount_data`), destroyed when dropped (process
/// context: destroying waits for the counter's garbage collection).
///
/// # Invariants
///
/// `data` came from `nf_conncount_init(net, N * 4)` for the namespace
/// `net` keeps, and is destroyed only by the drop.
pub(crate) struct ConnCount<const N: usize> {
    data: NonNull<glue::ovs_rs_conncount>,
    net: NetHandle,
}

// SAFETY: `nf_conncount_data` is not tied to a thread: its trees have
// their own locks and its garbage collection its own work item, and it
// may be destroyed from any process context.
unsafe impl<const N: usize> Send for ConnCount<N> {}
// SAFETY: counting (`&self`) takes the data's own locks under RCU.
unsafe impl<const N: usize> Sync for ConnCount<N> {}

impl<const N: usize> ConnCount<N> {
    const KEY_WORDS_OK: () = assert!(N >= 1 && N <= MAX_KEY_WORDS);

    /// `nf_conncount_init()`: counts for `net`, whose exit hook must drop
    /// this (it keeps a [`NetHandle`]).
    pub(crate) fn new(net: NetNs<'_>) -> Result<Self> {
        let () = Self::KEY_WORDS_OK;
        let keylen = u32::try_from(N * core::mem::size_of::<u32>()).map_err(|_| EINVAL)?;
        let mut out = core::ptr::null_mut();
        // SAFETY: `net` is alive (its type); `out` is written on success.
        to_result(unsafe { glue::ovs_rs_conncount_init(net.as_ptr(), keylen, &mut out) })?;
        let data = NonNull::new(out).ok_or(ENOMEM)?;
        // INVARIANT: from `nf_conncount_init(net, N * 4)`, just now.
        Ok(ConnCount {
            data,
            net: net.handle(),
        })
    }

    /// How many connections are counted under `key`
    /// (`nf_conncount_count_skb()` without a packet).
    pub(crate) fn count(&self, key: &[u32; N]) -> u32 {
        // SAFETY: `data` is live for `net` (type invariant), which the
        // handle keeps; the key has the `N` words the data was made for.
        unsafe {
            glue::ovs_rs_conncount_count(self.net.get().as_ptr(), self.data.as_ptr(), key.as_ptr())
        }
    }

    /// Whether these are `net`'s counts.
    pub(crate) fn is_for(&self, net: NetNs<'_>) -> bool {
        self.net.is(net)
    }

    /// How many connections are counted under `key` with the packet's
    /// (`nf_conncount_count_skb()`, which adds it), for protocol family
    /// `family`; under RCU, as the packet path runs.
    pub(crate) fn count_packet(&self, pkt: &L3Packet, family: u8, key: &[u32; N]) -> u32 {
        // SAFETY: `data` is live for `net` (type invariant), which the
        // handle keeps; a valid skb at L3 (`pkt`); the key has the `N`
        // words the data was made for; the caller's actions run under
        // the RCU read lock.
        unsafe {
            glue::ovs_rs_conncount_count_skb(
                self.net.get().as_ptr(),
                pkt.skb.as_ptr(),
                family,
                self.data.as_ptr(),
                key.as_ptr(),
            )
        }
    }
}

impl<const N: usize> Drop for ConnCount<N> {
    fn drop(&mut self) {
        // SAFETY: `data` is live for `net` and destroyed only here (type
        // invariant); dropping runs in process context.
        unsafe { glue::ovs_rs_conncount_destroy(self.net.get().as_ptr(), self.data.as_ptr()) }
    }
}

#[kunit_tests(ovs_rs_conntrack)]
mod tests {
    use super::*;

    type TestResult = core::result::Result<(), &'static str>;

    /// Templates carry their zone and free themselves.
    #[test]
    fn zone_templates() -> TestResult {
        let net = NetNs::init_net().ok_or("no init_net")?;
        for zone in [0, 1, 513, u16::MAX] {
            let mut tmpl = ZoneTemplate::new(net, zone).map_err(|_| "alloc")?;
            assert_eq!(tmpl.zone(), zone);
            assert!(!tmpl.confirmed());
            tmpl.confirm();
            assert!(tmpl.confirmed());
        }
        Ok(())
    }

    /// A helper that does not exist is refused with `EINVAL` (as C's
    /// `nf_ct_add_helper()` says) and leaves nothing to put; a timeout
    /// policy that does not exist is refused, and destroyed on drop all
    /// the same.
    #[test]
    fn unknown_helpers_and_timeouts() -> TestResult {
        let net = NetNs::init_net().ok_or("no init_net")?;
        let mut tmpl = ZoneTemplate::new(net, 7).map_err(|_| "alloc")?;
        let e = tmpl.add_helper(b"no-such-helper\0", 2, 6, false);
        assert!(e == Err(EINVAL));
        assert!(!tmpl.has_helper());
        assert!(tmpl.set_timeout(net, 2, 6, b"no-such-policy\0").is_err());
        assert!(tmpl.add_helper(b"unterminated", 2, 6, false) == Err(EINVAL));
        Ok(())
    }

    /// Fresh counts are zero for any key; several live side by side.
    #[test]
    fn conncount_starts_empty() -> TestResult {
        let net = NetNs::init_net().ok_or("no init_net")?;
        let one = ConnCount::<1>::new(net).map_err(|_| "conncount")?;
        let five = ConnCount::<5>::new(net).map_err(|_| "conncount")?;
        assert_eq!(one.count(&[0]), 0);
        assert_eq!(one.count(&[u32::MAX]), 0);
        assert_eq!(five.count(&[1, 2, 3, 4, 5]), 0);
        Ok(())
    }
}
