// SPDX-License-Identifier: GPL-2.0

//! The host's stand-in for the module's `kapi::rcu`: the same API, for
//! single-threaded tests. A replaced value is kept until the cell is
//! dropped, so a reference a test still holds stays valid (the kernel
//! frees it after a grace period instead).

use std::sync::atomic::{AtomicPtr, Ordering};
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
