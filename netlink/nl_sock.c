// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rtnetlink socket and the only code that sends requests and reads
 * replies: nl_talk (one request, one ACK), nl_dump (consistent dumps) and
 * batches (many requests in one sendmsg).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/rtnetlink.h>

#include "nl_priv.h"

#define NL_SOCKBUF_WANT		(16 * 1024 * 1024)
#define NL_DUMP_RETRIES		5
/* Kernel memory one error reply costs in our receive queue (skb truesize
 * of a capped NLMSG_ERROR with an extended ACK message), rounded up.
 * Measured about 768 on x86_64; a batch chunk never holds more messages
 * than rcvbuf / this, so even a chunk failing entirely fits. */
#define NL_REPLY_TRUESIZE	1280
#define NL_BATCH_MSG_MAX	8192	/* room reserved for the next message */
#define NL_BATCH_CHUNK_BYTES	(4 * 1024 * 1024)

static void sock_set_buf(int fd, int force_opt, int opt, int want, int *out)
{
	socklen_t sl = sizeof(*out);

	if (setsockopt(fd, SOL_SOCKET, force_opt, &want, sizeof(want)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, opt, &want, sizeof(want));
	if (getsockopt(fd, SOL_SOCKET, opt, out, &sl) < 0)
		*out = 212992;
}

int nl_open(struct nl_sock **out)
{
	struct nl_sock *nl;
	int one = 1, ret, fd;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->buf = malloc(NL_RECV_SIZE);
	if (!nl->buf) {
		ret = -ENOMEM;
		goto err;
	}
	nl->mnl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl->mnl) {
		ret = -errno;
		goto err;
	}
	if (mnl_socket_bind(nl->mnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto err;
	}
	nl->portid = mnl_socket_get_portid(nl->mnl);
	fd = mnl_socket_get_fd(nl->mnl);
	/* Both are optional: old kernels lack them and still work, only
	 * with less helpful errors and bigger ACKs. */
	(void)mnl_socket_setsockopt(nl->mnl, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(nl->mnl, NETLINK_CAP_ACK, &one, sizeof(one));
	sock_set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, NL_SOCKBUF_WANT, &nl->rcvbuf);
	sock_set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, NL_SOCKBUF_WANT, &nl->sndbuf);
	nl->seq = (uint32_t)time(NULL);
	*out = nl;
	return 0;
err:
	nl_close(nl);
	return ret;
}

void nl_close(struct nl_sock *nl)
{
	if (!nl)
		return;
	if (nl->mnl)
		mnl_socket_close(nl->mnl);
	free(nl->buf);
	free(nl);
}

void nl_errmsg(const struct nl_sock *nl, char *err, size_t errlen)
{
	if (errlen)
		snprintf(err, errlen, "%s", nl ? nl->errmsg : "");
}

/* ---- replies ------------------------------------------------------------ */

struct reply_ctx {
	struct nl_sock *nl;
	nl_msg_cb cb;
	void *data;
	int cb_err;		/* first error of the user callback, kept while draining */
	bool cb_done;		/* user callback said stop: drain the rest */
	bool intr;		/* NLM_F_DUMP_INTR seen */
	/* batches */
	uint32_t seq_first, seq_last;
	int *errors;
	bool have_first_err;
	bool last_seen;
};

/* Copy NLMSGERR_ATTR_MSG of an error reply into nl->errmsg. */
static void extack_capture(struct nl_sock *nl, const struct nlmsghdr *nlh)
{
	static const struct nl_policy pol[NLMSGERR_ATTR_MSG + 1] = {
		[NLMSGERR_ATTR_MSG] = { .type = MNL_TYPE_NUL_STRING },
	};
	const struct nlattr *tb[NLMSGERR_ATTR_MSG + 1];
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);
	size_t plen = nlh->nlmsg_len - MNL_NLMSG_HDRLEN;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < MNL_NLMSG_HDRLEN)
			return;
		off += MNL_ALIGN(e->msg.nlmsg_len) - MNL_NLMSG_HDRLEN;
	}
	if (off >= plen)
		return;
	if (nl_attr_parse((const char *)e + off, plen - off, pol, NLMSGERR_ATTR_MSG, tb) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG]) {
		const char *msg = mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]);
		size_t n = strnlen(msg, sizeof(nl->errmsg) - 1);

		memcpy(nl->errmsg, msg, n);
		nl->errmsg[n] = '\0';
	}
}

/* 0 for an ACK, -errno for an error, -EBADMSG if too short to say. */
int nl_ack_parse(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e;

	if (nlh->nlmsg_type != NLMSG_ERROR)
		return -EINVAL;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return -EBADMSG;
	e = mnl_nlmsg_get_payload(nlh);
	if (e->error > 0 || e->error < -4095)
		return -EBADMSG;
	return e->error;
}

static int ctl_error(const struct nlmsghdr *nlh, void *data)
{
	struct reply_ctx *c = data;
	int err = nl_ack_parse(nlh);

	if (err == -EBADMSG) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (c->errors) {
		uint32_t seq = nlh->nlmsg_seq;

		if (seq < c->seq_first || seq > c->seq_last) {
			errno = EPROTO;
			return MNL_CB_ERROR;
		}
		c->errors[seq - c->seq_first] = err;
		if (err && !c->have_first_err) {
			c->have_first_err = true;
			extack_capture(c->nl, nlh);
		}
		if (seq == c->seq_last) {
			c->last_seen = true;
			return MNL_CB_STOP;
		}
		return MNL_CB_OK;
	}
	if (err == 0)
		return MNL_CB_STOP;
	extack_capture(c->nl, nlh);
	errno = -err;
	return MNL_CB_ERROR;
}

static int ctl_done(const struct nlmsghdr *nlh, void *data)
{
	struct reply_ctx *c = data;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		c->intr = true;
	/* A dump that failed midway says so in DONE's payload. */
	if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(int))) {
		int err;

		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		if (err < 0 && err >= -4095) {
			errno = -err;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

static int ctl_noop(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = ctl_noop,
	[NLMSG_ERROR] = ctl_error,
	[NLMSG_DONE] = ctl_done,
	[NLMSG_OVERRUN] = ctl_noop,
};

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply_ctx *c = data;
	int ret;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		c->intr = true;
	if (!c->cb || c->cb_done)
		return MNL_CB_OK;
	errno = 0;
	ret = c->cb(nlh, c->data);
	if (ret == MNL_CB_ERROR) {
		c->cb_err = errno ? -errno : -EIO;
		c->cb_done = true;
	} else if (ret == MNL_CB_STOP) {
		c->cb_done = true;
	}
	/* Keep reading up to the ACK/DONE so no stale reply is left. */
	return MNL_CB_OK;
}

static int nl_send(struct nl_sock *nl, const void *buf, size_t len)
{
	ssize_t n;

	do {
		n = mnl_socket_sendto(nl->mnl, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EMSGSIZE;
	return 0;
}

static ssize_t nl_recv(struct nl_sock *nl, int flags)
{
	ssize_t n;

	do {
		n = recv(mnl_socket_get_fd(nl->mnl), nl->buf, NL_RECV_SIZE, flags);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	return n;
}

int nl_talk(struct nl_sock *nl, struct nlmsghdr *nlh, nl_msg_cb cb, void *data)
{
	struct reply_ctx c = { .nl = nl, .cb = cb, .data = data };
	uint32_t seq = ++nl->seq;
	int ret;

	nl->errmsg[0] = '\0';
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	ret = nl_send(nl, nlh, nlh->nlmsg_len);
	if (ret < 0)
		return ret;
	for (;;) {
		ssize_t n = nl_recv(nl, 0);

		if (n < 0)
			return (int)n;
		errno = 0;
		ret = mnl_cb_run2(nl->buf, (size_t)n, seq, nl->portid, data_cb, &c,
				  ctl_cbs, NLMSG_MIN_TYPE);
		if (ret < 0)
			return errno ? -errno : -EIO;
		if (ret == MNL_CB_STOP)
			break;
	}
	return c.cb_err;
}

/* A dump is read completely into memory and replayed to cb only when the
 * kernel did not flag it inconsistent, so callers never see a torn dump. */
struct dump_store {
	char *buf;
	size_t len, cap;
	size_t *chunk;		/* lengths of the datagrams, in order */
	size_t n_chunk, cap_chunk;
};

static int dump_store_add(struct dump_store *s, const void *p, size_t len)
{
	int ret;

	if (s->len + len > s->cap) {
		size_t ncap = s->cap ? s->cap : 65536;
		char *nb;

		while (ncap < s->len + len)
			ncap *= 2;
		nb = realloc(s->buf, ncap);
		if (!nb)
			return -ENOMEM;
		s->buf = nb;
		s->cap = ncap;
	}
	ret = nl_array_grow((void **)&s->chunk, &s->cap_chunk, s->n_chunk, sizeof(*s->chunk));
	if (ret < 0)
		return ret;
	memcpy(s->buf + s->len, p, len);
	s->len += len;
	s->chunk[s->n_chunk++] = len;
	return 0;
}

static int dump_once(struct nl_sock *nl, struct nlmsghdr *nlh, struct dump_store *s,
		     bool *intr, uint32_t *seqp)
{
	struct reply_ctx c = { .nl = nl };
	uint32_t seq = ++nl->seq;
	int ret;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	ret = nl_send(nl, nlh, nlh->nlmsg_len);
	if (ret < 0)
		return ret;
	for (;;) {
		ssize_t n = nl_recv(nl, 0);

		if (n < 0)
			return (int)n;
		int err;

		errno = 0;
		ret = mnl_cb_run2(nl->buf, (size_t)n, seq, nl->portid, data_cb, &c,
				  ctl_cbs, NLMSG_MIN_TYPE);
		if (ret < 0)
			return errno ? -errno : -EIO;
		err = dump_store_add(s, nl->buf, (size_t)n);
		if (err < 0)
			return err;
		if (ret == MNL_CB_STOP)
			break;
	}
	*intr = c.intr;
	*seqp = seq;
	return 0;
}

int nl_dump(struct nl_sock *nl, struct nlmsghdr *nlh, nl_msg_cb cb, void *data)
{
	struct dump_store s = { 0 };
	int ret = -EAGAIN;

	nl->errmsg[0] = '\0';
	for (int attempt = 0; attempt < NL_DUMP_RETRIES; attempt++) {
		struct reply_ctx c = { .nl = nl, .cb = cb, .data = data };
		bool intr = false;
		uint32_t seq = 0;
		size_t off = 0;

		s.len = 0;
		s.n_chunk = 0;
		ret = dump_once(nl, nlh, &s, &intr, &seq);
		if (ret < 0)
			goto out;
		if (intr) {
			ret = -EAGAIN;
			continue;
		}
		for (size_t i = 0; i < s.n_chunk && !c.cb_done; i++) {
			errno = 0;
			if (mnl_cb_run2(s.buf + off, s.chunk[i], seq, nl->portid, data_cb, &c,
					ctl_cbs, NLMSG_MIN_TYPE) < 0) {
				ret = errno ? -errno : -EIO;
				goto out;
			}
			off += s.chunk[i];
		}
		ret = c.cb_err;
		goto out;
	}
out:
	free(s.buf);
	free(s.chunk);
	return ret;
}

/* ---- batches ------------------------------------------------------------ */

struct nl_batch {
	char *buf;
	size_t len, cap;
	size_t count;
};

int nl_batch_new(struct nl_batch **out)
{
	struct nl_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->cap = 1024 * 1024;
	b->buf = malloc(b->cap);
	if (!b->buf) {
		free(b);
		return -ENOMEM;
	}
	*out = b;
	return 0;
}

void nl_batch_free(struct nl_batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b);
}

size_t nl_batch_count(const struct nl_batch *b)
{
	return b->count;
}

struct nlmsghdr *nl_batch_current(struct nl_batch *b)
{
	return (struct nlmsghdr *)(b->buf + b->len);
}

int nl_batch_next(struct nl_batch *b)
{
	const struct nlmsghdr *nlh = nl_batch_current(b);

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN || nlh->nlmsg_len > NL_BATCH_MSG_MAX)
		return -EINVAL;
	b->len += MNL_ALIGN(nlh->nlmsg_len);
	b->count++;
	if (b->cap - b->len < NL_BATCH_MSG_MAX) {
		size_t ncap = b->cap * 2;
		char *nb = realloc(b->buf, ncap);

		if (!nb) {
			/* Undo: the message is lost, the batch stays usable. */
			b->len -= MNL_ALIGN(nlh->nlmsg_len);
			b->count--;
			return -ENOMEM;
		}
		b->buf = nb;
		b->cap = ncap;
	}
	return 0;
}

/* Replies of one chunk: errors only, plus the ACK of its last message,
 * which the kernel processes after all others (synchronously, in our
 * sendmsg), so it marks the end. */
static int batch_chunk(struct nl_sock *nl, char *start, size_t bytes, size_t nmsg,
		       int *errors, bool *have_first_err)
{
	struct reply_ctx c = { .nl = nl, .errors = errors,
			       .have_first_err = *have_first_err };
	uint32_t first = nl->seq + 1;
	size_t off = 0;
	int ret, flags = 0;
	bool overrun = false;

	/* Sequence numbers must not wrap inside a chunk: the range check
	 * below compares them as plain integers. */
	if (first + nmsg < first)
		first = nl->seq = 1;
	for (size_t i = 0; i < nmsg; i++) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(start + off);

		nlh->nlmsg_seq = first + (uint32_t)i;
		nlh->nlmsg_pid = 0;
		nlh->nlmsg_flags |= NLM_F_REQUEST;
		if (i == nmsg - 1)
			nlh->nlmsg_flags |= NLM_F_ACK;
		else
			nlh->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
		off += MNL_ALIGN(nlh->nlmsg_len);
	}
	nl->seq = first + (uint32_t)nmsg - 1;
	c.seq_first = first;
	c.seq_last = nl->seq;
	ret = nl_send(nl, start, bytes);
	if (ret < 0)
		return ret;
	while (!c.last_seen) {
		ssize_t n = nl_recv(nl, flags);

		if (n == -ENOBUFS) {
			/* Replies were dropped: read what is left without
			 * waiting for an end that may never come. */
			overrun = true;
			flags = MSG_DONTWAIT;
			continue;
		}
		if (n == -EAGAIN && overrun)
			break;
		if (n < 0)
			return (int)n;
		errno = 0;
		ret = mnl_cb_run2(nl->buf, (size_t)n, 0, nl->portid, data_cb, &c,
				  ctl_cbs, NLMSG_MIN_TYPE);
		if (ret < 0)
			return errno ? -errno : -EIO;
	}
	*have_first_err = c.have_first_err;
	if (overrun) {
		/* We cannot tell lost errors from successes. */
		for (size_t i = 0; i < nmsg; i++)
			if (!errors[i])
				errors[i] = -ENOBUFS;
		return -ENOBUFS;
	}
	return 0;
}

int nl_batch_send(struct nl_sock *nl, struct nl_batch *b, int *errors)
{
	size_t max_msgs, max_bytes, off = 0, idx = 0;
	bool have_first_err = false;
	int ret = 0;

	nl->errmsg[0] = '\0';
	memset(errors, 0, b->count * sizeof(*errors));
	max_msgs = (size_t)(nl->rcvbuf > 0 ? nl->rcvbuf : 0) / NL_REPLY_TRUESIZE;
	if (max_msgs < 1)
		max_msgs = 1;
	max_bytes = nl->sndbuf > 4096 ? (size_t)nl->sndbuf - 4096 : 4096;
	if (max_bytes > NL_BATCH_CHUNK_BYTES)
		max_bytes = NL_BATCH_CHUNK_BYTES;

	while (idx < b->count) {
		size_t start = off, bytes = 0, n = 0;

		while (idx + n < b->count && n < max_msgs) {
			const struct nlmsghdr *nlh = (const void *)(b->buf + off);
			size_t l = MNL_ALIGN(nlh->nlmsg_len);

			if (n && bytes + l > max_bytes)
				break;
			bytes += l;
			off += l;
			n++;
		}
		ret = batch_chunk(nl, b->buf + start, bytes, n, errors + idx, &have_first_err);
		if (ret < 0) {
			for (size_t i = idx + n; i < b->count; i++)
				errors[i] = ret;
			return ret;
		}
		idx += n;
	}
	for (size_t i = 0; i < b->count; i++)
		if (errors[i])
			return errors[i];
	return 0;
}
