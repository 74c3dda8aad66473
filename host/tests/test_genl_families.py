"""Tests for tests/vm/genl_families.py (raw genetlink family/policy dumper).

Plain unittest so it runs with `python3 -m unittest` or `python3 -m pytest`
without extra dependencies.  The encoding/decoding tests use hand-made
byte strings; the live tests talk to this host's kernel (nlctrl always
exists) and are skipped where AF_NETLINK is unavailable.
"""

import errno
import io
import json
import os
import socket
import struct
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "vm"))

import genl_families as gf  # noqa: E402


def attr(atype, payload):
    """Independent (test-side) attribute encoder: header + payload + pad."""
    length = 4 + len(payload)
    return struct.pack("=HH", length, atype) + payload + b"\0" * (-length % 4)


def u16(v):
    return struct.pack("=H", v)


def u32(v):
    return struct.pack("=I", v)


def u64(v):
    return struct.pack("=Q", v)


def s64(v):
    return struct.pack("=q", v)


def nlmsg(mtype, flags, seq, payload, pid=0):
    return struct.pack("=IHHII", 16 + len(payload), mtype, flags, seq, pid) + payload


def genl(cmd, attrs):
    return struct.pack("=BBH", cmd, 1, 0) + b"".join(attrs)


def nlmsgerr(err, request, extack_msg=None, capped=True, seq=1):
    """An NLMSG_ERROR message as af_netlink.c netlink_ack builds it."""
    flags = gf.NLM_F_CAPPED if capped else 0
    body = struct.pack("=i", err)
    body += request[:16] if capped else request + b"\0" * (-len(request) % 4)
    if extack_msg is not None:
        flags |= gf.NLM_F_ACK_TLVS
        body += attr(gf.NLMSGERR_ATTR_MSG, extack_msg.encode() + b"\0")
        body += attr(gf.NLMSGERR_ATTR_OFFS, u32(20))
    return nlmsg(gf.NLMSG_ERROR, flags, seq, body)


class AttrEncodingTest(unittest.TestCase):
    def test_pack_attr_pads_to_4_but_len_excludes_padding(self):
        data = gf.pack_attr(1, b"abc")
        self.assertEqual(data, struct.pack("=HH", 7, 1) + b"abc\0")
        self.assertEqual(len(gf.pack_attr(1, b"abcd")), 8)
        self.assertEqual(gf.pack_attr(5, b""), struct.pack("=HH", 4, 5))

    def test_pack_str_attr_is_nul_terminated(self):
        data = gf.pack_str_attr(gf.CTRL_ATTR_FAMILY_NAME, "nlctrl")
        # 4 header + 6 chars + NUL = 11, padded to 12
        self.assertEqual(data, struct.pack("=HH", 11, 2) + b"nlctrl\0\0")

    def test_pack_nested_sets_flag(self):
        data = gf.pack_nested_attr(3, [gf.pack_u32_attr(1, 7)])
        length, atype = struct.unpack_from("=HH", data)
        self.assertEqual(length, 12)
        self.assertEqual(atype, 3 | gf.NLA_F_NESTED)

    def test_pack_genlmsg_header(self):
        msg = gf.pack_genlmsg(gf.GENL_ID_CTRL, gf.CTRL_CMD_GETFAMILY,
                              gf.NLM_F_REQUEST, 42,
                              [gf.pack_str_attr(gf.CTRL_ATTR_FAMILY_NAME, "ovs_flow")])
        length, mtype, flags, seq, pid = struct.unpack_from("=IHHII", msg)
        self.assertEqual((length, mtype, flags, seq, pid),
                         (len(msg), 0x10, gf.NLM_F_REQUEST, 42, 0))
        self.assertEqual(msg[16:20], struct.pack("=BBH", 3, 1, 0))
        self.assertEqual(gf.parse_attrs(msg[20:]), [(2, b"ovs_flow\0")])

    def test_parse_attrs_roundtrip_and_alignment(self):
        data = attr(1, b"x") + attr(2, u32(5)) + attr(3, b"")
        self.assertEqual(gf.parse_attrs(data), [(1, b"x"), (2, u32(5)), (3, b"")])

    def test_parse_attrs_masks_nested_and_byteorder_flags(self):
        data = attr(7 | gf.NLA_F_NESTED, b"") + attr(8 | gf.NLA_F_NET_BYTEORDER, b"")
        self.assertEqual([t for t, _ in gf.parse_attrs(data)], [7, 8])

    def test_parse_attrs_rejects_overlong_attribute(self):
        bad = struct.pack("=HH", 12, 1) + b"ab"
        with self.assertRaises(gf.ParseError):
            gf.parse_attrs(bad)
        with self.assertRaises(gf.ParseError):
            gf.parse_attrs(struct.pack("=HH", 2, 1))  # shorter than header

    def test_parse_attrs_ignores_short_tail(self):
        self.assertEqual(gf.parse_attrs(attr(1, b"") + b"\0\0"), [(1, b"")])

    def test_decode_int(self):
        self.assertEqual(gf.decode_int(u16(0xFFFF)), 0xFFFF)
        self.assertEqual(gf.decode_int(u64(2**64 - 1)), 2**64 - 1)
        self.assertEqual(gf.decode_int(s64(-5), signed=True), -5)
        with self.assertRaises(gf.ParseError):
            gf.decode_int(b"abc")

    def test_parse_nlmsgs_splits_aligned_messages(self):
        data = nlmsg(0x10, 2, 1, b"abcde") + b"\0\0\0" + nlmsg(3, 2, 1, u32(0))
        msgs = gf.parse_nlmsgs(data)
        self.assertEqual([(m[0], m[4]) for m in msgs], [(0x10, b"abcde"), (3, u32(0))])


class OpFlagsTest(unittest.TestCase):
    def test_known_flags(self):
        self.assertEqual(gf.decode_op_flags(0x0e),
                         ["GENL_CMD_CAP_DO", "GENL_CMD_CAP_DUMP", "GENL_CMD_CAP_HASPOL"])
        self.assertEqual(gf.decode_op_flags(0x11),
                         ["GENL_ADMIN_PERM", "GENL_UNS_ADMIN_PERM"])
        self.assertEqual(gf.decode_op_flags(0), [])

    def test_unknown_bits_kept_as_hex(self):
        self.assertEqual(gf.decode_op_flags(0x42), ["GENL_CMD_CAP_DO", "0x40"])


class FamilyParseTest(unittest.TestCase):
    def family_attrs(self):
        ops = attr(gf.CTRL_ATTR_OPS, b"".join([
            # kernel numbers the op nests 1..n; emit out of cmd order
            attr(1, attr(gf.CTRL_ATTR_OP_ID, u32(4)) + attr(gf.CTRL_ATTR_OP_FLAGS, u32(0x0b))),
            attr(2, attr(gf.CTRL_ATTR_OP_ID, u32(1)) + attr(gf.CTRL_ATTR_OP_FLAGS, u32(0x0f))),
        ]))
        grps = attr(gf.CTRL_ATTR_MCAST_GROUPS, b"".join([
            attr(1, attr(gf.CTRL_ATTR_MCAST_GRP_ID, u32(9)) +
                 attr(gf.CTRL_ATTR_MCAST_GRP_NAME, b"ovs_vport\0")),
        ]))
        return b"".join([
            attr(gf.CTRL_ATTR_FAMILY_NAME, b"ovs_vport\0"),
            attr(gf.CTRL_ATTR_FAMILY_ID, u16(0x22)),
            attr(gf.CTRL_ATTR_VERSION, u32(1)),
            attr(gf.CTRL_ATTR_HDRSIZE, u32(4)),
            attr(gf.CTRL_ATTR_MAXATTR, u32(9)),
            ops, grps,
        ])

    def test_parse_family(self):
        fam = gf.parse_family(self.family_attrs())
        self.assertEqual(fam, {
            "name": "ovs_vport", "version": 1, "hdrsize": 4, "maxattr": 9,
            "ops": [
                {"cmd": 1, "flags": ["GENL_ADMIN_PERM", "GENL_CMD_CAP_DO",
                                     "GENL_CMD_CAP_DUMP", "GENL_CMD_CAP_HASPOL"]},
                {"cmd": 4, "flags": ["GENL_ADMIN_PERM", "GENL_CMD_CAP_DO",
                                     "GENL_CMD_CAP_HASPOL"]},
            ],
            "mcast_groups": ["ovs_vport"],
        })
        # dynamic ids must not leak into the record
        self.assertNotIn("id", json.dumps(fam))


class ErrorParseTest(unittest.TestCase):
    REQUEST = nlmsg(0x10, gf.NLM_F_REQUEST, 1, genl(3, [attr(2, b"x" * 20 + b"\0")]))

    def test_capped_error_with_extack(self):
        msgs = gf.parse_nlmsgs(nlmsgerr(-errno.EINVAL, self.REQUEST, "Attribute failed"))
        (mtype, flags, _, _, payload), = msgs
        self.assertEqual(mtype, gf.NLMSG_ERROR)
        err = gf.parse_nlmsgerr(payload, flags)
        self.assertEqual(err, {"error": errno.EINVAL, "msg": "Attribute failed",
                               "offs": 20, "miss_type": None})

    def test_uncapped_error_skips_echoed_request(self):
        msgs = gf.parse_nlmsgs(nlmsgerr(-errno.ERANGE, self.REQUEST, "too long", capped=False))
        (_, flags, _, _, payload), = msgs
        err = gf.parse_nlmsgerr(payload, flags)
        self.assertEqual((err["error"], err["msg"]), (errno.ERANGE, "too long"))

    def test_error_without_extack(self):
        (_, flags, _, _, payload), = gf.parse_nlmsgs(nlmsgerr(-errno.ENOENT, self.REQUEST))
        self.assertEqual(gf.parse_nlmsgerr(payload, flags)["msg"], None)
        self.assertEqual(gf.parse_nlmsgerr(payload, flags)["error"], errno.ENOENT)

    def test_ack(self):
        (_, flags, _, _, payload), = gf.parse_nlmsgs(nlmsgerr(0, self.REQUEST))
        self.assertEqual(gf.parse_nlmsgerr(payload, flags)["error"], 0)

    def test_done_with_error_and_extack(self):
        payload = struct.pack("=i", -errno.EMSGSIZE) + attr(gf.NLMSGERR_ATTR_MSG, b"boom\0")
        done = gf.parse_done(payload, gf.NLM_F_MULTI | gf.NLM_F_ACK_TLVS)
        self.assertEqual((done["error"], done["msg"]), (errno.EMSGSIZE, "boom"))
        self.assertEqual(gf.parse_done(struct.pack("=i", 0), gf.NLM_F_MULTI)["error"], 0)

    def test_netlink_error_is_oserror(self):
        e = gf.NetlinkError(errno.EINVAL, "bad attr")
        self.assertIsInstance(e, OSError)
        self.assertEqual(e.errno, errno.EINVAL)
        self.assertIn("bad attr", str(e))


def policy_attr_msg(idx, attr_nr, fields):
    nest = gf.NLA_F_NESTED
    return (attr(gf.CTRL_ATTR_FAMILY_ID, u16(0x20)) +
            attr(gf.CTRL_ATTR_POLICY | nest, attr(idx | nest, attr(attr_nr | nest, fields))))


def op_policy_msg(cmd, do=None, dump=None):
    nest = gf.NLA_F_NESTED
    inner = b""
    if do is not None:
        inner += attr(gf.CTRL_ATTR_POLICY_DO, u32(do))
    if dump is not None:
        inner += attr(gf.CTRL_ATTR_POLICY_DUMP, u32(dump))
    return (attr(gf.CTRL_ATTR_FAMILY_ID, u16(0x20)) +
            attr(gf.CTRL_ATTR_OP_POLICY | nest, attr(cmd | nest, inner)))


class PolicyParseTest(unittest.TestCase):
    def test_policy_type_fields(self):
        fields = b"".join([
            attr(4, u64(0)), attr(5, u64(2**64 - 1)),        # MIN/MAX_VALUE_U
            attr(2, s64(-3)), attr(3, s64(7)),                # MIN/MAX_VALUE_S
            attr(6, u32(1)), attr(7, u32(16)),                # MIN/MAX_LENGTH
            attr(8, u32(2)), attr(9, u32(5)),                 # POLICY_IDX/MAXTYPE
            attr(10, u32(0x3)), attr(12, u64(0xff)),          # BITFIELD32_MASK, MASK
            attr(11, b""),                                    # PAD
            attr(99, b"\x01\x02"),                            # unknown to the tool
            attr(1, u32(12)),                                 # TYPE last on the wire
        ])
        self.assertEqual(gf.parse_policy_type_attrs(fields), {
            "type": "NLA_NUL_STRING",
            "min_value_u": 0, "max_value_u": 2**64 - 1,
            "min_value_s": -3, "max_value_s": 7,
            "min_length": 1, "max_length": 16,
            "policy_idx": 2, "policy_maxtype": 5,
            "bitfield32_mask": 3, "mask": 0xff, "pad": True,
            "attr_99": "0102",
        })

    def test_type_names(self):
        names = {v: gf.attr_type_name(v) for v in (1, 4, 10, 13, 14, 15, 17, 200)}
        self.assertEqual(names, {
            1: "NLA_FLAG", 4: "NLA_U32", 10: "NLA_BINARY", 13: "NLA_NESTED",
            14: "NLA_NESTED_ARRAY", 15: "NLA_BITFIELD32", 17: "NLA_UINT",
            200: "NL_ATTR_TYPE_200"})

    def test_accumulator_sorts_numerically_and_lists_empty_policies(self):
        acc = gf.PolicyAccumulator()
        # wire order as the kernel sends it: op map first, then attributes
        acc.add_message(op_policy_msg(3, do=0, dump=0))
        acc.add_message(op_policy_msg(1, do=2))
        acc.add_message(policy_attr_msg(0, 10, attr(1, u32(4))))
        acc.add_message(policy_attr_msg(0, 2, attr(1, u32(13)) + attr(8, u32(1)) +
                                        attr(9, u32(3))))
        acc.add_message(policy_attr_msg(1, 3, attr(1, u32(1))))
        # policy 2 (only NLA_UNSPEC/REJECT entries) produces no messages
        self.assertEqual(acc.result(), {
            "op_policy": [{"cmd": 1, "do": 2}, {"cmd": 3, "do": 0, "dump": 0}],
            "policies": [
                {"index": 0, "attrs": [
                    {"attr": 2, "type": "NLA_NESTED", "policy_idx": 1, "policy_maxtype": 3},
                    {"attr": 10, "type": "NLA_U32"},
                ]},
                {"index": 1, "attrs": [{"attr": 3, "type": "NLA_FLAG"}]},
                {"index": 2, "attrs": []},
            ],
        })
        # canonical JSON keeps attr 10 after attr 2 (lists, not string keys)
        text = gf.to_json({"p": acc.result()})
        self.assertLess(text.index('"attr": 2'), text.index('"attr": 10'))


class FakeSock:
    """Stands in for the netlink socket: scripted recvmsg results."""

    def __init__(self, replies):
        self.replies = list(replies)   # bytes, or an exception to raise
        self.sent = []

    def send(self, data):
        self.sent.append(data)

    def recvmsg(self, bufsize):
        item = self.replies.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item, [], 0, None

    def gettimeout(self):
        return 5.0

    def close(self):
        pass


def fake_genl_socket(replies):
    s = gf.GenlSocket.__new__(gf.GenlSocket)
    s.sock = FakeSock(replies)
    s.seq = 0
    return s


class RequestLoopTest(unittest.TestCase):
    def test_dump_across_datagrams_skipping_stale_and_eintr(self):
        body = genl(gf.CTRL_CMD_GETPOLICY, [op_policy_msg(3, do=0)])
        s = fake_genl_socket([
            nlmsg(0x10, gf.NLM_F_MULTI, 99, body),             # stale seq
            InterruptedError(),
            nlmsg(0x10, gf.NLM_F_MULTI, 1, body),
            nlmsg(0x10, gf.NLM_F_MULTI, 1, body) + nlmsg(gf.NLMSG_DONE, gf.NLM_F_MULTI, 1, u32(0)),
        ])
        replies = s.request(gf.GENL_ID_CTRL, gf.CTRL_CMD_GETPOLICY, dump=True)
        self.assertEqual(len(replies), 2)
        self.assertEqual(replies[0][1], body[gf.GENL_HDRLEN:])
        flags = struct.unpack_from("=IHH", s.sock.sent[0])[2]
        self.assertEqual(flags, gf.NLM_F_REQUEST | gf.NLM_F_DUMP)

    def test_error_raises_with_extack(self):
        req = gf.pack_genlmsg(gf.GENL_ID_CTRL, 3, gf.NLM_F_REQUEST, 1)
        s = fake_genl_socket([nlmsgerr(-errno.EINVAL, req, "Attribute failed policy validation")])
        with self.assertRaises(gf.NetlinkError) as cm:
            s.request(gf.GENL_ID_CTRL, 3)
        self.assertEqual(cm.exception.errno, errno.EINVAL)
        self.assertEqual(cm.exception.extack, "Attribute failed policy validation")
        self.assertEqual(cm.exception.offs, 20)

    def test_timeout(self):
        s = fake_genl_socket([socket.timeout()])
        with self.assertRaises(TimeoutError):
            s.request(gf.GENL_ID_CTRL, 3)

    def test_absent_family(self):
        req = gf.pack_genlmsg(gf.GENL_ID_CTRL, 3, gf.NLM_F_REQUEST, 1)
        s = fake_genl_socket([nlmsgerr(-errno.ENOENT, req)])
        self.assertEqual(gf.get_family("ovs_flow", s), {"name": "ovs_flow", "absent": True})

    def test_policy_enodata_is_empty(self):
        req = gf.pack_genlmsg(gf.GENL_ID_CTRL, 10, gf.NLM_F_REQUEST, 1)
        s = fake_genl_socket([nlmsgerr(-errno.ENODATA, req)])
        self.assertEqual(gf.get_policy("x", s), {"op_policy": [], "policies": []})


class CompareTest(unittest.TestCase):
    def write(self, d, name, obj, **kw):
        path = os.path.join(d, name)
        with open(path, "w") as f:
            json.dump(obj, f, **kw)
        return path

    def test_compare(self):
        doc = {"families": {"ovs_flow": {"name": "ovs_flow", "absent": True}}}
        other = {"families": {"ovs_flow": {"name": "ovs_flow", "version": 1}}}
        with tempfile.TemporaryDirectory() as d:
            a = self.write(d, "a.json", doc)
            b = self.write(d, "b.json", doc, indent=4)    # formatting differs only
            c = self.write(d, "c.json", other)
            self.assertTrue(gf.compare_files(a, b, out=io.StringIO()))
            out = io.StringIO()
            self.assertFalse(gf.compare_files(a, c, out=out))
            self.assertIn('-   "absent": true', out.getvalue())
            self.assertIn('+   "version": 1', out.getvalue())
            saved = sys.stdout
            sys.stdout = io.StringIO()
            try:
                self.assertEqual(gf.main(["compare", a, b]), 0)
                self.assertEqual(gf.main(["compare", a, c]), 1)
            finally:
                sys.stdout = saved


def netlink_available():
    try:
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, gf.NETLINK_GENERIC)
    except (AttributeError, OSError):
        return False
    s.close()
    return True


@unittest.skipUnless(netlink_available(), "AF_NETLINK/NETLINK_GENERIC unavailable")
class LiveNlctrlTest(unittest.TestCase):
    def test_nlctrl(self):
        fam = gf.dump(["nlctrl"])["families"]["nlctrl"]
        self.assertEqual(fam["name"], "nlctrl")
        self.assertEqual(fam["version"], 2)
        self.assertNotIn("id", fam)
        ops = {op["cmd"]: op["flags"] for op in fam["ops"]}
        self.assertIn("GENL_CMD_CAP_DO", ops[gf.CTRL_CMD_GETFAMILY])
        self.assertIn("GENL_CMD_CAP_DUMP", ops[gf.CTRL_CMD_GETFAMILY])
        self.assertIn("notify", fam["mcast_groups"])

        pol = fam["policy"]
        do_idx = {e["cmd"]: e for e in pol["op_policy"]}[gf.CTRL_CMD_GETFAMILY]["do"]
        policy = {p["index"]: p for p in pol["policies"]}[do_idx]
        attrs = {a["attr"]: a for a in policy["attrs"]}
        self.assertEqual(attrs[gf.CTRL_ATTR_FAMILY_NAME]["type"], "NLA_NUL_STRING")
        self.assertEqual(attrs[gf.CTRL_ATTR_FAMILY_NAME]["max_length"], gf.GENL_NAMSIZ - 1)

    def test_absent_family(self):
        self.assertEqual(gf.get_family("no_such_fam_x"),
                         {"name": "no_such_fam_x", "absent": True})

    def test_extack_from_kernel(self):
        # A name longer than GENL_NAMSIZ - 1 fails nlctrl's policy.
        with self.assertRaises(gf.NetlinkError) as cm:
            gf.get_family("x" * 20)
        self.assertEqual(cm.exception.errno, errno.EINVAL)
        self.assertTrue(cm.exception.extack)

    def test_main_dump_is_canonical_and_stable(self):
        with tempfile.TemporaryDirectory() as d:
            a, b = os.path.join(d, "a.json"), os.path.join(d, "b.json")
            self.assertEqual(gf.main(["dump", "--out", a, "nlctrl"]), 0)
            self.assertEqual(gf.main(["dump", "--out", b, "nlctrl"]), 0)
            with open(a) as f:
                text = f.read()
            self.assertEqual(text, gf.to_json(json.loads(text)))
            self.assertTrue(gf.compare_files(a, b, out=io.StringIO()))


if __name__ == "__main__":
    unittest.main()
