// SPDX-License-Identifier: GPL-2.0

//! Meters as `net/openvswitch/meter.c` keeps them, as pure logic
//! (host-testable): what an `OVS_METER_CMD_SET` asks for, the token
//! bucket a packet is charged to, and the per-datapath meter table.
//!
//! The table is C's: an array indexed by `id % size` holding at most one
//! meter per slot (userspace hands out dense ids), grown by doubling when
//! it fills and halved when a quarter is used, copying slots by index
//! (so a meter whose id is not below the size becomes unreachable after
//! growth, as in C). Readers (the packet path) see it through RCU
//! ([`MeterIndex`]); the writer, under `ovs_mutex`, keeps its own copy of
//! the slots ([`MeterTable`]) to decide and allocate before publishing.

use crate::fallible::{self, AllocError, Arc, Vec};
use crate::netlink::attr::{Attr, Attrs};
use crate::rcu::{Guard, RcuBox, RcuCell};
use crate::uapi::{band_attr, OVS_METER_BAND_TYPE_DROP};

/// `DP_MAX_BANDS`.
pub const MAX_BANDS: u32 = 1;
/// `DP_METER_ARRAY_SIZE_MIN`: the table's initial and smallest size.
pub const ARRAY_SIZE_MIN: u32 = 1024;
/// `DP_METER_NUM_MAX`.
pub const NUM_MAX: u64 = 200_000;

/// `struct ovs_flow_stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub n_packets: u64,
    pub n_bytes: u64,
}

/// `sizeof(struct ovs_flow_stats)`.
pub const STATS_LEN: usize = 16;

impl Stats {
    fn count(&mut self, len: u32) {
        self.n_packets = self.n_packets.wrapping_add(1);
        self.n_bytes = self.n_bytes.wrapping_add(u64::from(len));
    }

    pub fn to_ne_bytes(self) -> [u8; STATS_LEN] {
        let mut out = [0; STATS_LEN];
        let (packets, bytes) = out.split_at_mut(8);
        packets.copy_from_slice(&self.n_packets.to_ne_bytes());
        bytes.copy_from_slice(&self.n_bytes.to_ne_bytes());
        out
    }

    fn from_ne_bytes(b: [u8; STATS_LEN]) -> Self {
        let (mut packets, mut bytes) = ([0; 8], [0; 8]);
        packets.copy_from_slice(&b[..8]);
        bytes.copy_from_slice(&b[8..]);
        Stats {
            n_packets: u64::from_ne_bytes(packets),
            n_bytes: u64::from_ne_bytes(bytes),
        }
    }
}

/// `sizeof(struct dp_meter)` for a kernel whose `spinlock_t` is
/// `lock_size` bytes: the lock, then `rcu_head`, `id`, the flag bits,
/// `n_bands`, `max_delta_t`, `used` and the stats, 8-byte aligned. It
/// sizes the table as C does, debug kernels' larger locks included.
pub const fn dp_meter_size(lock_size: usize) -> usize {
    let rcu = (lock_size + 7) & !7;
    // rcu_head 16, id 4, bits 2, n_bands 2, max_delta_t 4, pad 4, used 8,
    // stats 16.
    rcu + 56
}

/// `tbl->max_meters_allowed` (`ovs_meters_init()`): about 3.12 % of the
/// free buffer memory, at most [`NUM_MAX`]; 0 refuses the datapath.
pub fn max_meters_allowed(free_buffer_pages: u64, page_size: u64, lock_size: usize) -> u32 {
    let free_mem_bytes = free_buffer_pages.wrapping_mul(page_size >> 5);
    let n = (free_mem_bytes / dp_meter_size(lock_size) as u64).min(NUM_MAX);
    // At most NUM_MAX, which fits.
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// One band as set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BandSpec {
    /// `OVS_METER_BAND_TYPE_*`, kept as given (C checks no value).
    pub kind: u32,
    /// Kilobits or packets per second; never 0.
    pub rate: u32,
    /// Kilobits or packets.
    pub burst_size: u32,
}

impl BandSpec {
    /// The bucket when full, in its units (bits or 1/1000 packets).
    fn max_bucket(&self) -> u64 {
        u64::from(self.burst_size) * 1000
    }
}

/// What a meter is, fixed from its SET on (`dp_meter_create()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeterConfig {
    pub kbps: bool,
    /// Not `OVS_METER_ATTR_CLEAR`: a later SET or DEL reports the stats.
    pub keep_stats: bool,
    /// The longest idle time worth refilling for, in ms: enough to fill
    /// any band's bucket.
    pub max_delta_t: u32,
    /// At most [`MAX_BANDS`].
    pub band: Option<BandSpec>,
}

impl MeterConfig {
    pub fn bands(&self) -> &[BandSpec] {
        self.band.as_slice()
    }
}

/// A band's state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BandState {
    /// Bits (kbps) or 1/1000 packets (pktps).
    pub bucket: u64,
    pub stats: Stats,
}

/// What a meter's lock protects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MeterState {
    /// Milliseconds of the monotonic clock at the last packet (or SET).
    pub used: u64,
    pub stats: Stats,
    /// Parallel to [`MeterConfig::bands`].
    pub band: Option<BandState>,
}

/// A validated `OVS_METER_CMD_SET` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeterSpec {
    pub id: u32,
    pub config: MeterConfig,
    /// `OVS_METER_ATTR_STATS` when stats are kept, else zero.
    pub stats: Stats,
}

impl MeterSpec {
    /// The new meter's state at `now_ms`: full buckets.
    pub fn initial_state(&self, now_ms: u64) -> MeterState {
        MeterState {
            used: now_ms,
            stats: self.stats,
            band: self.config.band.map(|b| BandState {
                bucket: b.max_bucket(),
                stats: Stats::default(),
            }),
        }
    }
}

/// Why a SET is refused before anything is looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecError {
    /// `EINVAL`: no ID or BANDS, too many bands, a band without TYPE,
    /// RATE or BURST, a rate of 0.
    Invalid,
    /// `ERANGE`: a band attribute shorter than `band_policy` allows.
    Range,
}

/// The attributes of a SET request that shape the meter.
#[derive(Clone, Copy, Default)]
pub struct SetAttrs<'a> {
    pub id: Option<Attr<'a>>,
    pub kbps: bool,
    pub clear: bool,
    pub stats: Option<Attr<'a>>,
    pub bands: Option<Attr<'a>>,
}

/// `ovs_meter_cmd_set()`'s checks and `dp_meter_create()`. The family's
/// policy has already checked the top-level attributes' lengths.
pub fn parse_set(a: &SetAttrs<'_>) -> Result<MeterSpec, SpecError> {
    let id =
        a.id.ok_or(SpecError::Invalid)?
            .get_u32()
            .map_err(|_| SpecError::Invalid)?;
    let bands = a.bands.ok_or(SpecError::Invalid)?;
    // Every nested attribute is a band, whatever its type.
    if Attrs::new(bands.payload()).count() > MAX_BANDS as usize {
        return Err(SpecError::Invalid);
    }
    let keep_stats = !a.clear;
    let stats = match a.stats {
        Some(s) if keep_stats => Stats::from_ne_bytes(s.prefix().map_err(|_| SpecError::Range)?),
        _ => Stats::default(),
    };
    let mut config = MeterConfig {
        kbps: a.kbps,
        keep_stats,
        max_delta_t: 0,
        band: None,
    };
    if let Some(nla) = Attrs::new(bands.payload()).next() {
        let band = parse_band(nla.payload())?;
        // The bucket's size over the rate, as C's u32 keeps it.
        let max_delta_t = (band.max_bucket() / u64::from(band.rate)) as u32;
        config.max_delta_t = config.max_delta_t.max(max_delta_t);
        config.band = Some(band);
    }
    Ok(MeterSpec { id, config, stats })
}

/// One band (`nla_parse_deprecated()` with `band_policy`): unknown types
/// are skipped, the last of a type wins, short u32s and stats are
/// `ERANGE`; then TYPE, RATE and BURST are required and the rate not 0.
fn parse_band(payload: &[u8]) -> Result<BandSpec, SpecError> {
    let (mut kind, mut rate, mut burst) = (None, None, None);
    for attr in Attrs::new(payload) {
        let slot = match attr.kind() {
            band_attr::TYPE => &mut kind,
            band_attr::RATE => &mut rate,
            band_attr::BURST => &mut burst,
            band_attr::STATS => {
                if attr.payload().len() < STATS_LEN {
                    return Err(SpecError::Range);
                }
                continue;
            }
            _ => continue,
        };
        *slot = Some(attr.get_u32().map_err(|_| SpecError::Range)?);
    }
    let (Some(kind), Some(rate), Some(burst_size)) = (kind, rate, burst) else {
        return Err(SpecError::Invalid);
    };
    if rate == 0 {
        return Err(SpecError::Invalid);
    }
    Ok(BandSpec {
        kind,
        rate,
        burst_size,
    })
}

/// `ovs_meter_execute()` on a meter's locked state: charges a packet of
/// `len` bytes at `now_ms` and says whether a drop band was exceeded.
///
/// C's arithmetic to the bit: the idle time is capped at `max_delta_t`
/// (an earlier clock counts as no time), the refill `delta_ms * rate` is
/// a u32 product, the bucket is capped at `burst * 1000` units, and of
/// the bands the packet exceeds, the one with the highest rate counts it.
pub fn execute(config: &MeterConfig, state: &mut MeterState, now_ms: u64, len: u32) -> bool {
    let long_delta_ms = (now_ms.wrapping_sub(state.used) as i64).max(0);
    let delta_ms = if long_delta_ms > i64::from(config.max_delta_t) {
        config.max_delta_t
    } else {
        long_delta_ms as u32
    };
    state.used = now_ms;
    state.stats.count(len);
    let cost = if config.kbps {
        len.wrapping_mul(8)
    } else {
        1000
    };
    let mut exceeded: Option<(u32, &BandSpec, &mut BandState)> = None;
    for (spec, band) in config.bands().iter().zip(state.band.iter_mut()) {
        band.bucket = band
            .bucket
            .wrapping_add(u64::from(delta_ms.wrapping_mul(spec.rate)));
        band.bucket = band.bucket.min(spec.max_bucket());
        if band.bucket >= u64::from(cost) {
            band.bucket -= u64::from(cost);
        } else if spec.rate > exceeded.as_ref().map_or(0, |e| e.0) {
            exceeded = Some((spec.rate, spec, band));
        }
    }
    match exceeded {
        Some((_, spec, band)) => {
            band.stats.count(len);
            spec.kind == OVS_METER_BAND_TYPE_DROP
        }
        None => false,
    }
}

/// A meter in the table.
pub trait MeterId {
    fn id(&self) -> u32;
}

/// `struct dp_meter_instance`: the slots readers index.
struct Instance<M: Send + Sync + 'static> {
    slots: Vec<RcuCell<Arc<M>>>,
}

/// The readers' side of a datapath's meters (`dp->meter_tbl.ti`).
pub struct MeterIndex<M: Send + Sync + 'static> {
    ti: RcuCell<Instance<M>>,
}

impl<M: MeterId + Send + Sync + 'static> MeterIndex<M> {
    /// `lookup_meter()`: meter `id`, if its slot holds it.
    pub fn lookup<'a>(&'a self, guard: &'a Guard, id: u32) -> Option<&'a M> {
        let ti = self.ti.read(guard)?;
        let meter = ti.slots.get(slot_of(id, ti.slots.len())?)?.read(guard)?;
        (meter.id() == id).then_some(&**meter)
    }
}

/// `meter_hash()`: the slot of meter `id` in `n` slots; `None` only for
/// the impossible empty table (at least [`ARRAY_SIZE_MIN`] slots, at most
/// twice [`NUM_MAX`]).
fn slot_of(id: u32, n: usize) -> Option<usize> {
    let n = u32::try_from(n).ok()?;
    Some(id.checked_rem(n)? as usize)
}

/// Why a meter could not be attached or detached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableError {
    /// `EFBIG`: as many meters as allowed.
    TooBig,
    /// `EBUSY`: the slot holds another meter.
    Busy,
    /// `ENOMEM`.
    NoMemory,
}

impl From<AllocError> for TableError {
    fn from(_: AllocError) -> Self {
        TableError::NoMemory
    }
}

/// The writer's side of a datapath's meters (`struct dp_meter_table`),
/// changed under `ovs_mutex` only: the slots as published, the count and
/// the limit.
pub struct MeterTable<M: Send + Sync + 'static> {
    slots: Vec<Option<Arc<M>>>,
    count: u32,
    max_allowed: u32,
}

impl<M: MeterId + Send + Sync + 'static> MeterTable<M> {
    /// `ovs_meters_init()`: [`ARRAY_SIZE_MIN`] empty slots.
    pub fn new(max_allowed: u32) -> Result<(Self, MeterIndex<M>), AllocError> {
        let mut slots = fallible::with_capacity(ARRAY_SIZE_MIN as usize)?;
        for _ in 0..ARRAY_SIZE_MIN {
            fallible::push(&mut slots, None)?;
        }
        let table = MeterTable {
            slots,
            count: 0,
            max_allowed,
        };
        let index = MeterIndex {
            ti: RcuCell::new(RcuBox::new(table.instance(ARRAY_SIZE_MIN as usize, None)?)?),
        };
        Ok((table, index))
    }

    pub fn max_allowed(&self) -> u32 {
        self.max_allowed
    }

    /// How many meters are attached.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// How many slots the table has.
    pub fn size(&self) -> usize {
        self.slots.len()
    }

    /// `lookup_meter()` on the writer's copy.
    pub fn lookup(&self, id: u32) -> Option<&Arc<M>> {
        self.slots
            .get(slot_of(id, self.slots.len())?)?
            .as_ref()
            .filter(|m| m.id() == id)
    }

    /// Readers' slots for the first `size` of ours but `skip`
    /// (`dp_meter_instance_realloc()` copies by index), built before
    /// anything is published.
    fn instance(&self, size: usize, skip: Option<usize>) -> Result<Instance<M>, AllocError> {
        let mut slots = fallible::with_capacity(size)?;
        for i in 0..size {
            let meter = self.slots.get(i).and_then(Option::as_ref);
            let cell = match meter.filter(|_| Some(i) != skip) {
                Some(m) => RcuCell::new(RcuBox::new(m.clone())?),
                None => RcuCell::empty(),
            };
            fallible::push(&mut slots, cell)?;
        }
        Ok(Instance { slots })
    }

    /// Our slots resized to `size`, and the readers' to match: the old
    /// readers' slots are freed after a grace period.
    fn realloc(&mut self, index: &MeterIndex<M>, size: usize) -> Result<(), AllocError> {
        let ti = RcuBox::new(self.instance(size, None)?)?;
        if size > self.slots.len() {
            let more = size - self.slots.len();
            fallible::reserve(&mut self.slots, more)?;
            while self.slots.len() < size {
                fallible::push_within_capacity(&mut self.slots, None)?;
            }
        } else {
            self.slots.truncate(size);
        }
        index.ti.replace(Some(ti));
        Ok(())
    }

    /// Sets slot `i` of ours and of the readers'.
    fn set_slot(
        &mut self,
        index: &MeterIndex<M>,
        i: usize,
        meter: Option<(Arc<M>, RcuBox<Arc<M>>)>,
    ) {
        let (ours, theirs) = match meter {
            Some((m, b)) => (Some(m), Some(b)),
            None => (None, None),
        };
        if let Some(slot) = self.slots.get_mut(i) {
            *slot = ours;
        }
        let guard = crate::rcu::read_lock();
        if let Some(cell) = index.ti.read(&guard).and_then(|ti| ti.slots.get(i)) {
            cell.replace(theirs);
        }
    }

    /// `attach_meter()`, C's checks in C's order: the limit, growth when
    /// full (which stays even if the slot then turns out taken), the slot.
    pub fn attach(&mut self, index: &MeterIndex<M>, meter: Arc<M>) -> Result<(), TableError> {
        let published = Self::publish(&meter)?;
        self.attach_published(index, meter, published)
    }

    /// The readers' copy of `meter`, for `attach_published()`: a caller
    /// that replaces a meter allocates it before it detaches the old one,
    /// as C's `attach_meter()` allocates nothing but on growth.
    pub fn publish(meter: &Arc<M>) -> Result<RcuBox<Arc<M>>, TableError> {
        RcuBox::new(meter.clone()).map_err(|_| TableError::NoMemory)
    }

    /// `attach()` with the readers' copy from `publish()`.
    pub fn attach_published(
        &mut self,
        index: &MeterIndex<M>,
        meter: Arc<M>,
        published: RcuBox<Arc<M>>,
    ) -> Result<(), TableError> {
        // Below max_allowed, itself at most NUM_MAX.
        let count = self.count.saturating_add(1);
        if count >= self.max_allowed {
            return Err(TableError::TooBig);
        }
        if count as usize >= self.slots.len() {
            self.realloc(index, self.slots.len() * 2)?;
        }
        let Some(i) = slot_of(meter.id(), self.slots.len()) else {
            return Err(TableError::NoMemory);
        };
        if self.slots.get(i).is_none_or(|s| s.is_some()) {
            return Err(TableError::Busy);
        }
        self.set_slot(index, i, Some((meter, published)));
        self.count = count;
        Ok(())
    }

    /// `lookup_meter()` then `detach_meter()`: removes meter `id` if the
    /// table has it, and halves the table when a quarter or less is used
    /// and its upper half is empty. `ENOMEM` changes nothing.
    pub fn detach(&mut self, index: &MeterIndex<M>, id: u32) -> Result<Option<Arc<M>>, TableError> {
        let Some(i) = slot_of(id, self.slots.len()).filter(|_| self.lookup(id).is_some()) else {
            return Ok(None);
        };
        let n = self.slots.len();
        // Found, so at least one.
        let count = self.count.saturating_sub(1);
        let upper_empty = self
            .slots
            .iter()
            .enumerate()
            .skip(n / 2)
            .all(|(j, s)| j == i || s.is_none());
        let shrink = n > ARRAY_SIZE_MIN as usize && count as usize <= n / 4 && upper_empty;
        // Allocated first, so that a failure leaves the meter in place.
        let half = if shrink {
            let ti = self.instance(n / 2, Some(i))?;
            Some(RcuBox::new(ti).map_err(|_| TableError::NoMemory)?)
        } else {
            None
        };
        let old = self.slots.get_mut(i).and_then(Option::take);
        self.set_slot(index, i, None);
        self.count = count;
        if let Some(ti) = half {
            self.slots.truncate(n / 2);
            index.ti.replace(Some(ti));
        }
        Ok(old)
    }
}

#[path = "meter/tests.rs"]
mod tests;
