// SPDX-License-Identifier: GPL-2.0

//! Fuzzes the flow key/mask stream splitter (`__parse_flow_nlattrs()`):
//! a key stream, then a mask stream into the same table, as C parses
//! them. Never a panic; what is recorded is what the checks allowed.

#![no_main]

use libfuzzer_sys::fuzz_target;
use openvswitch_rs_host::flow::key_attrs::{key_len, KeyAttrs, KeyLen};
use openvswitch_rs_host::uapi::OVS_KEY_ATTR_MAX;

fuzz_target!(|data: &[u8]| {
    // The first byte splits the input into a key and a mask stream.
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let (key, mask) = rest.split_at(usize::from(split).min(rest.len()));
    let mut a = KeyAttrs::default();
    let key_ok = a.parse(key, false).is_ok();
    let key_present = a.present();
    if key_ok {
        a.consume(1); // as an ENCAP level would
        let _ = a.parse(mask, true);
    }
    // Every recorded type is in range and has a payload its table entry
    // allows.
    for kind in 0..=OVS_KEY_ATTR_MAX {
        if a.has(kind) || key_present & (1 << kind) != 0 {
            let attr = a.get(kind).expect("a recorded type has its attribute");
            if let KeyLen::Fixed(n) = key_len(kind) {
                assert_eq!(attr.payload().len(), n);
            }
        }
    }
    assert_eq!(a.present() >> (OVS_KEY_ATTR_MAX + 1), 0);
});
