// SPDX-License-Identifier: GPL-2.0

//! Tests of `netlink/attr.rs`: KUnit suite `ovs_rs_netlink_attr` in the module, `#[test]`s on
//! the host. `#[kunit_tests]` takes only an inline module, hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_netlink_attr))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;
    use crate::test_support::{put_attr, TestResult};

    #[test]
    fn walks_padded_stream() -> TestResult {
        let mut buf = [0u8; 64];
        let mut end = put_attr(&mut buf, 0, 1, &7u32.to_ne_bytes());
        end = put_attr(&mut buf, end, 2, &[9]);
        end = put_attr(&mut buf, end, 3 | NLA_F_NESTED, &[]);
        let mut it = Attrs::new(buf.get(..end).ok_or("short buffer")?);
        let a = it.next().ok_or("first attribute missing")?;
        assert_eq!((a.kind(), a.u32()), (1, Ok(7)));
        let b = it.next().ok_or("second attribute missing")?;
        assert_eq!((b.kind(), b.u8(), b.payload().len()), (2, Ok(9), 1));
        assert_eq!(b.str_bytes(), &[9u8][..]);
        let c = it.next().ok_or("third attribute missing")?;
        assert_eq!(
            (c.kind(), c.has_nested_flag(), c.raw_type()),
            (3, true, 3 | NLA_F_NESTED)
        );
        assert!(it.next().is_none());
        assert_eq!(it.remaining(), 0);
        Ok(())
    }

    #[test]
    fn rem_matches_c_for_bad_tails() -> TestResult {
        // Trailing bytes too short for a header: rem stays positive.
        let mut buf = [0u8; 16];
        let end = put_attr(&mut buf, 0, 1, &[1, 2, 3, 4]);
        let mut it = Attrs::new(buf.get(..end + 3).ok_or("short buffer")?);
        assert_eq!(it.by_ref().count(), 1);
        assert_eq!(it.remaining(), 3);

        // Last attribute without its padding: C's rem goes to -3.
        let mut buf = [0u8; 8];
        put_attr(&mut buf, 0, 5, &[0xaa]);
        let mut it = Attrs::new(buf.get(..5).ok_or("short buffer")?);
        assert_eq!(it.next().map(|a| a.payload().len()), Some(1));
        assert!(it.next().is_none());
        assert_eq!(it.remaining(), -3);
        Ok(())
    }

    #[test]
    fn stops_on_malformed_length() {
        // nla_len below the header size.
        let buf = [2u8, 0, 1, 0, 0, 0, 0, 0];
        let mut it = Attrs::new(&buf);
        assert!(it.next().is_none());
        assert_eq!(it.remaining(), 8);

        // nla_len beyond the stream.
        let buf = [200u8, 0, 1, 0, 0, 0, 0, 0];
        let mut it = Attrs::new(&buf);
        assert!(it.next().is_none());
        assert_eq!(it.remaining(), 8);

        // Empty and short streams yield nothing.
        assert!(Attrs::new(&[]).next().is_none());
        assert!(Attrs::new(&[4, 0, 1]).next().is_none());
    }

    #[test]
    fn typed_reads_check_length() -> TestResult {
        let mut buf = [0u8; 16];
        let end = put_attr(&mut buf, 0, 7, &[0x12, 0x34]);
        let a = Attrs::new(buf.get(..end).ok_or("short buffer")?)
            .next()
            .ok_or("no attribute")?;
        assert_eq!(a.be16(), Ok(0x1234));
        assert_eq!(a.u16(), Ok(u16::from_ne_bytes([0x12, 0x34])));
        assert_eq!(
            a.u32(),
            Err(BadLength {
                kind: 7,
                expected: 4,
                actual: 2
            })
        );
        assert!(a.u8().is_err());
        assert!(a.u64().is_err());
        assert!(a.get_u32().is_err());

        // Lenient reads take the first bytes of a longer payload.
        let mut buf = [0u8; 16];
        let end = put_attr(&mut buf, 0, 8, &[1, 0, 0, 0, 9, 9, 9, 9]);
        let b = Attrs::new(buf.get(..end).ok_or("short buffer")?)
            .next()
            .ok_or("no attribute")?;
        assert_eq!(b.get_u32(), Ok(u32::from_ne_bytes([1, 0, 0, 0])));
        assert_eq!(b.get_s32(), Ok(i32::from_ne_bytes([1, 0, 0, 0])));
        assert!(b.u32().is_err());
        Ok(())
    }

    #[test]
    fn nested_streams() -> TestResult {
        let mut inner = [0u8; 16];
        let inner_end = put_attr(&mut inner, 0, 1, &0xdead_beefu32.to_be_bytes());
        let mut buf = [0u8; 32];
        let end = put_attr(
            &mut buf,
            0,
            4 | NLA_F_NESTED,
            inner.get(..inner_end).ok_or("short")?,
        );
        let outer = Attrs::new(buf.get(..end).ok_or("short")?)
            .next()
            .ok_or("no attribute")?;
        let mut it = outer.nested();
        assert_eq!(it.next().map(|a| a.be32()), Some(Ok(0xdead_beef)));
        assert!(it.next().is_none());
        assert_eq!(it.remaining(), 0);
        Ok(())
    }
}
