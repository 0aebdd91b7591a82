// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer: netlink replies as the kernel (or anyone able to write to our
 * socket) could send them, into the parsers. The input is a stream of
 * netlink messages; each is fed to the parser of its type, and to all of
 * them, since the parsers must reject a wrong type cleanly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "nl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private, aligned copy: the parsers may assume alignment as
	 * the kernel's replies are aligned, but not length. */
	uint32_t *buf = malloc(size + 4);
	size_t off = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	/* The parsers trust nlmsg_len as the recv path has checked it
	 * against the datagram; check it here the same way (not with
	 * mnl_nlmsg_ok, which casts a huge nlmsg_len to a negative int). */
	while (off < size && size - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const void *)((const char *)buf + off);
		struct nl_link l;
		struct nl_addr a;
		struct nl_route r;
		struct nl_rule rule;

		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > size - off)
			break;
		(void)nl_link_parse(nlh, &l);
		(void)nl_addr_parse(nlh, &a);
		(void)nl_route_parse(nlh, &r);
		(void)nl_rule_parse(nlh, &rule);
		(void)nl_ack_parse(nlh);
		off += MNL_ALIGN(nlh->nlmsg_len);
	}
	free(buf);
	return 0;
}
