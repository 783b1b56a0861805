/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The conformance cases' fixtures; see fixtures.h. */
#include "fixtures.h"

int map_parse(const char *spec, struct map *m)
{
	char *s = strdup(spec), *save = NULL, *tok;
	int r = 0;

	memset(m, 0, sizeof(*m));
	for (tok = strtok_r(s, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		char kind = 'b';
		struct extent e;
		if (tok[0] && tok[1] == ':' && strchr("ubg", tok[0])) {
			kind = tok[0];
			tok += 2;
		}
		if (sscanf(tok, "%lu:%lu:%lu", &e.disk, &e.host, &e.count) != 3 || !e.count ||
		    m->nu >= 32 || m->ng >= 32) {
			r = -EINVAL;
			break;
		}
		if (kind != 'g')
			m->u[m->nu++] = e;
		if (kind != 'u')
			m->g[m->ng++] = e;
	}
	free(s);
	return r;
}

/* -1 when the id has no mapping. */
long d2h(const struct extent *e, int n, unsigned long id)
{
	for (int i = 0; i < n; i++)
		if (id >= e[i].disk && id - e[i].disk < e[i].count)
			return (long)(e[i].host + (id - e[i].disk));
	return -1;
}

long h2d(const struct extent *e, int n, unsigned long id)
{
	for (int i = 0; i < n; i++)
		if (id >= e[i].host && id - e[i].host < e[i].count)
			return (long)(e[i].disk + (id - e[i].host));
	return -1;
}

/* ------------------------------------------------------------- globals */

const char *g_backend = "?", *g_fs = "?";
const char *g_src, *g_mnt, *g_mnt2, *g_nosuid, *g_circ, *g_circ_map;
struct map g_map, g_cmap;
int g_src_fd = -1, g_mnt_fd = -1, g_mnt2_fd = -1, g_nosuid_fd = -1, g_circ_fd = -1;
uid_t g_unm_u; /* a host uid the mount does not map */
gid_t g_unm_g;
unsigned long g_dunm; /* a disk id the mount does not map */
uid_t g_ovu;
gid_t g_ovg;
int g_res = -1;		 /* where a case child sends its results */
const char *g_no_userns; /* why user namespaces cannot be made, or NULL */

/* -------------------------------------------------------- child reports */

void vemit(char kind, const char *fmt, va_list ap)
{
	char buf[3072];
	size_t l;

	buf[0] = kind;
	vsnprintf(buf + 1, sizeof(buf) - 2, fmt, ap);
	l = strlen(buf);
	for (size_t i = 0; i < l; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
	buf[l++] = '\n';
	/* One write below PIPE_BUF: lines from several processes never mix. */
	if (write(g_res, buf, l) < 0)
		_exit(3);
}

__attribute__((format(printf, 2, 3))) void emit(char kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vemit(kind, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) bool check(bool cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vemit(cond ? 'P' : 'F', fmt, ap);
	va_end(ap);
	return cond;
}

__attribute__((format(printf, 1, 2), noreturn)) void fatal(const char *fmt, ...)
{
	char buf[2048];
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	emit('F', "setup failed: %s: %s", buf, strerror(e));
	_exit(1);
}

const char *outcome(int r, int e)
{
	return r < 0 ? strerror(e) : "success";
}

/* The result of the call must be the first argument: errno is read first. */
__attribute__((format(printf, 3, 4))) bool expect_errno(int r, int want, const char *fmt, ...)
{
	int e = errno;
	char buf[2048];
	va_list ap;
	bool good = r < 0 && e == want;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	check(good, "%s", buf);
	if (!good)
		note("  got %s, want %s", outcome(r, e), strerror(want));
	return good;
}

__attribute__((format(printf, 2, 3))) bool expect_ok(int r, const char *fmt, ...)
{
	int e = errno;
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	check(r >= 0, "%s", buf);
	if (r < 0)
		note("  failed: %s", strerror(e));
	return r >= 0;
}

/* uid/gid -1: do not compare. */
__attribute__((format(printf, 6, 7))) bool expect_owner(int dfd, const char *path, int flags,
							long uid, long gid, const char *fmt, ...)
{
	struct stat st;
	char buf[2048];
	va_list ap;
	bool good;
	int r = fstatat(dfd, path, &st, flags);

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	good = r == 0 && (uid < 0 || st.st_uid == (uid_t)uid) &&
	       (gid < 0 || st.st_gid == (gid_t)gid);
	check(good, "%s", buf);
	if (r < 0)
		note("  stat %s: %s", path, strerror(errno));
	else if (!good)
		note("  got owner %u:%u, want %ld:%ld", st.st_uid, st.st_gid, uid, gid);
	return good;
}

__attribute__((format(printf, 5, 6))) bool expect_mode(int dfd, const char *path, int flags,
						       mode_t want, const char *fmt, ...)
{
	struct stat st;
	char buf[2048];
	va_list ap;
	bool good;
	int r = fstatat(dfd, path, &st, flags);

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	good = r == 0 && (st.st_mode & 07777) == want;
	check(good, "%s", buf);
	if (r < 0)
		note("  stat %s: %s", path, strerror(errno));
	else if (!good)
		note("  got mode %04o, want %04o", st.st_mode & 07777, want);
	return good;
}

__attribute__((format(printf, 3, 4))) bool expect_absent(int dfd, const char *path, const char *fmt,
							 ...)
{
	struct stat st;
	char buf[2048];
	va_list ap;
	int r = fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW);
	int e = errno;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	check(r < 0 && e == ENOENT, "%s", buf);
	if (r == 0)
		note("  %s exists (owner %u:%u)", path, st.st_uid, st.st_gid);
	return r < 0 && e == ENOENT;
}

/* -------------------------------------------------------- credentials */

int caps_set(uint64_t eff)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	d[0].effective = (uint32_t)eff & d[0].permitted;
	d[1].effective = (uint32_t)(eff >> 32) & d[1].permitted;
	return (int)syscall(SYS_capset, &h, d);
}

/* Keep euid 0 and every capability, act on the filesystem as uid:gid. */
void as_fsids(uid_t uid, gid_t gid, bool privileged)
{
	setfsgid(gid);
	setfsuid(uid);
	/* setfsuid/setfsgid fail silently; ask again to verify. */
	if ((uid_t)setfsuid((uid_t)-1) != uid || (gid_t)setfsgid((gid_t)-1) != gid)
		fatal("setfsuid %u / setfsgid %u", uid, gid);
	if (caps_set(privileged ? ALL_CAPS : 0) < 0)
		fatal("capset");
}

/* Become uid:gid with these supplementary groups, keeping only `caps`. */
void become(uid_t uid, gid_t gid, int ngroups, const gid_t *groups, uint64_t caps)
{
	uid_t r, e, s;

	if (setgroups(ngroups, groups) < 0)
		fatal("setgroups");
	if (setresgid(gid, gid, gid) < 0)
		fatal("setresgid %u", gid);
	if (caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		fatal("PR_SET_KEEPCAPS");
	if (setresuid(uid, uid, uid) < 0)
		fatal("setresuid %u", uid);
	if (getresuid(&r, &e, &s) < 0 || r != uid || e != uid || s != uid)
		fatal("setresuid did not take");
	if (caps_set(caps) < 0)
		fatal("capset");
}

int wait_sub(pid_t pid, const char *what)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			fatal("waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		emit('F', "%s: killed by signal %d", what, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 1) /* 1: it reported why already */
		emit('F', "%s: exited with status %d", what, WEXITSTATUS(status));
	return -1;
}

/* Run fn in a child process (its credential changes stay there). */
int sub(sub_fn fn, void *arg)
{
	pid_t pid = fork();

	if (pid < 0)
		fatal("fork");
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	return wait_sub(pid, "subprocess");
}

void write_map(pid_t pid, const char *which, const char *map)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, which);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fatal("open %s", path);
	if (write(fd, map, strlen(map)) != (ssize_t)strlen(map))
		fatal("write %s \"%s\"", path, map);
	close(fd);
}

/*
 * Run fn as uid:gid of a new user namespace with these maps (lines of
 * uid_map text, ids of the caller's namespace).  The caller writes the maps,
 * as a container runtime does; it may itself be inside a user namespace.
 * 0 when fn ran and its process ended well, 1 when no user namespace can be
 * made here (reported as a skip), -1 otherwise.
 */
int in_userns(const char *uidmap, const char *gidmap, uid_t uid, gid_t gid, sub_fn fn, void *arg)
{
	int ready[2], go[2];
	char c;
	pid_t pid;

	if (g_no_userns) {
		skipc("user namespaces: %s", g_no_userns);
		return 1;
	}
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
		fatal("pipe");
	pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		if (unshare(CLONE_NEWUSER) < 0)
			fatal("unshare(CLONE_NEWUSER)");
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		if (setgroups(0, NULL) < 0)
			fatal("setgroups in user namespace");
		if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
			fatal("switching to %u:%u in user namespace", uid, gid);
		/* The id change made us undumpable; our own children's
		 * /proc files must stay ours to write their maps. */
		if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
			fatal("PR_SET_DUMPABLE");
		fn(arg);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	if (read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		close(go[1]);
		return wait_sub(pid, "user namespace child");
	}
	write_map(pid, "uid_map", uidmap);
	write_map(pid, "gid_map", gidmap);
	if (write(go[1], "g", 1) != 1)
		fatal("write");
	close(ready[0]);
	close(go[1]);
	return wait_sub(pid, "user namespace child");
}

int open_dir(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fatal("open directory %s", name);
	return fd;
}

void src_mkdir(int dfd, const char *name, uid_t uid, gid_t gid, mode_t mode)
{
	if (mkdirat(dfd, name, 0700) < 0 || fchownat(dfd, name, uid, gid, 0) < 0 ||
	    fchmodat(dfd, name, mode, 0) < 0)
		fatal("mkdir %s", name);
}

void src_file(int dfd, const char *name, uid_t uid, gid_t gid, mode_t mode)
{
	int fd = openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0 || fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0)
		fatal("create %s", name);
	close(fd);
}

void src_symlink(int dfd, const char *name, const char *target, uid_t uid, gid_t gid)
{
	if (symlinkat(target, dfd, name) < 0 ||
	    fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		fatal("symlink %s", name);
}

/* The case's own directory, made on the source with disk ids (as root). */
struct wd workdir(const char *name, uid_t uid, gid_t gid, mode_t mode)
{
	struct wd w;
	src_mkdir(g_src_fd, name, uid, gid, mode);
	w.s = open_dir(g_src_fd, name);
	w.m = open_dir(g_mnt_fd, name);
	return w;
}

/* open(O_CREAT) and close; the result of the open. */
int create_file(int dfd, const char *name, int flags, mode_t mode)
{
	int fd = openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | flags, mode);
	int e = errno;
	if (fd >= 0)
		close(fd);
	errno = e;
	return fd < 0 ? -1 : 0;
}

long read_long(const char *path)
{
	char buf[64] = "";
	long v = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) > 0)
			v = strtol(buf, NULL, 10);
		close(fd);
	}
	return v;
}

size_t acl_build(struct acl *a, const struct acl_ent *ents, int n)
{
	a->version = ACL_XATTR_VERSION;
	for (int i = 0; i < n; i++)
		a->e[i] = ents[i];
	return sizeof(uint32_t) + (size_t)n * sizeof(struct acl_ent);
}

/* The id of the entry with this tag (USER or GROUP), -1 if none, -2 on error. */
long acl_get_id(int dfd, const char *path, const char *name, uint16_t tag, uint16_t *perm)
{
	struct acl a;
	char p[4096];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", dfd, path);
	n = getxattr(p, name, &a, sizeof(a));
	if (n < (ssize_t)sizeof(uint32_t))
		return -2;
	for (size_t i = 0; i < (n - sizeof(uint32_t)) / sizeof(struct acl_ent); i++)
		if (a.e[i].tag == tag) {
			if (perm)
				*perm = a.e[i].perm;
			return a.e[i].id;
		}
	return -1;
}

int acl_set(int dfd, const char *path, const char *name, const struct acl_ent *ents, int n)
{
	struct acl a;
	char p[4096];
	size_t len = acl_build(&a, ents, n);

	snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", dfd, path);
	return setxattr(p, name, &a, len, 0);
}

int caps_write(int fd, bool v3, uint32_t rootid)
{
	struct nscaps c = {0};
	c.magic_etc = (v3 ? REV3 : REV2) | 1 /* effective */;
	c.data[0].permitted = 1u << 13; /* CAP_NET_RAW */
	c.rootid = rootid;
	return fsetxattr(fd, CAPS_XATTR, &c, v3 ? CAPS_SZ3 : CAPS_SZ2, 0);
}

/* "v2", "v3:ROOTID", or "error:WHY" */
const char *caps_read(int fd, char *buf, size_t len)
{
	struct nscaps c = {0};
	ssize_t n = fgetxattr(fd, CAPS_XATTR, &c, sizeof(c));

	if (n < 0)
		snprintf(buf, len, "error:%s", strerror(errno));
	else if ((c.magic_etc & REV_MASK) == REV2 && n == CAPS_SZ2)
		snprintf(buf, len, "v2");
	else if ((c.magic_etc & REV_MASK) == REV3 && n == CAPS_SZ3)
		snprintf(buf, len, "v3:%u", c.rootid);
	else
		snprintf(buf, len, "bad:%zd:%08x", n, c.magic_etc);
	if (n > 0 && !(c.data[0].permitted & (1u << 13)))
		snprintf(buf, len, "lost-permitted-bits");
	return buf;
}
