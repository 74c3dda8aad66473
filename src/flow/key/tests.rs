// SPDX-License-Identifier: GPL-2.0

//! Tests of `flow/key.rs`: KUnit suite `ovs_rs_flow_key` in the module, `#[test]`s on
//! the host. `#[kunit_tests]` takes only an inline module, hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_flow_key))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;

    #[test]
    fn layout_is_c_sized_and_aligned() {
        assert!(core::mem::size_of::<FlowKey>() == KEY_BYTES);
        assert!(core::mem::align_of::<FlowKey>() == 8);
        assert!(KEY_WORDS * 8 == KEY_BYTES);
        let last = fields::CT_LABELS;
        assert!(last.offset + last.span().len == KEY_BYTES);
    }

    #[test]
    fn fields_round_trip_in_their_byte_order() {
        let mut k = FlowKey::default();
        k.set_be16(fields::ETH_TYPE, 0x0800);
        k.set_u32(fields::RECIRC_ID, 7);
        k.set_u8(fields::IP_PROTO, 6);
        assert!(k.get(fields::ETH_TYPE) == [0x08, 0x00]);
        assert!(k.get_be16(fields::ETH_TYPE) == 0x0800);
        assert!(k.get_u32(fields::RECIRC_ID) == 7);
        assert!(k.get_u8(fields::IP_PROTO) == 6);
        assert!(k.get_u8(fields::IP_TOS) == 0);
        k.set(fields::ETH_SRC, &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert!(k.get(fields::ETH_SRC) == [1, 2, 3, 4, 5, 6]);
        assert!(k.get(fields::ETH_DST) == [0; 6]);
    }

    #[test]
    fn ranges_round_out_to_words() {
        let mut r = Range::default();
        r.cover(fields::ETH_TYPE); // 360..362
        assert!(
            r == Range {
                start: 360,
                end: 368,
            }
        );
        r.cover(fields::PHY_IN_PORT); // 328..330
        assert!(
            r == Range {
                start: 328,
                end: 368,
            }
        );
        r.cover(fields::TP_DST); // 372..374
        assert!(
            r == Range {
                start: 328,
                end: 376,
            }
        );
    }

    #[test]
    fn masking_and_matching() {
        let mut key = FlowKey::default();
        key.set_be16(fields::ETH_TYPE, 0x0800);
        key.set_u8(fields::IP_PROTO, 17);
        key.set_u8(fields::IP_TTL, 64);
        let mut mask = FlowKey::default();
        let mut range = Range::default();
        mask.set_be16(fields::ETH_TYPE, 0xffff);
        range.cover(fields::ETH_TYPE);
        mask.set_u8(fields::IP_PROTO, 0xff);
        range.cover(fields::IP_PROTO);
        let masked = key.masked(&mask, range);
        assert!(masked.get_u8(fields::IP_TTL) == 0);
        assert!(masked.get_u8(fields::IP_PROTO) == 17);
        let mut other = key.clone();
        other.set_u8(fields::IP_TTL, 1);
        assert!(other.matches(&mask, range, &masked));
        other.set_u8(fields::IP_PROTO, 6);
        assert!(!other.matches(&mask, range, &masked));
        assert!(masked.equal_in(&key.masked(&mask, range), range));
    }
}
