/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gretund_supervisor.c: crash recovery in --daemon mode. */
#ifndef GRETUN_GRETUND_SUPERVISOR_H
#define GRETUN_GRETUND_SUPERVISOR_H

#include "gretund.h"

/* Runs in the daemon after fork: keeps lfd, starts workers and restarts a
 * worker killed by a signal. Returns 0 in the first worker (*is_worker
 * true), or the supervisor's exit status; close_fd is closed in the
 * supervisor (the first worker's readiness pipe). */
int gd_supervise(int lfd, int close_fd, const struct gd_options *o, bool *is_worker);

#endif
