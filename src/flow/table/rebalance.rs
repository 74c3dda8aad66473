// SPDX-License-Identifier: GPL-2.0

//! Rebalancing by use: every 4 s the masks most used since the last
//! time go first, in the order C's heapsort gives.

use super::writer::{mask_array, FlowTable, WriterMask};
use crate::fallible::{self, AllocError, Vec};

/// lib/sort.c's `sort()`: a bottom-up heapsort, unstable, with C's exact
/// sequence of comparisons and swaps, so equal elements end where C's
/// end. `cmp` returns C's comparator value.
pub(super) fn kernel_sort<T>(v: &mut [T], cmp: impl Fn(&T, &T) -> i32) {
    let c_at = |v: &[T], i: usize, j: usize| match (v.get(i), v.get(j)) {
        (Some(x), Some(y)) => cmp(x, y),
        _ => 0,
    };
    let swap = |v: &mut [T], i: usize, j: usize| {
        if i < v.len() && j < v.len() {
            v.swap(i, j);
        }
    };
    let parent = |i: usize| (i - 1) / 2;
    let mut n = v.len();
    let mut a = n / 2;
    let mut shift = 0;
    if a == 0 {
        return;
    }
    loop {
        if a != 0 {
            a -= 1 << shift;
        } else if n > 3 {
            // Extract the two largest.
            n -= 1;
            swap(v, 0, n);
            shift = usize::from(c_at(v, 1, 2) <= 0);
            a = 1 << shift;
            n -= 1;
            swap(v, a, n);
        } else {
            break;
        }
        // Sift `a` down: find the path to a leaf, then back up.
        let mut b = a;
        let (mut c, mut d);
        loop {
            c = 2 * b + 1;
            d = c + 1;
            if d >= n {
                break;
            }
            b = if c_at(v, c, d) > 0 { c } else { d };
        }
        if d == n {
            b = c;
        }
        while b != a && c_at(v, a, b) >= 0 {
            b = parent(b);
        }
        c = b;
        while b != a {
            b = parent(b);
            swap(v, b, c);
        }
    }
    n -= 1;
    swap(v, 0, n);
    if n == 2 && c_at(v, 0, 1) > 0 {
        swap(v, 0, 1);
    }
}

/// `compare_mask_and_count()` on (slot, uses) pairs: most used first,
/// with C's truncation of the difference to int.
pub(super) fn compare_mask_and_count(a: &(usize, u64), b: &(usize, u64)) -> i32 {
    (b.1 as i64).wrapping_sub(a.1 as i64) as i32
}

impl FlowTable {
    /// `ovs_flow_masks_rebalance()` (every 4 s): the masks most used since
    /// the last time go first, sorted as C sorts them (lib/sort.c's
    /// heapsort, not stable), so ties end in C's order too. Counters
    /// restart from zero. Nothing changes if memory is short.
    pub fn rebalance(&mut self) {
        let _ = self.try_rebalance();
    }

    fn try_rebalance(&mut self) -> Result<(), AllocError> {
        let mut counts: Vec<(usize, u64)> = fallible::with_capacity(self.masks.len())?;
        for (i, m) in self.masks.iter().enumerate() {
            let used = m.entry.usage.take();
            fallible::push(&mut counts, (i, used))?;
        }
        kernel_sort(&mut counts, compare_mask_and_count);
        if counts.iter().enumerate().all(|(i, &(at, _))| i == at) {
            return Ok(());
        }
        // The writer's record in the new order, and the readers' array
        // from it, both allocated before either changes.
        let mut masks = fallible::with_capacity(self.masks.len())?;
        for &(at, _) in counts.iter() {
            let m = self.masks.get(at).ok_or(AllocError)?;
            fallible::push(
                &mut masks,
                WriterMask {
                    entry: m.entry.clone(),
                    refs: m.refs,
                },
            )?;
        }
        let array = mask_array(&masks, None)?;
        self.masks = masks;
        array.publish(&self.shared.masks);
        Ok(())
    }
}
