// SPDX-License-Identifier: GPL-2.0

//! The writer's half, under `ovs_mutex`: inserting, removing and
//! flushing flows, growing the index, and the UFID index.

use core::cell::Cell;
use core::sync::atomic::{AtomicU32, Ordering};

use super::flow_cache::FlowCacheEntry;
use super::flows::{
    key_range, Actions, Flow, FlowActions, FlowStats, Ident, Mask, MaskEntry, Ufid, DEAD,
};
use super::lookup::{hash_masked, CacheEntry, FlowIndex, LookupCounts, MaskArray, TableShared};
use super::staged::Staged;
use crate::fallible::{self, AllocError, Arc, Vec};
use crate::flow::key::{FlowKey, Range};
use crate::percpu::BhOff;
use crate::rcu::{read_lock, ChainLink};
use crate::slab::{CacheArc, KmemCache};

/// `TBL_MIN_BUCKETS`.
const MIN_BUCKETS: usize = 1024;

/// No slot: the end of a UFID chain.
const NONE: u32 = u32::MAX;

/// The UFID index: hash chains threaded through the flows' slots
/// (`next[at]` follows slot `at`), as C threads `hlist`s through the
/// flows, so adding a flow allocates nothing but the slots' growth.
struct UfidIndex {
    heads: Vec<u32>,
    /// One per slot of [`FlowTable::flows`].
    next: Vec<u32>,
    count: usize,
}

impl UfidIndex {
    fn new(n: usize) -> Result<Self, AllocError> {
        Ok(UfidIndex {
            heads: filled(n, NONE)?,
            next: Vec::new(),
            count: 0,
        })
    }

    /// The head of `hash`'s chain among `n` (a power of 2).
    fn slot(hash: u32, n: usize) -> usize {
        hash as usize & n.wrapping_sub(1)
    }

    fn head(&self, hash: u32) -> u32 {
        let b = Self::slot(hash, self.heads.len());
        self.heads.get(b).copied().unwrap_or(NONE)
    }

    /// The slots of `hash`'s chain, in order.
    fn chain(&self, hash: u32) -> impl Iterator<Item = u32> + '_ {
        let mut at = self.head(hash);
        core::iter::from_fn(move || {
            let this = at;
            at = *self.next.get(this as usize)?;
            Some(this)
        })
    }

    /// Makes room for slot `at`.
    fn reserve(&mut self, at: u32) -> Result<(), AllocError> {
        let want = (at as usize + 1).saturating_sub(self.next.len());
        fallible::reserve(&mut self.next, want)
    }

    /// Adds slot `at` (room reserved), doubling the heads once they are
    /// outnumbered; a failed doubling keeps the current ones, as in C.
    fn add(&mut self, at: u32, hash: u32, hash_of: impl Fn(u32) -> Option<u32>) {
        while self.next.len() <= at as usize {
            if fallible::push_within_capacity(&mut self.next, NONE).is_err() {
                return;
            }
        }
        let b = Self::slot(hash, self.heads.len());
        let (Some(head), Some(next)) = (self.heads.get_mut(b), self.next.get_mut(at as usize))
        else {
            return;
        };
        *next = *head;
        *head = at;
        self.count += 1;
        if self.count > self.heads.len() {
            let _ = self.rehash(self.heads.len() * 2, hash_of);
        }
    }

    /// Rechains every slot `hash_of` knows over `n` heads.
    fn rehash(&mut self, n: usize, hash_of: impl Fn(u32) -> Option<u32>) -> Result<(), AllocError> {
        let mut heads = filled(n, NONE)?;
        for (at, next) in self.next.iter_mut().enumerate() {
            if let Some(hash) = hash_of(at as u32) {
                if let Some(head) = heads.get_mut(Self::slot(hash, n)) {
                    *next = *head;
                    *head = at as u32;
                }
            }
        }
        self.heads = heads;
        Ok(())
    }

    fn remove(&mut self, at: u32, hash: u32) {
        let after = self.next.get(at as usize).copied().unwrap_or(NONE);
        let b = Self::slot(hash, self.heads.len());
        let before = self.chain(hash).take_while(|&x| x != at).last();
        let link = match before {
            None => self.heads.get_mut(b),
            Some(p) => self.next.get_mut(p as usize),
        };
        if let Some(link) = link.filter(|l| **l == at) {
            *link = after;
            self.count -= 1;
        }
    }
}

/// `n` copies of `x`.
fn filled(n: usize, x: u32) -> Result<Vec<u32>, AllocError> {
    let mut v = fallible::with_capacity(n)?;
    for _ in 0..n {
        fallible::push_within_capacity(&mut v, x)?;
    }
    Ok(v)
}

fn hash_ufid(ufid: &Ufid) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in ufid.as_bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h
}

/// A flow's place in the writer's slab, valid until the flow is removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowRef(pub(super) u32);

/// The writer's record of a published mask.
pub(super) struct WriterMask {
    pub(super) entry: Arc<MaskEntry>,
    pub(super) refs: u32,
}

/// What a new flow is made of.
pub struct NewFlow {
    /// The key, masked.
    pub key: FlowKey,
    pub mask: Mask,
    pub id: Ident,
    pub actions: Actions,
}

/// A datapath's flows: the writer's half, under `ovs_mutex`.
pub struct FlowTable {
    pub(super) shared: Arc<TableShared>,
    /// The published masks, in the same order, with reference counts.
    pub(super) masks: Vec<WriterMask>,
    /// Where flows are allocated: sized for them (a `kmalloc()` size
    /// class would take half as much again).
    cache: Arc<KmemCache<Flow>>,
    flows: Vec<Option<CacheArc<Flow>>>,
    free: Vec<u32>,
    by_ufid: UfidIndex,
    n_flows: usize,
    pub(super) n_buckets: usize,
}

impl FlowTable {
    /// An empty table whose flows `cache` allocates.
    pub fn new(cache: &Arc<KmemCache<Flow>>) -> Result<Self, AllocError> {
        let shared = fallible::arc(TableShared {
            masks: mask_array(&[], None)?.into_cell(),
            index: Staged::new(FlowIndex::new(MIN_BUCKETS)?)?.into_cell(),
        })?;
        Ok(FlowTable {
            shared,
            cache: cache.clone(),
            masks: Vec::new(),
            flows: Vec::new(),
            free: Vec::new(),
            by_ufid: UfidIndex::new(MIN_BUCKETS)?,
            n_flows: 0,
            n_buckets: MIN_BUCKETS,
        })
    }

    /// The half the packet path reads.
    pub fn shared(&self) -> Arc<TableShared> {
        self.shared.clone()
    }

    /// `table->count`.
    pub fn n_flows(&self) -> usize {
        self.n_flows
    }

    /// `mask_array->count`.
    pub fn n_masks(&self) -> usize {
        self.masks.len()
    }

    pub fn get(&self, f: FlowRef) -> Option<&Flow> {
        self.flows.get(f.0 as usize)?.as_deref()
    }

    /// The writer's handle on a flow readers found.
    fn handle(&self, flow: &Flow) -> Option<FlowRef> {
        let f = FlowRef(flow.at.load(Ordering::Relaxed));
        let mine = self.get(f)?;
        core::ptr::eq(mine, flow).then_some(f)
    }

    /// [`TableShared::lookup`], for the writer.
    pub fn lookup(&self, key: &FlowKey) -> Option<FlowRef> {
        let guard = read_lock();
        let flow = self.shared.lookup(&guard, key)?;
        self.handle(flow)
    }

    /// [`TableShared::lookup_stats`], for tests of the writer's half.
    pub fn lookup_stats(
        &self,
        bh: &BhOff,
        key: &FlowKey,
        skb_hash: u32,
        cache: &mut [CacheEntry],
        flows: &mut [FlowCacheEntry],
    ) -> (Option<FlowRef>, LookupCounts) {
        let guard = read_lock();
        let cache = Cell::from_mut(cache).as_slice_of_cells();
        let flows = Cell::from_mut(flows).as_slice_of_cells();
        let (flow, counts) = self
            .shared
            .lookup_stats(&guard, bh, key, skb_hash, cache, flows);
        (flow.and_then(|f| self.handle(f)), counts)
    }

    /// `ovs_flow_tbl_lookup_exact()`: the key-identified flow whose
    /// unmasked key is `key` over `range` (UFID flows are not found by
    /// key). Only the first flow found under each mask is considered.
    pub fn lookup_exact(&self, key: &FlowKey, range: Range) -> Option<FlowRef> {
        let guard = read_lock();
        let index = self.shared.index.read(&guard)?;
        self.masks.iter().find_map(|m| {
            let flow = TableShared::lookup_under(index, &guard, key, &m.entry)?.get();
            match &flow.id {
                Ident::Key(unmasked) if unmasked.equal_in(key, key_range(key, range)) => {
                    self.handle(flow)
                }
                _ => None,
            }
        })
    }

    /// `ovs_flow_tbl_lookup_ufid()`.
    pub fn lookup_ufid(&self, ufid: &Ufid) -> Option<FlowRef> {
        self.by_ufid
            .chain(hash_ufid(ufid))
            .find(|&at| {
                self.get(FlowRef(at))
                    .is_some_and(|f| f.ufid() == Some(ufid))
            })
            .map(FlowRef)
    }

    /// `ovs_flow_tbl_insert()`: adds a flow, sharing an equal mask if there
    /// is one. Nothing changes if it fails.
    pub fn insert(&mut self, new: NewFlow) -> Result<FlowRef, AllocError> {
        let existing = self
            .masks
            .iter()
            .position(|m| m.entry.mask.same_as(&new.mask));
        let hash = hash_masked(&new.key, &new.mask);
        let ufid_hash = match &new.id {
            Ident::Ufid(u) => Some(hash_ufid(u)),
            Ident::Key(_) => None,
        };
        // Everything is allocated before the first change.
        let (mask, new_mask) = match existing.and_then(|i| self.masks.get(i)) {
            Some(m) => (m.entry.clone(), None),
            None => {
                let entry = fallible::arc(MaskEntry::new(new.mask)?)?;
                fallible::reserve(&mut self.masks, 1)?;
                let array = mask_array(&self.masks, Some(&entry))?;
                (entry.clone(), Some((entry, array)))
            }
        };
        if self.free.is_empty() {
            fallible::reserve(&mut self.flows, 1)?;
        }
        fallible::reserve(&mut self.free, 1)?;
        let at = match self.free.last() {
            Some(&at) => at,
            // Slot numbers stop short of `DEAD` (memory runs out long before).
            None => u32::try_from(self.flows.len())
                .ok()
                .filter(|&at| at != DEAD)
                .ok_or(AllocError)?,
        };
        self.by_ufid.reserve(at)?;
        let actions = FlowActions::new(new.actions)?;
        let flow = CacheArc::new(
            &self.cache,
            Flow {
                key: new.key,
                id: new.id,
                actions,
                stats: FlowStats::default(),
                mask,
                hash,
                at: AtomicU32::new(at),
            },
        )?;
        let link = ChainLink::new(flow.clone())?;

        // Publish: the mask first, so no reader finds a flow without it.
        if let Some((entry, array)) = new_mask {
            let _ = fallible::push(&mut self.masks, WriterMask { entry, refs: 1 });
            self.publish_masks(Some(array));
        } else if let Some(m) = existing.and_then(|i| self.masks.get_mut(i)) {
            m.refs += 1;
        }
        // The new flow may answer packets the flow cache holds another
        // flow for (one under a later mask).
        self.index(|index| {
            index.push_front(hash, link);
            index.forget_remembered();
        });
        match self.free.pop() {
            Some(at) => {
                if let Some(slot) = self.flows.get_mut(at as usize) {
                    *slot = Some(flow);
                }
            }
            None => {
                let _ = fallible::push(&mut self.flows, Some(flow));
            }
        }
        if let Some(h) = ufid_hash {
            let flows = &self.flows;
            let ufid_hash_of = |i: u32| flows.get(i as usize)?.as_ref()?.ufid().map(hash_ufid);
            self.by_ufid.add(at, h, ufid_hash_of);
        }
        self.n_flows += 1;
        if self.n_flows > self.n_buckets {
            // As in C, a failed expansion only leaves the buckets fuller.
            let _ = self.rehash(self.n_buckets * 2);
        }
        Ok(FlowRef(at))
    }

    /// Publishes an index of `n` buckets holding every flow.
    fn rehash(&mut self, n: usize) -> Result<(), AllocError> {
        let index = FlowIndex::new(n)?;
        for flow in self.flows.iter().flatten() {
            index.push_front(flow.hash, ChainLink::new(flow.clone())?);
        }
        Staged::new(index)?.publish(&self.shared.index);
        self.n_buckets = n;
        Ok(())
    }

    /// Runs `f` on the published index.
    fn index(&self, f: impl FnOnce(&FlowIndex)) {
        let guard = read_lock();
        if let Some(index) = self.shared.index.read(&guard) {
            f(index);
        }
    }

    /// Replaces a flow's actions; readers see the old list or the new one.
    pub fn set_actions(&mut self, f: FlowRef, actions: Actions) -> Result<(), AllocError> {
        let flow = self.get(f).ok_or(AllocError)?;
        flow.actions.replace(Staged::new(actions)?);
        Ok(())
    }

    /// One reference less to `mask`; the last one removes it, and the
    /// last mask takes its slot (`tbl_mask_array_del_mask()`).
    fn release_mask(&mut self, mask: &Arc<MaskEntry>) {
        let Some(i) = self.masks.iter().position(|m| Arc::ptr_eq(&m.entry, mask)) else {
            return;
        };
        let Some(m) = self.masks.get_mut(i) else {
            return;
        };
        m.refs -= 1;
        if m.refs == 0 {
            fallible::swap_remove(&mut self.masks, i);
            self.publish_masks(mask_array(&self.masks, None).ok());
        }
    }

    /// Publishes `array`, the writer's masks as readers are to see them,
    /// and restarts the usage counts (C does on every change of the mask
    /// array). Without an array (memory was short), readers keep the
    /// previous one: a mask without flows there only costs a probe, and
    /// the next change of the masks publishes again.
    fn publish_masks(&self, array: Option<Staged<MaskArray>>) {
        if let Some(array) = array {
            array.publish(&self.shared.masks);
        }
        self.shared.reset_usage();
    }

    /// `ovs_flow_tbl_remove()`: takes the flow out; readers that already
    /// found it may finish with it.
    pub fn remove(&mut self, f: FlowRef) -> Option<CacheArc<Flow>> {
        let flow = self.flows.get_mut(f.0 as usize)?.take()?;
        flow.kill();
        self.index(|index| {
            index.remove(flow.hash, |f| CacheArc::ptr_eq(f, &flow));
        });
        if let Some(u) = flow.ufid() {
            self.by_ufid.remove(f.0, hash_ufid(u));
        }
        self.n_flows -= 1;
        self.release_mask(&flow.mask);
        // Should this allocation fail, the slot is merely not reused.
        let _ = fallible::push(&mut self.free, f.0);
        Some(flow)
    }

    /// `ovs_flow_tbl_flush()`: every flow out (with their masks).
    pub fn flush(&mut self) -> Result<(), AllocError> {
        let index = Staged::new(FlowIndex::new(MIN_BUCKETS)?)?;
        let masks = mask_array(&[], None)?;
        let by_ufid = UfidIndex::new(MIN_BUCKETS)?;
        for flow in self.flows.iter().flatten() {
            flow.kill();
        }
        index.publish(&self.shared.index);
        masks.publish(&self.shared.masks);
        self.by_ufid = by_ufid;
        self.flows = Vec::new();
        self.free = Vec::new();
        self.masks = Vec::new();
        self.n_flows = 0;
        self.n_buckets = MIN_BUCKETS;
        Ok(())
    }

    /// The first flow at or after position `from`, with its position: the
    /// dump order, which a dump resumes from.
    pub fn next_from(&self, from: usize) -> Option<(usize, FlowRef)> {
        let rest = self.flows.get(from..)?;
        let i = rest.iter().position(|f| f.is_some())?;
        let at = from + i;
        Some((at, FlowRef(at as u32)))
    }
}

/// The mask array readers are to see for the writer's `masks`, plus
/// `extra`.
pub(super) fn mask_array(
    masks: &[WriterMask],
    extra: Option<&Arc<MaskEntry>>,
) -> Result<Staged<MaskArray>, AllocError> {
    let mut slots = fallible::with_capacity(masks.len() + usize::from(extra.is_some()))?;
    for m in masks.iter() {
        fallible::push(&mut slots, m.entry.clone())?;
    }
    if let Some(e) = extra {
        fallible::push(&mut slots, e.clone())?;
    }
    Staged::new(MaskArray::new(slots))
}
