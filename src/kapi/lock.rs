// SPDX-License-Identifier: GPL-2.0

//! `ovs_mutex`: the one lock that serialises datapath configuration.
//!
//! Netlink commands and namespace teardown change datapaths only while
//! holding it; it is taken before rtnl, never after.

// The macro's expansion names `Pin` unqualified.
use core::pin::Pin;

use crate::datapath::Registry;

kernel::sync::global_lock! {
    // SAFETY: `init` is called from module init, before the netlink
    // families or the namespace hooks that lock it are registered.
    pub(crate) unsafe(uninit) static OVS_MUTEX: Mutex<Registry> = Registry::new();
}

/// Initialises [`OVS_MUTEX`]. Module init calls it once, first.
pub(crate) fn init() {
    // SAFETY: called once per module load, before any user of the lock.
    unsafe { OVS_MUTEX.init() };
}
