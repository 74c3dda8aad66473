// SPDX-License-Identifier: GPL-2.0

//! The parts of `include/uapi/linux/openvswitch.h` the datapath names.
//!
//! Pure data: this file compiles in the kernel module and in the host
//! test crate alike.

/// `sizeof(struct ovs_header)`: every OVS family's user header is one
/// `int dp_ifindex`.
pub const OVS_HEADER_SIZE: usize = 4;

/// What userspace sees of one generic netlink family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FamilySpec {
    /// Family name, resolved by userspace with `CTRL_CMD_GETFAMILY`.
    pub name: &'static str,
    /// Family version (`genlmsghdr.version` userspace expects).
    pub version: u8,
    /// The single multicast group, if the family has one.
    pub mcgroup: Option<&'static str>,
}

/// The six families, in the order `net/openvswitch` registers them; the
/// index is `enum ovs_rs_family_index` of the C glue.
pub const FAMILIES: [FamilySpec; 6] = [
    FamilySpec { name: "ovs_datapath", version: 2, mcgroup: Some("ovs_datapath") },
    FamilySpec { name: "ovs_vport", version: 1, mcgroup: Some("ovs_vport") },
    FamilySpec { name: "ovs_flow", version: 1, mcgroup: Some("ovs_flow") },
    FamilySpec { name: "ovs_packet", version: 1, mcgroup: None },
    FamilySpec { name: "ovs_meter", version: 1, mcgroup: Some("ovs_meter") },
    FamilySpec { name: "ovs_ct_limit", version: 1, mcgroup: Some("ovs_ct_limit") },
];
