// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Internet checksum (RFC 1071), for the GRE codec, the ICMP errors and
 * the TUN offloads: one sum, one fold.
 */
#include <string.h>

#include "csum.h"

/* Native 64-bit loads, summed as 32-bit halves, the result swapped once: the
 * ones' complement sum does not care about the order of the bytes in a word
 * as long as all words are read the same way (RFC 1071 2(B)). */
uint32_t inet_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = 0, w, w2, w3, w4;
	uint32_t v32;
	uint16_t v16;
	size_t i = 0;

	for (; i + 32 <= len; i += 32) {
		memcpy(&w, p + i, 8);
		memcpy(&w2, p + i + 8, 8);
		memcpy(&w3, p + i + 16, 8);
		memcpy(&w4, p + i + 24, 8);
		acc += (w & 0xffffffffu) + (w >> 32) + (w2 & 0xffffffffu) + (w2 >> 32) +
		       (w3 & 0xffffffffu) + (w3 >> 32) + (w4 & 0xffffffffu) + (w4 >> 32);
	}
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		acc += (w & 0xffffffffu) + (w >> 32);
	}
	if (i + 4 <= len) {
		memcpy(&v32, p + i, 4);
		acc += v32;
		i += 4;
	}
	if (i + 2 <= len) {
		memcpy(&v16, p + i, 2);
		acc += v16;
		i += 2;
	}
	if (i < len) {
		/* the odd byte is the first (high, in network order) of a word */
		v16 = 0;
		memcpy(&v16, p + i, 1);
		acc += v16;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	acc = ((acc >> 8) | (acc << 8)) & 0xffff;
#endif
	acc += sum;
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t inet_csum_reduce(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint16_t inet_csum_fold(uint32_t sum)
{
	return (uint16_t)~inet_csum_reduce(sum);
}
