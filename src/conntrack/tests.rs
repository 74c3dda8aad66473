// SPDX-License-Identifier: GPL-2.0

//! KUnit suite `ovs_rs_conntrack_key`: what `ct()` writes into the flow
//! key from a connection and from NAT.

use super::*;
use crate::kapi::conntrack::{CtTuple, NatRewrite};
use crate::uapi::proto::{IPPROTO_ICMP, IPPROTO_TCP};

fn ipv4_key(proto: u8) -> FlowKey {
    let mut key = FlowKey::default();
    key.set_be16(fields::ETH_TYPE, ETH_P_IP);
    key.set_u8(fields::IP_PROTO, proto);
    key.set(fields::IPV4_SRC, &[10, 0, 0, 1]);
    key.set(fields::IPV4_DST, &[10, 0, 0, 2]);
    key.set_be16(fields::TP_SRC, 1000);
    key.set_be16(fields::TP_DST, 80);
    key
}

fn addr4(a: [u8; 4]) -> [u8; 16] {
    let mut out = [0; 16];
    out[..4].copy_from_slice(&a);
    out
}

#[kunit_tests(ovs_rs_conntrack_key)]
mod suite {
    use super::*;

    /// SNAT of TCP: the +snat flag, the new source address and port;
    /// the destination stays.
    #[test]
    fn snat_rewrites_source() {
        let mut key = ipv4_key(IPPROTO_TCP);
        key.set_u8(fields::CT_STATE, 0x21);
        let nat = NatDone {
            src: Some(NatRewrite {
                addr: addr4([192, 0, 2, 7]),
                port: Some(4000),
            }),
            dst: None,
        };
        nat_update_key(&mut key, &nat);
        assert_eq!(key.get_u8(fields::CT_STATE), 0x21 | CS_F_SRC_NAT);
        assert_eq!(key.get(fields::IPV4_SRC), &[192, 0, 2, 7]);
        assert_eq!(key.get_be16(fields::TP_SRC), 4000);
        assert_eq!(key.get(fields::IPV4_DST), &[10, 0, 0, 2]);
        assert_eq!(key.get_be16(fields::TP_DST), 80);
    }

    /// DNAT of ICMP: the address only (C rewrites ports for UDP, TCP and
    /// SCTP alone); both flags when both were done.
    #[test]
    fn dnat_without_ports() {
        let mut key = ipv4_key(IPPROTO_ICMP);
        let nat = NatDone {
            src: Some(NatRewrite {
                addr: addr4([10, 0, 0, 1]),
                port: None,
            }),
            dst: Some(NatRewrite {
                addr: addr4([198, 51, 100, 9]),
                port: None,
            }),
        };
        nat_update_key(&mut key, &nat);
        assert_eq!(key.get_u8(fields::CT_STATE), CS_F_SRC_NAT | CS_F_DST_NAT);
        assert_eq!(key.get(fields::IPV4_DST), &[198, 51, 100, 9]);
        assert_eq!(key.get_be16(fields::TP_SRC), 1000);
        assert_eq!(key.get_be16(fields::TP_DST), 80);
    }

    /// A connection's original tuple goes into the key when its family is
    /// the key's; an IPv6 tuple on an IPv4 key leaves `ct_orig_proto` 0.
    #[test]
    fn original_tuple_by_family() {
        let tuple = CtTuple {
            v6: false,
            src: addr4([10, 0, 0, 1]),
            dst: addr4([10, 0, 0, 2]),
            proto: IPPROTO_TCP,
            tp_src: 1000,
            tp_dst: 80,
        };
        let ct = CtKey {
            state: 0x22,
            zone: 5,
            mark: 7,
            labels: [1; LABELS_LEN],
            orig: Some(tuple),
        };
        let mut key = ipv4_key(IPPROTO_TCP);
        fill_ct(&mut key, &meta_of(&ct));
        assert_eq!(key.get_u8(fields::CT_STATE), 0x22);
        assert_eq!(key.get(fields::CT_ZONE), &5u16.to_ne_bytes());
        assert_eq!(key.get_u32(fields::CT_MARK), 7);
        assert_eq!(key.get(fields::IPV4_CT_ORIG_DST), &[10, 0, 0, 2]);
        assert_eq!(key.get_u8(fields::CT_ORIG_PROTO), IPPROTO_TCP);
        assert_eq!(key.get_be16(fields::CT_ORIG_TP_DST), 80);

        let v6 = CtKey {
            orig: Some(CtTuple { v6: true, ..tuple }),
            ..ct
        };
        fill_ct(&mut key, &meta_of(&v6));
        assert_eq!(key.get_u8(fields::CT_ORIG_PROTO), 0);
    }
}
