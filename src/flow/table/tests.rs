// SPDX-License-Identifier: GPL-2.0

//! The tests of the megaflow table: KUnit suite `ovs_rs_flow_table` in
//! the module, `#[test]`s on the host. `kunit_tests` takes only an
//! inline module, hence `suite` inside this file.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_flow_table))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::rebalance::{compare_mask_and_count, kernel_sort};
    use super::super::*;
    use crate::fallible::{self, AllocError, Arc, Vec};
    use crate::flow::key::{fields, FlowKey, Range};
    use crate::flow::program::Program;
    use crate::percpu::on_cpu;
    use crate::rcu::wait_for_retired;
    use crate::slab::KmemCache;
    use crate::test_support::TestResult;

    /// A key with in_port and IPv4 addresses set, and a mask over the
    /// fields named by `ip_src_bits` (prefix length of the source).
    fn key(in_port: u16, src: [u8; 4], dst: [u8; 4]) -> FlowKey {
        let mut k = FlowKey::default();
        k.set(fields::PHY_IN_PORT, &in_port.to_ne_bytes());
        k.set_be16(fields::ETH_TYPE, 0x0800);
        k.set(fields::IPV4_SRC, &src);
        k.set(fields::IPV4_DST, &dst);
        k
    }

    fn mask(src_prefix: u32, with_dst: bool) -> Mask {
        let mut m = FlowKey::default();
        let mut range = Range::default();
        m.set(fields::PHY_IN_PORT, &[0xff, 0xff]);
        range.cover(fields::PHY_IN_PORT);
        m.set_be16(fields::ETH_TYPE, 0xffff);
        range.cover(fields::ETH_TYPE);
        let bits = if src_prefix == 0 {
            0
        } else {
            u32::MAX << (32 - src_prefix)
        };
        m.set(fields::IPV4_SRC, &bits.to_be_bytes());
        range.cover(fields::IPV4_SRC);
        if with_dst {
            m.set(fields::IPV4_DST, &[0xff; 4]);
            range.cover(fields::IPV4_DST);
        }
        Mask { key: m, range }
    }

    /// Four masks that overlap, in this order: source /8, /24, /32 with
    /// the destination, and the destination alone. On the heap: four masks
    /// are 2 KiB, a lot for a kernel stack.
    fn overlapping_masks() -> Result<Vec<Mask>, &'static str> {
        let mut masks = Vec::new();
        for (prefix, dst) in [(8, false), (24, false), (32, true), (0, true)] {
            fallible::push(&mut masks, mask(prefix, dst)).map_err(|_| "alloc")?;
        }
        Ok(masks)
    }

    /// A seeded xorshift: numbers below `n`.
    fn xorshift(mut seed: u32) -> impl FnMut(u32) -> u32 {
        move |n| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed % n
        }
    }

    /// A flow table with a cache of its own, which must outlive every
    /// flow: dropping it frees the flows and waits for the RCU callbacks
    /// that do, before the table lets go of the cache.
    struct TestTable(FlowTable);

    impl core::ops::Deref for TestTable {
        type Target = FlowTable;

        fn deref(&self) -> &FlowTable {
            &self.0
        }
    }

    impl core::ops::DerefMut for TestTable {
        fn deref_mut(&mut self) -> &mut FlowTable {
            &mut self.0
        }
    }

    impl Drop for TestTable {
        fn drop(&mut self) {
            let _ = self.0.flush();
            wait_for_retired();
        }
    }

    fn table() -> Result<TestTable, AllocError> {
        let cache = KmemCache::new(c"ovs_rs_test_flow").map_err(|_| AllocError)?;
        Ok(TestTable(FlowTable::new(&cache)?))
    }

    fn new_flow(k: &FlowKey, m: &Mask, id: Ident) -> Result<NewFlow, AllocError> {
        // output(1).
        let mut attrs = Vec::new();
        fallible::extend_from_slice(&mut attrs, &[8, 0, 1, 0, 1, 0, 0, 0])?;
        let program = Program::compile(attrs).map_err(|_| AllocError)?;
        Ok(NewFlow {
            key: k.masked(&m.key, m.range),
            mask: m.clone(),
            id,
            actions: Actions {
                program,
                orig_len: 8,
            },
        })
    }

    fn by_key(k: &FlowKey) -> Result<Ident, AllocError> {
        Ok(Ident::Key(fallible::boxed(k.clone())?))
    }

    /// Inserts a key-identified flow of key `k` under `m`.
    fn insert_keyed(t: &mut FlowTable, k: &FlowKey, m: &Mask) -> Result<FlowRef, &'static str> {
        let id = by_key(k).map_err(|_| "alloc")?;
        t.insert(new_flow(k, m, id).map_err(|_| "alloc")?)
            .map_err(|_| "insert")
    }

    #[test]
    fn lookup_under_masks_follows_mask_order() -> TestResult {
        let mut t = table().map_err(|_| "alloc")?;
        let k = key(1, [10, 0, 0, 5], [10, 0, 1, 1]);
        let wide = mask(8, false);
        let narrow = mask(32, true);
        let a = insert_keyed(&mut t, &k, &wide)?;
        let b = insert_keyed(&mut t, &k, &narrow)?;
        assert!(t.n_flows() == 2 && t.n_masks() == 2);
        // Both match; the first mask inserted is probed first.
        assert!(t.lookup(&k) == Some(a));
        let other = key(1, [10, 9, 9, 9], [1, 1, 1, 1]);
        assert!(t.lookup(&other) == Some(a));
        assert!(t.lookup(&key(2, [10, 0, 0, 5], [10, 0, 1, 1])).is_none());
        assert!(t.lookup(&key(1, [11, 0, 0, 5], [10, 0, 1, 1])).is_none());
        // Removing the first mask's only flow moves the last mask into
        // its slot.
        t.remove(a).ok_or("remove")?;
        assert!(t.n_masks() == 1 && t.n_flows() == 1);
        assert!(t.lookup(&k) == Some(b));
        assert!(t.lookup(&other).is_none());
        Ok(())
    }

    #[test]
    fn equal_masks_are_shared() -> TestResult {
        let mut t = table().map_err(|_| "alloc")?;
        let m = mask(24, false);
        let mut refs = [FlowRef(0); 3];
        for (i, r) in refs.iter_mut().enumerate() {
            let k = key(1, [10, 0, i as u8, 1], [0; 4]);
            *r = insert_keyed(&mut t, &k, &m)?;
        }
        assert!(t.n_masks() == 1 && t.n_flows() == 3);
        // Same bytes over a wider range is another mask.
        let mut wider = m.clone();
        wider.range.cover(fields::CT_MARK);
        let k = key(1, [10, 0, 9, 1], [0; 4]);
        insert_keyed(&mut t, &k, &wider)?;
        assert!(t.n_masks() == 2);
        for r in refs {
            t.remove(r).ok_or("remove")?;
        }
        assert!(t.n_masks() == 1 && t.n_flows() == 1);
        Ok(())
    }

    #[test]
    fn exact_and_ufid_lookups() -> TestResult {
        let mut t = table().map_err(|_| "alloc")?;
        let m = mask(32, true);
        let k1 = key(1, [1, 2, 3, 4], [5, 6, 7, 8]);
        let k2 = key(2, [1, 2, 3, 4], [5, 6, 7, 8]);
        let ufid = Ufid::new(&[7; 16]).ok_or("ufid")?;
        let f1 = insert_keyed(&mut t, &k1, &m)?;
        let f2 = t
            .insert(new_flow(&k2, &m, Ident::Ufid(ufid)).map_err(|_| "alloc")?)
            .map_err(|_| "insert")?;
        assert!(t.lookup_exact(&k1, m.range) == Some(f1));
        assert!(t.lookup_exact(&k2, m.range).is_none());
        assert!(t.lookup_ufid(&ufid) == Some(f2));
        assert!(t.lookup_ufid(&Ufid::new(&[7; 15]).ok_or("ufid")?).is_none());
        assert!(Ufid::new(&[]).is_none() && Ufid::new(&[0; 17]).is_none());
        let flow = t.get(f2).ok_or("get")?;
        assert!(flow.same_flow(&k2, m.range));
        assert!(!flow.same_flow(&k1, m.range));
        t.remove(f2).ok_or("remove")?;
        assert!(t.lookup_ufid(&ufid).is_none());
        assert!(t.remove(f2).is_none());
        Ok(())
    }

    /// A mask created after others came and went is its own, however many
    /// did: lookups, the reply's mask and releasing a flow's mask each
    /// find the flow's own (C compares mask pointers). Masks were once
    /// numbered by a u32 counter, which aliased a live mask after 2^32
    /// creations.
    #[test]
    fn a_new_mask_never_aliases_a_live_one() -> TestResult {
        let mut t = table().map_err(|_| "alloc")?;
        // Same range, so flows under both hash alike when their masked
        // keys agree.
        let old = mask(8, false);
        let new = mask(16, false);
        let ka = key(1, [11, 0, 0, 1], [0; 4]);
        let a = insert_keyed(&mut t, &ka, &old)?;
        // A mask comes and goes in between.
        let kx = key(3, [1, 2, 3, 4], [5, 6, 7, 8]);
        let wide = mask(32, true);
        let x = insert_keyed(&mut t, &kx, &wide)?;
        t.remove(x).ok_or("remove")?;
        let kb = key(1, [10, 0, 0, 1], [0; 4]);
        let b = insert_keyed(&mut t, &kb, &new)?;
        assert!(t.n_masks() == 2);
        assert!(t.lookup(&kb) == Some(b));
        // 10.1/16 has no flow; under the /8 it masks to b's key, which
        // must not count as a flow of the /8.
        assert!(t.lookup(&key(1, [10, 1, 5, 5], [0; 4])).is_none());
        // b's reply shows b's own mask.
        let fb = t.get(b).ok_or("get")?;
        assert!(fb.mask() == &new);
        // Removing b releases b's mask, not a's.
        t.remove(b).ok_or("remove")?;
        assert!(t.n_masks() == 1);
        let fa = t.get(a).ok_or("get")?;
        assert!(fa.mask() == &old);
        assert!(t.lookup(&key(1, [11, 2, 3, 4], [0; 4])) == Some(a));
        assert!(t.lookup(&kb).is_none());
        Ok(())
    }

    /// Random inserts, removals and lookups agree with a plain list of
    /// flows and masks kept by C's rules.
    #[test]
    fn agrees_with_a_plain_model() -> TestResult {
        let masks = overlapping_masks()?;
        let mut t = table().map_err(|_| "alloc")?;
        // (mask index, masked key, ref); masks in C's order.
        let mut flows: Vec<(usize, FlowKey, FlowRef)> = Vec::new();
        let mut order: Vec<usize> = Vec::new();
        let mut rand = xorshift(0x1234_5678);
        for _ in 0..4000 {
            let k = key(
                1 + rand(3) as u16,
                [10, rand(2) as u8, rand(3) as u8, rand(4) as u8],
                [192, 168, 0, rand(3) as u8],
            );
            match rand(3) {
                0 => {
                    let mi = rand(masks.len() as u32) as usize;
                    let m = masks.get(mi).ok_or("mask")?;
                    let masked = k.masked(&m.key, m.range);
                    if flows.iter().any(|(i, fk, _)| *i == mi && *fk == masked) {
                        continue;
                    }
                    let f = insert_keyed(&mut t, &k, m)?;
                    if !order.contains(&mi) {
                        fallible::push(&mut order, mi).map_err(|_| "alloc")?;
                    }
                    fallible::push(&mut flows, (mi, masked, f)).map_err(|_| "alloc")?;
                }
                1 if !flows.is_empty() => {
                    let at = rand(flows.len() as u32) as usize;
                    let (mi, _, f) = fallible::swap_remove(&mut flows, at).ok_or("model")?;
                    t.remove(f).ok_or("remove")?;
                    if !flows.iter().any(|(i, _, _)| *i == mi) {
                        let at = order.iter().position(|&i| i == mi).ok_or("order")?;
                        fallible::swap_remove(&mut order, at);
                    }
                }
                _ => {
                    let want = order.iter().find_map(|&mi| {
                        let m = masks.get(mi)?;
                        flows
                            .iter()
                            .find(|(i, fk, _)| *i == mi && k.matches(&m.key, m.range, fk))
                            .map(|(_, _, f)| *f)
                    });
                    assert!(t.lookup(&k) == want);
                }
            }
            assert!(t.n_flows() == flows.len());
            assert!(t.n_masks() == order.len());
        }
        Ok(())
    }

    /// The flow cache in front of the walk: every lookup answers as the
    /// plain model does while flows come and go and masks are reordered,
    /// and a packet equal to an earlier one on the words the masks cover
    /// (not on the UDP port, which none covers) is answered without
    /// probing a mask.
    #[test]
    fn flow_cache_answers_as_the_walk() -> TestResult {
        let masks = overlapping_masks()?;
        let mut t = table().map_err(|_| "alloc")?;
        let mut flows: Vec<(usize, FlowKey, FlowRef)> = Vec::new();
        // Small, so entries are replaced as well as invalidated.
        let mut fc: Vec<FlowCacheEntry> = Vec::new();
        for _ in 0..8 {
            fallible::push(&mut fc, FlowCacheEntry::default()).map_err(|_| "alloc")?;
        }
        let mut rand = xorshift(0x0bad_cafe);
        let (mut hits, mut lookups) = (0, 0);
        for _ in 0..4000 {
            let mut k = key(
                1 + rand(2) as u16,
                [10, rand(2) as u8, rand(2) as u8, rand(3) as u8],
                [192, 168, 0, rand(2) as u8],
            );
            match rand(8) {
                0 | 1 => {
                    let mi = rand(masks.len() as u32) as usize;
                    let m = masks.get(mi).ok_or("mask")?;
                    let masked = k.masked(&m.key, m.range);
                    if flows.iter().any(|(i, fk, _)| *i == mi && *fk == masked) {
                        continue;
                    }
                    let f = insert_keyed(&mut t, &k, m)?;
                    fallible::push(&mut flows, (mi, masked, f)).map_err(|_| "alloc")?;
                }
                2 if !flows.is_empty() => {
                    let at = rand(flows.len() as u32) as usize;
                    let (_, _, f) = fallible::swap_remove(&mut flows, at).ok_or("model")?;
                    t.remove(f).ok_or("remove")?;
                }
                3 => t.rebalance(),
                _ => {
                    // The first flow in the table's mask order that matches.
                    let want = t.masks.iter().find_map(|wm| {
                        let m = &wm.entry.mask;
                        flows
                            .iter()
                            .find(|(i, fk, _)| {
                                masks.get(*i) == Some(m) && k.matches(&m.key, m.range, fk)
                            })
                            .map(|(_, _, f)| *f)
                    });
                    let (first, _) = on_cpu(0, |bh| t.lookup_stats(bh, &k, 0, &mut [], &mut fc))
                        .ok_or("cpu 0")?;
                    assert!(first == want);
                    // Another port: the same words under the masks.
                    k.set_be16(fields::TP_SRC, 1 + rand(1000) as u16);
                    let (again, c) = on_cpu(0, |bh| t.lookup_stats(bh, &k, 0, &mut [], &mut fc))
                        .ok_or("cpu 0")?;
                    assert!(again == want);
                    if want.is_some() {
                        assert!(c == LookupCounts::default());
                        hits += 1;
                    }
                    lookups += 1;
                }
            }
        }
        // The run did look things up, and found flows.
        assert!(lookups > 1000 && hits > 100);
        Ok(())
    }

    /// A flow added under a mask earlier in the order answers a packet
    /// the cache held another flow for: insertion forgets the cache.
    #[test]
    fn flow_cache_sees_new_flows_under_earlier_masks() -> TestResult {
        let mut t = table().map_err(|_| "alloc")?;
        let (narrow, wide) = (mask(32, true), mask(8, false));
        let k = key(1, [10, 0, 0, 1], [1, 1, 1, 1]);
        // The narrow mask comes first, with a flow for another packet.
        insert_keyed(&mut t, &key(1, [10, 0, 0, 9], [1, 1, 1, 1]), &narrow)?;
        let f = insert_keyed(&mut t, &k, &wide)?;
        let mut fc = [FlowCacheEntry::default(); 4];
        for _ in 0..2 {
            let (got, _) =
                on_cpu(0, |bh| t.lookup_stats(bh, &k, 0, &mut [], &mut fc)).ok_or("cpu 0")?;
            assert!(got == Some(f));
        }
        let g = insert_keyed(&mut t, &k, &narrow)?;
        let (got, _) =
            on_cpu(0, |bh| t.lookup_stats(bh, &k, 0, &mut [], &mut fc)).ok_or("cpu 0")?;
        assert!(got == Some(g) && t.lookup(&k) == Some(g));
        Ok(())
    }

    /// Masks that cover more words than an entry holds: no flow cache,
    /// every lookup walks (and still finds the flow).
    #[test]
    fn no_flow_cache_for_wide_masks() -> TestResult {
        let mut t = table().map_err(|_| "alloc")?;
        let mut wide = mask(32, true);
        wide.key.set(fields::TUN_OPTS, &[0xff; 255]);
        wide.range = Range {
            start: 0,
            end: crate::flow::key::KEY_BYTES,
        };
        let k = key(1, [10, 0, 0, 1], [1, 1, 1, 1]);
        let a = insert_keyed(&mut t, &k, &wide)?;
        let mut fc = [FlowCacheEntry::default(); 4];
        for _ in 0..2 {
            let (f, c) =
                on_cpu(0, |bh| t.lookup_stats(bh, &k, 0, &mut [], &mut fc)).ok_or("cpu 0")?;
            assert!(f == Some(a) && c.n_mask_hit == 1);
        }
        Ok(())
    }

    /// A flow-cache hit counts a use of the flow's mask, as the walk's
    /// probe would: rebalancing still puts the busiest mask first.
    #[test]
    fn flow_cache_hits_count_mask_use() -> TestResult {
        let mut t = table().map_err(|_| "alloc")?;
        let (wide, narrow) = (mask(8, false), mask(32, true));
        let k1 = key(1, [10, 0, 0, 1], [1, 1, 1, 1]);
        let k2 = key(2, [10, 0, 0, 2], [2, 2, 2, 2]);
        insert_keyed(&mut t, &k1, &wide)?;
        let b = insert_keyed(&mut t, &k2, &narrow)?;
        // Two uses of the first mask; the second gets one from the walk
        // and two from flow-cache hits.
        for _ in 0..2 {
            let _ = t.lookup(&k1);
        }
        let mut fc = [FlowCacheEntry::default(); 4];
        for i in 0..3 {
            let (f, c) =
                on_cpu(0, |bh| t.lookup_stats(bh, &k2, 0, &mut [], &mut fc)).ok_or("cpu 0")?;
            assert!(f == Some(b));
            // Walked once, then answered by the cache.
            assert!((i == 0) == (c.n_mask_hit > 0));
        }
        t.rebalance();
        assert!(t.masks.first().map(|s| &s.entry.mask) == Some(&narrow));
        Ok(())
    }

    /// Values and orders computed by the kernel's own C (jhash.h, and
    /// lib/sort.c on `struct mask_count` with `compare_mask_and_count`).
    #[test]
    fn jhash_and_sort_match_the_kernel() -> TestResult {
        assert!(jhash_1word(0, 0) == 0x0493_96b8);
        assert!(jhash_1word(0x1234_5678, 7) == 0xa95f_67a1);
        assert!(jhash_1word(u32::MAX, u32::MAX) == 0xeae4_6760);
        let cases: [(&[u64], &[usize]); 3] = [
            (
                &[3, 1, 3, 0, 2, 3, 1, 0, 5, 3],
                &[8, 0, 2, 5, 9, 4, 1, 6, 7, 3],
            ),
            (&[0, 0, 0, 0, 0, 0, 7], &[6, 3, 4, 1, 5, 2, 0]),
            (
                &[1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2, 9],
                &[12, 7, 10, 2, 6, 11, 3, 8, 9, 4, 1, 5, 0],
            ),
        ];
        for (counters, want) in cases {
            let mut v: Vec<(usize, u64)> = Vec::new();
            for (i, &c) in counters.iter().enumerate() {
                fallible::push(&mut v, (i, c)).map_err(|_| "alloc")?;
            }
            kernel_sort(&mut v, compare_mask_and_count);
            assert!(v.iter().map(|e| e.0).eq(want.iter().copied()));
        }
        Ok(())
    }

    /// The mask cache: a miss fills the entry with the smallest hash, the
    /// next packet of that hash probes the cached mask first and counts a
    /// cache hit; a rebalance puts the most used mask first.
    #[test]
    fn mask_cache_and_rebalance() -> TestResult {
        let mut t = table().map_err(|_| "alloc")?;
        let wide = mask(8, false);
        let narrow = mask(32, true);
        let k1 = key(1, [10, 0, 0, 1], [1, 1, 1, 1]);
        let k2 = key(2, [10, 0, 0, 2], [2, 2, 2, 2]);
        let a = insert_keyed(&mut t, &k1, &wide)?;
        let b = insert_keyed(&mut t, &k2, &narrow)?;
        let mut cache = [CacheEntry::default(); 8];
        // No hash, or no cache: a plain lookup, no cache hit counted.
        let (f, c) =
            on_cpu(0, |bh| t.lookup_stats(bh, &k2, 0, &mut cache, &mut [])).ok_or("cpu 0")?;
        assert!(f == Some(b) && c.n_mask_hit == 2 && c.n_cache_hit == 0);
        let (f, c) = on_cpu(0, |bh| {
            t.lookup_stats(bh, &k2, 0x0302_0105, &mut [], &mut [])
        })
        .ok_or("cpu 0")?;
        assert!(
            f == Some(b)
                && c == LookupCounts {
                    n_mask_hit: 2,
                    n_cache_hit: 0,
                }
        );
        // First packet: misses the cache, fills entry 5 (the low 8 bits).
        let (f, c) = on_cpu(0, |bh| {
            t.lookup_stats(bh, &k2, 0x0302_0105, &mut cache, &mut [])
        })
        .ok_or("cpu 0")?;
        assert!(f == Some(b) && c.n_cache_hit == 0);
        assert!(
            cache[5]
                == CacheEntry {
                    skb_hash: 0x0302_0105,
                    mask_index: 1,
                }
        );
        // Second: the cached slot answers at once.
        let (f, c) = on_cpu(0, |bh| {
            t.lookup_stats(bh, &k2, 0x0302_0105, &mut cache, &mut [])
        })
        .ok_or("cpu 0")?;
        assert!(
            f == Some(b)
                && c == LookupCounts {
                    n_mask_hit: 1,
                    n_cache_hit: 1,
                }
        );
        // A recirculated packet's hash is mixed with its recirc_id.
        let mut k3 = k2.clone();
        k3.set_u32(fields::RECIRC_ID, 9);
        let _ = on_cpu(0, |bh| {
            t.lookup_stats(bh, &k3, 0x0302_0105, &mut cache, &mut [])
        })
        .ok_or("cpu 0")?;
        let mixed = jhash_1word(0x0302_0105, 9);
        assert!(cache.iter().any(|e| e.skb_hash == mixed));
        // k2's mask (slot 1) was used more than slot 0's: it goes first.
        assert!(t.lookup(&k1) == Some(a));
        t.rebalance();
        assert!(t.masks.first().map(|s| &s.entry.mask) == Some(&narrow));
        assert!(t.masks.iter().all(|s| s.entry.usage.count() == 0));
        assert!(t.lookup(&k1) == Some(a) && t.lookup(&k2) == Some(b));
        // Now k1's mask is used more: back again.
        for _ in 0..3 {
            let _ = t.lookup(&k1);
        }
        t.rebalance();
        assert!(t.masks.first().map(|s| &s.entry.mask) == Some(&wide));
        Ok(())
    }

    /// After a rebalance the writer's masks and the readers' array are in
    /// the same order, each mask with its own reference count.
    #[test]
    fn rebalance_keeps_writer_and_readers_in_step() -> TestResult {
        let mut t = table().map_err(|_| "alloc")?;
        let mut masks: Vec<Mask> = Vec::new();
        for (prefix, dst) in [
            (8, false),
            (16, false),
            (24, false),
            (32, false),
            (32, true),
        ] {
            fallible::push(&mut masks, mask(prefix, dst)).map_err(|_| "alloc")?;
        }
        // Flow i under mask i, alone on in_port i + 1: its lookups count
        // for mask i only.
        let mut flows: Vec<(FlowKey, FlowRef)> = Vec::new();
        for (i, m) in masks.iter().enumerate() {
            let k = key(i as u16 + 1, [10, 0, 0, 1], [10, 0, 0, 2]);
            let f = insert_keyed(&mut t, &k, m)?;
            fallible::push(&mut flows, (k, f)).map_err(|_| "alloc")?;
        }
        // A second flow under mask 1, so it has two references.
        let k1b = key(2, [10, 1, 0, 1], [10, 0, 0, 2]);
        let m1 = masks.get(1).ok_or("mask")?;
        let f1b = insert_keyed(&mut t, &k1b, m1)?;
        let uses: [u64; 5] = [1, 3, 0, 3, 2];
        for ((k, _), &n) in flows.iter().zip(uses.iter()) {
            for _ in 0..n {
                let _ = t.lookup(k);
            }
        }
        let mut want: Vec<(usize, u64)> = Vec::new();
        for (i, &n) in uses.iter().enumerate() {
            fallible::push(&mut want, (i, n)).map_err(|_| "alloc")?;
        }
        kernel_sort(&mut want, compare_mask_and_count);
        t.rebalance();
        assert!(t
            .masks
            .iter()
            .map(|s| &s.entry.mask)
            .eq(want.iter().filter_map(|&(i, _)| masks.get(i))));
        {
            let guard = crate::rcu::read_lock();
            let array = t.shared.masks.read(&guard).ok_or("array")?;
            assert!(
                array.slots.len() == t.masks.len()
                    && array
                        .slots
                        .iter()
                        .zip(t.masks.iter())
                        .all(|(r, w)| Arc::ptr_eq(r, &w.entry))
            );
        }
        assert!(t.masks.iter().map(|s| s.refs).sum::<u32>() == 6);
        // Mask 1 loses one of its two flows and stays; mask 3 loses its
        // only one and goes.
        let (_, f1) = flows.get(1).ok_or("flow")?;
        let (_, f3) = flows.get(3).ok_or("flow")?;
        t.remove(*f1).ok_or("remove")?;
        t.remove(*f3).ok_or("remove")?;
        assert!(t.n_masks() == 4);
        assert!(t.lookup(&k1b) == Some(f1b));
        let f = t.get(f1b).ok_or("get")?;
        assert!(f.mask() == m1);
        for i in [0, 2, 4] {
            let (k, f) = flows.get(i).ok_or("flow")?;
            assert!(t.lookup(k) == Some(*f));
        }
        Ok(())
    }

    #[test]
    fn rehash_keeps_every_flow() -> TestResult {
        let mut t = table().map_err(|_| "alloc")?;
        let m = mask(32, true);
        let n: u32 = 3000;
        for i in 0..n {
            let b = i.to_be_bytes();
            let k = key(1, b, [9, 9, 9, 9]);
            let id = match i % 2 {
                0 => by_key(&k).map_err(|_| "alloc")?,
                _ => Ident::Ufid(Ufid::new(&b).ok_or("ufid")?),
            };
            t.insert(new_flow(&k, &m, id).map_err(|_| "alloc")?)
                .map_err(|_| "insert")?;
        }
        assert!(t.n_flows() == n as usize);
        assert!(t.n_buckets == 4096);
        for i in 0..n {
            let b = i.to_be_bytes();
            let f = t.lookup(&key(1, b, [9, 9, 9, 9])).ok_or("lost in rehash")?;
            if i % 2 == 1 {
                assert!(t.lookup_ufid(&Ufid::new(&b).ok_or("ufid")?) == Some(f));
            }
        }
        // The dump visits each flow once.
        let (mut at, mut seen) = (0, 0);
        while let Some((i, _)) = t.next_from(at) {
            seen += 1;
            at = i + 1;
        }
        assert!(seen == n);
        t.flush().map_err(|_| "flush")?;
        assert!(t.n_flows() == 0 && t.n_masks() == 0);
        assert!(t.lookup(&key(1, [0; 4], [9; 4])).is_none());
        Ok(())
    }

    /// The UFID chains run through the flows' slots: removals unlink
    /// from the middle of chains, and reused slots join new ones.
    #[test]
    fn ufid_chains_survive_removal_and_slot_reuse() -> TestResult {
        let mut t = table().map_err(|_| "alloc")?;
        let m = mask(32, true);
        let ufid = |i: u32| Ufid::new(&i.to_be_bytes()).ok_or("ufid");
        let insert = |t: &mut FlowTable, i: u32| -> Result<FlowRef, &'static str> {
            let k = key(2, i.to_be_bytes(), [1, 2, 3, 4]);
            t.insert(new_flow(&k, &m, Ident::Ufid(ufid(i)?)).map_err(|_| "alloc")?)
                .map_err(|_| "insert")
        };
        let n: u32 = 3000;
        for i in 0..n {
            insert(&mut t, i)?;
        }
        for i in (0..n).step_by(3) {
            let f = t.lookup_ufid(&ufid(i)?).ok_or("missing before removal")?;
            t.remove(f).ok_or("remove")?;
        }
        for i in n..n + n / 3 {
            insert(&mut t, i)?;
        }
        for i in 0..n + n / 3 {
            let found = t.lookup_ufid(&ufid(i)?);
            assert!(found.is_some() == (i >= n || i % 3 != 0));
            if let Some(f) = found {
                assert!(t.get(f).and_then(|f| f.ufid()) == Some(&ufid(i)?));
            }
        }
        Ok(())
    }

    /// The installed list lives in the flow; a new one replaces it, and
    /// replies and the packet path read the new one from then on.
    #[test]
    fn set_actions_replaces_the_installed_list() -> TestResult {
        let mut t = table().map_err(|_| "alloc")?;
        let k = key(3, [10, 0, 0, 1], [10, 0, 0, 2]);
        let f = insert_keyed(&mut t, &k, &mask(32, true))?;
        let output = |port: u8| -> Result<Actions, &'static str> {
            let mut attrs = Vec::new();
            fallible::extend_from_slice(&mut attrs, &[8, 0, 1, 0, port, 0, 0, 0])
                .map_err(|_| "alloc")?;
            let program = Program::compile(attrs).map_err(|_| "compile")?;
            Ok(Actions {
                program,
                orig_len: 8,
            })
        };
        let attrs_of = |t: &FlowTable| -> Result<[u8; 8], &'static str> {
            let guard = crate::rcu::read_lock();
            let flow = t.get(f).ok_or("flow")?;
            let a = flow.actions(&guard);
            assert!(a.orig_len == 8 && !a.program.holds_refs());
            a.program.attrs().try_into().map_err(|_| "length")
        };
        assert!(attrs_of(&t)? == [8, 0, 1, 0, 1, 0, 0, 0]);
        for port in [2, 3] {
            t.set_actions(f, output(port)?).map_err(|_| "set")?;
            assert!(attrs_of(&t)? == [8, 0, 1, 0, port, 0, 0, 0]);
        }
        Ok(())
    }
}
