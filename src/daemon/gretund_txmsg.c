// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One builder for the destination and control messages of outgoing tunnel
 * packets (see gretund_txmsg.h): per-packet TTL and TOS must be cmsgs
 * because one send socket serves every tunnel of a family.
 */
#include <stdbool.h>
#include <string.h>

#include "gretund_txmsg.h"

/* One control message at buf + used; returns the new used length. */
static size_t txmsg_put(char *buf, size_t used, int level, int type, const void *data,
			size_t len)
{
	struct cmsghdr *c = (struct cmsghdr *)(void *)(buf + used);

	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
	return used + CMSG_SPACE(len);
}

/* The source address, as IP_PKTINFO's ipi_spec_dst or IPV6_PKTINFO's address. */
static size_t txmsg_put_src(char *buf, size_t used, bool v6, const union inet_addr *src)
{
	if (v6) {
		struct in6_pktinfo pki = { 0 };

		pki.ipi6_addr = src->v6;
		return txmsg_put(buf, used, IPPROTO_IPV6, IPV6_PKTINFO, &pki, sizeof(pki));
	} else {
		struct in_pktinfo pki = { 0 };

		pki.ipi_spec_dst = src->v4;
		return txmsg_put(buf, used, IPPROTO_IP, IP_PKTINFO, &pki, sizeof(pki));
	}
}

void gd_txmsg_build(struct gd_txmsg *m, struct msghdr *mh, int family,
		    const union inet_addr *dst, int ttl, int tos, const union inet_addr *src)
{
	bool v6 = family == AF_INET6;
	int level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
	size_t used;

	memset(m, 0, sizeof(*m));
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&m->to;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = dst->v6;
		mh->msg_namelen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&m->to;

		s4->sin_family = AF_INET;
		s4->sin_addr = dst->v4;
		mh->msg_namelen = sizeof(*s4);
	}
	mh->msg_name = &m->to;
	mh->msg_control = m->cm.buf;
	used = txmsg_put(m->cm.buf, 0, level, v6 ? IPV6_HOPLIMIT : IP_TTL, &ttl, sizeof(ttl));
	if (tos >= 0)
		used = txmsg_put(m->cm.buf, used, level, v6 ? IPV6_TCLASS : IP_TOS, &tos, sizeof(tos));
	if (src)
		used = txmsg_put_src(m->cm.buf, used, v6, src);
	mh->msg_controllen = used;
}
