// SPDX-License-Identifier: GPL-2.0
/*
 * ovsfuzz fuzz: seeded sequences of grammar-built, partly mutated requests
 * over the six families from one or two threads. Each thread owns its
 * datapaths (fz<T>-d<N>), so what it was told (acks) is checked at once by
 * a GET: an acked NEW is there, an acked DEL is gone. The second thread
 * also dumps the first's flows with a small buffer while they are deleted.
 * With --log, one line per request ("step family cmd mutated errno
 * nmsgs"): single-threaded runs of one seed on openvswitch.ko and on
 * openvswitch_rs are compared line by line (the differential mode).
 */
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t seed = 1;
static long steps = 10000;
static int nthreads = 2;
static int mutate = 30;
static int no_ct;
static long trace = -1;
static const char *logpath;
static const char *netdevs[4];
static int nnetdevs;
static unsigned long sent[F_COUNT];
static unsigned long checks, dumps_bad;
static struct world worlds[2];
static volatile int stop;

struct op {
	enum fam fam;
	uint8_t cmd;
	int dump;
	int weight;
};

static const struct op ops[] = {
	{ F_DP, OVS_DP_CMD_NEW, 0, 3 },	      { F_DP, OVS_DP_CMD_DEL, 0, 1 },
	{ F_DP, OVS_DP_CMD_GET, 0, 2 },	      { F_DP, OVS_DP_CMD_SET, 0, 3 },
	{ F_DP, OVS_DP_CMD_GET, 1, 1 },	      { F_VPORT, OVS_VPORT_CMD_NEW, 0, 8 },
	{ F_VPORT, OVS_VPORT_CMD_DEL, 0, 3 }, { F_VPORT, OVS_VPORT_CMD_GET, 0, 3 },
	{ F_VPORT, OVS_VPORT_CMD_SET, 0, 3 }, { F_VPORT, OVS_VPORT_CMD_GET, 1, 1 },
	{ F_FLOW, OVS_FLOW_CMD_NEW, 0, 24 },  { F_FLOW, OVS_FLOW_CMD_SET, 0, 6 },
	{ F_FLOW, OVS_FLOW_CMD_GET, 0, 5 },   { F_FLOW, OVS_FLOW_CMD_DEL, 0, 8 },
	{ F_FLOW, OVS_FLOW_CMD_GET, 1, 3 },   { F_PACKET, OVS_PACKET_CMD_EXECUTE, 0, 16 },
	{ F_METER, OVS_METER_CMD_FEATURES, 0, 1 }, { F_METER, OVS_METER_CMD_SET, 0, 5 },
	{ F_METER, OVS_METER_CMD_GET, 0, 2 }, { F_METER, OVS_METER_CMD_DEL, 0, 2 },
	{ F_METER, OVS_METER_CMD_GET, 1, 1 }, { F_CTLIMIT, OVS_CT_LIMIT_CMD_SET, 0, 2 },
	{ F_CTLIMIT, OVS_CT_LIMIT_CMD_GET, 0, 2 }, { F_CTLIMIT, OVS_CT_LIMIT_CMD_DEL, 0, 1 },
};

static const struct op *pick(struct rng *r, struct world *w)
{
	int total = 0, any = 0, x;

	for (int i = 0; i < NDP; i++)
		any |= w->dp_alive[i];
	/* Without a datapath most requests can only fail: make one. */
	if (!any && chance(r, 80))
		return &ops[0];
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		total += ops[i].weight;
	x = below(r, total);
	for (size_t i = 0;; i++) {
		x -= ops[i].weight;
		if (x < 0)
			return &ops[i];
	}
}

/* The model after an acked clean request, checked by a GET. */
static void after_ack(struct nlsock *s, struct gen *g, const struct req *q)
{
	struct world *w = g->w;
	int *ifx = &w->dp_ifindex[q->dp];
	uint8_t ufid[16];
	uint32_t port;
	int e;

	checks++;
	switch (q->fam) {
	case F_DP:
		if (q->cmd == OVS_DP_CMD_NEW) {
			e = get_dp(s, w->dpname[q->dp], ifx);
			if (e)
				problem("%s: acked DP NEW, GET gives %s", w->dpname[q->dp], errno_name(e));
			w->dp_alive[q->dp] = !e;
			memset(w->port_no[q->dp], 0, sizeof(w->port_no[q->dp]));
			memset(w->flow_alive[q->dp], 0, sizeof(w->flow_alive[q->dp]));
			memset(w->meter_alive[q->dp], 0, sizeof(w->meter_alive[q->dp]));
		} else if (q->cmd == OVS_DP_CMD_DEL) {
			/* (by name or by ifindex: refresh every one) */
			for (int d = 0; d < NDP; d++) {
				int was = w->dp_alive[d];

				w->dp_alive[d] = !get_dp(s, w->dpname[d], &w->dp_ifindex[d]);
				if (was && !w->dp_alive[d]) {
					memset(w->port_no[d], 0, sizeof(w->port_no[d]));
					memset(w->flow_alive[d], 0, sizeof(w->flow_alive[d]));
					memset(w->meter_alive[d], 0, sizeof(w->meter_alive[d]));
				}
			}
		}
		break;
	case F_VPORT:
		/* Replies come only with NLM_F_ECHO: GET by the name sent. */
		if (!w->dp_alive[q->dp] || !q->name)
			break;
		e = get_vport(s, *ifx, q->name, &port);
		if (q->cmd == OVS_VPORT_CMD_NEW) {
			if (e)
				problem("acked VPORT NEW %s: GET gives %s", q->name, errno_name(e));
			if (!strcmp(q->name, w->portname[q->dp][q->obj]))
				w->port_no[q->dp][q->obj] = e ? 0 : port;
		} else if (q->cmd == OVS_VPORT_CMD_DEL) {
			if (e != -ENODEV)
				problem("acked VPORT DEL %s: GET gives %s", q->name, errno_name(e));
			for (int p = 0; p < NPORT; p++)
				if (!strcmp(q->name, w->portname[q->dp][p]))
					w->port_no[q->dp][p] = 0;
		}
		break;
	case F_FLOW:
		if (!w->dp_alive[q->dp])
			break;
		if (q->obj < 0) { /* by key or a flush: the model forgets */
			if (q->cmd == OVS_FLOW_CMD_DEL)
				memset(w->flow_alive[q->dp], 0, sizeof(w->flow_alive[q->dp]));
			break;
		}
		gen_ufid(g, q->dp, q->obj, ufid);
		e = get_flow(s, *ifx, ufid);
		if (q->cmd == OVS_FLOW_CMD_NEW || q->cmd == OVS_FLOW_CMD_SET) {
			if (e)
				problem("acked FLOW %s ufid %d/%d: GET gives %s",
					cmd_name(F_FLOW, q->cmd), q->dp, q->obj, errno_name(e));
			w->flow_alive[q->dp][q->obj] = 1;
		} else if (q->cmd == OVS_FLOW_CMD_DEL) {
			if (e != -ENOENT)
				problem("acked FLOW DEL ufid %d/%d: GET gives %s", q->dp, q->obj,
					errno_name(e));
			w->flow_alive[q->dp][q->obj] = 0;
		}
		break;
	case F_METER:
		if (!w->dp_alive[q->dp] || q->obj < 0 || q->obj >= NMETER)
			break;
		if (q->cmd == OVS_METER_CMD_SET) {
			if ((e = get_meter(s, *ifx, q->obj)))
				problem("acked METER SET %d: GET gives %s", q->obj, errno_name(e));
			w->meter_alive[q->dp][q->obj] = 1;
		} else if (q->cmd == OVS_METER_CMD_DEL) {
			if ((e = get_meter(s, *ifx, q->obj)) != -ENOENT)
				problem("acked METER DEL %d: GET gives %s", q->obj, errno_name(e));
			w->meter_alive[q->dp][q->obj] = 0;
		}
		break;
	default:
		break;
	}
}

struct thread_arg {
	int tid;
	long steps;
	FILE *log;
};

static void *run(void *p)
{
	struct thread_arg *ta = p;
	struct nlsock *s = calloc(1, sizeof(*s));
	struct msg *m = malloc(sizeof(*m));
	struct reply *r = malloc(sizeof(*r));
	struct gen g = { .r = { seed * 0x9E3779B97F4A7C15ULL + ta->tid + 1 },
			 .mutate = mutate, .no_ct = no_ct, .w = &worlds[ta->tid] };

	if (!s || !m || !r || nl_open(s) || nl_resolve(s)) {
		problem("thread %d: no netlink socket or no OVS families", ta->tid);
		return NULL;
	}
	for (long i = 0; i < ta->steps && !stop; i++) {
		const struct op *o = pick(&g.r, g.w);
		struct req q = { .fam = o->fam, .cmd = o->cmd, .dump = o->dump, .obj = -1 };
		size_t rcv = 0;

		/* The other thread's flows, dumped 4 KiB at a time. */
		if (ta->tid == 1 && o->fam == F_FLOW && o->dump && chance(&g.r, 50)) {
			struct world *w0 = &worlds[0];
			int d = below(&g.r, NDP);

			msg_start(m, s->fam_id[F_FLOW], NLM_F_DUMP, OVS_FLOW_CMD_GET,
				  OVS_FLOW_VERSION, w0->dp_ifindex[d], 1);
			msg_finish(m);
			nl_transact(s, m, r, 4096);
			__atomic_add_fetch(&sent[F_FLOW], 1, __ATOMIC_RELAXED);
			count_errno(F_FLOW, r->err);
			if (r->bad)
				__atomic_add_fetch(&dumps_bad, 1, __ATOMIC_RELAXED);
			continue;
		}
		gen_request(&g, m, s->fam_id, &q);
		if (q.dump)
			rcv = 4096 << below(&g.r, 3);
		nl_transact(s, m, r, rcv);
		__atomic_add_fetch(&sent[q.fam], 1, __ATOMIC_RELAXED);
		count_errno(q.fam, r->err);
		if (q.dump && q.fam == F_FLOW && !q.mutated && r->bad) {
			problem("flow dump of dp %d: %d malformed or foreign messages", q.dp, r->bad);
			__atomic_add_fetch(&dumps_bad, 1, __ATOMIC_RELAXED);
		}
		if (ta->log)
			fprintf(ta->log, "%ld %s %s%s %d %s %d%s%s\n", i, fam_name[q.fam],
				cmd_name(q.fam, q.cmd), q.dump ? "-dump" : "", q.mutated,
				errno_name(r->err), q.dump ? r->nmsgs : 0,
				q.name ? " " : "", q.name ? q.name : "");
		if (i == trace) {
			fprintf(stderr, "step %ld request:", i);
			for (size_t k = 0; k < m->len; k++)
				fprintf(stderr, "%s%02x", k % 16 ? " " : "\n  ", m->buf[k]);
			fprintf(stderr, "\nstep %ld: %s\n", i, errno_name(r->err));
		}
		if (!r->err && !q.mutated && !q.dump)
			after_ack(s, &g, &q);
		if (ta->tid == 0 && i % 200 == 199) {
			if (watch_splats())
				problem("kernel splat by step %ld", i);
			if (watch_taint_changed())
				problem("taint changed by step %ld", i);
		}
	}
	/* Tear down what this thread made. */
	for (int d = 0; d < NDP; d++)
		del_dp(s, g.w->dpname[d]);
	return NULL;
}

int mode_fuzz(int argc, char **argv)
{
	pthread_t th[2];
	struct thread_arg ta[2];
	FILE *log = NULL;
	unsigned long total = 0;
	time_t t0 = time(NULL);

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--steps") && i + 1 < argc)
			steps = strtol(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			nthreads = atoi(argv[++i]) == 1 ? 1 : 2;
		else if (!strcmp(argv[i], "--mutate") && i + 1 < argc)
			mutate = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--trace") && i + 1 < argc)
			trace = strtol(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--no-ct"))
			no_ct = 1;
		else if (!strcmp(argv[i], "--log") && i + 1 < argc)
			logpath = argv[++i];
		else if (!strcmp(argv[i], "--netdev") && i + 1 < argc && nnetdevs < 4)
			netdevs[nnetdevs++] = argv[++i];
		else {
			fprintf(stderr, "ovsfuzz fuzz: bad argument %s\n", argv[i]);
			return 2;
		}
	}
	if (logpath && nthreads != 1) {
		fprintf(stderr, "ovsfuzz fuzz: --log needs --threads 1 (a deterministic order)\n");
		return 2;
	}
	if (logpath && !(log = fopen(logpath, "w"))) {
		perror(logpath);
		return 2;
	}
	watch_start();
	for (int t = 0; t < nthreads; t++) {
		struct world *w = &worlds[t];

		w->tid = t;
		for (int d = 0; d < NDP; d++) {
			snprintf(w->dpname[d], sizeof(w->dpname[d]), "fz%d-d%d", t, d);
			for (int p = 0; p < NPORT; p++)
				snprintf(w->portname[d][p], sizeof(w->portname[d][p]), "fz%dd%dp%d", t, d, p);
		}
		/* netdev ports: thread 0 gets the even devices, 1 the odd. */
		for (int k = t; k < nnetdevs; k += nthreads)
			w->netdevs[w->nnetdevs++] = netdevs[k];
		ta[t] = (struct thread_arg){ .tid = t, .steps = steps, .log = log };
		pthread_create(&th[t], NULL, run, &ta[t]);
	}
	for (int t = 0; t < nthreads; t++)
		pthread_join(th[t], NULL);
	/* Datapaths only mutated requests named outlive the threads' teardown;
	 * left, they would change the next run's dumps. */
	static struct nlsock last;
	if (!nl_open(&last) && !nl_resolve(&last))
		del_all_dps(&last);
	else
		problem("no socket to delete the datapaths left");
	if (log)
		fclose(log);
	if (watch_splats())
		problem("kernel splat at the end");
	if (watch_taint_changed())
		problem("taint changed");
	for (int f = 0; f < F_COUNT; f++)
		total += sent[f];
	printf("seed %llu: %lu messages in %ld s (", (unsigned long long)seed, total,
	       (long)(time(NULL) - t0));
	for (int f = 0; f < F_COUNT; f++)
		printf("%s%s %lu", f ? ", " : "", fam_name[f], sent[f]);
	printf("), %lu acked requests checked by GET, %lu foreign/malformed dump messages\n",
	       checks, dumps_bad);
	print_errnos(stdout);
	printf("problems: %d\n", problems);
	return problems ? 1 : 0;
}
