// SPDX-License-Identifier: GPL-2.0

//! Tests of `flow/program.rs`: KUnit suite `ovs_rs_flow_program` in the
//! module, `#[test]`s on the host. Lists go through validation
//! (`copy_actions`) first, as at install.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_flow_program))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;
    use crate::flow::actions_nl::copy_actions;
    use crate::flow::key::FlowKey;
    use crate::netlink::build::VecSink;
    use crate::test_support::{stream, TestResult};
    use crate::uapi::{tunnel_key_attr, MAC_PROTO_ETHERNET};

    /// An IPv4 TCP Ethernet flow's masked key.
    fn tcp4_key() -> FlowKey {
        let mut k = FlowKey::default();
        k.set_u8(fields::MAC_PROTO, MAC_PROTO_ETHERNET);
        k.set_be16(fields::ETH_TYPE, 0x0800);
        k.set_u8(fields::IP_PROTO, 6);
        k
    }

    /// `list` validated for `key` and compiled.
    fn program(list: &[u8], key: &FlowKey) -> Result<Program, &'static str> {
        let mut sink = VecSink::default();
        copy_actions(
            &mut sink,
            list,
            key,
            crate::flow::match_nl::CtSupport::default(),
        )
        .map_err(|_| "refused by validation")?;
        Program::compile(sink.into_vec()).map_err(|_| "did not compile")
    }

    #[test]
    fn a_flat_list_compiles_in_order() -> TestResult {
        let mut buf = [0u8; 64];
        let list = stream(
            &mut buf,
            &[
                (action::OUTPUT, &3u32.to_ne_bytes()),
                (action::TRUNC, &100u32.to_ne_bytes()),
                (action::RECIRC, &7u32.to_ne_bytes()),
                (action::OUTPUT, &4u32.to_ne_bytes()),
            ],
        );
        let p = program(list, &tcp4_key())?;
        let ops = p.ops(p.top());
        assert_eq!(ops.len(), 4);
        assert!(matches!(ops[0], Op::Output(3)));
        assert!(matches!(ops[1], Op::Trunc(100)));
        assert!(matches!(ops[2], Op::Recirc(7)));
        assert!(matches!(ops[3], Op::Output(4)));
        assert!(p.list_bytes(p.top()) == p.attrs());
        assert!(p.attrs() == list);
        Ok(())
    }

    #[test]
    fn nested_lists_say_whether_they_need_a_key_copy() -> TestResult {
        let key = tcp4_key();
        let mut b1 = [0u8; 32];
        let outputs_only = stream(&mut b1, &[(action::OUTPUT, &1u32.to_ne_bytes())]);
        let mut b2 = [0u8; 32];
        let pops = stream(
            &mut b2,
            &[
                (action::POP_VLAN, &[]),
                (action::OUTPUT, &2u32.to_ne_bytes()),
            ],
        );
        let mut b3 = [0u8; 128];
        // Not last and changing the flow: a copy. Not changing it, or
        // last: none.
        let list = stream(
            &mut b3,
            &[
                (action::CLONE, pops),
                (action::CLONE, outputs_only),
                (action::CLONE, pops),
            ],
        );
        let p = program(list, &key)?;
        let ops = p.ops(p.top());
        assert_eq!(ops.len(), 3);
        let mut copies = [false; 3];
        for (op, copy) in ops.iter().zip(copies.iter_mut()) {
            let Op::Clone(b) = op else {
                return Err("not a clone");
            };
            *copy = b.clone_key;
        }
        assert_eq!(copies, [true, false, false]);
        let Op::Clone(first) = &ops[0] else {
            return Err("not a clone");
        };
        let inner = p.ops(first.list);
        assert_eq!(inner.len(), 2);
        assert!(matches!(inner[0], Op::PopVlan));
        assert!(matches!(inner[1], Op::Output(2)));
        assert!(p.list_bytes(first.list) == pops);
        Ok(())
    }

    #[test]
    fn sample_and_check_pkt_len_keep_their_arguments() -> TestResult {
        let key = tcp4_key();
        let mut b1 = [0u8; 32];
        let out1 = stream(&mut b1, &[(action::OUTPUT, &1u32.to_ne_bytes())]);
        let mut b2 = [0u8; 32];
        let out2 = stream(&mut b2, &[(action::OUTPUT, &2u32.to_ne_bytes())]);
        let mut s = [0u8; 64];
        let sample = stream(
            &mut s,
            &[
                (sample_attr::PROBABILITY, &0x8000_0000u32.to_ne_bytes()),
                (sample_attr::ACTIONS, out1),
            ],
        );
        let mut c = [0u8; 96];
        let check = stream(
            &mut c,
            &[
                (check_pkt_len_attr::PKT_LEN, &[0xdc, 0x05]),
                (check_pkt_len_attr::ACTIONS_IF_GREATER, out2),
                (check_pkt_len_attr::ACTIONS_IF_LESS_EQUAL, out1),
            ],
        );
        let mut b = [0u8; 256];
        let list = stream(
            &mut b,
            &[(action::SAMPLE, sample), (action::CHECK_PKT_LEN, check)],
        );
        let p = program(list, &key)?;
        let ops = p.ops(p.top());
        let Op::Sample {
            probability,
            branch,
        } = &ops[0]
        else {
            return Err("not a sample");
        };
        assert_eq!(*probability, 0x8000_0000);
        assert!(matches!(p.ops(branch.list), [Op::Output(1)]));
        let Op::CheckPktLen {
            max_len,
            less_equal,
            greater,
        } = &ops[1]
        else {
            return Err("not a check_pkt_len");
        };
        assert_eq!(*max_len, u16::from_ne_bytes([0xdc, 0x05]));
        assert!(matches!(p.ops(less_equal.list), [Op::Output(1)]));
        assert!(matches!(p.ops(greater.list), [Op::Output(2)]));
        Ok(())
    }

    #[test]
    fn sets_are_typed_once() -> TestResult {
        let key = tcp4_key();
        let mut i1 = [0u8; 16];
        let mark = stream(&mut i1, &[(key_attr::SKB_MARK, &5u32.to_ne_bytes())]);
        let mut i2 = [0u8; 16];
        let prio = stream(
            &mut i2,
            &[(key_attr::PRIORITY, &[1, 0, 0, 0, 0xff, 0, 0, 0])],
        );
        let mut i3 = [0u8; 16];
        let ports = stream(
            &mut i3,
            &[(key_attr::TCP, &[0, 80, 0, 0, 0xff, 0xff, 0, 0])],
        );
        let mut b = [0u8; 128];
        let list = stream(
            &mut b,
            &[
                (action::SET, mark),
                (action::SET_MASKED, prio),
                (action::SET_MASKED, ports),
            ],
        );
        let p = program(list, &key)?;
        let ops = p.ops(p.top());
        assert!(matches!(
            ops[0],
            Op::SetMeta {
                field: Meta::Mark,
                value: 5,
                mask: u32::MAX
            }
        ));
        let one = u32::from_ne_bytes([1, 0, 0, 0]);
        let ff = u32::from_ne_bytes([0xff, 0, 0, 0]);
        assert!(matches!(
            ops[1],
            Op::SetMeta { field: Meta::Priority, value, mask } if value == one && mask == ff
        ));
        let Op::SetHeaders {
            kind,
            value,
            mask: Some(mask),
        } = ops[2]
        else {
            return Err("not a masked header set");
        };
        assert_eq!(kind, key_attr::TCP);
        assert!(p.bytes(value) == [0, 80, 0, 0]);
        assert!(p.bytes(mask) == [0xff, 0xff, 0, 0]);
        Ok(())
    }

    #[test]
    fn userspace_dec_ttl_and_psample() -> TestResult {
        let key = tcp4_key();
        let mut u = [0u8; 64];
        let user = stream(
            &mut u,
            &[
                (userspace_attr::PID, &9u32.to_ne_bytes()),
                (userspace_attr::USERDATA, b"cookie!!"),
                (userspace_attr::ACTIONS, &[]),
            ],
        );
        let mut d = [0u8; 16];
        let dec = stream(&mut d, &[(OVS_DEC_TTL_ATTR_ACTION, &[])]);
        let mut s = [0u8; 32];
        let ps = stream(
            &mut s,
            &[
                (psample_attr::GROUP, &4u32.to_ne_bytes()),
                (psample_attr::COOKIE, b"ab"),
            ],
        );
        let mut b = [0u8; 160];
        let list = stream(
            &mut b,
            &[
                (action::USERSPACE, user),
                (action::DEC_TTL, dec),
                // NLA_F_NESTED, as validation wants for psample.
                (action::PSAMPLE | 0x8000, ps),
            ],
        );
        let p = program(list, &key)?;
        let ops = p.ops(p.top());
        let Op::Userspace(u) = &ops[0] else {
            return Err("not userspace");
        };
        assert_eq!(u.pid, 9);
        assert!(u.with_actions && u.egress_port.is_none());
        assert!(u.userdata.map(|s| p.bytes(s)) == Some(&b"cookie!!"[..]));
        let Op::DecTtl(exception) = &ops[1] else {
            return Err("not dec_ttl");
        };
        assert!(p.ops(*exception).is_empty());
        let Op::Psample { group, cookie } = &ops[2] else {
            return Err("not psample");
        };
        assert_eq!(*group, 4);
        assert!(p.bytes(*cookie) == b"ab");
        Ok(())
    }

    #[test]
    fn a_tunnel_set_builds_its_metadata_once() -> TestResult {
        let mut key = tcp4_key();
        key.set_u8(fields::IP_PROTO, 17);
        let mut t = [0u8; 64];
        let tunnel = stream(
            &mut t,
            &[
                (tunnel_key_attr::ID, &[0, 0, 0, 0, 0, 0, 0, 42]),
                (tunnel_key_attr::IPV4_DST, &[10, 0, 0, 2]),
                (tunnel_key_attr::TTL, &[64]),
            ],
        );
        let mut i = [0u8; 96];
        let set = stream(&mut i, &[(key_attr::TUNNEL, tunnel)]);
        let mut b = [0u8; 128];
        let list = stream(
            &mut b,
            &[(action::SET, set), (action::OUTPUT, &1u32.to_ne_bytes())],
        );
        let p = program(list, &key)?;
        let ops = p.ops(p.top());
        assert!(matches!(ops[0], Op::SetTunnel(_)));
        // Its dst is a kernel reference: a flow keeps the list in its
        // RCU cell, released a grace period after a replacement.
        assert!(p.holds_refs());
        #[cfg(not(MODULE))]
        if let Op::SetTunnel(dst) = &ops[0] {
            assert_eq!(dst.proto, 2); // AF_INET
            assert!(dst.key.iter().any(|&b| b == 42));
            assert!(dst.opts.is_empty());
        }
        Ok(())
    }

    #[test]
    fn spans_never_leave_the_stored_list() {
        let p = Program::empty();
        assert!(p.ops(p.top()).is_empty());
        assert!(p.attrs().is_empty());
    }
}

/// CT actions compile into their templates (host only: the stand-in
/// template records what the module's would be given).
#[cfg(all(test, not(MODULE)))]
mod ct {
    use super::super::*;
    use crate::flow::actions_nl::copy_actions;
    use crate::flow::key::FlowKey;
    use crate::netlink::build::VecSink;
    use crate::test_support::stream;
    use crate::uapi::{ct_attr, nat_attr};

    const ALL: CtSupport = CtSupport::ALL;

    /// The kernel's half, as the host sees it: a helper named "bad" does
    /// not exist.
    struct Fake;

    impl CtTemplates for Fake {
        fn family(&self) -> Option<Family> {
            Some(Family::V4)
        }
        fn support(&self) -> CtSupport {
            ALL
        }
        fn template(&mut self, ct: &CtAction, _: Family) -> Result<ZoneTemplate, CompileError> {
            let helper = ct.helper.map(|h| (h.as_bytes().to_vec(), ct.nat.is_some()));
            if helper.as_ref().is_some_and(|(h, _)| h == b"bad") {
                return Err(CompileError::Refused(22));
            }
            Ok(ZoneTemplate {
                zone: ct.zone,
                helper,
                timeout: ct.timeout.map(|t| t.as_bytes().to_vec()),
                confirmed: ct.commit,
            })
        }
    }

    fn compile(ct_payload: &[u8]) -> Result<Program, CompileError> {
        let mut k = FlowKey::default();
        k.set_u8(fields::MAC_PROTO, crate::uapi::MAC_PROTO_ETHERNET);
        k.set_be16(fields::ETH_TYPE, 0x0800);
        let mut b = [0u8; 256];
        let inner = {
            let mut c = [0u8; 200];
            let n = stream(&mut c, &[(action::CT, ct_payload)]).len();
            c[..n].to_vec()
        };
        let list = stream(
            &mut b,
            &[(action::CLONE, &inner), (action::RECIRC, &[1, 0, 0, 0])],
        );
        let mut sink = VecSink::default();
        copy_actions(&mut sink, list, &k, ALL).map_err(|_| CompileError::Malformed)?;
        Program::compile_with(sink.into_vec(), &mut Fake)
    }

    #[test]
    fn ct_actions_get_their_templates() {
        let mut nat = [0u8; 32];
        let nat = stream(
            &mut nat,
            &[(nat_attr::SRC, &[]), (nat_attr::IP_MIN, &[10, 0, 0, 1])],
        );
        let mut b = [0u8; 128];
        let p = stream(
            &mut b,
            &[
                (ct_attr::COMMIT, &[]),
                (ct_attr::ZONE, &9u16.to_ne_bytes()),
                (ct_attr::HELPER, b"ftp\0"),
                (ct_attr::TIMEOUT, b"pol\0"),
                (ct_attr::NAT, nat),
            ],
        );
        let prog = compile(p).expect("compiles");
        let Op::Clone(branch) = &prog.ops(prog.top())[0] else {
            panic!("not a clone");
        };
        let Op::Ct(op) = &prog.ops(branch.list)[0] else {
            panic!("not a ct");
        };
        // Nested, and still seen: the template is a kernel reference.
        assert!(prog.holds_refs());
        assert_eq!(op.family, Family::V4);
        assert_eq!(op.action.zone, 9);
        assert_eq!(
            op.template,
            ZoneTemplate {
                zone: 9,
                helper: Some((b"ftp".to_vec(), true)),
                timeout: Some(b"pol".to_vec()),
                confirmed: true,
            }
        );
        // The ct() may change the flow: the clone runs on a key copy.
        assert!(branch.clone_key);
    }

    #[test]
    fn a_refused_helper_refuses_the_list() {
        let mut b = [0u8; 32];
        let p = stream(&mut b, &[(ct_attr::HELPER, b"bad\0")]);
        assert!(matches!(compile(p), Err(CompileError::Refused(22))));
    }
}
