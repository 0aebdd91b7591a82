// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * up: device → MTU → addresses → link up → routes → PostUp, converging an
 * existing tunnel in place. Every change is journalled; any failure undoes
 * them all, newest first, and the command exits 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/capability.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "caps.h"
#include "config.h"
#include "field.h"
#include "ctl.h"
#include "gretunctl.h"
#include "inet.h"
#include "hooks.h"
#include "nl.h"
#include "rules.h"
#include "runtime.h"
#include "up.h"

/* The MTU of the device or route that carries the underlay (for the auto
 * MTU, tunnel_mtu_auto, gretun.conf(5) MTU=); 0 when there is no route yet. */
int mtu_underlay(struct up_ctx *c, uint32_t *under)
{
	struct tunnel *t = c->t;
	int oif, ret;

	*under = 0;
	if (t->dev[0]) {
		struct nl_link l;

		ret = nl_link_get(c->nl, t->dev, &l);
		if (ret < 0) {
			errmsg("%s %s: underlay device `%s': %s", c->verb, t->name, t->dev, strerror(-ret));
			return ret;
		}
		*under = l.mtu;
	} else if (t->flags & TUNNEL_HAS_REMOTE) {
		/* with the tunnel's mark: the route of its own packets, not
		 * (with a default route through it) the tunnel itself */
		if (nl_route_lookup_mark(c->nl, t->family, &t->remote, t->fwmark, &oif, under) < 0)
			*under = 0;
	}
	return 0;
}

/* The auto MTU from the underlay's (0: the kernel's own fallback of 1500). */
int mtu_apply(struct up_ctx *c, uint32_t under)
{
	struct tunnel *t = c->t;

	if (!under)
		under = 1500;
	t->mtu = tunnel_mtu_auto(t, under);
	/* What config_finalize says of an explicit MTU, said before any
	 * change: the kernel would refuse the IPv6 addresses later. */
	for (size_t i = 0; t->mtu < 1280 && i < t->n_addresses; i++) {
		if (t->addresses[i].family != AF_INET6)
			continue;
		errmsg("%s %s: the automatic MTU %u (underlay MTU %u less %u bytes of headers) is below 1280, the IPv6 minimum, and the tunnel has IPv6 addresses; raise the underlay MTU or set `mtu 1280' or more",
		       c->verb, t->name, t->mtu, under, under - t->mtu);
		c->usage_error = true;
		return -EINVAL;
	}
	return 0;
}

static int mtu_resolve(struct up_ctx *c)
{
	uint32_t under;
	int ret;

	c->meta.mtu_auto = !c->t->mtu;
	if (c->t->mtu)
		return 0;
	ret = mtu_underlay(c, &under);
	return ret < 0 ? ret : mtu_apply(c, under);
}

/* The backend's failure in words: a gretund that cannot be run at all is
 * named with its path and the exec's reason (ctl.h), nothing else. */
const char *backend_error(struct up_ctx *c, int err)
{
	if (err == -ENOEXEC && c->be == &backend_userspace && c->err[0])
		return c->err;
	snprintf(c->why, sizeof(c->why), "%s%s", strerror(-err), backend_reason(c->be, c->err));
	return c->why;
}

void up_datapath_tell(struct up_ctx *c, const struct tunnel *t)
{
	struct tunnel cur;
	struct tunnel_stats st;
	char err[BACKEND_ERR_MAX];

	tunnel_init(&cur);
	if (!c->be->get(c->nl, t->name, &cur, &st, err, sizeof(err)) &&
	    !strcmp(st.datapath, "userspace"))
		infomsg("%s: gretund's own data path serves it, not the fast path: %s", t->name,
			st.datapath_why[0] ? st.datapath_why : "unknown");
	tunnel_free(&cur);
}

static int device_create(struct up_ctx *c)
{
	struct tunnel *t = c->t;
	struct undo u = { .kind = UNDO_DESTROY, .name = t->name };
	int ret;

	if (t->backend == BACKEND_USERSPACE) {
		c->be = &backend_userspace;
		ret = c->be->create(c->nl, t, c->err, sizeof(c->err));
	} else {
		c->be = &backend_kernel;
		ret = c->be->create(c->nl, t, c->err, sizeof(c->err));
		if (ret == -EOPNOTSUPP && t->backend == BACKEND_AUTO) {
			infomsg("kernel has no %s support, using the userspace backend (gretund) for %s",
				tunnel_mode_name(t->mode), t->name);
			c->be = &backend_userspace;
			ret = c->be->create(c->nl, t, c->err, sizeof(c->err));
		}
	}
	if (ret < 0) {
		errmsg("%s %s: cannot create %s device (%s backend): %s", c->verb, t->name,
		       tunnel_mode_name(t->mode), c->be->name, backend_error(c, ret));
		return ret;
	}
	/* Backend=auto found kernel GRE: nothing would send or track probes */
	if (t->keepalive_interval && c->be == &backend_kernel) {
		c->be->destroy(c->nl, t->name, c->err, sizeof(c->err));
		errmsg("%s %s: keepalives need the userspace backend (--backend userspace)",
		       c->verb, t->name);
		return -EOPNOTSUPP;
	}
	t->backend = c->be == &backend_userspace ? BACKEND_USERSPACE : BACKEND_KERNEL;
	if (c->be == &backend_userspace && t->datapath == DATAPATH_AUTO)
		up_datapath_tell(c, t);
	c->created = true;
	u.be = c->be;
	return journal_push(&c->j, &u);
}

static int device_converge(struct up_ctx *c, const struct nl_link *l)
{
	struct tunnel *t = c->t;
	enum tunnel_backend cur = c->old.backend;
	bool recreate = c->old.mode != t->mode ||
			(t->backend != BACKEND_AUTO && t->backend != cur);
	struct undo u = { .name = t->name, .old = &c->old };
	int ret;

	c->be = backend_for(cur);
	if (!recreate) {
		struct tunnel now;
		struct tunnel_stats st;

		t->backend = cur;
		/* A userspace device outlives its data plane (gretund stopped
		 * or gone): attach a new gretund to it, with the new options. */
		tunnel_init(&now);
		ret = c->be->get(c->nl, t->name, &now, &st, c->err, sizeof(c->err));
		tunnel_free(&now);
		if (ret == -ENODEV && c->be == &backend_userspace) {
			ret = c->be->create(c->nl, t, c->err, sizeof(c->err));
			/* The gretund just started may have recovered the
			 * tunnel from its state file already. */
			if (ret == -EEXIST)
				ret = c->be->change(c->nl, t, c->err, sizeof(c->err));
			if (ret < 0) {
				errmsg("%s %s: cannot attach gretund to the device: %s", c->verb,
				       t->name, backend_error(c, ret));
				return ret;
			}
			if (tunnel_fields_equal(&c->old, t))
				return 0;
			u.kind = UNDO_CHANGE;
			u.be = c->be;
			return journal_push(&c->j, &u);
		}
		if (tunnel_fields_equal(&c->old, t))
			return 0;
		ret = c->be->change(c->nl, t, c->err, sizeof(c->err));
		if (ret == 0) {
			u.kind = UNDO_CHANGE;
			u.be = c->be;
			return journal_push(&c->j, &u);
		}
		if (ret != -EOPNOTSUPP) {
			errmsg("%s %s: cannot change the tunnel in place: %s%s", c->verb, t->name,
			       strerror(-ret), backend_reason(c->be, c->err));
			return ret;
		}
	}
	/* Mode or backend changes: only a new device will do. What the old
	 * one has goes back on it if the rest of this up fails. */
	c->snap.mtu = l->mtu;
	c->snap.up = (l->flags & IFF_UP) != 0;
	if ((ret = nl_addr_list(c->nl, l->ifindex, &c->snap.addrs, &c->snap.n_addrs)) < 0 ||
	    (ret = nl_route_list(c->nl, l->ifindex, &c->snap.routes, &c->snap.n_routes)) < 0) {
		errmsg("%s %s: cannot read the old device's addresses and routes: %s", c->verb, t->name,
		       strerror(-ret));
		return ret;
	}
	ret = c->be->destroy(c->nl, t->name, c->err, sizeof(c->err));
	if (ret < 0) {
		errmsg("%s %s: cannot remove the old device: %s%s", c->verb, t->name, strerror(-ret),
		       backend_reason(c->be, c->err));
		return ret;
	}
	ret = device_create(c);
	if (ret < 0) {
		/* Put the old one back; the journal does not know it yet. */
		int r = device_restore(c->nl, t->name, &c->old, &c->snap);

		if (r < 0)
			errmsg("rollback: could not restore the old %s: %s", t->name, strerror(-r));
		return ret;
	}
	/* Replace the plain "destroy" undo with "destroy, recreate old". */
	c->j.v[c->j.n - 1].kind = UNDO_RECREATE;
	c->j.v[c->j.n - 1].old = &c->old;
	c->j.v[c->j.n - 1].snap = &c->snap;
	c->created = true;
	return 0;
}

/* The addresses (routes) of ifindex: from up --all's one dump of them all
 * when it gave one, else a dump of our own. *out malloc'd. */
static int up_addr_list(struct up_ctx *c, int ifindex, struct nl_addr **out, size_t *n)
{
	size_t k = 0;

	if (!c->dumps)
		return nl_addr_list(c->nl, ifindex, out, n);
	*out = calloc(c->dumps->n_addrs ? c->dumps->n_addrs : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < c->dumps->n_addrs; i++)
		if (c->dumps->addrs[i].ifindex == ifindex)
			(*out)[k++] = c->dumps->addrs[i];
	*n = k;
	return 0;
}

static int up_route_list(struct up_ctx *c, int ifindex, struct nl_route **out, size_t *n)
{
	size_t k = 0;

	if (!c->dumps)
		return nl_route_list(c->nl, ifindex, out, n);
	*out = calloc(c->dumps->n_routes ? c->dumps->n_routes : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < c->dumps->n_routes; i++)
		if (c->dumps->routes[i].oif == ifindex)
			(*out)[k++] = c->dumps->routes[i];
	*n = k;
	return 0;
}

static bool prefix_in(const struct prefix *p, const struct prefix *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (inet_prefix_equal(&v[i], p))
			return true;
	return false;
}

static int addresses_converge(struct up_ctx *c, int ifindex)
{
	struct tunnel *t = c->t;
	struct nl_addr *cur = NULL;
	struct prefix *have = NULL;
	size_t n = 0;
	/* A device this command created holds none of our addresses yet:
	 * skip the dump, which grows with every address on the host. */
	int ret = c->created ? 0 : up_addr_list(c, ifindex, &cur, &n);

	if (ret < 0) {
		errmsg("%s %s: cannot list addresses: %s", c->verb, t->name, strerror(-ret));
		return ret;
	}
	have = calloc(n ? n : 1, sizeof(*have));
	if (!have) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		have[i] = cur[i].p;
	/* Remove what gretun installed before and the config no longer has. */
	for (size_t i = 0; c->has_old && i < c->old.n_addresses; i++) {
		const struct prefix *p = &c->old.addresses[i];
		struct undo u = { .kind = UNDO_ADDR_ADD, .name = t->name, .ifindex = ifindex,
				  .p = *p, .proto = GRETUN_IFAPROT };

		if (prefix_in(p, t->addresses, t->n_addresses) || !prefix_in(p, have, n))
			continue;
		ret = nl_addr_del(c->nl, ifindex, p);
		if (ret < 0) {
			errmsg("%s %s: cannot remove old address: %s%s", c->verb, t->name, strerror(-ret),
			       nl_reason(c->nl));
			goto out;
		}
		{
			/* up converges to what it is given: say what goes, for
			 * the admin who meant to change one thing */
			char buf[INET6_ADDRSTRLEN];

			infomsg("%s %s: removed address %s/%u, which the configuration no longer has",
				c->verb, t->name, inet_ntop(p->family, &p->addr, buf, sizeof(buf)),
				p->len);
		}
		if ((ret = journal_push(&c->j, &u)) < 0)
			goto out;
	}
	for (size_t i = 0; i < t->n_addresses; i++) {
		const struct prefix *p = &t->addresses[i];
		struct undo u = { .kind = UNDO_ADDR_DEL, .name = t->name, .ifindex = ifindex,
				  .p = *p };

		if (prefix_in(p, have, n))
			continue;
		ret = nl_addr_add(c->nl, ifindex, p, GRETUN_IFAPROT);
		if (ret < 0) {
			char buf[INET6_ADDRSTRLEN];

			errmsg("%s %s: cannot add address %s/%u: %s%s", c->verb, t->name,
			       inet_ntop(p->family, &p->addr, buf, sizeof(buf)), p->len,
			       strerror(-ret), nl_reason(c->nl));
			goto out;
		}
		if ((ret = journal_push(&c->j, &u)) < 0)
			goto out;
	}
	ret = 0;
out:
	free(have);
	free(cur);
	return ret;
}

static bool route_in_kernel(const struct route *r, const struct nl_route *cur, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (route_matches_kernel(r, &cur[i].r))
			return true;
	return false;
}

static bool route_in(const struct route *r, const struct route *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (route_equal(r, &v[i]))
			return true;
	return false;
}

void route_error(const char *verb, const char *what, const char *name,
			const struct route *r, int err, struct nl_sock *nl)
{
	char buf[INET6_ADDRSTRLEN];

	errmsg("%s %s: cannot %s route %s/%u: %s%s", verb, name, what,
	       inet_ntop(r->dst.family, &r->dst.addr, buf, sizeof(buf)), r->dst.len,
	       strerror(-err), nl_reason(nl));
}

static int routes_converge(struct up_ctx *c, int ifindex)
{
	struct tunnel *t = c->t;
	struct nl_route *cur = NULL;
	size_t n = 0;
	/* As for addresses: a new device carries no routes of ours yet. */
	int ret = c->created ? 0 : up_route_list(c, ifindex, &cur, &n);

	if (ret < 0) {
		errmsg("%s %s: cannot list routes: %s", c->verb, t->name, strerror(-ret));
		return ret;
	}
	for (size_t i = 0; c->has_old && i < c->old.n_routes; i++) {
		const struct route *r = &c->old.routes[i];
		struct undo u = { .kind = UNDO_ROUTE_ADD, .name = t->name, .ifindex = ifindex,
				  .r = *r, .proto = GRETUN_RTPROT };

		if (route_in(r, t->routes, t->n_routes) || !route_in_kernel(r, cur, n))
			continue;
		ret = nl_route_del(c->nl, ifindex, r);
		if (ret < 0) {
			route_error(c->verb, "remove old", t->name, r, ret, c->nl);
			goto out;
		}
		{
			char buf[INET6_ADDRSTRLEN];

			infomsg("%s %s: removed route %s/%u, which the configuration no longer has",
				c->verb, t->name,
				inet_ntop(r->dst.family, &r->dst.addr, buf, sizeof(buf)), r->dst.len);
		}
		if ((ret = journal_push(&c->j, &u)) < 0)
			goto out;
	}
	for (size_t i = 0; i < t->n_routes; i++) {
		const struct route *r = &t->routes[i];
		struct undo u = { .kind = UNDO_ROUTE_DEL, .name = t->name, .ifindex = ifindex,
				  .r = *r };

		if (route_in_kernel(r, cur, n))
			continue;
		ret = nl_route_add(c->nl, ifindex, r, GRETUN_RTPROT);
		if (ret < 0) {
			route_error(c->verb, "add", t->name, r, ret, c->nl);
			goto out;
		}
		if ((ret = journal_push(&c->j, &u)) < 0)
			goto out;
	}
	ret = 0;
out:
	free(cur);
	return ret;
}

/* The rules of the tunnel's default routes (rules.h), after the routes:
 * until the rules exist, their table is not looked at. Rules the previous
 * config needed and this one does not go, unless another tunnel's default
 * route still needs them. */
int rules_converge(struct up_ctx *c, int ifindex)
{
	struct tunnel *t = c->t;
	struct rule_set want = { 0 }, old = { 0 };
	struct nl_rule *cur = NULL;
	struct nl_route *routes = NULL;
	size_t n = 0, n_routes = 0;
	char text[96];
	int ret = rule_set_add_tunnel(&want, t);

	if (ret == 0 && c->has_old)
		ret = rule_set_add_tunnel(&old, &c->old);
	if (ret < 0)
		goto out;
	if (!want.n && !old.n)
		goto out;	/* no dump for the tunnels without a default route */
	ret = nl_rule_list(c->nl, AF_UNSPEC, &cur, &n);
	if (ret == 0 && old.n)
		ret = nl_route_list(c->nl, 0, &routes, &n_routes);
	if (ret < 0) {
		errmsg("%s %s: cannot list routing rules: %s", c->verb, t->name, strerror(-ret));
		goto out;
	}
	for (size_t i = 0; i < old.n; i++) {
		const struct nl_rule *r = &old.v[i];
		struct undo u = { .kind = UNDO_RULE_ADD, .name = t->name, .rule = *r };

		if (rule_set_has(&want, r) || !rule_in_kernel(r, cur, n) ||
		    rule_needed_elsewhere(r, routes, n_routes, ifindex))
			continue;
		ret = nl_rule_del(c->nl, r);
		if (ret == -ENOENT)
			continue;
		if (ret < 0) {
			errmsg("%s %s: cannot remove old rule `%s': %s%s", c->verb, t->name,
			       rule_text(r, text, sizeof(text)), strerror(-ret), nl_reason(c->nl));
			goto out;
		}
		infomsg("%s %s: removed rule `%s', which the configuration no longer needs",
			c->verb, t->name, rule_text(r, text, sizeof(text)));
		if ((ret = journal_push(&c->j, &u)) < 0)
			goto out;
	}
	for (size_t i = 0; i < want.n; i++) {
		const struct nl_rule *r = &want.v[i];
		struct undo u = { .kind = UNDO_RULE_DEL, .name = t->name, .rule = *r };

		if (rule_in_kernel(r, cur, n))
			continue;
		ret = nl_rule_add(c->nl, r);
		if (ret == -EEXIST)
			continue;	/* there since the dump: not ours to undo */
		if (ret < 0) {
			errmsg("%s %s: cannot add rule `%s' (%s, priority %u): %s%s", c->verb, t->name,
			       rule_text(r, text, sizeof(text)), r->family == AF_INET6 ? "IPv6" : "IPv4",
			       r->priority, strerror(-ret), nl_reason(c->nl));
			goto out;
		}
		if ((ret = journal_push(&c->j, &u)) < 0)
			goto out;
	}
	ret = 0;
out:
	rule_set_free(&want);
	rule_set_free(&old);
	free(cur);
	free(routes);
	return ret;
}

/* A default route added with `route add' (in no config) needs the tunnel's
 * mark as much as one from the config: a converging up whose config sets
 * no mark keeps the one the tunnel has while such a route is there, or its
 * packets would loop into that route. */
static int mark_keep(struct up_ctx *c, int ifindex)
{
	struct tunnel *t = c->t;
	struct nl_route *v = NULL;
	size_t n = 0;
	int ret;

	if (!c->has_old || !c->old.fwmark || t->fwmark)
		return 0;
	ret = nl_route_list(c->nl, ifindex, &v, &n);
	if (ret < 0) {
		errmsg("%s %s: cannot list routes: %s", c->verb, t->name, strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < n; i++) {
		bool configured = false;

		if (v[i].protocol != GRETUN_RTPROT || v[i].r.dst.len != 0 ||
		    v[i].r.table == GRETUN_TABLE_MAIN)
			continue;
		/* one of the old config's goes with it (routes_converge) */
		for (size_t k = 0; !configured && k < c->old.n_routes; k++)
			configured = route_matches_kernel(&c->old.routes[k], &v[i].r);
		if (configured)
			continue;
		t->fwmark = c->old.fwmark;
		t->flags |= TUNNEL_HAS_FWMARK;
		infomsg("%s %s: keeps fwmark %u for its default route in table %u", c->verb, t->name,
			t->fwmark, v[i].r.table);
		break;
	}
	free(v);
	return 0;
}

int tunnel_up(struct up_ctx *c)
{
	struct tunnel *t = c->t;
	struct nl_link l;
	bool exists;
	int ret;

	ret = nl_link_get(c->nl, t->name, &l);
	if (ret < 0 && ret != -ENODEV) {
		errmsg("%s %s: cannot query the device: %s", c->verb, t->name, strerror(-ret));
		return ret;
	}
	exists = ret == 0;
	if (exists && !c->has_old) {
		errmsg("%s %s: a device named %s exists and was not made by gretun; not touching it",
		       c->verb, t->name, t->name);
		return -EEXIST;
	}
	/* the mark first: the auto MTU looks up the route of marked packets */
	if (exists && (ret = mark_keep(c, l.ifindex)) < 0)
		return ret;
	if ((ret = mtu_resolve(c)) < 0)
		return ret;
	if (!exists) {
		if ((ret = hook_run(t->hook_pre_up, t->name)) < 0) {
			errmsg("%s %s: PreUp hook failed", c->verb, t->name);
			return ret;
		}
		ret = device_create(c);
	} else {
		ret = device_converge(c, &l);
	}
	if (ret < 0)
		return ret;
	ret = nl_link_get(c->nl, t->name, &l);
	if (ret < 0) {
		errmsg("%s %s: the new device vanished: %s", c->verb, t->name, strerror(-ret));
		return ret;
	}
	if (l.mtu != t->mtu) {
		struct undo u = { .kind = UNDO_MTU, .name = t->name, .ifindex = l.ifindex,
				  .mtu = l.mtu };

		ret = nl_link_set_mtu(c->nl, l.ifindex, t->mtu);
		if (ret < 0) {
			errmsg("%s %s: cannot set MTU %u: %s%s", c->verb, t->name, t->mtu, strerror(-ret),
			       nl_reason(c->nl));
			return ret;
		}
		if ((ret = journal_push(&c->j, &u)) < 0)
			return ret;
	}
	if ((ret = addresses_converge(c, l.ifindex)) < 0)
		return ret;
	if (!(l.flags & IFF_UP)) {
		struct undo u = { .kind = UNDO_LINK_DOWN, .name = t->name, .ifindex = l.ifindex };

		ret = nl_link_set_up(c->nl, l.ifindex, true);
		if (ret < 0) {
			errmsg("%s %s: cannot set the link up: %s%s", c->verb, t->name, strerror(-ret),
			       nl_reason(c->nl));
			return ret;
		}
		if ((ret = journal_push(&c->j, &u)) < 0)
			return ret;
	}
	if ((ret = routes_converge(c, l.ifindex)) < 0)
		return ret;
	if ((ret = rules_converge(c, l.ifindex)) < 0)
		return ret;
	if (c->created && (ret = hook_run(t->hook_post_up, t->name)) < 0) {
		errmsg("%s %s: PostUp hook failed", c->verb, t->name);
		return ret;
	}
	ret = state_save(t, &c->meta);
	if (ret < 0)
		errmsg("%s %s: cannot save state: %s", c->verb, t->name, strerror(-ret));
	return ret;
}

static const int need_kernel[] = { CAP_NET_ADMIN, -1 };
static const int need_userspace[] = { CAP_NET_ADMIN, CAP_NET_RAW, -1 };

/* What up and set share once the tunnel is described and the lock held:
 * converge, and undo everything on failure. Returns the exit status. */
static int up_converge(struct up_ctx *c)
{
	const char *name = c->t->name;
	int ret = nl_open(&c->nl);

	if (ret < 0) {
		errmsg("%s %s: cannot open rtnetlink: %s", c->verb, name, strerror(-ret));
		return EXIT_FAILED;
	}
	ret = tunnel_up(c);
	if (ret < 0) {
		size_t left = journal_rollback(&c->j, c->nl);

		if (left)
			errmsg("%s %s: rollback left %zu step(s) undone", c->verb, name, left);
		return c->usage_error ? EXIT_USAGE : ret == -EPERM ? EXIT_PRIVILEGE : EXIT_FAILED;
	}
	return EXIT_OK;
}

void up_ctx_free(struct up_ctx *c)
{
	if (c->nl)
		nl_close(c->nl);
	journal_free(&c->j);
	free(c->snap.addrs);
	free(c->snap.routes);
	tunnel_free(&c->old);
}

/* Linux GRE (fou included) neither learns its peer nor sends keepalives:
 * Backend=auto gives such a tunnel to gretund at once, and says why
 * (Backend=kernel with them is a config error, config_finalize). */
void up_backend_pick(struct tunnel *t)
{
	if (t->backend != BACKEND_AUTO || (!tunnel_learns(t) && !t->persistent_keepalive))
		return;
	infomsg("%s: %s, which Linux GRE cannot do: using the userspace backend (gretund)",
		t->name, tunnel_learns(t) ? "Remote= learns the peer's address" :
		"PersistentKeepalive= sends keepalives");
	t->backend = BACKEND_USERSPACE;
}

int up_main(int argc, char *argv[])
{
	struct tunnel t;
	struct up_ctx c = { .verb = "up", .t = &t };
	const char *missing = NULL;
	char path[4096], err[512];
	bool have_file;
	int lock = -1, ret, status;

	tunnel_init(&t);
	tunnel_init(&c.old);
	if (argc >= 2 && !strcmp(argv[1], "--all"))
		return up_all_main(argc, argv);
	if (argc < 2) {
		errmsg("usage: %s up NAME|FILE [OPTION [VALUE]]... | --all", prog);
		return EXIT_USAGE;
	}
	status = tunnel_load("up", argv[1], argc - 2, argv + 2, &t, path, sizeof(path), &have_file);
	if (status != EXIT_OK)
		goto out;
	up_backend_pick(&t);
	if (caps_require(t.backend == BACKEND_KERNEL ? need_kernel : need_userspace, &missing) < 0) {
		errmsg("up %s: missing privilege %s", t.name, missing ? missing : "CAP_NET_ADMIN");
		status = EXIT_PRIVILEGE;
		goto out;
	}
	/* down and set find the config (its hooks) the tunnel came up from */
	if (have_file && !realpath(path, c.meta.source))
		snprintf(c.meta.source, sizeof(c.meta.source), "%s", path);
	lock = runtime_lock(t.name);
	if (lock < 0) {
		status = lock_error("up", t.name, lock);
		goto out;
	}
	ret = state_load(t.name, &c.old, err, sizeof(err));
	c.has_old = ret == 0;
	if (ret < 0 && ret != -ENOENT)
		errmsg("up %s: unreadable state, ignoring it: %s", t.name, err);
	status = up_converge(&c);
out:
	if (lock >= 0)
		runtime_unlock(lock, t.name, status != EXIT_OK && !c.has_old);
	up_ctx_free(&c);
	tunnel_free(&t);
	return status;
}

/* The hooks of the config the tunnel came up from, for a set that
 * recreates the device (PostUp), as up of that config would run them. */
static int set_hooks_load(struct tunnel *t, const char *source)
{
	struct tunnel conf;
	char err[512];
	int ret;

	if (!source[0])
		return EXIT_OK;
	tunnel_init(&conf);
	ret = config_load_file(source, &conf, err, sizeof(err));
	if (ret == -ENOENT) {
		ret = EXIT_OK;	/* gone: it has no hooks to run any more */
		goto out;
	}
	if (ret < 0 || (config_has_hooks(&conf) &&
			config_check_permissions(source, err, sizeof(err)) < 0)) {
		errmsg("set %s: %s", t->name, err);
		ret = EXIT_USAGE;
		goto out;
	}
	t->hook_pre_up = conf.hook_pre_up;
	t->hook_post_up = conf.hook_post_up;
	t->hook_pre_down = conf.hook_pre_down;
	t->hook_post_down = conf.hook_post_down;
	conf.hook_pre_up = conf.hook_post_up = conf.hook_pre_down = conf.hook_post_down = NULL;
	ret = EXIT_OK;
out:
	tunnel_free(&conf);
	return ret;
}

/*
 * set NAME OPTION VALUE...: the tunnel as it is (its state), with the given
 * options changed, converged as up converges it. Nothing else changes: the
 * other options, addresses and routes stay, and an MTU that was automatic
 * is computed again.
 */
int set_main(int argc, char *argv[])
{
	struct tunnel t;
	struct up_ctx c = { .verb = "set", .t = &t };
	const char *missing = NULL, *name;
	char err[512];
	int lock = -1, ret, status;

	tunnel_init(&t);
	tunnel_init(&c.old);
	if (argc < 3) {
		errmsg("usage: %s set NAME OPTION [VALUE]...", prog);
		return EXIT_USAGE;
	}
	name = argv[1];
	if (!ifname_valid(name)) {
		name_error("set", name);
		return EXIT_USAGE;
	}
	if (caps_require(need_kernel, &missing) < 0) {
		errmsg("set %s: missing privilege %s", name, missing ? missing : "CAP_NET_ADMIN");
		return EXIT_PRIVILEGE;
	}
	lock = runtime_lock(name);
	if (lock < 0) {
		status = lock_error("set", name, lock);
		goto out;
	}
	ret = state_load(name, &c.old, err, sizeof(err));
	if (ret == -ENOENT) {
		errmsg("set %s: no tunnel %s managed by gretun (`%s up' brings one up)", name, name,
		       prog);
		status = EXIT_NOTFOUND;
		goto out;
	}
	if (ret == -EACCES || ret == -EPERM) {
		status = state_error("set", ret);
		goto out;
	}
	if (ret < 0) {
		errmsg("set %s: unreadable state: %s", name, err);
		status = EXIT_FAILED;
		goto out;
	}
	c.has_old = true;
	state_load_meta(name, &c.meta);
	/* A second copy of the state is the starting point. */
	if (state_load(name, &t, err, sizeof(err)) < 0) {
		errmsg("set %s: unreadable state: %s", name, err);
		status = EXIT_FAILED;
		goto out;
	}
	if (c.meta.mtu_auto)
		t.mtu = 0;
	if (config_apply_inline(&t, argc - 2, argv + 2, err, sizeof(err)) < 0) {
		errmsg("set %s: %s", name, err);
		status = EXIT_USAGE;
		goto out;
	}
	if (g.backend_set) {
		t.backend = g.backend;
		t.flags |= TUNNEL_HAS_BACKEND;
	}
	if (config_finalize(&t, err, sizeof(err)) < 0) {
		errmsg("set %s: %s", name, err);
		status = EXIT_USAGE;
		goto out;
	}
	status = set_hooks_load(&t, c.meta.source);
	if (status != EXIT_OK)
		goto out;
	if (t.backend != BACKEND_KERNEL && caps_require(need_userspace, &missing) < 0) {
		errmsg("set %s: missing privilege %s", name, missing ? missing : "CAP_NET_RAW");
		status = EXIT_PRIVILEGE;
		goto out;
	}
	status = up_converge(&c);
out:
	if (lock >= 0)
		runtime_unlock(lock, name, false);
	up_ctx_free(&c);
	tunnel_free(&t);
	return status;
}
