// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The packet paths. Send: TUN/TAP -> GRE header (+UDP) -> raw socket, the
 * kernel adds the outer IP header with per-packet TTL/TOS from cmsgs.
 * Receive: raw/UDP socket -> GRE codec -> demux -> kernel receive rules ->
 * RFC 6040 ECN decapsulation -> TUN/TAP. One static buffer, no allocation.
 * Inner parsing, ECN, ICMP errors and the flow hash come from pkt.h; the
 * header rules from gre.h. What Linux answers with ICMP, so do we:
 * port unreachable for a GRE packet matching no tunnel, frag-needed /
 * packet-too-big (written back into the TUN device) on the PMTU path.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "gretund.h"
#include "pkt.h"

#ifndef IPV6_FLOWINFO
#define IPV6_FLOWINFO	11	/* linux/in6.h: receive flow info as a cmsg */
#endif
#define BATCH		64	/* packets per wakeup per fd, for fairness */
#define IPV6_MIN_MTU	1280
#define IPV4_MIN_MTU	68

/* ICMP rate limit per destination, as Linux's inet_peer_xrlim_allow with
 * net.ipv4.icmp_ratelimit = 1000 ms: a token bucket of 1 s per message,
 * at most XRLIM_BURST_FACTOR (6) messages of burst; a new peer starts full. */
#define RL_SLOTS	64
#define RL_TIMEOUT_MS	1000
#define RL_BURST	6

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

unsigned int gd_data_overhead(const struct tunnel *t)
{
	return (t->family == AF_INET6 ? 40 : 20) + (t->encap == ENCAP_UDP ? 8 : 0) +
	       (unsigned int)gre_header_len(t->oflags);
}

/* Per-process seed of the GRE-in-UDP flow hash (Linux: per boot). */
static uint32_t flow_seed(void)
{
	static uint32_t seed;
	static bool have;

	if (!have) {
		if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
			seed = (uint32_t)time(NULL) ^ (uint32_t)getpid();
		have = true;
	}
	return seed;
}

struct rl_slot {
	int family;
	uint8_t addr[16];
	uint64_t last_ms, tokens_ms;
};

static bool icmp_rate_allow(int family, const void *addr)
{
	static struct rl_slot rl[RL_SLOTS];
	size_t alen = family == AF_INET6 ? 16 : 4;
	const uint8_t *a = addr;
	struct timespec ts;
	struct rl_slot *s;
	uint64_t now;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < alen; i++)
		h = (h ^ a[i]) * 16777619u;
	s = &rl[h % RL_SLOTS];
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (s->family != family || memcmp(s->addr, a, alen)) {
		s->family = family;
		memset(s->addr, 0, sizeof(s->addr));
		memcpy(s->addr, a, alen);
		s->tokens_ms = RL_BURST * RL_TIMEOUT_MS;
		s->last_ms = now;
	}
	s->tokens_ms += now - s->last_ms;
	s->last_ms = now;
	if (s->tokens_ms > RL_BURST * RL_TIMEOUT_MS)
		s->tokens_ms = RL_BURST * RL_TIMEOUT_MS;
	if (s->tokens_ms < RL_TIMEOUT_MS)
		return false;
	s->tokens_ms -= RL_TIMEOUT_MS;
	return true;
}

/* A full IPv4/IPv6 packet (header included) out through a raw
 * IPPROTO_RAW socket, opened on first use. */
static int icmp_send_raw(int family, const uint8_t *pkt, size_t len)
{
	static int fd4 = -1, fd6 = -1;
	int *fd = family == AF_INET6 ? &fd6 : &fd4;
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;

	if (*fd < 0) {
		*fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
		if (*fd < 0)
			return -errno;
	}
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, pkt + 24, 16);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, pkt + 16, 4);
		sl = sizeof(*s4);
	}
	if (sendto(*fd, pkt, len, 0, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	return 0;
}

/*
 * Linux's answer to a GRE packet that matches no tunnel (ip_gre.c/ip6_gre.c
 * gre_rcv: icmp_send / icmpv6_send port unreachable), quoting the outer
 * packet outer[0..len) from its IP header; source = the outer destination.
 */
static void send_port_unreach(struct gd *gd, int family, const uint8_t *outer, size_t len)
{
	uint8_t *out = gd->buf + GD_HEADROOM + GD_BUF_SIZE - PKT_ICMP6_MAX_LEN;
	size_t n;

	if (family == AF_INET6) {
		struct in6_addr src;

		memcpy(&src, outer + 24, 16);
		n = pkt_icmp6_port_unreach(out, PKT_ICMP6_MAX_LEN, outer, len, &src);
	} else {
		struct in_addr src;

		memcpy(&src, outer + 16, 4);
		n = pkt_icmp4_port_unreach(out, PKT_ICMP6_MAX_LEN, outer, len, src);
	}
	if (!n || !icmp_rate_allow(family, out + (family == AF_INET6 ? 24 : 16)))
		return;
	icmp_send_raw(family, out, n);
}

/*
 * ICMP "fragmentation needed" / ICMPv6 "packet too big" back into the TUN
 * device to the inner sender, as tnl_update_pmtu / ip6gre_xmit_* do. The
 * source is the inner destination (the daemon does not know the device's
 * own address); it routes back through the tunnel, so reverse-path checks
 * pass. The kernel then updates its route's PMTU and tells the socket.
 */
static void send_too_big(struct gd_tunnel *gt, const uint8_t *ip, size_t len, int family,
			 uint32_t mtu)
{
	uint8_t out[PKT_ICMP6_MAX_LEN];
	size_t n;

	if (family == AF_INET) {
		struct in_addr src;

		memcpy(&src, ip + 16, 4);
		n = pkt_icmp4_frag_needed(out, sizeof(out), ip, len,
					  (uint16_t)(mtu > 0xffff ? 0xffff : mtu), src);
		if (n && !icmp_rate_allow(AF_INET, ip + 12))
			return;
	} else {
		struct in6_addr src;

		/* Linux does not rate-limit packet-too-big (icmpv6 ratemask) */
		memcpy(&src, ip + 24, 16);
		n = pkt_icmp6_packet_too_big(out, sizeof(out), ip, len, mtu, &src);
	}
	if (n && write(gt->w.fd, out, n) < 0)
		gt->st.tx_errors++;
}

/*
 * The PMTU rules of the kernel's transmit path; true when the packet is
 * dropped (with an ICMP error to the inner sender on TUN devices).
 *  IPv4 underlay (ip_tunnel_xmit/tnl_update_pmtu): only with pmtudisc;
 *   mtu = path MTU - outer IP - GRE (- UDP) (- 14 on gretap); an inner
 *   IPv4 packet with DF larger than mtu gets frag-needed, an inner IPv6
 *   packet larger than mtu >= 1280 gets packet-too-big.
 *  IPv6 underlay (ip6_tnl_xmit): always; mtu as above but at least 1280
 *   (inner IPv6) or 68 (inner IPv4); larger packets are dropped, inner
 *   IPv4 gets frag-needed even without DF ("send ICMP error even if DF is
 *   not set"), inner IPv6 packet-too-big.
 *  gretap/ip6gretap: too big is a silent drop (bridged frames have no
 *   route to answer on).
 */
static bool pmtu_exceeded(struct gd_tunnel *gt, uint8_t *pkt, size_t len,
			  const struct pkt_inner *pi)
{
	const struct tunnel *t = &gt->t;
	bool tap = tunnel_mode_is_tap(t->mode);
	size_t eth = tap ? PKT_ETH_HLEN : 0, size = len - eth;
	long mtu;

	if (!gt->pmtu || (pi->family != AF_INET && pi->family != AF_INET6))
		return false;
	mtu = (long)gt->pmtu - (long)gd_data_overhead(t) - (long)eth;
	if (t->family == AF_INET) {
		if (!t->pmtudisc || (long)size <= mtu)
			return false;
		if (pi->family == AF_INET ? !pi->df : mtu < IPV6_MIN_MTU)
			return false;
	} else {
		long min = pi->family == AF_INET6 ? IPV6_MIN_MTU : IPV4_MIN_MTU;

		if (mtu < min)
			mtu = min;
		if ((long)size <= mtu)
			return false;
	}
	if (!tap)
		send_too_big(gt, pkt + pi->l3_off, len - pi->l3_off, pi->family, (uint32_t)mtu);
	gt->st.tx_dropped++;
	return true;
}

static void tunnel_xmit(struct gd *gd, struct gd_tunnel *gt, uint8_t *pkt, size_t len)
{
	const struct tunnel *t = &gt->t;
	bool tap = tunnel_mode_is_tap(t->mode), df, ip, v6 = t->family == AF_INET6;
	struct pkt_inner pi;
	uint16_t proto;
	uint8_t tos, ttl, *hdr;
	size_t hlen = gre_header_len(t->oflags);
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 2 * CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct sockaddr_storage ss = { 0 };
	struct msghdr msg = { 0 };
	struct iovec iov;
	struct cmsghdr *c;
	int fd, ival;
	ssize_t n;

	if (tap) {
		proto = GRE_PROTO_TEB;
	} else if (len && pkt[0] >> 4 == 4) {
		proto = GRE_PROTO_IPV4;
	} else if (len && pkt[0] >> 4 == 6) {
		proto = GRE_PROTO_IPV6;
	} else {
		gt->st.tx_errors++;
		return;
	}
	if (pkt_inner_parse(pkt, len, proto, &pi)) {
		/* a TAP frame is sent whatever it carries; TUN gives us
		 * only what the kernel built, so this is not expected */
		if (!tap) {
			gt->st.tx_errors++;
			return;
		}
		memset(&pi, 0, sizeof(pi));
	}
	ip = pi.family == AF_INET || pi.family == AF_INET6;

	/* TTL 0 = inherit, as ip_tunnel_xmit: inner TTL/hop limit, else 64 */
	ttl = t->ttl;
	if (!ttl)
		ttl = ip ? pi.ttl : 64;
	tos = t->tos_inherit ? (ip ? pi.tos : 0) : t->tos;
	tos = pkt_ecn_encap(tos, ip ? pi.tos : 0);

	/* DF as the kernel: pmtudisc sets DF on every outer IPv4 packet;
	 * without it the inner DF is copied unless ignore_df. IPv6 outer
	 * packets are first tried unfragmented, so that the kernel says
	 * EMSGSIZE as soon as it learnt a smaller path MTU; what the kernel
	 * would still send (pmtu_exceeded says no) is then sent again, to
	 * be fragmented by this host as ip6_tnl does. */
	if (v6)
		df = true;
	else if (t->pmtudisc)
		df = true;
	else
		df = !t->ignore_df && pi.family == AF_INET && pi.df;

	if (pmtu_exceeded(gt, pkt, len, &pi))
		return;

	hdr = pkt - hlen;
	if (!gre_header_build(hdr, hlen + len, t->oflags, proto, t->okey,
			      (t->oflags & GRE_OPT_SEQ) ? gt->o_seqno : 0, len)) {
		gt->st.tx_errors++;
		return;
	}
	if (t->oflags & GRE_OPT_SEQ)
		gt->o_seqno++;
	if (t->encap == ENCAP_UDP) {
		uint16_t ulen = (uint16_t)(8 + hlen + len);

		hdr -= 8;
		put16(hdr, t->encap_sport ? t->encap_sport :
		      pkt_flow_sport(pkt, len, proto, flow_seed()));
		put16(hdr + 2, t->encap_dport);
		put16(hdr + 4, ulen);
		/* IPv4: zero checksum, as Linux fou sends by default
		 * (iproute2 leaves encap-csum off); IPv6: the kernel fills it
		 * (IPV6_CHECKSUM on the socket) */
		put16(hdr + 6, 0);
		if (8 + hlen + len > 0xffff) {
			gt->st.tx_errors++;
			return;
		}
	}

	fd = gd_sock_tx_get(gd, t, df);
	if (fd < 0) {
		gt->st.tx_errors++;
		return;
	}
	iov.iov_base = hdr;
	iov.iov_len = (size_t)(pkt + len - hdr);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_name = &ss;
	memset(&cm, 0, sizeof(cm));
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	c = CMSG_FIRSTHDR(&msg);
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		struct in6_pktinfo pki = { 0 };

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, &t->remote.v6, 16);
		msg.msg_namelen = sizeof(*s6);
		ival = ttl;
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_HOPLIMIT;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &ival, sizeof(int));
		c = CMSG_NXTHDR(&msg, c);
		ival = tos;
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_TCLASS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &ival, sizeof(int));
		c = CMSG_NXTHDR(&msg, c);
		memcpy(&pki.ipi6_addr, &t->local.v6, 16);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pki));
		memcpy(CMSG_DATA(c), &pki, sizeof(pki));
		msg.msg_controllen = 2 * CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(pki));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		struct in_pktinfo pki = { 0 };

		s4->sin_family = AF_INET;
		s4->sin_addr = t->remote.v4;
		msg.msg_namelen = sizeof(*s4);
		ival = ttl;
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_TTL;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &ival, sizeof(int));
		c = CMSG_NXTHDR(&msg, c);
		ival = tos;
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_TOS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &ival, sizeof(int));
		if (t->flags & TUNNEL_HAS_LOCAL) {
			c = CMSG_NXTHDR(&msg, c);
			pki.ipi_spec_dst = t->local.v4;
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pki));
			memcpy(CMSG_DATA(c), &pki, sizeof(pki));
		}
		msg.msg_controllen = 2 * CMSG_SPACE(sizeof(int)) +
				     ((t->flags & TUNNEL_HAS_LOCAL) ? CMSG_SPACE(sizeof(pki)) : 0);
	}
	n = sendmsg(fd, &msg, 0);
	if (n < 0 && errno == EMSGSIZE) {
		/* the kernel learnt a smaller path MTU: answer this very
		 * packet as Linux would, with the new one */
		gd_tunnel_refresh_pmtu(gt, time(NULL));
		if (pmtu_exceeded(gt, pkt, len, &pi))
			return;
		if (v6) {
			fd = gd_sock_tx_get(gd, t, false);
			n = fd < 0 ? -1 : sendmsg(fd, &msg, 0);
		}
		if (n < 0)
			errno = EMSGSIZE;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == ENOBUFS)
			gt->st.tx_dropped++;
		else
			gt->st.tx_errors++;
		return;
	}
	gt->st.tx_packets++;
	gt->st.tx_bytes += len;
}

void gd_data_tun_event(struct gd *gd, struct gd_watch *w, uint32_t events)
{
	struct gd_tunnel *gt = container_of(w, struct gd_tunnel, w);
	uint8_t *pkt = gd->buf + GD_HEADROOM;

	for (int i = 0; i < BATCH; i++) {
		ssize_t n = read(w->fd, pkt, GD_BUF_SIZE);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				gt->st.tx_errors++;
			return;
		}
		if (n == 0)
			return;
		tunnel_xmit(gd, gt, pkt, (size_t)n);
	}
}

static void count_drop(struct gd_tunnel *gt, enum gre_drop r)
{
	gt->st.drops[r]++;
	gt->st.rx_errors++;
}

/* What the receive path knows about the outer packet. */
struct rx_outer {
	uint8_t tos;
	uint8_t *ip;		/* outer IP header (IPv6: rebuilt), NULL for UDP */
	size_t len;		/* from ip to the end of the packet */
};

/* No tunnel takes this packet: count it where it most likely belongs and
 * answer as Linux does (ICMP port unreachable). */
static void rcv_unmatched(struct gd *gd, struct gd_rx_key *k, const struct rx_outer *o,
			  enum gre_drop r)
{
	struct gd_tunnel *gt = gd_table_lookup_near(gd, k, &r);

	if (gt)
		count_drop(gt, r);
	else
		gd->unmatched++;
	if (o->ip)
		send_port_unreach(gd, k->family, o->ip, o->len);
}

/* The receive rules, after the outer header is known. */
static void tunnel_rcv(struct gd *gd, struct gd_rx_key *k, const struct rx_outer *o,
		       uint8_t *p, size_t len)
{
	struct gd_tunnel *gt;
	struct gre_hdr h;
	struct pkt_inner pi;
	enum gre_drop r;
	const struct tunnel *t;
	uint8_t *inner;
	size_t ilen;
	bool tap;

	r = gre_header_parse_ex(p, len, k->family == AF_INET ? GRE_PARSE_IPV4 : 0, &h);
	/* Linux's IPv4 demux (gre_demux.c) takes the version from the low 7
	 * bits of the flags (data[1] & 0x7f), so reserved bits 9-12 make an
	 * unknown version there and the packet drops; ip6_gre ignores them
	 * (found by tests/vm/test_diff.sh) */
	if (r == GRE_OK && k->family == AF_INET && (h.flags & GRE_F_RESERVED))
		r = GRE_DROP_VERSION;
	if (r != GRE_OK) {
		enum gre_drop near;

		/* Cisco keepalive replies (4 or 8 bytes) are below Linux's
		 * 12-byte minimum; Linux never expects one, gretund does */
		if (r == GRE_DROP_TRUNCATED && gd_keepalive_rcv_short(gd, k, p, len))
			return;
		/* a broken header has no trustworthy key: count it on the
		 * tunnel with these outer addresses, if any; Linux drops
		 * silently (gre_parse_header fails before any lookup) */
		k->has_key = false;
		gt = gd_table_lookup_near(gd, k, &near);
		if (gt && near == GRE_DROP_KEY)
			count_drop(gt, r);
		else
			gd->unmatched++;
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
	gt = gd_table_lookup(gd, k);
	if (!gt) {
		rcv_unmatched(gd, k, o, GRE_DROP_KEY);
		return;
	}
	/* Cisco keepalives (gretund_keepalive.c): before the flags checks,
	 * since a reply carries the inner GRE header we built, not the
	 * tunnel's input options, and protocol 0 is not a data protocol */
	if (gt->t.keepalive_interval && gd_keepalive_rcv(gd, gt, h.proto, p + h.hlen, len - h.hlen))
		return;
	t = &gt->t;
	tap = tunnel_mode_is_tap(t->mode);
	/* Linux looks IP up among gre tunnels only: on a gretap tunnel that
	 * is "no tunnel" (port unreachable). Ethernet (0x6558) without a
	 * gretap tunnel falls back to the gre tunnel, which takes it and
	 * drops it silently (ipgre_rcv, ip6gre_tunnel_lookup). */
	if (tap && h.proto != GRE_PROTO_TEB) {
		count_drop(gt, GRE_DROP_PROTO);
		if (o->ip)
			send_port_unreach(gd, k->family, o->ip, o->len);
		return;
	}
	r = gre_flags_check(&h, t->iflags);
	if (r != GRE_OK) {
		count_drop(gt, r);
		return;
	}
	if ((t->iflags & GRE_OPT_SEQ) && !gre_seq_accept(&gt->i_seqno, h.seq)) {
		count_drop(gt, GRE_DROP_SEQ);
		return;
	}
	if (!tap && h.proto != GRE_PROTO_IPV4 && h.proto != GRE_PROTO_IPV6) {
		count_drop(gt, GRE_DROP_PROTO);
		return;
	}
	inner = p + h.hlen;
	ilen = len - h.hlen;
	if (pkt_inner_parse(inner, ilen, h.proto, &pi)) {
		count_drop(gt, GRE_DROP_INNER);
		return;
	}
	/* Deviation from Linux, which hands any size to the stack: an inner
	 * packet larger than the device MTU (plus the Ethernet header on TAP)
	 * is dropped as oversize, so a peer cannot push frames the local
	 * configuration never allowed. The MTU is re-read before dropping. */
	if (gt->dev_mtu && ilen > gt->dev_mtu + (tap ? PKT_ETH_HLEN + PKT_VLAN_HLEN : 0)) {
		uint32_t mtu;

		if (!gd_dev_mtu(t->name, &mtu))
			gt->dev_mtu = mtu;
		if (ilen > gt->dev_mtu + (tap ? PKT_ETH_HLEN + PKT_VLAN_HLEN : 0)) {
			count_drop(gt, GRE_DROP_OVERSIZE);
			return;
		}
	}
	/* RFC 6040: CE on the outer with a Not-ECT inner cannot be
	 * expressed, drop as the kernel does */
	if (pkt_inner_ecn_decap(inner, ilen, &pi, o->tos) == PKT_ECN_DROP) {
		count_drop(gt, GRE_DROP_ECN);
		return;
	}
	if (write(gt->w.fd, inner, ilen) < 0) {
		if (errno == EINVAL || errno == EMSGSIZE)
			count_drop(gt, GRE_DROP_OVERSIZE);
		else
			gt->st.rx_errors++;
		return;
	}
	gt->st.rx_packets++;
	gt->st.rx_bytes += ilen;
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

static void sock_event(struct gd *gd, struct gd_watch *w, bool udp)
{
	struct gd_rxsock *rs = container_of(w, struct gd_rxsock, w);
	uint8_t *buf = gd->buf + GD_HEADROOM;
	union {
		char buf[256];
		struct cmsghdr align;
	} cm;

	for (int i = 0; i < BATCH; i++) {
		struct sockaddr_storage ss;
		struct iovec iov = {
			/* the end of the buffer is where ICMP errors are built */
			.iov_base = buf, .iov_len = GD_BUF_SIZE - PKT_ICMP6_MAX_LEN,
		};
		struct msghdr msg = {
			.msg_name = &ss, .msg_namelen = sizeof(ss), .msg_iov = &iov,
			.msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf),
		};
		struct gd_rx_key k = { .family = rs->family, .udp = udp, .dport = rs->port };
		struct rx_meta m = { 0 };
		struct rx_outer o = { 0 };
		uint8_t *p = buf;
		ssize_t n = recvmsg(w->fd, &msg, MSG_DONTWAIT);
		size_t len;

		if (n < 0)
			return;
		len = (size_t)n;
		cmsg_read(&msg, &k, &m);
		if (rs->family == AF_INET6) {
			memcpy(&k.src.v6, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
			if (!udp) {
				o.ip = ip6_rebuild(buf, len, &k, &m);
				o.len = PKT_IP6_HLEN + len;
			}
		} else if (udp) {
			k.src.v4 = ((struct sockaddr_in *)&ss)->sin_addr;
		} else {
			size_t ihl, tot;

			if (len < 20 || buf[0] >> 4 != 4) {
				gd->rx_malformed++;
				continue;
			}
			ihl = (size_t)(buf[0] & 0x0f) * 4;
			tot = get16(buf + 2);
			if (ihl < 20 || ihl > len) {
				gd->rx_malformed++;
				continue;
			}
			if (tot >= ihl && tot < len)
				len = tot;
			m.tos = buf[1];
			memcpy(&k.src.v4, buf + 12, 4);
			memcpy(&k.dst.v4, buf + 16, 4);
			o.ip = buf;
			o.len = len;
			p = buf + ihl;
			len -= ihl;
		}
		o.tos = m.tos;
		tunnel_rcv(gd, &k, &o, p, len);
	}
}

void gd_data_raw_event(struct gd *gd, struct gd_watch *w, uint32_t events)
{
	sock_event(gd, w, false);
}

void gd_data_udp_event(struct gd *gd, struct gd_watch *w, uint32_t events)
{
	sock_event(gd, w, true);
}
