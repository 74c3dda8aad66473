// SPDX-License-Identifier: GPL-2.0

//! Tests of `seqcount.rs`: KUnit suite `ovs_rs_seqcount` in the module,
//! `#[test]`s on the host, where threads also race readers against
//! writers (`threads`). `#[kunit_tests]` takes only an inline module,
//! hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_seqcount))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;

    /// One packet of `len` bytes, as the flow stats count it.
    pub(super) fn packet(s: &mut Snapshot<3>, len: u64, flags: u32) {
        s.wide[0] += 1;
        s.wide[1] += len;
        s.wide[2] = s.wide[0];
        s.narrow |= flags;
    }

    #[test]
    fn writes_accumulate_and_read_whole() {
        let g = SeqGroup::<3>::new();
        assert!(g.read() == Snapshot::default());
        g.write_exclusive(|s| packet(s, 60, 0x02));
        g.write_exclusive(|s| packet(s, 1500, 0x10));
        g.write_locked(|s| packet(s, 40, 0x01));
        assert!(
            g.read()
                == Snapshot {
                    wide: [3, 1600, 3],
                    narrow: 0x13,
                }
        );
        g.write_locked(|s| *s = Snapshot::default());
        assert!(g.read() == Snapshot::default());
    }

    /// A group of zero counters is a valid empty group (zeroed per-CPU
    /// memory holds them), whatever `N`.
    #[test]
    fn new_is_zero() {
        assert!(SeqGroup::<1>::new().read().wide == [0]);
        assert!(SeqGroup::<5>::default().read() == Snapshot::default());
    }
}

/// Threads racing readers and writers: the host only (KUnit's tests run
/// one at a time).
#[cfg(all(test, not(MODULE)))]
mod threads {
    use super::super::*;
    use super::suite::packet;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// A reader racing one writer only ever sees complete updates: the
    /// writer keeps `bytes == 64 * packets` and `used == packets`.
    #[test]
    fn readers_see_complete_updates() {
        let g = SeqGroup::<3>::new();
        let done = AtomicBool::new(false);
        std::thread::scope(|sc| {
            for _ in 0..2 {
                sc.spawn(|| {
                    let mut last = 0;
                    while !done.load(Ordering::Relaxed) {
                        let s = g.read();
                        assert!(s.wide[1] == 64 * s.wide[0]);
                        assert!(s.wide[2] == s.wide[0]);
                        assert!(s.wide[0] >= last);
                        last = s.wide[0];
                    }
                });
            }
            for _ in 0..200_000 {
                g.write_exclusive(|s| packet(s, 64, 0));
            }
            done.store(true, Ordering::Relaxed);
        });
        assert!(g.read().wide == [200_000, 200_000 * 64, 200_000]);
    }

    /// Locked writers on several threads lose nothing.
    #[test]
    fn locked_writers_add_up() {
        let g = SeqGroup::<3>::new();
        std::thread::scope(|sc| {
            for t in 0..4u32 {
                let g = &g;
                sc.spawn(move || {
                    for _ in 0..20_000 {
                        g.write_locked(|s| packet(s, 100, 1 << t));
                    }
                });
            }
        });
        let s = g.read();
        assert!(s.wide[0] == 80_000);
        assert!(s.wide[1] == 8_000_000);
        assert!(s.narrow == 0xf);
    }
}
