/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The gretund control protocol, pure code shared by the daemon (parser) and
 * by the client in ctl.c (formatter): one request per text line,
 *   VERB [NAME] [key=value]...
 * No I/O, no allocation. Documented in gretund(8).
 */
#ifndef GRETUN_GRETUND_PROTO_H
#define GRETUN_GRETUND_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunnel.h"

#define CTL_LINE_MAX	4096	/* longest request line, newline included */
#define CTL_ERR_MAX	160
#define CTL_SOCKET_NAME	"gretun/gretund"	/* abstract: "\0gretun/gretund" */

enum ctl_cmd {
	CTL_CMD_PING,
	CTL_CMD_CREATE,
	CTL_CMD_CHANGE,
	CTL_CMD_DESTROY,
	CTL_CMD_GET,
	CTL_CMD_STATS,
	CTL_CMD_LIST,
	CTL_CMD_RESTART,	/* hand over to a new gretund (gretund(8), RESTART) */
	CTL_CMD_MAX_
};

struct ctl_request {
	enum ctl_cmd cmd;
	char name[IFNAMSIZ];	/* "" for ping, list */
	struct tunnel t;	/* create/change: parsed parameters, name copied */
	uint32_t seen;		/* CTL_KEY_* bits of keys present in the line */
};

/* Parameter keys, as bits in ctl_request.seen. */
enum {
	CTL_KEY_MODE = 1u << 0,
	CTL_KEY_LOCAL = 1u << 1,
	CTL_KEY_REMOTE = 1u << 2,
	CTL_KEY_IKEY = 1u << 3,
	CTL_KEY_OKEY = 1u << 4,
	CTL_KEY_IFLAGS = 1u << 5,
	CTL_KEY_OFLAGS = 1u << 6,
	CTL_KEY_TTL = 1u << 7,
	CTL_KEY_TOS = 1u << 8,
	CTL_KEY_PMTUDISC = 1u << 9,
	CTL_KEY_IGNORE_DF = 1u << 10,
	CTL_KEY_DEV = 1u << 11,
	CTL_KEY_FWMARK = 1u << 12,
	CTL_KEY_ENCAP = 1u << 13,
	CTL_KEY_ENCAP_DPORT = 1u << 14,
	CTL_KEY_ENCAP_SPORT = 1u << 15,
	CTL_KEY_KEEPALIVE = 1u << 16,
	CTL_KEY_MTU = 1u << 17,
	CTL_KEY_LEARNED = 1u << 18,
	CTL_KEY_PERSISTENT_KEEPALIVE = 1u << 19,
	CTL_KEY_DATAPATH = 1u << 20,
};

const char *ctl_cmd_name(enum ctl_cmd c);

/*
 * Parse one request line (without or with its trailing "\n"). line need not
 * be NUL-terminated. On error returns -EINVAL (or -E2BIG for an oversize
 * line) and writes a one-line reason into err. For create/change the
 * parameters are checked for consistency (families match the mode, remote
 * given, ...) so that the daemon never sees a half-valid tunnel.
 */
int ctl_request_parse(const char *line, size_t len, struct ctl_request *req,
		      char *err, size_t errlen);

/*
 * Set one tunnel parameter from its protocol spelling (the same words the
 * daemon prints in `get` replies). *seen collects CTL_KEY_* bits; a key seen
 * twice is an error. 0 or -EINVAL (err filled).
 */
int ctl_tunnel_set_param(struct tunnel *t, uint32_t *seen, const char *key,
			 const char *val, char *err, size_t errlen);

bool ctl_param_known(const char *key);

/* Check a parsed create/change request; 0 or -EINVAL (err filled). */
int ctl_tunnel_validate(const struct tunnel *t, uint32_t seen, char *err, size_t errlen);

/*
 * Write "create NAME k=v ...\n" (or change) for t into buf. Returns the
 * length, or -ENOSPC if it does not fit.
 */
int ctl_request_format(char *buf, size_t size, enum ctl_cmd cmd, const struct tunnel *t);

/* "csum,key,seq" words for GRE_OPT_* bits ("none" for 0); buf >= 16. */
const char *ctl_flags_str(uint8_t flags, char *buf, size_t size);

/* The error reply line, {"ok":false,"error":MSG,"errno":N} and "\n", into
 * buf (MSG strerror(-err) when msg is NULL or ""). Shared by every path of
 * gretund that refuses something, so that the client reads one shape. The
 * length, or -ENOSPC. */
int ctl_reply_error(char *buf, size_t size, int err, const char *msg);

#endif
