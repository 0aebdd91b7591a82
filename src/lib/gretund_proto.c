// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Control protocol requests: a pure parser (fuzzed, unit-tested) and the
 * formatter the client uses, so both ends agree on one spelling.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "gretund_proto.h"
#include "inet.h"
#include "json.h"

/* Internal seen bits: which family local/remote were written in. */
#define SEEN_LOCAL_V6	(1u << 30)
#define SEEN_REMOTE_V6	(1u << 31)
#define SEEN_LEARNED_V6	(1u << 29)

static const char *const cmd_names[CTL_CMD_MAX_] = {
	[CTL_CMD_PING] = "ping",
	[CTL_CMD_CREATE] = "create",
	[CTL_CMD_CHANGE] = "change",
	[CTL_CMD_DESTROY] = "destroy",
	[CTL_CMD_GET] = "get",
	[CTL_CMD_STATS] = "stats",
	[CTL_CMD_LIST] = "list",
	[CTL_CMD_RESTART] = "restart",
};

const char *ctl_cmd_name(enum ctl_cmd c)
{
	return (unsigned int)c < CTL_CMD_MAX_ ? cmd_names[c] : "unknown";
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

const char *ctl_flags_str(uint8_t flags, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s",
		 flags & GRE_OPT_CSUM ? "csum" : "",
		 (flags & GRE_OPT_CSUM) && (flags & (GRE_OPT_KEY | GRE_OPT_SEQ)) ? "," : "",
		 flags & GRE_OPT_KEY ? "key" : "",
		 (flags & GRE_OPT_KEY) && (flags & GRE_OPT_SEQ) ? "," : "",
		 flags & GRE_OPT_SEQ ? "seq" : "");
	if (!flags)
		snprintf(buf, size, "none");
	return buf;
}

bool ctl_param_known(const char *key)
{
	return field_by_ctl(key) != NULL;
}

int ctl_tunnel_set_param(struct tunnel *t, uint32_t *seen, const char *key,
			 const char *val, char *err, size_t errlen)
{
	const struct field *f = field_by_ctl(key);
	int family = 0;

	if (!f)
		return fail(err, errlen, "unknown parameter `%s'", key);
	if (*seen & f->ctl_bit)
		return fail(err, errlen, "duplicate parameter `%s'", key);
	*seen |= f->ctl_bit;
	if (field_set(f, t, val, &family))
		return fail(err, errlen, "invalid %s `%s'", key, val);
	if (family == AF_INET6)
		*seen |= f->ctl_bit == CTL_KEY_LOCAL ? SEEN_LOCAL_V6 :
			 f->ctl_bit == CTL_KEY_LEARNED ? SEEN_LEARNED_V6 : SEEN_REMOTE_V6;
	return 0;
}

int ctl_tunnel_validate(const struct tunnel *t, uint32_t seen, char *err, size_t errlen)
{
	bool v6 = t->family == AF_INET6;
	/* `any' has no family of its own: the mode's */
	bool any = tunnel_learns(t) && !t->remote_plen;

	if (!(seen & CTL_KEY_REMOTE))
		return fail(err, errlen, "remote is required");
	if (!any && !!(seen & SEEN_REMOTE_V6) != v6)
		return fail(err, errlen, "remote address family does not match mode %s",
			    tunnel_mode_name(t->mode));
	if ((seen & CTL_KEY_LOCAL) && !!(seen & SEEN_LOCAL_V6) != v6)
		return fail(err, errlen, "local address family does not match mode %s",
			    tunnel_mode_name(t->mode));
	if (!tunnel_learns(t) && inet_addr_is_any(v6 ? AF_INET6 : AF_INET, &t->remote))
		return fail(err, errlen, "remote must not be the any address (say remote=any to learn it)");
	if (seen & CTL_KEY_LEARNED) {
		if (!tunnel_learns(t))
			return fail(err, errlen, "learned needs remote=any or a prefix");
		if (!!(seen & SEEN_LEARNED_V6) != v6 ||
		    !inet_prefix_contains(t->family, &t->remote, t->remote_plen, &t->learned.addr))
			return fail(err, errlen, "learned address is not inside the remote prefix");
	}
	/* the kernel refuses the same combination (ipgre_netlink_parms) */
	if (t->ignore_df && t->pmtudisc)
		return fail(err, errlen, "ignore_df requires pmtudisc=no");
	/* Cisco keepalives exist for GRE over IPv4 only: the probe is an
	 * IPv4 packet that the peer routes back (gretund(8), KEEPALIVES) */
	if (t->keepalive_interval && tunnel_learns(t))
		return fail(err, errlen, "keepalive needs a fixed remote (persistent_keepalive works with remote=any)");
	if (t->keepalive_interval && t->mode != MODE_GRE) {
		fail(err, errlen, "keepalive is only supported in mode gre, not %s",
		     tunnel_mode_name(t->mode));
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Split off the next space-separated token; NULL at the end. */
static char *next_token(char **p)
{
	char *s = *p, *tok;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s) {
		*p = s;
		return NULL;
	}
	tok = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return tok;
}

int ctl_request_parse(const char *line, size_t len, struct ctl_request *req,
		      char *err, size_t errlen)
{
	char buf[CTL_LINE_MAX + 1];
	char *p = buf, *tok, *eq;
	unsigned int i;
	int ret;

	memset(req, 0, sizeof(*req));
	tunnel_init(&req->t);
	if (len && line[len - 1] == '\n')
		len--;
	if (len && line[len - 1] == '\r')
		len--;
	if (len >= CTL_LINE_MAX) {
		fail(err, errlen, "request longer than %d bytes", CTL_LINE_MAX - 1);
		return -E2BIG;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c >= 0x7f)
			return fail(err, errlen, "request contains a control or non-ASCII byte at offset %u", i);
	}
	memcpy(buf, line, len);
	buf[len] = '\0';

	tok = next_token(&p);
	if (!tok)
		return fail(err, errlen, "empty request");
	for (i = 0; i < CTL_CMD_MAX_; i++)
		if (!strcmp(tok, cmd_names[i]))
			break;
	if (i == CTL_CMD_MAX_)
		return fail(err, errlen, "unknown command `%.32s'", tok);
	req->cmd = (enum ctl_cmd)i;

	if (req->cmd != CTL_CMD_PING && req->cmd != CTL_CMD_LIST && req->cmd != CTL_CMD_RESTART) {
		tok = next_token(&p);
		if (!tok)
			return fail(err, errlen, "%s: missing tunnel name", cmd_names[i]);
		if (!ifname_valid(tok) || strchr(tok, '='))
			return fail(err, errlen, "invalid tunnel name `%.32s'", tok);
		snprintf(req->name, sizeof(req->name), "%s", tok);
		snprintf(req->t.name, sizeof(req->t.name), "%s", tok);
	}

	if (req->cmd != CTL_CMD_CREATE && req->cmd != CTL_CMD_CHANGE) {
		if (next_token(&p))
			return fail(err, errlen, "%s takes no parameters", cmd_names[i]);
		return 0;
	}

	while ((tok = next_token(&p))) {
		eq = strchr(tok, '=');
		if (!eq || eq == tok)
			return fail(err, errlen, "expected key=value, got `%.32s'", tok);
		*eq = '\0';
		ret = ctl_tunnel_set_param(&req->t, &req->seen, tok, eq + 1, err, errlen);
		if (ret)
			return ret;
	}
	req->t.flags |= TUNNEL_HAS_MODE;
	req->t.family = tunnel_mode_family(req->t.mode);
	return ctl_tunnel_validate(&req->t, req->seen, err, errlen);
}

int ctl_request_format(char *buf, size_t size, enum ctl_cmd cmd, const struct tunnel *t)
{
	struct field_value v;
	char text[96];
	size_t len;
	int n;

	n = snprintf(buf, size, "%s %s", ctl_cmd_name(cmd), t->name);
	for (size_t i = 0; n > 0 && (size_t)n < size && i < tunnel_fields_n; i++) {
		if (!tunnel_fields[i].ctl)
			continue;
		field_get(&tunnel_fields[i], t, &v);
		if (v.type == FIELD_ABSENT)
			continue;
		len = (size_t)n;
		n += snprintf(buf + len, size - len, " %s=%s", tunnel_fields[i].ctl,
			      field_value_text(&v, text, sizeof(text)));
	}
	if (n > 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "\n");
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

int ctl_reply_error(char *buf, size_t size, int err, const char *msg)
{
	struct json_writer w;

	json_init_buf(&w, buf, size);
	json_object_begin(&w, NULL);
	json_bool(&w, "ok", false);
	json_str(&w, "error", msg && *msg ? msg : strerror(-err));
	json_i64(&w, "errno", -err);
	json_object_end(&w);
	json_raw(&w, "\n");
	return json_writer_status(&w) ? -ENOSPC : (int)w.len;
}
