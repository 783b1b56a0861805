/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Detached shifted mounts on the kernel backend: open_tree(OPEN_TREE_CLONE)
 * -> mount_setattr(MOUNT_ATTR_IDMAP) -> move_mount.  The kernel only idmaps a
 * mount that has never been attached (an anonymous clone), so nothing is
 * visible in any mount namespace until sm_mount_attach(), and dropping the fd
 * before that drops the whole clone: failures leave nothing behind.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "shiftmount/mount.h"
#include "shiftmount/userns.h"
#include "missing-syscall.h"
#include "util.h"

#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

static const struct {
	const char *name;
	unsigned set, clear;
} mount_options[] = {
	{"ro", SM_MOUNT_RDONLY, 0},	{"rw", 0, SM_MOUNT_RDONLY},
	{"nosuid", SM_MOUNT_NOSUID, 0}, {"suid", 0, SM_MOUNT_NOSUID},
	{"nodev", SM_MOUNT_NODEV, 0},	{"dev", 0, SM_MOUNT_NODEV},
	{"noexec", SM_MOUNT_NOEXEC, 0}, {"exec", 0, SM_MOUNT_NOEXEC},
};

int sm_mount_parse_options(const char *opts, unsigned *flags, const char **bad)
{
	static __thread char bad_copy[64];
	unsigned f = *flags;

	if (!opts)
		return 0;
	for (const char *p = opts; *p;) {
		size_t len = strcspn(p, ",");
		int found = 0;
		for (size_t i = 0; i < ELEMENTSOF(mount_options); i++)
			if (sm_word_is(p, len, mount_options[i].name)) {
				f = (f | mount_options[i].set) & ~mount_options[i].clear;
				found = 1;
				break;
			}
		if (!found) {
			snprintf(bad_copy, sizeof(bad_copy), "%.*s", (int)len, p);
			if (bad)
				*bad = bad_copy;
			return -EINVAL;
		}
		p += len;
		if (*p == ',') {
			p++;
			/* "ro," and "ro,,nodev" are typos worth naming. */
			if (!*p || *p == ',') {
				snprintf(bad_copy, sizeof(bad_copy), "%s", opts);
				if (bad)
					*bad = bad_copy;
				return -EINVAL;
			}
		}
	}
	*flags = f;
	return 0;
}

int sm_mount_format_flags(unsigned flags, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s%s%s%s%s", flags & SM_MOUNT_RDONLY ? "ro" : "rw",
			 flags & SM_MOUNT_NOSUID ? ",nosuid" : "",
			 flags & SM_MOUNT_NODEV ? ",nodev" : "",
			 flags & SM_MOUNT_NOEXEC ? ",noexec" : "",
			 flags & SM_MOUNT_RECURSIVE ? ",recursive" : "");
	return n < 0 || (size_t)n >= len ? -ENOBUFS : n;
}

uint64_t sm_mount_attr_bits(unsigned flags)
{
	uint64_t a = 0;
	if (flags & SM_MOUNT_RDONLY)
		a |= MOUNT_ATTR_RDONLY;
	if (flags & SM_MOUNT_NOSUID)
		a |= MOUNT_ATTR_NOSUID;
	if (flags & SM_MOUNT_NODEV)
		a |= MOUNT_ATTR_NODEV;
	if (flags & SM_MOUNT_NOEXEC)
		a |= MOUNT_ATTR_NOEXEC;
	return a;
}

static int clone_tree(int dirfd, const char *path, unsigned flags)
{
	unsigned rec = (flags & SM_MOUNT_RECURSIVE) ? AT_RECURSIVE : 0;
	unsigned empty = (!path || !*path) ? AT_EMPTY_PATH : 0;
	int fd = sys_open_tree(dirfd, path ? path : "",
			       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_NO_AUTOMOUNT |
				       AT_SYMLINK_NOFOLLOW | rec | empty);
	return fd < 0 ? sm_negerrno() : fd;
}

static int shift_tree(int mntfd, int userns_fd, unsigned flags)
{
	unsigned rec = (flags & SM_MOUNT_RECURSIVE) ? AT_RECURSIVE : 0;
	/* The clone is private whatever the source's propagation was: events
	 * under an unshifted tree must not reach the shifted one, nor back. */
	struct mount_attr attr = {
		.attr_set = sm_mount_attr_bits(flags),
		.propagation = MS_PRIVATE,
	};
	if (userns_fd >= 0) {
		attr.attr_set |= MOUNT_ATTR_IDMAP;
		attr.userns_fd = (uint64_t)userns_fd;
	}
	if (sys_mount_setattr(mntfd, "", AT_EMPTY_PATH | rec, &attr, sizeof(attr)) < 0)
		return sm_negerrno();
	return 0;
}

int sm_mount_clone_shifted(int dirfd, const char *path, int userns_fd, unsigned flags,
			   int *ret_mntfd)
{
	if (!ret_mntfd)
		return -EINVAL;
	_cleanup_close_ int fd = clone_tree(dirfd, path, flags);
	if (fd < 0)
		return fd;
	int r = shift_tree(fd, userns_fd, flags);
	if (r < 0)
		return r;
	*ret_mntfd = TAKE_FD(fd);
	return 0;
}

int sm_mount_attach(int mntfd, int dirfd, const char *path)
{
	if (mntfd < 0)
		return -EBADF;
	/* Without MOVE_MOUNT_T_SYMLINKS a final symlink at DST is not
	 * followed; an empty path attaches onto `dirfd` itself (an O_PATH fd
	 * of the mount point). */
	unsigned fl = MOVE_MOUNT_F_EMPTY_PATH;
	if (!path || !*path)
		fl |= MOVE_MOUNT_T_EMPTY_PATH;
	if (sys_move_mount(mntfd, "", dirfd, path ? path : "", fl) < 0)
		return sm_negerrno();
	return 0;
}

/* The probe's verdicts, per mount (device and mount id): the answer depends
 * on the filesystem type and on whether the source is itself idmapped. */
struct probe_entry {
	dev_t dev;
	uint64_t mnt_id;
	int verdict;
};
static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;
static struct probe_entry probe_cache[32];
static unsigned probe_n;
static int probe_userns = -EBADF;

static int probe_key(int dirfd, const char *path, dev_t *ret_dev, uint64_t *ret_mnt)
{
	struct statx stx;
	unsigned fl =
		AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | ((!path || !*path) ? AT_EMPTY_PATH : 0);
	if (statx(dirfd, path ? path : "", fl, STATX_MNT_ID, &stx) < 0)
		return sm_negerrno();
	*ret_dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	*ret_mnt = (stx.stx_mask & STATX_MNT_ID) ? stx.stx_mnt_id : 0;
	return 0;
}

static int probe_locked(int dirfd, const char *path)
{
	dev_t dev;
	uint64_t mnt;
	int r = probe_key(dirfd, path, &dev, &mnt);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < probe_n; i++)
		if (probe_cache[i].dev == dev && probe_cache[i].mnt_id == mnt)
			return probe_cache[i].verdict;

	/* A namespace that maps one id is enough to ask the kernel; made once
	 * and kept (it is only an fd, no process). */
	if (probe_userns < 0) {
		struct sm_idmap m;
		sm_idmap_init(&m);
		sm_idmap_add(&m, 0, 0, 1);
		r = sm_userns_from_maps(&m, &m, &probe_userns);
		if (r < 0)
			return r;
	}

	/* Only mount_setattr()'s answer is the verdict; a clone that cannot
	 * be made at all is an error of its own. */
	_cleanup_close_ int fd = clone_tree(dirfd, path, 0);
	if (fd < 0)
		return fd;
	r = shift_tree(fd, probe_userns, 0);
	int verdict;
	if (r == 0)
		verdict = 1;
	else if (r == -EINVAL || r == -EPERM || r == -EOPNOTSUPP)
		verdict = 0;
	else
		return r;
	if (probe_n < ELEMENTSOF(probe_cache))
		probe_cache[probe_n++] = (struct probe_entry){dev, mnt, verdict};
	return verdict;
}

int sm_mount_probe_idmap(int dirfd, const char *path)
{
	pthread_mutex_lock(&probe_lock);
	int r = probe_locked(dirfd, path);
	pthread_mutex_unlock(&probe_lock);
	return r;
}
