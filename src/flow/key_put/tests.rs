// SPDX-License-Identifier: GPL-2.0

//! Tests of `flow/key_put.rs`: KUnit suite `ovs_rs_flow_key_put` in the module, `#[test]`s on
//! the host. `#[kunit_tests]` takes only an inline module, hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_flow_key_put))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;
    use crate::flow::match_nl::get_match;
    use crate::netlink::attr::Attrs;
    use crate::netlink::build::SliceSink;
    use crate::test_support::{stream, TestResult};

    /// The types of a nest's attributes, in order, and the nest's payload.
    fn types_of<'p>(nest: &'p [u8], out: &mut [u16; 16]) -> (usize, &'p [u8]) {
        let payload = Attrs::new(nest).next().map_or(&[][..], |a| a.payload());
        let mut n = 0;
        for a in Attrs::new(payload) {
            if let Some(slot) = out.get_mut(n) {
                *slot = a.kind();
            }
            n += 1;
        }
        (n, payload)
    }

    fn find<'p>(payload: &'p [u8], kind: u16) -> Option<&'p [u8]> {
        Attrs::new(payload)
            .find(|a| a.kind() == kind)
            .map(|a| a.payload())
    }

    #[test]
    fn tcp_flow_key_and_mask_as_c_writes_them() -> TestResult {
        let mut kbuf = [0u8; 128];
        let key = stream(
            &mut kbuf,
            &[
                (ka::IN_PORT, &1u32.to_ne_bytes()),
                (ka::ETHERNET, &[2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]),
                (ka::ETHERTYPE, &[0x08, 0x00]),
                (ka::IPV4, &[10, 0, 0, 1, 10, 0, 0, 2, 6, 0, 64, 0]),
                (ka::TCP, &[0, 80, 0x1f, 0x90]),
                (ka::TCP_FLAGS, &[0, 0x02]),
            ],
        );
        let ct = CtSupport::default();
        let m = get_match(key, None, true, ct).map_err(|_| "refused")?;
        let masked = m.key.masked(&m.mask, m.mask_range);

        let mut out = [0u8; 512];
        let mut sink = SliceSink::new(&mut out);
        put_key(&mut sink, &masked, &masked, 2, false, ct).map_err(|_| "key full")?;
        let mut types = [0u16; 16];
        let (n, payload) = types_of(sink.bytes(), &mut types);
        assert!(
            types[..n]
                == [
                    ka::RECIRC_ID,
                    ka::DP_HASH,
                    ka::PRIORITY,
                    ka::IN_PORT,
                    ka::SKB_MARK,
                    ka::ETHERNET,
                    ka::ETHERTYPE,
                    ka::IPV4,
                    ka::TCP,
                    ka::TCP_FLAGS,
                ]
        );
        assert!(find(payload, ka::IN_PORT) == Some(&1u32.to_ne_bytes()[..]));
        assert!(find(payload, ka::IPV4) == Some(&[10, 0, 0, 1, 10, 0, 0, 2, 6, 0, 64, 0][..]));

        let mut out = [0u8; 512];
        let mut sink = SliceSink::new(&mut out);
        put_key(&mut sink, &masked, &m.mask, 3, true, ct).map_err(|_| "mask full")?;
        let (n, payload) = types_of(sink.bytes(), &mut types);
        assert!(
            types[..n]
                == [
                    ka::RECIRC_ID,
                    ka::DP_HASH,
                    ka::PRIORITY,
                    ka::TUNNEL,
                    ka::IN_PORT,
                    ka::SKB_MARK,
                    ka::ETHERNET,
                    ka::ETHERTYPE,
                    ka::IPV4,
                    ka::TCP,
                    ka::TCP_FLAGS,
                ]
        );
        assert!(find(payload, ka::TUNNEL) == Some(&[5, 0, tun_attr::TTL as u8, 0, 0, 0, 0, 0][..]));
        assert!(find(payload, ka::IN_PORT) == Some(&0xffff_ffffu32.to_ne_bytes()[..]));
        assert!(find(payload, ka::RECIRC_ID) == Some(&[0; 4][..]));
        Ok(())
    }

    #[test]
    fn vlan_flows_nest_in_encap() -> TestResult {
        let mut ibuf = [0u8; 64];
        let inner = stream(
            &mut ibuf,
            &[
                (ka::ETHERTYPE, &[0x08, 0x06]),
                (
                    ka::ARP,
                    &[
                        10, 0, 0, 1, 10, 0, 0, 2, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0,
                    ],
                ),
            ],
        );
        let mut kbuf = [0u8; 128];
        let key = stream(
            &mut kbuf,
            &[
                (ka::ETHERNET, &[0; 12]),
                (ka::ETHERTYPE, &[0x81, 0x00]),
                (ka::VLAN, &[0x10, 0x05]),
                (ka::ENCAP, inner),
            ],
        );
        let ct = CtSupport::default();
        let m = get_match(key, None, true, ct).map_err(|_| "refused")?;
        let masked = m.key.masked(&m.mask, m.mask_range);
        let mut out = [0u8; 512];
        let mut sink = SliceSink::new(&mut out);
        put_key(&mut sink, &masked, &m.mask, 3, true, ct).map_err(|_| "full")?;
        let mut types = [0u16; 16];
        let (n, payload) = types_of(sink.bytes(), &mut types);
        assert!(
            types[..n]
                == [
                    ka::RECIRC_ID,
                    ka::DP_HASH,
                    ka::PRIORITY,
                    ka::TUNNEL,
                    ka::IN_PORT,
                    ka::SKB_MARK,
                    ka::ETHERNET,
                    ka::ETHERTYPE,
                    ka::VLAN,
                    ka::ENCAP,
                ]
        );
        // No IN_PORT in the key: wildcarded, so the masked key's in_port
        // is 0 and the mask reads 0xffff0000.
        assert!(find(payload, ka::IN_PORT) == Some(&0xffff_0000u32.to_ne_bytes()[..]));
        assert!(find(payload, ka::ETHERTYPE) == Some(&[0xff, 0xff][..]));
        let encap = find(payload, ka::ENCAP).ok_or("no encap")?;
        let inner_types: [u16; 2] = {
            let mut t = [0u16; 2];
            for (slot, a) in t.iter_mut().zip(Attrs::new(encap)) {
                *slot = a.kind();
            }
            t
        };
        assert!(inner_types == [ka::ETHERTYPE, ka::ARP]);
        Ok(())
    }
}
