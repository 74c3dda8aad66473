// SPDX-License-Identifier: GPL-2.0

//! Upcalls: packets sent to userspace as `OVS_PACKET_CMD_MISS` (no flow)
//! or `OVS_PACKET_CMD_ACTION` (a userspace action), as `ovs_dp_upcall()`
//! and `queue_userspace_packet()` build them.

use kernel::prelude::*;

use crate::datapath::DpShared;
use crate::dp_config::{nla_total_size, nla_total_size_64bit};
use crate::flow::key::{fields, FlowKey};
use crate::flow::key_put::{key_attr_size, put_key, put_tunnel};
use crate::flow_family::CT;
use crate::kapi::genl::Family;
use crate::kapi::nlmsg::Msg;
use crate::kapi::rcu::Guard;
use crate::kapi::skb::{self, BhOff, SkBuff};
use crate::kapi::time;
use crate::netlink::attr::nla_align;
use crate::ovs_header::ovs_header;
use crate::packet::Packet;
use crate::uapi::{self, packet_attr};
use crate::uapi::{OVS_DP_F_DISPATCH_UPCALL_PER_CPU, OVS_DP_F_UNALIGNED, OVS_FRAG_TYPE_LATER};

/// `struct dp_upcall_info`.
pub(crate) struct UpcallInfo<'a> {
    pub(crate) cmd: u8,
    /// 0: nobody listens, the upcall fails with `ENOTCONN`.
    pub(crate) portid: u32,
    /// `OVS_USERSPACE_ATTR_USERDATA`'s payload.
    pub(crate) userdata: Option<&'a [u8]>,
    /// The action list the userspace action sits in (reply form).
    pub(crate) actions: Option<&'a [u8]>,
    pub(crate) mru: u16,
    /// `egress_tun_info`: a key holding the tunnel fields, as
    /// [`put_tunnel`] writes them.
    pub(crate) egress: Option<&'a EgressTunnel>,
}

/// An upcall's egress tunnel: the tunnel fields of a key.
pub(crate) struct EgressTunnel {
    pub(crate) key: FlowKey,
    pub(crate) bridge: bool,
}

/// `ovs_tun_key_attr_size()`.
fn tun_key_attr_size() -> usize {
    nla_total_size_64bit(8) // ID
        + nla_total_size(16) // IPV[46]_SRC
        + nla_total_size(16) // IPV[46]_DST
        + nla_total_size(1) // TOS
        + nla_total_size(1) // TTL
        + nla_total_size(0) // DONT_FRAGMENT
        + nla_total_size(0) // CSUM
        + nla_total_size(0) // OAM
        + nla_total_size(256) // GENEVE_OPTS
        + nla_total_size(2) // TP_SRC
        + nla_total_size(2) // TP_DST
}

/// The port a miss goes to without a per-CPU table
/// (`ovs_vport_find_upcall_portid()`), or this CPU's
/// (`ovs_dp_get_upcall_portid()`).
pub(crate) fn miss_portid(dp: &DpShared, guard: &Guard, bh: &BhOff, pkt: &mut Packet<'_>) -> u32 {
    if dp.user_features() & OVS_DP_F_DISPATCH_UPCALL_PER_CPU != 0 {
        return cpu_portid(dp, guard, bh);
    }
    let Some(ids) = pkt.cb.input.upcall_portids(guard) else {
        return 0;
    };
    if let [only] = ids {
        return *only;
    }
    // C's reciprocal_divide() gives hash % n.
    let hash = pkt.skb.hash();
    hash.checked_rem(ids.len() as u32)
        .and_then(|i| ids.get(i as usize))
        .copied()
        .unwrap_or(0)
}

/// `ovs_dp_get_upcall_portid()` for this CPU.
pub(crate) fn cpu_portid(dp: &DpShared, guard: &Guard, bh: &BhOff) -> u32 {
    let cpu = skb::this_cpu(bh);
    let Some(ids) = dp.per_cpu_pids(guard) else {
        return 0;
    };
    if let Some(id) = ids.get(cpu as usize) {
        return *id;
    }
    let Some(i) = cpu.checked_rem(ids.len() as u32) else {
        return 0;
    };
    if time::net_ratelimit() {
        pr_info!("cpu_id mismatch with handler threads");
    }
    ids.get(i as usize).copied().unwrap_or(0)
}

/// `ovs_dp_upcall()`: queues the packet (each segment of a GSO packet)
/// to userspace; a failure counts as lost. `cutlen` truncates the copy.
pub(crate) fn send(
    dp: &DpShared,
    bh: &BhOff,
    pkt: &mut Packet<'_>,
    key: &FlowKey,
    info: &UpcallInfo<'_>,
    cutlen: u32,
) -> Result {
    let result = if info.portid == 0 {
        Err(ENOTCONN)
    } else {
        let result = if pkt.skb.state().gso {
            queue_gso(dp, pkt, key, info, cutlen)
        } else {
            queue(dp, &mut pkt.skb, pkt.cb.acts_origlen, key, info, cutlen)
        };
        if info.cmd == uapi::packet_cmd::MISS || info.cmd == uapi::packet_cmd::ACTION {
            pkt.cb.input.count_upcall(bh, result.is_ok());
        }
        result
    };
    if result.is_err() {
        dp.count_lost(bh);
    }
    result
}

/// `queue_gso_packets()`; out of line, for its key copy.
#[inline(never)]
fn queue_gso(
    dp: &DpShared,
    pkt: &mut Packet<'_>,
    key: &FlowKey,
    info: &UpcallInfo<'_>,
    cutlen: u32,
) -> Result {
    let udp = pkt.skb.state().gso_udp;
    let mut later = FlowKey::default();
    if udp {
        later = key.clone();
        later.set_u8(fields::IP_FRAG, OVS_FRAG_TYPE_LATER);
    }
    let segs = pkt.skb.gso_segments()?;
    let mut result = Ok(());
    for (i, mut seg) in segs.enumerate() {
        if result.is_err() {
            drop(seg);
            continue;
        }
        let k = if udp && i > 0 { &later } else { key };
        result = queue(dp, &mut seg, pkt.cb.acts_origlen, k, info, cutlen);
        if result.is_ok() {
            seg.consume();
        }
    }
    result
}

/// `upcall_msg_size()`.
fn msg_size(info: &UpcallInfo<'_>, hlen: usize, acts_origlen: usize) -> usize {
    let mut size = nla_align(uapi::OVS_HEADER_SIZE)
        + nla_total_size(hlen)
        + nla_total_size(key_attr_size())
        + nla_total_size(4)
        + nla_total_size(8);
    if let Some(u) = info.userdata {
        size += nla_align(u.len() + 4);
    }
    if info.egress.is_some() {
        size += nla_total_size(tun_key_attr_size());
    }
    if info.actions.is_some() {
        size += nla_total_size(acts_origlen);
    }
    if info.mru != 0 {
        size += nla_total_size(2);
    }
    size
}

/// `queue_userspace_packet()`.
fn queue(
    dp: &DpShared,
    skb: &mut SkBuff,
    acts_origlen: usize,
    key: &FlowKey,
    info: &UpcallInfo<'_>,
    cutlen: u32,
) -> Result {
    let dp_ifindex = dp.ifindex();
    if dp_ifindex == 0 {
        return Err(ENODEV);
    }
    let prepared = skb.for_upcall()?;
    let result = queue_prepared(
        dp,
        prepared.skb(),
        dp_ifindex,
        acts_origlen,
        key,
        info,
        cutlen,
    );
    prepared.finish();
    result
}

fn queue_prepared(
    dp: &DpShared,
    skb: &SkBuff,
    dp_ifindex: i32,
    acts_origlen: usize,
    key: &FlowKey,
    info: &UpcallInfo<'_>,
    cutlen: u32,
) -> Result {
    let len = skb.len();
    let skb_len = len.min(cutlen as usize);
    if skb_len + 4 > usize::from(u16::MAX) {
        return Err(EFBIG);
    }
    let unaligned = dp.user_features() & OVS_DP_F_UNALIGNED != 0;
    let hlen = if unaligned {
        skb::zerocopy_headlen(skb).min(cutlen as usize)
    } else {
        skb_len
    };
    let family = Family::get(uapi::FAMILY_PACKET).ok_or(ENOENT)?;
    let mut msg = Msg::new_atomic(msg_size(info, hlen, acts_origlen))?;
    msg.put_header(&family, 0, 0, 0, info.cmd, &ovs_header(dp_ifindex))
        .map_err(|_| EINVAL)?;
    put_key(&mut *msg, key, key, packet_attr::KEY, false, CT).map_err(|_| EMSGSIZE)?;
    if let Some(u) = info.userdata {
        msg.put_bytes(packet_attr::USERDATA, u)?;
    }
    if let Some(e) = info.egress {
        let nest = msg.nest_start(packet_attr::EGRESS_TUN_KEY)?;
        put_tunnel(
            &mut *msg,
            &e.key,
            e.key.get_u8(fields::TUN_PROTO),
            e.key.get_u8(fields::TUN_OPTS_LEN),
            e.bridge,
        )
        .map_err(|_| EMSGSIZE)?;
        msg.nest_end(nest)?;
    }
    if let Some(acts) = info.actions {
        // C cancels the nest when the actions do not fit; they always
        // do here, the message was sized for them.
        msg.put_bytes(packet_attr::ACTIONS, acts)?;
    }
    if info.mru != 0 {
        msg.put_bytes(packet_attr::MRU, &info.mru.to_ne_bytes())
            .map_err(|_| ENOBUFS)?;
    }
    if skb_len < len {
        msg.put_u32(packet_attr::LEN, len as u32)
            .map_err(|_| ENOBUFS)?;
    }
    msg.put_bytes(packet_attr::HASH, &skb.upcall_hash().to_ne_bytes())
        .map_err(|_| ENOBUFS)?;
    msg.put_packet(skb, skb_len, hlen, unaligned)?;
    msg.unicast(dp.net.get(), info.portid)
}
