// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The log helper (gretund_log.h). The line is formatted first and written
 * with one call, so that the supervisor's and a worker's lines, which share
 * stderr, do not interleave mid-line.
 */
#include <stdarg.h>
#include <stdio.h>

#include "gretund_log.h"

void gd_log(int prio, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	(void)prio;	/* stderr only, whatever the level */
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "gretund: %s\n", line);
}
