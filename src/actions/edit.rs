// SPDX-License-Identifier: GPL-2.0

//! The packet-byte side of the masked set actions and `dec_ttl`:
//! `execute_masked_set_action()` for Ethernet, IPv4, IPv6, TCP, UDP, SCTP
//! and MPLS, and `execute_dec_ttl()` (net/openvswitch/actions.c), pure.
//!
//! The executor hands over the packet as one linear, writable slice and
//! the skb state these functions read and write ([`Packet`]); they edit
//! the bytes, the checksum state and the flow key exactly as C does and
//! say what else C would do to the skb ([`Effects`]). The executor then
//! writes [`Packet::csum`] back to the skb.
//!
//! Assumptions about the skb, true of every packet OVS executes actions
//! on:
//!
//! - `data` starts at the MAC header (`eth_hdr(skb) == skb->data`): OVS
//!   keeps `skb->data` there while it runs actions.
//! - With `CHECKSUM_COMPLETE`, `skb->csum` covers `data` whole, MAC
//!   header included: the vports push the Ethernet header back with
//!   `skb_push_rcsum()` on receive, and `set_eth_addr()`'s own
//!   `skb_postpull_rcsum()`/`skb_postpush_rcsum()` over the addresses
//!   only make sense if it does.
//! - With `CHECKSUM_PARTIAL`, `csum_start` is not before `data`, so
//!   `skb_postpull_rcsum()` never downgrades to `CHECKSUM_NONE`.
//! - C's `transport_len >= sizeof(...)` compares an `int` with a
//!   `size_t`: a transport offset past the end would pass and C would
//!   write past the packet. That cannot happen for a key-extracted skb;
//!   here such a header is simply skipped.
//!
//! Where C answers `-ENOMEM` because `skb_ensure_writable()` or
//! `pskb_may_pull()` found the packet too short, these answer
//! [`EditError::Truncated`], at the same lengths; nothing is changed
//! then. C's allocation failures cannot happen on a slice.
//!
//! Checksum arithmetic follows C's, value for value, including its
//! `__wsum` representation (see `csum`). C's `skb->csum` gaps are kept,
//! not fixed, so the skb is exactly what C would leave:
//!
//! - Two places shift plain integers into `skb->csum`
//!   (`set_ipv6_dsfield()`, `set_ipv6_ttl()`): right on little-endian
//!   CPUs only.
//! - An IPv6 address change never updates `skb->csum`
//!   (`inet_proto_csum_replace16()` counts on the L4 checksum change to
//!   cancel it), so it goes stale when no L4 checksum is updated: UDP
//!   without checksum, later fragments, an active routing header, other
//!   protocols.
//! - `dec_ttl` on IPv6, SCTP port changes and a UDP port change without
//!   checksum leave `skb->csum` as it was, too.

#[path = "csum.rs"]
mod csum;

use crate::flow::key::{fields, Field, FlowKey};
use crate::flow::key_attrs::key_attr;
use csum::{
    csum_add, csum_fold, csum_partial, csum_replace, csum_replace2, csum_replace4, csum_sub,
    csum_unfold, wsum_negate,
};

// The `OVS_KEY_ATTR_*` types [`set_masked`] handles (the flow codec's
// numbers, so the two cannot disagree).
/// `struct ovs_key_ethernet`: {eth_src, eth_dst}.
pub const OVS_KEY_ATTR_ETHERNET: u16 = key_attr::ETHERNET;
/// `struct ovs_key_ipv4`: {src, dst, proto, tos, ttl, frag}.
pub const OVS_KEY_ATTR_IPV4: u16 = key_attr::IPV4;
/// `struct ovs_key_ipv6`: {src, dst, label, proto, tclass, hlimit, frag}.
pub const OVS_KEY_ATTR_IPV6: u16 = key_attr::IPV6;
/// `struct ovs_key_tcp`: {src, dst}.
pub const OVS_KEY_ATTR_TCP: u16 = key_attr::TCP;
/// `struct ovs_key_udp`: {src, dst}.
pub const OVS_KEY_ATTR_UDP: u16 = key_attr::UDP;
/// `struct ovs_key_mpls`: the top label stack entry.
pub const OVS_KEY_ATTR_MPLS: u16 = key_attr::MPLS;
/// `struct ovs_key_sctp`: {src, dst}.
pub const OVS_KEY_ATTR_SCTP: u16 = key_attr::SCTP;

const ETH_HLEN: usize = 14;
const ETH_ALEN: usize = 6;
const ETH_P_IP: u16 = 0x0800;
const ETH_P_IPV6: u16 = 0x86dd;
const ETH_P_MPLS_UC: u16 = 0x8847;
const ETH_P_MPLS_MC: u16 = 0x8848;
const IPV4_HLEN: usize = 20;
const IPV6_HLEN: usize = 40;
const TCP_HLEN: usize = 20;
const UDP_HLEN: usize = 8;
const SCTP_HLEN: usize = 12;
const ICMP6_HLEN: usize = 8;
const MPLS_HLEN: usize = 4;
/// Offsets of the checksum fields in their headers.
const TCP_CHECK: usize = 16;
const UDP_CHECK: usize = 6;
const ICMP6_CHECK: usize = 2;
const SCTP_CHECK: usize = 8;
const IP_OFFSET: u16 = 0x1fff;
const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;
const NEXTHDR_HOP: u8 = 0;
const NEXTHDR_ROUTING: u8 = 43;
const NEXTHDR_FRAGMENT: u8 = 44;
const NEXTHDR_AUTH: u8 = 51;
const NEXTHDR_ICMP: u8 = 58;
const NEXTHDR_NONE: u8 = 59;
const NEXTHDR_DEST: u8 = 60;
/// `IP6_MAX_EXT_HDRS_CNT`.
const IP6_MAX_EXT_HDRS_CNT: u32 = 12;
/// `CSUM_MANGLED_0`: what a UDP checksum that came out 0 is sent as.
const CSUM_MANGLED_0: u16 = 0xffff;

/// `skb->ip_summed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpSummed {
    /// `CHECKSUM_NONE` (0).
    None = 0,
    /// `CHECKSUM_UNNECESSARY` (1).
    Unnecessary = 1,
    /// `CHECKSUM_COMPLETE` (2): [`Csum::csum`] is the sum of the packet.
    Complete = 2,
    /// `CHECKSUM_PARTIAL` (3): the L4 checksum field holds the folded,
    /// non-complemented pseudo-header sum, for the device to finish.
    Partial = 3,
}

impl IpSummed {
    /// From the skb's 2-bit `ip_summed` field (higher bits ignored).
    pub fn from_raw(v: u8) -> Self {
        match v & 3 {
            0 => IpSummed::None,
            1 => IpSummed::Unnecessary,
            2 => IpSummed::Complete,
            _ => IpSummed::Partial,
        }
    }
}

/// `skb->ip_summed` and `skb->csum`, as the set functions need them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Csum {
    /// `skb->ip_summed`.
    pub ip_summed: IpSummed,
    /// `skb->csum` (a `__wsum`, native-endian as the CPU sums memory),
    /// meaningful with [`IpSummed::Complete`]: it covers all of
    /// [`Packet::data`].
    pub csum: u32,
}

/// The packet as the executor gives it.
#[derive(Debug)]
pub struct Packet<'a> {
    /// `skb->data` for `skb->len` bytes, linear and writable; starts at
    /// the MAC header.
    pub data: &'a mut [u8],
    /// `skb->mac_len`.
    pub mac_len: usize,
    /// `skb_network_offset()`.
    pub network: usize,
    /// `skb_transport_offset()`.
    pub transport: usize,
    /// `skb->protocol`, host order: `set_mpls()` and `dec_ttl` read it.
    pub protocol: u16,
    /// Read and updated; the executor writes it back to the skb.
    pub csum: Csum,
}

/// What the executor must do to the skb after a successful edit.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Effects {
    /// C called `skb_clear_hash()`.
    pub clear_hash: bool,
    /// C called `ovs_ct_clear(skb, NULL)`.
    pub ct_clear: bool,
}

/// Why an edit was refused; nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditError {
    /// `skb_ensure_writable()`/`pskb_may_pull()` failed: the packet is
    /// shorter than the header C needs. C drops it with `-ENOMEM`.
    Truncated,
    /// C's `-EINVAL`: an MPLS set on a non-MPLS skb; also (never in C,
    /// whose actions are validated) a key type this module does not
    /// handle or a payload of the wrong length.
    Invalid,
}

impl EditError {
    /// The errno C returns (positive).
    pub fn errno(&self) -> i32 {
        match self {
            EditError::Truncated => 12, // ENOMEM
            EditError::Invalid => 22,   // EINVAL
        }
    }
}

/// `execute_masked_set_action()` for the byte-editing key types
/// ([`OVS_KEY_ATTR_ETHERNET`], `IPV4`, `IPV6`, `TCP`, `UDP`, `SCTP`,
/// `MPLS`; anything else is [`EditError::Invalid`]: priority, mark and
/// tunnel are the executor's).
///
/// `value` and `mask` are the attribute's two halves (the `struct
/// ovs_key_*` each, same length); a plain `OVS_ACTION_ATTR_SET` comes
/// with an all-ones mask (validation converted it). New field values go
/// into `flow_key` as C writes them.
pub fn set_masked(
    key_type: u16,
    value: &[u8],
    mask: &[u8],
    pkt: &mut Packet<'_>,
    flow_key: &mut FlowKey,
) -> Result<Effects, EditError> {
    let len = match key_type {
        OVS_KEY_ATTR_ETHERNET => 2 * ETH_ALEN,
        OVS_KEY_ATTR_IPV4 => 12,
        OVS_KEY_ATTR_IPV6 => 40,
        OVS_KEY_ATTR_TCP | OVS_KEY_ATTR_UDP | OVS_KEY_ATTR_SCTP => 4,
        OVS_KEY_ATTR_MPLS => MPLS_HLEN,
        _ => return Err(EditError::Invalid),
    };
    if value.len() != len || mask.len() != len {
        return Err(EditError::Invalid);
    }
    let a = Attr { value, mask };
    match key_type {
        OVS_KEY_ATTR_ETHERNET => set_eth_addr(pkt, flow_key, a),
        OVS_KEY_ATTR_IPV4 => set_ipv4(pkt, flow_key, a),
        OVS_KEY_ATTR_IPV6 => set_ipv6(pkt, flow_key, a),
        OVS_KEY_ATTR_TCP => set_tcp(pkt, flow_key, a),
        OVS_KEY_ATTR_UDP => set_udp(pkt, flow_key, a),
        OVS_KEY_ATTR_SCTP => set_sctp(pkt, flow_key, a),
        _ => set_mpls(pkt, flow_key, a),
    }
}

/// `execute_dec_ttl()`'s packet part, by `skb->protocol`.
///
/// `Ok(true)`: carry on with the next action: the TTL (hop limit) was
/// decremented (IPv4 header checksum fixed, `ip.ttl` of the key
/// updated), or the packet is neither IPv4 nor IPv6 and C does nothing.
/// `Ok(false)`: it was 1 or 0 (C's `-EHOSTUNREACH`): nothing changed,
/// the caller runs the action's exception actions.
///
/// As in C, an IPv6 hop limit change does not update `skb->csum` under
/// `CHECKSUM_COMPLETE` (C's `set_ipv6_ttl()` does, `execute_dec_ttl()`
/// not).
pub fn dec_ttl(pkt: &mut Packet<'_>, flow_key: &mut FlowKey) -> Result<bool, EditError> {
    let nh = pkt.network;
    match pkt.protocol {
        ETH_P_IPV6 => {
            ensure_writable(pkt, nh.checked_add(IPV6_HLEN))?;
            let at = nh.wrapping_add(7);
            let hl = get_u8(pkt.data, at);
            if hl <= 1 {
                return Ok(false);
            }
            let hl = hl.wrapping_sub(1);
            put(pkt.data, at, &[hl]);
            flow_key.set_u8(fields::IP_TTL, hl);
        }
        ETH_P_IP => {
            ensure_writable(pkt, nh.checked_add(IPV4_HLEN))?;
            let at = nh.wrapping_add(8);
            let old = get_u8(pkt.data, at);
            if old <= 1 {
                return Ok(false);
            }
            let ttl = old.wrapping_sub(1);
            put(pkt.data, at, &[ttl]);
            let check_at = nh.wrapping_add(10);
            let mut check = get_ne16(pkt.data, check_at);
            // htons(ttl << 8): the TTL is the first byte of its word.
            csum_replace2(
                &mut check,
                u16::from_ne_bytes([old, 0]),
                u16::from_ne_bytes([ttl, 0]),
            );
            put(pkt.data, check_at, &check.to_ne_bytes());
            flow_key.set_u8(fields::IP_TTL, ttl);
        }
        _ => {}
    }
    Ok(true)
}

/// A set attribute's key and mask halves, of the validated length.
#[derive(Clone, Copy)]
struct Attr<'a> {
    value: &'a [u8],
    mask: &'a [u8],
}

impl Attr<'_> {
    /// `OVS_MASKED(old, key, mask)` (`key | (old & ~mask)`) of the `N`
    /// bytes at `at` in the attribute, bytewise (the same as C's word
    /// operations).
    fn masked<const N: usize>(&self, at: usize, old: [u8; N]) -> [u8; N] {
        let (k, m) = (self.key::<N>(at), self.mask::<N>(at));
        let mut out = old;
        for ((o, k), m) in out.iter_mut().zip(k).zip(m) {
            *o = k | (*o & !m);
        }
        out
    }

    fn key<const N: usize>(&self, at: usize) -> [u8; N] {
        get(self.value, at)
    }

    fn mask<const N: usize>(&self, at: usize) -> [u8; N] {
        get(self.mask, at)
    }

    fn mask_nonzero<const N: usize>(&self, at: usize) -> bool {
        self.mask::<N>(at).iter().any(|&b| b != 0)
    }
}

/// `N` bytes of `d` at `at`; zeros past the end (callers check bounds
/// first, so that never happens).
fn get<const N: usize>(d: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = d.get(at..) {
        for (o, s) in out.iter_mut().zip(src) {
            *o = *s;
        }
    }
    out
}

fn get_u8(d: &[u8], at: usize) -> u8 {
    d.get(at).copied().unwrap_or(0)
}

/// A `__sum16`/`__be16` as the CPU loads it.
fn get_ne16(d: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes(get(d, at))
}

fn get_be16(d: &[u8], at: usize) -> u16 {
    u16::from_be_bytes(get(d, at))
}

/// Writes `v` at `at`, as much of it as fits (all of it: callers check).
fn put(d: &mut [u8], at: usize, v: &[u8]) {
    if let Some(dst) = d.get_mut(at..) {
        for (o, s) in dst.iter_mut().zip(v) {
            *o = *s;
        }
    }
}

/// Whether `len` bytes from `at` lie within the packet.
fn fits(pkt: &Packet<'_>, at: usize, len: usize) -> bool {
    at.checked_add(len).is_some_and(|end| end <= pkt.data.len())
}

/// `skb_ensure_writable(skb, write_len)` (and `pskb_may_pull()`): fails
/// when the packet is shorter than `write_len`.
fn ensure_writable(pkt: &Packet<'_>, write_len: Option<usize>) -> Result<(), EditError> {
    match write_len {
        Some(n) if n <= pkt.data.len() => Ok(()),
        _ => Err(EditError::Truncated),
    }
}

/// `inet_proto_csum_replace4()` on the checksum field at `check_at`:
/// `from` and `to` are `__be32`s as loaded (a port is a `__be16`
/// zero-extended, as `inet_proto_csum_replace2()` passes it).
fn inet_proto_csum_replace4(
    pkt: &mut Packet<'_>,
    check_at: usize,
    from: u32,
    to: u32,
    pseudohdr: bool,
) {
    let mut sum = get_ne16(pkt.data, check_at);
    if pkt.csum.ip_summed != IpSummed::Partial {
        csum_replace4(&mut sum, from, to);
        if pkt.csum.ip_summed == IpSummed::Complete && pseudohdr {
            // The address changes once in the data, but the IP and L4
            // checksums both compensate: the data's sum moves by -diff.
            pkt.csum.csum = !csum_add(csum_sub(!pkt.csum.csum, from), to);
        }
    } else if pseudohdr {
        sum = !csum_fold(csum_add(csum_sub(csum_unfold(sum), from), to));
    } else {
        return;
    }
    put(pkt.data, check_at, &sum.to_ne_bytes());
}

/// `inet_proto_csum_replace16()` (always with a pseudo-header here). No
/// `skb->csum` change: the address and the L4 checksum cancel out.
fn inet_proto_csum_replace16(
    pkt: &mut Packet<'_>,
    check_at: usize,
    from: &[u8; 16],
    to: &[u8; 16],
) {
    let mut diff = [0u8; 32];
    for (d, s) in diff
        .iter_mut()
        .zip(from.iter().map(|b| !b).chain(to.iter().copied()))
    {
        *d = s;
    }
    let sum = get_ne16(pkt.data, check_at);
    let sum = if pkt.csum.ip_summed != IpSummed::Partial {
        csum_fold(csum_partial(&diff, !csum_unfold(sum)))
    } else {
        !csum_fold(csum_partial(&diff, csum_unfold(sum)))
    };
    put(pkt.data, check_at, &sum.to_ne_bytes());
}

/// `set_eth_addr()`.
fn set_eth_addr(
    pkt: &mut Packet<'_>,
    flow_key: &mut FlowKey,
    a: Attr<'_>,
) -> Result<Effects, EditError> {
    ensure_writable(pkt, Some(ETH_HLEN))?;
    // skb_postpull_rcsum(): the old addresses out of skb->csum.
    if pkt.csum.ip_summed == IpSummed::Complete {
        let old: [u8; 2 * ETH_ALEN] = get(pkt.data, 0);
        pkt.csum.csum = wsum_negate(csum_partial(&old, wsum_negate(pkt.csum.csum)));
    }
    // ovs_key_ethernet is {eth_src, eth_dst}; the frame has dst first.
    let src = a.masked(0, get::<ETH_ALEN>(pkt.data, ETH_ALEN));
    put(pkt.data, ETH_ALEN, &src);
    let dst = a.masked(ETH_ALEN, get::<ETH_ALEN>(pkt.data, 0));
    put(pkt.data, 0, &dst);
    // skb_postpush_rcsum(): the new ones in.
    if pkt.csum.ip_summed == IpSummed::Complete {
        let new: [u8; 2 * ETH_ALEN] = get(pkt.data, 0);
        pkt.csum.csum = csum_add(pkt.csum.csum, csum_partial(&new, 0));
    }
    flow_key.set(fields::ETH_SRC, &src);
    flow_key.set(fields::ETH_DST, &dst);
    Ok(Effects::default())
}

/// `update_ip_l4_checksum()`: the TCP or UDP checksum for an IPv4
/// address change, unless this is a later fragment (no L4 header).
fn update_ip_l4_checksum(pkt: &mut Packet<'_>, nh: usize, from: u32, to: u32) {
    if get_be16(pkt.data, nh.wrapping_add(6)) & IP_OFFSET != 0 {
        return;
    }
    let th = pkt.transport;
    match get_u8(pkt.data, nh.wrapping_add(9)) {
        IPPROTO_TCP if fits(pkt, th, TCP_HLEN) => {
            inet_proto_csum_replace4(pkt, th.wrapping_add(TCP_CHECK), from, to, true);
        }
        IPPROTO_UDP if fits(pkt, th, UDP_HLEN) => {
            let check_at = th.wrapping_add(UDP_CHECK);
            // A zero UDP checksum means none: it stays so, unless the
            // field is the pseudo-header sum of CHECKSUM_PARTIAL.
            if get_ne16(pkt.data, check_at) != 0 || pkt.csum.ip_summed == IpSummed::Partial {
                inet_proto_csum_replace4(pkt, check_at, from, to, true);
                if get_ne16(pkt.data, check_at) == 0 {
                    put(pkt.data, check_at, &CSUM_MANGLED_0.to_ne_bytes());
                }
            }
        }
        _ => {}
    }
}

/// `set_ip_addr()`: the address at `addr_at` in the IPv4 header at `nh`.
fn set_ip_addr(pkt: &mut Packet<'_>, nh: usize, addr_at: usize, new: [u8; 4], fx: &mut Effects) {
    let to = u32::from_ne_bytes(new);
    update_ip_l4_checksum(pkt, nh, u32::from_ne_bytes(get(pkt.data, addr_at)), to);
    let check_at = nh.wrapping_add(10);
    let mut check = get_ne16(pkt.data, check_at);
    // C reads *addr again here.
    csum_replace4(&mut check, u32::from_ne_bytes(get(pkt.data, addr_at)), to);
    put(pkt.data, check_at, &check.to_ne_bytes());
    fx.clear_hash = true;
    fx.ct_clear = true;
    put(pkt.data, addr_at, &new);
}

/// `ipv4_change_dsfield()` with C's own carry handling.
fn ipv4_change_dsfield(pkt: &mut Packet<'_>, nh: usize, mask: u8, value: u8) {
    let tos_at = nh.wrapping_add(1);
    let check_at = nh.wrapping_add(10);
    let tos = get_u8(pkt.data, tos_at);
    let mut check = u32::from(get_be16(pkt.data, check_at));
    let dsfield = (tos & mask) | value;
    check = check.wrapping_add(u32::from(tos));
    if check.wrapping_add(1) >> 16 != 0 {
        check = check.wrapping_add(1) & 0xffff;
    }
    check = check.wrapping_sub(u32::from(dsfield));
    check = check.wrapping_add(check >> 16);
    put(pkt.data, check_at, &(check as u16).to_be_bytes());
    put(pkt.data, tos_at, &[dsfield]);
}

/// `set_ipv4()`: `ovs_key_ipv4` is {src, dst, proto, tos, ttl, frag};
/// proto and frag cannot be set (validation refuses their masks).
fn set_ipv4(
    pkt: &mut Packet<'_>,
    flow_key: &mut FlowKey,
    a: Attr<'_>,
) -> Result<Effects, EditError> {
    let nh = pkt.network;
    ensure_writable(pkt, nh.checked_add(IPV4_HLEN))?;
    let mut fx = Effects::default();
    // Addresses change only if they differ: setting them is mostly a
    // side effect of matching on them.
    for (key_at, hdr_at, field) in [(0, 12, fields::IPV4_SRC), (4, 16, fields::IPV4_DST)] {
        if !a.mask_nonzero::<4>(key_at) {
            continue;
        }
        let addr_at = nh.wrapping_add(hdr_at);
        let old = get::<4>(pkt.data, addr_at);
        let new = a.masked(key_at, old);
        if new != old {
            set_ip_addr(pkt, nh, addr_at, new, &mut fx);
            flow_key.set(field, &new);
        }
    }
    let [tos_mask] = a.mask::<1>(9);
    if tos_mask != 0 {
        let [tos] = a.key::<1>(9);
        ipv4_change_dsfield(pkt, nh, !tos_mask, tos);
        flow_key.set_u8(fields::IP_TOS, get_u8(pkt.data, nh.wrapping_add(1)));
    }
    let [ttl_mask] = a.mask::<1>(10);
    if ttl_mask != 0 {
        // set_ip_ttl()
        let ttl_at = nh.wrapping_add(8);
        let old = get_u8(pkt.data, ttl_at);
        let [ttl] = a.masked(10, [old]);
        let check_at = nh.wrapping_add(10);
        let mut check = get_ne16(pkt.data, check_at);
        csum_replace2(
            &mut check,
            u16::from_ne_bytes([old, 0]),
            u16::from_ne_bytes([ttl, 0]),
        );
        put(pkt.data, check_at, &check.to_ne_bytes());
        put(pkt.data, ttl_at, &[ttl]);
        flow_key.set_u8(fields::IP_TTL, ttl);
    }
    Ok(fx)
}

/// `ipv6_ext_hdr()`.
fn ipv6_ext_hdr(next: u8) -> bool {
    matches!(
        next,
        NEXTHDR_HOP
            | NEXTHDR_ROUTING
            | NEXTHDR_FRAGMENT
            | NEXTHDR_AUTH
            | NEXTHDR_NONE
            | NEXTHDR_DEST
    )
}

/// Whether `ipv6_find_hdr(skb, &offset, NEXTHDR_ROUTING, NULL,
/// IP6_FH_F_SKIP_RH)` returns `NEXTHDR_ROUTING`: there is a routing
/// header with segments left, so the destination address is not the
/// final one the L4 checksum covers. Every other outcome (none found,
/// malformed, a later fragment first) is `false`.
fn has_active_routing_header(pkt: &Packet<'_>) -> bool {
    let d = &*pkt.data;
    let mut start = pkt.network.wrapping_add(IPV6_HLEN);
    let mut next = get_u8(d, pkt.network.wrapping_add(6));
    let mut count = 0;
    loop {
        // A routing header is an extension header: never found here.
        if !ipv6_ext_hdr(next) || next == NEXTHDR_NONE {
            return false;
        }
        let mut found = next == NEXTHDR_ROUTING;
        if count >= IP6_MAX_EXT_HDRS_CNT {
            return false;
        }
        count += 1;
        // struct ipv6_opt_hdr: nexthdr, hdrlen.
        if !fits(pkt, start, 2) {
            return false;
        }
        let [hp_next, hp_len] = get::<2>(d, start);
        let hdrlen = match next {
            NEXTHDR_ROUTING => {
                // struct ipv6_rt_hdr: ..., type, segments_left.
                if !fits(pkt, start, 4) {
                    return false;
                }
                if get_u8(d, start.wrapping_add(3)) == 0 {
                    found = false;
                }
                (usize::from(hp_len) + 1) << 3
            }
            NEXTHDR_FRAGMENT => {
                if !fits(pkt, start.wrapping_add(2), 2) {
                    return false;
                }
                if get_be16(d, start.wrapping_add(2)) & !7 != 0 {
                    // A later fragment: the target cannot be found.
                    return false;
                }
                8
            }
            NEXTHDR_AUTH => (usize::from(hp_len) + 2) << 2,
            _ => (usize::from(hp_len) + 1) << 3,
        };
        if found {
            return true;
        }
        // skb->len - start < hdrlen (start is within the packet here).
        if d.len().wrapping_sub(start) < hdrlen {
            return false;
        }
        next = hp_next;
        start = start.wrapping_add(hdrlen);
    }
}

/// `update_ipv6_checksum()`: the L4 checksum for an IPv6 address change;
/// `l4_proto` is the flow key's (a later fragment's is
/// `NEXTHDR_FRAGMENT`: no L4 header).
fn update_ipv6_checksum(pkt: &mut Packet<'_>, l4_proto: u8, from: &[u8; 16], to: &[u8; 16]) {
    let th = pkt.transport;
    match l4_proto {
        IPPROTO_TCP if fits(pkt, th, TCP_HLEN) => {
            inet_proto_csum_replace16(pkt, th.wrapping_add(TCP_CHECK), from, to);
        }
        IPPROTO_UDP if fits(pkt, th, UDP_HLEN) => {
            let check_at = th.wrapping_add(UDP_CHECK);
            if get_ne16(pkt.data, check_at) != 0 || pkt.csum.ip_summed == IpSummed::Partial {
                inet_proto_csum_replace16(pkt, check_at, from, to);
                if get_ne16(pkt.data, check_at) == 0 {
                    put(pkt.data, check_at, &CSUM_MANGLED_0.to_ne_bytes());
                }
            }
        }
        NEXTHDR_ICMP if fits(pkt, th, ICMP6_HLEN) => {
            inet_proto_csum_replace16(pkt, th.wrapping_add(ICMP6_CHECK), from, to);
        }
        _ => {}
    }
}

/// `set_ipv6_addr()`.
fn set_ipv6_addr(
    pkt: &mut Packet<'_>,
    l4_proto: u8,
    addr_at: usize,
    new: &[u8; 16],
    recalculate_csum: bool,
    fx: &mut Effects,
) {
    if recalculate_csum {
        let old = get::<16>(pkt.data, addr_at);
        update_ipv6_checksum(pkt, l4_proto, &old, new);
    }
    fx.clear_hash = true;
    fx.ct_clear = true;
    put(pkt.data, addr_at, new);
}

/// `set_ipv6()`: `ovs_key_ipv6` is {src[16], dst[16], label (be32),
/// proto, tclass, hlimit, frag}.
fn set_ipv6(
    pkt: &mut Packet<'_>,
    flow_key: &mut FlowKey,
    a: Attr<'_>,
) -> Result<Effects, EditError> {
    let nh = pkt.network;
    ensure_writable(pkt, nh.checked_add(IPV6_HLEN))?;
    let mut fx = Effects::default();
    let l4_proto = flow_key.get_u8(fields::IP_PROTO);
    if a.mask_nonzero::<16>(0) {
        let addr_at = nh.wrapping_add(8);
        let old = get::<16>(pkt.data, addr_at);
        let new = a.masked(0, old);
        if new != old {
            set_ipv6_addr(pkt, l4_proto, addr_at, &new, true, &mut fx);
            flow_key.set(fields::IPV6_SRC, &new);
        }
    }
    if a.mask_nonzero::<16>(16) {
        let addr_at = nh.wrapping_add(24);
        let old = get::<16>(pkt.data, addr_at);
        let new = a.masked(16, old);
        if new != old {
            // Behind a routing header with segments left, the L4
            // checksum covers the final destination, not this one.
            let recalc = !(ipv6_ext_hdr(get_u8(pkt.data, nh.wrapping_add(6)))
                && has_active_routing_header(pkt));
            set_ipv6_addr(pkt, l4_proto, addr_at, &new, recalc, &mut fx);
            flow_key.set(fields::IPV6_DST, &new);
        }
    }
    let [tclass_mask] = a.mask::<1>(37);
    if tclass_mask != 0 {
        let [tclass] = a.key::<1>(37);
        set_ipv6_dsfield(pkt, nh, tclass, tclass_mask);
        flow_key.set_u8(fields::IP_TOS, ipv6_get_dsfield(pkt.data, nh));
    }
    if a.mask_nonzero::<4>(32) {
        let fl = u32::from_be_bytes(a.key(32));
        let fl_mask = u32::from_be_bytes(a.mask(32));
        set_ipv6_fl(pkt, nh, fl, fl_mask);
        // *(__be32 *)nh & htonl(IPV6_FLOWINFO_FLOWLABEL)
        let [_, b1, b2, b3] = get::<4>(pkt.data, nh);
        flow_key.set(fields::IPV6_LABEL, &[0, b1 & 0x0f, b2, b3]);
    }
    let [hlimit_mask] = a.mask::<1>(38);
    if hlimit_mask != 0 {
        // set_ipv6_ttl()
        let at = nh.wrapping_add(7);
        let old = get_u8(pkt.data, at);
        let [hl] = a.masked(38, [old]);
        if pkt.csum.ip_summed == IpSummed::Complete {
            csum_replace(&mut pkt.csum.csum, u32::from(old) << 8, u32::from(hl) << 8);
        }
        put(pkt.data, at, &[hl]);
        flow_key.set_u8(fields::IP_TTL, hl);
    }
    Ok(fx)
}

/// `ipv6_get_dsfield()`: the traffic class.
fn ipv6_get_dsfield(d: &[u8], nh: usize) -> u8 {
    (get_be16(d, nh) >> 4) as u8
}

/// `set_ipv6_dsfield()`.
fn set_ipv6_dsfield(pkt: &mut Packet<'_>, nh: usize, tclass: u8, mask: u8) {
    let old = ipv6_get_dsfield(pkt.data, nh);
    let new = tclass | (old & !mask);
    if pkt.csum.ip_summed == IpSummed::Complete {
        csum_replace(
            &mut pkt.csum.csum,
            u32::from(old) << 12,
            u32::from(new) << 12,
        );
    }
    // ipv6_change_dsfield(nh, ~mask, new)
    let keep = (u16::from(!mask) << 4) | 0xf00f;
    let w = (get_be16(pkt.data, nh) & keep) | (u16::from(new) << 4);
    put(pkt.data, nh, &w.to_be_bytes());
}

/// `set_ipv6_fl()`: the flow label, with the traffic class's low nibble
/// that shares its first byte (the mask never covers it).
fn set_ipv6_fl(pkt: &mut Packet<'_>, nh: usize, fl: u32, mask: u32) {
    let [_, b1, b2, b3] = get::<4>(pkt.data, nh);
    let ofl = u32::from_be_bytes([0, b1, b2, b3]);
    let fl = fl | (ofl & !mask);
    let [_, n1, n2, n3] = fl.to_be_bytes();
    put(pkt.data, nh.wrapping_add(1), &[n1, n2, n3]);
    if pkt.csum.ip_summed == IpSummed::Complete {
        csum_replace(
            &mut pkt.csum.csum,
            u32::from_ne_bytes(ofl.to_be_bytes()),
            u32::from_ne_bytes(fl.to_be_bytes()),
        );
    }
}

/// `set_tp_port()`: a port at `port_at` and its effect on the checksum
/// at `check_at` (no pseudo-header: `skb->csum` is unaffected, and a
/// `CHECKSUM_PARTIAL` field does not cover ports).
fn set_tp_port(
    pkt: &mut Packet<'_>,
    port_at: usize,
    new: [u8; 2],
    check_at: usize,
    fx: &mut Effects,
) {
    fx.ct_clear = true;
    let old = get_ne16(pkt.data, port_at);
    inet_proto_csum_replace4(
        pkt,
        check_at,
        u32::from(old),
        u32::from(u16::from_ne_bytes(new)),
        false,
    );
    put(pkt.data, port_at, &new);
}

/// `set_tcp()`: `ovs_key_tcp` is {src, dst}.
fn set_tcp(
    pkt: &mut Packet<'_>,
    flow_key: &mut FlowKey,
    a: Attr<'_>,
) -> Result<Effects, EditError> {
    let th = pkt.transport;
    ensure_writable(pkt, th.checked_add(TCP_HLEN))?;
    let mut fx = Effects::default();
    let check_at = th.wrapping_add(TCP_CHECK);
    for (key_at, field) in [(0, fields::TP_SRC), (2, fields::TP_DST)] {
        let port_at = th.wrapping_add(key_at);
        let old = get::<2>(pkt.data, port_at);
        let new = a.masked(key_at, old);
        if new != old {
            set_tp_port(pkt, port_at, new, check_at, &mut fx);
            flow_key.set(field, &new);
        }
    }
    fx.clear_hash = true;
    Ok(fx)
}

/// `set_udp()`: `ovs_key_udp` is {src, dst}.
fn set_udp(
    pkt: &mut Packet<'_>,
    flow_key: &mut FlowKey,
    a: Attr<'_>,
) -> Result<Effects, EditError> {
    let th = pkt.transport;
    ensure_writable(pkt, th.checked_add(UDP_HLEN))?;
    let mut fx = Effects::default();
    let check_at = th.wrapping_add(UDP_CHECK);
    let src = a.masked(0, get::<2>(pkt.data, th));
    let dst = a.masked(2, get::<2>(pkt.data, th.wrapping_add(2)));
    if get_ne16(pkt.data, check_at) != 0 && pkt.csum.ip_summed != IpSummed::Partial {
        for (port_at, new, field) in [
            (th, src, fields::TP_SRC),
            (th.wrapping_add(2), dst, fields::TP_DST),
        ] {
            if new != get::<2>(pkt.data, port_at) {
                set_tp_port(pkt, port_at, new, check_at, &mut fx);
                flow_key.set(field, &new);
            }
        }
        if get_ne16(pkt.data, check_at) == 0 {
            put(pkt.data, check_at, &CSUM_MANGLED_0.to_ne_bytes());
        }
    } else {
        // No checksum, or one that does not cover the ports.
        put(pkt.data, th, &src);
        put(pkt.data, th.wrapping_add(2), &dst);
        flow_key.set(fields::TP_SRC, &src);
        flow_key.set(fields::TP_DST, &dst);
        fx.ct_clear = true;
    }
    fx.clear_hash = true;
    Ok(fx)
}

/// `sctp_compute_cksum()`: CRC32c from `sh` to the end with the checksum
/// field taken as zero, as the field's (little-endian) bytes.
fn sctp_compute_cksum(d: &[u8], sh: usize) -> [u8; 4] {
    let check_at = sh.wrapping_add(SCTP_CHECK);
    let crc = csum::crc32c(!0, d.get(sh..check_at).unwrap_or(&[]));
    let crc = csum::crc32c(crc, &[0; 4]);
    let crc = csum::crc32c(crc, d.get(check_at.wrapping_add(4)..).unwrap_or(&[]));
    (!crc).to_le_bytes()
}

/// `set_sctp()`: `ovs_key_sctp` is {src, dst}. The CRC covers the whole
/// packet, so C recomputes it, keeping any error the old one had.
/// `skb->csum` is not updated, as in C.
fn set_sctp(
    pkt: &mut Packet<'_>,
    flow_key: &mut FlowKey,
    a: Attr<'_>,
) -> Result<Effects, EditError> {
    let sh = pkt.transport;
    ensure_writable(pkt, sh.checked_add(SCTP_HLEN))?;
    let check_at = sh.wrapping_add(SCTP_CHECK);
    let old_csum = get::<4>(pkt.data, check_at);
    let old_correct = sctp_compute_cksum(pkt.data, sh);
    let src = a.masked(0, get::<2>(pkt.data, sh));
    put(pkt.data, sh, &src);
    let dst = a.masked(2, get::<2>(pkt.data, sh.wrapping_add(2)));
    put(pkt.data, sh.wrapping_add(2), &dst);
    let new_csum = sctp_compute_cksum(pkt.data, sh);
    let mut carried = [0u8; 4];
    for (((c, o), oc), n) in carried
        .iter_mut()
        .zip(old_csum)
        .zip(old_correct)
        .zip(new_csum)
    {
        *c = o ^ oc ^ n;
    }
    put(pkt.data, check_at, &carried);
    flow_key.set(fields::TP_SRC, &src);
    flow_key.set(fields::TP_DST, &dst);
    Ok(Effects {
        clear_hash: true,
        ct_clear: true,
    })
}

/// `key->mpls.lse[0]`.
const MPLS_LSE0: Field = Field {
    offset: fields::MPLS_LSE.offset,
    len: MPLS_HLEN,
};

/// `set_mpls()` with `skb_mpls_update_lse()`: the top label stack entry,
/// at the network header.
fn set_mpls(
    pkt: &mut Packet<'_>,
    flow_key: &mut FlowKey,
    a: Attr<'_>,
) -> Result<Effects, EditError> {
    let at = pkt.network;
    ensure_writable(pkt, at.checked_add(MPLS_HLEN))?;
    let old = get::<4>(pkt.data, at);
    let lse = a.masked(0, old);
    if !matches!(pkt.protocol, ETH_P_MPLS_UC | ETH_P_MPLS_MC) {
        return Err(EditError::Invalid);
    }
    ensure_writable(pkt, pkt.mac_len.checked_add(MPLS_HLEN))?;
    if pkt.csum.ip_summed == IpSummed::Complete {
        let mut diff = [0u8; 8];
        for (d, s) in diff.iter_mut().zip(old.iter().map(|b| !b).chain(lse)) {
            *d = s;
        }
        pkt.csum.csum = csum_partial(&diff, pkt.csum.csum);
    }
    put(pkt.data, at, &lse);
    flow_key.set(MPLS_LSE0, &lse);
    Ok(Effects::default())
}

/// `NSH_HDR_MAX_LEN`: the longest NSH header (63 words).
pub const NSH_HDR_MAX_LEN: usize = 252;
const NSH_BASE_HDR_LEN: usize = 8;
/// `OVS_NSH_KEY_ATTR_*`.
const NSH_KEY_ATTR_BASE: u16 = 1;
const NSH_KEY_ATTR_MD1: u16 = 2;
const NSH_KEY_ATTR_MD2: u16 = 3;

/// `nsh_hdr_from_nlattr()`: the NSH header a push_nsh action's
/// `OVS_KEY_ATTR_NSH` nest describes, written to the front of `out`;
/// returns its length. As in C the next-protocol field is the nest's (the
/// push sets the real one), metadata too long for the header is
/// [`EditError::Truncated`] (`ENOBUFS` in C; validated flows never have
/// it) and an unknown attribute [`EditError::Invalid`].
pub fn nsh_header(nest: &[u8], out: &mut [u8; NSH_HDR_MAX_LEN]) -> Result<usize, EditError> {
    let mut flags = 0u8;
    let mut ttl = 0u8;
    let mut mdlen = 0usize;
    for a in crate::netlink::attr::Attrs::new(nest) {
        let p = a.payload();
        match a.kind() {
            NSH_KEY_ATTR_BASE => {
                // struct ovs_nsh_key_base: flags, ttl, mdtype, np, path_hdr.
                let base = p.get(..8).ok_or(EditError::Invalid)?;
                flags = base.first().copied().unwrap_or(0);
                ttl = base.get(1).copied().unwrap_or(0);
                if let (Some(dst), Some(src)) = (out.get_mut(2..8), base.get(2..8)) {
                    dst.copy_from_slice(src);
                }
            }
            NSH_KEY_ATTR_MD1 | NSH_KEY_ATTR_MD2 => {
                mdlen = p.len();
                let dst = out
                    .get_mut(NSH_BASE_HDR_LEN..NSH_BASE_HDR_LEN + mdlen)
                    .ok_or(EditError::Truncated)?;
                dst.copy_from_slice(p);
            }
            _ => return Err(EditError::Invalid),
        }
    }
    // nsh_set_flags_ttl_len() on a zeroed word: version 0; the length in
    // words, through C's u8 parameter.
    let len = ((NSH_BASE_HDR_LEN + mdlen) as u8) >> 2;
    let word = ((u16::from(flags) << 12) & 0x3000)
        | ((u16::from(ttl) << 6) & 0x0fc0)
        | (u16::from(len) & 0x003f);
    if let Some(dst) = out.get_mut(0..2) {
        dst.copy_from_slice(&word.to_be_bytes());
    }
    Ok(NSH_BASE_HDR_LEN + mdlen)
}

#[path = "edit/tests.rs"]
mod tests;
