/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TUN offloads done in userspace, pure: the virtio-net header a TUN fd with
 * IFF_VNET_HDR puts in front of every packet, checksum completion, TCP
 * segmentation (TSO, what the kernel hands us as one large packet) and TCP
 * and UDP coalescing (GRO, what we hand the kernel as one large packet,
 * TSO or USO for it to split again). Bytes in,
 * bytes out, no I/O, no allocation, a length check before every read.
 * IP packets only (TUN, no Ethernet header).
 */
#ifndef GRETUN_GRETUND_OFFLOAD_H
#define GRETUN_GRETUND_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OFF_VNET_HLEN		10	/* struct virtio_net_hdr */
#define OFF_VNET_F_NEEDS_CSUM	1
#define OFF_VNET_F_DATA_VALID	2
#define OFF_GSO_NONE		0
#define OFF_GSO_TCPV4		1
#define OFF_GSO_UDP		3
#define OFF_GSO_TCPV6		4
#define OFF_GSO_UDP_L4		5
#define OFF_GSO_ECN		0x80
#define OFF_MAX_SEGS		256	/* more is refused as malformed */

struct off_vnet {
	uint8_t flags;
	uint8_t gso_type;	/* OFF_GSO_* without OFF_GSO_ECN */
	bool gso_ecn;
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
};

/* Parse / build the 10-byte header (little endian, as TUN uses by default). */
int off_vnet_parse(const uint8_t *b, size_t len, struct off_vnet *h);
void off_vnet_build(uint8_t *b, const struct off_vnet *h);

/*
 * Complete a checksum the kernel left partial (OFF_VNET_F_NEEDS_CSUM): the
 * sum from csum_start to the end, stored at csum_start + csum_offset.
 * 0 or -EINVAL.
 */
int off_csum_complete(uint8_t *pkt, size_t len, const struct off_vnet *h);

/*
 * A GSO packet whose header gives no checksum start (not CHECKSUM_PARTIAL:
 * the kernel sets it for its own GSO packets, but do not rely on it): take
 * the L4 offset from the IP header (IPv4 IHL, IPv6 40). 0 or -EINVAL.
 */
int off_gso_fixup(const uint8_t *pkt, size_t len, struct off_vnet *h);
/*
 * TSO/USO: the number of segments pkt[0..len) (an IPv4/IPv6 TCP or UDP
 * packet, gso as h says) splits into, or -EINVAL when the headers do not
 * agree with h or the packet is malformed. *hlen gets the length of the
 * headers copied in front of every segment.
 */
int off_gso_count(const uint8_t *pkt, size_t len, const struct off_vnet *h, size_t *hlen);
/*
 * Write segment idx (0-based, < count) to out[0..room): headers with
 * lengths, IPv4 id (+idx) and header checksum, TCP sequence number and
 * flags (FIN/PSH only on the last, CWR only on the first), UDP length, and
 * the full L4 checksum. Returns the segment length or 0 if room is short.
 */
size_t off_gso_segment(const uint8_t *pkt, size_t len, const struct off_vnet *h, size_t hlen,
		       unsigned int idx, uint8_t *out, size_t room);

/* ---- GRO: coalescing received TCP segments ---- */

struct off_tcp {
	int family;		/* AF_INET or AF_INET6 */
	uint16_t iphlen, tcphlen;
	uint32_t plen;		/* TCP payload bytes */
	uint32_t seq, ack;
	uint8_t flags;		/* TCP flags byte */
	uint16_t win;
};

/*
 * Is pkt[0..len) a TCP segment GRO may take (IPv4 without options or
 * fragmentation, IPv6 with TCP right after the fixed header, no SYN, RST,
 * URG, FIN, CWR/ECE, a valid TCP checksum, a payload)? Fills t. The IP
 * length must equal len.
 */
bool off_gro_candidate(const uint8_t *pkt, size_t len, struct off_tcp *t);
/*
 * May segment b (after a, the last one merged, whose flow started with
 * the segment first at fpkt) be appended? Same addresses, ports, IP
 * TOS/TTL/DF, TCP header apart from sequence number (which must be a's end)
 * and PSH; a's payload must equal gso_size (only the last may be shorter);
 * the merged total must stay within 65535 IP bytes (IPv4) or payload (IPv6).
 */
bool off_gro_can_merge(const uint8_t *fpkt, const struct off_tcp *first, size_t total,
		       const struct off_tcp *a, const uint8_t *bpkt, const struct off_tcp *b);
/* Same addresses and ports (the flow of a TCP candidate)? */
bool off_gro_same_flow(const uint8_t *fpkt, const struct off_tcp *first, const uint8_t *bpkt,
		       const struct off_tcp *b);
/*
 * Fix the first segment's headers for the merged packet of total bytes
 * (headers + all payloads): IP length and checksum, PSH from the last
 * segment (last_flags), TCP checksum field to the pseudo-header sum, and
 * fill the vnet header for CHECKSUM_PARTIAL + TSO of gso_size.
 */
void off_gro_finish(uint8_t *fpkt, const struct off_tcp *first, size_t total,
		    uint8_t last_flags, uint16_t gso_size, struct off_vnet *h);

/* ---- GRO: coalescing received UDP datagrams (USO in reverse) ---- */

#define OFF_UDP_GRO_SEGS	64	/* datagrams in one merged packet at most */
#define OFF_UDP_HDR_MAX		48	/* IPv6 + UDP header of the merged packet */

struct off_udp {
	int family;		/* AF_INET or AF_INET6 */
	uint16_t iphlen;	/* 20 or 40 */
	uint16_t plen;		/* UDP payload bytes, > 0 */
	uint16_t id;		/* IPv4 identification */
};

/*
 * Is pkt[0..len) a UDP datagram GRO may take: IPv4 without options or
 * fragmentation and a valid header checksum, or IPv6 with UDP right after
 * the fixed header; IP and UDP lengths equal to len; a payload; a UDP
 * checksum that is present (not zero) and valid? Fills u.
 */
bool off_udp_candidate(const uint8_t *pkt, size_t len, struct off_udp *u);
/* Same addresses and ports (the flow of a UDP candidate)? */
bool off_udp_same_flow(const uint8_t *fpkt, const struct off_udp *first, const uint8_t *bpkt,
		       const struct off_udp *b);
/*
 * May datagram b be appended to the nseg datagrams (total bytes: first's
 * headers and all payloads) merged after the one at fpkt, last being the
 * most recent? Same addresses, ports, TOS/traffic class, TTL/hop limit,
 * IPv4 flags (DF) and IPv6 flow label; IPv4 ID first's + nseg (mod 65536),
 * so that segmentation gives each datagram its own ID back; last's payload
 * as long as first's (only the final datagram may be shorter) and b's not
 * longer; fewer than OFF_UDP_GRO_SEGS merged; the result within 65535 IP
 * bytes (IPv4) or payload bytes (IPv6).
 */
bool off_udp_can_merge(const uint8_t *fpkt, const struct off_udp *first, unsigned int nseg,
		       size_t total, const struct off_udp *last, const uint8_t *bpkt,
		       const struct off_udp *b);
/*
 * The headers of the merged packet of total bytes, built in hdr (at least
 * OFF_UDP_HDR_MAX bytes) from a copy of the first datagram's, which is not
 * changed: IP length and checksum, UDP length, UDP checksum field set to
 * the pseudo-header sum; and the vnet header for CHECKSUM_PARTIAL + USO
 * with gso_size = first's payload. Returns the header length (iphlen + 8).
 */
size_t off_udp_finish(const uint8_t *fpkt, const struct off_udp *first, size_t total,
		      uint8_t *hdr, struct off_vnet *h);

#endif
