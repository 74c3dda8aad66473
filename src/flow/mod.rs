// SPDX-License-Identifier: GPL-2.0

//! Flows: the key a packet is matched on, masks, and (to come) the
//! megaflow table and the `ovs_flow` family.

pub mod actions_nl;
pub mod ct_nl;
pub mod exthdr;
pub mod extract;
pub mod key;
pub mod key_attrs;
pub mod key_put;
pub mod match_nl;
mod nsh_nl;
pub mod program;
pub mod table;
mod tunnel_nl;
