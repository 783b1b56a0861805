/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Marks: the admin's persistent permission that a directory may be shifted,
 * stored as the trusted.shiftmount xattr of the directory, and the registry
 * of mark names under /etc/shiftmount/names.
 *
 * The xattr value is one line of text (no newline), fields in this order:
 *
 *   v1 origin-uid=N origin-gid=N range=N [by=ENTRY[,ENTRY]...] [name=NAME]
 *      [grant=anyone-as-disk-root]
 *
 * ENTRY is a host uid (decimal) or @USER.  grant=anyone-as-disk-root is the
 * admin's explicit word that a mark without --by and with origin 0 may be
 * granted to any container root, which then writes as disk root (uid or gid
 * 0); shiftmountd refuses such a mark without it, and the field is allowed
 * only on exactly such a mark.  Daemons older than the field see a mark that
 * carries it as invalid and refuse it: it fails closed.  Every field is parsed strictly:
 * unknown or repeated fields, another order, extra spaces, leading zeros
 * and out-of-range numbers make the whole mark invalid.
 */
#ifndef SHIFTMOUNT_MARK_H
#define SHIFTMOUNT_MARK_H

#include <stddef.h>
#include <stdint.h>

#include "idmap.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SM_MARK_XATTR	 "trusted.shiftmount"
#define SM_MARK_VERSION	 "v1"
#define SM_MARK_MAX_BY	 16
#define SM_MARK_USER_MAX 32 /* bytes of a user name, like useradd's limit */
#define SM_MARK_NAME_MAX 64
#define SM_MARK_TEXT_MAX 1024 /* the longest valid xattr value */

#define SM_REGISTRY_DIR "/etc/shiftmount/names"
#define SM_REGISTRY_ENV "SHIFTMOUNT_REGISTRY"

struct sm_mark_by {
	int is_user;			 /* 1: @user, 0: a host uid */
	uint32_t uid;			 /* when !is_user */
	char user[SM_MARK_USER_MAX + 1]; /* when is_user, without the '@' */
};

struct sm_mark {
	uint32_t origin_uid, origin_gid;
	uint32_t range; /* > 0; origin + range - 1 <= SM_ID_MAX */
	unsigned n_by;	/* 0: anyone who can reach the directory */
	struct sm_mark_by by[SM_MARK_MAX_BY];
	char name[SM_MARK_NAME_MAX + 1]; /* "" when the mark has no name */
	int anyone_as_disk_root;	 /* grant=anyone-as-disk-root */
};

#define SM_MARK_GRANT_ANYONE_ROOT "anyone-as-disk-root"

/* 1 when the mark lets any container root write as disk uid or gid 0: no
 * --by list and origin 0.  Such a mark needs anyone_as_disk_root. */
int sm_mark_grants_anyone_root(const struct sm_mark *m);

/* origin 0/0, range SM_DEFAULT_RANGE, no --by, no name. */
void sm_mark_init(struct sm_mark *m);

/* Append a --by entry: "UID" or "@USER".  -EINVAL (bad entry), -E2BIG
 * (too many), -EEXIST (already listed). */
int sm_mark_add_by(struct sm_mark *m, const char *entry);

/* Syntax of a user name (@USER without '@') and of a mark name: 1 if valid. */
int sm_mark_user_valid(const char *user);
int sm_mark_name_valid(const char *name);

/* -EINVAL and *err filled when `m` breaks a rule of the format. */
int sm_mark_validate(const struct sm_mark *m, struct sm_error *err);

/* Parse `len` bytes of an xattr value.  -EINVAL and *err on anything that is
 * not exactly a valid mark. */
int sm_mark_parse(const char *text, size_t len, struct sm_mark *ret, struct sm_error *err);

/* The xattr text of a valid mark; length, -EINVAL for an invalid mark,
 * -ENOBUFS when `len` is too small. */
int sm_mark_format(const struct sm_mark *m, char *buf, size_t len);

/* The mark of the directory `dirfd` (any fd, O_PATH included).  -ENOTDIR when
 * it is not a directory, -ENODATA when it has no mark, -EBADMSG when the xattr
 * is there but is not a valid mark (err says why, may be NULL), -EOPNOTSUPP
 * when the filesystem has no trusted xattrs. */
int sm_mark_get(int dirfd, struct sm_mark *ret, struct sm_error *err);

/* Write (replace) the mark; refuses an invalid one with -EINVAL.  -EPERM
 * without CAP_SYS_ADMIN in the initial user namespace. */
int sm_mark_set(int dirfd, const struct sm_mark *m);

/* Remove the mark; -ENODATA when there is none. */
int sm_mark_remove(int dirfd);

/* The registry directory: $SHIFTMOUNT_REGISTRY if set and absolute, else
 * SM_REGISTRY_DIR. */
const char *sm_registry_dir(void);

/* Index `name` -> absolute `path` (a symlink REGDIR/NAME, replaced
 * atomically); creates REGDIR (0755) if needed. */
int sm_registry_add(const char *regdir, const char *name, const char *path);

/* Remove REGDIR/NAME if it points at `path` (or unconditionally when `path`
 * is NULL); -ENOENT when absent, -ESTALE when it points elsewhere. */
int sm_registry_remove(const char *regdir, const char *name, const char *path);

/* The path REGDIR/NAME names: the symlink's target, or the first line of a
 * regular file.  *ret is malloc()ed.  -ENOENT when unknown, -EINVAL for an
 * invalid name or an entry that is not an absolute path. */
int sm_registry_lookup(const char *regdir, const char *name, char **ret);

#ifdef __cplusplus
}
#endif
#endif
