// SPDX-License-Identifier: GPL-2.0

//! The CT action (`OVS_ACTION_ATTR_CT`): validated as C's `parse_ct()`
//! and `parse_nat()` validate it, into a typed [`CtAction`], and written
//! back as `ovs_ct_action_to_attr()` shows it.
//!
//! The written form is what a flow stores; compiling the flow
//! ([`super::program`]) parses it again, with the same family, into the
//! action the executor runs and the zone template the kernel needs.

use core::fmt;

use super::key::{fields, FlowKey};
use super::match_nl::CtSupport;
use crate::bytes::{array, ne16, ne32};
use crate::netlink::attr::Attrs;
use crate::netlink::build::{AttrSink, PutError};
use crate::uapi::proto::{ETH_P_IP, ETH_P_IPV6};
use crate::uapi::{ct_attr, nat_attr, nat_range, NFPROTO_IPV4, NFPROTO_IPV6};

/// `NF_CT_HELPER_NAME_LEN`.
pub const HELPER_NAME_LEN: usize = 16;
/// `CTNL_TIMEOUT_NAME_MAX`.
pub const TIMEOUT_NAME_LEN: usize = 32;
/// `OVS_CT_LABELS_LEN`.
pub const LABELS_LEN: usize = 16;

/// The address family conntrack tracks a flow's packets in
/// (`key_to_nfproto()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    /// From a flow's (masked) key: `None` if it is neither IPv4 nor IPv6.
    pub fn of(key: &FlowKey) -> Option<Family> {
        match key.get_be16(fields::ETH_TYPE) {
            ETH_P_IP => Some(Family::V4),
            ETH_P_IPV6 => Some(Family::V6),
            _ => None,
        }
    }

    /// `NFPROTO_IPV4` or `NFPROTO_IPV6`.
    pub fn nfproto(self) -> u8 {
        match self {
            Family::V4 => NFPROTO_IPV4,
            Family::V6 => NFPROTO_IPV6,
        }
    }

    /// The length of an address (`struct in_addr` or `in6_addr`).
    fn addr_len(self) -> usize {
        match self {
            Family::V4 => 4,
            Family::V6 => 16,
        }
    }
}

/// A NUL-terminated name of at most `N - 1` bytes (a helper's, a timeout
/// policy's), kept NUL-padded so that C can read it as a string.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Name<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Name<N> {
    /// The string `attr` holds (up to its first NUL), or `None` if the
    /// attribute has no NUL (`string_is_terminated()`) or is too long.
    fn of(attr: &[u8]) -> Option<Self> {
        let len = attr.iter().position(|&b| b == 0)?;
        let mut bytes = [0u8; N];
        bytes.get_mut(..len)?.copy_from_slice(attr.get(..len)?);
        Some(Name { bytes, len })
    }

    /// The name, without its NUL.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }

    /// The name and its NUL (`len < N` by construction).
    pub fn with_nul(&self) -> &[u8] {
        self.bytes.get(..self.len + 1).unwrap_or(&[])
    }
}

impl<const N: usize> fmt::Debug for Name<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in self.as_bytes() {
            write!(f, "{}", char::from(b))?;
        }
        Ok(())
    }
}

/// Which translation a ct() does (`enum ovs_ct_nat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatKind {
    /// `OVS_CT_NAT` alone: apply what a committed connection already
    /// has.
    Existing,
    /// `OVS_CT_SRC_NAT`: source NAT of new connections.
    Src,
    /// `OVS_CT_DST_NAT`: destination NAT of new connections.
    Dst,
}

/// `struct nf_nat_range2` as C fills it: addresses in network order
/// (an IPv4 one in the first 4 bytes), ports in host order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NatRange {
    /// `NF_NAT_RANGE_*`.
    pub flags: u32,
    pub min_addr: [u8; 16],
    pub max_addr: [u8; 16],
    pub min_proto: u16,
    pub max_proto: u16,
}

/// A ct()'s NAT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nat {
    pub kind: NatKind,
    pub range: NatRange,
}

/// A validated CT action (`struct ovs_conntrack_info` but for what the
/// kernel makes of it: the template, the helper, the timeout policy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CtAction {
    pub commit: bool,
    /// `OVS_CT_ATTR_FORCE_COMMIT` (implies `commit`).
    pub force: bool,
    pub zone: u16,
    /// Value and mask; the mask is not zero.
    pub mark: Option<(u32, u32)>,
    /// Value then mask; the mask is not all zero.
    pub labels: Option<[u8; 2 * LABELS_LEN]>,
    pub helper: Option<Name<HELPER_NAME_LEN>>,
    pub eventmask: Option<u32>,
    /// A timeout policy's name; `None` also for an empty one, which C
    /// ignores.
    pub timeout: Option<Name<TIMEOUT_NAME_LEN>>,
    pub nat: Option<Nat>,
}

/// Why C refuses a CT action: its errno and log text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtError {
    /// "ct family unspecified"
    NoFamily,
    /// "Unknown conntrack attr (type=%d, max=%d)"
    AttrType(u16),
    /// "Conntrack attr type has unexpected length (type=%d, length=%d, expected=%d)"
    AttrLen { kind: u16, len: usize, max: usize },
    /// "Unknown conntrack attr (%d)"
    AttrUnknown(u16),
    /// "ct_mark mask cannot be 0"
    MarkMask,
    /// "ct_labels mask cannot be 0"
    LabelsMask,
    /// "Invalid conntrack helper"
    Helper,
    /// "Invalid conntrack timeout"
    Timeout,
    /// "Setting conntrack mark requires 'commit' flag."
    MarkNoCommit,
    /// "Setting conntrack labels requires 'commit' flag."
    LabelsNoCommit,
    /// "Conntrack attr has %d unknown bytes"
    Trailing(isize),
    /// "Unknown NAT attribute (type=%d, max=%d)"
    NatType(u16),
    /// "NAT attribute type %d has unexpected length (%d != %d)"
    NatLen { kind: u16, len: usize, want: usize },
    /// "Only one type of NAT may be specified" (`ERANGE`)
    NatTwice,
    /// "Unknown nat attribute (%d)"
    NatUnknown(u16),
    /// "NAT attribute has %d unknown bytes"
    NatTrailing(isize),
    /// "NAT flags may be given only when NAT range (SRC or DST) is also specified."
    NatFlagsWithoutRange,
    /// "NAT attributes may be specified only when CT COMMIT flag is also specified."
    NatNoCommit,
}

impl CtError {
    /// The errno C returns (positive).
    pub fn errno(&self) -> i32 {
        match self {
            CtError::NatTwice => 34,
            _ => 22,
        }
    }
}

impl fmt::Display for CtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use CtError::*;
        match *self {
            NoFamily => f.write_str("ct family unspecified"),
            AttrType(t) => write!(
                f,
                "Unknown conntrack attr (type={}, max={})",
                t,
                ct_attr::MAX
            ),
            AttrLen { kind, len, max } => write!(
                f,
                "Conntrack attr type has unexpected length (type={}, length={}, expected={})",
                kind, len, max
            ),
            AttrUnknown(t) => write!(f, "Unknown conntrack attr ({})", t),
            MarkMask => f.write_str("ct_mark mask cannot be 0"),
            LabelsMask => f.write_str("ct_labels mask cannot be 0"),
            Helper => f.write_str("Invalid conntrack helper"),
            Timeout => f.write_str("Invalid conntrack timeout"),
            MarkNoCommit => f.write_str("Setting conntrack mark requires 'commit' flag."),
            LabelsNoCommit => f.write_str("Setting conntrack labels requires 'commit' flag."),
            Trailing(n) => write!(f, "Conntrack attr has {} unknown bytes", n),
            NatType(t) => write!(
                f,
                "Unknown NAT attribute (type={}, max={})",
                t,
                nat_attr::MAX
            ),
            NatLen { kind, len, want } => write!(
                f,
                "NAT attribute type {} has unexpected length ({} != {})",
                kind, len, want
            ),
            NatTwice => f.write_str("Only one type of NAT may be specified"),
            NatUnknown(t) => write!(f, "Unknown nat attribute ({})", t),
            NatTrailing(n) => write!(f, "NAT attribute has {} unknown bytes", n),
            NatFlagsWithoutRange => f.write_str(
                "NAT flags may be given only when NAT range (SRC or DST) is also specified.",
            ),
            NatNoCommit => f.write_str(
                "NAT attributes may be specified only when CT COMMIT flag is also specified.",
            ),
        }
    }
}

/// `ovs_ct_attr_lens[]`: (min, max) payload length; types C does not
/// list (and NAT without NF_NAT) take only an empty payload.
fn attr_lens(kind: u16, ct: CtSupport) -> (usize, usize) {
    match kind {
        ct_attr::ZONE => (2, 2),
        ct_attr::MARK => (8, 8),
        ct_attr::LABELS => (2 * LABELS_LEN, 2 * LABELS_LEN),
        ct_attr::HELPER => (1, HELPER_NAME_LEN),
        ct_attr::NAT if ct.nat => (0, i32::MAX as usize),
        ct_attr::EVENTMASK => (4, 4),
        ct_attr::TIMEOUT => (1, TIMEOUT_NAME_LEN),
        _ => (0, 0),
    }
}

/// The NAT state `parse_nat()` builds up over every NAT attribute of one
/// action (C keeps it in the action's info, so a second NAT nest sees
/// what the first set).
#[derive(Default)]
struct NatState {
    kind: Option<NatKind>,
    range: NatRange,
}

/// `ovs_ct_copy_action()`'s checks and `parse_ct()`: the CT action
/// `payload` for a flow of masked key `key`.
pub fn parse(payload: &[u8], key: &FlowKey, ct: CtSupport) -> Result<CtAction, CtError> {
    let family = Family::of(key).ok_or(CtError::NoFamily)?;
    parse_for(payload, family, ct)
}

/// `parse_ct()` for `family`.
pub fn parse_for(payload: &[u8], family: Family, ct: CtSupport) -> Result<CtAction, CtError> {
    let mut out = CtAction {
        commit: false,
        force: false,
        zone: 0,
        mark: None,
        labels: None,
        helper: None,
        eventmask: None,
        timeout: None,
        nat: None,
    };
    let mut nat: Option<NatState> = None;
    let mut it = Attrs::new(payload);
    for a in it.by_ref() {
        let kind = a.kind();
        let p = a.payload();
        if kind > ct_attr::MAX {
            return Err(CtError::AttrType(kind));
        }
        let (min, max) = attr_lens(kind, ct);
        if p.len() < min || p.len() > max {
            return Err(CtError::AttrLen {
                kind,
                len: p.len(),
                max,
            });
        }
        match kind {
            ct_attr::FORCE_COMMIT => {
                out.force = true;
                out.commit = true;
            }
            ct_attr::COMMIT => out.commit = true,
            ct_attr::ZONE if ct.zone => out.zone = ne16(p, 0).ok_or(CtError::AttrUnknown(kind))?,
            ct_attr::MARK if ct.mark => {
                let value = ne32(p, 0).ok_or(CtError::AttrUnknown(kind))?;
                let mask = ne32(p, 4).ok_or(CtError::AttrUnknown(kind))?;
                if mask == 0 {
                    return Err(CtError::MarkMask);
                }
                out.mark = Some((value, mask));
            }
            ct_attr::LABELS if ct.labels => {
                let labels: [u8; 2 * LABELS_LEN] = array(p, 0).ok_or(CtError::AttrUnknown(kind))?;
                if labels
                    .get(LABELS_LEN..)
                    .is_none_or(|m| m.iter().all(|&b| b == 0))
                {
                    return Err(CtError::LabelsMask);
                }
                out.labels = Some(labels);
            }
            ct_attr::HELPER => out.helper = Some(Name::of(p).ok_or(CtError::Helper)?),
            ct_attr::NAT if ct.nat => {
                let state = nat.get_or_insert_with(NatState::default);
                parse_nat(p, family, out.commit, state)?;
            }
            ct_attr::EVENTMASK => out.eventmask = ne32(p, 0),
            ct_attr::TIMEOUT if ct.timeout => {
                let name: Name<TIMEOUT_NAME_LEN> = Name::of(p).ok_or(CtError::Timeout)?;
                out.timeout = (!name.as_bytes().is_empty()).then_some(name);
            }
            _ => return Err(CtError::AttrUnknown(kind)),
        }
    }
    if !out.commit && out.mark.is_some() {
        return Err(CtError::MarkNoCommit);
    }
    if !out.commit && out.labels.is_some() {
        return Err(CtError::LabelsNoCommit);
    }
    if it.remaining() > 0 {
        return Err(CtError::Trailing(it.remaining()));
    }
    out.nat = nat.and_then(|n| {
        n.kind.map(|kind| Nat {
            kind,
            range: n.range,
        })
    });
    Ok(out)
}

/// `parse_nat()`: one NAT attribute's members, into the action's NAT
/// state.
fn parse_nat(
    payload: &[u8],
    family: Family,
    commit: bool,
    st: &mut NatState,
) -> Result<(), CtError> {
    let mut have_ip_max = false;
    let mut have_proto_max = false;
    let mut it = Attrs::new(payload);
    for a in it.by_ref() {
        let kind = a.kind();
        let p = a.payload();
        if kind > nat_attr::MAX {
            return Err(CtError::NatType(kind));
        }
        let want = match kind {
            nat_attr::IP_MIN | nat_attr::IP_MAX => family.addr_len(),
            nat_attr::PROTO_MIN | nat_attr::PROTO_MAX => 2,
            _ => 0,
        };
        if p.len() != want {
            return Err(CtError::NatLen {
                kind,
                len: p.len(),
                want,
            });
        }
        let r = &mut st.range;
        match kind {
            nat_attr::SRC | nat_attr::DST => {
                if st.kind.is_some() {
                    return Err(CtError::NatTwice);
                }
                st.kind = Some(if kind == nat_attr::SRC {
                    NatKind::Src
                } else {
                    NatKind::Dst
                });
            }
            nat_attr::IP_MIN | nat_attr::IP_MAX => {
                // nla_memcpy(): the address, then zeros.
                let mut addr = [0u8; 16];
                addr.get_mut(..p.len())
                    .ok_or(CtError::NatUnknown(kind))?
                    .copy_from_slice(p);
                if kind == nat_attr::IP_MIN {
                    r.min_addr = addr;
                } else {
                    have_ip_max = true;
                    r.max_addr = addr;
                }
                r.flags |= nat_range::MAP_IPS;
            }
            nat_attr::PROTO_MIN | nat_attr::PROTO_MAX => {
                let port = ne16(p, 0).ok_or(CtError::NatUnknown(kind))?;
                if kind == nat_attr::PROTO_MIN {
                    r.min_proto = port;
                } else {
                    have_proto_max = true;
                    r.max_proto = port;
                }
                r.flags |= nat_range::PROTO_SPECIFIED;
            }
            nat_attr::PERSISTENT => r.flags |= nat_range::PERSISTENT,
            nat_attr::PROTO_HASH => r.flags |= nat_range::PROTO_RANDOM,
            nat_attr::PROTO_RANDOM => r.flags |= nat_range::PROTO_RANDOM_FULLY,
            _ => return Err(CtError::NatUnknown(kind)),
        }
    }
    if it.remaining() > 0 {
        return Err(CtError::NatTrailing(it.remaining()));
    }
    // As C tests `info->nat`: a second NAT attribute after one that
    // asked for no translation needs `commit` too.
    match st.kind {
        None => {
            if st.range.flags != 0 {
                return Err(CtError::NatFlagsWithoutRange);
            }
            // NAT what committed connections already have.
            st.kind = Some(NatKind::Existing);
        }
        Some(_) if !commit => return Err(CtError::NatNoCommit),
        Some(_) => {}
    }
    let r = &mut st.range;
    if r.flags & nat_range::MAP_IPS != 0 && !have_ip_max {
        r.max_addr = r.min_addr;
    }
    if r.flags & nat_range::PROTO_SPECIFIED != 0 && !have_proto_max {
        r.max_proto = r.min_proto;
    }
    Ok(())
}

/// `ovs_ct_action_to_attr()`: the action as replies show it.
pub fn put<S: AttrSink>(
    sink: &mut S,
    ct: &CtAction,
    family: Family,
    support: CtSupport,
) -> Result<(), PutError> {
    let nest = sink.nest_start(crate::uapi::action::CT)?;
    if ct.commit {
        sink.put_flag(if ct.force {
            ct_attr::FORCE_COMMIT
        } else {
            ct_attr::COMMIT
        })?;
    }
    if support.zone {
        sink.put(ct_attr::ZONE, &ct.zone.to_ne_bytes())?;
    }
    if let Some((value, mask)) = ct.mark {
        let mut b = [0u8; 8];
        crate::bytes::write(&mut b, 0, &value.to_ne_bytes());
        crate::bytes::write(&mut b, 4, &mask.to_ne_bytes());
        sink.put(ct_attr::MARK, &b)?;
    }
    if let Some(labels) = &ct.labels {
        sink.put(ct_attr::LABELS, labels)?;
    }
    if let Some(h) = &ct.helper {
        sink.put(ct_attr::HELPER, h.with_nul())?;
    }
    if let Some(m) = ct.eventmask {
        sink.put_u32(ct_attr::EVENTMASK, m)?;
    }
    if let Some(t) = &ct.timeout {
        sink.put(ct_attr::TIMEOUT, t.with_nul())?;
    }
    if let Some(nat) = &ct.nat {
        put_nat(sink, nat, family)?;
    }
    sink.nest_end(nest)
}

/// `ovs_ct_nat_to_attr()`.
fn put_nat<S: AttrSink>(sink: &mut S, nat: &Nat, family: Family) -> Result<(), PutError> {
    let nest = sink.nest_start(ct_attr::NAT)?;
    let kind = match nat.kind {
        NatKind::Existing => return sink.nest_end(nest),
        NatKind::Src => nat_attr::SRC,
        NatKind::Dst => nat_attr::DST,
    };
    sink.put_flag(kind)?;
    let r = &nat.range;
    if r.flags & nat_range::MAP_IPS != 0 {
        let n = family.addr_len();
        let min = r.min_addr.get(..n).unwrap_or(&[]);
        let max = r.max_addr.get(..n).unwrap_or(&[]);
        sink.put(nat_attr::IP_MIN, min)?;
        if max != min {
            sink.put(nat_attr::IP_MAX, max)?;
        }
    }
    if r.flags & nat_range::PROTO_SPECIFIED != 0 {
        sink.put(nat_attr::PROTO_MIN, &r.min_proto.to_ne_bytes())?;
        if r.max_proto != r.min_proto {
            sink.put(nat_attr::PROTO_MAX, &r.max_proto.to_ne_bytes())?;
        }
    }
    for (flag, attr) in [
        (nat_range::PERSISTENT, nat_attr::PERSISTENT),
        (nat_range::PROTO_RANDOM, nat_attr::PROTO_HASH),
        (nat_range::PROTO_RANDOM_FULLY, nat_attr::PROTO_RANDOM),
    ] {
        if r.flags & flag != 0 {
            sink.put_flag(attr)?;
        }
    }
    sink.nest_end(nest)
}

#[path = "ct_nl/tests.rs"]
mod tests;
