// SPDX-License-Identifier: GPL-2.0-or-later
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "output.h"

void out_init(struct out *o, FILE *f, bool json)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->json = json;
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Separator and key before a JSON value. */
static void json_key(struct out *o, const char *key)
{
	if (o->need_comma[o->depth])
		fputc(',', o->f);
	o->need_comma[o->depth] = true;
	if (key) {
		json_string(o->f, key);
		fputc(':', o->f);
	}
}

static void json_open(struct out *o, const char *key, char c)
{
	if (!o->json)
		return;
	json_key(o, key);
	fputc(c, o->f);
	if (o->depth < (int)(sizeof(o->need_comma) / sizeof(o->need_comma[0])) - 1)
		o->depth++;
	o->need_comma[o->depth] = false;
}

static void json_close(struct out *o, char c)
{
	if (!o->json)
		return;
	fputc(c, o->f);
	if (o->depth > 0)
		o->depth--;
}

void out_array_begin(struct out *o, const char *key)
{
	json_open(o, key, '[');
}

void out_array_end(struct out *o)
{
	json_close(o, ']');
}

void out_object_begin(struct out *o, const char *key)
{
	json_open(o, key, '{');
}

void out_object_end(struct out *o)
{
	json_close(o, '}');
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
void out_str(struct out *o, const char *key, const char *fmt, const char *value)
{
	if (o->json) {
		json_key(o, key);
		if (value)
			json_string(o->f, value);
		else
			fputs("null", o->f);
	} else if (fmt && value) {
		fprintf(o->f, fmt, value);
	}
}

void out_u64(struct out *o, const char *key, const char *fmt, uint64_t value)
{
	if (o->json) {
		json_key(o, key);
		fprintf(o->f, "%" PRIu64, value);
	} else if (fmt) {
		fprintf(o->f, fmt, value);
	}
}

void out_bool(struct out *o, const char *key, const char *fmt, bool value)
{
	if (o->json) {
		json_key(o, key);
		fputs(value ? "true" : "false", o->f);
	} else if (fmt && value) {
		fputs(fmt, o->f);
	}
}

void out_text(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->json)
		return;
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
}
#pragma GCC diagnostic pop

void out_null(struct out *o, const char *key)
{
	if (o->json) {
		json_key(o, key);
		fputs("null", o->f);
	}
}

void out_finish(struct out *o)
{
	if (o->json)
		fputc('\n', o->f);
	fflush(o->f);
}
