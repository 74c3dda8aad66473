// SPDX-License-Identifier: GPL-2.0

//! Network namespaces, devices a switch port is built on, and the hooks
//! that tell their owner about namespace and device teardown.
//!
//! The devices are built by `src/glue/` (their ops tables and the
//! enum-returning callbacks are C); this file owns their lifetime and
//! routes their callbacks to the owner's [`PortOps`].

use core::{marker::PhantomData, ptr::NonNull};

use kernel::{
    bindings,
    error::to_result,
    ffi::{c_char, c_int, c_void},
    prelude::*,
    str::CStr,
    sync::Arc,
    types::Opaque,
};

use super::glue;
use super::skb::BhOff;
pub(crate) use super::skb::SkBuff;

/// `IFNAMSIZ`: a device name with its NUL.
pub(crate) const IFNAMSIZ: usize = 16;

/// A network namespace, borrowed for `'a` from what keeps it alive: a
/// request of a socket in it, its exit hook, or a [`NetHandle`].
///
/// # Invariants
///
/// Points to a `struct net` that is alive for `'a`.
#[derive(Clone, Copy)]
pub(crate) struct NetNs<'a> {
    net: NonNull<bindings::net>,
    _alive: PhantomData<&'a Opaque<bindings::net>>,
}

impl PartialEq for NetNs<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.net == other.net
    }
}

impl Eq for NetNs<'_> {}

impl<'a> NetNs<'a> {
    /// # Safety
    ///
    /// `net` is a namespace that stays alive for `'a`.
    pub(super) unsafe fn from_raw(net: *mut bindings::net) -> Option<Self> {
        NonNull::new(net).map(|net| NetNs {
            net,
            _alive: PhantomData,
        })
    }

    /// The initial namespace, which lives as long as the kernel.
    #[cfg(CONFIG_KUNIT = "y")]
    pub(crate) fn init_net() -> Option<NetNs<'static>> {
        // INVARIANT: `init_net` is never freed.
        NonNull::new(&raw mut bindings::init_net).map(|net| NetNs {
            net,
            _alive: PhantomData,
        })
    }

    pub(super) fn as_ptr(self) -> *mut bindings::net {
        self.net.as_ptr()
    }

    /// A handle to keep in an object that lives in this namespace.
    pub(crate) fn handle(self) -> NetHandle {
        // SAFETY: `net` is alive (type invariant) and the pernet hooks are
        // registered while anything above them runs; the count is the
        // handle's, dropped with it.
        unsafe { glue::ovs_rs_net_handle_get(self.as_ptr()) };
        NetHandle { net: self.net }
    }
}

/// The namespace an object lives in, kept by that object. The object must
/// be torn down by its owner's [`NetExit::net_exit`] for the namespace:
/// the kernel keeps no reference for it, as for C's `possible_net_t`.
/// Each namespace counts its handles, and the exit hook warns if any is
/// left when `net_exit` returns.
///
/// # Invariants
///
/// `net` is a namespace whose handle count includes this handle, and
/// which stays alive until the handle drops (see above).
pub(crate) struct NetHandle {
    net: NonNull<bindings::net>,
}

// SAFETY: a namespace may be used from any thread; the handle only lends
// it out (`get`) and counts itself down on drop, atomically.
unsafe impl Send for NetHandle {}
// SAFETY: as above; `&NetHandle` only lends the namespace.
unsafe impl Sync for NetHandle {}

impl NetHandle {
    pub(crate) fn get(&self) -> NetNs<'_> {
        // INVARIANT: alive while the handle is (type invariant).
        NetNs {
            net: self.net,
            _alive: PhantomData,
        }
    }

    /// Whether this is `net`.
    pub(crate) fn is(&self, net: NetNs<'_>) -> bool {
        self.net == net.net
    }
}

impl Drop for NetHandle {
    fn drop(&mut self) {
        // SAFETY: the namespace is alive and counts this handle (type
        // invariant).
        unsafe { glue::ovs_rs_net_handle_put(self.net.as_ptr()) }
    }
}

/// A registered device some port holds, borrowed from that port.
///
/// # Invariants
///
/// `dev` is a device that stays allocated for `'a` (its holder keeps a
/// reference or owns its registration).
#[derive(Clone, Copy)]
pub(crate) struct NetDevice<'a> {
    dev: NonNull<bindings::net_device>,
    _holder: PhantomData<&'a ()>,
}

impl NetDevice<'_> {
    /// # Safety
    ///
    /// `dev` stays allocated while the result is used.
    unsafe fn from_raw(dev: NonNull<bindings::net_device>) -> Self {
        NetDevice {
            dev,
            _holder: PhantomData,
        }
    }

    pub(crate) fn ifindex(self) -> i32 {
        // SAFETY: allocated device (type invariant).
        unsafe { glue::ovs_rs_netdev_ifindex(self.dev.as_ptr()) }
    }

    /// `struct ovs_vport_stats` of the device (`ovs_vport_get_stats()`):
    /// rx/tx packets, bytes, errors, dropped.
    pub(crate) fn vport_stats(self) -> [u64; 8] {
        let mut out = [0u64; 8];
        // SAFETY: allocated device; `out` has the eight u64s the glue
        // writes.
        unsafe { glue::ovs_rs_netdev_vport_stats(self.dev.as_ptr(), out.as_mut_ptr()) };
        out
    }

    /// The device's current name.
    pub(crate) fn name(self) -> [u8; IFNAMSIZ] {
        let mut buf = [0u8; IFNAMSIZ];
        // SAFETY: allocated device; `buf` has the IFNAMSIZ bytes the glue
        // writes at most.
        unsafe { glue::ovs_rs_netdev_name(self.dev.as_ptr(), buf.as_mut_ptr().cast::<c_char>()) };
        buf
    }

    /// Whether the device is in `net` now (devices can move).
    pub(crate) fn is_in(self, net: NetNs<'_>) -> bool {
        // SAFETY: allocated device.
        unsafe { glue::ovs_rs_netdev_net(self.dev.as_ptr()) == net.as_ptr() }
    }

    /// `OVS_VPORT_ATTR_NETNSID`: the id `net` gives the device's namespace,
    /// or `None` when the device is in `net`.
    pub(crate) fn netnsid(self, net: NetNs<'_>) -> Option<i32> {
        let mut id: c_int = 0;
        // SAFETY: allocated device, live namespace, writable `id`.
        unsafe { glue::ovs_rs_netdev_netnsid(net.as_ptr(), self.dev.as_ptr(), &mut id) }
            .then_some(id)
    }

    /// `netdev_get_fwd_headroom()`.
    pub(crate) fn fwd_headroom(self) -> u32 {
        // SAFETY: allocated device.
        unsafe { glue::ovs_rs_netdev_fwd_headroom(self.dev.as_ptr()) }
    }

    /// `netdev_set_rx_headroom()`; `None` resets the device's own.
    pub(crate) fn set_rx_headroom(self, headroom: Option<u32>) {
        let headroom = headroom.map_or(-1, |h| c_int::try_from(h).unwrap_or(c_int::MAX));
        // SAFETY: allocated device; the callee handles devices without a
        // headroom hook.
        unsafe { glue::ovs_rs_netdev_set_rx_headroom(self.dev.as_ptr(), headroom) }
    }
}

impl<'a> NetDevice<'a> {
    /// A reference of the packet path's own to the device (`dev_hold()`).
    pub(crate) fn hold(self) -> DevRef {
        // SAFETY: allocated device (type invariant); the reference is
        // dropped by `DevRef`'s drop.
        unsafe { glue::ovs_rs_dev_hold(self.dev.as_ptr()) };
        DevRef { dev: self.dev }
    }
}

/// A counted reference to a device (`dev_hold()`/`dev_put()`): the
/// device stays allocated while it exists, even once unregistered
/// (transmitting to it then drops the packet).
///
/// # Invariants
///
/// `dev` is a device this value holds one reference to.
pub(crate) struct DevRef {
    dev: NonNull<bindings::net_device>,
}

// SAFETY: a counted device reference may be used and released on any CPU.
unsafe impl Send for DevRef {}
// SAFETY: `&DevRef` only reads through C accessors.
unsafe impl Sync for DevRef {}

impl DevRef {
    pub(crate) fn device(&self) -> NetDevice<'_> {
        // SAFETY: held, so allocated while `self` is (type invariant).
        unsafe { NetDevice::from_raw(self.dev) }
    }

    pub(super) fn as_ptr(&self) -> *mut bindings::net_device {
        self.dev.as_ptr()
    }
}

impl Clone for DevRef {
    fn clone(&self) -> Self {
        self.device().hold()
    }
}

impl Drop for DevRef {
    fn drop(&mut self) {
        // SAFETY: the reference this value holds (type invariant).
        unsafe { glue::ovs_rs_dev_put(self.dev.as_ptr()) }
    }
}

/// What a device built for a port calls its owner for.
pub(crate) trait PortOps: Send + Sync + 'static {
    /// A packet the device delivers: transmitted to an internal device,
    /// or received by a netdev port's rx_handler (`from_netdev`, whose
    /// tunnel metadata counts). Bottom halves are off (the token).
    fn receive(&self, skb: SkBuff, from_netdev: bool, bh: &BhOff) -> Result;
}

/// The C vtable of owner type `T`.
struct PortAdapter<T: PortOps>(PhantomData<T>);

impl<T: PortOps> PortAdapter<T> {
    const OPS: glue::PortOpsRaw = glue::PortOpsRaw {
        receive: Some(Self::receive_callback),
        release: Some(Self::release_callback),
    };

    /// # Safety
    ///
    /// Called by the device only, with the `owner` it was created with
    /// (an `Arc<T>` it holds until `release_callback`), and a packet
    /// whose ownership it gives up, with bottom halves off (internal
    /// transmit under `rcu_read_lock_bh()`, rx_handlers in softirq).
    unsafe extern "C" fn receive_callback(
        owner: *const c_void,
        skb: *mut bindings::sk_buff,
        from_netdev: bool,
    ) -> c_int {
        // SAFETY: the device passes its packet and gives up its ownership.
        let Some(skb) = (unsafe { SkBuff::from_raw(skb) }) else {
            return EINVAL.to_errno();
        };
        // SAFETY: `owner` came from `Arc::into_raw` and the device holds
        // that reference until `release_callback`, which comes only after
        // the device can no longer deliver packets.
        let owner = unsafe { &*owner.cast::<T>() };
        // SAFETY: devices deliver with bottom halves off (above).
        let bh = unsafe { BhOff::assume() };
        match owner.receive(skb, from_netdev, &bh) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Called once per device, when nothing can use `owner` any more.
    unsafe extern "C" fn release_callback(owner: *const c_void) {
        // SAFETY: the reference `with_owner` handed to the device,
        // released exactly once.
        drop(unsafe { Arc::from_raw(owner.cast::<T>()) });
    }
}

/// Calls a C constructor that takes `owner` as its callback owner: on
/// success (non-null) the C object keeps the reference, on failure it set
/// `err` and the reference comes back here and is dropped.
fn with_owner<T: PortOps, R>(
    owner: Arc<T>,
    create: impl FnOnce(*const glue::PortOpsRaw, *const c_void, &mut c_int) -> *mut R,
) -> Result<NonNull<R>> {
    let raw = Arc::into_raw(owner).cast::<c_void>();
    let mut err: c_int = 0;
    match NonNull::new(create(&PortAdapter::<T>::OPS, raw, &mut err)) {
        Some(obj) => Ok(obj),
        None => {
            // SAFETY: the constructor failed, so C kept no copy of `raw`,
            // which came from `Arc::into_raw` just above.
            drop(unsafe { Arc::from_raw(raw.cast::<T>()) });
            to_result(err)?;
            Err(ENOMEM)
        }
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
    /// `net`, whose transmitted packets go to `owner`. `ifindex` 0 lets the
    /// kernel choose. Errors as `register_netdevice()` (EEXIST for a taken
    /// name, EBUSY for a taken ifindex).
    pub(crate) fn create<T: PortOps>(
        net: NetNs<'_>,
        name: &CStr,
        ifindex: i32,
        netns_immutable: bool,
        owner: Arc<T>,
    ) -> Result<Self> {
        let dev = with_owner(owner, |ops, owner, err| {
            // SAFETY: `net` is live (`NetNs` invariant), `name` is a C
            // string, `ops` a promoted constant, `err` writable. On
            // success the device owns `owner`.
            unsafe {
                glue::ovs_rs_internal_dev_create(
                    net.as_ptr(),
                    name.as_char_ptr(),
                    ifindex,
                    netns_immutable,
                    ops,
                    owner,
                    err,
                )
            }
        })?;
        Ok(InternalDev { dev })
    }

    pub(crate) fn device(&self) -> NetDevice<'_> {
        // SAFETY: registered until `self` drops (type invariant).
        unsafe { NetDevice::from_raw(self.dev) }
    }
}

impl Drop for InternalDev {
    fn drop(&mut self) {
        // SAFETY: registered and not destroyed (type invariant); only this
        // drop destroys it.
        unsafe { glue::ovs_rs_internal_dev_destroy(self.dev.as_ptr()) }
    }
}

/// An existing device attached under a master device with an
/// rx_handler that feeds its owner (`vport-netdev.c`). Dropping it
/// detaches the device (unless its unregistration did already) and
/// releases device and owner after an RCU grace period, once no receiver
/// can still see them.
///
/// # Invariants
///
/// `port` came from `ovs_rs_netdev_attach` and is not yet detached; only
/// this value detaches it.
pub(crate) struct AttachedDevice {
    port: NonNull<glue::NetdevPortRaw>,
}

// SAFETY: the glue object is usable from any thread; detaching takes rtnl.
unsafe impl Send for AttachedDevice {}
// SAFETY: `&AttachedDevice` only reads through C accessors.
unsafe impl Sync for AttachedDevice {}

impl AttachedDevice {
    /// Attaches the device `name` of `net` under `master`, feeding
    /// `owner`. Errors as C: ENODEV for no such device (or an alternative
    /// name), EINVAL for loopback, non-Ethernet or internal devices, EBUSY
    /// for a device with a master or rx_handler.
    pub(crate) fn attach<T: PortOps>(
        net: NetNs<'_>,
        name: &CStr,
        master: &InternalDev,
        owner: Arc<T>,
    ) -> Result<Self> {
        let port = with_owner(owner, |ops, owner, err| {
            // SAFETY: live namespace, C string, registered master device,
            // promoted constant `ops`, writable `err`. On success the port
            // owns `owner`.
            unsafe {
                glue::ovs_rs_netdev_attach(
                    net.as_ptr(),
                    name.as_char_ptr(),
                    master.dev.as_ptr(),
                    ops,
                    owner,
                    err,
                )
            }
        })?;
        Ok(AttachedDevice { port })
    }

    pub(crate) fn device(&self) -> NetDevice<'_> {
        // SAFETY: the port holds a reference to its device until released
        // (type invariant).
        let dev = unsafe { glue::ovs_rs_netdev_port_dev(self.port.as_ptr()) };
        // SAFETY: as above; a port always has its device.
        unsafe { NetDevice::from_raw(NonNull::new_unchecked(dev)) }
    }

    /// False once the device's unregistration detached it.
    pub(crate) fn attached(&self) -> bool {
        // SAFETY: valid port (type invariant).
        unsafe { glue::ovs_rs_netdev_attached(self.port.as_ptr()) }
    }
}

impl Drop for AttachedDevice {
    fn drop(&mut self) {
        // SAFETY: attached by `attach`, detached only here (type invariant).
        unsafe { glue::ovs_rs_netdev_detach(self.port.as_ptr()) }
    }
}

/// The bytes of a device name before its NUL.
pub(crate) fn name_bytes(name: &[u8; IFNAMSIZ]) -> &[u8] {
    let end = name.iter().position(|&b| b == 0).unwrap_or(IFNAMSIZ);
    name.get(..end).unwrap_or(&[])
}

/// Who tears down what lives in a dying network namespace.
pub(crate) trait NetExit: Send + Sync + 'static {
    /// `net` is being dismantled; it is alive until this returns, and
    /// every [`NetHandle`] of it must be dropped by then.
    fn net_exit(&self, net: NetNs<'_>);
}

/// What is told when NETDEV_UNREGISTER has detached port devices.
pub(crate) trait DevicesDetached: Send + Sync + 'static {
    /// Process context, from a work item: remove the detached ports.
    fn devices_detached(&self);
}

/// # Safety
///
/// Called by the pernet exit hook only, with the `ctx` of the [`NetHooks`]
/// that registered it (alive until it unregisters, which runs the last
/// call) and a namespace being dismantled, alive until this returns.
unsafe extern "C" fn net_exit_callback<T: NetExit>(ctx: *const c_void, net: *mut bindings::net) {
    // SAFETY: the `Arc<T>` pointer `NetHooks` holds (caller's guarantee).
    let handler = unsafe { &*ctx.cast::<T>() };
    // SAFETY: the namespace is alive until its exit hooks return.
    if let Some(ns) = unsafe { NetNs::from_raw(net) } {
        handler.net_exit(ns);
    }
    // SAFETY: as above; the count lives in the namespace's pernet data.
    let left = unsafe { glue::ovs_rs_net_handles(net) };
    if left != 0 {
        pr_warn!("{} objects still hold a dying network namespace\n", left);
        kernel::warn_on!(true);
    }
}

/// # Safety
///
/// Called by the notifier's work item only, with the `ctx` of the
/// [`NetdevNotifier`] that registered it, which cancels the work before
/// releasing `ctx`.
unsafe extern "C" fn detached_callback<T: DevicesDetached>(ctx: *const c_void) {
    // SAFETY: the `Arc<T>` pointer `NetdevNotifier` holds.
    let handler = unsafe { &*ctx.cast::<T>() };
    handler.devices_detached();
}

/// The rtnl link kind "openvswitch" and the pernet hooks; unregistering
/// runs the exit hook for every namespace, which tears down everything
/// `T` keeps in them.
pub(crate) struct NetHooks<T: NetExit> {
    _handler: Arc<T>,
}

impl<T: NetExit> NetHooks<T> {
    pub(crate) fn register(handler: Arc<T>) -> Result<Self> {
        // SAFETY: the callback matches the context, which `self` keeps
        // alive until after unregistering in the drop below.
        to_result(unsafe {
            glue::ovs_rs_net_register(
                Some(net_exit_callback::<T>),
                Arc::as_ptr(&handler).cast::<c_void>(),
            )
        })
        .inspect_err(|e| {
            if *e == EEXIST {
                pr_err!(
                    "link kind openvswitch is already registered (is openvswitch.ko loaded?)\n"
                );
            }
        })?;
        Ok(NetHooks { _handler: handler })
    }
}

impl<T: NetExit> Drop for NetHooks<T> {
    fn drop(&mut self) {
        // SAFETY: registered by `register`, once; the handler is dropped
        // only after this returns, with every exit hook run.
        unsafe { glue::ovs_rs_net_unregister() }
    }
}

/// The NETDEV_UNREGISTER notifier. Dropping it detaches every netdev port
/// (the kernel replays the unregistrations to a leaving notifier); the
/// ports themselves then go with their owners.
pub(crate) struct NetdevNotifier<T: DevicesDetached> {
    _handler: Arc<T>,
}

impl<T: DevicesDetached> NetdevNotifier<T> {
    pub(crate) fn register(handler: Arc<T>) -> Result<Self> {
        // SAFETY: the callback matches the context, which `self` keeps
        // alive until the drop below has cancelled the work.
        to_result(unsafe {
            glue::ovs_rs_netdev_notifier_register(
                Some(detached_callback::<T>),
                Arc::as_ptr(&handler).cast::<c_void>(),
            )
        })?;
        Ok(NetdevNotifier { _handler: handler })
    }
}

impl<T: DevicesDetached> Drop for NetdevNotifier<T> {
    fn drop(&mut self) {
        // SAFETY: registered by `register`, once; this also cancels the
        // work, so the handler is unused once it returns.
        unsafe { glue::ovs_rs_netdev_notifier_unregister() }
    }
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
