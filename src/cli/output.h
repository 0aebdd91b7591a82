/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One print path for text and JSON (iproute2's print_*(PRINT_ANY, ...) idea):
 * every value is emitted once with its JSON key and its text format; the
 * mode decides which is written. Keys are stable: only ever add.
 */
#ifndef GRETUN_OUTPUT_H
#define GRETUN_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"

struct out {
	FILE *f;
	bool json;
	struct json_writer w;	/* the JSON form goes through json.h */
};

void out_init(struct out *o, FILE *f, bool json);
/* Containers: key NULL inside arrays or at top level. Text mode prints
 * nothing for them. */
void out_array_begin(struct out *o, const char *key);
void out_array_end(struct out *o);
void out_object_begin(struct out *o, const char *key);
void out_object_end(struct out *o);
/* Scalars: fmt is the text form (printf with one %s / PRIu64 / ...), NULL
 * means "JSON only". */
void out_str(struct out *o, const char *key, const char *fmt, const char *value);
void out_u64(struct out *o, const char *key, const char *fmt, uint64_t value);
void out_bool(struct out *o, const char *key, const char *fmt, bool value);
void out_null(struct out *o, const char *key);
/* Text only (JSON mode ignores it). */
void out_text(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ends the document: a newline after the JSON value. */
void out_finish(struct out *o);

#endif
