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
    crate::sort::sort_by_key(used, |n| *n);
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

#[path = "vport_table/tests.rs"]
mod tests;
