/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The client side of shiftmountd: ask for a shifted mount, get its fd. */
#ifndef SHIFTMOUNT_DELEGATE_H
#define SHIFTMOUNT_DELEGATE_H

#include <stddef.h>

#include "error.h"
#include "proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/* `path`, else $SHIFTMOUNT_SOCKET, else SM_DELEGATE_SOCKET. */
const char *sm_delegate_socket_path(const char *path);

/* Connect (SOCK_CLOEXEC) to the daemon's socket. */
int sm_delegate_connect(const char *path, int *ret_sock);

/* Open SRC for a by-path request as the caller (O_PATH|O_DIRECTORY, so the
 * kernel checks that the caller can reach it) and fill req->fd = 0 and
 * req->path (SRC made absolute against the cwd, not canonicalised: the
 * daemon checks the path as named). */
int sm_delegate_open_source(const char *src, struct sm_delegate_request *req, int *ret_fd);

/* Call io.shiftmount.Delegate.Mount.  With req->fd >= 0, `src_fd` is sent
 * as that fd (it must be index 0).  On success *ret_mntfd is the detached
 * shifted mount (O_CLOEXEC), *ret_reply (may be NULL) what the daemon made.
 * When the daemon refuses: -EREMOTEIO, err->name the error's name and
 * err->message its reason ("" when it gave none).  -ETIMEDOUT after
 * `timeout_ms` without an answer; any failure fills *err (message
 * "talking to shiftmountd: " and the errno's text). */
int sm_delegate_mount(int sock, const struct sm_delegate_request *req, int src_fd, int timeout_ms,
		      int *ret_mntfd, struct sm_delegate_reply *ret_reply, struct sm_error *err);

#ifdef __cplusplus
}
#endif
#endif
