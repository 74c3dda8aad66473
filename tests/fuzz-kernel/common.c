// SPDX-License-Identifier: GPL-2.0
/* ovsfuzz: the kernel watch, counters and clean requests (common.h). */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

unsigned long errno_count[F_COUNT][NERR];
int problems;

static int kmsg = -1, in_dump;
static long taint0;
unsigned long cache_dumps;

static const char *const splat_words[] = {
	"BUG:", "Oops", "WARNING:", "Kernel panic", "general protection fault",
	"Call Trace:", "possible circular locking", "possible recursive locking",
	"suspicious RCU usage", "inconsistent lock state",
	"sleeping function called from invalid context", "KFENCE:", "KASAN:",
	"list_add corruption", "list_del corruption", "UBSAN:", "refcount_t:",
	"rust_panic", "panicked at", "kmemleak:", "INFO: task",
	"rcu: INFO:", "rcu_preempt detected stalls", "lockdep",
	"Unable to handle", "stack-protector", "corrupted stack",
};

static long read_taint(void)
{
	FILE *f = fopen("/proc/sys/kernel/tainted", "r");
	long t = -1;

	if (f) {
		if (fscanf(f, "%ld", &t) != 1)
			t = -1;
		fclose(f);
	}
	return t;
}

void watch_start(void)
{
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);
	taint0 = read_taint();
}

int watch_splats(void)
{
	char rec[8192];
	int n = 0;

	if (kmsg < 0)
		return 0;
	for (;;) {
		ssize_t k = read(kmsg, rec, sizeof(rec) - 1);

		if (k < 0) {
			if (errno == EPIPE) /* overwritten records: go on */
				continue;
			break;
		}
		rec[k] = 0;
		/* Stack dumps that are no splat, each up to "</TASK>": the
		 * kernel's report of a failed kmem_cache_create()
		 * (mm/slab_common.c) or vmalloc() (warn_alloc()), which
		 * fail-nth provokes in module load as for C's module, and
		 * failslab's own with its verbose on. */
		if ((strstr(rec, "__kmem_cache_create_args(") && strstr(rec, "failed with error")) ||
		    strstr(rec, "vmalloc error: size")) {
			in_dump = 1;
			cache_dumps++;
		}
		if (strstr(rec, "FAULT_INJECTION: forcing a failure"))
			in_dump = 1;
		/* kmemleak's own allocation failed under fail-nth. */
		if (strstr(rec, "kmemleak: Cannot allocate a scan area"))
			continue;
		if (in_dump) {
			in_dump = !strstr(rec, "</TASK>");
			continue;
		}
		for (size_t i = 0; i < sizeof(splat_words) / sizeof(splat_words[0]); i++) {
			if (strstr(rec, splat_words[i])) {
				fprintf(stderr, "SPLAT: %s", rec);
				n++;
				break;
			}
		}
	}
	return n;
}

int watch_taint_changed(void)
{
	long t = read_taint();

	if (t != taint0) {
		fprintf(stderr, "TAINT: %ld -> %ld\n", taint0, t);
		taint0 = t;
		return 1;
	}
	return 0;
}

void count_errno(enum fam f, int err)
{
	int e = -err;

	if (e < 0 || e >= NERR)
		e = NERR - 1;
	__atomic_add_fetch(&errno_count[f][e], 1, __ATOMIC_RELAXED);
}

const char *errno_name(int err)
{
	static __thread char b[16];

	switch (-err) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EBUSY: return "EBUSY";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ERANGE: return "ERANGE";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case 524: return "ENOTSUPP";
	case EMSGSIZE: return "EMSGSIZE";
	case ENOBUFS: return "ENOBUFS";
	case E2BIG: return "E2BIG";
	case EOVERFLOW: return "EOVERFLOW";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case ENETUNREACH: return "ENETUNREACH";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ENOTCONN: return "ENOTCONN";
	default:
		snprintf(b, sizeof(b), "E%d", -err);
		return b;
	}
}

void print_errnos(FILE *out)
{
	int distinct = 0;

	for (int e = 0; e < NERR; e++) {
		unsigned long tot = 0;

		for (int f = 0; f < F_COUNT; f++)
			tot += errno_count[f][e];
		if (!tot)
			continue;
		distinct += e != 0;
		fprintf(out, "  %-16s", errno_name(-e));
		for (int f = 0; f < F_COUNT; f++)
			fprintf(out, " %s=%lu", fam_name[f], errno_count[f][e]);
		fprintf(out, "\n");
	}
	fprintf(out, "distinct errnos: %d\n", distinct);
}

void problem(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "PROBLEM: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	__atomic_add_fetch(&problems, 1, __ATOMIC_RELAXED);
}

static __thread struct msg cm;
static __thread struct reply cr;

int get_dp(struct nlsock *s, const char *name, int *ifindex)
{
	msg_start(&cm, s->fam_id[F_DP], 0, OVS_DP_CMD_GET, OVS_DATAPATH_VERSION, 0, 1);
	put_str(&cm, OVS_DP_ATTR_NAME, name);
	msg_finish(&cm);
	nl_transact(s, &cm, &cr, 0);
	if (!cr.err && ifindex && cr.first)
		*ifindex = ((struct ovs_header *)(cr.first + NLMSG_HDRLEN + GENL_HDRLEN))->dp_ifindex;
	return cr.err;
}

int new_dp(struct nlsock *s, const char *name, int *ifindex)
{
	msg_start(&cm, s->fam_id[F_DP], 0, OVS_DP_CMD_NEW, OVS_DATAPATH_VERSION, 0, 1);
	put_str(&cm, OVS_DP_ATTR_NAME, name);
	put_u32(&cm, OVS_DP_ATTR_UPCALL_PID, 0);
	msg_finish(&cm);
	if (nl_transact(s, &cm, &cr, 0))
		return cr.err;
	return get_dp(s, name, ifindex);
}

int del_dp(struct nlsock *s, const char *name)
{
	msg_start(&cm, s->fam_id[F_DP], 0, OVS_DP_CMD_DEL, OVS_DATAPATH_VERSION, 0, 1);
	put_str(&cm, OVS_DP_ATTR_NAME, name);
	msg_finish(&cm);
	return nl_transact(s, &cm, &cr, 0);
}

/* Mutated requests make datapaths under names no thread knows: a DEL by
 * dp_ifindex (no name, as ovs_header allows) for every interface removes
 * them too, and ENODEV answers the others. */
void del_all_dps(struct nlsock *s)
{
	struct if_nameindex *ifs = if_nameindex();

	for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
		msg_start(&cm, s->fam_id[F_DP], 0, OVS_DP_CMD_DEL, OVS_DATAPATH_VERSION,
			  (int)i->if_index, 1);
		msg_finish(&cm);
		nl_transact(s, &cm, &cr, 0);
	}
	if_freenameindex(ifs);
}

int get_vport(struct nlsock *s, int dp_ifindex, const char *name, uint32_t *port_no)
{
	const struct nlattr *a;

	msg_start(&cm, s->fam_id[F_VPORT], 0, OVS_VPORT_CMD_GET, OVS_VPORT_VERSION,
		  dp_ifindex, 1);
	put_str(&cm, OVS_VPORT_ATTR_NAME, name);
	msg_finish(&cm);
	nl_transact(s, &cm, &cr, 0);
	a = cr.err ? NULL : reply_attr(&cr, OVS_VPORT_ATTR_PORT_NO);
	if (port_no && a)
		*port_no = *(const uint32_t *)((const uint8_t *)a + NLA_HDRLEN);
	return cr.err;
}

int get_flow(struct nlsock *s, int dp_ifindex, const uint8_t ufid[16])
{
	msg_start(&cm, s->fam_id[F_FLOW], 0, OVS_FLOW_CMD_GET, OVS_FLOW_VERSION,
		  dp_ifindex, 1);
	put(&cm, OVS_FLOW_ATTR_UFID, ufid, 16);
	msg_finish(&cm);
	return nl_transact(s, &cm, &cr, 0);
}

int get_meter(struct nlsock *s, int dp_ifindex, uint32_t id)
{
	msg_start(&cm, s->fam_id[F_METER], 0, OVS_METER_CMD_GET, OVS_METER_VERSION,
		  dp_ifindex, 1);
	put_u32(&cm, OVS_METER_ATTR_ID, id);
	msg_finish(&cm);
	return nl_transact(s, &cm, &cr, 0);
}

const char *cmd_name(enum fam f, int cmd)
{
	static const char *const dp[] = { "UNSPEC", "NEW", "DEL", "GET", "SET" };
	static const char *const pk[] = { "UNSPEC", "MISS", "ACTION", "EXECUTE" };
	static const char *const me[] = { "UNSPEC", "FEATURES", "SET", "DEL", "GET" };
	static const char *const ct[] = { "UNSPEC", "SET", "DEL", "GET" };

	if (cmd < 0 || cmd > 4)
		return "?";
	switch (f) {
	case F_PACKET: return cmd < 4 ? pk[cmd] : "?";
	case F_METER: return me[cmd];
	case F_CTLIMIT: return cmd < 4 ? ct[cmd] : "?";
	default: return dp[cmd];
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "fuzz"))
		return mode_fuzz(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "failnth"))
		return mode_failnth(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "perm"))
		return mode_perm(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "regress"))
		return mode_regress(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "initnth"))
		return mode_initnth(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "meter"))
		return mode_meter(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "packets"))
		return mode_packets(argc - 1, argv + 1);
	fprintf(stderr,
		"usage: ovsfuzz fuzz [--seed N] [--steps N] [--threads 1|2] [--mutate PCT]\n"
		"                    [--no-ct] [--log FILE [--trace STEP]] [--netdev DEV]...\n"
		"       ovsfuzz failnth [--max N] [--step K] [--only NAME] [--full NAME]\n"
		"       ovsfuzz perm\n"
		"       ovsfuzz regress NAME|all\n"
		"       ovsfuzz initnth --ko FILE [--params S] [--from N|init] [--max N] [--step K]\n"
		"                       [--cycle-every K]\n"
		"       ovsfuzz meter DP ID RATE\n"
		"       ovsfuzz packets [--seed N] [--packets N] [--churn N] [--deterministic]\n"
		"                       [--fail-realloc] [--fail-alloc PCT]\n");
	return 2;
}
