/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Changing a live shifted mount: its map (and origin), or only its flags,
 * with no moment where its path shows the unshifted tree or nothing.
 *
 * A new map is a new mount: a clone of the live one with the new idmap
 * (open_tree_attr, Linux 6.15) -- or, on the FUSE backend, a new
 * shiftfs-fuse instance -- is put beneath the live mount
 * (move_mount MOVE_MOUNT_BENEATH, Linux 6.5), and the old one is then
 * detached lazily: processes with files open or their cwd inside it keep
 * the old map until they let go; every new lookup sees the new map.  Flags
 * alone (ro, nosuid, nodev, noexec) change in place (mount_setattr).
 *
 *   sm_live_mount_open(DST)        find the mount; nothing is changed
 *   sm_plan(req with src_fd = m->src_fd, backend = m->entry.backend)
 *   sm_reconfigure(m, plan)        or sm_reconfigure_flags(m, flags)
 */
#ifndef SHIFTMOUNT_RECONFIGURE_H
#define SHIFTMOUNT_RECONFIGURE_H

#include "mountinfo.h"
#include "plan.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sm_live_mount {
	struct sm_mount_entry entry; /* as sm_mountinfo_list_shifted() lists it */
	int dst_fd;		     /* O_PATH, the live mount's root */
	/* The tree under the mount without its shift, for sm_plan()'s
	 * request (SRC's mark, SRC's owner): a detached clone without the
	 * idmap (kernel backend; the live mount itself where the kernel cannot
	 * clear an idmap), the source directory (FUSE backend). */
	int src_fd;
	int has_submounts; /* mounts below it: a new mount needs -r to keep them */
};

/* Find the shifted mount whose mount point is `dst` and check that the
 * caller may change it: root of the initial user namespace (a shifted mount
 * in a container -- a grant of shiftmountd -- is locked for its tenant).
 * 0 and *ret (free with sm_live_mount_free()), or -errno and *err: bad input
 * when `dst` is missing, not a mount point or not a shifted mount. */
int sm_live_mount_open(const char *dst, struct sm_live_mount **ret, struct sm_error *err);
void sm_live_mount_free(struct sm_live_mount *m);
/* For __attribute__((cleanup)). */
static inline void sm_live_mount_freep(struct sm_live_mount **m)
{
	sm_live_mount_free(*m);
}

/* Does this kernel have what a swap takes: open_tree_attr() (kernel backend
 * only) and move_mount(MOVE_MOUNT_BENEATH)?  Probed with calls that cannot
 * change anything, never by version.  0, or -ENOSYS/-EINVAL and *err naming
 * what is missing. */
int sm_reconfigure_probe(enum sm_backend backend, struct sm_error *err);

/* Swap in the mount `plan` describes (its maps and flags; plan->backend must
 * be the live mount's) beneath the live one, then detach the old lazily.
 * On failure before the swap nothing has changed; *err says what failed. */
int sm_reconfigure(struct sm_live_mount *m, const struct sm_plan *plan, struct sm_error *err);

/* Change only the flags (SM_MOUNT_RDONLY, NOSUID, NODEV, NOEXEC) of the live
 * mount, in place.  Clearing ro on the FUSE backend, whose filesystem was
 * mounted read-only, swaps in a new instance with the same map instead. */
int sm_reconfigure_flags(struct sm_live_mount *m, unsigned flags, struct sm_error *err);

#ifdef __cplusplus
}
#endif
#endif
