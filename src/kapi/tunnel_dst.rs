// SPDX-License-Identifier: GPL-2.0

//! Tunnel metadata made once and attached to many packets: a
//! `metadata_dst` of type `METADATA_IP_TUNNEL` (`<net/dst_metadata.h>`),
//! with a dst cache so the tunnel device keeps its route across packets.

use core::ptr::NonNull;

use kernel::{bindings, prelude::*};

use super::glue;
use super::skb::SkBuff;

/// A reference to a transmit tunnel metadata dst. Dropping it puts the
/// reference; packets it was attached to hold their own.
///
/// # Invariants
///
/// `dst` is the `dst_entry` of a `METADATA_IP_TUNNEL` metadata dst on
/// which this value owns one reference. Its contents never change after
/// [`TunnelDst::new`].
pub(crate) struct TunnelDst {
    dst: NonNull<bindings::dst_entry>,
}

// SAFETY: the dst is immutable after creation and refcounted; its
// reference may be put from any context and any CPU (`dst_release()`
// frees after an RCU grace period).
unsafe impl Send for TunnelDst {}
// SAFETY: shared use only takes further references (`dst_hold()`), which
// is atomic.
unsafe impl Sync for TunnelDst {}

impl TunnelDst {
    /// Metadata for transmitting with `key` (a `struct ip_tunnel_key`'s
    /// bytes), address family `proto` and tunnel options `opts`; the mode
    /// is `IP_TUNNEL_INFO_TX`, with `IPV6` or (IPv4 without a
    /// destination) `BRIDGE` as C sets it. Sleeps to allocate.
    pub(crate) fn new(key: &[u8; 64], proto: u8, opts: &[u8]) -> Result<Self> {
        let len = u8::try_from(opts.len()).map_err(|_| EINVAL)?;
        // SAFETY: `key` is readable for 64 bytes, the size of `struct
        // ip_tunnel_key` (a `static_assert` in the glue), whose bytes the caller lays out
        // (any byte pattern is a valid key); `opts` is readable for `len`
        // bytes; the glue copies both and allocates with GFP_KERNEL, which
        // `new`'s callers allow.
        let dst =
            unsafe { glue::ovs_rs_tunnel_dst_new(key.as_ptr().cast(), proto, opts.as_ptr(), len) };
        // INVARIANT: a non-NULL result carries the one reference we own.
        Ok(TunnelDst {
            dst: NonNull::new(dst).ok_or(ENOMEM)?,
        })
    }
}

impl Drop for TunnelDst {
    fn drop(&mut self) {
        // SAFETY: by the type invariant we own one reference on `dst`.
        unsafe { glue::ovs_rs_tunnel_dst_release(self.dst.as_ptr()) };
    }
}

impl SkBuff {
    /// `execute_set_action()` of a tunnel: the packet leaves a tunnel
    /// device with `dst`'s metadata, holding a reference of its own.
    pub(crate) fn set_tunnel_dst(&mut self, dst: &TunnelDst) {
        // SAFETY: we own the valid skb; `dst` is a live metadata dst (type
        // invariant), on which the glue takes the packet's own reference.
        unsafe { glue::ovs_rs_skb_set_tunnel_dst(self.as_ptr(), dst.dst.as_ptr()) };
    }
}
