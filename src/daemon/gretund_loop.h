/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gretund_loop.c: the epoll set every fd of gretund is watched in. */
#ifndef GRETUN_GRETUND_LOOP_H
#define GRETUN_GRETUND_LOOP_H

#include "gretund.h"

int gd_loop_init(struct gd *gd);
int gd_loop_add(struct gd *gd, struct gd_watch *w, uint32_t events);
void gd_loop_del(struct gd *gd, struct gd_watch *w);	/* does not close */
/* Runs until gd->stop; calls tick(gd) about once a second. 0 or -errno. */
int gd_loop_run(struct gd *gd, void (*tick)(struct gd *gd));
void gd_loop_fini(struct gd *gd);

#endif
