/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /etc/shiftmount.conf: the site's default origin and range. */
#ifndef SHIFTMOUNT_CONFIG_H
#define SHIFTMOUNT_CONFIG_H

#include <stdint.h>

#include "idmap.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SM_CONFIG_PATH "/etc/shiftmount.conf"
/* Names another config file for the front ends (tests, a staged config). */
#define SM_CONFIG_ENV "SHIFTMOUNT_CONFIG"

struct sm_config {
	uint32_t origin_uid, origin_gid, range;
};

/* Defaults (origin 0, range 65536), then `path` if it exists: lines
 * "origin = N", "origin-uid = N", "origin-gid = N", "range = N", '#'
 * comments.  A missing file is not an error; a malformed one is -EINVAL with
 * *err naming the line. */
/* The config file the front ends read: $SHIFTMOUNT_CONFIG when set and not
 * empty, else SM_CONFIG_PATH. */
const char *sm_config_path(void);

int sm_config_load(const char *path, struct sm_config *ret, struct sm_error *err);

/* A decimal id in [0, SM_ID_MAX] with nothing after it; -EINVAL/-ERANGE. */
int sm_parse_id(const char *s, uint32_t *ret);

#ifdef __cplusplus
}
#endif
#endif
