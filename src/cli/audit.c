/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shiftmount audit: list (and with --fix neutralise) what a tenant left in a
 * tree that would be dangerous on the host. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "shiftmount/audit.h"
#include "util.h"

#include "shiftmount/mark.h"

#define MAX_RANGES 64

struct audit_ctx {
	int json, fix;
	const char *root; /* the DIR argument being walked */
	json_object *findings;
	uint64_t fixed, fix_failed, errors;
	int progress_tty, progress_shown;
	struct timespec start, last;
};

static void help(FILE *f)
{
	fprintf(f,
		"Usage: shiftmount audit [--json] [--fix] [--cross-mounts]\n"
		"                        [--range-of DIR | --origin N | --origin-uid N\n"
		"                         --origin-gid N [--range N]]... DIR...\n\n"
		"Walk each DIR (never following symlinks, staying on its filesystem) and list\n"
		"what would be dangerous on the host: setuid files, setgid executables, device\n"
		"nodes, files with file capabilities, world-writable files owned by the range's\n"
		"root and, when the shift ranges are known, files owned by ids outside all of\n"
		"them.\n\n"
		"  --json            one JSON document on stdout\n"
		"  --fix             clear setuid/setgid bits and remove file capabilities\n"
		"                    (device nodes and the rest are only reported)\n"
		"  --origin N        a shift range starting at disk id N (uids and gids);\n"
		"                    repeat to give several ranges\n"
		"  --origin-uid N, --origin-gid N   the same, uids and gids apart\n"
		"  --range N         the size of the last range given (default 65536)\n"
		"  --range-of DIR    the range of DIR's mark\n"
		"  --cross-mounts    descend into other filesystems mounted inside DIR\n"
		"  -v, --verbose     say which mark gave a range, which mounts were skipped\n"
		"  -h, --help        this text\n\n"
		"A mark on DIR adds its range.  Exit status: 0 nothing found, 1 findings or\n"
		"errors (also when --fix fixed them all), 2 bad usage.\n");
}

/* Tenant-chosen names must not be able to forge lines or drive the
 * terminal: anything but printable ASCII is written as an escape. */
static void put_escaped(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
}

static char *full_path(const char *root, const char *rel)
{
	char *p;
	size_t n = strlen(root);
	if (!*rel)
		return strdup(root);
	int slash = n > 0 && root[n - 1] == '/';
	if (asprintf(&p, "%s%s%s", root, slash ? "" : "/", rel) < 0)
		return NULL;
	return p;
}

static const char *type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "file";
	case S_IFDIR:
		return "directory";
	case S_IFCHR:
		return "char-device";
	case S_IFBLK:
		return "block-device";
	case S_IFIFO:
		return "fifo";
	case S_IFSOCK:
		return "socket";
	case S_IFLNK:
		return "symlink";
	}
	return "unknown";
}

static double elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_clear(struct audit_ctx *c)
{
	if (c->progress_shown) {
		fputs("\r\033[K", stderr);
		c->progress_shown = 0;
	}
}

/* Only for trees big enough to take a while: after a second, then a few
 * times a second. */
static void on_progress(const struct sm_audit_stats *s, void *userdata)
{
	struct audit_ctx *c = userdata;
	struct timespec now;
	if (!c->progress_tty)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (elapsed(&c->start, &now) < 1.0 || elapsed(&c->last, &now) < 0.25)
		return;
	c->last = now;
	fprintf(stderr, "\rshiftmount: audit: %s: %" PRIu64 " entries, %" PRIu64 " findings\033[K",
		c->root, s->entries, s->findings);
	c->progress_shown = 1;
}

static int on_error(const char *path, int err, void *userdata)
{
	struct audit_ctx *c = userdata;
	_cleanup_free_ char *p = full_path(c->root, path);
	progress_clear(c);
	fputs("shiftmount: audit: ", stderr);
	put_escaped(stderr, p ? p : path);
	fprintf(stderr, ": %s\n", strerror(-err));
	c->errors++;
	return 0;
}

static void print_kinds(unsigned kinds)
{
	const char *sep = "";
	for (unsigned k = 1; k <= SM_AUDIT_GID_OUTSIDE; k <<= 1)
		if (kinds & k) {
			printf("%s%s", sep, sm_audit_kind_name(k));
			sep = ", ";
		}
}

/* The builders give NULL when out of memory (util.h's sm_json_add). */
static json_object *fcaps_json(const struct sm_audit_fcaps *fc)
{
	json_object *o = json_object_new_object();
	char hex[32];
	int failed = sm_json_add(o, "version", json_object_new_int((int)fc->version)) < 0;
	if (fc->version) {
		snprintf(hex, sizeof(hex), "0x%" PRIx64, fc->permitted);
		failed = failed || sm_json_add_string(o, "permitted", hex) < 0;
		snprintf(hex, sizeof(hex), "0x%" PRIx64, fc->inheritable);
		failed = failed || sm_json_add_string(o, "inheritable", hex) < 0 ||
			 sm_json_add(o, "effective", json_object_new_boolean(fc->effective)) < 0;
	}
	if (fc->has_rootid)
		failed = failed || sm_json_add(o, "rootid", json_object_new_int64(fc->rootid)) < 0;
	if (failed) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* The kinds in `kinds` by name. */
static json_object *kinds_json(unsigned kinds)
{
	json_object *a = json_object_new_array();
	for (unsigned k = 1; a && k <= SM_AUDIT_GID_OUTSIDE; k <<= 1)
		if ((kinds & k) &&
		    sm_json_append(a, json_object_new_string(sm_audit_kind_name(k))) < 0) {
			json_object_put(a);
			return NULL;
		}
	return a;
}

static json_object *finding_json(const char *path, const struct sm_audit_finding *f)
{
	json_object *o = json_object_new_object();
	char buf[32];
	int failed = sm_json_add_string(o, "path", path) < 0 ||
		     sm_json_add(o, "kinds", kinds_json(f->kinds)) < 0 ||
		     sm_json_add_string(o, "type", type_name(f->st.st_mode)) < 0 ||
		     sm_json_add(o, "uid", json_object_new_int64(f->st.st_uid)) < 0 ||
		     sm_json_add(o, "gid", json_object_new_int64(f->st.st_gid)) < 0;
	snprintf(buf, sizeof(buf), "%04o", (unsigned)(f->st.st_mode & 07777));
	failed = failed || sm_json_add_string(o, "mode", buf) < 0;
	if (f->kinds & SM_AUDIT_DEVICE) {
		snprintf(buf, sizeof(buf), "%u:%u", major(f->st.st_rdev), minor(f->st.st_rdev));
		failed = failed || sm_json_add_string(o, "rdev", buf) < 0;
	}
	if (f->kinds & SM_AUDIT_FCAPS)
		failed = failed || sm_json_add(o, "capability", fcaps_json(&f->fcaps)) < 0;
	if (failed) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static void print_finding(const char *path, const struct sm_audit_finding *f)
{
	put_escaped(stdout, path);
	fputs(": ", stdout);
	print_kinds(f->kinds);
	printf(" (%s, owner %u:%u, mode %04o", type_name(f->st.st_mode), (unsigned)f->st.st_uid,
	       (unsigned)f->st.st_gid, (unsigned)(f->st.st_mode & 07777));
	if (f->kinds & SM_AUDIT_DEVICE)
		printf(", device %u:%u", major(f->st.st_rdev), minor(f->st.st_rdev));
	if (f->kinds & SM_AUDIT_FCAPS) {
		if (f->fcaps.version == 0)
			printf(", capability undecodable");
		else
			printf(", capability v%u%s permitted 0x%" PRIx64, f->fcaps.version,
			       f->fcaps.effective ? " effective" : "", f->fcaps.permitted);
		if (f->fcaps.has_rootid)
			printf(" rootid %u", f->fcaps.rootid);
	}
	printf(")\n");
}

static int on_finding(const struct sm_audit_finding *f, void *userdata)
{
	struct audit_ctx *c = userdata;
	_cleanup_free_ char *path = full_path(c->root, f->path);
	if (!path)
		return -ENOMEM;
	progress_clear(c);

	json_object *o = NULL;
	if (c->json) {
		/* Reported before anything is fixed; out of memory stops the walk. */
		o = finding_json(path, f);
		if (sm_json_append(c->findings, json_object_get(o)) < 0) {
			json_object_put(o);
			return -ENOMEM;
		}
		json_object_put(o); /* the array's reference keeps it */
	} else {
		print_finding(path, f);
	}

	unsigned want = f->kinds & SM_AUDIT_FIXABLE;
	if (!c->fix || !want)
		return 0;
	/* Flush the report of what is about to change before changing it. */
	fflush(stdout);
	mode_t mode = 0;
	int r = sm_audit_fix(f, want, &mode);
	if (r < 0) {
		c->fix_failed++;
		fputs("shiftmount: audit: cannot fix ", stderr);
		put_escaped(stderr, path);
		fprintf(stderr, ": %s\n", strerror(-r));
		return 0;
	}
	c->fixed++;
	if (c->json) {
		char buf[16];
		snprintf(buf, sizeof(buf), "%04o", (unsigned)mode);
		/* Fixed already: a report that cannot say so stops the walk. */
		if (sm_json_add(o, "fixed", kinds_json(want)) < 0 ||
		    sm_json_add_string(o, "new_mode", buf) < 0)
			return -ENOMEM;
		return 0;
	}
	put_escaped(stdout, path);
	fputs(": fixed:", stdout);
	if (want & (SM_AUDIT_SETUID | SM_AUDIT_SETGID))
		printf(" mode %04o -> %04o%s", (unsigned)(f->st.st_mode & 07777), (unsigned)mode,
		       (want & SM_AUDIT_FCAPS) ? "," : "");
	if (want & SM_AUDIT_FCAPS)
		printf(" removed security.capability");
	printf("\n");
	fflush(stdout);
	return 0;
}

/* The range of the mark on `fd`: 1 and *ret, 0 when it has none (or is no
 * directory), -errno.  An invalid mark is said on stderr and not used. */
static int mark_range(int fd, const char *dir, struct sm_audit_range *ret)
{
	struct sm_mark m;
	struct sm_error err = {.why = NULL};
	int r = sm_mark_get(fd, &m, &err);
	if (r == -ENODATA || r == -ENOTDIR || r == -EOPNOTSUPP)
		return 0;
	if (r == -EBADMSG) {
		fprintf(stderr, "shiftmount: audit: %s: ignoring an invalid mark: %s\n", dir,
			err.why ? err.why : "malformed");
		return 0;
	}
	if (r < 0)
		return r;
	*ret = (struct sm_audit_range){m.origin_uid, m.origin_gid, m.range};
	return 1;
}

int verb_audit(int argc, char **argv)
{
	enum {
		OPT_JSON = 256,
		OPT_FIX,
		OPT_ORIGIN,
		OPT_ORIGIN_UID,
		OPT_ORIGIN_GID,
		OPT_RANGE,
		OPT_RANGE_OF,
		OPT_CROSS
	};
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"json", no_argument, NULL, OPT_JSON},
		{"fix", no_argument, NULL, OPT_FIX},
		{"origin", required_argument, NULL, OPT_ORIGIN},
		{"origin-uid", required_argument, NULL, OPT_ORIGIN_UID},
		{"origin-gid", required_argument, NULL, OPT_ORIGIN_GID},
		{"range", required_argument, NULL, OPT_RANGE},
		{"range-of", required_argument, NULL, OPT_RANGE_OF},
		{"cross-mounts", no_argument, NULL, OPT_CROSS},
		{"verbose", no_argument, NULL, 'v'},
		{},
	};
	struct sm_audit_range ranges[MAX_RANGES + 1];
	/* Which fields of the last range were given, to know when an option
	 * starts the next one. */
	enum { GOT_UID = 1, GOT_GID = 2, GOT_RANGE = 4 };
	unsigned got = 0;
	size_t n = 0;
	unsigned flags = 0;
	struct audit_ctx c = {0};
	int o;
	uint32_t v;

	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		unsigned field = o == OPT_ORIGIN       ? GOT_UID | GOT_GID
				 : o == OPT_ORIGIN_UID ? GOT_UID
				 : o == OPT_ORIGIN_GID ? GOT_GID
				 : o == OPT_RANGE      ? GOT_RANGE
						       : 0;
		if (field) {
			const char *name = o == OPT_ORIGIN	 ? "audit: --origin"
					   : o == OPT_ORIGIN_UID ? "audit: --origin-uid"
					   : o == OPT_ORIGIN_GID ? "audit: --origin-gid"
								 : "audit: --range";
			if (parse_id_option(name, optarg, &v))
				return EXIT_USAGE;
			if (n == 0 || (got & field)) {
				if (n == MAX_RANGES)
					return usage_error("audit: at most %d ranges", MAX_RANGES);
				ranges[n++] = (struct sm_audit_range){0, 0, SM_DEFAULT_RANGE};
				got = 0;
			}
			struct sm_audit_range *cur = &ranges[n - 1];
			if (field & GOT_UID)
				cur->origin_uid = v;
			if (field & GOT_GID)
				cur->origin_gid = v;
			if (field & GOT_RANGE) {
				if (v == 0)
					return usage_error("audit: --range: must be > 0");
				cur->range = v;
			}
			got |= field;
			continue;
		}
		switch (o) {
		case 'h':
			help(stdout);
			return EXIT_OK;
		case 'v':
			cli_verbose = 1;
			break;
		case OPT_JSON:
			c.json = 1;
			break;
		case OPT_FIX:
			c.fix = 1;
			break;
		case OPT_CROSS:
			flags |= SM_AUDIT_CROSS_MOUNTS;
			break;
		case OPT_RANGE_OF: {
			_cleanup_close_ int fd = open(optarg, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				return usage_error("audit: --range-of: %s: %s", optarg,
						   strerror(errno));
			if (n == MAX_RANGES)
				return usage_error("audit: at most %d ranges", MAX_RANGES);
			int r = mark_range(fd, optarg, &ranges[n]);
			if (r < 0)
				return op_error(r, NULL, "audit: --range-of: %s: reading the mark",
						optarg);
			if (r == 0)
				return usage_error("audit: --range-of: %s: has no mark", optarg);
			n++;
			got = GOT_UID | GOT_GID | GOT_RANGE;
			break;
		}
		case '?':
			if (optopt)
				return usage_error(
					"audit: option -%c: unknown or missing its argument; "
					"see shiftmount audit --help",
					optopt);
			return usage_error("audit: %s: unknown option or missing argument; see "
					   "shiftmount audit --help",
					   argv[optind - 1]);
		default:
			return usage_error("audit: unexpected option");
		}
	}
	if (optind >= argc)
		return usage_error("audit: no DIR given; see shiftmount audit --help");

	/* Open every root first: a typo fails before anything is walked or
	 * changed. */
	size_t nroots = (size_t)(argc - optind);
	_cleanup_free_ int *fds = calloc(nroots, sizeof(int));
	if (!fds)
		return op_error(-ENOMEM, NULL, "audit");
	for (size_t i = 0; i < nroots; i++)
		fds[i] = -EBADF;
	int status = EXIT_OK;
	for (size_t i = 0; i < nroots && status == EXIT_OK; i++) {
		const char *dir = argv[optind + (int)i];
		fds[i] = open(dir, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fds[i] < 0) {
			status = usage_error("audit: %s: %s", dir, strerror(errno));
			continue;
		}
		struct stat st;
		if (fstat(fds[i], &st) == 0 && S_ISLNK(st.st_mode))
			status = usage_error("audit: %s: is a symbolic link; audit does not follow "
					     "it (give the directory it points to)",
					     dir);
	}
	if (status != EXIT_OK)
		goto out;

	struct rlimit rl;
	/* Each directory level of the walk holds an fd. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}

	c.progress_tty = isatty(STDERR_FILENO);
	if (c.json)
		c.findings = json_object_new_array();
	uint64_t findings = 0, entries = 0, fixed_total = 0;
	static const struct sm_audit_ops ops = {
		.finding = on_finding,
		.error = on_error,
		.progress = on_progress,
	};
	for (size_t i = 0; i < nroots; i++) {
		const char *dir = argv[optind + (int)i];
		size_t nr = n;
		int r = mark_range(fds[i], dir, &ranges[nr]);
		if (r < 0) {
			op_error(r, NULL, "audit: %s: reading the mark", dir);
			c.errors++;
		} else if (r > 0) {
			verbose("audit: %s: mark origin %u:%u range %u", dir, ranges[nr].origin_uid,
				ranges[nr].origin_gid, ranges[nr].range);
			nr++;
		}
		c.root = dir;
		clock_gettime(CLOCK_MONOTONIC, &c.start);
		c.last = c.start;
		struct sm_audit_stats st = {0};
		r = sm_audit_walk(fds[i], "", ranges, nr, 0, flags, &ops, &c, &st);
		progress_clear(&c);
		if (r < 0) {
			op_error(r, NULL, "audit: %s", dir);
			c.errors++;
			continue;
		}
		findings += st.findings;
		entries += st.entries;
		if (st.skipped_mounts)
			verbose("audit: %s: %" PRIu64
				" mount points not entered (see --cross-mounts)",
				dir, st.skipped_mounts);
	}
	fixed_total = c.fixed;

	if (c.json) {
		json_object *top = json_object_new_object();
		int failed =
			sm_json_add(top, "findings", steal_pointer(c.findings)) < 0 ||
			sm_json_add(top, "entries", json_object_new_int64((int64_t)entries)) < 0 ||
			sm_json_add(top, "errors", json_object_new_int64((int64_t)c.errors)) < 0;
		if (c.fix)
			failed = failed ||
				 sm_json_add(top, "fixed",
					     json_object_new_int64((int64_t)fixed_total)) < 0;
		const char *text = failed ? NULL
					  : json_object_to_json_string_ext(
						    top, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE);
		if (text)
			puts(text);
		else {
			op_error(-ENOMEM, NULL, "audit --json");
			c.errors++;
		}
		json_object_put(top);
	} else {
		printf("%" PRIu64 " finding%s in %" PRIu64 " entr%s", findings,
		       findings == 1 ? "" : "s", entries, entries == 1 ? "y" : "ies");
		if (c.fix)
			printf(", %" PRIu64 " fixed", fixed_total);
		printf("\n");
	}
	if (findings > 0 || c.errors > 0 || c.fix_failed > 0)
		status = EXIT_FAILED;
out:
	for (size_t i = 0; i < nroots; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return status;
}
