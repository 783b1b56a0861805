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
 * regular file names the node's one backing id, made from the first open's
 * fd and closed when the last such open is released.  That fd lends only
 * its path and our credentials: for each open the kernel opens the source
 * file anew with the opener's own flags (read-only for a reader, so a read
 * is no close-after-write to inotify watchers of the source, and O_APPEND
 * for an appender, O_DIRECT for O_DIRECT: real direct I/O on the source,
 * with the opener's buffers).  Where the source file takes no O_DIRECT, an
 * O_DIRECT open keeps FOPEN_DIRECT_IO (ops-data.c), which the kernel
 * honours over passthrough for read and write: those come to us, into our
 * buffers and a file opened without O_DIRECT.  Where no backing id can be
 * made for a file, its open is answered as without passthrough (the kernel
 * refuses files on stacked filesystems, for one), or, for a failure that
 * may be passing, with FOPEN_DIRECT_IO, which the kernel lets stand beside
 * passthrough opens of the inode.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>

#include "fs.h"

static pthread_mutex_t pt_lock = PTHREAD_MUTEX_INITIALIZER;
static int pt_made; /* a backing id was made once: later failures are one file's */

/* Whether the file of `fd` can be opened with O_DIRECT (the filesystem may
 * refuse it: FMODE_CAN_ODIRECT), tried on `fd` and undone. */
static int takes_o_direct(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_DIRECT) < 0)
		return 0;
	(void)fcntl(fd, F_SETFL, fl);
	return 1;
}

int pt_open(struct sm_node *n, int fd, struct fuse_file_info *fi)
{
	int id, spare = 0;

	if (!sm_fs.passthrough || n->type != S_IFREG)
		return 0;
	pthread_mutex_lock(&pt_lock);
	if (n->backing_opens == 0) {
		/* Made unlocked; another open of the inode may make one
		 * meanwhile, and then ours is spare. */
		pthread_mutex_unlock(&pt_lock);
		id = shim_backing_open(fd);
		if (id < 0) {
			if (id == -EPERM && !__atomic_load_n(&pt_made, __ATOMIC_RELAXED)) {
				/* The kernel will not let us after all: stay off. */
				sm_fs.passthrough = 0;
				sm_fs.passthrough_why = "FUSE_DEV_IOC_BACKING_OPEN refused (EPERM)";
				return 0;
			}
			/* A file the kernel takes as no backing file (one on a
			 * stacked filesystem, ELOOP; one without read_iter or
			 * write_iter, EINVAL) never has passthrough opens: it is
			 * served through the page cache as without passthrough.
			 * Another failure (ENOMEM, EMFILE) may pass while the
			 * inode has passthrough opens, beside which only a
			 * direct_io open may stand. */
			if (id != -ELOOP && id != -EINVAL && id != -EOPNOTSUPP)
				fi->direct_io = 1;
			return 0;
		}
		__atomic_store_n(&pt_made, 1, __ATOMIC_RELAXED);
		pthread_mutex_lock(&pt_lock);
		if (n->backing_opens == 0)
			n->backing_id = id;
		else
			spare = id;
	}
	n->backing_opens++;
	id = n->backing_id;
	pthread_mutex_unlock(&pt_lock);
	if (spare)
		shim_backing_close(spare);
	fi->fh |= FH_PASSTHROUGH;
	fi->keep_cache = 0; /* the kernel refuses it beside FOPEN_PASSTHROUGH */
	if (fi->direct_io && takes_o_direct(fd))
		fi->direct_io = 0;
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
