// SPDX-License-Identifier: GPL-2.0

//! Tests of `flow/match_nl.rs`: KUnit suite `ovs_rs_flow_match` in the module, `#[test]`s on
//! the host. `#[kunit_tests]` takes only an inline module, hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_flow_match))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;
    use crate::test_support::{put_attr, TestResult};

    /// An attribute stream built in a fixed buffer.
    struct Stream {
        buf: [u8; 256],
        len: usize,
    }

    impl Stream {
        fn new() -> Self {
            Stream {
                buf: [0; 256],
                len: 0,
            }
        }

        fn attr(mut self, kind: u16, payload: &[u8]) -> Self {
            self.len = put_attr(&mut self.buf, self.len, kind, payload);
            self
        }

        fn nest(self, kind: u16, inner: &Stream) -> Self {
            self.attr(kind, inner.bytes())
        }

        fn bytes(&self) -> &[u8] {
            self.buf.get(..self.len).unwrap_or(&[])
        }
    }

    fn ipv4(proto: u8, frag: u8) -> [u8; 12] {
        [10, 0, 0, 1, 10, 0, 0, 2, proto, 0, 64, frag]
    }

    fn tcp_key(frag: u8) -> Stream {
        Stream::new()
            .attr(ka::IN_PORT, &1u32.to_ne_bytes())
            .attr(ka::ETHERNET, &[2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2])
            .attr(ka::ETHERTYPE, &[0x08, 0x00])
            .attr(ka::IPV4, &ipv4(6, frag))
            .attr(ka::TCP, &[0, 80, 0x1f, 0x90])
            .attr(ka::TCP_FLAGS, &[0, 0x02])
    }

    #[test]
    fn tcp_flow_with_the_default_mask() -> TestResult {
        let key = tcp_key(0);
        let m = get_match(key.bytes(), None, true, CtSupport::default()).map_err(|_| "refused")?;
        assert!(m.key.get_be16(fields::ETH_TYPE) == 0x0800);
        assert!(m.key.get_u8(fields::IP_PROTO) == 6);
        assert!(m.key.get(fields::TP_DST) == [0x1f, 0x90]);
        assert!(m.mask.get_be16(fields::ETH_TYPE) == 0xffff);
        assert!(m.mask.get(fields::PHY_IN_PORT) == [0xff, 0xff]);
        assert!(m.mask.get_u8(fields::MAC_PROTO) == 0xff);
        assert!(m.mask.get_be16(fields::ETH_VLAN_TCI) == 0xffff);
        assert!(m.mask.get_u8(fields::IP_TTL) == 0xff);
        assert!(m.mask.get(fields::TP_FLAGS) == [0xff, 0xff]);
        assert!(
            m.mask_range
                == Range {
                    start: 328,
                    end: 384,
                }
        );
        Ok(())
    }

    #[test]
    fn missing_and_unexpected_attributes() {
        let no_l3 = Stream::new()
            .attr(ka::ETHERNET, &[0; 12])
            .attr(ka::ETHERTYPE, &[0x08, 0x00]);
        assert!(
            get_match(no_l3.bytes(), None, true, CtSupport::default())
                == Err(MatchError::MissingKey {
                    keys: bit(ka::ETHERNET) | bit(ka::ETHERTYPE),
                    expected: bit(ka::IPV4),
                })
        );
        let no_flags = Stream::new()
            .attr(ka::ETHERNET, &[0; 12])
            .attr(ka::ETHERTYPE, &[0x08, 0x00])
            .attr(ka::IPV4, &ipv4(6, 0))
            .attr(ka::TCP, &[0; 4]);
        assert!(matches!(
            get_match(no_flags.bytes(), None, true, CtSupport::default()),
            Err(MatchError::MissingKey { .. })
        ));
        // A later fragment has no L4 header to match, so the default mask
        // of its TCP attributes is refused.
        assert!(matches!(
            get_match(tcp_key(2).bytes(), None, true, CtSupport::default()),
            Err(MatchError::UnexpectedMask { .. })
        ));
        assert!(get_match(tcp_key(2).bytes(), None, false, CtSupport::default()).is_ok());
    }

    #[test]
    fn value_limits() {
        let port = Stream::new()
            .attr(ka::IN_PORT, &65535u32.to_ne_bytes())
            .attr(ka::ETHERNET, &[0; 12]);
        assert!(
            get_match(port.bytes(), None, true, CtSupport::default())
                == Err(MatchError::PortTooLarge(65535))
        );
        let small = Stream::new()
            .attr(ka::ETHERNET, &[0; 12])
            .attr(ka::ETHERTYPE, &[0x05, 0xff]);
        assert!(
            get_match(small.bytes(), None, true, CtSupport::default())
                == Err(MatchError::EthertypeTooSmall(0x5ff))
        );
        let nothing = Stream::new().attr(ka::IN_PORT, &1u32.to_ne_bytes());
        assert!(
            get_match(nothing.bytes(), None, true, CtSupport::default())
                == Err(MatchError::NoEthernetNorEthertype)
        );
        let mpls = Stream::new()
            .attr(ka::ETHERNET, &[0; 12])
            .attr(ka::ETHERTYPE, &[0x88, 0x47])
            .attr(ka::MPLS, &[0; 16]);
        assert!(
            get_match(mpls.bytes(), None, true, CtSupport::default()) == Err(MatchError::BadMpls)
        );
        let ct = Stream::new()
            .attr(ka::ETHERNET, &[0; 12])
            .attr(ka::CT_STATE, &1u32.to_ne_bytes());
        assert!(
            get_match(ct.bytes(), None, true, CtSupport::default())
                == Err(MatchError::UnknownAttributes(bit(ka::CT_STATE)))
        );
    }

    #[test]
    fn one_vlan_tag() -> TestResult {
        let arp = [
            10, 0, 0, 1, 10, 0, 0, 2, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let inner = Stream::new()
            .attr(ka::ETHERTYPE, &[0x08, 0x06])
            .attr(ka::ARP, &arp);
        let key = Stream::new()
            .attr(ka::ETHERNET, &[0; 12])
            .attr(ka::ETHERTYPE, &[0x81, 0x00])
            .attr(ka::VLAN, &[0x10, 0x05])
            .nest(ka::ENCAP, &inner);
        let m = get_match(key.bytes(), None, true, CtSupport::default()).map_err(|_| "refused")?;
        assert!(m.key.get_be16(fields::ETH_VLAN_TPID) == 0x8100);
        assert!(m.key.get_be16(fields::ETH_VLAN_TCI) == 0x1005);
        assert!(m.key.get_be16(fields::ETH_TYPE) == 0x0806);
        assert!(m.key.get_u8(fields::IP_PROTO) == 1);
        assert!(m.mask.get_be16(fields::ETH_VLAN_TPID) == 0xffff);
        let no_encap = Stream::new()
            .attr(ka::ETHERNET, &[0; 12])
            .attr(ka::ETHERTYPE, &[0x81, 0x00])
            .attr(ka::VLAN, &[0x10, 0x05]);
        assert!(
            get_match(no_encap.bytes(), None, true, CtSupport::default())
                == Err(MatchError::InvalidVlanFrame { inner: false })
        );
        let no_cfi = Stream::new()
            .attr(ka::ETHERNET, &[0; 12])
            .attr(ka::ETHERTYPE, &[0x81, 0x00])
            .attr(ka::VLAN, &[0x00, 0x05])
            .nest(ka::ENCAP, &inner);
        assert!(
            get_match(no_cfi.bytes(), None, true, CtSupport::default())
                == Err(MatchError::TciWithoutCfi { inner: false })
        );
        Ok(())
    }

    #[test]
    fn explicit_masks_wildcard() -> TestResult {
        let key = tcp_key(0);
        // Only the ethertype and the IP protocol matter.
        let mask = Stream::new()
            .attr(ka::IN_PORT, &[0; 4])
            .attr(ka::ETHERNET, &[0; 12])
            .attr(ka::ETHERTYPE, &[0xff, 0xff])
            .attr(ka::IPV4, &[0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0]);
        let m = get_match(key.bytes(), Some(mask.bytes()), true, CtSupport::default())
            .map_err(|_| "refused")?;
        assert!(m.mask.get(fields::IPV4_SRC) == [0; 4]);
        assert!(m.mask.get(fields::PHY_IN_PORT) == [0, 0]);
        assert!(m.mask.get_u8(fields::IP_PROTO) == 0xff);
        assert!(m.mask.get(fields::TP_SRC) == [0, 0]);
        Ok(())
    }
}
