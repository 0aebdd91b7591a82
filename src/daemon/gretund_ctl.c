// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket: abstract unix stream "\0gretun/gretund" (abstract
 * names are scoped by network namespace, so this is one gretund per netns),
 * text requests, one single-line JSON reply each. Peers are checked with
 * SO_PEERCRED before anything is read from them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "gretund_ctl.h"
#include "gretund_loop.h"
#include "gretund_proto.h"
#include "gretund_restart.h"
#include "gretund_state.h"
#include "gretund_table.h"

struct gd_client {
	struct gd_watch w;
	int slot;
	bool discard;		/* skipping the rest of an oversize line */
	bool eof;		/* sent all it will send; waits for its answer */
	size_t len;
	char buf[CTL_LINE_MAX];
};

/* The client whose line gd_ctl_handle_line is handling (NULL in tests). */
static struct gd_client *current_client;

static void reply_pending(struct gd *gd, const char *line);

int gd_ctl_listen(int *out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				   strlen(CTL_SOCKET_NAME));
	int fd, ret;

	memcpy(sun.sun_path + 1, CTL_SOCKET_NAME, strlen(CTL_SOCKET_NAME));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sl) || listen(fd, 16)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	*out = fd;
	return 0;
}

int gd_peer_allowed(pid_t pid, uid_t uid)
{
	return ctl_peer_privileged(pid, uid);
}

struct jbuf {
	char *p;
	size_t size, len;
};

static void jprintf(struct jbuf *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void jprintf(struct jbuf *j, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (j->len >= j->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(j->p + j->len, j->size - j->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		j->len += (size_t)n;
}

/* "key":"value", the value escaped (ctl_json_quote): names, messages and
 * whatever else is text goes out through here and nowhere else. */
static void jstr(struct jbuf *j, const char *key, const char *s)
{
	char q[6 * CTL_ERR_MAX + 3];

	if (ctl_json_quote(q, sizeof(q), s))
		snprintf(q, sizeof(q), "\"?\"");
	if (key)
		jprintf(j, "\"%s\":%s", key, q);
	else
		jprintf(j, "%s", q);
}

static void reply_error(struct jbuf *j, int err, const char *msg)
{
	j->len = 0;
	jprintf(j, "{\"ok\":false,");
	jstr(j, "error", msg && *msg ? msg : strerror(-err));
	jprintf(j, ",\"errno\":%d}", -err);
}

static void reply_tunnel(struct jbuf *j, const struct gd_tunnel *gt, bool params)
{
	const struct tunnel *t = &gt->t;
	const struct tunnel_stats *st = &gt->st;
	char a[INET6_ADDRSTRLEN], fl[16];

	jprintf(j, "{\"ok\":true,");
	jstr(j, "name", t->name);
	if (params) {
		jprintf(j, ",");
		jstr(j, "mode", tunnel_mode_name(t->mode));
		jprintf(j, ",\"ifindex\":%d", gt->ifindex);
		if (t->flags & TUNNEL_HAS_LOCAL) {
			inet_ntop(t->family, &t->local, a, sizeof(a));
			jprintf(j, ",\"local\":\"%s\"", a);
		}
		inet_ntop(t->family, &t->remote, a, sizeof(a));
		jprintf(j, ",\"remote\":\"%s\"", a);
		if (t->iflags & GRE_OPT_KEY)
			jprintf(j, ",\"ikey\":%u", t->ikey);
		if (t->oflags & GRE_OPT_KEY)
			jprintf(j, ",\"okey\":%u", t->okey);
		jprintf(j, ",\"iflags\":\"%s\"", ctl_flags_str(t->iflags, fl, sizeof(fl)));
		jprintf(j, ",\"oflags\":\"%s\"", ctl_flags_str(t->oflags, fl, sizeof(fl)));
		jprintf(j, ",\"ttl\":%u", t->ttl);
		if (t->tos_inherit)
			jprintf(j, ",\"tos\":\"inherit\"");
		else
			jprintf(j, ",\"tos\":%u", t->tos);
		jprintf(j, ",\"pmtudisc\":%s,\"ignore_df\":%s", t->pmtudisc ? "true" : "false",
			t->ignore_df ? "true" : "false");
		if (t->dev[0]) {
			jprintf(j, ",");
			jstr(j, "dev", t->dev);
		}
		jprintf(j, ",\"fwmark\":%u,\"encap\":\"%s\",\"encap_dport\":%u,\"encap_sport\":%u",
			t->fwmark, t->encap == ENCAP_UDP ? "udp" : "none", t->encap_dport,
			t->encap_sport);
		jprintf(j, ",\"mtu\":%u,\"path_mtu\":%u,\"o_seqno\":%u,\"i_seqno\":%u", t->mtu,
			gt->pmtu, gt->o_seqno, gt->i_seqno);
		if (t->keepalive_interval)
			jprintf(j, ",\"keepalive\":\"%u,%u\"", t->keepalive_interval,
				t->keepalive_retries);
	}
	jprintf(j, ",\"stats\":{\"rx_packets\":%llu,\"rx_bytes\":%llu,\"tx_packets\":%llu,"
		"\"tx_bytes\":%llu,\"rx_errors\":%llu,\"tx_errors\":%llu,\"tx_dropped\":%llu,",
		(unsigned long long)st->rx_packets, (unsigned long long)st->rx_bytes,
		(unsigned long long)st->tx_packets, (unsigned long long)st->tx_bytes,
		(unsigned long long)st->rx_errors, (unsigned long long)st->tx_errors,
		(unsigned long long)st->tx_dropped);
	if (t->keepalive_interval)
		jprintf(j, "\"keepalive_up\":%s,\"keepalive_last_reply\":%lld,\"keepalive_missed\":%u,",
			st->keepalive_up ? "true" : "false", (long long)st->keepalive_last_reply,
			gt->ka_missed);
	jprintf(j, "\"drops\":{");
	for (int r = GRE_OK + 1; r < GRE_DROP_MAX_; r++)
		jprintf(j, "%s\"%s\":%llu", r == GRE_OK + 1 ? "" : ",",
			gre_drop_name((enum gre_drop)r), (unsigned long long)st->drops[r]);
	jprintf(j, "}}}");
}

void gd_ctl_handle_line(struct gd *gd, const char *line, size_t len, char *reply, size_t size)
{
	struct jbuf j = { .p = reply, .size = size - 1 };
	struct ctl_request req;
	char err[CTL_ERR_MAX] = "";
	struct gd_tunnel *gt;
	int ret;

	ret = ctl_request_parse(line, len, &req, err, sizeof(err));
	if (ret) {
		reply_error(&j, ret, err);
		goto out;
	}
	switch (req.cmd) {
	case CTL_CMD_PING:
		jprintf(&j, "{\"ok\":true,\"pid\":%d,\"version\":\"%s\",\"tunnels\":%zu,"
			"\"unmatched\":%llu}", (int)getpid(), PACKAGE_VERSION, gd->n_tunnels,
			(unsigned long long)gd->unmatched);
		break;
	case CTL_CMD_RESTART:
		ret = gd_restart_begin(gd, reply_pending, err, sizeof(err));
		if (ret) {
			reply_error(&j, ret, err);
			break;
		}
		gd->restart_client = current_client;
		/* answered when the handover ends (reply_pending) */
		reply[0] = '\0';
		return;
	case CTL_CMD_LIST: {
		bool first = true;

		/* only tunnels whose device still exists */
		gd_tunnels_reap(gd, true);
		jprintf(&j, "{\"ok\":true,\"tunnels\":[");
		for (gt = gd->tunnels; gt; gt = gt->next) {
			if (gt->dev_gone)
				continue;
			jprintf(&j, "%s", first ? "" : ",");
			jstr(&j, NULL, gt->t.name);
			first = false;
		}
		jprintf(&j, "]}");
		break;
	}
	case CTL_CMD_CREATE:
		ret = gd_tunnel_create(gd, &req.t, err, sizeof(err));
		goto done;
	case CTL_CMD_CHANGE:
		ret = gd_tunnel_change(gd, &req.t, err, sizeof(err));
		goto done;
	case CTL_CMD_DESTROY:
		ret = gd_tunnel_destroy(gd, req.name);
		if (ret)
			snprintf(err, sizeof(err), "no tunnel %s", req.name);
		else if (!gd->n_tunnels && !gd->persistent)
			gd->stop = true;	/* after this reply is written */
		goto done;
	case CTL_CMD_GET:
	case CTL_CMD_STATS:
		gt = gd_tunnel_live(gd, gd_table_find(gd, req.name));
		if (!gt || gt->dev_gone) {
			snprintf(err, sizeof(err), "no tunnel %s", req.name);
			reply_error(&j, -ENODEV, err);
			break;
		}
		reply_tunnel(&j, gt, req.cmd == CTL_CMD_GET);
		break;
	default:
		reply_error(&j, -EINVAL, "unknown command");
		break;
	}
	goto out;
done:
	if (ret) {
		reply_error(&j, ret, err);
	} else {
		gd_state_save(gd);
		gt = gd_table_find(gd, req.name);
		jprintf(&j, "{\"ok\":true,");
		jstr(&j, "name", req.name);
		if (gt)
			jprintf(&j, ",\"ifindex\":%d", gt->ifindex);
		jprintf(&j, "}");
	}
out:
	if (j.len >= j.size) {
		j.len = 0;
		reply_error(&j, -ENOSPC, "reply too long");
	}
	reply[j.len++] = '\n';
	reply[j.len] = '\0';
}

static void client_close(struct gd *gd, struct gd_client *c)
{
	if (gd->restart_client == c)
		gd->restart_client = NULL;
	gd_loop_del(gd, &c->w);
	close(c->w.fd);
	gd->clients[c->slot] = NULL;
	free(c);
}

static int client_send(struct gd_client *c, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(c->w.fd, s, len, MSG_NOSIGNAL);

		if (n < 0) {
			/* replies are small; a client that does not read them
			 * loses its connection rather than stalling the daemon */
			return -errno;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static void client_event(struct gd *gd, struct gd_watch *w, uint32_t events)
{
	struct gd_client *c = (struct gd_client *)(void *)w;
	static char reply[16384];
	ssize_t n;
	char *nl;

	n = recv(w->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		/* a client that shut down its side after `restart' (socat,
		 * `printf | nc') still gets the answer when the handover ends */
		if (n == 0 && gd->restart_client == c) {
			gd_loop_del(gd, &c->w);
			c->eof = true;
			return;
		}
		client_close(gd, c);
		return;
	}
	c->len += (size_t)n;
	while ((nl = memchr(c->buf, '\n', c->len))) {
		size_t linelen = (size_t)(nl - c->buf) + 1;

		if (c->discard) {
			c->discard = false;
		} else {
			current_client = c;
			gd_ctl_handle_line(gd, c->buf, linelen, reply, sizeof(reply));
			current_client = NULL;
			if (client_send(c, reply, strlen(reply))) {
				client_close(gd, c);
				return;
			}
		}
		memmove(c->buf, c->buf + linelen, c->len - linelen);
		c->len -= linelen;
		if (gd->stop)
			return;
	}
	if (c->len == sizeof(c->buf)) {
		/* no newline within CTL_LINE_MAX: answer once, skip to the next */
		if (!c->discard) {
			gd_ctl_handle_line(gd, c->buf, c->len, reply, sizeof(reply));
			if (client_send(c, reply, strlen(reply))) {
				client_close(gd, c);
				return;
			}
		}
		c->discard = true;
		c->len = 0;
	}
}

static void listen_event(struct gd *gd, struct gd_watch *w, uint32_t events)
{
	static const char denied[] = "{\"ok\":false,\"error\":\"permission denied: "
				     "need uid 0 or CAP_NET_ADMIN\",\"errno\":1}\n";
	static const char busy[] = "{\"ok\":false,\"error\":\"too many clients\",\"errno\":16}\n";
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct gd_client *c;
	int fd, slot;

	fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) ||
	    gd_peer_allowed(cred.pid, cred.uid)) {
		send(fd, denied, sizeof(denied) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	for (slot = 0; slot < GD_MAX_CLIENTS && gd->clients[slot]; slot++)
		;
	c = slot < GD_MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	c->w.fd = fd;
	c->w.fn = client_event;
	c->slot = slot;
	if (gd_loop_add(gd, &c->w, EPOLLIN)) {
		close(fd);
		free(c);
		return;
	}
	gd->clients[slot] = c;
}

int gd_ctl_start(struct gd *gd, int listen_fd)
{
	int fl = fcntl(listen_fd, F_GETFL);

	if (fl >= 0)
		fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK);
	fcntl(listen_fd, F_SETFD, FD_CLOEXEC);
	gd->ctl.fd = listen_fd;
	gd->ctl.fn = listen_event;
	return gd_loop_add(gd, &gd->ctl, EPOLLIN);
}

void gd_ctl_stop(struct gd *gd)
{
	for (int i = 0; i < GD_MAX_CLIENTS; i++)
		if (gd->clients[i])
			client_close(gd, gd->clients[i]);
	if (gd->ctl.fd >= 0) {
		gd_loop_del(gd, &gd->ctl);
		close(gd->ctl.fd);
		gd->ctl.fd = -1;
	}
}

/* The answer for the client whose restart request was pending. */
static void reply_pending(struct gd *gd, const char *line)
{
	struct gd_client *c = gd->restart_client;

	gd->restart_client = NULL;
	if (c && (client_send(c, line, strlen(line)) || c->eof))
		client_close(gd, c);
}
