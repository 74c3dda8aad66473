// SPDX-License-Identifier: GPL-2.0

//! KUnit suite `ovs_rs_ct_limit_view`: what a committing `ct()` finds of
//! the limits the `ovs_ct_limit` family published.

#[kernel::prelude::kunit_tests(ovs_rs_ct_limit_view)]
mod suite {
    use super::super::*;
    use crate::ct_limit::ZoneLimits;
    use crate::kapi::rcu::{read_lock, wait_for_retired};

    type TestResult = core::result::Result<(), &'static str>;

    #[test]
    fn published_limits_are_found_by_namespace() -> TestResult {
        let net = NetNs::init_net().ok_or("no init_net")?;
        let view = CtLimitView::new();
        assert!(view.find(&read_lock(), net).is_none());

        let conns = Arc::new(ConnCount::new(net).map_err(|_| "conncount")?, GFP_KERNEL)
            .map_err(|_| "alloc")?;
        let mut limits = ZoneLimits::new().map_err(|_| "alloc")?;
        limits.set(7, 3).map_err(|_| "alloc")?;
        view.publish(CtLimitView::prepare([(&conns, &limits)].into_iter()).map_err(|_| "prepare")?);
        {
            let guard = read_lock();
            let found = view.find(&guard, net).ok_or("not published")?;
            assert_eq!(found.limits.get(7), 3);
            assert_eq!(found.limits.get(8), UNLIMITED);
        }
        // A change is seen only once published.
        limits.set_default(9);
        assert_eq!(
            view.find(&read_lock(), net).map(|f| f.limits.get(8)),
            Some(UNLIMITED)
        );
        view.publish(CtLimitView::prepare([(&conns, &limits)].into_iter()).map_err(|_| "prepare")?);
        assert_eq!(
            view.find(&read_lock(), net).map(|f| f.limits.get(8)),
            Some(9)
        );

        // Nothing published: nothing found, and the counts are ours alone
        // again once the grace period is over.
        view.publish(CtLimitView::prepare(core::iter::empty()).map_err(|_| "prepare")?);
        assert!(view.find(&read_lock(), net).is_none());
        wait_for_retired();
        assert!(Arc::into_unique_or_drop(conns).is_some());
        Ok(())
    }
}
