// SPDX-License-Identifier: GPL-2.0

//! Executing a flow's actions on a packet (`net/openvswitch/actions.c`).
//!
//! Action lists are stored as replies show them (see
//! [`crate::flow::actions_nl`]), so the nested forms are the userspace ones
//! (a sample's PROBABILITY and ACTIONS, a clone's bare list); what C
//! precomputes at install time ("exec" flags) is computed here as C
//! computes it then.
//!
//! Nesting follows C: nested lists run with a copy of the key for at most
//! [`DEFERRED_ACTION_THRESHOLD`] levels, deeper ones are deferred to a
//! FIFO drained when the outermost list is done, and the whole thing is
//! bounded by [`RECURSION_LIMIT`] levels per CPU.

#[allow(unreachable_pub)]
pub mod edit;

use kernel::prelude::*;

use crate::bytes;
use crate::datapath::DpShared;
use crate::flow::key::{fields, FlowKey};
use crate::flow::table::{jhash_1word, Actions};
use crate::kapi::rcu::Guard;
use crate::kapi::skb::{
    BhOff, ExecLevel, Output, SkBuff, SkState, SubsysDropReason, CHECKSUM_COMPLETE,
    IP_TUNNEL_INFO_BRIDGE,
};
use crate::kapi::time;
use crate::netlink::attr::{Attr, Attrs};
use crate::packet::{self, Packet};
use crate::uapi::proto::ETH_P_TEB;
use crate::uapi::{
    action, check_pkt_len_attr, key_attr, packet_cmd, psample_attr, sample_attr, userspace_attr,
    MAC_PROTO_ETHERNET, MAC_PROTO_NONE, OVS_DEC_TTL_ATTR_ACTION, OVS_HASH_ALG_L4,
    OVS_HASH_ALG_SYM_L4,
};
use crate::upcall::{self, EgressTunnel, UpcallInfo};

use edit::{Csum, EditError, IpSummed};

/// `enum ovs_drop_reason` (net/openvswitch/drop.h): the index of each in
/// the drop reason subsystem the glue registers with C's names.
#[derive(Clone, Copy)]
enum DropReason {
    LastAction = 1,
    ActionError = 2,
    Explicit = 3,
    ExplicitWithError = 4,
    RecursionLimit = 6,
    DeferredLimit = 7,
    IpTtl = 11,
}

impl From<DropReason> for SubsysDropReason {
    fn from(reason: DropReason) -> Self {
        SubsysDropReason::new(reason as u32)
    }
}

/// `OVS_RECURSION_LIMIT`.
const RECURSION_LIMIT: i32 = 5;
/// `OVS_DEFERRED_ACTION_THRESHOLD`: nesting levels that get a key copy.
const DEFERRED_ACTION_THRESHOLD: i32 = RECURSION_LIMIT - 2;
/// `DEFERRED_ACTION_FIFO_SIZE`; C keeps one slot free.
const FIFO_SIZE: usize = 10;

/// How much of the packet an edit makes writable: all of it but for GSO
/// packets, whose payload stays shared (as for key extraction, see
/// [`packet::HEAD_PULL`]); SCTP's checksum covers all of it anyway.
fn edit_head(st: &SkState) -> usize {
    if st.gso {
        packet::HEAD_PULL
    } else {
        st.len as usize
    }
}

/// A list deferred for when the outermost list is done.
struct Deferred<'a> {
    pkt: Packet<'a>,
    key: KBox<FlowKey>,
    /// `None`: a recirculation (look the packet up again).
    actions: Option<&'a [u8]>,
}

/// One execution from a port or from userspace: the datapath, the RCU
/// read section everything is borrowed from, and the deferred lists.
pub(crate) struct Exec<'a> {
    dp: &'a DpShared,
    guard: &'a Guard,
    bh: &'a BhOff,
    deferred: KVec<Deferred<'a>>,
}

impl<'a> Exec<'a> {
    pub(crate) fn new(dp: &'a DpShared, guard: &'a Guard, bh: &'a BhOff) -> Self {
        Exec {
            dp,
            guard,
            bh,
            deferred: KVec::new(),
        }
    }

    pub(crate) fn dp(&self) -> &'a DpShared {
        self.dp
    }

    pub(crate) fn bh(&self) -> &'a BhOff {
        self.bh
    }

    /// A received packet: looked up, its actions run, and then whatever
    /// was deferred.
    pub(crate) fn enter_packet(&mut self, pkt: Packet<'a>, key: &mut FlowKey) {
        let guard = self.guard;
        packet::process(self, guard, pkt, key);
        self.run_deferred();
    }

    /// `ovs_execute_actions()`.
    pub(crate) fn execute_actions(
        &mut self,
        mut pkt: Packet<'a>,
        acts: &'a Actions,
        key: &mut FlowKey,
    ) -> Result {
        let level = ExecLevel::enter(self.bh);
        if level.level() > RECURSION_LIMIT {
            if time::net_ratelimit() {
                pr_crit!(
                    "ovs: recursion limit reached on datapath, probable configuration error\n"
                );
            }
            pkt.skb.drop_for(DropReason::RecursionLimit);
            return Err(ENETDOWN);
        }
        pkt.cb.acts_origlen = acts.orig_len;
        self.run(pkt, key, &acts.attrs)
    }

    /// An action list userspace sent with a packet
    /// (`OVS_PACKET_CMD_EXECUTE`).
    pub(crate) fn execute_list(
        &mut self,
        mut pkt: Packet<'a>,
        acts: &'a [u8],
        orig_len: usize,
        key: &mut FlowKey,
    ) -> Result {
        let level = ExecLevel::enter(self.bh);
        if level.level() > RECURSION_LIMIT {
            pkt.skb.drop_for(DropReason::RecursionLimit);
            return Err(ENETDOWN);
        }
        pkt.cb.acts_origlen = orig_len;
        let r = self.run(pkt, key, acts);
        drop(level);
        self.run_deferred();
        r
    }

    /// `process_deferred_actions()`: lists run here may defer more,
    /// which run too.
    fn run_deferred(&mut self) {
        while !self.deferred.is_empty() {
            let Ok(d) = self.deferred.remove(0) else {
                break;
            };
            let Deferred {
                pkt,
                mut key,
                actions,
            } = d;
            match actions {
                Some(list) => {
                    let _ = self.run(pkt, &mut key, list);
                }
                None => {
                    let guard = self.guard;
                    packet::process(self, guard, pkt, &mut key);
                }
            }
        }
    }

    /// `add_deferred_actions()`: `false` when the FIFO is full.
    fn defer(&mut self, pkt: Packet<'a>, key: &FlowKey, actions: Option<&'a [u8]>) -> bool {
        if self.deferred.len() >= FIFO_SIZE - 1 {
            pkt.skb.drop_for(DropReason::DeferredLimit);
            return false;
        }
        let Some(key) = boxed_key(key) else {
            return false;
        };
        self.deferred
            .push(Deferred { pkt, key, actions }, GFP_ATOMIC)
            .is_ok()
    }

    /// `do_execute_actions()`: consumes the packet.
    fn run(&mut self, pkt: Packet<'a>, key: &mut FlowKey, list: &'a [u8]) -> Result {
        let mut pkt = pkt;
        let mut it = Attrs::new(list).peekable();
        while let Some(a) = it.next() {
            let last = it.peek().is_none();
            let kind = a.kind();
            let result = match kind {
                action::OUTPUT => {
                    let port = a.get_u32().unwrap_or(u32::MAX);
                    if last {
                        self.output(pkt, port, key);
                        return Ok(());
                    }
                    if let Some(clone) = pkt.clone_atomic() {
                        self.output(clone, port, key);
                    }
                    pkt.cb.cutlen = u32::MAX;
                    Ok(())
                }
                action::TRUNC => {
                    pkt.cb.cutlen = a.get_u32().unwrap_or(u32::MAX);
                    Ok(())
                }
                action::USERSPACE => {
                    let cutlen = pkt.cb.cutlen;
                    let _ = self.userspace(&mut pkt, key, a, list, cutlen);
                    pkt.cb.cutlen = u32::MAX;
                    if last {
                        pkt.skb.consume();
                        return Ok(());
                    }
                    Ok(())
                }
                action::HASH => self.hash(&mut pkt, key, a),
                action::PUSH_VLAN => push_vlan(&mut pkt.skb, key, a.payload()),
                action::PUSH_MPLS => {
                    let p = a.payload();
                    let mac_len = pkt.skb.state().mac_len;
                    let (lse, ethertype) = (stored(bytes::ne32(p, 0))?, stored(bytes::ne16(p, 4))?);
                    push_mpls(&mut pkt.skb, key, lse, ethertype, mac_len)
                }
                action::ADD_MPLS => {
                    let p = a.payload();
                    // OVS_MPLS_L3_TUNNEL_FLAG_MASK: keep the MAC header.
                    let mac_len = if stored(bytes::ne16(p, 6))? & 1 != 0 {
                        pkt.skb.state().mac_len
                    } else {
                        0
                    };
                    let (lse, ethertype) = (stored(bytes::ne32(p, 0))?, stored(bytes::ne16(p, 4))?);
                    push_mpls(&mut pkt.skb, key, lse, ethertype, mac_len)
                }
                action::POP_MPLS => {
                    let ethertype = stored(bytes::ne16(a.payload(), 0))?;
                    let ethernet = packet::key_mac_proto(key) == MAC_PROTO_ETHERNET;
                    let r = pkt.skb.mpls_pop(ethertype, ethernet);
                    if r.is_ok() {
                        if u16::from_be(ethertype) == ETH_P_TEB {
                            set_mac_proto(key, MAC_PROTO_ETHERNET);
                        }
                        invalidate(key);
                    }
                    r
                }
                action::PUSH_ETH => {
                    let p = a.payload();
                    let src: [u8; 6] = p
                        .get(0..6)
                        .and_then(|b| b.try_into().ok())
                        .unwrap_or([0; 6]);
                    let dst: [u8; 6] = p
                        .get(6..12)
                        .and_then(|b| b.try_into().ok())
                        .unwrap_or([0; 6]);
                    let r = pkt.skb.eth_push(&dst, &src);
                    if r.is_ok() {
                        set_mac_proto(key, MAC_PROTO_ETHERNET);
                        invalidate(key);
                    }
                    r
                }
                action::PUSH_NSH => push_nsh(&mut pkt.skb, key, a.payload()),
                action::POP_NSH => {
                    let r = pkt.skb.nsh_pop();
                    if r.is_ok() {
                        let proto = if pkt.skb.state().protocol == ETH_P_TEB {
                            MAC_PROTO_ETHERNET
                        } else {
                            MAC_PROTO_NONE
                        };
                        set_mac_proto(key, proto);
                        invalidate(key);
                    }
                    r
                }
                action::POP_ETH => {
                    let r = pkt.skb.eth_pop();
                    if r.is_ok() {
                        set_mac_proto(key, MAC_PROTO_NONE);
                        invalidate(key);
                    }
                    r
                }
                action::POP_VLAN => pop_vlan(&mut pkt.skb, key),
                action::RECIRC => {
                    let id = stored(a.get_u32().ok())?;
                    if !key_valid(key) {
                        if let Err(e) = packet::key_update(&mut pkt.skb, key) {
                            pkt.skb.drop_for(DropReason::ActionError);
                            return Err(e);
                        }
                    }
                    if last {
                        return self.nested(pkt, key, id, None, true);
                    }
                    match pkt.clone_atomic() {
                        Some(copy) => self.nested(copy, key, id, None, true),
                        None => Ok(()),
                    }
                }
                action::SET => match a.nested().next() {
                    Some(k) if k.kind() == key_attr::TUNNEL => {
                        set_tunnel(&mut pkt.skb, k.payload())
                    }
                    Some(k) => set_action(&mut pkt.skb, key, k.kind(), k.payload(), None),
                    None => Err(EINVAL),
                },
                action::SET_MASKED => {
                    let inner = a.nested().next();
                    match inner {
                        Some(k) => {
                            let p = k.payload();
                            let half = p.len() / 2;
                            let (value, mask) = p.split_at(half);
                            set_action(&mut pkt.skb, key, k.kind(), value, Some(mask))
                        }
                        None => Err(EINVAL),
                    }
                }
                action::SAMPLE => {
                    let (probability, actions) = sample_args(a);
                    if !sample_taken(probability) {
                        if last {
                            pkt.skb.drop_for(DropReason::LastAction);
                            return Ok(());
                        }
                        Ok(())
                    } else {
                        let exec = last || !may_change_flow(actions);
                        if last {
                            pkt.cb.probability = probability;
                            return self.nested(pkt, key, 0, Some(actions), !exec);
                        }
                        match pkt.clone_atomic() {
                            Some(mut copy) => {
                                copy.cb.probability = probability;
                                self.nested(copy, key, 0, Some(actions), !exec)
                            }
                            None => Ok(()),
                        }
                    }
                }
                action::CLONE => {
                    let nested = a.payload();
                    let exec = last || !may_change_flow(nested);
                    if last {
                        return self.nested(pkt, key, 0, Some(nested), !exec);
                    }
                    match pkt.clone_atomic() {
                        Some(copy) => self.nested(copy, key, 0, Some(nested), !exec),
                        None => Ok(()),
                    }
                }
                action::CHECK_PKT_LEN => {
                    let (actions, exec) = check_pkt_len(&pkt, a, last);
                    if last {
                        return self.nested(pkt, key, 0, Some(actions), !exec);
                    }
                    match pkt.clone_atomic() {
                        Some(copy) => self.nested(copy, key, 0, Some(actions), !exec),
                        None => Ok(()),
                    }
                }
                action::DEC_TTL => match dec_ttl(&mut pkt.skb, key) {
                    Ok(true) => Ok(()),
                    Ok(false) => return self.dec_ttl_exception(pkt, key, a),
                    Err(e) => Err(e),
                },
                // No meter can exist here (meters come later), and C
                // lets a packet through a meter it does not find.
                action::METER => Ok(()),
                action::CT_CLEAR => {
                    pkt.skb.ct_clear();
                    ct_clear_key(key);
                    Ok(())
                }
                action::DROP => {
                    let reason = if stored(a.get_u32().ok())? != 0 {
                        DropReason::ExplicitWithError
                    } else {
                        DropReason::Explicit
                    };
                    pkt.skb.drop_for(reason);
                    return Ok(());
                }
                action::PSAMPLE => {
                    self.psample(&pkt, a);
                    pkt.cb.cutlen = u32::MAX;
                    if last {
                        pkt.skb.consume();
                        return Ok(());
                    }
                    Ok(())
                }
                _ => {
                    // Validated at install time but not executable here:
                    // only CT, which is refused at install until conntrack
                    // lands. The packet is dropped, and said so.
                    if time::net_ratelimit() {
                        pr_warn!(
                            "openvswitch_rs: action {} not supported yet, packet dropped\n",
                            kind
                        );
                    }
                    Err(EOPNOTSUPP)
                }
            };
            if let Err(e) = result {
                pkt.skb.drop_for(DropReason::ActionError);
                return Err(e);
            }
        }
        // A list that does not end in an output.
        pkt.skb.drop_for(DropReason::LastAction);
        Ok(())
    }

    /// `do_output()`: a missing port is a silent drop.
    #[inline(never)]
    fn output(&mut self, pkt: Packet<'a>, port_no: u32, key: &FlowKey) {
        let Some(port) = self.dp.port(self.guard, port_no) else {
            return;
        };
        let how = Output {
            mac_proto: packet::key_mac_proto(key),
            eth_type: key.get_be16(fields::ETH_TYPE),
            mru: pkt.cb.mru,
            cutlen: pkt.cb.cutlen,
            min_len: packet::mac_header_len(key),
        };
        pkt.skb
            .output(self.dp.net.get(), &port.dev, port.internal, &how);
    }

    /// `output_userspace()`.
    #[inline(never)]
    fn userspace(
        &mut self,
        pkt: &mut Packet<'a>,
        key: &FlowKey,
        a: Attr<'a>,
        list: &'a [u8],
        cutlen: u32,
    ) -> Result {
        let egress = a
            .nested()
            .find(|n| n.kind() == userspace_attr::EGRESS_TUN_PORT)
            .and_then(|n| self.egress_tunnel(pkt, n.get_u32().unwrap_or(u32::MAX)));
        let mut info = UpcallInfo {
            cmd: packet_cmd::ACTION,
            portid: 0,
            userdata: None,
            actions: None,
            mru: pkt.cb.mru,
            egress: egress.as_deref(),
        };
        for n in a.nested() {
            match n.kind() {
                userspace_attr::USERDATA => info.userdata = Some(n.payload()),
                userspace_attr::PID => {
                    info.portid = if pkt.cb.upcall_pid != 0 {
                        pkt.cb.upcall_pid
                    } else if self.dp.user_features()
                        & crate::uapi::OVS_DP_F_DISPATCH_UPCALL_PER_CPU
                        != 0
                    {
                        upcall::cpu_portid(self.dp, self.guard, self.bh)
                    } else {
                        stored(n.get_u32().ok())?
                    };
                }
                userspace_attr::ACTIONS => info.actions = Some(list),
                _ => {}
            }
        }
        upcall::send(self.dp, self.bh, pkt, key, &info, cutlen)
    }

    /// The egress tunnel info of an upcall (`dev_fill_metadata_dst()` on
    /// port `port_no`'s device), as the tunnel fields of a key; `None`
    /// without such a port or tunnel metadata.
    fn egress_tunnel(&self, pkt: &mut Packet<'a>, port_no: u32) -> Option<KBox<EgressTunnel>> {
        let port = self.dp.port(self.guard, port_no)?;
        let t = pkt.skb.egress_tunnel(&port.dev)?;
        let mut e = KBox::new(
            EgressTunnel {
                key: FlowKey::default(),
                bridge: t.mode & IP_TUNNEL_INFO_BRIDGE != 0,
            },
            GFP_ATOMIC,
        )
        .ok()?;
        crate::flow::extract::set_tunnel(&mut e.key, t.proto, &t.key, t.opts());
        Some(e)
    }

    /// `execute_psample()`.
    #[inline(never)]
    fn psample(&self, pkt: &Packet<'a>, a: Attr<'a>) {
        let mut group = 0;
        let mut cookie: &[u8] = &[];
        for n in a.nested() {
            match n.kind() {
                psample_attr::GROUP => group = n.get_u32().unwrap_or(0),
                psample_attr::COOKIE => cookie = n.payload(),
                _ => {}
            }
        }
        let in_ifindex = self
            .dp
            .port(self.guard, pkt.cb.input.port_no())
            .map_or(0, |p| p.dev.device().ifindex());
        pkt.skb.psample(
            self.dp.net.get(),
            group,
            cookie,
            in_ifindex,
            pkt.cb.cutlen,
            pkt.cb.probability,
        );
    }

    /// `execute_hash()`.
    #[inline(never)]
    fn hash(&mut self, pkt: &mut Packet<'a>, key: &mut FlowKey, a: Attr<'a>) -> Result {
        let p = a.payload();
        let alg = stored(bytes::ne32(p, 0))?;
        let basis = stored(bytes::ne32(p, 4))?;
        let hash = match alg {
            OVS_HASH_ALG_L4 => pkt.skb.hash(),
            OVS_HASH_ALG_SYM_L4 => pkt.skb.hash_symmetric(),
            _ => 0,
        };
        let mut hash = jhash_1word(hash, basis);
        if hash == 0 {
            hash = 1;
        }
        key.set_u32(fields::OVS_FLOW_HASH, hash);
        Ok(())
    }

    /// `dec_ttl_exception_handler()`.
    #[inline(never)]
    fn dec_ttl_exception(&mut self, pkt: Packet<'a>, key: &mut FlowKey, a: Attr<'a>) -> Result {
        let actions = a
            .nested()
            .find(|n| n.kind() == OVS_DEC_TTL_ATTR_ACTION)
            .map_or(&[][..], |n| n.payload());
        if actions.is_empty() {
            pkt.skb.drop_for(DropReason::IpTtl);
            return Ok(());
        }
        self.nested(pkt, key, 0, Some(actions), false)
    }

    /// `clone_execute()` past the cloning: runs `actions` on `pkt` (or
    /// looks it up again with `recirc_id` when `None`), with a copy of
    /// the key if `clone_key`, deferred when nested too deep for one.
    #[inline(never)]
    fn nested(
        &mut self,
        pkt: Packet<'a>,
        key: &mut FlowKey,
        recirc_id: u32,
        actions: Option<&'a [u8]>,
        clone_key: bool,
    ) -> Result {
        if !clone_key {
            return match actions {
                Some(list) => self.run(pkt, key, list),
                None => {
                    key.set_u32(fields::RECIRC_ID, recirc_id);
                    let guard = self.guard;
                    packet::process(self, guard, pkt, key);
                    Ok(())
                }
            };
        }
        if crate::kapi::skb::exec_level(self.bh) <= DEFERRED_ACTION_THRESHOLD {
            // C copies into per-CPU storage; a heap copy keeps the kernel
            // stack small on this recursive path.
            let Some(mut copy) = boxed_key(key) else {
                drop(pkt);
                return Ok(());
            };
            return match actions {
                Some(list) => {
                    let _nested = ExecLevel::enter(self.bh);
                    self.run(pkt, &mut copy, list)
                }
                None => {
                    copy.set_u32(fields::RECIRC_ID, recirc_id);
                    let guard = self.guard;
                    packet::process(self, guard, pkt, &mut copy);
                    Ok(())
                }
            };
        }
        self.defer_nested(pkt, key, recirc_id, actions);
        Ok(())
    }

    /// The deferral of [`Self::nested`]: out of line, so that the key
    /// copy is not in the recursive path's stack frame.
    #[inline(never)]
    fn defer_nested(
        &mut self,
        pkt: Packet<'a>,
        key: &FlowKey,
        recirc_id: u32,
        actions: Option<&'a [u8]>,
    ) {
        let mut dkey = key.clone();
        if actions.is_none() {
            dkey.set_u32(fields::RECIRC_ID, recirc_id);
        }
        if !self.defer(pkt, &dkey, actions) && time::net_ratelimit() {
            match actions {
                Some(_) => pr_warn!("ovs: deferred action limit reached, drop sample action\n"),
                None => pr_warn!(
                    "ovs: deferred action limit reached, drop recirc action (recirc_id={:#x})\n",
                    recirc_id
                ),
            }
        }
    }
}

/// A sample action's probability and list.
fn sample_args(a: Attr<'_>) -> (u32, &[u8]) {
    let mut probability = u32::MAX;
    let mut actions: &[u8] = &[];
    for n in a.nested() {
        match n.kind() {
            sample_attr::PROBABILITY => probability = n.get_u32().unwrap_or(0),
            sample_attr::ACTIONS => actions = n.payload(),
            _ => {}
        }
    }
    (probability, actions)
}

/// `sample()`'s draw: `u32::MAX` always samples, 0 never.
fn sample_taken(probability: u32) -> bool {
    probability == u32::MAX || (probability != 0 && crate::kapi::skb::random_u32() <= probability)
}

/// `execute_check_pkt_len()`'s choice: the list to run and its "exec"
/// flag.
#[inline(never)]
fn check_pkt_len<'a>(pkt: &Packet<'_>, a: Attr<'a>, last: bool) -> (&'a [u8], bool) {
    let mut max_len = 0u16;
    let mut le: &'a [u8] = &[];
    let mut gt: &'a [u8] = &[];
    for n in a.nested() {
        match n.kind() {
            check_pkt_len_attr::PKT_LEN => max_len = n.u16().unwrap_or(0),
            check_pkt_len_attr::ACTIONS_IF_LESS_EQUAL => le = n.payload(),
            check_pkt_len_attr::ACTIONS_IF_GREATER => gt = n.payload(),
            _ => {}
        }
    }
    let st = pkt.skb.state();
    let len = if pkt.cb.mru != 0 {
        usize::from(pkt.cb.mru) + usize::from(st.mac_len)
    } else {
        st.len as usize
    };
    // C also takes the lesser branch for a GSO packet whose segments fit
    // (skb_gso_validate_mac_len()); segments are taken to fit here.
    let actions = if len <= usize::from(max_len) || st.gso {
        le
    } else {
        gt
    };
    (actions, last || !may_change_flow(actions))
}

/// A heap copy of `key`, out of line: keys are large for the recursive
/// paths' stack frames.
#[inline(never)]
fn boxed_key(key: &FlowKey) -> Option<KBox<FlowKey>> {
    KBox::new(key.clone(), GFP_ATOMIC).ok()
}

/// `actions_may_change_flow()`.
fn may_change_flow(list: &[u8]) -> bool {
    Attrs::new(list).any(|a| {
        !matches!(
            a.kind(),
            action::OUTPUT
                | action::RECIRC
                | action::TRUNC
                | action::USERSPACE
                | action::DROP
                | action::PSAMPLE
        )
    })
}

fn key_valid(key: &FlowKey) -> bool {
    key.get_u8(fields::MAC_PROTO) & crate::uapi::SW_FLOW_KEY_INVALID == 0
}

/// `invalidate_flow_key()`.
fn invalidate(key: &mut FlowKey) {
    let m = key.get_u8(fields::MAC_PROTO);
    key.set_u8(fields::MAC_PROTO, m | crate::uapi::SW_FLOW_KEY_INVALID);
}

/// A field of a stored action. Validation checked every action's length
/// at install, so a short one is a bug: warn, and fail the action rather
/// than act on a made-up value.
fn stored<T>(field: Option<T>) -> Result<T> {
    field.ok_or_else(|| {
        kernel::warn_on!(true);
        EINVAL
    })
}

/// Sets the key's `mac_proto` (before [`invalidate`], which C always
/// calls next).
fn set_mac_proto(key: &mut FlowKey, proto: u8) {
    key.set_u8(fields::MAC_PROTO, proto);
}

/// `ovs_ct_fill_key()` of a packet without connection.
fn ct_clear_key(key: &mut FlowKey) {
    key.set_u8(fields::CT_STATE, 0);
    key.set(fields::CT_ZONE, &[0, 0]);
    key.set_u32(fields::CT_MARK, 0);
    key.set(fields::CT_LABELS, &[0; 16]);
    key.set_u8(fields::CT_ORIG_PROTO, 0);
}

/// `push_nsh()`: the header from the action's key nest, then the push.
#[inline(never)]
fn push_nsh(skb: &mut SkBuff, key: &mut FlowKey, payload: &[u8]) -> Result {
    let nest = Attrs::new(payload).next().map_or(&[][..], |a| a.payload());
    let mut hdr = [0u8; crate::uapi::proto::NSH_HDR_MAX_LEN];
    edit::nsh_header(nest, &mut hdr).map_err(|e| match e {
        EditError::Truncated => ENOBUFS,
        EditError::Invalid => EINVAL,
    })?;
    skb.nsh_push(&hdr)?;
    set_mac_proto(key, MAC_PROTO_NONE);
    invalidate(key);
    Ok(())
}

/// `push_mpls()`.
#[inline(never)]
fn push_mpls(
    skb: &mut SkBuff,
    key: &mut FlowKey,
    lse: u32,
    ethertype: u16,
    mac_len: u16,
) -> Result {
    skb.mpls_push(lse, ethertype, mac_len, mac_len != 0)?;
    if mac_len == 0 {
        set_mac_proto(key, MAC_PROTO_NONE);
    }
    invalidate(key);
    Ok(())
}

/// `push_vlan()`.
#[inline(never)]
fn push_vlan(skb: &mut SkBuff, key: &mut FlowKey, p: &[u8]) -> Result {
    let tpid = stored(bytes::be16(p, 0))?;
    let tci = stored(bytes::be16(p, 2))?;
    if skb.state().vlan.is_some() {
        invalidate(key);
    } else {
        key.set_be16(fields::ETH_VLAN_TCI, tci);
        key.set_be16(fields::ETH_VLAN_TPID, tpid);
    }
    skb.vlan_push(tpid, tci & !0x1000)
}

/// `pop_vlan()`.
#[inline(never)]
fn pop_vlan(skb: &mut SkBuff, key: &mut FlowKey) -> Result {
    let r = skb.vlan_pop();
    if skb.state().vlan.is_some() {
        invalidate(key);
    } else {
        key.set_be16(fields::ETH_VLAN_TCI, 0);
        key.set_be16(fields::ETH_VLAN_TPID, 0);
    }
    r
}

fn ip_summed(v: u8) -> IpSummed {
    match v {
        1 => IpSummed::Unnecessary,
        2 => IpSummed::Complete,
        3 => IpSummed::Partial,
        _ => IpSummed::None,
    }
}

fn masked_u32(old: u32, value: &[u8], mask: Option<&[u8]>) -> Result<u32> {
    let v = stored(bytes::ne32(value, 0))?;
    let m = match mask {
        Some(m) => stored(bytes::ne32(m, 0))?,
        None => u32::MAX,
    };
    Ok(v | (old & !m))
}

/// `execute_masked_set_action()` (a plain SET is one with a full mask).
#[inline(never)]
fn set_action(
    skb: &mut SkBuff,
    key: &mut FlowKey,
    kind: u16,
    value: &[u8],
    mask: Option<&[u8]>,
) -> Result {
    match kind {
        key_attr::PRIORITY => {
            let st = skb.state();
            let prio = masked_u32(st.priority, value, mask)?;
            skb.set_meta(prio, st.mark);
            key.set_u32(fields::PHY_PRIORITY, prio);
            Ok(())
        }
        key_attr::SKB_MARK => {
            let st = skb.state();
            let mark = masked_u32(st.mark, value, mask)?;
            skb.set_meta(st.priority, mark);
            key.set_u32(fields::PHY_SKB_MARK, mark);
            Ok(())
        }
        key_attr::ETHERNET
        | key_attr::IPV4
        | key_attr::IPV6
        | key_attr::TCP
        | key_attr::UDP
        | key_attr::SCTP
        | key_attr::MPLS => {
            // A plain set is a masked one with every bit set but, as C
            // converts it, the IPv6 flow label's top 12 bits.
            let mut ones = [0xffu8; 64];
            if kind == key_attr::IPV6 {
                if let Some(label) = ones.get_mut(32..34) {
                    label.copy_from_slice(&[0x00, 0x0f]);
                }
            }
            let mask = match mask {
                Some(m) => m,
                None => ones.get(..value.len()).ok_or(EINVAL)?,
            };
            if kind == key_attr::SCTP {
                skb.linearize()?;
            }
            let st = skb.state();
            let head = if kind == key_attr::SCTP {
                st.len as usize
            } else {
                edit_head(&st)
            };
            let effects = edit_packet(skb, &st, head, |p| {
                edit::set_masked(kind, value, mask, p, key)
            })?;
            if effects.clear_hash {
                skb.clear_hash();
            }
            if effects.ct_clear {
                skb.ct_clear();
            }
            Ok(())
        }
        // C's execute_masked_set_action() refuses the rest (NSH and the
        // conntrack fields) when the packet meets it.
        _ => Err(EINVAL),
    }
}

/// Runs an [`edit`] on the first `head` bytes of the packet (made
/// writable), with the skb's checksum state `st`, and writes a changed
/// `CHECKSUM_COMPLETE` sum back.
fn edit_packet<R>(
    skb: &mut SkBuff,
    st: &SkState,
    head: usize,
    f: impl FnOnce(&mut edit::Packet<'_>) -> core::result::Result<R, EditError>,
) -> Result<R> {
    let transport = st.transport.unwrap_or(st.network);
    let data = skb.writable(head)?;
    let mut p = edit::Packet {
        data,
        mac_len: usize::from(st.mac_len),
        network: usize::try_from(st.network).map_err(|_| EINVAL)?,
        transport: usize::try_from(transport).map_err(|_| EINVAL)?,
        protocol: st.protocol,
        csum: Csum {
            ip_summed: ip_summed(st.ip_summed),
            csum: st.csum,
        },
    };
    let r = f(&mut p).map_err(|e| Error::from_errno(-e.errno()))?;
    let csum = p.csum.csum;
    if st.ip_summed == CHECKSUM_COMPLETE {
        skb.set_csum(csum);
    }
    Ok(r)
}

/// `execute_set_action()` of a tunnel: the metadata a tunnel device
/// encapsulates the packet with (validated at install, parsed again
/// here).
#[inline(never)]
fn set_tunnel(skb: &mut SkBuff, nest: &[u8]) -> Result {
    let key = crate::flow::match_nl::set_tunnel_key(nest).map_err(|_| EINVAL)?;
    let tun_key: [u8; 64] = key.get(fields::TUN_KEY).try_into().map_err(|_| EINVAL)?;
    let opts_len = usize::from(key.get_u8(fields::TUN_OPTS_LEN));
    let opts = key.get(fields::TUN_OPTS);
    let opts = opts
        .get(opts.len().saturating_sub(opts_len)..)
        .unwrap_or(&[]);
    skb.set_tunnel(&tun_key, key.get_u8(fields::TUN_PROTO), opts)
}

/// `execute_dec_ttl()`: `Ok(false)` when the TTL ran out.
#[inline(never)]
fn dec_ttl(skb: &mut SkBuff, key: &mut FlowKey) -> Result<bool> {
    let st = skb.state();
    edit_packet(skb, &st, edit_head(&st), |p| edit::dec_ttl(p, key))
}
