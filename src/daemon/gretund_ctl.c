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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "field.h"
#include "gretund_ctl.h"
#include "gretund_fp.h"
#include "gretund_loop.h"
#include "gretund_proto.h"
#include "gretund_restart.h"
#include "gretund_state.h"
#include "gretund_table.h"
#include "json.h"

struct gd_client {
	struct gd_watch w;
	int slot;
	bool discard;		/* skipping the rest of an oversize line */
	bool eof;		/* sent all it will send; waits for its answer */
	size_t len;
	char buf[CTL_LINE_MAX];
};


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

/* Replaces what w holds by the error reply (without its newline: the
 * caller adds it to every reply alike). */
static void reply_error(struct json_writer *w, int err, const char *msg)
{
	char *buf = w->buf;
	size_t size = w->size;
	int n;

	json_init_buf(w, buf, size);
	n = ctl_reply_error(buf, size, err, msg);
	if (n < 0)
		n = ctl_reply_error(buf, size, err, NULL);
	if (n > 0) {
		buf[n - 1] = '\0';	/* the newline */
		w->len = (size_t)n - 1;
	}
}

/* Which data path serves it, and why not the fast path. */
static void reply_datapath(struct json_writer *w, const struct gd_tunnel *gt)
{
	const char *why;

	json_str(w, "datapath_active", gd_fp_datapath(gt, &why));
	if (why[0])
		json_str(w, "datapath_why", why);
}

/* The tunnel's parameters, in the protocol's spelling (gretund(8)), from
 * the field table: the client reads them back with ctl_tunnel_set_param. */
static void reply_tunnel_params(struct json_writer *w, const struct gd_tunnel *gt)
{
	struct field_value v;

	for (size_t i = 0; i < tunnel_fields_n; i++) {
		const char *key = tunnel_fields[i].ctl;

		if (!key)
			continue;
		field_get(&tunnel_fields[i], &gt->t, &v);
		if (v.type == FIELD_STR)
			json_str(w, key, v.str);
		else if (v.type == FIELD_NUM)
			json_u64(w, key, v.num);
		else if (v.type == FIELD_TRUE_FALSE)
			json_bool(w, key, v.on);
	}
	json_i64(w, "ifindex", gt->ifindex);
	reply_datapath(w, gt);
	json_u64(w, "path_mtu", gt->pmtu);
	json_u64(w, "o_seqno", gt->o_seqno);
	json_u64(w, "i_seqno", gt->i_seqno);
}

/* gretund's own counters and the fast path's, so that they stay true
 * whichever path a packet took. */
static void reply_tunnel_stats(struct json_writer *w, struct gd *gd, const struct gd_tunnel *gt)
{
	struct tunnel_stats sum = gt->st;
	const struct tunnel_stats *st = &sum;

	gd_fp_stats_add(gd, gt, &sum);
	json_object_begin(w, "stats");
	json_u64(w, "rx_packets", st->rx_packets);
	json_u64(w, "rx_bytes", st->rx_bytes);
	json_u64(w, "tx_packets", st->tx_packets);
	json_u64(w, "tx_bytes", st->tx_bytes);
	json_u64(w, "rx_errors", st->rx_errors);
	json_u64(w, "tx_errors", st->tx_errors);
	json_u64(w, "tx_dropped", st->tx_dropped);
	if (tunnel_learns(&gt->t))
		json_u64(w, "tx_no_endpoint", st->tx_no_endpoint);
	json_u64(w, "tx_keepalives", st->tx_keepalives);
	json_u64(w, "rx_keepalives", st->rx_keepalives);
	if (gt->t.keepalive_interval) {
		json_bool(w, "keepalive_up", st->keepalive_up);
		json_i64(w, "keepalive_last_reply", st->keepalive_last_reply);
		json_u64(w, "keepalive_missed", gt->ka_missed);
	}
	json_object_begin(w, "drops");
	for (int r = GRE_OK + 1; r < GRE_DROP_MAX_; r++)
		json_u64(w, gre_drop_name((enum gre_drop)r), st->drops[r]);
	json_object_end(w);
	json_object_end(w);
}

static void reply_tunnel(struct json_writer *w, struct gd *gd, const struct gd_tunnel *gt,
			 bool params)
{
	json_object_begin(w, NULL);
	json_bool(w, "ok", true);
	json_str(w, "name", gt->t.name);
	if (params)
		reply_tunnel_params(w, gt);
	reply_tunnel_stats(w, gd, gt);
	json_object_end(w);
}

static void reply_ping(struct json_writer *w, const struct gd *gd)
{
	json_object_begin(w, NULL);
	json_bool(w, "ok", true);
	json_i64(w, "pid", getpid());
	json_str(w, "version", PACKAGE_VERSION);
	json_u64(w, "tunnels", gd->n_tunnels);
	json_u64(w, "unmatched", gd->unmatched);
	json_object_end(w);
}

static void reply_list(struct json_writer *w, struct gd *gd)
{
	/* only tunnels whose device still exists */
	gd_tunnels_reap(gd, true);
	json_object_begin(w, NULL);
	json_bool(w, "ok", true);
	json_array_begin(w, "tunnels");
	for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next)
		if (!gt->dev_gone)
			json_str(w, NULL, gt->t.name);
	json_array_end(w);
	json_object_end(w);
}

/* The answer to create, change and destroy. */
static void reply_done(struct json_writer *w, struct gd *gd, int ret, const char *name,
		       const char *err)
{
	struct gd_tunnel *gt;

	if (ret) {
		reply_error(w, ret, err);
		return;
	}
	gd_state_save(gd);
	gt = gd_table_find(gd, name);
	json_object_begin(w, NULL);
	json_bool(w, "ok", true);
	json_str(w, "name", name);
	if (gt) {
		json_i64(w, "ifindex", gt->ifindex);
		reply_datapath(w, gt);
	}
	json_object_end(w);
}

/* Datapath=bpf where the fast path does not serve the tunnel: -EOPNOTSUPP
 * with the reason, and the caller undoes what it did. */
static int datapath_check(struct gd *gd, const char *name, char *err, size_t errlen)
{
	struct gd_tunnel *gt = gd_table_find(gd, name);
	const char *why;

	if (!gt || gt->t.datapath != DATAPATH_BPF || !strcmp(gd_fp_datapath(gt, &why), "bpf"))
		return 0;
	snprintf(err, errlen, "Datapath=bpf: the fast path cannot serve %s: %s", name, why);
	return -EOPNOTSUPP;
}

/* A change, back to the old parameters when Datapath=bpf cannot be had. */
static int tunnel_change(struct gd *gd, const struct tunnel *t, char *err, size_t errlen)
{
	struct gd_tunnel *gt = gd_tunnel_live(gd, gd_table_find(gd, t->name));
	struct tunnel old;
	char ignored[CTL_ERR_MAX];
	int ret;

	if (gt)
		old = gt->t;	/* no arrays or hooks in the table's copy */
	ret = gd_tunnel_change(gd, t, err, errlen);
	if (ret || !gt || !(ret = datapath_check(gd, t->name, err, errlen)))
		return ret;
	gd_tunnel_change(gd, &old, ignored, sizeof(ignored));
	return ret;
}

/* Handles the requests that change nothing and answer at once. */
static void handle_query(struct json_writer *w, struct gd *gd, const struct ctl_request *req)
{
	struct gd_tunnel *gt;
	char err[CTL_ERR_MAX];

	switch (req->cmd) {
	case CTL_CMD_PING:
		reply_ping(w, gd);
		break;
	case CTL_CMD_LIST:
		reply_list(w, gd);
		break;
	case CTL_CMD_GET:
	case CTL_CMD_STATS:
		gt = gd_tunnel_live(gd, gd_table_find(gd, req->name));
		if (!gt || gt->dev_gone) {
			snprintf(err, sizeof(err), "no tunnel %s", req->name);
			reply_error(w, -ENODEV, err);
			break;
		}
		reply_tunnel(w, gd, gt, req->cmd == CTL_CMD_GET);
		break;
	default:
		reply_error(w, -EINVAL, "unknown command");
		break;
	}
}

void gd_ctl_handle_line(struct gd *gd, struct gd_client *c, const char *line, size_t len,
			char *reply, size_t size)
{
	struct json_writer w;
	struct ctl_request req;
	char err[CTL_ERR_MAX] = "";
	int ret;

	/* one byte kept back for the newline */
	json_init_buf(&w, reply, size - 1);
	ret = ctl_request_parse(line, len, &req, err, sizeof(err));
	if (ret) {
		reply_error(&w, ret, err);
		goto out;
	}
	switch (req.cmd) {
	case CTL_CMD_RESTART:
		ret = gd_restart_begin(gd, reply_pending, err, sizeof(err));
		if (ret) {
			reply_error(&w, ret, err);
			break;
		}
		gd->restart_client = c;
		/* answered when the handover ends (reply_pending) */
		reply[0] = '\0';
		return;
	case CTL_CMD_CREATE:
		ret = gd_tunnel_create(gd, &req.t, err, sizeof(err));
		if (!ret && (ret = datapath_check(gd, req.name, err, sizeof(err))))
			gd_tunnel_destroy(gd, req.name);
		reply_done(&w, gd, ret, req.name, err);
		break;
	case CTL_CMD_CHANGE:
		ret = tunnel_change(gd, &req.t, err, sizeof(err));
		reply_done(&w, gd, ret, req.name, err);
		break;
	case CTL_CMD_DESTROY:
		ret = gd_tunnel_destroy(gd, req.name);
		if (ret)
			snprintf(err, sizeof(err), "no tunnel %s", req.name);
		else if (!gd->n_tunnels && !gd->persistent)
			gd->stop = true;	/* after this reply is written */
		reply_done(&w, gd, ret, req.name, err);
		break;
	default:
		handle_query(&w, gd, &req);
		break;
	}
out:
	if (json_writer_status(&w))
		reply_error(&w, -ENOSPC, "reply too long");
	reply[w.len++] = '\n';
	reply[w.len] = '\0';
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
	char *reply = gd->ctl_reply;
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
			gd_ctl_handle_line(gd, c, c->buf, linelen, reply, GD_CTL_REPLY_MAX);
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
			gd_ctl_handle_line(gd, c, c->buf, c->len, reply, GD_CTL_REPLY_MAX);
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
	char line[128];
	int n;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct gd_client *c;
	int fd, slot;

	fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) ||
	    gd_peer_allowed(cred.pid, cred.uid)) {
		n = ctl_reply_error(line, sizeof(line), -EPERM,
				    "permission denied: need uid 0 or CAP_NET_ADMIN");
		if (n > 0)
			send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	for (slot = 0; slot < GD_MAX_CLIENTS && gd->clients[slot]; slot++)
		;
	c = slot < GD_MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		n = ctl_reply_error(line, sizeof(line), -EBUSY, "too many clients");
		if (n > 0)
			send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
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
	if (!gd->ctl_reply && !(gd->ctl_reply = malloc(GD_CTL_REPLY_MAX)))
		return -ENOMEM;
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
	free(gd->ctl_reply);
	gd->ctl_reply = NULL;
}

/* The answer for the client whose restart request was pending. */
static void reply_pending(struct gd *gd, const char *line)
{
	struct gd_client *c = gd->restart_client;

	gd->restart_client = NULL;
	if (c && (client_send(c, line, strlen(line)) || c->eof))
		client_close(gd, c);
}
