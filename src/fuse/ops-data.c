/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * File data: create, open, read, write, flush, release, fsync, fallocate,
 * copy_file_range, lseek, flock.  Each FUSE open is one open file
 * description of ours, so flock() on it has the semantics of flock() on the
 * source file and is seen by everyone else using the source.  POSIX (fcntl)
 * locks are left to the kernel, which keeps them per FUSE inode with the
 * right owners (a daemon-side fcntl lock would belong to the daemon).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>
#include <linux/fuse.h>

#include "fs.h"

void open_flags_fixup(struct fuse_file_info *fi)
{
	/* With the writeback cache the kernel reads pages of files opened
	 * write-only, and keeps O_APPEND offsets itself. */
	if (sm_fs.writeback) {
		if ((fi->flags & O_ACCMODE) == O_WRONLY)
			fi->flags = (fi->flags & ~O_ACCMODE) | O_RDWR;
		fi->flags &= ~O_APPEND;
	}
	/* O_DIRECT is honoured towards the kernel (no page cache on the mount),
	 * not on the source file: the data comes from our own buffers, whose
	 * alignment O_DIRECT would refuse with EINVAL.  (With passthrough the
	 * kernel's own open of the source has O_DIRECT: pt_open().) */
	if (fi->flags & O_DIRECT) {
		fi->direct_io = 1;
		fi->flags &= ~O_DIRECT;
	}
	fi->flags &= ~(O_NOFOLLOW | O_NOCTTY);
	fi->flags |= O_CLOEXEC;
}

void open_reply_flags(struct fuse_file_info *fi, dev_t dev)
{
	/* A FLUSH reports the errors close() of the source would (op_flush); a
	 * file opened only to read has none, and neither has one on a source
	 * filesystem without a flush method (ext4, xfs, btrfs, tmpfs): spare
	 * every close that round trip (untar, tar -c, a loop of creates). */
	if ((fi->flags & O_ACCMODE) == O_RDONLY || (sm_fs.root_flushless && dev == sm_fs.root.dev))
		fi->noflush = 1;
	/* Passthrough I/O never goes through our page cache: cache=never has
	 * nothing to turn off there, and direct_io would turn passthrough off. */
	if (sm_fs.cfg.cache == SM_CACHE_NEVER && !sm_fs.passthrough)
		fi->direct_io = 1;
	else if (SM_CACHE_KEEPS(sm_fs.cfg.cache) && !fi->direct_io)
		fi->keep_cache = 1;
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	       struct fuse_file_info *fi)
{
	struct sm_node *dir = node_of(parent);
	struct fuse_entry_param e;

	open_flags_fixup(fi);
	int dfd = node_fd(dir);
	if (dfd < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	int r = cred_enter(req, 1);
	int fd = r < 0 ? r : create_or_open(dfd, name, fi->flags, mode & 07777);
	if (r == 0)
		cred_leave();
	node_fd_put(dir, dfd);
	r = fd < 0 ? fd : node_from_fd(fd, &e);
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		fuse_reply_err(req, -r);
		return;
	}
	fi->fh = (uint64_t)fd;
	open_reply_flags(fi, e.attr.st_dev);
	struct sm_node *n = node_of(e.ino);
	int backing = pt_open(n, fd, fi);
	if (shim_reply_create(req, &e, fi, backing) == -ENOENT) {
		pt_abort(n, fi);
		close(fd);
		itab_forget(n, 1);
	}
}

/* O_TMPFILE: an unnamed inode in `dir`, made as the caller like a create.
 * Called from the raw request hook (libfuse 3.14 has no tmpfile op). */
int tmpfile_make(struct sm_node *dir, const struct fuse_in_header *in, mode_t umask_, int flags,
		 mode_t mode, struct fuse_entry_param *e, struct fuse_file_info *fi, int *backing)
{
	fi->flags = flags & ~(O_CREAT | O_EXCL);
	open_flags_fixup(fi);
	int dfd = node_fd(dir);
	if (dfd < 0)
		return -errno;
	int fd = -1, r = cred_enter_ids(in->uid, in->gid, (pid_t)in->pid, (int)umask_);
	if (r == 0) {
		const struct sm_inode_ref ref = {dfd, NULL};
		AS_CALLER(fd, &ref, 1, open_beneath(dfd, ".", fi->flags | O_TMPFILE, mode & 07777));
		r = fd < 0 ? -errno : 0;
		cred_leave();
	}
	node_fd_put(dir, dfd);
	if (r == 0)
		r = node_from_fd(fd, e);
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		return r;
	}
	fi->fh = (uint64_t)fd;
	open_reply_flags(fi, e->attr.st_dev);
	*backing = pt_open(node_of(e->ino), fd, fi);
	return 0;
}

void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct sm_node *n = node_of(ino);
	char path[64];

	int pfd = node_fd(n);
	if (pfd < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	proc_fd_path(path, sizeof(path), pfd);
	open_flags_fixup(fi);
	int fd = open(path, fi->flags & ~(O_CREAT | O_EXCL));
	node_fd_put(n, pfd);
	if (fd < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fi->fh = (uint64_t)fd;
	open_reply_flags(fi, n->dev);
	int backing = pt_open(n, fd, fi);
	if (shim_reply_open(req, fi, backing) == -ENOENT) {
		pt_abort(n, fi);
		close(fd);
	}
}

void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);

	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = (int)fi->fh;
	buf.buf[0].pos = off;
	fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

void op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in, off_t off,
		  struct fuse_file_info *fi)
{
	ssize_t n;

	/* The kernel left killing suid/sgid to us (FUSE_HANDLE_KILLPRIV_V2) and
	 * says the writer may not keep them.  (File capabilities the
	 * filesystem below kills on any write.) */
	if (shim_kill_suidgid() && (n = cred_kill_suidgid(req, (int)fi->fh)) != 0) {
		if (n < 0) {
			fuse_reply_err(req, (int)-n);
			return;
		}
		/* A WRITE's reply carries no attributes, and an O_DIRECT write
		 * makes no SETATTR of its own: tell the kernel the mode is stale. */
		fuse_lowlevel_notify_inval_inode(sm_fs.se, ino, -1, 0);
	}
	if (in->count == 1 && !(in->buf[0].flags & FUSE_BUF_IS_FD)) {
		n = pwrite((int)fi->fh, in->buf[0].mem, in->buf[0].size, off);
		if (n < 0)
			n = -errno;
	} else {
		struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in));
		out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
		out.buf[0].fd = (int)fi->fh;
		out.buf[0].pos = off;
		n = fuse_buf_copy(&out, in, 0);
	}
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_write(req, (size_t)n);
}

void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	/* Reports the errors a close() of the source file would (NFS, quota). */
	int fd = dup((int)fi->fh);
	int r = fd < 0 ? -1 : close(fd);
	fuse_reply_err(req, r < 0 ? errno : 0);
}

void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (fi->fh & FH_PASSTHROUGH)
		pt_release(node_of(ino));
	close((int)fi->fh);
	fuse_reply_err(req, 0);
}

void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	int r = datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh);
	fuse_reply_err(req, r < 0 ? errno : 0);
}

void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
		  struct fuse_file_info *fi)
{
	fuse_reply_err(req, fallocate((int)fi->fh, mode, off, len) < 0 ? errno : 0);
}

void op_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
			struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
			struct fuse_file_info *fi_out, size_t len, int flags)
{
	ssize_t n = copy_file_range((int)fi_in->fh, &off_in, (int)fi_out->fh, &off_out, len,
				    (unsigned)flags);
	if (n < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_write(req, (size_t)n);
}

void op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi)
{
	off_t r = lseek((int)fi->fh, off, whence);
	if (r < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_lseek(req, r);
}

void op_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
	fuse_reply_err(req, flock((int)fi->fh, op) < 0 ? errno : 0);
}
