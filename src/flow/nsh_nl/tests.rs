// SPDX-License-Identifier: GPL-2.0

//! Tests of `flow/nsh_nl.rs`: KUnit suite `ovs_rs_flow_nsh` in the module, `#[test]`s on
//! the host. `#[kunit_tests]` takes only an inline module, hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_flow_nsh))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;
    use crate::flow::match_nl::{get_match, CtSupport};
    use crate::test_support::{key_with_nest, TestResult};
    use crate::uapi::key_attr as ka;
    use crate::uapi::proto::ETH_P_NSH;

    #[test]
    fn md1_key_and_refusals() -> TestResult {
        let base = [0, 63, 1, 3, 0, 0, 1, 0xff];
        let mut buf = [0u8; 128];
        let key = key_with_nest(
            &mut buf,
            ETH_P_NSH,
            ka::NSH,
            &[(BASE, &base), (MD1, &[7; 16])],
        );
        let m = get_match(key, None, true, CtSupport::default()).map_err(|_| "refused")?;
        assert!(m.key.get(fields::NSH_BASE) == base);
        assert!(m.key.get(fields::NSH_CONTEXT) == [7; 16]);
        assert!(m.mask.get(fields::NSH_BASE) == [0xff; 8]);

        let md2 = [0, 63, 2, 3, 0, 0, 1, 0xff];
        let mut buf = [0u8; 128];
        let key = key_with_nest(
            &mut buf,
            ETH_P_NSH,
            ka::NSH,
            &[(BASE, &md2), (MD1, &[7; 16])],
        );
        assert!(
            get_match(key, None, true, CtSupport::default())
                == Err(MatchError::NshUnmatchedMdType(2))
        );
        let mut buf = [0u8; 128];
        let key = key_with_nest(
            &mut buf,
            ETH_P_NSH,
            ka::NSH,
            &[(BASE, &md2), (MD2, &[1; 8])],
        );
        assert!(get_match(key, None, true, CtSupport::default()) == Err(MatchError::NshMd2));
        let mut buf = [0u8; 128];
        let key = key_with_nest(&mut buf, ETH_P_NSH, ka::NSH, &[(BASE, &base[..4])]);
        assert!(
            get_match(key, None, true, CtSupport::default())
                == Err(MatchError::NshAttrBadLength {
                    kind: 1,
                    len: 4,
                    expected: 8,
                })
        );
        Ok(())
    }
}
