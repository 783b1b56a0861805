/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sm_mark_parse: the trusted.shiftmount xattr value.  The format is strict
 * (one spelling per mark), so on success formatting the mark must give back
 * exactly the input bytes, the mark must validate, and parsing the text
 * again must give the same mark.  On failure the output is untouched.
 */
#include "fuzz.h"
#include "shiftmount/mark.h"

static void check_same(const struct sm_mark *a, const struct sm_mark *b)
{
	FUZZ_CHECK(a->origin_uid == b->origin_uid && a->origin_gid == b->origin_gid);
	FUZZ_CHECK(a->range == b->range && a->n_by == b->n_by);
	FUZZ_CHECK(a->n_by <= SM_MARK_MAX_BY);
	for (unsigned i = 0; i < a->n_by; i++) {
		FUZZ_CHECK(a->by[i].is_user == b->by[i].is_user);
		if (a->by[i].is_user)
			FUZZ_CHECK(!strcmp(a->by[i].user, b->by[i].user));
		else
			FUZZ_CHECK(a->by[i].uid == b->by[i].uid);
	}
	FUZZ_CHECK(!strcmp(a->name, b->name));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sm_mark m, back;
	static char buf[SM_MARK_TEXT_MAX + 1];
	struct sm_error err;

	if (size > 4 * SM_MARK_TEXT_MAX)
		return 0;
	/* An exact-size copy: the parser gets a length, not a terminator. */
	char *text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	memset(&m, 0xa5, sizeof(m));
	memset(&err, 0, sizeof(err));
	int r = sm_mark_parse(text, size, &m, &err);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL);
		FUZZ_CHECK(err.why && memchr(err.token, 0, sizeof(err.token)));
		for (size_t i = 0; i < sizeof(m); i++)
			FUZZ_CHECK(((unsigned char *)&m)[i] == 0xa5);
	} else {
		FUZZ_CHECK(r == 0);
		FUZZ_CHECK(sm_mark_validate(&m, &err) == 0);
		FUZZ_CHECK(m.range > 0 && (uint64_t)m.origin_uid + m.range - 1 <= SM_ID_MAX &&
			   (uint64_t)m.origin_gid + m.range - 1 <= SM_ID_MAX);
		int n = sm_mark_format(&m, buf, sizeof(buf));
		FUZZ_CHECK(n >= 0 && (size_t)n == strlen(buf));
		FUZZ_CHECK((size_t)n == size && !memcmp(buf, data, size));
		memset(&back, 0, sizeof(back));
		FUZZ_CHECK(sm_mark_parse(buf, (size_t)n, &back, &err) == 0);
		check_same(&m, &back);
	}
	free(text);
	return 0;
}
