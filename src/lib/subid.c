/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsing /etc/subuid and /etc/subgid. */
#include <fcntl.h>
#include <stdio.h>

#include "shiftmount/subid.h"
#include "util.h"

#define SUBID_FILE_MAX (4u << 20)

static int parse_u32(const char *s, uint32_t *ret)
{
	if (!*s)
		return -EINVAL;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > UINT32_MAX)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > UINT32_MAX)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static int parse_line(char *line, struct sm_subid_entry *ret)
{
	char *a = strchr(line, ':');
	char *b = a ? strchr(a + 1, ':') : NULL;
	if (!a || !b || strchr(b + 1, ':'))
		return -EINVAL;
	*a = *b = '\0';
	struct sm_subid_entry e = {0};
	size_t n = strlen(line);
	if (n == 0 || n >= sizeof(e.owner))
		return -EINVAL;
	memcpy(e.owner, line, n + 1);
	if (parse_u32(a + 1, &e.start) < 0 || parse_u32(b + 1, &e.count) < 0 || e.count == 0 ||
	    (uint64_t)e.start + e.count - 1 > SM_ID_MAX)
		return -EINVAL;
	*ret = e;
	return 0;
}

int sm_subid_parse(const char *text, struct sm_subid *ret)
{
	struct sm_subid s = {0};
	size_t cap = 0;
	const char *p = text;
	while (*p) {
		size_t len = strcspn(p, "\n");
		char line[256];
		if (len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			struct sm_subid_entry e;
			if (parse_line(line, &e) == 0) {
				if (s.n == cap) {
					cap = cap ? 2 * cap : 16;
					struct sm_subid_entry *ne = realloc(s.e, cap * sizeof(*ne));
					if (!ne) {
						free(s.e);
						return -ENOMEM;
					}
					s.e = ne;
				}
				s.e[s.n++] = e;
			}
		}
		p += len;
		if (*p)
			p++;
	}
	*ret = s;
	return 0;
}

int sm_subid_load(const char *path, struct sm_subid *ret)
{
	_cleanup_free_ char *text = NULL;
	int r = sm_read_file_at(AT_FDCWD, path, SUBID_FILE_MAX, &text, NULL);
	if (r == -ENOENT) {
		*ret = (struct sm_subid){0};
		return 0;
	}
	if (r < 0)
		return r;
	return sm_subid_parse(text, ret);
}

void sm_subid_free(struct sm_subid *s)
{
	free(s->e);
	s->e = NULL;
	s->n = 0;
}

int sm_subid_ranges(const struct sm_subid *s, const char *user, uint32_t uid, struct sm_idmap *ret)
{
	char uidstr[16] = "";
	if (uid != (uint32_t)-1)
		snprintf(uidstr, sizeof(uidstr), "%u", uid);
	_cleanup_free_ struct sm_idmap *m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	sm_idmap_init(m);
	for (size_t i = 0; i < s->n; i++) {
		const struct sm_subid_entry *e = &s->e[i];
		if (strcmp(e->owner, user) != 0 && !(uidstr[0] && !strcmp(e->owner, uidstr)))
			continue;
		/* Ranges may overlap or exceed the extent limit; the check that
		 * uses them only asks "is this id inside any of them". */
		if (sm_idmap_add(m, e->start, e->start, e->count) < 0)
			break;
	}
	if (m->n == 0)
		return -ENOENT;
	*ret = *m;
	return 0;
}
