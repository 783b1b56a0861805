/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Listing the shifted mounts of the caller's mount namespace. */
#ifndef SHIFTMOUNT_MOUNTINFO_H
#define SHIFTMOUNT_MOUNTINFO_H

#include <limits.h>
#include <stdint.h>

#include "idmap.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sm_backend {
	SM_BACKEND_AUTO = 0,
	SM_BACKEND_KERNEL,
	SM_BACKEND_FUSE,
};

struct sm_mount_entry {
	uint64_t mnt_id;       /* unique 64-bit mount id (statmount), or the
				  mountinfo id in the fallback */
	char target[PATH_MAX]; /* where it is attached */
	char source[PATH_MAX]; /* the shifted directory, as far as known */
	char fstype[64];
	enum sm_backend backend;  /* kernel: idmapped mount; fuse: shiftfs-fuse */
	unsigned flags;		  /* SM_MOUNT_* */
	int maps_known;		  /* 0 when the kernel cannot tell the maps */
	struct sm_idmap uid, gid; /* disk -> host */
	/* A shiftfs-fuse mount's negotiated kernel features, verbatim
	 * (sm_fuse_read_features); "" for the kernel backend or when the
	 * mount does not say. */
	char fuse_features[512];
};

/* Every shifted mount in the caller's mount namespace, in mount order.
 * *ret is malloc()ed (free() it), *ret_n its length.  Uses listmount() and
 * statmount(STATMOUNT_MNT_UIDMAP|GIDMAP) where the kernel has them, and
 * otherwise /proc/self/mountinfo ("idmapped" option; maps unknown).  A
 * shiftfs-fuse mount's maps and features are asked of it (sm_fuse_read_maps,
 * sm_fuse_read_features). */
int sm_mountinfo_list_shifted(struct sm_mount_entry **ret, size_t *ret_n);

#ifdef __cplusplus
}
#endif
#endif
