/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The FUSE session: the source tree, the mount, the request loop.
 *
 * We mount with mount(2) ourselves instead of fuse_session_mount(): no
 * fusermount3 helper is involved, the same code works as root and as root of
 * a user namespace (FUSE is mountable there), and the device fd is ours, so
 * libfuse reads requests through our hook.  The hook answers FUSE_TMPFILE,
 * which libfuse 3.14 does not know (O_TMPFILE would otherwise fail with
 * EOPNOTSUPP), and hands every other request to libfuse; init-shim.c sees
 * every request and reply on the way (the protocol past libfuse 3.14).
 *
 * The source is a private non-recursive clone of SRC (open_tree
 * OPEN_TREE_CLONE, recursive with -o recursive) when we may make one, as the
 * kernel backend does: mounts below SRC are not shown unless asked for, and
 * the tree stays reachable if SRC is unmounted.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/fuse.h>

#include "shiftmount/mount.h"
#include "util.h"
#include "fs.h"

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef __NR_open_tree
#define __NR_open_tree 428
#endif

static char dst_abs[PATH_MAX];
static unsigned long long our_mnt_id;

static int open_source(const char *src, int recursive)
{
	int fd = (int)syscall(__NR_open_tree, AT_FDCWD, src,
			      OPEN_TREE_CLONE | O_CLOEXEC | AT_NO_AUTOMOUNT |
				      (recursive ? AT_RECURSIVE : 0));
	if (fd >= 0)
		return fd;
	/* No privilege over the mount namespace, or locked submounts below SRC
	 * (a rootless user's inherited mounts): serve SRC as it is. */
	fd = open(src, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Filesystems whose files have no flush method: close() never fails there,
 * so FLUSH has nothing to report. */
static int flushless_fs(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return 0;
	switch ((unsigned long)sf.f_type) {
	case EXT4_SUPER_MAGIC: /* also ext2 and ext3 */
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
	case TMPFS_MAGIC:
		return 1;
	}
	return 0;
}

/* What the mount table says about the mounts at one path. */
struct at_path {
	const char *path;
	unsigned long long top_fuse; /* the last shiftfs-fuse mount there: on top */
	int found, covered;	     /* our_mnt_id is there; another sits on it */
};

static int look_at_path(const struct sm_mountinfo_line *l, void *userdata)
{
	struct at_path *a = userdata;
	if (strcmp(l->mount_point, a->path) != 0)
		return 0;
	if (!strcmp(l->fstype, SM_FUSE_FSTYPE))
		a->top_fuse = l->id;
	a->found |= l->id == our_mnt_id;
	a->covered |= l->parent == our_mnt_id; /* stacked on ours */
	return 0;
}

/* The id of the shiftfs-fuse mount on top at `path`; 0 when none. */
static unsigned long long mount_id_at(const char *path)
{
	struct at_path a = {.path = path};
	return sm_mountinfo_each(AT_FDCWD, "/proc/self/mountinfo", look_at_path, &a) < 0
		       ? 0
		       : a.top_fuse;
}

/* Is the mount on top at `path` our mount, with our connection still up?
 * Only then may a stop by signal unmount `path`.  When the kernel ended the
 * connection the mount is gone, and mountinfo's ids are reused: the id we
 * had may by now be another mount's at the same path (`shiftmount
 * reconfigure` puts a new instance's mount there), which must not go.  Read
 * from mountinfo, never by a lookup: the lookup of our own root would wait
 * for us, who no longer answer. */
static int ours_on_top(const char *path, int devfd)
{
	struct pollfd p = {.fd = devfd, .events = POLLIN};
	if (poll(&p, 1, 0) < 0 || (p.revents & (POLLERR | POLLNVAL)))
		return 0;
	struct at_path a = {.path = path};
	if (sm_mountinfo_each(AT_FDCWD, "/proc/self/mountinfo", look_at_path, &a) < 0)
		return 0;
	return a.found && !a.covered;
}

static int do_mount(struct sm_fs *fs, const char *src_abs, int devfd)
{
	char opts[256];
	unsigned long flags = 0;
	unsigned f = fs->cfg.mount_flags;

	if (f & SM_MOUNT_RDONLY)
		flags |= MS_RDONLY;
	if (f & SM_MOUNT_NOSUID)
		flags |= MS_NOSUID;
	if (f & SM_MOUNT_NODEV)
		flags |= MS_NODEV;
	if (f & SM_MOUNT_NOEXEC)
		flags |= MS_NOEXEC;
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=%u,group_id=%u,default_permissions%s", devfd,
		 (unsigned)getuid(), (unsigned)getgid(), fs->cfg.allow_other ? ",allow_other" : "");
	if (mount(src_abs, dst_abs, SM_FUSE_FSTYPE, flags, opts) < 0)
		return -errno;
	our_mnt_id = mount_id_at(dst_abs);
	return 0;
}

/* ---- FUSE_TMPFILE, answered below libfuse ---- */

static void to_fuse_attr(struct fuse_attr *a, const struct stat *st)
{
	memset(a, 0, sizeof(*a));
	a->ino = st->st_ino;
	a->size = (uint64_t)st->st_size;
	a->blocks = (uint64_t)st->st_blocks;
	a->atime = (uint64_t)st->st_atim.tv_sec;
	a->mtime = (uint64_t)st->st_mtim.tv_sec;
	a->ctime = (uint64_t)st->st_ctim.tv_sec;
	a->atimensec = (uint32_t)st->st_atim.tv_nsec;
	a->mtimensec = (uint32_t)st->st_mtim.tv_nsec;
	a->ctimensec = (uint32_t)st->st_ctim.tv_nsec;
	a->mode = st->st_mode;
	a->nlink = (uint32_t)st->st_nlink;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->rdev = (uint32_t)st->st_rdev;
	a->blksize = (uint32_t)st->st_blksize;
}

static void split_timeout(double t, uint64_t *sec, uint32_t *nsec)
{
	*sec = (uint64_t)t;
	*nsec = (uint32_t)((t - (double)*sec) * 1e9);
}

static void answer_tmpfile(int devfd, const struct fuse_in_header *in, size_t len)
{
	const struct fuse_create_in *arg = (const void *)(in + 1);
	struct fuse_out_header out = {.unique = in->unique};
	struct fuse_entry_out eo = {0};
	struct fuse_open_out oo = {0};
	struct fuse_entry_param e;
	struct fuse_file_info fi = {0};
	int backing = 0;
	struct iovec iov[3] = {{&out, sizeof(out)}, {&eo, sizeof(eo)}, {&oo, sizeof(oo)}};
	int r;

	if (len < sizeof(*in) + sizeof(*arg))
		r = -EINVAL;
	else
		r = tmpfile_make(node_of(in->nodeid), in, arg->umask, (int)arg->flags, arg->mode,
				 &e, &fi, &backing);
	if (r < 0) {
		out.error = r;
		out.len = sizeof(out);
		(void)!writev(devfd, iov, 1);
		return;
	}
	eo.nodeid = e.ino;
	split_timeout(e.entry_timeout, &eo.entry_valid, &eo.entry_valid_nsec);
	split_timeout(e.attr_timeout, &eo.attr_valid, &eo.attr_valid_nsec);
	to_fuse_attr(&eo.attr, &e.attr);
	oo.fh = fi.fh;
	oo.open_flags = (fi.direct_io ? FOPEN_DIRECT_IO : 0) |
			(fi.keep_cache ? FOPEN_KEEP_CACHE : 0) | (fi.noflush ? FOPEN_NOFLUSH : 0);
	shim_open_out(&oo, backing);
	out.len = sizeof(out) + sizeof(eo) + sizeof(oo);
	if (writev(devfd, iov, 3) < 0) {
		/* The caller went away: undo what the kernel will never release. */
		pt_abort(node_of(e.ino), &fi);
		close((int)fi.fh);
		itab_forget(node_of(e.ino), 1);
	}
}

static ssize_t io_read(int fd, void *buf, size_t len, void *userdata)
{
	for (;;) {
		ssize_t n = read(fd, buf, len);
		if (n < (ssize_t)sizeof(struct fuse_in_header))
			return n;
		const struct fuse_in_header *in = buf;
		shim_request(in, (size_t)n);
		if (in->opcode != FUSE_TMPFILE)
			return n;
		answer_tmpfile(fd, in, (size_t)n);
	}
}

static ssize_t io_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	return shim_writev(fd, iov, count);
}

static ssize_t io_splice_send(int fdin, off_t *offin, int fdout, off_t *offout, size_t len,
			      unsigned flags, void *userdata)
{
	return splice(fdin, offin, fdout, offout, len, flags);
}

static const struct fuse_custom_io custom_io = {
	.read = io_read,
	.writev = io_writev,
	.splice_send = io_splice_send,
};

/* Detach from the caller once the mount works, so `shiftmount bind` (which
 * waits for us to exit) returns with the mount usable.  No thread exists yet. */
static int daemonize(void)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		char c = 1;
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			c = 1;
		_exit(c ? 1 : 0);
	}
	close(p[0]);
	if (setsid() < 0 || chdir("/") < 0)
		return -errno;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	}
	(void)!write(p[1], "", 1);
	close(p[1]);
	return 0;
}

/* -o idmap fails the mount rather than give one that cannot be idmapped:
 * the kernel's INIT (the first request, sent at mount) is answered here,
 * before we detach, so the exit status can say whether it was granted. */
static int answer_init(struct sm_fs *fs)
{
	struct fuse_buf buf = {.mem = NULL};
	int r = fuse_session_receive_buf(fs->se, &buf);
	if (r > 0)
		fuse_session_process_buf(fs->se, &buf);
	free(buf.mem);
	if (r <= 0) {
		fprintf(stderr, "shiftfs-fuse: %s: no INIT from the kernel: %s\n", dst_abs,
			strerror(r < 0 ? -r : EIO));
		return -1;
	}
	if (fs->idmap_refused) {
		fprintf(stderr,
			"shiftfs-fuse: -o idmap: the kernel does not offer FUSE_ALLOW_IDMAP "
			"(idmapped FUSE mounts need Linux 6.12 or later); mount without -o "
			"idmap\n");
		return -1;
	}
	return 0;
}

int session_run(struct sm_fs *fs, const struct fuse_lowlevel_ops *ops)
{
	char src_abs[PATH_MAX];
	struct stat st;
	int r;

	if (!realpath(fs->cfg.src, src_abs)) {
		fprintf(stderr, "shiftfs-fuse: %s: %s\n", fs->cfg.src, strerror(errno));
		return 2;
	}
	if (!realpath(fs->cfg.dst, dst_abs) || stat(dst_abs, &st) < 0) {
		fprintf(stderr, "shiftfs-fuse: %s: %s\n", fs->cfg.dst, strerror(errno));
		return 2;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "shiftfs-fuse: %s: not a directory\n", fs->cfg.dst);
		return 2;
	}
	r = open_source(src_abs, fs->cfg.recursive);
	if (r < 0) {
		fprintf(stderr, "shiftfs-fuse: %s: %s\n", fs->cfg.src, strerror(-r));
		return 2;
	}
	fs->root.fd = r;
	if (fstat(fs->root.fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "shiftfs-fuse: %s: not a directory\n", fs->cfg.src);
		return 2;
	}
	fs->root.dev = st.st_dev;
	fs->root.ino = st.st_ino;
	fs->root.type = S_IFDIR;
	fs->root.nlookup = 2;
	fs->root.hashed = 1;
	fs->root_flushless = flushless_fs(fs->root.fd);
	r = itab_handles_setup(fs->root.fd, fs->cfg.handles);
	if (r < 0) {
		fprintf(stderr,
			"shiftfs-fuse: handles=always: %s: cannot hold its inodes by file handle "
			"(%s; it takes a filesystem with file handles and CAP_DAC_READ_SEARCH, or "
			"CAP_SYS_ADMIN over its mount)\n",
			fs->cfg.src, strerror(-r));
		return 1;
	}

	char *argv[] = {"shiftfs-fuse", fs->cfg.debug ? "-odebug" : NULL, NULL};
	struct fuse_args args = FUSE_ARGS_INIT(fs->cfg.debug ? 2 : 1, argv);
	fs->se = fuse_session_new(&args, ops, sizeof(*ops), fs);
	if (!fs->se) {
		fprintf(stderr, "shiftfs-fuse: cannot start a FUSE session\n");
		return 1;
	}
	int devfd = fs->cfg.fuse_fd >= 0 ? fcntl(fs->cfg.fuse_fd, F_DUPFD_CLOEXEC, 3)
					 : open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (devfd < 0) {
		fprintf(stderr, "shiftfs-fuse: /dev/fuse: %s\n", strerror(errno));
		return 1;
	}
	if (fs->cfg.fuse_fd >= 0)
		close(fs->cfg.fuse_fd);
	r = fs->cfg.beneath ? beneath_mount(src_abs, dst_abs, devfd, fs->cfg.mount_flags,
					    fs->cfg.allow_other, &our_mnt_id)
			    : do_mount(fs, src_abs, devfd);
	if (r < 0) {
		fprintf(stderr, "shiftfs-fuse: mount %s on %s: %s\n", src_abs, dst_abs,
			strerror(-r));
		close(devfd);
		return 1;
	}
	shim_set_dev_fd(devfd);
	if (fuse_session_custom_io(fs->se, &custom_io, devfd) < 0 ||
	    (fs->cfg.idmap && answer_init(fs) < 0) || fuse_set_signal_handlers(fs->se) < 0 ||
	    (!fs->cfg.foreground && daemonize() < 0)) {
		umount2(dst_abs, MNT_DETACH);
		return 1;
	}

	struct fuse_loop_config *lc = fuse_loop_cfg_create();
	fuse_loop_cfg_set_clone_fd(lc, (unsigned)fs->cfg.clone_fd);
	fuse_loop_cfg_set_max_threads(lc, fs->cfg.max_threads ? fs->cfg.max_threads : 16);
	r = fuse_session_loop_mt(fs->se, lc);
	fuse_loop_cfg_destroy(lc);

	/* Stopped by a signal with the mount still ours: take it away.  (When
	 * it was unmounted, the loop ended on its own: see ours_on_top.) */
	if (our_mnt_id && ours_on_top(dst_abs, devfd))
		umount2(dst_abs, MNT_DETACH);
	fuse_remove_signal_handlers(fs->se);
	fuse_session_destroy(fs->se);
	return r < 0 ? 1 : 0;
}
