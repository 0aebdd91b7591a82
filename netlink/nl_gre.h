/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to netlink/: the IFLA_GRE_* parser used by nl_link_parse. */
#ifndef GRETUN_NL_GRE_H
#define GRETUN_NL_GRE_H

#include "nl_priv.h"

/* Fill t (whose mode is already set from IFLA_INFO_KIND) from an
 * IFLA_INFO_DATA nest; *link gets IFLA_GRE_LINK. 0 or -EBADMSG. */
int nl_gre_parse_info_data(const struct nlattr *data, struct tunnel *t, int *link);

#endif
