// SPDX-License-Identifier: GPL-2.0

//! A packet's flow key from its bytes: C's `key_extract()` and
//! `ovs_flow_key_extract()` (net/openvswitch/flow.c), pure.
//!
//! The caller hands over the packet as one contiguous slice (`skb->data`
//! for `skb->len` bytes, linearized) and the few skb fields C reads
//! ([`SkbState`]); [`extract`] fills a [`FlowKey`] field for field as C
//! fills `struct sw_flow_key`, and returns the header offsets C leaves in
//! the skb ([`Offsets`]) for the actions to use. C's memory failures
//! (`pskb_may_pull()`, `skb_linearize()` returning `-ENOMEM`) cannot
//! happen on a slice; every other outcome is C's, including these:
//!
//! - C pops an in-packet outer VLAN tag into the skb's accelerated tag
//!   while extracting. Nothing here changes the bytes: [`Offsets::vlan_pop`]
//!   says the tag to pop, and every offset is already in the popped frame.
//! - Truncated headers are mostly not errors. A short IPv4 or IPv6 header
//!   zeroes `key->ip` and the addresses and succeeds (the transport offset
//!   becomes the network offset; `tp.src`/`tp.dst` keep what the key
//!   held, IPv6 also its label and exthdrs bitmap); a short TCP, UDP,
//!   SCTP, ICMP or ICMPv6 header zeroes `key->tp`; a short ARP header
//!   zeroes `key->ip` and `key->ipv4`; a truncated MPLS stack leaves
//!   `num_labels_mask` 0 with the labels read so far. The only errors are a
//!   frame shorter than an Ethernet header, a layer-3 packet whose
//!   protocol is a VLAN TPID, and a bad NSH header (all `EINVAL`).
//! - IPv6 uses two walks of the extension headers, as C does:
//!   `get_ipv6_ext_hdrs()` for the exthdrs bitmap (every header's length
//!   as `(hdrlen + 1) * 8`, even AH's and the fragment header's) and
//!   `ipv6_find_hdr()` for the upper-layer protocol (AH's own length rule,
//!   at most 12 headers). When the latter fails, the key says protocol 59
//!   (`NEXTHDR_NONE`); a non-first fragment whose next header is another
//!   extension header makes it fail, so such a fragment is keyed as a
//!   *first* fragment of protocol 59. ESP is not an extension header for
//!   `ipv6_ext_hdr()`, so `OFPIEH12_ESP` is never set.
//! - ND options: an option of length 0 or past the end stops the walk
//!   keeping what was found; a second non-zero SLL (or TLL) clears the
//!   target and both addresses.
//!
//! Fields C does not write keep what the key held: [`extract`] starts
//! from a zeroed key, [`update`] re-extracts into a used key as
//! `ovs_flow_key_update()` does. C's receive key is uninitialised stack;
//! the one leftover a lookup or upcall then reads is the label and
//! exthdrs of an IPv6 header under 40 bytes, stack garbage in C and zero
//! here.

use super::key::{fields, Field, FlowKey};

const ETH_HLEN: usize = 14;
const ETH_ALEN: usize = 6;
const VLAN_HLEN: usize = 4;
const ETH_P_802_3_MIN: u16 = 0x0600;
const ETH_P_802_2: u16 = 0x0004;
const ETH_P_IP: u16 = 0x0800;
const ETH_P_ARP: u16 = 0x0806;
const ETH_P_RARP: u16 = 0x8035;
const ETH_P_8021Q: u16 = 0x8100;
const ETH_P_8021AD: u16 = 0x88a8;
const ETH_P_IPV6: u16 = 0x86dd;
const ETH_P_MPLS_UC: u16 = 0x8847;
const ETH_P_MPLS_MC: u16 = 0x8848;
const ETH_P_NSH: u16 = 0x894f;
const ETH_P_TEB: u16 = 0x6558;
const ARPHRD_ETHER: u16 = 1;
const ARPHRD_NONE: u16 = 0xfffe;
const VLAN_CFI_MASK: u16 = 0x1000;
const LLC_SAP_SNAP: u8 = 0xaa;
const LLC_SNAP_HLEN: usize = 8;
/// `SW_FLOW_KEY_INVALID`, kept in `mac_proto` by actions that change the
/// packet.
pub const SW_FLOW_KEY_INVALID: u8 = 0x80;

const IPPROTO_ICMP: u8 = 1;
const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;
const IPPROTO_SCTP: u8 = 132;
const NEXTHDR_HOP: u8 = 0;
const NEXTHDR_ROUTING: u8 = 43;
const NEXTHDR_FRAGMENT: u8 = 44;
const NEXTHDR_AUTH: u8 = 51;
const NEXTHDR_ICMP: u8 = 58;
const NEXTHDR_NONE: u8 = 59;
const NEXTHDR_DEST: u8 = 60;
/// `IP6_MAX_EXT_HDRS_CNT`: `ipv6_find_hdr()` gives up after this many.
const IP6_MAX_EXT_HDRS_CNT: u32 = 12;
const IP_MF: u16 = 0x2000;
const IP_OFFSET: u16 = 0x1fff;
const MPLS_HLEN: usize = 4;
const MPLS_LABEL_DEPTH: usize = 3;
const NDISC_NEIGHBOUR_SOLICITATION: u8 = 135;
const NDISC_NEIGHBOUR_ADVERTISEMENT: u8 = 136;
const ND_OPT_SOURCE_LL_ADDR: u8 = 1;
const ND_OPT_TARGET_LL_ADDR: u8 = 2;
/// `sizeof(struct nd_msg)`: the ICMPv6 header and the target.
const ND_MSG_LEN: usize = 24;
const NSH_BASE_HDR_LEN: usize = 8;
const NSH_M_TYPE1: u8 = 1;
const NSH_M_TYPE2: u8 = 2;
const NSH_M_TYPE1_LEN: usize = 24;

/// `enum ovs_frag_type`.
pub const OVS_FRAG_TYPE_NONE: u8 = 0;
pub const OVS_FRAG_TYPE_FIRST: u8 = 1;
pub const OVS_FRAG_TYPE_LATER: u8 = 2;

/// The IPv6 extension header bits of `key->ipv6.exthdrs` (flow.h).
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

/// Bytes `first.offset..` to the end of `last`.
const fn span(first: Field, last: Field) -> Field {
    Field {
        offset: first.offset,
        len: last.offset + last.len - first.offset,
    }
}

/// The regions C clears with one `memset()` each.
const KEY_IP: Field = span(fields::IP_PROTO, fields::IP_FRAG);
const KEY_TP: Field = span(fields::TP_SRC, fields::TP_FLAGS);
const KEY_IPV4: Field = span(fields::IPV4_SRC, fields::ARP_THA);
const KEY_IPV6_ADDR: Field = span(fields::IPV6_SRC, fields::IPV6_DST);
const KEY_MPLS: Field = span(fields::MPLS_NUM_LABELS_MASK, fields::MPLS_LSE);
const KEY_ND: Field = span(fields::ND_TARGET, fields::ND_TLL);
const KEY_VLANS: Field = span(fields::ETH_VLAN_TPID, fields::ETH_CVLAN_TCI);

/// A VLAN tag: TPID and TCI in host order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VlanTag {
    pub tpid: u16,
    pub tci: u16,
}

/// What C's `key->mac_proto` says of the packet's first header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MacProto {
    /// `MAC_PROTO_NONE`: the packet starts with its layer-3 header.
    None = 0,
    /// `MAC_PROTO_ETHERNET`.
    Ethernet = 1,
}

/// The skb fields `key_extract()` reads besides the bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SkbState {
    /// The accelerated tag (`skb->vlan_proto`, `skb->vlan_tci`). As for
    /// C's `skb_vlan_tag_present()`, a tag whose TPID and TCI are both 0
    /// is no tag.
    pub vlan_hwaccel: Option<VlanTag>,
    /// `skb->protocol`, read only for packets without Ethernet header.
    pub l3_protocol: u16,
    /// `skb_shinfo(skb)->gso_type & SKB_GSO_UDP`: C keys such packets as
    /// first fragments.
    pub gso_udp: bool,
}

/// The original direction of a connection (what `__ovs_ct_update_key()`
/// takes from the conntrack entry, or its master's): ports already in the
/// key's form (ICMP type and code as `htons()` of each, host order here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CtOrig {
    pub addrs: CtOrigAddrs,
    pub proto: u8,
    pub tp_src: u16,
    pub tp_dst: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtOrigAddrs {
    V4 { src: [u8; 4], dst: [u8; 4] },
    V6 { src: [u8; 16], dst: [u8; 16] },
}

/// Conntrack's part of the key (`ovs_ct_fill_key()`), already resolved
/// by the caller (zone, NAT bits, post-ct state from tc). All zero and no
/// `orig` for a packet without a connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CtMeta {
    pub state: u8,
    pub zone: u16,
    pub mark: u32,
    pub labels: [u8; 16],
    pub orig: Option<CtOrig>,
}

/// Everything `ovs_flow_key_extract()` takes from outside the bytes.
///
/// There is no dp_hash: C sets `ovs_flow_hash` to 0 on receive. The
/// tunnel goes in with [`set_tunnel`] after [`extract`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketMeta {
    /// The input vport's number (`phy.in_port`).
    pub in_port: u16,
    pub priority: u32,
    pub skb_mark: u32,
    /// The tc chain of the skb's tc extension, or 0.
    pub recirc_id: u32,
    /// From the device type: [`mac_proto_for_device`].
    pub mac_proto: MacProto,
    pub skb: SkbState,
    pub ct: CtMeta,
}

/// The skb's header offsets after extraction, from the start of the frame
/// as C's skb then holds it: with [`Self::vlan_pop`] applied.
/// `skb->mac_header` is the frame's first byte.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Offsets {
    /// The in-packet outer VLAN tag C moved into the accelerated tag: the
    /// caller removes its 4 bytes after the MAC addresses
    /// (`__skb_vlan_pop()`) and sets the skb's tag to it
    /// (`__vlan_hwaccel_put_tag()`, the TCI as in the packet).
    pub vlan_pop: Option<VlanTag>,
    /// `skb->mac_len`.
    pub mac_len: usize,
    /// `skb->network_header`.
    pub network: usize,
    /// `skb->transport_header` for IPv4 and IPv6 (`None`: C leaves it
    /// as it was: other protocols and IPv6 later fragments).
    pub transport: Option<usize>,
    /// `skb->inner_network_header` for MPLS: just past the last label
    /// read.
    pub inner_network: Option<usize>,
    /// `skb->protocol`: the inner TPID of a double-tagged frame, else the
    /// key's ethertype.
    pub protocol: u16,
}

/// Why a packet has no key. C answers `EINVAL` for each, and the packet
/// is dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtractError {
    /// An Ethernet frame shorter than 14 bytes.
    ShortFrame,
    /// A packet without Ethernet header whose protocol is a VLAN TPID.
    L3Vlan,
    /// The NSH header, or the length it claims, is past the end.
    NshTruncated,
    /// An NSH version other than 0.
    NshVersion(u8),
    /// MD type 1 with a header length other than 24.
    NshMd1Length(usize),
    /// An MD type other than 1 and 2.
    NshMdType(u8),
}

impl ExtractError {
    /// The errno C returns (positive).
    pub fn errno(&self) -> i32 {
        22
    }
}

/// `key_extract_mac_proto()`: `None` for a device type C warns about
/// and refuses (`EINVAL`).
pub fn mac_proto_for_device(dev_type: u16, protocol: u16) -> Option<MacProto> {
    match dev_type {
        ARPHRD_ETHER => Some(MacProto::Ethernet),
        ARPHRD_NONE if protocol == ETH_P_TEB => Some(MacProto::Ethernet),
        ARPHRD_NONE => Some(MacProto::None),
        _ => None,
    }
}

/// `ovs_flow_key_extract()`: the key of a received packet.
pub fn extract(
    frame: &[u8],
    meta: &PacketMeta,
    key: &mut FlowKey,
) -> Result<Offsets, ExtractError> {
    *key = FlowKey::default();
    key.set_u32(fields::PHY_PRIORITY, meta.priority);
    key.set(fields::PHY_IN_PORT, &meta.in_port.to_ne_bytes());
    key.set_u32(fields::PHY_SKB_MARK, meta.skb_mark);
    key.set_u8(fields::MAC_PROTO, meta.mac_proto as u8);
    key.set_u32(fields::RECIRC_ID, meta.recirc_id);
    let offsets = key_extract(frame, &meta.skb, key)?;
    fill_ct(key, &meta.ct);
    Ok(offsets)
}

/// `ovs_flow_key_update()`: re-extracts a key the actions invalidated,
/// keeping its metadata, and marks it valid again.
pub fn update(frame: &[u8], skb: &SkbState, key: &mut FlowKey) -> Result<Offsets, ExtractError> {
    let offsets = key_extract(frame, skb, key)?;
    let mac_proto = key.get_u8(fields::MAC_PROTO);
    key.set_u8(fields::MAC_PROTO, mac_proto & !SW_FLOW_KEY_INVALID);
    Ok(offsets)
}

/// The tunnel a packet arrived by (`ovs_flow_key_extract()` with
/// `tun_info`): `tun_key` is C's `struct ip_tunnel_key` as bytes,
/// `proto` `ip_tunnel_info_af()`; options sit at the end of
/// `tun_opts`. `false` (nothing written) for more than 255 bytes of
/// options, which C's `u8 options_len` cannot hold.
pub fn set_tunnel(key: &mut FlowKey, proto: u8, tun_key: &[u8; 64], opts: &[u8]) -> bool {
    let Ok(len) = u8::try_from(opts.len()) else {
        return false;
    };
    key.set_u8(fields::TUN_PROTO, proto);
    key.set(fields::TUN_KEY, tun_key);
    let at = fields::TUN_OPTS.len - opts.len();
    key.set(
        Field {
            offset: fields::TUN_OPTS.offset + at,
            len: opts.len(),
        },
        opts,
    );
    key.set_u8(fields::TUN_OPTS_LEN, len);
    true
}

/// `key_extract()`: layer 2 on from the bytes, into `key` whose metadata
/// (`mac_proto` included) is already there, as for a packet userspace
/// sends with `OVS_PACKET_CMD_EXECUTE` (`l3_protocol` then being the key's
/// ethertype).
pub fn key_extract(
    frame: &[u8],
    skb: &SkbState,
    key: &mut FlowKey,
) -> Result<Offsets, ExtractError> {
    key.set(fields::TP_FLAGS, &[0, 0]);
    clear(key, KEY_VLANS);
    if key.get_u8(fields::MAC_PROTO) & !SW_FLOW_KEY_INVALID == MacProto::None as u8 {
        if eth_type_vlan(skb.l3_protocol) {
            return Err(ExtractError::L3Vlan);
        }
        key.set_be16(fields::ETH_TYPE, skb.l3_protocol);
        let l4 = l3l4(Packet::whole(frame), 0, 0, skb.gso_udp, key)?;
        return Ok(Offsets {
            vlan_pop: None,
            mac_len: 0,
            network: 0,
            transport: l4.transport,
            inner_network: l4.inner_network,
            protocol: skb.l3_protocol,
        });
    }

    if frame.len() < ETH_HLEN {
        return Err(ExtractError::ShortFrame);
    }
    key.set(fields::ETH_SRC, frame.get(ETH_ALEN..).unwrap_or(&[]));
    key.set(fields::ETH_DST, frame);

    // parse_vlan(); `at` is in the frame as given, before any pop.
    let mut at = 2 * ETH_ALEN;
    let mut vlan_pop = None;
    let outer = match skb.vlan_hwaccel.filter(|t| t.tpid != 0 || t.tci != 0) {
        Some(tag) => Some(tag),
        None => {
            let tag = vlan_tag(frame, at);
            if tag.is_some() {
                vlan_pop = tag;
                at += VLAN_HLEN;
            }
            tag
        }
    };
    let mut inner = None;
    if let Some(tag) = outer {
        set_vlan(key, fields::ETH_VLAN_TPID, fields::ETH_VLAN_TCI, tag);
        inner = vlan_tag(frame, at);
        if let Some(tag) = inner {
            set_vlan(key, fields::ETH_CVLAN_TPID, fields::ETH_CVLAN_TCI, tag);
            at += VLAN_HLEN;
        }
    }

    let (eth_type, l2_end) = parse_ethertype(frame, at);
    key.set_be16(fields::ETH_TYPE, eth_type);
    let protocol = inner.map_or(eth_type, |tag| tag.tpid);

    // From here on offsets are in the frame as C leaves it, tag popped.
    let popped = if vlan_pop.is_some() { VLAN_HLEN } else { 0 };
    let network = l2_end.saturating_sub(popped);
    let packet = Packet {
        base: 2 * ETH_ALEN,
        rest: frame.get(2 * ETH_ALEN + popped..).unwrap_or(&[]),
    };
    let l4 = l3l4(packet, network, network, skb.gso_udp, key)?;
    Ok(Offsets {
        vlan_pop,
        mac_len: network,
        network,
        transport: l4.transport,
        inner_network: l4.inner_network,
        protocol,
    })
}

/// Layer 3 and 4 of [`key_extract_l3l4`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct L3l4Offsets {
    /// As [`Offsets::transport`].
    pub transport: Option<usize>,
    /// As [`Offsets::inner_network`].
    pub inner_network: Option<usize>,
}

/// `ovs_flow_key_update_l3l4()`: layers 3 and 4 again, for conntrack's
/// reassembled packets. `data` is the skb's data, `network` and `mac_len`
/// relative to it.
pub fn key_extract_l3l4(
    data: &[u8],
    network: usize,
    mac_len: usize,
    gso_udp: bool,
    key: &mut FlowKey,
) -> Result<L3l4Offsets, ExtractError> {
    l3l4(Packet::whole(data), network, mac_len, gso_udp, key)
}

/// The skb's bytes as C sees them after the VLAN pop: `base` bytes (the
/// MAC addresses, read before) not kept here, then `rest`. Offsets count
/// from the first of the `base` bytes, as C's count from `skb->data`.
#[derive(Clone, Copy)]
struct Packet<'a> {
    base: usize,
    rest: &'a [u8],
}

impl<'a> Packet<'a> {
    fn whole(data: &'a [u8]) -> Self {
        Packet {
            base: 0,
            rest: data,
        }
    }

    /// `skb->len`.
    fn len(self) -> usize {
        self.base.saturating_add(self.rest.len())
    }

    /// Whether `n` bytes from `at` are there (`pskb_may_pull()`,
    /// `skb->len` checks).
    fn has(self, at: usize, n: usize) -> bool {
        at.checked_add(n).is_some_and(|end| end <= self.len())
    }

    fn bytes(self, at: usize, n: usize) -> Option<&'a [u8]> {
        let i = at.checked_sub(self.base)?;
        self.rest.get(i..i.checked_add(n)?)
    }

    fn array<const N: usize>(self, at: usize) -> Option<[u8; N]> {
        self.bytes(at, N)?.try_into().ok()
    }

    fn u8(self, at: usize) -> Option<u8> {
        self.rest.get(at.checked_sub(self.base)?).copied()
    }

    fn be16(self, at: usize) -> Option<u16> {
        self.array(at).map(u16::from_be_bytes)
    }

    /// Copies `n` bytes at `at` into `field` (the caller checked they are
    /// there).
    fn copy(self, at: usize, n: usize, key: &mut FlowKey, field: Field) {
        key.set(field, self.bytes(at, n).unwrap_or(&[]));
    }
}

fn clear(key: &mut FlowKey, field: Field) {
    key.set(field, &[0; 32]);
}

fn eth_type_vlan(t: u16) -> bool {
    t == ETH_P_8021Q || t == ETH_P_8021AD
}

fn eth_p_mpls(t: u16) -> bool {
    t == ETH_P_MPLS_UC || t == ETH_P_MPLS_MC
}

fn be16_at(s: &[u8], at: usize) -> Option<u16> {
    let b = s.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes(b.try_into().ok()?))
}

/// `parse_vlan_tag()`'s test: a VLAN TPID with its TCI and the next
/// ethertype after it.
fn vlan_tag(frame: &[u8], at: usize) -> Option<VlanTag> {
    let tpid = be16_at(frame, at)?;
    if !eth_type_vlan(tpid) || frame.len().saturating_sub(at) < VLAN_HLEN + 2 {
        return None;
    }
    let tci = be16_at(frame, at + 2)?;
    Some(VlanTag { tpid, tci })
}

fn set_vlan(key: &mut FlowKey, tpid: Field, tci: Field, tag: VlanTag) {
    key.set_be16(tpid, tag.tpid);
    key.set_be16(tci, tag.tci | VLAN_CFI_MASK);
}

/// `parse_ethertype()` at `at`: the ethertype and where layer 2 ends.
/// 802.3 lengths give `ETH_P_802_2`, past a SNAP header whose OUI is 0.
fn parse_ethertype(frame: &[u8], at: usize) -> (u16, usize) {
    // Two bytes are always there: the Ethernet header check and the VLAN
    // tag checks leave at least that much.
    let proto = be16_at(frame, at).unwrap_or(0);
    let at = at + 2;
    if proto >= ETH_P_802_3_MIN {
        return (proto, at);
    }
    let Some(llc) = frame.get(at..at + LLC_SNAP_HLEN) else {
        return (ETH_P_802_2, at);
    };
    match llc {
        [LLC_SAP_SNAP, LLC_SAP_SNAP, _, 0, 0, 0, hi, lo] => {
            let snap_type = u16::from_be_bytes([*hi, *lo]);
            if snap_type >= ETH_P_802_3_MIN {
                (snap_type, at + LLC_SNAP_HLEN)
            } else {
                (ETH_P_802_2, at + LLC_SNAP_HLEN)
            }
        }
        _ => (ETH_P_802_2, at),
    }
}

/// `key_extract_l3l4()`.
fn l3l4(
    p: Packet<'_>,
    nh: usize,
    mac_len: usize,
    gso_udp: bool,
    key: &mut FlowKey,
) -> Result<L3l4Offsets, ExtractError> {
    let mut out = L3l4Offsets::default();
    match key.get_be16(fields::ETH_TYPE) {
        ETH_P_IP => out.transport = Some(ipv4(p, nh, gso_udp, key)),
        ETH_P_ARP | ETH_P_RARP => arp(p, nh, key),
        t if eth_p_mpls(t) => out.inner_network = Some(mpls(p, mac_len, key)),
        ETH_P_IPV6 => out.transport = ipv6(p, nh, gso_udp, key),
        ETH_P_NSH => nsh(p, nh, key)?,
        _ => {}
    }
    Ok(out)
}

/// IPv4 and what it carries; returns the transport offset.
fn ipv4(p: Packet<'_>, nh: usize, gso_udp: bool, key: &mut FlowKey) -> usize {
    // check_iphdr()
    let ihl = p.u8(nh).map_or(0, |b| usize::from(b & 0x0f) * 4);
    if !p.has(nh, 20) || ihl < 20 || !p.has(nh, ihl) {
        clear(key, KEY_IP);
        clear(key, KEY_IPV4);
        return nh;
    }
    let th = nh + ihl;
    p.copy(nh + 12, 4, key, fields::IPV4_SRC);
    p.copy(nh + 16, 4, key, fields::IPV4_DST);
    let proto = p.u8(nh + 9).unwrap_or(0);
    key.set_u8(fields::IP_PROTO, proto);
    key.set_u8(fields::IP_TOS, p.u8(nh + 1).unwrap_or(0));
    key.set_u8(fields::IP_TTL, p.u8(nh + 8).unwrap_or(0));
    let frag_off = p.be16(nh + 6).unwrap_or(0);
    if frag_off & IP_OFFSET != 0 {
        key.set_u8(fields::IP_FRAG, OVS_FRAG_TYPE_LATER);
        clear(key, KEY_TP);
        return th;
    }
    let first = frag_off & IP_MF != 0 || gso_udp;
    key.set_u8(
        fields::IP_FRAG,
        if first {
            OVS_FRAG_TYPE_FIRST
        } else {
            OVS_FRAG_TYPE_NONE
        },
    );
    if proto == IPPROTO_ICMP {
        icmp_type_code(p, th, key);
    } else {
        ports(p, th, proto, key);
    }
    th
}

/// TCP, UDP and SCTP ports (and TCP flags); `key->tp` zeroed when the
/// header is short (`tcphdr_ok()` and friends).
fn ports(p: Packet<'_>, th: usize, proto: u8, key: &mut FlowKey) {
    let ok = match proto {
        IPPROTO_TCP => {
            let doff = p.u8(th + 12).map_or(0, |b| usize::from(b >> 4) * 4);
            p.has(th, 20) && doff >= 20 && p.has(th, doff)
        }
        IPPROTO_UDP => p.has(th, 8),
        IPPROTO_SCTP => p.has(th, 12),
        _ => return,
    };
    if !ok {
        clear(key, KEY_TP);
        return;
    }
    p.copy(th, 2, key, fields::TP_SRC);
    p.copy(th + 2, 2, key, fields::TP_DST);
    if proto == IPPROTO_TCP {
        // TCP_FLAGS_BE16(): the data offset's byte without the offset.
        let [hi, lo] = p.array::<2>(th + 12).unwrap_or([0, 0]);
        key.set(fields::TP_FLAGS, &[hi & 0x0f, lo]);
    }
}

/// ICMP's type and code in the port fields, as `htons()` of each;
/// `key->tp` zeroed when the 8-byte header is short. Returns whether it
/// was there.
fn icmp_type_code(p: Packet<'_>, th: usize, key: &mut FlowKey) -> bool {
    match p.array::<2>(th) {
        Some([ty, code]) if p.has(th, 8) => {
            key.set_be16(fields::TP_SRC, u16::from(ty));
            key.set_be16(fields::TP_DST, u16::from(code));
            true
        }
        _ => {
            clear(key, KEY_TP);
            false
        }
    }
}

/// ARP and RARP for Ethernet and IPv4 only; anything else, or a short
/// header, zeroes `key->ip` and `key->ipv4`.
fn arp(p: Packet<'_>, nh: usize, key: &mut FlowKey) {
    let ok = p.has(nh, 28)
        && p.be16(nh) == Some(1)
        && p.be16(nh + 2) == Some(ETH_P_IP)
        && p.u8(nh + 4) == Some(ETH_ALEN as u8)
        && p.u8(nh + 5) == Some(4);
    if !ok {
        clear(key, KEY_IP);
        clear(key, KEY_IPV4);
        return;
    }
    // Only the opcode's low 8 bits are matched; larger ones read as 0.
    let op = p.be16(nh + 6).unwrap_or(0);
    key.set_u8(fields::IP_PROTO, u8::try_from(op).unwrap_or(0));
    p.copy(nh + 14, 4, key, fields::IPV4_SRC);
    p.copy(nh + 24, 4, key, fields::IPV4_DST);
    p.copy(nh + 8, 6, key, fields::ARP_SHA);
    p.copy(nh + 18, 6, key, fields::ARP_THA);
}

/// The MPLS label stack from `mac_len` to the bottom of stack (at most 3
/// kept); returns the inner network offset. A stack cut short keeps
/// `num_labels_mask` 0, with the labels read so far.
fn mpls(p: Packet<'_>, mac_len: usize, key: &mut FlowKey) -> usize {
    clear(key, KEY_MPLS);
    let mut inner = mac_len;
    let mut count: usize = 1;
    loop {
        let Some(lse) = p.array::<4>(inner) else {
            return inner;
        };
        if count <= MPLS_LABEL_DEPTH {
            let slot = Field {
                offset: fields::MPLS_LSE.offset + (count - 1) * MPLS_HLEN,
                len: MPLS_HLEN,
            };
            key.set(slot, &lse);
        }
        let Some(next) = inner.checked_add(MPLS_HLEN) else {
            return inner;
        };
        inner = next;
        // MPLS_LS_S_MASK: bottom of stack.
        if lse[2] & 1 != 0 {
            break;
        }
        count = count.saturating_add(1);
    }
    let depth = count.min(MPLS_LABEL_DEPTH);
    key.set_u32(fields::MPLS_NUM_LABELS_MASK, (1u32 << depth) - 1);
    inner
}

/// IPv6 and what it carries (`parse_ipv6hdr()` and the rest of
/// `key_extract_l3l4()`'s IPv6 branch); returns the transport offset,
/// `None` where C leaves it alone (later fragments).
fn ipv6(p: Packet<'_>, nh: usize, gso_udp: bool, key: &mut FlowKey) -> Option<usize> {
    if !p.has(nh, 40) {
        clear(key, KEY_IP);
        clear(key, KEY_IPV6_ADDR);
        return Some(nh);
    }
    key.set(fields::IPV6_EXTHDRS, &ipv6_exthdrs(p, nh).to_ne_bytes());
    key.set_u8(fields::IP_PROTO, NEXTHDR_NONE);
    let [b0, b1, b2, b3] = p.array::<4>(nh).unwrap_or([0; 4]);
    key.set_u8(fields::IP_TOS, (b0 << 4) | (b1 >> 4));
    key.set_u8(fields::IP_TTL, p.u8(nh + 7).unwrap_or(0));
    key.set(fields::IPV6_LABEL, &[0, b1 & 0x0f, b2, b3]);
    p.copy(nh + 8, 16, key, fields::IPV6_SRC);
    p.copy(nh + 24, 16, key, fields::IPV6_DST);

    let found = ipv6_find_hdr(p, nh);
    if found.frag {
        if found.frag_off != 0 {
            key.set_u8(fields::IP_FRAG, OVS_FRAG_TYPE_LATER);
            key.set_u8(fields::IP_PROTO, NEXTHDR_FRAGMENT);
            clear(key, KEY_TP);
            return None;
        }
        key.set_u8(fields::IP_FRAG, OVS_FRAG_TYPE_FIRST);
    } else {
        key.set_u8(fields::IP_FRAG, OVS_FRAG_TYPE_NONE);
    }
    let Some((proto, th)) = found.next else {
        // ipv6_find_hdr() failed (-EPROTO): C keeps NEXTHDR_NONE and
        // succeeds.
        return Some(nh);
    };
    key.set_u8(fields::IP_PROTO, proto);
    if gso_udp {
        key.set_u8(fields::IP_FRAG, OVS_FRAG_TYPE_FIRST);
    }
    if proto == NEXTHDR_ICMP {
        if icmp_type_code(p, th, key) {
            nd(p, th, key);
        }
    } else {
        ports(p, th, proto, key);
    }
    Some(th)
}

/// `ipv6_ext_hdr()`: what both walks treat as an extension header.
fn ipv6_ext_hdr(next: u8) -> bool {
    matches!(
        next,
        NEXTHDR_HOP
            | NEXTHDR_ROUTING
            | NEXTHDR_FRAGMENT
            | NEXTHDR_AUTH
            | NEXTHDR_NONE
            | NEXTHDR_DEST
    )
}

/// `get_ipv6_ext_hdrs()`: which extension headers there are, repeated
/// (UNREP) or out of RFC 2460's order (UNSEQ).
fn ipv6_exthdrs(p: Packet<'_>, nh: usize) -> u16 {
    use exthdr::*;
    let mut ext = 0u16;
    let Some(mut next) = p.u8(nh + 6) else {
        return ext;
    };
    let mut start = nh + 40;
    let mut dest_count = 0u32;
    while ipv6_ext_hdr(next) {
        match next {
            NEXTHDR_NONE => return ext | NONEXT,
            NEXTHDR_AUTH => {
                if ext & AUTH != 0 {
                    ext |= UNREP;
                }
                if ext & !(HOP | DEST | ROUTER | FRAG | UNREP) != 0 || dest_count >= 2 {
                    ext |= UNSEQ;
                }
                ext |= AUTH;
            }
            NEXTHDR_DEST => {
                if dest_count == 0 {
                    if ext & !(HOP | UNREP) != 0 {
                        ext |= UNSEQ;
                    }
                    ext |= DEST;
                } else if dest_count == 1 {
                    if ext & !(HOP | DEST | ROUTER | FRAG | AUTH | ESP | UNREP) != 0 {
                        ext |= UNSEQ;
                    }
                } else {
                    ext |= UNREP;
                }
                dest_count = dest_count.saturating_add(1);
            }
            NEXTHDR_FRAGMENT => {
                if ext & FRAG != 0 {
                    ext |= UNREP;
                }
                if ext & !(HOP | DEST | ROUTER | UNREP) != 0 || dest_count >= 2 {
                    ext |= UNSEQ;
                }
                ext |= FRAG;
            }
            NEXTHDR_ROUTING => {
                if ext & ROUTER != 0 {
                    ext |= UNREP;
                }
                if ext & !(HOP | DEST | UNREP) != 0 || dest_count >= 2 {
                    ext |= UNSEQ;
                }
                ext |= ROUTER;
            }
            // NEXTHDR_HOP, the only one left.
            _ => {
                if ext & HOP != 0 {
                    ext |= UNREP;
                }
                if ext == 0 {
                    ext |= HOP;
                } else {
                    ext |= UNSEQ;
                }
            }
        }
        let Some([hdr_next, hdrlen]) = p.array::<2>(start) else {
            break;
        };
        next = hdr_next;
        // ipv6_optlen() for every header, AH and fragment included.
        let Some(s) = start.checked_add((usize::from(hdrlen) + 1) * 8) else {
            break;
        };
        start = s;
    }
    ext
}

/// What `ipv6_find_hdr(skb, &offset, -1, &frag_off, &flags)` leaves.
struct FoundHdr {
    /// The upper-layer protocol and its offset; `None` for C's negative
    /// returns.
    next: Option<(u8, usize)>,
    /// `IP6_FH_F_FRAG`: a fragment header was reached.
    frag: bool,
    /// The fragment offset of a non-first fragment, else 0.
    frag_off: u16,
}

/// `ipv6_find_hdr()` with no target: the first header that is not an
/// extension header, or `NEXTHDR_NONE`.
fn ipv6_find_hdr(p: Packet<'_>, nh: usize) -> FoundHdr {
    let mut found = FoundHdr {
        next: None,
        frag: false,
        frag_off: 0,
    };
    let Some(mut next) = p.u8(nh + 6) else {
        return found;
    };
    let mut start = nh + 40;
    let mut count = 0u32;
    while ipv6_ext_hdr(next) && next != NEXTHDR_NONE {
        if count >= IP6_MAX_EXT_HDRS_CNT {
            return found;
        }
        count += 1;
        let Some([hdr_next, hdrlen]) = p.array::<2>(start) else {
            return found;
        };
        // struct ipv6_rt_hdr must be there too.
        if next == NEXTHDR_ROUTING && !p.has(start, 4) {
            return found;
        }
        let len = match next {
            NEXTHDR_FRAGMENT => {
                found.frag = true;
                let Some(frag_off) = p.be16(start + 2) else {
                    return found;
                };
                let frag_off = frag_off & !7;
                if frag_off != 0 {
                    // A later fragment: known only if the next header is
                    // not another extension header.
                    if !ipv6_ext_hdr(hdr_next) || hdr_next == NEXTHDR_NONE {
                        found.frag_off = frag_off;
                        found.next = Some((hdr_next, start));
                    }
                    return found;
                }
                8
            }
            NEXTHDR_AUTH => (usize::from(hdrlen) + 2) * 4,
            _ => (usize::from(hdrlen) + 1) * 8,
        };
        if p.len().saturating_sub(start) < len {
            return found;
        }
        next = hdr_next;
        start += len;
    }
    found.next = Some((next, start));
    found
}

/// `parse_icmpv6()`'s neighbour discovery part: the target and the
/// link-layer address options of a solicitation or advertisement.
fn nd(p: Packet<'_>, th: usize, key: &mut FlowKey) {
    let (Some(ty), Some(0)) = (p.u8(th), p.u8(th + 1)) else {
        return;
    };
    if ty != NDISC_NEIGHBOUR_SOLICITATION && ty != NDISC_NEIGHBOUR_ADVERTISEMENT {
        return;
    }
    clear(key, KEY_ND);
    let mut left = p.len().saturating_sub(th);
    if left < ND_MSG_LEN {
        return;
    }
    p.copy(th + 8, 16, key, fields::ND_TARGET);
    left -= ND_MSG_LEN;
    let mut opt = th + ND_MSG_LEN;
    while left >= 8 {
        let (Some(kind), Some(units)) = (p.u8(opt), p.u8(opt + 1)) else {
            return;
        };
        let len = usize::from(units) * 8;
        if len == 0 || len > left {
            return;
        }
        let field = match kind {
            ND_OPT_SOURCE_LL_ADDR if len == 8 => Some(fields::ND_SLL),
            ND_OPT_TARGET_LL_ADDR if len == 8 => Some(fields::ND_TLL),
            _ => None,
        };
        if let Some(field) = field {
            if key.get(field).iter().any(|&b| b != 0) {
                // The same option twice: C keeps none of the ND fields.
                clear(key, KEY_ND);
                return;
            }
            p.copy(opt + 2, ETH_ALEN, key, field);
        }
        left -= len;
        opt += len;
    }
}

/// `parse_nsh()`: the base header and MD type 1 context.
fn nsh(p: Packet<'_>, nh: usize, key: &mut FlowKey) -> Result<(), ExtractError> {
    if !p.has(nh, NSH_BASE_HDR_LEN) {
        return Err(ExtractError::NshTruncated);
    }
    let word = p.be16(nh).unwrap_or(0);
    let version = (word >> 14) as u8;
    let length = usize::from(word & 0x3f) * 4;
    if version != 0 {
        return Err(ExtractError::NshVersion(version));
    }
    if !p.has(nh, length) {
        return Err(ExtractError::NshTruncated);
    }
    let mdtype = p.u8(nh + 2).unwrap_or(0);
    let flags = ((word & 0x3000) >> 12) as u8;
    let ttl = ((word & 0x0fc0) >> 6) as u8;
    key.set(
        fields::NSH_BASE,
        &[flags, ttl, mdtype, p.u8(nh + 3).unwrap_or(0)],
    );
    key.set(
        Field {
            offset: fields::NSH_BASE.offset + 4,
            len: 4,
        },
        p.bytes(nh + 4, 4).unwrap_or(&[]),
    );
    match mdtype {
        NSH_M_TYPE1 if length != NSH_M_TYPE1_LEN => Err(ExtractError::NshMd1Length(length)),
        NSH_M_TYPE1 => {
            p.copy(nh + 8, 16, key, fields::NSH_CONTEXT);
            Ok(())
        }
        NSH_M_TYPE2 => {
            clear(key, fields::NSH_CONTEXT);
            Ok(())
        }
        _ => Err(ExtractError::NshMdType(mdtype)),
    }
}

/// `sw_flow_key_is_nd()`.
fn is_nd(key: &FlowKey) -> bool {
    key.get_be16(fields::ETH_TYPE) == ETH_P_IPV6
        && key.get_u8(fields::IP_PROTO) == NEXTHDR_ICMP
        && key.get_be16(fields::TP_DST) == 0
        && matches!(
            key.get_be16(fields::TP_SRC),
            135 | 136 // NDISC_NEIGHBOUR_SOLICITATION, _ADVERTISEMENT
        )
}

/// `ovs_ct_fill_key()`'s writes: the original tuple only where the key's
/// own protocol agrees (and not over ND's fields), else `ct_orig_proto`
/// 0 says there is none.
fn fill_ct(key: &mut FlowKey, ct: &CtMeta) {
    key.set_u8(fields::CT_STATE, ct.state);
    key.set(fields::CT_ZONE, &ct.zone.to_ne_bytes());
    key.set_u32(fields::CT_MARK, ct.mark);
    key.set(fields::CT_LABELS, &ct.labels);
    if let Some(orig) = ct.orig {
        let eth_type = key.get_be16(fields::ETH_TYPE);
        let done = match orig.addrs {
            CtOrigAddrs::V4 { src, dst } if eth_type == ETH_P_IP => {
                key.set(fields::IPV4_CT_ORIG_SRC, &src);
                key.set(fields::IPV4_CT_ORIG_DST, &dst);
                true
            }
            CtOrigAddrs::V6 { src, dst } if eth_type == ETH_P_IPV6 && !is_nd(key) => {
                key.set(fields::IPV6_CT_ORIG_SRC, &src);
                key.set(fields::IPV6_CT_ORIG_DST, &dst);
                true
            }
            _ => false,
        };
        if done {
            key.set_u8(fields::CT_ORIG_PROTO, orig.proto);
            key.set_be16(fields::CT_ORIG_TP_SRC, orig.tp_src);
            key.set_be16(fields::CT_ORIG_TP_DST, orig.tp_dst);
            return;
        }
    }
    key.set_u8(fields::CT_ORIG_PROTO, 0);
}

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_flow_extract))]
#[cfg_attr(not(MODULE), cfg(test))]
mod tests {
    use super::*;

    type TestResult = core::result::Result<(), &'static str>;

    fn check(ok: bool, what: &'static str) -> TestResult {
        if ok {
            Ok(())
        } else {
            Err(what)
        }
    }

    const DST: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
    const SRC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
    const IP6_SRC: [u8; 16] = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const IP6_DST: [u8; 16] = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
    const MAC_A: [u8; 6] = [0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f];
    const MAC_B: [u8; 6] = [0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f];

    /// A frame built in place (KUnit tests do not allocate).
    #[derive(Clone)]
    struct Frame {
        b: [u8; 256],
        n: usize,
    }

    impl Frame {
        fn new() -> Self {
            Frame { b: [0; 256], n: 0 }
        }

        fn eth(ty: u16) -> Self {
            let mut f = Frame::new();
            f.put(&DST).put(&SRC).be16(ty);
            f
        }

        fn put(&mut self, s: &[u8]) -> &mut Self {
            for &x in s {
                if let Some(d) = self.b.get_mut(self.n) {
                    *d = x;
                    self.n += 1;
                }
            }
            self
        }

        fn be16(&mut self, v: u16) -> &mut Self {
            self.put(&v.to_be_bytes())
        }

        fn set(&mut self, at: usize, v: u8) {
            if let Some(d) = self.b.get_mut(at) {
                *d = v;
            }
        }

        fn bytes(&self) -> &[u8] {
            self.b.get(..self.n).unwrap_or(&[])
        }

        /// IPv4, 20 bytes: ToS 0x1c, TTL 64, 10.0.0.1 > 10.0.0.2.
        fn ipv4(&mut self, proto: u8, frag_off: u16) -> &mut Self {
            self.put(&[0x45, 0x1c, 0, 0, 0, 0])
                .be16(frag_off)
                .put(&[64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2])
        }

        /// IPv6: traffic class 0xab, flow label 0x12345, hop limit 33.
        fn ipv6(&mut self, next: u8) -> &mut Self {
            self.put(&[0x6a, 0xb1, 0x23, 0x45, 0, 0, next, 33])
                .put(&IP6_SRC)
                .put(&IP6_DST)
        }

        /// TCP 0x1234 > 80, SYN|ACK and the NS bit, 20 bytes.
        fn tcp(&mut self) -> &mut Self {
            self.put(&[0x12, 0x34, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0, 0x51, 0x12])
                .put(&[0; 6])
        }

        fn udp(&mut self) -> &mut Self {
            self.put(&[0x14, 0xe9, 0, 53, 0, 8, 0, 0])
        }

        /// An IPv6 option-style extension header of `(len + 1) * 8` bytes.
        fn ext(&mut self, next: u8, len: u8) -> &mut Self {
            self.put(&[next, len]);
            for _ in 0..(usize::from(len) + 1) * 8 - 2 {
                self.put(&[0]);
            }
            self
        }

        /// An IPv6 fragment header: offset in 8-byte units.
        fn frag(&mut self, next: u8, offset: u16, more: bool) -> &mut Self {
            self.put(&[next, 0])
                .be16((offset << 3) | u16::from(more))
                .put(&[0, 0, 0, 1])
        }
    }

    fn meta() -> PacketMeta {
        PacketMeta {
            in_port: 3,
            priority: 7,
            skb_mark: 9,
            recirc_id: 0,
            mac_proto: MacProto::Ethernet,
            skb: SkbState::default(),
            ct: CtMeta::default(),
        }
    }

    fn run_meta(frame: &[u8], meta: &PacketMeta) -> Result<(FlowKey, Offsets), &'static str> {
        let mut key = FlowKey::default();
        let o = extract(frame, meta, &mut key).map_err(|_| "extract failed")?;
        Ok((key, o))
    }

    fn run(frame: &[u8]) -> Result<(FlowKey, Offsets), &'static str> {
        run_meta(frame, &meta())
    }

    /// `second` re-extracted into the key of `first`, as
    /// `ovs_flow_key_update()` does: shows what C leaves alone.
    fn rerun(first: &[u8], second: &[u8]) -> Result<(FlowKey, Offsets), &'static str> {
        let (mut key, _) = run(first)?;
        let o = update(second, &SkbState::default(), &mut key).map_err(|_| "update failed")?;
        Ok((key, o))
    }

    fn zero(key: &FlowKey, field: Field) -> bool {
        key.get(field).iter().all(|&b| b == 0)
    }

    fn offsets(network: usize, transport: Option<usize>, protocol: u16) -> Offsets {
        Offsets {
            vlan_pop: None,
            mac_len: network,
            network,
            transport,
            inner_network: None,
            protocol,
        }
    }

    #[test]
    fn tcp_over_ipv4() -> TestResult {
        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(IPPROTO_TCP, 0).tcp();
        let (k, o) = run(f.bytes())?;
        check(o == offsets(14, Some(34), ETH_P_IP), "offsets")?;
        check(k.get(fields::ETH_DST) == DST, "eth dst")?;
        check(k.get(fields::ETH_SRC) == SRC, "eth src")?;
        check(k.get_be16(fields::ETH_TYPE) == ETH_P_IP, "eth type")?;
        check(zero(&k, KEY_VLANS), "no vlan")?;
        check(k.get(KEY_IP) == [IPPROTO_TCP, 0x1c, 64, 0], "ip")?;
        check(k.get(fields::IPV4_SRC) == [10, 0, 0, 1], "src")?;
        check(k.get(fields::IPV4_DST) == [10, 0, 0, 2], "dst")?;
        check(k.get(fields::TP_SRC) == [0x12, 0x34], "sport")?;
        check(k.get(fields::TP_DST) == [0, 80], "dport")?;
        check(
            k.get(fields::TP_FLAGS) == [0x01, 0x12],
            "flags, offset masked",
        )?;
        check(k.get_u32(fields::PHY_PRIORITY) == 7, "priority")?;
        check(k.get_u32(fields::PHY_SKB_MARK) == 9, "mark")?;
        check(k.get(fields::PHY_IN_PORT) == 3u16.to_ne_bytes(), "in_port")?;
        check(k.get_u8(fields::MAC_PROTO) == 1, "mac_proto")?;
        check(k.get_u32(fields::OVS_FLOW_HASH) == 0, "dp_hash")?;
        check(k.get_u32(fields::RECIRC_ID) == 0, "recirc_id")?;
        check(
            zero(&k, span(fields::TUN_OPTS, fields::TUN_FLOW_FLAGS)),
            "tunnel",
        )?;
        check(zero(&k, fields::TUN_PROTO), "tun_proto")?;
        check(zero(&k, fields::CT_ORIG_PROTO), "ct_orig_proto")
    }

    #[test]
    fn udp_sctp_icmp_and_other_ipv4() -> TestResult {
        let mut f = Frame::eth(ETH_P_IP);
        // IHL 6: one word of options.
        f.put(&[0x46, 0, 0, 0, 0, 0, 0, 0, 1, IPPROTO_UDP, 0, 0])
            .put(&[1, 2, 3, 4, 5, 6, 7, 8, 1, 0, 0, 0])
            .udp();
        let (k, o) = run(f.bytes())?;
        check(o.transport == Some(38), "udp after options")?;
        check(k.get(fields::TP_SRC) == [0x14, 0xe9], "udp sport")?;
        check(k.get(fields::TP_DST) == [0, 53], "udp dport")?;
        check(zero(&k, fields::TP_FLAGS), "no flags")?;

        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(IPPROTO_SCTP, 0)
            .put(&[0, 7, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8]);
        let (k, _) = run(f.bytes())?;
        check(k.get(KEY_TP) == [0, 7, 0, 9, 0, 0], "sctp")?;

        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(IPPROTO_ICMP, 0).put(&[8, 3, 0, 0, 0, 0, 0, 0]);
        let (k, _) = run(f.bytes())?;
        check(k.get(KEY_TP) == [0, 8, 0, 3, 0, 0], "icmp type and code")?;

        // GRE: no ports.
        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(47, 0).put(&[0xff; 8]);
        let (k, o) = run(f.bytes())?;
        check(o.transport == Some(34), "gre transport")?;
        check(k.get_u8(fields::IP_PROTO) == 47, "gre proto")?;
        check(zero(&k, KEY_TP), "gre tp")
    }

    #[test]
    fn truncated_ipv4_header_clears_ip_and_succeeds() -> TestResult {
        let mut good = Frame::eth(ETH_P_IP);
        good.ipv4(IPPROTO_TCP, 0).tcp();
        let mut short = Frame::eth(ETH_P_IP);
        short.ipv4(IPPROTO_TCP, 0);
        short.n -= 1;
        let (k, o) = rerun(good.bytes(), short.bytes())?;
        check(o == offsets(14, Some(14), ETH_P_IP), "transport = network")?;
        check(
            zero(&k, KEY_IP) && zero(&k, KEY_IPV4),
            "ip and ipv4 cleared",
        )?;
        check(
            k.get(fields::TP_SRC) == [0x12, 0x34],
            "ports left as they were",
        )?;
        check(zero(&k, fields::TP_FLAGS), "flags always reset")?;
        check(k.get_be16(fields::ETH_TYPE) == ETH_P_IP, "still IPv4")?;

        // IHL below 5, and IHL past the end.
        for ihl_byte in [0x44u8, 0x4f] {
            let mut f = good.clone();
            f.set(14, ihl_byte);
            let (k, o) = rerun(good.bytes(), f.bytes())?;
            check(o.transport == Some(14), "bad ihl: transport")?;
            check(zero(&k, KEY_IP) && zero(&k, KEY_IPV4), "bad ihl: cleared")?;
        }
        Ok(())
    }

    #[test]
    fn truncated_transport_headers_zero_ports() -> TestResult {
        let mut good = Frame::eth(ETH_P_IP);
        good.ipv4(IPPROTO_TCP, 0).tcp();
        // TCP one byte short, data offset 4, data offset past the end.
        let mut short = good.clone();
        short.n -= 1;
        let mut doff4 = good.clone();
        doff4.set(46, 0x41);
        let mut doff15 = good.clone();
        doff15.set(46, 0xf1);
        for f in [&short, &doff4, &doff15] {
            let (k, o) = rerun(good.bytes(), f.bytes())?;
            check(o.transport == Some(34), "tcp: transport")?;
            check(zero(&k, KEY_TP), "tcp: tp cleared")?;
            check(k.get(KEY_IP) == [IPPROTO_TCP, 0x1c, 64, 0], "tcp: ip kept")?;
        }
        for (proto, need) in [(IPPROTO_UDP, 8), (IPPROTO_SCTP, 12), (IPPROTO_ICMP, 8)] {
            let mut f = Frame::eth(ETH_P_IP);
            f.ipv4(proto, 0).put(&[0xee; 12]);
            f.n = 34 + need - 1;
            let (k, _) = rerun(good.bytes(), f.bytes())?;
            check(zero(&k, KEY_TP), "short l4: tp cleared")?;
            check(k.get_u8(fields::IP_PROTO) == proto, "short l4: proto")?;
        }
        Ok(())
    }

    #[test]
    fn ipv4_fragments() -> TestResult {
        let mut first = Frame::eth(ETH_P_IP);
        first.ipv4(IPPROTO_TCP, IP_MF).tcp();
        let (k, _) = run(first.bytes())?;
        check(
            k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_FIRST,
            "MF: first",
        )?;
        check(k.get(fields::TP_DST) == [0, 80], "first has ports")?;

        // A later fragment whose payload looks like TCP: no ports.
        let mut later = Frame::eth(ETH_P_IP);
        later.ipv4(IPPROTO_TCP, 185).tcp();
        let (k, o) = rerun(first.bytes(), later.bytes())?;
        check(k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_LATER, "later")?;
        check(zero(&k, KEY_TP), "later: tp cleared")?;
        check(o.transport == Some(34), "later: transport set")?;
        check(k.get(fields::IPV4_SRC) == [10, 0, 0, 1], "later: addresses")?;

        let mut plain = Frame::eth(ETH_P_IP);
        plain.ipv4(IPPROTO_UDP, 0x4000).udp(); // DF only
        let (k, _) = run(plain.bytes())?;
        check(k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_NONE, "DF: none")?;
        let mut m = meta();
        m.skb.gso_udp = true;
        let (k, _) = run_meta(plain.bytes(), &m)?;
        check(
            k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_FIRST,
            "gso udp: first",
        )
    }

    fn arp_frame(ty: u16, op: u16) -> Frame {
        let mut f = Frame::eth(ty);
        f.put(&[0, 1, 8, 0, 6, 4])
            .be16(op)
            .put(&MAC_A)
            .put(&[192, 168, 0, 1])
            .put(&MAC_B)
            .put(&[192, 168, 0, 2]);
        f
    }

    #[test]
    fn arp_and_rarp() -> TestResult {
        let f = arp_frame(ETH_P_ARP, 1);
        let (k, o) = run(f.bytes())?;
        check(o == offsets(14, None, ETH_P_ARP), "offsets")?;
        check(k.get(KEY_IP) == [1, 0, 0, 0], "opcode in proto only")?;
        check(k.get(fields::IPV4_SRC) == [192, 168, 0, 1], "sip")?;
        check(k.get(fields::IPV4_DST) == [192, 168, 0, 2], "tip")?;
        check(k.get(fields::ARP_SHA) == MAC_A, "sha")?;
        check(k.get(fields::ARP_THA) == MAC_B, "tha")?;

        let (k, _) = run(arp_frame(ETH_P_RARP, 3).bytes())?;
        check(k.get_u8(fields::IP_PROTO) == 3, "rarp")?;
        let (k, _) = run(arp_frame(ETH_P_ARP, 0x0102).bytes())?;
        check(k.get_u8(fields::IP_PROTO) == 0, "opcode past 0xff reads 0")?;
        check(k.get(fields::ARP_SHA) == MAC_A, "still parsed")?;

        // Not Ethernet/IPv4, or short: ip and ipv4 cleared.
        let mut tcp = Frame::eth(ETH_P_IP);
        tcp.ipv4(IPPROTO_TCP, 0).tcp();
        let mut bad_hln = arp_frame(ETH_P_ARP, 1);
        bad_hln.set(18, 8);
        let mut bad_hrd = arp_frame(ETH_P_ARP, 1);
        bad_hrd.set(15, 6);
        let mut short = arp_frame(ETH_P_ARP, 1);
        short.n -= 1;
        for f in [&bad_hln, &bad_hrd, &short] {
            let (k, o) = rerun(tcp.bytes(), f.bytes())?;
            check(zero(&k, KEY_IP) && zero(&k, KEY_IPV4), "bad arp: cleared")?;
            check(o.transport.is_none(), "bad arp: transport untouched")?;
        }
        Ok(())
    }

    #[test]
    fn in_packet_vlan_is_popped() -> TestResult {
        let mut f = Frame::eth(ETH_P_8021Q);
        // PCP 1, DEI set, VID 5.
        f.be16(0x3005).be16(ETH_P_ARP);
        let arp = arp_frame(ETH_P_ARP, 2);
        f.put(arp.bytes().get(14..).unwrap_or(&[]));
        let (k, o) = run(f.bytes())?;
        check(
            o.vlan_pop
                == Some(VlanTag {
                    tpid: ETH_P_8021Q,
                    tci: 0x3005,
                }),
            "tag to pop, TCI as sent",
        )?;
        check(o.network == 14 && o.mac_len == 14, "offsets after the pop")?;
        check(o.protocol == ETH_P_ARP, "protocol")?;
        check(k.get_be16(fields::ETH_VLAN_TPID) == ETH_P_8021Q, "tpid")?;
        check(k.get_be16(fields::ETH_VLAN_TCI) == 0x3005, "tci keeps DEI")?;
        check(
            zero(&k, span(fields::ETH_CVLAN_TPID, fields::ETH_CVLAN_TCI)),
            "no cvlan",
        )?;
        check(k.get_be16(fields::ETH_TYPE) == ETH_P_ARP, "type")?;
        check(
            k.get(fields::ARP_SHA) == MAC_A && k.get_u8(fields::IP_PROTO) == 2,
            "arp",
        )?;

        let mut f = Frame::eth(ETH_P_8021Q);
        f.be16(0x0005).be16(ETH_P_IP).ipv4(IPPROTO_UDP, 0).udp();
        let (k, o) = run(f.bytes())?;
        check(
            k.get_be16(fields::ETH_VLAN_TCI) == 0x1005,
            "VLAN_CFI_MASK added",
        )?;
        check(o.transport == Some(34), "transport after the pop")?;
        check(k.get(fields::TP_DST) == [0, 53], "udp under the tag")
    }

    #[test]
    fn double_tagged() -> TestResult {
        let mut f = Frame::eth(ETH_P_8021AD);
        f.be16(0x0064)
            .be16(ETH_P_8021Q)
            .be16(0x000a)
            .be16(ETH_P_IP)
            .ipv4(IPPROTO_UDP, 0)
            .udp();
        let (k, o) = run(f.bytes())?;
        check(
            o == Offsets {
                vlan_pop: Some(VlanTag {
                    tpid: ETH_P_8021AD,
                    tci: 0x0064,
                }),
                mac_len: 18,
                network: 18,
                transport: Some(38),
                inner_network: None,
                protocol: ETH_P_8021Q,
            },
            "offsets; protocol is the inner TPID",
        )?;
        check(
            k.get_be16(fields::ETH_VLAN_TPID) == ETH_P_8021AD,
            "outer tpid",
        )?;
        check(k.get_be16(fields::ETH_VLAN_TCI) == 0x1064, "outer tci")?;
        check(
            k.get_be16(fields::ETH_CVLAN_TPID) == ETH_P_8021Q,
            "inner tpid",
        )?;
        check(k.get_be16(fields::ETH_CVLAN_TCI) == 0x100a, "inner tci")?;
        check(k.get_be16(fields::ETH_TYPE) == ETH_P_IP, "type")?;

        // A third tag is the ethertype.
        let mut f = Frame::eth(ETH_P_8021Q);
        f.be16(1)
            .be16(ETH_P_8021Q)
            .be16(2)
            .be16(ETH_P_8021Q)
            .be16(3);
        f.be16(ETH_P_IP).ipv4(IPPROTO_UDP, 0).udp();
        let (k, o) = run(f.bytes())?;
        check(
            k.get_be16(fields::ETH_TYPE) == ETH_P_8021Q,
            "third tag as type",
        )?;
        check(
            o.network == 18 && o.transport.is_none(),
            "third tag offsets",
        )?;
        check(zero(&k, KEY_IP), "nothing past it")
    }

    #[test]
    fn accelerated_tag() -> TestResult {
        let mut m = meta();
        m.skb.vlan_hwaccel = Some(VlanTag {
            tpid: ETH_P_8021AD,
            tci: 0x0005,
        });
        let mut f = Frame::eth(ETH_P_8021Q);
        f.be16(0x0007).be16(ETH_P_IP).ipv4(IPPROTO_UDP, 0).udp();
        let (k, o) = run_meta(f.bytes(), &m)?;
        check(o.vlan_pop.is_none(), "nothing to pop")?;
        check(o.network == 18 && o.transport == Some(38), "offsets")?;
        check(o.protocol == ETH_P_8021Q, "protocol")?;
        check(
            k.get_be16(fields::ETH_VLAN_TPID) == ETH_P_8021AD,
            "outer from skb",
        )?;
        check(k.get_be16(fields::ETH_VLAN_TCI) == 0x1005, "outer tci")?;
        check(
            k.get_be16(fields::ETH_CVLAN_TCI) == 0x1007,
            "inner from packet",
        )?;

        // TCI 0 is still a tag; TPID and TCI both 0 is none.
        let mut plain = Frame::eth(ETH_P_IP);
        plain.ipv4(IPPROTO_UDP, 0).udp();
        m.skb.vlan_hwaccel = Some(VlanTag {
            tpid: ETH_P_8021Q,
            tci: 0,
        });
        let (k, o) = run_meta(plain.bytes(), &m)?;
        check(k.get_be16(fields::ETH_VLAN_TCI) == 0x1000, "tci 0 present")?;
        check(
            zero(&k, span(fields::ETH_CVLAN_TPID, fields::ETH_CVLAN_TCI)),
            "no inner",
        )?;
        check(
            o == offsets(14, Some(34), ETH_P_IP),
            "untagged frame offsets",
        )?;
        m.skb.vlan_hwaccel = Some(VlanTag::default());
        let (k, _) = run_meta(plain.bytes(), &m)?;
        check(zero(&k, KEY_VLANS), "empty tag is none")
    }

    #[test]
    fn popped_frame_with_accelerated_tag_gives_the_same_key() -> TestResult {
        let mut f = Frame::eth(ETH_P_8021AD);
        f.be16(0x2064)
            .be16(ETH_P_8021Q)
            .be16(0x000a)
            .be16(ETH_P_IPV6);
        f.ipv6(NEXTHDR_HOP).ext(IPPROTO_TCP, 0).tcp();
        let (k, o) = run(f.bytes())?;
        let tag = o.vlan_pop.ok_or("no pop")?;
        // The frame as C leaves it: the outer tag's 4 bytes gone.
        let mut popped = Frame::new();
        popped
            .put(f.bytes().get(..12).unwrap_or(&[]))
            .put(f.bytes().get(16..).unwrap_or(&[]));
        let mut m = meta();
        m.skb.vlan_hwaccel = Some(tag);
        let (k2, o2) = run_meta(popped.bytes(), &m)?;
        check(k2 == k, "same key")?;
        check(
            o2 == Offsets {
                vlan_pop: None,
                ..o
            },
            "same offsets",
        )?;
        check(o.transport == Some(18 + 40 + 8), "transport")
    }

    #[test]
    fn truncated_vlan_tags() -> TestResult {
        // Fewer than 6 bytes from the TPID: not a tag, the TPID is the type.
        let mut f = Frame::eth(ETH_P_8021Q);
        f.put(&[0, 5, 8]);
        let (k, o) = run(f.bytes())?;
        check(o == offsets(14, None, ETH_P_8021Q), "offsets")?;
        check(zero(&k, KEY_VLANS), "no tag")?;
        check(k.get_be16(fields::ETH_TYPE) == ETH_P_8021Q, "tpid as type")?;

        // Exactly 18 bytes: a tag, then an ethertype with nothing after.
        let mut f = Frame::eth(ETH_P_8021Q);
        f.be16(5).be16(ETH_P_IP);
        let (k, o) = run(f.bytes())?;
        check(o.vlan_pop.is_some() && o.network == 14, "tag parsed")?;
        check(o.transport == Some(14), "empty IPv4")?;
        check(k.get_be16(fields::ETH_VLAN_TCI) == 0x1005, "tci")?;

        // Inner tag cut short.
        let mut f = Frame::eth(ETH_P_8021Q);
        f.be16(5).be16(ETH_P_8021AD).put(&[0, 6, 8]);
        let (k, o) = run(f.bytes())?;
        check(
            o.protocol == ETH_P_8021AD && o.network == 14,
            "inner tpid as type",
        )?;
        check(
            zero(&k, span(fields::ETH_CVLAN_TPID, fields::ETH_CVLAN_TCI)),
            "no inner",
        )
    }

    #[test]
    fn llc_and_snap() -> TestResult {
        let mut llc = Frame::eth(0x0026);
        llc.put(&[0x42, 0x42, 0x03, 0, 0, 0, 0, 0, 0, 0]);
        let (k, o) = run(llc.bytes())?;
        check(k.get_be16(fields::ETH_TYPE) == ETH_P_802_2, "802.2")?;
        check(o == offsets(14, None, ETH_P_802_2), "llc offsets")?;

        let mut snap = Frame::eth(0x0030);
        snap.put(&[0xaa, 0xaa, 0x03, 0, 0, 0])
            .be16(ETH_P_IP)
            .ipv4(IPPROTO_UDP, 0)
            .udp();
        let (k, o) = run(snap.bytes())?;
        check(k.get_be16(fields::ETH_TYPE) == ETH_P_IP, "snap type")?;
        check(o == offsets(22, Some(42), ETH_P_IP), "snap offsets")?;
        check(k.get(fields::TP_DST) == [0, 53], "snap udp")?;

        // A SNAP length: 802.2, but past the SNAP header.
        let mut f = snap.clone();
        f.set(20, 0x01);
        f.set(21, 0x00);
        let (k, o) = run(f.bytes())?;
        check(k.get_be16(fields::ETH_TYPE) == ETH_P_802_2, "snap length")?;
        check(o.network == 22, "past snap")?;

        // Non-zero OUI: 802.2 at 14.
        let mut f = snap.clone();
        f.set(19, 0x0c);
        let (k, o) = run(f.bytes())?;
        check(k.get_be16(fields::ETH_TYPE) == ETH_P_802_2, "oui")?;
        check(o.network == 14, "oui offsets")?;

        // Fewer than 8 bytes after the length.
        let mut f = Frame::eth(0x0005);
        f.put(&[0xaa, 0xaa, 0x03, 0, 0, 0, 8]);
        let (k, o) = run(f.bytes())?;
        check(
            k.get_be16(fields::ETH_TYPE) == ETH_P_802_2 && o.network == 14,
            "short llc",
        )
    }

    #[test]
    fn short_ethernet_is_an_error() -> TestResult {
        let f = Frame::eth(ETH_P_IP);
        let mut key = FlowKey::default();
        for n in 0..14 {
            let r = extract(f.bytes().get(..n).unwrap_or(&[]), &meta(), &mut key);
            check(r == Err(ExtractError::ShortFrame), "short frame")?;
        }
        check(ExtractError::ShortFrame.errno() == 22, "EINVAL")?;
        let (k, o) = run(f.bytes())?;
        check(o == offsets(14, Some(14), ETH_P_IP), "14 bytes: empty IPv4")?;
        check(k.get(fields::ETH_SRC) == SRC, "14 bytes: addresses")
    }

    #[test]
    fn layer3_packets() -> TestResult {
        let mut f = Frame::new();
        f.ipv6(IPPROTO_UDP).udp();
        let mut m = meta();
        m.mac_proto = MacProto::None;
        m.skb.l3_protocol = ETH_P_IPV6;
        let (k, o) = run_meta(f.bytes(), &m)?;
        check(o == offsets(0, Some(40), ETH_P_IPV6), "offsets")?;
        check(k.get_u8(fields::MAC_PROTO) == 0, "mac_proto")?;
        check(
            zero(&k, span(fields::ETH_SRC, fields::ETH_DST)),
            "no addresses",
        )?;
        check(k.get_be16(fields::ETH_TYPE) == ETH_P_IPV6, "type from skb")?;
        check(k.get(fields::TP_DST) == [0, 53], "udp")?;

        let mut mpls = Frame::new();
        mpls.put(&[0, 0x10, 0x01, 64]);
        m.skb.l3_protocol = ETH_P_MPLS_UC;
        let (k, o) = run_meta(mpls.bytes(), &m)?;
        check(o.inner_network == Some(4), "mpls at 0")?;
        check(k.get_u32(fields::MPLS_NUM_LABELS_MASK) == 1, "one label")?;

        let mut key = FlowKey::default();
        for tpid in [ETH_P_8021Q, ETH_P_8021AD] {
            m.skb.l3_protocol = tpid;
            let r = extract(f.bytes(), &m, &mut key);
            check(r == Err(ExtractError::L3Vlan), "vlan without ethernet")?;
        }
        check(
            mac_proto_for_device(ARPHRD_ETHER, 0) == Some(MacProto::Ethernet),
            "ether",
        )?;
        check(
            mac_proto_for_device(ARPHRD_NONE, ETH_P_TEB) == Some(MacProto::Ethernet),
            "none, TEB",
        )?;
        check(
            mac_proto_for_device(ARPHRD_NONE, ETH_P_IP) == Some(MacProto::None),
            "none",
        )?;
        check(
            mac_proto_for_device(772, ETH_P_IP).is_none(),
            "loopback refused",
        )
    }

    #[test]
    fn tcp_over_ipv6() -> TestResult {
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(IPPROTO_TCP).tcp();
        let (k, o) = run(f.bytes())?;
        check(o == offsets(14, Some(54), ETH_P_IPV6), "offsets")?;
        check(k.get(KEY_IP) == [IPPROTO_TCP, 0xab, 33, 0], "ip")?;
        check(k.get(fields::IPV6_LABEL) == [0, 1, 0x23, 0x45], "label")?;
        check(k.get(fields::IPV6_SRC) == IP6_SRC, "src")?;
        check(k.get(fields::IPV6_DST) == IP6_DST, "dst")?;
        check(zero(&k, fields::IPV6_EXTHDRS), "no exthdrs")?;
        check(k.get(KEY_TP) == [0x12, 0x34, 0, 80, 0x01, 0x12], "tp")
    }

    fn exthdrs(k: &FlowKey) -> u16 {
        match k.get(fields::IPV6_EXTHDRS) {
            [a, b] => u16::from_ne_bytes([*a, *b]),
            _ => 0xffff,
        }
    }

    #[test]
    fn ipv6_extension_headers() -> TestResult {
        use exthdr::*;
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_HOP)
            .ext(NEXTHDR_DEST, 0)
            .ext(NEXTHDR_ROUTING, 0)
            .ext(NEXTHDR_FRAGMENT, 0)
            .frag(NEXTHDR_AUTH, 0, true)
            // AH: 12 bytes, length field 1.
            .put(&[IPPROTO_UDP, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
            .udp();
        let (k, o) = run(f.bytes())?;
        check(
            exthdrs(&k) == HOP | DEST | ROUTER | FRAG | AUTH,
            "all in order",
        )?;
        check(
            k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_FIRST,
            "first fragment",
        )?;
        check(k.get_u8(fields::IP_PROTO) == IPPROTO_UDP, "udp")?;
        check(o.transport == Some(54 + 32 + 12), "after AH's own length")?;
        check(k.get(fields::TP_DST) == [0, 53], "ports")?;

        // (headers, bits, protocol, transport)
        let cases: [(&[u8], u16, u8, usize); 6] = [
            (
                &[NEXTHDR_ROUTING, NEXTHDR_HOP],
                ROUTER | UNSEQ,
                IPPROTO_TCP,
                70,
            ),
            (
                &[NEXTHDR_HOP, NEXTHDR_HOP],
                HOP | UNREP | UNSEQ,
                IPPROTO_TCP,
                70,
            ),
            (&[NEXTHDR_DEST; 3], DEST | UNREP, IPPROTO_TCP, 78),
            (
                &[NEXTHDR_FRAGMENT, NEXTHDR_ROUTING],
                FRAG | ROUTER | UNSEQ,
                IPPROTO_TCP,
                70,
            ),
            (
                &[NEXTHDR_DEST, NEXTHDR_FRAGMENT, NEXTHDR_DEST],
                DEST | FRAG,
                IPPROTO_TCP,
                78,
            ),
            (
                &[NEXTHDR_DEST, NEXTHDR_DEST, NEXTHDR_ROUTING],
                DEST | ROUTER | UNSEQ,
                IPPROTO_TCP,
                78,
            ),
        ];
        for (hdrs, bits, proto, th) in cases {
            let first = hdrs.first().copied().unwrap_or(IPPROTO_TCP);
            let mut f = Frame::eth(ETH_P_IPV6);
            f.ipv6(first);
            for (i, &h) in hdrs.iter().enumerate() {
                let next = hdrs.get(i + 1).copied().unwrap_or(IPPROTO_TCP);
                if h == NEXTHDR_FRAGMENT {
                    f.frag(next, 0, false);
                } else {
                    f.ext(next, 0);
                }
            }
            f.tcp();
            let (k, o) = run(f.bytes())?;
            check(exthdrs(&k) == bits, "exthdr bits")?;
            check(k.get_u8(fields::IP_PROTO) == proto, "exthdr proto")?;
            check(o.transport == Some(th), "exthdr transport")?;
        }

        // No next header; ESP is not an extension header here.
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_NONE).put(&[0; 8]);
        let (k, o) = run(f.bytes())?;
        check(exthdrs(&k) == NONEXT, "nonext")?;
        check(
            k.get_u8(fields::IP_PROTO) == NEXTHDR_NONE && o.transport == Some(54),
            "none",
        )?;
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(50).put(&[0; 8]);
        let (k, o) = run(f.bytes())?;
        check(exthdrs(&k) == 0, "esp sets no bit")?;
        check(
            k.get_u8(fields::IP_PROTO) == 50 && o.transport == Some(54),
            "esp proto",
        )
    }

    #[test]
    fn ipv6_exthdrs_walk_measures_ah_as_c_does() -> TestResult {
        use exthdr::*;
        // AH (12 bytes) > DEST > ROUTING > TCP. get_ipv6_ext_hdrs() takes
        // AH as 16 bytes and reads DEST's option bytes as the next header:
        // no ROUTER bit. ipv6_find_hdr() finds TCP where it is.
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_AUTH)
            .put(&[NEXTHDR_DEST, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
            .put(&[NEXTHDR_ROUTING, 0, 0, 0, IPPROTO_TCP, 0, 0, 0])
            .ext(IPPROTO_TCP, 0)
            .tcp();
        let (k, o) = run(f.bytes())?;
        check(exthdrs(&k) == AUTH | DEST | UNSEQ, "no ROUTER")?;
        check(k.get_u8(fields::IP_PROTO) == IPPROTO_TCP, "tcp")?;
        check(o.transport == Some(54 + 12 + 8 + 8), "transport")
    }

    #[test]
    fn ipv6_fragments() -> TestResult {
        use exthdr::*;
        let mut first = Frame::eth(ETH_P_IPV6);
        first.ipv6(IPPROTO_TCP).tcp();
        let mut later = Frame::eth(ETH_P_IPV6);
        later
            .ipv6(NEXTHDR_FRAGMENT)
            .frag(IPPROTO_TCP, 100, true)
            .tcp();
        let (k, o) = rerun(first.bytes(), later.bytes())?;
        check(k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_LATER, "later")?;
        check(k.get_u8(fields::IP_PROTO) == NEXTHDR_FRAGMENT, "proto 44")?;
        check(zero(&k, KEY_TP), "tp cleared")?;
        check(o.transport.is_none(), "transport left alone")?;
        check(exthdrs(&k) == FRAG, "frag bit")?;

        // Later fragment followed by another extension header:
        // ipv6_find_hdr() fails, keyed as a first fragment of proto 59.
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_FRAGMENT)
            .frag(NEXTHDR_DEST, 100, false)
            .ext(IPPROTO_TCP, 0)
            .tcp();
        let (k, o) = run(f.bytes())?;
        check(k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_FIRST, "first")?;
        check(k.get_u8(fields::IP_PROTO) == NEXTHDR_NONE, "proto 59")?;
        check(o.transport == Some(14), "transport = network")?;

        // Fragment header cut after 3 bytes: the flag is set, no offset.
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_FRAGMENT).put(&[IPPROTO_TCP, 0, 0x03]);
        let (k, o) = run(f.bytes())?;
        check(
            k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_FIRST,
            "cut: first",
        )?;
        check(k.get_u8(fields::IP_PROTO) == NEXTHDR_NONE, "cut: 59")?;
        check(o.transport == Some(14), "cut: transport")?;
        // ... after 1 byte: not even the flag.
        f.n = 55;
        let (k, _) = run(f.bytes())?;
        check(
            k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_NONE,
            "1 byte: none",
        )?;
        check(exthdrs(&k) == FRAG, "1 byte: bit")?;

        let mut m = meta();
        m.skb.gso_udp = true;
        let (k, _) = run_meta(first.bytes(), &m)?;
        check(k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_FIRST, "gso udp")
    }

    #[test]
    fn truncated_ipv6() -> TestResult {
        use exthdr::*;
        let mut good = Frame::eth(ETH_P_IPV6);
        good.ipv6(NEXTHDR_HOP).ext(IPPROTO_TCP, 0).tcp();
        let mut short = Frame::eth(ETH_P_IPV6);
        short.ipv6(IPPROTO_TCP);
        short.n -= 1;
        let (k, o) = rerun(good.bytes(), short.bytes())?;
        check(
            o == offsets(14, Some(14), ETH_P_IPV6),
            "transport = network",
        )?;
        check(
            zero(&k, KEY_IP) && zero(&k, KEY_IPV6_ADDR),
            "ip and addresses cleared",
        )?;
        check(
            k.get(fields::IPV6_LABEL) == [0, 1, 0x23, 0x45],
            "label left",
        )?;
        check(exthdrs(&k) == HOP, "exthdrs left")?;
        check(k.get(fields::TP_SRC) == [0x12, 0x34], "ports left")?;
        check(zero(&k, fields::TP_FLAGS), "flags reset")?;

        // 12 extension headers are walked, a 13th is not.
        for (n, proto, th) in [(12usize, IPPROTO_TCP, 54 + 96), (13, NEXTHDR_NONE, 14)] {
            let mut f = Frame::eth(ETH_P_IPV6);
            f.ipv6(NEXTHDR_DEST);
            for i in 0..n {
                f.ext(if i + 1 < n { NEXTHDR_DEST } else { IPPROTO_TCP }, 0);
            }
            f.tcp();
            let (k, o) = run(f.bytes())?;
            check(k.get_u8(fields::IP_PROTO) == proto, "ext count: proto")?;
            check(o.transport == Some(th), "ext count: transport")?;
            check(exthdrs(&k) == DEST | UNREP, "ext count: bits")?;
        }

        // A header longer than the packet; a routing header under 4 bytes.
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_HOP).ext(IPPROTO_TCP, 0);
        f.set(55, 10);
        let (k, o) = run(f.bytes())?;
        check(k.get_u8(fields::IP_PROTO) == NEXTHDR_NONE, "long: 59")?;
        check(o.transport == Some(14) && exthdrs(&k) == HOP, "long: rest")?;
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_ROUTING).put(&[IPPROTO_TCP, 0, 0]);
        let (k, _) = run(f.bytes())?;
        check(k.get_u8(fields::IP_PROTO) == NEXTHDR_NONE, "short routing")?;
        check(exthdrs(&k) == ROUTER, "short routing bit")
    }

    /// ICMPv6 `ty`/`code` with a target and `opts`.
    fn nd_frame(ty: u8, code: u8, opts: &[u8]) -> Frame {
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_ICMP)
            .put(&[ty, code, 0, 0, 0, 0, 0, 0])
            .put(&IP6_DST)
            .put(opts);
        f
    }

    #[test]
    fn neighbour_discovery() -> TestResult {
        let sll = [1, 1, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f];
        let tll = [2, 1, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f];
        let (k, o) = run(nd_frame(135, 0, &sll).bytes())?;
        check(o.transport == Some(54), "transport")?;
        check(k.get(KEY_TP) == [0, 135, 0, 0, 0, 0], "type and code")?;
        check(k.get(fields::ND_TARGET) == IP6_DST, "target")?;
        check(k.get(fields::ND_SLL) == MAC_A, "sll")?;
        check(zero(&k, fields::ND_TLL), "no tll")?;

        let mut both = [0u8; 16];
        both[..8].copy_from_slice(&tll);
        both[8..].copy_from_slice(&sll);
        let (k, _) = run(nd_frame(136, 0, &both).bytes())?;
        check(
            k.get(fields::ND_TLL) == MAC_B && k.get(fields::ND_SLL) == MAC_A,
            "both",
        )?;

        // A 16-byte SLL is skipped, the walk goes on; a short tail is
        // ignored.
        let mut opts = [0u8; 29];
        opts[..2].copy_from_slice(&[1, 2]);
        opts[16..24].copy_from_slice(&tll);
        let (k, _) = run(nd_frame(136, 0, &opts).bytes())?;
        check(
            zero(&k, fields::ND_SLL) && k.get(fields::ND_TLL) == MAC_B,
            "long sll",
        )?;

        // A zero SLL first: the second is not a duplicate.
        let mut opts = [0u8; 16];
        opts[..2].copy_from_slice(&[1, 1]);
        opts[8..].copy_from_slice(&sll);
        let (k, _) = run(nd_frame(135, 0, &opts).bytes())?;
        check(k.get(fields::ND_SLL) == MAC_A, "zero sll then sll")
    }

    #[test]
    fn malformed_nd_options() -> TestResult {
        let sll = [1, 1, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f];
        let mut dup = [0u8; 16];
        dup[..8].copy_from_slice(&sll);
        dup[8..].copy_from_slice(&sll);
        let (k, _) = run(nd_frame(135, 0, &dup).bytes())?;
        check(zero(&k, KEY_ND), "duplicate: all ND cleared")?;
        check(k.get(KEY_TP) == [0, 135, 0, 0, 0, 0], "duplicate: tp kept")?;

        // Length 0, and past the end: stop, keep what was found.
        let mut zero_len = [0u8; 16];
        zero_len[..8].copy_from_slice(&sll);
        zero_len[8..10].copy_from_slice(&[2, 0]);
        let mut past_end = zero_len;
        past_end[8..10].copy_from_slice(&[2, 2]);
        for opts in [&zero_len, &past_end] {
            let (k, _) = run(nd_frame(135, 0, opts).bytes())?;
            check(k.get(fields::ND_TARGET) == IP6_DST, "stop: target kept")?;
            check(k.get(fields::ND_SLL) == MAC_A, "stop: sll kept")?;
            check(zero(&k, fields::ND_TLL), "stop: no tll")?;
        }

        // Shorter than a whole nd_msg: ND cleared, tp set.
        let good = nd_frame(135, 0, &sll);
        let mut short = nd_frame(135, 0, &[]);
        short.n -= 1;
        let (k, _) = rerun(good.bytes(), short.bytes())?;
        check(zero(&k, KEY_ND), "short nd: cleared")?;
        check(k.get(fields::TP_SRC) == [0, 135], "short nd: type")?;

        // Not ND (code 1): the ND fields are not touched.
        let (k, _) = rerun(good.bytes(), nd_frame(135, 1, &[]).bytes())?;
        check(k.get(fields::ND_SLL) == MAC_A, "code 1: left alone")?;
        check(k.get(KEY_TP) == [0, 135, 0, 1, 0, 0], "code 1: tp")?;
        let (k, _) = run(nd_frame(128, 0, &sll).bytes())?;
        check(
            zero(&k, KEY_ND) && k.get(fields::TP_SRC) == [0, 128],
            "echo",
        )?;

        // ICMPv6 header short.
        let mut f = Frame::eth(ETH_P_IPV6);
        f.ipv6(NEXTHDR_ICMP).put(&[135, 0, 0, 0, 0, 0, 0]);
        let (k, _) = rerun(good.bytes(), f.bytes())?;
        check(zero(&k, KEY_TP), "short icmpv6: tp cleared")?;
        check(k.get(fields::ND_SLL) == MAC_A, "short icmpv6: nd left")
    }

    #[test]
    fn mpls_stacks() -> TestResult {
        let l1 = [0x00, 0x01, 0x00, 0x40];
        let l2 = [0x00, 0x02, 0x00, 0x40];
        let l3 = [0x00, 0x03, 0x00, 0x40];
        let bos = [0x00, 0x04, 0x01, 0x40];
        let mut one = Frame::eth(ETH_P_MPLS_UC);
        one.put(&bos).ipv4(IPPROTO_TCP, 0);
        let (k, o) = run(one.bytes())?;
        check(o.network == 14 && o.inner_network == Some(18), "offsets")?;
        check(o.transport.is_none(), "transport untouched")?;
        check(k.get_u32(fields::MPLS_NUM_LABELS_MASK) == 1, "mask 1")?;
        check(k.get(fields::MPLS_LSE).get(..4) == Some(&bos[..]), "lse")?;

        let mut four = Frame::eth(ETH_P_MPLS_MC);
        four.put(&l1).put(&l2).put(&l3).put(&bos);
        let (k, o) = run(four.bytes())?;
        check(
            k.get_u32(fields::MPLS_NUM_LABELS_MASK) == 7,
            "mask capped at 3",
        )?;
        check(o.inner_network == Some(30), "past all four")?;
        let mut want = [0u8; 12];
        want[..4].copy_from_slice(&l1);
        want[4..8].copy_from_slice(&l2);
        want[8..].copy_from_slice(&l3);
        check(k.get(fields::MPLS_LSE) == want, "first three kept")?;

        // No bottom of stack before the end: mask 0, labels read kept,
        // the rest cleared.
        let mut cut = Frame::eth(ETH_P_MPLS_UC);
        cut.put(&l1).put(&l2).put(&[0, 0]);
        let (k, o) = rerun(four.bytes(), cut.bytes())?;
        check(k.get_u32(fields::MPLS_NUM_LABELS_MASK) == 0, "cut: mask 0")?;
        want[8..].copy_from_slice(&[0; 4]);
        check(k.get(fields::MPLS_LSE) == want, "cut: two labels")?;
        check(o.inner_network == Some(22), "cut: inner")?;

        // Under a VLAN tag.
        let mut tagged = Frame::eth(ETH_P_8021Q);
        tagged.be16(5).be16(ETH_P_MPLS_UC).put(&bos);
        let (k, o) = run(tagged.bytes())?;
        check(
            o.network == 14 && o.inner_network == Some(18),
            "tagged offsets",
        )?;
        check(k.get_u32(fields::MPLS_NUM_LABELS_MASK) == 1, "tagged mask")
    }

    fn nsh_frame(word: u16, mdtype: u8, words: usize) -> Frame {
        let mut f = Frame::eth(ETH_P_NSH);
        f.be16(word).put(&[mdtype, 3, 0, 0, 0x10, 0xff]);
        for i in 0..words.saturating_sub(2) * 4 {
            f.put(&[i as u8 + 1]);
        }
        f
    }

    #[test]
    fn nsh_headers() -> TestResult {
        // Flags 2, TTL 63, length 6 words.
        let (k, o) = run(nsh_frame(0x2fc6, NSH_M_TYPE1, 6).bytes())?;
        check(o == offsets(14, None, ETH_P_NSH), "offsets")?;
        check(
            k.get(fields::NSH_BASE) == [2, 63, 1, 3, 0, 0, 0x10, 0xff],
            "base",
        )?;
        let mut ctx = [0u8; 16];
        for (i, c) in ctx.iter_mut().enumerate() {
            *c = i as u8 + 1;
        }
        check(k.get(fields::NSH_CONTEXT) == ctx, "md1 context")?;

        // MD type 2 clears the context, whatever the length says.
        let md1 = nsh_frame(0x2fc6, NSH_M_TYPE1, 6);
        for word in [0x0fc2u16, 0x0fc0] {
            let (k, _) = rerun(md1.bytes(), nsh_frame(word, NSH_M_TYPE2, 2).bytes())?;
            check(zero(&k, fields::NSH_CONTEXT), "md2: context cleared")?;
            check(k.get_u8(fields::NSH_BASE) == 0, "md2: flags")?;
        }

        let mut key = FlowKey::default();
        let cases = [
            (
                nsh_frame(0x4fc6, NSH_M_TYPE1, 6),
                ExtractError::NshVersion(1),
            ),
            (
                nsh_frame(0x0fc6, NSH_M_TYPE1, 4),
                ExtractError::NshTruncated,
            ),
            (
                nsh_frame(0x0fc7, NSH_M_TYPE1, 7),
                ExtractError::NshMd1Length(28),
            ),
            (nsh_frame(0x0fc6, 0x11, 6), ExtractError::NshMdType(0x11)),
        ];
        for (f, e) in cases.iter() {
            check(
                extract(f.bytes(), &meta(), &mut key) == Err(*e),
                "nsh error",
            )?;
            check(e.errno() == 22, "EINVAL")?;
        }
        let f = nsh_frame(0x0fc2, NSH_M_TYPE2, 2);
        for n in 14..22 {
            let r = extract(f.bytes().get(..n).unwrap_or(&[]), &meta(), &mut key);
            check(r == Err(ExtractError::NshTruncated), "short base")?;
        }
        Ok(())
    }

    #[test]
    fn update_keeps_metadata_and_revalidates() -> TestResult {
        let mut tcp = Frame::eth(ETH_P_IP);
        tcp.ipv4(IPPROTO_TCP, 0).tcp();
        let mut m = meta();
        m.recirc_id = 5;
        let (mut k, _) = run_meta(tcp.bytes(), &m)?;
        k.set_u8(fields::MAC_PROTO, 1 | SW_FLOW_KEY_INVALID);
        k.set_u32(fields::OVS_FLOW_HASH, 0x1234);
        let mut udp = Frame::eth(ETH_P_IP);
        udp.ipv4(IPPROTO_UDP, 0).udp();
        let o = update(udp.bytes(), &SkbState::default(), &mut k).map_err(|_| "update")?;
        check(o.transport == Some(34), "offsets")?;
        check(k.get_u8(fields::MAC_PROTO) == 1, "valid again")?;
        check(k.get_u32(fields::RECIRC_ID) == 5, "recirc kept")?;
        check(k.get_u32(fields::OVS_FLOW_HASH) == 0x1234, "hash kept")?;
        check(
            k.get(KEY_TP) == [0x14, 0xe9, 0, 53, 0, 0],
            "udp, flags reset",
        )?;

        // A failed update leaves the mark.
        k.set_u8(fields::MAC_PROTO, 1 | SW_FLOW_KEY_INVALID);
        check(
            update(&[0; 10], &SkbState::default(), &mut k).is_err(),
            "short",
        )?;
        check(k.get_u8(fields::MAC_PROTO) == 0x81, "still invalid")?;

        // Layers 3 and 4 alone, from the network header (conntrack).
        let l3 = tcp.bytes().get(14..).unwrap_or(&[]);
        let mut k = FlowKey::default();
        k.set_be16(fields::ETH_TYPE, ETH_P_IP);
        let o = key_extract_l3l4(l3, 0, 0, false, &mut k).map_err(|_| "l3l4")?;
        check(o.transport == Some(20), "l3l4 transport")?;
        check(k.get(fields::TP_DST) == [0, 80], "l3l4 ports")
    }

    #[test]
    fn conntrack_fields() -> TestResult {
        let mut m = meta();
        m.ct = CtMeta {
            state: 0x21,
            zone: 7,
            mark: 0xabcd,
            labels: [3; 16],
            orig: Some(CtOrig {
                addrs: CtOrigAddrs::V4 {
                    src: [1, 2, 3, 4],
                    dst: [5, 6, 7, 8],
                },
                proto: IPPROTO_TCP,
                tp_src: 1000,
                tp_dst: 80,
            }),
        };
        let mut tcp = Frame::eth(ETH_P_IP);
        tcp.ipv4(IPPROTO_TCP, 0).tcp();
        let (k, _) = run_meta(tcp.bytes(), &m)?;
        check(k.get_u8(fields::CT_STATE) == 0x21, "state")?;
        check(k.get(fields::CT_ZONE) == 7u16.to_ne_bytes(), "zone")?;
        check(k.get_u32(fields::CT_MARK) == 0xabcd, "mark")?;
        check(k.get(fields::CT_LABELS) == [3; 16], "labels")?;
        check(k.get(fields::IPV4_CT_ORIG_SRC) == [1, 2, 3, 4], "orig src")?;
        check(k.get(fields::IPV4_CT_ORIG_DST) == [5, 6, 7, 8], "orig dst")?;
        check(k.get_u8(fields::CT_ORIG_PROTO) == IPPROTO_TCP, "orig proto")?;
        check(k.get_be16(fields::CT_ORIG_TP_SRC) == 1000, "orig sport")?;
        check(k.get_be16(fields::CT_ORIG_TP_DST) == 80, "orig dport")?;

        // The wrong family: no tuple.
        let mut v6 = Frame::eth(ETH_P_IPV6);
        v6.ipv6(IPPROTO_TCP).tcp();
        let (k, _) = run_meta(v6.bytes(), &m)?;
        check(k.get_u8(fields::CT_ORIG_PROTO) == 0, "v4 tuple on v6")?;
        check(
            zero(&k, span(fields::CT_ORIG_TP_SRC, fields::CT_ORIG_TP_DST)),
            "no ports",
        )?;

        m.ct.orig = Some(CtOrig {
            addrs: CtOrigAddrs::V6 {
                src: IP6_SRC,
                dst: IP6_DST,
            },
            proto: IPPROTO_TCP,
            tp_src: 1,
            tp_dst: 2,
        });
        let (k, _) = run_meta(v6.bytes(), &m)?;
        check(k.get(fields::IPV6_CT_ORIG_DST) == IP6_DST, "v6 tuple")?;
        check(k.get_u8(fields::CT_ORIG_PROTO) == IPPROTO_TCP, "v6 proto")?;
        // ND's fields share the space: no tuple over them.
        let sll = [1, 1, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f];
        let (k, _) = run_meta(nd_frame(135, 0, &sll).bytes(), &m)?;
        check(k.get(fields::ND_SLL) == MAC_A, "nd kept")?;
        check(k.get_u8(fields::CT_ORIG_PROTO) == 0, "nd: no tuple")
    }

    #[test]
    fn tunnel_options_sit_at_the_end() -> TestResult {
        let mut k = FlowKey::default();
        let tun = [9u8; 64];
        check(
            set_tunnel(&mut k, 2, &tun, &[1, 2, 3, 4, 5, 6, 7, 8]),
            "set",
        )?;
        check(k.get(fields::TUN_KEY) == tun, "key")?;
        check(k.get_u8(fields::TUN_PROTO) == 2, "proto")?;
        check(k.get_u8(fields::TUN_OPTS_LEN) == 8, "len")?;
        check(
            k.get(fields::TUN_OPTS).get(247..) == Some(&[1, 2, 3, 4, 5, 6, 7, 8][..]),
            "opts",
        )?;
        check(
            k.get(fields::TUN_OPTS)
                .get(..247)
                .is_some_and(|s| s.iter().all(|&b| b == 0)),
            "front",
        )?;
        check(!set_tunnel(&mut k, 2, &tun, &[0; 256]), "too long")
    }

    /// Every prefix of each frame, and each byte set to 0x00 and 0xff:
    /// no panic, offsets inside the frame, errors only where C has them.
    #[test]
    fn cut_and_corrupted_frames() -> TestResult {
        let mut frames = [
            Frame::new(),
            Frame::new(),
            Frame::new(),
            Frame::new(),
            Frame::new(),
        ];
        let [a, b, c, d, e] = &mut frames;
        {
            a.put(Frame::eth(ETH_P_8021AD).bytes())
                .be16(1)
                .be16(ETH_P_8021Q)
                .be16(2)
                .be16(ETH_P_IP)
                .ipv4(IPPROTO_TCP, 0)
                .tcp();
            b.put(Frame::eth(ETH_P_IPV6).bytes())
                .ipv6(NEXTHDR_HOP)
                .ext(NEXTHDR_ROUTING, 0)
                .put(&[NEXTHDR_FRAGMENT, 0, 0, 1, 0, 0, 0, 0])
                .frag(NEXTHDR_AUTH, 0, true)
                .put(&[NEXTHDR_ICMP, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            let nd = nd_frame(136, 0, &[2, 1, 1, 2, 3, 4, 5, 6, 1, 1, 6, 5, 4, 3, 2, 1]);
            b.put(nd.bytes().get(54..).unwrap_or(&[]));
            c.put(Frame::eth(0x0030).bytes())
                .put(&[0xaa, 0xaa, 3, 0, 0, 0])
                .be16(ETH_P_MPLS_UC)
                .put(&[0, 1, 0, 64, 0, 2, 1, 64]);
            d.put(nsh_frame(0x0fc6, NSH_M_TYPE1, 6).bytes());
            e.put(arp_frame(ETH_P_ARP, 1).bytes());
        }
        let mut key = FlowKey::default();
        for f in frames.iter() {
            let nsh = f.bytes().get(12..14) == Some(&ETH_P_NSH.to_be_bytes()[..]);
            for n in 0..=f.n {
                let bytes = f.bytes().get(..n).unwrap_or(&[]);
                match extract(bytes, &meta(), &mut key) {
                    Ok(o) => {
                        let len = n - if o.vlan_pop.is_some() { 4 } else { 0 };
                        check(o.network <= len, "cut: network")?;
                        check(o.transport.is_none_or(|t| t <= len), "cut: transport")?;
                        check(o.inner_network.is_none_or(|t| t <= len), "cut: inner")?;
                    }
                    Err(ExtractError::ShortFrame) => check(n < 14, "cut: short")?,
                    Err(_) => check(nsh, "cut: error outside NSH")?,
                }
            }
            for at in 0..f.n {
                for v in [0x00, 0xff] {
                    let mut g = f.clone();
                    g.set(at, v);
                    if let Ok(o) = extract(g.bytes(), &meta(), &mut key) {
                        check(o.network <= g.n, "corrupt: network")?;
                        check(o.transport.is_none_or(|t| t <= g.n), "corrupt: transport")?;
                    }
                }
            }
        }
        Ok(())
    }
}
