"""The vocabulary of actions_ab.py's corpus: the OVS constants, the
frames, the action lists (every action type, NSH, set(tunnel)), and the
decoding of KEY nests that the cases and the run share.

actions_corpus.py writes the cases with these; actions_ab.py runs them,
checks the checksums of what comes out, and compares transcripts. Nothing
here talks to a kernel.
"""
import struct

from ovs_dp import (
    DST, SRC, a, be16, be32, eth, inet_csum, md2_tlv, mpls_lse, raw_attrs, u32, vlan_tag)
# --- include/uapi/linux/openvswitch.h ---------------------------------------

DP_CMD_NEW, DP_CMD_DEL, DP_CMD_GET, DP_CMD_SET = 1, 2, 3, 4
DP_ATTR_NAME, DP_ATTR_UPCALL_PID, DP_ATTR_USER_FEATURES, DP_ATTR_PER_CPU_PIDS = 1, 2, 5, 8
F_UNALIGNED, F_PER_CPU = 1, 8

VPORT_CMD_NEW = 1
VPORT_ATTR_PORT_NO, VPORT_ATTR_TYPE, VPORT_ATTR_NAME, VPORT_ATTR_UPCALL_PID = 1, 2, 3, 5
VPORT_TYPE_NETDEV = 1

PACKET_CMD_MISS, PACKET_CMD_ACTION, PACKET_CMD_EXECUTE = 1, 2, 3
PKT_PACKET, PKT_KEY, PKT_ACTIONS, PKT_USERDATA, PKT_EGRESS_TUN_KEY = 1, 2, 3, 4, 5
PKT_PROBE, PKT_MRU, PKT_LEN, PKT_HASH, PKT_UPCALL_PID = 8, 9, 10, 11, 12
PKT_ATTR_NAMES = {PKT_PACKET: "PACKET", PKT_KEY: "KEY", PKT_ACTIONS: "ACTIONS",
                  PKT_USERDATA: "USERDATA", PKT_EGRESS_TUN_KEY: "EGRESS_TUN_KEY",
                  PKT_PROBE: "PROBE", PKT_MRU: "MRU", PKT_LEN: "LEN", PKT_HASH: "HASH",
                  PKT_UPCALL_PID: "UPCALL_PID"}
PKT_CMD_NAMES = {PACKET_CMD_MISS: "MISS", PACKET_CMD_ACTION: "ACTION",
                 PACKET_CMD_EXECUTE: "EXECUTE"}
HASH_SW_BIT, HASH_L4_BIT = 1 << 32, 1 << 33

# OVS_KEY_ATTR_*
K_ENCAP, K_PRIORITY, K_IN_PORT, K_ETHERNET, K_VLAN, K_ETHERTYPE = 1, 2, 3, 4, 5, 6
K_IPV4, K_IPV6, K_TCP, K_UDP, K_ICMP, K_ICMPV6, K_ARP, K_ND = 7, 8, 9, 10, 11, 12, 13, 14
K_SKB_MARK, K_TUNNEL, K_SCTP, K_TCP_FLAGS, K_DP_HASH, K_RECIRC_ID = 15, 16, 17, 18, 19, 20
K_MPLS, K_CT_STATE, K_CT_ZONE, K_CT_MARK, K_CT_LABELS = 21, 22, 23, 24, 25
KEY_NAMES = {1: "encap", 2: "priority", 3: "in_port", 4: "eth", 5: "vlan", 6: "ethertype",
             7: "ipv4", 8: "ipv6", 9: "tcp", 10: "udp", 11: "icmp", 12: "icmpv6", 13: "arp",
             14: "nd", 15: "skb_mark", 16: "tunnel", 17: "sctp", 18: "tcp_flags",
             19: "dp_hash", 20: "recirc_id", 21: "mpls", 22: "ct_state", 23: "ct_zone",
             24: "ct_mark", 25: "ct_labels", 26: "ct_tuple4", 27: "ct_tuple6", 28: "nsh",
             29: "packet_type", 30: "nd_ext", 31: "tunnel_info", 32: "ipv6_exthdrs"}

# OVS_ACTION_ATTR_*
A_OUTPUT, A_USERSPACE, A_SET, A_PUSH_VLAN, A_POP_VLAN, A_SAMPLE = 1, 2, 3, 4, 5, 6
A_HASH, A_PUSH_MPLS, A_POP_MPLS, A_SET_MASKED, A_TRUNC = 8, 9, 10, 11, 13
A_PUSH_ETH, A_POP_ETH, A_CT_CLEAR, A_CLONE, A_CHECK_PKT_LEN = 14, 15, 16, 20, 21
A_ADD_MPLS, A_DEC_TTL, A_DROP, A_PSAMPLE = 22, 23, 24, 25
ACTION_NAMES = {1: "output", 2: "userspace", 3: "set", 4: "push_vlan", 5: "pop_vlan",
                6: "sample", 7: "recirc", 8: "hash", 9: "push_mpls", 10: "pop_mpls",
                11: "set_masked", 12: "ct", 13: "trunc", 14: "push_eth", 15: "pop_eth",
                16: "ct_clear", 17: "push_nsh", 18: "pop_nsh", 19: "meter", 20: "clone",
                21: "check_pkt_len", 22: "add_mpls", 23: "dec_ttl", 24: "drop", 25: "psample"}
US_PID, US_USERDATA, US_EGRESS_TUN_PORT, US_ACTIONS = 1, 2, 3, 4
NLA_F_NESTED = 0x8000

# OVS_KEY_ATTR_NSH's OVS_NSH_KEY_ATTR_*; the NSH actions
K_NSH = 28
NSH_K_BASE, NSH_K_MD1, NSH_K_MD2 = 1, 2, 3
NSH_KEY_NAMES = {1: "base", 2: "md1", 3: "md2"}
A_PUSH_NSH, A_POP_NSH = 17, 18
ETH_P_NSH = 0x894f
# OVS_TUNNEL_KEY_ATTR_*
TUN_ID, TUN_IPV4_SRC, TUN_IPV4_DST, TUN_TOS, TUN_TTL, TUN_DF, TUN_CSUM = 0, 1, 2, 3, 4, 5, 6
TUN_OAM, TUN_GENEVE_OPTS, TUN_TP_SRC, TUN_TP_DST, TUN_VXLAN_OPTS = 7, 8, 9, 10, 11
TUN_IPV6_SRC, TUN_IPV6_DST = 12, 13
TUN_KEY_NAMES = {0: "id", 1: "ipv4_src", 2: "ipv4_dst", 3: "tos", 4: "ttl", 5: "df",
                 6: "csum", 7: "oam", 8: "geneve_opts", 9: "tp_src", 10: "tp_dst",
                 11: "vxlan_opts", 12: "ipv6_src", 13: "ipv6_dst", 14: "pad",
                 15: "erspan_opts", 16: "ipv4_info_bridge"}

NLM_F_REQUEST, NLM_F_ACK = 0x1, 0x4
# --- frames -------------------------------------------------------------------

BCAST = b"\xff" * 6
IP_A, IP_B = bytes([10, 1, 0, 1]), bytes([10, 1, 0, 2])
IP6_A = bytes.fromhex("20010db8000000000000000000000001")
IP6_B = bytes.fromhex("20010db8000000000000000000000002")


def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


CRC32C_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xffffffff
    t = CRC32C_TABLE
    for b in data:
        c = t[(c ^ b) & 0xff] ^ (c >> 8)
    return c ^ 0xffffffff


def pseudo4(src, dst, proto, length):
    return src + dst + bytes([0, proto]) + be16(length)


def pseudo6(src, dst, nh, length):
    return src + dst + be32(length) + bytes([0, 0, 0, nh])


def l4_with_csum(seg, csum_off, pseudo):
    c = inet_csum(pseudo + seg)
    return seg[:csum_off] + be16(c) + seg[csum_off + 2:]


def tcp_seg(pseudo_fn, sport=40000, dport=80, flags=0x018, payload=b"GET / HTTP/1.0\r\n\r\n",
            seq=0x01020304, ack=0x0a0b0c0d):
    seg = (be16(sport) + be16(dport) + be32(seq) + be32(ack)
           + bytes([5 << 4, flags]) + be16(64240) + b"\0\0" + b"\0\0" + payload)
    return l4_with_csum(seg, 16, pseudo_fn(6, len(seg)))


def udp_seg(pseudo_fn, sport=5000, dport=53, payload=bytes(range(24)), csum=True):
    seg = be16(sport) + be16(dport) + be16(8 + len(payload)) + b"\0\0" + payload
    if not csum:
        return seg
    return l4_with_csum(seg, 6, pseudo_fn(17, len(seg)))


def sctp_seg(sport=5001, dport=5002, payload=b"sctp data chunk!"):
    chunk = bytes([0, 3]) + be16(16 + len(payload)) + be32(1) + be16(1) + be16(0) + be32(0) \
        + payload
    pkt = be16(sport) + be16(dport) + be32(0x11223344) + b"\0\0\0\0" + chunk
    return pkt[:8] + struct.pack("<I", crc32c(pkt)) + pkt[12:]


def icmp_msg(typ=8, payload=bytes(range(32))):
    msg = bytes([typ, 0]) + b"\0\0" + be16(0x42) + be16(1) + payload
    return msg[:2] + be16(inet_csum(msg)) + msg[4:]


def icmp6_msg(typ=128, payload=bytes(range(32))):
    msg = bytes([typ, 0]) + b"\0\0" + be16(0x42) + be16(1) + payload
    return l4_with_csum(msg, 2, pseudo6(IP6_A, IP6_B, 58, len(msg)))


def ipv4(proto, l4fn, tos=0, ttl=64, frag=0x4000, options=b"", tot_len=None, cut=None,
         src=IP_A, dst=IP_B, ident=0x1234):
    """An IPv4 packet; l4fn(pseudo) builds the transport part."""
    pseudo = lambda p, n: pseudo4(src, dst, p, n)  # noqa: E731
    body = l4fn(pseudo)
    ihl = 5 + len(options) // 4
    total = tot_len if tot_len is not None else ihl * 4 + len(body)
    hdr = bytes([0x40 | ihl, tos]) + be16(total) + be16(ident) + be16(frag) \
        + bytes([ttl, proto]) + b"\0\0" + src + dst + options
    hdr = hdr[:10] + be16(inet_csum(hdr)) + hdr[12:]
    pkt = hdr + body
    return pkt if cut is None else pkt[:cut]


def ipv6(nh, l4fn, tclass=0, label=0x12345, hlim=64, src=IP6_A, dst=IP6_B):
    pseudo = lambda p, n: pseudo6(src, dst, p, n)  # noqa: E731
    body = l4fn(pseudo)
    first = (6 << 28) | (tclass << 20) | label
    return be32(first) + be16(len(body)) + bytes([nh, hlim]) + src + dst + body


def lse(label, bos, ttl=64):
    """An MPLS label stack entry as a number."""
    return struct.unpack(">I", mpls_lse(label, bos, ttl))[0]


def arp_body(op=1):
    return be16(1) + be16(0x0800) + bytes([6, 4]) + be16(op) + SRC + IP_A + bytes(6) + IP_B


class Frame:
    """A corpus frame: its bytes, whether it has an Ethernet header (else
    its ethertype goes in the key), and what it carries."""

    def __init__(self, name, data, props, l3_type=None, dst=DST, key_extra=b""):
        self.name = name
        self.data = data
        self.props = set(props)
        self.l3_type = l3_type
        self.dst = dst
        self.key_extra = key_extra  # more key attributes (the NSH frames' OVS_KEY_ATTR_NSH)

    def key(self, in_port=1, extra=b""):
        k = a(K_IN_PORT, u32(in_port)) + extra + self.key_extra
        if self.l3_type is not None:
            return k + a(K_ETHERTYPE, be16(self.l3_type))
        return k + a(K_ETHERNET, self.data[6:12] + self.data[0:6]) \
            + a(K_ETHERTYPE, self.data[12:14])


def frames():
    f = []
    add = lambda *args, **kw: f.append(Frame(*args, **kw))  # noqa: E731
    tcp = lambda **kw: (lambda p: tcp_seg(p, **kw))  # noqa: E731
    udp = lambda **kw: (lambda p: udp_seg(p, **kw))  # noqa: E731
    tcp4 = ipv4(6, tcp())
    udp4 = ipv4(17, udp())
    add("tcp4", eth(0x0800, tcp4), {"ip4", "tcp", "main"})
    add("udp4", eth(0x0800, udp4), {"ip4", "udp", "main"})
    add("udp4-nocsum", eth(0x0800, ipv4(17, udp(csum=False))), {"ip4", "udp"})
    add("icmp4", eth(0x0800, ipv4(1, lambda p: icmp_msg())), {"ip4", "icmp"})
    add("sctp4", eth(0x0800, ipv4(132, lambda p: sctp_seg())), {"ip4", "sctp", "main"})
    add("tcp4-opts", eth(0x0800, ipv4(6, tcp(), tos=0x2e, options=bytes([0x94, 4, 0, 0]))),
        {"ip4", "tcp"})
    add("udp4-frag", eth(0x0800, ipv4(17, udp(payload=bytes(48)), frag=0x2000)),
        {"ip4", "udp"})
    add("tcp4-ttl1", eth(0x0800, ipv4(6, tcp(), ttl=1)), {"ip4", "tcp", "ttl1"})
    add("tcp4-badcsum", eth(0x0800, tcp4[:36] + bytes([tcp4[36] ^ 0x55]) + tcp4[37:]),
        {"ip4", "tcp"})
    add("tcp4-short-l4", eth(0x0800, ipv4(6, tcp(), cut=30, tot_len=30)), {"ip4", "tcp", "short"})
    add("tcp6", eth(0x86dd, ipv6(6, tcp())), {"ip6", "tcp", "main"})
    add("udp6", eth(0x86dd, ipv6(17, udp(), tclass=0xb8)), {"ip6", "udp", "main"})
    add("icmp6", eth(0x86dd, ipv6(58, lambda p: icmp6_msg())), {"ip6", "icmp6"})
    add("udp6-hlim1", eth(0x86dd, ipv6(17, udp(), hlim=1)), {"ip6", "udp", "ttl1"})
    add("arp", eth(0x0806, arp_body(), dst=BCAST), {"arp", "main"}, dst=BCAST)
    add("llc", DST + SRC + be16(38) + bytes([0x42, 0x42, 0x03]) + bytes(range(35)), {"llc"})
    add("vlan-udp4", eth(0x8100, vlan_tag(0x8100, 0x600a)[2:] + be16(0x0800) + udp4),
        {"vlan", "ip4", "udp", "main"})
    add("vlan-tcp6", eth(0x8100, be16(0x000b) + be16(0x86dd) + ipv6(6, tcp())),
        {"vlan", "ip6", "tcp"})
    add("qinq-udp4", eth(0x88a8, be16(0x0064) + vlan_tag(0x8100, 0x600a) + be16(0x0800) + udp4),
        {"vlan", "qinq", "ip4", "udp", "main"})
    add("mpls-udp4", eth(0x8847, mpls_lse(100, 1) + udp4), {"mpls", "main"})
    add("mpls2-tcp4", eth(0x8847, mpls_lse(200, 0) + mpls_lse(100, 1) + tcp4), {"mpls", "mpls2"})
    add("l3-tcp4", tcp4, {"ip4", "tcp", "l3", "main"}, l3_type=0x0800)
    add("big-udp4", eth(0x0800, ipv4(17, udp(payload=bytes(i & 0xff for i in range(1400))))),
        {"ip4", "udp", "big"})
    add("jumbo-udp4", eth(0x0800, ipv4(17, udp(payload=bytes(1500)))), {"ip4", "udp", "jumbo"})
    return f


# The marker frame that follows every case: the run finds it by these.
BARRIER_TYPE = 0x88b5
BARRIER_MAGIC = b"actions_ab barrier "


def barrier_frame(n):
    return eth(BARRIER_TYPE, BARRIER_MAGIC + be32(n), dst=BCAST)


# --- netlink helpers ----------------------------------------------------------

def key_words(payload):
    """A KEY nest as "name=hex" words (nests recursed)."""
    words = []
    for t, p in raw_attrs(payload):
        if t is None:
            words.append("tail=%s" % p.hex())
            continue
        name = KEY_NAMES.get(t & 0x3fff, "k%d" % (t & 0x3fff))
        if t & NLA_F_NESTED:
            name += "|N"
        if (t & 0x3fff) in (K_ENCAP, K_TUNNEL):
            words.append("%s(%s)" % (name, " ".join(key_words(p))))
        elif (t & 0x3fff) == K_NSH:
            words.append("%s(%s)" % (name, " ".join(sub_words(p, NSH_KEY_NAMES))))
        else:
            words.append("%s=%s" % (name, p.hex()))
    return words


def sub_words(payload, names):
    """The attributes of a nest (NSH key, tunnel key) as "name=hex" words."""
    words = []
    for t, p in raw_attrs(payload):
        if t is None:
            words.append("tail=%s" % p.hex())
            continue
        name = names.get(t & 0x3fff, "a%d" % (t & 0x3fff)) + ("|N" if t & NLA_F_NESTED else "")
        words.append("%s=%s" % (name, p.hex()) if p else name)
    return words


def key_is_l3(payload):
    """None for an Ethernet key, else the ethertype of a layer-3 one."""
    seen = {t & 0x3fff: p for t, p in raw_attrs(payload) if t is not None}
    if K_ETHERNET in seen or K_ETHERTYPE not in seen or len(seen[K_ETHERTYPE]) != 2:
        return None
    return struct.unpack(">H", seen[K_ETHERTYPE])[0]


# --- action lists -------------------------------------------------------------

class Acts:
    """An action list: its bytes, a description, the action types in it
    (nested ones too)."""

    def __init__(self, desc, data, kinds):
        self.desc = desc
        self.data = data
        self.kinds = set(kinds)

    def __add__(self, other):
        return Acts(self.desc + "," + other.desc, self.data + other.data, self.kinds | other.kinds)


def seq(*acts):
    if not acts:
        return Acts("", b"", ())
    r = acts[0]
    for x in acts[1:]:
        r = r + x
    return r


def act(desc, kind, payload=b"", inner=()):
    kinds = {ACTION_NAMES[kind & 0x3fff]}
    for i in inner:
        kinds |= i.kinds
    return Acts(desc, a(kind, payload), kinds)


def out(p):
    return act("out:%d" % p, A_OUTPUT, u32(p))


def userspace(pid, userdata=None, actions=False, tag="", egress=None):
    p = a(US_PID, u32(pid))
    d = "userspace"
    if userdata is not None:
        p += a(US_USERDATA, userdata)
        d += "(data)"
    if egress is not None:
        p += a(US_EGRESS_TUN_PORT, u32(egress))
        d += "(egress_tun_port:%d)" % egress
    if actions:
        p += a(US_ACTIONS)
        d += "(actions)"
    return act(d + tag, A_USERSPACE, p)


def trunc(n):
    return act("trunc(%d)" % n, A_TRUNC, u32(n))


def set_(name, kind, value):
    return Acts("set(%s)" % name, a(A_SET, a(kind, value)),
                {"set", "set:" + KEY_NAMES.get(kind, str(kind))})


def setm(name, kind, value, mask):
    return Acts("set_masked(%s)" % name, a(A_SET_MASKED, a(kind, value + mask)),
                {"set_masked", "set_masked:" + KEY_NAMES.get(kind, str(kind))})


def push_vlan(tpid, tci):
    return act("push_vlan(%04x:%04x)" % (tpid, tci), A_PUSH_VLAN, be16(tpid) + be16(tci))


def pop_vlan():
    return act("pop_vlan", A_POP_VLAN)


def push_mpls(lse, et):
    return act("push_mpls(%08x,%04x)" % (lse, et), A_PUSH_MPLS, be32(lse) + be16(et) + b"\0\0")


def add_mpls(lse, et, l3flag):
    return act("add_mpls(%08x,%04x,%d)" % (lse, et, l3flag), A_ADD_MPLS,
               be32(lse) + be16(et) + struct.pack("=H", l3flag))


def pop_mpls(et):
    return act("pop_mpls(%04x)" % et, A_POP_MPLS, be16(et))


def push_eth(src, dst):
    return act("push_eth", A_PUSH_ETH, src + dst)


def pop_eth():
    return act("pop_eth", A_POP_ETH)


def hash_(alg, basis):
    return act("hash(%d,%d)" % (alg, basis), A_HASH, u32(alg) + u32(basis))


def clone(*inner):
    s = seq(*inner)
    return act("clone(%s)" % s.desc, A_CLONE, s.data, [s])


def sample(prob, *inner, name=None):
    s = seq(*inner)
    return act("sample(%s:%s)" % (name or "%08x" % prob, s.desc), A_SAMPLE,
               a(1, u32(prob)) + a(2, s.data), [s])


def check_pkt_len(n, gt, le):
    return act("check_pkt_len(%d,gt:%s,le:%s)" % (n, gt.desc, le.desc), A_CHECK_PKT_LEN,
               a(1, struct.pack("=H", n)) + a(2, gt.data) + a(3, le.data), [gt, le])


def dec_ttl(*inner):
    s = seq(*inner)
    return act("dec_ttl(%s)" % s.desc, A_DEC_TTL, a(1, s.data), [s])


def drop(err=0):
    return act("drop(%d)" % err, A_DROP, u32(err))


def ct_clear():
    return act("ct_clear", A_CT_CLEAR)


def psample(group, cookie):
    return Acts("psample(%d)" % group,
                a(A_PSAMPLE | NLA_F_NESTED, a(1, u32(group)) + a(2, cookie)), {"psample"})


def raw_acts(desc, data, kinds=()):
    return Acts(desc, data, kinds)


def ip4key(src=IP_A, dst=IP_B, proto=6, tos=0, ttl=64, frag=0):
    return src + dst + bytes([proto, tos, ttl, frag])


def ip6key(src=IP6_A, dst=IP6_B, label=0x12345, proto=6, tclass=0, hlim=64, frag=0):
    return src + dst + be32(label) + bytes([proto, tclass, hlim, frag])


# --- NSH ------------------------------------------------------------------------

NSH_CTX = bytes.fromhex("c0ffee01000000020a0b0c0d00000004")
INNER_DST, INNER_SRC = bytes.fromhex("020000000022"), bytes.fromhex("020000000011")


NSH_TLVS = md2_tlv(0x0101, 0x01, bytes.fromhex("aabbccdd")) \
    + md2_tlv(0xffee, 0x82, bytes.fromhex("010203040506"))


def nsh_hdr(np, md=1, ctx=NSH_CTX, tlvs=b"", ttl=63, flags=0, spi=0x000123, si=0xff, ver=0,
            words=None, mdtype=None):
    """An NSH header (include/net/nsh.h): version/flags/TTL/length (in
    4-byte words), MD type, next protocol (1 IPv4, 2 IPv6, 3 Ethernet,
    4 NSH, 5 MPLS), service path (SPI << 8 | SI), context headers."""
    body = ctx if md == 1 else tlvs
    if words is None:
        words = (8 + len(body)) // 4
    vftl = (ver << 14) | ((flags & 3) << 12) | ((ttl & 0x3f) << 6) | (words & 0x3f)
    return be16(vftl) + bytes([md if mdtype is None else mdtype, np]) + be32(spi << 8 | si) + body


def nsh_base(flags=0, ttl=63, mdtype=1, np=3, spi=0x000123, si=0xff):
    """struct ovs_nsh_key_base."""
    return bytes([flags, ttl, mdtype, np]) + be32(spi << 8 | si)


def nsh_key_attr(base, md1=None, md2=None, more=b""):
    """OVS_KEY_ATTR_NSH: BASE, then MD1 or MD2 (as ovs-vswitchd nests it)."""
    p = a(NSH_K_BASE, base) if base is not None else b""
    if md1 is not None:
        p += a(NSH_K_MD1, md1)
    if md2 is not None:
        p += a(NSH_K_MD2, md2)
    return a(K_NSH, p + more)


def push_nsh(desc, base=None, md1=None, md2=None, more=b"", raw=None):
    """push_nsh(OVS_KEY_ATTR_NSH(...)); raw: the action's payload as is."""
    payload = raw if raw is not None else nsh_key_attr(base, md1, md2, more)
    return act("push_nsh(%s)" % desc, A_PUSH_NSH, payload)


def pop_nsh():
    return act("pop_nsh", A_POP_NSH)


def set_nsh(desc, base=None, md1=None):
    """set(nsh(...)): the nest as ovs-vswitchd writes a key."""
    return Acts("set(nsh %s)" % desc, a(A_SET, nsh_key_attr(base, md1)), {"set", "set:nsh"})


def setm_nsh(desc, base=None, base_mask=None, md1=None, md1_mask=None):
    """set_masked(nsh(...)): every NSH attribute is its value then its mask
    (the layout of the old set_nsh())."""
    p = b""
    if base is not None:
        p += a(NSH_K_BASE, base + base_mask)
    if md1 is not None:
        p += a(NSH_K_MD1, md1 + md1_mask)
    return Acts("set_masked(nsh %s)" % desc, a(A_SET_MASKED, a(K_NSH, p)),
                {"set_masked", "set_masked:nsh"})


def nsh_frames():
    """NSH frames (ethertype 0x894f; l3: the NSH packet without Ethernet
    header), each with its OVS_KEY_ATTR_NSH in the key; then malformed
    ones (their key's NSH as the header claims)."""
    f = []

    def add(name, hdr, inner, props, l3=False, base=None, md1=None):
        data = hdr + inner if l3 else eth(ETH_P_NSH, hdr + inner)
        k = nsh_key_attr(base, md1) if base is not None else b""
        f.append(Frame(name, data, set(props) | {"nsh"}, l3_type=ETH_P_NSH if l3 else None,
                       key_extra=k))

    tcp4 = ipv4(6, lambda p: tcp_seg(p))
    udp4 = ipv4(17, lambda p: udp_seg(p))
    tcp6 = ipv6(6, lambda p: tcp_seg(p))
    in_tcp4 = eth(0x0800, tcp4, dst=INNER_DST, src=INNER_SRC)
    in_udp4 = eth(0x0800, udp4, dst=INNER_DST, src=INNER_SRC)
    b1 = lambda np, **kw: nsh_base(mdtype=1, np=np, **kw)  # noqa: E731
    b2 = lambda np, **kw: nsh_base(mdtype=2, np=np, **kw)  # noqa: E731
    add("nsh1-eth", nsh_hdr(3), in_tcp4, {"md1", "eth-in", "main"}, base=b1(3), md1=NSH_CTX)
    add("nsh1-ip4", nsh_hdr(1, ttl=5, flags=2, spi=0xabcdef, si=7), udp4, {"md1", "main"},
        base=b1(1, ttl=5, flags=2, spi=0xabcdef, si=7), md1=NSH_CTX)
    add("nsh2-ip6", nsh_hdr(2, md=2, tlvs=NSH_TLVS), tcp6, {"md2", "main"}, base=b2(2))
    add("nsh2-eth-notlv", nsh_hdr(3, md=2), in_udp4, {"md2", "eth-in"}, base=b2(3))
    add("l3-nsh1-ip4", nsh_hdr(1), tcp4, {"md1", "l3", "main"}, l3=True, base=b1(1), md1=NSH_CTX)
    add("l3-nsh2-eth", nsh_hdr(3, md=2, tlvs=NSH_TLVS[:8]), in_tcp4, {"md2", "eth-in", "l3"},
        l3=True, base=b2(3))
    add("nsh1-mpls", nsh_hdr(5), mpls_lse(100, 1) + udp4, {"md1"}, base=b1(5), md1=NSH_CTX)
    add("nsh1-nsh", nsh_hdr(4, spi=0x456, si=0xfe), nsh_hdr(1, md=2) + udp4, {"md1"},
        base=b1(4, spi=0x456, si=0xfe), md1=NSH_CTX)
    add("nsh1-inner-short", nsh_hdr(3), in_tcp4[:20], {"md1", "eth-in"}, base=b1(3), md1=NSH_CTX)
    # pop_nsh pulls the NSH header at skb->data: on a frame with an
    # Ethernet header that is the destination MAC (02:06: 24 bytes; its
    # fourth byte 01: next protocol IPv4)
    f.append(Frame("nsh1-eth-dst0206", eth(ETH_P_NSH, nsh_hdr(3) + in_tcp4,
                                           dst=bytes.fromhex("020600010002")),
                   {"nsh", "md1", "quirk"}, dst=bytes.fromhex("020600010002"),
                   key_extra=nsh_key_attr(b1(3), NSH_CTX)))
    # next protocol 0x99: pop_nsh is refused
    add("nsh1-np99", nsh_hdr(0x99), udp4, {"md1", "bad"}, base=b1(0x99), md1=NSH_CTX)
    # the key extraction accepts an MD type 2 header shorter than the base
    # header; nsh_pop() refuses it when it runs
    add("nsh2-len1", nsh_hdr(1, md=2, words=1), udp4, {"md2", "bad"}, base=b2(1))
    add("nsh2-len0", nsh_hdr(1, md=2, words=0), udp4, {"md2", "bad"}, base=b2(1))
    # the key extraction refuses these (the EXECUTE's errno)
    add("nsh-cut6", nsh_hdr(3)[:6], b"", {"bad", "cut"}, base=b1(3), md1=NSH_CTX)
    add("nsh1-cut16", nsh_hdr(3)[:16], b"", {"bad", "cut"}, base=b1(3), md1=NSH_CTX)
    add("nsh2-len63-cut", nsh_hdr(1, md=2, tlvs=NSH_TLVS, words=63), udp4, {"bad", "cut"},
        base=b2(1))
    add("nsh1-ver1", nsh_hdr(1, ver=1), udp4, {"bad"}, base=b1(1), md1=NSH_CTX)
    add("nsh-mdtype3", nsh_hdr(1, mdtype=3), udp4, {"bad"}, base=nsh_base(mdtype=3, np=1))
    add("nsh1-len4", nsh_hdr(1, ctx=NSH_CTX[:8]), udp4, {"bad"}, base=b1(1), md1=NSH_CTX)
    return f


# --- tunnels: set(tunnel) and the egress tunnel key -------------------------------

VX_PORT = 4                 # the collect-metadata VXLAN device (--vxlan)
UL_CAP_PORT = 4             # frames the underlay peer (--underlay) received: port 4's
UL_LOCAL4, UL_REMOTE4 = bytes([172, 31, 77, 1]), bytes([172, 31, 77, 2])
UL_ROUTED4 = bytes([198, 18, 0, 7])          # via 172.31.77.254
UL_UNREACH4 = bytes([203, 0, 113, 9])        # no route
UL_LOCAL6 = bytes.fromhex("fd770000000000000000000000000001")
UL_REMOTE6 = bytes.fromhex("fd770000000000000000000000000002")
UL_ROUTED6 = bytes.fromhex("20010db8007700000000000000000007")   # via fd77::fe
UL_UNREACH6 = bytes.fromhex("20010db8009900000000000000000001")  # no route
BARRIER_VNI = 0xbabe


def tunnel_attrs(tun_id=None, src4=None, dst4=None, src6=None, dst6=None, tos=None, ttl=64,
                 df=False, csum=False, oam=False, tp_src=None, tp_dst=None, geneve=None,
                 gbp=None):
    p = b""
    if tun_id is not None:
        p += a(TUN_ID, struct.pack(">Q", tun_id))
    if src4 is not None:
        p += a(TUN_IPV4_SRC, src4)
    if dst4 is not None:
        p += a(TUN_IPV4_DST, dst4)
    if src6 is not None:
        p += a(TUN_IPV6_SRC, src6)
    if dst6 is not None:
        p += a(TUN_IPV6_DST, dst6)
    if tos is not None:
        p += a(TUN_TOS, bytes([tos]))
    if ttl is not None:
        p += a(TUN_TTL, bytes([ttl]))
    if df:
        p += a(TUN_DF)
    if csum:
        p += a(TUN_CSUM)
    if oam:
        p += a(TUN_OAM)
    if tp_src is not None:
        p += a(TUN_TP_SRC, be16(tp_src))
    if tp_dst is not None:
        p += a(TUN_TP_DST, be16(tp_dst))
    if geneve is not None:
        p += a(TUN_GENEVE_OPTS, geneve)
    if gbp is not None:
        p += a(TUN_VXLAN_OPTS, a(1, u32(gbp)))
    return p


def set_tunnel(desc, **kw):
    return Acts("set(tunnel(%s))" % desc, a(A_SET, a(K_TUNNEL, tunnel_attrs(**kw))),
                {"set", "set:tunnel"})


def barrier_tunnel():
    """What the barrier adds for a case that uses the VXLAN port: its frame
    encapsulated to the underlay."""
    return set_tunnel("barrier", tun_id=BARRIER_VNI, dst4=UL_REMOTE4, ttl=64, df=True) \
        + out(VX_PORT)


def tun_words(payload):
    return sub_words(payload, TUN_KEY_NAMES)


def vxlan_inner(data):
    """(offset of the VXLAN header, the encapsulated frame) of an
    Ethernet/IPv4-or-IPv6/UDP frame (any port: a tunnel key's tp_dst
    chooses it), else None."""
    if len(data) < 14:
        return None
    et = struct.unpack_from(">H", data, 12)[0]
    if et == 0x0800 and len(data) >= 34 and data[14] >> 4 == 4 and data[23] == 17:
        off = 14 + (data[14] & 0xf) * 4
    elif et == 0x86dd and len(data) >= 62 and data[20] == 17:
        off = 54
    else:
        return None
    if len(data) < off + 16:
        return None
    return off + 8, data[off + 16:]
