/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libshiftmount: uid/gid-shifting bind mounts.
 *
 * Every function returns 0 (or a non-negative count) on success and a
 * negative errno on failure, never prints and never exits.  Output
 * parameters are named ret_* and are left untouched on failure.  fds the
 * library returns are O_CLOEXEC.  See libshiftmount(3).
 */
#ifndef SHIFTMOUNT_H
#define SHIFTMOUNT_H

#include "shiftmount/error.h"
#include "shiftmount/idmap.h"
#include "shiftmount/userns.h"
#include "shiftmount/mount.h"
#include "shiftmount/mountinfo.h"
#include "shiftmount/config.h"
#include "shiftmount/backend.h"
#include "shiftmount/xattr.h"
#include "shiftmount/audit.h"
#include "shiftmount/mark.h"
#include "shiftmount/subid.h"
#include "shiftmount/policy.h"
#include "shiftmount/proto.h"
#include "shiftmount/delegate.h"
#include "shiftmount/plan.h"
#include "shiftmount/reconfigure.h"
#include "shiftmount/grant.h"

#endif
