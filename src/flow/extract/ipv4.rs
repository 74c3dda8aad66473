// SPDX-License-Identifier: GPL-2.0

//! IPv4 and ARP: `key_extract_l3l4()`'s IPv4, ARP and RARP cases.

use super::*;

/// IPv4 and what it carries; returns the transport offset.
pub(super) fn ipv4(p: Packet<'_>, nh: usize, gso_udp: bool, key: &mut FlowKey) -> usize {
    // check_iphdr()
    let ihl = p.u8(nh).map_or(0, |b| usize::from(b & 0x0f) * 4);
    if !p.has(nh, 20) || ihl < 20 || !p.has(nh, ihl) {
        clear(key, KEY_IP);
        clear(key, KEY_IPV4);
        return nh;
    }
    let th = nh + ihl;
    p.copy(nh + 12, 4, key, fields::IPV4_SRC);
    p.copy(nh + 16, 4, key, fields::IPV4_DST);
    let proto = p.u8(nh + 9).unwrap_or(0);
    key.set_u8(fields::IP_PROTO, proto);
    key.set_u8(fields::IP_TOS, p.u8(nh + 1).unwrap_or(0));
    key.set_u8(fields::IP_TTL, p.u8(nh + 8).unwrap_or(0));
    let frag_off = p.be16(nh + 6).unwrap_or(0);
    if frag_off & IP_OFFSET != 0 {
        key.set_u8(fields::IP_FRAG, OVS_FRAG_TYPE_LATER);
        clear(key, KEY_TP);
        return th;
    }
    let first = frag_off & IP_MF != 0 || gso_udp;
    key.set_u8(
        fields::IP_FRAG,
        if first {
            OVS_FRAG_TYPE_FIRST
        } else {
            OVS_FRAG_TYPE_NONE
        },
    );
    if proto == IPPROTO_ICMP {
        icmp_type_code(p, th, key);
    } else {
        ports(p, th, proto, key);
    }
    th
}

/// ARP and RARP for Ethernet and IPv4 only; anything else, or a short
/// header, zeroes `key->ip` and `key->ipv4`.
pub(super) fn arp(p: Packet<'_>, nh: usize, key: &mut FlowKey) {
    let ok = p.has(nh, 28)
        && p.be16(nh) == Some(1)
        && p.be16(nh + 2) == Some(ETH_P_IP)
        && p.u8(nh + 4) == Some(ETH_ALEN as u8)
        && p.u8(nh + 5) == Some(4);
    if !ok {
        clear(key, KEY_IP);
        clear(key, KEY_IPV4);
        return;
    }
    // Only the opcode's low 8 bits are matched; larger ones read as 0.
    let op = p.be16(nh + 6).unwrap_or(0);
    key.set_u8(fields::IP_PROTO, u8::try_from(op).unwrap_or(0));
    p.copy(nh + 14, 4, key, fields::IPV4_SRC);
    p.copy(nh + 24, 4, key, fields::IPV4_DST);
    p.copy(nh + 8, 6, key, fields::ARP_SHA);
    p.copy(nh + 18, 6, key, fields::ARP_THA);
}
