/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A tenant's grant planned again (see include/shiftmount/grant.h).
 *
 * The tenant is read as shiftmountd reads a peer, by the same call
 * (caller.h): its user namespace, CAP_SYS_ADMIN there, its maps and whether
 * its mount namespace is its own -- here from /proc/PID chosen by the admin,
 * who is trusted, so no pidfd dance.
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
#include "caller.h"
#include "util.h"

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
	_cleanup_free_ struct sm_caller *c = malloc(sizeof(*c));
	if (!t || !c)
		return sm_error_failed(err, ENOMEM, "--grant");
	t->pid = pid;
	int r = sm_caller_read(procfd, userns, mntns, c);
	if (r == -EAGAIN)
		return sm_error_failed(err, r, "--grant: %d changed its user namespace", (int)pid);
	if (r < 0)
		return sm_error_failed(err, r, "--grant: %d: reading its /proc entry", (int)pid);
	t->userns_initial = c->userns_initial;
	t->cap_sys_admin = c->cap_sys_admin;
	t->mntns_owned = c->mntns_owned;
	t->uid_map = c->uid_map;
	t->gid_map = c->gid_map;
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
