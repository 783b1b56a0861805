/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * -o beneath: the mount for `shiftmount reconfigure`.  The new instance's
 * mount is made detached with the new mount API (fsopen/fsconfig/fsmount)
 * and moved beneath the live mount at DST (MOVE_MOUNT_BENEATH), so that it
 * is never visible on its own: DST shows the old instance until the caller
 * detaches it, then this one.  The mount's ro/nosuid/nodev/noexec are the
 * mount's flags, not the filesystem's, so a later `reconfigure -o rw` can
 * change them in place.
 *
 * Its own file: <linux/mount.h> (through missing-syscall.h) clashes with
 * glibc's <sys/mount.h>, which session.c uses.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shiftmount/backend.h"
#include "shiftmount/mount.h"
#include "missing-syscall.h"
#include "util.h"

/* Only the prototype's types: fs.h pulls in libfuse. */
int beneath_mount(const char *src, const char *dst, int devfd, unsigned mount_flags,
		  int allow_other, unsigned long long *ret_mnt_id);

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

static int config(int fsfd, const char *key, const char *value)
{
	if (sys_fsconfig(fsfd, value ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, key, value, 0) <
	    0) {
		int r = sm_negerrno();
		fprintf(stderr, "shiftfs-fuse: fsconfig %s: %s\n", key, strerror(-r));
		return r;
	}
	return 0;
}

int beneath_mount(const char *src, const char *dst, int devfd, unsigned mount_flags,
		  int allow_other, unsigned long long *ret_mnt_id)
{
	_cleanup_close_ int fsfd = sys_fsopen("fuse", FSOPEN_CLOEXEC);
	if (fsfd < 0) {
		int r = sm_negerrno();
		fprintf(stderr, "shiftfs-fuse: fsopen fuse: %s\n", strerror(-r));
		return r;
	}
	char num[32];
	int r;
	const char *sub = strchr(SM_FUSE_FSTYPE, '.') + 1;
	snprintf(num, sizeof(num), "%d", devfd);
	if ((r = config(fsfd, "source", src)) < 0 || (r = config(fsfd, "subtype", sub)) < 0 ||
	    (r = config(fsfd, "fd", num)) < 0 || (r = config(fsfd, "rootmode", "40000")) < 0)
		return r;
	snprintf(num, sizeof(num), "%u", (unsigned)getuid());
	if ((r = config(fsfd, "user_id", num)) < 0)
		return r;
	snprintf(num, sizeof(num), "%u", (unsigned)getgid());
	if ((r = config(fsfd, "group_id", num)) < 0 ||
	    (r = config(fsfd, "default_permissions", NULL)) < 0 ||
	    (allow_other && (r = config(fsfd, "allow_other", NULL)) < 0))
		return r;
	if (sys_fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		r = sm_negerrno();
		fprintf(stderr, "shiftfs-fuse: creating the FUSE filesystem: %s\n", strerror(-r));
		return r;
	}
	unsigned attrs = ((mount_flags & SM_MOUNT_RDONLY) ? MOUNT_ATTR_RDONLY : 0) |
			 ((mount_flags & SM_MOUNT_NOSUID) ? MOUNT_ATTR_NOSUID : 0) |
			 ((mount_flags & SM_MOUNT_NODEV) ? MOUNT_ATTR_NODEV : 0) |
			 ((mount_flags & SM_MOUNT_NOEXEC) ? MOUNT_ATTR_NOEXEC : 0);
	_cleanup_close_ int mfd = sys_fsmount(fsfd, FSMOUNT_CLOEXEC, attrs);
	if (mfd < 0) {
		r = sm_negerrno();
		fprintf(stderr, "shiftfs-fuse: fsmount: %s\n", strerror(-r));
		return r;
	}
	struct statx stx;
	if (statx(mfd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0) {
		r = sm_negerrno();
		fprintf(stderr, "shiftfs-fuse: statx of the new mount: %s\n", strerror(-r));
		return r;
	}
	if (sys_move_mount(mfd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_BENEATH) <
	    0) {
		r = sm_negerrno();
		fprintf(stderr, "shiftfs-fuse: moving the mount beneath %s: %s%s\n", dst,
			strerror(-r),
			r == -EINVAL ? " (no mount at it, or a kernel without MOVE_MOUNT_BENEATH, "
				       "Linux 6.5)"
				     : "");
		return r;
	}
	*ret_mnt_id = stx.stx_mnt_id;
	return 0;
}
