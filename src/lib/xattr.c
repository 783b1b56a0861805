/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Id-carrying extended attributes: POSIX ACLs and file capabilities, from
 * disk ids to host ids and back.  The layouts are the kernel's uapi
 * (linux/posix_acl_xattr.h, linux/capability.h), little-endian on disk and
 * on the wire; they are decoded byte by byte so no alignment is assumed.
 */
#include <errno.h>
#include <stdbool.h>
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

uint32_t sm_xattr_unmapped_sentinel(const struct sm_idmap *host_side)
{
	uint32_t cand = SM_XATTR_SENTINEL_ID;

	/* Each step moves below one extent, so at most n + 1 rounds. */
	for (unsigned round = 0; round <= host_side->n; round++) {
		const struct sm_extent *hit = NULL;
		for (unsigned i = 0; i < host_side->n; i++) {
			const struct sm_extent *e = &host_side->ext[i];
			if (cand >= e->outer && cand - e->outer < e->count) {
				hit = e;
				break;
			}
		}
		if (!hit)
			return cand;
		if (hit->outer == 0)
			break;
		cand = hit->outer - 1;
	}
	return SM_XATTR_NO_SENTINEL;
}

/* A well-formed ACL value: version 2, header + n * 8 bytes, known tags. */
static bool acl_valid(const unsigned char *v, size_t len)
{
	if (len < 4 || (len - 4) % 8 != 0 || get_le32(v) != SM_ACL_XATTR_VERSION)
		return false;
	for (size_t off = 4; off < len; off += 8)
		switch (get_le16(v + off)) {
		case ACL_USER_OBJ:
		case ACL_USER:
		case ACL_GROUP_OBJ:
		case ACL_GROUP:
		case ACL_MASK:
		case ACL_OTHER:
			break;
		default:
			return false;
		}
	return true;
}

/* The disk id of the n-th (from 0) entry with this tag in the on-disk ACL
 * whose id the map does not cover; 0 or -ENOENT. */
static int ondisk_unmapped(const unsigned char *d, size_t dlen, uint16_t tag,
			   const struct sm_idmap *m, size_t nth, uint32_t *ret)
{
	for (size_t off = 4; off < dlen; off += 8) {
		uint32_t id = get_le32(d + off + 4), out;
		if (get_le16(d + off) != tag || sm_idmap_to_outer(m, id, &out) == 0)
			continue;
		if (nth-- == 0) {
			*ret = id;
			return 0;
		}
	}
	return -ENOENT;
}

int sm_xattr_acl_translate(void *value, size_t len, const struct sm_xattr_maps *maps,
			   enum sm_xattr_dir dir, const void *ondisk, size_t ondisk_len)
{
	unsigned char *v = value;
	const unsigned char *d = ondisk;
	uint32_t sentinel_u = sm_xattr_unmapped_sentinel(maps->uid);
	uint32_t sentinel_g = sm_xattr_unmapped_sentinel(maps->gid);

	if (!acl_valid(v, len))
		return -EINVAL;
	if (!d || !acl_valid(d, ondisk_len))
		ondisk_len = 0;
	/* Validate in a first pass and write in the second, so a refusal
	 * leaves the buffer untouched. */
	for (int pass = 0; pass < 2; pass++) {
		size_t seen_u = 0, seen_g = 0;
		for (size_t off = 4; off < len; off += 8) {
			uint16_t tag = get_le16(v + off);
			const struct sm_idmap *m;
			uint32_t sentinel, id, out;
			size_t *seen;

			if (tag == ACL_USER) {
				m = maps->uid;
				sentinel = sentinel_u;
				seen = &seen_u;
			} else if (tag == ACL_GROUP) {
				m = maps->gid;
				sentinel = sentinel_g;
				seen = &seen_g;
			} else {
				continue;
			}
			id = get_le32(v + off + 4);
			if (map_id(m, id, dir, &out) < 0) {
				if (dir == SM_XATTR_TO_HOST) {
					if (sentinel == SM_XATTR_NO_SENTINEL)
						return -EOVERFLOW;
					out = sentinel;
				} else if (sentinel == SM_XATTR_NO_SENTINEL || id != sentinel ||
					   ondisk_unmapped(d, ondisk_len, tag, m, (*seen)++, &out) <
						   0) {
					return -EINVAL;
				}
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
