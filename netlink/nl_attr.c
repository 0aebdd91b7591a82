// SPDX-License-Identifier: GPL-2.0-or-later
/* Strict attribute parsing shared by the link, address and route parsers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nl_priv.h"

int nl_attr_parse(const void *data, size_t len, const struct nl_policy *pol,
		  unsigned int max, const struct nlattr **tb)
{
	const struct nlattr *attr = data;
	size_t left = len;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (len > INT32_MAX)
		return -EBADMSG;
	while (left > 0) {
		uint16_t type;
		size_t step;

		if (!mnl_attr_ok(attr, (int)left))
			return -EBADMSG;
		type = mnl_attr_get_type(attr);
		if (type <= max) {
			const struct nl_policy *p = &pol[type];

			if (p->type != MNL_TYPE_UNSPEC) {
				int ret = p->len ?
					mnl_attr_validate2(attr, p->type, p->len) :
					mnl_attr_validate(attr, p->type);

				if (ret < 0)
					return -EBADMSG;
			}
			if (p->min_len && mnl_attr_get_payload_len(attr) < p->min_len)
				return -EBADMSG;
			tb[type] = attr;
		}
		step = MNL_ALIGN(attr->nla_len);
		if (step >= left)
			break;
		left -= step;
		attr = (const struct nlattr *)((const char *)attr + step);
	}
	return 0;
}

int nl_attr_parse_nested(const struct nlattr *nest, const struct nl_policy *pol,
			 unsigned int max, const struct nlattr **tb)
{
	return nl_attr_parse(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest),
			     pol, max, tb);
}

int nl_attr_parse_msg(const struct nlmsghdr *nlh, size_t hdrlen, const struct nl_policy *pol,
		      unsigned int max, const struct nlattr **tb)
{
	size_t off = MNL_ALIGN(hdrlen);

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + hdrlen)
		return -EBADMSG;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + off) {
		memset(tb, 0, (max + 1) * sizeof(*tb));
		return 0;
	}
	return nl_attr_parse((const char *)mnl_nlmsg_get_payload(nlh) + off,
			     nlh->nlmsg_len - MNL_NLMSG_HDRLEN - off, pol, max, tb);
}

int nl_array_grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}
