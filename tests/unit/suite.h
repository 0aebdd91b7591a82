/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runner every Check suite ends with: run all, exit status for automake. */
#ifndef GRETUN_TESTS_SUITE_H
#define GRETUN_TESTS_SUITE_H

#include <check.h>
#include <stdlib.h>

static inline int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
