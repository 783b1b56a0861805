/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A tenant's grant planned again: the map a shiftmountd grant at a live
 * mount may have *now*, for the admin's `shiftmount reconfigure --grant`.
 * The daemon's policy (sm_policy_check) decides, from the same inputs a
 * Mount request has: the tenant's user namespace (read from /proc/PID), the
 * source's mark as it is now, /etc/subuid and /etc/subgid.  The admin gives
 * no map: after a mark changes (origin, range, --by), every grant of it is
 * re-applied, and a grant the new mark no longer allows is refused.
 */
#ifndef SHIFTMOUNT_GRANT_H
#define SHIFTMOUNT_GRANT_H

#include <sys/types.h>

#include "error.h"
#include "plan.h"
#include "reconfigure.h"
#include "subid.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the policy learns about a tenant, read from /proc/PID of the
 * caller's (the host's) procfs; `mntns_fd` is its mount namespace, for the
 * caller to enter (setns) before it opens the grant's mount point. */
struct sm_tenant {
	pid_t pid;
	int userns_initial, cap_sys_admin, mntns_owned;
	struct sm_idmap uid_map, gid_map; /* interior -> host */
	int mntns_fd;
};

/* 0 and *ret (close ret->mntns_fd), or -errno and *err (bad input when
 * `pid` is no process). */
int sm_tenant_read(pid_t pid, struct sm_tenant *ret, struct sm_error *err);

/* The plan for the grant at `m` held by tenant `t` (its namespace's root:
 * the policy wants CAP_SYS_ADMIN there), with the SM_MOUNT_* `flags`, under
 * the host's `subuid`/`subgid` tables (loaded before entering the tenant's
 * mount namespace: its own /etc is the tenant's to write).  0 and *ret_plan
 * (free() it), or -errno and *err: EPERM with the policy's reason when it
 * refuses, ENODATA when the source carries no mark, EINVAL (bad input) for
 * a mount that cannot be a grant (FUSE backend, or a source on FUSE, whose
 * server could forge a mark). */
int sm_grant_replan(const struct sm_live_mount *m, const struct sm_tenant *t,
		    const struct sm_subid *subuid, const struct sm_subid *subgid, unsigned flags,
		    struct sm_plan **ret_plan, struct sm_error *err);

#ifdef __cplusplus
}
#endif
#endif
