// SPDX-License-Identifier: GPL-2.0

//! The writer's half, under `ovs_mutex`: inserting, removing and
//! flushing flows, growing the index, and the UFID index.

use core::cell::Cell;
use core::sync::atomic::{AtomicBool, Ordering};

use super::flows::{key_range, Actions, Flow, FlowStats, Ident, Mask, MaskEntry, Ufid};
use super::lookup::{
    hash_masked, Bucket, CacheEntry, FlowIndex, LookupCounts, MaskArray, TableShared,
};
use super::staged::{self, Staged};
use crate::fallible::{self, AllocError, Arc, Vec};
use crate::flow::key::{FlowKey, Range};
use crate::percpu::BhOff;
use crate::rcu::{read_lock, Guard};

/// `TBL_MIN_BUCKETS`.
const MIN_BUCKETS: usize = 1024;

/// One hash index over the flows.
struct Index {
    buckets: Vec<Vec<u32>>,
    count: usize,
}

impl Index {
    fn new(n: usize) -> Result<Self, AllocError> {
        let mut buckets = fallible::with_capacity(n)?;
        for _ in 0..n {
            fallible::push(&mut buckets, Vec::new())?;
        }
        Ok(Index { buckets, count: 0 })
    }

    fn bucket(&self, hash: u32) -> Option<&Vec<u32>> {
        self.buckets
            .get(hash as usize & self.buckets.len().wrapping_sub(1))
    }

    fn bucket_mut(&mut self, hash: u32) -> Option<&mut Vec<u32>> {
        let n = self.buckets.len();
        self.buckets.get_mut(hash as usize & n.wrapping_sub(1))
    }

    /// Makes room for one more flow in `hash`'s bucket.
    fn reserve(&mut self, hash: u32) -> Result<(), AllocError> {
        let b = self.bucket_mut(hash).ok_or(AllocError)?;
        fallible::reserve(b, 1)
    }

    /// Adds `at` (room reserved), doubling the buckets once they are
    /// outnumbered; a failed doubling keeps the current ones, as in C.
    fn add(&mut self, at: u32, hash: u32, hash_of: impl Fn(u32) -> Option<u32>) {
        if let Some(b) = self.bucket_mut(hash) {
            if fallible::push(b, at).is_ok() {
                self.count += 1;
            }
        }
        if self.count > self.buckets.len() {
            let _ = self.rehash(self.buckets.len() * 2, hash_of);
        }
    }

    fn rehash(&mut self, n: usize, hash_of: impl Fn(u32) -> Option<u32>) -> Result<(), AllocError> {
        let mut new = Index::new(n)?;
        for &at in self.buckets.iter().flat_map(|b| b.iter()) {
            let hash = hash_of(at).ok_or(AllocError)?;
            let b = new.bucket_mut(hash).ok_or(AllocError)?;
            fallible::push(b, at)?;
        }
        new.count = self.count;
        *self = new;
        Ok(())
    }

    fn remove(&mut self, at: u32, hash: u32) {
        if let Some(b) = self.bucket_mut(hash) {
            if let Some(i) = b.iter().position(|&x| x == at) {
                fallible::swap_remove(b, i);
                self.count -= 1;
            }
        }
    }
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
    flows: Vec<Option<Arc<Flow>>>,
    free: Vec<u32>,
    by_ufid: Index,
    n_flows: usize,
    pub(super) n_buckets: usize,
}

impl FlowTable {
    pub fn new() -> Result<Self, AllocError> {
        let shared = fallible::arc(TableShared {
            masks: mask_array(&[], None)?.into_cell(),
            index: Staged::new(FlowIndex::new(MIN_BUCKETS)?)?.into_cell(),
        })?;
        Ok(FlowTable {
            shared,
            masks: Vec::new(),
            flows: Vec::new(),
            free: Vec::new(),
            by_ufid: Index::new(MIN_BUCKETS)?,
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

    /// The mask of `flow`.
    pub fn mask_of(&self, flow: &Flow) -> Option<&Mask> {
        self.masks
            .iter()
            .find(|m| Arc::ptr_eq(&m.entry, &flow.mask))
            .map(|m| &m.entry.mask)
    }

    /// The writer's handle on a flow readers found.
    fn handle(&self, flow: &Flow) -> Option<FlowRef> {
        let f = FlowRef(flow.at);
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
    ) -> (Option<FlowRef>, LookupCounts) {
        let guard = read_lock();
        let cache = Cell::from_mut(cache).as_slice_of_cells();
        let (flow, counts) = self.shared.lookup_stats(&guard, bh, key, skb_hash, cache);
        (flow.and_then(|f| self.handle(f)), counts)
    }

    /// `ovs_flow_tbl_lookup_exact()`: the key-identified flow whose
    /// unmasked key is `key` over `range` (UFID flows are not found by
    /// key). Only the first flow found under each mask is considered.
    pub fn lookup_exact(&self, key: &FlowKey, range: Range) -> Option<FlowRef> {
        let guard = read_lock();
        let index = self.shared.index.read(&guard)?;
        self.masks.iter().find_map(|m| {
            let flow = TableShared::lookup_under(index, &guard, key, &m.entry)?;
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
            .bucket(hash_ufid(ufid))?
            .iter()
            .copied()
            .find(|&at| {
                self.get(FlowRef(at))
                    .is_some_and(|f| f.ufid() == Some(ufid))
            })
            .map(FlowRef)
    }

    /// Bucket `hash`'s live flows, plus `extra`, ready to publish. Only
    /// this writer changes buckets, so reading one twice gives the same;
    /// allocation happens outside the read-side sections, which may not
    /// sleep.
    fn bucket_with(
        &self,
        hash: u32,
        extra: Option<&Arc<Flow>>,
    ) -> Result<Option<Staged<Bucket>>, AllocError> {
        let len = {
            let guard = read_lock();
            self.read_bucket(&guard, hash).map_or(0, |b| b.flows.len())
        };
        let mut flows = fallible::with_capacity(len + 1)?;
        {
            let guard = read_lock();
            let old = self.read_bucket(&guard, hash);
            for f in old.iter().flat_map(|b| b.flows.iter()).filter(|f| f.live()) {
                fallible::push_within_capacity(&mut flows, f.clone())?;
            }
        }
        if let Some(f) = extra {
            fallible::push_within_capacity(&mut flows, f.clone())?;
        }
        if flows.is_empty() {
            return Ok(None);
        }
        Staged::new(Bucket { flows }).map(Some)
    }

    fn read_bucket<'a>(&'a self, guard: &'a Guard, hash: u32) -> Option<&'a Bucket> {
        self.shared.index.read(guard)?.bucket(hash)?.read(guard)
    }

    /// Publishes `bucket` as bucket `hash` of the current index.
    fn publish_bucket(&self, hash: u32, bucket: Option<Staged<Bucket>>) {
        let guard = read_lock();
        if let Some(cell) = self
            .shared
            .index
            .read(&guard)
            .and_then(|index| index.bucket(hash))
        {
            staged::publish(cell, bucket);
        }
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
        if let Some(h) = ufid_hash {
            self.by_ufid.reserve(h)?;
        }
        let at = self.free.last().copied().unwrap_or(self.flows.len() as u32);
        let actions = Staged::new(new.actions)?.into_cell();
        let flow = fallible::arc(Flow {
            key: new.key,
            id: new.id,
            actions,
            stats: FlowStats::default(),
            mask,
            hash,
            at,
            dead: AtomicBool::new(false),
        })?;
        let bucket = self.bucket_with(hash, Some(&flow))?;

        // Publish: the mask first, so no reader finds a flow without it.
        if let Some((entry, array)) = new_mask {
            let _ = fallible::push(&mut self.masks, WriterMask { entry, refs: 1 });
            self.publish_masks(Some(array));
        } else if let Some(m) = existing.and_then(|i| self.masks.get_mut(i)) {
            m.refs += 1;
        }
        self.publish_bucket(hash, bucket);
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
        let mut lists: Vec<Vec<Arc<Flow>>> = fallible::with_capacity(n)?;
        for _ in 0..n {
            fallible::push(&mut lists, Vec::new())?;
        }
        for flow in self.flows.iter().flatten() {
            let list = lists
                .get_mut(flow.hash as usize & (n - 1))
                .ok_or(AllocError)?;
            fallible::push(list, flow.clone())?;
        }
        let mut index = FlowIndex::new(n)?;
        for (cell, flows) in index.buckets.iter_mut().zip(lists) {
            if !flows.is_empty() {
                *cell = Staged::new(Bucket { flows })?.into_cell();
            }
        }
        Staged::new(index)?.publish(&self.shared.index);
        self.n_buckets = n;
        Ok(())
    }

    /// Replaces a flow's actions; readers see the old list or the new one.
    pub fn set_actions(&mut self, f: FlowRef, actions: Actions) -> Result<(), AllocError> {
        let flow = self.get(f).ok_or(AllocError)?;
        Staged::new(actions)?.publish(&flow.actions);
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
    pub fn remove(&mut self, f: FlowRef) -> Option<Arc<Flow>> {
        let flow = self.flows.get_mut(f.0 as usize)?.take()?;
        flow.dead.store(true, Ordering::Relaxed);
        if let Ok(bucket) = self.bucket_with(flow.hash, None) {
            self.publish_bucket(flow.hash, bucket);
        }
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
        let by_ufid = Index::new(MIN_BUCKETS)?;
        for flow in self.flows.iter().flatten() {
            flow.dead.store(true, Ordering::Relaxed);
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
    Staged::new(MaskArray { slots })
}
