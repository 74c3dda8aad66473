// SPDX-License-Identifier: GPL-2.0

//! Tests of a mask's usage counter: KUnit suite
//! `ovs_rs_flow_stats` in the module (on the VM's CPUs), `#[test]`s on the
//! host (on simulated ones). `#[kunit_tests]` takes only an inline module,
//! hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_flow_stats))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;
    use crate::percpu::on_cpu;

    /// Runs `f` on each CPU it can (at most 8); how many.
    fn on_each_cpu(mut f: impl FnMut(u32, &BhOff) + Send) -> u32 {
        let mut ran = 0;
        for cpu in 0..8 {
            if on_cpu(cpu, |bh| f(cpu, bh)).is_some() {
                ran += 1;
            }
        }
        ran
    }

    fn any_mask() -> Mask {
        Mask {
            key: FlowKey::default(),
            range: Range::default(),
        }
    }

    /// A mask's uses on every CPU and the writer's own count together,
    /// and restart from zero at a reset or a take.
    #[test]
    fn mask_usage_counts_and_restarts() -> Result<(), AllocError> {
        let m = MaskEntry::new(any_mask())?;
        assert!(m.usage.count() == 0);
        let cpus = on_each_cpu(|_, bh| {
            m.usage.hit(bh);
            m.usage.hit(bh);
        });
        m.usage.writer_hit();
        assert!(m.usage.count() == 2 * u64::from(cpus) + 1);
        assert!(m.usage.take() == 2 * u64::from(cpus) + 1);
        assert!(m.usage.count() == 0);
        on_each_cpu(|_, bh| m.usage.hit(bh));
        assert!(m.usage.count() == u64::from(cpus));
        m.usage.reset();
        assert!(m.usage.count() == 0 && m.usage.take() == 0);
        m.usage.writer_hit();
        assert!(m.usage.take() == 1);
        Ok(())
    }
}
