// SPDX-License-Identifier: GPL-2.0

//! Per-CPU data of the packet path: the flow table's mask cache
//! (`struct mask_cache`), one array of entries per CPU.

use core::ptr::NonNull;

use kernel::{ffi::c_void, prelude::*};

use super::glue;
use super::rcu::Guard;
use super::skb::BhOff;
use crate::flow::key::FlowKey;
use crate::flow::table::{CacheEntry, Flow, LookupCounts, TableShared};

/// A per-CPU array of `entries` mask cache entries (none for 0).
///
/// # Invariants
///
/// `ptr` is null (no entries) or a per-CPU allocation of `entries`
/// [`CacheEntry`]s, zeroed at allocation, owned by this value.
pub(crate) struct MaskCache {
    ptr: *mut c_void,
    entries: usize,
}

// SAFETY: each CPU only touches its own array (see `lookup`); the
// allocation may be freed from any CPU.
unsafe impl Send for MaskCache {}
// SAFETY: as above.
unsafe impl Sync for MaskCache {}

impl MaskCache {
    /// `tbl_mask_cache_alloc()`: `entries` is 0 or a power of two.
    pub(crate) fn new(entries: u32) -> Result<Self> {
        let entries = entries as usize;
        if entries == 0 {
            return Ok(MaskCache {
                ptr: core::ptr::null_mut(),
                entries: 0,
            });
        }
        let size = entries
            .checked_mul(core::mem::size_of::<CacheEntry>())
            .ok_or(EINVAL)?;
        // SAFETY: no preconditions; a zeroed allocation or null.
        let ptr = unsafe { glue::ovs_rs_percpu_alloc(size, core::mem::align_of::<CacheEntry>()) };
        NonNull::new(ptr).ok_or(ENOMEM)?;
        Ok(MaskCache { ptr, entries })
    }

    /// `ovs_flow_tbl_lookup_stats()` through this CPU's array.
    pub(crate) fn lookup<'a>(
        &self,
        _bh: &BhOff,
        table: &'a TableShared,
        guard: &'a Guard,
        key: &FlowKey,
        skb_hash: u32,
    ) -> (Option<&'a Flow>, LookupCounts) {
        if self.ptr.is_null() {
            return table.lookup_stats(guard, key, skb_hash, &mut []);
        }
        // SAFETY: the allocation has `entries` zeroed-or-written
        // `CacheEntry`s (plain integers) for this CPU (type invariant).
        // With bottom halves off (`BhOff`) nothing else runs on this CPU
        // meanwhile, and `lookup_stats` is pure table code that cannot
        // re-enter the packet path: the slice is this call's alone.
        let cache = unsafe {
            core::slice::from_raw_parts_mut(
                glue::ovs_rs_percpu_this(self.ptr).cast::<CacheEntry>(),
                self.entries,
            )
        };
        table.lookup_stats(guard, key, skb_hash, cache)
    }
}

impl Drop for MaskCache {
    fn drop(&mut self) {
        if !self.ptr.is_null() {
            // SAFETY: our allocation (type invariant), freed once; the
            // cell that published it frees it after a grace period.
            unsafe { glue::ovs_rs_percpu_free(self.ptr) }
        }
    }
}
