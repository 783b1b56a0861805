/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Listing the shifted mounts of the caller's mount namespace.
 *
 * listmount()+statmount() (Linux 6.8) give each mount's attributes; from
 * Linux 6.15 STATMOUNT_MNT_UIDMAP/GIDMAP also give an idmapped mount's maps,
 * as "disk host count" strings with the host column seen from the caller's
 * user namespace.  Without statmount, /proc/self/mountinfo still marks an
 * idmapped mount with the "idmapped" per-mount option, but not its maps.
 *
 * The kernel does not remember which directory a bind mount was made from,
 * only the filesystem and the root inside it; the source is recovered by
 * finding a plain mount of the same filesystem whose root contains it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "shiftmount/backend.h"
#include "shiftmount/mount.h"
#include "shiftmount/mountinfo.h"
#include "missing-syscall.h"
#include "util.h"

/* struct statmount as of Linux 6.15 (include/uapi/linux/mount.h); our own
 * name so that newer system headers do not clash.  [str] fields are offsets
 * into str[]. */
struct sm_statmount {
	uint32_t size;
	uint32_t mnt_opts;
	uint64_t mask;
	uint32_t sb_dev_major;
	uint32_t sb_dev_minor;
	uint64_t sb_magic;
	uint32_t sb_flags;
	uint32_t fs_type;
	uint64_t mnt_id;
	uint64_t mnt_parent_id;
	uint32_t mnt_id_old;
	uint32_t mnt_parent_id_old;
	uint64_t mnt_attr;
	uint64_t mnt_propagation;
	uint64_t mnt_peer_group;
	uint64_t mnt_master;
	uint64_t propagate_from;
	uint32_t mnt_root;
	uint32_t mnt_point;
	uint64_t mnt_ns_id;
	uint32_t fs_subtype;
	uint32_t sb_source;
	uint32_t opt_num;
	uint32_t opt_array;
	uint32_t opt_sec_num;
	uint32_t opt_sec_array;
	uint64_t supported_mask;
	uint32_t mnt_uidmap_num;
	uint32_t mnt_uidmap;
	uint32_t mnt_gidmap_num;
	uint32_t mnt_gidmap;
	uint64_t spare2[43];
	char str[];
};
_Static_assert(sizeof(struct sm_statmount) == 512, "struct statmount is 512 bytes");
_Static_assert(__builtin_offsetof(struct sm_statmount, mnt_uidmap_num) == 152, "statmount ABI");

#ifndef STATMOUNT_FS_SUBTYPE
#define STATMOUNT_FS_SUBTYPE 0x00000100U
#endif
#ifndef STATMOUNT_SB_SOURCE
#define STATMOUNT_SB_SOURCE 0x00000200U
#endif
#ifndef STATMOUNT_MNT_UIDMAP
#define STATMOUNT_MNT_UIDMAP 0x00002000U
#define STATMOUNT_MNT_GIDMAP 0x00004000U
#endif

/* One mount as read from the kernel, before deciding whether it is ours. */
struct raw_mount {
	uint64_t id;
	dev_t dev;
	unsigned flags; /* SM_MOUNT_* */
	int idmapped;
	int maps_known;
	char *root, *point, *fstype, *sb_source;
	struct sm_idmap *uid, *gid; /* only for idmapped mounts with maps */
};

struct raw_list {
	struct raw_mount *m;
	size_t n, cap;
};

static void raw_list_free(struct raw_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->m[i].root);
		free(l->m[i].point);
		free(l->m[i].fstype);
		free(l->m[i].sb_source);
		free(l->m[i].uid);
		free(l->m[i].gid);
	}
	free(l->m);
	*l = (struct raw_list){0};
}

static struct raw_mount *raw_list_add(struct raw_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct raw_mount *m = realloc(l->m, cap * sizeof(*m));
		if (!m)
			return NULL;
		l->m = m;
		l->cap = cap;
	}
	struct raw_mount *r = &l->m[l->n++];
	*r = (struct raw_mount){0};
	return r;
}

static int is_shiftfs_fuse(const char *fstype)
{
	return fstype && !strcmp(fstype, SM_FUSE_FSTYPE);
}

/* "inner outer count\0" x n, as statmount returns them. */
static int parse_statmount_map(const char *s, const char *end, uint32_t n, struct sm_idmap **ret)
{
	_cleanup_free_ struct sm_idmap *m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	sm_idmap_init(m);
	for (uint32_t i = 0; i < n; i++) {
		unsigned a, b, c;
		if (s >= end || sscanf(s, "%u %u %u", &a, &b, &c) != 3)
			return -EBADMSG;
		if (sm_idmap_add(m, a, b, c) < 0)
			return -E2BIG;
		s += strnlen(s, (size_t)(end - s)) + 1;
	}
	*ret = steal_pointer(m);
	return 0;
}

static unsigned attr_to_flags(uint64_t attr)
{
	unsigned f = 0;
	if (attr & MOUNT_ATTR_RDONLY)
		f |= SM_MOUNT_RDONLY;
	if (attr & MOUNT_ATTR_NOSUID)
		f |= SM_MOUNT_NOSUID;
	if (attr & MOUNT_ATTR_NODEV)
		f |= SM_MOUNT_NODEV;
	if (attr & MOUNT_ATTR_NOEXEC)
		f |= SM_MOUNT_NOEXEC;
	return f;
}

static int statmount_one(uint64_t id, uint64_t mask, struct sm_statmount **buf, size_t *size)
{
	struct mnt_id_req req = {
		.size = MNT_ID_REQ_SIZE_VER0,
		.mnt_id = id,
		.param = mask,
	};
	for (;;) {
		if (sys_statmount(&req, *buf, *size, 0) == 0)
			return 0;
		if (errno != EOVERFLOW)
			return sm_negerrno();
		if (*size >= (1u << 22))
			return -E2BIG;
		size_t ns = *size * 4;
		void *nb = realloc(*buf, ns);
		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*size = ns;
	}
}

static char *dup_str(const struct sm_statmount *sm, size_t size, uint64_t bit, uint32_t off)
{
	const char *base = sm->str;
	size_t avail = size - sizeof(*sm);
	if (!(sm->mask & bit) || off >= avail)
		return strdup("");
	return strndup(base + off, avail - off);
}

static int read_statmount(struct raw_list *l)
{
	uint64_t ids[256], last = 0;
	size_t size = 16384;
	_cleanup_free_ struct sm_statmount *sm = malloc(size);
	if (!sm)
		return -ENOMEM;

	const uint64_t base_mask = STATMOUNT_SB_BASIC | STATMOUNT_MNT_BASIC | STATMOUNT_MNT_ROOT |
				   STATMOUNT_MNT_POINT | STATMOUNT_FS_TYPE;
	uint64_t mask = base_mask | STATMOUNT_FS_SUBTYPE | STATMOUNT_SB_SOURCE |
			STATMOUNT_MNT_UIDMAP | STATMOUNT_MNT_GIDMAP;
	for (;;) {
		struct mnt_id_req req = {
			.size = MNT_ID_REQ_SIZE_VER0,
			.mnt_id = LSMT_ROOT,
			.param = last,
		};
		long n = sys_listmount(&req, ids, ELEMENTSOF(ids), 0);
		if (n < 0)
			return sm_negerrno();
		for (long i = 0; i < n; i++) {
			int r = statmount_one(ids[i], mask, &sm, &size);
			if (r == -EINVAL && mask != base_mask) {
				/* A kernel older than the optional fields. */
				mask = base_mask;
				r = statmount_one(ids[i], mask, &sm, &size);
			}
			if (r == -ENOENT)
				continue; /* unmounted meanwhile */
			if (r < 0)
				return r;
			struct raw_mount *m = raw_list_add(l);
			if (!m)
				return -ENOMEM;
			m->id = sm->mnt_id;
			m->dev = makedev(sm->sb_dev_major, sm->sb_dev_minor);
			m->flags = attr_to_flags(sm->mnt_attr);
			m->idmapped = !!(sm->mnt_attr & MOUNT_ATTR_IDMAP);
			m->root = dup_str(sm, size, STATMOUNT_MNT_ROOT, sm->mnt_root);
			m->point = dup_str(sm, size, STATMOUNT_MNT_POINT, sm->mnt_point);
			m->sb_source = dup_str(sm, size, STATMOUNT_SB_SOURCE, sm->sb_source);
			_cleanup_free_ char *type =
				dup_str(sm, size, STATMOUNT_FS_TYPE, sm->fs_type);
			_cleanup_free_ char *sub =
				dup_str(sm, size, STATMOUNT_FS_SUBTYPE, sm->fs_subtype);
			if (!m->root || !m->point || !m->sb_source || !type || !sub)
				return -ENOMEM;
			if (*sub) {
				if (asprintf(&m->fstype, "%s.%s", type, sub) < 0)
					return -ENOMEM;
			} else {
				m->fstype = steal_pointer(type);
			}
			if (m->idmapped && (sm->mask & STATMOUNT_MNT_UIDMAP) &&
			    (sm->mask & STATMOUNT_MNT_GIDMAP)) {
				const char *end = (const char *)sm + size;
				if (parse_statmount_map(sm->str + sm->mnt_uidmap, end,
							sm->mnt_uidmap_num, &m->uid) == 0 &&
				    parse_statmount_map(sm->str + sm->mnt_gidmap, end,
							sm->mnt_gidmap_num, &m->gid) == 0)
					m->maps_known = 1;
			}
		}
		if ((size_t)n < ELEMENTSOF(ids))
			return 0;
		last = ids[n - 1];
	}
}

void sm_mountinfo_unescape(char *s)
{
	char *o = s;
	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

int sm_mountinfo_each(int dirfd, const char *path, sm_mountinfo_fn fn, void *userdata)
{
	_cleanup_free_ char *text = NULL;
	int r = sm_read_file_at(dirfd, path, 16 << 20, &text, NULL);
	if (r < 0)
		return r;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* id parent maj:min root point opts [optional...] - type source superopts */
		char *f[32];
		int nf = 0, dash = -1, shared = 0;
		char *s2 = NULL;
		for (char *t = strtok_r(line, " ", &s2); t && nf < (int)ELEMENTSOF(f);
		     t = strtok_r(NULL, " ", &s2)) {
			if (dash < 0 && nf >= 6 && !strcmp(t, "-"))
				dash = nf;
			else if (dash < 0 && nf >= 6 && !strncmp(t, "shared:", 7))
				shared = 1;
			f[nf++] = t;
		}
		struct sm_mountinfo_line l = {.shared = shared};
		unsigned maj, min;
		if (dash < 0 || nf < dash + 3 || sscanf(f[0], "%llu", &l.id) != 1 ||
		    sscanf(f[1], "%llu", &l.parent) != 1 || sscanf(f[2], "%u:%u", &maj, &min) != 2)
			return -EIO;
		l.dev = makedev(maj, min);
		int unescaped[] = {3, 4, 5, dash + 1, dash + 2};
		for (size_t i = 0; i < ELEMENTSOF(unescaped); i++)
			sm_mountinfo_unescape(f[unescaped[i]]);
		l.root = f[3];
		l.mount_point = f[4];
		l.options = f[5];
		l.fstype = f[dash + 1];
		l.source = f[dash + 2];
		r = fn(&l, userdata);
		if (r)
			return r;
	}
	return 0;
}

static int has_option(const char *opts, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = opts; p && *p;) {
		size_t n = strcspn(p, ",");
		if (n == len && !strncmp(p, name, len))
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

static int add_raw(const struct sm_mountinfo_line *line, void *userdata)
{
	struct raw_mount *m = raw_list_add(userdata);
	if (!m)
		return -ENOMEM;
	m->id = line->id;
	m->dev = line->dev;
	m->idmapped = has_option(line->options, "idmapped");
	m->flags = (has_option(line->options, "ro") ? SM_MOUNT_RDONLY : 0) |
		   (has_option(line->options, "nosuid") ? SM_MOUNT_NOSUID : 0) |
		   (has_option(line->options, "nodev") ? SM_MOUNT_NODEV : 0) |
		   (has_option(line->options, "noexec") ? SM_MOUNT_NOEXEC : 0);
	m->root = strdup(line->root);
	m->point = strdup(line->mount_point);
	m->fstype = strdup(line->fstype);
	m->sb_source = strdup(line->source);
	if (!m->root || !m->point || !m->fstype || !m->sb_source)
		return -ENOMEM;
	return 0;
}

static int read_mountinfo(struct raw_list *l)
{
	return sm_mountinfo_each(AT_FDCWD, "/proc/self/mountinfo", add_raw, l);
}

/* The directory a bind mount shows: a plain (not shifted) mount of the same
 * filesystem whose root contains ours, the one with the longest root. */
static void resolve_source(const struct raw_list *l, const struct raw_mount *m, char *buf,
			   size_t len)
{
	const struct raw_mount *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct raw_mount *o = &l->m[i];
		if (o == m || o->dev != m->dev || o->idmapped || is_shiftfs_fuse(o->fstype))
			continue;
		size_t rl = strlen(o->root);
		if (!strcmp(o->root, "/"))
			rl = 0;
		else if (strncmp(m->root, o->root, rl) || (m->root[rl] && m->root[rl] != '/'))
			continue;
		if (!best || rl > best_len) {
			best = o;
			best_len = rl;
		}
	}
	if (!best) {
		snprintf(buf, len, "%s[%s]", m->sb_source, m->root);
		return;
	}
	const char *rest = m->root + best_len;
	if (!strcmp(best->point, "/") && *rest)
		snprintf(buf, len, "%s", rest);
	else
		snprintf(buf, len, "%s%s", best->point, !strcmp(rest, "/") ? "" : rest);
}

int sm_mountinfo_list_shifted(struct sm_mount_entry **ret, size_t *ret_n)
{
	_cleanup_(raw_list_free) struct raw_list l = {0};
	int r = read_statmount(&l);
	if (r == -ENOSYS || r == -EPERM) {
		/* No statmount (or a seccomp filter says no): mountinfo. */
		raw_list_free(&l);
		r = read_mountinfo(&l);
	}
	if (r < 0)
		return r;

	size_t n = 0;
	for (size_t i = 0; i < l.n; i++)
		if (l.m[i].idmapped || is_shiftfs_fuse(l.m[i].fstype))
			n++;
	_cleanup_free_ struct sm_mount_entry *v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < l.n; i++) {
		const struct raw_mount *m = &l.m[i];
		int fuse = is_shiftfs_fuse(m->fstype);
		if (!m->idmapped && !fuse)
			continue;
		struct sm_mount_entry *e = &v[k++];
		e->mnt_id = m->id;
		snprintf(e->target, sizeof(e->target), "%s", m->point);
		snprintf(e->fstype, sizeof(e->fstype), "%s", m->fstype);
		e->backend = fuse ? SM_BACKEND_FUSE : SM_BACKEND_KERNEL;
		e->flags = m->flags;
		sm_idmap_init(&e->uid);
		sm_idmap_init(&e->gid);
		if (fuse) {
			/* shiftfs-fuse's device is its own: the FUSE source string
			 * is the best we know; the maps it serves, it tells. */
			snprintf(e->source, sizeof(e->source), "%s", m->sb_source);
			if (sm_fuse_read_maps(e->target, &e->uid, &e->gid) == 0)
				e->maps_known = 1;
			(void)sm_fuse_read_features(e->target, e->fuse_features,
						    sizeof(e->fuse_features));
		} else {
			resolve_source(&l, m, e->source, sizeof(e->source));
			if (m->maps_known) {
				e->uid = *m->uid;
				e->gid = *m->gid;
				e->maps_known = 1;
			}
		}
	}
	*ret = steal_pointer(v);
	*ret_n = n;
	return 0;
}
