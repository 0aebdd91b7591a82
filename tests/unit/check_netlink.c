// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netlink/ builders and parsers, without a socket: every builder is walked
 * attribute by attribute (mnl_attr_parse) and compared with the uapi
 * (type, length, value, byte order, nesting); parsers get truncated and
 * malformed replies; build -> parse round-trips for every option.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/fib_rules.h>
#include <linux/if_tunnel.h>
#include <linux/ip6_tunnel.h>
#include <linux/rtnetlink.h>

#include "nl.h"
#include "suite.h"

#define BUFSZ 8192

/* ---- helpers ------------------------------------------------------------ */

struct attrs {
	const struct nlattr *tb[64];
	int count[64];
	int max;
};

static int collect_cb(const struct nlattr *a, void *data)
{
	struct attrs *t = data;
	int type = mnl_attr_get_type(a);

	ck_assert_int_le(type, t->max);
	t->tb[type] = a;
	t->count[type]++;
	return MNL_CB_OK;
}

static void collect_msg(const struct nlmsghdr *nlh, size_t hdr, struct attrs *t, int max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
	ck_assert_int_eq(mnl_attr_parse(nlh, (unsigned int)hdr, collect_cb, t), MNL_CB_OK);
	for (int i = 0; i <= max; i++)
		ck_assert_int_le(t->count[i], 1);	/* no duplicates */
}

static void collect_nest(const struct nlattr *nest, struct attrs *t, int max)
{
	ck_assert_ptr_nonnull(nest);
	ck_assert_int_eq(mnl_attr_validate(nest, MNL_TYPE_NESTED), 0);
	memset(t, 0, sizeof(*t));
	t->max = max;
	ck_assert_int_eq(mnl_attr_parse_nested(nest, collect_cb, t), MNL_CB_OK);
	for (int i = 0; i <= max; i++)
		ck_assert_int_le(t->count[i], 1);
}

static void expect_bytes(const struct nlattr *a, const void *v, size_t len)
{
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(mnl_attr_get_payload_len(a), len);
	ck_assert_mem_eq(mnl_attr_get_payload(a), v, len);
}

static void expect_u8(const struct nlattr *a, uint8_t v)
{
	expect_bytes(a, &v, 1);
}

static void expect_u16_raw(const struct nlattr *a, uint8_t b0, uint8_t b1)
{
	const uint8_t v[2] = { b0, b1 };

	expect_bytes(a, v, 2);
}

static void expect_u32(const struct nlattr *a, uint32_t host)
{
	expect_bytes(a, &host, 4);
}

static void expect_be32(const struct nlattr *a, uint32_t host)
{
	uint32_t be = htonl(host);

	expect_bytes(a, &be, 4);
}

static void tunnel_base(struct tunnel *t, enum tunnel_mode m)
{
	tunnel_init(t);
	t->mode = m;
	t->family = tunnel_mode_family(m);
	t->flags |= TUNNEL_HAS_MODE | TUNNEL_HAS_LOCAL | TUNNEL_HAS_REMOTE;
	strcpy(t->name, "gt0");
	if (t->family == AF_INET) {
		inet_pton(AF_INET, "198.51.100.1", &t->local.v4);
		inet_pton(AF_INET, "198.51.100.2", &t->remote.v4);
	} else {
		inet_pton(AF_INET6, "2001:db8:100::1", &t->local.v6);
		inet_pton(AF_INET6, "2001:db8:100::2", &t->remote.v6);
	}
}

/* Build t's RTM_NEWLINK and return its IFLA_INFO_DATA attributes. */
static struct nlmsghdr *build_link(char *buf, const struct tunnel *t, int link,
				   struct attrs *msg, struct attrs *info, struct attrs *data)
{
	struct nlmsghdr *nlh = nl_link_build_new_dev(buf, t, 0, NLM_F_CREATE | NLM_F_EXCL, link);

	ck_assert_uint_eq(nlh->nlmsg_type, RTM_NEWLINK);
	ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	ck_assert_uint_le(nlh->nlmsg_len, BUFSZ);
	collect_msg(nlh, sizeof(struct ifinfomsg), msg, IFLA_MAX);
	collect_nest(msg->tb[IFLA_LINKINFO], info, IFLA_INFO_MAX);
	collect_nest(info->tb[IFLA_INFO_DATA], data, IFLA_GRE_MAX);
	return nlh;
}

static const char *const kinds[MODE_MAX_] = { "gre", "gretap", "ip6gre", "ip6gretap" };

/* ---- link builder ---------------------------------------------------------- */

START_TEST(test_link_defaults)
{
	enum tunnel_mode m = (enum tunnel_mode)_i;
	char buf[BUFSZ];
	struct attrs msg, info, d;
	struct tunnel t;
	const struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	bool v6 = tunnel_mode_family(m) == AF_INET6;

	tunnel_base(&t, m);
	nlh = build_link(buf, &t, 0, &msg, &info, &d);
	ifi = mnl_nlmsg_get_payload(nlh);
	ck_assert_int_eq(ifi->ifi_family, AF_UNSPEC);
	ck_assert_int_eq(ifi->ifi_index, 0);
	expect_bytes(msg.tb[IFLA_IFNAME], "gt0", 4);
	ck_assert_ptr_null(msg.tb[IFLA_MTU]);
	expect_bytes(info.tb[IFLA_INFO_KIND], kinds[m], strlen(kinds[m]) + 1);
	expect_be32(d.tb[IFLA_GRE_IKEY], 0);
	expect_be32(d.tb[IFLA_GRE_OKEY], 0);
	expect_u16_raw(d.tb[IFLA_GRE_IFLAGS], 0, 0);
	expect_u16_raw(d.tb[IFLA_GRE_OFLAGS], 0, 0);
	expect_bytes(d.tb[IFLA_GRE_LOCAL], t.local.bytes, v6 ? 16 : 4);
	expect_bytes(d.tb[IFLA_GRE_REMOTE], t.remote.bytes, v6 ? 16 : 4);
	ck_assert_ptr_null(d.tb[IFLA_GRE_LINK]);
	expect_u8(d.tb[IFLA_GRE_TTL], 0);
	expect_u32(d.tb[IFLA_GRE_FWMARK], 0);
	expect_u16_raw(d.tb[IFLA_GRE_ENCAP_TYPE], TUNNEL_ENCAP_NONE, 0);
	expect_u16_raw(d.tb[IFLA_GRE_ENCAP_SPORT], 0, 0);
	expect_u16_raw(d.tb[IFLA_GRE_ENCAP_DPORT], 0, 0);
	if (v6) {
		uint16_t ef = TUNNEL_ENCAP_FLAG_CSUM6;

		ck_assert_ptr_null(d.tb[IFLA_GRE_TOS]);
		ck_assert_ptr_null(d.tb[IFLA_GRE_PMTUDISC]);
		ck_assert_ptr_null(d.tb[IFLA_GRE_IGNORE_DF]);
		expect_be32(d.tb[IFLA_GRE_FLOWINFO], 0);
		expect_u32(d.tb[IFLA_GRE_FLAGS], IP6_TNL_F_IGN_ENCAP_LIMIT);
		expect_bytes(d.tb[IFLA_GRE_ENCAP_FLAGS], &ef, 2);
	} else {
		expect_u8(d.tb[IFLA_GRE_TOS], 0);
		expect_u8(d.tb[IFLA_GRE_PMTUDISC], 1);
		expect_u8(d.tb[IFLA_GRE_IGNORE_DF], 0);
		ck_assert_ptr_null(d.tb[IFLA_GRE_FLOWINFO]);
		ck_assert_ptr_null(d.tb[IFLA_GRE_FLAGS]);
		expect_u16_raw(d.tb[IFLA_GRE_ENCAP_FLAGS], 0, 0);
	}
}
END_TEST

START_TEST(test_link_keys_flags)
{
	enum tunnel_mode m = (enum tunnel_mode)_i;
	char buf[BUFSZ];
	struct attrs msg, info, d;
	struct tunnel t;

	tunnel_base(&t, m);
	t.flags |= TUNNEL_HAS_IKEY | TUNNEL_HAS_OKEY;
	t.ikey = 42;
	t.okey = 0x01020304;
	t.iflags = GRE_OPT_KEY | GRE_OPT_CSUM;
	t.oflags = GRE_OPT_KEY | GRE_OPT_SEQ;
	build_link(buf, &t, 0, &msg, &info, &d);
	expect_bytes(d.tb[IFLA_GRE_IKEY], "\x00\x00\x00\x2a", 4);
	expect_bytes(d.tb[IFLA_GRE_OKEY], "\x01\x02\x03\x04", 4);
	/* GRE_KEY|GRE_CSUM = be16 0x2000|0x8000, in wire order */
	expect_u16_raw(d.tb[IFLA_GRE_IFLAGS], 0xa0, 0x00);
	expect_u16_raw(d.tb[IFLA_GRE_OFLAGS], 0x30, 0x00);
	ck_assert_uint_eq(mnl_attr_get_u16(d.tb[IFLA_GRE_IFLAGS]), GRE_KEY | GRE_CSUM);
	ck_assert_uint_eq(mnl_attr_get_u16(d.tb[IFLA_GRE_OFLAGS]), GRE_KEY | GRE_SEQ);

	/* HAS_IKEY alone implies the K bit. */
	tunnel_base(&t, m);
	t.flags |= TUNNEL_HAS_IKEY;
	t.ikey = 7;
	build_link(buf, &t, 0, &msg, &info, &d);
	expect_u16_raw(d.tb[IFLA_GRE_IFLAGS], 0x20, 0x00);
	expect_u16_raw(d.tb[IFLA_GRE_OFLAGS], 0x00, 0x00);
	expect_be32(d.tb[IFLA_GRE_IKEY], 7);
	expect_be32(d.tb[IFLA_GRE_OKEY], 0);
}
END_TEST

START_TEST(test_link_ttl_tos_pmtu_df_mark_dev_mtu)
{
	enum tunnel_mode m = (enum tunnel_mode)_i;
	bool v6 = tunnel_mode_family(m) == AF_INET6;
	char buf[BUFSZ];
	struct attrs msg, info, d;
	struct tunnel t;

	tunnel_base(&t, m);
	t.flags |= TUNNEL_HAS_TTL | TUNNEL_HAS_TOS | TUNNEL_HAS_PMTUDISC |
		   TUNNEL_HAS_IGNORE_DF | TUNNEL_HAS_FWMARK | TUNNEL_HAS_MTU;
	t.ttl = 64;
	t.tos = 0x28;
	t.pmtudisc = false;
	t.ignore_df = true;
	t.fwmark = 0x1234;
	t.mtu = 1400;
	build_link(buf, &t, 7, &msg, &info, &d);
	expect_u32(msg.tb[IFLA_MTU], 1400);
	expect_u8(d.tb[IFLA_GRE_TTL], 64);
	expect_u32(d.tb[IFLA_GRE_LINK], 7);
	expect_u32(d.tb[IFLA_GRE_FWMARK], 0x1234);
	if (v6) {
		expect_bytes(d.tb[IFLA_GRE_FLOWINFO], "\x02\x80\x00\x00", 4);
		expect_u32(d.tb[IFLA_GRE_FLAGS], IP6_TNL_F_IGN_ENCAP_LIMIT);
		ck_assert_ptr_null(d.tb[IFLA_GRE_PMTUDISC]);
		ck_assert_ptr_null(d.tb[IFLA_GRE_IGNORE_DF]);
	} else {
		expect_u8(d.tb[IFLA_GRE_TOS], 0x28);
		expect_u8(d.tb[IFLA_GRE_PMTUDISC], 0);
		expect_u8(d.tb[IFLA_GRE_IGNORE_DF], 1);
	}

	t.tos_inherit = true;
	build_link(buf, &t, 0, &msg, &info, &d);
	ck_assert_ptr_null(d.tb[IFLA_GRE_LINK]);
	if (v6) {
		expect_be32(d.tb[IFLA_GRE_FLOWINFO], 0);
		expect_u32(d.tb[IFLA_GRE_FLAGS],
			   IP6_TNL_F_IGN_ENCAP_LIMIT | IP6_TNL_F_USE_ORIG_TCLASS);
	} else {
		expect_u8(d.tb[IFLA_GRE_TOS], 1);
	}
}
END_TEST

START_TEST(test_link_encap_fou)
{
	enum tunnel_mode m = (enum tunnel_mode)_i;
	bool v6 = tunnel_mode_family(m) == AF_INET6;
	uint16_t ef = v6 ? TUNNEL_ENCAP_FLAG_CSUM6 : 0;
	char buf[BUFSZ];
	struct attrs msg, info, d;
	struct tunnel t;

	tunnel_base(&t, m);
	t.flags |= TUNNEL_HAS_ENCAP | TUNNEL_HAS_ENCAP_DPORT | TUNNEL_HAS_ENCAP_SPORT;
	t.encap = ENCAP_UDP;
	t.encap_dport = 4754;
	t.encap_sport = 0;
	build_link(buf, &t, 0, &msg, &info, &d);
	ck_assert_uint_eq(mnl_attr_get_u16(d.tb[IFLA_GRE_ENCAP_TYPE]), TUNNEL_ENCAP_FOU);
	ck_assert_uint_eq(mnl_attr_get_payload_len(d.tb[IFLA_GRE_ENCAP_TYPE]), 2);
	expect_u16_raw(d.tb[IFLA_GRE_ENCAP_DPORT], 0x12, 0x92);	/* 4754, network order */
	expect_u16_raw(d.tb[IFLA_GRE_ENCAP_SPORT], 0, 0);	/* auto */
	expect_bytes(d.tb[IFLA_GRE_ENCAP_FLAGS], &ef, 2);

	t.encap_sport = 1234;
	t.encap_dport = 0;	/* unset -> the default port */
	build_link(buf, &t, 0, &msg, &info, &d);
	expect_u16_raw(d.tb[IFLA_GRE_ENCAP_SPORT], 0x04, 0xd2);
	expect_u16_raw(d.tb[IFLA_GRE_ENCAP_DPORT], 0x12, 0x92);
}
END_TEST

START_TEST(test_gre_put_info_data_only)
{
	char buf[BUFSZ];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct attrs d;
	struct tunnel t;

	/* It fills only IFLA_GRE_* at the current position. */
	tunnel_base(&t, MODE_GRE);
	nl_gre_put_info_data(nlh, &t);
	memset(&d, 0, sizeof(d));
	d.max = IFLA_GRE_MAX;
	ck_assert_int_eq(mnl_attr_parse(nlh, 0, collect_cb, &d), MNL_CB_OK);
	ck_assert_int_eq(d.count[IFLA_GRE_LOCAL], 1);
	ck_assert_ptr_null(d.tb[IFLA_GRE_LINK]);
	ck_assert_int_eq(d.count[IFLA_GRE_UNSPEC], 0);
}
END_TEST

START_TEST(test_link_del_set)
{
	char buf[BUFSZ];
	struct nlmsghdr *nlh;
	const struct ifinfomsg *ifi;
	struct attrs a;

	nlh = nl_link_build_del(buf, 9);
	ck_assert_uint_eq(nlh->nlmsg_type, RTM_DELLINK);
	ifi = mnl_nlmsg_get_payload(nlh);
	ck_assert_int_eq(ifi->ifi_index, 9);
	ck_assert_uint_eq(nlh->nlmsg_len, mnl_nlmsg_size(sizeof(*ifi)));

	nlh = nl_link_build_set(buf, 9, 1, 1300);
	ifi = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(nlh->nlmsg_type, RTM_NEWLINK);
	ck_assert_uint_eq(ifi->ifi_change, IFF_UP);
	ck_assert_uint_eq(ifi->ifi_flags, IFF_UP);
	collect_msg(nlh, sizeof(*ifi), &a, IFLA_MAX);
	expect_u32(a.tb[IFLA_MTU], 1300);

	nlh = nl_link_build_set(buf, 9, 0, 0);
	ifi = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(ifi->ifi_change, IFF_UP);
	ck_assert_uint_eq(ifi->ifi_flags, 0);
	ck_assert_uint_eq(nlh->nlmsg_len, mnl_nlmsg_size(sizeof(*ifi)));

	nlh = nl_link_build_set(buf, 9, -1, 1500);
	ifi = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(ifi->ifi_change, 0);
}
END_TEST

/* ---- link round trip ----------------------------------------------------- */

typedef void (*tweak_fn)(struct tunnel *t);

static void tw_none(struct tunnel *t) { (void)t; }
static void tw_key(struct tunnel *t)
{
	t->flags |= TUNNEL_HAS_IKEY | TUNNEL_HAS_OKEY;
	t->iflags |= GRE_OPT_KEY;
	t->oflags |= GRE_OPT_KEY;
	t->ikey = 0xdeadbeef;
	t->okey = 1;
}
static void tw_csum(struct tunnel *t) { t->iflags |= GRE_OPT_CSUM; t->oflags |= GRE_OPT_CSUM; }
static void tw_icsum(struct tunnel *t) { t->iflags |= GRE_OPT_CSUM; }
static void tw_oseq(struct tunnel *t) { t->oflags |= GRE_OPT_SEQ; }
static void tw_seq(struct tunnel *t) { t->iflags |= GRE_OPT_SEQ; t->oflags |= GRE_OPT_SEQ; }
static void tw_ttl(struct tunnel *t) { t->ttl = 200; t->flags |= TUNNEL_HAS_TTL; }
static void tw_tos(struct tunnel *t) { t->tos = 0xb8; t->flags |= TUNNEL_HAS_TOS; }
static void tw_tos_inh(struct tunnel *t) { t->tos_inherit = true; t->flags |= TUNNEL_HAS_TOS; }
static void tw_nopmtu(struct tunnel *t) { t->pmtudisc = false; t->flags |= TUNNEL_HAS_PMTUDISC; }
static void tw_igndf(struct tunnel *t)
{
	t->pmtudisc = false;
	t->ignore_df = true;
	t->flags |= TUNNEL_HAS_IGNORE_DF;
}
static void tw_mark(struct tunnel *t) { t->fwmark = 0xffffffffu; t->flags |= TUNNEL_HAS_FWMARK; }
static void tw_fou(struct tunnel *t)
{
	t->encap = ENCAP_UDP;
	t->encap_dport = 4754;
	t->encap_sport = 0;
	t->flags |= TUNNEL_HAS_ENCAP;
}
static void tw_fou_sport(struct tunnel *t)
{
	tw_fou(t);
	t->encap_sport = 40000;
	t->encap_dport = 5555;
}
static void tw_anylocal(struct tunnel *t)
{
	memset(&t->local, 0, sizeof(t->local));
	t->flags &= ~(uint32_t)TUNNEL_HAS_LOCAL;
}

static const tweak_fn tweaks[] = {
	tw_none, tw_key, tw_csum, tw_icsum, tw_oseq, tw_seq, tw_ttl, tw_tos, tw_tos_inh,
	tw_nopmtu, tw_igndf, tw_mark, tw_fou, tw_fou_sport, tw_anylocal,
};
#define N_TWEAKS (sizeof(tweaks) / sizeof(tweaks[0]))

static struct nlmsghdr *reply_from(char *buf, const struct tunnel *t, int link)
{
	struct tunnel c = *t;

	/* A builder message stands in for the kernel's reply: give it what
	 * a reply always has (ifindex, MTU). */
	c.flags |= TUNNEL_HAS_MTU;
	if (!c.mtu)
		c.mtu = 1476;
	return nl_link_build_new_dev(buf, &c, 5, 0, link);
}

START_TEST(test_link_roundtrip)
{
	enum tunnel_mode m = (enum tunnel_mode)(_i % MODE_MAX_);
	size_t k = (size_t)_i / MODE_MAX_;
	bool v6 = tunnel_mode_family(m) == AF_INET6;
	char buf[BUFSZ];
	struct nl_link l;
	struct tunnel t;

	tunnel_base(&t, m);
	tweaks[k](&t);
	ck_assert_int_eq(nl_link_parse(reply_from(buf, &t, 3), &l), 0);
	ck_assert(l.is_gre);
	ck_assert_int_eq(l.ifindex, 5);
	ck_assert_str_eq(l.name, "gt0");
	ck_assert_str_eq(l.kind, kinds[m]);
	ck_assert_uint_eq(l.mtu, 1476);
	ck_assert_int_eq(l.gre_link, 3);
	ck_assert_int_eq(l.t.mode, m);
	ck_assert_int_eq(l.t.family, t.family);
	ck_assert_str_eq(l.t.name, "gt0");
	ck_assert_mem_eq(&l.t.local, &t.local, sizeof(t.local));
	ck_assert_mem_eq(&l.t.remote, &t.remote, sizeof(t.remote));
	ck_assert_uint_eq(!!(l.t.flags & TUNNEL_HAS_LOCAL), !!(t.flags & TUNNEL_HAS_LOCAL));
	ck_assert_uint_eq(l.t.iflags, t.iflags);
	ck_assert_uint_eq(l.t.oflags, t.oflags);
	ck_assert_uint_eq(l.t.ikey, (t.iflags & GRE_OPT_KEY) ? t.ikey : 0);
	ck_assert_uint_eq(l.t.okey, (t.oflags & GRE_OPT_KEY) ? t.okey : 0);
	ck_assert_uint_eq(!!(l.t.flags & TUNNEL_HAS_IKEY), !!(t.iflags & GRE_OPT_KEY));
	ck_assert_uint_eq(l.t.ttl, t.ttl);
	ck_assert_uint_eq(l.t.tos_inherit, t.tos_inherit);
	if (!t.tos_inherit)
		ck_assert_uint_eq(l.t.tos, t.tos);
	if (!v6) {
		ck_assert_uint_eq(l.t.pmtudisc, t.pmtudisc);
		ck_assert_uint_eq(l.t.ignore_df, t.ignore_df);
	}
	ck_assert_uint_eq(l.t.fwmark, t.fwmark);
	ck_assert_int_eq(l.t.encap, t.encap);
	if (t.encap == ENCAP_UDP) {
		ck_assert_uint_eq(l.t.encap_dport, t.encap_dport);
		ck_assert_uint_eq(l.t.encap_sport, t.encap_sport);
	}
}
END_TEST

/* ---- malformed link replies --------------------------------------------- */

static struct nlmsghdr *good_reply(char *buf, enum tunnel_mode m)
{
	struct tunnel t;

	tunnel_base(&t, m);
	tw_key(&t);
	tw_fou(&t);
	return reply_from(buf, &t, 0);
}

/* Find attribute type in [start, start+len) at top level. */
static struct nlattr *find_attr(void *start, size_t len, uint16_t type)
{
	struct nlattr *attr;

	mnl_attr_for_each_payload(start, len) {
		if (mnl_attr_get_type(attr) == type)
			return attr;
	}
	return NULL;
}

static struct nlattr *msg_attr(struct nlmsghdr *nlh, size_t hdr, uint16_t type)
{
	return find_attr((char *)mnl_nlmsg_get_payload(nlh) + MNL_ALIGN(hdr),
			 nlh->nlmsg_len - MNL_NLMSG_HDRLEN - MNL_ALIGN(hdr), type);
}

static struct nlattr *gre_data_attr(struct nlmsghdr *nlh, uint16_t type)
{
	struct nlattr *li = msg_attr(nlh, sizeof(struct ifinfomsg), IFLA_LINKINFO);
	struct nlattr *data;

	ck_assert_ptr_nonnull(li);
	data = find_attr(mnl_attr_get_payload(li), mnl_attr_get_payload_len(li), IFLA_INFO_DATA);
	ck_assert_ptr_nonnull(data);
	return find_attr(mnl_attr_get_payload(data), mnl_attr_get_payload_len(data), type);
}

START_TEST(test_link_truncated)
{
	char buf[BUFSZ];
	struct nlmsghdr *nlh = good_reply(buf, (enum tunnel_mode)_i);
	uint32_t full = nlh->nlmsg_len;
	struct nl_link l;

	ck_assert_int_eq(nl_link_parse(nlh, &l), 0);
	/* Every cut: never a crash; cuts inside the header or inside an
	 * attribute are errors (the sanitizer build checks the reads). */
	for (uint32_t len = 0; len < full; len++) {
		char *copy = malloc(len < sizeof(struct nlmsghdr) ? sizeof(struct nlmsghdr) : len);
		struct nlmsghdr *c = (struct nlmsghdr *)copy;
		int ret;

		memcpy(copy, buf, len < sizeof(struct nlmsghdr) ? sizeof(struct nlmsghdr) : len);
		c->nlmsg_len = len;
		ret = nl_link_parse(c, &l);
		if (len < mnl_nlmsg_size(sizeof(struct ifinfomsg)))
			ck_assert_int_eq(ret, -EBADMSG);
		/* The last attribute is IFLA_LINKINFO: any cut into it
		 * breaks its nest length. */
		if (len > full - 8)
			ck_assert_int_lt(ret, 0);
		free(copy);
	}
}
END_TEST

START_TEST(test_link_malformed)
{
	char buf[BUFSZ];
	struct nlmsghdr *nlh;
	struct nlattr *a;
	struct nl_link l;
	struct ifinfomsg *ifi;

	/* attribute longer than the message */
	nlh = good_reply(buf, MODE_GRE);
	a = msg_attr(nlh, sizeof(*ifi), IFLA_MTU);
	a->nla_len = 0x7ff0;
	ck_assert_int_eq(nl_link_parse(nlh, &l), -EBADMSG);

	/* attribute length below its header */
	nlh = good_reply(buf, MODE_GRE);
	msg_attr(nlh, sizeof(*ifi), IFLA_MTU)->nla_len = 2;
	ck_assert_int_eq(nl_link_parse(nlh, &l), -EBADMSG);

	/* u32 of the wrong size */
	nlh = good_reply(buf, MODE_GRE);
	msg_attr(nlh, sizeof(*ifi), IFLA_MTU)->nla_len = 6;
	ck_assert_int_eq(nl_link_parse(nlh, &l), -EBADMSG);

	/* name without its NUL */
	nlh = good_reply(buf, MODE_GRE);
	a = msg_attr(nlh, sizeof(*ifi), IFLA_IFNAME);
	((char *)mnl_attr_get_payload(a))[3] = 'x';
	ck_assert_int_eq(nl_link_parse(nlh, &l), -EBADMSG);

	/* missing name: retype it to something unknown */
	nlh = good_reply(buf, MODE_GRE);
	msg_attr(nlh, sizeof(*ifi), IFLA_IFNAME)->nla_type = 0x3fff;
	ck_assert_int_eq(nl_link_parse(nlh, &l), -EBADMSG);

	/* nested garbage inside IFLA_INFO_DATA */
	nlh = good_reply(buf, MODE_GRE);
	a = gre_data_attr(nlh, IFLA_GRE_IKEY);
	a->nla_len = 0xfff;
	ck_assert_int_eq(nl_link_parse(nlh, &l), -EBADMSG);

	nlh = good_reply(buf, MODE_GRE);
	memset(gre_data_attr(nlh, IFLA_GRE_IKEY), 0xff, 8);
	ck_assert_int_eq(nl_link_parse(nlh, &l), -EBADMSG);

	/* wrong family: 16-byte endpoint on a gre (IPv4) device */
	nlh = good_reply(buf, MODE_IP6GRE);
	a = msg_attr(nlh, sizeof(*ifi), IFLA_LINKINFO);
	a = find_attr(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a), IFLA_INFO_KIND);
	memcpy(mnl_attr_get_payload(a), "gre\0\0\0\0", 7);	/* "ip6gre" -> "gre" */
	a->nla_len = 4 + 4;
	ck_assert_int_lt(nl_link_parse(nlh, &l), 0);

	/* GRE kind without IFLA_INFO_DATA */
	nlh = good_reply(buf, MODE_GRE);
	a = msg_attr(nlh, sizeof(*ifi), IFLA_LINKINFO);
	find_attr(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a),
		  IFLA_INFO_DATA)->nla_type = 0x3ff0;
	ck_assert_int_eq(nl_link_parse(nlh, &l), -EBADMSG);

	/* GRE data without endpoints */
	nlh = good_reply(buf, MODE_GRETAP);
	gre_data_attr(nlh, IFLA_GRE_REMOTE)->nla_type = 0x3ff0;
	ck_assert_int_eq(nl_link_parse(nlh, &l), -EBADMSG);

	/* wrong ifi_family, wrong message type */
	nlh = good_reply(buf, MODE_GRE);
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_family = AF_INET;
	ck_assert_int_lt(nl_link_parse(nlh, &l), 0);
	nlh = good_reply(buf, MODE_GRE);
	nlh->nlmsg_type = RTM_NEWADDR;
	ck_assert_int_eq(nl_link_parse(nlh, &l), -EINVAL);

	/* trailing garbage after the last attribute */
	nlh = good_reply(buf, MODE_GRE);
	memset((char *)nlh + nlh->nlmsg_len, 0xab, 3);
	nlh->nlmsg_len += 3;
	ck_assert_int_eq(nl_link_parse(nlh, &l), -EBADMSG);

	/* a non-GRE link parses, is_gre false */
	nlh = good_reply(buf, MODE_GRE);
	a = msg_attr(nlh, sizeof(*ifi), IFLA_LINKINFO);
	a = find_attr(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a), IFLA_INFO_KIND);
	memcpy(mnl_attr_get_payload(a), "tun", 4);
	ck_assert_int_eq(nl_link_parse(nlh, &l), 0);
	ck_assert(!l.is_gre);
	ck_assert_str_eq(l.kind, "tun");
}
END_TEST

START_TEST(test_link_stats64)
{
	char buf[BUFSZ];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct rtnl_link_stats64 st = { .rx_packets = 11, .tx_bytes = 1234567890123ull };
	struct nl_link l;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 2;
	ifi->ifi_flags = IFF_UP | IFF_RUNNING;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "tun0");
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	mnl_attr_put_u32(nlh, IFLA_LINK, 0);
	mnl_attr_put(nlh, IFLA_STATS64, sizeof(st), &st);
	ck_assert_int_eq(nl_link_parse(nlh, &l), 0);
	ck_assert(l.has_stats);
	ck_assert(!l.is_gre);
	ck_assert_str_eq(l.kind, "");
	ck_assert_uint_eq(l.stats.rx_packets, 11);
	ck_assert_uint_eq(l.stats.tx_bytes, 1234567890123ull);
	ck_assert_uint_eq(l.flags, IFF_UP | IFF_RUNNING);

	/* stats too short to be a stats64 */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 2;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "tun0");
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	mnl_attr_put(nlh, IFLA_STATS64, 16, &st);
	ck_assert_int_eq(nl_link_parse(nlh, &l), -EBADMSG);
}
END_TEST

/* ---- addresses ------------------------------------------------------------- */

static void prefix_set(struct prefix *p, int family, const char *s, uint8_t len)
{
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->len = len;
	ck_assert_int_eq(inet_pton(family, s, &p->addr), 1);
}

START_TEST(test_addr_build_parse)
{
	static const struct { int family; const char *a; uint8_t len; uint8_t proto; } cases[] = {
		{ AF_INET, "198.51.100.1", 26, GRETUN_IFAPROT },
		{ AF_INET, "198.51.100.63", 32, 0 },
		{ AF_INET6, "2001:db8:100::1", 64, GRETUN_IFAPROT },
		{ AF_INET6, "2001:db8:100::2", 128, 0 },
	};
	char buf[BUFSZ];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t alen = cases[i].family == AF_INET ? 4 : 16;
		const struct ifaddrmsg *ifa;
		struct nlmsghdr *nlh;
		struct prefix p;
		struct nl_addr out;
		struct attrs a;

		prefix_set(&p, cases[i].family, cases[i].a, cases[i].len);
		nlh = nl_addr_build(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, 4, &p, cases[i].proto);
		ck_assert_uint_eq(nlh->nlmsg_type, RTM_NEWADDR);
		ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
		ifa = mnl_nlmsg_get_payload(nlh);
		ck_assert_int_eq(ifa->ifa_family, cases[i].family);
		ck_assert_int_eq(ifa->ifa_prefixlen, cases[i].len);
		ck_assert_int_eq(ifa->ifa_index, 4);
		collect_msg(nlh, sizeof(*ifa), &a, IFA_MAX);
		expect_bytes(a.tb[IFA_LOCAL], &p.addr, alen);
		expect_bytes(a.tb[IFA_ADDRESS], &p.addr, alen);
		if (cases[i].proto)
			expect_u8(a.tb[IFA_PROTO], cases[i].proto);
		else
			ck_assert_ptr_null(a.tb[IFA_PROTO]);

		ck_assert_int_eq(nl_addr_parse(nlh, &out), 0);
		ck_assert_int_eq(out.ifindex, 4);
		ck_assert_int_eq(out.p.family, p.family);
		ck_assert_int_eq(out.p.len, p.len);
		ck_assert_mem_eq(&out.p.addr, &p.addr, sizeof(p.addr));
		ck_assert_uint_eq(out.proto, cases[i].proto);

		nlh = nl_addr_build(buf, RTM_DELADDR, 0, 4, &p, 0);
		ck_assert_uint_eq(nlh->nlmsg_type, RTM_DELADDR);
	}
}
END_TEST

START_TEST(test_addr_malformed)
{
	char buf[BUFSZ];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct nl_addr out;
	struct prefix p;

	prefix_set(&p, AF_INET, "198.51.100.1", 26);
	nlh = nl_addr_build(buf, RTM_NEWADDR, 0, 4, &p, 0);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 3;
	ck_assert_int_eq(nl_addr_parse(nlh, &out), -EBADMSG);

	nlh = nl_addr_build(buf, RTM_NEWADDR, 0, 4, &p, 0);
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_family = AF_PACKET;
	ck_assert_int_lt(nl_addr_parse(nlh, &out), 0);

	nlh = nl_addr_build(buf, RTM_NEWADDR, 0, 4, &p, 0);
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_prefixlen = 33;
	ck_assert_int_eq(nl_addr_parse(nlh, &out), -EBADMSG);

	/* v6 family with 4-byte addresses */
	nlh = nl_addr_build(buf, RTM_NEWADDR, 0, 4, &p, 0);
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_family = AF_INET6;
	ck_assert_int_eq(nl_addr_parse(nlh, &out), -EBADMSG);

	/* no address at all */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ck_assert_int_eq(nl_addr_parse(nlh, &out), -EBADMSG);

	/* IFA_PROTO of the wrong size */
	nlh = nl_addr_build(buf, RTM_NEWADDR, 0, 4, &p, 0);
	mnl_attr_put_u32(nlh, IFA_PROTO, 1);
	ck_assert_int_eq(nl_addr_parse(nlh, &out), -EBADMSG);

	/* bad attribute length */
	nlh = nl_addr_build(buf, RTM_NEWADDR, 0, 4, &p, 0);
	msg_attr(nlh, sizeof(*ifa), IFA_ADDRESS)->nla_len = 200;
	ck_assert_int_eq(nl_addr_parse(nlh, &out), -EBADMSG);

	nlh = nl_addr_build(buf, RTM_NEWADDR, 0, 4, &p, 0);
	nlh->nlmsg_type = RTM_NEWROUTE;
	ck_assert_int_eq(nl_addr_parse(nlh, &out), -EINVAL);
}
END_TEST

/* ---- rules ----------------------------------------------------------------- */

static void rule_table_fwmark(struct nl_rule *r, int family)
{
	memset(r, 0, sizeof(*r));
	r->family = family;
	r->priority = GRETUN_RULE_PRIO_TABLE;
	r->table = 51820;
	r->invert = true;
	r->has_fwmark = true;
	r->fwmark = 0xca6c;
	r->suppress_prefixlen = -1;
	r->protocol = GRETUN_RTPROT;
}

static void rule_main_suppress(struct nl_rule *r, int family)
{
	memset(r, 0, sizeof(*r));
	r->family = family;
	r->priority = GRETUN_RULE_PRIO_MAIN;
	r->table = RT_TABLE_MAIN;
	r->suppress_prefixlen = 0;
	r->protocol = GRETUN_RTPROT;
}

START_TEST(test_rule_build)
{
	char buf[BUFSZ];
	struct nlmsghdr *nlh;
	const struct fib_rule_hdr *frh;
	struct attrs a;
	struct nl_rule r;

	/* not fwmark 51820 lookup 51820: table >= 256 only in FRA_TABLE */
	rule_table_fwmark(&r, AF_INET);
	nlh = nl_rule_build(buf, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, &r);
	frh = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(nlh->nlmsg_type, RTM_NEWRULE);
	ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	ck_assert_int_eq(frh->family, AF_INET);
	ck_assert_int_eq(frh->action, FR_ACT_TO_TBL);
	ck_assert_int_eq(frh->table, RT_TABLE_UNSPEC);
	ck_assert_uint_eq(frh->flags, FIB_RULE_INVERT);
	ck_assert_int_eq(frh->dst_len, 0);
	ck_assert_int_eq(frh->src_len, 0);
	collect_msg(nlh, sizeof(*frh), &a, FRA_MAX);
	expect_u32(a.tb[FRA_TABLE], 51820);
	expect_u32(a.tb[FRA_PRIORITY], GRETUN_RULE_PRIO_TABLE);
	expect_u32(a.tb[FRA_FWMARK], 0xca6c);
	expect_u32(a.tb[FRA_FWMASK], 0xffffffff);
	expect_u8(a.tb[FRA_PROTOCOL], GRETUN_RTPROT);
	ck_assert_ptr_null(a.tb[FRA_SUPPRESS_PREFIXLEN]);

	/* lookup main suppress_prefixlength 0, IPv6 */
	rule_main_suppress(&r, AF_INET6);
	nlh = nl_rule_build(buf, RTM_DELRULE, 0, &r);
	frh = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(nlh->nlmsg_type, RTM_DELRULE);
	ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST);
	ck_assert_int_eq(frh->family, AF_INET6);
	ck_assert_int_eq(frh->table, RT_TABLE_MAIN);
	ck_assert_uint_eq(frh->flags, 0);
	collect_msg(nlh, sizeof(*frh), &a, FRA_MAX);
	expect_u32(a.tb[FRA_TABLE], RT_TABLE_MAIN);
	expect_u32(a.tb[FRA_PRIORITY], GRETUN_RULE_PRIO_MAIN);
	expect_u32(a.tb[FRA_SUPPRESS_PREFIXLEN], 0);
	ck_assert_ptr_null(a.tb[FRA_FWMARK]);
	ck_assert_ptr_null(a.tb[FRA_FWMASK]);

	/* no protocol: no FRA_PROTOCOL */
	r.protocol = 0;
	nlh = nl_rule_build(buf, RTM_NEWRULE, 0, &r);
	collect_msg(nlh, sizeof(*frh), &a, FRA_MAX);
	ck_assert_ptr_null(a.tb[FRA_PROTOCOL]);
}
END_TEST

START_TEST(test_rule_roundtrip)
{
	char buf[BUFSZ];
	struct nl_rule r, out;

	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;

		rule_table_fwmark(&r, family);
		ck_assert_int_eq(nl_rule_parse(nl_rule_build(buf, RTM_NEWRULE, 0, &r), &out), 0);
		ck_assert_int_eq(out.family, family);
		ck_assert(out.invert);
		ck_assert(out.has_fwmark);
		ck_assert_uint_eq(out.fwmark, 0xca6c);
		ck_assert_uint_eq(out.table, 51820);
		ck_assert_uint_eq(out.priority, GRETUN_RULE_PRIO_TABLE);
		ck_assert_int_eq(out.suppress_prefixlen, -1);
		ck_assert_int_eq(out.protocol, GRETUN_RTPROT);
		ck_assert_int_eq(out.action, FR_ACT_TO_TBL);
		ck_assert(!out.other);
		ck_assert(nl_rule_equal(&r, &out));

		rule_main_suppress(&r, family);
		ck_assert_int_eq(nl_rule_parse(nl_rule_build(buf, RTM_NEWRULE, 0, &r), &out), 0);
		ck_assert(!out.invert);
		ck_assert(!out.has_fwmark);
		ck_assert_int_eq(out.suppress_prefixlen, 0);
		ck_assert_uint_eq(out.table, RT_TABLE_MAIN);
		ck_assert(nl_rule_equal(&r, &out));
	}
	/* each field makes a different rule */
	rule_table_fwmark(&r, AF_INET);
	out = r;
	out.fwmark++;
	ck_assert(!nl_rule_equal(&r, &out));
	out = r;
	out.invert = false;
	ck_assert(!nl_rule_equal(&r, &out));
	out = r;
	out.table = 100;
	ck_assert(!nl_rule_equal(&r, &out));
	out = r;
	out.priority = 100;
	ck_assert(!nl_rule_equal(&r, &out));
	out = r;
	out.protocol = RTPROT_BOOT;	/* the admin's: never ours */
	ck_assert(!nl_rule_equal(&r, &out));
	out = r;
	out.family = AF_INET6;
	ck_assert(!nl_rule_equal(&r, &out));
}
END_TEST

START_TEST(test_rule_parse_other)
{
	char buf[BUFSZ];
	struct nlmsghdr *nlh;
	struct fib_rule_hdr *frh;
	struct nl_rule r, out;

	/* selectors gretun does not set make a rule that is not gretun's */
	rule_table_fwmark(&r, AF_INET);
	nlh = nl_rule_build(buf, RTM_NEWRULE, 0, &r);
	mnl_attr_put_strz(nlh, FRA_IIFNAME, "eth0");
	ck_assert_int_eq(nl_rule_parse(nlh, &out), 0);
	ck_assert(out.other);
	ck_assert(!nl_rule_equal(&r, &out));

	nlh = nl_rule_build(buf, RTM_NEWRULE, 0, &r);
	frh = mnl_nlmsg_get_payload(nlh);
	frh->src_len = 24;
	mnl_attr_put(nlh, FRA_SRC, 4, "\xc0\x00\x02\x00");
	ck_assert_int_eq(nl_rule_parse(nlh, &out), 0);
	ck_assert(out.other);

	/* a partial mark mask matches other marks too */
	nlh = nl_rule_build(buf, RTM_NEWRULE, 0, &r);
	*(uint32_t *)mnl_attr_get_payload(msg_attr(nlh, sizeof(*frh), FRA_FWMASK)) = 0xff;
	ck_assert_int_eq(nl_rule_parse(nlh, &out), 0);
	ck_assert(out.other);

	/* table from the header when there is no FRA_TABLE (old kernels) */
	rule_main_suppress(&r, AF_INET);
	nlh = nl_rule_build(buf, RTM_NEWRULE, 0, &r);
	msg_attr(nlh, sizeof(*frh), FRA_TABLE)->nla_type = 0x3ff0;
	ck_assert_int_eq(nl_rule_parse(nlh, &out), 0);
	ck_assert_uint_eq(out.table, RT_TABLE_MAIN);
}
END_TEST

START_TEST(test_rule_malformed)
{
	char buf[BUFSZ];
	struct nlmsghdr *nlh;
	struct fib_rule_hdr *frh;
	struct nl_rule r, out;

	rule_table_fwmark(&r, AF_INET6);

	nlh = nl_rule_build(buf, RTM_NEWRULE, 0, &r);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 4;
	ck_assert_int_eq(nl_rule_parse(nlh, &out), -EBADMSG);

	nlh = nl_rule_build(buf, RTM_NEWRULE, 0, &r);
	nlh->nlmsg_type = RTM_NEWROUTE;
	ck_assert_int_eq(nl_rule_parse(nlh, &out), -EINVAL);

	nlh = nl_rule_build(buf, RTM_NEWRULE, 0, &r);
	frh = mnl_nlmsg_get_payload(nlh);
	frh->family = 128;	/* RTNL_FAMILY_IPMR: skipped by the dump */
	ck_assert_int_eq(nl_rule_parse(nlh, &out), -EAFNOSUPPORT);

	nlh = nl_rule_build(buf, RTM_NEWRULE, 0, &r);
	frh = mnl_nlmsg_get_payload(nlh);
	frh->dst_len = 129;
	ck_assert_int_eq(nl_rule_parse(nlh, &out), -EBADMSG);

	nlh = nl_rule_build(buf, RTM_NEWRULE, 0, &r);
	msg_attr(nlh, sizeof(*frh), FRA_FWMARK)->nla_len = 6;
	ck_assert_int_eq(nl_rule_parse(nlh, &out), -EBADMSG);

	nlh = nl_rule_build(buf, RTM_NEWRULE, 0, &r);
	msg_attr(nlh, sizeof(*frh), FRA_TABLE)->nla_len = 0;
	ck_assert_int_eq(nl_rule_parse(nlh, &out), -EBADMSG);

	nlh = nl_rule_build(buf, RTM_NEWRULE, 0, &r);
	msg_attr(nlh, sizeof(*frh), FRA_PROTOCOL)->nla_len = 8;	/* u8 with 4 bytes */
	ck_assert_int_lt(nl_rule_parse(nlh, &out), 0);

	/* trailing garbage after the attributes */
	nlh = nl_rule_build(buf, RTM_NEWRULE, 0, &r);
	nlh->nlmsg_len += 2;
	ck_assert_int_eq(nl_rule_parse(nlh, &out), -EBADMSG);
}
END_TEST

/* ---- routes ---------------------------------------------------------------- */

START_TEST(test_route_build)
{
	char buf[BUFSZ];
	struct nlmsghdr *nlh;
	const struct rtmsg *rtm;
	struct attrs a;
	struct route r;

	memset(&r, 0, sizeof(r));
	prefix_set(&r.dst, AF_INET, "198.51.100.0", 26);
	nlh = nl_route_build(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, 6, &r, GRETUN_RTPROT);
	rtm = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	ck_assert_int_eq(rtm->rtm_family, AF_INET);
	ck_assert_int_eq(rtm->rtm_dst_len, 26);
	ck_assert_int_eq(rtm->rtm_table, RT_TABLE_MAIN);
	ck_assert_int_eq(rtm->rtm_protocol, GRETUN_RTPROT);
	ck_assert_int_eq(rtm->rtm_scope, RT_SCOPE_LINK);
	ck_assert_int_eq(rtm->rtm_type, RTN_UNICAST);
	collect_msg(nlh, sizeof(*rtm), &a, RTA_MAX);
	expect_bytes(a.tb[RTA_DST], "\xc6\x33\x64\x00", 4);
	expect_u32(a.tb[RTA_OIF], 6);
	expect_u32(a.tb[RTA_TABLE], RT_TABLE_MAIN);
	ck_assert_ptr_null(a.tb[RTA_GATEWAY]);
	ck_assert_ptr_null(a.tb[RTA_PRIORITY]);
	ck_assert_ptr_null(a.tb[RTA_PREFSRC]);

	r.flags = ROUTE_HAS_GATEWAY | ROUTE_HAS_METRIC | ROUTE_HAS_TABLE | ROUTE_HAS_SOURCE;
	inet_pton(AF_INET, "198.51.100.2", &r.gateway);
	inet_pton(AF_INET, "198.51.100.1", &r.source);
	r.metric = 100;
	r.table = 1000;
	nlh = nl_route_build(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, 6, &r, GRETUN_RTPROT);
	rtm = mnl_nlmsg_get_payload(nlh);
	ck_assert_int_eq(rtm->rtm_table, RT_TABLE_UNSPEC);	/* >= 256: attribute only */
	ck_assert_int_eq(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	collect_msg(nlh, sizeof(*rtm), &a, RTA_MAX);
	expect_u32(a.tb[RTA_TABLE], 1000);
	expect_bytes(a.tb[RTA_GATEWAY], "\xc6\x33\x64\x02", 4);
	expect_bytes(a.tb[RTA_PREFSRC], "\xc6\x33\x64\x01", 4);
	expect_u32(a.tb[RTA_PRIORITY], 100);

	r.table = 100;
	nlh = nl_route_build(buf, RTM_DELROUTE, 0, 0, &r, 0);
	rtm = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(nlh->nlmsg_type, RTM_DELROUTE);
	ck_assert_int_eq(rtm->rtm_table, 100);
	ck_assert_int_eq(rtm->rtm_scope, RT_SCOPE_NOWHERE);
	ck_assert_int_eq(rtm->rtm_protocol, 0);
	collect_msg(nlh, sizeof(*rtm), &a, RTA_MAX);
	ck_assert_ptr_null(a.tb[RTA_OIF]);

	memset(&r, 0, sizeof(r));
	prefix_set(&r.dst, AF_INET6, "2001:db8:100::", 48);
	r.flags = ROUTE_HAS_GATEWAY;
	inet_pton(AF_INET6, "2001:db8:100::1", &r.gateway);
	nlh = nl_route_build(buf, RTM_NEWROUTE, NLM_F_CREATE, 3, &r, GRETUN_RTPROT);
	collect_msg(nlh, sizeof(*rtm), &a, RTA_MAX);
	expect_bytes(a.tb[RTA_DST], &r.dst.addr, 16);
	expect_bytes(a.tb[RTA_GATEWAY], &r.gateway, 16);

	/* default route: no RTA_DST */
	memset(&r, 0, sizeof(r));
	r.dst.family = AF_INET6;
	nlh = nl_route_build(buf, RTM_NEWROUTE, NLM_F_CREATE, 3, &r, GRETUN_RTPROT);
	collect_msg(nlh, sizeof(*rtm), &a, RTA_MAX);
	ck_assert_ptr_null(a.tb[RTA_DST]);
}
END_TEST

START_TEST(test_route_roundtrip)
{
	char buf[BUFSZ];
	struct nl_route out;
	struct route r;

	for (int fam = 0; fam < 2; fam++) {
		for (uint32_t bits = 0; bits < 16; bits++) {
			memset(&r, 0, sizeof(r));
			if (fam == 0) {
				prefix_set(&r.dst, AF_INET, "198.51.100.32", 27);
				inet_pton(AF_INET, "198.51.100.2", &r.gateway);
				inet_pton(AF_INET, "198.51.100.1", &r.source);
			} else {
				prefix_set(&r.dst, AF_INET6, "2001:db8:100:1::", 64);
				inet_pton(AF_INET6, "2001:db8:100::2", &r.gateway);
				inet_pton(AF_INET6, "2001:db8:100::1", &r.source);
			}
			r.flags = bits;
			r.metric = 77;
			r.table = 4242;
			if (!(bits & ROUTE_HAS_GATEWAY))
				memset(&r.gateway, 0, sizeof(r.gateway));
			if (!(bits & ROUTE_HAS_SOURCE))
				memset(&r.source, 0, sizeof(r.source));
			ck_assert_int_eq(nl_route_parse(nl_route_build(buf, RTM_NEWROUTE, 0, 9, &r,
								       GRETUN_RTPROT), &out), 0);
			ck_assert_uint_eq(out.r.flags, bits | ROUTE_HAS_TABLE);
			ck_assert_uint_eq(out.r.table, (bits & ROUTE_HAS_TABLE) ? 4242 : RT_TABLE_MAIN);
			ck_assert_int_eq(out.r.dst.family, r.dst.family);
			ck_assert_int_eq(out.r.dst.len, r.dst.len);
			ck_assert_mem_eq(&out.r.dst.addr, &r.dst.addr, sizeof(r.dst.addr));
			ck_assert_mem_eq(&out.r.gateway, &r.gateway, sizeof(r.gateway));
			ck_assert_mem_eq(&out.r.source, &r.source, sizeof(r.source));
			if (bits & ROUTE_HAS_METRIC)
				ck_assert_uint_eq(out.r.metric, 77);
			ck_assert_int_eq(out.oif, 9);
			ck_assert_int_eq(out.protocol, GRETUN_RTPROT);
			ck_assert_int_eq(out.type, RTN_UNICAST);
			ck_assert_int_eq(out.scope, (bits & ROUTE_HAS_GATEWAY) ? RT_SCOPE_UNIVERSE
									      : RT_SCOPE_LINK);
		}
	}
}
END_TEST

START_TEST(test_route_malformed)
{
	char buf[BUFSZ];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct nl_route out;
	struct route r;

	memset(&r, 0, sizeof(r));
	prefix_set(&r.dst, AF_INET6, "2001:db8:100::", 48);

	nlh = nl_route_build(buf, RTM_NEWROUTE, 0, 3, &r, 0);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 4;
	ck_assert_int_eq(nl_route_parse(nlh, &out), -EBADMSG);

	nlh = nl_route_build(buf, RTM_NEWROUTE, 0, 3, &r, 0);
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = 128;	/* RTNL_FAMILY_IPMR */
	ck_assert_int_lt(nl_route_parse(nlh, &out), 0);

	nlh = nl_route_build(buf, RTM_NEWROUTE, 0, 3, &r, 0);
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = AF_INET;	/* 16-byte RTA_DST on IPv4 */
	rtm->rtm_dst_len = 24;
	ck_assert_int_eq(nl_route_parse(nlh, &out), -EBADMSG);

	nlh = nl_route_build(buf, RTM_NEWROUTE, 0, 3, &r, 0);
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_dst_len = 129;
	ck_assert_int_eq(nl_route_parse(nlh, &out), -EBADMSG);

	/* dst_len without RTA_DST */
	nlh = nl_route_build(buf, RTM_NEWROUTE, 0, 3, &r, 0);
	msg_attr(nlh, sizeof(*rtm), RTA_DST)->nla_type = 0x3ff0;
	ck_assert_int_eq(nl_route_parse(nlh, &out), -EBADMSG);

	nlh = nl_route_build(buf, RTM_NEWROUTE, 0, 3, &r, 0);
	msg_attr(nlh, sizeof(*rtm), RTA_OIF)->nla_len = 6;
	ck_assert_int_eq(nl_route_parse(nlh, &out), -EBADMSG);

	nlh = nl_route_build(buf, RTM_NEWROUTE, 0, 3, &r, 0);
	msg_attr(nlh, sizeof(*rtm), RTA_TABLE)->nla_len = 0;
	ck_assert_int_eq(nl_route_parse(nlh, &out), -EBADMSG);

	/* RTA_METRICS with garbage is rejected even though list ignores it */
	nlh = nl_route_build(buf, RTM_NEWROUTE, 0, 3, &r, 0);
	mnl_attr_put(nlh, RTA_METRICS, 3, "abc");
	ck_assert_int_eq(nl_route_parse(nlh, &out), -EBADMSG);

	nlh = nl_route_build(buf, RTM_NEWROUTE, 0, 3, &r, 0);
	nlh->nlmsg_type = RTM_NEWLINK;
	ck_assert_int_eq(nl_route_parse(nlh, &out), -EINVAL);
}
END_TEST

START_TEST(test_ack_parse)
{
	char buf[BUFSZ];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	ck_assert_int_eq(nl_ack_parse(nlh), 0);
	e->error = -EEXIST;
	ck_assert_int_eq(nl_ack_parse(nlh), -EEXIST);
	e->error = 5;
	ck_assert_int_eq(nl_ack_parse(nlh), -EBADMSG);
	e->error = -EEXIST;
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 4;
	ck_assert_int_eq(nl_ack_parse(nlh), -EBADMSG);
	nlh->nlmsg_type = NLMSG_DONE;
	ck_assert_int_eq(nl_ack_parse(nlh), -EINVAL);
}
END_TEST

START_TEST(test_batch_buffer)
{
	struct nl_batch *b;
	struct route r;

	memset(&r, 0, sizeof(r));
	prefix_set(&r.dst, AF_INET6, "2001:db8:100::", 128);
	ck_assert_int_eq(nl_batch_new(&b), 0);
	ck_assert_uint_eq(nl_batch_count(b), 0);
	for (int i = 0; i < 20000; i++) {
		r.dst.addr.v6.s6_addr[15] = (uint8_t)i;
		nl_route_build(nl_batch_current(b), RTM_NEWROUTE, NLM_F_CREATE, 1, &r, 1);
		ck_assert_int_eq(nl_batch_next(b), 0);
	}
	ck_assert_uint_eq(nl_batch_count(b), 20000);
	/* an unfilled (zero-length) message is refused */
	memset(nl_batch_current(b), 0, sizeof(struct nlmsghdr));
	ck_assert_int_eq(nl_batch_next(b), -EINVAL);
	ck_assert_uint_eq(nl_batch_count(b), 20000);
	nl_batch_free(b);
}
END_TEST

static Suite *netlink_suite(void)
{
	Suite *s = suite_create("netlink");
	TCase *tc = tcase_create("builders");

	tcase_add_loop_test(tc, test_link_defaults, 0, MODE_MAX_);
	tcase_add_loop_test(tc, test_link_keys_flags, 0, MODE_MAX_);
	tcase_add_loop_test(tc, test_link_ttl_tos_pmtu_df_mark_dev_mtu, 0, MODE_MAX_);
	tcase_add_loop_test(tc, test_link_encap_fou, 0, MODE_MAX_);
	tcase_add_test(tc, test_gre_put_info_data_only);
	tcase_add_test(tc, test_link_del_set);
	tcase_add_test(tc, test_addr_build_parse);
	tcase_add_test(tc, test_route_build);
	tcase_add_test(tc, test_rule_build);
	tcase_add_test(tc, test_batch_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("parsers");
	tcase_add_loop_test(tc, test_link_roundtrip, 0, (int)(MODE_MAX_ * N_TWEAKS));
	tcase_add_loop_test(tc, test_link_truncated, 0, MODE_MAX_);
	tcase_add_test(tc, test_link_malformed);
	tcase_add_test(tc, test_link_stats64);
	tcase_add_test(tc, test_addr_malformed);
	tcase_add_test(tc, test_route_roundtrip);
	tcase_add_test(tc, test_route_malformed);
	tcase_add_test(tc, test_rule_roundtrip);
	tcase_add_test(tc, test_rule_parse_other);
	tcase_add_test(tc, test_rule_malformed);
	tcase_add_test(tc, test_ack_parse);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(netlink_suite());
}
