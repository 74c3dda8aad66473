/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovsfuzz grammar: requests of the six OVS families built from
 * include/uapi/linux/openvswitch.h (keys, masks, action trees, CT, meters,
 * ct limits, vports of every type), mutated under a seeded RNG.
 */
#ifndef OVSFUZZ_GRAMMAR_H
#define OVSFUZZ_GRAMMAR_H

#include "nl.h"

struct rng {
	uint64_t s;
};

static inline uint64_t rnd(struct rng *r)
{
	/* xorshift64*: one stream per thread, reproducible from the seed. */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

static inline uint32_t below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnd(r) % n) : 0;
}

/* percent P of the time */
static inline int chance(struct rng *r, uint32_t p)
{
	return below(r, 100) < p;
}

#define NDP 3
#define NPORT 6
#define NUFID 24
#define NMETER 8

/* What one thread has been told exists (acked by the kernel). */
struct world {
	int tid;
	char dpname[NDP][16];
	int dp_ifindex[NDP];
	int dp_alive[NDP];
	char portname[NDP][NPORT][16];
	int port_no[NDP][NPORT]; /* 0: none (port 0 is the local port) */
	int flow_alive[NDP][NUFID];
	int meter_alive[NDP][NMETER];
	const char *netdevs[4]; /* devices the caller made for netdev ports */
	int nnetdevs;
};

/* The generator: one per thread. mutate is the percent of requests that
 * get mutated; m_this says whether the current one is. */
struct gen {
	struct rng r;
	int mutate;
	int m_this;
	int no_ct; /* no ct() actions: openvswitch_rs refuses them (issue 13) */
	struct world *w;
};

/* One request: which family and command, and which object of the world it
 * names (dp, port or UFID index), for the model. */
struct req {
	enum fam fam;
	uint8_t cmd;
	int dump;
	int dp, obj; /* obj < 0: the request names no object of the world */
	const char *name; /* the vport name it carries, if any */
	int mutated;
};

uint32_t gen_u32(struct gen *g);
void gen_ufid(struct gen *g, int dp, int idx, uint8_t out[16]);
void gen_key(struct gen *g, struct msg *m, uint16_t type, int mask);
void gen_actions(struct gen *g, struct msg *m, uint16_t type, int depth);
size_t gen_frame(struct gen *g, uint8_t *buf, size_t max);
/* A request of family F (cmd chosen by the caller) into m, per world. */
void gen_request(struct gen *g, struct msg *m, const uint16_t *fam_id,
		 struct req *q);
/* Mutations of a finished message: header fields, lengths, bytes. */
void mutate_msg(struct gen *g, struct msg *m);

#endif
