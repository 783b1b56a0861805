/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Acting on a name in a directory without following it.  The kernel looked
 * the name up through our mount, but another view of the same source (two
 * containers sharing a data directory), or the host, can put a symlink there
 * before the request reaches us; a symlink followed here would be followed
 * in the daemon's mount namespace, to anywhere on the host.  So the final
 * component is never followed: creates use O_EXCL, opens of a name
 * O_NOFOLLOW / RESOLVE_NO_SYMLINKS, and mkdirat, mknodat, symlinkat, linkat
 * (without AT_SYMLINK_FOLLOW on a name), renameat2 and unlinkat never follow
 * the name they act on by their definition.  The directory is always a
 * node's fd, an inode the kernel knows, never a path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "missing-syscall.h"
#include "fs.h"

/* Bounded: a name that another party keeps making and removing gets an
 * ESTALE, which sends the kernel to look it up once more. */
#define CREATE_TRIES 8

int name_ok(const char *name)
{
	return name[0] && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

int open_beneath(int dfd, const char *name, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
		.mode = (flags & (O_CREAT | __O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = sys_openat2(dfd, name, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) /* before Linux 5.6: one component, O_NOFOLLOW */
		fd = openat(dfd, name, (int)how.flags, how.mode);
	return fd;
}

int create_or_open(int dfd, const char *name, int flags, mode_t mode)
{
	const struct sm_inode_ref dir = {dfd, NULL};
	int fd;

	if (!name_ok(name))
		return -EINVAL;
	for (int i = 0; i < CREATE_TRIES; i++) {
		AS_CALLER(fd, &dir, 1, open_beneath(dfd, name, flags | O_CREAT | O_EXCL, mode));
		if (fd >= 0)
			return fd;
		if (errno == ELOOP) /* a symlink is there (RESOLVE_NO_SYMLINKS) */
			errno = EEXIST;
		if (errno != EEXIST || (flags & O_EXCL))
			return -errno;
		/* There is something: what the kernel would have opened had it
		 * seen it, judged as the caller on the inode itself. */
		int pfd;
		AS_CALLER(pfd, &dir, 1, open_beneath(dfd, name, O_PATH, 0));
		if (pfd < 0) {
			if (errno == ENOENT)
				continue; /* gone again: try to make it */
			return errno == ELOOP ? -ESTALE : -errno;
		}
		struct stat st;
		if (fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode)) {
			/* A symlink (followed by the kernel, as the caller, in the
			 * caller's namespace), a directory (EISDIR), a fifo or a
			 * device (opened by the kernel, never by us): the kernel
			 * must look again; ESTALE makes it (LOOKUP_REVAL). */
			close(pfd);
			return -ESTALE;
		}
		char path[64];
		const struct sm_inode_ref file = {pfd, NULL};
		proc_fd_path(path, sizeof(path), pfd);
		cred_unchecked();
		/* The magic link reopens exactly the inode just checked. */
		AS_CALLER(fd, &file, 1, open(path, flags & ~(O_CREAT | O_EXCL)));
		int r = fd < 0 ? -errno : fd;
		close(pfd);
		return r;
	}
	return -ESTALE;
}
