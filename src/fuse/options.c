/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command line of shiftfs-fuse:
 *
 *   shiftfs-fuse [-f] [-d] [-o OPT[,OPT]...]... SRC DST
 *
 * The mount's map comes from `map=SPEC` (disk:host:count extents, as for
 * `shiftmount bind --map`) or from `shift=TARGET` with `origin`, `origin-uid`,
 * `origin-gid` and `range` (the one formula of the design, applied to the
 * target user namespace's map).  Bad input is reported here and exits 2.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "shiftmount/config.h"
#include "shiftmount/mount.h"
#include "shiftmount/userns.h"
#include "util.h"
#include "fs.h"

struct shift_args {
	char *target;
	int origin_set, origin_uid_set, origin_gid_set, range_set;
	uint32_t origin, origin_uid, origin_gid, range;
	int have_map;
};

__attribute__((format(printf, 1, 2))) static int bad(const char *fmt, ...)
{
	va_list ap;
	fputs("shiftfs-fuse: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

static int parse_seconds(const char *v, double *ret)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (errno || end == v || *end || !(d >= 0 && d <= 86400.0 * 365)) /* NaN too */
		return -EINVAL;
	*ret = d;
	return 0;
}

const char *const sm_policy_names[4] = {"never", "auto", "always", "image"};

/* never, auto, always (cache=, handles=): 0, 1, 2; -1 for anything else. */
static int parse_policy(const char *v)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(v, sm_policy_names[i]))
			return i;
	return -1;
}

static const char *const ignored[] = {
	/* fstab/mount(8) words that mean nothing to us */
	"defaults", "auto",	"noauto",   "user",	  "nouser",
	"users",    "nofail",	"_netdev",  "async",	  "atime",
	"noatime",  "relatime", "diratime", "nodiratime", "default_permissions",
};

static int parse_one(char *opt, struct sm_fuse_config *cfg, struct shift_args *sa)
{
	char *v = strchr(opt, '=');
	struct sm_error err = {0};
	const char *badopt;
	unsigned u;

	if (v)
		*v++ = '\0';
#define IS(name) (!strcmp(opt, name))
#define NEED_VALUE()                                                                               \
	do {                                                                                       \
		if (!v || !*v)                                                                     \
			return bad("option \"%s\" needs a value", opt);                            \
	} while (0)
#define ID(dst, set)                                                                               \
	do {                                                                                       \
		NEED_VALUE();                                                                      \
		if (sm_parse_id(v, &(dst)) < 0)                                                    \
			return bad("%s: not an id", v);                                            \
		set = 1;                                                                           \
	} while (0)

	if (IS("map")) {
		NEED_VALUE();
		if (sm_idmap_parse_spec(v, &cfg->uid, &cfg->gid, &err) < 0) {
			fprintf(stderr, "shiftfs-fuse: map: \"%s\": %s\n", err.token,
				err.why ? err.why : "invalid");
			return -EINVAL;
		}
		sa->have_map = 1;
	} else if (IS("shift")) {
		NEED_VALUE();
		free(sa->target);
		sa->target = strdup(v); /* `opt` dies with its -o argument's copy */
		if (!sa->target)
			return -ENOMEM;
	} else if (IS("origin")) {
		ID(sa->origin, sa->origin_set);
	} else if (IS("origin-uid") || IS("origin_uid")) {
		ID(sa->origin_uid, sa->origin_uid_set);
	} else if (IS("origin-gid") || IS("origin_gid")) {
		ID(sa->origin_gid, sa->origin_gid_set);
	} else if (IS("range")) {
		ID(sa->range, sa->range_set);
		if (sa->range == 0)
			return bad("range must be > 0");
	} else if (IS("allow_other")) {
		cfg->allow_other = 1;
	} else if (IS("noallow_other") || IS("no_allow_other")) {
		cfg->allow_other = 0;
	} else if (IS("recursive") || IS("rbind")) {
		cfg->recursive = 1;
	} else if (IS("writeback") || IS("writeback_cache")) {
		cfg->writeback = 1;
	} else if (IS("no_writeback") || IS("no_writeback_cache")) {
		cfg->writeback = 0;
	} else if (IS("cache")) {
		NEED_VALUE();
		int p = !strcmp(v, "image") ? SM_CACHE_IMAGE : parse_policy(v);
		if (p < 0)
			return bad("cache=%s: want never, auto, always or image", v);
		cfg->cache = (enum sm_cache)p;
	} else if (IS("timeout") || IS("entry_timeout") || IS("attr_timeout") ||
		   IS("negative_timeout")) {
		double d;
		NEED_VALUE();
		if (parse_seconds(v, &d) < 0)
			return bad("%s: not a number of seconds", v);
		if (IS("timeout") || IS("entry_timeout"))
			cfg->entry_timeout = d;
		if (IS("timeout") || IS("attr_timeout"))
			cfg->attr_timeout = d;
		if (IS("negative_timeout"))
			cfg->negative_timeout = d;
	} else if (IS("handles")) {
		NEED_VALUE();
		int p = parse_policy(v);
		if (p < 0)
			return bad("handles=%s: want never, auto or always", v);
		cfg->handles = (enum sm_handles)p;
	} else if (IS("threads") || IS("max_threads")) {
		uint32_t t;
		NEED_VALUE();
		if (sm_parse_id(v, &t) < 0 || t == 0 || t > 1024)
			return bad("threads=%s: want 1..1024", v);
		cfg->max_threads = t;
	} else if (IS("fuse_fd")) {
		uint32_t fd;
		struct stat st;
		NEED_VALUE();
		if (sm_parse_id(v, &fd) < 0 || fd > 65535 || fstat((int)fd, &st) < 0 ||
		    !S_ISCHR(st.st_mode) || st.st_rdev != makedev(10, 229))
			return bad("fuse_fd=%s: not an open /dev/fuse", v);
		cfg->fuse_fd = (int)fd;
	} else if (IS("clone_fd")) {
		cfg->clone_fd = 1;
	} else if (IS("noclone_fd") || IS("no_clone_fd")) {
		cfg->clone_fd = 0;
	} else if (IS("beneath")) {
		cfg->beneath = 1;
	} else if (IS("passthrough")) {
		cfg->passthrough = 1;
	} else if (IS("nopassthrough") || IS("no_passthrough")) {
		cfg->passthrough = 0;
	} else if (IS("killpriv")) {
		cfg->killpriv = 1;
	} else if (IS("nokillpriv") || IS("no_killpriv")) {
		cfg->killpriv = 0;
	} else if (IS("idmap")) {
		cfg->idmap = 1;
	} else if (IS("noidmap") || IS("no_idmap")) {
		cfg->idmap = 0;
	} else if (IS("flock")) {
		cfg->flock = 1;
	} else if (IS("no_flock")) {
		cfg->flock = 0;
	} else if (!v && (u = cfg->mount_flags, sm_mount_parse_options(opt, &u, &badopt) == 0)) {
		cfg->mount_flags = u;
	} else {
		for (size_t i = 0; i < ELEMENTSOF(ignored); i++)
			if (IS(ignored[i]) || !strncmp(opt, "x-", 2))
				return 0;
		return bad("unknown option \"%s\"; see shiftfs-fuse --help", opt);
	}
	return 0;
#undef IS
#undef NEED_VALUE
#undef ID
}

/* TARGET as a pid (or /proc/PID/ns/user): its maps as seen from here, which
 * is what the mount needs (our namespace's ids are the mount's host ids), and
 * which works without privileges.  Any other namespace file goes through the
 * library's helper. */
static int target_maps(const char *target, struct sm_idmap *uid, struct sm_idmap *gid)
{
	int pid = 0, r;
	size_t len = strlen(target), digits = strspn(target, "0123456789");

	if (digits > 0 && digits == len && digits < 10)
		pid = atoi(target);
	else if (!strncmp(target, "/proc/", 6) && len > 14 &&
		 !strcmp(target + len - 8, "/ns/user") &&
		 strspn(target + 6, "0123456789") == len - 14 && len - 14 < 10)
		pid = atoi(target + 6);
	if (pid > 0) {
		r = sm_idmap_read_pid(pid, SM_UID, uid);
		if (r == 0)
			r = sm_idmap_read_pid(pid, SM_GID, gid);
		return r;
	}
	_cleanup_close_ int fd = -EBADF;
	r = sm_userns_open_target(target, &fd);
	if (r < 0)
		return r;
	return sm_userns_read_maps(fd, uid, gid);
}

static int compute_shift(struct sm_fuse_config *cfg, struct shift_args *sa)
{
	struct sm_idmap *tu = malloc(sizeof(*tu)), *tg = malloc(sizeof(*tg));
	struct sm_error err = {0};
	int r;

	if (!tu || !tg) {
		free(tu);
		free(tg);
		return -ENOMEM;
	}
	uint32_t ou = sa->origin_uid_set ? sa->origin_uid : sa->origin_set ? sa->origin : 0;
	uint32_t og = sa->origin_gid_set ? sa->origin_gid : sa->origin_set ? sa->origin : 0;
	uint32_t range = sa->range_set ? sa->range : SM_DEFAULT_RANGE;

	r = target_maps(sa->target, tu, tg);
	if (r < 0) {
		fprintf(stderr,
			"shiftfs-fuse: shift=%s: cannot read its user namespace's maps: %s\n",
			sa->target, strerror(-r));
		goto out;
	}
	r = sm_idmap_shift(tu, ou, range, &cfg->uid);
	if (r == 0)
		r = sm_idmap_shift(tg, og, range, &cfg->gid);
	if (r < 0) {
		fprintf(stderr, "shiftfs-fuse: shift=%s: %s\n", sa->target,
			r == -ENOENT   ? "its map has nothing inside the range"
			: r == -ERANGE ? "origin + id passes the largest id"
				       : strerror(-r));
		goto out;
	}
	if (sm_idmap_validate(&cfg->uid, &err) < 0 || sm_idmap_validate(&cfg->gid, &err) < 0) {
		fprintf(stderr, "shiftfs-fuse: shift=%s: \"%s\": %s\n", sa->target, err.token,
			err.why ? err.why : "invalid map");
		r = -EINVAL;
	}
out:
	free(tu);
	free(tg);
	return r;
}

static int parse_all(int argc, char **argv, struct sm_fuse_config *cfg, struct shift_args *sa)
{
	const char *pos[2];
	int npos = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-f")) {
			cfg->foreground = 1;
		} else if (!strcmp(a, "-d")) {
			cfg->debug = 1;
			cfg->foreground = 1;
		} else if (!strncmp(a, "-o", 2)) {
			const char *opts = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
			if (!opts)
				return bad("-o needs options");
			_cleanup_free_ char *copy = strdup(opts);
			if (!copy)
				return -ENOMEM;
			for (char *save = NULL, *o = strtok_r(copy, ",", &save); o;
			     o = strtok_r(NULL, ",", &save)) {
				int r = parse_one(o, cfg, sa);
				if (r < 0)
					return r;
			}
		} else if (!strcmp(a, "--")) {
			for (i++; i < argc; i++) {
				if (npos == 2)
					return bad("too many arguments (\"%s\")", argv[i]);
				pos[npos++] = argv[i];
			}
		} else if (a[0] == '-' && a[1]) {
			return bad("unknown option \"%s\"; see shiftfs-fuse --help", a);
		} else {
			if (npos == 2)
				return bad("too many arguments (\"%s\")", a);
			pos[npos++] = a;
		}
	}
	if (npos != 2)
		return bad("need SRC and DST; see shiftfs-fuse --help");
	cfg->src = pos[0];
	cfg->dst = pos[1];

	if (sa->have_map && sa->target)
		return bad("map= and shift= do not go together");
	if (!sa->have_map && !sa->target)
		return bad("need -o map=SPEC or -o shift=TARGET");
	if (sa->have_map &&
	    (sa->origin_set || sa->origin_uid_set || sa->origin_gid_set || sa->range_set))
		return bad("origin and range go with shift=, not with map=");
	return sa->target ? compute_shift(cfg, sa) : 0;
}

int options_parse(int argc, char **argv, struct sm_fuse_config *cfg)
{
	struct shift_args sa = {0};
	int r = parse_all(argc, argv, cfg, &sa);
	free(sa.target);
	return r;
}

/* Append one option, comma-separated, to buf (n bytes used of len). */
__attribute__((format(printf, 4, 5))) static int add_option(char *buf, size_t len, size_t *n,
							    const char *fmt, ...)
{
	if (*n > 0) {
		if (*n + 1 >= len)
			return -ENAMETOOLONG;
		buf[(*n)++] = ',';
		buf[*n] = '\0';
	}
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= len - *n)
		return -ENAMETOOLONG;
	*n += (size_t)k;
	return 0;
}

int options_carried(const struct sm_fuse_config *cfg, char *buf, size_t len)
{
	size_t n = 0;
	int r = 0;
	if (len == 0)
		return -ENAMETOOLONG;
	buf[0] = '\0';
	if (cfg->allow_other >= 0)
		r |= add_option(buf, len, &n, "%s",
				cfg->allow_other ? "allow_other" : "noallow_other");
	if (cfg->writeback)
		r |= add_option(buf, len, &n, "writeback");
	if (!cfg->flock)
		r |= add_option(buf, len, &n, "no_flock");
	if (!cfg->passthrough)
		r |= add_option(buf, len, &n, "nopassthrough");
	if (!cfg->killpriv)
		r |= add_option(buf, len, &n, "nokillpriv");
	if (cfg->idmap)
		r |= add_option(buf, len, &n, "idmap");
	if (cfg->clone_fd)
		r |= add_option(buf, len, &n, "clone_fd");
	if (cfg->handles != SM_HANDLES_AUTO)
		r |= add_option(buf, len, &n, "handles=%s", sm_policy_names[cfg->handles]);
	if (cfg->max_threads)
		r |= add_option(buf, len, &n, "threads=%u", cfg->max_threads);
	if (cfg->cache != SM_CACHE_UNSET)
		r |= add_option(buf, len, &n, "cache=%s", sm_policy_names[cfg->cache]);
	if (cfg->entry_timeout >= 0)
		r |= add_option(buf, len, &n, "entry_timeout=%.15g", cfg->entry_timeout);
	if (cfg->attr_timeout >= 0)
		r |= add_option(buf, len, &n, "attr_timeout=%.15g", cfg->attr_timeout);
	if (cfg->negative_timeout >= 0)
		r |= add_option(buf, len, &n, "negative_timeout=%.15g", cfg->negative_timeout);
	return r < 0 ? -ENAMETOOLONG : 0;
}
