// SPDX-License-Identifier: GPL-2.0-or-later
/* Addresses: RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "nl_priv.h"
#include "inet.h"

struct nlmsghdr *nl_addr_build(void *buf, uint16_t type, uint16_t nlflags, int ifindex,
			       const struct prefix *p, uint8_t proto)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	size_t alen = inet_addr_len(p->family);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | nlflags;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)p->family;
	ifa->ifa_prefixlen = p->len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	if (alen) {
		/* As iproute2: local and address equal means "no peer". */
		mnl_attr_put(nlh, IFA_LOCAL, alen, p->addr.bytes);
		mnl_attr_put(nlh, IFA_ADDRESS, alen, p->addr.bytes);
	}
	if (proto)
		mnl_attr_put_u8(nlh, IFA_PROTO, proto);
	return nlh;
}

static const struct nl_policy addr_policy[IFA_MAX + 1] = {
	[IFA_ADDRESS] = { .type = MNL_TYPE_BINARY },
	[IFA_LOCAL] = { .type = MNL_TYPE_BINARY },
	[IFA_PROTO] = { .type = MNL_TYPE_U8 },
};

int nl_addr_parse(const struct nlmsghdr *nlh, struct nl_addr *out)
{
	const struct nlattr *tb[IFA_MAX + 1], *a;
	const struct ifaddrmsg *ifa;
	size_t alen;
	int ret;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifa)))
		return -EBADMSG;
	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return -EINVAL;
	ifa = mnl_nlmsg_get_payload(nlh);
	alen = inet_addr_len(ifa->ifa_family);
	if (!alen)
		return -EAFNOSUPPORT;
	if (ifa->ifa_prefixlen > alen * 8)
		return -EBADMSG;
	ret = nl_attr_parse_msg(nlh, sizeof(*ifa), addr_policy, IFA_MAX, tb);
	if (ret < 0)
		return ret;
	/* With a peer, IFA_LOCAL is ours and IFA_ADDRESS the peer; IPv6
	 * without a peer sends IFA_ADDRESS alone. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || mnl_attr_get_payload_len(a) != alen)
		return -EBADMSG;
	if (tb[IFA_LOCAL] && tb[IFA_ADDRESS] && mnl_attr_get_payload_len(tb[IFA_ADDRESS]) != alen)
		return -EBADMSG;
	out->ifindex = (int)ifa->ifa_index;
	out->p.family = ifa->ifa_family;
	out->p.len = ifa->ifa_prefixlen;
	memcpy(out->p.addr.bytes, mnl_attr_get_payload(a), alen);
	out->scope = ifa->ifa_scope;
	if (tb[IFA_PROTO])
		out->proto = mnl_attr_get_u8(tb[IFA_PROTO]);
	return 0;
}

static int addr_change(struct nl_sock *nl, uint16_t type, uint16_t flags, int ifindex,
		       const struct prefix *p, uint8_t proto)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	if (ifindex <= 0)
		return -ENODEV;
	if (!inet_addr_len(p->family) || p->len > inet_addr_len(p->family) * 8)
		return -EINVAL;
	return nl_talk(nl, nl_addr_build(buf, type, flags, ifindex, p, proto), NULL, NULL);
}

int nl_addr_add(struct nl_sock *nl, int ifindex, const struct prefix *p, uint8_t proto)
{
	int ret = addr_change(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, p, proto);

	/* Kernels before 5.18 have no IFA_PROTO; strict ones may refuse it.
	 * The address matters more than the mark: retry without it (the
	 * retry fails again if the error had another cause). */
	if (ret == -EINVAL && proto)
		ret = addr_change(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, p, 0);
	return ret;
}

int nl_addr_del(struct nl_sock *nl, int ifindex, const struct prefix *p)
{
	return addr_change(nl, RTM_DELADDR, 0, ifindex, p, 0);
}

struct addr_list_ctx {
	int ifindex;
	struct nl_addr *a;
	size_t n, cap;
	int err;
};

static int addr_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_list_ctx *c = data;
	struct nl_addr tmp;
	int ret;

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_OK;
	ret = nl_addr_parse(nlh, &tmp);
	if (ret == -EAFNOSUPPORT)
		return MNL_CB_OK;
	if (ret == 0 && c->ifindex && tmp.ifindex != c->ifindex)
		return MNL_CB_OK;
	if (ret == 0)
		ret = nl_array_grow((void **)&c->a, &c->cap, c->n, sizeof(*c->a));
	if (ret < 0) {
		c->err = ret;
		errno = -ret;
		return MNL_CB_ERROR;
	}
	c->a[c->n++] = tmp;
	return MNL_CB_OK;
}

int nl_addr_list(struct nl_sock *nl, int ifindex, struct nl_addr **out, size_t *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct addr_list_ctx c = { .ifindex = ifindex };
	struct ifaddrmsg *ifa;
	int ret;

	nlh->nlmsg_type = RTM_GETADDR;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	ret = nl_dump(nl, nlh, addr_list_cb, &c);
	if (c.err)
		ret = c.err;
	if (ret < 0) {
		free(c.a);
		return ret;
	}
	*out = c.a;
	*n = c.n;
	return 0;
}
