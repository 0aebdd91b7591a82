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

/* RFC 1071 Internet checksum helpers. */
uint32_t inet_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t inet_csum_fold(uint32_t sum);

/* Sequence acceptance as the kernel does it: with next==0 anything passes;
 * otherwise seq must not be before next (serial arithmetic). Updates *next. */
bool gre_seq_accept(uint32_t *next, uint32_t seq);

#endif
