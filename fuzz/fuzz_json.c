// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON reader alone (fuzz_ctl reaches it through the reply parsers,
 * which stop at the first key they dislike), and the writer on whatever
 * strings the reader returns: what it writes must read back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int requote_cb(const char *path, enum json_type type, const char *val, void *data)
{
	char q[6 * 256 + 3], doc[sizeof(q) + 8];

	(void)path;
	(void)data;
	if (type != JSON_STRING)
		return 0;
	if (json_quote(q, sizeof(q), val))
		abort();
	strcpy(doc, "{\"s\":");
	strcat(doc, q);
	strcat(doc, "}");
	if (json_parse(doc, strlen(doc), NULL, NULL))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_parse((const char *)data, size, requote_cb, NULL);
	return 0;
}
