// SPDX-License-Identifier: GPL-2.0

//! A group of counters that one writer at a time updates and any reader
//! reads whole: a sequence count (`seqcount_t`) over relaxed atomics.
//!
//! The writer makes the count odd, stores the new values and makes it
//! even again; a reader reads the count, the values and the count again,
//! and retries if the two differ or the first was odd. So a reader on
//! another CPU never sums a packet count from one update with a byte
//! count from another: it sees the group as one complete update left it.
//!
//! Every access is an aligned load or store of one word: on x86 a plain
//! `mov`, and the release and acquire fences are compiler barriers only.
//! No access is a read-modify-write with a lock prefix: a writer that is
//! alone on its group (its CPU's, with bottom halves off) reads its own
//! last values and stores the new ones. This is the pattern of
//! H.-J. Boehm, "Can seqlocks get along with programming language memory
//! models?" (MSPC 2012): fences order the count against the values, and
//! the values are atomics, so a racing read is never undefined.
//!
//! No unsafe code and no kernel type: the per-CPU containers of this
//! layer decide who may write a group ([`SeqGroup::write_exclusive`] is
//! theirs only), and the host builds this file for its tests.

use core::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};

/// A group's values, as one update left them: `N` 64-bit counters and
/// one 32-bit word (which would otherwise be the count's padding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Snapshot<const N: usize> {
    pub(crate) wide: [u64; N],
    pub(crate) narrow: u32,
}

impl<const N: usize> Default for Snapshot<N> {
    fn default() -> Self {
        Snapshot {
            wide: [0; N],
            narrow: 0,
        }
    }
}

/// A group of counters under a sequence count. All zero bits is a valid
/// group of zeros, so zeroed memory (`__alloc_percpu()`, `__GFP_ZERO`)
/// holds groups ready for use.
#[repr(C)]
pub(crate) struct SeqGroup<const N: usize> {
    /// Odd while an update is under way.
    seq: AtomicU32,
    narrow: AtomicU32,
    wide: [AtomicU64; N],
}

impl<const N: usize> Default for SeqGroup<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> SeqGroup<N> {
    pub(crate) const fn new() -> Self {
        SeqGroup {
            seq: AtomicU32::new(0),
            narrow: AtomicU32::new(0),
            wide: [const { AtomicU64::new(0) }; N],
        }
    }

    fn load(&self) -> Snapshot<N> {
        let mut s = Snapshot::default();
        for (v, a) in s.wide.iter_mut().zip(self.wide.iter()) {
            *v = a.load(Ordering::Relaxed);
        }
        s.narrow = self.narrow.load(Ordering::Relaxed);
        s
    }

    fn store(&self, s: &Snapshot<N>) {
        for (v, a) in s.wide.iter().zip(self.wide.iter()) {
            a.store(*v, Ordering::Relaxed);
        }
        self.narrow.store(s.narrow, Ordering::Relaxed);
    }

    /// The values as one complete update left them (`read_seqcount_begin()`
    /// / `read_seqcount_retry()`). Spins while an update is under way: an
    /// updater runs with bottom halves off, so it cannot be waiting for
    /// this reader, and it is short.
    pub(crate) fn read(&self) -> Snapshot<N> {
        loop {
            let begin = self.seq.load(Ordering::Acquire);
            if begin & 1 == 0 {
                let values = self.load();
                // Orders the value loads before the second count load: if
                // any of them saw a store of a later update, this load sees
                // that update's odd count (or later), and the read retries.
                fence(Ordering::Acquire);
                if self.seq.load(Ordering::Relaxed) == begin {
                    return values;
                }
            }
            core::hint::spin_loop();
        }
    }

    /// Lets `f` change the values (`write_seqcount_begin()` /
    /// `write_seqcount_end()`). The caller is the group's only writer for
    /// the duration (its CPU's group, with bottom halves off): the count
    /// and the values are loaded and stored, never atomically modified,
    /// so two writers at once would lose updates (never memory safety:
    /// they are atomics). `f` runs between the two count stores: it must
    /// only compute, never reach this group again.
    pub(super) fn write_exclusive(&self, f: impl FnOnce(&mut Snapshot<N>)) {
        let begin = self.seq.load(Ordering::Relaxed);
        self.seq.store(begin.wrapping_add(1), Ordering::Relaxed);
        self.update(begin, f);
    }

    /// [`write_exclusive`](Self::write_exclusive) for a group with several
    /// writers: the count is also their lock (odd: held), taken with a
    /// compare-and-exchange. For the rare path (a per-CPU group could not
    /// be allocated) and for clearing; the holder must have bottom halves
    /// off, so no writer on its own CPU spins on it.
    pub(super) fn write_locked(&self, f: impl FnOnce(&mut Snapshot<N>)) {
        let begin = loop {
            let s = self.seq.load(Ordering::Relaxed);
            if s & 1 == 0
                && self
                    .seq
                    .compare_exchange_weak(
                        s,
                        s.wrapping_add(1),
                        Ordering::Acquire,
                        Ordering::Relaxed,
                    )
                    .is_ok()
            {
                break s;
            }
            core::hint::spin_loop();
        };
        self.update(begin, f);
    }

    /// The count is odd (`begin + 1`): stores `f`'s values, then makes it
    /// even.
    fn update(&self, begin: u32, f: impl FnOnce(&mut Snapshot<N>)) {
        // Orders the odd count before the value stores, for a reader whose
        // acquire fence follows its loads of them (see `read`).
        fence(Ordering::Release);
        let mut values = self.load();
        f(&mut values);
        self.store(&values);
        self.seq.store(begin.wrapping_add(2), Ordering::Release);
    }
}

#[path = "seqcount/tests.rs"]
mod tests;
