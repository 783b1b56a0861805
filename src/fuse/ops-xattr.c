/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Extended attributes.  Values that carry ids (POSIX ACLs, v3 file
 * capabilities) go through the library's translators; the rest pass as they
 * are.  The kernel checked the namespace rules (trusted.* needs
 * CAP_SYS_ADMIN, security.capability CAP_SETFCAP over the inode, user.* the
 * file's permissions) before the request got here.
 *
 * The mount root also answers SM_FUSE_MAP_XATTR with the mount's map in
 * --map syntax, which is how `shiftmount show` learns the maps of a FUSE
 * mount, SM_FUSE_FEATURES_XATTR with what it negotiated with the kernel
 * (passthrough, killpriv_v2, writeback, ...), and SM_FUSE_OPTIONS_XATTR
 * with the options `shiftmount reconfigure` carries to the instance that
 * replaces it.  None is listed, so copies of the tree do not pick them up.
 *
 * Symlinks: there is no race-free way to reach a symlink's xattrs from an
 * O_PATH fd on kernels without getxattrat(); they report none.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "shiftmount/xattr.h"
#include "fs.h"

#define XATTR_MAX 65536

static struct sm_xattr_maps maps(void)
{
	return (struct sm_xattr_maps){.uid = &sm_fs.cfg.uid,
				      .gid = &sm_fs.cfg.gid,
				      .overflow_uid = sm_fs.overflow_uid,
				      .overflow_gid = sm_fs.overflow_gid};
}

/* The root's virtual xattrs, which cannot be set or removed. */
static int is_ours(const char *name)
{
	return !strcmp(name, SM_FUSE_MAP_XATTR) || !strcmp(name, SM_FUSE_FEATURES_XATTR) ||
	       !strcmp(name, SM_FUSE_OPTIONS_XATTR);
}

static void reply_value(fuse_req_t req, const void *v, size_t len, size_t size)
{
	if (size == 0)
		fuse_reply_xattr(req, len);
	else if (len > size)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, v, len);
}

void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct sm_node *n = node_of(ino);
	char path[64];

	if (n == &sm_fs.root && !strcmp(name, SM_FUSE_MAP_XATTR)) {
		reply_value(req, sm_fs.map_spec, strlen(sm_fs.map_spec), size);
		return;
	}
	if (n == &sm_fs.root && !strcmp(name, SM_FUSE_OPTIONS_XATTR)) {
		reply_value(req, sm_fs.options, strlen(sm_fs.options), size);
		return;
	}
	if (n == &sm_fs.root && !strcmp(name, SM_FUSE_FEATURES_XATTR)) {
		char f[384];
		int len =
			snprintf(f, sizeof(f),
				 "passthrough=%s killpriv_v2=%s writeback=%s idmap=%s cache=%s "
				 "entry_timeout=%g attr_timeout=%g negative_timeout=%g",
				 sm_fs.passthrough ? "on" : "off", sm_fs.killpriv_v2 ? "on" : "off",
				 sm_fs.writeback ? "on" : "off", sm_fs.allow_idmap ? "on" : "off",
				 sm_policy_names[sm_fs.cfg.cache], sm_fs.entry_timeout,
				 sm_fs.attr_timeout, sm_fs.negative_timeout);
		if (!sm_fs.passthrough && sm_fs.passthrough_why)
			len += snprintf(f + len, sizeof(f) - (size_t)len, " (no passthrough: %s)",
					sm_fs.passthrough_why);
		reply_value(req, f, strlen(f), size);
		return;
	}
	if (n->type == S_IFLNK) {
		fuse_reply_err(req, ENODATA);
		return;
	}
	enum sm_xattr_kind kind = sm_xattr_kind(name);
	int fd = node_fd(n);
	if (fd < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	proc_fd_path(path, sizeof(path), fd);
	if (kind == SM_XATTR_PLAIN && size == 0) {
		ssize_t len = getxattr(path, name, NULL, 0);
		node_fd_put(n, fd);
		if (len < 0)
			fuse_reply_err(req, errno);
		else
			fuse_reply_xattr(req, (size_t)len);
		return;
	}
	/* Translated values may change size (v2 -> v3 caps): always read all. */
	size_t cap = kind == SM_XATTR_PLAIN ? size : XATTR_MAX;
	char *buf = malloc(cap ? cap : 1);
	if (!buf) {
		node_fd_put(n, fd);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	ssize_t len = getxattr(path, name, buf, cap);
	node_fd_put(n, fd);
	if (len < 0) {
		fuse_reply_err(req, errno);
	} else if (kind == SM_XATTR_ACL) {
		struct sm_xattr_maps m = maps();
		int r = sm_xattr_acl_translate(buf, (size_t)len, &m, SM_XATTR_TO_HOST, NULL, 0);
		if (r < 0)
			fuse_reply_err(req, -r);
		else
			reply_value(req, buf, (size_t)len, size);
	} else if (kind == SM_XATTR_CAPS) {
		struct sm_xattr_maps m = maps();
		char out[SM_VFS_CAP_V3_SIZE];
		ssize_t r = sm_xattr_caps_translate(buf, (size_t)len, out, sizeof(out), &m,
						    SM_XATTR_TO_HOST);
		if (r < 0)
			fuse_reply_err(req, (int)-r);
		else
			reply_value(req, out, (size_t)r, size);
	} else {
		reply_value(req, buf, (size_t)len, size);
	}
	free(buf);
}

/* The kernel writes back ACLs it read through us (chmod, setfacl -m), with
 * entries outside the map shown as the sentinel: those get their disk ids
 * from the value on disk now. */
static int acl_to_disk(const char *path, const char *name, void *value, size_t size,
		       const struct sm_xattr_maps *m)
{
	char *ondisk = malloc(XATTR_MAX);
	if (!ondisk)
		return -ENOMEM;
	ssize_t len = getxattr(path, name, ondisk, XATTR_MAX);
	int r = sm_xattr_acl_translate(value, size, m, SM_XATTR_TO_DISK, len > 0 ? ondisk : NULL,
				       len > 0 ? (size_t)len : 0);
	free(ondisk);
	return r;
}

void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value, size_t size,
		 int flags)
{
	struct sm_node *n = node_of(ino);
	struct sm_xattr_maps m = maps();
	char path[64], caps[SM_VFS_CAP_V3_SIZE];
	char *copy = NULL;
	const void *v = value;
	int r = 0;

	if (n == &sm_fs.root && is_ours(name)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	if (n->type == S_IFLNK) {
		fuse_reply_err(req, EPERM);
		return;
	}
	int fd = node_fd(n);
	if (fd < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	proc_fd_path(path, sizeof(path), fd);
	switch (sm_xattr_kind(name)) {
	case SM_XATTR_ACL:
		copy = malloc(size ? size : 1);
		if (!copy) {
			r = -ENOMEM;
			break;
		}
		memcpy(copy, value, size);
		r = acl_to_disk(path, name, copy, size, &m);
		v = copy;
		break;
	case SM_XATTR_CAPS: {
		ssize_t len = sm_xattr_caps_translate(value, size, caps, sizeof(caps), &m,
						      SM_XATTR_TO_DISK);
		r = len < 0 ? (int)len : 0;
		if (len >= 0)
			size = (size_t)len;
		v = caps;
		break;
	}
	case SM_XATTR_PLAIN:
		break;
	}
	if (r == 0)
		r = setxattr(path, name, v, size, flags) < 0 ? -errno : 0;
	node_fd_put(n, fd);
	free(copy);
	fuse_reply_err(req, -r);
}

void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct sm_node *n = node_of(ino);
	char path[64];

	if (n->type == S_IFLNK) {
		reply_value(req, "", 0, size);
		return;
	}
	char *buf = size ? malloc(size) : NULL;
	if (size && !buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	int fd = node_fd(n);
	ssize_t len = -1;
	if (fd >= 0) {
		proc_fd_path(path, sizeof(path), fd);
		len = listxattr(path, buf, size);
		node_fd_put(n, fd);
	}
	if (len < 0)
		fuse_reply_err(req, errno);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)len);
	else
		fuse_reply_buf(req, buf, (size_t)len);
	free(buf);
}

void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct sm_node *n = node_of(ino);
	char path[64];

	if (n == &sm_fs.root && is_ours(name)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	if (n->type == S_IFLNK) {
		fuse_reply_err(req, EPERM);
		return;
	}
	int fd = node_fd(n);
	int r = -1;
	if (fd >= 0) {
		proc_fd_path(path, sizeof(path), fd);
		r = removexattr(path, name);
		node_fd_put(n, fd);
	}
	fuse_reply_err(req, r < 0 ? errno : 0);
}
