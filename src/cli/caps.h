/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef GRETUN_CAPS_H
#define GRETUN_CAPS_H

/* 0 when this process has every capability in caps (a -1 terminated list of
 * CAP_* numbers) in its effective set; else -EPERM and *missing names the
 * first one lacking ("CAP_NET_ADMIN"). */
int caps_require(const int *caps, const char **missing);

#endif
