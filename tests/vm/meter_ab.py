#!/usr/bin/env python3
"""Scripted ovs_meter genetlink conversation, as a transcript that does not
depend on the run.

    meter_ab.py OUT [--notes NOTES] [--deadline SECONDS] [--pause-every N]

Runs inside the test VM as root with one datapath module loaded (the
caller, tests/vm/test_meter_family.sh, loads it and checks which): the
same fixed sequence of raw OVS_METER_CMD_* requests against openvswitch.ko
and against openvswitch_rs gives two transcripts that must be identical.

The sequence (net/openvswitch/meter.c):
  - FEATURES (MAX_METERS, MAX_BANDS, band types), of a missing datapath;
  - SET/GET/DEL of one meter: pktps and kbps, the reply with the replaced
    meter's stats, STATS given with the request (carried into the new
    meter) and CLEAR (stats not carried, not reported by the next SET);
    zero bands; band types other than DROP; DEL of an absent meter (an
    empty reply);
  - malformed requests: no ID, no BANDS, two bands, rate 0, a band
    without TYPE/RATE/BURST, short band attributes, attributes the band
    policy does not know, top-level attributes the family policy refuses,
    a missing datapath, unknown commands, dumps (no dumpit), no
    ovs_header;
  - many ids: 1100 dense ones (the table grows from 1024 slots to 2048)
    and all deleted again (it shrinks back), sparse ones that collide in
    their slot (EBUSY), one that growth leaves where lookups no longer
    find it (C's table copies slots by index);
  - SET/DEL from a process without CAP_NET_ADMIN (EPERM), GET and
    FEATURES from it (allowed);
  - the ovs_meter multicast group: C sends nothing to it;
  - requests to a datapath deleted with meters in it.

The transcript format is flow_family_ab.py's (this reuses its requester):
USED, the meters' last-use time in ms, is the one run-dependent value and
is written <used> (its presence and length are kept).
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl_families as g  # noqa: E402
import flow_family_ab  # noqa: E402
from flow_family_ab import NLA_F_NESTED, NO_DP, NO_IFINDEX, Flows  # noqa: E402
from ovs_dp import a, errno_name, family, u32  # noqa: E402

# --- include/uapi/linux/openvswitch.h ---------------------------------------

FEATURES, SET, DEL, GET = 1, 2, 3, 4
CMD_NAMES = {0: "UNSPEC", FEATURES: "FEATURES", SET: "SET", DEL: "DEL", GET: "GET"}
ID, KBPS, STATS, BANDS, USED, CLEAR, MAX_METERS, MAX_BANDS, PAD = range(1, 10)
ATTR_NAMES = {ID: "ID", KBPS: "KBPS", STATS: "STATS", BANDS: "BANDS", USED: "USED",
              CLEAR: "CLEAR", MAX_METERS: "MAX_METERS", MAX_BANDS: "MAX_BANDS", PAD: "PAD"}
B_TYPE, B_RATE, B_BURST, B_STATS = 1, 2, 3, 4
DROP = 1

DP = "tmab0"
NOBODY = 65534


def band(rate, burst, btype=DROP, extra=b""):
    return a(0, a(B_TYPE, u32(btype)) + a(B_RATE, u32(rate)) + a(B_BURST, u32(burst)) + extra)


def meter(mid, bands, kbps=False, extra=()):
    attrs = [a(ID, u32(mid))]
    if kbps:
        attrs.append(a(KBPS))
    if bands is not None:
        attrs.append(a(BANDS, bands))
    return attrs + list(extra)


def stats(packets, nbytes):
    return struct.pack("=QQ", packets, nbytes)


class Meters(Flows):
    """flow_family_ab.py's requester, pointed at ovs_meter."""

    cmd_names = CMD_NAMES

    def __init__(self, *args):
        super().__init__(*args)
        self.flow_fam, groups = family(self.sock, "ovs_meter")
        self.flow_group = groups.get("ovs_meter")

    def attr_line(self, atype, raw):
        kind = atype & 0x3fff
        name = ATTR_NAMES.get(kind, "attr%d" % kind)
        if atype & NLA_F_NESTED:
            name += "|NESTED"
        if kind == USED:
            return "    %s %s<used>" % (name, raw[:4].hex())
        return "    %s %s" % (name, raw.hex())

    def unprivileged(self, desc, steps):
        """Each (desc, cmd, attrs) of STEPS from a child that runs as nobody
        (no CAP_NET_ADMIN), recorded as that child's errno or "ok"."""
        self.n += 1
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            code = 0
            try:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
                with g.GenlSocket(timeout=5.0) as sock:
                    lines = []
                    for sdesc, cmd, attrs in steps:
                        try:
                            sock.request(self.flow_fam, cmd, [struct.pack("=i", self.dp)] + attrs,
                                         flags=g.NLM_F_ACK)
                            lines.append("  %s: ok" % sdesc)
                        except g.NetlinkError as e:
                            lines.append("  %s: error %s" % (sdesc, errno_name(e.errno)))
                os.write(wfd, ("\n".join(lines) + "\n").encode())
            except BaseException as e:  # noqa: B902 (the child must exit)
                os.write(wfd, ("  child failed: %r\n" % e).encode())
                code = 1
            os._exit(code)
        os.close(wfd)
        out = b""
        while True:
            chunk = os.read(rfd, 4096)
            if not chunk:
                break
            out += chunk
        os.close(rfd)
        os.waitpid(pid, 0)
        self.out.write("[%04d] %s\n%s" % (self.n, desc, out.decode()))


def run(m):
    m.dp_create(DP)
    m.section("features")
    m.step("FEATURES", FEATURES, flags=0)
    m.step("FEATURES dp_ifindex=lo", FEATURES, flags=0, hdr=NO_DP)
    m.step("FEATURES dp_ifindex=none", FEATURES, flags=0, hdr=NO_IFINDEX)
    m.step("FEATURES with attributes", FEATURES, [a(ID, u32(3)), a(MAX_BANDS, u32(9))], 0)

    m.section("one meter")
    m.step("GET 1 (absent)", GET, [a(ID, u32(1))], 0)
    m.step("DEL 1 (absent: an empty reply)", DEL, [a(ID, u32(1))], 0)
    m.step("SET 1 pktps 1000 burst 100", SET, meter(1, band(1000, 100)), 0)
    m.step("GET 1", GET, [a(ID, u32(1))], 0)
    m.step("SET 1 kbps 10000 burst 200, STATS 5/600 (replaces: the old stats)", SET,
           meter(1, band(10000, 200), kbps=True, extra=[a(STATS, stats(5, 600))]), 0)
    m.step("GET 1 (the request's STATS)", GET, [a(ID, u32(1))], 0)
    m.step("SET 1 CLEAR with STATS 7/800", SET,
           meter(1, band(300, 50), extra=[a(CLEAR), a(STATS, stats(7, 800))]), 0)
    m.step("GET 1 (cleared)", GET, [a(ID, u32(1))], 0)
    m.step("SET 1 again (the old meter had CLEAR: no stats)", SET, meter(1, band(300, 50)), 0)
    m.step("SET 1 STATS of 20 bytes", SET,
           meter(1, band(300, 50), extra=[a(STATS, stats(1, 2) + b"\xff" * 4)]), 0)
    m.step("GET 1", GET, [a(ID, u32(1))], 0)
    m.step("DEL 1", DEL, [a(ID, u32(1))], 0)
    m.step("DEL 1 again", DEL, [a(ID, u32(1))], 0)
    m.step("GET 1 after DEL", GET, [a(ID, u32(1))], 0)
    m.step("SET 2 zero bands", SET, meter(2, b""), 0)
    m.step("GET 2", GET, [a(ID, u32(2))], 0)
    m.step("SET 3 band type 2 (not DROP)", SET, meter(3, band(100, 10, btype=2)), 0)
    m.step("SET 4 band type 0", SET, meter(4, band(100, 10, btype=0)), 0)
    m.step("SET 5 rate 1 burst 0xffffffff", SET, meter(5, band(1, 0xffffffff)), 0)
    m.step("SET 6 kbps rate 0xffffffff burst 1", SET, meter(6, band(0xffffffff, 1), kbps=True), 0)
    m.step("SET 7 band with unknown attribute 9 and an UNSPEC one", SET,
           meter(7, band(100, 10, extra=a(9, u32(1)) + a(0, b"\1\2"))), 0)
    m.step("SET 8 band with STATS", SET, meter(8, band(100, 10, extra=a(B_STATS, stats(3, 4)))), 0)
    m.step("GET 8 (band STATS not taken)", GET, [a(ID, u32(8))], 0)
    m.step("SET 9 band with a u64 RATE", SET,
           meter(9, a(0, a(B_TYPE, u32(1)) + a(B_RATE, struct.pack("=Q", 77)) + a(B_BURST, u32(1)))),
           0)
    m.step("SET 10 band with RATE twice (the last counts)", SET,
           meter(10, a(0, a(B_TYPE, u32(1)) + a(B_RATE, u32(0)) + a(B_BURST, u32(1))
                       + a(B_RATE, u32(5)))), 0)
    m.step("SET 11 BANDS with 3 trailing bytes", SET, meter(11, band(10, 10) + b"\0\0\0"), 0)
    m.step("SET 12 a 'band' of 2 bytes", SET, meter(12, a(0, b"\1\2")), 0)
    m.step("SET 13 MAX_METERS and USED given", SET,
           meter(13, band(10, 10), extra=[a(MAX_METERS, u32(1)), a(USED, struct.pack("=Q", 9))]), 0)
    for mid in (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13):
        m.step("DEL %d" % mid, DEL, [a(ID, u32(mid))], 0)

    m.section("malformed requests")
    m.step("SET without ID", SET, [a(BANDS, band(1, 1))], 0)
    m.step("SET without BANDS", SET, meter(20, None), 0)
    m.step("SET without anything", SET, flags=0)
    m.step("SET two bands", SET, meter(20, band(1, 1) + band(2, 2)), 0)
    m.step("SET two empty bands", SET, meter(20, a(0) + a(0)), 0)
    m.step("SET rate 0", SET, meter(20, band(0, 1)), 0)
    m.step("SET band without TYPE", SET, meter(20, a(0, a(B_RATE, u32(1)) + a(B_BURST, u32(1)))), 0)
    m.step("SET band without RATE", SET, meter(20, a(0, a(B_TYPE, u32(1)) + a(B_BURST, u32(1)))), 0)
    m.step("SET band without BURST", SET, meter(20, a(0, a(B_TYPE, u32(1)) + a(B_RATE, u32(1)))), 0)
    m.step("SET empty band", SET, meter(20, a(0)), 0)
    m.step("SET band RATE of 2 bytes", SET,
           meter(20, a(0, a(B_TYPE, u32(1)) + a(B_RATE, b"\1\0") + a(B_BURST, u32(1)))), 0)
    m.step("SET band TYPE of 0 bytes", SET,
           meter(20, a(0, a(B_TYPE) + a(B_RATE, u32(1)) + a(B_BURST, u32(1)))), 0)
    m.step("SET band STATS of 8 bytes", SET, meter(20, band(1, 1, extra=a(B_STATS, b"\0" * 8))), 0)
    m.step("SET band of 3 bytes of garbage", SET, meter(20, a(0, b"\1\2\3")), 0)
    m.step("SET rate 0 and a short RATE later", SET,
           meter(20, a(0, a(B_TYPE, u32(1)) + a(B_RATE, u32(0)) + a(B_BURST, u32(1))
                       + a(B_RATE, b"\1"))), 0)
    m.step("SET ID of 2 bytes", SET, [a(ID, b"\1\0"), a(BANDS, band(1, 1))], 0)
    m.step("SET BANDS of 2 bytes", SET, [a(ID, u32(20)), a(BANDS, b"\1\2")], 0)
    m.step("SET STATS of 8 bytes", SET, meter(20, band(1, 1), extra=[a(STATS, b"\0" * 8)]), 0)
    m.step("SET KBPS with a payload", SET, meter(20, band(1, 1), extra=[a(KBPS, u32(1))]), 0)
    m.step("SET CLEAR with a payload", SET, meter(20, band(1, 1), extra=[a(CLEAR, u32(1))]), 0)
    m.step("SET attribute 10 (past the policy)", SET, meter(20, band(1, 1), extra=[a(10, u32(1))]), 0)
    m.step("SET dp_ifindex=lo", SET, meter(20, band(1, 1)), 0, hdr=NO_DP)
    m.step("SET dp_ifindex=lo, rate 0 (checked first)", SET, meter(20, band(0, 1)), 0, hdr=NO_DP)
    m.step("GET without ID", GET, flags=0)
    m.step("GET ID of 2 bytes", GET, [a(ID, b"\1\0")], 0)
    m.step("GET dp_ifindex=lo", GET, [a(ID, u32(1))], 0, hdr=NO_DP)
    m.step("DEL without ID", DEL, flags=0)
    m.step("DEL dp_ifindex=lo", DEL, [a(ID, u32(1))], 0, hdr=NO_DP)
    m.step("GET 20 (nothing was set)", GET, [a(ID, u32(20))], 0)
    m.step("cmd 0", 0, [a(ID, u32(1))], 0)
    m.step("cmd 5", 5, [a(ID, u32(1))], 0)
    m.step("GET as a dump (no dumpit)", GET, dump=True, flags=0)
    m.step("SET as a dump", SET, meter(20, band(1, 1)), dump=True, flags=0)
    m.step("GET without an ovs_header", GET, flags=0, raw_payload=struct.pack("=BBH", GET, 1, 0))
    m.step("GET with a 2-byte ovs_header", GET, flags=0,
           raw_payload=struct.pack("=BBH", GET, 1, 0) + b"\0\0")

    m.section("many meters: the table grows past 1024 slots and shrinks back")
    for mid in range(1100):
        kbps = mid % 3 == 0
        m.step("SET %d" % mid, SET, meter(mid, band(100 + mid, 10 + mid % 7), kbps=kbps), 0)
    for mid in list(range(0, 1100, 97)) + [1022, 1023, 1024, 1099, 1100, 2047, 2048, 3071]:
        m.step("GET %d" % mid, GET, [a(ID, u32(mid))], 0)
    m.step("SET 3000 (slot 952 of 2048 is taken)", SET, meter(3000, band(1, 1)), 0)
    m.step("SET 1000000 (slot 576 of 2048 is taken)", SET, meter(1000000, band(1, 1)), 0)
    m.step("SET 2000 (slot 2000 is free)", SET, meter(2000, band(1, 1)), 0)
    m.step("GET 2000", GET, [a(ID, u32(2000))], 0)
    m.step("DEL 2000", DEL, [a(ID, u32(2000))], 0)
    for mid in range(1099, -1, -1):
        m.step("DEL %d" % mid, DEL, [a(ID, u32(mid))], 0)
    for mid in (0, 511, 512, 1023, 1024):
        m.step("GET %d after the DELs" % mid, GET, [a(ID, u32(mid))], 0)

    m.section("sparse ids")
    m.step("SET 5", SET, meter(5, band(1, 1)), 0)
    m.step("SET 1029 (slot 5 of 1024 is taken)", SET, meter(1029, band(1, 1)), 0)
    m.step("SET 5 again (replaces)", SET, meter(5, band(2, 2)), 0)
    m.step("SET 70000 (slot 368)", SET, meter(70000, band(1, 1)), 0)
    m.step("GET 70000", GET, [a(ID, u32(70000))], 0)
    m.step("SET 1500 (slot 476 of 1024)", SET, meter(1500, band(1, 1)), 0)
    for mid in range(1030, 2060):
        m.step("SET %d" % mid, SET, meter(mid, band(1, 1)), 0)
    m.step("GET 1500 (left in slot 476 by the growth)", GET, [a(ID, u32(1500))], 0)
    m.step("GET 70000 (in slot 368, looked up at 368 of 2048)", GET, [a(ID, u32(70000))], 0)
    m.step("DEL 1500 (not found: empty reply)", DEL, [a(ID, u32(1500))], 0)
    m.step("SET 476 (slot 476 still taken)", SET, meter(476, band(1, 1)), 0)
    m.step("FEATURES", FEATURES, flags=0)

    m.section("unprivileged requests")
    m.unprivileged("requests as uid %d (no CAP_NET_ADMIN)" % NOBODY, [
        ("FEATURES", FEATURES, []),
        ("GET 5", GET, [a(ID, u32(5))]),
        ("SET 5", SET, meter(5, band(9, 9))),
        ("SET 30", SET, meter(30, band(9, 9))),
        ("DEL 5", DEL, [a(ID, u32(5))]),
        ("DEL 31 (absent)", DEL, [a(ID, u32(31))]),
    ])
    m.step("GET 5 (unchanged)", GET, [a(ID, u32(5))], 0)
    m.step("GET 30 (not set)", GET, [a(ID, u32(30))], 0)

    m.section("the ovs_meter multicast group")
    if m.flow_group is None:
        m.out.write("no ovs_meter multicast group\n")
    else:
        m.listen(True)
        ls = dict(listen=True)
        m.step("SET 40 with ECHO", SET, meter(40, band(1, 1)), **ls)
        m.step("SET 40 again", SET, meter(40, band(2, 2)), 0, **ls)
        m.step("GET 40", GET, [a(ID, u32(40))], 0, **ls)
        m.step("DEL 40 with ECHO", DEL, [a(ID, u32(40))], **ls)
        m.step("SET rate 0", SET, meter(41, band(0, 1)), 0, **ls)
        m.listen(False)

    m.section("the datapath deleted with meters in it")
    ifindex = m.dp
    m.dp_delete(DP)
    m.step("GET 5 from the deleted datapath", GET, [a(ID, u32(5))], 0, hdr=ifindex)
    m.step("FEATURES of the deleted datapath", FEATURES, flags=0, hdr=ifindex)
    m.dp_create(DP)
    m.step("GET 5 from a new datapath of the same name", GET, [a(ID, u32(5))], 0)
    m.step("FEATURES of the new datapath", FEATURES, flags=0)
    m.dp_delete(DP)


if __name__ == "__main__":
    sys.exit(flow_family_ab.main(sys.argv[1:], Meters, run, "meter_ab.py", __doc__))
