// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the inner-packet helpers (src/lib/pkt.c). Checksums are
 * re-computed here independently of the code under test. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "gre.h"
#include "pkt.h"
#include "suite.h"

static uint16_t naive_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* IPv4 + UDP packet of total length tot from 192.0.2.1:1234 to 198.51.100.2:5678. */
static size_t mk_ip4(uint8_t *b, size_t tot, uint8_t tos, uint16_t frag, uint8_t proto)
{
	size_t i;

	memset(b, 0, tot);
	b[0] = 0x45;
	b[1] = tos;
	b[2] = tot >> 8;
	b[3] = tot & 0xff;
	b[4] = 0x12;
	b[5] = 0x34;
	b[6] = frag >> 8;
	b[7] = frag & 0xff;
	b[8] = 63;
	b[9] = proto;
	inet_pton(AF_INET, "192.0.2.1", b + 12);
	inet_pton(AF_INET, "198.51.100.2", b + 16);
	{
		uint16_t c = naive_csum(b, 20);

		b[10] = c >> 8;
		b[11] = c & 0xff;
	}
	for (i = 20; i < tot; i++)
		b[i] = (uint8_t)i;
	if (tot >= 24) {
		b[20] = 0x04; b[21] = 0xd2;	/* 1234 */
		b[22] = 0x16; b[23] = 0x2e;	/* 5678 */
	}
	return tot;
}

/* IPv6 + payload of plen bytes from 2001:db8:1::1 to 2001:db8:2::2. */
static size_t mk_ip6(uint8_t *b, size_t plen, uint8_t tclass, uint8_t nh)
{
	size_t i;

	memset(b, 0, 40 + plen);
	b[0] = (uint8_t)(0x60 | tclass >> 4);
	b[1] = (uint8_t)(tclass << 4 | 0x0a);	/* some flow label bits */
	b[2] = 0xbc;
	b[3] = 0xde;
	b[4] = plen >> 8;
	b[5] = plen & 0xff;
	b[6] = nh;
	b[7] = 17;
	inet_pton(AF_INET6, "2001:db8:1::1", b + 8);
	inet_pton(AF_INET6, "2001:db8:2::2", b + 24);
	for (i = 0; i < plen; i++)
		b[40 + i] = (uint8_t)(i + 3);
	if (plen >= 4) {
		b[40] = 0x04; b[41] = 0xd2;
		b[42] = 0x16; b[43] = 0x2e;
	}
	return 40 + plen;
}

START_TEST(test_inner_ip4)
{
	uint8_t b[100];
	struct pkt_inner in;

	mk_ip4(b, 60, 0xb9, 0x4000, 17);
	ck_assert_int_eq(pkt_inner_parse(b, 60, 0x0800, &in), 0);
	ck_assert_int_eq(in.family, AF_INET);
	ck_assert_uint_eq(in.l3_off, 0);
	ck_assert_uint_eq(in.l3_hlen, 20);
	ck_assert_uint_eq(in.ip_len, 60);
	ck_assert_uint_eq(in.ttl, 63);
	ck_assert_uint_eq(in.tos, 0xb9);
	ck_assert(in.df);
	ck_assert(!in.frag);
	ck_assert_uint_eq(in.l4proto, 17);
	/* trailing bytes allowed */
	ck_assert_int_eq(pkt_inner_parse(b, 100, 0x0800, &in), 0);
	ck_assert_uint_eq(in.ip_len, 60);
	/* truncated below total length */
	ck_assert_int_eq(pkt_inner_parse(b, 59, 0x0800, &in), -EINVAL);
	ck_assert_int_eq(pkt_inner_parse(b, 19, 0x0800, &in), -EINVAL);
	ck_assert_int_eq(pkt_inner_parse(b, 0, 0x0800, &in), -EINVAL);
	/* IHL < 5 */
	b[0] = 0x44;
	ck_assert_int_eq(pkt_inner_parse(b, 60, 0x0800, &in), -EINVAL);
	/* IHL*4 > total length */
	b[0] = 0x4f;
	b[2] = 0;
	b[3] = 40;
	ck_assert_int_eq(pkt_inner_parse(b, 60, 0x0800, &in), -EINVAL);
	b[3] = 60;
	ck_assert_int_eq(pkt_inner_parse(b, 60, 0x0800, &in), 0);
	ck_assert_uint_eq(in.l3_hlen, 60);
	/* version mismatch with the GRE protocol type */
	b[0] = 0x65;
	ck_assert_int_eq(pkt_inner_parse(b, 60, 0x0800, &in), -EINVAL);
	/* fragments */
	mk_ip4(b, 60, 0, 0x2000, 17);
	ck_assert_int_eq(pkt_inner_parse(b, 60, 0x0800, &in), 0);
	ck_assert(in.frag && !in.frag_later && !in.df);
	mk_ip4(b, 60, 0, 0x0010, 17);
	ck_assert_int_eq(pkt_inner_parse(b, 60, 0x0800, &in), 0);
	ck_assert(in.frag && in.frag_later);
	ck_assert_int_eq(pkt_inner_parse(b, 60, 0x1234, &in), -EPROTONOSUPPORT);
}
END_TEST

START_TEST(test_inner_ip6)
{
	uint8_t b[100];
	struct pkt_inner in;

	mk_ip6(b, 20, 0x2e, 6);
	ck_assert_int_eq(pkt_inner_parse(b, 60, 0x86dd, &in), 0);
	ck_assert_int_eq(in.family, AF_INET6);
	ck_assert_uint_eq(in.ip_len, 60);
	ck_assert_uint_eq(in.tos, 0x2e);
	ck_assert_uint_eq(in.ttl, 17);
	ck_assert_uint_eq(in.l4proto, 6);
	ck_assert(!in.df);
	ck_assert_int_eq(pkt_inner_parse(b, 59, 0x86dd, &in), -EINVAL);
	ck_assert_int_eq(pkt_inner_parse(b, 39, 0x86dd, &in), -EINVAL);
	ck_assert_int_eq(pkt_inner_parse(b, 60, 0x0800, &in), -EINVAL);
	b[0] = 0x40;
	ck_assert_int_eq(pkt_inner_parse(b, 60, 0x86dd, &in), -EINVAL);
}
END_TEST

START_TEST(test_inner_eth)
{
	uint8_t b[128];
	struct pkt_inner in;

	memset(b, 0, sizeof(b));
	memcpy(b, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", 14);
	mk_ip4(b + 14, 40, 0x02, 0, 6);
	ck_assert_int_eq(pkt_inner_parse(b, 54, 0x6558, &in), 0);
	ck_assert_int_eq(in.family, AF_INET);
	ck_assert_uint_eq(in.l3_off, 14);
	ck_assert_uint_eq(in.tos, 0x02);
	/* minimum Ethernet frame padding */
	ck_assert_int_eq(pkt_inner_parse(b, 60, 0x6558, &in), 0);
	ck_assert_int_eq(pkt_inner_parse(b, 53, 0x6558, &in), -EINVAL);
	ck_assert_int_eq(pkt_inner_parse(b, 13, 0x6558, &in), -EINVAL);

	/* one 802.1Q tag */
	memmove(b + 18, b + 14, 40);
	memcpy(b + 12, "\x81\x00\x20\x07\x86\xdd", 6);
	mk_ip6(b + 18, 8, 0x01, 17);
	ck_assert_int_eq(pkt_inner_parse(b, 66, 0x6558, &in), 0);
	ck_assert_int_eq(in.family, AF_INET6);
	ck_assert(in.has_vlan);
	ck_assert_uint_eq(in.vlan_tci, 0x2007);
	ck_assert_uint_eq(in.l3_off, 18);
	ck_assert_uint_eq(in.ethertype, 0x86dd);
	ck_assert_int_eq(pkt_inner_parse(b, 17, 0x6558, &in), -EINVAL);

	/* ARP: valid, not IP */
	memcpy(b + 12, "\x08\x06", 2);
	ck_assert_int_eq(pkt_inner_parse(b, 42, 0x6558, &in), 0);
	ck_assert_int_eq(in.family, 0);
	ck_assert_uint_eq(in.ethertype, 0x0806);
	/* second tag: not looked into */
	memcpy(b + 12, "\x88\xa8\x00\x01\x81\x00", 6);
	ck_assert_int_eq(pkt_inner_parse(b, 42, 0x6558, &in), 0);
	ck_assert_int_eq(in.family, 0);
}
END_TEST

START_TEST(test_ecn_encap)
{
	unsigned int outer, inner;

	for (outer = 0; outer < 256; outer += 4)
		for (inner = 0; inner < 256; inner++) {
			uint8_t got = pkt_ecn_encap((uint8_t)(outer | 3), (uint8_t)inner);
			uint8_t ecn = inner & 3;

			ck_assert_uint_eq(got & 0xfc, outer);
			ck_assert_uint_eq(got & 3, ecn == 3 ? 2 : ecn);
		}
}
END_TEST

START_TEST(test_ecn_decap_table)
{
	/* [inner][outer] -> inner ECN after, or -1 drop, -2 log (unchanged) */
	static const int table[4][4] = {
		/* outer:  Not-ECT ECT(1) ECT(0) CE */
		/* Not-ECT */ { 0, -2, -2, -1 },
		/* ECT(1)  */ { 1, 1, 1, 3 },
		/* ECT(0)  */ { 2, 1, 2, 3 },
		/* CE      */ { 3, 3, 3, 3 },
	};
	unsigned int i, o, dscp;

	for (dscp = 0; dscp < 256; dscp += 0x24)
		for (i = 0; i < 4; i++)
			for (o = 0; o < 4; o++) {
				uint8_t tos = (uint8_t)((dscp & 0xfc) | i);
				int rc = pkt_ecn_decap((uint8_t)(0xa0 | o), &tos);

				if (table[i][o] == -1) {
					ck_assert_int_eq(rc, PKT_ECN_DROP);
				} else if (table[i][o] == -2) {
					ck_assert_int_eq(rc, PKT_ECN_LOG);
					ck_assert_uint_eq(tos, (dscp & 0xfc) | i);
				} else {
					ck_assert_int_eq(rc, PKT_ECN_OK);
					ck_assert_uint_eq(tos, (dscp & 0xfc) | (unsigned int)table[i][o]);
				}
			}
}
END_TEST

START_TEST(test_ip4_set_dsfield)
{
	uint8_t b[60];
	unsigned int t, from;

	for (from = 0; from < 256; from += 51)
		for (t = 0; t < 256; t++) {
			mk_ip4(b, 60, (uint8_t)from, 0x4000, 17);
			pkt_ip4_set_dsfield(b, (uint8_t)t);
			ck_assert_uint_eq(b[1], t);
			ck_assert_uint_eq(naive_csum(b, 20), 0);
		}
	/* set CE: ECT -> CE with valid checksum, Not-ECT untouched */
	mk_ip4(b, 60, 0x2a, 0, 17);
	ck_assert_int_eq(pkt_ip4_set_ce(b), 1);
	ck_assert_uint_eq(b[1], 0x2b);
	ck_assert_uint_eq(naive_csum(b, 20), 0);
	mk_ip4(b, 60, 0x29, 0, 17);
	ck_assert_int_eq(pkt_ip4_set_ce(b), 1);
	ck_assert_uint_eq(b[1], 0x2b);
	ck_assert_uint_eq(naive_csum(b, 20), 0);
	mk_ip4(b, 60, 0x28, 0, 17);
	ck_assert_int_eq(pkt_ip4_set_ce(b), 0);
	ck_assert_uint_eq(b[1], 0x28);
	ck_assert_int_eq(pkt_ip4_set_ce(b + 0), 0);
}
END_TEST

START_TEST(test_ip6_set_dsfield)
{
	uint8_t b[60];
	struct pkt_inner in;
	unsigned int t;

	for (t = 0; t < 256; t++) {
		mk_ip6(b, 20, 0x55, 17);
		pkt_ip6_set_dsfield(b, (uint8_t)t);
		ck_assert_int_eq(pkt_inner_parse(b, 60, 0x86dd, &in), 0);
		ck_assert_uint_eq(in.tos, t);
		ck_assert_uint_eq(b[0] >> 4, 6);
		ck_assert_uint_eq(b[1] & 0x0f, 0x0a);	/* flow label kept */
		ck_assert_uint_eq(b[2], 0xbc);
	}
	mk_ip6(b, 20, 0x02, 17);
	ck_assert_int_eq(pkt_ip6_set_ce(b), 1);
	pkt_inner_parse(b, 60, 0x86dd, &in);
	ck_assert_uint_eq(in.tos, 0x03);
	mk_ip6(b, 20, 0x04, 17);
	ck_assert_int_eq(pkt_ip6_set_ce(b), 0);
}
END_TEST

START_TEST(test_inner_ecn_decap)
{
	uint8_t b[80];
	struct pkt_inner in;

	/* IPv4 in Ethernet, outer CE */
	memset(b, 0, 14);
	b[12] = 0x08;
	mk_ip4(b + 14, 40, 0x02, 0, 6);
	ck_assert_int_eq(pkt_inner_parse(b, 54, 0x6558, &in), 0);
	ck_assert_int_eq(pkt_inner_ecn_decap(b, 54, &in, 0x03), PKT_ECN_OK);
	ck_assert_uint_eq(b[15], 0x03);
	ck_assert_uint_eq(naive_csum(b + 14, 20), 0);
	/* Not-ECT inner, outer CE: drop, untouched */
	mk_ip4(b, 40, 0x00, 0, 6);
	ck_assert_int_eq(pkt_inner_parse(b, 40, 0x0800, &in), 0);
	ck_assert_int_eq(pkt_inner_ecn_decap(b, 40, &in, 0x03), PKT_ECN_DROP);
	ck_assert_uint_eq(b[1], 0);
	ck_assert_int_eq(pkt_inner_ecn_decap(b, 40, &in, 0x01), PKT_ECN_LOG);
	/* IPv6, outer ECT(1) on inner ECT(0) */
	mk_ip6(b, 10, 0x02, 17);
	ck_assert_int_eq(pkt_inner_parse(b, 50, 0x86dd, &in), 0);
	ck_assert_int_eq(pkt_inner_ecn_decap(b, 50, &in, 0x01), PKT_ECN_OK);
	pkt_inner_parse(b, 50, 0x86dd, &in);
	ck_assert_uint_eq(in.tos, 0x01);
	/* non-IP frame */
	memset(&in, 0, sizeof(in));
	ck_assert_int_eq(pkt_inner_ecn_decap(b, 50, &in, 0x03), PKT_ECN_OK);
}
END_TEST

START_TEST(test_pseudo_sums)
{
	uint8_t b[64], ph[40];
	struct in_addr s4, d4;
	struct in6_addr s6, d6;
	uint16_t c;

	/* UDP over IPv4: checksum via the helper equals the naive computation */
	mk_ip4(b, 48, 0, 0, 17);
	b[24] = 0;
	b[25] = 28;	/* UDP length */
	b[26] = b[27] = 0;
	memcpy(&s4, b + 12, 4);
	memcpy(&d4, b + 16, 4);
	c = inet_csum_fold(inet_csum_add(pkt_ip4_pseudo_sum(s4, d4, 17, 28), b + 20, 28));
	{
		uint8_t all[12 + 28];

		memcpy(all, b + 12, 8);
		all[8] = 0;
		all[9] = 17;
		all[10] = 0;
		all[11] = 28;
		memcpy(all + 12, b + 20, 28);
		ck_assert_uint_eq(c, naive_csum(all, sizeof(all)));
	}
	inet_pton(AF_INET6, "2001:db8::1", &s6);
	inet_pton(AF_INET6, "2001:db8::2", &d6);
	memcpy(ph, &s6, 16);
	memcpy(ph + 16, &d6, 16);
	memset(ph + 32, 0, 8);
	ph[34] = 0x01;
	ph[35] = 0x02;
	ph[39] = 58;
	ck_assert_uint_eq(inet_csum_fold(pkt_ip6_pseudo_sum(&s6, &d6, 0x0102, 58)),
			  naive_csum(ph, 40));
	/* IPv4 header checksum helper */
	mk_ip4(b, 20, 0, 0, 17);
	ck_assert_uint_eq(pkt_ip4_csum(b, 20), 0);
	b[10] = b[11] = 0x55;
	pkt_ip4_csum_set(b);
	ck_assert_uint_eq(naive_csum(b, 20), 0);
}
END_TEST

static void check_icmp4(const uint8_t *r, size_t n, const uint8_t *orig, size_t quote,
			uint8_t type, uint8_t code, uint32_t info, const char *src)
{
	uint8_t want_src[4];

	inet_pton(AF_INET, src, want_src);
	ck_assert_uint_eq(n, 28 + quote);
	ck_assert_uint_eq(r[0], 0x45);
	ck_assert_uint_eq(rd16(r + 2), n);
	ck_assert_uint_eq(rd16(r + 6) & 0x4000, 0);	/* no DF */
	ck_assert_uint_eq(r[8], 64);
	ck_assert_uint_eq(r[9], 1);
	ck_assert_uint_eq(r[1], (orig[1] & 0x1e) | 0xc0);
	ck_assert_mem_eq(r + 12, want_src, 4);
	ck_assert_mem_eq(r + 16, orig + 12, 4);	/* back to the sender */
	ck_assert_uint_eq(naive_csum(r, 20), 0);
	ck_assert_uint_eq(naive_csum(r + 20, n - 20), 0);
	ck_assert_uint_eq(r[20], type);
	ck_assert_uint_eq(r[21], code);
	ck_assert_uint_eq(rd32(r + 24), info);
	ck_assert_mem_eq(r + 28, orig, quote);
}

START_TEST(test_icmp4_frag_needed)
{
	uint8_t orig[1500], r[1600];
	struct in_addr src;
	size_t n;

	inet_pton(AF_INET, "203.0.113.9", &src);
	mk_ip4(orig, 1500, 0xb8 | 2, 0x4000, 17);
	n = pkt_icmp4_frag_needed(r, sizeof(r), orig, 1500, 1476, src);
	check_icmp4(r, n, orig, 548, 3, 4, 1476, "203.0.113.9");
	ck_assert_uint_eq(n, 576);
	/* small original quoted whole, trailing garbage not quoted */
	mk_ip4(orig, 100, 0, 0x4000, 6);
	n = pkt_icmp4_frag_needed(r, sizeof(r), orig, 120, 90, src);
	check_icmp4(r, n, orig, 100, 3, 4, 90, "203.0.113.9");
	/* room too small */
	ck_assert_uint_eq(pkt_icmp4_frag_needed(r, 127, orig, 100, 90, src), 0);
	ck_assert_uint_eq(pkt_icmp4_frag_needed(r, 128, orig, 100, 90, src), 128);
	/* in place: orig aliases buf */
	memcpy(r, orig, 100);
	n = pkt_icmp4_frag_needed(r, sizeof(r), r, 100, 90, src);
	check_icmp4(r, n, orig, 100, 3, 4, 90, "203.0.113.9");
}
END_TEST

START_TEST(test_icmp4_port_unreach)
{
	uint8_t orig[200], r[600];
	struct in_addr src;
	size_t n;

	inet_pton(AF_INET, "198.51.100.2", &src);
	mk_ip4(orig, 64, 0, 0, 47);	/* an outer GRE packet */
	n = pkt_icmp4_port_unreach(r, sizeof(r), orig, 64, src);
	check_icmp4(r, n, orig, 64, 3, 3, 0, "198.51.100.2");
}
END_TEST

START_TEST(test_icmp4_refusals)
{
	uint8_t orig[100], r[600];
	struct in_addr src;

	inet_pton(AF_INET, "203.0.113.9", &src);
	/* non-first fragment */
	mk_ip4(orig, 100, 0, 0x2001, 17);
	ck_assert_uint_eq(pkt_icmp4_frag_needed(r, sizeof(r), orig, 100, 1400, src), 0);
	/* first fragment: answered */
	mk_ip4(orig, 100, 0, 0x2000, 17);
	ck_assert_uint_gt(pkt_icmp4_frag_needed(r, sizeof(r), orig, 100, 1400, src), 0);
	/* ICMP errors and unknown types: never; echo: yes */
	{
		static const uint8_t errs[] = { 3, 4, 5, 11, 12, 19, 40, 255 };
		static const uint8_t infos[] = { 0, 8, 13, 14, 17, 18 };
		size_t i;

		for (i = 0; i < sizeof(errs); i++) {
			mk_ip4(orig, 100, 0, 0x4000, 1);
			orig[20] = errs[i];
			ck_assert(!pkt_icmp4_may_answer(orig, 100));
			ck_assert_uint_eq(pkt_icmp4_frag_needed(r, sizeof(r), orig, 100, 1400, src), 0);
		}
		for (i = 0; i < sizeof(infos); i++) {
			mk_ip4(orig, 100, 0, 0x4000, 1);
			orig[20] = infos[i];
			ck_assert(pkt_icmp4_may_answer(orig, 100));
		}
	}
	/* ICMP with its type cut off */
	mk_ip4(orig, 20, 0, 0, 1);
	ck_assert(!pkt_icmp4_may_answer(orig, 20));
	/* multicast / broadcast destination */
	mk_ip4(orig, 100, 0, 0, 17);
	inet_pton(AF_INET, "239.1.2.3", orig + 16);
	ck_assert(!pkt_icmp4_may_answer(orig, 100));
	inet_pton(AF_INET, "255.255.255.255", orig + 16);
	ck_assert(!pkt_icmp4_may_answer(orig, 100));
	/* bad sources */
	{
		static const char *const bad[] = { "0.0.0.0", "127.0.0.1", "224.0.0.5",
						   "240.0.0.1", "255.255.255.255" };
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			mk_ip4(orig, 100, 0, 0, 17);
			inet_pton(AF_INET, bad[i], orig + 12);
			ck_assert(!pkt_icmp4_may_answer(orig, 100));
		}
	}
	/* malformed */
	mk_ip4(orig, 100, 0, 0, 17);
	ck_assert(!pkt_icmp4_may_answer(orig, 19));
	orig[0] = 0x65;
	ck_assert(!pkt_icmp4_may_answer(orig, 100));
	orig[0] = 0x44;
	ck_assert(!pkt_icmp4_may_answer(orig, 100));
}
END_TEST

static void check_icmp6(const uint8_t *r, size_t n, const uint8_t *orig, size_t quote,
			uint8_t type, uint8_t code, uint32_t info, const char *src)
{
	uint8_t want_src[16], all[40 + 1280];
	size_t plen = n - 40;

	inet_pton(AF_INET6, src, want_src);
	ck_assert_uint_eq(n, 48 + quote);
	ck_assert_uint_le(n, 1280);
	ck_assert_uint_eq(r[0], 0x60);
	ck_assert_uint_eq(rd16(r + 4), plen);
	ck_assert_uint_eq(r[6], 58);
	ck_assert_uint_eq(r[7], 64);
	ck_assert_mem_eq(r + 8, want_src, 16);
	ck_assert_mem_eq(r + 24, orig + 8, 16);
	/* pseudo-header checksum, computed here from scratch */
	memcpy(all, r + 8, 32);
	all[32] = (uint8_t)(plen >> 24);
	all[33] = (uint8_t)(plen >> 16);
	all[34] = (uint8_t)(plen >> 8);
	all[35] = (uint8_t)plen;
	all[36] = all[37] = all[38] = 0;
	all[39] = 58;
	memcpy(all + 40, r + 40, plen);
	ck_assert_uint_eq(naive_csum(all, 40 + plen), 0);
	ck_assert_uint_eq(r[40], type);
	ck_assert_uint_eq(r[41], code);
	ck_assert_uint_eq(rd32(r + 44), info);
	ck_assert_mem_eq(r + 48, orig, quote);
}

START_TEST(test_icmp6_packet_too_big)
{
	uint8_t orig[1600], r[1600];
	struct in6_addr src;
	size_t n;

	inet_pton(AF_INET6, "2001:db8:9::9", &src);
	mk_ip6(orig, 1460, 0, 17);
	n = pkt_icmp6_packet_too_big(r, sizeof(r), orig, 1500, 1400, &src);
	check_icmp6(r, n, orig, 1232, 2, 0, 1400, "2001:db8:9::9");
	ck_assert_uint_eq(n, 1280);
	mk_ip6(orig, 60, 0, 6);
	n = pkt_icmp6_packet_too_big(r, sizeof(r), orig, 130, 1280, &src);
	check_icmp6(r, n, orig, 100, 2, 0, 1280, "2001:db8:9::9");
	ck_assert_uint_eq(pkt_icmp6_packet_too_big(r, 147, orig, 100, 1280, &src), 0);
	/* in place */
	memcpy(r, orig, 100);
	n = pkt_icmp6_packet_too_big(r, sizeof(r), r, 100, 1280, &src);
	check_icmp6(r, n, orig, 100, 2, 0, 1280, "2001:db8:9::9");
	/* multicast destination: packet too big is still sent (RFC 4443 2.4(e.2)) */
	mk_ip6(orig, 60, 0, 17);
	inet_pton(AF_INET6, "ff0e::1", orig + 24);
	ck_assert_uint_gt(pkt_icmp6_packet_too_big(r, sizeof(r), orig, 100, 1280, &src), 0);
	ck_assert_uint_eq(pkt_icmp6_port_unreach(r, sizeof(r), orig, 100, &src), 0);
}
END_TEST

START_TEST(test_icmp6_port_unreach)
{
	uint8_t orig[200], r[1400];
	struct in6_addr src;
	size_t n;

	inet_pton(AF_INET6, "2001:db8:2::2", &src);
	mk_ip6(orig, 60, 0, 47);
	n = pkt_icmp6_port_unreach(r, sizeof(r), orig, 100, &src);
	check_icmp6(r, n, orig, 100, 1, 4, 0, "2001:db8:2::2");
}
END_TEST

START_TEST(test_icmp6_refusals)
{
	uint8_t orig[200], r[1400];
	struct in6_addr src;
	unsigned int t;

	inet_pton(AF_INET6, "2001:db8:9::9", &src);
	/* ICMPv6 errors (type < 128): never; informational: yes */
	for (t = 0; t < 256; t++) {
		mk_ip6(orig, 40, 0, 58);
		orig[40] = (uint8_t)t;
		ck_assert_int_eq(pkt_icmp6_may_answer(orig, 80, 2), t >= 128);
	}
	/* ICMPv6 error behind hop-by-hop and a first-fragment header */
	mk_ip6(orig, 40, 0, 0);
	orig[40] = 44;	/* HBH -> fragment */
	orig[41] = 0;
	orig[48] = 58;	/* fragment -> ICMPv6, offset 0 */
	orig[50] = 0;
	orig[51] = 1;	/* M */
	orig[56] = 1;	/* dest unreachable */
	ck_assert(!pkt_icmp6_may_answer(orig, 80, 2));
	orig[56] = 128;
	ck_assert(pkt_icmp6_may_answer(orig, 80, 2));
	/* non-first fragment: answered, as Linux does */
	orig[50] = 0x01;
	orig[51] = 0x00;
	orig[56] = 1;
	ck_assert(pkt_icmp6_may_answer(orig, 80, 2));
	/* ICMPv6 with its type cut off */
	mk_ip6(orig, 0, 0, 58);
	ck_assert(!pkt_icmp6_may_answer(orig, 40, 2));
	/* bad sources */
	mk_ip6(orig, 40, 0, 17);
	memset(orig + 8, 0, 16);
	ck_assert(!pkt_icmp6_may_answer(orig, 80, 2));
	inet_pton(AF_INET6, "ff02::1", orig + 8);
	ck_assert(!pkt_icmp6_may_answer(orig, 80, 2));
	ck_assert_uint_eq(pkt_icmp6_packet_too_big(r, sizeof(r), orig, 80, 1280, &src), 0);
	/* malformed */
	mk_ip6(orig, 40, 0, 17);
	ck_assert(!pkt_icmp6_may_answer(orig, 39, 2));
	orig[0] = 0x45;
	ck_assert(!pkt_icmp6_may_answer(orig, 80, 2));
}
END_TEST

START_TEST(test_flow_sport)
{
	uint8_t a[60], b[60];
	unsigned int seed, distinct = 0;
	uint16_t first = 0;

	for (seed = 0; seed < 2000; seed++) {
		uint16_t p;

		mk_ip4(a, 60, 0, 0, 17);
		p = pkt_flow_sport(a, 60, 0x0800, seed);
		ck_assert_uint_ge(p, PKT_SPORT_MIN_DEFAULT);
		ck_assert_uint_lt(p, PKT_SPORT_MAX_DEFAULT);	/* max never chosen */
		ck_assert_uint_eq(p, pkt_flow_sport(a, 60, 0x0800, seed));
		if (seed == 0)
			first = p;
		else if (p != first)
			distinct++;
	}
	ck_assert_uint_gt(distinct, 1900);
	/* both directions hash alike; another port, another hash */
	mk_ip4(a, 60, 0, 0, 17);
	memcpy(b, a, 60);
	memcpy(b + 12, a + 16, 4);
	memcpy(b + 16, a + 12, 4);
	memcpy(b + 20, a + 22, 2);
	memcpy(b + 22, a + 20, 2);
	ck_assert_uint_eq(pkt_flow_hash(a, 60, 0x0800, 7), pkt_flow_hash(b, 60, 0x0800, 7));
	b[20] ^= 1;
	ck_assert_uint_ne(pkt_flow_hash(a, 60, 0x0800, 7), pkt_flow_hash(b, 60, 0x0800, 7));
	/* fragments: ports ignored */
	mk_ip4(a, 60, 0, 0x2000, 17);
	memcpy(b, a, 60);
	b[20] ^= 1;
	ck_assert_uint_eq(pkt_flow_hash(a, 60, 0x0800, 7), pkt_flow_hash(b, 60, 0x0800, 7));
	/* custom range, and min >= max falls back to the default */
	mk_ip6(a, 20, 0, 6);
	ck_assert_uint_ge(pkt_flow_sport_range(a, 60, 0x86dd, 1, 1000, 1002), 1000);
	ck_assert_uint_le(pkt_flow_sport_range(a, 60, 0x86dd, 1, 1000, 1002), 1001);
	ck_assert_uint_eq(pkt_flow_sport_range(a, 60, 0x86dd, 1, 5, 5),
			  pkt_flow_sport(a, 60, 0x86dd, 1));
	ck_assert_uint_eq(pkt_flow_sport_range(a, 60, 0x86dd, 1, 4000, 4001), 4000);
	/* non-IP and malformed still give a port in range */
	memset(a, 0x11, 60);
	ck_assert_uint_ge(pkt_flow_sport(a, 60, 0x6558, 3), PKT_SPORT_MIN_DEFAULT);
	ck_assert_uint_ge(pkt_flow_sport(a, 3, 0x0800, 3), PKT_SPORT_MIN_DEFAULT);
	ck_assert_uint_ne(pkt_flow_hash(a, 3, 0x0800, 0), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pkt");
	TCase *tc = tcase_create("pkt");

	tcase_add_test(tc, test_inner_ip4);
	tcase_add_test(tc, test_inner_ip6);
	tcase_add_test(tc, test_inner_eth);
	tcase_add_test(tc, test_ecn_encap);
	tcase_add_test(tc, test_ecn_decap_table);
	tcase_add_test(tc, test_ip4_set_dsfield);
	tcase_add_test(tc, test_ip6_set_dsfield);
	tcase_add_test(tc, test_inner_ecn_decap);
	tcase_add_test(tc, test_pseudo_sums);
	tcase_add_test(tc, test_icmp4_frag_needed);
	tcase_add_test(tc, test_icmp4_port_unreach);
	tcase_add_test(tc, test_icmp4_refusals);
	tcase_add_test(tc, test_icmp6_packet_too_big);
	tcase_add_test(tc, test_icmp6_port_unreach);
	tcase_add_test(tc, test_icmp6_refusals);
	tcase_add_test(tc, test_flow_sport);
	suite_add_tcase(s, tc);
	return check_run(s);
}
