// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Links: RTM_NEWLINK builders and parser. The link layer owns IFLA_LINKINFO;
 * the GRE part (IFLA_INFO_DATA) is in nl_gre.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "nl_priv.h"
#include "nl_gre.h"

static struct nlmsghdr *link_msg(void *buf, uint16_t type, uint16_t nlflags, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | nlflags;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

static struct nlmsghdr *link_build_gre(void *buf, const struct tunnel *t, int ifindex,
				       uint16_t nlflags, int link, bool put_name)
{
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, nlflags, ifindex);
	struct nlattr *info, *data;

	if (put_name && t->name[0])
		mnl_attr_put_strz(nlh, IFLA_IFNAME, t->name);
	if ((t->flags & TUNNEL_HAS_MTU) && t->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, t->mtu);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, tunnel_mode_name(t->mode));
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	nl_gre_put_info_data_dev(nlh, t, link);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nlh;
}

struct nlmsghdr *nl_link_build_new_dev(void *buf, const struct tunnel *t, int ifindex,
				       uint16_t nlflags, int link)
{
	return link_build_gre(buf, t, ifindex, nlflags, link, true);
}

struct nlmsghdr *nl_link_build_new(void *buf, const struct tunnel *t, int ifindex,
				   uint16_t nlflags)
{
	return link_build_gre(buf, t, ifindex, nlflags, 0, true);
}

struct nlmsghdr *nl_link_build_del(void *buf, int ifindex)
{
	return link_msg(buf, RTM_DELLINK, 0, ifindex);
}

struct nlmsghdr *nl_link_build_set(void *buf, int ifindex, int up, uint32_t mtu)
{
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (up >= 0) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = up ? IFF_UP : 0;
	}
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nlh;
}

/* ---- parser ------------------------------------------------------------- */

static const struct nl_policy link_policy[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = { .type = MNL_TYPE_NUL_STRING },
	[IFLA_MTU] = { .type = MNL_TYPE_U32 },
	[IFLA_LINK] = { .type = MNL_TYPE_U32 },
	[IFLA_LINKINFO] = { .type = MNL_TYPE_NESTED },
	/* The struct grew over the years: take what we know of it. */
	[IFLA_STATS64] = { .type = MNL_TYPE_BINARY, .min_len = 23 * 8 },
};

static const struct nl_policy info_policy[IFLA_INFO_MAX + 1] = {
	[IFLA_INFO_KIND] = { .type = MNL_TYPE_STRING },
	[IFLA_INFO_DATA] = { .type = MNL_TYPE_NESTED },
};

int nl_link_parse(const struct nlmsghdr *nlh, struct nl_link *out)
{
	const struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
	const struct ifinfomsg *ifi;
	int ret;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)))
		return -EBADMSG;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return -EINVAL;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_family != AF_UNSPEC)
		return -EAFNOSUPPORT;
	ret = nl_attr_parse_msg(nlh, sizeof(*ifi), link_policy, IFLA_MAX, tb);
	if (ret < 0)
		return ret;
	if (!tb[IFLA_IFNAME] || !tb[IFLA_MTU] || ifi->ifi_index <= 0)
		return -EBADMSG;
	if (mnl_attr_get_payload_len(tb[IFLA_IFNAME]) > IFNAMSIZ)
		return -EBADMSG;
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	strcpy(out->name, mnl_attr_get_str(tb[IFLA_IFNAME]));
	out->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_LINK])
		out->link = (int)mnl_attr_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_STATS64]) {
		size_t n = mnl_attr_get_payload_len(tb[IFLA_STATS64]);

		if (n > sizeof(out->stats))
			n = sizeof(out->stats);
		memcpy(&out->stats, mnl_attr_get_payload(tb[IFLA_STATS64]), n);
		out->has_stats = true;
	}
	tunnel_init(&out->t);
	if (!tb[IFLA_LINKINFO])
		return 0;
	ret = nl_attr_parse_nested(tb[IFLA_LINKINFO], info_policy, IFLA_INFO_MAX, info);
	if (ret < 0)
		return ret;
	if (info[IFLA_INFO_KIND]) {
		const char *kind = mnl_attr_get_payload(info[IFLA_INFO_KIND]);
		size_t n = strnlen(kind, mnl_attr_get_payload_len(info[IFLA_INFO_KIND]));

		if (n >= sizeof(out->kind))
			return -EBADMSG;
		memcpy(out->kind, kind, n);
		out->kind[n] = '\0';
	}
	if (tunnel_mode_parse(out->kind, &out->t.mode) < 0)
		return 0;
	/* A GRE device always reports its parameters. */
	if (!info[IFLA_INFO_DATA])
		return -EBADMSG;
	ret = nl_gre_parse_info_data(info[IFLA_INFO_DATA], &out->t, &out->gre_link);
	if (ret == -EOPNOTSUPP) {
		/* e.g. GUE encapsulation: a GRE kind we do not describe. */
		tunnel_init(&out->t);
		return 0;
	}
	if (ret < 0)
		return ret;
	out->is_gre = true;
	memcpy(out->t.name, out->name, sizeof(out->t.name));
	out->t.mtu = out->mtu;
	out->t.flags |= TUNNEL_HAS_MTU;
	return 0;
}

/* ---- operations ---------------------------------------------------------- */

struct link_get_ctx {
	struct nl_link *out;
	int err;
	bool found;
};

static int link_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_get_ctx *c = data;
	int ret;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	ret = nl_link_parse(nlh, c->out);
	if (ret < 0) {
		c->err = ret;
		errno = -ret;
		return MNL_CB_ERROR;
	}
	c->found = true;
	return MNL_CB_OK;
}

/* Name the underlay device of a GRE link (t.dev) from IFLA_GRE_LINK. */
static void link_resolve_dev(struct nl_sock *nl, struct nl_link *l)
{
	struct nl_link *under;

	if (!l->is_gre || l->gre_link <= 0)
		return;
	under = malloc(sizeof(*under));
	if (!under)
		return;
	if (nl_link_get_index(nl, l->gre_link, under) == 0) {
		memcpy(l->t.dev, under->name, sizeof(l->t.dev));
		l->t.flags |= TUNNEL_HAS_DEV;
	}
	free(under);
}

static int link_get(struct nl_sock *nl, const char *name, int ifindex, struct nl_link *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, ifindex);
	struct link_get_ctx c = { .out = out };
	int ret;

	if (name) {
		if (!name[0] || strlen(name) >= IFNAMSIZ)
			return -ENODEV;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	}
	ret = nl_talk(nl, nlh, link_get_cb, &c);
	if (ret < 0)
		return ret;
	if (c.err)
		return c.err;
	if (!c.found)
		return -ENODEV;
	link_resolve_dev(nl, out);
	return 0;
}

int nl_link_get(struct nl_sock *nl, const char *name, struct nl_link *out)
{
	return link_get(nl, name, 0, out);
}

int nl_link_get_index(struct nl_sock *nl, int ifindex, struct nl_link *out)
{
	if (ifindex <= 0)
		return -ENODEV;
	return link_get(nl, NULL, ifindex, out);
}

static int tunnel_dev_index(struct nl_sock *nl, const struct tunnel *t, int *link)
{
	struct nl_link *l;
	int ret;

	*link = 0;
	if (!(t->flags & TUNNEL_HAS_DEV) || !t->dev[0])
		return 0;
	l = malloc(sizeof(*l));
	if (!l)
		return -ENOMEM;
	ret = nl_link_get(nl, t->dev, l);
	if (ret == 0)
		*link = l->ifindex;
	free(l);
	return ret;
}

int nl_link_create(struct nl_sock *nl, const struct tunnel *t)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int link, ret;

	if (!ifname_valid(t->name) || (unsigned int)t->mode >= MODE_MAX_)
		return -EINVAL;
	ret = tunnel_dev_index(nl, t, &link);
	if (ret < 0)
		return ret;
	return nl_talk(nl, link_build_gre(buf, t, 0, NLM_F_CREATE | NLM_F_EXCL, link, true),
		       NULL, NULL);
}

int nl_link_change(struct nl_sock *nl, int ifindex, const struct tunnel *t)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int link, ret;

	if (ifindex <= 0 || (unsigned int)t->mode >= MODE_MAX_)
		return -EINVAL;
	ret = tunnel_dev_index(nl, t, &link);
	if (ret < 0)
		return ret;
	return nl_talk(nl, link_build_gre(buf, t, ifindex, 0, link, false), NULL, NULL);
}

int nl_link_delete(struct nl_sock *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	if (ifindex <= 0)
		return -ENODEV;
	return nl_talk(nl, nl_link_build_del(buf, ifindex), NULL, NULL);
}

int nl_link_set_up(struct nl_sock *nl, int ifindex, bool up)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	if (ifindex <= 0)
		return -ENODEV;
	return nl_talk(nl, nl_link_build_set(buf, ifindex, up ? 1 : 0, 0), NULL, NULL);
}

int nl_link_set_mtu(struct nl_sock *nl, int ifindex, uint32_t mtu)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	if (ifindex <= 0)
		return -ENODEV;
	if (!mtu)
		return -EINVAL;
	return nl_talk(nl, nl_link_build_set(buf, ifindex, -1, mtu), NULL, NULL);
}

struct link_dump_ctx {
	struct nl_link *links;
	size_t n, cap;
	int err;
};

static int link_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_dump_ctx *c = data;
	int ret;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	ret = nl_array_grow((void **)&c->links, &c->cap, c->n, sizeof(*c->links));
	if (ret == 0)
		ret = nl_link_parse(nlh, &c->links[c->n]);
	if (ret == -EAFNOSUPPORT)
		return MNL_CB_OK;
	if (ret < 0) {
		c->err = ret;
		errno = -ret;
		return MNL_CB_ERROR;
	}
	c->n++;
	return MNL_CB_OK;
}

int nl_link_dump(struct nl_sock *nl, nl_link_cb cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, 0);
	struct link_dump_ctx c = { 0 };
	int ret;

	ret = nl_dump(nl, nlh, link_dump_cb, &c);
	if (c.err)
		ret = c.err;
	if (ret < 0)
		goto out;
	/* Resolved after the dump has been read: no request inside a dump. */
	for (size_t i = 0; i < c.n; i++) {
		link_resolve_dev(nl, &c.links[i]);
		ret = cb(&c.links[i], data);
		if (ret)
			goto out;
	}
	ret = 0;
out:
	free(c.links);
	return ret;
}

int nl_link_list(struct nl_sock *nl, struct nl_link **out, size_t *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, 0);
	struct link_dump_ctx c = { 0 };
	int ret;

	/* the counters are not wanted: a smaller dump */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	ret = nl_dump(nl, nlh, link_dump_cb, &c);
	if (c.err)
		ret = c.err;
	if (ret < 0) {
		free(c.links);
		return ret;
	}
	*out = c.links;
	*n = c.n;
	return 0;
}
