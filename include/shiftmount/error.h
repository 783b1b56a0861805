/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one error type, from the parsers up through the daemon's replies
 * (crun's libcrun_error_t is the model).  A function that can fail for a
 * reason worth telling returns -errno and fills the struct sm_error it was
 * given (NULL: the caller only wants the errno).  The library never prints:
 * a front end prints `message` after its own prefix, then `hint`, and
 * chooses its exit status from `bad_input`.
 *
 * The struct lives in the caller's storage (no allocation, nothing to free),
 * so an error can be reported even when memory has run out.
 */
#ifndef SHIFTMOUNT_ERROR_H
#define SHIFTMOUNT_ERROR_H

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sm_error {
	int code;      /* the errno (positive) that goes with it; 0: no error */
	int bad_input; /* 1: what was asked is wrong (usage, exit 2); 0: an operation failed */
	/* A Varlink error name when the error crosses shiftmountd's socket,
	 * such as "io.shiftmount.Delegate.NotMarked"; "" otherwise. */
	char name[128];
	/* A parser's error: the offending piece of input (cut to fit, every
	 * unprintable byte a '?') and a static fragment saying what is wrong
	 * with it, such as "COUNT must be > 0"; "" and NULL otherwise. */
	char token[128];
	const char *why;
	/* Whole, with the errno's text where an operation failed. */
	char message[PATH_MAX + 384];
	char hint[384]; /* "" or a suggestion */
};

/* Every field cleared: no error. */
void sm_error_clear(struct sm_error *e);

/* Bad input: the message as it is.  Each of these setters clears what was
 * set before, accepts e == NULL, and returns -code (code may be given as
 * errno or -errno) so that `return sm_error_input(e, EINVAL, ...);` reads
 * as what it does. */
__attribute__((format(printf, 3, 4))) int sm_error_input(struct sm_error *e, int code,
							 const char *fmt, ...);

/* A failed operation: the message, then ": " and strerror(code). */
__attribute__((format(printf, 3, 4))) int sm_error_failed(struct sm_error *e, int code,
							  const char *fmt, ...);

/* The two above with a va_list and the kind given; `with_errno` appends
 * ": strerror(code)". */
__attribute__((format(printf, 5, 0))) int sm_error_setv(struct sm_error *e, int code, int bad_input,
							int with_errno, const char *fmt,
							va_list ap);

/* A parser's error: `len` bytes of `token` (SIZE_MAX: up to its NUL) and
 * `why`; the message is `"TOKEN": WHY`, the code EINVAL, bad input. */
int sm_error_token(struct sm_error *e, const char *token, size_t len, const char *why);

/* Add a hint (or, with fmt NULL, remove it) and the name to an error already
 * set; both return -code. */
__attribute__((format(printf, 2, 3))) int sm_error_hint(struct sm_error *e, const char *fmt, ...);
int sm_error_name(struct sm_error *e, const char *name);

#ifdef __cplusplus
}
#endif
#endif
