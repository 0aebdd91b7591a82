/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The destination and control messages of a packet gretund sends to a
 * tunnel's remote over a raw (or GRE-in-UDP) socket: the kernel builds the
 * outer IP header from them, so the data path (gretund_data_tx.c) and the
 * keepalives (gretund_keepalive.c) fill them in one place.
 */
#ifndef GRETUN_GRETUND_TXMSG_H
#define GRETUN_GRETUND_TXMSG_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "tunnel.h"

/* Room for hop limit/TTL, traffic class/TOS and the source address. */
#define GD_TXMSG_CMSG_SPACE	(CMSG_SPACE(sizeof(struct in6_pktinfo)) + 2 * CMSG_SPACE(sizeof(int)))

struct gd_txmsg {
	struct sockaddr_storage to;
	struct {
		_Alignas(struct cmsghdr) char buf[GD_TXMSG_CMSG_SPACE];
	} cm;
};

/*
 * Point mh's name and control at m, filled for a packet of this family to
 * dst: IP_TTL/IPV6_HOPLIMIT ttl, IP_TOS/IPV6_TCLASS tos unless tos < 0, and
 * IP_PKTINFO/IPV6_PKTINFO with src unless src is NULL. The unused bytes are
 * zero, so two messages built alike compare equal with memcmp (GSO runs).
 */
void gd_txmsg_build(struct gd_txmsg *m, struct msghdr *mh, int family,
		    const union inet_addr *dst, int ttl, int tos, const union inet_addr *src);

#endif
