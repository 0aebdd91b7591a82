// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Cisco-compatible GRE keepalives (gretund(8), KEEPALIVES), mode gre only.
 *
 * A probe is the reply, pre-built and tunnelled: outer IPv4 (us -> peer),
 * GRE with protocol 0x0800 and the tunnel's output options, then an inner
 * IPv4 header (peer -> us, protocol 47) and an inner GRE header with
 * protocol 0 (and our input key, so the reply finds this tunnel). The peer
 * decapsulates and routes the inner packet back to us as plain GRE; we see
 * protocol 0 from the peer: a reply, the miss counter goes to 0.
 *
 * Every INTERVAL seconds a probe goes out and the counter goes up; when it
 * has reached RETRIES the carrier goes off (TUNSETCARRIER), so the kernel
 * marks the routes through the device linkdown; the next reply puts it
 * back. A peer's probe (inner IPv4 GRE packet addressed to our remote) is
 * answered by sending its inner packet straight to the peer over the raw
 * socket, without the kernel's forwarding (no sysctl needed).
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gretund.h"

#ifndef TUNSETCARRIER
#define TUNSETCARRIER _IOW('T', 226, int)
#endif

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void carrier_set(struct gd_tunnel *gt, bool on)
{
	int v = on;

	if (gt->w.fd >= 0)
		ioctl(gt->w.fd, TUNSETCARRIER, &v);
}

void gd_keepalive_init(struct gd_tunnel *gt)
{
	bool was_down = !gt->st.keepalive_up && gt->ka_next;

	gt->st.keepalive_up = true;
	gt->ka_missed = 0;
	gt->ka_next = time(NULL) + gt->t.keepalive_interval;
	if (was_down)
		carrier_set(gt, true);
}

/* Send a GRE payload (header included) to t's remote, from src if set. */
static int send_gre(struct gd *gd, const struct tunnel *t, const struct in_addr *src,
		    int ttl, const uint8_t *p, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = t->remote.v4 };
	struct iovec iov = { .iov_base = (void *)p, .iov_len = len };
	struct msghdr msg = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
			      .msg_iovlen = 1, .msg_control = cm.buf };
	struct in_pktinfo pi = { 0 };
	struct cmsghdr *c;
	int fd = gd_sock_tx_get(gd, t, true);

	if (fd < 0)
		return fd;
	memset(&cm, 0, sizeof(cm));
	msg.msg_controllen = sizeof(cm.buf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_TTL;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &ttl, sizeof(int));
	msg.msg_controllen = CMSG_SPACE(sizeof(int));
	if (src && src->s_addr) {
		c = CMSG_NXTHDR(&msg, c);
		pi.ipi_spec_dst = *src;
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		msg.msg_controllen += CMSG_SPACE(sizeof(pi));
	}
	return sendmsg(fd, &msg, 0) < 0 ? -errno : 0;
}

/* Our address towards the remote: Local=, else what routing picks. */
static int local_addr(const struct tunnel *t, struct in_addr *a)
{
	struct sockaddr_in r = { .sin_family = AF_INET, .sin_port = htons(9),
				 .sin_addr = t->remote.v4 }, l;
	socklen_t ll = sizeof(l);
	int fd, ret = 0;

	if (t->flags & TUNNEL_HAS_LOCAL && t->local.v4.s_addr) {
		*a = t->local.v4;
		return 0;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (t->fwmark)
		setsockopt(fd, SOL_SOCKET, SO_MARK, &t->fwmark, sizeof(t->fwmark));
	if (t->dev[0])
		setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, t->dev, (socklen_t)strlen(t->dev));
	if (connect(fd, (struct sockaddr *)&r, sizeof(r)) ||
	    getsockname(fd, (struct sockaddr *)&l, &ll))
		ret = -errno;
	else
		*a = l.sin_addr;
	close(fd);
	return ret;
}

static int probe_send(struct gd *gd, struct gd_tunnel *gt)
{
	const struct tunnel *t = &gt->t;
	unsigned int iopts = t->iflags & (GRE_OPT_KEY | GRE_OPT_CSUM);
	size_t ohl = gre_header_len(t->oflags), ihl = gre_header_len(iopts), ilen = 20 + ihl;
	uint8_t pkt[64], *ip = pkt + ohl;
	struct in_addr me;
	int ret = local_addr(t, &me);

	if (ret)
		return ret;
	/* the inner packet: what the peer would send us, GRE protocol 0 */
	memset(pkt, 0, sizeof(pkt));
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)ilen);
	ip[8] = 255;
	ip[9] = 47;
	memcpy(ip + 12, &t->remote.v4, 4);
	memcpy(ip + 16, &me, 4);
	put16(ip + 10, inet_csum_fold(inet_csum_add(0, ip, 20)));
	if (!gre_header_build(ip + 20, ihl, iopts, 0, t->ikey, 0, 0))
		return -EINVAL;
	/* the outer GRE header, as for any IPv4 packet on this tunnel */
	if (!gre_header_build(pkt, ohl + ilen, t->oflags, GRE_PROTO_IPV4, t->okey,
			      (t->oflags & GRE_OPT_SEQ) ? gt->o_seqno : 0, ilen))
		return -EINVAL;
	if (t->oflags & GRE_OPT_SEQ)
		gt->o_seqno++;
	return send_gre(gd, t, &me, t->ttl ? t->ttl : 255, pkt, ohl + ilen);
}

void gd_keepalive_tick(struct gd *gd, struct gd_tunnel *gt, time_t now)
{
	if (!gt->t.keepalive_interval || now < gt->ka_next)
		return;
	gd_keepalive_sock_ensure(gd);
	gt->ka_next = now + gt->t.keepalive_interval;
	if (gt->ka_missed >= gt->t.keepalive_retries && gt->st.keepalive_up) {
		gt->st.keepalive_up = false;
		carrier_set(gt, false);
	}
	if (probe_send(gd, gt))
		gt->st.tx_errors++;
	if (gt->ka_missed < 0xffff)
		gt->ka_missed++;
}

bool gd_keepalive_rcv(struct gd *gd, struct gd_tunnel *gt, uint16_t proto,
		      const uint8_t *inner, size_t ilen)
{
	const struct tunnel *t = &gt->t;
	struct gre_hdr h;
	size_t ihl, tot;

	if (gt->t.mode != MODE_GRE)
		return false;
	if (proto == 0) {
		/* our probe, come back: protocol 0 is nothing else */
		gt->st.keepalive_last_reply = (int64_t)time(NULL);
		gt->ka_missed = 0;
		if (t->keepalive_interval && !gt->st.keepalive_up) {
			gt->st.keepalive_up = true;
			carrier_set(gt, true);
		}
		return true;
	}
	/* a peer's probe: inner IPv4 GRE to our remote, carrying GRE proto 0 */
	if (proto != GRE_PROTO_IPV4 || ilen < 24 || inner[0] >> 4 != 4 || inner[9] != 47)
		return false;
	ihl = (size_t)(inner[0] & 0x0f) * 4;
	tot = (size_t)(inner[2] << 8 | inner[3]);
	if (ihl < 20 || tot < ihl + 4 || tot > ilen || (inner[6] & 0x3f) || inner[7] ||
	    memcmp(inner + 16, &t->remote.v4, 4) || inner[8] <= 1)
		return false;
	if (gre_header_parse(inner + ihl, tot - ihl, &h) != GRE_OK || h.proto != 0)
		return false;
	{
		struct in_addr src;

		memcpy(&src, inner + 12, 4);
		if (send_gre(gd, t, &src, inner[8] - 1, inner + ihl, tot - ihl))
			gt->st.tx_errors++;
		else
			gt->st.rx_packets++;
	}
	return true;
}

/*
 * Until the receive path calls gd_keepalive_rcv itself, keepalive packets
 * reach it through a raw GRE socket of their own whose filter passes only
 * GRE protocol 0 (replies) and, without options or with a key only,
 * protocol 0x0800 carrying an IPv4 GRE packet (probes). The data path sees
 * them too and drops the replies as unknown protocol (counted as "proto").
 */
static struct gd_watch ka_watch = { .fd = -1 };

static void ka_event(struct gd *gd, struct gd_watch *w, uint32_t events)
{
	uint8_t b[2048];

	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(w->fd, b, sizeof(b), MSG_DONTWAIT);
		struct gd_rx_key k = { .family = AF_INET };
		struct gre_hdr h;
		struct gd_tunnel *gt;
		size_t ihl;

		if (n < 0)
			return;
		if (n < 24 || b[0] >> 4 != 4)
			continue;
		ihl = (size_t)(b[0] & 0x0f) * 4;
		if (ihl < 20 || (size_t)n < ihl + 4)
			continue;
		if (gre_header_parse(b + ihl, (size_t)n - ihl, &h) != GRE_OK)
			continue;
		memcpy(&k.src.v4, b + 12, 4);
		memcpy(&k.dst.v4, b + 16, 4);
		k.has_key = h.has_key;
		k.key = h.key;
		gt = gd_table_lookup(gd, &k);
		if (gt && gt->t.keepalive_interval)
			gd_keepalive_rcv(gd, gt, h.proto, b + ihl + h.hlen, (size_t)n - ihl - h.hlen);
	}
}

int gd_keepalive_sock_ensure(struct gd *gd)
{
	static struct sock_filter f[] = {
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),		/* X = IP header length */
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),		/* GRE protocol */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 8, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0800, 0, 8),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 0),		/* GRE flags */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 4 + 9),	/* inner protocol */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 47, 3, 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x2000, 0, 3),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 8 + 9),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 47, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	int fd, ret;

	if (ka_watch.fd >= 0)
		return 0;
	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 47);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ka_watch.fd = fd;
	ka_watch.fn = ka_event;
	ret = gd_loop_add(gd, &ka_watch, EPOLLIN);
	if (ret) {
		close(fd);
		ka_watch.fd = -1;
	}
	return ret;
}
