// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What Linux answers with ICMP, so does gretund: port unreachable for a GRE
 * packet matching no tunnel (to the outer sender, over an IPPROTO_RAW
 * socket), frag-needed / packet-too-big (written back into the TUN device
 * to the inner sender) on the PMTU path, with Linux's rate limit.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gretund_data_int.h"
#include "inet.h"

#define IPV6_MIN_MTU	1280
#define IPV4_MIN_MTU	68

/* ICMP rate limit per destination, as Linux's inet_peer_xrlim_allow with
 * net.ipv4.icmp_ratelimit = 1000 ms: a token bucket of 1 s per message,
 * at most XRLIM_BURST_FACTOR (6) messages of burst; a new peer starts full. */
#define RL_TIMEOUT_MS	1000
#define RL_BURST	6

static bool icmp_rate_allow(struct gd_icmp *ic, int family, const void *addr)
{
	size_t alen = inet_addr_len(family);
	const uint8_t *a = addr;
	struct timespec ts;
	struct rl_slot *s;
	uint64_t now;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < alen; i++)
		h = (h ^ a[i]) * 16777619u;
	s = &ic->rl[h % RL_SLOTS];
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
static int icmp_send_raw(struct gd_icmp *ic, int family, const uint8_t *pkt, size_t len)
{
	int *fd = family == AF_INET6 ? &ic->fd6 : &ic->fd4;
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

void gd_icmp_close(struct gd_icmp *ic)
{
	if (ic->fd4 >= 0)
		close(ic->fd4);
	if (ic->fd6 >= 0)
		close(ic->fd6);
	ic->fd4 = ic->fd6 = -1;
}

/*
 * Linux's answer to a GRE packet that matches no tunnel (ip_gre.c/ip6_gre.c
 * gre_rcv: icmp_send / icmpv6_send port unreachable), quoting the outer
 * packet outer[0..len) from its IP header; source = the outer destination.
 */
void gd_icmp_port_unreach(struct gd_data *d, int family, const uint8_t *outer, size_t len)
{
	uint8_t out[PKT_ICMP6_MAX_LEN];
	size_t n;

	if (family == AF_INET6) {
		struct in6_addr src;

		memcpy(&src, outer + 24, 16);
		n = pkt_icmp6_port_unreach(out, sizeof(out), outer, len, &src);
	} else {
		struct in_addr src;

		memcpy(&src, outer + 16, 4);
		n = pkt_icmp4_port_unreach(out, sizeof(out), outer, len, src);
	}
	if (!n || !icmp_rate_allow(&d->icmp, family, out + (family == AF_INET6 ? 24 : 16)))
		return;
	icmp_send_raw(&d->icmp, family, out, n);
}

/*
 * ICMP "fragmentation needed" / ICMPv6 "packet too big" back into the TUN
 * device to the inner sender, as tnl_update_pmtu / ip6gre_xmit_* do. The
 * source is the inner destination (the daemon does not know the device's
 * own address); it routes back through the tunnel, so reverse-path checks
 * pass. The kernel then updates its route's PMTU and tells the socket.
 */
static void icmp_send_too_big(struct gd_data *d, struct gd_tunnel *gt, const uint8_t *ip,
			      size_t len, int family, uint32_t mtu)
{
	uint8_t out[PKT_ICMP6_MAX_LEN];
	size_t n;

	if (family == AF_INET) {
		struct in_addr src;

		memcpy(&src, ip + 16, 4);
		n = pkt_icmp4_frag_needed(out, sizeof(out), ip, len,
					  (uint16_t)(mtu > 0xffff ? 0xffff : mtu), src);
		if (n && !icmp_rate_allow(&d->icmp, AF_INET, ip + 12))
			return;
	} else {
		struct in6_addr src;

		/* Linux does not rate-limit packet-too-big (icmpv6 ratemask) */
		memcpy(&src, ip + 24, 16);
		n = pkt_icmp6_packet_too_big(out, sizeof(out), ip, len, mtu, &src);
	}
	if (n && gd_tun_write(d, gt, out, n, 0) < 0)
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
bool gd_icmp_pmtu_exceeded(struct gd_data *d, struct gd_tunnel *gt, uint8_t *pkt, size_t len,
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
		icmp_send_too_big(d, gt, pkt + pi->l3_off, len - pi->l3_off, pi->family,
				  (uint32_t)mtu);
	gt->st.tx_dropped++;
	return true;
}
