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
// One file per protocol, by what it rewrites.
#[path = "edit/ipv4.rs"]
mod ipv4;
#[path = "edit/ipv6.rs"]
mod ipv6;
#[path = "edit/mpls.rs"]
mod mpls;
#[path = "edit/nsh.rs"]
mod nsh;
#[path = "edit/transport.rs"]
mod transport;

use crate::bytes::{be16, ne16, padded, u8_at, write};
use crate::flow::key::{fields, Field, FlowKey};
use crate::uapi::key_attr;
use crate::uapi::nsh_key_attr;
use crate::uapi::proto::{
    CSUM_MANGLED_0, ETH_ALEN, ETH_HLEN, ETH_P_IP, ETH_P_IPV6, ETH_P_MPLS_MC, ETH_P_MPLS_UC,
    ICMP6_CHECK, ICMP6_HLEN, IPPROTO_TCP, IPPROTO_UDP, IPV4_HLEN, IPV6_HLEN, IP_OFFSET, MPLS_HLEN,
    NEXTHDR_ICMP, NEXTHDR_ROUTING, NSH_BASE_HDR_LEN, NSH_HDR_MAX_LEN, SCTP_CHECK, SCTP_HLEN,
    TCP_CHECK, TCP_HLEN, UDP_CHECK, UDP_HLEN,
};
use csum::{
    csum_add, csum_fold, csum_partial, csum_replace, csum_replace2, csum_replace4, csum_sub,
    csum_unfold, wsum_negate,
};
use ipv4::set_ipv4;
use ipv6::set_ipv6;
use mpls::set_mpls;
pub use nsh::nsh_header;
use transport::{set_sctp, set_tcp, set_udp};

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
/// ([`key_attr::ETHERNET`], `IPV4`, `IPV6`, `TCP`, `UDP`, `SCTP`,
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
        key_attr::ETHERNET => 2 * ETH_ALEN,
        key_attr::IPV4 => 12,
        key_attr::IPV6 => 40,
        key_attr::TCP | key_attr::UDP | key_attr::SCTP => 4,
        key_attr::MPLS => MPLS_HLEN,
        _ => return Err(EditError::Invalid),
    };
    if value.len() != len || mask.len() != len {
        return Err(EditError::Invalid);
    }
    let a = Attr { value, mask };
    match key_type {
        key_attr::ETHERNET => set_eth_addr(pkt, flow_key, a),
        key_attr::IPV4 => set_ipv4(pkt, flow_key, a),
        key_attr::IPV6 => set_ipv6(pkt, flow_key, a),
        key_attr::TCP => set_tcp(pkt, flow_key, a),
        key_attr::UDP => set_udp(pkt, flow_key, a),
        key_attr::SCTP => set_sctp(pkt, flow_key, a),
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
            let hl = u8_at(pkt.data, at).unwrap_or(0);
            if hl <= 1 {
                return Ok(false);
            }
            let hl = hl.wrapping_sub(1);
            write(pkt.data, at, &[hl]);
            flow_key.set_u8(fields::IP_TTL, hl);
        }
        ETH_P_IP => {
            ensure_writable(pkt, nh.checked_add(IPV4_HLEN))?;
            let at = nh.wrapping_add(8);
            let old = u8_at(pkt.data, at).unwrap_or(0);
            if old <= 1 {
                return Ok(false);
            }
            let ttl = old.wrapping_sub(1);
            ipv4::set_ttl(pkt, nh, old, ttl);
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
        padded(self.value, at)
    }

    fn mask<const N: usize>(&self, at: usize) -> [u8; N] {
        padded(self.mask, at)
    }

    fn mask_nonzero<const N: usize>(&self, at: usize) -> bool {
        self.mask::<N>(at).iter().any(|&b| b != 0)
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
    let mut sum = ne16(pkt.data, check_at).unwrap_or(0);
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
    write(pkt.data, check_at, &sum.to_ne_bytes());
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
    let sum = ne16(pkt.data, check_at).unwrap_or(0);
    let sum = if pkt.csum.ip_summed != IpSummed::Partial {
        csum_fold(csum_partial(&diff, !csum_unfold(sum)))
    } else {
        !csum_fold(csum_partial(&diff, csum_unfold(sum)))
    };
    write(pkt.data, check_at, &sum.to_ne_bytes());
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
        let old: [u8; 2 * ETH_ALEN] = padded(pkt.data, 0);
        pkt.csum.csum = wsum_negate(csum_partial(&old, wsum_negate(pkt.csum.csum)));
    }
    // ovs_key_ethernet is {eth_src, eth_dst}; the frame has dst first.
    let src = a.masked(0, padded::<ETH_ALEN>(pkt.data, ETH_ALEN));
    write(pkt.data, ETH_ALEN, &src);
    let dst = a.masked(ETH_ALEN, padded::<ETH_ALEN>(pkt.data, 0));
    write(pkt.data, 0, &dst);
    // skb_postpush_rcsum(): the new ones in.
    if pkt.csum.ip_summed == IpSummed::Complete {
        let new: [u8; 2 * ETH_ALEN] = padded(pkt.data, 0);
        pkt.csum.csum = csum_add(pkt.csum.csum, csum_partial(&new, 0));
    }
    flow_key.set(fields::ETH_SRC, &src);
    flow_key.set(fields::ETH_DST, &dst);
    Ok(Effects::default())
}

#[cfg_attr(MODULE, cfg(CONFIG_KUNIT = "y"))]
#[cfg_attr(not(MODULE), cfg(test))]
#[path = "edit/tests.rs"]
mod tests;
