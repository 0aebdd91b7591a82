// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the GRE receive path on untrusted bytes. Byte 0 picks
 * the parse flags and the outer TOS; the rest is a GRE packet. Whatever
 * parses goes on through pkt_inner_parse, the ECN decapsulation on a
 * writable copy, the ICMP builders and the flow hash, as gretund would.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "gre.h"
#include "pkt.h"
#include "tunnel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t protos[] = { GRE_PROTO_IPV4, GRE_PROTO_IPV6, GRE_PROTO_TEB };
	uint8_t icmp[PKT_ICMP6_MAX_LEN], hdr[GRE_HLEN_MAX];
	struct gre_hdr h, h2;
	struct in_addr s4 = { 0 };
	struct in6_addr s6 = IN6ADDR_LOOPBACK_INIT;
	const uint8_t *pkt, *inner;
	uint8_t sel, *copy;
	size_t len, ilen, i;

	if (size < 1)
		return 0;
	sel = data[0];
	pkt = data + 1;
	len = size - 1;
	if (gre_header_parse_ex(pkt, len, sel & 3, &h) != GRE_OK)
		return 0;
	if (h.hlen > len || h.hlen > GRE_HLEN_MAX)
		abort();
	(void)gre_key_match(&h, sel >> 5, 42);
	(void)gre_flags_check(&h, sel >> 5);

	/* what we would send with these options parses back the same */
	if (gre_header_build(hdr, sizeof(hdr), gre_header_opts(&h), h.proto, h.key, h.seq, 0) != h.hlen)
		abort();
	if (gre_header_parse(hdr, h.hlen, &h2) != GRE_OK || h2.key != h.key || h2.seq != h.seq ||
	    h2.proto != h.proto)
		abort();

	inner = pkt + h.hlen;
	ilen = len - h.hlen;
	copy = malloc(ilen ? ilen : 1);
	if (!copy)
		return 0;
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		struct pkt_inner in;
		int rc;

		(void)pkt_flow_sport(inner, ilen, protos[i], sel);
		if (pkt_inner_parse(inner, ilen, protos[i], &in) < 0)
			continue;
		if (in.l3_off > ilen || (in.family && in.l3_off + in.ip_len > ilen))
			abort();
		memcpy(copy, inner, ilen);
		rc = pkt_inner_ecn_decap(copy, ilen, &in, sel);
		if (rc < PKT_ECN_OK || rc > PKT_ECN_LOG)
			abort();
		if (in.family == AF_INET) {
			size_t n = pkt_icmp4_frag_needed(icmp, sizeof(icmp), copy + in.l3_off,
							 ilen - in.l3_off, 1400, s4);

			if (n > PKT_ICMP4_MAX_LEN)
				abort();
			n = pkt_icmp4_port_unreach(icmp, sizeof(icmp), copy + in.l3_off,
						   ilen - in.l3_off, s4);
			if (n && inet_csum_fold(inet_csum_add(0, icmp, 20)) != 0)
				abort();
		} else if (in.family == AF_INET6) {
			size_t n = pkt_icmp6_packet_too_big(icmp, sizeof(icmp), copy + in.l3_off,
							    ilen - in.l3_off, 1280, &s6);

			if (n > PKT_ICMP6_MAX_LEN)
				abort();
			(void)pkt_icmp6_port_unreach(icmp, sizeof(icmp), copy + in.l3_off,
						     ilen - in.l3_off, &s6);
		}
	}
	free(copy);
	return 0;
}
