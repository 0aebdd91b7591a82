// SPDX-License-Identifier: GPL-2.0-or-later
/* Kernel backend: a gre/gretap/ip6gre/ip6gretap netdevice over rtnetlink. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "nl.h"

/* ret, with the kernel's extended ACK for the last request ("" if none). */
static int kernel_result(struct nl_sock *nl, int ret, char *err, size_t errlen)
{
	nl_errmsg(nl, err, errlen);
	return ret;
}

static int kernel_create(struct nl_sock *nl, const struct tunnel *t, char *err, size_t errlen)
{
	return kernel_result(nl, nl_link_create(nl, t), err, errlen);
}

static int kernel_find(struct nl_sock *nl, const char *name, struct nl_link *l)
{
	int ret = nl_link_get(nl, name, l);

	if (ret < 0)
		return ret;
	return l->is_gre ? 0 : -ENODEV;
}

static int kernel_change(struct nl_sock *nl, const struct tunnel *t, char *err, size_t errlen)
{
	struct nl_link l;
	int ret = kernel_find(nl, t->name, &l);

	if (ret < 0)
		return kernel_result(nl, ret, err, errlen);
	if (l.t.mode != t->mode)
		return kernel_result(nl, -EOPNOTSUPP, err, errlen);
	return kernel_result(nl, nl_link_change(nl, l.ifindex, t), err, errlen);
}

static int kernel_destroy(struct nl_sock *nl, const char *name, char *err, size_t errlen)
{
	struct nl_link l;
	int ret = kernel_find(nl, name, &l);

	if (ret < 0)
		return kernel_result(nl, ret, err, errlen);
	return kernel_result(nl, nl_link_delete(nl, l.ifindex), err, errlen);
}

static int kernel_get(struct nl_sock *nl, const char *name, struct tunnel *t,
		      struct tunnel_stats *st, char *err, size_t errlen)
{
	struct nl_link l;
	int ret = kernel_find(nl, name, &l);

	if (ret < 0)
		return kernel_result(nl, ret, err, errlen);
	*t = l.t;
	snprintf(t->name, sizeof(t->name), "%s", l.name);
	t->backend = BACKEND_KERNEL;
	t->mtu = l.mtu;
	memset(st, 0, sizeof(*st));
	if (l.has_stats) {
		st->rx_packets = l.stats.rx_packets;
		st->rx_bytes = l.stats.rx_bytes;
		st->tx_packets = l.stats.tx_packets;
		st->tx_bytes = l.stats.tx_bytes;
		st->rx_errors = l.stats.rx_errors;
		st->tx_errors = l.stats.tx_errors;
		st->tx_dropped = l.stats.tx_dropped;
	}
	return 0;
}

const struct backend_ops backend_kernel = {
	.name = "kernel",
	.create = kernel_create,
	.change = kernel_change,
	.destroy = kernel_destroy,
	.get = kernel_get,
};
