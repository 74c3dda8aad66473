// SPDX-License-Identifier: GPL-2.0

//! Tests of `flow/extract.rs` and its parts: the frames and runners they
//! share, and KUnit suite `ovs_rs_flow_extract` (all but IPv6) here; the
//! IPv6 suite is in `tests/ipv6.rs`. `#[kunit_tests]` takes only an
//! inline module, hence `suite`; the helpers stay outside it (no
//! `assert!` in them: there it would be core's, a panic).

use super::*;
use crate::test_support::FrameBuilder;
use crate::uapi::proto::NEXTHDR_HOP;

#[path = "tests/ipv6.rs"]
mod ipv6;

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

impl FrameBuilder for Frame {
    fn parts(&mut self) -> (&mut [u8], &mut usize) {
        (&mut self.b, &mut self.n)
    }
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

/// ICMPv6 `ty`/`code` with a target and `opts`.
fn nd_frame(ty: u8, code: u8, opts: &[u8]) -> Frame {
    let mut f = Frame::eth(ETH_P_IPV6);
    f.ipv6(NEXTHDR_ICMP)
        .put(&[ty, code, 0, 0, 0, 0, 0, 0])
        .put(&IP6_DST)
        .put(opts);
    f
}

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_flow_extract))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::*;
    use crate::test_support::TestResult;

    #[test]
    fn tcp_over_ipv4() -> TestResult {
        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(IPPROTO_TCP, 0).tcp();
        let (k, o) = run(f.bytes())?;
        assert!(o == offsets(14, Some(34), ETH_P_IP));
        assert!(k.get(fields::ETH_DST) == DST);
        assert!(k.get(fields::ETH_SRC) == SRC);
        assert!(k.get_be16(fields::ETH_TYPE) == ETH_P_IP);
        assert!(k.is_zero(KEY_VLANS));
        assert!(k.get(KEY_IP) == [IPPROTO_TCP, 0x1c, 64, 0]);
        assert!(k.get(fields::IPV4_SRC) == [10, 0, 0, 1]);
        assert!(k.get(fields::IPV4_DST) == [10, 0, 0, 2]);
        assert!(k.get(fields::TP_SRC) == [0x12, 0x34]);
        assert!(k.get(fields::TP_DST) == [0, 80]);
        assert!(k.get(fields::TP_FLAGS) == [0x01, 0x12]);
        assert!(k.get_u32(fields::PHY_PRIORITY) == 7);
        assert!(k.get_u32(fields::PHY_SKB_MARK) == 9);
        assert!(k.get(fields::PHY_IN_PORT) == 3u16.to_ne_bytes());
        assert!(k.get_u8(fields::MAC_PROTO) == 1);
        assert!(k.get_u32(fields::OVS_FLOW_HASH) == 0);
        assert!(k.get_u32(fields::RECIRC_ID) == 0);
        assert!(k.is_zero(span(fields::TUN_OPTS, fields::TUN_FLOW_FLAGS)));
        assert!(k.is_zero(fields::TUN_PROTO));
        assert!(k.is_zero(fields::CT_ORIG_PROTO));
        Ok(())
    }

    #[test]
    fn udp_sctp_icmp_and_other_ipv4() -> TestResult {
        let mut f = Frame::eth(ETH_P_IP);
        // IHL 6: one word of options.
        f.put(&[0x46, 0, 0, 0, 0, 0, 0, 0, 1, IPPROTO_UDP, 0, 0])
            .put(&[1, 2, 3, 4, 5, 6, 7, 8, 1, 0, 0, 0])
            .udp();
        let (k, o) = run(f.bytes())?;
        assert!(o.transport == Some(38));
        assert!(k.get(fields::TP_SRC) == [0x14, 0xe9]);
        assert!(k.get(fields::TP_DST) == [0, 53]);
        assert!(k.is_zero(fields::TP_FLAGS));

        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(IPPROTO_SCTP, 0)
            .put(&[0, 7, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8]);
        let (k, _) = run(f.bytes())?;
        assert!(k.get(KEY_TP) == [0, 7, 0, 9, 0, 0]);

        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(IPPROTO_ICMP, 0).put(&[8, 3, 0, 0, 0, 0, 0, 0]);
        let (k, _) = run(f.bytes())?;
        assert!(k.get(KEY_TP) == [0, 8, 0, 3, 0, 0]);

        // GRE: no ports.
        let mut f = Frame::eth(ETH_P_IP);
        f.ipv4(47, 0).put(&[0xff; 8]);
        let (k, o) = run(f.bytes())?;
        assert!(o.transport == Some(34));
        assert!(k.get_u8(fields::IP_PROTO) == 47);
        assert!(k.is_zero(KEY_TP));
        Ok(())
    }

    #[test]
    fn truncated_ipv4_header_clears_ip_and_succeeds() -> TestResult {
        let mut good = Frame::eth(ETH_P_IP);
        good.ipv4(IPPROTO_TCP, 0).tcp();
        let mut short = Frame::eth(ETH_P_IP);
        short.ipv4(IPPROTO_TCP, 0);
        short.n -= 1;
        let (k, o) = rerun(good.bytes(), short.bytes())?;
        assert!(o == offsets(14, Some(14), ETH_P_IP));
        assert!(k.is_zero(KEY_IP) && k.is_zero(KEY_IPV4));
        assert!(k.get(fields::TP_SRC) == [0x12, 0x34]);
        assert!(k.is_zero(fields::TP_FLAGS));
        assert!(k.get_be16(fields::ETH_TYPE) == ETH_P_IP);

        // IHL below 5, and IHL past the end.
        for ihl_byte in [0x44u8, 0x4f] {
            let mut f = good.clone();
            f.set(14, ihl_byte);
            let (k, o) = rerun(good.bytes(), f.bytes())?;
            assert!(o.transport == Some(14));
            assert!(k.is_zero(KEY_IP) && k.is_zero(KEY_IPV4));
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
            assert!(o.transport == Some(34));
            assert!(k.is_zero(KEY_TP));
            assert!(k.get(KEY_IP) == [IPPROTO_TCP, 0x1c, 64, 0]);
        }
        for (proto, need) in [(IPPROTO_UDP, 8), (IPPROTO_SCTP, 12), (IPPROTO_ICMP, 8)] {
            let mut f = Frame::eth(ETH_P_IP);
            f.ipv4(proto, 0).put(&[0xee; 12]);
            f.n = 34 + need - 1;
            let (k, _) = rerun(good.bytes(), f.bytes())?;
            assert!(k.is_zero(KEY_TP));
            assert!(k.get_u8(fields::IP_PROTO) == proto);
        }
        Ok(())
    }

    #[test]
    fn ipv4_fragments() -> TestResult {
        let mut first = Frame::eth(ETH_P_IP);
        first.ipv4(IPPROTO_TCP, IP_MF).tcp();
        let (k, _) = run(first.bytes())?;
        assert!(k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_FIRST);
        assert!(k.get(fields::TP_DST) == [0, 80]);

        // A later fragment whose payload looks like TCP: no ports.
        let mut later = Frame::eth(ETH_P_IP);
        later.ipv4(IPPROTO_TCP, 185).tcp();
        let (k, o) = rerun(first.bytes(), later.bytes())?;
        assert!(k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_LATER);
        assert!(k.is_zero(KEY_TP));
        assert!(o.transport == Some(34));
        assert!(k.get(fields::IPV4_SRC) == [10, 0, 0, 1]);

        let mut plain = Frame::eth(ETH_P_IP);
        plain.ipv4(IPPROTO_UDP, 0x4000).udp(); // DF only
        let (k, _) = run(plain.bytes())?;
        assert!(k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_NONE);
        let mut m = meta();
        m.skb.gso_udp = true;
        let (k, _) = run_meta(plain.bytes(), &m)?;
        assert!(k.get_u8(fields::IP_FRAG) == OVS_FRAG_TYPE_FIRST);
        Ok(())
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
        assert!(o == offsets(14, None, ETH_P_ARP));
        assert!(k.get(KEY_IP) == [1, 0, 0, 0]);
        assert!(k.get(fields::IPV4_SRC) == [192, 168, 0, 1]);
        assert!(k.get(fields::IPV4_DST) == [192, 168, 0, 2]);
        assert!(k.get(fields::ARP_SHA) == MAC_A);
        assert!(k.get(fields::ARP_THA) == MAC_B);

        let (k, _) = run(arp_frame(ETH_P_RARP, 3).bytes())?;
        assert!(k.get_u8(fields::IP_PROTO) == 3);
        let (k, _) = run(arp_frame(ETH_P_ARP, 0x0102).bytes())?;
        assert!(k.get_u8(fields::IP_PROTO) == 0);
        assert!(k.get(fields::ARP_SHA) == MAC_A);

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
            assert!(k.is_zero(KEY_IP) && k.is_zero(KEY_IPV4));
            assert!(o.transport.is_none());
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
        assert!(
            o.vlan_pop
                == Some(VlanTag {
                    tpid: ETH_P_8021Q,
                    tci: 0x3005,
                })
        );
        assert!(o.network == 14 && o.mac_len == 14);
        assert!(o.protocol == ETH_P_ARP);
        assert!(k.get_be16(fields::ETH_VLAN_TPID) == ETH_P_8021Q);
        assert!(k.get_be16(fields::ETH_VLAN_TCI) == 0x3005);
        assert!(k.is_zero(span(fields::ETH_CVLAN_TPID, fields::ETH_CVLAN_TCI)));
        assert!(k.get_be16(fields::ETH_TYPE) == ETH_P_ARP);
        assert!(k.get(fields::ARP_SHA) == MAC_A && k.get_u8(fields::IP_PROTO) == 2);

        let mut f = Frame::eth(ETH_P_8021Q);
        f.be16(0x0005).be16(ETH_P_IP).ipv4(IPPROTO_UDP, 0).udp();
        let (k, o) = run(f.bytes())?;
        assert!(k.get_be16(fields::ETH_VLAN_TCI) == 0x1005);
        assert!(o.transport == Some(34));
        assert!(k.get(fields::TP_DST) == [0, 53]);
        Ok(())
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
        assert!(
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
            }
        );
        assert!(k.get_be16(fields::ETH_VLAN_TPID) == ETH_P_8021AD);
        assert!(k.get_be16(fields::ETH_VLAN_TCI) == 0x1064);
        assert!(k.get_be16(fields::ETH_CVLAN_TPID) == ETH_P_8021Q);
        assert!(k.get_be16(fields::ETH_CVLAN_TCI) == 0x100a);
        assert!(k.get_be16(fields::ETH_TYPE) == ETH_P_IP);

        // A third tag is the ethertype.
        let mut f = Frame::eth(ETH_P_8021Q);
        f.be16(1)
            .be16(ETH_P_8021Q)
            .be16(2)
            .be16(ETH_P_8021Q)
            .be16(3);
        f.be16(ETH_P_IP).ipv4(IPPROTO_UDP, 0).udp();
        let (k, o) = run(f.bytes())?;
        assert!(k.get_be16(fields::ETH_TYPE) == ETH_P_8021Q);
        assert!(o.network == 18 && o.transport.is_none());
        assert!(k.is_zero(KEY_IP));
        Ok(())
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
        assert!(o.vlan_pop.is_none());
        assert!(o.network == 18 && o.transport == Some(38));
        assert!(o.protocol == ETH_P_8021Q);
        assert!(k.get_be16(fields::ETH_VLAN_TPID) == ETH_P_8021AD);
        assert!(k.get_be16(fields::ETH_VLAN_TCI) == 0x1005);
        assert!(k.get_be16(fields::ETH_CVLAN_TCI) == 0x1007);

        // TCI 0 is still a tag; TPID and TCI both 0 is none.
        let mut plain = Frame::eth(ETH_P_IP);
        plain.ipv4(IPPROTO_UDP, 0).udp();
        m.skb.vlan_hwaccel = Some(VlanTag {
            tpid: ETH_P_8021Q,
            tci: 0,
        });
        let (k, o) = run_meta(plain.bytes(), &m)?;
        assert!(k.get_be16(fields::ETH_VLAN_TCI) == 0x1000);
        assert!(k.is_zero(span(fields::ETH_CVLAN_TPID, fields::ETH_CVLAN_TCI)));
        assert!(o == offsets(14, Some(34), ETH_P_IP));
        m.skb.vlan_hwaccel = Some(VlanTag::default());
        let (k, _) = run_meta(plain.bytes(), &m)?;
        assert!(k.is_zero(KEY_VLANS));
        Ok(())
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
        assert!(k2 == k);
        assert!(
            o2 == Offsets {
                vlan_pop: None,
                ..o
            }
        );
        assert!(o.transport == Some(18 + 40 + 8));
        Ok(())
    }

    #[test]
    fn truncated_vlan_tags() -> TestResult {
        // Fewer than 6 bytes from the TPID: not a tag, the TPID is the type.
        let mut f = Frame::eth(ETH_P_8021Q);
        f.put(&[0, 5, 8]);
        let (k, o) = run(f.bytes())?;
        assert!(o == offsets(14, None, ETH_P_8021Q));
        assert!(k.is_zero(KEY_VLANS));
        assert!(k.get_be16(fields::ETH_TYPE) == ETH_P_8021Q);

        // Exactly 18 bytes: a tag, then an ethertype with nothing after.
        let mut f = Frame::eth(ETH_P_8021Q);
        f.be16(5).be16(ETH_P_IP);
        let (k, o) = run(f.bytes())?;
        assert!(o.vlan_pop.is_some() && o.network == 14);
        assert!(o.transport == Some(14));
        assert!(k.get_be16(fields::ETH_VLAN_TCI) == 0x1005);

        // Inner tag cut short.
        let mut f = Frame::eth(ETH_P_8021Q);
        f.be16(5).be16(ETH_P_8021AD).put(&[0, 6, 8]);
        let (k, o) = run(f.bytes())?;
        assert!(o.protocol == ETH_P_8021AD && o.network == 14);
        assert!(k.is_zero(span(fields::ETH_CVLAN_TPID, fields::ETH_CVLAN_TCI)));
        Ok(())
    }

    #[test]
    fn llc_and_snap() -> TestResult {
        let mut llc = Frame::eth(0x0026);
        llc.put(&[0x42, 0x42, 0x03, 0, 0, 0, 0, 0, 0, 0]);
        let (k, o) = run(llc.bytes())?;
        assert!(k.get_be16(fields::ETH_TYPE) == ETH_P_802_2);
        assert!(o == offsets(14, None, ETH_P_802_2));

        let mut snap = Frame::eth(0x0030);
        snap.put(&[0xaa, 0xaa, 0x03, 0, 0, 0])
            .be16(ETH_P_IP)
            .ipv4(IPPROTO_UDP, 0)
            .udp();
        let (k, o) = run(snap.bytes())?;
        assert!(k.get_be16(fields::ETH_TYPE) == ETH_P_IP);
        assert!(o == offsets(22, Some(42), ETH_P_IP));
        assert!(k.get(fields::TP_DST) == [0, 53]);

        // A SNAP length: 802.2, but past the SNAP header.
        let mut f = snap.clone();
        f.set(20, 0x01);
        f.set(21, 0x00);
        let (k, o) = run(f.bytes())?;
        assert!(k.get_be16(fields::ETH_TYPE) == ETH_P_802_2);
        assert!(o.network == 22);

        // Non-zero OUI: 802.2 at 14.
        let mut f = snap.clone();
        f.set(19, 0x0c);
        let (k, o) = run(f.bytes())?;
        assert!(k.get_be16(fields::ETH_TYPE) == ETH_P_802_2);
        assert!(o.network == 14);

        // Fewer than 8 bytes after the length.
        let mut f = Frame::eth(0x0005);
        f.put(&[0xaa, 0xaa, 0x03, 0, 0, 0, 8]);
        let (k, o) = run(f.bytes())?;
        assert!(k.get_be16(fields::ETH_TYPE) == ETH_P_802_2 && o.network == 14);
        Ok(())
    }

    #[test]
    fn short_ethernet_is_an_error() -> TestResult {
        let f = Frame::eth(ETH_P_IP);
        let mut key = FlowKey::default();
        for n in 0..14 {
            let r = extract(f.bytes().get(..n).unwrap_or(&[]), &meta(), &mut key);
            assert!(r == Err(ExtractError::ShortFrame));
        }
        assert!(ExtractError::ShortFrame.errno() == 22);
        let (k, o) = run(f.bytes())?;
        assert!(o == offsets(14, Some(14), ETH_P_IP));
        assert!(k.get(fields::ETH_SRC) == SRC);
        Ok(())
    }

    #[test]
    fn layer3_packets() -> TestResult {
        let mut f = Frame::new();
        f.ipv6(IPPROTO_UDP).udp();
        let mut m = meta();
        m.mac_proto = MacProto::None;
        m.skb.l3_protocol = ETH_P_IPV6;
        let (k, o) = run_meta(f.bytes(), &m)?;
        assert!(o == offsets(0, Some(40), ETH_P_IPV6));
        assert!(k.get_u8(fields::MAC_PROTO) == 0);
        assert!(k.is_zero(span(fields::ETH_SRC, fields::ETH_DST)));
        assert!(k.get_be16(fields::ETH_TYPE) == ETH_P_IPV6);
        assert!(k.get(fields::TP_DST) == [0, 53]);

        let mut mpls = Frame::new();
        mpls.put(&[0, 0x10, 0x01, 64]);
        m.skb.l3_protocol = ETH_P_MPLS_UC;
        let (k, o) = run_meta(mpls.bytes(), &m)?;
        assert!(o.inner_network == Some(4));
        assert!(k.get_u32(fields::MPLS_NUM_LABELS_MASK) == 1);

        let mut key = FlowKey::default();
        for tpid in [ETH_P_8021Q, ETH_P_8021AD] {
            m.skb.l3_protocol = tpid;
            let r = extract(f.bytes(), &m, &mut key);
            assert!(r == Err(ExtractError::L3Vlan));
        }
        assert!(mac_proto_for_device(ARPHRD_ETHER, 0) == Some(MacProto::Ethernet));
        assert!(mac_proto_for_device(ARPHRD_NONE, ETH_P_TEB) == Some(MacProto::Ethernet));
        assert!(mac_proto_for_device(ARPHRD_NONE, ETH_P_IP) == Some(MacProto::None));
        assert!(mac_proto_for_device(772, ETH_P_IP).is_none());
        Ok(())
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
        assert!(o.network == 14 && o.inner_network == Some(18));
        assert!(o.transport.is_none());
        assert!(k.get_u32(fields::MPLS_NUM_LABELS_MASK) == 1);
        assert!(k.get(fields::MPLS_LSE).get(..4) == Some(&bos[..]));

        let mut four = Frame::eth(ETH_P_MPLS_MC);
        four.put(&l1).put(&l2).put(&l3).put(&bos);
        let (k, o) = run(four.bytes())?;
        assert!(k.get_u32(fields::MPLS_NUM_LABELS_MASK) == 7);
        assert!(o.inner_network == Some(30));
        let mut want = [0u8; 12];
        want[..4].copy_from_slice(&l1);
        want[4..8].copy_from_slice(&l2);
        want[8..].copy_from_slice(&l3);
        assert!(k.get(fields::MPLS_LSE) == want);

        // No bottom of stack before the end: mask 0, labels read kept,
        // the rest cleared.
        let mut cut = Frame::eth(ETH_P_MPLS_UC);
        cut.put(&l1).put(&l2).put(&[0, 0]);
        let (k, o) = rerun(four.bytes(), cut.bytes())?;
        assert!(k.get_u32(fields::MPLS_NUM_LABELS_MASK) == 0);
        want[8..].copy_from_slice(&[0; 4]);
        assert!(k.get(fields::MPLS_LSE) == want);
        assert!(o.inner_network == Some(22));

        // Under a VLAN tag.
        let mut tagged = Frame::eth(ETH_P_8021Q);
        tagged.be16(5).be16(ETH_P_MPLS_UC).put(&bos);
        let (k, o) = run(tagged.bytes())?;
        assert!(o.network == 14 && o.inner_network == Some(18));
        assert!(k.get_u32(fields::MPLS_NUM_LABELS_MASK) == 1);
        Ok(())
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
        assert!(o == offsets(14, None, ETH_P_NSH));
        assert!(k.get(fields::NSH_BASE) == [2, 63, 1, 3, 0, 0, 0x10, 0xff]);
        let mut ctx = [0u8; 16];
        for (i, c) in ctx.iter_mut().enumerate() {
            *c = i as u8 + 1;
        }
        assert!(k.get(fields::NSH_CONTEXT) == ctx);

        // MD type 2 clears the context, whatever the length says.
        let md1 = nsh_frame(0x2fc6, NSH_M_TYPE1, 6);
        for word in [0x0fc2u16, 0x0fc0] {
            let (k, _) = rerun(md1.bytes(), nsh_frame(word, NSH_M_TYPE2, 2).bytes())?;
            assert!(k.is_zero(fields::NSH_CONTEXT));
            // flags, the first byte of the base header.
            assert!(k.get(fields::NSH_BASE).first() == Some(&0));
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
            assert!(extract(f.bytes(), &meta(), &mut key) == Err(*e));
            assert!(e.errno() == 22);
        }
        let f = nsh_frame(0x0fc2, NSH_M_TYPE2, 2);
        for n in 14..22 {
            let r = extract(f.bytes().get(..n).unwrap_or(&[]), &meta(), &mut key);
            assert!(r == Err(ExtractError::NshTruncated));
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
        assert!(o.transport == Some(34));
        assert!(k.get_u8(fields::MAC_PROTO) == 1);
        assert!(k.get_u32(fields::RECIRC_ID) == 5);
        assert!(k.get_u32(fields::OVS_FLOW_HASH) == 0x1234);
        assert!(k.get(KEY_TP) == [0x14, 0xe9, 0, 53, 0, 0]);

        // A failed update leaves the mark.
        k.set_u8(fields::MAC_PROTO, 1 | SW_FLOW_KEY_INVALID);
        assert!(update(&[0; 10], &SkbState::default(), &mut k).is_err());
        assert!(k.get_u8(fields::MAC_PROTO) == 0x81);

        // Layers 3 and 4 alone, from the network header (conntrack).
        let l3 = tcp.bytes().get(14..).unwrap_or(&[]);
        let mut k = FlowKey::default();
        k.set_be16(fields::ETH_TYPE, ETH_P_IP);
        let o = key_extract_l3l4(l3, 0, 0, false, &mut k).map_err(|_| "l3l4")?;
        assert!(o.transport == Some(20));
        assert!(k.get(fields::TP_DST) == [0, 80]);
        Ok(())
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
        assert!(k.get_u8(fields::CT_STATE) == 0x21);
        assert!(k.get(fields::CT_ZONE) == 7u16.to_ne_bytes());
        assert!(k.get_u32(fields::CT_MARK) == 0xabcd);
        assert!(k.get(fields::CT_LABELS) == [3; 16]);
        assert!(k.get(fields::IPV4_CT_ORIG_SRC) == [1, 2, 3, 4]);
        assert!(k.get(fields::IPV4_CT_ORIG_DST) == [5, 6, 7, 8]);
        assert!(k.get_u8(fields::CT_ORIG_PROTO) == IPPROTO_TCP);
        assert!(k.get_be16(fields::CT_ORIG_TP_SRC) == 1000);
        assert!(k.get_be16(fields::CT_ORIG_TP_DST) == 80);

        // The wrong family: no tuple.
        let mut v6 = Frame::eth(ETH_P_IPV6);
        v6.ipv6(IPPROTO_TCP).tcp();
        let (k, _) = run_meta(v6.bytes(), &m)?;
        assert!(k.get_u8(fields::CT_ORIG_PROTO) == 0);
        assert!(k.is_zero(span(fields::CT_ORIG_TP_SRC, fields::CT_ORIG_TP_DST)));

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
        assert!(k.get(fields::IPV6_CT_ORIG_DST) == IP6_DST);
        assert!(k.get_u8(fields::CT_ORIG_PROTO) == IPPROTO_TCP);
        // ND's fields share the space: no tuple over them.
        let sll = [1, 1, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f];
        let (k, _) = run_meta(nd_frame(135, 0, &sll).bytes(), &m)?;
        assert!(k.get(fields::ND_SLL) == MAC_A);
        assert!(k.get_u8(fields::CT_ORIG_PROTO) == 0);
        Ok(())
    }

    #[test]
    fn tunnel_options_sit_at_the_end() {
        let mut k = FlowKey::default();
        let tun = [9u8; 64];
        assert!(set_tunnel(&mut k, 2, &tun, &[1, 2, 3, 4, 5, 6, 7, 8]));
        assert!(k.get(fields::TUN_KEY) == tun);
        assert!(k.get_u8(fields::TUN_PROTO) == 2);
        assert!(k.get_u8(fields::TUN_OPTS_LEN) == 8);
        assert!(k.get(fields::TUN_OPTS).get(247..) == Some(&[1, 2, 3, 4, 5, 6, 7, 8][..]));
        assert!(k
            .get(fields::TUN_OPTS)
            .get(..247)
            .is_some_and(|s| s.iter().all(|&b| b == 0)));
        assert!(!set_tunnel(&mut k, 2, &tun, &[0; 256]));
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
                        assert!(o.network <= len);
                        assert!(o.transport.is_none_or(|t| t <= len));
                        assert!(o.inner_network.is_none_or(|t| t <= len));
                    }
                    Err(ExtractError::ShortFrame) => assert!(n < 14),
                    Err(_) => assert!(nsh),
                }
            }
            for at in 0..f.n {
                for v in [0x00, 0xff] {
                    let mut g = f.clone();
                    g.set(at, v);
                    if let Ok(o) = extract(g.bytes(), &meta(), &mut key) {
                        assert!(o.network <= g.n);
                        assert!(o.transport.is_none_or(|t| t <= g.n));
                    }
                }
            }
        }
        Ok(())
    }
}
