// SPDX-License-Identifier: GPL-2.0

//! KUnit suite `ovs_rs_actions_edit_ipv4`: IPv4 header rewrites (`edit/ipv4.rs`).

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_actions_edit_ipv4))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;
    use crate::test_support::TestResult;

    #[test]
    fn ipv4_tcp_addresses() -> TestResult {
        let mut f = tcp4();
        let mut key = key_of(f.bytes())?;
        let value = ipv4_attr([172, 16, 0, 1], [8, 8, 4, 4], 0, 0);
        let mask = ipv4_attr([0xff; 4], [0xff; 4], 0, 0);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::IPV4,
            &value,
            &mask,
            &mut key,
        );
        assert!(r == Ok(ALL));
        assert!(f.at::<4>(f.nh + 12) == [172, 16, 0, 1]);
        assert!(f.at::<4>(f.nh + 16) == [8, 8, 4, 4]);
        assert!(ip4_ok(f.bytes(), f.nh));
        assert!(l4_ok(&f));
        assert!(key_matches(&key, &f));
        Ok(())
    }

    #[test]
    fn ipv4_partial_masks() -> TestResult {
        let mut f = tcp4();
        let mut key = key_of(f.bytes())?;
        let value = ipv4_attr([0xac, 0x10, 0, 0], [0, 0, 0, 0x63], 0, 0);
        let mask = ipv4_attr([0xff, 0xff, 0, 0], [0, 0, 0, 0xff], 0, 0);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::IPV4,
            &value,
            &mask,
            &mut key,
        );
        assert!(r == Ok(ALL));
        assert!(f.at::<4>(f.nh + 12) == [0xac, 0x10, 1, 10]);
        assert!(f.at::<4>(f.nh + 16) == [10, 0, 0, 0x63]);
        assert!(f.at::<1>(f.nh + 1) == [0x1c]);
        assert!(f.at::<1>(f.nh + 8) == [64]);
        assert!(ip4_ok(f.bytes(), f.nh));
        assert!(l4_ok(&f));
        assert!(key_matches(&key, &f));
        Ok(())
    }

    #[test]
    fn ipv4_unchanged_address_is_left_alone() -> TestResult {
        let mut f = tcp4();
        let orig = f.clone();
        let mut key = key_of(f.bytes())?;
        let value = ipv4_attr(SRC4, [0, 0, 0, 2], 0, 0);
        let mask = ipv4_attr([0xff; 4], [0, 0, 0, 0xff], 0, 0);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::IPV4,
            &value,
            &mask,
            &mut key,
        );
        assert!(r == Ok(Effects::default()));
        assert!(f.bytes() == orig.bytes());
        assert!(key_matches(&key, &f));
        Ok(())
    }

    #[test]
    fn ipv4_udp_checksums() -> TestResult {
        let value = ipv4_attr([172, 16, 0, 1], [8, 8, 4, 4], 0, 0);
        let mask = ipv4_attr([0xff; 4], [0xff; 4], 0, 0);
        for summed in [IpSummed::None, IpSummed::Unnecessary, IpSummed::Complete] {
            // With a checksum: updated.
            let mut f = udp4(L4Sum::Full);
            let mut key = key_of(f.bytes())?;
            let (r, csum) = apply(&mut f, summed, key_attr::IPV4, &value, &mask, &mut key);
            assert!(r == Ok(ALL));
            assert!(ip4_ok(f.bytes(), f.nh));
            assert!(l4_ok(&f));
            assert!(key_matches(&key, &f));
            if summed == IpSummed::Complete {
                assert!(complete_ok(csum, f.bytes()));
            }
            // Without: stays without.
            let mut f = udp4(L4Sum::Zero);
            let mut key = key_of(f.bytes())?;
            let (r, csum) = apply(&mut f, summed, key_attr::IPV4, &value, &mask, &mut key);
            assert!(r == Ok(ALL));
            assert!(l4_check(&f) == [0, 0]);
            assert!(ip4_ok(f.bytes(), f.nh));
            if summed == IpSummed::Complete {
                assert!(complete_ok(csum, f.bytes()));
            }
        }
        Ok(())
    }

    #[test]
    fn ipv4_udp_checksum_coming_out_zero_is_mangled() -> TestResult {
        // Find the destination whose correct checksum is 0 (sent 0xffff).
        let mut f = udp4(L4Sum::Full);
        let body = f.bytes().get(f.th..).unwrap_or(&[]);
        let mut rest = pseudo(&f, f.bytes()) + sum_be(body);
        rest -= u32::from(u16::from_be_bytes(l4_check(&f)));
        rest -= u32::from(u16::from_be_bytes([DST4[2], DST4[3]]));
        let mut low = None;
        for x in 0..=0xffffu32 {
            if fold(rest + x) == 0xffff {
                low = Some(x as u16);
                break;
            }
        }
        let [hi, lo] = low.ok_or("no such address")?.to_be_bytes();
        let mut key = key_of(f.bytes())?;
        let value = ipv4_attr([0; 4], [0, 0, hi, lo], 0, 0);
        let mask = ipv4_attr([0; 4], [0, 0, 0xff, 0xff], 0, 0);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::IPV4,
            &value,
            &mask,
            &mut key,
        );
        assert!(r.is_ok());
        assert!(l4_check(&f) == [0xff, 0xff]);
        assert!(l4_ok(&f));
        Ok(())
    }

    #[test]
    fn ipv4_fragments() -> TestResult {
        let value = ipv4_attr([172, 16, 0, 1], [0; 4], 0, 0);
        let mask = ipv4_attr([0xff; 4], [0; 4], 0, 0);
        // A later fragment has no L4 header: those bytes stay.
        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(IPPROTO_TCP, 185).tcp().finish(L4Sum::Full);
        let orig = f.clone();
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::IPV4,
            &value,
            &mask,
            &mut key,
        );
        assert!(r == Ok(ALL));
        assert!(f.bytes().get(f.th..) == orig.bytes().get(f.th..));
        assert!(ip4_ok(f.bytes(), f.nh));
        assert!(key_matches(&key, &f));
        // A first fragment does.
        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(IPPROTO_UDP, 0x2000).udp().finish(L4Sum::Full);
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::IPV4,
            &value,
            &mask,
            &mut key,
        );
        assert!(r == Ok(ALL));
        assert!(l4_ok(&f));
        assert!(key_matches(&key, &f));
        Ok(())
    }

    #[test]
    fn ipv4_tos_and_ttl() -> TestResult {
        for summed in [IpSummed::None, IpSummed::Complete] {
            let mut f = tcp4();
            let orig = f.clone();
            let mut key = key_of(f.bytes())?;
            // DSCP only: the ECN bits (0b00 here, set below) stay.
            f.set(f.nh + 1, &[0x1e]);
            f.set(f.nh + 10, &[0, 0]);
            let sum = !fold(sum_be(f.bytes().get(f.nh..f.nh + 20).unwrap_or(&[])));
            f.set(f.nh + 10, &sum.to_be_bytes());
            key.set_u8(fields::IP_TOS, 0x1e);
            let value = ipv4_attr([0; 4], [0; 4], 0xb8, 17);
            let mask = ipv4_attr([0; 4], [0; 4], 0xfc, 0xff);
            let (r, csum) = apply(&mut f, summed, key_attr::IPV4, &value, &mask, &mut key);
            assert!(r == Ok(Effects::default()));
            assert!(f.at::<1>(f.nh + 1) == [0xba]);
            assert!(f.at::<1>(f.nh + 8) == [17]);
            assert!(ip4_ok(f.bytes(), f.nh));
            assert!(l4_check(&f) == l4_check(&orig));
            assert!(key_matches(&key, &f));
            if summed == IpSummed::Complete {
                assert!(complete_ok(csum, f.bytes()));
            }
        }
        Ok(())
    }

    #[test]
    fn ipv4_dsfield_checksum_sweep() {
        // Every header checksum value, with C's own carry handling.
        let mut f = tcp4();
        let mut key = FlowKey::default();
        for i in 0..=0xffffu32 {
            let [_, _, a, b] = i.to_be_bytes();
            f.set(f.nh + 1, &[(i.wrapping_mul(31) >> 3) as u8]);
            f.set(f.nh + 14, &[a, b]);
            f.set(f.nh + 10, &[0, 0]);
            let sum = !fold(sum_be(f.bytes().get(f.nh..f.nh + 20).unwrap_or(&[])));
            f.set(f.nh + 10, &sum.to_be_bytes());
            let tos = i.wrapping_mul(17) as u8;
            let value = ipv4_attr([0; 4], [0; 4], tos, 0);
            let mask = ipv4_attr([0; 4], [0; 4], 0xff, 0);
            let (r, _) = apply(
                &mut f,
                IpSummed::None,
                key_attr::IPV4,
                &value,
                &mask,
                &mut key,
            );
            assert!(r.is_ok());
            assert!(f.at::<1>(f.nh + 1) == [tos]);
            assert!(ip4_ok(f.bytes(), f.nh));
        }
    }

    #[test]
    fn ipv4_complete_csum() -> TestResult {
        let value = ipv4_attr([172, 16, 0, 1], [8, 8, 4, 4], 0x04, 9);
        let mask = ipv4_attr([0xff; 4], [0xff; 4], 0xff, 0xff);
        for mut f in [tcp4(), udp4(L4Sum::Full), udp4(L4Sum::Zero)] {
            let mut key = key_of(f.bytes())?;
            let (r, csum) = apply(
                &mut f,
                IpSummed::Complete,
                key_attr::IPV4,
                &value,
                &mask,
                &mut key,
            );
            assert!(r == Ok(ALL));
            assert!(complete_ok(csum, f.bytes()));
            assert!(ip4_ok(f.bytes(), f.nh));
            assert!(key_matches(&key, &f));
        }
        Ok(())
    }

    #[test]
    fn ipv4_checksum_partial() -> TestResult {
        let value = ipv4_attr([172, 16, 0, 1], [8, 8, 4, 4], 0, 0);
        let mask = ipv4_attr([0xff; 4], [0xff; 4], 0, 0);
        let mut tcp = Frame::eth(ETH_P_IP);
        tcp.ipv4(IPPROTO_TCP, 0).tcp().finish(L4Sum::Partial);
        for mut f in [tcp, udp4(L4Sum::Partial)] {
            assert!(l4_partial_ok(&f));
            let mut key = key_of(f.bytes())?;
            let (r, csum) = apply(
                &mut f,
                IpSummed::Partial,
                key_attr::IPV4,
                &value,
                &mask,
                &mut key,
            );
            assert!(r == Ok(ALL));
            assert!(l4_partial_ok(&f));
            assert!(ip4_ok(f.bytes(), f.nh));
            assert!(csum.ip_summed == IpSummed::Partial);
        }
        // CHECKSUM_PARTIAL and a zero field: updated all the same.
        let mut f = udp4(L4Sum::Zero);
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::Partial,
            key_attr::IPV4,
            &value,
            &mask,
            &mut key,
        );
        assert!(r.is_ok());
        assert!(l4_check(&f) != [0, 0]);
        Ok(())
    }

    #[test]
    fn ipv4_truncated() -> TestResult {
        let value = ipv4_attr([172, 16, 0, 1], [0; 4], 0, 0);
        let mask = ipv4_attr([0xff; 4], [0; 4], 0, 0);
        let mut f = tcp4();
        let nh = f.nh;
        f.cut(nh + 19);
        let orig = f.clone();
        let mut key = key_of(tcp4().bytes())?;
        let orig_key = key.clone();
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::IPV4,
            &value,
            &mask,
            &mut key,
        );
        assert!(r == Err(EditError::Truncated));
        assert!(f.bytes() == orig.bytes());
        assert!(key == orig_key);
        // The IP header alone is enough; no TCP header, no TCP update.
        f.put(&[DST4[3]]);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::IPV4,
            &value,
            &mask,
            &mut key,
        );
        assert!(r == Ok(ALL));
        assert!(f.bytes().len() == nh + 20);
        assert!(ip4_ok(f.bytes(), nh));
        Ok(())
    }

    #[test]
    fn ipv4_short_tcp_header_is_not_updated() -> TestResult {
        let value = ipv4_attr([172, 16, 0, 1], [0; 4], 0, 0);
        let mask = ipv4_attr([0xff; 4], [0; 4], 0, 0);
        let mut f = tcp4();
        f.cut(f.th + 19);
        let orig = f.clone();
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::IPV4,
            &value,
            &mask,
            &mut key,
        );
        assert!(r == Ok(ALL));
        assert!(f.bytes().get(f.th..) == orig.bytes().get(f.th..));
        assert!(ip4_ok(f.bytes(), f.nh));
        // Twenty bytes of TCP are enough.
        let mut f = tcp4();
        f.cut(f.th + 20);
        let mut key = key_of(f.bytes())?;
        let before = l4_check(&f);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::IPV4,
            &value,
            &mask,
            &mut key,
        );
        assert!(r.is_ok());
        assert!(l4_check(&f) != before);
        Ok(())
    }
}
