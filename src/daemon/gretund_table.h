/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gretund_table.c: the tunnels, their receive demux, and the hooks told
 * when a tunnel comes, changes or goes. */
#ifndef GRETUN_GRETUND_TABLE_H
#define GRETUN_GRETUND_TABLE_H

#include "gretund.h"

/* fn runs on every later table change (gd_tunnel_event). 0 or -ENOSPC. */
int gd_table_hook_add(struct gd *gd, gd_tunnel_hook_fn *fn);

struct gd_tunnel *gd_table_find(struct gd *gd, const char *name);
void gd_table_insert(struct gd *gd, struct gd_tunnel *gt);
/* Out of the table; the hooks hear ev (GD_TUNNEL_REMOVED or _VANISHED). */
void gd_table_remove(struct gd *gd, struct gd_tunnel *gt, enum gd_tunnel_event ev);
/* gt if its TUN/TAP device still exists, else NULL: a tunnel whose device
 * was deleted behind our back is dropped here (not during a handover, which
 * holds the list), so its name and endpoints are free again. */
struct gd_tunnel *gd_tunnel_live(struct gd *gd, struct gd_tunnel *gt);
/* Drop every tunnel whose device is gone; true if one was. */
bool gd_tunnels_reap(struct gd *gd, bool check_all);
/* The tunnel whose (local, remote, key) identity equals t's, or NULL. */
struct gd_tunnel *gd_table_find_identity(struct gd *gd, const struct tunnel *t,
					 const struct gd_tunnel *except);

/* Kernel order (ip_tunnel_lookup): exact local+remote, then wildcard local,
 * then wildcard remote, then both; key presence and value must match. */
struct gd_tunnel *gd_table_lookup(struct gd *gd, const struct gd_rx_key *k);
/* For counting a drop when no tunnel matched: a tunnel with these outer
 * addresses ignoring the key, else one with this key from another source.
 * *reason gets GRE_DROP_KEY or GRE_DROP_SOURCE. */
struct gd_tunnel *gd_table_lookup_near(struct gd *gd, const struct gd_rx_key *k,
				       enum gre_drop *reason);

/* Create/change/destroy the data plane part of a tunnel: 0 or -errno. */
int gd_tunnel_create(struct gd *gd, const struct tunnel *t, char *err, size_t errlen);
int gd_tunnel_change(struct gd *gd, const struct tunnel *t, char *err, size_t errlen);
int gd_tunnel_destroy(struct gd *gd, const char *name);
/* A tunnel whose TUN/TAP fd came from elsewhere (handover): in the table,
 * not yet in the epoll set. */
int gd_tunnel_adopt(struct gd *gd, const struct tunnel *t, int fd, int ifindex,
		    char *err, size_t errlen);
void gd_tunnel_refresh_pmtu(struct gd_tunnel *gt, time_t now);
/* Where gt sends: its remote and UDP port, or for a learning tunnel the
 * peer it learned; false while it has learned none. */
bool gd_tunnel_peer(const struct gd_tunnel *gt, union inet_addr *addr, uint16_t *dport);
/* The UDP source port t sends from: EncapsulationSourcePort, else for a
 * learning tunnel or one with PersistentKeepalive its own port (one NAT
 * mapping, whose replies come back where gretund listens; a NAT lets in
 * only replies from where its side sent to), else 0 (a flow hash). */
uint16_t gd_tunnel_sport(const struct tunnel *t);
/* A packet from src (UDP source port sport) passed every receive check of
 * learning tunnel gt: send there from now on; a move is a GD_TUNNEL_CHANGED
 * for the hooks. */
void gd_tunnel_learn(struct gd *gd, struct gd_tunnel *gt, const union inet_addr *src,
		     uint16_t sport);

#endif
