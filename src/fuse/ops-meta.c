/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Metadata operations: lookup, attributes, names (create, link, remove,
 * rename) and statfs.  Every path is resolved one component at a time from a
 * node's O_PATH fd with O_NOFOLLOW; nothing is looked up by full path.
 * Permission was checked by the kernel (default_permissions) before a request
 * gets here; what is left is id translation and making new inodes with the
 * right owner.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <linux/capability.h>

#include "fs.h"

void proc_fd_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

void fill_entry(struct fuse_entry_param *e, struct sm_node *n, const struct stat *st)
{
	memset(e, 0, sizeof(*e));
	e->ino = n == &sm_fs.root ? FUSE_ROOT_ID : (fuse_ino_t)(uintptr_t)n;
	e->attr = *st;
	stat_to_host(&e->attr);
	e->attr_timeout = sm_fs.attr_timeout;
	e->entry_timeout = sm_fs.entry_timeout;
}

int lookup_name(struct sm_node *dir, const char *name, struct fuse_entry_param *e)
{
	int dfd = node_fd(dir);
	if (dfd < 0)
		return -errno;
	int r = lookup_name_at(dfd, name, e);
	node_fd_put(dir, dfd);
	return r;
}

int lookup_name_at(int dfd, const char *name, struct fuse_entry_param *e)
{
	struct stat st;
	int fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	struct sm_node *n = itab_get(fd, &st);
	if (!n)
		return -errno;
	fill_entry(e, n, &st);
	return 0;
}

/* The entry for an inode we hold an ordinary fd on (create, O_TMPFILE). */
int node_from_fd(int fd, struct fuse_entry_param *e)
{
	char path[64];
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	proc_fd_path(path, sizeof(path), fd);
	/* Following the magic link reopens the very inode (it is never a symlink). */
	int pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	struct sm_node *n = itab_get(pfd, &st);
	if (!n)
		return -errno;
	fill_entry(e, n, &st);
	return 0;
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	int r = lookup_name(node_of(parent), name, &e);
	if (r == -ENOENT && sm_fs.negative_timeout > 0) {
		memset(&e, 0, sizeof(e));
		e.entry_timeout = sm_fs.negative_timeout;
		fuse_reply_entry(req, &e);
		return;
	}
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_entry(req, &e);
}

void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	itab_forget(node_of(ino), nlookup);
	fuse_reply_none(req);
}

void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *f)
{
	for (size_t i = 0; i < count; i++)
		itab_forget(node_of(f[i].ino), f[i].nlookup);
	fuse_reply_none(req);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct sm_node *n = node_of(ino);
	struct stat st;
	int r;

	/* Directory handles are not fds (ops-dir.c); only files come with one. */
	if (fi && n->type != S_IFREG)
		fi = NULL;
	if (fi) {
		r = fstat((int)fi->fh, &st);
	} else {
		int fd = node_fd(n);
		r = fd < 0 ? -1 : fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
		node_fd_put(n, fd);
	}
	if (r < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	stat_to_host(&st);
	fuse_reply_attr(req, &st, sm_fs.attr_timeout);
}

static int set_owner(int fd, const struct stat *attr, int valid)
{
	uint32_t u = (uint32_t)-1, g = (uint32_t)-1;

	/* An id the map cannot store is refused, as notify_change() does on an
	 * idmapped mount; it is never written as some other id. */
	if ((valid & FUSE_SET_ATTR_UID) && sm_idmap_to_inner(&sm_fs.cfg.uid, attr->st_uid, &u) < 0)
		return -EOVERFLOW;
	if ((valid & FUSE_SET_ATTR_GID) && sm_idmap_to_inner(&sm_fs.cfg.gid, attr->st_gid, &g) < 0)
		return -EOVERFLOW;
	if (fchownat(fd, "", u, g, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

/* What a SETATTR can change besides ctime. */
#define SETATTR_CHANGES                                                                            \
	(FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID | FUSE_SET_ATTR_SIZE |         \
	 FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |                     \
	 FUSE_SET_ATTR_MTIME_NOW)

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int valid,
		struct fuse_file_info *fi)
{
	struct sm_node *n = node_of(ino);
	char path[64];
	int r = 0;

	if (fi && n->type != S_IFREG)
		fi = NULL;
	/* With an open file, everything is done on it (no reopening). */
	int fd = fi ? (int)fi->fh : node_fd(n);
	if (fd < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	proc_fd_path(path, sizeof(path), fd);
	/* Owner first: the underlying chown clears setuid/setgid bits, and an
	 * explicit mode in the same request (the kernel's own clearing) wins. */
	if (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		r = set_owner(fd, attr, valid);
		if (r < 0)
			goto out;
	} else if (!(valid & SETATTR_CHANGES)) {
		/* Nothing but a change of ctime: chown(f, -1, -1), or (with
		 * FUSE_HANDLE_KILLPRIV_V2) the kernel's own killing of suid/sgid
		 * before a write, which it leaves to us.  The same chown on the
		 * source does what either does there: ctime, and suid, sgid (of
		 * a group-executable file) and file capabilities killed. */
		if (fchownat(fd, "", (uid_t)-1, (gid_t)-1, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) <
		    0) {
			r = -errno;
			goto out;
		}
	}
	if (valid & FUSE_SET_ATTR_MODE) {
		if (fi)
			r = fchmod((int)fi->fh, attr->st_mode & 07777);
		else if (n->type == S_IFLNK)
			r = (errno = EOPNOTSUPP, -1);
		else
			r = chmod(path, attr->st_mode & 07777);
		if (r < 0) {
			r = -errno;
			goto out;
		}
	}
	if (valid & FUSE_SET_ATTR_SIZE) {
		/* As for a write (ops-data.c). */
		if (shim_kill_suidgid() && (r = cred_kill_suidgid(req, fd)) < 0)
			goto out;
		/* (The reply brings the kernel the new mode.) */
		r = fi ? ftruncate((int)fi->fh, attr->st_size) : truncate(path, attr->st_size);
		if (r < 0) {
			r = -errno;
			goto out;
		}
	}
	if (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
		struct timespec tv[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_nsec = UTIME_OMIT}};
		if (valid & FUSE_SET_ATTR_ATIME_NOW)
			tv[0].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_ATIME)
			tv[0] = attr->st_atim;
		if (valid & FUSE_SET_ATTR_MTIME_NOW)
			tv[1].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_MTIME)
			tv[1] = attr->st_mtim;
		r = fi ? futimens((int)fi->fh, tv)
		       : utimensat(fd, "", tv, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
		if (r < 0) {
			r = -errno;
			goto out;
		}
	}
out:
	if (!fi)
		node_fd_put(n, fd);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		op_getattr(req, ino, fi);
}

void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct sm_node *n = node_of(ino);
	char buf[PATH_MAX + 1];
	int fd = node_fd(n);
	ssize_t len = fd < 0 ? -1 : readlinkat(fd, "", buf, sizeof(buf));
	node_fd_put(n, fd);
	if (len < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	if ((size_t)len == sizeof(buf)) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	buf[len] = '\0';
	fuse_reply_readlink(req, buf);
}

/* mknod, mkdir and symlink: made by the thread wearing the caller (none of
 * the three follows a symlink in the name it makes). */
static void make_node(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev,
		      const char *link)
{
	struct sm_node *dir = node_of(parent);
	struct fuse_entry_param e;

	if (!name_ok(name)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	int dfd = node_fd(dir);
	if (dfd < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	int r = cred_enter(req, link == NULL);
	if (r < 0) {
		node_fd_put(dir, dfd);
		fuse_reply_err(req, -r);
		return;
	}
	const struct sm_inode_ref ref = {dfd, NULL};
	if (link)
		AS_CALLER(r, &ref, 1, symlinkat(link, dfd, name));
	else if (S_ISDIR(mode))
		AS_CALLER(r, &ref, 1, mkdirat(dfd, name, mode & 07777));
	else
		AS_CALLER(r, &ref, 1, mknodat(dfd, name, mode, rdev));
	r = r < 0 ? -errno : 0;
	cred_leave();
	node_fd_put(dir, dfd);
	if (r == 0)
		r = lookup_name(dir, name, &e);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_entry(req, &e);
}

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	make_node(req, parent, name, mode, rdev, NULL);
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	make_node(req, parent, name, S_IFDIR | mode, 0, NULL);
}

void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	make_node(req, parent, name, S_IFLNK | 0777, 0, link);
}

/* A new name for the node's inode, as the caller.  The new name is never
 * followed (linkat without AT_SYMLINK_FOLLOW on it); the inode is named by
 * its fd: through its /proc magic link, which reaches exactly that inode
 * and needs no capability, or for a symlink (which the magic link would not
 * name) by AT_EMPTY_PATH, which wants CAP_DAC_READ_SEARCH to name an fd,
 * raised for that one call. */
static int link_as_caller(struct sm_node *n, int fd, int dfd, const char *name)
{
	const struct sm_inode_ref refs[] = {{dfd, NULL}, {fd, NULL}};
	char path[64];
	int r;

	if (n->type == S_IFLNK) {
		cred_raise_one(CAP_DAC_READ_SEARCH);
		AS_CALLER(r, refs, 2, linkat(fd, "", dfd, name, AT_EMPTY_PATH));
		cred_lower();
		return r;
	}
	proc_fd_path(path, sizeof(path), fd);
	AS_CALLER(r, refs, 2, linkat(AT_FDCWD, path, dfd, name, AT_SYMLINK_FOLLOW));
	return r;
}

void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *name)
{
	struct sm_node *n = node_of(ino), *dir = node_of(newparent);
	struct fuse_entry_param e;
	struct stat st;

	if (!name_ok(name)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	int fd = node_fd(n), dfd = node_fd(dir);
	int r = fd < 0 || dfd < 0 ? -errno : 0;
	/* Like may_create() on an idmapped mount: an unmapped caller makes no
	 * name (cred_enter says EOVERFLOW).  With FUSE_ALLOW_IDMAP a link
	 * carries no ids at all (it makes no inode): the daemon's rights, after
	 * the kernel's check. */
	if (r == 0)
		r = req_ids_unknown(req) ? cred_enter_or_stay(req) : cred_enter(req, 0);
	if (r == 0) {
		r = link_as_caller(n, fd, dfd, name) < 0 ? -errno : 0;
		cred_leave();
	}
	if (r == 0 && fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	node_fd_put(n, fd);
	node_fd_put(dir, dfd);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	itab_ref(n);
	fill_entry(&e, n, &st);
	fuse_reply_entry(req, &e);
}

/* unlink and rmdir act on the name itself (never followed), as the caller:
 * the sticky-bit and directory-write checks are the filesystem's, on what
 * is there now. */
static void remove_name(fuse_req_t req, fuse_ino_t parent, const char *name, int flags)
{
	struct sm_node *dir = node_of(parent);
	int dfd = node_fd(dir);
	int r = dfd < 0 ? -errno : cred_enter_or_stay(req);
	if (r == 0) {
		const struct sm_inode_ref refs[] = {{dfd, NULL}, {dfd, name}};
		AS_CALLER(r, refs, 2, unlinkat(dfd, name, flags));
		r = r < 0 ? -errno : 0;
		cred_leave();
	}
	node_fd_put(dir, dfd);
	fuse_reply_err(req, -r);
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_name(req, parent, name, 0);
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_name(req, parent, name, AT_REMOVEDIR);
}

/* renameat2 never follows either name; it runs as the caller, whose
 * whiteout (RENAME_WHITEOUT) is a new inode with the caller's ids. */
void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
	       const char *newname, unsigned flags)
{
	struct sm_node *from = node_of(parent), *to = node_of(newparent);
	uid_t u;
	gid_t g;
	int r;
	int ffd = node_fd(from), tfd = node_fd(to);

	if (ffd < 0 || tfd < 0) {
		r = -errno;
		goto out;
	}
	if (!name_ok(name) || !name_ok(newname)) {
		r = -EINVAL;
		goto out;
	}
	if (req_disk_ids(req, &u, &g) < 0 && !req_ids_unknown(req)) {
		/* A rename that makes a new name, or a whiteout, is a create
		 * (may_create()): an unmapped caller may not.  (Without ids, with
		 * FUSE_ALLOW_IDMAP, the kernel checked that itself.) */
		struct stat st;
		if ((flags & RENAME_WHITEOUT) ||
		    (!(flags & RENAME_EXCHANGE) &&
		     fstatat(tfd, newname, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)) {
			r = -EOVERFLOW;
			goto out;
		}
	}
	r = cred_enter_or_stay(req);
	if (r == 0) {
		const struct sm_inode_ref refs[] = {
			{ffd, NULL}, {tfd, NULL}, {ffd, name}, {tfd, newname}};
		AS_CALLER(r, refs, 4, renameat2(ffd, name, tfd, newname, flags));
		r = r < 0 ? -errno : 0;
		cred_leave();
	}
out:
	node_fd_put(from, ffd);
	node_fd_put(to, tfd);
	fuse_reply_err(req, -r);
}

void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct sm_node *n = node_of(ino);
	struct statvfs sv;
	int fd = node_fd(n);
	int r = fd < 0 ? -1 : fstatvfs(fd, &sv);
	node_fd_put(n, fd);
	if (r < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_statfs(req, &sv);
}
