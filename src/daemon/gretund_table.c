// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tunnel table: by name for the control socket, and a hash on
 * (key, remote) for the receive path, looked up in the kernel's order
 * (net/ipv4/ip_tunnel.c ip_tunnel_lookup). Remote is mandatory for gretund
 * tunnels, so the wildcard-remote passes of the kernel never match here.
 * Who else cares about a tunnel (keepalives, the state file) hears of it
 * through the hooks, so the table depends on neither.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "gretund_dev.h"
#include "gretund_loop.h"
#include "gretund_sock.h"
#include "gretund_table.h"
#include "inet.h"

static unsigned int bucket(int family, uint32_t key, const union inet_addr *remote)
{
	uint32_t h = key;

	for (size_t i = 0; i < inet_addr_len(family); i += 4) {
		uint32_t w;

		memcpy(&w, remote->bytes + i, 4);
		h ^= w;
	}
	h ^= h >> 16;
	h *= 0x45d9f3bu;
	h ^= h >> 16;
	return h & (GD_HASH_SIZE - 1);
}

static unsigned int tunnel_bucket(const struct tunnel *t)
{
	return bucket(t->family, (t->iflags & GRE_OPT_KEY) ? t->ikey : 0, &t->remote);
}

int gd_table_hook_add(struct gd *gd, gd_tunnel_hook_fn *fn)
{
	if (gd->n_tunnel_hooks >= GD_TUNNEL_HOOKS_MAX)
		return -ENOSPC;
	gd->tunnel_hooks[gd->n_tunnel_hooks++] = fn;
	return 0;
}

static void table_notify(struct gd *gd, struct gd_tunnel *gt, enum gd_tunnel_event ev,
			 const struct tunnel *old)
{
	for (size_t i = 0; i < gd->n_tunnel_hooks; i++)
		gd->tunnel_hooks[i](gd, gt, ev, old);
}

struct gd_tunnel *gd_table_find(struct gd *gd, const char *name)
{
	for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next)
		if (!strcmp(gt->t.name, name))
			return gt;
	return NULL;
}

void gd_table_insert(struct gd *gd, struct gd_tunnel *gt)
{
	unsigned int b = tunnel_bucket(&gt->t);

	gt->hnext = gd->hash[b];
	gd->hash[b] = gt;
	gt->next = gd->tunnels;
	gd->tunnels = gt;
	gd->n_tunnels++;
	gd->idle_since = 0;
}

static void hash_unlink(struct gd *gd, struct gd_tunnel *gt)
{
	struct gd_tunnel **pp = &gd->hash[tunnel_bucket(&gt->t)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == gt) {
			*pp = gt->hnext;
			break;
		}
	}
	gt->hnext = NULL;
}

void gd_table_remove(struct gd *gd, struct gd_tunnel *gt, enum gd_tunnel_event ev)
{
	struct gd_tunnel **pp;

	hash_unlink(gd, gt);
	for (pp = &gd->tunnels; *pp; pp = &(*pp)->next) {
		if (*pp == gt) {
			*pp = gt->next;
			gd->n_tunnels--;
			break;
		}
	}
	if (!gd->n_tunnels)
		gd->idle_since = time(NULL);
	table_notify(gd, gt, ev, NULL);
}

static bool same_encap(const struct tunnel *a, const struct tunnel *b)
{
	if (a->encap != b->encap)
		return false;
	return a->encap == ENCAP_NONE || a->encap_dport == b->encap_dport;
}

static uint32_t rx_key_value(const struct tunnel *t)
{
	return (t->iflags & GRE_OPT_KEY) ? t->ikey : 0;
}

struct gd_tunnel *gd_table_find_identity(struct gd *gd, const struct tunnel *t,
					 const struct gd_tunnel *except)
{
	for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next) {
		const struct tunnel *o = &gt->t;

		/* gre and gretap tunnels live in separate tables, as in Linux:
		 * the same endpoints and key may serve one of each */
		if (gt == except || o->family != t->family || !same_encap(o, t) ||
		    tunnel_mode_is_tap(o->mode) != tunnel_mode_is_tap(t->mode))
			continue;
		if (!inet_addr_equal(t->family, &o->local, &t->local) ||
		    !inet_addr_equal(t->family, &o->remote, &t->remote))
			continue;
		if (t->family == AF_INET6 ? rx_key_value(o) != rx_key_value(t) :
		    (o->iflags & GRE_OPT_KEY) != (t->iflags & GRE_OPT_KEY) ||
		    ((t->iflags & GRE_OPT_KEY) && o->ikey != t->ikey))
			continue;
		return gt;
	}
	return NULL;
}

/* Linux's IPv4 lookup (ip_tunnel_key_match) wants the key's presence and
 * value to match; ip6gre_tunnel_lookup compares only the value, an absent
 * key counting as 0: a keyless ip6gre tunnel takes a packet with key 0,
 * and one with key 0 takes a packet without a key. So does gretund. */
static bool key_match(const struct tunnel *t, const struct gd_rx_key *k)
{
	if (t->family == AF_INET6)
		return (k->has_key ? k->key : 0) == rx_key_value(t);
	if (t->iflags & GRE_OPT_KEY)
		return k->has_key && k->key == t->ikey;
	return !k->has_key;
}

static bool encap_match(const struct tunnel *t, const struct gd_rx_key *k)
{
	if (t->encap == ENCAP_UDP)
		return k->udp && k->dport == t->encap_dport;
	return !k->udp;
}

struct gd_tunnel *gd_table_lookup(struct gd *gd, const struct gd_rx_key *k)
{
	unsigned int b = bucket(k->family, k->has_key ? k->key : 0, &k->src);
	struct gd_tunnel *wild = NULL;

	for (struct gd_tunnel *gt = gd->hash[b]; gt; gt = gt->hnext) {
		const struct tunnel *t = &gt->t;

		if (t->family != k->family || !encap_match(t, k) || !key_match(t, k) ||
		    tunnel_mode_is_tap(t->mode) != k->tap ||
		    !inet_addr_equal(k->family, &t->remote, &k->src))
			continue;
		if (inet_addr_equal(k->family, &t->local, &k->dst))
			return gt;
		if (!wild && inet_addr_is_any(k->family, &t->local))
			wild = gt;
	}
	return wild;
}

struct gd_tunnel *gd_table_lookup_near(struct gd *gd, const struct gd_rx_key *k,
				       enum gre_drop *reason)
{
	struct gd_tunnel *other_source = NULL;

	for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next) {
		const struct tunnel *t = &gt->t;

		if (t->family != k->family || !encap_match(t, k))
			continue;
		if (!inet_addr_is_any(k->family, &t->local) &&
		    !inet_addr_equal(k->family, &t->local, &k->dst))
			continue;
		if (inet_addr_equal(k->family, &t->remote, &k->src)) {
			*reason = GRE_DROP_KEY;
			return gt;
		}
		if (!other_source && key_match(t, k))
			other_source = gt;
	}
	*reason = GRE_DROP_SOURCE;
	return other_source;
}

void gd_tunnel_refresh_pmtu(struct gd_tunnel *gt, time_t now)
{
	uint32_t mtu;

	gt->pmtu_at = now;
	gt->pmtu_tx = gt->st.tx_packets;
	if (!gd_sock_path_mtu(&gt->t, &mtu))
		gt->pmtu = mtu;
}

static void copy_params(struct tunnel *dst, const struct tunnel *src)
{
	*dst = *src;
	dst->addresses = NULL;
	dst->n_addresses = 0;
	dst->routes = NULL;
	dst->n_routes = 0;
	dst->hook_pre_up = dst->hook_post_up = dst->hook_pre_down = dst->hook_post_down = NULL;
}

static void tunnel_free_one(struct gd *gd, struct gd_tunnel *gt, enum gd_tunnel_event ev)
{
	gd_loop_del(gd, &gt->w);
	gd_dev_close(gt->w.fd, false);
	gd_table_remove(gd, gt, ev);
	free(gt);
}

struct gd_tunnel *gd_tunnel_live(struct gd *gd, struct gd_tunnel *gt)
{
	if (!gt)
		return NULL;
	if (!gt->dev_gone && !gd_dev_detached(gt->w.fd))
		return gt;
	gt->dev_gone = true;
	if (gd->restart)
		return gt;	/* the handover holds the list: later */
	tunnel_free_one(gd, gt, GD_TUNNEL_VANISHED);
	return NULL;
}

bool gd_tunnels_reap(struct gd *gd, bool check_all)
{
	struct gd_tunnel *gt, *next;
	bool any = false;

	for (gt = gd->tunnels; gt; gt = next) {
		next = gt->next;
		if ((check_all || gt->dev_gone) && !gd_tunnel_live(gd, gt))
			any = true;
	}
	return any;
}

/* What create and change both need before touching the table: no other
 * tunnel (but self) with the same identity, and the underlay sockets. */
static int tunnel_admit(struct gd *gd, const struct tunnel *t, const struct gd_tunnel *self,
			char *err, size_t errlen)
{
	struct gd_tunnel *other = gd_tunnel_live(gd, gd_table_find_identity(gd, t, self));
	int ret;

	if (other) {
		snprintf(err, errlen, "tunnel %s has the same local, remote and key", other->t.name);
		return -EEXIST;
	}
	ret = gd_sock_rx_ensure(gd, t);
	if (ret)
		snprintf(err, errlen, "cannot open the underlay sockets: %s", strerror(-ret));
	return ret;
}

int gd_tunnel_create(struct gd *gd, const struct tunnel *t, char *err, size_t errlen)
{
	struct gd_tunnel *gt;
	int ret;

	/* a tunnel whose device was deleted is dropped here: an up after
	 * `ip link del` makes the device again */
	if (gd_tunnel_live(gd, gd_table_find(gd, t->name))) {
		snprintf(err, errlen, "tunnel %s exists", t->name);
		return -EEXIST;
	}
	ret = tunnel_admit(gd, t, NULL, err, errlen);
	if (ret)
		return ret;
	gt = calloc(1, sizeof(*gt));
	if (!gt)
		return -ENOMEM;
	copy_params(&gt->t, t);
	ret = gd_dev_open(gd->opener_fd, t->name, tunnel_mode_is_tap(t->mode), &gt->w.fd, &gt->ifindex);
	if (ret) {
		if (ret == -EEXIST)
			snprintf(err, errlen, "device %s exists and is not a %s device", t->name,
				 tunnel_mode_is_tap(t->mode) ? "tap" : "tun");
		else
			snprintf(err, errlen, "cannot open %s device %s: %s",
				 tunnel_mode_is_tap(t->mode) ? "tap" : "tun", t->name, strerror(-ret));
		free(gt);
		return ret;
	}
	gt->w.fn = gd->on.tun;
	gt->st.has_drops = true;
	gt->dev_down = true;	/* until the first packet finds it up */
	ret = gd_loop_add(gd, &gt->w, EPOLLIN);
	if (ret) {
		snprintf(err, errlen, "epoll: %s", strerror(-ret));
		gd_dev_close(gt->w.fd, false);
		free(gt);
		return ret;
	}
	gd_tunnel_refresh_pmtu(gt, time(NULL));
	gd_table_insert(gd, gt);
	table_notify(gd, gt, GD_TUNNEL_ADDED, NULL);
	return 0;
}

int gd_tunnel_adopt(struct gd *gd, const struct tunnel *t, int fd, int ifindex,
		    char *err, size_t errlen)
{
	struct gd_tunnel *gt;

	if (gd_table_find(gd, t->name) || gd_table_find_identity(gd, t, NULL)) {
		snprintf(err, errlen, "tunnel %s twice in the handover", t->name);
		return -EEXIST;
	}
	gt = calloc(1, sizeof(*gt));
	if (!gt)
		return -ENOMEM;
	copy_params(&gt->t, t);
	gt->w.fd = fd;
	gt->w.fn = gd->on.tun;
	gt->ifindex = ifindex;
	gt->st.has_drops = true;
	gt->dev_down = true;
	gd_tunnel_refresh_pmtu(gt, time(NULL));
	gd_table_insert(gd, gt);
	table_notify(gd, gt, GD_TUNNEL_ADDED, NULL);
	return 0;
}

int gd_tunnel_change(struct gd *gd, const struct tunnel *t, char *err, size_t errlen)
{
	struct gd_tunnel *gt = gd_tunnel_live(gd, gd_table_find(gd, t->name));
	struct tunnel old;
	unsigned int b;
	int ret;

	if (!gt || gt->dev_gone) {
		snprintf(err, errlen, "no tunnel %s", t->name);
		return -ENODEV;
	}
	if (gt->t.mode != t->mode) {
		snprintf(err, errlen, "mode cannot change in place (%s to %s)",
			 tunnel_mode_name(gt->t.mode), tunnel_mode_name(t->mode));
		return -EOPNOTSUPP;
	}
	ret = tunnel_admit(gd, t, gt, err, errlen);
	if (ret)
		return ret;
	hash_unlink(gd, gt);
	if (gt->t.iflags != t->iflags || gt->t.ikey != t->ikey)
		gt->i_seqno = 0;
	old = gt->t;
	copy_params(&gt->t, t);
	b = tunnel_bucket(&gt->t);
	gt->hnext = gd->hash[b];
	gd->hash[b] = gt;
	gd_tunnel_refresh_pmtu(gt, time(NULL));
	table_notify(gd, gt, GD_TUNNEL_CHANGED, &old);
	return 0;
}

int gd_tunnel_destroy(struct gd *gd, const char *name)
{
	struct gd_tunnel *gt = gd_table_find(gd, name);

	if (!gt)
		return -ENODEV;
	tunnel_free_one(gd, gt, GD_TUNNEL_REMOVED);
	return 0;
}
