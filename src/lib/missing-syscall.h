/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Wrappers for the mount-API and pidfd syscalls that glibc 2.36 lacks.  Each
 * returns the syscall's result, or -1 with errno ENOSYS where this build has
 * no number for it.  Do not include <sys/mount.h> together with this file
 * (glibc 2.36 and <linux/mount.h> clash); use the constants defined here.
 */
#ifndef SM_MISSING_SYSCALL_H
#define SM_MISSING_SYSCALL_H

#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/mount.h>
#include <linux/openat2.h>

#ifndef __NR_open_tree
#define __NR_open_tree 428
#endif
#ifndef __NR_move_mount
#define __NR_move_mount 429
#endif
#ifndef __NR_fsopen
#define __NR_fsopen 430
#endif
#ifndef __NR_fsconfig
#define __NR_fsconfig 431
#endif
#ifndef __NR_fsmount
#define __NR_fsmount 432
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_openat2
#define __NR_openat2 437
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif
#ifndef __NR_statmount
#define __NR_statmount 457
#endif
#ifndef __NR_listmount
#define __NR_listmount 458
#endif

#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr 467
#endif

#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif
#ifndef MOUNT_ATTR_SIZE_VER0
#define MOUNT_ATTR_SIZE_VER0 32
struct mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
/* Linux 6.5: mount beneath the top mount of the target (so that the top one
 * can then be detached, uncovering the new one in a single step). */
#ifndef MOVE_MOUNT_BENEATH
#define MOVE_MOUNT_BENEATH 0x00000200
#endif
#ifndef FSCONFIG_SET_FLAG
#define FSCONFIG_SET_FLAG   0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif
#ifndef FSMOUNT_CLOEXEC
#define FSMOUNT_CLOEXEC 0x00000001
#endif
#ifndef MS_PRIVATE
#define MS_PRIVATE (1 << 18)
#endif
#ifndef MS_SLAVE
#define MS_SLAVE (1 << 19)
#endif
#ifndef MS_SHARED
#define MS_SHARED (1 << 20)
#endif
#ifndef MS_REC
#define MS_REC 16384
#endif

#ifndef RESOLVE_NO_XDEV
#define RESOLVE_NO_XDEV	      0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS   0x04
#define RESOLVE_BENEATH	      0x08
#define RESOLVE_IN_ROOT	      0x10
#endif

static inline int sys_open_tree(int dfd, const char *path, unsigned flags)
{
	return (int)syscall(__NR_open_tree, dfd, path, flags);
}

static inline int sys_move_mount(int from_dfd, const char *from_path, int to_dfd,
				 const char *to_path, unsigned flags)
{
	return (int)syscall(__NR_move_mount, from_dfd, from_path, to_dfd, to_path, flags);
}

static inline int sys_mount_setattr(int dfd, const char *path, unsigned flags,
				    struct mount_attr *attr, size_t size)
{
	return (int)syscall(__NR_mount_setattr, dfd, path, flags, attr, size);
}

/* open_tree_attr(2), Linux 6.15: open_tree() and mount_setattr() in one
 * call; on a clone of an idmapped mount it may replace (or clear) the idmap,
 * which mount_setattr() refuses on any mount that was ever idmapped. */
static inline int sys_open_tree_attr(int dfd, const char *path, unsigned flags,
				     struct mount_attr *attr, size_t size)
{
	return (int)syscall(__NR_open_tree_attr, dfd, path, flags, attr, size);
}

static inline int sys_fsopen(const char *fsname, unsigned flags)
{
	return (int)syscall(__NR_fsopen, fsname, flags);
}

static inline int sys_fsconfig(int fd, unsigned cmd, const char *key, const void *value, int aux)
{
	return (int)syscall(__NR_fsconfig, fd, cmd, key, value, aux);
}

static inline int sys_fsmount(int fd, unsigned flags, unsigned attr_flags)
{
	return (int)syscall(__NR_fsmount, fd, flags, attr_flags);
}

static inline int sys_openat2(int dfd, const char *path, struct open_how *how, size_t size)
{
	return (int)syscall(__NR_openat2, dfd, path, how, size);
}

static inline int sys_pidfd_open(pid_t pid, unsigned flags)
{
	return (int)syscall(__NR_pidfd_open, pid, flags);
}

static inline int sys_pidfd_send_signal(int pidfd, int sig, void *info, unsigned flags)
{
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif
	return (int)syscall(__NR_pidfd_send_signal, pidfd, sig, info, flags);
}

/* statmount(2)/listmount(2), Linux 6.8+; the maps of idmapped mounts come
 * with STATMOUNT_MNT_UIDMAP/GIDMAP from Linux 6.15. */
#ifndef STATMOUNT_SB_BASIC
struct mnt_id_req {
	uint32_t size;
	uint32_t spare;
	uint64_t mnt_id;
	uint64_t param;
	uint64_t mnt_ns_id;
};
#define MNT_ID_REQ_SIZE_VER0	 24
#define MNT_ID_REQ_SIZE_VER1	 32
#define STATMOUNT_SB_BASIC	 0x00000001U
#define STATMOUNT_MNT_BASIC	 0x00000002U
#define STATMOUNT_PROPAGATE_FROM 0x00000004U
#define STATMOUNT_MNT_ROOT	 0x00000008U
#define STATMOUNT_MNT_POINT	 0x00000010U
#define STATMOUNT_FS_TYPE	 0x00000020U
#define STATMOUNT_MNT_NS_ID	 0x00000040U
#define STATMOUNT_MNT_OPTS	 0x00000080U
#define STATMOUNT_FS_SUBTYPE	 0x00000100U
#define STATMOUNT_SB_SOURCE	 0x00000200U
#define STATMOUNT_OPT_ARRAY	 0x00000400U
#define STATMOUNT_OPT_SEC_ARRAY	 0x00000800U
#define STATMOUNT_SUPPORTED_MASK 0x00001000U
#define STATMOUNT_MNT_UIDMAP	 0x00002000U
#define STATMOUNT_MNT_GIDMAP	 0x00004000U
#define LSMT_ROOT		 0xffffffffffffffffULL
#endif

static inline int sys_statmount(const struct mnt_id_req *req, void *buf, size_t bufsize,
				unsigned flags)
{
	return (int)syscall(__NR_statmount, req, buf, bufsize, flags);
}

static inline long sys_listmount(const struct mnt_id_req *req, uint64_t *ids, size_t n,
				 unsigned flags)
{
	return syscall(__NR_listmount, req, ids, n, flags);
}

/* getxattrat(2), Linux 6.13+: an xattr of a name relative to a dirfd,
 * without following a final symlink (AT_SYMLINK_NOFOLLOW). */
#ifndef __NR_getxattrat
#define __NR_getxattrat 464
#endif
struct sm_xattr_args {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

static inline long sys_getxattrat(int dfd, const char *path, unsigned at_flags, const char *name,
				  void *value, size_t size)
{
	struct sm_xattr_args args = {(uint64_t)(uintptr_t)value, (uint32_t)size, 0};
	return syscall(__NR_getxattrat, dfd, path, at_flags, name, &args, sizeof(args));
}

#endif
