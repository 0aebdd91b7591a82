/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the gretunctl subcommands share: global options, exit codes, the
 * change journal that makes every command all-or-nothing. */
#ifndef GRETUN_GRETUNCTL_H
#define GRETUN_GRETUNCTL_H

#include <stdbool.h>
#include <stdio.h>

#include "backend.h"
#include "nl.h"
#include "tunnel.h"

struct nl_sock;
struct state_meta;

enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,	/* the system is left as it was */
	EXIT_USAGE = 2,		/* usage or config error, nothing changed */
	EXIT_PRIVILEGE = 3,
	EXIT_NOTFOUND = 4,
};

struct globals {
	bool json;
	bool quiet;
	const char *config_dir;
	bool config_dir_set;	/* -c given: it wins over the state's record */
	enum tunnel_backend backend;
	bool backend_set;
	char *errbuf;		/* set: errmsg keeps its first line here too */
	size_t errbuf_len;
};

extern struct globals g;
extern const char *prog;

void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void infomsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Exit status for a -errno from a netlink/backend step. */
int exit_for_errno(int err);
/* " (kernel: MSG)" when the last netlink error carried an extended ACK,
 * else "", written into buf. */
#define REASON_MAX	(BACKEND_ERR_MAX + 16)
const char *nl_reason_format(struct nl_sock *nl, char *buf, size_t size);
/* The same for a backend step's message err (from its ops): " (kernel: MSG)"
 * or " (gretund: MSG)". */
const char *backend_reason_format(const struct backend_ops *be, const char *err, char *buf,
				  size_t size);
/* For use inside one errmsg(...) call: the buffer is a compound literal,
 * alive until the end of the enclosing block. */
#define nl_reason(nl)	nl_reason_format((nl), (char[REASON_MAX]){ 0 }, REASON_MAX)
#define backend_reason(be, err) \
	backend_reason_format((be), (err), (char[REASON_MAX]){ 0 }, REASON_MAX)

int up_main(int argc, char *argv[]);
/* up --all, down --all, check --all (cmd_all.c); argv[1] is "--all". */
int up_all_main(int argc, char *argv[]);
int down_all_main(int argc, char *argv[]);
int check_all_main(int argc, char *argv[]);
int set_main(int argc, char *argv[]);
int down_main(int argc, char *argv[]);
int show_main(int argc, char *argv[]);
int list_main(int argc, char *argv[]);
int check_main(int argc, char *argv[]);
int route_main(int argc, char *argv[]);
int restart_main(int argc, char *argv[]);
int version_main(int argc, char *argv[]);
int help_main(int argc, char *argv[]);

/* Journal: every change a command makes is recorded with its inverse;
 * a failure replays the inverses newest first. */
enum undo_kind {
	UNDO_DESTROY,		/* device created: destroy it */
	UNDO_CHANGE,		/* tunnel parameters changed: put old ones back */
	UNDO_RECREATE,		/* device replaced: destroy new, create old
				 * and give it back what it had (snap) */
	UNDO_MTU,
	UNDO_LINK_DOWN,
	UNDO_ADDR_DEL,
	UNDO_ADDR_ADD,
	UNDO_ROUTE_DEL,
	UNDO_ROUTE_ADD,
	UNDO_ROUTE_REPLACE,	/* put the old route back */
	UNDO_RULE_DEL,		/* rule added: delete it */
	UNDO_RULE_ADD,		/* rule deleted: add it again */
};

/* What a device had before up replaced it: set on the old one again if
 * the up fails. */
struct link_snap {
	uint32_t mtu;
	bool up;
	struct nl_addr *addrs;
	size_t n_addrs;
	struct nl_route *routes;
	size_t n_routes;
};

struct undo {
	enum undo_kind kind;
	const char *name;
	int ifindex;
	const struct backend_ops *be;
	const struct tunnel *old;	/* UNDO_CHANGE/UNDO_RECREATE: borrowed */
	const struct link_snap *snap;	/* UNDO_RECREATE: borrowed */
	uint32_t mtu;
	struct prefix p;
	struct route r;
	uint8_t proto;
	struct nl_rule rule;	/* UNDO_RULE_* */
};

struct journal {
	struct undo *v;
	size_t n, cap;
};

int journal_push(struct journal *j, const struct undo *u);
/* Create the old device again and give it what snap says it had. */
int device_restore(struct nl_sock *nl, const char *name, const struct tunnel *old,
		   const struct link_snap *snap);
/* Undo everything; returns the number of steps that could not be undone. */
size_t journal_rollback(struct journal *j, struct nl_sock *nl);
void journal_free(struct journal *j);

/* Shared by up/down/check: NAME or FILE → tunnel name and config path. */
int tunnel_target_resolve(const char *arg, char *name, char *path, size_t pathlen,
			  bool *is_file);
/* The one line refusing a NAME|FILE (tunnel_target_resolve's -errno), or
 * a NAME, for command cmd; the name quoted with control bytes as `?'. */
void target_error(const char *cmd, const char *arg, int err);
void name_error(const char *cmd, const char *arg);
/* The one line for a lock under /run/gretun that runtime_lock refused;
 * returns the exit status (3 naming the capability for EACCES/EPERM). */
int lock_error(const char *cmd, const char *name, int err);
/* The one line for state under /run/gretun that cannot be read (-errno);
 * returns the exit status: 3 naming the capability for EACCES/EPERM. */
int state_error(const char *cmd, int err);
/* Load the config (if present) and inline options into t; errors printed,
 * returns an exit status. */
int tunnel_load(const char *cmd, const char *arg, int argc, char *argv[], struct tunnel *t,
		char *path, size_t pathlen, bool *have_file);
const struct backend_ops *backend_for(enum tunnel_backend b);
/* down: the config whose hooks run (cmd_down.c); errors printed, returns an
 * exit status. */
int down_config(const char *name, bool is_file, char *path, size_t pathlen,
		const struct state_meta *m, struct tunnel *conf, bool *has_conf);
bool route_equal(const struct route *a, const struct route *b);
bool route_matches_kernel(const struct route *want, const struct route *have);

#endif
