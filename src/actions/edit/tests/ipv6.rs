// SPDX-License-Identifier: GPL-2.0

//! KUnit suite `ovs_rs_actions_edit_ipv6`: IPv6 header rewrites (`edit/ipv6.rs`).

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_actions_edit_ipv6))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;
    use crate::actions::edit::ipv6::has_active_routing_header;
    use crate::test_support::TestResult;
    use crate::uapi::proto::{NEXTHDR_AUTH, NEXTHDR_DEST, NEXTHDR_FRAGMENT, NEXTHDR_HOP};

    fn addr_mask() -> [u8; 40] {
        ipv6_attr([0xff; 16], [0xff; 16], 0, 0, 0)
    }

    fn new_addrs() -> [u8; 40] {
        let mut src = SRC6;
        write(&mut src, 12, &[1, 2, 3, 4]);
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
                key_attr::IPV6,
                &new_addrs(),
                &addr_mask(),
                &mut key,
            );
            assert!(r == Ok(ALL));
            assert!(f.at::<16>(f.nh + 24) == padded::<16>(&new_addrs(), 16));
            assert!(l4_ok(&f));
            assert!(key_matches(&key, &f));
        }
        // Zero UDP checksum stays zero.
        let mut f = udp6(L4Sum::Zero);
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::IPV6,
            &new_addrs(),
            &addr_mask(),
            &mut key,
        );
        assert!(r == Ok(ALL));
        assert!(l4_check(&f) == [0, 0]);
        assert!(key_matches(&key, &f));
        Ok(())
    }

    #[test]
    fn ipv6_partial_address_mask() -> TestResult {
        let mut f = tcp6();
        let mut key = key_of(f.bytes())?;
        let mut mask = [0u8; 40];
        write(&mut mask, 15, &[0xff]);
        write(&mut mask, 16, &[0xff, 0xff]);
        let mut value = [0u8; 40];
        write(&mut value, 15, &[0x42]);
        write(&mut value, 16, &[0x20, 0x01]);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::IPV6,
            &value,
            &mask,
            &mut key,
        );
        assert!(r == Ok(ALL));
        assert!(f.at::<1>(f.nh + 23) == [0x42]);
        assert!(f.at::<16>(f.nh + 8).get(..15) == SRC6.get(..15));
        assert!(f.at::<2>(f.nh + 24) == [0x20, 0x01]);
        assert!(l4_ok(&f));
        assert!(key_matches(&key, &f));
        Ok(())
    }

    #[test]
    fn ipv6_icmp() -> TestResult {
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_ICMP).icmp6().finish(L4Sum::Full);
        assert!(l4_ok(&f));
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::IPV6,
            &new_addrs(),
            &addr_mask(),
            &mut key,
        );
        assert!(r == Ok(ALL));
        assert!(l4_ok(&f));
        assert!(key_matches(&key, &f));
        Ok(())
    }

    #[test]
    fn ipv6_routing_header() -> TestResult {
        let dst_only = ipv6_attr([0; 16], padded(&new_addrs(), 16), 0, 0, 0);
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
            key_attr::IPV6,
            &dst_only,
            &dst_mask,
            &mut key,
        );
        assert!(r == Ok(ALL));
        assert!(l4_check(&f) == before);
        assert!(l4_ok(&f));
        assert!(key_matches(&key, &f));
        // The source still counts.
        let src_only = ipv6_attr(padded(&new_addrs(), 0), [0; 16], 0, 0, 0);
        let src_mask = ipv6_attr([0xff; 16], [0; 16], 0, 0, 0);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::IPV6,
            &src_only,
            &src_mask,
            &mut key,
        );
        assert!(r == Ok(ALL));
        assert!(l4_ok(&f));
        // No segments left: the header's destination is the final one.
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_ROUTING).routing(IPPROTO_TCP, 0).tcp();
        f.final_dst = None;
        f.finish(L4Sum::Full);
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::IPV6,
            &dst_only,
            &dst_mask,
            &mut key,
        );
        assert!(r == Ok(ALL));
        assert!(l4_ok(&f));
        assert!(key_matches(&key, &f));
        // A routing header cut short: ipv6_find_hdr() fails, so the
        // checksum is updated (and the TCP header is then past the end).
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_ROUTING).put(&[IPPROTO_TCP, 2, 0]);
        f.th = f.n;
        assert!(!has_active_routing_header(&f.pkt(IpSummed::None)));
        Ok(())
    }

    #[test]
    fn ipv6_routing_header_walk() {
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_DEST).ext(NEXTHDR_AUTH, 0);
        // AH: (hdrlen + 2) * 4 = 16 bytes.
        f.put(&[NEXTHDR_ROUTING, 2]).put(&[0; 14]);
        f.routing(IPPROTO_TCP, 1).tcp();
        assert!(has_active_routing_header(&f.pkt(IpSummed::None)));
        // A first fragment before it is walked through; a later one ends
        // the walk.
        for (offset, found) in [(0, true), (8, false)] {
            let mut f = Frame::eth(ETH_P_IPV6);
            f.ipv6(NEXTHDR_FRAGMENT)
                .frag(NEXTHDR_ROUTING, offset, true)
                .routing(IPPROTO_TCP, 1);
            assert!(has_active_routing_header(&f.pkt(IpSummed::None)) == found);
        }
        // More than 12 extension headers: given up on.
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_DEST);
        for _ in 0..12 {
            f.ext(NEXTHDR_DEST, 0);
        }
        f.routing(IPPROTO_TCP, 1);
        assert!(!has_active_routing_header(&f.pkt(IpSummed::None)));
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_DEST);
        for _ in 0..10 {
            f.ext(NEXTHDR_DEST, 0);
        }
        f.ext(NEXTHDR_ROUTING, 0).routing(IPPROTO_TCP, 1);
        assert!(has_active_routing_header(&f.pkt(IpSummed::None)));
        // No extension header: nothing to find.
        let mut f = tcp6();
        assert!(!has_active_routing_header(&f.pkt(IpSummed::None)));
    }

    #[test]
    fn ipv6_later_fragment() -> TestResult {
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_FRAGMENT).frag(IPPROTO_TCP, 100, true);
        f.tcp();
        let orig = f.clone();
        let mut key = key_of(f.bytes())?;
        assert!(key.get_u8(fields::IP_PROTO) == NEXTHDR_FRAGMENT);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::IPV6,
            &new_addrs(),
            &addr_mask(),
            &mut key,
        );
        assert!(r == Ok(ALL));
        assert!(f.bytes().get(f.th..) == orig.bytes().get(f.th..));
        assert!(key_matches(&key, &f));
        Ok(())
    }

    #[test]
    fn ipv6_tclass_label_hop_limit() -> TestResult {
        for summed in [IpSummed::None, IpSummed::Complete, IpSummed::Partial] {
            let mut f = tcp6();
            let orig = f.clone();
            let mut key = key_of(f.bytes())?;
            let value = ipv6_attr([0; 16], [0; 16], 0x0f_edcb, 0x40, 7);
            let mask = ipv6_attr([0; 16], [0; 16], 0x0f_ffff, 0xfc, 0xff);
            let (r, csum) = apply(&mut f, summed, key_attr::IPV6, &value, &mask, &mut key);
            assert!(r == Ok(Effects::default()));
            // tclass 0xab -> 0x43 (ECN kept), label 0x12345 -> 0xfedcb.
            assert!(f.at::<4>(f.nh) == [0x64, 0x3f, 0xed, 0xcb]);
            assert!(f.at::<1>(f.nh + 7) == [7]);
            assert!(f.bytes().get(f.nh + 8..) == orig.bytes().get(f.nh + 8..));
            assert!(key_matches(&key, &f));
            match summed {
                IpSummed::Complete => assert!(complete_ok(csum, f.bytes())),
                _ => assert!(csum.csum == complete_of(orig.bytes())),
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
            key_attr::IPV6,
            &value,
            &mask,
            &mut key,
        );
        assert!(r.is_ok());
        assert!(f.at::<4>(f.nh) == [0x6a, 0xb1, 0x2a, 0x45]);
        assert!(complete_ok(csum, f.bytes()));
        assert!(key_matches(&key, &f));
        // Traffic class alone, each nibble.
        let mut f = tcp6();
        let mut key = key_of(f.bytes())?;
        let value = ipv6_attr([0; 16], [0; 16], 0, 0x05, 0);
        let mask = ipv6_attr([0; 16], [0; 16], 0, 0x0f, 0);
        let (r, csum) = apply(
            &mut f,
            IpSummed::Complete,
            key_attr::IPV6,
            &value,
            &mask,
            &mut key,
        );
        assert!(r.is_ok());
        assert!(f.at::<4>(f.nh) == [0x6a, 0x51, 0x23, 0x45]);
        assert!(complete_ok(csum, f.bytes()));
        let value = ipv6_attr([0; 16], [0; 16], 0, 0x30, 0);
        let mask = ipv6_attr([0; 16], [0; 16], 0, 0xf0, 0);
        let (r, csum) = apply(
            &mut f,
            IpSummed::Complete,
            key_attr::IPV6,
            &value,
            &mask,
            &mut key,
        );
        assert!(r.is_ok());
        assert!(f.at::<4>(f.nh) == [0x63, 0x51, 0x23, 0x45]);
        assert!(complete_ok(csum, f.bytes()));
        assert!(key_matches(&key, &f));
        Ok(())
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
                key_attr::IPV6,
                &new_addrs(),
                &addr_mask(),
                &mut key,
            );
            assert!(r == Ok(ALL));
            assert!(l4_partial_ok(&f));
        }
        for mut f in [tcp6(), udp6(L4Sum::Full)] {
            let mut key = key_of(f.bytes())?;
            let (r, csum) = apply(
                &mut f,
                IpSummed::Complete,
                key_attr::IPV6,
                &new_addrs(),
                &addr_mask(),
                &mut key,
            );
            assert!(r == Ok(ALL));
            assert!(complete_ok(csum, f.bytes()));
            assert!(key_matches(&key, &f));
        }
        // No L4 checksum to offset the address: C leaves skb->csum as it
        // was (stale), inet_proto_csum_replace16() never updating it.
        let mut f = udp6(L4Sum::Zero);
        let orig = complete_of(f.bytes());
        let mut key = key_of(f.bytes())?;
        let (r, csum) = apply(
            &mut f,
            IpSummed::Complete,
            key_attr::IPV6,
            &new_addrs(),
            &addr_mask(),
            &mut key,
        );
        assert!(r == Ok(ALL));
        assert!(csum.csum == orig);
        assert!(!complete_ok(csum, f.bytes()));
        Ok(())
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
            key_attr::IPV6,
            &new_addrs(),
            &addr_mask(),
            &mut key,
        );
        assert!(r == Err(EditError::Truncated));
        assert!(f.bytes() == orig.bytes());
        assert!(key == FlowKey::default());
        f.put(&[0x0d]);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::IPV6,
            &new_addrs(),
            &addr_mask(),
            &mut key,
        );
        assert!(r == Ok(ALL));
        Ok(())
    }
}
