// SPDX-License-Identifier: GPL-2.0

//! How C orders and numbers a datapath's ports, as plain functions over
//! port numbers (host-testable).
//!
//! C keeps ports in `DP_VPORT_HASH_BUCKETS` hash lists indexed by
//! `port_no % 1024`, each newest first (`hlist_add_head_rcu()`). Dumps
//! walk the buckets in order and resume from a (bucket, index) cursor;
//! userspace sees that order, so the module reproduces it.

/// `DP_VPORT_HASH_BUCKETS`.
pub const HASH_BUCKETS: u32 = 1024;

use crate::uapi::DP_MAX_PORTS;

/// The hash bucket of a port number.
pub fn bucket_of(port_no: u32) -> u32 {
    port_no % HASH_BUCKETS
}

/// The lowest port number from 1 not in `used` (`ovs_vport_cmd_new()`),
/// or `None` when every number below [`DP_MAX_PORTS`] is taken. Sorts
/// `used`.
pub fn lowest_free(used: &mut [u32]) -> Option<u32> {
    used.sort_unstable();
    lowest_free_sorted(used.iter().copied())
}

/// [`lowest_free`] of port numbers in ascending order.
pub fn lowest_free_sorted(used: impl IntoIterator<Item = u32>) -> Option<u32> {
    let mut want: u32 = 1;
    for n in used {
        if n == want {
            want = want.checked_add(1)?;
        } else if n > want {
            break;
        }
    }
    (want < DP_MAX_PORTS).then_some(want)
}

/// A dump position: the bucket, and how many of its ports were dumped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub bucket: u32,
    pub index: usize,
}

/// The ports of `ports` (port numbers, oldest first) in C's dump order,
/// starting at `from`: yields each port's index in `ports` with the cursor
/// to resume after it.
pub fn dump_order(ports: &[u32], from: Cursor) -> impl Iterator<Item = (usize, Cursor)> + '_ {
    (from.bucket..HASH_BUCKETS).flat_map(move |bucket| {
        let skip = if bucket == from.bucket { from.index } else { 0 };
        ports
            .iter()
            .enumerate()
            .rev()
            .filter(move |(_, &p)| bucket_of(p) == bucket)
            .enumerate()
            .skip(skip)
            .map(move |(j, (i, _))| {
                (
                    i,
                    Cursor {
                        bucket,
                        index: j + 1,
                    },
                )
            })
    })
}

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_vport_table))]
#[cfg_attr(not(MODULE), cfg(test))]
mod tests {
    use super::*;

    type TestResult = core::result::Result<(), &'static str>;

    fn check(ok: bool, what: &'static str) -> TestResult {
        if ok {
            Ok(())
        } else {
            Err(what)
        }
    }

    #[test]
    fn lowest_free_fills_gaps_from_one() -> TestResult {
        check(lowest_free(&mut []) == Some(1), "empty: 1")?;
        check(lowest_free(&mut [0]) == Some(1), "local port only: 1")?;
        check(lowest_free(&mut [0, 1, 2]) == Some(3), "0..2 taken: 3")?;
        check(
            lowest_free(&mut [3, 0, 1, 7]) == Some(2),
            "unsorted, gap at 2",
        )?;
        check(
            lowest_free(&mut [0, 1025, 1]) == Some(2),
            "far numbers don't matter",
        )?;
        check(lowest_free(&mut [0, 1, 1, 2]) == Some(3), "duplicates")?;
        Ok(())
    }

    #[test]
    fn lowest_free_stops_below_max_ports() -> TestResult {
        check(
            lowest_free_sorted(0..DP_MAX_PORTS).is_none(),
            "all taken: none",
        )?;
        check(
            lowest_free_sorted(0..DP_MAX_PORTS - 1) == Some(DP_MAX_PORTS - 1),
            "only 65534 free",
        )?;
        check(
            lowest_free_sorted((0..5).chain(6..DP_MAX_PORTS)) == Some(5),
            "one gap",
        )?;
        check(lowest_free(&mut [u32::MAX]) == Some(1), "u32::MAX")?;
        Ok(())
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
    fn dump_walks_buckets_newest_first() -> TestResult {
        // Added in this order: 0, 1, 1025, 2, 2049, 1023.
        let ports = [0, 1, 1025, 2, 2049, 1023];
        let (got, n) = order(&ports, Cursor::default());
        check(n == 6, "every port once")?;
        check(
            got[..6] == [0, 2049, 1025, 1, 2, 1023],
            "bucket order, newest first within a bucket",
        )?;
        Ok(())
    }

    #[test]
    fn dump_resumes_at_its_cursor() -> TestResult {
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
            check(
                rest.eq(all[k + 1..].iter().map(|&(i, _)| i)),
                "resume after each port",
            )?;
        }
        check(
            all[1].1
                == Cursor {
                    bucket: 1,
                    index: 1,
                },
            "the cursor counts within the bucket",
        )?;
        let past = Cursor {
            bucket: HASH_BUCKETS,
            index: 0,
        };
        check(dump_order(&ports, past).next().is_none(), "past the end")?;
        let beyond = Cursor {
            bucket: 1,
            index: 99,
        };
        check(
            dump_order(&ports, beyond).map(|(i, _)| i).eq([4]),
            "an index past its bucket skips to the next",
        )?;
        Ok(())
    }
}
