/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovsfuzz packets: what packets.c (the devices, the run, the counters) and
 * packet_flows.c (the flow table and its actions) share.
 */
#ifndef OVSFUZZ_PACKETS_H
#define OVSFUZZ_PACKETS_H

#include "common.h"
#include "frames.h"

#define METER_ID 1

enum { P_TAP, P_OUT, P_INT, NPORTS };
extern uint32_t port_no[NPORTS];
extern int dp_index;
extern uint32_t upcall_pid;

struct packets_opt {
	uint64_t seed, packets;
	int deterministic, churn;
	int fail_realloc, fail_alloc;
	int gso_cpl_case;
};
extern struct packets_opt opt;

/* Every flow not installed, with actions of variant v. */
void install_all(uint32_t v);
/* One change of the flow table, chosen by g. */
void churn(struct rng *g);
/* Flow of class c: check_pkt_len(len), greater to P_OUT, else P_INT. */
int flow_check_pkt_len(int c, uint16_t len);
/* The flow requests' errnos, per command. */
void print_ops(void);

#endif
