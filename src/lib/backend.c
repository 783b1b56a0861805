/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The backend choice and the FUSE backend's entry points.  The kernel backend
 * (idmapped mounts) is preferred wherever the filesystem supports it; the
 * FUSE backend (shiftfs-fuse, a separate program) serves everything else.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#include "shiftmount/backend.h"
#include "shiftmount/mount.h"
#include "util.h"

int sm_backend_parse(const char *s, enum sm_backend *ret)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "auto"))
		*ret = SM_BACKEND_AUTO;
	else if (!strcmp(s, "kernel"))
		*ret = SM_BACKEND_KERNEL;
	else if (!strcmp(s, "fuse"))
		*ret = SM_BACKEND_FUSE;
	else
		return -EINVAL;
	return 0;
}

const char *sm_backend_name(enum sm_backend b)
{
	switch (b) {
	case SM_BACKEND_KERNEL:
		return "kernel";
	case SM_BACKEND_FUSE:
		return "fuse";
	default:
		return "auto";
	}
}

int sm_backend_choose(int dirfd, const char *path, enum sm_backend requested, enum sm_backend *ret)
{
	if (requested != SM_BACKEND_AUTO) {
		*ret = requested;
		return 0;
	}
	int r = sm_mount_probe_idmap(dirfd, path);
	/* No privilege for idmapped mounts (inside a container), or a kernel
	 * without the mount API: the kernel cannot serve it, FUSE still can. */
	if (r == -EPERM || r == -ENOSYS)
		r = 0;
	if (r < 0)
		return r;
	*ret = r ? SM_BACKEND_KERNEL : SM_BACKEND_FUSE;
	return 0;
}

static int executable(const char *p)
{
	return access(p, X_OK) == 0;
}

int sm_fuse_find(char *buf, size_t len)
{
	/* The binary run as root: from the environment only when it is ours
	 * to trust (secure_getenv is NULL in a setuid or setcap program). */
	const char *env = secure_getenv("SHIFTFS_FUSE");
	char self[PATH_MAX];

	if (env && *env) {
		if (!executable(env))
			return -ENOENT;
		return snprintf(buf, len, "%s", env) < (int)len ? 0 : -ENAMETOOLONG;
	}
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (snprintf(buf, len, "%s/shiftfs-fuse", self) < (int)len &&
			    executable(buf))
				return 0;
		}
	}
	const char *path = secure_getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t l = strcspn(path, ":");
		if (l > 0 && snprintf(buf, len, "%.*s/shiftfs-fuse", (int)l, path) < (int)len &&
		    executable(buf))
			return 0;
		path += l;
		if (*path == ':')
			path++;
	}
	return -ENOENT;
}

int sm_fuse_mount(const char *src, const char *dst, const struct sm_idmap *uid,
		  const struct sm_idmap *gid, unsigned flags, const char *extra)
{
	char bin[PATH_MAX];
	int r = sm_fuse_find(bin, sizeof(bin));
	if (r < 0)
		return r;

	size_t cap = SM_IDMAP_MAX_EXTENTS * 2 * 40 + 256 + (extra ? strlen(extra) : 0);
	_cleanup_free_ char *opts = malloc(cap);
	if (!opts)
		return -ENOMEM;
	/* `extra` first: what comes later wins, and the map and the flags
	 * are the caller's to set, whatever `extra` says. */
	int n = extra && *extra ? snprintf(opts, cap, "%s,map=", extra)
				: snprintf(opts, cap, "map=");
	r = sm_idmap_format_spec(uid, gid, opts + n, cap - (size_t)n);
	if (r < 0)
		return r;
	n += r;
	static const struct {
		unsigned flag;
		const char *name;
	} words[] = {
		{SM_MOUNT_RDONLY, "ro"},	   {SM_MOUNT_NOSUID, "nosuid"},
		{SM_MOUNT_NODEV, "nodev"},	   {SM_MOUNT_NOEXEC, "noexec"},
		{SM_MOUNT_RECURSIVE, "recursive"},
	};
	for (size_t i = 0; i < ELEMENTSOF(words); i++)
		if (flags & words[i].flag)
			n += snprintf(opts + n, cap - (size_t)n, ",%s", words[i].name);

	/* Everything the child needs is ready: after fork() it only execs. */
	char *argv[] = {bin, "-o", opts, "--", (char *)src, (char *)dst, NULL};
	long max_fd = sysconf(_SC_OPEN_MAX);
	pid_t pid = fork();
	if (pid < 0)
		return sm_negerrno();
	if (pid == 0) {
		/* shiftfs-fuse outlives us as a daemon: it must not keep our
		 * fds, such as a file open in the mount `shiftmount
		 * reconfigure` replaces, which would keep the old instance
		 * alive for as long as the new one. */
		if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
			for (long fd = 3; fd < max_fd && fd < 65536; fd++)
				close((int)fd);
		execv(bin, argv);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return sm_negerrno();
	if (!WIFEXITED(status))
		return -EIO;
	switch (WEXITSTATUS(status)) {
	case 0:
		return 0;
	case 2:
		return -EINVAL;
	case 127:
		return -ENOENT;
	default:
		return -EIO;
	}
}

/* One of the unlisted strings a shiftfs-fuse mount root serves, NUL-terminated
 * in buf (len > 0); -ENODATA where the mount is not shiftfs-fuse's. */
static int read_root_xattr(const char *mountpoint, const char *name, char *buf, size_t len)
{
	ssize_t n = getxattr(mountpoint, name, buf, len - 1);
	if (n < 0)
		return errno == ENOTSUP ? -ENODATA : sm_negerrno();
	buf[n] = '\0';
	return 0;
}

int sm_fuse_read_maps(const char *mountpoint, struct sm_idmap *ret_uid, struct sm_idmap *ret_gid)
{
	char spec[8192];
	struct sm_error err;

	int r = read_root_xattr(mountpoint, SM_FUSE_MAP_XATTR, spec, sizeof(spec));
	if (r < 0)
		return r;

	_cleanup_free_ struct sm_idmap *u = malloc(sizeof(*u)), *g = malloc(sizeof(*g));
	if (!u || !g)
		return -ENOMEM;
	sm_idmap_init(u);
	sm_idmap_init(g);
	if (sm_idmap_parse_spec(spec, u, g, &err) < 0)
		return -EBADMSG;
	if (ret_uid)
		*ret_uid = *u;
	if (ret_gid)
		*ret_gid = *g;
	return 0;
}

/* A root xattr as text, or "" and -errno. */
static int read_root_text(const char *mountpoint, const char *name, char *buf, size_t len)
{
	if (len == 0)
		return -ERANGE;
	int r = read_root_xattr(mountpoint, name, buf, len);
	if (r < 0)
		buf[0] = '\0';
	return r;
}

int sm_fuse_read_features(const char *mountpoint, char *buf, size_t len)
{
	return read_root_text(mountpoint, SM_FUSE_FEATURES_XATTR, buf, len);
}

int sm_fuse_read_options(const char *mountpoint, char *buf, size_t len)
{
	return read_root_text(mountpoint, SM_FUSE_OPTIONS_XATTR, buf, len);
}
