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
	const struct nlmsghdr *nlh;
	int left = size > 1 << 20 ? 1 << 20 : (int)size;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	nlh = (const struct nlmsghdr *)buf;
	while (mnl_nlmsg_ok(nlh, left)) {
		struct nl_link l;
		struct nl_addr a;
		struct nl_route r;

		(void)nl_link_parse(nlh, &l);
		(void)nl_addr_parse(nlh, &a);
		(void)nl_route_parse(nlh, &r);
		(void)nl_ack_parse(nlh);
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	free(buf);
	return 0;
}
