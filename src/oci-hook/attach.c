/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Attaching the shifted mounts in the container's mount namespace, at
 * createRuntime: the runtime has made the container's namespaces and every
 * mount of its config (its bind of the root at the root's host path, /proc,
 * /dev, ... beneath it) and has not pivoted yet.  runc and crun then pivot
 * into whatever is mounted on top at the root's path.  So the shifted root
 * goes on top of the runtime's bind of the root, and the runtime's own
 * mounts are moved from beneath it onto it, each with its submounts; the
 * runtime's bind stays underneath, out of reach once the runtime pivots
 * (the old root and everything under it is detached).  Volumes go at their
 * destinations in the root.  Paths in the root are resolved inside it
 * without symlinks: the image is the tenants' to write.
 *
 * This runs in a child of the hook (setns() of a mount namespace cannot be
 * undone).  A failure half-way leaves mounts only in the container's mount
 * namespace, which the runtime destroys when the hook fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "hook.h"
#include "shiftmount.h"
#include "util.h"

struct mnt {
	int id, parent;
	int shared; /* in a peer group: what is mounted on it propagates */
	char target[PATH_MAX];
};

struct mounts {
	struct mnt *m;
	size_t n, cap;
};

static int add_mount(const struct sm_mountinfo_line *l, void *userdata)
{
	struct mounts *t = userdata;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct mnt *m = realloc(t->m, cap * sizeof(*m));
		if (!m)
			return -ENOMEM;
		t->m = m;
		t->cap = cap;
	}
	struct mnt *m = &t->m[t->n++];
	m->id = (int)l->id;
	m->parent = (int)l->parent;
	m->shared = l->shared;
	snprintf(m->target, sizeof(m->target), "%s", l->mount_point);
	return 0;
}

/* The caller's mount table: id, parent id and mount point of each mount. */
static int read_mounts(struct mnt **ret, size_t *ret_n)
{
	struct mounts t = {0};
	int r = sm_mountinfo_each(AT_FDCWD, "/proc/self/mountinfo", add_mount, &t);
	if (r < 0) {
		free(t.m);
		return r;
	}
	*ret = t.m;
	*ret_n = t.n;
	return 0;
}

static int mount_id(int fd, int *ret)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) < 0)
		return -errno;
	if (!(sx.stx_mask & STATX_MNT_ID))
		return -EOPNOTSUPP;
	*ret = (int)sx.stx_mnt_id;
	return 0;
}

/* PATH (relative, may be "") inside the root `rootfd`, no symlinks. */
static int open_in_root(int rootfd, const char *path, int *ret)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof(how));
	if (fd < 0)
		return -errno;
	*ret = fd;
	return 0;
}

/* The mount on top at PATH: the one at PATH that no other mount at PATH
 * sits on. */
static const struct mnt *top_at(const struct mnt *m, size_t n, const char *path)
{
	const struct mnt *top = NULL;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(m[i].target, path))
			continue;
		int covered = 0;
		for (size_t j = 0; j < n && !covered; j++)
			covered = m[j].parent == m[i].id && !strcmp(m[j].target, path);
		if (!covered)
			top = &m[i];
	}
	return top;
}

/* The runtime's mounts right beneath its root, held by fds before the
 * shifted root covers them. */
struct held {
	int fd;
	char rel[PATH_MAX]; /* below the root: "proc", "dev", ... */
};

static int hold_submounts(const struct hook_spec *s, const struct mnt *m, size_t n,
			  const struct mnt *root, struct held **ret, size_t *ret_n)
{
	size_t rl = strlen(s->root), k = 0;
	struct held *h = calloc(n ? n : 1, sizeof(*h));
	if (!h)
		return hook_error(HOOK_FAILED, "out of memory");
	*ret = h;
	for (size_t i = 0; i < n; i++) {
		if (m[i].parent != root->id || !strcmp(m[i].target, s->root))
			continue;
		if (strncmp(m[i].target, s->root, rl) || m[i].target[rl] != '/')
			return hook_error(HOOK_FAILED,
					  "the runtime's mount %s is not below the root %s",
					  m[i].target, s->root);
		snprintf(h[k].rel, sizeof(h[k].rel), "%s", m[i].target + rl + 1);
		/* The path reaches the top mount there: if another is stacked
		 * on the runtime's, the fd would hold the wrong one. */
		int id = -1;
		h[k].fd = open(m[i].target, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (h[k].fd < 0 || mount_id(h[k].fd, &id) < 0 || id != m[i].id) {
			if (h[k].fd >= 0)
				close(h[k].fd);
			return hook_error(
				HOOK_FAILED, "cannot take hold of the runtime's mount at %s (%s)",
				m[i].target,
				h[k].fd < 0 ? strerror(errno) : "another mount covers it");
		}
		k++;
		*ret_n = k;
	}
	*ret_n = k;
	return HOOK_OK;
}

static int attach_at(int mntfd, int rootfd, const char *rel, const char *what)
{
	_cleanup_close_ int at = -EBADF;
	int r = open_in_root(rootfd, rel, &at);
	if (r < 0)
		return hook_error(HOOK_FAILED, "%s: /%s in the shifted root: %s", what, rel,
				  r == -ELOOP ? "a symlink" : strerror(-r));
	r = sm_mount_attach(mntfd, at, "");
	if (r < 0)
		return hook_error(HOOK_FAILED, "%s: attaching at /%s: %s", what, rel,
				  r == -EINVAL ? "Invalid argument (a shared mount beneath?)"
					       : strerror(-r));
	return HOOK_OK;
}

static int shift_root(const struct hook_spec *s, const struct hook_item *it, const struct mnt *m,
		      size_t n, const struct mnt *root)
{
	_cleanup_free_ struct held *h = NULL;
	size_t nh = 0;
	int r = hold_submounts(s, m, n, root, &h, &nh);
	if (!r) {
		r = sm_mount_attach(it->mntfd, AT_FDCWD, s->root);
		if (r < 0)
			r = hook_error(HOOK_FAILED, "attaching the shifted root at %s: %s", s->root,
				       strerror(-r));
	}
	_cleanup_close_ int rootfd = -EBADF;
	if (!r && (rootfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		r = hook_error(HOOK_FAILED, "%s: %s", s->root, strerror(errno));
	for (size_t i = 0; !r && i < nh; i++) {
		char what[PATH_MAX + 64];
		snprintf(what, sizeof(what), "moving the runtime's mount /%s", h[i].rel);
		r = attach_at(h[i].fd, rootfd, h[i].rel, what);
	}
	for (size_t i = 0; i < nh; i++)
		close(h[i].fd);
	return r;
}

int hook_join_mounts(const struct hook_spec *s)
{
	if (setns(s->mntns_fd, CLONE_NEWNS) < 0)
		return hook_error(HOOK_FAILED, "joining the container's mount namespace: %s",
				  strerror(errno));
	return HOOK_OK;
}

int hook_attach(struct hook_spec *s)
{
	_cleanup_free_ struct mnt *m = NULL;
	size_t n = 0;
	int r = read_mounts(&m, &n);
	if (r < 0)
		return hook_error(HOOK_FAILED, "reading the container's mount table: %s",
				  strerror(-r));
	const struct mnt *root = top_at(m, n, s->root);
	if (!root)
		return hook_error(HOOK_FAILED,
				  "the runtime has not mounted the container's root at %s yet "
				  "(run the hook at createRuntime)",
				  s->root);
	/* Mounted on a shared root, our mounts would propagate to its peers,
	 * the host's among them, and stay there. */
	if (root->shared)
		return hook_error(HOOK_FAILED,
				  "the container's root %s is a shared mount (rootfsPropagation "
				  "shared?): the shifted mounts would propagate out of the "
				  "container; use private or slave",
				  s->root);
	for (unsigned i = 0; !r && i < s->n_items; i++)
		if (s->item[i].is_root)
			r = shift_root(s, &s->item[i], m, n, root);
	if (r)
		return r;
	/* The volumes, in the root as it is now (shifted or not). */
	_cleanup_close_ int rootfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return hook_error(HOOK_FAILED, "%s: %s", s->root, strerror(errno));
	for (unsigned i = 0; !r && i < s->n_items; i++) {
		const struct hook_item *it = &s->item[i];
		if (it->is_root)
			continue;
		char what[PATH_MAX + 64];
		snprintf(what, sizeof(what), "%s: %s", HOOK_ANN_VOLUMES, it->src);
		r = attach_at(it->mntfd, rootfd, it->dest + 1, what);
	}
	return r;
}
