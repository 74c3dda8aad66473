// SPDX-License-Identifier: GPL-2.0

//! The megaflow table: flows under masks, found by key or by UFID
//! (`flow_table.c`; Documentation/flow-netlink.md §9).
//!
//! Masks sit in one compact array in C's order: a new mask goes last, a
//! removed one's slot takes the last mask. Lookups probe the masks in that
//! order and the first flow whose masked key matches wins, so overlapping
//! flows resolve as in C.
//!
//! Two halves. [`TableShared`] is what the packet path reads, lock-free
//! under RCU: the mask array and the hash index of flows by masked key,
//! each bucket its own RCU cell, so a change copies one small bucket and
//! publishes it whole. [`FlowTable`], the writer's half, is owned by the
//! datapath under `ovs_mutex`: it keeps each mask's reference count, a
//! slab of the flows (for UFID lookups, dumps and removal) and the UFID
//! index, none of which readers need. Every change allocates what it
//! publishes before publishing anything, so a failed insert leaves the
//! table as it was; a removal cannot fail (a flow is first marked dead,
//! which readers skip, then its bucket republished without it).

use core::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};

use super::key::{fields, FlowKey, Range};
use crate::fallible::{self, AllocError, Arc, Box, Vec};
use crate::rcu::{read_lock, Guard, RcuBox, RcuCell};

/// `TBL_MIN_BUCKETS`.
const MIN_BUCKETS: usize = 1024;

/// `MAX_UFID_LENGTH`.
pub const UFID_MAX: usize = 16;

/// A flow's unique identifier, as userspace gave it (1 to 16 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ufid {
    len: u8,
    bytes: [u8; UFID_MAX],
}

impl Ufid {
    /// `None` for an empty or over-long UFID, which C ignores
    /// (`ovs_nla_get_ufid()`).
    pub fn new(bytes: &[u8]) -> Option<Self> {
        if bytes.is_empty() || bytes.len() > UFID_MAX {
            return None;
        }
        let mut u = Ufid {
            len: bytes.len() as u8,
            bytes: [0; UFID_MAX],
        };
        u.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(u)
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

/// How userspace names a flow: its UFID, or (older clients) its
/// unmasked key.
pub enum Ident {
    Ufid(Ufid),
    Key(Box<FlowKey>),
}

/// A mask: ones where a flow's key matters, over `range`.
#[derive(Clone, PartialEq, Eq)]
pub struct Mask {
    pub key: FlowKey,
    pub range: Range,
}

impl Mask {
    /// `mask_equal()`: same range, same bytes within it.
    fn same_as(&self, other: &Mask) -> bool {
        self.range == other.range && self.key.equal_in(&other.key, self.range)
    }
}

/// A validated action list, in the form replies show
/// (`OVS_FLOW_ATTR_ACTIONS`' payload).
pub struct Actions {
    pub attrs: Vec<u8>,
    /// The length userspace sent, which sizes replies as in C.
    pub orig_len: usize,
}

/// A flow's counters as read at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub packets: u64,
    pub bytes: u64,
    /// `jiffies` of the last packet, 0 if none yet.
    pub used: u64,
    pub tcp_flags: u16,
}

/// A flow's counters, which the packet path bumps without a lock.
#[derive(Default)]
pub struct FlowStats {
    packets: AtomicU64,
    bytes: AtomicU64,
    used: AtomicU64,
    tcp_flags: AtomicU16,
}

impl FlowStats {
    pub fn get(&self) -> Stats {
        Stats {
            packets: self.packets.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            used: self.used.load(Ordering::Relaxed),
            tcp_flags: self.tcp_flags.load(Ordering::Relaxed),
        }
    }

    /// `ovs_flow_stats_clear()`.
    pub fn clear(&self) {
        self.packets.store(0, Ordering::Relaxed);
        self.bytes.store(0, Ordering::Relaxed);
        self.used.store(0, Ordering::Relaxed);
        self.tcp_flags.store(0, Ordering::Relaxed);
    }

    /// One packet of `len` bytes at `now` (jiffies).
    pub fn add(&self, len: u64, tcp_flags: u16, now: u64) {
        self.packets.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(len, Ordering::Relaxed);
        self.used.store(now, Ordering::Relaxed);
        self.tcp_flags.fetch_or(tcp_flags, Ordering::Relaxed);
    }
}

/// One megaflow.
pub struct Flow {
    /// The key, masked.
    pub key: FlowKey,
    pub id: Ident,
    actions: RcuCell<Actions>,
    pub stats: FlowStats,
    /// Its mask, compared by address as C compares `flow->mask`. This
    /// reference keeps the mask allocated, so no later mask can take its
    /// address, however many come and go.
    mask: Arc<MaskEntry>,
    hash: u32,
    /// Its place in the writer's slab.
    at: u32,
    /// Removed: readers that still find it in a bucket skip it.
    dead: AtomicBool,
}

impl Flow {
    pub fn ufid(&self) -> Option<&Ufid> {
        match &self.id {
            Ident::Ufid(u) => Some(u),
            Ident::Key(_) => None,
        }
    }

    /// The flow's actions, as of now.
    pub fn actions<'a>(&'a self, guard: &'a Guard) -> Option<&'a Actions> {
        self.actions.read(guard)
    }

    /// `ovs_flow_cmp()`: whether the request key `key` (unmasked, over
    /// `range`) names this flow.
    pub fn same_flow(&self, key: &FlowKey, range: Range) -> bool {
        match &self.id {
            // `flow_cmp_masked_key()`: the stored masked key against the
            // request's unmasked one.
            Ident::Ufid(_) => self.key.equal_in(key, range),
            Ident::Key(unmasked) => unmasked.equal_in(key, key_range(key, range)),
        }
    }

    fn live(&self) -> bool {
        !self.dead.load(Ordering::Relaxed)
    }
}

/// The part of `range` an unmasked-key comparison covers
/// (`flow_key_start()`): without a tunnel in the request key, a stored
/// tunnel does not count.
fn key_range(key: &FlowKey, range: Range) -> Range {
    let start = if key.get_u8(super::key::fields::TUN_PROTO) != 0 {
        0
    } else {
        super::key::fields::PHY_PRIORITY.offset
    };
    Range {
        start,
        end: range.end,
    }
}

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

/// lib/sort.c's `sort()`: a bottom-up heapsort, unstable, with C's exact
/// sequence of comparisons and swaps, so equal elements end where C's
/// end. `cmp` returns C's comparator value.
fn kernel_sort<T>(v: &mut [T], cmp: impl Fn(&T, &T) -> i32) {
    let c_at = |v: &[T], i: usize, j: usize| match (v.get(i), v.get(j)) {
        (Some(x), Some(y)) => cmp(x, y),
        _ => 0,
    };
    let swap = |v: &mut [T], i: usize, j: usize| {
        if i < v.len() && j < v.len() {
            v.swap(i, j);
        }
    };
    let parent = |i: usize| (i - 1) / 2;
    let mut n = v.len();
    let mut a = n / 2;
    let mut shift = 0;
    if a == 0 {
        return;
    }
    loop {
        if a != 0 {
            a -= 1 << shift;
        } else if n > 3 {
            // Extract the two largest.
            n -= 1;
            swap(v, 0, n);
            shift = usize::from(c_at(v, 1, 2) <= 0);
            a = 1 << shift;
            n -= 1;
            swap(v, a, n);
        } else {
            break;
        }
        // Sift `a` down: find the path to a leaf, then back up.
        let mut b = a;
        let (mut c, mut d);
        loop {
            c = 2 * b + 1;
            d = c + 1;
            if d >= n {
                break;
            }
            b = if c_at(v, c, d) > 0 { c } else { d };
        }
        if d == n {
            b = c;
        }
        while b != a && c_at(v, a, b) >= 0 {
            b = parent(b);
        }
        c = b;
        while b != a {
            b = parent(b);
            swap(v, b, c);
        }
    }
    n -= 1;
    swap(v, 0, n);
    if n == 2 && c_at(v, 0, 1) > 0 {
        swap(v, 0, 1);
    }
}

/// A mask as readers see it, with its usage counter (C keeps one per
/// CPU; their sum is what rebalancing reads).
pub struct MaskEntry {
    pub mask: Mask,
    usage: AtomicU64,
}

/// The published mask array, in lookup order.
struct MaskArray {
    slots: Vec<Arc<MaskEntry>>,
}

/// The flows of one hash bucket.
struct Bucket {
    flows: Vec<Arc<Flow>>,
}

/// The hash index of flows by masked key: a power-of-2 number of buckets,
/// replaced whole when it grows.
struct FlowIndex {
    buckets: Vec<RcuCell<Bucket>>,
}

impl FlowIndex {
    fn new(n: usize) -> Result<Self, AllocError> {
        let mut buckets = fallible::with_capacity(n)?;
        for _ in 0..n {
            fallible::push(&mut buckets, RcuCell::empty())?;
        }
        Ok(FlowIndex { buckets })
    }

    fn bucket(&self, hash: u32) -> Option<&RcuCell<Bucket>> {
        self.buckets
            .get(hash as usize & self.buckets.len().wrapping_sub(1))
    }
}

/// What the packet path reads: lock-free, under `rcu_read_lock()`.
pub struct TableShared {
    masks: RcuCell<MaskArray>,
    index: RcuCell<FlowIndex>,
}

impl TableShared {
    /// `masked_flow_lookup()`: the live flow under `entry` whose masked
    /// key `key` matches.
    fn lookup_under<'a>(
        index: &'a FlowIndex,
        guard: &'a Guard,
        key: &FlowKey,
        entry: &MaskEntry,
    ) -> Option<&'a Flow> {
        let hash = hash_masked(key, &entry.mask);
        let bucket = index.bucket(hash)?.read(guard)?;
        bucket
            .flows
            .iter()
            .find(|f| {
                core::ptr::eq(&*f.mask, entry)
                    && f.hash == hash
                    && f.live()
                    && key.matches(&entry.mask.key, entry.mask.range, &f.key)
            })
            .map(|f| &**f)
    }

    /// `flow_lookup()`: probes slot `*hint` first (a cached guess), then
    /// every other slot in order; on a hit there, `*hint` becomes it. The
    /// mask that answers counts a use.
    fn flow_lookup<'a>(
        &'a self,
        guard: &'a Guard,
        key: &FlowKey,
        hint: &mut u32,
        counts: &mut LookupCounts,
    ) -> Option<&'a Flow> {
        let masks = self.masks.read(guard)?;
        let index = self.index.read(guard)?;
        let probe = |entry: &MaskEntry, counts: &mut LookupCounts| {
            counts.n_mask_hit = counts.n_mask_hit.wrapping_add(1);
            let f = Self::lookup_under(index, guard, key, entry)?;
            entry.usage.fetch_add(1, Ordering::Relaxed);
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

    /// `ovs_flow_tbl_lookup()`: the flow a packet of key `key` would hit
    /// (NEW's duplicate check). Like C, it counts a use of the mask that
    /// answers.
    pub fn lookup<'a>(&'a self, guard: &'a Guard, key: &FlowKey) -> Option<&'a Flow> {
        let mut counts = LookupCounts::default();
        self.flow_lookup(guard, key, &mut 0, &mut counts)
    }

    /// `ovs_flow_tbl_lookup_stats()`: a packet's lookup through this CPU's
    /// mask cache `cache` (a power-of-2 number of entries, or none), with
    /// what it counted for `OVS_DP_ATTR_MEGAFLOW_STATS`.
    pub fn lookup_stats<'a>(
        &'a self,
        guard: &'a Guard,
        key: &FlowKey,
        skb_hash: u32,
        cache: &mut [CacheEntry],
    ) -> (Option<&'a Flow>, LookupCounts) {
        let mut counts = LookupCounts::default();
        if skb_hash == 0 || cache.is_empty() {
            let mut discarded = LookupCounts::default();
            let f = self.flow_lookup(guard, key, &mut 0, &mut discarded);
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
            let Some(e) = cache.get_mut(at) else { break };
            if e.skb_hash == skb_hash {
                let f = self.flow_lookup(guard, key, &mut e.mask_index, &mut counts);
                if f.is_none() {
                    e.skb_hash = 0;
                }
                return (f, counts);
            }
            let better = match candidate.and_then(|c| cache.get(c)) {
                Some(c) => cache.get(at).is_some_and(|e| e.skb_hash < c.skb_hash),
                None => true,
            };
            if better {
                candidate = Some(at);
            }
            hash >>= MC_HASH_SHIFT;
        }
        let Some(ce) = candidate.and_then(|c| cache.get_mut(c)) else {
            return (None, counts);
        };
        let f = self.flow_lookup(guard, key, &mut ce.mask_index, &mut counts);
        if f.is_some() {
            ce.skb_hash = skb_hash;
        }
        counts.n_cache_hit = 0;
        (f, counts)
    }

    /// Zeroes every mask's usage counter (C does on every change of the
    /// mask array).
    fn reset_usage(&self) {
        let guard = read_lock();
        if let Some(masks) = self.masks.read(&guard) {
            for entry in masks.slots.iter() {
                entry.usage.store(0, Ordering::Relaxed);
            }
        }
    }
}

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

/// The hash of `key & mask` over `range` (C's `flow_hash()`, by another
/// function: dump order is not reproducible across implementations
/// anyway, as C seeds its hash at random).
fn hash_masked(key: &FlowKey, mask: &Mask) -> u32 {
    let mut h: u64 = (mask.range.start as u64) << 32 | mask.range.end as u64;
    for w in key.masked_words(&mask.key, mask.range) {
        h = (h ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^= h >> 29;
    }
    (h ^ (h >> 32)) as u32
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
pub struct FlowRef(u32);

/// The writer's record of a published mask.
struct WriterMask {
    entry: Arc<MaskEntry>,
    refs: u32,
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
    shared: Arc<TableShared>,
    /// The published masks, in the same order, with reference counts.
    masks: Vec<WriterMask>,
    flows: Vec<Option<Arc<Flow>>>,
    free: Vec<u32>,
    by_ufid: Index,
    n_flows: usize,
    n_buckets: usize,
}

impl FlowTable {
    pub fn new() -> Result<Self, AllocError> {
        let masks = RcuBox::new(MaskArray { slots: Vec::new() }).map_err(|_| AllocError)?;
        let index = RcuBox::new(FlowIndex::new(MIN_BUCKETS)?).map_err(|_| AllocError)?;
        let shared = fallible::arc(TableShared {
            masks: RcuCell::new(masks),
            index: RcuCell::new(index),
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
        key: &FlowKey,
        skb_hash: u32,
        cache: &mut [CacheEntry],
    ) -> (Option<FlowRef>, LookupCounts) {
        let guard = read_lock();
        let (flow, counts) = self.shared.lookup_stats(&guard, key, skb_hash, cache);
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

    /// The mask array as the writer's record has it, ready to publish.
    fn mask_array(&self, extra: Option<&Arc<MaskEntry>>) -> Result<RcuBox<MaskArray>, AllocError> {
        let mut slots = fallible::with_capacity(self.masks.len() + 1)?;
        for m in self.masks.iter() {
            fallible::push(&mut slots, m.entry.clone())?;
        }
        if let Some(e) = extra {
            fallible::push(&mut slots, e.clone())?;
        }
        RcuBox::new(MaskArray { slots }).map_err(|_| AllocError)
    }

    /// Bucket `hash`'s live flows, plus `extra`, ready to publish. Only
    /// this writer changes buckets, so reading one twice gives the same;
    /// allocation happens outside the read-side sections, which may not
    /// sleep.
    fn bucket_with(
        &self,
        hash: u32,
        extra: Option<&Arc<Flow>>,
    ) -> Result<Option<RcuBox<Bucket>>, AllocError> {
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
        RcuBox::new(Bucket { flows })
            .map(Some)
            .map_err(|_| AllocError)
    }

    fn read_bucket<'a>(&'a self, guard: &'a Guard, hash: u32) -> Option<&'a Bucket> {
        self.shared.index.read(guard)?.bucket(hash)?.read(guard)
    }

    /// Publishes `bucket` as bucket `hash` of the current index.
    fn publish_bucket(&self, hash: u32, bucket: Option<RcuBox<Bucket>>) {
        let guard = read_lock();
        if let Some(cell) = self
            .shared
            .index
            .read(&guard)
            .and_then(|index| index.bucket(hash))
        {
            cell.replace(bucket);
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
                let entry = fallible::arc(MaskEntry {
                    mask: new.mask,
                    usage: AtomicU64::new(0),
                })?;
                fallible::reserve(&mut self.masks, 1)?;
                let array = self.mask_array(Some(&entry))?;
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
        let actions = RcuBox::new(new.actions).map_err(|_| AllocError)?;
        let flow = fallible::arc(Flow {
            key: new.key,
            id: new.id,
            actions: RcuCell::new(actions),
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
            self.shared.masks.replace(Some(array));
            self.shared.reset_usage();
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
                *cell = RcuCell::new(RcuBox::new(Bucket { flows }).map_err(|_| AllocError)?);
            }
        }
        let index = RcuBox::new(index).map_err(|_| AllocError)?;
        self.shared.index.replace(Some(index));
        self.n_buckets = n;
        Ok(())
    }

    /// Replaces a flow's actions; readers see the old list or the new one.
    pub fn set_actions(&mut self, f: FlowRef, actions: Actions) -> Result<(), AllocError> {
        let flow = self.get(f).ok_or(AllocError)?;
        let actions = RcuBox::new(actions).map_err(|_| AllocError)?;
        flow.actions.replace(Some(actions));
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
            self.publish_masks();
        }
    }

    /// Publishes the writer's mask array. Should memory be short, readers
    /// keep the previous one: a mask without flows there only costs a
    /// probe, and the next change of the masks publishes again.
    fn publish_masks(&mut self) {
        if let Ok(array) = self.mask_array(None) {
            self.shared.masks.replace(Some(array));
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
        let index = RcuBox::new(FlowIndex::new(MIN_BUCKETS)?).map_err(|_| AllocError)?;
        let masks = RcuBox::new(MaskArray { slots: Vec::new() }).map_err(|_| AllocError)?;
        let by_ufid = Index::new(MIN_BUCKETS)?;
        for flow in self.flows.iter().flatten() {
            flow.dead.store(true, Ordering::Relaxed);
        }
        self.shared.index.replace(Some(index));
        self.shared.masks.replace(Some(masks));
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

    /// `ovs_flow_masks_rebalance()` (every 4 s): the masks most used since
    /// the last time go first, sorted as C sorts them (lib/sort.c's
    /// heapsort, not stable), so ties end in C's order too. Counters
    /// restart from zero. Nothing changes if memory is short.
    pub fn rebalance(&mut self) {
        let mut counts: Vec<(usize, u64)> = match fallible::with_capacity(self.masks.len()) {
            Ok(v) => v,
            Err(_) => return,
        };
        for (i, m) in self.masks.iter().enumerate() {
            let used = m.entry.usage.swap(0, Ordering::Relaxed);
            if fallible::push(&mut counts, (i, used)).is_err() {
                return;
            }
        }
        // `compare_mask_and_count()`, truncation to int included.
        kernel_sort(&mut counts, |a, b| {
            (b.1 as i64).wrapping_sub(a.1 as i64) as i32
        });
        if counts.iter().enumerate().all(|(i, &(at, _))| i == at) {
            return;
        }
        let mut slots = match fallible::with_capacity(self.masks.len()) {
            Ok(v) => v,
            Err(_) => return,
        };
        for &(at, _) in counts.iter() {
            if let Some(m) = self.masks.get(at) {
                let _ = fallible::push(&mut slots, m.entry.clone());
            }
        }
        let Ok(array) = RcuBox::new(MaskArray { slots }) else {
            return;
        };
        // The writer's record in the same order: swap into place,
        // tracking where each mask went.
        let n = self.masks.len();
        let (Ok(mut pos), Ok(mut who)) = (
            fallible::with_capacity::<usize>(n),
            fallible::with_capacity::<usize>(n),
        ) else {
            return;
        };
        for i in 0..n {
            // Within capacity: cannot fail.
            let _ = fallible::push(&mut pos, i);
            let _ = fallible::push(&mut who, i);
        }
        for (i, &(orig, _)) in counts.iter().enumerate() {
            let (Some(&p), Some(&displaced)) = (pos.get(orig), who.get(i)) else {
                return;
            };
            if p != i && p < n {
                self.masks.swap(i, p);
                if let (Some(w), Some(q)) = (who.get_mut(p), pos.get_mut(displaced)) {
                    *w = displaced;
                    *q = p;
                }
            }
        }
        self.shared.masks.replace(Some(array));
    }
}

mod tests;
