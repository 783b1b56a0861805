/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the kernel offers beyond what libfuse 3.14 can name, in one place:
 * FUSE_HANDLE_KILLPRIV_V2, and with FUSE_INIT_EXT the flags2 bits
 * FUSE_PASSTHROUGH (with max_stack_depth) and FUSE_ALLOW_IDMAP; open
 * replies with FOPEN_PASSTHROUGH and a backing id; and the kill-suid/sgid
 * hints of WRITE, SETATTR, OPEN and CREATE.
 *
 * With libfuse 3.14 it works below libfuse, on the custom-I/O path of
 * session.c (which reads every request and writes every reply through us):
 * shim_request() sees the kernel's INIT and each request's hints,
 * shim_writev() adds our flags to libfuse's INIT reply and the passthrough
 * fields to the open reply the same thread is sending.  Built against
 * libfuse >= 3.17, which names all of these, the INIT flags and open replies
 * go through its API instead (FUSE_ALLOW_IDMAP only where libfuse has
 * FUSE_CAP_ALLOW_IDMAP, after 3.17; below libfuse otherwise).  Nothing else
 * in src/fuse knows which.
 *
 * The request hints are per thread: libfuse's worker reads a request and
 * handles it on the same thread, before reading the next.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/fuse.h>

#include "fuse-kernel-ext.h"
#include "fs.h"

#if FUSE_MAJOR_VERSION > 3 || (FUSE_MAJOR_VERSION == 3 && FUSE_MINOR_VERSION >= 17)
#define SHIM_LIBFUSE_API 1 /* libfuse names passthrough and KILLPRIV_V2 itself */
#else
#define SHIM_LIBFUSE_API 0
#endif

static int dev_fd = -1;
static uint64_t offered;      /* the INIT flags the kernel offered */
static uint64_t wanted;	      /* ours, added to libfuse's reply */
static uint64_t init_unique;  /* of the INIT request, until it is answered */
static __thread int req_kill; /* the request being served asks to kill suid/sgid */
#if !SHIM_LIBFUSE_API
static __thread int reply_backing; /* backing id for the open reply being sent */
#endif

void shim_set_dev_fd(int fd)
{
	dev_fd = fd;
}

int shim_kill_suidgid(void)
{
	return req_kill;
}

/* The request payload after the header, if it is at least `size` long. */
static const void *arg_of(const struct fuse_in_header *in, size_t len, size_t size)
{
	return len >= sizeof(*in) + size ? (const void *)(in + 1) : NULL;
}

void shim_request(const struct fuse_in_header *in, size_t len)
{
	const struct fuse_write_in *w;
	const struct fuse_setattr_in *s;
	const struct fuse_open_in *o;
	const struct fuse_create_in *c;
	const struct sm_fuse_init_in *i;

	req_kill = 0;
	switch (in->opcode) {
	case FUSE_INIT:
		/* Old kernels send a shorter fuse_init_in: flags2 only with INIT_EXT. */
		if (len >= sizeof(*in) + offsetof(struct sm_fuse_init_in, flags2)) {
			i = (const void *)(in + 1);
			offered = i->flags;
			if ((i->flags & SM_INIT_EXT) &&
			    len >= sizeof(*in) + offsetof(struct sm_fuse_init_in, unused))
				offered |= (uint64_t)i->flags2 << 32;
		}
		init_unique = in->unique;
		break;
	case FUSE_WRITE:
		if ((w = arg_of(in, len, sizeof(*w))))
			req_kill = !!(w->write_flags & SM_WRITE_KILL_SUIDGID);
		break;
	case FUSE_SETATTR:
		if ((s = arg_of(in, len, sizeof(*s))))
			req_kill = !!(s->valid & SM_FATTR_KILL_SUIDGID);
		break;
	case FUSE_OPEN:
		if ((o = arg_of(in, len, sizeof(*o))))
			req_kill = !!(o->open_flags & SM_OPEN_KILL_SUIDGID);
		break;
	case FUSE_CREATE:
		if ((c = arg_of(in, len, sizeof(*c))))
			req_kill = !!(c->open_flags & SM_OPEN_KILL_SUIDGID);
		break;
	}
}

/* Backing ids need CAP_SYS_ADMIN in the initial user namespace (the kernel
 * checks it at each FUSE_DEV_IOC_BACKING_OPEN); a rootless daemon has none,
 * so it does not ask for passthrough at all. */
static int may_open_backing(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];
	char map[128] = "";
	FILE *f;

	if (syscall(SYS_capget, &h, d) < 0 ||
	    !(d[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32))))
		return 0;
	f = fopen("/proc/self/uid_map", "re");
	if (!f)
		return 0;
	if (!fgets(map, sizeof(map), f))
		map[0] = '\0';
	fclose(f);
	unsigned a, b, n;
	return sscanf(map, "%u %u %u", &a, &b, &n) == 3 && a == 0 && b == 0 && n == 4294967295u;
}

/* Called from the init op: decide what this mount uses and record it in
 * `fs` (shiftfs-fuse -o says what may be used, the kernel what can). */
void shim_init(struct sm_fs *fs, struct fuse_conn_info *c)
{
#if SHIM_LIBFUSE_API
	uint64_t raw = offered; /* as shim_request() read it */
	offered = raw & SM_INIT_EXT;
#ifdef FUSE_CAP_ALLOW_IDMAP
	if (fuse_get_feature_flag(c, FUSE_CAP_ALLOW_IDMAP))
		offered |= SM_INIT_ALLOW_IDMAP;
#else
	offered |= raw & SM_INIT_ALLOW_IDMAP;
#endif
	if (fuse_get_feature_flag(c, FUSE_CAP_HANDLE_KILLPRIV_V2))
		offered |= SM_INIT_HANDLE_KILLPRIV_V2;
	if (fuse_get_feature_flag(c, FUSE_CAP_PASSTHROUGH))
		offered |= SM_INIT_PASSTHROUGH;
#endif
	wanted = 0;
	/* FUSE_ALLOW_IDMAP only when asked: it costs the requests that make no
	 * inode the caller's ids (cred.c).  The kernel accepts it only with
	 * default_permissions, which our mounts always have. */
	fs->allow_idmap = 0;
	fs->idmap_refused = 0;
	if (fs->cfg.idmap && (offered & SM_INIT_EXT) && (offered & SM_INIT_ALLOW_IDMAP)) {
		fs->allow_idmap = 1;
		wanted |= SM_INIT_ALLOW_IDMAP;
	} else if (fs->cfg.idmap) {
		fs->idmap_refused = 1;
	}
	/* KILLPRIV_V2 leaves the setgid rule to us, which depends on the
	 * caller's groups as seen through its mount; through an idmapped one we
	 * cannot tell them (the request carries no ids), so the kernel keeps
	 * that work when idmapped mounts are allowed. */
	fs->killpriv_v2 =
		fs->cfg.killpriv && !fs->allow_idmap && (offered & SM_INIT_HANDLE_KILLPRIV_V2);
	if (fs->killpriv_v2)
		wanted |= SM_INIT_HANDLE_KILLPRIV_V2;
	/* The kernel refuses passthrough beside the writeback cache; -o
	 * writeback asks for the latter explicitly, so it wins. */
	fs->passthrough = 0;
	if (!fs->cfg.passthrough)
		fs->passthrough_why = "-o nopassthrough";
	else if (!(offered & SM_INIT_PASSTHROUGH))
		fs->passthrough_why = "the kernel does not offer it";
	else if (fs->writeback)
		fs->passthrough_why = "-o writeback";
	else if (!may_open_backing())
		fs->passthrough_why = "no CAP_SYS_ADMIN in the initial user namespace";
	else
		fs->passthrough = 1;
	if (fs->passthrough)
		wanted |= SM_INIT_PASSTHROUGH;
#if SHIM_LIBFUSE_API
	if (wanted & SM_INIT_HANDLE_KILLPRIV_V2)
		fuse_set_feature_flag(c, FUSE_CAP_HANDLE_KILLPRIV_V2);
	if (wanted & SM_INIT_PASSTHROUGH) {
		fuse_set_feature_flag(c, FUSE_CAP_PASSTHROUGH);
		c->max_backing_stack_depth = SM_PASSTHROUGH_STACK_DEPTH;
	}
#ifdef FUSE_CAP_ALLOW_IDMAP
	if (wanted & SM_INIT_ALLOW_IDMAP)
		fuse_set_feature_flag(c, FUSE_CAP_ALLOW_IDMAP);
	wanted = 0; /* nothing left to add below libfuse */
#else
	wanted &= SM_INIT_ALLOW_IDMAP; /* added below libfuse, which cannot name it */
#endif
#endif
}

int shim_backing_open(int fd)
{
	struct sm_fuse_backing_map map = {.fd = fd};
	int id = ioctl(dev_fd, SM_FUSE_DEV_IOC_BACKING_OPEN, &map);
	return id < 0 ? -errno : id;
}

void shim_backing_close(int id)
{
	uint32_t u = (uint32_t)id;
	(void)ioctl(dev_fd, SM_FUSE_DEV_IOC_BACKING_CLOSE, &u);
}

uint32_t shim_open_out(void *open_out, int backing_id)
{
	struct sm_fuse_open_out *oo = open_out;
	if (backing_id > 0) {
		oo->open_flags |= SM_FOPEN_PASSTHROUGH;
		oo->backing_id = backing_id;
	}
	return oo->open_flags;
}

int shim_reply_open(fuse_req_t req, const struct fuse_file_info *fi, int backing_id)
{
#if SHIM_LIBFUSE_API
	struct fuse_file_info f = *fi;
	f.backing_id = backing_id > 0 ? backing_id : 0;
	return fuse_reply_open(req, &f);
#else
	reply_backing = backing_id;
	int r = fuse_reply_open(req, fi);
	reply_backing = 0;
	return r;
#endif
}

int shim_reply_create(fuse_req_t req, const struct fuse_entry_param *e,
		      const struct fuse_file_info *fi, int backing_id)
{
#if SHIM_LIBFUSE_API
	struct fuse_file_info f = *fi;
	f.backing_id = backing_id > 0 ? backing_id : 0;
	return fuse_reply_create(req, e, &f);
#else
	reply_backing = backing_id;
	int r = fuse_reply_create(req, e, fi);
	reply_backing = 0;
	return r;
#endif
}

/* The reply libfuse is sending, with our additions: `iov` is the header and
 * (for the replies we touch) one buffer of payload. */
ssize_t shim_writev(int fd, struct iovec *iov, int count)
{
	const struct fuse_out_header *out = iov[0].iov_base;

	if (count != 2 || iov[0].iov_len != sizeof(*out) || out->error)
		return writev(fd, iov, count);
	if (init_unique && out->unique == init_unique) {
		struct sm_fuse_init_out io;
		init_unique = 0;
		if (iov[1].iov_len != sizeof(io) || !wanted)
			return writev(fd, iov, count);
		memcpy(&io, iov[1].iov_base, sizeof(io));
		io.flags |= (uint32_t)wanted;
		if ((wanted >> 32) && (offered & SM_INIT_EXT)) {
			io.flags |= (uint32_t)SM_INIT_EXT;
			io.flags2 |= (uint32_t)(wanted >> 32);
		}
		if (wanted & SM_INIT_PASSTHROUGH)
			io.max_stack_depth = SM_PASSTHROUGH_STACK_DEPTH;
		struct iovec v[2] = {iov[0], {&io, sizeof(io)}};
		return writev(fd, v, 2);
	}
#if !SHIM_LIBFUSE_API
	if (reply_backing > 0) {
		/* OPEN: fuse_open_out; CREATE: fuse_entry_out then fuse_open_out. */
		char buf[sizeof(struct fuse_entry_out) + sizeof(struct sm_fuse_open_out)];
		size_t n = iov[1].iov_len;
		if (n != sizeof(struct sm_fuse_open_out) && n != sizeof(buf))
			return writev(fd, iov, count);
		memcpy(buf, iov[1].iov_base, n);
		shim_open_out(buf + n - sizeof(struct sm_fuse_open_out), reply_backing);
		struct iovec v[2] = {iov[0], {buf, n}};
		return writev(fd, v, 2);
	}
#endif
	return writev(fd, iov, count);
}
