/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inode table: one node per (st_dev, st_ino) of the source tree, holding
 * an O_PATH fd and the kernel's lookup count.  Two names of one inode (hard
 * links) are one node, so the kernel has one inode and one set of cached
 * attributes for both.  While a node lives its O_PATH fd pins the inode, so
 * its inode number cannot be reused under us.
 */
#include <errno.h>
#include <stdlib.h>
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

struct sm_node *itab_get(int fd, const struct stat *st)
{
	struct sm_itab *t = &sm_fs.itab;
	struct sm_node *n, *fresh = NULL;

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
	pthread_mutex_lock(&t->lock);
	size_t h = hash(t, st->st_dev, st->st_ino);
	for (n = t->bucket[h]; n; n = n->next)
		if (n->ino == st->st_ino && n->dev == st->st_dev)
			break;
	if (n) {
		n->nlookup++;
		pthread_mutex_unlock(&t->lock);
		free(fresh);
		close(fd);
		return n;
	}
	n = fresh;
	n->dev = st->st_dev;
	n->ino = st->st_ino;
	n->fd = fd;
	n->type = st->st_mode & S_IFMT;
	n->nlookup = 1;
	n->next = t->bucket[h];
	t->bucket[h] = n;
	if (++t->n > t->nbuckets * 2)
		grow(t);
	pthread_mutex_unlock(&t->lock);
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
	struct sm_node **pp = &t->bucket[hash(t, n->dev, n->ino)];
	while (*pp && *pp != n)
		pp = &(*pp)->next;
	if (*pp)
		*pp = n->next;
	t->n--;
	pthread_mutex_unlock(&t->lock);
	close(n->fd);
	free(n);
}

struct sm_node *node_of(fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return &sm_fs.root;
	return (struct sm_node *)(uintptr_t)ino;
}

size_t itab_count(void)
{
	pthread_mutex_lock(&sm_fs.itab.lock);
	size_t n = sm_fs.itab.n;
	pthread_mutex_unlock(&sm_fs.itab.lock);
	return n;
}
