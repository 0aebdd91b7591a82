/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gretund_fp.c: the in-kernel fast path (gretund(8), FAST PATH). One program
 * set per network namespace (src/bpf/gretun_fp.bpf.c, the maps of
 * src/bpf/fp_abi.h), loaded or adopted once at start, pinned in a bpffs,
 * attached with TC to each fast-path tunnel's device (egress) and to the
 * underlay device of the route to its remote (ingress), its maps written
 * from the tunnel table. Built without BPF, every call is the same and
 * says "built without BPF".
 */
#ifndef GRETUN_GRETUND_FP_H
#define GRETUN_GRETUND_FP_H

#include "backend.h"
#include "gretund.h"

/* Where the fast path's objects are, for gretund_fp.c and for a successor
 * that removes them (gretund_fp_scrub.c), with or without BPF. Our filters:
 * a handle and a priority of our own on clsact, so that a filter of
 * someone else's is never replaced or removed. */
#define GD_FP_TC_HANDLE		0x47524554u	/* "GRET" */
#define GD_FP_TC_PRIO		0x4754u
#define GD_FP_BPFFS		"/sys/fs/bpf"
#define GD_FP_BPF_FS_MAGIC	0xcafe4a11
#define GD_FP_QDISC_FILE	"fp-qdiscs"	/* in the runtime directory */

/* At start, while still privileged: adopt the pinned programs and maps of
 * this namespace (a restart, a crash) or load and pin them. Never fails:
 * without a fast path every tunnel is gretund's, and show says why. */
void gd_fp_open(struct gd *gd);
/* The privilege drop must keep CAP_BPF: this kernel checks it for map
 * reads and writes too (before Linux 5.19 with unprivileged BPF
 * disabled); found out by trying without it in a child. */
bool gd_fp_needs_cap_bpf(const struct gd *gd);
/* The table's hook: map entries, attachments and stats ids follow it. */
void gd_fp_tunnel_event(struct gd *gd, struct gd_tunnel *gt, enum gd_tunnel_event ev,
			const struct tunnel *old);
/* The tick, for a fast-path tunnel: its path MTU again (the kernel may
 * have learnt a smaller one), and every GD_PMTU_REFRESH seconds its route
 * (underlay device, source address). */
void gd_fp_tick(struct gd *gd, struct gd_tunnel *gt, time_t now);
/* "bpf" or "userspace"; *why gets the reason for userspace ("" for bpf). */
const char *gd_fp_datapath(const struct gd_tunnel *gt, const char **why);
/* gt's counters as the fast path saw them, added into st. */
void gd_fp_stats_add(struct gd *gd, const struct gd_tunnel *gt, struct tunnel_stats *st);
/* What the fast path sent for gt, in packets (0 without): the persistent
 * keepalive's "idle" counts it with gretund's own. */
uint64_t gd_fp_tx_packets(struct gd *gd, const struct gd_tunnel *gt);
/* Why this gretund runs no fast path at all, or NULL if it does. */
const char *gd_fp_none(const struct gd *gd);
/* Once it serves the tunnels (started, or taken over), if it runs no fast
 * path: a predecessor's filters, its clsact qdiscs and its pins go, and
 * it says so once (gretund_fp_scrub.c). */
void gd_fp_scrub(struct gd *gd);
/* Once it serves the tunnels, if it runs the fast path: the predecessor's
 * filters where this gretund attached none (a tunnel it does not put on
 * the fast path, an underlay no tunnel of its uses any more) go, and it
 * says so once. */
void gd_fp_sweep(struct gd *gd);
/* Whether the filter of ours on ifindex's clsact, ingress or egress, is
 * one that this gretund holds. */
typedef bool gd_fp_keep_fn(void *arg, int ifindex, bool ingress);
/* Our filters off every clsact qdisc but those keep holds: 0 and how many
 * went, or -errno (gretund_fp_scrub.c). */
int gd_fp_tc_sweep(gd_fp_keep_fn *keep, void *arg, unsigned int *filters);
/* At exit: with no tunnel left (and no successor), nothing stays. */
void gd_fp_close(struct gd *gd);

#endif
