// SPDX-License-Identifier: GPL-2.0-or-later
/* show and list: one print path for text and JSON (output.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "field.h"
#include "gretunctl.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000	/* linux/if.h clashes with net/if.h */
#endif
#include "nl.h"
#include "output.h"
#include "rules.h"
#include "runtime.h"
#include "show.h"

static const char *link_state(const struct nl_link *l, bool exists)
{
	if (!exists)
		return "absent";
	if (!(l->flags & IFF_UP))
		return "down";
	return (l->flags & IFF_LOWER_UP) ? "up" : "lowerlayerdown";
}

static void print_addr(struct out *o, const char *key, const char *fmt, bool has, int family,
		       const union inet_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (!has || !inet_ntop(family, a, buf, sizeof(buf))) {
		out_null(o, key);
		return;
	}
	out_str(o, key, fmt, buf);
}

static void print_prefix(struct out *o, const char *key, const char *fmt, const struct prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8], a[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, &p->addr, a, sizeof(a)))
		strcpy(a, "?");
	snprintf(buf, sizeof(buf), "%s/%u", a, p->len);
	out_str(o, key, fmt, buf);
}

/* The tunnel's parameters as the field table shows them. */
static void print_params(struct out *o, const struct tunnel *t)
{
	struct field_shown sh;

	for (size_t i = 0; i < tunnel_fields_n; i++) {
		field_show(&tunnel_fields[i], t, &sh);
		for (int k = 0; k < FIELD_SHOWN_MAX && sh.key[k]; k++) {
			const struct field_value *v = &sh.val[k];

			if (v->type == FIELD_STR)
				out_str(o, sh.key[k], NULL, v->str);
			else if (v->type == FIELD_NUM)
				out_u64(o, sh.key[k], NULL, v->num);
			else if (v->type == FIELD_TRUE_FALSE)
				out_bool(o, sh.key[k], NULL, v->on);
			else
				out_null(o, sh.key[k]);
		}
		if (sh.text[0])
			out_text(o, "%s", sh.text);
	}
	out_text(o, "\n");
}

static void print_route(struct out *o, const struct route *r)
{
	out_object_begin(o, NULL);
	print_prefix(o, "destination", "  route %s", &r->dst);
	print_addr(o, "gateway", " via %s", r->flags & ROUTE_HAS_GATEWAY, r->dst.family,
		   &r->gateway);
	out_u64(o, "metric", " metric %" PRIu64, r->metric);
	out_u64(o, "table", r->table == GRETUN_TABLE_MAIN ? NULL : " table %" PRIu64, r->table);
	print_addr(o, "source", " src %s", r->flags & ROUTE_HAS_SOURCE, r->dst.family, &r->source);
	out_text(o, "\n");
	out_object_end(o);
}

static void routes_print_list(struct out *o, const struct nl_route *v, size_t n, const char *key)
{
	out_array_begin(o, key);
	for (size_t i = 0; i < n; i++) {
		if (nl_route_is_kernels(&v[i]))
			continue;
		print_route(o, &v[i].r);
	}
	out_array_end(o);
}

int routes_print(struct out *o, struct nl_sock *nl, int ifindex, const char *key)
{
	struct nl_route *v = NULL;
	size_t n = 0;
	int ret = ifindex > 0 ? nl_route_list(nl, ifindex, &v, &n) : 0;

	routes_print_list(o, v, n, key);
	free(v);
	return ret;
}

/* The rules of the tunnel's default routes that the kernel has (rules.h):
 * what its config asks for and what its routes in the kernel need. */
static int rules_print(struct out *o, struct nl_sock *nl, const struct tunnel *st, int ifindex,
		       uint32_t fwmark, const struct nl_route *routes, size_t n_routes)
{
	struct rule_set want = { 0 };
	struct nl_rule *cur = NULL;
	size_t n = 0;
	char text[96];
	int ret = rule_set_add_tunnel(&want, st);

	if (ret == 0)
		ret = rule_set_add_kernel(&want, routes, n_routes, ifindex, fwmark);
	if (ret == 0 && want.n)
		ret = nl_rule_list(nl, AF_UNSPEC, &cur, &n);
	out_array_begin(o, "rules");
	for (size_t i = 0; ret == 0 && i < want.n; i++) {
		const struct nl_rule *r = &want.v[i];

		if (!rule_in_kernel(r, cur, n))
			continue;
		out_object_begin(o, NULL);
		out_str(o, "family", NULL, r->family == AF_INET6 ? "inet6" : "inet");
		out_u64(o, "priority", "  rule %" PRIu64 ":", r->priority);
		out_bool(o, "not", NULL, r->invert);
		if (r->has_fwmark)
			out_u64(o, "fwmark", NULL, r->fwmark);
		else
			out_null(o, "fwmark");
		out_u64(o, "table", NULL, r->table);
		if (r->suppress_prefixlen >= 0)
			out_u64(o, "suppress_prefixlength", NULL, (uint64_t)r->suppress_prefixlen);
		else
			out_null(o, "suppress_prefixlength");
		out_text(o, " %s (%s)\n", rule_text(r, text, sizeof(text)),
			 r->family == AF_INET6 ? "IPv6" : "IPv4");
		out_object_end(o);
	}
	out_array_end(o);
	rule_set_free(&want);
	free(cur);
	return ret;
}

static void print_stats(struct out *o, const struct tunnel_stats *st, bool learns)
{
	out_object_begin(o, "stats");
	out_u64(o, "rx_packets", "  rx %" PRIu64 " packets", st->rx_packets);
	out_u64(o, "rx_bytes", " %" PRIu64 " bytes", st->rx_bytes);
	out_u64(o, "rx_errors", " %" PRIu64 " errors", st->rx_errors);
	out_u64(o, "tx_packets", ", tx %" PRIu64 " packets", st->tx_packets);
	out_u64(o, "tx_bytes", " %" PRIu64 " bytes", st->tx_bytes);
	out_u64(o, "tx_errors", " %" PRIu64 " errors", st->tx_errors);
	out_u64(o, "tx_dropped", " %" PRIu64 " dropped", st->tx_dropped);
	/* a learning tunnel's sends before it knew its peer, and keepalives */
	if (learns)
		out_u64(o, "tx_no_endpoint", " (%" PRIu64 " with no peer learned yet)",
			st->tx_no_endpoint);
	if (st->tx_keepalives || st->rx_keepalives || o->json) {
		out_u64(o, "tx_keepalives", ", keepalives tx %" PRIu64, st->tx_keepalives);
		out_u64(o, "rx_keepalives", " rx %" PRIu64, st->rx_keepalives);
	}
	out_text(o, "\n");
	out_object_begin(o, "drops");
	if (st->has_drops) {
		bool any = false;

		for (int i = 1; i < GRE_DROP_MAX_; i++) {
			if (!st->drops[i] && !o->json)
				continue;
			out_text(o, any ? ", " : "  drops: ");
			any = true;
			out_u64(o, gre_drop_name((enum gre_drop)i), NULL, st->drops[i]);
			out_text(o, "%s %" PRIu64, gre_drop_name((enum gre_drop)i), st->drops[i]);
		}
		if (any)
			out_text(o, "\n");
	}
	out_object_end(o);
	out_object_end(o);
}

/* Which of gretund's data paths serves a userspace tunnel, as gretund says
 * (nothing for kernel tunnels, or a gretund that does not say). */
static void print_datapath(struct out *o, const struct tunnel *st, const struct tunnel_stats *s)
{
	if (st->backend != BACKEND_USERSPACE || !s->datapath[0])
		return;
	out_str(o, "datapath", " datapath %s", s->datapath);
	if (s->datapath_why[0])
		out_str(o, "datapath_why", " (%s)", s->datapath_why);
	else
		out_null(o, "datapath_why");
}

static int show_one(struct out *o, struct nl_sock *nl, const char *name)
{
	struct tunnel st, cur;
	struct tunnel_stats stats;
	struct nl_link l;
	struct nl_addr *addrs = NULL;
	struct nl_route *routes = NULL;
	size_t n_addrs = 0, n_routes = 0;
	char err[512];
	bool has_state, exists;
	const struct tunnel *t;
	int ret;

	tunnel_init(&st);
	tunnel_init(&cur);
	memset(&stats, 0, sizeof(stats));
	memset(&l, 0, sizeof(l));
	ret = state_load(name, &st, err, sizeof(err));
	if (ret == -EACCES || ret == -EPERM)
		goto out;	/* no answer is no "no tunnel" */
	has_state = ret == 0;
	exists = nl_link_get(nl, name, &l) == 0;
	if (!has_state && !(exists && l.is_gre)) {
		ret = -ENODEV;
		goto out;
	}
	if (!has_state)
		st.backend = BACKEND_KERNEL;
	/* The backend's view (kernel attributes, gretund's counters) wins
	 * over the saved config when it answers. */
	t = &st;
	if (exists && backend_for(st.backend)->get(nl, name, &cur, &stats, err, sizeof(err)) == 0)
		t = &cur;
	else if (exists && l.has_stats) {
		stats.rx_packets = l.stats.rx_packets;
		stats.rx_bytes = l.stats.rx_bytes;
		stats.tx_packets = l.stats.tx_packets;
		stats.tx_bytes = l.stats.tx_bytes;
		stats.rx_errors = l.stats.rx_errors;
		stats.tx_errors = l.stats.tx_errors;
		stats.tx_dropped = l.stats.tx_dropped;
	}
	out_object_begin(o, NULL);
	out_str(o, "name", "%s:", name);
	out_str(o, "mode", " %s", tunnel_mode_name(st.mode));
	out_str(o, "backend", " backend %s", tunnel_backend_name(st.backend));
	out_str(o, "state", " state %s", link_state(&l, exists));
	out_u64(o, "ifindex", exists ? " ifindex %" PRIu64 : NULL, exists ? (uint64_t)l.ifindex : 0);
	out_u64(o, "mtu", " mtu %" PRIu64, exists ? l.mtu : st.mtu);
	print_datapath(o, &st, &stats);
	out_text(o, "\n");
	print_params(o, t);
	if (st.keepalive_interval) {
		out_object_begin(o, "keepalive");
		out_u64(o, "interval", "  keepalive %" PRIu64, st.keepalive_interval);
		out_u64(o, "retries", " %" PRIu64, st.keepalive_retries);
		if (st.backend == BACKEND_USERSPACE) {
			char ago[32];

			out_str(o, "state", ", %s", stats.keepalive_up ? "up" : "down");
			/* JSON keeps the Unix time (0 = never); text says how
			 * long ago */
			field_format_ago(ago, sizeof(ago), stats.keepalive_last_reply,
				   (int64_t)time(NULL));
			out_u64(o, "last_reply", NULL, (uint64_t)stats.keepalive_last_reply);
			out_text(o, ", last reply %s", ago);
		}
		out_text(o, "\n");
		out_object_end(o);
	}
	if (exists)
		nl_addr_list(nl, l.ifindex, &addrs, &n_addrs);
	out_array_begin(o, "addresses");
	for (size_t i = 0; i < n_addrs; i++) {
		if (addrs[i].scope == 253 /* RT_SCOPE_LINK */)
			continue;
		print_prefix(o, NULL, "  address %s\n", &addrs[i].p);
	}
	out_array_end(o);
	if (exists)
		nl_route_list(nl, l.ifindex, &routes, &n_routes);
	routes_print_list(o, routes, n_routes, "routes");
	rules_print(o, nl, &st, exists ? l.ifindex : 0, t->fwmark, routes, n_routes);
	print_stats(o, &stats, tunnel_learns(t));
	out_object_end(o);
	ret = 0;
out:
	free(addrs);
	free(routes);
	tunnel_free(&st);
	tunnel_free(&cur);
	return ret;
}

int show_main(int argc, char *argv[])
{
	struct nl_sock *nl = NULL;
	char (*names)[IFNAMSIZ] = NULL;
	size_t n = 0;
	struct out o;
	int ret, status = EXIT_OK;

	if (argc > 2) {
		errmsg("usage: %s show [NAME] [-j]", prog);
		return EXIT_USAGE;
	}
	if (argc == 2 && !ifname_valid(argv[1])) {
		name_error("show", argv[1]);
		return EXIT_USAGE;
	}
	/* State that cannot be read (not root) must not look like "no
	 * tunnels" to a script: say so before printing anything. */
	ret = state_list(&names, &n);
	if (ret < 0)
		return state_error("show", ret);
	ret = nl_open(&nl);
	if (ret < 0) {
		errmsg("show: cannot open rtnetlink: %s", strerror(-ret));
		free(names);
		return EXIT_FAILED;
	}
	out_init(&o, stdout, g.json);
	out_array_begin(&o, NULL);
	if (argc == 2) {
		ret = show_one(&o, nl, argv[1]);
		if (ret == -ENODEV) {
			status = EXIT_NOTFOUND;
		} else if (ret < 0) {
			status = EXIT_FAILED;
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			ret = show_one(&o, nl, names[i]);
			if (ret < 0 && status == EXIT_OK)
				status = EXIT_FAILED;
		}
	}
	out_array_end(&o);
	out_finish(&o);
	if (status == EXIT_NOTFOUND)
		errmsg("show: no tunnel %s managed by gretun", argv[1]);
	else if (status == EXIT_FAILED && (ret == -EACCES || ret == -EPERM))
		status = state_error("show", ret);
	free(names);
	nl_close(nl);
	return status;
}

int list_main(int argc, char *argv[])
{
	struct nl_sock *nl = NULL;
	char (*names)[IFNAMSIZ] = NULL;
	size_t n = 0;
	struct out o;
	int ret;

	if (argc != 1) {
		errmsg("usage: %s list [-j]", prog);
		return EXIT_USAGE;
	}
	/* Scripts get the same objects from `list -j` as from `show -j`
	 * (gretunctl(8), JSON output); only the text form is the short one. */
	if (g.json)
		return show_main(1, argv);
	ret = state_list(&names, &n);
	if (ret < 0)
		return state_error("list", ret);
	ret = nl_open(&nl);
	if (ret < 0) {
		errmsg("list: cannot open rtnetlink: %s", strerror(-ret));
		free(names);
		return EXIT_FAILED;
	}
	out_init(&o, stdout, g.json);
	out_array_begin(&o, NULL);
	for (size_t i = 0; i < n; i++) {
		struct tunnel st;
		struct nl_link l;
		char err[256];
		bool exists;

		tunnel_init(&st);
		memset(&l, 0, sizeof(l));
		state_load(names[i], &st, err, sizeof(err));
		exists = nl_link_get(nl, names[i], &l) == 0;
		out_object_begin(&o, NULL);
		out_str(&o, "name", "%s", names[i]);
		out_str(&o, "backend", " %s", tunnel_backend_name(st.backend));
		out_str(&o, "state", " %s\n", link_state(&l, exists));
		out_object_end(&o);
		tunnel_free(&st);
	}
	out_array_end(&o);
	out_finish(&o);
	free(names);
	nl_close(nl);
	return EXIT_OK;
}

int check_main(int argc, char *argv[])
{
	struct tunnel t;
	char path[4096];
	bool have_file;
	int status;

	if (argc >= 2 && !strcmp(argv[1], "--all"))
		return check_all_main(argc, argv);
	if (argc < 2) {
		errmsg("usage: %s check NAME|FILE [OPTION [VALUE]]... | --all", prog);
		return EXIT_USAGE;
	}
	tunnel_init(&t);
	status = tunnel_load("check", argv[1], argc - 2, argv + 2, &t, path, sizeof(path), &have_file);
	if (status == EXIT_OK && !g.quiet)
		printf("%s: ok\n", t.name);
	tunnel_free(&t);
	return status;
}
