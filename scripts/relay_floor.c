// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * relay_floor IFNAME REMOTE: the least a user-space GRE data plane can do,
 * for scripts/bench-dataplane's "floor" variant. A TUN device IFNAME and one
 * raw IPPROTO_GRE socket: each packet read from the TUN goes out with a
 * 4-byte GRE header (no key, checksum or sequence) to the IPv4 address
 * REMOTE; each GRE packet received from REMOTE with a bare 4-byte header
 * and an IPv4/IPv6 protocol type is written to the TUN. One packet per
 * system call, no offloads, no batching, no state: what is left of a round
 * trip is the kernel's work and the wakeups, which bounds gretund's RTT
 * from below on the same machine. Not a tunnel to use: no options, no
 * PMTU, no ICMP, IPv4 underlay only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define GRE_HLEN	4
#define BUF_SIZE	65536

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* TUN → GRE: prepend the header in front of the packet already in buf */
static void tun_to_gre(int tun, int sock, const struct sockaddr_in *dst, uint8_t *buf)
{
	ssize_t n = read(tun, buf + GRE_HLEN, BUF_SIZE - GRE_HLEN);

	if (n <= 0)
		return;
	if (buf[GRE_HLEN] >> 4 != 4 && buf[GRE_HLEN] >> 4 != 6)
		return;
	buf[0] = 0;
	buf[1] = 0;
	buf[2] = buf[GRE_HLEN] >> 4 == 4 ? 0x08 : 0x86;
	buf[3] = buf[GRE_HLEN] >> 4 == 4 ? 0x00 : 0xdd;
	if (sendto(sock, buf, (size_t)n + GRE_HLEN, 0, (const struct sockaddr *)dst,
		   sizeof(*dst)) < 0 && errno != EAGAIN && errno != ENOBUFS)
		perror("relay_floor: sendto");
}

/* GRE → TUN: raw IPv4 delivers the IP header; only a bare GRE header
 * carrying IPv4 or IPv6 from the configured remote is taken */
static void gre_to_tun(int tun, int sock, const struct sockaddr_in *dst, uint8_t *buf)
{
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(sock, buf, BUF_SIZE, 0, (struct sockaddr *)&from, &fl);
	size_t ihl;

	if (n < 20 || from.sin_addr.s_addr != dst->sin_addr.s_addr)
		return;
	ihl = (size_t)(buf[0] & 0x0f) * 4;
	if (ihl < 20 || (size_t)n < ihl + GRE_HLEN)
		return;
	if (buf[ihl] || buf[ihl + 1] ||
	    !((buf[ihl + 2] == 0x08 && buf[ihl + 3] == 0x00) ||
	      (buf[ihl + 2] == 0x86 && buf[ihl + 3] == 0xdd)))
		return;
	if (write(tun, buf + ihl + GRE_HLEN, (size_t)n - ihl - GRE_HLEN) < 0 && errno != EIO)
		perror("relay_floor: write");
}

int main(int argc, char *argv[])
{
	static uint8_t buf[BUF_SIZE];
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct ifreq ifr;
	struct pollfd p[2];
	int tun, sock;

	if (argc != 3 || strlen(argv[1]) >= IFNAMSIZ || inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1) {
		fprintf(stderr, "usage: relay_floor IFNAME REMOTE-IPv4\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (tun < 0) {
		perror("relay_floor: /dev/net/tun");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	memcpy(ifr.ifr_name, argv[1], strlen(argv[1]));
	if (ioctl(tun, TUNSETIFF, &ifr) < 0) {
		perror("relay_floor: TUNSETIFF");
		return 1;
	}
	sock = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_GRE);
	if (sock < 0) {
		perror("relay_floor: raw socket");
		return 1;
	}
	p[0].fd = tun;
	p[0].events = POLLIN;
	p[1].fd = sock;
	p[1].events = POLLIN;
	while (!stop) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("relay_floor: poll");
			return 1;
		}
		if (p[0].revents & POLLIN)
			tun_to_gre(tun, sock, &dst, buf);
		if (p[1].revents & POLLIN)
			gre_to_tun(tun, sock, &dst, buf);
	}
	return 0;
}
