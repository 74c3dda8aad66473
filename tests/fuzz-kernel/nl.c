// SPDX-License-Identifier: GPL-2.0
/* ovsfuzz: generic netlink plumbing (see nl.h). */
#include "nl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

const char *const fam_name[F_COUNT] = {
	OVS_DATAPATH_FAMILY, OVS_VPORT_FAMILY,	 OVS_FLOW_FAMILY,
	OVS_PACKET_FAMILY,   OVS_METER_FAMILY, OVS_CT_LIMIT_FAMILY,
};

int nl_open(struct nlsock *s)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, rcv = 1 << 20;
	struct timeval tmo = { .tv_sec = 20 };

	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0)
		return -errno;
	setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	/* Extended acks: the kernel then never echoes the whole request. */
	setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

void msg_start(struct msg *m, uint16_t type, uint16_t flags, uint8_t cmd,
	       uint8_t version, int dp_ifindex, int with_ovs_header)
{
	struct nlmsghdr *h = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *g = NLMSG_DATA(h);

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN + 4);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	g->cmd = cmd;
	g->version = version;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->overflow = 0;
	if (with_ovs_header) {
		struct ovs_header *oh = (void *)(m->buf + m->len);

		oh->dp_ifindex = dp_ifindex;
		m->len += sizeof(*oh);
	}
}

void *put(struct msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (void *)(m->buf + m->len);
	size_t total = NLA_HDRLEN + len;

	if (m->len + NLA_ALIGN(total) > MSG_MAX || total > 0xffff) {
		m->overflow = 1;
		return NULL;
	}
	a->nla_type = type;
	a->nla_len = total;
	if (data)
		memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
	else
		memset((uint8_t *)a + NLA_HDRLEN, 0, len);
	memset((uint8_t *)a + total, 0, NLA_ALIGN(total) - total);
	m->len += NLA_ALIGN(total);
	return (uint8_t *)a + NLA_HDRLEN;
}

/* Bytes with no attribute header, NLA_ALIGNed: the payload of
 * OVS_CT_LIMIT_ATTR_ZONE_LIMIT is a bare array of struct ovs_zone_limit,
 * as ovs-vswitchd writes it (nl_msg_put()). */
void put_raw(struct msg *m, const void *data, size_t len)
{
	if (m->len + NLA_ALIGN(len) > MSG_MAX) {
		m->overflow = 1;
		return;
	}
	memcpy(m->buf + m->len, data, len);
	memset(m->buf + m->len + len, 0, NLA_ALIGN(len) - len);
	m->len += NLA_ALIGN(len);
}

void put_u8(struct msg *m, uint16_t t, uint8_t v) { put(m, t, &v, 1); }
void put_u16(struct msg *m, uint16_t t, uint16_t v) { put(m, t, &v, 2); }
void put_u32(struct msg *m, uint16_t t, uint32_t v) { put(m, t, &v, 4); }
void put_u64(struct msg *m, uint16_t t, uint64_t v) { put(m, t, &v, 8); }
void put_str(struct msg *m, uint16_t t, const char *s)
{
	put(m, t, s, strlen(s) + 1);
}
void put_flag(struct msg *m, uint16_t t) { put(m, t, NULL, 0); }

size_t nest(struct msg *m, uint16_t type)
{
	size_t off = m->len;

	if (!put(m, type | NLA_F_NESTED, NULL, 0))
		return 0;
	return off;
}

void nest_end(struct msg *m, size_t off)
{
	struct nlattr *a = (void *)(m->buf + off);
	size_t len = m->len - off;

	if (!off)
		return;
	if (len > 0xffff) {
		/* Too big to say: the grammar's depth ran away; drop it. */
		m->len = off;
		m->overflow = 1;
		return;
	}
	a->nla_len = len;
}

void msg_finish(struct msg *m)
{
	((struct nlmsghdr *)m->buf)->nlmsg_len = m->len;
}

static void keep_first(struct reply *r, const struct nlmsghdr *h)
{
	size_t n = h->nlmsg_len < sizeof(r->copy) ? h->nlmsg_len : sizeof(r->copy);

	memcpy(r->copy, h, n);
	r->first = r->copy;
	r->first_len = n;
}

int nl_transact(struct nlsock *s, struct msg *m, struct reply *r,
		size_t rcvsize)
{
	struct nlmsghdr *h = (struct nlmsghdr *)m->buf;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	uint32_t seq = ++s->seq;
	int dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;

	int want_dp = 0;

	if (h->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN + sizeof(struct ovs_header) &&
	    h->nlmsg_type != GENL_ID_CTRL)
		want_dp = ((struct ovs_header *)(m->buf + NLMSG_HDRLEN + GENL_HDRLEN))->dp_ifindex;
	r->err = 0;
	r->lost_answer = 0;
	r->bad = 0;
	r->nmsgs = 0;
	r->first = NULL;
	h->nlmsg_seq = seq;
	h->nlmsg_flags |= NLM_F_ACK;
	if (rcvsize > sizeof(s->rbuf) || rcvsize == 0)
		rcvsize = sizeof(s->rbuf);
	if (sendto(s->fd, m->buf, h->nlmsg_len, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		return r->err = -errno;
	for (;;) {
		ssize_t n = recv(s->fd, s->rbuf, rcvsize, 0);
		struct nlmsghdr *rh;
		int done = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* ENOBUFS: the kernel could not queue an answer
			 * (an allocation failed, or the buffer was full); a
			 * dump goes on with the next recv(), so read it to
			 * its end. EAGAIN: nothing came in 20 s. */
			r->lost_answer = 1;
			if (errno == ENOBUFS && dump) {
				r->err = -ENOBUFS;
				continue;
			}
			return r->err = -errno;
		}
		for (rh = (void *)s->rbuf; NLMSG_OK(rh, (size_t)n);
		     rh = NLMSG_NEXT(rh, n)) {
			if (rh->nlmsg_seq != seq)
				continue; /* a notification or a stale answer */
			if (rh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(rh);

				if (!r->err)
					r->err = e->error;
				done = 1;
			} else if (rh->nlmsg_type == NLMSG_DONE) {
				int *e = NLMSG_DATA(rh);

				if (rh->nlmsg_len >= NLMSG_LENGTH(4) && *e < 0 && !r->err)
					r->err = *e;
				/* A dump ends here: netlink acks no dump. */
				done = 1;
			} else {
				const struct ovs_header *oh = (const void *)((uint8_t *)rh +
					NLMSG_HDRLEN + GENL_HDRLEN);

				if (rh->nlmsg_type != GENL_ID_CTRL &&
				    (rh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN + sizeof(*oh) ||
				     (dump && want_dp > 0 && oh->dp_ifindex != want_dp)))
					r->bad++;
				if (!r->nmsgs++)
					keep_first(r, rh);
			}
		}
		if (done)
			return r->err;
	}
}

/* The first attribute TYPE in rem bytes from p (as nla_find()). */
static const struct nlattr *find(const uint8_t *p, int rem, uint16_t type)
{
	while (rem >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)p;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > rem)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		rem -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

const struct nlattr *attr_in(const struct nlattr *n, uint16_t type)
{
	return find((const uint8_t *)n + NLA_HDRLEN, n->nla_len - NLA_HDRLEN, type);
}

/* TYPE in the first reply message, after its headers (hdr bytes). */
static const struct nlattr *msg_attr(const struct reply *r, size_t hdr, uint16_t type)
{
	const struct nlmsghdr *h = (const void *)r->first;

	if (!h || h->nlmsg_len > r->first_len || h->nlmsg_len < hdr)
		return NULL;
	return find((const uint8_t *)h + hdr, h->nlmsg_len - hdr, type);
}

const struct nlattr *reply_attr(const struct reply *r, uint16_t type)
{
	return msg_attr(r, NLMSG_HDRLEN + GENL_HDRLEN + sizeof(struct ovs_header), type);
}

uint16_t resolve_one(struct nlsock *s, const char *name, struct msg *m, struct reply *r)
{
	const struct nlattr *a;

	msg_start(m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 1, 0, 0);
	put_str(m, CTRL_ATTR_FAMILY_NAME, name);
	msg_finish(m);
	if (nl_transact(s, m, r, 0) || !r->first)
		return 0;
	/* The controller's replies have no ovs_header. */
	a = msg_attr(r, NLMSG_HDRLEN + GENL_HDRLEN, CTRL_ATTR_FAMILY_ID);
	return a ? *(const uint16_t *)((const uint8_t *)a + NLA_HDRLEN) : 0;
}

int nl_resolve(struct nlsock *s)
{
	struct msg *m = malloc(sizeof(*m));
	struct reply *r = malloc(sizeof(*r));
	int err = m && r ? 0 : -ENOMEM;

	for (int f = 0; f < F_COUNT && !err; f++) {
		s->fam_id[f] = resolve_one(s, fam_name[f], m, r);
		if (!s->fam_id[f])
			err = -ENOENT;
	}
	free(m);
	free(r);
	return err;
}
