// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * down: PreDown → routes and addresses gretun installed (protocol 0xe7) →
 * device → state → PostDown. A failure before the device is gone puts the
 * routes and addresses back.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "config.h"
#include "gretunctl.h"
#include "inet.h"
#include "hooks.h"
#include "nl.h"
#include "rules.h"
#include "runtime.h"

/* v: every route of the host (one dump for rules and routes). */
static int strip_routes(struct nl_sock *nl, const char *name, int ifindex,
			const struct nl_route *v, size_t n, struct journal *j)
{
	int ret;

	for (size_t i = 0; i < n; i++) {
		struct undo u = { .kind = UNDO_ROUTE_ADD, .name = name, .ifindex = ifindex,
				  .r = v[i].r, .proto = GRETUN_RTPROT };

		if (v[i].oif != ifindex || v[i].protocol != GRETUN_RTPROT)
			continue;
		ret = nl_route_del(nl, ifindex, &v[i].r);
		if (ret == -ESRCH)
			continue;
		if (ret < 0)
			return ret;
		if ((ret = journal_push(j, &u)) < 0)
			return ret;
	}
	return 0;
}

/* The rules of the tunnel's default routes (rules.h): those its state
 * says it has and those its routes in the kernel need, when present as
 * gretun's and no other tunnel's default route needs them. Before the
 * routes go, so that nothing is looked up in a table half emptied. */
static int strip_rules(struct nl_sock *nl, const char *name, int ifindex, const struct tunnel *st,
		       uint32_t fwmark, const struct nl_route *routes, size_t n_routes,
		       struct journal *j)
{
	struct rule_set want = { 0 };
	struct nl_rule *cur = NULL;
	size_t n = 0;
	int ret = 0;

	if (st)
		ret = rule_set_add_tunnel(&want, st);
	if (ret == 0 && ifindex > 0)
		ret = rule_set_add_kernel(&want, routes, n_routes, ifindex, fwmark);
	if (ret < 0 || !want.n)
		goto out;
	ret = nl_rule_list(nl, AF_UNSPEC, &cur, &n);
	if (ret < 0)
		goto out;
	for (size_t i = 0; i < want.n; i++) {
		struct undo u = { .kind = UNDO_RULE_ADD, .name = name, .rule = want.v[i] };

		if (!rule_in_kernel(&want.v[i], cur, n) ||
		    rule_needed_elsewhere(&want.v[i], routes, n_routes, ifindex))
			continue;
		ret = nl_rule_del(nl, &want.v[i]);
		if (ret == -ENOENT)
			continue;
		if (ret < 0)
			goto out;
		if ((ret = journal_push(j, &u)) < 0)
			goto out;
	}
	ret = 0;
out:
	rule_set_free(&want);
	free(cur);
	return ret;
}

static int strip_addresses(struct nl_sock *nl, const char *name, int ifindex,
			   const struct tunnel *st, struct journal *j)
{
	struct nl_addr *v = NULL;
	size_t n = 0;
	int ret = nl_addr_list(nl, ifindex, &v, &n);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n; i++) {
		struct undo u = { .kind = UNDO_ADDR_ADD, .name = name, .ifindex = ifindex,
				  .p = v[i].p, .proto = GRETUN_IFAPROT };
		bool ours = v[i].proto == GRETUN_IFAPROT;

		/* Kernels without IFA_PROTO: fall back to the applied config. */
		for (size_t k = 0; !ours && st && k < st->n_addresses; k++)
			ours = inet_prefix_equal(&st->addresses[k], &v[i].p);
		if (!ours)
			continue;
		ret = nl_addr_del(nl, ifindex, &v[i].p);
		if (ret == -EADDRNOTAVAIL)
			continue;
		if (ret < 0)
			goto out;
		if ((ret = journal_push(j, &u)) < 0)
			goto out;
	}
	ret = 0;
out:
	free(v);
	return ret;
}

/* The config whose hooks down runs: the FILE given, else the one -c names,
 * else the one the tunnel came up from (the state records it), else
 * DIR/NAME.conf. A missing one is fine unless it was given as FILE. */
int down_config(const char *name, bool is_file, char *path, size_t pathlen,
		       const struct state_meta *m, struct tunnel *conf, bool *has_conf)
{
	char err[512];
	int ret;

	if (!is_file && !g.config_dir_set && m->source[0]) {
		snprintf(path, pathlen, "%s", m->source);
		ret = config_load_file(path, conf, err, sizeof(err));
		if (ret == -ENOENT) {
			infomsg("down %s: the config it came up from, `%s', is gone: no PreDown/PostDown hooks run",
				name, path);
			return EXIT_OK;
		}
	} else {
		ret = config_load_file(path, conf, err, sizeof(err));
		if (ret == -ENOENT && is_file) {
			errmsg("no config `%s'", path);
			return EXIT_NOTFOUND;
		}
		if (ret == -ENOENT)
			return EXIT_OK;
	}
	if (ret < 0) {
		errmsg("%s", err);
		return EXIT_USAGE;
	}
	if (config_has_hooks(conf) && config_check_permissions(path, err, sizeof(err)) < 0) {
		errmsg("%s", err);
		return EXIT_USAGE;
	}
	*has_conf = true;
	return EXIT_OK;
}

int down_main(int argc, char *argv[])
{
	static const int need[] = { CAP_NET_ADMIN, -1 };
	struct tunnel st, conf;
	struct state_meta meta;
	struct journal j = { 0 };
	struct nl_sock *nl = NULL;
	const struct backend_ops *be;
	struct nl_link l;
	struct nl_route *routes = NULL;
	size_t n_routes = 0;
	const char *missing = NULL;
	char name[IFNAMSIZ], path[4096], err[512];
	bool is_file, has_state = false, exists, has_conf = false;
	int lock = -1, ret, status = EXIT_FAILED;

	tunnel_init(&st);
	tunnel_init(&conf);
	memset(&meta, 0, sizeof(meta));
	if (argc >= 2 && !strcmp(argv[1], "--all"))
		return down_all_main(argc, argv);
	if (argc != 2) {
		errmsg("usage: %s down NAME|FILE | --all", prog);
		return EXIT_USAGE;
	}
	ret = tunnel_target_resolve(argv[1], name, path, sizeof(path), &is_file);
	if (ret < 0) {
		target_error("down", argv[1], ret);
		return EXIT_USAGE;
	}
	if (caps_require(need, &missing) < 0) {
		errmsg("down %s: missing privilege %s", name, missing ? missing : "CAP_NET_ADMIN");
		status = EXIT_PRIVILEGE;
		goto out;
	}
	lock = runtime_lock(name);
	if (lock < 0) {
		status = lock_error("down", name, lock);
		goto out;
	}
	ret = state_load(name, &st, err, sizeof(err));
	has_state = ret == 0;
	if (has_state)
		state_load_meta(name, &meta);
	/* Nothing is changed before the config (for its hooks) is read. */
	status = down_config(name, is_file, path, sizeof(path), &meta, &conf, &has_conf);
	if (status != EXIT_OK)
		goto out;
	status = EXIT_FAILED;
	ret = nl_open(&nl);
	if (ret < 0) {
		errmsg("down %s: cannot open rtnetlink: %s", name, strerror(-ret));
		goto out;
	}
	ret = nl_link_get(nl, name, &l);
	exists = ret == 0;
	if (!has_state && (!exists || !l.is_gre)) {
		errmsg("down %s: no tunnel %s managed by gretun", name, name);
		status = EXIT_NOTFOUND;
		goto out;
	}
	be = has_state ? backend_for(st.backend) : &backend_kernel;
	if ((ret = hook_run(has_conf ? conf.hook_pre_down : NULL, name)) < 0) {
		errmsg("down %s: PreDown hook failed; nothing changed", name);
		goto out;
	}
	ret = nl_route_list(nl, 0, &routes, &n_routes);
	if (ret == 0)
		ret = strip_rules(nl, name, exists ? l.ifindex : 0, has_state ? &st : NULL,
				  has_state ? st.fwmark : l.t.fwmark, routes, n_routes, &j);
	if (ret < 0) {
		errmsg("down %s: cannot remove routing rules: %s%s", name, strerror(-ret),
		       nl_reason(nl));
		journal_rollback(&j, nl);
		goto out;
	}
	if (exists) {
		ret = strip_routes(nl, name, l.ifindex, routes, n_routes, &j);
		if (ret == 0)
			ret = strip_addresses(nl, name, l.ifindex, has_state ? &st : NULL, &j);
		if (ret < 0) {
			errmsg("down %s: cannot remove routes/addresses: %s%s", name, strerror(-ret),
			       nl_reason(nl));
			journal_rollback(&j, nl);
			goto out;
		}
	}
	ret = be->destroy(nl, name, err, sizeof(err));
	/* A userspace device whose gretund is gone is still a netdevice:
	 * delete it as any other. */
	if (ret == -ENODEV && exists && be == &backend_userspace)
		ret = nl_link_delete(nl, l.ifindex);
	if (ret < 0 && !(ret == -ENODEV && !exists)) {
		errmsg("down %s: cannot remove the device (%s backend): %s%s", name, be->name,
		       strerror(-ret), backend_reason(be, err));
		journal_rollback(&j, nl);
		goto out;
	}
	state_remove(name);
	if ((ret = hook_run(has_conf ? conf.hook_post_down : NULL, name)) < 0) {
		errmsg("down %s: PostDown hook failed (the tunnel is down)", name);
		goto out;
	}
	status = EXIT_OK;
out:
	if (nl)
		nl_close(nl);
	if (lock >= 0)
		runtime_unlock(lock, name, status == EXIT_OK || !has_state);
	journal_free(&j);
	free(routes);
	tunnel_free(&st);
	tunnel_free(&conf);
	return status;
}
