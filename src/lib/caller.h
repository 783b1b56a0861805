/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the policy learns about a process (struct sm_policy_input's facts),
 * read from its /proc/PID directory and its namespaces: shared by
 * shiftmountd's peer inspection (src/daemon/peer.c) and the admin's
 * re-plan of a grant (grant.c).  Internal: not installed, not exported.
 */
#ifndef SM_CALLER_H
#define SM_CALLER_H

#include "shiftmount/idmap.h"

struct sm_caller {
	int userns_initial;		  /* its user namespace is the initial one */
	int cap_sys_admin;		  /* CAP_SYS_ADMIN in CapEff, in its own namespace */
	int mntns_owned;		  /* its mount namespace is owned by its user namespace */
	struct sm_idmap uid_map, gid_map; /* interior -> host */
};

/* Fill *ret for the process whose /proc/PID is `procfd`, whose user
 * namespace is `userns_fd` and mount namespace `mntns_fd`.  The maps and
 * capabilities are checked to be those of `userns_fd`: a process may
 * unshare a new user namespace between the reads (-EAGAIN).  -ESRCH when
 * the process is gone (its /proc entry no longer answers); another -errno
 * when a file could not be read. */
int sm_caller_read(int procfd, int userns_fd, int mntns_fd, struct sm_caller *ret);

#endif
