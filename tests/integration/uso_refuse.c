// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD shim for gretund_udpgro.sh: writev() of a packet whose
 * virtio-net header says GSO type UDP_L4 fails with EINVAL, as on a kernel
 * before 6.2 (no USO from TUN), so the fallback to one write per datagram
 * is tested on any kernel. Every other call goes to the real writev().
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <sys/uio.h>

#define VNET_HLEN		10
#define VNET_GSO_UDP_L4		5

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	static ssize_t (*real)(int, const struct iovec *, int);

	if (!real) {
		real = (ssize_t (*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
		if (!real) {
			errno = ENOSYS;
			return -1;
		}
	}
	if (iovcnt > 1 && iov[0].iov_len == VNET_HLEN &&
	    (((const uint8_t *)iov[0].iov_base)[1] & 0x7f) == VNET_GSO_UDP_L4) {
		errno = EINVAL;
		return -1;
	}
	return real(fd, iov, iovcnt);
}
