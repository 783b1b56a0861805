/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The clone must be made inside the caller's mount namespace:
 * open_tree(OPEN_TREE_CLONE) refuses (EINVAL) a mount that belongs to
 * another namespace than the calling task's.  A short-lived child joins that
 * mount namespace only (it stays root of the initial user namespace, so it
 * may idmap), clones the fd it inherited and sends the detached mount back
 * over a socketpair.  The daemon itself never changes namespace.
 *
 * The clone's nosuid/nodev (and ro/noexec) must also be locked: a mount
 * handed to a tenant lands in a mount namespace its user namespace owns,
 * where its root could otherwise clear them (mount -o remount,bind,suid,dev
 * or mount_setattr) and open the image's device nodes.  The kernel locks a
 * mount's flags only when it copies the mount into a namespace owned by
 * another user namespace, so the child does exactly that: it attaches the
 * clone in a private namespace of its own, enters the mount's idmap user
 * namespace (one the daemon made, where the tenant holds no capability)
 * and unshares again; the copy there is re-cloned with MNT_LOCK_* set.
 */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>

#include "clone.h"
#include "config.h"
#include "fork.h"
#include "missing-syscall.h"
#include "util.h"

static int same_mark(const struct sm_mark *a, const struct sm_mark *b)
{
	if (a->origin_uid != b->origin_uid || a->origin_gid != b->origin_gid ||
	    a->range != b->range || a->n_by != b->n_by)
		return 0;
	for (unsigned i = 0; i < a->n_by; i++)
		if (a->by[i].is_user != b->by[i].is_user ||
		    (a->by[i].is_user ? strcmp(a->by[i].user, b->by[i].user) != 0
				      : a->by[i].uid != b->by[i].uid))
			return 0;
	return 1;
}

/* One submount of a recursive clone: reachable (not covered), not FUSE,
 * and marked exactly like the top. */
static int submount_ok(const char *mp, uint64_t mnt_id, const struct sm_mark *top)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int fd = sys_openat2(AT_FDCWD, mp, &how, sizeof(how));
	struct statx stx;
	struct statfs sfs;
	if (fd < 0 || statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0 ||
	    stx.stx_mnt_id != mnt_id || fstatfs(fd, &sfs) < 0 || sfs.f_type == FUSE_SUPER_MAGIC)
		return 0;
	char buf[SM_MARK_TEXT_MAX + 1];
	struct sm_mark m;
	ssize_t n = fgetxattr(fd, SM_MARK_XATTR, buf, sizeof(buf));
	return n >= 0 && sm_mark_parse(buf, (size_t)n, &m, NULL) == 0 && same_mark(&m, top);
}

struct submounts {
	uint64_t mnt_id; /* the clone's (check_submounts) or the source's */
	const struct sm_mark *top;
	const char *src; /* check_no_submounts: the source's path */
	size_t sl;
	char *what;
	size_t len;
};

static int marked_like_top(const struct sm_mountinfo_line *m, void *userdata)
{
	struct submounts *s = userdata;
	if (m->id == s->mnt_id)
		return 0;
	/* A FUSE server may never answer: refuse it untouched. */
	if (!strncmp(m->fstype, "fuse", 4) || !submount_ok(m->mount_point, m->id, s->top)) {
		snprintf(s->what, s->len, "%.200s", m->mount_point);
		return -SUBMOUNT_UNMARKED;
	}
	return 0;
}

/* A recursive clone takes whatever is mounted under the source in the
 * caller's namespace, where its root may have bind-mounted any directory
 * it can reach: unchecked, -r would shift that too.  So every submount must
 * carry its own mark, the same as the top's (marks are not inherited).
 * Runs chrooted into the clone: the mounts below "/" are exactly the
 * clone's.  On refusal `what` names the submount. */
static int check_submounts(int procfd, const struct sm_mark *top, char *what, size_t len)
{
	struct statx root;
	if (statx(AT_FDCWD, "/", 0, STATX_MNT_ID, &root) < 0)
		return -errno;
	struct submounts s = {.mnt_id = root.stx_mnt_id, .top = top, .what = what, .len = len};
	/* The table of the namespace the task is in now, through the procfs
	 * opened before any namespace of the caller's was joined. */
	return sm_mountinfo_each(procfd, "mountinfo", marked_like_top, &s);
}

static int covers_source(const struct sm_mountinfo_line *m, void *userdata)
{
	struct submounts *s = userdata;
	if (m->parent != s->mnt_id || m->id == s->mnt_id)
		return 0;
	const char *mp = m->mount_point;
	if (!strncmp(mp, s->src, s->sl) && (mp[s->sl] == '/' || mp[s->sl] == '\0')) {
		snprintf(s->what, s->len, "%.200s", mp);
		return -SUBMOUNT_UNCOVERED;
	}
	return 0;
}

/* A non-recursive clone shows what lies beneath the source's submounts.  In
 * the caller's own namespace the kernel refuses that where the submounts
 * are locked (made by a more privileged namespace); in the daemon's, where a
 * by-name clone is made, nothing is locked, and the host's over-mounts (a
 * tmpfs hiding a directory) would be uncovered for the tenant.  So, as the
 * kernel's rule would: refuse when a mount sits on the source's mount at or
 * below the source directory.  Reads the mountinfo of the namespace the
 * child is in now.  On refusal `what` names the submount. */
static int check_no_submounts(int procfd, int src_fd, char *what, size_t len)
{
	struct statx sx;
	char self[64], src[4096];
	if (statx(src_fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) < 0)
		return -errno;
	ssize_t n = readlink(sm_fd_path(self, src_fd), src, sizeof(src) - 1);
	if (n <= 0)
		return -EIO;
	src[n] = '\0';
	struct submounts s = {
		.mnt_id = sx.stx_mnt_id,
		.src = src,
		.sl = strcmp(src, "/") ? (size_t)n : 0, /* "/" prefixes every path */
		.what = what,
		.len = len,
	};
	return sm_mountinfo_each(procfd, "mountinfo", covers_source, &s);
}

static int lock_flags(int procfd, int mntfd, int userns_fd, unsigned flags,
		      const struct sm_mark *top, char *what, size_t len)
{
	struct mount_attr priv = {.propagation = MS_PRIVATE};
	if (unshare(CLONE_NEWNS) < 0 ||
	    sys_mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &priv, sizeof(priv)) < 0 ||
	    sys_move_mount(mntfd, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
	    fchdir(mntfd) < 0 || chroot(".") < 0)
		return -errno;
	if (flags & SM_MOUNT_RECURSIVE) {
		int r = check_submounts(procfd, top, what, len);
		if (r < 0)
			return r;
	}
	if (setns(userns_fd, CLONE_NEWUSER) < 0 || unshare(CLONE_NEWNS) < 0)
		return -errno;
	/* Root and cwd followed into the new namespace: "." is the locked copy. */
	int fd = sys_open_tree(AT_FDCWD, ".",
			       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
				       ((flags & SM_MOUNT_RECURSIVE) ? AT_RECURSIVE : 0));
	return fd < 0 ? -errno : fd;
}

struct clone_result {
	int r;
	char what[256];
};

static void child(int sock, int mntns_fd, int src_fd, int userns_fd, unsigned flags,
		  const struct sm_mark *top)
{
	int r = 0, mntfd = -1;
	struct clone_result res = {0};
	/* Not even the user namespace entered below may ptrace this child. */
	(void)prctl(PR_SET_DUMPABLE, 0);
	/* The daemon's procfs, before the caller's /proc could stand in. */
	int procfd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		r = -errno;
	if (r == 0 && mntns_fd >= 0 && setns(mntns_fd, CLONE_NEWNS) < 0)
		r = -errno;
	if (r == 0 && mntns_fd < 0 && !(flags & SM_MOUNT_RECURSIVE))
		r = check_no_submounts(procfd, src_fd, res.what, sizeof(res.what));
	if (r == 0)
		r = sm_mount_clone_shifted(src_fd, "", userns_fd, flags, &mntfd);
	if (r == 0) {
		r = lock_flags(procfd, mntfd, userns_fd, flags, top, res.what, sizeof(res.what));
		mntfd = r < 0 ? -1 : r;
		r = r < 0 ? r : 0;
	}
	res.r = r;

	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = {&res, sizeof(res)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (r == 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = &cm;
		mh.msg_controllen = sizeof(cm);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &mntfd, sizeof(int));
	}
	_exit(sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? 1 : 0);
}

int clone_in_mntns(int mntns_fd, int src_fd, int userns_fd, unsigned flags,
		   const struct sm_mark *top, int *ret_mntfd, char *what, size_t len)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return sm_negerrno();
	_cleanup_close_ int parent_end = sp[0];
	_cleanup_close_ int child_end = sp[1];

	/* What the child works with, and nothing else. */
	const int keep[] = {child_end, mntns_fd, src_fd, userns_fd};
	_cleanup_kill_ pid_t pid = 0;
	int r = safe_fork(keep, ELEMENTSOF(keep), &pid);
	if (r < 0)
		return r;
	if (r == 0)
		child(child_end, mntns_fd, src_fd, userns_fd, flags, top);
	child_end = safe_close(child_end);

	struct pollfd pfd = {.fd = parent_end, .events = POLLIN};
	int n;
	do
		n = poll(&pfd, 1, daemon_config.clone_timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		abandon_child(&pid);
		return -ETIMEDOUT;
	}
	if (n < 0)
		return sm_negerrno();

	struct clone_result res = {.r = -EIO};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} cm;
	struct iovec iov = {&res, sizeof(res)};
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &cm, .msg_controllen = sizeof(cm)};
	ssize_t got = recvmsg(parent_end, &mh, MSG_CMSG_CLOEXEC);
	r = res.r;
	if (got != (ssize_t)sizeof(res))
		r = -EIO;
	int mntfd = -EBADF;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		unsigned nfd = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (unsigned i = 0; i < nfd; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (mntfd < 0)
				mntfd = fd;
			else
				close(fd);
		}
	}
	if (r < 0) {
		sm_closep(&mntfd);
		res.what[sizeof(res.what) - 1] = '\0';
		snprintf(what, len, "%s", res.what);
		return r;
	}
	if (mntfd < 0)
		return -EIO;
	*ret_mntfd = mntfd;
	return 0;
}
