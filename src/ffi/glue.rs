// SPDX-License-Identifier: GPL-2.0

//! Prototypes of `include/ovs_rs_glue.h`, implemented by the C glue in
//! `src/glue/`. Keep them in step with the header.

use kernel::{bindings, ffi::c_uint};

// Only pointers to `genl_family` cross here; the lint objects to a
// zero-sized member deep inside the struct, which no call passes by value.
#[allow(improper_ctypes)]
extern "C" {
    /// The static family at `index` (`enum ovs_rs_family_index`), or null
    /// where this kernel lacks what the family needs.
    pub(super) fn ovs_rs_genl_family(index: c_uint) -> *mut bindings::genl_family;
}
