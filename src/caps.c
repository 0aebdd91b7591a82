// SPDX-License-Identifier: GPL-2.0-or-later
#include <cap-ng.h>
#include <errno.h>

#include "caps.h"

int caps_require(const int *caps, const char **missing)
{
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_get_caps_process() < 0)
		return -EPERM;
	for (; *caps >= 0; caps++) {
		if (!capng_have_capability(CAPNG_EFFECTIVE, (unsigned int)*caps)) {
			*missing = capng_capability_to_name((unsigned int)*caps);
			return -EPERM;
		}
	}
	return 0;
}
