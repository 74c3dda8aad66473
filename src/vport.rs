// SPDX-License-Identifier: GPL-2.0

//! Vports: a datapath's ports, and the `ovs_vport` family.
//!
//! A port is an internal device this module creates (the datapath's local
//! port 0 is one) or an existing device attached through its rx_handler
//! (a netdev port). The packet path sees a port as its [`Vport`]; the
//! configuration side, under `ovs_mutex`, as a [`Port`].

use core::ffi::CStr as CoreCStr;

use kernel::{prelude::*, sync::Arc};

use crate::datapath::Datapaths;
use crate::datapath::{collect_port_ids, Datapath, DpShared, PortIdsError, Registry};
use crate::dp_config::{nla_total_size, nla_total_size_64bit};
use crate::kapi::counters::PerCpuCounters;
use crate::kapi::genl::{Dump, Family, Request};
use crate::kapi::netdev::{
    self, name_bytes, AttachedDevice, InternalDev, NetDevice, NetNs, PortOps, SkBuff,
};
use crate::kapi::nlmsg::{multicast_error, Msg, MsgWriter};
use crate::kapi::percpu;
use crate::kapi::rcu::{Guard, RcuBox, RcuCell};
use crate::kapi::skb::BhOff;
use crate::ovs_header::{ovs_header, OvsHeader};
use crate::uapi::{
    self, vport_attr, vport_cmd, vport_type, DP_MAX_PORTS, OVSP_LOCAL, OVS_DP_F_VPORT_PIDS,
};
use crate::vport_table::{self, dump_order, Cursor, HASH_BUCKETS};

/// What the packet path sees of a port.
pub(crate) struct Vport {
    port_no: u32,
    dp: Arc<DpShared>,
    /// `OVS_VPORT_ATTR_UPCALL_PID`, as the packet path reads them.
    upcall_portids: RcuCell<KVec<u32>>,
    /// `upcall_stats`: each CPU's upcalls that succeeded, and that
    /// failed.
    upcall_stats: PerCpuCounters<2>,
}

impl Vport {
    /// A port whose misses go to `upcall_portids`.
    pub(crate) fn new(
        port_no: u32,
        dp: Arc<DpShared>,
        upcall_portids: &[u32],
    ) -> Result<Arc<Self>> {
        let vport = Arc::new(
            Vport {
                port_no,
                dp,
                upcall_portids: RcuCell::empty(),
                upcall_stats: PerCpuCounters::new()?,
            },
            GFP_KERNEL,
        )?;
        vport.publish_portids(upcall_portids)?;
        Ok(vport)
    }

    pub(crate) fn port_no(&self) -> u32 {
        self.port_no
    }

    /// Gives the packet path a copy of new upcall port ids; on failure
    /// the old ones stay.
    pub(crate) fn publish_portids(&self, ids: &[u32]) -> Result {
        let mut copy = KVec::with_capacity(ids.len(), GFP_KERNEL)?;
        copy.extend_from_slice(ids, GFP_KERNEL)?;
        self.upcall_portids.replace(Some(RcuBox::new(copy)?));
        Ok(())
    }

    pub(crate) fn upcall_portids<'a>(&'a self, guard: &'a Guard) -> Option<&'a [u32]> {
        self.upcall_portids.read(guard).map(|v| v.as_slice())
    }

    /// `ovs_vport_update_upcall_stats()`: on this CPU's counters.
    pub(crate) fn count_upcall(&self, bh: &BhOff, ok: bool) {
        self.upcall_stats.add(bh, [u64::from(ok), u64::from(!ok)]);
    }
}

impl PortOps for Vport {
    /// A packet from this port's device enters the datapath
    /// (`ovs_vport_receive()`). Runs with bottom halves off, under
    /// rcu_read_lock.
    fn receive(&self, skb: SkBuff, from_netdev: bool, bh: &BhOff) -> Result {
        crate::packet::receive(self, &self.dp, skb, from_netdev, bh)
    }
}

/// A port's device.
pub(crate) enum PortDevice {
    /// `OVS_VPORT_TYPE_INTERNAL`: a device of this module.
    Internal(InternalDev),
    /// `OVS_VPORT_TYPE_NETDEV`: an existing device, attached.
    Netdev(AttachedDevice),
}

impl PortDevice {
    pub(crate) fn device(&self) -> NetDevice<'_> {
        match self {
            PortDevice::Internal(dev) => dev.device(),
            PortDevice::Netdev(port) => port.device(),
        }
    }

    /// The port's `OVS_VPORT_TYPE_*`.
    fn kind(&self) -> u32 {
        match self {
            PortDevice::Internal(_) => vport_type::INTERNAL,
            PortDevice::Netdev(_) => vport_type::NETDEV,
        }
    }
}

/// A port as its datapath's configuration sees it. Dropping it removes the
/// device (internal) or detaches it (netdev).
pub(crate) struct Port {
    pub(crate) vport: Arc<Vport>,
    pub(crate) dev: PortDevice,
    /// The device's name when the port was added. C files a port under
    /// that name and compares with the current one, so a renamed port is
    /// found by neither; ports are looked up the same way here.
    added_as: [u8; netdev::IFNAMSIZ],
    /// `OVS_VPORT_ATTR_UPCALL_PID`: at least one, at most `nr_cpu_ids`.
    pub(crate) upcall_portids: KVec<u32>,
}

impl Port {
    pub(crate) fn new(vport: Arc<Vport>, dev: PortDevice, upcall_portids: KVec<u32>) -> Self {
        let added_as = dev.device().name();
        Port {
            vport,
            dev,
            added_as,
            upcall_portids,
        }
    }

    pub(crate) fn port_no(&self) -> u32 {
        self.vport.port_no()
    }

    /// `ovs_vport_locate()`'s test.
    pub(crate) fn is_named(&self, name: &[u8]) -> bool {
        name_bytes(&self.added_as) == name && name_bytes(&self.dev.device().name()) == name
    }

    /// An internal port whose device is `ifindex` in `net`: what
    /// `get_dp()` accepts as a datapath's `dp_ifindex`.
    pub(crate) fn is_internal_ifindex(&self, net: NetNs<'_>, ifindex: i32) -> bool {
        let dev = self.dev.device();
        matches!(self.dev, PortDevice::Internal(_)) && dev.ifindex() == ifindex && dev.is_in(net)
    }
}

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
    if ids.len() > percpu::nr_cpu_ids() as usize {
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
        + nla_total_size(4 * percpu::nr_cpu_ids() as usize) // UPCALL_PID
}

/// `ovs_vport_cmd_fill_info()`; `net` is the namespace of whoever reads
/// the message (a device elsewhere gets its NETNSID).
#[allow(clippy::too_many_arguments)]
fn fill_info(
    dp: &Datapath,
    port: &Port,
    net: NetNs<'_>,
    msg: &mut MsgWriter<'_>,
    portid: u32,
    seq: u32,
    flags: u16,
    cmd: u8,
) -> Result {
    let family = vport_family()?;
    let dev = port.dev.device();
    msg.put_header(&family, portid, seq, flags, cmd, &ovs_header(dp.ifindex()))?;
    msg.put_u32(vport_attr::PORT_NO, port.port_no())?;
    msg.put_u32(vport_attr::TYPE, port.dev.kind())?;
    let name = dev.name();
    msg.put_str(
        vport_attr::NAME,
        CoreCStr::from_bytes_until_nul(&name).map_err(|_| EINVAL)?,
    )?;
    msg.put_u32(vport_attr::IFINDEX, dev.ifindex() as u32)?;
    if let Some(id) = dev.netnsid(net) {
        msg.put_u32(vport_attr::NETNSID, id as u32)?;
    }
    let mut stats = [0u8; 64];
    for (chunk, v) in stats.chunks_exact_mut(8).zip(dev.vport_stats()) {
        chunk.copy_from_slice(&v.to_ne_bytes());
    }
    msg.put_bytes_64bit(vport_attr::STATS, &stats, vport_attr::PAD)?;
    let nest = msg.nest_start(vport_attr::UPCALL_STATS)?;
    let [success, fail] = port.vport.upcall_stats.sum();
    msg.put_u64_64bit(vport_attr::UPCALL_SUCCESS, success, vport_attr::PAD)?;
    msg.put_u64_64bit(vport_attr::UPCALL_FAIL, fail, vport_attr::PAD)?;
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

impl Registry {
    /// `ovs_vport_locate()`: the port called `name` of a datapath in `net`,
    /// as (datapath, port) indexes.
    pub(crate) fn locate(&self, net: NetNs<'_>, name: &[u8]) -> Option<(usize, usize)> {
        self.dps
            .iter()
            .enumerate()
            .filter(|(_, dp)| dp.net.is(net))
            .find_map(|(d, dp)| {
                dp.ports
                    .iter()
                    .position(|p| p.is_named(name))
                    .map(|p| (d, p))
            })
    }
}

/// `lookup_vport()`: by name (any datapath of the namespace; the header's
/// dp_ifindex, if set, must be that port's datapath), else by port number
/// in the header's datapath. Returns (datapath, port) indexes.
fn lookup(reg: &Registry, net: NetNs<'_>, req: &Request<'_>) -> Result<(usize, usize)> {
    let no_port = |msg: &'static kernel::str::CStr| {
        req.set_err_msg(msg);
        ENODEV
    };
    if req.attr(vport_attr::IFINDEX).is_some() {
        req.set_err_msg(c"Ports cannot be looked up by ifindex");
        return Err(EOPNOTSUPP);
    }
    if let Some(name) = req.attr(vport_attr::NAME).map(|a| a.str_bytes()) {
        let (d, p) = reg
            .locate(net, name)
            .ok_or_else(|| no_port(c"No such port"))?;
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
            .and_then(|dp| dp.port_index(port_no))
            .ok_or_else(|| no_port(c"No such port"))?;
        return Ok((d, p));
    }
    req.set_err_msg(c"OVS_VPORT_ATTR_NAME or OVS_VPORT_ATTR_PORT_NO is required");
    Err(EINVAL)
}

/// A reply or notification about port `p` of datapath `d`, for `req`.
fn reply_for(reg: &Registry, found: (usize, usize), req: &Request<'_>, cmd: u8) -> Result<Msg> {
    fill_reply(reg, found, req, cmd, Msg::new(msg_size())?)
}

/// `reply_for()` into a message allocated before a change, so a failed
/// allocation cannot follow a change it would then report as refused.
fn fill_reply(
    reg: &Registry,
    (d, p): (usize, usize),
    req: &Request<'_>,
    cmd: u8,
    mut reply: Msg,
) -> Result<Msg> {
    let dp = reg.dps.get(d).ok_or(ENODEV)?;
    let port = dp.ports.get(p).ok_or(ENODEV)?;
    fill_info(
        dp,
        port,
        req.net()?,
        &mut reply,
        req.snd_portid(),
        req.snd_seq(),
        0,
        cmd,
    )?;
    Ok(reply)
}

/// The lowest free port number from 1, as `ovs_vport_cmd_new()` picks it.
fn free_port_no(dp: &Datapath) -> Result<u32> {
    vport_table::lowest_free(&mut dp.port_numbers()?).ok_or(EFBIG)
}

/// `OVS_VPORT_CMD_NEW`: an internal port (a new device) or a netdev port
/// (an existing device of the datapath's namespace), with C's checks in
/// C's order.
pub(crate) fn cmd_new(dps: &Datapaths, req: &Request<'_>) -> Result {
    let (Some(name), Some(kind), Some(pids)) = (
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
    // The policy made NAME a NUL-terminated string of at most IFNAMSIZ-1.
    let name = CoreCStr::from_bytes_until_nul(name.payload()).map_err(|_| EINVAL)?;
    let ifindex = match req.attr(vport_attr::IFINDEX) {
        Some(a) => a.get_s32().map_err(|_| EINVAL)?,
        None => 0,
    };
    let mut reply = Msg::new(msg_size())?;
    let net = req.net()?;

    let mut reg = dps.lock();
    let d = reg.find_by_ifindex(net, req.dp_ifindex()).ok_or_else(|| {
        req.set_err_msg(c"No such datapath");
        ENODEV
    })?;
    let dp = reg.dps.get_mut(d).ok_or(ENODEV)?;
    let port_no = if port_no != 0 {
        if dp.port_index(port_no).is_some() {
            req.set_err_msg(c"Port number in use");
            return Err(EBUSY);
        }
        port_no
    } else {
        free_port_no(dp).inspect_err(|_| req.set_err_msg(c"No free port number"))?
    };
    if kind != vport_type::INTERNAL && kind != vport_type::NETDEV {
        // C would look for a vport-type module; it has none for a
        // datapath it did not register either.
        req.set_err_msg(c"openvswitch_rs supports only netdev and internal ports");
        return Err(EAFNOSUPPORT);
    }
    let upcall_portids = upcall_portids(req, pids.payload())?;
    let vport = Vport::new(port_no, dp.shared(), &upcall_portids)?;
    let dev = if kind == vport_type::INTERNAL {
        PortDevice::Internal(
            InternalDev::create(dp.net.get(), name, ifindex, false, vport.clone()).inspect_err(
                |e| {
                    req.set_err_msg(match *e {
                        EEXIST => c"A device with this name exists",
                        EBUSY => c"A device with this ifindex exists",
                        EINVAL => c"Not a valid device name",
                        _ => c"Cannot create the device",
                    })
                },
            )?,
        )
    } else {
        let master = dp.local_dev().ok_or(ENODEV)?;
        PortDevice::Netdev(
            AttachedDevice::attach(dp.net.get(), name, master, vport.clone()).inspect_err(|e| {
                req.set_err_msg(match *e {
                    ENODEV => c"No such device",
                    EINVAL => c"Loopback, non-Ethernet and internal devices cannot be ports",
                    EBUSY => c"The device already has a master or an rx_handler",
                    _ => c"Cannot attach the device",
                })
            })?,
        )
    };
    let port = Port::new(vport, dev, upcall_portids);
    fill_info(
        dp,
        &port,
        net,
        &mut reply,
        req.snd_portid(),
        req.snd_seq(),
        0,
        vport_cmd::NEW,
    )?;
    dp.add_port(port)?;
    drop(reg);
    reply.notify(&vport_family()?, req, 0);
    Ok(())
}

/// `OVS_VPORT_CMD_DEL`: the local port goes only with its datapath.
pub(crate) fn cmd_del(dps: &Datapaths, req: &Request<'_>) -> Result {
    let mut reg = dps.lock();
    let (d, p) = lookup(&reg, req.net()?, req)?;
    let dp = reg.dps.get_mut(d).ok_or(ENODEV)?;
    if dp.ports.get(p).map(Port::port_no) == Some(OVSP_LOCAL) {
        req.set_err_msg(c"The local port goes only with its datapath");
        return Err(EINVAL);
    }
    let reply = reply_for(&reg, (d, p), req, vport_cmd::DEL)?;
    let dp = reg.dps.get_mut(d).ok_or(ENODEV)?;
    // Removes the device or detaches it (rtnl nests inside ovs_mutex).
    drop(dp.remove_port(p)?);
    drop(reg);
    reply.notify(&vport_family()?, req, 0);
    Ok(())
}

/// `OVS_VPORT_CMD_GET`.
pub(crate) fn cmd_get(dps: &Datapaths, req: &Request<'_>) -> Result {
    let reg = dps.lock();
    let found = lookup(&reg, req.net()?, req)?;
    let reply = reply_for(&reg, found, req, vport_cmd::GET)?;
    drop(reg);
    reply.reply(req)
}

/// `OVS_VPORT_CMD_SET`: the type must not change, no port type here takes
/// options, and the upcall port ids may change.
pub(crate) fn cmd_set(dps: &Datapaths, req: &Request<'_>) -> Result {
    // As C: the reply first, then the change.
    let reply = Msg::new(msg_size())?;
    let mut reg = dps.lock();
    let (d, p) = lookup(&reg, req.net()?, req)?;
    let port = reg
        .dps
        .get_mut(d)
        .and_then(|dp| dp.ports.get_mut(p))
        .ok_or(ENODEV)?;
    if let Some(a) = req.attr(vport_attr::TYPE) {
        if a.get_u32().map_err(|_| EINVAL)? != port.dev.kind() {
            req.set_err_msg(c"A port's type cannot change");
            return Err(EINVAL);
        }
    }
    if req.attr(vport_attr::OPTIONS).is_some() {
        req.set_err_msg(c"Netdev and internal ports take no options");
        return Err(EOPNOTSUPP);
    }
    if let Some(a) = req.attr(vport_attr::UPCALL_PID) {
        let ids = upcall_portids(req, a.payload())?;
        port.vport.publish_portids(&ids)?;
        port.upcall_portids = ids;
    }
    let reply = fill_reply(&reg, (d, p), req, vport_cmd::SET, reply)?;
    drop(reg);
    reply.notify(&vport_family()?, req, 0);
    Ok(())
}

/// `OVS_VPORT_CMD_GET` dump: the ports of the header's datapath, in C's
/// order (hash bucket `port_no % 1024`), resuming at (bucket, index).
pub(crate) fn cmd_dump(dps: &Datapaths, dump: &Dump<'_>, out: &mut MsgWriter<'_>) -> Result<usize> {
    let net = dump.net()?;
    let reg = dps.lock();
    let Some(dp) = reg
        .find_by_ifindex(net, dump.dp_ifindex())
        .and_then(|d| reg.dps.get(d))
    else {
        dump.set_err_msg(c"No such datapath");
        return Err(ENODEV);
    };
    let from = Cursor {
        bucket: u32::try_from(dump.arg(0)).unwrap_or(HASH_BUCKETS),
        index: dump.arg(1),
    };
    let mut next = Cursor {
        bucket: HASH_BUCKETS,
        index: 0,
    };
    for (i, cursor) in dump_order(&dp.port_numbers()?, from) {
        let Some(port) = dp.ports.get(i) else { break };
        let written = fill_info(
            dp,
            port,
            net,
            out,
            dump.portid(),
            dump.seq(),
            uapi::NLM_F_MULTI,
            vport_cmd::GET,
        );
        if written.is_err() {
            out.cancel();
            // Resume with this port.
            next = Cursor {
                bucket: cursor.bucket,
                index: cursor.index.saturating_sub(1),
            };
            break;
        }
    }
    drop(reg);
    dump.set_arg(0, next.bucket as usize);
    dump.set_arg(1, next.index);
    Ok(out.len())
}

impl Datapath {
    /// The port numbers, in `ports` order.
    fn port_numbers(&self) -> Result<KVec<u32>> {
        let mut out = KVec::with_capacity(self.ports.len(), GFP_KERNEL)?;
        for p in self.ports.iter() {
            out.push(p.port_no(), GFP_KERNEL)?;
        }
        Ok(out)
    }
}

/// The NETDEV_UNREGISTER work (`ovs_dp_notify_wq()`): ports whose device
/// went away were detached at once; remove them and tell each datapath's
/// namespace, in C's port order.
pub(crate) fn remove_detached(dps: &Datapaths) {
    let mut reg = dps.lock();
    for dp in reg.dps.iter_mut() {
        // One at a time, the first in dump order: removing shifts indexes.
        loop {
            let Ok(numbers) = dp.port_numbers() else {
                pr_warn!("cannot remove detached ports: out of memory\n");
                break;
            };
            let detached = dump_order(&numbers, Cursor::default())
                .map(|(i, _)| i)
                .find(|&i| {
                    dp.ports
                        .get(i)
                        .is_some_and(|p| matches!(&p.dev, PortDevice::Netdev(n) if !n.attached()))
                });
            let Some(i) = detached else { break };
            let notify = dp.ports.get(i).ok_or(ENODEV).and_then(|port| {
                let mut msg = Msg::new(msg_size())?;
                fill_info(dp, port, dp.net.get(), &mut msg, 0, 0, 0, vport_cmd::DEL)?;
                Ok(msg)
            });
            drop(dp.remove_port_keep_headroom(i));
            if let Ok(family) = vport_family() {
                match notify {
                    Ok(msg) => msg.multicast(&family, dp.net.get(), 0),
                    Err(e) => multicast_error(&family, dp.net.get(), 0, e),
                }
            }
        }
    }
}
