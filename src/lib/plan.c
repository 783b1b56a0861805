/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The plan of one shifted mount: target, origin and range (or explicit maps)
 * turned into the maps the kernel or shiftfs-fuse gets, with every check the
 * contract asks for made before anything is touched; then the mount itself,
 * attached as the very last step.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "shiftmount/backend.h"
#include "shiftmount/config.h"
#include "shiftmount/mark.h"
#include "shiftmount/mount.h"
#include "shiftmount/plan.h"
#include "shiftmount/userns.h"
#include "util.h"

void sm_plan_request_init(struct sm_plan_request *req)
{
	*req = (struct sm_plan_request){
		.src_fd = -EBADF,
		.target_fd = -EBADF,
		.backend = SM_BACKEND_AUTO,
		.names =
			{
				.program = "shiftmount",
				.target = "--shift",
				.origin_ns = "--origin-ns",
				.origin_uid = "--origin-uid",
				.origin_gid = "--origin-gid",
				.range = "--range",
				.map = "--map",
				.use_fuse = "--backend=fuse",
				.fuse_options = "--fuse-options",
			},
	};
}

/* Whether `fd` is on a FUSE filesystem, which the kernel idmaps only when
 * its server asked for it (FUSE_ALLOW_IDMAP, Linux 6.12+). */
static int on_fuse(int fd)
{
	struct statfs sf;
	return fd >= 0 && fstatfs(fd, &sf) == 0 && (unsigned long)sf.f_type == FUSE_SUPER_MAGIC;
}

/* What to try when the kernel refused the idmapped mount of `src_fd`. */
static const char *kernel_hint(int r, int src_fd, const struct sm_plan_names *n, char *buf,
			       size_t len)
{
	switch (r) {
	case -EINVAL:
		if (on_fuse(src_fd))
			snprintf(buf, len,
				 "a FUSE filesystem can be idmapped only when its server allows "
				 "it (Linux 6.12+): mount a shiftfs-fuse SRC with 'shiftfs-fuse -o "
				 "idmap', or use %s",
				 n->use_fuse);
		else
			snprintf(buf, len,
				 "this filesystem cannot be idmapped by the kernel; use %s",
				 n->use_fuse);
		return buf;
	case -EPERM:
		snprintf(buf, len,
			 "idmapping a filesystem needs root in the user namespace that mounted "
			 "it (the host's, for most); inside a container use 'shiftmount "
			 "request' (shiftmountd) or %s",
			 n->use_fuse);
		return buf;
	case -ENOSPC:
		return "the mount table is full (not the disk): see /proc/sys/fs/mount-max";
	case -ENOSYS:
		snprintf(buf, len, "this kernel has no idmapped mounts (Linux 5.12+); use %s",
			 n->use_fuse);
		return buf;
	default:
		return NULL;
	}
}

/* The user namespace of TARGET (or our own), refused when it is the initial
 * one unless the request allows that for our own. */
static int open_target(const struct sm_plan_request *req, const char *opt, const char *target,
		       int *ret_fd, struct sm_error *e)
{
	const char *t = target ? target : "/proc/self/ns/user";
	int r = sm_userns_open_target(t, ret_fd);
	switch (r) {
	case 0:
		break;
	case -EINVAL:
		return sm_error_input(e, r,
				      "%s: \"%s\": must be a PID or a user-namespace file such as "
				      "/proc/PID/ns/user",
				      opt, t);
	case -ESRCH:
		return sm_error_input(e, r, "%s: \"%s\": no such process", opt, t);
	case -ENOTTY:
		return sm_error_input(e, r, "%s: \"%s\": not a user namespace", opt, t);
	case -ENOENT:
	case -ENOTDIR:
		return sm_error_input(e, r, "%s: \"%s\": %s", opt, t, strerror(-r));
	default:
		return sm_error_failed_hint(e, r, NULL, "%s: \"%s\"", opt, t);
	}
	r = sm_userns_is_initial(*ret_fd);
	if (r > 0 && !(req->allow_initial && !target)) {
		sm_closep(ret_fd);
		*ret_fd = -EBADF;
		if (!target)
			return sm_error_input(
				e, -EINVAL,
				"%s: needs a TARGET (a PID or /proc/PID/ns/user) in the initial "
				"user namespace",
				opt);
		return sm_error_input(
			e, -EINVAL,
			"%s: \"%s\": is the initial user namespace; its ids need no shifting", opt,
			t);
	}
	return 0;
}

/* The maps of a user namespace, with the outer column in the ids of the
 * caller's own namespace: that is what the kernel (a namespace made for the
 * mount) and shiftfs-fuse (which sees ids as its namespace does) expect.
 * Another namespace is read by a helper that joins it, and /proc/PID/uid_map
 * then speaks our ids.  Our own namespace (a bare --shift inside a
 * container) cannot be re-entered, and /proc/self/uid_map speaks the
 * parent's ids; in our own ids each interior id is itself. */
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

/* The target's maps (interior -> our ids), from its fd or its name. */
static int target_maps(const struct sm_plan_request *req, struct sm_idmap *tu, struct sm_idmap *tg,
		       struct sm_error *e)
{
	const char *opt = req->names.target;
	_cleanup_close_ int own = -EBADF;
	int fd = req->target_fd;
	if (fd < 0) {
		int r = open_target(req, opt, req->target, &own, e);
		if (r < 0)
			return r;
		fd = own;
	} else {
		int r = sm_userns_is_initial(fd);
		if (r > 0)
			return sm_error_input(
				e, -EINVAL,
				"%s: is the initial user namespace; its ids need no shifting", opt);
	}
	int r = read_ns_maps(fd, tu, tg);
	if (r < 0)
		return sm_error_failed_hint(e, r, NULL, "%s: reading the maps of \"%s\"", opt,
					    req->target ? req->target : "our user namespace");
	return 0;
}

/* Origin as a user namespace: the target's and its maps composed. */
static int plan_origin_ns(const struct sm_plan_request *req, const struct sm_idmap *tu,
			  const struct sm_idmap *tg, struct sm_plan *p, struct sm_error *e)
{
	const char *opt = req->names.origin_ns;
	_cleanup_close_ int ofd = -EBADF;
	int r = open_target(req, opt, req->origin_ns, &ofd, e);
	if (r < 0)
		return r;
	_cleanup_free_ struct sm_idmap *ou = malloc(sizeof(*ou)), *og = malloc(sizeof(*og));
	if (!ou || !og)
		return sm_error_failed_hint(e, -ENOMEM, NULL, "%s", opt);
	r = read_ns_maps(ofd, ou, og);
	if (r < 0)
		return sm_error_failed_hint(e, r, NULL, "%s: reading the maps of \"%s\"", opt,
					    req->origin_ns);
	uint32_t range = req->have_range ? req->range : SM_DEFAULT_RANGE;
	r = sm_idmap_compose(tu, ou, range, &p->uid);
	if (r == 0)
		r = sm_idmap_compose(tg, og, range, &p->gid);
	if (r == -ENOENT)
		return sm_error_input(e, r,
				      "%s: \"%s\": shares no interior id below %u with the target",
				      opt, req->origin_ns, range);
	if (r < 0)
		return sm_error_failed_hint(e, r, NULL, "%s", opt);
	struct sm_error err;
	if (sm_idmap_validate(&p->uid, &err) < 0 || sm_idmap_validate(&p->gid, &err) < 0)
		return sm_error_input(e, -EINVAL, "%s: \"%s\": the composed map is invalid: %s: %s",
				      opt, req->origin_ns, err.token, err.why);
	snprintf(p->from, sizeof(p->from), "origin from the namespace %s", req->origin_ns);
	return 0;
}

struct origin {
	uint32_t uid, gid, range;
	const char *uid_from, *gid_from; /* for messages: an option, or "origin" */
	char from[PATH_MAX + 32];
};

/* Origin precedence: the request > SRC's mark > the config file > 0. */
static int find_origin(const struct sm_plan_request *req, struct origin *o, struct sm_error *e)
{
	*o = (struct origin){0, 0, SM_DEFAULT_RANGE, "origin", "origin", "the default"};
	if (req->have_origin_uid && req->have_origin_gid && req->have_range)
		goto given;

	const char *conf_path = req->config_path ? req->config_path : sm_config_path();
	struct sm_config conf;
	struct sm_error err;
	int r = sm_config_load(conf_path, &conf, &err);
	if (r == -EINVAL)
		return sm_error_input(e, r, "%s: %s: %s", conf_path, err.token, err.why);
	if (r < 0)
		return sm_error_failed_hint(e, r, NULL, "%s", conf_path);
	o->uid = conf.origin_uid;
	o->gid = conf.origin_gid;
	o->range = conf.range;
	if (access(conf_path, F_OK) == 0)
		snprintf(o->from, sizeof(o->from), "%s", conf_path);

	struct sm_mark mark;
	r = sm_mark_get(req->src_fd, &mark, &err);
	if (r == 0) {
		o->uid = mark.origin_uid;
		o->gid = mark.origin_gid;
		o->range = mark.range;
		snprintf(o->from, sizeof(o->from), "the mark of %s", req->src);
	} else if (r == -EBADMSG) {
		return sm_error_failed_hint(
			e, r,
			"fix it with 'shiftmount mark', or remove it with 'shiftmount "
			"unmark'",
			"%s: invalid mark (%s)", req->src, err.why ? err.why : "?");
	} else if (r != -ENODATA && r != -EOPNOTSUPP && r != -ENOTDIR) {
		/* A file as SRC has no mark either (-ENOTDIR). */
		return sm_error_failed_hint(e, r, NULL, "%s: reading its mark", req->src);
	}
given:
	if (req->have_origin_uid) {
		o->uid = req->origin_uid;
		o->uid_from = req->names.origin_uid;
	}
	if (req->have_origin_gid) {
		o->gid = req->origin_gid;
		o->gid_from = req->names.origin_gid;
	}
	if (req->have_range)
		o->range = req->range;
	if (req->have_origin_uid && req->have_origin_gid)
		snprintf(o->from, sizeof(o->from), "the options");
	return 0;
}

static int check_origin(const struct sm_plan_request *req, const char *opt, uint32_t origin,
			uint32_t range, const char *from, struct sm_error *e)
{
	if ((uint64_t)origin + range - 1 > SM_ID_MAX)
		return sm_error_input(
			e, -ERANGE,
			"%s: \"%u\": ORIGIN+RANGE-1 (%u+%u-1, from %s) passes 4294967294; "
			"lower the origin or the %s",
			opt, origin, origin, range, from, req->names.range);
	return 0;
}

/* Origin as ids: the one formula along the target's maps. */
static int plan_origin(const struct sm_plan_request *req, const struct sm_idmap *tu,
		       const struct sm_idmap *tg, struct sm_plan *p, struct sm_error *e)
{
	struct origin o;
	int r = find_origin(req, &o, e);
	if (r < 0)
		return r;
	if ((r = check_origin(req, o.uid_from, o.uid, o.range, o.from, e)) < 0 ||
	    (r = check_origin(req, o.gid_from, o.gid, o.range, o.from, e)) < 0)
		return r;
	r = sm_idmap_shift(tu, o.uid, o.range, &p->uid);
	if (r == 0)
		r = sm_idmap_shift(tg, o.gid, o.range, &p->gid);
	if (r == -ENOENT)
		return sm_error_input(e, r, "%s: \"%s\": maps no interior id below the range %u",
				      req->names.target,
				      req->target ? req->target : "/proc/self/ns/user", o.range);
	if (r < 0)
		return sm_error_failed_hint(e, r, NULL, "%s: computing the map", req->names.target);
	p->has_origin = 1;
	p->origin_uid = o.uid;
	p->origin_gid = o.gid;
	p->range = o.range;
	snprintf(p->from, sizeof(p->from), "origin uid %u gid %u, range %u, from %s", o.uid, o.gid,
		 o.range, o.from);
	return 0;
}

static int plan_maps(const struct sm_plan_request *req, struct sm_plan *p, struct sm_error *e)
{
	if (req->map_uid || req->map_gid) {
		const char *opt = req->names.map;
		if (!req->map_uid || req->map_uid->n == 0 || !req->map_gid || req->map_gid->n == 0)
			return sm_error_input(e, -EINVAL, "%s: no %s extent; add %s: or b: entries",
					      opt,
					      !req->map_uid || req->map_uid->n == 0 ? "uid" : "gid",
					      !req->map_uid || req->map_uid->n == 0 ? "u" : "g");
		struct sm_error err;
		if (sm_idmap_validate(req->map_uid, &err) < 0 ||
		    sm_idmap_validate(req->map_gid, &err) < 0)
			return sm_error_input(e, -EINVAL, "%s: \"%s\": %s", opt, err.token,
					      err.why ? err.why : "invalid");
		p->uid = *req->map_uid;
		p->gid = *req->map_gid;
		snprintf(p->from, sizeof(p->from), "explicit %s", opt);
		return 0;
	}

	_cleanup_free_ struct sm_idmap *tu = malloc(sizeof(*tu)), *tg = malloc(sizeof(*tg));
	if (!tu || !tg)
		return sm_error_failed_hint(e, -ENOMEM, NULL, "%s", req->names.target);
	int r = target_maps(req, tu, tg, e);
	if (r < 0)
		return r;
	if (req->origin_ns)
		return plan_origin_ns(req, tu, tg, p, e);
	return plan_origin(req, tu, tg, p, e);
}

/* "100000-165535" for each extent's disk side, as far as it fits. */
static void disk_ranges(const struct sm_idmap *m, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < m->n && n < len; i++) {
		uint32_t first = m->ext[i].inner, count = m->ext[i].count;
		int w = count == 1 ? snprintf(buf + n, len - n, "%s%u", i ? "," : "", first)
				   : snprintf(buf + n, len - n, "%s%u-%u", i ? "," : "", first,
					      (uint32_t)((uint64_t)first + count - 1));
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

/* The disk id a fix would chown to: the one the target's root (host id of
 * interior 0, or else the map's first host id) stores as, i.e. the origin. */
static uint32_t origin_of(const struct sm_plan *p, const struct sm_idmap *m, uint32_t origin)
{
	uint32_t disk;
	if (p->has_origin)
		return origin;
	if (sm_idmap_to_inner(m, 0, &disk) == 0)
		return disk;
	return m->ext[0].inner;
}

int sm_plan_owner_warning(int src_fd, const char *shown, const struct sm_idmap *uid,
			  const struct sm_idmap *gid, uint32_t fix_uid, uint32_t fix_gid,
			  struct sm_plan_warning *w)
{
	struct stat st;
	uint32_t host;
	if (fstat(src_fd, &st) < 0)
		return -errno;
	*w = (struct sm_plan_warning){.owner_uid = st.st_uid, .owner_gid = st.st_gid};
	if (sm_idmap_to_outer(uid, st.st_uid, &host) < 0)
		w->outside |= SM_UID;
	if (sm_idmap_to_outer(gid, st.st_gid, &host) < 0)
		w->outside |= SM_GID;
	if (!w->outside)
		return 0;

	char ur[256], gr[256], which[600];
	disk_ranges(uid, ur, sizeof(ur));
	disk_ranges(gid, gr, sizeof(gr));
	if (w->outside == SM_BOTH)
		snprintf(which, sizeof(which),
			 "uid %u and gid %u, outside the uid map (disk %s) and the gid map "
			 "(disk %s)",
			 w->owner_uid, w->owner_gid, ur, gr);
	else if (w->outside == SM_UID)
		snprintf(which, sizeof(which), "uid %u, outside the uid map (disk %s)",
			 w->owner_uid, ur);
	else
		snprintf(which, sizeof(which), "gid %u, outside the gid map (disk %s)",
			 w->owner_gid, gr);
	snprintf(w->text, sizeof(w->text),
		 "warning: %s is owned on disk by %s: through the mount it belongs to nobody "
		 "and creating in it fails with EACCES; fix: chown %u:%u %s (the origin), or "
		 "choose an origin whose range holds its owner",
		 shown, which, fix_uid, fix_gid, shown);
	return 1;
}

/* Issue 12's trap: SRC owned on disk by an id the map leaves out. */
static void check_owner(const struct sm_plan_request *req, struct sm_plan *p)
{
	p->has_warning =
		sm_plan_owner_warning(req->src_fd, req->src, &p->uid, &p->gid,
				      origin_of(p, &p->uid, p->origin_uid),
				      origin_of(p, &p->gid, p->origin_gid), &p->warning) == 1;
}

/* The options of shiftfs-fuse the plan gives it itself: the map, the flags,
 * and where and how it mounts. */
static const char *const plan_sets[] = {
	"map",	  "shift",     "origin", "origin-uid", "origin_uid", "origin-gid", "origin_gid",
	"range",  "recursive", "rbind",	 "beneath",    "fuse_fd",    "ro",	   "rw",
	"nosuid", "suid",      "nodev",	 "dev",	       "noexec",     "exec",
};

/* The request's extra options for shiftfs-fuse, checked and copied; what
 * shiftfs-fuse itself does not know it refuses when it starts. */
static int plan_fuse_options(const struct sm_plan_request *req, struct sm_plan *p,
			     struct sm_error *err)
{
	const char *o = req->fuse_options, *what = req->names.fuse_options;
	if (!o || !*o)
		return 0;
	if (req->backend == SM_BACKEND_KERNEL)
		return sm_error_input(
			err, EINVAL,
			"%s: options of shiftfs-fuse, but the kernel backend was asked "
			"for",
			what);
	if (strlen(o) >= sizeof(p->fuse_options))
		return sm_error_input(err, EINVAL, "%s: longer than %zu bytes", what,
				      sizeof(p->fuse_options) - 1);
	for (const unsigned char *c = (const unsigned char *)o; *c; c++)
		if (*c <= ' ' || *c >= 0x7f)
			return sm_error_input(err, EINVAL,
					      "%s: \"%s\": printable ASCII only, no spaces", what,
					      o);
	for (const char *t = o;; t++) {
		size_t n = strcspn(t, ",="), len = strcspn(t, ",");
		if (len == 0)
			return sm_error_input(err, EINVAL, "%s: \"%s\": an empty option", what, o);
		for (size_t i = 0; i < ELEMENTSOF(plan_sets); i++)
			if (sm_word_is(t, n, plan_sets[i]))
				return sm_error_input(err, EINVAL,
						      "%s: \"%.*s\": set by shiftmount itself (the "
						      "map, -o, -r, where it mounts)",
						      what, (int)len, t);
		t += len;
		if (!*t)
			break;
	}
	snprintf(p->fuse_options, sizeof(p->fuse_options), "%s", o);
	return 0;
}

int sm_plan(const struct sm_plan_request *req, struct sm_plan **ret_plan, struct sm_error *err)
{
	_cleanup_free_ struct sm_plan *p = calloc(1, sizeof(*p));
	if (!p)
		return sm_error_failed_hint(err, -ENOMEM, NULL, "planning the mount");
	sm_idmap_init(&p->uid);
	sm_idmap_init(&p->gid);
	p->flags = req->flags;
	p->requested = req->backend;
	p->names = req->names;

	int r = plan_fuse_options(req, p, err);
	if (r < 0)
		return r;
	r = plan_maps(req, p, err);
	if (r < 0)
		return r;

	char hint[384];
	r = sm_backend_choose(req->src_fd, "", req->backend, &p->backend);
	if (r < 0)
		return sm_error_failed_hint(
			err, r, kernel_hint(r, req->src_fd, &req->names, hint, sizeof(hint)),
			"%s: probing for idmapped mounts", req->src);

	check_owner(req, p);
	*ret_plan = steal_pointer(p);
	return 0;
}

int sm_plan_clone(const struct sm_plan *plan, int src_fd, const char *src, int *ret_mntfd,
		  struct sm_error *err)
{
	_cleanup_close_ int nsfd = -EBADF, mntfd = -EBADF;
	char hint[384];
	if (plan->backend != SM_BACKEND_KERNEL)
		return sm_error_input(
			err, -EOPNOTSUPP,
			"%s: a detached mount needs the kernel backend (idmapped mounts)", src);
	int r = sm_userns_from_maps(&plan->uid, &plan->gid, &nsfd);
	if (r < 0)
		return sm_error_failed_hint(
			err, r,
			r == -EPERM ? "writing these maps needs root in the initial user "
				      "namespace"
				    : NULL,
			"creating the user namespace for the mount");
	r = sm_mount_clone_shifted(src_fd, "", nsfd, plan->flags, &mntfd);
	if (r < 0)
		return sm_error_failed_hint(
			err, r, kernel_hint(r, src_fd, &plan->names, hint, sizeof(hint)),
			"%s: making the shifted mount", src);
	*ret_mntfd = TAKE_FD(mntfd);
	return 0;
}

static int mount_kernel(const struct sm_plan *p, const struct sm_plan_names *names, int src_fd,
			const char *src, int dst_fd, const char *dst, struct sm_error *e)
{
	_cleanup_close_ int mntfd = -EBADF;
	char hint[384];
	int r = sm_plan_clone(p, src_fd, src, &mntfd, e);
	if (r < 0)
		return r;
	r = dst_fd >= 0 ? sm_mount_attach(mntfd, dst_fd, "")
			: sm_mount_attach(mntfd, AT_FDCWD, dst);
	if (r < 0)
		return sm_error_failed_hint(
			e, r, r == -ENOSPC ? kernel_hint(r, -1, names, hint, sizeof(hint)) : NULL,
			"%s: attaching the mount", dst);
	return 0;
}

static int mount_fuse(const struct sm_plan *p, const struct sm_plan_names *names, const char *src,
		      const char *dst, struct sm_error *e)
{
	int r = sm_fuse_mount(src, dst, &p->uid, &p->gid, p->flags, p->fuse_options);
	if (r == -ENOENT) {
		char hint[384];
		snprintf(hint, sizeof(hint),
			 "install shiftfs-fuse next to %s or on $PATH, or set SHIFTFS_FUSE",
			 names->program);
		return sm_error_failed_hint(e, r, hint, "%s: starting shiftfs-fuse", src);
	}
	if (r < 0) {
		/* shiftfs-fuse said why on stderr; -EINVAL: it refused its input. */
		sm_error_input(e, r, "%s: shiftfs-fuse could not mount it", dst);
		e->bad_input = r == -EINVAL;
		return r;
	}
	return 0;
}

int sm_plan_mount(const struct sm_plan *plan, int src_fd, const char *src, int dst_fd,
		  const char *dst, struct sm_error *err)
{
	if (plan->backend == SM_BACKEND_FUSE)
		return mount_fuse(plan, &plan->names, src, dst, err);
	return mount_kernel(plan, &plan->names, src_fd, src, dst_fd, dst, err);
}
