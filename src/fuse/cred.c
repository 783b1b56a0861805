/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ids and credentials.  The kernel gives us the caller's host ids (ids of the
 * user namespace that mounted us); the mount's map turns them into disk ids.
 *
 * An operation on a name (create, mknod, mkdir, symlink, link, rename,
 * unlink, rmdir, O_TMPFILE) is done by the worker thread wearing the caller:
 * fsuid/fsgid are the caller's disk ids (raw setfsuid()/setfsgid(), which act
 * on the calling thread only; verified after the call), and the effective
 * set loses CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER (raw
 * capset() on the thread).  The underlying filesystem then judges the call
 * as it would judge the caller, on the inode it really meets: the kernel's
 * own check (default_permissions) was made on cached attributes and on the
 * name as it was at lookup, and another view of the same source, or the
 * host, may have changed either since.  A new inode gets its owner, its
 * setgid-directory group and its default ACL from the filesystem in one
 * step: nobody ever sees it with another owner.
 *
 * The kernel's fsuid fixup (commoncap.c, unless SECBIT_NO_SETUID_FIXUP) drops
 * the whole filesystem set (CHOWN, DAC_*, FOWNER, FSETID, MKNOD,
 * LINUX_IMMUTABLE, MAC_OVERRIDE) only when fsuid goes from 0 to non-0 and
 * raises it back on the way to 0: a caller whose disk id is 0 would keep
 * every capability.  So the fixup is turned off (securebits) and the three
 * are dropped explicitly whatever the ids; CAP_MKNOD and CAP_FSETID stay,
 * because the kernel checked those for the caller already (vfs_mknod, and
 * the setgid stripping of vfs_prepare_mode above us).
 *
 * A FUSE request carries no supplementary groups and says nothing of the
 * caller's capabilities.  So the first try wears neither (the workers have
 * no supplementary groups of their own: cred_setup_process drops them), and
 * only when the filesystem says EACCES or EPERM does cred_denied() read the
 * caller from /proc/<pid> and add what it really holds, for one retry:
 *   - its supplementary groups, mapped to disk ids (unmapped ones dropped);
 *   - each of the three capabilities in its effective set, raised for that
 *     one syscall, if the caller is privileged over every inode the call
 *     depends on as the kernel's capable_wrt_inode_uidgid() would have it.
 *     The caller's capabilities are those of ITS user namespace, so they
 *     count only over inodes whose host uid and gid that namespace maps: a
 *     container root overrides permissions on its container's files, never
 *     on files the mount shows as the overflow id (outside the map) or on
 *     ids another tenant's namespace owns.  FUSE lets only processes of the
 *     mount's user namespace or its descendants in (fuse_allow_current_process),
 *     so the caller's namespace is ours, which maps every id, or a
 *     descendant, whose uid_map we read as translated into our namespace.
 * The pid is safe to use: the caller sleeps in its syscall until we answer
 * (a request the daemon has read is waited for uninterruptibly), so the
 * task, and its credentials, stay what they were when it asked.  Its fsuid
 * and fsgid in /proc are checked against the request's all the same.
 *
 * With FUSE_ALLOW_IDMAP (-o idmap) the kernel sends the caller's ids only
 * with the requests that make an inode (mknod, mkdir, symlink, create,
 * tmpfile), mapped through the idmap of the mount it came through; every
 * other request, link, rename, unlink and rmdir among them, carries uid and
 * gid (uint32_t)-1, on every mount of ours.  Those are done with the
 * daemon's rights, after the kernel's own check (default_permissions, made
 * through the mount's idmap), as a caller without disk ids always was
 * (cred_enter_or_stay).  A create through an idmapped mount wears the ids it
 * carries; the task's ids in /proc are then not those, and its groups and
 * capabilities are of ids we cannot place, so when the filesystem refuses,
 * the retry is with the daemon's rights on what the kernel checked (never on
 * an inode it did not: cred_unchecked()).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/securebits.h>

#include "fs.h"

/* What a worker must not have while wearing a caller, unless the caller has it. */
#define CALLER_CAPS                                                                                \
	((1ull << CAP_DAC_OVERRIDE) | (1ull << CAP_DAC_READ_SEARCH) | (1ull << CAP_FOWNER))
#define MAX_GROUPS  256
#define MAX_EXTENTS 340 /* the kernel's limit of a uid_map */

struct extent {
	uint32_t first, lower, count;
};

/* The caller as /proc tells it, read once per request, when first needed. */
struct caller {
	int loaded, valid;
	int idmapped; /* a task whose ids are not the request's: an idmapped mount */
	uint64_t cap_eff;
	int same_ns; /* in our own user namespace: every id is mapped */
	size_t ngroups, nuid, ngid;
	gid_t groups[MAX_GROUPS];
	struct extent uid[MAX_EXTENTS], gid[MAX_EXTENTS];
};

/* The request the thread is serving, and what it wears for it. */
static __thread struct {
	int worn;
	uid_t huid;
	gid_t hgid;
	pid_t pid;
	int groups_set;	 /* the caller's groups are on the thread */
	uint64_t raised; /* CALLER_CAPS now in the effective set */
	uint64_t fsetid; /* CAP_FSETID, when the request asked to kill suid/sgid */
	int unchecked;	 /* the call is on an inode the kernel did not check */
	struct caller *who;
} cur;

static uid_t own_fsuid;
static gid_t own_fsgid;
static uint64_t own_effective; /* restored when a worker stops wearing a caller */
static __thread int fs_unshared;
static char own_userns[64];

uid_t host_uid(uid_t disk)
{
	uint32_t h;
	return sm_idmap_to_outer(&sm_fs.cfg.uid, disk, &h) < 0 ? (uid_t)-1 : h;
}

gid_t host_gid(gid_t disk)
{
	uint32_t h;
	return sm_idmap_to_outer(&sm_fs.cfg.gid, disk, &h) < 0 ? (gid_t)-1 : h;
}

void stat_to_host(struct stat *st)
{
	st->st_uid = host_uid(st->st_uid);
	st->st_gid = host_gid(st->st_gid);
}

static int disk_ids(uid_t huid, gid_t hgid, uid_t *ret_uid, gid_t *ret_gid)
{
	uint32_t u, g;

	if (sm_idmap_to_inner(&sm_fs.cfg.uid, huid, &u) < 0 ||
	    sm_idmap_to_inner(&sm_fs.cfg.gid, hgid, &g) < 0)
		return -EOVERFLOW;
	*ret_uid = u;
	*ret_gid = g;
	return 0;
}

int req_disk_ids(fuse_req_t req, uid_t *ret_uid, gid_t *ret_gid)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	return disk_ids(ctx->uid, ctx->gid, ret_uid, ret_gid);
}

int req_ids_unknown(fuse_req_t req)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	return sm_fs.allow_idmap && (ctx->uid == (uid_t)-1 || ctx->gid == (gid_t)-1);
}

/* The thread's effective set; permitted and inheritable stay what they are
 * in every worker (read once, before the workers exist), so no capget. */
static struct __user_cap_data_struct own_caps[2];

static int caps_set_effective(uint64_t eff)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2] = {own_caps[0], own_caps[1]};

	d[0].effective = (uint32_t)eff;
	d[1].effective = (uint32_t)(eff >> 32);
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	return 0;
}

int cred_setup_process(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};

	own_fsuid = geteuid();
	own_fsgid = getegid();
	if (syscall(SYS_capget, &h, own_caps) == 0)
		own_effective = own_caps[0].effective | (uint64_t)own_caps[1].effective << 32;
	/* fsuid changes leave the capabilities alone; cred_enter() says which
	 * go.  Without CAP_SETPCAP the bit cannot be set; cred_enter() then
	 * sets the effective set after the fsuid change, which comes to the
	 * same. */
	(void)prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0);
	/* No supplementary groups of the daemon's (root's group 0, say) may
	 * lend rights to a caller the thread wears.  Before any thread exists,
	 * so glibc's process-wide setgroups() is right; in a user namespace
	 * whose setgroups is "deny" it fails and the groups stay. */
	(void)setgroups(0, NULL);
	if (readlink("/proc/self/ns/user", own_userns, sizeof(own_userns) - 1) < 0)
		own_userns[0] = '\0';
	return 0;
}

static int set_fsids(uid_t u, gid_t g)
{
	syscall(SYS_setfsgid, g);
	syscall(SYS_setfsuid, u);
	/* Both fail silently; asking with an invalid id returns the current one. */
	if ((gid_t)syscall(SYS_setfsgid, (gid_t)-1) != g ||
	    (uid_t)syscall(SYS_setfsuid, (uid_t)-1) != u)
		return -EOVERFLOW;
	return 0;
}

int cred_enter(fuse_req_t req, int with_umask)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	return cred_enter_ids(ctx->uid, ctx->gid, ctx->pid, with_umask ? (int)ctx->umask : -1);
}

int cred_enter_ids(uid_t huid, gid_t hgid, pid_t pid, int umask_or_neg)
{
	uid_t u;
	gid_t g;
	int r = disk_ids(huid, hgid, &u, &g);
	if (r < 0)
		return r;

	if (umask_or_neg >= 0 && sm_fs.dont_mask) {
		/* The umask lives in fs_struct, shared by all threads until unshared. */
		if (!fs_unshared) {
			if (unshare(CLONE_FS) < 0)
				return -errno;
			fs_unshared = 1;
		}
		umask((mode_t)umask_or_neg);
	}
	cur.worn = 1;
	cur.huid = huid;
	cur.hgid = hgid;
	cur.pid = pid;
	cur.groups_set = 0;
	cur.raised = 0;
	cur.unchecked = 0;
	cur.who = NULL;
	/* An O_TRUNC the kernel says the caller may not keep suid/sgid over. */
	cur.fsetid = shim_kill_suidgid() ? 1ull << CAP_FSETID : 0;
	r = set_fsids(u, g);
	if (r == 0)
		r = caps_set_effective(own_effective & ~(CALLER_CAPS | cur.fsetid));
	if (r < 0)
		cred_leave(); /* e.g. a disk id our user namespace lacks (rootless) */
	return r;
}

int cred_enter_or_stay(fuse_req_t req)
{
	int r = cred_enter(req, 0);
	return r == -EOVERFLOW ? 0 : r;
}

void cred_leave(void)
{
	int e = errno;
	if (!cur.worn)
		return;
	if (cur.groups_set)
		syscall(SYS_setgroups, 0, NULL); /* this thread only */
	caps_set_effective(own_effective);
	syscall(SYS_setfsuid, own_fsuid);
	syscall(SYS_setfsgid, own_fsgid);
	free(cur.who);
	cur.who = NULL;
	cur.worn = 0;
	errno = e;
}

/* ---- the caller, read from /proc when the filesystem said no ---- */

static size_t read_extents(int pdir, const char *name, struct extent *x, size_t max)
{
	int fd = openat(pdir, name, O_RDONLY | O_CLOEXEC);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
	size_t n = 0;

	if (!f) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (n < max && fscanf(f, "%u %u %u", &x[n].first, &x[n].lower, &x[n].count) == 3)
		n++;
	fclose(f);
	return n;
}

/* fsuid or fsgid of a "Uid:"/"Gid:" line (real, effective, saved, fs). */
static int fs_id_of(const char *rest, uint32_t *ret)
{
	unsigned r, e, s, fs;
	if (sscanf(rest, "%u %u %u %u", &r, &e, &s, &fs) != 4)
		return -1;
	*ret = fs;
	return 0;
}

static void load_caller(struct caller *c)
{
	char path[32], line[4096], ns[64];
	int ok_uid = 0, ok_gid = 0, have_caps = 0;

	c->loaded = 1;
	if (cur.pid <= 0) /* not in our pid namespace: we cannot tell who it is */
		return;
	snprintf(path, sizeof(path), "/proc/%d", (int)cur.pid);
	int pdir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pdir < 0)
		return;
	int fd = openat(pdir, "status", O_RDONLY | O_CLOEXEC);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
	if (!f) {
		if (fd >= 0)
			close(fd);
		close(pdir);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		uint32_t id;
		if (!strncmp(line, "Uid:", 4))
			ok_uid = fs_id_of(line + 4, &id) == 0 && id == cur.huid;
		else if (!strncmp(line, "Gid:", 4))
			ok_gid = fs_id_of(line + 4, &id) == 0 && id == cur.hgid;
		else if (!strncmp(line, "CapEff:", 7))
			have_caps =
				sscanf(line + 7, "%llx", (unsigned long long *)&c->cap_eff) == 1;
		else if (!strncmp(line, "Groups:", 7)) {
			char *p = line + 7, *end;
			for (;;) {
				unsigned long g = strtoul(p, &end, 10);
				if (end == p)
					break;
				p = end;
				/* An id unmapped for us reads as the overflow gid. */
				if (g != sm_fs.overflow_gid && c->ngroups < MAX_GROUPS)
					c->groups[c->ngroups++] = (gid_t)g;
			}
		}
	}
	fclose(f);
	/* Through an idmapped mount of ours the request's ids are the task's
	 * mapped by that mount's idmap. */
	c->idmapped = sm_fs.allow_idmap && have_caps && !(ok_uid && ok_gid);
	ssize_t n = readlinkat(pdir, "ns/user", ns, sizeof(ns) - 1);
	if (n > 0) {
		ns[n] = '\0';
		c->same_ns = own_userns[0] && !strcmp(ns, own_userns);
	}
	if (!c->same_ns) {
		c->nuid = read_extents(pdir, "uid_map", c->uid, MAX_EXTENTS);
		c->ngid = read_extents(pdir, "gid_map", c->gid, MAX_EXTENTS);
	}
	close(pdir);
	/* Another task than the one that asked (which cannot be): trust nothing. */
	c->valid = ok_uid && ok_gid && have_caps && n > 0;
}

static int mapped_in(const struct extent *x, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= x[i].lower && id - x[i].lower < x[i].count)
			return 1;
	return 0;
}

/* capable_wrt_inode_uidgid() for the caller: does its namespace map the
 * inode's ids as the mount shows them? */
static int caller_owns(const struct caller *c, const struct stat *st)
{
	uid_t u = host_uid(st->st_uid);
	gid_t g = host_gid(st->st_gid);
	if (u == (uid_t)-1 || g == (gid_t)-1)
		return 0; /* INVALID_UID on the mount: nobody is privileged over it */
	if (c->same_ns)
		return 1;
	return mapped_in(c->uid, c->nuid, u) && mapped_in(c->gid, c->ngid, g);
}

static int caller_owns_all(const struct caller *c, const struct sm_inode_ref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		const char *name = refs[i].name ? refs[i].name : "";
		int flags = AT_SYMLINK_NOFOLLOW | (refs[i].name ? 0 : AT_EMPTY_PATH);
		if (refs[i].fd < 0)
			continue;
		if (fstatat(refs[i].fd, name, &st, flags) < 0) {
			if (errno == ENOENT && refs[i].name)
				continue; /* a name the call would make */
			return 0;
		}
		if (!caller_owns(c, &st))
			return 0;
	}
	return 1;
}

static int set_caller_groups(const struct caller *c)
{
	gid_t disk[MAX_GROUPS];
	size_t n = 0;

	for (size_t i = 0; i < c->ngroups; i++) {
		uint32_t g;
		if (sm_idmap_to_inner(&sm_fs.cfg.gid, c->groups[i], &g) == 0)
			disk[n++] = g;
	}
	if (n == 0)
		return 0;
	/* The raw syscall: glibc's setgroups() would set every thread's. */
	return syscall(SYS_setgroups, n, disk) == 0;
}

int cred_denied(int err, const struct sm_inode_ref *refs, size_t n)
{
	int changed = 0;

	if (!cur.worn || (err != EACCES && err != EPERM))
		return 0;
	if (!cur.who) {
		cur.who = calloc(1, sizeof(*cur.who));
		if (!cur.who)
			return 0;
	}
	struct caller *c = cur.who;
	if (!c->loaded) {
		/* /proc/<pid>/ns wants ptrace access, which fsuid alone lacks. */
		caps_set_effective(own_effective);
		load_caller(c);
		caps_set_effective(own_effective & ~CALLER_CAPS);
	}
	if (!c->valid && c->idmapped && !cur.unchecked) {
		/* The kernel allowed it through the idmap (the caller's groups
		 * and capabilities included); the daemon's rights it is. */
		uint64_t all = own_effective & CALLER_CAPS;
		if (all & ~cur.raised) {
			cur.raised = all;
			caps_set_effective((own_effective & ~(CALLER_CAPS | cur.fsetid)) | all);
			changed = 1;
		}
		goto out;
	}
	if (!c->valid)
		goto out;
	if (!cur.groups_set && set_caller_groups(c)) {
		cur.groups_set = 1;
		changed = 1;
	}
	uint64_t want = c->cap_eff & own_effective & CALLER_CAPS;
	if (want & ~cur.raised) {
		/* Stat with our own rights: the caller may not search where its
		 * capability would let it. */
		caps_set_effective(own_effective);
		int owns = caller_owns_all(c, refs, n);
		if (owns)
			cur.raised = want;
		caps_set_effective((own_effective & ~CALLER_CAPS) | cur.raised);
		changed |= owns;
	}
out:
	errno = err;
	return changed;
}

void cred_unchecked(void)
{
	cur.unchecked = 1;
}

void cred_lower(void)
{
	int e = errno;
	if (cur.worn && cur.raised) {
		caps_set_effective(own_effective & ~(CALLER_CAPS | cur.fsetid));
		cur.raised = 0;
	}
	errno = e;
}

int cred_raise_one(int cap)
{
	if (!cur.worn)
		return 0;
	uint64_t bit = (1ull << cap) & own_effective;
	cur.raised |= bit;
	return caps_set_effective((own_effective & ~(CALLER_CAPS | cur.fsetid)) | cur.raised);
}

/* FUSE_HANDLE_KILLPRIV_V2: the rule of the kernel's
 * setattr_should_drop_suidgid() for a caller without CAP_FSETID (the kernel
 * marked the request so): setuid goes; setgid goes on a group-executable
 * file, and on another only when the caller is not in the file's group.
 * The filesystem below kills file capabilities itself on any write or
 * truncate.  Done before the write, as the kernel does; the mode read and
 * the chmod are two steps where the kernel's are one under the inode lock. */
/* Whether the caller of `req` is in group `disk_gid` (its fsgid or one of
 * its supplementary groups, host ids both). */
/* The fsgid of task `pid` as our namespace sees it; (gid_t)-1 if unknown. */
static gid_t proc_fsgid(pid_t pid)
{
	char path[40], line[256];
	uint32_t g = (uint32_t)-1;

	if (pid <= 0)
		return (gid_t)-1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return (gid_t)-1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Gid:", 4)) {
			if (fs_id_of(line + 4, &g) < 0)
				g = (uint32_t)-1;
			break;
		}
	fclose(f);
	return (gid_t)g;
}

static int caller_in_group(fuse_req_t req, gid_t disk_gid)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	gid_t g = host_gid(disk_gid), groups[MAX_GROUPS];

	if (g == (gid_t)-1)
		return 0;
	/* Without ids in the request (FUSE_ALLOW_IDMAP: an O_DIRECT write
	 * still asks us to kill), the task's own.  Exact through a mount
	 * without an idmap; through an idmapped one the kernel would compare
	 * the gid as that mount shows it, which we cannot know. */
	gid_t caller = req_ids_unknown(req) ? proc_fsgid(ctx->pid) : ctx->gid;
	if (caller == g)
		return 1;
	int n = fuse_req_getgroups(req, MAX_GROUPS, groups);
	for (int i = 0; i < n && i < MAX_GROUPS; i++)
		if (groups[i] == g)
			return 1;
	return 0;
}

int cred_kill_suidgid(fuse_req_t req, int fd)
{
	struct stat st;
	char path[64];
	mode_t kill = 0;

	if (fstatat(fd, "", &st, AT_EMPTY_PATH) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & (S_ISUID | S_ISGID)))
		return 0;
	if (st.st_mode & S_ISUID)
		kill |= S_ISUID;
	if ((st.st_mode & S_ISGID) && ((st.st_mode & S_IXGRP) || !caller_in_group(req, st.st_gid)))
		kill |= S_ISGID;
	if (!kill)
		return 0;
	proc_fd_path(path, sizeof(path), fd);
	return chmod(path, st.st_mode & 07777 & ~kill) < 0 ? -errno : 1;
}
