// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * restart: hand the userspace data plane of this network namespace to a
 * freshly started gretund (the binary on disk now), without dropping
 * packets. One gretund serves every userspace tunnel of a namespace, so
 * `restart NAME` restarts the process that serves NAME and `restart all`
 * the one that serves them all. The daemon does the work and answers only
 * when the new process runs or the handover has been called off.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "ctl.h"
#include "gretunctl.h"
#include "runtime.h"

int restart_main(int argc, char *argv[])
{
	static const int need[] = { CAP_NET_ADMIN, -1 };
	const char *missing = NULL, *target;
	struct tunnel t, st;
	bool has_state = false;
	char err[512], why[BACKEND_ERR_MAX] = "";
	int ret, old_pid = 0, new_pid = 0;

	if (argc != 2) {
		errmsg("restart: expected one argument: NAME or all");
		return EXIT_USAGE;
	}
	target = argv[1];
	if (strcmp(target, "all") && !ifname_valid(target)) {
		name_error("restart", target);
		return EXIT_USAGE;
	}
	if (caps_require(need, &missing) < 0) {
		errmsg("restart %s: missing privilege %s", target, missing ? missing : "CAP_NET_ADMIN");
		return EXIT_PRIVILEGE;
	}
	if (strcmp(target, "all")) {
		tunnel_init(&st);
		has_state = state_load(target, &st, err, sizeof(err)) == 0;
		if (has_state && st.backend == BACKEND_KERNEL) {
			tunnel_free(&st);
			errmsg("restart %s: %s uses the kernel backend; there is no process to restart",
			       target, target);
			return EXIT_FAILED;
		}
		if (has_state)
			tunnel_free(&st);
		ret = ctl_tunnel_get(target, &t, NULL, why, sizeof(why));
		if (ret == -ENODEV) {
			errmsg("restart %s: no userspace tunnel %s", target, target);
			return EXIT_NOTFOUND;
		}
		if (ret < 0) {
			errmsg("restart %s: cannot reach gretund: %s%s", target, strerror(-ret),
			       backend_reason(&backend_userspace, why));
			return exit_for_errno(ret);
		}
		tunnel_free(&t);
	}
	ret = ctl_daemon_restart(&old_pid, &new_pid, why, sizeof(why));
	if (ret == -ECONNREFUSED || ret == -ENOENT) {
		infomsg("restart %s: no gretund runs in this network namespace; nothing to do", target);
		return EXIT_OK;
	}
	if (ret < 0) {
		errmsg("restart %s: gretund %d keeps serving: %s", target, old_pid,
		       *why ? why : strerror(-ret));
		return ret == -EPERM ? EXIT_PRIVILEGE : EXIT_FAILED;
	}
	infomsg("restart %s: gretund %d handed over to %d", target, old_pid, new_pid);
	return EXIT_OK;
}
