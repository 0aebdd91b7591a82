// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Privilege separation for --user: the TUN/TAP opener.
 *
 * TUNSETIFF needs only CAP_NET_ADMIN, which the worker keeps, but opening
 * /dev/net/tun is a file permission check, and on minimal hosts and in
 * containers the node is 0600 root. So before gretund drops to USER it forks
 * this small process, which stays uid 0 with no capabilities at all (the
 * node's owner needs none) and does one thing: for each one-byte request
 * it opens /dev/net/tun and passes the descriptor back over a
 * SOCK_SEQPACKET socket (SCM_RIGHTS), as OpenSSH's monitor does for ptys.
 * It never names, attaches or configures a device; that stays with the
 * worker and its CAP_NET_ADMIN.
 *
 * The other end is inherited by the supervisor, every worker it starts and
 * every successor of a restart (--opener-fd=FD). The opener exits when the
 * last of them has closed it. Replies are interchangeable (each is a fresh,
 * unattached descriptor), so an old and a new worker asking at the same
 * time during a handover, or a late reply after a time-out, cannot hand a
 * process anything it could not have asked for.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cap-ng.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "gretund_opener.h"

#define OPENER_REQ	'T'
#define OPENER_TIMEOUT	2	/* seconds a worker waits for an answer */

static void opener_reply(int sock, int32_t err, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof(err) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		CMSG_FIRSTHDR(&m)->cmsg_level = SOL_SOCKET;
		CMSG_FIRSTHDR(&m)->cmsg_type = SCM_RIGHTS;
		CMSG_FIRSTHDR(&m)->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(CMSG_FIRSTHDR(&m)), &fd, sizeof(int));
	}
	while (sendmsg(sock, &m, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* The opener process: never returns. */
static void __attribute__((noreturn)) opener_run(int sock)
{
	sigset_t none;
	int null;

	/* Nothing of the parent's: not the caller's stdout (gretunctl reads
	 * it until EOF), not the control socket, not the blocked signals. */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
	    dup2(sock, 3) < 0)
		_exit(1);
	sock = 3;
	close_range(4, ~0U, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_NAME, "gretund-tun", 0, 0, 0);

	/* uid 0 and nothing else: no capability in any set, none to regain */
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_apply(CAPNG_SELECT_BOUNDS) || capng_apply(CAPNG_SELECT_AMBIENT) ||
	    capng_apply(CAPNG_SELECT_CAPS) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		_exit(1);

	for (;;) {
		char req;
		ssize_t n = recv(sock, &req, 1, 0);
		int fd;

		if (n == 0)
			_exit(0);	/* the last worker is gone */
		if (n < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (req != OPENER_REQ) {
			opener_reply(sock, EINVAL, -1);
			continue;
		}
		fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
		opener_reply(sock, fd < 0 ? errno : 0, fd);
		if (fd >= 0)
			close(fd);
	}
}

int gd_opener_start(int *sockp, pid_t *pidp)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int ret = -errno;

		close(sv[0]);
		close(sv[1]);
		return ret;
	}
	if (pid == 0) {
		close(sv[0]);
		opener_run(sv[1]);
	}
	close(sv[1]);
	*sockp = sv[0];
	if (pidp)
		*pidp = pid;
	return 0;
}

int gd_opener_open(int sock)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} u;
	struct timeval tv = { .tv_sec = OPENER_TIMEOUT };
	char req = OPENER_REQ;
	int32_t err = 0;
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof(err) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int fd = -1, nfds = 0;
	ssize_t n;

	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(sock, &req, 1, MSG_NOSIGNAL) != 1)
		return -errno;
	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	if (n == 0)
		return -ECONNRESET;
	/* take every descriptor that came, keep one only if all is as it
	 * should be */
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int f;

			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (nfds++ == 0)
				fd = f;
			else
				close(f);
		}
	}
	if ((size_t)n != sizeof(err) || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    nfds != (err ? 0 : 1) || err < 0) {
		if (fd >= 0)
			close(fd);
		return -EPROTO;
	}
	return err ? -err : fd;
}
