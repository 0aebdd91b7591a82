// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tunnel.h"

static const char *const mode_names[MODE_MAX_] = {
	[MODE_GRE] = "gre",
	[MODE_GRETAP] = "gretap",
	[MODE_IP6GRE] = "ip6gre",
	[MODE_IP6GRETAP] = "ip6gretap",
};

void tunnel_init(struct tunnel *t)
{
	memset(t, 0, sizeof(*t));
	t->mode = MODE_GRE;
	t->family = AF_INET;
	t->tos_inherit = false;
	t->pmtudisc = true;
	t->encap_dport = GRETUN_ENCAP_PORT;
	t->table = GRETUN_TABLE_MAIN;
	t->backend = BACKEND_AUTO;
}

void tunnel_free(struct tunnel *t)
{
	free(t->addresses);
	free(t->routes);
	free(t->hook_pre_up);
	free(t->hook_post_up);
	free(t->hook_pre_down);
	free(t->hook_post_down);
	t->addresses = NULL;
	t->routes = NULL;
	t->n_addresses = t->n_routes = 0;
	t->hook_pre_up = t->hook_post_up = t->hook_pre_down = t->hook_post_down = NULL;
}

const char *tunnel_mode_name(enum tunnel_mode m)
{
	return (unsigned int)m < MODE_MAX_ ? mode_names[m] : "unknown";
}

int tunnel_mode_parse(const char *s, enum tunnel_mode *m)
{
	for (unsigned int i = 0; i < MODE_MAX_; i++) {
		if (!strcmp(s, mode_names[i])) {
			*m = (enum tunnel_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *tunnel_backend_name(enum tunnel_backend b)
{
	switch (b) {
	case BACKEND_KERNEL:
		return "kernel";
	case BACKEND_USERSPACE:
		return "userspace";
	default:
		return "auto";
	}
}

const char *tunnel_datapath_name(enum tunnel_datapath d)
{
	switch (d) {
	case DATAPATH_BPF:
		return "bpf";
	case DATAPATH_USERSPACE:
		return "userspace";
	default:
		return "auto";
	}
}

int tunnel_datapath_parse(const char *s, enum tunnel_datapath *d)
{
	static const enum tunnel_datapath all[] = { DATAPATH_AUTO, DATAPATH_BPF, DATAPATH_USERSPACE };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (!strcmp(s, tunnel_datapath_name(all[i]))) {
			*d = all[i];
			return 0;
		}
	}
	return -EINVAL;
}

unsigned int tunnel_gre_hlen(const struct tunnel *t)
{
	unsigned int len = 4;

	if (t->oflags & GRE_OPT_CSUM)
		len += 4;
	if (t->oflags & GRE_OPT_KEY)
		len += 4;
	if (t->oflags & GRE_OPT_SEQ)
		len += 4;
	return len;
}

uint32_t tunnel_mtu_auto(const struct tunnel *t, uint32_t underlay_mtu)
{
	uint32_t overhead = (t->family == AF_INET6 ? 40 : 20) + tunnel_gre_hlen(t);

	if (t->encap == ENCAP_UDP)
		overhead += 8;
	if (tunnel_mode_is_tap(t->mode))
		overhead += 14;
	if (underlay_mtu <= overhead + 68)
		return 68;
	return underlay_mtu - overhead;
}

bool ifname_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= IFNAMSIZ)
		return false;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;

		/* The kernel's own rule ('/', ':', blanks), and what a name must
		 * not need on its way: quoting in JSON (" and \, control and
		 * non-ASCII bytes), splitting in gretund's key=value requests
		 * (=). One rule for both backends, checked before anything is
		 * changed. */
		if (c <= ' ' || c >= 0x7f || c == '/' || c == ':' || c == '=' || c == '"' ||
		    c == '\\')
			return false;
	}
	return true;
}

int tunnel_add_address(struct tunnel *t, const struct prefix *p)
{
	struct prefix *n;

	if (t->n_addresses >= TUNNEL_MAX_ADDRESSES)
		return -E2BIG;
	n = realloc(t->addresses, (t->n_addresses + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	n[t->n_addresses++] = *p;
	t->addresses = n;
	return 0;
}

int tunnel_add_route(struct tunnel *t, const struct route *r)
{
	struct route *n;

	if (t->n_routes >= TUNNEL_MAX_ROUTES)
		return -E2BIG;
	n = realloc(t->routes, (t->n_routes + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	n[t->n_routes++] = *r;
	t->routes = n;
	return 0;
}

uint32_t tunnel_default_table(const struct tunnel *t)
{
	uint32_t m = t->fwmark ? t->fwmark : GRETUN_FWMARK_AUTO;

	return (m == 0 || (m >= 253 && m <= 255)) ? GRETUN_FWMARK_AUTO : m;
}
