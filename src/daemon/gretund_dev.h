/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gretund_dev.c: the TUN/TAP devices. */
#ifndef GRETUN_GRETUND_DEV_H
#define GRETUN_GRETUND_DEV_H

#include "gretund.h"

/* Open (creating if needed) the persistent TUN or TAP named name, asking
 * the opener for the /dev/net/tun descriptor when opener >= 0.
 * -EEXIST if a device of that name exists and is not a tun/tap of this type. */
int gd_dev_open(int opener, const char *name, bool tap, int *fd, int *ifindex);
/* True when fd's device is gone: deleted, or its namespace went (tun.c
 * answers EBADFD and polls EPOLLERR from then on). */
bool gd_dev_detached(int fd);
/* persist=false: clear TUNSETPERSIST so the device goes away on close. */
void gd_dev_close(int fd, bool persist);

#endif
