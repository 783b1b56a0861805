/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The delegation policy: may this caller have this marked directory shifted
 * along its own user namespace?  A pure function of what the daemon found
 * out about the caller (from its pidfd-verified /proc entry), the mark and
 * the subordinate-id tables, so it can be tested from a table.
 */
#ifndef SHIFTMOUNT_POLICY_H
#define SHIFTMOUNT_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "idmap.h"
#include "mark.h"
#include "subid.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sm_policy_input {
	int userns_initial; /* the caller's user namespace is the initial one */
	int cap_sys_admin;  /* CAP_SYS_ADMIN in CapEff (in its own namespace) */
	int mntns_owned;    /* its mount namespace is owned by its user namespace */
	const struct sm_idmap *uid_map, *gid_map; /* the caller's: interior -> host */
	const struct sm_mark *mark;		  /* the source's; NULL: none */
	int by_name;				  /* asked by mark name, not by path */
	const struct sm_subid *subuid, *subgid;
	/* Resolves @USER to a uid, for /etc/subuid lines written by uid;
	 * NULL or a negative return: match by name only. */
	int (*user_uid)(const char *user, uint32_t *ret);
};

enum sm_policy_verdict {
	SM_POLICY_ALLOW = 0,
	SM_POLICY_NOT_MARKED, /* no (valid) mark: the source is not shiftable */
	SM_POLICY_DENIED,     /* the caller does not satisfy the rules */
};

/* The /etc/subuid owner whose ranges hold every extent of the caller's uid
 * map, with every gid extent inside that same owner's /etc/subgid ranges:
 * 0 and `owner` (when len > 0) set, or -ENOENT.  A caller that has no such
 * owner is not a container's root: it maps ids it was not given, such as its
 * creator's own (unshare -r). */
int sm_policy_subid_owner(const struct sm_policy_input *in, char *owner, size_t len);

/* Decide.  On refusal err->message (err may be NULL) says why in one
 * sentence fragment, err->code is ENODATA (not marked) or EPERM.  On SM_POLICY_ALLOW and when
 * ret_uid/ret_gid are not NULL, they get the mount's maps (disk -> host, the one formula with the
 * mark's origin and range). */
enum sm_policy_verdict sm_policy_check(const struct sm_policy_input *in, struct sm_error *err,
				       struct sm_idmap *ret_uid, struct sm_idmap *ret_gid);

/* sm_policy_check() in its two halves, for a caller that must decide who is
 * asking before it touches the source (the daemon: a caller that is no
 * container's root learns nothing about the source, not even whether it
 * exists).  _caller() judges the caller alone (in->mark is not read) and
 * gives SM_POLICY_ALLOW or SM_POLICY_DENIED; _mark() judges the mark for a
 * caller that _caller() allowed, and computes the maps.  Each rule is
 * evaluated once. */
/* The uid of user name `user` from the passwd database (getpwnam_r), for
 * sm_policy_input.user_uid: 0, or -ENOENT. */
int sm_policy_user_uid(const char *user, uint32_t *ret);

enum sm_policy_verdict sm_policy_check_caller(const struct sm_policy_input *in,
					      struct sm_error *err);
enum sm_policy_verdict sm_policy_check_mark(const struct sm_policy_input *in, struct sm_error *err,
					    struct sm_idmap *ret_uid, struct sm_idmap *ret_gid);

#ifdef __cplusplus
}
#endif
#endif
