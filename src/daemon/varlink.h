/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Method dispatch of one Varlink call. */
#ifndef SHIFTMOUNTD_VARLINK_H
#define SHIFTMOUNTD_VARLINK_H

#include "shiftmount.h"
#include "peer.h"

/* Answer one call of the connection whose peer is `p` (`s`, may be NULL:
 * who sent it).  Returns the reply (NULL only when out of memory) and, for a
 * successful Mount, *ret_fd to send with it.  `fds` are the call's; they are
 * consumed. */
json_object *varlink_dispatch(const struct peer *p, const struct sender *s, json_object *msg,
			      int *fds, unsigned nfds, int *ret_fd, int *ret_oneway);

#endif
