/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * User-namespace fds from maps, and maps from user-namespace fds.
 *
 * Both directions need a process inside the namespace: /proc/PID/uid_map is
 * the only interface to a namespace's maps.  A short-lived helper child plays
 * that part.  It is forked from a process that may have threads, so it only
 * makes raw syscalls (unshare, setns, read, write, _exit) and it is killed
 * and reaped by the parent on every path (_cleanup_kill_), as crun does.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <linux/nsfs.h>

#include "shiftmount/userns.h"
#include "missing-syscall.h"
#include "util.h"

/* The initial user namespace's inode number is fixed by the kernel
 * (PROC_USER_INIT_INO in include/linux/proc_ns.h). */
#define SM_USER_INIT_INO 0xEFFFFFFDU

/* Fork a helper that enters a user namespace (a new one when userns_fd < 0,
 * else `userns_fd`), reports with one byte on a pipe, then sleeps until it is
 * killed.  Returns its pid, or -errno when it could not get there (the helper
 * is then already reaped). */
static pid_t spawn_ns_helper(int userns_fd)
{
	_cleanup_close_ int rfd = -EBADF, wfd = -EBADF;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return sm_negerrno();
	rfd = p[0];
	wfd = p[1];

	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return sm_negerrno();
	if (pid == 0) {
		/* Async-signal-safe calls only from here on. */
		char c = 0;
		int r;
		close(rfd);
		/* Dies with the caller even if the caller never gets to kill it. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		if (userns_fd < 0)
			r = unshare(CLONE_NEWUSER);
		else
			r = setns(userns_fd, CLONE_NEWUSER);
		if (r < 0)
			c = (char)errno;
		(void)!write(wfd, &c, 1);
		if (r < 0)
			_exit(1);
		for (;;)
			pause();
	}

	_cleanup_kill_ pid_t child = pid;
	close(TAKE_FD(wfd));
	char c;
	ssize_t n;
	do
		n = read(rfd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return sm_negerrno();
	if (n == 0)
		return -ECHILD;
	if (c != 0)
		return -(int)(unsigned char)c;
	return TAKE_PID(child);
}

static int write_map(pid_t pid, const char *file, const struct sm_idmap *m)
{
	char path[64], buf[SM_IDMAP_MAX_EXTENTS * 36];
	int len = sm_idmap_format_proc(m, buf, sizeof(buf));
	if (len < 0)
		return len;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return sm_negerrno();
	/* The kernel takes a map in exactly one write(); a short write would
	 * leave the map unset, so it counts as failure. */
	ssize_t n = write(fd, buf, (size_t)len);
	if (n < 0)
		return sm_negerrno();
	if (n != len)
		return -EIO;
	return 0;
}

int sm_userns_from_maps(const struct sm_idmap *uid, const struct sm_idmap *gid, int *ret_fd)
{
	if (!uid || !gid || !ret_fd || uid->n == 0 || gid->n == 0)
		return -EINVAL;
	int r = sm_idmap_validate(uid, NULL);
	if (r < 0)
		return r;
	r = sm_idmap_validate(gid, NULL);
	if (r < 0)
		return r;

	pid_t p = spawn_ns_helper(-EBADF);
	if (p < 0)
		return (int)p;
	_cleanup_kill_ pid_t child = p;

	/* A writer with CAP_SETGID in the parent namespace needs no
	 * "setgroups deny"; the namespace only ever serves as a mount's idmap. */
	r = write_map(child, "uid_map", uid);
	if (r < 0)
		return r;
	r = write_map(child, "gid_map", gid);
	if (r < 0)
		return r;

	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)child);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return sm_negerrno();
	*ret_fd = fd;
	return 0;
}

static int check_userns_fd(int fd)
{
	int t = ioctl(fd, NS_GET_NSTYPE);
	if (t < 0)
		return errno == ENOTTY || errno == EINVAL ? -ENOTTY : sm_negerrno();
	return t == CLONE_NEWUSER ? 0 : -ENOTTY;
}

int sm_userns_is_initial(int userns_fd)
{
	int r = check_userns_fd(userns_fd);
	if (r < 0)
		return r;
	struct stat st;
	if (fstat(userns_fd, &st) < 0)
		return sm_negerrno();
	return st.st_ino == SM_USER_INIT_INO;
}

int sm_userns_read_maps(int userns_fd, struct sm_idmap *ret_uid, struct sm_idmap *ret_gid)
{
	int r = sm_userns_is_initial(userns_fd);
	if (r < 0)
		return r == -ENOTTY ? -EINVAL : r;
	if (r > 0)
		return -EINVAL;

	pid_t p = spawn_ns_helper(userns_fd);
	if (p < 0)
		return (int)p;
	_cleanup_kill_ pid_t child = p;

	_cleanup_free_ struct sm_idmap *u = malloc(sizeof(*u));
	_cleanup_free_ struct sm_idmap *g = malloc(sizeof(*g));
	if (!u || !g)
		return -ENOMEM;
	/* Read from our namespace: when we are in the initial one, the outer
	 * column is in host ids. */
	r = sm_idmap_read_pid(child, SM_UID, u);
	if (r < 0)
		return r;
	r = sm_idmap_read_pid(child, SM_GID, g);
	if (r < 0)
		return r;
	if (ret_uid)
		*ret_uid = *u;
	if (ret_gid)
		*ret_gid = *g;
	return 0;
}

static int parse_pid(const char *s, pid_t *ret)
{
	if (!*s)
		return -EINVAL;
	long v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (*p - '0');
		if (v > 0x3fffffff)
			return -ERANGE;
	}
	if (v <= 0)
		return -EINVAL;
	*ret = (pid_t)v;
	return 0;
}

int sm_userns_open_target(const char *target, int *ret_fd)
{
	if (!target || !ret_fd)
		return -EINVAL;

	_cleanup_close_ int fd = -EBADF;
	pid_t pid;
	if (parse_pid(target, &pid) == 0) {
		/* Hold a pidfd across the open and check the process is still
		 * alive afterwards, so a recycled pid cannot slip in. */
		_cleanup_close_ int pidfd = sys_pidfd_open(pid, 0);
		if (pidfd < 0)
			return errno == ESRCH ? -ESRCH : sm_negerrno();
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return errno == ENOENT ? -ESRCH : sm_negerrno();
		if (sys_pidfd_send_signal(pidfd, 0, NULL, 0) < 0)
			return -ESRCH;
	} else {
		/* Anything else must look like a path (contain a '/'), so a
		 * mistyped pid is not looked up in the working directory. */
		if (!strchr(target, '/'))
			return -EINVAL;
		fd = open(target, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return sm_negerrno();
	}
	int r = check_userns_fd(fd);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}
