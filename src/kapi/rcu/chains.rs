// SPDX-License-Identifier: GPL-2.0

//! Hash chains that readers walk under RCU while a writer links and
//! unlinks values in place (`hlist_add_head_rcu()`, `hlist_del_rcu()`):
//! adding a value allocates its one link and retires nothing, where
//! republishing a whole bucket would allocate and retire one per change.

use core::pin::Pin;
use core::ptr;
use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use kernel::{bindings, new_spinlock, prelude::*, sync::SpinLock};

use super::{retire, Guard, Node};

/// One value and the link after it.
struct Link<T> {
    next: AtomicPtr<Node<Link<T>>>,
    value: T,
}

/// A value allocated for [`RcuChains::push_front`], not yet linked, so
/// that linking cannot fail.
pub(crate) struct ChainLink<T>(KBox<Node<Link<T>>>);

impl<T> ChainLink<T> {
    pub(crate) fn new(value: T) -> Result<Self, kernel::alloc::AllocError> {
        Ok(ChainLink(KBox::new(
            Node {
                head: bindings::callback_head::default(),
                value: Link {
                    next: AtomicPtr::new(ptr::null_mut()),
                    value,
                },
            },
            GFP_KERNEL,
        )?))
    }
}

/// Where every chains' epoch comes from: each value is handed out once,
/// so two epochs are equal only if they are one epoch of one chains. A
/// `u64` counting from 1 does not wrap.
static NEXT_EPOCH: AtomicU64 = AtomicU64::new(1);

fn next_epoch() -> u64 {
    NEXT_EPOCH.fetch_add(1, Ordering::Relaxed)
}

/// A value of some [`RcuChains`], remembered past the read-side section
/// that found it (in a per-CPU cache, say), and given back by
/// [`RcuChains::recall`] only while those chains have not unlinked
/// anything since: the value is then still linked, so still alive.
///
/// # Invariants
///
/// `value` is null (`epoch` 0, which no chains has) or pointed to a
/// value linked in the chains whose epoch was `epoch` when it was made.
pub(crate) struct Remembered<T> {
    value: *const T,
    epoch: u64,
}

impl<T> Clone for Remembered<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Remembered<T> {}

impl<T> Default for Remembered<T> {
    fn default() -> Self {
        // INVARIANT: null, epoch 0.
        Remembered {
            value: ptr::null(),
            epoch: 0,
        }
    }
}

// SAFETY: the pointer is never dereferenced but by `recall`, which needs
// the chains (whose `T: Send + Sync`) and a read-side guard: holding or
// moving the token itself touches no `T`.
unsafe impl<T> Send for Remembered<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for Remembered<T> {}

/// A value found in [`RcuChains`] under a read-side guard, which can be
/// [`remember`](Found::remember)ed.
pub(crate) struct Found<'a, T> {
    value: &'a T,
    epoch: u64,
}

impl<'a, T> Found<'a, T> {
    pub(crate) fn get(&self) -> &'a T {
        self.value
    }

    /// A token for [`RcuChains::recall`].
    pub(crate) fn remember(&self) -> Remembered<T> {
        // INVARIANT: a linked value of the chains whose epoch was `epoch`
        // when it was found (read before the search, see `find`).
        Remembered {
            value: self.value,
            epoch: self.epoch,
        }
    }
}

/// A power-of-2 number of chains of `T`s, picked by a hash.
///
/// # Invariants
///
/// Every node reachable from `heads` came from `KBox::into_raw` and is
/// owned by these chains; a node unlinked from them is freed only by
/// `retire`, after a grace period, and only after `epoch` has changed
/// (`remove`). Links change only under `writer`.
pub(crate) struct RcuChains<T: Send + Sync + 'static> {
    heads: KVec<AtomicPtr<Node<Link<T>>>>,
    writer: Pin<KBox<SpinLock<()>>>,
    /// Changes whenever a value is unlinked, or the owner asks
    /// ([`RcuChains::forget_remembered`]); never equal to another chains'.
    epoch: AtomicU64,
}

// SAFETY: readers on any CPU get `&T`, and values are dropped on any CPU
// (in an RCU callback or with the chains): `T: Send + Sync` covers both;
// the links are atomics changed under `writer`.
unsafe impl<T: Send + Sync + 'static> Send for RcuChains<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync + 'static> Sync for RcuChains<T> {}

impl<T: Send + Sync + 'static> RcuChains<T> {
    /// `n` empty chains; `n` is rounded up to a power of 2.
    pub(crate) fn new(n: usize) -> Result<Self, kernel::alloc::AllocError> {
        let n = n
            .max(1)
            .checked_next_power_of_two()
            .ok_or(kernel::alloc::AllocError)?;
        let mut heads = KVec::with_capacity(n, GFP_KERNEL)?;
        for _ in 0..n {
            heads.push(AtomicPtr::new(ptr::null_mut()), GFP_KERNEL)?;
        }
        let writer =
            KBox::pin_init(new_spinlock!(()), GFP_KERNEL).map_err(|_| kernel::alloc::AllocError)?;
        // INVARIANT: no node yet; a fresh epoch.
        Ok(RcuChains {
            heads,
            writer,
            epoch: AtomicU64::new(next_epoch()),
        })
    }

    /// How many chains there are.
    pub(crate) fn len(&self) -> usize {
        self.heads.len()
    }

    fn head(&self, hash: u32) -> &AtomicPtr<Node<Link<T>>> {
        // `heads` is never empty and its length a power of 2.
        &self.heads[hash as usize & (self.heads.len() - 1)]
    }

    /// The values of `hash`'s chain, newest first (`rcu_dereference()`
    /// at each step), valid while the guard is.
    pub(crate) fn chain<'a>(&'a self, _guard: &'a Guard, hash: u32) -> Chain<'a, T> {
        Chain {
            at: self.head(hash).load(Ordering::Acquire),
            _chains: core::marker::PhantomData,
        }
    }

    /// The first value of `hash`'s chain that `pred` picks, which may be
    /// remembered.
    pub(crate) fn find<'a>(
        &'a self,
        guard: &'a Guard,
        hash: u32,
        mut pred: impl FnMut(&T) -> bool,
    ) -> Option<Found<'a, T>> {
        // Read before the search: a value unlinked after this read is
        // remembered with an epoch that is stale already; one unlinked
        // before it is not in the chain this search walks.
        let epoch = self.epoch.load(Ordering::Acquire);
        let value = self.chain(guard, hash).find(|v| pred(v))?;
        Some(Found { value, epoch })
    }

    /// The value `r` remembers, if these chains have unlinked nothing
    /// since it was found in them.
    pub(crate) fn recall<'a>(&'a self, _guard: &'a Guard, r: &Remembered<T>) -> Option<&'a T> {
        if r.value.is_null() || r.epoch != self.epoch.load(Ordering::Acquire) {
            return None;
        }
        // SAFETY: the epoch is unique to these chains and unchanged since
        // `r` was made (type invariants of both), so the value is still
        // linked: a removal changes the epoch before it retires a node,
        // and a reader that saw the old epoch under this guard holds off
        // the grace period the free waits for. The borrow ends with the
        // guard's.
        Some(unsafe { &*r.value })
    }

    /// Every token remembered so far stops being recalled (the owner's
    /// notion of what a value answers changed).
    pub(crate) fn forget_remembered(&self) {
        self.epoch.store(next_epoch(), Ordering::Release);
    }

    /// Every value, chain by chain.
    pub(crate) fn values<'a>(&'a self, guard: &'a Guard) -> impl Iterator<Item = &'a T> + 'a {
        (0..self.heads.len()).flat_map(move |i| self.chain(guard, i as u32))
    }

    /// Links `link` first in `hash`'s chain. Readers see the chain with
    /// or without it, whole.
    pub(crate) fn push_front(&self, hash: u32, link: ChainLink<T>) {
        let node = KBox::into_raw(link.0);
        let _w = self.writer.lock();
        let head = self.head(hash);
        // SAFETY: `node` is ours and not yet visible to readers.
        unsafe {
            (*node)
                .value
                .next
                .store(head.load(Ordering::Relaxed), Ordering::Relaxed)
        };
        // INVARIANT: the chains own `node` from here on. Release: a reader
        // that sees it sees its contents and `next`.
        head.store(node, Ordering::Release);
    }

    /// Unlinks the first value of `hash`'s chain that `pred` picks; it is
    /// dropped after a grace period. Readers on it may still move on to
    /// the rest of the chain. Whether one was found.
    pub(crate) fn remove(&self, hash: u32, mut pred: impl FnMut(&T) -> bool) -> bool {
        let w = self.writer.lock();
        let mut link = self.head(hash);
        loop {
            let node = link.load(Ordering::Relaxed);
            if node.is_null() {
                return false;
            }
            // SAFETY: a node reachable from the heads is valid (type
            // invariant), and only this writer, holding `writer`, could
            // unlink and retire it.
            let cur = unsafe { &(*node).value };
            if pred(&cur.value) {
                // Its `next` stays as it is, for readers still on it.
                link.store(cur.next.load(Ordering::Relaxed), Ordering::Release);
                // INVARIANT: a new epoch before the node is retired, and
                // after it is unlinked: a reader that reads the new epoch
                // (Acquire) sees the chain without it, so cannot remember it.
                self.forget_remembered();
                drop(w);
                // SAFETY: `node` came from `KBox::into_raw` and is no
                // longer reachable from the chains.
                unsafe { retire(node) };
                return true;
            }
            link = &cur.next;
        }
    }
}

impl<T: Send + Sync + 'static> Drop for RcuChains<T> {
    /// Frees every linked node. A reader reaches the chains only through
    /// a borrow they outlive (an `RcuCell` drops them after a grace
    /// period), so none is on a node now.
    fn drop(&mut self) {
        for head in self.heads.iter() {
            let mut node = head.swap(ptr::null_mut(), Ordering::Relaxed);
            while !node.is_null() {
                // SAFETY: linked, so ours (type invariant), freed once:
                // its successor is read before the free.
                let owned = unsafe { KBox::from_raw(node) };
                node = owned.value.next.load(Ordering::Relaxed);
            }
        }
    }
}

/// An iterator over one chain, under RCU.
pub(crate) struct Chain<'a, T> {
    at: *mut Node<Link<T>>,
    _chains: core::marker::PhantomData<&'a T>,
}

impl<'a, T> Iterator for Chain<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        if self.at.is_null() {
            return None;
        }
        // SAFETY: `at` was linked when loaded under the read lock that `'a`
        // borrows: it is freed only after a grace period that waits for
        // this reader, and its `next` stays valid as long (see `remove`).
        let link = unsafe { &(*self.at).value };
        self.at = link.next.load(Ordering::Acquire);
        Some(&link.value)
    }
}

#[path = "chains/tests.rs"]
mod tests;
