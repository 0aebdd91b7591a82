// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The userspace backend: the device is a TUN/TAP owned by gretund, reached
 * over its control socket (ctl.c). gretund is started on demand by create.
 * The netlink socket is not needed: gretunctl does addresses/routes itself.
 */
#include <errno.h>

#include "backend.h"
#include "ctl.h"

static int userspace_create(struct nl_sock *nl, const struct tunnel *t, char *err,
			    size_t errlen)
{
	return ctl_tunnel_create(t, err, errlen);
}

/* In place, keeping the TUN/TAP fd, so addresses and routes stay; a mode
 * change answers -EOPNOTSUPP and the caller recreates. */
static int userspace_change(struct nl_sock *nl, const struct tunnel *t, char *err,
			    size_t errlen)
{
	return ctl_tunnel_change(t, err, errlen);
}

static int userspace_destroy(struct nl_sock *nl, const char *name, char *err, size_t errlen)
{
	return ctl_tunnel_destroy(name, err, errlen);
}

static int userspace_get(struct nl_sock *nl, const char *name, struct tunnel *t,
			 struct tunnel_stats *st, char *err, size_t errlen)
{
	return ctl_tunnel_get(name, t, st, err, errlen);
}

const struct backend_ops backend_userspace = {
	.name = "userspace",
	.create = userspace_create,
	.change = userspace_change,
	.destroy = userspace_destroy,
	.get = userspace_get,
};
