"""The cases of actions_ab.py: every frame crossed with the action lists
that apply to it, then the malformed requests, MRU, upcall PIDs, per-CPU
dispatch, NSH and set(tunnel), in the order actions_ab.py's docstring
describes. New cases go at the end, so that the older ones keep their
numbers. Written with actions_build.py's builders.
"""
import struct

from ovs_dp import DST, SRC, a, be16, be32, md2_tlv, mpls_lse, u32
from actions_build import (
    A_CHECK_PKT_LEN, A_DEC_TTL, A_OUTPUT, A_SAMPLE, A_SET, A_SET_MASKED, A_USERSPACE, Acts,
    ETH_P_NSH, F_PER_CPU, F_UNALIGNED, HASH_L4_BIT, HASH_SW_BIT, IP_A, IP_B, K_CT_LABELS,
    K_CT_MARK, K_CT_STATE, K_CT_ZONE, K_DP_HASH, K_ETHERNET, K_ETHERTYPE, K_IN_PORT, K_IPV4,
    K_IPV6, K_MPLS, K_PRIORITY, K_RECIRC_ID, K_SCTP, K_SKB_MARK, K_TCP, K_TUNNEL, K_UDP,
    NSH_K_BASE, NSH_K_MD1, NSH_TLVS, PKT_HASH, PKT_MRU, PKT_PROBE, PKT_UPCALL_PID, UL_LOCAL4,
    UL_LOCAL6, UL_REMOTE4, UL_REMOTE6, UL_ROUTED4, UL_ROUTED6, UL_UNREACH4, UL_UNREACH6,
    US_EGRESS_TUN_PORT, US_PID, US_USERDATA, VX_PORT, add_mpls, check_pkt_len, clone, ct_clear,
    dec_ttl, drop, frames, hash_, ip4key, ip6key, lse, nsh_base, nsh_frames, nsh_key_attr, out,
    pop_eth, pop_mpls, pop_nsh, pop_vlan, psample, push_eth, push_mpls, push_nsh, push_vlan,
    raw_acts, sample, seq, set_, set_nsh, set_tunnel, setm, setm_nsh, trunc, tunnel_attrs,
    userspace)

# --- the corpus -----------------------------------------------------------------

class Case:
    def __init__(self, name, frame, key, acts, extra=(), hdr=None, section="", raw=None):
        self.name = name
        self.frame = frame          # Frame or None
        self.key = key              # bytes or None (no KEY attribute)
        self.acts = acts            # Acts or None (no ACTIONS attribute)
        self.extra = list(extra)    # more EXECUTE attributes
        self.hdr = hdr              # dp_ifindex override
        self.section = section
        self.raw = raw              # packet bytes override (None: the frame's)
        self.setup = None           # a function of the Run before the case
        self.underlay = False       # uses the VXLAN port: capture its underlay too


def corpus(up, up2):
    """The cases; up and up2 are the upcall sockets' port ids."""
    cases = []
    fr = frames()
    byname = {f.name: f for f in fr}
    US = lambda **kw: userspace(up, **kw)  # noqa: E731

    def add(section, f, acts, key=None, name=None, **kw):
        c = Case(name or "%s | %s" % (f.name, acts.desc), f,
                 key if key is not None else f.key(), acts, section=section, **kw)
        cases.append(c)
        return c

    new_mac = bytes.fromhex("0a0000000a0a"), bytes.fromhex("0a0000000b0b")
    eth_set = set_("eth", K_ETHERNET, new_mac[0] + new_mac[1])
    # --- actions every frame goes through
    generic = [
        out(1), out(2), out(3), out(0), out(9),
        seq(out(1), out(2), out(3), out(0)),
        seq(out(1), out(1)),
        US(),
        US(userdata=b"cookie-1234"),
        seq(US(userdata=b"\x01\x02\x03", actions=True), out(2)),
        seq(trunc(60), out(1), out(2)),
        seq(trunc(14), US(), US()),
        seq(eth_set, out(1)),
        seq(setm("eth dst", K_ETHERNET, bytes(6) + new_mac[1], bytes(6) + b"\xff" * 6), out(2)),
        seq(push_vlan(0x8100, 0x1014), out(1), US()),
        seq(pop_vlan(), out(1)),
        seq(clone(eth_set, out(2)), out(1)),
        seq(clone(push_vlan(0x8100, 0x1005), US(), out(2)), out(3)),
        seq(sample(0xffffffff, out(2), name="100%"), out(1)),
        seq(sample(0, out(2), name="0%"), out(1)),
        seq(check_pkt_len(64, out(2), out(3)), out(1)),
        seq(check_pkt_len(1000, seq(eth_set, out(2)), seq(push_vlan(0x8100, 0x1001), out(3))),
            out(1)),
        seq(dec_ttl(US(userdata=b"ttl")), out(1)),
        drop(),
        seq(out(1), drop(1)),
        seq(ct_clear(), US()),
        seq(hash_(0, 0), US()),
        seq(hash_(1, 7), US()),
        seq(push_mpls(lse(300, 1), 0x8847), out(1), US()),
        seq(pop_eth(), US(), out(1)),
        seq(pop_eth(), push_eth(new_mac[0], new_mac[1]), out(1)),
        seq(set_("priority", K_PRIORITY, u32(7)), set_("skb_mark", K_SKB_MARK, u32(0x55)),
            out(1), US()),
        seq(setm("skb_mark", K_SKB_MARK, u32(0x0f00), u32(0x0ff0)), US()),
        seq(trunc(40), psample(5, b"ck"), out(1)),
    ]
    # The secondary frames get the shorter list.
    short_generic = [generic[i] for i in (0, 3, 4, 7, 10, 12, 14, 15, 16, 18, 20, 22, 25, 26)]
    for f in fr:
        for acts in generic if "main" in f.props else short_generic:
            add("generic", f, acts)

    # --- IPv4 header sets
    for f in fr:
        if "ip4" not in f.props or "jumbo" in f.props:
            continue
        proto = {"tcp": 6, "udp": 17, "sctp": 132, "icmp": 1}.get(
            next((p for p in ("tcp", "udp", "sctp", "icmp") if p in f.props), ""), 0)
        fragv = 1 if f.name == "udp4-frag" else 0
        tos = 0x2e if f.name == "tcp4-opts" else 0
        ttl = 1 if "ttl1" in f.props else 64
        full = set_("ipv4 all", K_IPV4, ip4key(bytes([192, 0, 2, 1]), bytes([198, 51, 100, 7]),
                                              proto, 0x48, 33, fragv))
        lst = [
            seq(full, out(1)),
            seq(setm("ipv4 src", K_IPV4, ip4key(src=bytes([172, 16, 0, 9]), dst=bytes(4),
                                                proto=0, ttl=0),
                     ip4key(src=b"\xff" * 4, dst=bytes(4), proto=0, ttl=0)), out(1)),
            seq(setm("ipv4 dst", K_IPV4, ip4key(src=bytes(4), dst=bytes([10, 9, 8, 7]),
                                                proto=0, ttl=0),
                     ip4key(src=bytes(4), dst=b"\xff" * 4, proto=0, ttl=0)), out(1)),
            seq(setm("ipv4 tos", K_IPV4, ip4key(bytes(4), bytes(4), 0, 0xb8, 0),
                     ip4key(bytes(4), bytes(4), 0, 0xfc, 0)), out(1)),
            seq(setm("ipv4 ttl", K_IPV4, ip4key(bytes(4), bytes(4), 0, 0, 5),
                     ip4key(bytes(4), bytes(4), 0, 0, 0xff)), out(1)),
            seq(dec_ttl(), out(1)),
            seq(dec_ttl(US(userdata=b"ttl"), out(3)), out(1), US()),
        ]
        if "main" in f.props or f.name in ("tcp4-ttl1", "udp4-nocsum"):
            lst += [
                seq(set_("ipv4 wrong proto", K_IPV4, ip4key(proto=(proto + 1) & 0xff, tos=tos,
                                                            ttl=ttl, frag=fragv)), out(1)),
                seq(setm("ipv4 proto mask", K_IPV4, ip4key(proto=0, ttl=0),
                         ip4key(bytes(4), bytes(4), 0xff, 0, 0)), out(1)),
                seq(clone(full, US()), out(1)),
                seq(dec_ttl(), dec_ttl(), out(1)),
            ]
        for acts in lst:
            add("ipv4", f, acts)

    # --- IPv6 header sets
    for f in fr:
        if "ip6" not in f.props:
            continue
        proto = {"tcp": 6, "udp": 17, "icmp6": 58}[next(p for p in ("tcp", "udp", "icmp6")
                                                       if p in f.props)]
        full = set_("ipv6 all", K_IPV6, ip6key(bytes.fromhex("fd00" + "00" * 13 + "99"),
                                               bytes.fromhex("fd00" + "00" * 13 + "aa"),
                                               0xabcde, proto, 0x28, 9))
        z = bytes(16)
        lst = [
            seq(full, out(1)),
            seq(setm("ipv6 src", K_IPV6, ip6key(bytes.fromhex("fe80" + "00" * 13 + "01"), z, 0,
                                                0, 0, 0),
                     ip6key(b"\xff" * 16, z, 0, 0, 0, 0)), out(1)),
            seq(setm("ipv6 dst low", K_IPV6, ip6key(z, bytes(12) + bytes([1, 2, 3, 4]), 0, 0, 0,
                                                    0),
                     ip6key(z, bytes(12) + b"\xff" * 4, 0, 0, 0, 0)), out(1)),
            seq(setm("ipv6 tclass", K_IPV6, ip6key(z, z, 0, 0, 0x10, 0),
                     ip6key(z, z, 0, 0, 0xff, 0)), out(1)),
            seq(setm("ipv6 label", K_IPV6, ip6key(z, z, 0x54321, 0, 0, 0),
                     ip6key(z, z, 0xfffff, 0, 0, 0)), out(1)),
            seq(setm("ipv6 hlimit", K_IPV6, ip6key(z, z, 0, 0, 0, 2),
                     ip6key(z, z, 0, 0, 0, 0xff)), out(1)),
            seq(dec_ttl(), out(1)),
            seq(dec_ttl(US(userdata=b"hl"), out(3)), out(1)),
        ]
        if f.name in ("tcp6", "udp6", "udp6-hlim1"):
            lst += [
                seq(set_("ipv6 label too big", K_IPV6, ip6key(label=0x100000, proto=proto,
                                                              tclass=0xb8 if f.name == "udp6"
                                                              else 0)), out(1)),
                seq(setm("ipv6 label mask too big", K_IPV6, ip6key(z, z, 0, 0, 0, 0),
                         ip6key(z, z, 0xfffff000, 0, 0, 0)), out(1)),
                seq(clone(full, out(2)), out(1)),
            ]
        for acts in lst:
            add("ipv6", f, acts)

    # --- transport ports
    for f in fr:
        for l4, kind in (("tcp", K_TCP), ("udp", K_UDP), ("sctp", K_SCTP)):
            if l4 not in f.props or "jumbo" in f.props or "big" in f.props:
                continue
            lst = [
                seq(set_(l4, kind, be16(1111) + be16(2222)), out(1)),
                seq(setm(l4 + " src", kind, be16(0x1234) + be16(0), be16(0xffff) + be16(0)),
                    out(1)),
                seq(setm(l4 + " dst low", kind, be16(0) + be16(0x00ab), be16(0) + be16(0x00ff)),
                    out(1)),
            ]
            if "main" in f.props:
                lst.append(seq(clone(set_(l4, kind, be16(7) + be16(8)), out(2)), out(1)))
                lst.append(seq(set_(l4, kind, be16(7) + be16(8)), US()))
            for acts in lst:
                add("transport", f, acts)
    # transport sets on the wrong protocol: refused by the validation
    for fname, kind, name in (("udp4", K_TCP, "tcp"), ("tcp4", K_UDP, "udp"),
                              ("tcp6", K_SCTP, "sctp"), ("arp", K_TCP, "tcp"),
                              ("icmp4", K_UDP, "udp"), ("arp", K_IPV4, "ipv4"),
                              ("tcp4", K_IPV6, "ipv6"), ("llc", K_IPV4, "ipv4"),
                              ("mpls-udp4", K_IPV4, "ipv4"), ("tcp4", K_MPLS, "mpls")):
        f = byname[fname]
        size = {K_TCP: 4, K_UDP: 4, K_SCTP: 4, K_IPV4: 12, K_IPV6: 40, K_ETHERNET: 12,
                K_MPLS: 4}[kind]
        add("wrong-proto", f, seq(set_(name, kind, bytes(size)), out(1)))

    # --- VLAN
    for f in fr:
        if f.name not in ("tcp4", "udp6", "arp", "vlan-udp4", "vlan-tcp6", "qinq-udp4",
                          "mpls-udp4", "l3-tcp4"):
            continue
        lst = [
            seq(push_vlan(0x8100, 0x1000 | 0xe07b), out(1)),
            seq(push_vlan(0x88a8, 0x1064), push_vlan(0x8100, 0x100a), out(1), US()),
            seq(push_vlan(0x8100, 0x1001), push_vlan(0x8100, 0x1002), push_vlan(0x8100, 0x1003),
                out(2)),
            seq(pop_vlan(), pop_vlan(), out(1), US()),
            seq(pop_vlan(), push_vlan(0x8100, 0x1099), out(1)),
            seq(clone(pop_vlan(), out(2)), out(1)),
            seq(push_vlan(0x8100, 0x1005), trunc(30), out(1)),
            seq(push_vlan(0x8100, 0x1005), check_pkt_len(len(f.data), out(2), out(3))),
        ]
        if "vlan" in f.props:
            lst.append(seq(pop_vlan(), eth_set, out(1)))
            lst.append(seq(push_vlan(0x8100, 0x1005), eth_set, out(1)))
            lst.append(seq(pop_vlan(), pop_vlan(), pop_eth(), US()))
            lst.append(seq(pop_vlan(), pop_vlan(), pop_eth(), push_eth(SRC, DST), out(1)))
            lst.append(seq(pop_vlan(), pop_vlan(), push_mpls(lse(310, 1), 0x8847), out(1), US()))
        if "ip4" in f.props and "vlan" in f.props:
            lst.append(seq(set_("ipv4 all", K_IPV4, ip4key(bytes([1, 2, 3, 4]), IP_B, 17, 4, 9)),
                           out(1)))
            lst.append(seq(push_vlan(0x8100, 0x1006), dec_ttl(), out(1)))
        for acts in lst:
            add("vlan", f, acts)
    # push_vlan without the CFI bit, or with a bad TPID: refused
    add("vlan", byname["tcp4"], seq(push_vlan(0x8100, 0x0005), out(1)))
    add("vlan", byname["tcp4"], seq(push_vlan(0x0800, 0x1005), out(1)))

    # --- MPLS
    m1, m2 = byname["mpls-udp4"], byname["mpls2-tcp4"]
    for f in (m1, m2):
        for acts in (
            seq(set_("mpls", K_MPLS, mpls_lse(555, 1 if f is m1 else 0, 9)), out(1)),
            seq(setm("mpls label", K_MPLS, mpls_lse(777, 0, 0), be32(0xfffff000)), out(1)),
            seq(setm("mpls ttl", K_MPLS, mpls_lse(0, 0, 3), be32(0xff)), out(1)),
            seq(pop_mpls(0x0800 if f is m1 else 0x8847), out(1), US()),
            seq(push_mpls(lse(400, 0), 0x8847), out(1)),
            seq(push_mpls(lse(400, 0), 0x8848), US()),
            seq(add_mpls(lse(401, 0), 0x8847, 1), out(1)),
            seq(clone(pop_mpls(0x0800), out(2)), out(1)),
            seq(dec_ttl(US()), out(1)),
            seq(push_vlan(0x8100, 0x1007), pop_mpls(0x0800 if f is m1 else 0x8847), out(1)),
        ):
            add("mpls", f, acts)
    add("mpls", m2, seq(pop_mpls(0x8847), pop_mpls(0x0800), out(1), US()))
    add("mpls", m2, seq(pop_mpls(0x8847), set_("mpls", K_MPLS, mpls_lse(9, 1, 9)), out(1)))
    for f in (byname["tcp4"], byname["udp6"], byname["arp"], byname["vlan-udp4"],
              byname["l3-tcp4"], byname["qinq-udp4"]):
        for acts in (
            seq(push_mpls(lse(300, 1), 0x8847), out(1)),
            seq(push_mpls(lse(300, 1), 0x8848), push_mpls(lse(301, 0, 7), 0x8847), out(1), US()),
            seq(add_mpls(lse(302, 1), 0x8847, 0), US(), out(1)),
            seq(add_mpls(lse(303, 1), 0x8847, 1), out(1)),
            seq(push_mpls(lse(304, 1), 0x8847), pop_mpls(0x0800), out(1)),
            seq(pop_mpls(0x0800), out(1)),
            seq(push_mpls(lse(305, 1), 0x8847), dec_ttl(), out(1)),
        ):
            add("mpls", f, acts)
    # an ethertype that is not MPLS: refused
    add("mpls", byname["tcp4"], seq(push_mpls(lse(300, 1), 0x0800), out(1)))

    # --- Ethernet push/pop
    for f in (byname["tcp4"], byname["arp"], byname["vlan-udp4"], byname["mpls-udp4"],
              byname["l3-tcp4"], byname["udp6"], byname["qinq-udp4"]):
        for acts in (
            seq(push_eth(new_mac[0], new_mac[1]), out(1), US()),
            seq(pop_eth(), pop_eth(), US()),
            seq(pop_eth(), push_eth(SRC, DST), push_vlan(0x8100, 0x1008), out(1)),
            seq(clone(pop_eth(), US()), out(1)),
            seq(pop_eth(), set_("ipv4", K_IPV4, ip4key(bytes([5, 5, 5, 5]), IP_B, 6, 0, 64)),
                US()),
            seq(pop_eth(), push_eth(SRC, DST), eth_set, out(1)),
            seq(pop_eth(), push_mpls(lse(306, 1), 0x8847), push_eth(SRC, DST), out(1)),
            seq(pop_eth(), out(0)),
        ):
            add("eth", f, acts)

    # --- clone / sample / check_pkt_len / trunc / userspace combinations
    t4, u6, big = byname["tcp4"], byname["udp6"], byname["big-udp4"]
    for f in (t4, u6, big, byname["vlan-udp4"]):
        for acts in (
            seq(clone(clone(eth_set, out(2)), push_vlan(0x8100, 0x1010), out(3)), out(1)),
            seq(clone(drop()), out(1)),
            seq(clone(trunc(20), out(2)), out(1)),
            seq(trunc(20), clone(out(2)), out(1)),
            seq(clone(US(userdata=b"in-clone", actions=True)), US(actions=True)),
            clone(eth_set, out(2)),
            seq(sample(0xffffffff, eth_set, out(2), name="100%"), out(1)),
            sample(0xffffffff, eth_set, out(2), name="100%"),
            seq(sample(0, eth_set, out(2), name="0%"), out(1)),
            seq(sample(0xffffffff, sample(0xffffffff, US(), name="100%"), name="100%"),
                out(1)),
            seq(check_pkt_len(len(f.data) - 1, out(2), out(3)), out(1)),
            seq(check_pkt_len(len(f.data), out(2), out(3)), out(1)),
            check_pkt_len(len(f.data), seq(eth_set, out(2)), seq(eth_set, out(3))),
            seq(check_pkt_len(100, clone(out(2)), seq()), out(1)),
            seq(trunc(100), out(1), out(2)),
            seq(trunc(100), US(userdata=b"t")),
            seq(trunc(5000), out(1)),
            seq(trunc(64), trunc(40), out(1)),
            seq(trunc(64), drop()),
            seq(trunc(60), clone(out(2), out(3))),
            seq(US(actions=True), eth_set, US(actions=True)),
            seq(dec_ttl(), dec_ttl(), dec_ttl(), US()),
        ):
            add("nested", f, acts)
    deep = out(2)
    for _ in range(6):
        deep = clone(deep, push_vlan(0x8100, 0x1001))
    add("nested", t4, seq(deep, out(1)), name="tcp4 | clone nested 6 deep")
    deep = US()
    for _ in range(6):
        deep = sample(0xffffffff, eth_set, deep, name="100%")
    add("nested", t4, seq(deep, out(1)), name="tcp4 | sample(100%) nested 6 deep, sets")
    for f in (byname["tcp4-ttl1"], byname["udp6-hlim1"]):
        for acts in (
            seq(dec_ttl(), out(1)),
            seq(dec_ttl(clone(out(2)), out(3)), out(1)),
            seq(clone(dec_ttl(US()), out(2)), out(1)),
            seq(dec_ttl(eth_set, out(2)), US()),
            seq(check_pkt_len(10, dec_ttl(out(2)), seq()), out(1)),
        ):
            add("dec_ttl", f, acts)
    add("dec_ttl", byname["arp"], seq(dec_ttl(US()), out(1)))
    add("dec_ttl", byname["llc"], seq(dec_ttl(), out(1)))
    add("dec_ttl", byname["l3-tcp4"], seq(dec_ttl(), US()))

    # --- metadata from the key: echoed in the upcall key, used by the sets
    meta = (a(K_PRIORITY, u32(3)) + a(K_SKB_MARK, u32(0x77)) + a(K_DP_HASH, u32(0x1234))
            + a(K_RECIRC_ID, u32(0)))
    for f in (t4, u6):
        add("meta", f, US(), key=f.key(extra=meta), name=f.name + " | key+meta | userspace")
        add("meta", f, seq(setm("priority", K_PRIORITY, u32(0x10), u32(0xf0)), US()),
            key=f.key(extra=meta), name=f.name + " | key+meta | set_masked(priority),userspace")
        add("meta", f, seq(hash_(0, 3), US()), key=f.key(extra=meta),
            name=f.name + " | key+meta | hash(0,3),userspace")
        # (CT_LABELS: refused until a ct action with labels was installed.)
        ct = (a(K_CT_STATE, u32(0x21)) + a(K_CT_ZONE, struct.pack("=H", 5))
              + a(K_CT_MARK, u32(7)))
        add("meta", f, seq(US(), ct_clear(), US(), out(1)), key=f.key(extra=ct),
            name=f.name + " | key+ct | userspace,ct_clear,userspace,out:1")
        add("meta", f, US(), key=f.key(in_port=2), name=f.name + " | in_port 2 | userspace")
        add("meta", f, seq(out(1), US()), key=f.key(in_port=9),
            name=f.name + " | in_port 9 (missing: local) | out:1,userspace")
        add("meta", f, US(), key=f.key(in_port=0), name=f.name + " | in_port 0 | userspace")
        add("meta", f, US(), key=a(K_ETHERNET, f.data[6:12] + f.data[0:6])
            + a(K_ETHERTYPE, f.data[12:14]), name=f.name + " | no in_port | userspace")
        add("meta", f, US(), key=b"", name=f.name + " | empty key | userspace")

    # --- MTU and MRU
    jumbo = byname["jumbo-udp4"]
    add("mtu", jumbo, out(1))
    add("mtu", jumbo, seq(trunc(1000), out(1)))
    add("mtu", jumbo, seq(out(1), US()))
    for mru in (500, 1400, 1500):
        mru_attr = [a(PKT_MRU, struct.pack("=H", mru))]
        for acts in (out(1), US(), seq(check_pkt_len(600, out(2), out(3)), US())):
            add("mru", big, acts, name="big-udp4 | MRU %d | %s" % (mru, acts.desc),
                extra=mru_attr)
    add("mru", t4, seq(out(1), US()), name="tcp4 | MRU 60 | out:1,userspace",
        extra=[a(PKT_MRU, struct.pack("=H", 60))])
    add("mru", u6, seq(out(1), US()), name="udp6 | MRU 60 | out:1,userspace",
        extra=[a(PKT_MRU, struct.pack("=H", 60))])

    # --- upcall destinations
    add("upcall", t4, US(), extra=[a(PKT_UPCALL_PID, u32(up2))],
        name="tcp4 | UPCALL_PID up2 | userspace")
    add("upcall", t4, userspace(0), name="tcp4 | userspace(pid 0)")
    add("upcall", t4, userspace(0), extra=[a(PKT_UPCALL_PID, u32(up2))],
        name="tcp4 | UPCALL_PID up2 | userspace(pid 0)")
    add("upcall", t4, userspace(up2), name="tcp4 | userspace(pid up2)")
    add("upcall", t4, seq(US(), US(userdata=b"x" * 9), US(userdata=b"")),
        name="tcp4 | userspace x3 (userdata 9 bytes, empty)")
    add("upcall", t4, seq(US(), userspace(up2), US()), name="tcp4 | userspace up, up2, up")
    add("upcall", t4, US(), extra=[a(PKT_PROBE)], name="tcp4 | PROBE | userspace")
    add("upcall", t4, US(), extra=[a(PKT_HASH, struct.pack("=Q", HASH_SW_BIT | 0xabcd))],
        name="tcp4 | HASH sw,0xabcd | userspace")
    add("upcall", t4, seq(hash_(0, 1), US()),
        extra=[a(PKT_HASH, struct.pack("=Q", HASH_L4_BIT | 0x1234))],
        name="tcp4 | HASH l4,0x1234 | hash(0,1),userspace")
    # per-CPU dispatch: the userspace action's PID gives way to the CPU's
    c = add("upcall", t4, US(), name="tcp4 | per-CPU dispatch (up2) | userspace")
    c.setup = ("features", F_UNALIGNED | F_PER_CPU, [up2, up2])
    c = add("upcall", t4, seq(US(), hash_(0, 0), US(userdata=b"pc")),
            name="tcp4 | per-CPU dispatch (up2) | userspace,hash,userspace(data)")
    c = add("upcall", t4, US(), extra=[a(PKT_UPCALL_PID, u32(up))],
            name="tcp4 | per-CPU dispatch (up2), UPCALL_PID up | userspace")
    # no OVS_DP_F_UNALIGNED: the packet attribute is padded
    for f in (t4, byname["udp4"], byname["arp"], byname["vlan-udp4"]):
        c = add("upcall", f, seq(US(), trunc(15), US()),
                name="%s | not UNALIGNED | userspace,trunc(15),userspace" % f.name)
        c.setup = ("features", 0, None)
    c = add("upcall", t4, US(), name="tcp4 | UNALIGNED again | userspace")
    c.setup = ("features", F_UNALIGNED, None)

    # --- malformed requests: the errno
    def mal(name, key=t4.key(), acts=out(1), **kw):
        cases.append(Case("malformed: " + name, t4, key, acts, section="malformed", **kw))
    mal("no PACKET", raw=False)
    mal("no KEY", key=None)
    mal("no ACTIONS", acts=None)
    mal("empty ACTIONS", acts=Acts("", b"", ()))
    mal("empty PACKET", raw=b"")
    mal("10-byte PACKET", raw=t4.data[:10])
    mal("13-byte PACKET", raw=t4.data[:13])
    mal("14-byte PACKET", raw=t4.data[:14])
    mal("dp_ifindex lo", hdr=1)
    mal("dp_ifindex 0", hdr=0)
    mal("KEY eth of 6 bytes", key=a(K_IN_PORT, u32(1)) + a(K_ETHERNET, bytes(6)))
    mal("KEY with type 0", key=t4.key() + a(0))
    mal("KEY with type 33", key=t4.key() + a(33, b""))
    mal("KEY in_port twice", key=t4.key() + a(K_IN_PORT, u32(2)))
    mal("KEY trailing bytes", key=t4.key() + b"\0\0")
    mal("KEY ethertype only 0x0800, an Ethernet frame (L3)", key=a(K_ETHERTYPE, be16(0x0800)))
    mal("KEY ethertype only 0x0806 (L3)", key=a(K_ETHERTYPE, be16(0x0806)))
    mal("KEY ethertype only 0x1234 (L3)", key=a(K_ETHERTYPE, be16(0x1234)))
    mal("KEY ct_state only", key=t4.key() + a(K_CT_STATE, u32(0x21)))
    mal("KEY ct_labels", key=t4.key() + a(K_CT_LABELS, bytes(range(16))))
    mal("KEY ct_state unknown bits", key=t4.key() + a(K_CT_STATE, u32(0x10000)))
    mal("KEY tunnel", key=t4.key() + a(K_TUNNEL, a(3, bytes([1, 2, 3, 4])) + a(4, b"\0")
                                       + a(5, b"\x40")))
    mal("ACTIONS output 2 bytes", acts=raw_acts("out(2b)", a(A_OUTPUT, b"\1\0")))
    mal("ACTIONS type 0", acts=raw_acts("t0", a(0)))
    mal("ACTIONS type 26", acts=raw_acts("t26", a(26)))
    mal("ACTIONS out:65535", acts=out(65535))
    mal("ACTIONS out:65536", acts=raw_acts("out:65536", a(A_OUTPUT, u32(65536))))
    mal("ACTIONS trailing", acts=raw_acts("out:1+2b", out(1).data + b"\0\0"))
    mal("ACTIONS userspace without pid", acts=raw_acts("us-nopid", a(A_USERSPACE,
                                                                     a(US_USERDATA, b"x"))))
    mal("ACTIONS trunc(13)", acts=seq(trunc(13), out(1)))
    mal("ACTIONS hash alg 2", acts=seq(hash_(2, 0), out(1)))
    mal("ACTIONS set priority 2 bytes", acts=raw_acts("set-prio-2b", a(A_SET, a(K_PRIORITY,
                                                                               b"\0\0"))))
    mal("ACTIONS set two attrs", acts=raw_acts("set-2", a(A_SET, a(K_PRIORITY, u32(1))
                                                        + a(K_SKB_MARK, u32(1)))))
    mal("ACTIONS set_masked eth odd length", acts=raw_acts("setm-eth-23", a(A_SET_MASKED, a(
        K_ETHERNET, bytes(23)))))
    mal("ACTIONS set ethertype", acts=seq(set_("ethertype", K_ETHERTYPE, be16(0x0806)), out(1)))
    mal("ACTIONS set ct_mark", acts=seq(set_("ct_mark", K_CT_MARK, u32(1)), out(1)))
    mal("ACTIONS set in_port", acts=seq(set_("in_port", K_IN_PORT, u32(2)), out(1)))
    mal("ACTIONS sample without probability", acts=raw_acts("sample-noprob", a(A_SAMPLE, a(
        2, out(1).data))))
    mal("ACTIONS check_pkt_len without len", acts=raw_acts("cpl-nolen", a(A_CHECK_PKT_LEN, a(
        2, out(1).data) + a(3, out(2).data))))
    mal("ACTIONS dec_ttl without action", acts=raw_acts("dec-noact", a(A_DEC_TTL, a(2, b""))))
    mal("ACTIONS drop not last", acts=seq(drop(), out(1)))
    mal("ACTIONS pop_mpls on IPv4", acts=seq(pop_mpls(0x0800), out(1)))
    mal("ACTIONS set mpls on IPv4", acts=seq(set_("mpls", K_MPLS, be32(0)), out(1)))
    deep = out(1)
    for _ in range(17):
        deep = clone(deep)
    mal("ACTIONS clone 17 deep", acts=deep)
    mal("ACTIONS recirc", acts=raw_acts("recirc", a(7, u32(1))))
    mal("ACTIONS meter 99", acts=raw_acts("meter", a(19, u32(99)) + out(1).data))
    # (No ct action: openvswitch_rs refuses it with ENOTSUPP on purpose, as
    # a C module without conntrack would; see README.)
    mal("MRU of 4 bytes", extra=[a(PKT_MRU, u32(500))])
    mal("UPCALL_PID of 2 bytes", extra=[a(PKT_UPCALL_PID, b"\1\0")])
    mal("HASH of 4 bytes", extra=[a(PKT_HASH, u32(1))])
    mal("PROBE with a bad key", key=a(K_ETHERNET, bytes(6)), extra=[a(PKT_PROBE)])
    mal("attribute type 13", extra=[a(13, b"abc")])

    # --- NSH (appended: the cases above keep their numbers) ---------------------------
    # push_nsh on an Ethernet frame keeps it whole (next protocol Ethernet),
    # on a layer-3 packet the next protocol is its ethertype's; either way
    # the packet has no Ethernet header after it (an output to an Ethernet
    # port drops it), push_eth gives it one (ethertype 0x894f). pop_nsh
    # leaves what the next protocol says. set/set_masked of OVS_KEY_ATTR_NSH:
    # see validate_set() (this kernel refuses them).
    nfr = nsh_frames()
    nby = {f.name: f for f in nfr}
    md1 = lambda np=3, **kw: nsh_base(mdtype=1, np=np, **kw)  # noqa: E731
    md2 = lambda np=3, **kw: nsh_base(mdtype=2, np=np, **kw)  # noqa: E731
    ctx2 = bytes.fromhex("11111111222222223333333344444444")
    p_md1 = push_nsh("md1", md1(spi=0x000777, si=0x20), md1=ctx2)
    p_md2 = push_nsh("md2 tlvs", md2(spi=0x000888, si=0x21), md2=NSH_TLVS)
    p_eth = push_eth(bytes.fromhex("0a00000000a1"), bytes.fromhex("0a00000000a2"))
    for f in (t4, u6, byname["arp"], byname["vlan-udp4"], byname["l3-tcp4"],
              byname["mpls-udp4"], byname["qinq-udp4"]):
        for acts in (
            seq(p_md1, US()),
            seq(p_md1, out(1)),
            seq(p_md1, p_eth, out(1)),
            seq(p_md2, p_eth, out(1), US()),
            seq(clone(p_md1, p_eth, out(2)), out(1)),
            seq(p_md1, p_md2, p_eth, out(2), US()),
        ):
            add("nsh", f, acts)
    for acts in (
        seq(push_nsh("md1 flags=3 ttl=0xff", md1(flags=0xff, ttl=0xff, np=0x99), md1=ctx2),
            p_eth, out(1)),
        seq(push_nsh("md1 ttl=0", md1(ttl=0), md1=bytes(16)), p_eth, out(1)),
        seq(push_nsh("md2 6 bytes", md2(), md2=bytes.fromhex("010203040506")), p_eth, out(1),
            US()),
        seq(push_nsh("md2 4 bytes", md2(), md2=md2_tlv(0x0102, 3, b"")), p_eth, out(1)),
        seq(push_nsh("md2 244 bytes", md2(), md2=bytes(i & 0xff for i in range(244))), p_eth,
            out(1)),
        seq(push_nsh("mdtype 0x12", nsh_base(mdtype=0x12, np=3), md2=NSH_TLVS), p_eth, out(1)),
        seq(p_md1, p_eth, eth_set, out(1), US()),
        seq(p_md1, p_eth, push_vlan(0x8100, 0x1009), out(1)),
        seq(trunc(40), p_md1, p_eth, out(1), US()),
        seq(p_md1, trunc(30), p_eth, out(1)),
        seq(p_md1, p_eth, US(actions=True)),
        seq(hash_(0, 0), p_md1, US()),
        seq(p_md1, hash_(0, 0), US()),
        seq(p_md1, p_eth, check_pkt_len(80, out(2), out(3))),
        seq(p_md1, p_eth, dec_ttl(US()), out(1)),
        seq(pop_vlan(), p_md1, p_eth, out(1)),
        seq(p_md1, p_eth, out(0)),
    ):
        add("nsh", t4, acts)
    add("nsh", byname["mpls-udp4"], seq(pop_eth(), p_md1, p_eth, out(1), US()))
    add("nsh", byname["udp6"], seq(pop_eth(), p_md2, US()))
    # pop_nsh, set(nsh) and set_masked(nsh) on NSH packets
    c_base = md1(flags=1, ttl=9, spi=0x000999, si=0x42)
    nsh_sets = [
        seq(set_nsh("base", c_base), out(1)),
        seq(set_nsh("base", c_base), US()),
        seq(set_nsh("base+md1", c_base, ctx2), out(1), US()),
        seq(setm_nsh("ttl", nsh_base(0, 7, 0, 0, 0, 0), nsh_base(0, 0x3f, 0, 0, 0, 0)), out(1)),
        seq(setm_nsh("flags,path", nsh_base(2, 0, 0, 0, 0x000abc, 0x11),
                     nsh_base(3, 0, 0, 0, 0xffffff, 0xff)), US()),
        seq(setm_nsh("md1 context", md1=bytes(4) + be32(0x5a5a5a5a) + bytes(8),
                     md1_mask=bytes(4) + b"\xff" * 4 + bytes(8)), out(1), US()),
    ]
    for f in nfr:
        if "bad" in f.props or "quirk" in f.props:
            continue
        eth_in = "eth-in" in f.props
        lst = [
            out(1),
            US(),
            seq(pop_nsh(), out(1)),
            seq(pop_nsh(), US()),
            seq(pop_nsh(), out(1), out(2), US()),
            seq(clone(pop_nsh(), out(2)), out(1)),
            seq(pop_nsh(), push_eth(SRC, DST), out(1)),
            seq(pop_nsh(), pop_eth(), US()),
            seq(p_md2, US()),
            seq(pop_nsh(), p_md1, p_eth, out(1)),
        ]
        if "l3" not in f.props:
            lst += [seq(pop_eth(), pop_nsh(), out(1), US()), seq(pop_eth(), p_md1, p_eth, out(1)),
                    seq(pop_eth(), US())]
        else:
            lst += [seq(push_eth(SRC, DST), out(1), US())]
        if "main" in f.props or f.name == "nsh2-eth-notlv":
            lst += nsh_sets
        if eth_in:
            lst.append(seq(pop_nsh(), eth_set, out(1), US()))
            lst.append(seq(pop_nsh(), push_vlan(0x8100, 0x100b), out(1)))
        if f.name == "nsh1-nsh":
            lst.append(seq(pop_nsh(), pop_nsh(), US()))
        if f.name == "nsh1-ip4":
            lst.append(seq(pop_nsh(), set_("ipv4", K_IPV4, ip4key(IP_A, IP_B, 17)), out(1)))
            lst.append(seq(pop_nsh(), dec_ttl(), US()))
        for acts in lst:
            add("nsh", f, acts)
    for f in nfr:
        if "bad" in f.props:
            # (pop_eth first: nsh_pop() then reads the NSH header itself)
            for acts in (seq(pop_nsh(), out(1), US()), US(), seq(pop_eth(), pop_nsh(), US())):
                add("nsh", f, acts)
    for acts in (seq(pop_nsh(), US()), seq(pop_nsh(), push_eth(SRC, DST), out(1), US()),
                 seq(pop_eth(), pop_nsh(), out(1))):
        add("nsh", nby["nsh1-eth-dst0206"], acts)
    # refused push_nsh / pop_nsh (the errno)
    for acts in (
        push_nsh("mdtype 3 + md1", nsh_base(mdtype=3), md1=ctx2),
        push_nsh("mdtype 1 + md2", nsh_base(mdtype=1), md2=NSH_TLVS),
        push_nsh("mdtype 2 + md1", nsh_base(mdtype=2), md1=ctx2),
        push_nsh("md1 of 12 bytes", md1(), md1=ctx2[:12]),
        push_nsh("md1 of 20 bytes", md1(), md1=ctx2 + bytes(4)),
        push_nsh("md1 and md2", md1(), md1=ctx2, md2=NSH_TLVS),
        push_nsh("no base", None, md1=ctx2),
        push_nsh("base only", md1()),
        push_nsh("base of 4 bytes", None, more=a(NSH_K_BASE, bytes(4)) + a(NSH_K_MD1, ctx2)),
        push_nsh("md2 empty", md2(), md2=b""),
        push_nsh("md2 248 bytes", md2(), md2=bytes(248)),
        push_nsh("nsh attr 4", md1(), md1=ctx2, more=a(4, bytes(4))),
        push_nsh("not OVS_KEY_ATTR_NSH", raw=a(K_IPV4, a(NSH_K_BASE, md1()) + a(NSH_K_MD1, ctx2))),
        push_nsh("two keys", raw=nsh_key_attr(md1(), ctx2) + nsh_key_attr(md1(), ctx2)),
        push_nsh("empty", raw=b""),
        push_nsh("trailing bytes", raw=nsh_key_attr(md1(), ctx2) + b"\0\0\0\0"),
    ):
        add("nsh", t4, seq(acts, p_eth, out(1)))
    add("nsh", t4, seq(p_md1, pop_nsh(), out(1)))
    add("nsh", t4, seq(p_md1, p_eth, pop_nsh(), out(1)))
    add("nsh", t4, seq(pop_nsh(), out(1)))
    add("nsh", t4, seq(set_nsh("base", c_base), out(1)))
    add("nsh", byname["arp"], seq(pop_eth(), p_md1, out(1)))
    add("nsh", nby["nsh1-eth"], seq(p_eth, out(1)))
    add("nsh", nby["l3-nsh1-ip4"], seq(pop_eth(), out(1)))
    add("nsh", nby["nsh1-ip4"], US(), key=nby["nsh1-ip4"].key(extra=nsh_key_attr(
        md2(), md2=NSH_TLVS)), name="nsh1-ip4 | key with a second, MD2 nsh | userspace")
    add("nsh", nby["nsh1-ip4"], US(), key=a(K_IN_PORT, u32(1))
        + a(K_ETHERNET, nby["nsh1-ip4"].data[6:12] + nby["nsh1-ip4"].data[0:6])
        + a(K_ETHERTYPE, be16(ETH_P_NSH)), name="nsh1-ip4 | key without nsh | userspace")

    # --- set(tunnel), egress tunnel info, output to a VXLAN port -----------------------
    # Port 4 is a collect-metadata VXLAN device; the underlay's routes and
    # neighbours are static (tests/vm/test_actions_ab.sh), so the tunnel
    # key's source address is too; its tp_src is the vxlan device's
    # udp_flow_src_port(), from the packet's flow hash (per boot, like DP_HASH).
    VX = VX_PORT
    T4 = set_tunnel("id=100,dst=172.31.77.2,ttl=64,df", tun_id=100, dst4=UL_REMOTE4, df=True)
    T4b = set_tunnel("id=0x1234567890,src,dst,tos=0x28,ttl=10,csum,tp_dst=4790",
                     tun_id=0x1234567890, src4=UL_LOCAL4, dst4=UL_REMOTE4, tos=0x28, ttl=10,
                     csum=True, tp_dst=4790)
    T4r = set_tunnel("id=101,dst=198.18.0.7 (routed),ttl=64,df,tp_src=1234", tun_id=101,
                     dst4=UL_ROUTED4, df=True, tp_src=1234)
    T4n = set_tunnel("id=102,dst=172.31.77.2,ttl=0,tos=3", tun_id=102, dst4=UL_REMOTE4, ttl=0,
                     tos=3)
    T6 = set_tunnel("id=200,dst=fd77::2,ttl=64", tun_id=200, dst6=UL_REMOTE6)
    T6b = set_tunnel("id=201,src=fd77::1,dst,tos=0x10,ttl=5,csum,tp_dst=4790", tun_id=201,
                     src6=UL_LOCAL6, dst6=UL_REMOTE6, tos=0x10, ttl=5, csum=True, tp_dst=4790)
    T6r = set_tunnel("id=202,dst=2001:db8:77::7 (routed),ttl=64", tun_id=202, dst6=UL_ROUTED6)
    UE = lambda port=VX, **kw: US(egress=port, **kw)  # noqa: E731

    def tadd(f, acts, **kw):
        c = add("tunnel", f, acts, **kw)
        c.underlay = True
        return c

    for f in (t4, u6):
        for T in (T4, T4b, T4r, T4n, T6, T6b, T6r):
            tadd(f, seq(T, UE()))
        for T in (T4, T4b, T4r, T6, T6b, T6r):
            tadd(f, seq(T, out(VX)))
    for f in (byname["arp"], byname["vlan-udp4"], byname["qinq-udp4"], byname["l3-tcp4"],
              nby["nsh1-eth"], nby["l3-nsh1-ip4"]):
        tadd(f, seq(T4, UE(), out(VX)))
        tadd(f, seq(T6, out(VX), UE()))
    for acts in (
        UE(),                                   # no tunnel set: no key
        seq(T4, UE(port=1)),                    # not a tunnel port
        seq(T4, UE(port=0)),                    # the local (internal) port
        seq(T4, UE(port=9)),                    # no such port
        seq(set_tunnel("id=103,dst=203.0.113.9 (no route),ttl=64", tun_id=103,
                       dst4=UL_UNREACH4), UE(), out(VX)),
        seq(set_tunnel("id=203,dst=2001:db8:99::1 (no route),ttl=64", tun_id=203,
                       dst6=UL_UNREACH6), UE(), out(VX)),
        seq(set_tunnel("id=104,src=10.99.0.1 (not local),dst,ttl=64", tun_id=104,
                       src4=bytes([10, 99, 0, 1]), dst4=UL_REMOTE4), UE(), out(VX)),
        seq(set_tunnel("no id,dst,ttl=64,oam", dst4=UL_REMOTE4, oam=True), UE(), out(VX)),
        seq(set_tunnel("id=105,dst,ttl=64,df,vxlan gbp=0x4c8", tun_id=105, dst4=UL_REMOTE4,
                       df=True, gbp=0x4c8), UE(), out(VX)),
        seq(set_tunnel("id=106,dst,ttl=64,geneve opts", tun_id=106, dst4=UL_REMOTE4,
                       geneve=be16(0x0102) + bytes([0x80, 1]) + be32(0xdeadbeef)), UE(), out(VX)),
        seq(set_tunnel("id=107,dst6,ttl=64,gbp=0x12", tun_id=107, dst6=UL_REMOTE6, gbp=0x12),
            UE()),
        seq(T4, UE(userdata=b"egress", actions=True)),
        seq(T4, UE(), UE()),
        seq(T4, T6, UE()),
        seq(T4, clone(T6, UE(), out(VX)), UE(), out(VX)),
        seq(T4, trunc(40), UE()),
        seq(T4, trunc(40), out(VX)),
        seq(T4, out(VX), out(VX)),
        seq(T4, out(VX), T6, out(VX), UE()),
        seq(T4, out(1), out(0), UE()),
        seq(T4, eth_set, out(VX), UE()),
        seq(T4, push_vlan(0x8100, 0x100c), out(VX)),
        seq(T4, hash_(0, 9), UE()),
        seq(hash_(1, 9), T4, UE()),
        seq(T4, p_md1, p_eth, out(VX), UE()),
        seq(T4, sample(0xffffffff, UE(), name="100%"), check_pkt_len(50, out(VX), out(1))),
        seq(T4, pop_eth(), UE(), out(VX)),
    ):
        tadd(t4, acts)
    tadd(t4, seq(T4, UE()), extra=[a(PKT_HASH, struct.pack("=Q", HASH_L4_BIT | 0x5678))],
         name="tcp4 | HASH l4,0x5678 | %s" % seq(T4, UE()).desc)
    tadd(t4, seq(T4, out(VX), UE()), extra=[a(PKT_HASH, struct.pack("=Q", HASH_SW_BIT | 0))],
         name="tcp4 | HASH sw,0 | %s" % seq(T4, out(VX), UE()).desc)
    tadd(byname["big-udp4"], seq(T4, out(VX), UE()))
    tadd(byname["big-udp4"], seq(T6, out(VX)))
    tadd(byname["big-udp4"], seq(T4, out(VX)), extra=[a(PKT_MRU, struct.pack("=H", 500))],
         name="big-udp4 | MRU 500 | %s" % seq(T4, out(VX)).desc)
    # refused (the errno)
    for acts in (
        seq(set_tunnel("no ttl", tun_id=1, dst4=UL_REMOTE4, ttl=None), out(VX)),
        seq(set_tunnel("no dst", tun_id=1), out(VX)),
        seq(set_tunnel("ipv4 and ipv6 dst", tun_id=1, dst4=UL_REMOTE4, dst6=UL_REMOTE6),
            out(VX)),
        seq(Acts("set_masked(tunnel)", a(A_SET_MASKED, a(K_TUNNEL, tunnel_attrs(
            tun_id=1, dst4=UL_REMOTE4) * 2)), {"set_masked"}), out(VX)),
        seq(T4, raw_acts("userspace(egress_tun_port 2 bytes)", a(A_USERSPACE, a(
            US_PID, u32(up)) + a(US_EGRESS_TUN_PORT, b"\4\0")), {"userspace"})),
    ):
        tadd(t4, acts)
    return cases
