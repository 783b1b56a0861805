/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The shiftmountd protocol: Varlink (https://varlink.org) over a unix stream
 * socket.  Each message is one JSON object followed by a NUL byte; file
 * descriptors travel as SCM_RIGHTS with the first byte of their message.
 * The codec is strict, since the daemon reads it from untrusted tenants:
 * at most SM_PROTO_MAX_MESSAGE bytes, valid UTF-8, exactly one JSON object,
 * no more fds than SM_PROTO_MAX_FDS.  shiftmountd(8) documents the interface.
 */
#ifndef SHIFTMOUNT_PROTO_H
#define SHIFTMOUNT_PROTO_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "mark.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SM_PROTO_MAX_MESSAGE (64 * 1024)
#define SM_PROTO_MAX_FDS     4 /* fds one message may carry; more is an error */
#define SM_PROTO_MAX_DEPTH   16

#define SM_DELEGATE_SOCKET     "/run/shiftmount/shiftmountd.sock"
#define SM_DELEGATE_SOCKET_ENV "SHIFTMOUNT_SOCKET"
#define SM_DELEGATE_INTERFACE  "io.shiftmount.Delegate"

/* The interface's errors (shiftmountd(8)). */
#define SM_DELEGATE_NOT_MARKED	      SM_DELEGATE_INTERFACE ".NotMarked"
#define SM_DELEGATE_PERMISSION_DENIED SM_DELEGATE_INTERFACE ".PermissionDenied"
#define SM_DELEGATE_BAD_SOURCE	      SM_DELEGATE_INTERFACE ".BadSource"
#define SM_DELEGATE_NO_SUCH_NAME      SM_DELEGATE_INTERFACE ".NoSuchName"
#define SM_DELEGATE_MOUNT_FAILED      SM_DELEGATE_INTERFACE ".MountFailed"
#define SM_DELEGATE_CONFIG_UNREADABLE SM_DELEGATE_INTERFACE ".ConfigUnreadable"
#define SM_DELEGATE_PROTOCOL_ERROR    SM_DELEGATE_INTERFACE ".ProtocolError"
#define SM_VARLINK_INVALID_PARAMETER  "org.varlink.service.InvalidParameter"

/* A connection's receive buffer and the fds that came with it. */
struct sm_proto_buf {
	char *data;
	size_t len, cap;
	int fds[SM_PROTO_MAX_FDS];
	unsigned n_fds;
	int fd_overflow; /* more fds than fit arrived (they were closed) */
	/* Who sent the last bytes read, from SCM_CREDENTIALS when the socket
	 * has SO_PASSCRED: on a connection handed to another process this is
	 * not who connected. */
	int sender_known;
	pid_t sender_pid;
	uid_t sender_uid;
};

void sm_proto_buf_init(struct sm_proto_buf *b);
/* Frees the buffer and closes the fds still held. */
void sm_proto_buf_free(struct sm_proto_buf *b);

/* One recvmsg() into the buffer (MSG_CMSG_CLOEXEC).  Bytes read (> 0), 0 at
 * end of file, -EAGAIN on a non-blocking socket with nothing to read,
 * -EMSGSIZE when the buffer holds SM_PROTO_MAX_MESSAGE bytes without a NUL. */
int sm_proto_recv(int sock, struct sm_proto_buf *b);

/* Take the first complete message out of the buffer: 1 and *ret (json
 * object, json_object_put() it) with its fds moved to ret_fds (the caller
 * owns them, at most SM_PROTO_MAX_FDS); 0 when no message is complete yet.
 * Errors (the message is dropped and its fds closed): -EILSEQ not UTF-8,
 * -EBADMSG not exactly one JSON object, -ETOOMANYREFS too many fds,
 * -EMSGSIZE too long. */
int sm_proto_next(struct sm_proto_buf *b, json_object **ret, int *ret_fds, unsigned *ret_nfds);

/* Send `msg` and its NUL with `n_fds` fds (MSG_NOSIGNAL); blocking. */
int sm_proto_send(int sock, json_object *msg, const int *fds, unsigned n_fds);

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
int sm_utf8_valid(const char *s, size_t len);

/* A Varlink call: {"method": "IFACE.Method", "parameters": {...},
 * "oneway": bool, "more": bool, "upgrade": bool}.  Pointers into `msg`.
 * -EBADMSG and *bad naming the offending member. */
struct sm_varlink_call {
	const char *method;
	json_object *params; /* NULL when absent */
	int oneway, more, upgrade;
};
int sm_varlink_parse_call(json_object *msg, struct sm_varlink_call *ret, const char **bad);

/* {"parameters": params} / {"error": error, "parameters": params}; take the
 * reference to params (which may be NULL). */
json_object *sm_varlink_reply(json_object *params);
json_object *sm_varlink_error(const char *error, json_object *params);
/* An error whose parameters are {"reason": reason}. */
json_object *sm_varlink_error_reason(const char *error, const char *reason);

/* A reply: *ret_error is NULL for success, else the error name; params
 * points into msg (may be NULL).  -EBADMSG for anything else. */
int sm_varlink_parse_reply(json_object *msg, const char **ret_error, json_object **ret_params);

/* io.shiftmount.Delegate.Mount parameters. */
struct sm_delegate_request {
	int fd;				 /* index of the source's O_PATH fd, -1 with a name */
	char path[PATH_MAX];		 /* with fd: the path the client opened, absolute */
	char name[SM_MARK_NAME_MAX + 1]; /* or a mark name, "" with fd */
	int recursive, readonly, noexec;
};
/* Strict: unknown members, wrong types, fd without path, both or neither
 * of fd and name, a relative path or an invalid name are -EINVAL with
 * *bad naming the parameter. */
int sm_delegate_request_decode(json_object *params, struct sm_delegate_request *ret,
			       const char **bad);
json_object *sm_delegate_request_encode(const struct sm_delegate_request *r);

/* The reply's parameters: the mount fd (index 0), and what was made. */
struct sm_delegate_reply {
	unsigned origin_uid, origin_gid, range;
	char uid_map[1024], gid_map[1024]; /* "disk host count" lines */
	char warning[1024];		   /* "" or what the caller should hear, e.g. the
					    * source's owner is outside the map */
};
json_object *sm_delegate_reply_encode(const struct sm_delegate_reply *r);
int sm_delegate_reply_decode(json_object *params, struct sm_delegate_reply *ret);

#ifdef __cplusplus
}
#endif
#endif
