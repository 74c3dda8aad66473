// SPDX-License-Identifier: GPL-2.0
/*
 * ovsfuzz: the module's load under systematic allocation failure
 * (initnth), and the meters the lifecycle test needs (meter; ovs-dpctl has
 * no meter command, and Python in the guest costs seconds a request).
 *
 * initnth loads the module with the 1st, 2nd, ... fault point of
 * finit_module() failed through /proc/thread-self/fail-nth, in this one
 * process: insmod under sh would spend the first few hundred points on
 * exec and the dynamic loader. The module:module_load trace event (fired
 * right before do_init_module()) tells the points of the module loader
 * from those of module init. After each failure nothing of the module may
 * be left: no /proc/modules line, no ovs_* family, no "openvswitch" link
 * kind (where the module's init ran), no splat, the taint unchanged; a
 * load that absorbed the failure must work; and a clean load, a datapath
 * made and deleted and an unload must work after failures.
 */
#include "requests.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MODNAME "openvswitch_rs"
#define TRACE_PIPE "/sys/kernel/tracing/trace_pipe"

static int fail_fd = -1, trace_fd = -1, ko_fd = -1;
static const char *params = "";

static int module_listed(void)
{
	char line[512];
	FILE *f = fopen("/proc/modules", "r");
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, MODNAME " ", sizeof(MODNAME)))
			found = 1;
	fclose(f);
	return found;
}

/* Whether module_load fired for the module since the last call. */
static int reached_init(void)
{
	char buf[4096];
	int seen = 0;
	ssize_t n;

	while ((n = read(trace_fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = 0;
		if (strstr(buf, "module_load: " MODNAME))
			seen = 1;
	}
	return seen;
}

/* finit_module() with the nth fault point failed (0: none); the call's
 * errno in *err, and whether the injection was consumed (if not, the
 * points the call passed in *passed). */
static int load_nth(unsigned long nth, int *err, int *consumed, unsigned long *passed)
{
	char b[32];
	ssize_t n;
	int rc;

	snprintf(b, sizeof(b), "%lu", nth);
	if (nth && pwrite(fail_fd, b, strlen(b), 0) < 0)
		return -errno;
	rc = syscall(SYS_finit_module, ko_fd, params, 0);
	*err = rc ? errno : 0;
	n = pread(fail_fd, b, sizeof(b) - 1, 0);
	/* Disarm before anything else runs in this task. */
	if (pwrite(fail_fd, "0", 1, 0) < 0)
		return -errno;
	if (n <= 0)
		return -EIO;
	b[n] = 0;
	*passed = nth - strtoul(b, NULL, 10);
	*consumed = nth && *passed == nth;
	return 0;
}

static int unload(void)
{
	return syscall(SYS_delete_module, MODNAME, O_NONBLOCK) ? -errno : 0;
}

/* What a failed load must leave: no trace of the module. */
static void check_nothing_left(unsigned long nth, int in_init)
{
	static struct nlsock s;
	static struct msg cm;
	static struct reply cr;

	if (module_listed())
		problem("N=%lu: " MODNAME " is in /proc/modules after its load failed", nth);
	if (s.fd <= 0 && nl_open(&s))
		problem("N=%lu: no generic netlink socket", nth);
	for (int f = 0; f < F_COUNT; f++)
		if (resolve_one(&s, fam_name[f], &cm, &cr))
			problem("N=%lu: family %s still registered", nth, fam_name[f]);
	/* An unknown kind is refused with this extack message; a registered
	 * one (ops without setup) with EOPNOTSUPP and none. Asking loads
	 * nothing: the test blocks openvswitch.ko's aliases. */
	if (in_init && system("ip link add ovsrs-probe type openvswitch 2>&1 | "
			      "grep -q 'Unknown device type'"))
		problem("N=%lu: link kind openvswitch still registered", nth);
	if (watch_splats())
		problem("N=%lu: kernel splat (above)", nth);
	if (watch_taint_changed())
		problem("N=%lu: taint changed", nth);
}

/* The loaded module works: its families, a datapath made and deleted. */
static void check_working(const char *when)
{
	static struct nlsock s;
	int err, ifindex = 0;

	if (s.fd <= 0 && nl_open(&s))
		problem("%s: no generic netlink socket", when);
	else if ((err = nl_resolve(&s)))
		problem("%s: families after a clean load: %s", when, errno_name(err));
	else if ((err = new_dp(&s, "initnth", &ifindex)) || ifindex <= 0)
		problem("%s: datapath NEW: %s", when, errno_name(err));
	else if ((err = del_dp(&s, "initnth")))
		problem("%s: datapath DEL: %s", when, errno_name(err));
}

/* A clean load, check_working(), an unload. */
static void clean_cycle(const char *when)
{
	int err, consumed;
	unsigned long passed;

	if (load_nth(0, &err, &consumed, &passed) || err) {
		problem("%s: clean load failed: %s", when, strerror(err));
		return;
	}
	check_working(when);
	if ((err = unload()))
		problem("%s: unload: %s", when, errno_name(err));
	reached_init();
}

/* One load with the nth point failed, undone if it succeeded: whether it
 * got to module init (the module_load event); the points a load passes if
 * the injection was not reached. */
static int probe(unsigned long nth, unsigned long *points)
{
	int err, consumed;
	unsigned long passed;

	if (load_nth(nth, &err, &consumed, &passed))
		return perror("initnth: fail-nth"), exit(1), 0;
	if (!err && unload())
		problem("probe N=%lu: unload: %s", nth, strerror(errno));
	if (!err && !consumed)
		*points = passed;
	if (watch_splats())
		problem("probe N=%lu: kernel splat (above)", nth);
	return reached_init();
}

/* The first N whose failure falls in do_init_module() (the points before
 * it are the module loader's), by bisection: a load gets to module init
 * when N is past the loader's points (or when the loader absorbed the
 * failure, as of kmemleak's own allocations: then the start is early,
 * which only costs loads). */
static unsigned long first_init_point(void)
{
	unsigned long points = 0, lo = 1, hi;

	probe(1UL << 30, &points);
	if (!points)
		return problem("a load with no injection failed"), 1;
	hi = points;
	while (lo < hi) {
		unsigned long mid = lo + (hi - lo) / 2;

		if (probe(mid, &points))
			hi = mid;
		else
			lo = mid + 1;
	}
	printf("a load passes %lu fault points; module init's start at N=%lu\n", points, lo);
	return lo;
}

int mode_initnth(int argc, char **argv)
{
	unsigned long from = 1, max = 100000, step = 1, cycle_every = 1;
	unsigned long nth, tried = 0, in_init = 0, first_init = 0, anyway = 0, points = 0;
	const char *ko = NULL;
	int done = 0, from_init = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--ko") && i + 1 < argc)
			ko = argv[++i];
		else if (!strcmp(argv[i], "--params") && i + 1 < argc)
			params = argv[++i];
		else if (!strcmp(argv[i], "--from") && i + 1 < argc)
			from_init = !strcmp(argv[++i], "init"), from = strtoul(argv[i], NULL, 0);
		else if (!strcmp(argv[i], "--max") && i + 1 < argc)
			max = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--step") && i + 1 < argc)
			step = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--cycle-every") && i + 1 < argc)
			cycle_every = strtoul(argv[++i], NULL, 0);
		else
			return fprintf(stderr, "initnth: unknown argument %s\n", argv[i]), 2;
	}
	if (!ko || !step || !cycle_every || (!from && !from_init))
		return fprintf(stderr, "usage: ovsfuzz initnth --ko FILE [--params S] [--from N|init] [--max N] [--step K] [--cycle-every K]\n"), 2;
	ko_fd = open(ko, O_RDONLY | O_CLOEXEC);
	fail_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	trace_fd = open(TRACE_PIPE, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (ko_fd < 0 || fail_fd < 0 || trace_fd < 0)
		return perror("initnth: the module, fail-nth or " TRACE_PIPE), 1;
	if (module_listed())
		return fprintf(stderr, "initnth: " MODNAME " is loaded already\n"), 1;
	watch_start();
	reached_init();
	if (from_init)
		from = first_init_point();

	for (nth = from; nth <= max && !done; nth += step) {
		int err, consumed, init;
		unsigned long passed;

		if (load_nth(nth, &err, &consumed, &passed))
			return perror("initnth: fail-nth"), 1;
		tried++;
		init = reached_init();
		if (!err) {
			/* Loaded: with the injection unused, every point has been
			 * tried; a consumed one was a failure the load absorbed,
			 * and the module must work all the same. */
			if (consumed) {
				char when[48];

				anyway++;
				snprintf(when, sizeof(when), "loaded despite N=%lu", nth);
				check_working(when);
				if (watch_splats())
					problem("N=%lu: kernel splat (above)", nth);
			} else {
				done = 1, points = passed;
			}
			if (unload())
				problem("N=%lu: unload after a load that succeeded: %s", nth,
					strerror(errno));
			reached_init();
			continue;
		}
		if (!consumed)
			problem("N=%lu: load failed (%s) without the injection", nth, strerror(err));
		if (err != ENOMEM)
			printf("N=%lu: load failed with %s%s\n", nth, strerror(err),
			       init ? " in module init" : "");
		if (init && !first_init)
			first_init = nth;
		in_init += init;
		check_nothing_left(nth, init);
		if (init && in_init % cycle_every == 0) {
			char when[48];

			snprintf(when, sizeof(when), "after N=%lu", nth);
			clean_cycle(when);
		}
	}
	clean_cycle("at the end");
	if (!done)
		problem("the load still reached the injection at N=%lu (--max)", nth - step);
	printf("init fail-nth: %lu loads (N %lu..%lu step %lu), %lu failed in module init (from N=%lu), "
	       "%lu succeeded despite the failure; a load passes %lu fault points",
	       tried, from, nth - step, step, in_init, first_init, anyway, points);
	if (step == 1 && first_init && points)
		printf(", %lu of them from do_init_module() on", points - first_init + 1);
	printf("; %lu failed in kmem_cache_create() or vmalloc() (the kernel's stack dump)\n",
	       cache_dumps);
	printf("problems: %d\n", problems);
	return problems ? 1 : 0;
}

/* meter DP ID RATE: a drop-band meter on datapath DP (this namespace's). */
int mode_meter(int argc, char **argv)
{
	static struct nlsock s;
	int err;

	if (argc != 4)
		return fprintf(stderr, "usage: ovsfuzz meter DP ID RATE\n"), 2;
	rq = &s;
	if ((err = nl_open(rq)) || (err = nl_resolve(rq)) || (err = get_dp(rq, argv[1], &dp1)) ||
	    (err = meter_set(strtoul(argv[2], NULL, 0), strtoul(argv[3], NULL, 0)))) {
		fprintf(stderr, "meter %s %s: %s\n", argv[1], argv[2], errno_name(err));
		return 1;
	}
	return 0;
}
