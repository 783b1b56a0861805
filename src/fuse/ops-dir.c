/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Directories: opendir, readdir and readdirplus (names with their attributes
 * in one round trip, which is what makes `ls -l`, `find` and `tar -c` cheap),
 * releasedir, fsyncdir.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "fs.h"

struct sm_dir {
	DIR *dp;
	struct dirent *entry; /* read but not yet handed to the kernel */
	off_t offset;
};

static struct sm_dir *dir_of(struct fuse_file_info *fi)
{
	return (struct sm_dir *)(uintptr_t)fi->fh;
}

void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct sm_dir *d = calloc(1, sizeof(*d));
	if (!d) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	struct sm_node *n = node_of(ino);
	int pfd = node_fd(n);
	int fd = pfd < 0 ? -1 : openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	node_fd_put(n, pfd);
	if (fd < 0 || !(d->dp = fdopendir(fd))) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		free(d);
		fuse_reply_err(req, err);
		return;
	}
	fi->fh = (uintptr_t)d;
	if (SM_CACHE_KEEPS(sm_fs.cfg.cache)) {
		fi->cache_readdir = 1;
		fi->keep_cache = 1;
	}
	if (fuse_reply_open(req, fi) == -ENOENT) {
		/* The opener was interrupted and is gone. */
		closedir(d->dp);
		free(d);
	}
}

static int is_dot(const char *n)
{
	return n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'));
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
		       struct fuse_file_info *fi, int plus)
{
	struct sm_dir *d = dir_of(fi);
	char *buf = malloc(size);
	size_t rem = size;
	int err = 0;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (offset != d->offset) {
		seekdir(d->dp, offset);
		d->entry = NULL;
		d->offset = offset;
	}
	for (;;) {
		if (!d->entry) {
			errno = 0;
			d->entry = readdir(d->dp);
			if (!d->entry) {
				err = errno;
				break;
			}
		}
		const char *name = d->entry->d_name;
		off_t next = d->entry->d_off;
		size_t len;

		if (plus) {
			struct fuse_entry_param e = {0};
			fuse_ino_t got = 0;
			if (is_dot(name)) {
				e.attr.st_ino = d->entry->d_ino;
				e.attr.st_mode = (mode_t)d->entry->d_type << 12;
			} else {
				/* The directory stream is an fd on it already. */
				int r = lookup_name_at(dirfd(d->dp), name, &e);
				if (r == -ENOENT) { /* gone since getdents; skip it */
					d->entry = NULL;
					d->offset = next;
					continue;
				}
				if (r < 0) {
					err = -r;
					break;
				}
				got = e.ino;
			}
			len = fuse_add_direntry_plus(req, buf + size - rem, rem, name, &e, next);
			if (len > rem) {
				if (got)
					itab_forget(node_of(got), 1);
				break;
			}
		} else {
			struct stat st = {.st_ino = d->entry->d_ino,
					  .st_mode = (mode_t)d->entry->d_type << 12};
			len = fuse_add_direntry(req, buf + size - rem, rem, name, &st, next);
			if (len > rem)
				break;
		}
		rem -= len;
		d->entry = NULL;
		d->offset = next;
	}
	/* An error after some entries cannot be reported without losing their
	 * lookup counts: hand over what we have, the next call reports it. */
	if (err && rem == size)
		fuse_reply_err(req, err);
	else
		fuse_reply_buf(req, buf, size - rem);
	free(buf);
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
		struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, offset, fi, 0);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
		    struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, offset, fi, 1);
}

void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct sm_dir *d = dir_of(fi);
	closedir(d->dp);
	free(d);
	fuse_reply_err(req, 0);
}

void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	int fd = dirfd(dir_of(fi)->dp);
	int r = datasync ? fdatasync(fd) : fsync(fd);
	fuse_reply_err(req, r < 0 ? errno : 0);
}
