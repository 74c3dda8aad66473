// SPDX-License-Identifier: GPL-2.0

//! Network namespaces, the internal port's `net_device`, and `sk_buff`
//! ownership.
//!
//! The device itself is built by `src/glue/netdev.c` (its ops tables and
//! the `netdev_tx_t` transmit callback are C); this file owns its
//! lifetime and routes its callbacks to the datapath.

use core::ptr::NonNull;

use kernel::{
    bindings,
    error::to_result,
    ffi::{c_char, c_int, c_void},
    prelude::*,
    str::CStr,
    sync::Arc,
};

use super::glue;
use crate::vport::Vport;

/// `IFNAMSIZ`: a device name with its NUL.
pub(crate) const IFNAMSIZ: usize = 16;

/// A network namespace, by identity.
///
/// # Invariants
///
/// Points to a `struct net` that is alive: every object holding a `NetNs`
/// is destroyed by the pernet exit hook ([`NetHooks`]) before its
/// namespace goes away.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct NetNs(NonNull<bindings::net>);

// SAFETY: a namespace pointer is only compared and passed to C functions
// that may run on any thread.
unsafe impl Send for NetNs {}
// SAFETY: as above; `NetNs` has no interior state.
unsafe impl Sync for NetNs {}

impl NetNs {
    /// # Safety
    ///
    /// `net` is a live namespace and stays so while the result is used
    /// (the type invariant).
    pub(super) unsafe fn from_raw(net: *mut bindings::net) -> Option<Self> {
        NonNull::new(net).map(NetNs)
    }

    fn as_ptr(self) -> *mut bindings::net {
        self.0.as_ptr()
    }
}

/// An owned packet buffer. Dropping it frees it as a drop (`kfree_skb`).
///
/// # Invariants
///
/// `skb` is a valid `sk_buff` this value owns.
pub(crate) struct SkBuff {
    skb: NonNull<bindings::sk_buff>,
}

impl SkBuff {
    /// # Safety
    ///
    /// The caller passes its ownership of a valid `skb`.
    unsafe fn from_raw(skb: NonNull<bindings::sk_buff>) -> Self {
        SkBuff { skb }
    }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: we own the buffer (type invariant).
        unsafe { glue::ovs_rs_kfree_skb(self.skb.as_ptr()) }
    }
}

/// A registered internal port device. Dropping it unregisters it (taking
/// rtnl); the device releases its `Arc<Vport>` once the kernel frees it.
///
/// # Invariants
///
/// `dev` was registered by `ovs_rs_internal_dev_create` and is not yet
/// destroyed; only this value destroys it.
pub(crate) struct InternalDev {
    dev: NonNull<bindings::net_device>,
}

// SAFETY: the device is usable from any thread; its C accessors take the
// locks they need.
unsafe impl Send for InternalDev {}
// SAFETY: `&InternalDev` only reads through C accessors.
unsafe impl Sync for InternalDev {}

impl InternalDev {
    /// Creates and registers a device named `name` (may contain `%d`) in
    /// `net`, whose transmitted packets go to `vport`. `ifindex` 0 lets the
    /// kernel choose. Errors as `register_netdevice()` (EEXIST for a taken
    /// name, EBUSY for a taken ifindex).
    pub(crate) fn create(
        net: NetNs,
        name: &CStr,
        ifindex: i32,
        netns_immutable: bool,
        vport: Arc<Vport>,
    ) -> Result<Self> {
        let owner = Arc::into_raw(vport);
        let mut err: c_int = 0;
        // SAFETY: `net` is live (`NetNs` invariant), `name` is a C string,
        // `err` is writable. On success the device owns `owner`.
        let dev = unsafe {
            glue::ovs_rs_internal_dev_create(
                net.as_ptr(),
                name.as_char_ptr(),
                ifindex,
                netns_immutable,
                owner.cast_mut().cast::<c_void>(),
                &mut err,
            )
        };
        match NonNull::new(dev) {
            Some(dev) => Ok(InternalDev { dev }),
            None => {
                // SAFETY: creation failed, so `owner` is still ours, from
                // `Arc::into_raw` above.
                drop(unsafe { Arc::from_raw(owner) });
                to_result(err)?;
                Err(ENOMEM)
            }
        }
    }

    pub(crate) fn ifindex(&self) -> i32 {
        // SAFETY: registered device (type invariant).
        unsafe { glue::ovs_rs_netdev_ifindex(self.dev.as_ptr()) }
    }

    /// `struct ovs_vport_stats` of the device (`ovs_vport_get_stats()`):
    /// rx/tx packets, bytes, errors, dropped.
    pub(crate) fn vport_stats(&self) -> [u64; 8] {
        let mut out = [0u64; 8];
        // SAFETY: registered device; `out` has the eight u64s the glue
        // writes.
        unsafe { glue::ovs_rs_netdev_vport_stats(self.dev.as_ptr(), out.as_mut_ptr()) };
        out
    }

    /// The device's current name.
    pub(crate) fn name(&self) -> [u8; IFNAMSIZ] {
        let mut buf = [0u8; IFNAMSIZ];
        // SAFETY: registered device; `buf` has the IFNAMSIZ bytes the glue
        // writes at most.
        unsafe { glue::ovs_rs_netdev_name(self.dev.as_ptr(), buf.as_mut_ptr().cast::<c_char>()) };
        buf
    }
}

impl Drop for InternalDev {
    fn drop(&mut self) {
        // SAFETY: registered and not destroyed (type invariant); only this
        // drop destroys it.
        unsafe { glue::ovs_rs_internal_dev_destroy(self.dev.as_ptr()) }
    }
}

/// The bytes of a device name before its NUL.
pub(crate) fn name_bytes(name: &[u8; IFNAMSIZ]) -> &[u8] {
    let end = name.iter().position(|&b| b == 0).unwrap_or(IFNAMSIZ);
    name.get(..end).unwrap_or(&[])
}

/// Transmit on an internal device: the packet enters the datapath.
#[no_mangle]
unsafe extern "C" fn ovs_rs_internal_dev_receive(
    owner: *mut c_void,
    skb: *mut bindings::sk_buff,
) -> c_int {
    let Some(skb) = NonNull::new(skb) else {
        return EINVAL.to_errno();
    };
    // SAFETY: the device passes its transmitted skb, whose ownership it
    // gives up.
    let skb = unsafe { SkBuff::from_raw(skb) };
    // SAFETY: `owner` came from `Arc::into_raw` in `InternalDev::create`;
    // the device holds that reference until `ovs_rs_internal_dev_release`,
    // which cannot run while it still transmits.
    let vport = unsafe { &*owner.cast_const().cast::<Vport>() };
    match vport.receive(skb) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// The device is gone: drop its reference to the port.
#[no_mangle]
unsafe extern "C" fn ovs_rs_internal_dev_release(owner: *mut c_void) {
    // SAFETY: the reference `InternalDev::create` handed to the device,
    // released exactly once, from the device's destructor.
    drop(unsafe { Arc::from_raw(owner.cast_const().cast::<Vport>()) });
}

#[no_mangle]
unsafe extern "C" fn ovs_rs_net_exit_rust(net: *mut bindings::net) {
    // SAFETY: the namespace is alive until its exit hooks return.
    if let Some(net) = unsafe { NetNs::from_raw(net) } {
        crate::datapath::net_exit(net);
    }
}

/// The rtnl link kind "openvswitch" and the pernet hooks; unregistering
/// runs the exit hook for every namespace, which destroys every datapath.
pub(crate) struct NetHooks(());

impl NetHooks {
    pub(crate) fn register() -> Result<Self> {
        // SAFETY: no preconditions; paired with the drop below.
        to_result(unsafe { glue::ovs_rs_net_register() }).inspect_err(|e| {
            if *e == EEXIST {
                pr_err!(
                    "link kind openvswitch is already registered (is openvswitch.ko loaded?)\n"
                );
            }
        })?;
        Ok(NetHooks(()))
    }
}

impl Drop for NetHooks {
    fn drop(&mut self) {
        // SAFETY: registered by `register`, once.
        unsafe { glue::ovs_rs_net_unregister() }
    }
}

/// `nr_cpu_ids`.
pub(crate) fn nr_cpu_ids() -> u32 {
    // SAFETY: no preconditions.
    unsafe { glue::ovs_rs_nr_cpu_ids() }
}

/// Whether the kernel has TC skb extensions (`OVS_DP_F_TC_RECIRC_SHARING`).
pub(crate) fn tc_skb_ext_available() -> bool {
    // SAFETY: no preconditions.
    unsafe { glue::ovs_rs_tc_skb_ext_available() }
}

/// Counts a datapath wanting TC recirculation sharing in or out.
pub(crate) fn tc_skb_ext_enable(on: bool) {
    // SAFETY: calls are balanced by the datapath's feature changes.
    unsafe { glue::ovs_rs_tc_skb_ext_enable(on) }
}
