// SPDX-License-Identifier: GPL-2.0

//! The module's flow key/mask codecs on request bytes, for the A/B test
//! against openvswitch.ko (tests/vm/test_flow_codec.sh).
//!
//! Reads lines `NAME KEY_HEX MASK_HEX` (`-` for no mask) and prints, per
//! line, `NAME OK KEY_ATTR_HEX MASK_ATTR_HEX` (the OVS_FLOW_ATTR_KEY and
//! OVS_FLOW_ATTR_MASK attributes C's reply to that OVS_FLOW_CMD_NEW would
//! carry for a flow without UFID) or `NAME ERR EINVAL text`.

use std::io::{self, BufRead, Write};

use openvswitch_rs_host::flow::key_put::put_key;
use openvswitch_rs_host::flow::match_nl::{get_match, CtSupport};
use openvswitch_rs_host::netlink::build::SliceSink;

const OVS_FLOW_ATTR_KEY: u16 = 1;
const OVS_FLOW_ATTR_MASK: u16 = 7;

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{:02x}", x)).collect()
}

fn main() {
    // openvswitch.ko of the test kernel has conntrack with zones, marks
    // and labels.
    let ct = CtSupport {
        state: true,
        zone: true,
        mark: true,
        labels: true,
    };
    let stdin = io::stdin();
    let mut out = io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line.expect("stdin");
        let mut parts = line.split_whitespace();
        let (Some(name), Some(key), Some(mask)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let key = unhex(key).expect("key hex");
        let mask = if mask == "-" {
            None
        } else {
            Some(unhex(mask).expect("mask hex"))
        };
        match get_match(&key, mask.as_deref(), true, ct) {
            Ok(m) => {
                let masked = m.key.masked(&m.mask, m.mask_range);
                let mut kbuf = [0u8; 2048];
                let mut ksink = SliceSink::new(&mut kbuf);
                put_key(&mut ksink, &m.key, &m.key, OVS_FLOW_ATTR_KEY, false, ct).expect("room");
                let mut mbuf = [0u8; 2048];
                let mut msink = SliceSink::new(&mut mbuf);
                put_key(&mut msink, &masked, &m.mask, OVS_FLOW_ATTR_MASK, true, ct).expect("room");
                writeln!(
                    out,
                    "{} OK {} {}",
                    name,
                    hex(ksink.bytes()),
                    hex(msink.bytes())
                )
            }
            Err(e) => writeln!(out, "{} ERR EINVAL {}", name, e),
        }
        .expect("stdout");
    }
}
