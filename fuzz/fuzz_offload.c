// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for gretund's userspace offloads: the input is what a
 * vnet TUN fd reads (10-byte virtio-net header + packet). Segment it as the
 * send path does, then run every segment through TCP or UDP GRO as the
 * receive path does (a peer controls those bytes). UDP datagrams that merge
 * are segmented again and must come back byte for byte (else abort).
 */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gretund_offload.h"

static uint8_t pkt[65536 + 64], seg[65536 + 64], first[65536 + 64];
/* UDP: the datagrams taken, and the merged packet */
static uint8_t udg[OFF_UDP_GRO_SEGS][65536 + 64], umerged[65536 + 128], uout[65536 + 64];
static size_t udl[OFF_UDP_GRO_SEGS];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Merge udg[0..n) (already accepted), segment, compare. */
static void udp_check(const struct off_udp *uf, unsigned int n, size_t total)
{
	size_t hl = (size_t)uf->iphlen + 8, off, hlen;
	struct off_vnet h;

	if (off_udp_finish(udg[0], uf, total, umerged, &h) != hl)
		abort();
	off = hl;
	for (unsigned int i = 0; i < n; i++) {
		memcpy(umerged + off, udg[i] + hl, udl[i] - hl);
		off += udl[i] - hl;
	}
	if (off != total || off_gso_count(umerged, total, &h, &hlen) != (int)n || hlen != hl)
		abort();
	for (unsigned int i = 0; i < n; i++) {
		size_t sl = off_gso_segment(umerged, total, &h, hlen, i, uout, sizeof(uout));

		if (sl != udl[i] || memcmp(uout, udg[i], sl))
			abort();
	}
}

/* One more datagram for UDP GRO; flushes (checks) what cannot take it. */
static void udp_feed(const uint8_t *p, size_t len, struct off_udp *uf, struct off_udp *ul,
		     unsigned int *n, size_t *total)
{
	struct off_udp u;

	if (!off_udp_candidate(p, len, &u))
		return;
	if (*n && off_udp_same_flow(udg[0], uf, p, &u) &&
	    off_udp_can_merge(udg[0], uf, *n, *total, ul, p, &u)) {
		memcpy(udg[*n], p, len);
		udl[*n] = len;
		(*n)++;
		*total += u.plen;
		*ul = u;
		return;
	}
	if (*n)
		udp_check(uf, *n, *total);
	memcpy(udg[0], p, len);
	udl[0] = len;
	*n = 1;
	*total = len;
	*uf = *ul = u;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct off_vnet h, gh;
	struct off_tcp f, last, t;
	struct off_udp uf, ul;
	size_t len, hlen, total = 0, flen = 0, utotal = 0;
	unsigned int un = 0;
	bool have = false;
	int n;

	if (off_vnet_parse(data, size, &h) || size - OFF_VNET_HLEN > 65536)
		return 0;
	len = size - OFF_VNET_HLEN;
	memcpy(pkt, data + OFF_VNET_HLEN, len);
	if (h.gso_type == OFF_GSO_NONE) {
		off_csum_complete(pkt, len, &h);
		if (off_gro_candidate(pkt, len, &t))
			off_gro_finish(pkt, &t, len, t.flags, (uint16_t)t.plen, &gh);
		/* the packet as several datagrams back to back, the way a
		 * batch brings them: the first byte of each is its length
		 * in 8-byte units after a 28-byte minimum */
		for (size_t off = 0; off < len;) {
			size_t dl = 28 + (size_t)pkt[off] * 8;

			if (dl > len - off)
				dl = len - off;
			udp_feed(pkt + off, dl, &uf, &ul, &un, &utotal);
			off += dl;
		}
		udp_feed(pkt, len, &uf, &ul, &un, &utotal);
		if (un)
			udp_check(&uf, un, utotal);
		return 0;
	}
	n = off_gso_fixup(pkt, len, &h) ? -1 : off_gso_count(pkt, len, &h, &hlen);
	for (int i = 0; i < n; i++) {
		size_t slen = off_gso_segment(pkt, len, &h, hlen, (unsigned int)i, seg, sizeof(seg));

		if (!slen)
			continue;
		udp_feed(seg, slen, &uf, &ul, &un, &utotal);
		if (!off_gro_candidate(seg, slen, &t))
			continue;
		if (have && off_gro_same_flow(first, &f, seg, &t) &&
		    off_gro_can_merge(first, &f, total, &last, seg, &t)) {
			total += t.plen;
			last = t;
			continue;
		}
		memcpy(first, seg, slen);
		flen = slen;
		f = last = t;
		total = slen;
		have = true;
	}
	if (un)
		udp_check(&uf, un, utotal);
	if (have && total <= 0xffff + 40)
		off_gro_finish(first, &f, total < flen ? flen : total, last.flags,
			       (uint16_t)f.plen, &gh);
	return 0;
}
