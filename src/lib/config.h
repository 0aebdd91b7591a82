/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gretun.conf(5): the config file, the inline OPTION VALUE words of
 * `gretunctl up`, and the checks that need the whole tunnel. Errors are
 * written as one line into the caller's buffer; nothing is printed.
 *
 * Order of use: tunnel_init, config_load_file (or config_parse_buffer),
 * config_apply_inline, config_finalize; config_check_permissions when
 * config_has_hooks. Every function returns 0 or -errno.
 */
#ifndef GRETUN_CONFIG_H
#define GRETUN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tunnel.h"

#define CONFIG_FILE_MAX		(1024 * 1024)	/* bytes read at most */
#define CONFIG_LINE_MAX		4096		/* bytes per line, without newline */

/* Parse a whole config file held in buf (need not be NUL-terminated);
 * filename is only used in messages: "FILE:LINE: KEY: ...". */
int config_parse_buffer(const char *filename, const char *buf, size_t len, struct tunnel *t,
			char *err, size_t errlen);
/* Read and parse path; -ENOENT if absent, -EFBIG above CONFIG_FILE_MAX. */
int config_load_file(const char *path, struct tunnel *t, char *err, size_t errlen);
/* OPTION VALUE... overrides as `gretunctl up NAME [OPTION VALUE]...` takes
 * them; see gretun.conf(5) and gretunctl(8). `address` and `route` add to
 * the file's, everything else replaces. `keepalive` takes `off` or two
 * words: `keepalive 10 3`. */
int config_apply_inline(struct tunnel *t, int argc, char *const argv[], char *err, size_t errlen);
/* Cross-field checks and defaults once file and inline options are in:
 * mode/family, Remote required, PMTU/TTL rules, route tables, flags. */
int config_finalize(struct tunnel *t, char *err, size_t errlen);
/* sshd StrictModes for files with [Hooks]: the file and every directory up
 * to / must be owned by root and not writable by group or others. -EPERM
 * with the path and the reason in err. */
int config_check_permissions(const char *path, char *err, size_t errlen);
/* The same, with the owner uid to require and the top directory to stop at
 * (NULL = "/"): for the unit tests, which cannot make root-owned trees. */
int config_check_permissions_as(const char *path, uid_t owner, const char *top,
				char *err, size_t errlen);
bool config_has_hooks(const struct tunnel *t);
/* The n-th config key and its section ("Tunnel", "Route", "Hooks"), and
 * the n-th inline word with the value it stands for (NULL: a VALUE
 * follows), in table order: false past the last. For `gretunctl help keys'
 * and `help words', which the completion and the docs check read. */
bool config_key_nth(size_t n, const char **section, const char **key);
bool config_word_nth(size_t n, const char **word, const char **flag_value);

#endif
