// SPDX-License-Identifier: GPL-2.0

//! KUnit suite `ovs_rs_actions_edit_transport`: TCP, UDP and SCTP port rewrites (`edit/transport.rs`).

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_actions_edit_transport))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;
    use crate::test_support::TestResult;

    #[test]
    fn tcp_ports() -> TestResult {
        for (value, mask, sport, dport, ct) in [
            (ports(1111, 2222), [0xff; 4], 1111u16, 2222u16, true),
            (ports(0, 0x1f00), [0, 0, 0xff, 0], 0x1234, 0x1f50, true),
            (ports(0x1234, 80), [0xff; 4], 0x1234, 80, false),
        ] {
            for mut f in [tcp4(), tcp6()] {
                let mut key = key_of(f.bytes())?;
                let (r, csum) = apply(
                    &mut f,
                    IpSummed::Complete,
                    key_attr::TCP,
                    &value,
                    &mask,
                    &mut key,
                );
                assert!(
                    r == Ok(Effects {
                        clear_hash: true,
                        ct_clear: ct,
                    })
                );
                assert!(f.at::<4>(f.th) == ports(sport, dport));
                assert!(l4_ok(&f));
                assert!(complete_ok(csum, f.bytes()));
                assert!(key_matches(&key, &f));
            }
        }
        Ok(())
    }

    #[test]
    fn tcp_ports_checksum_partial() -> TestResult {
        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(IPPROTO_TCP, 0).tcp().finish(L4Sum::Partial);
        let before = l4_check(&f);
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::Partial,
            key_attr::TCP,
            &ports(9, 10),
            &[0xff; 4],
            &mut key,
        );
        assert!(r == Ok(ALL));
        assert!(f.at::<4>(f.th) == ports(9, 10));
        assert!(l4_check(&f) == before);
        assert!(key_matches(&key, &f));
        Ok(())
    }

    #[test]
    fn udp_ports() -> TestResult {
        let value = ports(4000, 4001);
        for summed in [IpSummed::None, IpSummed::Complete] {
            for mut f in [udp4(L4Sum::Full), udp6(L4Sum::Full)] {
                let mut key = key_of(f.bytes())?;
                let (r, csum) = apply(&mut f, summed, key_attr::UDP, &value, &[0xff; 4], &mut key);
                assert!(r == Ok(ALL));
                assert!(f.at::<4>(f.th) == value);
                assert!(l4_ok(&f));
                assert!(key_matches(&key, &f));
                if summed == IpSummed::Complete {
                    assert!(complete_ok(csum, f.bytes()));
                }
            }
            // No checksum: ports written, none computed.
            let mut f = udp4(L4Sum::Zero);
            let mut key = key_of(f.bytes())?;
            let (r, csum) = apply(&mut f, summed, key_attr::UDP, &value, &[0xff; 4], &mut key);
            assert!(r == Ok(ALL));
            assert!(f.at::<4>(f.th) == value);
            assert!(l4_check(&f) == [0, 0]);
            assert!(key_matches(&key, &f));
            if summed == IpSummed::Complete {
                // C leaves skb->csum: the port change is not in it.
                assert!(csum.csum == complete_of(udp4(L4Sum::Zero).bytes()));
            }
        }
        // Same ports with a checksum: nothing to clear but the hash.
        let mut f = udp4(L4Sum::Full);
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::UDP,
            &ports(5353, 53),
            &[0xff; 4],
            &mut key,
        );
        assert!(
            r == Ok(Effects {
                clear_hash: true,
                ct_clear: false,
            })
        );
        // Same ports without one: C clears conntrack regardless.
        let mut f = udp4(L4Sum::Zero);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::UDP,
            &ports(5353, 53),
            &[0xff; 4],
            &mut key,
        );
        assert!(r == Ok(ALL));
        Ok(())
    }

    #[test]
    fn udp_ports_checksum_partial_and_mangled() -> TestResult {
        let mut f = udp4(L4Sum::Partial);
        let before = l4_check(&f);
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::Partial,
            key_attr::UDP,
            &ports(1, 2),
            &[0xff; 4],
            &mut key,
        );
        assert!(r == Ok(ALL));
        assert!(f.at::<4>(f.th) == ports(1, 2));
        assert!(l4_check(&f) == before);
        assert!(key_matches(&key, &f));
        // A source port for which the checksum comes out 0.
        let mut f = udp4(L4Sum::Full);
        let check_now = u32::from(u16::from_be_bytes(l4_check(&f)));
        let body = f.bytes().get(f.th..).unwrap_or(&[]);
        let rest = pseudo(&f, f.bytes()) + sum_be(body) - check_now - 0x14e9;
        let port = (0..=0xffffu32)
            .find(|&x| fold(rest + x) == 0xffff)
            .ok_or("no such port")? as u16;
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::UDP,
            &ports(port, 0),
            &[0xff, 0xff, 0, 0],
            &mut key,
        );
        assert!(r.is_ok());
        assert!(l4_check(&f) == [0xff, 0xff]);
        assert!(l4_ok(&f));
        Ok(())
    }

    #[test]
    fn ports_truncated() -> TestResult {
        for (mut f, ty, hlen) in [
            (tcp4(), key_attr::TCP, TCP_HLEN),
            (udp4(L4Sum::Full), key_attr::UDP, UDP_HLEN),
            (
                {
                    let mut f = Frame::eth(ETH_P_IP);
                    f.ipv4(132, 0).sctp().finish(L4Sum::Full);
                    f
                },
                key_attr::SCTP,
                SCTP_HLEN,
            ),
        ] {
            let th = f.th;
            f.cut(th + hlen - 1);
            let orig = f.clone();
            let mut key = key_of(f.bytes())?;
            let orig_key = key.clone();
            let (r, _) = apply(
                &mut f,
                IpSummed::None,
                ty,
                &ports(1, 2),
                &[0xff; 4],
                &mut key,
            );
            assert!(r == Err(EditError::Truncated));
            assert!(f.bytes() == orig.bytes() && key == orig_key);
            f.put(&[0]);
            let (r, _) = apply(
                &mut f,
                IpSummed::None,
                ty,
                &ports(1, 2),
                &[0xff; 4],
                &mut key,
            );
            assert!(r == Ok(ALL));
        }
        Ok(())
    }

    fn sctp4() -> Frame {
        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(132, 0).sctp().finish(L4Sum::Full);
        f
    }

    #[test]
    fn sctp_ports() -> TestResult {
        for summed in [IpSummed::None, IpSummed::Complete] {
            let mut f = sctp4();
            let mut key = key_of(f.bytes())?;
            let (r, csum) = apply(
                &mut f,
                summed,
                key_attr::SCTP,
                &ports(7, 0x0900),
                &[0xff, 0xff, 0xff, 0],
                &mut key,
            );
            assert!(r == Ok(ALL));
            assert!(f.at::<4>(f.th) == [0, 7, 0x09, 0x70]);
            assert!(f.at::<4>(f.th + 8) == sctp_crc(f.bytes(), f.th).to_le_bytes());
            assert!(key_matches(&key, &f));
            // C does not touch skb->csum here.
            assert!(csum.csum == complete_of(sctp4().bytes()));
        }
        // Unchanged ports: C still rewrites and clears.
        let mut f = sctp4();
        let orig = f.clone();
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::SCTP,
            &ports(5000, 6000),
            &[0xff; 4],
            &mut key,
        );
        assert!(r == Ok(ALL));
        assert!(f.bytes() == orig.bytes());
        Ok(())
    }

    #[test]
    fn sctp_keeps_a_checksum_error() -> TestResult {
        let mut f = sctp4();
        let [g0, g1, g2, g3] = f.at::<4>(f.th + 8);
        let bad = [g0 ^ 0x5a, g1, g2, g3 ^ 0x01];
        f.set(f.th + 8, &bad);
        let mut key = key_of(f.bytes())?;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::SCTP,
            &ports(1, 2),
            &[0xff; 4],
            &mut key,
        );
        assert!(r == Ok(ALL));
        let correct = sctp_crc(f.bytes(), f.th).to_le_bytes();
        let now = f.at::<4>(f.th + 8);
        assert!(now != correct);
        assert!(now
            .iter()
            .zip(correct)
            .map(|(a, b)| a ^ b)
            .eq([0x5a, 0, 0, 0x01]));
        Ok(())
    }
}
