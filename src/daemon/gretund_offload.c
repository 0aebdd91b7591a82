// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Userspace TSO/USO, checksum completion and TCP and UDP GRO for gretund's
 * TUN devices in IFF_VNET_HDR mode (the shape of Linux's tcp_gso_segment /
 * tcp_gro_receive / udp_gro_receive_segment, and of wireguard-go's
 * tun/offload_linux.go). Pure.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "bytes.h"
#include "csum.h"
#include "gretund_offload.h"
#include "pkt.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

int off_vnet_parse(const uint8_t *b, size_t len, struct off_vnet *h)
{
	if (len < OFF_VNET_HLEN)
		return -EINVAL;
	h->flags = b[0];
	h->gso_type = b[1] & (uint8_t)~OFF_GSO_ECN;
	h->gso_ecn = (b[1] & OFF_GSO_ECN) != 0;
	h->hdr_len = get16le(b + 2);
	h->gso_size = get16le(b + 4);
	h->csum_start = get16le(b + 6);
	h->csum_offset = get16le(b + 8);
	return 0;
}

void off_vnet_build(uint8_t *b, const struct off_vnet *h)
{
	b[0] = h->flags;
	b[1] = (uint8_t)(h->gso_type | (h->gso_ecn ? OFF_GSO_ECN : 0));
	put16le(b + 2, h->hdr_len);
	put16le(b + 4, h->gso_size);
	put16le(b + 6, h->csum_start);
	put16le(b + 8, h->csum_offset);
}

/* Pseudo-header sum for an L4 packet of l4len bytes after the IP header. */
static uint32_t pseudo_sum(const uint8_t *ip, uint8_t proto, uint32_t l4len)
{
	if (ip[0] >> 4 == 4) {
		struct in_addr src, dst;

		memcpy(&src, ip + 12, 4);
		memcpy(&dst, ip + 16, 4);
		return pkt_ip4_pseudo_sum(src, dst, proto, (uint16_t)l4len);
	} else {
		struct in6_addr src, dst;

		memcpy(&src, ip + 8, 16);
		memcpy(&dst, ip + 24, 16);
		return pkt_ip6_pseudo_sum(&src, &dst, l4len, proto);
	}
}

static void ip4_csum_set(uint8_t *ip, size_t ihl)
{
	put16(ip + 10, 0);
	put16(ip + 10, pkt_ip4_csum(ip, ihl));
}

int off_csum_complete(uint8_t *pkt, size_t len, const struct off_vnet *h)
{
	size_t at = (size_t)h->csum_start + h->csum_offset;

	if (!(h->flags & OFF_VNET_F_NEEDS_CSUM))
		return 0;
	if (h->csum_start >= len || at + 2 > len)
		return -EINVAL;
	/* the field holds the pseudo-header sum the stack put there; a sum
	 * of zero goes out as 0xffff, as skb_checksum_help does: for UDP 0
	 * means "no checksum" (and is invalid over IPv6), for the others
	 * both are zero */
	uint16_t c = inet_csum_fold(inet_csum_add(0, pkt + h->csum_start, len - h->csum_start));

	put16(pkt + at, c ? c : 0xffff);
	return 0;
}

/* The L3 header (0..l4) checks, shared by segmentation. */
static int gso_l3_check(const uint8_t *pkt, size_t len, size_t l4, uint8_t proto)
{
	if (len < 20)
		return -EINVAL;
	if (pkt[0] >> 4 == 4) {
		size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;

		if (ihl < 20 || ihl != l4 || pkt[9] != proto)
			return -EINVAL;
		if (get16(pkt + 6) & 0x3fff)	/* a fragment */
			return -EINVAL;
		return AF_INET;
	}
	if (pkt[0] >> 4 == 6) {
		if (len < 40 || l4 < 40 || (l4 == 40 && pkt[6] != proto))
			return -EINVAL;
		return AF_INET6;
	}
	return -EINVAL;
}

int off_gso_fixup(const uint8_t *pkt, size_t len, struct off_vnet *h)
{
	if (h->gso_type == OFF_GSO_NONE || ((h->flags & OFF_VNET_F_NEEDS_CSUM) && h->csum_start))
		return 0;
	if (len < 20)
		return -EINVAL;
	if (pkt[0] >> 4 == 4)
		h->csum_start = (uint16_t)((pkt[0] & 0x0f) * 4);
	else if (pkt[0] >> 4 == 6)
		h->csum_start = 40;
	else
		return -EINVAL;
	h->csum_offset = h->gso_type == OFF_GSO_UDP_L4 ? 6 : 16;
	return 0;
}

int off_gso_count(const uint8_t *pkt, size_t len, const struct off_vnet *h, size_t *hlen)
{
	size_t l4 = h->csum_start, n;
	uint8_t proto;
	int fam;

	switch (h->gso_type) {
	case OFF_GSO_TCPV4:
	case OFF_GSO_TCPV6:
		proto = 6;
		break;
	case OFF_GSO_UDP_L4:
		proto = 17;
		break;
	default:
		return -EINVAL;
	}
	if (!h->gso_size || l4 >= len)
		return -EINVAL;
	fam = gso_l3_check(pkt, len, l4, proto);
	if (fam < 0 || (h->gso_type == OFF_GSO_TCPV4 && fam != AF_INET) ||
	    (h->gso_type == OFF_GSO_TCPV6 && fam != AF_INET6))
		return -EINVAL;
	if (proto == 6) {
		size_t doff;

		if (l4 + 20 > len)
			return -EINVAL;
		doff = (size_t)(pkt[l4 + 12] >> 4) * 4;
		if (doff < 20 || l4 + doff > len)
			return -EINVAL;
		*hlen = l4 + doff;
	} else {
		if (l4 + 8 > len)
			return -EINVAL;
		*hlen = l4 + 8;
	}
	if (*hlen >= len)
		return -EINVAL;
	n = (len - *hlen + h->gso_size - 1) / h->gso_size;
	if (n > OFF_MAX_SEGS)
		return -EINVAL;
	return (int)n;
}

size_t off_gso_segment(const uint8_t *pkt, size_t len, const struct off_vnet *h, size_t hlen,
		       unsigned int idx, uint8_t *out, size_t room)
{
	size_t l4 = h->csum_start, off = hlen + (size_t)idx * h->gso_size, plen, slen;
	bool tcp = h->gso_type != OFF_GSO_UDP_L4, last;
	uint16_t csum;

	if (off >= len || hlen > len || l4 >= hlen)
		return 0;
	plen = len - off;
	if (plen > h->gso_size)
		plen = h->gso_size;
	last = off + plen == len;
	slen = hlen + plen;
	if (slen > room || slen > 0xffff + (pkt[0] >> 4 == 6 ? 40u : 0u))
		return 0;
	memcpy(out, pkt, hlen);
	memcpy(out + hlen, pkt + off, plen);
	if (out[0] >> 4 == 4) {
		put16(out + 2, (uint16_t)slen);
		put16(out + 4, (uint16_t)(get16(pkt + 4) + idx));
		ip4_csum_set(out, l4);
	} else {
		put16(out + 4, (uint16_t)(slen - 40));
	}
	if (tcp) {
		uint8_t *th = out + l4;

		put32(th + 4, get32(pkt + l4 + 4) + (uint32_t)idx * h->gso_size);
		if (!last)
			th[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
		if (idx)
			th[13] &= (uint8_t)~TCP_CWR;
		put16(th + 16, 0);
		csum = inet_csum_fold(inet_csum_add(pseudo_sum(out, 6, (uint32_t)(slen - l4)),
						     th, slen - l4));
		put16(th + 16, csum);
	} else {
		uint8_t *uh = out + l4;

		put16(uh + 4, (uint16_t)(slen - l4));
		put16(uh + 6, 0);
		csum = inet_csum_fold(inet_csum_add(pseudo_sum(out, 17, (uint32_t)(slen - l4)),
						     uh, slen - l4));
		put16(uh + 6, csum ? csum : 0xffff);
	}
	return slen;
}

bool off_gro_candidate(const uint8_t *pkt, size_t len, struct off_tcp *t)
{
	const uint8_t *th;
	size_t l4len;

	if (len < 40)
		return false;
	if (pkt[0] == 0x45) {
		if (get16(pkt + 2) != len || (get16(pkt + 6) & 0x3fff) || pkt[9] != 6)
			return false;
		t->family = AF_INET;
		t->iphlen = 20;
	} else if (pkt[0] >> 4 == 6) {
		if (len < 60 || (size_t)get16(pkt + 4) + 40 != len || pkt[6] != 6)
			return false;
		t->family = AF_INET6;
		t->iphlen = 40;
	} else {
		return false;
	}
	th = pkt + t->iphlen;
	t->tcphlen = (uint16_t)((th[12] >> 4) * 4);
	if (t->tcphlen < 20 || (size_t)t->iphlen + t->tcphlen >= len)
		return false;
	t->flags = th[13];
	if ((t->flags & ~(TCP_PSH)) != TCP_ACK)
		return false;
	t->seq = get32(th + 4);
	t->ack = get32(th + 8);
	t->win = get16(th + 14);
	l4len = len - t->iphlen;
	t->plen = (uint32_t)(l4len - t->tcphlen);
	/* a segment is only ever merged after its checksum proved good: the
	 * merged packet goes up as CHECKSUM_PARTIAL, never verified again */
	return inet_csum_fold(inet_csum_add(pseudo_sum(pkt, 6, (uint32_t)l4len), th, l4len)) == 0;
}

/* Same family, addresses and ports (the first 4 bytes of TCP and UDP)? */
static bool same_flow(const uint8_t *a, int afamily, size_t ahl, const uint8_t *b, int bfamily,
		      size_t bhl)
{
	if (afamily != bfamily)
		return false;
	if (afamily == AF_INET ? memcmp(a + 12, b + 12, 8) : memcmp(a + 8, b + 8, 32))
		return false;
	return !memcmp(a + ahl, b + bhl, 4);
}

bool off_gro_same_flow(const uint8_t *fpkt, const struct off_tcp *first, const uint8_t *bpkt,
		       const struct off_tcp *b)
{
	return same_flow(fpkt, first->family, first->iphlen, bpkt, b->family, b->iphlen);
}

bool off_gro_can_merge(const uint8_t *fpkt, const struct off_tcp *first, size_t total,
		       const struct off_tcp *a, const uint8_t *bpkt, const struct off_tcp *b)
{
	const uint8_t *fth = fpkt + first->iphlen, *bth = bpkt + b->iphlen;

	if (b->family != first->family || b->tcphlen != first->tcphlen)
		return false;
	if (first->family == AF_INET) {
		/* TOS, DF, TTL, protocol, addresses */
		if (fpkt[1] != bpkt[1] || (fpkt[6] & 0x40) != (bpkt[6] & 0x40) ||
		    fpkt[8] != bpkt[8] || memcmp(fpkt + 12, bpkt + 12, 8))
			return false;
		if (total + b->plen > 0xffff)
			return false;
	} else {
		if (memcmp(fpkt, bpkt, 4) || fpkt[7] != bpkt[7] || memcmp(fpkt + 8, bpkt + 8, 32))
			return false;
		if (total - 40 + b->plen > 0xffff)
			return false;
	}
	if (memcmp(fth, bth, 4) || b->ack != first->ack || b->win != first->win ||
	    memcmp(fth + 20, bth + 20, (size_t)first->tcphlen - 20))
		return false;
	if ((a->flags & TCP_PSH) || a->plen != first->plen || b->plen > first->plen)
		return false;
	return b->seq == a->seq + a->plen;
}

void off_gro_finish(uint8_t *fpkt, const struct off_tcp *first, size_t total,
		    uint8_t last_flags, uint16_t gso_size, struct off_vnet *h)
{
	uint8_t *th = fpkt + first->iphlen;

	if (first->family == AF_INET) {
		put16(fpkt + 2, (uint16_t)total);
		ip4_csum_set(fpkt, 20);
	} else {
		put16(fpkt + 4, (uint16_t)(total - 40));
	}
	th[13] |= last_flags & TCP_PSH;
	put16(th + 16, inet_csum_reduce(pseudo_sum(fpkt, 6, (uint32_t)(total - first->iphlen))));
	memset(h, 0, sizeof(*h));
	h->flags = OFF_VNET_F_NEEDS_CSUM;
	h->gso_type = first->family == AF_INET ? OFF_GSO_TCPV4 : OFF_GSO_TCPV6;
	h->hdr_len = (uint16_t)(first->iphlen + first->tcphlen);
	h->gso_size = gso_size;
	h->csum_start = first->iphlen;
	h->csum_offset = 16;
}

bool off_udp_candidate(const uint8_t *pkt, size_t len, struct off_udp *u)
{
	const uint8_t *uh;
	size_t l4len;

	if (len < 29)
		return false;
	if (pkt[0] == 0x45) {
		if (get16(pkt + 2) != len || (get16(pkt + 6) & 0x3fff) || pkt[9] != 17)
			return false;
		/* the merged packet gets a header checksum of our making: only
		 * ever over a header that had a good one */
		if (inet_csum_fold(inet_csum_add(0, pkt, 20)) != 0)
			return false;
		u->family = AF_INET;
		u->iphlen = 20;
		u->id = get16(pkt + 4);
	} else if (pkt[0] >> 4 == 6) {
		if (len < 49 || (size_t)get16(pkt + 4) + 40 != len || pkt[6] != 17)
			return false;
		u->family = AF_INET6;
		u->iphlen = 40;
		u->id = 0;
	} else {
		return false;
	}
	uh = pkt + u->iphlen;
	l4len = len - u->iphlen;
	if (get16(uh + 4) != l4len)
		return false;
	u->plen = (uint16_t)(l4len - 8);
	/* No checksum (IPv4 only) is refused, not merged: the segments the
	 * kernel cuts from a CHECKSUM_PARTIAL packet all carry one, so the
	 * datagrams would not come out as they went in. A bad one stays
	 * the receiver's to drop: a merged packet is never verified again. */
	if (!get16(uh + 6))
		return false;
	return inet_csum_fold(inet_csum_add(pseudo_sum(pkt, 17, (uint32_t)l4len), uh, l4len)) == 0;
}

bool off_udp_same_flow(const uint8_t *fpkt, const struct off_udp *first, const uint8_t *bpkt,
		       const struct off_udp *b)
{
	return same_flow(fpkt, first->family, first->iphlen, bpkt, b->family, b->iphlen);
}

bool off_udp_can_merge(const uint8_t *fpkt, const struct off_udp *first, unsigned int nseg,
		       size_t total, const struct off_udp *last, const uint8_t *bpkt,
		       const struct off_udp *b)
{
	if (!off_udp_same_flow(fpkt, first, bpkt, b))
		return false;
	if (nseg < 1 || nseg >= OFF_UDP_GRO_SEGS || total < (size_t)first->iphlen + 8)
		return false;
	if (last->plen != first->plen || b->plen > first->plen || !b->plen)
		return false;
	if (first->family == AF_INET) {
		/* TOS, flags (DF, reserved; no fragments here), TTL */
		if (fpkt[1] != bpkt[1] || get16(fpkt + 6) != get16(bpkt + 6) || fpkt[8] != bpkt[8])
			return false;
		if (b->id != (uint16_t)(first->id + nseg))
			return false;
		return total + b->plen <= 0xffff;
	}
	/* version, traffic class, flow label; hop limit */
	if (memcmp(fpkt, bpkt, 4) || fpkt[7] != bpkt[7])
		return false;
	return total - 40 + b->plen <= 0xffff;
}

size_t off_udp_finish(const uint8_t *fpkt, const struct off_udp *first, size_t total,
		      uint8_t *hdr, struct off_vnet *h)
{
	size_t hlen = (size_t)first->iphlen + 8;
	uint8_t *uh = hdr + first->iphlen;

	memcpy(hdr, fpkt, hlen);
	if (first->family == AF_INET) {
		put16(hdr + 2, (uint16_t)total);
		ip4_csum_set(hdr, 20);
	} else {
		put16(hdr + 4, (uint16_t)(total - 40));
	}
	put16(uh + 4, (uint16_t)(total - first->iphlen));
	put16(uh + 6, inet_csum_reduce(pseudo_sum(hdr, 17, (uint32_t)(total - first->iphlen))));
	memset(h, 0, sizeof(*h));
	h->flags = OFF_VNET_F_NEEDS_CSUM;
	h->gso_type = OFF_GSO_UDP_L4;
	h->hdr_len = (uint16_t)hlen;
	h->gso_size = first->plen;
	h->csum_start = first->iphlen;
	h->csum_offset = 6;
	return hlen;
}
