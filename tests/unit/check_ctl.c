// SPDX-License-Identifier: GPL-2.0-or-later
/* The control protocol: request parser/formatter and the reply parser. */
#include <check.h>
#include <errno.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "gretund_proto.h"
#include "suite.h"

static int parse(const char *line, struct ctl_request *req, char *err)
{
	return ctl_request_parse(line, strlen(line), req, err, CTL_ERR_MAX);
}

START_TEST(test_simple_commands)
{
	struct ctl_request r;
	char err[CTL_ERR_MAX];

	ck_assert_int_eq(parse("ping\n", &r, err), 0);
	ck_assert_int_eq(r.cmd, CTL_CMD_PING);
	ck_assert_int_eq(parse("list", &r, err), 0);
	ck_assert_int_eq(r.cmd, CTL_CMD_LIST);
	ck_assert_int_eq(parse("get gt1\r\n", &r, err), 0);
	ck_assert_int_eq(r.cmd, CTL_CMD_GET);
	ck_assert_str_eq(r.name, "gt1");
	ck_assert_int_eq(parse("destroy  gt1 ", &r, err), 0);
	ck_assert_int_eq(r.cmd, CTL_CMD_DESTROY);
	ck_assert_int_eq(parse("stats gt1", &r, err), 0);
}
END_TEST

START_TEST(test_create_full)
{
	struct ctl_request r;
	char err[CTL_ERR_MAX];

	ck_assert_int_eq(parse("create gt1 mode=gretap local=192.0.2.1 remote=192.0.2.2 "
			       "ikey=1.2.3.4 okey=7 iflags=csum,seq oflags=csum,key,seq ttl=inherit "
			       "tos=0x10 pmtudisc=no ignore_df=yes dev=veth0 fwmark=0x10 encap=udp "
			       "encap_dport=5000 encap_sport=auto mtu=1400\n", &r, err), 0);
	ck_assert_int_eq(r.cmd, CTL_CMD_CREATE);
	ck_assert_int_eq(r.t.mode, MODE_GRETAP);
	ck_assert_int_eq(r.t.family, AF_INET);
	ck_assert_uint_eq(r.t.ikey, 0x01020304);
	ck_assert_uint_eq(r.t.okey, 7);
	ck_assert_uint_eq(r.t.iflags, GRE_OPT_CSUM | GRE_OPT_KEY | GRE_OPT_SEQ);
	ck_assert_uint_eq(r.t.oflags, GRE_OPT_CSUM | GRE_OPT_KEY | GRE_OPT_SEQ);
	ck_assert_uint_eq(r.t.ttl, 0);
	ck_assert_uint_eq(r.t.tos, 0x10);
	ck_assert(!r.t.tos_inherit);
	ck_assert(!r.t.pmtudisc);
	ck_assert(r.t.ignore_df);
	ck_assert_str_eq(r.t.dev, "veth0");
	ck_assert_uint_eq(r.t.fwmark, 16);
	ck_assert_int_eq(r.t.encap, ENCAP_UDP);
	ck_assert_uint_eq(r.t.encap_dport, 5000);
	ck_assert_uint_eq(r.t.encap_sport, 0);
	ck_assert_uint_eq(r.t.mtu, 1400);
}
END_TEST

START_TEST(test_create_errors)
{
	static const char *const bad[] = {
		"", "   ", "bogus", "create", "create gt1", "create gt1 remote=192.0.2.2 mode=x",
		"create gt1 remote=2001:db8::1", "create gt1 mode=ip6gre remote=192.0.2.1",
		"create gt1 remote=192.0.2.2 local=2001:db8::1", "create gt1 remote=0.0.0.0",
		"create gt1 remote=192.0.2.2 ttl=256", "create gt1 remote=192.0.2.2 ttl=-1",
		"create gt1 remote=192.0.2.2 ikey=4294967296", "create gt1 remote=192.0.2.2 ikey=1.2.3",
		"create gt1 remote=192.0.2.2 iflags=csum,,key", "create gt1 remote=192.0.2.2 iflags=foo",
		"create gt1 remote=192.0.2.2 iflags=csum,", "create gt1 remote=192.0.2.2 remote=192.0.2.3",
		"create gt1 remote=192.0.2.2 unknown=1", "create gt1 remote=192.0.2.2 novalue",
		"create gt1 remote=192.0.2.2 =x", "create gt1 remote=192.0.2.2 pmtudisc=maybe",
		"create gt1 remote=192.0.2.2 ignore_df=yes", "create gt1 remote=192.0.2.2 encap_dport=0",
		"create gt1 remote=192.0.2.2 mtu=67", "create gt1 remote=192.0.2.2 dev=a/b",
		"create thisnameiswaytoolong remote=192.0.2.2", "create a=b remote=192.0.2.2",
		"get", "get gt1 extra", "ping extra", "create gt1 remote=192.0.2.2 encap=gue",
		"create gt1 remote=192.0.2.2\x01", "get g\xc3\xa9",
	};
	struct ctl_request r;
	char err[CTL_ERR_MAX];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(parse(bad[i], &r, err) < 0, "accepted: %s", bad[i]);
		ck_assert_msg(err[0], "no message for: %s", bad[i]);
	}
	/* Cisco keepalives: GRE over IPv4 only. */
	ck_assert_int_eq(parse("create gt1 remote=192.0.2.2 keepalive=10,3", &r, err), 0);
	ck_assert_int_eq(r.t.keepalive_interval, 10);
	ck_assert_int_eq(r.t.keepalive_retries, 3);
	ck_assert_int_lt(parse("create gt1 mode=gretap remote=192.0.2.2 keepalive=10,3", &r, err), 0);
	ck_assert_int_lt(parse("create gt1 remote=192.0.2.2 keepalive=ten,3", &r, err), 0);
}
END_TEST

START_TEST(test_oversize)
{
	char line[CTL_LINE_MAX + 10];
	struct ctl_request r;
	char err[CTL_ERR_MAX];

	memset(line, 'a', sizeof(line));
	ck_assert_int_eq(ctl_request_parse(line, sizeof(line), &r, err, sizeof(err)), -E2BIG);
	/* embedded NUL */
	ck_assert_int_lt(ctl_request_parse("ping\0x", 6, &r, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_format_roundtrip)
{
	struct tunnel t;
	struct ctl_request r;
	char line[CTL_LINE_MAX], err[CTL_ERR_MAX];

	tunnel_init(&t);
	strcpy(t.name, "gt6");
	t.mode = MODE_IP6GRETAP;
	t.family = AF_INET6;
	t.flags |= TUNNEL_HAS_LOCAL;
	inet_pton(AF_INET6, "2001:db8:200::1", &t.local);
	inet_pton(AF_INET6, "2001:db8:200::2", &t.remote);
	t.iflags = GRE_OPT_KEY | GRE_OPT_SEQ;
	t.ikey = 42;
	t.oflags = GRE_OPT_CSUM;
	t.tos_inherit = true;
	t.ttl = 9;
	t.encap = ENCAP_UDP;
	t.encap_sport = 1234;
	ck_assert_int_gt(ctl_request_format(line, sizeof(line), CTL_CMD_CHANGE, &t), 0);
	ck_assert_int_eq(parse(line, &r, err), 0);
	ck_assert_int_eq(r.cmd, CTL_CMD_CHANGE);
	ck_assert_str_eq(r.name, "gt6");
	ck_assert_int_eq(r.t.mode, MODE_IP6GRETAP);
	ck_assert(!memcmp(&r.t.local, &t.local, 16));
	ck_assert(!memcmp(&r.t.remote, &t.remote, 16));
	ck_assert_uint_eq(r.t.iflags, t.iflags);
	ck_assert_uint_eq(r.t.oflags, t.oflags);
	ck_assert_uint_eq(r.t.ikey, 42);
	ck_assert(r.t.tos_inherit);
	ck_assert_uint_eq(r.t.ttl, 9);
	ck_assert_uint_eq(r.t.encap_sport, 1234);
	ck_assert_int_eq(ctl_request_format(line, 20, CTL_CMD_CREATE, &t), -ENOSPC);
}
END_TEST

START_TEST(test_reply_status)
{
	const char *e = "{\"ok\":false,\"error\":\"device gt1 exists and is not a tun device\",\"errno\":17}";
	char err[CTL_ERR_MAX] = "";

	ck_assert_int_eq(ctl_reply_status("{\"ok\":true}", 11, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(ctl_reply_status(e, strlen(e), err, sizeof(err)), -EEXIST);
	ck_assert_str_eq(err, "device gt1 exists and is not a tun device");
	ck_assert_int_eq(ctl_reply_status("{\"ok\":1}", 8, err, sizeof(err)), -EBADMSG);
	ck_assert_str_eq(err, "malformed reply from gretund");
	ck_assert_int_eq(ctl_reply_status("{}", 2, NULL, 0), -EBADMSG);
	/* a short buffer gets the message cut, never overrun */
	ck_assert_int_eq(ctl_reply_status(e, strlen(e), err, 7), -EEXIST);
	ck_assert_str_eq(err, "device");
}
END_TEST

START_TEST(test_reply_tunnel)
{
	const char *r = "{\"ok\":true,\"name\":\"gt1\",\"mode\":\"gre\",\"ifindex\":5,"
			"\"local\":\"192.0.2.1\",\"remote\":\"192.0.2.2\",\"ikey\":5,\"okey\":6,"
			"\"iflags\":\"csum,key\",\"oflags\":\"key,seq\",\"ttl\":0,\"tos\":\"inherit\","
			"\"pmtudisc\":true,\"ignore_df\":false,\"fwmark\":3,\"encap\":\"none\","
			"\"encap_dport\":4754,\"encap_sport\":0,\"mtu\":0,\"path_mtu\":1500,"
			"\"future_key\":[1,2],\"stats\":{\"rx_packets\":10,\"rx_bytes\":1000,"
			"\"tx_packets\":11,\"tx_bytes\":1100,\"rx_errors\":2,\"tx_errors\":0,"
			"\"tx_dropped\":1,\"drops\":{\"key\":7,\"seq\":2}}}";
	struct tunnel t;
	struct tunnel_stats st;

	ck_assert_int_eq(ctl_reply_parse_tunnel(r, strlen(r), &t, &st, NULL, 0), 0);
	ck_assert_str_eq(t.name, "gt1");
	ck_assert_int_eq(t.mode, MODE_GRE);
	ck_assert_uint_eq(t.ikey, 5);
	ck_assert_uint_eq(t.okey, 6);
	ck_assert_uint_eq(t.iflags, GRE_OPT_CSUM | GRE_OPT_KEY);
	ck_assert_uint_eq(t.oflags, GRE_OPT_KEY | GRE_OPT_SEQ);
	ck_assert(t.tos_inherit);
	ck_assert(t.pmtudisc);
	ck_assert_uint_eq(t.fwmark, 3);
	ck_assert_int_eq(t.backend, BACKEND_USERSPACE);
	ck_assert_uint_eq(st.rx_packets, 10);
	ck_assert_uint_eq(st.tx_bytes, 1100);
	ck_assert_uint_eq(st.tx_dropped, 1);
	ck_assert(st.has_drops);
	ck_assert_uint_eq(st.drops[GRE_DROP_KEY], 7);
	ck_assert_uint_eq(st.drops[GRE_DROP_SEQ], 2);
}
END_TEST

START_TEST(test_tunnel_names)
{
	/* what both backends serve: gretunctl refuses the rest (exit 2) before
	 * gretund would (exit 1, after a partial up) */
	static const char *const ok[] = { "gre1", "a-b_c.d", "x@y+z", "123456789012345" };
	static const char *const bad[] = {
		"", ".", "..", "1234567890123456", "a/b", "a:b", "a b", "a\tb", "a\nb",
		"a\"b", "a\\b", "a=b", "\xc3\xa9" "1", "a\x7f", "a\x01",
	};
	struct ctl_request r;
	char err[CTL_ERR_MAX];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		ck_assert_msg(ifname_valid(ok[i]), "refused: %s", ok[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!ifname_valid(bad[i]), "accepted: %s", bad[i]);
	/* gretund's parser uses the same rule */
	ck_assert_int_lt(parse("create a\"b remote=192.0.2.2", &r, err), 0);
	ck_assert_int_lt(parse("destroy a\\b", &r, err), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_simple_commands);
	tcase_add_test(tc, test_create_full);
	tcase_add_test(tc, test_create_errors);
	tcase_add_test(tc, test_oversize);
	tcase_add_test(tc, test_format_roundtrip);
	tcase_add_test(tc, test_reply_status);
	tcase_add_test(tc, test_reply_tunnel);
	tcase_add_test(tc, test_tunnel_names);
	suite_add_tcase(s, tc);
	return check_run(s);
}
