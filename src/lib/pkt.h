/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure helpers for the userspace data plane: look at the inner packet, do
 * ECN on encapsulation/decapsulation as Linux does, build the ICMP errors
 * Linux would send, pick a GRE-in-UDP source port. Bytes in, bytes out; no
 * I/O, no allocation, a length check before every read. Multi-byte values in
 * the API are host order unless they are addresses (struct in_addr/in6_addr,
 * network order as usual).
 */
#ifndef GRETUN_PKT_H
#define GRETUN_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define PKT_ETH_HLEN		14
#define PKT_VLAN_HLEN		4
#define PKT_IP4_HLEN		20
#define PKT_IP6_HLEN		40
#define PKT_ICMP_HLEN		8
#define PKT_ICMP4_MAX_LEN	576	/* Linux icmp_send: whole error <= 576 */
#define PKT_ICMP6_MAX_LEN	1280	/* IPV6_MIN_MTU */
#define PKT_ICMP_TTL		64	/* net.ipv4.ip_default_ttl / hop_limit default */

#define PKT_ETHERTYPE_VLAN	0x8100
#define PKT_ETHERTYPE_QINQ	0x88a8

/* ECN codepoints (the low two bits of TOS / traffic class). */
enum {
	PKT_ECN_NOT_ECT = 0,
	PKT_ECN_ECT_1 = 1,
	PKT_ECN_ECT_0 = 2,
	PKT_ECN_CE = 3,
	PKT_ECN_MASK = 3,
};

/* pkt_ecn_decap verdicts */
enum {
	PKT_ECN_OK = 0,		/* forward (inner possibly rewritten) */
	PKT_ECN_DROP = 1,	/* outer CE, inner Not-ECT: drop (count as "inner") */
	PKT_ECN_LOG = 2,	/* outer ECT, inner Not-ECT: forward unchanged, but
				 * Linux logs "non-ECT from ADDR with TOS=..." */
};

struct pkt_inner {
	int family;		/* AF_INET, AF_INET6, or 0 for a non-IP Ethernet frame */
	size_t l3_off;		/* offset of the IP header: 0, 14, or 18 with one VLAN tag */
	uint16_t ethertype;	/* proto for TUN; for TAP the (post-VLAN) ethertype */
	bool has_vlan;
	uint16_t vlan_tci;
	size_t l3_hlen;		/* IPv4 IHL * 4; 40 for IPv6 (extension headers not counted) */
	size_t ip_len;		/* IPv4 total length; IPv6 40 + payload length */
	uint8_t ttl;		/* TTL / hop limit */
	uint8_t tos;		/* TOS / traffic class: DSCP << 2 | ECN */
	bool df;		/* IPv4 DF bit (false for IPv6) */
	uint8_t l4proto;	/* IPv4 protocol / IPv6 first next header */
	bool frag;		/* IPv4: MF set or offset != 0 */
	bool frag_later;	/* IPv4: fragment offset != 0 (not the first fragment) */
	struct in6_addr src, dst;	/* IPv4 in the first 4 bytes */
};

/*
 * Inspect the inner packet p[0..len) carried with GRE protocol type proto
 * (0x0800 IPv4, 0x86dd IPv6, 0x6558 Ethernet, at most one 802.1Q/802.1ad tag).
 * Validates: IPv4 version, IHL >= 5, IHL*4 <= total length <= len; IPv6
 * version, 40 + payload length <= len; for IPv4/IPv6 proto the IP version
 * must match it. Trailing bytes beyond ip_len are allowed (Ethernet padding).
 * A non-IP Ethernet frame is valid with family 0. Returns 0, -EINVAL when
 * malformed or truncated, -EPROTONOSUPPORT for another proto.
 */
int pkt_inner_parse(const uint8_t *p, size_t len, uint16_t proto, struct pkt_inner *out);

/* ---- ECN (RFC 6040, as include/net/inet_ecn.h does it) ---- */

/*
 * Outer TOS/traffic class for encapsulation: DSCP bits from outer_tos,
 * ECN copied from inner_dsfield, except inner CE gives ECT(0) (Linux
 * INET_ECN_encapsulate, RFC 3168 full functionality). Pass inner_dsfield 0
 * for non-IP payloads.
 */
uint8_t pkt_ecn_encap(uint8_t outer_tos, uint8_t inner_dsfield);

/*
 * Decapsulation table (Linux __INET_ECN_decapsulate + INET_ECN_decapsulate):
 *   inner Not-ECT: outer Not-ECT ok, outer ECT(0)/ECT(1) PKT_ECN_LOG,
 *                  outer CE PKT_ECN_DROP;
 *   otherwise: outer CE sets inner CE; outer ECT(1) turns inner ECT(0) into
 *              ECT(1); else unchanged.
 * *inner_tos_inout is updated to the inner TOS to forward (DSCP kept).
 */
int pkt_ecn_decap(uint8_t outer_tos, uint8_t *inner_tos_inout);

/* Rewrite the TOS of the IPv4 header at iph (>= 20 bytes), updating its
 * header checksum incrementally (RFC 1624). */
void pkt_ip4_set_dsfield(uint8_t *iph, uint8_t tos);
/* Rewrite the traffic class of the IPv6 header at ip6h (>= 40 bytes). */
void pkt_ip6_set_dsfield(uint8_t *ip6h, uint8_t tclass);
/* Set CE in place (Linux IP_ECN_set_ce / IP6_ECN_set_ce: only when the
 * packet is ECT; returns 1 if now CE, 0 if Not-ECT and left alone). */
int pkt_ip4_set_ce(uint8_t *iph);
int pkt_ip6_set_ce(uint8_t *ip6h);

/*
 * The whole receive-side ECN step on a parsed inner packet p (writable):
 * pkt_ecn_decap with the outer TOS/traffic class, then the rewrite in place.
 * Non-IP frames are left alone (PKT_ECN_OK). Returns a PKT_ECN_* verdict.
 */
int pkt_inner_ecn_decap(uint8_t *p, size_t len, const struct pkt_inner *in, uint8_t outer_tos);

/* ---- checksums ---- */

/* Header checksum over the IPv4 header iph[0..hlen) as stored (zero the
 * field first when computing; 0 means valid when verifying). */
uint16_t pkt_ip4_csum(const uint8_t *iph, size_t hlen);
/* Compute and store the IPv4 header checksum of iph (IHL from the header). */
void pkt_ip4_csum_set(uint8_t *iph);
/* Unfolded pseudo-header sums, to chain with inet_csum_add/inet_csum_fold
 * (gre.h) over the upper-layer header and data. */
uint32_t pkt_ip4_pseudo_sum(struct in_addr src, struct in_addr dst, uint8_t proto,
			    uint16_t len);
uint32_t pkt_ip6_pseudo_sum(const struct in6_addr *src, const struct in6_addr *dst,
			    uint32_t len, uint8_t nexthdr);

/* ---- ICMP errors (what Linux would send) ---- */

/*
 * May an ICMP error be sent about the IPv4 packet orig[0..len)? No when it
 * is malformed, a non-first fragment, an ICMP error (or unknown ICMP type,
 * or its type unreadable), from a source that is 0, broadcast, multicast,
 * loopback or class E, or to a broadcast/multicast destination
 * (RFC 1122 3.2.2, RFC 1812 4.3.2.7, Linux __icmp_send).
 */
bool pkt_icmp4_may_answer(const uint8_t *orig, size_t len);
/*
 * Same for IPv6 and ICMPv6 type icmp6_type (RFC 4443 2.4(e), Linux
 * icmp6_send): no for an ICMPv6 error (or unreadable ICMPv6 type), an
 * unspecified or multicast source, a multicast destination unless the error
 * is packet-too-big (2). Non-first fragments are answered, as Linux does.
 */
bool pkt_icmp6_may_answer(const uint8_t *orig, size_t len, uint8_t icmp6_type);

/*
 * Build, in buf[0..room), a full IPv4 packet carrying ICMP type/code with the
 * 32-bit rest-of-header word info, from src to the sender of orig, quoting
 * as much of orig (cut to its IPv4 total length) as fits in 576 bytes. The
 * IPv4 header has TOS (orig & 0x1e) | 0xc0, TTL 64, no DF, ID 0 (a raw
 * IP_HDRINCL socket fills the ID in) and a valid checksum. Returns the
 * packet length, or 0 when pkt_icmp4_may_answer says no or room is short.
 */
size_t pkt_icmp4_error(uint8_t *buf, size_t room, const uint8_t *orig, size_t orig_len,
		       uint8_t type, uint8_t code, uint32_t info, struct in_addr src);
/* Fragmentation needed (type 3 code 4) with next-hop MTU (RFC 1191). */
size_t pkt_icmp4_frag_needed(uint8_t *buf, size_t room, const uint8_t *orig, size_t orig_len,
			     uint16_t next_hop_mtu, struct in_addr src);
/* Port unreachable (type 3 code 3): Linux's answer to a GRE packet that
 * matches no tunnel; orig is the whole outer IPv4 packet. */
size_t pkt_icmp4_port_unreach(uint8_t *buf, size_t room, const uint8_t *orig, size_t orig_len,
			      struct in_addr src);

/* IPv6 counterparts: full IPv6 packet, hop limit 64, traffic class 0,
 * quoting orig (cut to 40 + payload length) up to 1280 bytes in all, ICMPv6
 * checksum over the pseudo-header. Return length or 0 (see above). */
size_t pkt_icmp6_error(uint8_t *buf, size_t room, const uint8_t *orig, size_t orig_len,
		       uint8_t type, uint8_t code, uint32_t info, const struct in6_addr *src);
/* Packet too big (type 2) with the MTU. */
size_t pkt_icmp6_packet_too_big(uint8_t *buf, size_t room, const uint8_t *orig,
				size_t orig_len, uint32_t mtu, const struct in6_addr *src);
/* Destination unreachable, port unreachable (type 1 code 4): ip6_gre's
 * answer to a GRE packet that matches no tunnel. */
size_t pkt_icmp6_port_unreach(uint8_t *buf, size_t room, const uint8_t *orig, size_t orig_len,
			      const struct in6_addr *src);

/* ---- GRE-in-UDP source port ---- */

#define PKT_SPORT_MIN_DEFAULT	32768	/* net.ipv4.ip_local_port_range */
#define PKT_SPORT_MAX_DEFAULT	60999

/*
 * Flow hash of the inner packet (addresses, protocol, TCP/UDP/SCTP/DCCP/
 * UDP-Lite ports of unfragmented packets; MAC addresses for non-IP
 * Ethernet), keyed by seed; never 0. Same flow, same seed: same hash.
 * Malformed packets hash the seed alone, like Linux's per-boot fallback.
 */
uint32_t pkt_flow_hash(const uint8_t *inner, size_t len, uint16_t proto, uint32_t seed);

/*
 * Source port as Linux udp_flow_src_port: hash ^= hash << 16, then
 * ((u64)hash * (max - min) >> 32) + min, so the result is in [min, max - 1]
 * (max itself is never used, as in Linux). When min >= max the default
 * ip_local_port_range 32768-60999 is used, as Linux does for fou (which
 * passes 0, 0).
 */
uint16_t pkt_flow_sport_range(const uint8_t *inner, size_t len, uint16_t proto, uint32_t seed,
			      int min, int max);
uint16_t pkt_flow_sport(const uint8_t *inner, size_t len, uint16_t proto, uint32_t seed);

#endif
