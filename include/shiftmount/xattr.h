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

/* The maps.  The overflow ids are kept for callers but no translator uses
 * them: an ACL entry outside the map shows as the sentinel below, and a
 * capability owner outside it is refused. */
struct sm_xattr_maps {
	const struct sm_idmap *uid, *gid; /* disk -> host */
	uint32_t overflow_uid, overflow_gid;
};

/* Which translator an attribute name needs. */
enum sm_xattr_kind sm_xattr_kind(const char *name);

/* The id a named ACL entry (ACL_USER/ACL_GROUP) whose disk id is outside the
 * map shows as through the mount: 4294967294 ((uid_t)-2) unless the map's host
 * side covers it, else the highest id below it that the host side does not
 * cover; SM_XATTR_NO_SENTINEL when the host side covers every id.
 *
 * Why not the overflow id: a FUSE server's ACL is enforced by the kernel
 * (default_permissions), so an entry shown as 65534 would grant its rights to
 * the real host user nobody.  The kernel's idmapped mount shows such an entry
 * as 4294967295 and grants it to no one, but a FUSE server cannot hand -1 to
 * the kernel (the whole ACL would be refused).  The sentinel is a valid id
 * that no mapped id equals, so no process of the mount's users matches it.
 * Residual: a process running as host uid (or in host group) 4294967294,
 * e.g. a legacy nfsnobody, would get the entry's rights. */
#define SM_XATTR_SENTINEL_ID 4294967294u
#define SM_XATTR_NO_SENTINEL 4294967295u
uint32_t sm_xattr_unmapped_sentinel(const struct sm_idmap *host_side);

/* Translate a POSIX ACL value in place.
 *
 * To host: a named entry whose disk id the map does not cover becomes the
 * sentinel of its map (above); -EOVERFLOW when there is none.
 *
 * To disk: the kernel writes whole ACLs back on its own (chmod updates the
 * mask, setfacl -m rewrites the list), sentinels included.  `ondisk` (may be
 * NULL) is the value currently stored; the n-th named entry of a tag that
 * carries the sentinel gets back the disk id of the n-th entry of that tag in
 * `ondisk` whose id the map does not cover.  With fewer such entries on disk,
 * or any other unmapped id, -EINVAL (as the kernel refuses -1).  A malformed
 * `ondisk` counts as none.
 *
 * -EINVAL for a malformed value (bad version, length not header + n * 8,
 * unknown tag).  On any error the buffer is left as it was. */
int sm_xattr_acl_translate(void *value, size_t len, const struct sm_xattr_maps *maps,
			   enum sm_xattr_dir dir, const void *ondisk, size_t ondisk_len);

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
