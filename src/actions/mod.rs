// SPDX-License-Identifier: GPL-2.0

//! Executing a flow's actions on a packet (`net/openvswitch/actions.c`).
//!
//! The executor runs the typed form compiled at install
//! ([`crate::flow::program`]): it never walks netlink, and what C
//! precomputes at install time (a tunnel's metadata dst, the "exec"
//! flags of nested lists) was computed then.
//!
//! Nesting follows C: nested lists run with a copy of the key for at most
//! [`DEFERRED_ACTION_THRESHOLD`] levels, deeper ones are deferred to a
//! FIFO drained when the outermost list is done, and the whole thing is
//! bounded by [`RECURSION_LIMIT`] levels per CPU.

#[allow(unreachable_pub)]
pub mod edit;

use kernel::prelude::*;

use crate::conntrack;
use crate::datapath::DpShared;
use crate::flow::key::{fields, FlowKey};
use crate::flow::program::{Branch, List, Meta, Op, Program, Span, Userspace};
use crate::flow::table::{jhash_1word, Actions};
use crate::kapi::rcu::Guard;
use crate::kapi::skb::{
    BhOff, ExecLevel, Output, SkBuff, SkState, SubsysDropReason, CHECKSUM_COMPLETE,
    IP_TUNNEL_INFO_BRIDGE,
};
use crate::kapi::time;
use crate::packet::{self, Packet};
use crate::uapi::proto::{ETH_P_TEB, NSH_HDR_MAX_LEN};
use crate::uapi::{
    key_attr, packet_cmd, MAC_PROTO_ETHERNET, MAC_PROTO_NONE, OVS_HASH_ALG_L4, OVS_HASH_ALG_SYM_L4,
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
    Meter = 5,
    RecursionLimit = 6,
    DeferredLimit = 7,
    Conntrack = 10,
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
/// The per-CPU keys of those levels.
pub(crate) const NESTED_KEYS: usize = DEFERRED_ACTION_THRESHOLD as usize;
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

/// A list of a program, to run.
type Run<'a> = (&'a Program, List);

/// A list deferred for when the outermost list is done.
struct Deferred<'a> {
    pkt: Packet<'a>,
    key: KBox<FlowKey>,
    /// `None`: a recirculation (look the packet up again).
    actions: Option<Run<'a>>,
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
        let program = &acts.program;
        self.run(pkt, key, program, program.top())
    }

    /// An action list userspace sent with a packet
    /// (`OVS_PACKET_CMD_EXECUTE`).
    pub(crate) fn execute_list(
        &mut self,
        mut pkt: Packet<'a>,
        program: &'a Program,
        orig_len: usize,
        key: &mut FlowKey,
    ) -> Result {
        let level = ExecLevel::enter(self.bh);
        if level.level() > RECURSION_LIMIT {
            pkt.skb.drop_for(DropReason::RecursionLimit);
            return Err(ENETDOWN);
        }
        pkt.cb.acts_origlen = orig_len;
        let r = self.run(pkt, key, program, program.top());
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
                Some((program, list)) => {
                    let _ = self.run(pkt, &mut key, program, list);
                }
                None => {
                    let guard = self.guard;
                    packet::process(self, guard, pkt, &mut key);
                }
            }
        }
    }

    /// `add_deferred_actions()`: `false` when the FIFO is full.
    fn defer(&mut self, pkt: Packet<'a>, key: &FlowKey, actions: Option<Run<'a>>) -> bool {
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

    /// `do_execute_actions()` of `list` of `program`: consumes the packet.
    fn run(
        &mut self,
        pkt: Packet<'a>,
        key: &mut FlowKey,
        program: &'a Program,
        list: List,
    ) -> Result {
        let mut pkt = pkt;
        let ops = program.ops(list);
        for (i, op) in ops.iter().enumerate() {
            let last = i + 1 == ops.len();
            let result = match op {
                Op::Output(port) => {
                    if last {
                        self.output(pkt, *port, key);
                        return Ok(());
                    }
                    if let Some(clone) = pkt.clone_atomic() {
                        self.output(clone, *port, key);
                    }
                    pkt.cb.cutlen = u32::MAX;
                    Ok(())
                }
                Op::Trunc(len) => {
                    pkt.cb.cutlen = *len;
                    Ok(())
                }
                Op::Userspace(u) => {
                    let cutlen = pkt.cb.cutlen;
                    let _ = self.userspace(&mut pkt, key, u, program, list, cutlen);
                    pkt.cb.cutlen = u32::MAX;
                    if last {
                        pkt.skb.consume();
                        return Ok(());
                    }
                    Ok(())
                }
                Op::Hash { alg, basis } => {
                    hash(&mut pkt, key, *alg, *basis);
                    Ok(())
                }
                Op::PushVlan { tpid, tci } => push_vlan(&mut pkt.skb, key, *tpid, *tci),
                Op::PushMpls {
                    lse,
                    ethertype,
                    keep_mac,
                } => {
                    let mac_len = if *keep_mac {
                        pkt.skb.state().mac_len
                    } else {
                        0
                    };
                    push_mpls(&mut pkt.skb, key, *lse, *ethertype, mac_len)
                }
                Op::PopMpls { ethertype } => {
                    let ethernet = packet::key_mac_proto(key) == MAC_PROTO_ETHERNET;
                    let r = pkt.skb.mpls_pop(*ethertype, ethernet);
                    if r.is_ok() {
                        if u16::from_be(*ethertype) == ETH_P_TEB {
                            set_mac_proto(key, MAC_PROTO_ETHERNET);
                        }
                        invalidate(key);
                    }
                    r
                }
                Op::PushEth { src, dst } => {
                    let r = pkt.skb.eth_push(dst, src);
                    if r.is_ok() {
                        set_mac_proto(key, MAC_PROTO_ETHERNET);
                        invalidate(key);
                    }
                    r
                }
                Op::PushNsh(hdr) => push_nsh(&mut pkt.skb, key, hdr),
                Op::PopNsh => {
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
                Op::PopEth => {
                    let r = pkt.skb.eth_pop();
                    if r.is_ok() {
                        set_mac_proto(key, MAC_PROTO_NONE);
                        invalidate(key);
                    }
                    r
                }
                Op::PopVlan => pop_vlan(&mut pkt.skb, key),
                Op::Recirc(id) => {
                    if !key_valid(key) {
                        if let Err(e) = packet::key_update(&mut pkt.skb, key) {
                            pkt.skb.drop_for(DropReason::ActionError);
                            return Err(e);
                        }
                    }
                    if last {
                        return self.nested(pkt, key, *id, None, true);
                    }
                    match pkt.clone_atomic() {
                        Some(copy) => self.nested(copy, key, *id, None, true),
                        None => Ok(()),
                    }
                }
                Op::SetTunnel(dst) => {
                    pkt.skb.set_tunnel_dst(dst);
                    Ok(())
                }
                Op::SetMeta { field, value, mask } => {
                    set_meta(&mut pkt.skb, key, *field, *value, *mask);
                    Ok(())
                }
                Op::SetHeaders { kind, value, mask } => {
                    set_headers(&mut pkt.skb, key, program, *kind, *value, *mask)
                }
                // C's execute_masked_set_action() refuses the conntrack
                // fields when a packet meets them.
                Op::SetRefused => Err(EINVAL),
                Op::Sample {
                    probability,
                    branch,
                } => {
                    if !sample_taken(*probability) {
                        if last {
                            pkt.skb.drop_for(DropReason::LastAction);
                            return Ok(());
                        }
                        Ok(())
                    } else if last {
                        pkt.cb.probability = *probability;
                        return self.branch(pkt, key, program, branch);
                    } else {
                        match pkt.clone_atomic() {
                            Some(mut copy) => {
                                copy.cb.probability = *probability;
                                self.branch(copy, key, program, branch)
                            }
                            None => Ok(()),
                        }
                    }
                }
                Op::Clone(branch) => {
                    if last {
                        return self.branch(pkt, key, program, branch);
                    }
                    match pkt.clone_atomic() {
                        Some(copy) => self.branch(copy, key, program, branch),
                        None => Ok(()),
                    }
                }
                Op::CheckPktLen {
                    max_len,
                    less_equal,
                    greater,
                } => {
                    let branch = if fits(&pkt, *max_len) {
                        less_equal
                    } else {
                        greater
                    };
                    if last {
                        return self.branch(pkt, key, program, branch);
                    }
                    match pkt.clone_atomic() {
                        Some(copy) => self.branch(copy, key, program, branch),
                        None => Ok(()),
                    }
                }
                Op::DecTtl(exception) => match dec_ttl(&mut pkt.skb, key) {
                    Ok(true) => Ok(()),
                    Ok(false) => return self.dec_ttl_exception(pkt, key, program, *exception),
                    Err(e) => Err(e),
                },
                Op::Meter(id) => {
                    if self
                        .dp
                        .meters
                        .execute(self.guard, self.bh, *id, pkt.skb.len())
                    {
                        pkt.skb.drop_for(DropReason::Meter);
                        return Ok(());
                    }
                    Ok(())
                }
                Op::Ct(ct) => {
                    if !key_valid(key) {
                        if let Err(e) = packet::key_update(&mut pkt.skb, key) {
                            pkt.skb.drop_for(DropReason::ActionError);
                            return Err(e);
                        }
                    }
                    let net = self.dp.net.get();
                    let limits = if ct.action.commit {
                        self.dp.ct_limits.find(self.guard, net)
                    } else {
                        None
                    };
                    let mru = &mut pkt.cb.mru;
                    match conntrack::execute(net, pkt.skb, mru, key, ct, limits) {
                        conntrack::Outcome::Continue(skb) => {
                            pkt.skb = skb;
                            Ok(())
                        }
                        // Hidden from userspace, as C hides stolen
                        // fragments.
                        conntrack::Outcome::Stolen => return Ok(()),
                        conntrack::Outcome::Freed(e) => return Err(e),
                        conntrack::Outcome::Failed(skb, e) => {
                            skb.drop_for(DropReason::Conntrack);
                            return Err(e);
                        }
                    }
                }
                Op::CtClear => {
                    pkt.skb.ct_clear();
                    ct_clear_key(key);
                    Ok(())
                }
                Op::Drop { with_error } => {
                    let reason = if *with_error {
                        DropReason::ExplicitWithError
                    } else {
                        DropReason::Explicit
                    };
                    pkt.skb.drop_for(reason);
                    return Ok(());
                }
                Op::Psample { group, cookie } => {
                    self.psample(&pkt, *group, program.bytes(*cookie));
                    pkt.cb.cutlen = u32::MAX;
                    if last {
                        pkt.skb.consume();
                        return Ok(());
                    }
                    Ok(())
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

    /// A nested list run on `pkt` (a clone, or the packet itself when
    /// last), with a copy of the key where the list needs one.
    fn branch(
        &mut self,
        pkt: Packet<'a>,
        key: &mut FlowKey,
        program: &'a Program,
        branch: &Branch,
    ) -> Result {
        self.nested(pkt, key, 0, Some((program, branch.list)), branch.clone_key)
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

    /// `output_userspace()`; `list` is the list the action is in.
    #[inline(never)]
    fn userspace(
        &mut self,
        pkt: &mut Packet<'a>,
        key: &FlowKey,
        u: &Userspace,
        program: &'a Program,
        list: List,
        cutlen: u32,
    ) -> Result {
        let egress = u.egress_port.and_then(|port| self.egress_tunnel(pkt, port));
        let portid = if pkt.cb.upcall_pid != 0 {
            pkt.cb.upcall_pid
        } else if self.dp.user_features() & crate::uapi::OVS_DP_F_DISPATCH_UPCALL_PER_CPU != 0 {
            upcall::cpu_portid(self.dp, self.guard, self.bh)
        } else {
            u.pid
        };
        let info = UpcallInfo {
            cmd: packet_cmd::ACTION,
            portid,
            userdata: u.userdata.map(|s| program.bytes(s)),
            actions: u.with_actions.then(|| program.list_bytes(list)),
            mru: pkt.cb.mru,
            egress: egress.as_deref(),
        };
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
    fn psample(&self, pkt: &Packet<'a>, group: u32, cookie: &[u8]) {
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

    /// `dec_ttl_exception_handler()`: the exception list, or a drop
    /// without one.
    #[inline(never)]
    fn dec_ttl_exception(
        &mut self,
        pkt: Packet<'a>,
        key: &mut FlowKey,
        program: &'a Program,
        exception: List,
    ) -> Result {
        if program.ops(exception).is_empty() {
            pkt.skb.drop_for(DropReason::IpTtl);
            return Ok(());
        }
        self.nested(pkt, key, 0, Some((program, exception)), false)
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
        actions: Option<Run<'a>>,
        clone_key: bool,
    ) -> Result {
        if !clone_key {
            return match actions {
                Some((program, list)) => self.run(pkt, key, program, list),
                None => {
                    key.set_u32(fields::RECIRC_ID, recirc_id);
                    let guard = self.guard;
                    packet::process(self, guard, pkt, key);
                    Ok(())
                }
            };
        }
        let slot = if crate::kapi::skb::exec_level(self.bh) <= DEFERRED_ACTION_THRESHOLD {
            self.dp.nested_keys.enter(self.bh)
        } else {
            None
        };
        if let Some(mut copy) = slot {
            // This CPU's key for the level (C's `flow_keys`): no copy on
            // the kernel stack of this recursive path, no allocation.
            copy.clone_from(key);
            return match actions {
                Some((program, list)) => {
                    let _nested = ExecLevel::enter(self.bh);
                    self.run(pkt, &mut copy, program, list)
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
        actions: Option<Run<'a>>,
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

/// `execute_hash()`.
fn hash(pkt: &mut Packet<'_>, key: &mut FlowKey, alg: u32, basis: u32) {
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
}

/// `sample()`'s draw: `u32::MAX` always samples, 0 never.
fn sample_taken(probability: u32) -> bool {
    probability == u32::MAX || (probability != 0 && crate::kapi::skb::random_u32() <= probability)
}

/// `execute_check_pkt_len()`'s test: whether the packet (its MRU when
/// reassembled) fits `max_len`.
fn fits(pkt: &Packet<'_>, max_len: u16) -> bool {
    let st = pkt.skb.state();
    let len = if pkt.cb.mru != 0 {
        usize::from(pkt.cb.mru) + usize::from(st.mac_len)
    } else {
        st.len as usize
    };
    // C also takes the lesser branch for a GSO packet whose segments fit.
    len <= usize::from(max_len) || (st.gso && pkt.skb.gso_segments_fit(u32::from(max_len)))
}

/// A heap copy of `key`, out of line: keys are large for the recursive
/// paths' stack frames.
#[inline(never)]
fn boxed_key(key: &FlowKey) -> Option<KBox<FlowKey>> {
    KBox::new(key.clone(), GFP_ATOMIC).ok()
}

fn key_valid(key: &FlowKey) -> bool {
    key.get_u8(fields::MAC_PROTO) & crate::uapi::SW_FLOW_KEY_INVALID == 0
}

/// `invalidate_flow_key()`.
fn invalidate(key: &mut FlowKey) {
    let m = key.get_u8(fields::MAC_PROTO);
    key.set_u8(fields::MAC_PROTO, m | crate::uapi::SW_FLOW_KEY_INVALID);
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

/// `push_nsh()` of the header built at install.
#[inline(never)]
fn push_nsh(skb: &mut SkBuff, key: &mut FlowKey, hdr: &[u8; NSH_HDR_MAX_LEN]) -> Result {
    skb.nsh_push(hdr)?;
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
fn push_vlan(skb: &mut SkBuff, key: &mut FlowKey, tpid: u16, tci: u16) -> Result {
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

/// `execute_masked_set_action()` of `skb->priority` or `skb->mark` (a
/// plain SET is one with a full mask).
fn set_meta(skb: &mut SkBuff, key: &mut FlowKey, field: Meta, value: u32, mask: u32) {
    let st = skb.state();
    let masked = |old: u32| value | (old & !mask);
    match field {
        Meta::Priority => {
            let prio = masked(st.priority);
            skb.set_meta(prio, st.mark);
            key.set_u32(fields::PHY_PRIORITY, prio);
        }
        Meta::Mark => {
            let mark = masked(st.mark);
            skb.set_meta(st.priority, mark);
            key.set_u32(fields::PHY_SKB_MARK, mark);
        }
    }
}

/// `execute_masked_set_action()` of packet headers: key attribute `kind`,
/// its `value` and `mask` (`None`: a plain SET) in `program`'s list.
#[inline(never)]
fn set_headers(
    skb: &mut SkBuff,
    key: &mut FlowKey,
    program: &Program,
    kind: u16,
    value: Span,
    mask: Option<Span>,
) -> Result {
    let value = program.bytes(value);
    // A plain set is a masked one with every bit set but, as C converts
    // it, the IPv6 flow label's top 12 bits.
    let mut ones = [0xffu8; 64];
    let mask = match mask {
        Some(m) => program.bytes(m),
        None => {
            if kind == key_attr::IPV6 {
                if let Some(label) = ones.get_mut(32..34) {
                    label.copy_from_slice(&[0x00, 0x0f]);
                }
            }
            ones.get(..value.len()).ok_or(EINVAL)?
        }
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

/// `execute_dec_ttl()`: `Ok(false)` when the TTL ran out.
#[inline(never)]
fn dec_ttl(skb: &mut SkBuff, key: &mut FlowKey) -> Result<bool> {
    let st = skb.state();
    edit_packet(skb, &st, edit_head(&st), |p| edit::dec_ttl(p, key))
}
