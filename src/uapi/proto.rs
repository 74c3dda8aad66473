// SPDX-License-Identifier: GPL-2.0

//! Protocol numbers and header sizes of the frames the datapath parses
//! and edits, under their kernel names (`if_ether.h`, `in.h`,
//! `net/ipv6.h`, `nsh.h`, ...).

/// `ETH_HLEN`.
pub const ETH_HLEN: usize = 14;
/// `ETH_ALEN`.
pub const ETH_ALEN: usize = 6;
/// `VLAN_HLEN`.
pub const VLAN_HLEN: usize = 4;
/// `VLAN_CFI_MASK` (`VLAN_TAG_PRESENT` in a key's TCI).
pub const VLAN_CFI_MASK: u16 = 0x1000;

/// `ETH_P_802_3_MIN`: below, the field is an 802.3 length.
pub const ETH_P_802_3_MIN: u16 = 0x0600;
pub const ETH_P_802_2: u16 = 0x0004;
pub const ETH_P_IP: u16 = 0x0800;
pub const ETH_P_ARP: u16 = 0x0806;
pub const ETH_P_RARP: u16 = 0x8035;
pub const ETH_P_8021Q: u16 = 0x8100;
pub const ETH_P_8021AD: u16 = 0x88a8;
pub const ETH_P_IPV6: u16 = 0x86dd;
pub const ETH_P_MPLS_UC: u16 = 0x8847;
pub const ETH_P_MPLS_MC: u16 = 0x8848;
pub const ETH_P_NSH: u16 = 0x894f;
pub const ETH_P_TEB: u16 = 0x6558;

pub const ARPHRD_ETHER: u16 = 1;
pub const ARPHRD_NONE: u16 = 0xfffe;

pub const AF_INET: u8 = 2;
pub const AF_INET6: u8 = 10;

pub const IPPROTO_ICMP: u8 = 1;
pub const IPPROTO_TCP: u8 = 6;
pub const IPPROTO_UDP: u8 = 17;
pub const IPPROTO_SCTP: u8 = 132;

/// IPv4 "more fragments" and fragment offset bits of `frag_off`.
pub const IP_MF: u16 = 0x2000;
pub const IP_OFFSET: u16 = 0x1fff;

pub const NEXTHDR_HOP: u8 = 0;
pub const NEXTHDR_ROUTING: u8 = 43;
pub const NEXTHDR_FRAGMENT: u8 = 44;
pub const NEXTHDR_AUTH: u8 = 51;
pub const NEXTHDR_ICMP: u8 = 58;
pub const NEXTHDR_NONE: u8 = 59;
pub const NEXTHDR_DEST: u8 = 60;
/// `IP6_MAX_EXT_HDRS_CNT`: `ipv6_find_hdr()` gives up after this many.
pub const IP6_MAX_EXT_HDRS_CNT: u32 = 12;

/// `sizeof(struct iphdr)` without options.
pub const IPV4_HLEN: usize = 20;
/// `sizeof(struct ipv6hdr)`.
pub const IPV6_HLEN: usize = 40;

/// `MPLS_HLEN`: one label stack entry.
pub const MPLS_HLEN: usize = 4;

/// `NSH_BASE_HDR_LEN`.
pub const NSH_BASE_HDR_LEN: usize = 8;
/// `NSH_HDR_MAX_LEN`: the longest NSH header (63 words).
pub const NSH_HDR_MAX_LEN: usize = 252;
/// `NSH_CTX_HDRS_MAX_LEN`: the most MD type 2 context a push may carry.
pub const NSH_CTX_HDRS_MAX_LEN: usize = 244;
pub const NSH_M_TYPE1: u8 = 1;
pub const NSH_M_TYPE2: u8 = 2;
/// `NSH_M_TYPE1_LEN`: base header and four context words.
pub const NSH_M_TYPE1_LEN: usize = 24;

/// `LLC_SAP_SNAP`: an 802.2 LLC header followed by SNAP.
pub const LLC_SAP_SNAP: u8 = 0xaa;
/// An LLC and SNAP header: DSAP, SSAP, control, OUI and type.
pub const LLC_SNAP_HLEN: usize = 8;

pub const NDISC_NEIGHBOUR_SOLICITATION: u8 = 135;
pub const NDISC_NEIGHBOUR_ADVERTISEMENT: u8 = 136;
pub const ND_OPT_SOURCE_LL_ADDR: u8 = 1;
pub const ND_OPT_TARGET_LL_ADDR: u8 = 2;
/// `sizeof(struct nd_msg)`: the ICMPv6 header and the target.
pub const ND_MSG_LEN: usize = 24;

/// Header sizes without options.
pub const TCP_HLEN: usize = 20;
pub const UDP_HLEN: usize = 8;
pub const SCTP_HLEN: usize = 12;
pub const ICMP6_HLEN: usize = 8;
/// Offsets of the checksum fields in their headers.
pub const TCP_CHECK: usize = 16;
pub const UDP_CHECK: usize = 6;
pub const ICMP6_CHECK: usize = 2;
pub const SCTP_CHECK: usize = 8;
/// `CSUM_MANGLED_0`: what a UDP checksum that came out 0 is sent as.
pub const CSUM_MANGLED_0: u16 = 0xffff;
