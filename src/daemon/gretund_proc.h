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
/* How a new gretund process (a worker or a successor) is run. */
struct gd_exec {
	char path[4096];	/* $GRETUND, else our own binary */
	char *argv[9];
	char fdarg[32], openerarg[32];
};

/* x: the binary, with --FDOPT=FD, the options o carries, and --supervised
 * if supervised. */
void gd_exec_prepare(struct gd_exec *x, const char *fdopt, int fd, const struct gd_options *o,
		     bool supervised);
/* In the child, before execv: signals unblocked, fd and o's opener kept. */
void gd_exec_child_prepare(int fd, const struct gd_options *o);
/* A daemon's stdin, stdout and stderr on /dev/null (nobody reads them). */
void gd_stdio_null(void);
/* FILE in gretund's own runtime directory, made if missing. */
int gd_run_path(char *buf, size_t size, const char *file);
/* Write path atomically (temporary file + rename). */
int gd_file_replace(const char *path, const char *data, size_t len);

#endif
