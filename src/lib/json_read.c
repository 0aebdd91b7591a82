// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON reader: strict (RFC 8259 grammar, integers only) and bounded,
 * because it reads what comes over a socket from another process. It
 * flattens the document into (path, type, value) callbacks, so that a
 * caller matches the keys it knows and ignores the ones added later.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "parse.h"

#define JSON_DEPTH_MAX	4
#define JSON_PATH_MAX	128
#define JSON_STR_MAX	256

struct jp {
	const char *s, *end;
	json_cb cb;
	void *data;
	int ret;		/* callback's non-zero return */
	char path[JSON_PATH_MAX];
};

static void jp_ws(struct jp *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
		p->s++;
}

static int jp_string(struct jp *p, char *out, size_t size)
{
	size_t n = 0;

	if (p->s >= p->end || *p->s != '"')
		return -EBADMSG;
	p->s++;
	while (p->s < p->end && *p->s != '"') {
		unsigned char c = (unsigned char)*p->s++;

		if (c < 0x20)
			return -EBADMSG;
		if (c == '\\') {
			if (p->s >= p->end)
				return -EBADMSG;
			c = (unsigned char)*p->s++;
			switch (c) {
			case '"': case '\\': case '/':
				break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				unsigned int v = 0;

				if (p->end - p->s < 4)
					return -EBADMSG;
				for (int i = 0; i < 4; i++) {
					int h = parse_hex_digit(p->s[i]);

					if (h < 0)
						return -EBADMSG;
					v = v << 4 | (unsigned int)h;
				}
				p->s += 4;
				/* the daemon escapes only ASCII control bytes */
				c = v < 0x80 && v ? (unsigned char)v : '?';
				break;
			}
			default:
				return -EBADMSG;
			}
		}
		if (n + 1 >= size)
			return -EBADMSG;
		out[n++] = (char)c;
	}
	if (p->s >= p->end)
		return -EBADMSG;
	p->s++;
	out[n] = '\0';
	return 0;
}

static int jp_value(struct jp *p, int depth);

static int jp_emit(struct jp *p, enum json_type type, const char *val)
{
	int r = p->cb ? p->cb(p->path, type, val, p->data) : 0;

	if (r) {
		p->ret = r;
		return -ECANCELED;
	}
	return 0;
}

/* Append ".key" (or "[]") to the path; returns the old length. */
static int jp_push(struct jp *p, const char *key, size_t *old)
{
	size_t len = strlen(p->path);
	int n;

	*old = len;
	n = snprintf(p->path + len, sizeof(p->path) - len, "%s%s",
		     len && *key != '[' ? "." : "", key);
	return n < 0 || (size_t)n >= sizeof(p->path) - len ? -EBADMSG : 0;
}

static int jp_object(struct jp *p, int depth)
{
	char key[JSON_STR_MAX];
	size_t old;
	int ret;

	p->s++;	/* '{' */
	jp_ws(p);
	if (p->s < p->end && *p->s == '}') {
		p->s++;
		return 0;
	}
	for (;;) {
		jp_ws(p);
		ret = jp_string(p, key, sizeof(key));
		if (ret || !*key || strchr(key, '.'))
			return ret ? ret : -EBADMSG;
		jp_ws(p);
		if (p->s >= p->end || *p->s++ != ':')
			return -EBADMSG;
		if (jp_push(p, key, &old))
			return -EBADMSG;
		ret = jp_value(p, depth + 1);
		p->path[old] = '\0';
		if (ret)
			return ret;
		jp_ws(p);
		if (p->s >= p->end)
			return -EBADMSG;
		if (*p->s == '}') {
			p->s++;
			return 0;
		}
		if (*p->s++ != ',')
			return -EBADMSG;
	}
}

static int jp_array(struct jp *p, int depth)
{
	size_t old;
	int ret;

	p->s++;	/* '[' */
	jp_ws(p);
	if (p->s < p->end && *p->s == ']') {
		p->s++;
		return 0;
	}
	if (jp_push(p, "[]", &old))
		return -EBADMSG;
	for (;;) {
		ret = jp_value(p, depth + 1);
		if (ret)
			break;
		jp_ws(p);
		if (p->s >= p->end) {
			ret = -EBADMSG;
			break;
		}
		if (*p->s == ']') {
			p->s++;
			break;
		}
		if (*p->s++ != ',') {
			ret = -EBADMSG;
			break;
		}
	}
	p->path[old] = '\0';
	return ret;
}

/* integers only: -?(0|[1-9][0-9]*), at most 20 digits; buf >= 23 bytes */
static int jp_number(struct jp *p, char *buf)
{
	size_t n = 0;

	if (*p->s == '-')
		buf[n++] = *p->s++;
	if (p->s >= p->end || *p->s < '0' || *p->s > '9')
		return -EBADMSG;
	if (*p->s == '0' && p->end - p->s > 1 && p->s[1] >= '0' && p->s[1] <= '9')
		return -EBADMSG;
	while (p->s < p->end && *p->s >= '0' && *p->s <= '9') {
		if (n >= 21)
			return -EBADMSG;
		buf[n++] = *p->s++;
	}
	if (p->s < p->end && (*p->s == '.' || *p->s == 'e' || *p->s == 'E'))
		return -EBADMSG;
	buf[n] = '\0';
	return jp_emit(p, JSON_NUMBER, buf);
}

static int jp_value(struct jp *p, int depth)
{
	char buf[JSON_STR_MAX];
	int ret;

	if (depth > JSON_DEPTH_MAX)
		return -EBADMSG;
	jp_ws(p);
	if (p->s >= p->end)
		return -EBADMSG;
	switch (*p->s) {
	case '{':
		return jp_object(p, depth);
	case '[':
		return jp_array(p, depth);
	case '"':
		ret = jp_string(p, buf, sizeof(buf));
		return ret ? ret : jp_emit(p, JSON_STRING, buf);
	case 't':
		if (p->end - p->s < 4 || memcmp(p->s, "true", 4))
			return -EBADMSG;
		p->s += 4;
		return jp_emit(p, JSON_TRUE, "true");
	case 'f':
		if (p->end - p->s < 5 || memcmp(p->s, "false", 5))
			return -EBADMSG;
		p->s += 5;
		return jp_emit(p, JSON_FALSE, "false");
	case 'n':
		if (p->end - p->s < 4 || memcmp(p->s, "null", 4))
			return -EBADMSG;
		p->s += 4;
		return jp_emit(p, JSON_NULL, "null");
	default:
		break;
	}
	return jp_number(p, buf);
}

int json_parse(const char *s, size_t len, json_cb cb, void *data)
{
	struct jp p = { .s = s, .end = s + len, .cb = cb, .data = data };
	int ret;

	jp_ws(&p);
	if (p.s >= p.end || *p.s != '{')
		return -EBADMSG;
	ret = jp_value(&p, 0);
	if (ret == -ECANCELED && p.ret)
		return p.ret;
	if (ret)
		return ret;
	jp_ws(&p);
	return p.s == p.end ? 0 : -EBADMSG;
}
