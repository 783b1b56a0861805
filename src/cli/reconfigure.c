/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shiftmount reconfigure: change a live shifted mount's map (target,
 * origin, range) or its flags, atomically.  The new map is planned with the
 * same rules as `shiftmount bind` (sm_plan, with the mount's own tree as
 * SRC); the library swaps the new mount in beneath the old and detaches the
 * old one lazily.  Only flags: changed in place.
 */
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "plan-options.h"
#include "util.h"

struct reconf_args {
	const char *dst;
	pid_t grant;		     /* --grant PID: the policy's map for this tenant */
	const char *subuid, *subgid; /* --subuid, --subgid: the host's tables */
	int have_flags;
	unsigned set, clear;	  /* -o: SM_MOUNT_* bits turned on, off */
	struct plan_options plan; /* --shift, --origin*, --range, --map */
};

static void help(void)
{
	printf("Usage: shiftmount reconfigure [OPTIONS] DST\n"
	       "\n"
	       "Change the shifted mount at DST while it is in use: a new map (as bind\n"
	       "computes it), or other flags.  The new mount is put beneath the old one and\n"
	       "the old one detached lazily: files open and working directories inside it\n"
	       "keep the old map until closed; every new lookup sees the new map, and no\n"
	       "moment shows the unshifted tree or nothing.\n"
	       "\n"
	       "A new map (the options of shiftmount bind):\n"
	       "  --shift[=TARGET]      shift back along TARGET (a PID or /proc/PID/ns/user)\n"
	       "  --origin N            disk id of interior id 0 (default: the mark of the\n"
	       "                        mount's source, else /etc/shiftmount.conf, else 0)\n"
	       "  --origin-uid N, --origin-gid N, --origin-ns NSFILE, --range N\n"
	       "  --map SPEC            explicit \"[u:|g:|b:]DISK:HOST:COUNT ...\" extents\n"
	       "  -r, --recursive       the new mount shows the submounts too (needed when\n"
	       "                        there are mounts below DST)\n"
	       "A grant of shiftmountd, planned again by the daemon's policy:\n"
	       "  --grant PID           DST as tenant PID (its namespace's root) sees it; the\n"
	       "                        map is what the policy grants PID now (the source's\n"
	       "                        mark, /etc/subuid, /etc/subgid); refused as it would\n"
	       "                        refuse a request\n"
	       "  --subuid FILE, --subgid FILE   the host's tables (default /etc/sub[ug]id)\n"
	       "Flags (alone: changed in place):\n"
	       "  -o OPTS               ro, rw, nosuid, suid, nodev, dev, noexec, exec; the\n"
	       "                        others stay as they are\n"
	       "  -v, --verbose         say what is done\n"
	       "  -h, --help            this text\n"
	       "\n"
	       "Needs root of the initial user namespace and Linux 6.15 (open_tree_attr)\n"
	       "and 6.5 (MOVE_MOUNT_BENEATH) for a new map; a mount granted by shiftmountd\n"
	       "is locked for its tenant.\n"
	       "Exit status: 0 done, 1 the change failed (the old mount is as it was), 2 bad\n"
	       "usage or input (nothing changed).\n");
}

#define ALL_FLAGS (SM_MOUNT_RDONLY | SM_MOUNT_NOSUID | SM_MOUNT_NODEV | SM_MOUNT_NOEXEC)

/* -o OPTS as two sets of bits, which it turns on and which off (the last
 * word wins, as in "ro,rw"): the options applied once to no bits and once
 * to all of them. */
static int parse_flags(const char *opts, struct reconf_args *a)
{
	const char *bad;
	unsigned on = 0, kept = ALL_FLAGS;
	if (sm_mount_parse_options(opts, &on, &bad) < 0 ||
	    sm_mount_parse_options(opts, &kept, &bad) < 0)
		return usage_error("-o: \"%s\": unknown option (ro, rw, nosuid, suid, nodev, dev, "
				   "noexec, exec)",
				   bad);
	unsigned off = ALL_FLAGS & ~kept;
	a->set = (a->set & ~off) | on;
	a->clear = (a->clear & ~on) | off;
	a->have_flags = 1;
	return 0;
}

/* Any option of the map given: a new mount; else only the flags change. */
static int new_map(const struct reconf_args *a)
{
	return plan_options_any(&a->plan);
}

static int parse_args(int argc, char **argv, struct reconf_args *a)
{
	enum {
		OPT_GRANT = OPT_PLAN_END,
		OPT_SUBUID,
		OPT_SUBGID,
	};
	static const struct option longopts[] = {
		PLAN_LONG_OPTIONS,
		{"grant", required_argument, NULL, OPT_GRANT},
		{"subuid", required_argument, NULL, OPT_SUBUID},
		{"subgid", required_argument, NULL, OPT_SUBGID},
		{"recursive", no_argument, NULL, 'r'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sm_plan_request *q = &a->plan.req;
	uint32_t v;
	int c, r;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":rvho:", longopts, NULL)) != -1) {
		r = plan_option(&a->plan, c, optarg);
		if (r >= 0) {
			if (r)
				return r;
			continue;
		}
		switch (c) {
		case OPT_GRANT:
			if (sm_parse_id(optarg, &v) < 0 || v == 0 || v > INT32_MAX)
				return usage_error("--grant: \"%s\": must be a PID", optarg);
			a->grant = (pid_t)v;
			break;
		case OPT_SUBUID:
			a->subuid = optarg;
			break;
		case OPT_SUBGID:
			a->subgid = optarg;
			break;
		case 'r':
			q->flags |= SM_MOUNT_RECURSIVE;
			break;
		case 'o':
			if ((r = parse_flags(optarg, a)))
				return r;
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
			return unknown_option("reconfigure", argv);
		}
	}
	if ((r = plan_options_check(&a->plan)))
		return r;
	if (a->grant && new_map(a))
		return usage_error(
			"--grant: cannot be combined with --shift, --origin*, --range or "
			"--map (the policy gives the map)");
	if ((a->subuid || a->subgid) && !a->grant)
		return usage_error("--subuid, --subgid: only with --grant");
	int nargs = argc - optind;
	if (nargs < 1)
		return usage_error("DST missing; usage: shiftmount reconfigure [OPTIONS] DST");
	if (nargs > 1)
		return usage_error("\"%s\": unexpected argument after DST", argv[optind + 1]);
	a->dst = argv[optind];
	if (!a->have_flags && !new_map(a) && !a->grant)
		return usage_error("nothing to change: give a new map (--shift, --origin, "
				   "--range, --map) or -o flags");
	return 0;
}

/* --grant PID: the host's tables and the tenant are read here, then DST is
 * opened in the tenant's mount namespace (whose /etc and /proc are the
 * tenant's own, so nothing the policy trusts is read after the switch but
 * the source's mark, which only the host's root can write). */
static int reconfigure_grant(const struct reconf_args *a)
{
	struct sm_error err;
	struct sm_subid su = {0}, sg = {0};
	const char *su_path = a->subuid ? a->subuid : SM_SUBUID_PATH;
	const char *sg_path = a->subgid ? a->subgid : SM_SUBGID_PATH;
	int r = sm_subid_load(su_path, &su);
	if (r < 0)
		return op_error(r, NULL, "%s", su_path);
	r = sm_subid_load(sg_path, &sg);
	if (r < 0) {
		sm_subid_free(&su);
		return op_error(r, NULL, "%s", sg_path);
	}
	struct sm_tenant t = {.mntns_fd = -EBADF};
	_cleanup_(sm_live_mount_freep) struct sm_live_mount *m = NULL;
	_cleanup_free_ struct sm_plan *plan = NULL;
	int rc = EXIT_OK;
	if (sm_tenant_read(a->grant, &t, &err) < 0) {
		rc = report_error(&err);
		goto out;
	}
	if (setns(t.mntns_fd, CLONE_NEWNS) < 0) {
		rc = op_error(-errno, NULL, "--grant: entering the mount namespace of %d",
			      a->grant);
		goto out;
	}
	if (sm_live_mount_open(a->dst, &m, &err) < 0) {
		rc = report_error(&err);
		goto out;
	}
	unsigned flags = (m->entry.flags & ~a->clear) | a->set;
	if (sm_grant_replan(m, &t, &su, &sg, (a->plan.req.flags & SM_MOUNT_RECURSIVE) | flags,
			    &plan, &err) < 0 ||
	    sm_reconfigure(m, plan, &err) < 0) {
		rc = report_error(&err);
		goto out;
	}
	verbose("%s: the grant of %d reconfigured as the policy allows: %s", a->dst, a->grant,
		plan->from);
out:
	sm_closep(&t.mntns_fd);
	sm_subid_free(&su);
	sm_subid_free(&sg);
	return rc;
}

int verb_reconfigure(int argc, char **argv)
{
	_cleanup_free_ struct reconf_args *a = calloc(1, sizeof(*a));
	if (!a)
		return op_error(-ENOMEM, NULL, "reconfigure");
	plan_options_init(&a->plan);
	int r = parse_args(argc, argv, a);
	if (r < 0)
		return EXIT_OK; /* --help */
	if (r)
		return r;

	if (a->grant)
		return reconfigure_grant(a);

	struct sm_error err;
	_cleanup_(sm_live_mount_freep) struct sm_live_mount *m = NULL;
	if (sm_live_mount_open(a->dst, &m, &err) < 0)
		return report_error(&err);
	unsigned flags = (m->entry.flags & ~a->clear) | a->set;

	if (!new_map(a)) {
		if (sm_reconfigure_flags(m, flags, &err) < 0)
			return report_error(&err);
		char buf[64];
		sm_mount_format_flags(flags, buf, sizeof(buf));
		verbose("%s: flags now %s", a->dst, buf);
		return EXIT_OK;
	}

	/* The plan sees the mount's own tree as SRC (its mark, its owner on
	 * disk) and keeps the mount's backend. */
	a->plan.req.src_fd = m->src_fd;
	a->plan.req.src = m->entry.source;
	a->plan.req.backend = m->entry.backend;
	a->plan.req.flags = (a->plan.req.flags & SM_MOUNT_RECURSIVE) | flags;
	plan_options_finish(&a->plan);
	_cleanup_free_ struct sm_plan *plan = NULL;
	if (sm_plan(&a->plan.req, &plan, &err) < 0)
		return report_error(&err);
	if (cli_verbose) {
		char buf[SM_IDMAP_MAX_EXTENTS * 40];
		verbose("%s", plan->from);
		if (sm_idmap_format_spec(&plan->uid, &plan->gid, buf, sizeof(buf)) >= 0)
			verbose("new map (disk:host:count): %s", buf);
	}
	if (sm_reconfigure(m, plan, &err) < 0)
		return report_error(&err);
	verbose("%s: new map in place, the old mount detached (%s)", a->dst,
		sm_backend_name(plan->backend));
	if (plan->has_warning)
		fprintf(stderr, "shiftmount: %s\n", plan->warning.text);
	return EXIT_OK;
}
