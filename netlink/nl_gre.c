// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IFLA_INFO_DATA for gre, gretap, ip6gre and ip6gretap: what iproute2's
 * ip/link_gre.c and ip/link_gre6.c send, from a struct tunnel, and back.
 *
 * Differences from `ip link add` defaults, on purpose:
 * - ip6gre: IP6_TNL_F_IGN_ENCAP_LIMIT is set (iproute2 "encaplimit none")
 *   so the kernel sends plain GRE over IPv6 without a Tunnel Encapsulation
 *   Limit destination option: the same bytes as gretund, and the MTU
 *   arithmetic of tunnel_mtu_auto() (40 bytes of outer IPv6).
 * - Every attribute is sent even at its default, so nl_link_change sets
 *   exactly the struct tunnel (e.g. clears a key), not a merge.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>	/* before linux/if.h (via if_tunnel.h) */
#include <linux/if_tunnel.h>
#include <linux/ip6_tunnel.h>

#include "nl_gre.h"

#define IP6_FLOWINFO_TCLASS_MASK	0x0ff00000u	/* host order */

/* GRE_OPT_* (ours) <-> GRE_CSUM/KEY/SEQ (__be16, as the kernel wants). */
static const struct {
	uint8_t opt;
	uint16_t be;
} gre_flag_map[] = {
	{ GRE_OPT_CSUM, GRE_CSUM },
	{ GRE_OPT_KEY, GRE_KEY },
	{ GRE_OPT_SEQ, GRE_SEQ },
};

static uint16_t gre_flags_to_be(uint8_t opts)
{
	uint16_t be = 0;

	for (size_t i = 0; i < sizeof(gre_flag_map) / sizeof(gre_flag_map[0]); i++)
		if (opts & gre_flag_map[i].opt)
			be |= gre_flag_map[i].be;
	return be;
}

static uint8_t gre_flags_from_be(uint16_t be)
{
	uint8_t opts = 0;

	for (size_t i = 0; i < sizeof(gre_flag_map) / sizeof(gre_flag_map[0]); i++)
		if (be & gre_flag_map[i].be)
			opts |= gre_flag_map[i].opt;
	return opts;
}

void nl_gre_put_info_data_dev(struct nlmsghdr *nlh, const struct tunnel *t, int link)
{
	bool v6 = tunnel_mode_family(t->mode) == AF_INET6;
	size_t alen = v6 ? 16 : 4;
	uint8_t iflags = t->iflags, oflags = t->oflags;
	uint16_t encap_flags = 0;

	/* A key given counts as the K bit even if the caller forgot it. */
	if (t->flags & TUNNEL_HAS_IKEY)
		iflags |= GRE_OPT_KEY;
	if (t->flags & TUNNEL_HAS_OKEY)
		oflags |= GRE_OPT_KEY;

	mnl_attr_put_u32(nlh, IFLA_GRE_IKEY, (iflags & GRE_OPT_KEY) ? htonl(t->ikey) : 0);
	mnl_attr_put_u32(nlh, IFLA_GRE_OKEY, (oflags & GRE_OPT_KEY) ? htonl(t->okey) : 0);
	mnl_attr_put_u16(nlh, IFLA_GRE_IFLAGS, gre_flags_to_be(iflags));
	mnl_attr_put_u16(nlh, IFLA_GRE_OFLAGS, gre_flags_to_be(oflags));
	mnl_attr_put(nlh, IFLA_GRE_LOCAL, alen, t->local.bytes);
	mnl_attr_put(nlh, IFLA_GRE_REMOTE, alen, t->remote.bytes);
	if (link > 0)
		mnl_attr_put_u32(nlh, IFLA_GRE_LINK, (uint32_t)link);
	mnl_attr_put_u8(nlh, IFLA_GRE_TTL, t->ttl);
	if (v6) {
		uint32_t flowinfo = 0, flags = IP6_TNL_F_IGN_ENCAP_LIMIT;

		if (t->tos_inherit)
			flags |= IP6_TNL_F_USE_ORIG_TCLASS;
		else
			flowinfo = htonl(((uint32_t)t->tos << 20) & IP6_FLOWINFO_TCLASS_MASK);
		mnl_attr_put_u32(nlh, IFLA_GRE_FLOWINFO, flowinfo);
		mnl_attr_put_u32(nlh, IFLA_GRE_FLAGS, flags);
		encap_flags = TUNNEL_ENCAP_FLAG_CSUM6;	/* iproute2's ip6gre default */
	} else {
		/* tos 1 is the kernel's "inherit" (ip_tunnel_get_dsfield). */
		mnl_attr_put_u8(nlh, IFLA_GRE_TOS, t->tos_inherit ? 1 : t->tos);
		mnl_attr_put_u8(nlh, IFLA_GRE_PMTUDISC, t->pmtudisc ? 1 : 0);
		mnl_attr_put_u8(nlh, IFLA_GRE_IGNORE_DF, t->ignore_df ? 1 : 0);
	}
	mnl_attr_put_u32(nlh, IFLA_GRE_FWMARK, t->fwmark);
	if (t->encap == ENCAP_UDP) {
		mnl_attr_put_u16(nlh, IFLA_GRE_ENCAP_TYPE, TUNNEL_ENCAP_FOU);
		mnl_attr_put_u16(nlh, IFLA_GRE_ENCAP_FLAGS, encap_flags);
		mnl_attr_put_u16(nlh, IFLA_GRE_ENCAP_SPORT, htons(t->encap_sport));
		mnl_attr_put_u16(nlh, IFLA_GRE_ENCAP_DPORT,
				 htons(t->encap_dport ? t->encap_dport : GRETUN_ENCAP_PORT));
	} else {
		mnl_attr_put_u16(nlh, IFLA_GRE_ENCAP_TYPE, TUNNEL_ENCAP_NONE);
		mnl_attr_put_u16(nlh, IFLA_GRE_ENCAP_FLAGS, encap_flags);
		mnl_attr_put_u16(nlh, IFLA_GRE_ENCAP_SPORT, 0);
		mnl_attr_put_u16(nlh, IFLA_GRE_ENCAP_DPORT, 0);
	}
}

void nl_gre_put_info_data(struct nlmsghdr *nlh, const struct tunnel *t)
{
	nl_gre_put_info_data_dev(nlh, t, 0);
}

static const struct nl_policy gre_policy[IFLA_GRE_MAX + 1] = {
	[IFLA_GRE_LINK] = { .type = MNL_TYPE_U32 },
	[IFLA_GRE_IFLAGS] = { .type = MNL_TYPE_U16 },
	[IFLA_GRE_OFLAGS] = { .type = MNL_TYPE_U16 },
	[IFLA_GRE_IKEY] = { .type = MNL_TYPE_U32 },
	[IFLA_GRE_OKEY] = { .type = MNL_TYPE_U32 },
	[IFLA_GRE_LOCAL] = { .type = MNL_TYPE_BINARY },	/* 4 or 16: checked below */
	[IFLA_GRE_REMOTE] = { .type = MNL_TYPE_BINARY },
	[IFLA_GRE_TTL] = { .type = MNL_TYPE_U8 },
	[IFLA_GRE_TOS] = { .type = MNL_TYPE_U8 },
	[IFLA_GRE_PMTUDISC] = { .type = MNL_TYPE_U8 },
	[IFLA_GRE_FLOWINFO] = { .type = MNL_TYPE_U32 },
	[IFLA_GRE_FLAGS] = { .type = MNL_TYPE_U32 },
	[IFLA_GRE_ENCAP_TYPE] = { .type = MNL_TYPE_U16 },
	[IFLA_GRE_ENCAP_FLAGS] = { .type = MNL_TYPE_U16 },
	[IFLA_GRE_ENCAP_SPORT] = { .type = MNL_TYPE_U16 },
	[IFLA_GRE_ENCAP_DPORT] = { .type = MNL_TYPE_U16 },
	[IFLA_GRE_IGNORE_DF] = { .type = MNL_TYPE_U8 },
	[IFLA_GRE_FWMARK] = { .type = MNL_TYPE_U32 },
};

static bool addr_is_any(const union inet_addr *a)
{
	static const union inet_addr any;

	return !memcmp(a, &any, sizeof(any));
}

int nl_gre_parse_info_data(const struct nlattr *data, struct tunnel *t, int *link)
{
	const struct nlattr *tb[IFLA_GRE_MAX + 1];
	bool v6 = tunnel_mode_family(t->mode) == AF_INET6;
	size_t alen = v6 ? 16 : 4;
	int ret;

	ret = nl_attr_parse_nested(data, gre_policy, IFLA_GRE_MAX, tb);
	if (ret < 0)
		return ret;
	/* The kernel always reports the endpoints, of its family's size. */
	if (!tb[IFLA_GRE_LOCAL] || !tb[IFLA_GRE_REMOTE] ||
	    mnl_attr_get_payload_len(tb[IFLA_GRE_LOCAL]) != alen ||
	    mnl_attr_get_payload_len(tb[IFLA_GRE_REMOTE]) != alen)
		return -EBADMSG;

	t->family = v6 ? AF_INET6 : AF_INET;
	t->flags |= TUNNEL_HAS_MODE;
	memset(&t->local, 0, sizeof(t->local));
	memset(&t->remote, 0, sizeof(t->remote));
	memcpy(t->local.bytes, mnl_attr_get_payload(tb[IFLA_GRE_LOCAL]), alen);
	memcpy(t->remote.bytes, mnl_attr_get_payload(tb[IFLA_GRE_REMOTE]), alen);
	if (!addr_is_any(&t->local))
		t->flags |= TUNNEL_HAS_LOCAL;
	if (!addr_is_any(&t->remote))
		t->flags |= TUNNEL_HAS_REMOTE;

	if (tb[IFLA_GRE_IFLAGS])
		t->iflags = gre_flags_from_be(mnl_attr_get_u16(tb[IFLA_GRE_IFLAGS]));
	if (tb[IFLA_GRE_OFLAGS])
		t->oflags = gre_flags_from_be(mnl_attr_get_u16(tb[IFLA_GRE_OFLAGS]));
	t->flags |= TUNNEL_HAS_ICSUM | TUNNEL_HAS_OCSUM | TUNNEL_HAS_ISEQ | TUNNEL_HAS_OSEQ;
	if ((t->iflags & GRE_OPT_KEY) && tb[IFLA_GRE_IKEY]) {
		t->ikey = ntohl(mnl_attr_get_u32(tb[IFLA_GRE_IKEY]));
		t->flags |= TUNNEL_HAS_IKEY;
	}
	if ((t->oflags & GRE_OPT_KEY) && tb[IFLA_GRE_OKEY]) {
		t->okey = ntohl(mnl_attr_get_u32(tb[IFLA_GRE_OKEY]));
		t->flags |= TUNNEL_HAS_OKEY;
	}
	if (tb[IFLA_GRE_TTL]) {
		t->ttl = mnl_attr_get_u8(tb[IFLA_GRE_TTL]);
		t->flags |= TUNNEL_HAS_TTL;
	}
	if (v6) {
		uint32_t flags = tb[IFLA_GRE_FLAGS] ? mnl_attr_get_u32(tb[IFLA_GRE_FLAGS]) : 0;

		t->tos_inherit = flags & IP6_TNL_F_USE_ORIG_TCLASS;
		t->tos = 0;
		if (!t->tos_inherit && tb[IFLA_GRE_FLOWINFO])
			t->tos = (uint8_t)((ntohl(mnl_attr_get_u32(tb[IFLA_GRE_FLOWINFO])) &
					    IP6_FLOWINFO_TCLASS_MASK) >> 20);
		t->flags |= TUNNEL_HAS_TOS;
	} else {
		if (tb[IFLA_GRE_TOS]) {
			uint8_t tos = mnl_attr_get_u8(tb[IFLA_GRE_TOS]);

			t->tos_inherit = tos & 1;
			t->tos = t->tos_inherit ? 0 : tos;
			t->flags |= TUNNEL_HAS_TOS;
		}
		if (tb[IFLA_GRE_PMTUDISC]) {
			t->pmtudisc = mnl_attr_get_u8(tb[IFLA_GRE_PMTUDISC]) != 0;
			t->flags |= TUNNEL_HAS_PMTUDISC;
		}
		if (tb[IFLA_GRE_IGNORE_DF]) {
			t->ignore_df = mnl_attr_get_u8(tb[IFLA_GRE_IGNORE_DF]) != 0;
			t->flags |= TUNNEL_HAS_IGNORE_DF;
		}
	}
	if (tb[IFLA_GRE_FWMARK]) {
		t->fwmark = mnl_attr_get_u32(tb[IFLA_GRE_FWMARK]);
		t->flags |= TUNNEL_HAS_FWMARK;
	}
	*link = tb[IFLA_GRE_LINK] ? (int)mnl_attr_get_u32(tb[IFLA_GRE_LINK]) : 0;
	t->encap = ENCAP_NONE;
	if (tb[IFLA_GRE_ENCAP_TYPE]) {
		uint16_t type = mnl_attr_get_u16(tb[IFLA_GRE_ENCAP_TYPE]);

		if (type == TUNNEL_ENCAP_FOU) {
			t->encap = ENCAP_UDP;
			if (tb[IFLA_GRE_ENCAP_DPORT]) {
				t->encap_dport = ntohs(mnl_attr_get_u16(tb[IFLA_GRE_ENCAP_DPORT]));
				t->flags |= TUNNEL_HAS_ENCAP_DPORT;
			}
			if (tb[IFLA_GRE_ENCAP_SPORT]) {
				t->encap_sport = ntohs(mnl_attr_get_u16(tb[IFLA_GRE_ENCAP_SPORT]));
				t->flags |= TUNNEL_HAS_ENCAP_SPORT;
			}
		} else if (type != TUNNEL_ENCAP_NONE) {
			/* GUE/MPLS: not ours to describe; say so rather than
			 * pretend it is plain GRE. */
			return -EOPNOTSUPP;
		}
		t->flags |= TUNNEL_HAS_ENCAP;
	}
	return 0;
}
