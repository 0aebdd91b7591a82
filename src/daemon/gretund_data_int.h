/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gretund's packet paths, inside: their state (struct gd_data, one per
 * process, gd->data) and what their files offer each other. One part of
 * gretund (tests/integration/gretund_layers.sh), a file per concern;
 * gretund_data.h has what the rest of the daemon uses.
 *
 *   gretund_data.c       the state; TUN/TAP writes with a virtio-net header
 *   gretund_data_tx.c    send: TUN/TAP -> GRE (+UDP) -> sendmmsg batches
 *   gretund_data_gso.c   send: GRE-in-UDP bursts as UDP GSO sends
 *   gretund_data_rx.c    receive: recvmmsg -> GRE codec -> demux -> rules
 *   gretund_data_gro.c   receive: delivery into TUN/TAP, TCP and UDP GRO
 *   gretund_data_icmp.c  what Linux answers with ICMP; the PMTU rules
 * and, below them, gretund_txmsg.c: destination and cmsgs of an outgoing
 * packet, shared with the keepalives.
 *
 * The batches (send arena, receive buffers) are allocated on first use and
 * reused; nothing is allocated per packet.
 */
#ifndef GRETUN_GRETUND_DATA_INT_H
#define GRETUN_GRETUND_DATA_INT_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "gretund_data.h"
#include "gretund_offload.h"
#include "gretund_txmsg.h"
#include "pkt.h"

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* ---- send batch (gretund_data_tx.c) ------------------------------------------ */

/*
 * The packets of one TUN event, encapsulated in place in the arena (each
 * with GD_HEADROOM in front), sent with one sendmmsg per run of packets
 * that share a socket.
 */
#define TX_SLOTS	128
#define TX_ARENA	(1u << 20)

struct tx_slot {
	struct gd_tunnel *gt;
	uint8_t *pkt;
	size_t len;
	struct pkt_inner pi;
	int fd;			/* TX_SENT once sent by gd_gso_send */
	bool df;
	struct gd_txmsg m;
	struct iovec iov;
};

#define TX_SENT		(-2)

struct gd_tx {
	struct tx_slot *slot;
	struct mmsghdr *mm;
	unsigned int n;		/* slots in use */
	uint8_t *arena;
	size_t off;		/* arena bytes in use */
};

/* ---- GRE-in-UDP segmentation offload (gretund_data_gso.c) --------------------- */

#define GSO_SOCKS	16
#define GSO_MAX_SEGS	64		/* UDP_MAX_SEGMENTS of older kernels */

struct gso_sock {
	int fd;			/* -1: cannot bind this one, do not retry */
	int family;
	bool df, has_local;
	uint16_t sport;
	uint32_t mark;
	char dev[IFNAMSIZ];
	union inet_addr local;
	uint64_t used;
};

struct gd_gso {
	struct gso_sock sock[GSO_SOCKS];
	unsigned int nsock;
	uint64_t clock;		/* LRU of sock[] */
	int support;		/* 0 unknown, 1 yes, -1 the kernel refuses */
	struct iovec iov[GSO_MAX_SEGS];
};

/* ---- receive GRO (gretund_data_gro.c) ----------------------------------------- */

#define GRO_FLOWS	8
#define GRO_SEGS	64

struct gro_flow {
	struct gd_tunnel *gt;
	uint8_t *fpkt;
	bool udp;
	struct off_tcp first, last;
	struct off_udp ufirst, ulast;
	size_t total;
	unsigned int nseg;
	uint8_t vh[OFF_VNET_HLEN];
	uint8_t uhdr[OFF_UDP_HDR_MAX];
	/* TCP: vnet header, first segment, payloads of the others;
	 * UDP: vnet header, uhdr, payloads of all */
	struct iovec iov[GRO_SEGS + 2];
};

struct gd_gro {
	struct gro_flow flow[GRO_FLOWS];
	unsigned int n;
};

/* ---- receive batch (gretund_data_rx.c) ----------------------------------------- */

#define RX_SLOTS	64

struct rx_slot {
	struct sockaddr_storage ss;
	struct iovec iov;
	union {
		char buf[256];
		struct cmsghdr align;
	} cm;
};

struct gd_rx {
	struct rx_slot *slot;
	struct mmsghdr *mm;
	uint8_t *bufs;		/* RX_SLOTS * (GD_HEADROOM + GD_BUF_SIZE) */
	/* Packets lost in a write into a device that turned out to be down:
	 * no tunnel took them; added to gd->unmatched after each event. */
	uint64_t down_lost;
	int ifq_fd;		/* asks a device's flags (SIOCGIFFLAGS), or -1 */
};

/* ---- ICMP (gretund_data_icmp.c) ------------------------------------------------ */

#define RL_SLOTS	64

struct rl_slot {
	int family;
	uint8_t addr[16];
	uint64_t last_ms, tokens_ms;
};

struct gd_icmp {
	struct rl_slot rl[RL_SLOTS];	/* rate limit per destination */
	int fd4, fd6;			/* IPPROTO_RAW senders, or -1 */
};

/* ---- the TUN/TAP fds' virtio-net mode (gretund_data.c) ---------------------- */

struct vnet_cache {
	int ifindex;
	bool vnet;
	bool no_udp_gro;	/* the device refused a UDP GRO packet */
};

struct gd_data {
	struct gd_tx tx;
	struct gd_gso gso;
	struct gd_gro gro;
	struct gd_rx rx;
	struct gd_icmp icmp;
	struct vnet_cache *vnet;	/* indexed by fd */
	size_t vnet_n;
	uint32_t flow_seed;		/* GRE-in-UDP flow hash, per process */
};

/* gretund_data.c */
/* A send or receive batch: n slots of slot_size bytes (zeroed), n mmsghdrs
 * (zeroed) and a buffer of bytes; all three, or -ENOMEM and none. */
int gd_batch_alloc(size_t n, size_t slot_size, void **slot, struct mmsghdr **mm, size_t bytes,
		   uint8_t **buf);
bool gd_tun_vnet(struct gd_data *d, struct gd_tunnel *gt);
/* One packet into gt's device, with a virtio-net header when the fd wants
 * one (flags: OFF_VNET_F_DATA_VALID when the L4 checksum was checked). */
ssize_t gd_tun_write(struct gd_data *d, struct gd_tunnel *gt, const uint8_t *pkt, size_t len,
		     uint8_t flags);
/* UDP GRO refused by gt's device for good? And to remember that it was. */
bool gd_tun_udp_gro_off(struct gd_data *d, struct gd_tunnel *gt);
void gd_tun_udp_gro_refused(struct gd_data *d, struct gd_tunnel *gt);

/* gretund_data_tx.c */
void gd_tx_flush(struct gd *gd);

/* gretund_data_gso.c */
/* How many slots from i on could go out as one UDP GSO send (< 2: none). */
unsigned int gd_gso_run(struct gd_data *d, unsigned int i);
/* Send slots [s, s + n) as UDP GSO sends; returns how many went out. */
unsigned int gd_gso_send(struct gd_data *d, struct gd_tunnel *gt, unsigned int s,
			 unsigned int n);
void gd_gso_close(struct gd_gso *g);

/* gretund_data_gro.c */
/* The decapsulated packet inner[0..ilen) goes to gt's device. */
void gd_rx_deliver(struct gd_data *d, struct gd_tunnel *gt, uint8_t *inner, size_t ilen,
		   bool tap);
/* Everything pending for gt (NULL: for all tunnels) into the devices. */
void gd_gro_flush(struct gd_data *d, struct gd_tunnel *gt);
void gd_rx_count_drop(struct gd_tunnel *gt, enum gre_drop r);

/* gretund_data_icmp.c */
void gd_icmp_port_unreach(struct gd_data *d, int family, const uint8_t *outer, size_t len);
/* The kernel's PMTU rules on send: true when the packet is dropped. */
bool gd_icmp_pmtu_exceeded(struct gd_data *d, struct gd_tunnel *gt, uint8_t *pkt, size_t len,
			   const struct pkt_inner *pi);
void gd_icmp_close(struct gd_icmp *ic);

#endif
