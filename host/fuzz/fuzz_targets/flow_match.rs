// SPDX-License-Identifier: GPL-2.0

//! Fuzzes `ovs_nla_get_match()` (src/flow/match_nl.rs): arbitrary key and
//! mask streams, with and without conntrack. Never a panic; an accepted
//! match keeps its key and mask inside their ranges.

#![no_main]

use libfuzzer_sys::fuzz_target;
use openvswitch_rs_host::flow::key::FlowKey;
use openvswitch_rs_host::flow::key_put::put_key;
use openvswitch_rs_host::flow::match_nl::{get_match, CtSupport};
use openvswitch_rs_host::netlink::attr::Attrs;
use openvswitch_rs_host::netlink::build::SliceSink;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let (key, mask) = rest.split_at(usize::from(ctl & 0x7f).min(rest.len()));
    let ct = CtSupport {
        state: ctl & 0x80 != 0,
        zone: ctl & 0x80 != 0,
        mark: ctl & 0x80 != 0,
        labels: false,
        nat: false,
        timeout: false,
    };
    for (mask, want_mask) in [(None, true), (Some(mask), true), (None, false)] {
        if let Ok(m) = get_match(key, mask, want_mask, ct) {
            // Nothing was written outside the ranges.
            assert_eq!(m.key.masked(&ones(), m.range), m.key);
            assert_eq!(m.mask.masked(&ones(), m.mask_range), m.mask);
            assert!(m.range.start % 8 == 0 && m.range.end % 8 == 0);
            // Writing it back never fails for want of room in a reply's
            // worth of buffer, and gives one well-formed nest.
            let masked = m.key.masked(&m.mask, m.mask_range);
            for (output, is_mask) in [(&masked, false), (&m.mask, true)] {
                let mut buf = [0u8; 1024];
                let mut sink = SliceSink::new(&mut buf);
                put_key(&mut sink, &masked, output, 2, is_mask, ct).expect("fits");
                let mut it = Attrs::new(sink.bytes());
                assert!(it.next().is_some());
                assert!(it.next().is_none());
                assert_eq!(it.remaining(), 0);
            }
        }
    }
});

fn ones() -> FlowKey {
    let mut k = FlowKey::default();
    k.set(
        openvswitch_rs_host::flow::key::Span {
            offset: 0,
            len: openvswitch_rs_host::flow::key::KEY_BYTES,
        },
        &[0xff; openvswitch_rs_host::flow::key::KEY_BYTES],
    );
    k
}
