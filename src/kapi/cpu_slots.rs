// SPDX-License-Identifier: GPL-2.0

//! Counters of one object per CPU, allocated lazily: C's scheme for a
//! flow's stats (`flow->stats[cpu]`, `ovs_flow_stats_update()`), without
//! its per-packet spinlock.
//!
//! Objects are many and most are used by one CPU or none, so they get
//! no per-CPU allocation (`alloc_percpu()` is slow and costs every
//! possible CPU's copy). Instead:
//!
//! - the **first** group is inline and belongs to the first CPU that
//!   writes: claiming it is one compare-and-exchange in the object's life
//!   (C's `stats[0]` with `stats_last_writer`);
//! - every other CPU gets its own group on its first write, allocated
//!   then without sleeping (`GFP_NOWAIT`, as C), and reached through a
//!   table of one pointer per possible CPU, itself allocated by the first
//!   such write (C keeps the table inline, `nr_cpu_ids` pointers in every
//!   flow);
//! - should either allocation fail, the write goes to the **spill** group,
//!   shared and locked (C writes `stats[0]` under its lock then).
//!
//! So a write is a load of the owner, or of the table and this CPU's
//! pointer, and then loads and stores of a group only this CPU writes
//! ([`SeqGroup::write_exclusive`]): no lock and no atomic
//! read-modify-write. Readers sum every group, each as one update left it.
//!
//! Clearing cannot store zeros into groups their CPUs keep writing
//! without a lock. It retires them instead: the first group is abandoned
//! (readers skip it from then on and its CPU writes elsewhere), the table
//! with its groups is unpublished and freed after a grace period, and the
//! spill is zeroed under its lock. Writes that raced with the clear went
//! to a retired group: they happened before it.
//!
//! The host builds this file with a stand-in allocator and simulated
//! CPUs, for its tests.

use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, AtomicU32, Ordering};

use super::rcu::Guard;
use super::seqcount::{SeqGroup, Snapshot};
use super::skb::BhOff;

/// `owner` before the first write: the first group is free to claim.
const UNCLAIMED: u32 = u32::MAX;
/// `owner` after a clear: the first group is abandoned.
const RETIRED: u32 = u32::MAX - 1;

/// A table entry: a CPU's own group, null until its first write.
type Entry<const N: usize> = AtomicPtr<SeqGroup<N>>;

/// `N` counters (and a 32-bit word) for each CPU that writes them.
///
/// # Invariants
///
/// `table` is null or a table from [`sys::alloc_table`] owned by this
/// value: `nr_cpus()` entries, each null or a group from
/// [`sys::alloc_group`] owned by the table. Only CPU `i` stores into entry
/// `i`, once, replacing null; a table swapped out of `table` is freed
/// only after a grace period. Only the CPU named by `owner` writes
/// `first`, with bottom halves off; `owner` goes from [`UNCLAIMED`] to a
/// CPU to [`RETIRED`], never back.
pub(crate) struct CpuSlots<const N: usize> {
    first: SeqGroup<N>,
    owner: AtomicU32,
    spill: SeqGroup<N>,
    table: AtomicPtr<Entry<N>>,
}

impl<const N: usize> Default for CpuSlots<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> CpuSlots<N> {
    /// Zero counters; nothing is allocated until a second CPU writes.
    pub(crate) const fn new() -> Self {
        CpuSlots {
            first: SeqGroup::new(),
            owner: AtomicU32::new(UNCLAIMED),
            spill: SeqGroup::new(),
            table: AtomicPtr::new(core::ptr::null_mut()),
        }
    }

    /// Lets `f` change this CPU's counters. The token proves bottom halves
    /// are off: nothing else on this CPU writes meanwhile, and the groups
    /// reached stay allocated (a grace period waits for the section). `f`
    /// must only compute (see [`SeqGroup::write_exclusive`]).
    pub(crate) fn update(&self, bh: &BhOff, f: impl FnOnce(&mut Snapshot<N>)) {
        let cpu = sys::this_cpu(bh);
        let owner = self.owner.load(Ordering::Relaxed);
        if owner == cpu
            || (owner == UNCLAIMED
                && self
                    .owner
                    .compare_exchange(UNCLAIMED, cpu, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok())
        {
            self.first.write_exclusive(f);
            return;
        }
        match self.own_group(bh, cpu) {
            Some(group) => group.write_exclusive(f),
            // Bottom halves are off already (the token).
            None => self.spill.write_locked(f),
        }
    }

    /// This CPU's own group, allocated (with its table) on first use;
    /// `None` if memory is short.
    fn own_group<'a>(&'a self, _bh: &'a BhOff, cpu: u32) -> Option<&'a SeqGroup<N>> {
        if cpu >= sys::nr_cpus() {
            return None;
        }
        let mut table = self.table.load(Ordering::Acquire);
        if table.is_null() {
            let new = sys::alloc_table::<N>()?;
            match self.table.compare_exchange(
                core::ptr::null_mut(),
                new.as_ptr(),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => table = new.as_ptr(),
                Err(theirs) => {
                    // SAFETY: ours, never published: nobody else has it.
                    unsafe { sys::free_table(new) };
                    table = theirs;
                }
            }
        }
        // SAFETY: a table of `nr_cpus()` entries (type invariant), `cpu`
        // below that; it stays allocated while bottom halves are off (the
        // borrow of the token), even if a clear swaps it out meanwhile.
        let entry = unsafe { &*table.add(cpu as usize) };
        let mut group = entry.load(Ordering::Acquire);
        if group.is_null() {
            group = sys::alloc_group::<N>()?.as_ptr();
            // Only this CPU stores into its entry, and it was null: no
            // other group is overwritten. A table retired meanwhile frees
            // this group with it, after the grace period this section
            // holds up.
            entry.store(group, Ordering::Release);
        }
        // SAFETY: a group owned by the table (type invariant), freed no
        // earlier than the table, which outlives the borrow (see above).
        Some(unsafe { &*group })
    }

    /// Calls `f` with every group's values, each as one update left it:
    /// the first (unless abandoned), the spill, then each CPU's own.
    pub(crate) fn for_each(&self, _guard: &Guard, mut f: impl FnMut(Snapshot<N>)) {
        if self.owner.load(Ordering::Acquire) < RETIRED {
            f(self.first.read());
        }
        f(self.spill.read());
        let table = self.table.load(Ordering::Acquire);
        if table.is_null() {
            return;
        }
        for cpu in 0..sys::nr_cpus() as usize {
            // SAFETY: a table of `nr_cpus()` entries (type invariant),
            // allocated while the RCU read lock (the guard) is held even
            // if a clear retires it meanwhile.
            let group = unsafe { &*table.add(cpu) }.load(Ordering::Acquire);
            if !group.is_null() {
                // SAFETY: owned by the table, freed with it (see above).
                f(unsafe { &*group }.read());
            }
        }
    }

    /// Every counter back to zero (`ovs_flow_stats_clear()`); what was
    /// allocated for other CPUs is freed after a grace period. Process
    /// context; cannot fail.
    pub(crate) fn clear(&self) {
        // The first group's CPU may be writing it: abandon it instead.
        let _ = self
            .owner
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |o| {
                (o < RETIRED).then_some(RETIRED)
            });
        if let Some(table) = NonNull::new(self.table.swap(core::ptr::null_mut(), Ordering::AcqRel))
        {
            // SAFETY: the table was ours and is unreachable through
            // `self` now; writers and readers that found it before are in
            // sections a grace period waits for.
            unsafe { sys::retire_table(table) };
        }
        sys::bh_off_section(|| self.spill.write_locked(|s| *s = Snapshot::default()));
    }
}

impl<const N: usize> Drop for CpuSlots<N> {
    fn drop(&mut self) {
        if let Some(table) = NonNull::new(*self.table.get_mut()) {
            // SAFETY: ours (type invariant); `&mut self` means no update
            // or reader holds a borrow into it any more.
            unsafe { sys::free_table(table) };
        }
    }
}

/// The allocations, the CPU number and bottom halves, in the module.
#[cfg(MODULE)]
mod sys {
    use core::alloc::Layout;
    use core::ptr::NonNull;

    use kernel::alloc::allocator::Kmalloc;
    use kernel::alloc::flags::{__GFP_NOWARN, __GFP_ZERO, GFP_NOWAIT};
    use kernel::alloc::{Allocator, Flags, KBox, NumaNode};
    use kernel::bindings;

    use super::super::rcu;
    use super::super::seqcount::SeqGroup;
    use super::super::skb::{self, BhDisabled, BhOff};
    use super::Entry;

    /// KUnit's switch: the next this many allocations fail, so the tests
    /// reach the spill group. Only the suites, which run at load before
    /// any datapath exists, set it.
    #[cfg(CONFIG_KUNIT = "y")]
    static FAILING: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

    /// The next `n` allocations fail (KUnit).
    #[cfg(CONFIG_KUNIT = "y")]
    pub(crate) fn fail_allocations(n: u32) {
        FAILING.store(n, core::sync::atomic::Ordering::Relaxed);
    }

    /// Whether KUnit wants this allocation to fail.
    fn failing() -> bool {
        #[cfg(CONFIG_KUNIT = "y")]
        if FAILING.load(core::sync::atomic::Ordering::Relaxed) > 0 {
            FAILING.fetch_sub(1, core::sync::atomic::Ordering::Relaxed);
            return true;
        }
        false
    }

    /// On the packet path: never sleep, and fail quietly (the spill
    /// group takes the write), as C's `GFP_NOWAIT | __GFP_NOWARN`.
    fn atomic() -> Flags {
        GFP_NOWAIT | __GFP_NOWARN
    }

    pub(super) fn nr_cpus() -> u32 {
        super::super::percpu::nr_cpu_ids()
    }

    pub(super) fn this_cpu(bh: &BhOff) -> u32 {
        skb::this_cpu(bh)
    }

    /// Runs `f` with bottom halves off (a no-op where they are already):
    /// the spill lock is taken only so, or a softirq on this CPU could
    /// spin on a lock its own CPU holds.
    pub(super) fn bh_off_section<R>(f: impl FnOnce() -> R) -> R {
        let _bh = BhDisabled::new();
        f()
    }

    /// A table is an RCU head, then the entries: the head lets a clear
    /// retire it whole with `call_rcu()`.
    fn table_layout<const N: usize>() -> Option<(Layout, usize)> {
        let entries = Layout::array::<Entry<N>>(nr_cpus() as usize).ok()?;
        let (layout, at) = Layout::new::<bindings::callback_head>()
            .extend(entries)
            .ok()?;
        Some((layout.pad_to_align(), at))
    }

    /// A table of null entries, or `None`.
    pub(super) fn alloc_table<const N: usize>() -> Option<NonNull<Entry<N>>> {
        if failing() {
            return None;
        }
        let (layout, at) = table_layout::<N>()?;
        let base = Kmalloc::alloc(layout, atomic() | __GFP_ZERO, NumaNode::NO_NODE).ok()?;
        // SAFETY: `at` is inside the allocation of `layout`, aligned for
        // the entries, which are null pointers: zeroed memory.
        Some(unsafe { base.cast::<u8>().add(at) }.cast())
    }

    /// Frees a table and every group it holds.
    ///
    /// # Safety
    ///
    /// `entries` came from [`alloc_table`], and nothing uses it or its
    /// groups any more.
    pub(super) unsafe fn free_table<const N: usize>(entries: NonNull<Entry<N>>) {
        let Some((layout, at)) = table_layout::<N>() else {
            return;
        };
        for cpu in 0..nr_cpus() as usize {
            // SAFETY: one of the table's entries (per the caller).
            let group =
                unsafe { &*entries.as_ptr().add(cpu) }.load(core::sync::atomic::Ordering::Acquire);
            if !group.is_null() {
                // SAFETY: from `alloc_group`, owned by the table, unused
                // (per the caller).
                drop(unsafe { KBox::from_raw(group) });
            }
        }
        // SAFETY: the start of the allocation `alloc_table` made with the
        // same layout (`nr_cpu_ids` does not change after boot).
        let base = unsafe { entries.cast::<u8>().sub(at) };
        // SAFETY: that allocation, no longer used (per the caller).
        unsafe { Kmalloc::free(base, layout) };
    }

    /// The RCU callback of [`retire_table`].
    ///
    /// # Safety
    ///
    /// Called by `call_rcu()` only, with the head of a table
    /// `retire_table` handed over.
    unsafe extern "C" fn free_table_rcu<const N: usize>(head: *mut bindings::callback_head) {
        if let Some((_, at)) = table_layout::<N>() {
            // SAFETY: the head starts the table's allocation, and its
            // entries are `at` further; a grace period has passed since
            // the table was unreachable, so nobody uses it.
            unsafe { free_table::<N>(NonNull::new_unchecked(head.cast::<u8>().add(at).cast())) };
        }
        rcu::retired_done();
    }

    /// Frees a table after a grace period.
    ///
    /// # Safety
    ///
    /// `entries` came from [`alloc_table`] and is unreachable for anyone
    /// who does not already hold it (in a section the grace period waits
    /// for).
    pub(super) unsafe fn retire_table<const N: usize>(entries: NonNull<Entry<N>>) {
        let Some((_, at)) = table_layout::<N>() else {
            return;
        };
        // SAFETY: the allocation starts `at` before the entries, with the
        // RCU head.
        let head = unsafe { entries.cast::<u8>().sub(at) }.cast::<bindings::callback_head>();
        // SAFETY: the head is the table's and unused until the callback,
        // which frees the table (per the caller, once no one uses it).
        unsafe { rcu::call_rcu_counted(head.as_ptr(), free_table_rcu::<N>) };
    }

    /// A group of zeros, or `None`.
    pub(super) fn alloc_group<const N: usize>() -> Option<NonNull<SeqGroup<N>>> {
        if failing() {
            return None;
        }
        let group = KBox::new(SeqGroup::new(), atomic()).ok()?;
        NonNull::new(KBox::into_raw(group))
    }
}

/// The host's stand-in: simulated CPUs (the token names one), the global
/// allocator, and a test switch that makes allocations fail.
#[cfg(not(MODULE))]
mod sys {
    use std::alloc::{alloc_zeroed, dealloc, Layout};
    use std::cell::Cell;
    use std::ptr::NonNull;

    use super::super::percpu::HOST_CPUS;
    use super::super::seqcount::SeqGroup;
    use super::super::skb::BhOff;
    use super::Entry;

    thread_local! {
        static FAILING: Cell<u32> = const { Cell::new(0) };
    }

    /// The next `n` allocations of this thread fail.
    #[cfg(test)]
    pub(crate) fn fail_allocations(n: u32) {
        FAILING.with(|f| f.set(n));
    }

    fn failing() -> bool {
        FAILING.with(|f| {
            let n = f.get();
            f.set(n.saturating_sub(1));
            n > 0
        })
    }

    pub(super) fn nr_cpus() -> u32 {
        HOST_CPUS
    }

    pub(super) fn this_cpu(bh: &BhOff) -> u32 {
        bh.cpu()
    }

    pub(super) fn bh_off_section<R>(f: impl FnOnce() -> R) -> R {
        f()
    }

    fn table_layout<const N: usize>() -> Layout {
        Layout::array::<Entry<N>>(HOST_CPUS as usize).expect("layout")
    }

    pub(super) fn alloc_table<const N: usize>() -> Option<NonNull<Entry<N>>> {
        if failing() {
            return None;
        }
        // SAFETY: a non-zero size; null pointers are zero bits.
        NonNull::new(unsafe { alloc_zeroed(table_layout::<N>()) }.cast())
    }

    pub(super) unsafe fn free_table<const N: usize>(entries: NonNull<Entry<N>>) {
        for cpu in 0..HOST_CPUS as usize {
            // SAFETY: one of the table's entries (per the caller).
            let group =
                unsafe { &*entries.as_ptr().add(cpu) }.load(core::sync::atomic::Ordering::Acquire);
            if !group.is_null() {
                // SAFETY: from `alloc_group`, unused (per the caller).
                drop(unsafe { Box::from_raw(group) });
            }
        }
        // SAFETY: from `alloc_table`, with this layout, unused.
        unsafe { dealloc(entries.as_ptr().cast(), table_layout::<N>()) };
    }

    /// The host has no grace periods: a retired table is never freed, so
    /// whoever still holds it (another thread of a test) may use it.
    pub(super) unsafe fn retire_table<const N: usize>(_entries: NonNull<Entry<N>>) {}

    pub(super) fn alloc_group<const N: usize>() -> Option<NonNull<SeqGroup<N>>> {
        if failing() {
            return None;
        }
        NonNull::new(Box::into_raw(Box::new(SeqGroup::new())))
    }
}

#[cfg_attr(MODULE, cfg(CONFIG_KUNIT = "y"))]
#[cfg_attr(not(MODULE), cfg(test))]
pub(crate) use sys::fail_allocations;

#[path = "cpu_slots/tests.rs"]
mod tests;
