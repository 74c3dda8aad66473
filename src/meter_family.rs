// SPDX-License-Identifier: GPL-2.0

//! The `ovs_meter` family (`OVS_METER_CMD_*`) and the meters it sets, as
//! the packet path charges them (`net/openvswitch/meter.c`). The bucket
//! arithmetic and the table are pure logic in [`crate::meter`].
//!
//! As in C, every command answers the requester only: the family's
//! multicast group exists but carries nothing.

use kernel::{
    new_spinlock,
    prelude::*,
    sync::{Arc, SpinLock},
};

use crate::datapath::{Datapaths, Registry};
use crate::kapi::genl::{Family, Request};
use crate::kapi::mem;
use crate::kapi::nlmsg::{Msg, MsgWriter};
use crate::kapi::rcu::Guard;
use crate::kapi::skb::{BhDisabled, BhOff};
use crate::kapi::time;
use crate::meter::{
    self, MeterConfig, MeterId, MeterIndex, MeterSpec, MeterState, MeterTable, SetAttrs, SpecError,
    TableError, MAX_BANDS,
};
use crate::ovs_header::OvsHeader;
use crate::uapi::{self, band_attr, meter_attr, meter_cmd, OVS_METER_BAND_TYPE_DROP};

/// A meter (`struct dp_meter`): what SET made it, and its buckets and
/// counters under its own lock, which only the packet path (softirq) and
/// commands with bottom halves off take.
#[pin_data]
pub(crate) struct Meter {
    id: u32,
    config: MeterConfig,
    #[pin]
    state: SpinLock<MeterState>,
}

impl MeterId for Meter {
    fn id(&self) -> u32 {
        self.id
    }
}

/// Milliseconds of the monotonic clock, the meters' clock.
fn now_ms() -> u64 {
    time::monotonic_ns() / 1_000_000
}

impl Meter {
    fn new(spec: &MeterSpec) -> Result<Arc<Self>> {
        let state = spec.initial_state(now_ms());
        Arc::pin_init(
            pin_init!(Meter {
                id: spec.id,
                config: spec.config,
                state <- new_spinlock!(state, "dp_meter.lock"),
            }),
            GFP_KERNEL,
        )
    }

    /// Runs `f` on the state under the meter's lock; the token proves
    /// bottom halves are off, so the packet path cannot interrupt a
    /// holder on this CPU.
    fn locked<R>(&self, _bh: &BhOff, f: impl FnOnce(&mut MeterState) -> R) -> R {
        f(&mut self.state.lock())
    }

    /// The state as of now, for a reply (`spin_lock_bh()`).
    fn snapshot(&self) -> MeterState {
        let bh = BhDisabled::new();
        self.locked(bh.token(), |s| *s)
    }
}

impl MeterIndex<Meter> {
    /// `ovs_meter_execute()`: charges a packet of `len` bytes to meter
    /// `id` and says whether to drop it. A missing meter passes all.
    pub(crate) fn execute(&self, guard: &Guard, bh: &BhOff, id: u32, len: usize) -> bool {
        let Some(meter) = self.lookup(guard, id) else {
            return false;
        };
        // skb->len is an unsigned int.
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        let now = now_ms();
        meter.locked(bh, |s| meter::execute(&meter.config, s, now, len))
    }
}

/// `tbl->max_meters_allowed` for a new datapath; 0 refuses it.
pub(crate) fn max_meters_allowed() -> u32 {
    meter::max_meters_allowed(mem::free_buffer_pages(), mem::PAGE_SIZE, mem::SPINLOCK_SIZE)
}

fn meter_family() -> Result<Family> {
    Family::get(uapi::FAMILY_METER).ok_or(ENOENT)
}

/// `NLMSG_DEFAULT_SIZE` less the generic netlink header: C's reply size.
const REPLY_SIZE: usize = 3800;

/// `ovs_meter_cmd_reply_start()`: a reply to `req` naming its datapath.
fn reply_start(req: &Request<'_>, cmd: u8) -> Result<Msg> {
    crate::ovs_header::reply_start(&meter_family()?, REPLY_SIZE, req, cmd)
}

/// `ovs_meter_cmd_reply_stats()`.
fn put_stats(out: &mut MsgWriter<'_>, id: u32, config: &MeterConfig, st: &MeterState) -> Result {
    out.put_u32(meter_attr::ID, id)?;
    out.put_bytes(meter_attr::STATS, &st.stats.to_ne_bytes())?;
    out.put_u64_64bit(meter_attr::USED, st.used, meter_attr::PAD)?;
    let bands = out.nest_start(meter_attr::BANDS)?;
    for (_, band) in config.bands().iter().zip(st.band.iter()) {
        let nest = out.nest_start(band_attr::UNSPEC)?;
        out.put_bytes(band_attr::STATS, &band.stats.to_ne_bytes())?;
        out.nest_end(nest)?;
    }
    out.nest_end(bands)
}

fn table_errno(e: TableError) -> Error {
    match e {
        TableError::TooBig => EFBIG,
        TableError::Busy => EBUSY,
        TableError::NoMemory => ENOMEM,
    }
}

/// The meter id GET and DEL require (`OVS_METER_ATTR_ID`).
fn required_id(req: &Request<'_>) -> Result<u32> {
    req.attr(meter_attr::ID)
        .ok_or(EINVAL)?
        .get_u32()
        .map_err(|_| EINVAL)
}

/// `get_dp()`: the request's datapath, by its `dp_ifindex`.
fn dp_of(reg: &Registry, req: &Request<'_>) -> Result<usize> {
    reg.find_by_ifindex(req.net()?, req.dp_ifindex())
        .ok_or(ENODEV)
}

/// `OVS_METER_CMD_FEATURES`.
pub(crate) fn cmd_features(dps: &Datapaths, req: &Request<'_>) -> Result {
    let mut reply = reply_start(req, meter_cmd::FEATURES)?;
    let reg = dps.lock();
    let i = dp_of(&reg, req)?;
    let max = reg.dps.get(i).ok_or(ENODEV)?.meters.max_allowed();
    drop(reg);
    reply.put_u32(meter_attr::MAX_METERS, max)?;
    reply.put_u32(meter_attr::MAX_BANDS, MAX_BANDS)?;
    let bands = reply.nest_start(meter_attr::BANDS)?;
    let band = reply.nest_start(band_attr::UNSPEC)?;
    // Only drop bands, as in C.
    reply.put_u32(band_attr::TYPE, OVS_METER_BAND_TYPE_DROP)?;
    reply.nest_end(band)?;
    reply.nest_end(bands)?;
    reply.end();
    reply.reply(req)
}

/// `OVS_METER_CMD_SET`: creates or replaces a meter; the reply carries
/// the replaced meter's stats unless it was set with CLEAR.
pub(crate) fn cmd_set(dps: &Datapaths, req: &Request<'_>) -> Result {
    let spec = meter::parse_set(&SetAttrs {
        id: req.attr(meter_attr::ID),
        kbps: req.attr(meter_attr::KBPS).is_some(),
        clear: req.attr(meter_attr::CLEAR).is_some(),
        stats: req.attr(meter_attr::STATS),
        bands: req.attr(meter_attr::BANDS),
    })
    .map_err(|e| match e {
        SpecError::Invalid => EINVAL,
        SpecError::Range => ERANGE,
    })?;
    let meter = Meter::new(&spec)?;
    let mut reply = reply_start(req, meter_cmd::SET)?;
    // Before the old meter goes: a failure here must change nothing.
    let published = MeterTable::publish(&meter).map_err(table_errno)?;
    let mut reg = dps.lock();
    let i = dp_of(&reg, req)?;
    let dp = reg.dps.get_mut(i).ok_or(ENODEV)?;
    let shared = dp.shared();
    let old = dp
        .meters
        .detach(&shared.meters, spec.id)
        .map_err(table_errno)?;
    // As in C, a refused attach loses the meter it replaces.
    dp.meters
        .attach_published(&shared.meters, meter, published)
        .map_err(table_errno)?;
    drop(reg);
    reply.put_u32(meter_attr::ID, spec.id)?;
    if let Some(old) = old.filter(|m| m.config.keep_stats) {
        let st = old.snapshot();
        let r = put_stats(&mut reply, spec.id, &old.config, &st);
        kernel::warn_on!(r.is_err());
    }
    reply.end();
    reply.reply(req)
}

/// `OVS_METER_CMD_GET`.
pub(crate) fn cmd_get(dps: &Datapaths, req: &Request<'_>) -> Result {
    let id = required_id(req)?;
    let mut reply = reply_start(req, meter_cmd::GET)?;
    let reg = dps.lock();
    let i = dp_of(&reg, req)?;
    let dp = reg.dps.get(i).ok_or(ENODEV)?;
    let meter = dp.meters.lookup(id).ok_or(ENOENT)?;
    put_stats(&mut reply, id, &meter.config, &meter.snapshot())?;
    drop(reg);
    reply.end();
    reply.reply(req)
}

/// `OVS_METER_CMD_DEL`: an absent meter is no error, and gets an empty
/// reply.
pub(crate) fn cmd_del(dps: &Datapaths, req: &Request<'_>) -> Result {
    let id = required_id(req)?;
    let mut reply = reply_start(req, meter_cmd::DEL)?;
    let mut reg = dps.lock();
    let i = dp_of(&reg, req)?;
    let dp = reg.dps.get_mut(i).ok_or(ENODEV)?;
    if let Some(meter) = dp.meters.lookup(id) {
        let r = put_stats(&mut reply, id, &meter.config, &meter.snapshot());
        kernel::warn_on!(r.is_err());
        let shared = dp.shared();
        dp.meters.detach(&shared.meters, id).map_err(table_errno)?;
    }
    drop(reg);
    reply.end();
    reply.reply(req)
}
