/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RFC 1071 Internet checksum helpers, pure. Chain inet_csum_add over several
 * buffers (every one but the last of even length), then fold; a received
 * packet is valid when the fold over it, checksum included, is 0.
 */
#ifndef GRETUN_CSUM_H
#define GRETUN_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* The ones' complement sum of data added to sum: unfolded, in network
 * order (the high byte of a 16-bit word first), chainable. */
uint32_t inet_csum_add(uint32_t sum, const void *data, size_t len);
/* sum folded to 16 bits, not complemented: the value a pseudo-header sum
 * is stored as for checksum offload (virtio-net NEEDS_CSUM, GSO). */
uint16_t inet_csum_reduce(uint32_t sum);
/* The checksum field's value: the complement of inet_csum_reduce. */
uint16_t inet_csum_fold(uint32_t sum);

#endif
