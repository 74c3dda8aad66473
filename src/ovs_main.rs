// SPDX-License-Identifier: GPL-2.0

//! openvswitch_rs: the Open vSwitch kernel datapath, in Rust.
//!
//! Layout follows `net/openvswitch`: domain modules (datapath, vport,
//! flow, actions, ...) above a small abstraction layer, [`kapi`], which is
//! the only place with `unsafe`. Pure logic ([`netlink`], [`uapi`])
//! compiles on the host too, for `cargo test` and fuzzing.

use kernel::prelude::*;

mod actions;
mod datapath;
mod flow_family;
mod kapi;
mod packet;
mod packet_family;
mod upcall;
mod vport;

// Pure logic is `pub` for the host test crate, which builds these files as
// its library; in the module nothing outside the crate sees them.
#[allow(unreachable_pub)]
mod bytes;
#[allow(unreachable_pub)]
mod dp_config;
#[allow(unreachable_pub)]
mod fallible;
// Flow keys, masks, actions and the megaflow table: what the `ovs_flow`
// family is built from. Parts serve only the packet path, still to come.
#[allow(unreachable_pub, dead_code)]
mod flow;
#[allow(unreachable_pub)]
mod netlink;
#[cfg(CONFIG_KUNIT = "y")]
#[allow(unreachable_pub)]
mod test_support;
/// What pure code publishes through RCU with (the host has a stand-in).
mod rcu {
    pub(crate) use crate::kapi::rcu::{read_lock, Guard, RcuBox, RcuCell};
}
// The UAPI constants are listed whole, used or not yet.
#[allow(unreachable_pub, dead_code)]
mod uapi;
#[allow(unreachable_pub)]
mod vport_table;

module! {
    type: OpenVswitch,
    name: "openvswitch_rs",
    authors: ["openvswitch_rs developers"],
    description: "Open vSwitch switching datapath, in Rust",
    license: "GPL",
    alias: [
        "net-pf-16-proto-16-family-ovs_datapath",
        "net-pf-16-proto-16-family-ovs_vport",
        "net-pf-16-proto-16-family-ovs_flow",
        "net-pf-16-proto-16-family-ovs_packet",
        "net-pf-16-proto-16-family-ovs_meter",
        "net-pf-16-proto-16-family-ovs_ct_limit",
    ],
}

struct OpenVswitch {
    // Held for their `Drop`, which runs in field order: first no more
    // requests, then no more mask rebalancing, then no more device events
    // (every netdev port detached), then every namespace's datapaths are
    // destroyed.
    _families: KVec<kapi::genl::Registration>,
    _masks_rebalance: kapi::time::MasksRebalance,
    _netdev_notifier: kapi::netdev::NetdevNotifier,
    _net_hooks: kapi::netdev::NetHooks,
    _registry: datapath::RegistryRelease,
    // Last: no packet runs actions any more.
    _deps: kapi::skb::Deps,
    _drop_reasons: kapi::skb::DropReasons,
}

impl kernel::Module for OpenVswitch {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        kapi::lock::init();
        let registry = datapath::RegistryRelease::new();
        let drop_reasons = kapi::skb::DropReasons::register();
        let deps = kapi::skb::Deps::acquire();
        let net_hooks = kapi::netdev::NetHooks::register()?;
        let netdev_notifier = kapi::netdev::NetdevNotifier::register()?;
        let masks_rebalance = kapi::time::MasksRebalance::start();
        let families = kapi::genl::register_families()?;
        pr_info!(
            "Open vSwitch switching datapath ({} genetlink families)\n",
            families.len()
        );
        Ok(OpenVswitch {
            _families: families,
            _masks_rebalance: masks_rebalance,
            _netdev_notifier: netdev_notifier,
            _net_hooks: net_hooks,
            _registry: registry,
            _deps: deps,
            _drop_reasons: drop_reasons,
        })
    }
}
