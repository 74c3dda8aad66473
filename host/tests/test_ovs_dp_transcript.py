"""Tests for tests/vm/ovs_dp_transcript.py (ovs_datapath request transcript)
and its steps, tests/vm/ovs_dp_steps.py.

Plain unittest, stdlib only, no kernel module needed: encoding, decoding
and normalisation are checked on hand-made bytes; the worker protocol and
the whole run() loop are checked with a fake context instead of genetlink
sockets.
"""

import errno
import io
import os
import socket
import struct
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "vm"))

import genl_families as gf  # noqa: E402
import ovs_dp_steps as st  # noqa: E402
import ovs_dp_transcript as t  # noqa: E402

FAMILY = 0x19


def attr(atype, payload):
    """Independent (test-side) attribute encoder: header + payload + pad."""
    length = 4 + len(payload)
    return struct.pack("=HH", length, atype) + payload + b"\0" * (-length % 4)


def u32(v):
    return struct.pack("=I", v)


def nlmsg(mtype, flags, seq, payload, pid=0):
    return struct.pack("=IHHII", 16 + len(payload), mtype, flags, seq, pid) + payload


def dp_payload(cmd, dp_ifindex, attrs, version=2):
    """genlmsghdr + ovs_header + attributes, as ovs_dp_cmd_fill_info builds it."""
    return struct.pack("=BBHi", cmd, version, 0, dp_ifindex) + b"".join(attrs)


def fill_info_attrs(name="tdp1", features=0, masks=256, pids=None):
    attrs = [
        attr(1, name.encode() + b"\0"),
        attr(3, struct.pack("=QQQQ", 1, 2, 3, 4)),
        attr(4, struct.pack("=QIIQQ", 5, 6, 0, 7, 0)),
        attr(5, u32(features)),
        attr(7, u32(masks)),
    ]
    if pids is not None:
        attrs.append(attr(8, b"".join(u32(p) for p in pids)))
    return attrs


def vport_fill_info_attrs(name="tdpv", port_no=0, ifindex=7, pids=(0,)):
    """As ovs_vport_cmd_fill_info builds them (x86_64: no PAD needed)."""
    return [
        attr(1, u32(port_no)),
        attr(2, u32(2)),
        attr(3, name.encode() + b"\0"),
        attr(8, u32(ifindex)),
        attr(6, struct.pack("=8Q", 1, 2, 3, 4, 5, 6, 7, 8)),
        attr(10, attr(0, struct.pack("=Q", 9)) + attr(1, struct.pack("=Q", 10))),
        attr(5, b"".join(u32(p) for p in pids)),
    ]


def nlmsgerr_payload(err, extack_msg=None, offs=None):
    """(flags, payload) of an NLMSG_ERROR with a capped request."""
    flags = gf.NLM_F_CAPPED
    body = struct.pack("=i", err) + nlmsg(FAMILY, 5, 1, b"")[:16]
    if extack_msg is not None:
        flags |= gf.NLM_F_ACK_TLVS
        body += attr(gf.NLMSGERR_ATTR_MSG, extack_msg.encode() + b"\0")
        if offs is not None:
            body += attr(gf.NLMSGERR_ATTR_OFFS, u32(offs))
    return flags, body


def namer(names=None, requested=None):
    names = dict(names or {})
    return t.IfindexNamer(lookup=names.get, requested=requested)


class FormattingTest(unittest.TestCase):
    def test_errno_names_prefer_kernel_spelling(self):
        self.assertEqual(st.errno_name(errno.EINVAL), "EINVAL")
        self.assertEqual(st.errno_name(errno.EOPNOTSUPP), "EOPNOTSUPP")
        self.assertEqual(st.errno_name(errno.ENODEV), "ENODEV")
        self.assertEqual(st.errno_name(9999), "E?9999")

    def test_features(self):
        self.assertEqual(st.features_str(0), "0x0 (-)")
        self.assertEqual(st.features_str(9), "0x9 (UNALIGNED|DISPATCH_UPCALL_PER_CPU)")
        self.assertEqual(st.features_str(0x80000003),
                         "0x80000003 (UNALIGNED|VPORT_PIDS|0x80000000)")
        self.assertEqual(st.features_str(0x14), "0x14 (TC_RECIRC_SHARING|0x10)")

    def test_nlmsg_flags(self):
        self.assertEqual(st.nlmsg_flags_str(0), "-")
        self.assertEqual(st.nlmsg_flags_str(gf.NLM_F_MULTI), "MULTI")
        self.assertEqual(st.nlmsg_flags_str(gf.NLM_F_MULTI | 0x1000), "MULTI|0x1000")

    def test_default_notes_path(self):
        self.assertEqual(t.default_notes_path("/o/dp-openvswitch.txt"),
                         "/o/dp-openvswitch.notes.txt")
        self.assertEqual(t.default_notes_path("out"), "out.notes.txt")


class RequestEncodingTest(unittest.TestCase):
    def test_defaults_follow_ovs_vswitchd(self):
        new = st.Req("NEW", st.NAME("a"), st.PID(0))
        self.assertEqual(new.flags(), gf.NLM_F_REQUEST | gf.NLM_F_ACK | st.NLM_F_ECHO)
        get = st.Req("GET", st.NAME("a"))
        self.assertEqual(get.flags(), gf.NLM_F_REQUEST | gf.NLM_F_ACK)
        dump = st.Req("GET", dump=True)
        self.assertEqual(dump.flags(), gf.NLM_F_REQUEST | gf.NLM_F_DUMP)
        bare = st.Req("DEL", st.NAME("a"), echo=False, ack=False)
        self.assertEqual(bare.flags(), gf.NLM_F_REQUEST)

    def test_encode_layout(self):
        req = st.Req("NEW", st.NAME("tdp1"), st.PID(7), st.FEAT(9), hdr=3, version=1)
        msg = req.encode(FAMILY, 42)
        length, mtype, flags, seq, pid = struct.unpack_from("=IHHII", msg)
        self.assertEqual((length, mtype, flags, seq, pid),
                         (len(msg), FAMILY, req.flags(), 42, 0))
        self.assertEqual(msg[16:20], struct.pack("=BBH", 1, 1, 0))
        self.assertEqual(msg[20:24], struct.pack("=i", 3))
        self.assertEqual(gf.parse_attrs(msg[24:]),
                         [(1, b"tdp1\0"), (2, u32(7)), (5, u32(9))])

    def test_no_ovs_header(self):
        msg = st.Req("GET", hdr=None).encode(FAMILY, 1)
        self.assertEqual(len(msg), 20)

    def test_attr_encodings(self):
        enc = lambda spec: st.attr_spec_encode(spec, st.identity)  # noqa: E731
        self.assertEqual(enc(st.NAME("ab")), attr(1, b"ab\0"))
        self.assertEqual(enc(st.NAME("")), attr(1, b"\0"))
        self.assertEqual(enc(st.PIDS(1, 2)), attr(8, u32(1) + u32(2)))
        self.assertEqual(enc(st.IFX(-1)), attr(9, struct.pack("=i", -1)))
        self.assertEqual(enc(st.MASKS(4096)), attr(7, u32(4096)))
        self.assertEqual(enc(st.RAW("PER_CPU_PIDS", b"\1\0")), attr(8, b"\1\0"))
        self.assertEqual(enc(st.RAW(99, b"")), attr(99, b""))

    def test_symbolic_values_need_a_resolver(self):
        req = st.Req("GET", hdr=st.IfindexOf("tdp1"))
        with self.assertRaises(st.Unresolvable):
            req.encode(FAMILY, 1)
        msg = req.encode(FAMILY, 1, lambda v: 17 if isinstance(v, st.IfindexOf) else v)
        self.assertEqual(msg[20:24], struct.pack("=i", 17))
        new = st.Req("NEW", st.NAME("x"), st.PID(0), st.IFX(st.FREE))
        msg = new.encode(FAMILY, 1, lambda v: 4242 if v is st.FREE else v)
        self.assertIn(attr(9, struct.pack("=i", 4242)), msg)

    def test_describe_is_symbolic(self):
        req = st.Req("NEW", st.NAME("tdp2"), st.PID(0), st.FEAT(st.UA | st.PC), st.IFX(st.FREE),
                    st.RAW("PER_CPU_PIDS", b"\1\0"))
        self.assertEqual(
            req.describe(),
            'NEW v2 [echo,ack] dp_ifindex=0 NAME="tdp2" UPCALL_PID=0 '
            'USER_FEATURES=0x9(UNALIGNED|DISPATCH_UPCALL_PER_CPU) '
            'IFINDEX=<free ifindex> PER_CPU_PIDS=raw[2]:0100')
        self.assertEqual(st.Req("GET", dump=True).describe(),
                         "GET dump v2 [no-echo,no-ack] dp_ifindex=0")
        self.assertEqual(st.Req("GET", hdr=st.IfindexOf("x")).describe(),
                         "GET v2 [ack] dp_ifindex=<ifindex of x>")
        self.assertEqual(st.Req("GET", hdr=None).describe(), "GET v2 [ack] (no ovs_header)")

    def test_unknown_command_rejected(self):
        with self.assertRaises(ValueError):
            st.Req("FLUSH")
        with self.assertRaises(ValueError):
            st.Req("GET", family="ovs_flow")


class VportRequestTest(unittest.TestCase):
    def test_defaults(self):
        req = st.V("GET", st.NAME("tdpv"))
        self.assertEqual((req.family, req.version), ("vport", 1))
        self.assertEqual(req.flags(), gf.NLM_F_REQUEST | gf.NLM_F_ACK)
        self.assertEqual(st.V("SET", st.NAME("a")).flags(),
                         gf.NLM_F_REQUEST | gf.NLM_F_ACK | st.NLM_F_ECHO)
        self.assertEqual(st.Req("GET").version, 2)

    def test_encode_layout(self):
        req = st.V("NEW", st.NAME("tdpv-in"), st.VTYPE("internal"), st.VPIDS(5, 6), st.PORT(3),
                  st.IFX(9), st.NSID(-1), st.OPTS(), hdr=11)
        msg = req.encode(FAMILY, 42)
        self.assertEqual(msg[16:20], struct.pack("=BBH", 1, 1, 0))
        self.assertEqual(msg[20:24], struct.pack("=i", 11))
        self.assertEqual(gf.parse_attrs(msg[24:]), [
            (3, b"tdpv-in\0"), (2, u32(2)), (5, u32(5) + u32(6)), (1, u32(3)),
            (8, struct.pack("=i", 9)), (9, struct.pack("=i", -1)), (4, b"")])

    def test_attr_encodings(self):
        enc = lambda spec: st.attr_spec_encode(spec, st.identity, "vport")  # noqa: E731
        self.assertEqual(enc(st.VTYPE("netdev")), attr(2, u32(1)))
        self.assertEqual(enc(st.VTYPE(9)), attr(2, u32(9)))
        self.assertEqual(enc(st.VPIDS(7)), attr(5, u32(7)))
        self.assertEqual(enc(("UPCALL_PID", 7)), attr(5, u32(7)))
        self.assertEqual(enc(st.NAME("x")), attr(3, b"x\0"))
        self.assertEqual(enc(st.RAW("STATS", b"\0" * 8)), attr(6, b"\0" * 8))
        self.assertEqual(enc(st.RAW("PORT_NO", b"\0\0")), attr(1, b"\0\0"))
        self.assertEqual(enc(st.OPTS(b"\1\2")), attr(4, b"\1\2"))
        # the same key in the ovs_datapath family has another number
        self.assertEqual(st.attr_spec_encode(st.NAME("x"), st.identity), attr(1, b"x\0"))
        with self.assertRaises(KeyError):
            enc(st.FEAT(1))

    def test_symbolic_ifindex_attr(self):
        req = st.V("GET", st.NAME("tdpv"), st.IFX(st.IfindexOf("tdpv")))
        msg = req.encode(FAMILY, 1, lambda v: 17 if isinstance(v, st.IfindexOf) else v)
        self.assertIn(attr(8, struct.pack("=i", 17)), msg)

    def test_describe(self):
        self.assertEqual(
            st.V("NEW", st.NAME("tdpv-in"), st.VTYPE("internal"), st.VPIDS(0, 1), st.PORT(3),
                st.IFX(st.FREE), hdr=st.IfindexOf("tdpv")).describe(),
            'vport:NEW v1 [echo,ack] dp_ifindex=<ifindex of tdpv> NAME="tdpv-in" '
            'TYPE=internal UPCALL_PID=[0,1] PORT_NO=3 IFINDEX=<free ifindex>')
        self.assertEqual(
            st.V("SET", st.NAME("a"), st.VTYPE(9), st.OPTS(),
                 st.RAW("UPCALL_PID", b"")).describe(),
            'vport:SET v1 [echo,ack] dp_ifindex=0 NAME="a" TYPE=9 OPTIONS=nested[0]:- '
            'UPCALL_PID=raw[0]:-')
        self.assertEqual(st.V("GET", dump=True, hdr=1).describe(),
                         "vport:GET dump v1 [no-echo,no-ack] dp_ifindex=1")


class StepListTest(unittest.TestCase):
    def resolve(self, v):
        if isinstance(v, st.IfindexOf):
            return 100
        if isinstance(v, st.FreeIfindex):
            return 4242
        return v

    def test_every_request_encodes(self):
        for step in t.STEPS:
            if step.kind == "req":
                msg = step.encode(FAMILY, 1, self.resolve)
                self.assertEqual(struct.unpack_from("=I", msg)[0], len(msg))

    def test_contexts_known_and_descriptions_stable(self):
        for step in t.STEPS:
            self.assertIn(step.ctx, ["init"] + list(t.CONTEXTS))
            if step.kind != "section":
                text = step.describe()
                self.assertNotIn("object at 0x", text)
                self.assertEqual(text, step.describe())

    def test_required_coverage(self):
        text = "\n".join(s.describe() for s in t.STEPS if s.kind != "section")
        for needle in ['NEW v1 [echo,ack] dp_ifindex=0 NAME="tdp2"',
                       "UNALIGNED|VPORT_PIDS|0x80000000",
                       "PER_CPU_PIDS=raw[6]", "PER_CPU_PIDS=raw[0]",
                       "MASKS_CACHE_SIZE=300", "MASKS_CACHE_SIZE=8192",
                       "IFINDEX=<free ifindex>", "IFINDEX=1", 'NAME="tdpx%d"',
                       'NAME=""', "GET dump", "$ ip netns del"]:
            self.assertIn(needle, text)
        ctxs = {s.ctx for s in t.STEPS}
        self.assertEqual(ctxs, {"init", "netns", "nobody"})

    def test_vport_coverage(self):
        text = "\n".join(s.describe() for s in t.STEPS if s.kind != "section")
        for needle in ['vport:GET v1 [ack] dp_ifindex=0 NAME="tdpv"',
                       "vport:GET v1 [ack] dp_ifindex=<ifindex of tdpv> PORT_NO=0",
                       "PORT_NO=65535", "PORT_NO=7", "vport:GET dump",
                       "UPCALL_PID=[5]", "UPCALL_PID=[5,6]", "UPCALL_PID=[5,6,7]",
                       "TYPE=netdev", "OPTIONS=nested[0]", "vport:DEL",
                       "vport:NEW", 'USER_FEATURES=0x3(UNALIGNED|VPORT_PIDS)']:
            self.assertIn(needle, text)

    def numbered(self):
        """{step number: step}, numbered as run() numbers them."""
        steps = [s for s in t.STEPS if s.kind != "section"]
        return {i + 1: s for i, s in enumerate(steps)}

    def test_numbers_test_dp_netlink_names_are_kept(self):
        # tests/vm/test_dp_netlink.sh asserts step 072 by its number.
        self.assertIn('SET v2 [echo,ack] dp_ifindex=0 NAME="tdp2" '
                      "USER_FEATURES=0x9(UNALIGNED|DISPATCH_UPCALL_PER_CPU) "
                      "MASKS_CACHE_SIZE=256 PER_CPU_PIDS=raw[2]:0100",
                      self.numbered()[71].describe())
        self.assertEqual('GET v2 [ack] dp_ifindex=0 NAME="tdp2"',
                         self.numbered()[72].describe())

    def test_vport_steps_come_after_the_datapath_sequence(self):
        numbered = self.numbered()
        first = min(n for n, s in numbered.items() if getattr(s, "family", "") == "vport")
        titles = [s.title for s in t.STEPS if s.kind == "section"]
        self.assertLess(titles.index("clean up"), titles.index("ovs_vport: local ports, GET"))
        # every step up to the first vport one belongs to the datapath sequence
        self.assertGreater(first, 145)

    def test_devices_it_creates_are_cleaned_up(self):
        """Every veth a shell step adds is one preclean() knows and a later
        step deletes; every netns it adds is deleted again."""
        shells = [s.argv for s in t.STEPS if s.kind == "shell"]
        added = [a[3] for a in shells if a[:3] == ["ip", "link", "add"]]
        self.assertEqual(sorted(added), sorted(st.VETHS))
        for veth in added:
            self.assertTrue(any("ip link del %s" % veth in " ".join(a) for a in shells), veth)
        netns_add = sum(1 for a in shells if "ip netns add" in " ".join(a))
        netns_del = sum(1 for a in shells if "ip netns del" in " ".join(a))
        self.assertEqual(netns_add, netns_del)

    def test_ports_are_made_in_datapaths_of_this_tool(self):
        for step in t.STEPS:
            if getattr(step, "family", "") == "vport" and step.cmd == "NEW":
                for key, value in step.attrs:
                    if key == "NAME":
                        self.assertTrue(value.startswith(st.DP_PREFIX) or value == "lo", value)

    def test_names_this_tool_creates_have_the_prefix(self):
        for step in t.STEPS:
            if step.kind == "req" and step.cmd == "NEW":
                for key, value in step.attrs:
                    if key == "NAME" and value not in ("", "lo"):
                        self.assertTrue(value.startswith(st.DP_PREFIX), value)


class AttrDecodingTest(unittest.TestCase):
    def test_fill_info_attributes(self):
        lines = [t.decode_dp_attr(a, p)
                 for a, p in t.iter_attrs_raw(b"".join(fill_info_attrs(pids=[3, 4])))]
        self.assertEqual(lines, [
            'NAME "tdp1"',
            "STATS n_hit=1 n_missed=2 n_lost=3 n_flows=4",
            "MEGAFLOW_STATS n_mask_hit=5 n_masks=6 pad0=0 n_cache_hit=7 pad1=0",
            "USER_FEATURES 0x0 (-)",
            "MASKS_CACHE_SIZE 256",
            "PER_CPU_PIDS [3,4]",
        ])

    def test_bad_lengths_are_shown_raw(self):
        self.assertEqual(t.decode_dp_attr(5, b"\1\0"), "USER_FEATURES <bad length 2: 0100>")
        self.assertEqual(t.decode_dp_attr(3, b""), "STATS <bad length 0: ->")
        self.assertEqual(t.decode_dp_attr(8, b"\1\0\0\0\2"),
                         "PER_CPU_PIDS <bad length 5: 0100000002>")

    def test_name_without_nul_or_with_junk(self):
        self.assertEqual(t.decode_dp_attr(1, b"ab"), 'NAME "ab" <raw 6162>')
        self.assertEqual(t.decode_dp_attr(1, b"ab\0\0"), 'NAME "ab" <raw 61620000>')

    def test_unknown_pad_ifindex_and_flags(self):
        self.assertEqual(t.decode_dp_attr(42, b"\xab"), "attr42 len=1 ab")
        self.assertEqual(t.decode_dp_attr(6, b""), "PAD len=0")
        self.assertEqual(t.decode_dp_attr(9, struct.pack("=i", -2)), "IFINDEX -2")
        self.assertEqual(t.decode_dp_attr(7 | gf.NLA_F_NESTED, u32(1)),
                         "MASKS_CACHE_SIZE[NESTED] 1")

    def test_iter_attrs_keeps_flag_bits_and_rejects_overlong(self):
        data = attr(5 | gf.NLA_F_NET_BYTEORDER, u32(1))
        self.assertEqual(t.iter_attrs_raw(data), [(5 | gf.NLA_F_NET_BYTEORDER, u32(1))])
        with self.assertRaises(gf.ParseError):
            t.iter_attrs_raw(struct.pack("=HH", 40, 1) + b"x")


class VportAttrDecodingTest(unittest.TestCase):
    def test_fill_info_attributes(self):
        n = namer({7: "tdpv"})
        lines = [t.decode_vport_attr(a, p, n)
                 for a, p in t.iter_attrs_raw(b"".join(vport_fill_info_attrs(pids=[5, 6])))]
        self.assertEqual(lines, [
            "PORT_NO 0",
            "TYPE internal",
            'NAME "tdpv"',
            "IFINDEX <ifindex of tdpv>",
            "STATS rx_packets=1 tx_packets=2 rx_bytes=3 tx_bytes=4 rx_errors=5 "
            "tx_errors=6 rx_dropped=7 tx_dropped=8",
            "UPCALL_STATS SUCCESS=9 FAIL=10",
            "UPCALL_PID [5,6]",
        ])

    def test_odd_values(self):
        n = namer({})
        dec = lambda a, p: t.decode_vport_attr(a, p, n)  # noqa: E731
        self.assertEqual(dec(2, u32(9)), "TYPE 9")
        self.assertEqual(dec(2, u32(1)), "TYPE netdev")
        self.assertEqual(dec(8, u32(99)), "IFINDEX <unknown ifindex>")
        self.assertEqual(dec(8, u32(0)), "IFINDEX 0")
        self.assertEqual(dec(9, struct.pack("=i", -1)), "NETNSID -1")
        self.assertEqual(dec(7, b""), "PAD len=0")
        self.assertEqual(dec(5, b""), "UPCALL_PID <bad length 0: ->")
        self.assertEqual(dec(5, b"\1\0"), "UPCALL_PID <bad length 2: 0100>")
        self.assertEqual(dec(6, b"\0" * 32), "STATS <bad length 32: " + "00" * 32 + ">")
        self.assertEqual(dec(1, b"\1\0"), "PORT_NO <bad length 2: 0100>")
        self.assertEqual(dec(4, b""), "OPTIONS len=0 -")
        self.assertEqual(dec(42, b"\xab"), "attr42 len=1 ab")

    def test_upcall_stats_variants(self):
        n = namer({})
        dec = lambda a, p: t.decode_vport_attr(a, p, n)  # noqa: E731
        self.assertEqual(dec(10 | gf.NLA_F_NESTED, attr(7, b"") + attr(0, struct.pack("=Q", 1))),
                         "UPCALL_STATS[NESTED] PAD(len=0) SUCCESS=1")
        self.assertEqual(dec(10, b""), "UPCALL_STATS (empty)")
        self.assertEqual(dec(10, attr(1, u32(3)) + attr(5, b"")),
                         "UPCALL_STATS FAIL<len=4:03000000> attr5<len=0:->")
        self.assertEqual(dec(10, b"\x28\0\0\0"), "UPCALL_STATS <malformed: 28000000>")


class IfindexNamerTest(unittest.TestCase):
    def test_symbols(self):
        n = namer({7: "tdp1", 1: "lo"}, requested=4242)
        self.assertEqual(n.symbol(0), "0")
        self.assertEqual(n.symbol(7), "<ifindex of tdp1>")
        self.assertEqual(n.symbol(1), "<ifindex of lo>")
        self.assertEqual(n.symbol(99), "<unknown ifindex>")

    def test_cache_outlives_the_device(self):
        live = {7: "tdp1"}
        n = t.IfindexNamer(lookup=live.get)
        self.assertEqual(n.symbol(7), "<ifindex of tdp1>")
        del live[7]                                 # DEL reply read after unregister
        self.assertEqual(n.symbol(7), "<ifindex of tdp1>")
        n.learn(8, "tdp2")
        self.assertEqual(n.symbol(8), "<ifindex of tdp2>")

    def test_requested_ifindex_marked(self):
        n = namer({4242: "tdpidx"}, requested=4242)
        self.assertEqual(n.symbol(4242), "ifindex==requested <ifindex of tdpidx>")


class RenderTest(unittest.TestCase):
    def render(self, msg, seq=5, portid=100, names=None, label="reply", **kw):
        return t.render_message(msg, FAMILY, seq, portid, namer(names or {7: "tdp1"}),
                                label, **kw)

    def test_reply(self):
        msg = (FAMILY, 0, 5, 100, dp_payload(1, 7, fill_info_attrs(features=1)))
        lines, notes = self.render(msg)
        self.assertEqual(lines[0],
                         "  reply NEW v2 flags=- seq=req pid=self dp_ifindex=<ifindex of tdp1>")
        self.assertEqual(lines[1], '      NAME "tdp1"')
        self.assertIn("      USER_FEATURES 0x1 (UNALIGNED)", lines)
        self.assertEqual(notes, [])

    def test_notification_relations(self):
        msg = (FAMILY, gf.NLM_F_MULTI, 6, 0, dp_payload(2, 7, []))
        lines, _ = self.render(msg, label="notify@init", pid_word="requester")
        self.assertEqual(lines, ["  notify@init DEL v2 flags=MULTI seq=other pid=0 "
                                 "dp_ifindex=<ifindex of tdp1>"])
        msg = (FAMILY, 0, 5, 100, dp_payload(2, 7, []))
        lines, _ = self.render(msg, label="notify@netns", pid_word="requester")
        self.assertIn("seq=req pid=requester", lines[0])
        msg = (FAMILY, 0, 5, 55, dp_payload(9, 7, [], version=1))
        lines, _ = self.render(msg)
        self.assertIn("reply cmd9 v1 flags=- seq=req pid=other", lines[0])

    def test_error_extack_goes_to_notes_only(self):
        flags, body = nlmsgerr_payload(-errno.EINVAL, "Attribute failed policy validation", 24)
        lines, notes = self.render((gf.NLMSG_ERROR, flags, 5, 0, body))
        self.assertEqual(lines, ["  error EINVAL"])
        self.assertEqual(notes, ['error EINVAL: msg="Attribute failed policy validation" '
                                 "offs=24"])
        # the same error without extack gives the same transcript line
        flags, body = nlmsgerr_payload(-errno.EINVAL)
        lines2, notes2 = self.render((gf.NLMSG_ERROR, flags, 5, 0, body))
        self.assertEqual((lines2, notes2), (lines, []))

    def test_ack_and_done(self):
        flags, body = nlmsgerr_payload(0)
        self.assertEqual(self.render((gf.NLMSG_ERROR, flags, 5, 0, body))[0], ["  ack"])
        self.assertEqual(self.render((gf.NLMSG_ERROR, flags, 9, 0, body))[0],
                         ["  ack seq=other"])
        done = (gf.NLMSG_DONE, gf.NLM_F_MULTI, 5, 0, struct.pack("=i", 0))
        self.assertEqual(self.render(done)[0], ["  done"])
        done = (gf.NLMSG_DONE, gf.NLM_F_MULTI, 5, 0, struct.pack("=i", -errno.EMSGSIZE))
        self.assertEqual(self.render(done)[0], ["  done error EMSGSIZE"])

    def test_vport_reply_and_notification(self):
        payload = dp_payload(3, 7, vport_fill_info_attrs(), version=1)
        lines, notes = self.render((FAMILY, 0, 5, 100, payload), names={7: "tdpv"},
                                   family="vport")
        self.assertEqual(lines[0], "  reply vport:GET v1 flags=- seq=req pid=self "
                                   "dp_ifindex=<ifindex of tdpv>")
        self.assertEqual(lines[1:5], ["      PORT_NO 0", "      TYPE internal",
                                      '      NAME "tdpv"', "      IFINDEX <ifindex of tdpv>"])
        self.assertEqual(lines[-1], "      UPCALL_PID [0]")
        self.assertEqual(notes, [])
        lines, _ = self.render((FAMILY, 0, 5, 100, dp_payload(4, 7, [], version=1)),
                               label="notify@init", pid_word="requester", family="vport")
        self.assertEqual(lines, ["  notify@init vport:SET v1 flags=- seq=req pid=requester "
                                 "dp_ifindex=<ifindex of tdp1>"])
        lines, _ = self.render((FAMILY, 0, 5, 0, b"\1\1\0\0"), family="vport")
        self.assertEqual(lines, ["  reply short ovs_vport message: 01010000"])

    def test_unexpected_and_short(self):
        lines, _ = self.render((0x99, 0, 5, 0, b"abc"))
        self.assertEqual(lines, ["  reply unexpected nlmsg type 153 flags=- len=3"])
        lines, _ = self.render((FAMILY, 0, 5, 0, b"\1\2\0\0"))
        self.assertEqual(lines, ["  reply short ovs_datapath message: 01020000"])

    def test_malformed_attributes(self):
        payload = dp_payload(3, 7, []) + struct.pack("=HH", 40, 1)
        lines, _ = self.render((FAMILY, 0, 5, 0, payload))
        self.assertTrue(lines[1].startswith("      <malformed attributes:"))

    def test_sort_dump(self):
        msgs = [(FAMILY, 2, 1, 0, dp_payload(3, 0, fill_info_attrs(name=n)))
                for n in ("tdpx0", "tdp1", "tdp2")]
        done = (gf.NLMSG_DONE, 2, 1, 0, struct.pack("=i", 0))
        out = t.sort_dump([msgs[0], done, msgs[1], msgs[2]], FAMILY)
        self.assertEqual([t.dp_message_name(m[4]) for m in out[:3]], ["tdp1", "tdp2", "tdpx0"])
        self.assertIs(out[3], done)


class FamilyParseTest(unittest.TestCase):
    def test_mcast_groups(self):
        data = b"".join([
            attr(gf.CTRL_ATTR_FAMILY_ID, struct.pack("=H", 0x19)),
            attr(gf.CTRL_ATTR_FAMILY_NAME, b"ovs_datapath\0"),
            attr(gf.CTRL_ATTR_MCAST_GROUPS,
                 attr(1, attr(gf.CTRL_ATTR_MCAST_GRP_ID, u32(8)) +
                      attr(gf.CTRL_ATTR_MCAST_GRP_NAME, b"ovs_datapath\0"))),
        ])
        self.assertEqual(t.parse_mcast_groups(data), (0x19, {"ovs_datapath": 8}))
        self.assertEqual(t.parse_mcast_groups(b""), (None, {}))


class DrainTest(unittest.TestCase):
    """Ctx._drain must not wait, even on a socket with a timeout."""

    def test_drain_returns_queued_messages_without_waiting(self):
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            b.settimeout(5)

            class Holder:
                sock = b
            self.assertEqual(t.Ctx._drain(Holder), [])
            a.send(nlmsg(FAMILY, 0, 3, b"xy"))
            a.send(nlmsg(gf.NLMSG_DONE, 0, 4, u32(0)))
            msgs = t.Ctx._drain(Holder)
            self.assertEqual([(m[0], m[2]) for m in msgs], [(FAMILY, 3), (gf.NLMSG_DONE, 4)])
            self.assertEqual(t.Ctx._drain(Holder), [])
        finally:
            a.close()
            b.close()


class NotificationDrainTest(unittest.TestCase):
    """Ctx.drain_notifications: each group's socket, decoded by its family."""

    def test_both_groups(self):
        pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM) for _ in range(2)]
        try:
            class Holder:
                def __init__(self, sock):
                    self.sock = sock
            ctx = t.Ctx.__new__(t.Ctx)
            ctx.label = "init"
            ctx.namer = namer({7: "tdpv"})
            ctx.family_ids = {"dp": FAMILY, "vport": FAMILY + 1}
            ctx.listeners = {"dp": Holder(pairs[0][1]), "vport": Holder(pairs[1][1])}
            pairs[1][0].send(nlmsg(FAMILY + 1, 0, 5, dp_payload(4, 7, [attr(1, u32(0))],
                                                                version=1), pid=100))
            pairs[0][0].send(nlmsg(FAMILY, 0, 5, dp_payload(4, 7, []), pid=100))
            lines, notes = ctx.drain_notifications({"seq": 5, "portid": 100, "ctx": "init"})
            self.assertEqual(lines, [
                "  notify@init SET v2 flags=- seq=req pid=requester "
                "dp_ifindex=<ifindex of tdpv>",
                "  notify@init vport:SET v1 flags=- seq=req pid=requester "
                "dp_ifindex=<ifindex of tdpv>",
                "      PORT_NO 0",
            ])
            self.assertEqual(ctx.drain_notifications(None), ([], []))
        finally:
            for a, b in pairs:
                a.close()
                b.close()


class CompareTest(unittest.TestCase):
    def test_compare(self):
        with tempfile.TemporaryDirectory() as d:
            pa, pb, pc = (os.path.join(d, n) for n in "abc")
            for p, text in ((pa, "x\ny\n"), (pb, "x\ny\n"), (pc, "x\nz\n")):
                with open(p, "w") as f:
                    f.write(text)
            out = io.StringIO()
            self.assertTrue(t.compare_files(pa, pb, out))
            self.assertEqual(out.getvalue(), "")
            self.assertFalse(t.compare_files(pa, pc, out))
            self.assertIn("-y\n+z\n", out.getvalue())
            self.assertEqual(t.main(["compare", pa, pb]), 0)


class FakeCtx:
    """Stands in for Ctx (which needs the ovs_datapath family)."""

    def __init__(self, label, requested_ifindex, listen=True):
        self.label = label
        self.listen = listen
        self.notes = ["%s: fake context, pid %d" % (label, os.getpid())]
        self.family_id = None
        self.listeners = {}
        self.pending = False

    def run_step(self, step):
        self.pending = True
        return {"lines": ["  fake@%s %s" % (self.label, step.describe())],
                "notes": ["extack of %s" % self.label],
                "reqinfo": {"seq": 1, "portid": 2, "ctx": self.label}}

    def drain_notifications(self, reqinfo):
        if reqinfo and self.listen:
            return ["  notify@%s from %s" % (self.label, reqinfo["ctx"])], []
        return [], []

    def close(self):
        pass


class FakeRunTest(unittest.TestCase):
    """run() end to end, with fake contexts and a fake worker context."""

    def setUp(self):
        self.saved = (t.Ctx, t.CONTEXTS, t.STEPS, t.netns_exists)
        t.Ctx = FakeCtx
        t.CONTEXTS = {"netns": (lambda: None, True), "nobody": (lambda: None, False)}
        t.netns_exists = lambda: False
        t.STEPS = [
            st.Section("one"),
            st.Req("GET", st.NAME("tdp1"), why="because"),
            st.Req("GET", st.NAME("tdp1"), ctx="netns"),
            st.Shell(["false"]),
            st.Stop("netns"),
            st.Stop("netns"),
            st.Req("NEW", st.NAME("tdp1"), st.PID(0), ctx="nobody"),
        ]

    def tearDown(self):
        t.Ctx, t.CONTEXTS, t.STEPS, t.netns_exists = self.saved

    def test_run(self):
        with tempfile.TemporaryDirectory() as d:
            out, notes = os.path.join(d, "o.txt"), os.path.join(d, "o.notes.txt")
            n, failures = t.run(out, notes)
            self.assertEqual((n, failures), (6, 0))
            with open(out) as f:
                text = f.read()
            with open(notes) as f:
                notes_text = f.read()
        self.assertEqual(text.splitlines()[:2], t.HEADER)
        self.assertIn("\n### one\n[001] init: GET v2 [ack] dp_ifindex=0 NAME=\"tdp1\"\n"
                      "      # because\n  fake@init GET", text)
        # the netns worker ran in another process and its listener was drained
        self.assertIn("  fake@netns GET", text)
        self.assertIn("  notify@netns from netns", text)
        self.assertIn("  notify@init from netns", text)
        self.assertIn("[003] init: $ false\n  exit status 1\n", text)
        self.assertIn("[004] netns: stop the netns worker\n  stopped\n", text)
        self.assertIn("[005] netns: stop the netns worker\n  not running\n", text)
        self.assertIn("  fake@nobody NEW", text)
        self.assertNotIn("notify@nobody", text)
        # extack-like notes stay out of the transcript
        self.assertNotIn("extack of", text)
        self.assertIn("[001] extack of init", notes_text)
        self.assertIn("[002] extack of netns", notes_text)
        worker_pids = {line.rsplit(" ", 1)[1] for line in notes_text.splitlines()
                       if "fake context" in line}
        self.assertEqual(len(worker_pids), 3)         # init + 2 workers, distinct pids


if __name__ == "__main__":
    unittest.main()
