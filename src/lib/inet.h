/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Address helpers over tunnel.h's union inet_addr and struct prefix: one
 * definition of "how many bytes" and "the same address/prefix", since a
 * compare over 16 bytes of an IPv4 address would read the union's unused
 * (not always zeroed) tail.
 */
#ifndef GRETUN_INET_H
#define GRETUN_INET_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "tunnel.h"

/* 4 for AF_INET, 16 for AF_INET6, 0 for any other family. */
static inline size_t inet_addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static inline bool inet_addr_equal(int family, const union inet_addr *a,
				   const union inet_addr *b)
{
	return !memcmp(a, b, inet_addr_len(family));
}

/* The unspecified address (0.0.0.0 or ::): "not set" for local. */
static inline bool inet_addr_is_any(int family, const union inet_addr *a)
{
	static const union inet_addr zero;

	return inet_addr_equal(family, a, &zero);
}

/* Same family, length and address bytes (host bits included). */
static inline bool inet_prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       inet_addr_equal(a->family, &a->addr, &b->addr);
}

/* addr lies inside the prefix pfx/plen of this family (plen 0: any). */
static inline bool inet_prefix_contains(int family, const union inet_addr *pfx, unsigned int plen,
					const union inet_addr *addr)
{
	size_t full = plen / 8, rest = plen % 8;

	if (plen > inet_addr_len(family) * 8)
		return false;
	if (memcmp(pfx, addr, full))
		return false;
	return !rest || !((pfx->bytes[full] ^ addr->bytes[full]) & (uint8_t)(0xff << (8 - rest)));
}

#endif
