// SPDX-License-Identifier: GPL-2.0

//! Conntrack zone limits as C keeps them (`struct ovs_ct_limit_info`),
//! and the `struct ovs_zone_limit` runs of `OVS_CT_LIMIT_ATTR_ZONE_LIMIT`
//! (host-testable).
//!
//! C keeps the per-zone limits in `CT_LIMIT_HASH_BUCKETS` hash lists
//! indexed by `zone & 511`, each newest first (`hlist_add_head_rcu()`;
//! a new limit for a zone replaces the old one in place). A GET of every
//! limit walks the buckets in order, so userspace sees that order and
//! the module reproduces it.

use crate::fallible::{self, AllocError, Vec};
use crate::uapi::{OVS_ZONE_LIMIT_DEFAULT_ZONE, OVS_ZONE_LIMIT_LEN};

/// `CT_LIMIT_HASH_BUCKETS`.
pub const HASH_BUCKETS: usize = 512;

/// `OVS_CT_LIMIT_UNLIMITED`, also `OVS_CT_LIMIT_DEFAULT`.
pub const UNLIMITED: u32 = 0;

/// One zone's limit (`struct ovs_ct_limit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZoneLimit {
    pub zone: u16,
    pub limit: u32,
}

/// The default limit and the per-zone limits of one namespace.
pub struct ZoneLimits {
    default_limit: u32,
    /// Bucket `zone % HASH_BUCKETS`, oldest first (C's list reversed).
    buckets: Vec<Vec<ZoneLimit>>,
}

impl ZoneLimits {
    /// No zone limits; the default is [`UNLIMITED`] (`ovs_ct_limit_init()`).
    pub fn new() -> Result<Self, AllocError> {
        let mut buckets = fallible::with_capacity(HASH_BUCKETS)?;
        for _ in 0..HASH_BUCKETS {
            fallible::push(&mut buckets, Vec::new())?;
        }
        Ok(ZoneLimits {
            default_limit: UNLIMITED,
            buckets,
        })
    }

    pub fn default_limit(&self) -> u32 {
        self.default_limit
    }

    pub fn set_default(&mut self, limit: u32) {
        self.default_limit = limit;
    }

    fn bucket(&self, zone: u16) -> Option<&Vec<ZoneLimit>> {
        self.buckets.get(usize::from(zone) % HASH_BUCKETS)
    }

    fn bucket_mut(&mut self, zone: u16) -> Option<&mut Vec<ZoneLimit>> {
        self.buckets.get_mut(usize::from(zone) % HASH_BUCKETS)
    }

    /// `ct_limit_set()`: replaces the zone's limit where it is, or adds it
    /// at its bucket's head.
    pub fn set(&mut self, zone: u16, limit: u32) -> Result<(), AllocError> {
        let Some(bucket) = self.bucket_mut(zone) else {
            // `new` made every bucket.
            return Err(AllocError);
        };
        match bucket.iter_mut().find(|e| e.zone == zone) {
            Some(entry) => entry.limit = limit,
            None => fallible::push(bucket, ZoneLimit { zone, limit })?,
        }
        Ok(())
    }

    /// `ct_limit_del()`.
    pub fn del(&mut self, zone: u16) {
        if let Some(bucket) = self.bucket_mut(zone) {
            bucket.retain(|e| e.zone != zone);
        }
    }

    /// `ct_limit_get()`: the zone's limit, else the default.
    pub fn get(&self, zone: u16) -> u32 {
        self.bucket(zone)
            .and_then(|b| b.iter().find(|e| e.zone == zone))
            .map_or(self.default_limit, |e| e.limit)
    }

    /// Every zone limit in C's order: bucket by bucket, newest first.
    pub fn iter(&self) -> impl Iterator<Item = ZoneLimit> + '_ {
        self.buckets.iter().flat_map(|b| b.iter().rev().copied())
    }

    /// A copy to change, so that a change can be built whole before it
    /// is made (`ENOMEM` leaves the original as it was).
    pub fn try_clone(&self) -> Result<Self, AllocError> {
        let mut buckets = fallible::with_capacity(HASH_BUCKETS)?;
        for b in &self.buckets {
            let mut copy = fallible::with_capacity(b.len())?;
            fallible::extend_from_slice(&mut copy, b)?;
            fallible::push(&mut buckets, copy)?;
        }
        Ok(ZoneLimits {
            default_limit: self.default_limit,
            buckets,
        })
    }

    /// A copy for the packet path, which reads it under RCU while the
    /// next change builds its own (C changes its hash lists in place).
    pub fn snapshot(&self) -> Result<LimitLookup, AllocError> {
        let n = self.buckets.iter().map(|b| b.len()).sum();
        let mut zones = fallible::with_capacity(n)?;
        for z in self.iter() {
            fallible::push(&mut zones, z)?;
        }
        crate::sort::sort_by_key(&mut zones, |z: &ZoneLimit| z.zone);
        Ok(LimitLookup {
            default_limit: self.default_limit,
            zones,
        })
    }
}

/// The limits as a commit checks them (`ct_limit_get()`): the zone
/// limits sorted by zone, for a binary search, and the default.
pub struct LimitLookup {
    default_limit: u32,
    zones: Vec<ZoneLimit>,
}

impl LimitLookup {
    /// The zone's limit, else the default; [`UNLIMITED`] for none.
    pub fn get(&self, zone: u16) -> u32 {
        match self.zones.binary_search_by_key(&zone, |z| z.zone) {
            Ok(i) => self.zones.get(i).map_or(self.default_limit, |z| z.limit),
            Err(_) => self.default_limit,
        }
    }
}

/// What one `struct ovs_zone_limit` of a request names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record {
    /// `zone_id == OVS_ZONE_LIMIT_DEFAULT_ZONE`: the default limit.
    Default {
        limit: u32,
    },
    Zone {
        zone: u16,
        limit: u32,
    },
    /// Any other `zone_id`: C logs "zone id is out of range" and goes on.
    OutOfRange,
}

/// The records of an `OVS_CT_LIMIT_ATTR_ZONE_LIMIT` payload, as C's loops
/// read them, and how many bytes are left over (C logs "... has N unknown
/// bytes" and still succeeds).
///
/// C walks `NLA_ALIGN(nla_len)` bytes, so a record may end in the
/// attribute's padding; only its `count` can (the first 9 bytes of a
/// record that fits the aligned length lie in the payload), and no
/// command reads a request's `count`.
pub fn records(payload: &[u8]) -> (impl Iterator<Item = Record> + '_, usize) {
    let aligned = payload.len().next_multiple_of(4);
    let n = aligned / OVS_ZONE_LIMIT_LEN;
    let iter = (0..n).map(move |i| {
        let at = i * OVS_ZONE_LIMIT_LEN;
        let word = |off: usize| -> [u8; 4] {
            let mut w = [0; 4];
            if let Some(b) = payload.get(at + off..at + off + 4) {
                w.copy_from_slice(b);
            }
            w
        };
        let zone_id = i32::from_ne_bytes(word(0));
        let limit = u32::from_ne_bytes(word(4));
        if zone_id == OVS_ZONE_LIMIT_DEFAULT_ZONE {
            Record::Default { limit }
        } else {
            match u16::try_from(zone_id) {
                Ok(zone) => Record::Zone { zone, limit },
                Err(_) => Record::OutOfRange,
            }
        }
    });
    (iter, aligned % OVS_ZONE_LIMIT_LEN)
}

/// A `struct ovs_zone_limit` as replies carry it.
pub fn encode(zone_id: i32, limit: u32, count: u32) -> [u8; OVS_ZONE_LIMIT_LEN] {
    let mut out = [0; OVS_ZONE_LIMIT_LEN];
    out[..4].copy_from_slice(&zone_id.to_ne_bytes());
    out[4..8].copy_from_slice(&limit.to_ne_bytes());
    out[8..].copy_from_slice(&count.to_ne_bytes());
    out
}

#[path = "ct_limit/tests.rs"]
mod tests;
