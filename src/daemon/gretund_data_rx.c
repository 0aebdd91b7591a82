// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The receive path: a socket event takes packets with recvmmsg (raw GRE or
 * GRE-in-UDP), each goes through the GRE codec, the tunnel demux and the
 * kernel's receive rules (ip_gre.c, ip6_gre.c, ip_tunnel.c), RFC 6040 ECN
 * decapsulation, and into the TUN/TAP device (gretund_data_gro.c).
 */
#include <errno.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bytes.h"
#include "gretund_data_int.h"
#include "gretund_keepalive.h"
#include "gretund_table.h"

#ifndef IPV6_FLOWINFO
#define IPV6_FLOWINFO	11	/* linux/in6.h: receive flow info as a cmsg */
#endif
#ifndef SOL_UDP
#define SOL_UDP		17
#endif
#define RX_ROUNDS	4	/* recvmmsg calls per wakeup, for fairness */

/* What the receive path knows about the outer packet. */
struct rx_outer {
	uint8_t tos;
	uint8_t *ip;		/* outer IP header (IPv6: rebuilt), NULL for UDP */
	size_t len;		/* from ip to the end of the packet */
};

/*
 * Linux looks up only tunnels whose device is up (ip_tunnel_lookup,
 * ip6gre_tunnel_lookup). gretund learns that a device is down when a write
 * into it fails with EIO (gretund_data_gro.c); from then on each packet for it
 * asks the kernel (SIOCGIFFLAGS) until the device is up again. A tunnel
 * whose device is down takes nothing: the packet is unmatched.
 */
static bool tunnel_down(struct gd_rx *rx, struct gd_tunnel *gt)
{
	struct ifreq ifr;

	if (!gt->dev_down)
		return false;
	if (rx->ifq_fd < 0)
		rx->ifq_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = gt->ifindex;
	if (rx->ifq_fd < 0 || ioctl(rx->ifq_fd, SIOCGIFNAME, &ifr) ||
	    ioctl(rx->ifq_fd, SIOCGIFFLAGS, &ifr) || (ifr.ifr_flags & IFF_UP)) {
		gt->dev_down = false;	/* up again (or unknown: deliver) */
		return false;
	}
	return true;
}

static void rcv_port_unreach(struct gd *gd, const struct gd_rx_key *k, const struct rx_outer *o)
{
	if (o->ip)
		gd_icmp_port_unreach(gd->data, k->family, o->ip, o->len);
}

/* The tunnel it matched is down: no tunnel, and none to count it on. */
static void rcv_dev_down(struct gd *gd, const struct gd_rx_key *k, const struct rx_outer *o)
{
	gd->unmatched++;
	rcv_port_unreach(gd, k, o);
}

/* No tunnel takes this packet: count it where it most likely belongs and
 * answer as Linux does (ICMP port unreachable). */
static void rcv_unmatched(struct gd *gd, struct gd_rx_key *k, const struct rx_outer *o,
			  enum gre_drop r)
{
	struct gd_tunnel *gt = gd_table_lookup_near(gd, k, &r);

	if (gt)
		gd_rx_count_drop(gt, r);
	else
		gd->unmatched++;
	rcv_port_unreach(gd, k, o);
}

/* A GRE header the codec refused (r). */
static void rcv_bad_header(struct gd *gd, struct gd_rx_key *k, const uint8_t *p, size_t len,
			   enum gre_drop r)
{
	struct gd_tunnel *gt;
	enum gre_drop near;

	/* Cisco keepalive replies (4 or 8 bytes) are below Linux's 12-byte
	 * minimum; Linux never expects one, gretund does */
	if (r == GRE_DROP_TRUNCATED && gd_keepalive_rcv_short(gd, k, p, len))
		return;
	/* a peer's persistent keepalive, just as short (gretund_keepalive.c) */
	if (r == GRE_DROP_TRUNCATED && gd_pka_rcv(gd, k, p, len))
		return;
	/* a broken header has no trustworthy key: count it on the tunnel
	 * with these outer addresses, if any; Linux drops silently
	 * (gre_parse_header fails before any lookup) */
	k->has_key = false;
	gt = gd_table_lookup_near(gd, k, &near);
	if (gt && near == GRE_DROP_KEY)
		gd_rx_count_drop(gt, r);
	else
		gd->unmatched++;
}

/*
 * The tunnel for a packet of GRE protocol proto, or NULL when none takes it
 * (then it is counted and answered here). Linux looks Ethernet (0x6558) up
 * among gretap tunnels and anything else among gre tunnels (ipgre_rcv). IP
 * that only a gretap tunnel would take is "no tunnel": port unreachable.
 * Ethernet with no gretap tunnel falls back to the gre tunnels, and one
 * that takes it drops it silently (ipgre_rcv raw_proto,
 * ip6gre_tunnel_lookup).
 */
static struct gd_tunnel *rcv_lookup(struct gd *gd, struct gd_rx_key *k,
				    const struct rx_outer *o, uint16_t proto)
{
	struct gd_tunnel *gt;

	k->tap = proto == GRE_PROTO_TEB;
	gt = gd_table_lookup(gd, k);
	if (gt && tunnel_down(&gd->data->rx, gt)) {
		rcv_dev_down(gd, k, o);
		return NULL;
	}
	if (gt)
		return gt;
	k->tap = !k->tap;
	gt = gd_table_lookup(gd, k);
	k->tap = !k->tap;
	if (gt && tunnel_down(&gd->data->rx, gt)) {
		rcv_dev_down(gd, k, o);
	} else if (gt) {
		gd_rx_count_drop(gt, GRE_DROP_PROTO);
		if (!k->tap)
			rcv_port_unreach(gd, k, o);
	} else {
		rcv_unmatched(gd, k, o, GRE_DROP_KEY);
	}
	return NULL;
}

/* The tunnel's own receive rules, then delivery. */
static void rcv_tunnel(struct gd *gd, struct gd_tunnel *gt, const struct gre_hdr *h,
		       const struct gd_rx_key *k, const struct rx_outer *o, uint8_t *p, size_t len)
{
	const struct tunnel *t = &gt->t;
	bool tap = tunnel_mode_is_tap(t->mode);
	uint8_t *inner = p + h->hlen;
	size_t ilen = len - h->hlen;
	struct pkt_inner pi;
	enum gre_drop r;

	/* Cisco keepalives (gretund_keepalive.c): before the flags checks,
	 * since a reply carries the inner GRE header we built, not the
	 * tunnel's input options, and protocol 0 is not a data protocol */
	if (t->keepalive_interval && gd_keepalive_rcv(gd, gt, h->proto, inner, ilen))
		return;
	r = gre_flags_check(h, t->iflags);
	if (r == GRE_OK && (t->iflags & GRE_OPT_SEQ) && !gre_seq_accept(&gt->i_seqno, h->seq))
		r = GRE_DROP_SEQ;
	if (r == GRE_OK && !tap && h->proto != GRE_PROTO_IPV4 && h->proto != GRE_PROTO_IPV6)
		r = GRE_DROP_PROTO;
	if (r == GRE_OK && pkt_inner_parse(inner, ilen, h->proto, &pi))
		r = GRE_DROP_INNER;
	/* No MTU check, as in Linux (ip_tunnel_rcv, __ip6_tnl_rcv): an inner
	 * packet larger than the device MTU, which a peer sends when its
	 * tunnel MTU is larger than ours and its underlay fragments the outer
	 * packet, goes up to the stack like any other. The TUN/TAP device
	 * takes any size up to 64 KB. RFC 6040: CE on the outer with a
	 * Not-ECT inner cannot be expressed, drop as the kernel does */
	if (r == GRE_OK && pkt_inner_ecn_decap(inner, ilen, &pi, o->tos) == PKT_ECN_DROP)
		r = GRE_DROP_ECN;
	if (r != GRE_OK) {
		gd_rx_count_drop(gt, r);
		return;
	}
	/* passed every check: a learning tunnel's peer is where it came from */
	if (tunnel_learns(t))
		gd_tunnel_learn(gd, gt, &k->src, k->sport);
	gt->st.rx_packets++;
	gt->st.rx_bytes += ilen;
	gd_rx_deliver(gd->data, gt, inner, ilen, tap);
}

/* The receive rules, after the outer header is known. */
static void tunnel_rcv(struct gd *gd, struct gd_rx_key *k, const struct rx_outer *o,
		       uint8_t *p, size_t len)
{
	struct gd_tunnel *gt;
	struct gre_hdr h;
	enum gre_drop r;

	r = gre_header_parse_ex(p, len, k->family == AF_INET ? GRE_PARSE_IPV4 : 0, &h);
	/* Linux's IPv4 demux (gre_demux.c) takes the version from the low 7
	 * bits of the flags (data[1] & 0x7f), so reserved bits 9-12 make an
	 * unknown version there and the packet drops; ip6_gre ignores them
	 * (found by tests/vm/test_diff.sh) */
	if (r == GRE_OK && k->family == AF_INET && (h.flags & GRE_F_RESERVED))
		r = GRE_DROP_VERSION;
	if (r != GRE_OK) {
		rcv_bad_header(gd, k, p, len, r);
		return;
	}
	k->has_key = h.has_key;
	k->key = h.key;
	/* ERSPAN goes to erspan devices in Linux, of which there are none
	 * here: no tunnel, so port unreachable (ip_gre.c gre_rcv) */
	if (h.proto == GRE_PROTO_ERSPAN || h.proto == GRE_PROTO_ERSPAN2) {
		rcv_unmatched(gd, k, o, GRE_DROP_PROTO);
		return;
	}
	gt = rcv_lookup(gd, k, o, h.proto);
	if (gt)
		rcv_tunnel(gd, gt, &h, k, o, p, len);
}

struct rx_meta {
	uint8_t tos;
	int hoplimit;
	uint32_t flowinfo;	/* network order, as IPV6_FLOWINFO gives it */
};

static void cmsg_read(struct msghdr *msg, struct gd_rx_key *k, struct rx_meta *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(&k->dst.v6, &pi.ipi6_addr, 16);
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
			int v;

			memcpy(&v, CMSG_DATA(c), sizeof(v));
			m->tos = (uint8_t)v;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
			memcpy(&m->hoplimit, CMSG_DATA(c), sizeof(m->hoplimit));
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_FLOWINFO) {
			memcpy(&m->flowinfo, CMSG_DATA(c), sizeof(m->flowinfo));
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			k->dst.v4 = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) {
			m->tos = *(uint8_t *)CMSG_DATA(c);
		}
	}
}

/* The outer IPv6 header a raw socket does not deliver, rebuilt in front
 * of the GRE packet at p (headroom) for quoting in ICMPv6 errors.
 * Extension headers that preceded GRE are not rebuilt. */
static uint8_t *ip6_rebuild(uint8_t *p, size_t len, const struct gd_rx_key *k,
			    const struct rx_meta *m)
{
	uint8_t *ip = p - PKT_IP6_HLEN;
	uint32_t fi = ntohl(m->flowinfo);

	if (len > 0xffff)
		return NULL;
	if (!m->flowinfo)	/* no cmsg: at least the traffic class */
		fi = (uint32_t)m->tos << 20;
	ip[0] = (uint8_t)(0x60 | ((fi >> 24) & 0x0f));
	ip[1] = (uint8_t)(fi >> 16);
	put16(ip + 2, (uint16_t)fi);
	put16(ip + 4, (uint16_t)len);
	ip[6] = IPPROTO_GRE;
	ip[7] = (uint8_t)(m->hoplimit > 0 ? m->hoplimit : 64);
	memcpy(ip + 8, &k->src.v6, 16);
	memcpy(ip + 24, &k->dst.v6, 16);
	return ip;
}

/* A raw IPv4 socket delivers the outer header: take the addresses and TOS
 * from it; the GRE packet's offset, or -1 if malformed. */
static long ip4_outer_parse(uint8_t *buf, size_t *len, struct gd_rx_key *k, struct rx_meta *m)
{
	size_t ihl, tot;

	if (*len < 20 || buf[0] >> 4 != 4)
		return -1;
	ihl = (size_t)(buf[0] & 0x0f) * 4;
	tot = get16(buf + 2);
	if (ihl < 20 || ihl > *len)
		return -1;
	if (tot >= ihl && tot < *len)
		*len = tot;
	m->tos = buf[1];
	memcpy(&k->src.v4, buf + 12, 4);
	memcpy(&k->dst.v4, buf + 16, 4);
	return (long)ihl;
}

static void sock_rcv_one(struct gd *gd, struct gd_rxsock *rs, bool udp, struct msghdr *msg,
			 uint8_t *buf, size_t len)
{
	struct gd_rx_key k = { .family = rs->family, .udp = udp, .dport = rs->port };
	struct sockaddr_storage *ss = msg->msg_name;
	struct rx_meta m = { 0 };
	struct rx_outer o = { 0 };
	uint8_t *p = buf;

	cmsg_read(msg, &k, &m);
	if (rs->family == AF_INET6) {
		memcpy(&k.src.v6, &((struct sockaddr_in6 *)ss)->sin6_addr, 16);
		if (udp)
			k.sport = ntohs(((struct sockaddr_in6 *)ss)->sin6_port);
		if (!udp) {
			o.ip = ip6_rebuild(buf, len, &k, &m);
			o.len = PKT_IP6_HLEN + len;
		}
	} else if (udp) {
		k.src.v4 = ((struct sockaddr_in *)ss)->sin_addr;
		k.sport = ntohs(((struct sockaddr_in *)ss)->sin_port);
	} else {
		long ihl = ip4_outer_parse(buf, &len, &k, &m);

		if (ihl < 0) {
			gd->rx_malformed++;
			return;
		}
		o.ip = buf;
		o.len = len;
		p = buf + ihl;
		len -= (size_t)ihl;
	}
	o.tos = m.tos;
	tunnel_rcv(gd, &k, &o, p, len);
}

static size_t udp_gro_size(struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c))
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
			int v;

			memcpy(&v, CMSG_DATA(c), sizeof(v));
			return v > 0 ? (size_t)v : 0;
		}
	return 0;
}

/* The receive batch: RX_SLOTS buffers of GD_HEADROOM + GD_BUF_SIZE, filled
 * by one recvmmsg; allocated once (only the bytes received are touched). */
static int rx_batch_init(struct gd_rx *rx)
{
	void *slot;

	if (rx->bufs)
		return 0;
	if (gd_batch_alloc(RX_SLOTS, sizeof(*rx->slot), &slot, &rx->mm,
			   (size_t)RX_SLOTS * (GD_HEADROOM + GD_BUF_SIZE), &rx->bufs))
		return -ENOMEM;
	rx->slot = slot;
	return 0;
}

/* Every slot ready for the next recvmmsg. */
static void rx_batch_arm(struct gd_rx *rx)
{
	for (int i = 0; i < RX_SLOTS; i++) {
		struct rx_slot *sl = &rx->slot[i];
		struct msghdr *mh = &rx->mm[i].msg_hdr;

		sl->iov.iov_base = rx->bufs + (size_t)i * (GD_HEADROOM + GD_BUF_SIZE) + GD_HEADROOM;
		sl->iov.iov_len = GD_BUF_SIZE;
		mh->msg_name = &sl->ss;
		mh->msg_namelen = sizeof(sl->ss);
		mh->msg_iov = &sl->iov;
		mh->msg_iovlen = 1;
		mh->msg_control = sl->cm.buf;
		mh->msg_controllen = sizeof(sl->cm.buf);
		mh->msg_flags = 0;
	}
}

static void sock_event(struct gd *gd, struct gd_watch *w, bool udp)
{
	struct gd_rxsock *rs = container_of(w, struct gd_rxsock, w);
	struct gd_rx *rx = &gd->data->rx;

	if (rx_batch_init(rx))
		return;
	for (int round = 0; round < RX_ROUNDS; round++) {
		int n;

		rx_batch_arm(rx);
		n = recvmmsg(w->fd, rx->mm, RX_SLOTS, MSG_DONTWAIT, NULL);
		/* an ICMP error about what this socket sent (IPv6 with
		 * RECVERR) is reported once, ahead of queued packets */
		if (n < 0 && errno != EAGAIN && errno != EINTR && rs->tx_ready)
			continue;
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++) {
			struct msghdr *mh = &rx->mm[i].msg_hdr;
			uint8_t *b = rx->slot[i].iov.iov_base;
			size_t len = rx->mm[i].msg_len, gs = udp ? udp_gro_size(mh) : 0;

			/* UDP_GRO: datagrams of gs bytes back to back, the
			 * last one shorter or equal */
			if (!gs || gs >= len) {
				sock_rcv_one(gd, rs, udp, mh, b, len);
				continue;
			}
			for (size_t off = 0; off < len; off += gs)
				sock_rcv_one(gd, rs, udp, mh, b + off, len - off < gs ? len - off : gs);
		}
		gd_gro_flush(gd->data, NULL);
		if (n < RX_SLOTS)
			break;
	}
	gd->unmatched += rx->down_lost;
	rx->down_lost = 0;
}

/* The raw receive socket that also sends IPv6 GRE keeps ICMPv6 errors in
 * its error queue (IPV6_RECVERR, gretund_sock.c): the kernel has applied
 * them to the route already; drop them, or epoll reports EPOLLERR forever
 * and they eat the receive buffer. */
static void errqueue_drain(int fd)
{
	char buf[256], cbuf[512];

	for (int i = 0; i < 256; i++) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };

		if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
	}
}

void gd_data_raw_event(struct gd *gd, struct gd_watch *w, uint32_t events)
{
	if (events & EPOLLERR)
		errqueue_drain(w->fd);
	sock_event(gd, w, false);
}

void gd_data_udp_event(struct gd *gd, struct gd_watch *w, uint32_t events)
{
	sock_event(gd, w, true);
}
