// SPDX-License-Identifier: GPL-2.0-or-later
/* Loading a tunnel from NAME|FILE plus inline options; route comparison. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "gretunctl.h"
#include "inet.h"
#include "parse.h"

const struct backend_ops *backend_for(enum tunnel_backend b)
{
	return b == BACKEND_USERSPACE ? &backend_userspace : &backend_kernel;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

int tunnel_target_resolve(const char *arg, char *name, char *path, size_t pathlen, bool *is_file)
{
	const char *base;
	size_t len;
	int n;

	*is_file = has_suffix(arg, ".conf");
	if (*is_file) {
		base = strrchr(arg, '/');
		base = base ? base + 1 : arg;
		len = strlen(base) - 5;
		if (len == 0)
			return -EINVAL;
		if (len >= IFNAMSIZ)
			return -ENAMETOOLONG;
		memcpy(name, base, len);
		name[len] = '\0';
		n = snprintf(path, pathlen, "%s", arg);
	} else {
		if (strlen(arg) >= IFNAMSIZ)
			return -ENAMETOOLONG;
		strcpy(name, arg);
		n = snprintf(path, pathlen, "%s/%s.conf", g.config_dir, arg);
	}
	if (!ifname_valid(name))
		return -EINVAL;
	return (n < 0 || (size_t)n >= pathlen) ? -E2BIG : 0;
}

/* What is wrong with a NAME, for the one line that refuses it. */
static const char *ifname_problem(const char *name, size_t len, char *buf, size_t buflen)
{
	if (len == 0)
		return "empty";
	if (len >= IFNAMSIZ) {
		snprintf(buf, buflen, "too long, %zu bytes; an interface name has at most %d",
			 len, IFNAMSIZ - 1);
		return buf;
	}
	if ((len == 1 && name[0] == '.') || (len == 2 && !strncmp(name, "..", 2)))
		return "`.' and `..' are no interface names";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '/' || c == ':' || c == '=' || c == '"' || c == '\\') {
			snprintf(buf, buflen, "`%c' is not allowed: a tunnel name is " IFNAME_RULE, c);
			return buf;
		}
		if (c <= ' ' || c == 0x7f)
			return "white space and control bytes are not allowed: a tunnel name is "
			       IFNAME_RULE;
		if (c >= 0x80) {
			snprintf(buf, buflen, "byte 0x%02x is not ASCII: a tunnel name is " IFNAME_RULE,
				 c);
			return buf;
		}
	}
	return "expected an interface name (" IFNAME_RULE ")";
}

void name_error(const char *cmd, const char *arg)
{
	char q[80], buf[192];

	errmsg("%s: invalid tunnel name `%s': %s", cmd, parse_quote(arg, q, sizeof(q)),
	       ifname_problem(arg, strlen(arg), buf, sizeof(buf)));
}

void target_error(const char *cmd, const char *arg, int err)
{
	const char *base = strrchr(arg, '/');
	char q[80], qb[80], buf[192];
	size_t len;

	if (err == -E2BIG) {
		errmsg("%s: config path `%s' is too long", cmd, parse_quote(arg, q, sizeof(q)));
		return;
	}
	if (!has_suffix(arg, ".conf")) {
		name_error(cmd, arg);
		return;
	}
	/* FILE: the base name without .conf is the tunnel's name */
	base = base ? base + 1 : arg;
	len = strlen(base) - 5;
	snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) - 1 ? len : sizeof(buf) - 1), base);
	parse_quote(buf, qb, sizeof(qb));
	errmsg("%s: invalid tunnel name `%s' (from the config file `%s'): %s", cmd, qb,
	       parse_quote(arg, q, sizeof(q)), ifname_problem(base, len, buf, sizeof(buf)));
}

int lock_error(const char *cmd, const char *name, int err)
{
	if (err == -EACCES || err == -EPERM) {
		/* CAP_DAC_OVERRIDE would open the directory, but gretund
		 * cannot verify a client of another uid (no CAP_SYS_PTRACE
		 * for its /proc/PID/ns/user): name what does work. */
		errmsg("%s %s: cannot take the lock under %s/gretun: %s; missing privilege: it is root's, run as root (uid 0) with CAP_NET_ADMIN and CAP_NET_RAW",
		       cmd, name, RUNSTATEDIR, strerror(-err));
		return EXIT_PRIVILEGE;
	}
	errmsg("%s %s: cannot take the lock under %s/gretun: %s", cmd, name, RUNSTATEDIR,
	       strerror(-err));
	return EXIT_FAILED;
}

int state_error(const char *cmd, int err)
{
	if (err == -EACCES || err == -EPERM) {
		/* /run/gretun/net-* is root's, mode 0700 */
		errmsg("%s: cannot read the tunnel state under %s/gretun: %s; missing privilege CAP_DAC_READ_SEARCH (or run as root)",
		       cmd, RUNSTATEDIR, strerror(-err));
		return EXIT_PRIVILEGE;
	}
	errmsg("%s: cannot read the tunnel state under %s/gretun: %s", cmd, RUNSTATEDIR,
	       strerror(-err));
	return EXIT_FAILED;
}

int tunnel_load(const char *cmd, const char *arg, int argc, char *argv[], struct tunnel *t,
		char *path, size_t pathlen, bool *have_file)
{
	char err[512];
	bool is_file;
	int ret;

	ret = tunnel_target_resolve(arg, t->name, path, pathlen, &is_file);
	if (ret < 0) {
		target_error(cmd, arg, ret);
		return EXIT_USAGE;
	}
	ret = config_load_file(path, t, err, sizeof(err));
	*have_file = ret == 0;
	if (ret == -ENOENT && !is_file && argc > 0) {
		ret = 0;	/* inline options alone describe the tunnel */
	} else if (ret == -ENOENT) {
		errmsg("no config `%s' for tunnel %s", path, t->name);
		return EXIT_NOTFOUND;
	} else if (ret < 0) {
		errmsg("%s", err);
		/* a config that cannot be read for what it is (too big, not
		 * a file, not text) is a config error; a failing disk is not */
		return ret == -EIO || ret == -ENOMEM ? EXIT_FAILED :
		       ret == -EACCES || ret == -EPERM ? EXIT_PRIVILEGE : EXIT_USAGE;
	}
	ret = config_apply_inline(t, argc, argv, err, sizeof(err));
	if (ret < 0) {
		errmsg("%s", err);
		return EXIT_USAGE;
	}
	if (g.backend_set) {
		t->backend = g.backend;
		t->flags |= TUNNEL_HAS_BACKEND;
	}
	ret = config_finalize(t, err, sizeof(err));
	if (ret < 0 && !*have_file && strstr(err, ": required")) {
		/* Most likely an admin repeating `up' to change one thing. */
		errmsg("%s; to change some options of tunnel %s while it is up, use `%s set %s OPTION VALUE...'",
		       err, t->name, prog, t->name);
		return EXIT_USAGE;
	}
	if (ret < 0) {
		errmsg("%s%s%s", *have_file ? path : "", *have_file ? ": " : "", err);
		return EXIT_USAGE;
	}
	if (*have_file && config_has_hooks(t) &&
	    config_check_permissions(path, err, sizeof(err)) < 0) {
		errmsg("%s", err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

bool route_equal(const struct route *a, const struct route *b)
{
	int family = a->dst.family;
	uint32_t mask = ROUTE_HAS_GATEWAY | ROUTE_HAS_SOURCE;

	if (!inet_prefix_equal(&a->dst, &b->dst) || (a->flags & mask) != (b->flags & mask))
		return false;
	if ((a->flags & ROUTE_HAS_GATEWAY) && !inet_addr_equal(family, &a->gateway, &b->gateway))
		return false;
	if ((a->flags & ROUTE_HAS_SOURCE) && !inet_addr_equal(family, &a->source, &b->source))
		return false;
	if (((a->flags & ROUTE_HAS_METRIC) ? a->metric : 0) !=
	    ((b->flags & ROUTE_HAS_METRIC) ? b->metric : 0))
		return false;
	return ((a->flags & ROUTE_HAS_TABLE) ? a->table : GRETUN_TABLE_MAIN) ==
	       ((b->flags & ROUTE_HAS_TABLE) ? b->table : GRETUN_TABLE_MAIN);
}

/* want is as configured, have as the kernel reports it: the kernel fills in
 * defaults (IPv6 metric 1024, table main). */
bool route_matches_kernel(const struct route *want, const struct route *have)
{
	struct route w = *want;

	if (!(w.flags & ROUTE_HAS_METRIC)) {
		w.metric = w.dst.family == AF_INET6 ? 1024 : 0;
		w.flags |= ROUTE_HAS_METRIC;
	}
	if (!(w.flags & ROUTE_HAS_TABLE)) {
		w.table = GRETUN_TABLE_MAIN;
		w.flags |= ROUTE_HAS_TABLE;
	}
	struct route h = *have;

	if (!(h.flags & ROUTE_HAS_METRIC)) {
		h.metric = 0;
		h.flags |= ROUTE_HAS_METRIC;
	}
	return route_equal(&w, &h);
}
