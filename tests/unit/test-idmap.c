/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Id-map algebra, table-driven: parse, validate, shift, compose, format. */
#include <errno.h>
#include <stdlib.h>

#include "../lib/tap.h"
#include "shiftmount/idmap.h"

/* Maps in tests are written as proc text; a failure to parse one is a bug in
 * the test table, so it aborts. */
static struct sm_idmap *M(const char *proc)
{
	struct sm_idmap *m = calloc(1, sizeof(*m));
	if (!m || sm_idmap_parse_proc(proc, m, NULL) < 0) {
		fprintf(stderr, "bad test map: %s\n", proc);
		abort();
	}
	return m;
}

static const char *fmt(const struct sm_idmap *m)
{
	static char buf[8192];
	if (sm_idmap_format_proc(m, buf, sizeof(buf)) < 0)
		return "(format failed)";
	return buf;
}

static void test_shift(void)
{
	static const struct {
		const char *what, *target;
		uint32_t origin, range;
		int want_r;
		const char *want;
	} cases[] = {
		{"thread's example: interior 0 -> host 20000, origin 100000", "0 20000 65536\n",
		 100000, 65536, 0, "100000 20000 65536\n"},
		{"origin 0 gives the target map itself", "0 200000 65536\n", 0, 65536, 0,
		 "0 200000 65536\n"},
		{"multi-extent target keeps each extent", "0 1000 1\n1 100000 65535\n", 100000,
		 65536, 0, "100000 1000 1\n100001 100000 65535\n"},
		{"clipped at the range", "0 200000 100000\n", 100000, 1000, 0,
		 "100000 200000 1000\n"},
		{"extents past the range are dropped", "0 300000 10\n70000 400000 10\n", 5, 65536,
		 0, "5 300000 10\n"},
		{"extent straddling the range end is cut", "65530 500000 100\n", 0, 65536, 0,
		 "65530 500000 6\n"},
		{"nothing inside the range", "70000 400000 10\n", 0, 65536, -ENOENT, NULL},
		{"origin pushes ids past 4294967294", "0 200000 65536\n", 4294967000u, 65536,
		 -ERANGE, NULL},
		{"origin at the very top for one id", "0 200000 1\n", 4294967294u, 1, 0,
		 "4294967294 200000 1\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sm_idmap *t = M(cases[i].target), *out = calloc(1, sizeof(*out));
		out->n = 7777; /* must stay untouched on failure */
		int r = sm_idmap_shift(t, cases[i].origin, cases[i].range, out);
		is_int(r, cases[i].want_r, "shift: %s: result", cases[i].what);
		if (cases[i].want)
			is_str(fmt(out), cases[i].want, "shift: %s: map", cases[i].what);
		else
			is_int(out->n, 7777, "shift: %s: output untouched", cases[i].what);
		free(t);
		free(out);
	}
}

static void test_compose(void)
{
	static const struct {
		const char *what, *target, *origin;
		uint32_t range;
		int want_r;
		const char *want;
	} cases[] = {
		{"same as --origin 100000", "0 20000 65536\n", "0 100000 65536\n", 65536, 0,
		 "100000 20000 65536\n"},
		{"origin ns covering half the ids", "0 20000 65536\n", "0 100000 1000\n", 65536, 0,
		 "100000 20000 1000\n"},
		{"split origin map", "0 20000 65536\n", "0 100000 10\n10 500000 65526\n", 65536, 0,
		 "100000 20000 10\n500000 20010 65526\n"},
		{"split target and origin", "0 1000 1\n1 300000 65535\n",
		 "0 100000 5\n5 700000 65531\n", 65536, 0,
		 "100000 1000 1\n100001 300000 4\n700000 300004 65531\n"},
		{"range clips both", "0 20000 65536\n", "0 100000 65536\n", 100, 0,
		 "100000 20000 100\n"},
		{"no shared interior ids", "0 20000 10\n", "10 100000 10\n", 65536, -ENOENT, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sm_idmap *t = M(cases[i].target), *o = M(cases[i].origin),
				*out = calloc(1, sizeof(*out));
		int r = sm_idmap_compose(t, o, cases[i].range, out);
		is_int(r, cases[i].want_r, "compose: %s: result", cases[i].what);
		if (cases[i].want)
			is_str(fmt(out), cases[i].want, "compose: %s: map", cases[i].what);
		free(t);
		free(o);
		free(out);
	}
}

static void test_parse_spec(void)
{
	static const struct {
		const char *spec;
		const char *want_uid, *want_gid; /* NULL: expect an error */
		const char *want_token, *want_why;
	} cases[] = {
		{"b:0:100000:65536", "0 100000 65536\n", "0 100000 65536\n"},
		{"0:100000:65536", "0 100000 65536\n", "0 100000 65536\n"},
		{"u:0:100000:1 g:0:200000:1", "0 100000 1\n", "0 200000 1\n"},
		{"u:0:1000:1 u:1:100001:65535", "0 1000 1\n1 100001 65535\n", ""},
		{"  b:1:2:3   g:10:20:30 ", "1 2 3\n", "1 2 3\n10 20 30\n"},
		{"b:0:100000:0", NULL, NULL, "b:0:100000:0", "COUNT must be > 0"},
		{"b:0:100000", NULL, NULL, "b:0:100000", "expected [u:|g:|b:]DISK:HOST:COUNT"},
		{"x:0:1:1", NULL, NULL, "x:0:1:1", "expected [u:|g:|b:]DISK:HOST:COUNT"},
		{"b:0:1:1:1", NULL, NULL, "b:0:1:1:1", "too many fields; expected DISK:HOST:COUNT"},
		{"b:-1:1:1", NULL, NULL, "b:-1:1:1", "DISK must be a number from 0 to 4294967294"},
		{"b:4294967295:1:1", NULL, NULL, "b:4294967295:1:1",
		 "DISK must be a number from 0 to 4294967294"},
		{"b:0:4294967295:1", NULL, NULL, "b:0:4294967295:1",
		 "HOST must be a number from 0 to 4294967294"},
		{"b:0:1:x", NULL, NULL, "b:0:1:x", "COUNT must be a number"},
		{"b:0:1:99999999999", NULL, NULL, "b:0:1:99999999999", "COUNT must be a number"},
		{"b:4294967290:0:10", NULL, NULL, "b:4294967290:0:10",
		 "DISK+COUNT and HOST+COUNT must not pass 4294967295"},
		{"b:0:100000:10 b:5:200000:10", NULL, NULL, "b:5:200000:10",
		 "overlaps another extent's disk ids"},
		{"u:0:100000:10 u:50:100005:10", NULL, NULL, "u:50:100005:10",
		 "overlaps another extent's host ids"},
		{"", NULL, NULL, "", "empty map"},
		{"b:1x:2:3", NULL, NULL, "b:1x:2:3", "DISK must be a number from 0 to 4294967294"},
		{"b: 1:2:3", NULL, NULL, "b:", "expected [u:|g:|b:]DISK:HOST:COUNT"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sm_idmap *u = calloc(1, sizeof(*u)), *g = calloc(1, sizeof(*g));
		struct sm_error err = {0};
		int r = sm_idmap_parse_spec(cases[i].spec, u, g, &err);
		if (cases[i].want_uid) {
			if (is_int(r, 0, "spec \"%s\" parses", cases[i].spec)) {
				is_str(fmt(u), cases[i].want_uid, "spec \"%s\": uid map",
				       cases[i].spec);
				is_str(fmt(g), cases[i].want_gid, "spec \"%s\": gid map",
				       cases[i].spec);
			}
		} else {
			is_int(r, -EINVAL, "spec \"%s\" is refused", cases[i].spec);
			is_str(err.token, cases[i].want_token, "spec \"%s\": names the token",
			       cases[i].spec);
			is_str(err.why, cases[i].want_why, "spec \"%s\": says why", cases[i].spec);
			is_int(u->n + g->n, 0, "spec \"%s\": maps untouched", cases[i].spec);
		}
		free(u);
		free(g);
	}

	/* The 341st extent is one too many for the kernel. */
	char *big = malloc(341 * 32);
	size_t off = 0;
	for (unsigned i = 0; i < 341; i++)
		off += (size_t)sprintf(big + off, "u:%u:%u:1 ", i * 2, 100000 + i * 2);
	struct sm_idmap *u = calloc(1, sizeof(*u)), *g = calloc(1, sizeof(*g));
	struct sm_error err;
	is_int(sm_idmap_parse_spec(big, u, g, &err), -EINVAL, "341 extents are refused");
	is_str(err.why, "more than 340 extents", "341 extents: says why");
	free(big);
	free(u);
	free(g);
}

static void test_spec_accumulates(void)
{
	struct sm_idmap *u = calloc(1, sizeof(*u)), *g = calloc(1, sizeof(*g));
	struct sm_error err;
	ok(sm_idmap_parse_spec("u:0:100000:10", u, g, &err) == 0 &&
		   sm_idmap_parse_spec("u:10:300000:10", u, g, &err) == 0,
	   "repeated --map specs accumulate");
	is_str(fmt(u), "0 100000 10\n10 300000 10\n", "accumulated uid map");
	is_int(sm_idmap_parse_spec("u:5:400000:1", u, g, &err), -EINVAL,
	       "an overlap with an earlier --map is refused");
	is_str(err.token, "u:5:400000:1", "overlap across specs names the new token");
	is_int(u->n, 2, "failed spec leaves the earlier maps as they were");
	free(u);
	free(g);
}

static void test_parse_proc(void)
{
	struct sm_idmap m;
	struct sm_error err;
	is_int(sm_idmap_parse_proc("         0     200000      65536\n", &m, &err), 0,
	       "proc map with the kernel's padding parses");
	is_str(fmt(&m), "0 200000 65536\n", "proc map content");
	is_int(sm_idmap_parse_proc("0 0 4294967295\n", &m, &err), 0,
	       "the initial namespace's map parses");
	is_int(sm_idmap_parse_proc("0 1 2 3\n", &m, &err), -EINVAL, "four columns refused");
	is_int(sm_idmap_parse_proc("", &m, &err), -EINVAL, "empty proc map refused");
	is_int(sm_idmap_parse_proc("0 100 10\n5 200 10\n", &m, &err), -EINVAL,
	       "overlapping proc map refused");
}

static void test_lookup(void)
{
	struct sm_idmap *m = M("100000 20000 65536\n0 1000 1\n");
	uint32_t v = 42;
	is_int(sm_idmap_to_outer(m, 100000, &v), 0, "disk 100000 maps");
	is_int(v, 20000, "disk 100000 -> host 20000");
	sm_idmap_to_outer(m, 165535, &v);
	is_int(v, 85535, "disk 165535 -> host 85535 (last of the extent)");
	v = 42;
	is_int(sm_idmap_to_outer(m, 165536, &v), -ENOENT, "disk 165536 is past the extent");
	is_int(v, 42, "failed look-up leaves the result untouched");
	is_int(sm_idmap_to_inner(m, 1000, &v), 0, "host 1000 maps back");
	is_int(v, 0, "host 1000 -> disk 0");
	is_int(sm_idmap_to_inner(m, 999, &v), -ENOENT, "host 999 is unmapped");
	free(m);
}

static void test_within(void)
{
	struct sm_idmap *ranges = M("100000 100000 65536\n165536 165536 65536\n");
	struct sm_idmap *in = M("0 100000 131072\n"), *out = M("0 100000 131073\n");
	ok(sm_idmap_outer_within(in, ranges), "map spanning two adjacent allowed ranges is within");
	ok(!sm_idmap_outer_within(out, ranges), "map one id past the ranges is not within");
	free(ranges);
	free(in);
	free(out);
}

static void test_format_spec(void)
{
	struct sm_idmap *u = M("0 100000 65536\n"), *g = M("0 100000 65536\n");
	char buf[256];
	sm_idmap_format_spec(u, g, buf, sizeof(buf));
	is_str(buf, "b:0:100000:65536", "identical maps format as b:");
	struct sm_idmap *g2 = M("0 200000 10\n");
	sm_idmap_format_spec(u, g2, buf, sizeof(buf));
	is_str(buf, "u:0:100000:65536 g:0:200000:10", "different maps format as u: and g:");
	struct sm_idmap *ru = calloc(1, sizeof(*ru)), *rg = calloc(1, sizeof(*rg));
	ok(sm_idmap_parse_spec(buf, ru, rg, NULL) == 0 && !strcmp(fmt(ru), "0 100000 65536\n") &&
		   !strcmp(fmt(rg), "0 200000 10\n"),
	   "formatted spec parses back to the same maps");
	is_int(sm_idmap_format_spec(u, g2, buf, 8), -ENOBUFS, "short buffer is -ENOBUFS");
	free(u);
	free(g);
	free(g2);
	free(ru);
	free(rg);
}

int main(void)
{
	test_shift();
	test_compose();
	test_parse_spec();
	test_spec_accumulates();
	test_parse_proc();
	test_lookup();
	test_within();
	test_format_spec();
	is_int(sm_overflow_id(SM_UID) > 0, 1, "overflow uid is read");
	return done_testing();
}
