// SPDX-License-Identifier: GPL-2.0-or-later
/* The change journal: what makes a failed command leave the system as it was. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "gretunctl.h"
#include "nl.h"

int journal_push(struct journal *j, const struct undo *u)
{
	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 16;
		struct undo *v = realloc(j->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		j->v = v;
		j->cap = cap;
	}
	j->v[j->n++] = *u;
	return 0;
}

/* The old device is back, empty and down: its MTU, addresses, link state
 * and routes as they were (routes the kernel made from the addresses, and
 * IPv6 link-local addresses, come back by themselves). */
static int snap_restore(struct nl_sock *nl, const char *name, const struct link_snap *s)
{
	struct nl_link l;
	int ret, first = 0;

	if (!s)
		return 0;
	ret = nl_link_get(nl, name, &l);
	if (ret < 0)
		return ret;
	if (s->mtu && l.mtu != s->mtu && (ret = nl_link_set_mtu(nl, l.ifindex, s->mtu)) < 0)
		first = ret;
	for (size_t i = 0; i < s->n_addrs; i++) {
		const struct nl_addr *a = &s->addrs[i];

		if (a->p.family == AF_INET6 && a->scope == RT_SCOPE_LINK)
			continue;
		ret = nl_addr_add(nl, l.ifindex, &a->p, a->proto);
		if (ret < 0 && ret != -EEXIST && !first)
			first = ret;
	}
	if (s->up && (ret = nl_link_set_up(nl, l.ifindex, true)) < 0 && !first)
		first = ret;
	for (size_t i = 0; s->up && i < s->n_routes; i++) {
		const struct nl_route *r = &s->routes[i];

		if (nl_route_is_kernels(r))
			continue;
		ret = nl_route_add(nl, l.ifindex, &r->r, r->protocol);
		if (ret < 0 && ret != -EEXIST && !first)
			first = ret;
	}
	return first;
}

int device_restore(struct nl_sock *nl, const char *name, const struct tunnel *old,
		   const struct link_snap *snap)
{
	char err[BACKEND_ERR_MAX];	/* rollback reports the errno only */
	int ret = backend_for(old->backend)->create(nl, old, err, sizeof(err));

	return ret < 0 ? ret : snap_restore(nl, name, snap);
}

static int undo_one(struct nl_sock *nl, const struct undo *u)
{
	char err[BACKEND_ERR_MAX];	/* rollback reports the errno only */

	switch (u->kind) {
	case UNDO_DESTROY:
		return u->be->destroy(nl, u->name, err, sizeof(err));
	case UNDO_CHANGE:
		return u->be->change(nl, u->old, err, sizeof(err));
	case UNDO_RECREATE: {
		int ret = u->be->destroy(nl, u->name, err, sizeof(err));

		if (ret < 0 && ret != -ENODEV)
			return ret;
		return device_restore(nl, u->name, u->old, u->snap);
	}
	case UNDO_MTU:
		return nl_link_set_mtu(nl, u->ifindex, u->mtu);
	case UNDO_LINK_DOWN:
		return nl_link_set_up(nl, u->ifindex, false);
	case UNDO_ADDR_DEL:
		return nl_addr_del(nl, u->ifindex, &u->p);
	case UNDO_ADDR_ADD:
		return nl_addr_add(nl, u->ifindex, &u->p, u->proto);
	case UNDO_ROUTE_DEL:
		return nl_route_del(nl, u->ifindex, &u->r);
	case UNDO_ROUTE_ADD:
		return nl_route_add(nl, u->ifindex, &u->r, u->proto);
	case UNDO_ROUTE_REPLACE:
		return nl_route_replace(nl, u->ifindex, &u->r, u->proto);
	case UNDO_RULE_DEL: {
		int ret = nl_rule_del(nl, &u->rule);

		return ret == -ENOENT ? 0 : ret;
	}
	case UNDO_RULE_ADD: {
		int ret = nl_rule_add(nl, &u->rule);

		return ret == -EEXIST ? 0 : ret;
	}
	}
	return -EINVAL;
}

size_t journal_rollback(struct journal *j, struct nl_sock *nl)
{
	size_t failed = 0;

	while (j->n > 0) {
		const struct undo *u = &j->v[--j->n];
		int ret = undo_one(nl, u);

		/* A device already gone takes its addresses and routes along. */
		if (ret < 0 && ret != -ENODEV && ret != -ESRCH && ret != -EADDRNOTAVAIL) {
			errmsg("rollback: could not undo a step on %s: %s", u->name, strerror(-ret));
			failed++;
		}
	}
	return failed;
}

void journal_free(struct journal *j)
{
	free(j->v);
	memset(j, 0, sizeof(*j));
}
