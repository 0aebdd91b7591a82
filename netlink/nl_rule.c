// SPDX-License-Identifier: GPL-2.0-or-later
/* Policy routing rules: RTM_NEWRULE / RTM_DELRULE / RTM_GETRULE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "nl_priv.h"
#include "inet.h"

struct nlmsghdr *nl_rule_build(void *buf, uint16_t type, uint16_t nlflags,
			       const struct nl_rule *r)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct fib_rule_hdr *frh;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | nlflags;
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = (uint8_t)r->family;
	frh->action = FR_ACT_TO_TBL;
	frh->table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	if (r->invert)
		frh->flags |= FIB_RULE_INVERT;
	mnl_attr_put_u32(nlh, FRA_TABLE, r->table);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, r->priority);
	if (r->has_fwmark) {
		mnl_attr_put_u32(nlh, FRA_FWMARK, r->fwmark);
		mnl_attr_put_u32(nlh, FRA_FWMASK, UINT32_MAX);
	}
	if (r->suppress_prefixlen >= 0)
		mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN, (uint32_t)r->suppress_prefixlen);
	if (r->protocol)
		mnl_attr_put_u8(nlh, FRA_PROTOCOL, r->protocol);
	return nlh;
}

static const struct nl_policy rule_policy[FRA_MAX + 1] = {
	[FRA_PRIORITY] = { .type = MNL_TYPE_U32 },
	[FRA_FWMARK] = { .type = MNL_TYPE_U32 },
	[FRA_FWMASK] = { .type = MNL_TYPE_U32 },
	[FRA_TABLE] = { .type = MNL_TYPE_U32 },
	[FRA_SUPPRESS_PREFIXLEN] = { .type = MNL_TYPE_U32 },
	[FRA_SUPPRESS_IFGROUP] = { .type = MNL_TYPE_U32 },
	[FRA_PROTOCOL] = { .type = MNL_TYPE_U8 },
	[FRA_DST] = { .type = MNL_TYPE_BINARY },
	[FRA_SRC] = { .type = MNL_TYPE_BINARY },
	[FRA_IIFNAME] = { .type = MNL_TYPE_BINARY },
	[FRA_OIFNAME] = { .type = MNL_TYPE_BINARY },
	[FRA_GOTO] = { .type = MNL_TYPE_U32 },
	[FRA_FLOW] = { .type = MNL_TYPE_U32 },
	[FRA_TUN_ID] = { .type = MNL_TYPE_U64 },
	[FRA_L3MDEV] = { .type = MNL_TYPE_U8 },
	[FRA_UID_RANGE] = { .type = MNL_TYPE_BINARY },
	[FRA_IP_PROTO] = { .type = MNL_TYPE_U8 },
	[FRA_SPORT_RANGE] = { .type = MNL_TYPE_BINARY },
	[FRA_DPORT_RANGE] = { .type = MNL_TYPE_BINARY },
};

/* Selectors this model does not carry: a rule with any of them is not one
 * of gretun's, whatever its other attributes say. */
static const unsigned int rule_other_attrs[] = {
	FRA_DST, FRA_SRC, FRA_IIFNAME, FRA_OIFNAME, FRA_GOTO, FRA_FLOW, FRA_TUN_ID,
	FRA_SUPPRESS_IFGROUP, FRA_L3MDEV, FRA_UID_RANGE, FRA_IP_PROTO, FRA_SPORT_RANGE,
	FRA_DPORT_RANGE,
};

int nl_rule_parse(const struct nlmsghdr *nlh, struct nl_rule *out)
{
	const struct nlattr *tb[FRA_MAX + 1];
	const struct fib_rule_hdr *frh;
	size_t alen;
	int ret;

	memset(out, 0, sizeof(*out));
	out->suppress_prefixlen = -1;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*frh)))
		return -EBADMSG;
	if (nlh->nlmsg_type != RTM_NEWRULE && nlh->nlmsg_type != RTM_DELRULE)
		return -EINVAL;
	frh = mnl_nlmsg_get_payload(nlh);
	alen = inet_addr_len(frh->family);
	if (!alen)
		return -EAFNOSUPPORT;
	if (frh->dst_len > alen * 8 || frh->src_len > alen * 8)
		return -EBADMSG;
	ret = nl_attr_parse_msg(nlh, sizeof(*frh), rule_policy, FRA_MAX, tb);
	if (ret < 0)
		return ret;
	out->family = frh->family;
	out->invert = (frh->flags & FIB_RULE_INVERT) != 0;
	out->action = frh->action;
	out->table = tb[FRA_TABLE] ? mnl_attr_get_u32(tb[FRA_TABLE]) : frh->table;
	if (tb[FRA_PRIORITY])
		out->priority = mnl_attr_get_u32(tb[FRA_PRIORITY]);
	if (tb[FRA_FWMARK]) {
		out->fwmark = mnl_attr_get_u32(tb[FRA_FWMARK]);
		out->has_fwmark = true;
		/* A partial mask matches more than the mark: not ours. */
		if (tb[FRA_FWMASK] && mnl_attr_get_u32(tb[FRA_FWMASK]) != UINT32_MAX)
			out->other = true;
	}
	if (tb[FRA_SUPPRESS_PREFIXLEN]) {
		uint32_t v = mnl_attr_get_u32(tb[FRA_SUPPRESS_PREFIXLEN]);

		/* the kernel reports "none" as -1 on some versions */
		out->suppress_prefixlen = v > 128 ? -1 : (int)v;
	}
	if (tb[FRA_PROTOCOL])
		out->protocol = mnl_attr_get_u8(tb[FRA_PROTOCOL]);
	out->other |= frh->dst_len || frh->src_len || frh->tos;
	for (size_t i = 0; i < sizeof(rule_other_attrs) / sizeof(rule_other_attrs[0]); i++)
		out->other |= tb[rule_other_attrs[i]] != NULL;
	return 0;
}

bool nl_rule_equal(const struct nl_rule *a, const struct nl_rule *b)
{
	return a->family == b->family && a->priority == b->priority && a->table == b->table &&
	       a->invert == b->invert && a->has_fwmark == b->has_fwmark &&
	       (!a->has_fwmark || a->fwmark == b->fwmark) &&
	       a->suppress_prefixlen == b->suppress_prefixlen && a->protocol == b->protocol &&
	       !a->other && !b->other &&
	       (a->action == b->action || !a->action || !b->action);
}

static int rule_change(struct nl_sock *nl, uint16_t type, uint16_t flags, const struct nl_rule *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	if (!inet_addr_len(r->family))
		return -EINVAL;
	return nl_talk(nl, nl_rule_build(buf, type, flags, r), NULL, NULL);
}

int nl_rule_add(struct nl_sock *nl, const struct nl_rule *r)
{
	return rule_change(nl, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, r);
}

int nl_rule_del(struct nl_sock *nl, const struct nl_rule *r)
{
	return rule_change(nl, RTM_DELRULE, 0, r);
}

struct rule_list_ctx {
	struct nl_rule *r;
	size_t n, cap;
	int err;
};

static int rule_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rule_list_ctx *c = data;
	struct nl_rule tmp;
	int ret;

	if (nlh->nlmsg_type != RTM_NEWRULE)
		return MNL_CB_OK;
	ret = nl_rule_parse(nlh, &tmp);
	if (ret == -EAFNOSUPPORT)
		return MNL_CB_OK;
	if (ret == 0)
		ret = nl_array_grow((void **)&c->r, &c->cap, c->n, sizeof(*c->r));
	if (ret < 0) {
		c->err = ret;
		errno = -ret;
		return MNL_CB_ERROR;
	}
	c->r[c->n++] = tmp;
	return MNL_CB_OK;
}

int nl_rule_list(struct nl_sock *nl, int family, struct nl_rule **out, size_t *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rule_list_ctx c = { 0 };
	struct fib_rule_hdr *frh;
	int ret;

	nlh->nlmsg_type = RTM_GETRULE;
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = (uint8_t)family;
	ret = nl_dump(nl, nlh, rule_list_cb, &c);
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
