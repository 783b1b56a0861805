/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Auditing what tenants left on disk: a walker that reports, through a
 * callback, every inode that would be dangerous on the host once the tree is
 * reached unshifted (setuid/setgid executables, device nodes, file
 * capabilities, world-writable files of the range's root, ids outside every
 * known shift range), and the fixes for the first three kinds.
 */
#ifndef SHIFTMOUNT_AUDIT_H
#define SHIFTMOUNT_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a finding is; one inode may carry several. */
enum sm_audit_kind {
	SM_AUDIT_SETUID = 1 << 0,	  /* regular file with S_ISUID */
	SM_AUDIT_SETGID = 1 << 1,	  /* regular file with S_ISGID and S_IXGRP */
	SM_AUDIT_DEVICE = 1 << 2,	  /* character or block device node */
	SM_AUDIT_FCAPS = 1 << 3,	  /* regular file with security.capability */
	SM_AUDIT_WORLD_WRITABLE = 1 << 4, /* o+w, owned by a range's root */
	SM_AUDIT_UID_OUTSIDE = 1 << 5,	  /* owner outside every range */
	SM_AUDIT_GID_OUTSIDE = 1 << 6,	  /* group outside every range */
};
/* The kinds sm_audit_fix() can neutralise. */
#define SM_AUDIT_FIXABLE (SM_AUDIT_SETUID | SM_AUDIT_SETGID | SM_AUDIT_FCAPS)

/* One shift range: disk ids [origin, origin + range) for uids and gids. */
struct sm_audit_range {
	uint32_t origin_uid, origin_gid, range;
};

/* A decoded security.capability value (VFS_CAP_REVISION_2 or _3). */
struct sm_audit_fcaps {
	unsigned version; /* 2 or 3; 0 when the value could not be decoded */
	int has_rootid;	  /* version 3: the namespace root it is valid for */
	uint32_t rootid;
	uint64_t permitted, inheritable;
	int effective;
};

struct sm_audit_finding {
	unsigned kinds;	  /* enum sm_audit_kind bits */
	const char *path; /* relative to the walked root ("" for the root) */
	int dirfd;	  /* the directory holding it, valid during the callback */
	const char *name; /* its name in dirfd ("" for the root: use dirfd) */
	struct stat st;
	struct sm_audit_fcaps fcaps; /* when SM_AUDIT_FCAPS */
};

enum sm_audit_flags {
	SM_AUDIT_CROSS_MOUNTS = 1 << 0, /* descend into other filesystems */
};

struct sm_audit_stats {
	uint64_t entries; /* inodes examined */
	uint64_t directories;
	uint64_t findings;
	uint64_t errors;	 /* entries that could not be examined */
	uint64_t skipped_mounts; /* directories on other filesystems not entered */
};

struct sm_audit_ops {
	/* Every finding.  A negative return stops the walk with that value. */
	int (*finding)(const struct sm_audit_finding *f, void *userdata);
	/* An entry that could not be examined (err is -errno); the walk goes
	 * on unless this returns negative.  May be NULL. */
	int (*error)(const char *path, int err, void *userdata);
	/* Called about every 4096 entries with the running counts.  May be NULL. */
	void (*progress)(const struct sm_audit_stats *stats, void *userdata);
};

/* Walk the tree at `path` relative to `dirfd` (itself included), without
 * following any symlink ("" for `dirfd` itself) and, unless SM_AUDIT_CROSS_MOUNTS, without leaving
 * its filesystem.  Directories are opened relative to their parent's fd; no
 * path is ever resolved twice.  `ranges` (n of them, n may be 0) are the
 * shift ranges the tree belongs to: with none, the outside-range checks are
 * off and the range root for the world-writable check is `default_root_uid`.
 * Returns 0 when the walk completed (*ret_stats filled if not NULL; errors
 * met on the way are counted there), or a negative errno when the root could
 * not be opened or a callback stopped the walk. */
int sm_audit_walk(int dirfd, const char *path, const struct sm_audit_range *ranges, size_t n,
		  uint32_t default_root_uid, unsigned flags, const struct sm_audit_ops *ops,
		  void *userdata, struct sm_audit_stats *ret_stats);

/* Neutralise the fixable kinds in `kinds` of a finding, on the inode that
 * was examined (it is reopened without following symlinks and checked to
 * be the same inode): clear S_ISUID/S_ISGID, remove security.capability.
 * *ret_mode gets the new mode.  -ESTALE when the inode changed since. */
int sm_audit_fix(const struct sm_audit_finding *f, unsigned kinds, mode_t *ret_mode);

/* Decode a security.capability value; -EINVAL when it is not one. */
int sm_audit_decode_fcaps(const void *value, size_t size, struct sm_audit_fcaps *ret);

/* A static name for one kind bit ("setuid", "device", ...). */
const char *sm_audit_kind_name(unsigned kind);

#ifdef __cplusplus
}
#endif
#endif
