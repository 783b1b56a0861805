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
#include "plan-options.h"
#include "util.h"

struct bind_args {
	const char *src, *dst;
	struct plan_options plan; /* --shift, --origin*, --range, --map */
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
	       "  --fuse-options OPTS   more -o options for shiftfs-fuse when it is the\n"
	       "                        backend: idmap, cache=never, threads=N, ... (see\n"
	       "                        shiftfs-fuse(1))\n"
	       "  -v, --verbose         say what is done\n"
	       "  -h, --help            this text\n"
	       "\n"
	       "Exit status: 0 done, 1 the mount failed, 2 bad usage or input.\n");
}

static int parse_args(int argc, char **argv, struct bind_args *a)
{
	enum {
		OPT_BACKEND = OPT_PLAN_END,
		OPT_FUSE_OPTIONS,
	};
	static const struct option longopts[] = {
		PLAN_LONG_OPTIONS,
		{"recursive", no_argument, NULL, 'r'},
		{"backend", required_argument, NULL, OPT_BACKEND},
		{"fuse-options", required_argument, NULL, OPT_FUSE_OPTIONS},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *bad;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":rvho:", longopts, NULL)) != -1) {
		int r = plan_option(&a->plan, c, optarg);
		if (r >= 0) {
			if (r)
				return r;
			continue;
		}
		switch (c) {
		case 'r':
			a->plan.req.flags |= SM_MOUNT_RECURSIVE;
			break;
		case 'o':
			if (sm_mount_parse_options(optarg, &a->plan.req.flags, &bad) < 0)
				return usage_error("-o: \"%s\": unknown option (ro, rw, nosuid, "
						   "suid, nodev, dev, noexec, exec)",
						   bad);
			break;
		case OPT_BACKEND:
			if (sm_backend_parse(optarg, &a->plan.req.backend) < 0)
				return usage_error(
					"--backend: \"%s\": must be auto, kernel or fuse", optarg);
			break;
		case OPT_FUSE_OPTIONS:
			if (a->plan.req.fuse_options)
				return usage_error("--fuse-options: given twice; give one "
						   "comma-separated list");
			a->plan.req.fuse_options = optarg;
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
			return unknown_option("bind", argv);
		}
	}

	int r = plan_options_check(&a->plan);
	if (r)
		return r;

	int nargs = argc - optind;
	/* The thread's spelling, "--shift /proc/PID/ns/user SRC DST": a bare
	 * --shift followed by three operands takes the first as TARGET. */
	if (a->plan.shift && !a->plan.req.target && nargs == 3)
		a->plan.req.target = argv[optind++], nargs--;
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

static void verbose_plan(const struct sm_plan *p)
{
	char buf[SM_IDMAP_MAX_EXTENTS * 40];
	if (!cli_verbose)
		return;
	verbose("%s", p->from);
	if (sm_idmap_format_spec(&p->uid, &p->gid, buf, sizeof(buf)) >= 0)
		verbose("map (disk:host:count): %s", buf);
	if (p->requested == SM_BACKEND_AUTO)
		verbose("backend: %s",
			p->backend == SM_BACKEND_KERNEL
				? "kernel (the filesystem can be idmapped)"
				: "fuse (the kernel cannot idmap this filesystem here)");
}

/* Parse, plan, mount: the plan does the checking, the library the mount. */
int verb_bind(int argc, char **argv)
{
	_cleanup_free_ struct bind_args *a = calloc(1, sizeof(*a));
	if (!a)
		return op_error(-ENOMEM, NULL, "bind");
	plan_options_init(&a->plan);

	int r = parse_args(argc, argv, a);
	if (r < 0)
		return EXIT_OK; /* --help */
	if (r)
		return r;

	_cleanup_close_ int srcfd = -EBADF, dstfd = -EBADF;
	if ((r = open_path("SRC", a->src, &srcfd)) || (r = open_path("DST", a->dst, &dstfd)))
		return r;

	/* Without --map the target is TARGET, or the caller's own namespace
	 * (the thread's "mount --bind --shift SRC DST" in a container); in the
	 * initial one that is a usage error. */
	a->plan.req.src_fd = srcfd;
	a->plan.req.src = a->src;
	plan_options_finish(&a->plan);
	_cleanup_free_ struct sm_plan *plan = NULL;
	struct sm_error err;
	if (sm_plan(&a->plan.req, &plan, &err) < 0)
		return report_error(&err);
	verbose_plan(plan);
	if (plan->backend == SM_BACKEND_KERNEL && *plan->fuse_options)
		fprintf(stderr,
			"shiftmount: --fuse-options not used: the kernel backend was chosen (give "
			"--backend=fuse for shiftfs-fuse)\n");

	if (sm_plan_mount(plan, srcfd, a->src, dstfd, a->dst, &err) < 0)
		return report_error(&err);
	verbose("%s shifted on %s (%s)", a->src, a->dst,
		plan->backend == SM_BACKEND_FUSE ? "FUSE backend, shiftfs-fuse"
						 : "kernel idmapped mount");
	/* Mounted as asked, but rarely as meant: say so, exit status 0. */
	if (plan->has_warning)
		fprintf(stderr, "shiftmount: %s\n", plan->warning.text);
	return EXIT_OK;
}
