// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fast path's TC programs (src/bpf/gretun_fp.bpf.c) run on crafted
 * packets with BPF_PROG_TEST_RUN, their output compared byte for byte with
 * what gretund's own path puts on the wire for the same tunnel: the GRE
 * header from gre_header_build, the GRE-in-UDP source port from
 * pkt_flow_sport, RFC 6040 decapsulation from pkt_inner_ecn_decap, and the
 * outer IP header as the kernel writes it for gretund's sockets from the
 * TTL/TOS/DF that gretund_data_tx.c tx_outer_fields picks (restated in
 * outer_fields below). A packet the program must leave to gretund comes
 * back TC_ACT_OK and unchanged.
 *
 * Test-run specifics: the packet always carries a 14-byte Ethernet header
 * (all-zero addresses, so that the kernel marks it PACKET_HOST on lo), also
 * for a TUN device's egress, where a real packet starts at its IP header
 * (the program finds the IP packet at the end either way); skb->ifindex is
 * lo's (1), the fp_tx key used here; a redirect returns TC_ACT_REDIRECT.
 * Not comparable byte for byte, and checked otherwise: the IPv4 ID of a
 * packet without DF (random, as the kernel's), and the IPv6 flow label
 * (constant per tunnel; the kernel's own is keyed with a secret).
 *
 * Needs root and a kernel that loads the programs; otherwise SKIP (77)
 * with the reason.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/pkt_cls.h>

#include "bytes.h"
#include "fp_abi.h"
#include "gre.h"
#include "gretun_fp.skel.h"
#include "pkt.h"
#include "suite.h"
#include "tunnel.h"

#define LO_IFINDEX	1
#define TUN_IFINDEX	42	/* redirect target written in fp_rx */
#define STATS_ID	7
#define SEED		0x5eed1234u
#define MAXPKT		2048

static struct gretun_fp_bpf *skel;

/* ---- tunnels and packets ---- */

struct tun {
	bool tap, v6, udp, key, tos_inherit, pmtudisc, ignore_df;
	uint8_t ttl, tos;
	uint32_t mtu;
	uint16_t sport;		/* fixed GRE-in-UDP source port, 0: hashed */
};

static const uint8_t L4[4] = { 192, 0, 2, 1 }, R4[4] = { 198, 51, 100, 2 };
static const uint8_t L6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t R6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
#define OKEY	0x01020304u
#define DPORT	4754

static void map_clear(int fd, size_t ksize)
{
	uint8_t k[64], next[64];

	while (!bpf_map_get_next_key(fd, NULL, next)) {
		memcpy(k, next, ksize);
		if (bpf_map_delete_elem(fd, k))
			break;
	}
}

static void stats_clear(void)
{
	int n = libbpf_num_possible_cpus();
	struct fp_stats *v = calloc((size_t)n, sizeof(*v));
	uint32_t id = STATS_ID;

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(bpf_map_update_elem(bpf_map__fd(skel->maps.fp_stats), &id, v, 0), 0);
	free(v);
}

static struct fp_stats stats_sum(void)
{
	int n = libbpf_num_possible_cpus();
	struct fp_stats *v = calloc((size_t)n, sizeof(*v)), s = { 0 };
	uint32_t id = STATS_ID;

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.fp_stats), &id, v), 0);
	for (int i = 0; i < n; i++) {
		s.tx_packets += v[i].tx_packets;
		s.tx_bytes += v[i].tx_bytes;
		s.rx_packets += v[i].rx_packets;
		s.rx_bytes += v[i].rx_bytes;
		s.tx_slow += v[i].tx_slow;
		s.rx_slow += v[i].rx_slow;
		s.tx_errors += v[i].tx_errors;
		s.rx_ecn_drops += v[i].rx_ecn_drops;
		s.rx_errors += v[i].rx_errors;
	}
	free(v);
	return s;
}

static void reset(void)
{
	map_clear(bpf_map__fd(skel->maps.fp_tx), sizeof(uint32_t));
	map_clear(bpf_map__fd(skel->maps.fp_rx), sizeof(struct fp_rx_key));
	stats_clear();
}

static void tx_entry(const struct tun *tn, uint32_t flags_extra, uint32_t underlay)
{
	struct fp_tx v = { 0 };
	uint32_t k = LO_IFINDEX;

	v.flags = (tn->tap ? FP_TX_TAP : 0) | (tn->v6 ? FP_TX_IPV6 : 0) | (tn->udp ? FP_TX_UDP : 0) |
		  (tn->key ? FP_TX_KEY : 0) | (tn->tos_inherit ? FP_TX_TOS_INHERIT : 0) |
		  (tn->pmtudisc ? FP_TX_PMTUDISC : 0) | (tn->ignore_df ? FP_TX_IGNORE_DF : 0) |
		  flags_extra;
	v.id = STATS_ID;
	v.underlay_ifindex = underlay;
	v.mtu = tn->mtu;
	v.fwmark = 0x77;
	v.okey = htonl(OKEY);
	v.ttl = tn->ttl;
	v.tos = tn->tos;
	v.encap_dport = htons(DPORT);
	v.encap_sport = htons(tn->sport);
	memcpy(v.local, tn->v6 ? L6 : L4, tn->v6 ? 16 : 4);
	memcpy(v.remote, tn->v6 ? R6 : R4, tn->v6 ? 16 : 4);
	v.flow_seed = SEED;
	ck_assert_int_eq(bpf_map_update_elem(bpf_map__fd(skel->maps.fp_tx), &k, &v, 0), 0);
}

/* fp_rx entry for tn as gretund fills it: exact local, the tunnel's key;
 * peer_port: only that UDP source port (a learned peer's), 0 any */
static void rx_entry_port(const struct tun *tn, uint32_t flags, bool wildcard, uint16_t peer_port)
{
	struct fp_rx_key k = { 0 };
	struct fp_rx v = { 0 };

	k.ipv6 = tn->v6;
	k.tap = tn->tap;
	k.udp = tn->udp;
	k.has_key = tn->key && !tn->v6;
	k.udp_dport = tn->udp ? htons(DPORT) : 0;
	k.key = tn->key ? htonl(OKEY) : 0;
	if (!wildcard)
		memcpy(k.local, tn->v6 ? L6 : L4, tn->v6 ? 16 : 4);
	memcpy(k.remote, tn->v6 ? R6 : R4, tn->v6 ? 16 : 4);
	v.flags = (tn->tap ? FP_RX_TAP : 0) | (tn->key ? FP_RX_KEY : 0) | flags;
	v.id = STATS_ID;
	v.tun_ifindex = TUN_IFINDEX;
	v.peer_port = htons(peer_port);
	ck_assert_int_eq(bpf_map_update_elem(bpf_map__fd(skel->maps.fp_rx), &k, &v, 0), 0);
}

static void rx_entry(const struct tun *tn, uint32_t flags, bool wildcard)
{
	rx_entry_port(tn, flags, wildcard, 0);
}

struct inner_spec {
	bool v6;
	uint8_t ttl, tos, l4;	/* l4: 6 TCP, 17 UDP */
	bool df, mf;
	size_t payload;
	uint16_t sport;
};

/* An inner IP packet (IPv4 with a valid checksum), TCP or UDP. */
static size_t mk_inner(uint8_t *b, const struct inner_spec *s)
{
	size_t l4len = (s->l4 == 6 ? 20 : 8) + s->payload, hl = s->v6 ? 40 : 20, i;

	memset(b, 0, hl + l4len);
	if (s->v6) {
		put32(b, 6u << 28 | (uint32_t)s->tos << 20 | 0x12345);
		put16(b + 4, (uint16_t)l4len);
		b[6] = s->l4;
		b[7] = s->ttl;
		b[8] = 0xfd;
		b[23] = 1;
		b[24] = 0xfd;
		b[39] = 2;
	} else {
		b[0] = 0x45;
		b[1] = s->tos;
		put16(b + 2, (uint16_t)(hl + l4len));
		put16(b + 4, 0x1111);
		put16(b + 6, (uint16_t)((s->df ? 0x4000 : 0) | (s->mf ? 0x2000 : 0)));
		b[8] = s->ttl;
		b[9] = s->l4;
		b[12] = 10;
		b[15] = 1;
		b[16] = 10;
		b[19] = 2;
		pkt_ip4_csum_set(b);
	}
	put16(b + hl, s->sport ? s->sport : 40000);
	put16(b + hl + 2, 80);
	if (s->l4 == 6)
		b[hl + 12] = 5 << 4;
	else
		put16(b + hl + 4, (uint16_t)l4len);
	for (i = 0; i < s->payload; i++)
		b[hl + (s->l4 == 6 ? 20 : 8) + i] = (uint8_t)(i * 7 + 3);
	return hl + l4len;
}

/* The frame the program sees on the tunnel device: a 14-byte Ethernet
 * header (test run; for gretap the frame's own) and the inner packet. */
static size_t mk_dev_frame(uint8_t *b, bool tap, const struct inner_spec *s)
{
	memset(b, 0, 14);
	if (tap) {
		static const uint8_t mac[12] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						 0x02, 0, 0, 0, 0, 1 };

		/* dst broadcast on purpose: the outer header must not keep it */
		memcpy(b, mac, sizeof(mac));
	}
	put16(b + 12, s->v6 ? 0x86dd : 0x0800);
	return 14 + mk_inner(b + 14, s);
}

/* gretund_data_tx.c tx_outer_fields, for an IP inner packet */
static void outer_fields(const struct tun *tn, const struct pkt_inner *pi, uint8_t *ttl,
			 uint8_t *tos, bool *df)
{
	*ttl = tn->ttl ? tn->ttl : pi->ttl;
	*tos = pkt_ecn_encap(tn->tos_inherit ? pi->tos : tn->tos, pi->tos);
	*df = !tn->v6 && (tn->pmtudisc || (!tn->ignore_df && pi->family == AF_INET && pi->df));
}

/*
 * What gretund sends for the inner packet (TAP: the frame) gre[0..glen),
 * behind a 14-byte Ethernet header with zero addresses and the outer type
 * (bpf_redirect_neigh fills the addresses). Returns the length.
 */
static size_t expect_tx(uint8_t *out, const struct tun *tn, const uint8_t *in, size_t ilen)
{
	uint16_t proto = tn->tap ? GRE_PROTO_TEB : (in[0] >> 4 == 6 ? GRE_PROTO_IPV6 : GRE_PROTO_IPV4);
	size_t iphl = tn->v6 ? 40 : 20, gl = gre_header_len(tn->key ? GRE_OPT_KEY : 0);
	size_t off = 14 + iphl, tot = iphl + (tn->udp ? 8 : 0) + gl + ilen;
	struct pkt_inner pi;
	uint8_t ttl, tos;
	bool df;

	ck_assert_int_eq(pkt_inner_parse(in, ilen, proto, &pi), 0);
	outer_fields(tn, &pi, &ttl, &tos, &df);
	memset(out, 0, 14);
	put16(out + 12, tn->v6 ? 0x86dd : 0x0800);
	if (tn->v6) {
		put32(out + 14, 6u << 28 | (uint32_t)tos << 20);	/* label: masked */
		put16(out + 18, (uint16_t)(tot - 40));
		out[20] = tn->udp ? 17 : 47;
		out[21] = ttl;
		memcpy(out + 22, L6, 16);
		memcpy(out + 38, R6, 16);
	} else {
		memset(out + 14, 0, 20);
		out[14] = 0x45;
		out[15] = tos;
		put16(out + 16, (uint16_t)tot);
		put16(out + 20, df ? 0x4000 : 0);	/* ID: 0 with DF, else masked */
		out[22] = ttl;
		out[23] = tn->udp ? 17 : 47;
		memcpy(out + 26, L4, 4);
		memcpy(out + 30, R4, 4);
		pkt_ip4_csum_set(out + 14);
	}
	if (tn->udp) {
		put16(out + off, tn->sport ? tn->sport : pkt_flow_sport(in, ilen, proto, SEED));
		put16(out + off + 2, DPORT);
		put16(out + off + 4, (uint16_t)(8 + gl + ilen));
		put16(out + off + 6, 0);
		off += 8;
	}
	ck_assert_uint_eq(gre_header_build(out + off, MAXPKT - off, tn->key ? GRE_OPT_KEY : 0, proto,
					   OKEY, 0, ilen), gl);
	memcpy(out + off + gl, in, ilen);
	return off + gl + ilen;
}

static int run(int prog_fd, const uint8_t *in, size_t len, uint8_t *out, size_t *olen,
	       uint32_t gso_size, uint32_t *mark)
{
	struct __sk_buff ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)len,
		    .data_out = out, .data_size_out = MAXPKT, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .ctx_out = &ctx, .ctx_size_out = sizeof(ctx),
		    .repeat = 1);
	int err;

	ctx.ifindex = LO_IFINDEX;
	ctx.gso_size = gso_size;
	ctx.gso_segs = gso_size ? 3 : 0;
	err = bpf_prog_test_run_opts(prog_fd, &o);
	ck_assert_msg(!err, "BPF_PROG_TEST_RUN failed: %s", strerror(-err));
	*olen = o.data_size_out;
	if (mark)
		*mark = ctx.mark;
	return (int)o.retval;
}

static int egress_fd(void)
{
	return bpf_program__fd(skel->progs.gretun_egress);
}

static int ingress_fd(void)
{
	return bpf_program__fd(skel->progs.gretun_ingress);
}

/* out == exp except the masked fields; a valid IPv4 header checksum */
static void cmp_tx(const struct tun *tn, const uint8_t *out, size_t olen, const uint8_t *exp,
		   size_t elen, const char *what)
{
	uint8_t o[MAXPKT], e[MAXPKT];

	ck_assert_msg(olen == elen, "%s: length %zu, expected %zu", what, olen, elen);
	memcpy(o, out, olen);
	memcpy(e, exp, elen);
	if (tn->v6) {
		o[15] &= 0xf0;
		o[16] = o[17] = 0;
		e[15] &= 0xf0;
		e[16] = e[17] = 0;
	} else {
		ck_assert_msg(pkt_ip4_csum(out + 14, 20) == 0, "%s: bad outer IPv4 checksum", what);
		if (!(get16(exp + 20) & 0x4000)) {
			o[18] = o[19] = o[24] = o[25] = 0;
			e[18] = e[19] = e[24] = e[25] = 0;
		}
	}
	for (size_t i = 0; i < elen; i++)
		ck_assert_msg(o[i] == e[i], "%s: byte %zu is %02x, expected %02x", what, i, o[i],
			      e[i]);
}

static const char *tun_name(const struct tun *tn, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s ttl %u tos %s%u", tn->v6 ? "ip6" : "", tn->tap ? "gretap" : "gre",
		 tn->udp ? "+udp" : "", tn->key ? " key" : "", tn->ttl, tn->tos_inherit ? "inherit/" : "",
		 tn->tos);
	return buf;
}

/* Encapsulate one packet; expect the redirect and gretund's bytes. */
static void tx_expect_encap(const struct tun *tn, const struct inner_spec *s)
{
	uint8_t in[MAXPKT], out[MAXPKT], exp[MAXPKT], name[96];
	size_t len = mk_dev_frame(in, tn->tap, s), olen, elen;
	const uint8_t *payload = tn->tap ? in : in + 14;
	size_t plen = tn->tap ? len : len - 14;
	struct fp_stats before = stats_sum(), after;
	uint32_t mark = 0;
	int rc;

	tun_name(tn, (char *)name, sizeof(name));
	rc = run(egress_fd(), in, len, out, &olen, 0, &mark);
	ck_assert_msg(rc == TC_ACT_REDIRECT, "%s inner %s: verdict %d, expected redirect", name,
		      s->v6 ? "IPv6" : "IPv4", rc);
	elen = expect_tx(exp, tn, payload, plen);
	cmp_tx(tn, out, olen, exp, elen, (char *)name);
	ck_assert_uint_eq(mark, 0x77);
	after = stats_sum();
	ck_assert_uint_eq(after.tx_packets, before.tx_packets + 1);
	ck_assert_uint_eq(after.tx_bytes, before.tx_bytes + plen);
}

/* The program must leave the packet to gretund: TC_ACT_OK, unchanged. */
static void expect_pass(int fd, const uint8_t *in, size_t len, uint32_t gso, const char *what)
{
	uint8_t out[MAXPKT];
	size_t olen;
	int rc = run(fd, in, len, out, &olen, gso, NULL);

	ck_assert_msg(rc == TC_ACT_OK, "%s: verdict %d, expected TC_ACT_OK", what, rc);
	ck_assert_msg(olen == len && !memcmp(in, out, len), "%s: packet changed", what);
}

static const struct inner_spec IN4 = { .ttl = 33, .tos = 0xb8 | PKT_ECN_ECT_0, .l4 = 6,
					.df = true, .payload = 100 };
static const struct inner_spec IN6 = { .v6 = true, .ttl = 44, .tos = 0x28 | PKT_ECN_CE, .l4 = 17,
					.payload = 77 };

/* ---- egress ---- */

START_TEST(test_egress_modes)
{
	/* gre, gretap, ip6gre, ip6gretap; each plain and GRE-in-UDP, with
	 * and without key, IPv4 and IPv6 inside, TTL/TOS inherited and fixed */
	for (int m = 0; m < 32; m++) {
		struct tun tn = { .tap = m & 1, .v6 = m & 2, .udp = m & 4, .key = m & 8 };

		if (m & 16) {
			tn.ttl = 0;
			tn.tos_inherit = true;
		} else {
			tn.ttl = 64;
			tn.tos = 0x10;
		}
		tn.pmtudisc = true;
		reset();
		tx_entry(&tn, 0, 5);
		if (tn.v6 && tn.udp) {
			/* the outer UDP checksum is mandatory over IPv6 */
			uint8_t in[MAXPKT];
			size_t len = mk_dev_frame(in, tn.tap, &IN4);

			expect_pass(egress_fd(), in, len, 0, "ip6 GRE-in-UDP");
			ck_assert_uint_eq(stats_sum().tx_slow, 1);
			continue;
		}
		tx_expect_encap(&tn, &IN4);
		tx_expect_encap(&tn, &IN6);
	}
}
END_TEST

START_TEST(test_egress_df)
{
	/* DF: pmtudisc always; else the inner DF unless ignore_df; IPv6
	 * inner never sets it; ID 0 with DF */
	struct inner_spec nodf = IN4;
	struct tun tn = { .ttl = 0, .tos_inherit = true };

	nodf.df = false;
	for (int m = 0; m < 4; m++) {
		tn.pmtudisc = m & 1;
		tn.ignore_df = m & 2;
		reset();
		tx_entry(&tn, 0, 5);
		tx_expect_encap(&tn, &IN4);
		tx_expect_encap(&tn, &nodf);
		tx_expect_encap(&tn, &IN6);
	}
}
END_TEST

START_TEST(test_egress_ecn_tos)
{
	/* inner CE gives outer ECT(0); fixed TOS keeps the inner ECN */
	static const uint8_t ecn[4] = { PKT_ECN_NOT_ECT, PKT_ECN_ECT_1, PKT_ECN_ECT_0, PKT_ECN_CE };

	for (int inh = 0; inh < 2; inh++)
		for (int i = 0; i < 4; i++) {
			struct tun tn = { .ttl = 9, .tos = 0xa0, .tos_inherit = inh, .pmtudisc = true };
			struct inner_spec s = IN4, s6 = IN6;

			s.tos = (uint8_t)(0x48 | ecn[i]);
			s6.tos = (uint8_t)(0x48 | ecn[i]);
			reset();
			tx_entry(&tn, 0, 5);
			tx_expect_encap(&tn, &s);
			tx_expect_encap(&tn, &s6);
			tn.v6 = true;
			reset();
			tx_entry(&tn, 0, 5);
			tx_expect_encap(&tn, &s);
			tx_expect_encap(&tn, &s6);
		}
}
END_TEST

START_TEST(test_egress_udp_sport)
{
	/* hashed as gretund's pkt_flow_sport, per flow; or the fixed one */
	struct tun tn = { .udp = true, .ttl = 64, .pmtudisc = true };

	for (int f = 0; f < 8; f++) {
		struct inner_spec s = f & 1 ? IN6 : IN4;

		s.sport = (uint16_t)(1000 + 17 * f);
		s.l4 = f & 2 ? 6 : 17;
		for (int tap = 0; tap < 2; tap++) {
			tn.tap = tap;
			tn.sport = 0;
			reset();
			tx_entry(&tn, 0, 5);
			tx_expect_encap(&tn, &s);
			tn.sport = 5555;
			reset();
			tx_entry(&tn, 0, 5);
			tx_expect_encap(&tn, &s);
		}
	}
}
END_TEST

START_TEST(test_egress_flow_label)
{
	/* ip6gre: one label per tunnel, whatever the inner flow */
	struct tun tn = { .v6 = true, .ttl = 64 };
	uint8_t in[MAXPKT], out[MAXPKT];
	uint32_t label = 0;
	size_t len, olen;

	reset();
	tx_entry(&tn, 0, 5);
	for (int f = 0; f < 4; f++) {
		struct inner_spec s = f & 1 ? IN6 : IN4;

		s.sport = (uint16_t)(2000 + f);
		len = mk_dev_frame(in, false, &s);
		ck_assert_int_eq(run(egress_fd(), in, len, out, &olen, 0, NULL), TC_ACT_REDIRECT);
		if (!f)
			label = get32(out + 14) & 0xfffff;
		ck_assert_uint_eq(get32(out + 14) & 0xfffff, label);
	}
}
END_TEST

START_TEST(test_egress_mtu)
{
	/* bigger than fp_tx.mtu: to gretund (ICMP or fragments), DF or not */
	struct tun tn = { .ttl = 64, .pmtudisc = true, .key = true };
	struct inner_spec s = IN4, nodf = IN4;
	uint8_t in[MAXPKT];
	size_t len = mk_dev_frame(in, false, &s), fit = len - 14 + 20 + 8;

	tn.mtu = (uint32_t)fit;
	reset();
	tx_entry(&tn, 0, 5);
	tx_expect_encap(&tn, &s);		/* exactly fits */
	tn.mtu = (uint32_t)fit - 1;
	reset();
	tx_entry(&tn, 0, 5);
	expect_pass(egress_fd(), in, len, 0, "one byte over the MTU, DF");
	nodf.df = false;
	tn.pmtudisc = false;
	reset();
	tx_entry(&tn, 0, 5);
	len = mk_dev_frame(in, false, &nodf);
	expect_pass(egress_fd(), in, len, 0, "one byte over the MTU, no DF");
	ck_assert_uint_eq(stats_sum().tx_slow, 1);

	/* GSO: the largest segment (headers + gso_size) must fit */
	tn.mtu = 1400;
	reset();
	tx_entry(&tn, 0, 5);
	expect_pass(egress_fd(), in, len, 1400 - 20 - 8 - 20 - 20 + 1, "GSO segment over the MTU");
	/* TCP segment headers: inner 20 + TCP 20 */
}
END_TEST

START_TEST(test_egress_slow)
{
	struct tun tn = { .ttl = 64, .pmtudisc = true };
	struct inner_spec bad = IN4;
	uint8_t in[MAXPKT];
	size_t len = mk_dev_frame(in, false, &IN4);

	reset();
	tx_entry(&tn, FP_TX_SLOW, 5);
	expect_pass(egress_fd(), in, len, 0, "FP_TX_SLOW");
	reset();
	tx_entry(&tn, 0, 0);
	expect_pass(egress_fd(), in, len, 0, "no underlay ifindex");
	ck_assert_uint_eq(stats_sum().tx_slow, 1);
	/* no entry: not a fast-path device, nothing counted */
	reset();
	expect_pass(egress_fd(), in, len, 0, "no fp_tx entry");
	ck_assert_uint_eq(stats_sum().tx_slow, 0);

	/* malformed inner packet: gretund's verdict (tx_errors there) */
	reset();
	tx_entry(&tn, 0, 5);
	bad.payload = 10;
	len = mk_dev_frame(in, false, &bad);
	put16(in + 14 + 2, 19);		/* total length below the header */
	expect_pass(egress_fd(), in, len, 0, "malformed inner IPv4");

	/* gretap: a non-IP frame (ARP) and a VLAN-tagged one go to gretund */
	tn.tap = true;
	reset();
	tx_entry(&tn, 0, 5);
	len = mk_dev_frame(in, true, &IN4);
	put16(in + 12, 0x0806);
	expect_pass(egress_fd(), in, len, 0, "gretap ARP");
	put16(in + 12, 0x8100);
	expect_pass(egress_fd(), in, len, 0, "gretap VLAN");
	ck_assert_uint_eq(stats_sum().tx_slow, 2);
}
END_TEST

/* ---- ingress ---- */

struct rx_opts {
	uint16_t gflags;	/* extra GRE flag bits */
	uint8_t otos;
	bool wrong_src, wrong_key, no_key, frag, bad_csum, ip_opts, seq;
	bool v6_frag;		/* IPv6: a fragment header before GRE/UDP */
	uint16_t proto;		/* GRE protocol, 0: the tunnel's */
};

#define RX_SPORT	50000	/* the peer's UDP source port in mk_rx */

/* The packet on the underlay: Ethernet, outer IP, [UDP], GRE (with the
 * tunnel's key), then payload[0..plen) (TUN: IP packet; TAP: frame). */
static size_t mk_rx(uint8_t *b, const struct tun *tn, const struct rx_opts *o,
		    const uint8_t *payload, size_t plen)
{
	uint16_t proto = o->proto ? o->proto :
			 tn->tap ? GRE_PROTO_TEB : (payload[0] >> 4 == 6 ? GRE_PROTO_IPV6 : GRE_PROTO_IPV4);
	bool key = tn->key ? !o->no_key : false;
	unsigned int opts = (key ? GRE_OPT_KEY : 0) | (o->seq ? GRE_OPT_SEQ : 0);
	size_t iphl = tn->v6 ? (o->v6_frag ? 48 : 40) : (o->ip_opts ? 24 : 20);
	size_t gl = gre_header_len(opts);
	size_t off = 14 + iphl, tot = iphl + (tn->udp ? 8 : 0) + gl + plen;
	uint8_t src[16];

	memset(src, 0, sizeof(src));
	memcpy(src, tn->v6 ? R6 : R4, tn->v6 ? 16 : 4);
	if (o->wrong_src)
		src[tn->v6 ? 15 : 3] ^= 0x80;
	memset(b, 0, 14);
	put16(b + 12, tn->v6 ? 0x86dd : 0x0800);
	memset(b + 14, 0, iphl);
	if (tn->v6) {
		put32(b + 14, 6u << 28 | (uint32_t)o->otos << 20 | 0xabcde);
		put16(b + 18, (uint16_t)(tot - 40));
		b[20] = tn->udp ? 17 : 47;
		b[21] = 60;
		memcpy(b + 22, src, 16);
		memcpy(b + 38, L6, 16);
		if (o->v6_frag) {
			/* an atomic fragment: offset 0, no more fragments */
			b[54] = b[20];
			b[20] = 44;
			put32(b + 58, 0x12345678);
		}
	} else {
		b[14] = (uint8_t)(0x40 | iphl / 4);
		b[15] = o->otos;
		put16(b + 16, (uint16_t)tot);
		put16(b + 20, o->frag ? 0x2000 : 0x4000);
		b[22] = 60;
		b[23] = tn->udp ? 17 : 47;
		memcpy(b + 26, src, 4);
		memcpy(b + 30, L4, 4);
		pkt_ip4_csum_set(b + 14);
		if (o->bad_csum)
			b[24] ^= 1;
	}
	if (tn->udp) {
		put16(b + off, RX_SPORT);
		put16(b + off + 2, DPORT);
		put16(b + off + 4, (uint16_t)(8 + gl + plen));
		put16(b + off + 6, 0);
		off += 8;
	}
	gre_header_build(b + off, MAXPKT - off, opts, proto, o->wrong_key ? OKEY + 1 : OKEY, 12345,
			 plen);
	b[off] |= (uint8_t)(o->gflags >> 8);
	b[off + 1] |= (uint8_t)o->gflags;
	memcpy(b + off + gl, payload, plen);
	return off + gl + plen;
}

/* gretund's receive result for payload: the delivered bytes, or -1 when
 * it drops the packet for ECN (pkt_inner_ecn_decap). */
static long expect_rx(uint8_t *out, const struct tun *tn, uint8_t otos, const uint8_t *payload,
		      size_t plen)
{
	uint16_t proto = tn->tap ? GRE_PROTO_TEB : (payload[0] >> 4 == 6 ? GRE_PROTO_IPV6 : GRE_PROTO_IPV4);
	struct pkt_inner pi;
	uint8_t *p = out;

	if (!tn->tap) {
		/* TUN: the outer Ethernet header stays in front (the
		 * redirect into the L3 device pulls it) */
		memset(out, 0, 14);
		put16(out + 12, tn->v6 ? 0x86dd : 0x0800);
		p = out + 14;
	}
	memcpy(p, payload, plen);
	ck_assert_int_eq(pkt_inner_parse(p, plen, proto, &pi), 0);
	if (pkt_inner_ecn_decap(p, plen, &pi, otos) == PKT_ECN_DROP)
		return -1;
	return (long)(p - out) + (long)plen;
}

static size_t mk_payload(uint8_t *b, const struct tun *tn, const struct inner_spec *s)
{
	if (!tn->tap)
		return mk_inner(b, s);
	return mk_dev_frame(b, true, s);
}

static void rx_expect_opts(const struct tun *tn, const struct inner_spec *s, const struct rx_opts *ro)
{
	uint8_t pl[MAXPKT], in[MAXPKT], out[MAXPKT], exp[MAXPKT], otos = ro->otos;
	size_t plen = mk_payload(pl, tn, s), len = mk_rx(in, tn, ro, pl, plen), olen;
	struct fp_stats before = stats_sum(), after;
	long elen = expect_rx(exp, tn, otos, pl, plen);
	char name[96];
	int rc;

	tun_name(tn, name, sizeof(name));
	rc = run(ingress_fd(), in, len, out, &olen, 0, NULL);
	after = stats_sum();
	if (elen < 0) {
		ck_assert_msg(rc == TC_ACT_SHOT, "%s outer tos %#x: verdict %d, expected drop", name,
			      otos, rc);
		ck_assert_uint_eq(after.rx_ecn_drops, before.rx_ecn_drops + 1);
		return;
	}
	ck_assert_msg(rc == TC_ACT_REDIRECT, "%s inner %s outer tos %#x: verdict %d, expected redirect",
		      name, s->v6 ? "IPv6" : "IPv4", otos, rc);
	ck_assert_msg(olen == (size_t)elen, "%s: length %zu, expected %ld", name, olen, elen);
	for (size_t i = 0; i < olen; i++)
		ck_assert_msg(out[i] == exp[i], "%s inner %s: byte %zu is %02x, expected %02x", name,
			      s->v6 ? "IPv6" : "IPv4", i, out[i], exp[i]);
	ck_assert_uint_eq(after.rx_packets, before.rx_packets + 1);
	ck_assert_uint_eq(after.rx_bytes, before.rx_bytes + plen);
}

static void rx_expect(const struct tun *tn, const struct inner_spec *s, uint8_t otos)
{
	struct rx_opts o = { .otos = otos };

	rx_expect_opts(tn, s, &o);
}

START_TEST(test_ingress_modes)
{
	for (int m = 0; m < 16; m++) {
		struct tun tn = { .tap = m & 1, .v6 = m & 2, .udp = m & 4, .key = m & 8 };

		reset();
		rx_entry(&tn, 0, false);
		if (tn.v6 && tn.udp) {
			/* IPv6 UDP checksum not verified by the kernel in a
			 * test run: gretund's */
			uint8_t pl[MAXPKT], in[MAXPKT];
			struct rx_opts o = { 0 };
			size_t plen = mk_payload(pl, &tn, &IN4);
			size_t len = mk_rx(in, &tn, &o, pl, plen);

			expect_pass(ingress_fd(), in, len, 0, "ip6 GRE-in-UDP, unverified checksum");
			continue;
		}
		rx_expect(&tn, &IN4, 0);
		rx_expect(&tn, &IN6, 0);
	}
}
END_TEST

START_TEST(test_ingress_ecn)
{
	/* every outer ECN over every inner ECN, as pkt_inner_ecn_decap */
	for (int m = 0; m < 4; m++) {
		struct tun tn = { .tap = m & 1, .v6 = m & 2 };

		reset();
		rx_entry(&tn, 0, false);
		for (int oe = 0; oe < 4; oe++)
			for (int ie = 0; ie < 4; ie++) {
				struct inner_spec s4 = IN4, s6 = IN6;

				s4.tos = (uint8_t)(0x20 | ie);
				s6.tos = (uint8_t)(0x20 | ie);
				rx_expect(&tn, &s4, (uint8_t)(0x88 | oe));
				rx_expect(&tn, &s6, (uint8_t)(0x88 | oe));
			}
	}
}
END_TEST

static void rx_refused(const struct tun *tn, const struct rx_opts *o, const char *what)
{
	uint8_t pl[MAXPKT], in[MAXPKT];
	size_t plen = mk_payload(pl, tn, &IN4), len = mk_rx(in, tn, o, pl, plen);

	expect_pass(ingress_fd(), in, len, 0, what);
}

START_TEST(test_ingress_refused)
{
	for (int m = 0; m < 4; m++) {
		struct tun tn = { .v6 = m & 1, .key = true, .udp = m & 2 };
		struct rx_opts o;

		if (tn.v6 && tn.udp)
			continue;
		reset();
		rx_entry(&tn, 0, false);
		o = (struct rx_opts){ .wrong_key = true };
		rx_refused(&tn, &o, "key mismatch");
		o = (struct rx_opts){ .no_key = true };
		rx_refused(&tn, &o, "key missing");
		o = (struct rx_opts){ .wrong_src = true };
		rx_refused(&tn, &o, "wrong source");
		o = (struct rx_opts){ .gflags = GRE_F_CSUM };
		rx_refused(&tn, &o, "checksum flag");
		o = (struct rx_opts){ .gflags = GRE_F_ROUTING };
		rx_refused(&tn, &o, "routing flag");
		o = (struct rx_opts){ .gflags = 1 };
		rx_refused(&tn, &o, "version 1");
		o = (struct rx_opts){ .gflags = 0x0008 };
		rx_refused(&tn, &o, "reserved bit");
		o = (struct rx_opts){ .proto = 0 };
		o.proto = 0x0001;
		rx_refused(&tn, &o, "unknown protocol");
		o = (struct rx_opts){ .proto = GRE_PROTO_TEB };
		rx_refused(&tn, &o, "Ethernet on a gre tunnel");
		if (tn.v6) {
			o = (struct rx_opts){ .v6_frag = true };
			rx_refused(&tn, &o, "outer IPv6 fragment header");
		} else {
			o = (struct rx_opts){ .frag = true };
			rx_refused(&tn, &o, "outer fragment");
			o = (struct rx_opts){ .bad_csum = true };
			rx_refused(&tn, &o, "outer header checksum");
			o = (struct rx_opts){ .ip_opts = true };
			rx_refused(&tn, &o, "outer IPv4 options");
		}
		ck_assert_uint_eq(stats_sum().rx_packets, 0);
	}
}
END_TEST

START_TEST(test_ingress_slow)
{
	struct tun tn = { .key = true };
	struct rx_opts o = { 0 };
	uint8_t pl[MAXPKT], in[MAXPKT];
	struct inner_spec ka = IN4;
	size_t plen, len;

	/* FP_RX_SLOW (checksum, sequence numbers, keepalives...) */
	reset();
	rx_entry(&tn, FP_RX_SLOW, false);
	rx_refused(&tn, &o, "FP_RX_SLOW");
	ck_assert_uint_eq(stats_sum().rx_slow, 1);
	/* a wildcard-local tunnel: the kernel decides what is local */
	reset();
	rx_entry(&tn, 0, true);
	rx_refused(&tn, &o, "wildcard local");
	ck_assert_uint_eq(stats_sum().rx_slow, 1);
	/* no tunnel at all: gretund answers ICMP */
	reset();
	rx_refused(&tn, &o, "no tunnel");

	/* a keepalive: protocol 0, or GRE inside */
	reset();
	rx_entry(&tn, 0, false);
	o.proto = 0;
	ka.l4 = 17;
	plen = mk_payload(pl, &tn, &ka);
	pl[9] = 47;
	pkt_ip4_csum_set(pl);
	len = mk_rx(in, &tn, &o, pl, plen);
	expect_pass(ingress_fd(), in, len, 0, "GRE in GRE (keepalive)");
	/* sequence number on a tunnel without iseq: accepted, ignored */
	o = (struct rx_opts){ .seq = true };
	rx_expect_opts(&tn, &IN4, &o);
	rx_expect_opts(&tn, &IN6, &o);
}
END_TEST

/* A learning tunnel's entry: keyed on the learned peer's address, taken
 * only from its learned UDP source port (fp_rx.peer_port); from another
 * port (the NAT moved it) the packet goes to gretund untouched, which
 * learns the new port. 0 takes any port, and plain GRE has none. */
START_TEST(test_ingress_peer_port)
{
	struct tun udp = { .udp = true, .key = true }, gre = { .key = true };
	struct rx_opts o = { 0 };

	reset();
	rx_entry_port(&udp, 0, false, RX_SPORT);
	rx_expect(&udp, &IN4, 0);
	rx_expect(&udp, &IN6, 0);
	reset();
	rx_entry_port(&udp, 0, false, RX_SPORT + 1);
	rx_refused(&udp, &o, "another UDP source port than the learned one");
	ck_assert_uint_eq(stats_sum().rx_slow, 1);
	ck_assert_uint_eq(stats_sum().rx_packets, 0);
	reset();
	rx_entry_port(&udp, 0, false, 0);
	rx_expect(&udp, &IN4, 0);
	reset();
	rx_entry_port(&gre, 0, false, 0);
	rx_expect(&gre, &IN4, 0);
}
END_TEST

static Suite *fp_suite(void)
{
	Suite *s = suite_create("fp");
	TCase *tc = tcase_create("programs");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_egress_modes);
	tcase_add_test(tc, test_egress_df);
	tcase_add_test(tc, test_egress_ecn_tos);
	tcase_add_test(tc, test_egress_udp_sport);
	tcase_add_test(tc, test_egress_flow_label);
	tcase_add_test(tc, test_egress_mtu);
	tcase_add_test(tc, test_egress_slow);
	tcase_add_test(tc, test_ingress_modes);
	tcase_add_test(tc, test_ingress_ecn);
	tcase_add_test(tc, test_ingress_refused);
	tcase_add_test(tc, test_ingress_slow);
	tcase_add_test(tc, test_ingress_peer_port);
	suite_add_tcase(s, tc);
	return s;
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int main(void)
{
	int rc, err;

	if (geteuid() != 0) {
		printf("SKIP: needs root (BPF program load and test runs)\n");
		return 77;
	}
	libbpf_set_print(silent);
	skel = gretun_fp_bpf__open();
	err = skel ? gretun_fp_bpf__load(skel) : -errno;
	if (err) {
		printf("SKIP: the fast path's programs do not load here: %s\n", strerror(-err));
		gretun_fp_bpf__destroy(skel);
		return 77;
	}
	rc = check_run(fp_suite());
	gretun_fp_bpf__destroy(skel);
	return rc;
}
