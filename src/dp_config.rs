// SPDX-License-Identifier: GPL-2.0

//! What a datapath's configuration accepts (`OVS_DP_ATTR_USER_FEATURES`,
//! `OVS_DP_ATTR_MASKS_CACHE_SIZE`, upcall port ids) and how its statistics
//! are laid out on the wire.
//!
//! Pure logic, shared with the host tests; the rules are those of
//! `ovs_dp_change()`, `ovs_flow_tbl_masks_cache_resize()` and
//! `ovs_dp_set_upcall_portids()` in `net/openvswitch`.

use crate::netlink::attr::nla_align;
use crate::uapi::{
    OVS_DP_F_DISPATCH_UPCALL_PER_CPU, OVS_DP_F_TC_RECIRC_SHARING, OVS_DP_F_UNALIGNED,
    OVS_DP_F_VPORT_PIDS,
};

/// Every feature bit this datapath knows.
pub const OVS_DP_F_ALL: u32 = OVS_DP_F_VPORT_PIDS
    | OVS_DP_F_UNALIGNED
    | OVS_DP_F_TC_RECIRC_SHARING
    | OVS_DP_F_DISPATCH_UPCALL_PER_CPU;

/// `MC_DEFAULT_HASH_ENTRIES`: a new datapath's per-CPU mask cache size.
pub const MASKS_CACHE_DEFAULT: u32 = 256;
/// `PCPU_MIN_UNIT_SIZE / sizeof(struct mask_cache_entry)`: the largest cache.
pub const MASKS_CACHE_MAX: u32 = (32 << 10) / 8;

/// A configuration request the datapath refuses, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// Unknown feature bits, or TC recirculation sharing on a kernel
    /// without TC skb extensions: `EOPNOTSUPP`.
    UnsupportedFeatures,
    /// Neither 0 nor a power of two, or too large: `EINVAL`.
    BadMasksCacheSize,
    /// An upcall port id array that is empty or not whole `u32`s: `EINVAL`.
    BadPortIds,
}

impl ConfigError {
    /// The extended-ack message for this refusal.
    pub fn message(self) -> &'static core::ffi::CStr {
        match self {
            ConfigError::UnsupportedFeatures => c"Unsupported datapath user features",
            ConfigError::BadMasksCacheSize => {
                c"Masks cache size must be 0 or a power of 2 no larger than 4096"
            }
            ConfigError::BadPortIds => c"Upcall port ids must be a non-empty array of u32",
        }
    }
}

/// Checks `OVS_DP_ATTR_USER_FEATURES`.
pub fn check_user_features(features: u32, tc_skb_ext: bool) -> Result<(), ConfigError> {
    if features & !OVS_DP_F_ALL != 0 || (features & OVS_DP_F_TC_RECIRC_SHARING != 0 && !tc_skb_ext)
    {
        return Err(ConfigError::UnsupportedFeatures);
    }
    Ok(())
}

/// Checks a change of the mask cache size from `current` to `new`;
/// keeping the current size is always accepted, as in C.
pub fn check_masks_cache_size(current: u32, new: u32) -> Result<(), ConfigError> {
    if new == current {
        return Ok(());
    }
    if (new != 0 && !new.is_power_of_two()) || new > MASKS_CACHE_MAX {
        return Err(ConfigError::BadMasksCacheSize);
    }
    Ok(())
}

/// The port ids of an upcall port id array (`OVS_DP_ATTR_PER_CPU_PIDS`,
/// `OVS_DP_ATTR_UPCALL_PID`, `OVS_VPORT_ATTR_UPCALL_PID`): host-order
/// `u32`s, at least one.
pub fn port_ids(bytes: &[u8]) -> Result<impl Iterator<Item = u32> + '_, ConfigError> {
    if bytes.is_empty() || bytes.len() % 4 != 0 {
        return Err(ConfigError::BadPortIds);
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|c| crate::bytes::ne32(c, 0).unwrap_or(0)))
}

/// `struct ovs_dp_stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DpStats {
    /// Packets that matched a flow.
    pub n_hit: u64,
    /// Packets that matched no flow (sent to userspace).
    pub n_missed: u64,
    /// Packets that matched no flow and could not reach userspace.
    pub n_lost: u64,
    /// Flows in the table.
    pub n_flows: u64,
}

impl DpStats {
    /// The C struct's bytes.
    pub fn to_ne_bytes(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (chunk, v) in
            out.chunks_exact_mut(8)
                .zip([self.n_hit, self.n_missed, self.n_lost, self.n_flows])
        {
            chunk.copy_from_slice(&v.to_ne_bytes());
        }
        out
    }
}

/// `struct ovs_dp_megaflow_stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MegaflowStats {
    /// Mask comparisons over all lookups.
    pub n_mask_hit: u64,
    /// Masks in the table.
    pub n_masks: u32,
    /// Lookups answered by the mask cache.
    pub n_cache_hit: u64,
}

impl MegaflowStats {
    /// The C struct's bytes (`pad0` and `pad1` zero).
    pub fn to_ne_bytes(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out[0..8].copy_from_slice(&self.n_mask_hit.to_ne_bytes());
        out[8..12].copy_from_slice(&self.n_masks.to_ne_bytes());
        out[16..24].copy_from_slice(&self.n_cache_hit.to_ne_bytes());
        out
    }
}

/// `nla_total_size()`.
pub const fn nla_total_size(payload: usize) -> usize {
    nla_align(4 + payload)
}

/// `nla_total_size_64bit()`: room for a pad attribute too.
pub const fn nla_total_size_64bit(payload: usize) -> usize {
    nla_align(4 + payload) + nla_align(4)
}

/// `ovs_dp_cmd_msg_size()`: the payload a datapath message needs.
pub const fn dp_msg_size(nr_cpu_ids: usize) -> usize {
    nla_align(crate::uapi::OVS_HEADER_SIZE)
        + nla_total_size(16)
        + nla_total_size_64bit(32)
        + nla_total_size_64bit(32)
        + nla_total_size(4)
        + nla_total_size(4)
        + nla_total_size(4 * nr_cpu_ids)
}

#[path = "dp_config/tests.rs"]
mod tests;
