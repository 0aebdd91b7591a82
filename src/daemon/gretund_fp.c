// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The in-kernel fast path, gretund's side (gretund(8), FAST PATH).
 *
 * Where: the pins live in a bpffs at /sys/fs/bpf (mounted there by us when
 * nothing is, as systemd does at boot), below gretun/net-INODE, the network
 * namespace's inode as in /run/gretun/net-INODE. `ip netns exec` gives each
 * command its own /sys: the mount is then in gretund's mount namespace,
 * which its successors (restart, a supervisor's new worker) share.
 *
 * Who owns what: the maps and programs are pinned; the TC filters (our own
 * handle and priority on clsact) hold the programs; the clsact qdiscs we
 * created are listed in gretund's runtime directory (fp-qdiscs), so that a
 * successor removes only those. A restart or a crash leaves all of it in
 * place and the fast path forwards meanwhile; the next gretund adopts it.
 * The last fast-path tunnel's `down' removes every filter, our qdiscs and
 * the pins.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gretund_fp.h"

#ifdef HAVE_BPF

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <pwd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cap-ng.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "field.h"
#include "fp_abi.h"
#include "gretun_fp.skel.h"
#include "gretund_log.h"
#include "gretund_loop.h"
#include "gretund_proto.h"
#include "gretund_table.h"
#include "runtime.h"

#define FP_BPFFS	GD_FP_BPFFS
#define FP_BPF_FS_MAGIC	GD_FP_BPF_FS_MAGIC
#define FP_TC_HANDLE	GD_FP_TC_HANDLE
#define FP_TC_PRIO	GD_FP_TC_PRIO
#define FP_MAX_DEVS	64
#define FP_QDISC_FILE	GD_FP_QDISC_FILE

enum { FP_MAP_TX, FP_MAP_RX, FP_MAP_STATS, FP_PROG_EGRESS, FP_PROG_INGRESS, FP_N_OBJ };

static const char *const fp_obj_name[FP_N_OBJ] = {
	"fp_tx", "fp_rx", "fp_stats", "gretun_egress", "gretun_ingress",
};

/* An underlay device and the tunnels whose ingress program is on it. */
struct fp_dev {
	int ifindex;
	unsigned int users;
};

struct gd_fp {
	struct gd_watch links;	/* rtnetlink link events: devices up/down */
	int fd[FP_N_OBJ];	/* -1: not loaded */
	char dir[160];		/* the pin directory */
	bool pinned;
	char why[96];		/* why no fast path at all, "" if loaded */
	int ncpu;
	uint8_t used[FP_MAX_TUNNELS / 8];	/* stats ids */
	struct fp_dev dev[FP_MAX_DEVS];
	int qdisc[FP_MAX_DEVS];	/* ifindexes whose clsact is ours */
	size_t n_qdisc;
	unsigned int n_on;	/* tunnels it serves */
};

static int fp_silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* ---- the qdiscs that are ours, kept across restarts ----------------------- */

static int qdisc_path(char *buf, size_t len)
{
	char dir[256];
	int ret = runtime_dir(dir, sizeof(dir), false), n;

	if (ret < 0)
		return ret;
	n = snprintf(buf, len, "%s/%s/%s", dir, RUNTIME_DAEMON_DIR, FP_QDISC_FILE);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void qdisc_load(struct gd_fp *fp)
{
	char path[320];
	FILE *f;
	int ifindex;

	if (qdisc_path(path, sizeof(path)) || !(f = fopen(path, "re")))
		return;
	while (fp->n_qdisc < FP_MAX_DEVS && fscanf(f, "%d", &ifindex) == 1)
		if (ifindex > 0)
			fp->qdisc[fp->n_qdisc++] = ifindex;
	fclose(f);
}

static void qdisc_save(const struct gd_fp *fp)
{
	char path[320], tmp[330];
	FILE *f;
	int fd;

	if (qdisc_path(path, sizeof(path)))
		return;
	if (!fp->n_qdisc) {
		unlink(path);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return;
	}
	for (size_t i = 0; i < fp->n_qdisc; i++)
		fprintf(f, "%d\n", fp->qdisc[i]);
	if (fclose(f) || rename(tmp, path))
		unlink(tmp);
}

static bool qdisc_ours(const struct gd_fp *fp, int ifindex, size_t *at)
{
	for (size_t i = 0; i < fp->n_qdisc; i++) {
		if (fp->qdisc[i] == ifindex) {
			if (at)
				*at = i;
			return true;
		}
	}
	return false;
}

/* ---- TC attachments -------------------------------------------------------- */

static int fp_attach(struct gd_fp *fp, int ifindex, bool ingress)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FP_TC_HANDLE, .priority = FP_TC_PRIO,
			    .prog_fd = fp->fd[ingress ? FP_PROG_INGRESS : FP_PROG_EGRESS],
			    .flags = BPF_TC_F_REPLACE);
	int ret = bpf_tc_hook_create(&hook);

	if (ret == 0 && !qdisc_ours(fp, ifindex, NULL) && fp->n_qdisc < FP_MAX_DEVS) {
		fp->qdisc[fp->n_qdisc++] = ifindex;
		qdisc_save(fp);
	} else if (ret && ret != -EEXIST) {
		return ret;
	}
	return bpf_tc_attach(&hook, &opts);
}

/* Our filter off the device; the clsact too when we made it and no filter
 * of ours is left on it (other filters go with it only if we made it, and
 * we never put any but ours there). */
static void fp_detach(struct gd_fp *fp, int ifindex, bool ingress, bool other_side_ours)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FP_TC_HANDLE, .priority = FP_TC_PRIO);
	size_t at;

	bpf_tc_detach(&hook, &opts);
	if (other_side_ours || !qdisc_ours(fp, ifindex, &at))
		return;
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	bpf_tc_hook_destroy(&hook);
	fp->qdisc[at] = fp->qdisc[--fp->n_qdisc];
	qdisc_save(fp);
}

/* The last fast-path tunnel went: every clsact we made goes too (one left
 * by a device that vanished, an attachment that failed half-way). */
static void qdisc_remove_all(struct gd_fp *fp)
{
	for (size_t i = 0; i < fp->n_qdisc; i++) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = fp->qdisc[i],
				    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

		bpf_tc_hook_destroy(&hook);
	}
	fp->n_qdisc = 0;
	qdisc_save(fp);
}

static struct fp_dev *dev_find(struct gd_fp *fp, int ifindex)
{
	for (size_t i = 0; i < FP_MAX_DEVS; i++)
		if (fp->dev[i].ifindex == ifindex)
			return &fp->dev[i];
	return NULL;
}

/* The ingress program on ifindex, once for all the tunnels using it. */
static int underlay_get(struct gd_fp *fp, int ifindex)
{
	struct fp_dev *d = dev_find(fp, ifindex);
	int ret;

	if (d) {
		d->users++;
		return 0;
	}
	d = dev_find(fp, 0);
	if (!d)
		return -ENOSPC;
	ret = fp_attach(fp, ifindex, true);
	if (ret)
		return ret;
	d->ifindex = ifindex;
	d->users = 1;
	return 0;
}

static bool egress_ours(struct gd *gd, int ifindex)
{
	for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next)
		if (gt->fp_on && gt->ifindex == ifindex)
			return true;
	return false;
}

static void underlay_put(struct gd *gd, int ifindex)
{
	struct fp_dev *d = dev_find(gd->fp, ifindex);

	if (!d || --d->users)
		return;
	d->ifindex = 0;
	fp_detach(gd->fp, ifindex, true, egress_ours(gd, ifindex));
}

/* ---- the route to the remote ----------------------------------------------- */

struct route_ctx {
	int family;
	int oif;
	union inet_addr src;
	bool has_src;
};

static int route_attr(const struct nlattr *a, void *data)
{
	struct route_ctx *c = data;
	size_t alen = c->family == AF_INET6 ? 16 : 4;

	switch (mnl_attr_get_type(a)) {
	case RTA_OIF:
		if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			c->oif = (int)mnl_attr_get_u32(a);
		break;
	case RTA_PREFSRC:
		if (mnl_attr_get_payload_len(a) == alen) {
			memcpy(c->src.bytes, mnl_attr_get_payload(a), alen);
			c->has_src = true;
		}
		break;
	}
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	return mnl_attr_parse(nlh, sizeof(struct rtmsg), route_attr, data);
}

/* The device and source address the kernel would send t's packets to dst
 * with (RTM_GETROUTE with t's local, fwmark and device, as its sockets do). */
static int route_lookup(const struct tunnel *t, const union inet_addr *dst, int *oif,
			union inet_addr *src)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct route_ctx c = { .family = t->family };
	size_t alen = t->family == AF_INET6 ? 16 : 4;
	struct mnl_socket *nl;
	struct rtmsg *rtm;
	unsigned int seq = (unsigned int)time(NULL), portid;
	ssize_t n;
	int ret;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)t->family;
	rtm->rtm_dst_len = (uint8_t)(alen * 8);
	mnl_attr_put(nlh, RTA_DST, alen, dst->bytes);
	if (t->flags & TUNNEL_HAS_LOCAL) {
		rtm->rtm_src_len = (uint8_t)(alen * 8);
		mnl_attr_put(nlh, RTA_SRC, alen, t->local.bytes);
	}
	if (t->fwmark)
		mnl_attr_put_u32(nlh, RTA_MARK, t->fwmark);
	if (t->dev[0]) {
		unsigned int idx = if_nametoindex(t->dev);

		if (!idx)
			return -ENODEV;
		mnl_attr_put_u32(nlh, RTA_OIF, idx);
	}
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	ret = mnl_cb_run(buf, (size_t)n, seq, portid, route_cb, &c);
	ret = ret < 0 ? -errno : 0;
	if (!ret && c.oif <= 0)
		ret = -ENETUNREACH;
	if (!ret) {
		*oif = c.oif;
		if (t->flags & TUNNEL_HAS_LOCAL)
			*src = t->local;
		else if (c.has_src)
			*src = c.src;
		else
			ret = -EADDRNOTAVAIL;
	}
out:
	mnl_socket_close(nl);
	return ret;
}

/* ---- map entries -------------------------------------------------------- */

/* The key of t's packets: from its remote, or from the peer a learning
 * tunnel learned (false while it has learned none: it has no entry, and
 * its packets miss and go to gretund, which learns). */
static bool rx_key(const struct tunnel *t, struct fp_rx_key *k)
{
	size_t alen = t->family == AF_INET6 ? 16 : 4;

	memset(k, 0, sizeof(*k));
	if (tunnel_learns(t) && !(t->flags & TUNNEL_HAS_LEARNED))
		return false;
	k->ipv6 = t->family == AF_INET6;
	k->tap = tunnel_mode_is_tap(t->mode);
	k->udp = t->encap == ENCAP_UDP;
	if (k->udp)
		k->udp_dport = htons(t->encap_dport);
	if (t->iflags & GRE_OPT_KEY) {
		k->has_key = !k->ipv6;
		k->key = htonl(t->ikey);
	}
	if (t->flags & TUNNEL_HAS_LOCAL)
		memcpy(k->local, t->local.bytes, alen);
	memcpy(k->remote, tunnel_learns(t) ? t->learned.addr.bytes : t->remote.bytes, alen);
	return true;
}

static int id_alloc(struct gd *gd, struct gd_tunnel *gt)
{
	struct gd_fp *fp = gd->fp;
	struct fp_tx tx;
	struct fp_rx rx;
	struct fp_rx_key k;
	uint32_t id = FP_MAX_TUNNELS;
	__u32 key = (__u32)gt->ifindex;

	if (gt->fp_has_id)
		return 0;
	/* the one it had before a restart or a crash: its counters go on */
	if (!bpf_map_lookup_elem(fp->fd[FP_MAP_TX], &key, &tx))
		id = tx.id;
	else if (rx_key(&gt->t, &k) && !bpf_map_lookup_elem(fp->fd[FP_MAP_RX], &k, &rx))
		id = rx.id;
	if (id >= FP_MAX_TUNNELS || (fp->used[id / 8] & (1u << (id % 8)))) {
		size_t sz = sizeof(struct fp_stats) * (size_t)fp->ncpu;
		void *zero;

		for (id = 0; id < FP_MAX_TUNNELS; id++)
			if (!(fp->used[id / 8] & (1u << (id % 8))))
				break;
		if (id == FP_MAX_TUNNELS)
			return -ENOSPC;
		zero = calloc(1, sz);
		if (!zero)
			return -ENOMEM;
		bpf_map_update_elem(fp->fd[FP_MAP_STATS], &id, zero, BPF_ANY);
		free(zero);
	}
	fp->used[id / 8] |= (uint8_t)(1u << (id % 8));
	gt->fp_id = id;
	gt->fp_has_id = true;
	return 0;
}

static void id_free(struct gd_fp *fp, struct gd_tunnel *gt)
{
	if (!gt->fp_has_id)
		return;
	fp->used[gt->fp_id / 8] &= (uint8_t)~(1u << (gt->fp_id % 8));
	gt->fp_has_id = false;
}

/* The tunnel gretund's demux (gd_table_lookup) gives a packet of key k to:
 * k's local as the destination, k's remote as the source. */
static struct gd_tunnel *rx_owner(struct gd *gd, const struct fp_rx_key *k)
{
	struct gd_rx_key rk;
	size_t alen = k->ipv6 ? 16 : 4;

	memset(&rk, 0, sizeof(rk));
	rk.family = k->ipv6 ? AF_INET6 : AF_INET;
	memcpy(rk.src.bytes, k->remote, alen);
	memcpy(rk.dst.bytes, k->local, alen);
	rk.udp = k->udp;
	rk.dport = ntohs(k->udp_dport);
	/* IPv6 compares the key's value only (absent = 0) */
	rk.has_key = k->ipv6 ? k->key != 0 : k->has_key;
	rk.key = ntohl(k->key);
	rk.tap = k->tap;
	return gd_table_lookup(gd, &rk);
}

/* Another learning tunnel learned the same key as gt. */
static bool rx_key_shared(struct gd *gd, const struct gd_tunnel *gt, const struct fp_rx_key *k)
{
	struct fp_rx_key o;

	for (struct gd_tunnel *l = gd->learners; l; l = l->hnext)
		if (l != gt && rx_key(&l->t, &o) && !memcmp(&o, k, sizeof(o)))
			return true;
	return false;
}

/*
 * fp_rx at key k, from the table as it is now: the entry of the tunnel
 * gretund's demux picks for such packets when k is that tunnel's own key,
 * else none (such packets go to gretund). So a static tunnel keeps its key
 * against a learning one that learned the same peer (the demux tries every
 * exact remote first), a learned peer that a longer prefix or a static
 * wildcard-local tunnel would take is no fast-path key of its tunnel, and
 * two learning tunnels that learned the same key share a slow entry.
 */
static void rx_sync(struct gd *gd, const struct fp_rx_key *k)
{
	struct gd_fp *fp = gd->fp;
	struct gd_tunnel *gt = rx_owner(gd, k);
	const struct tunnel *t = gt ? &gt->t : NULL;
	struct fp_rx_key own;
	struct fp_rx v = { 0 };

	if (!gt || !gt->fp_has_id || !rx_key(t, &own) || memcmp(&own, k, sizeof(own))) {
		bpf_map_delete_elem(fp->fd[FP_MAP_RX], k);
		return;
	}
	v.id = gt->fp_id;
	v.tun_ifindex = (__u32)gt->ifindex;
	if (!gt->fp_on || gt->fp_dev_down)
		v.flags |= FP_RX_SLOW;
	if (tunnel_learns(t)) {
		if (rx_key_shared(gd, gt, k))
			v.flags |= FP_RX_SLOW;
		/* only from the learned port: another one is the peer moving,
		 * which gretund must see to learn it */
		if (t->encap == ENCAP_UDP)
			v.peer_port = htons(t->learned.port);
	}
	if (tunnel_mode_is_tap(t->mode))
		v.flags |= FP_RX_TAP;
	if (t->iflags & GRE_OPT_KEY)
		v.flags |= FP_RX_KEY;
	bpf_map_update_elem(fp->fd[FP_MAP_RX], k, &v, BPF_ANY);
}

static void rx_sync_tunnel(struct gd *gd, const struct gd_tunnel *gt)
{
	struct fp_rx_key k;

	if (rx_key(&gt->t, &k))
		rx_sync(gd, &k);
}

/* A learning tunnel's key has a verdict that depends on every other
 * tunnel: all of them again after any change. */
static void rx_sync_learners(struct gd *gd)
{
	for (struct gd_tunnel *l = gd->learners; l; l = l->hnext)
		rx_sync_tunnel(gd, l);
}

static int tx_write(struct gd *gd, struct gd_tunnel *gt, const union inet_addr *src)
{
	struct gd_fp *fp = gd->fp;
	const struct tunnel *t = &gt->t;
	struct fp_tx v = {
		.id = gt->fp_id,
		.underlay_ifindex = (__u32)gt->fp_underlay,
		.mtu = gt->pmtu,
		.fwmark = t->fwmark,
		.ttl = t->ttl,
		.tos = t->tos,
		.flow_seed = gd->flow_seed,
	};
	__u32 key = (__u32)gt->ifindex;
	size_t alen = t->family == AF_INET6 ? 16 : 4;
	union inet_addr dst;
	uint16_t dport = 0;
	/* where gretund sends (tunnel_xmit): the remote, or the learned peer
	 * and port; nothing learned yet: gretund's, which drops and counts */
	bool peer = gd_tunnel_peer(gt, &dst, &dport);

	if (!peer)
		memset(&dst, 0, sizeof(dst));
	if (tunnel_mode_is_tap(t->mode))
		v.flags |= FP_TX_TAP;
	if (t->family == AF_INET6)
		v.flags |= FP_TX_IPV6;
	if (t->encap == ENCAP_UDP) {
		v.flags |= FP_TX_UDP;
		v.encap_dport = htons(dport);
		/* a fixed port, or for a learning tunnel or one with a
		 * persistent keepalive its own listening port (a NAT keeps one
		 * mapping); 0: the flow hash */
		v.encap_sport = htons(gd_tunnel_sport(t));
	}
	if (t->oflags & GRE_OPT_KEY) {
		v.flags |= FP_TX_KEY;
		v.okey = htonl(t->okey);
	}
	if (t->tos_inherit)
		v.flags |= FP_TX_TOS_INHERIT;
	if (t->pmtudisc)
		v.flags |= FP_TX_PMTUDISC;
	if (t->ignore_df)
		v.flags |= FP_TX_IGNORE_DF;
	if (!gt->fp_on || !gt->fp_underlay || !peer)
		v.flags |= FP_TX_SLOW;
	memcpy(v.local, src->bytes, alen);
	memcpy(v.remote, dst.bytes, alen);
	if (bpf_map_update_elem(fp->fd[FP_MAP_TX], &key, &v, BPF_ANY))
		return -errno;
	gt->fp_mtu = v.mtu;
	return 0;
}

/* ---- the tunnel devices' state ---------------------------------------------- */

/* A packet for a tunnel whose device is down: Linux and gretund answer
 * ICMP port unreachable, a redirect into the device would drop it. So
 * receive is gretund's while the device is down (FP_RX_SLOW), told by
 * rtnetlink as it changes. */
static bool dev_is_down(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool down = true;

	if (fd < 0)
		return true;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr))
		down = !(ifr.ifr_flags & IFF_UP);
	close(fd);
	return down;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct gd *gd = data;
	const struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(nlh);
	for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next) {
		bool down = !(ifi->ifi_flags & IFF_UP);

		if (gt->ifindex != ifi->ifi_index || !gt->fp_has_id || down == gt->fp_dev_down)
			continue;
		gt->fp_dev_down = down;
		rx_sync_tunnel(gd, gt);
	}
	return MNL_CB_OK;
}

static void links_event(struct gd *gd, struct gd_watch *w, uint32_t events)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;

	(void)events;
	while ((n = recv(w->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		mnl_cb_run(buf, (size_t)n, 0, 0, link_cb, gd);
	if (n < 0 && errno == ENOBUFS) {
		/* events lost: ask every device again */
		for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next) {
			if (!gt->fp_has_id)
				continue;
			gt->fp_dev_down = dev_is_down(gt->t.name);
			rx_sync_tunnel(gd, gt);
		}
	}
}

/* The link events, once the loop runs (the first tunnel). */
static void links_watch(struct gd *gd)
{
	struct gd_fp *fp = gd->fp;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd;

	if (fp->links.fd >= 0 || gd->epfd < 0)
		return;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return;
	}
	fp->links.fd = fd;
	fp->links.fn = links_event;
	if (gd_loop_add(gd, &fp->links, EPOLLIN)) {
		close(fd);
		fp->links.fd = -1;
	}
}

/* A veth with tx checksumming hands a locally sent TCP/UDP segment to the
 * other namespace with its checksum still to be filled in (and a TSO
 * super-packet unsegmented): the kernel and the fast path's programs there
 * take it as it is (fastpath_csum.sh), but a gretund on its own path there
 * reads it from its raw or UDP socket unfilled and delivers a bad checksum,
 * as it would from the kernel's own tunnels. A NIC fills it in. gretund
 * cannot know which peer it has, so auto keeps such tunnels gretund's. */
static bool underlay_partial_csum(int ifindex)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ethtool_value tx = { .cmd = ETHTOOL_GTXCSUM };
	struct ifreq ifr = { 0 };
	bool partial = false;
	int fd;

	if (!if_indextoname((unsigned int)ifindex, ifr.ifr_name))
		return false;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	ifr.ifr_data = (char *)&di;
	if (!ioctl(fd, SIOCETHTOOL, &ifr) && !strcmp(di.driver, "veth")) {
		ifr.ifr_data = (char *)&tx;
		partial = !ioctl(fd, SIOCETHTOOL, &ifr) && tx.data;
	}
	close(fd);
	return partial;
}

/* ---- which tunnels it serves ---------------------------------------------- */

/* Why gretund's path serves t whatever the kernel can do, or NULL. */
static const char *fp_refuses(const struct gd *gd, const struct tunnel *t)
{
	if (t->datapath == DATAPATH_USERSPACE)
		return "Datapath=userspace";
	if (!gd->fp->ncpu)
		return gd->fp->why;
	if ((t->iflags | t->oflags) & GRE_OPT_CSUM)
		return "GRE checksums are gretund's";
	if ((t->iflags | t->oflags) & GRE_OPT_SEQ)
		return "GRE sequence numbers are gretund's";
	/* Cisco keepalives; a persistent keepalive is gretund's too, but the
	 * data beside it can be the fast path's (gd_pka_tick reads its
	 * counters), and so can a learning tunnel's (the maps follow the
	 * learned peer) */
	if (t->keepalive_interval)
		return "keepalives are gretund's";
	if (t->encap == ENCAP_UDP && t->family == AF_INET6)
		return "GRE-in-UDP over IPv6 is gretund's (its UDP checksum)";
	/* every other mode is the fast path's with auto too: fastpath.sh,
	 * fastpath_csum.sh and the VM's interop and differential tests run
	 * each against gretund and the kernel */
	return NULL;
}

static void why_errno(struct gd_tunnel *gt, const char *what, int err)
{
	snprintf(gt->fp_why, sizeof(gt->fp_why), "%s: %s", what, strerror(-err));
}

/* Off the fast path: gretund reads what the device queues again. */
static void fp_off(struct gd *gd, struct gd_tunnel *gt)
{
	struct gd_fp *fp = gd->fp;
	__u32 key = (__u32)gt->ifindex;

	if (!gt->fp_on)
		return;
	gt->fp_on = false;
	fp->n_on--;
	bpf_map_delete_elem(fp->fd[FP_MAP_TX], &key);
	fp_detach(fp, gt->ifindex, false, dev_find(fp, gt->ifindex) != NULL);
	if (gt->fp_underlay)
		underlay_put(gd, gt->fp_underlay);
	gt->fp_underlay = 0;
}

/* gt on the fast path from its fp_underlay and fp_src: fp_tx written and
 * the egress program attached, or off again with gt->fp_why said. */
static int fp_start(struct gd *gd, struct gd_tunnel *gt)
{
	struct gd_fp *fp = gd->fp;
	int ret;

	gt->fp_on = true;
	fp->n_on++;
	ret = tx_write(gd, gt, &gt->fp_src);
	if (ret) {
		why_errno(gt, "fp_tx", ret);
		goto fail;
	}
	ret = fp_attach(fp, gt->ifindex, false);
	if (ret) {
		snprintf(gt->fp_why, sizeof(gt->fp_why), "cannot attach to %s: %s", gt->t.name,
			 strerror(-ret));
		goto fail;
	}
	gt->fp_at = time(NULL);
	return 0;
fail:
	fp_off(gd, gt);
	return ret;
}

/* A learning tunnel on the fast path before it has a peer, or while the
 * route to its peer fails: attached, its fp_tx slow (gretund drops and
 * counts, as without the fast path) until a peer is learned or the route
 * comes back (fp_refresh). */
static int fp_on_learner(struct gd *gd, struct gd_tunnel *gt)
{
	struct gd_fp *fp = gd->fp;
	union inet_addr dst;
	uint16_t dport;
	int oif = 0;

	/* auto checks the underlay before it takes a tunnel (a veth that
	 * hands on unfilled checksums), which is not known before the peer */
	if (gt->t.datapath == DATAPATH_AUTO) {
		snprintf(gt->fp_why, sizeof(gt->fp_why),
			 "a learning tunnel's underlay is known only once it learns (Datapath=bpf forces)");
		return -EOPNOTSUPP;
	}
	memset(&gt->fp_src, 0, sizeof(gt->fp_src));
	if (gd_tunnel_peer(gt, &dst, &dport) &&
	    !route_lookup(&gt->t, &dst, &oif, &gt->fp_src) && oif != gt->ifindex &&
	    !underlay_get(fp, oif))
		gt->fp_underlay = oif;
	return fp_start(gd, gt);
}

/* Route, attachments, fp_tx: 0, or -errno with gt->fp_why said. */
static int fp_on(struct gd *gd, struct gd_tunnel *gt)
{
	struct gd_fp *fp = gd->fp;
	union inet_addr src;
	int oif, ret;

	if (tunnel_learns(&gt->t))
		return fp_on_learner(gd, gt);
	ret = route_lookup(&gt->t, &gt->t.remote, &oif, &src);
	if (ret) {
		why_errno(gt, "no route to the remote", ret);
		return ret;
	}
	if (oif == gt->ifindex) {
		snprintf(gt->fp_why, sizeof(gt->fp_why), "the route to the remote is the tunnel itself");
		return -ELOOP;
	}
	if (gt->t.datapath == DATAPATH_AUTO && underlay_partial_csum(oif)) {
		char ifname[IF_NAMESIZE] = "?";

		if_indextoname((unsigned int)oif, ifname);
		snprintf(gt->fp_why, sizeof(gt->fp_why),
			 "underlay %s is a veth with tx checksumming (Datapath=bpf forces)", ifname);
		return -EOPNOTSUPP;
	}
	ret = underlay_get(fp, oif);
	if (ret) {
		char ifname[IF_NAMESIZE] = "?";

		if_indextoname((unsigned int)oif, ifname);
		snprintf(gt->fp_why, sizeof(gt->fp_why), "cannot attach to %s: %s", ifname,
			 strerror(-ret));
		return ret;
	}
	gt->fp_underlay = oif;
	gt->fp_src = src;
	return fp_start(gd, gt);
}

static int fp_pin_all(struct gd_fp *fp);
static void fp_unpin_all(struct gd_fp *fp);

static void fp_tunnel_set(struct gd *gd, struct gd_tunnel *gt)
{
	struct gd_fp *fp = gd->fp;
	const char *why = fp_refuses(gd, &gt->t);
	int ret;

	gt->fp_why[0] = '\0';
	if (why)
		snprintf(gt->fp_why, sizeof(gt->fp_why), "%s", why);
	if (!fp->ncpu)
		return;
	ret = id_alloc(gd, gt);
	if (ret && !why) {
		why_errno(gt, "no fast-path stats id", ret);
		why = gt->fp_why;
	}
	links_watch(gd);
	gt->fp_dev_down = dev_is_down(gt->t.name);
	if (!why && !fp->pinned && (ret = fp_pin_all(fp)))
		why_errno(gt, "cannot pin in " FP_BPFFS, ret);
	else if (!why && !gt->fp_on)
		fp_on(gd, gt);
	if (gt->fp_why[0])
		fp_off(gd, gt);
	if (gt->fp_has_id)
		rx_sync_tunnel(gd, gt);
	rx_sync_learners(gd);
}

static void fp_tunnel_unset(struct gd *gd, struct gd_tunnel *gt, const struct tunnel *t)
{
	struct gd_fp *fp = gd->fp;
	struct fp_rx_key k;

	fp_off(gd, gt);
	id_free(fp, gt);
	/* its key to whichever tunnel now takes such packets, or none */
	if (rx_key(t, &k))
		rx_sync(gd, &k);
}

/* Only what a learning tunnel learned changed (gd_tunnel_learn). */
static bool peer_moved_only(const struct tunnel *old, const struct tunnel *t)
{
	if (!tunnel_learns(t) || old->family != t->family || strcmp(old->name, t->name))
		return false;
	for (size_t i = 0; i < tunnel_fields_n; i++)
		if (tunnel_fields[i].ctl_bit != CTL_KEY_LEARNED &&
		    !field_equal(&tunnel_fields[i], old, t))
			return false;
	return true;
}

static void fp_refresh(struct gd *gd, struct gd_tunnel *gt, time_t now);

/* The learned peer moved: fp_tx to it (its route, underlay and source
 * address), and the old and new fp_rx keys from the table; the
 * attachments and counters stay. */
static void fp_peer_moved(struct gd *gd, struct gd_tunnel *gt, const struct tunnel *old)
{
	struct fp_rx_key k;

	if (gt->fp_on)
		fp_refresh(gd, gt, time(NULL));
	if (rx_key(old, &k))
		rx_sync(gd, &k);
	rx_sync_learners(gd);
}

void gd_fp_tunnel_event(struct gd *gd, struct gd_tunnel *gt, enum gd_tunnel_event ev,
			const struct tunnel *old)
{
	struct gd_fp *fp = gd->fp;

	if (!fp)
		return;
	switch (ev) {
	case GD_TUNNEL_ADDED:
		fp_tunnel_set(gd, gt);
		break;
	case GD_TUNNEL_CHANGED:
		if (fp->ncpu && gt->fp_has_id && peer_moved_only(old, &gt->t)) {
			fp_peer_moved(gd, gt, old);
			break;
		}
		/* everything again, from the new parameters */
		if (fp->ncpu) {
			bool had = gt->fp_has_id;
			uint32_t id = gt->fp_id;

			fp_tunnel_unset(gd, gt, old);
			if (had) {	/* the same counters */
				fp->used[id / 8] |= (uint8_t)(1u << (id % 8));
				gt->fp_id = id;
				gt->fp_has_id = true;
			}
		}
		fp_tunnel_set(gd, gt);
		break;
	case GD_TUNNEL_REMOVED:
	case GD_TUNNEL_VANISHED:
		if (!fp->ncpu)
			break;
		if (gd->closing)
			break;	/* its device stays, and with it the fast path */
		fp_tunnel_unset(gd, gt, &gt->t);
		rx_sync_learners(gd);
		/* the pins stay while we run: a restart's successor, which
		 * cannot load programs any more, adopts them */
		if (!fp->n_on)
			qdisc_remove_all(fp);
		break;
	}
}

static void fp_refresh(struct gd *gd, struct gd_tunnel *gt, time_t now)
{
	struct gd_fp *fp = gd->fp;
	union inet_addr src = gt->fp_src, dst;
	uint16_t dport;
	int oif, ret;

	gt->fp_at = now;
	gd_tunnel_refresh_pmtu(gt, now);
	/* a learning tunnel that has no peer yet has no route either */
	ret = gd_tunnel_peer(gt, &dst, &dport) ? route_lookup(&gt->t, &dst, &oif, &src)
					       : -EDESTADDRREQ;
	if (!ret && oif == gt->ifindex)
		ret = -ELOOP;
	if (ret) {
		/* no route now: gretund's path says so as it always did */
		if (gt->fp_underlay)
			underlay_put(gd, gt->fp_underlay);
		gt->fp_underlay = 0;
		tx_write(gd, gt, &src);
		return;
	}
	if (oif != gt->fp_underlay) {
		if (underlay_get(fp, oif))
			oif = 0;
		if (gt->fp_underlay)
			underlay_put(gd, gt->fp_underlay);
		gt->fp_underlay = oif;
	}
	gt->fp_src = src;
	tx_write(gd, gt, &src);
}

void gd_fp_tick(struct gd *gd, struct gd_tunnel *gt, time_t now)
{
	if (!gd->fp || !gt->fp_on)
		return;
	if (now - gt->fp_at >= GD_PMTU_REFRESH) {
		fp_refresh(gd, gt, now);
		return;
	}
	/* the kernel learns a smaller path MTU from an ICMP error for a packet
	 * the program sent: from then on such packets must come to gretund,
	 * which tells the inner sender. Compared with what fp_tx has, not with
	 * gt->pmtu before: gretund's own send may have taken the new value
	 * already (EMSGSIZE, tx_fail). */
	gd_tunnel_refresh_pmtu(gt, now);
	if (gt->pmtu != gt->fp_mtu)
		tx_write(gd, gt, &gt->fp_src);
}

const char *gd_fp_datapath(const struct gd_tunnel *gt, const char **why)
{
	*why = gt->fp_on ? "" : gt->fp_why;
	return gt->fp_on ? "bpf" : "userspace";
}

void gd_fp_stats_add(struct gd *gd, const struct gd_tunnel *gt, struct tunnel_stats *st)
{
	struct gd_fp *fp = gd->fp;
	struct fp_stats *v;
	__u32 id = gt->fp_id;

	if (!fp || !fp->ncpu || !gt->fp_has_id)
		return;
	v = calloc((size_t)fp->ncpu, sizeof(*v));
	if (!v)
		return;
	if (!bpf_map_lookup_elem(fp->fd[FP_MAP_STATS], &id, v)) {
		for (int c = 0; c < fp->ncpu; c++) {
			st->tx_packets += v[c].tx_packets;
			st->tx_bytes += v[c].tx_bytes;
			st->rx_packets += v[c].rx_packets;
			st->rx_bytes += v[c].rx_bytes;
			st->tx_errors += v[c].tx_errors;
			st->rx_errors += v[c].rx_ecn_drops + v[c].rx_errors;
			st->drops[GRE_DROP_ECN] += v[c].rx_ecn_drops;
		}
	}
	free(v);
}

uint64_t gd_fp_tx_packets(struct gd *gd, const struct gd_tunnel *gt)
{
	struct tunnel_stats st = { 0 };

	gd_fp_stats_add(gd, gt, &st);
	return st.tx_packets;
}

/* ---- load, adopt, pin ------------------------------------------------------ */

static int fp_dir(struct gd_fp *fp)
{
	struct stat st;
	int n;

	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	n = snprintf(fp->dir, sizeof(fp->dir), "%s/gretun/net-%lu", FP_BPFFS,
		     (unsigned long)st.st_ino);
	return n < 0 || (size_t)n >= sizeof(fp->dir) ? -ENAMETOOLONG : 0;
}

static void pin_path(const struct gd_fp *fp, int i, char *buf, size_t len)
{
	/* no dots: bpffs keeps names with dots for itself (EPERM) */
	snprintf(buf, len, "%s/%s_v%d", fp->dir, fp_obj_name[i], FP_ABI_VERSION);
}

/* A bpffs at /sys/fs/bpf: there already, or mounted by us. */
static int bpffs_ensure(void)
{
	struct statfs sf;

	if (statfs(FP_BPFFS, &sf) < 0)
		return -errno;
	if ((unsigned long)sf.f_type == FP_BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", FP_BPFFS, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700"))
		return -errno;
	return 0;
}

static int fp_pin_all(struct gd_fp *fp)
{
	char path[256];
	int ret;

	if (mkdir(FP_BPFFS "/gretun", 0700) < 0 && errno != EEXIST)
		return -errno;
	if (mkdir(fp->dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	for (int i = 0; i < FP_N_OBJ; i++) {
		pin_path(fp, i, path, sizeof(path));
		unlink(path);	/* an adopted one is this object again */
		ret = bpf_obj_pin(fp->fd[i], path);
		if (ret) {
			ret = -errno;
			fp_unpin_all(fp);
			return ret;
		}
	}
	fp->pinned = true;
	return 0;
}

/* Every pin in our directory (other ABI versions too), and the directory. */
static void fp_unpin_all(struct gd_fp *fp)
{
	DIR *d = opendir(fp->dir);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(fp->dir);
	rmdir(FP_BPFFS "/gretun");
	fp->pinned = false;
}

/* The pinned objects of our ABI version: all five, or none. */
static int fp_adopt(struct gd_fp *fp, int fd[FP_N_OBJ])
{
	char path[256];

	for (int i = 0; i < FP_N_OBJ; i++)
		fd[i] = -1;
	for (int i = 0; i < FP_N_OBJ; i++) {
		pin_path(fp, i, path, sizeof(path));
		fd[i] = bpf_obj_get(path);
		if (fd[i] < 0) {
			int ret = -errno;

			for (int k = 0; k < i; k++) {
				close(fd[k]);
				fd[k] = -1;
			}
			return ret;
		}
	}
	return 0;
}

static bool have_cap(unsigned int cap)
{
	return capng_have_capability(CAPNG_EFFECTIVE, cap) != 0;
}

/* "cannot load the fast path: gretund lacks CAP_BPF, ..." */
static void caps_missing(char *why, size_t whylen, bool mount)
{
	int n = snprintf(why, whylen, "cannot load the fast path: gretund lacks");
	const char *sep = " ";

	if (!have_cap(CAP_BPF)) {
		n += snprintf(why + n, whylen - (size_t)n, "%sCAP_BPF", sep);
		sep = ", ";
	}
	if (!have_cap(CAP_NET_ADMIN)) {
		n += snprintf(why + n, whylen - (size_t)n, "%sCAP_NET_ADMIN", sep);
		sep = ", ";
	}
	if (mount && !have_cap(CAP_SYS_ADMIN))
		snprintf(why + n, whylen - (size_t)n, "%sCAP_SYS_ADMIN (to mount %s)", sep, FP_BPFFS);
}

/* The pinned programs as they are, with the pinned maps: the fds in old
 * become ours. */
static int fp_take_pinned(struct gd_fp *fp, int old[FP_N_OBJ])
{
	for (int i = 0; i < FP_N_OBJ; i++) {
		fp->fd[i] = old[i];
		old[i] = -1;
	}
	fp->pinned = true;
	return 0;
}

/* "cannot load the fast path: Permission denied (...)": the load with
 * CAP_BPF refused, measured on 6.18 for a gretund that has neither
 * CAP_PERFMON nor CAP_SYS_ADMIN (the verifier's checks for programs that
 * have neither are stricter: either one alone loads). */
static void load_failed(char *why, size_t whylen, int err)
{
	snprintf(why, whylen, "cannot load the fast path: %s%s", strerror(-err),
		 (err == -EPERM || err == -EACCES) && !have_cap(CAP_PERFMON) &&
		 !have_cap(CAP_SYS_ADMIN)
		 ? " (gretund lacks CAP_PERFMON and CAP_SYS_ADMIN)" : "");
}

/* Load the programs (with the adopted maps when there are: the tunnels'
 * entries and counters carry on); without CAP_BPF, or should the load
 * fail (a verifier that refuses this build's programs, a capability the
 * load wants besides CAP_BPF), take the pinned programs as they are. */
static int fp_load(struct gd_fp *fp, char *why, size_t whylen)
{
	int old[FP_N_OBJ], ret;
	bool adopted = fp_adopt(fp, old) == 0;
	struct gretun_fp_bpf *skel;
	struct bpf_map *maps[3];

	if (!have_cap(CAP_BPF) || !have_cap(CAP_NET_ADMIN)) {
		if (adopted)
			return fp_take_pinned(fp, old);
		caps_missing(why, whylen, false);
		return -EPERM;
	}
	skel = gretun_fp_bpf__open();
	if (!skel) {
		ret = -errno;
		snprintf(why, whylen, "cannot open the fast path: %s", strerror(-ret));
		goto fallback;
	}
	maps[0] = skel->maps.fp_tx;
	maps[1] = skel->maps.fp_rx;
	maps[2] = skel->maps.fp_stats;
	for (int i = 0; adopted && i < 3; i++)
		if (bpf_map__reuse_fd(maps[i], old[i]))
			adopted = false;	/* not ours after all: new maps */
	ret = gretun_fp_bpf__load(skel);
	if (ret) {
		load_failed(why, whylen, ret);
		goto fallback;
	}
	/* close-on-exec as libbpf's own: a restart's successor that does not
	 * adopt them must not hold them (they would outlive its scrub) */
	for (int i = 0; i < 3; i++)
		fp->fd[i] = fcntl(bpf_map__fd(maps[i]), F_DUPFD_CLOEXEC, 0);
	fp->fd[FP_PROG_EGRESS] = fcntl(bpf_program__fd(skel->progs.gretun_egress), F_DUPFD_CLOEXEC, 0);
	fp->fd[FP_PROG_INGRESS] = fcntl(bpf_program__fd(skel->progs.gretun_ingress), F_DUPFD_CLOEXEC,
					0);
	for (int i = 0; i < FP_N_OBJ; i++) {
		if (fp->fd[i] < 0) {
			ret = -EMFILE;
			snprintf(why, whylen, "cannot load the fast path: %s", strerror(-ret));
			goto out;
		}
	}
	/* adopted: the new programs replace the old ones in the pins now and
	 * in the filters as each tunnel comes back */
	if (adopted && (ret = fp_pin_all(fp)))
		snprintf(why, whylen, "cannot pin in " FP_BPFFS ": %s", strerror(-ret));
	goto out;
fallback:
	/* the maps of our layout with their programs: the predecessor's fast
	 * path goes on, as a successor without CAP_BPF would take it */
	if (adopted) {
		gd_log(LOG_WARNING, "%s: taking the pinned programs of the previous gretund",
		       why);
		why[0] = '\0';
		ret = fp_take_pinned(fp, old);
	}
out:
	gretun_fp_bpf__destroy(skel);
	for (int i = 0; i < FP_N_OBJ; i++)
		if (old[i] >= 0)
			close(old[i]);
	return ret;
}

/* The flow hash seed of the entries already there (a restart, a crash):
 * a flow keeps its GRE-in-UDP source port. */
static void seed_adopt(struct gd *gd)
{
	struct fp_tx v;
	__u32 key;

	if (!bpf_map_get_next_key(gd->fp->fd[FP_MAP_TX], NULL, &key) &&
	    !bpf_map_lookup_elem(gd->fp->fd[FP_MAP_TX], &key, &v))
		gd->flow_seed = v.flow_seed;
}

/*
 * A --user gretund gets no fast path. Its pins would be root's, in a
 * bpffs whose root is mode 0700 (systemd's at /sys/fs/bpf, or ours):
 * the successor of a restart, which runs as USER from the start, could
 * not open them (bpf_obj_get checks the path like a file), so it could
 * neither adopt the attached programs nor remove them at its exit.
 */
static bool fp_user_refused(const struct gd *gd)
{
	struct passwd *pw;

	if (!gd->user)
		return false;
	pw = getpwnam(gd->user);
	return !pw || pw->pw_uid != 0;
}

void gd_fp_open(struct gd *gd)
{
	struct gd_fp *fp = calloc(1, sizeof(*fp));
	int ret;

	if (!fp)
		return;
	gd->fp = fp;
	fp->links.fd = -1;
	for (int i = 0; i < FP_N_OBJ; i++)
		fp->fd[i] = -1;
	if (fp_user_refused(gd)) {
		snprintf(fp->why, sizeof(fp->why),
			 "not for a --user gretund (it could not adopt or remove root's pins)");
		return;
	}
	libbpf_set_print(fp_silent);
	capng_get_caps_process();
	ret = fp_dir(fp);
	if (!ret && (ret = bpffs_ensure()) == -EPERM)
		caps_missing(fp->why, sizeof(fp->why), true);
	else if (ret)
		snprintf(fp->why, sizeof(fp->why), "no bpffs at %s: %s", FP_BPFFS, strerror(-ret));
	if (!ret)
		ret = fp_load(fp, fp->why, sizeof(fp->why));
	if (ret) {
		if (!fp->why[0])
			snprintf(fp->why, sizeof(fp->why), "fast path: %s", strerror(-ret));
		for (int i = 0; i < FP_N_OBJ; i++) {
			if (fp->fd[i] >= 0)
				close(fp->fd[i]);
			fp->fd[i] = -1;
		}
		return;
	}
	seed_adopt(gd);
	fp->ncpu = libbpf_num_possible_cpus();
	if (fp->ncpu <= 0) {
		fp->ncpu = 0;
		snprintf(fp->why, sizeof(fp->why), "cannot count the CPUs");
		return;
	}
	qdisc_load(fp);
	/* pinned at once: a successor (restart) that has no CAP_BPF any more
	 * takes them from there; our exit without fast-path tunnels unpins.
	 * Should it fail now, the first fast-path tunnel tries again and says
	 * why if it fails then. */
	if (!fp->pinned)
		fp_pin_all(fp);
}

/*
 * Whether what gretund does after the load (map reads and writes, taking
 * a pin) needs CAP_BPF on this kernel: asked of the kernel itself by a
 * child that drops it (and CAP_SYS_ADMIN) as gretund is about to. Linux
 * before 5.19 refused every bpf() call without it while unprivileged BPF
 * is disabled; Debian 12's 6.1 (unprivileged_bpf_disabled=2) and later
 * refuse only creating maps and loading programs (measured: gretund(8),
 * FAST PATH). Cannot tell: keep it.
 */
bool gd_fp_needs_cap_bpf(const struct gd *gd)
{
	const struct gd_fp *fp = gd->fp;
	int status;
	pid_t pid;

	if (!fp || !fp->ncpu)
		return false;
	pid = fork();
	if (pid < 0)
		return true;
	if (pid == 0) {
		__u32 key = 0;	/* no ifindex: an entry that is never there */
		char path[256];
		int fd;

		capng_clear(CAPNG_SELECT_CAPS);
		capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_ADMIN,
			      CAP_NET_RAW, -1);
		if (capng_apply(CAPNG_SELECT_CAPS))
			_exit(2);
		if (bpf_map_delete_elem(fp->fd[FP_MAP_TX], &key) && errno == EPERM)
			_exit(1);
		if (bpf_map_get_next_key(fp->fd[FP_MAP_TX], NULL, &key) && errno == EPERM)
			_exit(1);
		if (fp->pinned) {
			pin_path(fp, FP_MAP_TX, path, sizeof(path));
			fd = bpf_obj_get(path);
			if (fd < 0 && errno == EPERM)
				_exit(1);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return true;
	return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

const char *gd_fp_none(const struct gd *gd)
{
	if (!gd->fp)
		return "out of memory";
	return gd->fp->ncpu ? NULL : gd->fp->why;
}

static bool sweep_keep(void *arg, int ifindex, bool ingress)
{
	struct gd *gd = arg;

	return ingress ? dev_find(gd->fp, ifindex) != NULL : egress_ours(gd, ifindex);
}

void gd_fp_sweep(struct gd *gd)
{
	unsigned int n = 0;
	int ret;

	if (!gd->fp || !gd->fp->ncpu)
		return;
	/* the tunnels it does not serve: no entry for a filter to use */
	for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next) {
		__u32 key = (__u32)gt->ifindex;

		if (!gt->fp_on)
			bpf_map_delete_elem(gd->fp->fd[FP_MAP_TX], &key);
	}
	ret = gd_fp_tc_sweep(sweep_keep, gd, &n);
	if (ret)
		gd_log(LOG_ERR, "cannot remove a previous gretund's filters: %s", strerror(-ret));
	else if (n)
		gd_log(LOG_WARNING, "removed %u filters of the previous gretund's fast path "
		       "where this gretund attaches none", n);
}

void gd_fp_close(struct gd *gd)
{
	struct gd_fp *fp = gd->fp;

	if (!fp)
		return;
	/* no tunnel left and nobody to take over: nothing of ours stays */
	if (fp->ncpu && !gd->handed_over && !fp->n_on) {
		qdisc_remove_all(fp);
		fp_unpin_all(fp);
	}
	for (int i = 0; i < FP_N_OBJ; i++)
		if (fp->fd[i] >= 0)
			close(fp->fd[i]);
	if (fp->links.fd >= 0) {
		gd_loop_del(gd, &fp->links);
		close(fp->links.fd);
	}
	free(fp);
	gd->fp = NULL;
}

#else /* !HAVE_BPF */

#define FP_NONE "built without BPF"

void gd_fp_open(struct gd *gd)
{
	(void)gd;
}

bool gd_fp_needs_cap_bpf(const struct gd *gd)
{
	(void)gd;
	return false;
}

void gd_fp_tunnel_event(struct gd *gd, struct gd_tunnel *gt, enum gd_tunnel_event ev,
			const struct tunnel *old)
{
	(void)gd;
	(void)ev;
	(void)old;
	snprintf(gt->fp_why, sizeof(gt->fp_why), "%s",
		 gt->t.datapath == DATAPATH_USERSPACE ? "Datapath=userspace" : FP_NONE);
}

void gd_fp_tick(struct gd *gd, struct gd_tunnel *gt, time_t now)
{
	(void)gd;
	(void)gt;
	(void)now;
}

const char *gd_fp_datapath(const struct gd_tunnel *gt, const char **why)
{
	*why = gt->fp_why;
	return "userspace";
}

void gd_fp_stats_add(struct gd *gd, const struct gd_tunnel *gt, struct tunnel_stats *st)
{
	(void)gd;
	(void)gt;
	(void)st;
}

uint64_t gd_fp_tx_packets(struct gd *gd, const struct gd_tunnel *gt)
{
	(void)gd;
	(void)gt;
	return 0;
}

const char *gd_fp_none(const struct gd *gd)
{
	(void)gd;
	return FP_NONE;
}

void gd_fp_sweep(struct gd *gd)
{
	(void)gd;
}

void gd_fp_close(struct gd *gd)
{
	(void)gd;
}

#endif
