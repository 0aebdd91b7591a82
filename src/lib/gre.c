// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The GRE codec. "Wire-compatible" means compatible with Linux ip_gre /
 * ip6_gre, so where Linux and the RFCs disagree this code does what Linux
 * does. Read from net/ipv4/gre_demux.c (gre_rcv, gre_parse_header),
 * net/ipv4/ip_gre.c (gre_rcv, ipgre_rcv, __gre_xmit), net/ipv4/ip_tunnel.c
 * (ip_tunnel_lookup, ip_tunnel_rcv, ip_tunnel_xmit, tnl_update_pmtu),
 * net/ipv6/ip6_gre.c, include/net/gre.h (gre_build_header) and
 * include/net/inet_ecn.h. The differences, also listed in gretund(8):
 *
 *  1. Reserved bits. RFC 2784 2.3 says a receiver MUST discard a packet with
 *     any of bits 1-5 set (unless it implements RFC 1701) or bits 6-12 set.
 *     Linux drops only on the routing bit (bit 1) and a non-zero version;
 *     strict source route (bit 4), recursion control (bits 5-7) and the ACK
 *     bit are ignored and the packet is accepted. Bits 9-12 are dropped by
 *     IPv4 ip_gre (it masks them with the version) and ignored by ip6_gre;
 *     gretund applies that per family (found by tests/vm/test_diff.sh). K
 *     and S (bits 2,3) are RFC 2890 options.
 *  2. Version. Linux's demux sends version 1 to PPTP and drops 2..7; ip_gre
 *     drops any non-zero version. No ICMP is sent.
 *  3. Minimum length. Linux IPv4 (gre_demux.c gre_rcv) drops GRE packets
 *     shorter than 12 bytes (header + payload) before looking at them, even
 *     a valid 4-byte header with 7 bytes of payload. ip6_gre has no such
 *     minimum. See GRE_PARSE_IPV4.
 *  4. Checksum. It covers GRE header and payload (as RFC 2784 says) and is
 *     verified before the tunnel lookup, even on a tunnel without "icsum".
 *     A bad checksum is a silent drop (no ICMP).
 *  5. Checksum presence. RFC 2784 makes the checksum a per-packet option;
 *     Linux drops a packet whose C bit differs from the tunnel's "icsum", in
 *     either direction (rx_crc_errors).
 *  6. Key. Key presence and value must equal the tunnel's "ikey"; a keyed
 *     packet never matches a keyless tunnel nor the other way round. A packet
 *     matching no tunnel (wrong key, key presence, unknown source, or IP on
 *     a gretap tunnel, looked up in the other table) is answered with ICMP
 *     port unreachable (IPv4) / ICMPv6 port unreachable (IPv6) quoting the
 *     outer packet. 0x6558 on a gre tunnel is dropped silently. This is the
 *     only GRE drop that makes Linux send anything.
 *  7. Sequence numbers (RFC 2890 2.2 lets a receiver buffer and reorder;
 *     Linux never does). With "iseq" a packet without S is dropped; a packet
 *     is accepted when next == 0 or (s32)(seq - next) >= 0, and then
 *     next = seq + 1. So duplicates and late packets are dropped, any forward
 *     jump (up to 2^31 - 1) is accepted, next == 0 (fresh tunnel, or after
 *     seq 0xffffffff was accepted) accepts anything. Without "iseq" a packet
 *     with S is accepted and the number ignored (presence is not symmetric,
 *     unlike the checksum).
 *  8. Sending sequence numbers. Current Linux (atomic o_seqno) sends 0 as the
 *     first number; kernels before that sent 1 first. Either is accepted by a
 *     fresh Linux receiver (next == 0).
 *  9. WCCP. A packet with all 16 flag bits zero and protocol 0x883e is taken
 *     by Linux as IPv4 (IPv6 on ip6_gre), skipping a 4-byte WCCPv2 header
 *     when the payload does not start with 0x4_. Not implemented here: the
 *     protocol stays 0x883e and gretund drops it (GRE_DROP_PROTO).
 * 10. ERSPAN (0x88be, 0x22eb) goes to erspan devices in Linux; not a GRE
 *     tunnel's business here either.
 * 11. Unknown protocol types on a gre (L3) tunnel are passed up by Linux with
 *     that ethertype (e.g. MPLS); a TUN device without packet information
 *     can carry only IPv4/IPv6, so gretund drops them (GRE_DROP_PROTO).
 * 12. Inner packet. Linux only checks that 20 (IPv4) / 40 (IPv6) bytes of the
 *     inner header exist (pskb_inet_may_pull) and 14 bytes for gretap; the
 *     IP layer then drops malformed packets. pkt_inner_parse validates more,
 *     with the same result for the sender (a silent drop).
 * 13. ECN on decapsulation (RFC 6040 4.2, Linux __INET_ECN_decapsulate):
 *     outer CE + inner Not-ECT is dropped; outer ECT(0)/ECT(1) + inner
 *     Not-ECT is accepted and logged; outer CE sets inner CE; outer ECT(1)
 *     turns inner ECT(0) into ECT(1). RFC 6040 also asks to log inner CE
 *     with outer ECT(1); Linux does not.
 * 14. ECN on encapsulation: Linux uses RFC 3168 "full functionality"
 *     (INET_ECN_encapsulate): the inner ECN field is copied, except inner CE
 *     gives outer ECT(0). RFC 6040 normal mode would copy CE. The ECN bits are
 *     derived from the inner packet even with a fixed "tos"; only the DSCP is
 *     fixed. TOS inherit takes the whole inner TOS / traffic class.
 * 15. PMTU. With "ttl" set Linux forces DF on the outer header (pmtudisc).
 *     ICMP frag-needed (inner IPv4 with DF) carries mtu = path MTU - outer IP
 *     - GRE (- 14 for gretap). ICMPv6 packet-too-big is sent only if that MTU
 *     is >= 1280; otherwise the packet goes out and is fragmented outside.
 * 16. ICMP errors generated by Linux: IPv4 total length <= 576, TOS =
 *     (orig TOS & 0x1e) | 0xc0, TTL 64, no DF; never for non-first fragments,
 *     ICMP errors, broadcast/multicast destinations. ICMPv6: <= 1280 bytes,
 *     never for ICMPv6 errors or an unspecified/multicast source, never to a
 *     multicast destination except packet-too-big; unlike IPv4, Linux does
 *     answer non-first IPv6 fragments (RFC 4443 has no such rule).
 */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "gre.h"
#include "tunnel.h"

static const char *const drop_names[GRE_DROP_MAX_] = {
	[GRE_OK] = "ok",
	[GRE_DROP_TRUNCATED] = "truncated",
	[GRE_DROP_VERSION] = "version",
	[GRE_DROP_ROUTING] = "routing",
	[GRE_DROP_PROTO] = "proto",
	[GRE_DROP_CSUM] = "csum",
	[GRE_DROP_FLAGS] = "flags",
	[GRE_DROP_KEY] = "key",
	[GRE_DROP_SEQ] = "seq",
	[GRE_DROP_SOURCE] = "source",
	[GRE_DROP_INNER] = "inner",
	[GRE_DROP_OVERSIZE] = "oversize",
	[GRE_DROP_ECN] = "ecn",
};

const char *gre_drop_name(enum gre_drop d)
{
	if ((unsigned int)d >= GRE_DROP_MAX_ || !drop_names[d])
		return "unknown";
	return drop_names[d];
}

size_t gre_header_len(unsigned int opts)
{
	size_t len = 4;

	if (opts & GRE_OPT_CSUM)
		len += 4;
	if (opts & GRE_OPT_KEY)
		len += 4;
	if (opts & GRE_OPT_SEQ)
		len += 4;
	return len;
}

unsigned int gre_header_opts(const struct gre_hdr *h)
{
	return (h->has_csum ? GRE_OPT_CSUM : 0) | (h->has_key ? GRE_OPT_KEY : 0) |
	       (h->has_seq ? GRE_OPT_SEQ : 0);
}

enum gre_drop gre_header_parse_ex(const uint8_t *pkt, size_t len, unsigned int flags,
				  struct gre_hdr *out)
{
	size_t off;

	memset(out, 0, sizeof(*out));
	if ((flags & GRE_PARSE_IPV4) && !(flags & GRE_PARSE_QUOTED) && len < GRE_IPV4_MIN_LEN)
		return GRE_DROP_TRUNCATED;
	if (len < 4)
		return GRE_DROP_TRUNCATED;

	out->flags = get16(pkt);
	out->proto = get16(pkt + 2);
	if (out->flags & GRE_F_VERSION)
		return GRE_DROP_VERSION;
	if (out->flags & GRE_F_ROUTING)
		return GRE_DROP_ROUTING;

	out->has_csum = out->flags & GRE_F_CSUM;
	out->has_key = out->flags & GRE_F_KEY;
	out->has_seq = out->flags & GRE_F_SEQ;
	out->hlen = gre_header_len(gre_header_opts(out));
	if (len < out->hlen)
		return GRE_DROP_TRUNCATED;

	off = 4;
	if (out->has_csum) {
		if (!(flags & GRE_PARSE_QUOTED)) {
			out->csum_ok = inet_csum_fold(inet_csum_add(0, pkt, len)) == 0;
			if (!out->csum_ok)
				return GRE_DROP_CSUM;
		}
		off += 4;
	}
	if (out->has_key) {
		out->key = get32(pkt + off);
		off += 4;
	}
	if (out->has_seq)
		out->seq = get32(pkt + off);
	return GRE_OK;
}

enum gre_drop gre_header_parse(const uint8_t *pkt, size_t len, struct gre_hdr *out)
{
	return gre_header_parse_ex(pkt, len, 0, out);
}

size_t gre_header_build(uint8_t *buf, size_t room, unsigned int opts, uint16_t proto,
			uint32_t key, uint32_t seq, size_t payload_len)
{
	size_t hlen = gre_header_len(opts);
	uint16_t flags = 0;
	size_t off = 4;

	if (room < hlen || payload_len > room - hlen)
		return 0;
	if (opts & GRE_OPT_CSUM)
		flags |= GRE_F_CSUM;
	if (opts & GRE_OPT_KEY)
		flags |= GRE_F_KEY;
	if (opts & GRE_OPT_SEQ)
		flags |= GRE_F_SEQ;
	put16(buf, flags);
	put16(buf + 2, proto);
	if (opts & GRE_OPT_CSUM) {
		memset(buf + off, 0, 4);	/* checksum and reserved1 */
		off += 4;
	}
	if (opts & GRE_OPT_KEY) {
		put32(buf + off, key);
		off += 4;
	}
	if (opts & GRE_OPT_SEQ)
		put32(buf + off, seq);
	if (opts & GRE_OPT_CSUM)
		put16(buf + 4, inet_csum_fold(inet_csum_add(0, buf, hlen + payload_len)));
	return hlen;
}

bool gre_key_match(const struct gre_hdr *h, unsigned int iflags, uint32_t ikey)
{
	if (!h->has_key)
		return !(iflags & GRE_OPT_KEY);
	return (iflags & GRE_OPT_KEY) && h->key == ikey;
}

enum gre_drop gre_flags_check(const struct gre_hdr *h, unsigned int iflags)
{
	if (h->has_csum != !!(iflags & GRE_OPT_CSUM))
		return GRE_DROP_FLAGS;
	if ((iflags & GRE_OPT_SEQ) && !h->has_seq)
		return GRE_DROP_FLAGS;
	return GRE_OK;
}

bool gre_seq_accept(uint32_t *next, uint32_t seq)
{
	if (*next && (int32_t)(seq - *next) < 0)
		return false;
	*next = seq + 1;
	return true;
}
