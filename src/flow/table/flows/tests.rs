// SPDX-License-Identifier: GPL-2.0

//! Tests of a flow's and a mask's counters: KUnit suite
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

    /// Packets counted on several CPUs add up as C's
    /// `ovs_flow_stats_get()` adds them: sums, or'ed flags, latest use.
    #[test]
    fn flow_stats_of_every_cpu_add_up() {
        let stats = FlowStats::default();
        assert!(stats.get() == Stats::default());
        let cpus = on_each_cpu(|cpu, bh| {
            for _ in 0..=cpu {
                stats.add(bh, 100, 0x02 << cpu, 5000 + u64::from(cpu));
            }
        });
        assert!(cpus >= 1);
        let n = u64::from(cpus);
        let s = stats.get();
        assert!(s.packets == n * (n + 1) / 2);
        assert!(s.bytes == 100 * s.packets);
        assert!(s.used == 5000 + n - 1);
        assert!(s.tcp_flags == (0x02u16 << cpus) - 2);
    }

    /// A clear zeroes every CPU's counters; the next packets count anew.
    #[test]
    fn flow_stats_clear_resets_every_cpu() {
        let stats = FlowStats::default();
        on_each_cpu(|_, bh| stats.add(bh, 60, 0x10, 7));
        assert!(stats.get().packets >= 1);
        stats.clear();
        assert!(stats.get() == Stats::default());
        let cpus = on_each_cpu(|_, bh| stats.add(bh, 40, 0x01, 9));
        assert!(
            stats.get()
                == Stats {
                    packets: u64::from(cpus),
                    bytes: 40 * u64::from(cpus),
                    used: 9,
                    tcp_flags: 0x01,
                }
        );
    }

    /// `used` is the latest by `time_after()`, across a jiffies wrap.
    #[test]
    fn used_is_the_latest_across_a_wrap() {
        assert!(time_after(5, u64::MAX - 5));
        assert!(!time_after(u64::MAX - 5, 5));
        assert!(!time_after(7, 7));
        let stats = FlowStats::default();
        let cpus = on_each_cpu(|cpu, bh| {
            let now = if cpu == 0 { u64::MAX - 1 } else { 3 };
            stats.add(bh, 1, 0, now);
        });
        let want = if cpus > 1 { 3 } else { u64::MAX - 1 };
        assert!(stats.get().used == want);
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
