#!/usr/bin/env python3
"""The ovs_ct_limit family by raw netlink, as a transcript that does not
depend on the run or on the module.

    ct_limit_ab.py run OUT          the whole sequence below, into OUT
    ct_limit_ab.py set-get ZONE LIMIT
                                    one SET, then a GET of every limit,
                                    decoded (for namespaces: ip netns exec)

`run` (inside the test VM, as root, with one datapath module loaded)
sends a fixed sequence of OVS_CT_LIMIT_CMD_SET/DEL/GET requests: well
formed ones (the default and per-zone limits, zone 0 and 65535, the C
hash-bucket order of a full GET, replacing and deleting limits, the
request's dp_ifindex echoed) and malformed or edge ones (no
OVS_CT_LIMIT_ATTR_ZONE_LIMIT, empty or short payloads, a payload whose
last record ends in the padding, leftover bytes, zone ids out of range,
an unknown attribute, no ovs_header, NLA_F_NESTED on the attribute, a
GET reply too big for its message, and SET/DEL/GET without
CAP_NET_ADMIN). Each step records the kernel's answer: the error with its
extack, or the reply's genl header, ovs_header and attributes (the zone
limit records decoded), and the reply's bytes in hex.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl_families as g  # noqa: E402
import ovs_dp as o  # noqa: E402

OVS_CT_LIMIT_FAMILY = "ovs_ct_limit"
OVS_CT_LIMIT_CMD_SET, OVS_CT_LIMIT_CMD_DEL, OVS_CT_LIMIT_CMD_GET = 1, 2, 3
CMD_NAMES = {1: "SET", 2: "DEL", 3: "GET"}
OVS_CT_LIMIT_ATTR_ZONE_LIMIT = 1
NLA_F_NESTED = 1 << 15
DEFAULT_ZONE = -1
ZONE_LIMIT = struct.Struct("=iII")      # struct ovs_zone_limit
NOBODY = 65534


def zl(zone_id, limit=0, count=0):
    return ZONE_LIMIT.pack(zone_id, limit, count)


def zone_attr(*records, raw=None, atype=OVS_CT_LIMIT_ATTR_ZONE_LIMIT):
    return o.a(atype, raw if raw is not None else b"".join(records))


def decode_records(payload):
    out = []
    for off in range(0, len(payload) - len(payload) % ZONE_LIMIT.size, ZONE_LIMIT.size):
        zone, limit, count = ZONE_LIMIT.unpack_from(payload, off)
        out.append("zone=%d limit=%d count=%d" % (zone, limit, count))
    if len(payload) % ZONE_LIMIT.size:
        out.append("tail %s" % payload[-(len(payload) % ZONE_LIMIT.size):].hex())
    return out


def exchange(sock, fam, cmd, parts, flags=g.NLM_F_ACK):
    """One request; its answer as lines."""
    sock.seq += 1
    seq = sock.seq
    sock._send(g.pack_genlmsg(fam, cmd, g.NLM_F_REQUEST | flags, seq, parts))
    lines = []
    while True:
        for mtype, mflags, mseq, _, payload in g.parse_nlmsgs(sock._recv()):
            if mseq != seq:
                continue
            if mtype == g.NLMSG_ERROR:
                err = g.parse_nlmsgerr(payload, mflags)
                if err["error"]:
                    lines.append("error %s%s" % (o.errno_name(err["error"]),
                                                 " (%s)" % err["msg"] if err["msg"] else ""))
                else:
                    lines.append("ack")
                return lines
            if mtype == g.NLMSG_DONE:
                lines.append("done")
                return lines
            gcmd, version, _ = g.GENLMSGHDR.unpack_from(payload, 0)
            body = payload[g.GENL_HDRLEN:]
            (ifindex,) = struct.unpack_from("=i", body, 0)
            lines.append("reply %s version %d flags 0x%x dp_ifindex %d"
                         % (CMD_NAMES.get(gcmd, gcmd), version, mflags, ifindex))
            for atype, value in o.raw_attrs(body[4:]):
                if atype is None:
                    lines.append("  bad tail %s" % value.hex())
                    continue
                lines.append("  attr %d len %d" % (atype, len(value)))
                if atype == OVS_CT_LIMIT_ATTR_ZONE_LIMIT:
                    lines.extend("    " + r for r in decode_records(value))
            lines.append("  hex %s" % body.hex())
            if not flags & g.NLM_F_ACK:
                return lines


def steps():
    """(label, cmd, message parts) of the sequence; a label starting with
    "nobody:" runs without privileges."""
    hdr = o.ovs_header()
    S, D, G = OVS_CT_LIMIT_CMD_SET, OVS_CT_LIMIT_CMD_DEL, OVS_CT_LIMIT_CMD_GET
    yield "get all, fresh", G, [hdr]
    yield "get listed, fresh", G, [hdr, zone_attr(zl(-1), zl(0), zl(65535), zl(65536), zl(-2), zl(7))]
    yield "set without ZONE_LIMIT", S, [hdr]
    yield "del without ZONE_LIMIT", D, [hdr]
    yield "set empty ZONE_LIMIT", S, [hdr, zone_attr()]
    for n in (1, 2, 3, 4, 8, 9, 11, 13, 16):
        yield "set ZONE_LIMIT of %d bytes" % n, S, [hdr, zone_attr(raw=zl(300, 30)[:n])]
    yield "get all after short sets", G, [hdr]
    yield "set 21 bytes (second record's count in padding)", S, \
        [hdr, zone_attr(raw=(zl(301, 31) + zl(302, 32))[:21])]
    yield "set default and zones (C bucket order)", S, [hdr, zone_attr(
        zl(-1, 10), zl(1, 5), zl(513, 6), zl(2, 7), zl(1025, 8), zl(0, 9), zl(65535, 1), zl(511, 2))]
    yield "set out of range zone ids", S, [hdr, zone_attr(zl(65536, 1), zl(-2, 1), zl(2**31 - 1, 1),
                                                      zl(-2**31, 1), zl(3, 33))]
    yield "set with leftover bytes", S, [hdr, zone_attr(raw=zl(4, 44) + b"\x01\x02\x03\x04\x05")]
    yield "get all", G, [hdr]
    yield "get listed", G, [hdr, zone_attr(zl(1), zl(3), zl(6), zl(-1), zl(70000), zl(513, 99, 5))]
    yield "get listed with leftover bytes", G, [hdr, zone_attr(raw=zl(1) + b"\xff" * 7)]
    yield "get empty ZONE_LIMIT", G, [hdr, zone_attr()]
    yield "set replaces zone 513 in place", S, [hdr, zone_attr(zl(513, 60))]
    yield "set limit 0 (unlimited) for zone 2", S, [hdr, zone_attr(zl(2, 0))]
    yield "get all after replace", G, [hdr]
    yield "del zones 513, 7 (none), default, 99999", D, [hdr, zone_attr(zl(513), zl(7), zl(-1), zl(99999))]
    yield "del with leftover bytes", D, [hdr, zone_attr(raw=zl(1025) + b"\0")]
    yield "get all after del", G, [hdr]
    yield "set 513 again (new bucket head)", S, [hdr, zone_attr(zl(513, 61))]
    yield "get all", G, [hdr]
    yield "dp_ifindex echoed", G, [o.ovs_header(12345), zone_attr(zl(1))]
    yield "negative dp_ifindex echoed", S, [o.ovs_header(-7), zone_attr(zl(5, 55))]
    yield "ZONE_LIMIT with NLA_F_NESTED", S, [hdr, zone_attr(zl(6, 66), atype=1 | NLA_F_NESTED)]
    yield "unknown attribute 2 only", S, [hdr, o.a(2, zl(8, 88))]
    yield "unknown attribute 2 and ZONE_LIMIT", S, [hdr, o.a(2, b"xx"), zone_attr(zl(9, 99))]
    yield "two ZONE_LIMIT attributes (last wins)", S, [hdr, zone_attr(zl(10, 1)), zone_attr(zl(11, 2))]
    yield "no ovs_header", G, []
    yield "short ovs_header", G, [b"\0\0"]
    yield "unknown command 4", 4, [hdr]
    yield "unknown command 0", 0, [hdr]
    yield "get as a dump", (G, g.NLM_F_DUMP), [hdr]
    yield "get all", G, [hdr]
    many = b"".join(zl(1000 + i, i) for i in range(280))
    yield "set 280 more zones", S, [hdr, zone_attr(raw=many)]
    yield "get all after 280 more zones", G, [hdr]
    more = b"".join(zl(2000 + i, i) for i in range(500))
    yield "set 500 more zones", S, [hdr, zone_attr(raw=more)]
    yield "get all after 500 more zones (too big for the reply)", G, [hdr]
    yield "get listed, the 780 added zones", G, [hdr, zone_attr(raw=more + many)]
    yield "del the added zones", D, [hdr, zone_attr(raw=many + more)]
    yield "nobody: get all", G, [hdr]
    yield "nobody: set", S, [hdr, zone_attr(zl(12, 3))]
    yield "nobody: del", D, [hdr, zone_attr(zl(1))]
    yield "get all, last", G, [hdr]


def run_step(fam, label, cmd, parts):
    flags = g.NLM_F_ACK
    if isinstance(cmd, tuple):
        cmd, more = cmd
        flags |= more
    if not label.startswith("nobody:"):
        with g.GenlSocket() as sock:
            return exchange(sock, fam, cmd, parts, flags)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            with g.GenlSocket() as sock:
                text = "\n".join(exchange(sock, fam, cmd, parts, flags))
        except Exception as e:  # noqa: BLE001 (reported in the transcript)
            text = "exception %r" % e
        os.write(w, text.encode())
        os._exit(0)
    os.close(w)
    chunks = []
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode().split("\n")


def run(out):
    with g.GenlSocket() as sock:
        fam = o.family_id(sock, OVS_CT_LIMIT_FAMILY)
    with open(out, "w") as f:
        for i, (label, cmd, parts) in enumerate(steps()):
            f.write("[%03d] %s\n" % (i, label))
            for line in run_step(fam, label, cmd, parts):
                f.write("  %s\n" % line)


def main(argv):
    if argv[:1] == ["run"] and len(argv) == 2:
        run(argv[1])
        return
    with g.GenlSocket() as sock:
        fam = o.family_id(sock, OVS_CT_LIMIT_FAMILY)
        if argv[:1] == ["set-get"] and len(argv) == 3:
            lines = exchange(sock, fam, OVS_CT_LIMIT_CMD_SET,
                             [o.ovs_header(), zone_attr(zl(int(argv[1]), int(argv[2])))])
            lines += exchange(sock, fam, OVS_CT_LIMIT_CMD_GET, [o.ovs_header()])
        else:
            sys.exit(__doc__)
    print("\n".join(line for line in lines if not line.lstrip().startswith("hex ")))


if __name__ == "__main__":
    main(sys.argv[1:])
