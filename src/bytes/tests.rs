// SPDX-License-Identifier: GPL-2.0

//! Tests of `bytes.rs`: KUnit suite `ovs_rs_bytes` in the module, `#[test]`s on
//! the host. `#[kunit_tests]` takes only an inline module, hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_bytes))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;

    #[test]
    fn reads_are_all_or_nothing() {
        let d = [0x12, 0x34, 0x56, 0x78, 0x9a];
        assert_eq!(be16(&d, 0), Some(0x1234));
        assert_eq!(ne16(&d, 3), Some(u16::from_ne_bytes([0x78, 0x9a])));
        assert_eq!(be32(&d, 1), Some(0x3456_789a));
        assert_eq!(
            ne32(&d, 0),
            Some(u32::from_ne_bytes([0x12, 0x34, 0x56, 0x78]))
        );
        assert_eq!(u8_at(&d, 4), Some(0x9a));
        assert_eq!(be16(&d, 4), None);
        assert_eq!(ne32(&d, 2), None);
        assert_eq!(u8_at(&d, 5), None);
        assert_eq!(array::<2>(&d, usize::MAX), None);
    }

    #[test]
    fn padded_reads_and_writes_keep_what_fits() {
        let d = [1u8, 2, 3];
        assert_eq!(padded::<4>(&d, 1), [2, 3, 0, 0]);
        assert_eq!(padded::<2>(&d, 9), [0, 0]);
        let mut w = [0u8; 3];
        write(&mut w, 1, &[7, 8, 9]);
        assert_eq!(w, [0, 7, 8]);
        write(&mut w, 5, &[1]);
        assert_eq!(w, [0, 7, 8]);
    }
}
