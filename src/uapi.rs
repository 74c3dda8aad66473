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
    FamilySpec {
        name: "ovs_datapath",
        version: 2,
        mcgroup: Some("ovs_datapath"),
    },
    FamilySpec {
        name: "ovs_vport",
        version: 1,
        mcgroup: Some("ovs_vport"),
    },
    FamilySpec {
        name: "ovs_flow",
        version: 1,
        mcgroup: Some("ovs_flow"),
    },
    FamilySpec {
        name: "ovs_packet",
        version: 1,
        mcgroup: None,
    },
    FamilySpec {
        name: "ovs_meter",
        version: 1,
        mcgroup: Some("ovs_meter"),
    },
    FamilySpec {
        name: "ovs_ct_limit",
        version: 1,
        mcgroup: Some("ovs_ct_limit"),
    },
];

/// Index of `ovs_datapath` in [`FAMILIES`].
pub const FAMILY_DATAPATH: usize = 0;

/// `NLM_F_MULTI`: a message of a multipart (dump) reply.
pub const NLM_F_MULTI: u16 = 0x2;

/// Index of `ovs_vport` in [`FAMILIES`].
pub const FAMILY_VPORT: usize = 1;

/// `enum ovs_vport_cmd`.
pub mod vport_cmd {
    /// `OVS_VPORT_CMD_NEW`.
    pub const NEW: u8 = 1;
    /// `OVS_VPORT_CMD_DEL`.
    pub const DEL: u8 = 2;
    /// `OVS_VPORT_CMD_GET`.
    pub const GET: u8 = 3;
    /// `OVS_VPORT_CMD_SET`.
    pub const SET: u8 = 4;
}

/// `enum ovs_vport_type`.
pub mod vport_type {
    /// `OVS_VPORT_TYPE_NETDEV`: an existing network device.
    pub const NETDEV: u32 = 1;
    /// `OVS_VPORT_TYPE_INTERNAL`: a device implemented by the datapath.
    pub const INTERNAL: u32 = 2;
}

/// `enum ovs_vport_attr`.
pub mod vport_attr {
    /// `OVS_VPORT_ATTR_PORT_NO`: u32 port number within the datapath.
    pub const PORT_NO: u16 = 1;
    /// `OVS_VPORT_ATTR_TYPE`: u32 `OVS_VPORT_TYPE_*`.
    pub const TYPE: u16 = 2;
    /// `OVS_VPORT_ATTR_NAME`: the device name.
    pub const NAME: u16 = 3;
    /// `OVS_VPORT_ATTR_OPTIONS`: legacy per-type options.
    pub const OPTIONS: u16 = 4;
    /// `OVS_VPORT_ATTR_UPCALL_PID`: u32 Netlink PID(s) for upcalls.
    pub const UPCALL_PID: u16 = 5;
    /// `OVS_VPORT_ATTR_STATS`: `struct ovs_vport_stats`.
    pub const STATS: u16 = 6;
    /// `OVS_VPORT_ATTR_PAD`.
    pub const PAD: u16 = 7;
    /// `OVS_VPORT_ATTR_IFINDEX`.
    pub const IFINDEX: u16 = 8;
    /// `OVS_VPORT_ATTR_NETNSID`: s32 id of the device's namespace, when
    /// it is not the reader's.
    pub const NETNSID: u16 = 9;
    /// `OVS_VPORT_ATTR_UPCALL_STATS`: nested `OVS_VPORT_UPCALL_ATTR_*`.
    pub const UPCALL_STATS: u16 = 10;
    /// `OVS_VPORT_UPCALL_ATTR_SUCCESS`, inside `UPCALL_STATS`.
    pub const UPCALL_SUCCESS: u16 = 0;
    /// `OVS_VPORT_UPCALL_ATTR_FAIL`, inside `UPCALL_STATS`.
    pub const UPCALL_FAIL: u16 = 1;
}

/// `DP_MAX_PORTS`: port numbers are below this.
pub const DP_MAX_PORTS: u32 = 65535;

/// `enum ovs_datapath_cmd`.
pub mod dp_cmd {
    /// `OVS_DP_CMD_NEW`.
    pub const NEW: u8 = 1;
    /// `OVS_DP_CMD_DEL`.
    pub const DEL: u8 = 2;
    /// `OVS_DP_CMD_GET`.
    pub const GET: u8 = 3;
    /// `OVS_DP_CMD_SET`.
    pub const SET: u8 = 4;
}

/// `enum ovs_datapath_attr`.
pub mod dp_attr {
    /// `OVS_DP_ATTR_NAME`: name of the dp_ifindex netdev.
    pub const NAME: u16 = 1;
    /// `OVS_DP_ATTR_UPCALL_PID`: Netlink PID(s) to receive upcalls.
    pub const UPCALL_PID: u16 = 2;
    /// `OVS_DP_ATTR_STATS`: `struct ovs_dp_stats`.
    pub const STATS: u16 = 3;
    /// `OVS_DP_ATTR_MEGAFLOW_STATS`: `struct ovs_dp_megaflow_stats`.
    pub const MEGAFLOW_STATS: u16 = 4;
    /// `OVS_DP_ATTR_USER_FEATURES`: `OVS_DP_F_*`.
    pub const USER_FEATURES: u16 = 5;
    /// `OVS_DP_ATTR_PAD`.
    pub const PAD: u16 = 6;
    /// `OVS_DP_ATTR_MASKS_CACHE_SIZE`.
    pub const MASKS_CACHE_SIZE: u16 = 7;
    /// `OVS_DP_ATTR_PER_CPU_PIDS`: per-CPU upcall Netlink PIDs.
    pub const PER_CPU_PIDS: u16 = 8;
    /// `OVS_DP_ATTR_IFINDEX`: ifindex for the datapath's device.
    pub const IFINDEX: u16 = 9;
}

/// Index of `ovs_flow` in [`FAMILIES`].
pub const FAMILY_FLOW: usize = 2;
/// `ovs_packet`'s index among the families.
pub const FAMILY_PACKET: usize = 3;

/// `NLM_F_ECHO`: the sender wants a copy of the notification.
pub const NLM_F_ECHO: u16 = 0x8;
/// `NLM_F_EXCL`: fail if the object exists.
pub const NLM_F_EXCL: u16 = 0x200;
/// `NLM_F_CREATE`: create the object.
pub const NLM_F_CREATE: u16 = 0x400;

/// `enum ovs_flow_cmd`.
pub mod flow_cmd {
    /// `OVS_FLOW_CMD_NEW`.
    pub const NEW: u8 = 1;
    /// `OVS_FLOW_CMD_DEL`.
    pub const DEL: u8 = 2;
    /// `OVS_FLOW_CMD_GET`.
    pub const GET: u8 = 3;
    /// `OVS_FLOW_CMD_SET`.
    pub const SET: u8 = 4;
}

/// `enum ovs_flow_attr`.
pub mod flow_attr {
    /// `OVS_FLOW_ATTR_KEY`: nested `OVS_KEY_ATTR_*`.
    pub const KEY: u16 = 1;
    /// `OVS_FLOW_ATTR_ACTIONS`: nested `OVS_ACTION_ATTR_*`.
    pub const ACTIONS: u16 = 2;
    /// `OVS_FLOW_ATTR_STATS`: `struct ovs_flow_stats`.
    pub const STATS: u16 = 3;
    /// `OVS_FLOW_ATTR_TCP_FLAGS`: u8 of the TCP flags seen.
    pub const TCP_FLAGS: u16 = 4;
    /// `OVS_FLOW_ATTR_USED`: u64 msecs of the last use.
    pub const USED: u16 = 5;
    /// `OVS_FLOW_ATTR_CLEAR`: flag, clear the stats.
    pub const CLEAR: u16 = 6;
    /// `OVS_FLOW_ATTR_MASK`: nested `OVS_KEY_ATTR_*`.
    pub const MASK: u16 = 7;
    /// `OVS_FLOW_ATTR_PROBE`: flag, do not log errors.
    pub const PROBE: u16 = 8;
    /// `OVS_FLOW_ATTR_UFID`: the flow's unique identifier.
    pub const UFID: u16 = 9;
    /// `OVS_FLOW_ATTR_UFID_FLAGS`: u32 `OVS_UFID_F_*`.
    pub const UFID_FLAGS: u16 = 10;
    /// `OVS_FLOW_ATTR_PAD`.
    pub const PAD: u16 = 11;
}

/// `OVS_UFID_F_*`: what replies may leave out.
pub mod ufid_flags {
    pub const OMIT_KEY: u32 = 1;
    pub const OMIT_MASK: u32 = 2;
    pub const OMIT_ACTIONS: u32 = 4;
}

/// `enum ovs_packet_cmd`.
pub mod packet_cmd {
    pub const MISS: u8 = 1;
    pub const ACTION: u8 = 2;
    pub const EXECUTE: u8 = 3;
}

/// `enum ovs_packet_attr`.
pub mod packet_attr {
    pub const PACKET: u16 = 1;
    pub const KEY: u16 = 2;
    pub const ACTIONS: u16 = 3;
    pub const USERDATA: u16 = 4;
    pub const EGRESS_TUN_KEY: u16 = 5;
    pub const UNUSED1: u16 = 6;
    pub const UNUSED2: u16 = 7;
    pub const PROBE: u16 = 8;
    pub const MRU: u16 = 9;
    pub const LEN: u16 = 10;
    pub const HASH: u16 = 11;
    pub const UPCALL_PID: u16 = 12;
}

/// `enum ovs_userspace_attr`.
pub mod userspace_attr {
    pub const PID: u16 = 1;
    pub const USERDATA: u16 = 2;
    pub const EGRESS_TUN_PORT: u16 = 3;
    pub const ACTIONS: u16 = 4;
}

/// Index of `ovs_meter` in [`FAMILIES`].
pub const FAMILY_METER: usize = 4;

/// Index of `ovs_ct_limit` in [`FAMILIES`].
pub const FAMILY_CT_LIMIT: usize = 5;

/// `enum ovs_meter_cmd`.
pub mod meter_cmd {
    pub const FEATURES: u8 = 1;
    pub const SET: u8 = 2;
    pub const DEL: u8 = 3;
    pub const GET: u8 = 4;
}

/// `enum ovs_ct_limit_cmd`.
pub mod ct_limit_cmd {
    pub const SET: u8 = 1;
    pub const DEL: u8 = 2;
    pub const GET: u8 = 3;
}
