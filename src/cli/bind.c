/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shiftmount bind: make a uid/gid-shifting bind mount.
 *
 * Everything that can be judged before touching the mount table is judged
 * first (options, paths, origin, target, the maps); only then is a namespace
 * made, a detached clone idmapped and, as the very last step, attached.  So a
 * failure at any point leaves nothing mounted.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"
#include "shiftmount/backend.h"
#include "util.h"

struct bind_args {
	const char *src, *dst;
	int shift;	       /* --shift given */
	const char *target;    /* its TARGET, NULL for a bare --shift */
	const char *origin_ns; /* --origin-ns NSFILE */
	int have_ouid, have_ogid;
	uint32_t ouid, ogid;
	const char *ouid_opt, *ogid_opt; /* which option set them */
	int have_range;
	uint32_t range;
	int have_map;
	struct sm_idmap map_uid, map_gid;
	unsigned flags;
	enum sm_backend backend;
};

/* What will be mounted: the computed maps and where they came from. */
struct bind_plan {
	struct sm_idmap uid, gid; /* disk -> host */
	char why[PATH_MAX + 160]; /* "origin 100000/100000 from the mark", for -v */
};

static void help(void)
{
	printf("Usage: shiftmount bind [OPTIONS] SRC DST\n"
	       "\n"
	       "Bind-mount SRC on DST so that the ids a user namespace (TARGET) sees inside\n"
	       "are shifted back to fixed ids on disk: disk id ORIGIN+u <-> host id of\n"
	       "TARGET's interior id u, for u in [0, RANGE).\n"
	       "\n"
	       "  --shift[=TARGET]      shift back along TARGET: a PID or a user-namespace\n"
	       "                        file (/proc/PID/ns/user); bare --shift means the\n"
	       "                        caller's own user namespace (only inside one)\n"
	       "  --origin N            disk id of interior id 0, uid and gid (default: SRC's\n"
	       "                        mark, else /etc/shiftmount.conf, else 0)\n"
	       "  --origin-uid N        ... for uids only\n"
	       "  --origin-gid N        ... for gids only\n"
	       "  --origin-ns NSFILE    origin as a user namespace (interior -> disk)\n"
	       "  --range N             interior ids shifted (default as for --origin; 65536)\n"
	       "  --map SPEC            explicit \"[u:|g:|b:]DISK:HOST:COUNT ...\" extents,\n"
	       "                        repeatable; instead of --shift and --origin*\n"
	       "  -r, --recursive       shift the submounts of SRC too\n"
	       "  -o OPTS               ro,nosuid,nodev,noexec\n"
	       "  --backend=B           auto (default), kernel or fuse\n"
	       "  -v, --verbose         say what is done\n"
	       "  -h, --help            this text\n"
	       "\n"
	       "Exit status: 0 done, 1 the mount failed, 2 bad usage or input.\n");
}

static int parse_args(int argc, char **argv, struct bind_args *a)
{
	enum {
		OPT_SHIFT = 0x100,
		OPT_ORIGIN,
		OPT_ORIGIN_UID,
		OPT_ORIGIN_GID,
		OPT_ORIGIN_NS,
		OPT_RANGE,
		OPT_MAP,
		OPT_BACKEND,
	};
	static const struct option longopts[] = {
		{"shift", optional_argument, NULL, OPT_SHIFT},
		{"origin", required_argument, NULL, OPT_ORIGIN},
		{"origin-uid", required_argument, NULL, OPT_ORIGIN_UID},
		{"origin-gid", required_argument, NULL, OPT_ORIGIN_GID},
		{"origin-ns", required_argument, NULL, OPT_ORIGIN_NS},
		{"range", required_argument, NULL, OPT_RANGE},
		{"map", required_argument, NULL, OPT_MAP},
		{"recursive", no_argument, NULL, 'r'},
		{"backend", required_argument, NULL, OPT_BACKEND},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sm_error err;
	const char *bad;
	uint32_t v;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":rvho:", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SHIFT:
			if (a->shift)
				return usage_error("--shift: given twice");
			a->shift = 1;
			a->target = optarg;
			if (optarg && !*optarg)
				return usage_error("--shift: \"\": TARGET must be a PID or a "
						   "user-namespace file");
			break;
		case OPT_ORIGIN:
			if (parse_id_option("--origin", optarg, &v))
				return EXIT_USAGE;
			a->ouid = a->ogid = v;
			a->have_ouid = a->have_ogid = 1;
			a->ouid_opt = a->ogid_opt = "--origin";
			break;
		case OPT_ORIGIN_UID:
			if (parse_id_option("--origin-uid", optarg, &a->ouid))
				return EXIT_USAGE;
			a->have_ouid = 1;
			a->ouid_opt = "--origin-uid";
			break;
		case OPT_ORIGIN_GID:
			if (parse_id_option("--origin-gid", optarg, &a->ogid))
				return EXIT_USAGE;
			a->have_ogid = 1;
			a->ogid_opt = "--origin-gid";
			break;
		case OPT_ORIGIN_NS:
			a->origin_ns = optarg;
			break;
		case OPT_RANGE:
			/* RANGE counts ids, so 4294967295 (all of them) is allowed. */
			if (!strcmp(optarg, "4294967295"))
				v = 0;
			else if (sm_parse_id(optarg, &v) < 0 || v == 0)
				return usage_error("--range: \"%s\": must be a number from 1 to "
						   "4294967295",
						   optarg);
			a->range = v ? v : UINT32_MAX;
			a->have_range = 1;
			break;
		case OPT_MAP:
			if (sm_idmap_parse_spec(optarg, &a->map_uid, &a->map_gid, &err) < 0)
				return map_error("--map", &err);
			a->have_map = 1;
			break;
		case 'r':
			a->flags |= SM_MOUNT_RECURSIVE;
			break;
		case 'o':
			if (sm_mount_parse_options(optarg, &a->flags, &bad) < 0)
				return usage_error("-o: \"%s\": unknown option (ro, rw, nosuid, "
						   "suid, nodev, dev, noexec, exec)",
						   bad);
			break;
		case OPT_BACKEND:
			if (!strcmp(optarg, "auto"))
				a->backend = SM_BACKEND_AUTO;
			else if (!strcmp(optarg, "kernel"))
				a->backend = SM_BACKEND_KERNEL;
			else if (!strcmp(optarg, "fuse"))
				a->backend = SM_BACKEND_FUSE;
			else
				return usage_error(
					"--backend: \"%s\": must be auto, kernel or fuse", optarg);
			break;
		case 'v':
			cli_verbose = 1;
			break;
		case 'h':
			help();
			return -1;
		case ':':
			return usage_error("%s: needs an argument", argv[optind - 1]);
		default:
			/* optopt names an unknown short option inside a cluster
			 * ("-rz"); for a long one argv has it whole. */
			if (optopt > 0 && optopt < 0x100)
				return usage_error("\"-%c\": unknown option; see shiftmount bind "
						   "--help",
						   optopt);
			return usage_error("\"%s\": unknown option; see shiftmount bind --help",
					   argv[optind - 1]);
		}
	}

	if (a->have_map &&
	    (a->shift || a->have_ouid || a->have_ogid || a->origin_ns || a->have_range))
		return usage_error("--map: cannot be combined with %s (a map says it all)",
				   a->shift	   ? "--shift"
				   : a->origin_ns  ? "--origin-ns"
				   : a->have_range ? "--range"
						   : "--origin");
	if (a->origin_ns && (a->have_ouid || a->have_ogid))
		return usage_error("--origin-ns: cannot be combined with --origin, --origin-uid "
				   "or --origin-gid");
	if (a->have_map && (a->map_uid.n == 0 || a->map_gid.n == 0))
		return usage_error("--map: no %s extent; add %s: or b: entries",
				   a->map_uid.n == 0 ? "uid" : "gid",
				   a->map_uid.n == 0 ? "u" : "g");

	int nargs = argc - optind;
	/* The thread's spelling, "--shift /proc/PID/ns/user SRC DST": a bare
	 * --shift followed by three operands takes the first as TARGET. */
	if (a->shift && !a->target && nargs == 3)
		a->target = argv[optind++], nargs--;
	if (nargs < 2)
		return usage_error("%s; usage: shiftmount bind [OPTIONS] SRC DST",
				   nargs == 0 ? "SRC and DST missing" : "DST missing");
	if (nargs > 2)
		return usage_error("\"%s\": unexpected argument after SRC DST", argv[optind + 2]);
	a->src = argv[optind];
	a->dst = argv[optind + 1];
	return 0;
}

static int open_path(const char *what, const char *path, int *ret)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return usage_error("%s: \"%s\": %s", what, path, strerror(errno));
	*ret = fd;
	return 0;
}

/* The user namespace of TARGET (or our own for a bare --shift), refused
 * when it is the initial one: there is nothing to shift back along. */
static int open_target(const char *opt, const char *target, int *ret_fd)
{
	const char *t = target ? target : "/proc/self/ns/user";
	int r = sm_userns_open_target(t, ret_fd);
	switch (r) {
	case 0:
		break;
	case -EINVAL:
		return usage_error("%s: \"%s\": must be a PID or a user-namespace file such as "
				   "/proc/PID/ns/user",
				   opt, t);
	case -ESRCH:
		return usage_error("%s: \"%s\": no such process", opt, t);
	case -ENOTTY:
		return usage_error("%s: \"%s\": not a user namespace", opt, t);
	case -ENOENT:
	case -ENOTDIR:
		return usage_error("%s: \"%s\": %s", opt, t, strerror(-r));
	default:
		return op_error(r, NULL, "%s: \"%s\"", opt, t);
	}
	r = sm_userns_is_initial(*ret_fd);
	if (r > 0) {
		close(*ret_fd);
		if (!target)
			return usage_error("--shift: needs a TARGET (a PID or /proc/PID/ns/user) "
					   "in the initial user namespace");
		return usage_error("%s: \"%s\": is the initial user namespace; its ids need no "
				   "shifting",
				   opt, t);
	}
	return 0;
}

/* The maps of a user namespace, with the outer column in the ids of the
 * caller's own namespace: that is what the kernel (a namespace we create for
 * the mount) and shiftfs-fuse (which sees ids as its namespace does) expect.
 * A namespace other than ours is read by a helper that joins it, and
 * /proc/PID/uid_map then speaks our ids.  Our own namespace (a bare --shift
 * inside a container) cannot be re-entered, and its /proc/self/uid_map
 * speaks the parent's ids; in our own ids each interior id is itself. */
static int read_ns_maps(int nsfd, struct sm_idmap *uid, struct sm_idmap *gid)
{
	struct stat a, b;
	if (fstat(nsfd, &a) == 0 && stat("/proc/self/ns/user", &b) == 0 && a.st_ino == b.st_ino &&
	    a.st_dev == b.st_dev) {
		int r = sm_idmap_read_pid(getpid(), SM_UID, uid);
		if (r == 0)
			r = sm_idmap_read_pid(getpid(), SM_GID, gid);
		if (r < 0)
			return r;
		for (unsigned i = 0; i < uid->n; i++)
			uid->ext[i].outer = uid->ext[i].inner;
		for (unsigned i = 0; i < gid->n; i++)
			gid->ext[i].outer = gid->ext[i].inner;
		return 0;
	}
	return sm_userns_read_maps(nsfd, uid, gid);
}

struct origin {
	uint32_t uid, gid, range;
	const char *uid_from, *gid_from; /* for messages: an option or a file */
	char from[PATH_MAX + 32];
};

/* Origin precedence: options > SRC's mark > the config file > 0. */
static int find_origin(const struct bind_args *a, int srcfd, struct origin *o)
{
	*o = (struct origin){0, 0, SM_DEFAULT_RANGE, "origin", "origin", "the default"};
	if (a->have_ouid && a->have_ogid && a->have_range)
		goto options;

	const char *conf_path = getenv("SHIFTMOUNT_CONFIG");
	struct sm_config conf;
	struct sm_error err;
	if (!conf_path || !*conf_path)
		conf_path = SM_CONFIG_PATH;
	int r = sm_config_load(conf_path, &conf, &err);
	if (r == -EINVAL)
		return usage_error("%s: %s: %s", conf_path, err.token, err.why);
	if (r < 0)
		return op_error(r, NULL, "%s", conf_path);
	o->uid = conf.origin_uid;
	o->gid = conf.origin_gid;
	o->range = conf.range;
	if (access(conf_path, F_OK) == 0)
		snprintf(o->from, sizeof(o->from), "%s", conf_path);

	struct sm_mark mark;
	r = sm_mark_get(srcfd, &mark, &err);
	if (r == 0) {
		o->uid = mark.origin_uid;
		o->gid = mark.origin_gid;
		o->range = mark.range;
		snprintf(o->from, sizeof(o->from), "the mark of %s", a->src);
	} else if (r == -EBADMSG) {
		return op_error(
			r, "fix it with 'shiftmount mark', or remove it with 'shiftmount unmark'",
			"%s: invalid mark (%s)", a->src, err.why ? err.why : "?");
	} else if (r != -ENODATA && r != -EOPNOTSUPP && r != -ENOTDIR) {
		/* A file as SRC has no mark either (-ENOTDIR). */
		return op_error(r, NULL, "%s: reading its mark", a->src);
	}
options:
	if (a->have_ouid) {
		o->uid = a->ouid;
		o->uid_from = a->ouid_opt;
	}
	if (a->have_ogid) {
		o->gid = a->ogid;
		o->gid_from = a->ogid_opt;
	}
	if (a->have_range)
		o->range = a->range;
	if (a->have_ouid && a->have_ogid)
		snprintf(o->from, sizeof(o->from), "the options");
	return 0;
}

static int check_origin(const char *opt, uint32_t origin, uint32_t range, const char *from)
{
	if ((uint64_t)origin + range - 1 > SM_ID_MAX)
		return usage_error("%s: \"%u\": ORIGIN+RANGE-1 (%u+%u-1, from %s) passes "
				   "4294967294; lower the origin or the --range",
				   opt, origin, origin, range, from);
	return 0;
}

static int plan_shift(const struct bind_args *a, int srcfd, struct bind_plan *p)
{
	_cleanup_close_ int tfd = -EBADF;
	int r = open_target("--shift", a->target, &tfd);
	if (r)
		return r;

	_cleanup_free_ struct sm_idmap *tu = malloc(sizeof(*tu)), *tg = malloc(sizeof(*tg));
	if (!tu || !tg)
		return op_error(-ENOMEM, NULL, "--shift");
	r = read_ns_maps(tfd, tu, tg);
	if (r < 0)
		return op_error(r, NULL, "--shift: reading the maps of \"%s\"",
				a->target ? a->target : "our user namespace");

	if (a->origin_ns) {
		_cleanup_close_ int ofd = -EBADF;
		r = open_target("--origin-ns", a->origin_ns, &ofd);
		if (r)
			return r;
		_cleanup_free_ struct sm_idmap *ou = malloc(sizeof(*ou)), *og = malloc(sizeof(*og));
		if (!ou || !og)
			return op_error(-ENOMEM, NULL, "--origin-ns");
		r = read_ns_maps(ofd, ou, og);
		if (r < 0)
			return op_error(r, NULL, "--origin-ns: reading the maps of \"%s\"",
					a->origin_ns);
		uint32_t range = a->have_range ? a->range : SM_DEFAULT_RANGE;
		r = sm_idmap_compose(tu, ou, range, &p->uid);
		if (r == 0)
			r = sm_idmap_compose(tg, og, range, &p->gid);
		if (r == -ENOENT)
			return usage_error("--origin-ns: \"%s\": shares no interior id below %u "
					   "with the target",
					   a->origin_ns, range);
		if (r == 0) {
			struct sm_error err;
			if (sm_idmap_validate(&p->uid, &err) < 0 ||
			    sm_idmap_validate(&p->gid, &err) < 0)
				return usage_error("--origin-ns: \"%s\": the composed map is "
						   "invalid: %s: %s",
						   a->origin_ns, err.token, err.why);
		}
		if (r < 0)
			return op_error(r, NULL, "--origin-ns");
		snprintf(p->why, sizeof(p->why), "origin from the namespace %s", a->origin_ns);
		return 0;
	}

	struct origin o;
	r = find_origin(a, srcfd, &o);
	if (r)
		return r;
	if (check_origin(o.uid_from, o.uid, o.range, o.from) ||
	    check_origin(o.gid_from, o.gid, o.range, o.from))
		return EXIT_USAGE;
	r = sm_idmap_shift(tu, o.uid, o.range, &p->uid);
	if (r == 0)
		r = sm_idmap_shift(tg, o.gid, o.range, &p->gid);
	if (r == -ENOENT)
		return usage_error("--shift: \"%s\": maps no interior id below the range %u",
				   a->target ? a->target : "/proc/self/ns/user", o.range);
	if (r < 0)
		return op_error(r, NULL, "--shift: computing the map");
	snprintf(p->why, sizeof(p->why), "origin uid %u gid %u, range %u, from %s", o.uid, o.gid,
		 o.range, o.from);
	return 0;
}

static const char *errno_hint(int r)
{
	switch (r) {
	case -EINVAL:
		return "this filesystem cannot be idmapped by the kernel; use --backend=fuse";
	case -EPERM:
		return "idmapping a filesystem needs root in the user namespace that mounted it "
		       "(the host's, for most); inside a container use 'shiftmount request' "
		       "(shiftmountd) or --backend=fuse";
	case -ENOSPC:
		return "the mount table is full (not the disk): see /proc/sys/fs/mount-max";
	case -ENOSYS:
		return "this kernel has no idmapped mounts (Linux 5.12+); use --backend=fuse";
	default:
		return NULL;
	}
}

static int bind_kernel(const struct bind_args *a, const struct bind_plan *p, int srcfd, int dstfd)
{
	_cleanup_close_ int nsfd = -EBADF, mntfd = -EBADF;
	int r = sm_userns_from_maps(&p->uid, &p->gid, &nsfd);
	if (r < 0)
		return op_error(r,
				r == -EPERM ? "writing these maps needs root in the initial user "
					      "namespace"
					    : NULL,
				"creating the user namespace for the mount");
	r = sm_mount_clone_shifted(srcfd, "", nsfd, a->flags, &mntfd);
	if (r < 0)
		return op_error(r, errno_hint(r), "%s: making the shifted mount", a->src);
	r = sm_mount_attach(mntfd, dstfd, "");
	if (r < 0)
		return op_error(r, r == -ENOSPC ? errno_hint(r) : NULL, "%s: attaching the mount",
				a->dst);
	verbose("%s shifted on %s (kernel idmapped mount)", a->src, a->dst);
	return EXIT_OK;
}

/* The FUSE backend: shiftfs-fuse, started through the library. */
static int bind_fuse(const struct bind_args *a, const struct bind_plan *p, int srcfd, int dstfd)
{
	int r = sm_fuse_mount(a->src, a->dst, &p->uid, &p->gid, a->flags, NULL);
	if (r == -ENOENT)
		return op_error(r,
				"install shiftfs-fuse next to shiftmount or on $PATH, or set "
				"SHIFTFS_FUSE",
				"%s: starting shiftfs-fuse", a->src);
	if (r < 0) {
		/* shiftfs-fuse said why on stderr. */
		fprintf(stderr, "shiftmount: %s: shiftfs-fuse could not mount it\n", a->dst);
		return r == -EINVAL ? EXIT_USAGE : EXIT_FAILED;
	}
	verbose("%s shifted on %s (FUSE backend, shiftfs-fuse)", a->src, a->dst);
	return EXIT_OK;
}

static void verbose_maps(const struct bind_plan *p)
{
	char buf[SM_IDMAP_MAX_EXTENTS * 40];
	if (!cli_verbose)
		return;
	if (p->why[0])
		verbose("%s", p->why);
	if (sm_idmap_format_spec(&p->uid, &p->gid, buf, sizeof(buf)) >= 0)
		verbose("map (disk:host:count): %s", buf);
}

int verb_bind(int argc, char **argv)
{
	_cleanup_free_ struct bind_args *a = calloc(1, sizeof(*a));
	_cleanup_free_ struct bind_plan *p = calloc(1, sizeof(*p));
	if (!a || !p)
		return op_error(-ENOMEM, NULL, "bind");
	sm_idmap_init(&a->map_uid);
	sm_idmap_init(&a->map_gid);

	int r = parse_args(argc, argv, a);
	if (r < 0)
		return EXIT_OK; /* --help */
	if (r)
		return r;

	_cleanup_close_ int srcfd = -EBADF, dstfd = -EBADF;
	if ((r = open_path("SRC", a->src, &srcfd)) || (r = open_path("DST", a->dst, &dstfd)))
		return r;

	if (a->have_map) {
		p->uid = a->map_uid;
		p->gid = a->map_gid;
		snprintf(p->why, sizeof(p->why), "explicit --map");
	} else {
		if (!a->shift) {
			/* No --shift nor --map: the caller's own namespace, as in
			 * the thread's "mount --bind --shift SRC DST" in a
			 * container; in the initial one that is a usage error. */
			a->shift = 1;
		}
		r = plan_shift(a, srcfd, p);
		if (r)
			return r;
	}
	verbose_maps(p);
	char owner[512];
	if (sm_idmap_owner_warning(srcfd, &p->uid, &p->gid, owner, sizeof(owner)) == 1)
		warning("%s: %s", a->src, owner);

	enum sm_backend backend;
	r = sm_backend_choose(srcfd, "", a->backend, &backend);
	if (r < 0)
		return op_error(r, errno_hint(r), "%s: probing for idmapped mounts", a->src);
	if (a->backend == SM_BACKEND_AUTO)
		verbose("backend: %s",
			backend == SM_BACKEND_KERNEL
				? "kernel (the filesystem can be idmapped)"
				: "fuse (the kernel cannot idmap this filesystem here)");
	if (backend == SM_BACKEND_FUSE)
		return bind_fuse(a, p, srcfd, dstfd);
	return bind_kernel(a, p, srcfd, dstfd);
}
