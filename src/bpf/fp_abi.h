/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The in-kernel fast path's contract: the maps that gretund fills and the
 * TC programs (gretun_fp.bpf.c) read. Included by both sides, so only
 * fixed-width types and no libc. Every address, key and port is in network
 * byte order as it is on the wire; everything else in host order.
 *
 * One program set per network namespace:
 *   gretun_egress   TC egress on each fast-path tunnel's TUN/TAP device:
 *                   encapsulates and redirects to the underlay device.
 *   gretun_ingress  TC ingress on each underlay device that carries a
 *                   fast-path tunnel: decapsulates and redirects into the
 *                   tunnel device's ingress.
 * Whatever a program is not sure it handles exactly as gretund would, it
 * passes on unchanged (TC_ACT_OK): egress to the TUN/TAP queue, where
 * gretund reads it; ingress up the stack, to gretund's raw or UDP socket.
 * A verdict of its own is only ever gretund's verdict.
 */
#ifndef GRETUN_FP_ABI_H
#define GRETUN_FP_ABI_H

#include <linux/types.h>

#define FP_MAX_TUNNELS	4096	/* entries of fp_tx, fp_stats; fp_rx twice */
#define FP_ABI_VERSION	3	/* bump on any change below; gretund will not
				 * adopt pinned maps of another version */

/* fp_tx: key = __u32 ifindex of the tunnel's TUN/TAP device. */
enum {
	FP_TX_TAP = 1u << 0,		/* Ethernet payload, GRE proto 0x6558 */
	FP_TX_IPV6 = 1u << 1,		/* IPv6 underlay (ip6gre, ip6gretap) */
	FP_TX_UDP = 1u << 2,		/* GRE-in-UDP */
	FP_TX_KEY = 1u << 3,		/* send okey */
	FP_TX_TOS_INHERIT = 1u << 4,
	FP_TX_PMTUDISC = 1u << 5,	/* DF on the outer IPv4 header (as ip_gre) */
	FP_TX_IGNORE_DF = 1u << 6,
	FP_TX_SLOW = 1u << 7,		/* everything to gretund (csum, seq, ...) */
};

struct fp_tx {
	__u32 flags;		/* FP_TX_* */
	__u32 id;		/* index into fp_stats */
	__u32 underlay_ifindex;	/* device of the route to remote; 0: slow */
	__u32 mtu;		/* largest outer packet that fits the path
				 * (0: unknown, no check); bigger with DF set
				 * goes to gretund, which sends the ICMP */
	__u32 fwmark;		/* skb->mark of the outer packet (0: none) */
	__be32 okey;
	__u8 ttl;		/* 0: inherit the inner TTL/hop limit */
	__u8 tos;		/* when not FP_TX_TOS_INHERIT */
	__be16 encap_dport;	/* FP_TX_UDP */
	__be16 encap_sport;	/* FP_TX_UDP; 0: flow hash, as gretund */
	__u16 pad;
	__u8 local[16];		/* IPv4 in the first 4 bytes; never zero here:
				 * gretund fills the route's source address */
	__u8 remote[16];
	__u32 flow_seed;	/* gretund's pkt_flow_hash seed (its d->flow_seed):
				 * the GRE-in-UDP source port (encap_sport 0) and
				 * the outer IPv6 flow label are hashed with it, so
				 * that one flow gets the same port on both paths */
};

/* fp_rx: key as the receive demux (gretund_table.c gd_table_lookup) sees
 * a packet. The program looks up (dst, src) first, then (any, src). Every
 * gretund tunnel has its entry, also those the fast path does not serve
 * (FP_RX_SLOW): so a miss means "no tunnel with this exact identity", and
 * the program never takes a packet that gretund would give to another
 * tunnel. */
struct fp_rx_key {
	__u8 ipv6;		/* outer family */
	__u8 tap;		/* GRE protocol 0x6558 */
	__u8 udp;		/* arrived GRE-in-UDP */
	__u8 has_key;		/* IPv4 only; IPv6 compares the value only,
				 * absent = 0 (ip6gre), so always 0 there */
	__be16 udp_dport;	/* udp; else 0 */
	__u16 pad;
	__be32 key;		/* the packet's key; 0 when none */
	__u8 local[16];		/* outer destination; all zero = any */
	__u8 remote[16];	/* outer source */
};

enum {
	FP_RX_SLOW = 1u << 0,		/* to gretund: csum, seq, keepalive, ... */
	FP_RX_TAP = 1u << 1,
	FP_RX_KEY = 1u << 2,		/* the tunnel expects a key (iflags) */
};

struct fp_rx {
	__u32 flags;		/* FP_RX_* */
	__u32 id;		/* index into fp_stats */
	__u32 tun_ifindex;	/* redirect target (BPF_F_INGRESS) */
	__be16 peer_port;	/* GRE-in-UDP: only this UDP source port (a
				 * learning tunnel's learned peer, keyed by its
				 * address in remote); 0: any. Another port goes
				 * to gretund, which learns it and updates this */
	__u16 pad;
};

/* fp_stats: BPF_MAP_TYPE_PERCPU_ARRAY, index = id; gretund sums the CPUs
 * and adds its own counters. */
struct fp_stats {
	__u64 tx_packets, tx_bytes;	/* inner bytes, as gretund counts */
	__u64 rx_packets, rx_bytes;
	__u64 tx_slow, rx_slow;		/* handed to gretund */
	__u64 tx_errors;		/* redirect failed */
	__u64 rx_ecn_drops;		/* CE over Not-ECT (RFC 6040) */
	__u64 rx_errors;		/* a helper failed half-way through a
					 * decapsulation: dropped */
};

#endif
