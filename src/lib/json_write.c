// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON writer. Strings are escaped so that whatever bytes a name or a
 * message holds, the document stays valid JSON and valid UTF-8: a reader in
 * another language must never choke on a reply because of one odd byte.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "json.h"

void json_init_file(struct json_writer *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

void json_init_buf(struct json_writer *w, char *buf, size_t size)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->size = size;
	if (size)
		buf[0] = '\0';
	else
		w->overflow = true;
}

static void json_put(struct json_writer *w, const char *s, size_t n)
{
	if (w->f) {
		fwrite(s, 1, n, w->f);
		return;
	}
	if (w->overflow)
		return;
	if (n >= w->size - w->len) {
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

void json_raw(struct json_writer *w, const char *s)
{
	json_put(w, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), 0 if there is none. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned int cp;
	size_t n;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1fu;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0fu;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07u;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;	/* also stops at the terminating NUL */
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
	    (n == 4 && cp < 0x10000))
		return 0;
	return n;
}

static void json_put_string(struct json_writer *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[8];
	size_t u;

	json_put(w, "\"", 1);
	while (*p) {
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			json_put(w, esc, 2);
			u = 1;
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			json_put(w, esc, 6);
			u = 1;
		} else if (*p < 0x80) {
			json_put(w, (const char *)p, 1);
			u = 1;
		} else if ((u = utf8_len(p))) {
			json_put(w, (const char *)p, u);
		} else {
			json_put(w, "\\ufffd", 6);
			u = 1;
		}
		p += u;
	}
	json_put(w, "\"", 1);
}

int json_quote(char *buf, size_t size, const char *s)
{
	struct json_writer w;

	json_init_buf(&w, buf, size);
	json_put_string(&w, s);
	if (!w.overflow)
		return 0;
	if (size)
		buf[0] = '\0';
	return -ENOSPC;
}

/* Separator and key before a value. */
static void json_key(struct json_writer *w, const char *key)
{
	if (w->need_comma[w->depth])
		json_put(w, ",", 1);
	w->need_comma[w->depth] = true;
	if (key) {
		json_put_string(w, key);
		json_put(w, ":", 1);
	}
}

static void json_open(struct json_writer *w, const char *key, char c)
{
	json_key(w, key);
	json_put(w, &c, 1);
	if (w->depth < JSON_NEST_MAX - 1)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void json_close(struct json_writer *w, char c)
{
	json_put(w, &c, 1);
	if (w->depth > 0)
		w->depth--;
}

void json_object_begin(struct json_writer *w, const char *key)
{
	json_open(w, key, '{');
}

void json_object_end(struct json_writer *w)
{
	json_close(w, '}');
}

void json_array_begin(struct json_writer *w, const char *key)
{
	json_open(w, key, '[');
}

void json_array_end(struct json_writer *w)
{
	json_close(w, ']');
}

void json_str(struct json_writer *w, const char *key, const char *s)
{
	if (!s) {
		json_null(w, key);
		return;
	}
	json_key(w, key);
	json_put_string(w, s);
}

void json_u64(struct json_writer *w, const char *key, uint64_t v)
{
	char num[24];

	json_key(w, key);
	json_put(w, num, (size_t)snprintf(num, sizeof(num), "%" PRIu64, v));
}

void json_i64(struct json_writer *w, const char *key, int64_t v)
{
	char num[24];

	json_key(w, key);
	json_put(w, num, (size_t)snprintf(num, sizeof(num), "%" PRId64, v));
}

void json_bool(struct json_writer *w, const char *key, bool v)
{
	json_key(w, key);
	json_raw(w, v ? "true" : "false");
}

void json_null(struct json_writer *w, const char *key)
{
	json_key(w, key);
	json_raw(w, "null");
}

int json_writer_status(const struct json_writer *w)
{
	return w->overflow ? -ENOSPC : 0;
}
