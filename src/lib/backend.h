/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The backend interface: what differs between a kernel GRE device and a
 * gretund-served TUN/TAP device. Everything after the device exists
 * (addresses, MTU, link up, routes) is common rtnetlink code in the commands.
 */
#ifndef GRETUN_BACKEND_H
#define GRETUN_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "gre.h"
#include "tunnel.h"

struct nl_sock;

struct tunnel_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t rx_errors, tx_errors, tx_dropped;
	/* userspace: of tx_dropped, sent before a learning tunnel knew its
	 * peer; persistent keepalives sent and received */
	uint64_t tx_no_endpoint, tx_keepalives, rx_keepalives;
	uint64_t drops[GRE_DROP_MAX_];	/* userspace only: drops by reason */
	bool has_drops;
	/* keepalive (userspace) */
	bool keepalive_up;
	int64_t keepalive_last_reply;	/* unix time, 0 = never */
	/* userspace: the data path that serves it ("bpf", "userspace"; ""
	 * from a gretund that does not say) and why not the fast path */
	char datapath[16];
	char datapath_why[96];
};

/* Room for a backend's message: gretund's (CTL_ERR_MAX and a prefix) or
 * the path of a gretund that cannot be run. */
#define BACKEND_ERR_MAX	4608

/* Each returns 0 or -errno and, on failure, the backend's own message in
 * err[errlen] ("" when it has none): the kernel's extended ACK, or what
 * gretund said. */
struct backend_ops {
	const char *name;	/* "kernel" | "userspace" */
	/* Create the device named t->name; t->mtu already resolved (never 0).
	 * -EOPNOTSUPP means "this backend cannot make this kind here". */
	int (*create)(struct nl_sock *nl, const struct tunnel *t, char *err, size_t errlen);
	/* Apply t to the existing device in place; -EOPNOTSUPP if it cannot
	 * be changed in place (caller recreates). */
	int (*change)(struct nl_sock *nl, const struct tunnel *t, char *err, size_t errlen);
	int (*destroy)(struct nl_sock *nl, const char *name, char *err, size_t errlen);
	/* Current tunnel parameters and counters; -ENODEV if not ours/absent. */
	int (*get)(struct nl_sock *nl, const char *name, struct tunnel *t,
		   struct tunnel_stats *st, char *err, size_t errlen);
};

extern const struct backend_ops backend_kernel;
extern const struct backend_ops backend_userspace;

#endif
