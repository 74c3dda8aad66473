// SPDX-License-Identifier: GPL-2.0

//! The composition root: the one place that wires the kernel's entry
//! points (the six generic netlink families, the namespace and device
//! hooks, the periodic work) to the datapath code that serves them, and
//! that orders module load and unload.

use kernel::{prelude::*, sync::Arc};

use crate::datapath::{self, Datapaths};
use crate::kapi::genl::{self, Dump, Family, Registration, Request};
use crate::kapi::netdev::{DevicesDetached, NetExit, NetHooks, NetNs, NetdevNotifier};
use crate::kapi::nlmsg::MsgWriter;
use crate::kapi::skb::{Deps, DropReasons};
use crate::kapi::time::{Periodic, PeriodicWork};
use crate::uapi::{self, ct_limit_cmd, dp_cmd, flow_cmd, meter_cmd, packet_cmd, vport_cmd};
use crate::{ct_limit_family, flow_family, meter_family, packet_family, vport};

/// `DP_MASKS_REBALANCE_INTERVAL`: how often masks are reordered by use.
const MASKS_REBALANCE_MS: u32 = 4000;

/// The module's state. Fields drop in order: first no more requests, then
/// no more mask rebalancing, then no more device events (every netdev port
/// detached), then every namespace's datapaths are destroyed, then what
/// is left is freed and RCU drained; last, the helpers' modules and the
/// drop reason names, once no packet can run actions any more.
pub(crate) struct OpenVswitch {
    _families: Families,
    _masks_rebalance: PeriodicWork<Datapaths>,
    _netdev_notifier: NetdevNotifier<Datapaths>,
    _net_hooks: NetHooks<Datapaths>,
    _release: ReleaseAll,
    _deps: Deps,
    _drop_reasons: DropReasons,
}

impl kernel::Module for OpenVswitch {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let dps = Datapaths::new()?;
        let release = ReleaseAll(dps.clone());
        // The link kind and the families are what openvswitch.ko holds
        // too: registering them is the conflict check, and comes before
        // anything global that a refused load would have to undo.
        let net_hooks = NetHooks::register(dps.clone())?;
        let netdev_notifier = NetdevNotifier::register(dps.clone())?;
        let masks_rebalance = PeriodicWork::start(MASKS_REBALANCE_MS, dps.clone());
        let deps = Deps::acquire();
        let families = Families::register(&dps)?;
        // Registering the drop reason names would overwrite openvswitch.ko's
        // and a refused load's unregistering would clear them: only now
        // is it certain this module holds the subsystem.
        let drop_reasons = DropReasons::register();
        pr_info!(
            "Open vSwitch switching datapath ({} genetlink families)\n",
            families.count()
        );
        Ok(OpenVswitch {
            _families: families,
            _masks_rebalance: masks_rebalance,
            _netdev_notifier: netdev_notifier,
            _net_hooks: net_hooks,
            _release: release,
            _deps: deps,
            _drop_reasons: drop_reasons,
        })
    }
}

/// Frees what is left of the datapaths at unload (see
/// [`Datapaths::release_all`]).
struct ReleaseAll(Arc<Datapaths>);

impl Drop for ReleaseAll {
    fn drop(&mut self) {
        self.0.release_all();
    }
}

impl NetExit for Datapaths {
    fn net_exit(&self, net: NetNs<'_>) {
        datapath::net_exit(self, net);
        ct_limit_family::net_exit(self, net);
    }
}

impl DevicesDetached for Datapaths {
    fn devices_detached(&self) {
        vport::remove_detached(self);
    }
}

impl Periodic for Datapaths {
    fn run(&self) {
        datapath::masks_rebalance(self);
    }
}

/// Answers a command the family's ops table routes to Rust but no
/// handler serves: a bug of the tables, which the kernel log shows.
fn unknown_command(cmd: u8) -> Result {
    pr_warn!("no handler for generic netlink command {}\n", cmd);
    Err(EOPNOTSUPP)
}

/// One family's handler: the datapaths every command works on.
macro_rules! family_handler {
    ($name:ident, doit: { $($cmd:path => $doit:expr),* $(,)? }, dumpit: $dump:expr) => {
        struct $name(Arc<Datapaths>);

        impl genl::Handler for $name {
            fn doit(&self, cmd: u8, req: &Request<'_>) -> Result {
                let dps: &Datapaths = &self.0;
                match cmd {
                    $($cmd => ($doit)(dps, req),)*
                    _ => unknown_command(cmd),
                }
            }

            fn dumpit(&self, cmd: u8, dump: &Dump<'_>, out: &mut MsgWriter<'_>) -> Result<usize> {
                let dps: &Datapaths = &self.0;
                let dumpit: Option<fn(&Datapaths, &Dump<'_>, &mut MsgWriter<'_>) -> Result<usize>> =
                    $dump;
                match dumpit {
                    Some(f) => f(dps, dump, out),
                    None => unknown_command(cmd).map(|()| 0),
                }
            }
        }
    };
}

family_handler!(DatapathFamily, doit: {
    dp_cmd::NEW => datapath::cmd_new,
    dp_cmd::DEL => datapath::cmd_del,
    dp_cmd::GET => datapath::cmd_get,
    dp_cmd::SET => datapath::cmd_set,
}, dumpit: Some(datapath::cmd_dump));

family_handler!(VportFamily, doit: {
    vport_cmd::NEW => vport::cmd_new,
    vport_cmd::DEL => vport::cmd_del,
    vport_cmd::GET => vport::cmd_get,
    vport_cmd::SET => vport::cmd_set,
}, dumpit: Some(vport::cmd_dump));

family_handler!(FlowFamily, doit: {
    flow_cmd::NEW => flow_family::cmd_new,
    flow_cmd::DEL => flow_family::cmd_del,
    flow_cmd::GET => flow_family::cmd_get,
    flow_cmd::SET => flow_family::cmd_set,
}, dumpit: Some(flow_family::cmd_dump));

family_handler!(PacketFamily, doit: {
    packet_cmd::EXECUTE => packet_family::cmd_execute,
}, dumpit: None);

family_handler!(MeterFamily, doit: {
    meter_cmd::FEATURES => meter_family::cmd_features,
    meter_cmd::SET => meter_family::cmd_set,
    meter_cmd::GET => meter_family::cmd_get,
    meter_cmd::DEL => meter_family::cmd_del,
}, dumpit: None);

family_handler!(CtLimitFamily, doit: {
    ct_limit_cmd::SET => ct_limit_family::cmd_set,
    ct_limit_cmd::DEL => ct_limit_family::cmd_del,
    ct_limit_cmd::GET => ct_limit_family::cmd_get,
}, dumpit: None);

/// The six families, registered in C's order; each unregistered when
/// dropped (a refused load drops those it registered).
struct Families {
    _datapath: Registration<DatapathFamily>,
    _vport: Registration<VportFamily>,
    _flow: Registration<FlowFamily>,
    _packet: Registration<PacketFamily>,
    _meter: Registration<MeterFamily>,
    /// Absent where the kernel lacks connection counting, as in C.
    ct_limit: Option<Registration<CtLimitFamily>>,
}

/// Registers the family at `index`, served by `handler`.
fn register<H: genl::Handler>(index: usize, handler: H) -> Result<Option<Registration<H>>> {
    let Some(family) = Family::get(index) else {
        return Ok(None);
    };
    let name = uapi::FAMILIES.get(index).map_or("?", |spec| spec.name);
    let handler = Arc::new(handler, GFP_KERNEL)?;
    match Registration::new(family, handler) {
        Ok(reg) => Ok(Some(reg)),
        Err(e) if e == EEXIST => {
            pr_err!(
                "generic netlink family {} is already registered (is openvswitch.ko loaded?)\n",
                name
            );
            Err(e)
        }
        Err(e) => {
            pr_err!(
                "registering generic netlink family {} failed: {:?}\n",
                name,
                e
            );
            Err(e)
        }
    }
}

/// A family every kernel has.
fn register_required<H: genl::Handler>(index: usize, handler: H) -> Result<Registration<H>> {
    register(index, handler)?.ok_or(ENOENT)
}

impl Families {
    fn register(dps: &Arc<Datapaths>) -> Result<Self> {
        Ok(Families {
            _datapath: register_required(uapi::FAMILY_DATAPATH, DatapathFamily(dps.clone()))?,
            _vport: register_required(uapi::FAMILY_VPORT, VportFamily(dps.clone()))?,
            _flow: register_required(uapi::FAMILY_FLOW, FlowFamily(dps.clone()))?,
            _packet: register_required(uapi::FAMILY_PACKET, PacketFamily(dps.clone()))?,
            _meter: register_required(uapi::FAMILY_METER, MeterFamily(dps.clone()))?,
            ct_limit: register(uapi::FAMILY_CT_LIMIT, CtLimitFamily(dps.clone()))?,
        })
    }

    fn count(&self) -> usize {
        5 + usize::from(self.ct_limit.is_some())
    }
}

#[kunit_tests(ovs_rs_genl)]
mod tests {
    use super::*;
    use crate::uapi::{FAMILIES, OVS_HEADER_SIZE};

    /// The glue's static tables say what the UAPI says, and module init
    /// registered every family the kernel supports.
    #[test]
    fn glue_families_match_uapi() {
        let mut present = 0;
        for (index, spec) in FAMILIES.iter().enumerate() {
            let Some(family) = Family::get(index) else {
                // Only ovs_ct_limit is optional, as in the C module.
                assert_eq!(spec.name, "ovs_ct_limit");
                continue;
            };
            present += 1;
            assert_eq!(family.name().to_bytes(), spec.name.as_bytes());
            assert_eq!(family.version(), u32::from(spec.version));
            assert_eq!(family.hdrsize(), OVS_HEADER_SIZE);
            assert_eq!(
                family.mcgroup().map(|g| g.to_bytes()),
                spec.mcgroup.map(str::as_bytes)
            );
            assert!(family.id() > 0);
        }
        assert!(present >= 5);
        assert!(Family::get(FAMILIES.len()).is_none());
    }
}
