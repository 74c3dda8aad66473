// SPDX-License-Identifier: GPL-2.0

//! The constants of the interfaces the datapath speaks: the parts of
//! `include/uapi/linux/openvswitch.h` it names (here), the OVS datapath's
//! own values userspace sees in keys (`MAC_PROTO_*`, the IPv6 extension
//! header bits), and the protocol numbers and header sizes of the frames
//! it parses and edits ([`proto`]). One home, so two parsers cannot
//! disagree on a number.
//!
//! Pure data: this file compiles in the kernel module and in the host
//! test crate alike.

#[path = "uapi/proto.rs"]
pub mod proto;

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

/// `OVSP_LOCAL`: the datapath's own internal port.
pub const OVSP_LOCAL: u32 = 0;

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

/// `OVS_DP_VER_FEATURES`: clients older than this know no user features.
pub const OVS_DP_VER_FEATURES: u8 = 2;

/// Allow last Netlink attribute to be unaligned.
pub const OVS_DP_F_UNALIGNED: u32 = 1 << 0;
/// Allow datapath to associate multiple Netlink PIDs to each vport.
pub const OVS_DP_F_VPORT_PIDS: u32 = 1 << 1;
/// Allow tc offload recirc sharing.
pub const OVS_DP_F_TC_RECIRC_SHARING: u32 = 1 << 2;
/// Allow per-cpu dispatch of upcalls.
pub const OVS_DP_F_DISPATCH_UPCALL_PER_CPU: u32 = 1 << 3;

/// `OVS_KEY_ATTR_MAX`.
pub const OVS_KEY_ATTR_MAX: u16 = 32;

/// `enum ovs_key_attr`: `OVS_KEY_ATTR_*`.
pub mod key_attr {
    pub const UNSPEC: u16 = 0;
    pub const ENCAP: u16 = 1;
    pub const PRIORITY: u16 = 2;
    pub const IN_PORT: u16 = 3;
    pub const ETHERNET: u16 = 4;
    pub const VLAN: u16 = 5;
    pub const ETHERTYPE: u16 = 6;
    pub const IPV4: u16 = 7;
    pub const IPV6: u16 = 8;
    pub const TCP: u16 = 9;
    pub const UDP: u16 = 10;
    pub const ICMP: u16 = 11;
    pub const ICMPV6: u16 = 12;
    pub const ARP: u16 = 13;
    pub const ND: u16 = 14;
    pub const SKB_MARK: u16 = 15;
    pub const TUNNEL: u16 = 16;
    pub const SCTP: u16 = 17;
    pub const TCP_FLAGS: u16 = 18;
    pub const DP_HASH: u16 = 19;
    pub const RECIRC_ID: u16 = 20;
    pub const MPLS: u16 = 21;
    pub const CT_STATE: u16 = 22;
    pub const CT_ZONE: u16 = 23;
    pub const CT_MARK: u16 = 24;
    pub const CT_LABELS: u16 = 25;
    pub const CT_ORIG_TUPLE_IPV4: u16 = 26;
    pub const CT_ORIG_TUPLE_IPV6: u16 = 27;
    pub const NSH: u16 = 28;
    pub const PACKET_TYPE: u16 = 29;
    pub const ND_EXTENSIONS: u16 = 30;
    pub const TUNNEL_INFO: u16 = 31;
    pub const IPV6_EXTHDRS: u16 = 32;
}

/// `enum ovs_frag_type`.
pub const OVS_FRAG_TYPE_NONE: u8 = 0;
pub const OVS_FRAG_TYPE_FIRST: u8 = 1;
pub const OVS_FRAG_TYPE_LATER: u8 = 2;

/// `enum ovs_tunnel_key_attr`: `OVS_TUNNEL_KEY_ATTR_*`.
pub mod tunnel_key_attr {
    pub const ID: u16 = 0;
    pub const IPV4_SRC: u16 = 1;
    pub const IPV4_DST: u16 = 2;
    pub const TOS: u16 = 3;
    pub const TTL: u16 = 4;
    pub const DONT_FRAGMENT: u16 = 5;
    pub const CSUM: u16 = 6;
    pub const OAM: u16 = 7;
    pub const GENEVE_OPTS: u16 = 8;
    pub const TP_SRC: u16 = 9;
    pub const TP_DST: u16 = 10;
    pub const VXLAN_OPTS: u16 = 11;
    pub const IPV6_SRC: u16 = 12;
    pub const IPV6_DST: u16 = 13;
    pub const ERSPAN_OPTS: u16 = 15;
    pub const IPV4_INFO_BRIDGE: u16 = 16;
    /// `OVS_TUNNEL_KEY_ATTR_MAX`.
    pub const MAX: u16 = 16;
}

/// `OVS_VXLAN_EXT_GBP`.
pub const OVS_VXLAN_EXT_GBP: u16 = 1;
/// `OVS_VXLAN_EXT_MAX`.
pub const OVS_VXLAN_EXT_MAX: u16 = 1;

/// `enum ovs_nsh_key_attr`: `OVS_NSH_KEY_ATTR_*`.
pub mod nsh_key_attr {
    pub const BASE: u16 = 1;
    pub const MD1: u16 = 2;
    pub const MD2: u16 = 3;
    /// `OVS_NSH_KEY_ATTR_MAX`.
    pub const MAX: u16 = 3;
}

/// `enum ovs_action_attr`: `OVS_ACTION_ATTR_*`.
pub mod action {
    pub const OUTPUT: u16 = 1;
    pub const USERSPACE: u16 = 2;
    pub const SET: u16 = 3;
    pub const PUSH_VLAN: u16 = 4;
    pub const POP_VLAN: u16 = 5;
    pub const SAMPLE: u16 = 6;
    pub const RECIRC: u16 = 7;
    pub const HASH: u16 = 8;
    pub const PUSH_MPLS: u16 = 9;
    pub const POP_MPLS: u16 = 10;
    pub const SET_MASKED: u16 = 11;
    pub const CT: u16 = 12;
    pub const TRUNC: u16 = 13;
    pub const PUSH_ETH: u16 = 14;
    pub const POP_ETH: u16 = 15;
    pub const CT_CLEAR: u16 = 16;
    pub const PUSH_NSH: u16 = 17;
    pub const POP_NSH: u16 = 18;
    pub const METER: u16 = 19;
    pub const CLONE: u16 = 20;
    pub const CHECK_PKT_LEN: u16 = 21;
    pub const ADD_MPLS: u16 = 22;
    pub const DEC_TTL: u16 = 23;
    pub const DROP: u16 = 24;
    pub const PSAMPLE: u16 = 25;
    /// `OVS_ACTION_ATTR_MAX`.
    pub const MAX: u16 = 25;
}

/// `enum ovs_ct_attr`: `OVS_CT_ATTR_*`, the members of a CT action.
pub mod ct_attr {
    pub const COMMIT: u16 = 1;
    pub const ZONE: u16 = 2;
    pub const MARK: u16 = 3;
    pub const LABELS: u16 = 4;
    pub const HELPER: u16 = 5;
    pub const NAT: u16 = 6;
    pub const FORCE_COMMIT: u16 = 7;
    pub const EVENTMASK: u16 = 8;
    pub const TIMEOUT: u16 = 9;
    /// `OVS_CT_ATTR_MAX`.
    pub const MAX: u16 = 9;
}

/// `enum ovs_nat_attr`: `OVS_NAT_ATTR_*`, the members of `OVS_CT_ATTR_NAT`.
pub mod nat_attr {
    pub const SRC: u16 = 1;
    pub const DST: u16 = 2;
    pub const IP_MIN: u16 = 3;
    pub const IP_MAX: u16 = 4;
    pub const PROTO_MIN: u16 = 5;
    pub const PROTO_MAX: u16 = 6;
    pub const PERSISTENT: u16 = 7;
    pub const PROTO_HASH: u16 = 8;
    pub const PROTO_RANDOM: u16 = 9;
    /// `OVS_NAT_ATTR_MAX`.
    pub const MAX: u16 = 9;
}

/// `NF_NAT_RANGE_*` (`<uapi/linux/netfilter/nf_nat.h>`): a NAT range's
/// flags.
pub mod nat_range {
    pub const MAP_IPS: u32 = 1 << 0;
    pub const PROTO_SPECIFIED: u32 = 1 << 1;
    pub const PROTO_RANDOM: u32 = 1 << 2;
    pub const PERSISTENT: u32 = 1 << 3;
    pub const PROTO_RANDOM_FULLY: u32 = 1 << 4;
}

/// `NFPROTO_IPV4`, `NFPROTO_IPV6`.
pub const NFPROTO_IPV4: u8 = 2;
pub const NFPROTO_IPV6: u8 = 10;

/// `OVS_SAMPLE_ATTR_PROBABILITY`, `OVS_SAMPLE_ATTR_ACTIONS`.
pub mod sample_attr {
    pub const PROBABILITY: u16 = 1;
    pub const ACTIONS: u16 = 2;
}

/// `enum ovs_check_pkt_len_attr`: `OVS_CHECK_PKT_LEN_ATTR_*`.
pub mod check_pkt_len_attr {
    pub const PKT_LEN: u16 = 1;
    pub const ACTIONS_IF_GREATER: u16 = 2;
    pub const ACTIONS_IF_LESS_EQUAL: u16 = 3;
}

/// `OVS_PSAMPLE_ATTR_GROUP`, `OVS_PSAMPLE_ATTR_COOKIE`.
pub mod psample_attr {
    pub const GROUP: u16 = 1;
    pub const COOKIE: u16 = 2;
}

/// `enum ovs_hash_alg`: `OVS_HASH_ALG_L4`, `OVS_HASH_ALG_SYM_L4`.
pub const OVS_HASH_ALG_L4: u32 = 0;
pub const OVS_HASH_ALG_SYM_L4: u32 = 1;

/// `OVS_DEC_TTL_ATTR_ACTION`.
pub const OVS_DEC_TTL_ATTR_ACTION: u16 = 1;

/// `MAC_PROTO_NONE` (net/openvswitch/flow.h): a layer-3 packet.
pub const MAC_PROTO_NONE: u8 = 0;
/// `MAC_PROTO_ETHERNET`.
pub const MAC_PROTO_ETHERNET: u8 = 1;
/// `SW_FLOW_KEY_INVALID`, kept in `mac_proto` by actions that change the
/// packet.
pub const SW_FLOW_KEY_INVALID: u8 = 0x80;

/// The IPv6 extension header bits of `key->ipv6.exthdrs`
/// (`OVS_KEY_ATTR_IPV6_EXTHDRS`, `enum ofp12_ipv6exthdr_flags`).
pub mod exthdr {
    pub const NONEXT: u16 = 1 << 0;
    pub const ESP: u16 = 1 << 1;
    pub const AUTH: u16 = 1 << 2;
    pub const DEST: u16 = 1 << 3;
    pub const FRAG: u16 = 1 << 4;
    pub const ROUTER: u16 = 1 << 5;
    pub const HOP: u16 = 1 << 6;
    pub const UNREP: u16 = 1 << 7;
    pub const UNSEQ: u16 = 1 << 8;
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

/// `enum ovs_meter_attr`.
pub mod meter_attr {
    pub const ID: u16 = 1;
    pub const KBPS: u16 = 2;
    /// `struct ovs_flow_stats`.
    pub const STATS: u16 = 3;
    pub const BANDS: u16 = 4;
    pub const USED: u16 = 5;
    pub const CLEAR: u16 = 6;
    pub const MAX_METERS: u16 = 7;
    pub const MAX_BANDS: u16 = 8;
    pub const PAD: u16 = 9;
}

/// `enum ovs_band_attr`.
pub mod band_attr {
    pub const UNSPEC: u16 = 0;
    pub const TYPE: u16 = 1;
    pub const RATE: u16 = 2;
    pub const BURST: u16 = 3;
    /// `struct ovs_flow_stats`.
    pub const STATS: u16 = 4;
    /// `OVS_BAND_ATTR_MAX`.
    pub const MAX: u16 = 4;
}

/// `OVS_METER_BAND_TYPE_DROP`.
pub const OVS_METER_BAND_TYPE_DROP: u32 = 1;

/// `enum ovs_ct_limit_cmd`.
pub mod ct_limit_cmd {
    pub const SET: u8 = 1;
    pub const DEL: u8 = 2;
    pub const GET: u8 = 3;
}

/// `enum ovs_ct_limit_attr`.
pub mod ct_limit_attr {
    /// A run of `struct ovs_zone_limit`.
    pub const ZONE_LIMIT: u16 = 1;
}

/// `OVS_ZONE_LIMIT_DEFAULT_ZONE`: the `zone_id` that names the default
/// limit.
pub const OVS_ZONE_LIMIT_DEFAULT_ZONE: i32 = -1;

/// `sizeof(struct ovs_zone_limit)`: `zone_id` (i32), `limit`, `count`
/// (u32s), host order.
pub const OVS_ZONE_LIMIT_LEN: usize = 12;
