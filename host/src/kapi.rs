// SPDX-License-Identifier: GPL-2.0

//! The host's view of `src/kapi`: the generic per-CPU containers, built
//! from the module's own files (their allocations and CPU numbers have a
//! host stand-in inside each), over stand-ins for the little they take
//! from the rest of the layer: the bottom-halves token, which here names
//! a simulated CPU, and the RCU read lock; and a stand-in for tunnel
//! metadata dsts.

#[path = "../../src/kapi/counters.rs"]
pub mod counters;
#[path = "../../src/kapi/cpu_slots.rs"]
pub mod cpu_slots;
#[path = "../../src/kapi/seqcount.rs"]
pub mod seqcount;

pub use crate::fallible::AllocError;
pub use crate::rcu;

/// The bottom-halves token.
pub mod skb {
    use std::marker::PhantomData;

    /// Bottom halves off on simulated CPU `cpu`: only [`super::percpu::on_cpu`]
    /// makes one.
    pub struct BhOff {
        cpu: u32,
        _not_send: PhantomData<*mut ()>,
    }

    impl BhOff {
        pub(crate) fn cpu(&self) -> u32 {
            self.cpu
        }
    }

    pub(super) fn on(cpu: u32) -> BhOff {
        BhOff {
            cpu,
            _not_send: PhantomData,
        }
    }
}

/// Simulated CPUs.
pub mod percpu {
    use super::skb::{self, BhOff};

    /// How many CPUs the host simulates.
    pub const HOST_CPUS: u32 = 4;

    pub fn nr_cpu_ids() -> u32 {
        HOST_CPUS
    }

    /// Runs `f` as simulated CPU `cpu` with bottom halves off; `None` for
    /// a CPU that does not exist.
    pub fn on_cpu<R>(cpu: u32, f: impl FnOnce(&BhOff) -> R) -> Option<R> {
        (cpu < HOST_CPUS).then(|| f(&skb::on(cpu)))
    }
}

/// Tunnel metadata made at install: here its contents, for tests to read.
pub mod tunnel_dst {
    /// What the module's `TunnelDst` hands the kernel.
    #[derive(Debug)]
    pub struct TunnelDst {
        pub key: [u8; 64],
        pub proto: u8,
        pub opts: Vec<u8>,
    }

    impl TunnelDst {
        pub fn new(
            key: &[u8; 64],
            proto: u8,
            opts: &[u8],
        ) -> Result<Self, crate::fallible::AllocError> {
            Ok(TunnelDst {
                key: *key,
                proto,
                opts: opts.to_vec(),
            })
        }
    }
}

/// Conntrack zone templates made at install: here what the module's
/// `ZoneTemplate` would have been given, for tests to read.
pub mod conntrack {
    /// What the module's `ZoneTemplate` carries.
    #[derive(Debug, Default, PartialEq, Eq)]
    pub struct ZoneTemplate {
        pub zone: u16,
        /// The helper's name and whether its NAT half was taken.
        pub helper: Option<(Vec<u8>, bool)>,
        /// The timeout policy's name.
        pub timeout: Option<Vec<u8>>,
        pub confirmed: bool,
    }
}
