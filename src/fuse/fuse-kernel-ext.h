/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parts of the FUSE protocol past 7.38 that shiftfs-fuse uses, written
 * from the protocol's description (Debian 12's linux-libc-dev and libfuse
 * 3.14 stop at 7.38).  Only init-shim.c includes this: the rest of src/fuse
 * asks that module, whichever libfuse it was built against.
 *
 * The structs have the wire layout of protocol 7.40+; where 7.38 had padding
 * they name the field that took its place, so sizes are unchanged.
 */
#ifndef SM_FUSE_KERNEL_EXT_H
#define SM_FUSE_KERNEL_EXT_H

#include <stdint.h>
#include <sys/ioctl.h>

/* INIT flags, as one 64-bit word: `flags` | `flags2` << 32 (flags2 is only
 * read by either side when FUSE_INIT_EXT is set in flags). */
#define SM_INIT_HANDLE_KILLPRIV_V2 (1ull << 28) /* 7.33: the server kills suid/sgid/caps */
#define SM_INIT_EXT		   (1ull << 30) /* 7.36: flags2 is valid */
#define SM_INIT_PASSTHROUGH	   (1ull << 37) /* 7.40: FOPEN_PASSTHROUGH + backing ids */
/* 7.41 (Linux 6.12): idmapped mounts of ours may be made (the kernel accepts
 * it only with default_permissions).  Requests that make an inode then carry
 * the caller's ids through the mount's idmap; every other request carries
 * uid and gid (uint32_t)-1, even through a mount without one. */
#define SM_INIT_ALLOW_IDMAP (1ull << 40)

/* fuse_open_out.open_flags */
#define SM_FOPEN_DIRECT_IO   (1u << 0)
#define SM_FOPEN_PASSTHROUGH (1u << 7) /* 7.40: read/write/mmap go to backing_id's file */

/* The kill-suid/sgid hints of requests (all 7.33, in linux/fuse.h 7.38 too,
 * repeated so this header is the one place of protocol numbers). */
#define SM_WRITE_KILL_SUIDGID (1u << 2)	 /* fuse_write_in.write_flags */
#define SM_FATTR_KILL_SUIDGID (1u << 11) /* fuse_setattr_in.valid */
#define SM_OPEN_KILL_SUIDGID  (1u << 0)	 /* fuse_open_in / fuse_create_in .open_flags */

/* How deep the backing files' filesystems may be stacked: 1 allows plain
 * filesystems only and lets an overlayfs stack on top of our mount. */
#define SM_PASSTHROUGH_STACK_DEPTH 1

struct sm_fuse_init_in {
	uint32_t major;
	uint32_t minor;
	uint32_t max_readahead;
	uint32_t flags;
	uint32_t flags2; /* 7.36 */
	uint32_t unused[11];
};

struct sm_fuse_init_out {
	uint32_t major;
	uint32_t minor;
	uint32_t max_readahead;
	uint32_t flags;
	uint16_t max_background;
	uint16_t congestion_threshold;
	uint32_t max_write;
	uint32_t time_gran;
	uint16_t max_pages;
	uint16_t map_alignment;
	uint32_t flags2;	  /* 7.36 */
	uint32_t max_stack_depth; /* 7.40, was unused[0] */
	uint32_t unused[6];
};

struct sm_fuse_open_out {
	uint64_t fh;
	uint32_t open_flags;
	int32_t backing_id; /* 7.40, was padding */
};

/* The argument of FUSE_DEV_IOC_BACKING_OPEN: an fd of the server's, which the
 * kernel pins and names by the id the ioctl returns. */
struct sm_fuse_backing_map {
	int32_t fd;
	uint32_t flags; /* 0 */
	uint64_t padding;
};

#define SM_FUSE_DEV_IOC_MAGIC	      229
#define SM_FUSE_DEV_IOC_BACKING_OPEN  _IOW(SM_FUSE_DEV_IOC_MAGIC, 1, struct sm_fuse_backing_map)
#define SM_FUSE_DEV_IOC_BACKING_CLOSE _IOW(SM_FUSE_DEV_IOC_MAGIC, 2, uint32_t)

_Static_assert(sizeof(struct sm_fuse_init_in) == 64, "fuse_init_in is 64 bytes");
_Static_assert(sizeof(struct sm_fuse_init_out) == 64, "fuse_init_out is 64 bytes");
_Static_assert(sizeof(struct sm_fuse_open_out) == 16, "fuse_open_out is 16 bytes");
_Static_assert(sizeof(struct sm_fuse_backing_map) == 16, "fuse_backing_map is 16 bytes");

#endif
