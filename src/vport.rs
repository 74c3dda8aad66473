// SPDX-License-Identifier: GPL-2.0

//! Vports: a datapath's ports.
//!
//! So far every datapath has its local port (port 0), an internal device.
//! Below the port object is the `ovs_vport` family for those ports.

use core::ffi::CStr as CoreCStr;

use kernel::{prelude::*, sync::Arc};

use crate::datapath::{collect_port_ids, Datapath, DpShared, Port, PortIdsError, Registry};
use crate::dp_config::{nla_total_size, nla_total_size_64bit, OVS_DP_F_VPORT_PIDS};
use crate::ffi::genl::{Dump, Family, Request};
use crate::ffi::lock::OVS_MUTEX;
use crate::ffi::netdev::{self, name_bytes, NetNs, SkBuff};
use crate::ffi::nlmsg::{Msg, MsgWriter};
use crate::uapi::{self, vport_attr, vport_cmd, vport_type, DP_MAX_PORTS};

/// `OVSP_LOCAL`: the datapath's own internal port.
pub(crate) const OVSP_LOCAL: u32 = 0;

/// What the packet path sees of a port.
pub(crate) struct Vport {
    port_no: u32,
    dp: Arc<DpShared>,
}

impl Vport {
    pub(crate) fn new(port_no: u32, dp: Arc<DpShared>) -> Result<Arc<Self>> {
        Ok(Arc::new(Vport { port_no, dp }, GFP_KERNEL)?)
    }

    pub(crate) fn port_no(&self) -> u32 {
        self.port_no
    }

    /// A packet from this port's device enters the datapath
    /// (`ovs_vport_receive()`). Runs in softirq or under rcu_read_lock.
    pub(crate) fn receive(&self, skb: SkBuff) -> Result {
        self.dp.receive(skb);
        Ok(())
    }
}

// The `ovs_vport` family (`OVS_VPORT_CMD_*`).
//
// Every datapath's local port answers GET, dump, SET and DEL as in C.
// Adding ports (NEW) is refused after C's own checks until internal and
// netdev ports land with the NETDEV_UNREGISTER handling that keeps them
// safe when their device goes away.

/// `DP_VPORT_HASH_BUCKETS`: C dumps ports bucket by bucket.
const DP_VPORT_HASH_BUCKETS: u32 = 1024;

fn vport_family() -> Result<Family> {
    Family::get(uapi::FAMILY_VPORT).ok_or(ENOENT)
}

/// Upcall port ids as `ovs_vport_set_upcall_portids()` accepts them: at
/// least one, whole `u32`s, at most one per possible CPU.
pub(crate) fn upcall_portids(req: &Request<'_>, bytes: &[u8]) -> Result<KVec<u32>> {
    let ids = collect_port_ids(bytes).map_err(|e| match e {
        PortIdsError::Config(e) => {
            req.set_err_msg(e.message());
            EINVAL
        }
        PortIdsError::NoMemory => ENOMEM,
    })?;
    if ids.len() > netdev::nr_cpu_ids() as usize {
        req.set_err_msg(c"More upcall port ids than CPUs");
        return Err(EINVAL);
    }
    Ok(ids)
}

/// `ovs_vport_cmd_msg_size()`.
fn msg_size() -> usize {
    crate::netlink::attr::nla_align(uapi::OVS_HEADER_SIZE)
        + nla_total_size(4) // PORT_NO
        + nla_total_size(4) // TYPE
        + nla_total_size(netdev::IFNAMSIZ) // NAME
        + nla_total_size(4) // IFINDEX
        + nla_total_size(4) // NETNSID
        + nla_total_size_64bit(64) // STATS
        + nla_total_size(2 * nla_total_size_64bit(8)) // UPCALL_STATS
        + nla_total_size(4 * netdev::nr_cpu_ids() as usize) // UPCALL_PID
}

/// `ovs_vport_cmd_fill_info()`.
fn fill_info(
    dp: &Datapath,
    port: &Port,
    msg: &mut MsgWriter<'_>,
    portid: u32,
    seq: u32,
    flags: u16,
    cmd: u8,
) -> Result {
    let family = vport_family()?;
    msg.put_header(&family, portid, seq, flags, cmd, dp.ifindex())?;
    msg.put_u32(vport_attr::PORT_NO, port.vport.port_no())?;
    msg.put_u32(vport_attr::TYPE, vport_type::INTERNAL)?;
    let name = port.dev.name();
    msg.put_str(
        vport_attr::NAME,
        CoreCStr::from_bytes_until_nul(&name).map_err(|_| EINVAL)?,
    )?;
    msg.put_u32(vport_attr::IFINDEX, port.dev.ifindex() as u32)?;
    // OVS_VPORT_ATTR_NETNSID only for a device in another namespace than
    // the requester's: a datapath's local port never leaves its namespace,
    // and requests only see datapaths of their own.
    let mut stats = [0u8; 64];
    for (chunk, v) in stats.chunks_exact_mut(8).zip(port.dev.vport_stats()) {
        chunk.copy_from_slice(&v.to_ne_bytes());
    }
    msg.put_bytes_64bit(vport_attr::STATS, &stats, vport_attr::PAD)?;
    // Upcalls are not sent yet, so none succeeded or failed.
    let nest = msg.nest_start(vport_attr::UPCALL_STATS)?;
    msg.put_u64_64bit(vport_attr::UPCALL_SUCCESS, 0, vport_attr::PAD)?;
    msg.put_u64_64bit(vport_attr::UPCALL_FAIL, 0, vport_attr::PAD)?;
    msg.nest_end(nest)?;
    if dp.shared_features() & OVS_DP_F_VPORT_PIDS != 0 {
        msg.put_u32_array(vport_attr::UPCALL_PID, &port.upcall_portids)?;
    } else {
        msg.put_u32(
            vport_attr::UPCALL_PID,
            port.upcall_portids.first().copied().unwrap_or(0),
        )?;
    }
    msg.end();
    Ok(())
}

/// `lookup_vport()`: by name (any datapath of the namespace; the header's
/// dp_ifindex, if set, must be that port's datapath), else by port number
/// in the header's datapath. Returns (datapath, port) indexes.
fn lookup(reg: &Registry, net: NetNs, req: &Request<'_>) -> Result<(usize, usize)> {
    let no_port = |msg: &'static kernel::str::CStr| {
        req.set_err_msg(msg);
        ENODEV
    };
    if req.attr(vport_attr::IFINDEX).is_some() {
        req.set_err_msg(c"Ports cannot be looked up by ifindex");
        return Err(EOPNOTSUPP);
    }
    if let Some(name) = req.attr(vport_attr::NAME).map(|a| a.str_bytes()) {
        let found = reg
            .dps
            .iter()
            .enumerate()
            .filter(|(_, dp)| dp.net == net)
            .find_map(|(d, dp)| {
                dp.ports
                    .iter()
                    .position(|p| name_bytes(&p.dev.name()) == name)
                    .map(|p| (d, p))
            });
        let (d, p) = found.ok_or_else(|| no_port(c"No such port"))?;
        let dp_ifindex = req.dp_ifindex();
        if dp_ifindex != 0 && reg.dps.get(d).map(|dp| dp.ifindex()) != Some(dp_ifindex) {
            return Err(no_port(c"The port is not in that datapath"));
        }
        return Ok((d, p));
    }
    if let Some(a) = req.attr(vport_attr::PORT_NO) {
        let port_no = a.get_u32().map_err(|_| EINVAL)?;
        if port_no >= DP_MAX_PORTS {
            req.set_err_msg(c"Port number too large");
            return Err(EFBIG);
        }
        let d = reg
            .find_by_ifindex(net, req.dp_ifindex())
            .ok_or_else(|| no_port(c"No such datapath"))?;
        let p = reg
            .dps
            .get(d)
            .and_then(|dp| dp.ports.iter().position(|p| p.vport.port_no() == port_no))
            .ok_or_else(|| no_port(c"No such port"))?;
        return Ok((d, p));
    }
    req.set_err_msg(c"OVS_VPORT_ATTR_NAME or OVS_VPORT_ATTR_PORT_NO is required");
    Err(EINVAL)
}

fn reply_for(reg: &Registry, (d, p): (usize, usize), req: &Request<'_>, cmd: u8) -> Result<Msg> {
    let mut reply = Msg::new(msg_size())?;
    let dp = reg.dps.get(d).ok_or(ENODEV)?;
    let port = dp.ports.get(p).ok_or(ENODEV)?;
    fill_info(
        dp,
        port,
        &mut reply,
        req.snd_portid(),
        req.snd_seq(),
        0,
        cmd,
    )?;
    Ok(reply)
}

/// `OVS_VPORT_CMD_NEW`: C's checks, then a refusal until ports can be
/// added.
pub(crate) fn cmd_new(req: &Request<'_>) -> Result {
    let (Some(_), Some(kind), Some(_)) = (
        req.attr(vport_attr::NAME),
        req.attr(vport_attr::TYPE),
        req.attr(vport_attr::UPCALL_PID),
    ) else {
        req.set_err_msg(c"OVS_VPORT_ATTR_NAME, _TYPE and _UPCALL_PID are required");
        return Err(EINVAL);
    };
    let kind = kind.get_u32().map_err(|_| EINVAL)?;
    if req.attr(vport_attr::IFINDEX).is_some() && kind != vport_type::INTERNAL {
        req.set_err_msg(c"Only internal ports take an ifindex");
        return Err(EOPNOTSUPP);
    }
    let port_no = match req.attr(vport_attr::PORT_NO) {
        Some(a) => a.get_u32().map_err(|_| EINVAL)?,
        None => 0,
    };
    if port_no >= DP_MAX_PORTS {
        req.set_err_msg(c"Port number too large");
        return Err(EFBIG);
    }
    let reg = OVS_MUTEX.lock();
    let d = reg
        .find_by_ifindex(req.net()?, req.dp_ifindex())
        .ok_or_else(|| {
            req.set_err_msg(c"No such datapath");
            ENODEV
        })?;
    if port_no != 0
        && reg
            .dps
            .get(d)
            .is_some_and(|dp| dp.ports.iter().any(|p| p.vport.port_no() == port_no))
    {
        req.set_err_msg(c"Port number in use");
        return Err(EBUSY);
    }
    req.set_err_msg(c"openvswitch_rs: adding ports is not implemented yet");
    Err(EOPNOTSUPP)
}

/// `OVS_VPORT_CMD_DEL`: the local port goes only with its datapath.
pub(crate) fn cmd_del(req: &Request<'_>) -> Result {
    let reg = OVS_MUTEX.lock();
    let (d, p) = lookup(&reg, req.net()?, req)?;
    let port_no = reg
        .dps
        .get(d)
        .and_then(|dp| dp.ports.get(p))
        .map(|p| p.vport.port_no());
    if port_no == Some(OVSP_LOCAL) {
        req.set_err_msg(c"The local port goes only with its datapath");
        return Err(EINVAL);
    }
    // Only local ports exist so far.
    Err(ENODEV)
}

/// `OVS_VPORT_CMD_GET`.
pub(crate) fn cmd_get(req: &Request<'_>) -> Result {
    let reg = OVS_MUTEX.lock();
    let found = lookup(&reg, req.net()?, req)?;
    let reply = reply_for(&reg, found, req, vport_cmd::GET)?;
    drop(reg);
    reply.reply(req)
}

/// `OVS_VPORT_CMD_SET`: the type must not change, there are no options,
/// and the upcall port ids may.
pub(crate) fn cmd_set(req: &Request<'_>) -> Result {
    let mut reg = OVS_MUTEX.lock();
    let (d, p) = lookup(&reg, req.net()?, req)?;
    if let Some(a) = req.attr(vport_attr::TYPE) {
        if a.get_u32().map_err(|_| EINVAL)? != vport_type::INTERNAL {
            req.set_err_msg(c"A port's type cannot change");
            return Err(EINVAL);
        }
    }
    if req.attr(vport_attr::OPTIONS).is_some() {
        req.set_err_msg(c"No port type takes options");
        return Err(EOPNOTSUPP);
    }
    if let Some(a) = req.attr(vport_attr::UPCALL_PID) {
        let ids = upcall_portids(req, a.payload())?;
        let port = reg
            .dps
            .get_mut(d)
            .and_then(|dp| dp.ports.get_mut(p))
            .ok_or(ENODEV)?;
        port.upcall_portids = ids;
    }
    let reply = reply_for(&reg, (d, p), req, vport_cmd::SET)?;
    drop(reg);
    reply.notify(&vport_family()?, req, 0);
    Ok(())
}

/// `OVS_VPORT_CMD_GET` dump: the ports of the header's datapath, in C's
/// order (hash bucket `port_no % 1024`), resuming at (bucket, index).
pub(crate) fn cmd_dump(dump: &Dump<'_>, out: &mut MsgWriter<'_>) -> Result<usize> {
    let net = dump.net()?;
    let reg = OVS_MUTEX.lock();
    let Some(dp) = reg
        .find_by_ifindex(net, dump.dp_ifindex())
        .and_then(|d| reg.dps.get(d))
    else {
        dump.set_err_msg(c"No such datapath");
        return Err(ENODEV);
    };
    let mut bucket = dump.arg(0) as u32;
    let mut skip = dump.arg(1);
    let mut j = 0;
    'buckets: while bucket < DP_VPORT_HASH_BUCKETS {
        j = 0;
        // Newest first within a bucket, as hlist_add_head_rcu() leaves them.
        for port in dp
            .ports
            .iter()
            .rev()
            .filter(|p| p.vport.port_no() % DP_VPORT_HASH_BUCKETS == bucket)
        {
            if j >= skip
                && fill_info(
                    dp,
                    port,
                    out,
                    dump.portid(),
                    dump.seq(),
                    uapi::NLM_F_MULTI,
                    vport_cmd::GET,
                )
                .is_err()
            {
                out.cancel();
                break 'buckets;
            }
            j += 1;
        }
        skip = 0;
        bucket += 1;
    }
    drop(reg);
    dump.set_arg(0, bucket as usize);
    dump.set_arg(1, j);
    Ok(out.len())
}
