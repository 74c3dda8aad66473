// SPDX-License-Identifier: GPL-2.0

//! IPv6 header rewrites: `set_ipv6()` with its address, traffic class,
//! flow label and hop limit updates, and whether a routing header keeps
//! the L4 checksum from covering the destination.

use super::*;
use crate::flow::exthdr::{find_hdr, ipv6_ext_hdr};

/// Whether `ipv6_find_hdr(skb, &offset, NEXTHDR_ROUTING, NULL,
/// IP6_FH_F_SKIP_RH)` returns `NEXTHDR_ROUTING`: there is a routing
/// header with segments left, so the destination address is not the
/// final one the L4 checksum covers. Every other outcome (none found,
/// malformed, a later fragment first) is `false`.
pub(super) fn has_active_routing_header(pkt: &Packet<'_>) -> bool {
    find_hdr(&*pkt.data, pkt.network, Some(NEXTHDR_ROUTING), true)
        .next
        .is_some()
}

/// `update_ipv6_checksum()`: the L4 checksum for an IPv6 address change;
/// `l4_proto` is the flow key's (a later fragment's is
/// `NEXTHDR_FRAGMENT`: no L4 header).
pub(super) fn update_ipv6_checksum(
    pkt: &mut Packet<'_>,
    l4_proto: u8,
    from: &[u8; 16],
    to: &[u8; 16],
) {
    let th = pkt.transport;
    match l4_proto {
        IPPROTO_TCP if fits(pkt, th, TCP_HLEN) => {
            inet_proto_csum_replace16(pkt, th.wrapping_add(TCP_CHECK), from, to);
        }
        IPPROTO_UDP if fits(pkt, th, UDP_HLEN) => {
            let check_at = th.wrapping_add(UDP_CHECK);
            if ne16(pkt.data, check_at).unwrap_or(0) != 0 || pkt.csum.ip_summed == IpSummed::Partial
            {
                inet_proto_csum_replace16(pkt, check_at, from, to);
                if ne16(pkt.data, check_at).unwrap_or(0) == 0 {
                    write(pkt.data, check_at, &CSUM_MANGLED_0.to_ne_bytes());
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
pub(super) fn set_ipv6_addr(
    pkt: &mut Packet<'_>,
    l4_proto: u8,
    addr_at: usize,
    new: &[u8; 16],
    recalculate_csum: bool,
    fx: &mut Effects,
) {
    if recalculate_csum {
        let old = padded::<16>(pkt.data, addr_at);
        update_ipv6_checksum(pkt, l4_proto, &old, new);
    }
    fx.clear_hash = true;
    fx.ct_clear = true;
    write(pkt.data, addr_at, new);
}

/// `set_ipv6()`: `ovs_key_ipv6` is {src[16], dst[16], label (be32),
/// proto, tclass, hlimit, frag}.
pub(super) fn set_ipv6(
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
        let old = padded::<16>(pkt.data, addr_at);
        let new = a.masked(0, old);
        if new != old {
            set_ipv6_addr(pkt, l4_proto, addr_at, &new, true, &mut fx);
            flow_key.set(fields::IPV6_SRC, &new);
        }
    }
    if a.mask_nonzero::<16>(16) {
        let addr_at = nh.wrapping_add(24);
        let old = padded::<16>(pkt.data, addr_at);
        let new = a.masked(16, old);
        if new != old {
            // Behind a routing header with segments left, the L4
            // checksum covers the final destination, not this one.
            let recalc = !(ipv6_ext_hdr(u8_at(pkt.data, nh.wrapping_add(6)).unwrap_or(0))
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
        let [_, b1, b2, b3] = padded::<4>(pkt.data, nh);
        flow_key.set(fields::IPV6_LABEL, &[0, b1 & 0x0f, b2, b3]);
    }
    let [hlimit_mask] = a.mask::<1>(38);
    if hlimit_mask != 0 {
        // set_ipv6_ttl()
        let at = nh.wrapping_add(7);
        let old = u8_at(pkt.data, at).unwrap_or(0);
        let [hl] = a.masked(38, [old]);
        if pkt.csum.ip_summed == IpSummed::Complete {
            csum_replace(&mut pkt.csum.csum, u32::from(old) << 8, u32::from(hl) << 8);
        }
        write(pkt.data, at, &[hl]);
        flow_key.set_u8(fields::IP_TTL, hl);
    }
    Ok(fx)
}

/// `ipv6_get_dsfield()`: the traffic class.
pub(super) fn ipv6_get_dsfield(d: &[u8], nh: usize) -> u8 {
    (be16(d, nh).unwrap_or(0) >> 4) as u8
}

/// `set_ipv6_dsfield()`.
pub(super) fn set_ipv6_dsfield(pkt: &mut Packet<'_>, nh: usize, tclass: u8, mask: u8) {
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
    let w = (be16(pkt.data, nh).unwrap_or(0) & keep) | (u16::from(new) << 4);
    write(pkt.data, nh, &w.to_be_bytes());
}

/// `set_ipv6_fl()`: the flow label, with the traffic class's low nibble
/// that shares its first byte (the mask never covers it).
pub(super) fn set_ipv6_fl(pkt: &mut Packet<'_>, nh: usize, fl: u32, mask: u32) {
    let [_, b1, b2, b3] = padded::<4>(pkt.data, nh);
    let ofl = u32::from_be_bytes([0, b1, b2, b3]);
    let fl = fl | (ofl & !mask);
    let [_, n1, n2, n3] = fl.to_be_bytes();
    write(pkt.data, nh.wrapping_add(1), &[n1, n2, n3]);
    if pkt.csum.ip_summed == IpSummed::Complete {
        csum_replace(
            &mut pkt.csum.csum,
            u32::from_ne_bytes(ofl.to_be_bytes()),
            u32::from_ne_bytes(fl.to_be_bytes()),
        );
    }
}
