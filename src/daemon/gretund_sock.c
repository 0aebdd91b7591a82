// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Underlay sockets. Receive: one raw IPPROTO_GRE socket per family and one
 * UDP socket per (family, port) for GRE-in-UDP, shared by all tunnels and
 * demultiplexed in userspace. Send: raw sockets (the kernel builds the outer
 * IP header) cached per (family, GRE|UDP, DF, fwmark, device), each with a
 * drop-all filter so that they never queue received copies. The common
 * case, IPv4 GRE with DF and neither fwmark nor device, sends on the raw
 * receive socket itself: every raw socket of a protocol gets a clone of
 * every packet of that protocol the host receives, so a separate send
 * socket would cost a clone and a filter run per received packet.
 */
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gretund_loop.h"
#include "gretund_sock.h"

#ifndef IPPROTO_GRE
#define IPPROTO_GRE 47
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef IPV6_FLOWINFO
#define IPV6_FLOWINFO 11	/* linux/in6.h: receive flow info as a cmsg */
#endif

static int sock_set_int(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val)) ? -errno : 0;
}

/* Large buffers absorb a whole batch (and TSO bursts): *FORCE works for
 * root regardless of net.core.[rw]mem_max, else the capped size. */
static void sock_set_buf(int fd, int opt, int force, int val)
{
	if (sock_set_int(fd, SOL_SOCKET, force, val))
		sock_set_int(fd, SOL_SOCKET, opt, val);
}

static int rx_open(int family, bool udp, uint16_t port, int *out)
{
	int fd, ret, on = 1;

	fd = socket(family, (udp ? SOCK_DGRAM : SOCK_RAW) | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    udp ? 0 : IPPROTO_GRE);
	if (fd < 0)
		return -errno;
	sock_set_buf(fd, SO_RCVBUF, SO_RCVBUFFORCE, 1 << 23);
	if (family == AF_INET6) {
		ret = sock_set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, on);
		if (!ret)
			ret = sock_set_int(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, on);
		/* hop limit and flow label, to rebuild the outer header that
		 * ICMPv6 port unreachable quotes (gretund_data_rx.c) */
		if (!ret && !udp)
			ret = sock_set_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, on);
		if (!ret && !udp)
			ret = sock_set_int(fd, IPPROTO_IPV6, IPV6_FLOWINFO, on);
		if (!ret && udp)
			ret = sock_set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, on);
	} else {
		/* raw IPv4 delivers the IP header; UDP needs the cmsgs */
		ret = udp ? sock_set_int(fd, IPPROTO_IP, IP_PKTINFO, on) : 0;
		if (!ret && udp)
			ret = sock_set_int(fd, IPPROTO_IP, IP_RECVTOS, on);
	}
	if (ret)
		goto fail;
	/* GRE-in-UDP bursts a peer sent with UDP_SEGMENT arrive as one
	 * buffer (gretund_data_rx.c splits it); refused by old kernels: fine */
	if (udp)
		sock_set_int(fd, SOL_UDP, UDP_GRO, on);
	if (udp) {
		struct sockaddr_storage ss = { 0 };
		socklen_t sl;

		if (family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(port);
			sl = sizeof(*s6);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			s4->sin_port = htons(port);
			sl = sizeof(*s4);
		}
		if (bind(fd, (struct sockaddr *)&ss, sl)) {
			ret = -errno;
			goto fail;
		}
	}
	*out = fd;
	return 0;
fail:
	close(fd);
	return ret;
}

static int rx_ensure_port(struct gd *gd, const struct tunnel *t, uint16_t port);

/* GRE-in-UDP with a fixed source port listens there too: replies to it
 * (through a NAT, from a learning peer) come back to that port. */
int gd_sock_rx_ensure(struct gd *gd, const struct tunnel *t)
{
	bool udp = t->encap == ENCAP_UDP;
	int ret = rx_ensure_port(gd, t, udp ? t->encap_dport : 0);

	if (!ret && udp && t->encap_sport && t->encap_sport != t->encap_dport)
		ret = rx_ensure_port(gd, t, t->encap_sport);
	return ret;
}

static int rx_ensure_port(struct gd *gd, const struct tunnel *t, uint16_t port)
{
	bool udp = t->encap == ENCAP_UDP;
	struct gd_rxsock *rs;
	int ret;

	for (rs = gd->rx; rs; rs = rs->next)
		if (rs->family == t->family && rs->udp == udp && rs->port == port)
			return 0;
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	rs->family = t->family;
	rs->udp = udp;
	rs->port = port;
	rs->w.fn = udp ? gd->on.udp : gd->on.raw;
	ret = rx_open(t->family, udp, port, &rs->w.fd);
	if (ret)
		goto fail;
	ret = gd_loop_add(gd, &rs->w, EPOLLIN);
	if (ret) {
		close(rs->w.fd);
		goto fail;
	}
	rs->next = gd->rx;
	gd->rx = rs;
	return 0;
fail:
	free(rs);
	return ret;
}

static int tx_open(const struct gd_txsock *k, int *out)
{
	static struct sock_filter drop_all[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog prog = { .len = 1, .filter = drop_all };
	int fd, ret;

	fd = socket(k->family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    k->udp ? IPPROTO_UDP : IPPROTO_GRE);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog))) {
		ret = -errno;
		goto fail;
	}
	sock_set_buf(fd, SO_SNDBUF, SO_SNDBUFFORCE, 1 << 23);
	if (k->family == AF_INET6) {
		/* IPv6 routers never fragment; the DF choice only decides if
		 * this host may fragment the outer packet itself */
		ret = sock_set_int(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER,
				   k->df ? IPV6_PMTUDISC_DO : IPV6_PMTUDISC_DONT);
		/* RFC 8086 over IPv6 needs a UDP checksum: let the kernel
		 * compute it (offset 6 in the UDP header) */
		if (!ret && k->udp)
			ret = sock_set_int(fd, IPPROTO_IPV6, IPV6_CHECKSUM, 6);
		/* rawv6_err applies an ICMPv6 packet-too-big about our GRE
		 * packets to the route (the path MTU gretund reads) only for
		 * a socket with IPV6_RECVERR; the queued errors are never
		 * read, the receive buffer bounds them */
		if (!ret)
			ret = sock_set_int(fd, IPPROTO_IPV6, IPV6_RECVERR, 1);
	} else {
		ret = sock_set_int(fd, IPPROTO_IP, IP_MTU_DISCOVER,
				   k->df ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT);
	}
	if (ret)
		goto fail;
	if (k->mark) {
		ret = sock_set_int(fd, SOL_SOCKET, SO_MARK, (int)k->mark);
		if (ret)
			goto fail;
	}
	if (k->dev[0] && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, k->dev,
				    (socklen_t)strlen(k->dev))) {
		ret = -errno;
		goto fail;
	}
	*out = fd;
	return 0;
fail:
	close(fd);
	return ret;
}

int gd_sock_tx_get(struct gd *gd, const struct tunnel *t, bool df)
{
	struct gd_txsock k = {
		.family = t->family, .udp = t->encap == ENCAP_UDP, .df = df, .mark = t->fwmark,
	};
	struct gd_txsock *ts;
	int ret;

	memcpy(k.dev, t->dev, sizeof(k.dev));
	if (!k.udp && df && !k.mark && !k.dev[0]) {
		struct gd_rxsock *rs;

		for (rs = gd->rx; rs; rs = rs->next) {
			if (rs->family != k.family || rs->udp)
				continue;
			if (!rs->tx_ready) {
				/* set here, not in rx_open: a socket handed
				 * over by an older gretund lacks it. IPv6:
				 * as in tx_open, RECVERR for packet-too-big;
				 * the receive path drains the error queue
				 * (gd_data_raw_event) */
				if (k.family == AF_INET6) {
					ret = sock_set_int(rs->w.fd, IPPROTO_IPV6,
							   IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO);
					if (!ret)
						ret = sock_set_int(rs->w.fd, IPPROTO_IPV6,
								   IPV6_RECVERR, 1);
				} else {
					ret = sock_set_int(rs->w.fd, IPPROTO_IP, IP_MTU_DISCOVER,
							   IP_PMTUDISC_DO);
				}
				if (ret)
					break;
				sock_set_buf(rs->w.fd, SO_SNDBUF, SO_SNDBUFFORCE, 1 << 23);
				rs->tx_ready = true;
			}
			return rs->w.fd;
		}
	}
	for (ts = gd->tx; ts; ts = ts->next)
		if (ts->family == k.family && ts->udp == k.udp && ts->df == k.df &&
		    ts->mark == k.mark && !strcmp(ts->dev, k.dev))
			return ts->fd;
	ret = tx_open(&k, &k.fd);
	if (ret)
		return ret;
	ts = malloc(sizeof(*ts));
	if (!ts) {
		close(k.fd);
		return -ENOMEM;
	}
	*ts = k;
	ts->next = gd->tx;
	gd->tx = ts;
	return ts->fd;
}

int gd_sock_path_mtu(const struct tunnel *t, const union inet_addr *dst, uint16_t dport,
		     uint32_t *mtu)
{
	struct sockaddr_storage ss = { 0 }, ls = { 0 };
	socklen_t sl, len = sizeof(int);
	int fd, ret, val = 0;

	fd = socket(t->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (t->fwmark)
		sock_set_int(fd, SOL_SOCKET, SO_MARK, (int)t->fwmark);
	if (t->dev[0])
		setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, t->dev, (socklen_t)strlen(t->dev));
	if (t->family == AF_INET6) {
		struct sockaddr_in6 *r = (struct sockaddr_in6 *)&ss, *l = (struct sockaddr_in6 *)&ls;

		r->sin6_family = l->sin6_family = AF_INET6;
		r->sin6_port = htons(dport ? dport : GRETUN_ENCAP_PORT);
		memcpy(&r->sin6_addr, &dst->v6, 16);
		memcpy(&l->sin6_addr, &t->local.v6, 16);
		sl = sizeof(*r);
	} else {
		struct sockaddr_in *r = (struct sockaddr_in *)&ss, *l = (struct sockaddr_in *)&ls;

		r->sin_family = l->sin_family = AF_INET;
		r->sin_port = htons(dport ? dport : GRETUN_ENCAP_PORT);
		r->sin_addr = dst->v4;
		l->sin_addr = t->local.v4;
		sl = sizeof(*r);
	}
	if ((t->flags & TUNNEL_HAS_LOCAL) && bind(fd, (struct sockaddr *)&ls, sl)) {
		ret = -errno;
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&ss, sl)) {
		ret = -errno;
		goto out;
	}
	if (t->family == AF_INET6)
		ret = getsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &val, &len) ? -errno : 0;
	else
		ret = getsockopt(fd, IPPROTO_IP, IP_MTU, &val, &len) ? -errno : 0;
	if (!ret)
		*mtu = (uint32_t)val;
out:
	close(fd);
	return ret;
}

void gd_sock_close_all(struct gd *gd)
{
	while (gd->rx) {
		struct gd_rxsock *rs = gd->rx;

		gd->rx = rs->next;
		gd_loop_del(gd, &rs->w);
		close(rs->w.fd);
		free(rs);
	}
	while (gd->tx) {
		struct gd_txsock *ts = gd->tx;

		gd->tx = ts->next;
		close(ts->fd);
		free(ts);
	}
}
