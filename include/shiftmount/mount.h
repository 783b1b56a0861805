/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Detached shifted mounts on the kernel backend (idmapped mounts). */
#ifndef SHIFTMOUNT_MOUNT_H
#define SHIFTMOUNT_MOUNT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Flags for a shifted mount; the first four become MOUNT_ATTR_* bits. */
enum sm_mount_flags {
	SM_MOUNT_RDONLY = 1 << 0,
	SM_MOUNT_NOSUID = 1 << 1,
	SM_MOUNT_NODEV = 1 << 2,
	SM_MOUNT_NOEXEC = 1 << 3,
	SM_MOUNT_RECURSIVE = 1 << 4, /* clone and idmap the submounts too */
};

/* Parse "-o ro,nosuid,nodev,noexec" style options (also "rw", "suid", "dev",
 * "exec" to clear) into *flags, which keeps its other bits.  -EINVAL and *bad
 * pointing into a thread-local copy of the unknown option (the whole string
 * for an empty one, as in "ro,,nodev"); *flags is then untouched. */
int sm_mount_parse_options(const char *opts, unsigned *flags, const char **bad);

/* The flags as options: "ro" or "rw", then ",nosuid", ",nodev", ",noexec"
 * and ",recursive" for the bits set ("rw,nosuid,nodev").  The length, or
 * -ENOBUFS when `len` is too small (64 is always enough). */
int sm_mount_format_flags(unsigned flags, char *buf, size_t len);

/* Clone `path` (relative to `dirfd`, never following a final symlink nor
 * triggering automounts; NULL or "" for `dirfd` itself) as a detached mount,
 * make it idmapped along `userns_fd` (a negative fd: no idmap) and apply
 * `flags`; with SM_MOUNT_RECURSIVE both the clone and the attributes cover
 * every submount.  The clone's propagation is private.
 * *ret_mntfd is O_CLOEXEC; nothing exists in any mount namespace until it is
 * attached, and closing the fd drops it.  -EINVAL from mount_setattr means the
 * filesystem cannot be idmapped (or the source is already idmapped). */
int sm_mount_clone_shifted(int dirfd, const char *path, int userns_fd, unsigned flags,
			   int *ret_mntfd);

/* Attach a detached mount at `path` relative to `dirfd` (a final symlink is
 * not followed); NULL or "" attaches onto `dirfd` itself. */
int sm_mount_attach(int mntfd, int dirfd, const char *path);

/* Can the kernel idmap the filesystem under `path`?  Tries it on a throwaway
 * detached clone; 1 yes, 0 no (-EINVAL/-EPERM from mount_setattr with a
 * valid namespace), -errno when the probe itself could not run (e.g. the
 * clone could not be made).  Answers are cached per mount (st_dev and mount
 * id); the probe's namespace fd is made once and kept open. */
int sm_mount_probe_idmap(int dirfd, const char *path);

#ifdef __cplusplus
}
#endif
#endif
