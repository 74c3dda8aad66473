// SPDX-License-Identifier: GPL-2.0

//! Tests of `flow/ct_nl.rs`: KUnit suite `ovs_rs_flow_ct` in the module,
//! `#[test]`s on the host. The expected forms are C's
//! (`parse_ct()`/`parse_nat()`/`ovs_ct_action_to_attr()`).

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_flow_ct))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;
    use crate::flow::actions_nl::{copy_actions, ActionError};
    use crate::netlink::build::SliceSink;
    use crate::test_support::{stream, TestResult};
    use crate::uapi::action;

    const ALL: CtSupport = CtSupport::ALL;

    fn key(eth_type: u16) -> FlowKey {
        let mut k = FlowKey::default();
        k.set_u8(fields::MAC_PROTO, crate::uapi::MAC_PROTO_ETHERNET);
        k.set_be16(fields::ETH_TYPE, eth_type);
        k.set_u8(fields::IP_PROTO, 6);
        k
    }

    fn v4(payload: &[u8]) -> Result<CtAction, CtError> {
        parse(payload, &key(ETH_P_IP), ALL)
    }

    /// `payload` as a whole CT action list through validation: the
    /// written form's length in `out`.
    fn copied(payload: &[u8], eth_type: u16, out: &mut [u8]) -> Result<usize, ActionError> {
        let mut list = [0u8; 256];
        let list = stream(&mut list, &[(action::CT, payload)]);
        let mut sink = SliceSink::new(out);
        copy_actions(&mut sink, list, &key(eth_type), ALL)?;
        Ok(sink.bytes().len())
    }

    #[test]
    fn members_are_kept_and_shown_in_c_order() -> TestResult {
        let mut mark = [0u8; 8];
        mark[..4].copy_from_slice(&5u32.to_ne_bytes());
        mark[4..].copy_from_slice(&0xffu32.to_ne_bytes());
        let mut labels = [0u8; 32];
        labels[0] = 1;
        labels[16] = 0xff;
        let mut buf = [0u8; 256];
        // Sent out of C's order, helper with bytes past its NUL.
        let p = stream(
            &mut buf,
            &[
                (ct_attr::EVENTMASK, &3u32.to_ne_bytes()),
                (ct_attr::MARK, &mark),
                (ct_attr::LABELS, &labels),
                (ct_attr::HELPER, b"ftp\0xy"),
                (ct_attr::ZONE, &7u16.to_ne_bytes()),
                (ct_attr::COMMIT, &[]),
            ],
        );
        let ct = v4(p).map_err(|_| "refused")?;
        assert!(ct.commit && !ct.force);
        assert_eq!(ct.zone, 7);
        assert_eq!(ct.mark, Some((5, 0xff)));
        assert!(ct.helper.map(|h| h.as_bytes() == b"ftp") == Some(true));
        let mut out = [0u8; 256];
        let n = copied(p, ETH_P_IP, &mut out).map_err(|_| "refused")?;
        let mut want_inner = [0u8; 256];
        let inner = stream(
            &mut want_inner,
            &[
                (ct_attr::COMMIT, &[]),
                (ct_attr::ZONE, &7u16.to_ne_bytes()),
                (ct_attr::MARK, &mark),
                (ct_attr::LABELS, &labels),
                (ct_attr::HELPER, b"ftp\0"),
                (ct_attr::EVENTMASK, &3u32.to_ne_bytes()),
            ],
        );
        let mut want = [0u8; 256];
        let want = stream(&mut want, &[(action::CT, inner)]);
        assert!(out[..n] == *want);
        // What is stored parses as what was validated.
        assert!(parse(&want[4..], &key(ETH_P_IP), ALL) == Ok(ct));
        Ok(())
    }

    #[test]
    fn an_empty_action_shows_its_zone() -> TestResult {
        let mut out = [0u8; 64];
        let n = copied(&[], ETH_P_IPV6, &mut out).map_err(|_| "refused")?;
        let mut want = [0u8; 64];
        let mut inner = [0u8; 16];
        let inner = stream(&mut inner, &[(ct_attr::ZONE, &0u16.to_ne_bytes())]);
        let want = stream(&mut want, &[(action::CT, inner)]);
        assert!(out[..n] == *want);
        Ok(())
    }

    #[test]
    fn family_and_support() -> TestResult {
        assert!(parse(&[], &key(0x0806), ALL) == Err(CtError::NoFamily));
        let mut out = [0u8; 64];
        assert!(copied(&[], 0x0806, &mut out) == Err(ActionError::Ct(CtError::NoFamily)));
        let mut list = [0u8; 16];
        let list = stream(&mut list, &[(action::CT, &[])]);
        let mut sink = SliceSink::new(&mut out);
        let none = CtSupport::default();
        assert!(
            copy_actions(&mut sink, list, &key(ETH_P_IP), none) == Err(ActionError::NoConntrack)
        );
        // Without NAT, a NAT attribute is unknown (or of a bad length).
        let no_nat = CtSupport { nat: false, ..ALL };
        let mut buf = [0u8; 16];
        let p = stream(&mut buf, &[(ct_attr::NAT, &[])]);
        assert!(parse(p, &key(ETH_P_IP), no_nat) == Err(CtError::AttrUnknown(ct_attr::NAT)));
        Ok(())
    }

    /// Members sent, and C's refusal.
    type Case<'a> = (&'a [(u16, &'a [u8])], CtError);

    #[test]
    fn malformed_members() -> TestResult {
        let mut buf = [0u8; 64];
        let cases: [Case<'_>; 10] = [
            (&[(10, &[])], CtError::AttrType(10)),
            (&[(0, &[])], CtError::AttrUnknown(0)),
            (
                &[(0, &[1, 2, 3, 4])],
                CtError::AttrLen {
                    kind: 0,
                    len: 4,
                    max: 0,
                },
            ),
            (
                &[(ct_attr::ZONE, &[1, 2, 3, 4])],
                CtError::AttrLen {
                    kind: 2,
                    len: 4,
                    max: 2,
                },
            ),
            (
                &[(ct_attr::COMMIT, &[1])],
                CtError::AttrLen {
                    kind: 1,
                    len: 1,
                    max: 0,
                },
            ),
            (&[(ct_attr::HELPER, b"ftp")], CtError::Helper),
            (
                &[(ct_attr::HELPER, &[])],
                CtError::AttrLen {
                    kind: 5,
                    len: 0,
                    max: 16,
                },
            ),
            (&[(ct_attr::TIMEOUT, b"x")], CtError::Timeout),
            (
                &[
                    (ct_attr::COMMIT, &[]),
                    (ct_attr::MARK, &[1, 0, 0, 0, 0, 0, 0, 0]),
                ],
                CtError::MarkMask,
            ),
            (
                &[(ct_attr::MARK, &[0, 0, 0, 0, 1, 0, 0, 0])],
                CtError::MarkNoCommit,
            ),
        ];
        for (attrs, err) in cases {
            let p = stream(&mut buf, attrs);
            assert!(v4(p) == Err(err));
        }
        let mut labels = [0u8; 32];
        let p = stream(
            &mut buf,
            &[(ct_attr::COMMIT, &[]), (ct_attr::LABELS, &labels)],
        );
        assert!(v4(p) == Err(CtError::LabelsMask));
        labels[31] = 1;
        let p = stream(&mut buf, &[(ct_attr::LABELS, &labels)]);
        assert!(v4(p) == Err(CtError::LabelsNoCommit));
        let p = stream(&mut buf, &[(ct_attr::COMMIT, &[])]);
        let mut trailing = [0u8; 8];
        trailing[..p.len()].copy_from_slice(p);
        assert!(v4(&trailing[..p.len() + 2]) == Err(CtError::Trailing(2)));
        // An empty timeout policy name is no policy.
        let p = stream(&mut buf, &[(ct_attr::TIMEOUT, b"\0")]);
        assert!(v4(p).map(|ct| ct.timeout.is_none()) == Ok(true));
        let p = stream(&mut buf, &[(ct_attr::FORCE_COMMIT, &[])]);
        assert!(v4(p).map(|ct| ct.commit && ct.force) == Ok(true));
        Ok(())
    }

    #[test]
    fn nat_ranges_and_flags() -> TestResult {
        let mut nat = [0u8; 64];
        let nat = stream(
            &mut nat,
            &[
                (nat_attr::SRC, &[]),
                (nat_attr::IP_MIN, &[10, 0, 0, 1]),
                (nat_attr::PROTO_MIN, &1024u16.to_ne_bytes()),
                (nat_attr::PROTO_MAX, &2048u16.to_ne_bytes()),
                (nat_attr::PROTO_HASH, &[]),
                (nat_attr::PERSISTENT, &[]),
            ],
        );
        let mut buf = [0u8; 128];
        let p = stream(&mut buf, &[(ct_attr::COMMIT, &[]), (ct_attr::NAT, nat)]);
        let ct = v4(p).map_err(|_| "refused")?;
        let n = ct.nat.ok_or("no nat")?;
        assert_eq!(n.kind, NatKind::Src);
        // A missing maximum is the minimum.
        assert!(n.range.max_addr[..4] == [10, 0, 0, 1]);
        assert_eq!((n.range.min_proto, n.range.max_proto), (1024, 2048));
        let mut out = [0u8; 128];
        let len = copied(p, ETH_P_IP, &mut out).map_err(|_| "refused")?;
        let mut want_nat = [0u8; 64];
        let want_nat = stream(
            &mut want_nat,
            &[
                (nat_attr::SRC, &[]),
                (nat_attr::IP_MIN, &[10, 0, 0, 1]),
                (nat_attr::PROTO_MIN, &1024u16.to_ne_bytes()),
                (nat_attr::PROTO_MAX, &2048u16.to_ne_bytes()),
                (nat_attr::PERSISTENT, &[]),
                (nat_attr::PROTO_HASH, &[]),
            ],
        );
        let mut want_inner = [0u8; 128];
        let want_inner = stream(
            &mut want_inner,
            &[
                (ct_attr::COMMIT, &[]),
                (ct_attr::ZONE, &[0, 0]),
                (ct_attr::NAT, want_nat),
            ],
        );
        let mut want = [0u8; 128];
        let want = stream(&mut want, &[(action::CT, want_inner)]);
        assert!(out[..len] == *want);
        assert!(parse(&want[4..], &key(ETH_P_IP), ALL) == Ok(ct));
        Ok(())
    }

    #[test]
    fn nat_refusals() -> TestResult {
        let mut nat = [0u8; 64];
        let mut buf = [0u8; 128];
        // NAT before COMMIT.
        let n = stream(&mut nat, &[(nat_attr::DST, &[])]);
        let p = stream(&mut buf, &[(ct_attr::NAT, n), (ct_attr::COMMIT, &[])]);
        assert!(v4(p) == Err(CtError::NatNoCommit));
        // Two kinds, in one attribute or in two: ERANGE.
        let n = stream(&mut nat, &[(nat_attr::DST, &[]), (nat_attr::SRC, &[])]);
        let p = stream(&mut buf, &[(ct_attr::COMMIT, &[]), (ct_attr::NAT, n)]);
        assert!(v4(p) == Err(CtError::NatTwice));
        assert_eq!(CtError::NatTwice.errno(), 34);
        let n = stream(&mut nat, &[(nat_attr::SRC, &[])]);
        let p = stream(
            &mut buf,
            &[
                (ct_attr::NAT, &[]),
                (ct_attr::COMMIT, &[]),
                (ct_attr::NAT, n),
            ],
        );
        assert!(v4(p) == Err(CtError::NatTwice));
        // A second empty NAT needs COMMIT, as C's `info->nat` test says.
        let p = stream(&mut buf, &[(ct_attr::NAT, &[]), (ct_attr::NAT, &[])]);
        assert!(v4(p) == Err(CtError::NatNoCommit));
        let p = stream(&mut buf, &[(ct_attr::NAT, &[])]);
        let ct = v4(p).map_err(|_| "refused")?;
        assert!(ct.nat.map(|n| n.kind) == Some(NatKind::Existing));
        // Flags without a kind.
        let n = stream(&mut nat, &[(nat_attr::PROTO_RANDOM, &[])]);
        let p = stream(&mut buf, &[(ct_attr::COMMIT, &[]), (ct_attr::NAT, n)]);
        assert!(v4(p) == Err(CtError::NatFlagsWithoutRange));
        // Lengths by family.
        let n = stream(
            &mut nat,
            &[(nat_attr::SRC, &[]), (nat_attr::IP_MIN, &[1; 16])],
        );
        let p = stream(&mut buf, &[(ct_attr::COMMIT, &[]), (ct_attr::NAT, n)]);
        assert!(
            v4(p)
                == Err(CtError::NatLen {
                    kind: 3,
                    len: 16,
                    want: 4
                })
        );
        assert!(parse(p, &key(ETH_P_IPV6), ALL).map(|c| c.nat.is_some()) == Ok(true));
        let n = stream(&mut nat, &[(10, &[])]);
        let p = stream(&mut buf, &[(ct_attr::NAT, n)]);
        assert!(v4(p) == Err(CtError::NatType(10)));
        let n = stream(&mut nat, &[(0, &[])]);
        let p = stream(&mut buf, &[(ct_attr::NAT, n)]);
        assert!(v4(p) == Err(CtError::NatUnknown(0)));
        Ok(())
    }

    #[test]
    fn ipv6_nat_shows_both_addresses_when_they_differ() -> TestResult {
        let mut nat = [0u8; 96];
        let nat = stream(
            &mut nat,
            &[
                (nat_attr::DST, &[]),
                (nat_attr::IP_MIN, &[1; 16]),
                (nat_attr::IP_MAX, &[2; 16]),
            ],
        );
        let mut buf = [0u8; 128];
        let p = stream(
            &mut buf,
            &[(ct_attr::FORCE_COMMIT, &[]), (ct_attr::NAT, nat)],
        );
        let mut out = [0u8; 128];
        let len = copied(p, ETH_P_IPV6, &mut out).map_err(|_| "refused")?;
        let mut inner = [0u8; 128];
        let inner = stream(
            &mut inner,
            &[
                (ct_attr::FORCE_COMMIT, &[]),
                (ct_attr::ZONE, &[0, 0]),
                (ct_attr::NAT, nat),
            ],
        );
        let mut want = [0u8; 160];
        let want = stream(&mut want, &[(action::CT, inner)]);
        assert!(out[..len] == *want);
        Ok(())
    }
}
