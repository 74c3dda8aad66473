// SPDX-License-Identifier: GPL-2.0

//! The host's stand-in for the module's `kapi::slab`: the same API over
//! std's `Arc`, since a host build has no slab caches.

use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use crate::fallible::AllocError;

/// Stands for a slab cache of `T`s.
pub struct KmemCache<T>(PhantomData<fn() -> T>);

impl<T> KmemCache<T> {
    pub fn new(_name: &'static std::ffi::CStr) -> Result<Arc<Self>, AllocError> {
        Ok(Arc::new(KmemCache(PhantomData)))
    }
}

/// A reference-counted `T` "in" a cache.
pub struct CacheArc<T>(Arc<T>);

impl<T> CacheArc<T> {
    pub fn new(_cache: &Arc<KmemCache<T>>, value: T) -> Result<Self, AllocError> {
        Ok(CacheArc(Arc::new(value)))
    }

    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl<T> Clone for CacheArc<T> {
    fn clone(&self) -> Self {
        CacheArc(self.0.clone())
    }
}

impl<T> Deref for CacheArc<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
