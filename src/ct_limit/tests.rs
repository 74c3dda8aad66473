// SPDX-License-Identifier: GPL-2.0

//! Tests of `ct_limit.rs`: KUnit suite `ovs_rs_ct_limit` in the module,
//! `#[test]`s on the host. `#[kunit_tests]` takes only an inline module,
//! hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_ct_limit))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;
    use crate::test_support::TestResult;

    const NOMEM: &str = "allocation failed";

    /// The zone limits in C's order, into a fixed array (no allocation).
    fn order(limits: &ZoneLimits) -> ([(u16, u32); 8], usize) {
        let mut out = [(0, 0); 8];
        let mut n = 0;
        for e in limits.iter() {
            if let Some(slot) = out.get_mut(n) {
                *slot = (e.zone, e.limit);
            }
            n += 1;
        }
        (out, n)
    }

    #[test]
    fn new_is_unlimited_and_empty() -> TestResult {
        let limits = ZoneLimits::new().map_err(|_| NOMEM)?;
        assert_eq!(limits.default_limit(), UNLIMITED);
        assert_eq!(limits.get(0), UNLIMITED);
        assert_eq!(limits.get(u16::MAX), UNLIMITED);
        assert_eq!(order(&limits).1, 0);
        Ok(())
    }

    #[test]
    fn get_falls_back_to_the_default() -> TestResult {
        let mut limits = ZoneLimits::new().map_err(|_| NOMEM)?;
        limits.set_default(10);
        limits.set(7, 3).map_err(|_| NOMEM)?;
        assert_eq!(limits.get(7), 3);
        assert_eq!(limits.get(8), 10);
        // The same bucket, another zone.
        assert_eq!(limits.get(7 + 512), 10);
        limits.del(7);
        assert_eq!(limits.get(7), 10);
        // A limit of 0 is "unlimited", stored as any other.
        limits.set(9, UNLIMITED).map_err(|_| NOMEM)?;
        assert_eq!(limits.get(9), UNLIMITED);
        Ok(())
    }

    /// The packet path's copy answers every zone as the limits do, and
    /// keeps what it was made from when they change afterwards.
    #[test]
    fn snapshot_looks_up_as_get() -> TestResult {
        let mut limits = ZoneLimits::new().map_err(|_| NOMEM)?;
        let empty = limits.snapshot().map_err(|_| NOMEM)?;
        limits.set_default(10);
        for (zone, limit) in [
            (7, 3),
            (7 + 512, 4),
            (u16::MAX, 5),
            (0, 6),
            (300, UNLIMITED),
        ] {
            limits.set(zone, limit).map_err(|_| NOMEM)?;
        }
        limits.set(7, 2).map_err(|_| NOMEM)?;
        let snap = limits.snapshot().map_err(|_| NOMEM)?;
        for zone in [
            0,
            1,
            6,
            7,
            8,
            299,
            300,
            301,
            519,
            7 + 512,
            1031,
            u16::MAX - 1,
            u16::MAX,
        ] {
            assert_eq!(snap.get(zone), limits.get(zone));
        }
        assert_eq!(snap.get(7), 2);
        assert_eq!(snap.get(519), 4);
        assert_eq!(snap.get(300), UNLIMITED);
        assert_eq!(snap.get(8), 10);
        limits.del(7);
        limits.set_default(UNLIMITED);
        assert_eq!(snap.get(7), 2);
        assert_eq!(snap.get(8), 10);
        assert_eq!(empty.get(7), UNLIMITED);
        Ok(())
    }

    /// C's order: buckets ascending, each newest first; a replaced limit
    /// keeps its place, a deleted and re-added one goes to the head.
    #[test]
    fn iter_is_c_order() -> TestResult {
        let mut limits = ZoneLimits::new().map_err(|_| NOMEM)?;
        limits.set(513, 1).map_err(|_| NOMEM)?;
        limits.set(2, 2).map_err(|_| NOMEM)?;
        limits.set(1, 3).map_err(|_| NOMEM)?;
        limits.set(1025, 4).map_err(|_| NOMEM)?;
        limits.set(0, 5).map_err(|_| NOMEM)?;
        let (got, n) = order(&limits);
        assert_eq!(n, 5);
        assert_eq!(got[..5], [(0, 5), (1025, 4), (1, 3), (513, 1), (2, 2)]);

        limits.set(513, 6).map_err(|_| NOMEM)?;
        let (got, n) = order(&limits);
        assert_eq!(n, 5);
        assert_eq!(got[..5], [(0, 5), (1025, 4), (1, 3), (513, 6), (2, 2)]);

        limits.del(513);
        limits.set(513, 7).map_err(|_| NOMEM)?;
        limits.del(0);
        limits.del(0);
        let (got, n) = order(&limits);
        assert_eq!(n, 4);
        assert_eq!(got[..4], [(513, 7), (1025, 4), (1, 3), (2, 2)]);
        Ok(())
    }

    fn payload(recs: &[(i32, u32)], extra: &[u8]) -> ([u8; 64], usize) {
        let mut buf = [0; 64];
        let mut n = 0;
        for &(zone_id, limit) in recs {
            buf[n..n + 12].copy_from_slice(&encode(zone_id, limit, 0xdead));
            n += 12;
        }
        buf[n..n + extra.len()].copy_from_slice(extra);
        (buf, n + extra.len())
    }

    fn parse(bytes: &[u8]) -> ([Record; 4], usize, usize) {
        let mut out = [Record::OutOfRange; 4];
        let (iter, left) = records(bytes);
        let mut n = 0;
        for r in iter {
            if let Some(slot) = out.get_mut(n) {
                *slot = r;
            }
            n += 1;
        }
        (out, n, left)
    }

    #[test]
    fn records_name_default_zones_and_out_of_range() {
        let (buf, len) = payload(&[(-1, 5), (0, 1), (65535, 2), (65536, 3)], &[]);
        let (recs, n, left) = parse(&buf[..len]);
        assert_eq!((n, left), (4, 0));
        assert_eq!(recs[0], Record::Default { limit: 5 });
        assert_eq!(recs[1], Record::Zone { zone: 0, limit: 1 });
        assert_eq!(
            recs[2],
            Record::Zone {
                zone: 65535,
                limit: 2
            }
        );
        assert_eq!(recs[3], Record::OutOfRange);
        let (buf, len) = payload(&[(-2, 5), (i32::MIN, 1), (i32::MAX, 1)], &[]);
        let (recs, n, _) = parse(&buf[..len]);
        assert_eq!(n, 3);
        assert!(recs[..3].iter().all(|r| *r == Record::OutOfRange));
    }

    /// C walks the aligned length: leftovers are counted after alignment,
    /// and a record whose `count` lies in the padding is still read.
    #[test]
    fn records_walk_the_aligned_length() {
        assert_eq!((parse(&[]).1, parse(&[]).2), (0, 0));
        let (buf, len) = payload(&[(3, 4)], &[]);
        // 9 bytes: aligned to 12, one record.
        assert_eq!(parse(&buf[..9]).1, 1);
        assert_eq!(parse(&buf[..9]).2, 0);
        assert_eq!(parse(&buf[..9]).0[0], Record::Zone { zone: 3, limit: 4 });
        // 8 bytes: aligned 8, no record, 8 unknown.
        assert_eq!((parse(&buf[..8]).1, parse(&buf[..8]).2), (0, 8));
        // 13 bytes: aligned 16, one record, 4 unknown.
        let (buf, _) = payload(&[(3, 4)], &[1]);
        assert_eq!((parse(&buf[..13]).1, parse(&buf[..13]).2), (1, 4));
        assert_eq!(parse(&buf[..len]).1, 1);
        // 1 byte: aligned 4, all unknown.
        assert_eq!((parse(&buf[..1]).1, parse(&buf[..1]).2), (0, 4));
    }

    #[test]
    fn encode_is_struct_ovs_zone_limit() {
        let b = encode(-1, 2, 3);
        assert_eq!(b[..4], (-1i32).to_ne_bytes());
        assert_eq!(b[4..8], 2u32.to_ne_bytes());
        assert_eq!(b[8..], 3u32.to_ne_bytes());
    }

    #[test]
    fn a_clone_is_the_same_and_changes_alone() -> TestResult {
        let mut limits = ZoneLimits::new().map_err(|_| NOMEM)?;
        limits.set(3, 10).map_err(|_| NOMEM)?;
        limits.set(3 + HASH_BUCKETS as u16, 11).map_err(|_| NOMEM)?;
        limits.set(4, 20).map_err(|_| NOMEM)?;
        limits.set_default(5);
        let mut copy = limits.try_clone().map_err(|_| NOMEM)?;
        assert!(order(&copy) == order(&limits));
        assert_eq!(copy.default_limit(), 5);

        copy.del(3);
        copy.set(9, 1).map_err(|_| NOMEM)?;
        assert_eq!(limits.get(3), 10);
        assert_eq!(limits.get(9), 5);
        assert_eq!(copy.get(3), 5);
        assert_eq!(copy.get(3 + HASH_BUCKETS as u16), 11);
        Ok(())
    }
}
