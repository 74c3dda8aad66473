// SPDX-License-Identifier: GPL-2.0
/*
 * upcall_drain FD SECONDS: read the upcalls arriving on the netlink socket
 * FD (a datapath's upcall port, set up by `ovs_dp.py upcall-sink`) as fast
 * as they come, and print one JSON line:
 *
 *   {"op":"upcalls","upcalls":N,"seconds":S,"per_s":R,"overruns":K}
 *
 * N messages were read between the first and the last one (S seconds
 * apart); K times the socket said ENOBUFS (the kernel dropped upcalls for
 * want of room). It waits up to SECONDS for the first upcall and stops
 * once none came for one second, or after SECONDS in all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 64
#define BUF 4096

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static char bufs[BATCH][BUF];
	struct mmsghdr msgs[BATCH];
	struct iovec iovs[BATCH];
	unsigned long long upcalls = 0, overruns = 0;
	double start, first = 0, last = 0, limit;
	struct pollfd pfd;
	int i;

	if (argc != 3) {
		fprintf(stderr, "usage: upcall_drain FD SECONDS\n");
		return 2;
	}
	pfd.fd = atoi(argv[1]);
	pfd.events = POLLIN;
	start = now();
	limit = start + atof(argv[2]);
	for (i = 0; i < BATCH; i++) {
		iovs[i].iov_base = bufs[i];
		iovs[i].iov_len = BUF;
		memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (now() < limit) {
		int n = poll(&pfd, 1, upcalls ? 1000 : 200);

		if (n < 0 && errno != EINTR) {
			perror("upcall_drain: poll");
			return 1;
		}
		if (n == 0 && upcalls)
			break;      /* a second without upcalls: the run is over */
		if (n <= 0)
			continue;
		n = recvmmsg(pfd.fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == ENOBUFS)
				overruns++;
			else if (errno != EAGAIN && errno != EINTR) {
				perror("upcall_drain: recvmmsg");
				return 1;
			}
			continue;
		}
		for (i = 0; i < n; i++) {
			struct nlmsghdr *h = (struct nlmsghdr *)bufs[i];

			if (msgs[i].msg_len >= sizeof(*h) && h->nlmsg_type >= NLMSG_MIN_TYPE)
				upcalls++;
		}
		last = now();
		if (!first)
			first = last;
	}
	printf("{\"op\":\"upcalls\",\"upcalls\":%llu,\"seconds\":%.6f,\"per_s\":%.1f,\"overruns\":%llu}\n",
	       upcalls, last - first, last > first ? upcalls / (last - first) : 0.0, overruns);
	return 0;
}
