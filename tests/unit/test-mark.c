/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The trusted.shiftmount text format: what parses, what is refused, and
 * that formatting gives the same mark back; the subordinate-id parser. */
#include <stdlib.h>

#include "shiftmount/mark.h"
#include "shiftmount/subid.h"
#include "util.h"
#include "../lib/tap.h"

static const struct {
	const char *text;
	int valid;
	const char *why; /* a piece of the refusal reason, or the canonical form */
} cases[] = {
	{"v1 origin-uid=100000 origin-gid=100000 range=65536", 1, NULL},
	{"v1 origin-uid=0 origin-gid=0 range=1", 1, NULL},
	{"v1 origin-uid=100000 origin-gid=200000 range=65536 by=200000,@alice name=group", 1, NULL},
	{"v1 origin-uid=1 origin-gid=2 range=3 name=a.b-c_9", 1, NULL},
	{"v1 origin-uid=1 origin-gid=2 range=3 by=@svc$", 1, NULL},
	{"v1 origin-uid=4294901759 origin-gid=0 range=65536", 1, NULL},
	{"v1 origin-uid=4294901760 origin-gid=0 range=65536", 0, "passes"},
	{"", 0, "v1"},
	{"v2 origin-uid=1 origin-gid=1 range=1", 0, "v1"},
	{"v1", 0, "required"},
	{"v1x origin-uid=1", 0, "v1"},
	{"v1 origin-gid=1 origin-uid=1 range=1", 0, "order"},
	{"v1 origin-uid=1 origin-uid=1 origin-gid=1 range=1", 0, "order"},
	{"v1 origin-uid=1 origin-gid=1", 0, "required"},
	{"v1 origin-uid=1 origin-gid=1 range=0", 0, "range must be > 0"},
	{"v1 origin-uid=01 origin-gid=1 range=1", 0, "canonical"},
	{"v1 origin-uid=+1 origin-gid=1 range=1", 0, "canonical"},
	{"v1 origin-uid=-1 origin-gid=1 range=1", 0, "canonical"},
	{"v1 origin-uid=4294967296 origin-gid=1 range=1", 0, "canonical"},
	{"v1 origin-uid=1 origin-gid=1 range=1 ", 0, "one space"},
	{"v1  origin-uid=1 origin-gid=1 range=1", 0, "one space"},
	{"v1 origin-uid=1 origin-gid=1 range=1\n", 0, "canonical"},
	{"v1 origin-uid=1 origin-gid=1 range=1 colour=red", 0, "unknown field"},
	{"v1 origin-uid=1 origin-gid=1 range=1 by=", 0, "empty"},
	{"v1 origin-uid=1 origin-gid=1 range=1 by=1,,2", 0, "by entry"},
	{"v1 origin-uid=1 origin-gid=1 range=1 by=@", 0, "by entry"},
	{"v1 origin-uid=1 origin-gid=1 range=1 by=@Alice", 0, "by entry"},
	{"v1 origin-uid=1 origin-gid=1 range=1 by=@a/b", 0, "by entry"},
	{"v1 origin-uid=1 origin-gid=1 range=1 by=4294967295", 0, "by entry"},
	{"v1 origin-uid=1 origin-gid=1 range=1 by=5,5", 0, "twice"},
	{"v1 origin-uid=1 origin-gid=1 range=1 name=", 0, "invalid name"},
	{"v1 origin-uid=1 origin-gid=1 range=1 name=../x", 0, "invalid name"},
	{"v1 origin-uid=1 origin-gid=1 range=1 name=.hidden", 0, "invalid name"},
	{"v1 origin-uid=1 origin-gid=1 range=1 name=a name=b", 0, "order"},
	{"v1 origin-uid=1 origin-gid=1 range=1 name=a by=1", 0, "order"},
	{"v1 by=1 origin-uid=1 origin-gid=1 range=1", 0, "first"},
	{"v1 origin-uid=0 origin-gid=0 range=65536 grant=anyone-as-disk-root", 1, NULL},
	{"v1 origin-uid=0 origin-gid=7 range=65536 name=n grant=anyone-as-disk-root", 1, NULL},
	{"v1 origin-uid=0 origin-gid=0 range=1 grant=everything", 0, "the only grant"},
	{"v1 origin-uid=0 origin-gid=0 range=1 grant=anyone-as-disk-root name=n", 0, "order"},
	{"v1 origin-uid=5 origin-gid=5 range=1 grant=anyone-as-disk-root", 0,
	 "origin 0 and no --by"},
	{"v1 origin-uid=0 origin-gid=0 range=1 by=5 grant=anyone-as-disk-root", 0,
	 "origin 0 and no --by"},
	{"v1 origin-uid origin-gid=1 range=1", 0, "KEY=VALUE"},
};

static void test_parse_table(void)
{
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct sm_mark m;
		struct sm_error err = {.why = NULL};
		int r = sm_mark_parse(cases[i].text, strlen(cases[i].text), &m, &err);
		if (cases[i].valid) {
			char buf[SM_MARK_TEXT_MAX + 1];
			if (!ok(r == 0, "valid: \"%s\"", cases[i].text)) {
				diag("  refused: %s: %s", err.token, err.why);
				continue;
			}
			int n = sm_mark_format(&m, buf, sizeof(buf));
			is_str(n > 0 ? buf : "(format failed)", cases[i].text,
			       "formats back to the same text");
		} else {
			ok(r == -EINVAL && err.why && strstr(err.why, cases[i].why),
			   "refused (%s): \"%s\"", cases[i].why, cases[i].text);
			if (r == 0 || !err.why || !strstr(err.why, cases[i].why))
				diag("  r=%d why=%s", r, err.why ? err.why : "(none)");
		}
	}
}

static void test_misc(void)
{
	struct sm_mark m;
	struct sm_error err;
	char buf[SM_MARK_TEXT_MAX + 1];

	ok(sm_mark_parse("v1 origin-uid=1\0 origin-gid=1 range=1", 33, &m, &err) == -EINVAL,
	   "a NUL byte inside the value is refused");
	static char longtext[SM_MARK_TEXT_MAX + 2];
	memset(longtext, 'a', sizeof(longtext) - 1);
	ok(sm_mark_parse(longtext, strlen(longtext), &m, &err) == -EINVAL,
	   "a value longer than 1024 bytes is refused");

	sm_mark_init(&m);
	is_int(sm_mark_add_by(&m, "200000"), 0, "--by UID");
	is_int(sm_mark_add_by(&m, "@alice"), 0, "--by @USER");
	is_int(sm_mark_add_by(&m, "@alice"), -EEXIST, "--by twice");
	is_int(sm_mark_add_by(&m, "alice"), -EINVAL, "--by without @ nor digits");
	is_int(sm_mark_add_by(&m, "@Root"), -EINVAL, "--by @USER with a capital");
	for (int i = 0; i < 14; i++) {
		char e[16];
		snprintf(e, sizeof(e), "%d", i);
		sm_mark_add_by(&m, e);
	}
	is_int(sm_mark_add_by(&m, "99"), -E2BIG, "at most 16 --by entries");
	is_int(sm_mark_format(&m, buf, 10), -ENOBUFS, "format into a small buffer");

	sm_mark_init(&m);
	m.range = 0;
	is_int(sm_mark_format(&m, buf, sizeof(buf)), -EINVAL, "an invalid mark is never formatted");
	sm_mark_init(&m);
	strcpy(m.name, "a/b");
	is_int(sm_mark_format(&m, buf, sizeof(buf)), -EINVAL, "nor one with a bad name");
	sm_mark_init(&m);
	is_int(sm_mark_format(&m, buf, sizeof(buf)), 40, "the default mark formats");
	is_str(buf, "v1 origin-uid=0 origin-gid=0 range=65536", "origin 0, range 65536");

	ok(sm_mark_name_valid("group") && !sm_mark_name_valid("") && !sm_mark_name_valid("a b") &&
		   !sm_mark_name_valid("..") && !sm_mark_name_valid("-x"),
	   "name syntax");
}

static void test_subid(void)
{
	struct sm_subid s;
	struct sm_idmap r;
	const char *text = "alice:200000:65536\n"
			   "bob:300000:65536\n"
			   "# not a line\n"
			   "broken:1\n"
			   "zero:1:0\n"
			   "1001:400000:10\n"
			   "alice:500000:5\n"
			   "toolong:4294967295:2";
	is_int(sm_subid_parse(text, &s), 0, "subuid text parses");
	is_int((int)s.n, 4, "malformed lines are skipped");
	is_int(sm_subid_ranges(&s, "alice", (uint32_t)-1, &r), 0, "alice's ranges");
	ok(r.n == 2 && r.ext[0].inner == 200000 && r.ext[0].count == 65536 &&
		   r.ext[1].inner == 500000,
	   "both of alice's lines");
	is_int(sm_subid_ranges(&s, "carol", 1001, &r), 0, "a line by uid");
	ok(r.n == 1 && r.ext[0].inner == 400000, "carol (uid 1001) owns 400000");
	is_int(sm_subid_ranges(&s, "nobody", (uint32_t)-1, &r), -ENOENT, "unknown user");
	sm_subid_free(&s);
	is_int(sm_subid_load("/nonexistent/subuid", &s), 0, "a missing file is empty");
	is_int((int)s.n, 0, "  with no entries");
}

int main(void)
{
	test_parse_table();
	test_misc();
	test_subid();
	return done_testing();
}
