// SPDX-License-Identifier: GPL-2.0

//! What the table holds: flows, their identifiers, actions and
//! counters, and the masks they are matched under.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::fallible::{AllocError, Arc, Box};
use crate::flow::key::{fields, FlowKey, Range};
use crate::flow::program::Program;
use crate::percpu::{BhOff, CpuSlots, PerCpuCounters, Snapshot};
use crate::rcu::{read_lock, Guard, RcuCell};

use super::staged::Staged;

/// `MAX_UFID_LENGTH`.
pub const UFID_MAX: usize = 16;

/// A flow's unique identifier, as userspace gave it (1 to 16 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ufid {
    len: u8,
    bytes: [u8; UFID_MAX],
}

impl Ufid {
    /// `None` for an empty or over-long UFID, which C ignores
    /// (`ovs_nla_get_ufid()`).
    pub fn new(bytes: &[u8]) -> Option<Self> {
        if bytes.is_empty() || bytes.len() > UFID_MAX {
            return None;
        }
        let mut u = Ufid {
            len: bytes.len() as u8,
            bytes: [0; UFID_MAX],
        };
        u.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(u)
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

/// How userspace names a flow: its UFID, or (older clients) its
/// unmasked key.
pub enum Ident {
    Ufid(Ufid),
    Key(Box<FlowKey>),
}

/// A mask: ones where a flow's key matters, over `range`.
#[derive(Clone, PartialEq, Eq)]
pub struct Mask {
    pub key: FlowKey,
    pub range: Range,
}

impl Mask {
    /// `mask_equal()`: same range, same bytes within it.
    pub(super) fn same_as(&self, other: &Mask) -> bool {
        self.range == other.range && self.key.equal_in(&other.key, self.range)
    }
}

/// A validated action list: compiled for the executor, and the form
/// replies show (`OVS_FLOW_ATTR_ACTIONS`' payload,
/// [`Program::attrs`]).
pub struct Actions {
    pub program: Program,
    /// The length userspace sent, which sizes replies as in C.
    pub orig_len: usize,
}

/// A flow's actions. Most flows keep the list they were installed with,
/// so it lives in the flow itself: an install allocates nothing for it
/// but the list's own arrays (C allocates its `sf_acts`). A later list
/// (SET, or NEW on an existing flow) is published through the cell and
/// replaces it for good; the installed one then stays unused until the
/// flow is freed. So a list that holds kernel references (a conntrack
/// template, a tunnel dst) goes to the cell from the start: replaced, it
/// is released one grace period later, as C releases it, not with the
/// flow.
pub(super) struct FlowActions {
    installed: Actions,
    replaced: RcuCell<Actions>,
}

impl FlowActions {
    pub(super) fn new(actions: Actions) -> Result<Self, AllocError> {
        if actions.program.holds_refs() {
            Ok(FlowActions {
                installed: Actions {
                    program: Program::empty(),
                    orig_len: 0,
                },
                replaced: Staged::new(actions)?.into_cell(),
            })
        } else {
            Ok(FlowActions {
                installed: actions,
                replaced: RcuCell::empty(),
            })
        }
    }

    /// The current list.
    fn read<'a>(&'a self, guard: &'a Guard) -> &'a Actions {
        self.replaced.read(guard).unwrap_or(&self.installed)
    }

    /// Replaces the list; readers see the old one or the new one.
    pub(super) fn replace(&self, actions: Staged<Actions>) {
        actions.publish(&self.replaced);
    }
}

/// A flow's counters as read at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub packets: u64,
    pub bytes: u64,
    /// `jiffies` of the last packet, 0 if none yet.
    pub used: u64,
    pub tcp_flags: u16,
}

/// A flow's counters: a group per CPU that hit the flow (C's
/// `flow->stats[cpu]`), so a packet writes only its own CPU's, without a
/// lock or an atomic read-modify-write. The first CPU's group is inline;
/// others are allocated on their first packet. `wide` holds the packets,
/// bytes and `used`, `narrow` the TCP flags.
#[derive(Default)]
pub struct FlowStats {
    per_cpu: CpuSlots<3>,
}

const PACKETS: usize = 0;
const BYTES: usize = 1;
const USED: usize = 2;

/// `time_after(a, b)`: jiffies `a` is later than `b`, across a wrap.
fn time_after(a: u64, b: u64) -> bool {
    (b.wrapping_sub(a) as i64) < 0
}

impl FlowStats {
    /// `ovs_flow_stats_get()`: every CPU's counters added up, each CPU's
    /// as one packet's update left them; `used` is the latest.
    pub fn get(&self) -> Stats {
        let guard = read_lock();
        let mut total = Stats::default();
        self.per_cpu.for_each(&guard, |s: Snapshot<3>| {
            let [packets, bytes, used] = s.wide;
            if total.used == 0 || time_after(used, total.used) {
                total.used = used;
            }
            total.tcp_flags |= s.narrow as u16;
            total.packets = total.packets.wrapping_add(packets);
            total.bytes = total.bytes.wrapping_add(bytes);
        });
        total
    }

    /// `ovs_flow_stats_clear()`: every CPU's counters.
    pub fn clear(&self) {
        self.per_cpu.clear();
    }

    /// `ovs_flow_stats_update()`: one packet of `len` bytes at `now`
    /// (jiffies), counted on this CPU (bottom halves are off: the token).
    pub fn add(&self, bh: &BhOff, len: u64, tcp_flags: u16, now: u64) {
        self.per_cpu.update(bh, |s| {
            s.wide[PACKETS] = s.wide[PACKETS].wrapping_add(1);
            s.wide[BYTES] = s.wide[BYTES].wrapping_add(len);
            s.wide[USED] = now;
            s.narrow |= u32::from(tcp_flags);
        });
    }
}

/// One megaflow.
pub struct Flow {
    /// The key, masked.
    pub key: FlowKey,
    pub id: Ident,
    pub(super) actions: FlowActions,
    pub stats: FlowStats,
    /// Its mask, compared by address as C compares `flow->mask`. This
    /// reference keeps the mask allocated, so no later mask can take its
    /// address, however many come and go.
    pub(super) mask: Arc<MaskEntry>,
    pub(super) hash: u32,
    /// Its place in the writer's slab, or [`DEAD`] once removed: readers
    /// that still find it in a bucket skip it. (One word for both: a
    /// flag of its own would cost the flow 8 bytes of padding, and the
    /// flow cache fits 12 flows to a slab only up to 680 bytes.)
    pub(super) at: AtomicU32,
}

/// [`Flow::at`] of a removed flow: no slab has that many slots.
pub(super) const DEAD: u32 = u32::MAX;

impl Flow {
    /// The flow's own mask, as C's replies read `flow->mask`.
    pub fn mask(&self) -> &Mask {
        &self.mask.mask
    }

    pub fn ufid(&self) -> Option<&Ufid> {
        match &self.id {
            Ident::Ufid(u) => Some(u),
            Ident::Key(_) => None,
        }
    }

    /// The flow's actions, as of now.
    pub fn actions<'a>(&'a self, guard: &'a Guard) -> &'a Actions {
        self.actions.read(guard)
    }

    /// `ovs_flow_cmp()`: whether the request key `key` (unmasked, over
    /// `range`) names this flow.
    pub fn same_flow(&self, key: &FlowKey, range: Range) -> bool {
        match &self.id {
            // `flow_cmp_masked_key()`: the stored masked key against the
            // request's unmasked one.
            Ident::Ufid(_) => self.key.equal_in(key, range),
            Ident::Key(unmasked) => unmasked.equal_in(key, key_range(key, range)),
        }
    }

    pub(super) fn live(&self) -> bool {
        self.at.load(Ordering::Relaxed) != DEAD
    }

    /// Marks the flow removed.
    pub(super) fn kill(&self) {
        self.at.store(DEAD, Ordering::Relaxed);
    }
}

/// The part of `range` an unmasked-key comparison covers
/// (`flow_key_start()`): without a tunnel in the request key, a stored
/// tunnel does not count.
pub(super) fn key_range(key: &FlowKey, range: Range) -> Range {
    let start = if key.get_u8(fields::TUN_PROTO) != 0 {
        0
    } else {
        fields::PHY_PRIORITY.offset
    };
    Range {
        start,
        end: range.end,
    }
}

/// A mask as readers see it, with its usage counter.
pub struct MaskEntry {
    pub mask: Mask,
    pub(super) usage: MaskUsage,
}

impl MaskEntry {
    pub fn new(mask: Mask) -> Result<Self, AllocError> {
        Ok(MaskEntry {
            mask,
            usage: MaskUsage::new()?,
        })
    }
}

/// How often a mask answered lookups since the last reset: C's per-CPU
/// `masks_usage_stats` counter. The packet path counts on its CPU; the
/// writer, which never writes another CPU's counter, restarts the count
/// by remembering the sum (C's `masks_usage_zero_cntr`).
pub(super) struct MaskUsage {
    per_cpu: PerCpuCounters<1>,
    /// The sum at the last reset, less the writer's own lookups since
    /// (wrapping): the count is the sum less this. Only the writer
    /// changes it, under `ovs_mutex`.
    zero: AtomicU64,
}

impl MaskUsage {
    fn new() -> Result<Self, AllocError> {
        Ok(MaskUsage {
            per_cpu: PerCpuCounters::new().map_err(|_| AllocError)?,
            zero: AtomicU64::new(0),
        })
    }

    fn sum(&self) -> u64 {
        let [n] = self.per_cpu.sum();
        n
    }

    /// A packet's lookup on this CPU found a flow under the mask.
    pub(super) fn hit(&self, bh: &BhOff) {
        self.per_cpu.add(bh, [1]);
    }

    /// A lookup of the writer's (NEW's duplicate check, which C counts
    /// too) found a flow under the mask: counted without per-CPU state.
    pub(super) fn writer_hit(&self) {
        self.zero.fetch_sub(1, Ordering::Relaxed);
    }

    /// Uses since the last reset.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) fn count(&self) -> u64 {
        self.sum().wrapping_sub(self.zero.load(Ordering::Relaxed))
    }

    /// Uses since the last reset, and a reset.
    pub(super) fn take(&self) -> u64 {
        let sum = self.sum();
        sum.wrapping_sub(self.zero.swap(sum, Ordering::Relaxed))
    }

    /// Counts from zero again.
    pub(super) fn reset(&self) {
        self.zero.store(self.sum(), Ordering::Relaxed);
    }
}

mod tests;
