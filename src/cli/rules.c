// SPDX-License-Identifier: GPL-2.0-or-later
/* The rules a default route through a tunnel needs (rules.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rules.h"

void rule_set_free(struct rule_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

bool rule_set_has(const struct rule_set *s, const struct nl_rule *r)
{
	for (size_t i = 0; i < s->n; i++)
		if (nl_rule_equal(&s->v[i], r))
			return true;
	return false;
}

static int rule_set_push(struct rule_set *s, const struct nl_rule *r)
{
	if (rule_set_has(s, r))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		struct nl_rule *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *r;
	return 0;
}

static bool route_needs_rules(const struct route *r)
{
	uint32_t table = (r->flags & ROUTE_HAS_TABLE) ? r->table : GRETUN_TABLE_MAIN;

	return r->dst.len == 0 && table != GRETUN_TABLE_MAIN &&
	       (r->dst.family == AF_INET || r->dst.family == AF_INET6);
}

int rule_set_add_route(struct rule_set *s, const struct route *r, uint32_t fwmark)
{
	struct nl_rule main_rule = {
		.family = r->dst.family, .priority = GRETUN_RULE_PRIO_MAIN,
		.table = GRETUN_TABLE_MAIN, .suppress_prefixlen = 0, .protocol = GRETUN_RTPROT,
	};
	struct nl_rule table_rule = {
		.family = r->dst.family, .priority = GRETUN_RULE_PRIO_TABLE, .table = r->table,
		.invert = true, .has_fwmark = true, .fwmark = fwmark, .suppress_prefixlen = -1,
		.protocol = GRETUN_RTPROT,
	};
	int ret;

	if (!route_needs_rules(r))
		return 0;
	ret = rule_set_push(s, &main_rule);
	return ret < 0 ? ret : rule_set_push(s, &table_rule);
}

int rule_set_add_tunnel(struct rule_set *s, const struct tunnel *t)
{
	for (size_t i = 0; i < t->n_routes; i++) {
		int ret = rule_set_add_route(s, &t->routes[i], t->fwmark);

		if (ret < 0)
			return ret;
	}
	return 0;
}

int rule_set_add_kernel(struct rule_set *s, const struct nl_route *v, size_t n, int ifindex,
			uint32_t fwmark)
{
	for (size_t i = 0; i < n; i++) {
		int ret;

		if (v[i].oif != ifindex || v[i].protocol != GRETUN_RTPROT)
			continue;
		ret = rule_set_add_route(s, &v[i].r, fwmark);
		if (ret < 0)
			return ret;
	}
	return 0;
}

bool rule_needed_elsewhere(const struct nl_rule *r, const struct nl_route *v, size_t n,
			   int ifindex)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].oif == ifindex || v[i].protocol != GRETUN_RTPROT ||
		    v[i].r.dst.family != r->family || !route_needs_rules(&v[i].r))
			continue;
		if (r->suppress_prefixlen >= 0 || v[i].r.table == r->table)
			return true;
	}
	return false;
}

const char *rule_text(const struct nl_rule *r, char *buf, size_t size)
{
	char table[16];

	if (r->table == GRETUN_TABLE_MAIN)
		snprintf(table, sizeof(table), "main");
	else
		snprintf(table, sizeof(table), "%" PRIu32, r->table);
	if (r->suppress_prefixlen >= 0)
		snprintf(buf, size, "%slookup %s suppress_prefixlength %d", r->invert ? "not " : "",
			 table, r->suppress_prefixlen);
	else if (r->has_fwmark)
		snprintf(buf, size, "%sfwmark %" PRIu32 " lookup %s", r->invert ? "not " : "",
			 r->fwmark, table);
	else
		snprintf(buf, size, "%slookup %s", r->invert ? "not " : "", table);
	return buf;
}

bool rule_in_kernel(const struct nl_rule *r, const struct nl_rule *cur, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (nl_rule_equal(r, &cur[i]))
			return true;
	return false;
}
