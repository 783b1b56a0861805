/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The shifted mounts, made detached.  Rootful (the hook is root in the
 * initial user namespace): the library plans each mount along the
 * container's user namespace, origin from the source's mark (for the root
 * else the config file, else 0), and clones it idmapped.  Rootless (the hook
 * is root only in the runtime's own user namespace): shiftmountd makes them,
 * asked from inside the container's user namespace as its root, because the
 * daemon shifts along its caller's own namespace only and its policy (the
 * mark, --by, the subordinate ids) decides.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <sys/syscall.h>

#include "hook.h"
#include "shiftmount.h"
#include "util.h"

/* Is DEST a directory in the container's root, reached without symlinks?
 * The hook never creates it: that would write into the image. */
static int check_dest(const struct hook_spec *s, int rootfd, const struct hook_item *it)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, rootfd, it->dest + 1, &how, sizeof(how));
	if (fd >= 0) {
		close(fd);
		return HOOK_OK;
	}
	int e = errno;
	return hook_error(HOOK_USAGE, "%s: \"%s:%s\": %s in the container's root %s%s",
			  HOOK_ANN_VOLUMES, it->src, it->dest,
			  e == ENOENT	 ? "DEST does not exist"
			  : e == ENOTDIR ? "DEST is not a directory"
			  : e == ELOOP	 ? "DEST goes through a symlink"
					 : strerror(e),
			  s->root, e == ENOENT ? " (make the directory in the image)" : "");
}

/* The mark's half of shiftmountd's policy, applied to the container's maps:
 * a rootful runtime is trusted to set up the container, not to choose whom a
 * mark admits.  Under CRI-O a pod's author writes the annotations, so
 * without this a mark's --by (this volume is tenant alice's) would not keep
 * another tenant's pod from it.  The tables are the host's, read here in the
 * runtime's namespace. */
static int check_policy(const struct hook_spec *s, const struct hook_item *it,
			const struct sm_mark *m)
{
	_cleanup_free_ struct sm_idmap *uid = malloc(sizeof(*uid));
	_cleanup_free_ struct sm_idmap *gid = malloc(sizeof(*gid));
	if (!uid || !gid)
		return hook_error(HOOK_FAILED, "out of memory");
	int r = sm_userns_read_maps(s->userns_fd, uid, gid);
	if (r < 0)
		return hook_error(HOOK_FAILED, "reading the container's id maps: %s", strerror(-r));
	struct sm_subid subuid = {0}, subgid = {0};
	const char *table = HOOK_SUBUID;
	if (m->n_by > 0) {
		r = sm_subid_load(table, &subuid);
		if (r >= 0)
			r = sm_subid_load(table = HOOK_SUBGID, &subgid);
	}
	struct sm_error err;
	enum sm_policy_verdict v = SM_POLICY_DENIED;
	if (r >= 0) {
		struct sm_policy_input in = {
			.uid_map = uid,
			.gid_map = gid,
			.mark = m,
			.subuid = &subuid,
			.subgid = &subgid,
			.user_uid = sm_policy_user_uid,
		};
		v = sm_policy_check_mark(&in, &err, NULL, NULL);
	}
	sm_subid_free(&subuid);
	sm_subid_free(&subgid);
	if (r < 0)
		return hook_error(HOOK_FAILED, "%s: %s: reading %s: %s", HOOK_ANN_VOLUMES, it->src,
				  table, strerror(-r));
	if (v != SM_POLICY_ALLOW)
		return hook_error(HOOK_USAGE, "%s: %s: refused: %s", HOOK_ANN_VOLUMES, it->src,
				  err.message);
	return HOOK_OK;
}

/* A volume is shifted from its mark: without one there is no origin the
 * admin chose, and guessing one could hand the container foreign ids. */
static int check_mark(const struct hook_spec *s, const struct hook_item *it)
{
	struct sm_mark m;
	struct sm_error err;
	int r = sm_mark_get(it->srcfd, &m, &err);
	if (r == 0)
		return check_policy(s, it, &m);
	if (r == -ENODATA)
		return hook_error(HOOK_USAGE,
				  "%s: %s is not marked; a volume is shifted from its mark's "
				  "origin: shiftmount mark %s --origin N",
				  HOOK_ANN_VOLUMES, it->src, it->src);
	if (r == -EBADMSG)
		return hook_error(HOOK_USAGE, "%s: %s: its mark is invalid: %s", HOOK_ANN_VOLUMES,
				  it->src,
				  err.message[0] ? err.message
				  : err.why	 ? err.why
						 : "unreadable");
	return hook_error(HOOK_FAILED, "%s: %s: reading its mark: %s", HOOK_ANN_VOLUMES, it->src,
			  strerror(-r));
}

int hook_open_sources(struct hook_spec *s)
{
	_cleanup_close_ int rootfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return hook_error(HOOK_USAGE, "the container's root %s: %s", s->root,
				  strerror(errno));
	for (unsigned i = 0; i < s->n_items; i++) {
		struct hook_item *it = &s->item[i];
		it->srcfd = open(it->src, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (it->srcfd < 0 && it->is_root)
			return hook_error(HOOK_USAGE, "the container's root %s: %s", it->src,
					  strerror(errno));
		if (it->srcfd < 0)
			return hook_error(HOOK_USAGE, "%s: \"%s:%s\": SRC: %s", HOOK_ANN_VOLUMES,
					  it->src, it->dest, strerror(errno));
		if (it->is_root)
			continue;
		int r = check_dest(s, rootfd, it);
		/* Rootless, the daemon checks the mark (and more). */
		if (!r && s->rootful)
			r = check_mark(s, it);
		if (r)
			return r;
	}
	return HOOK_OK;
}

/* The library's error after our prefix, hint included: one line. */
static int plan_error(const struct sm_error *e)
{
	if (e->hint[0])
		return hook_error(e->bad_input ? HOOK_USAGE : HOOK_FAILED, "%s (hint: %s)",
				  e->message, e->hint);
	return hook_error(e->bad_input ? HOOK_USAGE : HOOK_FAILED, "%s", e->message);
}

int hook_make_direct(struct hook_spec *s)
{
	for (unsigned i = 0; i < s->n_items; i++) {
		struct hook_item *it = &s->item[i];
		struct sm_plan_request req;
		sm_plan_request_init(&req);
		req.src_fd = it->srcfd;
		req.src = it->src;
		req.target_fd = s->userns_fd;
		/* The container's writes must not gain anything on the host's
		 * files: a volume is nosuid,nodev; the root keeps the image's
		 * setuid programs working inside (the runtime adds ro when the
		 * config's root is readonly). */
		req.flags = it->is_root ? SM_MOUNT_NODEV : SM_MOUNT_NOSUID | SM_MOUNT_NODEV;
		if (it->readonly)
			req.flags |= SM_MOUNT_RDONLY;
		/* A FUSE mount would have to live in the container's mount
		 * namespace; the hook makes idmapped mounts only. */
		req.backend = SM_BACKEND_KERNEL;
		req.names = (struct sm_plan_names){
			.program = HOOK_PROGRAM,
			.target = "the container's user namespace",
			.origin_ns = "the origin namespace",
			.origin_uid = "the mark's origin",
			.origin_gid = "the mark's origin",
			.range = "the mark's range",
			.map = "the map",
			.use_fuse = "shiftmount bind --backend=fuse (the hook has no FUSE backend)",
		};
		_cleanup_free_ struct sm_plan *plan = NULL;
		struct sm_error err;
		if (sm_plan(&req, &plan, &err) < 0 ||
		    sm_plan_clone(plan, it->srcfd, it->src, &it->mntfd, &err) < 0)
			return plan_error(&err);
	}
	return HOOK_OK;
}

/* Become the container's root: the daemon shifts along its caller's own
 * user namespace, and only for that namespace's root. */
int hook_become_container_root(const struct hook_spec *s)
{
	if (setns(s->userns_fd, CLONE_NEWUSER) < 0)
		return hook_error(HOOK_FAILED, "joining the container's user namespace: %s",
				  strerror(errno));
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return hook_error(HOOK_FAILED,
				  "becoming root in the container's user namespace (does its "
				  "map have 0?): %s",
				  strerror(errno));
	/* Our supplementary groups are the runtime's; the container may deny
	 * setgroups (then they stay, unmapped, and do no harm). */
	(void)setgroups(0, NULL);
	return HOOK_OK;
}

static int delegate_one(const struct hook_item *it, const char *socket, int *ret_mntfd)
{
	_cleanup_free_ struct sm_delegate_request *req = calloc(1, sizeof(*req));
	if (!req)
		return hook_error(HOOK_FAILED, "out of memory");
	_cleanup_close_ int srcfd = -EBADF, sock = -EBADF;
	/* Opened anew as the container's root: what it cannot reach, it
	 * cannot ask for. */
	int r = sm_delegate_open_source(it->src, req, &srcfd);
	if (r < 0)
		return hook_error(HOOK_FAILED, "%s: opening it as the container's root: %s",
				  it->src, strerror(-r));
	req->readonly = it->readonly;
	r = sm_delegate_connect(socket, &sock);
	if (r < 0)
		return hook_error(HOOK_FAILED,
				  "%s: connecting to shiftmountd at %s: %s (is shiftmountd "
				  "running? a rootless container's mounts are made by it)",
				  it->src, sm_delegate_socket_path(socket), strerror(-r));
	struct sm_delegate_reply rep;
	struct sm_error err;
	r = sm_delegate_mount(sock, req, srcfd, 30000, ret_mntfd, &rep, &err);
	if (r == -EREMOTEIO) {
		const char *e = strrchr(err.name, '.');
		return hook_error(HOOK_FAILED, "%s: shiftmountd refused: %s (%s)", it->src,
				  err.message[0] ? err.message : "no reason given",
				  e ? e + 1 : err.name);
	}
	if (r < 0)
		return hook_error(HOOK_FAILED, "%s: %s", it->src, err.message);
	return HOOK_OK;
}

int hook_make_delegated(struct hook_spec *s, const char *socket)
{
	int r = HOOK_OK;
	for (unsigned i = 0; !r && i < s->n_items; i++)
		r = delegate_one(&s->item[i], socket, &s->item[i].mntfd);
	return r;
}
