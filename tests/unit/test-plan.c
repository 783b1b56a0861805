/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sm_plan(): explicit maps, the caller's own namespace, TARGET errors, the
 * origin's precedence and overflow, the front end's option names in
 * messages, the backend, and the warning for a SRC owned outside the map.
 * Runs in the initial user namespace (as the suite does).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/tap.h"
#include "shiftmount.h"

static char dir[] = "/tmp/test-plan.XXXXXX";

static int open_dir(const char *name, uid_t uid, gid_t gid)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	mkdir(p, 0755);
	if (chown(p, uid, gid) < 0)
		return -1;
	return open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static int has(const char *s, const char *part)
{
	int r = strstr(s, part) != NULL;
	if (!r)
		diag("  \"%s\" has no \"%s\"", s, part);
	return r;
}

/* A request for SRC with no config file, on the kernel backend (no probe). */
static void request(struct sm_plan_request *q, int srcfd)
{
	static char conf[300];
	snprintf(conf, sizeof(conf), "%s/no-such.conf", dir);
	sm_plan_request_init(q);
	q->src_fd = srcfd;
	q->src = "SRC";
	q->config_path = conf;
	q->backend = SM_BACKEND_KERNEL;
}

/* The same with the map of issue 12's trap, b:100000:0:65536. */
static void map_request(struct sm_plan_request *q, int srcfd)
{
	static struct sm_idmap u, g;
	struct sm_error err;
	sm_idmap_init(&u);
	sm_idmap_init(&g);
	sm_idmap_parse_spec("b:100000:0:65536", &u, &g, &err);
	request(q, srcfd);
	q->map_uid = &u;
	q->map_gid = &g;
}

static void explicit_maps(int srcfd)
{
	struct sm_plan_request q;
	struct sm_error e;
	struct sm_plan *p = NULL;
	static struct sm_idmap u, g;
	struct sm_error err;

	sm_idmap_init(&u);
	sm_idmap_init(&g);
	sm_idmap_parse_spec("b:100000:0:65536", &u, &g, &err);
	request(&q, srcfd);
	q.map_uid = &u;
	q.map_gid = &g;
	q.flags = SM_MOUNT_RDONLY;
	is_int(sm_plan(&q, &p, &e), 0, "explicit maps: planned");
	if (p) {
		is_int(p->uid.n == 1 && p->uid.ext[0].inner == 100000 && p->uid.ext[0].outer == 0 &&
			       p->uid.ext[0].count == 65536,
		       1, "explicit maps: the uid map as given");
		is_int(p->gid.n, 1, "explicit maps: the gid map as given");
		is_str(p->from, "explicit --map", "explicit maps: where the map came from");
		is_int(p->has_origin, 0, "explicit maps: no origin of ids");
		is_int(p->flags, SM_MOUNT_RDONLY, "explicit maps: the flags carried");
		is_int(p->backend, SM_BACKEND_KERNEL, "explicit maps: the backend as asked");
	}
	free(p);
	p = NULL;

	sm_idmap_init(&g);
	is_int(sm_plan(&q, &p, &e), -EINVAL, "a uid map and no gid map: -EINVAL");
	is_int(e.bad_input, 1, "... as bad input");
	is_str(e.message, "--map: no gid extent; add g: or b: entries", "... saying what to add");
	is_int(p == NULL, 1, "... and no plan");

	/* Overlapping extents (not through the parser, which refuses them). */
	sm_idmap_init(&u);
	sm_idmap_add(&u, 0, 100000, 10);
	sm_idmap_add(&u, 5, 200000, 10);
	sm_idmap_add(&g, 0, 100000, 10);
	is_int(sm_plan(&q, &p, &e), -EINVAL, "overlapping extents: -EINVAL");
	is_int(e.bad_input && has(e.message, "--map: \""), 1, "... naming the extent");
}

static void own_namespace(int srcfd)
{
	struct sm_plan_request q;
	struct sm_error e;
	struct sm_plan *p = NULL;

	request(&q, srcfd);
	is_int(sm_plan(&q, &p, &e), -EINVAL, "own (initial) namespace, not allowed: -EINVAL");
	is_str(e.message,
	       "--shift: needs a TARGET (a PID or /proc/PID/ns/user) in the initial user namespace",
	       "... asking for a TARGET");

	request(&q, srcfd);
	q.allow_initial = 1;
	q.have_origin_uid = q.have_origin_gid = 1;
	q.origin_uid = 100000;
	q.origin_gid = 200000;
	is_int(sm_plan(&q, &p, &e), 0, "own namespace allowed (mount.shift): planned");
	if (p) {
		is_int(p->uid.n == 1 && p->uid.ext[0].inner == 100000 && p->uid.ext[0].outer == 0 &&
			       p->uid.ext[0].count == 65536,
		       1, "... identity shifted: disk 100000+u <-> host u, 65536 of them");
		is_int(p->gid.ext[0].inner, 200000, "... the gid origin apart");
		is_int(p->has_origin && p->origin_uid == 100000 && p->range == 65536, 1,
		       "... origin and range recorded");
		is_str(p->from, "origin uid 100000 gid 200000, range 65536, from the options",
		       "... from the options");
	}
	free(p);
}

static void targets(int srcfd)
{
	static const struct {
		const char *target, *message;
	} cases[] = {
		{"/proc/self/ns/user", "--shift: \"/proc/self/ns/user\": is the initial user "
				       "namespace; its ids need no shifting"},
		{"abc", "--shift: \"abc\": must be a PID or a user-namespace file such as "
			"/proc/PID/ns/user"},
		{"/proc/self/ns/mnt", "--shift: \"/proc/self/ns/mnt\": not a user namespace"},
		{"/no/such/ns", "--shift: \"/no/such/ns\": No such file or directory"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sm_plan_request q;
		struct sm_error e;
		struct sm_plan *p = NULL;
		request(&q, srcfd);
		q.target = cases[i].target;
		q.allow_initial = 1; /* for the caller's own only, never a TARGET */
		ok(sm_plan(&q, &p, &e) < 0 && e.bad_input && !p, "TARGET %s: bad input",
		   cases[i].target);
		is_str(e.message, cases[i].message, "TARGET %s: the message", cases[i].target);
	}

	struct sm_plan_request q;
	struct sm_error e;
	struct sm_plan *p = NULL;
	request(&q, srcfd);
	q.target_fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	is_int(sm_plan(&q, &p, &e), -EINVAL, "a target fd of the initial namespace: -EINVAL");
	is_int(has(e.message, "is the initial user namespace"), 1, "... saying so");
	close(q.target_fd);
}

static void origins(int srcfd)
{
	struct sm_plan_request q;
	struct sm_error e;
	struct sm_plan *p = NULL;

	request(&q, srcfd);
	q.allow_initial = 1;
	q.have_origin_uid = q.have_origin_gid = 1;
	q.origin_uid = q.origin_gid = 4294967290u;
	q.names.origin_uid = q.names.origin_gid = "--origin";
	is_int(sm_plan(&q, &p, &e), -ERANGE, "origin + range past 4294967294: -ERANGE");
	is_str(e.message,
	       "--origin: \"4294967290\": ORIGIN+RANGE-1 (4294967290+65536-1, from the options) "
	       "passes 4294967294; lower the origin or the --range",
	       "... the contract's message");

	/* The same in mount.shift's words. */
	q.names.origin_uid = q.names.origin_gid = "-o origin";
	q.names.range = "-o range";
	sm_plan(&q, &p, &e);
	is_int(has(e.message, "-o origin: \"4294967290\"") && has(e.message, "or the -o range"), 1,
	       "... spelt with the front end's option names");

	/* The config file gives what the options do not. */
	char conf[300];
	snprintf(conf, sizeof(conf), "%s/site.conf", dir);
	FILE *f = fopen(conf, "w");
	fputs("origin = 300000\nrange = 1000\n", f);
	fclose(f);
	request(&q, srcfd);
	q.allow_initial = 1;
	q.config_path = conf;
	q.have_origin_gid = 1;
	q.origin_gid = 400000;
	is_int(sm_plan(&q, &p, &e), 0, "origin from the config file: planned");
	if (p) {
		is_int(p->origin_uid, 300000, "... its uid origin from the file");
		is_int(p->origin_gid, 400000, "... the gid origin from the request");
		is_int(p->range, 1000, "... its range from the file");
		is_int(p->uid.ext[0].count, 1000, "... and the map that long");
		is_int(has(p->from, conf), 1, "... naming the file");
	}
	free(p);
	p = NULL;

	f = fopen(conf, "w");
	fputs("origin 5\n", f);
	fclose(f);
	is_int(sm_plan(&q, &p, &e), -EINVAL, "a malformed config file: -EINVAL");
	is_int(e.bad_input && has(e.message, conf) &&
		       has(e.message, "line 1: expected KEY = VALUE"),
	       1, "... as bad input naming the file and the line");
	unlink(conf);
}

static void warnings(int root_owned, int origin_owned, int gid_only)
{
	struct sm_plan_request q;
	struct sm_error e;
	struct sm_plan *p = NULL;

	map_request(&q, root_owned);
	is_int(sm_plan(&q, &p, &e), 0, "SRC owned 0:0, map from 100000: planned all the same");
	if (p) {
		is_int(p->has_warning, 1, "... with a warning");
		is_int(p->warning.outside, SM_BOTH, "... for its uid and its gid");
		is_int(p->warning.owner_uid == 0 && p->warning.owner_gid == 0, 1,
		       "... naming the owner 0:0");
		is_int(has(p->warning.text, "owned on disk by uid 0 and gid 0") &&
			       has(p->warning.text, "uid map (disk 100000-165535)"),
		       1, "... which owner, which map");
		is_int(has(p->warning.text, "chown 100000:100000 SRC") &&
			       has(p->warning.text, "choose an origin"),
		       1, "... and the two fixes");
	}
	free(p);
	p = NULL;

	map_request(&q, origin_owned);
	sm_plan(&q, &p, &e);
	is_int(p && !p->has_warning, 1, "SRC owned by the origin: no warning");
	free(p);
	p = NULL;

	map_request(&q, gid_only);
	sm_plan(&q, &p, &e);
	is_int(p && p->warning.outside == SM_GID, 1, "only SRC's group outside: the gid alone");
	free(p);
	p = NULL;

	/* From an origin: the fix names the origin, not a guess from the map. */
	request(&q, root_owned);
	q.allow_initial = 1;
	q.have_origin_uid = q.have_origin_gid = 1;
	q.origin_uid = 300000;
	q.origin_gid = 310000;
	sm_plan(&q, &p, &e);
	is_int(p && has(p->warning.text, "chown 300000:310000 SRC (the origin)"), 1,
	       "an origin of ids: the fix chowns to it");
	free(p);
}

static void backend(int srcfd)
{
	struct sm_plan_request q;
	struct sm_error e;
	struct sm_plan *p = NULL;

	map_request(&q, srcfd);
	q.backend = SM_BACKEND_FUSE;
	sm_plan(&q, &p, &e);
	is_int(p && p->backend == SM_BACKEND_FUSE && p->requested == SM_BACKEND_FUSE, 1,
	       "backend fuse asked: fuse planned");
	free(p);
	p = NULL;
	q.backend = SM_BACKEND_AUTO;
	is_int(sm_plan(&q, &p, &e), 0, "backend auto: the probe ran");
	is_int(p && p->requested == SM_BACKEND_AUTO && p->backend != SM_BACKEND_AUTO, 1,
	       "... and chose kernel or fuse");
	free(p);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	if (geteuid() != 0) {
		ok(0,
		   "test-plan runs as root (it chowns its directories); run it through make check");
		return done_testing();
	}
	int root_owned = open_dir("root-owned", 0, 0);
	int origin_owned = open_dir("origin-owned", 100000, 100000);
	int gid_only = open_dir("gid-only", 100000, 0);
	if (root_owned < 0 || origin_owned < 0 || gid_only < 0) {
		ok(0, "making the test directories: %s", strerror(errno));
		return done_testing();
	}
	explicit_maps(origin_owned);
	own_namespace(origin_owned);
	targets(origin_owned);
	origins(origin_owned);
	warnings(root_owned, origin_owned, gid_only);
	backend(origin_owned);
	static const char *const made[] = {"root-owned", "origin-owned", "gid-only"};
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
		char p[300];
		snprintf(p, sizeof(p), "%s/%s", dir, made[i]);
		rmdir(p);
	}
	rmdir(dir);
	return done_testing();
}
