/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef GRETUN_SHOW_H
#define GRETUN_SHOW_H

#include "output.h"

struct nl_sock;

/* Routes gretun shows for a device (unicast, not the kernel's own), as an
 * array under key (NULL: a bare array, for `route list -j`). */
int routes_print(struct out *o, struct nl_sock *nl, int ifindex, const char *key);

#endif
