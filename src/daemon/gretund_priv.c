// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Privileges. gretund keeps exactly two capabilities for its whole life:
 * CAP_NET_ADMIN (TUNSETIFF/TUNSETPERSIST on persistent devices for tunnels
 * created later, SO_MARK) and CAP_NET_RAW (raw GRE/UDP sockets for new
 * families or devices, SO_BINDTODEVICE). Everything else goes, from the
 * bounding set too, so not even an exec can get it back.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <cap-ng.h>
#include <sys/prctl.h>

#include "gretund_priv.h"

int gd_priv_drop(const char *user, bool keep_bpf)
{
	struct passwd *pw = NULL;
	int ret;

	if (user) {
		errno = 0;
		pw = getpwnam(user);
		if (!pw)
			return errno ? -errno : -ESRCH;
	}
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
			  CAP_NET_ADMIN, CAP_NET_RAW, -1))
		return -EINVAL;
	if (keep_bpf && capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
				     CAP_BPF))
		return -EINVAL;
	/* bounding and ambient sets first, while still allowed to */
	if (capng_apply(CAPNG_SELECT_BOUNDS) || capng_apply(CAPNG_SELECT_AMBIENT))
		return -EPERM;
	if (pw) {
		ret = capng_change_id((int)pw->pw_uid, (int)pw->pw_gid, CAPNG_DROP_SUPP_GRP);
		if (ret)
			return -EPERM;
	} else if (capng_apply(CAPNG_SELECT_CAPS)) {
		return -EPERM;
	}
	/* no new privileges through exec either */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return 0;
}
