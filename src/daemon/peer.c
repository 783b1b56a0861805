/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who is asking, found out once when the connection is accepted and kept
 * with it (peer.h).  A pid alone is never trusted: SO_PEERPIDFD gives a pidfd
 * for the process that connected, its namespaces come from the pidfd, and
 * /proc/PID is opened and then checked against the pidfd (a pid is not
 * reused while its process lives, so a live pidfd after the open proves the
 * directory is that process's).  Whatever is read through that directory
 * afterwards fails with ESRCH rather than describing another process.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/nsfs.h>

#include "peer.h"
#include "missing-syscall.h"
#include "util.h"

static int fail(struct peer *p, int r, struct sm_error *err, const char *msg)
{
	peer_release(p);
	return sm_error_failed(err, r, "%s", msg);
}

int peer_alive(const struct peer *p)
{
	return sys_pidfd_send_signal(p->pidfd, 0, NULL, 0) == 0;
}

/* Which quota a connection counts against: the uid of a peer in the
 * initial namespace; else its top-level user namespace (the child of the
 * initial one: a container and everything nested in it, whatever uids it
 * owns), keyed by the uid that created it when that is not root (all of a
 * rootless user's containers, whose ids are that user's subordinate ones).
 * Not the subuid owner for containers made by root: rootful runtimes take
 * every container's ids from one owner, and one container would then hold
 * the quota of all.  -ESRCH when the chain of namespaces cannot be walked
 * to the initial one. */
static int principal(struct peer *p)
{
	if (p->facts.userns_initial) {
		p->principal = p->uid;
		return 0;
	}
	uint64_t key = 0;
	int ns = p->userns_fd; /* ours from the second level on */
	for (int depth = 0; depth < 40; depth++) {
		int parent = ioctl(ns, NS_GET_PARENT);
		if (parent < 0)
			break;
		if (sm_userns_is_initial(parent) == 1) {
			uid_t owner = 0;
			struct stat st;
			if (ioctl(ns, NS_GET_OWNER_UID, &owner) == 0 && owner != 0)
				key = owner;
			else if (fstat(ns, &st) == 0)
				key = (1ULL << 63) | st.st_ino;
			close(parent);
			break;
		}
		if (ns != p->userns_fd)
			close(ns);
		ns = parent;
	}
	if (ns != p->userns_fd)
		close(ns);
	if (key == 0)
		return -ESRCH;
	p->principal = key;
	return 0;
}

int peer_identify(int sock, struct peer *p, struct sm_error *err)
{
	struct ucred cred;
	socklen_t sl = sizeof(cred);
	int r;

	*p = (struct peer){
		.pidfd = -EBADF, .procfd = -EBADF, .userns_fd = -EBADF, .mntns_fd = -EBADF};
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &sl) < 0)
		return fail(p, sm_negerrno(), err, "SO_PEERCRED");
	p->pid = cred.pid;
	p->uid = cred.uid;
	p->gid = cred.gid;
	if (p->pid <= 0)
		return fail(p, -ESRCH, err, "the peer's pid is not visible to the daemon");

	sl = sizeof(p->pidfd);
	if (getsockopt(sock, SOL_SOCKET, SO_PEERPIDFD, &p->pidfd, &sl) < 0)
		return fail(p, sm_negerrno(), err, "SO_PEERPIDFD (Linux 6.5+) unavailable");

	char path[32];
	snprintf(path, sizeof(path), "/proc/%d", (int)p->pid);
	p->procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p->procfd < 0 || !peer_alive(p))
		return fail(p, -ESRCH, err, "the caller exited");

	p->userns_fd = ioctl(p->pidfd, PIDFD_GET_USER_NAMESPACE, 0);
	if (p->userns_fd < 0)
		return fail(p, sm_negerrno(), err, "the caller's user namespace");
	p->mntns_fd = ioctl(p->pidfd, PIDFD_GET_MNT_NAMESPACE, 0);
	if (p->mntns_fd < 0)
		return fail(p, sm_negerrno(), err, "the caller's mount namespace");
	(void)fcntl(p->userns_fd, F_SETFD, FD_CLOEXEC);
	(void)fcntl(p->mntns_fd, F_SETFD, FD_CLOEXEC);

	struct stat st;
	if (fstat(p->userns_fd, &st) < 0)
		return fail(p, sm_negerrno(), err, "fstat user namespace");
	p->userns_ino = st.st_ino;

	/* The maps and capabilities must be those of the namespace the pidfd
	 * gave: a process may unshare a new one meanwhile (sm_caller_read
	 * checks), and a process that exited must not be described by
	 * whatever took its pid. */
	r = sm_caller_read(p->procfd, p->userns_fd, p->mntns_fd, &p->facts);
	if (r == 0 && !peer_alive(p))
		r = -ESRCH;
	if (r == -ESRCH)
		return fail(p, r, err, "the caller exited");
	if (r == -EAGAIN)
		return fail(p, r, err, "the caller changed its user namespace");
	if (r < 0)
		return fail(p, r, err, "reading the caller's /proc entry");
	r = principal(p);
	if (r < 0)
		return fail(p, r, err, "the caller's top-level user namespace");
	return 0;
}

void peer_release(struct peer *p)
{
	p->pidfd = safe_close(p->pidfd);
	p->procfd = safe_close(p->procfd);
	p->userns_fd = safe_close(p->userns_fd);
	p->mntns_fd = safe_close(p->mntns_fd);
}

void peer_describe(const struct peer *p, char *buf, size_t len)
{
	snprintf(buf, len, "pid=%d uid=%u userns=%" PRIu64, (int)p->pid, (unsigned)p->uid,
		 p->userns_ino);
}
