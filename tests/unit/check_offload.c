// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for gretund's userspace offloads (src/daemon/gretund_offload.c):
 * TSO/USO segmentation, checksum completion, GRO back to the original;
 * UDP GRO followed by USO gives back the very datagrams it took. And the
 * outgoing packets' cmsg builder (src/daemon/gretund_txmsg.c) that the send
 * path and the keepalives share. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "gre.h"
#include "gretund_offload.h"
#include "gretund_txmsg.h"
#include "suite.h"

static uint16_t g16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t g32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void p16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Naive pseudo-header + L4 sum: fold of it is 0xffff when valid. */
static uint16_t l4_sum(const uint8_t *ip, size_t l4, size_t len, uint8_t proto)
{
	uint32_t s = 0;
	uint8_t ph[40];
	size_t phl;

	memset(ph, 0, sizeof(ph));
	if (ip[0] >> 4 == 4) {
		memcpy(ph, ip + 12, 8);
		ph[9] = proto;
		p16(ph + 10, (uint16_t)(len - l4));
		phl = 12;
	} else {
		memcpy(ph, ip + 8, 32);
		p16(ph + 34, (uint16_t)(len - l4));
		ph[39] = proto;
		phl = 40;
	}
	s = inet_csum_add(s, ph, phl);
	s = inet_csum_add(s, ip + l4, len - l4);
	return inet_csum_fold(s);
}

/* A TCP (or UDP) packet of plen payload bytes as the kernel hands it over
 * with TSO: checksum field = pseudo-header sum (CHECKSUM_PARTIAL). */
static size_t build(uint8_t *b, int family, bool tcp, size_t plen, struct off_vnet *h,
		    uint16_t mss)
{
	size_t l3 = family == AF_INET ? 20 : 40, l4h = tcp ? 32 : 8, len = l3 + l4h + plen;
	uint8_t *th = b + l3;

	memset(b, 0, l3 + l4h);
	if (family == AF_INET) {
		b[0] = 0x45;
		p16(b + 2, (uint16_t)len);
		p16(b + 4, 0x1234);
		b[6] = 0x40;
		b[8] = 64;
		b[9] = tcp ? 6 : 17;
		memcpy(b + 12, "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
	} else {
		b[0] = 0x60;
		p16(b + 4, (uint16_t)(len - 40));
		b[6] = tcp ? 6 : 17;
		b[7] = 64;
		b[8] = 0x20;
		b[9] = 0x01;
		b[23] = 1;
		b[24] = 0x20;
		b[25] = 0x01;
		b[39] = 2;
	}
	p16(th, 40000);
	p16(th + 2, 5201);
	if (tcp) {
		th[4] = 0xff;	/* sequence close to wrapping */
		th[5] = 0xff;
		th[6] = 0xf0;
		th[12] = 0x80;	/* 32-byte header: 12 option bytes */
		th[13] = 0x18 | 0x80;	/* ACK PSH CWR */
		p16(th + 14, 512);
		memcpy(th + 20, "\x01\x01\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x02", 12);
	} else {
		p16(th + 4, (uint16_t)(len - l3));
	}
	for (size_t i = 0; i < plen; i++)
		b[l3 + l4h + i] = (uint8_t)(i * 13 + (i >> 8));
	/* partial: the (uncomplemented) pseudo sum in the field */
	{
		uint8_t ph[40] = { 0 };
		uint32_t s;

		if (family == AF_INET) {
			memcpy(ph, b + 12, 8);
			ph[9] = tcp ? 6 : 17;
			p16(ph + 10, (uint16_t)(len - l3));
			s = inet_csum_add(0, ph, 12);
		} else {
			memcpy(ph, b + 8, 32);
			p16(ph + 34, (uint16_t)(len - l3));
			ph[39] = tcp ? 6 : 17;
			s = inet_csum_add(0, ph, 40);
		}
		p16(th + (tcp ? 16 : 6), (uint16_t)~inet_csum_fold(s));
	}
	memset(h, 0, sizeof(*h));
	h->flags = OFF_VNET_F_NEEDS_CSUM;
	h->gso_type = tcp ? (family == AF_INET ? OFF_GSO_TCPV4 : OFF_GSO_TCPV6) : OFF_GSO_UDP_L4;
	h->gso_size = mss;
	h->hdr_len = (uint16_t)(l3 + l4h);
	h->csum_start = (uint16_t)l3;
	h->csum_offset = tcp ? 16 : 6;
	return len;
}

static void seg_and_gro(int family, bool tcp, size_t plen, uint16_t mss)
{
	static uint8_t big[70000], segs[64][2048], orig[70000];
	size_t len, hlen, slen[64], l3 = family == AF_INET ? 20 : 40, l4h = tcp ? 32 : 8;
	struct off_vnet h, gh;
	int n;

	len = build(big, family, tcp, plen, &h, mss);
	memcpy(orig, big, len);
	n = off_gso_count(big, len, &h, &hlen);
	ck_assert_int_eq(n, (int)((plen + mss - 1) / mss));
	ck_assert_uint_eq(hlen, l3 + l4h);
	for (int i = 0; i < n; i++) {
		uint8_t *s = segs[i];
		size_t exp = (size_t)i == (size_t)n - 1 ? plen - (size_t)i * mss : mss;

		slen[i] = off_gso_segment(big, len, &h, hlen, (unsigned int)i, s, sizeof(segs[i]));
		ck_assert_uint_eq(slen[i], hlen + exp);
		ck_assert_uint_eq(l4_sum(s, l3, slen[i], tcp ? 6 : 17), 0);
		ck_assert_mem_eq(s + hlen, orig + hlen + (size_t)i * mss, exp);
		if (family == AF_INET) {
			ck_assert_uint_eq(g16(s + 2), slen[i]);
			ck_assert_uint_eq(g16(s + 4), 0x1234 + i);
			ck_assert_uint_eq(inet_csum_fold(inet_csum_add(0, s, 20)), 0);
		} else {
			ck_assert_uint_eq(g16(s + 4), slen[i] - 40);
		}
		if (tcp) {
			ck_assert_uint_eq(g32(s + l3 + 4), 0xfffff000u + (uint32_t)i * mss);
			ck_assert_uint_eq(!!(s[l3 + 13] & 0x08), i == n - 1);	/* PSH last */
			ck_assert_uint_eq(!!(s[l3 + 13] & 0x80), i == 0);	/* CWR first */
		} else {
			ck_assert_uint_eq(g16(s + l3 + 4), slen[i] - l3);
		}
	}
	if (!tcp)
		return;
	/* GRO: segments 1.. merge after segment 0 (CWR on the first keeps
	 * segment 0 out of GRO: start at 1) */
	{
		struct off_tcp first, last, t;
		size_t total;
		uint8_t merged[70000];
		size_t off;

		if (n < 3)
			return;
		ck_assert(!off_gro_candidate(segs[0], slen[0], &t));	/* CWR */
		ck_assert(off_gro_candidate(segs[1], slen[1], &first));
		last = first;
		total = slen[1];
		memcpy(merged, segs[1], slen[1]);
		off = slen[1];
		for (int i = 2; i < n; i++) {
			ck_assert(off_gro_candidate(segs[i], slen[i], &t));
			ck_assert(off_gro_same_flow(segs[1], &first, segs[i], &t));
			ck_assert(off_gro_can_merge(segs[1], &first, total, &last, segs[i], &t));
			memcpy(merged + off, segs[i] + hlen, t.plen);
			off += t.plen;
			total += t.plen;
			last = t;
		}
		/* out of order: segment 2 cannot follow the last one */
		ck_assert(off_gro_candidate(segs[2], slen[2], &t));
		ck_assert(!off_gro_can_merge(segs[1], &first, total, &last, segs[2], &t));
		off_gro_finish(merged, &first, total, last.flags, (uint16_t)first.plen, &gh);
		ck_assert_uint_eq(gh.gso_size, mss);
		ck_assert_uint_eq(gh.csum_start, l3);
		ck_assert_uint_eq(gh.csum_offset, 16);
		ck_assert(merged[l3 + 13] & 0x08);
		ck_assert_mem_eq(merged + hlen, orig + hlen + mss, plen - mss);
		/* completing the partial checksum gives a valid packet */
		ck_assert_int_eq(off_csum_complete(merged, total, &gh), 0);
		ck_assert_uint_eq(l4_sum(merged, l3, total, 6), 0);
		if (family == AF_INET)
			ck_assert_uint_eq(inet_csum_fold(inet_csum_add(0, merged, 20)), 0);
	}
}

START_TEST(test_tso4)
{
	seg_and_gro(AF_INET, true, 5000, 1400);
	seg_and_gro(AF_INET, true, 1400 * 46, 1400);
	seg_and_gro(AF_INET, true, 3, 1400);
}
END_TEST

START_TEST(test_tso6)
{
	seg_and_gro(AF_INET6, true, 5001, 1388);
	seg_and_gro(AF_INET6, true, 1388 * 40 + 7, 1388);
}
END_TEST

START_TEST(test_uso)
{
	seg_and_gro(AF_INET, false, 4000, 1000);
	seg_and_gro(AF_INET6, false, 3999, 1000);
}
END_TEST

START_TEST(test_complete)
{
	uint8_t b[2000];
	struct off_vnet h;
	size_t len = build(b, AF_INET, true, 1000, &h, 1400);

	ck_assert_int_eq(off_csum_complete(b, len, &h), 0);
	ck_assert_uint_eq(l4_sum(b, 20, len, 6), 0);
	h.csum_start = (uint16_t)len;
	ck_assert_int_eq(off_csum_complete(b, len, &h), -EINVAL);
	h.csum_start = (uint16_t)(len - 10);
	ck_assert_int_eq(off_csum_complete(b, len, &h), -EINVAL);
}
END_TEST

/* A UDP checksum that comes out as zero must go out as 0xffff (zero means
 * "none", invalid over IPv6): every value of one payload word, IPv6 and IPv4. */
START_TEST(test_complete_udp_zero)
{
	const int fams[] = { AF_INET6, AF_INET };

	for (unsigned int f = 0; f < 2; f++) {
		uint8_t b[200];
		struct off_vnet h;
		size_t len = build(b, fams[f], false, 8, &h, 1400), l3 = fams[f] == AF_INET ? 20 : 40;
		uint16_t pseudo = g16(b + l3 + 6);
		unsigned int mapped = 0;

		for (unsigned int v = 0; v <= 0xffff; v++) {
			p16(b + l3 + 8, (uint16_t)v);
			p16(b + l3 + 6, pseudo);
			ck_assert_int_eq(off_csum_complete(b, len, &h), 0);
			ck_assert_uint_ne(g16(b + l3 + 6), 0);
			ck_assert_msg(l4_sum(b, l3, len, 17) == 0, "family %d word %#x: field %#x sum %#x",
				      fams[f], v, g16(b + l3 + 6), l4_sum(b, l3, len, 17));
			mapped += g16(b + l3 + 6) == 0xffff;
		}
		ck_assert_uint_ge(mapped, 1);
	}
}
END_TEST

START_TEST(test_malformed)
{
	uint8_t b[3000], out[2048];
	struct off_vnet h;
	size_t len = build(b, AF_INET, true, 2000, &h, 1400), hlen;
	struct off_vnet bad;

	bad = h;
	bad.gso_size = 0;
	ck_assert_int_lt(off_gso_count(b, len, &bad, &hlen), 0);
	bad = h;
	bad.gso_type = OFF_GSO_TCPV6;
	ck_assert_int_lt(off_gso_count(b, len, &bad, &hlen), 0);
	bad = h;
	bad.csum_start = 24;
	ck_assert_int_lt(off_gso_count(b, len, &bad, &hlen), 0);
	bad = h;
	bad.gso_size = 1;
	ck_assert_int_lt(off_gso_count(b, len, &bad, &hlen), 0);	/* too many segs */
	ck_assert_int_lt(off_gso_count(b, 30, &h, &hlen), 0);
	ck_assert_int_eq(off_gso_count(b, len, &h, &hlen), 2);
	ck_assert_uint_eq(off_gso_segment(b, len, &h, hlen, 0, out, 100), 0);
	ck_assert_uint_eq(off_gso_segment(b, len, &h, hlen, 2, out, sizeof(out)), 0);
	ck_assert_int_lt(off_vnet_parse(b, 9, &bad), 0);
	/* no checksum start given: taken from the IP header */
	bad = h;
	bad.flags = 0;
	bad.csum_start = 0;
	bad.csum_offset = 0;
	ck_assert_int_eq(off_gso_fixup(b, len, &bad), 0);
	ck_assert_uint_eq(bad.csum_start, 20);
	ck_assert_uint_eq(bad.csum_offset, 16);
	ck_assert_int_eq(off_gso_count(b, len, &bad, &hlen), 2);
}
END_TEST

START_TEST(test_vnet_roundtrip)
{
	struct off_vnet h = { .flags = 1, .gso_type = OFF_GSO_TCPV6, .gso_ecn = true,
			      .hdr_len = 72, .gso_size = 1388, .csum_start = 40, .csum_offset = 16 };
	struct off_vnet g;
	uint8_t b[OFF_VNET_HLEN];

	off_vnet_build(b, &h);
	ck_assert_uint_eq(b[1], 0x84);
	ck_assert_uint_eq(b[4], 1388 & 0xff);
	ck_assert_int_eq(off_vnet_parse(b, sizeof(b), &g), 0);
	ck_assert(g.flags == h.flags && g.gso_type == h.gso_type && g.gso_ecn == h.gso_ecn &&
		  g.hdr_len == h.hdr_len && g.gso_size == h.gso_size &&
		  g.csum_start == h.csum_start && g.csum_offset == h.csum_offset);
}
END_TEST

/* ---- UDP GRO ---- */

/* A complete UDP datagram as a sender puts it on the wire: plen payload
 * bytes (a pattern of seed), IPv4 ID id, a valid UDP and IP checksum. */
static size_t dgram(uint8_t *b, int family, size_t plen, uint16_t id, unsigned int seed)
{
	size_t l3 = family == AF_INET ? 20 : 40, len = l3 + 8 + plen;
	uint8_t *uh = b + l3;
	uint16_t c;

	memset(b, 0, l3 + 8);
	if (family == AF_INET) {
		b[0] = 0x45;
		b[1] = 0x2e;	/* DSCP + ECT(0) */
		p16(b + 2, (uint16_t)len);
		p16(b + 4, id);
		b[6] = 0x40;
		b[8] = 61;
		b[9] = 17;
		memcpy(b + 12, "\xcb\x00\x71\x41\xcb\x00\x71\x42", 8);
		p16(b + 10, inet_csum_fold(inet_csum_add(0, b, 20)));
	} else {
		memcpy(b, "\x6b\x8a\xbc\xde", 4);	/* TC 0xb8, flow label 0xabcde */
		p16(b + 4, (uint16_t)(len - 40));
		b[6] = 17;
		b[7] = 61;
		memcpy(b + 8, "\x20\x01\x0d\xb8\x07\x10", 6);
		b[23] = 1;
		memcpy(b + 24, "\x20\x01\x0d\xb8\x07\x10", 6);
		b[39] = 2;
	}
	p16(uh, 33333);
	p16(uh + 2, 5300);
	p16(uh + 4, (uint16_t)(len - l3));
	for (size_t i = 0; i < plen; i++)
		b[l3 + 8 + i] = (uint8_t)(i * 7 + seed * 31 + (i >> 8));
	c = l4_sum(b, l3, len, 17);
	p16(uh + 6, c ? c : 0xffff);
	ck_assert_uint_eq(l4_sum(b, l3, len, 17), 0);
	return len;
}

/* A merge of the datagrams at d[0..n) (lengths dl) that must succeed, into
 * merged[] (the separate headers, then the payloads); returns its length. */
static size_t udp_merge(uint8_t (*d)[2048], const size_t *dl, unsigned int n, uint8_t *merged,
			struct off_vnet *h)
{
	struct off_udp first, last, u;
	size_t total, hl, off;

	ck_assert(off_udp_candidate(d[0], dl[0], &first));
	last = first;
	total = dl[0];
	hl = (size_t)first.iphlen + 8;
	off = hl;
	memcpy(merged + off, d[0] + hl, first.plen);
	off += first.plen;
	for (unsigned int i = 1; i < n; i++) {
		ck_assert(off_udp_candidate(d[i], dl[i], &u));
		ck_assert(off_udp_same_flow(d[0], &first, d[i], &u));
		ck_assert(off_udp_can_merge(d[0], &first, i, total, &last, d[i], &u));
		memcpy(merged + off, d[i] + hl, u.plen);
		off += u.plen;
		total += u.plen;
		last = u;
	}
	ck_assert_uint_eq(off, total);
	ck_assert_uint_eq(off_udp_finish(d[0], &first, total, merged, h), hl);
	return total;
}

/* n datagrams of plen bytes (the last of lastlen) -> GRO -> USO: the same
 * n datagrams, byte for byte, and the originals untouched. */
static void udp_roundtrip(int family, unsigned int n, size_t plen, size_t lastlen, uint16_t id0)
{
	static uint8_t d[OFF_UDP_GRO_SEGS][2048], keep[OFF_UDP_GRO_SEGS][2048], merged[70000],
		partial[70000], seg[2048];
	size_t dl[OFF_UDP_GRO_SEGS], total, hlen, l3 = family == AF_INET ? 20 : 40;
	struct off_vnet h, g;
	uint8_t vb[OFF_VNET_HLEN];

	for (unsigned int i = 0; i < n; i++) {
		dl[i] = dgram(d[i], family, i == n - 1 ? lastlen : plen, (uint16_t)(id0 + i), i);
		memcpy(keep[i], d[i], dl[i]);
	}
	total = udp_merge(d, dl, n, merged, &h);
	for (unsigned int i = 0; i < n; i++)
		ck_assert_mem_eq(d[i], keep[i], dl[i]);
	ck_assert_uint_eq(h.flags, OFF_VNET_F_NEEDS_CSUM);
	ck_assert_uint_eq(h.gso_type, OFF_GSO_UDP_L4);
	ck_assert_uint_eq(h.gso_size, plen);
	ck_assert_uint_eq(h.csum_start, l3);
	ck_assert_uint_eq(h.csum_offset, 6);
	ck_assert_uint_eq(h.hdr_len, l3 + 8);
	/* the header as the kernel reads it */
	off_vnet_build(vb, &h);
	ck_assert_int_eq(off_vnet_parse(vb, sizeof(vb), &g), 0);
	ck_assert_uint_eq(g.gso_type, 5);
	if (family == AF_INET) {
		ck_assert_uint_eq(g16(merged + 2), total);
		ck_assert_uint_eq(inet_csum_fold(inet_csum_add(0, merged, 20)), 0);
	} else {
		ck_assert_uint_eq(g16(merged + 4), total - 40);
	}
	ck_assert_uint_eq(g16(merged + l3 + 4), total - l3);
	/* CHECKSUM_PARTIAL: completing it gives a valid merged packet */
	memcpy(partial, merged, total);
	ck_assert_int_eq(off_csum_complete(partial, total, &g), 0);
	ck_assert_uint_eq(l4_sum(partial, l3, total, 17), 0);
	/* and segmentation gives back each datagram */
	ck_assert_int_eq(off_gso_count(merged, total, &g, &hlen), (int)n);
	ck_assert_uint_eq(hlen, l3 + 8);
	for (unsigned int i = 0; i < n; i++) {
		size_t sl = off_gso_segment(merged, total, &g, hlen, i, seg, sizeof(seg));

		ck_assert_uint_eq(sl, dl[i]);
		ck_assert_mem_eq(seg, keep[i], dl[i]);
	}
}

START_TEST(test_udp_gro_roundtrip)
{
	udp_roundtrip(AF_INET, 10, 1000, 1000, 0x1234);
	udp_roundtrip(AF_INET, 10, 1000, 301, 0x1234);
	udp_roundtrip(AF_INET, 5, 1000, 1000, 0xfffd);	/* ID wraps */
	udp_roundtrip(AF_INET, 2, 1, 1, 7);
	udp_roundtrip(AF_INET, 1, 1372, 1372, 9);	/* one segment */
	udp_roundtrip(AF_INET, OFF_UDP_GRO_SEGS, 64, 17, 100);
	udp_roundtrip(AF_INET, 46, 1372, 1372, 0);	/* 63140 + 20 + 8 */
	udp_roundtrip(AF_INET6, 10, 1000, 1000, 0);
	udp_roundtrip(AF_INET6, 10, 1352, 3, 0);
	udp_roundtrip(AF_INET6, 1, 500, 500, 0);
	udp_roundtrip(AF_INET6, OFF_UDP_GRO_SEGS, 1000, 999, 0);
}
END_TEST

/* candidate refusals, each on an otherwise good datagram */
START_TEST(test_udp_gro_candidate)
{
	uint8_t b[2048];
	struct off_udp u;
	size_t len;

	len = dgram(b, AF_INET, 100, 1, 0);
	ck_assert(off_udp_candidate(b, len, &u));
	ck_assert_uint_eq(u.plen, 100);
	ck_assert_uint_eq(u.id, 1);
	ck_assert(!off_udp_candidate(b, len - 1, &u));	/* IP length */
	ck_assert(!off_udp_candidate(b, 28, &u));
	b[0] = 0x46;				/* options */
	ck_assert(!off_udp_candidate(b, len, &u));
	len = dgram(b, AF_INET, 100, 1, 0);
	b[6] |= 0x20;				/* MF */
	ck_assert(!off_udp_candidate(b, len, &u));
	len = dgram(b, AF_INET, 100, 1, 0);
	b[7] = 1;				/* fragment offset */
	ck_assert(!off_udp_candidate(b, len, &u));
	len = dgram(b, AF_INET, 100, 1, 0);
	b[10] ^= 1;				/* IP header checksum */
	ck_assert(!off_udp_candidate(b, len, &u));
	len = dgram(b, AF_INET, 100, 1, 0);
	b[9] = 6;				/* not UDP */
	ck_assert(!off_udp_candidate(b, len, &u));
	len = dgram(b, AF_INET, 100, 1, 0);
	p16(b + 24, 107);			/* UDP length */
	ck_assert(!off_udp_candidate(b, len, &u));
	len = dgram(b, AF_INET, 100, 1, 0);
	p16(b + 26, 0);				/* no checksum */
	ck_assert(!off_udp_candidate(b, len, &u));
	len = dgram(b, AF_INET, 100, 1, 0);
	b[60] ^= 0x40;				/* bad checksum */
	ck_assert(!off_udp_candidate(b, len, &u));
	len = dgram(b, AF_INET, 0, 1, 0);	/* no payload */
	ck_assert(!off_udp_candidate(b, len, &u));

	len = dgram(b, AF_INET6, 100, 0, 0);
	ck_assert(off_udp_candidate(b, len, &u));
	ck_assert_uint_eq(u.iphlen, 40);
	ck_assert(!off_udp_candidate(b, len - 1, &u));
	b[6] = 0;				/* hop-by-hop header first */
	ck_assert(!off_udp_candidate(b, len, &u));
	len = dgram(b, AF_INET6, 100, 0, 0);
	b[100] ^= 1;
	ck_assert(!off_udp_candidate(b, len, &u));
	len = dgram(b, AF_INET6, 0, 0, 0);
	ck_assert(!off_udp_candidate(b, len, &u));
	len = dgram(b, AF_INET6, 100, 0, 0);
	b[0] = 0x50;				/* neither 4 nor 6 */
	ck_assert(!off_udp_candidate(b, len, &u));
}
END_TEST

/* b after a (or a full set), changed by edit at off to val, must not merge */
static void udp_refuse(int family, size_t alen, size_t blen, uint16_t bid, size_t off, int val,
		       bool fix_ip, bool fix_udp)
{
	uint8_t a[2048], b[2048];
	struct off_udp fa, ub;
	size_t la, lb, l3 = family == AF_INET ? 20 : 40;
	uint16_t c;

	la = dgram(a, family, alen, 10, 0);
	lb = dgram(b, family, blen, bid, 1);
	if (val >= 0)
		b[off] = (uint8_t)val;
	if (fix_ip && family == AF_INET) {
		p16(b + 10, 0);
		p16(b + 10, inet_csum_fold(inet_csum_add(0, b, 20)));
	}
	if (fix_udp) {
		p16(b + l3 + 6, 0);
		c = l4_sum(b, l3, lb, 17);
		p16(b + l3 + 6, c ? c : 0xffff);
	}
	ck_assert(off_udp_candidate(a, la, &fa));
	ck_assert(off_udp_candidate(b, lb, &ub));
	ck_assert(!off_udp_can_merge(a, &fa, 1, la, &fa, b, &ub));
}

START_TEST(test_udp_gro_refuse)
{
	uint8_t a[2048], b[2048];
	struct off_udp fa, ub, big;
	size_t la, lb;

	/* the control: these two merge */
	la = dgram(a, AF_INET, 500, 10, 0);
	lb = dgram(b, AF_INET, 500, 11, 1);
	ck_assert(off_udp_candidate(a, la, &fa) && off_udp_candidate(b, lb, &ub));
	ck_assert(off_udp_can_merge(a, &fa, 1, la, &fa, b, &ub));
	/* limits: segments, 65535 IP bytes, a short one before */
	ck_assert(!off_udp_can_merge(a, &fa, OFF_UDP_GRO_SEGS, la, &fa, b, &ub));
	ck_assert(!off_udp_can_merge(a, &fa, 1, 0xffff - 499, &fa, b, &ub));
	ck_assert(off_udp_can_merge(a, &fa, 1, 0xffff - 500, &fa, b, &ub));
	big = fa;
	big.plen = 499;
	ck_assert(!off_udp_can_merge(a, &fa, 1, la, &big, b, &ub));
	ck_assert(!off_udp_can_merge(a, &fa, 0, la, &fa, b, &ub));

	udp_refuse(AF_INET, 500, 501, 11, 0, -1, false, false);	/* longer than gso_size */
	udp_refuse(AF_INET, 500, 500, 10, 0, -1, false, false);	/* same ID */
	udp_refuse(AF_INET, 500, 500, 12, 0, -1, false, false);	/* ID gap */
	udp_refuse(AF_INET, 500, 500, 11, 1, 0x2c, true, false);	/* TOS */
	udp_refuse(AF_INET, 500, 500, 11, 6, 0x00, true, false);	/* DF */
	udp_refuse(AF_INET, 500, 500, 11, 8, 60, true, false);		/* TTL */
	udp_refuse(AF_INET, 500, 500, 11, 15, 0x43, true, true);	/* source */
	udp_refuse(AF_INET, 500, 500, 11, 19, 0x43, true, true);	/* destination */
	udp_refuse(AF_INET, 500, 500, 11, 21, 0x36, false, true);	/* source port */
	udp_refuse(AF_INET, 500, 500, 11, 23, 0xb5, false, true);	/* destination port */
	udp_refuse(AF_INET6, 500, 500, 0, 1, 0x9a, false, false);	/* traffic class */
	udp_refuse(AF_INET6, 500, 500, 0, 3, 0xdf, false, false);	/* flow label */
	udp_refuse(AF_INET6, 500, 500, 0, 7, 60, false, false);	/* hop limit */
	udp_refuse(AF_INET6, 500, 500, 0, 23, 3, false, true);		/* source */
	udp_refuse(AF_INET6, 500, 500, 0, 39, 3, false, true);		/* destination */
	udp_refuse(AF_INET6, 500, 500, 0, 41, 0x36, false, true);	/* source port */
	udp_refuse(AF_INET6, 500, 501, 0, 0, -1, false, false);	/* longer */

	/* IPv6: 65535 payload bytes */
	la = dgram(a, AF_INET6, 500, 0, 0);
	lb = dgram(b, AF_INET6, 500, 0, 1);
	ck_assert(off_udp_candidate(a, la, &fa) && off_udp_candidate(b, lb, &ub));
	ck_assert(off_udp_can_merge(a, &fa, 3, 40 + 0xffff - 500, &fa, b, &ub));
	ck_assert(!off_udp_can_merge(a, &fa, 3, 40 + 0xffff - 499, &fa, b, &ub));
	/* families do not mix */
	lb = dgram(b, AF_INET, 500, 1, 1);
	ck_assert(off_udp_candidate(b, lb, &ub));
	ck_assert(!off_udp_same_flow(a, &fa, b, &ub));
	ck_assert(!off_udp_can_merge(a, &fa, 1, la, &fa, b, &ub));
}
END_TEST

/* ---- gretund_txmsg.c: the outgoing packets' destination and cmsgs ---- */

static struct cmsghdr *cmsg_find(struct msghdr *mh, int level, int type)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == level && c->cmsg_type == type)
			return c;
	return NULL;
}

/* The int cmsg's value, or -1 when it is missing. */
static int cmsg_int(struct msghdr *mh, int level, int type)
{
	struct cmsghdr *c = cmsg_find(mh, level, type);
	int v = -1;

	if (c) {
		ck_assert_uint_eq(c->cmsg_len, CMSG_LEN(sizeof(int)));
		memcpy(&v, CMSG_DATA(c), sizeof(v));
	}
	return v;
}

static const struct txmsg_case {
	int family, level, ttl_type, tos_type, src_type;
	const char *dst, *src;
	size_t addr_off, addr_len;	/* in the sockaddr */
	size_t src_off, pki_len;	/* source in the pktinfo */
} txmsg_cases[] = {
	{ AF_INET, IPPROTO_IP, IP_TTL, IP_TOS, IP_PKTINFO, "198.51.100.2", "192.0.2.1",
	  offsetof(struct sockaddr_in, sin_addr), 4,
	  offsetof(struct in_pktinfo, ipi_spec_dst), sizeof(struct in_pktinfo) },
	{ AF_INET6, IPPROTO_IPV6, IPV6_HOPLIMIT, IPV6_TCLASS, IPV6_PKTINFO, "2001:db8::2",
	  "2001:db8::1", offsetof(struct sockaddr_in6, sin6_addr), 16,
	  offsetof(struct in6_pktinfo, ipi6_addr), sizeof(struct in6_pktinfo) },
};

/* TTL, TOS and source, in both families. */
START_TEST(test_txmsg_all)
{
	const struct txmsg_case *k = &txmsg_cases[_i];
	union inet_addr dst = { 0 }, src = { 0 };
	struct msghdr mh = { 0 };
	struct gd_txmsg m;
	struct cmsghdr *c;

	inet_pton(k->family, k->dst, &dst);
	inet_pton(k->family, k->src, &src);
	gd_txmsg_build(&m, &mh, k->family, &dst, 17, 0xb8, &src);
	ck_assert_ptr_eq(mh.msg_name, &m.to);
	ck_assert_int_eq(m.to.ss_family, k->family);
	ck_assert_mem_eq((uint8_t *)&m.to + k->addr_off, &dst, k->addr_len);
	ck_assert_uint_eq(mh.msg_namelen, k->family == AF_INET6 ? sizeof(struct sockaddr_in6) :
								 sizeof(struct sockaddr_in));
	ck_assert_uint_eq(mh.msg_controllen, 2 * CMSG_SPACE(sizeof(int)) + CMSG_SPACE(k->pki_len));
	ck_assert_uint_le(mh.msg_controllen, sizeof(m.cm.buf));
	ck_assert_int_eq(cmsg_int(&mh, k->level, k->ttl_type), 17);
	ck_assert_int_eq(cmsg_int(&mh, k->level, k->tos_type), 0xb8);
	c = cmsg_find(&mh, k->level, k->src_type);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->cmsg_len, CMSG_LEN(k->pki_len));
	ck_assert_mem_eq(CMSG_DATA(c) + k->src_off, &src, k->addr_len);
}
END_TEST

/* The keepalive's shape: TTL only, the socket's TOS, routing's source. */
START_TEST(test_txmsg_ttl_only)
{
	union inet_addr dst = { 0 };
	struct msghdr mh = { 0 };
	struct gd_txmsg m;

	inet_pton(AF_INET, "198.51.100.2", &dst.v4);
	gd_txmsg_build(&m, &mh, AF_INET, &dst, 255, -1, NULL);
	ck_assert_uint_eq(mh.msg_controllen, CMSG_SPACE(sizeof(int)));
	ck_assert_int_eq(cmsg_int(&mh, IPPROTO_IP, IP_TTL), 255);
	ck_assert_ptr_null(cmsg_find(&mh, IPPROTO_IP, IP_TOS));
	ck_assert_ptr_null(cmsg_find(&mh, IPPROTO_IP, IP_PKTINFO));
}
END_TEST

/* Two messages built alike are equal byte for byte, whatever the memory
 * held before: the GSO path compares them with memcmp. */
START_TEST(test_txmsg_padding_zero)
{
	union inet_addr dst = { 0 }, src = { 0 };
	struct msghdr a = { 0 }, b = { 0 };
	struct gd_txmsg ma, mb;

	memset(&ma, 0xaa, sizeof(ma));
	memset(&mb, 0x55, sizeof(mb));
	inet_pton(AF_INET, "198.51.100.2", &dst.v4);
	gd_txmsg_build(&ma, &a, AF_INET, &dst, 9, 0, &src);
	gd_txmsg_build(&mb, &b, AF_INET, &dst, 9, 0, &src);
	ck_assert_uint_eq(a.msg_controllen, b.msg_controllen);
	ck_assert_mem_eq(ma.cm.buf, mb.cm.buf, sizeof(ma.cm.buf));
	ck_assert_mem_eq(&ma.to, &mb.to, sizeof(ma.to));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("offload");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_tso4);
	tcase_add_test(tc, test_tso6);
	tcase_add_test(tc, test_uso);
	tcase_add_test(tc, test_complete_udp_zero);
	tcase_add_test(tc, test_complete);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_vnet_roundtrip);
	tcase_add_test(tc, test_udp_gro_roundtrip);
	tcase_add_test(tc, test_udp_gro_candidate);
	tcase_add_test(tc, test_udp_gro_refuse);
	suite_add_tcase(s, tc);
	tc = tcase_create("txmsg");
	tcase_add_loop_test(tc, test_txmsg_all, 0, sizeof(txmsg_cases) / sizeof(txmsg_cases[0]));
	tcase_add_test(tc, test_txmsg_ttl_only);
	tcase_add_test(tc, test_txmsg_padding_zero);
	suite_add_tcase(s, tc);
	return check_run(s);
}
