// SPDX-License-Identifier: GPL-2.0
/*
 * ovsfuzz failnth: systematic allocation failure. For every command of
 * every family, fail the 1st, 2nd, ... slab allocation of the calling task
 * (/proc/thread-self/fail-nth, with failslab's ignore-gfp-wait off) until
 * the call no longer reaches the nth one (--step K: every Kth in the
 * requests that make or remove a device, which allocate hundreds, but
 * every one in the recipes named by --full: those that add a port). Each
 * failed call must leave the state a later GET sees as it was, and the
 * identical request must then succeed; its errno is listed. A call that succeeds
 * despite its failed allocation (a notification that could not be sent)
 * must leave the state a clean success leaves. kmemleak (the VM test)
 * finds leaks.
 */
#include "requests.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct nlsock s;
static unsigned long injections, failed_calls, swallowed;

/* The observable state: every GET and dump the recipes touch, each part
 * hashed (FNV-1a), so a mismatch can say which part changed. */
enum { P_DP2, P_DP, P_PORTS, P_PORT1, P_PORT2, P_FLOWS, P_FLOWA, P_FLOWB,
       P_METER1, P_METER2, P_CTLIMIT, P_COUNT };
static const char *const part_name[P_COUNT] = {
	"fn-dp2 GET", "fn-dp features", "vport dump", "fnp1 upcall pid", "fnp2 GET",
	"flow dump", "flow A actions", "flow B GET", "meter 1 bands", "meter 2 bands",
	"ct limits",
};

struct snap {
	uint64_t part[P_COUNT];
};

#define COUNT_ONLY 0xffff /* part(): a dump's order is the table's */

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* errno, message count and, if the reply has it, attribute TYPE (0: the
 * whole reply less its netlink header, whose sequence number differs).
 * A meter's reply is not hashed whole: its USED time is its creation's. */
static uint64_t part(int err, uint16_t type)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const struct nlattr *a;

	h = mix(h, &err, sizeof(err));
	h = mix(h, &r.nmsgs, sizeof(r.nmsgs));
	if (err || r.nmsgs != 1 || !r.first || type == COUNT_ONLY)
		return h;
	if (!type)
		return mix(h, r.first + NLMSG_HDRLEN, r.first_len - NLMSG_HDRLEN);
	a = reply_attr(&r, type);
	return a ? mix(h, a, a->nla_len) : h;
}

/* GET by name or UFID, answered in r (common.h's helpers answer in their
 * own reply). */
static int get_named(enum fam f, uint16_t attr, int dp, const char *name)
{
	start(f, f == F_DP ? OVS_DP_CMD_GET : OVS_VPORT_CMD_GET, dp, 0);
	put_str(&m, attr, name);
	return go();
}

static int get_ufid(const uint8_t *ufid)
{
	start(F_FLOW, OVS_FLOW_CMD_GET, dp1, 0);
	put(&m, OVS_FLOW_ATTR_UFID, ufid, 16);
	return go();
}

/* The limits of zones 3 and 4 (the recipes' zones), by name: a GET of all
 * zones lists them in the module's hash order. */
static int get_limits(void)
{
	struct ovs_zone_limit z3 = { .zone_id = 3 }, z4 = { .zone_id = 4 };
	size_t n;

	start(F_CTLIMIT, OVS_CT_LIMIT_CMD_GET, 0, 0);
	n = nest(&m, OVS_CT_LIMIT_ATTR_ZONE_LIMIT);
	put_raw(&m, &z3, sizeof(z3));
	put_raw(&m, &z4, sizeof(z4));
	nest_end(&m, n);
	return go();
}

static uint64_t limits_part(int err);

static void snapshot(struct snap *sn)
{
	sn->part[P_DP2] = part(get_named(F_DP, OVS_DP_ATTR_NAME, 0, "fn-dp2"), OVS_DP_ATTR_NAME);
	sn->part[P_DP] = part(get_named(F_DP, OVS_DP_ATTR_NAME, 0, "fn-dp"),
			      OVS_DP_ATTR_USER_FEATURES);
	sn->part[P_PORTS] = part(dump(F_VPORT, OVS_VPORT_CMD_GET, dp1), COUNT_ONLY);
	sn->part[P_PORT1] = part(get_named(F_VPORT, OVS_VPORT_ATTR_NAME, dp1, "fnp1"),
				 OVS_VPORT_ATTR_UPCALL_PID);
	sn->part[P_PORT2] = part(get_named(F_VPORT, OVS_VPORT_ATTR_NAME, dp1, "fnp2"),
				 OVS_VPORT_ATTR_PORT_NO);
	sn->part[P_FLOWS] = part(dump(F_FLOW, OVS_FLOW_CMD_GET, dp1), COUNT_ONLY);
	sn->part[P_FLOWA] = part(get_ufid(ufid_a), OVS_FLOW_ATTR_ACTIONS);
	sn->part[P_FLOWB] = part(get_ufid(ufid_b), OVS_FLOW_ATTR_ACTIONS);
	sn->part[P_METER1] = part(meter_cmd(OVS_METER_CMD_GET, 1), OVS_METER_ATTR_BANDS);
	sn->part[P_METER2] = part(meter_cmd(OVS_METER_CMD_GET, 2), OVS_METER_ATTR_BANDS);
	sn->part[P_CTLIMIT] = limits_part(get_limits());
}

/* The zones' ids and limits, not their connection counts. */
static uint64_t limits_part(int err)
{
	const struct nlattr *n = err ? NULL : reply_attr(&r, OVS_CT_LIMIT_ATTR_ZONE_LIMIT);
	uint64_t h = mix(0xcbf29ce484222325ULL, &err, sizeof(err));
	const uint8_t *p;
	int rem;

	if (!n)
		return h;
	/* A bare array of struct ovs_zone_limit (nla_put_nohdr()). */
	p = (const uint8_t *)n + NLA_HDRLEN;
	rem = n->nla_len - NLA_HDRLEN;
	for (; rem >= (int)sizeof(struct ovs_zone_limit); rem -= NLA_ALIGN(sizeof(struct ovs_zone_limit))) {
		const struct ovs_zone_limit *z = (const void *)p;

		h = mix(h, &z->zone_id, sizeof(z->zone_id));
		h = mix(h, &z->limit, sizeof(z->limit));
		p += NLA_ALIGN(sizeof(*z));
	}
	return h;
}

/* The parts that differ, named, into buf; 0 if none. */
static int differs(const struct snap *a, const struct snap *b, char *buf, size_t size)
{
	int n = 0;

	buf[0] = 0;
	for (int i = 0; i < P_COUNT; i++) {
		if (a->part[i] == b->part[i])
			continue;
		if (strlen(buf) + strlen(part_name[i]) + 3 < size)
			strcat(strcat(buf, n ? ", " : ""), part_name[i]);
		n++;
	}
	return n;
}

struct recipe {
	const char *name;
	int (*run)(void);
	int (*setup)(void); /* makes the state the run starts from */
	int (*undo)(void);  /* back to the base state after a success */
	int heavy; /* makes or removes a device: hundreds of allocations */
};

/* A recipe's run is one request answered in r (r.lost_answer is read). */
static int r_dp_new(void)
{
	start(F_DP, OVS_DP_CMD_NEW, 0, 0);
	put_str(&m, OVS_DP_ATTR_NAME, "fn-dp2");
	put_u32(&m, OVS_DP_ATTR_UPCALL_PID, 0);
	return go();
}

static int r_dp_del(void)
{
	start(F_DP, OVS_DP_CMD_DEL, 0, 0);
	put_str(&m, OVS_DP_ATTR_NAME, "fn-dp2");
	return go();
}

static int r_dp_set(void) { return dp_set("fn-dp", 1); }
static int r_dp_set_undo(void) { return dp_set("fn-dp", 0); }
static int r_dp_get(void) { return get_named(F_DP, OVS_DP_ATTR_NAME, 0, "fn-dp"); }
static int r_dp_dump(void) { return dump(F_DP, OVS_DP_CMD_GET, 0); }
static int r_vp_new(void) { return port_new(dp1, "fnp2"); }
static int r_vp_del(void) { return port_del(dp1, "fnp2"); }
static int r_vp_set(void) { return port_set(77); }
static int r_vp_set_undo(void) { return port_set(0); }
static int r_vp_get(void) { return get_named(F_VPORT, OVS_VPORT_ATTR_NAME, dp1, "fnp1"); }
static int r_vp_dump(void) { return dump(F_VPORT, OVS_VPORT_CMD_GET, dp1); }
static int r_fl_new(void) { return flow_new(ufid_b, 0xb); }
static int r_fl_del(void) { return flow_del(ufid_b); }
static int r_fl_set(void) { return flow_set(1); }
static int r_fl_set_undo(void) { return flow_set(0); }
static int r_fl_get(void) { return get_ufid(ufid_a); }
static int r_fl_dump(void) { return dump(F_FLOW, OVS_FLOW_CMD_GET, dp1); }
static int r_fl_flush(void) { return flow_del(NULL); }
static int r_fl_readd(void)
{
	int e = flow_new(ufid_a, 0xa);

	return e ? e : flow_new(ufid_b, 0xb);
}
static int r_pk_exec(void) { return execute(); }
static int r_me_feat(void) { return meter_cmd(OVS_METER_CMD_FEATURES, 0); }
static int r_me_new(void) { return meter_set(2, 1000); }
static int r_me_del(void) { return meter_cmd(OVS_METER_CMD_DEL, 2); }
static int r_me_set(void) { return meter_set(1, 2000); }
static int r_me_set_undo(void) { return meter_set(1, 1000); }
static int r_me_get(void) { return meter_cmd(OVS_METER_CMD_GET, 1); }
static int r_ct_set(void) { return ct_limit(OVS_CT_LIMIT_CMD_SET, 4, 20); }
static int r_ct_del4(void) { return ct_limit(OVS_CT_LIMIT_CMD_DEL, 4, 0); }
static int r_ct_del3(void) { return ct_limit(OVS_CT_LIMIT_CMD_DEL, 3, 0); }
static int r_ct_set3(void) { return ct_limit(OVS_CT_LIMIT_CMD_SET, 3, 10); }
static int r_ct_get(void) { return ct_limit(OVS_CT_LIMIT_CMD_GET, 3, 0); }

static const struct recipe recipes[] = {
	{ "ovs_datapath NEW", r_dp_new, NULL, r_dp_del, 1 },
	{ "ovs_datapath DEL", r_dp_del, dp2_new, dp2_new, 1 },
	{ "ovs_datapath SET", r_dp_set, NULL, r_dp_set_undo, 0 },
	{ "ovs_datapath GET", r_dp_get, NULL, NULL, 0 },
	{ "ovs_datapath dump", r_dp_dump, NULL, NULL, 0 },
	{ "ovs_vport NEW", r_vp_new, NULL, r_vp_del, 1 },
	{ "ovs_vport DEL", r_vp_del, r_vp_new, r_vp_new, 1 },
	{ "ovs_vport SET", r_vp_set, NULL, r_vp_set_undo, 0 },
	{ "ovs_vport GET", r_vp_get, NULL, NULL, 0 },
	{ "ovs_vport dump", r_vp_dump, NULL, NULL, 0 },
	{ "ovs_flow NEW", r_fl_new, NULL, r_fl_del, 0 },
	{ "ovs_flow DEL", r_fl_del, r_fl_new, r_fl_new, 0 },
	{ "ovs_flow SET", r_fl_set, NULL, r_fl_set_undo, 0 },
	{ "ovs_flow GET", r_fl_get, NULL, NULL, 0 },
	{ "ovs_flow dump", r_fl_dump, NULL, NULL, 0 },
	{ "ovs_flow DEL (flush)", r_fl_flush, NULL, r_fl_readd, 0 },
	{ "ovs_packet EXECUTE", r_pk_exec, NULL, NULL, 0 },
	{ "ovs_meter FEATURES", r_me_feat, NULL, NULL, 0 },
	{ "ovs_meter SET (new)", r_me_new, NULL, r_me_del, 0 },
	{ "ovs_meter SET (replace)", r_me_set, NULL, r_me_set_undo, 0 },
	{ "ovs_meter GET", r_me_get, NULL, NULL, 0 },
	{ "ovs_meter DEL", r_me_del, r_me_new, r_me_new, 0 },
	{ "ovs_ct_limit SET", r_ct_set, NULL, r_ct_del4, 0 },
	{ "ovs_ct_limit GET", r_ct_get, NULL, NULL, 0 },
	{ "ovs_ct_limit DEL", r_ct_del3, NULL, r_ct_set3, 0 },
};

static int fail_fd = -1;

static void set_nth(unsigned int n)
{
	char b[16];
	int k = snprintf(b, sizeof(b), "%u", n);

	if (pwrite(fail_fd, b, k, 0) != k) {
		perror("fail-nth");
		exit(2);
	}
}

static unsigned int get_nth(void)
{
	char b[16] = { 0 };

	if (pread(fail_fd, b, sizeof(b) - 1, 0) <= 0)
		return 0;
	return strtoul(b, NULL, 10);
}

static int base(void)
{
	int e;

	/* Limits are per namespace: a fuzz run before may have left some
	 * (zone 4's, the default) that the recipes' undos would not give
	 * back. */
	ct_limit(OVS_CT_LIMIT_CMD_DEL, 4, 0);
	ct_limit(OVS_CT_LIMIT_CMD_DEL, OVS_ZONE_LIMIT_DEFAULT_ZONE, 0);

	if ((e = new_dp(rq, "fn-dp", &dp1)) || (e = port_new(dp1, "fnp1")) ||
	    (e = flow_new(ufid_a, 0xa)) || (e = meter_set(1, 1000)) ||
	    (e = ct_limit(OVS_CT_LIMIT_CMD_SET, 3, 10)))
		return e;
	return 0;
}

/* A failed allocation must read as one: ENOMEM, or ENOBUFS (no room for
 * the answer, or recv()'s). openvswitch.ko also answers EINVAL where the
 * allocation fails inside device registration, so a recipe that makes or
 * removes a device may too. Anything else (EMSGSIZE, say) tells the caller
 * its request was wrong when it was the kernel that ran short. */
static int alloc_errno(const struct recipe *rc, int e)
{
	return e == -ENOMEM || e == -ENOBUFS || (rc->heavy && e == -EINVAL);
}

/* Which errnos the failed calls of a recipe gave, listed. */
static void note_errno(char *set, size_t size, int e)
{
	const char *name = errno_name(e);
	char word[24];

	snprintf(word, sizeof(word), " %s", name);
	if (!strstr(set, word) && strlen(set) + strlen(word) < size)
		strcat(set, word);
}

static void one(const struct recipe *rc, unsigned int max, unsigned int step)
{
	struct snap before, after, now;
	unsigned int n, points = 0;
	char errnos[128] = "", what[256];
	int e;

	if (rc->setup && (e = rc->setup()))
		problem("%s: setup failed: %s", rc->name, errno_name(e));
	snapshot(&before);
	if ((e = rc->run())) {
		problem("%s: fails with no injection: %s", rc->name, errno_name(e));
		return;
	}
	snapshot(&after);
	if (rc->undo && (e = rc->undo()))
		problem("%s: undo failed: %s", rc->name, errno_name(e));
	snapshot(&now);
	/* No injection yet: a harness limit (the undo is not the inverse
	 * the recipe assumes), not a module failure. Said, not judged. */
	if (differs(&now, &before, what, sizeof(what))) {
		printf("  %-26s SKIPPED: its undo does not restore %s\n", rc->name, what);
		return;
	}
	for (n = 1; n <= max; n += step) {
		unsigned int left;
		int ran;

		set_nth(n);
		e = rc->run();
		left = get_nth();
		set_nth(0);
		if (left) { /* fewer than n allocations: a clean success */
			if (e)
				problem("%s: fails with no failed allocation: %s", rc->name,
					errno_name(e));
			else if (rc->undo && (e = rc->undo()))
				problem("%s: undo failed: %s", rc->name, errno_name(e));
			break;
		}
		points++;
		injections++;
		/* ENOBUFS from recv(): the request ran, its answer was lost. */
		ran = !e || (e == -ENOBUFS && r.lost_answer);
		snapshot(&now);
		if (e) {
			failed_calls++;
			note_errno(errnos, sizeof(errnos), e);
			if (!alloc_errno(rc, e))
				problem("%s: allocation %u failed, answered %s", rc->name, n,
					errno_name(e));
		} else {
			swallowed++;
		}
		if (!e) {
			if (differs(&now, &after, what, sizeof(what)))
				problem("%s: allocation %u: succeeded, but %s differ from a clean success",
					rc->name, n, what);
		} else if (ran) {
			if (differs(&now, &after, what, sizeof(what)) &&
			    differs(&now, &before, what, sizeof(what)))
				problem("%s: allocation %u: answer lost, and %s neither as before nor as after",
					rc->name, n, what);
		} else if (differs(&now, &before, what, sizeof(what))) {
			problem("%s: allocation %u failed (%s) but %s changed", rc->name, n,
				errno_name(e), what);
		}
		if (e && !differs(&now, &before, what, sizeof(what))) {
			/* Nothing happened: the same request must now work. */
			if ((e = rc->run()))
				problem("%s: after allocation %u failed, the same request fails: %s",
					rc->name, n, errno_name(e));
			snapshot(&now);
			if (!e && differs(&now, &after, what, sizeof(what)))
				problem("%s: after allocation %u failed, the retry leaves %s other than a clean success",
					rc->name, n, what);
		}
		if (rc->undo && !differs(&now, &after, what, sizeof(what)) && (e = rc->undo()))
			problem("%s: allocation %u: undo failed: %s", rc->name, n, errno_name(e));
		if (watch_splats())
			problem("%s: kernel splat at allocation %u", rc->name, n);
	}
	printf("  %-26s %3u allocation points failed%s; errnos:%s\n", rc->name, points,
	       n > max ? " (stopped at --max)" : "", errnos[0] ? errnos : " none");
}

int mode_failnth(int argc, char **argv)
{
	unsigned int max = 1000, step = 1;
	const char *only = NULL, *full = NULL;
	int e;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--max") && i + 1 < argc)
			max = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--step") && i + 1 < argc)
			step = atoi(argv[++i]) > 0 ? atoi(argv[i]) : 1;
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--full") && i + 1 < argc)
			full = argv[++i];
		else {
			fprintf(stderr, "ovsfuzz failnth: bad argument %s\n", argv[i]);
			return 2;
		}
	}
	fail_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fail_fd < 0) {
		perror("/proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION?)");
		return 2;
	}
	/* A namespace of its own: ct limits are per namespace, and a fuzz
	 * run before leaves some behind. */
	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET)");
		return 2;
	}
	rq = &s;
	if (nl_open(rq) || nl_resolve(rq)) {
		fprintf(stderr, "ovsfuzz failnth: no OVS families\n");
		return 2;
	}
	watch_start();
	del_dp(rq, "fn-dp");
	del_dp(rq, "fn-dp2");
	if ((e = base())) {
		fprintf(stderr, "ovsfuzz failnth: base state: %s\n", errno_name(e));
		return 2;
	}
	for (size_t i = 0; i < sizeof(recipes) / sizeof(recipes[0]); i++) {
		if (only && !strstr(recipes[i].name, only))
			continue;
		if (full && strstr(recipes[i].name, full))
			one(&recipes[i], 1000, 1);
		else
			one(&recipes[i], max, recipes[i].heavy ? step : 1);
	}
	del_dp(rq, "fn-dp");
	del_dp(rq, "fn-dp2");
	ct_limit(OVS_CT_LIMIT_CMD_DEL, 3, 0);
	if (watch_splats())
		problem("kernel splat");
	if (watch_taint_changed())
		problem("taint changed");
	printf("fail-nth: %lu injections, %lu failed calls, %lu calls that succeeded anyway\n",
	       injections, failed_calls, swallowed);
	printf("problems: %d\n", problems);
	return problems ? 1 : 0;
}
