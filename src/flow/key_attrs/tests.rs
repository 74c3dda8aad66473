// SPDX-License-Identifier: GPL-2.0

//! Tests of `flow/key_attrs.rs`: KUnit suite `ovs_rs_flow_key_attrs` in the module, `#[test]`s on
//! the host. `#[kunit_tests]` takes only an inline module, hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_flow_key_attrs))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::key_attr::*;
    use super::super::*;
    use crate::test_support::put_attr;

    #[test]
    fn records_attributes_and_their_types() {
        let mut buf = [0u8; 64];
        let mut end = put_attr(&mut buf, 0, IN_PORT, &3u32.to_ne_bytes());
        end = put_attr(&mut buf, end, ETHERTYPE, &[0x08, 0x00]);
        let mut a = KeyAttrs::default();
        assert!(a.parse(&buf[..end], false).is_ok());
        assert!(a.present() == (1 << IN_PORT) | (1 << ETHERTYPE));
        assert!(a.get(ETHERTYPE).map(|x| x.payload()) == Some(&[0x08, 0x00][..]));
        a.consume(ETHERTYPE);
        assert!(!a.has(ETHERTYPE) && a.get(ETHERTYPE).is_some());
    }

    #[test]
    fn refusals_in_c_order() {
        let mut buf = [0u8; 64];
        let one = |buf: &mut [u8; 64], kind: u16, payload: &[u8]| put_attr(buf, 0, kind, payload);
        let end = one(&mut buf, 33, &[]);
        assert!(
            KeyAttrs::default().parse(&buf[..end], false)
                == Err(KeyAttrsError::OutOfRange { kind: 33 })
        );
        let end = one(&mut buf, PACKET_TYPE, &[0; 4]);
        assert!(
            KeyAttrs::default().parse(&buf[..end], false)
                == Err(KeyAttrsError::NotSupported { kind: 29 })
        );
        let end = one(&mut buf, ETHERTYPE, &[0; 4]);
        assert!(
            KeyAttrs::default().parse(&buf[..end], false)
                == Err(KeyAttrsError::BadLength {
                    kind: 6,
                    len: 4,
                    expected: 2,
                })
        );
        let mut end = put_attr(&mut buf, 0, ETHERTYPE, &[8, 0]);
        end = put_attr(&mut buf, end, ETHERTYPE, &[8, 6]);
        assert!(
            KeyAttrs::default().parse(&buf[..end], false)
                == Err(KeyAttrsError::Duplicate { kind: 6 })
        );
    }

    #[test]
    fn trailing_bytes_are_counted_like_c() {
        let mut buf = [0u8; 64];
        let end = put_attr(&mut buf, 0, ETHERTYPE, &[8, 0]);
        // An unpadded final attribute: C's rem ends at -2.
        assert!(
            KeyAttrs::default().parse(&buf[..end - 2], false)
                == Err(KeyAttrsError::Trailing { rem: -2 })
        );
        // Three stray bytes after a whole attribute.
        assert!(
            KeyAttrs::default().parse(&buf[..end + 3], false)
                == Err(KeyAttrsError::Trailing { rem: 3 })
        );
    }

    #[test]
    fn masks_skip_all_zero_attributes() {
        let mut buf = [0u8; 64];
        let mut end = put_attr(&mut buf, 0, ETHERTYPE, &[0, 0]);
        end = put_attr(&mut buf, end, ETHERTYPE, &[0, 0]);
        end = put_attr(&mut buf, end, IN_PORT, &[0xff; 4]);
        let mut a = KeyAttrs::default();
        assert!(a.parse(&buf[..end], true).is_ok());
        assert!(a.present() == 1 << IN_PORT);
        assert!(a.get(ETHERTYPE).is_none());
        let mut k = KeyAttrs::default();
        assert!(k.parse(&buf[..end], false).is_err());
    }

    #[test]
    fn a_second_stream_sees_the_first() {
        let mut buf = [0u8; 64];
        let end = put_attr(&mut buf, 0, VLAN, &[0x10, 0x05]);
        let mut a = KeyAttrs::default();
        assert!(a.parse(&buf[..end], false).is_ok());
        assert!(a.parse(&buf[..end], false) == Err(KeyAttrsError::Duplicate { kind: VLAN }));
        a.consume(VLAN);
        assert!(a.parse(&buf[..end], false).is_ok());
    }

    #[test]
    fn log_texts_are_cs() {
        let mut s = [0u8; 64];
        let mut w = Buf {
            buf: &mut s,
            len: 0,
        };
        let _ = fmt::write(
            &mut w,
            format_args!(
                "{}",
                KeyAttrsError::BadLength {
                    kind: 6,
                    len: 4,
                    expected: 2
                }
            ),
        );
        let n = w.len;
        assert!(s.get(..n) == Some(&b"Key 6 has unexpected len 4 expected 2"[..]));
    }

    struct Buf<'b> {
        buf: &'b mut [u8],
        len: usize,
    }

    impl fmt::Write for Buf<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let dst = self
                .buf
                .get_mut(self.len..self.len + s.len())
                .ok_or(fmt::Error)?;
            dst.copy_from_slice(s.as_bytes());
            self.len += s.len();
            Ok(())
        }
    }
}
