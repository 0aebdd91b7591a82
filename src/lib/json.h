/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one JSON writer and the one JSON reader of gretun: gretunctl's -j
 * output (output.c), gretund's control replies and the client that parses
 * them all go through here, so that escaping and strictness are decided in
 * one place. Pure code: no allocation, no I/O beyond the FILE* a writer is
 * given.
 */
#ifndef GRETUN_JSON_H
#define GRETUN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- writer ------------------------------------------------------------ */

#define JSON_NEST_MAX	16

/* Writes into f, or (f NULL) into buf[size] NUL-terminated; a document that
 * does not fit sets overflow and stops growing, never a cut string. */
struct json_writer {
	FILE *f;
	char *buf;
	size_t size, len;
	bool overflow;
	int depth;
	bool need_comma[JSON_NEST_MAX];
};

void json_init_file(struct json_writer *w, FILE *f);
void json_init_buf(struct json_writer *w, char *buf, size_t size);
/* key NULL inside arrays and at the top level. */
void json_object_begin(struct json_writer *w, const char *key);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w, const char *key);
void json_array_end(struct json_writer *w);
/* s NULL writes null. Escaped as json_quote does. */
void json_str(struct json_writer *w, const char *key, const char *s);
void json_u64(struct json_writer *w, const char *key, uint64_t v);
void json_i64(struct json_writer *w, const char *key, int64_t v);
void json_bool(struct json_writer *w, const char *key, bool v);
void json_null(struct json_writer *w, const char *key);
/* Raw bytes, for the separator-free tail of a line ("\n"). */
void json_raw(struct json_writer *w, const char *s);
/* 0, or -ENOSPC if a buffer writer overflowed. */
int json_writer_status(const struct json_writer *w);

/* s as a JSON string, quotes included, into buf: '"', '\\', control bytes
 * and DEL as \u00XX escapes ('"' and '\\' as \" and \\), valid UTF-8 kept,
 * any other byte as U+FFFD. Never an invalid document, whatever s holds.
 * 0, or -ENOSPC (buf then holds ""). */
int json_quote(char *buf, size_t size, const char *s);

/* ---- reader -------------------------------------------------------------- */

enum json_type {
	JSON_STRING,
	JSON_NUMBER,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL,
};

/* Called for each scalar with its dotted path ("stats.drops.key"; array
 * members get "[]" appended to the array's path). Non-zero return stops. */
typedef int (*json_cb)(const char *path, enum json_type type, const char *val, void *data);
/* One JSON object, optionally followed by whitespace. Depth, string and
 * number sizes are limited; numbers are integers only; \u escapes above
 * ASCII read as '?'. 0 or -EBADMSG (or the callback's non-zero return). */
int json_parse(const char *s, size_t len, json_cb cb, void *data);

#endif
