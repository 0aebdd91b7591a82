// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "field.h"
#include "runtime.h"

#define RUNTIME_BASE RUNSTATEDIR "/gretun"

static const char *runtime_base(void)
{
	/* Tests may point the state elsewhere; production uses /run/gretun. */
	const char *env = getenv("GRETUN_RUNTIME_DIR");

	return env && *env == '/' ? env : RUNTIME_BASE;
}

uint64_t runtime_netns_cookie(void)
{
	uint64_t c = 0;
	socklen_t l = sizeof(c);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &c, &l))
		c = 0;
	close(fd);
	return c;
}

/* Remove what dfd holds, one level of directories (RUNTIME_DAEMON_DIR) too. */
static void dir_empty(int dfd)
{
	struct dirent *de;
	DIR *d = fdopendir(dup(dfd));

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type == DT_DIR) {
			int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			DIR *sd = sub >= 0 ? fdopendir(sub) : NULL;
			struct dirent *se;

			while (sd && (se = readdir(sd)))
				if (se->d_name[0] != '.')
					unlinkat(sub, se->d_name, 0);
			if (sd)
				closedir(sd);
			else if (sub >= 0)
				close(sub);
			unlinkat(dfd, de->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dfd, de->d_name, 0);
		}
	}
	closedir(d);
}

/* The directory, open and locked (flock on it: claim, prune and sweep take
 * it); -ESTALE when it was removed before we got the lock. */
static int dir_lock(const char *dir, bool wait)
{
	struct stat st;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW), ret;

	if (dfd < 0)
		return -errno;
	if (flock(dfd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) < 0) {
		ret = -errno;
		close(dfd);
		return ret;
	}
	if (fstat(dfd, &st) < 0 || st.st_nlink == 0) {
		close(dfd);
		return -ESTALE;
	}
	return dfd;
}

/*
 * The directory is named by the namespace's inode, which the kernel reuses
 * once a namespace is gone; a namespace deleted with tunnels in it leaves
 * its state behind. So the directory carries the namespace's cookie (never
 * reused): a directory with another cookie, or none, is a dead namespace's
 * and is emptied before use. The check runs under a lock on the directory.
 */
static int runtime_dir_claim(const char *dir)
{
	char want[32], have[32] = "";
	uint64_t cookie = runtime_netns_cookie();
	ssize_t n;
	int dfd, fd, ret = 0;

	if (!cookie)
		return 0;	/* kernel without SO_NETNS_COOKIE: trust the inode */
	snprintf(want, sizeof(want), "%" PRIu64 "\n", cookie);
	dfd = dir_lock(dir, true);
	if (dfd < 0)
		return dfd;
	fd = openat(dfd, "netns-cookie", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		n = read(fd, have, sizeof(have) - 1);
		have[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	if (!strcmp(have, want))
		goto out;
	dir_empty(dfd);
	fd = openat(dfd, "netns-cookie", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, want, strlen(want)) != (ssize_t)strlen(want))
		ret = -EIO;
	if (fd >= 0)
		close(fd);
out:
	close(dfd);	/* drops the flock */
	return ret;
}

static bool sweep_done;
static void runtime_sweep_once(void);

int runtime_dir(char *buf, size_t len, bool create)
{
	static bool claimed;
	struct stat st;
	int n, ret;

	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	n = snprintf(buf, len, "%s/net-%" PRIu64, runtime_base(), (uint64_t)st.st_ino);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (create && !sweep_done)
		runtime_sweep_once();
	/* A prune (last down) or a sweep (dead namespace) may remove the
	 * directory between our mkdir and our lock on it: then again. */
	for (int tries = 0;; tries++) {
		if (create) {
			if (mkdir(runtime_base(), 0755) < 0 && errno != EEXIST)
				return -errno;
			if (mkdir(buf, 0700) == 0)
				claimed = false;	/* a new one: its cookie */
			else if (errno != EEXIST)
				return -errno;
		} else if (access(buf, F_OK) < 0) {
			/* absent: no state, no tunnels; anything else (EACCES for
			 * someone not root) is no answer at all */
			return errno == ENOENT ? 0 : -errno;
		}
		if (claimed)
			return 0;
		ret = runtime_dir_claim(buf);
		if ((ret == -ESTALE || ret == -ENOENT) && tries < 10)
			continue;
		if (ret == -ENOENT && !create)
			return 0;
		/* a gretund --user passes through (0711) to its own directory,
		 * which root prepared, and claimed, before the drop */
		if (ret < 0 && !(ret == -EACCES && geteuid() != 0))
			return ret;
		claimed = true;
		return 0;
	}
}

static int runtime_path(char *buf, size_t len, const char *name, const char *suffix, bool create)
{
	char dir[256];
	int ret = runtime_dir(dir, sizeof(dir), create);
	int n;

	if (ret < 0)
		return ret;
	n = snprintf(buf, len, "%s/%s%s", dir, name, suffix);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Locks: one file per namespace directory, LOCK_FILE, with open file
 * description locks on it (F_OFD_SETLKW: per open, released by close, not
 * shared with forked hooks after their exec). A command on one tunnel locks
 * one byte at an offset a hash of the name picks; up --all and down --all
 * lock the whole file, so they wait for every single-tunnel command and
 * every one of those waits for them, while commands on different tunnels
 * run side by side (two names whose hashes meet merely wait for each other).
 */
#define LOCK_FILE "lock"	/* spelt out where docs_check.sh must see it */

static off_t lock_offset(const char *name)
{
	uint64_t h = 14695981039346656037ull;	/* FNV-1a */

	for (; *name; name++) {
		h ^= (unsigned char)*name;
		h *= 1099511628211ull;
	}
	return (off_t)(h >> 2);	/* a positive off_t */
}

static int lock_range(off_t start, off_t len)
{
	char path[320];
	int ret;

	for (int tries = 0;; tries++) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start,
				    .l_len = len };
		struct stat a, b;
		int fd;

		/* again each time: a prune may have removed the directory */
		ret = runtime_path(path, sizeof(path), "", "lock", true);
		if (ret < 0)
			return ret;
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			if (errno == ENOENT && tries < 10)
				continue;
			return -errno;
		}
		while (fcntl(fd, F_OFD_SETLKW, &fl) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			close(fd);
			return ret;
		}
		/* A prune after the last down may have unlinked the file
		 * before we got the lock: then it is on a dead inode. */
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return fd;
		close(fd);
	}
}

int runtime_lock(const char *name)
{
	return lock_range(lock_offset(name), 1);
}

int runtime_lock_all(void)
{
	return lock_range(0, 0);
}

/* Whether someone holds a lock on LOCK_FILE in dfd (a prune
 * must then keep it); true when it cannot tell. */
static bool lock_file_busy(int dfd, int *fdp)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd = openat(dfd, "lock", O_RDWR | O_CLOEXEC | O_NOFOLLOW);

	*fdp = -1;
	if (fd < 0)
		return errno != ENOENT;
	if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		close(fd);
		return true;
	}
	*fdp = fd;	/* held until the directory is gone */
	return false;
}

static bool dir_is_empty(const char *dir, const char *name)
{
	char path[512];
	struct dirent *de;
	bool empty = true;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	d = opendir(path);
	if (!d)
		return false;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			empty = false;
	closedir(d);
	return empty;
}

int runtime_daemon_dir_prepare(uid_t uid, gid_t gid)
{
	char dir[256], path[320];
	struct stat st;
	int fd, ret;

	ret = runtime_dir(dir, sizeof(dir), true);
	if (ret < 0)
		return ret;
	/* another user must be able to pass through to its own directory
	 * (search only: it still cannot list or open ours) */
	if (uid != 0 && chmod(dir, 0711) < 0)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s", dir, RUNTIME_DAEMON_DIR);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	/* never follow a link planted there: open it as a directory first */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = 0;
	if (fstat(fd, &st) < 0)
		ret = -errno;
	else if ((st.st_uid != uid || st.st_gid != gid) && fchown(fd, uid, gid) < 0)
		ret = -errno;
	else if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

void runtime_dir_prune(void)
{
	char dir[256];
	bool others = false;
	int lfd = -1;
	struct dirent *de;
	DIR *d;
	int dfd;

	if (runtime_dir(dir, sizeof(dir), false) < 0)
		return;
	/* Leave nothing behind after the last down: the cookie alone does
	 * not keep the directory. Under its lock, so that a claim never sees
	 * it without the cookie. */
	dfd = dir_lock(dir, true);
	if (dfd < 0)
		return;
	d = fdopendir(dup(dfd));
	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.' && strcmp(de->d_name, "netns-cookie") &&
			    strcmp(de->d_name, LOCK_FILE) &&
			    !(!strcmp(de->d_name, RUNTIME_DAEMON_DIR) &&
			      dir_is_empty(dir, de->d_name)))
				others = true;
		closedir(d);
	}
	/* a command between its lock and its state file keeps it all */
	if (d && !others)
		others = lock_file_busy(dfd, &lfd);
	if (d && !others) {
		char cookie[64] = "";
		ssize_t n = 0;
		int fd = openat(dfd, "netns-cookie", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

		if (fd >= 0) {
			n = read(fd, cookie, sizeof(cookie) - 1);
			close(fd);
		}
		/* gretund's directory, once it has nothing left in it */
		unlinkat(dfd, RUNTIME_DAEMON_DIR, AT_REMOVEDIR);
		unlinkat(dfd, LOCK_FILE, 0);
		unlinkat(dfd, "netns-cookie", 0);
		if (rmdir(dir) == 0) {
			rmdir(runtime_base());
		} else if (n > 0) {
			/* a file came in meanwhile (a lock): the directory stays,
			 * and so does its cookie */
			fd = openat(dfd, "netns-cookie",
				    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
			if (fd >= 0) {
				if (write(fd, cookie, (size_t)n) != n)
					unlinkat(dfd, "netns-cookie", 0);
				close(fd);
			}
		}
	}
	if (lfd >= 0)
		close(lfd);
	close(dfd);
}

void runtime_dir_remove(void)
{
	char dir[256];
	int dfd;

	if (runtime_dir(dir, sizeof(dir), false) < 0)
		return;
	dfd = dir_lock(dir, true);
	if (dfd < 0)
		return;
	dir_empty(dfd);
	if (rmdir(dir) == 0)
		rmdir(runtime_base());
	close(dfd);
}

/* ---- network namespaces: names, and which are alive ---------------------- */

#define NETNS_RUN_DIR "/run/netns"	/* where `ip netns add` mounts them */

static int self_netns(struct stat *st)
{
	return stat("/proc/self/ns/net", st) < 0 ? -errno : 0;
}

int runtime_netns_name(char *name, size_t len)
{
	struct stat self, st;
	struct dirent *de;
	char path[512];
	DIR *d;
	int ret = -ENOENT;

	if (self_netns(&self) < 0)
		return -errno;
	d = opendir(NETNS_RUN_DIR);
	if (!d)
		return errno == ENOENT ? -ENOENT : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", de->d_name);
		if (stat(path, &st) == 0 && st.st_ino == self.st_ino && st.st_dev == self.st_dev &&
		    strlen(de->d_name) < len) {
			strcpy(name, de->d_name);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

bool runtime_netns_is_named(const char *name)
{
	struct stat self, st;
	char path[512];

	if (self_netns(&self) < 0)
		return true;	/* cannot tell: assume it is */
	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	return stat(path, &st) == 0 && st.st_ino == self.st_ino && st.st_dev == self.st_dev;
}

struct inos {
	uint64_t *v;
	size_t n, cap;
};

static int inos_add(struct inos *s, uint64_t ino)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == ino)
			return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		uint64_t *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = ino;
	return 0;
}

static bool inos_has(const struct inos *s, uint64_t ino)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == ino)
			return true;
	return false;
}

/*
 * The inodes of every network namespace that is alive as far as we can
 * see: one a process is in (/proc/PID/ns/net) or one mounted somewhere
 * (nsfs in our mountinfo: `ip netns add` names, container runtimes' bind
 * mounts). /proc/PID/ns/net of a process with capabilities we lack says
 * EACCES; its /proc/PID/net/dev is readable, and that entry's inode is one
 * per namespace: a namespace seen through another process names it. A
 * process whose namespace stays unknown makes the answer unknown (-EACCES):
 * nothing is swept then.
 */
static int netns_alive(struct inos *s)
{
	struct inos dev = { 0 }, hidden = { 0 };
	char path[64], line[1024];
	struct dirent *de;
	struct stat st, dst;
	FILE *f;
	DIR *d;
	int ret = 0;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (!ret && fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, " net:[");
		unsigned long long ino;

		if (p && sscanf(p, " net:[%llu]", &ino) == 1)
			ret = inos_add(s, ino);
	}
	fclose(f);
	d = opendir("/proc");
	if (!d)
		return -errno;
	while (!ret && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/ns/net", de->d_name);
		if (stat(path, &st) == 0) {
			ret = inos_add(s, (uint64_t)st.st_ino);
			snprintf(path, sizeof(path), "/proc/%.20s/net/dev", de->d_name);
			if (!ret && stat(path, &dst) == 0)
				ret = inos_add(&dev, (uint64_t)dst.st_ino);
		} else if (errno == EACCES || errno == EPERM) {
			snprintf(path, sizeof(path), "/proc/%.20s/net/dev", de->d_name);
			if (stat(path, &dst) == 0)
				ret = inos_add(&hidden, (uint64_t)dst.st_ino);
			else if (errno != ENOENT && errno != ESRCH)
				ret = -EACCES;
		} else if (errno != ENOENT && errno != ESRCH) {
			ret = -errno;	/* gone meanwhile is fine */
		}
	}
	closedir(d);
	/* the namespace of a hidden process is one a visible process is in
	 * (and so in s), or unknown */
	for (size_t i = 0; !ret && i < hidden.n; i++)
		if (!inos_has(&dev, hidden.v[i]))
			ret = -EACCES;
	free(dev.v);
	free(hidden.v);
	return ret;
}

/* Directories of namespaces that are gone: net-INODE with no process in
 * that namespace and no mount of it. Checked again under each directory's
 * lock (a claim of a new namespace with the same inode waits for it, and
 * then finds the directory gone and makes a new one). */
static void runtime_sweep_once(void)
{
	struct inos alive = { 0 }, dead = { 0 };
	struct stat self;
	struct dirent *de;
	char path[512];
	int *fds = NULL;
	DIR *d;

	sweep_done = true;
	if (self_netns(&self) < 0 || !(d = opendir(runtime_base())))
		return;
	while ((de = readdir(d))) {
		unsigned long long ino;
		char end;

		if (sscanf(de->d_name, "net-%llu%c", &ino, &end) != 1 ||
		    ino == (uint64_t)self.st_ino)
			continue;
		if (inos_add(&dead, ino) < 0)
			goto out;
	}
	if (!dead.n)
		goto out;	/* nothing but ours: no need to look at processes */
	if (netns_alive(&alive) < 0)
		goto out;
	{
		size_t k = 0;

		for (size_t i = 0; i < dead.n; i++)
			if (!inos_has(&alive, dead.v[i]))
				dead.v[k++] = dead.v[i];
		dead.n = k;
	}
	if (!dead.n)
		goto out;
	fds = calloc(dead.n, sizeof(*fds));
	if (!fds)
		goto out;
	for (size_t i = 0; i < dead.n; i++) {
		snprintf(path, sizeof(path), "%s/net-%" PRIu64, runtime_base(), dead.v[i]);
		fds[i] = dir_lock(path, false);	/* busy: someone uses it */
	}
	free(alive.v);
	alive = (struct inos){ 0 };
	if (netns_alive(&alive) == 0) {
		for (size_t i = 0; i < dead.n; i++) {
			if (fds[i] < 0 || inos_has(&alive, dead.v[i]))
				continue;
			snprintf(path, sizeof(path), "%s/net-%" PRIu64, runtime_base(), dead.v[i]);
			dir_empty(fds[i]);
			rmdir(path);
		}
	}
	for (size_t i = 0; i < dead.n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
out:
	closedir(d);
	free(fds);
	free(alive.v);
	free(dead.v);
}

void runtime_sweep(void)
{
	runtime_sweep_once();
}

void runtime_unlock(int fd, const char *name, bool remove)
{
	if (fd < 0)
		return;
	close(fd);
	if (remove)
		runtime_dir_prune();
}

static void fmt_addr(FILE *f, int family, const union inet_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	fputs(inet_ntop(family, a, buf, sizeof(buf)) ? buf : "?", f);
}

/* Facts about the tunnel that are not config keys ride in comment lines,
 * which the config parser skips: "#@ Key = value". */
#define META_SOURCE	"#@ Source = "
#define META_MTU_AUTO	"#@ MTU = auto"

static void meta_format(const struct state_meta *m, FILE *f)
{
	if (!m)
		return;
	fputs("# written by gretunctl; not a config file to edit\n", f);
	/* (a path with a newline in it cannot be said on one line: then
	 * down and set fall back to DIR/NAME.conf) */
	if (m->source[0] && !strchr(m->source, '\n'))
		fprintf(f, META_SOURCE "%s\n", m->source);
	if (m->mtu_auto)
		fputs(META_MTU_AUTO "\n", f);
}

int tunnel_format_conf(const struct tunnel *t, FILE *f)
{
	fputs("[Tunnel]\n", f);
	tunnel_fields_format_conf(t, f);
	for (size_t i = 0; i < t->n_addresses; i++) {
		fputs("Address = ", f);
		fmt_addr(f, t->addresses[i].family, &t->addresses[i].addr);
		fprintf(f, "/%u\n", t->addresses[i].len);
	}
	for (size_t i = 0; i < t->n_routes; i++) {
		const struct route *r = &t->routes[i];

		fputs("\n[Route]\nDestination = ", f);
		fmt_addr(f, r->dst.family, &r->dst.addr);
		fprintf(f, "/%u\n", r->dst.len);
		if (r->flags & ROUTE_HAS_GATEWAY) {
			fputs("Gateway = ", f);
			fmt_addr(f, r->dst.family, &r->gateway);
			fputc('\n', f);
		}
		if (r->flags & ROUTE_HAS_METRIC)
			fprintf(f, "Metric = %" PRIu32 "\n", r->metric);
		if (r->flags & ROUTE_HAS_TABLE)
			fprintf(f, "Table = %" PRIu32 "\n", r->table);
		if (r->flags & ROUTE_HAS_SOURCE) {
			fputs("Source = ", f);
			fmt_addr(f, r->dst.family, &r->source);
			fputc('\n', f);
		}
	}
	return ferror(f) ? -EIO : 0;
}

int state_save(const struct tunnel *t, const struct state_meta *m)
{
	char path[320], tmp[330];
	FILE *f;
	int fd, ret;

	ret = runtime_path(path, sizeof(path), t->name, ".conf", true);
	if (ret < 0)
		return ret;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		goto out;
	}
	meta_format(m, f);
	ret = tunnel_format_conf(t, f);
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, path) < 0)
		ret = -errno;
out:
	if (ret < 0)
		unlink(tmp);
	return ret;
}

int state_load(const char *name, struct tunnel *t, char *err, size_t errlen)
{
	char path[320];
	int ret = runtime_path(path, sizeof(path), name, ".conf", false);

	if (ret < 0)
		return ret;
	ret = config_load_file(path, t, err, errlen);
	if (ret < 0)
		return ret;
	snprintf(t->name, sizeof(t->name), "%s", name);
	return config_finalize(t, err, errlen);
}

int state_load_meta(const char *name, struct state_meta *m)
{
	char path[320], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int ret = runtime_path(path, sizeof(path), name, ".conf", false);

	memset(m, 0, sizeof(*m));
	if (ret < 0)
		return ret;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (!strncmp(line, META_SOURCE, strlen(META_SOURCE)))
			snprintf(m->source, sizeof(m->source), "%s", line + strlen(META_SOURCE));
		else if (!strcmp(line, META_MTU_AUTO))
			m->mtu_auto = true;
		else if (line[0] != '#')
			break;	/* the facts come first */
	}
	free(line);
	fclose(f);
	return 0;
}

int state_remove(const char *name)
{
	char path[320];
	int ret = runtime_path(path, sizeof(path), name, ".conf", false);

	if (ret < 0)
		return ret;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int state_list(char (**names)[IFNAMSIZ], size_t *n)
{
	char dir[256];
	char (*v)[IFNAMSIZ] = NULL;
	size_t count = 0;
	struct dirent *de;
	DIR *d;
	int ret = runtime_dir(dir, sizeof(dir), false);

	*names = NULL;
	*n = 0;
	if (ret < 0)
		return ret;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char (*nv)[IFNAMSIZ];

		if (len <= 5 || len - 5 >= IFNAMSIZ || strcmp(de->d_name + len - 5, ".conf"))
			continue;
		nv = realloc(v, (count + 1) * sizeof(*v));
		if (!nv) {
			ret = -ENOMEM;
			goto out;
		}
		v = nv;
		memcpy(v[count], de->d_name, len - 5);
		v[count][len - 5] = '\0';
		count++;
	}
	if (count)
		qsort(v, count, sizeof(*v), (int (*)(const void *, const void *))strcmp);
out:
	closedir(d);
	if (ret < 0) {
		free(v);
		return ret;
	}
	*names = v;
	*n = count;
	return 0;
}
