/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gretund's one way to say something: a line "gretund: MESSAGE" on stderr
 * (systemd's journal and the --daemon parent both take stderr). prio is a
 * syslog(3) level (LOG_ERR, LOG_WARNING, LOG_INFO), kept so that a
 * syslog target, if one is ever wanted, is a change in one place.
 */
#ifndef GRETUN_GRETUND_LOG_H
#define GRETUN_GRETUND_LOG_H

#include <syslog.h>

void gd_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
