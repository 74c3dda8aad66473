// SPDX-License-Identifier: GPL-2.0

//! A flow's actions in the form the executor runs: typed operations
//! compiled once, when the flow is installed (or a packet executed), from
//! the validated action list.
//!
//! C keeps its own internal form of a list (`struct sw_flow_actions`) and
//! converts it back into attributes for replies. Here the list is kept as
//! replies show it ([`super::actions_nl`]) and compiled next to it, so the
//! executor never walks netlink, never meets a malformed byte, and does
//! what can be done once (a tunnel's metadata dst, a push_nsh header, the
//! "may this nested list change the flow" flags) once.
//!
//! Nested lists (sample, clone, check_pkt_len, dec_ttl) are ranges of the
//! same operation array. Variable-length data (set values and masks,
//! userdata, psample cookies) stay in the stored list and are named by
//! [`Span`]s, made from those very bytes.

use crate::actions::edit::{nsh_header, EditError};
use crate::bytes::{be16, ne16, ne32};
use crate::fallible::{self, AllocError, Box, Vec};
use crate::flow::ct_nl::{self, CtAction, Family};
use crate::flow::key::fields;
use crate::flow::match_nl::CtSupport;
use crate::kapi::conntrack::ZoneTemplate;
use crate::kapi::tunnel_dst::TunnelDst;
use crate::netlink::attr::{Attr, Attrs};
use crate::uapi::proto::NSH_HDR_MAX_LEN;
use crate::uapi::{
    action, check_pkt_len_attr, key_attr, psample_attr, sample_attr, userspace_attr,
    OVS_DEC_TTL_ATTR_ACTION,
};

/// Why a validated list did not compile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompileError {
    /// `ENOMEM`.
    NoMemory,
    /// A stored list validation should not have let through: a bug,
    /// warned about, and the list refused (`EINVAL`).
    Malformed,
    /// The kernel refused what a CT action needs (its helper): the
    /// errno (positive), already logged.
    Refused(i32),
}

impl CompileError {
    /// The errno (positive).
    pub fn errno(&self) -> i32 {
        match self {
            CompileError::NoMemory => 12,
            CompileError::Malformed => 22,
            CompileError::Refused(errno) => *errno,
        }
    }
}

impl From<AllocError> for CompileError {
    fn from(_: AllocError) -> Self {
        CompileError::NoMemory
    }
}

/// Some bytes of the stored list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    off: u16,
    len: u16,
}

/// A list of operations: a range of [`Program`]'s array, and the bytes
/// of the stored list it came from (what a userspace action with
/// `OVS_USERSPACE_ATTR_ACTIONS` sends up).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct List {
    first: u16,
    len: u16,
    bytes: Span,
}

/// `skb->priority` or `skb->mark`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meta {
    Priority,
    Mark,
}

/// A userspace action (`output_userspace()`'s arguments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Userspace {
    /// `OVS_USERSPACE_ATTR_PID`.
    pub pid: u32,
    pub userdata: Option<Span>,
    /// `OVS_USERSPACE_ATTR_EGRESS_TUN_PORT`.
    pub egress_port: Option<u32>,
    /// `OVS_USERSPACE_ATTR_ACTIONS`: send the enclosing list up too.
    pub with_actions: bool,
}

/// A nested list and whether it runs on a copy of the flow key (C's
/// `!exec` of `clone_execute()`: not the last action, and the list may
/// change the flow).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Branch {
    pub list: List,
    pub clone_key: bool,
}

/// A compiled `ct()`: the validated action, the family it tracks in,
/// and the zone template (with helper and timeout policy) its packets
/// use, released with the program.
pub struct CtOp {
    pub action: CtAction,
    pub family: Family,
    pub template: ZoneTemplate,
}

/// What compiling a CT action needs beyond its bytes: the flow's family
/// and protocol, and the kernel's half of `ovs_ct_copy_action()`.
pub trait CtTemplates {
    /// The family the flow's packets are tracked in (`None`: not IP,
    /// which validation refuses).
    fn family(&self) -> Option<Family>;
    /// What the kernel supports (as validation was given it).
    fn support(&self) -> CtSupport;
    /// The zone template for `ct`, with its timeout policy and helper
    /// attached, confirmed if it commits.
    fn template(&mut self, ct: &CtAction, family: Family) -> Result<ZoneTemplate, CompileError>;
}

/// For lists without CT actions: one is a bug.
struct NoConntrack;

impl CtTemplates for NoConntrack {
    fn family(&self) -> Option<Family> {
        None
    }
    fn support(&self) -> CtSupport {
        CtSupport::default()
    }
    fn template(&mut self, _: &CtAction, _: Family) -> Result<ZoneTemplate, CompileError> {
        Err(malformed())
    }
}

/// One operation. Values are as stored: numbers in host order where the
/// attribute is host order, `be16` fields as the bytes' big-endian value.
pub enum Op {
    Output(u32),
    Trunc(u32),
    Userspace(Userspace),
    Hash {
        alg: u32,
        basis: u32,
    },
    PushVlan {
        tpid: u16,
        tci: u16,
    },
    /// PUSH_MPLS, and ADD_MPLS (`keep_mac` from its L3-tunnel flag).
    PushMpls {
        lse: u32,
        ethertype: u16,
        keep_mac: bool,
    },
    PopMpls {
        ethertype: u16,
    },
    PushEth {
        src: [u8; 6],
        dst: [u8; 6],
    },
    /// The NSH header to push, built at install.
    PushNsh(Box<[u8; NSH_HDR_MAX_LEN]>),
    PopNsh,
    PopEth,
    PopVlan,
    Recirc(u32),
    SetTunnel(TunnelDst),
    /// A set of `skb->priority`/`skb->mark`: `value | (old & !mask)`.
    SetMeta {
        field: Meta,
        value: u32,
        mask: u32,
    },
    /// A set of packet headers of key attribute `kind`; `mask` `None` for
    /// a plain SET.
    SetHeaders {
        kind: u16,
        value: Span,
        mask: Option<Span>,
    },
    /// A set C validates but refuses on every packet (`-EINVAL`): the
    /// conntrack fields.
    SetRefused,
    Sample {
        probability: u32,
        branch: Branch,
    },
    Clone(Branch),
    CheckPktLen {
        max_len: u16,
        less_equal: Branch,
        greater: Branch,
    },
    /// DEC_TTL: the list to run when the TTL runs out (empty: drop).
    DecTtl(List),
    Meter(u32),
    Ct(Box<CtOp>),
    CtClear,
    Drop {
        with_error: bool,
    },
    Psample {
        group: u32,
        cookie: Span,
    },
}

/// A compiled action list and the stored list it came from.
pub struct Program {
    attrs: Vec<u8>,
    ops: Vec<Op>,
    top: List,
}

impl Program {
    /// Compiles `attrs`, a list [`super::actions_nl::copy_actions`]
    /// validated and wrote, keeping it. Sleeps to allocate (a tunnel's
    /// metadata dst).
    pub fn compile(attrs: Vec<u8>) -> Result<Program, CompileError> {
        Self::compile_with(attrs, &mut NoConntrack)
    }

    /// [`Self::compile`] for a list that may hold CT actions, whose
    /// templates `ct` makes.
    pub fn compile_with(attrs: Vec<u8>, ct: &mut dyn CtTemplates) -> Result<Program, CompileError> {
        let len = u16::try_from(attrs.len()).map_err(|_| malformed())?;
        let mut ops = Vec::new();
        let top = compile_list(&attrs, Span { off: 0, len }, &mut ops, ct)?;
        Ok(Program { attrs, ops, top })
    }

    /// No actions (drop), allocating nothing.
    pub fn empty() -> Program {
        Program {
            attrs: Vec::new(),
            ops: Vec::new(),
            top: List {
                first: 0,
                len: 0,
                bytes: Span { off: 0, len: 0 },
            },
        }
    }

    /// Whether an operation holds a kernel reference (a conntrack
    /// template, a tunnel dst), released when the program is dropped.
    pub fn holds_refs(&self) -> bool {
        self.ops
            .iter()
            .any(|op| matches!(op, Op::Ct(_) | Op::SetTunnel(_)))
    }

    /// The stored list, as replies show it.
    pub fn attrs(&self) -> &[u8] {
        &self.attrs
    }

    /// The outermost list.
    pub fn top(&self) -> List {
        self.top
    }

    /// The operations of `list`, one of this program's.
    pub fn ops(&self, list: List) -> &[Op] {
        let range = usize::from(list.first)..usize::from(list.first) + usize::from(list.len);
        self.ops.get(range).unwrap_or_else(|| {
            warn_impossible();
            &[]
        })
    }

    /// The bytes `span`, one of this program's, names.
    pub fn bytes(&self, span: Span) -> &[u8] {
        let range = usize::from(span.off)..usize::from(span.off) + usize::from(span.len);
        self.attrs.get(range).unwrap_or_else(|| {
            warn_impossible();
            &[]
        })
    }

    /// The stored bytes of `list`.
    pub fn list_bytes(&self, list: List) -> &[u8] {
        self.bytes(list.bytes)
    }
}

/// A span or list index this module made did not fit what it was made
/// from: a bug.
fn warn_impossible() {
    #[cfg(MODULE)]
    kernel::warn_on!(true);
    #[cfg(not(MODULE))]
    panic!("a program's span does not fit its bytes");
}

/// A stored list that validation should not have let through.
fn malformed() -> CompileError {
    warn_impossible();
    CompileError::Malformed
}

/// The span of `sub`, which lies within `base`.
fn span_of(base: &[u8], sub: &[u8]) -> Result<Span, CompileError> {
    let off = (sub.as_ptr() as usize)
        .checked_sub(base.as_ptr() as usize)
        .ok_or_else(malformed)?;
    if off + sub.len() > base.len() {
        return Err(malformed());
    }
    Ok(Span {
        off: u16::try_from(off).map_err(|_| malformed())?,
        len: u16::try_from(sub.len()).map_err(|_| malformed())?,
    })
}

/// Compiles the list at `span` of `attrs`; its own operations go to
/// `ops` after those of its nested lists, so that each list's are
/// contiguous. It recurses for nested lists, 17 levels deep at most on a
/// kernel stack, so its frame holds only the walk: the nested actions
/// are compiled by [`compile_nested`], the rest out of line by
/// [`compile_op`]. (`scripts/lint` fails if this frame grows past 512
/// bytes.)
fn compile_list(
    attrs: &[u8],
    span: Span,
    ops: &mut Vec<Op>,
    ct: &mut dyn CtTemplates,
) -> Result<List, CompileError> {
    let start = usize::from(span.off);
    let bytes = attrs
        .get(start..start + usize::from(span.len))
        .ok_or_else(malformed)?;
    let n = Attrs::new(bytes).count();
    let mut mine: Vec<Op> = fallible::with_capacity(n)?;
    let mut it = Attrs::new(bytes).peekable();
    while let Some(a) = it.next() {
        let last = it.peek().is_none();
        let op = match compile_nested(attrs, &a, last, ops, ct)? {
            Some(op) => op,
            None => compile_op(attrs, &a, ct)?,
        };
        fallible::push(&mut mine, op)?;
    }
    let first = u16::try_from(ops.len()).map_err(|_| malformed())?;
    let len = u16::try_from(mine.len()).map_err(|_| malformed())?;
    fallible::reserve(ops, mine.len())?;
    for op in mine {
        fallible::push(ops, op)?;
    }
    Ok(List {
        first,
        len,
        bytes: span,
    })
}

/// A nested list, `payload` of an attribute of `attrs`.
fn nested(
    attrs: &[u8],
    payload: &[u8],
    last: bool,
    ops: &mut Vec<Op>,
    ct: &mut dyn CtTemplates,
) -> Result<Branch, CompileError> {
    let list = compile_list(attrs, span_of(attrs, payload)?, ops, ct)?;
    Ok(Branch {
        list,
        clone_key: !last && may_change_flow(payload),
    })
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

fn u32_of(a: &Attr<'_>) -> Result<u32, CompileError> {
    a.get_u32().map_err(|_| malformed())
}

fn field<T>(v: Option<T>) -> Result<T, CompileError> {
    v.ok_or_else(malformed)
}

/// The one attribute nested in `a`.
fn only_nested<'a>(a: &Attr<'a>) -> Result<Attr<'a>, CompileError> {
    a.nested().next().ok_or_else(malformed)
}

/// The action `a` if it nests lists (compiled into `ops`), `None` for
/// any other.
fn compile_nested(
    attrs: &[u8],
    a: &Attr<'_>,
    last: bool,
    ops: &mut Vec<Op>,
    ct: &mut dyn CtTemplates,
) -> Result<Option<Op>, CompileError> {
    Ok(Some(match a.kind() {
        action::SAMPLE => {
            let mut probability = None;
            let mut list = None;
            for n in a.nested() {
                match n.kind() {
                    sample_attr::PROBABILITY => probability = Some(u32_of(&n)?),
                    sample_attr::ACTIONS => list = Some(n.payload()),
                    _ => {}
                }
            }
            Op::Sample {
                probability: field(probability)?,
                branch: nested(attrs, field(list)?, last, ops, ct)?,
            }
        }
        action::CLONE => Op::Clone(nested(attrs, a.payload(), last, ops, ct)?),
        action::CHECK_PKT_LEN => {
            let mut max_len = None;
            let (mut le, mut gt) = (None, None);
            for n in a.nested() {
                match n.kind() {
                    check_pkt_len_attr::PKT_LEN => {
                        max_len = Some(n.u16().map_err(|_| malformed())?)
                    }
                    check_pkt_len_attr::ACTIONS_IF_LESS_EQUAL => le = Some(n.payload()),
                    check_pkt_len_attr::ACTIONS_IF_GREATER => gt = Some(n.payload()),
                    _ => {}
                }
            }
            Op::CheckPktLen {
                max_len: field(max_len)?,
                less_equal: nested(attrs, field(le)?, last, ops, ct)?,
                greater: nested(attrs, field(gt)?, last, ops, ct)?,
            }
        }
        action::DEC_TTL => {
            let list = a
                .nested()
                .find(|n| n.kind() == OVS_DEC_TTL_ATTR_ACTION)
                .ok_or_else(malformed)?;
            // The exception list runs on the packet itself, with its key.
            Op::DecTtl(nested(attrs, list.payload(), true, ops, ct)?.list)
        }
        _ => return Ok(None),
    }))
}

/// An action that nests no list.
#[inline(never)]
fn compile_op(attrs: &[u8], a: &Attr<'_>, ct: &mut dyn CtTemplates) -> Result<Op, CompileError> {
    let p = a.payload();
    Ok(match a.kind() {
        action::OUTPUT => Op::Output(u32_of(a)?),
        action::TRUNC => Op::Trunc(u32_of(a)?),
        action::USERSPACE => {
            let mut u = Userspace {
                pid: 0,
                userdata: None,
                egress_port: None,
                with_actions: false,
            };
            for n in a.nested() {
                match n.kind() {
                    userspace_attr::PID => u.pid = u32_of(&n)?,
                    userspace_attr::USERDATA => u.userdata = Some(span_of(attrs, n.payload())?),
                    userspace_attr::EGRESS_TUN_PORT => u.egress_port = Some(u32_of(&n)?),
                    userspace_attr::ACTIONS => u.with_actions = true,
                    _ => {}
                }
            }
            Op::Userspace(u)
        }
        action::HASH => Op::Hash {
            alg: field(ne32(p, 0))?,
            basis: field(ne32(p, 4))?,
        },
        action::PUSH_VLAN => Op::PushVlan {
            tpid: field(be16(p, 0))?,
            tci: field(be16(p, 2))?,
        },
        action::PUSH_MPLS => Op::PushMpls {
            lse: field(ne32(p, 0))?,
            ethertype: field(ne16(p, 4))?,
            keep_mac: true,
        },
        action::ADD_MPLS => Op::PushMpls {
            lse: field(ne32(p, 0))?,
            ethertype: field(ne16(p, 4))?,
            // OVS_MPLS_L3_TUNNEL_FLAG_MASK: keep the MAC header.
            keep_mac: field(ne16(p, 6))? & 1 != 0,
        },
        action::POP_MPLS => Op::PopMpls {
            ethertype: field(ne16(p, 0))?,
        },
        action::PUSH_ETH => Op::PushEth {
            src: field(p.get(0..6).and_then(|b| b.try_into().ok()))?,
            dst: field(p.get(6..12).and_then(|b| b.try_into().ok()))?,
        },
        action::PUSH_NSH => {
            let nest = only_nested(a)?;
            let mut hdr = fallible::boxed([0u8; NSH_HDR_MAX_LEN])?;
            match nsh_header(nest.payload(), &mut hdr) {
                Ok(_) => Op::PushNsh(hdr),
                Err(EditError::Truncated | EditError::Invalid) => return Err(malformed()),
            }
        }
        action::POP_NSH => Op::PopNsh,
        action::POP_ETH => Op::PopEth,
        action::POP_VLAN => Op::PopVlan,
        action::RECIRC => Op::Recirc(u32_of(a)?),
        action::SET => {
            let k = only_nested(a)?;
            set_op(attrs, k.kind(), k.payload(), None)?
        }
        action::SET_MASKED => {
            let k = only_nested(a)?;
            let (value, mask) = k.payload().split_at(k.payload().len() / 2);
            set_op(attrs, k.kind(), value, Some(mask))?
        }
        action::METER => Op::Meter(u32_of(a)?),
        action::CT => {
            // The stored form parses as what was validated.
            let family = ct.family().ok_or_else(malformed)?;
            let action = ct_nl::parse_for(p, family, ct.support()).map_err(|_| malformed())?;
            let template = ct.template(&action, family)?;
            Op::Ct(fallible::boxed(CtOp {
                action,
                family,
                template,
            })?)
        }
        action::CT_CLEAR => Op::CtClear,
        action::DROP => Op::Drop {
            with_error: u32_of(a)? != 0,
        },
        action::PSAMPLE => {
            let mut group = None;
            let mut cookie = Span { off: 0, len: 0 };
            for n in a.nested() {
                match n.kind() {
                    psample_attr::GROUP => group = Some(u32_of(&n)?),
                    psample_attr::COOKIE => cookie = span_of(attrs, n.payload())?,
                    _ => {}
                }
            }
            Op::Psample {
                group: field(group)?,
                cookie,
            }
        }
        _ => return Err(malformed()),
    })
}

/// `execute_set_action()`/`execute_masked_set_action()` of key attribute
/// `kind`.
fn set_op(attrs: &[u8], kind: u16, value: &[u8], mask: Option<&[u8]>) -> Result<Op, CompileError> {
    Ok(match kind {
        key_attr::PRIORITY | key_attr::SKB_MARK => {
            let value = field(ne32(value, 0))?;
            let mask = match mask {
                Some(m) => field(ne32(m, 0))?,
                None => u32::MAX,
            };
            let field = if kind == key_attr::PRIORITY {
                Meta::Priority
            } else {
                Meta::Mark
            };
            Op::SetMeta { field, value, mask }
        }
        key_attr::TUNNEL if mask.is_none() => {
            let key = super::match_nl::set_tunnel_key(value).map_err(|_| malformed())?;
            let tun_key: &[u8; 64] = field(key.get(fields::TUN_KEY).try_into().ok())?;
            let opts_len = usize::from(key.get_u8(fields::TUN_OPTS_LEN));
            let opts = key.get(fields::TUN_OPTS);
            let opts = field(opts.get(opts.len().checked_sub(opts_len).ok_or_else(malformed)?..))?;
            let dst = TunnelDst::new(tun_key, key.get_u8(fields::TUN_PROTO), opts)
                .map_err(|_| CompileError::NoMemory)?;
            Op::SetTunnel(dst)
        }
        key_attr::ETHERNET
        | key_attr::IPV4
        | key_attr::IPV6
        | key_attr::TCP
        | key_attr::UDP
        | key_attr::SCTP
        | key_attr::MPLS => Op::SetHeaders {
            kind,
            value: span_of(attrs, value)?,
            mask: mask.map(|m| span_of(attrs, m)).transpose()?,
        },
        // The conntrack fields (and NSH): C's set functions refuse them
        // when a packet meets them.
        _ => Op::SetRefused,
    })
}

#[path = "program/tests.rs"]
mod tests;
