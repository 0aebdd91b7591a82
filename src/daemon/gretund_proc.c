// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * This process as others find it (gretund_proc.h): the pid file a
 * supervisor follows across a handover, READY=1 and MAINPID= for systemd
 * (sd_notify by hand, without libsystemd), the binary a new process runs;
 * and the atomic file writes the pid and state files share.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "gretund_proc.h"
#include "runtime.h"

void gd_notify(const char *m)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(sun.sun_path))
		return;
	memcpy(sun.sun_path, path, len);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, m, strlen(m), MSG_NOSIGNAL, (struct sockaddr *)&sun,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}

/* Made by runtime_daemon_dir_prepare() while still root; a gretund started
 * without root makes it now. */
int gd_run_path(char *buf, size_t size, const char *file)
{
	char dir[256];
	int ret = runtime_dir(dir, sizeof(dir), true), n;

	if (ret)
		return ret;
	n = snprintf(buf, size, "%s/%s", dir, RUNTIME_DAEMON_DIR);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	n = snprintf(buf, size, "%s/%s/%s", dir, RUNTIME_DAEMON_DIR, file);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int gd_file_replace(const char *path, const char *data, size_t len)
{
	char tmp[300];
	ssize_t n;
	int fd, ret = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	if (n < 0 || (size_t)n != len)
		ret = n < 0 ? -errno : -EIO;
	close(fd);
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

int gd_pidfile_write(pid_t pid)
{
	char path[300], b[32];

	if (gd_run_path(path, sizeof(path), "gretund.pid"))
		return -ENAMETOOLONG;
	snprintf(b, sizeof(b), "%d\n", (int)pid);
	return gd_file_replace(path, b, strlen(b));
}

int gd_pidfile_read(pid_t *pid)
{
	char path[300], b[32] = "";
	ssize_t n;
	int fd;

	if (gd_run_path(path, sizeof(path), "gretund.pid"))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (n <= 0)
		return -EINVAL;
	*pid = (pid_t)atoi(b);
	return *pid > 0 ? 0 : -EINVAL;
}

void gd_pidfile_remove(void)
{
	char path[300];

	if (!gd_run_path(path, sizeof(path), "gretund.pid"))
		unlink(path);
}

/* The gretund binary for a new process: $GRETUND, else our own path. */
static void self_path(char *buf, size_t size)
{
	const char *env = getenv("GRETUND");
	ssize_t n;

	if (env && *env == '/') {
		snprintf(buf, size, "%s", env);
		return;
	}
	/* the binary on disk now: after an upgrade the link reads
	 * "PATH (deleted)" and PATH is the new binary */
	n = readlink("/proc/self/exe", buf, size - 1);
	if (n <= 0) {
		snprintf(buf, size, "%s/gretund", SBINDIR);
		return;
	}
	buf[n] = '\0';
	if ((size_t)n > 10 && !strcmp(buf + n - 10, " (deleted)"))
		buf[n - 10] = '\0';
}

void gd_stdio_null(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	}
}

void gd_exec_prepare(struct gd_exec *x, const char *fdopt, int fd, const struct gd_options *o,
		     bool supervised)
{
	int argc = 0;

	self_path(x->path, sizeof(x->path));
	snprintf(x->fdarg, sizeof(x->fdarg), "--%s=%d", fdopt, fd);
	x->argv[argc++] = "gretund";
	x->argv[argc++] = x->fdarg;
	if (o->persistent)
		x->argv[argc++] = "--persistent";
	if (supervised)
		x->argv[argc++] = "--supervised";
	if (o->user) {
		x->argv[argc++] = "--user";
		x->argv[argc++] = (char *)o->user;
	}
	if (o->opener_fd >= 0) {
		snprintf(x->openerarg, sizeof(x->openerarg), "--opener-fd=%d", o->opener_fd);
		x->argv[argc++] = x->openerarg;
	}
	x->argv[argc] = NULL;
}

void gd_exec_child_prepare(int fd, const struct gd_options *o)
{
	sigset_t all;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	fcntl(fd, F_SETFD, 0);
	if (o->opener_fd >= 0)
		fcntl(o->opener_fd, F_SETFD, 0);
}
