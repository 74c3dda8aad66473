// SPDX-License-Identifier: GPL-2.0

//! The transport layer: ports and ICMP type and code, for IPv4 and IPv6.

use super::*;

/// TCP, UDP and SCTP ports (and TCP flags); `key->tp` zeroed when the
/// header is short (`tcphdr_ok()` and friends).
pub(super) fn ports(p: Packet<'_>, th: usize, proto: u8, key: &mut FlowKey) {
    let ok = match proto {
        IPPROTO_TCP => {
            let doff = p.u8(th + 12).map_or(0, |b| usize::from(b >> 4) * 4);
            p.has(th, 20) && doff >= 20 && p.has(th, doff)
        }
        IPPROTO_UDP => p.has(th, 8),
        IPPROTO_SCTP => p.has(th, 12),
        _ => return,
    };
    if !ok {
        clear(key, KEY_TP);
        return;
    }
    p.copy(th, 2, key, fields::TP_SRC);
    p.copy(th + 2, 2, key, fields::TP_DST);
    if proto == IPPROTO_TCP {
        // TCP_FLAGS_BE16(): the data offset's byte without the offset.
        let [hi, lo] = p.array::<2>(th + 12).unwrap_or([0, 0]);
        key.set(fields::TP_FLAGS, &[hi & 0x0f, lo]);
    }
}

/// ICMP's type and code in the port fields, as `htons()` of each;
/// `key->tp` zeroed when the 8-byte header is short. Returns whether it
/// was there.
pub(super) fn icmp_type_code(p: Packet<'_>, th: usize, key: &mut FlowKey) -> bool {
    match p.array::<2>(th) {
        Some([ty, code]) if p.has(th, 8) => {
            key.set_be16(fields::TP_SRC, u16::from(ty));
            key.set_be16(fields::TP_DST, u16::from(code));
            true
        }
        _ => {
            clear(key, KEY_TP);
            false
        }
    }
}
