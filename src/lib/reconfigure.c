/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reconfiguring a live shifted mount (see include/shiftmount/reconfigure.h).
 *
 * The swap, kernel backend:
 *   1. open_tree_attr(DST, OPEN_TREE_CLONE, idmap = the new namespace):
 *      a detached clone of the live mount with the new map and flags.  The
 *      kernel lets only open_tree_attr() replace an idmap; the clone keeps
 *      the live mount's root and its locked flags (a grant's nosuid/nodev).
 *   2. move_mount(clone, DST, MOVE_MOUNT_BENEATH): the clone goes under the
 *      live mount, which stays on top and keeps answering lookups.
 *   3. umount2(/proc/self/fd/N, MNT_DETACH) on an fd of the old mount's
 *      root: exactly the old mount goes, lazily, and the path now leads to
 *      the clone.  The mount table changes under one lock, so a lookup
 *      sees the old mount or the new one, never the tree beneath.
 * FUSE backend: step 1 and 2 are a new shiftfs-fuse started with -o
 * beneath (it makes its mount with fsmount() and moves it beneath DST);
 * step 3 is the same, and the old shiftfs-fuse exits when the kernel ends
 * its connection, once the last open file or cwd in the old mount is gone.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "shiftmount/backend.h"
#include "shiftmount/mount.h"
#include "shiftmount/reconfigure.h"
#include "shiftmount/userns.h"
#include "missing-syscall.h"
#include "util.h"

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif
#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

void sm_live_mount_free(struct sm_live_mount *m)
{
	if (!m)
		return;
	sm_closep(&m->dst_fd);
	sm_closep(&m->src_fd);
	free(m);
}

/* The mount ids of the mount whose root `fd` is: the unique 64-bit one
 * (statmount's, Linux 6.8) and the old one (mountinfo's).  -EINVAL when fd
 * is not the root of a mount. */
static int mount_ids(int fd, uint64_t *unique, uint64_t *old)
{
	struct statx stx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
		return sm_negerrno();
	if ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	    !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return -EINVAL;
	*old = stx.stx_mnt_id;
	*unique = 0;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID_UNIQUE, &stx) == 0 &&
	    (stx.stx_mask & STATX_MNT_ID_UNIQUE))
		*unique = stx.stx_mnt_id;
	return 0;
}

/* Is anything mounted below the mount `unique` (listmount of its children)?
 * 0 when unknown (no listmount). */
static int has_children(uint64_t unique)
{
	if (!unique)
		return 0;
	struct mnt_id_req req = {.size = MNT_ID_REQ_SIZE_VER0, .mnt_id = unique};
	uint64_t ids[1];
	return sys_listmount(&req, ids, 1, 0) > 0;
}

static int caller_may_reconfigure(const char *dst, struct sm_error *err)
{
	_cleanup_close_ int self = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	int r = self < 0 ? sm_negerrno() : sm_userns_is_initial(self);
	if (r < 0)
		return sm_error_failed_hint(err, r, NULL,
					    "cannot tell which user namespace this is");
	if (r == 0)
		return sm_error_failed_hint(
			err, -EPERM,
			"a shifted mount in a container (a grant of shiftmountd) is locked "
			"for its tenant; ask the host's admin, who reconfigures it from the "
			"host",
			"%s: only root of the initial user namespace may reconfigure a "
			"shifted mount",
			dst);
	return 0;
}

/* The tree without its shift, for the plan: see struct sm_live_mount. */
static int open_unshifted(struct sm_live_mount *m)
{
	if (m->entry.backend == SM_BACKEND_FUSE) {
		int fd = open(m->entry.source, O_PATH | O_DIRECTORY | O_CLOEXEC);
		return fd < 0 ? sm_negerrno() : fd;
	}
	struct mount_attr attr = {.attr_clr = MOUNT_ATTR_IDMAP, .propagation = MS_PRIVATE};
	int fd = sys_open_tree_attr(m->dst_fd, "",
				    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH, &attr,
				    sizeof(attr));
	if (fd >= 0)
		return fd;
	fd = fcntl(m->dst_fd, F_DUPFD_CLOEXEC, 3);
	return fd < 0 ? sm_negerrno() : fd;
}

int sm_live_mount_open(const char *dst, struct sm_live_mount **ret, struct sm_error *err)
{
	_cleanup_(sm_live_mount_freep) struct sm_live_mount *m = calloc(1, sizeof(*m));
	if (!m)
		return sm_error_failed_hint(err, -ENOMEM, NULL, "%s", dst);
	m->dst_fd = m->src_fd = -EBADF;

	m->dst_fd = open(dst, O_PATH | O_CLOEXEC);
	if (m->dst_fd < 0) {
		int r = sm_negerrno();
		return sm_error_input(err, r, "DST: \"%s\": %s", dst, strerror(-r));
	}
	uint64_t unique, old;
	int r = mount_ids(m->dst_fd, &unique, &old);
	if (r == -EINVAL)
		return sm_error_input(err, r,
				      "DST: \"%s\": not a mount point (give the mount point of a "
				      "shifted mount; 'shiftmount show' lists them)",
				      dst);
	if (r < 0)
		return sm_error_failed_hint(err, r, NULL, "DST: \"%s\"", dst);

	_cleanup_free_ struct sm_mount_entry *list = NULL;
	size_t n = 0;
	r = sm_mountinfo_list_shifted(&list, &n);
	if (r < 0)
		return sm_error_failed_hint(err, r, NULL, "listing the mounts");
	const struct sm_mount_entry *e = NULL;
	for (size_t i = 0; i < n && !e; i++)
		if ((unique && list[i].mnt_id == unique) || list[i].mnt_id == old)
			e = &list[i];
	if (!e)
		return sm_error_input(
			err, -EINVAL,
			"DST: \"%s\": not a shifted mount (neither idmapped nor shiftfs-fuse); "
			"make one with 'shiftmount bind'",
			dst);
	m->entry = *e;

	if ((r = caller_may_reconfigure(dst, err)) < 0)
		return r;
	m->has_submounts = has_children(unique);
	m->src_fd = open_unshifted(m);
	if (m->src_fd < 0)
		return sm_error_failed_hint(err, m->src_fd, NULL,
					    "%s: opening the mount's source %s", dst,
					    m->entry.source);
	*ret = steal_pointer(m);
	return 0;
}

int sm_reconfigure_probe(enum sm_backend backend, struct sm_error *err)
{
	/* Bad fds: a kernel that has the call and the flag answers EBADF
	 * (or EFAULT) before doing anything; one without the call ENOSYS,
	 * one without the flag EINVAL (unknown flags are checked first). */
	if (backend == SM_BACKEND_KERNEL && sys_open_tree_attr(-EBADF, NULL, 0, NULL, 0) < 0 &&
	    errno == ENOSYS)
		return sm_error_failed_hint(
			err, -ENOSYS,
			"unmount it and bind it again with the new map, or use a kernel "
			"with open_tree_attr()",
			"this kernel has no open_tree_attr() (Linux 6.15), which a new "
			"map on a live idmapped mount needs");
	if (sys_move_mount(-EBADF, "", -EBADF, "",
			   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH | MOVE_MOUNT_BENEATH) <
	    0) {
		if (errno == ENOSYS)
			return sm_error_failed_hint(
				err, -ENOSYS, "unmount it and bind it again with the new map",
				"this kernel has no move_mount() (Linux 5.2), which a swap "
				"of a live mount needs");
		if (errno == EINVAL)
			return sm_error_failed_hint(
				err, -EINVAL,
				"unmount it and bind it again with the new map, or use a "
				"kernel with MOVE_MOUNT_BENEATH",
				"this kernel has no move_mount(MOVE_MOUNT_BENEATH) (Linux "
				"6.5), which a swap of a live mount needs");
	}
	return 0;
}

/* The hint for EPERM from a change of a mount's flags or map. */
#define LOCKED_HINT                                                                                \
	"a flag of this mount may be locked (a grant of shiftmountd keeps nosuid and nodev)"

#define ALL_FLAGS (SM_MOUNT_RDONLY | SM_MOUNT_NOSUID | SM_MOUNT_NODEV | SM_MOUNT_NOEXEC)

/* Is the path DST still led to the live mount?  Something mounted on top
 * of it since it was opened would be detached with it. */
static int still_on_top(const struct sm_live_mount *m)
{
	_cleanup_close_ int fd = open(m->entry.target, O_PATH | O_CLOEXEC);
	uint64_t u1, o1, u2, o2;
	if (fd < 0 || mount_ids(fd, &u1, &o1) < 0 || mount_ids(m->dst_fd, &u2, &o2) < 0)
		return 0;
	return o1 == o2 && u1 == u2;
}

/* Step 3: the old mount goes; lookups now reach the one beneath it. */
static int detach_old(struct sm_live_mount *m, struct sm_error *err)
{
	char path[64];
	sm_fd_path(path, m->dst_fd);
	/* umount2(); <sys/mount.h> clashes with <linux/mount.h>. */
	if (syscall(SYS_umount2, path, 2 /* MNT_DETACH */) < 0)
		return sm_error_failed_hint(
			err, sm_negerrno(),
			"both mounts are stacked at DST, the old one on top: 'umount -l "
			"DST' once removes the old one",
			"%s: detaching the old mount after the new one was put beneath it",
			m->entry.target);
	return 0;
}

static int swap_kernel(struct sm_live_mount *m, const struct sm_plan *p, struct sm_error *e)
{
	_cleanup_close_ int nsfd = -EBADF, newfd = -EBADF;
	int r = sm_userns_from_maps(&p->uid, &p->gid, &nsfd);
	if (r < 0)
		return sm_error_failed_hint(e, r, NULL,
					    "creating the user namespace for the new map");
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_IDMAP | sm_mount_attr_bits(p->flags),
		.attr_clr = sm_mount_attr_bits(ALL_FLAGS & ~p->flags),
		.propagation = MS_PRIVATE,
		.userns_fd = (uint64_t)nsfd,
	};
	unsigned rec = (p->flags & SM_MOUNT_RECURSIVE) ? AT_RECURSIVE : 0;
	newfd = sys_open_tree_attr(m->dst_fd, "",
				   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | rec, &attr,
				   sizeof(attr));
	if (newfd < 0) {
		r = sm_negerrno();
		return sm_error_failed_hint(e, r, r == -EPERM ? LOCKED_HINT : NULL,
					    "%s: making the mount with the new map",
					    m->entry.target);
	}
	if (!still_on_top(m))
		return sm_error_failed_hint(e, -EBUSY, NULL,
					    "%s: something was mounted on top meanwhile",
					    m->entry.target);
	if (sys_move_mount(newfd, "", m->dst_fd, "",
			   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH | MOVE_MOUNT_BENEATH) <
	    0)
		return sm_error_failed_hint(e, sm_negerrno(), NULL,
					    "%s: putting the new mount beneath the old",
					    m->entry.target);
	return detach_old(m, e);
}

/* The names shiftfs-fuse's options_carried() writes, and nothing else. */
static const char *const carried[] = {
	"allow_other", "noallow_other", "writeback",	"no_flock",	    "nopassthrough",
	"nokillpriv",  "idmap",		"clone_fd",	"handles",	    "threads",
	"cache",       "entry_timeout", "attr_timeout", "negative_timeout",
};

/* Whether the root at `path` lists `name`: a virtual xattr of shiftfs-fuse
 * is never listed, the source directory's own xattrs are. */
static int lists(const char *path, const char *name)
{
	ssize_t n = listxattr(path, NULL, 0);
	if (n <= 0)
		return 0;
	_cleanup_free_ char *names = malloc((size_t)n);
	if (!names || (n = listxattr(path, names, (size_t)n)) < 0)
		return 0;
	for (char *s = names; s < names + n; s += strlen(s) + 1)
		if (!strcmp(s, name))
			return 1;
	return 0;
}

/* What the old instance was started with beyond its map and flags, so the
 * new one serves as it did (-o idmap, cache=, threads=, ...), into `buf`.
 * Believed only from an instance that serves SM_FUSE_OPTIONS_XATTR itself:
 * an older one passes the name through to the source directory, where a
 * tenant may have set it; a listed name is that, and gives the defaults.
 * Every name must be one shiftfs-fuse carries. */
static int old_options(struct sm_live_mount *m, char *buf, size_t len, struct sm_error *e)
{
	char path[64];
	sm_fd_path(path, m->dst_fd);
	buf[0] = '\0';
	if (lists(path, SM_FUSE_OPTIONS_XATTR))
		return 0;
	int r = sm_fuse_read_options(path, buf, len);
	if (r == -ENODATA)
		return 0;
	if (r < 0)
		return sm_error_failed_hint(
			e, r, NULL, "%s: reading the options it was started with", m->entry.target);
	for (const char *t = buf; *t; t += strcspn(t, ","), t += *t == ',') {
		size_t n = strcspn(t, ",="), i = 0;
		while (i < ELEMENTSOF(carried) && !sm_word_is(t, n, carried[i]))
			i++;
		if (i == ELEMENTSOF(carried)) {
			r = sm_error_failed_hint(
				e, -EBADMSG, NULL,
				"%s: the options it says it was started with (%s): "
				"\"%.*s\" is not one shiftfs-fuse carries",
				m->entry.target, SM_FUSE_OPTIONS_XATTR, (int)strcspn(t, ","), t);
			buf[0] = '\0';
			return r;
		}
	}
	return 0;
}

static int swap_fuse(struct sm_live_mount *m, const struct sm_idmap *uid,
		     const struct sm_idmap *gid, unsigned flags, struct sm_error *e)
{
	char extra[600];
	int r = old_options(m, extra, sizeof(extra) - sizeof(",beneath"), e);
	if (r < 0)
		return r;
	strcat(extra, *extra ? ",beneath" : "beneath");
	r = sm_fuse_mount(m->entry.source, m->entry.target, uid, gid, flags, extra);
	if (r == -ENOENT)
		return sm_error_failed_hint(e, r, "install shiftfs-fuse, or set SHIFTFS_FUSE",
					    "%s: starting shiftfs-fuse", m->entry.source);
	if (r < 0) {
		/* Its own message went to stderr; nothing was mounted. */
		sm_error_input(e, r, "%s: shiftfs-fuse could not mount the new map beneath the old",
			       m->entry.target);
		e->bad_input = r == -EINVAL;
		return r;
	}
	if (!still_on_top(m))
		return sm_error_failed_hint(
			e, -EBUSY,
			"the new instance sits beneath; see 'findmnt DST' before unmounting",
			"%s: something was mounted on top meanwhile", m->entry.target);
	return detach_old(m, e);
}

int sm_reconfigure(struct sm_live_mount *m, const struct sm_plan *plan, struct sm_error *err)
{
	if (plan->backend != m->entry.backend)
		return sm_error_input(err, -EINVAL,
				      "%s: a %s mount cannot become a %s one; unmount it and "
				      "bind it again",
				      m->entry.target, sm_backend_name(m->entry.backend),
				      sm_backend_name(plan->backend));
	if (m->has_submounts && !(plan->flags & SM_MOUNT_RECURSIVE))
		return sm_error_input(
			err, -EINVAL,
			"%s: has mounts below it, which the new mount would not show; give "
			"-r (recursive) to keep them",
			m->entry.target);
	int r = sm_reconfigure_probe(m->entry.backend, err);
	if (r < 0)
		return r;
	if (m->entry.backend == SM_BACKEND_FUSE)
		return swap_fuse(m, &plan->uid, &plan->gid, plan->flags, err);
	return swap_kernel(m, plan, err);
}

int sm_reconfigure_flags(struct sm_live_mount *m, unsigned flags, struct sm_error *err)
{
	flags &= ALL_FLAGS;
	unsigned old = m->entry.flags & ALL_FLAGS;
	/* shiftfs-fuse mounts (before -o beneath) made their filesystem
	 * read-only, not only the mount: rw needs a new instance. */
	if (m->entry.backend == SM_BACKEND_FUSE && (old & SM_MOUNT_RDONLY) &&
	    !(flags & SM_MOUNT_RDONLY)) {
		if (!m->entry.maps_known)
			return sm_error_failed_hint(err, -ENODATA, NULL,
						    "%s: reading the map it serves",
						    m->entry.target);
		int r = sm_reconfigure_probe(SM_BACKEND_FUSE, err);
		if (r < 0)
			return r;
		return swap_fuse(m, &m->entry.uid, &m->entry.gid, flags, err);
	}
	struct mount_attr attr = {
		.attr_set = sm_mount_attr_bits(flags & ~old),
		.attr_clr = sm_mount_attr_bits(old & ~flags),
	};
	if (sys_mount_setattr(m->dst_fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		int r = sm_negerrno();
		return sm_error_failed_hint(err, r, r == -EPERM ? LOCKED_HINT : NULL,
					    "%s: changing the mount's flags", m->entry.target);
	}
	m->entry.flags = (m->entry.flags & ~ALL_FLAGS) | flags;
	return 0;
}
