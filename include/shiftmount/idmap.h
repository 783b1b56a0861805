/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Id-map algebra: parse, validate, shift, compose, format and look up the
 * extent lists that describe a shifted mount.
 *
 * One extent type serves every map in the project.  It reads like a line of
 * /proc/PID/uid_map: "inner outer count".
 *   - a user namespace's map:  inner = interior id, outer = host id
 *   - a shifted mount's map:   inner = disk id,     outer = host id
 * (For an idmapped mount the kernel wants exactly the second kind as the
 * uid_map of the user namespace attached to the mount.)
 */
#ifndef SHIFTMOUNT_IDMAP_H
#define SHIFTMOUNT_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 4294967295 is (uid_t)-1, "no id"; the kernel refuses it in any map. */
#define SM_ID_MAX 4294967294u
/* The kernel's limit of lines in one uid_map/gid_map. */
#define SM_IDMAP_MAX_EXTENTS 340
/* Default range of a shift: the usual size of a subordinate id range. */
#define SM_DEFAULT_RANGE 65536u
/* What /proc/sys/kernel/overflowuid says when it cannot be read. */
#define SM_OVERFLOW_ID 65534u

struct sm_extent {
	uint32_t inner;
	uint32_t outer;
	uint32_t count;
};

struct sm_idmap {
	unsigned n;
	struct sm_extent ext[SM_IDMAP_MAX_EXTENTS];
};

/* Which of the two maps an operation or a spec entry is for. */
enum sm_idkind {
	SM_UID = 1 << 0,
	SM_GID = 1 << 1,
	SM_BOTH = SM_UID | SM_GID,
};

void sm_idmap_init(struct sm_idmap *m);

/* Append one extent (no validation; -E2BIG when full). */
int sm_idmap_add(struct sm_idmap *m, uint32_t inner, uint32_t outer, uint32_t count);

/* Check the kernel's rules: COUNT > 0, no id past SM_ID_MAX, no two extents
 * overlapping on the inner side nor on the outer side, at most
 * SM_IDMAP_MAX_EXTENTS extents, at least one.  -EINVAL and *err filled (a
 * parser's error: its token names the extent, its why the rule). */
int sm_idmap_validate(const struct sm_idmap *m, struct sm_error *err);

/* Parse a --map SPEC: entries "[u:|g:|b:]DISK:HOST:COUNT" separated by
 * spaces (several SPEC strings may be fed in turn to the same maps).  No
 * prefix means both.  Entries are appended to *uid and/or *gid; both maps are
 * validated after appending.  On error, -EINVAL, *err names the entry, and
 * the maps are left as they were. */
int sm_idmap_parse_spec(const char *spec, struct sm_idmap *uid, struct sm_idmap *gid,
			struct sm_error *err);

/* Parse the text of /proc/PID/uid_map ("inner outer count" lines). */
int sm_idmap_parse_proc(const char *text, struct sm_idmap *ret, struct sm_error *err);

/* Read /proc/PID/{uid,gid}_map as seen from the calling process; from the
 * initial user namespace the outer column is a host id. */
int sm_idmap_read_pid(int pid, enum sm_idkind kind, struct sm_idmap *ret);

/* The one formula.  For a target namespace map (interior -> host), an origin
 * O and a range R: every extent "inner outer count" clipped to inner in
 * [0, R) gives the mount extent "O+inner outer count" (disk -> host).
 * -ERANGE when O+inner would pass SM_ID_MAX; -ENOENT when nothing of the
 * target map lies inside the range. */
int sm_idmap_shift(const struct sm_idmap *target, uint32_t origin, uint32_t range,
		   struct sm_idmap *ret);

/* Origin given as a user namespace: `origin_ns` maps interior -> disk,
 * `target` interior -> host; the result maps disk -> host for every interior
 * id in [0, range) that both map.  -ENOENT when they share no interior id. */
int sm_idmap_compose(const struct sm_idmap *target, const struct sm_idmap *origin_ns,
		     uint32_t range, struct sm_idmap *ret);

/* Look-ups; 0 and *ret set, or -ENOENT when the id is not mapped. */
int sm_idmap_to_outer(const struct sm_idmap *m, uint32_t inner, uint32_t *ret);
int sm_idmap_to_inner(const struct sm_idmap *m, uint32_t outer, uint32_t *ret);

/* True when every id of `m`'s outer side lies inside `outer_ranges`' inner side
 * (used to check a map against /etc/subuid ranges expressed as extents). */
int sm_idmap_outer_within(const struct sm_idmap *m, const struct sm_idmap *ranges);

/* "inner outer count\n" lines, the format of /proc/PID/uid_map and of a
 * single write to it.  Returns the length, or -ENOBUFS. */
int sm_idmap_format_proc(const struct sm_idmap *m, char *buf, size_t len);

/* "u:D:H:C u:D:H:C g:..." with `b:` where uid and gid extents agree;
 * parsing the result gives the same maps back.  Length or -ENOBUFS. */
int sm_idmap_format_spec(const struct sm_idmap *uid, const struct sm_idmap *gid, char *buf,
			 size_t len);

/* /proc/sys/kernel/overflow{uid,gid}, or SM_OVERFLOW_ID. */
uint32_t sm_overflow_id(enum sm_idkind kind);

#ifdef __cplusplus
}
#endif
#endif
