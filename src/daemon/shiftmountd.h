/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the parts of shiftmountd share. */
#ifndef SHIFTMOUNTD_H
#define SHIFTMOUNTD_H

#include <stdint.h>
#include <sys/types.h>

#include "shiftmount.h"

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

struct daemon_config {
	const char *registry; /* the mark-name registry directory */
	const char *subuid, *subgid;
	int clone_timeout_ms;
};
extern struct daemon_config daemon_config;

/* The caller of a request, as the kernel vouches for it. */
struct peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int pidfd;
	int procfd;    /* /proc/PID, known to be this process's */
	int userns_fd; /* its user namespace */
	int mntns_fd;  /* its mount namespace */
	uint64_t userns_ino;
	int userns_initial, cap_sys_admin, mntns_owned;
	struct sm_idmap uid_map, gid_map;
};

/* Identify the peer of a connected socket.  -errno with *err set; the
 * peer is released on failure. */
int peer_identify(int sock, struct peer *p, struct sm_error *err);
/* 1 while the peer's process is still alive. */
int peer_alive(const struct peer *p);
void peer_release(struct peer *p);
/* Who sent the Mount call a worker answers (SCM_CREDENTIALS), when known:
 * logged beside who connected when the two differ. */
struct sender {
	int known;
	pid_t pid;
	uid_t uid;
};
extern struct sender request_sender;

/* "pid=N uid=N userns=N" for the log. */
void peer_describe(const struct peer *p, char *buf, size_t len);

/* Clone `src_fd` (a directory fd of a mount in the mount namespace
 * `mntns_fd`, or of the daemon's own when mntns_fd < 0) inside that mount
 * namespace, idmapped along `userns_fd`, in a helper child that is killed and
 * reaped on every path.  Its flags are locked against the caller's root.  A
 * recursive clone needs every submount marked like `top`; if one is not,
 * -SUBMOUNT_UNMARKED with `what` naming it.  A non-recursive clone in the
 * daemon's namespace (by name) of a source with submounts would uncover what
 * they hide: -SUBMOUNT_UNCOVERED, `what` naming one. */
#define SUBMOUNT_UNMARKED  ENOKEY
#define SUBMOUNT_UNCOVERED ENOTEMPTY
#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif
int clone_in_mntns(int mntns_fd, int src_fd, int userns_fd, unsigned flags,
		   const struct sm_mark *top, int *ret_mntfd, char *what, size_t len);

/* Answer one Varlink call of a connection.  Returns the reply (never NULL
 * unless out of memory) and, for a successful Mount, *ret_fd to send with
 * it.  `fds` are the call's fds; they are consumed. */
json_object *varlink_dispatch(int sock, json_object *msg, int *fds, unsigned nfds, int *ret_fd,
			      int *ret_oneway);

/* io.shiftmount.Delegate.Mount. */
json_object *delegate_mount(int sock, json_object *params, int *fds, unsigned nfds, int *ret_fd);

__attribute__((format(printf, 1, 2))) void log_msg(const char *fmt, ...);

#define ERR_NOT_MARKED	      SM_DELEGATE_INTERFACE ".NotMarked"
#define ERR_PERMISSION_DENIED SM_DELEGATE_INTERFACE ".PermissionDenied"
#define ERR_BAD_SOURCE	      SM_DELEGATE_INTERFACE ".BadSource"
#define ERR_NO_SUCH_NAME      SM_DELEGATE_INTERFACE ".NoSuchName"
#define ERR_MOUNT_FAILED      SM_DELEGATE_INTERFACE ".MountFailed"
#define ERR_CONFIG_UNREADABLE SM_DELEGATE_INTERFACE ".ConfigUnreadable"
#define ERR_PROTOCOL	      SM_DELEGATE_INTERFACE ".ProtocolError"

#endif
