/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gretund internals: the daemon state and the functions each file offers.
 * One file per concern: gretund.c (main, options, lifecycle), gretund_loop.c
 * (epoll), gretund_table.c (tunnel table, demux hash), gretund_dev.c
 * (TUN/TAP), gretund_sock.c (underlay sockets), gretund_data.c (packet
 * paths), gretund_ctl.c (control socket), gretund_priv.c (capabilities),
 * gretund_restart.c (handover to a new process), gretund_state.c (state
 * file), gretund_proc.c (pid file, sd_notify, our binary),
 * gretund_supervisor.c (crash recovery), gretund_keepalive.c (Cisco
 * keepalives), gretund_opener.c (opens /dev/net/tun for a --user worker).
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
#define GD_PMTU_REFRESH	10		/* seconds between path MTU lookups */
#define GD_IDLE_EXIT	60		/* seconds without tunnels before exit */
#define GD_RESTART_TIMEOUT 10		/* seconds a new process has to take over */
#define GD_EXIT_HANDOVER 75		/* worker exit status: a successor serves */

struct gd;
struct gd_client;

/* ---- gretund_loop.c: epoll ---------------------------------------------- */

struct gd_watch {
	int fd;
	void (*fn)(struct gd *gd, struct gd_watch *w, uint32_t events);
};

int gd_loop_init(struct gd *gd);
int gd_loop_add(struct gd *gd, struct gd_watch *w, uint32_t events);
void gd_loop_del(struct gd *gd, struct gd_watch *w);	/* does not close */
/* Runs until gd->stop; calls gd_tick() about once a second. 0 or -errno. */
int gd_loop_run(struct gd *gd);
void gd_loop_fini(struct gd *gd);

/* ---- gretund_table.c: tunnels and receive demux -------------------------- */

struct gd_tunnel {
	struct tunnel t;		/* arrays and hooks always NULL */
	struct gd_watch w;		/* the TUN/TAP fd */
	int ifindex;			/* of the TUN/TAP device */
	bool dev_down;			/* a write said EIO: the device is down
					 * (receive looks again, gretund_data.c) */
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
	struct gd_tunnel *hnext;	/* demux hash chain */
	struct gd_tunnel *next;		/* all tunnels */
};

struct gd_tunnel *gd_table_find(struct gd *gd, const char *name);
void gd_table_insert(struct gd *gd, struct gd_tunnel *gt);
void gd_table_remove(struct gd *gd, struct gd_tunnel *gt);
/* gt if its TUN/TAP device still exists, else NULL: a tunnel whose device
 * was deleted behind our back is dropped here (not during a handover, which
 * holds the list), so its name and endpoints are free again. */
struct gd_tunnel *gd_tunnel_live(struct gd *gd, struct gd_tunnel *gt);
/* Drop every tunnel whose device is gone; true if one was. */
bool gd_tunnels_reap(struct gd *gd, bool check_all);
/* The tunnel whose (local, remote, key) identity equals t's, or NULL. */
struct gd_tunnel *gd_table_find_identity(struct gd *gd, const struct tunnel *t,
					 const struct gd_tunnel *except);

/* What the receive path knows about a packet before the tunnel lookup. */
struct gd_rx_key {
	int family;
	union inet_addr src, dst;	/* outer addresses */
	bool udp;			/* arrived GRE-in-UDP */
	uint16_t dport;			/* UDP destination port when udp */
	bool has_key;
	uint32_t key;
	bool tap;			/* 0x6558: looked up among gretap tunnels */
};

/* Kernel order (ip_tunnel_lookup): exact local+remote, then wildcard local,
 * then wildcard remote, then both; key presence and value must match. */
struct gd_tunnel *gd_table_lookup(struct gd *gd, const struct gd_rx_key *k);
/* For counting a drop when no tunnel matched: a tunnel with these outer
 * addresses ignoring the key, else one with this key from another source.
 * *reason gets GRE_DROP_KEY or GRE_DROP_SOURCE. */
struct gd_tunnel *gd_table_lookup_near(struct gd *gd, const struct gd_rx_key *k,
				       enum gre_drop *reason);

/* ---- gretund_dev.c: TUN/TAP ------------------------------------------------ */

/* Open (creating if needed) the persistent TUN or TAP named name, asking
 * the opener for the /dev/net/tun descriptor when opener >= 0.
 * -EEXIST if a device of that name exists and is not a tun/tap of this type. */
int gd_dev_open(int opener, const char *name, bool tap, int *fd, int *ifindex);
/* True when fd's device is gone: deleted, or its namespace went (tun.c
 * answers EBADFD and polls EPOLLERR from then on). */
bool gd_dev_detached(int fd);
/* persist=false: clear TUNSETPERSIST so the device goes away on close. */
void gd_dev_close(int fd, bool persist);

/* ---- gretund_sock.c: underlay sockets -------------------------------------- */

/* Make sure the receive sockets t needs exist (raw GRE per family, UDP per
 * family and port). */
int gd_sock_rx_ensure(struct gd *gd, const struct tunnel *t);
/* A send socket for t and this DF choice (created and cached on demand). */
int gd_sock_tx_get(struct gd *gd, const struct tunnel *t, bool df);
/* Path MTU towards t's remote, via a connected helper socket. */
int gd_sock_path_mtu(const struct tunnel *t, uint32_t *mtu);
void gd_sock_close_all(struct gd *gd);

/* ---- gretund_data.c: packet paths ------------------------------------------ */

void gd_data_tun_event(struct gd *gd, struct gd_watch *w, uint32_t events);
void gd_data_raw_event(struct gd *gd, struct gd_watch *w, uint32_t events);
void gd_data_udp_event(struct gd *gd, struct gd_watch *w, uint32_t events);
/* Overhead t adds in front of an inner packet: outer IP + UDP + GRE. */
unsigned int gd_data_overhead(const struct tunnel *t);

/* ---- gretund_ctl.c: the control socket --------------------------------------- */

/* Bind + listen on "\0gretun/gretund"; -EADDRINUSE when another gretund runs. */
int gd_ctl_listen(int *fd);
int gd_ctl_start(struct gd *gd, int listen_fd);
void gd_ctl_stop(struct gd *gd);
/* Handle one request line; writes a one-line JSON reply (with "\n") into
 * reply. Pure with respect to the wire: used by the socket code. */
void gd_ctl_handle_line(struct gd *gd, const char *line, size_t len,
			char *reply, size_t size);
/* Send a reply line to the client whose restart request is pending. */
void gd_ctl_reply_pending(struct gd *gd, const char *line);
/* Stop or resume accepting control connections (handover). */
void gd_ctl_pause(struct gd *gd, bool pause);
/* 0 if this peer may control us (uid 0, or CAP_NET_ADMIN in our user ns). */
int gd_peer_allowed(pid_t pid, uid_t uid);

/* ---- gretund_priv.c: capabilities ---------------------------------------- */

/* Keep CAP_NET_ADMIN and CAP_NET_RAW only (all sets, bounding included);
 * with user != NULL switch to that user keeping them. */
int gd_priv_drop(const char *user);

/* ---- gretund_opener.c: /dev/net/tun for a --user worker --------------------- */

/* Fork the opener (uid 0, no capabilities); *sock asks it. */
int gd_opener_start(int *sock, pid_t *pid);
/* A fresh /dev/net/tun descriptor from the opener, or -errno. */
int gd_opener_open(int sock);

/* ---- gretund_restart.c: handover to a new process ------------------------- */

/* Old side: start a new gretund and hand over to it; the pending client (if
 * any) gets the answer later. 0, or -errno with err filled. */
int gd_restart_begin(struct gd *gd, struct gd_client *c, char *err, size_t errlen);
/* Old side: called every tick; gives up after GD_RESTART_TIMEOUT. */
void gd_restart_tick(struct gd *gd, time_t now);
/* New side: take over from the old process on fd (--takeover). On return 0
 * the tunnels and sockets are in gd and in the epoll set. */
int gd_takeover(struct gd *gd, int fd, char *err, size_t errlen);
/* New side, after the loop is ready: tell the old one to go. */
int gd_takeover_finish(struct gd *gd);

/* ---- gretund_state.c: the state file ---------------------------------------- */

/* The state file (tunnels, sequence numbers, counters) for crash recovery. */
int gd_state_save(struct gd *gd);
/* Drop gt's cached state file lines (its configuration changed, or it goes). */
void gd_tunnel_forget_saved(struct gd_tunnel *gt);
int gd_state_load(struct gd *gd, char *err, size_t errlen);
/* A clean stop: nothing to recover (the pid file goes too). */
void gd_state_remove(void);
/* Frees what gd_state_save keeps between saves. */
void gd_state_fini(struct gd *gd);
/* "state NAME k=v ..." of gt, and applying one to the tunnel it names;
 * seq_jump is added to a sequenced tunnel's o_seqno (after a crash the
 * saved number may be behind what the peer saw). */
int gd_state_format(const struct gd_tunnel *gt, char *buf, size_t size);
int gd_state_apply(struct gd *gd, char *line, uint32_t seq_jump);

/* ---- gretund_proc.c: pid file, sd_notify, our binary ----------------------- */

int gd_pidfile_write(pid_t pid);
int gd_pidfile_read(pid_t *pid);
void gd_pidfile_remove(void);
/* One sd_notify datagram to $NOTIFY_SOCKET, by hand. */
void gd_notify(const char *msg);
/* The gretund binary for a new process: $GRETUND, else our own path. */
void gd_self_path(char *buf, size_t size);
/* A daemon's stdin, stdout and stderr on /dev/null (nobody reads them). */
void gd_stdio_null(void);
/* FILE in gretund's own runtime directory, made if missing. */
int gd_run_path(char *buf, size_t size, const char *file);
/* Write path atomically (temporary file + rename). */
int gd_file_replace(const char *path, const char *data, size_t len);

/* ---- gretund_supervisor.c: crash recovery --------------------------------- */

struct gd_options {
	bool persistent;
	const char *user;
	int opener_fd;		/* gretund_opener.c, or -1 */
};

/* Runs in the daemon after fork: keeps lfd, starts workers and restarts a
 * worker killed by a signal. Returns 0 in the first worker (*is_worker
 * true), or the supervisor's exit status; close_fd is closed in the
 * supervisor (the first worker's readiness pipe). */
int gd_supervise(int lfd, int close_fd, const struct gd_options *o, bool *is_worker);

/* ---- gretund_keepalive.c: Cisco keepalives ---------------------------------- */

void gd_keepalive_init(struct gd_tunnel *gt);
void gd_keepalive_tick(struct gd *gd, struct gd_tunnel *gt, time_t now);
/*
 * The receive path's hook, after the GRE header of a packet for gt is parsed
 * and accepted: returns true when the packet was a keepalive (a reply to our
 * probe, GRE protocol 0; or a peer's probe, whose inner IP/GRE packet is sent
 * on to the peer) and is consumed.
 */
bool gd_keepalive_rcv(struct gd *gd, struct gd_tunnel *gt, uint16_t proto,
		      const uint8_t *inner, size_t ilen);
/*
 * The receive path's hook for a GRE packet its IPv4 parse refused as
 * truncated (Linux's 12-byte minimum): true when it is a keepalive reply
 * (GRE protocol 0, no payload) for a tunnel with keepalives, and consumed.
 */
bool gd_keepalive_rcv_short(struct gd *gd, const struct gd_rx_key *k,
			    const uint8_t *p, size_t len);

/* ---- daemon state -------------------------------------------------------- */

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

struct gd_client;

struct gd {
	int epfd;
	bool stop;
	bool persistent;	/* stay when the last tunnel goes */
	int exit_status;
	struct gd_tunnel *tunnels;
	size_t n_tunnels;
	struct gd_tunnel *hash[GD_HASH_SIZE];
	struct gd_watch ctl;
	struct gd_client *clients[GD_MAX_CLIENTS];
	struct gd_rxsock *rx;
	struct gd_txsock *tx;
	time_t idle_since;	/* 0 when tunnels exist */
	uint64_t unmatched;	/* GRE packets matching no tunnel at all */
	uint64_t rx_malformed;	/* not even an outer header */
	uint8_t *buf;		/* GD_HEADROOM + GD_BUF_SIZE bytes */
	/* restart */
	bool supervised;	/* a supervisor waits for us: exit GD_EXIT_HANDOVER */
	bool handed_over;	/* a successor serves: leave state and pid file */
	const char *user;
	struct gd_restart *restart;	/* the handover in progress, NULL if none */
	struct gd_client *restart_client;
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

void gd_tick(struct gd *gd);
/* Create/change/destroy the data plane part of a tunnel: 0 or -errno. */
int gd_tunnel_create(struct gd *gd, const struct tunnel *t, char *err, size_t errlen);
int gd_tunnel_change(struct gd *gd, const struct tunnel *t, char *err, size_t errlen);
int gd_tunnel_destroy(struct gd *gd, const char *name);
/* A tunnel whose TUN/TAP fd came from elsewhere (handover): in the table,
 * not yet in the epoll set. */
int gd_tunnel_adopt(struct gd *gd, const struct tunnel *t, int fd, int ifindex,
		    char *err, size_t errlen);
void gd_tunnel_refresh_pmtu(struct gd_tunnel *gt, time_t now);

#endif
