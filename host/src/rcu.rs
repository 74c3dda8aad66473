// SPDX-License-Identifier: GPL-2.0

//! The host's stand-in for the module's `kapi::rcu`: the same API, for
//! single-threaded tests. A replaced value is kept until the cell is
//! dropped, so a reference a test still holds stays valid (the kernel
//! frees it after a grace period instead).

use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::Mutex;

use crate::fallible::AllocError;

/// Stands for `rcu_read_lock()` being held.
pub struct Guard(());

pub fn read_lock() -> Guard {
    Guard(())
}

/// A value allocated for publication.
pub struct RcuBox<T>(Box<T>);

impl<T> RcuBox<T> {
    pub fn new(value: T) -> Result<Self, AllocError> {
        Ok(RcuBox(Box::new(value)))
    }
}

pub struct RcuCell<T> {
    ptr: AtomicPtr<T>,
    retired: Mutex<Vec<*mut T>>,
}

// SAFETY (host test scaffolding): the values are only shared as `&T`.
unsafe impl<T: Send + Sync> Send for RcuCell<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for RcuCell<T> {}

impl<T> RcuCell<T> {
    pub fn new(value: RcuBox<T>) -> Self {
        RcuCell {
            ptr: AtomicPtr::new(Box::into_raw(value.0)),
            retired: Mutex::new(Vec::new()),
        }
    }

    pub fn empty() -> Self {
        RcuCell {
            ptr: AtomicPtr::new(std::ptr::null_mut()),
            retired: Mutex::new(Vec::new()),
        }
    }

    pub fn read<'a>(&'a self, _guard: &'a Guard) -> Option<&'a T> {
        // SAFETY: values are freed only when the cell is dropped.
        unsafe { self.ptr.load(Ordering::Acquire).as_ref() }
    }

    pub fn replace(&self, value: Option<RcuBox<T>>) {
        let new = value.map_or(std::ptr::null_mut(), |v| Box::into_raw(v.0));
        let old = self.ptr.swap(new, Ordering::AcqRel);
        if !old.is_null() {
            self.retired.lock().expect("lock").push(old);
        }
    }
}

impl<T> Drop for RcuCell<T> {
    fn drop(&mut self) {
        let cur = self.ptr.swap(std::ptr::null_mut(), Ordering::AcqRel);
        let retired = std::mem::take(self.retired.get_mut().expect("lock"));
        for p in retired.into_iter().chain(std::iter::once(cur)) {
            if !p.is_null() {
                // SAFETY: each pointer came from Box::into_raw, once.
                drop(unsafe { Box::from_raw(p) });
            }
        }
    }
}

/// One value and the link after it.
struct Link<T> {
    next: AtomicPtr<Link<T>>,
    value: T,
}

/// A value allocated for [`RcuChains::push_front`].
pub struct ChainLink<T>(Box<Link<T>>);

impl<T> ChainLink<T> {
    pub fn new(value: T) -> Result<Self, AllocError> {
        Ok(ChainLink(Box::new(Link {
            next: AtomicPtr::new(std::ptr::null_mut()),
            value,
        })))
    }
}

static NEXT_EPOCH: AtomicU64 = AtomicU64::new(1);

fn next_epoch() -> u64 {
    NEXT_EPOCH.fetch_add(1, Ordering::Relaxed)
}

/// The module's `kapi::rcu::Remembered`.
pub struct Remembered<T> {
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
        Remembered {
            value: std::ptr::null(),
            epoch: 0,
        }
    }
}

// SAFETY (host test scaffolding): only `recall` dereferences it.
unsafe impl<T> Send for Remembered<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for Remembered<T> {}

/// The module's `kapi::rcu::Found`.
pub struct Found<'a, T> {
    value: &'a T,
    epoch: u64,
}

impl<'a, T> Found<'a, T> {
    pub fn get(&self) -> &'a T {
        self.value
    }

    pub fn remember(&self) -> Remembered<T> {
        Remembered {
            value: self.value,
            epoch: self.epoch,
        }
    }
}

/// The module's `kapi::rcu::RcuChains`: unlinked values are kept until
/// the chains are dropped.
pub struct RcuChains<T> {
    heads: Vec<AtomicPtr<Link<T>>>,
    writer: Mutex<Vec<*mut Link<T>>>,
    epoch: AtomicU64,
}

// SAFETY (host test scaffolding): values are only shared as `&T`.
unsafe impl<T: Send + Sync> Send for RcuChains<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for RcuChains<T> {}

impl<T> RcuChains<T> {
    pub fn new(n: usize) -> Result<Self, AllocError> {
        let n = n.max(1).checked_next_power_of_two().ok_or(AllocError)?;
        Ok(RcuChains {
            heads: (0..n)
                .map(|_| AtomicPtr::new(std::ptr::null_mut()))
                .collect(),
            writer: Mutex::new(Vec::new()),
            epoch: AtomicU64::new(next_epoch()),
        })
    }

    pub fn find<'a>(
        &'a self,
        guard: &'a Guard,
        hash: u32,
        mut pred: impl FnMut(&T) -> bool,
    ) -> Option<Found<'a, T>> {
        let epoch = self.epoch.load(Ordering::Acquire);
        let value = self.chain(guard, hash).find(|v| pred(v))?;
        Some(Found { value, epoch })
    }

    pub fn recall<'a>(&'a self, _guard: &'a Guard, r: &Remembered<T>) -> Option<&'a T> {
        if r.value.is_null() || r.epoch != self.epoch.load(Ordering::Acquire) {
            return None;
        }
        // SAFETY: unchanged epoch: still linked, so alive.
        Some(unsafe { &*r.value })
    }

    pub fn forget_remembered(&self) {
        self.epoch.store(next_epoch(), Ordering::Release);
    }

    pub fn len(&self) -> usize {
        self.heads.len()
    }

    fn head(&self, hash: u32) -> &AtomicPtr<Link<T>> {
        &self.heads[hash as usize & (self.heads.len() - 1)]
    }

    pub fn chain<'a>(&'a self, _guard: &'a Guard, hash: u32) -> impl Iterator<Item = &'a T> + 'a {
        let mut at = self.head(hash).load(Ordering::Acquire);
        std::iter::from_fn(move || {
            // SAFETY: links are freed only when the chains are dropped.
            let link = unsafe { at.as_ref()? };
            at = link.next.load(Ordering::Acquire);
            Some(&link.value)
        })
    }

    pub fn values<'a>(&'a self, guard: &'a Guard) -> impl Iterator<Item = &'a T> + 'a {
        (0..self.heads.len()).flat_map(move |i| self.chain(guard, i as u32))
    }

    pub fn push_front(&self, hash: u32, link: ChainLink<T>) {
        let _w = self.writer.lock().expect("lock");
        let head = self.head(hash);
        link.0
            .next
            .store(head.load(Ordering::Relaxed), Ordering::Relaxed);
        head.store(Box::into_raw(link.0), Ordering::Release);
    }

    pub fn remove(&self, hash: u32, mut pred: impl FnMut(&T) -> bool) -> bool {
        let mut retired = self.writer.lock().expect("lock");
        let mut link = self.head(hash);
        loop {
            let node = link.load(Ordering::Relaxed);
            // SAFETY: linked nodes are valid until the chains are dropped.
            let Some(cur) = (unsafe { node.as_ref() }) else {
                return false;
            };
            if pred(&cur.value) {
                link.store(cur.next.load(Ordering::Relaxed), Ordering::Release);
                self.forget_remembered();
                retired.push(node);
                return true;
            }
            link = &cur.next;
        }
    }
}

impl<T> Drop for RcuChains<T> {
    fn drop(&mut self) {
        let mut all = std::mem::take(self.writer.get_mut().expect("lock"));
        for head in &self.heads {
            let mut node = head.swap(std::ptr::null_mut(), Ordering::Relaxed);
            while !node.is_null() {
                all.push(node);
                // SAFETY: linked, so valid.
                node = unsafe { (*node).next.load(Ordering::Relaxed) };
            }
        }
        for p in all {
            // SAFETY: each pointer came from Box::into_raw, once.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

/// The module waits for RCU callbacks here; the host frees at once.
pub fn wait_for_retired() {}
