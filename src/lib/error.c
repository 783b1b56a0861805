/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one error type; see include/shiftmount/error.h. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "shiftmount/error.h"
#include "util.h"

static int positive(int code)
{
	return code < 0 ? -code : code;
}

void sm_error_clear(struct sm_error *e)
{
	if (!e)
		return;
	e->code = 0;
	e->bad_input = 0;
	e->name[0] = e->token[0] = e->message[0] = e->hint[0] = '\0';
	e->why = NULL;
}

int sm_error_setv(struct sm_error *e, int code, int bad_input, int with_errno, const char *fmt,
		  va_list ap)
{
	code = positive(code);
	if (!e)
		return -code;
	sm_error_clear(e);
	e->code = code;
	e->bad_input = !!bad_input;
	int n = vsnprintf(e->message, sizeof(e->message), fmt, ap);
	if (with_errno && n >= 0 && (size_t)n < sizeof(e->message))
		snprintf(e->message + n, sizeof(e->message) - (size_t)n, ": %s", strerror(code));
	return -code;
}

int sm_error_input(struct sm_error *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = sm_error_setv(e, code, 1, 0, fmt, ap);
	va_end(ap);
	return r;
}

int sm_error_failed(struct sm_error *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = sm_error_setv(e, code, 0, 1, fmt, ap);
	va_end(ap);
	return r;
}

int sm_error_token(struct sm_error *e, const char *token, size_t len, const char *why)
{
	if (!e)
		return -EINVAL;
	sm_error_clear(e);
	if (!token)
		token = "";
	if (len == SIZE_MAX)
		len = strlen(token);
	if (len >= sizeof(e->token))
		len = sizeof(e->token) - 1;
	memcpy(e->token, token, len);
	e->token[len] = '\0';
	/* Never hand back bytes that are not printable text. */
	for (char *p = e->token; *p; p++)
		if (!isprint((unsigned char)*p))
			*p = '?';
	e->why = why;
	e->code = EINVAL;
	e->bad_input = 1;
	snprintf(e->message, sizeof(e->message), "\"%s\": %s", e->token, why ? why : "invalid");
	return -EINVAL;
}

int sm_error_hint(struct sm_error *e, const char *fmt, ...)
{
	if (!e)
		return -EINVAL;
	e->hint[0] = '\0';
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->hint, sizeof(e->hint), fmt, ap);
		va_end(ap);
	}
	return -e->code;
}

int sm_error_name(struct sm_error *e, const char *name)
{
	if (!e)
		return -EINVAL;
	snprintf(e->name, sizeof(e->name), "%s", name ? name : "");
	return -e->code;
}

int sm_error_failed_hint(struct sm_error *e, int code, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = sm_error_setv(e, code, 0, 1, fmt, ap);
	va_end(ap);
	if (hint)
		sm_error_hint(e, "%s", hint);
	return r;
}
