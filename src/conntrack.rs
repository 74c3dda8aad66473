// SPDX-License-Identifier: GPL-2.0

//! Conntrack for the datapath: the kernel's half of installing a CT
//! action (`ovs_ct_copy_action()`'s template, timeout policy and helper),
//! and running one on a packet (`ovs_ct_execute()`).

use kernel::prelude::*;

use crate::ct_limit_view::NetLimits;
use crate::flow::ct_nl::{CtAction, Family, NatKind};
use crate::flow::extract::{fill_ct, key_extract_l3l4, CtMeta, CtOrig, CtOrigAddrs};
use crate::flow::key::{fields, FlowKey};
use crate::flow::match_nl::CtSupport;
use crate::flow::program::{CompileError, CtOp, CtTemplates};
use crate::flow_family::nlerr;
use crate::kapi::conntrack::{
    CtKey, CtParams, Defrag, L3Packet, NatDone, NatParams, Step, ZoneTemplate, LABELS_LEN,
};
use crate::kapi::netdev::NetNs;
use crate::kapi::skb::SkBuff;
use crate::uapi::proto::{ETH_P_IP, ETH_P_IPV6};
use crate::uapi::OVS_FRAG_TYPE_NONE;

/// Makes the zone templates of one flow's CT actions, in `net`, for the
/// flow's masked key, logging as C logs (`log`: not a probe).
pub(crate) struct Templates<'a> {
    net: NetNs<'a>,
    family: Option<Family>,
    proto: u8,
    support: CtSupport,
    log: bool,
}

impl<'a> Templates<'a> {
    pub(crate) fn new(net: NetNs<'a>, key: &FlowKey, support: CtSupport, log: bool) -> Self {
        Templates {
            net,
            family: Family::of(key),
            proto: key.get_u8(fields::IP_PROTO),
            support,
            log,
        }
    }
}

impl CtTemplates for Templates<'_> {
    fn family(&self) -> Option<Family> {
        self.family
    }

    fn support(&self) -> CtSupport {
        self.support
    }

    fn template(&mut self, ct: &CtAction, family: Family) -> Result<ZoneTemplate, CompileError> {
        let mut tmpl = ZoneTemplate::new(self.net, ct.zone).map_err(|_| {
            nlerr(
                self.log,
                format_args!("Failed to allocate conntrack template"),
            );
            CompileError::NoMemory
        })?;
        if let Some(name) = &ct.timeout {
            // C only logs this: the action works with default timeouts.
            let set = tmpl.set_timeout(self.net, family.nfproto(), self.proto, name.with_nul());
            if set.is_err() {
                nlerr(
                    self.log,
                    format_args!("Failed to associated timeout policy '{:?}'", name),
                );
            }
        }
        if let Some(name) = &ct.helper {
            let nat = ct.nat.is_some();
            if let Err(e) = tmpl.add_helper(name.with_nul(), family.nfproto(), self.proto, nat) {
                nlerr(
                    self.log,
                    format_args!("Failed to add {:?} helper {}", name, e.to_errno()),
                );
                return Err(CompileError::Refused(-e.to_errno()));
            }
        }
        if ct.commit {
            tmpl.confirm();
        }
        Ok(tmpl)
    }
}

/// `OVS_CS_F_SRC_NAT | OVS_CS_F_DST_NAT`.
const CS_F_NAT_MASK: u8 = 0xc0;

/// A packet's connection as the key's [`CtMeta`].
pub(crate) fn meta_of(k: &CtKey) -> CtMeta {
    CtMeta {
        state: k.state,
        zone: k.zone,
        mark: k.mark,
        labels: k.labels,
        orig: k.orig.map(|t| CtOrig {
            addrs: if t.v6 {
                CtOrigAddrs::V6 {
                    src: t.src,
                    dst: t.dst,
                }
            } else {
                CtOrigAddrs::V4 {
                    src: [t.src[0], t.src[1], t.src[2], t.src[3]],
                    dst: [t.dst[0], t.dst[1], t.dst[2], t.dst[3]],
                }
            },
            proto: t.proto,
            tp_src: t.tp_src,
            tp_dst: t.tp_dst,
        }),
    }
}

/// What became of a packet that went through `ct()`.
pub(crate) enum Outcome {
    /// Go on with the next action.
    Continue(SkBuff),
    /// Conntrack kept the packet.
    Stolen,
    /// Conntrack freed the packet; fail the list with the error.
    Freed(Error),
    /// Drop it (`OVS_DROP_CONNTRACK`) and fail the list with the error.
    Failed(SkBuff, Error),
}

/// How much of a reassembled packet key extraction needs linear: its
/// headers, which the first fragment's head already holds, so that the
/// pull changes nothing and output can refragment along the frag list.
const DEFRAG_HEAD_PULL: usize = 512;

/// `ovs_ct_handle_fragments()` after the reassembly: layers 3 and 4 of
/// the key again (the fragment that completed the datagram may have had
/// no L4 header), and the transport header where they found it.
fn update_l3l4(pkt: &mut L3Packet, key: &mut FlowKey) -> Result {
    pkt.pull(DEFRAG_HEAD_PULL)?;
    let gso_udp = pkt.gso_udp();
    let off = key_extract_l3l4(pkt.head(), 0, 0, gso_udp, key).map_err(|_| EINVAL)?;
    if let Some(t) = off.transport {
        pkt.set_transport(t);
    }
    Ok(())
}

/// `ovs_ct_execute()`: the packet (a fragment: its datagram, `mru` set
/// to its largest fragment) looked up (and with `commit` committed) in
/// the action's zone, and the key's CT fields updated.
#[inline(never)]
pub(crate) fn execute(
    net: NetNs<'_>,
    skb: SkBuff,
    mru: &mut u16,
    key: &mut FlowKey,
    op: &CtOp,
    limits: Option<&NetLimits>,
) -> Outcome {
    let a = &op.action;
    let family = op.family.nfproto();
    let mut pkt = match L3Packet::enter(skb, family) {
        Ok(p) => p,
        Err((skb, e)) => return Outcome::Failed(skb, e),
    };
    if key.get_u8(fields::IP_FRAG) != OVS_FRAG_TYPE_NONE {
        pkt = match pkt.defrag(net, a.zone, family) {
            Defrag::Done(p, max) => {
                *mru = max;
                p
            }
            Defrag::Stolen => return Outcome::Stolen,
            Defrag::Freed(e) => return Outcome::Freed(e),
        };
        // C ignores a failure here too: the key keeps what it had.
        let _ = update_l3l4(&mut pkt, key);
        key.set_u8(fields::IP_FRAG, OVS_FRAG_TYPE_NONE);
    }
    let (labels, labels_mask) = match &a.labels {
        Some(both) => {
            let mut v = [0u8; LABELS_LEN];
            let mut m = [0u8; LABELS_LEN];
            v.copy_from_slice(&both[..LABELS_LEN]);
            m.copy_from_slice(&both[LABELS_LEN..]);
            (v, m)
        }
        None => ([0; LABELS_LEN], [0; LABELS_LEN]),
    };
    let params = CtParams {
        template: &op.template,
        family,
        commit: a.commit,
        force: a.force,
        eventmask: a.eventmask,
        // A zero mask is C's "no mark given".
        mark: a.mark.unwrap_or((0, 0)),
        labels: (labels, labels_mask),
        key_state: key.get_u8(fields::CT_STATE),
        key_zone: u16::from_ne_bytes(key.array(fields::CT_ZONE)),
        key_proto: key.get_u8(fields::IP_PROTO),
        nat: a.nat.map(|n| NatParams {
            src: n.kind == NatKind::Src,
            dst: n.kind == NatKind::Dst,
            flags: n.range.flags,
            min_addr: n.range.min_addr,
            max_addr: n.range.max_addr,
            min_proto: n.range.min_proto,
            max_proto: n.range.max_proto,
        }),
    };
    let mut pkt = match pkt.lookup(net, &params) {
        Step::Done(p, (ran, nat)) => {
            if ran {
                // A fresh lookup: no NAT done yet in this zone, so the
                // key keeps no NAT flags (C clears the state first).
                let mut meta = meta_of(&p.key(a.zone));
                meta.state &= !CS_F_NAT_MASK;
                fill_ct(key, &meta);
            }
            nat_update_key(key, &nat);
            p
        }
        Step::Failed(p, e) => return Outcome::Failed(p.leave(), e),
        Step::Stolen => return Outcome::Stolen,
    };
    if a.commit {
        // `ovs_ct_check_limit()`: only a new connection counts.
        if let Some(limits) = limits.filter(|_| pkt.unconfirmed()) {
            if let Err(e) = limits.check(&pkt, family, a.zone) {
                return Outcome::Failed(pkt.leave(), e);
            }
        }
        pkt = match pkt.commit(&params) {
            Step::Done(p, set) => {
                if let Some(mark) = set.mark {
                    key.set_u32(fields::CT_MARK, mark);
                }
                if let Some(labels) = set.labels {
                    key.set(fields::CT_LABELS, &labels);
                }
                p
            }
            Step::Failed(p, e) => return Outcome::Failed(p.leave(), e),
            Step::Stolen => return Outcome::Stolen,
        };
    } else {
        pkt.deliver_events();
    }
    Outcome::Continue(pkt.leave())
}

/// `OVS_CS_F_SRC_NAT`, `OVS_CS_F_DST_NAT`.
const CS_F_SRC_NAT: u8 = 0x40;
const CS_F_DST_NAT: u8 = 0x80;

/// `ovs_nat_update_key()`: the NAT flags, and the rewritten addresses and
/// ports in the key.
fn nat_update_key(key: &mut FlowKey, nat: &NatDone) {
    let v4 = key.get_be16(fields::ETH_TYPE) == ETH_P_IP;
    let v6 = key.get_be16(fields::ETH_TYPE) == ETH_P_IPV6;
    let sides = [
        (
            nat.src,
            CS_F_SRC_NAT,
            fields::IPV4_SRC,
            fields::IPV6_SRC,
            fields::TP_SRC,
        ),
        (
            nat.dst,
            CS_F_DST_NAT,
            fields::IPV4_DST,
            fields::IPV6_DST,
            fields::TP_DST,
        ),
    ];
    for (side, flag, f4, f6, tp) in sides {
        let Some(rw) = side else { continue };
        let state = key.get_u8(fields::CT_STATE);
        key.set_u8(fields::CT_STATE, state | flag);
        if v4 {
            key.set(f4, &[rw.addr[0], rw.addr[1], rw.addr[2], rw.addr[3]]);
        } else if v6 {
            key.set(f6, &rw.addr);
        } else {
            continue;
        }
        if let Some(port) = rw.port {
            key.set_be16(tp, port);
        }
    }
}

#[cfg_attr(MODULE, cfg(CONFIG_KUNIT = "y"))]
#[cfg_attr(not(MODULE), cfg(test))]
#[path = "conntrack/tests.rs"]
mod tests;
