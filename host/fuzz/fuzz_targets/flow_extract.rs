// SPDX-License-Identifier: GPL-2.0

//! Fuzzes the packet key extractor (`key_extract()`, src/flow/extract.rs)
//! on arbitrary frames and skb state. Never a panic; offsets stay inside
//! the frame; errors only where C has them; the frame as C leaves it (the
//! outer tag popped into the skb) gives the same key again, and
//! re-extracting into the finished key changes nothing.
//!
//! Input: a flags byte (bit 0: no Ethernet header, bit 1: an accelerated
//! tag, bit 2: UDP GSO), the tag's TPID and TCI, `skb->protocol` (each
//! big-endian), then the frame.

#![no_main]

use libfuzzer_sys::fuzz_target;
use openvswitch_rs_host::flow::extract::{
    extract, update, CtMeta, ExtractError, MacProto, Offsets, PacketMeta, SkbState, VlanTag,
};
use openvswitch_rs_host::flow::key::{fields, FlowKey};
use openvswitch_rs_host::uapi::OVS_FRAG_TYPE_LATER;

fuzz_target!(|data: &[u8]| {
    let Some((head, frame)) = data.split_first_chunk::<7>() else {
        return;
    };
    let be = |i: usize| u16::from_be_bytes([head[i], head[i + 1]]);
    let l3 = head[0] & 1 != 0;
    let meta = PacketMeta {
        in_port: 1,
        priority: 2,
        skb_mark: 3,
        recirc_id: 4,
        mac_proto: if l3 {
            MacProto::None
        } else {
            MacProto::Ethernet
        },
        skb: SkbState {
            vlan_hwaccel: (head[0] & 2 != 0).then(|| VlanTag {
                tpid: be(1),
                tci: be(3),
            }),
            l3_protocol: be(5),
            gso_udp: head[0] & 4 != 0,
        },
        ct: CtMeta::default(),
    };
    let mut key = FlowKey::default();
    let off = match extract(frame, &meta, &mut key) {
        Ok(off) => off,
        Err(e) => {
            assert_eq!(e.errno(), 22);
            match e {
                ExtractError::ShortFrame => assert!(!l3 && frame.len() < 14),
                ExtractError::L3Vlan => {
                    assert!(l3 && matches!(meta.skb.l3_protocol, 0x8100 | 0x88a8))
                }
                _ => assert_eq!(key.get_be16(fields::ETH_TYPE), 0x894f),
            }
            return;
        }
    };

    // The frame as C leaves it.
    let mut popped = Vec::with_capacity(frame.len());
    let mut skb = meta.skb;
    match off.vlan_pop {
        Some(tag) => {
            assert!(!l3 && frame.len() >= 18);
            popped.extend_from_slice(&frame[..12]);
            popped.extend_from_slice(&frame[16..]);
            skb.vlan_hwaccel = Some(tag);
        }
        None => popped.extend_from_slice(frame),
    }
    let len = popped.len();
    if l3 {
        assert_eq!((off.mac_len, off.network), (0, 0));
        assert_eq!(off.protocol, meta.skb.l3_protocol);
    } else {
        assert!(off.network >= 14 && off.network <= len);
        assert_eq!(off.mac_len, off.network);
    }
    if let Some(t) = off.transport {
        assert!(t >= off.network && t <= len);
    }
    if let Some(t) = off.inner_network {
        assert!(t >= off.network && t <= len);
    }

    // Metadata as given; what extraction does not own stays zero.
    assert_eq!(key.get_u32(fields::RECIRC_ID), 4);
    assert_eq!(key.get_u32(fields::OVS_FLOW_HASH), 0);
    assert!(key.get(fields::TUN_KEY).iter().all(|&b| b == 0));
    assert!(key.get(fields::CT_LABELS).iter().all(|&b| b == 0));
    let eth_type = key.get_be16(fields::ETH_TYPE);
    if matches!(eth_type, 0x0800 | 0x86dd) && key.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_LATER {
        assert!(key.get(fields::TP_SRC).iter().all(|&b| b == 0));
    }
    if key.get_be16(fields::ETH_VLAN_TPID) != 0 {
        assert_ne!(key.get_be16(fields::ETH_VLAN_TCI) & 0x1000, 0);
    }

    let mut again = FlowKey::default();
    let meta2 = PacketMeta { skb, ..meta };
    let off2 = extract(&popped, &meta2, &mut again).expect("popped frame");
    assert_eq!(again, key);
    assert_eq!(
        off2,
        Offsets {
            vlan_pop: None,
            ..off
        }
    );

    let before = key.clone();
    let off3 = update(&popped, &skb, &mut key).expect("update");
    assert_eq!(key, before);
    assert_eq!(off3, off2);
});
