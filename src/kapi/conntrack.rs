// SPDX-License-Identifier: GPL-2.0

//! Netfilter connection tracking, as far as a switch uses it so far:
//! counting connections per key (`nf_conncount`).
//!
//! Netfilter has no Rust bindings; the calls go through
//! `src/glue/conntrack.c`. Each type here owns what the kernel handed
//! out and gives it back exactly once when dropped.

use core::ptr::NonNull;

use kernel::{error::to_result, prelude::*};

use super::glue;
use super::netdev::{NetHandle, NetNs};

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
