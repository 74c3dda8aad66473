// SPDX-License-Identifier: GPL-2.0

//! Netlink encoding, as pure logic over byte slices.
//!
//! Nothing here touches kernel types, so it compiles in the host test
//! crate too and can be fuzzed there.

pub mod attr;
pub mod build;
