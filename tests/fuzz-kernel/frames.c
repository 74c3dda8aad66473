// SPDX-License-Identifier: GPL-2.0
/* ovsfuzz packets: the frame generator (frames.h). */
#include "frames.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

/* A frame under construction: the header boundaries (for truncation) and
 * where the layers start (for checksums, GSO and corruption). */
struct build {
	struct pframe *f;
	size_t bound[24];
	int nb;
	size_t l3, l4, l4_end;
	int v6;
	uint8_t proto;
};

static void mark(struct build *k)
{
	if (k->nb < 24)
		k->bound[k->nb++] = k->f->len;
}

static uint8_t *grow(struct build *k, size_t n)
{
	uint8_t *p = k->f->b + k->f->len;

	k->f->len += n;
	memset(p, 0, n);
	return p;
}

static void rand_bytes(struct rng *r, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = rnd(r);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static uint32_t csum_add(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += p[i] << 8 | p[i + 1];
	if (n & 1)
		s += p[n - 1] << 8;
	return s;
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s;
}

static const uint8_t dst_mac[6] = { 0x02, 0, 0, 0, 0, 0xee };

/* The addresses; the source's last byte (the class) is set at the end. */
static void eth(struct framegen *fg, struct build *k)
{
	uint8_t *p = grow(k, 12);

	memcpy(p, dst_mac, 6);
	if (chance(&fg->r, 5))
		memset(p, 0xff, 6);
	p[6] = 0x02;
}

static void ethertype(struct build *k, uint16_t et)
{
	put16(grow(k, 2), et);
	mark(k);
}

static void vlan_tag(struct framegen *fg, struct build *k, uint16_t tpid)
{
	uint8_t *p = grow(k, 4);

	put16(p, tpid);
	put16(p + 2, below(&fg->r, 0x10000));
	mark(k);
}

/* IPv4 header with options now and then; total length and checksum are
 * fixed in finish(). */
static void ipv4(struct framegen *fg, struct build *k, uint8_t proto)
{
	int opt = chance(&fg->r, 15) ? 4 * (1 + below(&fg->r, 10)) : 0;
	uint8_t *p;

	k->l3 = k->f->len;
	p = grow(k, 20 + opt);
	p[0] = 0x40 | (5 + opt / 4);
	p[1] = chance(&fg->r, 20) ? rnd(&fg->r) : 0;
	put16(p + 4, fg->ip_id++);
	p[8] = chance(&fg->r, 10) ? below(&fg->r, 3) : 64;
	p[9] = proto;
	p[12] = 10, p[13] = 0, p[14] = below(&fg->r, 4), p[15] = 1 + below(&fg->r, 8);
	p[16] = 10, p[17] = 1, p[18] = 0, p[19] = 1 + below(&fg->r, 8);
	for (int i = 0; i < opt; i++) /* NOPs, a record route, an end */
		p[20 + i] = i == opt - 1 ? 0 : chance(&fg->r, 70) ? 1 : rnd(&fg->r);
	k->proto = proto;
	mark(k);
}

static void ipv6(struct framegen *fg, struct build *k, uint8_t proto)
{
	static const uint8_t exthdrs[] = { 0, 43, 60, 51 };
	uint8_t *p;
	size_t nh; /* where the next header byte to fill is */

	k->l3 = k->f->len;
	k->v6 = 1;
	p = grow(k, 40);
	p[0] = 0x60 | below(&fg->r, 16);
	p[1] = rnd(&fg->r), p[2] = rnd(&fg->r), p[3] = rnd(&fg->r);
	p[7] = chance(&fg->r, 10) ? below(&fg->r, 3) : 64;
	p[8] = 0x20, p[9] = 0x01, p[23] = 1 + below(&fg->r, 8);
	p[24] = 0x20, p[25] = 0x01, p[39] = 1 + below(&fg->r, 8);
	nh = k->l3 + 6;
	mark(k);
	/* A chain of extension headers (hop-by-hop first, as it must be). */
	for (int i = 0, n = chance(&fg->r, 25) ? 1 + below(&fg->r, 3) : 0; i < n; i++) {
		uint8_t t = exthdrs[i == 0 ? below(&fg->r, 4) : 1 + below(&fg->r, 3)];
		size_t base = k->f->len;
		int units = below(&fg->r, 3);
		uint8_t *e;

		e = grow(k, 8 * (units + 1));
		k->f->b[nh] = t;
		/* AH counts its length in 4-byte units, less two. */
		e[1] = t == 51 ? 2 * (units + 1) - 2 : units;
		if (t != 51)
			for (int j = 2; j < 8 * (units + 1); j++)
				e[j] = chance(&fg->r, 60) ? 1 : rnd(&fg->r); /* PadN-ish */
		nh = base;
		mark(k);
	}
	k->f->b[nh] = proto;
	k->proto = proto;
}

static void l4(struct framegen *fg, struct build *k)
{
	uint8_t *p;

	k->l4 = k->f->len;
	switch (k->proto) {
	case 6: {
		int opt = chance(&fg->r, 20) ? 4 * below(&fg->r, 11) : 0;

		p = grow(k, 20 + opt);
		put16(p, (below(&fg->r, 0x10000) | (chance(&fg->r, 85) ? 0x0001 : 0)) & 0xffff);
		put16(p + 2, chance(&fg->r, 50) ? 80 : below(&fg->r, 0x10000));
		rand_bytes(&fg->r, p + 4, 8);
		p[12] = (5 + opt / 4) << 4;
		p[13] = (uint8_t[]){ 0x02, 0x10, 0x18, 0x12, 0x11, 0x04, 0x3f }[below(&fg->r, 7)];
		put16(p + 14, 8192);
		for (int i = 0; i < opt; i++)
			p[20 + i] = chance(&fg->r, 60) ? 1 : rnd(&fg->r);
		break;
	}
	case 17:
		p = grow(k, 8);
		put16(p, (below(&fg->r, 0x10000) | (chance(&fg->r, 85) ? 0x0001 : 0)) & 0xffff);
		put16(p + 2, (uint16_t[]){ 53, 4789, 6081, 1234 }[below(&fg->r, 4)]);
		break;
	case 132:
		p = grow(k, 12 + 16);
		put16(p, (below(&fg->r, 0x10000) | (chance(&fg->r, 85) ? 0x0001 : 0)) & 0xffff);
		put16(p + 2, 9);
		rand_bytes(&fg->r, p + 4, 4);
		p[12] = below(&fg->r, 16), put16(p + 14, 16);
		break;
	case 1:
		p = grow(k, 8);
		p[0] = (uint8_t[]){ 8, 0, 3, 11, 5 }[below(&fg->r, 5)];
		rand_bytes(&fg->r, p + 4, 4);
		if (p[0] == 3 || p[0] == 11) { /* an error quoting a header */
			mark(k);
			ipv4(fg, k, 17);
			k->proto = 1;
			grow(k, 8);
		}
		break;
	case 58:
		p = grow(k, 8);
		p[0] = (uint8_t[]){ 135, 136, 128, 129, 133, 1 }[below(&fg->r, 6)];
		if (p[0] == 135 || p[0] == 136) {
			mark(k);
			p = grow(k, 16); /* target */
			p[0] = 0x20, p[1] = 1, p[15] = below(&fg->r, 8);
			mark(k);
			for (int i = 0, n = below(&fg->r, 3); i < n; i++) {
				uint8_t *o = grow(k, 8);

				o[0] = 1 + below(&fg->r, 2); /* SLL / TLL */
				o[1] = chance(&fg->r, 90) ? 1 : below(&fg->r, 3);
				rand_bytes(&fg->r, o + 2, 6);
				mark(k);
			}
		}
		break;
	default:
		return;
	}
	mark(k);
}

static void payload(struct framegen *fg, struct build *k, size_t n)
{
	uint8_t *p = grow(k, n);

	/* Cheap and seeded: a pattern, not random bytes per byte. */
	for (size_t i = 0; i < n; i++)
		p[i] = i * 7 + fg->ip_id;
}

/* Lengths and checksums right, as a real sender's. */
static void finish(struct build *k)
{
	uint8_t *b = k->f->b;
	size_t end = k->f->len, l4len;
	uint32_t s = 0;

	if (!k->l3)
		return;
	if (!k->v6) {
		size_t ihl = (b[k->l3] & 15) * 4;

		put16(b + k->l3 + 2, end - k->l3);
		b[k->l3 + 10] = b[k->l3 + 11] = 0;
		put16(b + k->l3 + 10, csum_fold(csum_add(0, b + k->l3, ihl)));
		s = csum_add(0, b + k->l3 + 12, 8);
	} else {
		put16(b + k->l3 + 4, end - k->l3 - 40);
		s = csum_add(0, b + k->l3 + 8, 32);
	}
	if (!k->l4)
		return;
	l4len = end - k->l4;
	s += k->proto + l4len;
	switch (k->proto) {
	case 6:
		b[k->l4 + 16] = b[k->l4 + 17] = 0;
		put16(b + k->l4 + 16, csum_fold(csum_add(s, b + k->l4, l4len)));
		break;
	case 17:
		put16(b + k->l4 + 4, l4len);
		b[k->l4 + 6] = b[k->l4 + 7] = 0;
		put16(b + k->l4 + 6, csum_fold(csum_add(s, b + k->l4, l4len)));
		break;
	case 1:
		b[k->l4 + 2] = b[k->l4 + 3] = 0;
		put16(b + k->l4 + 2, csum_fold(csum_add(0, b + k->l4, l4len)));
		break;
	case 58:
		b[k->l4 + 2] = b[k->l4 + 3] = 0;
		put16(b + k->l4 + 2, csum_fold(csum_add(s, b + k->l4, l4len)));
		break;
	}
}

static uint8_t ip_proto(struct framegen *fg, int v6, int *cls)
{
	static const uint8_t p4[] = { 6, 17, 132, 1, 47, 6, 17 };
	static const uint8_t p6[] = { 6, 17, 58, 132, 6, 17, 59 };
	uint8_t p = v6 ? p6[below(&fg->r, 7)] : p4[below(&fg->r, 7)];
	int specific = chance(&fg->r, 70);

	if (!v6)
		*cls = !specific ? C_IP4 : p == 6 ? C_IP4_TCP : p == 17 ? C_IP4_UDP
		       : p == 132 ? C_IP4_SCTP : p == 1 ? C_IP4_ICMP : C_IP4;
	else
		*cls = !specific ? C_IP6 : p == 6 ? C_IP6_TCP : p == 17 ? C_IP6_UDP
		       : p == 58 ? C_IP6_ICMP : C_IP6;
	return p;
}

/* The second fragment of the datagram in f (split at the 8-byte boundary
 * off, after the IP header(s) ending at hl) goes to fg->pending; f keeps
 * the first. */
static void fragment(struct framegen *fg, struct build *k, size_t hl)
{
	struct pframe *f = k->f, *g = fg->pending;
	size_t data = f->len - hl, off = 8 * (1 + below(&fg->r, data / 8 > 1 ? data / 8 - 1 : 1));
	uint8_t *b = f->b;

	if (off >= data)
		return;
	if (!k->v6) {
		uint8_t *ip = b + k->l3;

		memcpy(g->b, b, hl);
		memcpy(g->b + hl, b + hl + off, data - off);
		g->len = hl + data - off;
		put16(g->b + k->l3 + 6, (off / 8) | (chance(&fg->r, 10) ? 0x2000 : 0));
		put16(g->b + k->l3 + 2, g->len - k->l3);
		f->len = hl + off;
		put16(ip + 6, 0x2000);
		put16(ip + 2, f->len - k->l3);
		for (struct pframe *x = f; x; x = x == f ? g : NULL) {
			uint8_t *q = x->b + k->l3;
			size_t ihl = (q[0] & 15) * 4;

			q[10] = q[11] = 0;
			put16(q + 10, csum_fold(csum_add(0, q, ihl)));
		}
	} else {
		/* A fragment header after the fixed one (hl is its end). */
		uint8_t fh[8] = { b[k->l3 + 6], 0, 0, 0, 0, 0, fg->ip_id >> 8, fg->ip_id };

		memcpy(g->b, b, hl);
		memcpy(g->b + hl, fh, 8);
		put16(g->b + hl + 2, off);
		memcpy(g->b + hl + 8, b + hl + off, data - off);
		g->len = hl + 8 + data - off;
		g->b[k->l3 + 6] = 44;
		put16(g->b + k->l3 + 4, g->len - k->l3 - 40);
		memmove(b + hl + 8, b + hl, off);
		memcpy(b + hl, fh, 8);
		put16(b + hl + 2, 1); /* offset 0, more fragments */
		f->len = hl + 8 + off;
		b[k->l3 + 6] = 44;
		put16(b + k->l3 + 4, f->len - k->l3 - 40);
	}
	g->vnet = (struct virtio_net_hdr){ 0 };
	g->gso = g->large = 0;
	/* Now and then the second half only, first, or never. */
	switch (below(&fg->r, 10)) {
	case 0: { /* swapped */
		struct pframe *t = malloc(sizeof(*t));

		if (t) {
			memcpy(t, f, sizeof(*t));
			memcpy(f, g, sizeof(*f));
			memcpy(g, t, sizeof(*g));
			free(t);
		}
		fg->has_pending = 1;
		break;
	}
	case 1:
		break; /* the first alone: reassembly waits, then times out */
	default:
		fg->has_pending = 1;
	}
}

static void vnet_gso(struct framegen *fg, struct build *k)
{
	struct virtio_net_hdr *v = &k->f->vnet;
	size_t l4h = k->proto == 6 ? (k->f->b[k->l4 + 12] >> 4) * 4 : 8;

	v->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	v->csum_start = k->l4;
	v->csum_offset = k->proto == 6 ? 16 : 6;
	v->gso_size = 100 + below(&fg->r, 1400);
	if (k->proto == 6)
		v->gso_type = k->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	else
		v->gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
	if (chance(&fg->r, 10))
		v->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	/* Small linear heads: the tap copies only hdr_len bytes into it. */
	v->hdr_len = chance(&fg->r, 50) ? k->l4 + l4h : 14 + below(&fg->r, k->l4 + l4h);
	k->f->gso = 1;
}

/* Whole (most), or truncated at a header boundary, or corrupted. */
static void damage(struct framegen *fg, struct build *k)
{
	struct pframe *f = k->f;
	uint32_t pick = below(&fg->r, 100);

	if (pick < 12 && k->nb) {
		size_t at = k->bound[below(&fg->r, k->nb)];

		at += below(&fg->r, 4);
		at -= at ? below(&fg->r, 2) : 0;
		if (at < f->len)
			f->len = at;
	} else if (pick < 20) {
		for (int i = 0, n = 1 + below(&fg->r, 4); i < n && f->len; i++) {
			size_t lim = f->len < 96 ? f->len : 96;

			f->b[below(&fg->r, lim)] ^= 1 << below(&fg->r, 8);
		}
	} else if (pick < 26 && k->l3 && f->len >= k->l3 + 8) {
		/* A length field set to a boundary value. */
		static const uint16_t v[] = { 0, 1, 19, 20, 21, 40, 0x7fff, 0xffff };
		uint8_t *l3 = f->b + k->l3;

		if (k->v6)
			put16(l3 + 4, v[below(&fg->r, 8)]);
		else if (chance(&fg->r, 50))
			put16(l3 + 2, v[below(&fg->r, 8)]);
		else
			l3[0] = 0x40 | below(&fg->r, 16);
	} else if (pick < 29) {
		/* A vnet header of lies. */
		rand_bytes(&fg->r, (uint8_t *)&f->vnet, sizeof(f->vnet));
		f->gso = 1;
	}
}

void framegen_init(struct framegen *fg, uint64_t seed)
{
	memset(fg, 0, sizeof(*fg));
	fg->r.s = seed * 0x9E3779B97F4A7C15ULL + 77;
	fg->pending = calloc(1, sizeof(*fg->pending));
}

void gen_pframe(struct framegen *fg, struct pframe *f)
{
	struct build k = { .f = f };
	uint32_t kind;
	int cls = C_ANY, frag = 0, large;
	size_t hl = 0;

	if (fg->has_pending) {
		memcpy(f, fg->pending, sizeof(*f));
		fg->has_pending = 0;
		return;
	}
	f->len = 0;
	f->vnet = (struct virtio_net_hdr){ 0 };
	f->gso = 0;
	large = chance(&fg->r, 6);
	kind = below(&fg->r, 100);
	/* The class goes into the source address once it is known. */
	eth(fg, &k);
	if (kind < 30) { /* IPv4 */
		uint8_t p = ip_proto(fg, 0, &cls);

		frag = chance(&fg->r, 8);
		ethertype(&k, 0x0800);
		ipv4(fg, &k, p);
		hl = k.f->len;
		l4(fg, &k);
	} else if (kind < 52) { /* IPv6 */
		uint8_t p = ip_proto(fg, 1, &cls);

		frag = chance(&fg->r, 6);
		ethertype(&k, 0x86dd);
		ipv6(fg, &k, p);
		hl = k.f->len;
		l4(fg, &k);
		if (frag && hl != k.l3 + 40)
			frag = 0; /* fragments only after the fixed header */
	} else if (kind < 60) { /* ARP, RARP */
		uint8_t *a;

		cls = C_ARP;
		ethertype(&k, chance(&fg->r, 90) ? 0x0806 : 0x8035);
		a = grow(&k, 28);
		a[1] = 1, a[2] = 8, a[4] = 6, a[5] = 4;
		a[7] = 1 + below(&fg->r, 2);
		rand_bytes(&fg->r, a + 8, 20);
		mark(&k);
	} else if (kind < 68) { /* MPLS, 1 to 3 labels over IPv4 */
		int n = 1 + below(&fg->r, 3);

		cls = C_MPLS;
		ethertype(&k, chance(&fg->r, 85) ? 0x8847 : 0x8848);
		for (int i = 0; i < n; i++) {
			uint8_t *l = grow(&k, 4);

			rand_bytes(&fg->r, l, 3);
			l[2] = (l[2] & 0xfe) | (i == n - 1 && chance(&fg->r, 90));
			l[3] = 64;
			mark(&k);
		}
		ipv4(fg, &k, 17);
		l4(fg, &k);
	} else if (kind < 80) { /* VLAN, QinQ */
		int qinq = chance(&fg->r, 25);

		cls = C_VLAN;
		if (qinq)
			vlan_tag(fg, &k, 0x88a8);
		vlan_tag(fg, &k, 0x8100);
		if (chance(&fg->r, 80)) {
			uint8_t p = ip_proto(fg, 0, &(int){ 0 });

			ethertype(&k, 0x0800);
			ipv4(fg, &k, p);
		} else {
			ethertype(&k, 0x86dd);
			ipv6(fg, &k, 17);
		}
		l4(fg, &k);
	} else if (kind < 88) { /* NSH over IPv4 or Ethernet */
		int md2 = chance(&fg->r, 40), np = chance(&fg->r, 85) ? 1 : 3;
		int mdlen = md2 ? 4 * below(&fg->r, 8) : 16;
		uint8_t *h;

		cls = C_NSH;
		ethertype(&k, 0x894f);
		h = grow(&k, 8 + mdlen);
		h[0] = 0;
		h[1] = (8 + mdlen) / 4; /* length in words */
		h[2] = md2 ? 2 : 1;
		h[3] = np;
		rand_bytes(&fg->r, h + 4, 4 + mdlen);
		mark(&k);
		if (np == 1) {
			ipv4(fg, &k, 17);
			l4(fg, &k);
		} else {
			eth(fg, &k);
			ethertype(&k, 0x0800);
		}
	} else { /* other ethertypes, 802.3 lengths */
		cls = C_ANY;
		ethertype(&k, (uint16_t[]){ 0x1234, 0x05dc, 0x0040, 0x88cc, 0x8100 }[below(&fg->r, 5)]);
		rand_bytes(&fg->r, grow(&k, 32), 32);
		mark(&k);
	}
	/* Most frames for their class's flow; the rest for another (a miss
	 * but for C_ANY) or for none (an upcall). */
	if (chance(&fg->r, 12))
		cls = chance(&fg->r, 40) ? (int)below(&fg->r, NCLASS) : NCLASS + (int)below(&fg->r, 8);
	f->b[11] = cls;
	payload(fg, &k, large ? 4096 + below(&fg->r, 12000) : below(&fg->r, 200));
	k.l4_end = f->len;
	finish(&k);
	f->large = large;
	if (large && k.l4 && (k.proto == 6 || k.proto == 17) && chance(&fg->r, 80))
		vnet_gso(fg, &k);
	else if (k.l4 && (k.proto == 6 || k.proto == 17) && chance(&fg->r, 10)) {
		f->vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		f->vnet.csum_start = k.l4;
		f->vnet.csum_offset = k.proto == 6 ? 16 : 6;
	}
	if (frag && !f->gso && fg->pending && k.l3)
		fragment(fg, &k, hl);
	else
		damage(fg, &k);
}
