// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gretund's in-kernel fast path: TC programs that encapsulate (egress on a
 * tunnel's TUN/TAP device) and decapsulate (ingress on an underlay device)
 * GRE as gretund does, from the maps of fp_abi.h. Whatever they are not sure
 * about they pass on unchanged (TC_ACT_OK), to gretund's own path, which
 * then gives its own verdict (drop reason, ICMP, fragmentation).
 *
 * What goes to gretund (counted tx_slow / rx_slow on the tunnel once the
 * lookup found it; what ingress leaves before its lookup counts nowhere here):
 *  egress:  FP_TX_SLOW entries (checksum, sequence numbers, ...), no
 *           underlay ifindex, GRE-in-UDP over IPv6 (the outer UDP checksum
 *           is mandatory there and not computable here), inner packets
 *           gretund would not parse alike (malformed IP, a VLAN tag or a
 *           non-IP frame on gretap, inner IPv6 extension headers when the
 *           UDP source port is hashed), anything larger than fp_tx.mtu
 *           (with or without DF: bpf_redirect_neigh neither fragments nor
 *           sends ICMP; gretund does both as the kernel would), GSO packets
 *           other than TCP/UDP, and packets the kernel refuses to grow:
 *           among them what gretun_ingress decapsulated and the host
 *           routed into another tunnel (a hub), whose encapsulation mark
 *           no helper of these kernels clears (-EALREADY).
 *  ingress: outer IPv4 with options, a bad header checksum or fragmented;
 *           outer IPv6 with extension headers; padding or truncation; a
 *           packet not for this host (pkt_type), VLAN-tagged on this device;
 *           any GRE flag other than K and S (C, routing, RFC 1701 bits,
 *           version, reserved), protocol 0 and inner GRE (Cisco
 *           keepalives), a protocol the tunnel does not carry, an inner
 *           packet gretund would refuse, a miss in fp_rx (no tunnel: gretund
 *           answers ICMP), a wildcard-local match (the kernel decides whether
 *           the destination is local), FP_RX_SLOW entries, a learning
 *           tunnel's peer from another UDP source port than the learned one
 *           (fp_rx.peer_port: gretund learns it); GRE-in-UDP with a
 *           UDP checksum the kernel has not verified, or UDP GRO aggregates.
 * The only verdict of the programs' own is RFC 6040's drop of CE over
 * Not-ECT, counted rx_ecn_drops, which is gretund's verdict too.
 *
 * Outer header fields, as gretund's sockets make the kernel write them
 * (gretund_data_tx.c tx_outer_fields): TTL 0 = inner TTL/hop limit; TOS
 * inherit = inner TOS, else the fixed one, ECN per RFC 6040 encapsulation
 * (inner CE gives ECT(0)); IPv4 DF with pmtudisc, else the inner DF unless
 * ignore_df; IPv4 ID 0 with DF (as ip_select_ident for an unconnected
 * socket), else random. The GRE-in-UDP source port is pkt_flow_sport's,
 * computed with gretund's seed (fp_tx.flow_seed): one flow, one port, on
 * both paths. The outer IPv6 flow label: gretund's raw socket gets the
 * kernel's automatic label, a keyed hash of the outer addresses and
 * protocol with a per-boot secret this program cannot read; the program
 * uses the same shape (lookup3 of those fields with flow_seed, rotated
 * by 16 as ip6_make_flowlabel does): constant per tunnel, another value.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fp_abi.h"

/* Linux 6.3 uapi; Debian 12's 6.1 headers and kernel lack them (the kernel
 * then says -EINVAL, and same-family packets are decapsulated without) */
#define FP_ADJ_ROOM_DECAP_L3_IPV4	(1ULL << 7)
#define FP_ADJ_ROOM_DECAP_L3_IPV6	(1ULL << 8)

#define GRE_F_CSUM	0x8000
#define GRE_F_KEY	0x2000
#define GRE_F_SEQ	0x1000
#define GRE_PROTO_TEB	0x6558
#define IP4_DF		0x4000
#define IP4_FRAG	0x3fff	/* MF and offset */
#define ECN_MASK	3
#define ECN_NOT_ECT	0
#define ECN_ECT_1	1
#define ECN_ECT_0	2
#define ECN_CE		3
#define SPORT_MIN	32768	/* pkt_flow_sport: ip_local_port_range */
#define SPORT_MAX	60999
#define ERR_EINVAL	22

#ifndef PACKET_HOST
#define PACKET_HOST	0
#endif

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FP_MAX_TUNNELS);
	__type(key, __u32);
	__type(value, struct fp_tx);
} fp_tx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * FP_MAX_TUNNELS);
	__type(key, struct fp_rx_key);
	__type(value, struct fp_rx);
} fp_rx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FP_MAX_TUNNELS);
	__type(key, __u32);
	__type(value, struct fp_stats);
} fp_stats SEC(".maps");

/* The inner IP packet, as pkt_inner_parse sees it. */
struct inner {
	__u32 ip_len;		/* IPv4 total length; IPv6 40 + payload length */
	__u32 l3hlen;
	__u8 v6;
	__u8 ttl, tos, df, l4proto, frag;
	__u32 src[4], dst[4];	/* raw, network order (IPv4: [0]) */
};

struct ip4hdr {
	__u8 vihl, tos;
	__be16 tot_len, id, frag_off;
	__u8 ttl, proto;
	__u16 check;
	__be32 saddr, daddr;
};

struct ip6hdr {
	__be32 vtcfl;		/* version, traffic class, flow label */
	__be16 plen;
	__u8 nexthdr, hop;
	__u8 saddr[16], daddr[16];
};

static __always_inline __u32 rol32(__u32 x, unsigned int k)
{
	return (x << k) | (x >> (32 - k));
}

/* pkt.c hash_words (lookup3 mixing) for n = 4 or 10 words (a constant) */
static __always_inline __u32 hash_words(const __u32 *w, const __u32 n, __u32 seed)
{
	__u32 a, b, c, i;

	a = b = c = 0xdeadbeef + (n << 2) + seed;
#pragma unroll
	for (i = 0; i + 3 < n; i += 3) {
		a += w[i];
		b += w[i + 1];
		c += w[i + 2];
		a -= c; a ^= rol32(c, 4); c += b;
		b -= a; b ^= rol32(a, 6); a += c;
		c -= b; c ^= rol32(b, 8); b += a;
		a -= c; a ^= rol32(c, 16); c += b;
		b -= a; b ^= rol32(a, 19); a += c;
		c -= b; c ^= rol32(b, 4); b += a;
	}
	/* both 4 and 10 leave one word */
	a += w[n - 1];
	c ^= b; c -= rol32(b, 14);
	a ^= c; a -= rol32(c, 11);
	b ^= a; b -= rol32(a, 25);
	c ^= b; c -= rol32(b, 16);
	a ^= c; a -= rol32(c, 4);
	b ^= a; b -= rol32(a, 14);
	c ^= b; c -= rol32(b, 24);
	return c;
}

static __always_inline int l4_has_ports(__u8 p)
{
	return p == IPPROTO_TCP || p == IPPROTO_UDP || p == 132 || p == 33 || p == 136;
}

static __always_inline int ip6_is_ext_hdr(__u8 nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 59 || nh == 60;
}

/* pkt_flow_sport(inner, ..., seed): 0 if the program cannot compute it
 * exactly (then the packet goes to gretund). l3 is the inner IP offset. */
/* Global (not static) functions are verified once, on their own, not once
 * per path of their caller: flow_sport and flow_label are long. */
__noinline __u16 flow_sport(struct __sk_buff *skb, const struct inner *in, __u32 l3, __u32 seed)
{
	__u32 w[10] = {}, na, h, i;
	__u16 sp = 0, dp = 0;
	int swap = 0, decided = 0;

	if (!in || l3 > 0xffff)
		return 0;
	na = in->v6 ? 4 : 1;
	if (in->v6 && ip6_is_ext_hdr(in->l4proto))
		return 0;
	if (!in->frag && l4_has_ports(in->l4proto) && in->l3hlen + 4 <= in->ip_len) {
		__be16 p[2];

		if (bpf_skb_load_bytes(skb, l3 + in->l3hlen, p, sizeof(p)))
			return 0;
		sp = bpf_ntohs(p[0]);
		dp = bpf_ntohs(p[1]);
	}
	/* flow_order: memcmp of the host-order words. On a little-endian
	 * host their bytes in memory are the wire's, word by word, the
	 * lowest address least significant: comparing the raw words as
	 * native integers orders them alike (on big-endian, trivially). */
#pragma unroll
	for (i = 0; i < 4; i++) {
		if (i < na && !decided && in->src[i] != in->dst[i]) {
			swap = in->src[i] > in->dst[i];
			decided = 1;
		}
	}
	if (!decided)
		swap = sp > dp;
	if (swap) {
		__u16 tp = sp;

		sp = dp;
		dp = tp;
	}
	if (in->v6) {
#pragma unroll
		for (i = 0; i < 4; i++) {
			w[i] = bpf_ntohl(swap ? in->dst[i] : in->src[i]);
			w[4 + i] = bpf_ntohl(swap ? in->src[i] : in->dst[i]);
		}
		w[8] = (__u32)sp << 16 | dp;
		w[9] = in->l4proto;
		h = hash_words(w, 10, seed);
	} else {
		w[0] = bpf_ntohl(swap ? in->dst[0] : in->src[0]);
		w[1] = bpf_ntohl(swap ? in->src[0] : in->dst[0]);
		w[2] = (__u32)sp << 16 | dp;
		w[3] = in->l4proto;
		h = hash_words(w, 4, seed);
	}
	if (!h)
		h = 1;
	h ^= h << 16;
	return (__u16)((((__u64)h * (SPORT_MAX - SPORT_MIN)) >> 32) + SPORT_MIN);
}

/* The outer IPv6 flow label (see the top of this file) */
__noinline __u32 flow_label(const struct fp_tx *t)
{
	__u32 w[10] = {};

	if (!t)
		return 0;
	__builtin_memcpy(w, t->local, 16);
	__builtin_memcpy(&w[4], t->remote, 16);
	w[8] = IPPROTO_GRE;
	return rol32(hash_words(w, 10, t->flow_seed), 16) & 0xfffff;
}

/* The inner IP header at off, with avail bytes from there to the end:
 * pkt_inner_parse's checks. 0, or -1 when gretund would refuse it. */
__noinline int inner_parse(struct __sk_buff *skb, __u32 off, __u32 avail, int v6, struct inner *in)
{
	if (!in)
		return -1;
	if (!v6) {
		struct ip4hdr ip;
		__u32 ihl, tot;
		__u16 frag;

		if (avail < sizeof(ip) || bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)))
			return -1;
		ihl = (ip.vihl & 0x0f) * 4;
		tot = bpf_ntohs(ip.tot_len);
		if (ip.vihl >> 4 != 4 || ihl < 20 || tot < ihl || tot > avail)
			return -1;
		frag = bpf_ntohs(ip.frag_off);
		in->v6 = 0;
		in->ip_len = tot;
		in->l3hlen = ihl;
		in->tos = ip.tos;
		in->ttl = ip.ttl;
		in->l4proto = ip.proto;
		in->df = !!(frag & IP4_DF);
		in->frag = !!(frag & IP4_FRAG);
		in->src[0] = ip.saddr;
		in->dst[0] = ip.daddr;
	} else {
		struct ip6hdr ip;
		__u32 vtc;

		if (avail < sizeof(ip) || bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)))
			return -1;
		vtc = bpf_ntohl(ip.vtcfl);
		if (vtc >> 28 != 6 || 40u + bpf_ntohs(ip.plen) > avail)
			return -1;
		in->v6 = 1;
		in->ip_len = 40u + bpf_ntohs(ip.plen);
		in->l3hlen = 40;
		in->tos = (__u8)(vtc >> 20);
		in->ttl = ip.hop;
		in->l4proto = ip.nexthdr;
		in->df = 0;
		in->frag = 0;
		__builtin_memcpy(in->src, ip.saddr, 16);
		__builtin_memcpy(in->dst, ip.daddr, 16);
	}
	return 0;
}

static __always_inline __u16 ip4_csum(const struct ip4hdr *ip)
{
	const __u16 *p = (const __u16 *)ip;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < 10; i++)
		sum += p[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static __always_inline struct fp_stats *stats_get(__u32 id)
{
	return bpf_map_lookup_elem(&fp_stats, &id);
}

/* ---- egress ---- */

enum { FP_SLOW = -1, FP_ERROR = -2 };

/* Encapsulate; TC_ACT_REDIRECT, or FP_SLOW (packet untouched), or
 * FP_ERROR (packet changed, cannot go on). */
static __always_inline int egress(struct __sk_buff *skb, const struct fp_tx *t,
				  struct fp_stats *st)
{
	__u32 fl = t->flags, tap = fl & FP_TX_TAP, ov6 = fl & FP_TX_IPV6, udp = fl & FP_TX_UDP;
	__u32 len = skb->len, mac, l3, payload, iphl, grel, hl, outer, segs;
	__u64 aflags;
	struct inner in = {};
	__u8 ttl, tos, buf[14];
	__u16 sport = 0;
	int v6, df = 0;

	if ((fl & FP_TX_SLOW) || !t->underlay_ifindex || (udp && ov6))
		return FP_SLOW;
	if (tap) {
		__be16 type;

		/* TC on a TAP device: the frame from its Ethernet header */
		if (bpf_skb_load_bytes(skb, 12, &type, sizeof(type)))
			return FP_SLOW;
		if (type == bpf_htons(ETH_P_IP))
			v6 = 0;
		else if (type == bpf_htons(ETH_P_IPV6))
			v6 = 1;
		else
			return FP_SLOW;	/* non-IP, VLAN: adjust_room wants IP */
		if (skb->protocol != type || len < ETH_HLEN)
			return FP_SLOW;
		mac = ETH_HLEN;
		if (inner_parse(skb, mac, len - mac, v6, &in))
			return FP_SLOW;
		payload = len;
	} else {
		/* TUN: the packet starts at its IP header (no MAC header);
		 * BPF_PROG_TEST_RUN gives it a 14-byte one. The IP packet is
		 * the last ip_len bytes either way. */
		__u8 b;

		if (skb->protocol == bpf_htons(ETH_P_IP))
			v6 = 0;
		else if (skb->protocol == bpf_htons(ETH_P_IPV6))
			v6 = 1;
		else
			return FP_SLOW;
		if (bpf_skb_load_bytes_relative(skb, 0, &b, 1, BPF_HDR_START_NET))
			return FP_SLOW;
		if (b >> 4 != (v6 ? 6 : 4))
			return FP_SLOW;
		if (v6) {
			__be16 plen;

			if (bpf_skb_load_bytes_relative(skb, 4, &plen, 2, BPF_HDR_START_NET))
				return FP_SLOW;
			payload = 40u + bpf_ntohs(plen);
		} else {
			__be16 tot;

			if (bpf_skb_load_bytes_relative(skb, 2, &tot, 2, BPF_HDR_START_NET))
				return FP_SLOW;
			payload = bpf_ntohs(tot);
		}
		if (payload == len)
			mac = 0;
		else if (payload + ETH_HLEN == len)
			mac = ETH_HLEN;
		else
			return FP_SLOW;
		if (inner_parse(skb, mac, len - mac, v6, &in) || in.ip_len != payload)
			return FP_SLOW;
		payload = in.ip_len;
	}
	l3 = mac;

	/* outer TTL, TOS, DF as tx_outer_fields */
	ttl = t->ttl ? t->ttl : in.ttl;
	tos = (fl & FP_TX_TOS_INHERIT) ? in.tos : t->tos;
	{
		__u8 ecn = in.tos & ECN_MASK;

		if (ecn == ECN_CE)
			ecn = ECN_ECT_0;
		tos = (tos & ~ECN_MASK) | ecn;
	}
	if (!ov6)
		df = (fl & FP_TX_PMTUDISC) || (!(fl & FP_TX_IGNORE_DF) && !in.v6 && in.df);

	if (udp) {
		sport = bpf_ntohs(t->encap_sport);
		if (!sport)
			sport = flow_sport(skb, &in, l3, t->flow_seed);
		if (!sport)
			return FP_SLOW;
	}

	/* sizes by arithmetic, not branches: the verifier then follows one
	 * path with a range instead of one per combination of flags */
	iphl = 20 + 20 * ((fl / FP_TX_IPV6) & 1);
	grel = 4 + 4 * ((fl / FP_TX_KEY) & 1);
	hl = iphl + 8 * ((fl / FP_TX_UDP) & 1) + grel;
	outer = hl + payload;
	/* a GSO packet's length fields are rewritten per segment */
	if (outer > 0xffff + (ov6 ? 40 : 0) && !skb->gso_size)
		return FP_SLOW;
	aflags = (ov6 ? BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 : BPF_F_ADJ_ROOM_ENCAP_L3_IPV4) |
		 (udp ? BPF_F_ADJ_ROOM_ENCAP_L4_UDP : BPF_F_ADJ_ROOM_ENCAP_L4_GRE);
	if (tap)
		aflags |= BPF_F_ADJ_ROOM_ENCAP_L2(ETH_HLEN) | BPF_F_ADJ_ROOM_ENCAP_L2_ETH;
	segs = 1;
	if (skb->gso_size) {
		/* the largest segment: inner headers + gso_size */
		__u32 l4 = 0, seg;

		if (in.l4proto == IPPROTO_TCP && !in.frag) {
			__u8 doff;

			if (bpf_skb_load_bytes(skb, l3 + in.l3hlen + 12, &doff, 1))
				return FP_SLOW;
			l4 = (doff >> 4) * 4;
		} else if (in.l4proto == IPPROTO_UDP && !in.frag) {
			l4 = 8;
		} else {
			return FP_SLOW;
		}
		seg = hl + (tap ? ETH_HLEN : 0) + in.l3hlen + l4 + skb->gso_size;
		if (t->mtu && seg > t->mtu)
			return FP_SLOW;
		segs = skb->gso_segs ? skb->gso_segs : 1;
		/* DESIGN.md: FIXED_GSO only when the segments are known to
		 * fit; else the kernel lowers gso_size by the headers */
		if (t->mtu)
			aflags |= BPF_F_ADJ_ROOM_FIXED_GSO;
	} else if (t->mtu && outer > t->mtu) {
		return FP_SLOW;
	}

	/* -EALREADY for a packet that still carries the encapsulation mark
	 * of one gretun_ingress decapsulated (skb->encapsulation; only the
	 * DECAP_L4 flags of newer kernels clear it): gretund's */
	if (tap) {
		if (bpf_skb_load_bytes(skb, 0, buf, ETH_HLEN))
			return FP_SLOW;
		/* room for the outer headers and the inner Ethernet header,
		 * after the current one, which becomes the outer one */
		if (bpf_skb_adjust_room(skb, hl + ETH_HLEN, BPF_ADJ_ROOM_MAC, aflags))
			return FP_SLOW;
		if (bpf_skb_store_bytes(skb, ETH_HLEN + hl, buf, ETH_HLEN, 0))
			return FP_ERROR;
	} else if (mac) {
		if (bpf_skb_adjust_room(skb, hl, BPF_ADJ_ROOM_MAC, aflags))
			return FP_SLOW;
	} else {
		/* insert at offset 0, then the Ethernet header that
		 * bpf_redirect_neigh needs (it drops packets without) */
		if (bpf_skb_adjust_room(skb, hl, BPF_ADJ_ROOM_MAC, aflags))
			return FP_SLOW;
		if (bpf_skb_change_head(skb, ETH_HLEN, 0))
			return FP_ERROR;
	}

	/* Ethernet: addresses zero (filled by the neighbour), outer type */
	__builtin_memset(buf, 0, sizeof(buf));
	buf[12] = ov6 ? 0x86 : 0x08;
	buf[13] = ov6 ? 0xdd : 0x00;
	if (bpf_skb_store_bytes(skb, 0, buf, ETH_HLEN, 0))
		return FP_ERROR;

	if (ov6) {
		struct ip6hdr ip = {};

		ip.vtcfl = bpf_htonl(6u << 28 | (__u32)tos << 20 | flow_label(t));
		ip.plen = outer - 40 > 0xffff ? 0 : bpf_htons(outer - 40);
		ip.nexthdr = udp ? IPPROTO_UDP : IPPROTO_GRE;
		ip.hop = ttl;
		__builtin_memcpy(ip.saddr, t->local, 16);
		__builtin_memcpy(ip.daddr, t->remote, 16);
		if (bpf_skb_store_bytes(skb, ETH_HLEN, &ip, sizeof(ip), 0))
			return FP_ERROR;
	} else {
		struct ip4hdr ip = {};

		ip.vihl = 0x45;
		ip.tos = tos;
		ip.tot_len = outer > 0xffff ? 0 : bpf_htons(outer);
		ip.id = df ? 0 : (__be16)bpf_get_prandom_u32();
		ip.frag_off = df ? bpf_htons(IP4_DF) : 0;
		ip.ttl = ttl;
		ip.proto = udp ? IPPROTO_UDP : IPPROTO_GRE;
		__builtin_memcpy(&ip.saddr, t->local, 4);
		__builtin_memcpy(&ip.daddr, t->remote, 4);
		ip.check = ip4_csum(&ip);
		if (bpf_skb_store_bytes(skb, ETH_HLEN, &ip, sizeof(ip), 0))
			return FP_ERROR;
	}
	if (udp) {
		__be16 u[4];

		u[0] = bpf_htons(sport);
		u[1] = t->encap_dport;
		u[2] = outer - iphl > 0xffff ? 0 : bpf_htons(outer - iphl);
		u[3] = 0;	/* IPv4: zero, as gretund (fou's default) */
		if (bpf_skb_store_bytes(skb, ETH_HLEN + iphl, u, sizeof(u), 0))
			return FP_ERROR;
	}
	{
		__be16 g[2];
		__u32 goff = ETH_HLEN + iphl + (udp ? 8 : 0);

		g[0] = (fl & FP_TX_KEY) ? bpf_htons(GRE_F_KEY) : 0;
		g[1] = tap ? bpf_htons(GRE_PROTO_TEB) : (v6 ? bpf_htons(ETH_P_IPV6) : bpf_htons(ETH_P_IP));
		if (bpf_skb_store_bytes(skb, goff, g, sizeof(g), 0))
			return FP_ERROR;
		if ((fl & FP_TX_KEY) && bpf_skb_store_bytes(skb, goff + 4, &t->okey, 4, 0))
			return FP_ERROR;
	}
	skb->mark = t->fwmark;
	st->tx_packets += segs;
	st->tx_bytes += payload;
	return (int)bpf_redirect_neigh(t->underlay_ifindex, NULL, 0, 0);
}

SEC("tc")
int gretun_egress(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct fp_stats *st;
	struct fp_tx *t;
	int r;

	t = bpf_map_lookup_elem(&fp_tx, &ifindex);
	if (!t)
		return TC_ACT_OK;
	st = stats_get(t->id);
	if (!st)
		return TC_ACT_OK;
	r = egress(skb, t, st);
	if (r == FP_SLOW) {
		st->tx_slow++;
		return TC_ACT_OK;
	}
	if (r != TC_ACT_REDIRECT) {
		st->tx_errors++;
		return TC_ACT_SHOT;
	}
	return TC_ACT_REDIRECT;
}

/* ---- ingress ---- */

/* RFC 6040 decapsulation (pkt_ecn_decap): the new inner TOS, or -1 to drop */
static __always_inline int ecn_decap(__u8 outer, __u8 inner)
{
	__u8 o = outer & ECN_MASK;

	if ((inner & ECN_MASK) == ECN_NOT_ECT)
		return o == ECN_CE ? -1 : inner;
	if (o == ECN_CE)
		return inner | ECN_CE;
	if (o == ECN_ECT_1 && (inner & ECN_MASK) == ECN_ECT_0)
		return (inner & ~ECN_MASK) | ECN_ECT_1;
	return inner;
}

struct rx_outer {
	__u32 hl;		/* outer IP + UDP + GRE */
	__u32 glen;		/* GRE header + payload */
	__u16 proto;		/* GRE protocol, host order */
	__be16 sport;		/* GRE-in-UDP: the UDP source port; else 0 */
	__u8 tos;
	__u8 udp_gso;		/* GRE-in-UDP with gso_size set */
};

/* The outer headers up to the GRE payload, and the fp_rx key. 0 or FP_SLOW. */
static __always_inline int ingress_parse(struct __sk_buff *skb, struct fp_rx_key *k,
					 struct rx_outer *o)
{
	__u32 len = skb->len, l4, l4len;
	__u8 l4proto;
	__be16 g[2];
	__u16 gf;

	__u32 first, net;

	if (len < ETH_HLEN + 20 || skb->pkt_type != PACKET_HOST || skb->vlan_present)
		return FP_SLOW;
	/* an Ethernet underlay: the network header 14 bytes in */
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &first, 4) ||
	    bpf_skb_load_bytes_relative(skb, 0, &net, 4, BPF_HDR_START_NET) || first != net)
		return FP_SLOW;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct ip4hdr ip;

		if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)))
			return FP_SLOW;
		/* no options, no fragments, no padding; a header the kernel
		 * (ip_rcv) would take */
		if (ip.vihl != 0x45 || (bpf_ntohs(ip.frag_off) & IP4_FRAG) ||
		    bpf_ntohs(ip.tot_len) != len - ETH_HLEN || ip4_csum(&ip) != 0)
			return FP_SLOW;
		k->ipv6 = 0;
		__builtin_memcpy(k->local, &ip.daddr, 4);
		__builtin_memcpy(k->remote, &ip.saddr, 4);
		l4proto = ip.proto;
		l4 = ETH_HLEN + 20;
		o->tos = ip.tos;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ip6hdr ip;

		if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)))
			return FP_SLOW;
		if (bpf_ntohl(ip.vtcfl) >> 28 != 6 || 40u + bpf_ntohs(ip.plen) != len - ETH_HLEN ||
		    ip.daddr[0] == 0xff)
			return FP_SLOW;
		k->ipv6 = 1;
		__builtin_memcpy(k->local, ip.daddr, 16);
		__builtin_memcpy(k->remote, ip.saddr, 16);
		l4proto = ip.nexthdr;	/* extension headers: not GRE, slow */
		l4 = ETH_HLEN + 40;
		o->tos = (__u8)(bpf_ntohl(ip.vtcfl) >> 20);
	} else {
		return FP_SLOW;
	}
	l4len = len - l4;
	if (l4proto == IPPROTO_UDP) {
		__be16 u[4];

		if (l4len < 8 || bpf_skb_load_bytes(skb, l4, u, sizeof(u)))
			return FP_SLOW;
		/* its checksum zero (IPv4) or verified by the kernel
		 * already. A GSO packet is either one tunnelled super-packet
		 * (a sender's TSO through a veth: one UDP, GRE and inner
		 * header for all, lengths of the whole; SKB_GSO_UDP_TUNNEL)
		 * or a UDP GRO aggregate of datagrams (a header each, the
		 * first inner packet only one of them): ingress tells them
		 * apart by the inner length and leaves aggregates to gretund */
		if (bpf_ntohs(u[2]) != l4len)
			return FP_SLOW;
		o->udp_gso = skb->gso_size != 0;
		if ((k->ipv6 || u[3]) && bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY) < 0)
			return FP_SLOW;
		k->udp = 1;
		k->udp_dport = u[1];
		o->sport = u[0];
		l4 += 8;
		l4len -= 8;
	} else if (l4proto != IPPROTO_GRE) {
		return FP_SLOW;
	}
	if (l4len < 4 || bpf_skb_load_bytes(skb, l4, g, sizeof(g)))
		return FP_SLOW;
	gf = bpf_ntohs(g[0]);
	if (gf & ~(GRE_F_KEY | GRE_F_SEQ))
		return FP_SLOW;	/* C, routing, RFC 1701 bits, version, reserved */
	o->proto = bpf_ntohs(g[1]);
	o->glen = l4len;
	o->hl = l4 - ETH_HLEN + 4 + ((gf & GRE_F_KEY) ? 4 : 0) + ((gf & GRE_F_SEQ) ? 4 : 0);
	if (gf & GRE_F_KEY) {
		if (l4len < 8 || bpf_skb_load_bytes(skb, l4 + 4, &k->key, 4))
			return FP_SLOW;
		k->has_key = !k->ipv6;
	}
	k->tap = o->proto == GRE_PROTO_TEB;
	return 0;
}

/* Decapsulate into r's device: TC_ACT_REDIRECT, TC_ACT_SHOT (ECN drop,
 * counted), FP_SLOW (untouched) or FP_ERROR. */
static __always_inline int ingress(struct __sk_buff *skb, const struct rx_outer *o,
				   const struct fp_rx *r, struct fp_stats *st)
{
	__u32 ioff = ETH_HLEN + o->hl, ilen, l3, n, segs;
	__u64 aflags = BPF_F_ADJ_ROOM_FIXED_GSO;
	struct inner in = {};
	int tap = r->flags & FP_RX_TAP, v6, tos = -1;
	long ret;

	if (r->flags & FP_RX_SLOW)
		return FP_SLOW;
	/* a learning tunnel's peer from another port: gretund learns it */
	if (r->peer_port && r->peer_port != o->sport)
		return FP_SLOW;
	if (ioff > skb->len)
		return FP_SLOW;
	ilen = skb->len - ioff;
	if (tap) {
		__be16 type;

		if (o->proto != GRE_PROTO_TEB || ilen < ETH_HLEN ||
		    bpf_skb_load_bytes(skb, ioff + 12, &type, sizeof(type)))
			return FP_SLOW;
		l3 = ioff + ETH_HLEN;
		if (type == bpf_htons(ETH_P_IP))
			v6 = 0;
		else if (type == bpf_htons(ETH_P_IPV6))
			v6 = 1;
		else if (type == bpf_htons(0x8100) || type == bpf_htons(0x88a8))
			return FP_SLOW;	/* VLAN: gretund's */
		else
			v6 = -1;	/* not IP: delivered as it is */
		n = o->hl + ETH_HLEN;
	} else {
		if (o->proto == ETH_P_IP)
			v6 = 0;
		else if (o->proto == ETH_P_IPV6)
			v6 = 1;
		else
			return FP_SLOW;	/* protocol 0 (keepalive), others: gretund */
		l3 = ioff;
		n = o->hl;
		aflags |= v6 ? FP_ADJ_ROOM_DECAP_L3_IPV6 : FP_ADJ_ROOM_DECAP_L3_IPV4;
	}
	if (v6 >= 0) {
		if (inner_parse(skb, l3, skb->len - l3, v6, &in))
			return FP_SLOW;	/* gretund drops it (inner) */
		/* a keepalive probe carries a GRE packet inside */
		if (in.l4proto == IPPROTO_GRE)
			return FP_SLOW;
		/* GRE-in-UDP GSO: one inner TCP/UDP packet to the end (a
		 * super-packet), not a UDP GRO aggregate (ingress_parse) */
		if (o->udp_gso && (in.ip_len != skb->len - l3 ||
				   (in.l4proto != IPPROTO_TCP && in.l4proto != IPPROTO_UDP)))
			return FP_SLOW;
		tos = ecn_decap(o->tos, in.tos);
		if (tos < 0) {
			st->rx_ecn_drops++;
			return TC_ACT_SHOT;
		}
	} else if (o->udp_gso) {
		return FP_SLOW;
	}
	/* bpf_skb_adjust_room keeps at least the outer family's base header
	 * length after the network offset: check before changing anything */
	if (skb->len - ETH_HLEN < n + ((skb->protocol == bpf_htons(ETH_P_IPV6)) ? 40 : 20))
		return FP_SLOW;
	segs = skb->gso_segs ? skb->gso_segs : 1;

	if (tap) {
		__u8 eth[ETH_HLEN];

		/* the inner Ethernet header replaces the outer one; then
		 * outer IP, UDP, GRE and the inner header's first copy go */
		if (bpf_skb_load_bytes(skb, ioff, eth, ETH_HLEN))
			return FP_SLOW;
		if (bpf_skb_store_bytes(skb, 0, eth, ETH_HLEN, 0))
			return FP_ERROR;
		if (bpf_skb_adjust_room(skb, -(__s32)n, BPF_ADJ_ROOM_MAC, aflags))
			return FP_ERROR;
		l3 = ETH_HLEN;	/* behind the inner Ethernet header, now first */
	} else {
		int ov6 = skb->protocol == bpf_htons(ETH_P_IPV6);

		ret = bpf_skb_adjust_room(skb, -(__s32)n, BPF_ADJ_ROOM_MAC, aflags);
		/* Linux < 6.3 knows no DECAP_L3 flags (-EINVAL, nothing
		 * done): the protocol then stays the outer one, right when
		 * the families agree. When they differ, bpf_skb_change_proto
		 * sets it, growing (4 to 6) or shrinking (6 to 4) the outer
		 * header by 20 bytes at the network offset, and the rest
		 * goes; not for GSO packets, whose gso_size it would change. */
		if (ret == -ERR_EINVAL && v6 == ov6) {
			ret = bpf_skb_adjust_room(skb, -(__s32)n, BPF_ADJ_ROOM_MAC,
						  BPF_F_ADJ_ROOM_FIXED_GSO);
		} else if (ret == -ERR_EINVAL && !skb->gso_size) {
			if (bpf_skb_change_proto(skb, v6 ? bpf_htons(ETH_P_IPV6) : bpf_htons(ETH_P_IP), 0))
				return FP_SLOW;
			if (bpf_skb_adjust_room(skb, -(__s32)(v6 ? n + 20 : n - 20), BPF_ADJ_ROOM_MAC,
						BPF_F_ADJ_ROOM_FIXED_GSO))
				return FP_ERROR;
			ret = 0;
		}
		if (ret)
			return FP_SLOW;
		l3 = ETH_HLEN;
	}

	if (v6 >= 0 && tos != in.tos) {
		if (!v6) {
			__u16 ow, nw;
			__u8 b0;

			if (bpf_skb_load_bytes(skb, l3, &b0, 1))
				return FP_ERROR;
			ow = bpf_htons((__u16)b0 << 8 | in.tos);
			nw = bpf_htons((__u16)b0 << 8 | (__u8)tos);
			if (bpf_l3_csum_replace(skb, l3 + 10, ow, nw, 2))
				return FP_ERROR;
			b0 = (__u8)tos;
			if (bpf_skb_store_bytes(skb, l3 + 1, &b0, 1, 0))
				return FP_ERROR;
		} else {
			__u8 b[2];

			if (bpf_skb_load_bytes(skb, l3, b, 2))
				return FP_ERROR;
			b[0] = (b[0] & 0xf0) | ((__u8)tos >> 4);
			b[1] = (b[1] & 0x0f) | (__u8)(tos << 4);
			if (bpf_skb_store_bytes(skb, l3, b, 2, BPF_F_RECOMPUTE_CSUM))
				return FP_ERROR;
		}
	}
	st->rx_packets += segs;
	st->rx_bytes += ilen;
	return (int)bpf_redirect(r->tun_ifindex, BPF_F_INGRESS);
}

SEC("tc")
int gretun_ingress(struct __sk_buff *skb)
{
	struct fp_rx_key k = {};
	struct rx_outer o = {};
	struct fp_stats *st;
	struct fp_rx *r;
	int ret;

	if (ingress_parse(skb, &k, &o))
		return TC_ACT_OK;
	r = bpf_map_lookup_elem(&fp_rx, &k);
	if (!r) {
		/* a wildcard-local tunnel: the kernel decides whether the
		 * destination is ours (ip_rcv), so gretund takes it */
		__builtin_memset(k.local, 0, sizeof(k.local));
		r = bpf_map_lookup_elem(&fp_rx, &k);
		if (r) {
			st = stats_get(r->id);
			if (st)
				st->rx_slow++;
		}
		return TC_ACT_OK;
	}
	st = stats_get(r->id);
	if (!st)
		return TC_ACT_OK;
	ret = ingress(skb, &o, r, st);
	if (ret == FP_SLOW) {
		st->rx_slow++;
		return TC_ACT_OK;
	}
	if (ret == FP_ERROR) {
		st->rx_errors++;
		return TC_ACT_SHOT;
	}
	return ret;
}

char _license[] SEC("license") = "GPL";
