// SPDX-License-Identifier: GPL-2.0

//! Conntrack zone limits as the packet path reads them: every namespace's
//! limits and connection counts, published under RCU by the
//! `ovs_ct_limit` family (under `ovs_mutex`), read by a committing
//! `ct()` (C's `rcu_dereference(ovs_net->ct_limit_info)`).

use kernel::prelude::*;
use kernel::sync::Arc;

use crate::ct_limit::{LimitLookup, UNLIMITED};
use crate::kapi::conntrack::{ConnCount, L3Packet};
use crate::kapi::netdev::NetNs;
use crate::kapi::rcu::{Guard, RcuBox, RcuCell};
use crate::kapi::time;

/// One namespace's limits and connection counts, as a commit checks them.
pub(crate) struct NetLimits {
    conns: Arc<ConnCount<1>>,
    limits: LimitLookup,
}

impl NetLimits {
    /// `ovs_ct_check_limit()` for the packet's new connection in `zone`:
    /// counted (`family`: its `NFPROTO_*`), and `ENOMEM` if that makes the
    /// zone's connections more than its limit.
    pub(crate) fn check(&self, pkt: &L3Packet, family: u8, zone: u16) -> Result {
        let limit = self.limits.get(zone);
        if limit == UNLIMITED {
            return Ok(());
        }
        if self.conns.count_packet(pkt, family, &[u32::from(zone)]) > limit {
            if time::net_ratelimit() {
                pr_warn!("openvswitch: zone: {} exceeds conntrack limit\n", zone);
            }
            return Err(ENOMEM);
        }
        Ok(())
    }
}

/// A view built by [`CtLimitView::prepare`], not yet published.
pub(crate) struct Prepared(Option<RcuBox<KVec<NetLimits>>>);

/// Every namespace's [`NetLimits`] that has limits.
pub(crate) struct CtLimitView {
    nets: RcuCell<KVec<NetLimits>>,
}

impl CtLimitView {
    pub(crate) fn new() -> Self {
        CtLimitView {
            nets: RcuCell::empty(),
        }
    }

    /// `net`'s limits, if it has any.
    pub(crate) fn find<'a>(&'a self, guard: &'a Guard, net: NetNs<'_>) -> Option<&'a NetLimits> {
        self.nets.read(guard)?.iter().find(|n| n.conns.is_for(net))
    }

    /// What readers are to see next: `nets` (each namespace's counts
    /// and limits), copied. Nothing is published yet, so a change can
    /// build this before it changes anything and then cannot fail.
    pub(crate) fn prepare<'a>(
        nets: impl Iterator<Item = (&'a Arc<ConnCount<1>>, &'a crate::ct_limit::ZoneLimits)>,
    ) -> Result<Prepared> {
        let mut all = KVec::new();
        for (conns, limits) in nets {
            let limits = limits.snapshot().map_err(|_| ENOMEM)?;
            all.push(
                NetLimits {
                    conns: conns.clone(),
                    limits,
                },
                GFP_KERNEL,
            )?;
        }
        Ok(Prepared(if all.is_empty() {
            None
        } else {
            Some(RcuBox::new(all)?)
        }))
    }

    /// Readers see `next` in place of what they saw (freed after a grace
    /// period). Under `ovs_mutex`, which orders the publishers.
    pub(crate) fn publish(&self, next: Prepared) {
        self.nets.replace(next.0);
    }

    /// Readers see no limits any more (the old ones are freed after a
    /// grace period).
    pub(crate) fn clear(&self) {
        self.nets.replace(None);
    }
}

#[cfg(CONFIG_KUNIT = "y")]
#[path = "ct_limit_view/tests.rs"]
mod tests;
