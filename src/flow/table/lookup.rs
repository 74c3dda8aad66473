// SPDX-License-Identifier: GPL-2.0

//! The read side: what the packet path reads lock-free under RCU, and
//! the lookups over it, through the per-CPU mask cache or not.

use core::cell::Cell;
use core::sync::atomic::{AtomicU64, Ordering};

use super::flow_cache::{FlowCacheEntry, Probe, UnionMask};
use super::flows::{Flow, Mask, MaskEntry};
use crate::fallible::{Arc, Vec};
use crate::flow::key::{fields, FlowKey};
use crate::percpu::BhOff;
use crate::rcu::{read_lock, Found, Guard, RcuCell, RcuChains};
use crate::slab::CacheArc;

/// `MC_HASH_SEGS`, `MC_HASH_SHIFT`: a packet hash picks among 4 cache
/// entries, 8 bits of it each.
const MC_HASH_SEGS: u32 = 4;
const MC_HASH_SHIFT: u32 = 8;

/// One entry of a CPU's mask cache (`struct mask_cache_entry`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheEntry {
    pub skb_hash: u32,
    pub mask_index: u32,
}

/// What a lookup counted: masks probed, and whether the cached mask
/// answered (`OVS_DP_ATTR_MEGAFLOW_STATS`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LookupCounts {
    pub n_mask_hit: u32,
    pub n_cache_hit: u32,
}

/// Who counts the use of the mask that answers a lookup.
#[derive(Clone, Copy)]
enum CountUse<'a> {
    /// The packet path, on its CPU's counter.
    Cpu(&'a BhOff),
    /// The writer, under `ovs_mutex` (see `MaskUsage::writer_hit`).
    Writer,
}

/// `jhash_1word()`.
pub fn jhash_1word(a: u32, initval: u32) -> u32 {
    let iv = initval.wrapping_add(0xdead_beef).wrapping_add(1 << 2);
    let (mut a, mut b, mut c) = (a.wrapping_add(iv), iv, iv);
    c ^= b;
    c = c.wrapping_sub(b.rotate_left(14));
    a ^= c;
    a = a.wrapping_sub(c.rotate_left(11));
    b ^= a;
    b = b.wrapping_sub(a.rotate_left(25));
    c ^= b;
    c = c.wrapping_sub(b.rotate_left(16));
    a ^= c;
    a = a.wrapping_sub(c.rotate_left(4));
    b ^= a;
    b = b.wrapping_sub(a.rotate_left(14));
    c ^= b;
    c.wrapping_sub(b.rotate_left(24))
}

/// The published mask array, in lookup order.
pub(super) struct MaskArray {
    pub(super) slots: Vec<Arc<MaskEntry>>,
    /// Never the same for two arrays (from 1): what the flow cache's
    /// entries were made under.
    pub(super) id: u64,
    /// What the masks cover together, if the flow cache can hold it.
    pub(super) union: Option<UnionMask>,
}

/// Where [`MaskArray::id`]s come from; a `u64` does not wrap.
static NEXT_MASKS_ID: AtomicU64 = AtomicU64::new(1);

impl MaskArray {
    pub(super) fn new(slots: Vec<Arc<MaskEntry>>) -> Self {
        let union = UnionMask::of(&slots);
        MaskArray {
            slots,
            id: NEXT_MASKS_ID.fetch_add(1, Ordering::Relaxed),
            union,
        }
    }
}

/// The hash index of flows by masked key: chains readers walk while the
/// writer links and unlinks flows; replaced whole when it grows.
pub(super) type FlowIndex = RcuChains<CacheArc<Flow>>;

/// What the packet path reads: lock-free, under `rcu_read_lock()`.
pub struct TableShared {
    pub(super) masks: RcuCell<MaskArray>,
    pub(super) index: RcuCell<FlowIndex>,
}

impl TableShared {
    /// `masked_flow_lookup()`: the live flow under `entry` whose masked
    /// key `key` matches.
    pub(super) fn lookup_under<'a>(
        index: &'a FlowIndex,
        guard: &'a Guard,
        key: &FlowKey,
        entry: &MaskEntry,
    ) -> Option<Found<'a, CacheArc<Flow>>> {
        let hash = hash_masked(key, &entry.mask);
        index.find(guard, hash, |f| {
            core::ptr::eq(&*f.mask, entry)
                && f.hash == hash
                && f.live()
                && key.matches(&entry.mask.key, entry.mask.range, &f.key)
        })
    }

    /// `flow_lookup()`: probes slot `*hint` of `masks` first (a cached
    /// guess), then every other slot in order; on a hit there, `*hint`
    /// becomes it. The mask that answers counts a use.
    fn flow_lookup<'a>(
        (masks, index): (&'a MaskArray, &'a FlowIndex),
        guard: &'a Guard,
        key: &FlowKey,
        hint: &mut u32,
        counts: &mut LookupCounts,
        count_use: CountUse<'_>,
    ) -> Option<Found<'a, CacheArc<Flow>>> {
        let probe = |entry: &MaskEntry, counts: &mut LookupCounts| {
            counts.n_mask_hit = counts.n_mask_hit.wrapping_add(1);
            let f = Self::lookup_under(index, guard, key, entry)?;
            match count_use {
                CountUse::Cpu(bh) => entry.usage.hit(bh),
                CountUse::Writer => entry.usage.writer_hit(),
            }
            Some(f)
        };
        if let Some(entry) = masks.slots.get(*hint as usize) {
            if let Some(f) = probe(entry, counts) {
                counts.n_cache_hit = counts.n_cache_hit.wrapping_add(1);
                return Some(f);
            }
        }
        for (i, entry) in masks.slots.iter().enumerate() {
            if i == *hint as usize {
                continue;
            }
            if let Some(f) = probe(entry, counts) {
                *hint = i as u32;
                return Some(f);
            }
        }
        None
    }

    /// The published masks and index, as one reader sees them.
    fn tables<'a>(&'a self, guard: &'a Guard) -> Option<(&'a MaskArray, &'a FlowIndex)> {
        Some((self.masks.read(guard)?, self.index.read(guard)?))
    }

    /// `ovs_flow_tbl_lookup()`: the flow a packet of key `key` would hit
    /// (NEW's duplicate check, under `ovs_mutex`). Like C, it counts a use
    /// of the mask that answers.
    pub fn lookup<'a>(&'a self, guard: &'a Guard, key: &FlowKey) -> Option<&'a Flow> {
        let mut counts = LookupCounts::default();
        let f = Self::flow_lookup(
            self.tables(guard)?,
            guard,
            key,
            &mut 0,
            &mut counts,
            CountUse::Writer,
        )?;
        Some(f.get())
    }

    /// `ovs_flow_tbl_lookup_stats()`: a packet's lookup, through this
    /// CPU's flow cache `flows` (see `flow_cache`) and then its mask
    /// cache `cache` (each a power-of-2 number of entries, or none), with
    /// what it counted for `OVS_DP_ATTR_MEGAFLOW_STATS`. The entries are
    /// `Cell`s: per-CPU memory is shared with whatever else runs on the
    /// CPU, so it is read and written whole, never borrowed. Mask uses
    /// count on this CPU (bottom halves are off: the token).
    pub fn lookup_stats<'a>(
        &'a self,
        guard: &'a Guard,
        bh: &BhOff,
        key: &FlowKey,
        skb_hash: u32,
        cache: &[Cell<CacheEntry>],
        flows: &[Cell<FlowCacheEntry>],
    ) -> (Option<&'a Flow>, LookupCounts) {
        let Some(tables) = self.tables(guard) else {
            return (None, LookupCounts::default());
        };
        let probe = Probe::new(tables.0, key, flows);
        if let Some(f) = probe.as_ref().and_then(|p| p.hit(tables.1, guard)) {
            f.mask.usage.hit(bh);
            return (Some(f), LookupCounts::default());
        }
        let (found, counts) = Self::mask_cache_lookup(tables, guard, bh, key, skb_hash, cache);
        let found = found.inspect(|f| {
            if let Some(p) = probe {
                p.fill(f)
            }
        });
        (found.map(|f| f.get()).map(|f| &**f), counts)
    }

    /// The lookup through the mask cache `cache` (C's).
    fn mask_cache_lookup<'a>(
        tables: (&'a MaskArray, &'a FlowIndex),
        guard: &'a Guard,
        bh: &BhOff,
        key: &FlowKey,
        skb_hash: u32,
        cache: &[Cell<CacheEntry>],
    ) -> (Option<Found<'a, CacheArc<Flow>>>, LookupCounts) {
        let count_use = CountUse::Cpu(bh);
        let mut counts = LookupCounts::default();
        if skb_hash == 0 || cache.is_empty() {
            let mut discarded = LookupCounts::default();
            let f = Self::flow_lookup(tables, guard, key, &mut 0, &mut discarded, count_use);
            counts.n_mask_hit = discarded.n_mask_hit;
            return (f, counts);
        }
        // Packets before and after recirculation often share a hash.
        let recirc_id = key.get_u32(fields::RECIRC_ID);
        let skb_hash = if recirc_id != 0 {
            jhash_1word(skb_hash, recirc_id)
        } else {
            skb_hash
        };
        let mask = cache.len() - 1;
        let mut hash = skb_hash;
        // The replacement candidate: the first entry with the smallest hash.
        let mut candidate: Option<usize> = None;
        for _ in 0..MC_HASH_SEGS {
            let at = hash as usize & mask;
            let Some(cell) = cache.get(at) else { break };
            let mut e = cell.get();
            if e.skb_hash == skb_hash {
                let f = Self::flow_lookup(
                    tables,
                    guard,
                    key,
                    &mut e.mask_index,
                    &mut counts,
                    count_use,
                );
                if f.is_none() {
                    e.skb_hash = 0;
                }
                cell.set(e);
                return (f, counts);
            }
            let better = match candidate.and_then(|c| cache.get(c)) {
                Some(c) => e.skb_hash < c.get().skb_hash,
                None => true,
            };
            if better {
                candidate = Some(at);
            }
            hash >>= MC_HASH_SHIFT;
        }
        let Some(cell) = candidate.and_then(|c| cache.get(c)) else {
            return (None, counts);
        };
        let mut ce = cell.get();
        let f = Self::flow_lookup(
            tables,
            guard,
            key,
            &mut ce.mask_index,
            &mut counts,
            count_use,
        );
        if f.is_some() {
            ce.skb_hash = skb_hash;
        }
        cell.set(ce);
        counts.n_cache_hit = 0;
        (f, counts)
    }

    /// Restarts every mask's usage count (C does on every change of the
    /// mask array), without writing any CPU's counter.
    pub(super) fn reset_usage(&self) {
        let guard = read_lock();
        if let Some(masks) = self.masks.read(&guard) {
            for entry in masks.slots.iter() {
                entry.usage.reset();
            }
        }
    }
}

/// The hash of `key & mask` over `range` (C's `flow_hash()`, by another
/// function: dump order is not reproducible across implementations
/// anyway, as C seeds its hash at random).
pub(super) fn hash_masked(key: &FlowKey, mask: &Mask) -> u32 {
    let mut h: u64 = (mask.range.start as u64) << 32 | mask.range.end as u64;
    for w in key.masked_words(&mask.key, mask.range) {
        h = (h ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^= h >> 29;
    }
    (h ^ (h >> 32)) as u32
}
