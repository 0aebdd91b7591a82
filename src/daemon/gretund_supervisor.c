// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Crash recovery without an init system (gretund(8), CRASH RECOVERY). In
 * --daemon mode the daemon process is a small supervisor, as nginx's master:
 * it holds the listening control socket (clients queue in its backlog while
 * no worker runs), is the child subreaper of its workers (so a worker that
 * hands over to a new process leaves that process as our child), and starts
 * a new worker when one is killed by a signal. A worker re-attaches to the
 * persistent TUN/TAP devices and the saved state (gretund.state); the
 * devices never went away, so their addresses and routes stayed.
 *
 * Worker exits: GD_EXIT_HANDOVER - its successor (pid file) is the worker
 * now; other exit statuses - the supervisor exits with the same status;
 * killed by a signal - a new worker, at most GD_SUP_BURST in GD_SUP_WINDOW
 * seconds, then the supervisor gives up (exit 1).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gretund_proc.h"
#include "gretund_supervisor.h"

#define GD_SUP_BURST	10
#define GD_SUP_WINDOW	10

static pid_t worker_spawn(int lfd, const struct gd_options *o)
{
	struct gd_exec x;
	pid_t pid;

	gd_exec_prepare(&x, "listen-fd", lfd, o, true);
	pid = fork();
	if (pid == 0) {
		gd_exec_child_prepare(lfd, o);
		execv(x.path, x.argv);
		_exit(127);
	}
	return pid;
}

/* The supervisor between signals. */
struct gd_sup {
	int lfd;
	const struct gd_options *o;
	pid_t worker;		/* 0 while none */
	bool stopping;		/* SIGTERM/SIGINT passed on: the next exit is ours */
	time_t window;		/* when the current burst window began */
	int burst;		/* workers started in it */
};

/* The worker exited with status: -1 to go on (its successor or a new
 * worker serves), else the supervisor's exit status. */
static int sup_worker_exited(struct gd_sup *s, int status)
{
	time_t now;
	pid_t pid;

	s->worker = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == GD_EXIT_HANDOVER &&
	    !gd_pidfile_read(&pid) && pid > 0 && !kill(pid, 0)) {
		s->worker = pid;
		return -1;
	}
	if (s->stopping || WIFEXITED(status))
		return WIFEXITED(status) && WEXITSTATUS(status) != GD_EXIT_HANDOVER ?
		       WEXITSTATUS(status) : 0;
	now = time(NULL);
	if (now - s->window >= GD_SUP_WINDOW) {
		s->window = now;
		s->burst = 0;
	}
	if (++s->burst > GD_SUP_BURST)
		return 1;
	s->worker = worker_spawn(s->lfd, s->o);
	return s->worker < 0 ? 1 : -1;
}

static int sup_run(struct gd_sup *s, const sigset_t *mask)
{
	int sig, status, ret;
	pid_t pid;

	for (;;) {
		sig = sigwaitinfo(mask, NULL);
		if (sig < 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
			/* SIGHUP: the worker hands over (reload) */
			if (sig != SIGHUP)
				s->stopping = true;
			if (s->worker > 0)
				kill(s->worker, sig);
			continue;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid != s->worker)
				continue;	/* an orphan we inherited */
			ret = sup_worker_exited(s, status);
			if (ret >= 0)
				return ret;
		}
	}
}

int gd_supervise(int lfd, int close_fd, const struct gd_options *o, bool *is_worker)
{
	struct gd_sup s = { .lfd = lfd, .o = o };
	sigset_t mask;

	*is_worker = false;
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	s.worker = fork();
	if (s.worker < 0)
		return 1;
	if (s.worker == 0) {
		/* the first worker carries on in main() with lfd */
		*is_worker = true;
		return 0;
	}
	if (close_fd >= 0)
		close(close_fd);
	gd_stdio_null();
	return sup_run(&s, &mask);
}
