/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gretund_sock.c: the underlay sockets. */
#ifndef GRETUN_GRETUND_SOCK_H
#define GRETUN_GRETUND_SOCK_H

#include "gretund.h"

/* Make sure the receive sockets t needs exist (raw GRE per family, UDP per
 * family and port: its port, and its fixed source port). */
int gd_sock_rx_ensure(struct gd *gd, const struct tunnel *t);
/* A send socket for t and this DF choice (created and cached on demand). */
int gd_sock_tx_get(struct gd *gd, const struct tunnel *t, bool df);
/* Path MTU towards dst (t's remote or learned peer), via a connected
 * helper socket. */
int gd_sock_path_mtu(const struct tunnel *t, const union inet_addr *dst, uint16_t dport,
		     uint32_t *mtu);
void gd_sock_close_all(struct gd *gd);

#endif
