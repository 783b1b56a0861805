/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the conformance cases share (fixtures.c): the map, the mounts and
 * ids under test, the reports a case child sends, credentials, child
 * processes, files on the source, raw ACL and file-capability xattrs.  The
 * cases and their table are in cases.c, the runner in main.c.
 */
#ifndef SM_CONFORMANCE_FIXTURES_H
#define SM_CONFORMANCE_FIXTURES_H

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/io_uring.h>

#include "../../lib/tap.h"

#define CASE_TIMEOUT_MS 60000

/* ---------------------------------------------------------------- maps */

struct extent {
	unsigned long disk, host, count;
};

struct map {
	struct extent u[32], g[32];
	int nu, ng;
};

int map_parse(const char *spec, struct map *m);

/* -1 when the id has no mapping. */
long d2h(const struct extent *e, int n, unsigned long id);

long h2d(const struct extent *e, int n, unsigned long id);

extern const char *g_backend, *g_fs;
extern const char *g_src, *g_mnt, *g_mnt2, *g_nosuid, *g_circ, *g_circ_map;
extern struct map g_map, g_cmap;
extern int g_src_fd, g_mnt_fd, g_mnt2_fd, g_nosuid_fd, g_circ_fd;
extern uid_t g_unm_u; /* a host uid the mount does not map */
extern gid_t g_unm_g;
extern unsigned long g_dunm; /* a disk id the mount does not map */
extern uid_t g_ovu;
extern gid_t g_ovg;
extern int g_res;		/* where a case child sends its results */
extern const char *g_no_userns; /* why user namespaces cannot be made, or NULL */

/* The host id of disk id d (check_map made sure it has one). */
#define HU(d) ((uid_t)d2h(g_map.u, g_map.nu, (d)))
#define HG(d) ((gid_t)d2h(g_map.g, g_map.ng, (d)))

/* A user with no mapping and no relation to any disk id the cases use. */
#define STRANGER 54321u

/* -------------------------------------------------------- child reports */

void vemit(char kind, const char *fmt, va_list ap);

__attribute__((format(printf, 2, 3))) void emit(char kind, const char *fmt, ...);

__attribute__((format(printf, 2, 3))) bool check(bool cond, const char *fmt, ...);

#define note(...) emit('D', __VA_ARGS__)

#define skipc(...) emit('S', __VA_ARGS__)

__attribute__((format(printf, 1, 2), noreturn)) void fatal(const char *fmt, ...);

const char *outcome(int r, int e);

/* The result of the call must be the first argument: errno is read first. */
__attribute__((format(printf, 3, 4))) bool expect_errno(int r, int want, const char *fmt, ...);

__attribute__((format(printf, 2, 3))) bool expect_ok(int r, const char *fmt, ...);

/* uid/gid -1: do not compare. */
__attribute__((format(printf, 6, 7))) bool expect_owner(int dfd, const char *path, int flags,
							long uid, long gid, const char *fmt, ...);

__attribute__((format(printf, 5, 6))) bool expect_mode(int dfd, const char *path, int flags,
						       mode_t want, const char *fmt, ...);

__attribute__((format(printf, 3, 4))) bool expect_absent(int dfd, const char *path, const char *fmt,
							 ...);

/* -------------------------------------------------------- credentials */

int caps_set(uint64_t eff);

#define CAP(c) (UINT64_C(1) << (c))

#define ALL_CAPS (~UINT64_C(0))

/* Keep euid 0 and every capability, act on the filesystem as uid:gid. */
void as_fsids(uid_t uid, gid_t gid, bool privileged);

/* Become uid:gid with these supplementary groups, keeping only `caps`. */
void become(uid_t uid, gid_t gid, int ngroups, const gid_t *groups, uint64_t caps);

/* ---------------------------------------------------------- processes */

typedef void (*sub_fn)(void *arg);

int wait_sub(pid_t pid, const char *what);

/* Run fn in a child process (its credential changes stay there). */
int sub(sub_fn fn, void *arg);

void write_map(pid_t pid, const char *which, const char *map);

/*
 * Run fn as uid:gid of a new user namespace with these maps (lines of
 * uid_map text, ids of the caller's namespace).  The caller writes the maps,
 * as a container runtime does; it may itself be inside a user namespace.
 * 0 when fn ran and its process ended well, 1 when no user namespace can be
 * made here (reported as a skip), -1 otherwise.
 */
int in_userns(const char *uidmap, const char *gidmap, uid_t uid, gid_t gid, sub_fn fn, void *arg);

/* ------------------------------------------------------- file fixtures */

struct wd {
	int s, m; /* the case's directory on the source and through the mount */
};

int open_dir(int dfd, const char *name);

void src_mkdir(int dfd, const char *name, uid_t uid, gid_t gid, mode_t mode);

void src_file(int dfd, const char *name, uid_t uid, gid_t gid, mode_t mode);

void src_symlink(int dfd, const char *name, const char *target, uid_t uid, gid_t gid);

/* The case's own directory, made on the source with disk ids (as root). */
struct wd workdir(const char *name, uid_t uid, gid_t gid, mode_t mode);

/* open(O_CREAT) and close; the result of the open. */
int create_file(int dfd, const char *name, int flags, mode_t mode);

long read_long(const char *path);

/* ------------------------------------------------ POSIX ACLs, raw xattr */

#define ACL_XATTR_VERSION 2

enum { T_USER_OBJ = 1, T_USER = 2, T_GROUP_OBJ = 4, T_GROUP = 8, T_MASK = 0x10, T_OTHER = 0x20 };

#define ACL_UNDEF 0xffffffffu

struct acl_ent {
	uint16_t tag, perm;
	uint32_t id;
};

struct acl {
	uint32_t version;
	struct acl_ent e[16];
};

size_t acl_build(struct acl *a, const struct acl_ent *ents, int n);

/* The id of the entry with this tag (USER or GROUP), -1 if none, -2 on error. */
long acl_get_id(int dfd, const char *path, const char *name, uint16_t tag, uint16_t *perm);

int acl_set(int dfd, const char *path, const char *name, const struct acl_ent *ents, int n);

#define ACL_ACCESS "system.posix_acl_access"

#define ACL_DEFAULT "system.posix_acl_default"

/* ------------------------------------------- file capabilities, raw xattr */

#define CAPS_XATTR "security.capability"

#define REV2 0x02000000u

#define REV3 0x03000000u

#define REV_MASK 0xff000000u

#define CAPS_SZ2 20

#define CAPS_SZ3 24

struct nscaps {
	uint32_t magic_etc;
	struct {
		uint32_t permitted, inheritable;
	} data[2];
	uint32_t rootid;
};

int caps_write(int fd, bool v3, uint32_t rootid);

/* "v2", "v3:ROOTID", or "error:WHY" */
const char *caps_read(int fd, char *buf, size_t len);

/* --------------------------------------------------------------- the table */

struct tcase {
	int num;
	const char *name;
	void (*fn)(void);
	bool userns; /* nothing to check without user namespaces */
};

/* cases.c: every case, in the order they run. */
extern const struct tcase cases[];
extern const size_t n_cases;

#endif
