// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Cisco-compatible GRE keepalives (gretund(8), KEEPALIVES), mode gre only.
 *
 * A probe is the reply, pre-built and tunnelled: outer IPv4 (us -> peer),
 * GRE with protocol 0x0800 and the tunnel's output options, then an inner
 * IPv4 header (peer -> us, protocol 47, TTL 255) and an inner GRE header
 * with protocol 0x0000 and no payload. The peer decapsulates and routes the
 * inner packet back to us as plain GRE; we see protocol 0 from the peer: a
 * reply, the miss counter goes to 0. gretund_data_rx.c calls gd_keepalive_rcv
 * right after the tunnel lookup, before the option and protocol checks.
 *
 * The key: the inner GRE header carries our input key when the tunnel has
 * one (K bit set), and no checksum or sequence number. The reflected reply
 * reaches us as plain GRE and is looked up like any packet, by (local,
 * remote, key) with key presence and value matching, as the kernel's
 * ip_tunnel_lookup, Cisco's tunnel demux and ours do: without the key it
 * would match no keyed tunnel and the tunnel would never come up. OpenBSD's
 * gre(4), which interoperates with Cisco, builds its inner header the same
 * way (gre_keepalive_send copies the tunnel key into it); Cisco's own
 * captures of unkeyed tunnels show the 4-byte header, which is what we send
 * when there is no key. Sequence numbers are left out: the reply bypasses
 * our own sequence check (the hook runs first) and a peer would not number
 * a packet it only routes.
 *
 * Every INTERVAL seconds a probe goes out and the counter goes up; when it
 * has reached RETRIES the carrier goes off (TUNSETCARRIER), so the kernel
 * marks the routes through the device linkdown; the next reply puts it
 * back. A peer's probe (inner IPv4 GRE packet with protocol 0 addressed to
 * our remote) is answered by sending its inner GRE packet straight to the
 * peer over the raw socket, without the kernel's forwarding (no sysctl
 * needed, unlike a kernel tunnel, which answers only with accept_local=1
 * and forwarding=1 on its device: gretund(8), KEEPALIVES).
 */
#include <errno.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bytes.h"
#include "gretund_fp.h"
#include "gretund_keepalive.h"
#include "gretund_sock.h"
#include "gretund_table.h"
#include "gretund_txmsg.h"

#ifndef TUNSETCARRIER
#define TUNSETCARRIER _IOW('T', 226, int)
#endif

static void carrier_set(struct gd_tunnel *gt, bool on)
{
	int v = on;

	if (gt->w.fd >= 0)
		ioctl(gt->w.fd, TUNSETCARRIER, &v);
}

void gd_keepalive_init(struct gd_tunnel *gt)
{
	bool was_down = !gt->st.keepalive_up && gt->ka_next;

	gt->st.keepalive_up = true;
	gt->ka_missed = 0;
	gt->ka_next = time(NULL) + gt->t.keepalive_interval;
	if (was_down)
		carrier_set(gt, true);
}

void gd_keepalive_tunnel_event(struct gd *gd, struct gd_tunnel *gt, enum gd_tunnel_event ev,
			       const struct tunnel *old)
{
	(void)gd;
	if (ev == GD_TUNNEL_ADDED ||
	    (ev == GD_TUNNEL_CHANGED && (old->keepalive_interval != gt->t.keepalive_interval ||
					 old->keepalive_retries != gt->t.keepalive_retries)))
		gd_keepalive_init(gt);
}

/* Send a GRE payload (header included) to t's remote, from src if set. */
static int send_gre(struct gd *gd, const struct tunnel *t, const struct in_addr *src,
		    int ttl, const uint8_t *p, size_t len)
{
	struct iovec iov = { .iov_base = (void *)p, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	union inet_addr from = { 0 };
	struct gd_txmsg m;
	int fd = gd_sock_tx_get(gd, t, true);

	if (fd < 0)
		return fd;
	if (src)
		from.v4 = *src;
	/* no TOS: the socket's own (0) */
	gd_txmsg_build(&m, &msg, AF_INET, &t->remote, ttl, -1, from.v4.s_addr ? &from : NULL);
	return sendmsg(fd, &msg, 0) < 0 ? -errno : 0;
}

/* Our address towards the remote: Local=, else what routing picks. */
static int local_addr(const struct tunnel *t, struct in_addr *a)
{
	struct sockaddr_in r = { .sin_family = AF_INET, .sin_port = htons(9),
				 .sin_addr = t->remote.v4 }, l;
	socklen_t ll = sizeof(l);
	int fd, ret = 0;

	if (t->flags & TUNNEL_HAS_LOCAL && t->local.v4.s_addr) {
		*a = t->local.v4;
		return 0;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (t->fwmark)
		setsockopt(fd, SOL_SOCKET, SO_MARK, &t->fwmark, sizeof(t->fwmark));
	if (t->dev[0])
		setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, t->dev, (socklen_t)strlen(t->dev));
	if (connect(fd, (struct sockaddr *)&r, sizeof(r)) ||
	    getsockname(fd, (struct sockaddr *)&l, &ll))
		ret = -errno;
	else
		*a = l.sin_addr;
	close(fd);
	return ret;
}

static int probe_send(struct gd *gd, struct gd_tunnel *gt)
{
	const struct tunnel *t = &gt->t;
	unsigned int iopts = t->iflags & GRE_OPT_KEY;
	size_t ohl = gre_header_len(t->oflags), ihl = gre_header_len(iopts), ilen = 20 + ihl;
	uint8_t pkt[64], *ip = pkt + ohl;
	struct in_addr me;
	int ret = local_addr(t, &me);

	if (ret)
		return ret;
	/* the inner packet: what the peer would send us, GRE protocol 0 */
	memset(pkt, 0, sizeof(pkt));
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)ilen);
	ip[8] = 255;
	ip[9] = 47;
	memcpy(ip + 12, &t->remote.v4, 4);
	memcpy(ip + 16, &me, 4);
	put16(ip + 10, inet_csum_fold(inet_csum_add(0, ip, 20)));
	if (!gre_header_build(ip + 20, ihl, iopts, 0, t->ikey, 0, 0))
		return -EINVAL;
	/* the outer GRE header, as for any IPv4 packet on this tunnel */
	if (!gre_header_build(pkt, ohl + ilen, t->oflags, GRE_PROTO_IPV4, t->okey,
			      (t->oflags & GRE_OPT_SEQ) ? gt->o_seqno : 0, ilen))
		return -EINVAL;
	if (t->oflags & GRE_OPT_SEQ)
		gt->o_seqno++;
	return send_gre(gd, t, &me, t->ttl ? t->ttl : 255, pkt, ohl + ilen);
}

void gd_keepalive_tick(struct gd *gd, struct gd_tunnel *gt, time_t now)
{
	if (!gt->t.keepalive_interval || now < gt->ka_next)
		return;
	gt->ka_next = now + gt->t.keepalive_interval;
	if (gt->ka_missed >= gt->t.keepalive_retries && gt->st.keepalive_up) {
		gt->st.keepalive_up = false;
		carrier_set(gt, false);
	}
	if (probe_send(gd, gt))
		gt->st.tx_errors++;
	if (gt->ka_missed < 0xffff)
		gt->ka_missed++;
}

bool gd_keepalive_rcv(struct gd *gd, struct gd_tunnel *gt, uint16_t proto,
		      const uint8_t *inner, size_t ilen)
{
	const struct tunnel *t = &gt->t;
	struct gre_hdr h;
	size_t ihl, tot;

	if (gt->t.mode != MODE_GRE)
		return false;
	if (proto == 0) {
		/* our probe, come back: protocol 0 is nothing else */
		gt->st.keepalive_last_reply = (int64_t)time(NULL);
		gt->ka_missed = 0;
		if (t->keepalive_interval && !gt->st.keepalive_up) {
			gt->st.keepalive_up = true;
			carrier_set(gt, true);
		}
		return true;
	}
	/* a peer's probe: inner IPv4 GRE to our remote, carrying GRE proto 0 */
	if (proto != GRE_PROTO_IPV4 || ilen < 24 || inner[0] >> 4 != 4 || inner[9] != 47)
		return false;
	ihl = (size_t)(inner[0] & 0x0f) * 4;
	tot = get16(inner + 2);
	if (ihl < 20 || tot < ihl + 4 || tot > ilen || (inner[6] & 0x3f) || inner[7] ||
	    memcmp(inner + 16, &t->remote.v4, 4) || inner[8] <= 1)
		return false;
	if (gre_header_parse(inner + ihl, tot - ihl, &h) != GRE_OK || h.proto != 0)
		return false;
	{
		struct in_addr src;

		memcpy(&src, inner + 12, 4);
		if (send_gre(gd, t, &src, inner[8] - 1, inner + ihl, tot - ihl))
			gt->st.tx_errors++;
		else
			gt->st.rx_packets++;
	}
	return true;
}

bool gd_keepalive_rcv_short(struct gd *gd, const struct gd_rx_key *k,
			    const uint8_t *p, size_t len)
{
	struct gd_rx_key kk = *k;
	struct gd_tunnel *gt;
	struct gre_hdr h;

	if (gre_header_parse_ex(p, len, 0, &h) != GRE_OK || h.proto != 0)
		return false;
	kk.has_key = h.has_key;
	kk.key = h.key;
	gt = gd_table_lookup(gd, &kk);
	if (!gt || !gt->t.keepalive_interval)
		return false;
	return gd_keepalive_rcv(gd, gt, 0, p + h.hlen, len - h.hlen);
}

/* ---- persistent keepalives (PersistentKeepalive=) ----------------------------
 *
 * To hold a NAT mapping open, a tunnel with PersistentKeepalive=SECONDS
 * sends a keepalive when it has sent nothing else for that long (gretund's
 * packets or the fast path's, read from its counters at the tick) (and once
 * as it starts, so that a learning peer knows where it is). Over IPv4 it
 * is the bare GRE header with the tunnel's output key, protocol 0, 4 or 8
 * bytes: below the 12 bytes Linux's IPv4 GRE demux needs (gre_rcv in
 * gre_demux.c), so a Linux peer, fou or not, drops it before any tunnel
 * lookup, counting nothing; gretund takes it for a keepalive, and one with
 * the right key from inside a learning tunnel's prefix moves the learned
 * peer like any packet. Over IPv6 Linux parses 4-byte headers, so there it
 * is empty (no GRE header at all: gre_parse_header drops it alike); it
 * carries no key and moves nothing.
 */

static int pka_send(struct gd *gd, struct gd_tunnel *gt)
{
	const struct tunnel *t = &gt->t;
	bool udp = t->encap == ENCAP_UDP, v6 = t->family == AF_INET6;
	uint8_t pkt[16] = { 0 }, *gre = pkt + (udp ? 8 : 0);
	size_t glen = v6 ? 0 : gre_header_len(t->oflags & GRE_OPT_KEY), len;
	struct iovec iov = { .iov_base = pkt };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	union inet_addr dst;
	struct gd_txmsg m;
	uint16_t dport, sport = gd_tunnel_sport(t);
	int fd;

	if (!gd_tunnel_peer(gt, &dst, &dport))
		return 0;	/* nobody to keep in touch with yet */
	if (glen && !gre_header_build(gre, glen, t->oflags & GRE_OPT_KEY, 0, t->okey, 0, 0))
		return -EINVAL;
	len = (size_t)(gre - pkt) + glen;
	if (udp) {
		put16(pkt, sport ? sport : t->encap_dport);
		put16(pkt + 2, dport);
		put16(pkt + 4, (uint16_t)len);
	}
	fd = gd_sock_tx_get(gd, t, true);
	if (fd < 0)
		return fd;
	iov.iov_len = len;
	gd_txmsg_build(&m, &msg, t->family, &dst, t->ttl ? t->ttl : 64, -1,
		       v6 || (t->flags & TUNNEL_HAS_LOCAL) ? &t->local : NULL);
	if (sendmsg(fd, &msg, 0) < 0)
		return -errno;
	gt->st.tx_keepalives++;
	return 1;
}

void gd_pka_tick(struct gd *gd, struct gd_tunnel *gt, time_t now)
{
	uint64_t tx;
	int ret;

	if (!gt->t.persistent_keepalive)
		return;
	/* what went out: gretund's packets and the fast path's, which
	 * gretund does not see (its per-CPU counters) */
	tx = gt->st.tx_packets + gd_fp_tx_packets(gd, gt);
	if (gt->pka_last && tx != gt->pka_tx) {
		gt->pka_tx = tx;
		gt->pka_last = now;	/* data went out: that keeps it open */
		return;
	}
	if (gt->pka_last && now - gt->pka_last < gt->t.persistent_keepalive)
		return;
	ret = pka_send(gd, gt);
	if (ret < 0)
		gt->st.tx_errors++;
	if (ret)
		gt->pka_last = now;
	gt->pka_tx = tx;
}

bool gd_pka_rcv(struct gd *gd, const struct gd_rx_key *k, const uint8_t *p, size_t len)
{
	struct gd_rx_key kk = *k;
	struct gd_tunnel *gt;
	enum gre_drop near;
	struct gre_hdr h;

	if (!len && k->family == AF_INET6) {
		/* IPv6's empty keepalive: no key, so only counted (an empty
		 * IPv4 GRE packet is no keepalive of ours: truncated) */
		gt = gd_table_lookup_near(gd, &kk, &near);
		if (!gt || near != GRE_DROP_KEY)
			return false;
		gt->st.rx_keepalives++;
		return true;
	}
	if (len > 8 || gre_header_parse_ex(p, len, 0, &h) != GRE_OK || h.proto ||
	    h.has_csum || h.has_seq || h.hlen != len)
		return false;
	kk.has_key = h.has_key;
	kk.key = h.key;
	kk.tap = false;
	gt = gd_table_lookup(gd, &kk);
	if (!gt) {
		kk.tap = true;
		gt = gd_table_lookup(gd, &kk);
	}
	if (!gt)
		return false;
	gt->st.rx_keepalives++;
	if (tunnel_learns(&gt->t))
		gd_tunnel_learn(gd, gt, &k->src, k->sport);
	return true;
}
