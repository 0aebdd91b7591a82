// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD shim for gretund_udpgro.sh: the kernel refusing UDP
 * segmentation offload, on any kernel.
 * - writev() of a packet whose virtio-net header says GSO type UDP_L4 fails
 *   with EINVAL, as on a kernel before 6.2 (no USO from TUN);
 * - sendmsg() with a UDP_SEGMENT control message fails with EIO, as the
 *   kernel does when the route cannot take a GSO datagram (an xfrm route,
 *   a device without checksum offload).
 * Every other call goes to the real function. With USO_REFUSE_LOG set,
 * each refusal appends a line naming the call to that file.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#ifndef SOL_UDP
#define SOL_UDP			17
#endif
#define UDP_SEGMENT_CMSG	103
#define VNET_HLEN		10
#define VNET_GSO_UDP_L4		5

static void note(const char *what)
{
	const char *f = getenv("USO_REFUSE_LOG");
	int fd, e = errno;

	if (!f)
		return;
	fd = open(f, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, what, strlen(what)) < 0) {
			/* a lost line fails the test's count */
		}
		close(fd);
	}
	errno = e;
}

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
		note("writev\n");
		errno = EINVAL;
		return -1;
	}
	return real(fd, iov, iovcnt);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static ssize_t (*real)(int, const struct msghdr *, int);

	if (!real) {
		real = (ssize_t (*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");
		if (!real) {
			errno = ENOSYS;
			return -1;
		}
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR((struct msghdr *)msg, c))
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_SEGMENT_CMSG) {
			note("sendmsg\n");
			errno = EIO;
			return -1;
		}
	return real(fd, msg, flags);
}
