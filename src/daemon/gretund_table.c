// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tunnel table: by name for the control socket, and a hash on
 * (key, remote) for the receive path, looked up in the kernel's order
 * (net/ipv4/ip_tunnel.c ip_tunnel_lookup). The kernel's wildcard-remote
 * passes are the learning tunnels (Remote=any or a prefix), kept on a list
 * of their own and tried after every exact remote: exact local first, then
 * the longest prefix that holds the packet's source.
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

/* The demux chain gt belongs on. */
static struct gd_tunnel **tunnel_chain(struct gd *gd, const struct gd_tunnel *gt)
{
	return tunnel_learns(&gt->t) ? &gd->learners : &gd->hash[tunnel_bucket(&gt->t)];
}

static void hash_link(struct gd *gd, struct gd_tunnel *gt)
{
	struct gd_tunnel **head = tunnel_chain(gd, gt);

	gt->hnext = *head;
	*head = gt;
}

void gd_table_insert(struct gd *gd, struct gd_tunnel *gt)
{
	hash_link(gd, gt);
	gt->next = gd->tunnels;
	gd->tunnels = gt;
	gd->n_tunnels++;
	gd->idle_since = 0;
}

static void hash_unlink(struct gd *gd, struct gd_tunnel *gt)
{
	struct gd_tunnel **pp = tunnel_chain(gd, gt);

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
		    !inet_addr_equal(t->family, &o->remote, &t->remote) ||
		    tunnel_learns(o) != tunnel_learns(t) || o->remote_plen != t->remote_plen)
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

/* GRE-in-UDP arrives at the tunnel's port, or at its fixed source port:
 * the replies of a peer that answers where our packets came from (a NAT,
 * a learning gretund). */
static bool encap_match(const struct tunnel *t, const struct gd_rx_key *k)
{
	if (t->encap == ENCAP_UDP)
		return k->udp && (k->dport == t->encap_dport ||
				  (t->encap_sport && k->dport == t->encap_sport));
	return !k->udp;
}

/* The packet's source is the remote, or inside a learning tunnel's prefix. */
static bool remote_match(const struct tunnel *t, const struct gd_rx_key *k)
{
	if (tunnel_learns(t))
		return inet_prefix_contains(k->family, &t->remote, t->remote_plen, &k->src);
	return inet_addr_equal(k->family, &t->remote, &k->src);
}

/* The kernel's wildcard-remote passes: a learning tunnel whose prefix holds
 * the source, exact local before any local, then the longest prefix. */
static struct gd_tunnel *lookup_learners(struct gd *gd, const struct gd_rx_key *k)
{
	struct gd_tunnel *best = NULL;
	int best_rank = -1;

	for (struct gd_tunnel *gt = gd->learners; gt; gt = gt->hnext) {
		const struct tunnel *t = &gt->t;
		int rank;

		if (t->family != k->family || !encap_match(t, k) || !key_match(t, k) ||
		    tunnel_mode_is_tap(t->mode) != k->tap || !remote_match(t, k))
			continue;
		if (inet_addr_equal(k->family, &t->local, &k->dst))
			rank = 256 + t->remote_plen;
		else if (inet_addr_is_any(k->family, &t->local))
			rank = t->remote_plen;
		else
			continue;
		if (rank > best_rank) {
			best = gt;
			best_rank = rank;
		}
	}
	return best;
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
	if (!wild && gd->learners)
		wild = lookup_learners(gd, k);
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
		if (remote_match(t, k)) {
			*reason = GRE_DROP_KEY;
			return gt;
		}
		if (!other_source && key_match(t, k))
			other_source = gt;
	}
	*reason = GRE_DROP_SOURCE;
	return other_source;
}

bool gd_tunnel_peer(const struct gd_tunnel *gt, union inet_addr *addr, uint16_t *dport)
{
	const struct tunnel *t = &gt->t;

	if (!tunnel_learns(t)) {
		*addr = t->remote;
		*dport = t->encap_dport;
		return true;
	}
	if (!(t->flags & TUNNEL_HAS_LEARNED))
		return false;
	*addr = t->learned.addr;
	*dport = t->learned.port;
	return true;
}

uint16_t gd_tunnel_sport(const struct tunnel *t)
{
	if (t->encap_sport)
		return t->encap_sport;
	return tunnel_learns(t) || t->persistent_keepalive ? t->encap_dport : 0;
}

void gd_tunnel_refresh_pmtu(struct gd_tunnel *gt, time_t now)
{
	union inet_addr dst;
	uint16_t dport;
	uint32_t mtu;

	gt->pmtu_at = now;
	gt->pmtu_tx = gt->st.tx_packets;
	if (!gd_tunnel_peer(gt, &dst, &dport))
		return;
	if (!gd_sock_path_mtu(&gt->t, &dst, dport, &mtu))
		gt->pmtu = mtu;
}

void gd_tunnel_learn(struct gd *gd, struct gd_tunnel *gt, const union inet_addr *src,
		     uint16_t sport)
{
	struct tunnel *t = &gt->t, old;
	uint16_t port = t->encap == ENCAP_UDP ? sport : 0;

	if ((t->flags & TUNNEL_HAS_LEARNED) && t->learned.port == port &&
	    inet_addr_equal(t->family, &t->learned.addr, src))
		return;
	old = *t;
	memset(&t->learned.addr, 0, sizeof(t->learned.addr));
	memcpy(&t->learned.addr, src, inet_addr_len(t->family));
	t->learned.port = port;
	t->learned.changed = (int64_t)time(NULL);
	t->flags |= TUNNEL_HAS_LEARNED;
	/* the path to the new peer may differ: its MTU at once */
	gd_tunnel_refresh_pmtu(gt, time(NULL));
	/* a change of where the tunnel sends, like a request's: the state
	 * file writes the tunnel's line again (and whatever else keeps a
	 * copy of its peer hears of it) */
	table_notify(gd, gt, GD_TUNNEL_CHANGED, &old);
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
	/* what was learned stays while the new prefix still holds it (a
	 * change request need not know it); newer than what a request says */
	if ((old.flags & TUNNEL_HAS_LEARNED) && tunnel_learns(t) && old.family == t->family &&
	    inet_prefix_contains(t->family, &t->remote, t->remote_plen, &old.learned.addr) &&
	    (old.encap == t->encap)) {
		gt->t.learned = old.learned;
		gt->t.flags |= TUNNEL_HAS_LEARNED;
	} else if (!tunnel_learns(t)) {
		gt->t.flags &= ~TUNNEL_HAS_LEARNED;
	}
	hash_link(gd, gt);
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
