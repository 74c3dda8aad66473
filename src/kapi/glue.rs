// SPDX-License-Identifier: GPL-2.0

//! The functions and structs of `include/ovs_rs_glue.h`, as bindgen
//! generates them from the header at build time (`Kbuild`): nothing here is
//! written by hand, so a prototype cannot drift from C's.
//!
//! Kernel types the header names (`sk_buff`, `net_device`, `u32`, ...) are
//! `kernel::bindings`' own. bindgen's layout checks of the header's structs
//! are `const` items, so a size, alignment or offset that differs from
//! libclang's reading of the header does not compile; the header's
//! `static_assert`s tie GCC's reading, which builds the C glue, to the same
//! numbers.

#[allow(
    // C's names (`ovs_rs_skb_state`, `ovs_rs_family_index_OVS_RS_FAMILY_FLOW`).
    non_camel_case_types,
    non_upper_case_globals,
    // The whole header is declared, including what Rust does not use.
    dead_code,
    // bindgen writes `pub`; the re-export below narrows it to `src/kapi`.
    unreachable_pub,
    // Only pointers to `genl_family`, `genl_info`, ... cross; the lint
    // objects to a zero-sized member deep inside them, which no call passes
    // by value.
    improper_ctypes,
    // bindgen's `Default` for structs of kernel integer typedefs zero-fills
    // them in an `unsafe` block; all-zero is a valid value of each.
    clippy::undocumented_unsafe_blocks
)]
mod generated {
    use kernel::bindings::*;

    include!(env!("OVS_RS_GLUE_GENERATED"));
}

pub(super) use generated::*;

// The names the rest of `src/kapi` uses for the header's structs.
pub(super) use generated::{
    ovs_rs_genl_handler as GenlHandlerRaw, ovs_rs_netdev_port as NetdevPortRaw,
    ovs_rs_port_ops as PortOpsRaw, ovs_rs_skb_headers as HeadersRaw,
    ovs_rs_skb_state as SkStateRaw,
};
