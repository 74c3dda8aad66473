// SPDX-License-Identifier: GPL-2.0

//! Fallible allocation for the pure logic: the kernel's `KVec`/`KBox`
//! (with `GFP_KERNEL`) in the module, std's `Vec`/`Box` on the host.
//!
//! Pure code that must allocate (the flow table, stored action lists)
//! goes through these few functions, so the same source builds in both
//! places and every allocation can fail without panicking. Only process
//! context (under `ovs_mutex`) allocates this way.

/// An allocation failed (`-ENOMEM`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocError;

#[cfg(MODULE)]
mod imp {
    use super::AllocError;
    use kernel::alloc::{flags::GFP_KERNEL, KBox, KVec};

    pub type Vec<T> = KVec<T>;
    pub type Box<T> = KBox<T>;
    pub type Arc<T> = kernel::sync::Arc<T>;

    impl From<kernel::alloc::AllocError> for AllocError {
        fn from(_: kernel::alloc::AllocError) -> Self {
            AllocError
        }
    }

    pub fn arc<T>(x: T) -> Result<Arc<T>, AllocError> {
        Arc::new(x, GFP_KERNEL).map_err(|_| AllocError)
    }

    pub fn push<T>(v: &mut Vec<T>, x: T) -> Result<(), AllocError> {
        v.push(x, GFP_KERNEL).map_err(|_| AllocError)
    }

    pub fn with_capacity<T>(n: usize) -> Result<Vec<T>, AllocError> {
        Vec::with_capacity(n, GFP_KERNEL).map_err(|_| AllocError)
    }

    pub fn extend_from_slice<T: Clone>(v: &mut Vec<T>, s: &[T]) -> Result<(), AllocError> {
        v.extend_from_slice(s, GFP_KERNEL).map_err(|_| AllocError)
    }

    pub fn reserve<T>(v: &mut Vec<T>, additional: usize) -> Result<(), AllocError> {
        v.reserve(additional, GFP_KERNEL).map_err(|_| AllocError)
    }

    /// Never allocates: safe where sleeping is not (under RCU).
    pub fn push_within_capacity<T>(v: &mut Vec<T>, x: T) -> Result<(), AllocError> {
        v.push_within_capacity(x).map_err(|_| AllocError)
    }

    pub fn boxed<T>(x: T) -> Result<Box<T>, AllocError> {
        Box::new(x, GFP_KERNEL).map_err(|_| AllocError)
    }
}

#[cfg(not(MODULE))]
mod imp {
    use super::AllocError;

    pub type Vec<T> = std::vec::Vec<T>;
    pub type Box<T> = std::boxed::Box<T>;
    pub type Arc<T> = std::sync::Arc<T>;

    pub fn arc<T>(x: T) -> Result<Arc<T>, AllocError> {
        Ok(Arc::new(x))
    }

    pub fn push<T>(v: &mut Vec<T>, x: T) -> Result<(), AllocError> {
        v.try_reserve(1).map_err(|_| AllocError)?;
        v.push(x);
        Ok(())
    }

    pub fn with_capacity<T>(n: usize) -> Result<Vec<T>, AllocError> {
        let mut v = Vec::new();
        v.try_reserve_exact(n).map_err(|_| AllocError)?;
        Ok(v)
    }

    pub fn extend_from_slice<T: Clone>(v: &mut Vec<T>, s: &[T]) -> Result<(), AllocError> {
        v.try_reserve(s.len()).map_err(|_| AllocError)?;
        v.extend_from_slice(s);
        Ok(())
    }

    pub fn reserve<T>(v: &mut Vec<T>, additional: usize) -> Result<(), AllocError> {
        v.try_reserve(additional).map_err(|_| AllocError)
    }

    pub fn push_within_capacity<T>(v: &mut Vec<T>, x: T) -> Result<(), AllocError> {
        if v.len() < v.capacity() {
            v.push(x);
            Ok(())
        } else {
            Err(AllocError)
        }
    }

    pub fn boxed<T>(x: T) -> Result<Box<T>, AllocError> {
        Ok(Box::new(x))
    }
}

pub use imp::*;

/// Removes element `i`, the last one taking its place; `None` if there is
/// no element `i`.
pub fn swap_remove<T>(v: &mut Vec<T>, i: usize) -> Option<T> {
    let last = v.len().checked_sub(1)?;
    if i > last {
        return None;
    }
    v.swap(i, last);
    v.pop()
}
