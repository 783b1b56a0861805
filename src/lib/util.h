/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal helpers shared by the library and the front ends: cleanup
 * attributes with explicit hand-off (as in systemd, crun and bubblewrap).
 */
#ifndef SM_UTIL_H
#define SM_UTIL_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

/* Close `fd` if it is one (errno kept) and return -EBADF, for
 * `fd = safe_close(fd);`: the variable never names a closed fd. */
static inline int safe_close(int fd)
{
	/* Never retry close() on EINTR: the fd is gone either way on Linux. */
	if (fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return -EBADF;
}

static inline void sm_closep(int *fd)
{
	*fd = safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(sm_closep)

/* The /proc/self/fd magic link of `fd`: it reaches the fd's own inode (an
 * O_PATH fd too, which f*xattr() refuse) without reopening it by name,
 * whatever mount namespace it is in. */
static inline const char *sm_fd_path(char buf[static 64], int fd)
{
	snprintf(buf, 64, "/proc/self/fd/%d", fd);
	return buf;
}

/* Whether the `len` bytes at `word` are `name`, whole: one option of a
 * comma-separated list against a table's names. */
static inline int sm_word_is(const char *word, size_t len, const char *name)
{
	return strlen(name) == len && !strncmp(word, name, len);
}

static inline void sm_freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(sm_freep)

/* A helper child that must die with the scope that made it. */
static inline void sm_killp(pid_t *pid)
{
	if (*pid > 0) {
		int saved = errno;
		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = saved;
	}
}
#define _cleanup_kill_ _cleanup_(sm_killp)

static inline int sm_take_fd(int *fd)
{
	int r = *fd;
	*fd = -EBADF;
	return r;
}
#define TAKE_FD(fd) sm_take_fd(&(fd))

static inline void *sm_steal_pointer(void *pp)
{
	void **p = (void **)pp;
	void *r = *p;
	*p = NULL;
	return r;
}
#define steal_pointer(p) sm_steal_pointer(&(p))

static inline pid_t sm_take_pid(pid_t *pid)
{
	pid_t r = *pid;
	*pid = 0;
	return r;
}
#define TAKE_PID(p) sm_take_pid(&(p))

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* -errno of the last failed libc call, never 0. */
static inline int sm_negerrno(void)
{
	return errno > 0 ? -errno : -EIO;
}

/* Read a whole small file (at most `max` bytes) into a NUL-terminated
 * malloc()ed buffer. */
int sm_read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);

/* Undo /proc/PID/mountinfo's octal escapes (\040 for a space, \134 for a
 * backslash, ...) in place. */
void sm_mountinfo_unescape(char *s);

/* One line of a mount table (/proc/PID/mountinfo), every text field
 * unescaped; the strings live until the callback returns. */
struct sm_mountinfo_line {
	unsigned long long id, parent;
	dev_t dev;
	const char *root, *mount_point, *options, *fstype, *source;
	int shared; /* in a peer group ("shared:N"): what is mounted on it propagates */
};
typedef int (*sm_mountinfo_fn)(const struct sm_mountinfo_line *line, void *userdata);

/* Call `fn` for each mount in the table at (dirfd, path), such as
 * (AT_FDCWD, "/proc/self/mountinfo") or (a /proc/PID fd, "mountinfo"), in
 * the table's order (a mount stacked on another comes after it).  Stops at
 * the first non-zero return of `fn` and returns it; -errno when the table
 * cannot be read, -EIO for a line that is not one. */
int sm_mountinfo_each(int dirfd, const char *path, sm_mountinfo_fn fn, void *userdata);

/* json-c's constructors return NULL when out of memory, and
 * json_object_object_add() stores a NULL value as JSON null: this adds `v`
 * to the object `o` only when both were made, else releases `v` and says
 * -ENOMEM.  A builder chains its adds with || and drops the whole object on
 * the first failure. */
struct json_object;
int sm_json_add(struct json_object *o, const char *key, struct json_object *v);
int sm_json_add_string(struct json_object *o, const char *key, const char *s);
/* The same for appending to an array. */
int sm_json_append(struct json_object *a, struct json_object *v);

/* The MOUNT_ATTR_* bits of the SM_MOUNT_RDONLY/NOSUID/NODEV/NOEXEC flags
 * (mount.c). */
uint64_t sm_mount_attr_bits(unsigned flags);

/* sm_error_failed() and then, when `hint` is not NULL, that hint: for the
 * library's own callers, whose failures mostly come with one.  -code. */
struct sm_error;
__attribute__((format(printf, 4, 5))) int
sm_error_failed_hint(struct sm_error *e, int code, const char *hint, const char *fmt, ...);
#endif
