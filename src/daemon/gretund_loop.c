// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The event loop: one epoll set, level-triggered, every fd non-blocking.
 * A watch carries its handler so dispatch needs no lookup, and the tick is
 * the caller's, so the loop depends on nothing above it. Batching
 * (recvmmsg) can later live entirely inside the handlers.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "gretund_loop.h"

int gd_loop_init(struct gd *gd)
{
	gd->epfd = epoll_create1(EPOLL_CLOEXEC);
	return gd->epfd < 0 ? -errno : 0;
}

int gd_loop_add(struct gd *gd, struct gd_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(gd->epfd, EPOLL_CTL_ADD, w->fd, &ev) ? -errno : 0;
}

void gd_loop_del(struct gd *gd, struct gd_watch *w)
{
	if (w->fd >= 0)
		epoll_ctl(gd->epfd, EPOLL_CTL_DEL, w->fd, NULL);
}

int gd_loop_run(struct gd *gd, void (*tick)(struct gd *gd))
{
	struct epoll_event ev[32];
	time_t last = 0, now;
	int n;

	while (!gd->stop) {
		n = epoll_wait(gd->epfd, ev, 32, 1000);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !gd->stop; i++) {
			struct gd_watch *w = ev[i].data.ptr;

			w->fn(gd, w, ev[i].events);
		}
		now = time(NULL);
		if (now != last) {
			last = now;
			tick(gd);
		}
	}
	return 0;
}

void gd_loop_fini(struct gd *gd)
{
	if (gd->epfd >= 0)
		close(gd->epfd);
	gd->epfd = -1;
}
