// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * route add|del|replace|list|batch over a tunnel's device. Routes are marked
 * with gretun's protocol so `down` takes them along. A batch goes to the
 * kernel in one netlink batch and is all-or-nothing: if any line fails, the
 * lines already applied are undone (replaced routes restored).
 */
#include <errno.h>
#include <linux/capability.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "gretunctl.h"
#include "inet.h"
#include "nl.h"
#include "output.h"
#include "parse.h"
#include "rules.h"
#include "runtime.h"
#include "show.h"

enum route_op { ROUTE_ADD, ROUTE_DEL, ROUTE_REPLACE };

struct route_line {
	enum route_op op;
	struct route r;
	unsigned int lineno;
};


static int route_op_parse(const char *s, enum route_op *op)
{
	if (!strcmp(s, "add"))
		*op = ROUTE_ADD;
	else if (!strcmp(s, "del") || !strcmp(s, "delete"))
		*op = ROUTE_DEL;
	else if (!strcmp(s, "replace"))
		*op = ROUTE_REPLACE;
	else
		return -EINVAL;
	return 0;
}

/* PREFIX [via ADDR] [metric N] [table N|NAME] [src ADDR] */
static int route_spec_parse(int argc, char *argv[], struct route *r, char *err, size_t errlen)
{
	char reason[160];
	int family, ret;

	memset(r, 0, sizeof(*r));
	if (argc < 1) {
		snprintf(err, errlen, "missing route prefix");
		return -EINVAL;
	}
	ret = parse_route_prefix(argv[0], &r->dst, reason, sizeof(reason));
	if (ret < 0) {
		parse_error(err, errlen, "route prefix", argv[0], reason);
		return ret;
	}
	family = r->dst.family;
	for (int i = 1; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v) {
			char q[80];

			snprintf(err, errlen, "option `%s' needs a value", parse_quote(k, q, sizeof(q)));
			return -EINVAL;
		}
		if (!strcmp(k, "via") && !(r->flags & ROUTE_HAS_GATEWAY)) {
			ret = parse_addr(v, family, &r->gateway, NULL, reason, sizeof(reason));
			r->flags |= ROUTE_HAS_GATEWAY;
		} else if (!strcmp(k, "metric") && !(r->flags & ROUTE_HAS_METRIC)) {
			ret = parse_u32(v, 0, UINT32_MAX, false, &r->metric, reason, sizeof(reason));
			r->flags |= ROUTE_HAS_METRIC;
		} else if (!strcmp(k, "table") && !(r->flags & ROUTE_HAS_TABLE)) {
			ret = parse_table(v, &r->table, reason, sizeof(reason));
			r->flags |= ROUTE_HAS_TABLE;
		} else if (!strcmp(k, "src") && !(r->flags & ROUTE_HAS_SOURCE)) {
			ret = parse_addr(v, family, &r->source, NULL, reason, sizeof(reason));
			r->flags |= ROUTE_HAS_SOURCE;
		} else {
			char q[80];

			snprintf(err, errlen, "unknown or repeated route option `%s': expected via, metric, table or src",
				 parse_quote(k, q, sizeof(q)));
			return -EINVAL;
		}
		if (ret < 0) {
			char what[32];

			snprintf(what, sizeof(what), "%s", k);
			parse_error(err, errlen, what, v, reason);
			return ret;
		}
	}
	return 0;
}

static int route_apply(struct nl_sock *nl, int ifindex, enum route_op op, const struct route *r)
{
	switch (op) {
	case ROUTE_ADD:
		return nl_route_add(nl, ifindex, r, GRETUN_RTPROT);
	case ROUTE_REPLACE:
		return nl_route_replace(nl, ifindex, r, GRETUN_RTPROT);
	default:
		return nl_route_del(nl, ifindex, r);
	}
}

/* The routes commands work on gretun's tunnels only, as show and down see
 * them: one with state, or a kernel GRE device. -ENODEV for anything else
 * (a veth, lo), -EACCES when the state cannot be read. */
static int tunnel_ifindex(struct nl_sock *nl, const char *name, int *ifindex)
{
	struct tunnel st;
	struct nl_link l;
	char err[512];
	int ret;

	tunnel_init(&st);
	ret = state_load(name, &st, err, sizeof(err));
	tunnel_free(&st);
	if (ret == -EACCES || ret == -EPERM)
		return ret;
	if (nl_link_get(nl, name, &l) < 0 || (ret < 0 && !l.is_gre))
		return -ENODEV;
	*ifindex = l.ifindex;
	return 0;
}

/* "No such process" is what the kernel says for a route it does not
 * have; say it in words. */
static const char *route_strerror(enum route_op op, int err)
{
	if (op == ROUTE_DEL && err == -ESRCH)
		return "no such route";
	if (op == ROUTE_ADD && err == -EEXIST)
		return "the route exists already";
	return strerror(-err);
}

static int route_list_main(struct nl_sock *nl, const char *name, int ifindex)
{
	struct out o;
	int ret;

	out_init(&o, stdout, g.json);
	ret = routes_print(&o, nl, ifindex, NULL);
	out_finish(&o);
	if (ret < 0) {
		errmsg("route list %s: %s", name, strerror(-ret));
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

/* Split one batch line into words in place; '#' starts a comment. */
static int line_split(char *line, char *words[], int max)
{
	int n = 0;
	char *save = NULL;

	if (strchr(line, '#'))
		*strchr(line, '#') = '\0';
	for (char *w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == max)
			return -E2BIG;
		words[n++] = w;
	}
	return n;
}

static int batch_read(FILE *f, const char *fname, struct route_line **out, size_t *nout)
{
	struct route_line *v = NULL;
	size_t n = 0, cap = 0;
	char *line = NULL;
	size_t linecap = 0;
	unsigned int lineno = 0;
	int ret = 0;

	while (getline(&line, &linecap, f) > 0) {
		char *words[16], err[320];
		int nw;

		lineno++;
		nw = line_split(line, words, 16);
		if (nw == 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			struct route_line *nv = realloc(v, ncap * sizeof(*nv));

			if (!nv) {
				ret = -ENOMEM;
				errmsg("route batch: out of memory");
				goto out;
			}
			v = nv;
			cap = ncap;
		}
		if (nw < 0 || route_op_parse(words[0], &v[n].op) < 0) {
			errmsg("route batch: %s:%u: expected `add|del|replace PREFIX [via ADDR] [metric N] [table T] [src ADDR]'",
			       fname, lineno);
			ret = -EINVAL;
			goto out;
		}
		if (route_spec_parse(nw - 1, words + 1, &v[n].r, err, sizeof(err)) < 0) {
			errmsg("route batch: %s:%u: %s", fname, lineno, err);
			ret = -EINVAL;
			goto out;
		}
		if (v[n].r.dst.len == 0) {
			errmsg("route batch: %s:%u: a default route needs rules and a marked tunnel: give it to `%s route add' alone",
			       fname, lineno, prog);
			ret = -EINVAL;
			goto out;
		}
		v[n].lineno = lineno;
		n++;
	}
	if (ferror(f)) {
		ret = -EIO;
		errmsg("route batch: cannot read %s", fname);
	}
out:
	free(line);
	if (ret < 0) {
		free(v);
		return ret;
	}
	*out = v;
	*nout = n;
	return 0;
}

static void batch_fill(struct nl_batch *b, int ifindex, enum route_op op, const struct route *r,
		       uint8_t proto)
{
	uint16_t type = op == ROUTE_DEL ? RTM_DELROUTE : RTM_NEWROUTE;
	uint16_t flags = op == ROUTE_ADD ? NLM_F_CREATE | NLM_F_EXCL :
			 op == ROUTE_REPLACE ? NLM_F_CREATE | NLM_F_REPLACE : 0;

	nl_route_build(nl_batch_current(b), type, flags, ifindex, r, proto);
}

/* For undoing a del or replace: the route as the kernel had it before. */
static const struct nl_route *route_find(const struct route *r, const struct nl_route *cur, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct route *h = &cur[i].r;

		if (inet_prefix_equal(&h->dst, &r->dst) &&
		    h->table == ((r->flags & ROUTE_HAS_TABLE) ? r->table : GRETUN_TABLE_MAIN) &&
		    (!(r->flags & ROUTE_HAS_METRIC) || h->metric == r->metric))
			return &cur[i];
	}
	return NULL;
}

static int route_batch_main(struct nl_sock *nl, const char *name, int ifindex, const char *file)
{
	struct route_line *lines = NULL;
	struct nl_route *before = NULL;
	struct nl_batch *b = NULL, *undo = NULL;
	size_t n = 0, n_before = 0;
	int *errors = NULL, *uerrors = NULL;
	FILE *f = stdin;
	int ret, status = EXIT_FAILED;

	if (file && strcmp(file, "-")) {
		f = fopen(file, "re");
		if (!f) {
			errmsg("route batch %s: cannot open `%s': %s", name, file, strerror(errno));
			return errno == ENOENT ? EXIT_NOTFOUND : EXIT_FAILED;
		}
	}
	ret = batch_read(f, file ? file : "-", &lines, &n);
	if (f != stdin)
		fclose(f);
	if (ret < 0)
		return ret == -EINVAL ? EXIT_USAGE : EXIT_FAILED;
	if (n == 0) {
		status = EXIT_OK;
		goto out;
	}
	ret = nl_route_list(nl, ifindex, &before, &n_before);
	if (ret == 0)
		ret = nl_batch_new(&b);
	if (ret == 0)
		ret = nl_batch_new(&undo);
	errors = calloc(n, sizeof(*errors));
	if (ret < 0 || !errors) {
		errmsg("route batch %s: %s", name, strerror(ret < 0 ? -ret : ENOMEM));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		batch_fill(b, ifindex, lines[i].op, &lines[i].r, GRETUN_RTPROT);
		if ((ret = nl_batch_next(b)) < 0) {
			errmsg("route batch %s: %s", name, strerror(-ret));
			goto out;
		}
	}
	ret = nl_batch_send(nl, b, errors);
	if (ret == 0) {
		status = EXIT_OK;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (errors[i] < 0) {
			errmsg("route batch %s: line %u: cannot %s route: %s%s", name, lines[i].lineno,
			       lines[i].op == ROUTE_ADD ? "add" : lines[i].op == ROUTE_DEL ? "delete" : "replace",
			       route_strerror(lines[i].op, errors[i]), nl_reason(nl));
			break;
		}
	}
	/* Undo, newest first, what went through. */
	for (size_t k = n; k-- > 0;) {
		const struct nl_route *old;

		if (errors[k] < 0)
			continue;
		old = lines[k].op == ROUTE_ADD ? NULL : route_find(&lines[k].r, before, n_before);
		if (lines[k].op == ROUTE_ADD)
			batch_fill(undo, ifindex, ROUTE_DEL, &lines[k].r, 0);
		else if (old)
			batch_fill(undo, ifindex, ROUTE_REPLACE, &old->r, old->protocol);
		else if (lines[k].op == ROUTE_REPLACE)
			batch_fill(undo, ifindex, ROUTE_DEL, &lines[k].r, 0);
		else
			continue;
		if (nl_batch_next(undo) < 0)
			break;
	}
	uerrors = calloc(nl_batch_count(undo) + 1, sizeof(*uerrors));
	if (!uerrors || (nl_batch_count(undo) && nl_batch_send(nl, undo, uerrors) < 0))
		errmsg("route batch %s: rollback incomplete", name);
out:
	nl_batch_free(b);
	nl_batch_free(undo);
	free(errors);
	free(uerrors);
	free(before);
	free(lines);
	return status;
}

/* The table a default route goes to (tunnel.h): the one given unless it is
 * main, else the tunnel's Table= unless that is main, else the mark's. */
static void route_default_table(struct route *r, const struct tunnel *st)
{
	if ((r->flags & ROUTE_HAS_TABLE) && r->table != GRETUN_TABLE_MAIN)
		return;
	r->table = st->table != GRETUN_TABLE_MAIN ? st->table : tunnel_default_table(st);
	r->flags |= ROUTE_HAS_TABLE;
}

/*
 * route add|replace|del NAME default (or 0.0.0.0/0, ::/0): the route in the
 * tunnel's own table and the rules that keep the tunnel's own packets out
 * of it (rules.h). A tunnel whose packets carry no mark yet gets
 * FirewallMark=51820 first, in place, and in its state. All or nothing.
 */
static int route_default_main(struct nl_sock *nl, const char *name, int ifindex,
			      enum route_op op, struct route *r, const char *arg)
{
	const char *sub = op == ROUTE_ADD ? "add" : op == ROUTE_DEL ? "del" : "replace";
	struct tunnel st, old;
	struct state_meta meta;
	struct journal j = { 0 };
	struct rule_set rules = { 0 };
	struct nl_rule *cur = NULL;
	struct nl_route *routes = NULL, *before = NULL;
	size_t n = 0, n_routes = 0, n_before = 0;
	char err[BACKEND_ERR_MAX], q[80], text[96];
	bool marked = false;
	int lock, ret, status = EXIT_FAILED;

	tunnel_init(&st);
	tunnel_init(&old);
	memset(&meta, 0, sizeof(meta));
	parse_quote(arg, q, sizeof(q));
	lock = runtime_lock(name);
	if (lock < 0) {
		char cmd[32];

		snprintf(cmd, sizeof(cmd), "route %s", sub);
		return lock_error(cmd, name, lock);
	}
	if (state_load(name, &st, err, sizeof(err)) < 0 ||
	    state_load(name, &old, err, sizeof(err)) < 0) {
		errmsg("route %s %s %s: a default route is only for tunnels gretun brought up (their packets must carry a mark): %s",
		       sub, name, q, err);
		goto out;
	}
	state_load_meta(name, &meta);
	if (!st.fwmark && op != ROUTE_DEL) {
		struct undo u = { .kind = UNDO_CHANGE, .name = name, .old = &old,
				  .be = backend_for(st.backend) };

		st.fwmark = GRETUN_FWMARK_AUTO;
		st.flags |= TUNNEL_HAS_FWMARK;
		ret = u.be->change(nl, &st, err, sizeof(err));
		if (ret < 0) {
			errmsg("route %s %s %s: cannot mark the tunnel's packets (fwmark %u): %s%s",
			       sub, name, q, st.fwmark, strerror(-ret), backend_reason(u.be, err));
			goto out;
		}
		marked = true;
		if ((ret = journal_push(&j, &u)) < 0)
			goto rollback;
	}
	route_default_table(r, &st);
	ret = rule_set_add_route(&rules, r, st.fwmark);
	if (ret == 0 && op == ROUTE_REPLACE)
		ret = nl_route_list(nl, ifindex, &before, &n_before);
	if (ret < 0)
		goto fail;
	ret = route_apply(nl, ifindex, op, r);
	if (ret < 0) {
		errmsg("route %s %s %s: %s%s", sub, name, q, route_strerror(op, ret), nl_reason(nl));
		status = ret == -ESRCH && op == ROUTE_DEL ? EXIT_NOTFOUND : EXIT_FAILED;
		goto rollback;
	}
	{
		const struct nl_route *was = op == ROUTE_ADD ? NULL : route_find(r, before, n_before);
		struct undo u = { .name = name, .ifindex = ifindex, .r = *r };

		if (op == ROUTE_DEL) {
			u.kind = UNDO_ROUTE_ADD;
			u.proto = GRETUN_RTPROT;
		} else if (was) {
			u.kind = UNDO_ROUTE_REPLACE;
			u.r = was->r;
			u.proto = was->protocol;
		} else {
			u.kind = UNDO_ROUTE_DEL;
		}
		if ((ret = journal_push(&j, &u)) < 0)
			goto fail;
	}
	ret = nl_rule_list(nl, AF_UNSPEC, &cur, &n);
	if (ret == 0 && op == ROUTE_DEL)
		ret = nl_route_list(nl, 0, &routes, &n_routes);
	if (ret < 0)
		goto fail;
	for (size_t i = 0; i < rules.n; i++) {
		const struct nl_rule *rule = &rules.v[i];
		struct undo u = { .name = name, .rule = *rule };
		bool there = rule_in_kernel(rule, cur, n);

		if (op == ROUTE_DEL) {
			/* -1: the tunnel's own other default routes count too */
			if (!there || rule_needed_elsewhere(rule, routes, n_routes, -1))
				continue;
			ret = nl_rule_del(nl, rule);
			u.kind = UNDO_RULE_ADD;
			if (ret == -ENOENT)
				continue;
		} else {
			if (there)
				continue;
			ret = nl_rule_add(nl, rule);
			u.kind = UNDO_RULE_DEL;
			if (ret == -EEXIST)
				continue;	/* there since the dump */
		}
		if (ret < 0) {
			errmsg("route %s %s %s: cannot %s rule `%s': %s%s", sub, name, q,
			       op == ROUTE_DEL ? "remove" : "add", rule_text(rule, text, sizeof(text)),
			       strerror(-ret), nl_reason(nl));
			goto rollback;
		}
		if ((ret = journal_push(&j, &u)) < 0)
			goto fail;
	}
	if (marked && (ret = state_save(&st, &meta)) < 0)
		goto fail;
	if (marked)
		infomsg("route %s %s %s: the tunnel's packets now carry fwmark %u, which keeps them out of the default route",
			sub, name, q, st.fwmark);
	status = EXIT_OK;
	goto out;
fail:
	errmsg("route %s %s %s: %s", sub, name, q, strerror(-ret));
rollback:
	if (journal_rollback(&j, nl))
		errmsg("route %s %s %s: rollback incomplete", sub, name, q);
out:
	runtime_unlock(lock, name, false);
	journal_free(&j);
	rule_set_free(&rules);
	free(cur);
	free(routes);
	free(before);
	tunnel_free(&st);
	tunnel_free(&old);
	return status;
}

int route_main(int argc, char *argv[])
{
	static const int need[] = { CAP_NET_ADMIN, -1 };
	struct nl_sock *nl = NULL;
	const char *missing = NULL, *sub, *name;
	enum route_op op;
	struct route r;
	char err[320];
	int ifindex, ret, status = EXIT_FAILED;

	if (argc < 3) {
		errmsg("usage: %s route add|del|replace NAME PREFIX [via ADDR] [metric N] [table T] [src ADDR] | route list NAME | route batch NAME [FILE|-]",
		       prog);
		return EXIT_USAGE;
	}
	sub = argv[1];
	name = argv[2];
	if (!ifname_valid(name)) {
		name_error("route", name);
		return EXIT_USAGE;
	}
	if (strcmp(sub, "list") && strcmp(sub, "batch") && route_op_parse(sub, &op) < 0) {
		char q[80];

		errmsg("route: unknown subcommand `%s': expected add, del, replace, list or batch",
		       parse_quote(sub, q, sizeof(q)));
		return EXIT_USAGE;
	}
	if (!strcmp(sub, "list") && argc != 3) {
		errmsg("usage: %s route list NAME [-j]", prog);
		return EXIT_USAGE;
	}
	if (!strcmp(sub, "batch") && argc > 4) {
		errmsg("usage: %s route batch NAME [FILE|-]", prog);
		return EXIT_USAGE;
	}
	if (strcmp(sub, "list") && strcmp(sub, "batch") &&
	    route_spec_parse(argc - 3, argv + 3, &r, err, sizeof(err)) < 0) {
		errmsg("route %s %s: %s", sub, name, err);
		return EXIT_USAGE;
	}
	if (strcmp(sub, "list") && caps_require(need, &missing) < 0) {
		errmsg("route %s %s: missing privilege %s", sub, name, missing ? missing : "CAP_NET_ADMIN");
		return EXIT_PRIVILEGE;
	}
	ret = nl_open(&nl);
	if (ret < 0) {
		errmsg("route: cannot open rtnetlink: %s", strerror(-ret));
		return EXIT_FAILED;
	}
	ret = tunnel_ifindex(nl, name, &ifindex);
	if (ret == -ENODEV) {
		errmsg("route %s %s: no tunnel %s managed by gretun", sub, name, name);
		status = EXIT_NOTFOUND;
		goto out;
	}
	if (ret < 0) {
		char cmd[32];

		snprintf(cmd, sizeof(cmd), "route %s", sub);
		status = state_error(cmd, ret);
		goto out;
	}
	if (!strcmp(sub, "list")) {
		status = route_list_main(nl, name, ifindex);
	} else if (!strcmp(sub, "batch")) {
		status = route_batch_main(nl, name, ifindex, argc == 4 ? argv[3] : NULL);
	} else if (r.dst.len == 0) {
		status = route_default_main(nl, name, ifindex, op, &r, argv[3]);
	} else {
		char q[80];

		ret = route_apply(nl, ifindex, op, &r);
		if (ret < 0)
			errmsg("route %s %s %s: %s%s", sub, name, parse_quote(argv[3], q, sizeof(q)),
			       route_strerror(op, ret), nl_reason(nl));
		/* deleting a route that is not there: not found, as for a tunnel */
		status = ret == -ESRCH && op == ROUTE_DEL ? EXIT_NOTFOUND :
			 ret < 0 ? EXIT_FAILED : EXIT_OK;
	}
out:
	nl_close(nl);
	return status;
}
