// SPDX-License-Identifier: GPL-2.0

//! A packet in the datapath: its `sk_buff` with what C keeps in
//! `OVS_CB(skb)`, the flow lookup (`ovs_dp_process_packet()`), and the
//! entry from a port (`ovs_vport_receive()`).

use kernel::prelude::*;

use crate::actions::Exec;
use crate::datapath::DpShared;
use crate::flow::extract::{self, MacProto, Offsets, PacketMeta, SkbState, VlanTag};
use crate::flow::key::{fields, FlowKey};
use crate::kapi::rcu::Guard;
use crate::kapi::skb::{BhOff, Headers, SkBuff, SkState};
use crate::kapi::time;
use crate::upcall::{self, UpcallInfo};
use crate::vport::Vport;

/// How much of a GSO packet is brought into the linear head for key
/// extraction: its payload is not copied, and its headers are the plain
/// ones GSO handles (headers past it would read as truncated; C would
/// pull further). Other packets are made linear whole, so their key is
/// exactly C's however deep their headers go.
pub(crate) const HEAD_PULL: usize = 2048;

/// Brings the packet's headers into the linear head (see [`HEAD_PULL`]).
fn pull_headers(skb: &mut SkBuff) -> Result {
    if skb.state().gso {
        skb.pull(HEAD_PULL)
    } else {
        skb.pull(skb.len())
    }
}

/// `struct ovs_skb_cb`: per-packet state the datapath carries.
#[derive(Clone, Copy)]
pub(crate) struct Cb<'a> {
    pub(crate) input: &'a Vport,
    /// Maximum received fragment size, 0 for none.
    pub(crate) mru: u16,
    /// Truncation for the next output (`u32::MAX`: none).
    pub(crate) cutlen: u32,
    /// Sampling probability of the enclosing sample action.
    pub(crate) probability: u32,
    /// `OVS_PACKET_ATTR_UPCALL_PID` of an executed packet, 0 for none.
    pub(crate) upcall_pid: u32,
    /// The length of the action list userspace gave (sizes upcalls).
    pub(crate) acts_origlen: usize,
}

impl<'a> Cb<'a> {
    pub(crate) fn new(input: &'a Vport) -> Self {
        Cb {
            input,
            mru: 0,
            cutlen: u32::MAX,
            probability: 0,
            upcall_pid: 0,
            acts_origlen: 0,
        }
    }
}

/// A packet and its datapath state.
pub(crate) struct Packet<'a> {
    pub(crate) skb: SkBuff,
    pub(crate) cb: Cb<'a>,
}

impl<'a> Packet<'a> {
    /// A clone sharing the data (`skb_clone()`, which copies the cb).
    pub(crate) fn clone_atomic(&self) -> Option<Packet<'a>> {
        Some(Packet {
            skb: self.skb.clone_atomic()?,
            cb: self.cb,
        })
    }
}

/// The skb fields key extraction reads.
pub(crate) fn skb_state(st: &SkState) -> SkbState {
    SkbState {
        vlan_hwaccel: st.vlan.map(|t| VlanTag {
            tpid: t.tpid,
            tci: t.tci,
        }),
        l3_protocol: st.protocol,
        gso_udp: st.gso_udp,
    }
}

/// Sets what `key_extract()` leaves in the skb: the VLAN tag it moved
/// into the accelerated tag, and the header offsets.
pub(crate) fn apply_offsets(skb: &mut SkBuff, off: &Offsets) -> Result {
    if let Some(tag) = off.vlan_pop {
        skb.vlan_untag(tag.tpid)?;
    }
    skb.set_headers(&Headers {
        mac_len: off.mac_len,
        network: off.network,
        transport: off.transport,
        inner_network: off.inner_network,
        protocol: off.protocol,
    });
    Ok(())
}

/// `ovs_flow_key_update()`: the key again after actions changed the
/// packet, keeping its metadata.
#[inline(never)]
pub(crate) fn key_update(skb: &mut SkBuff, key: &mut FlowKey) -> Result {
    pull_headers(skb)?;
    let st = skb.state();
    let off = extract::update(skb.head(), &skb_state(&st), key).map_err(|_| EINVAL)?;
    apply_offsets(skb, &off)
}

/// `ovs_vport_receive()`: a packet from `vport`'s device enters its
/// datapath. Bottom halves are off and the RCU read lock held.
pub(crate) fn receive(
    vport: &Vport,
    dp: &DpShared,
    mut skb: SkBuff,
    netdev: bool,
    bh: &BhOff,
) -> Result {
    // Another namespace's packet keeps only its mark, and no tunnel.
    let tunnel = !skb.scrub_foreign(dp.net.get()) && netdev;
    // One read of the skb's state: pulling headers into the head changes
    // none of what is read here.
    let st = skb.state();
    skb.pull(if st.gso { HEAD_PULL } else { st.len as usize })?;
    let Some(mac_proto) = extract::mac_proto_for_device(st.dev_type, st.protocol) else {
        if time::net_ratelimit() {
            pr_warn!("openvswitch_rs: unsupported device type {}\n", st.dev_type);
        }
        return Err(EINVAL);
    };
    let meta = PacketMeta {
        in_port: vport.port_no() as u16,
        priority: st.priority,
        skb_mark: st.mark,
        recirc_id: 0,
        mac_proto,
        skb: skb_state(&st),
        // A connection from the stack (ovs_ct_fill_key(), not post-ct).
        ct: crate::conntrack::meta_of(&skb.ct_key(false, 0)),
    };
    let mut key = FlowKey::default();
    let off = extract::extract(skb.head(), &meta, &mut key).map_err(|_| EINVAL)?;
    if tunnel {
        tunnel_key(&skb, &mut key);
    }
    apply_offsets(&mut skb, &off)?;
    let guard = crate::kapi::rcu::read_lock();
    let mut exec = Exec::new(dp, &guard, bh);
    let pkt = Packet {
        skb,
        cb: Cb::new(vport),
    };
    exec.enter_packet(pkt, &mut key);
    Ok(())
}

/// The tunnel part of a received packet's key (`ovs_flow_key_extract()`
/// with `tun_info`), copied straight from the packet's metadata.
fn tunnel_key(skb: &SkBuff, key: &mut FlowKey) {
    if let Some(t) = skb.tunnel() {
        // At most 255 bytes of options: always fits.
        extract::set_tunnel(key, t.proto, t.key, t.opts);
    }
}

/// `ovs_dp_process_packet()`: looks the packet up and runs its flow's
/// actions, or sends it to userspace as a miss.
pub(crate) fn process<'a>(
    exec: &mut Exec<'a>,
    guard: &'a Guard,
    mut pkt: Packet<'a>,
    key: &mut FlowKey,
) {
    let dp = exec.dp();
    let hash = pkt.skb.hash();
    let (flow, counts) = dp.lookup(exec.bh(), guard, key, hash);
    let Some(flow) = flow else {
        let portid = if pkt.cb.upcall_pid != 0 {
            pkt.cb.upcall_pid
        } else {
            upcall::miss_portid(dp, guard, exec.bh(), &mut pkt)
        };
        let info = UpcallInfo {
            cmd: crate::uapi::packet_cmd::MISS,
            portid,
            userdata: None,
            actions: None,
            mru: pkt.cb.mru,
            egress: None,
        };
        match upcall::send(dp, exec.bh(), &mut pkt, key, &info, u32::MAX) {
            Ok(()) => pkt.skb.consume(),
            Err(e) if e == EAGAIN || e == ERESTARTSYS || e == EINTR => pkt.skb.consume(),
            Err(_) => pkt.skb.tx_error(),
        }
        dp.count_packet(exec.bh(), false, counts);
        return;
    };
    // Stats count the accelerated VLAN tag as bytes of the packet.
    let st = pkt.skb.state();
    let len = u64::from(st.len) + if st.vlan.is_some() { 4 } else { 0 };
    flow.stats.add(
        exec.bh(),
        len,
        key.get_be16(fields::TP_FLAGS),
        time::jiffies(),
    );
    if let Err(e) = exec.execute_actions(pkt, flow.actions(guard), key) {
        if time::net_ratelimit() {
            pr_debug!("ovs: action execution error: {}\n", e.to_errno());
        }
    }
    dp.count_packet(exec.bh(), true, counts);
}

/// The key's `mac_proto` without the "invalid" bit.
pub(crate) fn key_mac_proto(key: &FlowKey) -> u8 {
    key.get_u8(fields::MAC_PROTO) & !crate::uapi::SW_FLOW_KEY_INVALID
}

/// `ovs_mac_header_len()`.
pub(crate) fn mac_header_len(key: &FlowKey) -> u32 {
    if key_mac_proto(key) == MacProto::Ethernet as u8 {
        14
    } else {
        0
    }
}
