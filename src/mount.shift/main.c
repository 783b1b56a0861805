/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mount.shift: the mount(8) helper, so that `mount -t shift SRC DST` and
 * /etc/fstab work.
 *
 *   mount.shift SRC DST [-sfnvN...] [-o OPTIONS]
 *
 * Run by root of the initial user namespace it makes the shifted mount
 * itself, like `shiftmount bind`.  Run by root of a container's user
 * namespace it asks shiftmountd, like `shiftmount request`: the thread's
 * `mount --bind --shift SRC DST`.  Exit status as mount(8)'s helpers: 0,
 * 1 bad usage or permissions, 32 the mount failed.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "shiftmount.h"
#include "util.h"

enum { EX_OK = 0, EX_USAGE = 1, EX_FAIL = 32 };

struct opts {
	int shift;
	int remount;		    /* -o remount: change the live mount at DST */
	int map_given;		    /* shift=, origin*=, range=: a new map */
	unsigned set, clr;	    /* SM_MOUNT_* the flag words turn on, off */
	struct sm_plan_request req; /* shift=TARGET, origin*=, range=, flags, backend= */
	const char *socket;
	int verbose;
};

__attribute__((format(printf, 2, 3))) static int fail(int status, const char *fmt, ...)
{
	va_list ap;
	fputs("mount.shift: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

static int num(const char *key, const char *v, uint32_t *ret)
{
	if (!v || sm_parse_id(v, ret) < 0)
		return fail(EX_USAGE, "-o %s: \"%s\": not a number in 0-4294967294", key,
			    v ? v : "");
	return 0;
}

static int parse_options(char *s, struct opts *o)
{
	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		char *eq = strchr(tok, '=');
		const char *v = eq ? eq + 1 : NULL;
		if (eq)
			*eq = '\0';
		struct sm_plan_request *q = &o->req;
		unsigned f = q->flags;
		if (!strcmp(tok, "shift") || !strcmp(tok, "origin") || !strcmp(tok, "origin-uid") ||
		    !strcmp(tok, "origin-gid") || !strcmp(tok, "range"))
			o->map_given = 1;
		if (!strcmp(tok, "remount")) {
			o->remount = 1;
		} else if (!strcmp(tok, "shift")) {
			o->shift = 1;
			q->target = v && *v ? v : NULL;
		} else if (!strcmp(tok, "origin")) {
			if (num(tok, v, &q->origin_uid))
				return EX_USAGE;
			q->origin_gid = q->origin_uid;
			q->have_origin_uid = q->have_origin_gid = 1;
			q->names.origin_uid = q->names.origin_gid = "-o origin";
		} else if (!strcmp(tok, "origin-uid")) {
			if (num(tok, v, &q->origin_uid))
				return EX_USAGE;
			q->have_origin_uid = 1;
			q->names.origin_uid = "-o origin-uid";
		} else if (!strcmp(tok, "origin-gid")) {
			if (num(tok, v, &q->origin_gid))
				return EX_USAGE;
			q->have_origin_gid = 1;
			q->names.origin_gid = "-o origin-gid";
		} else if (!strcmp(tok, "range")) {
			if (num(tok, v, &q->range) || q->range == 0)
				return fail(EX_USAGE, "-o range: must be a number > 0");
			q->have_range = 1;
		} else if (!strcmp(tok, "rec") || !strcmp(tok, "rbind") ||
			   !strcmp(tok, "recursive")) {
			q->flags |= SM_MOUNT_RECURSIVE;
		} else if (!strcmp(tok, "backend")) {
			if (!v || sm_backend_parse(v, &q->backend) < 0)
				return fail(EX_USAGE, "-o backend: \"%s\": auto, kernel or fuse",
					    v ? v : "");
		} else if (!strcmp(tok, "socket") && v) {
			o->socket = v;
		} else if (!eq && sm_mount_parse_options(tok, &f, NULL) == 0) {
			q->flags = f;
			/* For remount: what this word turns on or off. */
			unsigned on = 0, kept = ~0U;
			sm_mount_parse_options(tok, &on, NULL);
			sm_mount_parse_options(tok, &kept, NULL);
			o->set = (o->set & kept) | on;
			o->clr = (o->clr & ~on) | ~kept;
		} else if (!strcmp(tok, "defaults") || !strcmp(tok, "auto") ||
			   !strcmp(tok, "noauto") || !strcmp(tok, "nofail") ||
			   !strcmp(tok, "_netdev") || !strcmp(tok, "bind") ||
			   !strncmp(tok, "x-", 2) || !strcmp(tok, "comment")) {
			/* mount(8)'s own options: nothing for us. */
		} else {
			return fail(EX_USAGE, "-o %s: unknown option; see mount.shift(8)", tok);
		}
	}
	return 0;
}

/* Root of a container: through the daemon, along our own namespace. */
static int delegated(const char *src, const char *dst, const struct opts *o)
{
	const struct sm_plan_request *q = &o->req;
	if (q->have_origin_uid || q->have_origin_gid || q->have_range)
		return fail(EX_USAGE, "in a container the origin and range come from SRC's mark; "
				      "drop origin=, origin-uid=, origin-gid=, range=");
	if (q->backend == SM_BACKEND_FUSE)
		return fail(EX_USAGE, "in a container shiftmountd makes kernel (idmapped) mounts "
				      "only; run shiftfs-fuse yourself for the FUSE backend");
	if (q->target && strcmp(q->target, "/proc/self/ns/user") != 0)
		return fail(EX_USAGE, "in a container the target is always this user namespace; "
				      "use a bare -o shift");
	/* nosuid,nodev: the daemon always sets them. */
	_cleanup_free_ struct sm_delegate_request *req = calloc(1, sizeof(*req));
	if (!req)
		return fail(EX_FAIL, "%s", strerror(ENOMEM));
	req->readonly = !!(q->flags & SM_MOUNT_RDONLY);
	req->noexec = !!(q->flags & SM_MOUNT_NOEXEC);
	req->recursive = !!(q->flags & SM_MOUNT_RECURSIVE);
	_cleanup_close_ int srcfd = -EBADF;
	int r = sm_delegate_open_source(src, req, &srcfd);
	if (r < 0)
		return fail(EX_USAGE, "%s: %s", src, strerror(-r));
	_cleanup_close_ int sock = -EBADF;
	r = sm_delegate_connect(o->socket, &sock);
	if (r < 0)
		return fail(EX_FAIL, "connecting to shiftmountd at %s: %s (is it running?)",
			    sm_delegate_socket_path(o->socket), strerror(-r));
	_cleanup_close_ int mntfd = -EBADF;
	struct sm_error err;
	struct sm_delegate_reply rep;
	r = sm_delegate_mount(sock, req, srcfd, 30000, &mntfd, &rep, &err);
	if (r == -EREMOTEIO) {
		const char *e = strrchr(err.name, '.');
		return fail(EX_FAIL, "%s: refused by shiftmountd: %s (%s)", src, err.message,
			    e ? e + 1 : err.name);
	}
	if (r < 0)
		return fail(EX_FAIL, "%s: %s", src, err.message);
	if (rep.warning[0])
		fprintf(stderr, "mount.shift: warning: %s\n", rep.warning);
	r = sm_mount_attach(mntfd, AT_FDCWD, dst);
	if (r < 0)
		return fail(EX_FAIL, "attaching at %s: %s", dst, strerror(-r));
	return EX_OK;
}

/* The library's error, in mount(8)'s exit statuses. */
static int plan_error(const struct sm_error *e)
{
	fprintf(stderr, "mount.shift: %s\n", e->message);
	if (e->hint[0])
		fprintf(stderr, "  hint: %s\n", e->hint);
	return e->bad_input ? EX_USAGE : EX_FAIL;
}

/* Root of the initial namespace: make it here, as `shiftmount bind` does
 * (parse, plan, mount).  A bare "shift" goes along our own namespace, whose
 * map is the identity: interior u (= host u) is stored as origin+u. */
static int direct(const char *src, const char *dst, struct opts *o)
{
	_cleanup_close_ int srcfd = open(src, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (srcfd < 0)
		return fail(EX_USAGE, "%s: %s", src, strerror(errno));
	o->req.src_fd = srcfd;
	o->req.src = src;
	o->req.allow_initial = 1;

	_cleanup_free_ struct sm_plan *plan = NULL;
	struct sm_error err;
	if (sm_plan(&o->req, &plan, &err) < 0 ||
	    sm_plan_mount(plan, srcfd, src, -EBADF, dst, &err) < 0)
		return plan_error(&err);
	if (o->verbose)
		fprintf(stderr, "mount.shift: %s on %s, origin %u:%u range %u, backend %s\n", src,
			dst, plan->origin_uid, plan->origin_gid, plan->range,
			sm_backend_name(plan->backend));
	if (plan->has_warning)
		fprintf(stderr, "mount.shift: %s\n", plan->warning.text);
	return EX_OK;
}

/* -o remount: the live shifted mount at DST gets the new map (if any of
 * shift=, origin=, range= is given, planned as a new mount would be, with
 * the mount's own tree as SRC) or only the flags given; see
 * shiftmount-reconfigure in shiftmount(1). */
static int remount(const char *dst, struct opts *o)
{
	struct sm_error err;
	_cleanup_(sm_live_mount_freep) struct sm_live_mount *m = NULL;
	if (sm_live_mount_open(dst, &m, &err) < 0)
		return plan_error(&err);
	unsigned all = SM_MOUNT_RDONLY | SM_MOUNT_NOSUID | SM_MOUNT_NODEV | SM_MOUNT_NOEXEC;
	unsigned flags = ((m->entry.flags & ~o->clr) | o->set) & all;
	if (!o->map_given) {
		if (sm_reconfigure_flags(m, flags, &err) < 0)
			return plan_error(&err);
		return EX_OK;
	}
	o->req.src_fd = m->src_fd;
	o->req.src = m->entry.source;
	o->req.allow_initial = 1;
	o->req.backend = m->entry.backend;
	o->req.flags = (o->req.flags & SM_MOUNT_RECURSIVE) | flags;
	_cleanup_free_ struct sm_plan *plan = NULL;
	if (sm_plan(&o->req, &plan, &err) < 0 || sm_reconfigure(m, plan, &err) < 0)
		return plan_error(&err);
	if (o->verbose)
		fprintf(stderr, "mount.shift: %s reconfigured: %s\n", dst, plan->from);
	if (plan->has_warning)
		fprintf(stderr, "mount.shift: %s\n", plan->warning.text);
	return EX_OK;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: mount.shift SRC DST [-sfnv] [-o OPTIONS]\n"
		   "       mount -t shift [-o OPTIONS] SRC DST\n\n"
		   "OPTIONS: shift[=TARGET], origin=N, origin-uid=N, origin-gid=N, range=N,\n"
		   "ro, rw, nosuid, suid, nodev, dev, noexec, exec, rec (recursive, rbind),\n"
		   "backend=auto|kernel|fuse, socket=PATH; remount changes the live\n"
		   "shifted mount at DST (a new map, or only the flags given).\n\n"
		   "  -f      check the options and DST only\n"
		   "  -v      say what was mounted\n"
		   "  -s, -n  accepted from mount(8) and ignored\n"
		   "See mount.shift(8).\n");
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	int fake = 0, c;
	sm_plan_request_init(&o.req);
	o.req.names = (struct sm_plan_names){
		.program = "mount.shift",
		.target = "-o shift",
		.origin_ns = "-o origin-ns",
		.origin_uid = "-o origin-uid",
		.origin_gid = "-o origin-gid",
		.range = "-o range",
		.map = "-o map",
		.use_fuse = "-o backend=fuse",
	};
	/* mount(8) passes SRC DST first, then its options. */
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return EX_OK;
	}
	if (argc < 3) {
		usage(stderr);
		return EX_USAGE;
	}
	const char *src = argv[1], *dst = argv[2];
	optind = 3;
	while ((c = getopt(argc, argv, "sfnvo:t:N:")) != -1) {
		switch (c) {
		case 'o': {
			/* Parsed in place: shift=TARGET and socket=PATH keep
			 * pointing into argv. */
			int r = parse_options(optarg, &o);
			if (r)
				return r;
			break;
		}
		case 'f':
			fake = 1;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 's':
		case 'n':
		case 't':
			break;
		case 'N':
			return fail(EX_USAGE, "-N is not supported; enter the namespace first");
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc)
		return fail(EX_USAGE, "unexpected argument \"%s\"", argv[optind]);
	struct stat st;
	if (stat(dst, &st) < 0 || !S_ISDIR(st.st_mode))
		return fail(EX_USAGE, "%s: not a directory", dst);
	if (fake)
		return EX_OK;
	if (o.remount)
		return remount(dst, &o);

	_cleanup_close_ int self = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	int initial = self >= 0 ? sm_userns_is_initial(self) : -ENOENT;
	if (initial < 0)
		return fail(EX_FAIL, "cannot tell which user namespace this is: %s",
			    strerror(-initial));
	if (initial)
		return geteuid() == 0 ? direct(src, dst, &o)
				      : fail(EX_USAGE, "only root may mount; in a container, "
						       "run it as the container's root");
	return delegated(src, dst, &o);
}
