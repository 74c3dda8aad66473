// SPDX-License-Identifier: GPL-2.0
/*
 * flowbench: flow table costs of an OVS datapath through its own genetlink
 * families, the same for openvswitch.ko and openvswitch_rs.
 *
 *   flowbench install DP N MASKS   N flows over MASKS masks, batched, no echo
 *   flowbench dump DP [terse]      a full (or key/mask/actions-less) dump
 *   flowbench flush DP             OVS_FLOW_CMD_DEL without a key
 *   flowbench del DP               the datapath away
 *
 * Each prints one JSON line. The install creates DP if it is missing. Flows
 * are what ovs-vswitchd installs: a UFID, an Ethernet/IPv4 megaflow and one
 * output action. Flow j sits on mask j % MASKS, which differ in their IPv4
 * source and destination prefix lengths; its Ethernet source (exact in every
 * mask) is j, so flows never collide.
 *
 * Requests go out BATCH to a sendmsg() without NLM_F_ACK, as ovs-vswitchd's
 * batched transactions do; errors still come back as NLMSG_ERROR, and one
 * acked request at the end proves every earlier one was handled.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/openvswitch.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MSG_MAX 512
#define RCVBUF (1 << 20)

static int sock;
static uint32_t seq;

static void die(const char *what, int err)
{
	fprintf(stderr, "flowbench: %s: %s\n", what, strerror(err));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A message under construction. */
struct msg {
	char buf[MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nlh;
};

static void msg_init(struct msg *m, uint16_t family, uint16_t flags,
		     uint8_t cmd, int dp_ifindex)
{
	struct genlmsghdr *g;
	struct ovs_header *oh;

	memset(m->buf, 0, sizeof(m->buf));
	m->nlh = (struct nlmsghdr *)m->buf;
	m->nlh->nlmsg_type = family;
	m->nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	m->nlh->nlmsg_seq = ++seq;
	m->nlh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	g = NLMSG_DATA(m->nlh);
	g->cmd = cmd;
	g->version = 1;
	if (family != GENL_ID_CTRL) {
		oh = (struct ovs_header *)((char *)g + GENL_HDRLEN);
		oh->dp_ifindex = dp_ifindex;
		m->nlh->nlmsg_len += NLMSG_ALIGN(sizeof(*oh));
	}
}

static struct nlattr *put(struct msg *m, uint16_t type, const void *data,
			  size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + NLMSG_ALIGN(m->nlh->nlmsg_len));

	if (NLMSG_ALIGN(m->nlh->nlmsg_len) + NLA_ALIGN(NLA_HDRLEN + len) > MSG_MAX) {
		fprintf(stderr, "flowbench: message too long\n");
		exit(1);
	}
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	m->nlh->nlmsg_len = NLMSG_ALIGN(m->nlh->nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static void put_u32(struct msg *m, uint16_t type, uint32_t v)
{
	put(m, type, &v, sizeof(v));
}

static struct nlattr *nest(struct msg *m, uint16_t type)
{
	return put(m, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct msg *m, struct nlattr *a)
{
	a->nla_len = m->buf + m->nlh->nlmsg_len - (char *)a;
}

static void send_all(const void *buf, size_t len)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };

	if (sendto(sock, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len)
		die("sendto", errno);
}

/*
 * Reads replies until the NLMSG_ERROR/NLMSG_DONE of sequence @until. An
 * error reply to any request is fatal; @each sees every other message.
 */
static void wait_for(uint32_t until, void (*each)(struct nlmsghdr *, void *),
		     void *arg)
{
	static char buf[RCVBUF];

	for (;;) {
		ssize_t n = recv(sock, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n < 0)
			die("recv", errno);
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				if (e->error)
					die("request", -e->error);
				if (h->nlmsg_seq == until)
					return;
			} else if (h->nlmsg_type == NLMSG_DONE) {
				if (h->nlmsg_seq == until)
					return;
			} else if (each) {
				each(h, arg);
			}
		}
	}
}

static void transact(struct msg *m, void (*each)(struct nlmsghdr *, void *),
		     void *arg)
{
	m->nlh->nlmsg_flags |= NLM_F_ACK;
	send_all(m->buf, m->nlh->nlmsg_len);
	wait_for(m->nlh->nlmsg_seq, each, arg);
}

/*
 * The payload of the last top-level attribute @type of reply @h, whose
 * family header takes @hdrlen bytes after the genetlink header; NULL if
 * there is none.
 */
static void *attr_of(struct nlmsghdr *h, int hdrlen, uint16_t type)
{
	int off = GENL_HDRLEN + NLMSG_ALIGN(hdrlen);
	struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(h) + off);
	int len = h->nlmsg_len - NLMSG_LENGTH(off);
	void *found = NULL;

	for (; len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len),
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
		if (a->nla_type == type)
			found = (char *)a + NLA_HDRLEN;
	return found;
}

static void family_id_of(struct nlmsghdr *h, void *arg)
{
	uint16_t *id = attr_of(h, 0, CTRL_ATTR_FAMILY_ID);

	if (id)
		*(uint16_t *)arg = *id;
}

static uint16_t family(const char *name)
{
	struct msg m;
	uint16_t id = 0;

	msg_init(&m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 0);
	put(&m, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	transact(&m, family_id_of, &id);
	if (!id)
		die(name, ENOENT);
	return id;
}

static int dp_index(const char *dp, int create)
{
	int ifindex = if_nametoindex(dp);
	struct msg m;

	if (ifindex || !create)
		return ifindex;
	msg_init(&m, family(OVS_DATAPATH_FAMILY), 0, OVS_DP_CMD_NEW, 0);
	put(&m, OVS_DP_ATTR_NAME, dp, strlen(dp) + 1);
	put_u32(&m, OVS_DP_ATTR_UPCALL_PID, 0);
	transact(&m, NULL, NULL);
	ifindex = if_nametoindex(dp);
	if (!ifindex)
		die(dp, ENODEV);
	return ifindex;
}

/* The ifindex of datapath @dp, which must exist. */
static int existing_dp(const char *dp)
{
	int ifindex = dp_index(dp, 0);

	if (!ifindex)
		die(dp, ENODEV);
	return ifindex;
}

static uint32_t prefix(unsigned int len)
{
	return len ? htonl(~0u << (32 - len)) : 0;
}

/* The key and mask attributes of flow @j on mask @m. */
static void put_match(struct msg *m, uint32_t j, unsigned int mask)
{
	unsigned int src_len = 1 + mask % 32, dst_len = mask / 32;
	struct ovs_key_ethernet eth = {
		.eth_src = { 0x02, 0, j >> 24, j >> 16, j >> 8, j },
		.eth_dst = { 0x02, 0xff, 0, 0, 0, 1 },
	};
	struct ovs_key_ipv4 ip = {
		.ipv4_src = htonl(0x0a000001) & prefix(src_len),
		.ipv4_dst = htonl(0x0a010001) & prefix(dst_len),
	};
	uint16_t ethertype = htons(0x0800);
	struct nlattr *a;

	a = nest(m, OVS_FLOW_ATTR_KEY);
	put(m, OVS_KEY_ATTR_ETHERNET, &eth, sizeof(eth));
	put(m, OVS_KEY_ATTR_ETHERTYPE, &ethertype, sizeof(ethertype));
	put(m, OVS_KEY_ATTR_IPV4, &ip, sizeof(ip));
	nest_end(m, a);

	memset(&eth, 0xff, sizeof(eth));
	memset(&ip, 0, sizeof(ip));
	ip.ipv4_src = prefix(src_len);
	ip.ipv4_dst = prefix(dst_len);
	ethertype = 0xffff;
	a = nest(m, OVS_FLOW_ATTR_MASK);
	put(m, OVS_KEY_ATTR_ETHERNET, &eth, sizeof(eth));
	put(m, OVS_KEY_ATTR_ETHERTYPE, &ethertype, sizeof(ethertype));
	put(m, OVS_KEY_ATTR_IPV4, &ip, sizeof(ip));
	nest_end(m, a);
}

static void install(const char *dp, uint32_t n, unsigned int masks)
{
	static char batch[BATCH * MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	uint16_t flow_family = family(OVS_FLOW_FAMILY);
	int ifindex = dp_index(dp, 1);
	uint32_t j, out_port = 0;
	size_t len = 0;
	struct msg m;
	double t;

	if (!masks || masks > 32 * 32) {
		fprintf(stderr, "flowbench: MASKS must be 1..1024\n");
		exit(2);
	}
	t = now();
	for (j = 0; j < n; j++) {
		uint32_t ufid[4] = { 0x0f10be4c, j, 0, 0 };
		struct nlattr *a;

		msg_init(&m, flow_family, NLM_F_CREATE, OVS_FLOW_CMD_NEW, ifindex);
		put(&m, OVS_FLOW_ATTR_UFID, ufid, sizeof(ufid));
		put_match(&m, j, j % masks);
		a = nest(&m, OVS_FLOW_ATTR_ACTIONS);
		put(&m, OVS_ACTION_ATTR_OUTPUT, &out_port, sizeof(out_port));
		nest_end(&m, a);
		if (j == n - 1) {
			send_all(batch, len);
			len = 0;
			transact(&m, NULL, NULL);
			break;
		}
		memcpy(batch + len, m.buf, m.nlh->nlmsg_len);
		len += NLMSG_ALIGN(m.nlh->nlmsg_len);
		if (len > sizeof(batch) - MSG_MAX) {
			send_all(batch, len);
			len = 0;
		}
	}
	t = now() - t;
	printf("{\"op\":\"install\",\"flows\":%u,\"masks\":%u,\"seconds\":%.6f,\"per_s\":%.1f}\n",
	       n, masks, t, t > 0 ? n / t : 0);
}

static void count(struct nlmsghdr *h, void *arg)
{
	(void)h;
	++*(uint64_t *)arg;
}

static void dump(const char *dp, int terse)
{
	int ifindex = existing_dp(dp);
	uint64_t flows = 0;
	struct msg m;
	double t;

	msg_init(&m, family(OVS_FLOW_FAMILY), NLM_F_DUMP, OVS_FLOW_CMD_GET, ifindex);
	if (terse)
		put_u32(&m, OVS_FLOW_ATTR_UFID_FLAGS,
			OVS_UFID_F_OMIT_KEY | OVS_UFID_F_OMIT_MASK |
			OVS_UFID_F_OMIT_ACTIONS);
	t = now();
	transact(&m, count, &flows);
	t = now() - t;
	printf("{\"op\":\"dump\",\"terse\":%s,\"flows\":%llu,\"seconds\":%.6f,\"per_s\":%.1f}\n",
	       terse ? "true" : "false", (unsigned long long)flows, t,
	       t > 0 ? flows / t : 0);
}

static void flow_count(struct nlmsghdr *h, void *arg)
{
	struct ovs_dp_stats *stats = attr_of(h, sizeof(struct ovs_header),
					     OVS_DP_ATTR_STATS);

	if (stats)
		*(uint64_t *)arg = stats->n_flows;
}

static void flush(const char *dp)
{
	int ifindex = existing_dp(dp);
	uint64_t flows = 0;
	struct msg m;
	double t;

	msg_init(&m, family(OVS_DATAPATH_FAMILY), 0, OVS_DP_CMD_GET, ifindex);
	transact(&m, flow_count, &flows);
	msg_init(&m, family(OVS_FLOW_FAMILY), 0, OVS_FLOW_CMD_DEL, ifindex);
	t = now();
	transact(&m, NULL, NULL);
	t = now() - t;
	printf("{\"op\":\"flush\",\"flows\":%llu,\"seconds\":%.6f}\n",
	       (unsigned long long)flows, t);
}

static void del(const char *dp)
{
	int ifindex = existing_dp(dp);
	struct msg m;

	msg_init(&m, family(OVS_DATAPATH_FAMILY), 0, OVS_DP_CMD_DEL, ifindex);
	transact(&m, NULL, NULL);
	printf("{\"op\":\"del\"}\n");
}

static void usage(void)
{
	fprintf(stderr,
		"usage: flowbench install DP N MASKS | dump DP [terse] | flush DP | del DP\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	int rcvbuf = RCVBUF;

	if (argc < 3)
		usage();
	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (sock < 0)
		die("socket", errno);
	setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(sock, (struct sockaddr *)&local, sizeof(local)))
		die("bind", errno);

	if (!strcmp(argv[1], "install") && argc == 5)
		install(argv[2], strtoul(argv[3], NULL, 0), strtoul(argv[4], NULL, 0));
	else if (!strcmp(argv[1], "dump") && (argc == 3 || argc == 4))
		dump(argv[2], argc == 4 && !strcmp(argv[3], "terse"));
	else if (!strcmp(argv[1], "flush") && argc == 3)
		flush(argv[2]);
	else if (!strcmp(argv[1], "del") && argc == 3)
		del(argv[2]);
	else
		usage();
	return 0;
}
