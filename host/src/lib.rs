// SPDX-License-Identifier: GPL-2.0

//! The pure-logic part of openvswitch_rs, built on the host.
//!
//! These are the very source files the kernel module compiles (`#[path]`
//! points into `../src`), so `cargo test` and the fuzz targets exercise the
//! module's own code. Their `#[test]`s run here and, as KUnit suites, in
//! the kernel.

pub mod actions;
#[path = "../../src/bytes.rs"]
pub mod bytes;
#[path = "../../src/ct_limit.rs"]
pub mod ct_limit;
#[path = "../../src/dp_config.rs"]
pub mod dp_config;
#[path = "../../src/fallible.rs"]
pub mod fallible;
#[path = "../../src/flow/mod.rs"]
pub mod flow;
pub mod kapi;
#[path = "../../src/meter.rs"]
pub mod meter;
#[path = "../../src/netlink/mod.rs"]
pub mod netlink;
/// What pure code counts per CPU with, as in the module.
pub mod percpu {
    pub(crate) use crate::kapi::counters::PerCpuCounters;
    pub(crate) use crate::kapi::cpu_slots::CpuSlots;
    #[cfg(test)]
    pub(crate) use crate::kapi::percpu::on_cpu;
    pub(crate) use crate::kapi::seqcount::Snapshot;
    pub(crate) use crate::kapi::skb::BhOff;
}
pub mod rcu;
pub mod slab;
#[path = "../../src/sort.rs"]
pub mod sort;
#[cfg(test)]
#[path = "../../src/test_support.rs"]
pub mod test_support;
#[path = "../../src/uapi.rs"]
pub mod uapi;
#[path = "../../src/vport_table.rs"]
pub mod vport_table;
