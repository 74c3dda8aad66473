// SPDX-License-Identifier: GPL-2.0

//! Tests of `cpu_slots.rs`: KUnit suite `ovs_rs_cpu_slots` in the module
//! (on the VM's real CPUs, at least two), `#[test]`s on the host (on four
//! simulated ones, and on threads racing: `threads`). `#[kunit_tests]`
//! takes only an inline module, hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_cpu_slots))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;
    use crate::kapi::percpu::{nr_cpu_ids, on_cpu};
    use crate::kapi::rcu::read_lock;

    /// One packet of `len` bytes at time `now`, as flow stats count it.
    fn packet(s: &mut Snapshot<3>, len: u64, now: u64, flags: u32) {
        s.wide[0] += 1;
        s.wide[1] += len;
        s.wide[2] = now;
        s.narrow |= flags;
    }

    /// The groups' sum (latest time, flags or'ed), and how many groups
    /// hold anything.
    fn total(slots: &CpuSlots<3>) -> (Snapshot<3>, usize) {
        let guard = read_lock();
        let mut t = Snapshot::default();
        let mut used = 0;
        slots.for_each(&guard, |g| {
            if g != Snapshot::default() {
                used += 1;
            }
            t.wide[0] += g.wide[0];
            t.wide[1] += g.wide[1];
            t.wide[2] = t.wide[2].max(g.wide[2]);
            t.narrow |= g.narrow;
        });
        (t, used)
    }

    /// `n` packets of `len` bytes on `cpu`; whether it could run there.
    fn packets_on(slots: &CpuSlots<3>, cpu: u32, n: u64, len: u64) -> bool {
        on_cpu(cpu, |bh| {
            for i in 0..n {
                slots.update(bh, |s| packet(s, len, 1000 + i, 1 << cpu));
            }
        })
        .is_some()
    }

    fn has_table(slots: &CpuSlots<3>) -> bool {
        !slots.table.load(Ordering::Acquire).is_null()
    }

    /// The first CPU to write takes the inline group: nothing allocated.
    #[test]
    fn first_writer_takes_the_inline_group() {
        let slots = CpuSlots::<3>::new();
        assert!(total(&slots) == (Snapshot::default(), 0));
        assert!(packets_on(&slots, 0, 3, 100));
        assert!(slots.owner.load(Ordering::Relaxed) == 0);
        assert!(!has_table(&slots));
        let (t, groups) = total(&slots);
        assert!(t.wide == [3, 300, 1002] && t.narrow == 1 && groups == 1);
    }

    /// Every other CPU gets a group of its own; the sum is everyone's.
    #[test]
    fn each_cpu_counts_in_its_own_group() {
        let slots = CpuSlots::<3>::new();
        let mut want = Snapshot::default();
        let mut cpus = 0;
        for cpu in 0..nr_cpu_ids() {
            let n = u64::from(cpu) + 1;
            if packets_on(&slots, cpu, n, 64) {
                cpus += 1;
                want.wide[0] += n;
                want.wide[1] += 64 * n;
                want.wide[2] = want.wide[2].max(1000 + n - 1);
                want.narrow |= 1 << cpu;
            }
        }
        assert!(cpus >= 2);
        assert!(has_table(&slots));
        assert!(total(&slots) == (want, cpus));
    }

    /// A clear zeroes every CPU's counters; later packets count from
    /// zero, the first CPU's now in a group of its own.
    #[test]
    fn clear_resets_every_cpu() {
        let slots = CpuSlots::<3>::new();
        for cpu in 0..nr_cpu_ids() {
            packets_on(&slots, cpu, 5, 1500);
        }
        assert!(total(&slots).0.wide[0] >= 10);
        slots.clear();
        assert!(total(&slots) == (Snapshot::default(), 0));
        assert!(slots.owner.load(Ordering::Relaxed) == RETIRED);
        assert!(!has_table(&slots));
        assert!(packets_on(&slots, 0, 2, 40));
        assert!(packets_on(&slots, 1, 1, 40));
        let (t, groups) = total(&slots);
        assert!(t.wide == [3, 120, 1001] && t.narrow == 3 && groups == 2);
        // Clearing what was never written is fine too.
        let fresh = CpuSlots::<3>::new();
        fresh.clear();
        assert!(total(&fresh) == (Snapshot::default(), 0));
    }

    /// Without memory for a table or a group, writes go to the locked
    /// spill group, and nothing is lost; memory back, a CPU gets its own.
    #[test]
    fn failed_allocations_spill() {
        let slots = CpuSlots::<3>::new();
        assert!(packets_on(&slots, 0, 1, 10));
        // CPU 1's table cannot be allocated, for either packet.
        fail_allocations(2);
        assert!(packets_on(&slots, 1, 2, 10));
        assert!(!has_table(&slots));
        assert!(slots.spill.read().wide == [2, 20, 1001]);
        // Now it can, but CPU 1's group cannot.
        fail_allocations(0);
        slots.clear();
        assert!(packets_on(&slots, 0, 1, 10));
        fail_allocations(1);
        assert!(packets_on(&slots, 1, 1, 10));
        fail_allocations(0);
        assert!(has_table(&slots));
        assert!(slots.spill.read().wide == [1, 10, 1000]);
        // And then it is.
        assert!(packets_on(&slots, 1, 4, 10));
        let (t, groups) = total(&slots);
        assert!(t.wide == [6, 60, 1003] && groups == 3);
    }
}

/// Simulated CPUs on threads: the host only (KUnit's tests run one at a
/// time).
#[cfg(all(test, not(MODULE)))]
mod threads {
    use super::super::*;
    use crate::kapi::percpu::{nr_cpu_ids, on_cpu};
    use crate::kapi::rcu::read_lock;
    use std::sync::atomic::AtomicBool;

    /// The groups' packets and bytes, and how many groups hold anything.
    fn total(slots: &CpuSlots<3>) -> (u64, u64, usize) {
        let guard = read_lock();
        let (mut packets, mut bytes, mut used) = (0, 0, 0);
        slots.for_each(&guard, |g| {
            if g != Snapshot::default() {
                used += 1;
            }
            packets += g.wide[0];
            bytes += g.wide[1];
        });
        (packets, bytes, used)
    }

    /// `n` packets of `len` bytes on `cpu`; whether it could run there.
    fn packets_on(slots: &CpuSlots<3>, cpu: u32, n: u64, len: u64) -> bool {
        on_cpu(cpu, |bh| {
            for _ in 0..n {
                slots.update(bh, |s| {
                    s.wide[0] += 1;
                    s.wide[1] += len;
                });
            }
        })
        .is_some()
    }

    /// Simulated CPUs on threads race for the inline group and the table
    /// while a reader sums: every sum it sees is of whole packets, and
    /// the end sum is exact.
    #[test]
    fn racing_cpus_lose_nothing() {
        for _ in 0..50 {
            let slots = CpuSlots::<3>::new();
            let done = AtomicBool::new(false);
            std::thread::scope(|sc| {
                sc.spawn(|| {
                    while !done.load(Ordering::Relaxed) {
                        let (packets, bytes, _) = total(&slots);
                        assert!(bytes == 64 * packets);
                    }
                });
                let writers: Vec<_> = (0..nr_cpu_ids())
                    .map(|cpu| {
                        let slots = &slots;
                        sc.spawn(move || packets_on(slots, cpu, 2000, 64))
                    })
                    .collect();
                for w in writers {
                    assert!(w.join().unwrap_or(false));
                }
                done.store(true, Ordering::Relaxed);
            });
            let (packets, _, groups) = total(&slots);
            assert!(packets == 2000 * u64::from(nr_cpu_ids()));
            assert!(groups == nr_cpu_ids() as usize);
        }
    }
}
