// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Inner-packet helpers for gretund. Behaviour follows Linux (see the list
 * of RFC-vs-Linux differences at the top of gre.c): inet_ecn.h for ECN,
 * icmp.c __icmp_send and icmp6_send for the ICMP errors, udp.h
 * udp_flow_src_port for the GRE-in-UDP source port.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "bytes.h"
#include "gre.h"
#include "pkt.h"

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86dd
#define ETH_P_TEB	0x6558


static int inner_parse_ip4(const uint8_t *p, size_t len, struct pkt_inner *out)
{
	size_t ihl, tot;
	uint16_t frag;

	if (len < PKT_IP4_HLEN || (p[0] >> 4) != 4)
		return -EINVAL;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = get16(p + 2);
	if (ihl < PKT_IP4_HLEN || tot < ihl || tot > len)
		return -EINVAL;
	frag = get16(p + 6);
	out->family = AF_INET;
	out->l3_hlen = ihl;
	out->ip_len = tot;
	out->tos = p[1];
	out->ttl = p[8];
	out->l4proto = p[9];
	out->df = frag & 0x4000;
	out->frag = frag & 0x3fff;
	out->frag_later = frag & 0x1fff;
	memcpy(&out->src, p + 12, 4);
	memcpy(&out->dst, p + 16, 4);
	return 0;
}

static int inner_parse_ip6(const uint8_t *p, size_t len, struct pkt_inner *out)
{
	size_t tot;

	if (len < PKT_IP6_HLEN || (p[0] >> 4) != 6)
		return -EINVAL;
	tot = PKT_IP6_HLEN + (size_t)get16(p + 4);
	if (tot > len)
		return -EINVAL;
	out->family = AF_INET6;
	out->l3_hlen = PKT_IP6_HLEN;
	out->ip_len = tot;
	out->tos = (uint8_t)(get16(p) >> 4);
	out->l4proto = p[6];
	out->ttl = p[7];
	memcpy(&out->src, p + 8, 16);
	memcpy(&out->dst, p + 24, 16);
	return 0;
}

int pkt_inner_parse(const uint8_t *p, size_t len, uint16_t proto, struct pkt_inner *out)
{
	size_t off = 0;
	uint16_t type = proto;

	memset(out, 0, sizeof(*out));
	if (proto == ETH_P_TEB) {
		if (len < PKT_ETH_HLEN)
			return -EINVAL;
		type = get16(p + 12);
		off = PKT_ETH_HLEN;
		if (type == PKT_ETHERTYPE_VLAN || type == PKT_ETHERTYPE_QINQ) {
			if (len < PKT_ETH_HLEN + PKT_VLAN_HLEN)
				return -EINVAL;
			out->has_vlan = true;
			out->vlan_tci = get16(p + 14);
			type = get16(p + 16);
			off += PKT_VLAN_HLEN;
		}
		out->ethertype = type;
		out->l3_off = off;
		if (type != ETH_P_IP && type != ETH_P_IPV6)
			return 0;	/* ARP, a second VLAN tag, ...: not ours to judge */
	} else if (proto == ETH_P_IP || proto == ETH_P_IPV6) {
		out->ethertype = proto;
	} else {
		return -EPROTONOSUPPORT;
	}
	if (type == ETH_P_IP)
		return inner_parse_ip4(p + off, len - off, out);
	return inner_parse_ip6(p + off, len - off, out);
}

/* ---- ECN ---- */

uint8_t pkt_ecn_encap(uint8_t outer_tos, uint8_t inner_dsfield)
{
	uint8_t ecn = inner_dsfield & PKT_ECN_MASK;

	if (ecn == PKT_ECN_CE)
		ecn = PKT_ECN_ECT_0;
	return (uint8_t)((outer_tos & ~PKT_ECN_MASK) | ecn);
}

int pkt_ecn_decap(uint8_t outer_tos, uint8_t *inner_tos_inout)
{
	uint8_t outer = outer_tos & PKT_ECN_MASK;
	uint8_t inner = *inner_tos_inout;

	if ((inner & PKT_ECN_MASK) == PKT_ECN_NOT_ECT) {
		if (outer == PKT_ECN_CE)
			return PKT_ECN_DROP;
		if (outer != PKT_ECN_NOT_ECT)
			return PKT_ECN_LOG;
		return PKT_ECN_OK;
	}
	if (outer == PKT_ECN_CE)
		inner |= PKT_ECN_CE;
	else if (outer == PKT_ECN_ECT_1 && (inner & PKT_ECN_MASK) == PKT_ECN_ECT_0)
		inner = (uint8_t)((inner & ~PKT_ECN_MASK) | PKT_ECN_ECT_1);
	*inner_tos_inout = inner;
	return PKT_ECN_OK;
}

void pkt_ip4_set_dsfield(uint8_t *iph, uint8_t tos)
{
	/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), m the 16-bit word holding TOS */
	uint16_t old_word = get16(iph);
	uint16_t new_word = (uint16_t)((iph[0] << 8) | tos);
	uint32_t sum = (uint16_t)~get16(iph + 10);

	sum += (uint16_t)~old_word;
	sum += new_word;
	iph[1] = tos;
	put16(iph + 10, inet_csum_fold(sum));
}

void pkt_ip6_set_dsfield(uint8_t *ip6h, uint8_t tclass)
{
	ip6h[0] = (uint8_t)((ip6h[0] & 0xf0) | (tclass >> 4));
	ip6h[1] = (uint8_t)((ip6h[1] & 0x0f) | (tclass << 4));
}

int pkt_ip4_set_ce(uint8_t *iph)
{
	if ((iph[1] & PKT_ECN_MASK) == PKT_ECN_NOT_ECT)
		return 0;
	if ((iph[1] & PKT_ECN_MASK) != PKT_ECN_CE)
		pkt_ip4_set_dsfield(iph, iph[1] | PKT_ECN_CE);
	return 1;
}

int pkt_ip6_set_ce(uint8_t *ip6h)
{
	uint8_t tc = (uint8_t)(get16(ip6h) >> 4);

	if ((tc & PKT_ECN_MASK) == PKT_ECN_NOT_ECT)
		return 0;
	pkt_ip6_set_dsfield(ip6h, tc | PKT_ECN_CE);
	return 1;
}

int pkt_inner_ecn_decap(uint8_t *p, size_t len, const struct pkt_inner *in, uint8_t outer_tos)
{
	uint8_t tos = in->tos;
	int rc;

	if (in->family != AF_INET && in->family != AF_INET6)
		return PKT_ECN_OK;
	if (in->l3_off + (in->family == AF_INET ? PKT_IP4_HLEN : PKT_IP6_HLEN) > len)
		return PKT_ECN_OK;	/* not a parsed packet: leave it */
	rc = pkt_ecn_decap(outer_tos, &tos);
	if (rc == PKT_ECN_OK && tos != in->tos) {
		if (in->family == AF_INET)
			pkt_ip4_set_dsfield(p + in->l3_off, tos);
		else
			pkt_ip6_set_dsfield(p + in->l3_off, tos);
	}
	return rc;
}

/* ---- checksums ---- */

uint16_t pkt_ip4_csum(const uint8_t *iph, size_t hlen)
{
	return inet_csum_fold(inet_csum_add(0, iph, hlen));
}

void pkt_ip4_csum_set(uint8_t *iph)
{
	size_t hlen = (size_t)(iph[0] & 0x0f) * 4;

	put16(iph + 10, 0);
	put16(iph + 10, pkt_ip4_csum(iph, hlen));
}

uint32_t pkt_ip4_pseudo_sum(struct in_addr src, struct in_addr dst, uint8_t proto, uint16_t len)
{
	uint8_t ph[12];

	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, len);
	return inet_csum_add(0, ph, sizeof(ph));
}

uint32_t pkt_ip6_pseudo_sum(const struct in6_addr *src, const struct in6_addr *dst,
			    uint32_t len, uint8_t nexthdr)
{
	uint8_t ph[40];

	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	put32(ph + 32, len);
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = nexthdr;
	return inet_csum_add(0, ph, sizeof(ph));
}

/* ---- ICMP ---- */

static bool icmp4_type_is_error(uint8_t type)
{
	/* Linux icmp_pointers[].error; types above NR_ICMP_TYPES (18) count
	 * as errors too ("assume any unknown ICMP type is an error"). */
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12 || type > 18;
}

static bool ip4_addr_is_multicast(const uint8_t *a)
{
	return (a[0] & 0xf0) == 0xe0;
}

bool pkt_icmp4_may_answer(const uint8_t *orig, size_t len)
{
	size_t ihl, tot;
	const uint8_t *s, *d;

	if (len < PKT_IP4_HLEN || (orig[0] >> 4) != 4)
		return false;
	ihl = (size_t)(orig[0] & 0x0f) * 4;
	if (ihl < PKT_IP4_HLEN || ihl > len)
		return false;
	tot = get16(orig + 2);
	if (tot < ihl)
		return false;
	if (tot < len)
		len = tot;
	if (get16(orig + 6) & 0x1fff)
		return false;	/* non-first fragment */
	s = orig + 12;
	d = orig + 16;
	if (ip4_addr_is_multicast(d) || get32(d) == 0xffffffffu)
		return false;
	if (get32(s) == 0 || s[0] == 127 || s[0] >= 224)
		return false;	/* unspecified, loopback, multicast, class E, broadcast */
	if (orig[9] == IPPROTO_ICMP) {
		if (len < ihl + 1)
			return false;
		if (icmp4_type_is_error(orig[ihl]))
			return false;
	}
	return true;
}

static size_t icmp4_build(uint8_t *buf, size_t room, const uint8_t *orig, size_t orig_len,
			  uint8_t type, uint8_t code, uint32_t info, struct in_addr src)
{
	size_t tot = get16(orig + 2), quote, plen;
	uint8_t tos = (uint8_t)((orig[1] & 0x1e) | 0xc0);
	uint8_t *icmp;

	if (tot < orig_len)
		orig_len = tot;
	quote = orig_len;
	if (quote > PKT_ICMP4_MAX_LEN - PKT_IP4_HLEN - PKT_ICMP_HLEN)
		quote = PKT_ICMP4_MAX_LEN - PKT_IP4_HLEN - PKT_ICMP_HLEN;
	plen = PKT_IP4_HLEN + PKT_ICMP_HLEN + quote;
	if (room < plen)
		return 0;
	memmove(buf + PKT_IP4_HLEN + PKT_ICMP_HLEN, orig, quote);	/* orig may alias buf */

	buf[0] = 0x45;
	buf[1] = tos;
	put16(buf + 2, (uint16_t)plen);
	put16(buf + 4, 0);	/* ID: IP_HDRINCL raw sockets fill it in */
	put16(buf + 6, 0);	/* no DF: Linux ICMP sockets use IP_PMTUDISC_DONT */
	buf[8] = PKT_ICMP_TTL;
	buf[9] = IPPROTO_ICMP;
	memcpy(buf + 12, &src, 4);
	memcpy(buf + 16, buf + PKT_IP4_HLEN + PKT_ICMP_HLEN + 12, 4);	/* orig source */
	pkt_ip4_csum_set(buf);

	icmp = buf + PKT_IP4_HLEN;
	icmp[0] = type;
	icmp[1] = code;
	put16(icmp + 2, 0);
	put32(icmp + 4, info);
	put16(icmp + 2, inet_csum_fold(inet_csum_add(0, icmp, PKT_ICMP_HLEN + quote)));
	return plen;
}

size_t pkt_icmp4_error(uint8_t *buf, size_t room, const uint8_t *orig, size_t orig_len,
		       uint8_t type, uint8_t code, uint32_t info, struct in_addr src)
{
	if (!pkt_icmp4_may_answer(orig, orig_len))
		return 0;
	return icmp4_build(buf, room, orig, orig_len, type, code, info, src);
}

size_t pkt_icmp4_frag_needed(uint8_t *buf, size_t room, const uint8_t *orig, size_t orig_len,
			     uint16_t next_hop_mtu, struct in_addr src)
{
	return pkt_icmp4_error(buf, room, orig, orig_len, 3, 4, next_hop_mtu, src);
}

size_t pkt_icmp4_port_unreach(uint8_t *buf, size_t room, const uint8_t *orig, size_t orig_len,
			      struct in_addr src)
{
	return pkt_icmp4_error(buf, room, orig, orig_len, 3, 3, 0, src);
}

static bool ip6_is_ext_hdr(uint8_t nh)
{
	/* Linux ipv6_ext_hdr(): hop-by-hop, routing, fragment, AH, none, dstopts */
	return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 59 || nh == 60;
}

/* Linux ipv6_skip_exthdr(): offset of the upper-layer header, or -1. */
static long ip6_skip_exthdr(const uint8_t *p, size_t len, size_t off, uint8_t *nh,
			    uint16_t *frag_off)
{
	*frag_off = 0;
	while (ip6_is_ext_hdr(*nh)) {
		size_t hlen;

		if (*nh == 59)
			return -1;
		if (off + 2 > len)
			return -1;
		if (*nh == 44) {
			if (off + 4 > len)
				return -1;
			*frag_off = get16(p + off + 2);
			if (*frag_off & ~0x7)
				break;
			hlen = 8;
		} else if (*nh == 51) {
			hlen = ((size_t)p[off + 1] + 2) << 2;
		} else {
			hlen = ((size_t)p[off + 1] + 1) << 3;
		}
		*nh = p[off];
		off += hlen;
	}
	return (long)off;
}

static bool ip6_addr_is_multicast(const uint8_t *a)
{
	return a[0] == 0xff;
}

static bool ip6_addr_is_any(const uint8_t *a)
{
	static const uint8_t zero[16];

	return !memcmp(a, zero, 16);
}

bool pkt_icmp6_may_answer(const uint8_t *orig, size_t len, uint8_t icmp6_type)
{
	uint16_t frag_off;
	uint8_t nh;
	long off;
	size_t tot;

	if (len < PKT_IP6_HLEN || (orig[0] >> 4) != 6)
		return false;
	tot = PKT_IP6_HLEN + (size_t)get16(orig + 4);
	if (tot < len)
		len = tot;
	if (ip6_addr_is_multicast(orig + 24) && icmp6_type != 2)
		return false;	/* (RFC 4443 2.4(e.3): parameter problem code 2 too, unused here) */
	if (ip6_addr_is_any(orig + 8) || ip6_addr_is_multicast(orig + 8))
		return false;
	/* Linux is_ineligible(): never answer an ICMPv6 error. */
	nh = orig[6];
	off = ip6_skip_exthdr(orig, len, PKT_IP6_HLEN, &nh, &frag_off);
	if (off < 0 || nh != IPPROTO_ICMPV6)
		return true;
	if ((size_t)off + 1 > len)
		return frag_off != 0;
	return orig[off] & 0x80;	/* informational */
}

static size_t icmp6_build(uint8_t *buf, size_t room, const uint8_t *orig, size_t orig_len,
			  uint8_t type, uint8_t code, uint32_t info, const struct in6_addr *src)
{
	size_t tot = PKT_IP6_HLEN + (size_t)get16(orig + 4), quote, plen;
	struct in6_addr s, d;
	uint8_t *icmp;
	uint32_t sum;

	if (tot < orig_len)
		orig_len = tot;
	quote = orig_len;
	if (quote > PKT_ICMP6_MAX_LEN - PKT_IP6_HLEN - PKT_ICMP_HLEN)
		quote = PKT_ICMP6_MAX_LEN - PKT_IP6_HLEN - PKT_ICMP_HLEN;
	plen = PKT_IP6_HLEN + PKT_ICMP_HLEN + quote;
	if (room < plen)
		return 0;
	s = *src;
	memcpy(&d, orig + 8, 16);
	memmove(buf + PKT_IP6_HLEN + PKT_ICMP_HLEN, orig, quote);	/* orig may alias buf */

	put32(buf, 6u << 28);	/* traffic class 0, flow label 0 */
	put16(buf + 4, (uint16_t)(PKT_ICMP_HLEN + quote));
	buf[6] = IPPROTO_ICMPV6;
	buf[7] = PKT_ICMP_TTL;
	memcpy(buf + 8, &s, 16);
	memcpy(buf + 24, &d, 16);

	icmp = buf + PKT_IP6_HLEN;
	icmp[0] = type;
	icmp[1] = code;
	put16(icmp + 2, 0);
	put32(icmp + 4, info);
	sum = pkt_ip6_pseudo_sum(&s, &d, (uint32_t)(PKT_ICMP_HLEN + quote), IPPROTO_ICMPV6);
	put16(icmp + 2, inet_csum_fold(inet_csum_add(sum, icmp, PKT_ICMP_HLEN + quote)));
	return plen;
}

size_t pkt_icmp6_error(uint8_t *buf, size_t room, const uint8_t *orig, size_t orig_len,
		       uint8_t type, uint8_t code, uint32_t info, const struct in6_addr *src)
{
	if (!pkt_icmp6_may_answer(orig, orig_len, type))
		return 0;
	return icmp6_build(buf, room, orig, orig_len, type, code, info, src);
}

size_t pkt_icmp6_packet_too_big(uint8_t *buf, size_t room, const uint8_t *orig,
				size_t orig_len, uint32_t mtu, const struct in6_addr *src)
{
	return pkt_icmp6_error(buf, room, orig, orig_len, 2, 0, mtu, src);
}

size_t pkt_icmp6_port_unreach(uint8_t *buf, size_t room, const uint8_t *orig, size_t orig_len,
			      const struct in6_addr *src)
{
	return pkt_icmp6_error(buf, room, orig, orig_len, 1, 4, 0, src);
}

/* ---- flow hash ---- */

static uint32_t rol32(uint32_t x, unsigned int k)
{
	return (x << k) | (x >> (32 - k));
}

/* Bob Jenkins' lookup3 (public domain) mixing, over 32-bit words. */
static uint32_t hash_words(const uint32_t *w, size_t n, uint32_t seed)
{
	uint32_t a, b, c;

	a = b = c = 0xdeadbeef + ((uint32_t)n << 2) + seed;
	while (n > 3) {
		a += w[0];
		b += w[1];
		c += w[2];
		a -= c; a ^= rol32(c, 4); c += b;
		b -= a; b ^= rol32(a, 6); a += c;
		c -= b; c ^= rol32(b, 8); b += a;
		a -= c; a ^= rol32(c, 16); c += b;
		b -= a; b ^= rol32(a, 19); a += c;
		c -= b; c ^= rol32(b, 4); b += a;
		w += 3;
		n -= 3;
	}
	switch (n) {
	case 3:
		c += w[2];
		/* fall through */
	case 2:
		b += w[1];
		/* fall through */
	case 1:
		a += w[0];
		c ^= b; c -= rol32(b, 14);
		a ^= c; a -= rol32(c, 11);
		b ^= a; b -= rol32(a, 25);
		c ^= b; c -= rol32(b, 16);
		a ^= c; a -= rol32(c, 4);
		b ^= a; b -= rol32(a, 14);
		c ^= b; c -= rol32(b, 24);
		break;
	default:
		break;
	}
	return c;
}

static bool l4_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == 132 /* SCTP */ ||
	       proto == 33 /* DCCP */ || proto == 136 /* UDP-Lite */;
}

/* Order the two endpoints so that both directions of a flow hash alike,
 * as Linux's flow dissector does (__flow_hash_consistentify). */
static void flow_order(uint32_t *a, uint32_t *b, size_t n, uint16_t *pa, uint16_t *pb)
{
	int cmp = memcmp(a, b, n * sizeof(*a));

	if (cmp > 0 || (cmp == 0 && *pa > *pb)) {
		uint32_t t[4];
		uint16_t tp = *pa;

		memcpy(t, a, n * sizeof(*a));
		memcpy(a, b, n * sizeof(*a));
		memcpy(b, t, n * sizeof(*a));
		*pa = *pb;
		*pb = tp;
	}
}

uint32_t pkt_flow_hash(const uint8_t *inner, size_t len, uint16_t proto, uint32_t seed)
{
	struct pkt_inner in;
	uint32_t w[11], h;
	uint16_t sp = 0, dp = 0;
	size_t n = 0;

	if (pkt_inner_parse(inner, len, proto, &in) < 0) {
		w[n++] = 0;
	} else if (in.family == 0) {
		uint8_t macs[12];

		memcpy(macs, inner, sizeof(macs));	/* dst, src */
		w[n++] = get32(macs);
		w[n++] = get32(macs + 4);
		w[n++] = get32(macs + 8);
		w[n++] = in.ethertype;
	} else {
		const uint8_t *ip = inner + in.l3_off;
		uint32_t s[4], d[4];
		size_t na = in.family == AF_INET ? 1 : 4, i;
		long l4 = -1;
		uint8_t nh = in.l4proto;

		for (i = 0; i < na; i++) {
			s[i] = get32((const uint8_t *)&in.src + 4 * i);
			d[i] = get32((const uint8_t *)&in.dst + 4 * i);
		}
		if (in.family == AF_INET) {
			if (!in.frag)
				l4 = (long)in.l3_hlen;
		} else {
			uint16_t fo;

			l4 = ip6_skip_exthdr(ip, in.ip_len, PKT_IP6_HLEN, &nh, &fo);
			if (fo)
				l4 = -1;
		}
		if (l4 >= 0 && l4_has_ports(nh) && (size_t)l4 + 4 <= in.ip_len) {
			sp = get16(ip + l4);
			dp = get16(ip + l4 + 2);
		}
		flow_order(s, d, na, &sp, &dp);
		for (i = 0; i < na; i++)
			w[n++] = s[i];
		for (i = 0; i < na; i++)
			w[n++] = d[i];
		w[n++] = (uint32_t)sp << 16 | dp;
		w[n++] = nh;
	}
	h = hash_words(w, n, seed);
	return h ? h : 1;
}

uint16_t pkt_flow_sport_range(const uint8_t *inner, size_t len, uint16_t proto, uint32_t seed,
			      int min, int max)
{
	uint32_t hash;

	if (min >= max) {
		min = PKT_SPORT_MIN_DEFAULT;
		max = PKT_SPORT_MAX_DEFAULT;
	}
	hash = pkt_flow_hash(inner, len, proto, seed);
	hash ^= hash << 16;
	return (uint16_t)((((uint64_t)hash * (uint32_t)(max - min)) >> 32) + (uint32_t)min);
}

uint16_t pkt_flow_sport(const uint8_t *inner, size_t len, uint16_t proto, uint32_t seed)
{
	return pkt_flow_sport_range(inner, len, proto, seed, 0, 0);
}
