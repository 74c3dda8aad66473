// SPDX-License-Identifier: GPL-2.0

//! IPv6: the header, the extension headers it has
//! (`get_ipv6_ext_hdrs()`; `ipv6_find_hdr()` is in `flow::exthdr`) and
//! neighbour discovery.

use super::*;
use crate::flow::exthdr::{find_hdr, ipv6_ext_hdr};

/// IPv6 and what it carries (`parse_ipv6hdr()` and the rest of
/// `key_extract_l3l4()`'s IPv6 branch); returns the transport offset,
/// `None` where C leaves it alone (later fragments).
pub(super) fn ipv6(p: Packet<'_>, nh: usize, gso_udp: bool, key: &mut FlowKey) -> Option<usize> {
    if !p.has(nh, 40) {
        clear(key, KEY_IP);
        clear(key, KEY_IPV6_ADDR);
        return Some(nh);
    }
    key.set(fields::IPV6_EXTHDRS, &ipv6_exthdrs(p, nh).to_ne_bytes());
    key.set_u8(fields::IP_PROTO, NEXTHDR_NONE);
    let [b0, b1, b2, b3] = p.array::<4>(nh).unwrap_or([0; 4]);
    key.set_u8(fields::IP_TOS, (b0 << 4) | (b1 >> 4));
    key.set_u8(fields::IP_TTL, p.u8(nh + 7).unwrap_or(0));
    key.set(fields::IPV6_LABEL, &[0, b1 & 0x0f, b2, b3]);
    p.copy(nh + 8, 16, key, fields::IPV6_SRC);
    p.copy(nh + 24, 16, key, fields::IPV6_DST);

    let found = find_hdr(&p, nh, None, false);
    if found.frag {
        if found.frag_off != 0 {
            key.set_u8(fields::IP_FRAG, OVS_FRAG_TYPE_LATER);
            key.set_u8(fields::IP_PROTO, NEXTHDR_FRAGMENT);
            clear(key, KEY_TP);
            return None;
        }
        key.set_u8(fields::IP_FRAG, OVS_FRAG_TYPE_FIRST);
    } else {
        key.set_u8(fields::IP_FRAG, OVS_FRAG_TYPE_NONE);
    }
    let Some((proto, th)) = found.next else {
        // ipv6_find_hdr() failed (-EPROTO): C keeps NEXTHDR_NONE and
        // succeeds.
        return Some(nh);
    };
    key.set_u8(fields::IP_PROTO, proto);
    if gso_udp {
        key.set_u8(fields::IP_FRAG, OVS_FRAG_TYPE_FIRST);
    }
    if proto == NEXTHDR_ICMP {
        if icmp_type_code(p, th, key) {
            nd(p, th, key);
        }
    } else {
        ports(p, th, proto, key);
    }
    Some(th)
}

/// `get_ipv6_ext_hdrs()`: which extension headers there are, repeated
/// (UNREP) or out of RFC 2460's order (UNSEQ).
pub(super) fn ipv6_exthdrs(p: Packet<'_>, nh: usize) -> u16 {
    use exthdr::*;
    let mut ext = 0u16;
    let Some(mut next) = p.u8(nh + 6) else {
        return ext;
    };
    let mut start = nh + 40;
    let mut dest_count = 0u32;
    while ipv6_ext_hdr(next) {
        match next {
            NEXTHDR_NONE => return ext | NONEXT,
            NEXTHDR_AUTH => {
                if ext & AUTH != 0 {
                    ext |= UNREP;
                }
                if ext & !(HOP | DEST | ROUTER | FRAG | UNREP) != 0 || dest_count >= 2 {
                    ext |= UNSEQ;
                }
                ext |= AUTH;
            }
            NEXTHDR_DEST => {
                if dest_count == 0 {
                    if ext & !(HOP | UNREP) != 0 {
                        ext |= UNSEQ;
                    }
                    ext |= DEST;
                } else if dest_count == 1 {
                    if ext & !(HOP | DEST | ROUTER | FRAG | AUTH | ESP | UNREP) != 0 {
                        ext |= UNSEQ;
                    }
                } else {
                    ext |= UNREP;
                }
                dest_count = dest_count.saturating_add(1);
            }
            NEXTHDR_FRAGMENT => {
                if ext & FRAG != 0 {
                    ext |= UNREP;
                }
                if ext & !(HOP | DEST | ROUTER | UNREP) != 0 || dest_count >= 2 {
                    ext |= UNSEQ;
                }
                ext |= FRAG;
            }
            NEXTHDR_ROUTING => {
                if ext & ROUTER != 0 {
                    ext |= UNREP;
                }
                if ext & !(HOP | DEST | UNREP) != 0 || dest_count >= 2 {
                    ext |= UNSEQ;
                }
                ext |= ROUTER;
            }
            // NEXTHDR_HOP, the only one left.
            _ => {
                if ext & HOP != 0 {
                    ext |= UNREP;
                }
                if ext == 0 {
                    ext |= HOP;
                } else {
                    ext |= UNSEQ;
                }
            }
        }
        let Some([hdr_next, hdrlen]) = p.array::<2>(start) else {
            break;
        };
        next = hdr_next;
        // ipv6_optlen() for every header, AH and fragment included.
        let Some(s) = start.checked_add((usize::from(hdrlen) + 1) * 8) else {
            break;
        };
        start = s;
    }
    ext
}

/// `parse_icmpv6()`'s neighbour discovery part: the target and the
/// link-layer address options of a solicitation or advertisement.
pub(super) fn nd(p: Packet<'_>, th: usize, key: &mut FlowKey) {
    let (Some(ty), Some(0)) = (p.u8(th), p.u8(th + 1)) else {
        return;
    };
    if ty != NDISC_NEIGHBOUR_SOLICITATION && ty != NDISC_NEIGHBOUR_ADVERTISEMENT {
        return;
    }
    clear(key, KEY_ND);
    let mut left = p.len().saturating_sub(th);
    if left < ND_MSG_LEN {
        return;
    }
    p.copy(th + 8, 16, key, fields::ND_TARGET);
    left -= ND_MSG_LEN;
    let mut opt = th + ND_MSG_LEN;
    while left >= 8 {
        let (Some(kind), Some(units)) = (p.u8(opt), p.u8(opt + 1)) else {
            return;
        };
        let len = usize::from(units) * 8;
        if len == 0 || len > left {
            return;
        }
        let field = match kind {
            ND_OPT_SOURCE_LL_ADDR if len == 8 => Some(fields::ND_SLL),
            ND_OPT_TARGET_LL_ADDR if len == 8 => Some(fields::ND_TLL),
            _ => None,
        };
        if let Some(field) = field {
            if key.get(field).iter().any(|&b| b != 0) {
                // The same option twice: C keeps none of the ND fields.
                clear(key, KEY_ND);
                return;
            }
            p.copy(opt + 2, ETH_ALEN, key, field);
        }
        left -= len;
        opt += len;
    }
}
