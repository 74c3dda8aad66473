// SPDX-License-Identifier: GPL-2.0

//! openvswitch_rs: the Open vSwitch kernel datapath, in Rust.
//!
//! Layout follows `net/openvswitch`: domain modules (datapath, vport,
//! flow, actions, ...) above [`kapi`], safe abstractions of the kernel
//! APIs the kernel crate lacks, which knows nothing of Open vSwitch and is
//! the only place with `unsafe`. [`entry`] wires the kernel's entry points
//! to the domain. Pure logic ([`netlink`], [`flow`], [`uapi`]) compiles on
//! the host too, for `cargo test` and fuzzing.

// Above `kapi`, unsafe code does not compile (`kapi` allows it for
// itself); scripts/lint checks no other module lifts this.
#![deny(unsafe_code)]

use kernel::prelude::*;

#[allow(unsafe_code)]
mod kapi;

mod actions;
mod conntrack;
mod ct_limit_family;
mod ct_limit_view;
mod datapath;
mod entry;
mod flow_family;
mod meter_family;
mod ovs_header;
mod packet;
mod packet_family;
mod upcall;
mod vport;

// Pure logic is `pub` for the host test crate, which builds these files as
// its library; in the module nothing outside the crate sees them.
#[allow(unreachable_pub)]
mod bytes;
#[allow(unreachable_pub)]
mod ct_limit;
#[allow(unreachable_pub)]
mod dp_config;
#[allow(unreachable_pub)]
mod fallible;
// Flow keys, masks, actions and the megaflow table: what the `ovs_flow`
// family is built from. Parts serve only the packet path, still to come.
#[allow(unreachable_pub, dead_code)]
mod flow;
#[allow(unreachable_pub)]
mod meter;
#[allow(unreachable_pub)]
mod netlink;
#[cfg(CONFIG_KUNIT = "y")]
#[allow(unreachable_pub)]
mod test_support;
/// What pure code counts per CPU with (the host simulates the CPUs).
mod percpu {
    pub(crate) use crate::kapi::counters::PerCpuCounters;
    pub(crate) use crate::kapi::cpu_slots::CpuSlots;
    #[cfg(CONFIG_KUNIT = "y")]
    pub(crate) use crate::kapi::percpu::on_cpu;
    pub(crate) use crate::kapi::seqcount::Snapshot;
    pub(crate) use crate::kapi::skb::BhOff;
}
/// Where pure code allocates its many same-sized objects (the host has a
/// stand-in).
mod slab {
    pub(crate) use crate::kapi::slab::{CacheArc, KmemCache};
}
/// What pure code publishes through RCU with (the host has a stand-in).
mod rcu {
    pub(crate) use crate::kapi::rcu::{
        read_lock, wait_for_retired, ChainLink, Found, Guard, RcuBox, RcuCell, RcuChains,
        Remembered,
    };
}
#[allow(unreachable_pub)]
mod sort;
// The UAPI constants are listed whole, used or not yet.
#[allow(unreachable_pub, dead_code)]
mod uapi;
#[allow(unreachable_pub)]
mod vport_table;

module! {
    type: entry::OpenVswitch,
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
    params: {
        flow_cache: bool {
            default: true,
            description: "Per-CPU cache of the flow recent packets found, by the key words the masks cover: a hit skips the mask walk (default on)",
        },
    },
}
