/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The data model: one tunnel as the user asked for it, in plain structs.
 * Every parser produces these; every backend consumes them. A field counts
 * only if its HAS_* bit is set, so "not given" and "given as 0" differ.
 */
#ifndef GRETUN_TUNNEL_H
#define GRETUN_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

enum tunnel_mode {
	MODE_GRE,		/* IPv4 underlay, L3 payload, TUN */
	MODE_GRETAP,		/* IPv4 underlay, Ethernet payload, TAP */
	MODE_IP6GRE,		/* IPv6 underlay, L3 payload, TUN */
	MODE_IP6GRETAP,		/* IPv6 underlay, Ethernet payload, TAP */
	MODE_MAX_
};

enum tunnel_backend {
	BACKEND_AUTO,
	BACKEND_KERNEL,
	BACKEND_USERSPACE,
};

/* Which data path gretund gives a userspace-backend tunnel (gretund(8),
 * FAST PATH): the in-kernel eBPF fast path where it works, or its own. */
enum tunnel_datapath {
	DATAPATH_AUTO,
	DATAPATH_BPF,
	DATAPATH_USERSPACE,
};

enum tunnel_encap {
	ENCAP_NONE,
	ENCAP_UDP,		/* GRE-in-UDP, RFC 8086 (Linux "encap fou") */
};

union inet_addr {
	struct in_addr v4;
	struct in6_addr v6;
	uint8_t bytes[16];
};

struct prefix {
	int family;		/* AF_INET or AF_INET6 */
	union inet_addr addr;
	uint8_t len;
};

#define GRETUN_ENCAP_PORT	4754
#define GRETUN_TABLE_MAIN	254	/* RT_TABLE_MAIN */
/* rtm_protocol / IFA_PROTO marking what gretun installed, so that `down`
 * removes exactly that and nothing an admin added by hand. */
#define GRETUN_RTPROT		0xe7
#define GRETUN_IFAPROT		0xe7
/* A default route (prefix length 0) through a tunnel, as wg-quick does it:
 * the tunnel's own encapsulated packets carry a firewall mark (this one
 * when FirewallMark= is not set), the route goes into a table of its own
 * (the tunnel's Table= if not main, else the mark's number), and two rules
 * per family send everything but the marked packets there:
 * "lookup main suppress_prefixlength 0" and "not fwmark M lookup T". */
#define GRETUN_FWMARK_AUTO	51820
#define GRETUN_RULE_PRIO_MAIN	32764
#define GRETUN_RULE_PRIO_TABLE	32765

enum {
	ROUTE_HAS_GATEWAY = 1u << 0,
	ROUTE_HAS_METRIC = 1u << 1,
	ROUTE_HAS_TABLE = 1u << 2,
	ROUTE_HAS_SOURCE = 1u << 3,
};

struct route {
	uint32_t flags;		/* ROUTE_HAS_* */
	struct prefix dst;
	union inet_addr gateway;	/* same family as dst */
	union inet_addr source;		/* same family as dst */
	uint32_t metric;
	uint32_t table;
};

enum {
	TUNNEL_HAS_MODE = 1u << 0,
	TUNNEL_HAS_LOCAL = 1u << 1,
	TUNNEL_HAS_REMOTE = 1u << 2,
	TUNNEL_HAS_IKEY = 1u << 3,
	TUNNEL_HAS_OKEY = 1u << 4,
	TUNNEL_HAS_TTL = 1u << 5,
	TUNNEL_HAS_TOS = 1u << 6,
	TUNNEL_HAS_PMTUDISC = 1u << 7,
	TUNNEL_HAS_IGNORE_DF = 1u << 8,
	TUNNEL_HAS_DEV = 1u << 9,
	TUNNEL_HAS_FWMARK = 1u << 10,
	TUNNEL_HAS_ENCAP = 1u << 11,
	TUNNEL_HAS_ENCAP_DPORT = 1u << 12,
	TUNNEL_HAS_ENCAP_SPORT = 1u << 13,
	TUNNEL_HAS_MTU = 1u << 14,
	TUNNEL_HAS_BACKEND = 1u << 15,
	TUNNEL_HAS_KEEPALIVE = 1u << 16,
	TUNNEL_HAS_TABLE = 1u << 17,
	TUNNEL_HAS_ICSUM = 1u << 18,
	TUNNEL_HAS_OCSUM = 1u << 19,
	TUNNEL_HAS_ISEQ = 1u << 20,
	TUNNEL_HAS_OSEQ = 1u << 21,
	/* Remote = any | PREFIX: the remote is learnt from the peer's packets
	 * (remote/remote_plen is then the prefix it may come from) */
	TUNNEL_HAS_REMOTE_PREFIX = 1u << 22,
	TUNNEL_HAS_PERSISTENT_KEEPALIVE = 1u << 23,
	TUNNEL_HAS_LEARNED = 1u << 24,	/* gretund's: learned holds the peer */
	TUNNEL_HAS_DATAPATH = 1u << 25,
};

/* The peer's outer address (and UDP source port for GRE-in-UDP, else 0)
 * that a learning tunnel last saw, and when it last changed (Unix time).
 * Kept apart from remote, which stays the prefix the peer may come from. */
struct tunnel_endpoint {
	union inet_addr addr;
	uint16_t port;
	int64_t changed;
};

/* GRE header options, the same bits for input (i*) and output (o*). */
enum {
	GRE_OPT_CSUM = 1u << 0,
	GRE_OPT_KEY = 1u << 1,
	GRE_OPT_SEQ = 1u << 2,
};

#define TUNNEL_MAX_ADDRESSES	64
#define TUNNEL_MAX_ROUTES	1024

struct tunnel {
	uint32_t flags;		/* TUNNEL_HAS_* */
	char name[IFNAMSIZ];
	enum tunnel_mode mode;
	int family;		/* underlay family: AF_INET or AF_INET6, from mode */
	union inet_addr local;	/* any (all zero) when not set */
	union inet_addr remote;	/* with HAS_REMOTE_PREFIX: the prefix's address */
	uint8_t remote_plen;	/* with HAS_REMOTE_PREFIX: its length, 0 = any */
	struct tunnel_endpoint learned;	/* with HAS_LEARNED (gretund only) */
	uint8_t iflags;		/* GRE_OPT_* expected on receive */
	uint8_t oflags;		/* GRE_OPT_* sent */
	uint32_t ikey;		/* host byte order */
	uint32_t okey;
	uint8_t ttl;		/* 0 = inherit */
	uint8_t tos;		/* ignored when tos_inherit */
	bool tos_inherit;
	bool pmtudisc;		/* default on */
	bool ignore_df;
	char dev[IFNAMSIZ];	/* underlay device, "" = none */
	uint32_t fwmark;
	enum tunnel_encap encap;
	uint16_t encap_dport;	/* default GRETUN_ENCAP_PORT */
	uint16_t encap_sport;	/* 0 = auto (flow hash) */
	uint32_t mtu;		/* 0 = auto */
	enum tunnel_backend backend;
	enum tunnel_datapath datapath;
	uint16_t keepalive_interval;	/* seconds, 0 = off */
	uint8_t keepalive_retries;
	uint16_t persistent_keepalive;	/* seconds, 0 = off */
	uint32_t table;		/* default table for routes, GRETUN_TABLE_MAIN */

	struct prefix *addresses;
	size_t n_addresses;
	struct route *routes;
	size_t n_routes;

	char *hook_pre_up;	/* NULL = none */
	char *hook_post_up;
	char *hook_pre_down;
	char *hook_post_down;
};

static inline bool tunnel_mode_is_tap(enum tunnel_mode m)
{
	return m == MODE_GRETAP || m == MODE_IP6GRETAP;
}

/* Remote = any | PREFIX: the tunnel learns where its peer is. */
static inline bool tunnel_learns(const struct tunnel *t)
{
	return t->flags & TUNNEL_HAS_REMOTE_PREFIX;
}

static inline int tunnel_mode_family(enum tunnel_mode m)
{
	return (m == MODE_IP6GRE || m == MODE_IP6GRETAP) ? AF_INET6 : AF_INET;
}

/* src/lib/tunnel.c */
void tunnel_init(struct tunnel *t);	/* defaults: pmtudisc on, ttl inherit, ... */
void tunnel_free(struct tunnel *t);	/* frees the arrays and hooks, not t */
const char *tunnel_mode_name(enum tunnel_mode m);	/* "gre", "gretap", ... */
int tunnel_mode_parse(const char *s, enum tunnel_mode *m);	/* 0 or -EINVAL */
const char *tunnel_backend_name(enum tunnel_backend b);
const char *tunnel_datapath_name(enum tunnel_datapath d);	/* "auto", "bpf", ... */
int tunnel_datapath_parse(const char *s, enum tunnel_datapath *d);	/* 0 or -EINVAL */
/* "auto" MTU (gretun.conf(5)): underlay_mtu - outer IP (20/40) - GRE (4, +4 each
 * for csum, key, seq) - UDP (8, GRE-in-UDP) - Ethernet (14, gretap) */
uint32_t tunnel_mtu_auto(const struct tunnel *t, uint32_t underlay_mtu);
/* Bytes of GRE header this tunnel sends (4 + 4 per csum/key/seq option). */
unsigned int tunnel_gre_hlen(const struct tunnel *t);
/* A tunnel (or underlay) name both backends take: 1-15 printable ASCII
 * characters other than / : = " \, not "." or "..". IFNAME_RULE says so in
 * error messages. */
#define IFNAME_RULE "1 to 15 printable ASCII characters, none of / : = \" \\ or blanks, not . or .."
bool ifname_valid(const char *name);
int tunnel_add_address(struct tunnel *t, const struct prefix *p);	/* 0 or -E2BIG/-ENOMEM */
int tunnel_add_route(struct tunnel *t, const struct route *r);
/* The table of a default route that names none (or main): the one of the
 * mark's number, unless that is a reserved table (0, 253-255). */
uint32_t tunnel_default_table(const struct tunnel *t);

#endif
