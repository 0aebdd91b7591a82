// SPDX-License-Identifier: GPL-2.0-or-later
#include <cap-ng.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>

#include "caps.h"

int caps_require(const int *caps, const char **missing)
{
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_get_caps_process() < 0)
		return -EPERM;
	for (; *caps >= 0; caps++) {
		if (!capng_have_capability(CAPNG_EFFECTIVE, (unsigned int)*caps)) {
			static char name[64];
			const char *n = capng_capability_to_name((unsigned int)*caps);
			size_t i;

			/* libcap-ng says "net_admin"; admins know CAP_NET_ADMIN. */
			snprintf(name, sizeof(name), "CAP_%s", n ? n : "?");
			for (i = 0; name[i]; i++)
				name[i] = (char)toupper((unsigned char)name[i]);
			*missing = name;
			return -EPERM;
		}
	}
	return 0;
}
