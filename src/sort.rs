// SPDX-License-Identifier: GPL-2.0

//! Sorting for the module's few control-path sorts.
//!
//! core's `sort_unstable` ends in `panic_on_ord_violation()`, which 7.3's
//! objtool does not know cannot return, so at -O2 every instance warns
//! ("falls through to next function"). A heapsort needs no such check:
//! O(n log n), in place, and nothing it calls is a panic objtool does not
//! know.

/// Sorts `v` by `key`, ascending; equal keys in no particular order.
pub fn sort_by_key<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    let n = v.len();
    // Heapify, then move the largest to the end, one at a time.
    for i in (0..n / 2).rev() {
        sift_down(v, i, n, &key);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end, &key);
    }
}

/// Restores the max-heap below `root` within `v[..end]`.
fn sift_down<T, K: Ord>(v: &mut [T], mut root: usize, end: usize, key: &impl Fn(&T) -> K) {
    loop {
        let left = 2 * root + 1;
        if left >= end {
            return;
        }
        let right = left + 1;
        let mut child = left;
        if right < end && less(v, left, right, key) {
            child = right;
        }
        if !less(v, root, child, key) {
            return;
        }
        v.swap(root, child);
        root = child;
    }
}

/// `key(v[a]) < key(v[b])`; indices the callers keep in bounds.
fn less<T, K: Ord>(v: &[T], a: usize, b: usize, key: &impl Fn(&T) -> K) -> bool {
    match (v.get(a), v.get(b)) {
        (Some(x), Some(y)) => key(x) < key(y),
        _ => false,
    }
}

#[path = "sort/tests.rs"]
mod tests;
