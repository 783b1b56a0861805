/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The FUSE backend's id-carrying xattr translators: POSIX ACLs and
 * security.capability, along maps that are themselves part of the input.
 *
 * Input: [flags][spec length L][L bytes: a --map SPEC][the xattr value].
 * flags bit 0: capability (else ACL); bit 1: towards disk (else towards the
 * host); bit 2: translate capabilities in place; bit 3: a too small output;
 * bit 4 (ACL): the value is [le16 K][K bytes: the ACL on disk][the ACL].
 * An unparsable SPEC falls back to b:100000:200000:65536.  Invariants:
 *   - a refused value is left untouched, errors are the documented ones;
 *   - tags, permissions and capability sets never change, only ids;
 *   - every id is translated by the map; an ACL entry outside the map
 *     becomes the sentinel towards the host (the highest id up to
 *     4294967294 the host side does not cover), and a sentinel towards disk
 *     gets the disk's n-th unmapped id of its tag back, or is refused;
 *   - there and back is the identity: to host and back with the original as
 *     the value on disk, to disk and back always.
 */
#include <stdbool.h>

#include "fuzz.h"
#include "shiftmount/xattr.h"

#define OVERFLOW 65534u

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int map_id(const struct sm_idmap *m, uint32_t id, enum sm_xattr_dir dir, uint32_t *ret)
{
	return dir == SM_XATTR_TO_HOST ? sm_idmap_to_outer(m, id, ret)
				       : sm_idmap_to_inner(m, id, ret);
}

static bool acl_wellformed(const uint8_t *v, size_t len)
{
	if (len < 4 || (len - 4) % 8 != 0 || le32(v) != SM_ACL_XATTR_VERSION)
		return false;
	for (size_t off = 4; off < len; off += 8) {
		uint16_t tag = (uint16_t)(v[off] | v[off + 1] << 8);
		if (tag != 0x01 && tag != 0x02 && tag != 0x04 && tag != 0x08 && tag != 0x10 &&
		    tag != 0x20)
			return false;
	}
	return true;
}

/* The sentinel is not on the host side, and every id above it up to
 * 4294967294 is (the host side's extents do not overlap). */
static void check_sentinel(const struct sm_idmap *m, uint32_t s)
{
	uint32_t unused;
	uint64_t above = 0, lo = (uint64_t)s + 1;
	if (s == SM_XATTR_NO_SENTINEL)
		lo = 0;
	else
		FUZZ_CHECK(sm_idmap_to_inner(m, s, &unused) < 0);
	for (unsigned i = 0; i < m->n; i++) {
		uint64_t a = m->ext[i].outer, b = a + m->ext[i].count; /* [a, b) */
		if (a < lo)
			a = lo;
		if (b > (uint64_t)SM_XATTR_SENTINEL_ID + 1)
			b = (uint64_t)SM_XATTR_SENTINEL_ID + 1;
		if (b > a)
			above += b - a;
	}
	FUZZ_CHECK(above == (uint64_t)SM_XATTR_SENTINEL_ID + 1 - lo);
}

/* The n-th entry with this tag in a well-formed on-disk ACL whose id the map
 * does not cover. */
static int nth_unmapped(const uint8_t *d, size_t dlen, uint16_t tag, const struct sm_idmap *m,
			size_t n, uint32_t *ret)
{
	uint32_t unused;
	for (size_t off = 4; off < dlen; off += 8)
		if ((uint16_t)(d[off] | d[off + 1] << 8) == tag &&
		    sm_idmap_to_outer(m, le32(d + off + 4), &unused) < 0 && n-- == 0) {
			*ret = le32(d + off + 4);
			return 0;
		}
	return -1;
}

static void fuzz_acl(const uint8_t *val, size_t len, const uint8_t *disk, size_t dlen,
		     const struct sm_xattr_maps *maps, enum sm_xattr_dir dir)
{
	uint32_t su = sm_xattr_unmapped_sentinel(maps->uid);
	uint32_t sg = sm_xattr_unmapped_sentinel(maps->gid);
	check_sentinel(maps->uid, su);
	check_sentinel(maps->gid, sg);

	/* What the translation must give, worked out entry by entry. */
	int want_r = acl_wellformed(val, len) ? 0 : -EINVAL;
	bool disk_ok = disk && acl_wellformed(disk, dlen);
	uint32_t *want = calloc(len / 8 + 1, sizeof(uint32_t));
	FUZZ_CHECK(want);
	size_t seen_u = 0, seen_g = 0;
	for (size_t off = 4, i = 0; want_r == 0 && off < len; off += 8, i++) {
		uint16_t tag = (uint16_t)(val[off] | val[off + 1] << 8);
		if (tag != 0x02 && tag != 0x08)
			continue;
		const struct sm_idmap *m = tag == 0x02 ? maps->uid : maps->gid;
		uint32_t s = tag == 0x02 ? su : sg, id = le32(val + off + 4);
		size_t *seen = tag == 0x02 ? &seen_u : &seen_g;
		if (map_id(m, id, dir, &want[i]) == 0)
			continue;
		if (dir == SM_XATTR_TO_HOST) {
			if (s == SM_XATTR_NO_SENTINEL)
				want_r = -EOVERFLOW;
			want[i] = s;
		} else if (s == SM_XATTR_NO_SENTINEL || id != s || !disk_ok ||
			   nth_unmapped(disk, dlen, tag, m, (*seen)++, &want[i]) < 0) {
			want_r = -EINVAL;
		}
	}

	uint8_t *v = malloc(len ? len : 1);
	FUZZ_CHECK(v);
	memcpy(v, val, len);
	int r = sm_xattr_acl_translate(v, len, maps, dir, disk, dlen);
	FUZZ_CHECK(r == want_r);
	if (r < 0) {
		FUZZ_CHECK(!memcmp(v, val, len));
		goto out;
	}
	for (size_t off = 4, i = 0; off < len; off += 8, i++) {
		uint16_t tag = (uint16_t)(val[off] | val[off + 1] << 8);
		/* tag and permissions are never touched */
		FUZZ_CHECK(!memcmp(v + off, val + off, 4));
		if (tag != 0x02 && tag != 0x08)
			FUZZ_CHECK(!memcmp(v + off + 4, val + off + 4, 4));
		else
			FUZZ_CHECK(le32(v + off + 4) == want[i]);
	}
	/* There and back. */
	if (dir == SM_XATTR_TO_HOST) {
		FUZZ_CHECK(sm_xattr_acl_translate(v, len, maps, SM_XATTR_TO_DISK, val, len) == 0);
	} else {
		FUZZ_CHECK(sm_xattr_acl_translate(v, len, maps, SM_XATTR_TO_HOST, NULL, 0) == 0);
	}
	FUZZ_CHECK(!memcmp(v, val, len));
out:
	free(v);
	free(want);
}

static void fuzz_caps(const uint8_t *val, size_t len, const struct sm_xattr_maps *maps,
		      enum sm_xattr_dir dir, int in_place, int small)
{
	uint8_t *in = malloc(len > 24 ? len : 24), out[SM_VFS_CAP_V3_SIZE],
		back[SM_VFS_CAP_V3_SIZE];
	FUZZ_CHECK(in);
	memcpy(in, val, len);
	uint8_t *dst = in_place && len >= 24 ? in : out;
	size_t outlen = small ? SM_VFS_CAP_V3_SIZE - 1 : SM_VFS_CAP_V3_SIZE;
	ssize_t r = sm_xattr_caps_translate(in, len, dst, outlen, maps, dir);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL || r == -EOVERFLOW || r == -ENOBUFS);
		FUZZ_CHECK(!memcmp(in, val, len));
		FUZZ_CHECK(r != -EOVERFLOW || dir == SM_XATTR_TO_HOST);
		FUZZ_CHECK(r != -ENOBUFS || small);
		free(in);
		return;
	}
	FUZZ_CHECK(!small && r == SM_VFS_CAP_V3_SIZE);
	uint32_t magic = le32(val), rev = magic & 0xff000000u;
	FUZZ_CHECK((rev == 0x02000000u && len == 20) || (rev == 0x03000000u && len == 24));
	uint32_t root = rev == 0x03000000u ? le32(val + 20) : 0, want;
	FUZZ_CHECK(map_id(maps->uid, root, dir, &want) == 0);
	FUZZ_CHECK((le32(dst) & 0xff000000u) == 0x03000000u);
	FUZZ_CHECK((le32(dst) & 1u) == (magic & 1u));
	FUZZ_CHECK(!memcmp(dst + 4, val + 4, 16));
	FUZZ_CHECK(le32(dst + 20) == want);
	/* There and back: the owner comes home. */
	enum sm_xattr_dir other = dir == SM_XATTR_TO_HOST ? SM_XATTR_TO_DISK : SM_XATTR_TO_HOST;
	FUZZ_CHECK(sm_xattr_caps_translate(dst, 24, back, sizeof(back), maps, other) == 24);
	FUZZ_CHECK(le32(back + 20) == root && !memcmp(back + 4, val + 4, 16));
	free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sm_idmap uid, gid;
	struct sm_error err;
	if (size < 2 || size > 65536)
		return 0;
	unsigned flags = data[0];
	size_t speclen = data[1];
	if (speclen > size - 2)
		speclen = size - 2;
	char *spec = fuzz_strndup(data + 2, speclen);
	sm_idmap_init(&uid);
	sm_idmap_init(&gid);
	if (sm_idmap_parse_spec(spec, &uid, &gid, &err) < 0 || uid.n == 0 || gid.n == 0) {
		sm_idmap_init(&uid);
		sm_idmap_init(&gid);
		FUZZ_CHECK(sm_idmap_parse_spec("b:100000:200000:65536", &uid, &gid, &err) == 0);
	}
	free(spec);
	struct sm_xattr_maps maps = {&uid, &gid, OVERFLOW, OVERFLOW};
	const uint8_t *val = data + 2 + speclen;
	size_t len = size - 2 - speclen;
	enum sm_xattr_dir dir = (flags & 2) ? SM_XATTR_TO_DISK : SM_XATTR_TO_HOST;
	const uint8_t *disk = NULL;
	size_t dlen = 0;
	if (!(flags & 1) && (flags & 16) && len >= 2) {
		dlen = (size_t)(val[0] | val[1] << 8);
		if (dlen > len - 2)
			dlen = len - 2;
		disk = val + 2;
		val += 2 + dlen;
		len -= 2 + dlen;
	}
	if (flags & 1)
		fuzz_caps(val, len, &maps, dir, !!(flags & 4), !!(flags & 8));
	else
		fuzz_acl(val, len, disk, dlen, &maps, dir);
	return 0;
}
