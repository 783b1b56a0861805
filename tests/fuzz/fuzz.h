/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the fuzz targets share.  Each target defines LLVMFuzzerTestOneInput
 * and is built twice: with clang -fsanitize=fuzzer (tests/fuzz/run) and, with
 * replay.c as its main, as a plain program that replays the committed corpus
 * under any compiler (make tests; make check runs it under ASan+UBSan).
 */
#ifndef SM_FUZZ_H
#define SM_FUZZ_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the code under test broke: say which and crash, so both
 * libFuzzer and the replay see a failure with the input that caused it. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The input as a NUL-terminated string (NULs inside stay: the parsers see
 * the text up to the first one, as they would from a C caller). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
