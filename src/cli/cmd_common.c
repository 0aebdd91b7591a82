// SPDX-License-Identifier: GPL-2.0-or-later
/* Loading a tunnel from NAME|FILE plus inline options; route comparison. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "gretunctl.h"

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
		if (len == 0 || len >= IFNAMSIZ)
			return -EINVAL;
		memcpy(name, base, len);
		name[len] = '\0';
		n = snprintf(path, pathlen, "%s", arg);
	} else {
		if (strlen(arg) >= IFNAMSIZ)
			return -EINVAL;
		strcpy(name, arg);
		n = snprintf(path, pathlen, "%s/%s.conf", g.config_dir, arg);
	}
	if (!ifname_valid(name))
		return -EINVAL;
	return (n < 0 || (size_t)n >= pathlen) ? -ENAMETOOLONG : 0;
}

int tunnel_load(const char *arg, int argc, char *argv[], struct tunnel *t, char *path,
		size_t pathlen, bool *have_file)
{
	char err[512];
	bool is_file;
	int ret;

	if (tunnel_target_resolve(arg, t->name, path, pathlen, &is_file) < 0) {
		errmsg("invalid tunnel name `%s': expected an interface name (1-15 bytes, no '/', ':' or white space) or a path ending in .conf",
		       arg);
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
		return ret == -EINVAL || ret == -ERANGE ? EXIT_USAGE : EXIT_FAILED;
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

static size_t addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

static bool prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(&a->addr, &b->addr, addr_len(a->family));
}

bool route_equal(const struct route *a, const struct route *b)
{
	size_t alen = addr_len(a->dst.family);
	uint32_t mask = ROUTE_HAS_GATEWAY | ROUTE_HAS_SOURCE;

	if (!prefix_equal(&a->dst, &b->dst) || (a->flags & mask) != (b->flags & mask))
		return false;
	if ((a->flags & ROUTE_HAS_GATEWAY) && memcmp(&a->gateway, &b->gateway, alen))
		return false;
	if ((a->flags & ROUTE_HAS_SOURCE) && memcmp(&a->source, &b->source, alen))
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
