/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovsfuzz packets: seeded Ethernet frames of every protocol the flow key
 * knows, whole, truncated at a header boundary or corrupted, some with a
 * virtio_net_hdr claiming GSO or a partial checksum (written to a tap with
 * IFF_VNET_HDR).
 */
#ifndef OVSFUZZ_FRAMES_H
#define OVSFUZZ_FRAMES_H

#include "grammar.h"

#include <linux/virtio_net.h>

/* The flow class a frame is meant for: packets.c installs one flow per
 * class, told apart by the last byte of the Ethernet source (and the
 * ethertype, IP protocol), so that no two flows overlap and which one a
 * packet hits does not depend on the mask order. */
enum pclass {
	C_ANY, /* untagged, any ethertype */
	C_IP4, C_IP4_TCP, C_IP4_UDP, C_IP4_SCTP, C_IP4_ICMP,
	C_IP6, C_IP6_TCP, C_IP6_UDP, C_IP6_ICMP,
	C_ARP, C_MPLS, C_VLAN, C_NSH,
	NCLASS
};

/* The bit of the transport source port the L4 classes match on: C's
 * set(tcp/udp/sctp) validation wants a masked key with a port. */
#define TP_BIT 0x0100 /* network order: the low bit of the high byte */

#define FRAME_MAX 20000

struct pframe {
	struct virtio_net_hdr vnet;
	uint8_t b[FRAME_MAX];
	size_t len;
	int gso; /* the vnet header claims GSO */
	int large; /* past 4 KiB: the tap builds page fragments */
};

struct framegen {
	struct rng r;
	uint16_t ip_id;
	/* The second half of a fragmented datagram, sent next. */
	struct pframe *pending;
	int has_pending;
};

void framegen_init(struct framegen *fg, uint64_t seed);
/* The next frame into f (whole, truncated or corrupted). */
void gen_pframe(struct framegen *fg, struct pframe *f);

#endif
