// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Receive delivery into the TUN/TAP device, with GRO: TCP segments, and UDP
 * datagrams, of one flow arriving in one recvmmsg batch are written to a
 * vnet TUN fd as one packet (writev: the vnet header, the headers, the
 * payloads in place); the kernel splits them again only if it has to (GSO
 * on forward, udp_rcv_segment for a socket without UDP_GRO). Pending flows
 * hold pointers into the receive buffers, so everything is flushed before
 * they are reused (gretund_data_rx.c).
 * TCP: the first segment's headers are fixed up in place. UDP: the merged
 * headers are built apart (uhdr) and the datagrams left as they arrived,
 * so that when the kernel refuses the USO packet (VIRTIO_NET_HDR_GSO_UDP_L4
 * is Linux 6.2+) each one is written on its own and UDP GRO stays off for
 * that device: nothing is lost.
 */
#include <errno.h>
#include <unistd.h>

#include "gretund_data_int.h"

void gd_rx_count_drop(struct gd_tunnel *gt, enum gre_drop r)
{
	gt->st.drops[r]++;
	gt->st.rx_errors++;
}

static void rx_write_done(struct gd_data *d, struct gd_tunnel *gt, ssize_t r)
{
	if (r >= 0)
		return;
	if (errno == EIO) {
		/* the device is down: no tunnel took the packet (see
		 * tunnel_down in gretund_data_rx.c) */
		gt->dev_down = true;
		d->rx.down_lost++;
	} else if (errno == EINVAL || errno == EMSGSIZE) {
		gd_rx_count_drop(gt, GRE_DROP_OVERSIZE);
	} else {
		gt->st.rx_errors++;
	}
}

static void gro_flush_udp(struct gd_data *d, struct gro_flow *f)
{
	size_t hl = (size_t)f->ufirst.iphlen + 8;
	struct off_vnet h;
	ssize_t r;

	if (f->nseg == 1) {
		rx_write_done(d, f->gt, gd_tun_write(d, f->gt, f->fpkt, f->total,
						      OFF_VNET_F_DATA_VALID));
		return;
	}
	off_udp_finish(f->fpkt, &f->ufirst, f->total, f->uhdr, &h);
	off_vnet_build(f->vh, &h);
	f->iov[0].iov_base = f->vh;
	f->iov[0].iov_len = OFF_VNET_HLEN;
	f->iov[1].iov_base = f->uhdr;
	f->iov[1].iov_len = hl;
	r = writev(f->gt->w.fd, f->iov, (int)f->nseg + 2);
	if (r >= 0 || errno != EINVAL) {
		rx_write_done(d, f->gt, r);
		return;
	}
	/* a kernel without USO from TUN: each datagram as it came (its
	 * headers right before its payload, untouched), and no more tries */
	gd_tun_udp_gro_refused(d, f->gt);
	for (unsigned int i = 0; i < f->nseg; i++) {
		uint8_t *p = (uint8_t *)f->iov[i + 2].iov_base - hl;

		rx_write_done(d, f->gt, gd_tun_write(d, f->gt, p, hl + f->iov[i + 2].iov_len,
						      OFF_VNET_F_DATA_VALID));
	}
}

static void gro_flush_one(struct gd_data *d, struct gro_flow *f)
{
	struct off_vnet h;

	if (f->udp) {
		gro_flush_udp(d, f);
		return;
	}
	if (f->nseg == 1) {
		rx_write_done(d, f->gt, gd_tun_write(d, f->gt, f->fpkt, f->total,
						      OFF_VNET_F_DATA_VALID));
		return;
	}
	off_gro_finish(f->fpkt, &f->first, f->total, f->last.flags, (uint16_t)f->first.plen, &h);
	off_vnet_build(f->vh, &h);
	f->iov[0].iov_base = f->vh;
	f->iov[0].iov_len = OFF_VNET_HLEN;
	rx_write_done(d, f->gt, writev(f->gt->w.fd, f->iov, (int)f->nseg + 1));
}

void gd_gro_flush(struct gd_data *d, struct gd_tunnel *gt)
{
	struct gd_gro *g = &d->gro;
	unsigned int k = 0;

	for (unsigned int i = 0; i < g->n; i++) {
		if (!gt || g->flow[i].gt == gt)
			gro_flush_one(d, &g->flow[i]);
		else
			g->flow[k++] = g->flow[i];
	}
	g->n = k;
}

static void gro_remove(struct gd_data *d, unsigned int i)
{
	struct gd_gro *g = &d->gro;

	gro_flush_one(d, &g->flow[i]);
	g->flow[i] = g->flow[--g->n];
}

/* A free flow slot for gt (the oldest one flushed when all are taken). */
static struct gro_flow *gro_new(struct gd_data *d, struct gd_tunnel *gt, uint8_t *inner,
				size_t ilen, bool udp)
{
	struct gro_flow *f;

	if (d->gro.n == GRO_FLOWS)
		gro_remove(d, 0);
	f = &d->gro.flow[d->gro.n++];
	f->gt = gt;
	f->fpkt = inner;
	f->udp = udp;
	f->total = ilen;
	f->nseg = 1;
	return f;
}

/* One more segment's payload, in iov[at], for f. */
static void gro_append(struct gro_flow *f, unsigned int at, uint8_t *payload, size_t plen)
{
	f->iov[at].iov_base = payload;
	f->iov[at].iov_len = plen;
	f->nseg++;
	f->total += plen;
}

static void gro_add_tcp(struct gd_data *d, struct gd_tunnel *gt, uint8_t *inner, size_t ilen,
			const struct off_tcp *t)
{
	struct gro_flow *f;

	for (unsigned int i = 0; i < d->gro.n; i++) {
		f = &d->gro.flow[i];
		if (f->gt != gt || f->udp || !off_gro_same_flow(f->fpkt, &f->first, inner, t))
			continue;
		if (off_gro_can_merge(f->fpkt, &f->first, f->total, &f->last, inner, t)) {
			gro_append(f, f->nseg + 1, inner + t->iphlen + t->tcphlen, t->plen);
			f->last = *t;
			if (f->nseg == GRO_SEGS || f->total + f->first.plen > 0xffff - 40)
				gro_remove(d, i);
			return;
		}
		gro_remove(d, i);
		break;
	}
	f = gro_new(d, gt, inner, ilen, false);
	f->first = f->last = *t;
	f->iov[1].iov_base = inner;
	f->iov[1].iov_len = ilen;
}

static void gro_add_udp(struct gd_data *d, struct gd_tunnel *gt, uint8_t *inner, size_t ilen,
			const struct off_udp *u)
{
	size_t hl = (size_t)u->iphlen + 8;
	struct gro_flow *f;

	for (unsigned int i = 0; i < d->gro.n; i++) {
		f = &d->gro.flow[i];
		if (f->gt != gt || !f->udp || !off_udp_same_flow(f->fpkt, &f->ufirst, inner, u))
			continue;
		if (off_udp_can_merge(f->fpkt, &f->ufirst, f->nseg, f->total, &f->ulast, inner, u)) {
			gro_append(f, f->nseg + 2, inner + hl, u->plen);
			f->ulast = *u;
			/* a short one ends the flow, as does being full */
			if (u->plen < f->ufirst.plen || f->nseg == OFF_UDP_GRO_SEGS ||
			    f->total + f->ufirst.plen > 0xffff)
				gro_remove(d, i);
			return;
		}
		gro_remove(d, i);
		break;
	}
	f = gro_new(d, gt, inner, ilen, true);
	f->ufirst = f->ulast = *u;
	f->iov[2].iov_base = inner + hl;
	f->iov[2].iov_len = u->plen;
}

void gd_rx_deliver(struct gd_data *d, struct gd_tunnel *gt, uint8_t *inner, size_t ilen, bool tap)
{
	struct off_tcp t;
	struct off_udp u;

	if (tap || !gd_tun_vnet(d, gt)) {
		rx_write_done(d, gt, write(gt->w.fd, inner, ilen));
		return;
	}
	if (off_gro_candidate(inner, ilen, &t)) {
		gro_add_tcp(d, gt, inner, ilen, &t);
		return;
	}
	if (!gd_tun_udp_gro_off(d, gt) && off_udp_candidate(inner, ilen, &u)) {
		gro_add_udp(d, gt, inner, ilen, &u);
		return;
	}
	/* after anything pending of this tunnel: it may be the same flow */
	gd_gro_flush(d, gt);
	rx_write_done(d, gt, gd_tun_write(d, gt, inner, ilen, 0));
}
