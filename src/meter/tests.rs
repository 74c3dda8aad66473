// SPDX-License-Identifier: GPL-2.0

//! Tests of `meter.rs`: KUnit suite `ovs_rs_meter` in the module,
//! `#[test]`s on the host. `#[kunit_tests]` takes only an inline module,
//! hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_meter))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;
    use crate::test_support::{stream, TestResult};
    use crate::uapi::meter_attr;

    /// C's `ovs_meter_execute()` for one band, written the way C's types
    /// compute it: `long long` times, a `u32` refill product, a `u64`
    /// bucket compared with a `long long` cap.
    struct Reference {
        kbps: bool,
        rate: u32,
        burst: u32,
        max_delta_t: u32,
        used: u64,
        bucket: u64,
        passed: u64,
        dropped: u64,
    }

    impl Reference {
        fn new(kbps: bool, rate: u32, burst: u32, now: u64) -> Self {
            let bucket = u64::from(burst) * 1000;
            Reference {
                kbps,
                rate,
                burst,
                max_delta_t: (bucket / u64::from(rate)) as u32,
                used: now,
                bucket,
                passed: 0,
                dropped: 0,
            }
        }

        fn packet(&mut self, now: u64, len: u32) -> bool {
            let mut long_delta = now as i64 - self.used as i64;
            if long_delta < 0 {
                long_delta = 0;
            }
            let delta: u32 = if long_delta > i64::from(self.max_delta_t) {
                self.max_delta_t
            } else {
                long_delta as u32
            };
            self.used = now;
            let cost: u32 = if self.kbps { len * 8 } else { 1000 };
            let refill = (u64::from(delta) * u64::from(self.rate)) % (1u64 << 32);
            self.bucket += refill;
            let max = i64::from(self.burst) * 1000;
            if self.bucket > max as u64 {
                self.bucket = max as u64;
            }
            if self.bucket >= u64::from(cost) {
                self.bucket -= u64::from(cost);
                self.passed += 1;
                false
            } else {
                self.dropped += 1;
                true
            }
        }
    }

    fn one_band(kbps: bool, rate: u32, burst: u32) -> Result<MeterSpec, SpecError> {
        let (mut band, mut bands, mut req) = ([0u8; 64], [0u8; 64], [0u8; 8]);
        let band = stream(
            &mut band,
            &[
                (band_attr::TYPE, &OVS_METER_BAND_TYPE_DROP.to_ne_bytes()),
                (band_attr::RATE, &rate.to_ne_bytes()),
                (band_attr::BURST, &burst.to_ne_bytes()),
            ],
        );
        let bands = stream(&mut bands, &[(band_attr::UNSPEC, band)]);
        let id = stream(&mut req, &[(meter_attr::ID, &7u32.to_ne_bytes())]);
        parse_set(&SetAttrs {
            id: Attrs::new(id).next(),
            kbps,
            bands: Some(Attr::from_parts(meter_attr::BANDS, bands)),
            ..SetAttrs::default()
        })
    }

    /// A small deterministic generator (xorshift).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// Random packet trains (bursts, long idle periods, a clock going
    /// back) give the reference model's verdict for every packet.
    #[test]
    fn bucket_matches_reference_model() -> TestResult {
        let cases: [(bool, u32, u32); 6] = [
            (false, 1000, 1),
            (false, 300, 50),
            (true, 10_000, 200),
            (true, 20_000, 20_000),
            (true, 1_000_000, 10_000_000),
            (false, 1, 4_000_000),
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for (kbps, rate, burst) in cases {
            let spec = one_band(kbps, rate, burst).map_err(|_| "refused")?;
            let mut now: u64 = 1_000_000;
            let mut state = spec.initial_state(now);
            let mut model = Reference::new(kbps, rate, burst, now);
            assert_eq!(spec.config.max_delta_t, model.max_delta_t);
            for _ in 0..5000 {
                let r = rng.next();
                now = match r % 16 {
                    0 => now.saturating_sub(r >> 60),
                    1 => now + (r >> 44),
                    2..=5 => now + (r >> 60),
                    _ => now,
                };
                let len = 60 + (r >> 32) as u32 % 1440;
                let dropped = execute(&spec.config, &mut state, now, len);
                assert_eq!(dropped, model.packet(now, len));
                assert_eq!(state.band.map(|b| b.bucket), Some(model.bucket));
                assert_eq!(state.used, model.used);
            }
            let band = state.band.ok_or("no band")?;
            assert_eq!(band.stats.n_packets, model.dropped);
            assert_eq!(state.stats.n_packets, model.passed + model.dropped);
        }
        Ok(())
    }

    /// `delta_ms * rate` is a u32 product in C: past 2^32 units the
    /// refill wraps instead of filling the bucket.
    #[test]
    fn refill_product_wraps_like_c() -> TestResult {
        let spec = one_band(true, 1_000_000, 10_000_000).map_err(|_| "refused")?;
        assert_eq!(spec.config.max_delta_t, 10_000);
        let mut state = spec.initial_state(0);
        if let Some(b) = state.band.as_mut() {
            b.bucket = 0;
        }
        assert!(!execute(&spec.config, &mut state, 60_000, 100));
        let wrapped = 10_000_000_000u64 % (1 << 32);
        assert_eq!(state.band.map(|b| b.bucket), Some(wrapped - 800));
        Ok(())
    }

    /// An earlier clock refills nothing and moves `used` back; a long
    /// idle period refills at most `max_delta_t` ms worth.
    #[test]
    fn clock_back_and_idle() -> TestResult {
        // 1000 pkt/s, burst 2: max_delta_t 2 ms.
        let spec = one_band(false, 1000, 2).map_err(|_| "refused")?;
        let mut state = spec.initial_state(100);
        assert!(!execute(&spec.config, &mut state, 100, 64));
        assert!(!execute(&spec.config, &mut state, 100, 64));
        assert!(execute(&spec.config, &mut state, 100, 64));
        assert!(execute(&spec.config, &mut state, 50, 64));
        assert_eq!(state.used, 50);
        // 50 ms later: 2 ms of refill, two packets.
        assert!(!execute(&spec.config, &mut state, 100, 64));
        assert!(!execute(&spec.config, &mut state, 100, 64));
        assert!(execute(&spec.config, &mut state, 100, 64));
        assert_eq!(state.stats.n_packets, 7);
        assert_eq!(state.band.map(|b| b.stats.n_packets), Some(3));
        Ok(())
    }

    /// kbps with a small burst: a packet train every 20 ms gets only
    /// `max_delta_t` (10 ms) of refill, as C does under TCG.
    #[test]
    fn small_burst_caps_refill() -> TestResult {
        let spec = one_band(true, 20_000, 200).map_err(|_| "refused")?;
        let mut state = spec.initial_state(0);
        let mut passed = 0;
        for tick in 1..=50u64 {
            for _ in 0..1000 {
                passed += u64::from(!execute(&spec.config, &mut state, tick * 20, 64));
            }
        }
        // 200,000 bits per train of 512-bit packets.
        assert_eq!(passed, 50 * 390);
        Ok(())
    }

    #[test]
    fn set_requests() -> TestResult {
        let (mut b, mut bb, mut id) = ([0u8; 64], [0u8; 128], [0u8; 8]);
        let id = stream(&mut id, &[(meter_attr::ID, &3u32.to_ne_bytes())]);
        let id = Attrs::new(id).next();
        let rate0 = stream(
            &mut b,
            &[
                (band_attr::TYPE, &1u32.to_ne_bytes()),
                (band_attr::RATE, &0u32.to_ne_bytes()),
                (band_attr::BURST, &1u32.to_ne_bytes()),
            ],
        );
        let bands = stream(&mut bb, &[(0, rate0)]);
        fn req<'a>(id: Option<Attr<'a>>, bands: &'a [u8]) -> SetAttrs<'a> {
            SetAttrs {
                id,
                bands: Some(Attr::from_parts(meter_attr::BANDS, bands)),
                ..SetAttrs::default()
            }
        }
        assert_eq!(parse_set(&req(id, bands)), Err(SpecError::Invalid));
        // Two bands, whatever they hold.
        let (mut b2, mut bb2) = ([0u8; 64], [0u8; 64]);
        let two = stream(&mut bb2, &[(0, &[]), (9, &[])]);
        assert_eq!(parse_set(&req(id, two)), Err(SpecError::Invalid));
        // No band: accepted, passes everything.
        let spec = parse_set(&req(id, &[])).map_err(|_| "refused")?;
        assert_eq!(spec.config.band, None);
        assert_eq!(spec.config.max_delta_t, 0);
        let mut state = spec.initial_state(0);
        assert!(!execute(&spec.config, &mut state, 5, 100));
        // A short RATE is ERANGE, a missing BURST EINVAL.
        let short = stream(
            &mut b2,
            &[
                (band_attr::TYPE, &1u32.to_ne_bytes()),
                (band_attr::RATE, &[1, 0]),
            ],
        );
        let mut bb3 = [0u8; 64];
        let bands = stream(&mut bb3, &[(0, short)]);
        assert_eq!(parse_set(&req(id, bands)), Err(SpecError::Range));
        let mut b4 = [0u8; 64];
        let no_burst = stream(
            &mut b4,
            &[
                (band_attr::TYPE, &1u32.to_ne_bytes()),
                (band_attr::RATE, &1u32.to_ne_bytes()),
                (band_attr::STATS, &[0; 16]),
                (7, &[]),
            ],
        );
        let mut bb4 = [0u8; 64];
        let bands = stream(&mut bb4, &[(0, no_burst)]);
        assert_eq!(parse_set(&req(id, bands)), Err(SpecError::Invalid));
        assert_eq!(
            parse_set(&SetAttrs {
                id,
                ..SetAttrs::default()
            }),
            Err(SpecError::Invalid)
        );
        Ok(())
    }

    #[test]
    fn table_size_formula() {
        assert_eq!(dp_meter_size(4), 64);
        assert_eq!(max_meters_allowed(1 << 18, 4096, 4), 200_000);
        assert_eq!(max_meters_allowed(1000, 4096, 4), 2000);
        assert_eq!(max_meters_allowed(0, 4096, 4), 0);
    }

    struct M(u32);

    impl MeterId for M {
        fn id(&self) -> u32 {
            self.0
        }
    }

    fn meter(id: u32) -> Result<Arc<M>, &'static str> {
        fallible::arc(M(id)).map_err(|_| "no memory")
    }

    /// The readers' index finds exactly what the writer's copy does.
    fn agree(table: &MeterTable<M>, index: &MeterIndex<M>, ids: core::ops::Range<u32>) -> bool {
        let guard = crate::rcu::read_lock();
        ids.into_iter()
            .all(|id| table.lookup(id).map(|m| m.id()) == index.lookup(&guard, id).map(|m| m.id()))
    }

    #[test]
    fn table_grows_and_shrinks() -> TestResult {
        let (mut t, index) = MeterTable::new(200_000).map_err(|_| "no memory")?;
        assert_eq!(t.size(), 1024);
        for id in 0..1500 {
            t.attach(&index, meter(id)?).map_err(|_| "attach")?;
            let want = if id < 1023 { 1024 } else { 2048 };
            assert_eq!(t.size(), want);
        }
        assert_eq!(t.count(), 1500);
        assert!(agree(&t, &index, 0..2100));
        for id in (0..1500).rev() {
            assert!(matches!(t.detach(&index, id), Ok(Some(_))));
            // A quarter of 2048 left, with the upper half empty.
            let want = if id <= 512 { 1024 } else { 2048 };
            assert_eq!(t.size(), want);
        }
        assert_eq!(t.count(), 0);
        assert!(agree(&t, &index, 0..2100));
        assert!(matches!(t.detach(&index, 5), Ok(None)));
        Ok(())
    }

    #[test]
    fn table_collisions_and_limit() -> TestResult {
        let (mut t, index) = MeterTable::new(1100).map_err(|_| "no memory")?;
        t.attach(&index, meter(5)?).map_err(|_| "attach")?;
        assert_eq!(t.attach(&index, meter(1029)?), Err(TableError::Busy));
        assert_eq!(t.count(), 1);
        // A meter whose id is past the size stays in its slot when the
        // table grows, where lookups no longer find it (C's behaviour).
        t.attach(&index, meter(1500)?).map_err(|_| "attach")?;
        assert!(t.lookup(1500).is_some());
        for id in 0..1030 {
            if id != 5 && id != 476 {
                let _ = t.attach(&index, meter(id)?);
            }
        }
        assert_eq!(t.size(), 2048);
        assert!(t.lookup(1500).is_none());
        assert!(agree(&t, &index, 0..2100));
        // The limit: max_allowed - 1 meters.
        let n = t.count();
        for id in 1030..1200 {
            let r = t.attach(&index, meter(id)?);
            if t.count() + 1 >= 1100 {
                assert!(r.is_ok() || r == Err(TableError::TooBig));
            }
        }
        assert_eq!(t.count(), 1099);
        assert!(n < 1099);
        assert_eq!(t.attach(&index, meter(1300)?), Err(TableError::TooBig));
        Ok(())
    }

    /// A full table grows even when the new meter's slot then turns out
    /// taken.
    #[test]
    fn growth_stays_on_busy() -> TestResult {
        let (mut t, index) = MeterTable::new(200_000).map_err(|_| "no memory")?;
        for id in 0..1023 {
            t.attach(&index, meter(id)?).map_err(|_| "attach")?;
        }
        assert_eq!(t.size(), 1024);
        assert_eq!(t.attach(&index, meter(2053)?), Err(TableError::Busy));
        assert_eq!(t.size(), 2048);
        assert_eq!(t.count(), 1023);
        assert!(agree(&t, &index, 0..2100));
        Ok(())
    }
}
