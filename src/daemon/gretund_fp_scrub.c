// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A gretund that does not run the fast path (built without BPF, a --user
 * gretund, one that can neither load nor adopt the programs) taking over
 * from one that did: the predecessor's TC filters would go on steering
 * the tunnels' packets with maps that nobody updates any more, and its
 * clsact qdiscs and pins would outlive every `down'. So the successor
 * removes them before it serves the tunnels itself (gretund(8), FAST
 * PATH): our filters only (FP_TC_HANDLE at FP_TC_PRIO, on every clsact of
 * the namespace), the clsact qdiscs the predecessor listed as its own
 * (fp-qdiscs) when nothing else is left on them, and the pins. Plain
 * rtnetlink and unlink: no libbpf, so a --disable-bpf build does it too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "gretund_fp.h"
#include "gretund_log.h"
#include "runtime.h"

#ifndef TC_H_CLSACT
#define TC_H_CLSACT TC_H_INGRESS
#endif
#ifndef TC_H_MIN_INGRESS
#define TC_H_MIN_INGRESS 0xFFF2U
#define TC_H_MIN_EGRESS 0xFFF3U
#endif

#define SCRUB_MAX_DEVS 4096

struct scrub {
	struct mnl_socket *nl;
	unsigned int portid, seq;
	int clsact[SCRUB_MAX_DEVS];	/* ifindexes with a clsact qdisc */
	size_t n_clsact;
	unsigned int filters, qdiscs, pins;
};

/* ---- rtnetlink: builders, and the one place that talks ------------------ */

static struct tcmsg *tc_msg_put(char *buf, uint16_t type, uint16_t flags, int ifindex,
				uint32_t parent)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *tcm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	return tcm;
}

/* Send, and read the answers up to the ACK or the end of the dump: 0 or
 * -errno (the kernel's error for the request). */
static int scrub_talk(struct scrub *s, char *buf, mnl_cb_t cb, void *data)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	char rbuf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;
	int ret;

	nlh->nlmsg_seq = ++s->seq;
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(s->nl, rbuf, sizeof(rbuf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(rbuf, (size_t)n, s->seq, s->portid, cb, data);
		if (ret < 0)
			return errno ? -errno : -EPROTO;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

/* ---- what is there ---------------------------------------------------------- */

static int kind_attr(const struct nlattr *a, void *data)
{
	const char **kind = data;

	if (mnl_attr_get_type(a) == TCA_KIND && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
		*kind = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

static int clsact_cb(const struct nlmsghdr *nlh, void *data)
{
	struct scrub *s = data;
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	const char *kind = NULL;

	if (nlh->nlmsg_type != RTM_NEWQDISC || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*tcm)))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*tcm), kind_attr, &kind);
	if (kind && !strcmp(kind, "clsact") && tcm->tcm_parent == TC_H_CLSACT &&
	    s->n_clsact < SCRUB_MAX_DEVS)
		s->clsact[s->n_clsact++] = tcm->tcm_ifindex;
	return MNL_CB_OK;
}

static bool has_clsact(const struct scrub *s, int ifindex)
{
	for (size_t i = 0; i < s->n_clsact; i++)
		if (s->clsact[i] == ifindex)
			return true;
	return false;
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWTFILTER)
		(*(unsigned int *)data)++;
	return MNL_CB_OK;
}

/* Filters of anyone on ifindex's clsact, either side: their number. */
static unsigned int filters_left(struct scrub *s, int ifindex)
{
	static const uint32_t side[] = { TC_H_MIN_INGRESS, TC_H_MIN_EGRESS };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int n = 0;

	for (size_t i = 0; i < 2; i++) {
		tc_msg_put(buf, RTM_GETTFILTER, NLM_F_DUMP, ifindex,
			   TC_H_MAKE(TC_H_CLSACT, side[i]));
		if (scrub_talk(s, buf, count_cb, &n))
			n++;	/* cannot tell: not empty */
	}
	return n;
}

/* ---- removing ours ---------------------------------------------------------- */

/* Our filter on one side of ifindex's clsact: 1 removed, 0 none there. */
static int filter_del(struct scrub *s, int ifindex, bool ingress)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct tcmsg *tcm = tc_msg_put(buf, RTM_DELTFILTER, NLM_F_ACK, ifindex,
				       TC_H_MAKE(TC_H_CLSACT,
						 ingress ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS));

	tcm->tcm_handle = GD_FP_TC_HANDLE;
	tcm->tcm_info = TC_H_MAKE((uint32_t)GD_FP_TC_PRIO << 16, htons(ETH_P_ALL));
	mnl_attr_put_strz((struct nlmsghdr *)buf, TCA_KIND, "bpf");
	return scrub_talk(s, buf, NULL, NULL) ? 0 : 1;
}

static int clsact_del(struct scrub *s, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct tcmsg *tcm = tc_msg_put(buf, RTM_DELQDISC, NLM_F_ACK, ifindex, TC_H_CLSACT);

	tcm->tcm_handle = TC_H_MAKE(TC_H_CLSACT, 0);
	mnl_attr_put_strz((struct nlmsghdr *)buf, TCA_KIND, "clsact");
	return scrub_talk(s, buf, NULL, NULL);
}

/* The clsact qdiscs the predecessor made (its fp-qdiscs), each when no
 * filter is left on it: another's filter added since keeps it. */
static void qdiscs_remove(struct scrub *s)
{
	char dir[256], path[320];
	int ifindex;
	FILE *f;

	if (runtime_dir(dir, sizeof(dir), false) < 0)
		return;
	snprintf(path, sizeof(path), "%s/%s/%s", dir, RUNTIME_DAEMON_DIR, GD_FP_QDISC_FILE);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fscanf(f, "%d", &ifindex) == 1)
		if (ifindex > 0 && has_clsact(s, ifindex) && !filters_left(s, ifindex) &&
		    !clsact_del(s, ifindex))
			s->qdiscs++;
	fclose(f);
	unlink(path);
}

/* Every pin in this namespace's directory, whatever its ABI version. */
static void pins_remove(struct scrub *s)
{
	char dir[192];
	struct statfs sf;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (statfs(GD_FP_BPFFS, &sf) < 0 || (unsigned long)sf.f_type != GD_FP_BPF_FS_MAGIC ||
	    stat("/proc/self/ns/net", &st) < 0)
		return;
	snprintf(dir, sizeof(dir), "%s/gretun/net-%lu", GD_FP_BPFFS, (unsigned long)st.st_ino);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && !unlinkat(dirfd(d), de->d_name, 0))
			s->pins++;
	closedir(d);
	rmdir(dir);
	rmdir(GD_FP_BPFFS "/gretun");	/* another namespace's keeps it */
}

/* Our filters off every clsact of the namespace but those keep says it
 * holds (keep NULL: every one); with all, the predecessor's qdiscs and
 * pins too. */
static int scrub(gd_fp_keep_fn *keep, void *arg, unsigned int *filters, unsigned int *qdiscs,
		 unsigned int *pins)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct scrub *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->seq = (unsigned int)time(NULL);
	s->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!s->nl) {
		ret = -errno;
		goto out;
	}
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	s->portid = mnl_socket_get_portid(s->nl);
	tc_msg_put(buf, RTM_GETQDISC, NLM_F_DUMP, 0, 0);
	ret = scrub_talk(s, buf, clsact_cb, s);
	if (ret)
		goto out;
	for (size_t i = 0; i < s->n_clsact; i++)
		for (int side = 0; side < 2; side++)
			if (!keep || !keep(arg, s->clsact[i], side == 0))
				s->filters += (unsigned int)filter_del(s, s->clsact[i], side == 0);
	if (!keep) {
		qdiscs_remove(s);
		pins_remove(s);
	}
	*filters = s->filters;
	*qdiscs = s->qdiscs;
	*pins = s->pins;
out:
	if (s->nl)
		mnl_socket_close(s->nl);
	free(s);
	return ret;
}

void gd_fp_scrub(struct gd *gd)
{
	const char *why = gd_fp_none(gd);
	unsigned int filters = 0, qdiscs = 0, pins = 0;
	int ret;

	if (!why)
		return;	/* its own fast path replaces the predecessor's */
	ret = scrub(NULL, NULL, &filters, &qdiscs, &pins);
	if (ret)
		gd_log(LOG_ERR, "cannot remove a previous gretund's fast path: %s", strerror(-ret));
	else if (filters || qdiscs || pins)
		gd_log(LOG_WARNING, "removed the previous gretund's fast path (%u filters, "
		       "%u clsact qdiscs, %u pins): this gretund serves its tunnels "
		       "itself (%s)", filters, qdiscs, pins, why);
}

int gd_fp_tc_sweep(gd_fp_keep_fn *keep, void *arg, unsigned int *filters)
{
	unsigned int qdiscs, pins;

	return scrub(keep, arg, filters, &qdiscs, &pins);
}
