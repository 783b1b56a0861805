/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shiftfs-fuse internals: the state of one mount and what the files of
 * src/fuse share.
 *
 * Lock order (there is only one lock that nests nothing):
 *   itab.lock   the inode table: hash chains, every node's nlookup and
 *               hashed, the count of nodes holding an fd.
 *   pt_lock     (passthrough.c) every node's backing_*; nests nothing.
 * No syscall ever runs with a lock held.  Everything else a request touches is
 * either immutable for the node's life (fd, fh, dev, ino) or belongs to the
 * request's thread (credentials, umask, buffers).
 */
#ifndef SM_FUSE_FS_H
#define SM_FUSE_FS_H

#define FUSE_USE_VERSION 314

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "shiftmount/backend.h"
#include "shiftmount/idmap.h"

/* One node per inode of the source tree, keyed by (st_dev, st_ino).  The
 * pointer is the FUSE nodeid; the root node is FUSE_ROOT_ID. */
struct sm_node {
	struct sm_node *next; /* hash chain, under itab.lock */
	dev_t dev;
	ino_t ino;
	uint64_t nlookup; /* the kernel's references, under itab.lock */
	int hashed;	  /* in the table (else a stale node), under itab.lock */
	/* The way back to the inode, for the node's whole life: an O_PATH fd,
	 * or (fd -1) a file handle on the root's mount.  Use node_fd(). */
	int fd;
	struct file_handle *fh;
	mode_t type; /* S_IFMT of the inode (never changes) */
	/* Passthrough: the kernel's backing file for every open of the inode
	 * (it refuses two), while backing_opens > 0; under pt_lock. */
	int backing_id;
	unsigned backing_opens;
};

struct sm_itab {
	pthread_mutex_t lock;
	struct sm_node **bucket;
	size_t nbuckets, n;
	size_t pinned;	  /* nodes holding an fd, under lock */
	size_t fd_budget; /* past it, new nodes hold a handle */
	int root_mnt_id;
	int mount_fd; /* for open_by_handle_at(), which refuses O_PATH fds */
};

/* Both in the order of the option's values never, auto, always (cache= also
 * takes image).  SM_CACHE_IMAGE: a read-only mount's default, cache=always
 * with negative lookups cached as long (docs/fuse.md "Caching"). */
enum sm_cache {
	SM_CACHE_UNSET = -1,
	SM_CACHE_NEVER,
	SM_CACHE_AUTO,
	SM_CACHE_ALWAYS,
	SM_CACHE_IMAGE
};
/* Whether a mode keeps page cache and directory listings across opens. */
#define SM_CACHE_KEEPS(c) ((c) == SM_CACHE_ALWAYS || (c) == SM_CACHE_IMAGE)
/* When inodes are held by file handles rather than fds (inode.c). */
enum sm_handles { SM_HANDLES_NEVER, SM_HANDLES_AUTO, SM_HANDLES_ALWAYS };
/* The values' names, indexed by either enum: "never" ... "image". */
extern const char *const sm_policy_names[4];

/* What the command line asked for. */
struct sm_fuse_config {
	const char *src, *dst;	  /* as given */
	struct sm_idmap uid, gid; /* disk -> host */
	unsigned mount_flags;	  /* SM_MOUNT_* */
	int allow_other;	  /* -1: default (on when root in our namespace) */
	int foreground, debug, recursive;
	int writeback, flock;
	int passthrough, killpriv; /* may be used (-o nopassthrough, -o nokillpriv) */
	int idmap;		   /* -o idmap: ask for FUSE_ALLOW_IDMAP (else never) */
	enum sm_cache cache;	   /* UNSET: by use (image when ro, else auto) */
	enum sm_handles handles;
	double entry_timeout, attr_timeout, negative_timeout; /* < 0: default */
	unsigned max_threads;
	int clone_fd; /* a /dev/fuse clone per worker thread (-o clone_fd) */
	int fuse_fd;  /* an open /dev/fuse handed to us, or -1 */
	int beneath;  /* mount beneath the mount at dst (shiftmount reconfigure) */
};

struct sm_fs {
	struct sm_fuse_config cfg;
	uint32_t overflow_uid, overflow_gid;
	double entry_timeout, attr_timeout, negative_timeout;
	int dont_mask;		     /* the kernel sends the umask and leaves it to us */
	int writeback;		     /* granted by the kernel */
	int passthrough;	     /* FUSE_PASSTHROUGH negotiated and backing ids allowed */
	int killpriv_v2;	     /* FUSE_HANDLE_KILLPRIV_V2: we clear suid/sgid/caps */
	const char *passthrough_why; /* why not, when not */
	int allow_idmap;	     /* FUSE_ALLOW_IDMAP negotiated: see cred.c */
	int idmap_refused;	     /* -o idmap, but the kernel does not offer it */
	int root_flushless;	     /* the root's filesystem reports no errors at close() */
	struct sm_node root;
	struct sm_itab itab;
	char map_spec[8192]; /* served as SM_FUSE_MAP_XATTR on the root */
	char options[512];   /* served as SM_FUSE_OPTIONS_XATTR: options_carried() */
	struct fuse_session *se;
};

extern struct sm_fs sm_fs;

/* beneath.c: the FUSE mount of `src` on device `devfd`, made detached
 * (fsmount) and moved beneath the mount now at `dst`, which stays on top
 * for its owner to detach.  0 and *ret_mnt_id (mountinfo's id), or -errno
 * and errno's message on stderr. */
int beneath_mount(const char *src, const char *dst, int devfd, unsigned mount_flags,
		  int allow_other, unsigned long long *ret_mnt_id);

/* inode.c */
int itab_init(struct sm_itab *t);
/* The node for `st`, its nlookup raised by one; `fd` (an O_PATH fd on the
 * same inode) is consumed either way.  NULL and errno on failure. */
struct sm_node *itab_get(int fd, const struct stat *st);
/* One more kernel reference to a node it already knows. */
void itab_ref(struct sm_node *n);
/* Drop `count` kernel references; the last one frees the node. */
void itab_forget(struct sm_node *n, uint64_t count);
struct sm_node *node_of(fuse_ino_t ino);
/* Decide whether nodes may hold file handles (the filesystem makes them and
 * we may open them) and how many fds they may hold first: half the open-file
 * limit (auto), none (always) or all (never).  Once the root's fd is open.
 * Fails (-errno) only for always, when handles cannot be used. */
int itab_handles_setup(int root_fd, enum sm_handles mode);
/* An O_PATH fd on the node's inode, to use as a dirfd or with AT_EMPTY_PATH
 * for one request: the node's own or one opened from its handle.  -1 and
 * errno (ESTALE: the inode is gone) on failure.  Give it back with
 * node_fd_put(), which keeps errno. */
int node_fd(struct sm_node *n);
void node_fd_put(struct sm_node *n, int fd);

/* idmapping helpers (cred.c) */
/* Disk id -> host id as the kernel should see it; unmapped is (uid_t)-1, which
 * the kernel turns into INVALID_UID (shown as the overflow id, owned by
 * nobody), as an idmapped mount does. */
uid_t host_uid(uid_t disk);
gid_t host_gid(gid_t disk);
void stat_to_host(struct stat *st);
/* The caller's host ids -> disk ids; -EOVERFLOW when either is unmapped. */
int req_disk_ids(fuse_req_t req, uid_t *ret_uid, gid_t *ret_gid);
/* A request without the caller's ids: with FUSE_ALLOW_IDMAP, every request
 * that makes no inode (cred.c). */
int req_ids_unknown(fuse_req_t req);

/* Wear the caller for an operation on a name (cred.c says how): fsuid/fsgid
 * = its disk ids (verified), CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and
 * CAP_FOWNER out of the effective set, umask = its umask when the kernel left
 * that to us.  -EOVERFLOW when the caller has no disk ids.  Every node_fd()
 * the operation needs comes before (open_by_handle_at wants
 * CAP_DAC_READ_SEARCH).  Paired with cred_leave() on the same thread. */
int cred_enter(fuse_req_t req, int with_umask);
int cred_enter_ids(uid_t host_uid, gid_t host_gid, pid_t pid, int umask_or_neg);
/* The same where a caller without disk ids may act (unlink, rmdir, a rename
 * that makes no name): it then acts with the daemon's rights, as before. */
int cred_enter_or_stay(fuse_req_t req);
void cred_leave(void);
int cred_setup_process(void);

/* An inode a call depends on: `name` in the directory `fd`, or (name NULL)
 * the inode of `fd` itself; fd -1 is skipped. */
struct sm_inode_ref {
	int fd;
	const char *name;
};
/* After a call failed with `err` (EACCES, EPERM) while wearing a caller:
 * put on what the caller really holds (its supplementary groups; each of
 * the three capabilities it has, if it is privileged over every inode in
 * `refs`), and say whether that changed anything worth one more try.
 * errno is left as `err`. */
int cred_denied(int err, const struct sm_inode_ref *refs, size_t n);
/* What follows, until cred_leave(), is on an inode the kernel never
 * checked for this caller (CREATE met a file made since the kernel's
 * lookup): cred_denied() then never lends the daemon's rights. */
void cred_unchecked(void);
/* Take the capabilities cred_denied() raised out again (groups stay). */
void cred_lower(void);
/* Raise one capability for the next call whatever the caller has: only for
 * what the daemon itself needs (naming an inode by fd). */
int cred_raise_one(int cap);

/* Run `call` (an expression: -1 and errno on failure) as the caller, and once
 * more with what it really holds when the filesystem refused it. */
#define AS_CALLER(r, refs, n, call)                                                                \
	do {                                                                                       \
		(r) = (call);                                                                      \
		if ((r) < 0 && cred_denied(errno, (refs), (n))) {                                  \
			(r) = (call);                                                              \
			cred_lower();                                                              \
		}                                                                                  \
	} while (0)

/* names.c: acting on a name in a directory, never following a symlink. */
/* A name the kernel could have sent: one component, not "." or "..". */
int name_ok(const char *name);
/* openat2() of one component beneath `dfd`, refusing symlinks anywhere
 * (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS). */
int open_beneath(int dfd, const char *name, int flags, mode_t mode);
/* CREATE: make `name` (O_EXCL); if the caller did not ask for O_EXCL and
 * the name exists, open the regular file that is there instead.  The fd, or
 * -ESTALE when the name is something else (a symlink: the kernel looks it up
 * again and follows it itself, as the caller), or -errno. */
int create_or_open(int dfd, const char *name, int flags, mode_t mode);

/* Shared helpers for the ops files. */
void fill_entry(struct fuse_entry_param *e, struct sm_node *n, const struct stat *st);
int lookup_name(struct sm_node *dir, const char *name, struct fuse_entry_param *e);
/* The same, from an fd on the directory the caller already holds. */
int lookup_name_at(int dfd, const char *name, struct fuse_entry_param *e);
int node_from_fd(int fd, struct fuse_entry_param *e);
void proc_fd_path(char *buf, size_t len, int fd);

struct fuse_in_header;
int tmpfile_make(struct sm_node *dir, const struct fuse_in_header *in, mode_t umask_, int flags,
		 mode_t mode, struct fuse_entry_param *e, struct fuse_file_info *fi, int *backing);

/* The lowlevel ops, one group a file. */
void op_lookup(fuse_req_t, fuse_ino_t, const char *);
void op_forget(fuse_req_t, fuse_ino_t, uint64_t);
void op_forget_multi(fuse_req_t, size_t, struct fuse_forget_data *);
void op_getattr(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void op_setattr(fuse_req_t, fuse_ino_t, struct stat *, int, struct fuse_file_info *);
void op_readlink(fuse_req_t, fuse_ino_t);
void op_mknod(fuse_req_t, fuse_ino_t, const char *, mode_t, dev_t);
void op_mkdir(fuse_req_t, fuse_ino_t, const char *, mode_t);
void op_symlink(fuse_req_t, const char *, fuse_ino_t, const char *);
void op_link(fuse_req_t, fuse_ino_t, fuse_ino_t, const char *);
void op_unlink(fuse_req_t, fuse_ino_t, const char *);
void op_rmdir(fuse_req_t, fuse_ino_t, const char *);
void op_rename(fuse_req_t, fuse_ino_t, const char *, fuse_ino_t, const char *, unsigned);
void op_statfs(fuse_req_t, fuse_ino_t);

void op_opendir(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void op_readdir(fuse_req_t, fuse_ino_t, size_t, off_t, struct fuse_file_info *);
void op_readdirplus(fuse_req_t, fuse_ino_t, size_t, off_t, struct fuse_file_info *);
void op_releasedir(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void op_fsyncdir(fuse_req_t, fuse_ino_t, int, struct fuse_file_info *);

void op_create(fuse_req_t, fuse_ino_t, const char *, mode_t, struct fuse_file_info *);
void op_open(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void op_read(fuse_req_t, fuse_ino_t, size_t, off_t, struct fuse_file_info *);
void op_write_buf(fuse_req_t, fuse_ino_t, struct fuse_bufvec *, off_t, struct fuse_file_info *);
void op_flush(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void op_release(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void op_fsync(fuse_req_t, fuse_ino_t, int, struct fuse_file_info *);
void op_fallocate(fuse_req_t, fuse_ino_t, int, off_t, off_t, struct fuse_file_info *);
void op_copy_file_range(fuse_req_t, fuse_ino_t, off_t, struct fuse_file_info *, fuse_ino_t, off_t,
			struct fuse_file_info *, size_t, int);
void op_lseek(fuse_req_t, fuse_ino_t, off_t, int, struct fuse_file_info *);
void op_flock(fuse_req_t, fuse_ino_t, struct fuse_file_info *, int);
void open_flags_fixup(struct fuse_file_info *fi);
void open_reply_flags(struct fuse_file_info *fi, dev_t dev);

void op_getxattr(fuse_req_t, fuse_ino_t, const char *, size_t);
void op_setxattr(fuse_req_t, fuse_ino_t, const char *, const char *, size_t, int);
void op_listxattr(fuse_req_t, fuse_ino_t, size_t);
void op_removexattr(fuse_req_t, fuse_ino_t, const char *);

/* An open file's fh: the fd, and whether the open holds a reference on the
 * node's backing file (passthrough.c).  (int)fi->fh is the fd. */
#define FH_PASSTHROUGH (1ull << 32)

/* init-shim.c: the protocol past libfuse 3.14 (see there). */
void shim_set_dev_fd(int fd);
/* Every request as read from /dev/fuse, before libfuse sees it. */
void shim_request(const struct fuse_in_header *in, size_t len);
/* Every reply libfuse sends. */
ssize_t shim_writev(int fd, struct iovec *iov, int count);
/* From the init op: decide killpriv_v2, passthrough and allow_idmap for
 * `fs` (idmap_refused when -o idmap cannot be had). */
void shim_init(struct sm_fs *fs, struct fuse_conn_info *c);
/* Whether the request this thread serves asked the server to kill
 * suid/sgid (FUSE_WRITE_KILL_SUIDGID, FATTR_KILL_SUIDGID,
 * FUSE_OPEN_KILL_SUIDGID: the caller lacks CAP_FSETID). */
int shim_kill_suidgid(void);
/* FUSE_DEV_IOC_BACKING_OPEN/CLOSE: an id > 0 or -errno. */
int shim_backing_open(int fd);
void shim_backing_close(int id);
/* Open replies with passthrough to `backing_id` (none when <= 0). */
int shim_reply_open(fuse_req_t req, const struct fuse_file_info *fi, int backing_id);
int shim_reply_create(fuse_req_t req, const struct fuse_entry_param *e,
		      const struct fuse_file_info *fi, int backing_id);
/* The same on a raw fuse_open_out (O_TMPFILE, answered below libfuse);
 * returns its open_flags. */
uint32_t shim_open_out(void *open_out, int backing_id);

/* passthrough.c */
/* For a new open of regular file `n` with our fd `fd` (flags as opened):
 * the backing id to answer with (0: none, answer as without passthrough),
 * FH_PASSTHROUGH in fi->fh when the open holds the node's backing, and
 * fi->direct_io when no backing id could be made for a reason that may
 * pass (pt_open() says which).  On entry fi->direct_io
 * says the opener asked for O_DIRECT (open_flags_fixup()); it is cleared
 * where the kernel's backing file can do O_DIRECT itself. */
int pt_open(struct sm_node *n, int fd, struct fuse_file_info *fi);
/* RELEASE of an open that held the backing. */
void pt_release(struct sm_node *n);
/* Undo pt_open() of an open the kernel never got (interrupted reply). */
#define pt_abort(n, fi) ((fi)->fh & FH_PASSTHROUGH ? pt_release(n) : (void)0)

/* cred.c: kill setuid/setgid of the inode of `fd` (any fd, O_PATH too) as
 * the kernel would before a write or truncate by the caller of `req`, who
 * lacks CAP_FSETID (shim_kill_suidgid()).  1 when it changed the mode, 0
 * when there was nothing to kill, or -errno. */
int cred_kill_suidgid(fuse_req_t req, int fd);

/* options.c */
int options_parse(int argc, char **argv, struct sm_fuse_config *cfg);
/* What `cfg`, as parsed and before defaults are applied, asks beyond the
 * map, the mount flags and where to mount, as -o options: each that is not
 * the default, in one fixed order and spelling.  The instance `shiftmount
 * reconfigure` starts in our place is given them, so it serves as we do. */
int options_carried(const struct sm_fuse_config *cfg, char *buf, size_t len);

/* session.c */
int session_run(struct sm_fs *fs, const struct fuse_lowlevel_ops *ops);

#endif
