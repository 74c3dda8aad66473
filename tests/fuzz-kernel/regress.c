// SPDX-License-Identifier: GPL-2.0
/*
 * ovsfuzz regress: the recipes of openvswitch.ko's known bugs (issue 15),
 * each printing the errno of every request, so one run on openvswitch.ko
 * and one on openvswitch_rs compare line by line; the kernel log must stay
 * free of splats and the taint unchanged.
 *
 *   action_buffer_growth   actions that grow past the 32 KiB copy buffer
 *                          (set(tunnel) expands when copied)
 *   set_short_nested_key   set() whose nested key is shorter than its header
 *   negative_ifindex       negative dp/vport ifindexes and dp_ifindex
 *   genl_version0          every command with genl version 0
 *   ct_limit_netns         ct limits and a datapath in a namespace that dies
 *   nested_depth           clone/sample/check_pkt_len/dec_ttl nested 1..40
 *   xmit_unregistering     EXECUTE output to a port whose device is deleted
 *   ct_orig_mismatch       EXECUTE whose key has a conntrack original tuple of
 *                          another protocol than its packet's (C refuses:
 *                          the tuple would overlap other key fields)
 */
#include "requests.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct nlsock s;

/* FLOW NEW of UFID B with the base key; the actions nest is open. */
static size_t flow_b_start(void)
{
	start(F_FLOW, OVS_FLOW_CMD_NEW, dp1, 0);
	put(&m, OVS_FLOW_ATTR_UFID, ufid_b, 16);
	key(OVS_FLOW_ATTR_KEY, 0xb);
	return nest(&m, OVS_FLOW_ATTR_ACTIONS);
}

static void say(const char *recipe, const char *what, int err)
{
	printf("%s: %s: %s\n", recipe, what, errno_name(err));
}

static void tunnel_set(void)
{
	size_t a = nest(&m, OVS_ACTION_ATTR_SET), t = nest(&m, OVS_KEY_ATTR_TUNNEL);
	uint8_t opts[8] = { 0 }; /* two GENEVE options of no data */

	put_u64(&m, OVS_TUNNEL_KEY_ATTR_ID, 1);
	put_u32(&m, OVS_TUNNEL_KEY_ATTR_IPV4_DST, 0x0100000a);
	put_u8(&m, OVS_TUNNEL_KEY_ATTR_TTL, 64);
	put(&m, OVS_TUNNEL_KEY_ATTR_GENEVE_OPTS, opts, sizeof(opts));
	nest_end(&m, t);
	nest_end(&m, a);
}

static void action_buffer_growth(void)
{
	static const int counts[] = { 1, 100, 200, 300, 400, 500, 800, 1000, 1500 };

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		char what[64];
		size_t n;
		int e;

		n = flow_b_start();
		for (int k = 0; k < counts[i]; k++) {
			tunnel_set();
			put_u32(&m, OVS_ACTION_ATTR_OUTPUT, 1);
		}
		nest_end(&m, n);
		e = m.overflow ? -EMSGSIZE : go();
		snprintf(what, sizeof(what), "%d set(tunnel)+output", counts[i]);
		say("action_buffer_growth", what, e);
		if (!e)
			flow_del(ufid_b);
	}
}

static void set_short_nested_key(void)
{
	static const uint16_t types[] = { OVS_KEY_ATTR_ETHERNET, OVS_KEY_ATTR_IPV4,
					  OVS_KEY_ATTR_TUNNEL, OVS_KEY_ATTR_TCP,
					  OVS_KEY_ATTR_NSH };

	for (int masked = 0; masked < 2; masked++)
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			for (int len = 0; len < 4; len++) {
				char what[64];
				size_t n, a;
				struct nlattr *in;

				n = flow_b_start();
				a = nest(&m, masked ? OVS_ACTION_ATTR_SET_MASKED : OVS_ACTION_ATTR_SET);
				/* A nested header claiming len bytes, i.e. less
				 * than its own 4-byte header. */
				in = (struct nlattr *)(m.buf + m.len);
				put(&m, types[i], NULL, 4);
				in->nla_len = len;
				nest_end(&m, a);
				nest_end(&m, n);
				snprintf(what, sizeof(what), "%s key %u nla_len %d",
					 masked ? "set_masked" : "set", types[i], len);
				say("set_short_nested_key", what, go());
				flow_del(ufid_b);
			}
}

static void negative_ifindex(void)
{
	int e;

	start(F_DP, OVS_DP_CMD_NEW, 0, 0);
	put_str(&m, OVS_DP_ATTR_NAME, "rg-neg");
	put_u32(&m, OVS_DP_ATTR_UPCALL_PID, 0);
	put_u32(&m, OVS_DP_ATTR_IFINDEX, -1);
	say("negative_ifindex", "DP NEW ifindex -1", e = go());
	if (!e)
		del_dp(rq, "rg-neg");
	start(F_VPORT, OVS_VPORT_CMD_NEW, dp1, 0);
	put_str(&m, OVS_VPORT_ATTR_NAME, "rg-negp");
	put_u32(&m, OVS_VPORT_ATTR_TYPE, OVS_VPORT_TYPE_INTERNAL);
	put_u32(&m, OVS_VPORT_ATTR_UPCALL_PID, 0);
	put_u32(&m, OVS_VPORT_ATTR_IFINDEX, 0x80000000);
	say("negative_ifindex", "VPORT NEW ifindex INT_MIN", e = go());
	if (!e)
		port_del(dp1, "rg-negp");
	for (int f = F_DP; f < F_COUNT; f++) {
		char what[64];

		start(f, f == F_PACKET ? OVS_PACKET_CMD_EXECUTE : f == F_METER ? OVS_METER_CMD_GET
			 : f == F_CTLIMIT ? OVS_CT_LIMIT_CMD_GET : 3, -1, 0);
		snprintf(what, sizeof(what), "%s dp_ifindex -1", fam_name[f]);
		say("negative_ifindex", what, go());
	}
}

static void genl_version0(void)
{
	static const uint8_t ncmd[F_COUNT] = { 4, 4, 4, 3, 4, 3 };

	for (int v = 0; v < 2; v++)
		for (int f = F_DP; f < F_COUNT; f++)
			for (int c = 0; c <= ncmd[f] + 1; c++) {
				char what[64];
				int e;

				start(f, c, dp1, 0);
				((struct genlmsghdr *)(m.buf + NLMSG_HDRLEN))->version = v;
				if (f == F_DP) {
					put_str(&m, OVS_DP_ATTR_NAME, "rg-v0");
					put_u32(&m, OVS_DP_ATTR_UPCALL_PID, 0);
					put_u32(&m, OVS_DP_ATTR_USER_FEATURES, 0x3f);
				} else if (f == F_VPORT) {
					put_str(&m, OVS_VPORT_ATTR_NAME, "rg-v0p");
					put_u32(&m, OVS_VPORT_ATTR_TYPE, OVS_VPORT_TYPE_INTERNAL);
					put_u32(&m, OVS_VPORT_ATTR_UPCALL_PID, 0);
				} else if (f == F_FLOW || f == F_PACKET) {
					if (f == F_FLOW)
						put(&m, OVS_FLOW_ATTR_UFID, ufid_b, 16);
					else
						put(&m, OVS_PACKET_ATTR_PACKET, (uint8_t[60]){ 1 }, 60);
					key(f == F_FLOW ? OVS_FLOW_ATTR_KEY : OVS_PACKET_ATTR_KEY, 0xb);
					actions(f == F_FLOW ? OVS_FLOW_ATTR_ACTIONS
						: OVS_PACKET_ATTR_ACTIONS, 0);
				} else if (f == F_METER) {
					put_u32(&m, OVS_METER_ATTR_ID, 5);
				}
				e = go();
				snprintf(what, sizeof(what), "v%d %s cmd %d", v, fam_name[f], c);
				say("genl_version0", what, e);
			}
	del_dp(rq, "rg-v0");
	port_del(dp1, "rg-v0p");
	flow_del(ufid_b);
	meter_cmd(OVS_METER_CMD_DEL, 5);
}

static void ct_limit_netns(void)
{
	int bad = 0;

	for (int i = 0; i < 20; i++) {
		pid_t p = fork();

		if (!p) {
			struct nlsock *ns = calloc(1, sizeof(*ns));
			int e;

			if (unshare(CLONE_NEWNET) || nl_open(ns) || nl_resolve(ns))
				_exit(3);
			rq = ns;
			e = ct_limit(OVS_CT_LIMIT_CMD_SET, OVS_ZONE_LIMIT_DEFAULT_ZONE, 5);
			e = e ? e : ct_limit(OVS_CT_LIMIT_CMD_SET, 7, 9);
			e = e ? e : new_dp(rq, "rg-ns", &dp1);
			e = e ? e : port_new(dp1, "rg-nsp");
			/* Exit with the namespace, its datapath and limits
			 * still there: the netns exit path tears them down. */
			_exit(e ? 4 : 0);
		}
		int st = 0;

		waitpid(p, &st, 0);
		bad += !WIFEXITED(st) || WEXITSTATUS(st);
	}
	say("ct_limit_netns", "20 namespaces with ct limits and a datapath exit", bad ? -EIO : 0);
	say("ct_limit_netns", "GET in the initial namespace after",
	    ct_limit(OVS_CT_LIMIT_CMD_GET, 7, 0));
}

static void nest_to(int depth, int kind)
{
	size_t off[64], inner[64];

	for (int i = 0; i < depth; i++) {
		inner[i] = 0;
		switch (kind) {
		case 0:
			off[i] = nest(&m, OVS_ACTION_ATTR_CLONE);
			break;
		case 1:
			off[i] = nest(&m, OVS_ACTION_ATTR_SAMPLE);
			put_u32(&m, OVS_SAMPLE_ATTR_PROBABILITY, 0xffffffff);
			inner[i] = nest(&m, OVS_SAMPLE_ATTR_ACTIONS);
			break;
		case 2:
			off[i] = nest(&m, OVS_ACTION_ATTR_CHECK_PKT_LEN);
			put_u16(&m, OVS_CHECK_PKT_LEN_ATTR_PKT_LEN, 100);
			nest_end(&m, nest(&m, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER));
			inner[i] = nest(&m, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL);
			break;
		default:
			off[i] = nest(&m, OVS_ACTION_ATTR_DEC_TTL);
			inner[i] = nest(&m, OVS_DEC_TTL_ATTR_ACTION);
			break;
		}
	}
	put_u32(&m, OVS_ACTION_ATTR_OUTPUT, 1);
	for (int i = depth - 1; i >= 0; i--) {
		nest_end(&m, inner[i]);
		nest_end(&m, off[i]);
	}
}

static void nested_depth(void)
{
	static const char *const kinds[] = { "clone", "sample", "check_pkt_len", "dec_ttl" };
	uint8_t frame[60] = { 0, 1, 2, 3, 4, 0xee, 0, 1, 2, 3, 4, 0xb, 8, 0, 0x45, 0, 0, 46,
			      0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 };

	for (int kind = 0; kind < 4; kind++)
		for (int depth = 1; depth <= 40; depth += depth < 14 ? 1 : 3) {
			char what[64];
			size_t n;
			int e;

			n = flow_b_start();
			nest_to(depth, kind);
			nest_end(&m, n);
			e = go();
			snprintf(what, sizeof(what), "FLOW NEW %s x%d", kinds[kind], depth);
			say("nested_depth", what, e);
			if (!e)
				flow_del(ufid_b);
			start(F_PACKET, OVS_PACKET_CMD_EXECUTE, dp1, 0);
			put(&m, OVS_PACKET_ATTR_PACKET, frame, sizeof(frame));
			key(OVS_PACKET_ATTR_KEY, 0xb);
			n = nest(&m, OVS_PACKET_ATTR_ACTIONS);
			nest_to(depth, kind);
			nest_end(&m, n);
			snprintf(what, sizeof(what), "EXECUTE %s x%d", kinds[kind], depth);
			say("nested_depth", what, go());
		}
}

static void xmit_unregistering(void)
{
	uint8_t frame[60] = { 0, 1, 2, 3, 4, 0xee, 0, 1, 2, 3, 4, 0xb, 8, 0, 0x45, 0, 0, 46,
			      0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 };
	int bad = 0;

	for (int round = 0; round < 6; round++) {
		uint32_t port = 0;
		pid_t p;
		int e;

		if (system("ip link add rg-x0 type veth peer name rg-x1 && "
			   "ip link set rg-x0 up && ip link set rg-x1 up")) {
			say("xmit_unregistering", "veth pair", -EIO);
			return;
		}
		start(F_VPORT, OVS_VPORT_CMD_NEW, dp1, 0);
		put_str(&m, OVS_VPORT_ATTR_NAME, "rg-x0");
		put_u32(&m, OVS_VPORT_ATTR_TYPE, OVS_VPORT_TYPE_NETDEV);
		put_u32(&m, OVS_VPORT_ATTR_UPCALL_PID, 0);
		if ((e = go())) {
			say("xmit_unregistering", "netdev port", e);
			system("ip link del rg-x0");
			return;
		}
		get_vport(rq, dp1, "rg-x0", &port);
		p = fork();
		if (!p) {
			struct nlsock *c = calloc(1, sizeof(*c));

			if (nl_open(c) || nl_resolve(c))
				_exit(3);
			rq = c;
			/* Until the port is gone: ENODEV/ENOENT-free sends
			 * are all that may happen meanwhile. */
			for (int i = 0; i < 2000; i++) {
				size_t n;

				start(F_PACKET, OVS_PACKET_CMD_EXECUTE, dp1, 0);
				put(&m, OVS_PACKET_ATTR_PACKET, frame, sizeof(frame));
				key(OVS_PACKET_ATTR_KEY, 0xb);
				n = nest(&m, OVS_PACKET_ATTR_ACTIONS);
				put_u32(&m, OVS_ACTION_ATTR_OUTPUT, port);
				put_u32(&m, OVS_ACTION_ATTR_OUTPUT, port);
				nest_end(&m, n);
				if (go() && i > 50)
					break;
			}
			_exit(0);
		}
		usleep(20000 * (1 + round % 4));
		system("ip link del rg-x0");
		int st = 0;

		waitpid(p, &st, 0);
		bad += !WIFEXITED(st) || WEXITSTATUS(st);
		if (get_vport(rq, dp1, "rg-x0", NULL) != -ENODEV)
			bad++;
	}
	say("xmit_unregistering", "6 devices deleted under EXECUTE output", bad ? -EIO : 0);
}

static void ct_orig_mismatch(void)
{
	uint8_t v4[60] = { 0, 1, 2, 3, 4, 0xee, 0, 1, 2, 3, 4, 0xb, 8, 0, 0x45, 0, 0, 46,
			   0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 };
	uint8_t other[60] = { 0, 1, 2, 3, 4, 0xee, 0, 1, 2, 3, 4, 0xb, 0x12, 0x34 };
	const struct {
		const char *what;
		uint8_t *frame;
		uint16_t tuple;
		size_t len;
	} c[] = {
		{ "IPv4 packet, IPv4 tuple", v4, OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4,
		  sizeof(struct ovs_key_ct_tuple_ipv4) },
		{ "IPv4 packet, IPv6 tuple", v4, OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6,
		  sizeof(struct ovs_key_ct_tuple_ipv6) },
		{ "0x1234 packet, IPv4 tuple", other, OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4,
		  sizeof(struct ovs_key_ct_tuple_ipv4) },
		{ "0x1234 packet, IPv6 tuple", other, OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6,
		  sizeof(struct ovs_key_ct_tuple_ipv6) },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint8_t tuple[64] = { 10, 0, 0, 1, 10, 0, 0, 2 };
		size_t k, a;

		start(F_PACKET, OVS_PACKET_CMD_EXECUTE, dp1, 0);
		put(&m, OVS_PACKET_ATTR_PACKET, c[i].frame, 60);
		k = nest(&m, OVS_PACKET_ATTR_KEY);
		put_u32(&m, OVS_KEY_ATTR_IN_PORT, 1);
		put(&m, c[i].tuple, tuple, c[i].len);
		nest_end(&m, k);
		a = nest(&m, OVS_PACKET_ATTR_ACTIONS);
		put_u32(&m, OVS_ACTION_ATTR_OUTPUT, 1);
		nest_end(&m, a);
		say("ct_orig_mismatch", c[i].what, go());
	}
}

static const struct {
	const char *name;
	void (*run)(void);
} all[] = {
	{ "action_buffer_growth", action_buffer_growth },
	{ "set_short_nested_key", set_short_nested_key },
	{ "negative_ifindex", negative_ifindex },
	{ "genl_version0", genl_version0 },
	{ "ct_limit_netns", ct_limit_netns },
	{ "nested_depth", nested_depth },
	{ "xmit_unregistering", xmit_unregistering },
	{ "ct_orig_mismatch", ct_orig_mismatch },
};

int mode_regress(int argc, char **argv)
{
	const char *which = argc > 1 ? argv[1] : "all";
	int ran = 0, e;

	rq = &s;
	if (nl_open(rq) || nl_resolve(rq)) {
		fprintf(stderr, "ovsfuzz regress: no OVS families\n");
		return 2;
	}
	watch_start();
	del_dp(rq, "rg-dp");
	if ((e = new_dp(rq, "rg-dp", &dp1)) || (e = port_new(dp1, "rg-p1"))) {
		fprintf(stderr, "ovsfuzz regress: base datapath: %s\n", errno_name(e));
		return 2;
	}
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(which, "all") && strcmp(which, all[i].name))
			continue;
		ran++;
		fflush(stdout);
		all[i].run();
		if (watch_splats())
			problem("%s: kernel splat", all[i].name);
		if (watch_taint_changed())
			problem("%s: taint changed", all[i].name);
	}
	del_dp(rq, "rg-dp");
	if (!ran) {
		fprintf(stderr, "ovsfuzz regress: no recipe %s\n", which);
		return 2;
	}
	printf("problems: %d\n", problems);
	return problems ? 1 : 0;
}
