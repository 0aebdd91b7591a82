/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runtime state under /run/gretun, kept apart per network namespace: /run is
 * shared by every namespace of the host, so the directory carries the
 * namespace's identity (the inode of /proc/self/ns/net).
 */
#ifndef GRETUN_RUNTIME_H
#define GRETUN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tunnel.h"

/* The network namespace's cookie (SO_NETNS_COOKIE), 0 if unknown. */
uint64_t runtime_netns_cookie(void);
/* "/run/gretun/net-<inode>", created 0700 on demand when create is set; a
 * directory left by a dead namespace with the same inode is emptied. */
int runtime_dir(char *buf, size_t len, bool create);
/* gretund's own files (pid file, state file) live in RUNTIME_DAEMON_DIR
 * below runtime_dir(): a directory owned by the user gretund runs as, so
 * that a gretund --user can write them without write access to the
 * directory gretunctl keeps its locks and state in. */
#define RUNTIME_DAEMON_DIR "gretund"
/* Make it (and runtime_dir) as root, owned by uid/gid, mode 0700. */
int runtime_daemon_dir_prepare(uid_t uid, gid_t gid);
/* After the last tunnel: remove our directory if nothing but its cookie is
 * left in it. */
void runtime_dir_prune(void);
/* Our namespace is being deleted (gretund): remove its directory and all
 * in it. */
void runtime_dir_remove(void);
/* Remove the directories of namespaces that no longer exist (no process in
 * them, no mount of them); runtime_dir(create) does it once per process.
 * Nothing is removed when a process cannot be looked at. */
void runtime_sweep(void);
/* The name under /run/netns of our network namespace: 0, or -ENOENT when
 * it has none (a container's, the host's). */
int runtime_netns_name(char *name, size_t len);
/* Whether /run/netns/NAME is still our namespace. */
bool runtime_netns_is_named(const char *name);
/* Exclusive lock of one tunnel name; blocks. Returns an fd or -errno.
 * Commands on different names do not wait for each other. */
int runtime_lock(const char *name);
/* Exclusive lock of every tunnel name of the namespace at once (up --all,
 * down --all); blocks. An fd or -errno; runtime_unlock(fd, "", remove). */
int runtime_lock_all(void);
/* Drop the lock; remove: the last tunnel may be gone, prune the directory. */
void runtime_unlock(int fd, const char *name, bool remove);

/* What the state knows beyond the config keys. */
struct state_meta {
	char source[4096];	/* absolute path of the config file it came up from, "" */
	bool mtu_auto;		/* MTU was auto: computed again when it changes */
};

/* The applied config of a tunnel, stored as gretun.conf text so the same
 * parser reads it back; t->backend holds the backend actually used. m may
 * be NULL. */
int state_save(const struct tunnel *t, const struct state_meta *m);
int state_load(const char *name, struct tunnel *t, char *err, size_t errlen);	/* -ENOENT */
int state_load_meta(const char *name, struct state_meta *m);	/* -ENOENT */
int state_remove(const char *name);
/* Names with a state file; *names malloc'd array of IFNAMSIZ strings. */
int state_list(char (**names)[IFNAMSIZ], size_t *n);
/* Serialize t as gretun.conf text (pure; used by state_save and tests). */
int tunnel_format_conf(const struct tunnel *t, FILE *f);

#endif
