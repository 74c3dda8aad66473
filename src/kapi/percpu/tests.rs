// SPDX-License-Identifier: GPL-2.0

//! Tests of `percpu.rs`' stack: KUnit suite `ovs_rs_percpu_stack`.

#[kernel::prelude::kunit_tests(ovs_rs_percpu_stack)]
mod suite {
    use super::super::*;
    use crate::kapi::skb::BhDisabled;

    #[test]
    fn slots_are_taken_and_freed_in_order() -> Result {
        let stack = PerCpuStack::<u64, 3>::new()?;
        let bh = BhDisabled::new();
        let mut a = stack.enter(bh.token()).ok_or(ENOMEM)?;
        let mut b = stack.enter(bh.token()).ok_or(ENOMEM)?;
        let mut c = stack.enter(bh.token()).ok_or(ENOMEM)?;
        // Three distinct slots, and no fourth.
        *a = 1;
        *b = 2;
        *c = 3;
        assert!((*a, *b, *c) == (1, 2, 3));
        assert!(stack.enter(bh.token()).is_none());
        // The top one comes back, with what was left in it.
        drop(c);
        let c = stack.enter(bh.token()).ok_or(ENOMEM)?;
        assert_eq!(*c, 3);
        drop(c);
        drop(b);
        drop(a);
        let a = stack.enter(bh.token()).ok_or(ENOMEM)?;
        assert_eq!(*a, 1);
        Ok(())
    }

    #[test]
    fn each_cpu_has_its_own() -> Result {
        let stack = PerCpuStack::<u64, 1>::new()?;
        let cpus = nr_cpu_ids();
        for cpu in 0..cpus {
            // Each CPU's only slot is free, even while another's is held.
            let held = on_cpu(cpu, |bh| {
                let s = stack.enter(bh);
                let first = s.is_some();
                let second = stack.enter(bh).is_some();
                (first, second)
            });
            if let Some((first, second)) = held {
                assert!(first && !second);
            }
        }
        Ok(())
    }
}
