// SPDX-License-Identifier: GPL-2.0

//! Objects in a slab cache of their own (`kmem_cache_create()`).
//!
//! `kmalloc()` rounds an object up to its next size class: a 560-byte
//! object takes 1,024 bytes. A cache sized for the type packs objects
//! as C's `sw_flow` cache does. [`CacheArc`] is a reference-counted
//! object in such a cache; each holds a reference on its cache, so the
//! cache is destroyed only after its last object is freed, whenever
//! that happens (RCU callbacks included).

use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::{self, NonNull};

use kernel::{bindings, prelude::*, sync::Arc, sync::Refcount};

use super::glue;

/// A slab cache of `CacheArc<T>` objects.
///
/// # Invariants
///
/// `ptr` is a cache created for `Inner<T>`, destroyed only by `drop`.
pub(crate) struct KmemCache<T> {
    ptr: NonNull<bindings::kmem_cache>,
    _objects: PhantomData<T>,
}

// SAFETY: the slab allocator may be called from any CPU; the cache only
// allocates and frees `Inner<T>`, which `CacheArc` sends and shares only
// for `T: Send + Sync`.
unsafe impl<T> Send for KmemCache<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for KmemCache<T> {}

/// The object: its reference count, its cache and the value.
#[repr(C)]
struct Inner<T> {
    refs: Refcount,
    cache: Arc<KmemCache<T>>,
    value: T,
}

impl<T> KmemCache<T> {
    /// A cache named `name` (as `/proc/slabinfo` shows it).
    pub(crate) fn new(name: &'static CStr) -> Result<Arc<Self>> {
        let size = u32::try_from(core::mem::size_of::<Inner<T>>()).map_err(|_| EINVAL)?;
        let mut args = bindings::kmem_cache_args {
            align: core::mem::align_of::<Inner<T>>() as u32,
            ..Default::default()
        };
        // SAFETY: `name` is a static NUL-terminated string, as the cache
        // keeps it; `args` is valid for the call.
        let ptr =
            unsafe { bindings::__kmem_cache_create_args(name.as_char_ptr(), size, &mut args, 0) };
        let ptr = NonNull::new(ptr).ok_or(ENOMEM)?;
        // INVARIANT: created for `Inner<T>` just now.
        Ok(Arc::new(
            KmemCache {
                ptr,
                _objects: PhantomData,
            },
            GFP_KERNEL,
        )?)
    }
}

impl<T> Drop for KmemCache<T> {
    /// Every object holds a reference on the cache, so none is left.
    /// Destroying a cache sleeps: should the last reference go in an RCU
    /// callback (its owner let go of the cache before the last object
    /// was freed), the cache is left allocated rather than the kernel
    /// made to sleep there. Owners keep their reference until the RCU
    /// callbacks that free objects have run (`rcu::wait_for_retired`).
    fn drop(&mut self) {
        // SAFETY: no preconditions.
        let in_task = unsafe { glue::ovs_rs_in_task() };
        if kernel::warn_on!(!in_task) {
            return;
        }
        // SAFETY: created by `new`, destroyed once, with no object left,
        // in process context.
        unsafe { bindings::kmem_cache_destroy(self.ptr.as_ptr()) };
    }
}

/// A reference-counted `T` in a [`KmemCache`]: `kernel::sync::Arc`'s
/// semantics, `kmalloc()` replaced by the cache.
///
/// # Invariants
///
/// `ptr` points to an initialised `Inner<T>` from `inner.cache`, whose
/// `refs` counts the `CacheArc`s pointing to it.
pub(crate) struct CacheArc<T> {
    ptr: NonNull<Inner<T>>,
    _owns: PhantomData<Inner<T>>,
}

// SAFETY: as `kernel::sync::Arc`: the value may be dropped on any thread
// (`T: Send`) and is shared (`T: Sync`).
unsafe impl<T: Send + Sync> Send for CacheArc<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for CacheArc<T> {}

impl<T> CacheArc<T> {
    /// `value` in an object of `cache` (`GFP_KERNEL`).
    pub(crate) fn new(
        cache: &Arc<KmemCache<T>>,
        value: T,
    ) -> Result<Self, kernel::alloc::AllocError> {
        // SAFETY: a live cache (type invariant) of `Inner<T>`-sized,
        // -aligned objects.
        let raw =
            unsafe { bindings::kmem_cache_alloc_noprof(cache.ptr.as_ptr(), bindings::GFP_KERNEL) };
        let ptr = NonNull::new(raw.cast::<Inner<T>>()).ok_or(kernel::alloc::AllocError)?;
        // SAFETY: a fresh object, sized and aligned for `Inner<T>`, that
        // nothing else refers to.
        unsafe {
            ptr.as_ptr().write(Inner {
                refs: Refcount::new(1),
                cache: cache.clone(),
                value,
            })
        };
        // INVARIANT: initialised, one reference.
        Ok(CacheArc {
            ptr,
            _owns: PhantomData,
        })
    }

    /// Whether the two are the same object.
    pub(crate) fn ptr_eq(a: &Self, b: &Self) -> bool {
        a.ptr == b.ptr
    }

    fn inner(&self) -> &Inner<T> {
        // SAFETY: initialised and kept alive by this reference (type
        // invariant).
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> Deref for CacheArc<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner().value
    }
}

impl<T> Clone for CacheArc<T> {
    fn clone(&self) -> Self {
        self.inner().refs.inc();
        // INVARIANT: the count includes the new reference.
        CacheArc {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<T> Drop for CacheArc<T> {
    fn drop(&mut self) {
        if !self.inner().refs.dec_and_test() {
            return;
        }
        let inner = self.ptr.as_ptr();
        // SAFETY: the last reference: nothing else reaches the object. Its
        // fields are dropped once (the cache reference moved out first,
        // so the cache outlives the free), then the object is freed to
        // the cache it came from.
        unsafe {
            let cache = ptr::read(ptr::addr_of!((*inner).cache));
            ptr::drop_in_place(ptr::addr_of_mut!((*inner).value));
            bindings::kmem_cache_free(cache.ptr.as_ptr(), inner.cast());
            drop(cache);
        }
    }
}

#[path = "slab/tests.rs"]
mod tests;
