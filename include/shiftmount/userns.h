/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* User-namespace fds: made from a map, or read back into maps. */
#ifndef SHIFTMOUNT_USERNS_H
#define SHIFTMOUNT_USERNS_H

#include "idmap.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A new user namespace whose uid_map/gid_map are `uid`/`gid` (inner column
 * inside, outer column host).  A helper child owns the namespace just long
 * enough for the maps to be written and the fd to be opened; it is killed and
 * reaped on every path.  Needs CAP_SETUID/CAP_SETGID over the outer ids
 * (init-namespace root).  *ret_fd is O_CLOEXEC. */
int sm_userns_from_maps(const struct sm_idmap *uid, const struct sm_idmap *gid, int *ret_fd);

/* The maps of the user namespace `userns_fd`, outer column in host ids.
 * Works for any namespace fd (a helper child joins it and the maps are read
 * from the initial namespace).  -EINVAL when the fd is the initial user
 * namespace or not a user namespace. */
int sm_userns_read_maps(int userns_fd, struct sm_idmap *ret_uid, struct sm_idmap *ret_gid);

/* Open a TARGET as the contract spells it: a decimal PID, or a path to a
 * user-namespace file such as /proc/PID/ns/user.  A path must contain a '/'
 * (write ./FILE for one in the working directory).  -EINVAL when it is
 * neither (or pid 0); -ESRCH for a missing pid; -ENOENT (or another open()
 * error) for a missing file; -ENOTTY for a file that is not a user
 * namespace.  A pid is opened through a pidfd, so a recycled pid cannot
 * hand over another process's namespace. */
int sm_userns_open_target(const char *target, int *ret_fd);

/* 1 when `userns_fd` is the initial user namespace, 0 when not, -errno. */
int sm_userns_is_initial(int userns_fd);

#ifdef __cplusplus
}
#endif
#endif
