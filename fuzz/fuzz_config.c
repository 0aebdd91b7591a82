// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for gretun.conf(5): the input as a config file, then the
 * same bytes split on newlines as inline OPTION VALUE words.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_WORDS	64

static void fuzz_inline(const uint8_t *data, size_t size)
{
	char *copy, *words[MAX_WORDS], *p, err[512];
	struct tunnel t;
	int n = 0;

	copy = malloc(size + 1);
	if (!copy)
		return;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (p = copy; n < MAX_WORDS;) {
		char *nl = strchr(p, '\n');

		words[n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	tunnel_init(&t);
	if (config_apply_inline(&t, n, words, err, sizeof(err)) == 0)
		config_finalize(&t, err, sizeof(err));
	tunnel_free(&t);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct tunnel t;

	tunnel_init(&t);
	if (config_parse_buffer("fuzz.conf", (const char *)data, size, &t, err, sizeof(err)) == 0) {
		config_finalize(&t, err, sizeof(err));
		(void)config_has_hooks(&t);
	}
	tunnel_free(&t);
	if (size < 4096)
		fuzz_inline(data, size);
	return 0;
}
