"""Tests for tests/vm/ovs_dp_transcript.py (ovs_datapath request transcript).

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
        self.assertEqual(t.errno_name(errno.EINVAL), "EINVAL")
        self.assertEqual(t.errno_name(errno.EOPNOTSUPP), "EOPNOTSUPP")
        self.assertEqual(t.errno_name(errno.ENODEV), "ENODEV")
        self.assertEqual(t.errno_name(9999), "E?9999")

    def test_features(self):
        self.assertEqual(t.features_str(0), "0x0 (-)")
        self.assertEqual(t.features_str(9), "0x9 (UNALIGNED|DISPATCH_UPCALL_PER_CPU)")
        self.assertEqual(t.features_str(0x80000003),
                         "0x80000003 (UNALIGNED|VPORT_PIDS|0x80000000)")
        self.assertEqual(t.features_str(0x14), "0x14 (TC_RECIRC_SHARING|0x10)")

    def test_nlmsg_flags(self):
        self.assertEqual(t.nlmsg_flags_str(0), "-")
        self.assertEqual(t.nlmsg_flags_str(gf.NLM_F_MULTI), "MULTI")
        self.assertEqual(t.nlmsg_flags_str(gf.NLM_F_MULTI | 0x1000), "MULTI|0x1000")

    def test_default_notes_path(self):
        self.assertEqual(t.default_notes_path("/o/dp-openvswitch.txt"),
                         "/o/dp-openvswitch.notes.txt")
        self.assertEqual(t.default_notes_path("out"), "out.notes.txt")


class RequestEncodingTest(unittest.TestCase):
    def test_defaults_follow_ovs_vswitchd(self):
        new = t.Req("NEW", t.NAME("a"), t.PID(0))
        self.assertEqual(new.flags(), gf.NLM_F_REQUEST | gf.NLM_F_ACK | t.NLM_F_ECHO)
        get = t.Req("GET", t.NAME("a"))
        self.assertEqual(get.flags(), gf.NLM_F_REQUEST | gf.NLM_F_ACK)
        dump = t.Req("GET", dump=True)
        self.assertEqual(dump.flags(), gf.NLM_F_REQUEST | gf.NLM_F_DUMP)
        bare = t.Req("DEL", t.NAME("a"), echo=False, ack=False)
        self.assertEqual(bare.flags(), gf.NLM_F_REQUEST)

    def test_encode_layout(self):
        req = t.Req("NEW", t.NAME("tdp1"), t.PID(7), t.FEAT(9), hdr=3, version=1)
        msg = req.encode(FAMILY, 42)
        length, mtype, flags, seq, pid = struct.unpack_from("=IHHII", msg)
        self.assertEqual((length, mtype, flags, seq, pid),
                         (len(msg), FAMILY, req.flags(), 42, 0))
        self.assertEqual(msg[16:20], struct.pack("=BBH", 1, 1, 0))
        self.assertEqual(msg[20:24], struct.pack("=i", 3))
        self.assertEqual(gf.parse_attrs(msg[24:]),
                         [(1, b"tdp1\0"), (2, u32(7)), (5, u32(9))])

    def test_no_ovs_header(self):
        msg = t.Req("GET", hdr=None).encode(FAMILY, 1)
        self.assertEqual(len(msg), 20)

    def test_attr_encodings(self):
        enc = lambda spec: t.attr_spec_encode(spec, t.identity)  # noqa: E731
        self.assertEqual(enc(t.NAME("ab")), attr(1, b"ab\0"))
        self.assertEqual(enc(t.NAME("")), attr(1, b"\0"))
        self.assertEqual(enc(t.PIDS(1, 2)), attr(8, u32(1) + u32(2)))
        self.assertEqual(enc(t.IFX(-1)), attr(9, struct.pack("=i", -1)))
        self.assertEqual(enc(t.MASKS(4096)), attr(7, u32(4096)))
        self.assertEqual(enc(t.RAW("PER_CPU_PIDS", b"\1\0")), attr(8, b"\1\0"))
        self.assertEqual(enc(t.RAW(99, b"")), attr(99, b""))

    def test_symbolic_values_need_a_resolver(self):
        req = t.Req("GET", hdr=t.IfindexOf("tdp1"))
        with self.assertRaises(t.Unresolvable):
            req.encode(FAMILY, 1)
        msg = req.encode(FAMILY, 1, lambda v: 17 if isinstance(v, t.IfindexOf) else v)
        self.assertEqual(msg[20:24], struct.pack("=i", 17))
        new = t.Req("NEW", t.NAME("x"), t.PID(0), t.IFX(t.FREE))
        msg = new.encode(FAMILY, 1, lambda v: 4242 if v is t.FREE else v)
        self.assertIn(attr(9, struct.pack("=i", 4242)), msg)

    def test_describe_is_symbolic(self):
        req = t.Req("NEW", t.NAME("tdp2"), t.PID(0), t.FEAT(t.UA | t.PC), t.IFX(t.FREE),
                    t.RAW("PER_CPU_PIDS", b"\1\0"))
        self.assertEqual(
            req.describe(),
            'NEW v2 [echo,ack] dp_ifindex=0 NAME="tdp2" UPCALL_PID=0 '
            'USER_FEATURES=0x9(UNALIGNED|DISPATCH_UPCALL_PER_CPU) '
            'IFINDEX=<free ifindex> PER_CPU_PIDS=raw[2]:0100')
        self.assertEqual(t.Req("GET", dump=True).describe(),
                         "GET dump v2 [no-echo,no-ack] dp_ifindex=0")
        self.assertEqual(t.Req("GET", hdr=t.IfindexOf("x")).describe(),
                         "GET v2 [ack] dp_ifindex=<ifindex of x>")
        self.assertEqual(t.Req("GET", hdr=None).describe(), "GET v2 [ack] (no ovs_header)")

    def test_unknown_command_rejected(self):
        with self.assertRaises(ValueError):
            t.Req("FLUSH")


class StepListTest(unittest.TestCase):
    def resolve(self, v):
        if isinstance(v, t.IfindexOf):
            return 100
        if isinstance(v, t.FreeIfindex):
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

    def test_names_this_tool_creates_have_the_prefix(self):
        for step in t.STEPS:
            if step.kind == "req" and step.cmd == "NEW":
                for key, value in step.attrs:
                    if key == "NAME" and value not in ("", "lo"):
                        self.assertTrue(value.startswith(t.DP_PREFIX), value)


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
        self.listener = None
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
            t.Section("one"),
            t.Req("GET", t.NAME("tdp1"), why="because"),
            t.Req("GET", t.NAME("tdp1"), ctx="netns"),
            t.Shell(["false"]),
            t.Stop("netns"),
            t.Stop("netns"),
            t.Req("NEW", t.NAME("tdp1"), t.PID(0), ctx="nobody"),
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
