// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The packet paths. Send: TUN/TAP -> GRE header (+UDP) -> raw socket, the
 * kernel adds the outer IP header with per-packet TTL/TOS from cmsgs.
 * Receive: raw/UDP socket -> GRE codec -> demux -> kernel receive rules ->
 * RFC 6040 ECN decapsulation -> TUN/TAP. One static buffer, no allocation.
 *
 * ECN, ICMP and flow-hash helpers are local here until src/pkt.[ch] lands.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "gretund.h"

#define ECN_NOT_ECT	0
#define ECN_ECT_1	1
#define ECN_ECT_0	2
#define ECN_CE		3
#define ETH_HLEN_	14
#define IP_DF_		0x4000
#define BATCH		64	/* packets per wakeup per fd, for fairness */

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

struct inner_ip {
	uint8_t *ip;		/* NULL when the payload is not IP */
	size_t len;
	int ver;		/* 4 or 6 */
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The IP packet inside a TUN packet or an (untagged) Ethernet frame. */
static void inner_find(uint8_t *p, size_t len, bool tap, struct inner_ip *in)
{
	in->ip = NULL;
	if (tap) {
		if (len < ETH_HLEN_)
			return;
		switch (get16(p + 12)) {
		case 0x0800:
			in->ver = 4;
			break;
		case 0x86dd:
			in->ver = 6;
			break;
		default:
			return;
		}
		p += ETH_HLEN_;
		len -= ETH_HLEN_;
	} else {
		if (!len)
			return;
		in->ver = p[0] >> 4;
	}
	if ((in->ver == 4 && len >= 20 && (p[0] >> 4) == 4) ||
	    (in->ver == 6 && len >= 40 && (p[0] >> 4) == 6)) {
		in->ip = p;
		in->len = len;
	}
}

static uint8_t inner_dsfield(const struct inner_ip *in)
{
	if (!in->ip)
		return 0;
	if (in->ver == 4)
		return in->ip[1];
	return (uint8_t)((in->ip[0] & 0x0f) << 4 | in->ip[1] >> 4);
}

static void ipv4_fix_csum(uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;

	ip[10] = ip[11] = 0;
	put16(ip + 10, inet_csum_fold(inet_csum_add(0, ip, ihl)));
}

static void inner_set_ecn(struct inner_ip *in, uint8_t ecn)
{
	if (in->ver == 4) {
		in->ip[1] = (uint8_t)((in->ip[1] & ~3) | ecn);
		ipv4_fix_csum(in->ip);
	} else {
		in->ip[1] = (uint8_t)((in->ip[1] & ~0x30) | ecn << 4);
	}
}

/* RFC 6040 / INET_ECN_encapsulate: copy inner ECN, CE becomes ECT(0). */
static uint8_t ecn_encapsulate(uint8_t outer, uint8_t inner)
{
	outer &= (uint8_t)~3;
	outer |= (inner & 3) == ECN_CE ? ECN_ECT_0 : (inner & 3);
	return outer;
}

/* RFC 6040 decapsulation as INET_ECN_decapsulate does it. false = drop. */
static bool ecn_decapsulate(uint8_t outer_tos, struct inner_ip *in)
{
	uint8_t outer = outer_tos & 3, inner;

	if (!in->ip)
		return true;
	inner = inner_dsfield(in) & 3;
	if (inner == ECN_NOT_ECT)
		return outer != ECN_CE;
	if (outer == ECN_CE && inner != ECN_CE)
		inner_set_ecn(in, ECN_CE);
	else if (outer == ECN_ECT_1 && inner == ECN_ECT_0)
		inner_set_ecn(in, ECN_ECT_1);
	return true;
}

static bool inner_valid(const struct gd_tunnel *gt, uint16_t proto, const uint8_t *p, size_t len)
{
	if (tunnel_mode_is_tap(gt->t.mode))
		return len >= ETH_HLEN_;
	if (proto == GRE_PROTO_IPV4) {
		size_t ihl;

		if (len < 20 || p[0] >> 4 != 4)
			return false;
		ihl = (size_t)(p[0] & 0x0f) * 4;
		return ihl >= 20 && get16(p + 2) >= ihl && get16(p + 2) <= len;
	}
	return len >= 40 && p[0] >> 4 == 6 && 40u + get16(p + 4) <= len;
}

unsigned int gd_data_overhead(const struct tunnel *t)
{
	return (t->family == AF_INET6 ? 40 : 20) + (t->encap == ENCAP_UDP ? 8 : 0) +
	       (unsigned int)gre_header_len(t->oflags);
}

/* Source port for GRE-in-UDP: a hash of the inner flow mapped into the
 * default ephemeral range, like udp_flow_src_port(). */
static uint16_t flow_sport(const struct inner_ip *in, const uint8_t *pkt, size_t len)
{
	uint32_t h = 2166136261u;
	const uint8_t *p = pkt;
	size_t n = len < 14 ? len : 14;

	if (in->ip) {
		size_t l4 = in->ver == 4 ? (size_t)(in->ip[0] & 0x0f) * 4 : 40;
		uint8_t proto = in->ver == 4 ? in->ip[9] : in->ip[6];

		p = in->ip + (in->ver == 4 ? 12 : 8);
		n = in->ver == 4 ? 8 : 32;
		for (size_t i = 0; i < n; i++)
			h = (h ^ p[i]) * 16777619u;
		h = (h ^ proto) * 16777619u;
		if ((proto == 6 || proto == 17) && in->len >= l4 + 4 &&
		    !(in->ver == 4 && (get16(in->ip + 6) & 0x3fff))) {
			for (size_t i = 0; i < 4; i++)
				h = (h ^ in->ip[l4 + i]) * 16777619u;
		}
	} else {
		for (size_t i = 0; i < n; i++)
			h = (h ^ p[i]) * 16777619u;
	}
	return (uint16_t)(32768 + (uint32_t)(((uint64_t)h * (60999 - 32768 + 1)) >> 32));
}

/*
 * ICMP "fragmentation needed" / ICMPv6 "packet too big" back into the TUN
 * device to the inner sender. The source is the inner destination (the
 * daemon does not know the device's own address); it routes back through
 * the tunnel, so reverse-path checks pass.
 */
static void send_too_big(struct gd_tunnel *gt, const struct inner_ip *in, uint32_t mtu)
{
	uint8_t out[1280];
	size_t quote, n;
	uint32_t sum;

	if (tunnel_mode_is_tap(gt->t.mode) || !in->ip)
		return;
	memset(out, 0, sizeof(out));
	if (in->ver == 4) {
		size_t ihl = (size_t)(in->ip[0] & 0x0f) * 4;

		/* never answer an ICMP error or a non-first fragment */
		if ((get16(in->ip + 6) & 0x1fff) ||
		    (in->ip[9] == 1 && in->len > ihl && in->ip[ihl] != 0 && in->ip[ihl] != 8))
			return;
		quote = in->len < 548 ? in->len : 548;
		n = 20 + 8 + quote;
		out[0] = 0x45;
		put16(out + 2, (uint16_t)n);
		out[8] = 64;
		out[9] = 1;
		memcpy(out + 12, in->ip + 16, 4);
		memcpy(out + 16, in->ip + 12, 4);
		ipv4_fix_csum(out);
		out[20] = 3;
		out[21] = 4;
		put16(out + 26, (uint16_t)(mtu > 0xffff ? 0xffff : mtu));
		memcpy(out + 28, in->ip, quote);
		put16(out + 22, inet_csum_fold(inet_csum_add(0, out + 20, 8 + quote)));
	} else {
		uint8_t ph[8] = { 0 };

		if (in->ip[6] == 58 && in->len > 40 && in->ip[40] < 128)
			return;
		quote = in->len < sizeof(out) - 48 ? in->len : sizeof(out) - 48;
		n = 40 + 8 + quote;
		out[0] = 0x60;
		put16(out + 4, (uint16_t)(8 + quote));
		out[6] = 58;
		out[7] = 64;
		memcpy(out + 8, in->ip + 24, 16);
		memcpy(out + 24, in->ip + 8, 16);
		out[40] = 2;
		out[44] = (uint8_t)(mtu >> 24);
		out[45] = (uint8_t)(mtu >> 16);
		out[46] = (uint8_t)(mtu >> 8);
		out[47] = (uint8_t)mtu;
		memcpy(out + 48, in->ip, quote);
		ph[2] = (uint8_t)((8 + quote) >> 8);
		ph[3] = (uint8_t)(8 + quote);
		ph[7] = 58;
		sum = inet_csum_add(0, out + 8, 32);
		sum = inet_csum_add(sum, ph, 8);
		sum = inet_csum_add(sum, out + 40, 8 + quote);
		put16(out + 42, inet_csum_fold(sum));
	}
	if (write(gt->w.fd, out, n) < 0)
		gt->st.tx_errors++;
}

static void tunnel_xmit(struct gd *gd, struct gd_tunnel *gt, uint8_t *pkt, size_t len)
{
	const struct tunnel *t = &gt->t;
	bool tap = tunnel_mode_is_tap(t->mode), df, v6 = t->family == AF_INET6;
	struct inner_ip in;
	uint16_t proto;
	uint8_t tos, ttl, *hdr;
	size_t hlen = gre_header_len(t->oflags), total;
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

	inner_find(pkt, len, tap, &in);
	if (tap)
		proto = GRE_PROTO_TEB;
	else if (in.ip && in.ver == 4)
		proto = GRE_PROTO_IPV4;
	else if (in.ip && in.ver == 6)
		proto = GRE_PROTO_IPV6;
	else {
		gt->st.tx_errors++;
		return;
	}

	/* TTL 0 = inherit, as ip_tunnel_xmit: inner TTL/hop limit, else 64 */
	ttl = t->ttl;
	if (!ttl)
		ttl = in.ip ? (in.ver == 4 ? in.ip[8] : in.ip[7]) : 64;
	tos = t->tos_inherit ? inner_dsfield(&in) : t->tos;
	tos = ecn_encapsulate(tos, inner_dsfield(&in));

	/* DF as the kernel: pmtudisc sets DF on every outer IPv4 packet;
	 * without it the inner DF is copied unless ignore_df. IPv6 outer
	 * packets may be fragmented by this host (ip6_tnl does the same). */
	if (v6)
		df = false;
	else if (t->pmtudisc)
		df = true;
	else
		df = !t->ignore_df && in.ip && in.ver == 4 && (get16(in.ip + 6) & IP_DF_);

	total = len + gd_data_overhead(t);
	if (gt->pmtu && total > gt->pmtu && in.ip) {
		uint32_t mtu = gt->pmtu - gd_data_overhead(t) - (tap ? ETH_HLEN_ : 0);
		bool inner_df = in.ver == 6 || (get16(in.ip + 6) & IP_DF_);

		if (inner_df && (in.ver == 4 || mtu >= 1280) && (df || v6 || in.ver == 6)) {
			send_too_big(gt, &in, mtu);
			gt->st.tx_dropped++;
			return;
		}
	}

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
		put16(hdr, t->encap_sport ? t->encap_sport : flow_sport(&in, pkt, len));
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
		struct in6_pktinfo pi = { 0 };

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
		memcpy(&pi.ipi6_addr, &t->local.v6, 16);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		msg.msg_controllen = 2 * CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(pi));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		struct in_pktinfo pi = { 0 };

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
			pi.ipi_spec_dst = t->local.v4;
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
		msg.msg_controllen = 2 * CMSG_SPACE(sizeof(int)) +
				     ((t->flags & TUNNEL_HAS_LOCAL) ? CMSG_SPACE(sizeof(pi)) : 0);
	}
	n = sendmsg(fd, &msg, 0);
	if (n < 0) {
		if (errno == EMSGSIZE)
			gd_tunnel_refresh_pmtu(gt, time(NULL));
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

/* The receive rules, after the outer header is known. */
static void tunnel_rcv(struct gd *gd, struct gd_rx_key *k, uint8_t outer_tos,
		       uint8_t *p, size_t len)
{
	struct gd_tunnel *gt;
	struct gre_hdr h;
	struct inner_ip in;
	enum gre_drop r;
	const struct tunnel *t;
	uint8_t *inner;
	size_t ilen;

	r = gre_header_parse_ex(p, len, k->family == AF_INET ? GRE_PARSE_IPV4 : 0, &h);
	if (r == GRE_OK) {
		k->has_key = h.has_key;
		k->key = h.key;
		gt = gd_table_lookup(gd, k);
		if (!gt) {
			gt = gd_table_lookup_near(gd, k, &r);
			if (!gt)
				gd->unmatched++;
			else
				count_drop(gt, r);
			return;
		}
	} else {
		enum gre_drop dummy;

		/* a broken header has no trustworthy key: count it on the
		 * tunnel with these outer addresses, if any */
		k->has_key = false;
		gt = gd_table_lookup_near(gd, k, &dummy);
		if (gt && dummy == GRE_DROP_KEY)
			count_drop(gt, r);
		else
			gd->unmatched++;
		return;
	}
	t = &gt->t;
	/* ip_tunnel_rcv: checksum presence must match both ways; a tunnel
	 * expecting sequence numbers drops packets without them */
	if (h.has_csum != !!(t->iflags & GRE_OPT_CSUM) ||
	    ((t->iflags & GRE_OPT_SEQ) && !h.has_seq)) {
		count_drop(gt, GRE_DROP_FLAGS);
		return;
	}
	if ((t->iflags & GRE_OPT_SEQ) && !gre_seq_accept(&gt->i_seqno, h.seq)) {
		count_drop(gt, GRE_DROP_SEQ);
		return;
	}
	if (tunnel_mode_is_tap(t->mode) ? h.proto != GRE_PROTO_TEB :
	    (h.proto != GRE_PROTO_IPV4 && h.proto != GRE_PROTO_IPV6)) {
		count_drop(gt, GRE_DROP_PROTO);
		return;
	}
	inner = p + h.hlen;
	ilen = len - h.hlen;
	if (!inner_valid(gt, h.proto, inner, ilen)) {
		count_drop(gt, GRE_DROP_INNER);
		return;
	}
	inner_find(inner, ilen, tunnel_mode_is_tap(t->mode), &in);
	if (!tunnel_mode_is_tap(t->mode) && in.ip && in.ver != (h.proto == GRE_PROTO_IPV4 ? 4 : 6)) {
		count_drop(gt, GRE_DROP_INNER);
		return;
	}
	/* Deviation from Linux, which hands any size to the stack: an inner
	 * packet larger than the device MTU (plus the Ethernet header on TAP)
	 * is dropped as oversize, so a peer cannot push frames the local
	 * configuration never allowed. The MTU is re-read before dropping. */
	if (gt->dev_mtu && ilen > gt->dev_mtu + (tunnel_mode_is_tap(t->mode) ? ETH_HLEN_ + 4 : 0)) {
		uint32_t mtu;

		if (!gd_dev_mtu(t->name, &mtu))
			gt->dev_mtu = mtu;
		if (ilen > gt->dev_mtu + (tunnel_mode_is_tap(t->mode) ? ETH_HLEN_ + 4 : 0)) {
			count_drop(gt, GRE_DROP_OVERSIZE);
			return;
		}
	}
	/* RFC 6040: CE on the outer with a Not-ECT inner cannot be
	 * expressed, drop as the kernel does */
	if (!ecn_decapsulate(outer_tos, &in)) {
		count_drop(gt, GRE_DROP_INNER);
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

static void cmsg_read(struct msghdr *msg, struct gd_rx_key *k, uint8_t *tos)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(&k->dst.v6, &pi.ipi6_addr, 16);
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
			int v;

			memcpy(&v, CMSG_DATA(c), sizeof(v));
			*tos = (uint8_t)v;
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			k->dst.v4 = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) {
			*tos = *(uint8_t *)CMSG_DATA(c);
		}
	}
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
		struct iovec iov = { .iov_base = buf, .iov_len = GD_BUF_SIZE };
		struct msghdr msg = {
			.msg_name = &ss, .msg_namelen = sizeof(ss), .msg_iov = &iov,
			.msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf),
		};
		struct gd_rx_key k = { .family = rs->family, .udp = udp, .dport = rs->port };
		uint8_t tos = 0, *p = buf;
		ssize_t n = recvmsg(w->fd, &msg, MSG_DONTWAIT);
		size_t len;

		if (n < 0)
			return;
		len = (size_t)n;
		cmsg_read(&msg, &k, &tos);
		if (rs->family == AF_INET6) {
			memcpy(&k.src.v6, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
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
			tos = buf[1];
			memcpy(&k.src.v4, buf + 12, 4);
			memcpy(&k.dst.v4, buf + 16, 4);
			p = buf + ihl;
			len -= ihl;
		}
		tunnel_rcv(gd, &k, tos, p, len);
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
