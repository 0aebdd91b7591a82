// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gretund: the userspace GRE data plane. main, options and lifecycle:
 * foreground by default, --daemon returns once the control socket accepts,
 * systemd socket activation by hand (LISTEN_PID/LISTEN_FDS, sd_notify
 * READY=1 over $NOTIFY_SOCKET) without libsystemd. In --daemon mode the
 * daemon is a supervisor with a worker (gretund_supervisor.c); SIGHUP and
 * the `restart` request hand over to a new process (gretund_restart.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
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
#include "gretund_log.h"
#include "gretund_proto.h"
#include "runtime.h"

#define SD_LISTEN_FDS_START 3

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gretund [--daemon] [--persistent] [--user USER]\n"
		"  -d, --daemon      fork, return when the control socket accepts\n"
		"  -p, --persistent  keep running when the last tunnel is destroyed\n"
		"  -u, --user USER   run as USER, keeping CAP_NET_ADMIN and CAP_NET_RAW\n"
		"  (internal: --takeover=FD, --listen-fd=FD, --opener-fd=FD, --supervised;\n"
		"   see gretund(8))\n"
		"  -h, --help        this text\n"
		"  -V, --version     print the version\n");
}

void gd_tick(struct gd *gd)
{
	time_t now = time(NULL);
	/* A refresh costs a socket, a connect and a getsockopt: only tunnels
	 * that sent since their last one need it (an idle tunnel's first
	 * packets use the old value; a send refused as too big refreshes at
	 * once), and at most 32 a tick so 1,000 do not stall forwarding. */
	unsigned int refresh_budget = 32;

	for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next) {
		if (now - gt->pmtu_at >= GD_PMTU_REFRESH && refresh_budget &&
		    gt->st.tx_packets != gt->pmtu_tx) {
			gd_tunnel_refresh_pmtu(gt, now);
			refresh_budget--;
		}
		if (!gd->restart)
			gd_keepalive_tick(gd, gt, now);
	}
	gd_restart_tick(gd, now);
	/* tunnels whose device was deleted (seen by the data path) */
	if (!gd->restart)
		gd_tunnels_reap(gd, false);
	/* counters and sequence numbers for crash recovery, once a second */
	if (gd->n_tunnels && !gd->restart && gd->takeover_fd < 0 && now != gd->state_saved)
		gd_state_save(gd);
	if (!gd->persistent && !gd->n_tunnels && gd->idle_since &&
	    now - gd->idle_since >= GD_IDLE_EXIT)
		gd->stop = true;
	/* a stat a second; a scan of /run/netns only when the name went (the
	 * namespace may have another) */
	if (gd->netns_name[0] && !gd->restart && !runtime_netns_is_named(gd->netns_name) &&
	    runtime_netns_name(gd->netns_name, sizeof(gd->netns_name)) == -ENOENT) {
		gd->netns_gone = true;
		gd->stop = true;
	}
}

static void signal_event(struct gd *gd, struct gd_watch *w, uint32_t events)
{
	struct signalfd_siginfo si;
	char err[CTL_ERR_MAX];

	if (read(w->fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	if (si.ssi_signo == SIGHUP) {
		/* reload: the same handover as `gretunctl restart` */
		if (gd_restart_begin(gd, NULL, err, sizeof(err)))
			gd_log(LOG_ERR, "restart: %s", err);
		return;
	}
	gd->stop = true;
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

/* persist: devices, addresses and routes survive a restart, the next
 * gretund reattaches on create; else the devices go with their fds. */
static void tunnels_close(struct gd *gd, bool persist)
{
	while (gd->tunnels) {
		struct gd_tunnel *gt = gd->tunnels;

		gd_loop_del(gd, &gt->w);
		gd_dev_close(gt->w.fd, persist);
		gd_table_remove(gd, gt);
		free(gt);
	}
}

/* A worker that will run as another user cannot open a 0600 /dev/net/tun:
 * while still root, start the process that opens it for us and every
 * worker after us (gretund_opener.c), unless one was handed down. */
static int opener_ensure(struct gd_options *o)
{
	if (!o->user || o->opener_fd >= 0 || geteuid() != 0)
		return 0;
	return gd_opener_start(&o->opener_fd, NULL);
}

/* While still root: the directory for the pid and state files, owned by
 * the user we are about to become. Not fatal: without it a crash loses the
 * counters and a restart cannot be followed by a supervisor, as before. */
static void daemon_dir_prepare(const char *user)
{
	struct passwd *pw = NULL;
	int ret;

	if (geteuid() != 0)
		return;
	if (user && !(pw = getpwnam(user)))
		return;	/* gd_priv_drop says so */
	ret = runtime_daemon_dir_prepare(pw ? pw->pw_uid : 0, pw ? pw->pw_gid : 0);
	if (ret)
		gd_log(LOG_ERR, "cannot prepare the runtime directory: %s",
			strerror(-ret));
}

static int fd_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v >= 0 && v < 65536 ? (int)v : -1;
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
		{ "takeover", required_argument, NULL, 'T' },
		{ "listen-fd", required_argument, NULL, 'L' },
		{ "supervised", no_argument, NULL, 'S' },
		{ "opener-fd", required_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 },
	};
	struct gd gd = { .epfd = -1, .ctl = { .fd = -1 }, .takeover_fd = -1, .opener_fd = -1 };
	struct gd_watch sigw = { .fd = -1, .fn = signal_event };
	struct gd_options o = { .opener_fd = -1 };
	bool daemonize = false;
	int c, ret, lfd = -1, ready[2] = { -1, -1 }, status = 1, takeover = -1;
	char err[CTL_ERR_MAX] = "";
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
			o.user = optarg;
			break;
		case 'T':
			takeover = fd_arg(optarg);
			if (takeover < 0) {
				gd_log(LOG_ERR, "invalid --takeover `%s'", optarg);
				return 2;
			}
			break;
		case 'L':
			lfd = fd_arg(optarg);
			if (lfd < 0) {
				gd_log(LOG_ERR, "invalid --listen-fd `%s'", optarg);
				return 2;
			}
			break;
		case 'S':
			gd.supervised = true;
			break;
		case 'O':
			o.opener_fd = fd_arg(optarg);
			if (o.opener_fd < 0) {
				gd_log(LOG_ERR, "invalid --opener-fd `%s'", optarg);
				return 2;
			}
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
		gd_log(LOG_ERR, "unexpected argument `%s'", argv[optind]);
		usage(stderr);
		return 2;
	}
	o.persistent = gd.persistent;
	gd.user = o.user;
	if (takeover >= 0 || lfd >= 0)
		daemonize = false;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	if (daemonize) {
		bool is_worker;
		pid_t pid;
		char b;

		if (pipe2(ready, O_CLOEXEC)) {
			gd_log(LOG_ERR, "pipe: %s", strerror(errno));
			return 1;
		}
		pid = fork();
		if (pid < 0) {
			gd_log(LOG_ERR, "fork: %s", strerror(errno));
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
		/* the supervisor holds the control socket: clients wait in its
		 * backlog while a crashed worker is replaced */
		ret = gd_ctl_listen(&lfd);
		if (ret == -EADDRINUSE) {
			gd_log(LOG_ERR, "another gretund is already running in this "
				"network namespace (@gretun/gretund is in use)");
			return 1;
		}
		if (ret) {
			gd_log(LOG_ERR, "cannot listen on @gretun/gretund: %s",
				strerror(-ret));
			return 1;
		}
		ret = opener_ensure(&o);
		if (ret) {
			gd_log(LOG_ERR, "cannot start the TUN/TAP opener: %s",
				strerror(-ret));
			return 1;
		}
		status = gd_supervise(lfd, ready[1], &o, &is_worker);
		if (!is_worker)
			return status;
		gd.supervised = true;
		status = 1;
	}

	if (takeover >= 0) {
		lfd = -1;	/* it comes with the handover */
	} else if (lfd < 0) {
		lfd = activation_fd();
		if (lfd >= 0)
			gd.persistent = true;	/* systemd starts us again on demand */
	}
	if (takeover < 0 && lfd < 0) {
		ret = gd_ctl_listen(&lfd);
		if (ret == -EADDRINUSE) {
			gd_log(LOG_ERR, "another gretund is already running in this "
				"network namespace (@gretun/gretund is in use)");
			goto out;
		}
		if (ret) {
			gd_log(LOG_ERR, "cannot listen on @gretun/gretund: %s",
				strerror(-ret));
			goto out;
		}
	}
	ret = opener_ensure(&o);
	if (ret) {
		gd_log(LOG_ERR, "cannot start the TUN/TAP opener: %s", strerror(-ret));
		if (lfd >= 0)
			close(lfd);
		goto out;
	}
	gd.opener_fd = o.opener_fd;
	daemon_dir_prepare(o.user);
	ret = gd_priv_drop(o.user);
	/* a successor of a gretund that already dropped them cannot drop from
	 * the bounding set again (no CAP_SETPCAP): what is left is the same */
	if (ret == -EPERM && (takeover >= 0 || gd.supervised))
		ret = 0;
	if (ret) {
		gd_log(LOG_ERR, "cannot drop privileges%s%s: %s",
			o.user ? " to user " : "", o.user ? o.user : "",
			ret == -ESRCH ? "no such user" : strerror(-ret));
		if (lfd >= 0)
			close(lfd);
		goto out;
	}
	gd.buf = malloc(GD_HEADROOM + GD_BUF_SIZE);
	sigw.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (!gd.buf || sigw.fd < 0 || (ret = gd_loop_init(&gd)) ||
	    (ret = gd_loop_add(&gd, &sigw, EPOLLIN))) {
		gd_log(LOG_ERR, "cannot start: %s", strerror(ret ? -ret : ENOMEM));
		goto out;
	}
	if (takeover >= 0) {
		ret = gd_takeover(&gd, takeover, err, sizeof(err));
		if (!ret)
			ret = gd_takeover_finish(&gd);
		if (ret) {
			gd_log(LOG_ERR, "takeover: %s", err[0] ? err : strerror(-ret));
			goto out;
		}
	} else {
		ret = gd_ctl_start(&gd, lfd);
		if (!ret)
			ret = gd_state_load(&gd, err, sizeof(err));
		if (ret) {
			gd_log(LOG_ERR, "cannot start: %s", err[0] ? err : strerror(-ret));
			goto out;
		}
		gd_pidfile_write(getpid());
		gd_notify("READY=1");
	}
	gd.idle_since = time(NULL);
	if (runtime_netns_name(gd.netns_name, sizeof(gd.netns_name)) < 0)
		gd.netns_name[0] = '\0';
	if (daemonize) {
		gd_stdio_null();
		if (write(ready[1], "1", 1) != 1)
			goto out;
		close(ready[1]);
		ready[1] = -1;
	}
	ret = gd_loop_run(&gd);
	if (ret)
		gd_log(LOG_ERR, "event loop: %s", strerror(-ret));
	status = ret ? 1 : 0;
	if (gd.handed_over) {
		status = gd.supervised ? GD_EXIT_HANDOVER : 0;
	} else if (gd.netns_gone) {
		/* nobody can reach the namespace by name any more: its devices
		 * and its state under /run/gretun go with us */
		gd_log(LOG_INFO, "network namespace %s was deleted: exiting",
			gd.netns_name);
		tunnels_close(&gd, false);
		runtime_dir_remove();
	} else if (!ret) {
		gd_state_remove();	/* a clean stop: nothing to recover */
		runtime_dir_prune();	/* after the last down: nothing left */
	}
out:
	gd_ctl_stop(&gd);
	tunnels_close(&gd, true);
	gd_sock_close_all(&gd);
	if (sigw.fd >= 0)
		close(sigw.fd);
	gd_loop_fini(&gd);
	gd_state_fini(&gd);
	free(gd.buf);
	return status;
}
