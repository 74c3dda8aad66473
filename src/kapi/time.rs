// SPDX-License-Identifier: GPL-2.0

//! Clocks and rate limits the control plane reports with.

use super::glue;

/// A flow's last use (`jiffies`) as C reports it in `OVS_FLOW_ATTR_USED`:
/// milliseconds of the monotonic clock (`ovs_flow_used_time()`).
pub(crate) fn flow_used_msecs(used_jiffies: u64) -> u64 {
    // SAFETY: reads clocks only. `jiffies` fit in `unsigned long`.
    unsafe { glue::ovs_rs_flow_used_time(used_jiffies as core::ffi::c_ulong) }
}

/// `jiffies`, the clock flow stats record last use in.
pub(crate) fn jiffies() -> u64 {
    // SAFETY: a plain read of the kernel's tick counter.
    unsafe { core::ptr::read_volatile(core::ptr::addr_of!(kernel::bindings::jiffies)) as u64 }
}

/// `net_ratelimit()`: whether a networking log line may be printed now.
pub(crate) fn net_ratelimit() -> bool {
    // SAFETY: no preconditions.
    unsafe { kernel::bindings::net_ratelimit() != 0 }
}

/// The periodic work that reorders every datapath's masks by use
/// (`ovs_dp_masks_rebalance()`, every 4 s); it stops when dropped.
pub(crate) struct MasksRebalance(());

impl MasksRebalance {
    pub(crate) fn start() -> Self {
        // SAFETY: no preconditions; stopped by the drop below.
        unsafe { glue::ovs_rs_masks_rebalance_start() };
        MasksRebalance(())
    }
}

impl Drop for MasksRebalance {
    fn drop(&mut self) {
        // SAFETY: started by `start`, once.
        unsafe { glue::ovs_rs_masks_rebalance_stop() }
    }
}

/// The rebalancing work's body.
///
/// # Safety
///
/// Called by the module's delayed work only (process context).
#[no_mangle]
unsafe extern "C" fn ovs_rs_masks_rebalance() {
    crate::datapath::masks_rebalance();
}
