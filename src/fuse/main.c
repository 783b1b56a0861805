/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shiftfs-fuse: the userspace backend of shiftmount.  Serves SRC at DST with
 * its owners shifted along the mount's map (disk id <-> host id), for
 * filesystems the kernel cannot idmap and for users without privileges over
 * the initial user namespace.  See shiftfs-fuse(1).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shiftmount/mount.h"
#include "fs.h"

struct sm_fs sm_fs;

static void op_init(void *userdata, struct fuse_conn_info *c)
{
	struct sm_fs *fs = userdata;

	/* The kernel kills setuid/setgid bits itself (it sends the new mode), so
	 * it must not think we do, and must not skip that on O_TRUNC. */
	c->want &= ~(FUSE_CAP_HANDLE_KILLPRIV | FUSE_CAP_ATOMIC_O_TRUNC);
	/* POSIX ACLs: the kernel enforces them (from our translated xattrs) and
	 * leaves the umask to us, so a default ACL can override it below. */
	if ((c->capable & FUSE_CAP_POSIX_ACL) && (c->capable & FUSE_CAP_DONT_MASK)) {
		c->want |= FUSE_CAP_POSIX_ACL | FUSE_CAP_DONT_MASK;
		fs->dont_mask = 1;
	}
	if (fs->cfg.writeback && (c->capable & FUSE_CAP_WRITEBACK_CACHE)) {
		c->want |= FUSE_CAP_WRITEBACK_CACHE;
		fs->writeback = 1;
	}
	if (!fs->cfg.flock)
		c->want &= ~FUSE_CAP_FLOCK_LOCKS;
	if (c->capable & FUSE_CAP_SPLICE_WRITE)
		c->want |= FUSE_CAP_SPLICE_WRITE | (c->capable & FUSE_CAP_SPLICE_MOVE);
	if (c->capable & FUSE_CAP_CACHE_SYMLINKS)
		c->want |= FUSE_CAP_CACHE_SYMLINKS;
	shim_init(fs, c);
	c->time_gran = 1;
	if (c->max_background < 64)
		c->max_background = 64;
}

static const struct fuse_lowlevel_ops ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.readlink = op_readlink,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.symlink = op_symlink,
	.link = op_link,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.rename = op_rename,
	.statfs = op_statfs,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.readdirplus = op_readdirplus,
	.releasedir = op_releasedir,
	.fsyncdir = op_fsyncdir,
	.create = op_create,
	.open = op_open,
	.read = op_read,
	.write_buf = op_write_buf,
	.flush = op_flush,
	.release = op_release,
	.fsync = op_fsync,
	.fallocate = op_fallocate,
	.copy_file_range = op_copy_file_range,
	.lseek = op_lseek,
	.flock = op_flock,
	.getxattr = op_getxattr,
	.setxattr = op_setxattr,
	.listxattr = op_listxattr,
	.removexattr = op_removexattr,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: shiftfs-fuse [-f] [-d] -o map=SPEC [-o OPTIONS] SRC DST\n"
		"       shiftfs-fuse [-f] [-d] -o shift=TARGET[,origin=N][,range=N] [-o OPTIONS] "
		"SRC DST\n"
		"\n"
		"Serve the directory SRC at DST with its owners shifted: a file owned by disk\n"
		"id D appears owned by host id H for every extent of the map, and files made\n"
		"through DST are stored with the disk ids of their makers.\n"
		"\n"
		"Map (one of):\n"
		"  map=SPEC            \"[u:|g:|b:]DISK:HOST:COUNT\" entries separated by spaces\n"
		"  shift=TARGET        TARGET: a PID or /proc/PID/ns/user; interior id i of its\n"
		"                      user namespace is stored as ORIGIN+i\n"
		"  origin=N            origin of uids and gids (default 0)\n"
		"  origin-uid=N, origin-gid=N\n"
		"  range=N             how many interior ids the shift covers (default 65536)\n"
		"Mount:\n"
		"  ro, rw, nosuid, suid, nodev, dev, noexec, exec\n"
		"  allow_other         let every user reach the mount (default when root)\n"
		"  noallow_other       only the mounting user\n"
		"  recursive           also serve the mounts below SRC\n"
		"  beneath             mount beneath the mount now at DST, which stays on\n"
		"                      top (shiftmount reconfigure then detaches it)\n"
		"Caching (default by use: cache=image when ro, else cache=auto):\n"
		"  cache=never         timeouts 0 (and direct I/O without passthrough)\n"
		"  cache=auto          entries and attributes for 1 s, no negative entries:\n"
		"                      writers beside the mount are seen within 1 s\n"
		"  cache=always        entries and attributes for a day, page cache and\n"
		"                      listings kept across opens\n"
		"  cache=image         always, and negative entries for a day (a read-only\n"
		"                      image; changes beside the mount may be seen late)\n"
		"  timeout=S, entry_timeout=S, attr_timeout=S, negative_timeout=S\n"
		"                      seconds, over the mode's\n"
		"  writeback           kernel writeback cache (faster small writes; other\n"
		"                      writers of SRC may see data later)\n"
		"  threads=N           at most N worker threads (default 16)\n"
		"  clone_fd            a /dev/fuse clone per worker thread (default off)\n"
		"Kernel features (on where the kernel and our privileges allow):\n"
		"  nopassthrough       file data through shiftfs-fuse, not straight to\n"
		"                      the source file (passthrough needs root of the\n"
		"                      initial user namespace; writeback turns it off)\n"
		"  nokillpriv          the kernel, not shiftfs-fuse, clears setuid/setgid\n"
		"                      bits (no FUSE_HANDLE_KILLPRIV_V2; more requests)\n"
		"  idmap               let the mount be idmapped (mount_setattr(2), crun's\n"
		"                      idmap, shiftmount bind --backend=kernel; Linux 6.12+;\n"
		"                      the mount fails without it); off by default, since\n"
		"                      unlink, rmdir, rename and link then get no caller ids\n"
		"                      and are done with shiftfs-fuse's rights after the\n"
		"                      kernel's check; no FUSE_HANDLE_KILLPRIV_V2\n"
		"  noidmap             the default\n"
		"  handles=never|auto|always\n"
		"                      hold the inodes the kernel knows by file handle\n"
		"                      rather than open fd: past half the open-file limit\n"
		"                      (auto, the default), always (fewest fds) or never\n"
		"  no_flock            leave flock() to the kernel, local to this mount\n"
		"  fuse_fd=N           use this open /dev/fuse (handed over by a privileged\n"
		"                      parent where /dev/fuse is not open to the user)\n"
		"Other:\n"
		"  -f                  stay in the foreground\n"
		"  -d                  debug output (implies -f)\n"
		"  -h, --help          this text\n"
		"  --version           the version\n"
		"\n"
		"Unmount with umount DST (or fusermount3 -u DST).  If the process is killed,\n"
		"DST reports ENOTCONN until it is unmounted.\n"
		"Exit status: 0 mounted, 1 the mount failed, 2 bad usage or input.\n");
}

/* The inode table holds an O_PATH fd for each inode the kernel knows, up to
 * half the open-file limit (file handles past it, see inode.c), and the
 * kernel keeps a whole tree's inodes while memory allows: the more fds, the
 * fewer reopenings.  Root may raise the hard limit up to fs.nr_open; anyone
 * may raise the soft limit to the hard one. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	unsigned long nr_open = 0;
	FILE *f = fopen("/proc/sys/fs/nr_open", "re");

	if (f) {
		if (fscanf(f, "%lu", &nr_open) != 1)
			nr_open = 0;
		fclose(f);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (nr_open > rl.rlim_max) {
		struct rlimit more = {nr_open, nr_open};
		if (setrlimit(RLIMIT_NOFILE, &more) == 0)
			return;
	}
	rl.rlim_cur = rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

int main(int argc, char **argv)
{
	struct sm_fuse_config *cfg = &sm_fs.cfg;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("shiftfs-fuse %s (libfuse %s)\n", SM_VERSION, fuse_pkgversion());
			return 0;
		}
		if (!strcmp(argv[i], "--"))
			break;
	}

	sm_idmap_init(&cfg->uid);
	sm_idmap_init(&cfg->gid);
	cfg->allow_other = -1;
	cfg->cache = SM_CACHE_UNSET;
	cfg->handles = SM_HANDLES_AUTO;
	cfg->flock = 1;
	cfg->passthrough = 1;
	cfg->killpriv = 1;
	cfg->fuse_fd = -1;
	cfg->entry_timeout = cfg->attr_timeout = cfg->negative_timeout = -1;
	int r = options_parse(argc, argv, cfg);
	if (r < 0)
		return r == -ENOMEM ? 1 : 2; /* bad input, including a bad shift= */
	if (options_carried(cfg, sm_fs.options, sizeof(sm_fs.options)) < 0) {
		fprintf(stderr, "shiftfs-fuse: the options do not fit in %zu bytes\n",
			sizeof(sm_fs.options));
		return 2;
	}

	raise_fd_limit();
	if (cfg->allow_other < 0)
		cfg->allow_other = geteuid() == 0;
	/* Caching fit to the use (docs/fuse.md "Caching"): nothing changes
	 * through a read-only mount and the image below is not to change, so
	 * it keeps all for long; a read-write one stays within 1 s of writers
	 * beside it.  An explicit cache= or timeout wins. */
	if (cfg->cache == SM_CACHE_UNSET)
		cfg->cache = (cfg->mount_flags & SM_MOUNT_RDONLY) ? SM_CACHE_IMAGE : SM_CACHE_AUTO;
	double dflt = cfg->cache == SM_CACHE_NEVER ? 0 : SM_CACHE_KEEPS(cfg->cache) ? 86400 : 1;
	sm_fs.entry_timeout = cfg->entry_timeout >= 0 ? cfg->entry_timeout : dflt;
	sm_fs.attr_timeout = cfg->attr_timeout >= 0 ? cfg->attr_timeout : dflt;
	sm_fs.negative_timeout = cfg->negative_timeout >= 0	? cfg->negative_timeout
				 : cfg->cache == SM_CACHE_IMAGE ? dflt
								: 0;
	sm_fs.overflow_uid = sm_overflow_id(SM_UID);
	sm_fs.overflow_gid = sm_overflow_id(SM_GID);
	if (sm_idmap_format_spec(&cfg->uid, &cfg->gid, sm_fs.map_spec, sizeof(sm_fs.map_spec)) < 0)
		sm_fs.map_spec[0] = '\0';

	/* Modes arrive already masked, or with the umask to apply per request. */
	umask(0);
	cred_setup_process();
	if (itab_init(&sm_fs.itab) < 0) {
		fprintf(stderr, "shiftfs-fuse: out of memory\n");
		return 1;
	}
	return session_run(&sm_fs, &ops);
}
