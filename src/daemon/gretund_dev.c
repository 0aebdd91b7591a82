// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TUN/TAP devices. Persistent, so that the addresses and routes gretunctl
 * puts on them outlive a gretund restart; destroy clears persistence so the
 * device disappears with its last fd.
 *
 * TUN (not TAP) devices are opened with IFF_VNET_HDR and offloads
 * (TUNSETOFFLOAD: checksum, TSO4/6, and USO4/6 where the kernel has them),
 * so that the kernel hands over TCP bursts of up to 64 KB in one read
 * (gretund_offload.c segments them). The mode belongs to the device, not to
 * the fd: a process that gets the fd handed over asks it (TUNGETIFF in
 * gretund_data.c); one that opens the device again sets it again.
 * GRETUND_OFFLOAD=0 in the environment opens them plain (and clears the
 * offloads a previous process left on the device).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "gretund_dev.h"
#include "gretund_opener.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4	0x20
#define TUN_F_USO6	0x40
#endif

static bool dev_offload_wanted(bool tap)
{
	const char *e = getenv("GRETUND_OFFLOAD");

	return !tap && !(e && !strcmp(e, "0"));
}

/* The offloads the kernel accepts, most first; 0 when none. */
static void dev_offload_set(int fd, bool on)
{
	static const unsigned int try[] = {
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6,
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
		TUN_F_CSUM,
	};

	if (on)
		for (size_t i = 0; i < sizeof(try) / sizeof(try[0]); i++)
			if (!ioctl(fd, TUNSETOFFLOAD, (unsigned long)try[i]))
				return;
	ioctl(fd, TUNSETOFFLOAD, 0UL);
}

int gd_dev_open(int opener, const char *name, bool tap, int *fdp, int *ifindex)
{
	struct ifreq ifr;
	bool existed = if_nametoindex(name) != 0, vnet = dev_offload_wanted(tap);
	int fd, ret;

	fd = opener >= 0 ? gd_opener_open(opener) :
			   open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return opener >= 0 ? fd : -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = (tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI;
	if (vnet)
		ifr.ifr_flags |= IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		/* tun.c answers EINVAL when the name belongs to another kind of
		 * device (or the other of tun/tap) */
		if (existed && ret == -EINVAL)
			ret = -EEXIST;
		goto fail;
	}
	/* a TUN without offloads has none, also if an earlier process set them */
	dev_offload_set(fd, vnet);
	if (ioctl(fd, TUNSETPERSIST, 1) < 0) {
		ret = -errno;
		goto fail;
	}
	*ifindex = (int)if_nametoindex(name);
	if (!*ifindex) {
		ret = -ENODEV;
		goto fail;
	}
	*fdp = fd;
	return 0;
fail:
	close(fd);
	return ret;
}

bool gd_dev_detached(int fd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	return fd >= 0 && ioctl(fd, TUNGETIFF, &ifr) < 0 && errno == EBADFD;
}

void gd_dev_close(int fd, bool persist)
{
	if (fd < 0)
		return;
	if (!persist)
		ioctl(fd, TUNSETPERSIST, 0);
	close(fd);
}
