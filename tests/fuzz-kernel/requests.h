/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovsfuzz: one clean request of each command, on the socket rq and the
 * datapath dp1: an Ethernet/IPv4/UDP flow (UFIDs ufid_a, ufid_b) whose
 * actions push a VLAN, clone an output, pop it and output again; internal
 * ports; drop-band meters; ct limits. Each returns the kernel's errno.
 */
#ifndef OVSFUZZ_REQUESTS_H
#define OVSFUZZ_REQUESTS_H

#include "common.h"

extern struct nlsock *rq;
extern struct msg m;
extern struct reply r;
extern int dp1, dp2;
extern const uint8_t ufid_a[16], ufid_b[16];

void start(enum fam f, uint8_t cmd, int dp, uint16_t flags);
int go(void);
void key(uint16_t type, uint8_t last);
void actions(uint16_t type, int variant);
int flow_new(const uint8_t *ufid, uint8_t last);
int flow_del(const uint8_t *ufid);
int flow_set(int variant);
int port_new(int dp, const char *name);
int port_del(int dp, const char *name);
int port_set(uint32_t pid);
int dp_set(const char *dp, uint32_t features);
int dp2_new(void);
int meter_set(uint32_t id, uint32_t rate);
int meter_cmd(uint8_t cmd, uint32_t id);
int ct_limit(uint8_t cmd, int zone, uint32_t limit);
int execute(void);
int dump(enum fam f, uint8_t cmd, int dp);

#endif
