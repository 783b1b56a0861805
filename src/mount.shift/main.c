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
#include "shiftmount/backend.h"
#include "util.h"

enum { EX_OK = 0, EX_USAGE = 1, EX_FAIL = 32 };

struct opts {
	int shift;
	const char *target; /* shift=TARGET */
	int have_ouid, have_ogid, have_range;
	uint32_t ouid, ogid, range;
	unsigned flags; /* SM_MOUNT_* */
	const char *socket;
	enum sm_backend backend;
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
		unsigned f = o->flags;
		if (!strcmp(tok, "shift")) {
			o->shift = 1;
			o->target = v && *v ? v : NULL;
		} else if (!strcmp(tok, "origin")) {
			if (num(tok, v, &o->ouid))
				return EX_USAGE;
			o->ogid = o->ouid;
			o->have_ouid = o->have_ogid = 1;
		} else if (!strcmp(tok, "origin-uid")) {
			if (num(tok, v, &o->ouid))
				return EX_USAGE;
			o->have_ouid = 1;
		} else if (!strcmp(tok, "origin-gid")) {
			if (num(tok, v, &o->ogid))
				return EX_USAGE;
			o->have_ogid = 1;
		} else if (!strcmp(tok, "range")) {
			if (num(tok, v, &o->range) || o->range == 0)
				return fail(EX_USAGE, "-o range: must be a number > 0");
			o->have_range = 1;
		} else if (!strcmp(tok, "rec") || !strcmp(tok, "rbind") ||
			   !strcmp(tok, "recursive")) {
			o->flags |= SM_MOUNT_RECURSIVE;
		} else if (!strcmp(tok, "backend")) {
			if (!v || sm_backend_parse(v, &o->backend) < 0)
				return fail(EX_USAGE, "-o backend: \"%s\": auto, kernel or fuse",
					    v ? v : "");
		} else if (!strcmp(tok, "socket") && v) {
			o->socket = v;
		} else if (!eq && sm_mount_parse_options(tok, &f, NULL) == 0) {
			o->flags = f;
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
	if (o->have_ouid || o->have_ogid || o->have_range)
		return fail(EX_USAGE, "in a container the origin and range come from SRC's mark; "
				      "drop origin=, origin-uid=, origin-gid=, range=");
	if (o->backend == SM_BACKEND_FUSE)
		return fail(EX_USAGE, "in a container shiftmountd makes kernel (idmapped) mounts "
				      "only; run shiftfs-fuse yourself for the FUSE backend");
	if (o->target && strcmp(o->target, "/proc/self/ns/user") != 0)
		return fail(EX_USAGE, "in a container the target is always this user namespace; "
				      "use a bare -o shift");
	/* nosuid,nodev: the daemon always sets them. */
	static struct sm_delegate_request req;
	req.readonly = !!(o->flags & SM_MOUNT_RDONLY);
	req.noexec = !!(o->flags & SM_MOUNT_NOEXEC);
	req.recursive = !!(o->flags & SM_MOUNT_RECURSIVE);
	_cleanup_close_ int srcfd = -EBADF;
	int r = sm_delegate_open_source(src, &req, &srcfd);
	if (r < 0)
		return fail(EX_USAGE, "%s: %s", src, strerror(-r));
	_cleanup_close_ int sock = -EBADF;
	r = sm_delegate_connect(o->socket, &sock);
	if (r < 0)
		return fail(EX_FAIL, "connecting to shiftmountd at %s: %s (is it running?)",
			    sm_delegate_socket_path(o->socket), strerror(-r));
	_cleanup_close_ int mntfd = -EBADF;
	char error[256], why[1024];
	struct sm_delegate_reply rep;
	r = sm_delegate_mount(sock, &req, srcfd, 30000, &mntfd, &rep, error, sizeof(error), why,
			      sizeof(why));
	if (r == -EREMOTEIO) {
		const char *e = strrchr(error, '.');
		return fail(EX_FAIL, "%s: refused by shiftmountd: %s (%s)", src, why,
			    e ? e + 1 : error);
	}
	if (r < 0)
		return fail(EX_FAIL, "%s: talking to shiftmountd: %s", src, strerror(-r));
	if (rep.warning[0])
		fprintf(stderr, "mount.shift: warning: %s: %s\n", src, rep.warning);
	r = sm_mount_attach(mntfd, AT_FDCWD, dst);
	if (r < 0)
		return fail(EX_FAIL, "attaching at %s: %s", dst, strerror(-r));
	return EX_OK;
}

/* Root of the initial namespace: make it here, like `shiftmount bind`. */
static int direct(const char *src, const char *dst, const struct opts *o)
{
	static struct sm_idmap tu, tg, mu, mg;
	int r;
	if (o->target) {
		_cleanup_close_ int nsfd = -EBADF;
		r = sm_userns_open_target(o->target, &nsfd);
		if (r < 0)
			return fail(EX_USAGE, "-o shift=%s: %s", o->target, strerror(-r));
		r = sm_userns_read_maps(nsfd, &tu, &tg);
		if (r < 0)
			return fail(EX_USAGE, "-o shift=%s: reading its maps: %s", o->target,
				    strerror(-r));
	} else {
		/* A bare shift by init root: the identity map, so interior u
		 * (= host u) is stored as origin+u. */
		if (sm_idmap_read_pid(getpid(), SM_UID, &tu) < 0 ||
		    sm_idmap_read_pid(getpid(), SM_GID, &tg) < 0)
			return fail(EX_FAIL, "reading this process's maps");
	}

	_cleanup_close_ int srcfd = open(src, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (srcfd < 0)
		return fail(EX_USAGE, "%s: %s", src, strerror(errno));

	/* Origin: options, else SRC's mark, else the site config, else 0. */
	struct sm_config conf;
	struct sm_error err = {.why = NULL};
	const char *conf_path = getenv("SHIFTMOUNT_CONFIG");
	if (!conf_path || !*conf_path)
		conf_path = SM_CONFIG_PATH;
	if (sm_config_load(conf_path, &conf, &err) < 0)
		return fail(EX_USAGE, "%s: \"%s\": %s", conf_path, err.token,
			    err.why ? err.why : "invalid");
	uint32_t ouid = conf.origin_uid, ogid = conf.origin_gid, range = conf.range;
	struct sm_mark mark;
	r = sm_mark_get(srcfd, &mark, &err);
	if (r == 0) {
		ouid = mark.origin_uid;
		ogid = mark.origin_gid;
		range = mark.range;
	} else if (r == -EBADMSG) {
		return fail(EX_USAGE, "%s: invalid mark: %s", src, err.why ? err.why : "?");
	}
	if (o->have_ouid)
		ouid = o->ouid;
	if (o->have_ogid)
		ogid = o->ogid;
	if (o->have_range)
		range = o->range;

	if (sm_idmap_shift(&tu, ouid, range, &mu) < 0 || sm_idmap_shift(&tg, ogid, range, &mg) < 0)
		return fail(EX_USAGE,
			    "the target's map has no id in the range 0-%u (or origin + "
			    "range passes 4294967294)",
			    range - 1);
	char owner[512];
	if (sm_idmap_owner_warning(srcfd, &mu, &mg, owner, sizeof(owner)) == 1)
		fprintf(stderr, "mount.shift: warning: %s: %s\n", src, owner);
	/* The backend choice is the library's, as for shiftmount bind. */
	enum sm_backend backend;
	r = sm_backend_choose(srcfd, "", o->backend, &backend);
	if (r < 0)
		return fail(EX_FAIL, "%s: probing for idmapped mounts: %s", src, strerror(-r));
	if (backend == SM_BACKEND_FUSE) {
		r = sm_fuse_mount(src, dst, &mu, &mg, o->flags, NULL);
		if (r < 0)
			return fail(EX_FAIL, "%s: shiftfs-fuse: %s", src, strerror(-r));
	} else {
		_cleanup_close_ int userns = -EBADF;
		r = sm_userns_from_maps(&mu, &mg, &userns);
		if (r < 0)
			return fail(EX_FAIL, "making the mount's user namespace: %s", strerror(-r));
		_cleanup_close_ int mntfd = -EBADF;
		r = sm_mount_clone_shifted(srcfd, "", userns, o->flags, &mntfd);
		if (r < 0)
			return fail(EX_FAIL, "%s: %s%s", src, strerror(-r),
				    r == -EINVAL ? " (this filesystem cannot be idmapped by the "
						   "kernel; try -o backend=fuse)"
						 : "");
		r = sm_mount_attach(mntfd, AT_FDCWD, dst);
		if (r < 0)
			return fail(EX_FAIL, "attaching at %s: %s", dst, strerror(-r));
	}
	if (o->verbose)
		fprintf(stderr, "mount.shift: %s on %s, origin %u:%u range %u, backend %s\n", src,
			dst, ouid, ogid, range, sm_backend_name(backend));
	return EX_OK;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: mount.shift SRC DST [-sfnv] [-o OPTIONS]\n"
		   "       mount -t shift [-o OPTIONS] SRC DST\n\n"
		   "OPTIONS: shift[=TARGET], origin=N, origin-uid=N, origin-gid=N, range=N,\n"
		   "ro, rw, nosuid, suid, nodev, dev, noexec, exec, rec (recursive, rbind),\n"
		   "backend=auto|kernel|fuse, socket=PATH.\n\n"
		   "  -f      check the options and DST only\n"
		   "  -v      say what was mounted\n"
		   "  -s, -n  accepted from mount(8) and ignored\n"
		   "See mount.shift(8).\n");
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	int fake = 0, c;
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
