/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One shifted mount, planned then made.  Every front end that makes a
 * shifted mount itself (shiftmount bind, mount.shift, an OCI hook) goes the
 * same way: parse its own options into a struct sm_plan_request, sm_plan()
 * turns that into a checked plan (the maps, the backend, the flags) or a
 * clear error, and sm_plan_mount() makes the mount the plan says.
 *
 * The library does not print: errors (struct sm_error, error.h: bad_input
 * for a wrong request, else a failed operation with the errno's text) and
 * warnings come back as text for the front end to print after its own
 * prefix, spelt with the option names the front end gives.
 */
#ifndef SHIFTMOUNT_PLAN_H
#define SHIFTMOUNT_PLAN_H

#include <limits.h>
#include <stdint.h>

#include "idmap.h"
#include "mountinfo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How the calling front end spells things, so that a message names what its
 * user typed.  sm_plan_request_init() fills in shiftmount bind's spelling. */
struct sm_plan_names {
	const char *program;	  /* "shiftmount": where shiftfs-fuse is looked for */
	const char *target;	  /* "--shift" */
	const char *origin_ns;	  /* "--origin-ns" */
	const char *origin_uid;	  /* "--origin-uid" (or "--origin", whichever set it) */
	const char *origin_gid;	  /* "--origin-gid" (or "--origin") */
	const char *range;	  /* "--range" */
	const char *map;	  /* "--map" */
	const char *use_fuse;	  /* "--backend=fuse" */
	const char *fuse_options; /* "--fuse-options" */
};

struct sm_plan_request {
	/* SRC, opened by the caller (O_PATH is enough), and its name. */
	int src_fd;
	const char *src;

	/* Explicit maps (disk -> host), both or neither: they say it all, and
	 * the target and origin fields below are not used. */
	const struct sm_idmap *map_uid, *map_gid;

	/* The target, whose interior ids the mount shows: a user-namespace fd
	 * (target_fd >= 0), else TARGET as the contract spells it (a PID or a
	 * user-namespace file), else (NULL) the caller's own user namespace. */
	int target_fd;
	const char *target;
	/* The caller's own namespace may be the initial one; its map is then
	 * the identity (mount.shift's bare "-o shift" by host root).  Without
	 * it, an initial-namespace target is bad input. */
	int allow_initial;

	/* The origin, as a user namespace (interior -> disk) ... */
	const char *origin_ns;
	/* ... or as ids.  What is not given comes from SRC's mark, else the
	 * config file, else origin 0 and range SM_DEFAULT_RANGE. */
	int have_origin_uid, have_origin_gid, have_range;
	uint32_t origin_uid, origin_gid, range;
	const char *config_path; /* NULL: sm_config_path() */

	unsigned flags;		 /* SM_MOUNT_* */
	enum sm_backend backend; /* SM_BACKEND_AUTO: sm_plan() probes */
	/* More -o options for shiftfs-fuse (idmap, cache=never, ...), used when
	 * the FUSE backend is chosen; NULL for none.  Those the plan sets
	 * itself (map=, ro, recursive, ...) are bad input, and so is the list
	 * with an explicit kernel backend. */
	const char *fuse_options;

	struct sm_plan_names names;
};

/* SRC's own owner (on disk) lies outside the plan's map: through the mount
 * SRC belongs to nobody, and creating in it fails with EACCES.  Not an
 * error: the mount works, but rarely as meant. */
struct sm_plan_warning {
	unsigned outside;	       /* SM_UID and/or SM_GID */
	uint32_t owner_uid, owner_gid; /* SRC's owner on disk */
	char text[PATH_MAX + 384];     /* which owner, which map, the two fixes */
};

/* The warning for a source `src_fd`, named `shown` in the text, mounted
 * with the maps `uid`/`gid` (disk -> host); the fix chowns to
 * fix_uid:fix_gid.  1 and *w filled when its owner is outside, 0 when not,
 * -errno when fstat fails.  sm_plan() fills plan->warning with it; the
 * daemon, which makes its mount from a mark, calls it directly. */
int sm_plan_owner_warning(int src_fd, const char *shown, const struct sm_idmap *uid,
			  const struct sm_idmap *gid, uint32_t fix_uid, uint32_t fix_gid,
			  struct sm_plan_warning *w);

struct sm_plan {
	struct sm_idmap uid, gid;	    /* disk -> host */
	unsigned flags;			    /* SM_MOUNT_* */
	enum sm_backend requested, backend; /* as asked; as chosen (never AUTO) */
	/* Where the map came from; the origin and range when they are ids. */
	int has_origin;
	uint32_t origin_uid, origin_gid, range;
	char from[PATH_MAX + 160]; /* "origin uid 100000 gid 100000, range 65536, from ..." */
	int has_warning;
	struct sm_plan_warning warning;
	struct sm_plan_names names; /* the request's, for sm_plan_mount()'s messages */
	char fuse_options[512];	    /* the request's, checked; "" for none */
};

/* Fields cleared, fds -EBADF, backend AUTO, names as shiftmount bind's. */
void sm_plan_request_init(struct sm_plan_request *req);

/* Check `req` and work out the mount: the target's maps shifted by the
 * origin (or composed with the origin namespace, or the explicit maps), each
 * map validated, ORIGIN+RANGE-1 kept within SM_ID_MAX, the backend chosen
 * (auto probes SRC), and SRC's owner checked against the maps.  0 and
 * *ret_plan (malloc()ed; free() it), or -errno and *err filled. */
int sm_plan(const struct sm_plan_request *req, struct sm_plan **ret_plan, struct sm_error *err);

/* Make the planned mount of `src_fd` (named `src`) at `dst`: on the kernel
 * backend a user namespace carrying the maps, a detached idmapped clone, and
 * as the very last step its attachment onto `dst_fd` (when >= 0, else the
 * path `dst`), so that a failure leaves nothing mounted; on the FUSE
 * backend shiftfs-fuse started for the paths.  0, or -errno and *err
 * filled (its own message from shiftfs-fuse went to stderr). */
int sm_plan_mount(const struct sm_plan *plan, int src_fd, const char *src, int dst_fd,
		  const char *dst, struct sm_error *err);

/* The kernel backend's mount without its attachment: the planned maps on a
 * detached idmapped clone of `src_fd`, as *ret_mntfd (O_CLOEXEC), for a
 * caller that attaches it elsewhere, e.g. in another mount namespace (the
 * OCI hook attaches it in the container's).  Nothing is mounted anywhere
 * until it is attached; closing the fd drops it.  A FUSE plan is
 * -EOPNOTSUPP (bad input).  0, or -errno and *err filled. */
int sm_plan_clone(const struct sm_plan *plan, int src_fd, const char *src, int *ret_mntfd,
		  struct sm_error *err);

#ifdef __cplusplus
}
#endif
#endif
