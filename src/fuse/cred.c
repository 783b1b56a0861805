/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ids and credentials.  The kernel gives us the caller's host ids (ids of the
 * user namespace that mounted us); the mount's map turns them into disk ids.
 *
 * A new inode is created by the worker thread with fsuid/fsgid set to the
 * caller's disk ids, so the underlying filesystem gives it its owner, its
 * setgid-directory group and its default ACL itself, in one step: nobody
 * ever sees it with another owner.  setfsuid()/setfsgid() act on the calling
 * thread only (raw syscalls, not glibc's process-wide set*id broadcast).
 *
 * The thread keeps its capabilities while it wears the caller's ids
 * (SECBIT_NO_SETUID_FIXUP, or capset() where that bit cannot be set): access
 * was already judged by the kernel on the shifted attributes
 * (default_permissions, with the caller's real supplementary groups and
 * ACLs), and judging it again on the disk ids with a partial credential (a
 * FUSE request does not carry the supplementary groups) could only get it
 * wrong.  The setgid stripping of a new inode's mode is also done by the VFS
 * above us (vfs_prepare_mode) before the request reaches us.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/securebits.h>

#include "fs.h"

static uid_t own_fsuid;
static gid_t own_fsgid;
static int keep_caps_by_securebits;
static __thread int fs_unshared;

uid_t host_uid(uid_t disk)
{
	uint32_t h;
	return sm_idmap_to_outer(&sm_fs.cfg.uid, disk, &h) < 0 ? (uid_t)-1 : h;
}

gid_t host_gid(gid_t disk)
{
	uint32_t h;
	return sm_idmap_to_outer(&sm_fs.cfg.gid, disk, &h) < 0 ? (gid_t)-1 : h;
}

void stat_to_host(struct stat *st)
{
	st->st_uid = host_uid(st->st_uid);
	st->st_gid = host_gid(st->st_gid);
}

static int disk_ids(uid_t huid, gid_t hgid, uid_t *ret_uid, gid_t *ret_gid)
{
	uint32_t u, g;

	if (sm_idmap_to_inner(&sm_fs.cfg.uid, huid, &u) < 0 ||
	    sm_idmap_to_inner(&sm_fs.cfg.gid, hgid, &g) < 0)
		return -EOVERFLOW;
	*ret_uid = u;
	*ret_gid = g;
	return 0;
}

int req_disk_ids(fuse_req_t req, uid_t *ret_uid, gid_t *ret_gid)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	return disk_ids(ctx->uid, ctx->gid, ret_uid, ret_gid);
}

int cred_setup_process(void)
{
	own_fsuid = geteuid();
	own_fsgid = getegid();
	/* Keep the capabilities across fsuid changes, for every thread to come. */
	if (prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0) == 0)
		keep_caps_by_securebits = 1;
	return 0;
}

static int raise_caps(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	d[0].effective = d[0].permitted;
	d[1].effective = d[1].permitted;
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	return 0;
}

static int set_fsids(uid_t u, gid_t g)
{
	syscall(SYS_setfsgid, g);
	syscall(SYS_setfsuid, u);
	/* Both fail silently; asking with an invalid id returns the current one. */
	if ((gid_t)syscall(SYS_setfsgid, (gid_t)-1) != g ||
	    (uid_t)syscall(SYS_setfsuid, (uid_t)-1) != u)
		return -EOVERFLOW;
	return 0;
}

int cred_enter(fuse_req_t req, int with_umask)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	return cred_enter_ids(ctx->uid, ctx->gid, with_umask ? (int)ctx->umask : -1);
}

int cred_enter_ids(uid_t huid, gid_t hgid, int umask_or_neg)
{
	uid_t u;
	gid_t g;
	int r = disk_ids(huid, hgid, &u, &g);
	if (r < 0)
		return r;

	if (umask_or_neg >= 0 && sm_fs.dont_mask) {
		/* The umask lives in fs_struct, shared by all threads until unshared. */
		if (!fs_unshared) {
			if (unshare(CLONE_FS) < 0)
				return -errno;
			fs_unshared = 1;
		}
		umask((mode_t)umask_or_neg);
	}
	r = set_fsids(u, g);
	if (r < 0) {
		/* The disk id is not an id of our user namespace (rootless case). */
		cred_leave();
		return r;
	}
	if (!keep_caps_by_securebits && u != own_fsuid) {
		r = raise_caps();
		if (r < 0) {
			cred_leave();
			return r;
		}
	}
	return 0;
}

void cred_leave(void)
{
	syscall(SYS_setfsuid, own_fsuid);
	syscall(SYS_setfsgid, own_fsgid);
}
