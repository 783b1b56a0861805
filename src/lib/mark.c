/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Marks: the trusted.shiftmount xattr and the registry of mark names. */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "shiftmount/mark.h"
#include "util.h"

void sm_mark_init(struct sm_mark *m)
{
	memset(m, 0, sizeof(*m));
	m->range = SM_DEFAULT_RANGE;
}

static int mark_error(struct sm_error *err, const char *token, size_t toklen, const char *why)
{
	return sm_error_token(err, token, toklen, why);
}

/* A decimal uint32 written canonically: no sign, no leading zeros, no spaces. */
static int parse_num(const char *s, size_t len, uint32_t *ret)
{
	if (len == 0 || len > 10 || (s[0] == '0' && len > 1))
		return -EINVAL;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

/* Portable user names as shadow's useradd accepts them by default. */
int sm_mark_user_valid(const char *user)
{
	size_t n = strlen(user);
	if (n == 0 || n > SM_MARK_USER_MAX)
		return 0;
	if (!(islower((unsigned char)user[0]) || user[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)user[i];
		if (!(islower(c) || isdigit(c) || c == '_' || c == '-' || (c == '$' && i == n - 1)))
			return 0;
	}
	return 1;
}

/* Names become file names in the registry: no '/', no dot files. */
int sm_mark_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > SM_MARK_NAME_MAX || !isalnum((unsigned char)name[0]))
		return 0;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!(isalnum(c) || c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

static int parse_by_entry(const char *s, size_t len, struct sm_mark_by *ret)
{
	struct sm_mark_by b = {0};
	if (len > 0 && s[0] == '@') {
		if (len - 1 > SM_MARK_USER_MAX)
			return -EINVAL;
		memcpy(b.user, s + 1, len - 1);
		b.user[len - 1] = '\0';
		if (!sm_mark_user_valid(b.user))
			return -EINVAL;
		b.is_user = 1;
	} else {
		int r = parse_num(s, len, &b.uid);
		if (r < 0 || b.uid > SM_ID_MAX)
			return -EINVAL;
	}
	*ret = b;
	return 0;
}

static int same_by(const struct sm_mark_by *a, const struct sm_mark_by *b)
{
	if (a->is_user != b->is_user)
		return 0;
	return a->is_user ? !strcmp(a->user, b->user) : a->uid == b->uid;
}

int sm_mark_add_by(struct sm_mark *m, const char *entry)
{
	struct sm_mark_by b;
	if (parse_by_entry(entry, strlen(entry), &b) < 0)
		return -EINVAL;
	for (unsigned i = 0; i < m->n_by; i++)
		if (same_by(&m->by[i], &b))
			return -EEXIST;
	if (m->n_by >= SM_MARK_MAX_BY)
		return -E2BIG;
	m->by[m->n_by++] = b;
	return 0;
}

int sm_mark_validate(const struct sm_mark *m, struct sm_error *err)
{
	char tok[64];
	if (m->range == 0)
		return mark_error(err, "range=0", 7, "range must be > 0");
	if ((uint64_t)m->origin_uid + m->range - 1 > SM_ID_MAX) {
		snprintf(tok, sizeof(tok), "origin-uid=%u range=%u", m->origin_uid, m->range);
		return mark_error(err, tok, strlen(tok), "origin + range passes 4294967294");
	}
	if ((uint64_t)m->origin_gid + m->range - 1 > SM_ID_MAX) {
		snprintf(tok, sizeof(tok), "origin-gid=%u range=%u", m->origin_gid, m->range);
		return mark_error(err, tok, strlen(tok), "origin + range passes 4294967294");
	}
	if (m->n_by > SM_MARK_MAX_BY)
		return mark_error(err, "by", 2, "more than 16 --by entries");
	for (unsigned i = 0; i < m->n_by; i++) {
		const struct sm_mark_by *b = &m->by[i];
		if (b->is_user ? !sm_mark_user_valid(b->user) : b->uid > SM_ID_MAX)
			return mark_error(err, b->is_user ? b->user : "by",
					  b->is_user ? strlen(b->user) : 2,
					  "not a valid user name or uid");
		for (unsigned j = 0; j < i; j++)
			if (same_by(&m->by[j], b))
				return mark_error(err, "by", 2, "an entry is listed twice");
	}
	if (m->anyone_as_disk_root && !sm_mark_grants_anyone_root(m))
		return mark_error(err, "grant=" SM_MARK_GRANT_ANYONE_ROOT,
				  strlen("grant=" SM_MARK_GRANT_ANYONE_ROOT),
				  "only a mark with origin 0 and no --by grants anyone disk root");
	if (m->name[0] && !sm_mark_name_valid(m->name))
		return mark_error(
			err, m->name, strlen(m->name),
			"a name is 1-64 of A-Z a-z 0-9 . _ - and starts with a letter or digit");
	return 0;
}

int sm_mark_grants_anyone_root(const struct sm_mark *m)
{
	return m->n_by == 0 && (m->origin_uid == 0 || m->origin_gid == 0);
}

/* The fields of v1, in the one order they may appear. */
enum { F_ORIGIN_UID, F_ORIGIN_GID, F_RANGE, F_BY, F_NAME, F_GRANT, F_COUNT };
static const char *const field_names[F_COUNT] = {"origin-uid", "origin-gid", "range",
						 "by",	       "name",	     "grant"};

int sm_mark_parse(const char *text, size_t len, struct sm_mark *ret, struct sm_error *err)
{
	struct sm_mark m;
	sm_mark_init(&m);
	if (len > SM_MARK_TEXT_MAX)
		return mark_error(err, text, 16, "longer than 1024 bytes");
	if (memchr(text, '\0', len))
		return mark_error(err, text, strnlen(text, len), "contains a NUL byte");
	if (len < 2 || memcmp(text, SM_MARK_VERSION, 2) != 0 || (len > 2 && text[2] != ' '))
		return mark_error(err, text, len < 8 ? len : 8,
				  "not a v1 mark (must start with \"v1 \")");

	const char *p = text + 2, *end = text + len;
	int next = 0; /* fields must come in order, each at most once */
	while (p < end) {
		if (*p != ' ' || p + 1 >= end || p[1] == ' ')
			return mark_error(err, p, (size_t)(end - p),
					  "fields are separated by one space");
		p++;
		const char *tok = p;
		const char *tend = memchr(p, ' ', (size_t)(end - p));
		if (!tend)
			tend = end;
		size_t toklen = (size_t)(tend - tok);
		const char *eq = memchr(tok, '=', toklen);
		if (!eq)
			return mark_error(err, tok, toklen, "expected KEY=VALUE");
		size_t klen = (size_t)(eq - tok);
		const char *val = eq + 1;
		size_t vlen = (size_t)(tend - val);
		int f;
		for (f = 0; f < F_COUNT; f++)
			if (strlen(field_names[f]) == klen && !memcmp(field_names[f], tok, klen))
				break;
		if (f == F_COUNT)
			return mark_error(err, tok, toklen, "unknown field");
		if (f < next)
			return mark_error(err, tok, toklen, "field repeated or out of order");
		if (f > F_RANGE && next <= F_RANGE)
			return mark_error(err, tok, toklen,
					  "origin-uid, origin-gid and range must come first");
		if (f != next && next <= F_RANGE)
			return mark_error(err, tok, toklen, "field out of order");
		next = f + 1;

		switch (f) {
		case F_ORIGIN_UID:
		case F_ORIGIN_GID:
		case F_RANGE: {
			uint32_t v;
			if (parse_num(val, vlen, &v) < 0)
				return mark_error(err, tok, toklen,
						  "not a canonical decimal number");
			if (f == F_ORIGIN_UID)
				m.origin_uid = v;
			else if (f == F_ORIGIN_GID)
				m.origin_gid = v;
			else
				m.range = v;
			break;
		}
		case F_BY: {
			const char *q = val, *vend = val + vlen;
			if (vlen == 0)
				return mark_error(err, tok, toklen, "empty by list");
			for (;;) {
				const char *c = memchr(q, ',', (size_t)(vend - q));
				const char *e = c ? c : vend;
				struct sm_mark_by b;
				if (parse_by_entry(q, (size_t)(e - q), &b) < 0)
					return mark_error(err, q, (size_t)(e - q),
							  "a by entry is a host uid or @USER");
				for (unsigned i = 0; i < m.n_by; i++)
					if (same_by(&m.by[i], &b))
						return mark_error(err, q, (size_t)(e - q),
								  "by entry listed twice");
				if (m.n_by >= SM_MARK_MAX_BY)
					return mark_error(err, tok, toklen,
							  "more than 16 by entries");
				m.by[m.n_by++] = b;
				if (!c)
					break;
				q = c + 1;
			}
			break;
		}
		case F_NAME:
			if (vlen > SM_MARK_NAME_MAX)
				return mark_error(err, tok, toklen, "name longer than 64 bytes");
			memcpy(m.name, val, vlen);
			m.name[vlen] = '\0';
			if (!sm_mark_name_valid(m.name))
				return mark_error(err, tok, toklen, "invalid name");
			break;
		case F_GRANT:
			if (vlen != strlen(SM_MARK_GRANT_ANYONE_ROOT) ||
			    memcmp(val, SM_MARK_GRANT_ANYONE_ROOT, vlen) != 0)
				return mark_error(err, tok, toklen,
						  "the only grant is " SM_MARK_GRANT_ANYONE_ROOT);
			m.anyone_as_disk_root = 1;
			break;
		}
		p = tend;
	}
	if (next <= F_RANGE)
		return mark_error(err, text, len, "origin-uid, origin-gid and range are required");
	int r = sm_mark_validate(&m, err);
	if (r < 0)
		return r;
	*ret = m;
	return 0;
}

int sm_mark_format(const struct sm_mark *m, char *buf, size_t len)
{
	if (sm_mark_validate(m, NULL) < 0)
		return -EINVAL;
	char out[SM_MARK_TEXT_MAX + 1];
	size_t off = 0;
	int n = snprintf(out, sizeof(out), "%s origin-uid=%u origin-gid=%u range=%u",
			 SM_MARK_VERSION, m->origin_uid, m->origin_gid, m->range);
	off = (size_t)n;
	for (unsigned i = 0; i < m->n_by; i++) {
		const struct sm_mark_by *b = &m->by[i];
		n = b->is_user ? snprintf(out + off, sizeof(out) - off, "%s@%s",
					  i ? "," : " by=", b->user)
			       : snprintf(out + off, sizeof(out) - off, "%s%u",
					  i ? "," : " by=", b->uid);
		off += (size_t)n;
	}
	if (m->name[0])
		off += (size_t)snprintf(out + off, sizeof(out) - off, " name=%s", m->name);
	if (m->anyone_as_disk_root)
		off += (size_t)snprintf(out + off, sizeof(out) - off,
					" grant=" SM_MARK_GRANT_ANYONE_ROOT);
	if (off >= len)
		return -ENOBUFS;
	memcpy(buf, out, off + 1);
	return (int)off;
}

static int check_dir(int dirfd)
{
	struct stat st;
	if (fstat(dirfd, &st) < 0)
		return sm_negerrno();
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int sm_mark_get(int dirfd, struct sm_mark *ret, struct sm_error *err)
{
	char path[64], buf[SM_MARK_TEXT_MAX + 1];
	int r = check_dir(dirfd);
	if (r < 0)
		return r;
	sm_fd_path(path, dirfd);
	ssize_t n = getxattr(path, SM_MARK_XATTR, buf, sizeof(buf));
	if (n < 0) {
		if (errno == ERANGE) {
			mark_error(err, "", 0, "longer than 1024 bytes");
			return -EBADMSG;
		}
		return errno == ENOTSUP ? -EOPNOTSUPP : sm_negerrno();
	}
	if (sm_mark_parse(buf, (size_t)n, ret, err) < 0)
		return -EBADMSG;
	return 0;
}

int sm_mark_set(int dirfd, const struct sm_mark *m)
{
	char path[64], buf[SM_MARK_TEXT_MAX + 1];
	int n = sm_mark_format(m, buf, sizeof(buf));
	if (n < 0)
		return n;
	int r = check_dir(dirfd);
	if (r < 0)
		return r;
	sm_fd_path(path, dirfd);
	if (setxattr(path, SM_MARK_XATTR, buf, (size_t)n, 0) < 0)
		return errno == ENOTSUP ? -EOPNOTSUPP : sm_negerrno();
	return 0;
}

int sm_mark_remove(int dirfd)
{
	char path[64];
	int r = check_dir(dirfd);
	if (r < 0)
		return r;
	sm_fd_path(path, dirfd);
	if (removexattr(path, SM_MARK_XATTR) < 0)
		return errno == ENOTSUP ? -EOPNOTSUPP : sm_negerrno();
	return 0;
}

const char *sm_registry_dir(void)
{
	const char *e = secure_getenv(SM_REGISTRY_ENV);
	return e && e[0] == '/' ? e : SM_REGISTRY_DIR;
}

/* mkdir -p for the registry (its parents are admin-owned system paths). */
static int mkdir_p(const char *path)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return sm_negerrno();
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return sm_negerrno();
	return 0;
}

int sm_registry_add(const char *regdir, const char *name, const char *path)
{
	if (!sm_mark_name_valid(name) || path[0] != '/')
		return -EINVAL;
	int r = mkdir_p(regdir);
	if (r < 0)
		return r;
	_cleanup_close_ int dfd = open(regdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return sm_negerrno();
	char tmp[SM_MARK_NAME_MAX + 32];
	snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid());
	(void)unlinkat(dfd, tmp, 0);
	if (symlinkat(path, dfd, tmp) < 0)
		return sm_negerrno();
	if (renameat(dfd, tmp, dfd, name) < 0) {
		r = sm_negerrno();
		(void)unlinkat(dfd, tmp, 0);
		return r;
	}
	return 0;
}

static int read_entry(int dfd, const char *name, char **ret)
{
	char buf[4096];
	ssize_t n = readlinkat(dfd, name, buf, sizeof(buf) - 1);
	if (n >= 0) {
		buf[n] = '\0';
	} else if (errno == EINVAL) {
		/* A regular file holding the path on its first line. */
		_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return sm_negerrno();
		n = read(fd, buf, sizeof(buf) - 1);
		if (n < 0)
			return sm_negerrno();
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
	} else {
		return sm_negerrno();
	}
	if (buf[0] != '/')
		return -EINVAL;
	char *s = strdup(buf);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int sm_registry_lookup(const char *regdir, const char *name, char **ret)
{
	if (!sm_mark_name_valid(name))
		return -EINVAL;
	_cleanup_close_ int dfd = open(regdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return sm_negerrno();
	return read_entry(dfd, name, ret);
}

int sm_registry_remove(const char *regdir, const char *name, const char *path)
{
	if (!sm_mark_name_valid(name))
		return -EINVAL;
	_cleanup_close_ int dfd = open(regdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return sm_negerrno();
	if (path) {
		_cleanup_free_ char *cur = NULL;
		int r = read_entry(dfd, name, &cur);
		if (r < 0)
			return r;
		if (strcmp(cur, path) != 0)
			return -ESTALE;
	}
	if (unlinkat(dfd, name, 0) < 0)
		return sm_negerrno();
	return 0;
}
