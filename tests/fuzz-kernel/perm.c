// SPDX-License-Identifier: GPL-2.0
/*
 * ovsfuzz perm: every command's permission (GENL_UNS_ADMIN_PERM on the
 * ones that change state, none on GET/FEATURES), as the kernel checks it
 * against both the socket's opener and the sender:
 *
 *   root               root's socket in the initial netns (the reference)
 *   nobody             uid 65534 in the initial netns
 *   userns             uid 65534 in a user namespace owning a new netns,
 *                      on a socket opened there (allowed)
 *   userns-on-init     the same process on a socket it opened in the
 *                      initial netns before it unshared (refused)
 *   root-sock-nobody   a socket opened by root, used by uid 65534
 *   nobody-sock-root   a socket opened as euid 65534, used by root
 *
 * Each case prints one line per command with its errno; the VM test
 * compares the table with openvswitch.ko's.
 */
#include "requests.h"

#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534

static void line(const char *tag, const char *what, int e)
{
	printf("%-17s %-22s %s\n", tag, what, errno_name(e));
}

/* Every command in a sensible order, on datapath "pm-dp" of the socket's
 * namespace; "pm-x" objects are made and removed. */
static void all_cmds(struct nlsock *s, const char *tag)
{
	int dpx = 0;

	rq = s;
	dp1 = 0;
	get_dp(rq, "pm-dp", &dp1);
	line(tag, "DP NEW", new_dp(rq, "pm-x", &dpx));
	line(tag, "DP GET", get_dp(rq, "pm-x", NULL));
	line(tag, "DP dump", dump(F_DP, OVS_DP_CMD_GET, 0));
	line(tag, "DP SET", dp_set("pm-x", 0));
	line(tag, "DP DEL", del_dp(rq, "pm-x"));
	line(tag, "VPORT NEW", port_new(dp1, "pm-xp"));
	line(tag, "VPORT GET", get_vport(rq, dp1, "pm-xp", NULL));
	line(tag, "VPORT dump", dump(F_VPORT, OVS_VPORT_CMD_GET, dp1));
	start(F_VPORT, OVS_VPORT_CMD_SET, dp1, 0);
	put_str(&m, OVS_VPORT_ATTR_NAME, "pm-xp");
	put_u32(&m, OVS_VPORT_ATTR_UPCALL_PID, 1);
	line(tag, "VPORT SET", go());
	line(tag, "VPORT DEL", port_del(dp1, "pm-xp"));
	line(tag, "FLOW NEW", flow_new(ufid_a, 0xa));
	line(tag, "FLOW GET", get_flow(rq, dp1, ufid_a));
	line(tag, "FLOW dump", dump(F_FLOW, OVS_FLOW_CMD_GET, dp1));
	line(tag, "FLOW SET", flow_set(1));
	line(tag, "FLOW DEL", flow_del(ufid_a));
	line(tag, "PACKET EXECUTE", execute());
	line(tag, "METER FEATURES", meter_cmd(OVS_METER_CMD_FEATURES, 0));
	line(tag, "METER SET", meter_set(3, 1000));
	line(tag, "METER GET", meter_cmd(OVS_METER_CMD_GET, 3));
	line(tag, "METER dump", dump(F_METER, OVS_METER_CMD_GET, dp1));
	line(tag, "METER DEL", meter_cmd(OVS_METER_CMD_DEL, 3));
	line(tag, "CT_LIMIT SET", ct_limit(OVS_CT_LIMIT_CMD_SET, 6, 10));
	line(tag, "CT_LIMIT GET", ct_limit(OVS_CT_LIMIT_CMD_GET, 6, 0));
	line(tag, "CT_LIMIT DEL", ct_limit(OVS_CT_LIMIT_CMD_DEL, 6, 0));
	fflush(stdout);
}

static struct nlsock *sock(void)
{
	struct nlsock *s = calloc(1, sizeof(*s));

	if (!s || nl_open(s) || nl_resolve(s)) {
		fprintf(stderr, "ovsfuzz perm: no netlink socket or no OVS families\n");
		exit(3);
	}
	return s;
}

static int drop_to_nobody(void)
{
	return setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	       setresuid(NOBODY, NOBODY, NOBODY);
}

static int in_child(void (*fn)(void))
{
	pid_t p = fork();
	int st = 0;

	if (!p) {
		fn();
		exit(0);
	}
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void c_root(void) { all_cmds(sock(), "root"); }

static void c_nobody(void)
{
	if (drop_to_nobody())
		exit(4);
	all_cmds(sock(), "nobody");
}

static void c_userns(void)
{
	struct nlsock *init;

	if (drop_to_nobody())
		exit(4);
	init = sock();
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWUSER|CLONE_NEWNET)");
		exit(5);
	}
	{
		struct nlsock *own = sock();
		int ifx;

		rq = own;
		line("userns", "DP NEW pm-dp", new_dp(own, "pm-dp", &ifx));
		line("userns", "VPORT NEW (local up)", port_new(ifx, "pm-p1"));
		all_cmds(own, "userns");
		line("userns", "DP DEL pm-dp", del_dp(own, "pm-dp"));
	}
	all_cmds(init, "userns-on-init");
}

static void c_root_sock_nobody(void)
{
	struct nlsock *s = sock();

	if (drop_to_nobody())
		exit(4);
	all_cmds(s, "root-sock-nobody");
}

static void c_nobody_sock_root(void)
{
	struct nlsock *s;

	/* euid nobody while the socket is opened (its file's credentials),
	 * root again (saved uid 0) for the sends. */
	if (setresgid(NOBODY, NOBODY, 0) || setresuid(0, NOBODY, 0))
		exit(4);
	s = sock();
	if (setresuid(0, 0, 0) || setresgid(0, 0, 0))
		exit(4);
	all_cmds(s, "nobody-sock-root");
}

int mode_perm(int argc, char **argv)
{
	struct nlsock *s = sock();
	int bad = 0;

	(void)argc;
	(void)argv;
	rq = s;
	watch_start();
	del_dp(s, "pm-dp");
	if (new_dp(s, "pm-dp", &dp1) || port_new(dp1, "pm-p1")) {
		fprintf(stderr, "ovsfuzz perm: no base datapath\n");
		return 2;
	}
	bad |= in_child(c_root);
	bad |= in_child(c_nobody);
	bad |= in_child(c_userns);
	bad |= in_child(c_root_sock_nobody);
	bad |= in_child(c_nobody_sock_root);
	rq = s;
	del_dp(s, "pm-x");
	del_dp(s, "pm-dp");
	ct_limit(OVS_CT_LIMIT_CMD_DEL, 6, 0);
	if (bad)
		problem("a case could not run (exit status %d)", bad);
	if (watch_splats())
		problem("kernel splat");
	if (watch_taint_changed())
		problem("taint changed");
	printf("problems: %d\n", problems);
	return problems ? 1 : 0;
}
