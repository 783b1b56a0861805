/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audit walker; see include/shiftmount/audit.h.
 *
 * The tree belongs to a tenant who may be changing it while we walk, so
 * every step is relative to an fd we already hold: directories are opened
 * with O_NOFOLLOW relative to their parent and checked to be the inode that
 * fstatat() saw, xattrs are read with getxattrat(AT_SYMLINK_NOFOLLOW), and a
 * fix reopens the exact inode it was asked about.  A symlink swapped in
 * behind our back is therefore never followed to the host's files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "shiftmount/audit.h"
#include "missing-syscall.h"
#include "util.h"

#define XATTR_CAPS	    "security.capability"
#define CAP_REVISION_MASK   0xFF000000u
#define CAP_REVISION_1	    0x01000000u
#define CAP_REVISION_2	    0x02000000u
#define CAP_REVISION_3	    0x03000000u
#define CAP_FLAGS_EFFECTIVE 0x000001u
#define PROGRESS_EVERY	    4096

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int sm_audit_decode_fcaps(const void *value, size_t size, struct sm_audit_fcaps *ret)
{
	const unsigned char *p = value;
	struct sm_audit_fcaps c = {0};
	if (!value || size < 4)
		return -EINVAL;
	uint32_t magic = le32(p);
	c.effective = !!(magic & CAP_FLAGS_EFFECTIVE);
	/* The kernel accepts exactly these sizes per revision
	 * (security/commoncap.c, get_vfs_caps_from_disk). */
	switch (magic & CAP_REVISION_MASK) {
	case CAP_REVISION_1:
		if (size != 12)
			return -EINVAL;
		c.version = 1;
		c.permitted = le32(p + 4);
		c.inheritable = le32(p + 8);
		break;
	case CAP_REVISION_2:
	case CAP_REVISION_3:
		if (size != ((magic & CAP_REVISION_MASK) == CAP_REVISION_2 ? 20u : 24u))
			return -EINVAL;
		c.version = (magic & CAP_REVISION_MASK) == CAP_REVISION_2 ? 2 : 3;
		c.permitted = le32(p + 4) | (uint64_t)le32(p + 12) << 32;
		c.inheritable = le32(p + 8) | (uint64_t)le32(p + 16) << 32;
		if (c.version == 3) {
			c.has_rootid = 1;
			c.rootid = le32(p + 20);
		}
		break;
	default:
		return -EINVAL;
	}
	*ret = c;
	return 0;
}

const char *sm_audit_kind_name(unsigned kind)
{
	switch (kind) {
	case SM_AUDIT_SETUID:
		return "setuid";
	case SM_AUDIT_SETGID:
		return "setgid";
	case SM_AUDIT_DEVICE:
		return "device";
	case SM_AUDIT_FCAPS:
		return "capability";
	case SM_AUDIT_WORLD_WRITABLE:
		return "world-writable";
	case SM_AUDIT_UID_OUTSIDE:
		return "uid-outside-range";
	case SM_AUDIT_GID_OUTSIDE:
		return "gid-outside-range";
	}
	return "unknown";
}

struct walker {
	const struct sm_audit_range *ranges;
	size_t n_ranges;
	uint32_t default_root_uid;
	unsigned flags;
	const struct sm_audit_ops *ops;
	void *userdata;
	struct sm_audit_stats stats;
	int no_getxattrat; /* the kernel lacks it: go through /proc/self/fd */
	char *path;
	size_t len, cap;
};

/* Read security.capability of `name` in `dirfd` ("" = dirfd itself).
 * 1 and *ret filled when present, 0 when absent, -errno. */
static int read_fcaps(struct walker *w, int dirfd, const char *name, struct sm_audit_fcaps *ret)
{
	unsigned char buf[64];
	ssize_t n = -1;
	/* The root is held as an O_PATH fd, which getxattrat(AT_EMPTY_PATH)
	 * refuses; its magic link leads to exactly that inode. */
	int via_proc = w->no_getxattrat || !*name;
	if (!via_proc) {
		n = sys_getxattrat(dirfd, name, AT_SYMLINK_NOFOLLOW, XATTR_CAPS, buf, sizeof(buf));
		if (n < 0 && errno == ENOSYS)
			w->no_getxattrat = via_proc = 1;
	}
	if (via_proc) {
		/* The magic link pins the directory we hold; only the last
		 * component is looked up, and lgetxattr does not follow it. */
		char p[64 + NAME_MAX];
		snprintf(p, sizeof(p), "/proc/self/fd/%d%s%s", dirfd, *name ? "/" : "", name);
		n = *name ? lgetxattr(p, XATTR_CAPS, buf, sizeof(buf))
			  : getxattr(p, XATTR_CAPS, buf, sizeof(buf));
	}
	if (n < 0) {
		if (errno == ENODATA || errno == ENOTSUP)
			return 0;
		if (errno == ERANGE) {
			/* Too big to be a capability the kernel would honour,
			 * but it is there: report it undecoded. */
			*ret = (struct sm_audit_fcaps){0};
			return 1;
		}
		return sm_negerrno();
	}
	if (sm_audit_decode_fcaps(buf, (size_t)n, ret) < 0)
		*ret = (struct sm_audit_fcaps){0};
	return 1;
}

static int in_range(uint32_t id, uint32_t origin, uint32_t range)
{
	return id >= origin && (uint64_t)id < (uint64_t)origin + range;
}

static int report_error(struct walker *w, int err)
{
	w->stats.errors++;
	if (w->ops->error)
		return w->ops->error(w->path, err, w->userdata);
	return 0;
}

static int examine(struct walker *w, int dirfd, const char *name, const struct stat *st)
{
	struct sm_audit_finding f = {.path = w->path, .dirfd = dirfd, .name = name, .st = *st};
	mode_t mode = st->st_mode;

	w->stats.entries++;
	if (S_ISREG(mode)) {
		if (mode & S_ISUID)
			f.kinds |= SM_AUDIT_SETUID;
		/* setgid without group-execute is the mandatory-locking
		 * marker, not a privilege. */
		if ((mode & S_ISGID) && (mode & S_IXGRP))
			f.kinds |= SM_AUDIT_SETGID;
		int r = read_fcaps(w, dirfd, name, &f.fcaps);
		if (r > 0)
			f.kinds |= SM_AUDIT_FCAPS;
		else if (r < 0 && r != -ENOENT) {
			r = report_error(w, r);
			if (r < 0)
				return r;
		}
	} else if (S_ISCHR(mode) || S_ISBLK(mode)) {
		f.kinds |= SM_AUDIT_DEVICE;
	}

	/* A sticky world-writable directory (/tmp) is the normal case. */
	if ((mode & S_IWOTH) && !S_ISLNK(mode) && !(S_ISDIR(mode) && (mode & S_ISVTX))) {
		int root = 0;
		if (w->n_ranges == 0)
			root = st->st_uid == w->default_root_uid;
		for (size_t i = 0; i < w->n_ranges; i++)
			root |= st->st_uid == w->ranges[i].origin_uid;
		if (root)
			f.kinds |= SM_AUDIT_WORLD_WRITABLE;
	}

	if (w->n_ranges > 0) {
		int uid_in = 0, gid_in = 0;
		for (size_t i = 0; i < w->n_ranges; i++) {
			uid_in |= in_range(st->st_uid, w->ranges[i].origin_uid, w->ranges[i].range);
			gid_in |= in_range(st->st_gid, w->ranges[i].origin_gid, w->ranges[i].range);
		}
		if (!uid_in)
			f.kinds |= SM_AUDIT_UID_OUTSIDE;
		if (!gid_in)
			f.kinds |= SM_AUDIT_GID_OUTSIDE;
	}

	if (f.kinds == 0)
		return 0;
	w->stats.findings++;
	return w->ops->finding ? w->ops->finding(&f, w->userdata) : 0;
}

static int path_push(struct walker *w, const char *name)
{
	size_t n = strlen(name), need = w->len + 1 + n + 1;
	if (need > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		while (cap < need)
			cap *= 2;
		char *p = realloc(w->path, cap);
		if (!p)
			return -ENOMEM;
		w->path = p;
		w->cap = cap;
	}
	if (w->len > 0)
		w->path[w->len++] = '/';
	memcpy(w->path + w->len, name, n + 1);
	w->len += n;
	return 0;
}

static void path_pop(struct walker *w, size_t len)
{
	w->len = len;
	w->path[len] = '\0';
}

struct frame {
	DIR *d;
	size_t pathlen; /* length of the path of this directory */
	dev_t dev;
};

/* Open directory `name` in `dirfd` that fstatat() saw as *st; -ESTALE when
 * something else now stands there. */
static int open_dir(int dirfd, const char *name, const struct stat *st, DIR **ret)
{
	_cleanup_close_ int fd = openat(dirfd, *name ? name : ".",
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return sm_negerrno();
	struct stat now;
	if (fstat(fd, &now) < 0)
		return sm_negerrno();
	if (now.st_dev != st->st_dev || now.st_ino != st->st_ino)
		return -ESTALE;
	DIR *d = fdopendir(fd);
	if (!d)
		return sm_negerrno();
	TAKE_FD(fd);
	*ret = d;
	return 0;
}

static int walk(struct walker *w, int rootfd, const struct stat *rootst)
{
	struct frame *stack = NULL;
	size_t depth = 0, stack_cap = 0;
	int r;

	r = examine(w, rootfd, "", rootst);
	if (r < 0 || !S_ISDIR(rootst->st_mode))
		return r;

	DIR *d;
	r = open_dir(rootfd, "", rootst, &d);
	if (r < 0)
		return report_error(w, r);

	/* An explicit stack: trees can be deeper than our C stack is tall. */
	stack_cap = 16;
	stack = malloc(stack_cap * sizeof(*stack));
	if (!stack) {
		closedir(d);
		return -ENOMEM;
	}
	stack[depth++] = (struct frame){d, w->len, rootst->st_dev};
	w->stats.directories++;

	while (depth > 0) {
		struct frame *f = &stack[depth - 1];
		errno = 0;
		struct dirent *de = readdir(f->d);
		if (!de) {
			if (errno != 0) {
				int err = -errno;
				path_pop(w, f->pathlen);
				r = report_error(w, err);
				if (r < 0)
					break;
			}
			closedir(f->d);
			depth--;
			if (depth > 0)
				path_pop(w, stack[depth - 1].pathlen);
			continue;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;

		path_pop(w, f->pathlen);
		r = path_push(w, de->d_name);
		if (r < 0)
			break;

		int dfd = dirfd(f->d);
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			/* Gone since readdir: the tenant is busy; nothing to see. */
			if (errno == ENOENT)
				continue;
			r = report_error(w, sm_negerrno());
			if (r < 0)
				break;
			continue;
		}
		r = examine(w, dfd, de->d_name, &st);
		if (r < 0)
			break;

		if (w->ops->progress && w->stats.entries % PROGRESS_EVERY == 0)
			w->ops->progress(&w->stats, w->userdata);

		if (!S_ISDIR(st.st_mode))
			continue;
		if (st.st_dev != f->dev && !(w->flags & SM_AUDIT_CROSS_MOUNTS)) {
			w->stats.skipped_mounts++;
			continue;
		}
		r = open_dir(dfd, de->d_name, &st, &d);
		if (r < 0) {
			if (r == -ENOENT)
				continue;
			r = report_error(w, r);
			if (r < 0)
				break;
			continue;
		}
		if (depth == stack_cap) {
			struct frame *s = realloc(stack, 2 * stack_cap * sizeof(*stack));
			if (!s) {
				closedir(d);
				r = -ENOMEM;
				break;
			}
			stack = s;
			stack_cap *= 2;
		}
		stack[depth++] = (struct frame){d, w->len, st.st_dev};
		w->stats.directories++;
	}
	while (depth > 0)
		closedir(stack[--depth].d);
	free(stack);
	return r < 0 ? r : 0;
}

int sm_audit_walk(int dirfd, const char *path, const struct sm_audit_range *ranges, size_t n,
		  uint32_t default_root_uid, unsigned flags, const struct sm_audit_ops *ops,
		  void *userdata, struct sm_audit_stats *ret_stats)
{
	static const struct sm_audit_ops no_ops = {0};
	struct walker w = {
		.ranges = ranges,
		.n_ranges = ranges ? n : 0,
		.default_root_uid = default_root_uid,
		.flags = flags,
		.ops = ops ? ops : &no_ops,
		.userdata = userdata,
	};

	/* The root's last component is not followed either: in a tenant's
	 * tree it may be a symlink pointing at the host's /usr/bin. */
	_cleanup_close_ int rootfd = *path ? openat(dirfd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC)
					   : fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (rootfd < 0)
		return sm_negerrno();
	struct stat st;
	if (fstat(rootfd, &st) < 0)
		return sm_negerrno();
	if (S_ISLNK(st.st_mode))
		return -ELOOP;

	int r = path_push(&w, "");
	if (r < 0)
		return r;
	r = walk(&w, rootfd, &st);
	free(w.path);
	if (r < 0)
		return r;
	if (ret_stats)
		*ret_stats = w.stats;
	return 0;
}

int sm_audit_fix(const struct sm_audit_finding *f, unsigned kinds, mode_t *ret_mode)
{
	_cleanup_close_ int fd = -EBADF;
	kinds &= f->kinds & SM_AUDIT_FIXABLE;
	if (!S_ISREG(f->st.st_mode))
		return -EINVAL;
	if (*f->name) {
		fd = openat(f->dirfd, f->name,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	} else {
		/* The root itself, held as an O_PATH fd: reopen that inode. */
		char p[64];
		fd = open(sm_fd_path(p, f->dirfd), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	}
	if (fd < 0)
		return sm_negerrno();
	struct stat st;
	if (fstat(fd, &st) < 0)
		return sm_negerrno();
	if (st.st_dev != f->st.st_dev || st.st_ino != f->st.st_ino || !S_ISREG(st.st_mode))
		return -ESTALE;

	if ((kinds & SM_AUDIT_FCAPS) && fremovexattr(fd, XATTR_CAPS) < 0 && errno != ENODATA)
		return sm_negerrno();
	mode_t mode = st.st_mode & 07777;
	if (kinds & SM_AUDIT_SETUID)
		mode &= ~(mode_t)S_ISUID;
	if (kinds & SM_AUDIT_SETGID)
		mode &= ~(mode_t)S_ISGID;
	if (mode != (st.st_mode & 07777) && fchmod(fd, mode) < 0)
		return sm_negerrno();
	if (ret_mode)
		*ret_mode = mode;
	return 0;
}
