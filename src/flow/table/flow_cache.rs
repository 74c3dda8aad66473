// SPDX-License-Identifier: GPL-2.0

//! The flow cache: per CPU, packets' keys as every mask together sees
//! them, and the flow such a key found, so that a packet like an earlier
//! one skips the walk over the masks whatever their number (C has only
//! the mask cache, which still hashes and probes a mask per packet, and
//! walks them all on a miss).
//!
//! Two keys equal on every word any mask covers (the masks' union) are
//! equal under each mask, so the walk finds the same flow for both: an
//! entry keyed by those words answers as the walk would. An entry holds
//! until the table changes in a way that could change the answer: a new
//! mask array (added, removed or reordered masks: its `id` changes), or a
//! flow added or removed (the index forgets what was remembered in it,
//! which also keeps a removed flow from being recalled after its grace
//! period). A hit counts a use of the flow's mask, as the walk would;
//! it probes no mask, so it adds nothing to the megaflow counters.

use core::cell::Cell;

use super::flows::{Flow, MaskEntry};
use super::lookup::{FlowIndex, MaskArray};
use crate::fallible::Arc;
use crate::flow::key::{FlowKey, KEY_WORDS};
use crate::rcu::{Found, Guard, Remembered};
use crate::slab::CacheArc;

/// Words of a key an entry keeps: a table whose masks together cover
/// more has no flow cache. 16 covers a tunnel key with an IPv4/L4 match,
/// or an IPv6/L4 match.
pub const FLOW_CACHE_WORDS: usize = 16;

/// Entries per CPU, a power of 2 (the per-CPU allocator takes at most
/// 32 KiB at once).
pub const FLOW_CACHE_ENTRIES: usize = 128;

/// The words every mask of an array covers, together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct UnionMask {
    /// Word indices into the key, ascending; `n` of them are used.
    at: [u8; FLOW_CACHE_WORDS],
    mask: [u64; FLOW_CACHE_WORDS],
    n: usize,
}

impl UnionMask {
    /// The union of `masks`, or `None` if it covers more than
    /// [`FLOW_CACHE_WORDS`] words.
    pub(super) fn of(masks: &[Arc<MaskEntry>]) -> Option<Self> {
        let mut u = UnionMask {
            at: [0; FLOW_CACHE_WORDS],
            mask: [0; FLOW_CACHE_WORDS],
            n: 0,
        };
        for i in 0..KEY_WORDS {
            let word = masks
                .iter()
                .filter(|m| m.mask.range.start <= i * 8 && i * 8 < m.mask.range.end)
                .fold(0, |acc, m| acc | m.mask.key.word(i));
            if word == 0 {
                continue;
            }
            *u.at.get_mut(u.n)? = u8::try_from(i).ok()?;
            *u.mask.get_mut(u.n)? = word;
            u.n += 1;
        }
        Some(u)
    }

    /// `key`'s words under the union, and their hash.
    fn apply(&self, key: &FlowKey) -> ([u64; FLOW_CACHE_WORDS], u32) {
        let mut words = [0; FLOW_CACHE_WORDS];
        let mut h: u64 = self.n as u64;
        let used = self.at.iter().zip(&self.mask).take(self.n);
        for (w, (&at, &m)) in words.iter_mut().zip(used) {
            *w = key.word(usize::from(at)) & m;
            h = (h ^ *w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            h ^= h >> 29;
        }
        (words, (h ^ (h >> 32)) as u32)
    }
}

/// One entry of a CPU's flow cache.
#[derive(Clone, Copy, Default)]
pub struct FlowCacheEntry {
    hash: u32,
    /// The [`MaskArray`] the words were taken under; 0 for none.
    masks_id: u64,
    words: [u64; FLOW_CACHE_WORDS],
    flow: Remembered<CacheArc<Flow>>,
}

/// A packet's place in this CPU's flow cache.
pub(super) struct Probe<'c> {
    slot: &'c Cell<FlowCacheEntry>,
    hash: u32,
    masks_id: u64,
    words: [u64; FLOW_CACHE_WORDS],
}

impl<'c> Probe<'c> {
    /// Where `key` goes in `cache` under `masks`; `None` when there is no
    /// cache, or the masks cover too much for one.
    pub(super) fn new(
        masks: &MaskArray,
        key: &FlowKey,
        cache: &'c [Cell<FlowCacheEntry>],
    ) -> Option<Self> {
        let union = masks.union.as_ref()?;
        let (words, hash) = union.apply(key);
        let slot = cache.get(hash as usize & cache.len().checked_sub(1)?)?;
        Some(Probe {
            slot,
            hash,
            masks_id: masks.id,
            words,
        })
    }

    /// The live flow an earlier packet with these words found, if the
    /// table has not changed since.
    pub(super) fn hit<'a>(&self, index: &'a FlowIndex, guard: &'a Guard) -> Option<&'a Flow> {
        let e = self.slot.get();
        if e.hash != self.hash || e.masks_id != self.masks_id || e.words != self.words {
            return None;
        }
        let flow = index.recall(guard, &e.flow)?;
        flow.live().then_some(&**flow)
    }

    /// Remembers the flow the walk found for these words.
    pub(super) fn fill(self, found: &Found<'_, CacheArc<Flow>>) {
        self.slot.set(FlowCacheEntry {
            hash: self.hash,
            masks_id: self.masks_id,
            words: self.words,
            flow: found.remember(),
        });
    }
}
