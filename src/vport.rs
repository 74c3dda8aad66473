// SPDX-License-Identifier: GPL-2.0

//! Vports: a datapath's ports.
//!
//! So far every datapath has its local port (port 0), an internal device;
//! the `ovs_vport` family with more internal and netdev ports comes next.

use kernel::{prelude::*, sync::Arc};

use crate::datapath::DpShared;
use crate::ffi::netdev::SkBuff;

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
