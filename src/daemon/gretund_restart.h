/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gretund_restart.c: handing the data plane over to a new gretund. */
#ifndef GRETUN_GRETUND_RESTART_H
#define GRETUN_GRETUND_RESTART_H

#include "gretund.h"

/* Called with the one-line JSON answer when the handover ends. */
typedef void gd_restart_done_fn(struct gd *gd, const char *reply);

/* Old side: start a new gretund and hand over to it; done (if not NULL)
 * gets the answer later. 0, or -errno with err filled. */
int gd_restart_begin(struct gd *gd, gd_restart_done_fn *done, char *err, size_t errlen);
/* Old side: called every tick; gives up after GD_RESTART_TIMEOUT. */
void gd_restart_tick(struct gd *gd, time_t now);
/* New side: take over from the old process on fd (--takeover). On return 0
 * the tunnels and underlay sockets are in gd and in the epoll set, and
 * gd->ctl.fd is the control socket, for gd_ctl_start. */
int gd_takeover(struct gd *gd, int fd, char *err, size_t errlen);
/* New side, after the loop is ready: tell the old one to go. */
int gd_takeover_finish(struct gd *gd);

#endif
