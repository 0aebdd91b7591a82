/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gretund_keepalive.c: Cisco keepalives. */
#ifndef GRETUN_GRETUND_KEEPALIVE_H
#define GRETUN_GRETUND_KEEPALIVE_H

#include "gretund.h"

void gd_keepalive_init(struct gd_tunnel *gt);
/* The table's hook: a new tunnel, or new keepalive settings, start afresh. */
void gd_keepalive_tunnel_event(struct gd *gd, struct gd_tunnel *gt, enum gd_tunnel_event ev,
			       const struct tunnel *old);
void gd_keepalive_tick(struct gd *gd, struct gd_tunnel *gt, time_t now);
/*
 * The receive path's hook, after the GRE header of a packet for gt is parsed
 * and accepted: returns true when the packet was a keepalive (a reply to our
 * probe, GRE protocol 0; or a peer's probe, whose inner IP/GRE packet is sent
 * on to the peer) and is consumed.
 */
bool gd_keepalive_rcv(struct gd *gd, struct gd_tunnel *gt, uint16_t proto,
		      const uint8_t *inner, size_t ilen);
/*
 * The receive path's hook for a GRE packet its IPv4 parse refused as
 * truncated (Linux's 12-byte minimum): true when it is a keepalive reply
 * (GRE protocol 0, no payload) for a tunnel with keepalives, and consumed.
 */
bool gd_keepalive_rcv_short(struct gd *gd, const struct gd_rx_key *k,
			    const uint8_t *p, size_t len);
/* Persistent keepalives: one when gt sent nothing for its interval. */
void gd_pka_tick(struct gd *gd, struct gd_tunnel *gt, time_t now);
/* A peer's persistent keepalive (p: what follows the UDP or IP header, len
 * 0, 4 or 8): counted on its tunnel, and learned from; false if it is
 * none or no tunnel takes it. */
bool gd_pka_rcv(struct gd *gd, const struct gd_rx_key *k, const uint8_t *p, size_t len);

#endif
