/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shiftmountd's settings and their defaults; see config.h. */
#include "shiftmount.h"
#include "config.h"

struct daemon_config daemon_config = {
	.subuid = SM_SUBUID_PATH,
	.subgid = SM_SUBGID_PATH,
	.clone_timeout_ms = 10000,
};
