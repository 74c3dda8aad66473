// SPDX-License-Identifier: GPL-2.0

//! `crate::actions` as the module has it (src/actions/mod.rs itself is
//! the kernel executor): only its pure parts.

#[path = "../../src/actions/edit.rs"]
pub mod edit;
