// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The state file, gretund.state in gretund's runtime directory: what a
 * gretund needs to come back after a crash (gretund(8), CRASH RECOVERY).
 * One "create ..." line per tunnel (the control protocol's own request,
 * so the same parser reads it back) and one "state NAME k=v ..." line with
 * its sequence numbers, counters and keepalive state, after a header with
 * the network namespace's cookie: unlike its inode it is never reused, so a
 * file left by a namespace that is gone cannot be taken for ours. The
 * state lines are also what a handover sends (gretund_restart.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gretund_proc.h"
#include "gretund_proto.h"
#include "gretund_state.h"
#include "gretund_table.h"
#include "runtime.h"

#define MSG_MAX	(CTL_LINE_MAX + 64)

int gd_state_format(const struct gd_tunnel *gt, char *buf, size_t size)
{
	const struct tunnel_stats *st = &gt->st;
	size_t len;
	int n;

	n = snprintf(buf, size, "state %s o_seqno=%" PRIu32 " i_seqno=%" PRIu32
		     " rx_packets=%" PRIu64 " rx_bytes=%" PRIu64 " tx_packets=%" PRIu64
		     " tx_bytes=%" PRIu64 " rx_errors=%" PRIu64 " tx_errors=%" PRIu64
		     " tx_dropped=%" PRIu64 " tx_no_endpoint=%" PRIu64 " tx_keepalives=%" PRIu64
		     " rx_keepalives=%" PRIu64 " ka_up=%d ka_last=%" PRId64 " ka_missed=%u drops=",
		     gt->t.name, gt->o_seqno, gt->i_seqno, st->rx_packets, st->rx_bytes,
		     st->tx_packets, st->tx_bytes, st->rx_errors, st->tx_errors, st->tx_dropped,
		     st->tx_no_endpoint, st->tx_keepalives, st->rx_keepalives,
		     st->keepalive_up, st->keepalive_last_reply, gt->ka_missed);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	len = (size_t)n;
	for (int r = GRE_OK + 1; r < GRE_DROP_MAX_; r++) {
		n = snprintf(buf + len, size - len, "%s%" PRIu64, r == GRE_OK + 1 ? "" : ",",
			     st->drops[r]);
		if (n < 0 || (size_t)n >= size - len)
			return -ENOSPC;
		len += (size_t)n;
	}
	return 0;
}

/* The plain counters of a state line, by key. */
static const struct {
	const char *key;
	size_t off;	/* of a uint64_t in struct tunnel_stats */
} state_counters[] = {
	{ "rx_packets", offsetof(struct tunnel_stats, rx_packets) },
	{ "rx_bytes", offsetof(struct tunnel_stats, rx_bytes) },
	{ "tx_packets", offsetof(struct tunnel_stats, tx_packets) },
	{ "tx_bytes", offsetof(struct tunnel_stats, tx_bytes) },
	{ "rx_errors", offsetof(struct tunnel_stats, rx_errors) },
	{ "tx_errors", offsetof(struct tunnel_stats, tx_errors) },
	{ "tx_dropped", offsetof(struct tunnel_stats, tx_dropped) },
	{ "tx_no_endpoint", offsetof(struct tunnel_stats, tx_no_endpoint) },
	{ "tx_keepalives", offsetof(struct tunnel_stats, tx_keepalives) },
	{ "rx_keepalives", offsetof(struct tunnel_stats, rx_keepalives) },
};

static bool counter_apply(struct tunnel_stats *st, const char *key, uint64_t v)
{
	for (size_t i = 0; i < sizeof(state_counters) / sizeof(state_counters[0]); i++) {
		if (!strcmp(key, state_counters[i].key)) {
			memcpy((char *)st + state_counters[i].off, &v, sizeof(v));
			return true;
		}
	}
	return false;
}

int gd_state_apply(struct gd *gd, char *line, uint32_t seq_jump)
{
	char *save = NULL, *tok = strtok_r(line, " \n", &save);
	struct gd_tunnel *gt;

	if (!tok || strcmp(tok, "state") || !(tok = strtok_r(NULL, " \n", &save)))
		return -EINVAL;
	gt = gd_table_find(gd, tok);
	if (!gt)
		return -ENODEV;
	while ((tok = strtok_r(NULL, " \n", &save))) {
		char *eq = strchr(tok, '=');
		unsigned long long v;

		if (!eq)
			return -EINVAL;
		*eq++ = '\0';
		if (!strcmp(tok, "drops")) {
			char *s2 = NULL, *d = strtok_r(eq, ",", &s2);

			for (int r = GRE_OK + 1; d && r < GRE_DROP_MAX_; r++) {
				gt->st.drops[r] = strtoull(d, NULL, 10);
				d = strtok_r(NULL, ",", &s2);
			}
			continue;
		}
		v = strtoull(eq, NULL, 10);
		if (counter_apply(&gt->st, tok, v))
			continue;
		if (!strcmp(tok, "o_seqno"))
			gt->o_seqno = (uint32_t)v + ((gt->t.oflags & GRE_OPT_SEQ) ? seq_jump : 0);
		else if (!strcmp(tok, "i_seqno"))
			gt->i_seqno = (uint32_t)v;
		else if (!strcmp(tok, "ka_up"))
			gt->st.keepalive_up = v != 0;
		else if (!strcmp(tok, "ka_last"))
			gt->st.keepalive_last_reply = (int64_t)v;
		else if (!strcmp(tok, "ka_missed"))
			gt->ka_missed = (unsigned int)v;
		/* unknown keys: a newer gretund handing back to an older one */
	}
	return 0;
}

static void forget_saved(struct gd_tunnel *gt)
{
	free(gt->save_cfg);
	free(gt->save_state);
	gt->save_cfg = gt->save_state = NULL;
	gt->save_cfg_len = gt->save_state_len = 0;
}

static char *dup_line(const char *line, size_t *len)
{
	char *p;

	*len = strlen(line);
	p = malloc(*len + 1);
	if (p)
		memcpy(p, line, *len + 1);
	return p;
}

/* Bring gt's two cached lines up to date: only a tunnel whose counters or
 * sequence numbers moved is formatted again, so a save of 1,000 tunnels of
 * which one carries traffic costs little more than copying. */
static int save_lines(struct gd_tunnel *gt)
{
	char line[MSG_MAX];
	int ret;

	if (!gt->save_cfg) {
		ret = ctl_request_format(line, sizeof(line), CTL_CMD_CREATE, &gt->t);
		if (ret < 0)
			return ret;
		gt->save_cfg = dup_line(line, &gt->save_cfg_len);
		if (!gt->save_cfg)
			return -ENOMEM;
	}
	if (gt->save_state && gt->save_o_seqno == gt->o_seqno &&
	    gt->save_i_seqno == gt->i_seqno && gt->save_ka_missed == gt->ka_missed &&
	    !memcmp(&gt->save_st, &gt->st, sizeof(gt->st)))
		return 0;
	ret = gd_state_format(gt, line, sizeof(line) - 1);
	if (ret)
		return ret;
	strcat(line, "\n");
	free(gt->save_state);
	gt->save_state = dup_line(line, &gt->save_state_len);
	if (!gt->save_state)
		return -ENOMEM;
	gt->save_st = gt->st;
	gt->save_o_seqno = gt->o_seqno;
	gt->save_i_seqno = gt->i_seqno;
	gt->save_ka_missed = gt->ka_missed;
	return 0;
}

int gd_state_save(struct gd *gd)
{
	char path[300], head[64];
	size_t len, need;
	int ret;

	gd->state_saved = time(NULL);
	/* the namespace never changes under a running gretund */
	if (!gd->state_cookie)
		gd->state_cookie = runtime_netns_cookie();
	snprintf(head, sizeof(head), "gretund-state 1\ncookie %" PRIu64 "\n", gd->state_cookie);
	need = strlen(head);
	for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next) {
		ret = save_lines(gt);
		if (ret)
			return ret;
		need += gt->save_cfg_len + gt->save_state_len;
	}
	if (need > gd->state_cap) {
		char *nb = realloc(gd->state_buf, need + need / 4);

		if (!nb)
			return -ENOMEM;
		gd->state_buf = nb;
		gd->state_cap = need + need / 4;
	}
	len = strlen(head);
	memcpy(gd->state_buf, head, len);
	for (struct gd_tunnel *gt = gd->tunnels; gt; gt = gt->next) {
		memcpy(gd->state_buf + len, gt->save_cfg, gt->save_cfg_len);
		len += gt->save_cfg_len;
		memcpy(gd->state_buf + len, gt->save_state, gt->save_state_len);
		len += gt->save_state_len;
	}
	ret = gd_run_path(path, sizeof(path), "gretund.state");
	if (!ret)
		ret = gd_file_replace(path, gd->state_buf, len);
	return ret;
}

void gd_state_fini(struct gd *gd)
{
	free(gd->state_buf);
	gd->state_buf = NULL;
	gd->state_cap = 0;
}

void gd_state_tunnel_event(struct gd *gd, struct gd_tunnel *gt, enum gd_tunnel_event ev,
			   const struct tunnel *old)
{
	(void)old;
	if (ev == GD_TUNNEL_ADDED)
		return;
	forget_saved(gt);
	/* a request's change is saved by the control socket after its reply
	 * is ready; nobody asked for this one */
	if (ev == GD_TUNNEL_VANISHED)
		gd_state_save(gd);
}

void gd_state_remove(void)
{
	char path[300];

	if (!gd_run_path(path, sizeof(path), "gretund.state"))
		unlink(path);
	gd_pidfile_remove();
}

int gd_state_load(struct gd *gd, char *err, size_t errlen)
{
	char path[300], line[MSG_MAX];
	struct ctl_request *req = NULL;
	bool skip = false;
	FILE *f;
	int ret = 0;

	if (gd_run_path(path, sizeof(path), "gretund.state"))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	req = malloc(sizeof(*req));
	if (!req) {
		ret = -ENOMEM;
		goto out;
	}
	if (!fgets(line, sizeof(line), f) || strcmp(line, "gretund-state 1\n"))
		goto out;
	if (!fgets(line, sizeof(line), f) ||
	    strtoull(line + (strncmp(line, "cookie ", 7) ? 0 : 7), NULL, 10) != runtime_netns_cookie())
		goto out;	/* another (gone) namespace's file */
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "create ", 7)) {
			char e[CTL_ERR_MAX];

			skip = true;
			if (ctl_request_parse(line, strlen(line), req, e, sizeof(e)))
				continue;
			/* the device is the truth: one removed meanwhile stays gone */
			if (!if_nametoindex(req->t.name))
				continue;
			ret = gd_tunnel_create(gd, &req->t, e, sizeof(e));
			if (ret) {
				snprintf(err, errlen, "%s: %s", req->t.name, e);
				goto out;
			}
			skip = false;
		} else if (!strncmp(line, "state ", 6) && !skip) {
			/* sequence numbers: we may have sent up to a second's
			 * worth after the last save; jump well ahead */
			gd_state_apply(gd, line, 1u << 20);
		}
	}
out:
	free(req);
	fclose(f);
	return ret;
}
