// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the GRE codec (src/lib/gre.c) and the checksum (src/lib/csum.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "gre.h"
#include "tunnel.h"
#include "suite.h"

static const uint16_t protos[] = { GRE_PROTO_IPV4, GRE_PROTO_IPV6, GRE_PROTO_TEB };

/* Independent RFC 1071 sum, written the naive way. */
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

START_TEST(test_round_trip)
{
	unsigned int opts;
	size_t pi, plen;

	for (opts = 0; opts < 8; opts++)
		for (pi = 0; pi < sizeof(protos) / sizeof(protos[0]); pi++)
			for (plen = 0; plen < 70; plen += 23) {
				uint8_t buf[128];
				struct gre_hdr h;
				size_t hlen = gre_header_len(opts), i;

				for (i = 0; i < plen; i++)
					buf[hlen + i] = (uint8_t)(i * 7 + opts);
				ck_assert_uint_eq(gre_header_build(buf, sizeof(buf), opts, protos[pi],
								   0xdeadbeef, 0x01020304, plen), hlen);
				ck_assert_int_eq(gre_header_parse(buf, hlen + plen, &h), GRE_OK);
				ck_assert_uint_eq(h.hlen, hlen);
				ck_assert_uint_eq(h.proto, protos[pi]);
				ck_assert_uint_eq(gre_header_opts(&h), opts);
				ck_assert_int_eq(h.has_csum, !!(opts & GRE_OPT_CSUM));
				ck_assert_int_eq(h.has_key, !!(opts & GRE_OPT_KEY));
				ck_assert_int_eq(h.has_seq, !!(opts & GRE_OPT_SEQ));
				ck_assert_uint_eq(h.key, (opts & GRE_OPT_KEY) ? 0xdeadbeef : 0);
				ck_assert_uint_eq(h.seq, (opts & GRE_OPT_SEQ) ? 0x01020304 : 0);
				if (opts & GRE_OPT_CSUM) {
					ck_assert(h.csum_ok);
					ck_assert_uint_eq(naive_csum(buf, hlen + plen), 0);
				}
				/* reserved bits and version sent as zero */
				ck_assert_uint_eq(h.flags & 0x0fff, 0);
				if (opts & GRE_OPT_CSUM)
					ck_assert_uint_eq(buf[6] | buf[7], 0);
			}
}
END_TEST

START_TEST(test_build_room)
{
	uint8_t buf[16];

	ck_assert_uint_eq(gre_header_build(buf, 3, 0, GRE_PROTO_IPV4, 0, 0, 0), 0);
	ck_assert_uint_eq(gre_header_build(buf, 15, 7, GRE_PROTO_IPV4, 0, 0, 0), 0);
	ck_assert_uint_eq(gre_header_build(buf, 16, 7, GRE_PROTO_IPV4, 0, 0, 0), 16);
	ck_assert_uint_eq(gre_header_build(buf, 16, 7, GRE_PROTO_IPV4, 0, 0, 1), 0);
	ck_assert_uint_eq(gre_header_build(buf, 8, 0, GRE_PROTO_IPV4, 0, 0, 4), 4);
	ck_assert_uint_eq(gre_header_build(buf, 8, 0, GRE_PROTO_IPV4, 0, 0, SIZE_MAX), 0);
	ck_assert_uint_eq(gre_header_len(0), 4);
	ck_assert_uint_eq(gre_header_len(GRE_OPT_KEY), 8);
	ck_assert_uint_eq(gre_header_len(GRE_OPT_CSUM | GRE_OPT_SEQ), 12);
	ck_assert_uint_eq(gre_header_len(7), GRE_HLEN_MAX);
}
END_TEST

/* Hand-computed: flags C|K|S = 0xb000, proto 0x0800, key 42, seq 1.
 * Sum: 0xb000 + 0x0800 + 0x002a + 0x0001 = 0xb82b, checksum ~ = 0x47d4;
 * with payload 01 02 03 04: + 0x0102 + 0x0304 = 0xbc31, checksum 0x43ce. */
START_TEST(test_known_answer)
{
	static const uint8_t kat_csum_key_seq[] = {
		0xb0, 0x00, 0x08, 0x00, 0x47, 0xd4, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x01,
	};
	static const uint8_t kat_payload[] = {
		0xb0, 0x00, 0x08, 0x00, 0x43, 0xce, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x01,
		0x01, 0x02, 0x03, 0x04,
	};
	static const uint8_t kat_key_teb[] = { 0x20, 0x00, 0x65, 0x58, 0x00, 0x00, 0x00, 0x2a };
	static const uint8_t kat_seq_v6[] = { 0x10, 0x00, 0x86, 0xdd, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t kat_plain[] = { 0x00, 0x00, 0x08, 0x00 };
	uint8_t buf[32];
	struct gre_hdr h;

	memset(buf, 0xee, sizeof(buf));
	ck_assert_uint_eq(gre_header_build(buf, sizeof(buf), GRE_OPT_CSUM | GRE_OPT_KEY | GRE_OPT_SEQ,
					   GRE_PROTO_IPV4, 42, 1, 0), 16);
	ck_assert_mem_eq(buf, kat_csum_key_seq, sizeof(kat_csum_key_seq));

	memcpy(buf + 16, "\x01\x02\x03\x04", 4);
	ck_assert_uint_eq(gre_header_build(buf, sizeof(buf), 7, GRE_PROTO_IPV4, 42, 1, 4), 16);
	ck_assert_mem_eq(buf, kat_payload, sizeof(kat_payload));
	ck_assert_int_eq(gre_header_parse(kat_payload, sizeof(kat_payload), &h), GRE_OK);
	ck_assert_uint_eq(h.key, 42);
	ck_assert_uint_eq(h.seq, 1);
	ck_assert_uint_eq(h.flags, 0xb000);

	ck_assert_uint_eq(gre_header_build(buf, sizeof(buf), GRE_OPT_KEY, GRE_PROTO_TEB, 42, 0, 0), 8);
	ck_assert_mem_eq(buf, kat_key_teb, sizeof(kat_key_teb));
	ck_assert_uint_eq(gre_header_build(buf, sizeof(buf), GRE_OPT_SEQ, GRE_PROTO_IPV6, 0,
					   0xffffffff, 0), 8);
	ck_assert_mem_eq(buf, kat_seq_v6, sizeof(kat_seq_v6));
	ck_assert_uint_eq(gre_header_build(buf, sizeof(buf), 0, GRE_PROTO_IPV4, 42, 1, 0), 4);
	ck_assert_mem_eq(buf, kat_plain, sizeof(kat_plain));
}
END_TEST

START_TEST(test_truncated)
{
	unsigned int opts;

	for (opts = 0; opts < 8; opts++) {
		uint8_t buf[GRE_HLEN_MAX];
		size_t hlen = gre_header_build(buf, sizeof(buf), opts, GRE_PROTO_IPV4, 1, 2, 0), l;
		struct gre_hdr h;

		/* the checksum of a cut packet is wrong, but truncation wins */
		for (l = 0; l < hlen; l++)
			ck_assert_int_eq(gre_header_parse(buf, l, &h), GRE_DROP_TRUNCATED);
		if (!(opts & GRE_OPT_CSUM))
			ck_assert_int_eq(gre_header_parse(buf, hlen, &h), GRE_OK);
	}
	ck_assert_int_eq(gre_header_parse(NULL, 0, &(struct gre_hdr){ 0 }), GRE_DROP_TRUNCATED);
}
END_TEST

START_TEST(test_ipv4_minimum)
{
	uint8_t buf[16] = { 0x00, 0x00, 0x08, 0x00 };
	struct gre_hdr h;
	size_t l;

	for (l = 4; l < GRE_IPV4_MIN_LEN; l++) {
		ck_assert_int_eq(gre_header_parse_ex(buf, l, GRE_PARSE_IPV4, &h), GRE_DROP_TRUNCATED);
		ck_assert_int_eq(gre_header_parse(buf, l, &h), GRE_OK);	/* ip6_gre: no minimum */
	}
	ck_assert_int_eq(gre_header_parse_ex(buf, 12, GRE_PARSE_IPV4, &h), GRE_OK);
	/* the minimum is checked before the version, as gre_demux.c does */
	buf[1] = 1;
	ck_assert_int_eq(gre_header_parse_ex(buf, 8, GRE_PARSE_IPV4, &h), GRE_DROP_TRUNCATED);
	ck_assert_int_eq(gre_header_parse_ex(buf, 12, GRE_PARSE_IPV4, &h), GRE_DROP_VERSION);
}
END_TEST

START_TEST(test_version)
{
	uint8_t buf[16];
	struct gre_hdr h;
	unsigned int v;

	for (v = 1; v <= 7; v++) {
		gre_header_build(buf, sizeof(buf), GRE_OPT_KEY, GRE_PROTO_IPV4, 1, 0, 8);
		buf[1] |= v;
		ck_assert_int_eq(gre_header_parse(buf, 16, &h), GRE_DROP_VERSION);
	}
	/* version checked before the routing bit */
	buf[0] |= 0x40;
	ck_assert_int_eq(gre_header_parse(buf, 16, &h), GRE_DROP_VERSION);
}
END_TEST

START_TEST(test_routing)
{
	uint8_t buf[16] = { 0x40, 0x00, 0x08, 0x00 };
	struct gre_hdr h;

	ck_assert_int_eq(gre_header_parse(buf, 16, &h), GRE_DROP_ROUTING);
	buf[0] = 0xc0;	/* with C: still routing, before any checksum */
	ck_assert_int_eq(gre_header_parse(buf, 16, &h), GRE_DROP_ROUTING);
}
END_TEST

/* Linux ignores strict source route, recursion control, ACK and reserved
 * bits 9-12, where RFC 2784 says to discard. */
START_TEST(test_reserved_bits_accepted)
{
	static const uint16_t bits[] = { GRE_F_STRICT, 0x0100, 0x0200, 0x0400, GRE_F_REC,
					 GRE_F_ACK, 0x0040, 0x0020, 0x0010, 0x0008,
					 GRE_F_STRICT | GRE_F_REC | GRE_F_ACK | GRE_F_RESERVED };
	size_t i;

	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		uint8_t buf[32];
		struct gre_hdr h;
		size_t hl;

		/* checksum computed with the bits set, as a peer would */
		hl = gre_header_build(buf, sizeof(buf), GRE_OPT_CSUM | GRE_OPT_KEY,
				      GRE_PROTO_IPV4, 7, 0, 8);
		buf[0] |= bits[i] >> 8;
		buf[1] |= bits[i] & 0xff;
		buf[4] = buf[5] = 0;
		{
			uint16_t c = naive_csum(buf, hl + 8);

			buf[4] = c >> 8;
			buf[5] = c & 0xff;
		}
		ck_assert_int_eq(gre_header_parse(buf, hl + 8, &h), GRE_OK);
		ck_assert_uint_eq(h.key, 7);
		ck_assert_uint_eq(h.flags & bits[i], bits[i]);
	}
}
END_TEST

START_TEST(test_bad_csum)
{
	uint8_t buf[40];
	struct gre_hdr h;
	size_t i;

	gre_header_build(buf, sizeof(buf), GRE_OPT_CSUM, GRE_PROTO_IPV4, 0, 0, 20);
	for (i = 0; i < 24; i++) {
		uint8_t c[40];

		memcpy(c, buf, sizeof(c));
		c[i] ^= 0x10;
		if (i < 2)	/* flipping a flag bit changes the header instead */
			continue;
		ck_assert_int_eq(gre_header_parse(c, 24, &h), GRE_DROP_CSUM);
	}
	/* a zero-filled checksum field is a checksum too (no "0 = none") */
	buf[4] = buf[5] = 0;
	memset(buf + 8, 0x11, 20);
	ck_assert_int_eq(gre_header_parse(buf, 28, &h), GRE_DROP_CSUM);
	/* quoted in an ICMP error: not verified */
	ck_assert_int_eq(gre_header_parse_ex(buf, 8, GRE_PARSE_QUOTED | GRE_PARSE_IPV4, &h), GRE_OK);
	ck_assert(!h.csum_ok);
	ck_assert(h.has_csum);
}
END_TEST

START_TEST(test_wccp_not_decoded)
{
	uint8_t buf[24] = { 0x00, 0x00, 0x88, 0x3e, 0x45 };
	struct gre_hdr h;

	ck_assert_int_eq(gre_header_parse(buf, sizeof(buf), &h), GRE_OK);
	ck_assert_uint_eq(h.proto, GRE_PROTO_WCCP);
	ck_assert_uint_eq(h.hlen, 4);
}
END_TEST

START_TEST(test_seq_accept)
{
	uint32_t next = 0;

	/* fresh tunnel: anything */
	ck_assert(gre_seq_accept(&next, 1000));
	ck_assert_uint_eq(next, 1001);
	ck_assert(gre_seq_accept(&next, 1001));
	/* duplicate and late */
	ck_assert(!gre_seq_accept(&next, 1001));
	ck_assert(!gre_seq_accept(&next, 1000));
	ck_assert(!gre_seq_accept(&next, 0));
	ck_assert_uint_eq(next, 1002);
	/* gap: accepted, the skipped ones are then late */
	ck_assert(gre_seq_accept(&next, 1010));
	ck_assert(!gre_seq_accept(&next, 1005));
	ck_assert(gre_seq_accept(&next, 1011));
	/* largest forward jump (2^31 - 1) accepted, 2^31 is "before" */
	next = 100;
	ck_assert(!gre_seq_accept(&next, 100u + 0x80000000u));
	ck_assert(gre_seq_accept(&next, 100u + 0x7fffffffu));
	/* wraparound */
	next = 0xfffffff0u;
	ck_assert(gre_seq_accept(&next, 0x10));
	ck_assert_uint_eq(next, 0x11);
	ck_assert(!gre_seq_accept(&next, 0xfffffff8u));
	/* accepting 0xffffffff makes next 0: the next packet, whatever it is, passes */
	next = 0xfffffffeu;
	ck_assert(gre_seq_accept(&next, 0xfffffffeu));
	ck_assert(gre_seq_accept(&next, 0xffffffffu));
	ck_assert_uint_eq(next, 0);
	ck_assert(gre_seq_accept(&next, 0x12345678u));
	ck_assert(!gre_seq_accept(&next, 0));
	/* seq 0 on a fresh tunnel */
	next = 0;
	ck_assert(gre_seq_accept(&next, 0));
	ck_assert_uint_eq(next, 1);
	ck_assert(!gre_seq_accept(&next, 0));
}
END_TEST

START_TEST(test_key_match)
{
	struct gre_hdr h = { .has_key = true, .key = 42 };

	ck_assert(gre_key_match(&h, GRE_OPT_KEY, 42));
	ck_assert(!gre_key_match(&h, GRE_OPT_KEY, 43));
	ck_assert(!gre_key_match(&h, 0, 0));	/* keyed packet, keyless tunnel */
	h.key = 0;
	ck_assert(!gre_key_match(&h, 0, 0));	/* even key 0 */
	ck_assert(gre_key_match(&h, GRE_OPT_KEY, 0));
	h.has_key = false;
	ck_assert(gre_key_match(&h, 0, 0));
	ck_assert(!gre_key_match(&h, GRE_OPT_KEY, 0));	/* keyless packet, keyed tunnel */
}
END_TEST

START_TEST(test_flags_check)
{
	struct gre_hdr h = { 0 };

	ck_assert_int_eq(gre_flags_check(&h, 0), GRE_OK);
	ck_assert_int_eq(gre_flags_check(&h, GRE_OPT_CSUM), GRE_DROP_FLAGS);
	ck_assert_int_eq(gre_flags_check(&h, GRE_OPT_SEQ), GRE_DROP_FLAGS);
	ck_assert_int_eq(gre_flags_check(&h, GRE_OPT_KEY), GRE_OK);	/* key: gre_key_match */
	h.has_csum = true;
	ck_assert_int_eq(gre_flags_check(&h, 0), GRE_DROP_FLAGS);
	ck_assert_int_eq(gre_flags_check(&h, GRE_OPT_CSUM), GRE_OK);
	h.has_csum = false;
	h.has_seq = true;	/* S without iseq: accepted, ignored */
	ck_assert_int_eq(gre_flags_check(&h, 0), GRE_OK);
	ck_assert_int_eq(gre_flags_check(&h, GRE_OPT_SEQ), GRE_OK);
}
END_TEST

START_TEST(test_drop_names)
{
	static const char *const want[] = { "ok", "truncated", "version", "routing", "proto",
					    "csum", "flags", "key", "seq", "source", "inner",
					    "oversize", "ecn" };
	int d;

	ck_assert_int_eq(GRE_DROP_MAX_, sizeof(want) / sizeof(want[0]));
	for (d = 0; d < GRE_DROP_MAX_; d++)
		ck_assert_str_eq(gre_drop_name(d), want[d]);
	ck_assert_str_eq(gre_drop_name(GRE_DROP_MAX_), "unknown");
	ck_assert_str_eq(gre_drop_name(-1), "unknown");
}
END_TEST

START_TEST(test_csum_chain)
{
	uint8_t data[64];
	uint32_t s;
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 37 + 11);
	s = inet_csum_add(0, data, 10);
	s = inet_csum_add(s, data + 10, 54);
	ck_assert_uint_eq(inet_csum_fold(s), naive_csum(data, 64));
	ck_assert_uint_eq(inet_csum_fold(inet_csum_add(0, data, 63)), naive_csum(data, 63));
	memset(data, 0xff, sizeof(data));
	ck_assert_uint_eq(inet_csum_fold(inet_csum_add(0, data, 64)), naive_csum(data, 64));
}
END_TEST

/* The fold: 16 bits, end-around carry, not complemented; inet_csum_fold
 * is its complement (the checksum field). */
START_TEST(test_csum_reduce)
{
	static const uint32_t in[] = { 0, 1, 0xffff, 0x10000, 0x1fffe, 0x12345678, 0xffffffffu,
				       0xfffe0001u, 0x0001ffffu };
	static const uint16_t want[] = { 0, 1, 0xffff, 1, 0xffff, 0x68ac, 0xffff, 0xffff, 1 };

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		ck_assert_uint_eq(inet_csum_reduce(in[i]), want[i]);
		ck_assert_uint_eq(inet_csum_fold(in[i]), (uint16_t)~want[i]);
	}
}
END_TEST

/* Any alignment, any length, any sum to chain from: the naive sum's answer
 * (the offload code used to have its own sum; this was its test). */
START_TEST(test_csum_unaligned)
{
	static const uint32_t start[] = { 0, 5, 0xfffffff0u };
	uint8_t b[301];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 31 + 7);
	for (size_t len = 0; len <= sizeof(b); len++)
		for (size_t off = 0; off < 3 && off <= len; off++)
			for (size_t k = 0; k < 3; k++) {
				uint32_t s = inet_csum_add(start[k], b + off, len - off);
				uint32_t n = (uint16_t)~naive_csum(b + off, len - off);

				n += inet_csum_reduce(start[k]);
				ck_assert_uint_eq(inet_csum_fold(s), inet_csum_fold(n));
			}
	memset(b, 0xff, sizeof(b));
	ck_assert_uint_eq(inet_csum_fold(inet_csum_add(0, b, sizeof(b))), naive_csum(b, sizeof(b)));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gre");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_build_room);
	tcase_add_test(tc, test_known_answer);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_ipv4_minimum);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_routing);
	tcase_add_test(tc, test_reserved_bits_accepted);
	tcase_add_test(tc, test_bad_csum);
	tcase_add_test(tc, test_wccp_not_decoded);
	tcase_add_test(tc, test_seq_accept);
	tcase_add_test(tc, test_key_match);
	tcase_add_test(tc, test_flags_check);
	tcase_add_test(tc, test_drop_names);
	tcase_add_test(tc, test_csum_chain);
	tcase_add_test(tc, test_csum_reduce);
	tcase_add_test(tc, test_csum_unaligned);
	suite_add_tcase(s, tc);
	return check_run(s);
}
