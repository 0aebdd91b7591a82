// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Handing the data plane to a new gretund without losing a packet, and the
 * files that let a gretund come back after a crash.
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
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cap-ng.h>

#include "gretund.h"
#include "gretund_proto.h"
#include "runtime.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define MSG_MAX	(CTL_LINE_MAX + 64)

enum { PHASE_READY, PHASE_ACTIVE };

struct gd_restart {
	pid_t pid;
	struct gd_watch w;
	int phase;
	time_t deadline;
	bool paused;
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

/* ---- per-tunnel state: "state NAME k=v ..." --------------------------------- */

static int state_format(const struct gd_tunnel *gt, char *buf, size_t size)
{
	const struct tunnel_stats *st = &gt->st;
	size_t len;
	int n;

	n = snprintf(buf, size, "state %s o_seqno=%" PRIu32 " i_seqno=%" PRIu32
		     " rx_packets=%" PRIu64 " rx_bytes=%" PRIu64 " tx_packets=%" PRIu64
		     " tx_bytes=%" PRIu64 " rx_errors=%" PRIu64 " tx_errors=%" PRIu64
		     " tx_dropped=%" PRIu64 " ka_up=%d ka_last=%" PRId64 " ka_missed=%u drops=",
		     gt->t.name, gt->o_seqno, gt->i_seqno, st->rx_packets, st->rx_bytes,
		     st->tx_packets, st->tx_bytes, st->rx_errors, st->tx_errors, st->tx_dropped,
		     st->keepalive_up, st->keepalive_last_reply, gt->ka_missed);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	len = (size_t)n;
	for (int r = GRE_OK + 1; r < GRE_DROP_MAX_; r++) {
		n = snprintf(buf + len, size - len, "%s%" PRIu64, r == GRE_OK + 1 ? "" : ",",
			     st->drops[r]);
		if (n < 0 || (size_t)n >= size - len)
			return -ENOSPC;
		len += (size_t)n;
	}
	return 0;
}

/* Apply a state line to the tunnel it names. seq_jump is added to o_seqno
 * (after a crash the saved number may be behind what the peer saw). */
static int state_apply(struct gd *gd, char *line, uint32_t seq_jump)
{
	char *save = NULL, *tok = strtok_r(line, " \n", &save);
	struct gd_tunnel *gt;

	if (!tok || strcmp(tok, "state") || !(tok = strtok_r(NULL, " \n", &save)))
		return -EINVAL;
	gt = gd_table_find(gd, tok);
	if (!gt)
		return -ENODEV;
	while ((tok = strtok_r(NULL, " \n", &save))) {
		char *eq = strchr(tok, '=');
		unsigned long long v;

		if (!eq)
			return -EINVAL;
		*eq++ = '\0';
		if (!strcmp(tok, "drops")) {
			char *s2 = NULL, *d = strtok_r(eq, ",", &s2);

			for (int r = GRE_OK + 1; d && r < GRE_DROP_MAX_; r++) {
				gt->st.drops[r] = strtoull(d, NULL, 10);
				d = strtok_r(NULL, ",", &s2);
			}
			continue;
		}
		v = strtoull(eq, NULL, 10);
		if (!strcmp(tok, "o_seqno"))
			gt->o_seqno = (uint32_t)v + ((gt->t.oflags & GRE_OPT_SEQ) ? seq_jump : 0);
		else if (!strcmp(tok, "i_seqno"))
			gt->i_seqno = (uint32_t)v;
		else if (!strcmp(tok, "rx_packets"))
			gt->st.rx_packets = v;
		else if (!strcmp(tok, "rx_bytes"))
			gt->st.rx_bytes = v;
		else if (!strcmp(tok, "tx_packets"))
			gt->st.tx_packets = v;
		else if (!strcmp(tok, "tx_bytes"))
			gt->st.tx_bytes = v;
		else if (!strcmp(tok, "rx_errors"))
			gt->st.rx_errors = v;
		else if (!strcmp(tok, "tx_errors"))
			gt->st.tx_errors = v;
		else if (!strcmp(tok, "tx_dropped"))
			gt->st.tx_dropped = v;
		else if (!strcmp(tok, "ka_up"))
			gt->st.keepalive_up = v != 0;
		else if (!strcmp(tok, "ka_last"))
			gt->st.keepalive_last_reply = (int64_t)v;
		else if (!strcmp(tok, "ka_missed"))
			gt->ka_missed = (unsigned int)v;
		/* unknown keys: a newer gretund handing back to an older one */
	}
	return 0;
}

/* ---- pausing the data plane -------------------------------------------------- */

void gd_io_pause(struct gd *gd, bool pause)
{
	for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next) {
		if (pause)
			gd_loop_del(gd, &gt->w);
		else if (!gt->dev_gone)
			gd_loop_add(gd, &gt->w, EPOLLIN);
	}
	for (struct gd_rxsock *rs = gd->rx; rs; rs = rs->next) {
		if (pause)
			gd_loop_del(gd, &rs->w);
		else
			gd_loop_add(gd, &rs->w, EPOLLIN);
	}
	gd_ctl_pause(gd, pause);
}

/* ---- systemd notification, pid file, state file ------------------------------- */

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

/* A file in gretund's own directory (made by runtime_daemon_dir_prepare()
 * while still root; a gretund started without root makes it now). */
static int run_path(char *buf, size_t size, const char *file)
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

/* Write path atomically (temporary file + rename). */
static int file_replace(const char *path, const char *data, size_t len)
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

	if (run_path(path, sizeof(path), "gretund.pid"))
		return -ENAMETOOLONG;
	snprintf(b, sizeof(b), "%d\n", (int)pid);
	return file_replace(path, b, strlen(b));
}

int gd_pidfile_read(pid_t *pid)
{
	char path[300], b[32] = "";
	ssize_t n;
	int fd;

	if (run_path(path, sizeof(path), "gretund.pid"))
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

/* The network namespace's cookie: unlike its inode it is never reused, so a
 * state file left by a namespace that is gone cannot be taken for ours. */
static uint64_t netns_cookie(void)
{
	return runtime_netns_cookie();
}

void gd_tunnel_forget_saved(struct gd_tunnel *gt)
{
	free(gt->save_cfg);
	free(gt->save_state);
	gt->save_cfg = gt->save_state = NULL;
	gt->save_cfg_len = gt->save_state_len = 0;
}

static char *dup_line(const char *line, size_t *len)
{
	char *p;

	*len = strlen(line);
	p = malloc(*len + 1);
	if (p)
		memcpy(p, line, *len + 1);
	return p;
}

/* Bring gt's two cached lines up to date: only a tunnel whose counters or
 * sequence numbers moved is formatted again, so a save of 1,000 tunnels of
 * which one carries traffic costs little more than copying. */
static int save_lines(struct gd_tunnel *gt)
{
	char line[MSG_MAX];
	int ret;

	if (!gt->save_cfg) {
		ret = ctl_request_format(line, sizeof(line), CTL_CMD_CREATE, &gt->t);
		if (ret < 0)
			return ret;
		gt->save_cfg = dup_line(line, &gt->save_cfg_len);
		if (!gt->save_cfg)
			return -ENOMEM;
	}
	if (gt->save_state && gt->save_o_seqno == gt->o_seqno &&
	    gt->save_i_seqno == gt->i_seqno && gt->save_ka_missed == gt->ka_missed &&
	    !memcmp(&gt->save_st, &gt->st, sizeof(gt->st)))
		return 0;
	ret = state_format(gt, line, sizeof(line) - 1);
	if (ret)
		return ret;
	strcat(line, "\n");
	free(gt->save_state);
	gt->save_state = dup_line(line, &gt->save_state_len);
	if (!gt->save_state)
		return -ENOMEM;
	gt->save_st = gt->st;
	gt->save_o_seqno = gt->o_seqno;
	gt->save_i_seqno = gt->i_seqno;
	gt->save_ka_missed = gt->ka_missed;
	return 0;
}

int gd_state_save(struct gd *gd)
{
	/* the namespace never changes under a running gretund */
	static uint64_t cookie;
	static char *buf;
	static size_t cap;
	char path[300], head[64];
	size_t len, need;
	int ret;

	gd->state_saved = time(NULL);
	if (!cookie)
		cookie = netns_cookie();
	snprintf(head, sizeof(head), "gretund-state 1\ncookie %" PRIu64 "\n", cookie);
	need = strlen(head);
	for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next) {
		ret = save_lines(gt);
		if (ret)
			return ret;
		need += gt->save_cfg_len + gt->save_state_len;
	}
	if (need > cap) {
		char *nb = realloc(buf, need + need / 4);

		if (!nb)
			return -ENOMEM;
		buf = nb;
		cap = need + need / 4;
	}
	len = strlen(head);
	memcpy(buf, head, len);
	for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next) {
		memcpy(buf + len, gt->save_cfg, gt->save_cfg_len);
		len += gt->save_cfg_len;
		memcpy(buf + len, gt->save_state, gt->save_state_len);
		len += gt->save_state_len;
	}
	ret = run_path(path, sizeof(path), "gretund.state");
	if (!ret)
		ret = file_replace(path, buf, len);
	return ret;
}

void gd_state_remove(void)
{
	char path[300];

	if (!run_path(path, sizeof(path), "gretund.state"))
		unlink(path);
	if (!run_path(path, sizeof(path), "gretund.pid"))
		unlink(path);
}

int gd_state_load(struct gd *gd, char *err, size_t errlen)
{
	char path[300], line[MSG_MAX];
	struct ctl_request *req = NULL;
	bool skip = false;
	FILE *f;
	int ret = 0;

	if (run_path(path, sizeof(path), "gretund.state"))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	req = malloc(sizeof(*req));
	if (!req) {
		ret = -ENOMEM;
		goto out;
	}
	if (!fgets(line, sizeof(line), f) || strcmp(line, "gretund-state 1\n"))
		goto out;
	if (!fgets(line, sizeof(line), f) ||
	    strtoull(line + (strncmp(line, "cookie ", 7) ? 0 : 7), NULL, 10) != netns_cookie())
		goto out;	/* another (gone) namespace's file */
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "create ", 7)) {
			char e[CTL_ERR_MAX];

			skip = true;
			if (ctl_request_parse(line, strlen(line), req, e, sizeof(e)))
				continue;
			/* the device is the truth: one removed meanwhile stays gone */
			if (!if_nametoindex(req->t.name))
				continue;
			ret = gd_tunnel_create(gd, &req->t, e, sizeof(e));
			if (ret) {
				snprintf(err, errlen, "%s: %s", req->t.name, e);
				goto out;
			}
			skip = false;
		} else if (!strncmp(line, "state ", 6) && !skip) {
			/* sequence numbers: we may have sent up to a second's
			 * worth after the last save; jump well ahead */
			state_apply(gd, line, 1u << 20);
		}
	}
out:
	free(req);
	fclose(f);
	return ret;
}

/* ---- old side ------------------------------------------------------------------ */

static void restart_end(struct gd *gd, int err, const char *why)
{
	struct gd_restart *rs = gd->restart;
	char line[6 * CTL_ERR_MAX + 128], esc[6 * CTL_ERR_MAX + 3], m[48];
	pid_t pid = rs->pid;
	int status;

	if (err) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
		if (rs->paused)
			gd_io_pause(gd, false);
		if (ctl_json_quote(esc, sizeof(esc), why))
			snprintf(esc, sizeof(esc), "\"handover failed\"");
		snprintf(line, sizeof(line), "{\"ok\":false,\"error\":%s,\"errno\":%d}\n", esc,
			 -err);
	} else {
		snprintf(line, sizeof(line), "{\"ok\":true,\"pid\":%d,\"old_pid\":%d}\n", (int)pid,
			 (int)getpid());
	}
	gd_ctl_reply_pending(gd, line);
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

/* Why the new process went away (it closed its end). */
static void restart_lost(struct gd *gd)
{
	struct gd_restart *rs = gd->restart;
	char why[CTL_ERR_MAX];
	int status = 0;
	pid_t r = 0;

	/* it closed the socket: it is exiting; give it a moment */
	for (int i = 0; i < 50 && (r = waitpid(rs->pid, &status, WNOHANG)) == 0; i++)
		usleep(10000);
	if (r == rs->pid) {
		rs->pid = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			snprintf(why, sizeof(why), "cannot run the new gretund");
		else if (WIFEXITED(status))
			snprintf(why, sizeof(why), "the new gretund exited with status %d before it was ready",
				 WEXITSTATUS(status));
		else
			snprintf(why, sizeof(why), "the new gretund was killed by signal %d before it was ready",
				 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	} else {
		snprintf(why, sizeof(why), "the new gretund closed the handover socket");
	}
	restart_end(gd, -ECHILD, why);
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
		restart_lost(gd);
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
		gd_io_pause(gd, true);
		rs->paused = true;
		for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next) {
			ret = state_format(gt, line, sizeof(line));
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
			restart_end(gd, ret, "cannot send the state to the new gretund");
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

void gd_self_path(char *buf, size_t size)
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

int gd_restart_begin(struct gd *gd, struct gd_client *c, char *err, size_t errlen)
{
	char path[4096], fdarg[32], openerarg[32];
	struct gd_restart *rs;
	struct timeval tv = { .tv_sec = 2 };
	int sv[2], ret, bufsz = 1 << 22;
	char *argv[9];
	int argc = 0;

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
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		ret = -errno;
		snprintf(err, errlen, "socketpair: %s", strerror(-ret));
		free(rs);
		return ret;
	}
	/* many tunnels are many messages; never block the data plane long */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof(bufsz));
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	gd_self_path(path, sizeof(path));
	snprintf(fdarg, sizeof(fdarg), "--takeover=%d", sv[1]);
	argv[argc++] = "gretund";
	argv[argc++] = fdarg;
	if (gd->persistent)
		argv[argc++] = "--persistent";
	if (gd->supervised)
		argv[argc++] = "--supervised";
	if (gd->user) {
		argv[argc++] = "--user";
		argv[argc++] = (char *)gd->user;
	}
	if (gd->opener_fd >= 0) {
		snprintf(openerarg, sizeof(openerarg), "--opener-fd=%d", gd->opener_fd);
		argv[argc++] = openerarg;
	}
	argv[argc] = NULL;
	rs->pid = fork();
	if (rs->pid < 0) {
		ret = -errno;
		snprintf(err, errlen, "fork: %s", strerror(-ret));
		goto fail;
	}
	if (rs->pid == 0) {
		char m[MSG_MAX];
		sigset_t all;

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		fcntl(sv[1], F_SETFD, 0);
		if (gd->opener_fd >= 0)
			fcntl(gd->opener_fd, F_SETFD, 0);
		caps_keep_across_exec();
		execv(path, argv);
		snprintf(m, sizeof(m), "error cannot run %s: %s", path, strerror(errno));
		msg_send(sv[1], m, -1);
		_exit(127);
	}
	close(sv[1]);
	sv[1] = -1;
	rs->w.fd = sv[0];
	rs->w.fn = restart_event;
	rs->phase = PHASE_READY;
	rs->deadline = time(NULL) + GD_RESTART_TIMEOUT;
	gd->restart = rs;
	gd->restart_client = c;
	ret = send_phase1(gd, sv[0]);
	if (!ret)
		ret = gd_loop_add(gd, &rs->w, EPOLLIN);
	if (ret) {
		/* most likely the new process died already: say why */
		int status;

		gd->restart_client = NULL;
		kill(rs->pid, SIGKILL);
		waitpid(rs->pid, &status, 0);
		snprintf(err, errlen, "cannot hand the descriptors to the new gretund (%s): %s",
			 path, strerror(-ret));
		gd->restart = NULL;
		goto fail;
	}
	return 0;
fail:
	close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
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
		rs->w.fn = udp ? gd_data_udp_event : gd_data_raw_event;
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

int gd_takeover(struct gd *gd, int sock, char *err, size_t errlen)
{
	char buf[MSG_MAX], m[CTL_ERR_MAX + 8];
	int ret, fd;

	gd->takeover_fd = sock;
	fcntl(sock, F_SETFD, FD_CLOEXEC);
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
	/* the old process stops reading now and sends the final state */
	for (;;) {
		ret = msg_wait(sock, buf, sizeof(buf), &fd, GD_RESTART_TIMEOUT * 1000);
		if (fd >= 0)
			close(fd);
		if (ret) {
			snprintf(err, errlen, "handover from the old gretund: %s", strerror(-ret));
			return ret;
		}
		if (!strcmp(buf, "go"))
			break;
		if (!strncmp(buf, "state ", 6)) {
			state_apply(gd, buf, 0);
		} else if (!strncmp(buf, "global ", 7)) {
			char *u = strstr(buf, "unmatched="), *r = strstr(buf, "rx_malformed=");

			if (u)
				gd->unmatched = strtoull(u + 10, NULL, 10);
			if (r)
				gd->rx_malformed = strtoull(r + 13, NULL, 10);
		}
	}
	ret = gd_ctl_start(gd, gd->ctl.fd);
	if (ret) {
		snprintf(err, errlen, "control socket: %s", strerror(-ret));
		return ret;
	}
	for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next)
		gd_loop_add(gd, &gt->w, EPOLLIN);
	for (struct gd_rxsock *rs = gd->rx; rs; rs = rs->next)
		gd_loop_add(gd, &rs->w, EPOLLIN);
	return 0;
fail:
	snprintf(m, sizeof(m), "error %s", err);
	msg_send(sock, m, -1);
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
