/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* security.capability decoding for the audit (the kernel's accepted sizes
 * per revision, little-endian fields) and the names of finding kinds. */
#include "shiftmount/audit.h"
#include "util.h"
#include "../lib/tap.h"

static const struct {
	const char *what;
	unsigned char value[32];
	size_t size;
	int ok;
	unsigned version;
	uint64_t permitted;
	int effective, has_rootid;
	uint32_t rootid;
} cases[] = {
	{"v2 cap_net_raw+ep",
	 {0x01, 0, 0, 0x02, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	 20,
	 1,
	 2,
	 0x2000,
	 1,
	 0,
	 0},
	{"v2, high word (cap_bpf is bit 39)",
	 {0x00, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0},
	 20,
	 1,
	 2,
	 1ull << 39,
	 0,
	 0,
	 0},
	{"v3 rootid 100000",
	 {0x01, 0, 0, 0x03, 0x00, 0x20, 0, 0, 0,    0,	  0,	0,
	  0,	0, 0, 0,    0,	  0,	0, 0, 0xa0, 0x86, 0x01, 0x00},
	 24,
	 1,
	 3,
	 0x2000,
	 1,
	 1,
	 100000},
	{"v1 (32-bit sets)", {0x00, 0, 0, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0}, 12, 1, 1, 1, 0, 0, 0},
	{"v2 with a v3 size", {0x01, 0, 0, 0x02}, 24, 0, 0, 0, 0, 0, 0},
	{"v3 with a v2 size", {0x01, 0, 0, 0x03}, 20, 0, 0, 0, 0, 0, 0},
	{"unknown revision", {0x01, 0, 0, 0x04}, 24, 0, 0, 0, 0, 0, 0},
	{"too short", {0x01, 0, 0}, 3, 0, 0, 0, 0, 0, 0},
};

int main(void)
{
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct sm_audit_fcaps c = {.version = 99};
		int r = sm_audit_decode_fcaps(cases[i].value, cases[i].size, &c);
		if (!cases[i].ok) {
			ok(r == -EINVAL && c.version == 99, "%s: refused, output untouched",
			   cases[i].what);
			continue;
		}
		ok(r == 0 && c.version == cases[i].version && c.permitted == cases[i].permitted &&
			   c.effective == cases[i].effective &&
			   c.has_rootid == cases[i].has_rootid && c.rootid == cases[i].rootid,
		   "%s: decoded", cases[i].what);
	}
	ok(sm_audit_decode_fcaps(NULL, 20, &(struct sm_audit_fcaps){0}) == -EINVAL,
	   "NULL value refused");

	is_str(sm_audit_kind_name(SM_AUDIT_SETUID), "setuid", "kind name: setuid");
	is_str(sm_audit_kind_name(SM_AUDIT_FCAPS), "capability", "kind name: capability");
	is_str(sm_audit_kind_name(SM_AUDIT_GID_OUTSIDE), "gid-outside-range",
	       "kind name: gid-outside-range");
	is_str(sm_audit_kind_name(SM_AUDIT_SETUID | SM_AUDIT_SETGID), "unknown",
	       "several bits are not one kind");
	ok((SM_AUDIT_FIXABLE & SM_AUDIT_DEVICE) == 0, "device nodes are not fixable");
	return done_testing();
}
