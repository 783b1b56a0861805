/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which backend serves a shifted mount, and the FUSE backend's side of it:
 * starting shiftfs-fuse for a map, and reading a running one's map back.
 * `shiftmount bind` and `mount.shift` both go through here.
 */
#ifndef SHIFTMOUNT_BACKEND_H
#define SHIFTMOUNT_BACKEND_H

#include <stddef.h>

#include "idmap.h"
#include "mountinfo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The virtual xattr a shiftfs-fuse mount root answers with its map, in
 * --map syntax (see sm_idmap_format_spec). */
#define SM_FUSE_MAP_XATTR "user.shiftmount.map"
/* The virtual xattr a shiftfs-fuse mount root answers with what it
 * negotiated with the kernel, as words "passthrough=on killpriv_v2=on
 * writeback=off" and maybe a parenthesised reason (docs/fuse.md). */
#define SM_FUSE_FEATURES_XATTR "user.shiftmount.fuse"
/* The virtual xattr a shiftfs-fuse mount root answers with the -o options it
 * was started with beyond its map, its mount flags and where it mounted, in
 * -o syntax ("idmap,cache=never,threads=4"; empty when all are defaults):
 * what `shiftmount reconfigure` gives the instance that replaces it. */
#define SM_FUSE_OPTIONS_XATTR "user.shiftmount.options"
/* The mount's type in /proc/self/mountinfo. */
#define SM_FUSE_FSTYPE "fuse.shiftfs-fuse"

/* "auto", "kernel", "fuse" -> the enum; -EINVAL otherwise. */
int sm_backend_parse(const char *s, enum sm_backend *ret);
const char *sm_backend_name(enum sm_backend b);

/* Resolve SM_BACKEND_AUTO for the directory `path` under `dirfd`: the kernel
 * when it can idmap that filesystem (sm_mount_probe_idmap()), else FUSE --
 * also when the caller may not make idmapped mounts (EPERM) or the kernel has
 * no mount API (ENOSYS).  An explicit choice is returned as it is.  -errno
 * when the probe cannot run. */
int sm_backend_choose(int dirfd, const char *path, enum sm_backend requested, enum sm_backend *ret);

/* Where shiftfs-fuse is: $SHIFTFS_FUSE if set, else next to the running
 * program (/proc/self/exe), else the first one on $PATH (the default path
 * when unset).  The environment is read with secure_getenv(): a setuid or
 * setcap caller never runs a binary its invoker named.  -ENOENT. */
int sm_fuse_find(char *buf, size_t len);

/* Mount `src` on `dst` with shiftfs-fuse for the maps (disk -> host) and
 * SM_MOUNT_* `flags`; `extra` (may be NULL) are more -o options, given
 * before the map and the flags so that those win over anything in it.
 * Returns once the mount works (shiftfs-fuse has daemonized) with 0, or with
 * -EINVAL (it refused its input), -ENOENT (no binary) or -EIO (the mount
 * failed).  shiftfs-fuse's own message about the failure goes to stderr. */
int sm_fuse_mount(const char *src, const char *dst, const struct sm_idmap *uid,
		  const struct sm_idmap *gid, unsigned flags, const char *extra);

/* The map served by the shiftfs-fuse mount whose root is `mountpoint`.
 * -ENOTCONN when its process is gone (umount it), -ENODATA when it is not a
 * shiftfs-fuse mount. */
int sm_fuse_read_maps(const char *mountpoint, struct sm_idmap *ret_uid, struct sm_idmap *ret_gid);

/* What the shiftfs-fuse mount whose root is `mountpoint` negotiated with the
 * kernel (SM_FUSE_FEATURES_XATTR), as it says it, into `buf` (len bytes,
 * NUL-terminated).  -ENOTCONN when its process is gone, -ENODATA when it is
 * not a shiftfs-fuse mount (or one too old to say), -ERANGE when the text
 * does not fit. */
int sm_fuse_read_features(const char *mountpoint, char *buf, size_t len);

/* The options the shiftfs-fuse mount whose root is `mountpoint` was started
 * with (SM_FUSE_OPTIONS_XATTR) into `buf` (len bytes, NUL-terminated).
 * -ENOTCONN when its process is gone, -ENODATA when it is not a shiftfs-fuse
 * mount (or one too old to say), -ERANGE when the text does not fit. */
int sm_fuse_read_options(const char *mountpoint, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
