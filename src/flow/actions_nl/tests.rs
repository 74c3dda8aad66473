// SPDX-License-Identifier: GPL-2.0

//! Tests of `flow/actions_nl.rs`: KUnit suite `ovs_rs_flow_actions` in the module, `#[test]`s on
//! the host. `#[kunit_tests]` takes only an inline module, hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_flow_actions))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::action::*;
    use super::super::*;
    use crate::netlink::build::SliceSink;
    use crate::test_support::{put_attr, TestResult};

    /// An IPv4 Ethernet flow's masked key.
    fn ip4_key() -> FlowKey {
        let mut k = FlowKey::default();
        k.set_u8(fields::MAC_PROTO, MAC_PROTO_ETHERNET);
        k.set_be16(fields::ETH_TYPE, 0x0800);
        k
    }

    /// Validates `list` and returns the written form's length, or the
    /// error.
    fn run(list: &[u8], key: &FlowKey, out: &mut [u8]) -> Result<usize, ActionError> {
        let mut sink = SliceSink::new(out);
        copy_actions(
            &mut sink,
            list,
            key,
            crate::flow::match_nl::CtSupport::default(),
        )?;
        Ok(sink.bytes().len())
    }

    #[test]
    fn simple_actions_are_kept_as_sent() -> TestResult {
        let mut list = [0u8; 16];
        let n = put_attr(&mut list, 0, OUTPUT, &3u32.to_ne_bytes());
        let mut out = [0u8; 64];
        assert!(run(&list[..n], &ip4_key(), &mut out) == Ok(n));
        assert!(out[..n] == list[..n]);
        let n = put_attr(&mut list, 0, OUTPUT, &65535u32.to_ne_bytes());
        assert!(run(&list[..n], &ip4_key(), &mut out) == Err(ActionError::Invalid));
        let n = put_attr(&mut list, 0, TRUNC, &13u32.to_ne_bytes());
        assert!(run(&list[..n], &ip4_key(), &mut out) == Err(ActionError::Invalid));
        Ok(())
    }

    #[test]
    fn drop_only_last_and_depth_limit() {
        let mut list = [0u8; 16];
        let n = put_attr(&mut list, 0, DROP, &0u32.to_ne_bytes());
        let mut out = [0u8; 512];
        assert!(run(&list[..n], &ip4_key(), &mut out).is_ok());
        // 17 nested clones around an output: one level too deep.
        let mut a = [0u8; 256];
        let mut b = [0u8; 256];
        let mut n = put_attr(&mut a, 0, OUTPUT, &1u32.to_ne_bytes());
        for _ in 0..17 {
            n = put_attr(&mut b, 0, CLONE, &a[..n]);
            a[..n].copy_from_slice(&b[..n]);
        }
        assert!(run(&a[..n], &ip4_key(), &mut out) == Err(ActionError::TooDeep));
    }

    #[test]
    fn set_checks_the_flow_and_shows_the_value() -> TestResult {
        let mut key = ip4_key();
        key.set_u8(fields::IP_PROTO, 6);
        let mut inner = [0u8; 16];
        let n = put_attr(&mut inner, 0, 9, &[0, 1, 0, 2]); // TCP ports
        let mut list = [0u8; 32];
        let m = put_attr(&mut list, 0, SET, &inner[..n]);
        let mut out = [0u8; 64];
        assert!(run(&list[..m], &key, &mut out) == Ok(m));
        assert!(out[..m] == list[..m]);
        key.set_u8(fields::IP_PROTO, 17);
        assert!(run(&list[..m], &key, &mut out) == Err(ActionError::Invalid));
        // SET_MASKED: a value bit outside the mask.
        let n = put_attr(&mut inner, 0, 9, &[0, 1, 0, 2, 0, 0, 0xff, 0xff]);
        let m = put_attr(&mut list, 0, SET_MASKED, &inner[..n]);
        key.set_u8(fields::IP_PROTO, 6);
        assert!(run(&list[..m], &key, &mut out) == Err(ActionError::Invalid));
        Ok(())
    }

    #[test]
    fn vlan_and_mpls_state() {
        let mut out = [0u8; 64];
        let mut list = [0u8; 16];
        let n = put_attr(&mut list, 0, PUSH_VLAN, &[0x81, 0x00, 0x10, 0x05]);
        assert!(run(&list[..n], &ip4_key(), &mut out).is_ok());
        let n = put_attr(&mut list, 0, PUSH_VLAN, &[0x81, 0x00, 0x00, 0x05]);
        assert!(run(&list[..n], &ip4_key(), &mut out) == Err(ActionError::Invalid));
        let n = put_attr(&mut list, 0, POP_MPLS, &[0x08, 0x00]);
        assert!(run(&list[..n], &ip4_key(), &mut out) == Err(ActionError::Invalid));
        let n = put_attr(&mut list, 0, 12, &[]);
        assert!(run(&list[..n], &ip4_key(), &mut out) == Err(ActionError::NoConntrack));
    }
}
