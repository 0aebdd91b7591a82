// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gretund: the userspace GRE data plane. main, options and lifecycle:
 * foreground by default, --daemon returns once the control socket accepts,
 * systemd socket activation by hand (LISTEN_PID/LISTEN_FDS, sd_notify
 * READY=1 over $NOTIFY_SOCKET) without libsystemd. In --daemon mode the
 * daemon is a supervisor with a worker (gretund_supervisor.c); SIGHUP and
 * the `restart` request hand over to a new process (gretund_restart.c).
 * main is the one place that knows every part: it wires the table's hooks,
 * the data path's handlers and the tick, and runs the steps below in order.
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
#include <sys/wait.h>
#include <unistd.h>

#include "gretund_ctl.h"
#include "gretund_data.h"
#include "gretund_dev.h"
#include "gretund_fp.h"
#include "gretund_keepalive.h"
#include "gretund_log.h"
#include "gretund_loop.h"
#include "gretund_opener.h"
#include "gretund_priv.h"
#include "gretund_proc.h"
#include "gretund_proto.h"
#include "gretund_restart.h"
#include "gretund_sock.h"
#include "gretund_state.h"
#include "gretund_supervisor.h"
#include "gretund_table.h"
#include "runtime.h"

#define SD_LISTEN_FDS_START 3

/* What main sets up before the event loop and tears down after it. */
struct gd_main {
	bool daemonize;
	int takeover;		/* --takeover=FD, else -1 */
	int lfd;		/* the listening control socket until gd_ctl_start */
	int ready[2];		/* --daemon: the parent waits on ready[0] */
	struct gd_options o;
	struct gd_watch sigw;
	sigset_t mask;
};

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

static void main_tick(struct gd *gd)
{
	time_t now = time(NULL);
	/* A refresh costs a socket, a connect and a getsockopt: only tunnels
	 * that sent since their last one need it (an idle tunnel's first
	 * packets use the old value; a send refused as too big refreshes at
	 * once), and at most 32 a tick so 1,000 do not stall forwarding. */
	unsigned int refresh_budget = 32;

	for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next) {
		/* the fast path's tunnels send without gretund seeing it: their
		 * path MTU every tick (a few system calls each, ~4 ms a second
		 * for 1,000), their route every GD_PMTU_REFRESH */
		if (gt->fp_on)
			gd_fp_tick(gd, gt, now);
		else if (now - gt->pmtu_at >= GD_PMTU_REFRESH && refresh_budget &&
		    gt->st.tx_packets != gt->pmtu_tx) {
			gd_tunnel_refresh_pmtu(gt, now);
			refresh_budget--;
		}
		if (!gd->restart) {
			gd_keepalive_tick(gd, gt, now);
			gd_pka_tick(gd, gt, now);
		}
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
	gd->closing = persist;
	while (gd->tunnels) {
		struct gd_tunnel *gt = gd->tunnels;

		gd_loop_del(gd, &gt->w);
		gd_dev_close(gt->w.fd, persist);
		gd_table_remove(gd, gt, GD_TUNNEL_REMOVED);
		free(gt);
	}
}

/* A worker that will run as another user cannot open a 0600 /dev/net/tun:
 * while still root, start the process that opens it for us and every
 * worker after us (gretund_opener.c), unless one was handed down. */
static int opener_ensure(struct gd_options *o)
{
	int ret;

	if (!o->user || o->opener_fd >= 0 || geteuid() != 0)
		return 0;
	ret = gd_opener_start(&o->opener_fd, NULL);
	if (ret)
		gd_log(LOG_ERR, "cannot start the TUN/TAP opener: %s", strerror(-ret));
	return ret;
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
		gd_log(LOG_ERR, "cannot prepare the runtime directory: %s", strerror(-ret));
}

/* A descriptor number given with an internal option: 0, or -1 said. */
static int fd_arg(const char *opt, const char *s, int *fd)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s && !*end && v >= 0 && v < 65536) {
		*fd = (int)v;
		return 0;
	}
	gd_log(LOG_ERR, "invalid --%s `%s'", opt, s);
	return -1;
}

/* --help or --version. */
static int main_show(int c)
{
	if (c == 'V')
		printf("gretund %s\n", PACKAGE_VERSION);
	else
		usage(stdout);
	return 0;
}

/* -1 to go on, else main's exit status. */
static int main_parse_args(int argc, char *argv[], struct gd *gd, struct gd_main *m)
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
	int c, bad = 0;

	while (!bad && (c = getopt_long(argc, argv, "dfpu:hV", opts, NULL)) != -1) {
		if (c == 'd' || c == 'f')
			m->daemonize = c == 'd';
		else if (c == 'p')
			gd->persistent = true;
		else if (c == 'u')
			m->o.user = optarg;
		else if (c == 'T')
			bad = fd_arg("takeover", optarg, &m->takeover);
		else if (c == 'L')
			bad = fd_arg("listen-fd", optarg, &m->lfd);
		else if (c == 'S')
			gd->supervised = true;
		else if (c == 'O')
			bad = fd_arg("opener-fd", optarg, &m->o.opener_fd);
		else if (c == 'h' || c == 'V')
			return main_show(c);
		else
			bad = 2;
	}
	if (bad == 2)
		usage(stderr);
	if (bad)
		return 2;
	if (optind < argc) {
		gd_log(LOG_ERR, "unexpected argument `%s'", argv[optind]);
		usage(stderr);
		return 2;
	}
	m->o.persistent = gd->persistent;
	gd->user = m->o.user;
	if (m->takeover >= 0 || m->lfd >= 0)
		m->daemonize = false;
	return -1;
}

/* The control socket's name, ours: 0, or -1 said. */
static int main_listen(int *lfd)
{
	int ret = gd_ctl_listen(lfd);

	if (ret == -EADDRINUSE)
		gd_log(LOG_ERR, "another gretund is already running in this "
		       "network namespace (@gretun/gretund is in use)");
	else if (ret)
		gd_log(LOG_ERR, "cannot listen on @gretun/gretund: %s", strerror(-ret));
	return ret ? -1 : 0;
}

/* --daemon: the parent returns when the worker's control socket accepts
 * (or with the worker's exit status); the child becomes the supervisor,
 * and its first worker returns -1 here to carry on in main. */
static int main_daemonize(struct gd *gd, struct gd_main *m)
{
	int status = 1;
	bool is_worker;
	pid_t pid;
	char b;

	if (pipe2(m->ready, O_CLOEXEC)) {
		gd_log(LOG_ERR, "pipe: %s", strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		gd_log(LOG_ERR, "fork: %s", strerror(errno));
		return 1;
	}
	if (pid > 0) {
		close(m->ready[1]);
		if (read(m->ready[0], &b, 1) == 1)
			return 0;
		/* the child said why on stderr before dying */
		waitpid(pid, &status, 0);
		return WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : 1;
	}
	close(m->ready[0]);
	setsid();
	/* the supervisor holds the control socket: clients wait in its
	 * backlog while a crashed worker is replaced */
	if (main_listen(&m->lfd) || opener_ensure(&m->o))
		return 1;
	status = gd_supervise(m->lfd, m->ready[1], &m->o, &is_worker);
	if (!is_worker)
		return status;
	gd->supervised = true;
	return -1;
}

/* The control socket (handed over, from systemd or our own), the opener
 * and the privilege drop: 0, or -1 said. */
static int main_prepare(struct gd *gd, struct gd_main *m)
{
	int ret;

	if (m->takeover >= 0) {
		m->lfd = -1;	/* it comes with the handover */
	} else if (m->lfd < 0) {
		m->lfd = activation_fd();
		if (m->lfd >= 0)
			gd->persistent = true;	/* systemd starts us again on demand */
	}
	if (m->takeover < 0 && m->lfd < 0 && main_listen(&m->lfd))
		return -1;
	if (opener_ensure(&m->o))
		return -1;
	gd->opener_fd = m->o.opener_fd;
	daemon_dir_prepare(m->o.user);
	/* the fast path loads (or is adopted) while we may still load it */
	gd_fp_open(gd);
	/* without one, a crashed predecessor's goes now, while we may still
	 * remove root's pins; a restart's, once the handover is done */
	if (m->takeover < 0)
		gd_fp_scrub(gd);
	ret = gd_priv_drop(m->o.user, gd_fp_needs_cap_bpf(gd));
	/* a successor of a gretund that already dropped them cannot drop from
	 * the bounding set again (no CAP_SETPCAP): what is left is the same */
	if (ret == -EPERM && (m->takeover >= 0 || gd->supervised))
		ret = 0;
	if (ret) {
		gd_log(LOG_ERR, "cannot drop privileges%s%s: %s", m->o.user ? " to user " : "",
		       m->o.user ? m->o.user : "", ret == -ESRCH ? "no such user" : strerror(-ret));
		return -1;
	}
	return 0;
}

/* The loop, the parts wired together, and the tunnels: taken over from
 * the old gretund, or those of the state file. 0, or -1 said. */
static int main_start(struct gd *gd, struct gd_main *m)
{
	char err[CTL_ERR_MAX] = "";
	int ret = 0;

	gd->on.tun = gd_data_tun_event;
	gd->on.raw = gd_data_raw_event;
	gd->on.udp = gd_data_udp_event;
	gd_table_hook_add(gd, gd_keepalive_tunnel_event);
	gd_table_hook_add(gd, gd_fp_tunnel_event);
	gd_table_hook_add(gd, gd_state_tunnel_event);
	gd->data = gd_data_new(&gd->flow_seed);
	m->sigw.fd = signalfd(-1, &m->mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (!gd->data || m->sigw.fd < 0 || (ret = gd_loop_init(gd)) ||
	    (ret = gd_loop_add(gd, &m->sigw, EPOLLIN))) {
		gd_log(LOG_ERR, "cannot start: %s", strerror(ret ? -ret : ENOMEM));
		return -1;
	}
	if (m->takeover >= 0) {
		ret = gd_takeover(gd, m->takeover, err, sizeof(err));
		if (!ret && (ret = gd_ctl_start(gd, gd->ctl.fd)))
			snprintf(err, sizeof(err), "control socket: %s", strerror(-ret));
		if (!ret)
			ret = gd_takeover_finish(gd);
		if (ret) {
			gd_log(LOG_ERR, "takeover: %s", err[0] ? err : strerror(-ret));
			return -1;
		}
		gd_fp_scrub(gd);
	} else {
		ret = gd_ctl_start(gd, m->lfd);
		m->lfd = -1;
		if (!ret)
			ret = gd_state_load(gd, err, sizeof(err));
		if (ret) {
			gd_log(LOG_ERR, "cannot start: %s", err[0] ? err : strerror(-ret));
			return -1;
		}
		gd_pidfile_write(getpid());
		gd_notify("READY=1");
	}
	/* what a predecessor attached where this gretund attaches nothing */
	gd_fp_sweep(gd);
	gd->idle_since = time(NULL);
	if (runtime_netns_name(gd->netns_name, sizeof(gd->netns_name)) < 0)
		gd->netns_name[0] = '\0';
	return 0;
}

/* --daemon: the parent may return now; nobody reads our stdio any more. */
static int main_tell_parent(struct gd_main *m)
{
	if (!m->daemonize)
		return 0;
	gd_stdio_null();
	if (write(m->ready[1], "1", 1) != 1)
		return -1;
	close(m->ready[1]);
	m->ready[1] = -1;
	return 0;
}

/* The event loop, and what a stop leaves behind: main's exit status. */
static int main_run(struct gd *gd)
{
	int ret = gd_loop_run(gd, main_tick);

	if (ret)
		gd_log(LOG_ERR, "event loop: %s", strerror(-ret));
	if (gd->handed_over)
		return gd->supervised ? GD_EXIT_HANDOVER : 0;
	if (gd->netns_gone) {
		/* nobody can reach the namespace by name any more: its devices
		 * and its state under /run/gretun go with us */
		gd_log(LOG_INFO, "network namespace %s was deleted: exiting", gd->netns_name);
		tunnels_close(gd, false);
		runtime_dir_remove();
	} else if (!ret) {
		gd_state_remove();	/* a clean stop: nothing to recover */
		runtime_dir_prune();	/* after the last down: nothing left */
	}
	return ret ? 1 : 0;
}

static void main_teardown(struct gd *gd, struct gd_main *m)
{
	if (m->lfd >= 0)
		close(m->lfd);
	gd_ctl_stop(gd);
	tunnels_close(gd, true);
	gd_fp_close(gd);
	gd_sock_close_all(gd);
	if (m->sigw.fd >= 0)
		close(m->sigw.fd);
	gd_loop_fini(gd);
	gd_state_fini(gd);
	gd_data_free(gd->data);
}

int main(int argc, char *argv[])
{
	struct gd gd = { .epfd = -1, .ctl = { .fd = -1 }, .takeover_fd = -1, .opener_fd = -1 };
	struct gd_main m = { .takeover = -1, .lfd = -1, .ready = { -1, -1 },
			     .o = { .opener_fd = -1 }, .sigw = { .fd = -1, .fn = signal_event } };
	int status = main_parse_args(argc, argv, &gd, &m);

	if (status >= 0)
		return status;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&m.mask);
	sigaddset(&m.mask, SIGTERM);
	sigaddset(&m.mask, SIGINT);
	sigaddset(&m.mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &m.mask, NULL);
	if (m.daemonize && (status = main_daemonize(&gd, &m)) >= 0)
		return status;
	status = 1;
	if (!main_prepare(&gd, &m) && !main_start(&gd, &m) && !main_tell_parent(&m))
		status = main_run(&gd);
	main_teardown(&gd, &m);
	return status;
}
