/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The FUSE backend's id-carrying xattr translators: POSIX ACLs and
 * security.capability, along maps that are themselves part of the input.
 *
 * Input: [flags][spec length L][L bytes: a --map SPEC][the xattr value].
 * flags bit 0: capability (else ACL); bit 1: towards disk (else towards the
 * host); bit 2: translate capabilities in place; bit 3: a too small output.
 * An unparsable SPEC falls back to b:100000:200000:65536.  Invariants:
 *   - a refused value is left untouched, errors are the documented ones;
 *   - tags, permissions and capability sets never change, only ids;
 *   - every id is translated by the map (or becomes the overflow id when
 *     the host side cannot show it);
 *   - translating there and back is the identity when every id is mapped.
 */
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

static void fuzz_acl(const uint8_t *val, size_t len, const struct sm_xattr_maps *maps,
		     enum sm_xattr_dir dir)
{
	uint8_t *v = malloc(len ? len : 1);
	FUZZ_CHECK(v);
	memcpy(v, val, len);
	int r = sm_xattr_acl_translate(v, len, maps, dir);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL);
		FUZZ_CHECK(!memcmp(v, val, len));
		free(v);
		return;
	}
	FUZZ_CHECK(r == 0 && len >= 4 && (len - 4) % 8 == 0 && le32(v) == SM_ACL_XATTR_VERSION);
	int all_mapped = 1;
	for (size_t off = 4; off < len; off += 8) {
		uint16_t tag = (uint16_t)(val[off] | val[off + 1] << 8);
		/* tag and permissions are never touched */
		FUZZ_CHECK(!memcmp(v + off, val + off, 4));
		if (tag != 0x02 && tag != 0x08) {
			FUZZ_CHECK(!memcmp(v + off + 4, val + off + 4, 4));
			continue;
		}
		const struct sm_idmap *m = tag == 0x02 ? maps->uid : maps->gid;
		uint32_t want, got = le32(v + off + 4);
		if (map_id(m, le32(val + off + 4), dir, &want) < 0) {
			FUZZ_CHECK(dir == SM_XATTR_TO_HOST);
			want = tag == 0x02 ? maps->overflow_uid : maps->overflow_gid;
			all_mapped = 0;
		}
		FUZZ_CHECK(got == want);
	}
	if (all_mapped) {
		enum sm_xattr_dir back =
			dir == SM_XATTR_TO_HOST ? SM_XATTR_TO_DISK : SM_XATTR_TO_HOST;
		FUZZ_CHECK(sm_xattr_acl_translate(v, len, maps, back) == 0);
		FUZZ_CHECK(!memcmp(v, val, len));
	}
	free(v);
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
	if (flags & 1)
		fuzz_caps(val, len, &maps, dir, !!(flags & 4), !!(flags & 8));
	else
		fuzz_acl(val, len, &maps, dir);
	return 0;
}
