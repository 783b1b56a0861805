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
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>

#include "shiftmountd.h"
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

struct sender request_sender;

/* A connection may be handed to another process: name who sent the call
 * when that is not who connected. */
static void add_sender(char *who, size_t len, pid_t peer_pid)
{
	if (!request_sender.known || request_sender.pid == peer_pid)
		return;
	size_t wl = strlen(who);
	snprintf(who + wl, len - wl, " (sent by pid=%d uid=%u)", (int)request_sender.pid,
		 (unsigned)request_sender.uid);
}

static int user_uid(const char *user, uint32_t *ret)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return -ENOENT;
	*ret = res->pw_uid;
	return 0;
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
		refuse(o, ERR_BAD_SOURCE, "the passed fd is unusable: %s", strerror(errno));
		return -EBADF;
	}
	if (!(fl & O_PATH)) {
		refuse(o, ERR_BAD_SOURCE, "the passed fd must be an O_PATH fd of the directory");
		return -EINVAL;
	}
	if (!S_ISDIR(st.st_mode)) {
		refuse(o, ERR_BAD_SOURCE, "%s is %s, not a directory", req->path,
		       file_kind(st.st_mode));
		return -ENOTDIR;
	}
	if (has_dotdot(req->path)) {
		refuse(o, ERR_BAD_SOURCE, "%s contains \"..\"; name the directory directly",
		       req->path);
		return -EINVAL;
	}
	_cleanup_close_ int root = openat(p->procfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 || !peer_alive(p)) {
		refuse(o, ERR_PERMISSION_DENIED, "the caller exited");
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
			refuse(o, ERR_BAD_SOURCE,
			       "%s goes through a symlink or a /proc magic link; name the "
			       "directory itself",
			       req->path);
		else
			refuse(o, ERR_BAD_SOURCE, "%s does not resolve in the caller's root: %s",
			       req->path, strerror(e));
		return -e;
	}
	if (!same_dir(again, fd)) {
		refuse(o, ERR_BAD_SOURCE, "the passed fd is not the directory %s names", req->path);
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
		refuse(o, ERR_NO_SUCH_NAME,
		       "the registry %s is writable by others than root: names are not honoured",
		       daemon_config.registry);
		return -EPERM;
	}
	int r = sm_registry_lookup(daemon_config.registry, name, &path);
	if (r < 0) {
		refuse(o, ERR_NO_SUCH_NAME, "no mark named \"%s\" is registered", name);
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
		refuse(o, ERR_NO_SUCH_NAME,
		       "the path registered as \"%s\" passes through a symlink now: refused", name);
		return -ELOOP;
	}
	if (fd < 0) {
		refuse(o, ERR_NO_SUCH_NAME, "the directory registered as \"%s\" is gone: %s", name,
		       strerror(errno));
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
		refuse(o, ERR_NOT_MARKED,
		       "%s is on a FUSE filesystem, whose server answers xattr reads itself: "
		       "marks there are not honoured",
		       what);
		return -EPERM;
	}
	int r = sm_mark_get(fd, m, &err);
	if (r == -ENODATA) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		int forged = getxattr(path, "user.shiftmount", NULL, 0) >= 0;
		refuse(o, ERR_NOT_MARKED, "%s is not marked shiftable%s%s", what,
		       forged ? "; a user.shiftmount xattr is not a mark" : "",
		       by_name ? ""
			       : " (marks are not inherited: a subdirectory of a marked "
				 "directory needs its own mark)");
	} else if (r == -EBADMSG) {
		refuse(o, ERR_NOT_MARKED, "%s has an invalid trusted.shiftmount: \"%s\": %s", what,
		       err.token, err.why ? err.why : "invalid");
	} else if (r == -EOPNOTSUPP) {
		refuse(o, ERR_NOT_MARKED, "%s is on a filesystem without trusted xattrs", what);
	} else if (r < 0) {
		refuse(o, ERR_NOT_MARKED, "cannot read the mark of %s: %s", what, strerror(-r));
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
	_cleanup_kill_ pid_t pid = fork();
	if (pid < 0)
		return sm_negerrno();
	if (pid == 0) {
		/* The only writer: what the parent reads whole is all of it. */
		static struct inspection x;
		inspect(p, req, srcfd, &x);
		_exit(write(wr, &x, sizeof(x)) == (ssize_t)sizeof(x) ? 0 : 1);
	}
	sm_closep(&wr);
	wr = -EBADF;
	struct pollfd pf = {.fd = rd, .events = POLLIN};
	int n;
	do
		n = poll(&pf, 1, INSPECT_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return -ETIMEDOUT;
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

static void flags_text(unsigned f, char *buf, size_t len)
{
	snprintf(buf, len, "nosuid,nodev%s%s%s", f & SM_MOUNT_RDONLY ? ",ro" : "",
		 f & SM_MOUNT_NOEXEC ? ",noexec" : "", f & SM_MOUNT_RECURSIVE ? ",recursive" : "");
}

json_object *delegate_mount(int sock, json_object *params, int *fds, unsigned nfds, int *ret_fd)
{
	static struct sm_delegate_request req;
	const char *bad = NULL;
	struct sm_error o;
	struct peer p;
	char who[128] = "pid=? uid=?", what[PATH_MAX + 64] = "Mount";
	_cleanup_close_ int src = -EBADF;
	_cleanup_close_ int extra = -EBADF;
	_cleanup_close_ int nsfd = -EBADF;
	_cleanup_free_ struct sm_idmap *mu = NULL;
	_cleanup_free_ struct sm_idmap *mg = NULL;
	_cleanup_(sm_subid_free) struct sm_subid subuid = {0};
	_cleanup_(sm_subid_free) struct sm_subid subgid = {0};
	int r;

	memset(&req, 0, sizeof(req));
	sm_error_clear(&o);
	for (unsigned i = 1; i < nfds; i++)
		close(fds[i]);
	if (nfds > 0)
		src = fds[0];

	r = peer_identify(sock, &p, &o);
	if (r < 0) {
		add_sender(who, sizeof(who), 0);
		sm_error_name(&o, ERR_PERMISSION_DENIED);
		goto done;
	}
	peer_describe(&p, who, sizeof(who));
	add_sender(who, sizeof(who), p.pid);

	if (sm_delegate_request_decode(params, &req, &bad) < 0) {
		const char *b = bad ? bad : "?";
		if (!strcmp(b, "userns") || !strcmp(b, "pid") || !strcmp(b, "target") ||
		    !strcmp(b, "uid_map") || !strcmp(b, "origin"))
			refuse(&o, "org.varlink.service.InvalidParameter",
			       "parameter \"%s\" is not accepted: the target is always the "
			       "caller's "
			       "own user namespace and the origin comes from the mark",
			       b);
		else
			refuse(&o, "org.varlink.service.InvalidParameter",
			       "invalid or unknown parameter \"%s\"", b);
		snprintf(what, sizeof(what), "Mount (undecodable: %s)", b);
		goto done;
	}
	unsigned want = req.fd >= 0 ? 1 : 0;
	snprintf(what, sizeof(what), "Mount %s%s",
		 req.fd >= 0 ? "path=" : "name=", req.fd >= 0 ? req.path : req.name);
	if (nfds != want) {
		refuse(&o, ERR_BAD_SOURCE, "expected exactly %u fd%s with this call, got %u", want,
		       want == 1 ? "" : "s", nfds);
		goto done;
	}

	/* Who the caller is decides before anything about the source is
	 * revealed (does it exist, is it marked): the subordinate-id tables
	 * say whether its namespace is a container's at all. */
	const char *table = daemon_config.subuid;
	r = sm_subid_load(table, &subuid);
	if (r >= 0) {
		table = daemon_config.subgid;
		r = sm_subid_load(table, &subgid);
	}
	if (r < 0) {
		refuse(&o, ERR_CONFIG_UNREADABLE,
		       "the daemon cannot read %s: %s; no request is granted until it can", table,
		       strerror(-r));
		goto done;
	}
	struct sm_policy_input in = {
		.userns_initial = p.userns_initial,
		.cap_sys_admin = p.cap_sys_admin,
		.mntns_owned = p.mntns_owned,
		.uid_map = &p.uid_map,
		.gid_map = &p.gid_map,
		.by_name = req.fd < 0,
		.subuid = &subuid,
		.subgid = &subgid,
		.user_uid = user_uid,
	};
	if (sm_policy_check(&in, &o, NULL, NULL) == SM_POLICY_DENIED) {
		sm_error_name(&o, ERR_PERMISSION_DENIED);
		goto done;
	}

	if (req.fd < 0 && source_by_name(req.name, &extra, &o) < 0)
		goto done;
	int srcfd = req.fd >= 0 ? src : extra;

	static struct inspection x;
	memset(&x, 0, sizeof(x));
	r = inspect_in_child(&p, &req, srcfd, &x);
	if (r < 0) {
		refuse(&o, ERR_BAD_SOURCE,
		       r == -ETIMEDOUT ? "inspecting the source timed out: a filesystem on its "
					 "path does not answer"
				       : "inspecting the source failed: %s",
		       strerror(-r));
		goto done;
	}
	if (x.r < 0) {
		o = x.o;
		goto done;
	}
	struct sm_mark mark = x.mark;
	if (req.fd < 0 && strcmp(mark.name, req.name) != 0) {
		refuse(&o, ERR_NOT_MARKED,
		       "the directory registered as \"%s\" carries no mark of that name", req.name);
		goto done;
	}

	in.mark = &mark;
	mu = malloc(sizeof(*mu));
	mg = malloc(sizeof(*mg));
	enum sm_policy_verdict v = SM_POLICY_DENIED;
	if (mu && mg)
		v = sm_policy_check(&in, &o, mu, mg);
	else
		refuse(&o, ERR_PERMISSION_DENIED, "out of memory");
	if (v != SM_POLICY_ALLOW) {
		sm_error_name(&o,
			      v == SM_POLICY_NOT_MARKED ? ERR_NOT_MARKED : ERR_PERMISSION_DENIED);
		goto done;
	}

	unsigned flags = SM_MOUNT_NOSUID | SM_MOUNT_NODEV;
	if (req.readonly)
		flags |= SM_MOUNT_RDONLY;
	if (req.noexec)
		flags |= SM_MOUNT_NOEXEC;
	if (req.recursive)
		flags |= SM_MOUNT_RECURSIVE;

	r = sm_userns_from_maps(mu, mg, &nsfd);
	if (r < 0) {
		refuse(&o, ERR_MOUNT_FAILED, "cannot make the mount's user namespace: %s",
		       strerror(-r));
		goto done;
	}
	/* By path the mount lives in the caller's mount namespace; by name in
	 * the daemon's (the tenant never sees that path). */
	int mntfd = -EBADF;
	char sub[256] = "";
	r = clone_in_mntns(req.fd >= 0 ? p.mntns_fd : -EBADF, srcfd, nsfd, flags, &mark, &mntfd,
			   sub, sizeof(sub));
	if (r == -SUBMOUNT_UNMARKED) {
		refuse(&o, ERR_NOT_MARKED,
		       "submount %s under %s is not marked like it (with -r every submount "
		       "needs its own mark with the same origin, range and --by, and must not "
		       "be covered or on FUSE)",
		       sub, req.fd >= 0 ? req.path : req.name);
		goto done;
	}
	if (r == -SUBMOUNT_UNCOVERED) {
		/* The path is the host's: it goes to the log, not to the tenant. */
		log_msg("%s: Mount name=%s: %s is mounted over", who, req.name, sub);
		refuse(&o, ERR_BAD_SOURCE,
		       "a directory under \"%s\" is mounted over on the host; without -r the "
		       "clone would show what that mount hides, so it is refused (with -r the "
		       "mounts come along, each needing a mark like the top's)",
		       req.name);
		goto done;
	}
	if (r < 0) {
		refuse(&o, ERR_MOUNT_FAILED, "%s%s", strerror(-r),
		       r == -EINVAL ? " (the filesystem cannot be idmapped, the source is "
				      "already idmapped, or it is not in the caller's mount "
				      "namespace)"
				    : "");
		goto done;
	}

	struct sm_delegate_reply rep = {
		.origin_uid = mark.origin_uid, .origin_gid = mark.origin_gid, .range = mark.range};
	sm_idmap_format_proc(mu, rep.uid_map, sizeof(rep.uid_map));
	sm_idmap_format_proc(mg, rep.gid_map, sizeof(rep.gid_map));
	/* By name the tenant never learns the path: the text names the mark. */
	struct sm_plan_warning ow;
	if (sm_plan_owner_warning(srcfd, req.fd >= 0 ? req.path : req.name, mu, mg, mark.origin_uid,
				  mark.origin_gid, &ow) == 1)
		snprintf(rep.warning, sizeof(rep.warning), "%.1000s",
			 ow.text + strlen("warning: "));
	json_object *reply = sm_varlink_reply(sm_delegate_reply_encode(&rep));
	if (!reply) {
		close(mntfd);
		refuse(&o, ERR_MOUNT_FAILED, "out of memory");
		goto done;
	}
	char ftext[64], mapline[128];
	flags_text(flags, ftext, sizeof(ftext));
	snprintf(mapline, sizeof(mapline), "%.100s", rep.uid_map);
	mapline[strcspn(mapline, "\n")] = '\0';
	log_msg("%s: %s: allowed: origin %u:%u range %u, uid map \"%s\"%s, %s", who, what,
		mark.origin_uid, mark.origin_gid, mark.range, mapline, mu->n > 1 ? " ..." : "",
		ftext);
	peer_release(&p);
	*ret_fd = mntfd;
	return reply;

done:
	log_msg("%s: %s: refused: %s", who, what, o.message);
	peer_release(&p);
	/* NULL when out of memory: the caller answers with its fallback. */
	json_object *ep = json_object_new_object();
	int failed = 0;
	if (!strcmp(o.name, "org.varlink.service.InvalidParameter"))
		failed = sm_json_add_string(ep, "parameter", bad ? bad : "?") < 0;
	else if (!strcmp(o.name, ERR_NO_SUCH_NAME))
		failed = sm_json_add_string(ep, "name", req.name) < 0;
	if (failed || sm_json_add_string(ep, "reason", o.message) < 0) {
		json_object_put(ep);
		return NULL;
	}
	return sm_varlink_error(o.name, ep);
}
