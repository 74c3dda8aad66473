// SPDX-License-Identifier: GPL-2.0

//! Fuzzes the module's netlink attribute walker and the datapath
//! configuration parsers on arbitrary bytes: they must never panic, never
//! read outside the input, and keep C's `rem` bookkeeping consistent.

#![no_main]

use libfuzzer_sys::fuzz_target;
use openvswitch_rs_host::dp_config;
use openvswitch_rs_host::netlink::attr::{nla_align, Attrs, NLA_HDRLEN};

/// Walks a stream and every nested stream in it, checking invariants.
fn walk(bytes: &[u8], depth: u32) {
    let mut it = Attrs::new(bytes);
    let mut consumed: usize = 0;
    while let Some(attr) = it.next() {
        let payload = attr.payload();
        // The payload lies inside the input, right after its header.
        let start = payload.as_ptr() as usize - bytes.as_ptr() as usize;
        assert_eq!(start, consumed + NLA_HDRLEN);
        assert!(start + payload.len() <= bytes.len());
        consumed += nla_align(NLA_HDRLEN + payload.len());
        // Typed reads either succeed on the right length or refuse.
        assert_eq!(attr.u32().is_ok(), payload.len() == 4);
        assert_eq!(attr.get_u32().is_ok(), payload.len() >= 4);
        let _ = (
            attr.u8(),
            attr.u16(),
            attr.u64(),
            attr.be16(),
            attr.be32(),
            attr.get_s32(),
        );
        let _ = dp_config::port_ids(payload).map(|ids| ids.count());
        if depth < 8 {
            walk(payload, depth + 1);
        }
    }
    // C's rem: what is left after the last whole attribute, negative when
    // its padding ran past the end.
    assert_eq!(it.remaining(), bytes.len() as isize - consumed as isize);
}

fuzz_target!(|data: &[u8]| {
    walk(data, 0);
    if let [a, b, c, d, e, f, g, h, ..] = *data {
        let x = u32::from_ne_bytes([a, b, c, d]);
        let y = u32::from_ne_bytes([e, f, g, h]);
        let _ = dp_config::check_user_features(x, y & 1 == 0);
        let _ = dp_config::check_masks_cache_size(x, y);
    }
});
