/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gretund_sock.c: the underlay sockets. */
#ifndef GRETUN_GRETUND_SOCK_H
#define GRETUN_GRETUND_SOCK_H

#include "gretund.h"

/* Make sure the receive sockets t needs exist (raw GRE per family, UDP per
 * family and port). */
int gd_sock_rx_ensure(struct gd *gd, const struct tunnel *t);
/* A send socket for t and this DF choice (created and cached on demand). */
int gd_sock_tx_get(struct gd *gd, const struct tunnel *t, bool df);
/* Path MTU towards t's remote, via a connected helper socket. */
int gd_sock_path_mtu(const struct tunnel *t, uint32_t *mtu);
void gd_sock_close_all(struct gd *gd);

#endif
