// SPDX-License-Identifier: GPL-2.0

//! Tests of `netlink/build.rs`: KUnit suite `ovs_rs_netlink_build` in the module, `#[test]`s on
//! the host. `#[kunit_tests]` takes only an inline module, hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_netlink_build))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;
    use crate::netlink::attr::Attrs;
    use crate::test_support::TestResult;

    #[test]
    fn attributes_are_padded_with_zeros() -> TestResult {
        let mut buf = [0xaau8; 16];
        let mut sink = SliceSink::new(&mut buf);
        sink.put(7, &[1, 2, 3]).map_err(|_| "put")?;
        assert!(sink.bytes() == [7, 0, 7, 0, 1, 2, 3, 0]);
        sink.put_flag(9).map_err(|_| "flag")?;
        assert!(sink.bytes().len() == 12);
        Ok(())
    }

    #[test]
    fn nests_cover_what_was_put_inside() -> TestResult {
        let mut buf = [0u8; 64];
        let mut sink = SliceSink::new(&mut buf);
        let outer = sink.nest_start(1).map_err(|_| "outer")?;
        sink.put_u32(2, 5).map_err(|_| "u32")?;
        let inner = sink.nest_start(3).map_err(|_| "inner")?;
        sink.put(4, &[9]).map_err(|_| "byte")?;
        sink.nest_end(inner).map_err(|_| "end inner")?;
        sink.nest_end(outer).map_err(|_| "end outer")?;
        let mut top = Attrs::new(sink.bytes());
        let o = top.next().ok_or("no outer")?;
        assert!(o.kind() == 1 && !o.has_nested_flag());
        assert!(top.next().is_none() && top.remaining() == 0);
        let mut kinds = [0u16; 2];
        for (k, a) in kinds.iter_mut().zip(Attrs::new(o.payload())) {
            *k = a.kind();
        }
        assert!(kinds == [2, 3]);
        Ok(())
    }

    #[test]
    fn the_vector_sink_writes_what_the_slice_sink_writes() -> TestResult {
        let mut buf = [0u8; 64];
        let mut slice = SliceSink::new(&mut buf);
        let mut vec = VecSink::default();
        fn fill<S: AttrSink>(s: &mut S) -> Result<(), PutError> {
            let n = s.nest_start(1)?;
            s.put(2, &[1, 2, 3])?;
            s.put_u32(3, 9)?;
            s.nest_end(n)?;
            s.put_flag(4)
        }
        fill(&mut slice).map_err(|_| "slice")?;
        fill(&mut vec).map_err(|_| "vec")?;
        assert!(slice.bytes() == vec.bytes());
        assert!(vec.put(1, &[0; 65532]) == Err(PutError::NoRoom));
        Ok(())
    }

    #[test]
    fn a_full_buffer_is_refused_not_overrun() {
        let mut buf = [0u8; 8];
        let mut sink = SliceSink::new(&mut buf);
        assert!(sink.put(1, &[0; 4]).is_ok());
        assert!(sink.put(2, &[]) == Err(PutError::NoRoom));
        assert!(sink.bytes().len() == 8);
    }
}
