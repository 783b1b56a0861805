/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The clone must be made inside the caller's mount namespace:
 * open_tree(OPEN_TREE_CLONE) refuses (EINVAL) a mount that belongs to
 * another namespace than the calling task's.  A short-lived child joins that
 * mount namespace only (it stays root of the initial user namespace, so it
 * may idmap), clones the fd it inherited and sends the detached mount back
 * over a socketpair.  The daemon itself never changes namespace.
 */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>

#include "shiftmountd.h"
#include "util.h"

static void child(int sock, int mntns_fd, int src_fd, int userns_fd, unsigned flags)
{
	int r = 0, mntfd = -1;
	if (mntns_fd >= 0 && setns(mntns_fd, CLONE_NEWNS) < 0)
		r = -errno;
	if (r == 0)
		r = sm_mount_clone_shifted(src_fd, "", userns_fd, flags, &mntfd);

	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = {&r, sizeof(r)};
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

int clone_in_mntns(int mntns_fd, int src_fd, int userns_fd, unsigned flags, int *ret_mntfd)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return sm_negerrno();
	_cleanup_close_ int parent_end = sp[0];
	_cleanup_close_ int child_end = sp[1];

	_cleanup_kill_ pid_t pid = fork();
	if (pid < 0)
		return sm_negerrno();
	if (pid == 0) {
		sm_closep(&parent_end);
		child(child_end, mntns_fd, src_fd, userns_fd, flags);
	}
	sm_closep(&child_end);
	child_end = -EBADF;

	struct pollfd pfd = {.fd = parent_end, .events = POLLIN};
	int n;
	do
		n = poll(&pfd, 1, daemon_config.clone_timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return -ETIMEDOUT;
	if (n < 0)
		return sm_negerrno();

	int r = -EIO;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} cm;
	struct iovec iov = {&r, sizeof(r)};
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &cm, .msg_controllen = sizeof(cm)};
	ssize_t got = recvmsg(parent_end, &mh, MSG_CMSG_CLOEXEC);
	if (got != (ssize_t)sizeof(r))
		return -EIO;
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
		return r;
	}
	if (mntfd < 0)
		return -EIO;
	*ret_mntfd = mntfd;
	return 0;
}
