// SPDX-License-Identifier: GPL-2.0

//! The abstraction layer: openvswitch_rs's only door to C.
//!
//! Every `unsafe` block of the module lives below this directory, each with
//! a `// SAFETY:` comment. The datapath code above it is safe Rust.

pub(crate) mod conntrack;
pub(crate) mod counters;
pub(crate) mod cpu_slots;
pub(crate) mod genl;
mod glue;
pub(crate) mod mem;
pub(crate) mod netdev;
pub(crate) mod nlmsg;
pub(crate) mod percpu;
pub(crate) mod rcu;
pub(crate) mod seqcount;
pub(crate) mod skb;
pub(crate) mod slab;
pub(crate) mod time;
pub(crate) mod tunnel_dst;
