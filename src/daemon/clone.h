/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shifted clone of a source, made inside the mount namespace it lives in. */
#ifndef SHIFTMOUNTD_CLONE_H
#define SHIFTMOUNTD_CLONE_H

#include <stddef.h>

#include "shiftmount.h"

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

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
int clone_in_mntns(int mntns_fd, int src_fd, int userns_fd, unsigned flags,
		   const struct sm_mark *top, int *ret_mntfd, char *what, size_t len);

#endif
