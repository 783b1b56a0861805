/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Id-carrying extended attributes: POSIX ACLs and file capabilities, from
 * disk ids to host ids and back.  The layouts are the kernel's uapi
 * (linux/posix_acl_xattr.h, linux/capability.h), little-endian on disk and
 * on the wire; they are decoded byte by byte so no alignment is assumed.
 */
#include <errno.h>
#include <string.h>

#include "shiftmount/xattr.h"

#define ACL_USER_OBJ  0x01
#define ACL_USER      0x02
#define ACL_GROUP_OBJ 0x04
#define ACL_GROUP     0x08
#define ACL_MASK      0x10
#define ACL_OTHER     0x20

#define VFS_CAP_REVISION_MASK 0xFF000000u
#define VFS_CAP_REVISION_2    0x02000000u
#define VFS_CAP_REVISION_3    0x03000000u
#define VFS_CAP_FLAGS_MASK    0x000000FFu

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

enum sm_xattr_kind sm_xattr_kind(const char *name)
{
	if (!strcmp(name, SM_XATTR_NAME_ACL_ACCESS) || !strcmp(name, SM_XATTR_NAME_ACL_DEFAULT))
		return SM_XATTR_ACL;
	if (!strcmp(name, SM_XATTR_NAME_CAPS))
		return SM_XATTR_CAPS;
	return SM_XATTR_PLAIN;
}

/* One id along one map; 0 or -ENOENT. */
static int map_id(const struct sm_idmap *m, uint32_t id, enum sm_xattr_dir dir, uint32_t *ret)
{
	return dir == SM_XATTR_TO_HOST ? sm_idmap_to_outer(m, id, ret)
				       : sm_idmap_to_inner(m, id, ret);
}

int sm_xattr_acl_translate(void *value, size_t len, const struct sm_xattr_maps *maps,
			   enum sm_xattr_dir dir)
{
	unsigned char *v = value;

	if (len < 4 || (len - 4) % 8 != 0 || get_le32(v) != SM_ACL_XATTR_VERSION)
		return -EINVAL;
	/* Validate and translate into a scratch pass first, so a refusal leaves
	 * the buffer untouched. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t off = 4; off < len; off += 8) {
			uint16_t tag = get_le16(v + off);
			const struct sm_idmap *m;
			uint32_t overflow, id, out;

			switch (tag) {
			case ACL_USER_OBJ:
			case ACL_GROUP_OBJ:
			case ACL_MASK:
			case ACL_OTHER:
				continue;
			case ACL_USER:
				m = maps->uid;
				overflow = maps->overflow_uid;
				break;
			case ACL_GROUP:
				m = maps->gid;
				overflow = maps->overflow_gid;
				break;
			default:
				return -EINVAL;
			}
			id = get_le32(v + off + 4);
			if (map_id(m, id, dir, &out) < 0) {
				if (dir == SM_XATTR_TO_DISK)
					return -EINVAL;
				out = overflow;
			}
			if (pass == 1)
				put_le32(v + off + 4, out);
		}
	}
	return 0;
}

ssize_t sm_xattr_caps_translate(const void *in, size_t len, void *out, size_t outlen,
				const struct sm_xattr_maps *maps, enum sm_xattr_dir dir)
{
	const unsigned char *i = in;
	unsigned char tmp[SM_VFS_CAP_V3_SIZE];
	uint32_t magic, rev, root, mapped;

	if (len < 4)
		return -EINVAL;
	magic = get_le32(i);
	rev = magic & VFS_CAP_REVISION_MASK;
	if (rev == VFS_CAP_REVISION_2 && len == SM_VFS_CAP_V2_SIZE)
		root = 0;
	else if (rev == VFS_CAP_REVISION_3 && len == SM_VFS_CAP_V3_SIZE)
		root = get_le32(i + 20);
	else
		return -EINVAL;
	if (outlen < SM_VFS_CAP_V3_SIZE)
		return -ENOBUFS;
	if (map_id(maps->uid, root, dir, &mapped) < 0)
		return dir == SM_XATTR_TO_HOST ? -EOVERFLOW : -EINVAL;

	put_le32(tmp, VFS_CAP_REVISION_3 | (magic & VFS_CAP_FLAGS_MASK));
	memcpy(tmp + 4, i + 4, 16); /* permitted and inheritable, two u32 each */
	put_le32(tmp + 20, mapped);
	memcpy(out, tmp, sizeof(tmp));
	return SM_VFS_CAP_V3_SIZE;
}
