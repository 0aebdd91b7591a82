// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * GRE-in-UDP segmentation offload: the GRE packets made from one TSO burst
 * have one UDP source port (one inner flow) and, all but the last, one
 * size; they go out with one sendmsg on a UDP socket bound to that port,
 * with UDP_SEGMENT, so the burst crosses the stack (and a veth) as one
 * buffer and the kernel writes each UDP header. Sockets are cached per
 * (family, source port, DF, mark, device, local address), a few at most;
 * a bind that fails (the port is taken) or a GSO send the kernel refuses
 * is remembered and those packets go the per-packet way (the run that was
 * refused too, at once), as does everything when the kernel has no
 * UDP_SEGMENT. The UDP checksum is then always filled (the kernel refuses
 * GSO without it); receivers accept both.
 */
#include <errno.h>
#include <linux/filter.h>
#include <netinet/udp.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "gretund_data_int.h"

#ifndef SOL_UDP
#define SOL_UDP		17
#endif
#define GSO_MAX_BYTES	(65535u - 48u)	/* UDP payload of one send */
/* Opening and binding a GSO socket costs more than a few sends: a source
 * port without one needs a run of GSO_MIN_NEW. */
#define GSO_MIN_NEW	8

/* Bind fd to t's local address (if any) and sport, with DF as asked. */
static int gso_sock_bind(int fd, const struct tunnel *t, bool df, uint16_t sport)
{
	struct sockaddr_storage ss = { 0 };
	int on = 1, pmtu;
	socklen_t sl;

	if (t->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		pmtu = df ? IPV6_PMTUDISC_DO : IPV6_PMTUDISC_DONT;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof(pmtu)))
			return -1;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(sport);
		if (t->flags & TUNNEL_HAS_LOCAL)
			s6->sin6_addr = t->local.v6;
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		pmtu = df ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;
		if (setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu)))
			return -1;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(sport);
		if (t->flags & TUNNEL_HAS_LOCAL)
			s4->sin_addr = t->local.v4;
		sl = sizeof(*s4);
	}
	return bind(fd, (struct sockaddr *)&ss, sl);
}

/* A send-only UDP socket (it drops all it receives) for GSO sends. */
static int gso_sock_open(struct gd_gso *g, const struct tunnel *t, bool df, uint16_t sport)
{
	struct sock_filter drop_all[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog prog = { .len = 1, .filter = drop_all };
	int fd, on = 1, zero = 0, buf = 1 << 23;

	fd = socket(t->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_UDP, UDP_SEGMENT, &zero, sizeof(zero))) {
		if (errno == ENOPROTOOPT || errno == EINVAL)
			g->support = -1;
		goto fail;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)))
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (t->fwmark && setsockopt(fd, SOL_SOCKET, SO_MARK, &t->fwmark, sizeof(int)))
		goto fail;
	if (t->dev[0] && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, t->dev,
				    (socklen_t)strlen(t->dev)))
		goto fail;
	if (gso_sock_bind(fd, t, df, sport))
		goto fail;
	g->support = 1;
	return fd;
fail:
	close(fd);
	return -1;
}

static struct gso_sock *gso_sock_find(struct gd_gso *gs, const struct tunnel *t, bool df,
				      uint16_t sport)
{
	bool local = (t->flags & TUNNEL_HAS_LOCAL) != 0;

	for (unsigned int i = 0; i < gs->nsock; i++) {
		struct gso_sock *g = &gs->sock[i];

		if (g->family == t->family && g->df == df && g->sport == sport &&
		    g->mark == t->fwmark && g->has_local == local &&
		    (!local || !memcmp(&g->local, &t->local, sizeof(g->local))) &&
		    !strcmp(g->dev, t->dev))
			return g;
	}
	return NULL;
}

static bool gso_sock_cached(struct gd_gso *gs, const struct tunnel *t, bool df, uint16_t sport)
{
	const struct gso_sock *g = gso_sock_find(gs, t, df, sport);

	return g && g->fd >= 0;
}

static int gso_sock_get(struct gd_gso *gs, const struct tunnel *t, bool df, uint16_t sport)
{
	bool local = (t->flags & TUNNEL_HAS_LOCAL) != 0;
	struct gso_sock *g = gso_sock_find(gs, t, df, sport), *lru = NULL;

	if (g) {
		g->used = ++gs->clock;
		return g->fd;
	}
	for (unsigned int i = 0; i < gs->nsock; i++)
		if (!lru || gs->sock[i].used < lru->used)
			lru = &gs->sock[i];
	if (gs->nsock < GSO_SOCKS) {
		g = &gs->sock[gs->nsock++];
	} else {
		g = lru;
		if (g->fd >= 0)
			close(g->fd);
	}
	g->family = t->family;
	g->df = df;
	g->sport = sport;
	g->mark = t->fwmark;
	g->has_local = local;
	memset(&g->local, 0, sizeof(g->local));
	if (local)
		g->local = t->local;
	memcpy(g->dev, t->dev, sizeof(g->dev));
	g->used = ++gs->clock;
	g->fd = gso_sock_open(gs, t, df, sport);
	return g->fd;
}

/* The kernel refuses GSO on this socket's route (EIO: an xfrm route or a
 * device without checksum offload; EINVAL): its packets go the per-packet
 * way from now on, without asking again. */
static void gso_sock_refused(struct gd_gso *gs, const struct tunnel *t, bool df, uint16_t sport)
{
	struct gso_sock *g = gso_sock_find(gs, t, df, sport);

	if (g && g->fd >= 0) {
		close(g->fd);
		g->fd = -1;
	}
}

void gd_gso_close(struct gd_gso *gs)
{
	for (unsigned int i = 0; i < gs->nsock; i++)
		if (gs->sock[i].fd >= 0)
			close(gs->sock[i].fd);
	gs->nsock = 0;
}

/*
 * How many slots from i on could go as one UDP GSO send: GRE-in-UDP of one
 * tunnel, one send socket and DF choice, one source port, the same TTL/TOS
 * (control messages), one size (only the last may be shorter). Less than
 * 2 means none.
 */
unsigned int gd_gso_run(struct gd_data *d, unsigned int i)
{
	const struct gd_tx *tx = &d->tx;
	const struct tx_slot *a = &tx->slot[i];
	const struct msghdr *am = &tx->mm[i].msg_hdr;
	unsigned int j = i + 1;
	uint16_t sport;

	if (d->gso.support < 0 || a->fd == TX_SENT || a->gt->t.encap != ENCAP_UDP ||
	    a->iov.iov_len < 8 || i + 1 >= tx->n)
		return 0;
	sport = get16(a->iov.iov_base);
	while (j < tx->n) {
		const struct tx_slot *b = &tx->slot[j];
		const struct msghdr *bm = &tx->mm[j].msg_hdr;

		if (b->gt != a->gt || b->fd != a->fd || b->df != a->df ||
		    b->iov.iov_len < 8 || b->iov.iov_len > a->iov.iov_len ||
		    get16(b->iov.iov_base) != sport || bm->msg_controllen != am->msg_controllen ||
		    memcmp(bm->msg_control, am->msg_control, am->msg_controllen))
			break;
		j++;
		if (b->iov.iov_len < a->iov.iov_len)
			break;		/* a shorter one ends the run */
	}
	if (j - i < GSO_MIN_NEW && !gso_sock_cached(&d->gso, &a->gt->t, a->df, sport))
		return 0;
	return j - i;
}

/* Do slots [s, s + n) share slot s's DF, source port and size (the last
 * one may be shorter)? */
static bool gso_run_uniform(const struct gd_tx *tx, unsigned int s, unsigned int n)
{
	const struct tx_slot *a = &tx->slot[s];
	uint16_t sport = get16(a->iov.iov_base);

	for (unsigned int i = s; i < s + n; i++) {
		const struct tx_slot *x = &tx->slot[i];

		if (x->df != a->df || get16(x->iov.iov_base) != sport || x->iov.iov_len < 8 ||
		    (i < s + n - 1 ? x->iov.iov_len != a->iov.iov_len :
				     x->iov.iov_len > a->iov.iov_len))
			return false;
	}
	return true;
}

/* One UDP GSO send of m slots from first, their UDP headers left out (the
 * kernel writes them), with slot first's control messages. */
static int gso_send_one(struct gd_data *d, int fd, const struct sockaddr_storage *to,
			unsigned int first, unsigned int m, uint16_t seg)
{
	union {
		char buf[GD_TXMSG_CMSG_SPACE + CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} cm;
	const struct msghdr *am = &d->tx.mm[first].msg_hdr;
	struct iovec *iov = d->gso.iov;
	struct msghdr mh = { 0 };

	for (unsigned int k = 0; k < m; k++) {
		const struct tx_slot *x = &d->tx.slot[first + k];

		iov[k].iov_base = (uint8_t *)x->iov.iov_base + 8;
		iov[k].iov_len = x->iov.iov_len - 8;
	}
	memset(&cm, 0, sizeof(cm));
	memcpy(cm.buf, am->msg_control, am->msg_controllen);
	mh.msg_name = (void *)to;
	mh.msg_namelen = am->msg_namelen;
	mh.msg_iov = iov;
	mh.msg_iovlen = m;
	mh.msg_control = cm.buf;
	mh.msg_controllen = am->msg_controllen;
	if (m > 1) {
		struct cmsghdr *c = (struct cmsghdr *)(void *)(cm.buf + am->msg_controllen);

		c->cmsg_level = SOL_UDP;
		c->cmsg_type = UDP_SEGMENT;
		c->cmsg_len = CMSG_LEN(sizeof(seg));
		memcpy(CMSG_DATA(c), &seg, sizeof(seg));
		mh.msg_controllen += CMSG_SPACE(sizeof(seg));
	}
	return sendmsg(fd, &mh, 0) < 0 ? -errno : 0;
}

/*
 * Send slots [s, s + n) (one tunnel, GRE-in-UDP, built by tunnel_xmit with
 * their UDP header in front) as UDP GSO sends. Returns how many went out;
 * the caller sends the others the per-packet way.
 */
unsigned int gd_gso_send(struct gd_data *d, struct gd_tunnel *gt, unsigned int s, unsigned int n)
{
	struct tx_slot *a = &d->tx.slot[s];
	size_t seg = a->iov.iov_len - 8;
	uint16_t sport = get16(a->iov.iov_base), dport;
	struct sockaddr_storage ss;
	unsigned int done = 0;
	int fd;

	if (d->gso.support < 0 || n < 2 || seg > 0xffff || !gso_run_uniform(&d->tx, s, n))
		return 0;
	fd = gso_sock_get(&d->gso, &gt->t, a->df, sport);
	if (fd < 0)
		return 0;
	/* the destination port the per-packet way wrote (a learned peer's) */
	dport = get16((const uint8_t *)a->iov.iov_base + 2);
	ss = a->m.to;
	if (gt->t.family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(dport);
	else
		((struct sockaddr_in *)&ss)->sin_port = htons(dport);
	while (done < n) {
		unsigned int m = n - done, max = (unsigned int)(GSO_MAX_BYTES / seg);
		int err;

		if (m > GSO_MAX_SEGS)
			m = GSO_MAX_SEGS;
		if (m > max)
			m = max;
		if (!m)
			break;
		err = gso_send_one(d, fd, &ss, s + done, m, (uint16_t)seg);
		if (err) {
			if (err != -EAGAIN && err != -ENOBUFS && err != -EINTR && err != -EMSGSIZE)
				gso_sock_refused(&d->gso, &gt->t, a->df, sport);
			break;
		}
		for (unsigned int k = 0; k < m; k++) {
			struct tx_slot *x = &d->tx.slot[s + done + k];

			x->fd = TX_SENT;
			gt->st.tx_packets++;
			gt->st.tx_bytes += x->len;
		}
		done += m;
	}
	return done;
}
