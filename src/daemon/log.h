/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shiftmountd's log: one line on stderr a call, safe to print. */
#ifndef SHIFTMOUNTD_LOG_H
#define SHIFTMOUNTD_LOG_H

/* "shiftmountd: " and the message, control characters written as \xNN,
 * in one write (workers log concurrently). */
__attribute__((format(printf, 1, 2))) void log_msg(const char *fmt, ...);

#endif
