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
//!
//! The files follow those roles: `flows` (what the table stores), `lookup`
//! (the read side), `flow_cache` (the per-CPU cache of flows by the
//! words the masks cover, in front of the lookup), `writer` (the
//! changes), `staged` (allocate, then publish, for every change) and
//! `rebalance` (reordering the masks by use).

mod flow_cache;
mod flows;
mod lookup;
mod rebalance;
mod staged;
mod writer;

pub use flow_cache::{FlowCacheEntry, FLOW_CACHE_ENTRIES};
pub use flows::{Actions, Flow, Ident, Mask, Ufid, UFID_MAX};
pub use lookup::{jhash_1word, CacheEntry, LookupCounts, TableShared};
pub use writer::{FlowRef, FlowTable, NewFlow};

mod tests;
