// SPDX-License-Identifier: GPL-2.0-or-later
/* json.h: the writer (escaping, nesting, bounded buffers) and the strict
 * reader, and that what one writes the other reads back. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "suite.h"

static int count_cb(const char *path, enum json_type type, const char *val, void *data)
{
	(*(int *)data)++;
	return 0;
}

START_TEST(test_json_strict)
{
	static const char *const bad[] = {
		"", "[]", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":1.5}", "{\"a\":1e3}",
		"{\"a\":01}", "{\"a\":tru}", "{\"a\":\"x}", "{\"a\":\"\\q\"}", "{\"a\":\"\\u12\"}",
		"{\"a\":1} x", "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{}}}}}}", "{\"a.b\":1}",
		"{\"a\":123456789012345678901234}", "{\"a\":\"\x01\"}", "{\"a\":[1,]}", "{'a':1}",
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(json_parse(bad[i], strlen(bad[i]), NULL, NULL) < 0,
			      "accepted: %s", bad[i]);
	const char *good = "{\"a\":[\"x\",\"y\"],\"b\":{\"c\":null},\"d\":-1}\n";

	ck_assert_int_eq(json_parse(good, strlen(good), count_cb, &n), 0);
	ck_assert_int_eq(n, 4);
}
END_TEST

static int str_cb(const char *path, enum json_type type, const char *val, void *data)
{
	if (type == JSON_STRING && !strcmp(path, "s"))
		snprintf(data, 64, "%s", val);
	return 0;
}

START_TEST(test_json_quote)
{
	static const struct {
		const char *in, *json, *back;
	} v[] = {
		{ "a\"b", "\"a\\\"b\"", "a\"b" },
		{ "a\\b", "\"a\\\\b\"", "a\\b" },
		{ "a\nb\x01", "\"a\\u000ab\\u0001\"", "a\nb\x01" },
		{ "\xc3\xa9" "1", "\"\xc3\xa9" "1\"", "\xc3\xa9" "1" },	/* UTF-8 kept */
		{ "\xe9" "1", "\"\\ufffd1\"", "?1" },			/* Latin-1 is not */
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"", "??" },		/* overlong '/' */
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", "???" },	/* surrogate */
		{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"", "\xf0\x9f\x98\x80" },
		{ "", "\"\"", "" },
	};
	char buf[64], doc[96], back[64];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_int_eq(json_quote(buf, sizeof(buf), v[i].in), 0);
		ck_assert_str_eq(buf, v[i].json);
		snprintf(doc, sizeof(doc), "{\"s\":%s}", buf);
		back[0] = '\0';
		ck_assert_int_eq(json_parse(doc, strlen(doc), str_cb, back), 0);
		ck_assert_str_eq(back, v[i].back);
	}
	ck_assert_int_eq(json_quote(buf, 5, "abc\""), -ENOSPC);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(json_quote(buf, 6, "abc"), 0);
	ck_assert_str_eq(buf, "\"abc\"");
}
END_TEST

START_TEST(test_writer_buf)
{
	char buf[256];
	struct json_writer w;

	json_init_buf(&w, buf, sizeof(buf));
	json_object_begin(&w, NULL);
	json_bool(&w, "ok", true);
	json_str(&w, "name", "gre\"1");
	json_u64(&w, "big", UINT64_MAX);
	json_i64(&w, "neg", -42);
	json_null(&w, "none");
	json_str(&w, "nul", NULL);
	json_array_begin(&w, "a");
	json_str(&w, NULL, "x");
	json_array_begin(&w, NULL);
	json_array_end(&w);
	json_object_begin(&w, NULL);
	json_bool(&w, "f", false);
	json_object_end(&w);
	json_array_end(&w);
	json_object_begin(&w, "empty");
	json_object_end(&w);
	json_object_end(&w);
	ck_assert_int_eq(json_writer_status(&w), 0);
	ck_assert_str_eq(buf, "{\"ok\":true,\"name\":\"gre\\\"1\",\"big\":18446744073709551615,"
			 "\"neg\":-42,\"none\":null,\"nul\":null,\"a\":[\"x\",[],{\"f\":false}],"
			 "\"empty\":{}}");
	ck_assert_uint_eq(w.len, strlen(buf));
}
END_TEST

/* A document that does not fit is flagged, never cut inside a value. */
START_TEST(test_writer_overflow)
{
	char buf[12];
	struct json_writer w;

	json_init_buf(&w, buf, sizeof(buf));
	json_object_begin(&w, NULL);
	json_str(&w, "k", "v");
	ck_assert_int_eq(json_writer_status(&w), 0);
	ck_assert_str_eq(buf, "{\"k\":\"v\"");
	json_str(&w, "long", "value");
	ck_assert_int_eq(json_writer_status(&w), -ENOSPC);
	ck_assert_uint_lt(strlen(buf), sizeof(buf));
	json_init_buf(&w, buf, 0);
	ck_assert_int_eq(json_writer_status(&w), -ENOSPC);
}
END_TEST

/* The FILE* writer emits the very bytes the buffer writer does. */
START_TEST(test_writer_file)
{
	char buf[128], *mem = NULL;
	size_t memlen = 0;
	struct json_writer a, b;
	FILE *f = open_memstream(&mem, &memlen);

	ck_assert_ptr_nonnull(f);
	json_init_file(&a, f);
	json_init_buf(&b, buf, sizeof(buf));
	for (struct json_writer *w = &a; w; w = w == &a ? &b : NULL) {
		json_array_begin(w, NULL);
		json_object_begin(w, NULL);
		json_str(w, "n", "t\x01\xff");
		json_u64(w, "m", 1500);
		json_object_end(w);
		json_array_end(w);
		json_raw(w, "\n");
	}
	fclose(f);
	ck_assert_str_eq(mem, buf);
	ck_assert_str_eq(buf, "[{\"n\":\"t\\u0001\\ufffd\",\"m\":1500}]\n");
	free(mem);
}
END_TEST

/* Whatever the writer makes of any bytes, the reader accepts. */
START_TEST(test_roundtrip_bytes)
{
	char in[4], buf[64];
	int n;

	for (unsigned int b = 1; b < 256; b++) {
		in[0] = (char)b;
		in[1] = 'x';
		in[2] = '\0';
		snprintf(buf, sizeof(buf), "{\"s\":");
		ck_assert_int_eq(json_quote(buf + 5, sizeof(buf) - 6, in), 0);
		strcat(buf, "}");
		n = 0;
		ck_assert_msg(json_parse(buf, strlen(buf), count_cb, &n) == 0, "refused %s", buf);
		ck_assert_int_eq(n, 1);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_json_strict);
	tcase_add_test(tc, test_json_quote);
	tcase_add_test(tc, test_writer_buf);
	tcase_add_test(tc, test_writer_overflow);
	tcase_add_test(tc, test_writer_file);
	tcase_add_test(tc, test_roundtrip_bytes);
	suite_add_tcase(s, tc);
	return check_run(s);
}
