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

#include "gretund_proto.h"
#include "inet.h"
#include "json.h"

/* Internal seen bits: which family local/remote were written in. */
#define SEEN_LOCAL_V6	(1u << 30)
#define SEEN_REMOTE_V6	(1u << 31)

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

static int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_key(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (strchr(s, '.')) {
		if (inet_pton(AF_INET, s, &a) != 1)
			return -EINVAL;
		*out = ntohl(a.s_addr);
		return 0;
	}
	return parse_u32(s, UINT32_MAX, out);
}

static int parse_flags(const char *s, uint8_t *out)
{
	char buf[32];
	char *tok, *save = NULL;
	uint8_t f = 0;

	if (!strcmp(s, "none")) {
		*out = 0;
		return 0;
	}
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "csum"))
			f |= GRE_OPT_CSUM;
		else if (!strcmp(tok, "key"))
			f |= GRE_OPT_KEY;
		else if (!strcmp(tok, "seq"))
			f |= GRE_OPT_SEQ;
		else
			return -EINVAL;
	}
	/* "csum,,key" or a trailing comma is sloppy input: refuse */
	if (!*s || s[strlen(s) - 1] == ',' || strstr(s, ",,") || *s == ',')
		return -EINVAL;
	*out = f;
	return 0;
}

static int parse_addr(const char *s, union inet_addr *a, bool *v6)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		*v6 = false;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->v6) == 1) {
		*v6 = true;
		return 0;
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

static const struct {
	const char *name;
	uint32_t bit;
} keys[] = {
	{ "mode", CTL_KEY_MODE }, { "local", CTL_KEY_LOCAL },
	{ "remote", CTL_KEY_REMOTE }, { "ikey", CTL_KEY_IKEY },
	{ "okey", CTL_KEY_OKEY }, { "iflags", CTL_KEY_IFLAGS },
	{ "oflags", CTL_KEY_OFLAGS }, { "ttl", CTL_KEY_TTL },
	{ "tos", CTL_KEY_TOS }, { "pmtudisc", CTL_KEY_PMTUDISC },
	{ "ignore_df", CTL_KEY_IGNORE_DF }, { "dev", CTL_KEY_DEV },
	{ "fwmark", CTL_KEY_FWMARK }, { "encap", CTL_KEY_ENCAP },
	{ "encap_dport", CTL_KEY_ENCAP_DPORT },
	{ "encap_sport", CTL_KEY_ENCAP_SPORT },
	{ "keepalive", CTL_KEY_KEEPALIVE }, { "mtu", CTL_KEY_MTU },
};

bool ctl_param_known(const char *key)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i].name))
			return true;
	return false;
}

int ctl_tunnel_set_param(struct tunnel *t, uint32_t *seen, const char *key,
			 const char *val, char *err, size_t errlen)
{
	uint32_t bit = 0, v;
	uint8_t f;
	bool b, v6;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!strcmp(key, keys[i].name)) {
			bit = keys[i].bit;
			break;
		}
	}
	if (!bit)
		return fail(err, errlen, "unknown parameter `%s'", key);
	if (*seen & bit)
		return fail(err, errlen, "duplicate parameter `%s'", key);
	*seen |= bit;

	switch (bit) {
	case CTL_KEY_MODE:
		if (tunnel_mode_parse(val, &t->mode))
			goto bad;
		t->family = tunnel_mode_family(t->mode);
		t->flags |= TUNNEL_HAS_MODE;
		break;
	case CTL_KEY_LOCAL:
		if (parse_addr(val, &t->local, &v6))
			goto bad;
		if (v6)
			*seen |= SEEN_LOCAL_V6;
		t->flags |= TUNNEL_HAS_LOCAL;
		break;
	case CTL_KEY_REMOTE:
		if (parse_addr(val, &t->remote, &v6))
			goto bad;
		if (v6)
			*seen |= SEEN_REMOTE_V6;
		t->flags |= TUNNEL_HAS_REMOTE;
		break;
	case CTL_KEY_IKEY:
		if (parse_key(val, &t->ikey))
			goto bad;
		t->iflags |= GRE_OPT_KEY;
		t->flags |= TUNNEL_HAS_IKEY;
		break;
	case CTL_KEY_OKEY:
		if (parse_key(val, &t->okey))
			goto bad;
		t->oflags |= GRE_OPT_KEY;
		t->flags |= TUNNEL_HAS_OKEY;
		break;
	case CTL_KEY_IFLAGS:
		if (parse_flags(val, &f))
			goto bad;
		t->iflags |= f;
		if (f & GRE_OPT_CSUM)
			t->flags |= TUNNEL_HAS_ICSUM;
		if (f & GRE_OPT_SEQ)
			t->flags |= TUNNEL_HAS_ISEQ;
		break;
	case CTL_KEY_OFLAGS:
		if (parse_flags(val, &f))
			goto bad;
		t->oflags |= f;
		if (f & GRE_OPT_CSUM)
			t->flags |= TUNNEL_HAS_OCSUM;
		if (f & GRE_OPT_SEQ)
			t->flags |= TUNNEL_HAS_OSEQ;
		break;
	case CTL_KEY_TTL:
		if (!strcmp(val, "inherit"))
			v = 0;
		else if (parse_u32(val, 255, &v))
			goto bad;
		t->ttl = (uint8_t)v;
		t->flags |= TUNNEL_HAS_TTL;
		break;
	case CTL_KEY_TOS:
		if (!strcmp(val, "inherit")) {
			t->tos_inherit = true;
			t->tos = 0;
		} else if (parse_u32(val, 255, &v)) {
			goto bad;
		} else {
			t->tos_inherit = false;
			t->tos = (uint8_t)v;
		}
		t->flags |= TUNNEL_HAS_TOS;
		break;
	case CTL_KEY_PMTUDISC:
		if (parse_bool(val, &b))
			goto bad;
		t->pmtudisc = b;
		t->flags |= TUNNEL_HAS_PMTUDISC;
		break;
	case CTL_KEY_IGNORE_DF:
		if (parse_bool(val, &b))
			goto bad;
		t->ignore_df = b;
		t->flags |= TUNNEL_HAS_IGNORE_DF;
		break;
	case CTL_KEY_DEV:
		if (*val && !ifname_valid(val))
			goto bad;
		snprintf(t->dev, sizeof(t->dev), "%s", val);
		if (*val)
			t->flags |= TUNNEL_HAS_DEV;
		break;
	case CTL_KEY_FWMARK:
		if (parse_u32(val, UINT32_MAX, &t->fwmark))
			goto bad;
		t->flags |= TUNNEL_HAS_FWMARK;
		break;
	case CTL_KEY_ENCAP:
		if (!strcmp(val, "none"))
			t->encap = ENCAP_NONE;
		else if (!strcmp(val, "udp") || !strcmp(val, "fou"))
			t->encap = ENCAP_UDP;
		else
			goto bad;
		t->flags |= TUNNEL_HAS_ENCAP;
		break;
	case CTL_KEY_ENCAP_DPORT:
		if (parse_u32(val, 65535, &v) || !v)
			goto bad;
		t->encap_dport = (uint16_t)v;
		t->flags |= TUNNEL_HAS_ENCAP_DPORT;
		break;
	case CTL_KEY_ENCAP_SPORT:
		if (!strcmp(val, "auto"))
			v = 0;
		else if (parse_u32(val, 65535, &v))
			goto bad;
		t->encap_sport = (uint16_t)v;
		t->flags |= TUNNEL_HAS_ENCAP_SPORT;
		break;
	case CTL_KEY_KEEPALIVE: {
		uint32_t iv, rt;
		char buf[24];
		char *comma;

		if (!strcmp(val, "off")) {
			t->keepalive_interval = 0;
			t->keepalive_retries = 0;
			break;
		}
		if (strlen(val) >= sizeof(buf))
			goto bad;
		strcpy(buf, val);
		comma = strchr(buf, ',');
		if (!comma)
			goto bad;
		*comma = '\0';
		if (parse_u32(buf, 65535, &iv) || parse_u32(comma + 1, 255, &rt))
			goto bad;
		t->keepalive_interval = (uint16_t)iv;
		t->keepalive_retries = (uint8_t)rt;
		t->flags |= TUNNEL_HAS_KEEPALIVE;
		break;
	}
	case CTL_KEY_MTU:
		if (!strcmp(val, "auto"))
			v = 0;
		else if (parse_u32(val, 65535, &v) || (v && v < 68))
			goto bad;
		t->mtu = v;
		t->flags |= TUNNEL_HAS_MTU;
		break;
	}
	return 0;
bad:
	return fail(err, errlen, "invalid %s `%s'", key, val);
}

int ctl_tunnel_validate(const struct tunnel *t, uint32_t seen, char *err, size_t errlen)
{
	bool v6 = t->family == AF_INET6;

	if (!(seen & CTL_KEY_REMOTE))
		return fail(err, errlen, "remote is required");
	if (!!(seen & SEEN_REMOTE_V6) != v6)
		return fail(err, errlen, "remote address family does not match mode %s",
			    tunnel_mode_name(t->mode));
	if ((seen & CTL_KEY_LOCAL) && !!(seen & SEEN_LOCAL_V6) != v6)
		return fail(err, errlen, "local address family does not match mode %s",
			    tunnel_mode_name(t->mode));
	if (inet_addr_is_any(v6 ? AF_INET6 : AF_INET, &t->remote))
		return fail(err, errlen, "remote must not be the any address");
	/* the kernel refuses the same combination (ipgre_netlink_parms) */
	if (t->ignore_df && t->pmtudisc)
		return fail(err, errlen, "ignore_df requires pmtudisc=no");
	/* Cisco keepalives exist for GRE over IPv4 only: the probe is an
	 * IPv4 packet that the peer routes back (gretund(8), KEEPALIVES) */
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

static const char *addr_str(int family, const union inet_addr *a, char *buf, size_t size)
{
	return inet_ntop(family, a, buf, (socklen_t)size) ? buf : "?";
}

int ctl_request_format(char *buf, size_t size, enum ctl_cmd cmd, const struct tunnel *t)
{
	char a[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN], fi[16], fo[16], tos[8], ka[16];
	char ik[24] = "", ok[24] = "";
	int n;

	if (t->tos_inherit)
		snprintf(tos, sizeof(tos), "inherit");
	else
		snprintf(tos, sizeof(tos), "0x%02x", t->tos);
	if (t->keepalive_interval)
		snprintf(ka, sizeof(ka), "%u,%u", t->keepalive_interval, t->keepalive_retries);
	else
		snprintf(ka, sizeof(ka), "off");
	/* ikey=/okey= imply the key flag, so only send them when it is set */
	if (t->iflags & GRE_OPT_KEY)
		snprintf(ik, sizeof(ik), " ikey=%u", t->ikey);
	if (t->oflags & GRE_OPT_KEY)
		snprintf(ok, sizeof(ok), " okey=%u", t->okey);
	n = snprintf(buf, size,
		     "%s %s mode=%s%s%s remote=%s%s%s iflags=%s oflags=%s ttl=%u tos=%s"
		     " pmtudisc=%s ignore_df=%s%s%s fwmark=%u encap=%s encap_dport=%u encap_sport=%u"
		     " keepalive=%s mtu=%u\n",
		     ctl_cmd_name(cmd), t->name, tunnel_mode_name(t->mode),
		     (t->flags & TUNNEL_HAS_LOCAL) ? " local=" : "",
		     (t->flags & TUNNEL_HAS_LOCAL) ? addr_str(t->family, &t->local, a, sizeof(a)) : "",
		     addr_str(t->family, &t->remote, r, sizeof(r)), ik, ok,
		     ctl_flags_str(t->iflags, fi, sizeof(fi)), ctl_flags_str(t->oflags, fo, sizeof(fo)),
		     t->ttl, tos, t->pmtudisc ? "yes" : "no", t->ignore_df ? "yes" : "no",
		     t->dev[0] ? " dev=" : "", t->dev, t->fwmark,
		     t->encap == ENCAP_UDP ? "udp" : "none", t->encap_dport, t->encap_sport, ka, t->mtu);
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
