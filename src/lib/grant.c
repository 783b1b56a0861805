/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A tenant's grant planned again (see include/shiftmount/grant.h).
 *
 * The tenant is read the way shiftmountd reads a peer (src/daemon/peer.c):
 * its user namespace, CAP_SYS_ADMIN there, its maps and whether its mount
 * namespace is its own -- here from /proc/PID chosen by the admin, who is
 * trusted, so no pidfd dance.  (Once the daemon's restructuring has landed,
 * the daemon's peer inspection and this one should become one library
 * function.)
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <linux/nsfs.h>

#include "shiftmount/grant.h"
#include "shiftmount/mark.h"
#include "shiftmount/policy.h"
#include "shiftmount/subid.h"
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

int sm_tenant_read(pid_t pid, struct sm_tenant *ret, struct sm_error *err)
{
	char path[32];
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	_cleanup_close_ int procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pid <= 0 || procfd < 0)
		return sm_error_input(err, ESRCH, "--grant: %d: no such process", (int)pid);
	_cleanup_close_ int userns = openat(procfd, "ns/user", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int mntns = openat(procfd, "ns/mnt", O_RDONLY | O_CLOEXEC);
	if (userns < 0 || mntns < 0)
		return sm_error_failed(err, errno, "--grant: %d: its namespaces", (int)pid);
	_cleanup_free_ struct sm_tenant *t = calloc(1, sizeof(*t));
	if (!t)
		return sm_error_failed(err, ENOMEM, "--grant");
	t->pid = pid;
	int r = sm_userns_is_initial(userns);
	if (r < 0)
		return sm_error_failed(err, r, "--grant: %d: its user namespace", (int)pid);
	t->userns_initial = r;
	r = read_cap_sys_admin(procfd);
	if (r < 0)
		return sm_error_failed(err, r, "--grant: %d: its capabilities", (int)pid);
	t->cap_sys_admin = r;
	if ((r = read_map(procfd, "uid_map", &t->uid_map)) < 0 ||
	    (r = read_map(procfd, "gid_map", &t->gid_map)) < 0)
		return sm_error_failed(err, r, "--grant: %d: its id maps", (int)pid);
	_cleanup_close_ int owner = ioctl(mntns, NS_GET_USERNS);
	t->mntns_owned = owner >= 0 && same_inode(owner, userns);
	t->mntns_fd = TAKE_FD(mntns);
	*ret = *t;
	return 0;
}

int sm_grant_replan(const struct sm_live_mount *m, const struct sm_tenant *t,
		    const struct sm_subid *subuid, const struct sm_subid *subgid, unsigned flags,
		    struct sm_plan **ret_plan, struct sm_error *err)
{
	if (m->entry.backend != SM_BACKEND_KERNEL)
		return sm_error_input(
			err, EINVAL,
			"%s: a FUSE mount is no grant of shiftmountd (it makes kernel "
			"mounts only)",
			m->entry.target);
	struct statfs sfs;
	if (fstatfs(m->src_fd, &sfs) == 0 && sfs.f_type == FUSE_SUPER_MAGIC)
		return sm_error_input(err, EINVAL,
				      "%s: its source is on FUSE, whose server answers for marks "
				      "itself; the policy honours no mark there",
				      m->entry.target);

	struct sm_mark mark;
	struct sm_error merr;
	int r = sm_mark_get(m->src_fd, &mark, &merr);
	if (r < 0 && r != -ENODATA && r != -EOPNOTSUPP)
		return sm_error_failed(err, r, "%s: reading its mark", m->entry.source);

	_cleanup_free_ struct sm_idmap *mu = malloc(sizeof(*mu)), *mg = malloc(sizeof(*mg));
	if (!mu || !mg)
		return sm_error_failed(err, ENOMEM, "--grant");
	struct sm_policy_input in = {
		.userns_initial = t->userns_initial,
		.cap_sys_admin = t->cap_sys_admin,
		.mntns_owned = t->mntns_owned,
		.uid_map = &t->uid_map,
		.gid_map = &t->gid_map,
		.mark = r == 0 ? &mark : NULL,
		.subuid = subuid,
		.subgid = subgid,
		.user_uid = sm_policy_user_uid,
	};
	struct sm_error perr;
	enum sm_policy_verdict v = sm_policy_check(&in, &perr, mu, mg);
	if (v != SM_POLICY_ALLOW)
		return sm_error_failed(err, v == SM_POLICY_NOT_MARKED ? ENODATA : EPERM,
				       "%s: the policy refuses the grant to pid %d: %s",
				       m->entry.target, (int)t->pid, perr.message);

	/* The policy's maps, as explicit maps: the plan checks them and the
	 * source's owner as for any mount. */
	struct sm_plan_request req;
	sm_plan_request_init(&req);
	req.src_fd = m->src_fd;
	req.src = m->entry.source;
	req.map_uid = mu;
	req.map_gid = mg;
	req.backend = SM_BACKEND_KERNEL;
	req.flags = flags;
	return sm_plan(&req, ret_plan, err);
}
