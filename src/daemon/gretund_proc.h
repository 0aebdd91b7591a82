/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gretund_proc.c: this process as others find it: the pid file, systemd
 * notifications, the binary a new process runs; and the files in gretund's
 * runtime directory. */
#ifndef GRETUN_GRETUND_PROC_H
#define GRETUN_GRETUND_PROC_H

#include "gretund.h"

int gd_pidfile_write(pid_t pid);
int gd_pidfile_read(pid_t *pid);
void gd_pidfile_remove(void);
/* One sd_notify datagram to $NOTIFY_SOCKET, by hand. */
void gd_notify(const char *msg);
/* The gretund binary for a new process: $GRETUND, else our own path. */
void gd_self_path(char *buf, size_t size);
/* A daemon's stdin, stdout and stderr on /dev/null (nobody reads them). */
void gd_stdio_null(void);
/* FILE in gretund's own runtime directory, made if missing. */
int gd_run_path(char *buf, size_t size, const char *file);
/* Write path atomically (temporary file + rename). */
int gd_file_replace(const char *path, const char *data, size_t len);

#endif
