/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtnetlink on libmnl. Builders (nl_*_build) only fill a message in a caller's
 * buffer; nl_talk / nl_dump / nl_batch_send are the only places doing I/O.
 * Every function returns 0 or -errno. When the kernel sent an extended ACK
 * message with an error, nl_errmsg() copies it out until the next request:
 * the socket keeps it because it is the answer to the socket's last
 * request (every nl_* call taking an err buffer that most callers ignore
 * would say less), handed over in the project's one convention, the
 * caller's char *err, size_t errlen.
 */
#ifndef GRETUN_NL_H
#define GRETUN_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "tunnel.h"

struct nl_sock;

int nl_open(struct nl_sock **out);
void nl_close(struct nl_sock *nl);
/* The kernel's message for the last request into err ("" when none, or
 * nl NULL). */
void nl_errmsg(const struct nl_sock *nl, char *err, size_t errlen);

/* ---- generic I/O: the one place that sends and reads replies ---------- */

/* Callback per reply message of a dump or a request; returns MNL_CB_OK,
 * MNL_CB_STOP or MNL_CB_ERROR (libmnl's values). */
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *data);

/* Send one request with NLM_F_ACK, wait for its ACK. cb (may be NULL) sees
 * any non-ACK reply (e.g. for RTM_GET* without dump). Sets seq itself. */
int nl_talk(struct nl_sock *nl, struct nlmsghdr *nlh, nl_msg_cb cb, void *data);
/* Send a dump request, feed every message to cb; restarts the dump (up to a
 * few times) when the kernel flags NLM_F_DUMP_INTR. */
int nl_dump(struct nl_sock *nl, struct nlmsghdr *nlh, nl_msg_cb cb, void *data);

/* A batch: many requests in one sendmsg, each ACKed and answered. */
struct nl_batch;
int nl_batch_new(struct nl_batch **out);
void nl_batch_free(struct nl_batch *b);
size_t nl_batch_count(const struct nl_batch *b);
/* Space for the next message; valid until the next call on the batch.
 * After filling, commit it with nl_batch_next(). */
struct nlmsghdr *nl_batch_current(struct nl_batch *b);
int nl_batch_next(struct nl_batch *b);
/* Sends all (in chunks if needed) and collects each message's result into
 * errors[i] (0 or -errno, array of nl_batch_count() entries). Returns 0 if all
 * succeeded, else the first error. Extended ACK of the first failure is kept
 * for nl_errmsg(). */
int nl_batch_send(struct nl_sock *nl, struct nl_batch *b, int *errors);
/* An NLMSG_ERROR reply: 0 (ACK) or the -errno it carries; -EBADMSG if too
 * short, -EINVAL if not NLMSG_ERROR. Pure, for tests and fuzzers. */
int nl_ack_parse(const struct nlmsghdr *nlh);

/* ---- links ------------------------------------------------------------- */

struct nl_link {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16];		/* IFLA_INFO_KIND, "" if none (e.g. tun) */
	uint32_t mtu;
	uint32_t flags;		/* IFF_* from ifi_flags */
	int link;		/* IFLA_LINK, 0 if none */
	bool has_stats;
	struct rtnl_link_stats64 stats;
	bool is_gre;		/* kind is gre|gretap|ip6gre|ip6gretap: t is valid */
	struct tunnel t;	/* parsed IFLA_GRE_*; arrays/hooks are NULL */
	int gre_link;		/* IFLA_GRE_LINK (underlay ifindex), 0 if none;
				 * nl_link_get* also put its name in t.dev */
};

/* Message builders. buf must hold MNL_SOCKET_BUFFER_SIZE bytes. */
struct nlmsghdr *nl_link_build_new(void *buf, const struct tunnel *t, int ifindex,
				   uint16_t nlflags);
struct nlmsghdr *nl_link_build_del(void *buf, int ifindex);
struct nlmsghdr *nl_link_build_set(void *buf, int ifindex, int up /* -1 keep */,
				   uint32_t mtu /* 0 keep */);
/* Fill IFLA_INFO_DATA (IFLA_GRE_*) for t into an open nest; used by the
 * link builder, exposed for the unit tests. */
void nl_gre_put_info_data(struct nlmsghdr *nlh, const struct tunnel *t);
/* The same with IFLA_GRE_LINK = link (underlay ifindex, 0 = none): the two
 * above never resolve t->dev themselves, nl_link_create does. */
struct nlmsghdr *nl_link_build_new_dev(void *buf, const struct tunnel *t, int ifindex,
				       uint16_t nlflags, int link);
void nl_gre_put_info_data_dev(struct nlmsghdr *nlh, const struct tunnel *t, int link);
/* Parse an RTM_NEWLINK message; -EINVAL (or -EBADMSG) if malformed. */
int nl_link_parse(const struct nlmsghdr *nlh, struct nl_link *out);

/* Create a kernel GRE device of t->mode named t->name (NLM_F_CREATE|EXCL).
 * t->dev resolved to IFLA_GRE_LINK here. -EOPNOTSUPP when the kernel does
 * not know the kind. MTU set if t->mtu. */
int nl_link_create(struct nl_sock *nl, const struct tunnel *t);
/* Change the IFLA_GRE_* of an existing kernel GRE device in place. */
int nl_link_change(struct nl_sock *nl, int ifindex, const struct tunnel *t);
int nl_link_delete(struct nl_sock *nl, int ifindex);
int nl_link_set_up(struct nl_sock *nl, int ifindex, bool up);
int nl_link_set_mtu(struct nl_sock *nl, int ifindex, uint32_t mtu);
/* -ENODEV when no such link. */
int nl_link_get(struct nl_sock *nl, const char *name, struct nl_link *out);
int nl_link_get_index(struct nl_sock *nl, int ifindex, struct nl_link *out);
typedef int (*nl_link_cb)(const struct nl_link *l, void *data);	/* 0 or -errno stops */
int nl_link_dump(struct nl_sock *nl, nl_link_cb cb, void *data);
/* Every link in one dump, without counters, t.dev not resolved (no request
 * per link: for commands on many tunnels); *out malloc'd. */
int nl_link_list(struct nl_sock *nl, struct nl_link **out, size_t *n);

/* ---- addresses ----------------------------------------------------------- */

struct nl_addr {
	int ifindex;
	struct prefix p;
	uint8_t proto;		/* IFA_PROTO, 0 when absent */
	uint8_t scope;
};

struct nlmsghdr *nl_addr_build(void *buf, uint16_t type /* RTM_NEWADDR|RTM_DELADDR */,
			       uint16_t nlflags, int ifindex, const struct prefix *p,
			       uint8_t proto);
int nl_addr_parse(const struct nlmsghdr *nlh, struct nl_addr *out);
/* IFA_PROTO marks who added it; proto 0 omits the attribute. */
int nl_addr_add(struct nl_sock *nl, int ifindex, const struct prefix *p, uint8_t proto);
int nl_addr_del(struct nl_sock *nl, int ifindex, const struct prefix *p);
/* All addresses of ifindex (0 = every link), both families; *out malloc'd. */
int nl_addr_list(struct nl_sock *nl, int ifindex, struct nl_addr **out, size_t *n);

/* ---- routes -------------------------------------------------------------- */

struct nl_route {
	struct route r;		/* ROUTE_HAS_* filled from what the kernel said;
				 * table always set (ROUTE_HAS_TABLE) */
	int oif;
	uint8_t protocol;	/* rtm_protocol */
	uint8_t type;		/* rtm_type */
	uint8_t scope;
};

/* A route the kernel keeps by itself (made from an address or for IPv6
 * link-local, or not unicast): not one anybody configured. */
static inline bool nl_route_is_kernels(const struct nl_route *r)
{
	const uint8_t *a = r->r.dst.addr.v6.s6_addr;

	return r->protocol == RTPROT_KERNEL || r->type != RTN_UNICAST ||
	       (r->r.dst.family == AF_INET6 && r->r.dst.len == 64 && a[0] == 0xfe &&
		(a[1] & 0xc0) == 0x80);
}

/* type: RTM_NEWROUTE (nlflags NLM_F_CREATE|NLM_F_EXCL for add,
 * NLM_F_CREATE|NLM_F_REPLACE for replace) or RTM_DELROUTE. Unicast, via oif,
 * scope link when there is no gateway, protocol as given. */
struct nlmsghdr *nl_route_build(void *buf, uint16_t type, uint16_t nlflags, int oif,
				const struct route *r, uint8_t protocol);
int nl_route_parse(const struct nlmsghdr *nlh, struct nl_route *out);
int nl_route_add(struct nl_sock *nl, int oif, const struct route *r, uint8_t protocol);
int nl_route_replace(struct nl_sock *nl, int oif, const struct route *r, uint8_t protocol);
int nl_route_del(struct nl_sock *nl, int oif, const struct route *r);
/* Unicast routes via oif (0 = all) in every table, both families; *out malloc'd. */
int nl_route_list(struct nl_sock *nl, int oif, struct nl_route **out, size_t *n);
/* RTM_GETROUTE for dst: the underlay device the kernel would use and its
 * path MTU (route RTAX_MTU if set, else the device MTU). */
int nl_route_lookup(struct nl_sock *nl, int family, const union inet_addr *dst,
		    int *oif, uint32_t *mtu);
/* The same for packets with firewall mark (0: none), as a tunnel's own
 * encapsulated packets are routed: policy rules may send them elsewhere. */
int nl_route_lookup_mark(struct nl_sock *nl, int family, const union inet_addr *dst,
			 uint32_t mark, int *oif, uint32_t *mtu);

/* ---- rules --------------------------------------------------------------- */

/* A policy routing rule of the kind gretun installs: action "lookup
 * table", optionally "[not] fwmark M" (full mask) or
 * "suppress_prefixlength N". */
struct nl_rule {
	int family;		/* AF_INET or AF_INET6 */
	uint32_t priority;	/* FRA_PRIORITY (always sent) */
	uint32_t table;		/* FRA_TABLE */
	bool invert;		/* FIB_RULE_INVERT: "not" */
	bool has_fwmark;
	uint32_t fwmark;	/* FRA_FWMARK, mask all ones */
	int suppress_prefixlen;	/* FRA_SUPPRESS_PREFIXLEN, -1 = none */
	uint8_t protocol;	/* FRA_PROTOCOL, 0 = none */
	uint8_t action;		/* parsed: FR_ACT_*; built: always "to table" */
	bool other;		/* parsed: has selectors not modelled here
				 * (from, to, iif, tos, ...): never ours */
};

struct nlmsghdr *nl_rule_build(void *buf, uint16_t type /* RTM_NEWRULE|RTM_DELRULE */,
			       uint16_t nlflags, const struct nl_rule *r);
/* -EAFNOSUPPORT for families other than IPv4/IPv6 (e.g. ipmr). */
int nl_rule_parse(const struct nlmsghdr *nlh, struct nl_rule *out);
/* Same rule (selectors, table, priority, protocol). */
bool nl_rule_equal(const struct nl_rule *a, const struct nl_rule *b);
/* NLM_F_EXCL: -EEXIST when the same rule is there. */
int nl_rule_add(struct nl_sock *nl, const struct nl_rule *r);
int nl_rule_del(struct nl_sock *nl, const struct nl_rule *r);
/* Every rule of family (AF_UNSPEC: both); *out malloc'd. */
int nl_rule_list(struct nl_sock *nl, int family, struct nl_rule **out, size_t *n);

#endif
