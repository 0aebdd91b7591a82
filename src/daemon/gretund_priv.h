/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gretund_priv.c: capabilities. */
#ifndef GRETUN_GRETUND_PRIV_H
#define GRETUN_GRETUND_PRIV_H

#include "gretund.h"

/* Keep CAP_NET_ADMIN and CAP_NET_RAW only (all sets, bounding included),
 * and CAP_BPF with keep_bpf (the fast path's map updates on a kernel that
 * checks it for them, gd_fp_needs_cap_bpf); with user != NULL switch to
 * that user keeping them. */
int gd_priv_drop(const char *user, bool keep_bpf);

#endif
