// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "hooks.h"

extern char **environ;

/* Interface names may hold shell metacharacters (only '/', ':' and white
 * space are excluded), so anything beyond a plain word is single-quoted. */
static char *hook_quote(const char *name)
{
	size_t len = strlen(name);
	bool plain = len > 0;
	char *out, *p;

	for (const char *c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("._-+@", *c))
			plain = false;
	if (plain)
		return strdup(name);
	out = malloc(len * 4 + 3);
	if (!out)
		return NULL;
	p = out;
	*p++ = '\'';
	for (const char *c = name; *c; c++) {
		if (*c == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *c;
		}
	}
	*p++ = '\'';
	*p = '\0';
	return out;
}

static char *hook_expand(const char *cmd, const char *raw_name)
{
	char *name = hook_quote(raw_name);
	size_t nlen, len = 0;
	char *out, *p;

	if (!name)
		return NULL;
	nlen = strlen(name);

	for (const char *c = cmd; *c; c++)
		len += (c[0] == '%' && c[1] == 'i') ? nlen : 1;
	out = malloc(len + 1);
	if (!out)
		goto out;
	p = out;
	for (const char *c = cmd; *c; c++) {
		if (c[0] == '%' && c[1] == 'i') {
			memcpy(p, name, nlen);
			p += nlen;
			c++;
		} else if (c[0] == '%' && c[1] == '%') {
			*p++ = '%';
			c++;
		} else {
			*p++ = *c;
		}
	}
	*p = '\0';
out:
	free(name);
	return out;
}

int hook_run(const char *cmd, const char *name)
{
	char *argv[4] = { "sh", "-c", NULL, NULL };
	pid_t pid;
	int status, ret;

	if (!cmd || !*cmd)
		return 0;
	argv[2] = hook_expand(cmd, name);
	if (!argv[2])
		return -ENOMEM;
	ret = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
	if (ret) {
		ret = -ret;
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ret = -errno;
			goto out;
		}
	}
	ret = (WIFEXITED(status) && WEXITSTATUS(status) == 0) ? 0 : -ECHILD;
out:
	free(argv[2]);
	return ret;
}
