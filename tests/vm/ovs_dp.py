#!/usr/bin/env python3
"""The VM tests' one Python helper module, and a small command line tool.

The tools next to it (actions_ab.py, malformed_ab.py, flow_family_ab.py,
flow_codec_ab.py, ovs_dp_transcript.py) import from here what they share:
the ovs_datapath and ovs_vport constants and their names, genetlink
family lookup, OVS attribute helpers, the packet builders, AF_PACKET
capture, datapath creation. The netlink socket and message codec
underneath are genl_families.py's (GenlSocket). Standard library only,
since Python in the test VM is slow.

    ovs_dp.py add NAME      OVS_DP_CMD_NEW (upcall pid 0, ovs-vswitchd's features)
    ovs_dp.py del NAME      OVS_DP_CMD_DEL
    ovs_dp.py list          OVS_DP_CMD_GET dump: one name per line
    ovs_dp.py drop-reason NAME
                            drop one marked frame in datapath NAME with an
                            explicit drop action (OVS_PACKET_CMD_EXECUTE),
                            and print the reason the drop monitor reports for
                            it (NET_DM packet alert mode): OVS_DROP_EXPLICIT
                            while the openvswitch drop-reason subsystem is
                            registered, NOT_SPECIFIED if it is not
    ovs_dp.py upcall-sink NAME hold|drain SECONDS DRAIN
                            make a socket of its own every CPU's upcall
                            port of NAME (per-CPU dispatch), print "ready",
                            then hold it unread for SECONDS, or exec the
                            program DRAIN with the socket's descriptor and
                            SECONDS as arguments (bench/upcall_drain.c)

Exits 1 with the kernel's errno and extack on failure.
"""
import errno
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl_families as g  # noqa: E402

# --- include/uapi/linux/openvswitch.h ------------------------------------------

OVS_DATAPATH_FAMILY = "ovs_datapath"
OVS_DATAPATH_MCGROUP = "ovs_datapath"
OVS_DATAPATH_VERSION = 2
OVS_DP_VER_FEATURES = 2

OVS_DP_CMD_NEW = 1
OVS_DP_CMD_DEL = 2
OVS_DP_CMD_GET = 3
OVS_DP_CMD_SET = 4
CMDS = {"NEW": OVS_DP_CMD_NEW, "DEL": OVS_DP_CMD_DEL,
        "GET": OVS_DP_CMD_GET, "SET": OVS_DP_CMD_SET}
CMD_NAMES = {v: k for k, v in CMDS.items()}

OVS_DP_ATTR_NAME = 1
OVS_DP_ATTR_UPCALL_PID = 2
OVS_DP_ATTR_STATS = 3
OVS_DP_ATTR_MEGAFLOW_STATS = 4
OVS_DP_ATTR_USER_FEATURES = 5
OVS_DP_ATTR_PAD = 6
OVS_DP_ATTR_MASKS_CACHE_SIZE = 7
OVS_DP_ATTR_PER_CPU_PIDS = 8
OVS_DP_ATTR_IFINDEX = 9
ATTRS = {
    "NAME": OVS_DP_ATTR_NAME,
    "UPCALL_PID": OVS_DP_ATTR_UPCALL_PID,
    "STATS": OVS_DP_ATTR_STATS,
    "MEGAFLOW_STATS": OVS_DP_ATTR_MEGAFLOW_STATS,
    "USER_FEATURES": OVS_DP_ATTR_USER_FEATURES,
    "PAD": OVS_DP_ATTR_PAD,
    "MASKS_CACHE_SIZE": OVS_DP_ATTR_MASKS_CACHE_SIZE,
    "PER_CPU_PIDS": OVS_DP_ATTR_PER_CPU_PIDS,
    "IFINDEX": OVS_DP_ATTR_IFINDEX,
}
ATTR_NAMES = {v: k for k, v in ATTRS.items()}

OVS_DP_F_UNALIGNED = 1 << 0
OVS_DP_F_VPORT_PIDS = 1 << 1
OVS_DP_F_TC_RECIRC_SHARING = 1 << 2
OVS_DP_F_DISPATCH_UPCALL_PER_CPU = 1 << 3
FEATURE_NAMES = [
    (OVS_DP_F_UNALIGNED, "UNALIGNED"),
    (OVS_DP_F_VPORT_PIDS, "VPORT_PIDS"),
    (OVS_DP_F_TC_RECIRC_SHARING, "TC_RECIRC_SHARING"),
    (OVS_DP_F_DISPATCH_UPCALL_PER_CPU, "DISPATCH_UPCALL_PER_CPU"),
]

OVS_VPORT_FAMILY = "ovs_vport"
OVS_VPORT_MCGROUP = "ovs_vport"
OVS_VPORT_VERSION = 1

# OVS_VPORT_CMD_* have the same numbers as OVS_DP_CMD_* (CMDS).

OVS_VPORT_ATTR_PORT_NO = 1
OVS_VPORT_ATTR_TYPE = 2
OVS_VPORT_ATTR_NAME = 3
OVS_VPORT_ATTR_OPTIONS = 4
OVS_VPORT_ATTR_UPCALL_PID = 5
OVS_VPORT_ATTR_STATS = 6
OVS_VPORT_ATTR_PAD = 7
OVS_VPORT_ATTR_IFINDEX = 8
OVS_VPORT_ATTR_NETNSID = 9
OVS_VPORT_ATTR_UPCALL_STATS = 10
VPORT_ATTRS = {
    "PORT_NO": OVS_VPORT_ATTR_PORT_NO,
    "TYPE": OVS_VPORT_ATTR_TYPE,
    "NAME": OVS_VPORT_ATTR_NAME,
    "OPTIONS": OVS_VPORT_ATTR_OPTIONS,
    "UPCALL_PID": OVS_VPORT_ATTR_UPCALL_PID,
    "STATS": OVS_VPORT_ATTR_STATS,
    "PAD": OVS_VPORT_ATTR_PAD,
    "IFINDEX": OVS_VPORT_ATTR_IFINDEX,
    "NETNSID": OVS_VPORT_ATTR_NETNSID,
    "UPCALL_STATS": OVS_VPORT_ATTR_UPCALL_STATS,
}
VPORT_ATTR_NAMES = {v: k for k, v in VPORT_ATTRS.items()}

OVS_VPORT_UPCALL_ATTR_SUCCESS = 0       # inside OVS_VPORT_ATTR_UPCALL_STATS
OVS_VPORT_UPCALL_ATTR_FAIL = 1
VPORT_UPCALL_ATTR_NAMES = {OVS_VPORT_UPCALL_ATTR_SUCCESS: "SUCCESS",
                           OVS_VPORT_UPCALL_ATTR_FAIL: "FAIL",
                           OVS_VPORT_ATTR_PAD: "PAD"}

VPORT_TYPES = {"netdev": 1, "internal": 2, "gre": 3, "vxlan": 4, "geneve": 5}
VPORT_TYPE_NAMES = {v: k for k, v in VPORT_TYPES.items()}

DP_MAX_PORTS = 65535                                  # USHRT_MAX

OVS_HEADER = struct.Struct("=i")                     # struct ovs_header
OVS_DP_STATS = struct.Struct("=QQQQ")                # struct ovs_dp_stats
OVS_DP_STATS_FIELDS = ("n_hit", "n_missed", "n_lost", "n_flows")
OVS_DP_MEGAFLOW_STATS = struct.Struct("=QIIQQ")      # struct ovs_dp_megaflow_stats
OVS_DP_MEGAFLOW_STATS_FIELDS = ("n_mask_hit", "n_masks", "pad0", "n_cache_hit", "pad1")
OVS_VPORT_STATS = struct.Struct("=8Q")               # struct ovs_vport_stats
OVS_VPORT_STATS_FIELDS = ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes",
                          "rx_errors", "tx_errors", "rx_dropped", "tx_dropped")

OVS_PACKET_CMD_EXECUTE = 3
OVS_PACKET_ATTR_PACKET, OVS_PACKET_ATTR_KEY, OVS_PACKET_ATTR_ACTIONS = 1, 2, 3
OVS_KEY_ATTR_IN_PORT, OVS_KEY_ATTR_ETHERNET, OVS_KEY_ATTR_ETHERTYPE = 3, 4, 6
OVS_ACTION_ATTR_DROP = 24
OVSP_LOCAL = 0

NLM_F_ACK = 0x4
NETLINK_ADD_MEMBERSHIP = 1


def ovs_header(dp_ifindex=0):
    """struct ovs_header: the datapath's ifindex (0: by name)."""
    return struct.pack("=i", dp_ifindex)


# --- netlink attributes ----------------------------------------------------------

def a(kind, payload=b""):
    return g.pack_attr(kind, payload)


def nest(kind, *attrs):
    return a(kind, b"".join(attrs))


def u32(v):
    return struct.pack("=I", v)


def raw_attrs(data, with_header=False):
    """[(type with flag bits, payload)], in order, the attribute header
    too if with_header; a bad tail as (None, its bytes)."""
    out = []
    off = 0
    while off + 4 <= len(data):
        length, atype = struct.unpack_from("=HH", data, off)
        if length < 4 or off + length > len(data):
            out.append((None, bytes(data[off:])))
            return out
        out.append((atype, bytes(data[off if with_header else off + 4:off + length])))
        off += (length + 3) & ~3
    if off < len(data):
        out.append((None, bytes(data[off:])))
    return out


def flags_str(flags, table):
    """Flag bits as "NAME|NAME|0xrest" ("-" for none), by a table of (bits,
    name) pairs; a name counts when all its bits are set."""
    names = []
    for bit, name in table:
        if (flags & bit) == bit:
            names.append(name)
            flags &= ~bit
    if flags:
        names.append("0x%x" % flags)
    return "|".join(names) or "-"


def errno_name(err):
    # 95 is both EOPNOTSUPP and ENOTSUP to Python; 524 is the kernel's ENOTSUPP.
    return {95: "EOPNOTSUPP", 524: "ENOTSUPP"}.get(err) or errno.errorcode.get(err, str(err))


def parse_family_ids(attrs_data):
    """CTRL_CMD_NEWFAMILY attributes -> (family id or None, {group name: id})."""
    attrs = g.attrs_dict(attrs_data)
    fam_id = g.decode_int(attrs[g.CTRL_ATTR_FAMILY_ID]) if g.CTRL_ATTR_FAMILY_ID in attrs else None
    groups = {}
    for _, grp in g.parse_attrs(attrs.get(g.CTRL_ATTR_MCAST_GROUPS, b"")):
        grp = g.attrs_dict(grp)
        if g.CTRL_ATTR_MCAST_GRP_NAME in grp and g.CTRL_ATTR_MCAST_GRP_ID in grp:
            groups[g.decode_str(grp[g.CTRL_ATTR_MCAST_GRP_NAME])] = \
                g.decode_int(grp[g.CTRL_ATTR_MCAST_GRP_ID])
    return fam_id, groups


def family(sock, name):
    """CTRL_CMD_GETFAMILY: (family id, {multicast group name: id})."""
    reply = sock.request(g.GENL_ID_CTRL, g.CTRL_CMD_GETFAMILY,
                         [g.pack_str_attr(g.CTRL_ATTR_FAMILY_NAME, name)])
    return parse_family_ids(reply[0][1])


def family_id(sock, name):
    return family(sock, name)[0]


def join_group(sock, group):
    """Subscribe a GenlSocket to a multicast group id."""
    sock.sock.setsockopt(g.SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group)


# --- frames ----------------------------------------------------------------------

def be16(v):
    return struct.pack(">H", v)


def be32(v):
    return struct.pack(">I", v)


def ones_sum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def inet_csum(data):
    """The Internet checksum (RFC 1071) of data."""
    return (~ones_sum(data)) & 0xffff


# The tools' frames go between two fixed locally administered MACs.
DST = bytes.fromhex("020000000002")
SRC = bytes.fromhex("020000000001")


def eth(etype, payload=b"", dst=DST, src=SRC):
    return dst + src + be16(etype) + payload


def vlan_tag(tpid, tci):
    return be16(tpid) + be16(tci)


def mpls_lse(label, bos, ttl=64, tc=0):
    return be32((label << 12) | (tc << 9) | (int(bos) << 8) | ttl)


def md2_tlv(cls, typ, value, length=None):
    """An NSH MD type 2 context header: class, type, length (that of value
    unless given), value padded to 4."""
    if length is None:
        length = len(value)
    return be16(cls) + bytes([typ, length & 0x7f]) + value + bytes(-len(value) % 4)


# --- AF_PACKET capture -----------------------------------------------------------

ETH_P_ALL = 0x0003
SOL_PACKET, PACKET_AUXDATA = 263, 8
PACKET_OUTGOING = 4
AUXDATA = struct.Struct("=IIIHHHH")     # struct tpacket_auxdata


def capture_socket(ifname, rcvbuf, auxdata=False):
    """A non-blocking AF_PACKET socket on ifname that gets every frame."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, ETH_P_ALL))
    if auxdata:
        s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.setblocking(False)
    return s


def recv_frame(s):
    """(frame, tpacket_auxdata tuple or None, packet type) from capture_socket."""
    data, anc, _, addr = s.recvmsg(1 << 16, socket.CMSG_SPACE(AUXDATA.size))
    aux = None
    for lvl, typ, cd in anc:
        if lvl == SOL_PACKET and typ == PACKET_AUXDATA and len(cd) >= AUXDATA.size:
            aux = AUXDATA.unpack_from(cd)
    return data, aux, addr[2]


# --- the drop monitor: include/uapi/linux/net_dropmon.h ---------------------------

NET_DM_CMD_CONFIG, NET_DM_CMD_START, NET_DM_CMD_STOP, NET_DM_CMD_PACKET_ALERT = 2, 3, 4, 5
NET_DM_ATTR_ALERT_MODE, NET_DM_ATTR_PAYLOAD = 1, 7
NET_DM_ATTR_SW_DROPS, NET_DM_ATTR_REASON = 20, 23
NET_DM_ALERT_MODE_PACKET = 1


def drop_reason(sock, dp_name, timeout=10.0):
    """The drop monitor's reason for a frame that datapath dp_name drops
    by an explicit drop action; None if no alert came within timeout."""
    dm, groups = family(sock, "NET_DM")
    pkt_fam = family_id(sock, "ovs_packet")
    dp = socket.if_nametoindex(dp_name)
    # A marker no other drop carries: the alert is recognised by it.
    marker = b"ovsrs drop-reason %d %d" % (os.getpid(), time.monotonic_ns())
    frame = eth(0x88b5, marker)
    key = (a(OVS_KEY_ATTR_IN_PORT, u32(OVSP_LOCAL))
           + a(OVS_KEY_ATTR_ETHERNET, frame[6:12] + frame[0:6])
           + a(OVS_KEY_ATTR_ETHERTYPE, frame[12:14]))
    with g.GenlSocket() as listener:
        listener.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        join_group(listener, groups["events"])
        # (Only while stopped can the alert mode be set.)
        sock.request(dm, NET_DM_CMD_CONFIG, [a(NET_DM_ATTR_ALERT_MODE, bytes([
            NET_DM_ALERT_MODE_PACKET]))], flags=NLM_F_ACK)
        sock.request(dm, NET_DM_CMD_START, [a(NET_DM_ATTR_SW_DROPS)], flags=NLM_F_ACK)
        try:
            sock.request(pkt_fam, OVS_PACKET_CMD_EXECUTE, [
                ovs_header(dp), a(OVS_PACKET_ATTR_PACKET, frame), a(OVS_PACKET_ATTR_KEY, key),
                a(OVS_PACKET_ATTR_ACTIONS, a(OVS_ACTION_ATTR_DROP, u32(0)))], flags=NLM_F_ACK)
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                if not select.select([listener.sock], [], [], 0.2)[0]:
                    continue
                for mtype, _, _, _, payload in g.parse_nlmsgs(listener._recv()):
                    if mtype != dm or payload[0] != NET_DM_CMD_PACKET_ALERT:
                        continue
                    attrs = g.attrs_dict(payload[g.GENL_HDRLEN:])
                    if marker in attrs.get(NET_DM_ATTR_PAYLOAD, b""):
                        return g.decode_str(attrs.get(NET_DM_ATTR_REASON, b"(no reason)"))
            return None
        finally:
            sock.request(dm, NET_DM_CMD_STOP, [a(NET_DM_ATTR_SW_DROPS)], flags=NLM_F_ACK)


# --- datapaths ---------------------------------------------------------------------

def dp_new(sock, name, features=OVS_DP_F_UNALIGNED | OVS_DP_F_DISPATCH_UPCALL_PER_CPU):
    """OVS_DP_CMD_NEW with upcall pid 0 (no upcalls wanted)."""
    sock.request(family_id(sock, "ovs_datapath"), OVS_DP_CMD_NEW, [
        ovs_header(), g.pack_str_attr(OVS_DP_ATTR_NAME, name),
        g.pack_u32_attr(OVS_DP_ATTR_UPCALL_PID, 0),
        g.pack_u32_attr(OVS_DP_ATTR_USER_FEATURES, features)], flags=NLM_F_ACK)


def dp_del(sock, name):
    sock.request(family_id(sock, "ovs_datapath"), OVS_DP_CMD_DEL,
                 [ovs_header(), g.pack_str_attr(OVS_DP_ATTR_NAME, name)], flags=NLM_F_ACK)


def upcall_sink(sock, name, mode, seconds, drain):
    """Point every CPU's upcall port id of datapath NAME at SOCK, then hold
    SOCK unread or hand it to the program DRAIN (never returns)."""
    portid = sock.sock.getsockname()[0]
    pids = struct.pack("=%dI" % os.cpu_count(), *[portid] * os.cpu_count())
    sock.request(family_id(sock, "ovs_datapath"), OVS_DP_CMD_SET, [
        ovs_header(), g.pack_str_attr(OVS_DP_ATTR_NAME, name),
        g.pack_u32_attr(OVS_DP_ATTR_USER_FEATURES,
                        OVS_DP_F_UNALIGNED | OVS_DP_F_DISPATCH_UPCALL_PER_CPU),
        a(OVS_DP_ATTR_PER_CPU_PIDS, pids)], flags=NLM_F_ACK)
    print("ready", flush=True)
    if mode == "hold":
        time.sleep(seconds)
        sys.exit(0)
    # Room for bursts: the drain should see the kernel's rate, not the
    # default socket buffer's.
    sock.sock.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)    # SO_RCVBUFFORCE
    fd = sock.sock.fileno()
    os.set_inheritable(fd, True)
    os.execv(drain, [drain, str(fd), str(seconds)])


def dp_list(sock):
    hdr = ovs_header()
    return [g.decode_str(g.attrs_dict(payload[len(hdr):])[OVS_DP_ATTR_NAME])
            for _, payload in sock.request(family_id(sock, "ovs_datapath"), OVS_DP_CMD_GET,
                                           [hdr], dump=True)]


def main(argv):
    with g.GenlSocket() as sock:
        if argv[:1] == ["add"] and len(argv) == 2:
            dp_new(sock, argv[1])
        elif argv[:1] == ["del"] and len(argv) == 2:
            dp_del(sock, argv[1])
        elif argv == ["list"]:
            for name in dp_list(sock):
                print(name)
        elif argv[:1] == ["drop-reason"] and len(argv) == 2:
            reason = drop_reason(sock, argv[1])
            if reason is None:
                sys.exit("ovs_dp.py: no drop monitor alert for the dropped frame")
            print(reason)
        elif argv[:1] == ["upcall-sink"] and len(argv) == 5 and argv[2] in ("hold", "drain"):
            upcall_sink(sock, argv[1], argv[2], int(argv[3]), argv[4])
        else:
            sys.exit(__doc__)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except g.NetlinkError as e:
        sys.exit("ovs_dp.py: %s" % e)
