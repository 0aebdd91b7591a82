/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals shared by the netlink/ files only: the socket, and a strict
 * attribute walker (libmnl's iterators stop silently at a bad attribute; a
 * reply we cannot read completely must be an error, not half a result).
 */
#ifndef GRETUN_NL_PRIV_H
#define GRETUN_NL_PRIV_H

#include <libmnl/libmnl.h>

#include "nl.h"

#define NL_ERRMSG_MAX	256

struct nl_sock {
	struct mnl_socket *mnl;
	uint32_t portid;
	uint32_t seq;
	int rcvbuf;		/* effective SO_RCVBUF, for batch chunking */
	int sndbuf;
	char errmsg[NL_ERRMSG_MAX];
	char *buf;		/* receive buffer, NL_RECV_SIZE bytes */
};

/* Big enough for any single datagram the kernel sends on a dump (it sizes
 * dump skbs to the reader's buffer, at most 32 KiB, or 64 KiB with big
 * pages). */
#define NL_RECV_SIZE	(64u * 1024u)

/* Per attribute type: how to validate it before anyone reads it. */
struct nl_policy {
	uint8_t type;		/* enum mnl_attr_data_type; MNL_TYPE_UNSPEC = not read */
	uint16_t len;		/* exact payload length (validate2), 0 = by type */
	uint16_t min_len;	/* for variable binary payloads */
};

/* Walk len bytes of attributes at data, validate each known one against
 * pol[0..max], store the last of each type in tb[0..max] (zeroed first).
 * 0, or -EBADMSG on any malformed attribute or trailing garbage. */
int nl_attr_parse(const void *data, size_t len, const struct nl_policy *pol,
		  unsigned int max, const struct nlattr **tb);
/* The same on a nested attribute's payload. */
int nl_attr_parse_nested(const struct nlattr *nest, const struct nl_policy *pol,
			 unsigned int max, const struct nlattr **tb);
/* The same on a message's attributes after a family header of hdrlen. */
int nl_attr_parse_msg(const struct nlmsghdr *nlh, size_t hdrlen, const struct nl_policy *pol,
		      unsigned int max, const struct nlattr **tb);

/* Growable array helper for the *_list functions. */
int nl_array_grow(void **arr, size_t *cap, size_t n, size_t elem);

#endif
