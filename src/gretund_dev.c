// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TUN/TAP devices. Persistent, so that the addresses and routes gretunctl
 * puts on them outlive a gretund restart; destroy clears persistence so the
 * device disappears with its last fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gretund.h"

int gd_dev_open(const char *name, bool tap, int *fdp, int *ifindex)
{
	struct ifreq ifr;
	bool existed = if_nametoindex(name) != 0;
	int fd, ret;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = (tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		/* tun.c answers EINVAL when the name belongs to another kind of
		 * device (or the other of tun/tap) */
		if (existed && ret == -EINVAL)
			ret = -EEXIST;
		goto fail;
	}
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

void gd_dev_close(int fd, bool persist)
{
	if (fd < 0)
		return;
	if (!persist)
		ioctl(fd, TUNSETPERSIST, 0);
	close(fd);
}

int gd_dev_mtu(const char *name, uint32_t *mtu)
{
	struct ifreq ifr;
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		ret = -errno;
	else
		*mtu = (uint32_t)ifr.ifr_mtu;
	close(fd);
	return ret;
}
