// SPDX-License-Identifier: GPL-2.0

//! Datapaths and the `ovs_datapath` family (`OVS_DP_CMD_*`).
//!
//! A datapath lives in the network namespace that created it and owns its
//! ports; port 0 is an internal device named after the datapath. All
//! datapaths sit in one [`Registry`] behind `ovs_mutex` ([`Datapaths`]),
//! which every command takes, as in C. What the packet path reads
//! lock-free is in [`DpShared`].

use core::sync::atomic::{AtomicI32, AtomicU32, Ordering};

use kernel::{
    new_mutex,
    prelude::*,
    str::CStr,
    sync::{Arc, Mutex, MutexGuard},
};

use crate::ct_limit_family::CtLimitInfo;
use crate::dp_config::{self, ConfigError, DpStats, MegaflowStats, MASKS_CACHE_DEFAULT};
use crate::flow::key::FlowKey;
use crate::flow::table::{
    CacheEntry, Flow, FlowCacheEntry, FlowTable, LookupCounts, TableShared, FLOW_CACHE_ENTRIES,
};
use crate::kapi::counters::PerCpuCounters;
use crate::kapi::genl::{Dump, Family, Request};
use crate::kapi::netdev::{self, name_bytes, DevRef, InternalDev, NetHandle, NetNs};
use crate::kapi::nlmsg::{Msg, MsgWriter};
use crate::kapi::percpu::{self, PerCpuArray, PerCpuStack};
use crate::kapi::rcu::{Guard, RcuBox, RcuCell};
use crate::kapi::skb::BhOff;
use crate::meter::{MeterIndex, MeterTable};
use crate::meter_family::{self, Meter};
use crate::ovs_header::{ovs_header, OvsHeader};
use crate::slab::KmemCache;

/// The per-CPU mask cache (`struct mask_cache`).
type MaskCache = PerCpuArray<CacheEntry>;
/// The per-CPU flow cache, in front of the mask cache (not in C).
type FlowCache = PerCpuArray<FlowCacheEntry>;
use crate::ct_limit_view::CtLimitView;
use crate::uapi::OVSP_LOCAL;
use crate::uapi::{self, dp_attr, dp_cmd, OVS_DP_VER_FEATURES};
use crate::uapi::{OVS_DP_F_DISPATCH_UPCALL_PER_CPU, OVS_DP_F_TC_RECIRC_SHARING};
use crate::vport::{Port, PortDevice, Vport};

/// Every datapath of every namespace, in creation order.
pub(crate) struct Registry {
    pub(crate) dps: KVec<Datapath>,
    /// Each namespace's conntrack limits (C's `ovs_net->ct_limit_info`).
    pub(crate) ct_limits: KVec<CtLimitInfo>,
}

impl Registry {
    pub(crate) const fn new() -> Self {
        Registry {
            dps: KVec::new(),
            ct_limits: KVec::new(),
        }
    }
}

/// Every datapath, behind `ovs_mutex`: the context every command, the
/// namespace and device hooks and the periodic work are given.
#[pin_data]
pub(crate) struct Datapaths {
    /// `ovs_mutex`: taken before rtnl, never after.
    #[pin]
    registry: Mutex<Registry>,
    /// Where every datapath's flows are allocated (C's `flow_cache`).
    flow_cache: Arc<KmemCache<Flow>>,
    /// Every namespace's conntrack limits as the packet path reads them,
    /// published from `Registry::ct_limits`.
    pub(crate) ct_limit_view: Arc<CtLimitView>,
}

impl Datapaths {
    pub(crate) fn new() -> Result<Arc<Self>> {
        let flow_cache = KmemCache::new(c"ovs_rs_flow")?;
        let ct_limit_view = Arc::new(CtLimitView::new(), GFP_KERNEL)?;
        Arc::pin_init(
            pin_init!(Datapaths {
                registry <- new_mutex!(Registry::new(), "ovs_mutex"),
                flow_cache,
                ct_limit_view,
            }),
            GFP_KERNEL,
        )
    }

    /// `ovs_lock()`.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock()
    }

    /// Module unload, once nothing can reach the datapaths any more:
    /// frees what is left, then waits until everything they handed to
    /// RCU is freed, since freeing runs this module's code.
    pub(crate) fn release_all(&self) {
        let mut reg = self.lock();
        if !reg.dps.is_empty() {
            pr_warn!("{} datapaths left at unload\n", reg.dps.len());
        }
        drop(core::mem::take(&mut reg.dps));
        // Every namespace's exit took its limits already.
        let ct_limits = core::mem::take(&mut reg.ct_limits);
        kernel::warn_on!(!ct_limits.is_empty());
        self.ct_limit_view.clear();
        drop(reg);
        crate::kapi::rcu::wait_for_retired();
        // After the grace period: no reader holds their counts.
        drop(ct_limits);
    }
}

/// The part of a datapath the packet path uses without `ovs_mutex`.
pub(crate) struct DpShared {
    pub(crate) net: NetHandle,
    user_features: AtomicU32,
    /// The local port's ifindex (`get_dpifindex()`), 0 without one.
    ifindex: AtomicI32,
    pub(crate) table: Arc<TableShared>,
    /// The per-CPU mask cache (`OVS_DP_ATTR_MASKS_CACHE_SIZE` entries).
    mask_cache: RcuCell<MaskCache>,
    /// The per-CPU flow cache: empty when the `flow_cache` parameter is
    /// off.
    flow_cache: FlowCache,
    ports: RcuCell<PortMap>,
    /// `OVS_DP_ATTR_PER_CPU_PIDS`, as the packet path reads them.
    per_cpu_pids: RcuCell<KVec<u32>>,
    /// `dp->stats_percpu`: each CPU counts its packets in its own group
    /// of `struct dp_stats_percpu`'s counters (`n_hit`, `n_missed`,
    /// `n_lost`, `n_mask_hit`, `n_cache_hit`), which readers sum.
    stats: PerCpuCounters<5>,
    /// Per CPU, the flow keys of nested action lists that may change
    /// theirs (C's `ovs_pcpu_storage.flow_keys`).
    pub(crate) nested_keys: PerCpuStack<FlowKey, { crate::actions::NESTED_KEYS }>,
    /// The meters as the METER action finds them.
    pub(crate) meters: MeterIndex<Meter>,
    /// The conntrack zone limits a committing `ct()` checks.
    pub(crate) ct_limits: Arc<CtLimitView>,
}

/// A port as the packet path reaches it by number: its device held for
/// output.
pub(crate) struct OutputPort {
    pub(crate) port_no: u32,
    /// Keeps the datapath alive: the map is emptied when the datapath
    /// goes, which breaks the cycle.
    pub(crate) vport: Arc<Vport>,
    pub(crate) dev: DevRef,
    pub(crate) internal: bool,
}

/// The ports by number, sorted (`dp->ports`' hash lists, read under RCU).
pub(crate) struct PortMap {
    entries: KVec<OutputPort>,
}

impl DpShared {
    fn new(
        net: NetNs<'_>,
        table: Arc<TableShared>,
        meters: MeterIndex<Meter>,
        ct_limits: Arc<CtLimitView>,
    ) -> Result<Arc<Self>> {
        let cache = RcuBox::new(MaskCache::new(MASKS_CACHE_DEFAULT as usize)?)?;
        let flow_cache_entries = if crate::module_parameters::flow_cache.value() {
            FLOW_CACHE_ENTRIES
        } else {
            0
        };
        Ok(Arc::new(
            DpShared {
                net: net.handle(),
                user_features: AtomicU32::new(0),
                ifindex: AtomicI32::new(0),
                table,
                mask_cache: RcuCell::new(cache),
                flow_cache: FlowCache::new(flow_cache_entries)?,
                ports: RcuCell::empty(),
                per_cpu_pids: RcuCell::empty(),
                stats: PerCpuCounters::new()?,
                nested_keys: PerCpuStack::new()?,
                meters,
                ct_limits,
            },
            GFP_KERNEL,
        )?)
    }

    /// `ovs_flow_tbl_lookup_stats()`: the flow of a packet of key `key`
    /// and hash `skb_hash`, through this CPU's flow and mask caches.
    pub(crate) fn lookup<'a>(
        &'a self,
        bh: &BhOff,
        guard: &'a Guard,
        key: &FlowKey,
        skb_hash: u32,
    ) -> (Option<&'a Flow>, LookupCounts) {
        let cache = self
            .mask_cache
            .read(guard)
            .map_or(&[][..], |c| c.this_cpu(bh));
        let flows = self.flow_cache.this_cpu(bh);
        self.table
            .lookup_stats(guard, bh, key, skb_hash, cache, flows)
    }

    /// `ovs_vport_rcu()`: port `port_no`, if the datapath has it.
    pub(crate) fn port<'a>(&'a self, guard: &'a Guard, port_no: u32) -> Option<&'a OutputPort> {
        let map = self.ports.read(guard)?;
        let i = map
            .entries
            .binary_search_by_key(&port_no, |e| e.port_no)
            .ok()?;
        map.entries.get(i)
    }

    pub(crate) fn per_cpu_pids<'a>(&'a self, guard: &'a Guard) -> Option<&'a [u32]> {
        self.per_cpu_pids.read(guard).map(|v| v.as_slice())
    }

    pub(crate) fn ifindex(&self) -> i32 {
        self.ifindex.load(Ordering::Relaxed)
    }

    /// A processed packet, which found its flow (`hit`) or went to
    /// userspace, with what its lookup counted: one update of this CPU's
    /// counters, as in `ovs_dp_process_packet()`.
    pub(crate) fn count_packet(&self, bh: &BhOff, hit: bool, lookup: LookupCounts) {
        let (hit, missed) = (u64::from(hit), u64::from(!hit));
        let mask_hit = lookup.n_mask_hit.into();
        let cache_hit = lookup.n_cache_hit.into();
        self.stats.add(bh, [hit, missed, 0, mask_hit, cache_hit]);
    }

    /// A failed upcall (`ovs_dp_upcall()`'s `n_lost`).
    pub(crate) fn count_lost(&self, bh: &BhOff) {
        self.stats.add(bh, [0, 0, 1, 0, 0]);
    }

    /// `get_dp_stats()`: every CPU's counters summed; the writer fills in
    /// the flow and mask counts.
    fn stats(&self) -> (DpStats, MegaflowStats) {
        let [n_hit, n_missed, n_lost, n_mask_hit, n_cache_hit] = self.stats.sum();
        (
            DpStats {
                n_hit,
                n_missed,
                n_lost,
                n_flows: 0,
            },
            MegaflowStats {
                n_mask_hit,
                n_masks: 0,
                n_cache_hit,
            },
        )
    }

    pub(crate) fn user_features(&self) -> u32 {
        self.user_features.load(Ordering::Relaxed)
    }
}

impl Datapath {
    /// The datapath's `OVS_DP_F_*` user features.
    pub(crate) fn shared_features(&self) -> u32 {
        self.shared.user_features()
    }
}

/// One datapath.
pub(crate) struct Datapath {
    pub(crate) net: NetHandle,
    shared: Arc<DpShared>,
    /// The local port first.
    pub(crate) ports: KVec<Port>,
    masks_cache_size: u32,
    /// `OVS_DP_ATTR_PER_CPU_PIDS`, once userspace set them.
    per_cpu_pids: Option<KVec<u32>>,
    /// The largest forwarding headroom of the ports' devices, which every
    /// port's device reserves for received packets (`max_headroom`).
    max_headroom: u32,
    pub(crate) flows: FlowTable,
    /// The meters, as `ovs_mutex` holders change them.
    pub(crate) meters: MeterTable<Meter>,
}

impl Datapath {
    fn local(&self) -> Option<&Port> {
        self.ports.iter().find(|p| p.port_no() == OVSP_LOCAL)
    }

    /// The local port's device: netdev ports' master.
    pub(crate) fn local_dev(&self) -> Option<&InternalDev> {
        match self.local().map(|p| &p.dev) {
            Some(PortDevice::Internal(dev)) => Some(dev),
            _ => None,
        }
    }

    pub(crate) fn shared(&self) -> Arc<DpShared> {
        self.shared.clone()
    }

    /// `get_dpifindex()`.
    pub(crate) fn ifindex(&self) -> i32 {
        self.local().map_or(0, |p| p.dev.device().ifindex())
    }

    /// The datapath's name: its local port's device name.
    fn name(&self) -> [u8; netdev::IFNAMSIZ] {
        self.local()
            .map_or([0; netdev::IFNAMSIZ], |p| p.dev.device().name())
    }

    /// The index of port `port_no` in `ports`.
    pub(crate) fn port_index(&self, port_no: u32) -> Option<usize> {
        self.ports.iter().position(|p| p.port_no() == port_no)
    }

    /// Adds a port, and gives its device the datapath's headroom or, if
    /// it needs more, raises every port's (as `ovs_vport_cmd_new()`).
    pub(crate) fn add_port(&mut self, port: Port) -> Result {
        let dev = port.dev.device();
        let headroom = dev.fwd_headroom();
        if headroom > self.max_headroom {
            self.set_headroom(headroom);
            dev.set_rx_headroom(Some(headroom));
        } else {
            dev.set_rx_headroom(Some(self.max_headroom));
        }
        let local_ifindex = (port.port_no() == OVSP_LOCAL).then(|| dev.ifindex());
        // The port first, then the map that holds its device: a port
        // dropped on failure unregisters its device, which waits for every
        // reference to it, so no map may hold one then.
        self.ports.push(port, GFP_KERNEL)?;
        let map = match self.port_map(None) {
            Ok(map) => map,
            Err(e) => {
                drop(self.ports.pop());
                return Err(e);
            }
        };
        if let Some(ifindex) = local_ifindex {
            self.shared.ifindex.store(ifindex, Ordering::Relaxed);
        }
        self.shared.ports.replace(Some(map));
        Ok(())
    }

    /// The packet path's port map: the current ports minus port `remove`.
    fn port_map(&self, remove: Option<u32>) -> Result<RcuBox<PortMap>> {
        let mut entries = KVec::with_capacity(self.ports.len(), GFP_KERNEL)?;
        for p in self.ports.iter().filter(|p| Some(p.port_no()) != remove) {
            entries.push(
                OutputPort {
                    port_no: p.port_no(),
                    vport: p.vport.clone(),
                    dev: p.dev.device().hold(),
                    internal: matches!(p.dev, PortDevice::Internal(_)),
                },
                GFP_KERNEL,
            )?;
        }
        crate::sort::sort_by_key(&mut entries, |e| e.port_no);
        Ok(RcuBox::new(PortMap { entries })?)
    }

    /// Removes the port at `index` (`ovs_vport_cmd_del()`): its device
    /// gets its own headroom back, and the others a smaller one if it was
    /// the largest.
    pub(crate) fn remove_port(&mut self, index: usize) -> Result<Port> {
        let port = self.remove_port_keep_headroom(index)?;
        let dev = port.dev.device();
        let was_max = dev.fwd_headroom() == self.max_headroom;
        dev.set_rx_headroom(None);
        if was_max {
            let max = self
                .ports
                .iter()
                .map(|p| p.dev.device().fwd_headroom())
                .max()
                .unwrap_or(0);
            if max < self.max_headroom {
                self.set_headroom(max);
            }
        }
        Ok(port)
    }

    /// Removes the port at `index`, leaving headrooms as they are (as C
    /// does for ports whose device went away, and on namespace exit).
    pub(crate) fn remove_port_keep_headroom(&mut self, index: usize) -> Result<Port> {
        let port_no = self.ports.get(index).ok_or(ENODEV)?.port_no();
        // Readers stop finding the port before its device goes; without
        // memory for a new map, none is left (only the local port goes
        // last, with the datapath).
        match self.port_map(Some(port_no)) {
            Ok(map) => self.shared.ports.replace(Some(map)),
            Err(_) => self.shared.ports.replace(None),
        }
        if port_no == OVSP_LOCAL {
            self.shared.ifindex.store(0, Ordering::Relaxed);
        }
        self.ports.remove(index).map_err(|_| ENODEV)
    }

    /// `ovs_update_headroom()`.
    fn set_headroom(&mut self, headroom: u32) {
        self.max_headroom = headroom;
        for p in self.ports.iter() {
            p.dev.device().set_rx_headroom(Some(headroom));
        }
    }

    /// `ovs_dp_cmd_fill_info()`.
    fn fill_info(
        &self,
        msg: &mut MsgWriter<'_>,
        portid: u32,
        seq: u32,
        flags: u16,
        cmd: u8,
    ) -> Result {
        let family = datapath_family()?;
        msg.put_header(
            &family,
            portid,
            seq,
            flags,
            cmd,
            &ovs_header(self.ifindex()),
        )?;
        let name = self.name();
        msg.put_str(
            dp_attr::NAME,
            CStr::from_bytes_until_nul(&name).map_err(|_| EINVAL)?,
        )?;
        let (mut stats, mut megaflow) = self.shared.stats();
        stats.n_flows = self.flows.n_flows() as u64;
        msg.put_bytes_64bit(dp_attr::STATS, &stats.to_ne_bytes(), dp_attr::PAD)?;
        megaflow.n_masks = self.flows.n_masks() as u32;
        msg.put_bytes_64bit(
            dp_attr::MEGAFLOW_STATS,
            &megaflow.to_ne_bytes(),
            dp_attr::PAD,
        )?;
        let features = self.shared.user_features();
        msg.put_u32(dp_attr::USER_FEATURES, features)?;
        msg.put_u32(dp_attr::MASKS_CACHE_SIZE, self.masks_cache_size)?;
        if let Some(pids) = &self.per_cpu_pids {
            if features & OVS_DP_F_DISPATCH_UPCALL_PER_CPU != 0 {
                let n = pids.len().min(percpu::nr_cpu_ids() as usize);
                msg.put_u32_array(
                    dp_attr::PER_CPU_PIDS,
                    pids.get(..n).unwrap_or(pids.as_slice()),
                )?;
            }
        }
        msg.end();
        Ok(())
    }

    /// Applies a validated [`Change`] (`ovs_dp_change()`).
    fn apply(&mut self, change: Change) {
        let old = self.shared.user_features();
        let new = change.user_features;
        if let Some((size, cache)) = change.masks_cache_size {
            self.masks_cache_size = size;
            if let Some(cache) = cache {
                self.shared.mask_cache.replace(Some(cache));
            }
        }
        self.shared.user_features.store(new, Ordering::Relaxed);
        if new & OVS_DP_F_DISPATCH_UPCALL_PER_CPU != 0 {
            if let Some(pids) = change.per_cpu_pids {
                self.per_cpu_pids = Some(pids.0);
                self.shared.per_cpu_pids.replace(Some(pids.1));
            }
        }
        let (was, is) = (
            old & OVS_DP_F_TC_RECIRC_SHARING != 0,
            new & OVS_DP_F_TC_RECIRC_SHARING != 0,
        );
        if is != was {
            netdev::tc_skb_ext_enable(is);
        }
    }
}

impl Drop for Datapath {
    /// `__dp_destroy()`: the other ports first, the local port last.
    fn drop(&mut self) {
        if self.shared.user_features() & OVS_DP_F_TC_RECIRC_SHARING != 0 {
            netdev::tc_skb_ext_enable(false);
        }
        self.shared.ports.replace(None);
        self.shared.ifindex.store(0, Ordering::Relaxed);
        while let Some(port) = self.ports.pop() {
            drop(port);
        }
    }
}

/// A parsed and fully validated `OVS_DP_ATTR_*` configuration request.
///
/// C applies the attributes one by one and may fail half-way; this checks
/// them all first, so a refused request returns C's errno and changes
/// nothing.
struct Change {
    user_features: u32,
    /// The size, and a new cache unless it is the current size.
    masks_cache_size: Option<(u32, Option<RcuBox<MaskCache>>)>,
    /// The ids, and a copy ready for the packet path.
    per_cpu_pids: Option<(KVec<u32>, RcuBox<KVec<u32>>)>,
}

impl Change {
    fn parse(req: &Request<'_>, current_cache_size: u32) -> Result<Self> {
        let refuse = |e: ConfigError| {
            req.set_err_msg(e.message());
            match e {
                ConfigError::UnsupportedFeatures => EOPNOTSUPP,
                ConfigError::BadMasksCacheSize | ConfigError::BadPortIds => EINVAL,
            }
        };
        // The policy checked these u32s are at least 4 bytes; C reads the
        // first 4 of a longer one.
        let user_features = match req.attr(dp_attr::USER_FEATURES) {
            Some(a) => a.get_u32().map_err(|_| EINVAL)?,
            None => 0,
        };
        dp_config::check_user_features(user_features, netdev::tc_skb_ext_available())
            .map_err(refuse)?;
        let masks_cache_size = match req.attr(dp_attr::MASKS_CACHE_SIZE) {
            Some(a) => {
                let size = a.get_u32().map_err(|_| EINVAL)?;
                dp_config::check_masks_cache_size(current_cache_size, size).map_err(refuse)?;
                let cache = if size == current_cache_size {
                    None
                } else {
                    Some(RcuBox::new(MaskCache::new(size as usize)?)?)
                };
                Some((size, cache))
            }
            None => None,
        };
        let per_cpu_pids = match req.attr(dp_attr::PER_CPU_PIDS) {
            Some(a) if user_features & OVS_DP_F_DISPATCH_UPCALL_PER_CPU != 0 => {
                let ids = collect_port_ids(a.payload()).map_err(|e| match e {
                    PortIdsError::Config(e) => refuse(e),
                    PortIdsError::NoMemory => ENOMEM,
                })?;
                let mut copy = KVec::with_capacity(ids.len(), GFP_KERNEL)?;
                copy.extend_from_slice(&ids, GFP_KERNEL)?;
                Some((ids, RcuBox::new(copy)?))
            }
            _ => None,
        };
        Ok(Change {
            user_features,
            masks_cache_size,
            per_cpu_pids,
        })
    }
}

pub(crate) enum PortIdsError {
    Config(ConfigError),
    NoMemory,
}

pub(crate) fn collect_port_ids(bytes: &[u8]) -> core::result::Result<KVec<u32>, PortIdsError> {
    let ids = dp_config::port_ids(bytes).map_err(PortIdsError::Config)?;
    let mut out =
        KVec::with_capacity(bytes.len() / 4, GFP_KERNEL).map_err(|_| PortIdsError::NoMemory)?;
    for id in ids {
        out.push(id, GFP_KERNEL)
            .map_err(|_| PortIdsError::NoMemory)?;
    }
    Ok(out)
}

fn datapath_family() -> Result<Family> {
    Family::get(uapi::FAMILY_DATAPATH).ok_or(ENOENT)
}

impl Registry {
    /// `lookup_datapath()`: by `OVS_DP_ATTR_NAME` when given (the port of
    /// that name, if it is a local port), else by `ovs_header->dp_ifindex`
    /// (the datapath owning that internal device).
    fn lookup(&mut self, net: NetNs<'_>, req: &Request<'_>) -> Result<usize> {
        let found = match req.attr(dp_attr::NAME).map(|a| a.str_bytes()) {
            Some(name) => self.locate(net, name).and_then(|(d, p)| {
                let dp = self.dps.get(d)?;
                (dp.ports.get(p)?.port_no() == OVSP_LOCAL).then_some(d)
            }),
            None => self.find_by_ifindex(net, req.dp_ifindex()),
        };
        found.ok_or_else(|| {
            req.set_err_msg(c"No such datapath");
            ENODEV
        })
    }
}

fn new_reply() -> Result<Msg> {
    Msg::new(dp_config::dp_msg_size(percpu::nr_cpu_ids() as usize))
}

/// `OVS_DP_CMD_NEW`.
pub(crate) fn cmd_new(dps: &Datapaths, req: &Request<'_>) -> Result {
    let (Some(name_attr), Some(pid_attr)) =
        (req.attr(dp_attr::NAME), req.attr(dp_attr::UPCALL_PID))
    else {
        req.set_err_msg(c"OVS_DP_ATTR_NAME and OVS_DP_ATTR_UPCALL_PID are required");
        return Err(EINVAL);
    };
    let mut reply = new_reply()?;
    let net = req.net()?;
    let name = CStr::from_bytes_until_nul(name_attr.payload()).map_err(|_| EINVAL)?;
    let ifindex = match req.attr(dp_attr::IFINDEX) {
        Some(a) => a.get_s32().map_err(|_| EINVAL)?,
        None => 0,
    };
    // C's order: the datapath's configuration (ovs_dp_change()), then the
    // local port's upcall port ids (new_vport()).
    let change = Change::parse(req, MASKS_CACHE_DEFAULT)?;
    let upcall_portids = crate::vport::upcall_portids(req, pid_attr.payload())?;

    let flows = FlowTable::new(&dps.flow_cache).map_err(|_| ENOMEM)?;
    // `ovs_meters_init()`: no room for a meter refuses the datapath.
    let max_meters = meter_family::max_meters_allowed();
    if max_meters == 0 {
        return Err(ENOMEM);
    }
    let (meters, meter_index) = MeterTable::new(max_meters).map_err(|_| ENOMEM)?;
    let shared = DpShared::new(net, flows.shared(), meter_index, dps.ct_limit_view.clone())?;
    let vport = Vport::new(OVSP_LOCAL, shared.clone(), &upcall_portids)?;

    let mut reg = dps.lock();
    let mut dp = Datapath {
        net: net.handle(),
        shared,
        ports: KVec::new(),
        masks_cache_size: MASKS_CACHE_DEFAULT,
        per_cpu_pids: None,
        max_headroom: 0,
        flows,
        meters,
    };
    dp.apply(change);
    let dev = match InternalDev::create(net, name, ifindex, true, vport.clone()) {
        Ok(dev) => dev,
        Err(e) => {
            let e = if e == EBUSY { EEXIST } else { e };
            if e == EEXIST {
                if req.genl_version() < OVS_DP_VER_FEATURES {
                    reg.reset_user_features(net, req);
                }
                req.set_err_msg(c"A device with this name or ifindex exists");
            }
            return Err(e);
        }
    };
    dp.add_port(Port::new(vport, PortDevice::Internal(dev), upcall_portids))?;
    dp.fill_info(&mut reply, req.snd_portid(), req.snd_seq(), 0, dp_cmd::NEW)?;
    reg.dps.push(dp, GFP_KERNEL)?;
    drop(reg);
    reply.notify(&datapath_family()?, req, 0);
    Ok(())
}

impl Registry {
    /// `get_dp()`: the datapath in `net` owning the internal device
    /// `ifindex`.
    pub(crate) fn find_by_ifindex(&self, net: NetNs<'_>, ifindex: i32) -> Option<usize> {
        self.dps
            .iter()
            .position(|dp| dp.ports.iter().any(|p| p.is_internal_ifindex(net, ifindex)))
    }

    /// An outdated client that does not know user features tried to
    /// create an existing datapath and will likely reuse it: drop the
    /// features announced before (`ovs_dp_reset_user_features()`).
    fn reset_user_features(&mut self, net: NetNs<'_>, req: &Request<'_>) {
        if let Ok(i) = self.lookup(net, req) {
            if let Some(dp) = self.dps.get(i) {
                let name = dp.name();
                let name = core::str::from_utf8(name_bytes(&name)).unwrap_or("?");
                pr_warn!("{}: Dropping previously announced user features\n", name);
                dp.shared.user_features.store(0, Ordering::Relaxed);
            }
        }
    }
}

/// `OVS_DP_CMD_DEL`.
pub(crate) fn cmd_del(dps: &Datapaths, req: &Request<'_>) -> Result {
    let mut reply = new_reply()?;
    let mut reg = dps.lock();
    let i = reg.lookup(req.net()?, req)?;
    let dp = reg.dps.remove(i).map_err(|_| ENODEV)?;
    dp.fill_info(&mut reply, req.snd_portid(), req.snd_seq(), 0, dp_cmd::DEL)?;
    drop(dp);
    drop(reg);
    reply.notify(&datapath_family()?, req, 0);
    Ok(())
}

/// `OVS_DP_CMD_SET`.
pub(crate) fn cmd_set(dps: &Datapaths, req: &Request<'_>) -> Result {
    let mut reply = new_reply()?;
    let mut reg = dps.lock();
    let i = reg.lookup(req.net()?, req)?;
    let dp = reg.dps.get_mut(i).ok_or(ENODEV)?;
    let change = Change::parse(req, dp.masks_cache_size)?;
    dp.apply(change);
    dp.fill_info(&mut reply, req.snd_portid(), req.snd_seq(), 0, dp_cmd::SET)?;
    drop(reg);
    reply.notify(&datapath_family()?, req, 0);
    Ok(())
}

/// `OVS_DP_CMD_GET`.
pub(crate) fn cmd_get(dps: &Datapaths, req: &Request<'_>) -> Result {
    let mut reply = new_reply()?;
    let mut reg = dps.lock();
    let i = reg.lookup(req.net()?, req)?;
    let dp = reg.dps.get(i).ok_or(ENODEV)?;
    dp.fill_info(&mut reply, req.snd_portid(), req.snd_seq(), 0, dp_cmd::GET)?;
    drop(reg);
    reply.reply(req)
}

/// `OVS_DP_CMD_GET` dump: the datapaths of the requester's namespace, from
/// the one after the last dumped.
pub(crate) fn cmd_dump(dps: &Datapaths, dump: &Dump<'_>, out: &mut MsgWriter<'_>) -> Result<usize> {
    let net = dump.net()?;
    let skip = dump.arg(0);
    let mut i: usize = 0;
    let reg = dps.lock();
    for dp in reg.dps.iter().filter(|dp| dp.net.is(net)) {
        if i >= skip
            && dp
                .fill_info(
                    out,
                    dump.portid(),
                    dump.seq(),
                    uapi::NLM_F_MULTI,
                    dp_cmd::GET,
                )
                .is_err()
        {
            out.cancel();
            break;
        }
        i += 1;
    }
    drop(reg);
    dump.set_arg(0, i);
    Ok(out.len())
}

/// Every datapath's masks reordered by use (`ovs_dp_masks_rebalance()`).
pub(crate) fn masks_rebalance(dps: &Datapaths) {
    let mut reg = dps.lock();
    for dp in reg.dps.iter_mut() {
        dp.flows.rebalance();
    }
}

/// A namespace is going away (`ovs_exit_net()`): destroy its datapaths,
/// and remove the internal ports other datapaths have in it (the kernel
/// would unregister their devices next).
pub(crate) fn net_exit(dps: &Datapaths, net: NetNs<'_>) {
    let mut reg = dps.lock();
    let mut i = 0;
    while let Some(dp) = reg.dps.get(i) {
        if dp.net.is(net) {
            // Dropping it unregisters its devices.
            drop(reg.dps.remove(i));
        } else {
            i += 1;
        }
    }
    for dp in reg.dps.iter_mut() {
        let mut p = 0;
        while let Some(port) = dp.ports.get(p) {
            if matches!(port.dev, PortDevice::Internal(_)) && port.dev.device().is_in(net) {
                drop(dp.remove_port_keep_headroom(p));
            } else {
                p += 1;
            }
        }
    }
}
