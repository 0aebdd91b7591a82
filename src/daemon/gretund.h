/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gretund's core: the daemon state and the types every part shares. Each
 * part has its own header, and a file includes only the parts it calls.
 *
 * The parts, lowest layer first; a file calls only into layers below its
 * own (tests/integration/gretund_layers.sh checks includes and calls):
 *   0  gretund.h (these types), gretund_log (the log helper)
 *   1  gretund_loop (epoll), gretund_opener (/dev/net/tun for a --user
 *      worker), gretund_priv (capabilities), gretund_proc (pid file,
 *      sd_notify, our own binary), gretund_offload (TSO/GRO),
 *      gretund_txmsg (the cmsgs of an outgoing packet)
 *   2  gretund_dev (TUN/TAP), gretund_sock (underlay sockets),
 *      gretund_supervisor (crash recovery)
 *   3  gretund_table (tunnels, receive demux, tunnel-changed hooks)
 *   4  gretund_fp (the in-kernel eBPF fast path: load, pin, attach,
 *      maps from the table; gretund_fp_scrub.c, built without BPF too:
 *      a predecessor's fast path off by rtnetlink)
 *   5  gretund_keepalive (Cisco and persistent keepalives: the idle time
 *      counts the fast path's sends)
 *   6  gretund_data (packet paths: gretund_data.c and the gretund_data_*
 *      files gretund_data_int.h lists), gretund_state (state file)
 *   7  gretund_restart (handover to a new process)
 *   8  gretund_ctl (control socket)
 *   9  gretund.c (main: options, start, the tick, teardown)
 * Calls that must go upwards go through pointers set by main: the table
 * tells the keepalives and the state file about tunnel changes through
 * hooks (gd_table_hook_add), the table, the sockets and the handover give
 * new watches the data path's handlers from gd->on, and the loop calls the
 * tick it is given.
 */
#ifndef GRETUN_GRETUND_H
#define GRETUN_GRETUND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "backend.h"
#include "gre.h"
#include "tunnel.h"

#define GD_BUF_SIZE	65536		/* one packet, read or written */
#define GD_HEADROOM	64		/* room for GRE (16) + UDP (8) in front */
#define GD_HASH_SIZE	128		/* like the kernel's IP_TNL_HASH_SIZE */
#define GD_MAX_CLIENTS	64
#define GD_CTL_REPLY_MAX 16384		/* one reply line of the control socket */
#define GD_PMTU_REFRESH	10		/* seconds between path MTU lookups */
#define GD_IDLE_EXIT	60		/* seconds without tunnels before exit */
#define GD_RESTART_TIMEOUT 10		/* seconds a new process has to take over */
#define GD_EXIT_HANDOVER 75		/* worker exit status: a successor serves */
#define GD_TUNNEL_HOOKS_MAX 4

struct gd;
struct gd_client;
struct gd_data;
struct gd_fp;
struct gd_restart;

/* The options a gretund process runs with, which every process that
 * follows it (worker, successor) gets again. */
struct gd_options {
	bool persistent;
	const char *user;
	int opener_fd;		/* gretund_opener.c, or -1 */
};

struct gd_watch;
typedef void gd_watch_fn(struct gd *gd, struct gd_watch *w, uint32_t events);

struct gd_watch {
	int fd;
	gd_watch_fn *fn;
};

struct gd_tunnel {
	struct tunnel t;		/* arrays and hooks always NULL */
	struct gd_watch w;		/* the TUN/TAP fd */
	int ifindex;			/* of the TUN/TAP device */
	bool dev_down;			/* a write said EIO: the device is down
					 * (receive looks again, gretund_data_rx.c) */
	bool dev_gone;			/* the device was deleted (`ip link del`):
					 * out of the epoll set, dropped by
					 * gd_tunnel_live at the next look */
	uint32_t o_seqno;		/* next sequence number sent */
	uint32_t i_seqno;		/* next expected, 0 = accept any */
	uint32_t pmtu;			/* underlay path MTU to remote, 0 = unknown */
	time_t pmtu_at;
	struct tunnel_stats st;
	uint64_t pmtu_tx;		/* st.tx_packets at the last refresh */
	/* State file cache (gretund_state.c): the create line, formatted
	 * again only after the configuration changed (NULL), and the state
	 * line, formatted again only when what it shows changed. */
	char *save_cfg, *save_state;
	size_t save_cfg_len, save_state_len;
	struct tunnel_stats save_st;
	uint32_t save_o_seqno, save_i_seqno;
	unsigned int save_ka_missed;
	/* keepalive: st.keepalive_up / keepalive_last_reply are the state */
	time_t ka_next;			/* when the next probe goes out */
	unsigned int ka_missed;		/* probes sent since the last reply */
	/* persistent keepalive (gretund_keepalive.c): when something last
	 * went out, as far as the tick saw (st.tx_packets moved) */
	time_t pka_last;
	uint64_t pka_tx;
	/* the in-kernel fast path (gretund_fp.c) */
	bool fp_on;			/* it serves this tunnel */
	bool fp_has_id;
	bool fp_dev_down;		/* its device is down: receive is gretund's,
					 * which answers as Linux does */
	uint32_t fp_id;			/* index into fp_stats */
	int fp_underlay;		/* ifindex its ingress program is on, 0 */
	time_t fp_at;			/* last route refresh */
	uint32_t fp_mtu;		/* the path MTU its fp_tx entry has */
	union inet_addr fp_src;		/* the route's source address */
	char fp_why[96];		/* why gretund's path serves it, "" if fp_on */
	struct gd_tunnel *hnext;	/* demux hash chain */
	struct gd_tunnel *next;		/* all tunnels */
};

/* What the receive path knows about a packet before the tunnel lookup. */
struct gd_rx_key {
	int family;
	union inet_addr src, dst;	/* outer addresses */
	bool udp;			/* arrived GRE-in-UDP */
	uint16_t dport;			/* UDP destination port when udp */
	uint16_t sport;			/* UDP source port when udp */
	bool has_key;
	uint32_t key;
	bool tap;			/* 0x6558: looked up among gretap tunnels */
};

/* What the table tells its hooks (gd_table_hook_add). */
enum gd_tunnel_event {
	GD_TUNNEL_ADDED,	/* created, or adopted in a handover */
	GD_TUNNEL_CHANGED,	/* parameters changed, or a learning tunnel's peer
				 * moved; old = the previous ones */
	GD_TUNNEL_REMOVED,	/* destroyed, or closed as gretund stops */
	GD_TUNNEL_VANISHED,	/* its device was deleted behind our back */
};

/* Runs after the table changed: gt is in the table for ADDED and CHANGED,
 * out of it (and freed right after) for REMOVED and VANISHED. */
typedef void gd_tunnel_hook_fn(struct gd *gd, struct gd_tunnel *gt, enum gd_tunnel_event ev,
			       const struct tunnel *old);

struct gd_rxsock {
	struct gd_watch w;
	int family;
	bool udp;
	uint16_t port;		/* UDP */
	bool tx_ready;		/* also sends (gd_sock_tx_get) */
	struct gd_rxsock *next;
};

struct gd_txsock {
	int fd;
	int family;
	bool udp;
	bool df;
	uint32_t mark;
	char dev[IFNAMSIZ];
	struct gd_txsock *next;
};

struct gd {
	int epfd;
	bool stop;
	bool persistent;	/* stay when the last tunnel goes */
	int exit_status;
	struct gd_tunnel *tunnels;
	size_t n_tunnels;
	struct gd_tunnel *hash[GD_HASH_SIZE];
	struct gd_tunnel *learners;	/* Remote=any|PREFIX tunnels (hnext chain) */
	gd_tunnel_hook_fn *tunnel_hooks[GD_TUNNEL_HOOKS_MAX];
	size_t n_tunnel_hooks;
	/* the data path's handlers for TUN/TAP, raw and UDP socket watches */
	struct {
		gd_watch_fn *tun, *raw, *udp;
	} on;
	struct gd_watch ctl;
	struct gd_client *clients[GD_MAX_CLIENTS];
	struct gd_rxsock *rx;
	struct gd_txsock *tx;
	time_t idle_since;	/* 0 when tunnels exist */
	uint64_t unmatched;	/* GRE packets matching no tunnel at all */
	uint64_t rx_malformed;	/* not even an outer header */
	struct gd_data *data;	/* the packet paths' state (gretund_data_int.h) */
	struct gd_fp *fp;	/* the fast path (gretund_fp.c), NULL if none */
	uint32_t flow_seed;	/* GRE-in-UDP flow hash seed, shared with it */
	bool closing;		/* tunnels close but their devices stay (restart,
				 * stop): the fast path stays with them */
	/* restart */
	bool supervised;	/* a supervisor waits for us: exit GD_EXIT_HANDOVER */
	bool handed_over;	/* a successor serves: leave state and pid file */
	const char *user;
	struct gd_restart *restart;	/* the handover in progress, NULL if none */
	struct gd_client *restart_client;	/* gretund_ctl.c: waits for its end */
	char *ctl_reply;		/* gretund_ctl.c: GD_CTL_REPLY_MAX bytes */
	int takeover_fd;	/* new side until gd_takeover_finish, else -1 */
	/* the state file (gretund_state.c) */
	time_t state_saved;
	uint64_t state_cookie;	/* the namespace's, 0 until the first save */
	char *state_buf;	/* the file's text, kept between saves */
	size_t state_cap;
	int opener_fd;		/* asks the TUN/TAP opener (--user), else -1 */
	/* `ip netns del` only unmounts the name; the namespace lives on while
	 * we are in it. So a gretund started in a named namespace watches the
	 * name and leaves when no name of its namespace is left. */
	char netns_name[256];	/* under /run/netns, "" if it had none */
	bool netns_gone;
};

#endif
