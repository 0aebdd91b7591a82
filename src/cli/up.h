/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What up (cmd_up.c) shares with up --all (cmd_all.c): one tunnel's change
 * in progress, and the steps both take. */
#ifndef GRETUN_UP_H
#define GRETUN_UP_H

#include "gretunctl.h"
#include "nl.h"
#include "runtime.h"

/* Every address and route of the namespace, dumped once for many tunnels. */
struct up_dumps {
	struct nl_addr *addrs;
	size_t n_addrs;
	struct nl_route *routes;
	size_t n_routes;
};

struct up_ctx {
	const char *verb;		/* "up" or "set", for messages */
	struct nl_sock *nl;
	struct tunnel *t;		/* desired */
	struct tunnel old;		/* applied before, from the state file */
	bool has_old;
	const struct backend_ops *be;
	struct journal j;
	bool created;
	struct link_snap snap;		/* the device a recreate replaced */
	struct state_meta meta;		/* saved with the state */
	bool usage_error;		/* the failure is the config's: exit 2 */
	char err[BACKEND_ERR_MAX];	/* the backend's message for its last step */
	char why[REASON_MAX + 64];	/* backend_error's words */
	const struct up_dumps *dumps;	/* up --all: read these, not a dump each */
};

/* The underlay's MTU for the auto MTU (0: none known yet), and t->mtu from
 * it; errors printed. */
int mtu_underlay(struct up_ctx *c, uint32_t *under);
int mtu_apply(struct up_ctx *c, uint32_t under);
/* The backend's failure in words, for one errmsg. */
const char *backend_error(struct up_ctx *c, int err);
void route_error(const char *verb, const char *what, const char *name, const struct route *r,
		 int err, struct nl_sock *nl);
/* The policy routing rules of the tunnel's default routes, after its
 * routes (rules.h); journalled. */
int rules_converge(struct up_ctx *c, int ifindex);
/* Bring c->t up or converge it, journalling every change (c->nl open, the
 * lock held, c->old/has_old loaded). up --all does the same steps batched
 * for the devices it makes (cmd_all.c): a step added here belongs there
 * too. */
int tunnel_up(struct up_ctx *c);
/* Backend=auto with what only gretund does (learning, persistent
 * keepalives): the userspace backend, said once on stderr. */
void up_backend_pick(struct tunnel *t);
/* Datapath=auto, a device gretund just made (c->be, c->nl): say once on
 * stderr why gretund's own path serves it rather than the in-kernel fast
 * path (show says it too). */
void up_datapath_tell(struct up_ctx *c, const struct tunnel *t);
void up_ctx_free(struct up_ctx *c);

#endif
