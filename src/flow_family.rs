// SPDX-License-Identifier: GPL-2.0

//! The `ovs_flow` family (`OVS_FLOW_CMD_*`): installing, changing,
//! reading and removing a datapath's megaflows (the flow half of
//! `datapath.c`; Documentation/flow-netlink.md §8).
//!
//! Requests are parsed and their actions validated before `ovs_mutex` is
//! taken; under it, the flow table is searched and changed and the reply
//! is built from the flow as stored. Refusals give C's errno, log C's
//! line (unless the request is a `PROBE`), and say why in the extack.

use kernel::prelude::*;

use crate::conntrack::Templates;
use crate::datapath::Datapaths;
use crate::datapath::Registry;
use crate::fallible::AllocError;
use crate::flow::actions_nl::{copy_actions, ActionError};
use crate::flow::key_put::{key_attr_size, put_key};
use crate::flow::match_nl::{get_match, CtSupport, Match};
use crate::flow::program::{CompileError, Program};
use crate::flow::table::{Actions, Flow, FlowRef, FlowTable, Ident, Mask, NewFlow, Ufid};
use crate::kapi::genl::{Dump, Family, Request};
use crate::kapi::nlmsg::{self, Msg, MsgWriter};
use crate::kapi::{rcu, time};
use crate::netlink::attr::nla_total_size;
use crate::netlink::build::VecSink;
use crate::ovs_header::{ovs_header, OvsHeader};
use crate::uapi::{self, flow_attr, flow_cmd, ufid_flags};

/// The conntrack key fields this kernel has (`ovs_ct_verify()`): C's
/// module, built for the same kernel, accepts and reports exactly these.
pub(crate) const CT: CtSupport = CtSupport {
    state: cfg!(CONFIG_NF_CONNTRACK),
    zone: cfg!(CONFIG_NF_CONNTRACK_ZONES),
    mark: cfg!(CONFIG_NF_CONNTRACK_MARK),
    labels: cfg!(CONFIG_NF_CONNTRACK_LABELS),
    nat: cfg!(CONFIG_NF_NAT),
    timeout: cfg!(CONFIG_NF_CONNTRACK_TIMEOUT),
};

fn flow_family() -> Result<Family> {
    Family::get(uapi::FAMILY_FLOW).ok_or(ENOENT)
}

/// `OVS_NLERR()`: C's log line for a refused request, unless it was a
/// probe.
pub(crate) fn nlerr(log: bool, what: core::fmt::Arguments<'_>) {
    if log && time::net_ratelimit() {
        pr_info!("netlink: {}\n", what);
    }
}

/// What every flow command reads first.
struct Common {
    /// Not a `PROBE`: refusals are logged.
    log: bool,
    ufid: Option<Ufid>,
    ufid_flags: u32,
}

impl Common {
    fn parse(req: &Request<'_>) -> Result<Self> {
        let log = req.attr(flow_attr::PROBE).is_none();
        // `ovs_nla_get_ufid()`: a UFID of the wrong size is logged and
        // ignored (the policy refused an empty one already).
        let ufid = req.attr(flow_attr::UFID).and_then(|a| {
            let u = Ufid::new(a.payload());
            if u.is_none() {
                nlerr(
                    log,
                    format_args!(
                        "ufid size {} bytes exceeds the range (1, {})",
                        a.payload().len(),
                        crate::flow::table::UFID_MAX
                    ),
                );
            }
            u
        });
        let ufid_flags = match req.attr(flow_attr::UFID_FLAGS) {
            Some(a) => a.get_u32().map_err(|_| EINVAL)?,
            None => 0,
        };
        Ok(Common {
            log,
            ufid,
            ufid_flags,
        })
    }
}

/// `ovs_nla_get_match()`: the request's key, and its mask if `with_mask`
/// (NEW and SET; GET and DEL name a flow by key alone). On the stack,
/// 960 bytes: a heap copy was a kmalloc-1024 and a free on every
/// install, and the deepest handler frames (`doit` 2.7 KiB, this 1.1,
/// `get_match()` 1.9) stay far within a 16 KiB kernel stack.
fn parse_match(req: &Request<'_>, c: &Common, key: &[u8], with_mask: bool) -> Result<Match> {
    let mask = if with_mask {
        req.attr(flow_attr::MASK).map(|a| a.payload())
    } else {
        None
    };
    match get_match(key, mask, with_mask, CT) {
        Ok(m) => Ok(m),
        Err(e) => {
            if e.logged() {
                nlerr(c.log, format_args!("{}", e));
            }
            req.set_err_msg(c"Invalid flow key or mask (the kernel log says why)");
            Err(EINVAL)
        }
    }
}

/// `ovs_nla_copy_actions()` into a stored list; `unsafe_msg` is the line
/// C logs when it refuses them.
fn parse_actions(
    req: &Request<'_>,
    c: &Common,
    list: &[u8],
    masked_key: &crate::flow::key::FlowKey,
    unsafe_msg: &str,
) -> Result<Actions> {
    let mut sink = VecSink::with_capacity(list.len()).map_err(no_memory)?;
    let copied = copy_actions(&mut sink, list, masked_key, CT).and_then(|()| {
        // The reply carries the list in one attribute.
        if sink.bytes().len() > usize::from(u16::MAX) - 4 {
            Err(ActionError::TooBig)
        } else {
            Ok(())
        }
    });
    let refuse = |errno: i32| {
        nlerr(c.log, format_args!("{}", unsafe_msg));
        req.set_err_msg(c"Flow actions may not be safe on all matching packets");
        Error::from_errno(-errno)
    };
    match copied {
        Ok(()) => {
            // The CT actions' templates: C makes them as it copies.
            let mut ct = Templates::new(req.net()?, masked_key, CT, c.log);
            match Program::compile_with(sink.into_vec(), &mut ct) {
                Ok(program) => Ok(Actions {
                    program,
                    orig_len: list.len(),
                }),
                Err(e @ (CompileError::Refused(_) | CompileError::NoMemory)) => {
                    Err(refuse(e.errno()))
                }
                Err(e) => Err(compile_error(e)),
            }
        }
        Err(e) => {
            if e.logged() {
                nlerr(c.log, format_args!("{}", e));
            }
            Err(refuse(e.errno()))
        }
    }
}

/// Room for a reply about `flow` (`ovs_flow_cmd_msg_size()`).
fn msg_size(flow: &Flow, ufid_flags: u32) -> usize {
    let key = nla_total_size(key_attr_size());
    let mut len = 4; // NLMSG_ALIGN(sizeof(struct ovs_header))
    len += match flow.ufid() {
        Some(u) => nla_total_size(u.as_bytes().len()),
        None => key,
    };
    if should_fill_key(flow, ufid_flags) {
        len += key;
    }
    if ufid_flags & ufid_flags::OMIT_MASK == 0 {
        len += key;
    }
    if ufid_flags & ufid_flags::OMIT_ACTIONS == 0 {
        let guard = rcu::read_lock();
        let orig_len = flow.actions(&guard).orig_len;
        len += nla_total_size(orig_len);
    }
    // STATS, TCP_FLAGS, USED (no pad attribute where unaligned access is
    // cheap, as on every architecture this is built for so far).
    len + nla_total_size(16) + nla_total_size(1) + nla_total_size(8)
}

/// The masked key is reported only for UFID flows (the others report
/// their unmasked key as identifier), and only if not omitted.
fn should_fill_key(flow: &Flow, ufid_flags: u32) -> bool {
    flow.ufid().is_some() && ufid_flags & ufid_flags::OMIT_KEY == 0
}

/// Where a reply goes, and what it is.
struct Header {
    dp_ifindex: i32,
    portid: u32,
    seq: u32,
    flags: u16,
    cmd: u8,
}

/// `ovs_flow_cmd_fill_info()`: one message about `flow`. In a dump, the
/// first message of a buffer leaves out actions that do not fit rather
/// than fail; any other that does not fit is cancelled (`EMSGSIZE`).
fn fill_info(out: &mut MsgWriter<'_>, flow: &Flow, h: &Header, ufid_flags: u32) -> Result {
    let first_in_buffer = out.len() == 0;
    out.put_header(
        &flow_family()?,
        h.portid,
        h.seq,
        h.flags,
        h.cmd,
        &ovs_header(h.dp_ifindex),
    )?;
    let filled = fill_attrs(out, flow, ufid_flags, first_in_buffer);
    match filled {
        Ok(()) => {
            out.end();
            Ok(())
        }
        Err(e) => {
            out.cancel();
            Err(e)
        }
    }
}

fn fill_attrs(
    out: &mut MsgWriter<'_>,
    flow: &Flow,
    ufid_flags: u32,
    first_in_buffer: bool,
) -> Result {
    let full = |_| EMSGSIZE;
    match &flow.id {
        Ident::Ufid(u) => out.put_bytes(flow_attr::UFID, u.as_bytes())?,
        Ident::Key(unmasked) => {
            put_key(out, unmasked, unmasked, flow_attr::KEY, false, CT).map_err(full)?
        }
    }
    if should_fill_key(flow, ufid_flags) {
        put_key(out, &flow.key, &flow.key, flow_attr::KEY, false, CT).map_err(full)?;
    }
    if ufid_flags & ufid_flags::OMIT_MASK == 0 {
        put_key(out, &flow.key, &flow.mask().key, flow_attr::MASK, true, CT).map_err(full)?;
    }
    let stats = flow.stats.get();
    if stats.used != 0 {
        out.put_u64_64bit(
            flow_attr::USED,
            time::monotonic_ms_at(stats.used),
            flow_attr::PAD,
        )?;
    }
    if stats.packets != 0 {
        // `struct ovs_flow_stats`.
        let mut bytes = [0u8; 16];
        let (packets, octets) = bytes.split_at_mut(8);
        packets.copy_from_slice(&stats.packets.to_ne_bytes());
        octets.copy_from_slice(&stats.bytes.to_ne_bytes());
        out.put_bytes_64bit(flow_attr::STATS, &bytes, flow_attr::PAD)?;
    }
    let tcp_flags = stats.tcp_flags as u8;
    if tcp_flags != 0 {
        out.put_bytes(flow_attr::TCP_FLAGS, &[tcp_flags])?;
    }
    if ufid_flags & ufid_flags::OMIT_ACTIONS == 0 {
        let guard = rcu::read_lock();
        let attrs = flow.actions(&guard).program.attrs();
        match out.put_bytes(flow_attr::ACTIONS, attrs) {
            Ok(()) => {}
            // Action lists can outgrow a dump buffer: the first flow of
            // a buffer goes without them rather than never.
            Err(_) if first_in_buffer => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A reply about `flow`, if it has a reader (or `always`).
fn build_info(
    req: &Request<'_>,
    table: &FlowTable,
    f: FlowRef,
    cmd: u8,
    always: bool,
    ufid_flags: u32,
) -> Result<Option<Msg>> {
    if !always && !req.must_notify(0) {
        return Ok(None);
    }
    let flow = table.get(f).ok_or(ENOENT)?;
    let mut msg = Msg::new(msg_size(flow, ufid_flags))?;
    let h = Header {
        dp_ifindex: req.dp_ifindex(),
        portid: req.snd_portid(),
        seq: req.snd_seq(),
        flags: 0,
        cmd,
    };
    fill_info(&mut msg, flow, &h, ufid_flags)?;
    Ok(Some(msg))
}

/// `get_dp()`: the flow table of the datapath the request names.
fn table_of<'r>(reg: &'r mut Registry, req: &Request<'_>) -> Result<&'r mut FlowTable> {
    let net = req.net()?;
    let i = reg.find_by_ifindex(net, req.dp_ifindex());
    match i.and_then(|i| reg.dps.get_mut(i)) {
        Some(dp) => Ok(&mut dp.flows),
        None => {
            req.set_err_msg(c"No such datapath");
            Err(ENODEV)
        }
    }
}

/// A validated list that did not compile: out of memory, or (a bug,
/// warned about) malformed.
pub(crate) fn compile_error(e: CompileError) -> Error {
    Error::from_errno(-e.errno())
}

fn no_memory(_: AllocError) -> Error {
    ENOMEM
}

/// `OVS_FLOW_CMD_NEW`: installs a flow, or replaces the actions of the
/// flow the key already hits.
pub(crate) fn cmd_new(dps: &Datapaths, req: &Request<'_>) -> Result {
    let c = Common::parse(req)?;
    let Some(key_attr) = req.attr(flow_attr::KEY) else {
        nlerr(
            c.log,
            format_args!("Flow key attr not present in new flow."),
        );
        req.set_err_msg(c"Flow key attribute missing");
        return Err(EINVAL);
    };
    let Some(acts_attr) = req.attr(flow_attr::ACTIONS) else {
        nlerr(
            c.log,
            format_args!("Flow actions attr not present in new flow."),
        );
        req.set_err_msg(c"Flow actions attribute missing");
        return Err(EINVAL);
    };
    let m = parse_match(req, &c, key_attr.payload(), true)?;
    let masked = m.key.masked(&m.mask, m.mask_range);
    let actions = parse_actions(
        req,
        &c,
        acts_attr.payload(),
        &masked,
        "Flow actions may not be safe on all matching packets.",
    )?;
    let id = match c.ufid {
        Some(u) => Ident::Ufid(u),
        None => Ident::Key(KBox::new(m.key.clone(), GFP_KERNEL)?),
    };

    let mut reg = dps.lock();
    let table = table_of(&mut reg, req)?;
    let found = c
        .ufid
        .and_then(|u| table.lookup_ufid(&u))
        .or_else(|| table.lookup(&m.key));
    let f = match found {
        None => table
            .insert(NewFlow {
                key: masked,
                mask: Mask {
                    key: m.mask.clone(),
                    range: m.mask_range,
                },
                id,
                actions,
            })
            .map_err(no_memory)?,
        Some(f) => {
            // NLM_F_CREATE stands in for NLM_F_EXCL, which genetlink
            // would take for a dump.
            if req.nlmsg_flags() & (uapi::NLM_F_CREATE | uapi::NLM_F_EXCL) != 0 {
                req.set_err_msg(c"A flow with this key or UFID exists");
                return Err(EEXIST);
            }
            let same = table.get(f).ok_or(ENOENT)?;
            let f = if same.same_flow(&m.key, m.range) {
                Some(f)
            } else if same.ufid().is_none() {
                table.lookup_exact(&m.key, m.range)
            } else {
                // The UFID is known, with another key.
                None
            };
            let f = f.ok_or_else(|| {
                req.set_err_msg(c"The key overlaps a different flow");
                ENOENT
            })?;
            table.set_actions(f, actions).map_err(no_memory)?;
            f
        }
    };
    let reply = build_info(req, table, f, flow_cmd::NEW, false, c.ufid_flags)?;
    drop(reg);
    if let Some(reply) = reply {
        reply.notify(&flow_family()?, req, 0);
    }
    Ok(())
}

/// `OVS_FLOW_CMD_SET`: new actions for a flow, and/or its stats cleared.
pub(crate) fn cmd_set(dps: &Datapaths, req: &Request<'_>) -> Result {
    let c = Common::parse(req)?;
    let key_attr = req.attr(flow_attr::KEY);
    if key_attr.is_none() && c.ufid.is_none() {
        nlerr(
            c.log,
            format_args!("Flow set message rejected, Key attribute missing."),
        );
        req.set_err_msg(c"Flow key or UFID attribute missing");
        return Err(EINVAL);
    }
    let m = match key_attr {
        Some(a) => Some(parse_match(req, &c, a.payload(), true)?),
        None => None,
    };
    let actions = match (req.attr(flow_attr::ACTIONS), &m) {
        (None, _) => None,
        (Some(_), None) => {
            nlerr(
                c.log,
                format_args!("Flow key attribute not present in set flow."),
            );
            req.set_err_msg(c"New actions need the flow key");
            return Err(EINVAL);
        }
        (Some(a), Some(m)) => {
            // Validated against the request's own key and mask.
            let masked = KBox::new(m.key.masked(&m.mask, m.mask_range), GFP_KERNEL)?;
            Some(parse_actions(
                req,
                &c,
                a.payload(),
                &masked,
                "Actions may not be safe on all matching packets",
            )?)
        }
    };

    let mut reg = dps.lock();
    let table = table_of(&mut reg, req)?;
    let f = match (&c.ufid, &m) {
        (Some(u), _) => table.lookup_ufid(u),
        (None, Some(m)) => table.lookup_exact(&m.key, m.range),
        (None, None) => None,
    };
    let Some(f) = f else {
        req.set_err_msg(c"No such flow");
        return Err(ENOENT);
    };
    if let Some(actions) = actions {
        table.set_actions(f, actions).map_err(no_memory)?;
    }
    let reply = build_info(req, table, f, flow_cmd::SET, false, c.ufid_flags)?;
    // After the reply: it shows the stats being cleared.
    if req.attr(flow_attr::CLEAR).is_some() {
        table.get(f).ok_or(ENOENT)?.stats.clear();
    }
    drop(reg);
    if let Some(reply) = reply {
        reply.notify(&flow_family()?, req, 0);
    }
    Ok(())
}

/// The flow a GET or DEL names: by UFID if it has a valid one, else by
/// its (unmasked) key.
fn lookup_named(table: &FlowTable, c: &Common, m: Option<&Match>) -> Option<FlowRef> {
    match (&c.ufid, m) {
        (Some(u), _) => table.lookup_ufid(u),
        (None, Some(m)) => table.lookup_exact(&m.key, m.range),
        (None, None) => None,
    }
}

/// `OVS_FLOW_CMD_GET`.
pub(crate) fn cmd_get(dps: &Datapaths, req: &Request<'_>) -> Result {
    let c = Common::parse(req)?;
    let m = match req.attr(flow_attr::KEY) {
        Some(a) => Some(parse_match(req, &c, a.payload(), false)?),
        None if c.ufid.is_none() => {
            nlerr(
                c.log,
                format_args!("Flow get message rejected, Key attribute missing."),
            );
            req.set_err_msg(c"Flow key or UFID attribute missing");
            return Err(EINVAL);
        }
        None => None,
    };
    let mut reg = dps.lock();
    let table = table_of(&mut reg, req)?;
    let Some(f) = lookup_named(table, &c, m.as_ref()) else {
        req.set_err_msg(c"No such flow");
        return Err(ENOENT);
    };
    let reply = build_info(req, table, f, flow_cmd::GET, true, c.ufid_flags)?;
    drop(reg);
    reply.ok_or(ENOMEM)?.reply(req)
}

/// `OVS_FLOW_CMD_DEL`: one flow, or all of them when none is named.
pub(crate) fn cmd_del(dps: &Datapaths, req: &Request<'_>) -> Result {
    let c = Common::parse(req)?;
    let m = match req.attr(flow_attr::KEY) {
        Some(a) => Some(parse_match(req, &c, a.payload(), false)?),
        None => None,
    };
    let mut reg = dps.lock();
    let table = table_of(&mut reg, req)?;
    if m.is_none() && c.ufid.is_none() {
        return table.flush().map_err(no_memory);
    }
    let Some(f) = lookup_named(table, &c, m.as_ref()) else {
        req.set_err_msg(c"No such flow");
        return Err(ENOENT);
    };
    // Built before the removal, with the final stats. A notification
    // that cannot be built does not stop the removal; the listeners learn
    // they missed one.
    let reply = build_info(req, table, f, flow_cmd::DEL, false, c.ufid_flags);
    let removed = table.remove(f);
    drop(reg);
    drop(removed);
    let family = flow_family()?;
    match reply {
        Ok(Some(reply)) => reply.notify(&family, req, 0),
        Ok(None) => {}
        Err(e) => nlmsg::multicast_error(&family, req.net()?, 0, e),
    }
    Ok(())
}

/// `OVS_FLOW_CMD_GET` dump: every flow of the datapath, resuming at the
/// position after the last one sent.
pub(crate) fn cmd_dump(dps: &Datapaths, dump: &Dump<'_>, out: &mut MsgWriter<'_>) -> Result<usize> {
    // C parses a flow dump's attributes itself, for UFID_FLAGS only.
    let ufid_flags = match dump.parse_attrs()?.get(flow_attr::UFID_FLAGS) {
        Some(a) => a.get_u32().map_err(|_| EINVAL)?,
        None => 0,
    };
    let net = dump.net()?;
    let reg = dps.lock();
    let Some(dp) = reg
        .find_by_ifindex(net, dump.dp_ifindex())
        .and_then(|i| reg.dps.get(i))
    else {
        dump.set_err_msg(c"No such datapath");
        return Err(ENODEV);
    };
    let h = Header {
        dp_ifindex: dump.dp_ifindex(),
        portid: dump.portid(),
        seq: dump.seq(),
        flags: uapi::NLM_F_MULTI,
        cmd: flow_cmd::GET,
    };
    let mut at = dump.arg(0);
    while let Some((pos, f)) = dp.flows.next_from(at) {
        let Some(flow) = dp.flows.get(f) else { break };
        if fill_info(out, flow, &h, ufid_flags).is_err() {
            break;
        }
        at = pos + 1;
    }
    drop(reg);
    dump.set_arg(0, at);
    Ok(out.len())
}
