// SPDX-License-Identifier: GPL-2.0

//! The `ovs_packet` family: `OVS_PACKET_CMD_EXECUTE`, a packet userspace
//! sends with its key and actions (`ovs_packet_cmd_execute()`).

use kernel::prelude::*;

use crate::actions::Exec;
use crate::conntrack::Templates;
use crate::datapath::Datapaths;
use crate::flow::actions_nl::copy_actions;
use crate::flow::extract::{self, SkbState};
use crate::flow::key::{fields, FlowKey};
use crate::flow::match_nl::get_metadata;
use crate::flow::program::Program;
use crate::flow_family::{compile_error, nlerr, CT};
use crate::kapi::genl::Request;
use crate::kapi::skb::{BhDisabled, SkBuff};
use crate::netlink::attr::Attrs;
use crate::netlink::build::VecSink;
use crate::ovs_header::OvsHeader;
use crate::packet::{self, Cb, Packet};
use crate::uapi::proto::{ETH_P_IP, ETH_P_IPV6};
use crate::uapi::OVSP_LOCAL;
use crate::uapi::{key_attr, packet_attr};

/// `OVS_PACKET_CMD_EXECUTE`.
pub(crate) fn cmd_execute(dps: &Datapaths, req: &Request<'_>) -> Result {
    let log = req.attr(packet_attr::PROBE).is_none();
    let (Some(data), Some(key_attr), Some(acts_attr)) = (
        req.attr(packet_attr::PACKET),
        req.attr(packet_attr::KEY),
        req.attr(packet_attr::ACTIONS),
    ) else {
        req.set_err_msg(c"A packet, its key and its actions are all required");
        return Err(EINVAL);
    };
    // The policy lets longer attributes through (with a warning) and C
    // reads their first bytes.
    let mru = match req.attr(packet_attr::MRU) {
        Some(a) => u16::from_ne_bytes(a.prefix::<2>().map_err(|_| EINVAL)?),
        None => 0,
    };
    let mut skb = SkBuff::from_bytes(data.payload(), mru != 0)?;
    if let Some(a) = req.attr(packet_attr::HASH) {
        skb.set_upcall_hash(u64::from_ne_bytes(a.prefix::<8>().map_err(|_| EINVAL)?));
    }
    let upcall_pid = match req.attr(packet_attr::UPCALL_PID) {
        Some(a) => a.get_u32().map_err(|_| EINVAL)?,
        None => 0,
    };

    // ovs_flow_key_extract_userspace(): metadata from the attributes,
    // the rest from the bytes.
    let mut key = KBox::new(
        get_metadata(key_attr.payload(), CT).map_err(|e| {
            if e.logged() {
                nlerr(log, format_args!("{}", e));
            }
            req.set_err_msg(c"Invalid packet metadata (the kernel log says why)");
            EINVAL
        })?,
        GFP_KERNEL,
    )?;
    let eth_type = key.get_be16(fields::ETH_TYPE);
    let skb_state = SkbState {
        vlan_hwaccel: None,
        l3_protocol: eth_type,
        gso_udp: false,
    };
    let off = extract::key_extract(skb.head(), &skb_state, &mut key).map_err(|_| {
        req.set_err_msg(c"The packet does not parse");
        EINVAL
    })?;
    packet::apply_offsets(&mut skb, &off)?;
    if !ct_orig_fits(key_attr.payload(), &key) {
        return Err(EINVAL);
    }

    let mut sink = VecSink::default();
    copy_actions(&mut sink, acts_attr.payload(), &key, CT).map_err(|e| {
        if e.logged() {
            nlerr(log, format_args!("{}", e));
        }
        req.set_err_msg(c"Invalid actions");
        Error::from_errno(-e.errno())
    })?;
    let mut ct = Templates::new(req.net()?, &key, CT, log);
    let program = Program::compile_with(sink.into_vec(), &mut ct).map_err(compile_error)?;
    skb.set_meta(
        key.get_u32(fields::PHY_PRIORITY),
        key.get_u32(fields::PHY_SKB_MARK),
    );

    let net = req.net()?;
    let dp = {
        let reg = dps.lock();
        let d = reg.find_by_ifindex(net, req.dp_ifindex()).ok_or(ENODEV)?;
        reg.dps.get(d).ok_or(ENODEV)?.shared()
    };
    let guard = crate::kapi::rcu::read_lock();
    let in_port = u32::from(u16::from_ne_bytes(
        key.get(fields::PHY_IN_PORT).try_into().unwrap_or([0, 0]),
    ));
    let input = dp
        .port(&guard, in_port)
        .or_else(|| dp.port(&guard, OVSP_LOCAL))
        .ok_or_else(|| {
            req.set_err_msg(c"The datapath has no such input port");
            ENODEV
        })?;
    skb.set_dev(&input.dev);
    let mut cb = Cb::new(&input.vport);
    cb.mru = mru;
    cb.upcall_pid = upcall_pid;
    let pkt = Packet { skb, cb };
    let bh = BhDisabled::new();
    let mut exec = Exec::new(&dp, &guard, bh.token());
    exec.execute_list(pkt, &program, acts_attr.payload().len(), &mut key)
}

/// The end of `ovs_flow_key_extract_userspace()`: a conntrack original
/// tuple only for a packet of its own protocol (IPv6 and not ND), or the
/// tuple would overlap other fields of the key.
fn ct_orig_fits(key_attrs: &[u8], key: &FlowKey) -> bool {
    let eth_type = key.get_be16(fields::ETH_TYPE);
    Attrs::new(key_attrs).all(|a| match a.kind() {
        key_attr::CT_ORIG_TUPLE_IPV4 => eth_type == ETH_P_IP,
        key_attr::CT_ORIG_TUPLE_IPV6 => eth_type == ETH_P_IPV6 && !extract::is_nd(key),
        _ => true,
    })
}
