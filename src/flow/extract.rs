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

use super::key::{fields, AsSpan, Field, FlowKey, Span};
use crate::bytes::{self, be16};
use crate::flow::exthdr::Frame;
use crate::uapi::proto::{
    ARPHRD_ETHER, ARPHRD_NONE, ETH_ALEN, ETH_HLEN, ETH_P_8021AD, ETH_P_8021Q, ETH_P_802_2,
    ETH_P_802_3_MIN, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6, ETH_P_MPLS_MC, ETH_P_MPLS_UC, ETH_P_NSH,
    ETH_P_RARP, ETH_P_TEB, IPPROTO_ICMP, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, IP_MF, IP_OFFSET,
    LLC_SAP_SNAP, LLC_SNAP_HLEN, MPLS_HLEN, NDISC_NEIGHBOUR_ADVERTISEMENT,
    NDISC_NEIGHBOUR_SOLICITATION, ND_MSG_LEN, ND_OPT_SOURCE_LL_ADDR, ND_OPT_TARGET_LL_ADDR,
    NEXTHDR_AUTH, NEXTHDR_DEST, NEXTHDR_FRAGMENT, NEXTHDR_ICMP, NEXTHDR_NONE, NEXTHDR_ROUTING,
    NSH_BASE_HDR_LEN, NSH_M_TYPE1, NSH_M_TYPE1_LEN, NSH_M_TYPE2, VLAN_CFI_MASK, VLAN_HLEN,
};
use crate::uapi::{
    exthdr, OVS_FRAG_TYPE_FIRST, OVS_FRAG_TYPE_LATER, OVS_FRAG_TYPE_NONE, SW_FLOW_KEY_INVALID,
};
// One file per layer; this one has the API, Ethernet and VLANs.
#[path = "extract/ipv4.rs"]
mod ipv4;
#[path = "extract/ipv6.rs"]
mod ipv6;
#[path = "extract/l4.rs"]
mod l4;
#[path = "extract/mpls_nsh.rs"]
mod mpls_nsh;

use ipv4::{arp, ipv4};
use ipv6::ipv6;
use l4::{icmp_type_code, ports};
use mpls_nsh::{mpls, nsh};

const MPLS_LABEL_DEPTH: usize = 3;

/// Bytes `first.offset..` to the end of `last`.
const fn span<const A: usize, const B: usize>(first: Field<A>, last: Field<B>) -> Span {
    Span {
        offset: first.offset,
        len: last.offset + B - first.offset,
    }
}

/// The regions C clears with one `memset()` each.
const KEY_IP: Span = span(fields::IP_PROTO, fields::IP_FRAG);
const KEY_TP: Span = span(fields::TP_SRC, fields::TP_FLAGS);
const KEY_IPV4: Span = span(fields::IPV4_SRC, fields::ARP_THA);
const KEY_IPV6_ADDR: Span = span(fields::IPV6_SRC, fields::IPV6_DST);
const KEY_MPLS: Span = span(fields::MPLS_NUM_LABELS_MASK, fields::MPLS_LSE);
const KEY_ND: Span = span(fields::ND_TARGET, fields::ND_TLL);
const KEY_VLANS: Span = span(fields::ETH_VLAN_TPID, fields::ETH_CVLAN_TCI);

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
    let at = fields::TUN_OPTS.span().len - opts.len();
    key.set(
        Span {
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
        bytes::array(self.rest, at.checked_sub(self.base)?)
    }

    fn u8(self, at: usize) -> Option<u8> {
        bytes::u8_at(self.rest, at.checked_sub(self.base)?)
    }

    fn be16(self, at: usize) -> Option<u16> {
        bytes::be16(self.rest, at.checked_sub(self.base)?)
    }

    /// Copies `n` bytes at `at` into `field` (the caller checked they are
    /// there).
    fn copy(self, at: usize, n: usize, key: &mut FlowKey, field: impl AsSpan) {
        key.set(field, self.bytes(at, n).unwrap_or(&[]));
    }
}

impl Frame for Packet<'_> {
    fn frame_len(&self) -> usize {
        self.len()
    }

    fn bytes_at<const N: usize>(&self, at: usize) -> Option<[u8; N]> {
        self.array(at)
    }
}

fn clear(key: &mut FlowKey, field: impl AsSpan) {
    key.set(field, &[0; 32]);
}

fn eth_type_vlan(t: u16) -> bool {
    t == ETH_P_8021Q || t == ETH_P_8021AD
}

fn eth_p_mpls(t: u16) -> bool {
    t == ETH_P_MPLS_UC || t == ETH_P_MPLS_MC
}

/// `parse_vlan_tag()`'s test: a VLAN TPID with its TCI and the next
/// ethertype after it.
fn vlan_tag(frame: &[u8], at: usize) -> Option<VlanTag> {
    let tpid = be16(frame, at)?;
    if !eth_type_vlan(tpid) || frame.len().saturating_sub(at) < VLAN_HLEN + 2 {
        return None;
    }
    let tci = be16(frame, at + 2)?;
    Some(VlanTag { tpid, tci })
}

fn set_vlan(key: &mut FlowKey, tpid: Field<2>, tci: Field<2>, tag: VlanTag) {
    key.set_be16(tpid, tag.tpid);
    key.set_be16(tci, tag.tci | VLAN_CFI_MASK);
}

/// `parse_ethertype()` at `at`: the ethertype and where layer 2 ends.
/// 802.3 lengths give `ETH_P_802_2`, past a SNAP header whose OUI is 0.
fn parse_ethertype(frame: &[u8], at: usize) -> (u16, usize) {
    // Two bytes are always there: the Ethernet header check and the VLAN
    // tag checks leave at least that much.
    let proto = be16(frame, at).unwrap_or(0);
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

/// `sw_flow_key_is_nd()`.
pub(crate) fn is_nd(key: &FlowKey) -> bool {
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
pub fn fill_ct(key: &mut FlowKey, ct: &CtMeta) {
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

#[cfg_attr(MODULE, cfg(CONFIG_KUNIT = "y"))]
#[cfg_attr(not(MODULE), cfg(test))]
#[path = "extract/tests.rs"]
mod tests;
