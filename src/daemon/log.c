/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shiftmountd's log; see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

/* Log lines carry tenants' strings (paths, names, methods): control
 * characters, C1 controls included, are written as \xNN so that no one can
 * forge a line or send escapes to an admin's terminal. */
void log_msg(const char *fmt, ...)
{
	char buf[8192], out[8192 * 4 + 32];
	size_t o = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	o += (size_t)snprintf(out, sizeof(out), "shiftmountd: ");
	for (const unsigned char *s = (const unsigned char *)buf; *s; s++) {
		if (*s < 0x20 || *s == 0x7f)
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", *s);
		else if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\xc2\\x%02x", *++s);
		else
			out[o++] = (char)*s;
	}
	out[o++] = '\n';
	/* One write: workers log concurrently. */
	(void)!write(STDERR_FILENO, out, o);
}
