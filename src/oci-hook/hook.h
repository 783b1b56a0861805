/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shiftmount-oci-hook: an OCI runtime hook (createRuntime) that shifts a
 * container's root and volumes along its user namespace.  What a container
 * asks for comes from its config's annotations (spec.c); the shifted mounts
 * are made detached, by the library for a rootful runtime or by shiftmountd
 * for a rootless one (source.c), and attached in the container's mount
 * namespace before the runtime pivots into it (attach.c).
 */
#ifndef SM_OCI_HOOK_H
#define SM_OCI_HOOK_H

#include <limits.h>
#include <stdio.h>
#include <sys/types.h>

#define HOOK_PROGRAM "shiftmount-oci-hook"

/* The annotations (docs/runtimes.md, shiftmount-oci-hook(1)). */
#define HOOK_ANN_ROOTFS	 "org.shiftmount.rootfs"
#define HOOK_ANN_VOLUMES "org.shiftmount.volumes"

/* The host's subordinate-id tables, for a mark's --by @USER (source.c). */
#define HOOK_SUBUID "/etc/subuid"
#define HOOK_SUBGID "/etc/subgid"

#define HOOK_MAX_VOLUMES 16
#define HOOK_MAX_MOUNTS	 256 /* the config's mounts[] that are looked at */

enum {
	HOOK_OK = 0,
	HOOK_FAILED = 1, /* an operation failed */
	HOOK_USAGE = 2,	 /* bad input: arguments, state, config, annotations */
};

/* One shifted mount the container asked for: its root, or a volume. */
struct hook_item {
	char src[PATH_MAX];  /* host directory, absolute */
	char dest[PATH_MAX]; /* in the container: "/" for the root */
	int is_root;
	int readonly;
	int srcfd; /* O_PATH|O_DIRECTORY of src, opened by the hook */
	int mntfd; /* the detached shifted mount, once made */
};

struct hook_spec {
	pid_t pid;		 /* the container's init, in the hook's pid namespace */
	int rootful;		 /* the hook is root in the initial user namespace */
	int userns_fd, mntns_fd; /* the container's namespaces */
	char bundle[PATH_MAX];	 /* absolute */
	char root[PATH_MAX];	 /* the container's root as a host path, canonical */
	unsigned n_items;	 /* the root first when it is shifted, then volumes */
	struct hook_item item[HOOK_MAX_VOLUMES + 1];
	unsigned n_config_dests; /* the config's own mount destinations */
	char *config_dests[HOOK_MAX_MOUNTS];
};

/* "shiftmount-oci-hook: MESSAGE" as one line on stderr; returns `status`. */
__attribute__((format(printf, 2, 3))) int hook_error(int status, const char *fmt, ...);

/* spec.c: the state on stdin and the bundle's config.json into *s, every
 * annotation checked; the sources are not opened yet.  An exit status. */
int hook_read_spec(FILE *state, struct hook_spec *s);
void hook_spec_free(struct hook_spec *s);

/* source.c: open each item's source and check it (a directory; a volume's
 * mark) and its destination in the container's root.  An exit status. */
int hook_open_sources(struct hook_spec *s);

/* Rootful: each item's detached shifted mount made by the library along the
 * container's user namespace.  An exit status. */
int hook_make_direct(struct hook_spec *s);

/* Rootless, in the child only: join the container's user namespace as its
 * root (the daemon shifts along its caller's own namespace, for its root
 * only).  An exit status. */
int hook_become_container_root(const struct hook_spec *s);

/* In the child only: join the container's mount namespace.  An exit status. */
int hook_join_mounts(const struct hook_spec *s);

/* Rootless, in the child, in the container's namespaces: each item's
 * detached mount asked of shiftmountd at `socket` (NULL: $SHIFTMOUNT_SOCKET,
 * else the default).  An exit status. */
int hook_make_delegated(struct hook_spec *s, const char *socket);

/* attach.c, in the child, in the container's mount namespace: the root over
 * the runtime's root (the runtime's submounts moved onto it), the volumes at
 * their destinations.  An exit status. */
int hook_attach(struct hook_spec *s);

#endif
