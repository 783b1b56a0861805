/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The delegation policy, from a table: caller, mark, subid tables -> verdict. */
#include <stdlib.h>

#include "shiftmount/policy.h"
#include "util.h"
#include "../lib/tap.h"

static int fake_user_uid(const char *user, uint32_t *ret)
{
	if (!strcmp(user, "carol")) {
		*ret = 1001;
		return 0;
	}
	return -ENOENT;
}

enum { ROOT_NS = 1, NO_CAP = 2, FOREIGN_MNTNS = 4, NO_MARK = 8, BY_NAME = 16, EMPTY_MAP = 32 };

static const struct {
	const char *what;
	const char *map;  /* caller's uid and gid map, "IN OUT N" lines */
	const char *mark; /* the mark's xattr text */
	unsigned flags;
	enum sm_policy_verdict want;
	const char *reason; /* piece of the reason */
} cases[] = {
	{"no --by, container root", "0 200000 65536",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536", 0, SM_POLICY_ALLOW, NULL},
	{"initial namespace", "0 0 4294967295", "v1 origin-uid=0 origin-gid=0 range=65536", ROOT_NS,
	 SM_POLICY_DENIED, "initial user namespace"},
	{"not root in its namespace", "0 200000 65536", "v1 origin-uid=0 origin-gid=0 range=65536",
	 NO_CAP, SM_POLICY_DENIED, "CAP_SYS_ADMIN"},
	{"mount ns of another owner", "0 200000 65536", "v1 origin-uid=0 origin-gid=0 range=65536",
	 FOREIGN_MNTNS, SM_POLICY_DENIED, "mount namespace"},
	{"no map written", "0 200000 65536", "v1 origin-uid=0 origin-gid=0 range=65536", EMPTY_MAP,
	 SM_POLICY_DENIED, "no uid or gid map"},
	{"unmarked", "0 200000 65536", NULL, NO_MARK, SM_POLICY_NOT_MARKED, "not marked"},
	{"--by UID, right root", "0 200000 65536",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536 by=200000", 0, SM_POLICY_ALLOW, NULL},
	{"--by UID, another root", "0 300000 65536",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536 by=200000", 0, SM_POLICY_DENIED,
	 "root is host uid 300000"},
	{"--by UID, root unmapped", "1 200001 100",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536 by=200000", 0, SM_POLICY_DENIED,
	 "no host uid"},
	{"--by @alice inside her range", "0 200000 65536",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536 by=@alice", 0, SM_POLICY_ALLOW, NULL},
	{"--by @alice, part of her range", "0 210000 1000",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536 by=@alice", 0, SM_POLICY_ALLOW, NULL},
	{"--by @alice, map spills out of her range", "0 200000 65537",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536 by=@alice", 0, SM_POLICY_DENIED,
	 "not a container's"},
	{"--by @alice, bob's map", "0 300000 65536",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536 by=@alice", 0, SM_POLICY_DENIED,
	 "subuid"},
	{"--by @alice, root inside, 2nd extent outside", "0 200000 1000\n1000 900000 10",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536 by=@alice", 0, SM_POLICY_DENIED,
	 "not a container's"},
	{"--by @alice, 2nd extent in bob's range", "0 200000 1000\n1000 300000 10",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536 by=@alice", 0, SM_POLICY_DENIED,
	 "not a container's"},
	/* H1: a namespace a user made for itself maps its own ids. */
	{"self-made namespace (unshare -r)", "0 1000 1",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536", 0, SM_POLICY_DENIED,
	 "not a container's: its uid map \"0 1000 1\""},
	{"self-made namespace, --by its own uid", "0 1000 1",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536 by=1000", 0, SM_POLICY_DENIED,
	 "not a container's"},
	{"map across two owners' ranges", "0 200000 65536\n65536 300000 10",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536", 0, SM_POLICY_DENIED,
	 "not a container's"},
	{"subuid but no subgid, no --by", "0 600000 100",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536", 0, SM_POLICY_DENIED,
	 "not a container's"},
	{"origin 0, no --by, no grant", "0 200000 65536",
	 "v1 origin-uid=0 origin-gid=0 range=65536", 0, SM_POLICY_DENIED, "--anyone-as-disk-root"},
	{"origin-gid 0 only, no --by, no grant", "0 200000 65536",
	 "v1 origin-uid=100000 origin-gid=0 range=65536", 0, SM_POLICY_DENIED,
	 "--anyone-as-disk-root"},
	{"origin 0, no --by, explicit grant", "0 200000 65536",
	 "v1 origin-uid=0 origin-gid=0 range=65536 grant=anyone-as-disk-root", 0, SM_POLICY_ALLOW,
	 NULL},
	{"origin 0 with --by", "0 200000 65536",
	 "v1 origin-uid=0 origin-gid=0 range=65536 by=200000", 0, SM_POLICY_ALLOW, NULL},
	{"--by @dave: subuid but no subgid", "0 600000 100",
	 "v1 origin-uid=1 origin-gid=1 range=65536 by=@dave", 0, SM_POLICY_DENIED, "subgid"},
	{"--by @carol by uid line", "0 400000 10",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536 by=@carol", 0, SM_POLICY_ALLOW, NULL},
	{"--by @nobody", "0 200000 65536",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536 by=@nobody", 0, SM_POLICY_DENIED,
	 "by=@nobody"},
	{"second --by entry matches", "0 300000 65536",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536 by=@alice,300000", 0, SM_POLICY_ALLOW,
	 NULL},
	{"by name needs a --by list", "0 200000 65536",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536 name=open", BY_NAME, SM_POLICY_DENIED,
	 "no --by list"},
	{"by name with --by", "0 200000 65536",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536 by=200000 name=g", BY_NAME,
	 SM_POLICY_ALLOW, NULL},
	{"map outside the mark's range", "70000 200000 100",
	 "v1 origin-uid=100000 origin-gid=100000 range=65536", 0, SM_POLICY_DENIED,
	 "range 0-65535"},
};

int main(void)
{
	struct sm_subid subuid, subgid;
	sm_subid_parse("alice:200000:65536\nbob:300000:65536\n1001:400000:65536\ndave:600000:100\n",
		       &subuid);
	sm_subid_parse("alice:200000:65536\nbob:300000:65536\n1001:400000:65536\n", &subgid);

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		static struct sm_idmap map, mu, mg;
		struct sm_mark mark;
		struct sm_error err, refusal;
		const char *reason = refusal.message;
		sm_idmap_init(&map);
		if (!(cases[i].flags & EMPTY_MAP))
			sm_idmap_parse_proc(cases[i].map, &map, &err);
		if (cases[i].mark &&
		    sm_mark_parse(cases[i].mark, strlen(cases[i].mark), &mark, &err))
			diag("bad mark in table: %s", cases[i].mark);
		struct sm_policy_input in = {
			.userns_initial = !!(cases[i].flags & ROOT_NS),
			.cap_sys_admin = !(cases[i].flags & NO_CAP),
			.mntns_owned = !(cases[i].flags & FOREIGN_MNTNS),
			.uid_map = &map,
			.gid_map = &map,
			.mark = cases[i].mark ? &mark : NULL,
			.by_name = !!(cases[i].flags & BY_NAME),
			.subuid = &subuid,
			.subgid = &subgid,
			.user_uid = fake_user_uid,
		};
		enum sm_policy_verdict v = sm_policy_check(&in, &refusal, &mu, &mg);
		int good = v == cases[i].want &&
			   (v == SM_POLICY_ALLOW || strstr(reason, cases[i].reason));
		ok(good, "%s: %s", cases[i].what,
		   cases[i].want == SM_POLICY_ALLOW ? "allowed" : "refused");
		if (!good)
			diag("  verdict %d, reason \"%s\"", v, reason);
	}

	/* The maps of an allowed request are the one formula's. */
	static struct sm_idmap map, mu, mg;
	struct sm_mark mark;
	struct sm_error err;
	sm_idmap_parse_proc("0 200000 1000\n1000 700000 100000\n", &map, &err);
	const char *t = "v1 origin-uid=100000 origin-gid=5000 range=65536";
	sm_mark_parse(t, strlen(t), &mark, &err);
	struct sm_subid multi;
	sm_subid_parse("multi:200000:1000\nmulti:700000:100000\n", &multi);
	struct sm_policy_input in = {.cap_sys_admin = 1,
				     .mntns_owned = 1,
				     .uid_map = &map,
				     .gid_map = &map,
				     .mark = &mark,
				     .subuid = &multi,
				     .subgid = &multi};
	is_int(sm_policy_check(&in, &err, &mu, &mg), SM_POLICY_ALLOW, "two-extent map allowed");
	ok(mu.n == 2 && mu.ext[0].inner == 100000 && mu.ext[0].outer == 200000 &&
		   mu.ext[0].count == 1000 && mu.ext[1].inner == 101000 &&
		   mu.ext[1].outer == 700000 && mu.ext[1].count == 64536,
	   "uid mount map: disk 100000+i <-> host, clipped to the range");
	ok(mg.n == 2 && mg.ext[0].inner == 5000, "gid mount map uses origin-gid");

	/* The two halves the daemon calls apart: the caller's never reads the
	 * mark, the mark's judges only the mark. */
	in.mark = NULL;
	is_int(sm_policy_check_caller(&in, &err), SM_POLICY_ALLOW,
	       "caller's half: a container's root is allowed before any mark is known");
	is_int(sm_policy_check_mark(&in, &err, NULL, NULL), SM_POLICY_NOT_MARKED,
	       "mark's half: no mark is not marked");
	in.mark = &mark;
	in.cap_sys_admin = 0;
	is_int(sm_policy_check_caller(&in, &err), SM_POLICY_DENIED,
	       "caller's half: without CAP_SYS_ADMIN denied, whatever the mark");
	ok(strstr(err.message, "lacks CAP_SYS_ADMIN") != NULL, "  ... saying why");
	is_int(sm_policy_check_mark(&in, &err, &mu, &mg), SM_POLICY_ALLOW,
	       "mark's half: judges the mark alone (the caller's rules are the other half's)");

	sm_subid_free(&subuid);
	sm_subid_free(&subgid);
	sm_subid_free(&multi);
	return done_testing();
}
