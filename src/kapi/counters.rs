// SPDX-License-Identifier: GPL-2.0

//! Per-CPU counters: a [`SeqGroup`] of `N` counters for every possible
//! CPU (`alloc_percpu()`), each added to by its own CPU only, with bottom
//! halves off, and summed by readers on any CPU. What C keeps in
//! `dp->stats_percpu`, a vport's `upcall_stats` and a mask array's
//! `masks_usage_stats`, each with its `u64_stats_sync`.
//!
//! Adding is loads and stores of this CPU's group, no atomic
//! read-modify-write; a reader sums each CPU's group as one update left
//! it (see [`super::seqcount`]). Counters only grow: to count from some
//! moment, remember the sum then (C's `masks_usage_zero_cntr`); another
//! CPU's group is never written by a reader.
//!
//! The host builds this file with a stand-in allocation of simulated
//! CPUs, for its tests.

use super::skb::BhOff;

pub(crate) use sys::AllocError;

/// `N` counters per CPU.
pub(crate) struct PerCpuCounters<const N: usize> {
    groups: sys::Groups<N>,
}

impl<const N: usize> PerCpuCounters<N> {
    /// Zero counters for every possible CPU. Process context: the per-CPU
    /// allocator may sleep.
    pub(crate) fn new() -> Result<Self, AllocError> {
        Ok(PerCpuCounters {
            groups: sys::Groups::new()?,
        })
    }

    /// Adds `deltas` to this CPU's counters. The token proves bottom
    /// halves are off, so nothing else on this CPU updates the group
    /// meanwhile and it is the group's only writer.
    pub(crate) fn add(&self, bh: &BhOff, deltas: [u64; N]) {
        self.groups.this_cpu(bh).write_exclusive(|s| {
            // By reference: the by-value array iterator is not inlined.
            for (v, d) in s.wide.iter_mut().zip(deltas.iter()) {
                *v = v.wrapping_add(*d);
            }
        });
    }

    /// Every CPU's counters added up, each CPU's as one update left them.
    pub(crate) fn sum(&self) -> [u64; N] {
        let mut total = [0u64; N];
        for cpu in 0..sys::nr_cpus() {
            if let Some(group) = self.groups.cpu(cpu) {
                let s = group.read();
                for (t, v) in total.iter_mut().zip(s.wide.iter()) {
                    *t = t.wrapping_add(*v);
                }
            }
        }
        total
    }
}

/// The per-CPU memory: `alloc_percpu()` in the module.
#[cfg(MODULE)]
mod sys {
    use core::marker::PhantomData;
    use core::ptr::NonNull;

    use kernel::ffi::c_void;

    use super::super::glue;
    use super::super::seqcount::SeqGroup;
    use super::super::skb::BhOff;

    pub(crate) use kernel::alloc::AllocError;

    pub(super) fn nr_cpus() -> u32 {
        super::super::percpu::nr_cpu_ids()
    }

    /// One group per possible CPU.
    ///
    /// # Invariants
    ///
    /// `ptr` is a per-CPU allocation of one `SeqGroup<N>` per possible
    /// CPU, owned by this value; it was zeroed, and all zero bits is a
    /// valid group, so every CPU's group is valid from the start.
    pub(super) struct Groups<const N: usize> {
        ptr: NonNull<c_void>,
        _owns: PhantomData<SeqGroup<N>>,
    }

    // SAFETY: the groups are atomics, which any CPU may use, and the
    // allocation may be freed on any CPU.
    unsafe impl<const N: usize> Send for Groups<N> {}
    // SAFETY: shared references hand out only `&SeqGroup<N>`, which is
    // `Sync` (atomics). Which CPU writes which group is the containing
    // type's rule (its own CPU's, with bottom halves off): breaking it
    // would lose counts, not memory safety.
    unsafe impl<const N: usize> Sync for Groups<N> {}

    impl<const N: usize> Groups<N> {
        pub(super) fn new() -> Result<Self, AllocError> {
            // SAFETY: no preconditions; returns a zeroed per-CPU
            // allocation of that size and alignment, or null.
            let ptr = unsafe {
                glue::ovs_rs_percpu_alloc(
                    core::mem::size_of::<SeqGroup<N>>(),
                    core::mem::align_of::<SeqGroup<N>>(),
                )
            };
            // INVARIANT: zeroed by `__alloc_percpu()`, for every possible
            // CPU.
            Ok(Groups {
                ptr: NonNull::new(ptr).ok_or(AllocError)?,
                _owns: PhantomData,
            })
        }

        /// This CPU's group, for as long as bottom halves stay off.
        pub(super) fn this_cpu<'a>(&'a self, _bh: &'a BhOff) -> &'a SeqGroup<N> {
            // SAFETY: `this_cpu_ptr()` of our allocation is this CPU's
            // group, valid (type invariant) as long as `self`, which the
            // borrow outlives; bottom halves are off (the token), so the
            // CPU, and thus the group meant, cannot change under it.
            unsafe { &*glue::ovs_rs_percpu_this(self.ptr.as_ptr()).cast::<SeqGroup<N>>() }
        }

        /// CPU `cpu`'s group, for reading; `None` for a CPU that is not
        /// possible.
        pub(super) fn cpu(&self, cpu: u32) -> Option<&SeqGroup<N>> {
            // SAFETY: our allocation; the glue checks `cpu` and returns
            // null for a CPU without a copy.
            let p = unsafe { glue::ovs_rs_percpu_ptr(self.ptr.as_ptr(), cpu) };
            // SAFETY: a possible CPU's group, valid (type invariant) as
            // long as `self`, which the borrow outlives.
            NonNull::new(p.cast::<SeqGroup<N>>()).map(|g| unsafe { g.as_ref() })
        }
    }

    impl<const N: usize> Drop for Groups<N> {
        fn drop(&mut self) {
            // SAFETY: our allocation (type invariant), freed once; no
            // reference into it outlives `self`.
            unsafe { glue::ovs_rs_percpu_free(self.ptr.as_ptr()) }
        }
    }
}

/// The host's stand-in: one group per simulated CPU.
#[cfg(not(MODULE))]
mod sys {
    use super::super::percpu::HOST_CPUS;
    use super::super::seqcount::SeqGroup;
    use super::super::skb::BhOff;

    pub(crate) use super::super::AllocError;

    pub(super) fn nr_cpus() -> u32 {
        HOST_CPUS
    }

    pub(super) struct Groups<const N: usize>(Vec<SeqGroup<N>>);

    impl<const N: usize> Groups<N> {
        pub(super) fn new() -> Result<Self, AllocError> {
            Ok(Groups((0..HOST_CPUS).map(|_| SeqGroup::new()).collect()))
        }

        pub(super) fn this_cpu<'a>(&'a self, bh: &'a BhOff) -> &'a SeqGroup<N> {
            &self.0[bh.cpu() as usize]
        }

        pub(super) fn cpu(&self, cpu: u32) -> Option<&SeqGroup<N>> {
            self.0.get(cpu as usize)
        }
    }
}

#[path = "counters/tests.rs"]
mod tests;
