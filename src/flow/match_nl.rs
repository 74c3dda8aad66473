// SPDX-License-Identifier: GPL-2.0

//! A flow match from its key and mask attributes (`ovs_nla_get_match()`),
//! with C's semantics: Documentation/flow-netlink.md §3 is the
//! specification, section by section.

use core::fmt;

use super::key::{fields, AsSpan, Field, FlowKey, Range};
use super::key_attrs::{KeyAttrs, KeyAttrsError};
use crate::bytes;
use crate::netlink::attr::Attr;
use crate::uapi::key_attr as ka;
use crate::uapi::proto::{
    ETH_P_8021AD, ETH_P_8021Q, ETH_P_802_2, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6, ETH_P_MPLS_MC,
    ETH_P_MPLS_UC, ETH_P_NSH, ETH_P_RARP, VLAN_CFI_MASK,
};
use crate::uapi::{DP_MAX_PORTS, MAC_PROTO_ETHERNET, MAC_PROTO_NONE};

/// `OVS_FRAG_TYPE_MAX`.
const FRAG_LATER: u8 = crate::uapi::OVS_FRAG_TYPE_LATER;

/// What this datapath supports of conntrack (`ovs_ct_verify()`): the
/// key's CT attributes, and the CT action's members, are only taken
/// when it is there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CtSupport {
    pub state: bool,
    pub zone: bool,
    pub mark: bool,
    pub labels: bool,
    /// `CONFIG_NF_NAT`: the CT action's NAT.
    pub nat: bool,
    /// `CONFIG_NF_CONNTRACK_TIMEOUT`: the CT action's timeout policy.
    pub timeout: bool,
}

impl CtSupport {
    /// Everything: a kernel with conntrack, zones, marks, labels, NAT and
    /// timeout policies (the test kernel's).
    pub const ALL: CtSupport = CtSupport {
        state: true,
        zone: true,
        mark: true,
        labels: true,
        nat: true,
        timeout: true,
    };

    /// `CT_SUPPORTED_MASK`.
    fn state_mask(self) -> u32 {
        if self.state {
            0xff
        } else {
            0
        }
    }
}

/// Why a match was refused. Every refusal is `EINVAL`; [`fmt::Display`]
/// gives C's log text (`None` for the few C refuses silently).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchError {
    Attrs(KeyAttrsError),
    PortTooLarge(u32),
    CtStateUnsupported(u32),
    InvalidVlanFrame {
        inner: bool,
    },
    TciWithoutCfi {
        inner: bool,
    },
    TruncatedWithEncap {
        inner: bool,
    },
    EncapMaskForNonVlan {
        inner: bool,
    },
    TpidNotExact {
        inner: bool,
        mask: u16,
    },
    TciMaskWithoutCfi {
        inner: bool,
    },
    VlanUnexpected,
    NoEthernetNorEthertype,
    EthertypeTooSmall(u16),
    Ipv4FragOutOfRange(u8),
    Ipv6FragOutOfRange(u8),
    Ipv6LabelOutOfRange(u32),
    UnknownArpOpcode(u16),
    /// MPLS of 0 or more than 3 labels, or not whole labels: no log.
    BadMpls,
    UnknownAttributes(u64),
    MissingKey {
        keys: u64,
        expected: u64,
    },
    UnexpectedMask {
        mask: u64,
        allowed: u64,
    },
    TunnelAttrOutOfRange(u16),
    TunnelAttrBadLength {
        kind: u16,
        len: usize,
        expected: usize,
    },
    MultipleTunnelOptions,
    TunnelTrailing(isize),
    TunnelMixedFamilies,
    TunnelNoDst,
    TunnelBridgeInfo,
    TunnelIpv4DstZero,
    TunnelIpv6DstZero,
    TunnelNoTtl,
    GeneveTooLong(usize),
    GeneveNotWords(usize),
    GeneveMaskLen {
        key: usize,
        mask: usize,
    },
    VxlanExtOutOfRange(u16),
    VxlanExtBadLength {
        kind: u16,
        len: usize,
        expected: usize,
    },
    VxlanExtUnknown(u16),
    VxlanTrailing(isize),
    ErspanTooLong(usize),
    NshAttrOutOfRange(u16),
    NshAttrBadLength {
        kind: u16,
        len: usize,
        expected: usize,
    },
    NshAttrUnknown(u16),
    NshTrailing(isize),
    NshUnmatchedMdType(u8),
    NshMdLength {
        len: usize,
        mdtype: u8,
    },
    NshMdExclusive,
    NshPushIncomplete,
    /// MD type 2 in a flow key: no log.
    NshMd2,
}

impl From<KeyAttrsError> for MatchError {
    fn from(e: KeyAttrsError) -> Self {
        MatchError::Attrs(e)
    }
}

fn vlan_name(inner: bool) -> &'static str {
    if inner {
        "C-VLAN"
    } else {
        "VLAN"
    }
}

impl fmt::Display for MatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use MatchError::*;
        match *self {
            Attrs(e) => e.fmt(f),
            PortTooLarge(p) => write!(f, "Port {} exceeds max allowable {}", p, DP_MAX_PORTS),
            CtStateUnsupported(s) => write!(f, "ct_state flags {:08x} unsupported", s),
            InvalidVlanFrame { inner } => write!(f, "Invalid {} frame", vlan_name(inner)),
            TciWithoutCfi { inner } => write!(
                f,
                "{} TCI does not have VLAN_CFI_MASK bit set.",
                vlan_name(inner)
            ),
            TruncatedWithEncap { inner } => write!(
                f,
                "Truncated {} header has non-zero encap attribute.",
                vlan_name(inner)
            ),
            EncapMaskForNonVlan { inner } => write!(
                f,
                "Encap mask attribute is set for non-{} frame.",
                vlan_name(inner)
            ),
            TpidNotExact { inner, mask } => write!(
                f,
                "Must have an exact match on {} TPID (mask={:x}).",
                vlan_name(inner),
                mask
            ),
            TciMaskWithoutCfi { inner } => write!(
                f,
                "{} TCI mask does not have exact match for VLAN_CFI_MASK bit.",
                vlan_name(inner)
            ),
            VlanUnexpected => f.write_str("VLAN attribute unexpected."),
            NoEthernetNorEthertype => {
                f.write_str("Either Ethernet header or EtherType is required.")
            }
            EthertypeTooSmall(t) => write!(f, "EtherType {:x} is less than min {:x}", t, 0x600),
            Ipv4FragOutOfRange(v) => {
                write!(f, "IPv4 frag type {} is out of range max {}", v, FRAG_LATER)
            }
            Ipv6FragOutOfRange(v) => {
                write!(f, "IPv6 frag type {} is out of range max {}", v, FRAG_LATER)
            }
            Ipv6LabelOutOfRange(l) => write!(
                f,
                "IPv6 flow label {:x} is out of range (max={:x})",
                l,
                (1u32 << 20) - 1
            ),
            UnknownArpOpcode(op) => write!(f, "Unknown ARP opcode (opcode={}).", op),
            BadMpls => Ok(()),
            UnknownAttributes(bits) => write!(f, "Unknown key attributes {:x}", bits),
            MissingKey { keys, expected } => {
                write!(f, "Missing key (keys={:x}, expected={:x})", keys, expected)
            }
            UnexpectedMask { mask, allowed } => write!(
                f,
                "Unexpected mask (mask={:x}, allowed={:x})",
                mask, allowed
            ),
            TunnelAttrOutOfRange(t) => write!(f, "Tunnel attr {} out of range max {}", t, 16),
            TunnelAttrBadLength {
                kind,
                len,
                expected,
            } => write!(
                f,
                "Tunnel attr {} has unexpected len {} expected {}",
                kind, len, expected
            ),
            MultipleTunnelOptions => f.write_str("Multiple metadata blocks provided"),
            TunnelTrailing(rem) => write!(f, "IP tunnel attribute has {} unknown bytes.", rem),
            TunnelMixedFamilies => f.write_str("Mixed IPv4 and IPv6 tunnel attributes"),
            TunnelNoDst => f.write_str("IP tunnel dst address not specified"),
            TunnelBridgeInfo => f.write_str("IPv4 tun info is not correct"),
            TunnelIpv4DstZero => f.write_str("IPv4 tunnel dst address is zero"),
            TunnelIpv6DstZero => f.write_str("IPv6 tunnel dst address is zero"),
            TunnelNoTtl => f.write_str("IP tunnel TTL not specified."),
            GeneveTooLong(len) => write!(f, "Geneve option length err (len {}, max {}).", len, 255),
            GeneveNotWords(len) => write!(f, "Geneve opt len {} is not a multiple of 4.", len),
            GeneveMaskLen { key, mask } => {
                write!(f, "Geneve option len {} != mask len {}", key, mask)
            }
            VxlanExtOutOfRange(t) => write!(f, "VXLAN extension {} out of range max {}", t, 1),
            VxlanExtBadLength {
                kind,
                len,
                expected,
            } => write!(
                f,
                "VXLAN extension {} has unexpected len {} expected {}",
                kind, len, expected
            ),
            VxlanExtUnknown(t) => write!(f, "Unknown VXLAN extension attribute {}", t),
            VxlanTrailing(rem) => write!(f, "VXLAN extension message has {} unknown bytes.", rem),
            ErspanTooLong(len) => write!(f, "ERSPAN option length err (len {}, max {}).", len, 255),
            NshAttrOutOfRange(t) => write!(f, "nsh attr {} is out of range max {}", t, 3),
            NshAttrBadLength {
                kind,
                len,
                expected,
            } => write!(
                f,
                "nsh attr {} has unexpected len {} expected {}",
                kind, len, expected
            ),
            NshAttrUnknown(t) => write!(f, "Unknown nsh attribute {}", t),
            NshTrailing(rem) => write!(f, "nsh attribute has {} unknown bytes.", rem),
            NshUnmatchedMdType(t) => write!(f, "nsh attribute has unmatched MD type {}.", t),
            NshMd2 => Ok(()),
            NshMdLength { len, mdtype } => {
                write!(f, "Invalid MD length {} for MD type {}", len, mdtype)
            }
            NshMdExclusive => f.write_str("invalid nsh attribute: md1 and md2 are exclusive."),
            NshPushIncomplete => f.write_str("push_nsh: missing base or metadata attributes"),
        }
    }
}

impl MatchError {
    /// Whether C logs this refusal (all but a bad MPLS label count).
    pub fn logged(&self) -> bool {
        !matches!(self, MatchError::BadMpls | MatchError::NshMd2)
    }
}

/// A flow's key and mask, each with the byte range its fields cover
/// (`struct sw_flow_match` with its mask).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Match {
    pub key: FlowKey,
    pub range: Range,
    pub mask: FlowKey,
    pub mask_range: Range,
}

/// Writes fields into the key or into the mask, growing that one's range
/// (`SW_FLOW_KEY_PUT()` / `SW_FLOW_KEY_MEMCPY()`).
pub(super) struct Writer<'m> {
    m: &'m mut Match,
    is_mask: bool,
    /// Writing the default mask: attribute leaves read as all ones.
    ones: bool,
}

impl Writer<'_> {
    pub(super) fn is_mask(&self) -> bool {
        self.is_mask
    }

    /// The key (also while the mask is written: some mask checks look at
    /// it, as in C).
    pub(super) fn key(&self) -> &FlowKey {
        &self.m.key
    }

    pub(super) fn put(&mut self, field: impl AsSpan, bytes: &[u8]) {
        if self.is_mask {
            self.m.mask.set(field, bytes);
            self.m.mask_range.cover(field);
        } else {
            self.m.key.set(field, bytes);
            self.m.range.cover(field);
        }
    }

    pub(super) fn put_u8(&mut self, field: Field<1>, v: u8) {
        self.put(field, &[v]);
    }

    fn put_u16(&mut self, field: Field<2>, v: u16) {
        self.put(field, &v.to_ne_bytes());
    }

    fn put_u32(&mut self, field: Field<4>, v: u32) {
        self.put(field, &v.to_ne_bytes());
    }
}

/// A payload's bytes `at..at + N`, zero if the attribute is absent or
/// short (the table of §1 guarantees the lengths read here).
fn bytes<const N: usize>(a: Option<Attr<'_>>, at: usize) -> [u8; N] {
    a.and_then(|a| bytes::array(a.payload(), at))
        .unwrap_or([0; N])
}

fn ne_u32(a: Option<Attr<'_>>) -> u32 {
    u32::from_ne_bytes(bytes(a, 0))
}

fn be16_at(a: Option<Attr<'_>>, at: usize) -> u16 {
    u16::from_be_bytes(bytes(a, at))
}

const fn bit(kind: u16) -> u64 {
    1 << kind
}

/// `metadata_from_nlattrs()` (§3.1).
fn metadata(
    w: &mut Writer<'_>,
    attrs: &mut u64,
    a: &KeyAttrs<'_>,
    ct: CtSupport,
) -> Result<(), MatchError> {
    let has = |attrs: u64, k: u16| attrs & bit(k) != 0;
    if has(*attrs, ka::DP_HASH) {
        w.put_u32(fields::OVS_FLOW_HASH, ne_u32(a.get(ka::DP_HASH)));
        *attrs &= !bit(ka::DP_HASH);
    }
    if has(*attrs, ka::RECIRC_ID) {
        w.put_u32(fields::RECIRC_ID, ne_u32(a.get(ka::RECIRC_ID)));
        *attrs &= !bit(ka::RECIRC_ID);
    }
    if has(*attrs, ka::PRIORITY) {
        w.put_u32(fields::PHY_PRIORITY, ne_u32(a.get(ka::PRIORITY)));
        *attrs &= !bit(ka::PRIORITY);
    }
    if has(*attrs, ka::IN_PORT) {
        let mut in_port = ne_u32(a.get(ka::IN_PORT));
        if w.is_mask {
            in_port = 0xffff_ffff;
        } else if in_port >= DP_MAX_PORTS {
            return Err(MatchError::PortTooLarge(in_port));
        }
        // phy.in_port is a u16: C's assignment keeps the low bits.
        w.put_u16(fields::PHY_IN_PORT, in_port as u16);
        *attrs &= !bit(ka::IN_PORT);
    } else if !w.is_mask {
        w.put_u16(fields::PHY_IN_PORT, DP_MAX_PORTS as u16);
    }
    if has(*attrs, ka::SKB_MARK) {
        w.put_u32(fields::PHY_SKB_MARK, ne_u32(a.get(ka::SKB_MARK)));
        *attrs &= !bit(ka::SKB_MARK);
    }
    if has(*attrs, ka::TUNNEL) {
        let nest = a.get(ka::TUNNEL).map_or(&[][..], |t| t.payload());
        let ones = w.ones;
        super::tunnel_nl::tunnel(w, nest, ones)?;
        *attrs &= !bit(ka::TUNNEL);
    }
    if has(*attrs, ka::CT_STATE) && ct.state {
        let state = ne_u32(a.get(ka::CT_STATE));
        if state & !ct.state_mask() != 0 {
            return Err(MatchError::CtStateUnsupported(state));
        }
        w.put_u8(fields::CT_STATE, state as u8);
        *attrs &= !bit(ka::CT_STATE);
    }
    if has(*attrs, ka::CT_ZONE) && ct.zone {
        w.put(fields::CT_ZONE, &bytes::<2>(a.get(ka::CT_ZONE), 0));
        *attrs &= !bit(ka::CT_ZONE);
    }
    if has(*attrs, ka::CT_MARK) && ct.mark {
        w.put_u32(fields::CT_MARK, ne_u32(a.get(ka::CT_MARK)));
        *attrs &= !bit(ka::CT_MARK);
    }
    if has(*attrs, ka::CT_LABELS) && ct.labels {
        w.put(fields::CT_LABELS, &bytes::<16>(a.get(ka::CT_LABELS), 0));
        *attrs &= !bit(ka::CT_LABELS);
    }
    if has(*attrs, ka::CT_ORIG_TUPLE_IPV4) {
        let t = a.get(ka::CT_ORIG_TUPLE_IPV4);
        w.put(fields::IPV4_CT_ORIG_SRC, &bytes::<4>(t, 0));
        w.put(fields::IPV4_CT_ORIG_DST, &bytes::<4>(t, 4));
        w.put(fields::CT_ORIG_TP_SRC, &bytes::<2>(t, 8));
        w.put(fields::CT_ORIG_TP_DST, &bytes::<2>(t, 10));
        w.put(fields::CT_ORIG_PROTO, &bytes::<1>(t, 12));
        *attrs &= !bit(ka::CT_ORIG_TUPLE_IPV4);
    }
    if has(*attrs, ka::CT_ORIG_TUPLE_IPV6) {
        let t = a.get(ka::CT_ORIG_TUPLE_IPV6);
        w.put(fields::IPV6_CT_ORIG_SRC, &bytes::<16>(t, 0));
        w.put(fields::IPV6_CT_ORIG_DST, &bytes::<16>(t, 16));
        w.put(fields::CT_ORIG_TP_SRC, &bytes::<2>(t, 32));
        w.put(fields::CT_ORIG_TP_DST, &bytes::<2>(t, 34));
        w.put(fields::CT_ORIG_PROTO, &bytes::<1>(t, 36));
        *attrs &= !bit(ka::CT_ORIG_TUPLE_IPV6);
    }
    // Layer 3 packets: an ethertype and no Ethernet header.
    let mac_proto = if !has(*attrs, ka::ETHERNET) && has(*attrs, ka::ETHERTYPE) {
        MAC_PROTO_NONE
    } else {
        MAC_PROTO_ETHERNET
    };
    w.put_u8(fields::MAC_PROTO, if w.is_mask { 0xff } else { mac_proto });
    if mac_proto == MAC_PROTO_NONE {
        eth_type(w, attrs, a)?;
    }
    Ok(())
}

/// `parse_eth_type_from_nlattrs()`.
fn eth_type(w: &mut Writer<'_>, attrs: &mut u64, a: &KeyAttrs<'_>) -> Result<(), MatchError> {
    let mut t = be16_at(a.get(ka::ETHERTYPE), 0);
    if w.is_mask {
        t = 0xffff;
    } else if t < 0x0600 {
        return Err(MatchError::EthertypeTooSmall(t));
    }
    w.put(fields::ETH_TYPE, &t.to_be_bytes());
    *attrs &= !bit(ka::ETHERTYPE);
    Ok(())
}

/// One VLAN level (`__parse_vlan_from_nlattrs()`): checks, stores the tag,
/// and parses its ENCAP into `a`.
fn vlan_level<'a>(
    w: &mut Writer<'_>,
    attrs: &mut u64,
    a: &mut KeyAttrs<'a>,
    inner: bool,
    ones: Option<u32>,
) -> Result<(), MatchError> {
    let (tpid_field, tci_field) = if inner {
        (fields::ETH_CVLAN_TPID, fields::ETH_CVLAN_TCI)
    } else {
        (fields::ETH_VLAN_TPID, fields::ETH_VLAN_TCI)
    };
    let has = |attrs: u64, k: u16| attrs & bit(k) != 0;
    let (tpid, tci) = if !w.is_mask {
        // validate_vlan_from_nlattrs()
        if !(has(*attrs, ka::ETHERNET) && has(*attrs, ka::ETHERTYPE)) {
            return Ok(());
        }
        let tpid = be16_at(a.get(ka::ETHERTYPE), 0);
        if tpid != ETH_P_8021Q && tpid != ETH_P_8021AD {
            return Ok(());
        }
        if !(has(*attrs, ka::VLAN) && has(*attrs, ka::ENCAP)) {
            return Err(MatchError::InvalidVlanFrame { inner });
        }
        let tci = be16_at(a.get(ka::VLAN), 0);
        let encap_len = a.get(ka::ENCAP).map_or(0, |e| e.payload().len());
        if tci & VLAN_CFI_MASK == 0 {
            if tci != 0 {
                return Err(MatchError::TciWithoutCfi { inner });
            }
            if encap_len != 0 {
                return Err(MatchError::TruncatedWithEncap { inner });
            }
        }
        (tpid, tci)
    } else {
        // validate_vlan_mask_from_nlattrs(): the key decides whether this
        // is a tag level; the mask's TPID and TCI are read from whatever
        // a[] holds, as in C.
        if !has(*attrs, ka::ENCAP) {
            return Ok(());
        }
        let key_tci = w.m.key.get_be16(tci_field);
        if key_tci & VLAN_CFI_MASK == 0 {
            return Err(MatchError::EncapMaskForNonVlan { inner });
        }
        let tpid = be16_at(a.get(ka::ETHERTYPE), 0);
        let tci = be16_at(a.get(ka::VLAN), 0);
        if tpid != 0xffff {
            return Err(MatchError::TpidNotExact { inner, mask: tpid });
        }
        if tci & VLAN_CFI_MASK == 0 {
            return Err(MatchError::TciMaskWithoutCfi { inner });
        }
        (tpid, tci)
    };
    w.put(tpid_field, &tpid.to_be_bytes());
    w.put(tci_field, &tci.to_be_bytes());
    *attrs &= !(bit(ka::ENCAP) | bit(ka::VLAN) | bit(ka::ETHERTYPE));
    let encap = a.get(ka::ENCAP).map_or(&[][..], |e| e.payload());
    a.set_present(*attrs);
    match ones {
        Some(ct_state_mask) => a.parse_default_mask(encap, ct_state_mask)?,
        None => a.parse(encap, w.is_mask)?,
    }
    *attrs = a.present();
    Ok(())
}

/// `parse_vlan_from_nlattrs()`: the outer tag, then the inner one when
/// the key's outer TCI says there is a tag.
fn vlan(
    w: &mut Writer<'_>,
    attrs: &mut u64,
    a: &mut KeyAttrs<'_>,
    ones: Option<u32>,
) -> Result<(), MatchError> {
    vlan_level(w, attrs, a, false, ones)?;
    if w.m.key.get_be16(fields::ETH_VLAN_TCI) & VLAN_CFI_MASK != 0 {
        vlan_level(w, attrs, a, true, ones)?;
    }
    Ok(())
}

/// `ovs_key_from_nlattrs()` (§3.4), on a copy of the attribute bits.
fn key_fields(
    w: &mut Writer<'_>,
    mut attrs: u64,
    a: &KeyAttrs<'_>,
    ct: CtSupport,
) -> Result<(), MatchError> {
    metadata(w, &mut attrs, a, ct)?;
    let has = |attrs: u64, k: u16| attrs & bit(k) != 0;
    if has(attrs, ka::ETHERNET) {
        let e = a.get(ka::ETHERNET);
        w.put(fields::ETH_SRC, &bytes::<6>(e, 0));
        w.put(fields::ETH_DST, &bytes::<6>(e, 6));
        attrs &= !bit(ka::ETHERNET);
        if has(attrs, ka::VLAN) {
            return Err(MatchError::VlanUnexpected);
        }
        if has(attrs, ka::ETHERTYPE) {
            eth_type(w, &mut attrs, a)?;
        } else if !w.is_mask {
            w.put(fields::ETH_TYPE, &ETH_P_802_2.to_be_bytes());
        }
    } else if w.m.key.get_be16(fields::ETH_TYPE) == 0 {
        return Err(MatchError::NoEthernetNorEthertype);
    }
    if has(attrs, ka::IPV4) {
        let v = a.get(ka::IPV4);
        let [proto, tos, ttl, frag] = bytes::<4>(v, 8);
        if !w.is_mask && frag > FRAG_LATER {
            return Err(MatchError::Ipv4FragOutOfRange(frag));
        }
        w.put_u8(fields::IP_PROTO, proto);
        w.put_u8(fields::IP_TOS, tos);
        w.put_u8(fields::IP_TTL, ttl);
        w.put_u8(fields::IP_FRAG, frag);
        w.put(fields::IPV4_SRC, &bytes::<4>(v, 0));
        w.put(fields::IPV4_DST, &bytes::<4>(v, 4));
        attrs &= !bit(ka::IPV4);
    }
    if has(attrs, ka::IPV6) {
        let v = a.get(ka::IPV6);
        let label = bytes::<4>(v, 32);
        let [proto, tclass, hlimit, frag] = bytes::<4>(v, 36);
        if !w.is_mask && frag > FRAG_LATER {
            return Err(MatchError::Ipv6FragOutOfRange(frag));
        }
        let label_host = u32::from_be_bytes(label);
        if !w.is_mask && label_host & 0xfff0_0000 != 0 {
            return Err(MatchError::Ipv6LabelOutOfRange(label_host));
        }
        w.put(fields::IPV6_LABEL, &label);
        w.put_u8(fields::IP_PROTO, proto);
        w.put_u8(fields::IP_TOS, tclass);
        w.put_u8(fields::IP_TTL, hlimit);
        w.put_u8(fields::IP_FRAG, frag);
        w.put(fields::IPV6_SRC, &bytes::<16>(v, 0));
        w.put(fields::IPV6_DST, &bytes::<16>(v, 16));
        attrs &= !bit(ka::IPV6);
    }
    if has(attrs, ka::IPV6_EXTHDRS) {
        w.put(
            fields::IPV6_EXTHDRS,
            &bytes::<2>(a.get(ka::IPV6_EXTHDRS), 0),
        );
        attrs &= !bit(ka::IPV6_EXTHDRS);
    }
    if has(attrs, ka::ARP) {
        let v = a.get(ka::ARP);
        let op = bytes::<2>(v, 8);
        if !w.is_mask && op[0] != 0 {
            // C prints the __be16 as a host integer.
            return Err(MatchError::UnknownArpOpcode(u16::from_ne_bytes(op)));
        }
        w.put(fields::IPV4_SRC, &bytes::<4>(v, 0));
        w.put(fields::IPV4_DST, &bytes::<4>(v, 4));
        w.put_u8(fields::IP_PROTO, u16::from_be_bytes(op) as u8);
        w.put(fields::ARP_SHA, &bytes::<6>(v, 10));
        w.put(fields::ARP_THA, &bytes::<6>(v, 16));
        attrs &= !bit(ka::ARP);
    }
    if has(attrs, ka::NSH) {
        let nest = a.get(ka::NSH).map_or(&[][..], |n| n.payload());
        let ones = w.ones;
        super::nsh_nl::nsh(w, nest, ones, false)?;
        attrs &= !bit(ka::NSH);
    }
    if has(attrs, ka::MPLS) {
        let payload = a.get(ka::MPLS).map_or(&[][..], |m| m.payload());
        let n = payload.len() / 4;
        if n == 0 || n > 3 || payload.len() % 4 != 0 {
            return Err(MatchError::BadMpls);
        }
        let lse = fields::MPLS_LSE;
        for (i, label) in payload.chunks_exact(4).enumerate() {
            w.put(
                Field::<4> {
                    offset: lse.offset + 4 * i,
                },
                label,
            );
        }
        w.put_u32(fields::MPLS_NUM_LABELS_MASK, (1u32 << n) - 1);
        attrs &= !bit(ka::MPLS);
    }
    for kind in [ka::TCP, ka::UDP, ka::SCTP] {
        if has(attrs, kind) {
            let v = a.get(kind);
            w.put(fields::TP_SRC, &bytes::<2>(v, 0));
            w.put(fields::TP_DST, &bytes::<2>(v, 2));
            attrs &= !bit(kind);
        }
        if kind == ka::TCP && has(attrs, ka::TCP_FLAGS) {
            w.put(fields::TP_FLAGS, &bytes::<2>(a.get(ka::TCP_FLAGS), 0));
            attrs &= !bit(ka::TCP_FLAGS);
        }
    }
    for kind in [ka::ICMP, ka::ICMPV6] {
        if has(attrs, kind) {
            let [ty, code] = bytes::<2>(a.get(kind), 0);
            w.put_u16(fields::TP_SRC, u16::from(ty).to_be());
            w.put_u16(fields::TP_DST, u16::from(code).to_be());
            attrs &= !bit(kind);
        }
    }
    if has(attrs, ka::ND) {
        let v = a.get(ka::ND);
        w.put(fields::ND_TARGET, &bytes::<16>(v, 0));
        w.put(fields::ND_SLL, &bytes::<6>(v, 16));
        w.put(fields::ND_TLL, &bytes::<6>(v, 22));
        attrs &= !bit(ka::ND);
    }
    if attrs != 0 {
        return Err(MatchError::UnknownAttributes(attrs));
    }
    Ok(())
}

/// The tunnel of a set-tunnel action, parsed as a flow key's
/// (`validate_and_copy_set_tun()` runs `ip_tun_from_nlattr()` on a fresh
/// key).
pub(crate) fn set_tunnel_key(nest: &[u8]) -> Result<FlowKey, MatchError> {
    let mut m = Match::default();
    let mut w = Writer {
        m: &mut m,
        is_mask: false,
        ones: false,
    };
    super::tunnel_nl::tunnel(&mut w, nest, false)?;
    Ok(m.key)
}

/// `validate_push_nsh()`'s header check: the NSH nest of a push_nsh
/// action, parsed in push mode into a fresh key.
pub(super) fn push_nsh_valid(nest: &[u8]) -> Result<(), MatchError> {
    let mut m = Match::default();
    let mut w = Writer {
        m: &mut m,
        is_mask: false,
        ones: false,
    };
    super::nsh_nl::nsh(&mut w, nest, false, true)
}

/// `match_validate()` (§3.5).
fn validate(m: &Match, key_attrs: u64, mask_attrs: u64, has_mask: bool) -> Result<(), MatchError> {
    let k = &m.key;
    let mask_e = has_mask && m.mask.get_be16(fields::ETH_TYPE) == 0xffff;
    let mask_p = has_mask && m.mask.get_u8(fields::IP_PROTO) == 0xff;
    let l3l4 = [
        ka::IPV4,
        ka::CT_ORIG_TUPLE_IPV4,
        ka::IPV6,
        ka::CT_ORIG_TUPLE_IPV6,
        ka::TCP,
        ka::TCP_FLAGS,
        ka::UDP,
        ka::SCTP,
        ka::ICMP,
        ka::ICMPV6,
        ka::ARP,
        ka::ND,
        ka::MPLS,
        ka::NSH,
    ]
    .iter()
    .fold(0u64, |acc, &t| acc | bit(t));
    let mut allowed = (key_attrs & !l3l4) | bit(ka::TUNNEL) | bit(ka::IN_PORT) | bit(ka::ETHERTYPE);
    let mut expected = 0u64;
    let mut expect = |keys: u64, allow_if: bool, allow: u64| {
        expected |= keys;
        if allow_if {
            allowed |= allow;
        }
    };
    let eth_type = k.get_be16(fields::ETH_TYPE);
    let proto = k.get_u8(fields::IP_PROTO);
    let not_later = k.get_u8(fields::IP_FRAG) != FRAG_LATER;
    let l4 = |expect: &mut dyn FnMut(u64, bool, u64), v6: bool| {
        if !not_later {
            return;
        }
        match proto {
            17 => expect(bit(ka::UDP), mask_p, bit(ka::UDP)),
            132 => expect(bit(ka::SCTP), mask_p, bit(ka::SCTP)),
            6 => expect(
                bit(ka::TCP) | bit(ka::TCP_FLAGS),
                mask_p,
                bit(ka::TCP) | bit(ka::TCP_FLAGS),
            ),
            1 if !v6 => expect(bit(ka::ICMP), mask_p, bit(ka::ICMP)),
            58 if v6 => expect(bit(ka::ICMPV6), mask_p, bit(ka::ICMPV6)),
            _ => {}
        }
    };
    match eth_type {
        ETH_P_ARP | ETH_P_RARP => expect(bit(ka::ARP), mask_e, bit(ka::ARP)),
        ETH_P_MPLS_UC | ETH_P_MPLS_MC => expect(bit(ka::MPLS), mask_e, bit(ka::MPLS)),
        ETH_P_IP => {
            expect(
                bit(ka::IPV4),
                mask_e,
                bit(ka::IPV4) | bit(ka::CT_ORIG_TUPLE_IPV4),
            );
            l4(&mut expect, false);
        }
        ETH_P_IPV6 => {
            expect(
                bit(ka::IPV6),
                mask_e,
                bit(ka::IPV6) | bit(ka::CT_ORIG_TUPLE_IPV6),
            );
            l4(&mut expect, true);
            let icmp_type = k.get(fields::TP_SRC).get(1).copied().unwrap_or(0);
            if not_later && proto == 58 && (icmp_type == 135 || icmp_type == 136) {
                expected |= bit(ka::ND);
                allowed &= !bit(ka::CT_ORIG_TUPLE_IPV6);
                if has_mask && m.mask.get(fields::TP_SRC) == [0x00, 0xff] {
                    allowed |= bit(ka::ND);
                }
            }
        }
        ETH_P_NSH => expect(bit(ka::NSH), mask_e, bit(ka::NSH)),
        _ => {}
    }
    if key_attrs & expected != expected {
        return Err(MatchError::MissingKey {
            keys: key_attrs,
            expected,
        });
    }
    if mask_attrs & allowed != mask_attrs {
        return Err(MatchError::UnexpectedMask {
            mask: mask_attrs,
            allowed,
        });
    }
    Ok(())
}

/// `ovs_nla_get_match()`: the match a key stream and an optional mask
/// stream describe. `want_mask`: NEW and SET build the mask (the default
/// mask, exact on every given field, when `mask` is `None`); GET and DEL
/// parse the key alone.
pub fn get_match(
    key: &[u8],
    mask: Option<&[u8]>,
    want_mask: bool,
    ct: CtSupport,
) -> Result<Match, MatchError> {
    let mut m = Match::default();
    let mut a = KeyAttrs::default();
    a.parse(key, false)?;
    let mut key_attrs = a.present();
    {
        let mut w = Writer {
            m: &mut m,
            is_mask: false,
            ones: false,
        };
        vlan(&mut w, &mut key_attrs, &mut a, None)?;
        key_fields(&mut w, key_attrs, &a, ct)?;
    }
    let mut mask_attrs = 0;
    if want_mask {
        a.set_present(0);
        let ones = mask.is_none().then(|| ct.state_mask());
        match mask {
            Some(stream) => a.parse(stream, true)?,
            None => a.parse_default_mask(key, ct.state_mask())?,
        }
        mask_attrs = a.present();
        let mut w = Writer {
            m: &mut m,
            is_mask: true,
            ones: ones.is_some(),
        };
        // A tunnel is matched exactly by default, also on the fields its
        // attributes left out (C: "userspace does not send tunnel
        // attributes that are 0").
        if ones.is_some() && w.m.key.get_u8(fields::TUN_PROTO) != 0 {
            w.put(fields::TUN_KEY, &[0xff; 64]);
        }
        // Always match on the TCIs.
        w.put_u16(fields::ETH_VLAN_TCI, 0xffff);
        w.put_u16(fields::ETH_CVLAN_TCI, 0xffff);
        vlan(&mut w, &mut mask_attrs, &mut a, ones)?;
        key_fields(&mut w, mask_attrs, &a, ct)?;
    }
    validate(&m, key_attrs, mask_attrs, want_mask)?;
    Ok(m)
}

/// `ovs_nla_get_flow_metadata()` on a parsed key stream, as
/// `ovs_flow_key_extract_userspace()` does for `OVS_PACKET_CMD_EXECUTE`:
/// only the metadata (in_port `DP_MAX_PORTS` when absent, `mac_proto`,
/// and the ethertype of a packet without Ethernet header). A stream that
/// does not parse is `MatchError::Attrs`, which C answers with `EINVAL`.
pub fn get_metadata(key: &[u8], ct: CtSupport) -> Result<FlowKey, MatchError> {
    let mut m = Match::default();
    let mut a = KeyAttrs::default();
    a.parse(key, false)?;
    let mut attrs = a.present();
    let mut w = Writer {
        m: &mut m,
        is_mask: false,
        ones: false,
    };
    metadata(&mut w, &mut attrs, &a, ct)?;
    Ok(m.key)
}

#[path = "match_nl/tests.rs"]
mod tests;
