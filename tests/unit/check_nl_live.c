// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netlink/ against the running kernel. Each test runs in its own forked
 * child (Check's default) and first moves into a fresh network namespace
 * (unshare), with a TUN device gtnl0: nothing to clean up, nothing of the
 * host touched. What our code did is verified through libnl-route-3's
 * caches, not through our own parsers.
 *
 * libnl is loaded with dlopen: it exports nl_close, nl_dump, nl_addr_parse
 * and struct nl_sock / nl_addr too, so linking it next to netlink/ would
 * let one library's symbols stand in for the other's.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <check.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>

#include "nl.h"
#include "suite.h"

#define TUN_NAME "gtnl0"

/* ---- libnl-route-3, by dlopen -------------------------------------------- */

typedef struct lnl lnl;	/* any libnl object: we only pass pointers around */

static struct {
	lnl *(*socket_alloc)(void);
	int (*connect)(lnl *, int);
	void (*socket_free)(lnl *);
	void (*cache_free)(lnl *);
	lnl *(*cache_first)(lnl *);
	lnl *(*cache_next)(lnl *);
	int (*addr_cache)(lnl *, lnl **);
	int (*addr_ifindex)(lnl *);
	int (*addr_family)(lnl *);
	int (*addr_prefixlen)(lnl *);
	lnl *(*addr_local)(lnl *);
	void *(*bin)(lnl *);
	unsigned int (*bin_len)(lnl *);
	unsigned int (*bin_prefixlen)(lnl *);
	int (*route_cache)(lnl *, int, int, lnl **);
	lnl *(*route_dst)(lnl *);
	uint32_t (*route_table)(lnl *);
	uint8_t (*route_protocol)(lnl *);
	uint32_t (*route_priority)(lnl *);
	uint8_t (*route_family)(lnl *);
	uint8_t (*route_type)(lnl *);
	int (*route_nnh)(lnl *);
	lnl *(*route_nh)(lnl *, int);
	int (*nh_ifindex)(lnl *);
	lnl *(*nh_gateway)(lnl *);
	int (*rule_cache)(lnl *, int, lnl **);
	int (*rule_family)(lnl *);
	uint32_t (*rule_prio)(lnl *);
	uint32_t (*rule_mark)(lnl *);
	uint32_t (*rule_table)(lnl *);
	uint8_t (*rule_action)(lnl *);
	int (*rule_protocol)(lnl *, uint8_t *);
} L;

static const char *libnl_load(void)
{
	static const char *const names[] = { "libnl-route-3.so.200", "libnl-route-3.so" };
	void *h = NULL;

	for (size_t i = 0; i < 2 && !h; i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return "cannot dlopen libnl-route-3";
#define SYM(field, name) do { \
		*(void **)&L.field = dlsym(h, name); \
		if (!L.field) \
			return "libnl-route-3 lacks " name; \
	} while (0)
	SYM(socket_alloc, "nl_socket_alloc");
	SYM(connect, "nl_connect");
	SYM(socket_free, "nl_socket_free");
	SYM(cache_free, "nl_cache_free");
	SYM(cache_first, "nl_cache_get_first");
	SYM(cache_next, "nl_cache_get_next");
	SYM(addr_cache, "rtnl_addr_alloc_cache");
	SYM(addr_ifindex, "rtnl_addr_get_ifindex");
	SYM(addr_family, "rtnl_addr_get_family");
	SYM(addr_prefixlen, "rtnl_addr_get_prefixlen");
	SYM(addr_local, "rtnl_addr_get_local");
	SYM(bin, "nl_addr_get_binary_addr");
	SYM(bin_len, "nl_addr_get_len");
	SYM(bin_prefixlen, "nl_addr_get_prefixlen");
	SYM(route_cache, "rtnl_route_alloc_cache");
	SYM(route_dst, "rtnl_route_get_dst");
	SYM(route_table, "rtnl_route_get_table");
	SYM(route_protocol, "rtnl_route_get_protocol");
	SYM(route_priority, "rtnl_route_get_priority");
	SYM(route_family, "rtnl_route_get_family");
	SYM(route_type, "rtnl_route_get_type");
	SYM(route_nnh, "rtnl_route_get_nnexthops");
	SYM(route_nh, "rtnl_route_nexthop_n");
	SYM(nh_ifindex, "rtnl_route_nh_get_ifindex");
	SYM(nh_gateway, "rtnl_route_nh_get_gateway");
	SYM(rule_cache, "rtnl_rule_alloc_cache");
	SYM(rule_family, "rtnl_rule_get_family");
	SYM(rule_prio, "rtnl_rule_get_prio");
	SYM(rule_mark, "rtnl_rule_get_mark");
	SYM(rule_table, "rtnl_rule_get_table");
	SYM(rule_action, "rtnl_rule_get_action");
	SYM(rule_protocol, "rtnl_rule_get_protocol");
#undef SYM
	return NULL;
}

static lnl *libnl_sock(void)
{
	lnl *sk = L.socket_alloc();

	ck_assert_ptr_nonnull(sk);
	ck_assert_int_eq(L.connect(sk, 0 /* NETLINK_ROUTE */), 0);
	return sk;
}

/* The kernel's extended ACK message for nl's last request. */
static const char *kernel_msg(struct nl_sock *nl)
{
	static char buf[256];

	nl_errmsg(nl, buf, sizeof(buf));
	return buf;
}

static bool bin_eq(lnl *a, int family, const char *text)
{
	unsigned char want[16];
	size_t n = family == AF_INET ? 4 : 16;

	if (!a || L.bin_len(a) != n)
		return false;
	ck_assert_int_eq(inet_pton(family, text, want), 1);
	return !memcmp(L.bin(a), want, n);
}

static bool libnl_has_addr(int ifindex, int family, const char *text, int plen)
{
	lnl *sk = libnl_sock(), *cache = NULL;
	bool found = false;

	ck_assert_int_eq(L.addr_cache(sk, &cache), 0);
	for (lnl *o = L.cache_first(cache); o; o = L.cache_next(o))
		if (L.addr_ifindex(o) == ifindex && L.addr_family(o) == family &&
		    L.addr_prefixlen(o) == plen && bin_eq(L.addr_local(o), family, text))
			found = true;
	L.cache_free(cache);
	L.socket_free(sk);
	return found;
}

struct lroute {
	bool found;
	uint32_t table, priority;
	uint8_t protocol, type;
	int oif;
	char gw[INET6_ADDRSTRLEN];
};

/* Routes of family with protocol proto via ifindex; *one filled for dst. */
static int libnl_routes(int family, uint8_t proto, int ifindex, const char *dst, int plen,
			struct lroute *one)
{
	lnl *sk = libnl_sock(), *cache = NULL;
	int n = 0;

	if (one)
		memset(one, 0, sizeof(*one));
	ck_assert_int_eq(L.route_cache(sk, family, 0, &cache), 0);
	for (lnl *o = L.cache_first(cache); o; o = L.cache_next(o)) {
		lnl *nh, *d;

		if (L.route_family(o) != family || L.route_protocol(o) != proto ||
		    L.route_nnh(o) != 1)
			continue;
		nh = L.route_nh(o, 0);
		if (L.nh_ifindex(nh) != ifindex)
			continue;
		n++;
		d = L.route_dst(o);
		if (one && dst && bin_eq(d, family, dst) && (int)L.bin_prefixlen(d) == plen) {
			lnl *gw = L.nh_gateway(nh);

			one->found = true;
			one->table = L.route_table(o);
			one->priority = L.route_priority(o);
			one->protocol = L.route_protocol(o);
			one->type = L.route_type(o);
			one->oif = L.nh_ifindex(nh);
			if (gw && L.bin_len(gw))
				inet_ntop(family, L.bin(gw), one->gw, sizeof(one->gw));
		}
	}
	L.cache_free(cache);
	L.socket_free(sk);
	return n;
}

/* Rules of family at priority prio as libnl sees them; *mark, *table,
 * *proto of the last one (mark 0 when it has none). */
static int libnl_rules(int family, uint32_t prio, uint32_t *mark, uint32_t *table,
		       uint8_t *proto)
{
	lnl *sk = libnl_sock(), *cache = NULL;
	int n = 0;

	ck_assert_int_eq(L.rule_cache(sk, family, &cache), 0);
	for (lnl *o = L.cache_first(cache); o; o = L.cache_next(o)) {
		if (L.rule_family(o) != family || L.rule_prio(o) != prio)
			continue;
		n++;
		*mark = L.rule_mark(o) == UINT32_MAX ? 0 : L.rule_mark(o);
		*table = L.rule_table(o);
		*proto = 0;
		L.rule_protocol(o, proto);
		ck_assert_int_eq(L.rule_action(o), 1 /* FR_ACT_TO_TBL */);
	}
	L.cache_free(cache);
	L.socket_free(sk);
	return n;
}

/* ---- per-test namespace --------------------------------------------------- */

struct live {
	struct nl_sock *nl;
	int tunfd;
	int ifindex;
};

static void live_setup(struct live *lv)
{
	struct ifreq ifr;
	struct nl_link l;

	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %s", strerror(errno));
	lv->tunfd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(lv->tunfd, 0);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strcpy(ifr.ifr_name, TUN_NAME);
	ck_assert_int_eq(ioctl(lv->tunfd, TUNSETIFF, &ifr), 0);
	ck_assert_int_eq(nl_open(&lv->nl), 0);
	ck_assert_int_eq(nl_link_get(lv->nl, TUN_NAME, &l), 0);
	lv->ifindex = l.ifindex;
	ck_assert_int_eq(nl_link_set_up(lv->nl, lv->ifindex, true), 0);
}

static void live_teardown(struct live *lv)
{
	nl_close(lv->nl);
	close(lv->tunfd);
}

static void route_set(struct route *r, int family, const char *dst, uint8_t len)
{
	memset(r, 0, sizeof(*r));
	r->dst.family = family;
	r->dst.len = len;
	ck_assert_int_eq(inet_pton(family, dst, &r->dst.addr), 1);
}

/* ---- tests ------------------------------------------------------------------ */

struct dump_ctx {
	bool saw_tun, saw_lo;
};

static int dump_cb(const struct nl_link *l, void *data)
{
	struct dump_ctx *c = data;

	if (!strcmp(l->name, TUN_NAME))
		c->saw_tun = true;
	if (!strcmp(l->name, "lo"))
		c->saw_lo = true;
	return 0;
}

START_TEST(test_links)
{
	struct live lv;
	struct nl_link l;
	struct dump_ctx dc = { 0 };

	live_setup(&lv);
	ck_assert_int_eq(nl_link_get(lv.nl, TUN_NAME, &l), 0);
	ck_assert_str_eq(l.kind, "tun");
	ck_assert(!l.is_gre);
	ck_assert(l.has_stats);
	ck_assert(l.flags & IFF_UP);
	ck_assert_uint_eq(l.mtu, 1500);
	ck_assert_int_eq(nl_link_set_mtu(lv.nl, lv.ifindex, 1400), 0);
	ck_assert_int_eq(nl_link_get_index(lv.nl, lv.ifindex, &l), 0);
	ck_assert_uint_eq(l.mtu, 1400);
	ck_assert_str_eq(l.name, TUN_NAME);
	ck_assert_int_eq(nl_link_set_up(lv.nl, lv.ifindex, false), 0);
	ck_assert_int_eq(nl_link_get_index(lv.nl, lv.ifindex, &l), 0);
	ck_assert(!(l.flags & IFF_UP));
	ck_assert_int_eq(nl_link_get(lv.nl, "gtnl-none", &l), -ENODEV);
	ck_assert_int_eq(nl_link_get_index(lv.nl, 4242, &l), -ENODEV);
	ck_assert_int_eq(nl_link_dump(lv.nl, dump_cb, &dc), 0);
	ck_assert(dc.saw_tun && dc.saw_lo);
	live_teardown(&lv);
}
END_TEST

START_TEST(test_gre_create)
{
	enum tunnel_mode m = (enum tunnel_mode)_i;
	struct live lv;
	struct tunnel t;
	struct nl_link l;
	int ret;

	live_setup(&lv);
	tunnel_init(&t);
	t.mode = m;
	t.family = tunnel_mode_family(m);
	t.flags |= TUNNEL_HAS_MODE | TUNNEL_HAS_IKEY | TUNNEL_HAS_OKEY;
	t.ikey = t.okey = 42;
	t.iflags = t.oflags = GRE_OPT_KEY;
	strcpy(t.name, "gtnlgre0");
	if (t.family == AF_INET) {
		inet_pton(AF_INET, "198.51.100.1", &t.local);
		inet_pton(AF_INET, "198.51.100.2", &t.remote);
	} else {
		inet_pton(AF_INET6, "2001:db8:100::1", &t.local);
		inet_pton(AF_INET6, "2001:db8:100::2", &t.remote);
	}
	ret = nl_link_create(lv.nl, &t);
	if (ret == 0) {
		/* A kernel with GRE (the VM): it must read back as built. */
		ck_assert_int_eq(nl_link_get(lv.nl, "gtnlgre0", &l), 0);
		ck_assert(l.is_gre);
		ck_assert_int_eq(l.t.mode, m);
		ck_assert_uint_eq(l.t.ikey, 42);
		ck_assert_mem_eq(&l.t.remote, &t.remote, sizeof(t.remote));
		ck_assert_int_eq(nl_link_delete(lv.nl, l.ifindex), 0);
	} else {
		ck_assert_int_eq(ret, -EOPNOTSUPP);
		ck_assert_msg(kernel_msg(lv.nl)[0], "no extended ACK message");
	}
	/* an underlay device that does not exist */
	t.flags |= TUNNEL_HAS_DEV;
	strcpy(t.dev, "gtnl-nodev");
	ck_assert_int_eq(nl_link_create(lv.nl, &t), -ENODEV);
	live_teardown(&lv);
}
END_TEST

START_TEST(test_extack)
{
	struct live lv;
	struct route r;

	live_setup(&lv);
	ck_assert_int_eq(nl_link_set_mtu(lv.nl, lv.ifindex, 10), -EINVAL);
	ck_assert_msg(strlen(kernel_msg(lv.nl)) > 0, "no extended ACK message");
	/* a later success clears it */
	ck_assert_int_eq(nl_link_set_mtu(lv.nl, lv.ifindex, 1500), 0);
	ck_assert_str_eq(kernel_msg(lv.nl), "");
	route_set(&r, AF_INET, "198.51.100.1", 24);	/* host bits set */
	ck_assert_int_eq(nl_route_add(lv.nl, lv.ifindex, &r, GRETUN_RTPROT), -EINVAL);
	ck_assert_msg(strlen(kernel_msg(lv.nl)) > 0, "no extended ACK message");
	live_teardown(&lv);
}
END_TEST

START_TEST(test_addresses)
{
	struct live lv;
	struct prefix p4, p6;
	struct nl_addr *a = NULL;
	size_t n = 0;
	int seen = 0;

	live_setup(&lv);
	memset(&p4, 0, sizeof(p4));
	p4.family = AF_INET;
	p4.len = 26;
	inet_pton(AF_INET, "198.51.100.1", &p4.addr);
	memset(&p6, 0, sizeof(p6));
	p6.family = AF_INET6;
	p6.len = 64;
	inet_pton(AF_INET6, "2001:db8:100::1", &p6.addr);

	ck_assert_int_eq(nl_addr_add(lv.nl, lv.ifindex, &p4, GRETUN_IFAPROT), 0);
	ck_assert_int_eq(nl_addr_add(lv.nl, lv.ifindex, &p6, GRETUN_IFAPROT), 0);
	ck_assert_int_eq(nl_addr_add(lv.nl, lv.ifindex, &p4, GRETUN_IFAPROT), -EEXIST);
	ck_assert(libnl_has_addr(lv.ifindex, AF_INET, "198.51.100.1", 26));
	ck_assert(libnl_has_addr(lv.ifindex, AF_INET6, "2001:db8:100::1", 64));

	ck_assert_int_eq(nl_addr_list(lv.nl, lv.ifindex, &a, &n), 0);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(a[i].ifindex, lv.ifindex);
		if (a[i].p.family == AF_INET && !memcmp(&a[i].p.addr, &p4.addr, 4)) {
			ck_assert_uint_eq(a[i].p.len, 26);
			ck_assert_uint_eq(a[i].proto, GRETUN_IFAPROT);
			seen++;
		}
		if (a[i].p.family == AF_INET6 && !memcmp(&a[i].p.addr, &p6.addr, 16)) {
			ck_assert_uint_eq(a[i].proto, GRETUN_IFAPROT);
			seen++;
		}
	}
	free(a);
	ck_assert_int_eq(seen, 2);

	ck_assert_int_eq(nl_addr_del(lv.nl, lv.ifindex, &p4), 0);
	ck_assert(!libnl_has_addr(lv.ifindex, AF_INET, "198.51.100.1", 26));
	ck_assert(libnl_has_addr(lv.ifindex, AF_INET6, "2001:db8:100::1", 64));
	ck_assert_int_eq(nl_addr_del(lv.nl, lv.ifindex, &p4), -EADDRNOTAVAIL);
	ck_assert_int_eq(nl_addr_list(lv.nl, 0, &a, &n), 0);	/* every link */
	free(a);
	live_teardown(&lv);
}
END_TEST

START_TEST(test_routes)
{
	struct live lv;
	struct prefix p4;
	struct route r, g, v6;
	struct lroute lr;
	struct nl_route *rs = NULL;
	size_t n = 0;
	union inet_addr dst;
	int oif = 0, seen = 0;
	uint32_t mtu = 0;

	live_setup(&lv);
	memset(&p4, 0, sizeof(p4));
	p4.family = AF_INET;
	p4.len = 27;
	inet_pton(AF_INET, "198.51.100.1", &p4.addr);
	ck_assert_int_eq(nl_addr_add(lv.nl, lv.ifindex, &p4, 0), 0);

	route_set(&r, AF_INET, "198.51.100.32", 28);
	ck_assert_int_eq(nl_route_add(lv.nl, lv.ifindex, &r, GRETUN_RTPROT), 0);
	ck_assert_int_eq(nl_route_add(lv.nl, lv.ifindex, &r, GRETUN_RTPROT), -EEXIST);
	libnl_routes(AF_INET, GRETUN_RTPROT, lv.ifindex, "198.51.100.32", 28, &lr);
	ck_assert(lr.found);
	ck_assert_uint_eq(lr.table, RT_TABLE_MAIN);
	ck_assert_uint_eq(lr.type, RTN_UNICAST);
	ck_assert_str_eq(lr.gw, "");

	route_set(&g, AF_INET, "198.51.100.48", 28);
	g.flags = ROUTE_HAS_GATEWAY | ROUTE_HAS_METRIC | ROUTE_HAS_TABLE | ROUTE_HAS_SOURCE;
	inet_pton(AF_INET, "198.51.100.2", &g.gateway);
	inet_pton(AF_INET, "198.51.100.1", &g.source);
	g.metric = 20;
	g.table = 1000;
	ck_assert_int_eq(nl_route_add(lv.nl, lv.ifindex, &g, GRETUN_RTPROT), 0);
	libnl_routes(AF_INET, GRETUN_RTPROT, lv.ifindex, "198.51.100.48", 28, &lr);
	ck_assert(lr.found);
	ck_assert_uint_eq(lr.table, 1000);
	ck_assert_uint_eq(lr.priority, 20);
	ck_assert_str_eq(lr.gw, "198.51.100.2");

	inet_pton(AF_INET, "198.51.100.3", &g.gateway);
	ck_assert_int_eq(nl_route_replace(lv.nl, lv.ifindex, &g, GRETUN_RTPROT), 0);
	ck_assert_int_eq(libnl_routes(AF_INET, GRETUN_RTPROT, lv.ifindex, "198.51.100.48", 28, &lr),
			 2);
	ck_assert_str_eq(lr.gw, "198.51.100.3");

	route_set(&v6, AF_INET6, "2001:db8:100:1::", 64);
	v6.flags = ROUTE_HAS_METRIC;
	v6.metric = 50;
	ck_assert_int_eq(nl_route_add(lv.nl, lv.ifindex, &v6, GRETUN_RTPROT), 0);
	libnl_routes(AF_INET6, GRETUN_RTPROT, lv.ifindex, "2001:db8:100:1::", 64, &lr);
	ck_assert(lr.found);
	ck_assert_uint_eq(lr.priority, 50);

	ck_assert_int_eq(nl_route_list(lv.nl, lv.ifindex, &rs, &n), 0);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(rs[i].oif, lv.ifindex);
		ck_assert(rs[i].r.flags & ROUTE_HAS_TABLE);
		if (rs[i].protocol != GRETUN_RTPROT)
			continue;
		seen++;
		if (rs[i].r.dst.family == AF_INET && rs[i].r.dst.len == 28 &&
		    (rs[i].r.flags & ROUTE_HAS_GATEWAY)) {
			ck_assert_uint_eq(rs[i].r.table, 1000);
			ck_assert_uint_eq(rs[i].r.metric, 20);
			ck_assert(rs[i].r.flags & ROUTE_HAS_SOURCE);
		}
	}
	free(rs);
	ck_assert_int_eq(seen, 3);

	inet_pton(AF_INET, "198.51.100.40", &dst);
	ck_assert_int_eq(nl_route_lookup(lv.nl, AF_INET, &dst, &oif, &mtu), 0);
	ck_assert_int_eq(oif, lv.ifindex);
	ck_assert_uint_eq(mtu, 1500);
	inet_pton(AF_INET, "203.0.113.1", &dst);	/* no default route here */
	ck_assert_int_lt(nl_route_lookup(lv.nl, AF_INET, &dst, &oif, &mtu), 0);

	ck_assert_int_eq(nl_route_del(lv.nl, lv.ifindex, &g), 0);
	ck_assert_int_eq(nl_route_del(lv.nl, lv.ifindex, &v6), 0);
	ck_assert_int_eq(nl_route_del(lv.nl, lv.ifindex, &r), 0);
	ck_assert_int_eq(nl_route_del(lv.nl, lv.ifindex, &r), -ESRCH);
	ck_assert_int_eq(libnl_routes(AF_INET, GRETUN_RTPROT, lv.ifindex, NULL, 0, NULL), 0);
	ck_assert_int_eq(libnl_routes(AF_INET6, GRETUN_RTPROT, lv.ifindex, NULL, 0, NULL), 0);
	live_teardown(&lv);
}
END_TEST

static void batch_fill(struct nl_batch *b, int oif, unsigned int first, unsigned int count)
{
	struct route r;

	route_set(&r, AF_INET6, "2001:db8:100::", 128);
	for (unsigned int i = first; i < first + count; i++) {
		r.dst.addr.v6.s6_addr[12] = (uint8_t)(i >> 24);
		r.dst.addr.v6.s6_addr[13] = (uint8_t)(i >> 16);
		r.dst.addr.v6.s6_addr[14] = (uint8_t)(i >> 8);
		r.dst.addr.v6.s6_addr[15] = (uint8_t)i;
		nl_route_build(nl_batch_current(b), RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, oif,
			       &r, GRETUN_RTPROT);
		ck_assert_int_eq(nl_batch_next(b), 0);
	}
}

/* The two rules of a default route through a tunnel: added, seen by libnl
 * as sent, dumped and recognised, refused twice, deleted once. */
START_TEST(test_rules)
{
	struct live lv;
	struct nl_rule sup = {
		.family = AF_INET6, .priority = GRETUN_RULE_PRIO_MAIN, .table = RT_TABLE_MAIN,
		.suppress_prefixlen = 0, .protocol = GRETUN_RTPROT,
	};
	struct nl_rule mark = {
		.family = AF_INET, .priority = GRETUN_RULE_PRIO_TABLE, .table = 51820,
		.invert = true, .has_fwmark = true, .fwmark = 51820, .suppress_prefixlen = -1,
		.protocol = GRETUN_RTPROT,
	};
	struct nl_rule admin = mark, *v = NULL;
	size_t n = 0;
	uint32_t m, table;
	uint8_t proto;
	int found_mark = 0, found_sup = 0, found_admin = 0;

	live_setup(&lv);
	ck_assert_int_eq(nl_rule_add(lv.nl, &mark), 0);
	ck_assert_int_eq(nl_rule_add(lv.nl, &sup), 0);
	ck_assert_int_eq(nl_rule_add(lv.nl, &mark), -EEXIST);
	/* the same selectors with another protocol: the admin's, a rule of its own */
	admin.protocol = RTPROT_BOOT;
	ck_assert_int_eq(nl_rule_add(lv.nl, &admin), 0);

	ck_assert_int_eq(libnl_rules(AF_INET, GRETUN_RULE_PRIO_TABLE, &m, &table, &proto), 2);
	ck_assert_int_eq(libnl_rules(AF_INET6, GRETUN_RULE_PRIO_MAIN, &m, &table, &proto), 1);
	ck_assert_uint_eq(m, 0);
	ck_assert_uint_eq(table, RT_TABLE_MAIN);
	ck_assert_uint_eq(proto, GRETUN_RTPROT);

	ck_assert_int_eq(nl_rule_list(lv.nl, AF_UNSPEC, &v, &n), 0);
	for (size_t i = 0; i < n; i++) {
		found_mark += nl_rule_equal(&v[i], &mark);
		found_sup += nl_rule_equal(&v[i], &sup);
		found_admin += nl_rule_equal(&v[i], &admin);
		if (nl_rule_equal(&v[i], &sup))
			ck_assert_int_eq(v[i].suppress_prefixlen, 0);
		if (nl_rule_equal(&v[i], &mark))
			ck_assert(v[i].invert);
	}
	ck_assert_int_eq(found_mark, 1);
	ck_assert_int_eq(found_sup, 1);
	ck_assert_int_eq(found_admin, 1);
	/* the kernel's own rules are no rules of ours */
	ck_assert_uint_ge(n, 3 + 5);	/* local, main, default; local, main for IPv6 */
	free(v);

	/* delete takes gretun's and leaves the admin's */
	ck_assert_int_eq(nl_rule_del(lv.nl, &mark), 0);
	ck_assert_int_eq(nl_rule_del(lv.nl, &mark), -ENOENT);
	ck_assert_int_eq(libnl_rules(AF_INET, GRETUN_RULE_PRIO_TABLE, &m, &table, &proto), 1);
	ck_assert_uint_eq(m, 51820);
	ck_assert_uint_eq(table, 51820);
	ck_assert_uint_eq(proto, RTPROT_BOOT);
	ck_assert_int_eq(nl_rule_del(lv.nl, &sup), 0);
	ck_assert_int_eq(libnl_rules(AF_INET6, GRETUN_RULE_PRIO_MAIN, &m, &table, &proto), 0);
	live_teardown(&lv);
}
END_TEST

START_TEST(test_batch)
{
	struct live lv;
	struct nl_batch *b;
	struct route bad;
	int *err;

	live_setup(&lv);
	err = calloc(2001, sizeof(*err));
	ck_assert_ptr_nonnull(err);

	ck_assert_int_eq(nl_batch_new(&b), 0);
	batch_fill(b, lv.ifindex, 0, 1000);
	ck_assert_uint_eq(nl_batch_count(b), 1000);
	ck_assert_int_eq(nl_batch_send(lv.nl, b, err), 0);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(err[i], 0);
	ck_assert_int_eq(libnl_routes(AF_INET6, GRETUN_RTPROT, lv.ifindex, NULL, 0, NULL), 1000);
	nl_batch_free(b);

	/* 1000 new ones, with a duplicate of the first batch at index 500
	 * and one the kernel rejects (host bits set) at index 1500 */
	route_set(&bad, AF_INET, "198.51.100.1", 24);
	ck_assert_int_eq(nl_batch_new(&b), 0);
	batch_fill(b, lv.ifindex, 1000, 500);		/* 0..499 */
	batch_fill(b, lv.ifindex, 7, 1);		/* 500: EEXIST */
	batch_fill(b, lv.ifindex, 1500, 999);		/* 501..1499 */
	nl_route_build(nl_batch_current(b), RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, lv.ifindex,
		       &bad, GRETUN_RTPROT);
	ck_assert_int_eq(nl_batch_next(b), 0);		/* 1500: EINVAL */
	batch_fill(b, lv.ifindex, 2499, 500);		/* 1501..2000 */
	ck_assert_uint_eq(nl_batch_count(b), 2001);
	ck_assert_int_eq(nl_batch_send(lv.nl, b, err), -EEXIST);
	for (int i = 0; i < 2001; i++) {
		if (i == 500)
			ck_assert_int_eq(err[i], -EEXIST);
		else if (i == 1500)
			ck_assert_int_eq(err[i], -EINVAL);
		else
			ck_assert_msg(err[i] == 0, "err[%d] = %d", i, err[i]);
	}
	ck_assert_int_eq(libnl_routes(AF_INET6, GRETUN_RTPROT, lv.ifindex, NULL, 0, NULL),
			 1000 + 1999);
	nl_batch_free(b);
	free(err);
	live_teardown(&lv);
}
END_TEST

START_TEST(test_batch_chunks)
{
	enum { N = 60000 };
	struct live lv;
	struct nl_batch *b;
	int *err;

	/* More than one chunk (rcvbuf / reply size), all failing on the
	 * second pass: every error must come back, none lost. */
	live_setup(&lv);
	err = calloc(N, sizeof(*err));
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(nl_batch_new(&b), 0);
	batch_fill(b, lv.ifindex, 0, N);
	ck_assert_int_eq(nl_batch_send(lv.nl, b, err), 0);
	ck_assert_int_eq(libnl_routes(AF_INET6, GRETUN_RTPROT, lv.ifindex, NULL, 0, NULL), N);
	ck_assert_int_eq(nl_batch_send(lv.nl, b, err), -EEXIST);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(err[i], -EEXIST);
	nl_batch_free(b);
	free(err);
	live_teardown(&lv);
}
END_TEST

/* Can this process make a namespace with a TUN device at all? */
static const char *live_probe(void)
{
	const char *why = libnl_load();
	pid_t pid;
	int st;

	if (why)
		return why;
	pid = fork();
	if (pid == 0) {
		int fd;

		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		fd = open("/dev/net/tun", O_RDWR);
		_exit(fd < 0 ? 2 : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return "cannot fork";
	switch (WEXITSTATUS(st)) {
	case 0:
		return NULL;
	case 1:
		return "cannot unshare(CLONE_NEWNET)";
	default:
		return "no /dev/net/tun";
	}
}

int main(void)
{
	Suite *s;
	TCase *tc;
	const char *why;

	if (geteuid() != 0) {
		printf("SKIP: check_nl_live needs root (network namespaces, TUN)\n");
		return 77;
	}
	why = live_probe();
	if (why) {
		printf("SKIP: check_nl_live: %s\n", why);
		return 77;
	}
	s = suite_create("nl_live");
	tc = tcase_create("live");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_links);
	tcase_add_loop_test(tc, test_gre_create, 0, MODE_MAX_);
	tcase_add_test(tc, test_extack);
	tcase_add_test(tc, test_addresses);
	tcase_add_test(tc, test_routes);
	tcase_add_test(tc, test_rules);
	tcase_add_test(tc, test_batch);
	tcase_add_test(tc, test_batch_chunks);
	suite_add_tcase(s, tc);
	return check_run(s);
}
