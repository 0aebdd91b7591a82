/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The client side of the gretund control protocol (see gretund(8)): used by
 * backend_userspace.c. Connects to the gretund of the caller's network
 * namespace, starting it on demand, and parses its JSON replies with json_parse
 * (json.h; fuzzed: fuzz/fuzz_ctl.c, fuzz/fuzz_json.c).
 */
#ifndef GRETUN_CTL_H
#define GRETUN_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "backend.h"
#include "tunnel.h"

#define CTL_REPLY_MAX	16384

/*
 * Errors: 0 or -errno, and a one-line message in the caller's err[errlen]
 * ("" when there is nothing to add to the errno; err may be NULL when
 * errlen is 0): gretund's own "error" for a refused request, else what
 * went wrong on the way. The project's one way to carry a message.
 */

/* 0 if pid/uid may be trusted as a gretund peer or obeyed as a client:
 * uid 0, or CAP_NET_ADMIN in CapEff while in the caller's user namespace. */
int ctl_peer_privileged(pid_t pid, uid_t uid);

/* Connect to the running gretund; -ECONNREFUSED/-ENOENT when none runs,
 * -EPERM when the socket's owner is not privileged (squatter). */
int ctl_connect(int *fd, char *err, size_t errlen);
/* Connect, starting `gretund --daemon` first when none runs. When it cannot
 * be run at all, -ENOEXEC, and err says "cannot run gretund `PATH': WHY". */
int ctl_connect_or_start(int *fd, char *err, size_t errlen);
/* Send one request line (newline added if missing), read one reply line
 * into reply (NUL-terminated, newline stripped). 0 or -errno. */
int ctl_transact(int fd, const char *req, char *reply, size_t size, char *err, size_t errlen);

/* 0 if the reply says "ok":true; else the reply's -errno (its message in
 * err), or -EBADMSG if it is not a valid reply. */
int ctl_reply_status(const char *reply, size_t len, char *err, size_t errlen);
/* A `get` reply into t (tunnel_init'ed here) and st (may be NULL). */
int ctl_reply_parse_tunnel(const char *reply, size_t len, struct tunnel *t,
			   struct tunnel_stats *st, char *err, size_t errlen);

/* ---- requests --------------------------------------------------------------- */

int ctl_tunnel_create(const struct tunnel *t, char *err, size_t errlen);
int ctl_tunnel_change(const struct tunnel *t, char *err, size_t errlen);
int ctl_tunnel_destroy(const char *name, char *err, size_t errlen);
int ctl_tunnel_get(const char *name, struct tunnel *t, struct tunnel_stats *st, char *err,
		   size_t errlen);
/* Many at once over one connection (up --all, down --all): the requests go
 * back to back, gretund answers them in order. ret[i] is 0 or -errno for
 * the i-th, errs + i * errlen its message; each as the one-tunnel call
 * would say (destroy: -ENODEV when no gretund serves it). Returns 0 when
 * all succeeded, else the first failure. */
int ctl_tunnel_create_many(const struct tunnel *const *t, size_t n, int *ret, char *errs,
			   size_t errlen);
int ctl_tunnel_destroy_many(const char (*names)[IFNAMSIZ], size_t n, int *ret, char *errs,
			    size_t errlen);
/* Names of the daemon's tunnels; *names is malloc'd (n entries). No daemon
 * running means no tunnels: 0 with n = 0. */
int ctl_tunnel_list(char (**names)[IFNAMSIZ], size_t *n, char *err, size_t errlen);
/* Ask the running gretund to hand over to a new process (gretund(8),
 * RESTART); the pids of both. -ECONNREFUSED/-ENOENT when none runs; else
 * the daemon's -errno with its reason in err. */
#define CTL_RESTART_TIMEOUT_MS	30000
int ctl_daemon_restart(int *old_pid, int *new_pid, char *err, size_t errlen);

#endif
