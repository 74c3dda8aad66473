// SPDX-License-Identifier: GPL-2.0

//! The module's flow codecs on request bytes, for the A/B test against
//! openvswitch.ko (tests/vm/test_flow_codec.sh).
//!
//! Reads lines `NAME KEY_HEX MASK_HEX ACTIONS_HEX` (`-` for no mask, or
//! for an empty action list) and prints, per line, `NAME OK KEY MASK
//! ACTIONS` (the hex of the OVS_FLOW_ATTR_KEY, _MASK and _ACTIONS
//! attributes C's reply to that OVS_FLOW_CMD_NEW would carry for a flow
//! without UFID) or `NAME ERR ERRNO text`.

use std::io::{self, BufRead, Write};

use openvswitch_rs_host::flow::actions_nl::{copy_actions, ActionError};
use openvswitch_rs_host::flow::key_put::put_key;
use openvswitch_rs_host::flow::match_nl::{get_match, CtSupport};
use openvswitch_rs_host::netlink::build::{AttrSink, SliceSink};

const OVS_FLOW_ATTR_KEY: u16 = 1;
const OVS_FLOW_ATTR_ACTIONS: u16 = 2;
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

fn errno_name(e: i32) -> String {
    match e {
        22 => "EINVAL".into(),
        34 => "ERANGE".into(),
        75 => "EOVERFLOW".into(),
        90 => "EMSGSIZE".into(),
        95 => "EOPNOTSUPP".into(),
        _ => e.to_string(),
    }
}

/// One request: the reply's three attributes, or the errno and why.
fn answer(key: &[u8], mask: Option<&[u8]>, acts: &[u8], ct: CtSupport) -> String {
    let m = match get_match(key, mask, true, ct) {
        Ok(m) => m,
        Err(e) => return format!("ERR EINVAL {}", e),
    };
    let masked = m.key.masked(&m.mask, m.mask_range);
    let mut abuf = vec![0u8; 1 << 20];
    let mut asink = SliceSink::new(&mut abuf);
    let copied = (|| -> Result<(), ActionError> {
        let nest = asink.nest_start(OVS_FLOW_ATTR_ACTIONS)?;
        copy_actions(&mut asink, acts, &masked, ct)?;
        Ok(asink.nest_end(nest)?)
    })();
    if let Err(e) = copied {
        return format!("ERR {} {:?}", errno_name(e.errno()), e);
    }
    let mut kbuf = [0u8; 2048];
    let mut ksink = SliceSink::new(&mut kbuf);
    put_key(&mut ksink, &m.key, &m.key, OVS_FLOW_ATTR_KEY, false, ct).expect("room");
    let mut mbuf = [0u8; 2048];
    let mut msink = SliceSink::new(&mut mbuf);
    put_key(&mut msink, &masked, &m.mask, OVS_FLOW_ATTR_MASK, true, ct).expect("room");
    format!(
        "OK {} {} {}",
        hex(ksink.bytes()),
        hex(msink.bytes()),
        hex(asink.bytes())
    )
}

fn main() {
    // openvswitch.ko of the test kernel has conntrack with zones, marks
    // and labels.
    let ct = CtSupport::ALL;
    let stdin = io::stdin();
    let mut out = io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line.expect("stdin");
        let f: Vec<&str> = line.split_whitespace().collect();
        let [name, key, mask, acts] = f[..] else {
            continue;
        };
        let key = unhex(key).expect("key hex");
        let mask = (mask != "-").then(|| unhex(mask).expect("mask hex"));
        let acts = if acts == "-" {
            Vec::new()
        } else {
            unhex(acts).expect("actions hex")
        };
        writeln!(out, "{} {}", name, answer(&key, mask.as_deref(), &acts, ct)).expect("stdout");
    }
}
