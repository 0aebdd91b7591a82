// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gretund: the userspace GRE data plane. main, options and lifecycle:
 * foreground by default, --daemon returns once the control socket accepts,
 * systemd socket activation by hand (LISTEN_PID/LISTEN_FDS, sd_notify
 * READY=1 over $NOTIFY_SOCKET) without libsystemd.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gretund.h"

#define SD_LISTEN_FDS_START 3

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gretund [--daemon] [--persistent] [--user USER]\n"
		"  -d, --daemon      fork, return when the control socket accepts\n"
		"  -p, --persistent  keep running when the last tunnel is destroyed\n"
		"  -u, --user USER   run as USER, keeping CAP_NET_ADMIN and CAP_NET_RAW\n"
		"  -h, --help        this text\n"
		"  -V, --version     print the version\n");
}

void gd_tick(struct gd *gd)
{
	time_t now = time(NULL);

	for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next)
		if (now - gt->pmtu_at >= GD_PMTU_REFRESH)
			gd_tunnel_refresh_pmtu(gt, now);
	if (!gd->persistent && !gd->n_tunnels && gd->idle_since &&
	    now - gd->idle_since >= GD_IDLE_EXIT)
		gd->stop = true;
}

static void signal_event(struct gd *gd, struct gd_watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	if (read(w->fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		gd->stop = true;
}

/* sd_notify("READY=1") by hand: one datagram to $NOTIFY_SOCKET. */
static void notify_ready(void)
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
	sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&sun,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}

/* The listening fd systemd passed, or -1. */
static int activation_fd(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (!pid || !fds || atol(pid) != (long)getpid() || atoi(fds) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return SD_LISTEN_FDS_START;
}

static void tunnels_close_keep(struct gd *gd)
{
	while (gd->tunnels) {
		struct gd_tunnel *gt = gd->tunnels;

		gd_loop_del(gd, &gt->w);
		/* persist stays set: devices, addresses and routes survive a
		 * restart, the next gretund reattaches on create */
		gd_dev_close(gt->w.fd, true);
		gd_table_remove(gd, gt);
		free(gt);
	}
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "daemon", no_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "persistent", no_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct gd gd = { .epfd = -1, .ctl = { .fd = -1 } };
	struct gd_watch sigw = { .fd = -1, .fn = signal_event };
	const char *user = NULL;
	bool daemonize = false;
	int c, ret, lfd, ready[2] = { -1, -1 }, status = 1;
	sigset_t mask;

	while ((c = getopt_long(argc, argv, "dfpu:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			daemonize = true;
			break;
		case 'f':
			daemonize = false;
			break;
		case 'p':
			gd.persistent = true;
			break;
		case 'u':
			user = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("gretund %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "gretund: unexpected argument `%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	if (daemonize) {
		pid_t pid;
		char b;

		if (pipe2(ready, O_CLOEXEC)) {
			fprintf(stderr, "gretund: pipe: %s\n", strerror(errno));
			return 1;
		}
		pid = fork();
		if (pid < 0) {
			fprintf(stderr, "gretund: fork: %s\n", strerror(errno));
			return 1;
		}
		if (pid > 0) {
			close(ready[1]);
			if (read(ready[0], &b, 1) == 1)
				return 0;
			/* the child said why on stderr before dying */
			waitpid(pid, &status, 0);
			return WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : 1;
		}
		close(ready[0]);
		setsid();
	}

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	lfd = activation_fd();
	if (lfd >= 0) {
		gd.persistent = true;	/* systemd starts us again on demand */
	} else {
		ret = gd_ctl_listen(&lfd);
		if (ret == -EADDRINUSE) {
			fprintf(stderr, "gretund: another gretund is already running in this "
				"network namespace (@gretun/gretund is in use)\n");
			goto out;
		}
		if (ret) {
			fprintf(stderr, "gretund: cannot listen on @gretun/gretund: %s\n",
				strerror(-ret));
			goto out;
		}
	}
	ret = gd_priv_drop(user);
	if (ret) {
		fprintf(stderr, "gretund: cannot drop privileges%s%s: %s\n",
			user ? " to user " : "", user ? user : "",
			ret == -ESRCH ? "no such user" : strerror(-ret));
		close(lfd);
		goto out;
	}
	gd.buf = malloc(GD_HEADROOM + GD_BUF_SIZE);
	sigw.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (!gd.buf || sigw.fd < 0 || (ret = gd_loop_init(&gd)) ||
	    (ret = gd_ctl_start(&gd, lfd)) || (ret = gd_loop_add(&gd, &sigw, EPOLLIN))) {
		fprintf(stderr, "gretund: cannot start: %s\n", strerror(ret ? -ret : ENOMEM));
		goto out;
	}
	gd.idle_since = time(NULL);
	notify_ready();
	if (daemonize) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			close(null);
		}
		if (write(ready[1], "1", 1) != 1)
			goto out;
		close(ready[1]);
		ready[1] = -1;
	}
	ret = gd_loop_run(&gd);
	if (ret)
		fprintf(stderr, "gretund: event loop: %s\n", strerror(-ret));
	status = ret ? 1 : 0;
out:
	gd_ctl_stop(&gd);
	tunnels_close_keep(&gd);
	gd_sock_close_all(&gd);
	if (sigw.fd >= 0)
		close(sigw.fd);
	gd_loop_fini(&gd);
	free(gd.buf);
	return status;
}
