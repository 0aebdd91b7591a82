// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for gretund's userspace offloads: the input is what a
 * vnet TUN fd reads (10-byte virtio-net header + packet). Segment it as the
 * send path does, then run every segment through GRO as the receive path
 * does (a peer controls those bytes).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gretund_offload.h"

static uint8_t pkt[65536 + 64], seg[65536 + 64], first[65536 + 64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct off_vnet h, gh;
	struct off_tcp f, last, t;
	size_t len, hlen, total = 0, flen = 0;
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
		return 0;
	}
	n = off_gso_fixup(pkt, len, &h) ? -1 : off_gso_count(pkt, len, &h, &hlen);
	for (int i = 0; i < n; i++) {
		size_t slen = off_gso_segment(pkt, len, &h, hlen, (unsigned int)i, seg, sizeof(seg));

		if (!slen || !off_gro_candidate(seg, slen, &t))
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
	if (have && total <= 0xffff + 40)
		off_gro_finish(first, &f, total < flen ? flen : total, last.flags,
			       (uint16_t)f.plen, &gh);
	return 0;
}
