// SPDX-License-Identifier: GPL-2.0-or-later
/* Routes: RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "nl_priv.h"
#include "inet.h"

struct nlmsghdr *nl_route_build(void *buf, uint16_t type, uint16_t nlflags, int oif,
				const struct route *r, uint8_t protocol)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	size_t alen = inet_addr_len(r->dst.family);
	uint32_t table = (r->flags & ROUTE_HAS_TABLE) ? r->table : GRETUN_TABLE_MAIN;
	struct rtmsg *rtm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | nlflags;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)r->dst.family;
	rtm->rtm_dst_len = r->dst.len;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = protocol;
	if (type == RTM_DELROUTE) {
		/* Match any scope and type, as iproute2 does on delete. */
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
		rtm->rtm_type = RTN_UNSPEC;
	} else {
		rtm->rtm_scope = (r->flags & ROUTE_HAS_GATEWAY) ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
		rtm->rtm_type = RTN_UNICAST;
	}
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (alen && r->dst.len)
		mnl_attr_put(nlh, RTA_DST, alen, r->dst.addr.bytes);
	if (alen && (r->flags & ROUTE_HAS_GATEWAY))
		mnl_attr_put(nlh, RTA_GATEWAY, alen, r->gateway.bytes);
	if (alen && (r->flags & ROUTE_HAS_SOURCE))
		mnl_attr_put(nlh, RTA_PREFSRC, alen, r->source.bytes);
	if (r->flags & ROUTE_HAS_METRIC)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	if (oif > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	return nlh;
}

static const struct nl_policy route_policy[RTA_MAX + 1] = {
	[RTA_DST] = { .type = MNL_TYPE_BINARY },
	[RTA_GATEWAY] = { .type = MNL_TYPE_BINARY },
	[RTA_PREFSRC] = { .type = MNL_TYPE_BINARY },
	[RTA_PRIORITY] = { .type = MNL_TYPE_U32 },
	[RTA_TABLE] = { .type = MNL_TYPE_U32 },
	[RTA_OIF] = { .type = MNL_TYPE_U32 },
	[RTA_METRICS] = { .type = MNL_TYPE_NESTED },
};

static int addr_attr(const struct nlattr *a, size_t alen, union inet_addr *out)
{
	if (mnl_attr_get_payload_len(a) != alen)
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	memcpy(out->bytes, mnl_attr_get_payload(a), alen);
	return 0;
}

static int route_parse(const struct nlmsghdr *nlh, struct nl_route *out,
		       const struct nlattr **metrics)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm;
	struct route *r = &out->r;
	size_t alen;
	int ret;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*rtm)))
		return -EBADMSG;
	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return -EINVAL;
	rtm = mnl_nlmsg_get_payload(nlh);
	alen = inet_addr_len(rtm->rtm_family);
	if (!alen)
		return -EAFNOSUPPORT;	/* e.g. multicast routing families */
	if (rtm->rtm_dst_len > alen * 8)
		return -EBADMSG;
	ret = nl_attr_parse_msg(nlh, sizeof(*rtm), route_policy, RTA_MAX, tb);
	if (ret < 0)
		return ret;
	r->dst.family = rtm->rtm_family;
	r->dst.len = rtm->rtm_dst_len;
	if (tb[RTA_DST] && (ret = addr_attr(tb[RTA_DST], alen, &r->dst.addr)) < 0)
		return ret;
	if (!tb[RTA_DST] && rtm->rtm_dst_len)
		return -EBADMSG;
	if (tb[RTA_GATEWAY]) {
		ret = addr_attr(tb[RTA_GATEWAY], alen, &r->gateway);
		if (ret < 0)
			return ret;
		r->flags |= ROUTE_HAS_GATEWAY;
	}
	if (tb[RTA_PREFSRC]) {
		ret = addr_attr(tb[RTA_PREFSRC], alen, &r->source);
		if (ret < 0)
			return ret;
		r->flags |= ROUTE_HAS_SOURCE;
	}
	if (tb[RTA_PRIORITY]) {
		r->metric = mnl_attr_get_u32(tb[RTA_PRIORITY]);
		r->flags |= ROUTE_HAS_METRIC;
	}
	r->table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	r->flags |= ROUTE_HAS_TABLE;
	if (tb[RTA_OIF])
		out->oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	out->protocol = rtm->rtm_protocol;
	out->type = rtm->rtm_type;
	out->scope = rtm->rtm_scope;
	if (metrics)
		*metrics = tb[RTA_METRICS];
	return 0;
}

int nl_route_parse(const struct nlmsghdr *nlh, struct nl_route *out)
{
	return route_parse(nlh, out, NULL);
}

static int route_change(struct nl_sock *nl, uint16_t type, uint16_t flags, int oif,
			const struct route *r, uint8_t protocol)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	size_t alen = inet_addr_len(r->dst.family);

	if (!alen || r->dst.len > alen * 8)
		return -EINVAL;
	return nl_talk(nl, nl_route_build(buf, type, flags, oif, r, protocol), NULL, NULL);
}

int nl_route_add(struct nl_sock *nl, int oif, const struct route *r, uint8_t protocol)
{
	return route_change(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, oif, r, protocol);
}

int nl_route_replace(struct nl_sock *nl, int oif, const struct route *r, uint8_t protocol)
{
	return route_change(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, oif, r, protocol);
}

int nl_route_del(struct nl_sock *nl, int oif, const struct route *r)
{
	return route_change(nl, RTM_DELROUTE, 0, oif, r, 0);
}

struct route_list_ctx {
	int oif;
	struct nl_route *r;
	size_t n, cap;
	int err;
};

static int route_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_list_ctx *c = data;
	const struct rtmsg *rtm;
	struct nl_route tmp;
	int ret;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	ret = nl_route_parse(nlh, &tmp);
	if (ret == -EAFNOSUPPORT)
		return MNL_CB_OK;
	if (ret == 0) {
		rtm = mnl_nlmsg_get_payload(nlh);
		if (tmp.type != RTN_UNICAST || (rtm->rtm_flags & RTM_F_CLONED) ||
		    (c->oif && tmp.oif != c->oif))
			return MNL_CB_OK;
		ret = nl_array_grow((void **)&c->r, &c->cap, c->n, sizeof(*c->r));
	}
	if (ret < 0) {
		c->err = ret;
		errno = -ret;
		return MNL_CB_ERROR;
	}
	c->r[c->n++] = tmp;
	return MNL_CB_OK;
}

int nl_route_list(struct nl_sock *nl, int oif, struct nl_route **out, size_t *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct route_list_ctx c = { .oif = oif };
	struct rtmsg *rtm;
	int ret;

	nlh->nlmsg_type = RTM_GETROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_UNSPEC;
	ret = nl_dump(nl, nlh, route_list_cb, &c);
	if (c.err)
		ret = c.err;
	if (ret < 0) {
		free(c.r);
		return ret;
	}
	*out = c.r;
	*n = c.n;
	return 0;
}

struct lookup_ctx {
	int oif;
	uint32_t mtu;
	bool found;
	int err;
};

static const struct nl_policy metrics_policy[RTAX_MAX + 1] = {
	[RTAX_MTU] = { .type = MNL_TYPE_U32 },
};

static int lookup_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *metrics = NULL, *mx[RTAX_MAX + 1];
	struct lookup_ctx *c = data;
	struct nl_route r;
	int ret;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	ret = route_parse(nlh, &r, &metrics);
	if (ret == 0 && metrics)
		ret = nl_attr_parse_nested(metrics, metrics_policy, RTAX_MAX, mx);
	if (ret < 0) {
		c->err = ret;
		errno = -ret;
		return MNL_CB_ERROR;
	}
	c->oif = r.oif;
	if (metrics && mx[RTAX_MTU])
		c->mtu = mnl_attr_get_u32(mx[RTAX_MTU]);
	c->found = true;
	return MNL_CB_OK;
}

int nl_route_lookup(struct nl_sock *nl, int family, const union inet_addr *dst,
		    int *oif, uint32_t *mtu)
{
	return nl_route_lookup_mark(nl, family, dst, 0, oif, mtu);
}

int nl_route_lookup_mark(struct nl_sock *nl, int family, const union inet_addr *dst,
			 uint32_t mark, int *oif, uint32_t *mtu)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	size_t alen = inet_addr_len(family);
	struct lookup_ctx c = { 0 };
	struct rtmsg *rtm;
	int ret;

	if (!alen)
		return -EAFNOSUPPORT;
	nlh->nlmsg_type = RTM_GETROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = (uint8_t)(alen * 8);
	mnl_attr_put(nlh, RTA_DST, alen, dst->bytes);
	if (mark)
		mnl_attr_put_u32(nlh, RTA_MARK, mark);
	ret = nl_talk(nl, nlh, lookup_cb, &c);
	if (ret == 0 && c.err)
		ret = c.err;
	if (ret < 0)
		return ret;
	if (!c.found || c.oif <= 0)
		return -ENETUNREACH;
	if (!c.mtu) {
		struct nl_link *l = malloc(sizeof(*l));

		if (!l)
			return -ENOMEM;
		ret = nl_link_get_index(nl, c.oif, l);
		if (ret == 0)
			c.mtu = l->mtu;
		free(l);
		if (ret < 0)
			return ret;
	}
	*oif = c.oif;
	*mtu = c.mtu;
	return 0;
}
