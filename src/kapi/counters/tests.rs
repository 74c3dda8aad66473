// SPDX-License-Identifier: GPL-2.0

//! Tests of `counters.rs`: KUnit suite `ovs_rs_percpu_counters` in the
//! module (on the VM's real CPUs), `#[test]`s on the host (on simulated
//! ones). `#[kunit_tests]` takes only an inline module, hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_percpu_counters))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;
    use crate::kapi::percpu::{nr_cpu_ids, on_cpu};

    #[test]
    fn new_counters_are_zero() -> Result<(), &'static str> {
        let c = PerCpuCounters::<5>::new().map_err(|_| "alloc")?;
        assert!(c.sum() == [0; 5]);
        Ok(())
    }

    /// CPU `i` counts `i + 1` packets: the sum is every CPU's.
    #[test]
    fn counts_of_every_cpu_add_up() -> Result<(), &'static str> {
        let c = PerCpuCounters::<2>::new().map_err(|_| "alloc")?;
        let mut want = [0u64; 2];
        let mut cpus = 0;
        for cpu in 0..nr_cpu_ids() {
            let ran = on_cpu(cpu, |bh| {
                for _ in 0..=cpu {
                    c.add(bh, [1, 100]);
                }
            });
            if ran.is_some() {
                cpus += 1;
                want[0] += u64::from(cpu) + 1;
                want[1] += 100 * (u64::from(cpu) + 1);
            }
        }
        assert!(cpus >= 1);
        assert!(c.sum() == want);
        Ok(())
    }

    /// Counters wrap as C's `u64`s do.
    #[test]
    fn counters_wrap() -> Result<(), &'static str> {
        let c = PerCpuCounters::<1>::new().map_err(|_| "alloc")?;
        let ran = on_cpu(0, |bh| {
            c.add(bh, [u64::MAX]);
            c.add(bh, [2]);
        });
        assert!(ran.is_some());
        assert!(c.sum() == [1]);
        Ok(())
    }
}
