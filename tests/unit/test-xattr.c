/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The id-carrying xattr translators (POSIX ACLs, file capabilities), table-driven. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "shiftmount/xattr.h"
#include "util.h"
#include "../lib/tap.h"

#define U    0x02 /* ACL_USER */
#define G    0x08 /* ACL_GROUP */
#define UO   0x01
#define GO   0x04
#define M    0x10
#define O    0x20
#define NONE 0xffffffffu

struct ace {
	uint16_t tag, perm;
	uint32_t id;
};

static size_t acl_encode(unsigned char *buf, uint32_t version, const struct ace *a, size_t n)
{
	size_t off = 4;
	memcpy(buf, &version, 4); /* the test host is little-endian, like the format */
	for (size_t i = 0; i < n; i++, off += 8) {
		memcpy(buf + off, &a[i].tag, 2);
		memcpy(buf + off + 2, &a[i].perm, 2);
		memcpy(buf + off + 4, &a[i].id, 4);
	}
	return off;
}

static uint32_t acl_id(const unsigned char *buf, size_t i)
{
	uint32_t id;
	memcpy(&id, buf + 4 + i * 8 + 4, 4);
	return id;
}

static struct sm_idmap uid, gid;
static struct sm_xattr_maps maps = {&uid, &gid, 65534, 65533};

#define SU SM_XATTR_SENTINEL_ID

static const struct acl_case {
	const char *name;
	enum sm_xattr_dir dir;
	struct ace in[6];
	size_t n;
	int ret;
	uint32_t out[6];      /* ids after, index by entry */
	struct ace ondisk[6]; /* to disk: the value stored now (none when nd == 0) */
	size_t nd;
} acl_cases[] = {
	{"to host: user and group entries shifted, others untouched",
	 SM_XATTR_TO_HOST,
	 {{UO, 6, NONE}, {U, 7, 100001}, {GO, 4, NONE}, {G, 5, 100002}, {M, 7, NONE}, {O, 4, NONE}},
	 6,
	 0,
	 {NONE, 200001, NONE, 300002, NONE, NONE}},
	{"to host: unmapped ids become the sentinel, never the overflow ids",
	 SM_XATTR_TO_HOST,
	 {{UO, 6, NONE}, {U, 7, 5}, {G, 5, 99}, {M, 7, NONE}},
	 4,
	 0,
	 {NONE, SU, SU, NONE}},
	{"to host: an unmapped (uid_t)-1 on disk becomes the sentinel too",
	 SM_XATTR_TO_HOST,
	 {{U, 7, NONE}, {G, 5, 65534}},
	 2,
	 0,
	 {SU, SU}},
	{"to disk: host ids back to disk ids",
	 SM_XATTR_TO_DISK,
	 {{UO, 6, NONE}, {U, 7, 265535}, {G, 5, 300000}, {M, 7, NONE}},
	 4,
	 0,
	 {NONE, 165535, 100000, NONE}},
	{"to disk: an unmapped id is refused, never squashed",
	 SM_XATTR_TO_DISK,
	 {{UO, 6, NONE}, {U, 7, 200001}, {G, 5, 12}, {M, 7, NONE}},
	 4,
	 -EINVAL,
	 {NONE, 200001, 12, NONE}},
	{"to disk: uid map used for users, gid map for groups",
	 SM_XATTR_TO_DISK,
	 {{U, 7, 300005}},
	 1,
	 -EINVAL,
	 {300005}},
	{"to disk: the overflow id is not restored from disk",
	 SM_XATTR_TO_DISK,
	 {{U, 7, 65534}},
	 1,
	 -EINVAL,
	 {65534},
	 {{U, 7, 5}},
	 1},
	{"to disk: sentinels get the disk's unmapped ids back, in order, per tag",
	 SM_XATTR_TO_DISK,
	 {{UO, 6, NONE}, {U, 4, SU}, {U, 6, 200007}, {U, 2, SU}, {G, 5, SU}, {M, 6, NONE}},
	 6,
	 0,
	 {NONE, 60000, 100007, 7, 99, NONE},
	 {{UO, 6, NONE}, {U, 4, 60000}, {G, 5, 99}, {U, 6, 100007}, {U, 2, 7}, {M, 6, NONE}},
	 6},
	{"to disk: more sentinels than unmapped entries on disk is refused",
	 SM_XATTR_TO_DISK,
	 {{U, 4, SU}, {U, 2, SU}, {G, 5, 300001}},
	 3,
	 -EINVAL,
	 {SU, SU, 300001},
	 {{U, 4, 60000}, {U, 6, 100007}},
	 2},
	{"to disk: a user sentinel does not take a group's disk id",
	 SM_XATTR_TO_DISK,
	 {{U, 4, SU}},
	 1,
	 -EINVAL,
	 {SU},
	 {{G, 4, 60000}},
	 1},
	{"to disk: a sentinel with nothing on disk is refused",
	 SM_XATTR_TO_DISK,
	 {{UO, 6, NONE}, {G, 4, SU}, {M, 6, NONE}},
	 3,
	 -EINVAL,
	 {NONE, SU, NONE}},
	{"to disk: fewer sentinels than unmapped entries on disk is fine",
	 SM_XATTR_TO_DISK,
	 {{U, 4, SU}, {U, 6, 200001}},
	 2,
	 0,
	 {60000, 100001},
	 {{U, 4, 60000}, {U, 4, 60001}},
	 2},
	{"unknown tag is malformed", SM_XATTR_TO_HOST, {{0x40, 7, 1}}, 1, -EINVAL, {1}},
	{"empty ACL (header only) is fine", SM_XATTR_TO_HOST, {{0}}, 0, 0, {0}},
};

static void test_acl(void)
{
	for (size_t c = 0; c < ELEMENTSOF(acl_cases); c++) {
		const struct acl_case *t = &acl_cases[c];
		unsigned char buf[4 + 6 * 8], before[sizeof(buf)], disk[4 + 6 * 8];
		size_t len = acl_encode(buf, SM_ACL_XATTR_VERSION, t->in, t->n);
		size_t dlen = acl_encode(disk, SM_ACL_XATTR_VERSION, t->ondisk, t->nd);
		memcpy(before, buf, len);
		int r = sm_xattr_acl_translate(buf, len, &maps, t->dir, t->nd ? disk : NULL,
					       t->nd ? dlen : 0);
		is_int(r, t->ret, "acl: %s: result", t->name);
		int same = 1;
		for (size_t i = 0; i < t->n; i++)
			if (acl_id(buf, i) != t->out[i]) {
				same = 0;
				diag("  entry %zu: id %u, want %u", i, acl_id(buf, i), t->out[i]);
			}
		ok(same, "acl: %s: ids", t->name);
		if (r < 0)
			ok(!memcmp(buf, before, len), "acl: %s: buffer untouched", t->name);
		else
			ok(!memcmp(buf, before, 4) && ({
				int kept = 1;
				for (size_t i = 0; i < t->n; i++)
					kept &= !memcmp(buf + 4 + i * 8, before + 4 + i * 8, 4);
				kept;
			}),
			   "acl: %s: header, tags and permissions kept", t->name);
	}

	unsigned char buf[64];
	struct ace one = {U, 7, 100001};
	size_t len = acl_encode(buf, 1, &one, 1);
	is_int(sm_xattr_acl_translate(buf, len, &maps, SM_XATTR_TO_HOST, NULL, 0), -EINVAL,
	       "acl: version 1 is malformed");
	len = acl_encode(buf, 2, &one, 1);
	is_int(sm_xattr_acl_translate(buf, len - 1, &maps, SM_XATTR_TO_HOST, NULL, 0), -EINVAL,
	       "acl: a truncated entry is malformed");
	is_int(sm_xattr_acl_translate(buf, 3, &maps, SM_XATTR_TO_HOST, NULL, 0), -EINVAL,
	       "acl: a truncated header is malformed");

	/* A malformed on-disk value restores nothing. */
	unsigned char disk[64];
	struct ace d = {U, 7, 5}, s = {U, 7, SU};
	size_t dlen = acl_encode(disk, 1, &d, 1);
	len = acl_encode(buf, 2, &s, 1);
	is_int(sm_xattr_acl_translate(buf, len, &maps, SM_XATTR_TO_DISK, disk, dlen), -EINVAL,
	       "acl: a malformed on-disk value restores nothing");
	dlen = acl_encode(disk, 2, &d, 1);
	is_int(sm_xattr_acl_translate(buf, len, &maps, SM_XATTR_TO_DISK, disk, dlen - 1), -EINVAL,
	       "acl: a truncated on-disk value restores nothing");

	/* There and back with the value on disk is the identity. */
	struct ace in[] = {{UO, 6, NONE}, {U, 6, 60000}, {U, 4, 100001},
			   {G, 4, 7},	  {G, 4, 8},	 {M, 6, NONE}};
	unsigned char orig[64];
	len = acl_encode(orig, 2, in, ELEMENTSOF(in));
	memcpy(buf, orig, len);
	is_int(sm_xattr_acl_translate(buf, len, &maps, SM_XATTR_TO_HOST, NULL, 0), 0,
	       "acl: round trip: to host");
	is_int(sm_xattr_acl_translate(buf, len, &maps, SM_XATTR_TO_DISK, orig, len), 0,
	       "acl: round trip: back to disk with the stored value");
	ok(!memcmp(buf, orig, len), "acl: round trip: identity");
}

struct sentinel_case {
	const char *name;
	struct sm_extent ext[3];
	unsigned n;
	uint32_t want;
};

static void test_sentinel(void)
{
	static const struct sentinel_case cases[] = {
		{"a usual map: 4294967294", {{100000, 200000, 65536}}, 1, SU},
		{"the map's host side ends below it: 4294967294", {{0, 4294900000u, 67294}}, 1, SU},
		{"the map covers 4294967294: the id below its extent",
		 {{0, 4294967200u, 95}},
		 1,
		 4294967199u},
		{"adjacent extents on the host side are skipped together",
		 {{0, 4294967000u, 295}, {1000, 4294966000u, 1000}, {5000, 10, 5}},
		 3,
		 4294965999u},
		{"extents listed in any order",
		 {{1000, 4294966000u, 1000}, {0, 4294967000u, 295}},
		 2,
		 4294965999u},
		{"the host side covers every id: none",
		 {{0, 0, 4294967295u}},
		 1,
		 SM_XATTR_NO_SENTINEL},
		{"covers all but id 0: 0", {{0, 1, 4294967294u}}, 1, 0},
	};
	for (size_t c = 0; c < ELEMENTSOF(cases); c++) {
		struct sm_idmap m;
		sm_idmap_init(&m);
		for (unsigned i = 0; i < cases[c].n; i++)
			sm_idmap_add(&m, cases[c].ext[i].inner, cases[c].ext[i].outer,
				     cases[c].ext[i].count);
		is_int(sm_xattr_unmapped_sentinel(&m), cases[c].want, "sentinel: %s",
		       cases[c].name);
	}

	/* With a map covering 4294967294, that id is mapped and translated;
	 * the unmapped entry gets the lower sentinel and comes back. */
	struct sm_idmap hu, hg;
	sm_idmap_init(&hu);
	sm_idmap_init(&hg);
	sm_idmap_add(&hu, 0, 4294967200u, 95);
	sm_idmap_add(&hg, 0, 4294967200u, 95);
	struct sm_xattr_maps hm = {&hu, &hg, 65534, 65534};
	struct ace in[] = {{U, 6, 94}, {U, 4, 500}, {G, 4, 1000}};
	unsigned char buf[64], orig[64];
	size_t len = acl_encode(orig, 2, in, ELEMENTSOF(in));
	memcpy(buf, orig, len);
	is_int(sm_xattr_acl_translate(buf, len, &hm, SM_XATTR_TO_HOST, NULL, 0), 0,
	       "sentinel: high map: to host");
	is_int(acl_id(buf, 0), SU, "sentinel: high map: disk 94 is host 4294967294");
	is_int(acl_id(buf, 1), 4294967199u, "sentinel: high map: unmapped user is 4294967199");
	is_int(acl_id(buf, 2), 4294967199u, "sentinel: high map: unmapped group is 4294967199");
	is_int(sm_xattr_acl_translate(buf, len, &hm, SM_XATTR_TO_DISK, orig, len), 0,
	       "sentinel: high map: back to disk");
	ok(!memcmp(buf, orig, len), "sentinel: high map: identity");

	/* A map whose host side covers everything cannot show an unmapped entry. */
	struct sm_idmap all;
	sm_idmap_init(&all);
	sm_idmap_add(&all, 0, 0, 4294967295u);
	struct sm_xattr_maps am = {&all, &all, 65534, 65534};
	struct ace neg = {U, 6, NONE};
	len = acl_encode(orig, 2, &neg, 1);
	memcpy(buf, orig, len);
	is_int(sm_xattr_acl_translate(buf, len, &am, SM_XATTR_TO_HOST, NULL, 0), -EOVERFLOW,
	       "sentinel: none left: to host is EOVERFLOW");
	ok(!memcmp(buf, orig, len), "sentinel: none left: buffer untouched");
	is_int(sm_xattr_acl_translate(buf, len, &am, SM_XATTR_TO_DISK, orig, len), -EINVAL,
	       "sentinel: none left: -1 to disk is refused");
}

/* A capability value: revision/flags word, permitted/inheritable, rootid. */
static size_t caps_encode(unsigned char *b, uint32_t magic, uint32_t root, size_t size)
{
	memset(b, 0, 32);
	memcpy(b, &magic, 4);
	uint32_t perm0 = 0x2400, inh0 = 0x1;
	memcpy(b + 4, &perm0, 4);
	memcpy(b + 8, &inh0, 4);
	if (size == SM_VFS_CAP_V3_SIZE)
		memcpy(b + 20, &root, 4);
	return size;
}

static const struct caps_case {
	const char *name;
	enum sm_xattr_dir dir;
	uint32_t magic, root;
	size_t size, outlen;
	long ret;
	uint32_t want_root;
} caps_cases[] = {
	{"v3 to host: rootid disk 100000 -> host 200000", SM_XATTR_TO_HOST, 0x03000001, 100000,
	 SM_VFS_CAP_V3_SIZE, 24, 24, 200000},
	{"v3 to disk: rootid host 265535 -> disk 165535", SM_XATTR_TO_DISK, 0x03000000, 265535,
	 SM_VFS_CAP_V3_SIZE, 24, 24, 165535},
	{"v2 to host: owner is disk 0, unmapped here", SM_XATTR_TO_HOST, 0x02000001, 0,
	 SM_VFS_CAP_V2_SIZE, 24, -EOVERFLOW, 0},
	{"v2 to disk: owner is host 0, unmapped here", SM_XATTR_TO_DISK, 0x02000000, 0,
	 SM_VFS_CAP_V2_SIZE, 24, -EINVAL, 0},
	{"v3 to host: unmapped rootid is EOVERFLOW", SM_XATTR_TO_HOST, 0x03000000, 7,
	 SM_VFS_CAP_V3_SIZE, 24, -EOVERFLOW, 0},
	{"v3 to disk: unmapped rootid is EINVAL", SM_XATTR_TO_DISK, 0x03000000, 7,
	 SM_VFS_CAP_V3_SIZE, 24, -EINVAL, 0},
	{"v1 is malformed", SM_XATTR_TO_HOST, 0x01000000, 0, 12, 24, -EINVAL, 0},
	{"v3 of v2 size is malformed", SM_XATTR_TO_HOST, 0x03000000, 0, SM_VFS_CAP_V2_SIZE, 24,
	 -EINVAL, 0},
	{"a short output buffer", SM_XATTR_TO_HOST, 0x03000000, 100000, SM_VFS_CAP_V3_SIZE, 20,
	 -ENOBUFS, 0},
};

static void test_caps(void)
{
	for (size_t c = 0; c < ELEMENTSOF(caps_cases); c++) {
		const struct caps_case *t = &caps_cases[c];
		unsigned char in[32], out[32];
		size_t len = caps_encode(in, t->magic, t->root, t->size);
		ssize_t r = sm_xattr_caps_translate(in, len, out, t->outlen, &maps, t->dir);
		is_int(r, t->ret, "caps: %s", t->name);
		if (r > 0) {
			uint32_t magic, root;
			memcpy(&magic, out, 4);
			memcpy(&root, out + 20, 4);
			is_int(magic, 0x03000000u | (t->magic & 0xff),
			       "caps: %s: v3 with its flags", t->name);
			is_int(root, t->want_root, "caps: %s: rootid", t->name);
			ok(!memcmp(in + 4, out + 4, 16), "caps: %s: capability sets kept", t->name);
		}
	}

	/* A map that covers disk 0 <-> host 0: v2 becomes v3 rootid 0. */
	struct sm_idmap idu, idg;
	sm_idmap_init(&idu);
	sm_idmap_init(&idg);
	sm_idmap_add(&idu, 0, 0, 1000);
	sm_idmap_add(&idg, 0, 0, 1000);
	struct sm_xattr_maps idm = {&idu, &idg, 65534, 65534};
	unsigned char in[32], out[32];
	size_t len = caps_encode(in, 0x02000001, 0, SM_VFS_CAP_V2_SIZE);
	is_int(sm_xattr_caps_translate(in, len, out, sizeof(out), &idm, SM_XATTR_TO_HOST), 24,
	       "caps: v2 with a mapped root becomes v3");
	uint32_t root;
	memcpy(&root, out + 20, 4);
	is_int(root, 0, "caps: v2 -> v3 rootid is the mapped owner");
	/* In place. */
	len = caps_encode(in, 0x03000000, 999, SM_VFS_CAP_V3_SIZE);
	is_int(sm_xattr_caps_translate(in, len, in, sizeof(in), &idm, SM_XATTR_TO_DISK), 24,
	       "caps: in place");
}

static void test_kind(void)
{
	is_int(sm_xattr_kind("system.posix_acl_access"), SM_XATTR_ACL, "kind: access ACL");
	is_int(sm_xattr_kind("system.posix_acl_default"), SM_XATTR_ACL, "kind: default ACL");
	is_int(sm_xattr_kind("security.capability"), SM_XATTR_CAPS, "kind: capability");
	is_int(sm_xattr_kind("security.selinux"), SM_XATTR_PLAIN, "kind: other security.*");
	is_int(sm_xattr_kind("user.capability"), SM_XATTR_PLAIN, "kind: user.*");
}

int main(void)
{
	sm_idmap_init(&uid);
	sm_idmap_init(&gid);
	sm_idmap_add(&uid, 100000, 200000, 65536);
	sm_idmap_add(&gid, 100000, 300000, 65536);
	test_acl();
	test_sentinel();
	test_caps();
	test_kind();
	return done_testing();
}
