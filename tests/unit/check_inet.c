// SPDX-License-Identifier: GPL-2.0-or-later
/* inet.h: address length, address and prefix equality. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "inet.h"
#include "suite.h"

START_TEST(test_addr_len)
{
	ck_assert_uint_eq(inet_addr_len(AF_INET), 4);
	ck_assert_uint_eq(inet_addr_len(AF_INET6), 16);
	ck_assert_uint_eq(inet_addr_len(AF_UNSPEC), 0);
}
END_TEST

/* An IPv4 address compares its 4 bytes only: the union's tail may hold
 * anything (a value parsed as IPv6 before, stack garbage). */
START_TEST(test_addr_equal)
{
	union inet_addr a, b;

	memset(&a, 0xaa, sizeof(a));
	memset(&b, 0x55, sizeof(b));
	inet_pton(AF_INET, "192.0.2.1", &a.v4);
	inet_pton(AF_INET, "192.0.2.1", &b.v4);
	ck_assert(inet_addr_equal(AF_INET, &a, &b));
	ck_assert(!inet_addr_equal(AF_INET6, &a, &b));
	inet_pton(AF_INET, "192.0.2.2", &b.v4);
	ck_assert(!inet_addr_equal(AF_INET, &a, &b));
	memset(&a, 0, 4);
	ck_assert(inet_addr_is_any(AF_INET, &a));
	ck_assert(!inet_addr_is_any(AF_INET6, &a));
	memset(&a, 0, sizeof(a));
	ck_assert(inet_addr_is_any(AF_INET6, &a));
	inet_pton(AF_INET6, "2001:db8::1", &a.v6);
	ck_assert(!inet_addr_is_any(AF_INET6, &a));
}
END_TEST

START_TEST(test_prefix_equal)
{
	struct prefix a = { .family = AF_INET, .len = 24 }, b;

	memset(&a.addr, 0x11, sizeof(a.addr));
	inet_pton(AF_INET, "198.51.100.0", &a.addr.v4);
	b = a;
	memset(b.addr.bytes + 4, 0x22, 12);
	ck_assert(inet_prefix_equal(&a, &b));
	b.len = 25;
	ck_assert(!inet_prefix_equal(&a, &b));
	b = a;
	b.family = AF_INET6;
	ck_assert(!inet_prefix_equal(&a, &b));
	a.family = b.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::", &a.addr.v6);
	b.addr = a.addr;
	ck_assert(inet_prefix_equal(&a, &b));
	b.addr.bytes[15] = 1;
	ck_assert(!inet_prefix_equal(&a, &b));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("inet");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_addr_len);
	tcase_add_test(tc, test_addr_equal);
	tcase_add_test(tc, test_prefix_equal);
	suite_add_tcase(s, tc);
	return check_run(s);
}
