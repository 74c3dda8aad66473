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

    /// A remembered value is recalled until the chains unlink anything
    /// (or are told to forget), and never from other chains.
    #[test]
    fn remembered_until_anything_is_unlinked() -> Result {
        let dropped = Arc::new(AtomicUsize::new(0), GFP_KERNEL)?;
        let c = RcuChains::new(4)?;
        let other = RcuChains::new(4)?;
        for i in 0..3u32 {
            c.push_front(i, ChainLink::new(Counted(i, dropped.clone()))?);
        }
        other.push_front(1, ChainLink::new(Counted(1, dropped.clone()))?);
        let r = {
            let guard = read_lock();
            let found = c.find(&guard, 1, |x| x.0 == 1).ok_or(EINVAL)?;
            assert_eq!(found.get().0, 1);
            assert!(c.find(&guard, 1, |x| x.0 == 7).is_none());
            found.remember()
        };
        {
            let guard = read_lock();
            assert_eq!(c.recall(&guard, &r).map(|x| x.0), Some(1));
            assert!(other.recall(&guard, &r).is_none());
            assert!(c.recall(&guard, &Default::default()).is_none());
        }
        // Unlinking another value is enough: the epoch is the chains'.
        assert!(c.remove(2, |x| x.0 == 2));
        {
            let guard = read_lock();
            assert!(c.recall(&guard, &r).is_none());
        }
        let r = {
            let guard = read_lock();
            c.find(&guard, 1, |x| x.0 == 1).ok_or(EINVAL)?.remember()
        };
        c.forget_remembered();
        {
            let guard = read_lock();
            assert!(c.recall(&guard, &r).is_none());
        }
        drop(c);
        drop(other);
        wait_for_retired();
        assert_eq!(dropped.load(Ordering::Relaxed), 4);
        Ok(())
    }
}
