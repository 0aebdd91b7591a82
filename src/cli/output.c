// SPDX-License-Identifier: GPL-2.0-or-later
/* The text form is printed here; the JSON form is json.h's writer, so that
 * gretunctl and gretund escape alike. */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "output.h"

void out_init(struct out *o, FILE *f, bool json)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->json = json;
	json_init_file(&o->w, f);
}

void out_array_begin(struct out *o, const char *key)
{
	if (o->json)
		json_array_begin(&o->w, key);
}

void out_array_end(struct out *o)
{
	if (o->json)
		json_array_end(&o->w);
}

void out_object_begin(struct out *o, const char *key)
{
	if (o->json)
		json_object_begin(&o->w, key);
}

void out_object_end(struct out *o)
{
	if (o->json)
		json_object_end(&o->w);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
void out_str(struct out *o, const char *key, const char *fmt, const char *value)
{
	if (o->json)
		json_str(&o->w, key, value);
	else if (fmt && value)
		fprintf(o->f, fmt, value);
}

void out_u64(struct out *o, const char *key, const char *fmt, uint64_t value)
{
	if (o->json)
		json_u64(&o->w, key, value);
	else if (fmt)
		fprintf(o->f, fmt, value);
}

void out_bool(struct out *o, const char *key, const char *fmt, bool value)
{
	if (o->json)
		json_bool(&o->w, key, value);
	else if (fmt && value)
		fputs(fmt, o->f);
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
	if (o->json)
		json_null(&o->w, key);
}

void out_finish(struct out *o)
{
	if (o->json)
		json_raw(&o->w, "\n");
	fflush(o->f);
}
