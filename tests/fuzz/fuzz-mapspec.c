/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sm_idmap_parse_spec: the --map SPEC parser.  The input is one SPEC, or
 * two separated by a byte 0x01 fed in turn to the same maps (as repeated
 * --map options are).  Invariants beyond "no crash":
 *   - on success every non-empty map validates (hence no overlaps), and
 *     format_spec -> parse_spec gives identical maps back, as does
 *     format_proc -> parse_proc for each map;
 *   - on failure the maps are exactly as they were and the error says why;
 *   - look-ups agree with the extents both ways.
 */
#include "fuzz.h"
#include "shiftmount/idmap.h"

static int same_map(const struct sm_idmap *a, const struct sm_idmap *b)
{
	return a->n == b->n && memcmp(a->ext, b->ext, a->n * sizeof(a->ext[0])) == 0;
}

static void check_map(const struct sm_idmap *m)
{
	static char buf[SM_IDMAP_MAX_EXTENTS * 40];
	struct sm_idmap back;
	struct sm_error err;

	if (m->n == 0)
		return;
	FUZZ_CHECK(sm_idmap_validate(m, &err) == 0);
	/* No two extents overlap, checked here independently of validate(). */
	for (unsigned i = 0; i < m->n; i++)
		for (unsigned j = i + 1; j < m->n; j++) {
			const struct sm_extent *a = &m->ext[i], *b = &m->ext[j];
			FUZZ_CHECK((uint64_t)a->inner + a->count <= b->inner ||
				   (uint64_t)b->inner + b->count <= a->inner);
			FUZZ_CHECK((uint64_t)a->outer + a->count <= b->outer ||
				   (uint64_t)b->outer + b->count <= a->outer);
		}
	for (unsigned i = 0; i < m->n; i++) {
		const struct sm_extent *e = &m->ext[i];
		uint32_t v, last = e->count - 1;
		FUZZ_CHECK(sm_idmap_to_outer(m, e->inner, &v) == 0 && v == e->outer);
		FUZZ_CHECK(sm_idmap_to_outer(m, e->inner + last, &v) == 0 && v == e->outer + last);
		FUZZ_CHECK(sm_idmap_to_inner(m, e->outer + last, &v) == 0 && v == e->inner + last);
	}
	int n = sm_idmap_format_proc(m, buf, sizeof(buf));
	FUZZ_CHECK(n >= 0 && (size_t)n == strlen(buf));
	FUZZ_CHECK(sm_idmap_parse_proc(buf, &back, &err) == 0);
	FUZZ_CHECK(same_map(m, &back));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sm_idmap uid, gid, uid0, gid0, uid2, gid2;
	static char buf[2 * SM_IDMAP_MAX_EXTENTS * 40];
	struct sm_error err;

	if (size > 16384)
		return 0;
	char *input = fuzz_strndup(data, size);
	char *second = memchr(input, 1, size);
	if (second)
		*second++ = '\0';

	sm_idmap_init(&uid);
	sm_idmap_init(&gid);
	char *specs[2] = {input, second};
	for (int i = 0; i < 2 && specs[i]; i++) {
		const char *spec = specs[i];
		uid0 = uid;
		gid0 = gid;
		memset(&err, 0, sizeof(err));
		int r = sm_idmap_parse_spec(spec, &uid, &gid, &err);
		if (r < 0) {
			FUZZ_CHECK(r == -EINVAL || r == -ENOMEM);
			FUZZ_CHECK(same_map(&uid, &uid0) && same_map(&gid, &gid0));
			if (r == -EINVAL)
				FUZZ_CHECK(err.why && memchr(err.token, 0, sizeof(err.token)));
			break;
		}
		FUZZ_CHECK(uid.n + gid.n > 0);
		FUZZ_CHECK(uid.n >= uid0.n && gid.n >= gid0.n);
		check_map(&uid);
		check_map(&gid);

		int n = sm_idmap_format_spec(&uid, &gid, buf, sizeof(buf));
		FUZZ_CHECK(n >= 0 && (size_t)n == strlen(buf));
		sm_idmap_init(&uid2);
		sm_idmap_init(&gid2);
		FUZZ_CHECK(sm_idmap_parse_spec(buf, &uid2, &gid2, &err) == 0);
		FUZZ_CHECK(same_map(&uid, &uid2) && same_map(&gid, &gid2));
	}
	free(input);
	return 0;
}
