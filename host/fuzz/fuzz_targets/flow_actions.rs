// SPDX-License-Identifier: GPL-2.0

//! Fuzzes action-list validation (`ovs_nla_copy_actions()`,
//! src/flow/actions_nl.rs) on arbitrary lists, for keys of a few kinds.
//! Never a panic; an accepted list is written back as a well-formed
//! attribute stream, which compiles into the executor's form
//! (src/flow/program.rs: compiling a validated list never fails but for
//! memory, and a span outside the list panics here).

#![no_main]

use libfuzzer_sys::fuzz_target;
use openvswitch_rs_host::flow::actions_nl::copy_actions;
use openvswitch_rs_host::flow::ct_nl::{CtAction, Family};
use openvswitch_rs_host::flow::key::{fields, FlowKey};
use openvswitch_rs_host::flow::match_nl::CtSupport;
use openvswitch_rs_host::flow::program::{CompileError, CtTemplates, Program};
use openvswitch_rs_host::kapi::conntrack::ZoneTemplate;
use openvswitch_rs_host::netlink::attr::Attrs;
use openvswitch_rs_host::netlink::build::SliceSink;

const CT: CtSupport = CtSupport::ALL;

/// Templates as the host stands them in.
struct Templates(Option<Family>);

impl CtTemplates for Templates {
    fn family(&self) -> Option<Family> {
        self.0
    }
    fn support(&self) -> CtSupport {
        CT
    }
    fn template(&mut self, ct: &CtAction, _: Family) -> Result<ZoneTemplate, CompileError> {
        Ok(ZoneTemplate {
            zone: ct.zone,
            ..ZoneTemplate::default()
        })
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, list)) = data.split_first() else {
        return;
    };
    let mut key = FlowKey::default();
    let (mac_proto, eth_type) = match kind % 4 {
        0 => (1, 0x0800),
        1 => (1, 0x8847),
        2 => (1, 0x894f),
        _ => (0, 0x86dd),
    };
    key.set_u8(fields::MAC_PROTO, mac_proto);
    key.set_be16(fields::ETH_TYPE, eth_type);
    key.set_u32(fields::MPLS_NUM_LABELS_MASK, u32::from(kind >> 6));
    key.set(fields::NSH_BASE, &[0, 0, 1, kind >> 4 & 7, 0, 0, 0, 0]);
    let mut out = vec![0u8; 1 << 17];
    let mut sink = SliceSink::new(&mut out);
    if copy_actions(&mut sink, list, &key, CT).is_ok() {
        let mut it = Attrs::new(sink.bytes());
        for _ in it.by_ref() {}
        assert_eq!(it.remaining(), 0);
        let program =
            Program::compile_with(sink.bytes().to_vec(), &mut Templates(Family::of(&key)))
                .expect("a validated list compiles");
        assert!(program.list_bytes(program.top()) == sink.bytes());
    }
});
