/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* io.shiftmount.Delegate.Mount, the privileged operation. */
#ifndef SHIFTMOUNTD_REQUEST_H
#define SHIFTMOUNTD_REQUEST_H

#include "shiftmount.h"
#include "peer.h"

/* Answer one Mount call of the connection whose peer is `p`; `s` (may be
 * NULL) says who sent it.  `fds` are the call's and are consumed.  The reply
 * (NULL only when out of memory) and, when allowed, *ret_fd: the detached
 * mount to send with it. */
json_object *delegate_mount(const struct peer *p, const struct sender *s, json_object *params,
			    int *fds, unsigned nfds, int *ret_fd);

#endif
