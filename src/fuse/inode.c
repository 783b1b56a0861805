/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inode table: one node per (st_dev, st_ino) of the source tree, holding
 * the kernel's lookup count and a way back to the inode.  Two names of one
 * inode (hard links) are one node, so the kernel has one inode and one set of
 * cached attributes for both.
 *
 * The way back is an O_PATH fd while there are fds to spare.  The kernel keeps
 * a whole tree's inodes while memory allows, and a tree is often bigger than
 * the limit of open files (which even root may not raise without
 * CAP_SYS_RESOURCE), so past a budget of half that limit a node holds a file
 * handle instead (name_to_handle_at) and each request reopens the inode with
 * open_by_handle_at for as long as it runs, as virtiofsd does.  An fd pins
 * its inode; a handle does not, so an inode number met again may be a new
 * inode: itab_get() compares handles and retires the stale node.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fs.h"

int itab_init(struct sm_itab *t)
{
	pthread_mutex_init(&t->lock, NULL);
	t->nbuckets = 1024;
	t->n = 0;
	t->bucket = calloc(t->nbuckets, sizeof(*t->bucket));
	return t->bucket ? 0 : -ENOMEM;
}

/* The handle of the inode `fd` is on, sized to fit (a table of a big tree
 * holds many), and the id of its mount; NULL and errno on failure. */
static struct file_handle *handle_at(int fd, int *mnt_id)
{
	struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);

	if (!fh)
		return NULL;
	fh->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(fd, "", fh, mnt_id, AT_EMPTY_PATH) < 0) {
		int e = errno;
		free(fh);
		errno = e;
		return NULL;
	}
	struct file_handle *fit = realloc(fh, sizeof(*fh) + fh->handle_bytes);
	return fit ? fit : fh;
}

/* The handle of the inode `fd` is on, or NULL when it has none we can use:
 * the filesystem cannot make one, or the inode is on another mount than the
 * root (a submount of a recursive source), which open_by_handle_at() with
 * the root as the mount would not reach. */
static struct file_handle *handle_of(int fd)
{
	int mnt_id;
	struct file_handle *fh = handle_at(fd, &mnt_id);

	if (fh && mnt_id != sm_fs.itab.root_mnt_id) {
		free(fh);
		return NULL;
	}
	return fh;
}

static int handle_equal(const struct file_handle *a, const struct file_handle *b)
{
	return a->handle_type == b->handle_type && a->handle_bytes == b->handle_bytes &&
	       !memcmp(a->f_handle, b->f_handle, a->handle_bytes);
}

int itab_handles_setup(int root_fd, enum sm_handles mode)
{
	struct sm_itab *t = &sm_fs.itab;
	struct rlimit rl;
	int err = 0;

	t->fd_budget = (size_t)-1; /* no handles: every node keeps its fd */
	t->mount_fd = -1;
	if (mode == SM_HANDLES_NEVER)
		return 0;
	struct file_handle *fh = NULL;
	t->mount_fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* open_by_handle_at() wants CAP_DAC_READ_SEARCH, or CAP_SYS_ADMIN over
	 * the mount (Linux 6.10): try it once. */
	if (t->mount_fd < 0 || !(fh = handle_at(root_fd, &t->root_mnt_id))) {
		err = -errno;
	} else {
		int fd = open_by_handle_at(t->mount_fd, fh, O_PATH | O_CLOEXEC);
		if (fd < 0)
			err = -errno;
		else
			close(fd);
	}
	free(fh);
	if (err < 0) {
		if (t->mount_fd >= 0)
			close(t->mount_fd);
		t->mount_fd = -1;
		return mode == SM_HANDLES_ALWAYS ? err : 0;
	}
	if (mode == SM_HANDLES_ALWAYS)
		t->fd_budget = 0;
	else if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		t->fd_budget = rl.rlim_cur / 2;
	return 0;
}

int node_fd(struct sm_node *n)
{
	if (n->fd >= 0)
		return n->fd;
	return open_by_handle_at(sm_fs.itab.mount_fd, n->fh, O_PATH | O_CLOEXEC);
}

void node_fd_put(struct sm_node *n, int fd)
{
	if (fd >= 0 && fd != n->fd) {
		int e = errno; /* callers read errno of the call before */
		close(fd);
		errno = e;
	}
}

static size_t hash(const struct sm_itab *t, dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9E3779B97F4A7C15ull ^ (uint64_t)dev * 0xC2B2AE3D27D4EB4Full;
	return (size_t)(h ^ (h >> 29)) & (t->nbuckets - 1);
}

/* Under the lock.  A failed resize leaves longer chains, nothing worse. */
static void grow(struct sm_itab *t)
{
	size_t nb = t->nbuckets * 2;
	struct sm_node **b = calloc(nb, sizeof(*b));
	if (!b)
		return;
	struct sm_node **old = t->bucket;
	size_t oldn = t->nbuckets;
	t->bucket = b;
	t->nbuckets = nb;
	for (size_t i = 0; i < oldn; i++) {
		struct sm_node *n = old[i], *next;
		for (; n; n = next) {
			next = n->next;
			size_t h = hash(t, n->dev, n->ino);
			n->next = b[h];
			b[h] = n;
		}
	}
	free(old);
}

/* Under the lock: take `n` out of its chain; it lives on until forgotten. */
static void unhash(struct sm_itab *t, struct sm_node *n)
{
	struct sm_node **pp = &t->bucket[hash(t, n->dev, n->ino)];
	while (*pp && *pp != n)
		pp = &(*pp)->next;
	if (*pp) {
		*pp = n->next;
		t->n--;
	}
	n->hashed = 0;
}

static struct sm_node *find(struct sm_itab *t, const struct stat *st)
{
	struct sm_node *n = t->bucket[hash(t, st->st_dev, st->st_ino)];
	while (n && !(n->ino == st->st_ino && n->dev == st->st_dev))
		n = n->next;
	return n;
}

struct sm_node *itab_get(int fd, const struct stat *st)
{
	struct sm_itab *t = &sm_fs.itab;
	struct sm_node *n, *fresh = NULL;
	struct file_handle *fh = NULL;
	int tried_fh = 0;

	if (st->st_dev == sm_fs.root.dev && st->st_ino == sm_fs.root.ino) {
		close(fd);
		itab_ref(&sm_fs.root);
		return &sm_fs.root;
	}
	/* Allocate outside the lock; usually needed, cheap when not. */
	fresh = calloc(1, sizeof(*fresh));
	if (!fresh) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	/* Past the budget the new node will keep a handle: make it now, as no
	 * syscall runs under the lock.  An unlinked inode (O_TMPFILE, or one
	 * removed meanwhile) cannot be found by handle: it keeps its fd. */
	int may_fh = st->st_nlink > 0;
	if (may_fh && __atomic_load_n(&t->pinned, __ATOMIC_RELAXED) >= t->fd_budget) {
		fh = handle_of(fd);
		tried_fh = 1;
	}
	pthread_mutex_lock(&t->lock);
	for (;;) {
		n = find(t, st);
		if (!n || n->fd >= 0)
			break;
		/* A node of handles: is it still this inode, or one that died and
		 * whose number was given again?  Compare with our own handle. */
		if (!tried_fh) {
			pthread_mutex_unlock(&t->lock);
			fh = handle_of(fd);
			tried_fh = 1;
			pthread_mutex_lock(&t->lock);
			continue; /* the chain may have changed meanwhile */
		}
		if (!fh || handle_equal(n->fh, fh))
			break;
		unhash(t, n); /* stale: the kernel will forget it in its time */
	}
	if (n) {
		n->nlookup++;
		pthread_mutex_unlock(&t->lock);
		free(fresh);
		free(fh);
		close(fd);
		return n;
	}
	n = fresh;
	n->dev = st->st_dev;
	n->ino = st->st_ino;
	n->type = st->st_mode & S_IFMT;
	n->nlookup = 1;
	n->hashed = 1;
	if (fh && may_fh && t->pinned >= t->fd_budget) {
		n->fd = -1;
		n->fh = fh;
		fh = NULL;
	} else {
		n->fd = fd;
		fd = -1;
		__atomic_store_n(&t->pinned, t->pinned + 1, __ATOMIC_RELAXED);
	}
	size_t h = hash(t, n->dev, n->ino);
	n->next = t->bucket[h];
	t->bucket[h] = n;
	if (++t->n > t->nbuckets * 2)
		grow(t);
	pthread_mutex_unlock(&t->lock);
	free(fh);
	if (fd >= 0)
		close(fd);
	return n;
}

void itab_ref(struct sm_node *n)
{
	pthread_mutex_lock(&sm_fs.itab.lock);
	n->nlookup++;
	pthread_mutex_unlock(&sm_fs.itab.lock);
}

void itab_forget(struct sm_node *n, uint64_t count)
{
	struct sm_itab *t = &sm_fs.itab;

	pthread_mutex_lock(&t->lock);
	if (n->nlookup < count) /* a kernel bug; never underflow */
		count = n->nlookup;
	n->nlookup -= count;
	if (n->nlookup > 0 || n == &sm_fs.root) {
		pthread_mutex_unlock(&t->lock);
		return;
	}
	if (n->hashed)
		unhash(t, n);
	if (n->fd >= 0)
		__atomic_store_n(&t->pinned, t->pinned - 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&t->lock);
	if (n->fd >= 0)
		close(n->fd);
	free(n->fh);
	free(n);
}

struct sm_node *node_of(fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return &sm_fs.root;
	return (struct sm_node *)(uintptr_t)ino;
}
