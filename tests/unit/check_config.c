// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for gretun.conf(5) (src/lib/config.c) and the value parsers (src/lib/parse.c). */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "parse.h"
#include "suite.h"

static struct tunnel T;
static char err[1024];

static void setup(void)
{
	tunnel_init(&T);
	err[0] = '\0';
}

static void teardown(void)
{
	tunnel_free(&T);
}

/* Parse text as "t.conf" into a fresh T. */
static int parse(const char *text)
{
	tunnel_free(&T);
	tunnel_init(&T);
	err[0] = '\0';
	return config_parse_buffer("t.conf", text, strlen(text), &T, err, sizeof(err));
}

/* Parse and finalize; the [Tunnel] header and a Remote are prepended. */
static int parse_fin(const char *text)
{
	int r = parse(text);

	return r < 0 ? r : config_finalize(&T, err, sizeof(err));
}

#define TUN	"[Tunnel]\nRemote = 198.51.100.2\n"	/* lines 1-2 */

#define ck_err_prefix(r, prefix) do { \
	ck_assert_int_lt((r), 0); \
	ck_assert_msg(!strncmp(err, (prefix), strlen(prefix)), \
		      "error `%s' does not start with `%s'", err, (prefix)); \
} while (0)

#define ck_err_has(r, part) do { \
	ck_assert_int_lt((r), 0); \
	ck_assert_msg(strstr(err, (part)) != NULL, "error `%s' lacks `%s'", err, (part)); \
} while (0)

#define ck_ok(r) ck_assert_msg((r) == 0, "unexpected error %d: %s", (r), err)

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* ---- the value parsers ---- */

START_TEST(test_parse_u32)
{
	char reason[128];
	uint32_t v;

	ck_assert_int_eq(parse_u32("0", 0, UINT32_MAX, false, &v, reason, sizeof(reason)), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(parse_u32("4294967295", 0, UINT32_MAX, false, &v, reason, sizeof(reason)), 0);
	ck_assert_uint_eq(v, UINT32_MAX);
	ck_assert_int_eq(parse_u32("4294967296", 0, UINT32_MAX, false, &v, reason, sizeof(reason)),
			 -ERANGE);
	ck_assert_int_eq(parse_u32("99999999999999999999999", 0, UINT32_MAX, false, &v, NULL, 0),
			 -ERANGE);
	ck_assert_int_eq(parse_u32("9999999999999x", 0, UINT32_MAX, false, &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_u32("007", 0, 10, false, &v, NULL, 0), 0);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(parse_u32("11", 0, 10, false, &v, reason, sizeof(reason)), -ERANGE);
	ck_assert_str_eq(reason, "expected a number from 0 to 10");
	ck_assert_int_eq(parse_u32("4", 5, 10, false, &v, NULL, 0), -ERANGE);
	ck_assert_int_eq(parse_u32("", 0, 10, false, &v, reason, sizeof(reason)), -EINVAL);
	ck_assert_str_eq(reason, "expected a number from 0 to 10");
	ck_assert_int_eq(parse_u32(" 1", 0, 10, false, &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_u32("1 ", 0, 10, false, &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_u32("+1", 0, 10, false, &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_u32("-1", 0, 10, false, &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_u32("1a", 0, 10, false, &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_u32("0x10", 0, 100, false, &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_u32("0x10", 0, 100, true, &v, NULL, 0), 0);
	ck_assert_uint_eq(v, 16);
	ck_assert_int_eq(parse_u32("0XfF", 0, 255, true, &v, NULL, 0), 0);
	ck_assert_uint_eq(v, 255);
	ck_assert_int_eq(parse_u32("0x", 0, 100, true, &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_u32("0xffffffff", 0, UINT32_MAX, true, &v, NULL, 0), 0);
	ck_assert_uint_eq(v, UINT32_MAX);
	ck_assert_int_eq(parse_u32("0x100000000", 0, UINT32_MAX, true, &v, NULL, 0), -ERANGE);
}
END_TEST

START_TEST(test_parse_bool)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "YES", "True" };
	static const char *const no[] = { "no", "false", "off", "0", "NO", "Off" };
	char reason[64];
	bool b;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = false;
		ck_assert_int_eq(parse_bool(yes[i], &b, NULL, 0), 0);
		ck_assert(b);
		ck_assert_int_eq(parse_bool(no[i], &b, NULL, 0), 0);
		ck_assert(!b);
	}
	ck_assert_int_eq(parse_bool("", &b, reason, sizeof(reason)), -EINVAL);
	ck_assert_str_eq(reason, "expected yes or no");
	ck_assert_int_eq(parse_bool("y", &b, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_bool("2", &b, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_bool(" yes", &b, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(test_parse_key)
{
	char reason[128];
	uint32_t k;

	ck_assert_int_eq(parse_key("0", &k, NULL, 0), 0);
	ck_assert_uint_eq(k, 0);
	ck_assert_int_eq(parse_key("42", &k, NULL, 0), 0);
	ck_assert_uint_eq(k, 42);
	ck_assert_int_eq(parse_key("4294967295", &k, NULL, 0), 0);
	ck_assert_uint_eq(k, UINT32_MAX);
	ck_assert_int_eq(parse_key("0x2a", &k, NULL, 0), 0);
	ck_assert_uint_eq(k, 42);
	ck_assert_int_eq(parse_key("1.2.3.4", &k, NULL, 0), 0);
	ck_assert_uint_eq(k, 0x01020304);
	ck_assert_int_eq(parse_key("255.255.255.255", &k, NULL, 0), 0);
	ck_assert_uint_eq(k, UINT32_MAX);
	ck_assert_int_eq(parse_key("4294967296", &k, reason, sizeof(reason)), -ERANGE);
	ck_assert_int_eq(parse_key("0x1g2", &k, reason, sizeof(reason)), -EINVAL);
	ck_assert_str_eq(reason, "expected a number or a dotted quad");
	ck_assert_int_eq(parse_key("1.2.3", &k, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_key("1.2.3.256", &k, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_key("", &k, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_key("-1", &k, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_key("+1", &k, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_key(" 1", &k, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(test_parse_addr)
{
	char reason[64];
	union inet_addr a;
	int family;

	ck_assert_int_eq(parse_addr("192.0.2.1", AF_UNSPEC, &a, &family, NULL, 0), 0);
	ck_assert_int_eq(family, AF_INET);
	ck_assert_uint_eq(a.v4.s_addr, ip4("192.0.2.1"));
	ck_assert_int_eq(parse_addr("2001:db8::1", AF_UNSPEC, &a, &family, NULL, 0), 0);
	ck_assert_int_eq(family, AF_INET6);
	ck_assert_int_eq(parse_addr("2001:db8::1", AF_INET, &a, NULL, reason, sizeof(reason)),
			 -EINVAL);
	ck_assert_str_eq(reason, "expected an IPv4 address");
	ck_assert_int_eq(parse_addr("192.0.2.1", AF_INET6, &a, NULL, reason, sizeof(reason)),
			 -EINVAL);
	ck_assert_str_eq(reason, "expected an IPv6 address");
	ck_assert_int_eq(parse_addr("", AF_UNSPEC, &a, NULL, reason, sizeof(reason)), -EINVAL);
	ck_assert_str_eq(reason, "expected an IPv4 or IPv6 address");
	ck_assert_int_eq(parse_addr("192.0.2", AF_UNSPEC, &a, NULL, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_addr("192.0.2.1 ", AF_UNSPEC, &a, NULL, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_addr("fe80::1%eth0", AF_UNSPEC, &a, NULL, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_addr("0.0.0.0", AF_INET, &a, NULL, NULL, 0), 0);
	ck_assert_int_eq(parse_addr("::", AF_INET6, &a, NULL, NULL, 0), 0);
}
END_TEST

START_TEST(test_parse_prefix)
{
	char reason[128];
	struct prefix p;

	ck_assert_int_eq(parse_prefix("10.0.0.1/30", AF_UNSPEC, true, &p, NULL, 0), 0);
	ck_assert_int_eq(p.family, AF_INET);
	ck_assert_uint_eq(p.len, 30);
	ck_assert_uint_eq(p.addr.v4.s_addr, ip4("10.0.0.1"));
	ck_assert_int_eq(parse_prefix("10.0.0.1", AF_UNSPEC, true, &p, NULL, 0), 0);
	ck_assert_uint_eq(p.len, 32);
	ck_assert_int_eq(parse_prefix("0.0.0.0/0", AF_UNSPEC, false, &p, NULL, 0), 0);
	ck_assert_uint_eq(p.len, 0);
	ck_assert_int_eq(parse_prefix("2001:db8::/32", AF_UNSPEC, false, &p, NULL, 0), 0);
	ck_assert_int_eq(p.family, AF_INET6);
	ck_assert_uint_eq(p.len, 32);
	ck_assert_int_eq(parse_prefix("2001:db8::1", AF_INET6, false, &p, NULL, 0), 0);
	ck_assert_uint_eq(p.len, 128);
	ck_assert_int_eq(parse_prefix("2001:db8::1/129", AF_UNSPEC, true, &p, reason,
				      sizeof(reason)), -ERANGE);
	ck_assert_str_eq(reason, "expected a prefix length from 0 to 128");
	ck_assert_int_eq(parse_prefix("10.0.0.0/33", AF_UNSPEC, true, &p, reason, sizeof(reason)),
			 -ERANGE);
	ck_assert_str_eq(reason, "expected a prefix length from 0 to 32");
	ck_assert_int_eq(parse_prefix("10.1.2.3/16", AF_UNSPEC, false, &p, reason, sizeof(reason)),
			 -EINVAL);
	ck_assert_str_eq(reason, "has host bits set (did you mean 10.1.0.0/16?)");
	ck_assert_int_eq(parse_prefix("10.1.2.3/16", AF_UNSPEC, true, &p, NULL, 0), 0);
	ck_assert_int_eq(parse_prefix("10.0.0.128/25", AF_UNSPEC, false, &p, NULL, 0), 0);
	ck_assert_int_eq(parse_prefix("10.0.0.129/25", AF_UNSPEC, false, &p, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_prefix("2001:db8::1/64", AF_UNSPEC, false, &p, reason,
				      sizeof(reason)), -EINVAL);
	ck_assert_str_eq(reason, "has host bits set (did you mean 2001:db8::/64?)");
	ck_assert_int_eq(parse_prefix("10.0.0.0/", AF_UNSPEC, true, &p, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_prefix("10.0.0.0/-1", AF_UNSPEC, true, &p, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_prefix("10.0.0.0/+8", AF_UNSPEC, true, &p, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_prefix("10.0.0.0/8/8", AF_UNSPEC, true, &p, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_prefix("/8", AF_UNSPEC, true, &p, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_prefix("", AF_UNSPEC, true, &p, reason, sizeof(reason)), -EINVAL);
	ck_assert_str_eq(reason, "expected an IPv4 or IPv6 address with an optional /LENGTH");
	ck_assert_int_eq(parse_prefix("10.0.0.0/8", AF_INET6, true, &p, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_prefix("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/8",
				      AF_UNSPEC, true, &p, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(test_parse_table)
{
	char path[] = "check_config_rt.XXXXXX", reason[160], big[600];
	const char *files[] = { "/nonexistent/rt_tables", path, NULL };
	uint32_t v;
	FILE *f;
	int fd;

	ck_assert_int_eq(parse_table("main", &v, NULL, 0), 0);
	ck_assert_uint_eq(v, 254);
	ck_assert_int_eq(parse_table("local", &v, NULL, 0), 0);
	ck_assert_uint_eq(v, 255);
	ck_assert_int_eq(parse_table("default", &v, NULL, 0), 0);
	ck_assert_uint_eq(v, 253);
	ck_assert_int_eq(parse_table("1", &v, NULL, 0), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(parse_table("4294967295", &v, NULL, 0), 0);
	ck_assert_uint_eq(v, UINT32_MAX);
	ck_assert_int_eq(parse_table("0", &v, reason, sizeof(reason)), -ERANGE);
	ck_assert_str_eq(reason,
			 "expected a number from 1 to 4294967295, main, local, default or a name from rt_tables");
	ck_assert_int_eq(parse_table("4294967296", &v, NULL, 0), -ERANGE);
	ck_assert_int_eq(parse_table("", &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_table("-1", &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_table("12abc", &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_table("MAIN", &v, NULL, 0), -EINVAL);

	/* a hostile rt_tables: long lines, junk, table 0, extra words */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fprintf(f, "# comment\n\n%s\n300 long%s\n", big, big);
	fprintf(f, "0 zero\nabc junk\n12 two words\n-5 neg\n0x20 hexa # comment\n");
	fprintf(f, "  100\tcustomer \n4294967296 huge\n7 seven");	/* no final newline */
	fclose(f);
	ck_assert_int_eq(parse_table_files("customer", files, &v, NULL, 0), 0);
	ck_assert_uint_eq(v, 100);
	ck_assert_int_eq(parse_table_files("hexa", files, &v, NULL, 0), 0);
	ck_assert_uint_eq(v, 32);
	ck_assert_int_eq(parse_table_files("seven", files, &v, NULL, 0), 0);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(parse_table_files("zero", files, &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_table_files("junk", files, &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_table_files("two", files, &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_table_files("neg", files, &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_table_files("huge", files, &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_table_files("long", files, &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_table_files(big, files, &v, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_table_files("main", files, &v, NULL, 0), 0);
	ck_assert_uint_eq(v, 254);
	unlink(path);
}
END_TEST

START_TEST(test_parse_small)
{
	char reason[128];
	uint16_t iv, port;
	uint32_t mtu;
	uint8_t u8, rt;
	bool inherit;

	ck_assert_int_eq(parse_ttl("inherit", &u8, NULL, 0), 0);
	ck_assert_uint_eq(u8, 0);
	ck_assert_int_eq(parse_ttl("1", &u8, NULL, 0), 0);
	ck_assert_uint_eq(u8, 1);
	ck_assert_int_eq(parse_ttl("255", &u8, NULL, 0), 0);
	ck_assert_uint_eq(u8, 255);
	ck_assert_int_eq(parse_ttl("0", &u8, reason, sizeof(reason)), -ERANGE);
	ck_assert_str_eq(reason, "expected a number from 1 to 255 or `inherit'");
	ck_assert_int_eq(parse_ttl("256", &u8, NULL, 0), -ERANGE);
	ck_assert_int_eq(parse_ttl("", &u8, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_ttl("Inherit", &u8, NULL, 0), -EINVAL);

	ck_assert_int_eq(parse_tos("inherit", &u8, &inherit, NULL, 0), 0);
	ck_assert(inherit);
	ck_assert_int_eq(parse_tos("0x00", &u8, &inherit, NULL, 0), 0);
	ck_assert(!inherit);
	ck_assert_uint_eq(u8, 0);
	ck_assert_int_eq(parse_tos("0xff", &u8, &inherit, NULL, 0), 0);
	ck_assert_uint_eq(u8, 255);
	ck_assert_int_eq(parse_tos("255", &u8, &inherit, NULL, 0), 0);
	ck_assert_int_eq(parse_tos("0", &u8, &inherit, NULL, 0), 0);
	ck_assert_int_eq(parse_tos("256", &u8, &inherit, reason, sizeof(reason)), -ERANGE);
	ck_assert_str_eq(reason, "expected `inherit' or a number from 0 to 255 (0x00 to 0xff)");
	ck_assert_int_eq(parse_tos("0x100", &u8, &inherit, NULL, 0), -ERANGE);
	ck_assert_int_eq(parse_tos("", &u8, &inherit, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_tos("-1", &u8, &inherit, NULL, 0), -EINVAL);

	ck_assert_int_eq(parse_mtu("auto", &mtu, NULL, 0), 0);
	ck_assert_uint_eq(mtu, 0);
	ck_assert_int_eq(parse_mtu("68", &mtu, NULL, 0), 0);
	ck_assert_uint_eq(mtu, 68);
	ck_assert_int_eq(parse_mtu("65535", &mtu, NULL, 0), 0);
	ck_assert_int_eq(parse_mtu("67", &mtu, reason, sizeof(reason)), -ERANGE);
	ck_assert_str_eq(reason, "expected `auto' or a number from 68 to 65535");
	ck_assert_int_eq(parse_mtu("65536", &mtu, NULL, 0), -ERANGE);
	ck_assert_int_eq(parse_mtu("0", &mtu, NULL, 0), -ERANGE);
	ck_assert_int_eq(parse_mtu("", &mtu, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_mtu("1500 ", &mtu, NULL, 0), -EINVAL);

	ck_assert_int_eq(parse_keepalive("off", &iv, &rt, NULL, 0), 0);
	ck_assert_uint_eq(iv, 0);
	ck_assert_uint_eq(rt, 0);
	ck_assert_int_eq(parse_keepalive("10 3", &iv, &rt, NULL, 0), 0);
	ck_assert_uint_eq(iv, 10);
	ck_assert_uint_eq(rt, 3);
	ck_assert_int_eq(parse_keepalive("1\t1", &iv, &rt, NULL, 0), 0);
	ck_assert_int_eq(parse_keepalive("32767   255", &iv, &rt, NULL, 0), 0);
	ck_assert_uint_eq(iv, 32767);
	ck_assert_uint_eq(rt, 255);
	ck_assert_int_eq(parse_keepalive("0 3", &iv, &rt, reason, sizeof(reason)), -ERANGE);
	ck_assert_str_eq(reason, "expected `off' or INTERVAL RETRIES (1-32767 seconds, 1-255 probes)");
	ck_assert_int_eq(parse_keepalive("32768 3", &iv, &rt, NULL, 0), -ERANGE);
	ck_assert_int_eq(parse_keepalive("10 0", &iv, &rt, NULL, 0), -ERANGE);
	ck_assert_int_eq(parse_keepalive("10 256", &iv, &rt, NULL, 0), -ERANGE);
	ck_assert_int_eq(parse_keepalive("10", &iv, &rt, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_keepalive("10 3 1", &iv, &rt, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_keepalive("10,3", &iv, &rt, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_keepalive("", &iv, &rt, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_keepalive("on", &iv, &rt, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_keepalive("1000000000000000000000000000000000000 1", &iv, &rt,
					 NULL, 0), -EINVAL);

	ck_assert_int_eq(parse_port("1", &port, NULL, 0), 0);
	ck_assert_uint_eq(port, 1);
	ck_assert_int_eq(parse_port("65535", &port, NULL, 0), 0);
	ck_assert_uint_eq(port, 65535);
	ck_assert_int_eq(parse_port("0", &port, reason, sizeof(reason)), -ERANGE);
	ck_assert_str_eq(reason, "expected a number from 1 to 65535");
	ck_assert_int_eq(parse_port("65536", &port, NULL, 0), -ERANGE);
	ck_assert_int_eq(parse_port("", &port, NULL, 0), -EINVAL);
	ck_assert_int_eq(parse_port("0x10", &port, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(test_parse_quote)
{
	char buf[80], big[200], e[200];

	ck_assert_str_eq(parse_quote("abc", buf, sizeof(buf)), "abc");
	ck_assert_str_eq(parse_quote("a\tb\x01\xff", buf, sizeof(buf)), "a?b??");
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	parse_quote(big, buf, sizeof(buf));
	ck_assert_uint_eq(strlen(buf), 67);
	ck_assert_str_eq(buf + 64, "...");
	parse_quote(big, buf, 10);
	ck_assert_str_eq(buf, "yyyyyy...");
	parse_error(e, sizeof(e), "key", "0x1g2", "expected a number or a dotted quad");
	ck_assert_str_eq(e, "invalid key `0x1g2': expected a number or a dotted quad");
}
END_TEST

/* ---- the config file: every key ---- */

START_TEST(test_example_from_interface)
{
	static const char text[] =
		"[Tunnel]\n"
		"Mode = gre                 # gre | gretap | ip6gre | ip6gretap\n"
		"Local = 192.0.2.1\n"
		"Remote = 198.51.100.2\n"
		"Key = 42                   # or InputKey= / OutputKey=; number or dotted quad\n"
		"Checksum = no              # or InputChecksum= / OutputChecksum=\n"
		"Sequence = no              # or InputSequence= / OutputSequence=\n"
		"TTL = 64                   # 1-255 | inherit\n"
		"TOS = inherit              # inherit | 0x00-0xff\n"
		"PMTUDiscovery = yes\n"
		"IgnoreDF = no\n"
		"Device = eth0              # underlay device to bind to (optional)\n"
		"FirewallMark = 0\n"
		"Encapsulation = none       # none | udp   (GRE-in-UDP, RFC 8086)\n"
		"EncapsulationPort = 4754\n"
		"EncapsulationSourcePort = auto\n"
		"MTU = auto                 # auto | 68-65535\n"
		"Backend = auto             # auto | kernel | userspace\n"
		"Keepalive = off            # INTERVAL RETRIES, e.g. \"10 3\" (Cisco-compatible)\n"
		"Address = 10.0.0.1/30      # repeatable, IPv4 and IPv6\n"
		"Table = main               # routing table for [Route] entries without their own\n"
		"\n"
		"[Route]                    # repeatable\n"
		"Destination = 10.1.0.0/16\n"
		"Gateway =                  # optional\n"
		"Metric = 0\n"
		"Table =\n"
		"Source =\n"
		"\n"
		"[Hooks]                    # optional, run with /bin/sh, %i = NAME\n"
		"PreUp =\n"
		"PostUp =\n"
		"PreDown =\n"
		"PostDown =\n";

	ck_ok(parse_fin(text));
	ck_assert_int_eq(T.mode, MODE_GRE);
	ck_assert_int_eq(T.family, AF_INET);
	ck_assert_uint_eq(T.local.v4.s_addr, ip4("192.0.2.1"));
	ck_assert_uint_eq(T.remote.v4.s_addr, ip4("198.51.100.2"));
	ck_assert_uint_eq(T.ikey, 42);
	ck_assert_uint_eq(T.okey, 42);
	ck_assert_uint_eq(T.iflags, GRE_OPT_KEY);
	ck_assert_uint_eq(T.oflags, GRE_OPT_KEY);
	ck_assert_uint_eq(T.ttl, 64);
	ck_assert(T.tos_inherit);
	ck_assert(T.pmtudisc);
	ck_assert(!T.ignore_df);
	ck_assert_str_eq(T.dev, "eth0");
	ck_assert_uint_eq(T.fwmark, 0);
	ck_assert_int_eq(T.encap, ENCAP_NONE);
	ck_assert_uint_eq(T.encap_dport, 4754);
	ck_assert_uint_eq(T.encap_sport, 0);
	ck_assert_uint_eq(T.mtu, 0);
	ck_assert_int_eq(T.backend, BACKEND_AUTO);
	ck_assert_uint_eq(T.keepalive_interval, 0);
	ck_assert_uint_eq(T.table, 254);
	ck_assert_uint_eq(T.n_addresses, 1);
	ck_assert_uint_eq(T.addresses[0].len, 30);
	ck_assert_uint_eq(T.n_routes, 1);
	ck_assert_uint_eq(T.routes[0].dst.len, 16);
	ck_assert_uint_eq(T.routes[0].flags, ROUTE_HAS_METRIC | ROUTE_HAS_TABLE);
	ck_assert_uint_eq(T.routes[0].table, 254);
	ck_assert(!config_has_hooks(&T));
	ck_assert_uint_eq(T.flags, TUNNEL_HAS_MODE | TUNNEL_HAS_LOCAL | TUNNEL_HAS_REMOTE |
			  TUNNEL_HAS_IKEY | TUNNEL_HAS_OKEY | TUNNEL_HAS_ICSUM | TUNNEL_HAS_OCSUM |
			  TUNNEL_HAS_ISEQ | TUNNEL_HAS_OSEQ | TUNNEL_HAS_TTL | TUNNEL_HAS_TOS |
			  TUNNEL_HAS_PMTUDISC | TUNNEL_HAS_IGNORE_DF | TUNNEL_HAS_DEV |
			  TUNNEL_HAS_FWMARK | TUNNEL_HAS_ENCAP | TUNNEL_HAS_ENCAP_DPORT |
			  TUNNEL_HAS_ENCAP_SPORT | TUNNEL_HAS_MTU | TUNNEL_HAS_BACKEND |
			  TUNNEL_HAS_KEEPALIVE | TUNNEL_HAS_TABLE);
}
END_TEST

START_TEST(test_minimal_defaults)
{
	ck_ok(parse_fin(TUN));
	ck_assert_uint_eq(T.flags, TUNNEL_HAS_REMOTE);
	ck_assert_int_eq(T.mode, MODE_GRE);
	ck_assert_int_eq(T.family, AF_INET);
	ck_assert_uint_eq(T.iflags, 0);
	ck_assert_uint_eq(T.oflags, 0);
	ck_assert(T.pmtudisc);
	ck_assert_uint_eq(T.encap_dport, GRETUN_ENCAP_PORT);
	ck_assert_uint_eq(T.table, GRETUN_TABLE_MAIN);
	/* CRLF line ends, blanks and both comment styles */
	ck_ok(parse_fin("# c\r\n; c\r\n\t[Tunnel]  \r\n  Remote=198.51.100.2  \r\n"));
	ck_assert_uint_eq(T.remote.v4.s_addr, ip4("198.51.100.2"));
	/* empty input is a valid (if useless) file */
	ck_ok(parse(""));
	ck_ok(parse("\n\n"));
}
END_TEST

START_TEST(test_key_mode)
{
	static const struct {
		const char *text;
		enum tunnel_mode mode;
		int family;
	} ok[] = {
		{ "Mode = gre\nRemote = 198.51.100.2\n", MODE_GRE, AF_INET },
		{ "Mode = gretap\nRemote = 198.51.100.2\n", MODE_GRETAP, AF_INET },
		{ "Mode = ip6gre\nRemote = 2001:db8::2\n", MODE_IP6GRE, AF_INET6 },
		{ "Mode = ip6gretap\nRemote = 2001:db8::2\n", MODE_IP6GRETAP, AF_INET6 },
		{ "Remote = 2001:db8::2\n", MODE_IP6GRE, AF_INET6 },	/* inferred */
		{ "Mode =\nRemote = 2001:db8::2\n", MODE_IP6GRE, AF_INET6 },
	};
	char text[200];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "[Tunnel]\n%s", ok[i].text);
		ck_ok(parse_fin(text));
		ck_assert_int_eq(T.mode, ok[i].mode);
		ck_assert_int_eq(T.family, ok[i].family);
	}
	ck_err_prefix(parse(TUN "Mode = GRE\n"),
		      "t.conf:3: Mode: invalid mode `GRE': expected gre, gretap, ip6gre or ip6gretap");
	ck_err_prefix(parse(TUN "Mode = gre gre\n"), "t.conf:3: Mode: invalid mode `gre gre'");
}
END_TEST

START_TEST(test_key_endpoints)
{
	ck_ok(parse_fin("[Tunnel]\nLocal = 2001:db8::1\nRemote = 2001:db8::2\nMode = ip6gre\n"));
	ck_assert_int_eq(T.family, AF_INET6);
	ck_assert_int_eq(T.remote.v6.s6_addr[15], 2);
	ck_assert_int_eq(T.local.v6.s6_addr[15], 1);
	/* wrong family for Mode, either order */
	ck_err_prefix(parse("[Tunnel]\nMode = gre\nLocal = 2001:db8::1\n"),
		      "t.conf:3: Local: invalid address `2001:db8::1': expected an IPv4 address for Mode=gre");
	ck_err_prefix(parse("[Tunnel]\nRemote = 198.51.100.2\nMode = ip6gretap\n"),
		      "t.conf:2: Remote: invalid address `198.51.100.2': expected an IPv6 address for Mode=ip6gretap");
	/* Local and Remote of different families */
	ck_err_prefix(parse("[Tunnel]\nLocal = 192.0.2.1\nRemote = 2001:db8::2\n"),
		      "t.conf:3: Remote: invalid address `2001:db8::2': expected an IPv4 address like Local=");
	ck_err_prefix(parse("[Tunnel]\nRemote = 2001:db8::2\n\nLocal = 192.0.2.1\n"),
		      "t.conf:4: Local: invalid address `192.0.2.1': expected an IPv6 address like Remote=");
	ck_err_prefix(parse("[Tunnel]\nRemote = 198.51.100.300\n"),
		      "t.conf:2: Remote: invalid address `198.51.100.300': expected an IPv4 or IPv6 address");
	/* empty = unset, so Remote is missing */
	ck_err_prefix(parse_fin("[Tunnel]\nRemote =\n"), "Remote: required");
	ck_err_prefix(parse_fin("[Tunnel]\nRemote = 0.0.0.0\n"),
		      "Remote: must not be the unspecified address");
	ck_ok(parse_fin(TUN "Local = 0.0.0.0\n"));
}
END_TEST

START_TEST(test_key_keys)
{
	ck_ok(parse_fin(TUN "Key = 0\n"));
	ck_assert_uint_eq(T.flags & (TUNNEL_HAS_IKEY | TUNNEL_HAS_OKEY),
			  TUNNEL_HAS_IKEY | TUNNEL_HAS_OKEY);
	ck_assert_uint_eq(T.iflags, GRE_OPT_KEY);
	ck_ok(parse_fin(TUN "Key = 4294967295\n"));
	ck_assert_uint_eq(T.ikey, UINT32_MAX);
	ck_assert_uint_eq(T.okey, UINT32_MAX);
	ck_ok(parse_fin(TUN "Key = 10.0.0.1\n"));
	ck_assert_uint_eq(T.ikey, 0x0a000001);
	ck_ok(parse_fin(TUN "InputKey = 1\nOutputKey = 0x2\n"));
	ck_assert_uint_eq(T.ikey, 1);
	ck_assert_uint_eq(T.okey, 2);
	ck_ok(parse_fin(TUN "OutputKey = 7\n"));
	ck_assert_uint_eq(T.iflags, 0);
	ck_assert_uint_eq(T.oflags, GRE_OPT_KEY);
	ck_assert_uint_eq(T.flags & TUNNEL_HAS_IKEY, 0);
	ck_ok(parse_fin(TUN "Key =\n"));
	ck_assert_uint_eq(T.flags & (TUNNEL_HAS_IKEY | TUNNEL_HAS_OKEY), 0);
	ck_assert_uint_eq(T.oflags, 0);

	ck_err_prefix(parse(TUN "Key = 0x1g2\n"),
		      "t.conf:3: Key: invalid key `0x1g2': expected a number or a dotted quad");
	ck_err_prefix(parse(TUN "InputKey = 4294967296\n"),
		      "t.conf:3: InputKey: invalid key `4294967296': expected a number from 0 to 4294967295 or a dotted quad");
	ck_err_prefix(parse(TUN "OutputKey = -1\n"), "t.conf:3: OutputKey: invalid key `-1'");
	ck_err_prefix(parse(TUN "Key = 1\nInputKey = 2\n"),
		      "t.conf:4: InputKey: cannot be combined with Key= (line 3)");
	ck_err_prefix(parse(TUN "OutputKey = 2\n#\nKey = 1\n"),
		      "t.conf:5: Key: cannot be combined with OutputKey= (line 3)");
}
END_TEST

START_TEST(test_key_checksum_sequence)
{
	ck_ok(parse_fin(TUN "Checksum = yes\nSequence = on\n"));
	ck_assert_uint_eq(T.iflags, GRE_OPT_CSUM | GRE_OPT_SEQ);
	ck_assert_uint_eq(T.oflags, GRE_OPT_CSUM | GRE_OPT_SEQ);
	ck_assert_uint_eq(T.flags & (TUNNEL_HAS_ICSUM | TUNNEL_HAS_OCSUM | TUNNEL_HAS_ISEQ |
				     TUNNEL_HAS_OSEQ),
			  TUNNEL_HAS_ICSUM | TUNNEL_HAS_OCSUM | TUNNEL_HAS_ISEQ | TUNNEL_HAS_OSEQ);
	ck_ok(parse_fin(TUN "InputChecksum = true\nOutputSequence = 1\nKey = 5\n"));
	ck_assert_uint_eq(T.iflags, GRE_OPT_CSUM | GRE_OPT_KEY);
	ck_assert_uint_eq(T.oflags, GRE_OPT_SEQ | GRE_OPT_KEY);
	ck_ok(parse_fin(TUN "OutputChecksum = yes\nInputSequence = yes\n"));
	ck_assert_uint_eq(T.iflags, GRE_OPT_SEQ);
	ck_assert_uint_eq(T.oflags, GRE_OPT_CSUM);
	ck_ok(parse_fin(TUN "Checksum = no\nSequence = off\n"));
	ck_assert_uint_eq(T.iflags | T.oflags, 0);
	ck_ok(parse_fin(TUN "Checksum =\n"));
	ck_assert_uint_eq(T.flags & TUNNEL_HAS_ICSUM, 0);

	ck_err_prefix(parse(TUN "Checksum = maybe\n"),
		      "t.conf:3: Checksum: invalid boolean `maybe': expected yes or no");
	ck_err_prefix(parse(TUN "Checksum = yes\nOutputChecksum = no\n"),
		      "t.conf:4: OutputChecksum: cannot be combined with Checksum= (line 3)");
	ck_err_prefix(parse(TUN "InputSequence = yes\nSequence = no\n"),
		      "t.conf:4: Sequence: cannot be combined with InputSequence= (line 3)");
	/* Input and Output forms together are fine */
	ck_ok(parse(TUN "InputSequence = yes\nOutputSequence = no\n"));
}
END_TEST

START_TEST(test_key_ttl_tos)
{
	ck_ok(parse_fin(TUN "TTL = 1\n"));
	ck_assert_uint_eq(T.ttl, 1);
	ck_ok(parse_fin(TUN "TTL = 255\n"));
	ck_assert_uint_eq(T.ttl, 255);
	ck_ok(parse_fin(TUN "TTL = inherit\n"));
	ck_assert_uint_eq(T.ttl, 0);
	ck_assert(T.flags & TUNNEL_HAS_TTL);
	ck_err_prefix(parse(TUN "TTL = 0\n"),
		      "t.conf:3: TTL: invalid TTL `0': expected a number from 1 to 255 or `inherit'");
	ck_err_prefix(parse(TUN "TTL = 256\n"), "t.conf:3: TTL: invalid TTL `256'");

	ck_ok(parse_fin(TUN "TOS = 0x00\n"));
	ck_assert(!T.tos_inherit);
	ck_assert(T.flags & TUNNEL_HAS_TOS);
	ck_ok(parse_fin(TUN "TOS = 0xff\n"));
	ck_assert_uint_eq(T.tos, 255);
	ck_ok(parse_fin(TUN "TOS = 16\n"));
	ck_assert_uint_eq(T.tos, 16);
	ck_ok(parse_fin(TUN "TOS = inherit\n"));
	ck_assert(T.tos_inherit);
	ck_err_prefix(parse(TUN "TOS = 0x100\n"),
		      "t.conf:3: TOS: invalid TOS `0x100': expected `inherit' or a number from 0 to 255");
}
END_TEST

START_TEST(test_key_pmtu_df)
{
	ck_ok(parse_fin(TUN "PMTUDiscovery = no\n"));
	ck_assert(!T.pmtudisc);
	ck_assert(T.flags & TUNNEL_HAS_PMTUDISC);
	ck_ok(parse_fin(TUN "PMTUDiscovery = no\nIgnoreDF = yes\n"));
	ck_assert(T.ignore_df);
	ck_ok(parse_fin(TUN "PMTUDiscovery = no\nTTL = inherit\n"));
	ck_ok(parse_fin(TUN "PMTUDiscovery =\n"));
	ck_assert(T.pmtudisc);
	ck_assert_uint_eq(T.flags & TUNNEL_HAS_PMTUDISC, 0);
	ck_err_prefix(parse(TUN "IgnoreDF = 2\n"),
		      "t.conf:3: IgnoreDF: invalid boolean `2': expected yes or no");
	/* iproute2: "ttl != 0 and nopmtudisc are incompatible" */
	ck_err_prefix(parse_fin(TUN "PMTUDiscovery = no\nTTL = 64\n"),
		      "TTL: a fixed TTL (64) needs PMTUDiscovery=yes");
	ck_err_prefix(parse_fin(TUN "IgnoreDF = yes\n"), "IgnoreDF: needs PMTUDiscovery=no");
	ck_err_prefix(parse_fin("[Tunnel]\nMode = ip6gre\nRemote = 2001:db8::2\nPMTUDiscovery = no\n"),
		      "PMTUDiscovery: only for IPv4 modes");
	ck_err_prefix(parse_fin("[Tunnel]\nRemote = 2001:db8::2\nIgnoreDF = yes\nPMTUDiscovery = yes\n"),
		      "IgnoreDF: only for IPv4 modes");
	ck_ok(parse_fin("[Tunnel]\nRemote = 2001:db8::2\nTTL = 64\n"));
}
END_TEST

START_TEST(test_key_device_fwmark)
{
	ck_ok(parse_fin(TUN "Device = eth0\n"));
	ck_assert_str_eq(T.dev, "eth0");
	ck_ok(parse_fin(TUN "Device = abcdefghijklmno\n"));
	ck_assert_str_eq(T.dev, "abcdefghijklmno");
	ck_err_prefix(parse(TUN "Device = abcdefghijklmnop\n"),
		      "t.conf:3: Device: invalid device name `abcdefghijklmnop': expected an interface name");
	ck_err_prefix(parse(TUN "Device = a/b\n"), "t.conf:3: Device: invalid device name `a/b'");
	ck_err_prefix(parse(TUN "Device = a b\n"), "t.conf:3: Device: invalid device name `a b'");
	ck_err_prefix(parse(TUN "Device = ..\n"), "t.conf:3: Device: invalid device name `..'");
	ck_ok(parse(TUN "Device =\n"));
	ck_assert_str_eq(T.dev, "");

	ck_ok(parse_fin(TUN "FirewallMark = 4294967295\n"));
	ck_assert_uint_eq(T.fwmark, UINT32_MAX);
	ck_ok(parse_fin(TUN "FirewallMark = 0x2a\n"));
	ck_assert_uint_eq(T.fwmark, 42);
	ck_assert(T.flags & TUNNEL_HAS_FWMARK);
	ck_err_prefix(parse(TUN "FirewallMark = 4294967296\n"),
		      "t.conf:3: FirewallMark: invalid firewall mark `4294967296': expected a number from 0 to 4294967295");
	ck_err_prefix(parse(TUN "FirewallMark = -1\n"), "t.conf:3: FirewallMark: invalid firewall mark `-1'");
}
END_TEST

START_TEST(test_key_encap)
{
	ck_ok(parse_fin(TUN "Encapsulation = udp\nEncapsulationPort = 1\nEncapsulationSourcePort = 65535\n"));
	ck_assert_int_eq(T.encap, ENCAP_UDP);
	ck_assert_uint_eq(T.encap_dport, 1);
	ck_assert_uint_eq(T.encap_sport, 65535);
	ck_ok(parse_fin(TUN "Encapsulation = udp\nEncapsulationPort = 65535\nEncapsulationSourcePort = 1\n"));
	ck_assert_uint_eq(T.encap_dport, 65535);
	ck_assert_uint_eq(T.encap_sport, 1);
	ck_ok(parse_fin(TUN "Encapsulation = none\nEncapsulationPort =\nEncapsulationSourcePort = auto\n"));
	ck_assert_int_eq(T.encap, ENCAP_NONE);
	ck_assert_uint_eq(T.encap_dport, GRETUN_ENCAP_PORT);
	ck_assert_uint_eq(T.encap_sport, 0);
	ck_assert(T.flags & TUNNEL_HAS_ENCAP_SPORT);
	/* all four modes may use UDP */
	ck_ok(parse_fin("[Tunnel]\nMode = ip6gretap\nRemote = 2001:db8::2\nEncapsulation = udp\n"));
	ck_err_prefix(parse(TUN "Encapsulation = gue\n"),
		      "t.conf:3: Encapsulation: invalid encapsulation `gue': expected none or udp");
	ck_err_prefix(parse(TUN "EncapsulationPort = 0\n"),
		      "t.conf:3: EncapsulationPort: invalid port `0': expected a number from 1 to 65535");
	ck_err_prefix(parse(TUN "EncapsulationPort = 65536\n"),
		      "t.conf:3: EncapsulationPort: invalid port `65536'");
	ck_err_prefix(parse(TUN "EncapsulationSourcePort = 0\n"),
		      "t.conf:3: EncapsulationSourcePort: invalid port `0': expected `auto' or a number from 1 to 65535");
}
END_TEST

START_TEST(test_key_mtu_backend_keepalive)
{
	ck_ok(parse_fin(TUN "MTU = 68\n"));
	ck_assert_uint_eq(T.mtu, 68);
	ck_ok(parse_fin(TUN "MTU = 65535\n"));
	ck_assert_uint_eq(T.mtu, 65535);
	ck_ok(parse_fin(TUN "MTU = auto\n"));
	ck_assert_uint_eq(T.mtu, 0);
	ck_err_prefix(parse(TUN "MTU = 67\n"),
		      "t.conf:3: MTU: invalid MTU `67': expected `auto' or a number from 68 to 65535");
	ck_err_prefix(parse(TUN "MTU = 65536\n"), "t.conf:3: MTU: invalid MTU `65536'");
	ck_err_prefix(parse_fin(TUN "MTU = 1279\nAddress = 2001:db8::1/64\n"),
		      "MTU: 1279 is below 1280");
	ck_ok(parse_fin(TUN "MTU = 1280\nAddress = 2001:db8::1/64\n"));

	ck_ok(parse_fin(TUN "Backend = kernel\n"));
	ck_assert_int_eq(T.backend, BACKEND_KERNEL);
	ck_ok(parse_fin(TUN "Backend = userspace\n"));
	ck_assert_int_eq(T.backend, BACKEND_USERSPACE);
	ck_ok(parse_fin(TUN "Backend = auto\n"));
	ck_assert_int_eq(T.backend, BACKEND_AUTO);
	ck_assert(T.flags & TUNNEL_HAS_BACKEND);
	ck_err_prefix(parse(TUN "Backend = Kernel\n"),
		      "t.conf:3: Backend: invalid backend `Kernel': expected auto, kernel or userspace");

	ck_ok(parse_fin(TUN "Keepalive = 10 3\n"));
	ck_assert_uint_eq(T.keepalive_interval, 10);
	ck_assert_uint_eq(T.keepalive_retries, 3);
	ck_ok(parse_fin(TUN "Keepalive = 32767 255\n"));
	ck_ok(parse_fin(TUN "Keepalive = 1 1\n"));
	ck_ok(parse_fin(TUN "Keepalive = off\n"));
	ck_assert_uint_eq(T.keepalive_interval, 0);
	ck_err_prefix(parse(TUN "Keepalive = 10\n"),
		      "t.conf:3: Keepalive: invalid keepalive `10': expected `off' or INTERVAL RETRIES");
	ck_err_prefix(parse(TUN "Keepalive = 32768 3\n"), "t.conf:3: Keepalive: invalid keepalive");
	ck_err_prefix(parse_fin("[Tunnel]\nMode = gretap\nRemote = 198.51.100.2\nKeepalive = 10 3\n"),
		      "Keepalive: only for Mode=gre, not gretap");
	ck_err_prefix(parse_fin("[Tunnel]\nRemote = 198.51.100.2\nEncapsulation = udp\nKeepalive = 10 3\n"),
		      "Keepalive: not with Encapsulation=udp");
	ck_err_prefix(parse_fin("[Tunnel]\nMode = ip6gre\nRemote = 2001:db8::2\nKeepalive = 10 3\n"),
		      "Keepalive: only for Mode=gre, not ip6gre");
	ck_err_prefix(parse_fin("[Tunnel]\nMode = ip6gretap\nRemote = 2001:db8::2\nKeepalive = 10 3\n"),
		      "Keepalive: only for Mode=gre, not ip6gretap");
	ck_err_prefix(parse_fin(TUN "Backend = kernel\nKeepalive = 10 3\n"),
		      "Keepalive: needs Backend=userspace or auto; no process sends or tracks probes for kernel tunnels");
	ck_ok(parse_fin(TUN "Backend = userspace\nKeepalive = 10 3\n"));
	ck_ok(parse_fin(TUN "Backend = auto\nKeepalive = 10 3\n"));
	ck_ok(parse_fin(TUN "Backend = kernel\nKeepalive = off\n"));
}
END_TEST

START_TEST(test_key_datapath)
{
	ck_ok(parse_fin(TUN "\n"));
	ck_assert_int_eq(T.datapath, DATAPATH_AUTO);
	ck_assert(!(T.flags & TUNNEL_HAS_DATAPATH));
	ck_ok(parse_fin(TUN "Datapath = bpf\n"));
	ck_assert_int_eq(T.datapath, DATAPATH_BPF);
	ck_assert(T.flags & TUNNEL_HAS_DATAPATH);
	ck_ok(parse_fin(TUN "Datapath = userspace\n"));
	ck_assert_int_eq(T.datapath, DATAPATH_USERSPACE);
	ck_ok(parse_fin(TUN "Datapath = auto\n"));
	ck_assert_int_eq(T.datapath, DATAPATH_AUTO);
	ck_err_prefix(parse(TUN "Datapath = xdp\n"),
		      "t.conf:3: Datapath: invalid data path `xdp': expected auto, bpf or userspace");
	/* a kernel tunnel has the kernel's own data path */
	ck_err_prefix(parse_fin(TUN "Backend = kernel\nDatapath = bpf\n"),
		      "Datapath: bpf needs Backend=userspace or auto");
	ck_err_prefix(parse_fin(TUN "Backend = kernel\nDatapath = userspace\n"),
		      "Datapath: userspace needs Backend=userspace or auto");
	ck_ok(parse_fin(TUN "Backend = kernel\nDatapath = auto\n"));
	ck_ok(parse_fin(TUN "Backend = userspace\nDatapath = bpf\n"));
}
END_TEST

/* Remote = any | PREFIX (learning) and PersistentKeepalive; the learning
 * tunnel's restrictions (not the kernel backend, no Cisco keepalives). */
START_TEST(test_key_remote_learning)
{
	char buf[INET6_ADDRSTRLEN];

	ck_ok(parse_fin("[Tunnel]\nRemote = any\n"));
	ck_assert(tunnel_learns(&T));
	ck_assert_int_eq(T.mode, MODE_GRE);
	ck_assert_uint_eq(T.remote_plen, 0);
	ck_ok(parse_fin("[Tunnel]\nMode = ip6gretap\nRemote = any\n"));
	ck_assert_int_eq(T.family, AF_INET6);
	ck_ok(parse_fin("[Tunnel]\nRemote = 198.51.100.0/24\nEncapsulation = udp\n"));
	ck_assert(tunnel_learns(&T));
	ck_assert_uint_eq(T.remote_plen, 24);
	ck_assert_str_eq(inet_ntop(AF_INET, &T.remote, buf, sizeof(buf)), "198.51.100.0");
	/* a prefix alone picks the mode's family, as an address does */
	ck_ok(parse_fin("[Tunnel]\nRemote = 2001:db8::/32\n"));
	ck_assert_int_eq(T.mode, MODE_IP6GRE);
	ck_assert_uint_eq(T.remote_plen, 32);
	ck_ok(parse_fin("[Tunnel]\nRemote = 198.51.100.7/32\n"));
	ck_assert(tunnel_learns(&T));
	/* an address is not learning; an empty Remote= clears the prefix */
	ck_ok(parse_fin("[Tunnel]\nRemote = 198.51.100.2\n"));
	ck_assert(!tunnel_learns(&T));
	ck_ok(parse("[Tunnel]\nRemote = 198.51.100.0/24\n"));
	ck_ok(config_apply_inline(&T, 2, (char *[]){ "remote", "", NULL }, err, sizeof(err)));
	ck_assert(!tunnel_learns(&T));
	ck_assert_uint_eq(T.remote_plen, 0);
	ck_err_prefix(parse("[Tunnel]\nRemote = 198.51.100.7/24\n"),
		      "t.conf:2: Remote: invalid address `198.51.100.7/24': has host bits set (did you mean 198.51.100.0/24?)");
	ck_err_prefix(parse("[Tunnel]\nRemote = anything\n"),
		      "t.conf:2: Remote: invalid address `anything'");
	ck_err_prefix(parse("[Tunnel]\nRemote = 198.51.100.0/40\n"),
		      "t.conf:2: Remote: invalid address `198.51.100.0/40': expected a prefix length from 0 to 32");
	ck_err_prefix(parse_fin("[Tunnel]\nMode = gre\nRemote = 2001:db8::/32\n"), "t.conf:3: Remote:");
	ck_err_prefix(parse_fin("[Tunnel]\nRemote = 0.0.0.0\n"),
		      "Remote: must not be the unspecified address (Remote=any learns the peer's)");
	ck_err_prefix(parse_fin("[Tunnel]\nRemote = any\nBackend = kernel\n"),
		      "Remote: learning the peer's address (Remote=any or a prefix) needs Backend=userspace or auto");
	ck_err_prefix(parse_fin("[Tunnel]\nRemote = 198.51.100.0/24\nKeepalive = 10 3\n"),
		      "Keepalive: needs a fixed Remote=");
	ck_ok(parse_fin("[Tunnel]\nRemote = any\nBackend = userspace\n"));

	ck_ok(parse_fin(TUN "PersistentKeepalive = 25\n"));
	ck_assert_uint_eq(T.persistent_keepalive, 25);
	ck_assert(T.flags & TUNNEL_HAS_PERSISTENT_KEEPALIVE);
	ck_ok(parse_fin(TUN "PersistentKeepalive = 65535\n"));
	ck_ok(parse_fin(TUN "PersistentKeepalive = off\n"));
	ck_assert_uint_eq(T.persistent_keepalive, 0);
	ck_ok(parse_fin(TUN "PersistentKeepalive = 0\n"));
	ck_assert(!(T.flags & TUNNEL_HAS_PERSISTENT_KEEPALIVE));
	ck_err_prefix(parse(TUN "PersistentKeepalive = 65536\n"),
		      "t.conf:3: PersistentKeepalive: invalid persistent keepalive `65536': expected `off' or a number of seconds from 1 to 65535");
	ck_err_prefix(parse(TUN "PersistentKeepalive = 1s\n"), "t.conf:3: PersistentKeepalive:");
	ck_err_prefix(parse_fin(TUN "PersistentKeepalive = 25\nBackend = kernel\n"),
		      "PersistentKeepalive: needs Backend=userspace or auto");
}
END_TEST

START_TEST(test_key_address)
{
	char *text;
	size_t len = 0, cap = 4096;
	int r;

	ck_ok(parse_fin(TUN "Address = 10.0.0.1/30\nAddress = 2001:db8::1/64\nAddress = 10.0.0.9\n"));
	ck_assert_uint_eq(T.n_addresses, 3);
	ck_assert_int_eq(T.addresses[0].family, AF_INET);
	ck_assert_int_eq(T.addresses[1].family, AF_INET6);
	ck_assert_uint_eq(T.addresses[1].len, 64);
	ck_assert_uint_eq(T.addresses[2].len, 32);
	/* empty resets the list */
	ck_ok(parse_fin(TUN "Address = 10.0.0.1/30\nAddress =\nAddress = 10.0.0.5/30\n"));
	ck_assert_uint_eq(T.n_addresses, 1);
	ck_assert_uint_eq(T.addresses[0].addr.v4.s_addr, ip4("10.0.0.5"));
	ck_err_prefix(parse(TUN "Address = 10.0.0.1/33\n"),
		      "t.conf:3: Address: invalid address `10.0.0.1/33': expected a prefix length from 0 to 32");
	ck_err_prefix(parse(TUN "Address = foo\n"), "t.conf:3: Address: invalid address `foo'");
	ck_err_prefix(parse_fin(TUN "Address = 10.0.0.1/30\nAddress = 10.0.0.1/24\n"),
		      "Address: 10.0.0.1 given twice");

	/* too many */
	text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	len = (size_t)snprintf(text, cap, TUN);
	for (int i = 0; i <= TUNNEL_MAX_ADDRESSES; i++)
		len += (size_t)snprintf(text + len, cap - len, "Address = 10.0.%d.1/24\n", i);
	r = parse(text);
	free(text);
	ck_err_prefix(r, "t.conf:67: Address: too many addresses (at most 64)");
}
END_TEST

START_TEST(test_key_table)
{
	ck_ok(parse_fin(TUN "Table = 100\n[Route]\nDestination = 10.1.0.0/16\n"
			    "[Route]\nDestination = 10.2.0.0/16\nTable = local\n"));
	ck_assert_uint_eq(T.table, 100);
	ck_assert(T.flags & TUNNEL_HAS_TABLE);
	ck_assert_uint_eq(T.n_routes, 2);
	ck_assert_uint_eq(T.routes[0].table, 100);
	ck_assert(T.routes[0].flags & ROUTE_HAS_TABLE);
	ck_assert_uint_eq(T.routes[1].table, 255);
	ck_ok(parse_fin(TUN "Table = 4294967295\n"));
	ck_assert_uint_eq(T.table, UINT32_MAX);
	ck_ok(parse_fin(TUN "Table = default\n"));
	ck_assert_uint_eq(T.table, 253);
	ck_err_prefix(parse(TUN "Table = 0\n"),
		      "t.conf:3: Table: invalid table `0': expected a number from 1 to 4294967295");
	ck_err_prefix(parse(TUN "Table = no-such-table-name\n"),
		      "t.conf:3: Table: invalid table `no-such-table-name'");
}
END_TEST

START_TEST(test_route_section)
{
	const struct route *r;

	ck_ok(parse_fin(TUN "[Route]\nDestination = 10.1.0.0/16\nGateway = 10.0.0.2\n"
			    "Metric = 4294967295\nTable = 1\nSource = 10.0.0.1\n"
			    "[Route]\nSource = 2001:db8::1\nDestination = 2001:db8:1::/48\n"
			    "Gateway = fe80::1\nMetric = 0\n"));
	ck_assert_uint_eq(T.n_routes, 2);
	r = &T.routes[0];
	ck_assert_uint_eq(r->flags, ROUTE_HAS_GATEWAY | ROUTE_HAS_METRIC | ROUTE_HAS_TABLE |
			  ROUTE_HAS_SOURCE);
	ck_assert_uint_eq(r->metric, UINT32_MAX);
	ck_assert_uint_eq(r->table, 1);
	ck_assert_uint_eq(r->gateway.v4.s_addr, ip4("10.0.0.2"));
	ck_assert_uint_eq(r->source.v4.s_addr, ip4("10.0.0.1"));
	r = &T.routes[1];
	ck_assert_int_eq(r->dst.family, AF_INET6);
	ck_assert_uint_eq(r->metric, 0);
	ck_assert_uint_eq(r->table, 254);
	ck_assert_uint_eq(r->gateway.v6.s6_addr[0], 0xfe);

	ck_err_prefix(parse(TUN "[Route]\nDestination = 10.1.2.3/16\n"),
		      "t.conf:4: Destination: invalid destination `10.1.2.3/16': has host bits set (did you mean 10.1.0.0/16?)");
	ck_err_prefix(parse(TUN "[Route]\nDestination =\n"),
		      "t.conf:4: Destination: invalid destination `': expected");
	ck_err_prefix(parse(TUN "[Route]\nGateway = 10.0.0.1\n[Route]\nDestination = 10.0.0.0/8\n"),
		      "t.conf:3: Destination: missing in this [Route] section");
	ck_err_prefix(parse(TUN "[Route]\nMetric = 1\n"),
		      "t.conf:3: Destination: missing in this [Route] section");
	ck_err_prefix(parse(TUN "[Route]\nDestination = 10.0.0.0/8\nGateway = 2001:db8::1\n"),
		      "t.conf:5: Gateway: invalid gateway `2001:db8::1': expected an IPv4 address like Destination=");
	ck_err_prefix(parse(TUN "[Route]\nSource = 10.0.0.1\nDestination = 2001:db8::/32\n"),
		      "t.conf:4: Source: invalid source address `10.0.0.1': expected an IPv6 address like Destination=");
	ck_err_prefix(parse(TUN "[Route]\nDestination = 10.0.0.0/8\nMetric = 4294967296\n"),
		      "t.conf:5: Metric: invalid metric `4294967296': expected a number from 0 to 4294967295");
	ck_err_prefix(parse(TUN "[Route]\nDestination = 10.0.0.0/8\nTable = 0\n"),
		      "t.conf:5: Table: invalid table `0'");
	ck_err_prefix(parse(TUN "[Route]\nDestination = 10.0.0.0/8\nGateway = x\n"),
		      "t.conf:5: Gateway: invalid gateway `x': expected an IPv4 or IPv6 address");
	/* each key once per [Route], but again in the next one */
	ck_err_prefix(parse(TUN "[Route]\nDestination = 10.0.0.0/8\nDestination = 10.0.0.0/9\n"),
		      "t.conf:5: Destination: duplicate key, already set on line 4");
	ck_ok(parse(TUN "[Route]\nDestination = 10.0.0.0/8\n[Route]\nDestination = 10.0.0.0/9\n"));
	ck_assert_uint_eq(T.n_routes, 2);
	/* the same route twice */
	ck_err_prefix(parse_fin(TUN "[Route]\nDestination = 10.0.0.0/8\n[Route]\nDestination = 10.0.0.0/8\nTable = main\n"),
		      "Destination: route 10.0.0.0/8 (table 254, metric 0) given twice");
	ck_ok(parse_fin(TUN "[Route]\nDestination = 10.0.0.0/8\n[Route]\nDestination = 10.0.0.0/8\nMetric = 5\n"));
}
END_TEST

START_TEST(test_route_too_many)
{
	size_t cap = 64 * (TUNNEL_MAX_ROUTES + 2), len;
	char *text = malloc(cap);
	int r;

	ck_assert_ptr_nonnull(text);
	len = (size_t)snprintf(text, cap, TUN);
	for (int i = 0; i <= TUNNEL_MAX_ROUTES; i++)
		len += (size_t)snprintf(text + len, cap - len, "[Route]\nDestination = 10.%d.%d.0/24\n",
					i / 256, i % 256);
	r = parse(text);
	free(text);
	/* route 1025 starts on line 3 + 2 * 1024 */
	ck_err_prefix(r, "t.conf:2051: Destination: too many routes (at most 1024)");
}
END_TEST

START_TEST(test_hooks)
{
	ck_ok(parse_fin(TUN "[Hooks]\nPreUp = logger \"%i up\"; true # kept\n"
			    "PostUp = a\nPreDown = b\nPostDown = c ; d\n"));
	ck_assert(config_has_hooks(&T));
	ck_assert_str_eq(T.hook_pre_up, "logger \"%i up\"; true # kept");
	ck_assert_str_eq(T.hook_post_up, "a");
	ck_assert_str_eq(T.hook_pre_down, "b");
	ck_assert_str_eq(T.hook_post_down, "c ; d");
	ck_ok(parse_fin(TUN "[Hooks]\nPostDown = x\n"));
	ck_assert(config_has_hooks(&T));
	ck_ok(parse_fin(TUN "[Hooks]\nPreUp =\n"));
	ck_assert(!config_has_hooks(&T));
	ck_assert_ptr_null(T.hook_pre_up);
	ck_err_prefix(parse(TUN "[Hooks]\nPreUp = a\nPreUp = b\n"),
		      "t.conf:5: PreUp: duplicate key, already set on line 4");
	ck_err_prefix(parse(TUN "[Hooks]\nRemote = 198.51.100.2\n"),
		      "t.conf:4: Remote: unknown key in [Hooks] (it belongs in [Tunnel])");
}
END_TEST

/* ---- error classes ---- */

START_TEST(test_errors_structure)
{
	ck_err_prefix(parse(TUN "[Foo]\nBar = 1\n"),
		      "t.conf:3: [Foo]: unknown section, expected [Tunnel], [Route] or [Hooks]");
	ck_err_prefix(parse(TUN "[tunnel]\n"), "t.conf:3: [tunnel]: unknown section");
	ck_err_prefix(parse(TUN "[Tunnel\n"), "t.conf:3: [Tunnel: section header without `]'");
	ck_err_prefix(parse(TUN "[Tunnel] x\n"), "t.conf:3: x: unexpected text after [Tunnel]");
	ck_err_prefix(parse(TUN "Foo = 1\n"), "t.conf:3: Foo: unknown key in [Tunnel]");
	ck_err_prefix(parse(TUN "mode = gre\n"),
		      "t.conf:3: mode: unknown key in [Tunnel] (keys are case-sensitive: `Mode')");
	ck_err_prefix(parse(TUN "Destination = 10.0.0.0/8\n"),
		      "t.conf:3: Destination: unknown key in [Tunnel] (it belongs in [Route])");
	ck_err_prefix(parse("Mode = gre\n[Tunnel]\n"),
		      "t.conf:1: Mode: key outside a section");
	ck_err_prefix(parse("# hi\n\nRemote = 198.51.100.2\n"),
		      "t.conf:3: Remote: key outside a section");
	ck_err_prefix(parse(TUN "Mode gre\n"),
		      "t.conf:3: Mode: line without `=', expected `Key = value'");
	ck_err_prefix(parse(TUN "= gre\n"), "t.conf:3: line starts with `='");
	ck_err_prefix(parse(TUN "Mode = gre\nMode = gre\n"),
		      "t.conf:4: Mode: duplicate key, already set on line 3");
	ck_err_prefix(parse(TUN "[Tunnel]\nRemote = 198.51.100.3\n"),
		      "t.conf:4: Remote: duplicate key, already set on line 2");
	ck_err_prefix(parse(TUN "TTL = 64\n[Route]\nDestination = 10.0.0.0/8\n[Tunnel]\nTTL = 1\n"),
		      "t.conf:7: TTL: duplicate key, already set on line 3");
	/* a value with '#' but no blank before it is not a comment */
	ck_err_prefix(parse(TUN "TTL = 64#x\n"), "t.conf:3: TTL: invalid TTL `64#x'");
	ck_ok(parse(TUN "TTL = 64 ;x\n"));
}
END_TEST

START_TEST(test_errors_bytes)
{
	static const char nul[] = "[Tunnel]\nRemote = 198.51.100.2\0\n";
	char *text;
	size_t n;

	ck_err_prefix(config_parse_buffer("t.conf", nul, sizeof(nul) - 1, &T, err, sizeof(err)),
		      "t.conf:2: NUL byte in line");
	ck_err_prefix(parse(TUN "Mode = gre\x01\n"), "t.conf:3: control character 0x01 in line");
	ck_err_prefix(parse(TUN "# \xc3\x28\n"), "t.conf:3: line is not valid UTF-8");
	ck_err_prefix(parse(TUN "# \xc0\xaf\n"), "t.conf:3: line is not valid UTF-8");
	ck_err_prefix(parse(TUN "# \xed\xa0\x80\n"), "t.conf:3: line is not valid UTF-8");
	ck_err_prefix(parse(TUN "# \xf4\x90\x80\x80\n"), "t.conf:3: line is not valid UTF-8");
	ck_err_prefix(parse(TUN "# \xe2\x82\n"), "t.conf:3: line is not valid UTF-8");
	ck_ok(parse(TUN "# caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n"));
	/* a leading UTF-8 byte order mark is skipped, as systemd does; the
	 * lines keep their numbers, and a BOM anywhere else is an error */
	ck_ok(parse("\xef\xbb\xbf" TUN "Mode = gretap\n"));
	ck_assert_int_eq(T.mode, MODE_GRETAP);
	ck_err_prefix(parse("\xef\xbb\xbf" TUN "Mode = bogus\n"), "t.conf:3: Mode: invalid mode `bogus'");
	ck_err_prefix(parse(TUN "\xef\xbb\xbfMode = gre\n"), "t.conf:3: ");
	ck_err_prefix(parse(TUN "Mode = caf\xc3\xa9\n"), "t.conf:3: Mode: invalid mode `caf?" "?'");

	/* 4096 bytes is the longest line; 4097 is an error */
	n = strlen(TUN);
	text = malloc(n + 4099);
	ck_assert_ptr_nonnull(text);
	memcpy(text, TUN, n);
	text[n] = '#';
	memset(text + n + 1, 'x', 4095);
	text[n + 4096] = '\n';
	text[n + 4097] = '\0';
	ck_ok(config_parse_buffer("t.conf", text, n + 4097, &T, err, sizeof(err)));
	text[n + 4096] = 'x';
	text[n + 4097] = '\n';
	text[n + 4098] = '\0';
	ck_err_prefix(config_parse_buffer("t.conf", text, n + 4098, &T, err, sizeof(err)),
		      "t.conf:3: line longer than 4096 bytes");
	/* no final newline */
	ck_err_prefix(config_parse_buffer("t.conf", text, n + 4097, &T, err, sizeof(err)),
		      "t.conf:3: line longer than 4096 bytes");
	free(text);
	/* a tiny error buffer still gets a NUL-terminated prefix */
	{
		char small[8];

		ck_assert_int_lt(config_parse_buffer("t.conf", "x", 1, &T, small, sizeof(small)), 0);
		ck_assert_str_eq(small, "t.conf:");
	}
}
END_TEST

/* ---- inline options ---- */

static int inline_args(const char *const *argv, int argc)
{
	err[0] = '\0';
	return config_apply_inline(&T, argc, (char *const *)argv, err, sizeof(err));
}

#define INLINE(...) inline_args((const char *const[]){ __VA_ARGS__ }, \
	(int)(sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *)))

START_TEST(test_inline_basic)
{
	ck_ok(INLINE("mode", "gre", "local", "192.0.2.1", "remote", "198.51.100.2", "key", "42",
		     "address", "10.0.0.1/30", "route", "10.1.0.0/16"));
	ck_ok(config_finalize(&T, err, sizeof(err)));
	ck_assert_int_eq(T.mode, MODE_GRE);
	ck_assert_uint_eq(T.ikey, 42);
	ck_assert_uint_eq(T.oflags, GRE_OPT_KEY);
	ck_assert_uint_eq(T.n_addresses, 1);
	ck_assert_uint_eq(T.n_routes, 1);
	ck_assert_uint_eq(T.routes[0].table, 254);
	ck_assert(T.routes[0].flags & ROUTE_HAS_TABLE);
}
END_TEST

START_TEST(test_route_default)
{
	/* default: 0.0.0.0/0, the mark wg-quick picks, a table of its own */
	ck_ok(parse_fin(TUN "Address = 10.0.0.1/30\n[Route]\nDestination = default\n"
			    "[Route]\nDestination = ::/0\n[Route]\nDestination = 10.1.0.0/16\n"));
	ck_assert_uint_eq(T.n_routes, 3);
	ck_assert_int_eq(T.routes[0].dst.family, AF_INET);
	ck_assert_uint_eq(T.routes[0].dst.len, 0);
	ck_assert_uint_eq(T.routes[0].dst.addr.v4.s_addr, 0);
	ck_assert_uint_eq(T.routes[0].table, GRETUN_FWMARK_AUTO);
	ck_assert_int_eq(T.routes[1].dst.family, AF_INET6);
	ck_assert_uint_eq(T.routes[1].table, GRETUN_FWMARK_AUTO);
	ck_assert_uint_eq(T.routes[2].table, 254);	/* not a default route: main */
	ck_assert_uint_eq(T.fwmark, 51820);
	ck_assert(T.flags & TUNNEL_HAS_FWMARK);
	/* the tunnel's own mark, and the table of its number */
	ck_ok(parse_fin(TUN "FirewallMark = 0x10\n[Route]\nDestination = 0.0.0.0/0\n"));
	ck_assert_uint_eq(T.fwmark, 16);
	ck_assert_uint_eq(T.routes[0].table, 16);
	/* a reserved table number: 51820 instead */
	ck_ok(parse_fin(TUN "FirewallMark = 254\n[Route]\nDestination = 0.0.0.0/0\n"));
	ck_assert_uint_eq(T.fwmark, 254);
	ck_assert_uint_eq(T.routes[0].table, GRETUN_FWMARK_AUTO);
	/* Table= of the tunnel or the route wins, unless main */
	ck_ok(parse_fin(TUN "Table = 100\n[Route]\nDestination = default\n"
			    "[Route]\nDestination = ::/0\nTable = 200\n"
			    "[Route]\nDestination = 2001:db8::/32\n"));
	ck_assert_uint_eq(T.routes[0].table, 100);
	ck_assert_uint_eq(T.routes[1].table, 200);
	ck_assert_uint_eq(T.routes[2].table, 100);
	ck_assert_uint_eq(T.fwmark, GRETUN_FWMARK_AUTO);
	ck_ok(parse_fin(TUN "[Route]\nDestination = default\nTable = main\n"));
	ck_assert_uint_eq(T.routes[0].table, GRETUN_FWMARK_AUTO);
	/* no default route: no mark */
	ck_ok(parse_fin(TUN "[Route]\nDestination = 10.0.0.0/8\n"));
	ck_assert_uint_eq(T.fwmark, 0);
	ck_assert(!(T.flags & TUNNEL_HAS_FWMARK));
	/* inline */
	tunnel_free(&T);
	tunnel_init(&T);
	ck_ok(INLINE("remote", "198.51.100.2", "route", "default", "route", "::/0"));
	ck_ok(config_finalize(&T, err, sizeof(err)));
	ck_assert_uint_eq(T.n_routes, 2);
	ck_assert_uint_eq(T.routes[0].table, GRETUN_FWMARK_AUTO);
	ck_assert_uint_eq(T.fwmark, GRETUN_FWMARK_AUTO);
	ck_err_prefix(INLINE("route", "defaults"),
		      "invalid route `defaults' for option `route': expected default or an IPv4 or IPv6 address with an optional /LENGTH");
	ck_err_prefix(parse(TUN "[Route]\nDestination = Default\n"),
		      "t.conf:4: Destination: invalid destination `Default': expected default or");
}
END_TEST

START_TEST(test_inline_all_words)
{
	ck_ok(INLINE("remote", "198.51.100.2", "ikey", "1", "okey", "2.0.0.0", "ttl", "9",
		     "tos", "0x10", "dev", "eth1", "fwmark", "0x10", "mtu", "1400",
		     "backend", "userspace", "keepalive", "10", "3", "table", "100",
		     "datapath", "userspace", "encapsulation", "udp", "encapsulation-port", "5555",
		     "encapsulation-source-port", "auto", "address", "10.0.0.1/30",
		     "address", "2001:db8::1/64", "route", "10.2.0.0/16", "route", "2001:db8:2::/48"));
	/* Every word parses; keepalives over UDP are then refused as a pair. */
	ck_assert_int_eq(config_finalize(&T, err, sizeof(err)), -EINVAL);
	T.encap = ENCAP_NONE;
	ck_ok(config_finalize(&T, err, sizeof(err)));
	T.encap = ENCAP_UDP;
	ck_assert_uint_eq(T.ikey, 1);
	ck_assert_uint_eq(T.okey, 0x02000000);
	ck_assert_uint_eq(T.ttl, 9);
	ck_assert_uint_eq(T.tos, 16);
	ck_assert_str_eq(T.dev, "eth1");
	ck_assert_uint_eq(T.fwmark, 16);
	ck_assert_uint_eq(T.mtu, 1400);
	ck_assert_int_eq(T.backend, BACKEND_USERSPACE);
	ck_assert_int_eq(T.datapath, DATAPATH_USERSPACE);
	ck_assert_uint_eq(T.keepalive_interval, 10);
	ck_assert_uint_eq(T.keepalive_retries, 3);
	ck_assert_int_eq(T.encap, ENCAP_UDP);
	ck_assert_uint_eq(T.encap_dport, 5555);
	ck_assert_uint_eq(T.encap_sport, 0);
	ck_assert_uint_eq(T.n_addresses, 2);
	ck_assert_uint_eq(T.n_routes, 2);
	ck_assert_uint_eq(T.routes[1].table, 100);
	ck_ok(INLINE("keepalive", "off", "encap", "fou", "encap-dport", "1", "encap-sport", "2"));
	ck_assert_uint_eq(T.keepalive_interval, 0);
	ck_assert_uint_eq(T.encap_dport, 1);
	ck_assert_uint_eq(T.encap_sport, 2);
	ck_ok(INLINE("remote", "any", "persistent-keepalive", "25"));
	ck_assert(tunnel_learns(&T));
	ck_assert_uint_eq(T.persistent_keepalive, 25);
}
END_TEST

/* `gretunctl help keys' and `help words': every key and word the parser
 * reads, once, and each of them parses (an empty value resets). */
START_TEST(test_listed)
{
	const char *sec, *key, *word, *value, *argv[2];
	size_t n_keys = 0, n_words = 0, n_flags = 0;
	char text[128];

	for (size_t i = 0; config_key_nth(i, &sec, &key); i++, n_keys++) {
		const char *s2, *k2;

		for (size_t k = 0; k < i; k++) {
			ck_assert(config_key_nth(k, &s2, &k2));
			ck_assert_msg(strcmp(sec, s2) || strcmp(key, k2), "[%s] %s twice", sec, key);
		}
		snprintf(text, sizeof(text), "[%s]\n%s = 10.9.0.0/16\n", sec, key);
		parse(text);
		ck_assert_msg(!strstr(err, "unknown key"), "[%s] %s: %s", sec, key, err);
		snprintf(text, sizeof(text), "[%s]\n%s = 10.9.0.0/16\n", sec, "Bogus");
		ck_assert_int_eq(parse(text), -EINVAL);
		ck_assert_ptr_nonnull(strstr(err, "unknown key"));
	}
	for (size_t i = 0; config_word_nth(i, &word, &value); i++, n_words++) {
		const char *w2, *v2;

		for (size_t k = 0; k < i; k++) {
			ck_assert(config_word_nth(k, &w2, &v2));
			ck_assert_str_ne(word, w2);
		}
		argv[0] = word;
		argv[1] = "";
		n_flags += value != NULL;
		ck_ok(config_apply_inline(&T, value ? 1 : 2, (char *const *)argv, err, sizeof(err)));
	}
	/* iproute2's words and the config keys of gretun.conf(5), as before */
	ck_assert_uint_eq(n_keys, 37);	/* PersistentKeepalive, Datapath */
	ck_assert_uint_eq(n_words, 43);	/* persistent-keepalive, datapath */
	ck_assert_uint_eq(n_flags, 19);
	ck_assert(!config_key_nth(n_keys, &sec, &key));
	ck_assert(config_key_nth(0, &sec, &key));
	ck_assert_str_eq(sec, "Tunnel");
	ck_assert_str_eq(key, "Mode");
	ck_assert(!config_word_nth(n_words, &word, &value));
}
END_TEST

START_TEST(test_inline_flags)
{
	ck_ok(INLINE("remote", "198.51.100.2", "csum", "seq"));
	ck_ok(config_finalize(&T, err, sizeof(err)));
	ck_assert_uint_eq(T.iflags, GRE_OPT_CSUM | GRE_OPT_SEQ);
	ck_assert_uint_eq(T.oflags, GRE_OPT_CSUM | GRE_OPT_SEQ);
	ck_ok(INLINE("nocsum", "noseq", "icsum", "oseq"));
	ck_assert_uint_eq(T.iflags, GRE_OPT_CSUM);
	ck_assert_uint_eq(T.oflags, GRE_OPT_SEQ);
	ck_ok(INLINE("ocsum", "iseq"));
	ck_assert_uint_eq(T.iflags, GRE_OPT_CSUM | GRE_OPT_SEQ);
	ck_assert_uint_eq(T.oflags, GRE_OPT_CSUM | GRE_OPT_SEQ);
	ck_ok(INLINE("nopmtudisc", "ignore-df"));
	ck_assert(!T.pmtudisc);
	ck_assert(T.ignore_df);
	ck_ok(config_finalize(&T, err, sizeof(err)));
	ck_ok(INLINE("noignore-df", "pmtudisc"));
	ck_assert(T.pmtudisc);
	ck_assert(!T.ignore_df);
	ck_assert(T.flags & TUNNEL_HAS_PMTUDISC);
	ck_ok(INLINE("key", "5", "noikey"));
	ck_ok(config_finalize(&T, err, sizeof(err)));
	ck_assert_uint_eq(T.iflags & GRE_OPT_KEY, 0);
	ck_assert_uint_eq(T.oflags & GRE_OPT_KEY, GRE_OPT_KEY);
	ck_ok(INLINE("nokey"));
	ck_ok(config_finalize(&T, err, sizeof(err)));
	ck_assert_uint_eq(T.oflags & GRE_OPT_KEY, 0);
	ck_ok(INLINE("nopmtudisc", "ttl", "64"));
	ck_err_prefix(config_finalize(&T, err, sizeof(err)), "TTL: a fixed TTL (64)");
}
END_TEST

START_TEST(test_inline_overrides)
{
	ck_ok(parse(TUN "Local = 192.0.2.1\nKey = 1\nTTL = 9\nAddress = 10.0.0.1/30\n"
			"[Route]\nDestination = 10.1.0.0/16\n"));
	ck_ok(INLINE("key", "2", "ttl", "inherit", "address", "10.0.1.1/30", "route", "10.2.0.0/16",
		     "table", "100"));
	ck_ok(config_finalize(&T, err, sizeof(err)));
	ck_assert_uint_eq(T.ikey, 2);
	ck_assert_uint_eq(T.okey, 2);
	ck_assert_uint_eq(T.ttl, 0);
	ck_assert_uint_eq(T.n_addresses, 2);
	ck_assert_uint_eq(T.n_routes, 2);
	ck_assert_uint_eq(T.routes[0].table, 100);
	ck_assert_uint_eq(T.routes[1].table, 100);

	/* an empty `address' or `route' clears the list before what follows
	 * (how `gretunctl set' replaces them) */
	ck_ok(parse(TUN "Address = 10.0.0.1/30\n[Route]\nDestination = 10.1.0.0/16\n"));
	ck_ok(INLINE("address", "", "address", "10.0.9.1/30", "route", "", "route", "10.9.0.0/16"));
	ck_ok(config_finalize(&T, err, sizeof(err)));
	ck_assert_uint_eq(T.n_addresses, 1);
	ck_assert_uint_eq(T.addresses[0].addr.v4.s_addr, ip4("10.0.9.1"));
	ck_assert_uint_eq(T.n_routes, 1);
	ck_assert_uint_eq(T.routes[0].dst.addr.v4.s_addr, ip4("10.9.0.0"));
	ck_ok(INLINE("route", ""));
	ck_assert_uint_eq(T.n_routes, 0);

	/* switching the underlay family inline needs both endpoints and mode */
	ck_ok(parse(TUN "Mode = gre\nLocal = 192.0.2.1\n"));
	ck_ok(INLINE("local", "2001:db8::1", "remote", "2001:db8::2", "mode", "ip6gre"));
	ck_ok(config_finalize(&T, err, sizeof(err)));
	ck_assert_int_eq(T.family, AF_INET6);
	ck_ok(parse(TUN "Local = 192.0.2.1\n"));
	ck_err_prefix(INLINE("remote", "2001:db8::2"),
		      "invalid address `2001:db8::2' for option `remote': expected an IPv4 address like the local address");
	ck_ok(parse(TUN "Mode = gre\n"));
	ck_ok(INLINE("remote", "2001:db8::2"));
	ck_err_prefix(config_finalize(&T, err, sizeof(err)),
		      "Remote: 2001:db8::2 is an IPv6 address but Mode=gre needs IPv4");
	ck_ok(parse(TUN));
	ck_ok(INLINE("mode", "ip6gretap"));
	ck_err_prefix(config_finalize(&T, err, sizeof(err)),
		      "Remote: 198.51.100.2 is an IPv4 address but Mode=ip6gretap needs IPv6");
}
END_TEST

START_TEST(test_inline_errors)
{
	ck_err_prefix(INLINE("key", "0x1g2"),
		      "invalid key `0x1g2' for option `key': expected a number or a dotted quad");
	ck_assert_str_eq(err, "invalid key `0x1g2' for option `key': expected a number or a dotted quad");
	ck_err_prefix(INLINE("foo", "1"), "unknown option `foo'");
	ck_err_prefix(INLINE("Key", "1"), "unknown option `Key'");
	ck_err_prefix(INLINE("key"), "option `key' needs a value");
	ck_err_prefix(INLINE("keepalive", "10"), "option `keepalive' needs `off' or two values");
	ck_err_prefix(INLINE("keepalive", "10", "x"),
		      "invalid keepalive `10 x' for option `keepalive'");
	ck_err_prefix(INLINE("ttl", "0"), "invalid TTL `0' for option `ttl'");
	ck_err_prefix(INLINE("mtu", "67"), "invalid MTU `67' for option `mtu'");
	ck_err_prefix(INLINE("route", "10.0.0.1/8"),
		      "invalid route `10.0.0.1/8' for option `route': has host bits set");
	ck_err_prefix(INLINE("csum", "yes"), "unknown option `yes'");
	for (int i = 0; i < TUNNEL_MAX_ADDRESSES; i++)
		ck_ok(INLINE("address", "10.0.0.1/8"));
	ck_err_prefix(INLINE("address", "10.0.0.1/8"),
		      "option `address': too many addresses (at most 64)");
}
END_TEST

START_TEST(test_finalize_misc)
{
	ck_err_prefix(parse_fin("[Tunnel]\nMode = gre\n"), "Remote: required");
	ck_err_prefix(parse_fin(""), "Remote: required");
	/* finalize fills iflags/oflags from the key bits and is repeatable */
	ck_ok(parse_fin(TUN "InputKey = 1\n"));
	ck_ok(config_finalize(&T, err, sizeof(err)));
	ck_assert_uint_eq(T.iflags, GRE_OPT_KEY);
	ck_assert_uint_eq(T.oflags, 0);
}
END_TEST

/* ---- files and permissions ---- */

static char tmpdir[64];

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static void tmp_setup(void)
{
	setup();
	snprintf(tmpdir, sizeof(tmpdir), "check_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	ck_assert_int_eq(chmod(tmpdir, 0755), 0);
}

static void tmp_teardown(void)
{
	char cmd[128];

	teardown();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

START_TEST(test_load_file)
{
	char path[128], big[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/gre1.conf", tmpdir);
	ck_assert_int_eq(config_load_file(path, &T, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, path));
	write_file(path, "[Tunnel]\nRemote = 198.51.100.2\nKey = 0x1g2\n", 0644);
	ck_err_prefix(config_load_file(path, &T, err, sizeof(err)), path);
	ck_assert_ptr_nonnull(strstr(err, "/gre1.conf:3: Key: invalid key `0x1g2': expected a number or a dotted quad"));
	write_file(path, "[Tunnel]\nRemote = 198.51.100.2\n", 0644);
	tunnel_free(&T);
	tunnel_init(&T);
	ck_ok(config_load_file(path, &T, err, sizeof(err)));
	ck_assert(T.flags & TUNNEL_HAS_REMOTE);
	ck_assert_int_lt(config_load_file(tmpdir, &T, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	/* a FIFO is refused without blocking in open() */
	snprintf(big, sizeof(big), "%s/fifo.conf", tmpdir);
	ck_assert_int_eq(mkfifo(big, 0644), 0);
	ck_assert_int_lt(config_load_file(big, &T, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));

	/* exactly 1 MiB of comments is fine, one byte more is not */
	snprintf(big, sizeof(big), "%s/big.conf", tmpdir);
	f = fopen(big, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < CONFIG_FILE_MAX / 1024; i++) {
		fputc('#', f);
		for (int k = 0; k < 1022; k++)
			fputc('x', f);
		fputc('\n', f);
	}
	fclose(f);
	ck_ok(config_load_file(big, &T, err, sizeof(err)));
	f = fopen(big, "a");
	ck_assert_ptr_nonnull(f);
	fputc('\n', f);
	fclose(f);
	ck_assert_int_eq(config_load_file(big, &T, err, sizeof(err)), -EFBIG);
	ck_assert_ptr_nonnull(strstr(err, "larger than"));
}
END_TEST

START_TEST(test_permissions)
{
	char path[128], sub[128], subfile[256], link[256], want[256];
	uid_t me = geteuid();

	snprintf(path, sizeof(path), "%s/gre1.conf", tmpdir);
	write_file(path, "[Hooks]\nPreUp = true\n", 0644);
	ck_ok(config_check_permissions_as(path, me, tmpdir, err, sizeof(err)));
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_ok(config_check_permissions_as(path, me, tmpdir, err, sizeof(err)));

	ck_assert_int_eq(chmod(path, 0664), 0);
	ck_assert_int_eq(config_check_permissions_as(path, me, tmpdir, err, sizeof(err)), -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "/gre1.conf is writable by group or others (mode 0664); hooks run as root"));
	ck_assert_int_eq(chmod(path, 0646), 0);
	ck_err_has(config_check_permissions_as(path, me, tmpdir, err, sizeof(err)), "(mode 0646)");
	ck_assert_int_eq(chmod(path, 0644), 0);

	/* a group-writable directory, a sticky world-writable one */
	ck_assert_int_eq(chmod(tmpdir, 0775), 0);
	ck_err_has(config_check_permissions_as(path, me, tmpdir, err, sizeof(err)),
		   "(a directory above");
	ck_err_has(config_check_permissions_as(path, me, tmpdir, err, sizeof(err)), "(mode 0775)");
	ck_assert_int_eq(chmod(tmpdir, 01777), 0);
	ck_err_has(config_check_permissions_as(path, me, tmpdir, err, sizeof(err)), "(mode 1777)");
	ck_assert_int_eq(chmod(tmpdir, 0755), 0);

	/* the wrong owner */
	ck_assert_int_eq(config_check_permissions_as(path, me + 1, tmpdir, err, sizeof(err)), -EPERM);
	snprintf(want, sizeof(want), "is owned by uid %u, not uid %u; hooks run as root",
		 (unsigned int)me, (unsigned int)me + 1);
	ck_assert_msg(strstr(err, want) != NULL, "got `%s'", err);
	if (me == 0) {
		ck_assert_int_eq(chown(path, 65534, 65534), 0);
		ck_err_has(config_check_permissions_as(path, 0, tmpdir, err, sizeof(err)),
			   "is owned by uid 65534, not root; hooks run as root");
		ck_assert_int_eq(chown(path, 0, 0), 0);
	}

	/* a symlink into a writable directory is as bad as the directory */
	snprintf(sub, sizeof(sub), "%s/open", tmpdir);
	ck_assert_int_eq(mkdir(sub, 0777), 0);
	ck_assert_int_eq(chmod(sub, 0777), 0);
	snprintf(subfile, sizeof(subfile), "%s/real.conf", sub);
	write_file(subfile, "[Hooks]\n", 0644);
	snprintf(link, sizeof(link), "%s/link.conf", tmpdir);
	ck_assert_int_eq(symlink("open/real.conf", link), 0);
	ck_err_has(config_check_permissions_as(link, me, tmpdir, err, sizeof(err)), "/open (a directory above");
	/* and a symlink placed in a writable directory too */
	ck_assert_int_eq(chmod(sub, 0755), 0);
	ck_ok(config_check_permissions_as(link, me, tmpdir, err, sizeof(err)));
	snprintf(link, sizeof(link), "%s/open/link2.conf", tmpdir);
	ck_assert_int_eq(symlink("../gre1.conf", link), 0);
	ck_assert_int_eq(chmod(sub, 0777), 0);
	ck_err_has(config_check_permissions_as(link, me, tmpdir, err, sizeof(err)), "/open (a directory above");

	/* missing, and not a regular file */
	snprintf(link, sizeof(link), "%s/none.conf", tmpdir);
	ck_assert_int_eq(config_check_permissions_as(link, me, tmpdir, err, sizeof(err)), -ENOENT);
	ck_assert_int_eq(config_check_permissions_as(tmpdir, me, NULL, err, sizeof(err)), -EINVAL);

	/* the real thing, when this host's /etc/passwd chain is root's */
	{
		struct stat a, b, c;

		if (stat("/etc/passwd", &a) == 0 && stat("/etc", &b) == 0 && stat("/", &c) == 0 &&
		    !a.st_uid && !b.st_uid && !c.st_uid &&
		    !((a.st_mode | b.st_mode | c.st_mode) & (S_IWGRP | S_IWOTH)))
			ck_ok(config_check_permissions("/etc/passwd", err, sizeof(err)));
		ck_assert_int_eq(config_check_permissions("/tmp", err, sizeof(err)), -EINVAL);
	}
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_u32);
	tcase_add_test(tc, test_parse_bool);
	tcase_add_test(tc, test_parse_key);
	tcase_add_test(tc, test_parse_addr);
	tcase_add_test(tc, test_parse_prefix);
	tcase_add_test(tc, test_parse_table);
	tcase_add_test(tc, test_parse_small);
	tcase_add_test(tc, test_parse_quote);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_example_from_interface);
	tcase_add_test(tc, test_minimal_defaults);
	tcase_add_test(tc, test_key_mode);
	tcase_add_test(tc, test_key_endpoints);
	tcase_add_test(tc, test_key_keys);
	tcase_add_test(tc, test_key_checksum_sequence);
	tcase_add_test(tc, test_key_ttl_tos);
	tcase_add_test(tc, test_key_pmtu_df);
	tcase_add_test(tc, test_key_device_fwmark);
	tcase_add_test(tc, test_key_encap);
	tcase_add_test(tc, test_key_mtu_backend_keepalive);
	tcase_add_test(tc, test_key_datapath);
	tcase_add_test(tc, test_key_address);
	tcase_add_test(tc, test_key_table);
	tcase_add_test(tc, test_route_section);
	tcase_add_test(tc, test_route_too_many);
	tcase_add_test(tc, test_route_default);
	tcase_add_test(tc, test_hooks);
	tcase_add_test(tc, test_errors_structure);
	tcase_add_test(tc, test_errors_bytes);
	tcase_add_test(tc, test_finalize_misc);
	tcase_add_test(tc, test_key_remote_learning);
	suite_add_tcase(s, tc);

	tc = tcase_create("inline");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_inline_basic);
	tcase_add_test(tc, test_inline_all_words);
	tcase_add_test(tc, test_inline_flags);
	tcase_add_test(tc, test_listed);
	tcase_add_test(tc, test_inline_overrides);
	tcase_add_test(tc, test_inline_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_load_file);
	tcase_add_test(tc, test_permissions);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(config_suite());
}
