// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The packet paths. Send: TUN/TAP -> GRE header (+UDP) -> raw socket, the
 * kernel adds the outer IP header with per-packet TTL/TOS from cmsgs.
 * Receive: raw/UDP socket -> GRE codec -> demux -> kernel receive rules ->
 * RFC 6040 ECN decapsulation -> TUN/TAP. One static buffer, no allocation.
 * Inner parsing, ECN, ICMP errors and the flow hash come from pkt.h; the
 * header rules from gre.h. Batching and offloads (see PERFORMANCE in
 * gretund(8)): a TUN event reads up to BATCH packets (or TSO super-packets,
 * segmented here with gretund_offload.c) into an arena and sends them all
 * with sendmmsg; a socket event takes packets with recvmmsg, and TCP
 * segments or UDP datagrams of one flow are coalesced (GRO) and written to
 * the TUN fd as one packet with a virtio-net header. What Linux answers with ICMP, so do we:
 * port unreachable for a GRE packet matching no tunnel, frag-needed /
 * packet-too-big (written back into the TUN device) on the PMTU path.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "gretund_data.h"
#include "gretund_dev.h"
#include "gretund_keepalive.h"
#include "gretund_loop.h"
#include "gretund_sock.h"
#include "gretund_table.h"
#include "gretund_offload.h"
#include "inet.h"
#include "pkt.h"

#ifndef IPV6_FLOWINFO
#define IPV6_FLOWINFO	11	/* linux/in6.h: receive flow info as a cmsg */
#endif
#ifndef SOL_UDP
#define SOL_UDP		17
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
	size_t alen = inet_addr_len(family);
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
 * Is gt's TUN fd in IFF_VNET_HDR mode? The mode belongs to the device, set
 * by whoever opened it (gd_dev_open, or the process that handed the fd
 * over): ask the fd once (TUNGETIFF) and remember it per fd, checked
 * against the ifindex so that a reused fd number is asked again.
 */
struct vnet_cache {
	int ifindex;
	bool vnet;
	bool no_udp_gro;	/* the device refused a UDP GRO packet */
};

static struct vnet_cache *vnet_cache;
static size_t vnet_cache_n;

static bool tun_vnet(struct gd_tunnel *gt)
{
	int fd = gt->w.fd;
	struct ifreq ifr;

	if (fd < 0)
		return false;
	if ((size_t)fd >= vnet_cache_n) {
		size_t n = (size_t)fd + 64;
		struct vnet_cache *c = realloc(vnet_cache, n * sizeof(*c));

		if (!c)
			return false;
		memset(c + vnet_cache_n, 0, (n - vnet_cache_n) * sizeof(*c));
		vnet_cache = c;
		vnet_cache_n = n;
	}
	if (vnet_cache[fd].ifindex == gt->ifindex && gt->ifindex)
		return vnet_cache[fd].vnet;
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return false;
	vnet_cache[fd].ifindex = gt->ifindex;
	vnet_cache[fd].vnet = (ifr.ifr_flags & IFF_VNET_HDR) != 0;
	vnet_cache[fd].no_udp_gro = false;
	return vnet_cache[fd].vnet;
}

/* One packet into the TUN/TAP device, with a virtio-net header when the fd
 * wants one (flags: OFF_VNET_F_DATA_VALID when the L4 checksum was checked). */
static ssize_t tun_write(struct gd_tunnel *gt, const uint8_t *pkt, size_t len, uint8_t flags)
{
	uint8_t vh[OFF_VNET_HLEN] = { 0 };
	struct iovec iov[2] = {
		{ .iov_base = vh, .iov_len = sizeof(vh) },
		{ .iov_base = (void *)pkt, .iov_len = len },
	};

	if (!tun_vnet(gt))
		return write(gt->w.fd, pkt, len);
	vh[0] = flags;
	return writev(gt->w.fd, iov, 2);
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
	if (n && tun_write(gt, out, n, 0) < 0)
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

/*
 * The send batch: packets of one TUN event, encapsulated in place in the
 * arena (each with GD_HEADROOM in front), sent with one sendmmsg per run
 * of packets that share a socket. Allocated once, reused.
 */
#define TX_SLOTS	128
#define TX_ARENA	(1u << 20)
/* room one read needs: the packet (or TSO super-packet) and its segments */
#define TX_SLACK	(2u * (GD_HEADROOM + OFF_VNET_HLEN + GD_BUF_SIZE) + \
			 OFF_MAX_SEGS * (GD_HEADROOM + 128u))

struct tx_slot {
	struct gd_tunnel *gt;
	uint8_t *pkt;
	size_t len;
	struct pkt_inner pi;
	int fd;			/* -2 once sent by gso_send */
	bool df;
	struct sockaddr_storage ss;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 2 * CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
};

static struct tx_slot *tx_slot;
static struct mmsghdr *tx_mm;
static unsigned int tx_n;
static uint8_t *tx_arena;
static size_t tx_off;

static int tx_batch_init(void)
{
	if (tx_arena)
		return 0;
	tx_slot = calloc(TX_SLOTS, sizeof(*tx_slot));
	tx_mm = calloc(TX_SLOTS, sizeof(*tx_mm));
	tx_arena = malloc(TX_ARENA);
	if (!tx_slot || !tx_mm || !tx_arena) {
		free(tx_slot);
		free(tx_mm);
		free(tx_arena);
		tx_slot = NULL;
		tx_mm = NULL;
		tx_arena = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* A send of slot s failed with err: what the single-packet path did. */
static void tx_fail(struct gd *gd, struct tx_slot *s, int err)
{
	struct gd_tunnel *gt = s->gt;
	ssize_t n = -1;

	if (err == EMSGSIZE) {
		/* the kernel learnt a smaller path MTU: answer this very
		 * packet as Linux would, with the new one */
		gd_tunnel_refresh_pmtu(gt, time(NULL));
		if (pmtu_exceeded(gt, s->pkt, s->len, &s->pi))
			return;
		if (gt->t.family == AF_INET6) {
			int fd = gd_sock_tx_get(gd, &gt->t, false);

			n = fd < 0 ? -1 : sendmsg(fd, &tx_mm[s - tx_slot].msg_hdr, 0);
		}
		if (n >= 0) {
			gt->st.tx_packets++;
			gt->st.tx_bytes += s->len;
			return;
		}
		err = EMSGSIZE;
	}
	if (err == EAGAIN || err == ENOBUFS)
		gt->st.tx_dropped++;
	else
		gt->st.tx_errors++;
}

static unsigned int gso_run(unsigned int i);
static unsigned int gso_send(struct gd_tunnel *gt, unsigned int s, unsigned int n);

static void tx_flush(struct gd *gd)
{
	unsigned int i = 0;

	while (i < tx_n) {
		unsigned int j = i + 1, n;
		int r;

		if (tx_slot[i].fd == -2) {
			i++;
			continue;
		}
		/* GRE-in-UDP packets of one inner flow and size, one after
		 * the other (a UDP stream read packet by packet): one send */
		n = gso_run(i);
		if (n >= 2) {
			unsigned int sent = gso_send(tx_slot[i].gt, i, n);

			if (sent) {
				i += sent;
				continue;
			}
			j = i + n;	/* refused: the run the per-packet way */
		} else {
			while (j < tx_n && tx_slot[j].fd == tx_slot[i].fd && gso_run(j) < 2)
				j++;
		}
		r = sendmmsg(tx_slot[i].fd, tx_mm + i, j - i, 0);
		if (r <= 0) {
			tx_fail(gd, &tx_slot[i], r < 0 ? errno : EAGAIN);
			i++;
			continue;
		}
		for (unsigned int k = i; k < i + (unsigned int)r; k++) {
			tx_slot[k].gt->st.tx_packets++;
			tx_slot[k].gt->st.tx_bytes += tx_slot[k].len;
		}
		i += (unsigned int)r;
	}
	tx_n = 0;
}

/* Encapsulate pkt[0..len) (GD_HEADROOM writable bytes in front) into the
 * next send slot. */
static void tunnel_xmit(struct gd *gd, struct gd_tunnel *gt, uint8_t *pkt, size_t len)
{
	const struct tunnel *t = &gt->t;
	bool tap = tunnel_mode_is_tap(t->mode), df, ip, v6 = t->family == AF_INET6;
	struct pkt_inner pi;
	uint16_t proto;
	uint8_t tos, ttl, *hdr;
	size_t hlen = gre_header_len(t->oflags);
	struct tx_slot *sl;
	struct msghdr *mh;
	struct cmsghdr *c;
	int fd, ival;

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
	if (tx_n == TX_SLOTS)
		tx_flush(gd);
	sl = &tx_slot[tx_n];
	mh = &tx_mm[tx_n].msg_hdr;
	sl->gt = gt;
	sl->pkt = pkt;
	sl->len = len;
	sl->pi = pi;
	sl->fd = fd;
	sl->df = df;
	memset(&sl->ss, 0, sizeof(sl->ss));
	memset(mh, 0, sizeof(*mh));
	sl->iov.iov_base = hdr;
	sl->iov.iov_len = (size_t)(pkt + len - hdr);
	mh->msg_iov = &sl->iov;
	mh->msg_iovlen = 1;
	mh->msg_name = &sl->ss;
	memset(&sl->cm, 0, sizeof(sl->cm));
	mh->msg_control = sl->cm.buf;
	mh->msg_controllen = sizeof(sl->cm.buf);
	c = CMSG_FIRSTHDR(mh);
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sl->ss;
		struct in6_pktinfo pki = { 0 };

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, &t->remote.v6, 16);
		mh->msg_namelen = sizeof(*s6);
		ival = ttl;
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_HOPLIMIT;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &ival, sizeof(int));
		c = CMSG_NXTHDR(mh, c);
		ival = tos;
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_TCLASS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &ival, sizeof(int));
		c = CMSG_NXTHDR(mh, c);
		memcpy(&pki.ipi6_addr, &t->local.v6, 16);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pki));
		memcpy(CMSG_DATA(c), &pki, sizeof(pki));
		mh->msg_controllen = 2 * CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(pki));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&sl->ss;
		struct in_pktinfo pki = { 0 };

		s4->sin_family = AF_INET;
		s4->sin_addr = t->remote.v4;
		mh->msg_namelen = sizeof(*s4);
		ival = ttl;
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_TTL;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &ival, sizeof(int));
		c = CMSG_NXTHDR(mh, c);
		ival = tos;
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_TOS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &ival, sizeof(int));
		if (t->flags & TUNNEL_HAS_LOCAL) {
			c = CMSG_NXTHDR(mh, c);
			pki.ipi_spec_dst = t->local.v4;
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pki));
			memcpy(CMSG_DATA(c), &pki, sizeof(pki));
		}
		mh->msg_controllen = 2 * CMSG_SPACE(sizeof(int)) +
				     ((t->flags & TUNNEL_HAS_LOCAL) ? CMSG_SPACE(sizeof(pki)) : 0);
	}
	tx_n++;
}

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
#define GSO_SOCKS	16
#define GSO_MAX_SEGS	64		/* UDP_MAX_SEGMENTS of older kernels */
#define GSO_MAX_BYTES	(65535u - 48u)	/* UDP payload of one send */

struct gso_sock {
	int fd;			/* -1: cannot bind this one, do not retry */
	int family;
	bool df, has_local;
	uint16_t sport;
	uint32_t mark;
	char dev[IFNAMSIZ];
	union inet_addr local;
	uint64_t used;
};

static struct gso_sock gso_sock[GSO_SOCKS];
static unsigned int gso_nsock;
static uint64_t gso_clock;
static int gso_support;		/* 0 unknown, 1 yes, -1 the kernel refuses */

static int gso_sock_open(const struct tunnel *t, bool df, uint16_t sport)
{
	static struct sock_filter drop_all[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog prog = { .len = 1, .filter = drop_all };
	struct sockaddr_storage ss = { 0 };
	int fd, on = 1, zero = 0, buf = 1 << 23, pmtu;
	socklen_t sl;

	fd = socket(t->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_UDP, UDP_SEGMENT, &zero, sizeof(zero))) {
		if (errno == ENOPROTOOPT || errno == EINVAL)
			gso_support = -1;
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
	if (t->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		pmtu = df ? IPV6_PMTUDISC_DO : IPV6_PMTUDISC_DONT;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof(pmtu)))
			goto fail;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(sport);
		if (t->flags & TUNNEL_HAS_LOCAL)
			s6->sin6_addr = t->local.v6;
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		pmtu = df ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;
		if (setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu)))
			goto fail;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(sport);
		if (t->flags & TUNNEL_HAS_LOCAL)
			s4->sin_addr = t->local.v4;
		sl = sizeof(*s4);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl))
		goto fail;
	gso_support = 1;
	return fd;
fail:
	close(fd);
	return -1;
}

static struct gso_sock *gso_sock_find(const struct tunnel *t, bool df, uint16_t sport)
{
	bool local = (t->flags & TUNNEL_HAS_LOCAL) != 0;

	for (unsigned int i = 0; i < gso_nsock; i++) {
		struct gso_sock *g = &gso_sock[i];

		if (g->family == t->family && g->df == df && g->sport == sport &&
		    g->mark == t->fwmark && g->has_local == local &&
		    (!local || !memcmp(&g->local, &t->local, sizeof(g->local))) &&
		    !strcmp(g->dev, t->dev))
			return g;
	}
	return NULL;
}

static bool gso_sock_cached(const struct tunnel *t, bool df, uint16_t sport)
{
	const struct gso_sock *g = gso_sock_find(t, df, sport);

	return g && g->fd >= 0;
}

static int gso_sock_get(const struct tunnel *t, bool df, uint16_t sport)
{
	bool local = (t->flags & TUNNEL_HAS_LOCAL) != 0;
	struct gso_sock *g = gso_sock_find(t, df, sport), *lru = NULL;

	if (g) {
		g->used = ++gso_clock;
		return g->fd;
	}
	for (unsigned int i = 0; i < gso_nsock; i++)
		if (!lru || gso_sock[i].used < lru->used)
			lru = &gso_sock[i];
	if (gso_nsock < GSO_SOCKS) {
		g = &gso_sock[gso_nsock++];
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
	g->used = ++gso_clock;
	g->fd = gso_sock_open(t, df, sport);
	return g->fd;
}

static bool gso_sock_cached(const struct tunnel *t, bool df, uint16_t sport);

/* The kernel refuses GSO on this socket's route (EIO: an xfrm route or a
 * device without checksum offload; EINVAL): its packets go the per-packet
 * way from now on, without asking again. */
static void gso_sock_refused(const struct tunnel *t, bool df, uint16_t sport)
{
	struct gso_sock *g = gso_sock_find(t, df, sport);

	if (g && g->fd >= 0) {
		close(g->fd);
		g->fd = -1;
	}
}

/*
 * How many slots from i on could go as one UDP GSO send: GRE-in-UDP of one
 * tunnel, one send socket and DF choice, one source port, the same TTL/TOS
 * (control messages), one size (only the last may be shorter). Less than
 * 2 means none. Opening and binding a GSO socket costs more than a few
 * sends: a source port without one needs a run of GSO_MIN_NEW.
 */
#define GSO_MIN_NEW	8

static unsigned int gso_run(unsigned int i)
{
	const struct tx_slot *a = &tx_slot[i];
	const struct msghdr *am = &tx_mm[i].msg_hdr;
	unsigned int j = i + 1;
	uint16_t sport;

	if (gso_support < 0 || a->fd == -2 || a->gt->t.encap != ENCAP_UDP ||
	    a->iov.iov_len < 8 || i + 1 >= tx_n)
		return 0;
	sport = get16(a->iov.iov_base);
	while (j < tx_n) {
		const struct tx_slot *b = &tx_slot[j];
		const struct msghdr *bm = &tx_mm[j].msg_hdr;

		if (b->gt != a->gt || b->fd != a->fd || b->df != a->df ||
		    b->iov.iov_len < 8 || b->iov.iov_len > a->iov.iov_len ||
		    get16(b->iov.iov_base) != sport || bm->msg_controllen != am->msg_controllen ||
		    memcmp(bm->msg_control, am->msg_control, am->msg_controllen))
			break;
		j++;
		if (b->iov.iov_len < a->iov.iov_len)
			break;		/* a shorter one ends the run */
	}
	if (j - i < GSO_MIN_NEW && !gso_sock_cached(&a->gt->t, a->df, sport))
		return 0;
	return j - i;
}

/*
 * Send slots [s, s + n) (one tunnel, GRE-in-UDP, built by tunnel_xmit with
 * their UDP header in front) as UDP GSO sends. Returns how many went out;
 * the caller sends the others the per-packet way.
 */
static unsigned int gso_send(struct gd_tunnel *gt, unsigned int s, unsigned int n)
{
	static struct iovec iov[GSO_MAX_SEGS];
	union {
		char buf[sizeof(tx_slot[0].cm.buf) + CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} cm;
	struct tx_slot *a = &tx_slot[s];
	struct msghdr *am = &tx_mm[s].msg_hdr;
	const uint8_t *uh = a->iov.iov_base;
	size_t seg = a->iov.iov_len - 8;
	uint16_t sport = get16(uh);
	struct sockaddr_storage ss;
	unsigned int done = 0;
	int fd;

	if (gso_support < 0 || n < 2 || seg > 0xffff)
		return 0;
	for (unsigned int i = s; i < s + n; i++) {
		const uint8_t *h = tx_slot[i].iov.iov_base;

		if (tx_slot[i].df != a->df || get16(h) != sport || tx_slot[i].iov.iov_len < 8 ||
		    (i < s + n - 1 ? tx_slot[i].iov.iov_len != a->iov.iov_len :
				     tx_slot[i].iov.iov_len > a->iov.iov_len))
			return 0;
	}
	fd = gso_sock_get(&gt->t, a->df, sport);
	if (fd < 0)
		return 0;
	ss = a->ss;
	if (gt->t.family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(gt->t.encap_dport);
	else
		((struct sockaddr_in *)&ss)->sin_port = htons(gt->t.encap_dport);
	while (done < n) {
		unsigned int m = n - done, max = (unsigned int)(GSO_MAX_BYTES / seg);
		struct msghdr mh = { 0 };
		struct cmsghdr *c;
		uint16_t gs = (uint16_t)seg;

		if (m > GSO_MAX_SEGS)
			m = GSO_MAX_SEGS;
		if (m > max)
			m = max;
		if (!m)
			break;
		for (unsigned int k = 0; k < m; k++) {
			struct tx_slot *x = &tx_slot[s + done + k];

			iov[k].iov_base = (uint8_t *)x->iov.iov_base + 8;
			iov[k].iov_len = x->iov.iov_len - 8;
		}
		memset(&cm, 0, sizeof(cm));
		memcpy(cm.buf, am->msg_control, am->msg_controllen);
		mh.msg_name = &ss;
		mh.msg_namelen = am->msg_namelen;
		mh.msg_iov = iov;
		mh.msg_iovlen = m;
		mh.msg_control = cm.buf;
		mh.msg_controllen = am->msg_controllen;
		if (m > 1) {
			c = (struct cmsghdr *)(cm.buf + am->msg_controllen);
			c->cmsg_level = SOL_UDP;
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof(gs));
			memcpy(CMSG_DATA(c), &gs, sizeof(gs));
			mh.msg_controllen += CMSG_SPACE(sizeof(gs));
		}
		if (sendmsg(fd, &mh, 0) < 0) {
			if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR && errno != EMSGSIZE)
				gso_sock_refused(&gt->t, a->df, sport);
			break;
		}
		for (unsigned int k = 0; k < m; k++) {
			struct tx_slot *x = &tx_slot[s + done + k];

			x->fd = -2;	/* sent */
			gt->st.tx_packets++;
			gt->st.tx_bytes += x->len;
		}
		done += m;
	}
	return done;
}

/* A packet read from a vnet TUN fd: complete its checksum or segment it,
 * then encapsulate every piece. */
static void tunnel_xmit_vnet(struct gd *gd, struct gd_tunnel *gt, uint8_t *pkt, size_t len)
{
	struct off_vnet h;
	unsigned int s0;
	size_t hlen;
	bool udp;
	int n;

	if (off_vnet_parse(pkt - OFF_VNET_HLEN, OFF_VNET_HLEN, &h)) {
		gt->st.tx_errors++;
		return;
	}
	if (h.gso_type == OFF_GSO_NONE) {
		if (off_csum_complete(pkt, len, &h)) {
			gt->st.tx_errors++;
			return;
		}
		tunnel_xmit(gd, gt, pkt, len);
		tx_off += GD_HEADROOM + ((len + 15) & ~(size_t)15);
		return;
	}
	n = off_gso_fixup(pkt, len, &h) ? -EINVAL : off_gso_count(pkt, len, &h, &hlen);
	if (n <= 0) {
		gt->st.tx_errors++;
		return;
	}
	tx_off += GD_HEADROOM + ((len + 15) & ~(size_t)15);
	udp = gt->t.encap == ENCAP_UDP && gso_support >= 0 && n > 1;
	if (udp || tx_n + (unsigned int)n > TX_SLOTS) {
		/* the burst goes out after what is queued, in order */
		tx_flush(gd);
	}
	s0 = tx_n;
	for (int i = 0; i < n; i++) {
		uint8_t *seg = tx_arena + tx_off + GD_HEADROOM;
		size_t slen = off_gso_segment(pkt, len, &h, hlen, (unsigned int)i, seg,
					      TX_ARENA - tx_off - GD_HEADROOM);

		if (!slen) {
			gt->st.tx_errors++;
			return;
		}
		tunnel_xmit(gd, gt, seg, slen);
		tx_off += GD_HEADROOM + ((slen + 15) & ~(size_t)15);
	}
	if (udp && tx_n > s0 && gso_send(gt, s0, tx_n - s0) == tx_n - s0)
		tx_n = s0;
}

void gd_data_tun_event(struct gd *gd, struct gd_watch *w, uint32_t events)
{
	struct gd_tunnel *gt = container_of(w, struct gd_tunnel, w);
	bool vnet = tun_vnet(gt);

	/* A deleted device polls EPOLLERR for good: stop watching it (or the
	 * loop spins); the tunnel is dropped at the next tick or request. */
	if ((events & (EPOLLERR | EPOLLHUP)) && gd_dev_detached(w->fd)) {
		gd_loop_del(gd, w);
		gt->dev_gone = true;
		return;
	}
	if (tx_batch_init()) {
		gt->st.tx_errors++;
		return;
	}
	tx_n = 0;
	tx_off = 0;
	for (int i = 0; i < BATCH; i++) {
		uint8_t *pkt;
		ssize_t n;

		if (!tx_n)
			tx_off = 0;
		if (TX_ARENA - tx_off < TX_SLACK) {
			tx_flush(gd);
			tx_off = 0;
		}
		pkt = tx_arena + tx_off + GD_HEADROOM;
		if (vnet) {
			n = read(w->fd, pkt - OFF_VNET_HLEN, GD_BUF_SIZE + OFF_VNET_HLEN);
			if (n > 0 && n < OFF_VNET_HLEN) {
				gt->st.tx_errors++;
				continue;
			}
		} else {
			n = read(w->fd, pkt, GD_BUF_SIZE);
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				gt->st.tx_errors++;
			break;
		}
		if (n == 0)
			break;
		if (vnet) {
			tunnel_xmit_vnet(gd, gt, pkt, (size_t)n - OFF_VNET_HLEN);
		} else {
			tunnel_xmit(gd, gt, pkt, (size_t)n);
			tx_off += GD_HEADROOM + (((size_t)n + 15) & ~(size_t)15);
		}
	}
	tx_flush(gd);
}

static void count_drop(struct gd_tunnel *gt, enum gre_drop r)
{
	gt->st.drops[r]++;
	gt->st.rx_errors++;
}

/*
 * Receive-side GRO: TCP segments, and UDP datagrams, of one flow arriving in
 * one recvmmsg batch are written to a vnet TUN fd as one packet (writev: the
 * vnet header, the headers, the payloads in place); the kernel splits them
 * again only if it has to (GSO on forward, udp_rcv_segment for a socket
 * without UDP_GRO). Pending flows hold pointers into the receive buffers,
 * so everything is flushed before they are reused.
 * TCP: the first segment's headers are fixed up in place. UDP: the merged
 * headers are built apart (uhdr) and the datagrams left as they arrived,
 * so that when the kernel refuses the USO packet (VIRTIO_NET_HDR_GSO_UDP_L4
 * is Linux 6.2+) each one is written on its own and UDP GRO stays off for
 * that device: nothing is lost.
 */
#define GRO_FLOWS	8
#define GRO_SEGS	64

struct gro_flow {
	struct gd_tunnel *gt;
	uint8_t *fpkt;
	bool udp;
	struct off_tcp first, last;
	struct off_udp ufirst, ulast;
	size_t total;
	unsigned int nseg;
	uint8_t vh[OFF_VNET_HLEN];
	uint8_t uhdr[OFF_UDP_HDR_MAX];
	/* TCP: vnet header, first segment, payloads of the others;
	 * UDP: vnet header, uhdr, payloads of all */
	struct iovec iov[GRO_SEGS + 2];
};

static struct gro_flow gro[GRO_FLOWS];
static unsigned int gro_n;

/* Packets lost in a write into a device that turned out to be down: no
 * tunnel took them (see tunnel_down); added to gd->unmatched by
 * sock_event. */
static uint64_t rx_down_lost;

static void rx_write_done(struct gd_tunnel *gt, ssize_t r)
{
	if (r >= 0)
		return;
	if (errno == EIO) {
		gt->dev_down = true;
		rx_down_lost++;
	} else if (errno == EINVAL || errno == EMSGSIZE) {
		count_drop(gt, GRE_DROP_OVERSIZE);
	} else {
		gt->st.rx_errors++;
	}
}

/* UDP GRO refused by gt's device for good (see above)? */
static bool udp_gro_off(struct gd_tunnel *gt)
{
	int fd = gt->w.fd;

	return fd < 0 || (size_t)fd >= vnet_cache_n || vnet_cache[fd].no_udp_gro;
}

static void gro_flush_udp(struct gro_flow *f)
{
	size_t hl = (size_t)f->ufirst.iphlen + 8;
	struct off_vnet h;
	ssize_t r;

	if (f->nseg == 1) {
		rx_write_done(f->gt, tun_write(f->gt, f->fpkt, f->total, OFF_VNET_F_DATA_VALID));
		return;
	}
	off_udp_finish(f->fpkt, &f->ufirst, f->total, f->uhdr, &h);
	off_vnet_build(f->vh, &h);
	f->iov[0].iov_base = f->vh;
	f->iov[0].iov_len = OFF_VNET_HLEN;
	f->iov[1].iov_base = f->uhdr;
	f->iov[1].iov_len = hl;
	r = writev(f->gt->w.fd, f->iov, (int)f->nseg + 2);
	if (r >= 0 || errno != EINVAL) {
		rx_write_done(f->gt, r);
		return;
	}
	/* a kernel without USO from TUN: each datagram as it came (its
	 * headers right before its payload, untouched), and no more tries */
	if ((size_t)f->gt->w.fd < vnet_cache_n)
		vnet_cache[f->gt->w.fd].no_udp_gro = true;
	for (unsigned int i = 0; i < f->nseg; i++) {
		uint8_t *p = (uint8_t *)f->iov[i + 2].iov_base - hl;

		rx_write_done(f->gt, tun_write(f->gt, p, hl + f->iov[i + 2].iov_len,
					       OFF_VNET_F_DATA_VALID));
	}
}

static void gro_flush_one(struct gro_flow *f)
{
	struct off_vnet h;

	if (f->udp) {
		gro_flush_udp(f);
		return;
	}
	if (f->nseg == 1) {
		rx_write_done(f->gt, tun_write(f->gt, f->fpkt, f->total, OFF_VNET_F_DATA_VALID));
		return;
	}
	off_gro_finish(f->fpkt, &f->first, f->total, f->last.flags, (uint16_t)f->first.plen, &h);
	off_vnet_build(f->vh, &h);
	f->iov[0].iov_base = f->vh;
	f->iov[0].iov_len = OFF_VNET_HLEN;
	rx_write_done(f->gt, writev(f->gt->w.fd, f->iov, (int)f->nseg + 1));
}

static void gro_flush(struct gd_tunnel *gt)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < gro_n; i++) {
		if (!gt || gro[i].gt == gt)
			gro_flush_one(&gro[i]);
		else
			gro[k++] = gro[i];
	}
	gro_n = k;
}

static void gro_remove(unsigned int i)
{
	gro_flush_one(&gro[i]);
	gro[i] = gro[--gro_n];
}

/* A free flow slot for gt (the oldest one flushed when all are taken). */
static struct gro_flow *gro_new(struct gd_tunnel *gt, uint8_t *inner, size_t ilen, bool udp)
{
	struct gro_flow *f;

	if (gro_n == GRO_FLOWS)
		gro_remove(0);
	f = &gro[gro_n++];
	f->gt = gt;
	f->fpkt = inner;
	f->udp = udp;
	f->total = ilen;
	f->nseg = 1;
	return f;
}

static void gro_add_tcp(struct gd_tunnel *gt, uint8_t *inner, size_t ilen, const struct off_tcp *t)
{
	struct gro_flow *f;

	for (unsigned int i = 0; i < gro_n; i++) {
		f = &gro[i];
		if (f->gt != gt || f->udp || !off_gro_same_flow(f->fpkt, &f->first, inner, t))
			continue;
		if (off_gro_can_merge(f->fpkt, &f->first, f->total, &f->last, inner, t)) {
			f->iov[f->nseg + 1].iov_base = inner + t->iphlen + t->tcphlen;
			f->iov[f->nseg + 1].iov_len = t->plen;
			f->nseg++;
			f->total += t->plen;
			f->last = *t;
			if (f->nseg == GRO_SEGS || f->total + f->first.plen > 0xffff - 40)
				gro_remove(i);
			return;
		}
		gro_remove(i);
		break;
	}
	f = gro_new(gt, inner, ilen, false);
	f->first = f->last = *t;
	f->iov[1].iov_base = inner;
	f->iov[1].iov_len = ilen;
}

static void gro_add_udp(struct gd_tunnel *gt, uint8_t *inner, size_t ilen, const struct off_udp *u)
{
	size_t hl = (size_t)u->iphlen + 8;
	struct gro_flow *f;

	for (unsigned int i = 0; i < gro_n; i++) {
		f = &gro[i];
		if (f->gt != gt || !f->udp || !off_udp_same_flow(f->fpkt, &f->ufirst, inner, u))
			continue;
		if (off_udp_can_merge(f->fpkt, &f->ufirst, f->nseg, f->total, &f->ulast, inner, u)) {
			f->iov[f->nseg + 2].iov_base = inner + hl;
			f->iov[f->nseg + 2].iov_len = u->plen;
			f->nseg++;
			f->total += u->plen;
			f->ulast = *u;
			/* a short one ends the flow, as does being full */
			if (u->plen < f->ufirst.plen || f->nseg == OFF_UDP_GRO_SEGS ||
			    f->total + f->ufirst.plen > 0xffff)
				gro_remove(i);
			return;
		}
		gro_remove(i);
		break;
	}
	f = gro_new(gt, inner, ilen, true);
	f->ufirst = f->ulast = *u;
	f->iov[2].iov_base = inner + hl;
	f->iov[2].iov_len = u->plen;
}

/* The decapsulated packet inner[0..ilen) goes to gt's device. */
static void rx_deliver(struct gd_tunnel *gt, uint8_t *inner, size_t ilen, bool tap)
{
	struct off_tcp t;
	struct off_udp u;

	if (tap || !tun_vnet(gt)) {
		rx_write_done(gt, write(gt->w.fd, inner, ilen));
		return;
	}
	if (off_gro_candidate(inner, ilen, &t)) {
		gro_add_tcp(gt, inner, ilen, &t);
		return;
	}
	if (!udp_gro_off(gt) && off_udp_candidate(inner, ilen, &u)) {
		gro_add_udp(gt, inner, ilen, &u);
		return;
	}
	/* after anything pending of this tunnel: it may be the same flow */
	gro_flush(gt);
	rx_write_done(gt, tun_write(gt, inner, ilen, 0));
}

/* What the receive path knows about the outer packet. */
struct rx_outer {
	uint8_t tos;
	uint8_t *ip;		/* outer IP header (IPv6: rebuilt), NULL for UDP */
	size_t len;		/* from ip to the end of the packet */
};

/*
 * Linux looks up only tunnels whose device is up (ip_tunnel_lookup,
 * ip6gre_tunnel_lookup). gretund learns that a device is down when a write
 * into it fails with EIO (rx_write_done); from then on each packet for it
 * asks the kernel (SIOCGIFFLAGS) until the device is up again. A tunnel
 * whose device is down takes nothing: the packet is unmatched.
 */
static bool tunnel_down(struct gd_tunnel *gt)
{
	static int fd = -1;
	struct ifreq ifr;

	if (!gt->dev_down)
		return false;
	if (fd < 0)
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = gt->ifindex;
	if (fd < 0 || ioctl(fd, SIOCGIFNAME, &ifr) || ioctl(fd, SIOCGIFFLAGS, &ifr) ||
	    (ifr.ifr_flags & IFF_UP)) {
		gt->dev_down = false;	/* up again (or unknown: deliver) */
		return false;
	}
	return true;
}

/* The tunnel it matched is down: no tunnel, and none to count it on. */
static void rcv_dev_down(struct gd *gd, const struct gd_rx_key *k, const struct rx_outer *o)
{
	gd->unmatched++;
	if (o->ip)
		send_port_unreach(gd, k->family, o->ip, o->len);
}

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
	/* Linux looks Ethernet (0x6558) up among gretap tunnels and anything
	 * else among gre tunnels (ipgre_rcv). IP that only a gretap tunnel
	 * would take is "no tunnel": port unreachable. Ethernet with no
	 * gretap tunnel falls back to the gre tunnels, and one that takes it
	 * drops it silently (ipgre_rcv raw_proto, ip6gre_tunnel_lookup). */
	k->tap = h.proto == GRE_PROTO_TEB;
	gt = gd_table_lookup(gd, k);
	if (!gt) {
		k->tap = !k->tap;
		gt = gd_table_lookup(gd, k);
		k->tap = !k->tap;
		if (gt && tunnel_down(gt)) {
			rcv_dev_down(gd, k, o);
			return;
		}
		if (gt && k->tap) {
			count_drop(gt, GRE_DROP_PROTO);
			return;
		}
		if (gt) {
			count_drop(gt, GRE_DROP_PROTO);
			if (o->ip)
				send_port_unreach(gd, k->family, o->ip, o->len);
			return;
		}
		rcv_unmatched(gd, k, o, GRE_DROP_KEY);
		return;
	}
	if (tunnel_down(gt)) {
		rcv_dev_down(gd, k, o);
		return;
	}
	/* Cisco keepalives (gretund_keepalive.c): before the flags checks,
	 * since a reply carries the inner GRE header we built, not the
	 * tunnel's input options, and protocol 0 is not a data protocol */
	if (gt->t.keepalive_interval && gd_keepalive_rcv(gd, gt, h.proto, p + h.hlen, len - h.hlen))
		return;
	t = &gt->t;
	tap = tunnel_mode_is_tap(t->mode);
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
	/* No MTU check, as in Linux (ip_tunnel_rcv, __ip6_tnl_rcv): an inner
	 * packet larger than the device MTU, which a peer sends when its
	 * tunnel MTU is larger than ours and its underlay fragments the outer
	 * packet, goes up to the stack like any other. The TUN/TAP device
	 * takes any size up to 64 KB. */
	/* RFC 6040: CE on the outer with a Not-ECT inner cannot be
	 * expressed, drop as the kernel does */
	if (pkt_inner_ecn_decap(inner, ilen, &pi, o->tos) == PKT_ECN_DROP) {
		count_drop(gt, GRE_DROP_ECN);
		return;
	}
	gt->st.rx_packets++;
	gt->st.rx_bytes += ilen;
	rx_deliver(gt, inner, ilen, tap);
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

/* The receive batch: RX_SLOTS buffers of GD_HEADROOM + GD_BUF_SIZE, filled
 * by one recvmmsg; allocated once (only the bytes received are touched). */
#define RX_SLOTS	64
#define RX_ROUNDS	4	/* recvmmsg calls per wakeup, for fairness */

struct rx_slot {
	struct sockaddr_storage ss;
	struct iovec iov;
	union {
		char buf[256];
		struct cmsghdr align;
	} cm;
};

static struct rx_slot *rx_slot;
static struct mmsghdr *rx_mm;
static uint8_t *rx_bufs;

static int rx_batch_init(void)
{
	if (rx_bufs)
		return 0;
	rx_slot = calloc(RX_SLOTS, sizeof(*rx_slot));
	rx_mm = calloc(RX_SLOTS, sizeof(*rx_mm));
	rx_bufs = malloc((size_t)RX_SLOTS * (GD_HEADROOM + GD_BUF_SIZE));
	if (!rx_slot || !rx_mm || !rx_bufs) {
		free(rx_slot);
		free(rx_mm);
		free(rx_bufs);
		rx_slot = NULL;
		rx_mm = NULL;
		rx_bufs = NULL;
		return -ENOMEM;
	}
	return 0;
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
		if (!udp) {
			o.ip = ip6_rebuild(buf, len, &k, &m);
			o.len = PKT_IP6_HLEN + len;
		}
	} else if (udp) {
		k.src.v4 = ((struct sockaddr_in *)ss)->sin_addr;
	} else {
		size_t ihl, tot;

		if (len < 20 || buf[0] >> 4 != 4) {
			gd->rx_malformed++;
			return;
		}
		ihl = (size_t)(buf[0] & 0x0f) * 4;
		tot = get16(buf + 2);
		if (ihl < 20 || ihl > len) {
			gd->rx_malformed++;
			return;
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

static void sock_event(struct gd *gd, struct gd_watch *w, bool udp)
{
	struct gd_rxsock *rs = container_of(w, struct gd_rxsock, w);

	if (rx_batch_init())
		return;
	for (int round = 0; round < RX_ROUNDS; round++) {
		int n;

		for (int i = 0; i < RX_SLOTS; i++) {
			struct rx_slot *sl = &rx_slot[i];
			struct msghdr *mh = &rx_mm[i].msg_hdr;

			sl->iov.iov_base = rx_bufs + (size_t)i * (GD_HEADROOM + GD_BUF_SIZE) + GD_HEADROOM;
			sl->iov.iov_len = GD_BUF_SIZE;
			mh->msg_name = &sl->ss;
			mh->msg_namelen = sizeof(sl->ss);
			mh->msg_iov = &sl->iov;
			mh->msg_iovlen = 1;
			mh->msg_control = sl->cm.buf;
			mh->msg_controllen = sizeof(sl->cm.buf);
			mh->msg_flags = 0;
		}
		n = recvmmsg(w->fd, rx_mm, RX_SLOTS, MSG_DONTWAIT, NULL);
		/* an ICMP error about what this socket sent (IPv6 with
		 * RECVERR) is reported once, ahead of queued packets */
		if (n < 0 && errno != EAGAIN && errno != EINTR && rs->tx_ready)
			continue;
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++) {
			struct msghdr *mh = &rx_mm[i].msg_hdr;
			uint8_t *b = rx_slot[i].iov.iov_base;
			size_t len = rx_mm[i].msg_len, gs = udp ? udp_gro_size(mh) : 0;

			/* UDP_GRO: datagrams of gs bytes back to back, the
			 * last one shorter or equal */
			if (!gs || gs >= len) {
				sock_rcv_one(gd, rs, udp, mh, b, len);
				continue;
			}
			for (size_t off = 0; off < len; off += gs)
				sock_rcv_one(gd, rs, udp, mh, b + off, len - off < gs ? len - off : gs);
		}
		gro_flush(NULL);
		if (n < RX_SLOTS)
			break;
	}
	gd->unmatched += rx_down_lost;
	rx_down_lost = 0;
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
