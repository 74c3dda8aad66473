// SPDX-License-Identifier: GPL-2.0

//! Validating a flow's action list (`ovs_nla_copy_actions()`) and writing
//! it as replies show it (`ovs_nla_put_actions()`),
//! Documentation/flow-netlink.md §6 and §7.
//!
//! The list is validated and written in one pass, into the form C's
//! replies carry: what a flow stores is that form.
//!
//! Every action type is validated; CT as [`super::ct_nl`] says, or
//! refused with `ENOTSUPP` where the kernel has no conntrack, as a C
//! module built without it refuses it.

use super::key::{fields, FlowKey};
use super::match_nl::CtSupport;
use crate::bytes::{be16, be32, ne16, ne32, padded, u8_at};
use crate::netlink::attr::{Attr, Attrs};
use crate::netlink::build::{AttrSink, PutError};
use crate::uapi::proto::{
    AF_INET, AF_INET6, ETH_HLEN, ETH_P_8021AD, ETH_P_8021Q, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6,
    ETH_P_MPLS_MC, ETH_P_MPLS_UC, ETH_P_NSH, ETH_P_RARP, ETH_P_TEB, VLAN_CFI_MASK,
};
use crate::uapi::{action, check_pkt_len_attr, sample_attr, OVS_DEC_TTL_ATTR_ACTION};
use crate::uapi::{DP_MAX_PORTS, MAC_PROTO_ETHERNET, MAC_PROTO_NONE, OVS_HASH_ALG_SYM_L4};

/// `MAX_ACTIONS_DEPTH`.
const MAX_DEPTH: u32 = 16;

/// Why an action list was refused: C's errno, and its log text where C
/// logs one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionError {
    /// `EINVAL`, unlogged (most action checks).
    Invalid,
    /// `EINVAL` with C's log text.
    InvalidLogged(&'static str),
    /// `EINVAL`: "Message has %d unknown bytes." (dec_ttl).
    DecTtlTrailing(isize),
    /// `EINVAL`: "Duplicate or invalid key (type %d)." (dec_ttl).
    DecTtlDuplicate(u16),
    /// `ERANGE`: a policy-parsed attribute too short.
    Range,
    /// `EOVERFLOW`: nested deeper than 16.
    TooDeep,
    /// `EMSGSIZE`: a nested list past 65535 bytes.
    TooBig,
    /// `ENOMEM`: the copy could not grow.
    NoMemory,
    /// `ENOTSUPP` (524): conntrack, which this module does not have.
    NoConntrack,
    /// `EINVAL`: a set-tunnel's tunnel or a push_nsh's header, refused
    /// as a flow key's would be.
    Key(super::match_nl::MatchError),
    /// A CT action C refuses (`EINVAL` or `ERANGE`, always logged).
    Ct(super::ct_nl::CtError),
}

impl ActionError {
    /// The errno C returns (positive).
    pub fn errno(&self) -> i32 {
        match self {
            ActionError::Invalid
            | ActionError::InvalidLogged(_)
            | ActionError::DecTtlTrailing(_)
            | ActionError::DecTtlDuplicate(_)
            | ActionError::Key(_) => 22,
            ActionError::Range => 34,
            ActionError::TooDeep => 75,
            ActionError::TooBig => 90,
            ActionError::NoMemory => 12,
            ActionError::NoConntrack => 524,
            ActionError::Ct(e) => e.errno(),
        }
    }
}

impl ActionError {
    /// Whether C logs something of its own for this refusal (before the
    /// caller's "Flow actions may not be safe" line).
    pub fn logged(&self) -> bool {
        match self {
            ActionError::InvalidLogged(_)
            | ActionError::DecTtlTrailing(_)
            | ActionError::DecTtlDuplicate(_)
            | ActionError::Ct(_) => true,
            ActionError::Key(e) => e.logged(),
            _ => false,
        }
    }
}

/// C's log text, for the refusals it logs ([`ActionError::logged`]).
impl core::fmt::Display for ActionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ActionError::InvalidLogged(text) => f.write_str(text),
            ActionError::DecTtlTrailing(n) => write!(f, "Message has {} unknown bytes.", n),
            ActionError::DecTtlDuplicate(t) => write!(f, "Duplicate or invalid key (type {}).", t),
            ActionError::Key(e) => e.fmt(f),
            ActionError::Ct(e) => e.fmt(f),
            other => write!(f, "{:?}", other),
        }
    }
}

impl From<PutError> for ActionError {
    fn from(e: PutError) -> Self {
        match e {
            PutError::NoRoom => ActionError::TooBig,
            PutError::NoMemory => ActionError::NoMemory,
        }
    }
}

/// What a list level knows of the packet (C passes these by value into
/// nested lists; changes inside do not come back out).
#[derive(Clone, Copy)]
struct State {
    eth_type: u16,
    vlan_tci: u16,
    mpls_label_count: u32,
    ct: CtSupport,
}

/// `action_lens[]`: the fixed payload length, `None` when variable.
fn action_len(kind: u16) -> Option<usize> {
    use action::*;
    match kind {
        OUTPUT | PUSH_VLAN | RECIRC | TRUNC | METER | DROP => Some(4),
        HASH | PUSH_MPLS | ADD_MPLS => Some(8),
        POP_MPLS => Some(2),
        PUSH_ETH => Some(12),
        POP_VLAN | POP_ETH | CT_CLEAR | POP_NSH => Some(0),
        USERSPACE | SET | SAMPLE | SET_MASKED | CT | PUSH_NSH | CLONE | CHECK_PKT_LEN | DEC_TTL
        | PSAMPLE => None,
        // UNSPEC
        _ => Some(0),
    }
}

fn is_mpls(t: u16) -> bool {
    t == ETH_P_MPLS_UC || t == ETH_P_MPLS_MC
}

/// A policy-checked attribute set (`nla_parse_deprecated_strict()`):
/// `lens[type]` is the minimum length of a typed member (`Some(0)` for
/// any, `Some(4)` for NLA_NESTED's "0 or at least 4"), `None` for types
/// the policy does not know.
fn parse_strict<'a, const N: usize>(
    payload: &'a [u8],
    max: u16,
    min_len: impl Fn(u16) -> usize,
    nested: impl Fn(u16) -> bool,
) -> Result<[Option<Attr<'a>>; N], ActionError> {
    let mut out = [None; N];
    let mut it = Attrs::new(payload);
    for a in it.by_ref() {
        let kind = a.kind();
        if kind == 0 || kind > max {
            return Err(ActionError::Invalid);
        }
        let len = a.payload().len();
        if nested(kind) {
            if len > 0 && len < 4 {
                return Err(ActionError::Range);
            }
        } else if len < min_len(kind) {
            return Err(ActionError::Range);
        }
        if let Some(slot) = out.get_mut(usize::from(kind)) {
            *slot = Some(a);
        }
    }
    if it.remaining() > 0 {
        return Err(ActionError::Invalid);
    }
    Ok(out)
}

/// Whether `a` is the last attribute of its list (`nla_is_last()`: its
/// unpadded length is what remains).
fn is_last(a: &Attr<'_>, remaining_after: isize) -> bool {
    let len = a.payload().len() + 4;
    remaining_after + crate::netlink::attr::nla_align(len) as isize == len as isize
}

/// `validate_set()`: one key attribute to write (SET) or to write under a
/// mask (SET_MASKED, value then mask). Written back as C shows it: a
/// SET_MASKED as sent, a SET as SET{type: value}.
#[inline(never)]
fn set<S: AttrSink>(
    sink: &mut S,
    masked: bool,
    p: &[u8],
    key: &FlowKey,
    st: &State,
    mac_proto: u8,
) -> Result<(), ActionError> {
    use super::key_attrs::{key_len, KeyLen};
    use crate::uapi::{key_attr as ka, OVS_KEY_ATTR_MAX};
    // Exactly one attribute, whose padding ends the action.
    let mut inner_it = Attrs::new(p);
    let inner = inner_it.next().ok_or(ActionError::Invalid)?;
    if crate::netlink::attr::nla_align(4 + inner.payload().len()) != p.len() {
        return Err(ActionError::Invalid);
    }
    let kind = inner.kind();
    let data = inner.payload();
    let len = if masked { data.len() / 2 } else { data.len() };
    if kind > OVS_KEY_ATTR_MAX {
        return Err(ActionError::Invalid);
    }
    if let KeyLen::Fixed(n) = key_len(kind) {
        if n != len {
            return Err(ActionError::Invalid);
        }
    }
    let value = data.get(..len).unwrap_or(&[]);
    let mask = data.get(len..2 * len).unwrap_or(&[]);
    if masked && value.iter().zip(mask).any(|(v, m)| v & !m != 0) {
        return Err(ActionError::Invalid);
    }
    let ip = st.eth_type == ETH_P_IP || st.eth_type == ETH_P_IPV6;
    let key_proto = key.get_u8(fields::IP_PROTO);
    let byte = |b: &[u8], i: usize| u8_at(b, i).unwrap_or(0);
    let label = |b: &[u8]| be32(b, 32).unwrap_or(0);
    let ok = match kind {
        ka::PRIORITY | ka::SKB_MARK | ka::CT_MARK | ka::CT_LABELS => true,
        ka::ETHERNET => mac_proto == MAC_PROTO_ETHERNET,
        ka::TUNNEL => {
            if masked {
                return Err(ActionError::Invalid);
            }
            return set_tunnel(sink, data);
        }
        ka::IPV4 => {
            st.eth_type == ETH_P_IP
                && if masked {
                    byte(mask, 8) == 0 && byte(mask, 11) == 0
                } else {
                    byte(value, 8) == key_proto && byte(value, 11) == key.get_u8(fields::IP_FRAG)
                }
        }
        ka::IPV6 => {
            st.eth_type == ETH_P_IPV6
                && if masked {
                    byte(mask, 36) == 0 && byte(mask, 39) == 0 && label(mask) & 0xfff0_0000 == 0
                } else {
                    byte(value, 36) == key_proto && byte(value, 39) == key.get_u8(fields::IP_FRAG)
                }
                && label(value) & 0xfff0_0000 == 0
        }
        ka::TCP => ip && key_proto == 6,
        ka::UDP => ip && key_proto == 17,
        ka::SCTP => ip && key_proto == 132,
        ka::MPLS => is_mpls(st.eth_type) && len == 4,
        _ => false,
    };
    if !ok {
        return Err(ActionError::Invalid);
    }
    if masked {
        sink.put(action::SET_MASKED, p)?;
    } else {
        let nest = sink.nest_start(action::SET)?;
        sink.put(kind, value)?;
        sink.nest_end(nest)?;
    }
    Ok(())
}

/// `validate_and_copy_set_tun()`: the tunnel parsed as a flow key's, its
/// GENEVE options walked (an option type with the critical bit sets
/// CRIT_OPT), shown back as C shows the `ip_tunnel_info` it keeps.
fn set_tunnel<S: AttrSink>(sink: &mut S, nest: &[u8]) -> Result<(), ActionError> {
    use super::tunnel_nl::flag;
    let mut key = super::match_nl::set_tunnel_key(nest).map_err(ActionError::Key)?;
    let opts_len = key.get_u8(fields::TUN_OPTS_LEN);
    let mut flags = key.get_u64(fields::TUN_FLAGS);
    if opts_len != 0 && flags & (1 << flag::GENEVE_OPT) != 0 {
        // validate_geneve_opts(): 4-byte headers, lengths in words.
        let opts = key
            .get(fields::TUN_OPTS)
            .get(fields::TUN_OPTS.span().len - usize::from(opts_len)..)
            .unwrap_or(&[]);
        let mut rest = opts;
        let mut crit = false;
        while !rest.is_empty() {
            let [_, _, ty, len, ..] = *rest else {
                return Err(ActionError::Invalid);
            };
            let n = 4 + usize::from(len & 0x1f) * 4;
            rest = rest.get(n..).ok_or(ActionError::Invalid)?;
            crit |= ty & 0x80 != 0;
        }
        if crit {
            flags |= 1 << flag::CRIT_OPT;
            key.set(fields::TUN_FLAGS, &flags.to_ne_bytes());
        }
    }
    let tun_proto = key.get_u8(fields::TUN_PROTO);
    let bridge = tun_proto == AF_INET && key.get(fields::TUN_IPV4_DST) == [0; 4];
    let af = if tun_proto == AF_INET6 {
        AF_INET6
    } else {
        AF_INET
    };
    let set = sink.nest_start(action::SET)?;
    let tun = sink.nest_start(crate::uapi::key_attr::TUNNEL)?;
    super::key_put::put_tunnel(sink, &key, af, opts_len, bridge)?;
    sink.nest_end(tun)?;
    sink.nest_end(set)?;
    Ok(())
}

/// `ovs_nla_copy_actions()`: validates `list` (an `OVS_FLOW_ATTR_ACTIONS`
/// payload) for a flow of masked key `key` on a kernel with conntrack
/// support `ct`, and writes the actions as C's replies show them.
pub fn copy_actions<S: AttrSink>(
    sink: &mut S,
    list: &[u8],
    key: &FlowKey,
    ct: CtSupport,
) -> Result<(), ActionError> {
    let eth_type = key.get_be16(fields::ETH_TYPE);
    let state = State {
        eth_type,
        vlan_tci: key.get_be16(fields::ETH_VLAN_TCI),
        mpls_label_count: if is_mpls(eth_type) {
            key.get_u32(fields::MPLS_NUM_LABELS_MASK).count_ones()
        } else {
            0
        },
        ct,
    };
    copy_list(sink, list, key, state, 0)
}

/// What a nested action asks of its list's walk.
enum Nested<'a> {
    None,
    Sample {
        probability: &'a [u8],
        actions: &'a [u8],
    },
    Clone(&'a [u8]),
    CheckPktLen {
        pkt_len: u16,
        less_equal: &'a [u8],
        greater: &'a [u8],
    },
    DecTtl(&'a [u8]),
}

/// `__ovs_nla_copy_actions()` for one list. It recurses for nested lists,
/// at most 17 levels deep on a kernel stack, so its own frame holds only
/// the walk; each action is checked by [`check_action`], which is kept
/// out of line. (`scripts/lint` fails if this frame grows past 512
/// bytes.)
fn copy_list<S: AttrSink>(
    sink: &mut S,
    list: &[u8],
    key: &FlowKey,
    st: State,
    depth: u32,
) -> Result<(), ActionError> {
    use action::*;
    if depth > MAX_DEPTH {
        return Err(ActionError::TooDeep);
    }
    let mut st = st;
    // mac_proto comes from the key at every level.
    let mut mac_proto = key.get_u8(fields::MAC_PROTO);
    let mut it = Attrs::new(list);
    while let Some(a) = it.next() {
        let last = is_last(&a, it.remaining());
        match check_action(sink, &a, last, key, &mut st, &mut mac_proto)? {
            Nested::None => {}
            Nested::Sample {
                probability,
                actions,
            } => {
                let nest = sink.nest_start(SAMPLE)?;
                sink.put(sample_attr::PROBABILITY, probability)?;
                let inner = sink.nest_start(sample_attr::ACTIONS)?;
                copy_list(sink, actions, key, st, depth + 1)?;
                sink.nest_end(inner)?;
                sink.nest_end(nest)?;
            }
            Nested::Clone(actions) => {
                let nest = sink.nest_start(CLONE)?;
                copy_list(sink, actions, key, st, depth + 1)?;
                sink.nest_end(nest)?;
            }
            Nested::CheckPktLen {
                pkt_len,
                less_equal,
                greater,
            } => {
                let nest = sink.nest_start(CHECK_PKT_LEN)?;
                sink.put(check_pkt_len_attr::PKT_LEN, &pkt_len.to_ne_bytes())?;
                // C keeps and shows ACTIONS_IF_LESS_EQUAL first.
                for (branch, actions) in [
                    (check_pkt_len_attr::ACTIONS_IF_LESS_EQUAL, less_equal),
                    (check_pkt_len_attr::ACTIONS_IF_GREATER, greater),
                ] {
                    let b = sink.nest_start(branch)?;
                    copy_list(sink, actions, key, st, depth + 1)?;
                    sink.nest_end(b)?;
                }
                sink.nest_end(nest)?;
            }
            Nested::DecTtl(actions) => {
                let nest = sink.nest_start(DEC_TTL)?;
                let inner = sink.nest_start(OVS_DEC_TTL_ATTR_ACTION)?;
                copy_list(sink, actions, key, st, depth + 1)?;
                sink.nest_end(inner)?;
                sink.nest_end(nest)?;
            }
        }
    }
    if it.remaining() > 0 {
        return Err(ActionError::Invalid);
    }
    Ok(())
}

/// Checks one action against the list's state (updating it) and writes
/// it, or says which nested list to walk.
#[inline(never)]
fn check_action<'a, S: AttrSink>(
    sink: &mut S,
    a: &Attr<'a>,
    last: bool,
    key: &FlowKey,
    st: &mut State,
    mac_proto: &mut u8,
) -> Result<Nested<'a>, ActionError> {
    use action::*;
    let kind = a.kind();
    let p = a.payload();
    if kind > MAX {
        return Err(ActionError::Invalid);
    }
    if action_len(kind).is_some_and(|n| n != p.len()) {
        return Err(ActionError::Invalid);
    }
    match kind {
        OUTPUT => {
            if ne32(p, 0).unwrap_or(0) >= DP_MAX_PORTS {
                return Err(ActionError::Invalid);
            }
        }
        USERSPACE => {
            // PID, USERDATA (any), EGRESS_TUN_PORT, ACTIONS (any).
            let attrs: [Option<Attr<'_>>; 5] =
                parse_strict(p, 4, |t| if t == 1 || t == 3 { 4 } else { 0 }, |_| false)?;
            let pid = attrs.get(1).copied().flatten();
            if pid.is_none_or(|pid| ne32(pid.payload(), 0).unwrap_or(0) == 0) {
                return Err(ActionError::Invalid);
            }
        }
        SET | SET_MASKED => {
            set(sink, kind == SET_MASKED, p, key, st, *mac_proto)?;
            return Ok(Nested::None);
        }
        PUSH_NSH => {
            // tun_p_from_eth_p(): what NSH can carry.
            if *mac_proto != MAC_PROTO_ETHERNET
                && !matches!(
                    st.eth_type,
                    ETH_P_IP | ETH_P_IPV6 | ETH_P_NSH | ETH_P_MPLS_UC | ETH_P_TEB
                )
            {
                return Err(ActionError::Invalid);
            }
            *mac_proto = MAC_PROTO_NONE;
            // Exactly one attribute, an NSH key, whose padding ends
            // the action.
            let mut one = Attrs::new(p);
            let nsh = one.next().ok_or(ActionError::Invalid)?;
            if crate::netlink::attr::nla_align(4 + nsh.payload().len()) != p.len()
                || nsh.kind() != crate::uapi::key_attr::NSH
            {
                return Err(ActionError::Invalid);
            }
            super::match_nl::push_nsh_valid(nsh.payload()).map_err(ActionError::Key)?;
        }
        PUSH_VLAN => {
            let (tpid, tci) = (be16(p, 0).unwrap_or(0), be16(p, 2).unwrap_or(0));
            if *mac_proto != MAC_PROTO_ETHERNET
                || (tpid != ETH_P_8021Q && tpid != ETH_P_8021AD)
                || tci & VLAN_CFI_MASK == 0
            {
                return Err(ActionError::Invalid);
            }
            st.vlan_tci = tci;
        }
        POP_VLAN => {
            if *mac_proto != MAC_PROTO_ETHERNET {
                return Err(ActionError::Invalid);
            }
            st.vlan_tci = 0;
        }
        SAMPLE => {
            let mut attrs: [Option<Attr<'_>>; 3] = [None; 3];
            let mut inner = Attrs::new(p);
            for m in inner.by_ref() {
                let t = usize::from(m.kind());
                match attrs.get_mut(t) {
                    Some(slot @ None) if t != 0 => *slot = Some(m),
                    _ => return Err(ActionError::Invalid),
                }
            }
            if inner.remaining() != 0 {
                return Err(ActionError::Invalid);
            }
            let prob = attrs[1].filter(|x| x.payload().len() == 4);
            let acts = attrs[2].filter(|x| x.payload().is_empty() || x.payload().len() >= 4);
            let (Some(prob), Some(acts)) = (prob, acts) else {
                return Err(ActionError::Invalid);
            };
            return Ok(Nested::Sample {
                probability: prob.payload(),
                actions: acts.payload(),
            });
        }
        RECIRC | METER | CT_CLEAR => {}
        HASH => {
            if ne32(p, 0).unwrap_or(0) > OVS_HASH_ALG_SYM_L4 {
                return Err(ActionError::Invalid);
            }
        }
        PUSH_MPLS => {
            let ethertype = be16(p, 4).unwrap_or(0);
            if !is_mpls(ethertype)
                || st.vlan_tci & VLAN_CFI_MASK != 0
                || !matches!(
                    st.eth_type,
                    ETH_P_IP | ETH_P_IPV6 | ETH_P_ARP | ETH_P_RARP | ETH_P_MPLS_UC | ETH_P_MPLS_MC
                )
            {
                return Err(ActionError::Invalid);
            }
            st.eth_type = ethertype;
            st.mpls_label_count = st.mpls_label_count.wrapping_add(1);
        }
        POP_MPLS => {
            let proto = be16(p, 0).unwrap_or(0);
            if st.vlan_tci & VLAN_CFI_MASK != 0 || !is_mpls(st.eth_type) {
                return Err(ActionError::Invalid);
            }
            if proto == ETH_P_TEB && *mac_proto != MAC_PROTO_NONE {
                return Err(ActionError::Invalid);
            }
            st.mpls_label_count = st.mpls_label_count.wrapping_sub(1);
            st.eth_type = if is_mpls(proto) && st.mpls_label_count != 0 {
                proto
            } else {
                0
            };
        }
        CT => {
            if !st.ct.state {
                return Err(ActionError::NoConntrack);
            }
            // The family is the flow's, whatever actions before changed.
            let ct = super::ct_nl::parse(p, key, st.ct).map_err(ActionError::Ct)?;
            let family = super::ct_nl::Family::of(key).ok_or(ActionError::Invalid)?;
            super::ct_nl::put(sink, &ct, family, st.ct)?;
            return Ok(Nested::None);
        }
        TRUNC => {
            if ne32(p, 0).unwrap_or(0) < ETH_HLEN as u32 {
                return Err(ActionError::Invalid);
            }
        }
        PUSH_ETH => {
            if *mac_proto != MAC_PROTO_NONE {
                return Err(ActionError::Invalid);
            }
            *mac_proto = MAC_PROTO_ETHERNET;
        }
        POP_ETH => {
            if *mac_proto != MAC_PROTO_ETHERNET || st.vlan_tci & VLAN_CFI_MASK != 0 {
                return Err(ActionError::Invalid);
            }
            *mac_proto = MAC_PROTO_NONE;
        }
        POP_NSH => {
            let np = key.get(fields::NSH_BASE).get(3).copied().unwrap_or(0);
            if st.eth_type != ETH_P_NSH || !(1..=5).contains(&np) {
                return Err(ActionError::Invalid);
            }
            *mac_proto = if np == 3 {
                MAC_PROTO_ETHERNET
            } else {
                MAC_PROTO_NONE
            };
        }
        CLONE => {
            if !p.is_empty() && p.len() < 4 {
                return Err(ActionError::Invalid);
            }
            return Ok(Nested::Clone(p));
        }
        CHECK_PKT_LEN => {
            let attrs: [Option<Attr<'_>>; 4] =
                parse_strict(p, 3, |t| if t == 1 { 2 } else { 0 }, |t| t == 2 || t == 3)?;
            let pkt_len = attrs[1].map_or(0, |l| ne16(l.payload(), 0).unwrap_or(0));
            // OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER is 2,
            // _IF_LESS_EQUAL 3; C keeps and shows the latter first.
            let (Some(gt), Some(le)) = (attrs[2], attrs[3]) else {
                return Err(ActionError::Invalid);
            };
            if pkt_len == 0 {
                return Err(ActionError::Invalid);
            }
            return Ok(Nested::CheckPktLen {
                pkt_len,
                less_equal: le.payload(),
                greater: gt.payload(),
            });
        }
        ADD_MPLS => {
            let ethertype = be16(p, 4).unwrap_or(0);
            let l3 = u16::from_ne_bytes(padded(p, 6)) & 1 != 0;
            if !is_mpls(ethertype) {
                return Err(ActionError::Invalid);
            }
            if l3 {
                if st.vlan_tci & VLAN_CFI_MASK != 0
                    || !matches!(
                        st.eth_type,
                        ETH_P_IP
                            | ETH_P_IPV6
                            | ETH_P_ARP
                            | ETH_P_RARP
                            | ETH_P_MPLS_UC
                            | ETH_P_MPLS_MC
                    )
                {
                    return Err(ActionError::Invalid);
                }
                st.mpls_label_count = st.mpls_label_count.wrapping_add(1);
            } else if *mac_proto == MAC_PROTO_ETHERNET {
                st.mpls_label_count = 1;
                *mac_proto = MAC_PROTO_NONE;
            } else {
                st.mpls_label_count = st.mpls_label_count.wrapping_add(1);
            }
            st.eth_type = ethertype;
        }
        DEC_TTL => {
            let mut acts: Option<Attr<'_>> = None;
            let mut inner = Attrs::new(p);
            for m in inner.by_ref() {
                let t = m.kind();
                if t > 1 {
                    continue;
                }
                if t == 0 || acts.is_some() {
                    return Err(ActionError::DecTtlDuplicate(t));
                }
                acts = Some(m);
            }
            if inner.remaining() != 0 {
                return Err(ActionError::DecTtlTrailing(inner.remaining()));
            }
            let Some(acts) = acts.filter(|x| x.payload().is_empty() || x.payload().len() >= 4)
            else {
                return Err(ActionError::InvalidLogged(
                    "Missing valid actions attribute.",
                ));
            };
            return Ok(Nested::DecTtl(acts.payload()));
        }
        DROP => {
            if !last {
                return Err(ActionError::Invalid);
            }
        }
        PSAMPLE => {
            // nla_parse_nested(): strict, and the outer attribute must
            // say it is nested.
            if !a.has_nested_flag() {
                return Err(ActionError::Invalid);
            }
            let mut group = None;
            let mut inner = Attrs::new(p);
            for m in inner.by_ref() {
                match m.kind() {
                    1 if m.payload().len() == 4 && !m.has_nested_flag() => group = Some(m),
                    2 if !m.has_nested_flag() => {
                        if m.payload().len() > 16 {
                            return Err(ActionError::Range);
                        }
                    }
                    _ => return Err(ActionError::Invalid),
                }
            }
            if inner.remaining() > 0 || group.is_none() {
                return Err(ActionError::Invalid);
            }
        }
        // UNSPEC.
        _ => return Err(ActionError::Invalid),
    }
    // Everything else is stored, and shown, as it came.
    sink.put(kind, p)?;
    Ok(Nested::None)
}

#[path = "actions_nl/tests.rs"]
mod tests;
