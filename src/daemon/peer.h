/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who is asking: a connection's peer, identified once when it is accepted
 * and kept with the connection. */
#ifndef SHIFTMOUNTD_PEER_H
#define SHIFTMOUNTD_PEER_H

#include <stdint.h>
#include <sys/types.h>

#include "shiftmount.h"
#include "caller.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
/* pidfs ioctls (Linux 6.11): the namespaces of the process a pidfd names. */
#define SM_PIDFS_IOCTL_MAGIC 0xFF
#ifndef PIDFD_GET_MNT_NAMESPACE
#define PIDFD_GET_MNT_NAMESPACE _IO(SM_PIDFS_IOCTL_MAGIC, 3)
#endif
#ifndef PIDFD_GET_USER_NAMESPACE
#define PIDFD_GET_USER_NAMESPACE _IO(SM_PIDFS_IOCTL_MAGIC, 9)
#endif

/* The peer of a connection, as the kernel vouches for it. */
struct peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int pidfd;
	int procfd;    /* /proc/PID, known to be this process's */
	int userns_fd; /* its user namespace */
	int mntns_fd;  /* its mount namespace */
	uint64_t userns_ino;
	struct sm_caller facts; /* what the policy learns about it */
	/* Which quota its connections count against (peer_principal()). */
	uint64_t principal;
};

/* Identify the peer of a connected socket.  -errno with *err set; the
 * peer is released on failure. */
int peer_identify(int sock, struct peer *p, struct sm_error *err);
/* 1 while the peer's process is still alive. */
int peer_alive(const struct peer *p);
void peer_release(struct peer *p);
/* "pid=N uid=N userns=N" for the log. */
void peer_describe(const struct peer *p, char *buf, size_t len);

/* Who sent a call, from SCM_CREDENTIALS: on a connection handed to another
 * process not who connected, and logged beside it. */
struct sender {
	int known;
	pid_t pid;
	uid_t uid;
};

#endif
