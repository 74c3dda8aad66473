/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovsfuzz: generic netlink plumbing (one socket per thread), the message
 * builder the grammar writes into, and the few UAPI names the build host's
 * <linux/openvswitch.h> (Debian 12's) predates.
 */
#ifndef OVSFUZZ_NL_H
#define OVSFUZZ_NL_H

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/openvswitch.h>
#include <stddef.h>
#include <stdint.h>

/* Linux 7.3's include/uapi/linux/openvswitch.h, past Debian 12's copy. */
#define OVSF_ACTION_ATTR_PSAMPLE 25
#define OVSF_ACTION_ATTR_DROP 24
#define OVSF_PSAMPLE_ATTR_GROUP 1
#define OVSF_PSAMPLE_ATTR_COOKIE 2
#define OVSF_PACKET_ATTR_UPCALL_PID 12

enum fam { F_DP, F_VPORT, F_FLOW, F_PACKET, F_METER, F_CTLIMIT, F_COUNT };
extern const char *const fam_name[F_COUNT];

#define MSG_MAX 65536

/* A request under construction: attributes go at len, nests are offsets. */
struct msg {
	uint8_t buf[MSG_MAX] __attribute__((aligned(8)));
	size_t len;
	int overflow;
};

struct nlsock {
	int fd;
	uint32_t seq;
	uint16_t fam_id[F_COUNT];
	uint8_t rbuf[1 << 17] __attribute__((aligned(8)));
};

/* The answer to one request: its errno (0 for an ack or a reply), the
 * first reply message, how many messages a dump gave. */
struct reply {
	int err;
	int nmsgs;
	int lost_answer; /* the error came from recv(): the request ran */
	int bad; /* dump messages that are malformed or of another datapath */
	uint8_t *first; /* points into nlsock.rbuf copy below */
	size_t first_len;
	uint8_t copy[8192] __attribute__((aligned(8)));
};

int nl_open(struct nlsock *s);
int nl_resolve(struct nlsock *s);
/* The id of the generic netlink family NAME, 0 if it is not registered. */
uint16_t resolve_one(struct nlsock *s, const char *name, struct msg *m, struct reply *r);
void msg_start(struct msg *m, uint16_t type, uint16_t flags, uint8_t cmd,
	       uint8_t version, int dp_ifindex, int with_ovs_header);
void *put(struct msg *m, uint16_t type, const void *data, size_t len);
void put_raw(struct msg *m, const void *data, size_t len);
void put_u8(struct msg *m, uint16_t type, uint8_t v);
void put_u16(struct msg *m, uint16_t type, uint16_t v);
void put_u32(struct msg *m, uint16_t type, uint32_t v);
void put_u64(struct msg *m, uint16_t type, uint64_t v);
void put_str(struct msg *m, uint16_t type, const char *s);
void put_flag(struct msg *m, uint16_t type);
size_t nest(struct msg *m, uint16_t type);
void nest_end(struct msg *m, size_t off);
void msg_finish(struct msg *m);
/* Sends the request and reads every answer to it (a dump to its end, with
 * recv() reading at most rcvsize bytes a time). */
int nl_transact(struct nlsock *s, struct msg *m, struct reply *r,
		size_t rcvsize);
/* The attribute TYPE of a reply (after genl + ovs headers), or NULL. */
const struct nlattr *reply_attr(const struct reply *r, uint16_t type);
const struct nlattr *attr_in(const struct nlattr *nest, uint16_t type);

#endif
