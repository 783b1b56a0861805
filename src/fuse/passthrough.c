/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Passthrough I/O: reads, writes and mmap of a regular file go from the
 * kernel straight to the source file, a "backing file" the kernel holds for
 * us (FUSE_DEV_IOC_BACKING_OPEN), instead of one request to shiftfs-fuse
 * each.  Everything else (attributes, locks, fsync, copy_file_range,
 * fallocate) still comes to us, on the open's own fd.
 *
 * The kernel takes one backing file per inode at a time (an open naming
 * another is refused, EBUSY) and refuses an open without passthrough while
 * the inode has one (EINVAL).  So on a passthrough mount every open of a
 * regular file names the node's one backing id, made at its first open and
 * closed when the last such open is released.  It is opened for what that
 * first open needs: read-only for a reader (a read-write one would make
 * every read through the mount a close-after-write to inotify watchers of
 * the source, and execve() of the source file fail with ETXTBSY), read-write
 * for a writer.  An open the backing file cannot serve (a writer while it is
 * read-only) gets FOPEN_DIRECT_IO beside it, which the kernel honours over
 * passthrough for read and write: those come to us on the open's fd.  So do
 * O_DIRECT opens' (ops-data.c: direct_io).  Where no backing file can be made
 * for an inode, its open is answered with FOPEN_DIRECT_IO alone, which the
 * kernel lets stand beside passthrough opens.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "fs.h"

static pthread_mutex_t pt_lock = PTHREAD_MUTEX_INITIALIZER;
static int pt_made; /* a backing id was made once: later failures are one file's */

static int access_of(int flags)
{
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		return PT_READ;
	case O_WRONLY:
		return PT_WRITE;
	default:
		return PT_READ | PT_WRITE;
	}
}

/* Flags a backing file shared by every open of the inode must not have. */
#define PT_UNSHARED (O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_NOATIME | O_ASYNC)

/* A new backing id for the inode of `fd` (opened with `flags`) serving
 * `want`, and in *mode what it serves; -errno on failure. */
static int backing_make(int fd, int flags, int want, unsigned char *mode)
{
	int bfd = fd;

	*mode = want & PT_WRITE ? PT_READ | PT_WRITE : PT_READ;
	if (access_of(flags) != *mode || (flags & PT_UNSHARED)) {
		char path[64];
		proc_fd_path(path, sizeof(path), fd);
		bfd = open(path, (*mode & PT_WRITE ? O_RDWR : O_RDONLY) | O_CLOEXEC);
		if (bfd < 0)
			return -errno;
	}
	int id = shim_backing_open(bfd);
	if (bfd != fd)
		close(bfd);
	return id;
}

int pt_open(struct sm_node *n, int fd, struct fuse_file_info *fi)
{
	int want = access_of(fi->flags), id, spare = 0;
	unsigned char mode;

	if (!sm_fs.passthrough || n->type != S_IFREG)
		return 0;
	pthread_mutex_lock(&pt_lock);
	if (n->backing_opens == 0) {
		/* Made unlocked (an open(2) may be slow); another open of the
		 * inode may have made one meanwhile, then ours is spare. */
		pthread_mutex_unlock(&pt_lock);
		id = backing_make(fd, fi->flags, want, &mode);
		if (id < 0) {
			if (id == -EPERM && !__atomic_load_n(&pt_made, __ATOMIC_RELAXED)) {
				/* The kernel will not let us after all: stay off. */
				sm_fs.passthrough = 0;
				sm_fs.passthrough_why = "FUSE_DEV_IOC_BACKING_OPEN refused (EPERM)";
				return 0;
			}
			fi->direct_io = 1;
			return 0;
		}
		__atomic_store_n(&pt_made, 1, __ATOMIC_RELAXED);
		pthread_mutex_lock(&pt_lock);
		if (n->backing_opens == 0) {
			n->backing_id = id;
			n->backing_mode = mode;
		} else {
			spare = id;
		}
	}
	n->backing_opens++;
	id = n->backing_id;
	mode = n->backing_mode;
	pthread_mutex_unlock(&pt_lock);
	if (spare)
		shim_backing_close(spare);
	fi->fh |= FH_PASSTHROUGH;
	if ((want & mode) != want)
		fi->direct_io = 1;
	return id;
}

void pt_release(struct sm_node *n)
{
	int id = 0;

	pthread_mutex_lock(&pt_lock);
	if (n->backing_opens > 0 && --n->backing_opens == 0) {
		id = n->backing_id;
		n->backing_id = 0;
	}
	pthread_mutex_unlock(&pt_lock);
	if (id > 0)
		shim_backing_close(id);
}
