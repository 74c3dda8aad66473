// SPDX-License-Identifier: GPL-2.0

//! Tests of `flow/tunnel_nl.rs`: KUnit suite `ovs_rs_flow_tunnel` in the module, `#[test]`s on
//! the host. `#[kunit_tests]` takes only an inline module, hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_flow_tunnel))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;
    use crate::flow::match_nl::{get_match, CtSupport};
    use crate::netlink::build::{AttrSink, SliceSink};
    use crate::test_support::{key_with_nest, TestResult};

    /// Without ARP fields 0x0806 would be refused: LLDP has none.
    const LLDP: u16 = 0x88cc;
    use crate::uapi::key_attr as ka;

    #[test]
    fn vxlan_tunnel_key_and_default_mask() -> TestResult {
        let mut gbp = [0u8; 8];
        let gbp = {
            let mut s = SliceSink::new(&mut gbp);
            s.put(1, &7u32.to_ne_bytes()).map_err(|_| "gbp")?;
            let n = s.bytes().len();
            &gbp[..n]
        };
        let mut buf = [0u8; 128];
        let key = key_with_nest(
            &mut buf,
            LLDP,
            ka::TUNNEL,
            &[
                (attr::ID, &5u64.to_be_bytes()),
                (attr::IPV4_DST, &[192, 0, 2, 1]),
                (attr::TTL, &[64]),
                (attr::VXLAN_OPTS, gbp),
            ],
        );
        let m = get_match(key, None, true, CtSupport::default()).map_err(|_| "refused")?;
        assert!(m.key.get_u8(fields::TUN_PROTO) == AF_INET);
        assert!(m.key.get_u8(fields::TUN_OPTS_LEN) == 4);
        assert!(m.key.get(fields::TUN_OPTS).get(251..) == Some(&7u32.to_ne_bytes()[..]));
        let flags = u64::from_ne_bytes(m.key.get(fields::TUN_FLAGS).try_into().unwrap_or([0; 8]));
        assert!(flags == (1 << flag::KEY) | (1 << flag::VXLAN_OPT));
        assert!(m.mask.get_u8(fields::TUN_PROTO) == 0xff);
        assert!(m.mask.get_u8(fields::TUN_OPTS_LEN) == 0xff);
        assert!(m.mask.get(fields::TUN_TOS) == [0xff]);
        Ok(())
    }

    #[test]
    fn tunnel_refusals() {
        type TunnelAttrs<'t> = &'t [(u16, &'t [u8])];
        let cases: [(TunnelAttrs<'_>, MatchError); 5] = [
            (
                &[(attr::IPV4_DST, &[192, 0, 2, 1])],
                MatchError::TunnelNoTtl,
            ),
            (&[(attr::TTL, &[64])], MatchError::TunnelNoDst),
            (
                &[(attr::IPV4_DST, &[0; 4]), (attr::TTL, &[1])],
                MatchError::TunnelIpv4DstZero,
            ),
            (
                &[
                    (attr::IPV4_DST, &[1; 4]),
                    (attr::IPV6_DST, &[1; 16]),
                    (attr::TTL, &[1]),
                ],
                MatchError::TunnelMixedFamilies,
            ),
            (
                &[
                    (attr::IPV4_DST, &[1; 4]),
                    (attr::TTL, &[1]),
                    (attr::GENEVE_OPTS, &[0; 6]),
                ],
                MatchError::GeneveNotWords(6),
            ),
        ];
        for (tun, want) in cases {
            let mut buf = [0u8; 128];
            let key = key_with_nest(&mut buf, LLDP, ka::TUNNEL, tun);
            assert!(get_match(key, None, true, CtSupport::default()) == Err(want));
        }
    }
}
