/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /etc/subuid and /etc/subgid: which host ids each user may map. */
#ifndef SHIFTMOUNT_SUBID_H
#define SHIFTMOUNT_SUBID_H

#include <stddef.h>
#include <stdint.h>

#include "idmap.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SM_SUBUID_PATH "/etc/subuid"
#define SM_SUBGID_PATH "/etc/subgid"

struct sm_subid_entry {
	char owner[33]; /* a user name or a decimal uid, as the file has it */
	uint32_t start, count;
};

struct sm_subid {
	size_t n;
	struct sm_subid_entry *e; /* malloc()ed */
};

/* Parse "OWNER:START:COUNT" lines.  Lines that are not valid (as shadow's
 * tools, which skip them) grant nothing and are skipped. */
int sm_subid_parse(const char *text, struct sm_subid *ret);

/* Read and parse a file; a missing file is an empty table. */
int sm_subid_load(const char *path, struct sm_subid *ret);

void sm_subid_free(struct sm_subid *s);

/* The ranges `user` owns (lines naming it, or naming `uid` in decimal when
 * uid != (uint32_t)-1), as extents whose inner side is the range.  -ENOENT
 * when the user has none. */
int sm_subid_ranges(const struct sm_subid *s, const char *user, uint32_t uid, struct sm_idmap *ret);

#ifdef __cplusplus
}
#endif
#endif
