/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Client of shiftmountd's io.shiftmount.Delegate interface. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "shiftmount/delegate.h"
#include "util.h"

const char *sm_delegate_socket_path(const char *path)
{
	if (path && *path)
		return path;
	const char *e = getenv(SM_DELEGATE_SOCKET_ENV);
	return e && *e ? e : SM_DELEGATE_SOCKET;
}

int sm_delegate_connect(const char *path, int *ret_sock)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	path = sm_delegate_socket_path(path);
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return sm_negerrno();
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return sm_negerrno();
	*ret_sock = TAKE_FD(s);
	return 0;
}

int sm_delegate_open_source(const char *src, struct sm_delegate_request *req, int *ret_fd)
{
	char path[PATH_MAX];
	if (src[0] == '/') {
		if (strlen(src) >= sizeof(path))
			return -ENAMETOOLONG;
		strcpy(path, src);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			return sm_negerrno();
		if (snprintf(path, sizeof(path), "%s/%s", strcmp(cwd, "/") ? cwd : "", src) >=
		    (int)sizeof(path))
			return -ENAMETOOLONG;
	}
	int fd = open(src, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sm_negerrno();
	memcpy(req->path, path, sizeof(path));
	req->fd = 0;
	req->name[0] = '\0';
	*ret_fd = fd;
	return 0;
}

/* The daemon's refusal: its name, and its reason (or what else it named). */
static int refused(struct sm_error *e, const char *name, json_object *params)
{
	json_object *v = NULL;
	const char *why = "";
	if (params && (json_object_object_get_ex(params, "reason", &v) ||
		       json_object_object_get_ex(params, "parameter", &v) ||
		       json_object_object_get_ex(params, "method", &v) ||
		       json_object_object_get_ex(params, "interface", &v)))
		why = json_object_get_string(v);
	if (!e)
		return -EREMOTEIO;
	/* Not bad input here: the daemon looked and said no. */
	sm_error_clear(e);
	e->code = EREMOTEIO;
	snprintf(e->message, sizeof(e->message), "%s", why ? why : "");
	return sm_error_name(e, name);
}

static int talk_failed(struct sm_error *e, int r)
{
	return sm_error_failed(e, r, "talking to shiftmountd");
}

int sm_delegate_mount(int sock, const struct sm_delegate_request *req, int src_fd, int timeout_ms,
		      int *ret_mntfd, struct sm_delegate_reply *ret_reply, struct sm_error *err)
{
	json_object *call = json_object_new_object();
	if (sm_json_add_string(call, "method", SM_DELEGATE_INTERFACE ".Mount") < 0 ||
	    sm_json_add(call, "parameters", sm_delegate_request_encode(req)) < 0) {
		json_object_put(call);
		return talk_failed(err, -ENOMEM);
	}
	int r = sm_proto_send(sock, call, &src_fd, req->fd >= 0 ? 1 : 0);
	json_object_put(call);
	if (r < 0)
		return talk_failed(err, r);

	struct sm_proto_buf b;
	sm_proto_buf_init(&b);
	json_object *msg = NULL;
	int fds[SM_PROTO_MAX_FDS];
	unsigned nfds = 0;
	for (;;) {
		r = sm_proto_next(&b, &msg, fds, &nfds);
		if (r != 0)
			break;
		struct pollfd pfd = {.fd = sock, .events = POLLIN};
		r = poll(&pfd, 1, timeout_ms);
		if (r == 0) {
			r = -ETIMEDOUT;
			break;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = sm_negerrno();
			break;
		}
		r = sm_proto_recv(sock, &b);
		if (r == 0) {
			r = -ECONNRESET;
			break;
		}
		if (r < 0 && r != -EAGAIN)
			break;
	}
	sm_proto_buf_free(&b);
	if (r < 0)
		return talk_failed(err, r);

	_cleanup_close_ int mntfd = nfds > 0 ? fds[0] : -EBADF;
	for (unsigned i = 1; i < nfds; i++)
		close(fds[i]);
	const char *name = NULL;
	json_object *rparams = NULL;
	struct sm_delegate_reply reply;
	r = sm_varlink_parse_reply(msg, &name, &rparams);
	if (r == 0 && name)
		r = refused(err, name, rparams);
	else if (r == 0) {
		r = sm_delegate_reply_decode(rparams, &reply);
		if (r == 0 && mntfd < 0)
			r = -EBADMSG;
		if (r < 0)
			talk_failed(err, r);
	} else
		talk_failed(err, r);
	json_object_put(msg);
	if (r < 0)
		return r;
	if (ret_reply)
		*ret_reply = reply;
	*ret_mntfd = TAKE_FD(mntfd);
	return 0;
}
