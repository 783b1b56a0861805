/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * io.shiftmount.Delegate.Mount: the privileged operation, and why each step
 * is safe (bubblewrap's habit).
 *  - The caller is identified by the kernel (peer.c), never by what it says;
 *    the target namespace is the caller's own: no parameter names one.
 *  - By path, the source is the O_PATH fd the caller opened itself, so the
 *    kernel has already checked that the caller can reach it (permissions,
 *    ACLs, its root and mount namespace).  The path it names is re-resolved
 *    in the caller's root without symlinks, magic links or "..", and must
 *    give the same directory: what the log and the mark check see is what
 *    the tenant named.  The daemon never opens a tenant's string otherwise.
 *  - By name, the registry (admin-owned) gives the path and the mark must
 *    carry that name: a stale registry entry grants nothing.
 *  - The mark is read from the source directory itself; marks are not
 *    inherited by subdirectories.
 *  - The mount is always nosuid and nodev, idmapped along a namespace the
 *    daemon makes from the mark and the caller's maps, and leaves here only
 *    as a detached fd: a refusal leaves nothing mounted anywhere.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>

#include "clone.h"
#include "config.h"
#include "fork.h"
#include "log.h"
#include "request.h"
#include "missing-syscall.h"
#include "util.h"

/* A refusal: the reply's error name and its reason (no errno text: the
 * reason says what the caller can change). */
__attribute__((format(printf, 3, 4))) static void refuse(struct sm_error *e, const char *name,
							 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sm_error_setv(e, EPERM, 0, 0, fmt, ap);
	va_end(ap);
	sm_error_name(e, name);
}

/* A connection may be handed to another process: name who sent the call
 * when that is not who connected. */
static void add_sender(char *who, size_t len, const struct sender *s, pid_t peer_pid)
{
	if (!s || !s->known || s->pid == peer_pid)
		return;
	size_t wl = strlen(who);
	snprintf(who + wl, len - wl, " (sent by pid=%d uid=%u)", (int)s->pid, (unsigned)s->uid);
}

static const char *file_kind(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFIFO:
		return "a fifo";
	case S_IFLNK:
		return "a symlink";
	default:
		return "not a directory";
	}
}

static int has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return 1;
	return 0;
}

static int same_dir(int a, int b)
{
	struct statx sa, sb;
	if (statx(a, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_MNT_ID, &sa) < 0 ||
	    statx(b, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_MNT_ID, &sb) < 0)
		return 0;
	return sa.stx_ino == sb.stx_ino && sa.stx_dev_major == sb.stx_dev_major &&
	       sa.stx_dev_minor == sb.stx_dev_minor && sa.stx_mnt_id == sb.stx_mnt_id;
}

/* By path: check the passed fd against the path the caller named. */
static int source_by_path(const struct peer *p, const struct sm_delegate_request *req, int fd,
			  struct sm_error *o)
{
	int fl = fcntl(fd, F_GETFL);
	struct stat st;
	if (fl < 0 || fstat(fd, &st) < 0) {
		refuse(o, SM_DELEGATE_BAD_SOURCE, "the passed fd is unusable: %s", strerror(errno));
		return -EBADF;
	}
	if (!(fl & O_PATH)) {
		refuse(o, SM_DELEGATE_BAD_SOURCE,
		       "the passed fd must be an O_PATH fd of the directory");
		return -EINVAL;
	}
	if (!S_ISDIR(st.st_mode)) {
		refuse(o, SM_DELEGATE_BAD_SOURCE, "%s is %s, not a directory", req->path,
		       file_kind(st.st_mode));
		return -ENOTDIR;
	}
	if (has_dotdot(req->path)) {
		refuse(o, SM_DELEGATE_BAD_SOURCE, "%s contains \"..\"; name the directory directly",
		       req->path);
		return -EINVAL;
	}
	_cleanup_close_ int root = openat(p->procfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 || !peer_alive(p)) {
		refuse(o, SM_DELEGATE_PERMISSION_DENIED, "the caller exited");
		return -ESRCH;
	}
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	_cleanup_close_ int again = sys_openat2(root, req->path, &how, sizeof(how));
	if (again < 0) {
		int e = errno;
		if (e == ELOOP)
			refuse(o, SM_DELEGATE_BAD_SOURCE,
			       "%s goes through a symlink or a /proc magic link; name the "
			       "directory itself",
			       req->path);
		else
			refuse(o, SM_DELEGATE_BAD_SOURCE,
			       "%s does not resolve in the caller's root: %s", req->path,
			       strerror(e));
		return -e;
	}
	if (!same_dir(again, fd)) {
		refuse(o, SM_DELEGATE_BAD_SOURCE, "the passed fd is not the directory %s names",
		       req->path);
		return -EXDEV;
	}
	return 0;
}

static int source_by_name(const char *name, int *ret_fd, struct sm_error *o)
{
	_cleanup_free_ char *path = NULL;
	struct stat st;
	/* Whoever may write the registry may name any marked directory. */
	if (stat(daemon_config.registry, &st) == 0 && (st.st_uid != 0 || (st.st_mode & 022))) {
		refuse(o, SM_DELEGATE_NO_SUCH_NAME,
		       "the registry %s is writable by others than root: names are not honoured",
		       daemon_config.registry);
		return -EPERM;
	}
	int r = sm_registry_lookup(daemon_config.registry, name, &path);
	if (r < 0) {
		refuse(o, SM_DELEGATE_NO_SUCH_NAME, "no mark named \"%s\" is registered", name);
		return r;
	}
	/* No symlink anywhere in the path: whoever can write a parent directory
	 * of a registered path could otherwise redirect it, and the mark-name
	 * check would be the only barrier left. */
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = path[0] == '/' ? sys_openat2(AT_FDCWD, path, &how, sizeof(how)) : -1;
	if (fd < 0 && path[0] != '/')
		errno = EINVAL;
	if (fd < 0 && errno == ELOOP) {
		refuse(o, SM_DELEGATE_NO_SUCH_NAME,
		       "the path registered as \"%s\" passes through a symlink now: refused", name);
		return -ELOOP;
	}
	if (fd < 0) {
		refuse(o, SM_DELEGATE_NO_SUCH_NAME,
		       "the directory registered as \"%s\" is gone: %s", name, strerror(errno));
		return sm_negerrno();
	}
	*ret_fd = fd;
	return 0;
}

static int read_mark(int fd, const char *what, int by_name, struct sm_mark *m, struct sm_error *o)
{
	struct sm_error err;
	struct statfs sfs;
	/* Only the kernel's own filesystems enforce that trusted.* comes from
	 * init-namespace root: a FUSE server (which a tenant may run in its
	 * user namespace) answers xattr reads itself and could forge a mark. */
	if (fstatfs(fd, &sfs) == 0 && sfs.f_type == FUSE_SUPER_MAGIC) {
		refuse(o, SM_DELEGATE_NOT_MARKED,
		       "%s is on a FUSE filesystem, whose server answers xattr reads itself: "
		       "marks there are not honoured",
		       what);
		return -EPERM;
	}
	int r = sm_mark_get(fd, m, &err);
	if (r == -ENODATA) {
		char path[64];
		int forged = getxattr(sm_fd_path(path, fd), "user.shiftmount", NULL, 0) >= 0;
		refuse(o, SM_DELEGATE_NOT_MARKED, "%s is not marked shiftable%s%s", what,
		       forged ? "; a user.shiftmount xattr is not a mark" : "",
		       by_name ? ""
			       : " (marks are not inherited: a subdirectory of a marked "
				 "directory needs its own mark)");
	} else if (r == -EBADMSG) {
		refuse(o, SM_DELEGATE_NOT_MARKED,
		       "%s has an invalid trusted.shiftmount: \"%s\": %s", what, err.token,
		       err.why ? err.why : "invalid");
	} else if (r == -EOPNOTSUPP) {
		refuse(o, SM_DELEGATE_NOT_MARKED, "%s is on a filesystem without trusted xattrs",
		       what);
	} else if (r < 0) {
		refuse(o, SM_DELEGATE_NOT_MARKED, "cannot read the mark of %s: %s", what,
		       strerror(-r));
	}
	return r;
}

/* What the daemon learns by touching the source's filesystems: the path
 * re-resolution walks the caller's tree and the mark is read from the
 * directory, and a filesystem there (a tenant's FUSE server, a dead NFS
 * server) may never answer.  So this runs in a child that is killed after a
 * timeout, and the daemon's loop is held up for at most that long. */
struct inspection {
	int r;
	struct sm_error o;
	struct sm_mark mark;
};

#define INSPECT_TIMEOUT_MS 5000

static void inspect(const struct peer *p, const struct sm_delegate_request *req, int srcfd,
		    struct inspection *x)
{
	const char *what = req->fd >= 0 ? req->path : req->name;
	x->r = 0;
	if (req->fd >= 0 && source_by_path(p, req, srcfd, &x->o) < 0)
		x->r = -1;
	else if (read_mark(srcfd, what, req->fd < 0, &x->mark, &x->o) < 0)
		x->r = -1;
}

static int inspect_in_child(const struct peer *p, const struct sm_delegate_request *req, int srcfd,
			    struct inspection *ret)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return sm_negerrno();
	_cleanup_close_ int rd = pfd[0];
	_cleanup_close_ int wr = pfd[1];
	/* What inspect() touches, and nothing else. */
	const int keep[] = {wr, srcfd, p->pidfd, p->procfd};
	_cleanup_kill_ pid_t pid = 0;
	int r = safe_fork(keep, ELEMENTSOF(keep), &pid);
	if (r < 0)
		return r;
	if (r == 0) {
		/* The only writer: what the parent reads whole is all of it. */
		struct inspection *x = calloc(1, sizeof(*x));
		if (!x)
			_exit(1);
		inspect(p, req, srcfd, x);
		_exit(write(wr, x, sizeof(*x)) == (ssize_t)sizeof(*x) ? 0 : 1);
	}
	wr = safe_close(wr);
	struct pollfd pf = {.fd = rd, .events = POLLIN};
	int n;
	do
		n = poll(&pf, 1, INSPECT_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		abandon_child(&pid);
		return -ETIMEDOUT;
	}
	if (n < 0)
		return sm_negerrno();
	/* More than PIPE_BUF may come in pieces; the child's exit ends it. */
	size_t got = 0;
	while (got < sizeof(*ret)) {
		ssize_t k = read(rd, (char *)ret + got, sizeof(*ret) - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	return got == sizeof(*ret) ? 0 : -EIO;
}

/* One Mount call on its way through the straight line below: what was
 * asked, what was found out, and the refusal when there is one. */
struct mount_call {
	const struct peer *p;
	struct sm_delegate_request req;
	const char *bad; /* the parameter that did not decode */
	char who[128], what[PATH_MAX + 64];
	struct sm_subid subuid, subgid;
	struct sm_policy_input in;
	int passed_fd; /* by path: the caller's O_PATH fd */
	int named_fd;  /* by name: the registered directory */
	int srcfd;     /* whichever of the two is the source */
	struct sm_mark mark;
	struct sm_idmap uid, gid; /* the mount's maps, disk -> host */
	unsigned flags;
	struct sm_error err;
};

static void mount_call_free(struct mount_call **cp)
{
	struct mount_call *c = *cp;
	if (!c)
		return;
	sm_closep(&c->passed_fd);
	sm_closep(&c->named_fd);
	sm_subid_free(&c->subuid);
	sm_subid_free(&c->subgid);
	free(c);
}

/* The name the caller asked for, as the log and (by name) the tenant see it. */
static const char *asked(const struct mount_call *c)
{
	return c->req.fd >= 0 ? c->req.path : c->req.name;
}

/* The parameters, and exactly the fds they call for. */
static int decode(struct mount_call *c, json_object *params, unsigned nfds)
{
	if (sm_delegate_request_decode(params, &c->req, &c->bad) < 0) {
		const char *b = c->bad ? c->bad : "?";
		if (!strcmp(b, "userns") || !strcmp(b, "pid") || !strcmp(b, "target") ||
		    !strcmp(b, "uid_map") || !strcmp(b, "origin"))
			refuse(&c->err, SM_VARLINK_INVALID_PARAMETER,
			       "parameter \"%s\" is not accepted: the target is always the "
			       "caller's own user namespace and the origin comes from the mark",
			       b);
		else
			refuse(&c->err, SM_VARLINK_INVALID_PARAMETER,
			       "invalid or unknown parameter \"%s\"", b);
		snprintf(c->what, sizeof(c->what), "Mount (undecodable: %s)", b);
		return -EINVAL;
	}
	snprintf(c->what, sizeof(c->what), "Mount %s%s",
		 c->req.fd >= 0 ? "path=" : "name=", asked(c));
	unsigned want = c->req.fd >= 0 ? 1 : 0;
	if (nfds != want) {
		refuse(&c->err, SM_DELEGATE_BAD_SOURCE,
		       "expected exactly %u fd%s with this call, got %u", want,
		       want == 1 ? "" : "s", nfds);
		return -EINVAL;
	}
	return 0;
}

/* Decide on the caller, before anything about the source is revealed (does
 * it exist, is it marked): the subordinate-id tables say whether its
 * namespace is a container's at all.  The caller's half of the policy. */
static int decide_caller(struct mount_call *c)
{
	const char *table = daemon_config.subuid;
	int r = sm_subid_load(table, &c->subuid);
	if (r >= 0) {
		table = daemon_config.subgid;
		r = sm_subid_load(table, &c->subgid);
	}
	if (r < 0) {
		refuse(&c->err, SM_DELEGATE_CONFIG_UNREADABLE,
		       "the daemon cannot read %s: %s; no request is granted until it can", table,
		       strerror(-r));
		return r;
	}
	c->in = (struct sm_policy_input){
		.userns_initial = c->p->facts.userns_initial,
		.cap_sys_admin = c->p->facts.cap_sys_admin,
		.mntns_owned = c->p->facts.mntns_owned,
		.uid_map = &c->p->facts.uid_map,
		.gid_map = &c->p->facts.gid_map,
		.by_name = c->req.fd < 0,
		.subuid = &c->subuid,
		.subgid = &c->subgid,
		.user_uid = sm_policy_user_uid,
	};
	if (sm_policy_check_caller(&c->in, &c->err) != SM_POLICY_ALLOW) {
		sm_error_name(&c->err, SM_DELEGATE_PERMISSION_DENIED);
		return -EPERM;
	}
	return 0;
}

/* The source directory and its mark: by path the caller's fd checked
 * against its path, by name the registry's directory; its filesystems are
 * touched only in the inspection child. */
static int resolve_source(struct mount_call *c)
{
	if (c->req.fd < 0 && source_by_name(c->req.name, &c->named_fd, &c->err) < 0)
		return -ENOENT;
	c->srcfd = c->req.fd >= 0 ? c->passed_fd : c->named_fd;

	_cleanup_free_ struct inspection *x = calloc(1, sizeof(*x));
	int r = x ? inspect_in_child(c->p, &c->req, c->srcfd, x) : -ENOMEM;
	if (r < 0) {
		refuse(&c->err, SM_DELEGATE_BAD_SOURCE,
		       r == -ETIMEDOUT ? "inspecting the source timed out: a filesystem on its "
					 "path does not answer"
				       : "inspecting the source failed: %s",
		       strerror(-r));
		return r;
	}
	if (x->r < 0) {
		c->err = x->o;
		return -EPERM;
	}
	c->mark = x->mark;
	if (c->req.fd < 0 && strcmp(c->mark.name, c->req.name) != 0) {
		refuse(&c->err, SM_DELEGATE_NOT_MARKED,
		       "the directory registered as \"%s\" carries no mark of that name",
		       c->req.name);
		return -EPERM;
	}
	return 0;
}

/* The mark's half of the policy, and the mount's maps. */
static int decide_mark(struct mount_call *c)
{
	c->in.mark = &c->mark;
	enum sm_policy_verdict v = sm_policy_check_mark(&c->in, &c->err, &c->uid, &c->gid);
	if (v != SM_POLICY_ALLOW) {
		sm_error_name(&c->err, v == SM_POLICY_NOT_MARKED ? SM_DELEGATE_NOT_MARKED
								 : SM_DELEGATE_PERMISSION_DENIED);
		return -EPERM;
	}
	c->flags = SM_MOUNT_NOSUID | SM_MOUNT_NODEV;
	if (c->req.readonly)
		c->flags |= SM_MOUNT_RDONLY;
	if (c->req.noexec)
		c->flags |= SM_MOUNT_NOEXEC;
	if (c->req.recursive)
		c->flags |= SM_MOUNT_RECURSIVE;
	return 0;
}

/* The detached mount: a user namespace carrying the maps, and the clone
 * made along it.  By path the mount lives in the caller's mount namespace;
 * by name in the daemon's (the tenant never sees that path). */
static int make_mount(struct mount_call *c, int *ret_mntfd)
{
	_cleanup_close_ int nsfd = -EBADF;
	int r = sm_userns_from_maps(&c->uid, &c->gid, &nsfd);
	if (r < 0) {
		refuse(&c->err, SM_DELEGATE_MOUNT_FAILED,
		       "cannot make the mount's user namespace: %s", strerror(-r));
		return r;
	}
	char sub[256] = "";
	r = clone_in_mntns(c->req.fd >= 0 ? c->p->mntns_fd : -EBADF, c->srcfd, nsfd, c->flags,
			   &c->mark, ret_mntfd, sub, sizeof(sub));
	if (r == -SUBMOUNT_UNMARKED)
		refuse(&c->err, SM_DELEGATE_NOT_MARKED,
		       "submount %s under %s is not marked like it (with -r every submount "
		       "needs its own mark with the same origin, range and --by, and must not "
		       "be covered or on FUSE)",
		       sub, asked(c));
	else if (r == -SUBMOUNT_UNCOVERED) {
		/* The path is the host's: it goes to the log, not to the tenant. */
		log_msg("%s: Mount name=%s: %s is mounted over", c->who, c->req.name, sub);
		refuse(&c->err, SM_DELEGATE_BAD_SOURCE,
		       "a directory under \"%s\" is mounted over on the host; without -r the "
		       "clone would show what that mount hides, so it is refused (with -r the "
		       "mounts come along, each needing a mark like the top's)",
		       c->req.name);
	} else if (r < 0)
		refuse(&c->err, SM_DELEGATE_MOUNT_FAILED, "%s%s", strerror(-r),
		       r == -EINVAL ? " (the filesystem cannot be idmapped, the source is "
				      "already idmapped, or it is not in the caller's mount "
				      "namespace)"
				    : "");
	return r;
}

/* The reply that goes with the mount fd; NULL (and the refusal set) when it
 * cannot be built. */
static json_object *granted(struct mount_call *c)
{
	struct sm_delegate_reply rep = {
		.origin_uid = c->mark.origin_uid,
		.origin_gid = c->mark.origin_gid,
		.range = c->mark.range,
	};
	sm_idmap_format_proc(&c->uid, rep.uid_map, sizeof(rep.uid_map));
	sm_idmap_format_proc(&c->gid, rep.gid_map, sizeof(rep.gid_map));
	/* By name the tenant never learns the path: the text names the mark. */
	struct sm_plan_warning ow;
	if (sm_plan_owner_warning(c->srcfd, asked(c), &c->uid, &c->gid, c->mark.origin_uid,
				  c->mark.origin_gid, &ow) == 1)
		snprintf(rep.warning, sizeof(rep.warning), "%.1000s",
			 ow.text + strlen("warning: "));
	json_object *reply = sm_varlink_reply(sm_delegate_reply_encode(&rep));
	if (!reply) {
		refuse(&c->err, SM_DELEGATE_MOUNT_FAILED, "out of memory");
		return NULL;
	}
	char ftext[64], mapline[128];
	sm_mount_format_flags(c->flags, ftext, sizeof(ftext));
	snprintf(mapline, sizeof(mapline), "%.100s", rep.uid_map);
	mapline[strcspn(mapline, "\n")] = '\0';
	log_msg("%s: %s: allowed: origin %u:%u range %u, uid map \"%s\"%s, %s", c->who, c->what,
		c->mark.origin_uid, c->mark.origin_gid, c->mark.range, mapline,
		c->uid.n > 1 ? " ..." : "", ftext);
	return reply;
}

/* The refusal as the reply's error, logged; NULL when out of memory. */
static json_object *refused(const struct mount_call *c)
{
	log_msg("%s: %s: refused: %s", c->who, c->what, c->err.message);
	json_object *ep = json_object_new_object();
	int failed = 0;
	if (!strcmp(c->err.name, SM_VARLINK_INVALID_PARAMETER))
		failed = sm_json_add_string(ep, "parameter", c->bad ? c->bad : "?") < 0;
	else if (!strcmp(c->err.name, SM_DELEGATE_NO_SUCH_NAME))
		failed = sm_json_add_string(ep, "name", c->req.name) < 0;
	if (failed || sm_json_add_string(ep, "reason", c->err.message) < 0) {
		json_object_put(ep);
		return NULL;
	}
	return sm_varlink_error(c->err.name, ep);
}

/* The straight line: decode, decide on the caller, resolve the source,
 * decide on its mark, make the mount.  The first step that refuses ends it;
 * nothing before the last step leaves anything behind. */
json_object *delegate_mount(const struct peer *p, const struct sender *s, json_object *params,
			    int *fds, unsigned nfds, int *ret_fd)
{
	_cleanup_(mount_call_free) struct mount_call *c = calloc(1, sizeof(*c));
	if (!c) {
		for (unsigned i = 0; i < nfds; i++)
			close(fds[i]);
		return NULL;
	}
	c->p = p;
	c->passed_fd = nfds > 0 ? fds[0] : -EBADF;
	c->named_fd = c->srcfd = -EBADF;
	for (unsigned i = 1; i < nfds; i++)
		close(fds[i]);
	peer_describe(p, c->who, sizeof(c->who));
	add_sender(c->who, sizeof(c->who), s, p->pid);
	snprintf(c->what, sizeof(c->what), "Mount");

	/* The connection outlived its connecting process: whoever holds it
	 * now is not who was identified. */
	if (!peer_alive(p)) {
		refuse(&c->err, SM_DELEGATE_PERMISSION_DENIED, "the caller exited: %s",
		       strerror(ESRCH));
		return refused(c);
	}
	int mntfd = -EBADF;
	if (decode(c, params, nfds) < 0 || decide_caller(c) < 0 || resolve_source(c) < 0 ||
	    decide_mark(c) < 0 || make_mount(c, &mntfd) < 0)
		return refused(c);
	json_object *reply = granted(c);
	if (!reply) {
		close(mntfd);
		return refused(c);
	}
	*ret_fd = mntfd;
	return reply;
}
