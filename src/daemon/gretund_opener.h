/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gretund_opener.c: /dev/net/tun for a --user worker. */
#ifndef GRETUN_GRETUND_OPENER_H
#define GRETUN_GRETUND_OPENER_H

#include "gretund.h"

/* Fork the opener (uid 0, no capabilities); *sock asks it. */
int gd_opener_start(int *sock, pid_t *pid);
/* A fresh /dev/net/tun descriptor from the opener, or -errno. */
int gd_opener_open(int sock);

#endif
