// SPDX-License-Identifier: GPL-2.0
/*
 * ovsfuzz packets: frames through a real receive path. In a network
 * namespace of its own (its own conntrack table and fragment queues, so a
 * run depends only on its seed), a datapath gets a tap with a vnet header
 * (GSO marks, partial checksums, small linear heads with page fragments)
 * as its input port, a second tap and an internal port as outputs, one
 * flow per frame class (frames.h) whose actions cover every action, and
 * flows for the recirculations. Frames from frames.c go into the tap while
 * the flows' actions churn; misses and userspace() actions are upcalled to
 * a reader thread. At the end the datapath's and ports' counters are
 * printed (the differential test compares them with openvswitch.ko's) and
 * checked, and the kernel log must hold no splat.
 */
#include "packets.h"
#include "requests.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <poll.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define DP_NAME "pkdp"
#define TAP_IN "pktap0"
#define TAP_OUT "pkout0"
#define INT_PORT "pkint0"
static const char *const port_name[NPORTS] = { TAP_IN, TAP_OUT, INT_PORT };
uint32_t port_no[NPORTS];
struct packets_opt opt = { .seed = 1, .packets = 10000, .churn = 64 };
int dp_index;
uint32_t upcall_pid;

/* --- upcalls ------------------------------------------------------------ */

static struct nlsock *up;
static volatile int reader_stop;
static unsigned long up_miss, up_action, up_bad, up_overrun;

static void count_upcalls(const uint8_t *buf, int n)
{
	for (const struct nlmsghdr *h = (const void *)buf; NLMSG_OK(h, n);
	     h = NLMSG_NEXT(h, n)) {
		const struct genlmsghdr *g = NLMSG_DATA(h);
		size_t hdr = NLMSG_HDRLEN + GENL_HDRLEN + sizeof(struct ovs_header);
		int has_packet = 0, has_key = 0;

		if (h->nlmsg_type != up->fam_id[F_PACKET] || h->nlmsg_len < hdr) {
			up_bad++;
			continue;
		}
		for (const struct nlattr *a = (const void *)((const uint8_t *)h + hdr);
		     (const uint8_t *)a + NLA_HDRLEN <= (const uint8_t *)h + h->nlmsg_len &&
		     a->nla_len >= NLA_HDRLEN;
		     a = (const void *)((const uint8_t *)a + NLA_ALIGN(a->nla_len))) {
			has_packet |= (a->nla_type & NLA_TYPE_MASK) == OVS_PACKET_ATTR_PACKET;
			has_key |= (a->nla_type & NLA_TYPE_MASK) == OVS_PACKET_ATTR_KEY;
		}
		if (!has_packet || !has_key)
			up_bad++;
		else if (g->cmd == OVS_PACKET_CMD_MISS)
			up_miss++;
		else if (g->cmd == OVS_PACKET_CMD_ACTION)
			up_action++;
		else
			up_bad++;
	}
}

/* The taps' fds: what the datapath sends to the ports is read (and
 * counted by the tap then) so that their queues never overflow. */
static int tap_fd[2];

static int drain_taps(void)
{
	static uint8_t buf[70000];
	int got = 0;

	for (int i = 0; i < 2; i++)
		while (read(tap_fd[i], buf, sizeof(buf)) > 0)
			got = 1;
	return got;
}

/* Reads upcalls and the taps until told to stop and nothing came for a
 * while. */
static void *reader(void *arg)
{
	struct timespec last, now;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &last);
	for (;;) {
		struct pollfd p[3] = { { up->fd, POLLIN, 0 }, { tap_fd[0], POLLIN, 0 },
				       { tap_fd[1], POLLIN, 0 } };
		ssize_t n = 0;
		int got;

		poll(p, 3, 100);
		got = drain_taps();
		if (p[0].revents)
			n = recv(up->fd, up->rbuf, sizeof(up->rbuf), MSG_DONTWAIT);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (n > 0)
			count_upcalls(up->rbuf, (int)n);
		else if (n < 0 && errno == ENOBUFS)
			up_overrun++;
		if (n > 0 || got) {
			last = now;
			continue;
		}
		if (reader_stop && (now.tv_sec - last.tv_sec) * 1000 +
		    (now.tv_nsec - last.tv_nsec) / 1000000 > 500)
			return NULL;
	}
}

static int open_upcall_socket(void)
{
	struct sockaddr_nl sa;
	socklen_t sl = sizeof(sa);
	struct timeval tmo = { .tv_usec = 100000 };
	int big = 64 << 20;

	up = calloc(1, sizeof(*up));
	if (!up || nl_open(up) || nl_resolve(up))
		return -1;
	/* Room for every upcall of a run: the lost count is then the
	 * datapath's, not the reader's speed. */
	setsockopt(up->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(up->fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	if (getsockname(up->fd, (struct sockaddr *)&sa, &sl))
		return -1;
	upcall_pid = sa.nl_pid;
	return 0;
}

/* --- devices and the datapath -------------------------------------------- */

static int tap_open(const char *name, int flags)
{
	struct ifreq ifr = { .ifr_flags = flags };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);

	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	/* Checksum offload: a partial checksum goes out as it is, as to a
	 * VM's virtio port, rather than completed by the stack. */
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM)) {
		perror(name);
		return -1;
	}
	return fd;
}

static int link_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	/* A queue no burst fills before the reader empties it: what a port
	 * sends does not depend on the reader's speed. */
	ifr.ifr_qlen = 32000; /* the most the kernel takes */
	if (s < 0 || ioctl(s, SIOCSIFTXQLEN, &ifr) || ioctl(s, SIOCGIFFLAGS, &ifr))
		err = -1;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(s, SIOCSIFFLAGS, &ifr))
		err = -1;
	if (err)
		perror(name);
	if (s >= 0)
		close(s);
	return err;
}

static void write_file(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, v, strlen(v)) < 0)
		fprintf(stderr, "packets: cannot write %s to %s: %s\n", v, path,
			strerror(errno));
	if (fd >= 0)
		close(fd);
}

static int add_port(int i, uint32_t type)
{
	start(F_VPORT, OVS_VPORT_CMD_NEW, dp_index, 0);
	put_str(&m, OVS_VPORT_ATTR_NAME, port_name[i]);
	put_u32(&m, OVS_VPORT_ATTR_TYPE, type);
	put_u32(&m, OVS_VPORT_ATTR_UPCALL_PID, upcall_pid);
	if (go())
		return r.err;
	return get_vport(rq, dp_index, port_name[i], &port_no[i]) ? -ENOENT : 0;
}

static int setup_dp(void)
{
	int err;

	start(F_DP, OVS_DP_CMD_NEW, 0, 0);
	put_str(&m, OVS_DP_ATTR_NAME, DP_NAME);
	put_u32(&m, OVS_DP_ATTR_UPCALL_PID, upcall_pid);
	put_u32(&m, OVS_DP_ATTR_USER_FEATURES, OVS_DP_F_UNALIGNED);
	if (go() || get_dp(rq, DP_NAME, &dp_index)) {
		fprintf(stderr, "packets: datapath: %s\n", errno_name(r.err));
		return -1;
	}
	err = add_port(P_TAP, OVS_VPORT_TYPE_NETDEV);
	if (!err)
		err = add_port(P_OUT, OVS_VPORT_TYPE_NETDEV);
	if (!err)
		err = add_port(P_INT, OVS_VPORT_TYPE_INTERNAL);
	if (err) {
		fprintf(stderr, "packets: ports: %s\n", errno_name(err));
		return -1;
	}
	if (link_up(INT_PORT))
		return -1;
	/* A meter that drops (packets/s); in the deterministic run one that
	 * never does, as its drops depend on the time. */
	start(F_METER, OVS_METER_CMD_SET, dp_index, 0);
	put_u32(&m, OVS_METER_ATTR_ID, METER_ID);
	{
		size_t b = nest(&m, OVS_METER_ATTR_BANDS), e = nest(&m, OVS_BAND_ATTR_UNSPEC);

		put_u32(&m, OVS_BAND_ATTR_TYPE, OVS_METER_BAND_TYPE_DROP);
		put_u32(&m, OVS_BAND_ATTR_RATE, opt.deterministic ? 0xffffffff : 200);
		put_u32(&m, OVS_BAND_ATTR_BURST, opt.deterministic ? 0xffffffff : 50);
		nest_end(&m, e);
		nest_end(&m, b);
	}
	if (go()) {
		fprintf(stderr, "packets: meter: %s\n", errno_name(r.err));
		return -1;
	}
	return 0;
}


/* --- counters -------------------------------------------------------------- */

/* The struct in attribute TYPE of the answer to the request in m. */
static int get_struct(uint16_t type, void *out, size_t len)
{
	const struct nlattr *a;

	if (go())
		return -1;
	a = reply_attr(&r, type);
	if (!a || a->nla_len < NLA_HDRLEN + len)
		return -1;
	memcpy(out, (const uint8_t *)a + NLA_HDRLEN, len);
	return 0;
}

static int dp_stats(struct ovs_dp_stats *s)
{
	start(F_DP, OVS_DP_CMD_GET, 0, 0);
	put_str(&m, OVS_DP_ATTR_NAME, DP_NAME);
	return get_struct(OVS_DP_ATTR_STATS, s, sizeof(*s));
}

static int port_stats(int i, struct ovs_vport_stats *s)
{
	start(F_VPORT, OVS_VPORT_CMD_GET, dp_index, 0);
	put_str(&m, OVS_VPORT_ATTR_NAME, port_name[i]);
	return get_struct(OVS_VPORT_ATTR_STATS, s, sizeof(*s));
}

/* --- fault injection --------------------------------------------------------- */

#define DEBUGFS "/sys/kernel/debug/"

static void fault_attr(const char *name, const char *prob, const char *task_filter)
{
	char p[128];
	static const char *const knob[][2] = {
		{ "interval", "1" }, { "times", "-1" }, { "verbose", "0" }, { "space", "0" },
	};

	for (size_t i = 0; i < sizeof(knob) / sizeof(knob[0]); i++) {
		snprintf(p, sizeof(p), DEBUGFS "%s/%s", name, knob[i][0]);
		write_file(p, knob[i][1]);
	}
	snprintf(p, sizeof(p), DEBUGFS "%s/task-filter", name);
	write_file(p, task_filter);
	snprintf(p, sizeof(p), DEBUGFS "%s/probability", name);
	write_file(p, prob);
}

static void faults_on(void)
{
	char pct[16];

	if (opt.fail_realloc) /* every pull moves the head, in every context */
		fault_attr("fail_skb_realloc", "100", "N");
	if (opt.fail_alloc) {
		/* Atomic allocations only (the packet path's), and only in the
		 * writing thread: the tap receives in its context. */
		snprintf(pct, sizeof(pct), "%d", opt.fail_alloc);
		write_file(DEBUGFS "failslab/ignore-gfp-wait", "Y");
		write_file(DEBUGFS "fail_page_alloc/ignore-gfp-wait", "Y");
		write_file(DEBUGFS "fail_page_alloc/ignore-gfp-highmem", "N");
		/* Single pages too (the default spares order 0). */
		write_file(DEBUGFS "fail_page_alloc/min-order", "0");
		fault_attr("failslab", pct, "Y");
		fault_attr("fail_page_alloc", pct, "Y");
		write_file("/proc/thread-self/make-it-fail", "1");
	}
}

static void faults_off(void)
{
	if (opt.fail_realloc)
		write_file(DEBUGFS "fail_skb_realloc/probability", "0");
	if (opt.fail_alloc) {
		write_file("/proc/thread-self/make-it-fail", "0");
		write_file(DEBUGFS "failslab/probability", "0");
		write_file(DEBUGFS "fail_page_alloc/probability", "0");
		write_file(DEBUGFS "fail_page_alloc/min-order", "1");
	}
}

/* --- the run ------------------------------------------------------------------ */

static int check_counters(unsigned long written)
{
	struct ovs_dp_stats d;
	struct ovs_vport_stats s[NPORTS];
	int bad = 0;

	if (dp_stats(&d)) {
		problem("datapath GET: %s", errno_name(r.err));
		return 1;
	}
	printf("datapath: hit %llu missed %llu lost %llu\n", (unsigned long long)d.n_hit,
	       (unsigned long long)d.n_missed, (unsigned long long)d.n_lost);
	printf("upcalls: miss %lu action %lu malformed %lu\n", up_miss, up_action, up_bad);
	for (int i = 0; i < NPORTS; i++) {
		if (port_stats(i, &s[i])) {
			problem("vport GET %s: %s", port_name[i], errno_name(r.err));
			return 1;
		}
		printf("port %s: rx %llu/%llu tx %llu/%llu errors %llu/%llu dropped %llu/%llu\n",
		       port_name[i], (unsigned long long)s[i].rx_packets,
		       (unsigned long long)s[i].rx_bytes, (unsigned long long)s[i].tx_packets,
		       (unsigned long long)s[i].tx_bytes, (unsigned long long)s[i].rx_errors,
		       (unsigned long long)s[i].tx_errors, (unsigned long long)s[i].rx_dropped,
		       (unsigned long long)s[i].tx_dropped);
	}
	/* The tap counts what it accepted, and every one of those reached the
	 * datapath (a frame the key extraction refuses counts in no stat). */
	if (s[P_TAP].rx_packets != written) {
		problem("%s: rx_packets %llu, but %lu frames were accepted", TAP_IN,
			(unsigned long long)s[P_TAP].rx_packets, written);
		bad = 1;
	}
	if (d.n_hit + d.n_missed + d.n_lost > 64 * (written + 1) ||
	    d.n_hit + d.n_missed + d.n_lost + 64 < written / 2) {
		problem("lookups (%llu) out of proportion to %lu frames",
			(unsigned long long)(d.n_hit + d.n_missed + d.n_lost), written);
		bad = 1;
	}
	/* Every miss counts in n_missed, one whose upcall failed in n_lost
	 * too (as do failed userspace() upcalls); the others were queued, one
	 * upcall at least each (a GSO packet one a segment). */
	if (up_miss + d.n_lost < d.n_missed) {
		problem("%lu miss upcalls read, the datapath counts %llu misses, %llu lost",
			up_miss, (unsigned long long)d.n_missed, (unsigned long long)d.n_lost);
		bad = 1;
	}
	if (up_bad) {
		problem("%lu malformed upcalls", up_bad);
		bad = 1;
	}
	if (written > 2000 && (!d.n_hit || !d.n_missed || !(s[P_OUT].tx_packets + s[P_OUT].tx_dropped))) {
		problem("no hit, miss or output: the run tested nothing");
		bad = 1;
	}
	return bad;
}

/*
 * A regression case: check_pkt_len() takes the lesser branch for a GSO
 * packet only if its segments fit (skb_gso_validate_mac_len()), as C does;
 * openvswitch_rs took every GSO packet to fit. One TCP packet of four
 * 1000-byte segments against a length of 100 must go out the greater
 * branch, to pkout0 (segmented there: the tap does no TSO).
 */
static int gso_check_pkt_len_case(int tap)
{
	static uint8_t b[4096];
	struct virtio_net_hdr v = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				    .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .hdr_len = 54,
				    .gso_size = 1000, .csum_start = 34, .csum_offset = 16 };
	struct iovec iov[2] = { { &v, sizeof(v) }, { b, sizeof(b) } };
	struct ovs_vport_stats out, in;
	pthread_t th;

	memcpy(b, (uint8_t[]){ 2, 0, 0, 0, 0, 0xee, 2, 0, 0, 0, 0, C_IP4_TCP, 8, 0,
			       0x45, 0, (sizeof(b) - 14) >> 8, (sizeof(b) - 14) & 0xff,
			       0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 1, 0, 1,
			       1, 0, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0x20, 0 }, 48);
	if (flow_check_pkt_len(C_IP4_TCP, 100)) {
		problem("check_pkt_len flow: %s", errno_name(r.err));
		return 1;
	}
	if (pthread_create(&th, NULL, reader, NULL))
		return 1;
	if (writev(tap, iov, 2) != (ssize_t)(sizeof(v) + sizeof(b)))
		problem("the GSO frame: %s", strerror(errno));
	reader_stop = 1;
	pthread_join(th, NULL);
	if (port_stats(P_OUT, &out) || port_stats(P_INT, &in))
		return 1;
	printf("gso check_pkt_len: %s tx %llu, %s rx %llu\n", TAP_OUT,
	       (unsigned long long)out.tx_packets, INT_PORT, (unsigned long long)in.rx_packets);
	if (!out.tx_packets || in.rx_packets)
		problem("a GSO packet of 1000-byte segments took check_pkt_len(100)'s lesser branch");
	del_dp(rq, DP_NAME);
	printf("problems: %d\n", problems);
	return problems ? 1 : 0;
}

int mode_packets(int argc, char **argv)
{
	static struct nlsock sock;
	static struct pframe f;
	struct framegen fg;
	struct rng cr;
	struct timespec t0, t1;
	unsigned long written = 0, werr[NERR] = { 0 }, gso = 0, large = 0;
	pthread_t th;
	int tap, out;
	double secs;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			opt.seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--packets") && i + 1 < argc)
			opt.packets = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--churn") && i + 1 < argc)
			opt.churn = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--deterministic"))
			opt.deterministic = 1;
		else if (!strcmp(argv[i], "--case-gso-check-pkt-len"))
			opt.gso_cpl_case = 1;
		else if (!strcmp(argv[i], "--fail-realloc"))
			opt.fail_realloc = 1;
		else if (!strcmp(argv[i], "--fail-alloc") && i + 1 < argc)
			opt.fail_alloc = atoi(argv[++i]);
		else {
			fprintf(stderr, "packets: unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET)");
		return 1;
	}
	/* No IPv6 autoconfiguration or ND frames of the ports' own. */
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	tap = tap_fd[0] = tap_open(TAP_IN, IFF_TAP | IFF_NO_PI | IFF_VNET_HDR);
	out = tap_fd[1] = tap_open(TAP_OUT, IFF_TAP | IFF_NO_PI);
	if (tap < 0 || out < 0 || link_up(TAP_IN) || link_up(TAP_OUT))
		return 1;
	rq = &sock;
	if (nl_open(rq) || nl_resolve(rq) || open_upcall_socket()) {
		fprintf(stderr, "packets: the OVS families are not there\n");
		return 1;
	}
	watch_start();
	if (setup_dp())
		return 1;
	if (opt.gso_cpl_case)
		return gso_check_pkt_len_case(tap);
	install_all(0);
	if (pthread_create(&th, NULL, reader, NULL))
		return 1;
	framegen_init(&fg, opt.seed);
	cr.s = opt.seed * 0xff51afd7ed558ccdULL + 3;
	faults_on();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t i = 0; i < opt.packets; i++) {
		struct iovec iov[2] = { { &f.vnet, sizeof(f.vnet) }, { f.b, 0 } };
		ssize_t n;

		gen_pframe(&fg, &f);
		iov[1].iov_len = f.len;
		gso += f.gso;
		large += f.large;
		n = writev(tap, iov, 2);
		if (n == (ssize_t)(sizeof(f.vnet) + f.len))
			written++;
		else
			werr[n < 0 && errno < NERR ? errno : NERR - 1]++;
		if (opt.churn > 0 && i % opt.churn == (uint64_t)opt.churn - 1)
			churn(&cr);
		if (i % 1000 == 999 && (watch_splats() || watch_taint_changed()))
			problem("kernel splat or taint after %llu packets", (unsigned long long)i + 1);
	}
	faults_off();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	reader_stop = 1;
	pthread_join(th, NULL);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* The one line that depends on the run (the differential drops it). */
	printf("rate: %llu packets in %.1f s, %.0f packets/s, reader overruns %lu\n",
	       (unsigned long long)opt.packets, secs, opt.packets / (secs > 0 ? secs : 1),
	       up_overrun);
	printf("seed %llu: %llu packets, %lu accepted by the tap, %lu with GSO or csum vnet headers, %lu large\n",
	       (unsigned long long)opt.seed, (unsigned long long)opt.packets, written, gso, large);
	for (int e = 0; e < NERR; e++)
		if (werr[e])
			printf("write %s: %lu\n", errno_name(-e), werr[e]);
	print_ops();
	/* (Injected failures break none of its rules.) */
	check_counters(written);
	start(F_FLOW, OVS_FLOW_CMD_DEL, dp_index, 0);
	go();
	if (del_dp(rq, DP_NAME))
		problem("datapath DEL: %s", errno_name(r.err));
	if (watch_splats() || watch_taint_changed())
		problem("kernel splat or taint at the end");
	printf("problems: %d\n", problems);
	close(tap);
	close(out);
	return problems ? 1 : 0;
}
