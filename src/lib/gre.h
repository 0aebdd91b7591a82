/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The GRE codec (RFC 2784, RFC 2890): pure code, bytes in, a struct and a
 * drop reason out. No I/O, no allocation; a length check before every read.
 */
#ifndef GRETUN_GRE_H
#define GRETUN_GRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csum.h"

#define GRE_PROTO_IPV4	0x0800
#define GRE_PROTO_IPV6	0x86dd
#define GRE_PROTO_TEB	0x6558	/* transparent Ethernet bridging (gretap) */
#define GRE_HLEN_MAX	16

/* Drop reasons, counted per tunnel and shown by name in `show`. The names
 * (gre_drop_name) are part of the JSON output: only ever add. */
enum gre_drop {
	GRE_OK = 0,
	GRE_DROP_TRUNCATED,	/* shorter than its header says */
	GRE_DROP_VERSION,	/* version != 0 */
	GRE_DROP_ROUTING,	/* routing bit (RFC 1701) */
	GRE_DROP_PROTO,		/* protocol type not for this tunnel's mode */
	GRE_DROP_CSUM,		/* checksum present and wrong */
	GRE_DROP_FLAGS,		/* checksum/sequence presence differs from config */
	GRE_DROP_KEY,		/* key presence or value matches no tunnel */
	GRE_DROP_SEQ,		/* out of order (late or duplicate) */
	GRE_DROP_SOURCE,	/* outer source is not the configured remote */
	GRE_DROP_INNER,		/* inner packet malformed (bad IP header/length) */
	GRE_DROP_OVERSIZE,	/* larger than the tunnel device can take */
	GRE_DROP_ECN,		/* outer CE with a Not-ECT inner (RFC 6040) */
	GRE_DROP_MAX_
};

const char *gre_drop_name(enum gre_drop d);	/* "truncated", "version", ... */

struct gre_hdr {
	uint16_t flags;		/* raw first 16 bits, host order */
	uint16_t proto;		/* host order */
	bool has_csum, has_key, has_seq;
	bool csum_ok;		/* meaningful when has_csum */
	uint32_t key;		/* host order */
	uint32_t seq;		/* host order */
	size_t hlen;		/* header length in bytes */
};

/*
 * Parse the GRE header at pkt[0..len). Checks what the header alone can tell:
 * truncation, version, routing bit; verifies the checksum over the whole
 * GRE packet (header + payload) when C is set. Returns GRE_OK or a reason.
 */
enum gre_drop gre_header_parse(const uint8_t *pkt, size_t len, struct gre_hdr *out);

/* Header length for these options (GRE_OPT_* from tunnel.h). */
size_t gre_header_len(unsigned int opts);

/*
 * Write a GRE header with opts (GRE_OPT_*) in front of payload which starts at
 * buf + gre_header_len(opts) and is payload_len bytes; with GRE_OPT_CSUM the
 * checksum covers header and payload. Reserved bits are sent as zero.
 * Returns the header length, or 0 if room is too small.
 */
size_t gre_header_build(uint8_t *buf, size_t room, unsigned int opts, uint16_t proto,
			uint32_t key, uint32_t seq, size_t payload_len);

/* Sequence acceptance as the kernel does it: with next==0 anything passes;
 * otherwise seq must not be before next (serial arithmetic). Updates *next. */
bool gre_seq_accept(uint32_t *next, uint32_t seq);

/* ---- Extensions (everything below was added after the first interface) ---- */

/* Raw flag bits of the first 16 bits of the header, host order. */
#define GRE_F_CSUM	0x8000
#define GRE_F_ROUTING	0x4000
#define GRE_F_KEY	0x2000
#define GRE_F_SEQ	0x1000
#define GRE_F_STRICT	0x0800	/* RFC 1701 strict source route: ignored by Linux */
#define GRE_F_REC	0x0700	/* RFC 1701 recursion control: ignored by Linux */
#define GRE_F_ACK	0x0080	/* RFC 2637 (PPTP, version 1) */
#define GRE_F_RESERVED	0x0078	/* reserved0 bits 9-12: ignored by Linux */
#define GRE_F_VERSION	0x0007

#define GRE_PROTO_WCCP		0x883e	/* Linux decodes as IPv4 when flags == 0 */
#define GRE_PROTO_ERSPAN	0x88be
#define GRE_PROTO_ERSPAN2	0x22eb

/* Linux's IPv4 GRE receive (gre_demux.c gre_rcv) drops any GRE packet
 * (header + payload) shorter than this, whatever its header length.
 * ip6_gre has no such minimum. */
#define GRE_IPV4_MIN_LEN	12

/* gre_header_parse_ex flags */
enum {
	GRE_PARSE_IPV4 = 1u << 0,	/* apply GRE_IPV4_MIN_LEN (IPv4 underlay) */
	GRE_PARSE_QUOTED = 1u << 1,	/* header quoted in an ICMP error: payload
					 * is cut, so a checksum is not verified
					 * (csum_ok = false) and no minimum applies */
};

/*
 * gre_header_parse with options. gre_header_parse(p, l, o) is
 * gre_header_parse_ex(p, l, 0, o). Check order is the kernel's: minimum
 * length, version, routing bit, option length, checksum. *out is filled
 * as far as parsed; on GRE_OK every field is valid.
 */
enum gre_drop gre_header_parse_ex(const uint8_t *pkt, size_t len, unsigned int flags,
				  struct gre_hdr *out);

/* GRE_OPT_* present in a parsed header. */
unsigned int gre_header_opts(const struct gre_hdr *h);

/*
 * Does the packet belong to a tunnel whose input options are iflags
 * (GRE_OPT_*) and input key ikey? Linux (ip_tunnel_key_match) requires the
 * key's presence to equal the tunnel's "ikey" setting, and its value to match.
 * A miss means "no tunnel": Linux answers ICMP port unreachable
 * (pkt_icmp4_port_unreach / pkt_icmp6_port_unreach), unlike every other drop.
 */
bool gre_key_match(const struct gre_hdr *h, unsigned int iflags, uint32_t ikey);

/*
 * After the tunnel is found (ip_tunnel_rcv): checksum presence must equal
 * the tunnel's "icsum" (either way), and with "iseq" the packet must carry
 * a sequence number. A sequence number on a tunnel without "iseq" is
 * accepted and ignored (Linux). Returns GRE_OK or GRE_DROP_FLAGS. The
 * sequence value itself is checked with gre_seq_accept afterwards.
 */
enum gre_drop gre_flags_check(const struct gre_hdr *h, unsigned int iflags);

#endif
