// SPDX-License-Identifier: GPL-2.0

//! KUnit suite `ovs_rs_rcu_chains`.

#[kernel::prelude::kunit_tests(ovs_rs_rcu_chains)]
mod suite {
    use core::sync::atomic::{AtomicUsize, Ordering};

    use kernel::prelude::*;
    use kernel::sync::Arc;

    use super::super::{ChainLink, RcuChains};
    use crate::kapi::rcu::{read_lock, wait_for_retired};

    /// Counts its drops.
    struct Counted(u32, Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.1.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The values of `hash`'s chain (at most 8). The room is allocated
    /// before the read-side section, which may not sleep.
    fn chain_of(c: &RcuChains<Counted>, hash: u32) -> Result<KVec<u32>> {
        let mut v = KVec::with_capacity(8, GFP_KERNEL)?;
        let guard = read_lock();
        for x in c.chain(&guard, hash) {
            v.push_within_capacity(x.0).map_err(|_| EINVAL)?;
        }
        Ok(v)
    }

    #[test]
    fn link_unlink_and_free() -> Result {
        let dropped = Arc::new(AtomicUsize::new(0), GFP_KERNEL)?;
        let c = RcuChains::new(3)?;
        assert_eq!(c.len(), 4);
        for i in 0..6u32 {
            // Hashes 1 and 5 share chain 1.
            c.push_front(
                if i < 3 { 1 } else { 5 },
                ChainLink::new(Counted(i, dropped.clone()))?,
            );
        }
        assert_eq!(&chain_of(&c, 1)?[..], &[5, 4, 3, 2, 1, 0]);
        assert!(chain_of(&c, 2)?.is_empty());
        // Middle, first and last.
        assert!(c.remove(1, |x| x.0 == 2));
        assert!(c.remove(5, |x| x.0 == 5));
        assert!(c.remove(1, |x| x.0 == 0));
        assert!(!c.remove(1, |x| x.0 == 2));
        assert_eq!(&chain_of(&c, 1)?[..], &[4, 3, 1]);
        wait_for_retired();
        assert_eq!(dropped.load(Ordering::Relaxed), 3);
        {
            let guard = read_lock();
            assert_eq!(c.values(&guard).count(), 3);
        }
        drop(c);
        assert_eq!(dropped.load(Ordering::Relaxed), 6);
        Ok(())
    }
}
