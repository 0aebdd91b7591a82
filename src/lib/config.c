// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gretun.conf(5) and the inline OPTION VALUE words. A [Tunnel] key that is
 * one tunnel field is a row of the field table (field.h: its key, inline
 * words and error noun), parsed here by its kind in the config spelling;
 * what is not one field (Key= and `csum', which set both directions,
 * Address, routes, [Route] and [Hooks]) is a row of options[] below. The
 * file and the command line read the same rows, so they cannot drift apart.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "field.h"
#include "inet.h"
#include "parse.h"

enum section {
	SEC_NONE,
	SEC_TUNNEL,
	SEC_ROUTE,
	SEC_HOOKS,
};

static const char *const section_names[] = {
	[SEC_NONE] = "",
	[SEC_TUNNEL] = "Tunnel",
	[SEC_ROUTE] = "Route",
	[SEC_HOOKS] = "Hooks",
};

struct config_option;

/* State of one parse (one file, or one inline argument list). */
struct cfg_ctx {
	struct tunnel *t;
	const char *filename;	/* NULL when parsing inline options */
	unsigned int line;
	enum section section;
	/* setter's complaint: "expected ..." (value quoted before it) or,
	 * when reason_full, the whole message after the key. */
	char reason[256];
	bool reason_full;
	/* line each key was last seen on (0 = not seen), by table index */
	unsigned int seen[32];
	unsigned int seen_field[TUNNEL_FIELDS_MAX];
	/* endpoints: family and line of Local= / Remote= in this source */
	int local_family, remote_family;
	unsigned int local_line, remote_line;
	/* the [Route] being read */
	bool in_route;
	struct route route;
	int gw_family, src_family;
	unsigned int route_line, gw_line, src_line;
	char *err;
	size_t errlen;
};

typedef int (*option_set_fn)(struct cfg_ctx *c, const struct config_option *o, const char *v);

struct config_option {
	const char *key;	/* config file key; NULL: inline only */
	const char *word;	/* inline word; NULL: file only */
	enum section section;
	const char *what;	/* "invalid WHAT `VALUE'" */
	option_set_fn set;
	uint32_t flag;		/* TUNNEL_HAS_* or ROUTE_HAS_* */
	size_t offset;		/* field in struct tunnel, where generic */
	const char *flag_value;	/* inline word without a value: what it sets */
	bool repeat;		/* may be given more than once */
	bool verbatim;		/* no trailing-comment stripping ([Hooks]) */
};

/* What a config key or an inline word names: a tunnel field or a row of
 * options[], with what the parse loops need of either. */
struct cfg_opt {
	const struct field *f;
	const struct config_option *o;
	const char *what;
	const char *flag_value;	/* an inline flag: the value it stands for */
};

static int fail(struct cfg_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A setter's full-message error: "too many addresses", "conflicts with". */
static int fail(struct cfg_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	c->reason_full = true;
	return -EINVAL;
}

static uint8_t *gre_flags_of(struct tunnel *t, const struct field *f)
{
	return f->out ? &t->oflags : &t->iflags;
}

/* The bytes of a field's member, by its kind. */
static size_t field_size(const struct field *f)
{
	switch (f->kind) {
	case FIELD_MODE:
		return sizeof(enum tunnel_mode);
	case FIELD_ADDR:
	case FIELD_REMOTE:
		return sizeof(union inet_addr);
	case FIELD_TTL:
		return sizeof(uint8_t);
	case FIELD_BOOL:
		return sizeof(bool);
	case FIELD_IFNAME:
		return IFNAMSIZ;
	case FIELD_ENCAP:
		return sizeof(enum tunnel_encap);
	case FIELD_PORT:
	case FIELD_SPORT:
	case FIELD_SECONDS:
		return sizeof(uint16_t);
	case FIELD_BACKEND:
		return sizeof(enum tunnel_backend);
	case FIELD_DATAPATH:
		return sizeof(enum tunnel_datapath);
	default:
		return sizeof(uint32_t);	/* key, number, MTU, table */
	}
}

/* Empty value: back to tunnel_init's value and "not given". */
static void field_reset(struct tunnel *t, const struct field *f)
{
	struct tunnel d;

	tunnel_init(&d);
	switch (f->kind) {
	case FIELD_GRE_FLAG:
		*gre_flags_of(t, f) &= (uint8_t)~f->bit;
		break;
	case FIELD_TOS:
		t->tos = d.tos;
		t->tos_inherit = d.tos_inherit;
		break;
	case FIELD_KEEPALIVE:
		t->keepalive_interval = d.keepalive_interval;
		t->keepalive_retries = d.keepalive_retries;
		break;
	case FIELD_REMOTE:
		t->remote = d.remote;
		t->remote_plen = 0;
		t->flags &= ~TUNNEL_HAS_REMOTE_PREFIX;
		break;
	default:
		memcpy((char *)t + f->offset, (const char *)&d + f->offset, field_size(f));
		break;
	}
	t->flags &= ~f->has;
}

/* Local= and Remote=: their family and line, for endpoints_check */
static void endpoint_seen(struct cfg_ctx *c, const struct field *f, int family)
{
	if (f->has == TUNNEL_HAS_LOCAL) {
		c->local_family = family;
		c->local_line = c->line;
	} else {
		c->remote_family = family;
		c->remote_line = c->line;
	}
}

/* The kinds whose value is a word from a list, or a name. */
static int field_parse_word(struct cfg_ctx *c, const struct field *f, const char *v)
{
	static const enum tunnel_backend backends[] = { BACKEND_AUTO, BACKEND_KERNEL,
							BACKEND_USERSPACE };
	struct tunnel *t = c->t;

	switch (f->kind) {
	case FIELD_MODE:
		if (tunnel_mode_parse(v, &t->mode) < 0) {
			snprintf(c->reason, sizeof(c->reason), "expected gre, gretap, ip6gre or ip6gretap");
			return -EINVAL;
		}
		return 0;
	case FIELD_IFNAME:
		if (!ifname_valid(v)) {
			snprintf(c->reason, sizeof(c->reason),
				 "expected an interface name (" IFNAME_RULE ")");
			return -EINVAL;
		}
		memset((char *)t + f->offset, 0, IFNAMSIZ);
		memcpy((char *)t + f->offset, v, strlen(v));
		return 0;
	case FIELD_ENCAP:
		return parse_encap(v, &t->encap, c->reason, sizeof(c->reason));
	case FIELD_BACKEND:
		for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
			if (!strcmp(v, tunnel_backend_name(backends[i]))) {
				t->backend = backends[i];
				return 0;
			}
		}
		snprintf(c->reason, sizeof(c->reason), "expected auto, kernel or userspace");
		return -EINVAL;
	case FIELD_DATAPATH:
		if (tunnel_datapath_parse(v, &t->datapath) == 0)
			return 0;
		snprintf(c->reason, sizeof(c->reason), "expected auto, bpf or userspace");
		return -EINVAL;
	default:
		return -EINVAL;	/* no config spelling (iflags, oflags) */
	}
}

/* A tunnel field's value in gretun.conf's spelling, which the inline words
 * share (the protocol's is field.c's): parse.c's parser of its kind, its
 * reason into c->reason. */
static int field_parse_conf(struct cfg_ctx *c, const struct field *f, const char *v)
{
	struct tunnel *t = c->t;
	char *reason = c->reason;
	size_t rlen = sizeof(c->reason);
	void *m = (char *)t + f->offset;
	int family = 0, r;
	bool on;

	switch (f->kind) {
	case FIELD_ADDR:
		r = parse_addr(v, AF_UNSPEC, m, &family, reason, rlen);
		if (r == 0)
			endpoint_seen(c, f, family);
		return r;
	case FIELD_REMOTE:
		/* an address, or any | PREFIX: learn the peer (family 0 for any) */
		r = parse_remote(v, m, &t->remote_plen, &on, &family, reason, rlen);
		if (r == 0) {
			t->flags = on ? t->flags | TUNNEL_HAS_REMOTE_PREFIX :
					t->flags & ~TUNNEL_HAS_REMOTE_PREFIX;
			endpoint_seen(c, f, family);
		}
		return r;
	case FIELD_SECONDS:
		return parse_persistent_keepalive(v, m, reason, rlen);
	case FIELD_KEY:
		return parse_key(v, m, reason, rlen);
	case FIELD_GRE_FLAG:
		r = parse_bool(v, &on, reason, rlen);
		if (r == 0 && on)
			*gre_flags_of(t, f) |= f->bit;
		else if (r == 0)
			*gre_flags_of(t, f) &= (uint8_t)~f->bit;
		return r;
	case FIELD_TTL:
		return parse_ttl(v, m, reason, rlen);
	case FIELD_TOS:
		return parse_tos(v, &t->tos, &t->tos_inherit, reason, rlen);
	case FIELD_BOOL:
		return parse_bool(v, m, reason, rlen);
	case FIELD_U32:
		return parse_u32(v, 0, UINT32_MAX, true, m, reason, rlen);
	case FIELD_PORT:
		return parse_port(v, m, reason, rlen);
	case FIELD_SPORT:
		if (!strcmp(v, "auto")) {
			*(uint16_t *)m = 0;
			return 0;
		}
		r = parse_port(v, m, reason, rlen);
		if (r < 0)
			snprintf(reason, rlen, "expected `auto' or a number from 1 to 65535");
		return r;
	case FIELD_MTU:
		return parse_mtu(v, m, reason, rlen);
	case FIELD_KEEPALIVE:
		return parse_keepalive(v, &t->keepalive_interval, &t->keepalive_retries, reason,
				       rlen);
	case FIELD_TABLE:
		return parse_table(v, m, reason, rlen);
	default:
		return field_parse_word(c, f, v);
	}
}

/* A tunnel field from its config key or inline word: "" resets it. */
static int field_conf_set(struct cfg_ctx *c, const struct field *f, const char *v)
{
	int r;

	if (!*v) {
		field_reset(c->t, f);
		if (f->kind == FIELD_ADDR || f->kind == FIELD_REMOTE)
			endpoint_seen(c, f, 0);
		return 0;
	}
	r = field_parse_conf(c, f, v);
	if (r == 0)
		c->t->flags |= f->has;
	/* PersistentKeepalive = off (or 0) is not given */
	if (r == 0 && f->kind == FIELD_SECONDS && !*(uint16_t *)((char *)c->t + f->offset))
		c->t->flags &= ~f->has;
	return r;
}

/* Key=, Checksum=, Sequence= and `key', `nokey', `csum', ...: one value
 * for both directions, the fields with a HAS bit of o->flag. */
static int set_pair(struct cfg_ctx *c, const struct config_option *o, const char *v)
{
	for (size_t i = 0; i < tunnel_fields_n; i++) {
		int r;

		if (!tunnel_fields[i].conf || !(tunnel_fields[i].has & o->flag))
			continue;
		r = field_conf_set(c, &tunnel_fields[i], v);
		if (r < 0)
			return r;
	}
	return 0;
}

static int set_address(struct cfg_ctx *c, const struct config_option *o, const char *v)
{
	struct prefix p;
	int r;

	if (!*v) {
		/* systemd's convention: an empty assignment resets the list */
		free(c->t->addresses);
		c->t->addresses = NULL;
		c->t->n_addresses = 0;
		return 0;
	}
	r = parse_prefix(v, AF_UNSPEC, true, &p, c->reason, sizeof(c->reason));
	if (r < 0)
		return r;
	r = tunnel_add_address(c->t, &p);
	if (r == -E2BIG)
		return fail(c, "too many addresses (at most %d)", TUNNEL_MAX_ADDRESSES);
	return r;
}

static int set_hook(struct cfg_ctx *c, const struct config_option *o, const char *v)
{
	char **hook = (char **)((char *)c->t + o->offset);
	char *dup = NULL;

	if (*v) {
		dup = strdup(v);
		if (!dup)
			return -ENOMEM;
	}
	free(*hook);
	*hook = dup;
	return 0;
}

static int set_route_dst(struct cfg_ctx *c, const struct config_option *o, const char *v)
{
	return parse_route_prefix(v, &c->route.dst, c->reason, sizeof(c->reason));
}

static int set_route_addr(struct cfg_ctx *c, const struct config_option *o, const char *v)
{
	bool gw = o->flag == ROUTE_HAS_GATEWAY;
	union inet_addr *a = gw ? &c->route.gateway : &c->route.source;
	int *family = gw ? &c->gw_family : &c->src_family;
	int r;

	if (gw)
		c->gw_line = c->line;
	else
		c->src_line = c->line;
	if (!*v) {
		memset(a, 0, sizeof(*a));
		c->route.flags &= ~o->flag;
		return 0;
	}
	r = parse_addr(v, AF_UNSPEC, a, family, c->reason, sizeof(c->reason));
	if (r == 0)
		c->route.flags |= o->flag;
	return r;
}

static int set_route_metric(struct cfg_ctx *c, const struct config_option *o, const char *v)
{
	int r;

	if (!*v) {
		c->route.metric = 0;
		c->route.flags &= ~o->flag;
		return 0;
	}
	r = parse_u32(v, 0, UINT32_MAX, false, &c->route.metric, c->reason, sizeof(c->reason));
	if (r == 0)
		c->route.flags |= o->flag;
	return r;
}

static int set_route_table(struct cfg_ctx *c, const struct config_option *o, const char *v)
{
	int r;

	if (!*v) {
		c->route.table = 0;
		c->route.flags &= ~o->flag;
		return 0;
	}
	r = parse_table(v, &c->route.table, c->reason, sizeof(c->reason));
	if (r == 0)
		c->route.flags |= o->flag;
	return r;
}

/* Inline `route PREFIX`: a destination only; the table comes from `table`
 * or Table= in config_finalize. An empty value clears the list, as for
 * `address'. */
static int set_inline_route(struct cfg_ctx *c, const struct config_option *o, const char *v)
{
	struct route r;
	int ret;

	if (!*v) {
		free(c->t->routes);
		c->t->routes = NULL;
		c->t->n_routes = 0;
		return 0;
	}
	memset(&r, 0, sizeof(r));
	ret = parse_route_prefix(v, &r.dst, c->reason, sizeof(c->reason));
	if (ret < 0)
		return ret;
	ret = tunnel_add_route(c->t, &r);
	if (ret == -E2BIG)
		return fail(c, "too many routes (at most %d)", TUNNEL_MAX_ROUTES);
	return ret;
}

#define T(member)	offsetof(struct tunnel, member)
#define OPT(k, w, s, wh, fn, fl, off, ...) \
	{ .key = k, .word = w, .section = s, .what = wh, .set = fn, .flag = fl, .offset = off, \
	  __VA_ARGS__ }
#define CSUM	(TUNNEL_HAS_ICSUM | TUNNEL_HAS_OCSUM)
#define SEQ	(TUNNEL_HAS_ISEQ | TUNNEL_HAS_OSEQ)
#define KEYS	(TUNNEL_HAS_IKEY | TUNNEL_HAS_OKEY)

/* What is not one tunnel field (those are the field table's rows). Rows
 * without a key are inline-only iproute2 words (flags and negations); rows
 * without a word are file-only. A set_pair key cannot be combined with the
 * Input/Output keys it sets. */
static const struct config_option options[] = {
	OPT("Key", "key", SEC_TUNNEL, "key", set_pair, KEYS, 0),
	OPT(NULL, "nokey", SEC_TUNNEL, "key", set_pair, KEYS, 0, .flag_value = ""),
	OPT("Checksum", NULL, SEC_TUNNEL, "boolean", set_pair, CSUM, 0),
	OPT(NULL, "csum", SEC_TUNNEL, "", set_pair, CSUM, 0, .flag_value = "yes"),
	OPT(NULL, "nocsum", SEC_TUNNEL, "", set_pair, CSUM, 0, .flag_value = "no"),
	OPT("Sequence", NULL, SEC_TUNNEL, "boolean", set_pair, SEQ, 0),
	OPT(NULL, "seq", SEC_TUNNEL, "", set_pair, SEQ, 0, .flag_value = "yes"),
	OPT(NULL, "noseq", SEC_TUNNEL, "", set_pair, SEQ, 0, .flag_value = "no"),
	OPT("Address", "address", SEC_TUNNEL, "address", set_address, 0, 0, .repeat = true),
	OPT(NULL, "route", SEC_TUNNEL, "route", set_inline_route, 0, 0, .repeat = true),
	OPT("Destination", NULL, SEC_ROUTE, "destination", set_route_dst, 0, 0),
	OPT("Gateway", NULL, SEC_ROUTE, "gateway", set_route_addr, ROUTE_HAS_GATEWAY, 0),
	OPT("Metric", NULL, SEC_ROUTE, "metric", set_route_metric, ROUTE_HAS_METRIC, 0),
	OPT("Table", NULL, SEC_ROUTE, "table", set_route_table, ROUTE_HAS_TABLE, 0),
	OPT("Source", NULL, SEC_ROUTE, "source address", set_route_addr, ROUTE_HAS_SOURCE, 0),
	OPT("PreUp", NULL, SEC_HOOKS, "command", set_hook, 0, T(hook_pre_up), .verbatim = true),
	OPT("PostUp", NULL, SEC_HOOKS, "command", set_hook, 0, T(hook_post_up), .verbatim = true),
	OPT("PreDown", NULL, SEC_HOOKS, "command", set_hook, 0, T(hook_pre_down), .verbatim = true),
	OPT("PostDown", NULL, SEC_HOOKS, "command", set_hook, 0, T(hook_post_down),
	    .verbatim = true),
};

#define N_OPTIONS	(sizeof(options) / sizeof(options[0]))

_Static_assert(N_OPTIONS <= sizeof(((struct cfg_ctx *)0)->seen) / sizeof(unsigned int),
	       "cfg_ctx.seen too small for the option table");

/* Key KEY of section s: a field's ([Tunnel]) or options[]'s. */
static bool option_by_key(const char *key, enum section s, struct cfg_opt *k)
{
	memset(k, 0, sizeof(*k));
	k->f = s == SEC_TUNNEL ? field_by_conf(key) : NULL;
	for (size_t i = 0; !k->f && !k->o && i < N_OPTIONS; i++)
		if (options[i].key && options[i].section == s && !strcmp(options[i].key, key))
			k->o = &options[i];
	k->what = k->f ? k->f->what : k->o ? k->o->what : NULL;
	return k->f || k->o;
}

static bool option_by_word(const char *word, struct cfg_opt *k)
{
	memset(k, 0, sizeof(*k));
	k->f = field_by_word(word, &k->flag_value);
	for (size_t i = 0; !k->f && !k->o && i < N_OPTIONS; i++)
		if (options[i].word && !strcmp(options[i].word, word))
			k->o = &options[i];
	if (k->o)
		k->flag_value = k->o->flag_value;
	k->what = k->f ? k->f->what : k->o ? k->o->what : NULL;
	return k->f || k->o;
}

static int option_set(struct cfg_ctx *c, const struct cfg_opt *k, const char *v)
{
	return k->f ? field_conf_set(c, k->f, v) : k->o->set(c, k->o, v);
}

/* The line k was last seen on, in this source. */
static unsigned int *option_seen(struct cfg_ctx *c, const struct cfg_opt *k)
{
	return k->f ? &c->seen_field[k->f - tunnel_fields] : &c->seen[k->o - options];
}

/* Key i of all the keys, the field table's first: NULL when row i has
 * none; false past the last. */
static bool key_at(size_t i, const char **key, enum section *s)
{
	if (i < tunnel_fields_n) {
		*key = tunnel_fields[i].conf;
		*s = SEC_TUNNEL;
		return true;
	}
	i -= tunnel_fields_n;
	if (i >= N_OPTIONS)
		return false;
	*key = options[i].key;
	*s = options[i].section;
	return true;
}

bool config_key_nth(size_t n, const char **section, const char **key)
{
	enum section s;

	for (size_t i = 0; key_at(i, key, &s); i++) {
		if (*key && n-- == 0) {
			*section = section_names[s];
			return true;
		}
	}
	return false;
}

bool config_word_nth(size_t n, const char **word, const char **flag_value)
{
	for (size_t i = 0; i < tunnel_fields_n; i++) {
		const struct field_word *w = tunnel_fields[i].words;

		for (size_t k = 0; k < FIELD_WORDS_MAX && w[k].word; k++) {
			if (n-- == 0) {
				*word = w[k].word;
				*flag_value = w[k].value;
				return true;
			}
		}
	}
	for (size_t i = 0; i < N_OPTIONS; i++) {
		if (options[i].word && n-- == 0) {
			*word = options[i].word;
			*flag_value = options[i].flag_value;
			return true;
		}
	}
	return false;
}

static void ctx_init(struct cfg_ctx *c, struct tunnel *t, const char *filename, char *err,
		     size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->t = t;
	c->filename = filename;
	c->err = err;
	c->errlen = errlen;
	/* endpoints from an earlier source keep their family */
	if (t->flags & TUNNEL_HAS_LOCAL)
		c->local_family = t->family;
	if (t->flags & TUNNEL_HAS_REMOTE)
		c->remote_family = t->family;
	if (err && errlen)
		err[0] = '\0';
}

/* "FILE:LINE: KEY: " + fmt, the one shape of every config file error. */
static int file_error(struct cfg_ctx *c, unsigned int line, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int file_error(struct cfg_ctx *c, unsigned int line, const char *key, const char *fmt, ...)
{
	char msg[512], q[80];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!c->err || !c->errlen)
		return -EINVAL;
	if (key)
		snprintf(c->err, c->errlen, "%s:%u: %s: %s", c->filename, line,
			 parse_quote(key, q, sizeof(q)), msg);
	else
		snprintf(c->err, c->errlen, "%s:%u: %s", c->filename, line, msg);
	return -EINVAL;
}

static const char *family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

static const char *addr_text(int family, const union inet_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* End of a [Route] section: check it as a whole and add it. */
static int route_finish(struct cfg_ctx *c)
{
	char text[INET6_ADDRSTRLEN];
	struct route *r = &c->route;
	int family, ret;

	if (!c->in_route)
		return 0;
	c->in_route = false;
	family = r->dst.family;
	if (!family)
		return file_error(c, c->route_line, "Destination",
				  "missing in this [Route] section, which needs one");
	if ((r->flags & ROUTE_HAS_GATEWAY) && c->gw_family != family)
		return file_error(c, c->gw_line, "Gateway",
				  "invalid gateway `%s': expected an %s address like Destination=",
				  addr_text(c->gw_family, &r->gateway, text, sizeof(text)),
				  family_name(family));
	if ((r->flags & ROUTE_HAS_SOURCE) && c->src_family != family)
		return file_error(c, c->src_line, "Source",
				  "invalid source address `%s': expected an %s address like Destination=",
				  addr_text(c->src_family, &r->source, text, sizeof(text)),
				  family_name(family));
	ret = tunnel_add_route(c->t, r);
	if (ret == -E2BIG)
		return file_error(c, c->route_line, "Destination", "too many routes (at most %d)",
				  TUNNEL_MAX_ROUTES);
	return ret;
}

static void route_start(struct cfg_ctx *c)
{
	memset(&c->route, 0, sizeof(c->route));
	c->in_route = true;
	c->route_line = c->line;
	c->gw_family = c->src_family = 0;
	c->gw_line = c->src_line = 0;
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (options[i].section == SEC_ROUTE)
			c->seen[i] = 0;
}

/* Local and Remote share one family, and t->family carries it; Mode's
 * family is checked here for files (with a line) and in config_finalize. */
static int endpoints_check(struct cfg_ctx *c)
{
	struct tunnel *t = c->t;
	char text[INET6_ADDRSTRLEN];
	int lf = (t->flags & TUNNEL_HAS_LOCAL) ? c->local_family : 0;
	int rf = (t->flags & TUNNEL_HAS_REMOTE) ? c->remote_family : 0;
	bool later_local = c->local_line > c->remote_line;
	int mf = tunnel_mode_family(t->mode);

	if (lf && rf && lf != rf) {
		const char *key = later_local ? "Local" : "Remote";
		const union inet_addr *a = later_local ? &t->local : &t->remote;
		int f = later_local ? lf : rf;

		addr_text(f, a, text, sizeof(text));
		if (!c->filename)
			return fail(c, "invalid address `%s' for option `%s': expected an %s address like the %s address",
				    text, later_local ? "local" : "remote",
				    family_name(later_local ? rf : lf), later_local ? "remote" : "local");
		return file_error(c, later_local ? c->local_line : c->remote_line, key,
				  "invalid address `%s': expected an %s address like %s=", text,
				  family_name(later_local ? rf : lf), later_local ? "Remote" : "Local");
	}
	if (lf || rf)
		t->family = lf ? lf : rf;
	if (c->filename && (t->flags & TUNNEL_HAS_MODE)) {
		if (lf && lf != mf && c->local_line)
			return file_error(c, c->local_line, "Local",
					  "invalid address `%s': expected an %s address for Mode=%s",
					  addr_text(lf, &t->local, text, sizeof(text)),
					  family_name(mf), tunnel_mode_name(t->mode));
		if (rf && rf != mf && c->remote_line)
			return file_error(c, c->remote_line, "Remote",
					  "invalid address `%s': expected an %s address for Mode=%s",
					  addr_text(rf, &t->remote, text, sizeof(text)),
					  family_name(mf), tunnel_mode_name(t->mode));
	}
	return 0;
}

/* Key= with InputKey=, Checksum= with OutputChecksum=, ...: a set_pair key
 * or the Input/Output keys it sets, not both. */
static int conflicts_check(struct cfg_ctx *c, const struct cfg_opt *k, const char *key)
{
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const struct config_option *p = &options[i];

		if (p->set != set_pair || !p->key || (k->o && k->o != p))
			continue;
		for (size_t j = 0; j < tunnel_fields_n; j++) {
			const struct field *f = &tunnel_fields[j];
			const char *other = k->o ? f->conf : p->key;
			unsigned int line = k->o ? c->seen_field[j] : c->seen[i];

			if (!f->conf || !(f->has & p->flag) || (k->f && k->f != f) || !line)
				continue;
			return file_error(c, c->line, key,
					  "cannot be combined with %s= (line %u); use %s= or the Input/Output forms",
					  other, line, p->key);
		}
	}
	return 0;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static char *trim(char *s)
{
	char *e;

	while (is_blank(*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_blank(e[-1]))
		e--;
	*e = '\0';
	return s;
}

/* The example config has "Key = 42   # comment": a '#' or ';' after a blank
 * starts a comment. [Hooks] values are shell and are kept verbatim. */
static void strip_comment(char *v)
{
	for (char *p = v; *p; p++) {
		if ((*p == '#' || *p == ';') && (p == v || is_blank(p[-1]))) {
			*p = '\0';
			break;
		}
	}
}

static int section_enter(struct cfg_ctx *c, char *s)
{
	char *end = strchr(s, ']'), *rest;
	enum section sec = SEC_NONE;

	if (!end)
		return file_error(c, c->line, s, "section header without `]'");
	*end = '\0';
	rest = trim(end + 1);
	if (*rest && *rest != '#' && *rest != ';')
		return file_error(c, c->line, rest, "unexpected text after [%s]", s + 1);
	for (size_t i = SEC_TUNNEL; i <= SEC_HOOKS; i++)
		if (!strcmp(s + 1, section_names[i]))
			sec = (enum section)i;
	*end = ']';
	end[1] = '\0';
	if (sec == SEC_NONE)
		return file_error(c, c->line, s,
				  "unknown section, expected [Tunnel], [Route] or [Hooks]");
	if (route_finish(c) < 0)
		return -EINVAL;
	c->section = sec;
	if (sec == SEC_ROUTE)
		route_start(c);
	return 0;
}

static int unknown_key(struct cfg_ctx *c, const char *key)
{
	const char *hint = "", *p;
	enum section s;
	char buf[80];

	for (size_t i = 0; key_at(i, &p, &s); i++) {
		if (!p)
			continue;
		if (!strcmp(p, key)) {
			snprintf(buf, sizeof(buf), " (it belongs in [%s])", section_names[s]);
			hint = buf;
			break;
		}
		if (!strcasecmp(p, key) && s == c->section) {
			snprintf(buf, sizeof(buf), " (keys are case-sensitive: `%s')", p);
			hint = buf;
		}
	}
	return file_error(c, c->line, key, "unknown key in [%s]%s", section_names[c->section], hint);
}

static int line_process(struct cfg_ctx *c, char *s)
{
	char *eq, *key, *value;
	unsigned int *seen;
	struct cfg_opt o;
	int r;

	s = trim(s);
	if (!*s || *s == '#' || *s == ';')
		return 0;
	if (*s == '[')
		return section_enter(c, s);
	eq = strchr(s, '=');
	if (!eq) {
		s[strcspn(s, " \t")] = '\0';
		return file_error(c, c->line, s, "line without `=', expected `Key = value'");
	}
	*eq = '\0';
	key = trim(s);
	value = trim(eq + 1);
	if (!*key)
		return file_error(c, c->line, NULL, "line starts with `=', expected `Key = value'");
	if (c->section == SEC_NONE)
		return file_error(c, c->line, key,
				  "key outside a section; put it under [Tunnel], [Route] or [Hooks]");
	if (!option_by_key(key, c->section, &o))
		return unknown_key(c, key);
	if (!o.o || !o.o->verbatim) {
		strip_comment(value);
		value = trim(value);
	}
	seen = option_seen(c, &o);
	if ((!o.o || !o.o->repeat) && *seen)
		return file_error(c, c->line, key, "duplicate key, already set on line %u", *seen);
	r = conflicts_check(c, &o, key);
	if (r < 0)
		return r;
	*seen = c->line;
	c->reason_full = false;
	r = option_set(c, &o, value);
	if (r == -ENOMEM) {
		snprintf(c->err, c->errlen, "%s:%u: out of memory", c->filename, c->line);
		return r;
	}
	if (r < 0 && c->reason_full)
		return file_error(c, c->line, key, "%s", c->reason);
	if (r < 0) {
		char q[80];

		return file_error(c, c->line, key, "invalid %s `%s': %s", o.what,
				  parse_quote(value, q, sizeof(q)), c->reason);
	}
	return 0;
}

/* RFC 3629 UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char b = s[i];
		size_t n;
		uint32_t cp;

		if (b < 0x80) {
			i++;
			continue;
		} else if (b >= 0xc2 && b <= 0xdf) {
			n = 1;
			cp = b & 0x1f;
		} else if (b >= 0xe0 && b <= 0xef) {
			n = 2;
			cp = b & 0x0f;
		} else if (b >= 0xf0 && b <= 0xf4) {
			n = 3;
			cp = b & 0x07;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

int config_parse_buffer(const char *filename, const char *buf, size_t len, struct tunnel *t,
			char *err, size_t errlen)
{
	char line[CONFIG_LINE_MAX + 2];
	struct cfg_ctx c;
	size_t pos = 0;
	int r;

	ctx_init(&c, t, filename ? filename : "<config>", err, errlen);
	/* A UTF-8 byte order mark, as editors on other systems write it: it
	 * says nothing here (UTF-8 has no byte order), and systemd skips it. */
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		pos = 3;
	while (pos < len) {
		const char *start = buf + pos, *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;

		c.line++;
		pos += n + 1;
		if (n && start[n - 1] == '\r')
			n--;
		if (n > CONFIG_LINE_MAX)
			return file_error(&c, c.line, NULL, "line longer than %d bytes",
					  CONFIG_LINE_MAX);
		if (memchr(start, '\0', n))
			return file_error(&c, c.line, NULL, "NUL byte in line");
		if (!utf8_valid((const unsigned char *)start, n))
			return file_error(&c, c.line, NULL, "line is not valid UTF-8");
		for (size_t i = 0; i < n; i++)
			if (((unsigned char)start[i] < 0x20 && start[i] != '\t') || start[i] == 0x7f)
				return file_error(&c, c.line, NULL,
						  "control character 0x%02x in line",
						  (unsigned char)start[i]);
		memcpy(line, start, n);
		line[n] = '\0';
		r = line_process(&c, line);
		if (r < 0)
			return r;
	}
	r = route_finish(&c);
	if (r < 0)
		return r;
	return endpoints_check(&c);
}

int config_load_file(const char *path, struct tunnel *t, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	ssize_t n;
	int fd, r;

	/* O_NONBLOCK: opening a FIFO must not hang before the S_ISREG check */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	buf = malloc(CONFIG_FILE_MAX + 1);
	if (!buf) {
		r = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	/* one byte more than allowed tells "too big" from "exactly 1 MiB" */
	while (len < CONFIG_FILE_MAX + 1) {
		n = read(fd, buf + len, CONFIG_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(-r));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > CONFIG_FILE_MAX) {
		r = -EFBIG;
		snprintf(err, errlen, "%s: larger than %d bytes", path, CONFIG_FILE_MAX);
		goto out;
	}
	r = config_parse_buffer(path, buf, len, t, err, errlen);
out:
	free(buf);
	close(fd);
	return r;
}

/* Inline keepalive is `off` or two words; everything else is one word, or
 * none for the iproute2 flags. */
int config_apply_inline(struct tunnel *t, int argc, char *const argv[], char *err, size_t errlen)
{
	char q[80], q2[80], joined[64];
	struct cfg_ctx c;
	int r;

	ctx_init(&c, t, NULL, err, errlen);
	for (int i = 0; i < argc; i++) {
		const char *word = argv[i], *v;
		struct cfg_opt o;

		if (!option_by_word(word, &o)) {
			snprintf(err, errlen, "unknown option `%s'", parse_quote(word, q, sizeof(q)));
			return -EINVAL;
		}
		c.line = (unsigned int)i + 1;	/* orders Local/Remote for messages */
		if (o.flag_value) {
			v = o.flag_value;
		} else if (i + 1 >= argc) {
			snprintf(err, errlen, "option `%s' needs a value", word);
			return -EINVAL;
		} else if (o.f && o.f->kind == FIELD_KEEPALIVE && strcmp(argv[i + 1], "off") &&
			   argv[i + 1][0]) {
			if (i + 2 >= argc) {
				snprintf(err, errlen,
					 "option `keepalive' needs `off' or two values: INTERVAL RETRIES");
				return -EINVAL;
			}
			snprintf(joined, sizeof(joined), "%.30s %.30s", argv[i + 1], argv[i + 2]);
			v = joined;
			i += 2;
		} else {
			v = argv[++i];
		}
		c.reason_full = false;
		r = option_set(&c, &o, v);
		if (r == -ENOMEM) {
			snprintf(err, errlen, "out of memory");
			return r;
		}
		if (r < 0 && c.reason_full) {
			snprintf(err, errlen, "option `%s': %s", word, c.reason);
			return r;
		}
		if (r < 0) {
			snprintf(err, errlen, "invalid %s `%s' for option `%s': %s", o.what,
				 parse_quote(v, q2, sizeof(q2)), word, c.reason);
			return r;
		}
	}
	r = endpoints_check(&c);
	if (r < 0)
		snprintf(err, errlen, "%s", c.reason);
	return r;
}

static int finalize_routes(struct tunnel *t, char *err, size_t errlen)
{
	char text[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < t->n_routes; i++) {
		struct route *r = &t->routes[i];

		if (!(r->flags & ROUTE_HAS_TABLE)) {
			r->table = t->table;
			r->flags |= ROUTE_HAS_TABLE;
		}
		/* A default route must not swallow the tunnel's own packets:
		 * they get a mark and the route a table of its own (tunnel.h) */
		if (r->dst.len == 0) {
			if (!t->fwmark) {
				t->fwmark = GRETUN_FWMARK_AUTO;
				t->flags |= TUNNEL_HAS_FWMARK;
			}
			if (r->table == GRETUN_TABLE_MAIN)
				r->table = tunnel_default_table(t);
		}
		for (size_t k = 0; k < i; k++) {
			const struct route *o = &t->routes[k];

			if (o->dst.family == r->dst.family && o->dst.len == r->dst.len &&
			    inet_addr_equal(r->dst.family, &o->dst.addr, &r->dst.addr) &&
			    o->table == r->table && o->metric == r->metric) {
				snprintf(err, errlen,
					 "Destination: route %s/%u (table %u, metric %u) given twice",
					 addr_text(r->dst.family, &r->dst.addr, text, sizeof(text)),
					 r->dst.len, r->table, r->metric);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int finalize_addresses(struct tunnel *t, char *err, size_t errlen)
{
	char text[INET6_ADDRSTRLEN];
	bool v6 = false;

	for (size_t i = 0; i < t->n_addresses; i++) {
		const struct prefix *p = &t->addresses[i];

		v6 |= p->family == AF_INET6;
		for (size_t k = 0; k < i; k++) {
			if (t->addresses[k].family == p->family &&
			    inet_addr_equal(p->family, &t->addresses[k].addr, &p->addr)) {
				snprintf(err, errlen, "Address: %s given twice",
					 addr_text(p->family, &p->addr, text, sizeof(text)));
				return -EINVAL;
			}
		}
	}
	/* the kernel turns IPv6 off on a device below 1280 */
	if (v6 && (t->flags & TUNNEL_HAS_MTU) && t->mtu && t->mtu < 1280) {
		snprintf(err, errlen,
			 "MTU: %u is below 1280, the IPv6 minimum, and Address= has IPv6 addresses",
			 t->mtu);
		return -EINVAL;
	}
	return 0;
}

int config_finalize(struct tunnel *t, char *err, size_t errlen)
{
	/* Remote=any has no family: the mode's (or Local's) */
	bool any = tunnel_learns(t) && !t->remote_plen;
	bool endpoints = (t->flags & TUNNEL_HAS_LOCAL) || ((t->flags & TUNNEL_HAS_REMOTE) && !any);
	char text[INET6_ADDRSTRLEN];
	int mf, r;

	if (err && errlen)
		err[0] = '\0';
	/* no Mode=: follow the endpoints' family, as plain "gre" would not fit */
	if (!(t->flags & TUNNEL_HAS_MODE))
		t->mode = (endpoints && t->family == AF_INET6) ? MODE_IP6GRE : MODE_GRE;
	mf = tunnel_mode_family(t->mode);
	if (endpoints && t->family != mf) {
		bool remote = (t->flags & TUNNEL_HAS_REMOTE) && !any;

		snprintf(err, errlen, "%s: %s is an %s address but Mode=%s needs %s",
			 remote ? "Remote" : "Local",
			 addr_text(t->family, remote ? &t->remote : &t->local, text, sizeof(text)),
			 family_name(t->family), tunnel_mode_name(t->mode), family_name(mf));
		return -EINVAL;
	}
	t->family = mf;
	if (!(t->flags & TUNNEL_HAS_REMOTE)) {
		snprintf(err, errlen, "Remote: required (Remote= in [Tunnel] or option `remote')");
		return -EINVAL;
	}
	if (!tunnel_learns(t) && inet_addr_is_any(mf, &t->remote)) {
		snprintf(err, errlen,
			 "Remote: must not be the unspecified address (Remote=any learns the peer's)");
		return -EINVAL;
	}
	/* Linux GRE (fou included) neither learns its remote nor sends
	 * keepalives of its own: only gretund does (cmd_up.c picks it) */
	if (tunnel_learns(t) && t->backend == BACKEND_KERNEL) {
		snprintf(err, errlen,
			 "Remote: learning the peer's address (Remote=any or a prefix) needs Backend=userspace or auto; Linux GRE cannot learn it");
		return -EINVAL;
	}
	if (t->persistent_keepalive && t->backend == BACKEND_KERNEL) {
		snprintf(err, errlen,
			 "PersistentKeepalive: needs Backend=userspace or auto; Linux GRE sends no keepalives");
		return -EINVAL;
	}
	if (t->keepalive_interval && tunnel_learns(t)) {
		snprintf(err, errlen,
			 "Keepalive: needs a fixed Remote= (Cisco probes are addressed to it); use PersistentKeepalive= with a learning Remote=");
		return -EINVAL;
	}
	t->iflags = (uint8_t)((t->iflags & ~GRE_OPT_KEY) |
			      ((t->flags & TUNNEL_HAS_IKEY) ? GRE_OPT_KEY : 0));
	t->oflags = (uint8_t)((t->oflags & ~GRE_OPT_KEY) |
			      ((t->flags & TUNNEL_HAS_OKEY) ? GRE_OPT_KEY : 0));
	if (!(t->flags & TUNNEL_HAS_IKEY))
		t->ikey = 0;
	if (!(t->flags & TUNNEL_HAS_OKEY))
		t->okey = 0;
	if (mf == AF_INET) {
		/* ip_gre: a fixed TTL sets DF, so it needs PMTU discovery on
		 * (iproute2: "ttl != 0 and nopmtudisc are incompatible"), and
		 * ignore-df only makes sense with it off (kernel EINVAL). */
		if (t->ttl && !t->pmtudisc) {
			snprintf(err, errlen,
				 "TTL: a fixed TTL (%u) needs PMTUDiscovery=yes; use TTL=inherit or turn PMTU discovery on",
				 t->ttl);
			return -EINVAL;
		}
		if (t->ignore_df && t->pmtudisc) {
			snprintf(err, errlen, "IgnoreDF: needs PMTUDiscovery=no");
			return -EINVAL;
		}
	} else if (!t->pmtudisc || t->ignore_df) {
		snprintf(err, errlen, "%s: only for IPv4 modes (gre, gretap), not %s",
			 !t->pmtudisc ? "PMTUDiscovery" : "IgnoreDF", tunnel_mode_name(t->mode));
		return -EINVAL;
	}
	/* Cisco keepalives exist for GRE over IPv4 only (the probe is an IPv4
	 * packet addressed back to us), and only gretund sends and tracks them */
	if (t->keepalive_interval && t->mode != MODE_GRE) {
		snprintf(err, errlen, "Keepalive: only for Mode=gre, not %s",
			 tunnel_mode_name(t->mode));
		return -EINVAL;
	}
	if (t->keepalive_interval && t->backend == BACKEND_KERNEL) {
		snprintf(err, errlen,
			 "Keepalive: needs Backend=userspace or auto; no process sends or tracks probes for kernel tunnels");
		return -EINVAL;
	}
	/* the kernel's own GRE is the data path of a kernel tunnel */
	if (t->datapath != DATAPATH_AUTO && t->backend == BACKEND_KERNEL) {
		snprintf(err, errlen,
			 "Datapath: %s needs Backend=userspace or auto; a kernel tunnel has the kernel's own data path",
			 tunnel_datapath_name(t->datapath));
		return -EINVAL;
	}
	/* Probes go out as plain GRE and Cisco peers answer in plain GRE. */
	if (t->keepalive_interval && t->encap == ENCAP_UDP) {
		snprintf(err, errlen, "Keepalive: not with Encapsulation=udp (Cisco keepalives are plain GRE)");
		return -EINVAL;
	}
	if (t->encap == ENCAP_UDP && !t->encap_dport) {
		snprintf(err, errlen, "EncapsulationPort: expected a number from 1 to 65535");
		return -EINVAL;
	}
	r = finalize_addresses(t, err, errlen);
	if (r < 0)
		return r;
	return finalize_routes(t, err, errlen);
}

bool config_has_hooks(const struct tunnel *t)
{
	return t->hook_pre_up || t->hook_post_up || t->hook_pre_down || t->hook_post_down;
}

static int path_check_one(const char *p, const char *file, uid_t owner, char *err, size_t errlen)
{
	char who[32], where[PATH_MAX + 32];
	struct stat st;

	if (stat(p, &st) < 0) {
		int r = -errno;

		snprintf(err, errlen, "cannot check %s: %s", p, strerror(-r));
		return r;
	}
	if (file && strcmp(p, file))
		snprintf(where, sizeof(where), "%s (a directory above %s)", p, file);
	else
		snprintf(where, sizeof(where), "%s", p);
	if (st.st_uid != owner) {
		if (owner == 0)
			snprintf(who, sizeof(who), "root");
		else
			snprintf(who, sizeof(who), "uid %u", (unsigned int)owner);
		snprintf(err, errlen, "%s is owned by uid %u, not %s; hooks run as root", where,
			 (unsigned int)st.st_uid, who);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen,
			 "%s is writable by group or others (mode %04o); hooks run as root", where,
			 (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* The file, then each directory up to top (or /). */
static int path_check_chain(const char *file, const char *top, uid_t owner, char *err,
			    size_t errlen)
{
	char dir[PATH_MAX];
	char *slash;
	int r;

	r = path_check_one(file, NULL, owner, err, errlen);
	if (r < 0)
		return r;
	snprintf(dir, sizeof(dir), "%s", file);
	for (;;) {
		slash = strrchr(dir, '/');
		if (!slash)
			return 0;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		r = path_check_one(dir, file, owner, err, errlen);
		if (r < 0)
			return r;
		if (!strcmp(dir, "/") || (top && !strcmp(dir, top)))
			return 0;
	}
}

int config_check_permissions_as(const char *path, uid_t owner, const char *top, char *err,
				size_t errlen)
{
	char *real = NULL, *realtop = NULL, *abs = NULL;
	char cwd[PATH_MAX];
	struct stat st;
	int r;

	real = realpath(path, NULL);
	if (!real) {
		r = -errno;
		snprintf(err, errlen, "cannot check %s: %s", path, strerror(-r));
		goto out;
	}
	if (stat(real, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = -EINVAL;
		snprintf(err, errlen, "%s is not a regular file", path);
		goto out;
	}
	if (top) {
		realtop = realpath(top, NULL);
		if (!realtop) {
			r = -errno;
			snprintf(err, errlen, "cannot check %s: %s", top, strerror(-r));
			goto out;
		}
	}
	r = path_check_chain(real, realtop, owner, err, errlen);
	if (r < 0)
		goto out;
	/* Through a symlink, whoever can write the link's directories can
	 * swap the link: check the path as written too. */
	if (path[0] == '/') {
		abs = strdup(path);
	} else if (getcwd(cwd, sizeof(cwd))) {
		size_t n = strlen(cwd) + strlen(path) + 2;

		abs = malloc(n);
		if (abs)
			snprintf(abs, n, "%s/%s", cwd, path);
	}
	if (!abs) {
		r = -ENOMEM;
		snprintf(err, errlen, "cannot check %s: out of memory", path);
		goto out;
	}
	if (strcmp(abs, real))
		r = path_check_chain(abs, realtop, owner, err, errlen);
out:
	free(real);
	free(realtop);
	free(abs);
	return r;
}

int config_check_permissions(const char *path, char *err, size_t errlen)
{
	return config_check_permissions_as(path, 0, NULL, err, errlen);
}
