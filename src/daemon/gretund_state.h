/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gretund_state.c: the state file (tunnels, sequence numbers, counters) a
 * gretund comes back with after a crash, and the state lines of a handover. */
#ifndef GRETUN_GRETUND_STATE_H
#define GRETUN_GRETUND_STATE_H

#include "gretund.h"

int gd_state_save(struct gd *gd);
int gd_state_load(struct gd *gd, char *err, size_t errlen);
/* A clean stop: nothing to recover (the pid file goes too). */
void gd_state_remove(void);
/* Frees what gd_state_save keeps between saves. */
void gd_state_fini(struct gd *gd);
/* The table's hook: cached lines dropped when a tunnel changes or goes, and
 * the file written at once when a device vanished. */
void gd_state_tunnel_event(struct gd *gd, struct gd_tunnel *gt, enum gd_tunnel_event ev,
			   const struct tunnel *old);
/* "state NAME k=v ..." of gt, and applying one to the tunnel it names;
 * seq_jump is added to a sequenced tunnel's o_seqno (after a crash the
 * saved number may be behind what the peer saw). */
int gd_state_format(const struct gd_tunnel *gt, char *buf, size_t size);
int gd_state_apply(struct gd *gd, char *line, uint32_t seq_jump);

#endif
