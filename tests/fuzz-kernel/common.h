/* SPDX-License-Identifier: GPL-2.0 */
/* ovsfuzz: what the modes share (the kernel watch, counters, helpers). */
#ifndef OVSFUZZ_COMMON_H
#define OVSFUZZ_COMMON_H

#include "grammar.h"

#include <stdio.h>

/* The kernel's log since start: splats, and the taint word. */
void watch_start(void);
/* New splat lines since the last call (printed to stderr), or 0. The
 * kernel's stack dumps for a failed kmem_cache_create() or vmalloc() are
 * no splat (they are counted in cache_dumps), nor are failslab's own. */
int watch_splats(void);
extern unsigned long cache_dumps;
int watch_taint_changed(void);

/* errno histogram: counts[-err] (0 is success). */
#define NERR 600
extern unsigned long errno_count[F_COUNT][NERR];
void count_errno(enum fam f, int err);
void print_errnos(FILE *out);

extern int problems;
void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A clean request helpers: GET of a dp, vport, flow, meter. */
int get_dp(struct nlsock *s, const char *name, int *ifindex);
int get_vport(struct nlsock *s, int dp_ifindex, const char *name, uint32_t *port_no);
int get_flow(struct nlsock *s, int dp_ifindex, const uint8_t ufid[16]);
int get_meter(struct nlsock *s, int dp_ifindex, uint32_t id);
int new_dp(struct nlsock *s, const char *name, int *ifindex);
int del_dp(struct nlsock *s, const char *name);
void del_all_dps(struct nlsock *s);

int mode_fuzz(int argc, char **argv);
int mode_failnth(int argc, char **argv);
int mode_perm(int argc, char **argv);
int mode_regress(int argc, char **argv);
int mode_initnth(int argc, char **argv);
int mode_meter(int argc, char **argv);
int mode_packets(int argc, char **argv);

const char *cmd_name(enum fam f, int cmd);
const char *errno_name(int err);

#endif
