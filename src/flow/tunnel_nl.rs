// SPDX-License-Identifier: GPL-2.0

//! A flow key's tunnel from its `OVS_KEY_ATTR_TUNNEL` nest
//! (`ip_tun_from_nlattr()` and the option parsers),
//! Documentation/flow-netlink.md §4.

use super::key::{fields, Span};
use super::match_nl::{MatchError, Writer};
use crate::netlink::attr::{Attr, Attrs};
use crate::uapi::proto::{AF_INET, AF_INET6};
use crate::uapi::{tunnel_key_attr as attr, OVS_VXLAN_EXT_MAX};

/// `sizeof(struct erspan_metadata)`.
const ERSPAN_METADATA_LEN: u8 = 12;

/// `IP_TUNNEL_*_BIT` in `tun_key.tun_flags`.
pub(super) mod flag {
    pub const CSUM: u32 = 0;
    pub const KEY: u32 = 2;
    pub const DONT_FRAGMENT: u32 = 8;
    pub const OAM: u32 = 9;
    pub const CRIT_OPT: u32 = 10;
    pub const GENEVE_OPT: u32 = 11;
    pub const VXLAN_OPT: u32 = 12;
    pub const ERSPAN_OPT: u32 = 14;
}

/// `ovs_tunnel_key_lens[]`: `None` for variable or nested payloads.
fn attr_len(kind: u16) -> Option<usize> {
    match kind {
        attr::ID => Some(8),
        attr::IPV4_SRC | attr::IPV4_DST => Some(4),
        attr::TOS | attr::TTL => Some(1),
        attr::TP_SRC | attr::TP_DST => Some(2),
        attr::IPV6_SRC | attr::IPV6_DST => Some(16),
        attr::GENEVE_OPTS | attr::VXLAN_OPTS | attr::ERSPAN_OPTS => None,
        _ => Some(0),
    }
}

/// The payload as the default mask sees it: all ones.
fn leaf<'p>(a: &Attr<'p>, ones: bool) -> &'p [u8] {
    if ones {
        super::key_attrs::ones_like(a.payload())
    } else {
        a.payload()
    }
}

/// Options go right-aligned into `tun_opts`.
fn opts_field(len: usize) -> Span {
    Span {
        offset: fields::TUN_OPTS.span().len.saturating_sub(len),
        len: len.min(fields::TUN_OPTS.span().len),
    }
}

fn geneve(w: &mut Writer<'_>, data: &[u8]) -> Result<(), MatchError> {
    let len = data.len();
    if len > fields::TUN_OPTS.span().len {
        return Err(MatchError::GeneveTooLong(len));
    }
    if len % 4 != 0 {
        return Err(MatchError::GeneveNotWords(len));
    }
    if !w.is_mask() {
        w.put_u8(fields::TUN_OPTS_LEN, len as u8);
    } else {
        let key_len = usize::from(w.key().get_u8(fields::TUN_OPTS_LEN));
        if key_len != len {
            return Err(MatchError::GeneveMaskLen {
                key: key_len,
                mask: len,
            });
        }
        w.put_u8(fields::TUN_OPTS_LEN, 0xff);
    }
    w.put(opts_field(len), data);
    Ok(())
}

fn vxlan(w: &mut Writer<'_>, nest: &[u8], ones: bool) -> Result<(), MatchError> {
    let mut gbp = [0u8; 4];
    let mut it = Attrs::new(nest);
    for a in it.by_ref() {
        let kind = a.kind();
        if kind > OVS_VXLAN_EXT_MAX {
            return Err(MatchError::VxlanExtOutOfRange(kind));
        }
        // OVS_VXLAN_EXT_GBP is 4 bytes; type 0 has no table entry.
        let expected = if kind == 1 { 4 } else { 0 };
        if a.payload().len() != expected {
            return Err(MatchError::VxlanExtBadLength {
                kind,
                len: a.payload().len(),
                expected,
            });
        }
        if kind != 1 {
            return Err(MatchError::VxlanExtUnknown(kind));
        }
        gbp.copy_from_slice(leaf(&a, ones).get(..4).unwrap_or(&[0; 4]));
    }
    if it.remaining() != 0 {
        return Err(MatchError::VxlanTrailing(it.remaining()));
    }
    let stored = if w.is_mask() { 0xff } else { 4 };
    w.put_u8(fields::TUN_OPTS_LEN, stored);
    w.put(opts_field(4), &gbp);
    Ok(())
}

fn erspan(w: &mut Writer<'_>, data: &[u8]) -> Result<(), MatchError> {
    let len = data.len();
    if len > fields::TUN_OPTS.span().len {
        return Err(MatchError::ErspanTooLong(len));
    }
    // C stores sizeof(struct erspan_metadata) whatever was sent.
    let stored = if w.is_mask() {
        0xff
    } else {
        ERSPAN_METADATA_LEN
    };
    w.put_u8(fields::TUN_OPTS_LEN, stored);
    w.put(opts_field(len), data);
    Ok(())
}

/// `ip_tun_from_nlattr()`: the tunnel nest's payload into the key or the
/// mask. `ones`: the default mask, whose leaves read as all ones.
pub(super) fn tunnel(w: &mut Writer<'_>, nest: &[u8], ones: bool) -> Result<(), MatchError> {
    let (mut ttl, mut ipv4, mut ipv6, mut bridge) = (false, false, false, false);
    let mut flags: u64 = 0;
    let mut opts_type = 0;
    let mut it = Attrs::new(nest);
    for a in it.by_ref() {
        let kind = a.kind();
        if kind > attr::MAX {
            return Err(MatchError::TunnelAttrOutOfRange(kind));
        }
        if let Some(expected) = attr_len(kind) {
            if a.payload().len() != expected {
                return Err(MatchError::TunnelAttrBadLength {
                    kind,
                    len: a.payload().len(),
                    expected,
                });
            }
        }
        let v = leaf(&a, ones);
        match kind {
            attr::ID => {
                w.put(fields::TUN_ID, v);
                flags |= 1 << flag::KEY;
            }
            attr::IPV4_SRC | attr::IPV4_DST => {
                let f = if kind == attr::IPV4_SRC {
                    fields::TUN_IPV4_SRC
                } else {
                    fields::TUN_IPV4_DST
                };
                w.put(f, v);
                ipv4 = true;
            }
            attr::IPV6_SRC | attr::IPV6_DST => {
                let f = if kind == attr::IPV6_SRC {
                    fields::TUN_IPV6_SRC
                } else {
                    fields::TUN_IPV6_DST
                };
                w.put(f, v);
                ipv6 = true;
            }
            attr::TOS => w.put(fields::TUN_TOS, v),
            attr::TTL => {
                w.put(fields::TUN_TTL, v);
                ttl = true;
            }
            attr::DONT_FRAGMENT => flags |= 1 << flag::DONT_FRAGMENT,
            attr::CSUM => flags |= 1 << flag::CSUM,
            attr::OAM => flags |= 1 << flag::OAM,
            attr::TP_SRC => w.put(fields::TUN_TP_SRC, v),
            attr::TP_DST => w.put(fields::TUN_TP_DST, v),
            attr::GENEVE_OPTS | attr::VXLAN_OPTS | attr::ERSPAN_OPTS => {
                if opts_type != 0 {
                    return Err(MatchError::MultipleTunnelOptions);
                }
                match kind {
                    attr::GENEVE_OPTS => {
                        geneve(w, v)?;
                        flags |= 1 << flag::GENEVE_OPT;
                    }
                    attr::VXLAN_OPTS => {
                        vxlan(w, a.payload(), ones)?;
                        flags |= 1 << flag::VXLAN_OPT;
                    }
                    _ => {
                        erspan(w, v)?;
                        flags |= 1 << flag::ERSPAN_OPT;
                    }
                }
                opts_type = kind;
            }
            attr::IPV4_INFO_BRIDGE => {
                bridge = true;
                ipv4 = true;
            }
            // OVS_TUNNEL_KEY_ATTR_PAD.
            _ => {}
        }
    }
    w.put(fields::TUN_FLAGS, &flags.to_ne_bytes());
    if w.is_mask() {
        w.put_u8(fields::TUN_PROTO, 0xff);
    } else {
        w.put_u8(fields::TUN_PROTO, if ipv6 { AF_INET6 } else { AF_INET });
    }
    if it.remaining() > 0 {
        return Err(MatchError::TunnelTrailing(it.remaining()));
    }
    if ipv4 && ipv6 {
        return Err(MatchError::TunnelMixedFamilies);
    }
    if !w.is_mask() {
        let key = w.key();
        if !ipv4 && !ipv6 {
            return Err(MatchError::TunnelNoDst);
        }
        if ipv4 {
            if bridge {
                if !key.is_zero(fields::TUN_IPV4_SRC)
                    || !key.is_zero(fields::TUN_IPV4_DST)
                    || !key.is_zero(fields::TUN_TP_SRC)
                    || !key.is_zero(fields::TUN_TP_DST)
                    || !key.is_zero(fields::TUN_TTL)
                    || !key.is_zero(fields::TUN_TOS)
                    || flags & !(1 << flag::KEY) != 0
                {
                    return Err(MatchError::TunnelBridgeInfo);
                }
            } else if key.is_zero(fields::TUN_IPV4_DST) {
                return Err(MatchError::TunnelIpv4DstZero);
            }
        }
        if ipv6 && key.is_zero(fields::TUN_IPV6_DST) {
            return Err(MatchError::TunnelIpv6DstZero);
        }
        if !ttl && !bridge {
            return Err(MatchError::TunnelNoTtl);
        }
    }
    Ok(())
}

#[path = "tunnel_nl/tests.rs"]
mod tests;
