// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Client of gretund's control socket. The socket is abstract, so anyone can
 * bind it first: the server's credentials are checked before any request
 * goes out (anti-squatting), as the server checks ours.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"
#include "gretund_proto.h"
#include "json.h"

#ifndef CAP_NET_ADMIN
#define CAP_NET_ADMIN 12
#endif
#define CTL_TIMEOUT_MS	5000

/* The message into the caller's err (may be NULL with errlen 0); returns
 * ret, so that a failure is one statement. */
static int set_err(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int set_err(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (!errlen)
		return ret;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

static void err_clear(char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
}

int ctl_peer_privileged(pid_t pid, uid_t uid)
{
	char path[64], line[256];
	struct stat a, b;
	unsigned long long eff = 0;
	bool found = false;
	FILE *f;

	if (uid == 0)
		return 0;
	/* a process in a child user namespace shows a full CapEff that is
	 * worth nothing here: require our own user namespace */
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	if (stat(path, &a) || stat("/proc/self/ns/user", &b) ||
	    a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		return -EPERM;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -EPERM;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			found = true;
			break;
		}
	}
	fclose(f);
	return found && (eff & (1ull << CAP_NET_ADMIN)) ? 0 : -EPERM;
}

int ctl_connect(int *out, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				   strlen(CTL_SOCKET_NAME));
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int fd, ret;

	err_clear(err, errlen);
	memcpy(sun.sun_path + 1, CTL_SOCKET_NAME, strlen(CTL_SOCKET_NAME));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sl)) {
		ret = -errno;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl)) {
		ret = -errno;
		goto fail;
	}
	if (ctl_peer_privileged(cred.pid, cred.uid)) {
		ret = set_err(err, errlen, -EPERM, "@%s is held by pid %d (uid %u) without CAP_NET_ADMIN: "
			      "refusing to talk to it", CTL_SOCKET_NAME, (int)cred.pid,
			      (unsigned int)cred.uid);
		goto fail;
	}
	*out = fd;
	return 0;
fail:
	close(fd);
	return ret;
}

/* $GRETUND, else gretund next to this executable (build tree), else SBINDIR. */
static void gretund_path(char *buf, size_t size)
{
	const char *env = getenv("GRETUND");
	char self[4096];
	ssize_t n;

	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		snprintf(buf, size, "%s/gretund", dirname(self));
		if (!access(buf, X_OK))
			return;
	}
	snprintf(buf, size, "%s/gretund", SBINDIR);
}

int ctl_connect_or_start(int *fd, char *err, size_t errlen)
{
	char path[4200];
	int ret, status, pipefd[2], exec_err = 0;
	ssize_t n;
	pid_t pid;

	ret = ctl_connect(fd, err, errlen);
	if (ret != -ECONNREFUSED && ret != -ENOENT)
		return ret;
	gretund_path(path, sizeof(path));
	/* The child writes execl's errno here; a successful exec closes
	 * the pipe (O_CLOEXEC) and the read sees EOF. */
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return ret;
	}
	if (pid == 0) {
		close(pipefd[0]);
		execl(path, "gretund", "--daemon", (char *)NULL);
		exec_err = errno;
		if (write(pipefd[1], &exec_err, sizeof(exec_err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pipefd[1]);
	do
		n = read(pipefd[0], &exec_err, sizeof(exec_err));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n != (ssize_t)sizeof(exec_err))
		exec_err = 0;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	/* a concurrent start may have won the race: connecting decides */
	ret = ctl_connect(fd, err, errlen);
	if (ret && exec_err)
		return set_err(err, errlen, -ENOEXEC, "cannot run gretund `%s': %s", path,
			       strerror(exec_err));
	if (ret && errlen && !err[0]) {
		if (WIFEXITED(status) && WEXITSTATUS(status))
			set_err(err, errlen, ret, "`%s' exited with status %d before serving its control socket",
				path, WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			set_err(err, errlen, ret, "`%s' was killed by signal %d before serving its control socket",
				path, WTERMSIG(status));
		else
			set_err(err, errlen, ret, "`%s' started but does not serve its control socket", path);
	}
	return ret;
}

static int transact(int fd, const char *req, char *reply, size_t size, int timeout_ms,
		    char *err, size_t errlen)
{
	size_t len = strlen(req), got = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (len && req[len - 1] == '\n')
		len--;
	if (len + 1 > CTL_LINE_MAX)
		return set_err(err, errlen, -E2BIG, "request too long");
	{
		char line[CTL_LINE_MAX];

		memcpy(line, req, len);
		line[len] = '\n';
		for (size_t off = 0; off < len + 1; off += (size_t)n) {
			n = send(fd, line + off, len + 1 - off, MSG_NOSIGNAL);
			if (n < 0)
				return -errno;
		}
	}
	while (got < size - 1) {
		int r = poll(&p, 1, timeout_ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return set_err(err, errlen, -ETIMEDOUT, "gretund did not answer");
		n = recv(fd, reply + got, size - 1 - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return set_err(err, errlen, n ? -errno : -ECONNRESET,
				       "gretund closed the connection");
		got += (size_t)n;
		reply[got] = '\0';
		if (memchr(reply, '\n', got)) {
			*strchr(reply, '\n') = '\0';
			return 0;
		}
	}
	return set_err(err, errlen, -EMSGSIZE, "gretund reply too long");
}

int ctl_transact(int fd, const char *req, char *reply, size_t size, char *err, size_t errlen)
{
	return transact(fd, req, reply, size, CTL_TIMEOUT_MS, err, errlen);
}

/* ---- replies --------------------------------------------------------------- */

struct status_ctx {
	int ok;			/* -1 unknown, 0 false, 1 true */
	long err;
	char msg[CTL_ERR_MAX];
};

static int status_cb(const char *path, enum json_type type, const char *val, void *data)
{
	struct status_ctx *c = data;

	if (!strcmp(path, "ok"))
		c->ok = type == JSON_TRUE ? 1 : type == JSON_FALSE ? 0 : -1;
	else if (!strcmp(path, "errno") && type == JSON_NUMBER)
		c->err = strtol(val, NULL, 10);
	else if (!strcmp(path, "error") && type == JSON_STRING)
		snprintf(c->msg, sizeof(c->msg), "%s", val);
	return 0;
}

int ctl_reply_status(const char *reply, size_t len, char *err, size_t errlen)
{
	struct status_ctx c = { .ok = -1 };

	if (json_parse(reply, len, status_cb, &c) || c.ok < 0)
		return set_err(err, errlen, -EBADMSG, "malformed reply from gretund");
	if (c.ok)
		return 0;
	if (c.err <= 0 || c.err > 4095)
		c.err = EIO;
	set_err(err, errlen, (int)-c.err, "%s", c.msg[0] ? c.msg : strerror((int)c.err));
	return (int)-c.err;
}

struct tunnel_ctx {
	struct tunnel *t;
	struct tunnel_stats *st;
	uint32_t seen;
	char *err;
	size_t errlen;
};

static int tunnel_cb(const char *path, enum json_type type, const char *val, void *data)
{
	struct tunnel_ctx *c = data;
	char why[CTL_ERR_MAX];
	unsigned long long v;

	if (!strncmp(path, "stats.keepalive_", 16)) {
		if (!c->st)
			return 0;
		if (!strcmp(path + 16, "up"))
			c->st->keepalive_up = type == JSON_TRUE;
		else if (!strcmp(path + 16, "last_reply") && type == JSON_NUMBER)
			c->st->keepalive_last_reply = strtoll(val, NULL, 10);
		return 0;
	}
	if (!strncmp(path, "stats.", 6)) {
		if (!c->st || type != JSON_NUMBER || *val == '-')
			return 0;
		v = strtoull(val, NULL, 10);
		path += 6;
		if (!strncmp(path, "drops.", 6)) {
			for (int r = GRE_OK + 1; r < GRE_DROP_MAX_; r++) {
				if (!strcmp(path + 6, gre_drop_name((enum gre_drop)r))) {
					c->st->drops[r] = v;
					c->st->has_drops = true;
				}
			}
		} else if (!strcmp(path, "rx_packets")) {
			c->st->rx_packets = v;
		} else if (!strcmp(path, "rx_bytes")) {
			c->st->rx_bytes = v;
		} else if (!strcmp(path, "tx_packets")) {
			c->st->tx_packets = v;
		} else if (!strcmp(path, "tx_bytes")) {
			c->st->tx_bytes = v;
		} else if (!strcmp(path, "rx_errors")) {
			c->st->rx_errors = v;
		} else if (!strcmp(path, "tx_errors")) {
			c->st->tx_errors = v;
		} else if (!strcmp(path, "tx_dropped")) {
			c->st->tx_dropped = v;
		} else if (!strcmp(path, "tx_no_endpoint")) {
			c->st->tx_no_endpoint = v;
		} else if (!strcmp(path, "tx_keepalives")) {
			c->st->tx_keepalives = v;
		} else if (!strcmp(path, "rx_keepalives")) {
			c->st->rx_keepalives = v;
		}
		return 0;
	}
	if (!strcmp(path, "datapath_active") || !strcmp(path, "datapath_why")) {
		if (c->st && type == JSON_STRING && path[9] == 'a')
			snprintf(c->st->datapath, sizeof(c->st->datapath), "%s", val);
		else if (c->st && type == JSON_STRING)
			snprintf(c->st->datapath_why, sizeof(c->st->datapath_why), "%s", val);
		return 0;
	}
	if (!strcmp(path, "name")) {
		if (type != JSON_STRING || !ifname_valid(val))
			return -EBADMSG;
		snprintf(c->t->name, sizeof(c->t->name), "%s", val);
		return 0;
	}
	/* keys are only ever added: ignore the ones this client does not know */
	if (!ctl_param_known(path))
		return 0;
	if (type == JSON_TRUE)
		val = "yes";
	else if (type == JSON_FALSE)
		val = "no";
	else if (type == JSON_NULL)
		return -EBADMSG;
	if (ctl_tunnel_set_param(c->t, &c->seen, path, val, why, sizeof(why)))
		return set_err(c->err, c->errlen, -EBADMSG, "gretund reply: %s", why);
	return 0;
}

int ctl_reply_parse_tunnel(const char *reply, size_t len, struct tunnel *t,
			   struct tunnel_stats *st, char *err, size_t errlen)
{
	struct tunnel_ctx c = { .t = t, .st = st, .err = err, .errlen = errlen };
	int ret;

	ret = ctl_reply_status(reply, len, err, errlen);
	if (ret)
		return ret;
	tunnel_init(t);
	if (st)
		memset(st, 0, sizeof(*st));
	ret = json_parse(reply, len, tunnel_cb, &c);
	if (ret)
		return ret == -EBADMSG ? ret : -EBADMSG;
	if (!t->name[0] || !(c.seen & CTL_KEY_REMOTE))
		return set_err(err, errlen, -EBADMSG, "gretund reply lacks name or remote");
	t->flags |= TUNNEL_HAS_MODE | TUNNEL_HAS_BACKEND;
	t->family = tunnel_mode_family(t->mode);
	t->backend = BACKEND_USERSPACE;
	return 0;
}

/* ---- requests --------------------------------------------------------------- */

static int request(const char *line, bool start, char *reply, size_t size, char *err,
		   size_t errlen)
{
	int fd, ret;

	/* A daemon that just destroyed its last tunnel is on its way out: it
	 * may still accept and then close. When we may start one, wait for
	 * the old to go and start a new (bounded: 40 x 50 ms). */
	for (int tries = 0;; tries++) {
		ret = start ? ctl_connect_or_start(&fd, err, errlen) :
			      ctl_connect(&fd, err, errlen);
		if (ret)
			return ret;
		ret = ctl_transact(fd, line, reply, size, err, errlen);
		close(fd);
		if (!start || tries >= 40 || (ret != -ECONNRESET && ret != -EPIPE))
			break;
		usleep(50000);
	}
	if (ret)
		return ret;
	return ctl_reply_status(reply, strlen(reply), err, errlen);
}

static int tunnel_request(enum ctl_cmd cmd, const struct tunnel *t, char *err, size_t errlen)
{
	char line[CTL_LINE_MAX], reply[CTL_REPLY_MAX];
	int n = ctl_request_format(line, sizeof(line), cmd, t);

	err_clear(err, errlen);
	if (n < 0)
		return set_err(err, errlen, n, "request too long");
	return request(line, cmd == CTL_CMD_CREATE, reply, sizeof(reply), err, errlen);
}

/* A create that got no clear answer (no reply in time, the connection
 * lost, a reply that does not parse) may have made the tunnel all the
 * same: then it is destroyed again, so that a failed create leaves nothing
 * behind either way. The first error and its message are what the caller
 * gets. */
int ctl_tunnel_create(const struct tunnel *t, char *err, size_t errlen)
{
	char ignored[CTL_ERR_MAX];
	int ret = tunnel_request(CTL_CMD_CREATE, t, err, errlen);

	if (ret != -EBADMSG && ret != -ETIMEDOUT && ret != -ECONNRESET && ret != -EPIPE &&
	    ret != -EMSGSIZE)
		return ret;
	ctl_tunnel_destroy(t->name, ignored, sizeof(ignored));
	return ret;
}

int ctl_tunnel_change(const struct tunnel *t, char *err, size_t errlen)
{
	int ret = tunnel_request(CTL_CMD_CHANGE, t, err, errlen);

	return ret == -ECONNREFUSED || ret == -ENOENT ? -ENODEV : ret;
}

int ctl_tunnel_destroy(const char *name, char *err, size_t errlen)
{
	char line[64], reply[CTL_REPLY_MAX];
	int ret;

	err_clear(err, errlen);
	snprintf(line, sizeof(line), "destroy %s", name);
	ret = request(line, false, reply, sizeof(reply), err, errlen);
	return ret == -ECONNREFUSED || ret == -ENOENT ? -ENODEV : ret;
}

int ctl_tunnel_get(const char *name, struct tunnel *t, struct tunnel_stats *st, char *err,
		   size_t errlen)
{
	char line[64], reply[CTL_REPLY_MAX];
	int ret;

	err_clear(err, errlen);
	snprintf(line, sizeof(line), "get %s", name);
	ret = request(line, false, reply, sizeof(reply), err, errlen);
	if (ret == -ECONNREFUSED || ret == -ENOENT)
		return -ENODEV;
	if (ret)
		return ret;
	return ctl_reply_parse_tunnel(reply, strlen(reply), t, st, err, errlen);
}

/* ---- many requests on one connection ----------------------------------------- */

/* Unanswered requests at most: their replies must fit in the socket's
 * buffer, since gretund drops a client that does not read. */
#define CTL_PIPELINE_DEPTH	32

/*
 * lines[0..n) sent back to back over fd, CTL_PIPELINE_DEPTH at most
 * unanswered; gretund answers in order. Each answer's status in ret[i],
 * its message in errs + i * errlen. *answered counts the answers; 0 when
 * all came, else the -errno that ended the connection (with its words in
 * err).
 */
static int pipeline(int fd, char *const *lines, size_t n, int *ret, char *errs, size_t errlen,
		    size_t *answered, char *err, size_t elen)
{
	size_t sent = 0, got = 0, have = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char *buf = malloc(2 * CTL_REPLY_MAX), *out = malloc(CTL_PIPELINE_DEPTH * CTL_LINE_MAX);
	int r = 0;

	*answered = 0;
	if (!buf || !out) {
		r = -ENOMEM;
		goto done;
	}
	while (got < n) {
		size_t len = 0;
		ssize_t k;
		char *nl;

		/* one send for every request the window has room for */
		while (sent < n && sent - got < CTL_PIPELINE_DEPTH) {
			size_t l = strlen(lines[sent]);

			memcpy(out + len, lines[sent], l);
			out[len + l] = '\n';
			len += l + 1;
			sent++;
		}
		for (size_t off = 0; off < len; off += (size_t)k) {
			k = send(fd, out + off, len - off, MSG_NOSIGNAL);
			if (k < 0 && errno == EINTR) {
				k = 0;
				continue;
			}
			if (k < 0) {
				r = -errno;
				goto done;
			}
		}
		/* at least one answer before the window moves */
		while (got < n && !(nl = memchr(buf, '\n', have))) {
			int pr = poll(&p, 1, CTL_TIMEOUT_MS);

			if (pr < 0 && errno == EINTR)
				continue;
			if (pr <= 0) {
				r = set_err(err, elen, -ETIMEDOUT, "gretund did not answer");
				goto done;
			}
			if (have == 2 * CTL_REPLY_MAX) {
				r = set_err(err, elen, -EMSGSIZE, "gretund reply too long");
				goto done;
			}
			k = recv(fd, buf + have, 2 * CTL_REPLY_MAX - have, 0);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				r = set_err(err, elen, k ? -errno : -ECONNRESET,
					    "gretund closed the connection");
				goto done;
			}
			have += (size_t)k;
		}
		while (got < n && (nl = memchr(buf, '\n', have))) {
			size_t l = (size_t)(nl - buf);

			ret[got] = ctl_reply_status(buf, l, errs + got * errlen, errlen);
			got++;
			memmove(buf, nl + 1, have - l - 1);
			have -= l + 1;
		}
	}
done:
	*answered = got;
	free(buf);
	free(out);
	return r;
}

/* The end of a *_many request: the connection and the request lines go;
 * r if the batch itself failed, else the first tunnel's error, else 0. */
static int many_finish(int fd, char **lines, size_t n, const int *ret, int r)
{
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (ret[i])
			return ret[i];
	return 0;
}

int ctl_tunnel_create_many(const struct tunnel *const *t, size_t n, int *ret, char *errs,
			   size_t errlen)
{
	char **lines = calloc(n ? n : 1, sizeof(*lines)), err[CTL_ERR_MAX] = "";
	size_t answered = 0;
	int fd = -1, r = 0;

	if (!lines)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int k;

		errs[i * errlen] = '\0';
		lines[i] = malloc(CTL_LINE_MAX);
		if (!lines[i]) {
			r = -ENOMEM;
			goto out;
		}
		k = ctl_request_format(lines[i], CTL_LINE_MAX, CTL_CMD_CREATE, t[i]);
		if (k < 0) {
			r = k;
			goto out;
		}
		/* the line without its newline: pipeline adds one */
		lines[i][strcspn(lines[i], "\n")] = '\0';
	}
	if (n && ctl_connect_or_start(&fd, err, sizeof(err)) == 0)
		pipeline(fd, lines, n, ret, errs, errlen, &answered, err, sizeof(err));
	/* Those without an answer (no gretund yet, or one on its way out
	 * after its last tunnel went): one by one, which starts a gretund
	 * and waits for an old one to go. A request sent but not answered
	 * may have made the tunnel: destroy first, as a failed create would. */
	for (size_t i = answered; i < n; i++) {
		char ignored[CTL_ERR_MAX];

		if (fd >= 0)
			ctl_tunnel_destroy(t[i]->name, ignored, sizeof(ignored));
		ret[i] = ctl_tunnel_create(t[i], errs + i * errlen, errlen);
	}
out:
	return many_finish(fd, lines, n, ret, r);
}

int ctl_tunnel_destroy_many(const char (*names)[IFNAMSIZ], size_t n, int *ret, char *errs,
			    size_t errlen)
{
	char **lines = calloc(n ? n : 1, sizeof(*lines)), err[CTL_ERR_MAX] = "";
	size_t answered = 0;
	int fd = -1, r = 0;

	if (!lines)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		errs[i * errlen] = '\0';
		lines[i] = malloc(IFNAMSIZ + 16);
		if (!lines[i]) {
			r = -ENOMEM;
			goto out;
		}
		snprintf(lines[i], IFNAMSIZ + 16, "destroy %s", names[i]);
	}
	r = n ? ctl_connect(&fd, err, sizeof(err)) : 0;
	if (r == -ECONNREFUSED || r == -ENOENT) {
		/* no gretund: none of them is served */
		for (size_t i = 0; i < n; i++)
			ret[i] = -ENODEV;
		r = 0;
		goto out;
	}
	if (r == 0 && n)
		pipeline(fd, lines, n, ret, errs, errlen, &answered, err, sizeof(err));
	r = 0;
	for (size_t i = 0; i < answered; i++)
		if (ret[i] == -ECONNREFUSED || ret[i] == -ENOENT)
			ret[i] = -ENODEV;
	for (size_t i = answered; i < n; i++)
		ret[i] = ctl_tunnel_destroy(names[i], errs + i * errlen, errlen);
out:
	return many_finish(fd, lines, n, ret, r);
}

struct list_ctx {
	char (*names)[IFNAMSIZ];
	size_t n, cap;
};

static int list_cb(const char *path, enum json_type type, const char *val, void *data)
{
	struct list_ctx *c = data;

	if (strcmp(path, "tunnels[]"))
		return 0;
	if (type != JSON_STRING || !ifname_valid(val))
		return -EBADMSG;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		char (*nn)[IFNAMSIZ] = realloc(c->names, cap * sizeof(*nn));

		if (!nn)
			return -ENOMEM;
		c->names = nn;
		c->cap = cap;
	}
	snprintf(c->names[c->n++], IFNAMSIZ, "%s", val);
	return 0;
}

int ctl_tunnel_list(char (**names)[IFNAMSIZ], size_t *n, char *err, size_t errlen)
{
	char reply[CTL_REPLY_MAX];
	struct list_ctx c = { 0 };
	int ret;

	*names = NULL;
	*n = 0;
	err_clear(err, errlen);
	ret = request("list", false, reply, sizeof(reply), err, errlen);
	if (ret == -ECONNREFUSED || ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	ret = json_parse(reply, strlen(reply), list_cb, &c);
	if (ret) {
		free(c.names);
		return ret;
	}
	*names = c.names;
	*n = c.n;
	return 0;
}

struct restart_ctx {
	int old_pid, new_pid;
};

static int restart_cb(const char *path, enum json_type type, const char *val, void *data)
{
	struct restart_ctx *c = data;

	if (type != JSON_NUMBER)
		return 0;
	if (!strcmp(path, "pid"))
		c->new_pid = atoi(val);
	else if (!strcmp(path, "old_pid"))
		c->old_pid = atoi(val);
	return 0;
}

int ctl_daemon_restart(int *old_pid, int *new_pid, char *err, size_t errlen)
{
	char reply[CTL_REPLY_MAX];
	struct restart_ctx c = { 0 };
	int fd, ret;

	ret = ctl_connect(&fd, err, errlen);
	if (ret)
		return ret;
	/* the daemon answers once the new process serves, or the handover
	 * was called off (its own timeout is shorter than ours) */
	ret = transact(fd, "ping", reply, sizeof(reply), CTL_TIMEOUT_MS, err, errlen);
	if (!ret)
		ret = ctl_reply_status(reply, strlen(reply), err, errlen);
	if (!ret) {
		json_parse(reply, strlen(reply), restart_cb, &c);
		*old_pid = c.new_pid;
		ret = transact(fd, "restart", reply, sizeof(reply), CTL_RESTART_TIMEOUT_MS, err,
			       errlen);
	}
	close(fd);
	if (ret)
		return ret;
	ret = ctl_reply_status(reply, strlen(reply), err, errlen);
	if (ret)
		return ret;
	c.new_pid = 0;
	json_parse(reply, strlen(reply), restart_cb, &c);
	*old_pid = c.old_pid;
	*new_pid = c.new_pid;
	return 0;
}
