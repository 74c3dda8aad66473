// SPDX-License-Identifier: GPL-2.0

//! IPv4 header rewrites: `set_ipv4()` with its address, ToS and TTL
//! updates and the L4 checksum they change.

use super::*;

/// `update_ip_l4_checksum()`: the TCP or UDP checksum for an IPv4
/// address change, unless this is a later fragment (no L4 header).
pub(super) fn update_ip_l4_checksum(pkt: &mut Packet<'_>, nh: usize, from: u32, to: u32) {
    if be16(pkt.data, nh.wrapping_add(6)).unwrap_or(0) & IP_OFFSET != 0 {
        return;
    }
    let th = pkt.transport;
    match u8_at(pkt.data, nh.wrapping_add(9)).unwrap_or(0) {
        IPPROTO_TCP if fits(pkt, th, TCP_HLEN) => {
            inet_proto_csum_replace4(pkt, th.wrapping_add(TCP_CHECK), from, to, true);
        }
        IPPROTO_UDP if fits(pkt, th, UDP_HLEN) => {
            let check_at = th.wrapping_add(UDP_CHECK);
            // A zero UDP checksum means none: it stays so, unless the
            // field is the pseudo-header sum of CHECKSUM_PARTIAL.
            if ne16(pkt.data, check_at).unwrap_or(0) != 0 || pkt.csum.ip_summed == IpSummed::Partial
            {
                inet_proto_csum_replace4(pkt, check_at, from, to, true);
                if ne16(pkt.data, check_at).unwrap_or(0) == 0 {
                    write(pkt.data, check_at, &CSUM_MANGLED_0.to_ne_bytes());
                }
            }
        }
        _ => {}
    }
}

/// `set_ip_addr()`: the address at `addr_at` in the IPv4 header at `nh`.
pub(super) fn set_ip_addr(
    pkt: &mut Packet<'_>,
    nh: usize,
    addr_at: usize,
    new: [u8; 4],
    fx: &mut Effects,
) {
    let to = u32::from_ne_bytes(new);
    update_ip_l4_checksum(pkt, nh, u32::from_ne_bytes(padded(pkt.data, addr_at)), to);
    let check_at = nh.wrapping_add(10);
    let mut check = ne16(pkt.data, check_at).unwrap_or(0);
    // C reads *addr again here.
    csum_replace4(
        &mut check,
        u32::from_ne_bytes(padded(pkt.data, addr_at)),
        to,
    );
    write(pkt.data, check_at, &check.to_ne_bytes());
    fx.clear_hash = true;
    fx.ct_clear = true;
    write(pkt.data, addr_at, &new);
}

/// `ipv4_change_dsfield()` with C's own carry handling.
pub(super) fn ipv4_change_dsfield(pkt: &mut Packet<'_>, nh: usize, mask: u8, value: u8) {
    let tos_at = nh.wrapping_add(1);
    let check_at = nh.wrapping_add(10);
    let tos = u8_at(pkt.data, tos_at).unwrap_or(0);
    let mut check = u32::from(be16(pkt.data, check_at).unwrap_or(0));
    let dsfield = (tos & mask) | value;
    check = check.wrapping_add(u32::from(tos));
    if check.wrapping_add(1) >> 16 != 0 {
        check = check.wrapping_add(1) & 0xffff;
    }
    check = check.wrapping_sub(u32::from(dsfield));
    check = check.wrapping_add(check >> 16);
    write(pkt.data, check_at, &(check as u16).to_be_bytes());
    write(pkt.data, tos_at, &[dsfield]);
}

/// `set_ipv4()`: `ovs_key_ipv4` is {src, dst, proto, tos, ttl, frag};
/// proto and frag cannot be set (validation refuses their masks).
pub(super) fn set_ipv4(
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
        let old = padded::<4>(pkt.data, addr_at);
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
        flow_key.set_u8(
            fields::IP_TOS,
            u8_at(pkt.data, nh.wrapping_add(1)).unwrap_or(0),
        );
    }
    let [ttl_mask] = a.mask::<1>(10);
    if ttl_mask != 0 {
        // set_ip_ttl()
        let old = u8_at(pkt.data, nh.wrapping_add(8)).unwrap_or(0);
        let [ttl] = a.masked(10, [old]);
        set_ttl(pkt, nh, old, ttl);
        flow_key.set_u8(fields::IP_TTL, ttl);
    }
    Ok(fx)
}

/// Writes TTL `ttl` over `old` into the IPv4 header at `nh`, and fixes
/// its header checksum (`csum_replace2()` of `htons(ttl << 8)`: the TTL is
/// the first byte of its word).
pub(super) fn set_ttl(pkt: &mut Packet<'_>, nh: usize, old: u8, ttl: u8) {
    let check_at = nh.wrapping_add(10);
    let mut check = ne16(pkt.data, check_at).unwrap_or(0);
    csum_replace2(
        &mut check,
        u16::from_ne_bytes([old, 0]),
        u16::from_ne_bytes([ttl, 0]),
    );
    write(pkt.data, check_at, &check.to_ne_bytes());
    write(pkt.data, nh.wrapping_add(8), &[ttl]);
}
