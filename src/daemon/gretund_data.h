/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gretund_data.c: the packet paths; main puts the handlers in gd->on. Their
 * inside: gretund_data_int.h. */
#ifndef GRETUN_GRETUND_DATA_H
#define GRETUN_GRETUND_DATA_H

#include "gretund.h"

/* The packet paths' state (gd->data), or NULL without memory;
 * gd_data_free closes the sockets they opened. */
/* *flow_seed: the GRE-in-UDP flow hash seed to use, 0 for a new one
 * (written back). */
struct gd_data *gd_data_new(uint32_t *flow_seed);
void gd_data_free(struct gd_data *d);
void gd_data_tun_event(struct gd *gd, struct gd_watch *w, uint32_t events);
void gd_data_raw_event(struct gd *gd, struct gd_watch *w, uint32_t events);
void gd_data_udp_event(struct gd *gd, struct gd_watch *w, uint32_t events);
/* Overhead t adds in front of an inner packet: outer IP + UDP + GRE. */
unsigned int gd_data_overhead(const struct tunnel *t);

#endif
