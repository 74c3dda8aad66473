// SPDX-License-Identifier: GPL-2.0

//! An RCU-published value: readers get it lock-free under
//! `rcu_read_lock()`, a writer replaces it whole and the old value is
//! freed by `call_rcu()` once no reader can still see it.
//!
//! The flow table's lookup structures are built from these cells, so the
//! packet path reads them without `ovs_mutex` while the genetlink
//! handlers change them under it.

use core::marker::PhantomData;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use kernel::{bindings, prelude::*};

pub(crate) use kernel::sync::rcu::{read_lock, Guard};

mod chains;
pub(crate) use chains::{ChainLink, Found, RcuChains, Remembered};

/// The allocation behind a cell's value: `head` first, so the callback
/// finds the node from the `callback_head` it is given.
#[repr(C)]
struct Node<T> {
    head: bindings::callback_head,
    value: T,
}

/// A value readers reach under RCU, replaced by writers.
///
/// # Invariants
///
/// `ptr` is null or a `Node<T>` from `KBox::into_raw`, owned by the cell
/// until swapped out; a node swapped out is freed only by [`free_node`]
/// from `call_rcu()`, after a grace period.
pub(crate) struct RcuCell<T: Send + Sync + 'static> {
    ptr: AtomicPtr<Node<T>>,
    _owns: PhantomData<T>,
}

// SAFETY: the cell hands out `&T` to readers on any CPU and drops `T` in
// an RCU callback on any CPU: `T: Send + Sync` covers both.
unsafe impl<T: Send + Sync + 'static> Send for RcuCell<T> {}
// SAFETY: as above; the pointer itself is atomic.
unsafe impl<T: Send + Sync + 'static> Sync for RcuCell<T> {}

/// Nodes handed to `call_rcu()` and not yet freed. Freeing one can retire
/// more (a port map frees ports, whose cells retire their values), so
/// unloading waits until this reaches zero, not for a fixed number of
/// barriers.
static RETIRED: AtomicUsize = AtomicUsize::new(0);

/// Frees a node swapped out of a cell.
///
/// # Safety
///
/// Called by `call_rcu()` only, with the `head` of a `Node<T>` that came
/// from `KBox::into_raw` and that no cell points to any more.
unsafe extern "C" fn free_node<T: Send + Sync + 'static>(head: *mut bindings::callback_head) {
    // SAFETY: `head` is the first field of a `#[repr(C)] Node<T>` (per the
    // caller), so the node starts at the same address; the grace period
    // has passed, so no reader refers to it, and it is freed once.
    drop(unsafe { KBox::from_raw(head.cast::<Node<T>>()) });
    // After the drop: whatever it retired is counted already.
    retired_done();
}

/// Hands a node to `call_rcu()`.
///
/// # Safety
///
/// `node` came from `KBox::into_raw` and no cell points to it any more.
unsafe fn retire<T: Send + Sync + 'static>(node: *mut Node<T>) {
    if node.is_null() {
        return;
    }
    // SAFETY: the node is valid (per the caller) and stays allocated until
    // the callback frees it; nothing else uses its `head`; the callback
    // ends with `retired_done()`.
    unsafe { call_rcu_counted(ptr::addr_of_mut!((*node).head), free_node::<T>) };
}

/// `call_rcu()` for another of this layer's retirements, counted with
/// the cells' so that unloading waits for it too.
///
/// # Safety
///
/// `head` is valid and unused until `free` is called with it; `free` may
/// be called with it once a grace period has passed, and ends with
/// [`retired_done`].
pub(super) unsafe fn call_rcu_counted(
    head: *mut bindings::callback_head,
    free: unsafe extern "C" fn(*mut bindings::callback_head),
) {
    RETIRED.fetch_add(1, Ordering::AcqRel);
    // SAFETY: per the caller.
    unsafe { bindings::call_rcu(head, Some(free)) };
}

/// The end of a callback of [`call_rcu_counted`]: after whatever it
/// retired in turn is counted.
pub(super) fn retired_done() {
    RETIRED.fetch_sub(1, Ordering::AcqRel);
}

/// A value allocated for publication in an [`RcuCell`], so that
/// publishing itself cannot fail.
pub(crate) struct RcuBox<T>(KBox<Node<T>>);

impl<T> RcuBox<T> {
    pub(crate) fn new(value: T) -> Result<Self, kernel::alloc::AllocError> {
        Ok(RcuBox(KBox::new(
            Node {
                head: bindings::callback_head::default(),
                value,
            },
            GFP_KERNEL,
        )?))
    }
}

impl<T: Send + Sync + 'static> RcuCell<T> {
    /// A cell holding `value`.
    pub(crate) fn new(value: RcuBox<T>) -> Self {
        RcuCell {
            ptr: AtomicPtr::new(KBox::into_raw(value.0)),
            _owns: PhantomData,
        }
    }

    /// A cell holding nothing.
    pub(crate) fn empty() -> Self {
        RcuCell {
            ptr: AtomicPtr::new(ptr::null_mut()),
            _owns: PhantomData,
        }
    }

    /// The current value (`rcu_dereference()`), valid while the guard is.
    pub(crate) fn read<'a>(&'a self, _guard: &'a Guard) -> Option<&'a T> {
        let node = NonNull::new(self.ptr.load(Ordering::Acquire))?;
        // SAFETY: a node the cell pointed to while the read lock is held
        // is freed only after a grace period that waits for this reader
        // (type invariant), and the borrow ends with the guard's.
        Some(unsafe { &(*node.as_ptr()).value })
    }

    /// Publishes `value`, or nothing (`rcu_assign_pointer()`); the old
    /// value is freed after a grace period. Readers see one or the other,
    /// whole.
    pub(crate) fn replace(&self, value: Option<RcuBox<T>>) {
        let new = value.map_or(ptr::null_mut(), |v| KBox::into_raw(v.0));
        let old = self.ptr.swap(new, Ordering::AcqRel);
        // SAFETY: `old` was the cell's, and is no longer reachable through
        // it: only readers already holding it may still use it.
        unsafe { retire(old) };
    }
}

impl<T: Send + Sync + 'static> Drop for RcuCell<T> {
    /// Readers that reached the cell before it became unreachable may
    /// still hold its value: it is freed after a grace period too.
    fn drop(&mut self) {
        let old = self.ptr.swap(ptr::null_mut(), Ordering::AcqRel);
        // SAFETY: as in `replace`.
        unsafe { retire(old) };
    }
}

/// Waits until every value retired through a cell is freed, and every
/// RCU callback queued before the call has run (the module's code must
/// outlive them). A barrier runs the callbacks queued before it; those
/// may retire more, so it repeats until nothing is left.
pub(crate) fn wait_for_retired() {
    loop {
        kernel::sync::rcu::rcu_barrier();
        if RETIRED.load(Ordering::Acquire) == 0 {
            break;
        }
    }
}

/// How many retired values still wait for their grace period.
#[cfg_attr(not(CONFIG_KUNIT), allow(dead_code))]
pub(crate) fn retired_pending() -> usize {
    RETIRED.load(Ordering::Acquire)
}

#[kunit_tests(ovs_rs_rcu)]
mod tests {
    use super::*;

    /// A value that retires another when it is freed, several levels
    /// deep: a fixed number of barriers is not enough, waiting for the
    /// count is.
    struct Chain {
        _next: RcuCell<Chain>,
    }

    fn chain(depth: usize) -> Result<RcuCell<Chain>> {
        let mut cell = RcuCell::empty();
        for _ in 0..depth {
            cell = RcuCell::new(RcuBox::new(Chain { _next: cell })?);
        }
        Ok(cell)
    }

    #[test]
    fn wait_for_retired_drains_chains() -> Result {
        let before = retired_pending();
        // Twelve levels: more than the eight barriers unload used to run.
        drop(chain(12)?);
        assert!(retired_pending() > before);
        wait_for_retired();
        assert_eq!(retired_pending(), 0);
        Ok(())
    }
}
