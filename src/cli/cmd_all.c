// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * up --all, down --all: every tunnel of the config directory at once, as at
 * boot and shutdown. Each tunnel is all-or-nothing as with up and down (its
 * own journal: one that fails is rolled back and named, the others stay);
 * the lock is taken once for all (runtime_lock_all), the netlink work of
 * all of them goes in a few batches, and gretund's requests go back to back
 * on one connection.
 *
 * up --all: a tunnel whose device exists is converged by tunnel_up, as up
 * does. The devices to make go through these stages, each one batch over
 * every tunnel still going: PreUp hooks; create (kernel devices in one
 * batch, then gretund's for the userspace backend and for Backend=auto
 * where the kernel lacks the kind, each saying as up does why gretund's
 * own path serves it if not the fast path); one link dump for the new
 * ifindexes; MTU; addresses; link up; routes; PostUp hooks; state files.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/capability.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "caps.h"
#include "config.h"
#include "ctl.h"
#include "gretunctl.h"
#include "hooks.h"
#include "nl.h"
#include "output.h"
#include "parse.h"
#include "rules.h"
#include "runtime.h"
#include "up.h"

enum all_result { RES_NONE, RES_UP, RES_UNCHANGED, RES_DOWN, RES_SKIPPED, RES_FAILED };

static const char *const result_words[] = {
	[RES_NONE] = "failed", [RES_UP] = "up", [RES_UNCHANGED] = "unchanged",
	[RES_DOWN] = "down", [RES_SKIPPED] = "skipped", [RES_FAILED] = "failed",
};

struct item {
	char name[IFNAMSIZ];	/* "" when the file's name is no tunnel name */
	char label[256];	/* what the output calls it: name, or the file's */
	char path[PATH_MAX];	/* its config file */
	bool has_file;		/* a config file in the directory (not state only) */
	struct tunnel t;
	struct up_ctx c;
	enum all_result res;
	int status;		/* the exit status of its failure */
	char error[512];	/* its first error line, for -j */
	bool busy;		/* still going through the batched stages */
	struct nl_link *l;	/* its device in the last dump, NULL if none */
};

/* Failure of it: the message went out through errmsg (captured into
 * it->error while it is the current item). */
static void item_fail(struct item *it, int status)
{
	if (it->res != RES_FAILED) {
		it->res = RES_FAILED;
		it->status = status;
	}
	it->busy = false;
}

/* it's config, read as `up FILE' reads it: false (it failed, said why)
 * if it is not a usable config. */
static bool item_load(struct item *it, const char *verb)
{
	char file[PATH_MAX];
	bool have_file;
	int st;

	if (!it->name[0]) {
		target_error(verb, it->path, -EINVAL);
		item_fail(it, EXIT_USAGE);
		return false;
	}
	snprintf(file, sizeof(file), "%s", it->path);
	st = tunnel_load(verb, file, 0, NULL, &it->t, it->path, sizeof(it->path), &have_file);
	if (st != EXIT_OK) {
		item_fail(it, st);
		return false;
	}
	return true;
}

static void current(struct item *it)
{
	g.errbuf = it ? it->error : NULL;
	g.errbuf_len = it ? sizeof(it->error) : 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->label, ((const struct item *)b)->label);
}

static struct item *item_find(struct item *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].name[0] && !strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

static int items_grow(struct item **v, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		struct item *nv = realloc(*v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	memset(&(*v)[*n], 0, sizeof(**v));
	tunnel_init(&(*v)[*n].t);
	tunnel_init(&(*v)[*n].c.old);
	return 0;
}

/* Every DIR/NAME.conf, by name; for down also the tunnels whose state says
 * they came up from a file in DIR that is gone now. */
static int items_collect(const char *verb, bool with_state, struct item **out, size_t *n)
{
	char real[PATH_MAX], file[PATH_MAX], q[80];
	struct item *v = NULL;
	size_t cap = 0;
	struct dirent *de;
	DIR *d = opendir(g.config_dir);
	int ret = 0;

	*n = 0;
	if (!d) {
		ret = -errno;
		errmsg("%s --all: cannot read the config directory `%s': %s", verb,
		       parse_quote(g.config_dir, q, sizeof(q)), strerror(-ret));
		return ret;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct item *it;
		bool is_file;

		if (len <= 5 || strcmp(de->d_name + len - 5, ".conf"))
			continue;
		if ((ret = items_grow(&v, n, &cap)) < 0)
			goto out;
		it = &v[(*n)++];
		it->has_file = true;
		snprintf(it->label, sizeof(it->label), "%.*s", (int)(len - 5), de->d_name);
		snprintf(file, sizeof(file), "%s/%s", g.config_dir, de->d_name);
		if (tunnel_target_resolve(file, it->name, it->path, sizeof(it->path), &is_file) < 0) {
			it->name[0] = '\0';
			snprintf(it->path, sizeof(it->path), "%s", file);
		}
	}
	if (with_state && realpath(g.config_dir, real)) {
		char (*names)[IFNAMSIZ] = NULL;
		size_t ns = 0, rl = strlen(real);

		if (state_list(&names, &ns) == 0) {
			for (size_t i = 0; i < ns; i++) {
				struct state_meta m;
				struct item *it;

				if (item_find(v, *n, names[i]) || state_load_meta(names[i], &m) < 0 ||
				    strncmp(m.source, real, rl) || m.source[rl] != '/' ||
				    strchr(m.source + rl + 1, '/'))
					continue;
				if ((ret = items_grow(&v, n, &cap)) < 0)
					break;
				it = &v[(*n)++];
				snprintf(it->name, sizeof(it->name), "%s", names[i]);
				snprintf(it->label, sizeof(it->label), "%s", names[i]);
				snprintf(it->path, sizeof(it->path), "%s/%s.conf", g.config_dir,
					 names[i]);
			}
		}
		free(names);
	}
	if (*n)
		qsort(v, *n, sizeof(*v), name_cmp);
out:
	closedir(d);
	if (ret < 0) {
		errmsg("%s --all: %s", verb, strerror(-ret));
		for (size_t i = 0; i < *n; i++) {
			tunnel_free(&v[i].t);
			tunnel_free(&v[i].c.old);
		}
		free(v);
		*n = 0;
		return ret;
	}
	*out = v;
	return 0;
}

static void items_free(struct item *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		v[i].c.nl = NULL;	/* the shared socket, closed once */
		up_ctx_free(&v[i].c);
		tunnel_free(&v[i].t);
	}
	free(v);
}

/* One line a tunnel, or with -j an array of one object a tunnel. */
static void results_print(const struct item *v, size_t n)
{
	struct out o;

	out_init(&o, stdout, g.json);
	out_array_begin(&o, NULL);
	for (size_t i = 0; i < n; i++) {
		const struct item *it = &v[i];
		char q[80];

		out_object_begin(&o, NULL);
		out_str(&o, "name", "%s", g.json ? it->label : parse_quote(it->label, q, sizeof(q)));
		out_str(&o, "result", " %s", result_words[it->res]);
		if (it->res == RES_UP || it->res == RES_UNCHANGED)
			out_str(&o, "backend", " (%s)", tunnel_backend_name(it->t.backend));
		if (it->res == RES_FAILED || it->res == RES_NONE) {
			out_u64(&o, "exit_status", " (exit %" PRIu64 ")", (uint64_t)it->status);
			out_str(&o, "error", NULL, it->error);
		}
		out_object_end(&o);
		out_text(&o, "\n");
	}
	out_array_end(&o);
	out_finish(&o);
}

/* 0 when all went well; else the exit status the failures share, or 1. */
static int results_status(const struct item *v, size_t n)
{
	int st = EXIT_OK;

	for (size_t i = 0; i < n; i++) {
		/* (RES_NONE: no result is no success) */
		int s = v[i].status ? v[i].status : EXIT_FAILED;

		if (v[i].res != RES_FAILED && v[i].res != RES_NONE)
			continue;
		if (st == EXIT_OK)
			st = s;
		else if (st != s)
			return EXIT_FAILED;
	}
	return st;
}

/* ---- batches ------------------------------------------------------------------ */

/* What one message of a batch is for. */
struct op {
	struct item *it;
	struct undo u;		/* pushed to its journal when the message succeeds */
	const struct prefix *p;	/* address */
	const struct route *r;	/* route */
};

struct stage {
	struct nl_batch *b;
	struct op *ops;
	int *errors;
	size_t n, cap;
	size_t first;		/* the first failure: the kernel's message is its */
};

static struct nlmsghdr *stage_msg(struct stage *s)
{
	return nl_batch_current(s->b);
}

/* The message just built is for op. */
static int stage_add(struct stage *s, const struct op *op)
{
	int ret;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		struct op *v = realloc(s->ops, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->ops = v;
		s->cap = cap;
	}
	ret = nl_batch_next(s->b);
	if (ret < 0)
		return ret;
	s->ops[s->n++] = *op;
	return 0;
}

static int stage_begin(struct stage *s)
{
	memset(s, 0, sizeof(*s));
	return nl_batch_new(&s->b);
}

static void stage_end(struct stage *s)
{
	nl_batch_free(s->b);
	free(s->ops);
	free(s->errors);
	memset(s, 0, sizeof(*s));
}

/* Send it; then each op's result in s->errors. -errno only when there is
 * no result at all. */
static int stage_send(struct stage *s, struct nl_sock *nl)
{
	s->first = s->n;
	if (!s->n)
		return 0;
	s->errors = calloc(s->n, sizeof(*s->errors));
	if (!s->errors)
		return -ENOMEM;
	nl_batch_send(nl, s->b, s->errors);
	for (size_t i = 0; i < s->n; i++) {
		if (s->errors[i]) {
			s->first = i;
			break;
		}
	}
	return 0;
}

/* " (kernel: MSG)" for the batch's first failure, which alone has it. */
static const char *stage_reason(const struct stage *s, size_t i, struct nl_sock *nl, char *buf,
				size_t len)
{
	return i == s->first ? nl_reason_format(nl, buf, len) : "";
}

/* Push op i's undo when it succeeded, or when its result is unknown (the
 * batch's replies were lost: rollback copes with what is not there). */
static int stage_undo(struct stage *s, size_t i)
{
	struct op *op = &s->ops[i];

	if (s->errors[i] && s->errors[i] != -ENOBUFS)
		return 0;
	if (journal_push(&op->it->c.j, &op->u) < 0) {
		current(op->it);
		errmsg("up %s: %s", op->it->name, strerror(ENOMEM));
		item_fail(op->it, EXIT_FAILED);
		return -ENOMEM;
	}
	return 0;
}

static int status_of(const struct item *it, int err)
{
	return it->c.usage_error ? EXIT_USAGE : err == -EPERM ? EXIT_PRIVILEGE : EXIT_FAILED;
}

/* The underlay MTU of each distinct remote or underlay device, looked up once. */
struct under_cache {
	struct {
		char dev[IFNAMSIZ];
		int family;
		union inet_addr remote;
		uint32_t fwmark;	/* the lookup is of the tunnel's marked packets */
		uint32_t mtu;
	} v[64];
	size_t n;
};

static int mtu_auto(struct item *it, struct under_cache *uc)
{
	struct tunnel *t = &it->t;
	uint32_t under;
	int ret;

	it->c.meta.mtu_auto = !t->mtu;
	if (t->mtu)
		return 0;
	for (size_t i = 0; i < uc->n; i++) {
		if (t->dev[0] ? !strcmp(uc->v[i].dev, t->dev) :
		    !uc->v[i].dev[0] && uc->v[i].family == t->family &&
		    uc->v[i].fwmark == t->fwmark &&
		    !memcmp(&uc->v[i].remote, &t->remote, sizeof(t->remote)))
			return mtu_apply(&it->c, uc->v[i].mtu);
	}
	ret = mtu_underlay(&it->c, &under);
	if (ret < 0)
		return ret;
	if (uc->n < sizeof(uc->v) / sizeof(uc->v[0])) {
		memcpy(uc->v[uc->n].dev, t->dev, sizeof(t->dev));
		uc->v[uc->n].family = t->family;
		uc->v[uc->n].remote = t->remote;
		uc->v[uc->n].fwmark = t->fwmark;
		uc->v[uc->n].mtu = under;
		uc->n++;
	}
	return mtu_apply(&it->c, under);
}

static struct nl_link *link_find(struct nl_link *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

static void device_failed(struct item *it, const struct backend_ops *be, int err, const char *msg)
{
	struct up_ctx *c = &it->c;

	c->be = be;
	snprintf(c->err, sizeof(c->err), "%s", msg);
	current(it);
	errmsg("up %s: cannot create %s device (%s backend): %s", it->name,
	       tunnel_mode_name(it->t.mode), be->name, backend_error(c, err));
	item_fail(it, status_of(it, err));
}

static void device_made(struct item *it, const struct backend_ops *be)
{
	struct undo u = { .kind = UNDO_DESTROY, .name = it->name, .be = be };

	it->c.be = be;
	it->c.created = true;
	it->t.backend = be == &backend_userspace ? BACKEND_USERSPACE : BACKEND_KERNEL;
	if (journal_push(&it->c.j, &u) < 0) {
		current(it);
		errmsg("up %s: %s", it->name, strerror(ENOMEM));
		item_fail(it, EXIT_FAILED);
	}
}

/* Kernel devices in one batch; the userspace ones (and auto where the
 * kernel lacks the kind) over one gretund connection. */
static int stage_create(struct item **v, size_t n, struct nl_sock *nl, struct nl_link *links,
			size_t nlinks)
{
	struct stage s;
	const struct tunnel **ut = NULL;
	struct item **uit = NULL;
	char *errs = NULL;
	int *rets = NULL, ret;
	size_t nu = 0;
	const size_t errlen = 512;

	if ((ret = stage_begin(&s)) < 0)
		return ret;
	ut = calloc(n ? n : 1, sizeof(*ut));
	uit = calloc(n ? n : 1, sizeof(*uit));
	if (!ut || !uit) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct item *it = v[i];
		struct tunnel t = it->t;
		const struct nl_link *under = NULL;

		if (!it->busy || it->t.backend == BACKEND_USERSPACE)
			continue;
		if (t.dev[0] && !(under = link_find(links, nlinks, t.dev))) {
			device_failed(it, &backend_kernel, -ENODEV, "");
			continue;
		}
		t.flags |= TUNNEL_HAS_MTU;	/* resolved: set in the same message */
		nl_link_build_new_dev(stage_msg(&s), &t, 0, NLM_F_CREATE | NLM_F_EXCL,
				      under ? under->ifindex : 0);
		if ((ret = stage_add(&s, &(struct op){ .it = it })) < 0)
			goto out;
	}
	if ((ret = stage_send(&s, nl)) < 0)
		goto out;
	for (size_t i = 0; i < s.n; i++) {
		struct item *it = s.ops[i].it;
		int err = s.errors[i];
		char reason[BACKEND_ERR_MAX];

		if (!err || err == -ENOBUFS) {
			device_made(it, &backend_kernel);
			if (err) {
				current(it);
				errmsg("up %s: cannot create %s device (kernel backend): %s", it->name,
				       tunnel_mode_name(it->t.mode), strerror(-err));
				item_fail(it, EXIT_FAILED);
			} else if (it->busy && it->t.keepalive_interval) {
				/* Backend=auto found kernel GRE: nothing would send or
				 * track probes */
				current(it);
				errmsg("up %s: keepalives need the userspace backend (--backend userspace)",
				       it->name);
				item_fail(it, EXIT_FAILED);
			}
			continue;
		}
		if (err == -EOPNOTSUPP && it->t.backend == BACKEND_AUTO) {
			current(it);
			infomsg("kernel has no %s support, using the userspace backend (gretund) for %s",
				tunnel_mode_name(it->t.mode), it->name);
			it->t.backend = BACKEND_USERSPACE;
			continue;
		}
		if (i == s.first)
			nl_errmsg(nl, reason, sizeof(reason));
		else
			reason[0] = '\0';
		device_failed(it, &backend_kernel, err, reason);
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i]->busy && v[i]->t.backend == BACKEND_USERSPACE && !v[i]->c.created) {
			uit[nu] = v[i];
			ut[nu++] = &v[i]->t;
		}
	}
	if (nu) {
		rets = calloc(nu, sizeof(*rets));
		errs = calloc(nu, errlen);
		if (!rets || !errs) {
			ret = -ENOMEM;
			goto out;
		}
		ctl_tunnel_create_many(ut, nu, rets, errs, errlen);
		for (size_t i = 0; i < nu; i++) {
			if (rets[i])
				device_failed(uit[i], &backend_userspace, rets[i], errs + i * errlen);
			else
				device_made(uit[i], &backend_userspace);
			/* as up: why not the fast path, said once */
			if (!rets[i] && uit[i]->busy && uit[i]->t.datapath == DATAPATH_AUTO)
				up_datapath_tell(&uit[i]->c, &uit[i]->t);
		}
	}
	ret = 0;
out:
	stage_end(&s);
	free(ut);
	free(uit);
	free(rets);
	free(errs);
	return ret;
}

/* After the devices: one batch each, in up's order. */
enum step { STEP_MTU, STEP_ADDRESSES, STEP_LINK_UP, STEP_ROUTES, STEPS_ };

static int stage_links(struct item **v, size_t n, struct nl_sock *nl, enum step step)
{
	char reason[REASON_MAX], buf[INET6_ADDRSTRLEN];
	struct stage s;
	int ret;

	if ((ret = stage_begin(&s)) < 0)
		return ret;
	for (size_t i = 0; i < n; i++) {
		struct item *it = v[i];
		struct tunnel *t = &it->t;
		int ifindex = it->busy ? it->l->ifindex : 0;

		if (!it->busy)
			continue;
		if (step == STEP_MTU && it->l->mtu != t->mtu) {
			nl_link_build_set(stage_msg(&s), ifindex, -1, t->mtu);
			ret = stage_add(&s, &(struct op){ .it = it, .u = {
				.kind = UNDO_MTU, .name = it->name, .ifindex = ifindex,
				.mtu = it->l->mtu } });
		} else if (step == STEP_LINK_UP && !(it->l->flags & IFF_UP)) {
			nl_link_build_set(stage_msg(&s), ifindex, 1, 0);
			ret = stage_add(&s, &(struct op){ .it = it, .u = {
				.kind = UNDO_LINK_DOWN, .name = it->name, .ifindex = ifindex } });
		}
		for (size_t k = 0; step == STEP_ADDRESSES && ret == 0 && k < t->n_addresses; k++) {
			const struct prefix *p = &t->addresses[k];

			nl_addr_build(stage_msg(&s), RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex,
				      p, GRETUN_IFAPROT);
			ret = stage_add(&s, &(struct op){ .it = it, .p = p, .u = {
				.kind = UNDO_ADDR_DEL, .name = it->name, .ifindex = ifindex,
				.p = *p } });
		}
		for (size_t k = 0; step == STEP_ROUTES && ret == 0 && k < t->n_routes; k++) {
			const struct route *r = &t->routes[k];

			nl_route_build(stage_msg(&s), RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL,
				       ifindex, r, GRETUN_RTPROT);
			ret = stage_add(&s, &(struct op){ .it = it, .r = r, .u = {
				.kind = UNDO_ROUTE_DEL, .name = it->name, .ifindex = ifindex,
				.r = *r } });
		}
		if (ret < 0)
			goto out;
	}
	if ((ret = stage_send(&s, nl)) < 0)
		goto out;
	for (size_t i = 0; i < s.n; i++) {
		struct op *op = &s.ops[i];
		struct item *it = op->it;
		int err = s.errors[i];

		/* Kernels before 5.18 have no IFA_PROTO (nl_addr_add retries
		 * without it, as up does) */
		if (err == -EINVAL && op->p) {
			err = nl_addr_add(nl, op->u.ifindex, op->p, GRETUN_IFAPROT);
			s.errors[i] = err;
			if (err)
				s.first = i;	/* the socket's message is this one's now */
		}
		if (stage_undo(&s, i) < 0 || !err)
			continue;
		if (it->res == RES_FAILED)
			continue;	/* said already: one line a tunnel */
		current(it);
		if (op->p)
			errmsg("up %s: cannot add address %s/%u: %s%s", it->name,
			       inet_ntop(op->p->family, &op->p->addr, buf, sizeof(buf)), op->p->len,
			       strerror(-err), stage_reason(&s, i, nl, reason, sizeof(reason)));
		else if (op->r)
			errmsg("up %s: cannot add route %s/%u: %s%s", it->name,
			       inet_ntop(op->r->dst.family, &op->r->dst.addr, buf, sizeof(buf)),
			       op->r->dst.len, strerror(-err),
			       stage_reason(&s, i, nl, reason, sizeof(reason)));
		else if (step == STEP_MTU)
			errmsg("up %s: cannot set MTU %u: %s%s", it->name, it->t.mtu, strerror(-err),
			       stage_reason(&s, i, nl, reason, sizeof(reason)));
		else
			errmsg("up %s: cannot set the link up: %s%s", it->name, strerror(-err),
			       stage_reason(&s, i, nl, reason, sizeof(reason)));
		item_fail(it, status_of(it, err));
	}
	ret = 0;
out:
	stage_end(&s);
	return ret;
}

/* The tunnels in v (busy) have no device yet: make them, batched. */
static int up_batched(struct item **v, size_t n, struct nl_sock *nl)
{
	struct under_cache uc = { .n = 0 };
	struct nl_link *links = NULL;
	size_t nlinks = 0;
	int ret;

	for (size_t i = 0; i < n; i++) {
		struct item *it = v[i];

		current(it);
		if ((ret = mtu_auto(it, &uc)) < 0) {
			item_fail(it, status_of(it, ret));
			continue;
		}
		if (hook_run(it->t.hook_pre_up, it->name) < 0) {
			errmsg("up %s: PreUp hook failed", it->name);
			item_fail(it, EXIT_FAILED);
		}
	}
	current(NULL);
	/* the underlay devices, by name */
	if ((ret = nl_link_list(nl, &links, &nlinks)) < 0)
		goto fail;
	ret = stage_create(v, n, nl, links, nlinks);
	free(links);
	links = NULL;
	if (ret < 0)
		goto fail;
	/* the new devices' ifindex, MTU and flags */
	if ((ret = nl_link_list(nl, &links, &nlinks)) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		struct item *it = v[i];

		if (!it->busy)
			continue;
		it->l = link_find(links, nlinks, it->name);
		if (!it->l) {
			current(it);
			errmsg("up %s: the new device vanished: %s", it->name, strerror(ENODEV));
			item_fail(it, EXIT_FAILED);
		}
	}
	for (enum step step = STEP_MTU; step < STEPS_; step++)
		if ((ret = stage_links(v, n, nl, step)) < 0)
			goto fail;
	for (size_t i = 0; i < n; i++) {
		struct item *it = v[i];

		if (!it->busy)
			continue;
		current(it);
		/* the rules of default routes, one tunnel at a time: few
		 * tunnels have any, and those without cost no request */
		ret = rules_converge(&it->c, it->l->ifindex);
		it->l = NULL;
		if (ret < 0) {
			item_fail(it, status_of(it, ret));
			continue;
		}
		if (hook_run(it->t.hook_post_up, it->name) < 0) {
			errmsg("up %s: PostUp hook failed", it->name);
			item_fail(it, EXIT_FAILED);
			continue;
		}
		ret = state_save(&it->t, &it->c.meta);
		if (ret < 0) {
			errmsg("up %s: cannot save state: %s", it->name, strerror(-ret));
			item_fail(it, EXIT_FAILED);
			continue;
		}
		it->res = RES_UP;
		it->busy = false;
	}
	ret = 0;
	goto out;
fail:
	/* no answer at all (no memory, the socket): every one still going fails */
	for (size_t i = 0; i < n; i++) {
		if (!v[i]->busy)
			continue;
		current(v[i]);
		errmsg("up %s: %s", v[i]->name, strerror(-ret));
		item_fail(v[i], EXIT_FAILED);
	}
out:
	for (size_t i = 0; i < n; i++)
		v[i]->l = NULL;
	current(NULL);
	free(links);
	return ret;
}

static const int need_kernel[] = { CAP_NET_ADMIN, -1 };
static const int need_userspace[] = { CAP_NET_ADMIN, CAP_NET_RAW, -1 };

static int names_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int up_all_main(int argc, char *argv[])
{
	char dir_real[PATH_MAX], (*states)[IFNAMSIZ] = NULL;
	struct up_dumps dumps = { 0 };
	bool dumps_done = false, have_dumps = false;
	size_t nstates = 0;
	struct item *v = NULL, **batch = NULL;
	struct nl_sock *nl = NULL;
	const char *missing = NULL;
	size_t n = 0, nb = 0;
	bool any_failed = false;
	int lock = -1, ret, status;

	if (argc != 2) {
		char q[80];

		errmsg("up --all: unexpected argument `%s': the options come from the config files",
		       parse_quote(argv[2], q, sizeof(q)));
		return EXIT_USAGE;
	}
	if (caps_require(need_kernel, &missing) < 0) {
		errmsg("up --all: missing privilege %s", missing ? missing : "CAP_NET_ADMIN");
		return EXIT_PRIVILEGE;
	}
	ret = items_collect("up", false, &v, &n);
	if (ret < 0)
		return exit_for_errno(ret);
	if (!realpath(g.config_dir, dir_real))
		dir_real[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		struct item *it = &v[i];
		current(it);
		it->c.verb = "up";
		it->c.t = &it->t;
		if (!item_load(it, "up"))
			continue;
		up_backend_pick(&it->t);
		if (it->t.backend != BACKEND_KERNEL && caps_require(need_userspace, &missing) < 0) {
			errmsg("up %s: missing privilege %s", it->name,
			       missing ? missing : "CAP_NET_RAW");
			item_fail(it, EXIT_PRIVILEGE);
			continue;
		}
		/* down and set find the config (its hooks) the tunnel came up
		 * from: the directory resolved once, not each file */
		if (dir_real[0]) {
			int len = snprintf(it->c.meta.source, sizeof(it->c.meta.source),
					   "%s/%s.conf", dir_real, it->label);

			if (len < 0 || (size_t)len >= sizeof(it->c.meta.source)) {
				errmsg("up %s: config path too long: %s/%s.conf", it->name, dir_real,
				       it->label);
				item_fail(it, EXIT_USAGE);
				continue;
			}
		} else if (!realpath(it->path, it->c.meta.source))
			snprintf(it->c.meta.source, sizeof(it->c.meta.source), "%s", it->path);
		it->busy = true;
	}
	current(NULL);
	lock = runtime_lock_all();
	if (lock < 0) {
		status = lock_error("up", "--all", lock);
		goto out;
	}
	ret = nl_open(&nl);
	if (ret < 0) {
		errmsg("up --all: cannot open rtnetlink: %s", strerror(-ret));
		status = EXIT_FAILED;
		goto out;
	}
	batch = calloc(n ? n : 1, sizeof(*batch));
	if (!batch) {
		errmsg("up --all: %s", strerror(ENOMEM));
		status = EXIT_FAILED;
		goto out;
	}
	{
		struct nl_link *links = NULL;
		size_t nlinks = 0;

		ret = nl_link_list(nl, &links, &nlinks);
		if (ret < 0) {
			errmsg("up --all: cannot list the links: %s", strerror(-ret));
			status = EXIT_FAILED;
			goto out;
		}
		ret = state_list(&states, &nstates);
		if (ret < 0) {
			free(links);
			status = state_error("up --all", ret);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			struct item *it = &v[i];
			char err[512];

			if (!it->busy)
				continue;
			current(it);
			it->c.nl = nl;
			/* (a state file to read only where the listing has one) */
			ret = nstates && bsearch(it->name, states, nstates, sizeof(*states), names_cmp) ?
			      state_load(it->name, &it->c.old, err, sizeof(err)) : -ENOENT;
			it->c.has_old = ret == 0;
			if (ret < 0 && ret != -ENOENT)
				errmsg("up %s: unreadable state, ignoring it: %s", it->name, err);
			if (!link_find(links, nlinks, it->name)) {
				batch[nb++] = it;
				continue;
			}
			/* there already: converge it as up does, on its own, from
			 * one dump of every address and route (not two a tunnel) */
			if (!dumps_done) {
				dumps_done = true;
				if (nl_addr_list(nl, 0, &dumps.addrs, &dumps.n_addrs) == 0 &&
				    nl_route_list(nl, 0, &dumps.routes, &dumps.n_routes) == 0)
					have_dumps = true;
			}
			it->c.dumps = have_dumps ? &dumps : NULL;
			it->busy = false;
			ret = tunnel_up(&it->c);
			if (ret < 0) {
				item_fail(it, status_of(it, ret));
				continue;
			}
			it->res = it->c.j.n || it->c.created ? RES_UP : RES_UNCHANGED;
		}
		free(links);
	}
	current(NULL);
	up_batched(batch, nb, nl);
	for (size_t i = 0; i < n; i++) {
		struct item *it = &v[i];
		size_t left;

		if (it->res != RES_FAILED)
			continue;
		any_failed = true;
		if (!it->c.j.n)
			continue;
		current(it);
		left = journal_rollback(&it->c.j, nl);
		if (left)
			errmsg("up %s: rollback left %zu step(s) undone", it->name, left);
	}
	current(NULL);
	results_print(v, n);
	status = results_status(v, n);
out:
	current(NULL);
	if (lock >= 0)
		runtime_unlock(lock, "", any_failed);
	if (nl)
		nl_close(nl);
	free(states);
	free(dumps.addrs);
	free(dumps.routes);
	free(batch);
	items_free(v, n);
	return status;
}

/* ---- down --all ---------------------------------------------------------------- */

/*
 * The policy routing rules of the default routes of the tunnels going down
 * (rules.h), before their devices: those their state says they have and
 * those their routes in the kernel need, when present as gretun's and no
 * default route of a tunnel that stays needs them. Each tunnel's deletions
 * go into its journal, for a device that then cannot be removed.
 */
static void down_rules(struct item *v, size_t n, struct nl_sock *nl)
{
	struct nl_route *routes = NULL, *others = NULL;
	struct nl_rule *cur = NULL;
	size_t n_routes = 0, n_others = 0, n_cur = 0;
	bool listed = false;
	char text[96];
	int ret;

	for (size_t i = 0; i < n; i++) {
		struct item *it = &v[i];
		struct rule_set want = { 0 };
		int ifindex = it->l ? it->l->ifindex : 0;

		if (!it->busy)
			continue;
		current(it);
		if (!listed) {
			/* every route, and those of devices that stay */
			listed = true;
			ret = nl_route_list(nl, 0, &routes, &n_routes);
			others = calloc(n_routes ? n_routes : 1, sizeof(*others));
			if (ret == 0 && !others)
				ret = -ENOMEM;
			for (size_t k = 0; ret == 0 && k < n_routes; k++) {
				bool going = false;

				for (size_t m = 0; !going && m < n; m++)
					going = v[m].busy && v[m].l && v[m].l->ifindex == routes[k].oif;
				if (!going)
					others[n_others++] = routes[k];
			}
			if (ret < 0) {
				errmsg("down --all: cannot list routes: %s", strerror(-ret));
				for (size_t m = i; m < n; m++)
					if (v[m].busy)
						item_fail(&v[m], EXIT_FAILED);
				break;
			}
		}
		ret = it->c.has_old ? rule_set_add_tunnel(&want, &it->t) : 0;
		if (ret == 0 && ifindex > 0)
			ret = rule_set_add_kernel(&want, routes, n_routes, ifindex,
						  it->c.has_old ? it->t.fwmark : it->l->t.fwmark);
		if (ret == 0 && want.n && !cur && (ret = nl_rule_list(nl, AF_UNSPEC, &cur, &n_cur)) < 0)
			cur = NULL;
		for (size_t k = 0; ret == 0 && k < want.n; k++) {
			struct undo u = { .kind = UNDO_RULE_ADD, .name = it->name, .rule = want.v[k] };

			if (!rule_in_kernel(&want.v[k], cur, n_cur) ||
			    rule_needed_elsewhere(&want.v[k], others, n_others, ifindex))
				continue;
			ret = nl_rule_del(nl, &want.v[k]);
			if (ret == -ENOENT) {
				ret = 0;	/* another tunnel going down had it too */
				continue;
			}
			if (ret == 0)
				ret = journal_push(&it->c.j, &u);
			else
				errmsg("down %s: cannot remove rule `%s': %s%s", it->name,
				       rule_text(&want.v[k], text, sizeof(text)), strerror(-ret),
				       nl_reason(nl));
		}
		rule_set_free(&want);
		if (ret < 0) {
			if (!it->error[0])
				errmsg("down %s: cannot remove routing rules: %s", it->name,
				       strerror(-ret));
			item_fail(it, EXIT_FAILED);
		}
	}
	current(NULL);
	free(routes);
	free(others);
	free(cur);
}

int down_all_main(int argc, char *argv[])
{
	static const int need[] = { CAP_NET_ADMIN, -1 };
	struct item *v = NULL;
	struct nl_sock *nl = NULL;
	struct nl_link *links = NULL;
	struct stage s = { 0 };
	char (*unames)[IFNAMSIZ] = NULL;
	struct item **uit = NULL;
	struct tunnel *conf = NULL;
	const char *missing = NULL;
	size_t n = 0, nlinks = 0, nu = 0;
	int lock = -1, ret, status, *rets = NULL;
	char *errs = NULL;
	const size_t errlen = 512;

	if (argc != 2) {
		char q[80];

		errmsg("down --all: unexpected argument `%s'", parse_quote(argv[2], q, sizeof(q)));
		return EXIT_USAGE;
	}
	if (caps_require(need, &missing) < 0) {
		errmsg("down --all: missing privilege %s", missing ? missing : "CAP_NET_ADMIN");
		return EXIT_PRIVILEGE;
	}
	ret = items_collect("down", true, &v, &n);
	if (ret < 0)
		return exit_for_errno(ret);
	lock = runtime_lock_all();
	if (lock < 0) {
		status = lock_error("down", "--all", lock);
		goto out;
	}
	conf = calloc(n ? n : 1, sizeof(*conf));
	uit = calloc(n ? n : 1, sizeof(*uit));
	unames = calloc(n ? n : 1, sizeof(*unames));
	if (!conf || !uit || !unames || stage_begin(&s) < 0) {
		errmsg("down --all: %s", strerror(ENOMEM));
		status = EXIT_FAILED;
		goto out;
	}
	ret = nl_open(&nl);
	if (ret == 0)
		ret = nl_link_list(nl, &links, &nlinks);
	if (ret < 0) {
		errmsg("down --all: cannot list the links: %s", strerror(-ret));
		status = EXIT_FAILED;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct item *it = &v[i];
		char err[512];
		bool has_conf = false;
		struct nl_link *l;

		tunnel_init(&conf[i]);
		current(it);
		if (!it->name[0]) {
			target_error("down", it->path, -EINVAL);
			item_fail(it, EXIT_USAGE);
			continue;
		}
		/* it->t is the state: what is up */
		ret = state_load(it->name, &it->t, err, sizeof(err));
		it->c.has_old = ret == 0;
		if (it->c.has_old)
			state_load_meta(it->name, &it->c.meta);
		l = link_find(links, nlinks, it->name);
		if (!it->c.has_old && (!l || !l->is_gre)) {
			it->res = RES_SKIPPED;	/* not up: nothing to take down */
			continue;
		}
		/* Nothing is changed before the config (for its hooks) is read. */
		status = down_config(it->name, false, it->path, sizeof(it->path), &it->c.meta,
				     &conf[i], &has_conf);
		if (status != EXIT_OK) {
			item_fail(it, status);
			continue;
		}
		if (hook_run(has_conf ? conf[i].hook_pre_down : NULL, it->name) < 0) {
			errmsg("down %s: PreDown hook failed; nothing changed", it->name);
			item_fail(it, EXIT_FAILED);
			continue;
		}
		it->l = l;
		it->busy = true;
		if (l && !l->is_gre && !(it->c.has_old && it->t.backend == BACKEND_USERSPACE)) {
			errmsg("down %s: cannot remove the device (kernel backend): %s", it->name,
			       strerror(ENODEV));
			item_fail(it, EXIT_FAILED);
		}
	}
	current(NULL);
	down_rules(v, n, nl);
	for (size_t i = 0; i < n; i++) {
		struct item *it = &v[i];

		if (!it->busy)
			continue;
		current(it);
		if (it->c.has_old && it->t.backend == BACKEND_USERSPACE) {
			memcpy(unames[nu], it->name, IFNAMSIZ);
			uit[nu++] = it;
		} else if (it->l) {
			/* its routes and addresses go with it */
			nl_link_build_del(stage_msg(&s), it->l->ifindex);
			if ((ret = stage_add(&s, &(struct op){ .it = it })) < 0) {
				errmsg("down %s: %s", it->name, strerror(-ret));
				item_fail(it, EXIT_FAILED);
			}
		}
	}
	current(NULL);
	stage_send(&s, nl);
	for (size_t i = 0; s.errors && i < s.n; i++) {
		struct item *it = s.ops[i].it;
		char reason[REASON_MAX];

		if (!s.errors[i])
			continue;
		current(it);
		errmsg("down %s: cannot remove the device (kernel backend): %s%s", it->name,
		       strerror(-s.errors[i]), stage_reason(&s, i, nl, reason, sizeof(reason)));
		item_fail(it, EXIT_FAILED);
	}
	if (nu) {
		rets = calloc(nu, sizeof(*rets));
		errs = calloc(nu, errlen);
		if (!rets || !errs) {
			for (size_t i = 0; i < nu; i++) {
				current(uit[i]);
				errmsg("down %s: %s", uit[i]->name, strerror(ENOMEM));
				item_fail(uit[i], EXIT_FAILED);
			}
			nu = 0;
		} else {
			ctl_tunnel_destroy_many(unames, nu, rets, errs, errlen);
		}
	}
	for (size_t i = 0; i < nu; i++) {
		struct item *it = uit[i];

		/* A userspace device whose gretund is gone is still a
		 * netdevice: delete it as any other. */
		if (rets[i] == -ENODEV && it->l)
			rets[i] = nl_link_delete(nl, it->l->ifindex);
		if (rets[i] < 0 && !(rets[i] == -ENODEV && !it->l)) {
			current(it);
			errmsg("down %s: cannot remove the device (userspace backend): %s%s",
			       it->name, strerror(-rets[i]),
			       backend_reason(&backend_userspace, errs + i * errlen));
			item_fail(it, EXIT_FAILED);
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct item *it = &v[i];

		if (!it->busy)
			continue;
		it->busy = false;
		it->l = NULL;
		state_remove(it->name);
		it->res = RES_DOWN;
		current(it);
		if (hook_run(conf[i].hook_post_down, it->name) < 0) {
			errmsg("down %s: PostDown hook failed (the tunnel is down)", it->name);
			item_fail(it, EXIT_FAILED);
		}
	}
	/* a device that could not go keeps its rules */
	for (size_t i = 0; i < n; i++) {
		if (v[i].res == RES_FAILED && v[i].c.j.n) {
			current(&v[i]);
			journal_rollback(&v[i].c.j, nl);
		}
	}
	current(NULL);
	results_print(v, n);
	status = results_status(v, n);
out:
	current(NULL);
	if (lock >= 0)
		runtime_unlock(lock, "", true);
	if (nl)
		nl_close(nl);
	stage_end(&s);
	for (size_t i = 0; conf && i < n; i++)
		tunnel_free(&conf[i]);
	free(conf);
	free(links);
	free(uit);
	free(unames);
	free(rets);
	free(errs);
	items_free(v, n);
	return status;
}

/* ---- check --all ---------------------------------------------------------------- */

int check_all_main(int argc, char *argv[])
{
	struct item *v = NULL;
	size_t n = 0;
	int ret;

	if (argc != 2) {
		char q[80];

		errmsg("check --all: unexpected argument `%s'", parse_quote(argv[2], q, sizeof(q)));
		return EXIT_USAGE;
	}
	ret = items_collect("check", false, &v, &n);
	if (ret < 0)
		return exit_for_errno(ret);
	for (size_t i = 0; i < n; i++) {
		struct item *it = &v[i];
		if (!item_load(it, "check"))
			continue;
		if (!g.quiet)
			printf("%s: ok\n", it->name);
	}
	ret = results_status(v, n);
	items_free(v, n);
	return ret;
}
