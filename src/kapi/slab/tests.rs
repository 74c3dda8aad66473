// SPDX-License-Identifier: GPL-2.0

//! KUnit suite `ovs_rs_slab`.

#[kernel::prelude::kunit_tests(ovs_rs_slab)]
mod suite {
    use core::sync::atomic::{AtomicUsize, Ordering};

    use kernel::prelude::*;
    use kernel::sync::Arc;

    use super::super::{CacheArc, KmemCache};

    /// Counts its drops.
    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The value is dropped with the last reference, and the cache lives
    /// as long as its objects: destroying it with objects left would
    /// warn, which fails the VM run.
    #[test]
    fn objects_outlive_the_cache_handle() -> Result {
        let dropped = Arc::new(AtomicUsize::new(0), GFP_KERNEL)?;
        let cache = KmemCache::new(c"ovs_rs_slab_test")?;
        let a = CacheArc::new(&cache, Counted(dropped.clone()))?;
        let b = a.clone();
        let c = CacheArc::new(&cache, Counted(dropped.clone()))?;
        assert!(CacheArc::ptr_eq(&a, &b));
        assert!(!CacheArc::ptr_eq(&a, &c));
        drop(cache);
        drop(a);
        assert_eq!(dropped.load(Ordering::Relaxed), 0);
        drop(c);
        assert_eq!(dropped.load(Ordering::Relaxed), 1);
        drop(b);
        assert_eq!(dropped.load(Ordering::Relaxed), 2);
        Ok(())
    }
}
