// SPDX-License-Identifier: GPL-2.0

//! Clocks, rate limits and the module's periodic work.

use kernel::{ffi::c_void, sync::Arc};

use super::glue;

/// Milliseconds of the monotonic clock at `then` (`jiffies`), as
/// `ovs_flow_used_time()` reports a last use.
pub(crate) fn monotonic_ms_at(then: u64) -> u64 {
    // SAFETY: reads clocks only. `jiffies` fit in `unsigned long`.
    unsafe { glue::ovs_rs_monotonic_ms_at(then as kernel::ffi::c_ulong) }
}

/// `ktime_get_ns()`: nanoseconds of the monotonic clock.
pub(crate) fn monotonic_ns() -> u64 {
    // SAFETY: reads the clock only; callable from any context.
    unsafe { kernel::bindings::ktime_get() as u64 }
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

/// What runs periodically, in process context.
pub(crate) trait Periodic: Send + Sync + 'static {
    fn run(&self);
}

/// # Safety
///
/// Called by the glue's periodic work only, with the `ctx` of the
/// [`PeriodicWork`] that started it, which stops the work (waiting for a
/// running one) before releasing `ctx`.
unsafe extern "C" fn periodic_callback<T: Periodic>(ctx: *const c_void) {
    // SAFETY: the `Arc<T>` pointer the `PeriodicWork` holds.
    unsafe { &*ctx.cast::<T>() }.run();
}

/// `T::run` every `period_ms` until dropped. The glue has one such work:
/// the module starts it once.
pub(crate) struct PeriodicWork<T: Periodic> {
    _handler: Arc<T>,
}

impl<T: Periodic> PeriodicWork<T> {
    pub(crate) fn start(period_ms: u32, handler: Arc<T>) -> Self {
        // SAFETY: the callback matches the context, which `self` keeps
        // alive until the drop below has stopped the work.
        unsafe {
            glue::ovs_rs_periodic_start(
                period_ms,
                Some(periodic_callback::<T>),
                Arc::as_ptr(&handler).cast::<c_void>(),
            )
        };
        PeriodicWork { _handler: handler }
    }
}

impl<T: Periodic> Drop for PeriodicWork<T> {
    fn drop(&mut self) {
        // SAFETY: started by `start`, once; after this no call runs.
        unsafe { glue::ovs_rs_periodic_stop() }
    }
}
