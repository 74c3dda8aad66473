// SPDX-License-Identifier: GPL-2.0

//! Tests of `actions/edit.rs` and its parts: the frames, references and
//! attributes they share, and KUnit suite `ovs_rs_actions_edit`
//! (checksums, Ethernet, MPLS, dec_ttl, attributes, NSH) here; the IPv4,
//! IPv6 and transport suites are in `tests/`. `#[kunit_tests]` takes only
//! an inline module, hence `suite`; the helpers stay outside it (no
//! `assert!` in them: there it would be core's, a panic).

use super::*;
use crate::flow::extract::{extract, CtMeta, MacProto, PacketMeta, SkbState};
use crate::test_support::FrameBuilder;

#[path = "tests/ipv4.rs"]
mod ipv4;
#[path = "tests/ipv6.rs"]
mod ipv6;
#[path = "tests/transport.rs"]
mod transport;

const DST: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
const SRC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const SRC4: [u8; 4] = [192, 168, 1, 10];
const DST4: [u8; 4] = [10, 0, 0, 2];
const SRC6: [u8; 16] = [
    0xfd, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef,
];
const DST6: [u8; 16] = [
    0xfd, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0, 0, 0, 0, 0xca, 0xfe, 0xf0, 0x0d,
];
/// The final destination in the routing header of [`Frame::routing`].
const FINAL6: [u8; 16] = [0xfd, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x77, 0x01];
/// Odd-sized, so sums have a padded tail byte.
const PAYLOAD: &[u8] = b"hello, world!";

/// How a frame's L4 checksum is filled in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum L4Sum {
    /// The correct checksum.
    Full,
    /// Zero (UDP: no checksum).
    Zero,
    /// The folded pseudo-header sum, as `CHECKSUM_PARTIAL` leaves it.
    Partial,
}

/// A frame built in place (KUnit tests do not allocate), with the
/// offsets the executor would pass.
#[derive(Clone)]
struct Frame {
    b: [u8; 256],
    n: usize,
    nh: usize,
    th: usize,
    proto: u16,
    v6: bool,
    l4: u8,
    /// The pseudo-header's destination when a routing header says
    /// so.
    final_dst: Option<[u8; 16]>,
}

impl FrameBuilder for Frame {
    fn parts(&mut self) -> (&mut [u8], &mut usize) {
        (&mut self.b, &mut self.n)
    }
}

impl Frame {
    fn eth(ty: u16) -> Self {
        let mut f = Frame {
            b: [0; 256],
            n: 0,
            nh: 14,
            th: 14,
            proto: ty,
            v6: false,
            l4: 0,
            final_dst: None,
        };
        f.put(&DST).put(&SRC).be16(ty);
        f
    }

    fn set(&mut self, at: usize, v: &[u8]) {
        write(&mut self.b, at, v);
    }

    fn at<const N: usize>(&self, at: usize) -> [u8; N] {
        padded(self.bytes(), at)
    }

    fn bytes(&self) -> &[u8] {
        self.b.get(..self.n).unwrap_or(&[])
    }

    fn cut(&mut self, n: usize) {
        self.n = self.n.min(n);
    }

    /// IPv4, 20 bytes: ToS 0x1c, TTL 64, SRC4 > DST4.
    fn ipv4(&mut self, proto: u8, frag_off: u16) -> &mut Self {
        self.nh = self.n;
        self.l4 = proto;
        self.put(&[0x45, 0x1c, 0, 0, 0x12, 0x34])
            .be16(frag_off)
            .put(&[64, proto, 0, 0])
            .put(&SRC4)
            .put(&DST4);
        self.th = self.n;
        self
    }

    /// IPv6: traffic class 0xab, flow label 0x12345, hop limit 33.
    fn ipv6(&mut self, next: u8) -> &mut Self {
        self.nh = self.n;
        self.v6 = true;
        self.put(&[0x6a, 0xb1, 0x23, 0x45, 0, 0, next, 33])
            .put(&SRC6)
            .put(&DST6);
        self.th = self.n;
        self
    }

    /// A routing header (type 0) with one address, FINAL6.
    fn routing(&mut self, next: u8, segments_left: u8) -> &mut Self {
        self.put(&[next, 2, 0, segments_left, 0, 0, 0, 0])
            .put(&FINAL6);
        self.final_dst = Some(FINAL6);
        self
    }

    /// TCP 0x1234 > 80, then PAYLOAD.
    fn tcp(&mut self) -> &mut Self {
        self.th = self.n;
        self.l4 = IPPROTO_TCP;
        self.put(&[0x12, 0x34, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18])
            .put(&[0x20, 0, 0, 0, 0, 0])
            .put(PAYLOAD)
    }

    /// UDP 5353 > 53, then PAYLOAD.
    fn udp(&mut self) -> &mut Self {
        self.th = self.n;
        self.l4 = IPPROTO_UDP;
        let len = (UDP_HLEN + PAYLOAD.len()) as u16;
        self.put(&[0x14, 0xe9, 0, 53])
            .be16(len)
            .put(&[0, 0])
            .put(PAYLOAD)
    }

    /// An ICMPv6 echo request.
    fn icmp6(&mut self) -> &mut Self {
        self.th = self.n;
        self.l4 = NEXTHDR_ICMP;
        self.put(&[128, 0, 0, 0, 0, 7, 0, 1]).put(PAYLOAD)
    }

    /// SCTP 5000 > 6000 with a DATA-ish chunk; its CRC from
    /// [`Frame::finish`].
    fn sctp(&mut self) -> &mut Self {
        self.th = self.n;
        self.l4 = 132;
        self.put(&[0x13, 0x88, 0x17, 0x70, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0])
            .put(&[0, 3, 0, 16, 0, 0, 0, 1, 0, 0, 0, 0, 0xa, 0xb, 0xc, 0xd])
    }

    /// Sets the lengths and the checksums.
    fn finish(&mut self, l4: L4Sum) -> &mut Self {
        let total = self.n.saturating_sub(self.nh) as u16;
        if self.v6 {
            self.set(self.nh + 4, &total.saturating_sub(40).to_be_bytes());
        } else {
            self.set(self.nh + 2, &total.to_be_bytes());
            self.set(self.nh + 10, &[0, 0]);
            let hdr = self.bytes().get(self.nh..self.nh + 20).unwrap_or(&[]);
            let sum = !fold(sum_be(hdr));
            self.set(self.nh + 10, &sum.to_be_bytes());
        }
        let th = self.th;
        if self.l4 == 132 {
            let crc = sctp_crc(self.bytes(), th);
            self.set(th + 8, &crc.to_le_bytes());
            return self;
        }
        let Some(check_at) = l4_check_at(self.l4).map(|o| th + o) else {
            return self;
        };
        self.set(check_at, &[0, 0]);
        let sum = match l4 {
            L4Sum::Zero => 0,
            L4Sum::Partial => fold(pseudo(self, self.bytes())),
            L4Sum::Full => {
                let body = self.bytes().get(th..).unwrap_or(&[]);
                let s = !fold(pseudo(self, self.bytes()) + sum_be(body));
                // A computed 0 goes out as 0xffff (UDP).
                if s == 0 {
                    0xffff
                } else {
                    s
                }
            }
        };
        self.set(check_at, &sum.to_be_bytes());
        self
    }

    /// The packet as the executor would pass it, and the initial
    /// `skb->csum` for `CHECKSUM_COMPLETE`.
    fn pkt(&mut self, ip_summed: IpSummed) -> Packet<'_> {
        let csum = complete_of(self.bytes());
        Packet {
            mac_len: 14,
            network: self.nh,
            transport: self.th,
            protocol: self.proto,
            csum: Csum { ip_summed, csum },
            data: self.b.get_mut(..self.n).unwrap_or(&mut []),
        }
    }
}

fn l4_check_at(proto: u8) -> Option<usize> {
    match proto {
        IPPROTO_TCP => Some(TCP_CHECK),
        IPPROTO_UDP => Some(UDP_CHECK),
        NEXTHDR_ICMP => Some(ICMP6_CHECK),
        _ => None,
    }
}

// From-scratch references, in big-endian arithmetic, independent of
// the code under test.

/// The sum of big-endian 16-bit words (odd tail padded).
fn sum_be(d: &[u8]) -> u32 {
    d.chunks(2)
        .map(|c| match c {
            [a, b] => u32::from(u16::from_be_bytes([*a, *b])),
            [a] => u32::from(*a) << 8,
            _ => 0,
        })
        .fold(0u32, u32::wrapping_add)
}

/// End-around fold to 16 bits (not inverted).
fn fold(mut s: u32) -> u16 {
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    s as u16
}

/// Equal as one's-complement numbers (0 and 0xffff both zero).
fn ones_eq(a: u16, b: u16) -> bool {
    u32::from(a) % 0xffff == u32::from(b) % 0xffff
}

/// The pseudo-header sum of `f`'s L4 packet, addresses as now in `d`.
fn pseudo(f: &Frame, d: &[u8]) -> u32 {
    let l4_len = d.len().saturating_sub(f.th) as u32;
    let proto = u32::from(f.l4);
    if f.v6 {
        let dst = f.final_dst.unwrap_or_else(|| padded(d, f.nh + 24));
        sum_be(&padded::<16>(d, f.nh + 8)) + sum_be(&dst) + l4_len + proto
    } else {
        sum_be(&padded::<8>(d, f.nh + 12)) + l4_len + proto
    }
}

fn ip4_ok(d: &[u8], nh: usize) -> bool {
    fold(sum_be(d.get(nh..nh + 20).unwrap_or(&[]))) == 0xffff
}

/// The L4 checksum (with pseudo-header) verifies.
fn l4_ok(f: &Frame) -> bool {
    let d = f.bytes();
    let body = d.get(f.th..).unwrap_or(&[]);
    fold(pseudo(f, d) + sum_be(body)) == 0xffff
}

/// The L4 checksum field holds the pseudo-header sum.
fn l4_partial_ok(f: &Frame) -> bool {
    let at = l4_check_at(f.l4).unwrap_or(0);
    ones_eq(
        u16::from_be_bytes(f.at(f.th + at)),
        fold(pseudo(f, f.bytes())),
    )
}

fn l4_check(f: &Frame) -> [u8; 2] {
    f.at(f.th + l4_check_at(f.l4).unwrap_or(0))
}

/// `skb->csum` of `d` as C keeps it: the native-endian sum.
fn complete_of(d: &[u8]) -> u32 {
    u32::from(u16::from_ne_bytes(fold(sum_be(d)).to_be_bytes()))
}

/// `csum` is the sum of all of `d`.
fn complete_ok(csum: Csum, d: &[u8]) -> bool {
    let native = fold(csum.csum);
    let be = u16::from_be_bytes(native.to_ne_bytes());
    csum.ip_summed == IpSummed::Complete && ones_eq(be, fold(sum_be(d)))
}

/// CRC32c, bit by bit.
fn crc32c_ref(parts: &[&[u8]]) -> u32 {
    let mut c = !0u32;
    for part in parts {
        for &b in *part {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    (c >> 1) ^ 0x82f6_3b78
                } else {
                    c >> 1
                };
            }
        }
    }
    !c
}

/// The correct SCTP checksum of the packet at `sh`.
fn sctp_crc(d: &[u8], sh: usize) -> u32 {
    crc32c_ref(&[
        d.get(sh..sh + 8).unwrap_or(&[]),
        &[0; 4],
        d.get(sh + 12..).unwrap_or(&[]),
    ])
}

fn key_of(d: &[u8]) -> Result<FlowKey, &'static str> {
    let meta = PacketMeta {
        in_port: 1,
        priority: 0,
        skb_mark: 0,
        recirc_id: 0,
        mac_proto: MacProto::Ethernet,
        skb: SkbState::default(),
        ct: CtMeta::default(),
    };
    let mut key = FlowKey::default();
    extract(d, &meta, &mut key).map_err(|_| "extract failed")?;
    Ok(key)
}

/// The key C leaves is the key of the edited packet.
fn key_matches(key: &FlowKey, f: &Frame) -> bool {
    key_of(f.bytes()).is_ok_and(|k| k == *key)
}

/// Runs one set action on `f`.
fn apply(
    f: &mut Frame,
    ip_summed: IpSummed,
    ty: u16,
    value: &[u8],
    mask: &[u8],
    key: &mut FlowKey,
) -> (Result<Effects, EditError>, Csum) {
    let mut p = f.pkt(ip_summed);
    let r = set_masked(ty, value, mask, &mut p, key);
    (r, p.csum)
}

fn ipv4_attr(src: [u8; 4], dst: [u8; 4], tos: u8, ttl: u8) -> [u8; 12] {
    let mut a = [0u8; 12];
    write(&mut a, 0, &src);
    write(&mut a, 4, &dst);
    write(&mut a, 9, &[tos, ttl]);
    a
}

fn ipv6_attr(src: [u8; 16], dst: [u8; 16], label: u32, tclass: u8, hl: u8) -> [u8; 40] {
    let mut a = [0u8; 40];
    write(&mut a, 0, &src);
    write(&mut a, 16, &dst);
    write(&mut a, 32, &label.to_be_bytes());
    write(&mut a, 37, &[tclass, hl]);
    a
}

fn ports(src: u16, dst: u16) -> [u8; 4] {
    let [a, b] = src.to_be_bytes();
    let [c, d] = dst.to_be_bytes();
    [a, b, c, d]
}

const ALL: Effects = Effects {
    clear_hash: true,
    ct_clear: true,
};

fn tcp4() -> Frame {
    let mut f = Frame::eth(ETH_P_IP);
    f.ipv4(IPPROTO_TCP, 0).tcp().finish(L4Sum::Full);
    f
}

fn udp4(l4: L4Sum) -> Frame {
    let mut f = Frame::eth(ETH_P_IP);
    f.ipv4(IPPROTO_UDP, 0).udp().finish(l4);
    f
}

fn tcp6() -> Frame {
    let mut f = Frame::eth(ETH_P_IPV6);
    f.ipv6(IPPROTO_TCP).tcp().finish(L4Sum::Full);
    f
}

fn udp6(l4: L4Sum) -> Frame {
    let mut f = Frame::eth(ETH_P_IPV6);
    f.ipv6(IPPROTO_UDP).udp().finish(l4);
    f
}

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_actions_edit))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::*;
    use crate::test_support::TestResult;

    // The checksum primitives.

    /// A simple deterministic generator for test inputs.
    fn lcg(s: &mut u32) -> u32 {
        *s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        *s
    }

    #[test]
    fn fold_matches_the_generic_formula() {
        let generic = |sum: u32| ((!sum).wrapping_sub(sum.rotate_right(16)) >> 16) as u16;
        let mut s = 1;
        for v in [
            0,
            1,
            0xffff,
            0x1_0000,
            0xffff_0000,
            0xffff_ffff,
            0xfffe_0001,
        ] {
            assert!(csum_fold(v) == generic(v));
        }
        for _ in 0..10_000 {
            let v = lcg(&mut s);
            assert!(csum_fold(v) == generic(v));
        }
    }

    #[test]
    fn partial_sums_are_the_ones_complement_sum() {
        let mut buf = [0u8; 200];
        let mut s = 7;
        for b in buf.iter_mut() {
            *b = lcg(&mut s) as u8;
        }
        for len in 0..buf.len() {
            let d = buf.get(..len).unwrap_or(&[]);
            let init = lcg(&mut s);
            // Native 16-bit words, as the CPU adds them.
            let mut r = u64::from(init);
            for c in d.chunks(2) {
                let w = match c {
                    [a, b] => u16::from_ne_bytes([*a, *b]),
                    [a] => u16::from_ne_bytes([*a, 0]),
                    _ => 0,
                };
                r += u64::from(w);
            }
            assert!(u64::from(csum_partial(d, init)) % 0xffff == r % 0xffff);
        }
        assert!(csum_partial(&[0; 12], 0) == 0);
    }

    #[test]
    fn crc32c_check_value() {
        assert!(!csum::crc32c(!0, b"123456789") == 0xe306_9283);
        assert!(crc32c_ref(&[b"123456789"]) == 0xe306_9283);
    }

    // Ethernet.

    #[test]
    fn set_eth_addresses() -> TestResult {
        for summed in [IpSummed::None, IpSummed::Complete, IpSummed::Partial] {
            let mut f = tcp4();
            let mut key = key_of(f.bytes())?;
            let orig = f.clone();
            let value = [1, 2, 3, 4, 5, 6, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f];
            let (r, csum) = apply(
                &mut f,
                summed,
                key_attr::ETHERNET,
                &value,
                &[0xff; 12],
                &mut key,
            );
            assert!(r == Ok(Effects::default()));
            assert!(f.at::<6>(6) == [1, 2, 3, 4, 5, 6]);
            assert!(f.at::<6>(0) == [0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f]);
            assert!(f.bytes().get(12..) == orig.bytes().get(12..));
            assert!(key_matches(&key, &f));
            match summed {
                IpSummed::Complete => assert!(complete_ok(csum, f.bytes())),
                _ => assert!(csum.csum == complete_of(orig.bytes())),
            }
        }
        Ok(())
    }

    #[test]
    fn set_eth_partial_mask() -> TestResult {
        let mut f = tcp4();
        let mut key = key_of(f.bytes())?;
        // Only the low byte of the source and the top nibble of the
        // destination's first byte.
        let value = [0, 0, 0, 0, 0, 0x55, 0xa0, 0, 0, 0, 0, 0];
        let mask = [0, 0, 0, 0, 0, 0xff, 0xf0, 0, 0, 0, 0, 0];
        let (r, csum) = apply(
            &mut f,
            IpSummed::Complete,
            key_attr::ETHERNET,
            &value,
            &mask,
            &mut key,
        );
        assert!(r.is_ok());
        assert!(f.at::<6>(6) == [0x02, 0, 0, 0, 0, 0x55]);
        assert!(f.at::<6>(0) == [0xa2, 0, 0, 0, 0, 0x02]);
        assert!(key_matches(&key, &f));
        assert!(complete_ok(csum, f.bytes()));
        Ok(())
    }

    #[test]
    fn set_eth_truncated() {
        let mut f = tcp4();
        f.cut(13);
        let orig = f.clone();
        let mut key = FlowKey::default();
        let (r, csum) = apply(
            &mut f,
            IpSummed::Complete,
            key_attr::ETHERNET,
            &[7; 12],
            &[0xff; 12],
            &mut key,
        );
        assert!(r == Err(EditError::Truncated));
        assert!(f.bytes() == orig.bytes());
        assert!(csum.csum == complete_of(orig.bytes()));
        assert!(key == FlowKey::default());
        f.put(&[0]);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::ETHERNET,
            &[7; 12],
            &[0xff; 12],
            &mut key,
        );
        assert!(r.is_ok());
    }

    // MPLS.

    fn mpls() -> Frame {
        let mut f = Frame::eth(ETH_P_MPLS_UC);
        // Label 100, TC 0, bottom of stack, TTL 64.
        f.put(&[0x00, 0x06, 0x41, 0x40]);
        f.ipv4(IPPROTO_UDP, 0).udp().finish(L4Sum::Full);
        f.nh = 14;
        f
    }

    #[test]
    fn mpls_top_label() -> TestResult {
        for summed in [IpSummed::None, IpSummed::Complete] {
            let mut f = mpls();
            let mut key = key_of(f.bytes())?;
            let value = [0x12, 0x34, 0x51, 0x20];
            let (r, csum) = apply(&mut f, summed, key_attr::MPLS, &value, &[0xff; 4], &mut key);
            assert!(r == Ok(Effects::default()));
            assert!(f.at::<4>(14) == value);
            assert!(key_matches(&key, &f));
            if summed == IpSummed::Complete {
                assert!(complete_ok(csum, f.bytes()));
            }
            // TTL only.
            let (r, csum2) = {
                let mut p = f.pkt(summed);
                p.csum.csum = csum.csum;
                let r = set_masked(
                    key_attr::MPLS,
                    &[0, 0, 0, 9],
                    &[0, 0, 0, 0xff],
                    &mut p,
                    &mut key,
                );
                (r, p.csum)
            };
            assert!(r.is_ok());
            assert!(f.at::<4>(14) == [0x12, 0x34, 0x51, 9]);
            assert!(key_matches(&key, &f));
            if summed == IpSummed::Complete {
                assert!(complete_ok(csum2, f.bytes()));
            }
        }
        Ok(())
    }

    #[test]
    fn mpls_errors() {
        // Not an MPLS skb.
        let mut f = mpls();
        f.proto = ETH_P_IP;
        let orig = f.clone();
        let mut key = FlowKey::default();
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::MPLS,
            &[1; 4],
            &[0xff; 4],
            &mut key,
        );
        assert!(r == Err(EditError::Invalid));
        assert!(f.bytes() == orig.bytes() && key == FlowKey::default());
        // Too short for the label: pskb_may_pull() comes first.
        f.cut(17);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::MPLS,
            &[1; 4],
            &[0xff; 4],
            &mut key,
        );
        assert!(r == Err(EditError::Truncated));
        f.proto = ETH_P_MPLS_MC;
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::MPLS,
            &[1; 4],
            &[0xff; 4],
            &mut key,
        );
        assert!(r == Err(EditError::Truncated));
        f.put(&[0x40]);
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::MPLS,
            &[1; 4],
            &[0xff; 4],
            &mut key,
        );
        assert!(r.is_ok());
        // skb_mpls_update_lse() checks mac_len + 4 too.
        let mut p = f.pkt(IpSummed::None);
        p.mac_len = 15;
        let r = set_masked(key_attr::MPLS, &[2; 4], &[0xff; 4], &mut p, &mut key);
        assert!(r == Err(EditError::Truncated));
    }

    // dec_ttl.

    fn run_dec_ttl(f: &mut Frame, key: &mut FlowKey) -> Result<bool, EditError> {
        dec_ttl(&mut f.pkt(IpSummed::None), key)
    }

    #[test]
    fn dec_ttl_ipv4() -> TestResult {
        let mut f = tcp4();
        let mut key = key_of(f.bytes())?;
        assert!(run_dec_ttl(&mut f, &mut key) == Ok(true));
        assert!(f.at::<1>(f.nh + 8) == [63]);
        assert!(ip4_ok(f.bytes(), f.nh));
        assert!(key_matches(&key, &f));
        for ttl in [1, 0] {
            f.set(f.nh + 8, &[ttl]);
            let orig = f.clone();
            assert!(run_dec_ttl(&mut f, &mut key) == Ok(false));
            assert!(f.bytes() == orig.bytes());
        }
        f.set(f.nh + 8, &[2]);
        assert!(run_dec_ttl(&mut f, &mut key) == Ok(true));
        assert!(f.at::<1>(f.nh + 8) == [1]);
        assert!(key.get_u8(fields::IP_TTL) == 1);
        let mut f = tcp4();
        f.cut(f.nh + 19);
        assert!(run_dec_ttl(&mut f, &mut key) == Err(EditError::Truncated));
        Ok(())
    }

    #[test]
    fn dec_ttl_ipv6_and_others() -> TestResult {
        let mut f = tcp6();
        let orig = f.clone();
        let mut key = key_of(f.bytes())?;
        let (r, csum) = {
            let mut p = f.pkt(IpSummed::Complete);
            (dec_ttl(&mut p, &mut key), p.csum)
        };
        assert!(r == Ok(true));
        assert!(f.at::<1>(f.nh + 7) == [32]);
        assert!(l4_ok(&f));
        assert!(key_matches(&key, &f));
        // As C: skb->csum not updated for the hop limit.
        assert!(csum.csum == complete_of(orig.bytes()));
        f.set(f.nh + 7, &[1]);
        assert!(run_dec_ttl(&mut f, &mut key) == Ok(false));
        f.cut(f.nh + 39);
        assert!(run_dec_ttl(&mut f, &mut key) == Err(EditError::Truncated));
        // Neither IPv4 nor IPv6 (by skb->protocol): nothing done.
        let mut f = mpls();
        let orig = f.clone();
        assert!(run_dec_ttl(&mut f, &mut key) == Ok(true));
        assert!(f.bytes() == orig.bytes());
        let mut f = Frame::eth(0x0806);
        assert!(run_dec_ttl(&mut f, &mut key) == Ok(true));
        Ok(())
    }

    // Attributes.

    #[test]
    fn bad_attributes() {
        let mut f = tcp4();
        let orig = f.clone();
        let mut key = FlowKey::default();
        for (ty, len) in [
            (key_attr::ETHERNET, 11),
            (key_attr::IPV4, 13),
            (key_attr::IPV6, 36),
            (key_attr::TCP, 2),
            (key_attr::MPLS, 8),
            (2, 4),  // OVS_KEY_ATTR_PRIORITY: the executor's.
            (11, 2), // OVS_KEY_ATTR_ICMP: not settable.
        ] {
            let buf = [0xffu8; 40];
            let v = buf.get(..len).unwrap_or(&[]);
            let (r, _) = apply(&mut f, IpSummed::None, ty, v, v, &mut key);
            assert!(r == Err(EditError::Invalid));
        }
        let (r, _) = apply(
            &mut f,
            IpSummed::None,
            key_attr::TCP,
            &[0; 4],
            &[0; 2],
            &mut key,
        );
        assert!(r == Err(EditError::Invalid));
        assert!(f.bytes() == orig.bytes() && key == FlowKey::default());
        for v in 0..4u8 {
            assert!(IpSummed::from_raw(v) as u8 == v);
        }
        assert!(EditError::Truncated.errno() == 12);
        assert!(EditError::Invalid.errno() == 22);
    }

    #[test]
    fn nsh_header_from_push_nsh() -> TestResult {
        // BASE {flags 2, ttl 63, mdtype 1, np 3, path 0x00123405} + MD1.
        let mut nest = [0u8; 12 + 20];
        nest[..4].copy_from_slice(&[12, 0, 1, 0]);
        nest[4..12].copy_from_slice(&[2, 63, 1, 3, 0x00, 0x12, 0x34, 0x05]);
        nest[12..16].copy_from_slice(&[20, 0, 2, 0]);
        for (i, b) in nest[16..32].iter_mut().enumerate() {
            *b = i as u8;
        }
        let mut out = [0u8; NSH_HDR_MAX_LEN];
        let len = nsh_header(&nest, &mut out).map_err(|_| "refused")?;
        assert!(len == 24);
        // ver 0, flags 2, ttl 63, length 6 words.
        assert!(out[..2] == [0x2f, 0xc6]);
        assert!(out[2..8] == [1, 3, 0x00, 0x12, 0x34, 0x05]);
        assert!(out[8..24] == nest[16..32]);
        // An unknown attribute is refused, metadata past the header too.
        let bad = [4u8, 0, 9, 0];
        assert!(nsh_header(&bad, &mut out) == Err(EditError::Invalid));
        let mut long = [0u8; 4 + 248];
        long[..4].copy_from_slice(&[252, 0, 3, 0]);
        assert!(nsh_header(&long, &mut out) == Err(EditError::Truncated));
        Ok(())
    }
}
