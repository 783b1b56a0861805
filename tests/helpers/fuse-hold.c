/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse-hold: a FUSE filesystem whose server reads every statfs, getxattr
 * and listxattr request and never answers it, as a tenant's hostile server can.
 * Once a server has read a request the kernel waits its answer out, even
 * for a process SIGKILL has been sent to: such a process is stuck in D
 * state until the server answers or the connection ends.  This is what
 * shiftmountd's inspection child meets on a tenant's FUSE mount.
 *
 *   fuse-hold MOUNTPOINT HELD
 *
 * The root is an empty directory, mode 0755, owned by root; nothing else
 * exists.  The file HELD is created once the first request is held (the
 * test's proof that a request is in the server's hands).  Runs in the
 * foreground until SIGTERM or an unmount; then it fails the held requests
 * (EIO) and unmounts.  Exit 0, 1 when it cannot mount,
 * 2 for bad usage.
 */
#define FUSE_USE_VERSION 314
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *held_path;
/* What is held: answered (EIO) only once the server is told to stop. */
static fuse_req_t held_reqs[256];
static size_t n_held;

static void held(fuse_req_t req)
{
	if (n_held < sizeof(held_reqs) / sizeof(held_reqs[0]))
		held_reqs[n_held++] = req;
	int fd = open(held_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

static void hold_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fi;
	struct stat st = {.st_ino = FUSE_ROOT_ID, .st_mode = S_IFDIR | 0755, .st_nlink = 2};
	if (ino != FUSE_ROOT_ID)
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_attr(req, &st, 0);
}

static void hold_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent;
	(void)name;
	fuse_reply_err(req, ENOENT);
}

/* Never answered: the request stays with us, and its caller in the kernel. */
static void hold_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	(void)ino;
	(void)name;
	(void)size;
	held(req);
}

static void hold_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	(void)ino;
	(void)size;
	held(req);
}

static void hold_statfs(fuse_req_t req, fuse_ino_t ino)
{
	(void)ino;
	held(req);
}

static const struct fuse_lowlevel_ops ops = {
	.statfs = hold_statfs,
	.getattr = hold_getattr,
	.lookup = hold_lookup,
	.getxattr = hold_getxattr,
	.listxattr = hold_listxattr,
};

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: fuse-hold MOUNTPOINT HELD\n");
		return 2;
	}
	held_path = argv[2];
	char *fargv[] = {argv[0], "-o", "allow_other,fsname=fuse-hold", NULL};
	struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
	struct fuse_session *se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	if (!se)
		return 1;
	int r = 1;
	if (fuse_set_signal_handlers(se) == 0) {
		if (fuse_session_mount(se, argv[1]) == 0) {
			r = fuse_session_loop(se) < 0 ? 1 : 0;
			for (size_t i = 0; i < n_held; i++)
				fuse_reply_err(held_reqs[i], EIO);
			fuse_session_unmount(se);
		}
		fuse_remove_signal_handlers(se);
	}
	fuse_session_destroy(se);
	fuse_opt_free_args(&args);
	return r;
}
