/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shiftmountd's settings: set once by main() from its options, read by the
 * request path. */
#ifndef SHIFTMOUNTD_CONFIG_H
#define SHIFTMOUNTD_CONFIG_H

struct daemon_config {
	const char *registry; /* the mark-name registry directory */
	const char *subuid, *subgid;
	int clone_timeout_ms;
};
extern struct daemon_config daemon_config;

#endif
