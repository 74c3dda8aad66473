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

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_actions_edit))]
#[cfg_attr(not(MODULE), cfg(test))]
mod tests {
    use super::*;
    use crate::flow::extract::{extract, CtMeta, MacProto, PacketMeta, SkbState};

    type TestResult = core::result::Result<(), &'static str>;

    fn check(ok: bool, what: &'static str) -> TestResult {
        if ok {
            Ok(())
        } else {
            Err(what)
        }
    }

    const DST: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
    const SRC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
    const SRC4: [u8; 4] = [192, 168, 1, 10];
    const DST4: [u8; 4] = [10, 0, 0, 2];
    const SRC6: [u8; 16] = [
        0xfd, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef,
    ];
    const DST6: [u8; 16] = [
        0xfd, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0, 0, 0, 0, 0xca, 0xfe, 0xf0, 0x0d,
    ];
    /// The final destination in the routing header of [`Frame::routing`].
    const FINAL6: [u8; 16] = [0xfd, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x77, 0x01];
    /// Odd-sized, so sums have a padded tail byte.
    const PAYLOAD: &[u8] = b"hello, world!";

    /// How a frame's L4 checksum is filled in.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum L4Sum {
        /// The correct checksum.
        Full,
        /// Zero (UDP: no checksum).
        Zero,
        /// The folded pseudo-header sum, as `CHECKSUM_PARTIAL` leaves it.
        Partial,
    }

    /// A frame built in place (KUnit tests do not allocate), with the
    /// offsets the executor would pass.
    #[derive(Clone)]
    struct Frame {
        b: [u8; 256],
        n: usize,
        nh: usize,
        th: usize,
        proto: u16,
        v6: bool,
        l4: u8,
        /// The pseudo-header's destination when a routing header says
        /// so.
        final_dst: Option<[u8; 16]>,
    }

    impl Frame {
        fn eth(ty: u16) -> Self {
            let mut f = Frame {
                b: [0; 256],
                n: 0,
                nh: 14,
                th: 14,
                proto: ty,
                v6: false,
                l4: 0,
                final_dst: None,
            };
            f.put(&DST).put(&SRC).be16(ty);
            f
        }

        fn put(&mut self, s: &[u8]) -> &mut Self {
            for &x in s {
                if let Some(d) = self.b.get_mut(self.n) {
                    *d = x;
                    self.n += 1;
                }
            }
            self
        }

        fn be16(&mut self, v: u16) -> &mut Self {
            self.put(&v.to_be_bytes())
        }

        fn set(&mut self, at: usize, v: &[u8]) {
            put(&mut self.b, at, v);
        }

        fn at<const N: usize>(&self, at: usize) -> [u8; N] {
            get(self.bytes(), at)
        }

        fn bytes(&self) -> &[u8] {
            self.b.get(..self.n).unwrap_or(&[])
        }

        fn cut(&mut self, n: usize) {
            self.n = self.n.min(n);
        }

        /// IPv4, 20 bytes: ToS 0x1c, TTL 64, SRC4 > DST4.
        fn ipv4(&mut self, proto: u8, frag_off: u16) -> &mut Self {
            self.nh = self.n;
            self.l4 = proto;
            self.put(&[0x45, 0x1c, 0, 0, 0x12, 0x34])
                .be16(frag_off)
                .put(&[64, proto, 0, 0])
                .put(&SRC4)
                .put(&DST4);
            self.th = self.n;
            self
        }

        /// IPv6: traffic class 0xab, flow label 0x12345, hop limit 33.
        fn ipv6(&mut self, next: u8) -> &mut Self {
            self.nh = self.n;
            self.v6 = true;
            self.put(&[0x6a, 0xb1, 0x23, 0x45, 0, 0, next, 33])
                .put(&SRC6)
                .put(&DST6);
            self.th = self.n;
            self
        }

        /// A routing header (type 0) with one address, FINAL6.
        fn routing(&mut self, next: u8, segments_left: u8) -> &mut Self {
            self.put(&[next, 2, 0, segments_left, 0, 0, 0, 0])
                .put(&FINAL6);
            self.final_dst = Some(FINAL6);
            self
        }

        /// An option-style extension header of `(len + 1) * 8` bytes.
        fn ext(&mut self, next: u8, len: u8) -> &mut Self {
            self.put(&[next, len]);
            for _ in 0..(usize::from(len) + 1) * 8 - 2 {
                self.put(&[0]);
            }
            self
        }

        /// A fragment header: offset in 8-byte units.
        fn frag(&mut self, next: u8, offset: u16, more: bool) -> &mut Self {
            self.put(&[next, 0])
                .be16((offset << 3) | u16::from(more))
                .put(&[0, 0, 0, 1])
        }

        /// TCP 0x1234 > 80, then PAYLOAD.
        fn tcp(&mut self) -> &mut Self {
            self.th = self.n;
            self.l4 = IPPROTO_TCP;
            self.put(&[0x12, 0x34, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18])
                .put(&[0x20, 0, 0, 0, 0, 0])
                .put(PAYLOAD)
        }

        /// UDP 5353 > 53, then PAYLOAD.
        fn udp(&mut self) -> &mut Self {
            self.th = self.n;
            self.l4 = IPPROTO_UDP;
            let len = (UDP_HLEN + PAYLOAD.len()) as u16;
            self.put(&[0x14, 0xe9, 0, 53])
                .be16(len)
                .put(&[0, 0])
                .put(PAYLOAD)
        }

        /// An ICMPv6 echo request.
        fn icmp6(&mut self) -> &mut Self {
            self.th = self.n;
            self.l4 = NEXTHDR_ICMP;
            self.put(&[128, 0, 0, 0, 0, 7, 0, 1]).put(PAYLOAD)
        }

        /// SCTP 5000 > 6000 with a DATA-ish chunk; its CRC from
        /// [`Frame::finish`].
        fn sctp(&mut self) -> &mut Self {
            self.th = self.n;
            self.l4 = 132;
            self.put(&[0x13, 0x88, 0x17, 0x70, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0])
                .put(&[0, 3, 0, 16, 0, 0, 0, 1, 0, 0, 0, 0, 0xa, 0xb, 0xc, 0xd])
        }

        /// Sets the lengths and the checksums.
        fn finish(&mut self, l4: L4Sum) -> &mut Self {
            let total = self.n.saturating_sub(self.nh) as u16;
            if self.v6 {
                self.set(self.nh + 4, &total.saturating_sub(40).to_be_bytes());
            } else {
                self.set(self.nh + 2, &total.to_be_bytes());
                self.set(self.nh + 10, &[0, 0]);
                let hdr = self.bytes().get(self.nh..self.nh + 20).unwrap_or(&[]);
                let sum = !fold(sum_be(hdr));
                self.set(self.nh + 10, &sum.to_be_bytes());
            }
            let th = self.th;
            if self.l4 == 132 {
                let crc = sctp_crc(self.bytes(), th);
                self.set(th + 8, &crc.to_le_bytes());
                return self;
            }
            let Some(check_at) = l4_check_at(self.l4).map(|o| th + o) else {
                return self;
            };
            self.set(check_at, &[0, 0]);
            let sum = match l4 {
                L4Sum::Zero => 0,
                L4Sum::Partial => fold(pseudo(self, self.bytes())),
                L4Sum::Full => {
                    let body = self.bytes().get(th..).unwrap_or(&[]);
                    let s = !fold(pseudo(self, self.bytes()) + sum_be(body));
                    // A computed 0 goes out as 0xffff (UDP).
                    if s == 0 {
                        0xffff
                    } else {
                        s
                    }
                }
            };
            self.set(check_at, &sum.to_be_bytes());
            self
        }

        /// The packet as the executor would pass it, and the initial
        /// `skb->csum` for `CHECKSUM_COMPLETE`.
        fn pkt(&mut self, ip_summed: IpSummed) -> Packet<'_> {
            let csum = complete_of(self.bytes());
            Packet {
                mac_len: 14,
                network: self.nh,
                transport: self.th,
                protocol: self.proto,
                csum: Csum { ip_summed, csum },
                data: self.b.get_mut(..self.n).unwrap_or(&mut []),
            }
        }
    }

    fn l4_check_at(proto: u8) -> Option<usize> {
        match proto {
            IPPROTO_TCP => Some(TCP_CHECK),
            IPPROTO_UDP => Some(UDP_CHECK),
            NEXTHDR_ICMP => Some(ICMP6_CHECK),
            _ => None,
        }
    }

    // From-scratch references, in big-endian arithmetic, independent of
    // the code under test.

    /// The sum of big-endian 16-bit words (odd tail padded).
    fn sum_be(d: &[u8]) -> u32 {
        d.chunks(2)
            .map(|c| match c {
                [a, b] => u32::from(u16::from_be_bytes([*a, *b])),
                [a] => u32::from(*a) << 8,
                _ => 0,
            })
            .fold(0u32, u32::wrapping_add)
    }

    /// End-around fold to 16 bits (not inverted).
    fn fold(mut s: u32) -> u16 {
        while s > 0xffff {
            s = (s & 0xffff) + (s >> 16);
        }
        s as u16
    }

    /// Equal as one's-complement numbers (0 and 0xffff both zero).
    fn ones_eq(a: u16, b: u16) -> bool {
        u32::from(a) % 0xffff == u32::from(b) % 0xffff
    }

    /// The pseudo-header sum of `f`'s L4 packet, addresses as now in `d`.
    fn pseudo(f: &Frame, d: &[u8]) -> u32 {
        let l4_len = d.len().saturating_sub(f.th) as u32;
        let proto = u32::from(f.l4);
        if f.v6 {
            let dst = f.final_dst.unwrap_or_else(|| get(d, f.nh + 24));
            sum_be(&get::<16>(d, f.nh + 8)) + sum_be(&dst) + l4_len + proto
        } else {
            sum_be(&get::<8>(d, f.nh + 12)) + l4_len + proto
        }
    }

    fn ip4_ok(d: &[u8], nh: usize) -> bool {
        fold(sum_be(d.get(nh..nh + 20).unwrap_or(&[]))) == 0xffff
    }

    /// The L4 checksum (with pseudo-header) verifies.
    fn l4_ok(f: &Frame) -> bool {
        let d = f.bytes();
        let body = d.get(f.th..).unwrap_or(&[]);
        fold(pseudo(f, d) + sum_be(body)) == 0xffff
    }

    /// The L4 checksum field holds the pseudo-header sum.
    fn l4_partial_ok(f: &Frame) -> bool {
        let at = l4_check_at(f.l4).unwrap_or(0);
        ones_eq(
            u16::from_be_bytes(f.at(f.th + at)),
            fold(pseudo(f, f.bytes())),
        )
    }

    fn l4_check(f: &Frame) -> [u8; 2] {
        f.at(f.th + l4_check_at(f.l4).unwrap_or(0))
    }

    /// `skb->csum` of `d` as C keeps it: the native-endian sum.
    fn complete_of(d: &[u8]) -> u32 {
        u32::from(u16::from_ne_bytes(fold(sum_be(d)).to_be_bytes()))
    }

    /// `csum` is the sum of all of `d`.
    fn complete_ok(csum: Csum, d: &[u8]) -> bool {
        let native = fold(csum.csum);
        let be = u16::from_be_bytes(native.to_ne_bytes());
        csum.ip_summed == IpSummed::Complete && ones_eq(be, fold(sum_be(d)))
    }

    /// CRC32c, bit by bit.
    fn crc32c_ref(parts: &[&[u8]]) -> u32 {
        let mut c = !0u32;
        for part in parts {
            for &b in *part {
                c ^= u32::from(b);
                for _ in 0..8 {
                    c = if c & 1 != 0 {
                        (c >> 1) ^ 0x82f6_3b78
                    } else {
                        c >> 1
                    };
                }
            }
        }
        !c
    }

    /// The correct SCTP checksum of the packet at `sh`.
    fn sctp_crc(d: &[u8], sh: usize) -> u32 {
        crc32c_ref(&[
            d.get(sh..sh + 8).unwrap_or(&[]),
            &[0; 4],
            d.get(sh + 12..).unwrap_or(&[]),
        ])
    }

    fn key_of(d: &[u8]) -> Result<FlowKey, &'static str> {
        let meta = PacketMeta {
            in_port: 1,
            priority: 0,
            skb_mark: 0,
            recirc_id: 0,
            mac_proto: MacProto::Ethernet,
            skb: SkbState::default(),
            ct: CtMeta::default(),
        };
        let mut key = FlowKey::default();
        extract(d, &meta, &mut key).map_err(|_| "extract failed")?;
        Ok(key)
    }

    /// The key C leaves is the key of the edited packet.
    fn key_matches(key: &FlowKey, f: &Frame) -> bool {
        key_of(f.bytes()).is_ok_and(|k| k == *key)
    }

    /// Runs one set action on `f`.
    fn apply(
        f: &mut Frame,
        ip_summed: IpSummed,
        ty: u16,
        value: &[u8],
        mask: &[u8],
        key: &mut FlowKey,
    ) -> (Result<Effects, EditError>, Csum) {
        let mut p = f.pkt(ip_summed);
        let r = set_masked(ty, value, mask, &mut p, key);
        (r, p.csum)
    }

    fn ipv4_attr(src: [u8; 4], dst: [u8; 4], tos: u8, ttl: u8) -> [u8; 12] {
        let mut a = [0u8; 12];
        put(&mut a, 0, &src);
        put(&mut a, 4, &dst);
        put(&mut a, 9, &[tos, ttl]);
        a
    }

    fn ipv6_attr(src: [u8; 16], dst: [u8; 16], label: u32, tclass: u8, hl: u8) -> [u8; 40] {
        let mut a = [0u8; 40];
        put(&mut a, 0, &src);
        put(&mut a, 16, &dst);
        put(&mut a, 32, &label.to_be_bytes());
        put(&mut a, 37, &[tclass, hl]);
        a
    }

    fn ports(src: u16, dst: u16) -> [u8; 4] {
        let [a, b] = src.to_be_bytes();
        let [c, d] = dst.to_be_bytes();
        [a, b, c, d]
    }

    const ALL: Effects = Effects {
        clear_hash: true,
        ct_clear: true,
    };

    fn tcp4() -> Frame {
        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(IPPROTO_TCP, 0).tcp().finish(L4Sum::Full);
        f
    }

    fn udp4(l4: L4Sum) -> Frame {
        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(IPPROTO_UDP, 0).udp().finish(l4);
        f
    }

    fn tcp6() -> Frame {
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(IPPROTO_TCP).tcp().finish(L4Sum::Full);
        f
    }

    fn udp6(l4: L4Sum) -> Frame {
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(IPPROTO_UDP).udp().finish(l4);
        f
    }

    // The checksum primitives.

    /// A simple deterministic generator for test inputs.
    fn lcg(s: &mut u32) -> u32 {
        *s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        *s
    }

    #[test]
    fn fold_matches_the_generic_formula() -> TestResult {
        let generic = |sum: u32| ((!sum).wrapping_sub(sum.rotate_right(16)) >> 16) as u16;
        let mut s = 1;
        for v in [
            0,
            1,
            0xffff,
            0x1_0000,
            0xffff_0000,
            0xffff_ffff,
            0xfffe_0001,
        ] {
            check(csum_fold(v) == generic(v), "edge values")?;
        }
        for _ in 0..10_000 {
            let v = lcg(&mut s);
            check(csum_fold(v) == generic(v), "random values")?;
        }
        Ok(())
    }

    #[test]
    fn partial_sums_are_the_ones_complement_sum() -> TestResult {
        let mut buf = [0u8; 200];
        let mut s = 7;
        for b in buf.iter_mut() {
            *b = lcg(&mut s) as u8;
        }
        for len in 0..buf.len() {
            let d = buf.get(..len).unwrap_or(&[]);
            let init = lcg(&mut s);
            // Native 16-bit words, as the CPU adds them.
            let mut r = u64::from(init);
            for c in d.chunks(2) {
                let w = match c {
                    [a, b] => u16::from_ne_bytes([*a, *b]),
                    [a] => u16::from_ne_bytes([*a, 0]),
                    _ => 0,
                };
                r += u64::from(w);
            }
            check(
                u64::from(csum_partial(d, init)) % 0xffff == r % 0xffff,
                "csum_partial",
            )?;
        }
        check(csum_partial(&[0; 12], 0) == 0, "zeros sum to 0")?;
        Ok(())
    }

    #[test]
    fn crc32c_check_value() -> TestResult {
        check(
            !csum::crc32c(!0, b"123456789") == 0xe306_9283,
            "table CRC32c",
        )?;
        check(crc32c_ref(&[b"123456789"]) == 0xe306_9283, "reference")
    }

    // Ethernet.

    #[test]
    fn set_eth_addresses() -> TestResult {
        for summed in [IpSummed::None, IpSummed::Complete, IpSummed::Partial] {
            let mut f = tcp4();
            let mut key = key_of(f.bytes())?;
            let orig = f.clone();
            let value = [1, 2, 3, 4, 5, 6, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f];
            let (r, csum) = apply(
                &mut f,
                summed,
                OVS_KEY_ATTR_ETHERNET,
                &value,
                &[0xff; 12],
                &mut key,
            );
            check(r == Ok(Effects::default()), "no effects")?;
            check(f.at::<6>(6) == [1, 2, 3, 4, 5, 6], "src")?;
            check(f.at::<6>(0) == [0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f], "dst")?;
            check(f.bytes().get(12..) == orig.bytes().get(12..), "rest")?;
            check(key_matches(&key, &f), "key")?;
            match summed {
                IpSummed::Complete => check(complete_ok(csum, f.bytes()), "csum")?,
                _ => check(csum.csum == complete_of(orig.bytes()), "csum untouched")?,
            }
        }
        Ok(())
    }

    #[test]
    fn set_eth_partial_mask() -> TestResult {
        let mut f = tcp4();
        let mut key = key_of(f.bytes())?;
        // Only the low byte of the source and the top nibble of the
        // destination's first byte.
        let value = [0, 0, 0, 0, 0, 0x55, 0xa0, 0, 0, 0, 0, 0];
        let mask = [0, 0, 0, 0, 0, 0xff, 0xf0, 0, 0, 0, 0, 0];
        let (r, csum) = apply(
            &mut f,
            IpSummed::Complete,
            OVS_KEY_ATTR_ETHERNET,
            &value,
            &mask,
            &mut key,
        );
        check(r.is_ok(), "ok")?;
        check(f.at::<6>(6) == [0x02, 0, 0, 0, 0, 0x55], "src")?;
        check(f.at::<6>(0) == [0xa2, 0, 0, 0, 0, 0x02], "dst")?;
        check(key_matches(&key, &f), "key")?;
        check(complete_ok(csum, f.bytes()), "csum")
    }

    #[test]
    fn set_eth_truncated() -> TestResult {
        let mut f = tcp4();
        f.cut(13);
        let orig = f.clone();
        let mut key = FlowKey::default();
        let (r, csum) = apply(
            &mut f,
            IpSummed::Complete,
            OVS_KEY_ATTR_ETHERNET,
            &[7; 12],
            &[0xff; 12],
            &mut key,
        );
        check(r == Err(EditError::Truncated), "13 bytes")?;
        check(f.bytes() == orig.bytes(), "unchanged")?;
        check(csum.csum == complete_of(orig.bytes()), "csum unchanged")?;
        check(key == FlowKey::default(), "key unchanged")?;
        f.put(&[0]);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_ETHERNET,
            &[7; 12],
            &[0xff; 12],
            &mut key,
        );
        check(r.is_ok(), "14 bytes")
    }

    // IPv4.

    #[test]
    fn ipv4_tcp_addresses() -> TestResult {
        let mut f = tcp4();
        let mut key = key_of(f.bytes())?;
        let value = ipv4_attr([172, 16, 0, 1], [8, 8, 4, 4], 0, 0);
        let mask = ipv4_attr([0xff; 4], [0xff; 4], 0, 0);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV4,
            &value,
            &mask,
            &mut key,
        );
        check(r == Ok(ALL), "hash and ct cleared")?;
        check(f.at::<4>(f.nh + 12) == [172, 16, 0, 1], "src")?;
        check(f.at::<4>(f.nh + 16) == [8, 8, 4, 4], "dst")?;
        check(ip4_ok(f.bytes(), f.nh), "ip checksum")?;
        check(l4_ok(&f), "tcp checksum")?;
        check(key_matches(&key, &f), "key")
    }

    #[test]
    fn ipv4_partial_masks() -> TestResult {
        let mut f = tcp4();
        let mut key = key_of(f.bytes())?;
        let value = ipv4_attr([0xac, 0x10, 0, 0], [0, 0, 0, 0x63], 0, 0);
        let mask = ipv4_attr([0xff, 0xff, 0, 0], [0, 0, 0, 0xff], 0, 0);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV4,
            &value,
            &mask,
            &mut key,
        );
        check(r == Ok(ALL), "ok")?;
        check(f.at::<4>(f.nh + 12) == [0xac, 0x10, 1, 10], "src")?;
        check(f.at::<4>(f.nh + 16) == [10, 0, 0, 0x63], "dst")?;
        check(f.at::<1>(f.nh + 1) == [0x1c], "tos untouched")?;
        check(f.at::<1>(f.nh + 8) == [64], "ttl untouched")?;
        check(ip4_ok(f.bytes(), f.nh), "ip checksum")?;
        check(l4_ok(&f), "tcp checksum")?;
        check(key_matches(&key, &f), "key")
    }

    #[test]
    fn ipv4_unchanged_address_is_left_alone() -> TestResult {
        let mut f = tcp4();
        let orig = f.clone();
        let mut key = key_of(f.bytes())?;
        let value = ipv4_attr(SRC4, [0, 0, 0, 2], 0, 0);
        let mask = ipv4_attr([0xff; 4], [0, 0, 0, 0xff], 0, 0);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV4,
            &value,
            &mask,
            &mut key,
        );
        check(r == Ok(Effects::default()), "nothing to clear")?;
        check(f.bytes() == orig.bytes(), "bytes")?;
        check(key_matches(&key, &f), "key")
    }

    #[test]
    fn ipv4_udp_checksums() -> TestResult {
        let value = ipv4_attr([172, 16, 0, 1], [8, 8, 4, 4], 0, 0);
        let mask = ipv4_attr([0xff; 4], [0xff; 4], 0, 0);
        for summed in [IpSummed::None, IpSummed::Unnecessary, IpSummed::Complete] {
            // With a checksum: updated.
            let mut f = udp4(L4Sum::Full);
            let mut key = key_of(f.bytes())?;
            let (r, csum) = apply(&mut f, summed, OVS_KEY_ATTR_IPV4, &value, &mask, &mut key);
            check(r == Ok(ALL), "ok")?;
            check(ip4_ok(f.bytes(), f.nh), "ip checksum")?;
            check(l4_ok(&f), "udp checksum")?;
            check(key_matches(&key, &f), "key")?;
            if summed == IpSummed::Complete {
                check(complete_ok(csum, f.bytes()), "csum")?;
            }
            // Without: stays without.
            let mut f = udp4(L4Sum::Zero);
            let mut key = key_of(f.bytes())?;
            let (r, csum) = apply(&mut f, summed, OVS_KEY_ATTR_IPV4, &value, &mask, &mut key);
            check(r == Ok(ALL), "ok")?;
            check(l4_check(&f) == [0, 0], "zero checksum kept")?;
            check(ip4_ok(f.bytes(), f.nh), "ip checksum")?;
            if summed == IpSummed::Complete {
                check(complete_ok(csum, f.bytes()), "csum, zero udp")?;
            }
        }
        Ok(())
    }

    #[test]
    fn ipv4_udp_checksum_coming_out_zero_is_mangled() -> TestResult {
        // Find the destination whose correct checksum is 0 (sent 0xffff).
        let mut f = udp4(L4Sum::Full);
        let body = f.bytes().get(f.th..).unwrap_or(&[]);
        let mut rest = pseudo(&f, f.bytes()) + sum_be(body);
        rest -= u32::from(u16::from_be_bytes(l4_check(&f)));
        rest -= u32::from(u16::from_be_bytes([DST4[2], DST4[3]]));
        let mut low = None;
        for x in 0..=0xffffu32 {
            if fold(rest + x) == 0xffff {
                low = Some(x as u16);
                break;
            }
        }
        let [hi, lo] = low.ok_or("no such address")?.to_be_bytes();
        let mut key = key_of(f.bytes())?;
        let value = ipv4_attr([0; 4], [0, 0, hi, lo], 0, 0);
        let mask = ipv4_attr([0; 4], [0, 0, 0xff, 0xff], 0, 0);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV4,
            &value,
            &mask,
            &mut key,
        );
        check(r.is_ok(), "ok")?;
        check(l4_check(&f) == [0xff, 0xff], "CSUM_MANGLED_0")?;
        check(l4_ok(&f), "still verifies")
    }

    #[test]
    fn ipv4_fragments() -> TestResult {
        let value = ipv4_attr([172, 16, 0, 1], [0; 4], 0, 0);
        let mask = ipv4_attr([0xff; 4], [0; 4], 0, 0);
        // A later fragment has no L4 header: those bytes stay.
        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(IPPROTO_TCP, 185).tcp().finish(L4Sum::Full);
        let orig = f.clone();
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV4,
            &value,
            &mask,
            &mut key,
        );
        check(r == Ok(ALL), "later: ok")?;
        check(
            f.bytes().get(f.th..) == orig.bytes().get(f.th..),
            "later: l4 bytes",
        )?;
        check(ip4_ok(f.bytes(), f.nh), "later: ip checksum")?;
        check(key_matches(&key, &f), "later: key")?;
        // A first fragment does.
        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(IPPROTO_UDP, 0x2000).udp().finish(L4Sum::Full);
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV4,
            &value,
            &mask,
            &mut key,
        );
        check(r == Ok(ALL), "first: ok")?;
        check(l4_ok(&f), "first: udp checksum")?;
        check(key_matches(&key, &f), "first: key")
    }

    #[test]
    fn ipv4_tos_and_ttl() -> TestResult {
        for summed in [IpSummed::None, IpSummed::Complete] {
            let mut f = tcp4();
            let orig = f.clone();
            let mut key = key_of(f.bytes())?;
            // DSCP only: the ECN bits (0b00 here, set below) stay.
            f.set(f.nh + 1, &[0x1e]);
            f.set(f.nh + 10, &[0, 0]);
            let sum = !fold(sum_be(f.bytes().get(f.nh..f.nh + 20).unwrap_or(&[])));
            f.set(f.nh + 10, &sum.to_be_bytes());
            key.set_u8(fields::IP_TOS, 0x1e);
            let value = ipv4_attr([0; 4], [0; 4], 0xb8, 17);
            let mask = ipv4_attr([0; 4], [0; 4], 0xfc, 0xff);
            let (r, csum) = apply(&mut f, summed, OVS_KEY_ATTR_IPV4, &value, &mask, &mut key);
            check(r == Ok(Effects::default()), "no effects")?;
            check(f.at::<1>(f.nh + 1) == [0xba], "tos, ecn kept")?;
            check(f.at::<1>(f.nh + 8) == [17], "ttl")?;
            check(ip4_ok(f.bytes(), f.nh), "ip checksum")?;
            check(l4_check(&f) == l4_check(&orig), "tcp checksum untouched")?;
            check(key_matches(&key, &f), "key")?;
            if summed == IpSummed::Complete {
                check(complete_ok(csum, f.bytes()), "csum")?;
            }
        }
        Ok(())
    }

    #[test]
    fn ipv4_dsfield_checksum_sweep() -> TestResult {
        // Every header checksum value, with C's own carry handling.
        let mut f = tcp4();
        let mut key = FlowKey::default();
        for i in 0..=0xffffu32 {
            let [_, _, a, b] = i.to_be_bytes();
            f.set(f.nh + 1, &[(i.wrapping_mul(31) >> 3) as u8]);
            f.set(f.nh + 14, &[a, b]);
            f.set(f.nh + 10, &[0, 0]);
            let sum = !fold(sum_be(f.bytes().get(f.nh..f.nh + 20).unwrap_or(&[])));
            f.set(f.nh + 10, &sum.to_be_bytes());
            let tos = i.wrapping_mul(17) as u8;
            let value = ipv4_attr([0; 4], [0; 4], tos, 0);
            let mask = ipv4_attr([0; 4], [0; 4], 0xff, 0);
            let (r, _) = apply(
                &mut f,
                IpSummed::None,
                OVS_KEY_ATTR_IPV4,
                &value,
                &mask,
                &mut key,
            );
            check(r.is_ok(), "ok")?;
            check(f.at::<1>(f.nh + 1) == [tos], "tos")?;
            check(ip4_ok(f.bytes(), f.nh), "ip checksum")?;
        }
        Ok(())
    }

    #[test]
    fn ipv4_complete_csum() -> TestResult {
        let value = ipv4_attr([172, 16, 0, 1], [8, 8, 4, 4], 0x04, 9);
        let mask = ipv4_attr([0xff; 4], [0xff; 4], 0xff, 0xff);
        for mut f in [tcp4(), udp4(L4Sum::Full), udp4(L4Sum::Zero)] {
            let mut key = key_of(f.bytes())?;
            let (r, csum) = apply(
                &mut f,
                IpSummed::Complete,
                OVS_KEY_ATTR_IPV4,
                &value,
                &mask,
                &mut key,
            );
            check(r == Ok(ALL), "ok")?;
            check(complete_ok(csum, f.bytes()), "csum")?;
            check(ip4_ok(f.bytes(), f.nh), "ip checksum")?;
            check(key_matches(&key, &f), "key")?;
        }
        Ok(())
    }

    #[test]
    fn ipv4_checksum_partial() -> TestResult {
        let value = ipv4_attr([172, 16, 0, 1], [8, 8, 4, 4], 0, 0);
        let mask = ipv4_attr([0xff; 4], [0xff; 4], 0, 0);
        let mut tcp = Frame::eth(ETH_P_IP);
        tcp.ipv4(IPPROTO_TCP, 0).tcp().finish(L4Sum::Partial);
        for mut f in [tcp, udp4(L4Sum::Partial)] {
            check(l4_partial_ok(&f), "built")?;
            let mut key = key_of(f.bytes())?;
            let (r, csum) = apply(
                &mut f,
                IpSummed::Partial,
                OVS_KEY_ATTR_IPV4,
                &value,
                &mask,
                &mut key,
            );
            check(r == Ok(ALL), "ok")?;
            check(l4_partial_ok(&f), "pseudo-header sum")?;
            check(ip4_ok(f.bytes(), f.nh), "ip checksum")?;
            check(csum.ip_summed == IpSummed::Partial, "still partial")?;
        }
        // CHECKSUM_PARTIAL and a zero field: updated all the same.
        let mut f = udp4(L4Sum::Zero);
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::Partial,
            OVS_KEY_ATTR_IPV4,
            &value,
            &mask,
            &mut key,
        );
        check(r.is_ok(), "ok")?;
        check(l4_check(&f) != [0, 0], "zero field updated")
    }

    #[test]
    fn ipv4_truncated() -> TestResult {
        let value = ipv4_attr([172, 16, 0, 1], [0; 4], 0, 0);
        let mask = ipv4_attr([0xff; 4], [0; 4], 0, 0);
        let mut f = tcp4();
        let nh = f.nh;
        f.cut(nh + 19);
        let orig = f.clone();
        let mut key = key_of(tcp4().bytes())?;
        let orig_key = key.clone();
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV4,
            &value,
            &mask,
            &mut key,
        );
        check(r == Err(EditError::Truncated), "19 bytes")?;
        check(f.bytes() == orig.bytes(), "unchanged")?;
        check(key == orig_key, "key unchanged")?;
        // The IP header alone is enough; no TCP header, no TCP update.
        f.put(&[DST4[3]]);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV4,
            &value,
            &mask,
            &mut key,
        );
        check(r == Ok(ALL), "20 bytes")?;
        check(f.bytes().len() == nh + 20, "length")?;
        check(ip4_ok(f.bytes(), nh), "ip checksum")
    }

    #[test]
    fn ipv4_short_tcp_header_is_not_updated() -> TestResult {
        let value = ipv4_attr([172, 16, 0, 1], [0; 4], 0, 0);
        let mask = ipv4_attr([0xff; 4], [0; 4], 0, 0);
        let mut f = tcp4();
        f.cut(f.th + 19);
        let orig = f.clone();
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV4,
            &value,
            &mask,
            &mut key,
        );
        check(r == Ok(ALL), "ok")?;
        check(
            f.bytes().get(f.th..) == orig.bytes().get(f.th..),
            "tcp bytes",
        )?;
        check(ip4_ok(f.bytes(), f.nh), "ip checksum")?;
        // Twenty bytes of TCP are enough.
        let mut f = tcp4();
        f.cut(f.th + 20);
        let mut key = key_of(f.bytes())?;
        let before = l4_check(&f);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV4,
            &value,
            &mask,
            &mut key,
        );
        check(r.is_ok(), "ok")?;
        check(l4_check(&f) != before, "tcp checksum updated")
    }

    // IPv6.

    fn addr_mask() -> [u8; 40] {
        ipv6_attr([0xff; 16], [0xff; 16], 0, 0, 0)
    }

    fn new_addrs() -> [u8; 40] {
        let mut src = SRC6;
        put(&mut src, 12, &[1, 2, 3, 4]);
        ipv6_attr(
            src,
            [
                0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99,
            ],
            0,
            0,
            0,
        )
    }

    #[test]
    fn ipv6_tcp_and_udp_addresses() -> TestResult {
        for mut f in [tcp6(), udp6(L4Sum::Full)] {
            let mut key = key_of(f.bytes())?;
            let (r, _) = apply(
                &mut f,
                IpSummed::None,
                OVS_KEY_ATTR_IPV6,
                &new_addrs(),
                &addr_mask(),
                &mut key,
            );
            check(r == Ok(ALL), "ok")?;
            check(f.at::<16>(f.nh + 24) == get::<16>(&new_addrs(), 16), "dst")?;
            check(l4_ok(&f), "l4 checksum")?;
            check(key_matches(&key, &f), "key")?;
        }
        // Zero UDP checksum stays zero.
        let mut f = udp6(L4Sum::Zero);
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV6,
            &new_addrs(),
            &addr_mask(),
            &mut key,
        );
        check(r == Ok(ALL), "zero: ok")?;
        check(l4_check(&f) == [0, 0], "zero kept")?;
        check(key_matches(&key, &f), "zero: key")
    }

    #[test]
    fn ipv6_partial_address_mask() -> TestResult {
        let mut f = tcp6();
        let mut key = key_of(f.bytes())?;
        let mut mask = [0u8; 40];
        put(&mut mask, 15, &[0xff]);
        put(&mut mask, 16, &[0xff, 0xff]);
        let mut value = [0u8; 40];
        put(&mut value, 15, &[0x42]);
        put(&mut value, 16, &[0x20, 0x01]);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV6,
            &value,
            &mask,
            &mut key,
        );
        check(r == Ok(ALL), "ok")?;
        check(f.at::<1>(f.nh + 23) == [0x42], "src low byte")?;
        check(f.at::<16>(f.nh + 8).get(..15) == SRC6.get(..15), "src rest")?;
        check(f.at::<2>(f.nh + 24) == [0x20, 0x01], "dst high")?;
        check(l4_ok(&f), "tcp checksum")?;
        check(key_matches(&key, &f), "key")
    }

    #[test]
    fn ipv6_icmp() -> TestResult {
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_ICMP).icmp6().finish(L4Sum::Full);
        check(l4_ok(&f), "built")?;
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV6,
            &new_addrs(),
            &addr_mask(),
            &mut key,
        );
        check(r == Ok(ALL), "ok")?;
        check(l4_ok(&f), "icmpv6 checksum")?;
        check(key_matches(&key, &f), "key")
    }

    #[test]
    fn ipv6_routing_header() -> TestResult {
        let dst_only = ipv6_attr([0; 16], get(&new_addrs(), 16), 0, 0, 0);
        let dst_mask = ipv6_attr([0; 16], [0xff; 16], 0, 0, 0);
        // Segments left: the checksum is over FINAL6, not the header's
        // destination: left alone.
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_HOP)
            .ext(NEXTHDR_ROUTING, 0)
            .routing(IPPROTO_TCP, 1)
            .tcp()
            .finish(L4Sum::Full);
        let before = l4_check(&f);
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV6,
            &dst_only,
            &dst_mask,
            &mut key,
        );
        check(r == Ok(ALL), "active: ok")?;
        check(l4_check(&f) == before, "active: checksum kept")?;
        check(l4_ok(&f), "active: still verifies")?;
        check(key_matches(&key, &f), "active: key")?;
        // The source still counts.
        let src_only = ipv6_attr(get(&new_addrs(), 0), [0; 16], 0, 0, 0);
        let src_mask = ipv6_attr([0xff; 16], [0; 16], 0, 0, 0);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV6,
            &src_only,
            &src_mask,
            &mut key,
        );
        check(r == Ok(ALL), "source: ok")?;
        check(l4_ok(&f), "source: verifies")?;
        // No segments left: the header's destination is the final one.
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_ROUTING).routing(IPPROTO_TCP, 0).tcp();
        f.final_dst = None;
        f.finish(L4Sum::Full);
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV6,
            &dst_only,
            &dst_mask,
            &mut key,
        );
        check(r == Ok(ALL), "spent: ok")?;
        check(l4_ok(&f), "spent: checksum updated")?;
        check(key_matches(&key, &f), "spent: key")?;
        // A routing header cut short: ipv6_find_hdr() fails, so the
        // checksum is updated (and the TCP header is then past the end).
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_ROUTING).put(&[IPPROTO_TCP, 2, 0]);
        f.th = f.n;
        check(
            !has_active_routing_header(&f.pkt(IpSummed::None)),
            "cut: not found",
        )
    }

    #[test]
    fn ipv6_routing_header_walk() -> TestResult {
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_DEST).ext(NEXTHDR_AUTH, 0);
        // AH: (hdrlen + 2) * 4 = 16 bytes.
        f.put(&[NEXTHDR_ROUTING, 2]).put(&[0; 14]);
        f.routing(IPPROTO_TCP, 1).tcp();
        check(
            has_active_routing_header(&f.pkt(IpSummed::None)),
            "past DEST and AH",
        )?;
        // A first fragment before it is walked through; a later one ends
        // the walk.
        for (offset, found) in [(0, true), (8, false)] {
            let mut f = Frame::eth(ETH_P_IPV6);
            f.ipv6(NEXTHDR_FRAGMENT)
                .frag(NEXTHDR_ROUTING, offset, true)
                .routing(IPPROTO_TCP, 1);
            check(
                has_active_routing_header(&f.pkt(IpSummed::None)) == found,
                "fragment",
            )?;
        }
        // More than 12 extension headers: given up on.
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_DEST);
        for _ in 0..12 {
            f.ext(NEXTHDR_DEST, 0);
        }
        f.routing(IPPROTO_TCP, 1);
        check(
            !has_active_routing_header(&f.pkt(IpSummed::None)),
            "13th header",
        )?;
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_DEST);
        for _ in 0..10 {
            f.ext(NEXTHDR_DEST, 0);
        }
        f.ext(NEXTHDR_ROUTING, 0).routing(IPPROTO_TCP, 1);
        check(
            has_active_routing_header(&f.pkt(IpSummed::None)),
            "12th header",
        )?;
        // No extension header: nothing to find.
        let mut f = tcp6();
        check(!has_active_routing_header(&f.pkt(IpSummed::None)), "none")
    }

    #[test]
    fn ipv6_later_fragment() -> TestResult {
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_FRAGMENT).frag(IPPROTO_TCP, 100, true);
        f.tcp();
        let orig = f.clone();
        let mut key = key_of(f.bytes())?;
        check(
            key.get_u8(fields::IP_PROTO) == NEXTHDR_FRAGMENT,
            "keyed as fragment",
        )?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV6,
            &new_addrs(),
            &addr_mask(),
            &mut key,
        );
        check(r == Ok(ALL), "ok")?;
        check(
            f.bytes().get(f.th..) == orig.bytes().get(f.th..),
            "payload untouched",
        )?;
        check(key_matches(&key, &f), "key")
    }

    #[test]
    fn ipv6_tclass_label_hop_limit() -> TestResult {
        for summed in [IpSummed::None, IpSummed::Complete, IpSummed::Partial] {
            let mut f = tcp6();
            let orig = f.clone();
            let mut key = key_of(f.bytes())?;
            let value = ipv6_attr([0; 16], [0; 16], 0x0f_edcb, 0x40, 7);
            let mask = ipv6_attr([0; 16], [0; 16], 0x0f_ffff, 0xfc, 0xff);
            let (r, csum) = apply(&mut f, summed, OVS_KEY_ATTR_IPV6, &value, &mask, &mut key);
            check(r == Ok(Effects::default()), "no effects")?;
            // tclass 0xab -> 0x43 (ECN kept), label 0x12345 -> 0xfedcb.
            check(f.at::<4>(f.nh) == [0x64, 0x3f, 0xed, 0xcb], "first word")?;
            check(f.at::<1>(f.nh + 7) == [7], "hop limit")?;
            check(
                f.bytes().get(f.nh + 8..) == orig.bytes().get(f.nh + 8..),
                "rest",
            )?;
            check(key_matches(&key, &f), "key")?;
            match summed {
                IpSummed::Complete => check(complete_ok(csum, f.bytes()), "csum")?,
                _ => check(csum.csum == complete_of(orig.bytes()), "csum untouched")?,
            }
        }
        Ok(())
    }

    #[test]
    fn ipv6_label_masks() -> TestResult {
        // A partial label mask, alone.
        let mut f = tcp6();
        let mut key = key_of(f.bytes())?;
        let value = ipv6_attr([0; 16], [0; 16], 0x0_0a00, 0, 0);
        let mask = ipv6_attr([0; 16], [0; 16], 0x0_0f00, 0, 0);
        let (r, csum) = apply(
            &mut f,
            IpSummed::Complete,
            OVS_KEY_ATTR_IPV6,
            &value,
            &mask,
            &mut key,
        );
        check(r.is_ok(), "ok")?;
        check(f.at::<4>(f.nh) == [0x6a, 0xb1, 0x2a, 0x45], "label")?;
        check(complete_ok(csum, f.bytes()), "csum")?;
        check(key_matches(&key, &f), "key")?;
        // Traffic class alone, each nibble.
        let mut f = tcp6();
        let mut key = key_of(f.bytes())?;
        let value = ipv6_attr([0; 16], [0; 16], 0, 0x05, 0);
        let mask = ipv6_attr([0; 16], [0; 16], 0, 0x0f, 0);
        let (r, csum) = apply(
            &mut f,
            IpSummed::Complete,
            OVS_KEY_ATTR_IPV6,
            &value,
            &mask,
            &mut key,
        );
        check(r.is_ok(), "ok")?;
        check(f.at::<4>(f.nh) == [0x6a, 0x51, 0x23, 0x45], "low nibble")?;
        check(complete_ok(csum, f.bytes()), "csum, low nibble")?;
        let value = ipv6_attr([0; 16], [0; 16], 0, 0x30, 0);
        let mask = ipv6_attr([0; 16], [0; 16], 0, 0xf0, 0);
        let (r, csum) = apply(
            &mut f,
            IpSummed::Complete,
            OVS_KEY_ATTR_IPV6,
            &value,
            &mask,
            &mut key,
        );
        check(r.is_ok(), "ok")?;
        check(f.at::<4>(f.nh) == [0x63, 0x51, 0x23, 0x45], "high nibble")?;
        check(complete_ok(csum, f.bytes()), "csum, high nibble")?;
        check(key_matches(&key, &f), "key")
    }

    #[test]
    fn ipv6_checksum_partial_and_complete() -> TestResult {
        let mut tcp = Frame::eth(ETH_P_IPV6);
        tcp.ipv6(IPPROTO_TCP).tcp().finish(L4Sum::Partial);
        for mut f in [tcp, udp6(L4Sum::Partial)] {
            let mut key = key_of(f.bytes())?;
            let (r, _) = apply(
                &mut f,
                IpSummed::Partial,
                OVS_KEY_ATTR_IPV6,
                &new_addrs(),
                &addr_mask(),
                &mut key,
            );
            check(r == Ok(ALL), "partial: ok")?;
            check(l4_partial_ok(&f), "partial: pseudo-header sum")?;
        }
        for mut f in [tcp6(), udp6(L4Sum::Full)] {
            let mut key = key_of(f.bytes())?;
            let (r, csum) = apply(
                &mut f,
                IpSummed::Complete,
                OVS_KEY_ATTR_IPV6,
                &new_addrs(),
                &addr_mask(),
                &mut key,
            );
            check(r == Ok(ALL), "complete: ok")?;
            check(complete_ok(csum, f.bytes()), "complete: csum")?;
            check(key_matches(&key, &f), "complete: key")?;
        }
        // No L4 checksum to offset the address: C leaves skb->csum as it
        // was (stale), inet_proto_csum_replace16() never updating it.
        let mut f = udp6(L4Sum::Zero);
        let orig = complete_of(f.bytes());
        let mut key = key_of(f.bytes())?;
        let (r, csum) = apply(
            &mut f,
            IpSummed::Complete,
            OVS_KEY_ATTR_IPV6,
            &new_addrs(),
            &addr_mask(),
            &mut key,
        );
        check(r == Ok(ALL), "zero udp: ok")?;
        check(csum.csum == orig, "zero udp: csum as C")?;
        check(!complete_ok(csum, f.bytes()), "zero udp: csum stale, as C")
    }

    #[test]
    fn ipv6_truncated() -> TestResult {
        let mut f = tcp6();
        f.cut(f.nh + 39);
        let orig = f.clone();
        let mut key = FlowKey::default();
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV6,
            &new_addrs(),
            &addr_mask(),
            &mut key,
        );
        check(r == Err(EditError::Truncated), "39 bytes")?;
        check(f.bytes() == orig.bytes(), "unchanged")?;
        check(key == FlowKey::default(), "key unchanged")?;
        f.put(&[0x0d]);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_IPV6,
            &new_addrs(),
            &addr_mask(),
            &mut key,
        );
        check(r == Ok(ALL), "40 bytes")
    }

    // TCP, UDP and SCTP ports.

    #[test]
    fn tcp_ports() -> TestResult {
        for (value, mask, sport, dport, ct) in [
            (ports(1111, 2222), [0xff; 4], 1111u16, 2222u16, true),
            (ports(0, 0x1f00), [0, 0, 0xff, 0], 0x1234, 0x1f50, true),
            (ports(0x1234, 80), [0xff; 4], 0x1234, 80, false),
        ] {
            for mut f in [tcp4(), tcp6()] {
                let mut key = key_of(f.bytes())?;
                let (r, csum) = apply(
                    &mut f,
                    IpSummed::Complete,
                    OVS_KEY_ATTR_TCP,
                    &value,
                    &mask,
                    &mut key,
                );
                check(
                    r == Ok(Effects {
                        clear_hash: true,
                        ct_clear: ct,
                    }),
                    "effects",
                )?;
                check(f.at::<4>(f.th) == ports(sport, dport), "ports")?;
                check(l4_ok(&f), "tcp checksum")?;
                check(complete_ok(csum, f.bytes()), "csum")?;
                check(key_matches(&key, &f), "key")?;
            }
        }
        Ok(())
    }

    #[test]
    fn tcp_ports_checksum_partial() -> TestResult {
        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(IPPROTO_TCP, 0).tcp().finish(L4Sum::Partial);
        let before = l4_check(&f);
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::Partial,
            OVS_KEY_ATTR_TCP,
            &ports(9, 10),
            &[0xff; 4],
            &mut key,
        );
        check(r == Ok(ALL), "ok")?;
        check(f.at::<4>(f.th) == ports(9, 10), "ports")?;
        check(l4_check(&f) == before, "pseudo-header sum kept")?;
        check(key_matches(&key, &f), "key")
    }

    #[test]
    fn udp_ports() -> TestResult {
        let value = ports(4000, 4001);
        for summed in [IpSummed::None, IpSummed::Complete] {
            for mut f in [udp4(L4Sum::Full), udp6(L4Sum::Full)] {
                let mut key = key_of(f.bytes())?;
                let (r, csum) = apply(
                    &mut f,
                    summed,
                    OVS_KEY_ATTR_UDP,
                    &value,
                    &[0xff; 4],
                    &mut key,
                );
                check(r == Ok(ALL), "ok")?;
                check(f.at::<4>(f.th) == value, "ports")?;
                check(l4_ok(&f), "udp checksum")?;
                check(key_matches(&key, &f), "key")?;
                if summed == IpSummed::Complete {
                    check(complete_ok(csum, f.bytes()), "csum")?;
                }
            }
            // No checksum: ports written, none computed.
            let mut f = udp4(L4Sum::Zero);
            let mut key = key_of(f.bytes())?;
            let (r, csum) = apply(
                &mut f,
                summed,
                OVS_KEY_ATTR_UDP,
                &value,
                &[0xff; 4],
                &mut key,
            );
            check(r == Ok(ALL), "zero: ok")?;
            check(f.at::<4>(f.th) == value, "zero: ports")?;
            check(l4_check(&f) == [0, 0], "zero: kept")?;
            check(key_matches(&key, &f), "zero: key")?;
            if summed == IpSummed::Complete {
                // C leaves skb->csum: the port change is not in it.
                check(
                    csum.csum == complete_of(udp4(L4Sum::Zero).bytes()),
                    "zero: csum as C",
                )?;
            }
        }
        // Same ports with a checksum: nothing to clear but the hash.
        let mut f = udp4(L4Sum::Full);
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_UDP,
            &ports(5353, 53),
            &[0xff; 4],
            &mut key,
        );
        check(
            r == Ok(Effects {
                clear_hash: true,
                ct_clear: false,
            }),
            "unchanged",
        )?;
        // Same ports without one: C clears conntrack regardless.
        let mut f = udp4(L4Sum::Zero);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_UDP,
            &ports(5353, 53),
            &[0xff; 4],
            &mut key,
        );
        check(r == Ok(ALL), "unchanged, no checksum")
    }

    #[test]
    fn udp_ports_checksum_partial_and_mangled() -> TestResult {
        let mut f = udp4(L4Sum::Partial);
        let before = l4_check(&f);
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::Partial,
            OVS_KEY_ATTR_UDP,
            &ports(1, 2),
            &[0xff; 4],
            &mut key,
        );
        check(r == Ok(ALL), "partial: ok")?;
        check(f.at::<4>(f.th) == ports(1, 2), "partial: ports")?;
        check(l4_check(&f) == before, "partial: sum kept")?;
        check(key_matches(&key, &f), "partial: key")?;
        // A source port for which the checksum comes out 0.
        let mut f = udp4(L4Sum::Full);
        let check_now = u32::from(u16::from_be_bytes(l4_check(&f)));
        let body = f.bytes().get(f.th..).unwrap_or(&[]);
        let rest = pseudo(&f, f.bytes()) + sum_be(body) - check_now - 0x14e9;
        let port = (0..=0xffffu32)
            .find(|&x| fold(rest + x) == 0xffff)
            .ok_or("no such port")? as u16;
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_UDP,
            &ports(port, 0),
            &[0xff, 0xff, 0, 0],
            &mut key,
        );
        check(r.is_ok(), "mangled: ok")?;
        check(l4_check(&f) == [0xff, 0xff], "CSUM_MANGLED_0")?;
        check(l4_ok(&f), "mangled: verifies")
    }

    #[test]
    fn ports_truncated() -> TestResult {
        for (mut f, ty, hlen) in [
            (tcp4(), OVS_KEY_ATTR_TCP, TCP_HLEN),
            (udp4(L4Sum::Full), OVS_KEY_ATTR_UDP, UDP_HLEN),
            (
                {
                    let mut f = Frame::eth(ETH_P_IP);
                    f.ipv4(132, 0).sctp().finish(L4Sum::Full);
                    f
                },
                OVS_KEY_ATTR_SCTP,
                SCTP_HLEN,
            ),
        ] {
            let th = f.th;
            f.cut(th + hlen - 1);
            let orig = f.clone();
            let mut key = key_of(f.bytes())?;
            let orig_key = key.clone();
            let (r, _) = apply(
                &mut f,
                IpSummed::None,
                ty,
                &ports(1, 2),
                &[0xff; 4],
                &mut key,
            );
            check(r == Err(EditError::Truncated), "one byte short")?;
            check(f.bytes() == orig.bytes() && key == orig_key, "unchanged")?;
            f.put(&[0]);
            let (r, _) = apply(
                &mut f,
                IpSummed::None,
                ty,
                &ports(1, 2),
                &[0xff; 4],
                &mut key,
            );
            check(r == Ok(ALL), "whole header")?;
        }
        Ok(())
    }

    fn sctp4() -> Frame {
        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(132, 0).sctp().finish(L4Sum::Full);
        f
    }

    #[test]
    fn sctp_ports() -> TestResult {
        for summed in [IpSummed::None, IpSummed::Complete] {
            let mut f = sctp4();
            let mut key = key_of(f.bytes())?;
            let (r, csum) = apply(
                &mut f,
                summed,
                OVS_KEY_ATTR_SCTP,
                &ports(7, 0x0900),
                &[0xff, 0xff, 0xff, 0],
                &mut key,
            );
            check(r == Ok(ALL), "ok")?;
            check(f.at::<4>(f.th) == [0, 7, 0x09, 0x70], "ports")?;
            check(
                f.at::<4>(f.th + 8) == sctp_crc(f.bytes(), f.th).to_le_bytes(),
                "crc",
            )?;
            check(key_matches(&key, &f), "key")?;
            // C does not touch skb->csum here.
            check(csum.csum == complete_of(sctp4().bytes()), "csum as C")?;
        }
        // Unchanged ports: C still rewrites and clears.
        let mut f = sctp4();
        let orig = f.clone();
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_SCTP,
            &ports(5000, 6000),
            &[0xff; 4],
            &mut key,
        );
        check(r == Ok(ALL), "same: effects")?;
        check(f.bytes() == orig.bytes(), "same: bytes")
    }

    #[test]
    fn sctp_keeps_a_checksum_error() -> TestResult {
        let mut f = sctp4();
        let [g0, g1, g2, g3] = f.at::<4>(f.th + 8);
        let bad = [g0 ^ 0x5a, g1, g2, g3 ^ 0x01];
        f.set(f.th + 8, &bad);
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_SCTP,
            &ports(1, 2),
            &[0xff; 4],
            &mut key,
        );
        check(r == Ok(ALL), "ok")?;
        let correct = sctp_crc(f.bytes(), f.th).to_le_bytes();
        let now = f.at::<4>(f.th + 8);
        check(now != correct, "still wrong")?;
        check(
            now.iter()
                .zip(correct)
                .map(|(a, b)| a ^ b)
                .eq([0x5a, 0, 0, 0x01]),
            "by the same bits",
        )
    }

    // MPLS.

    fn mpls() -> Frame {
        let mut f = Frame::eth(ETH_P_MPLS_UC);
        // Label 100, TC 0, bottom of stack, TTL 64.
        f.put(&[0x00, 0x06, 0x41, 0x40]);
        f.ipv4(IPPROTO_UDP, 0).udp().finish(L4Sum::Full);
        f.nh = 14;
        f
    }

    #[test]
    fn mpls_top_label() -> TestResult {
        for summed in [IpSummed::None, IpSummed::Complete] {
            let mut f = mpls();
            let mut key = key_of(f.bytes())?;
            let value = [0x12, 0x34, 0x51, 0x20];
            let (r, csum) = apply(
                &mut f,
                summed,
                OVS_KEY_ATTR_MPLS,
                &value,
                &[0xff; 4],
                &mut key,
            );
            check(r == Ok(Effects::default()), "full: ok")?;
            check(f.at::<4>(14) == value, "full: lse")?;
            check(key_matches(&key, &f), "full: key")?;
            if summed == IpSummed::Complete {
                check(complete_ok(csum, f.bytes()), "full: csum")?;
            }
            // TTL only.
            let (r, csum2) = {
                let mut p = f.pkt(summed);
                p.csum.csum = csum.csum;
                let r = set_masked(
                    OVS_KEY_ATTR_MPLS,
                    &[0, 0, 0, 9],
                    &[0, 0, 0, 0xff],
                    &mut p,
                    &mut key,
                );
                (r, p.csum)
            };
            check(r.is_ok(), "ttl: ok")?;
            check(f.at::<4>(14) == [0x12, 0x34, 0x51, 9], "ttl: lse")?;
            check(key_matches(&key, &f), "ttl: key")?;
            if summed == IpSummed::Complete {
                check(complete_ok(csum2, f.bytes()), "ttl: csum")?;
            }
        }
        Ok(())
    }

    #[test]
    fn mpls_errors() -> TestResult {
        // Not an MPLS skb.
        let mut f = mpls();
        f.proto = ETH_P_IP;
        let orig = f.clone();
        let mut key = FlowKey::default();
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_MPLS,
            &[1; 4],
            &[0xff; 4],
            &mut key,
        );
        check(r == Err(EditError::Invalid), "protocol")?;
        check(
            f.bytes() == orig.bytes() && key == FlowKey::default(),
            "unchanged",
        )?;
        // Too short for the label: pskb_may_pull() comes first.
        f.cut(17);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_MPLS,
            &[1; 4],
            &[0xff; 4],
            &mut key,
        );
        check(r == Err(EditError::Truncated), "short, wrong protocol")?;
        f.proto = ETH_P_MPLS_MC;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_MPLS,
            &[1; 4],
            &[0xff; 4],
            &mut key,
        );
        check(r == Err(EditError::Truncated), "short")?;
        f.put(&[0x40]);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_MPLS,
            &[1; 4],
            &[0xff; 4],
            &mut key,
        );
        check(r.is_ok(), "18 bytes, multicast")?;
        // skb_mpls_update_lse() checks mac_len + 4 too.
        let mut p = f.pkt(IpSummed::None);
        p.mac_len = 15;
        let r = set_masked(OVS_KEY_ATTR_MPLS, &[2; 4], &[0xff; 4], &mut p, &mut key);
        check(r == Err(EditError::Truncated), "mac_len")
    }

    // dec_ttl.

    fn run_dec_ttl(f: &mut Frame, key: &mut FlowKey) -> Result<bool, EditError> {
        dec_ttl(&mut f.pkt(IpSummed::None), key)
    }

    #[test]
    fn dec_ttl_ipv4() -> TestResult {
        let mut f = tcp4();
        let mut key = key_of(f.bytes())?;
        check(run_dec_ttl(&mut f, &mut key) == Ok(true), "64")?;
        check(f.at::<1>(f.nh + 8) == [63], "63")?;
        check(ip4_ok(f.bytes(), f.nh), "ip checksum")?;
        check(key_matches(&key, &f), "key")?;
        for ttl in [1, 0] {
            f.set(f.nh + 8, &[ttl]);
            let orig = f.clone();
            check(run_dec_ttl(&mut f, &mut key) == Ok(false), "expired")?;
            check(f.bytes() == orig.bytes(), "unchanged")?;
        }
        f.set(f.nh + 8, &[2]);
        check(run_dec_ttl(&mut f, &mut key) == Ok(true), "2")?;
        check(f.at::<1>(f.nh + 8) == [1], "1")?;
        check(key.get_u8(fields::IP_TTL) == 1, "key ttl")?;
        let mut f = tcp4();
        f.cut(f.nh + 19);
        check(
            run_dec_ttl(&mut f, &mut key) == Err(EditError::Truncated),
            "short",
        )
    }

    #[test]
    fn dec_ttl_ipv6_and_others() -> TestResult {
        let mut f = tcp6();
        let orig = f.clone();
        let mut key = key_of(f.bytes())?;
        let (r, csum) = {
            let mut p = f.pkt(IpSummed::Complete);
            (dec_ttl(&mut p, &mut key), p.csum)
        };
        check(r == Ok(true), "33")?;
        check(f.at::<1>(f.nh + 7) == [32], "32")?;
        check(l4_ok(&f), "tcp checksum")?;
        check(key_matches(&key, &f), "key")?;
        // As C: skb->csum not updated for the hop limit.
        check(csum.csum == complete_of(orig.bytes()), "csum as C")?;
        f.set(f.nh + 7, &[1]);
        check(run_dec_ttl(&mut f, &mut key) == Ok(false), "expired")?;
        f.cut(f.nh + 39);
        check(
            run_dec_ttl(&mut f, &mut key) == Err(EditError::Truncated),
            "short",
        )?;
        // Neither IPv4 nor IPv6 (by skb->protocol): nothing done.
        let mut f = mpls();
        let orig = f.clone();
        check(run_dec_ttl(&mut f, &mut key) == Ok(true), "mpls")?;
        check(f.bytes() == orig.bytes(), "mpls unchanged")?;
        let mut f = Frame::eth(0x0806);
        check(run_dec_ttl(&mut f, &mut key) == Ok(true), "short arp")
    }

    // Attributes.

    #[test]
    fn bad_attributes() -> TestResult {
        let mut f = tcp4();
        let orig = f.clone();
        let mut key = FlowKey::default();
        for (ty, len) in [
            (OVS_KEY_ATTR_ETHERNET, 11),
            (OVS_KEY_ATTR_IPV4, 13),
            (OVS_KEY_ATTR_IPV6, 36),
            (OVS_KEY_ATTR_TCP, 2),
            (OVS_KEY_ATTR_MPLS, 8),
            (2, 4),  // OVS_KEY_ATTR_PRIORITY: the executor's.
            (11, 2), // OVS_KEY_ATTR_ICMP: not settable.
        ] {
            let buf = [0xffu8; 40];
            let v = buf.get(..len).unwrap_or(&[]);
            let (r, _) = apply(&mut f, IpSummed::None, ty, v, v, &mut key);
            check(r == Err(EditError::Invalid), "refused")?;
        }
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            OVS_KEY_ATTR_TCP,
            &[0; 4],
            &[0; 2],
            &mut key,
        );
        check(r == Err(EditError::Invalid), "mask length")?;
        check(
            f.bytes() == orig.bytes() && key == FlowKey::default(),
            "unchanged",
        )?;
        for v in 0..4u8 {
            check(IpSummed::from_raw(v) as u8 == v, "ip_summed round trip")?;
        }
        check(EditError::Truncated.errno() == 12, "ENOMEM")?;
        check(EditError::Invalid.errno() == 22, "EINVAL")
    }

    #[test]
    fn nsh_header_from_push_nsh() -> TestResult {
        // BASE {flags 2, ttl 63, mdtype 1, np 3, path 0x00123405} + MD1.
        let mut nest = [0u8; 12 + 20];
        nest[..4].copy_from_slice(&[12, 0, 1, 0]);
        nest[4..12].copy_from_slice(&[2, 63, 1, 3, 0x00, 0x12, 0x34, 0x05]);
        nest[12..16].copy_from_slice(&[20, 0, 2, 0]);
        for (i, b) in nest[16..32].iter_mut().enumerate() {
            *b = i as u8;
        }
        let mut out = [0u8; NSH_HDR_MAX_LEN];
        let len = nsh_header(&nest, &mut out).map_err(|_| "refused")?;
        check(len == 24, "length")?;
        // ver 0, flags 2, ttl 63, length 6 words.
        check(out[..2] == [0x2f, 0xc6], "ver/flags/ttl/len")?;
        check(
            out[2..8] == [1, 3, 0x00, 0x12, 0x34, 0x05],
            "mdtype, np, path",
        )?;
        check(out[8..24] == nest[16..32], "context")?;
        // An unknown attribute is refused, metadata past the header too.
        let bad = [4u8, 0, 9, 0];
        check(
            nsh_header(&bad, &mut out) == Err(EditError::Invalid),
            "unknown",
        )?;
        let mut long = [0u8; 4 + 248];
        long[..4].copy_from_slice(&[252, 0, 3, 0]);
        check(
            nsh_header(&long, &mut out) == Err(EditError::Truncated),
            "too long",
        )
    }
}
