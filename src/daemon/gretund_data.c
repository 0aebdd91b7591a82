// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The packet paths' state (struct gd_data, gretund_data.h) and what both
 * directions share: the TUN/TAP fd's virtio-net mode and writes into it.
 * Send: TUN/TAP -> GRE header (+UDP) -> raw socket, the kernel adds the
 * outer IP header with per-packet TTL/TOS from cmsgs (gretund_data_tx.c,
 * gretund_data_gso.c). Receive: raw/UDP socket -> GRE codec -> demux -> kernel
 * receive rules -> RFC 6040 ECN decapsulation -> TUN/TAP (gretund_data_rx.c,
 * gretund_data_gro.c). What Linux answers with ICMP, so do we (gretund_data_icmp.c).
 * Batching and offloads: see PERFORMANCE in gretund(8).
 */
#include <errno.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "gretund_data_int.h"

unsigned int gd_data_overhead(const struct tunnel *t)
{
	return (t->family == AF_INET6 ? 40 : 20) + (t->encap == ENCAP_UDP ? 8 : 0) +
	       (unsigned int)gre_header_len(t->oflags);
}

struct gd_data *gd_data_new(uint32_t *flow_seed)
{
	struct gd_data *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->rx.ifq_fd = -1;
	d->icmp.fd4 = -1;
	d->icmp.fd6 = -1;
	/* the GRE-in-UDP flow hash seed: per process (Linux: per boot), or
	 * the one the fast path already uses (gretund_fp.c) */
	d->flow_seed = *flow_seed;
	if (!d->flow_seed && getrandom(&d->flow_seed, sizeof(d->flow_seed), GRND_NONBLOCK) !=
	    sizeof(d->flow_seed))
		d->flow_seed = (uint32_t)time(NULL) ^ (uint32_t)getpid();
	*flow_seed = d->flow_seed;
	return d;
}

void gd_data_free(struct gd_data *d)
{
	if (!d)
		return;
	gd_gso_close(&d->gso);
	gd_icmp_close(&d->icmp);
	if (d->rx.ifq_fd >= 0)
		close(d->rx.ifq_fd);
	free(d->tx.slot);
	free(d->tx.mm);
	free(d->tx.arena);
	free(d->rx.slot);
	free(d->rx.mm);
	free(d->rx.bufs);
	free(d->vnet);
	free(d);
}

int gd_batch_alloc(size_t n, size_t slot_size, void **slot, struct mmsghdr **mm, size_t bytes,
		   uint8_t **buf)
{
	void *s = calloc(n, slot_size);
	struct mmsghdr *m = calloc(n, sizeof(*m));
	uint8_t *b = malloc(bytes);

	if (!s || !m || !b) {
		free(s);
		free(m);
		free(b);
		return -ENOMEM;
	}
	*slot = s;
	*mm = m;
	*buf = b;
	return 0;
}

/*
 * Is gt's TUN fd in IFF_VNET_HDR mode? The mode belongs to the device, set
 * by whoever opened it (gd_dev_open, or the process that handed the fd
 * over): ask the fd once (TUNGETIFF) and remember it per fd, checked
 * against the ifindex so that a reused fd number is asked again.
 */
bool gd_tun_vnet(struct gd_data *d, struct gd_tunnel *gt)
{
	int fd = gt->w.fd;
	struct ifreq ifr;

	if (fd < 0)
		return false;
	if ((size_t)fd >= d->vnet_n) {
		size_t n = (size_t)fd + 64;
		struct vnet_cache *c = realloc(d->vnet, n * sizeof(*c));

		if (!c)
			return false;
		memset(c + d->vnet_n, 0, (n - d->vnet_n) * sizeof(*c));
		d->vnet = c;
		d->vnet_n = n;
	}
	if (d->vnet[fd].ifindex == gt->ifindex && gt->ifindex)
		return d->vnet[fd].vnet;
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return false;
	d->vnet[fd].ifindex = gt->ifindex;
	d->vnet[fd].vnet = (ifr.ifr_flags & IFF_VNET_HDR) != 0;
	d->vnet[fd].no_udp_gro = false;
	return d->vnet[fd].vnet;
}

ssize_t gd_tun_write(struct gd_data *d, struct gd_tunnel *gt, const uint8_t *pkt, size_t len,
		     uint8_t flags)
{
	uint8_t vh[OFF_VNET_HLEN] = { 0 };
	struct iovec iov[2] = {
		{ .iov_base = vh, .iov_len = sizeof(vh) },
		{ .iov_base = (void *)pkt, .iov_len = len },
	};

	if (!gd_tun_vnet(d, gt))
		return write(gt->w.fd, pkt, len);
	vh[0] = flags;
	return writev(gt->w.fd, iov, 2);
}

bool gd_tun_udp_gro_off(struct gd_data *d, struct gd_tunnel *gt)
{
	int fd = gt->w.fd;

	return fd < 0 || (size_t)fd >= d->vnet_n || d->vnet[fd].no_udp_gro;
}

void gd_tun_udp_gro_refused(struct gd_data *d, struct gd_tunnel *gt)
{
	if (gt->w.fd >= 0 && (size_t)gt->w.fd < d->vnet_n)
		d->vnet[gt->w.fd].no_udp_gro = true;
}
