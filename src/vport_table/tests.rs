// SPDX-License-Identifier: GPL-2.0

//! Tests of `vport_table.rs`: KUnit suite `ovs_rs_vport_table` in the module, `#[test]`s on
//! the host. `#[kunit_tests]` takes only an inline module, hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_vport_table))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;

    #[test]
    fn lowest_free_fills_gaps_from_one() {
        assert!(lowest_free(&mut []) == Some(1));
        assert!(lowest_free(&mut [0]) == Some(1));
        assert!(lowest_free(&mut [0, 1, 2]) == Some(3));
        assert!(lowest_free(&mut [3, 0, 1, 7]) == Some(2));
        assert!(lowest_free(&mut [0, 1025, 1]) == Some(2));
        assert!(lowest_free(&mut [0, 1, 1, 2]) == Some(3));
    }

    #[test]
    fn lowest_free_stops_below_max_ports() {
        assert!(lowest_free_sorted(0..DP_MAX_PORTS).is_none());
        assert!(lowest_free_sorted(0..DP_MAX_PORTS - 1) == Some(DP_MAX_PORTS - 1));
        assert!(lowest_free_sorted((0..5).chain(6..DP_MAX_PORTS)) == Some(5));
        assert!(lowest_free(&mut [u32::MAX]) == Some(1));
    }

    /// Port numbers in dump order from `from`.
    fn order(ports: &[u32], from: Cursor) -> ([u32; 8], usize) {
        let mut out = [u32::MAX; 8];
        let mut n = 0;
        for (i, _) in dump_order(ports, from) {
            if let (Some(slot), Some(&p)) = (out.get_mut(n), ports.get(i)) {
                *slot = p;
            }
            n += 1;
        }
        (out, n)
    }

    #[test]
    fn dump_walks_buckets_newest_first() {
        // Added in this order: 0, 1, 1025, 2, 2049, 1023.
        let ports = [0, 1, 1025, 2, 2049, 1023];
        let (got, n) = order(&ports, Cursor::default());
        assert!(n == 6);
        assert!(got[..6] == [0, 2049, 1025, 1, 2, 1023]);
    }

    #[test]
    fn dump_resumes_at_its_cursor() {
        let ports = [0, 1, 1025, 2049, 5];
        let all: [(usize, Cursor); 5] = {
            let mut a = [(0, Cursor::default()); 5];
            for (slot, item) in a.iter_mut().zip(dump_order(&ports, Cursor::default())) {
                *slot = item;
            }
            a
        };
        // After each port, resuming yields exactly the rest.
        for k in 0..all.len() {
            let (_, cursor) = all[k];
            let rest = dump_order(&ports, cursor).map(|(i, _)| i);
            assert!(rest.eq(all[k + 1..].iter().map(|&(i, _)| i)));
        }
        assert!(
            all[1].1
                == Cursor {
                    bucket: 1,
                    index: 1,
                }
        );
        let past = Cursor {
            bucket: HASH_BUCKETS,
            index: 0,
        };
        assert!(dump_order(&ports, past).next().is_none());
        let beyond = Cursor {
            bucket: 1,
            index: 99,
        };
        assert!(dump_order(&ports, beyond).map(|(i, _)| i).eq([4]));
    }
}
