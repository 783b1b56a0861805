/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the shiftmount verbs share: exit codes, messages, the verb table. */
#ifndef SM_CLI_H
#define SM_CLI_H

#include <stdio.h>

#include "shiftmount.h"

/* The command-line contract's exit statuses. */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1, /* the operation failed */
	EXIT_USAGE = 2,	 /* bad usage or bad input */
};

/* Each verb lives in its own file as `int verb_NAME(int argc, char **argv)`
 * (argv[0] is the verb) and returns an exit status; main.c's table lists
 * them, so a verb missing or renamed is a link error. */
int verb_bind(int argc, char **argv);
int verb_show(int argc, char **argv);
int verb_mark(int argc, char **argv);
int verb_unmark(int argc, char **argv);
int verb_request(int argc, char **argv);
int verb_audit(int argc, char **argv);
int verb_reconfigure(int argc, char **argv);

/* The marks part of `shiftmount show` (show-marks.c): text to `out` when
 * `json` is NULL, else an array added to `json` under "marks".  `paths` (n
 * of them, canonical) filter as for mounts.  Returns an exit status. */
struct json_object;
int show_marks(FILE *out, struct json_object *json, char **paths, int n);

/* "shiftmount: WHAT: WHY" on stderr; returns EXIT_USAGE. */
__attribute__((format(printf, 1, 2))) int usage_error(const char *fmt, ...);

/* "shiftmount: WHAT: strerror(-err)" plus "\n  hint: HINT" when one is
 * given; returns EXIT_FAILED. */
int op_error(int err, const char *hint, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A map parse error in the contract's form:
 * `--map: "b:0:100000:0": COUNT must be > 0`; returns EXIT_USAGE (EXIT_FAILED
 * when it is not bad input, such as out of memory). */
int map_error(const char *option, const struct sm_error *err);

/* The library's error after our prefix ("shiftmount: MESSAGE", then
 * "  hint: HINT" when there is one); EXIT_USAGE for bad input, else
 * EXIT_FAILED. */
int report_error(const struct sm_error *e);

/* getopt_long's answer '?' for `shiftmount VERB`: the option named, as
 * `"-z": unknown option; see shiftmount VERB --help`; EXIT_USAGE. */
int unknown_option(const char *verb, char **argv);

/* An id option's value (--origin N, --range N, ...): 0 and *ret set, or the
 * contract's message `OPT: "S": must be a number from 0 to 4294967294` and
 * EXIT_USAGE. */
int parse_id_option(const char *opt, const char *s, uint32_t *ret);

/* "shiftmount: warning: WHAT" on stderr; the exit status is not changed. */
__attribute__((format(printf, 1, 2))) void warning(const char *fmt, ...);

/* -v/--verbose was given: notes on stderr. */
extern int cli_verbose;
__attribute__((format(printf, 1, 2))) void verbose(const char *fmt, ...);

#endif
