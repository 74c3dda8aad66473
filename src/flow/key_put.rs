// SPDX-License-Identifier: GPL-2.0

//! Writing a flow key or mask as attributes (`__ovs_nla_put_key()`), so
//! that replies are byte-identical to C's: Documentation/flow-netlink.md
//! §5 is the specification. Which attributes appear is decided by
//! `swkey` (the masked key); what they carry comes from `output` (the key
//! or the mask).

use super::key::{fields, FlowKey};
use super::match_nl::CtSupport;
use super::tunnel_nl::flag as tun_flag;
use crate::netlink::build::{AttrSink, PutError};
use crate::uapi::key_attr as ka;
use crate::uapi::proto::{
    AF_INET, AF_INET6, ETH_P_8021AD, ETH_P_8021Q, ETH_P_802_2, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6,
    ETH_P_MPLS_MC, ETH_P_MPLS_UC, ETH_P_NSH, ETH_P_RARP,
};
use crate::uapi::tunnel_key_attr as tun_attr;
use crate::uapi::{
    MAC_PROTO_ETHERNET, OVS_FRAG_TYPE_LATER, OVS_VXLAN_EXT_GBP, SW_FLOW_KEY_INVALID,
};

/// The parts one after another in `N` bytes, the rest zero (C's packed
/// `struct ovs_key_*` with their padding).
fn cat<const N: usize>(parts: &[&[u8]]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = 0;
    for p in parts {
        if let Some(d) = out.get_mut(at..at + p.len()) {
            d.copy_from_slice(p);
        }
        at += p.len();
    }
    out
}

fn is_vlan_type(t: u16) -> bool {
    t == ETH_P_8021Q || t == ETH_P_8021AD
}

/// `__ip_tun_to_nlattr()`: a flow key's tunnel (`bridge` false), or a
/// set-tunnel action's in bridge mode.
pub fn put_tunnel<S: AttrSink>(
    sink: &mut S,
    output: &FlowKey,
    tun_proto: u8,
    opts_len: u8,
    bridge: bool,
) -> Result<(), PutError> {
    let flags = output.get_u64(fields::TUN_FLAGS);
    let flag = |b: u32| flags & (1 << b) != 0;
    if flag(tun_flag::KEY) {
        sink.put(tun_attr::ID, output.get(fields::TUN_ID))?;
    }
    if bridge {
        return sink.put_flag(tun_attr::IPV4_INFO_BRIDGE);
    }
    match tun_proto {
        AF_INET => {
            for (f, kind) in [
                (fields::TUN_IPV4_SRC, tun_attr::IPV4_SRC),
                (fields::TUN_IPV4_DST, tun_attr::IPV4_DST),
            ] {
                if !output.is_zero(f) {
                    sink.put(kind, output.get(f))?;
                }
            }
        }
        AF_INET6 => {
            for (f, kind) in [
                (fields::TUN_IPV6_SRC, tun_attr::IPV6_SRC),
                (fields::TUN_IPV6_DST, tun_attr::IPV6_DST),
            ] {
                if !output.is_zero(f) {
                    sink.put(kind, output.get(f))?;
                }
            }
        }
        _ => {}
    }
    if !output.is_zero(fields::TUN_TOS) {
        sink.put(tun_attr::TOS, output.get(fields::TUN_TOS))?;
    }
    sink.put(tun_attr::TTL, output.get(fields::TUN_TTL))?;
    if flag(tun_flag::DONT_FRAGMENT) {
        sink.put_flag(tun_attr::DONT_FRAGMENT)?;
    }
    if flag(tun_flag::CSUM) {
        sink.put_flag(tun_attr::CSUM)?;
    }
    if !output.is_zero(fields::TUN_TP_SRC) {
        sink.put(tun_attr::TP_SRC, output.get(fields::TUN_TP_SRC))?;
    }
    if !output.is_zero(fields::TUN_TP_DST) {
        sink.put(tun_attr::TP_DST, output.get(fields::TUN_TP_DST))?;
    }
    if flag(tun_flag::OAM) {
        sink.put_flag(tun_attr::OAM)?;
    }
    if opts_len != 0 {
        // Options sit right-aligned in tun_opts.
        let len = usize::from(opts_len);
        let opts = output
            .get(fields::TUN_OPTS)
            .get(fields::TUN_OPTS.span().len - len..)
            .unwrap_or(&[]);
        if flag(tun_flag::GENEVE_OPT) {
            sink.put(tun_attr::GENEVE_OPTS, opts)?;
        } else if flag(tun_flag::VXLAN_OPT) {
            let nest = sink.nest_start(tun_attr::VXLAN_OPTS)?;
            sink.put(OVS_VXLAN_EXT_GBP, opts.get(..4).unwrap_or(&[0; 4]))?;
            sink.nest_end(nest)?;
        } else if flag(tun_flag::ERSPAN_OPT) {
            sink.put(tun_attr::ERSPAN_OPTS, opts)?;
        }
    }
    Ok(())
}

/// The most a key (or mask) attribute's payload can take
/// (`ovs_key_attr_size()`), which sizes replies as in C: every attribute
/// at its largest, of the tunnel the GENEVE options (which cover VXLAN's
/// and ERSPAN's), of NSH the largest context.
pub const fn key_attr_size() -> usize {
    use crate::netlink::attr::nla_total_size as t;
    let tunnel = t(8) + t(16) * 2 + t(1) * 2 + t(0) * 3 + t(256) + t(2) * 2;
    let nsh = t(8) + t(244);
    t(4) + t(0) + tunnel // PRIORITY, TUNNEL
        + t(4) * 4 // IN_PORT, SKB_MARK, DP_HASH, RECIRC_ID
        + t(4) + t(2) + t(4) + t(16) + t(40) // CT_STATE, _ZONE, _MARK, _LABELS, _ORIG_TUPLE_IPV6
        + t(0) + nsh // NSH
        + t(12) + t(2) + t(4) + t(0) + t(2) // ETHERNET, ETHERTYPE, VLAN, ENCAP, ETHERTYPE
        + t(40) + t(2) + t(28) + t(2) // IPV6, ICMPV6, ND, IPV6_EXTHDRS
}

/// `ovs_nla_put_key()`: the nest `attr` describing `output`, shaped by
/// `swkey`. `ct`: what conntrack support the module was built with
/// (its key attributes are written only then).
pub fn put_key<S: AttrSink>(
    sink: &mut S,
    swkey: &FlowKey,
    output: &FlowKey,
    attr: u16,
    is_mask: bool,
    ct: CtSupport,
) -> Result<(), PutError> {
    let nest = sink.nest_start(attr)?;
    let mut encaps: [Option<S::Nest>; 2] = [None, None];
    let result = put_key_body(sink, swkey, output, is_mask, ct, &mut encaps);
    // Close the encapsulations that were opened, inner first.
    for encap in encaps.into_iter().rev().flatten() {
        sink.nest_end(encap)?;
    }
    result?;
    sink.nest_end(nest)
}

fn put_key_body<S: AttrSink>(
    sink: &mut S,
    swkey: &FlowKey,
    output: &FlowKey,
    is_mask: bool,
    ct: CtSupport,
    encaps: &mut [Option<S::Nest>; 2],
) -> Result<(), PutError> {
    sink.put(ka::RECIRC_ID, output.get(fields::RECIRC_ID))?;
    sink.put(ka::DP_HASH, output.get(fields::OVS_FLOW_HASH))?;
    sink.put(ka::PRIORITY, output.get(fields::PHY_PRIORITY))?;

    let tun_proto = swkey.get_u8(fields::TUN_PROTO);
    if tun_proto != 0 || is_mask {
        let nest = sink.nest_start(ka::TUNNEL)?;
        put_tunnel(
            sink,
            output,
            tun_proto,
            swkey.get_u8(fields::TUN_OPTS_LEN),
            false,
        )?;
        sink.nest_end(nest)?;
    }

    let in_port = swkey.get_u16(fields::PHY_IN_PORT);
    let out_port = output.get_u16(fields::PHY_IN_PORT);
    if in_port == 0xffff {
        if is_mask && out_port == 0xffff {
            sink.put_u32(ka::IN_PORT, 0xffff_ffff)?;
        }
    } else {
        let upper = if is_mask { 0xffff_0000 } else { 0 };
        sink.put_u32(ka::IN_PORT, upper | u32::from(out_port))?;
    }
    sink.put(ka::SKB_MARK, output.get(fields::PHY_SKB_MARK))?;

    let eth_type = swkey.get_be16(fields::ETH_TYPE);
    if ct.state {
        sink.put_u32(ka::CT_STATE, u32::from(output.get_u8(fields::CT_STATE)))?;
        if ct.zone {
            sink.put(ka::CT_ZONE, output.get(fields::CT_ZONE))?;
        }
        if ct.mark {
            sink.put(ka::CT_MARK, output.get(fields::CT_MARK))?;
        }
        if ct.labels {
            sink.put(ka::CT_LABELS, output.get(fields::CT_LABELS))?;
        }
        if swkey.get_u8(fields::CT_ORIG_PROTO) != 0 {
            let tp_and_proto = |out: &FlowKey| {
                cat::<5>(&[
                    out.get(fields::CT_ORIG_TP_SRC),
                    out.get(fields::CT_ORIG_TP_DST),
                    out.get(fields::CT_ORIG_PROTO),
                ])
            };
            match eth_type {
                ETH_P_IP => sink.put(
                    ka::CT_ORIG_TUPLE_IPV4,
                    &cat::<16>(&[
                        output.get(fields::IPV4_CT_ORIG_SRC),
                        output.get(fields::IPV4_CT_ORIG_DST),
                        &tp_and_proto(output),
                    ]),
                )?,
                ETH_P_IPV6 => sink.put(
                    ka::CT_ORIG_TUPLE_IPV6,
                    &cat::<40>(&[
                        output.get(fields::IPV6_CT_ORIG_SRC),
                        output.get(fields::IPV6_CT_ORIG_DST),
                        &tp_and_proto(output),
                    ]),
                )?,
                _ => {}
            }
        }
    }

    // ovs_key_mac_proto(): without the "invalid" bit actions may have set.
    if swkey.get_u8(fields::MAC_PROTO) & !SW_FLOW_KEY_INVALID == MAC_PROTO_ETHERNET {
        sink.put(
            ka::ETHERNET,
            &cat::<12>(&[output.get(fields::ETH_SRC), output.get(fields::ETH_DST)]),
        )?;

        let tags = [
            (fields::ETH_VLAN_TPID, fields::ETH_VLAN_TCI),
            (fields::ETH_CVLAN_TPID, fields::ETH_CVLAN_TCI),
        ];
        for (level, (tpid, tci)) in tags.into_iter().enumerate() {
            if swkey.get_be16(tci) == 0 && !is_vlan_type(eth_type) {
                break;
            }
            if is_mask {
                sink.put(ka::ETHERTYPE, &[0xff, 0xff])?;
            } else {
                sink.put(ka::ETHERTYPE, output.get(tpid))?;
            }
            sink.put(ka::VLAN, output.get(tci))?;
            if let Some(slot) = encaps.get_mut(level) {
                *slot = Some(sink.nest_start(ka::ENCAP)?);
            }
            if swkey.get_be16(tci) == 0 {
                // A truncated tag: nothing inside.
                return Ok(());
            }
        }
        if eth_type == ETH_P_802_2 {
            if is_mask && output.get_be16(fields::ETH_TYPE) != 0 {
                sink.put(ka::ETHERTYPE, output.get(fields::ETH_TYPE))?;
            }
            return Ok(());
        }
    }

    sink.put(ka::ETHERTYPE, output.get(fields::ETH_TYPE))?;
    if is_vlan_type(eth_type) {
        return Ok(());
    }

    match eth_type {
        ETH_P_IP => sink.put(
            ka::IPV4,
            &cat::<12>(&[
                output.get(fields::IPV4_SRC),
                output.get(fields::IPV4_DST),
                output.get(fields::IP_PROTO),
                output.get(fields::IP_TOS),
                output.get(fields::IP_TTL),
                output.get(fields::IP_FRAG),
            ]),
        )?,
        ETH_P_IPV6 => {
            sink.put(
                ka::IPV6,
                &cat::<40>(&[
                    output.get(fields::IPV6_SRC),
                    output.get(fields::IPV6_DST),
                    output.get(fields::IPV6_LABEL),
                    output.get(fields::IP_PROTO),
                    output.get(fields::IP_TOS),
                    output.get(fields::IP_TTL),
                    output.get(fields::IP_FRAG),
                ]),
            )?;
            sink.put(ka::IPV6_EXTHDRS, output.get(fields::IPV6_EXTHDRS))?;
        }
        ETH_P_ARP | ETH_P_RARP => sink.put(
            ka::ARP,
            &cat::<24>(&[
                output.get(fields::IPV4_SRC),
                output.get(fields::IPV4_DST),
                &u16::from(output.get_u8(fields::IP_PROTO)).to_be_bytes(),
                output.get(fields::ARP_SHA),
                output.get(fields::ARP_THA),
            ]),
        )?,
        ETH_P_NSH => {
            let nest = sink.nest_start(ka::NSH)?;
            sink.put(1, output.get(fields::NSH_BASE))?;
            // MD type 1's context; MD type 2 is never written.
            if is_mask || output.get(fields::NSH_BASE).get(2) == Some(&1) {
                sink.put(2, output.get(fields::NSH_CONTEXT))?;
            }
            sink.nest_end(nest)?;
        }
        ETH_P_MPLS_UC | ETH_P_MPLS_MC => {
            let n = output.get_u32(fields::MPLS_NUM_LABELS_MASK).count_ones() as usize;
            let lse = output.get(fields::MPLS_LSE);
            sink.put(ka::MPLS, lse.get(..4 * n.min(3)).unwrap_or(&[]))?;
        }
        _ => {}
    }

    if (eth_type == ETH_P_IP || eth_type == ETH_P_IPV6)
        && swkey.get_u8(fields::IP_FRAG) != OVS_FRAG_TYPE_LATER
    {
        let v6 = eth_type == ETH_P_IPV6;
        let ports = |out: &FlowKey| cat::<4>(&[out.get(fields::TP_SRC), out.get(fields::TP_DST)]);
        // ICMP type and code are the low bytes of the be16 ports.
        let icmp = |out: &FlowKey| {
            [
                out.get(fields::TP_SRC).get(1).copied().unwrap_or(0),
                out.get(fields::TP_DST).get(1).copied().unwrap_or(0),
            ]
        };
        match swkey.get_u8(fields::IP_PROTO) {
            6 => {
                sink.put(ka::TCP, &ports(output))?;
                sink.put(ka::TCP_FLAGS, output.get(fields::TP_FLAGS))?;
            }
            17 => sink.put(ka::UDP, &ports(output))?,
            132 => sink.put(ka::SCTP, &ports(output))?,
            1 if !v6 => sink.put(ka::ICMP, &icmp(output))?,
            58 if v6 => {
                sink.put(ka::ICMPV6, &icmp(output))?;
                let ty = swkey.get(fields::TP_SRC);
                if ty == [0, 135] || ty == [0, 136] {
                    sink.put(
                        ka::ND,
                        &cat::<28>(&[
                            output.get(fields::ND_TARGET),
                            output.get(fields::ND_SLL),
                            output.get(fields::ND_TLL),
                        ]),
                    )?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[path = "key_put/tests.rs"]
mod tests;
