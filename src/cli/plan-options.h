/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The options of the verbs that plan a shifted mount (bind, reconfigure):
 * --shift[=TARGET], --origin, --origin-uid, --origin-gid, --origin-ns,
 * --range and --map, parsed into the library's plan request, so that both
 * verbs take them, word their errors and combine them alike.
 */
#ifndef SHIFTMOUNT_CLI_PLAN_OPTIONS_H
#define SHIFTMOUNT_CLI_PLAN_OPTIONS_H

#include <getopt.h>

#include "shiftmount.h"

struct plan_options {
	int shift;    /* --shift given */
	int have_map; /* --map given */
	struct sm_idmap map_uid, map_gid;
	struct sm_plan_request req; /* what the options say; SRC joins later */
};

/* getopt_long values; a verb numbers its own options from OPT_PLAN_END. */
enum {
	OPT_SHIFT = 0x100,
	OPT_ORIGIN,
	OPT_ORIGIN_UID,
	OPT_ORIGIN_GID,
	OPT_ORIGIN_NS,
	OPT_RANGE,
	OPT_MAP,
	OPT_PLAN_END,
};

/* The entries for a verb's struct option table. */
/* clang-format off */
#define PLAN_LONG_OPTIONS                                          \
	{"shift", optional_argument, NULL, OPT_SHIFT},             \
	{"origin", required_argument, NULL, OPT_ORIGIN},           \
	{"origin-uid", required_argument, NULL, OPT_ORIGIN_UID},   \
	{"origin-gid", required_argument, NULL, OPT_ORIGIN_GID},   \
	{"origin-ns", required_argument, NULL, OPT_ORIGIN_NS},     \
	{"range", required_argument, NULL, OPT_RANGE},             \
	{"map", required_argument, NULL, OPT_MAP}
/* clang-format on */

void plan_options_init(struct plan_options *p);

/* Take getopt_long's answer `c` with its `arg`: 0 when it was one of these
 * and is good, EXIT_USAGE after the message when it is not good, -1 when
 * `c` is none of these (the verb's own). */
int plan_option(struct plan_options *p, int c, const char *arg);

/* Any option that says the map: --shift, --origin*, --range or --map. */
int plan_options_any(const struct plan_options *p);

/* The checks across them, once every option is read: 0 or EXIT_USAGE. */
int plan_options_check(const struct plan_options *p);

/* Hand --map's maps to the request, when given. */
void plan_options_finish(struct plan_options *p);

#endif
