// SPDX-License-Identifier: GPL-2.0

//! Netfilter connection tracking, as far as a switch uses it so far:
//! zone templates, and counting connections per key (`nf_conncount`).
//!
//! Netfilter has no Rust bindings; the calls go through
//! `src/glue/conntrack.c`. Each type here owns what the kernel handed
//! out and gives it back exactly once when dropped.

use core::ptr::NonNull;

use kernel::{error::to_result, prelude::*};

use super::glue;
use super::netdev::{NetHandle, NetNs};

/// A conntrack template for one zone (`nf_ct_tmpl_alloc()`), confirmed so
/// it never enters the table itself: what a `ct()` action attaches to a
/// packet before the lookup, so the lookup happens in its zone. Freed when
/// dropped (`nf_ct_tmpl_free()`), which its owner must defer until no
/// packet can still be using it (after an RCU grace period, as C frees
/// an action's).
///
/// # Invariants
///
/// `ct` came from `nf_ct_tmpl_alloc()` and is freed only by the drop.
pub(crate) struct ZoneTemplate {
    ct: NonNull<glue::ovs_rs_nf_conn>,
}

// SAFETY: a template is not tied to a thread; after its setup here it is
// only read (and reference-counted atomically by the packets that carry
// it), and it may be freed from any process or RCU callback context.
unsafe impl Send for ZoneTemplate {}
// SAFETY: as above: `&ZoneTemplate` only reads it.
unsafe impl Sync for ZoneTemplate {}

impl ZoneTemplate {
    /// A template for `zone` in `net` (`ENOMEM` if none).
    // Used by `ct()` once it lands; KUnit tests it now.
    #[allow(dead_code)]
    pub(crate) fn new(net: NetNs<'_>, zone: u16) -> Result<Self> {
        // SAFETY: `net` is alive (its type); process context.
        let ct = unsafe { glue::ovs_rs_ct_tmpl_alloc(net.as_ptr(), zone) };
        // INVARIANT: from `nf_ct_tmpl_alloc()`, just now.
        Ok(ZoneTemplate {
            ct: NonNull::new(ct).ok_or(ENOMEM)?,
        })
    }

    /// The zone the template tracks in (`nf_ct_zone_id()`).
    #[allow(dead_code)]
    pub(crate) fn zone(&self) -> u16 {
        // SAFETY: a live template (type invariant).
        unsafe { glue::ovs_rs_ct_zone_id(self.ct.as_ptr()) }
    }
}

impl Drop for ZoneTemplate {
    fn drop(&mut self) {
        // SAFETY: a live template, freed only here (type invariant).
        unsafe { glue::ovs_rs_ct_tmpl_free(self.ct.as_ptr()) }
    }
}

/// `MAX_KEYLEN` of `nf_conncount`, in `u32`s.
const MAX_KEY_WORDS: usize = 5;

/// Connections counted per key of `N` `u32`s in one namespace
/// (`struct nf_conncount_data`), destroyed when dropped (process
/// context: destroying waits for the counter's garbage collection).
///
/// # Invariants
///
/// `data` came from `nf_conncount_init(net, N * 4)` for the namespace
/// `net` keeps, and is destroyed only by the drop.
pub(crate) struct ConnCount<const N: usize> {
    data: NonNull<glue::ovs_rs_conncount>,
    net: NetHandle,
}

// SAFETY: `nf_conncount_data` is not tied to a thread: its trees have
// their own locks and its garbage collection its own work item, and it
// may be destroyed from any process context.
unsafe impl<const N: usize> Send for ConnCount<N> {}
// SAFETY: counting (`&self`) takes the data's own locks under RCU.
unsafe impl<const N: usize> Sync for ConnCount<N> {}

impl<const N: usize> ConnCount<N> {
    const KEY_WORDS_OK: () = assert!(N >= 1 && N <= MAX_KEY_WORDS);

    /// `nf_conncount_init()`: counts for `net`, whose exit hook must drop
    /// this (it keeps a [`NetHandle`]).
    pub(crate) fn new(net: NetNs<'_>) -> Result<Self> {
        let () = Self::KEY_WORDS_OK;
        let keylen = u32::try_from(N * core::mem::size_of::<u32>()).map_err(|_| EINVAL)?;
        let mut out = core::ptr::null_mut();
        // SAFETY: `net` is alive (its type); `out` is written on success.
        to_result(unsafe { glue::ovs_rs_conncount_init(net.as_ptr(), keylen, &mut out) })?;
        let data = NonNull::new(out).ok_or(ENOMEM)?;
        // INVARIANT: from `nf_conncount_init(net, N * 4)`, just now.
        Ok(ConnCount {
            data,
            net: net.handle(),
        })
    }

    /// How many connections are counted under `key`
    /// (`nf_conncount_count_skb()` without a packet).
    pub(crate) fn count(&self, key: &[u32; N]) -> u32 {
        // SAFETY: `data` is live for `net` (type invariant), which the
        // handle keeps; the key has the `N` words the data was made for.
        unsafe {
            glue::ovs_rs_conncount_count(self.net.get().as_ptr(), self.data.as_ptr(), key.as_ptr())
        }
    }
}

impl<const N: usize> Drop for ConnCount<N> {
    fn drop(&mut self) {
        // SAFETY: `data` is live for `net` and destroyed only here (type
        // invariant); dropping runs in process context.
        unsafe { glue::ovs_rs_conncount_destroy(self.net.get().as_ptr(), self.data.as_ptr()) }
    }
}

#[kunit_tests(ovs_rs_conntrack)]
mod tests {
    use super::*;

    type TestResult = core::result::Result<(), &'static str>;

    /// Templates carry their zone and free themselves.
    #[test]
    fn zone_templates() -> TestResult {
        let net = NetNs::init_net().ok_or("no init_net")?;
        for zone in [0, 1, 513, u16::MAX] {
            let tmpl = ZoneTemplate::new(net, zone).map_err(|_| "alloc")?;
            assert_eq!(tmpl.zone(), zone);
        }
        Ok(())
    }

    /// Fresh counts are zero for any key; several live side by side.
    #[test]
    fn conncount_starts_empty() -> TestResult {
        let net = NetNs::init_net().ok_or("no init_net")?;
        let one = ConnCount::<1>::new(net).map_err(|_| "conncount")?;
        let five = ConnCount::<5>::new(net).map_err(|_| "conncount")?;
        assert_eq!(one.count(&[0]), 0);
        assert_eq!(one.count(&[u32::MAX]), 0);
        assert_eq!(five.count(&[1, 2, 3, 4, 5]), 0);
        Ok(())
    }
}
