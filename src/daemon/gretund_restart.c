// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Handing the data plane to a new gretund without losing a packet: the old
 * side (gd_restart_begin, on `gretunctl restart' or SIGHUP) and the new side
 * (gd_takeover, gretund --takeover=FD). The state lines it sends are the
 * state file's (gretund_state.c).
 *
 * Handover (gretund(8), RESTART), over a SOCK_SEQPACKET socketpair, one
 * descriptor per message at most:
 *   old -> new   "ctl" + listening control socket
 *                "rx FAMILY UDP PORT" + each underlay receive socket
 *                "tun IFINDEX create NAME k=v..." + each TUN/TAP fd
 *                "end"
 *   new -> old   "ready" (everything checked) or "error MESSAGE"
 *   old          stops reading every fd (they are shared kernel objects:
 *                packets wait in the TUN queues and socket buffers)
 *   old -> new   "state NAME k=v..." per tunnel, "global k=v", "go"
 *   new          starts reading, writes the pid file
 *   new -> old   "active"; the old answers the client and exits.
 * Anything else, or no answer within GD_RESTART_TIMEOUT: the old kills the
 * new process, reads again and keeps serving.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cap-ng.h>

#include "gretund_loop.h"
#include "gretund_proc.h"
#include "gretund_proto.h"
#include "gretund_restart.h"
#include "gretund_state.h"
#include "gretund_table.h"
#include "json.h"

#define MSG_MAX	(CTL_LINE_MAX + 64)

enum { PHASE_READY, PHASE_ACTIVE };

struct gd_restart {
	pid_t pid;
	struct gd_watch w;
	int phase;
	time_t deadline;
	bool paused;
	gd_restart_done_fn *done;	/* told the answer, if not NULL */
};

/* ---- messages ---------------------------------------------------------------- */

static int msg_send(int sock, const char *s, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { .iov_base = (void *)s, .iov_len = strlen(s) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* One message into buf (NUL-terminated); *fd gets a passed fd or -1.
 * 0, -ECONNRESET at EOF, or -errno. */
static int msg_recv(int sock, char *buf, size_t size, int *fd)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
			      .msg_controllen = sizeof(cm.buf) };
	ssize_t n;

	*fd = -1;
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fds[4];

			memcpy(fds, CMSG_DATA(c), k * sizeof(int));
			for (size_t i = 0; i < k; i++) {
				if (*fd < 0)
					*fd = fds[i];
				else
					close(fds[i]);
			}
		}
	}
	if (n == 0)
		return -ECONNRESET;
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		if (*fd >= 0)
			close(*fd);
		return -EMSGSIZE;
	}
	buf[n] = '\0';
	return 0;
}

/* msg_recv, waiting up to timeout_ms. */
static int msg_wait(int sock, char *buf, size_t size, int *fd, int timeout_ms)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	return msg_recv(sock, buf, size, fd);
}

/* ---- pausing the data plane -------------------------------------------------- */

/* Every data fd (TUN/TAP and underlay sockets) in or out of the epoll set. */
static void data_watch(struct gd *gd, bool on)
{
	for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next) {
		if (!on)
			gd_loop_del(gd, &gt->w);
		else if (!gt->dev_gone)
			gd_loop_add(gd, &gt->w, EPOLLIN);
	}
	for (struct gd_rxsock *rs = gd->rx; rs; rs = rs->next) {
		if (!on)
			gd_loop_del(gd, &rs->w);
		else
			gd_loop_add(gd, &rs->w, EPOLLIN);
	}
}

/* The handover point and its undoing: the kernel queues hold what arrives
 * meanwhile, and clients wait in the listening socket's backlog. */
static void io_pause(struct gd *gd, bool pause)
{
	data_watch(gd, !pause);
	if (gd->ctl.fd < 0)
		return;
	if (pause)
		gd_loop_del(gd, &gd->ctl);
	else
		gd_loop_add(gd, &gd->ctl, EPOLLIN);
}

/* ---- old side ------------------------------------------------------------------ */

static void restart_end(struct gd *gd, int err, const char *why)
{
	struct gd_restart *rs = gd->restart;
	char line[6 * CTL_ERR_MAX + 128], m[48];
	struct json_writer w;
	pid_t pid = rs->pid;
	int status;

	if (err) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
		if (rs->paused)
			io_pause(gd, false);
		if (ctl_reply_error(line, sizeof(line), err, why) < 0)
			ctl_reply_error(line, sizeof(line), err, "handover failed");
	} else {
		json_init_buf(&w, line, sizeof(line));
		json_object_begin(&w, NULL);
		json_bool(&w, "ok", true);
		json_i64(&w, "pid", pid);
		json_i64(&w, "old_pid", getpid());
		json_object_end(&w);
		json_raw(&w, "\n");
	}
	if (rs->done)
		rs->done(gd, line);
	if (rs->w.fd >= 0) {
		gd_loop_del(gd, &rs->w);
		close(rs->w.fd);
	}
	free(rs);
	gd->restart = NULL;
	if (!err) {
		/* systemd follows the new process; NotifyAccess=main suffices
		 * since we are still the main process */
		snprintf(m, sizeof(m), "MAINPID=%d", (int)pid);
		gd_notify(m);
		gd->handed_over = true;
		gd->stop = true;
	}
}

/* Reap the new process after its end of the handover went away or a write
 * to it failed: true, with why filled in, when it exited by itself (it may
 * still be on its way out: give it a moment); false when it was still
 * alive and we killed it. Deterministic, as a process that has begun to
 * exit keeps its own exit status: the kernel drops a SIGKILL sent to it
 * from then on (its socket is closed only after that point). */
static bool successor_reap(pid_t pid, char *why, size_t size)
{
	int status = 0;
	pid_t r = 0;

	for (int i = 0; i < 50 && (r = waitpid(pid, &status, WNOHANG)) == 0; i++)
		usleep(10000);
	if (r != pid) {
		kill(pid, SIGKILL);
		while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
			;
		if (r != pid || (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
			return false;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(why, size, "cannot run the new gretund");
	else if (WIFEXITED(status))
		snprintf(why, size, "the new gretund exited with status %d before it was ready",
			 WEXITSTATUS(status));
	else
		snprintf(why, size, "the new gretund was killed by signal %d before it was ready",
			 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return true;
}

/* The handover with the new process failed with err (what: the step):
 * its own exit status if it exited, else err. */
static void restart_lost(struct gd *gd, int err, const char *what)
{
	struct gd_restart *rs = gd->restart;
	char why[CTL_ERR_MAX];
	bool exited = successor_reap(rs->pid, why, sizeof(why));

	rs->pid = 0;
	if (exited)
		restart_end(gd, -ECHILD, why);
	else
		restart_end(gd, err, what);
}

static void restart_event(struct gd *gd, struct gd_watch *w, uint32_t events)
{
	struct gd_restart *rs = gd->restart;
	char buf[MSG_MAX], line[MSG_MAX];
	int ret, fd;

	ret = msg_recv(w->fd, buf, sizeof(buf), &fd);
	if (fd >= 0)
		close(fd);
	if (ret == -EAGAIN || ret == -EINTR)
		return;
	if (ret) {
		/* it closed the socket: it is exiting */
		restart_lost(gd, -ECHILD, "the new gretund closed the handover socket");
		return;
	}
	if (!strncmp(buf, "error ", 6)) {
		char why[CTL_ERR_MAX];

		snprintf(why, sizeof(why), "the new gretund refused: %.120s", buf + 6);
		restart_end(gd, -EPROTO, why);
		return;
	}
	if (rs->phase == PHASE_READY && !strcmp(buf, "ready")) {
		/* the handover point: from here the kernel queues hold what
		 * arrives until the new process reads */
		io_pause(gd, true);
		rs->paused = true;
		for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next) {
			ret = gd_state_format(gt, line, sizeof(line));
			if (!ret)
				ret = msg_send(w->fd, line, -1);
			if (ret)
				break;
		}
		if (!ret) {
			snprintf(line, sizeof(line), "global unmatched=%" PRIu64 " rx_malformed=%" PRIu64,
				 gd->unmatched, gd->rx_malformed);
			ret = msg_send(w->fd, line, -1);
		}
		if (!ret)
			ret = msg_send(w->fd, "go", -1);
		if (ret) {
			snprintf(line, sizeof(line), "cannot send the state to the new gretund: %s",
				 strerror(-ret));
			restart_lost(gd, ret, line);
			return;
		}
		rs->phase = PHASE_ACTIVE;
		return;
	}
	if (rs->phase == PHASE_ACTIVE && !strcmp(buf, "active")) {
		restart_end(gd, 0, NULL);
		return;
	}
	restart_end(gd, -EPROTO, "unexpected message from the new gretund");
}

void gd_restart_tick(struct gd *gd, time_t now)
{
	char why[CTL_ERR_MAX];

	if (!gd->restart || now < gd->restart->deadline)
		return;
	snprintf(why, sizeof(why), "the new gretund did not become %s within %d s",
		 gd->restart->phase == PHASE_READY ? "ready" : "active", GD_RESTART_TIMEOUT);
	restart_end(gd, -ETIMEDOUT, why);
}

/* In the child, before exec: keep CAP_NET_ADMIN and CAP_NET_RAW across exec
 * for a non-root user (ambient set); root gets them from the bounding set. */
static void caps_keep_across_exec(void)
{
	if (getuid() == 0)
		return;
	capng_get_caps_process();
	capng_updatev(CAPNG_ADD, CAPNG_INHERITABLE, CAP_NET_ADMIN, CAP_NET_RAW, -1);
	if (capng_apply(CAPNG_SELECT_CAPS))
		return;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN, 0, 0);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0);
}

static int send_phase1(struct gd *gd, int sock)
{
	char line[MSG_MAX];
	int ret, n;

	ret = msg_send(sock, "ctl", gd->ctl.fd);
	for (struct gd_rxsock *rs = gd->rx; !ret && rs; rs = rs->next) {
		snprintf(line, sizeof(line), "rx %d %d %u", rs->family, rs->udp, rs->port);
		ret = msg_send(sock, line, rs->w.fd);
	}
	for (struct gd_tunnel *gt = gd->tunnels; !ret && gt; gt = gt->next) {
		n = snprintf(line, sizeof(line), "tun %d ", gt->ifindex);
		ret = ctl_request_format(line + n, sizeof(line) - (size_t)n, CTL_CMD_CREATE, &gt->t);
		if (ret >= 0)
			ret = msg_send(sock, line, gt->w.fd);
	}
	return ret ? ret : msg_send(sock, "end", -1);
}

/* Fork the new gretund with our options and --takeover=sock: its pid, or
 * -errno. In the child, a failed exec is told to us over sock. */
static pid_t successor_spawn(const struct gd *gd, struct gd_exec *x, int sock)
{
	struct gd_options o = { .persistent = gd->persistent, .user = gd->user,
				.opener_fd = gd->opener_fd };
	char m[MSG_MAX];
	pid_t pid;

	gd_exec_prepare(x, "takeover", sock, &o, gd->supervised);
	pid = fork();
	if (pid != 0)
		return pid < 0 ? -errno : pid;
	gd_exec_child_prepare(sock, &o);
	caps_keep_across_exec();
	execv(x->path, x->argv);
	snprintf(m, sizeof(m), "error cannot run %s: %s", x->path, strerror(errno));
	msg_send(sock, m, -1);
	_exit(127);
}

/* sv[0] ours, sv[1] the new process's. 0 or -errno. */
static int handover_socketpair(int sv[2])
{
	struct timeval tv = { .tv_sec = 2 };
	int bufsz = 1 << 22;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	/* many tunnels are many messages; never block the data plane long */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof(bufsz));
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return 0;
}

int gd_restart_begin(struct gd *gd, gd_restart_done_fn *done, char *err, size_t errlen)
{
	int sv[2], ret;
	struct gd_restart *rs;
	struct gd_exec x;

	if (gd->restart) {
		snprintf(err, errlen, "a restart is already in progress (new pid %d)",
			 (int)gd->restart->pid);
		return -EBUSY;
	}
	if (gd->takeover_fd >= 0) {
		snprintf(err, errlen, "this gretund is still taking over");
		return -EBUSY;
	}
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	ret = handover_socketpair(sv);
	if (ret) {
		snprintf(err, errlen, "socketpair: %s", strerror(-ret));
		free(rs);
		return ret;
	}
	rs->pid = successor_spawn(gd, &x, sv[1]);
	close(sv[1]);
	if (rs->pid < 0) {
		ret = rs->pid;
		snprintf(err, errlen, "fork: %s", strerror(-ret));
		goto fail;
	}
	rs->w.fd = sv[0];
	rs->w.fn = restart_event;
	rs->phase = PHASE_READY;
	rs->deadline = time(NULL) + GD_RESTART_TIMEOUT;
	rs->done = done;
	gd->restart = rs;
	ret = send_phase1(gd, sv[0]);
	if (!ret)
		ret = gd_loop_add(gd, &rs->w, EPOLLIN);
	if (ret) {
		/* most likely the new process died already (before or while
		 * it read): its exit status says why, whenever it exited */
		if (successor_reap(rs->pid, err, errlen))
			ret = -ECHILD;
		else
			snprintf(err, errlen, "cannot hand the descriptors to the new gretund (%s): %s",
				 x.path, strerror(-ret));
		gd->restart = NULL;
		goto fail;
	}
	return 0;
fail:
	close(sv[0]);
	free(rs);
	return ret;
}

/* ---- new side ------------------------------------------------------------------ */

/* The TUN/TAP behind fd is the device ifindex of this name and kind. */
static int tun_check(int fd, const struct tunnel *t, int ifindex)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return -errno;
	if (strncmp(ifr.ifr_name, t->name, IFNAMSIZ) ||
	    !(ifr.ifr_flags & (tunnel_mode_is_tap(t->mode) ? IFF_TAP : IFF_TUN)) ||
	    (int)if_nametoindex(t->name) != ifindex)
		return -EBADF;
	return 0;
}

static int sock_check(int fd, int family, int type)
{
	int v[2];
	socklen_t l = sizeof(int);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v[0], &l))
		return -errno;
	l = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v[1], &l))
		return -errno;
	return v[0] == family && v[1] == type ? 0 : -EBADF;
}

static int takeover_one(struct gd *gd, char *buf, int fd, char *err, size_t errlen)
{
	if (!strcmp(buf, "ctl")) {
		if (fd < 0 || sock_check(fd, AF_UNIX, SOCK_STREAM)) {
			snprintf(err, errlen, "control socket: not a unix stream socket");
			return -EBADF;
		}
		gd->ctl.fd = fd;
		return 0;
	}
	if (!strncmp(buf, "rx ", 3)) {
		struct gd_rxsock *rs;
		int family, udp;
		unsigned int port;

		if (fd < 0 || sscanf(buf + 3, "%d %d %u", &family, &udp, &port) != 3 ||
		    (family != AF_INET && family != AF_INET6) ||
		    sock_check(fd, family, udp ? SOCK_DGRAM : SOCK_RAW)) {
			snprintf(err, errlen, "bad underlay socket record `%.60s'", buf);
			return -EBADF;
		}
		rs = calloc(1, sizeof(*rs));
		if (!rs)
			return -ENOMEM;
		rs->family = family;
		rs->udp = udp;
		rs->port = (uint16_t)port;
		rs->w.fd = fd;
		rs->w.fn = udp ? gd->on.udp : gd->on.raw;
		rs->next = gd->rx;
		gd->rx = rs;
		return 0;
	}
	if (!strncmp(buf, "tun ", 4)) {
		struct ctl_request *req = malloc(sizeof(*req));
		char e[CTL_ERR_MAX], *sp = strchr(buf + 4, ' ');
		int ifindex = atoi(buf + 4), ret;

		if (!req)
			return -ENOMEM;
		ret = -EINVAL;
		if (fd < 0 || !sp || ctl_request_parse(sp + 1, strlen(sp + 1), req, e, sizeof(e)) ||
		    req->cmd != CTL_CMD_CREATE) {
			snprintf(err, errlen, "bad tunnel record `%.60s'", buf);
		} else if ((ret = tun_check(fd, &req->t, ifindex))) {
			snprintf(err, errlen, "%s: the descriptor is not its %s device (%s)",
				 req->t.name, tunnel_mode_is_tap(req->t.mode) ? "tap" : "tun",
				 strerror(-ret));
		} else {
			ret = gd_tunnel_adopt(gd, &req->t, fd, ifindex, err, errlen);
		}
		free(req);
		return ret;
	}
	snprintf(err, errlen, "unknown record `%.60s'", buf);
	return -EPROTO;
}

/* Phase 1: the descriptors, up to "end"; then "ready" or "error ...". */
static int takeover_receive_fds(struct gd *gd, int sock, char *err, size_t errlen)
{
	char buf[MSG_MAX], m[CTL_ERR_MAX + 8];
	int ret, fd;

	for (;;) {
		ret = msg_wait(sock, buf, sizeof(buf), &fd, GD_RESTART_TIMEOUT * 1000);
		if (ret) {
			snprintf(err, errlen, "handover from the old gretund: %s", strerror(-ret));
			goto fail;
		}
		if (!strcmp(buf, "end"))
			break;
		ret = takeover_one(gd, buf, fd, err, errlen);
		if (ret) {
			if (fd >= 0 && fd != gd->ctl.fd)
				close(fd);
			goto fail;
		}
	}
	if (gd->ctl.fd < 0) {
		snprintf(err, errlen, "handover without a control socket");
		ret = -EPROTO;
		goto fail;
	}
	ret = msg_send(sock, "ready", -1);
	if (ret) {
		snprintf(err, errlen, "handover: %s", strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	snprintf(m, sizeof(m), "error %s", err);
	msg_send(sock, m, -1);
	return ret;
}

/* Phase 2: the old process stopped reading; its final state, up to "go". */
static int takeover_receive_state(struct gd *gd, int sock, char *err, size_t errlen)
{
	char buf[MSG_MAX];
	int ret, fd;

	for (;;) {
		ret = msg_wait(sock, buf, sizeof(buf), &fd, GD_RESTART_TIMEOUT * 1000);
		if (fd >= 0)
			close(fd);
		if (ret) {
			snprintf(err, errlen, "handover from the old gretund: %s", strerror(-ret));
			return ret;
		}
		if (!strcmp(buf, "go"))
			return 0;
		if (!strncmp(buf, "state ", 6)) {
			gd_state_apply(gd, buf, 0);
		} else if (!strncmp(buf, "global ", 7)) {
			char *u = strstr(buf, "unmatched="), *r = strstr(buf, "rx_malformed=");

			if (u)
				gd->unmatched = strtoull(u + 10, NULL, 10);
			if (r)
				gd->rx_malformed = strtoull(r + 13, NULL, 10);
		}
	}
}

int gd_takeover(struct gd *gd, int sock, char *err, size_t errlen)
{
	int ret;

	gd->takeover_fd = sock;
	fcntl(sock, F_SETFD, FD_CLOEXEC);
	ret = takeover_receive_fds(gd, sock, err, errlen);
	if (!ret)
		ret = takeover_receive_state(gd, sock, err, errlen);
	if (!ret)
		data_watch(gd, true);
	return ret;
}

int gd_takeover_finish(struct gd *gd)
{
	int ret;

	gd_pidfile_write(getpid());
	gd_state_save(gd);
	ret = msg_send(gd->takeover_fd, "active", -1);
	close(gd->takeover_fd);
	gd->takeover_fd = -1;
	return ret;
}
