/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sm_idmap_parse_proc: the /proc/PID/uid_map parser (its text comes from
 * the kernel, but also from a namespace a tenant controls the writing of).
 * On success the map validates and format_proc -> parse_proc gives it back;
 * on failure the output is untouched.
 */
#include "fuzz.h"
#include "shiftmount/idmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sm_idmap m, back;
	static char buf[SM_IDMAP_MAX_EXTENTS * 40];
	struct sm_error err;

	if (size > 65536)
		return 0;
	char *text = fuzz_strndup(data, size);
	m.n = 12345; /* a sentinel: must survive a failed parse */
	memset(&err, 0, sizeof(err));
	int r = sm_idmap_parse_proc(text, &m, &err);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL || r == -ENOMEM);
		FUZZ_CHECK(m.n == 12345);
		if (r == -EINVAL)
			FUZZ_CHECK(err.why && memchr(err.token, 0, sizeof(err.token)));
	} else {
		FUZZ_CHECK(r == 0);
		FUZZ_CHECK(sm_idmap_validate(&m, &err) == 0);
		int n = sm_idmap_format_proc(&m, buf, sizeof(buf));
		FUZZ_CHECK(n > 0 && (size_t)n == strlen(buf));
		FUZZ_CHECK(sm_idmap_parse_proc(buf, &back, &err) == 0);
		FUZZ_CHECK(back.n == m.n && !memcmp(back.ext, m.ext, m.n * sizeof(m.ext[0])));
		/* One more round gives the same text: the format is canonical. */
		static char buf2[sizeof(buf)];
		FUZZ_CHECK(sm_idmap_format_proc(&back, buf2, sizeof(buf2)) == n);
		FUZZ_CHECK(!strcmp(buf, buf2));
	}
	free(text);
	return 0;
}
