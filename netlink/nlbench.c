// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nlbench IFNAME COUNT: add COUNT routes 2001:db8:100::X/128 dev IFNAME
 * (protocol GRETUN_RTPROT) through one nl_batch and print the elapsed
 * seconds. For scripts/bench, against `ip -batch`; run it in a scratch
 * network namespace.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/rtnetlink.h>

#include "nl.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char *argv[])
{
	struct nl_sock *nl = NULL;
	struct nl_batch *b = NULL;
	struct nl_link link;
	struct route r;
	int *errors = NULL;
	unsigned long count;
	double t0;
	char *end;
	char kmsg[256];
	int ret;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IFNAME COUNT\n", argv[0]);
		return 2;
	}
	errno = 0;
	count = strtoul(argv[2], &end, 10);
	if (errno || *end || !count || count > 0xffffffffUL) {
		fprintf(stderr, "nlbench: invalid count `%s'\n", argv[2]);
		return 2;
	}
	ret = nl_open(&nl);
	if (ret == 0)
		ret = nl_link_get(nl, argv[1], &link);
	if (ret == 0)
		ret = nl_batch_new(&b);
	if (ret == 0) {
		errors = calloc(count, sizeof(*errors));
		if (!errors)
			ret = -ENOMEM;
	}
	if (ret < 0)
		goto out;

	t0 = now();
	memset(&r, 0, sizeof(r));
	r.dst.family = AF_INET6;
	r.dst.len = 128;
	r.dst.addr.v6.s6_addr[0] = 0x20;
	r.dst.addr.v6.s6_addr[1] = 0x01;
	r.dst.addr.v6.s6_addr[2] = 0x0d;
	r.dst.addr.v6.s6_addr[3] = 0xb8;
	r.dst.addr.v6.s6_addr[5] = 0x01;	/* 2001:db8:100::/48 */
	for (unsigned long i = 0; i < count && ret == 0; i++) {
		r.dst.addr.v6.s6_addr[12] = (uint8_t)(i >> 24);
		r.dst.addr.v6.s6_addr[13] = (uint8_t)(i >> 16);
		r.dst.addr.v6.s6_addr[14] = (uint8_t)(i >> 8);
		r.dst.addr.v6.s6_addr[15] = (uint8_t)i;
		nl_route_build(nl_batch_current(b), RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL,
			       link.ifindex, &r, GRETUN_RTPROT);
		ret = nl_batch_next(b);
	}
	if (ret == 0)
		ret = nl_batch_send(nl, b, errors);
	if (ret == 0)
		printf("%.3f\n", now() - t0);
out:
	nl_errmsg(nl, kmsg, sizeof(kmsg));
	if (ret < 0)
		fprintf(stderr, "nlbench: %s%s%s\n", strerror(-ret), kmsg[0] ? ": " : "", kmsg);
	free(errors);
	nl_batch_free(b);
	nl_close(nl);
	return ret < 0 ? 1 : 0;
}
