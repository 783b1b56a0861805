/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The delegation policy (docs/daemon.md, "What the daemon refuses").  Each rule answers
 * one of the thread's worries:
 *  - only a namespace's own root may shift along it, so a tenant cannot
 *    borrow another user namespace (the kernel cannot check subuid ranges);
 *  - the admin's mark is the permission; --by narrows it to one root uid or
 *    to a user's subordinate ranges (the whole map must lie inside them, or
 *    a tenant could map a neighbour's ids into the shared tree);
 *  - by name the tenant never reached the directory itself, so the file
 *    system's permissions cannot have decided: a mark needs --by for that.
 */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "shiftmount/config.h"
#include "shiftmount/policy.h"
#include "util.h"

/* A refusal: neither bad input nor a failed operation's errno text, just
 * the rule the caller does not meet. */
__attribute__((format(printf, 3, 4))) static enum sm_policy_verdict
verdict(enum sm_policy_verdict v, struct sm_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sm_error_setv(err, v == SM_POLICY_NOT_MARKED ? ENODATA : EPERM, 0, 0, fmt, ap);
	va_end(ap);
	return v;
}

static int user_satisfies(const struct sm_policy_input *in, const char *user)
{
	uint32_t uid = (uint32_t)-1;
	if (sm_parse_id(user, &uid) < 0 && (!in->user_uid || in->user_uid(user, &uid) < 0))
		uid = (uint32_t)-1;
	_cleanup_free_ struct sm_idmap *ru = malloc(sizeof(*ru));
	_cleanup_free_ struct sm_idmap *rg = malloc(sizeof(*rg));
	if (!ru || !rg)
		return 0;
	if (!in->subuid || !in->subgid || sm_subid_ranges(in->subuid, user, uid, ru) < 0 ||
	    sm_subid_ranges(in->subgid, user, uid, rg) < 0)
		return 0;
	return sm_idmap_outer_within(in->uid_map, ru) && sm_idmap_outer_within(in->gid_map, rg);
}

int sm_policy_subid_owner(const struct sm_policy_input *in, char *owner, size_t len)
{
	if (!in->subuid || !in->uid_map || !in->gid_map || in->uid_map->n == 0 ||
	    in->gid_map->n == 0)
		return -ENOENT;
	for (size_t i = 0; i < in->subuid->n; i++) {
		const char *o = in->subuid->e[i].owner;
		int seen = 0; /* each owner is tried once, at its first line */
		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(in->subuid->e[j].owner, o);
		if (seen || !user_satisfies(in, o))
			continue;
		if (len > 0)
			snprintf(owner, len, "%s", o);
		return 0;
	}
	return -ENOENT;
}

/* "0 1000 1, 1 200000 10" for a message. */
static void format_map(const struct sm_idmap *m, char *buf, size_t len)
{
	if (sm_idmap_format_proc(m, buf, len) < 0) {
		snprintf(buf, len, "(%u extents)", m->n);
		return;
	}
	size_t n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	for (char *p = buf; (p = strchr(p, '\n')); p++)
		*p = ',';
}

static void format_by(const struct sm_mark *m, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < m->n_by && off < len; i++) {
		const struct sm_mark_by *b = &m->by[i];
		int n = b->is_user ? snprintf(buf + off, len - off, "%s@%s", i ? "," : "", b->user)
				   : snprintf(buf + off, len - off, "%s%u", i ? "," : "", b->uid);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

enum sm_policy_verdict sm_policy_check_caller(const struct sm_policy_input *in,
					      struct sm_error *err)
{
	if (in->userns_initial)
		return verdict(SM_POLICY_DENIED, err,
			       "caller is in the initial user namespace; only the root of a "
			       "container's user namespace may ask (admins use shiftmount bind)");
	if (!in->cap_sys_admin)
		return verdict(SM_POLICY_DENIED, err,
			       "caller lacks CAP_SYS_ADMIN in its user namespace (it is not the "
			       "namespace's root)");
	if (!in->uid_map || !in->gid_map || in->uid_map->n == 0 || in->gid_map->n == 0)
		return verdict(SM_POLICY_DENIED, err,
			       "caller's user namespace has no uid or gid map");
	if (!in->mntns_owned)
		return verdict(SM_POLICY_DENIED, err,
			       "caller's mount namespace is not owned by its user namespace; "
			       "run it in the container's own mount namespace");
	if (sm_policy_subid_owner(in, NULL, 0) < 0) {
		char um[128], gm[128];
		format_map(in->uid_map, um, sizeof(um));
		format_map(in->gid_map, gm, sizeof(gm));
		return verdict(
			SM_POLICY_DENIED, err,
			"caller's user namespace is not a container's: its uid map \"%s\" "
			"and gid map \"%s\" do not lie inside one owner's /etc/subuid and "
			"/etc/subgid ranges (a namespace that maps its creator's own ids, as "
			"unshare -r makes, is refused)",
			um, gm);
	}
	sm_error_clear(err);
	return SM_POLICY_ALLOW;
}

int sm_policy_user_uid(const char *user, uint32_t *ret)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return -ENOENT;
	*ret = res->pw_uid;
	return 0;
}

enum sm_policy_verdict sm_policy_check_mark(const struct sm_policy_input *in, struct sm_error *err,
					    struct sm_idmap *ret_uid, struct sm_idmap *ret_gid)
{
	const struct sm_mark *m = in->mark;
	if (!m)
		return verdict(SM_POLICY_NOT_MARKED, err, "the directory is not marked shiftable");
	if (sm_mark_grants_anyone_root(m) && !m->anyone_as_disk_root)
		return verdict(SM_POLICY_DENIED, err,
			       "the mark has origin %u:%u and no --by, so it would let any "
			       "container root write as disk root; the admin must re-mark it with "
			       "--by UID|@USER or, to grant exactly that, --anyone-as-disk-root",
			       m->origin_uid, m->origin_gid);
	if (in->by_name && m->n_by == 0)
		return verdict(SM_POLICY_DENIED, err,
			       "mark \"%s\" has no --by list; such a mark is granted by path only, "
			       "where the filesystem's permissions decide",
			       m->name);

	if (m->n_by > 0) {
		/* --by UID: the caller's root is that host uid (and its maps lie
		 * inside subordinate ranges, checked above); --by @USER: inside
		 * USER's own ranges. */
		uint32_t root = 0;
		int root_mapped = sm_idmap_to_outer(in->uid_map, 0, &root) == 0;
		int allowed = 0;
		for (unsigned i = 0; i < m->n_by && !allowed; i++) {
			const struct sm_mark_by *b = &m->by[i];
			if (b->is_user)
				allowed = user_satisfies(in, b->user);
			else
				allowed = root_mapped && root == b->uid;
		}
		if (!allowed) {
			char by[512], who[64];
			format_by(m, by, sizeof(by));
			if (root_mapped)
				snprintf(who, sizeof(who), "host uid %u", root);
			else
				snprintf(who, sizeof(who), "no host uid");
			return verdict(
				SM_POLICY_DENIED, err,
				"the mark allows only by=%s; the caller's namespace root is %s "
				"and its map is not inside those users' /etc/subuid and "
				"/etc/subgid ranges",
				by, who);
		}
	}

	_cleanup_free_ struct sm_idmap *mu = malloc(sizeof(*mu));
	_cleanup_free_ struct sm_idmap *mg = malloc(sizeof(*mg));
	if (!mu || !mg)
		return verdict(SM_POLICY_DENIED, err, "out of memory");
	if (sm_idmap_shift(in->uid_map, m->origin_uid, m->range, mu) < 0 ||
	    sm_idmap_shift(in->gid_map, m->origin_gid, m->range, mg) < 0)
		return verdict(SM_POLICY_DENIED, err,
			       "no interior id of the caller's map lies in the mark's range 0-%u",
			       m->range - 1);
	if (ret_uid)
		*ret_uid = *mu;
	if (ret_gid)
		*ret_gid = *mg;
	sm_error_clear(err);
	return SM_POLICY_ALLOW;
}

enum sm_policy_verdict sm_policy_check(const struct sm_policy_input *in, struct sm_error *err,
				       struct sm_idmap *ret_uid, struct sm_idmap *ret_gid)
{
	enum sm_policy_verdict v = sm_policy_check_caller(in, err);
	return v != SM_POLICY_ALLOW ? v : sm_policy_check_mark(in, err, ret_uid, ret_gid);
}
