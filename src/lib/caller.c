/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the policy learns about a process; see caller.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/nsfs.h>

#include "caller.h"
#include "shiftmount/userns.h"
#include "util.h"

#define CAP_SYS_ADMIN_BIT 21

static int same_inode(int a, int b)
{
	struct stat sa, sb;
	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static int read_cap_sys_admin(int procfd)
{
	_cleanup_free_ char *status = NULL;
	int r = sm_read_file_at(procfd, "status", 64 * 1024, &status, NULL);
	if (r < 0)
		return r;
	const char *l = strstr(status, "\nCapEff:");
	unsigned long long caps;
	if (!l || sscanf(l + 8, "%llx", &caps) != 1)
		return -EIO;
	return !!(caps & (1ULL << CAP_SYS_ADMIN_BIT));
}

static int read_map(int procfd, const char *file, struct sm_idmap *ret)
{
	_cleanup_free_ char *text = NULL;
	int r = sm_read_file_at(procfd, file, 64 * 1024, &text, NULL);
	if (r < 0)
		return r;
	sm_idmap_init(ret);
	return *text ? sm_idmap_parse_proc(text, ret, NULL) : 0;
}

/* The user namespace /proc/PID/ns/user names now is `userns_fd`'s. */
static int still_in(int procfd, int userns_fd)
{
	_cleanup_close_ int now = openat(procfd, "ns/user", O_RDONLY | O_CLOEXEC);
	if (now < 0)
		return -ESRCH;
	return same_inode(now, userns_fd) ? 0 : -EAGAIN;
}

int sm_caller_read(int procfd, int userns_fd, int mntns_fd, struct sm_caller *ret)
{
	int r = sm_userns_is_initial(userns_fd);
	if (r < 0)
		return r;
	ret->userns_initial = r;
	/* Read between two looks at ns/user: what was read is then the
	 * namespace's the caller holds, not one it unshared meanwhile. */
	r = still_in(procfd, userns_fd);
	if (r < 0)
		return r;
	r = read_cap_sys_admin(procfd);
	if (r < 0)
		return r;
	ret->cap_sys_admin = r;
	if ((r = read_map(procfd, "uid_map", &ret->uid_map)) < 0 ||
	    (r = read_map(procfd, "gid_map", &ret->gid_map)) < 0)
		return r;
	_cleanup_close_ int owner = ioctl(mntns_fd, NS_GET_USERNS);
	ret->mntns_owned = owner >= 0 && same_inode(owner, userns_fd);
	return still_in(procfd, userns_fd);
}
