// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Value parsers: strict on purpose. strtoul() would take leading blanks, a
 * sign, octal and trailing junk; a config value that means something else
 * than it looks like is worse than an error, so numbers are scanned here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "inet.h"
#include "parse.h"

#define QUOTE_MAX	64

static void reason_set(char *reason, size_t reasonlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reason_set(char *reason, size_t reasonlen, const char *fmt, ...)
{
	va_list ap;

	if (!reason || !reasonlen)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, reasonlen, fmt, ap);
	va_end(ap);
}

int parse_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Unsigned decimal, or 0x hex when hex is set. -EINVAL for anything that is
 * not such a number, -ERANGE above UINT32_MAX (after checking every char,
 * so that "99999999999x" is malformed rather than out of range). */
static int number_scan(const char *s, bool hex, uint32_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	bool big = false;
	int d;

	if (hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		d = base == 16 ? parse_hex_digit(*s) : (*s >= '0' && *s <= '9' ? *s - '0' : -1);
		if (d < 0)
			return -EINVAL;
		if (!big) {
			v = v * base + (unsigned int)d;
			if (v > UINT32_MAX)
				big = true;
		}
	}
	if (big)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

int parse_u32(const char *s, uint32_t min, uint32_t max, bool hex, uint32_t *out,
	      char *reason, size_t reasonlen)
{
	uint32_t v;
	int r;

	r = number_scan(s, hex, &v);
	if (r == 0 && (v < min || v > max))
		r = -ERANGE;
	if (r < 0) {
		reason_set(reason, reasonlen, "expected a number from %u to %u", min, max);
		return r;
	}
	*out = v;
	return 0;
}

int parse_bool(const char *s, bool *out, char *reason, size_t reasonlen)
{
	static const struct {
		const char *word;
		bool value;
	} words[] = {
		{ "yes", true }, { "no", false }, { "true", true }, { "false", false },
		{ "on", true }, { "off", false }, { "1", true }, { "0", false },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!strcasecmp(s, words[i].word)) {
			*out = words[i].value;
			return 0;
		}
	}
	reason_set(reason, reasonlen, "expected yes or no");
	return -EINVAL;
}

int parse_key(const char *s, uint32_t *out, char *reason, size_t reasonlen)
{
	struct in_addr a;
	uint32_t v;
	int r;

	if (strchr(s, '.')) {
		if (inet_pton(AF_INET, s, &a) != 1)
			goto bad;
		*out = ntohl(a.s_addr);
		return 0;
	}
	r = number_scan(s, true, &v);
	if (r == -ERANGE) {
		reason_set(reason, reasonlen,
			   "expected a number from 0 to 4294967295 or a dotted quad");
		return r;
	}
	if (r < 0)
		goto bad;
	*out = v;
	return 0;
bad:
	reason_set(reason, reasonlen, "expected a number or a dotted quad");
	return -EINVAL;
}

static const char *family_what(int family)
{
	switch (family) {
	case AF_INET:
		return "an IPv4 address";
	case AF_INET6:
		return "an IPv6 address";
	default:
		return "an IPv4 or IPv6 address";
	}
}

int parse_addr(const char *s, int family, union inet_addr *out, int *family_out,
	       char *reason, size_t reasonlen)
{
	union inet_addr a;

	memset(&a, 0, sizeof(a));
	if ((family == AF_INET || family == AF_UNSPEC) && inet_pton(AF_INET, s, &a.v4) == 1) {
		family = AF_INET;
	} else if ((family == AF_INET6 || family == AF_UNSPEC) &&
		   inet_pton(AF_INET6, s, &a.v6) == 1) {
		family = AF_INET6;
	} else {
		reason_set(reason, reasonlen, "expected %s", family_what(family));
		return -EINVAL;
	}
	*out = a;
	if (family_out)
		*family_out = family;
	return 0;
}

static void prefix_mask(struct prefix *p)
{
	unsigned int bytes = (unsigned int)inet_addr_len(p->family);

	for (unsigned int i = 0; i < bytes; i++) {
		unsigned int bit = i * 8;

		if (bit >= p->len)
			p->addr.bytes[i] = 0;
		else if (bit + 8 > p->len)
			p->addr.bytes[i] &= (uint8_t)(0xff00u >> (p->len - bit));
	}
}

int parse_prefix(const char *s, int family, bool host_bits_ok, struct prefix *out,
		 char *reason, size_t reasonlen)
{
	char buf[INET6_ADDRSTRLEN + 1], text[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct prefix p, masked;
	uint32_t len;
	int r;

	memset(&p, 0, sizeof(p));
	if (alen >= sizeof(buf))
		goto bad;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (parse_addr(buf, family, &p.addr, &p.family, NULL, 0) < 0)
		goto bad;
	len = p.family == AF_INET ? 32 : 128;
	if (slash) {
		r = number_scan(slash + 1, false, &len);
		if (r == -EINVAL)
			goto bad;
		if (r < 0 || len > (p.family == AF_INET ? 32u : 128u)) {
			reason_set(reason, reasonlen, "expected a prefix length from 0 to %u",
				   p.family == AF_INET ? 32 : 128);
			return -ERANGE;
		}
	}
	p.len = (uint8_t)len;
	masked = p;
	prefix_mask(&masked);
	if (!host_bits_ok && memcmp(&masked.addr, &p.addr, sizeof(p.addr))) {
		inet_ntop(p.family, &masked.addr, text, sizeof(text));
		reason_set(reason, reasonlen, "has host bits set (did you mean %s/%u?)",
			   text, p.len);
		return -EINVAL;
	}
	*out = p;
	return 0;
bad:
	reason_set(reason, reasonlen, "expected %s with an optional /LENGTH",
		   family_what(family));
	return -EINVAL;
}

int parse_route_prefix(const char *s, struct prefix *out, char *reason, size_t reasonlen)
{
	int r;

	/* ip-route(8)'s word; IPv4 as there (::/0 is IPv6's) */
	if (!strcmp(s, "default")) {
		memset(out, 0, sizeof(*out));
		out->family = AF_INET;
		return 0;
	}
	r = parse_prefix(s, AF_UNSPEC, false, out, reason, reasonlen);
	if (r == -EINVAL && reason && !strncmp(reason, "expected ", 9))
		reason_set(reason, reasonlen,
			   "expected default or an IPv4 or IPv6 address with an optional /LENGTH");
	return r;
}

int parse_remote(const char *s, union inet_addr *out, uint8_t *plen, bool *learn,
		 int *family_out, char *reason, size_t reasonlen)
{
	struct prefix p;
	int r;

	if (!strcmp(s, "any")) {
		memset(out, 0, sizeof(*out));
		*plen = 0;
		*learn = true;
		if (family_out)
			*family_out = 0;
		return 0;
	}
	if (!strchr(s, '/')) {
		r = parse_addr(s, AF_UNSPEC, out, family_out, reason, reasonlen);
		if (r == 0) {
			*plen = 0;
			*learn = false;
		}
		return r;
	}
	r = parse_prefix(s, AF_UNSPEC, false, &p, reason, reasonlen);
	if (r == -EINVAL && reason && strncmp(reason, "has host bits", 13))
		reason_set(reason, reasonlen, "expected an address, `any' or a PREFIX/LENGTH");
	if (r < 0)
		return r;
	*out = p.addr;
	*plen = p.len;
	*learn = true;
	if (family_out)
		*family_out = p.family;
	return 0;
}

int parse_persistent_keepalive(const char *s, uint16_t *out, char *reason, size_t reasonlen)
{
	uint32_t v;
	int r;

	if (!strcmp(s, "off")) {
		*out = 0;
		return 0;
	}
	r = parse_u32(s, 0, 65535, false, &v, NULL, 0);
	if (r < 0) {
		reason_set(reason, reasonlen, "expected `off' or a number of seconds from 1 to 65535");
		return r;
	}
	*out = (uint16_t)v;
	return 0;
}

static const char *const rt_tables_files[] = {
	"/etc/iproute2/rt_tables",
	"/usr/share/iproute2/rt_tables",
	NULL,
};

/* One rt_tables file: "NUMBER NAME" lines, '#' comments. Anything odd (long
 * lines, bad numbers, table 0) is skipped rather than trusted. */
static int rt_tables_lookup(const char *path, const char *name, uint32_t *out)
{
	char line[256], *num, *word, *save;
	bool skipping = false;
	int found = -ENOENT;
	uint32_t v;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		bool whole = strchr(line, '\n') != NULL || feof(f);

		if (skipping || !whole) {
			skipping = !whole;
			continue;
		}
		line[strcspn(line, "#")] = '\0';
		num = strtok_r(line, " \t\r\n", &save);
		word = num ? strtok_r(NULL, " \t\r\n", &save) : NULL;
		if (!word || strtok_r(NULL, " \t\r\n", &save))
			continue;
		if (number_scan(num, true, &v) < 0 || v == 0)
			continue;
		if (!strcmp(word, name)) {
			*out = v;
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

int parse_table_files(const char *s, const char *const files[], uint32_t *out,
		      char *reason, size_t reasonlen)
{
	static const struct {
		const char *name;
		uint32_t id;
	} builtin[] = {
		{ "default", 253 }, { "main", 254 }, { "local", 255 },
	};
	int r;

	if (*s >= '0' && *s <= '9') {
		r = number_scan(s, true, out);
		if (r == 0 && *out == 0)
			r = -ERANGE;
		if (r < 0)
			goto bad;
		return 0;
	}
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++) {
		if (!strcmp(s, builtin[i].name)) {
			*out = builtin[i].id;
			return 0;
		}
	}
	r = -EINVAL;
	for (size_t i = 0; *s && files && files[i]; i++) {
		if (rt_tables_lookup(files[i], s, out) == 0)
			return 0;
	}
bad:
	reason_set(reason, reasonlen,
		   "expected a number from 1 to 4294967295, main, local, default or a name from rt_tables");
	return r;
}

int parse_table(const char *s, uint32_t *out, char *reason, size_t reasonlen)
{
	return parse_table_files(s, rt_tables_files, out, reason, reasonlen);
}

int parse_ttl(const char *s, uint8_t *out, char *reason, size_t reasonlen)
{
	uint32_t v;
	int r;

	if (!strcmp(s, "inherit")) {
		*out = 0;
		return 0;
	}
	r = parse_u32(s, 1, 255, false, &v, NULL, 0);
	if (r < 0) {
		reason_set(reason, reasonlen, "expected a number from 1 to 255 or `inherit'");
		return r;
	}
	*out = (uint8_t)v;
	return 0;
}

int parse_tos(const char *s, uint8_t *tos, bool *inherit, char *reason, size_t reasonlen)
{
	uint32_t v;
	int r;

	if (!strcmp(s, "inherit")) {
		*tos = 0;
		*inherit = true;
		return 0;
	}
	r = parse_u32(s, 0, 255, true, &v, NULL, 0);
	if (r < 0) {
		reason_set(reason, reasonlen,
			   "expected `inherit' or a number from 0 to 255 (0x00 to 0xff)");
		return r;
	}
	*tos = (uint8_t)v;
	*inherit = false;
	return 0;
}

int parse_mtu(const char *s, uint32_t *out, char *reason, size_t reasonlen)
{
	int r;

	if (!strcmp(s, "auto")) {
		*out = 0;
		return 0;
	}
	r = parse_u32(s, 68, 65535, false, out, NULL, 0);
	if (r < 0)
		reason_set(reason, reasonlen, "expected `auto' or a number from 68 to 65535");
	return r;
}

int parse_keepalive(const char *s, uint16_t *interval, uint8_t *retries,
		    char *reason, size_t reasonlen)
{
	char buf[32], *a, *b, *save;
	uint32_t iv, rv;
	int r = -EINVAL;

	if (!strcmp(s, "off")) {
		*interval = 0;
		*retries = 0;
		return 0;
	}
	if (strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	a = strtok_r(buf, " \t", &save);
	b = a ? strtok_r(NULL, " \t", &save) : NULL;
	if (!b || strtok_r(NULL, " \t", &save))
		goto bad;
	r = parse_u32(a, 1, 32767, false, &iv, NULL, 0);
	if (r == 0)
		r = parse_u32(b, 1, 255, false, &rv, NULL, 0);
	if (r < 0)
		goto bad;
	*interval = (uint16_t)iv;
	*retries = (uint8_t)rv;
	return 0;
bad:
	reason_set(reason, reasonlen,
		   "expected `off' or INTERVAL RETRIES (1-32767 seconds, 1-255 probes)");
	return r;
}

int parse_port(const char *s, uint16_t *out, char *reason, size_t reasonlen)
{
	uint32_t v;
	int r;

	r = parse_u32(s, 1, 65535, false, &v, reason, reasonlen);
	if (r == 0)
		*out = (uint16_t)v;
	return r;
}

int parse_encap(const char *s, enum tunnel_encap *out, char *reason, size_t reasonlen)
{
	if (!strcmp(s, "none")) {
		*out = ENCAP_NONE;
	} else if (!strcmp(s, "udp") || !strcmp(s, "fou")) {
		*out = ENCAP_UDP;
	} else {
		reason_set(reason, reasonlen, "expected none or udp");
		return -EINVAL;
	}
	return 0;
}

const char *parse_quote(const char *s, char *buf, size_t buflen)
{
	size_t i = 0, n = 0;

	if (!buflen)
		return buf;
	for (; s[n] && n < QUOTE_MAX && i + 1 < buflen; n++) {
		unsigned char c = (unsigned char)s[n];

		buf[i++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	buf[i] = '\0';
	if (s[n] && buflen > 4) {
		if (i > buflen - 4)
			i = buflen - 4;
		memcpy(buf + i, "...", 4);
	}
	return buf;
}

void parse_error(char *err, size_t errlen, const char *what, const char *value,
		 const char *reason)
{
	char q[QUOTE_MAX + 4];

	if (!err || !errlen)
		return;
	snprintf(err, errlen, "invalid %s `%s': %s", what, parse_quote(value, q, sizeof(q)),
		 reason);
}
