/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy routing rules behind a default route through a tunnel
 * (tunnel.h, GRETUN_FWMARK_AUTO): which rules a tunnel needs, and whether
 * another tunnel still needs one. up adds them, down and rollback remove
 * exactly those, show prints them.
 */
#ifndef GRETUN_RULES_H
#define GRETUN_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "nl.h"

struct rule_set {
	struct nl_rule *v;
	size_t n, cap;
};

void rule_set_free(struct rule_set *s);
bool rule_set_has(const struct rule_set *s, const struct nl_rule *r);
/* The two rules of route r with the tunnel's mark fwmark, if r is a
 * default route in a table other than main; each added once. */
int rule_set_add_route(struct rule_set *s, const struct route *r, uint32_t fwmark);
/* Those of every route of t. */
int rule_set_add_tunnel(struct rule_set *s, const struct tunnel *t);
/* Those of the default routes gretun installed on ifindex (a route dump). */
int rule_set_add_kernel(struct rule_set *s, const struct nl_route *v, size_t n, int ifindex,
			uint32_t fwmark);
/* A default route of gretun's on another device than ifindex still needs r:
 * any of the family needs the suppress rule, one in r's table the other. */
bool rule_needed_elsewhere(const struct nl_rule *r, const struct nl_route *v, size_t n,
			   int ifindex);
/* r as `ip rule' writes it: "not fwmark 0xca6c lookup 51820". */
const char *rule_text(const struct nl_rule *r, char *buf, size_t size);
/* Present in the kernel's dump (cur, n) as gretun's. */
bool rule_in_kernel(const struct nl_rule *r, const struct nl_rule *cur, size_t n);

#endif
