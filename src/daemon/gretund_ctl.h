/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gretund_ctl.c: the control socket. */
#ifndef GRETUN_GRETUND_CTL_H
#define GRETUN_GRETUND_CTL_H

#include "gretund.h"

/* Bind + listen on "\0gretun/gretund"; -EADDRINUSE when another gretund runs. */
int gd_ctl_listen(int *fd);
int gd_ctl_start(struct gd *gd, int listen_fd);
void gd_ctl_stop(struct gd *gd);
/* Handle one request line of client c (whose restart waits for the end of
 * the handover); writes a one-line JSON reply (with "\n") into reply, or ""
 * when the answer comes later. */
void gd_ctl_handle_line(struct gd *gd, struct gd_client *c, const char *line, size_t len,
			char *reply, size_t size);
/* 0 if this peer may control us (uid 0, or CAP_NET_ADMIN in our user ns). */
int gd_peer_allowed(pid_t pid, uid_t uid);

#endif
