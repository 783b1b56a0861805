/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Extended attributes that carry ids, translated between disk ids and host
 * ids along a shifted mount's maps (disk -> host extents), the way the
 * kernel translates them on an idmapped mount:
 *
 *   system.posix_acl_access, system.posix_acl_default
 *       version 2 header, then 8-byte entries (le16 tag, le16 perm, le32 id);
 *       ACL_USER entries carry a uid, ACL_GROUP entries a gid.
 *   security.capability
 *       v2 (20 bytes, no owner: its root is id 0 of the filesystem) or
 *       v3 (24 bytes, le32 rootid at the end).
 *
 * Pure functions on buffers: no I/O, no allocation, never print.
 */
#ifndef SHIFTMOUNT_XATTR_H
#define SHIFTMOUNT_XATTR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "idmap.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SM_XATTR_NAME_ACL_ACCESS  "system.posix_acl_access"
#define SM_XATTR_NAME_ACL_DEFAULT "system.posix_acl_default"
#define SM_XATTR_NAME_CAPS	  "security.capability"

#define SM_ACL_XATTR_VERSION 2u
#define SM_VFS_CAP_V2_SIZE   20u
#define SM_VFS_CAP_V3_SIZE   24u

enum sm_xattr_kind {
	SM_XATTR_PLAIN = 0, /* carries no ids */
	SM_XATTR_ACL,
	SM_XATTR_CAPS,
};

enum sm_xattr_dir {
	SM_XATTR_TO_HOST, /* read from disk, about to be shown through the mount */
	SM_XATTR_TO_DISK, /* written through the mount, about to be stored */
};

/* The maps and the ids that stand for "unmapped" when reading. */
struct sm_xattr_maps {
	const struct sm_idmap *uid, *gid; /* disk -> host */
	uint32_t overflow_uid, overflow_gid;
};

/* Which translator an attribute name needs. */
enum sm_xattr_kind sm_xattr_kind(const char *name);

/* Translate a POSIX ACL value in place.  To host, an id the map does not
 * cover becomes the overflow id (as the kernel shows it); to disk, such an
 * id is refused with -EINVAL and the buffer is left as it was.  -EINVAL for a
 * malformed value (bad version, length not header + n * 8, unknown tag). */
int sm_xattr_acl_translate(void *value, size_t len, const struct sm_xattr_maps *maps,
			   enum sm_xattr_dir dir);

/* Translate a security.capability value into `out` (at least
 * SM_VFS_CAP_V3_SIZE bytes).  The result is always v3: its rootid is the
 * translated owner (a v2 value's owner is id 0 of the side it comes from).
 * Returns the new length (SM_VFS_CAP_V3_SIZE).  An owner the map does not
 * cover is -EOVERFLOW to host (as the kernel refuses to show it) and -EINVAL
 * to disk (as the kernel refuses to store it); -EINVAL for a malformed value,
 * -ENOBUFS when `outlen` is too small.  `in` and `out` may be the same. */
ssize_t sm_xattr_caps_translate(const void *in, size_t len, void *out, size_t outlen,
				const struct sm_xattr_maps *maps, enum sm_xattr_dir dir);

#ifdef __cplusplus
}
#endif
#endif
