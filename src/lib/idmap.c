/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Id-map algebra; see include/shiftmount/idmap.h and docs/architecture.md. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "shiftmount/idmap.h"
#include "shiftmount/config.h"
#include "util.h"

void sm_idmap_init(struct sm_idmap *m)
{
	m->n = 0;
}

int sm_idmap_add(struct sm_idmap *m, uint32_t inner, uint32_t outer, uint32_t count)
{
	if (m->n >= SM_IDMAP_MAX_EXTENTS)
		return -E2BIG;
	m->ext[m->n++] = (struct sm_extent){inner, outer, count};
	return 0;
}

static int set_error(struct sm_error *err, const char *token, const char *why)
{
	return sm_error_token(err, token, SIZE_MAX, why);
}

static int extent_error(struct sm_error *err, const struct sm_extent *e, const char *why)
{
	char tok[64];
	snprintf(tok, sizeof(tok), "%u %u %u", e->inner, e->outer, e->count);
	return set_error(err, tok, why);
}

/* Last id of [first, first+count): callers have checked count > 0 and that
 * the sum does not pass SM_ID_MAX, so this cannot wrap. */
static uint64_t last_id(uint32_t first, uint32_t count)
{
	return (uint64_t)first + count - 1;
}

static int ranges_overlap(uint32_t a, uint32_t na, uint32_t b, uint32_t nb)
{
	return (uint64_t)a <= last_id(b, nb) && (uint64_t)b <= last_id(a, na);
}

int sm_idmap_validate(const struct sm_idmap *m, struct sm_error *err)
{
	if (m->n == 0)
		return set_error(err, "", "the map is empty");
	if (m->n > SM_IDMAP_MAX_EXTENTS)
		return set_error(err, "", "more than 340 extents");
	for (unsigned i = 0; i < m->n; i++) {
		const struct sm_extent *e = &m->ext[i];
		if (e->count == 0)
			return extent_error(err, e, "COUNT must be > 0");
		if (last_id(e->inner, e->count) > SM_ID_MAX ||
		    last_id(e->outer, e->count) > SM_ID_MAX)
			return extent_error(err, e, "ids must not pass 4294967294");
		for (unsigned j = 0; j < i; j++) {
			const struct sm_extent *f = &m->ext[j];
			if (ranges_overlap(e->inner, e->count, f->inner, f->count))
				return extent_error(err, e, "overlaps another extent's disk ids");
			if (ranges_overlap(e->outer, e->count, f->outer, f->count))
				return extent_error(err, e, "overlaps another extent's host ids");
		}
	}
	return 0;
}

int sm_parse_id(const char *s, uint32_t *ret)
{
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v > SM_ID_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

/* COUNT may be 4294967295 in principle (0 of ids 0..4294967294 is 4294967295
 * ids), so it is parsed as a plain 32-bit number; validate() judges it. */
static int parse_u32(const char *s, uint32_t *ret)
{
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

static int parse_entry(char *tok, const char *orig, struct sm_idmap *uid, struct sm_idmap *gid,
		       struct sm_error *err)
{
	unsigned kind = SM_BOTH;
	char *p = tok;
	if (p[0] && p[1] == ':' && strchr("ugb", p[0])) {
		kind = p[0] == 'u' ? SM_UID : p[0] == 'g' ? SM_GID : SM_BOTH;
		p += 2;
	} else if (!isdigit((unsigned char)p[0])) {
		return set_error(err, orig, "expected [u:|g:|b:]DISK:HOST:COUNT");
	}

	char *field[3];
	for (int i = 0; i < 3; i++) {
		field[i] = p;
		p = strchr(p, ':');
		if (i < 2) {
			if (!p)
				return set_error(err, orig, "expected [u:|g:|b:]DISK:HOST:COUNT");
			*p++ = '\0';
		} else if (p) {
			return set_error(err, orig, "too many fields; expected DISK:HOST:COUNT");
		}
	}
	static const char *const what[3] = {
		"DISK must be a number from 0 to 4294967294",
		"HOST must be a number from 0 to 4294967294",
		"COUNT must be a number",
	};
	uint32_t v[3];
	for (int i = 0; i < 3; i++) {
		int r = i < 2 ? sm_parse_id(field[i], &v[i]) : parse_u32(field[i], &v[i]);
		if (r < 0)
			return set_error(err, orig, what[i]);
	}
	if (v[2] == 0)
		return set_error(err, orig, "COUNT must be > 0");
	if (last_id(v[0], v[2]) > SM_ID_MAX || last_id(v[1], v[2]) > SM_ID_MAX)
		return set_error(err, orig, "DISK+COUNT and HOST+COUNT must not pass 4294967295");

	if ((kind & SM_UID) && sm_idmap_add(uid, v[0], v[1], v[2]) < 0)
		return set_error(err, orig, "more than 340 extents");
	if ((kind & SM_GID) && sm_idmap_add(gid, v[0], v[1], v[2]) < 0)
		return set_error(err, orig, "more than 340 extents");
	return 0;
}

/* Find the spec entry that a validation error points at, so the message
 * names the user's own token rather than our internal form. */
static void name_spec_token(const char *spec, const struct sm_error *verr, struct sm_error *err)
{
	unsigned a, b, c;
	if (!err || sscanf(verr->token, "%u %u %u", &a, &b, &c) != 3)
		return;
	char want[40];
	snprintf(want, sizeof(want), "%u:%u:%u", a, b, c);
	_cleanup_free_ char *copy = strdup(spec);
	if (!copy)
		return;
	char *save = NULL;
	for (char *t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
		const char *body = (t[0] && t[1] == ':') ? t + 2 : t;
		if (strcmp(body, want) == 0) {
			sm_error_token(err, t, SIZE_MAX, verr->why);
			return;
		}
	}
}

int sm_idmap_parse_spec(const char *spec, struct sm_idmap *uid, struct sm_idmap *gid,
			struct sm_error *err)
{
	if (!spec)
		return set_error(err, "", "empty map");
	_cleanup_free_ char *copy = strdup(spec);
	_cleanup_free_ struct sm_idmap *nu = malloc(sizeof(*nu));
	_cleanup_free_ struct sm_idmap *ng = malloc(sizeof(*ng));
	if (!copy || !nu || !ng)
		return sm_error_failed(err, ENOMEM, "reading the map");
	*nu = *uid;
	*ng = *gid;

	unsigned entries = 0;
	char *save = NULL;
	for (char *t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
		char orig[128];
		snprintf(orig, sizeof(orig), "%s", t);
		int r = parse_entry(t, orig, nu, ng, err);
		if (r < 0)
			return r;
		entries++;
	}
	if (entries == 0)
		return set_error(err, spec, "empty map");

	struct sm_error verr;
	if (nu->n > 0 && sm_idmap_validate(nu, &verr) < 0) {
		set_error(err, verr.token, verr.why);
		name_spec_token(spec, &verr, err);
		return -EINVAL;
	}
	if (ng->n > 0 && sm_idmap_validate(ng, &verr) < 0) {
		set_error(err, verr.token, verr.why);
		name_spec_token(spec, &verr, err);
		return -EINVAL;
	}
	*uid = *nu;
	*gid = *ng;
	return 0;
}

int sm_idmap_parse_proc(const char *text, struct sm_idmap *ret, struct sm_error *err)
{
	_cleanup_free_ struct sm_idmap *m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	sm_idmap_init(m);

	const char *p = text;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char line[128];
		if (len >= sizeof(line))
			return set_error(err, "", "line too long");
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (eol ? 1 : 0);

		char *f[4], *save = NULL;
		int nf = 0;
		for (char *t = strtok_r(line, " \t", &save); t && nf < 4;
		     t = strtok_r(NULL, " \t", &save))
			f[nf++] = t;
		if (nf == 0)
			continue;
		char orig[128];
		snprintf(orig, sizeof(orig), "%.*s", (int)len, p - len - (eol ? 1 : 0));
		uint32_t v[3];
		if (nf != 3 || sm_parse_id(f[0], &v[0]) < 0 || sm_parse_id(f[1], &v[1]) < 0 ||
		    parse_u32(f[2], &v[2]) < 0)
			return set_error(err, orig, "expected \"INNER OUTER COUNT\"");
		if (sm_idmap_add(m, v[0], v[1], v[2]) < 0)
			return set_error(err, orig, "more than 340 extents");
	}
	int r = sm_idmap_validate(m, err);
	if (r < 0)
		return r;
	*ret = *m;
	return 0;
}

int sm_idmap_read_pid(int pid, enum sm_idkind kind, struct sm_idmap *ret)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s_map", pid, kind == SM_GID ? "gid" : "uid");
	_cleanup_free_ char *text = NULL;
	int r = sm_read_file_at(-EBADF, path, 65536, &text, NULL);
	if (r == -ENOENT)
		return -ESRCH;
	if (r < 0)
		return r;
	return sm_idmap_parse_proc(text, ret, NULL);
}

int sm_idmap_shift(const struct sm_idmap *target, uint32_t origin, uint32_t range,
		   struct sm_idmap *ret)
{
	_cleanup_free_ struct sm_idmap *m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	sm_idmap_init(m);
	for (unsigned i = 0; i < target->n; i++) {
		const struct sm_extent *e = &target->ext[i];
		if (e->inner >= range)
			continue;
		uint32_t count = e->count;
		if ((uint64_t)e->inner + count > range)
			count = range - e->inner;
		if ((uint64_t)origin + e->inner + count - 1 > SM_ID_MAX)
			return -ERANGE;
		int r = sm_idmap_add(m, origin + e->inner, e->outer, count);
		if (r < 0)
			return r;
	}
	if (m->n == 0)
		return -ENOENT;
	*ret = *m;
	return 0;
}

int sm_idmap_compose(const struct sm_idmap *target, const struct sm_idmap *origin_ns,
		     uint32_t range, struct sm_idmap *ret)
{
	_cleanup_free_ struct sm_idmap *m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	sm_idmap_init(m);
	/* Intersect every pair of extents on the interior side: the interior
	 * ids [lo, hi) that both map go to disk (origin) and host (target). */
	for (unsigned i = 0; i < target->n; i++) {
		const struct sm_extent *t = &target->ext[i];
		for (unsigned j = 0; j < origin_ns->n; j++) {
			const struct sm_extent *o = &origin_ns->ext[j];
			uint64_t lo = t->inner > o->inner ? t->inner : o->inner;
			uint64_t hi = (uint64_t)t->inner + t->count;
			if ((uint64_t)o->inner + o->count < hi)
				hi = (uint64_t)o->inner + o->count;
			if (hi > range)
				hi = range;
			if (lo >= hi)
				continue;
			uint32_t disk = (uint32_t)(o->outer + (lo - o->inner));
			uint32_t host = (uint32_t)(t->outer + (lo - t->inner));
			int r = sm_idmap_add(m, disk, host, (uint32_t)(hi - lo));
			if (r < 0)
				return r;
		}
	}
	if (m->n == 0)
		return -ENOENT;
	*ret = *m;
	return 0;
}

int sm_idmap_to_outer(const struct sm_idmap *m, uint32_t inner, uint32_t *ret)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct sm_extent *e = &m->ext[i];
		if (inner >= e->inner && (uint64_t)inner < (uint64_t)e->inner + e->count) {
			*ret = e->outer + (inner - e->inner);
			return 0;
		}
	}
	return -ENOENT;
}

int sm_idmap_to_inner(const struct sm_idmap *m, uint32_t outer, uint32_t *ret)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct sm_extent *e = &m->ext[i];
		if (outer >= e->outer && (uint64_t)outer < (uint64_t)e->outer + e->count) {
			*ret = e->inner + (outer - e->outer);
			return 0;
		}
	}
	return -ENOENT;
}

int sm_idmap_outer_within(const struct sm_idmap *m, const struct sm_idmap *ranges)
{
	for (unsigned i = 0; i < m->n; i++) {
		/* Walk the extent's outer ids through the allowed ranges, which
		 * may cover it in several adjacent pieces. */
		uint64_t lo = m->ext[i].outer, hi = lo + m->ext[i].count;
		while (lo < hi) {
			uint64_t next = lo;
			for (unsigned j = 0; j < ranges->n; j++) {
				uint64_t a = ranges->ext[j].inner, b = a + ranges->ext[j].count;
				if (lo >= a && lo < b) {
					next = b;
					break;
				}
			}
			if (next == lo)
				return 0;
			lo = next;
		}
	}
	return 1;
}

int sm_idmap_format_proc(const struct sm_idmap *m, char *buf, size_t len)
{
	size_t off = 0;
	if (len == 0)
		return -ENOBUFS;
	buf[0] = '\0';
	for (unsigned i = 0; i < m->n; i++) {
		int n = snprintf(buf + off, len - off, "%u %u %u\n", m->ext[i].inner,
				 m->ext[i].outer, m->ext[i].count);
		if (n < 0 || (size_t)n >= len - off)
			return -ENOBUFS;
		off += (size_t)n;
	}
	return (int)off;
}

static int same_extent(const struct sm_extent *a, const struct sm_extent *b)
{
	return a->inner == b->inner && a->outer == b->outer && a->count == b->count;
}

static int append_entry(char *buf, size_t len, size_t *off, char prefix, const struct sm_extent *e)
{
	int n = snprintf(buf + *off, len - *off, "%s%c:%u:%u:%u", *off ? " " : "", prefix, e->inner,
			 e->outer, e->count);
	if (n < 0 || (size_t)n >= len - *off)
		return -ENOBUFS;
	*off += (size_t)n;
	return 0;
}

int sm_idmap_format_spec(const struct sm_idmap *uid, const struct sm_idmap *gid, char *buf,
			 size_t len)
{
	size_t off = 0;
	int r;
	if (len == 0)
		return -ENOBUFS;
	buf[0] = '\0';
	/* The common case, identical maps, reads best as b: entries. */
	int same = uid->n == gid->n;
	for (unsigned i = 0; same && i < uid->n; i++)
		same = same_extent(&uid->ext[i], &gid->ext[i]);
	if (same) {
		for (unsigned i = 0; i < uid->n; i++)
			if ((r = append_entry(buf, len, &off, 'b', &uid->ext[i])) < 0)
				return r;
		return (int)off;
	}
	for (unsigned i = 0; i < uid->n; i++)
		if ((r = append_entry(buf, len, &off, 'u', &uid->ext[i])) < 0)
			return r;
	for (unsigned i = 0; i < gid->n; i++)
		if ((r = append_entry(buf, len, &off, 'g', &gid->ext[i])) < 0)
			return r;
	return (int)off;
}

uint32_t sm_overflow_id(enum sm_idkind kind)
{
	_cleanup_free_ char *text = NULL;
	const char *path =
		kind == SM_GID ? "/proc/sys/kernel/overflowgid" : "/proc/sys/kernel/overflowuid";
	uint32_t v;
	if (sm_read_file_at(-EBADF, path, 64, &text, NULL) < 0)
		return SM_OVERFLOW_ID;
	text[strcspn(text, "\n")] = '\0';
	if (sm_parse_id(text, &v) < 0)
		return SM_OVERFLOW_ID;
	return v;
}
