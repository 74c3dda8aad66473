// SPDX-License-Identifier: GPL-2.0

//! The `ovs_ct_limit` family (`OVS_CT_LIMIT_CMD_*`): conntrack connection
//! limits per zone, per namespace (`net/openvswitch/conntrack.c`).
//!
//! C makes every namespace's `ovs_ct_limit_info` when the namespace (or
//! the module) comes up; here a namespace's state is made by its first
//! SET, which no reply can tell apart: until then GET answers the
//! default limit, unlimited, and a count of 0 for every zone, as C's
//! fresh state does. The state goes with the namespace's exit hook.

use kernel::prelude::*;
use kernel::sync::Arc;

use crate::ct_limit::{self, Record, ZoneLimits};
use crate::ct_limit_view::CtLimitView;
use crate::datapath::Datapaths;
use crate::flow_family::nlerr;
use crate::kapi::conntrack::ConnCount;
use crate::kapi::genl::{Family, Request};
use crate::kapi::netdev::{NetHandle, NetNs};
use crate::kapi::nlmsg::{Msg, MsgWriter, NLMSG_DEFAULT_SIZE};
use crate::uapi::{self, ct_limit_attr, ct_limit_cmd, OVS_ZONE_LIMIT_DEFAULT_ZONE};

/// One namespace's limits (`struct ovs_ct_limit_info`).
pub(crate) struct CtLimitInfo {
    net: NetHandle,
    limits: ZoneLimits,
    /// Connections per zone, keyed by the zone id (C's `conncount_key`),
    /// shared with the packet path's view; this is the last reference
    /// once the namespace's exit has waited out the view's readers.
    conns: Arc<ConnCount<1>>,
}

impl CtLimitInfo {
    fn new(net: NetNs<'_>) -> Result<Self> {
        Ok(CtLimitInfo {
            net: net.handle(),
            limits: ZoneLimits::new().map_err(|_| ENOMEM)?,
            conns: Arc::new(ConnCount::new(net)?, GFP_KERNEL)?,
        })
    }
}

fn find<'a>(all: &'a [CtLimitInfo], net: NetNs<'_>) -> Option<&'a CtLimitInfo> {
    all.iter().find(|i| i.net.is(net))
}

/// Changes `net`'s limits as `apply` says (a namespace without any gets
/// them first if `create`; else it has nothing to change). `apply` works
/// on a copy, and the packet path's view of the result is built before
/// the copy takes the original's place: an allocation that fails leaves
/// every GET and every packet seeing what they saw. An error of `apply`'s
/// own (C's `ENOMEM` part-way through a SET's records) keeps what it did
/// before it, as C does.
fn change(
    dps: &Datapaths,
    net: NetNs<'_>,
    create: bool,
    apply: impl FnOnce(&mut ZoneLimits) -> Result,
) -> Result {
    let mut reg = dps.lock();
    let at = match reg.ct_limits.iter().position(|i| i.net.is(net)) {
        Some(at) => at,
        None if create => {
            reg.ct_limits.push(CtLimitInfo::new(net)?, GFP_KERNEL)?;
            reg.ct_limits.len() - 1
        }
        None => return Ok(()),
    };
    let mut limits = reg
        .ct_limits
        .get(at)
        .ok_or(ENOENT)?
        .limits
        .try_clone()
        .map_err(|_| ENOMEM)?;
    let applied = apply(&mut limits);
    let view = CtLimitView::prepare(reg.ct_limits.iter().enumerate().map(|(i, info)| {
        let limits = if i == at { &limits } else { &info.limits };
        (&info.conns, limits)
    }))?;
    let info = reg.ct_limits.get_mut(at).ok_or(ENOENT)?;
    info.limits = limits;
    dps.ct_limit_view.publish(view);
    applied
}

/// A namespace is going away: its limits and connection counts go too,
/// once no packet can be counting (destroying the counts sleeps, so it
/// cannot wait for an RCU callback).
pub(crate) fn net_exit(dps: &Datapaths, net: NetNs<'_>) {
    let mut reg = dps.lock();
    let Some(i) = reg.ct_limits.iter().position(|i| i.net.is(net)) else {
        return;
    };
    let Ok(info) = reg.ct_limits.remove(i) else {
        kernel::warn_on!(true);
        return;
    };
    match CtLimitView::prepare(reg.ct_limits.iter().map(|i| (&i.conns, &i.limits))) {
        Ok(view) => dps.ct_limit_view.publish(view),
        // No memory for the others' view: none at all rather than one
        // that still counts in this namespace.
        Err(_) => dps.ct_limit_view.clear(),
    }
    drop(reg);
    crate::kapi::rcu::wait_for_retired();
    let CtLimitInfo {
        net: _,
        limits,
        conns,
    } = info;
    drop(limits);
    // Every view that shared the counts has been freed by now.
    kernel::warn_on!(Arc::into_unique_or_drop(conns).is_none());
}

fn ct_limit_family() -> Result<Family> {
    Family::get(uapi::FAMILY_CT_LIMIT).ok_or(ENOENT)
}

/// `ovs_ct_limit_cmd_reply_start()`: the reply's headers, the request's
/// `dp_ifindex` echoed.
fn reply_start(req: &Request<'_>, cmd: u8) -> Result<Msg> {
    crate::ovs_header::reply_start(&ct_limit_family()?, NLMSG_DEFAULT_SIZE, req, cmd)
}

fn log_out_of_range() {
    nlerr(true, format_args!("zone id is out of range"));
}

fn log_unknown_bytes(what: &str, left: usize) {
    if left != 0 {
        nlerr(
            true,
            format_args!("{} zone limit has {} unknown bytes", what, left),
        );
    }
}

/// What SET and DEL start with: the reply's headers, the request's zone
/// limit records (`EINVAL` without any), the requester's namespace.
fn change_start<'r>(req: &'r Request<'_>, cmd: u8) -> Result<(Msg, &'r [u8], NetNs<'r>)> {
    let reply = reply_start(req, cmd)?;
    let attr = req.attr(ct_limit_attr::ZONE_LIMIT).ok_or(EINVAL)?;
    Ok((reply, attr.payload(), req.net()?))
}

/// What SET and DEL end with: C's log line for leftover bytes, the reply.
fn change_end(req: &Request<'_>, mut reply: Msg, what: &str, left: usize) -> Result {
    log_unknown_bytes(what, left);
    reply.end();
    reply.reply(req)
}

/// `OVS_CT_LIMIT_CMD_SET`.
pub(crate) fn cmd_set(dps: &Datapaths, req: &Request<'_>) -> Result {
    let (reply, payload, net) = change_start(req, ct_limit_cmd::SET)?;
    let (records, left) = ct_limit::records(payload);
    change(dps, net, true, |limits| {
        for record in records {
            match record {
                Record::Default { limit } => limits.set_default(limit),
                Record::OutOfRange => log_out_of_range(),
                Record::Zone { zone, limit } => limits.set(zone, limit).map_err(|_| ENOMEM)?,
            }
        }
        Ok(())
    })?;
    change_end(req, reply, "set", left)
}

/// `OVS_CT_LIMIT_CMD_DEL`. A namespace without limits has nothing to
/// delete, and its default is already the default.
pub(crate) fn cmd_del(dps: &Datapaths, req: &Request<'_>) -> Result {
    let (reply, payload, net) = change_start(req, ct_limit_cmd::DEL)?;
    let (records, left) = ct_limit::records(payload);
    change(dps, net, false, |limits| {
        for record in records {
            match record {
                Record::OutOfRange => log_out_of_range(),
                Record::Default { .. } => limits.set_default(ct_limit::UNLIMITED),
                Record::Zone { zone, .. } => limits.del(zone),
            }
        }
        Ok(())
    })?;
    change_end(req, reply, "del", left)
}

/// One `struct ovs_zone_limit` of a GET reply: a zone, its limit and how
/// many connections it has (`__ovs_ct_limit_get_zone_limit()`).
fn put_zone(out: &mut MsgWriter<'_>, info: Option<&CtLimitInfo>, zone: u16, limit: u32) -> Result {
    let count = info.map_or(0, |i| i.conns.count(&[u32::from(zone)]));
    out.put_nohdr(&ct_limit::encode(i32::from(zone), limit, count))
}

/// The default limit's record (`ovs_ct_limit_get_default_limit()`).
fn put_default(out: &mut MsgWriter<'_>, info: Option<&CtLimitInfo>) -> Result {
    let limit = info.map_or(ct_limit::UNLIMITED, |i| i.limits.default_limit());
    out.put_nohdr(&ct_limit::encode(OVS_ZONE_LIMIT_DEFAULT_ZONE, limit, 0))
}

/// `OVS_CT_LIMIT_CMD_GET`: the zones asked for, else the default and
/// every zone limit.
pub(crate) fn cmd_get(dps: &Datapaths, req: &Request<'_>) -> Result {
    let mut reply = reply_start(req, ct_limit_cmd::GET)?;
    let nest = reply.nest_start(ct_limit_attr::ZONE_LIMIT)?;
    let net = req.net()?;
    let reg = dps.lock();
    let info = find(&reg.ct_limits, net);
    match req.attr(ct_limit_attr::ZONE_LIMIT) {
        Some(attr) => {
            let (records, left) = ct_limit::records(attr.payload());
            for record in records {
                match record {
                    Record::Default { .. } => put_default(&mut reply, info)?,
                    Record::OutOfRange => log_out_of_range(),
                    Record::Zone { zone, .. } => {
                        let limit = info.map_or(ct_limit::UNLIMITED, |i| i.limits.get(zone));
                        put_zone(&mut reply, info, zone, limit)?;
                    }
                }
            }
            log_unknown_bytes("get", left);
        }
        None => {
            put_default(&mut reply, info)?;
            if let Some(i) = info {
                for z in i.limits.iter() {
                    put_zone(&mut reply, info, z.zone, z.limit)?;
                }
            }
        }
    }
    drop(reg);
    reply.nest_end(nest)?;
    reply.end();
    reply.reply(req)
}
