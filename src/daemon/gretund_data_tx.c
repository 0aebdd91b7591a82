// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The send path: a TUN event reads up to BATCH packets (or TSO
 * super-packets, segmented with gretund_offload.c) into the arena,
 * encapsulates each in place (GRE header, UDP header for GRE-in-UDP) and
 * sends them all with sendmmsg; the kernel adds the outer IP header with
 * per-packet TTL/TOS from cmsgs (gretund_txmsg.c). Runs of GRE-in-UDP
 * packets of one flow go out as UDP GSO sends (gretund_data_gso.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "gretund_data_int.h"
#include "gretund_dev.h"
#include "gretund_loop.h"
#include "gretund_sock.h"
#include "gretund_table.h"

#define BATCH		64	/* packets per wakeup per fd, for fairness */
/* room one read needs: the packet (or TSO super-packet) and its segments */
#define TX_SLACK	(2u * (GD_HEADROOM + OFF_VNET_HLEN + GD_BUF_SIZE) + \
			 OFF_MAX_SEGS * (GD_HEADROOM + 128u))
/* arena room a packet of len bytes takes, its headroom included */
#define TX_ROOM(len)	(GD_HEADROOM + (((size_t)(len) + 15) & ~(size_t)15))

static int tx_batch_init(struct gd_tx *tx)
{
	void *slot;

	if (tx->arena)
		return 0;
	if (gd_batch_alloc(TX_SLOTS, sizeof(*tx->slot), &slot, &tx->mm, TX_ARENA, &tx->arena))
		return -ENOMEM;
	tx->slot = slot;
	return 0;
}

/* A send of slot s failed with err: what the single-packet path did. */
static void tx_fail(struct gd *gd, struct tx_slot *s, int err)
{
	struct gd_data *d = gd->data;
	struct gd_tunnel *gt = s->gt;
	ssize_t n = -1;

	if (err == EMSGSIZE) {
		/* the kernel learnt a smaller path MTU: answer this very
		 * packet as Linux would, with the new one */
		gd_tunnel_refresh_pmtu(gt, time(NULL));
		if (gd_icmp_pmtu_exceeded(d, gt, s->pkt, s->len, &s->pi))
			return;
		if (gt->t.family == AF_INET6) {
			int fd = gd_sock_tx_get(gd, &gt->t, false);

			n = fd < 0 ? -1 : sendmsg(fd, &d->tx.mm[s - d->tx.slot].msg_hdr, 0);
		}
		if (n >= 0) {
			gt->st.tx_packets++;
			gt->st.tx_bytes += s->len;
			return;
		}
		err = EMSGSIZE;
	}
	if (err == EAGAIN || err == ENOBUFS)
		gt->st.tx_dropped++;
	else
		gt->st.tx_errors++;
}

/* How many slots from i on go out with one sendmmsg (or as GSO sends,
 * *gso set): GRE-in-UDP runs of one flow apart, the rest by socket. */
static unsigned int tx_run(struct gd_data *d, unsigned int i, bool *gso)
{
	struct gd_tx *tx = &d->tx;
	unsigned int j = i + 1, n = gd_gso_run(d, i);

	*gso = n >= 2;
	if (*gso)
		return n;
	while (j < tx->n && tx->slot[j].fd == tx->slot[i].fd && gd_gso_run(d, j) < 2)
		j++;
	return j - i;
}

void gd_tx_flush(struct gd *gd)
{
	struct gd_data *d = gd->data;
	struct gd_tx *tx = &d->tx;
	unsigned int i = 0;

	while (i < tx->n) {
		unsigned int n;
		bool gso;
		int r;

		if (tx->slot[i].fd == TX_SENT) {
			i++;
			continue;
		}
		/* GRE-in-UDP packets of one inner flow and size, one after
		 * the other (a UDP stream read packet by packet): one send;
		 * refused, the run goes the per-packet way */
		n = tx_run(d, i, &gso);
		if (gso) {
			unsigned int sent = gd_gso_send(d, tx->slot[i].gt, i, n);

			if (sent) {
				i += sent;
				continue;
			}
		}
		r = sendmmsg(tx->slot[i].fd, tx->mm + i, n, 0);
		if (r <= 0) {
			tx_fail(gd, &tx->slot[i], r < 0 ? errno : EAGAIN);
			i++;
			continue;
		}
		for (unsigned int k = i; k < i + (unsigned int)r; k++) {
			tx->slot[k].gt->st.tx_packets++;
			tx->slot[k].gt->st.tx_bytes += tx->slot[k].len;
		}
		i += (unsigned int)r;
	}
	tx->n = 0;
}

/* The GRE protocol of pkt and its inner headers; -EINVAL if it cannot go. */
static int tx_inner_parse(const struct tunnel *t, const uint8_t *pkt, size_t len,
			  uint16_t *proto, struct pkt_inner *pi)
{
	bool tap = tunnel_mode_is_tap(t->mode);

	if (tap)
		*proto = GRE_PROTO_TEB;
	else if (len && pkt[0] >> 4 == 4)
		*proto = GRE_PROTO_IPV4;
	else if (len && pkt[0] >> 4 == 6)
		*proto = GRE_PROTO_IPV6;
	else
		return -EINVAL;
	if (pkt_inner_parse(pkt, len, *proto, pi)) {
		/* a TAP frame is sent whatever it carries; TUN gives us
		 * only what the kernel built, so this is not expected */
		if (!tap)
			return -EINVAL;
		memset(pi, 0, sizeof(*pi));
	}
	return 0;
}

/* The outer header's TTL, TOS and DF for an inner packet, as the kernel. */
static void tx_outer_fields(const struct tunnel *t, const struct pkt_inner *pi, uint8_t *ttl,
			    uint8_t *tos, bool *df)
{
	bool ip = pi->family == AF_INET || pi->family == AF_INET6;

	/* TTL 0 = inherit, as ip_tunnel_xmit: inner TTL/hop limit, else 64 */
	*ttl = t->ttl;
	if (!*ttl)
		*ttl = ip ? pi->ttl : 64;
	*tos = t->tos_inherit ? (ip ? pi->tos : 0) : t->tos;
	*tos = pkt_ecn_encap(*tos, ip ? pi->tos : 0);

	/* DF as the kernel: pmtudisc sets DF on every outer IPv4 packet;
	 * without it the inner DF is copied unless ignore_df. IPv6 outer
	 * packets are first tried unfragmented, so that the kernel says
	 * EMSGSIZE as soon as it learnt a smaller path MTU; what the kernel
	 * would still send (pmtu_exceeded says no) is then sent again, to
	 * be fragmented by this host as ip6_tnl does. */
	if (t->family == AF_INET6 || t->pmtudisc)
		*df = true;
	else
		*df = !t->ignore_df && pi->family == AF_INET && pi->df;
}

/* The GRE header (and UDP header for GRE-in-UDP) written in front of
 * pkt[0..len): where the packet now starts, or NULL. */
static uint8_t *tx_encap(struct gd_data *d, struct gd_tunnel *gt, uint8_t *pkt, size_t len,
			 uint16_t proto, uint16_t dport)
{
	const struct tunnel *t = &gt->t;
	uint16_t sport = gd_tunnel_sport(t);
	size_t hlen = gre_header_len(t->oflags);
	uint8_t *hdr = pkt - hlen;

	if (!gre_header_build(hdr, hlen + len, t->oflags, proto, t->okey,
			      (t->oflags & GRE_OPT_SEQ) ? gt->o_seqno : 0, len))
		return NULL;
	if (t->oflags & GRE_OPT_SEQ)
		gt->o_seqno++;
	if (t->encap != ENCAP_UDP)
		return hdr;
	hdr -= 8;
	put16(hdr, sport ? sport : pkt_flow_sport(pkt, len, proto, d->flow_seed));
	put16(hdr + 2, dport);
	put16(hdr + 4, (uint16_t)(8 + hlen + len));
	/* IPv4: zero checksum, as Linux fou sends by default (iproute2
	 * leaves encap-csum off); IPv6: the kernel fills it (IPV6_CHECKSUM
	 * on the socket) */
	put16(hdr + 6, 0);
	return 8 + hlen + len > 0xffff ? NULL : hdr;
}

/* Queue the encapsulated packet hdr..pkt+len in the next send slot. */
static void tx_queue(struct gd *gd, struct gd_tunnel *gt, int fd, uint8_t *hdr, uint8_t *pkt,
		     size_t len, const struct pkt_inner *pi, int ttl, int tos, bool df,
		     const union inet_addr *dst)
{
	const struct tunnel *t = &gt->t;
	struct gd_tx *tx = &gd->data->tx;
	struct tx_slot *sl;
	struct msghdr *mh;
	bool src = t->family == AF_INET6 || (t->flags & TUNNEL_HAS_LOCAL);

	if (tx->n == TX_SLOTS)
		gd_tx_flush(gd);
	sl = &tx->slot[tx->n];
	mh = &tx->mm[tx->n].msg_hdr;
	sl->gt = gt;
	sl->pkt = pkt;
	sl->len = len;
	sl->pi = *pi;
	sl->fd = fd;
	sl->df = df;
	memset(mh, 0, sizeof(*mh));
	sl->iov.iov_base = hdr;
	sl->iov.iov_len = (size_t)(pkt + len - hdr);
	mh->msg_iov = &sl->iov;
	mh->msg_iovlen = 1;
	gd_txmsg_build(&sl->m, mh, t->family, dst, ttl, tos, src ? &t->local : NULL);
	tx->n++;
}

/* Encapsulate pkt[0..len) (GD_HEADROOM writable bytes in front) into the
 * next send slot. */
static void tunnel_xmit(struct gd *gd, struct gd_tunnel *gt, uint8_t *pkt, size_t len)
{
	const struct tunnel *t = &gt->t;
	union inet_addr dst;
	struct pkt_inner pi;
	uint16_t proto, dport;
	uint8_t tos, ttl, *hdr;
	bool df;
	int fd;

	/* a learning tunnel that has not heard from its peer yet has nowhere
	 * to send: dropped, and counted as such (show: "no peer learned") */
	if (!gd_tunnel_peer(gt, &dst, &dport)) {
		gt->st.tx_dropped++;
		gt->st.tx_no_endpoint++;
		return;
	}
	if (tx_inner_parse(t, pkt, len, &proto, &pi)) {
		gt->st.tx_errors++;
		return;
	}
	tx_outer_fields(t, &pi, &ttl, &tos, &df);
	if (gd_icmp_pmtu_exceeded(gd->data, gt, pkt, len, &pi))
		return;
	hdr = tx_encap(gd->data, gt, pkt, len, proto, dport);
	fd = hdr ? gd_sock_tx_get(gd, t, df) : -1;
	if (fd < 0) {
		gt->st.tx_errors++;
		return;
	}
	tx_queue(gd, gt, fd, hdr, pkt, len, &pi, ttl, tos, df, &dst);
}

/* A packet read from a vnet TUN fd: complete its checksum or segment it,
 * then encapsulate every piece. */
static void tunnel_xmit_vnet(struct gd *gd, struct gd_tunnel *gt, uint8_t *pkt, size_t len)
{
	struct gd_data *d = gd->data;
	struct gd_tx *tx = &d->tx;
	struct off_vnet h;
	unsigned int s0;
	size_t hlen;
	bool udp;
	int n;

	if (off_vnet_parse(pkt - OFF_VNET_HLEN, OFF_VNET_HLEN, &h)) {
		gt->st.tx_errors++;
		return;
	}
	if (h.gso_type == OFF_GSO_NONE) {
		if (off_csum_complete(pkt, len, &h)) {
			gt->st.tx_errors++;
			return;
		}
		tunnel_xmit(gd, gt, pkt, len);
		tx->off += TX_ROOM(len);
		return;
	}
	n = off_gso_fixup(pkt, len, &h) ? -EINVAL : off_gso_count(pkt, len, &h, &hlen);
	if (n <= 0) {
		gt->st.tx_errors++;
		return;
	}
	tx->off += TX_ROOM(len);
	udp = gt->t.encap == ENCAP_UDP && d->gso.support >= 0 && n > 1;
	if (udp || tx->n + (unsigned int)n > TX_SLOTS) {
		/* the burst goes out after what is queued, in order */
		gd_tx_flush(gd);
	}
	s0 = tx->n;
	for (int i = 0; i < n; i++) {
		uint8_t *seg = tx->arena + tx->off + GD_HEADROOM;
		size_t slen = off_gso_segment(pkt, len, &h, hlen, (unsigned int)i, seg,
					      TX_ARENA - tx->off - GD_HEADROOM);

		if (!slen) {
			gt->st.tx_errors++;
			return;
		}
		tunnel_xmit(gd, gt, seg, slen);
		tx->off += TX_ROOM(slen);
	}
	if (udp && tx->n > s0 && gd_gso_send(d, gt, s0, tx->n - s0) == tx->n - s0)
		tx->n = s0;
}

/* One read from gt's device into the arena at pkt (a virtio-net header in
 * front when vnet): 1 with its length in *len, 0 to go on with the next
 * read, -1 to stop. */
static int tx_read(struct gd_tunnel *gt, uint8_t *pkt, bool vnet, size_t *len)
{
	ssize_t n;

	if (vnet)
		n = read(gt->w.fd, pkt - OFF_VNET_HLEN, GD_BUF_SIZE + OFF_VNET_HLEN);
	else
		n = read(gt->w.fd, pkt, GD_BUF_SIZE);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			gt->st.tx_errors++;
		return -1;
	}
	if (n == 0)
		return -1;
	if (vnet && n < OFF_VNET_HLEN) {
		gt->st.tx_errors++;
		return 0;
	}
	*len = (size_t)n - (vnet ? OFF_VNET_HLEN : 0);
	return 1;
}

void gd_data_tun_event(struct gd *gd, struct gd_watch *w, uint32_t events)
{
	struct gd_tunnel *gt = container_of(w, struct gd_tunnel, w);
	struct gd_tx *tx = &gd->data->tx;
	bool vnet = gd_tun_vnet(gd->data, gt);

	/* A deleted device polls EPOLLERR for good: stop watching it (or the
	 * loop spins); the tunnel is dropped at the next tick or request. */
	if ((events & (EPOLLERR | EPOLLHUP)) && gd_dev_detached(w->fd)) {
		gd_loop_del(gd, w);
		gt->dev_gone = true;
		return;
	}
	if (tx_batch_init(tx)) {
		gt->st.tx_errors++;
		return;
	}
	tx->n = 0;
	tx->off = 0;
	for (int i = 0; i < BATCH; i++) {
		uint8_t *pkt;
		size_t n;
		int r;

		if (!tx->n)
			tx->off = 0;
		if (TX_ARENA - tx->off < TX_SLACK) {
			gd_tx_flush(gd);
			tx->off = 0;
		}
		pkt = tx->arena + tx->off + GD_HEADROOM;
		r = tx_read(gt, pkt, vnet, &n);
		if (r < 0)
			break;
		if (r == 0)
			continue;
		if (vnet) {
			tunnel_xmit_vnet(gd, gt, pkt, n);
		} else {
			tunnel_xmit(gd, gt, pkt, n);
			tx->off += TX_ROOM(n);
		}
	}
	gd_tx_flush(gd);
}
