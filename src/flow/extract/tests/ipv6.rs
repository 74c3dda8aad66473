// SPDX-License-Identifier: GPL-2.0

//! KUnit suite `ovs_rs_flow_extract_ipv6`: IPv6, its extension headers and
//! neighbour discovery (`extract/ipv6.rs`).

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_flow_extract_ipv6))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;
    use crate::test_support::TestResult;
    use crate::uapi::proto::NEXTHDR_HOP;

    #[test]
    fn tcp_over_ipv6() -> TestResult {
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(IPPROTO_TCP).tcp();
        let (k, o) = run(f.bytes())?;
        assert!(o == offsets(14, Some(54), ETH_P_IPV6));
        assert!(k.get(KEY_IP) == [IPPROTO_TCP, 0xab, 33, 0]);
        assert!(k.get(fields::IPV6_LABEL) == [0, 1, 0x23, 0x45]);
        assert!(k.get(fields::IPV6_SRC) == IP6_SRC);
        assert!(k.get(fields::IPV6_DST) == IP6_DST);
        assert!(k.is_zero(fields::IPV6_EXTHDRS));
        assert!(k.get(KEY_TP) == [0x12, 0x34, 0, 80, 0x01, 0x12]);
        Ok(())
    }

    fn exthdrs(k: &FlowKey) -> u16 {
        match k.get(fields::IPV6_EXTHDRS) {
            [a, b] => u16::from_ne_bytes([*a, *b]),
            _ => 0xffff,
        }
    }

    #[test]
    fn ipv6_extension_headers() -> TestResult {
        use exthdr::*;
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_HOP)
            .ext(NEXTHDR_DEST, 0)
            .ext(NEXTHDR_ROUTING, 0)
            .ext(NEXTHDR_FRAGMENT, 0)
            .frag(NEXTHDR_AUTH, 0, true)
            // AH: 12 bytes, length field 1.
            .put(&[IPPROTO_UDP, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
            .udp();
        let (k, o) = run(f.bytes())?;
        assert!(exthdrs(&k) == HOP | DEST | ROUTER | FRAG | AUTH);
        assert!(k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_FIRST);
        assert!(k.get_u8(fields::IP_PROTO) == IPPROTO_UDP);
        assert!(o.transport == Some(54 + 32 + 12));
        assert!(k.get(fields::TP_DST) == [0, 53]);

        // (headers, bits, protocol, transport)
        let cases: [(&[u8], u16, u8, usize); 6] = [
            (
                &[NEXTHDR_ROUTING, NEXTHDR_HOP],
                ROUTER | UNSEQ,
                IPPROTO_TCP,
                70,
            ),
            (
                &[NEXTHDR_HOP, NEXTHDR_HOP],
                HOP | UNREP | UNSEQ,
                IPPROTO_TCP,
                70,
            ),
            (&[NEXTHDR_DEST; 3], DEST | UNREP, IPPROTO_TCP, 78),
            (
                &[NEXTHDR_FRAGMENT, NEXTHDR_ROUTING],
                FRAG | ROUTER | UNSEQ,
                IPPROTO_TCP,
                70,
            ),
            (
                &[NEXTHDR_DEST, NEXTHDR_FRAGMENT, NEXTHDR_DEST],
                DEST | FRAG,
                IPPROTO_TCP,
                78,
            ),
            (
                &[NEXTHDR_DEST, NEXTHDR_DEST, NEXTHDR_ROUTING],
                DEST | ROUTER | UNSEQ,
                IPPROTO_TCP,
                78,
            ),
        ];
        for (hdrs, bits, proto, th) in cases {
            let first = hdrs.first().copied().unwrap_or(IPPROTO_TCP);
            let mut f = Frame::eth(ETH_P_IPV6);
            f.ipv6(first);
            for (i, &h) in hdrs.iter().enumerate() {
                let next = hdrs.get(i + 1).copied().unwrap_or(IPPROTO_TCP);
                if h == NEXTHDR_FRAGMENT {
                    f.frag(next, 0, false);
                } else {
                    f.ext(next, 0);
                }
            }
            f.tcp();
            let (k, o) = run(f.bytes())?;
            assert!(exthdrs(&k) == bits);
            assert!(k.get_u8(fields::IP_PROTO) == proto);
            assert!(o.transport == Some(th));
        }

        // No next header; ESP is not an extension header here.
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_NONE).put(&[0; 8]);
        let (k, o) = run(f.bytes())?;
        assert!(exthdrs(&k) == NONEXT);
        assert!(k.get_u8(fields::IP_PROTO) == NEXTHDR_NONE && o.transport == Some(54));
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(50).put(&[0; 8]);
        let (k, o) = run(f.bytes())?;
        assert!(exthdrs(&k) == 0);
        assert!(k.get_u8(fields::IP_PROTO) == 50 && o.transport == Some(54));
        Ok(())
    }

    #[test]
    fn ipv6_exthdrs_walk_measures_ah_as_c_does() -> TestResult {
        use exthdr::*;
        // AH (12 bytes) > DEST > ROUTING > TCP. get_ipv6_ext_hdrs() takes
        // AH as 16 bytes and reads DEST's option bytes as the next header:
        // no ROUTER bit. ipv6_find_hdr() finds TCP where it is.
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_AUTH)
            .put(&[NEXTHDR_DEST, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
            .put(&[NEXTHDR_ROUTING, 0, 0, 0, IPPROTO_TCP, 0, 0, 0])
            .ext(IPPROTO_TCP, 0)
            .tcp();
        let (k, o) = run(f.bytes())?;
        assert!(exthdrs(&k) == AUTH | DEST | UNSEQ);
        assert!(k.get_u8(fields::IP_PROTO) == IPPROTO_TCP);
        assert!(o.transport == Some(54 + 12 + 8 + 8));
        Ok(())
    }

    #[test]
    fn ipv6_fragments() -> TestResult {
        use exthdr::*;
        let mut first = Frame::eth(ETH_P_IPV6);
        first.ipv6(IPPROTO_TCP).tcp();
        let mut later = Frame::eth(ETH_P_IPV6);
        later
            .ipv6(NEXTHDR_FRAGMENT)
            .frag(IPPROTO_TCP, 100, true)
            .tcp();
        let (k, o) = rerun(first.bytes(), later.bytes())?;
        assert!(k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_LATER);
        assert!(k.get_u8(fields::IP_PROTO) == NEXTHDR_FRAGMENT);
        assert!(k.is_zero(KEY_TP));
        assert!(o.transport.is_none());
        assert!(exthdrs(&k) == FRAG);

        // Later fragment followed by another extension header:
        // ipv6_find_hdr() fails, keyed as a first fragment of proto 59.
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_FRAGMENT)
            .frag(NEXTHDR_DEST, 100, false)
            .ext(IPPROTO_TCP, 0)
            .tcp();
        let (k, o) = run(f.bytes())?;
        assert!(k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_FIRST);
        assert!(k.get_u8(fields::IP_PROTO) == NEXTHDR_NONE);
        assert!(o.transport == Some(14));

        // Fragment header cut after 3 bytes: the flag is set, no offset.
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_FRAGMENT).put(&[IPPROTO_TCP, 0, 0x03]);
        let (k, o) = run(f.bytes())?;
        assert!(k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_FIRST);
        assert!(k.get_u8(fields::IP_PROTO) == NEXTHDR_NONE);
        assert!(o.transport == Some(14));
        // ... after 1 byte: not even the flag.
        f.n = 55;
        let (k, _) = run(f.bytes())?;
        assert!(k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_NONE);
        assert!(exthdrs(&k) == FRAG);

        let mut m = meta();
        m.skb.gso_udp = true;
        let (k, _) = run_meta(first.bytes(), &m)?;
        assert!(k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_FIRST);
        Ok(())
    }

    #[test]
    fn truncated_ipv6() -> TestResult {
        use exthdr::*;
        let mut good = Frame::eth(ETH_P_IPV6);
        good.ipv6(NEXTHDR_HOP).ext(IPPROTO_TCP, 0).tcp();
        let mut short = Frame::eth(ETH_P_IPV6);
        short.ipv6(IPPROTO_TCP);
        short.n -= 1;
        let (k, o) = rerun(good.bytes(), short.bytes())?;
        assert!(o == offsets(14, Some(14), ETH_P_IPV6));
        assert!(k.is_zero(KEY_IP) && k.is_zero(KEY_IPV6_ADDR));
        assert!(k.get(fields::IPV6_LABEL) == [0, 1, 0x23, 0x45]);
        assert!(exthdrs(&k) == HOP);
        assert!(k.get(fields::TP_SRC) == [0x12, 0x34]);
        assert!(k.is_zero(fields::TP_FLAGS));

        // 12 extension headers are walked, a 13th is not.
        for (n, proto, th) in [(12usize, IPPROTO_TCP, 54 + 96), (13, NEXTHDR_NONE, 14)] {
            let mut f = Frame::eth(ETH_P_IPV6);
            f.ipv6(NEXTHDR_DEST);
            for i in 0..n {
                f.ext(if i + 1 < n { NEXTHDR_DEST } else { IPPROTO_TCP }, 0);
            }
            f.tcp();
            let (k, o) = run(f.bytes())?;
            assert!(k.get_u8(fields::IP_PROTO) == proto);
            assert!(o.transport == Some(th));
            assert!(exthdrs(&k) == DEST | UNREP);
        }

        // A header longer than the packet; a routing header under 4 bytes.
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_HOP).ext(IPPROTO_TCP, 0);
        f.set(55, 10);
        let (k, o) = run(f.bytes())?;
        assert!(k.get_u8(fields::IP_PROTO) == NEXTHDR_NONE);
        assert!(o.transport == Some(14) && exthdrs(&k) == HOP);
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_ROUTING).put(&[IPPROTO_TCP, 0, 0]);
        let (k, _) = run(f.bytes())?;
        assert!(k.get_u8(fields::IP_PROTO) == NEXTHDR_NONE);
        assert!(exthdrs(&k) == ROUTER);
        Ok(())
    }

    #[test]
    fn neighbour_discovery() -> TestResult {
        let sll = [1, 1, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f];
        let tll = [2, 1, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f];
        let (k, o) = run(nd_frame(135, 0, &sll).bytes())?;
        assert!(o.transport == Some(54));
        assert!(k.get(KEY_TP) == [0, 135, 0, 0, 0, 0]);
        assert!(k.get(fields::ND_TARGET) == IP6_DST);
        assert!(k.get(fields::ND_SLL) == MAC_A);
        assert!(k.is_zero(fields::ND_TLL));

        let mut both = [0u8; 16];
        both[..8].copy_from_slice(&tll);
        both[8..].copy_from_slice(&sll);
        let (k, _) = run(nd_frame(136, 0, &both).bytes())?;
        assert!(k.get(fields::ND_TLL) == MAC_B && k.get(fields::ND_SLL) == MAC_A);

        // A 16-byte SLL is skipped, the walk goes on; a short tail is
        // ignored.
        let mut opts = [0u8; 29];
        opts[..2].copy_from_slice(&[1, 2]);
        opts[16..24].copy_from_slice(&tll);
        let (k, _) = run(nd_frame(136, 0, &opts).bytes())?;
        assert!(k.is_zero(fields::ND_SLL) && k.get(fields::ND_TLL) == MAC_B);

        // A zero SLL first: the second is not a duplicate.
        let mut opts = [0u8; 16];
        opts[..2].copy_from_slice(&[1, 1]);
        opts[8..].copy_from_slice(&sll);
        let (k, _) = run(nd_frame(135, 0, &opts).bytes())?;
        assert!(k.get(fields::ND_SLL) == MAC_A);
        Ok(())
    }

    #[test]
    fn malformed_nd_options() -> TestResult {
        let sll = [1, 1, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f];
        let mut dup = [0u8; 16];
        dup[..8].copy_from_slice(&sll);
        dup[8..].copy_from_slice(&sll);
        let (k, _) = run(nd_frame(135, 0, &dup).bytes())?;
        assert!(k.is_zero(KEY_ND));
        assert!(k.get(KEY_TP) == [0, 135, 0, 0, 0, 0]);

        // Length 0, and past the end: stop, keep what was found.
        let mut zero_len = [0u8; 16];
        zero_len[..8].copy_from_slice(&sll);
        zero_len[8..10].copy_from_slice(&[2, 0]);
        let mut past_end = zero_len;
        past_end[8..10].copy_from_slice(&[2, 2]);
        for opts in [&zero_len, &past_end] {
            let (k, _) = run(nd_frame(135, 0, opts).bytes())?;
            assert!(k.get(fields::ND_TARGET) == IP6_DST);
            assert!(k.get(fields::ND_SLL) == MAC_A);
            assert!(k.is_zero(fields::ND_TLL));
        }

        // Shorter than a whole nd_msg: ND cleared, tp set.
        let good = nd_frame(135, 0, &sll);
        let mut short = nd_frame(135, 0, &[]);
        short.n -= 1;
        let (k, _) = rerun(good.bytes(), short.bytes())?;
        assert!(k.is_zero(KEY_ND));
        assert!(k.get(fields::TP_SRC) == [0, 135]);

        // Not ND (code 1): the ND fields are not touched.
        let (k, _) = rerun(good.bytes(), nd_frame(135, 1, &[]).bytes())?;
        assert!(k.get(fields::ND_SLL) == MAC_A);
        assert!(k.get(KEY_TP) == [0, 135, 0, 1, 0, 0]);
        let (k, _) = run(nd_frame(128, 0, &sll).bytes())?;
        assert!(k.is_zero(KEY_ND) && k.get(fields::TP_SRC) == [0, 128]);

        // ICMPv6 header short.
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_ICMP).put(&[135, 0, 0, 0, 0, 0, 0]);
        let (k, _) = rerun(good.bytes(), f.bytes())?;
        assert!(k.is_zero(KEY_TP));
        assert!(k.get(fields::ND_SLL) == MAC_A);
        Ok(())
    }
}
