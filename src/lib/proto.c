/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Varlink codec shared by shiftmountd and its clients. */
#include <stdio.h>
#include <sys/socket.h>

#include "shiftmount/proto.h"
#include "util.h"

void sm_proto_buf_init(struct sm_proto_buf *b)
{
	memset(b, 0, sizeof(*b));
}

static void close_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

void sm_proto_buf_free(struct sm_proto_buf *b)
{
	close_fds(b->fds, b->n_fds);
	free(b->data);
	sm_proto_buf_init(b);
}

int sm_proto_recv(int sock, struct sm_proto_buf *b)
{
	if (b->len >= SM_PROTO_MAX_MESSAGE)
		return -EMSGSIZE;
	if (b->cap - b->len < 4096) {
		size_t ncap = b->cap ? b->cap * 2 : 8192;
		if (ncap > SM_PROTO_MAX_MESSAGE + 1)
			ncap = SM_PROTO_MAX_MESSAGE + 1;
		char *nd = realloc(b->data, ncap);
		if (!nd)
			return -ENOMEM;
		b->data = nd;
		b->cap = ncap;
	}
	/* Room for more fds than allowed, so that an excess is seen (and
	 * refused) rather than silently truncated. */
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 16) + CMSG_SPACE(sizeof(struct ucred))];
	} cm;
	struct iovec iov = {b->data + b->len, b->cap - b->len - 1};
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &cm, .msg_controllen = sizeof(cm)};
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : sm_negerrno();

	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
			struct ucred uc;
			memcpy(&uc, CMSG_DATA(c), sizeof(uc));
			/* pid 0: sent before SO_PASSCRED was set, no credentials. */
			if (uc.pid <= 0)
				continue;
			b->sender_known = 1;
			b->sender_pid = uc.pid;
			b->sender_uid = uc.uid;
			continue;
		}
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		unsigned nfd = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		int *p = (int *)CMSG_DATA(c);
		for (unsigned i = 0; i < nfd; i++) {
			int fd;
			memcpy(&fd, p + i, sizeof(fd));
			if (b->n_fds < SM_PROTO_MAX_FDS) {
				b->fds[b->n_fds++] = fd;
			} else {
				close(fd);
				b->fd_overflow = 1;
			}
		}
	}
	if (mh.msg_flags & MSG_CTRUNC)
		b->fd_overflow = 1;
	b->len += (size_t)n;
	return (int)n;
}

int sm_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		unsigned need, min, cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			need = 1, min = 0x80, cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2, min = 0x800, cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3, min = 0x10000, cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= need)
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* json-c's strict mode still takes 'single-quoted' strings; JSON does not. */
static int has_single_quote(const char *s, size_t len)
{
	int in_string = 0;
	for (size_t i = 0; i < len; i++) {
		if (in_string) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_string = 0;
		} else if (s[i] == '"') {
			in_string = 1;
		} else if (s[i] == '\'') {
			return 1;
		}
	}
	return 0;
}

static int parse_json(const char *s, size_t len, json_object **ret)
{
	if (has_single_quote(s, len))
		return -EBADMSG;
	json_tokener *tok = json_tokener_new_ex(SM_PROTO_MAX_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	json_object *o = json_tokener_parse_ex(tok, s, (int)len);
	int r = 0;
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len || !json_object_is_type(o, json_type_object))
		r = -EBADMSG;
	json_tokener_free(tok);
	if (r < 0) {
		json_object_put(o);
		return r;
	}
	*ret = o;
	return 0;
}

int sm_proto_next(struct sm_proto_buf *b, json_object **ret, int *ret_fds, unsigned *ret_nfds)
{
	char *nul = b->len ? memchr(b->data, '\0', b->len) : NULL;
	if (!nul) {
		if (b->len >= SM_PROTO_MAX_MESSAGE)
			return -EMSGSIZE;
		return 0;
	}
	size_t mlen = (size_t)(nul - b->data);
	int r = 0;
	json_object *o = NULL;
	if (b->fd_overflow)
		r = -ETOOMANYREFS;
	else if (!sm_utf8_valid(b->data, mlen))
		r = -EILSEQ;
	else
		r = parse_json(b->data, mlen, &o);

	/* The message leaves the buffer whatever it was. */
	memmove(b->data, nul + 1, b->len - mlen - 1);
	b->len -= mlen + 1;
	if (r < 0) {
		close_fds(b->fds, b->n_fds);
		b->n_fds = 0;
		b->fd_overflow = 0;
		return r;
	}
	*ret = o;
	memcpy(ret_fds, b->fds, b->n_fds * sizeof(int));
	*ret_nfds = b->n_fds;
	b->n_fds = 0;
	return 1;
}

int sm_proto_send(int sock, json_object *msg, const int *fds, unsigned n_fds)
{
	size_t len;
	const char *s = json_object_to_json_string_length(
		msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (!s)
		return -ENOMEM;
	if (len + 1 > SM_PROTO_MAX_MESSAGE || n_fds > SM_PROTO_MAX_FDS)
		return -EMSGSIZE;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * SM_PROTO_MAX_FDS)];
	} cm;
	/* The NUL terminator is part of the message. */
	size_t off = 0, total = len + 1;
	int first = 1;
	while (off < total) {
		struct iovec iov[2];
		int niov = 0;
		if (off < len)
			iov[niov++] = (struct iovec){(void *)(s + off), len - off};
		iov[niov++] = (struct iovec){(void *)"", 1};
		struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)niov};
		if (first && n_fds > 0) {
			memset(&cm, 0, sizeof(cm));
			mh.msg_control = &cm;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
		}
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sm_negerrno();
		}
		first = 0;
		off += (size_t)n;
	}
	return 0;
}

static int get_bool(json_object *v, int *ret)
{
	if (!json_object_is_type(v, json_type_boolean))
		return -EINVAL;
	*ret = json_object_get_boolean(v);
	return 0;
}

int sm_varlink_parse_call(json_object *msg, struct sm_varlink_call *ret, const char **bad)
{
	struct sm_varlink_call c = {0};
	const char *badkey = NULL;
	json_object_object_foreach(msg, key, val)
	{
		if (!strcmp(key, "method")) {
			if (!json_object_is_type(val, json_type_string)) {
				badkey = "method";
				break;
			}
			c.method = json_object_get_string(val);
		} else if (!strcmp(key, "parameters")) {
			if (!json_object_is_type(val, json_type_object)) {
				badkey = "parameters";
				break;
			}
			c.params = val;
		} else if (!strcmp(key, "oneway")) {
			if (get_bool(val, &c.oneway) < 0) {
				badkey = "oneway";
				break;
			}
		} else if (!strcmp(key, "more")) {
			if (get_bool(val, &c.more) < 0) {
				badkey = "more";
				break;
			}
		} else if (!strcmp(key, "upgrade")) {
			if (get_bool(val, &c.upgrade) < 0) {
				badkey = "upgrade";
				break;
			}
		} else {
			badkey = "(unknown member)";
			break;
		}
	}
	if (!badkey && (!c.method || !strchr(c.method, '.')))
		badkey = "method";
	if (badkey) {
		if (bad)
			*bad = badkey;
		return -EBADMSG;
	}
	*ret = c;
	return 0;
}

int sm_json_add(json_object *o, const char *key, json_object *v)
{
	if (!o || !v || json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

int sm_json_add_string(json_object *o, const char *key, const char *s)
{
	return sm_json_add(o, key, json_object_new_string(s));
}

int sm_json_append(json_object *a, json_object *v)
{
	if (!a || !v || json_object_array_add(a, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* `o`, or NULL (and `o` released) when one of its adds failed. */
static json_object *built(json_object *o, int failed)
{
	if (failed) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

json_object *sm_varlink_reply(json_object *params)
{
	json_object *o = json_object_new_object();
	return built(o, sm_json_add(o, "parameters", params ? params : json_object_new_object()));
}

json_object *sm_varlink_error(const char *error, json_object *params)
{
	json_object *o = json_object_new_object();
	if (sm_json_add_string(o, "error", error) < 0) {
		json_object_put(params);
		json_object_put(o);
		return NULL;
	}
	return built(o, sm_json_add(o, "parameters", params ? params : json_object_new_object()));
}

json_object *sm_varlink_error_reason(const char *error, const char *reason)
{
	json_object *p = json_object_new_object();
	if (sm_json_add_string(p, "reason", reason) < 0) {
		json_object_put(p);
		return NULL;
	}
	return sm_varlink_error(error, p);
}

int sm_varlink_parse_reply(json_object *msg, const char **ret_error, json_object **ret_params)
{
	const char *error = NULL;
	json_object *params = NULL;
	json_object_object_foreach(msg, key, val)
	{
		if (!strcmp(key, "error") && json_object_is_type(val, json_type_string))
			error = json_object_get_string(val);
		else if (!strcmp(key, "parameters") && json_object_is_type(val, json_type_object))
			params = val;
		else if (!strcmp(key, "continues"))
			continue;
		else
			return -EBADMSG;
	}
	*ret_error = error;
	*ret_params = params;
	return 0;
}

/* A JSON string with no NUL inside, copied into buf. */
static int get_string(json_object *v, char *buf, size_t len)
{
	if (!json_object_is_type(v, json_type_string))
		return -EINVAL;
	size_t n = (size_t)json_object_get_string_len(v);
	const char *s = json_object_get_string(v);
	if (n >= len || memchr(s, '\0', n))
		return -EINVAL;
	memcpy(buf, s, n + 1);
	return 0;
}

int sm_delegate_request_decode(json_object *params, struct sm_delegate_request *ret,
			       const char **bad)
{
	struct sm_delegate_request r = {.fd = -1};
	const char *badkey = NULL;
	int have_path = 0;
	if (!params) {
		badkey = "name";
		goto fail;
	}
	json_object_object_foreach(params, key, val)
	{
		int e = 0;
		if (!strcmp(key, "fd")) {
			if (!json_object_is_type(val, json_type_int))
				e = -EINVAL;
			else {
				int64_t v = json_object_get_int64(val);
				if (v < 0 || v >= SM_PROTO_MAX_FDS)
					e = -EINVAL;
				r.fd = (int)v;
			}
		} else if (!strcmp(key, "path")) {
			e = get_string(val, r.path, sizeof(r.path));
			if (e == 0 && r.path[0] != '/')
				e = -EINVAL;
			have_path = 1;
		} else if (!strcmp(key, "name")) {
			e = get_string(val, r.name, sizeof(r.name));
			if (e == 0 && !sm_mark_name_valid(r.name))
				e = -EINVAL;
		} else if (!strcmp(key, "recursive")) {
			e = get_bool(val, &r.recursive);
		} else if (!strcmp(key, "readonly")) {
			e = get_bool(val, &r.readonly);
		} else if (!strcmp(key, "noexec")) {
			e = get_bool(val, &r.noexec);
		} else {
			e = -EINVAL;
		}
		if (e < 0) {
			/* The key's storage lives in params, which the caller
			 * keeps until the error is sent. */
			badkey = key;
			goto fail;
		}
	}
	if (r.fd >= 0 && !have_path) {
		badkey = "path";
		goto fail;
	}
	if (have_path && r.fd < 0) {
		badkey = "fd";
		goto fail;
	}
	if ((r.fd >= 0) == (r.name[0] != '\0')) {
		badkey = "name";
		goto fail;
	}
	*ret = r;
	return 0;
fail:
	if (bad)
		*bad = badkey;
	return -EINVAL;
}

json_object *sm_delegate_request_encode(const struct sm_delegate_request *r)
{
	json_object *p = json_object_new_object();
	int failed = !p;
	if (r->fd >= 0)
		failed = failed || sm_json_add(p, "fd", json_object_new_int(r->fd)) < 0 ||
			 sm_json_add_string(p, "path", r->path) < 0;
	else
		failed = failed || sm_json_add_string(p, "name", r->name) < 0;
	if (r->recursive)
		failed = failed || sm_json_add(p, "recursive", json_object_new_boolean(1)) < 0;
	if (r->readonly)
		failed = failed || sm_json_add(p, "readonly", json_object_new_boolean(1)) < 0;
	if (r->noexec)
		failed = failed || sm_json_add(p, "noexec", json_object_new_boolean(1)) < 0;
	return built(p, failed);
}

json_object *sm_delegate_reply_encode(const struct sm_delegate_reply *r)
{
	json_object *p = json_object_new_object();
	int failed = !p || sm_json_add(p, "fd", json_object_new_int(0)) < 0 ||
		     sm_json_add(p, "origin_uid", json_object_new_int64(r->origin_uid)) < 0 ||
		     sm_json_add(p, "origin_gid", json_object_new_int64(r->origin_gid)) < 0 ||
		     sm_json_add(p, "range", json_object_new_int64(r->range)) < 0 ||
		     sm_json_add_string(p, "uid_map", r->uid_map) < 0 ||
		     sm_json_add_string(p, "gid_map", r->gid_map) < 0;
	if (r->warning[0])
		failed = failed || sm_json_add_string(p, "warning", r->warning) < 0;
	return built(p, failed);
}

static int get_u32(json_object *p, const char *key, unsigned *ret)
{
	json_object *v;
	if (!json_object_object_get_ex(p, key, &v) || !json_object_is_type(v, json_type_int))
		return -EBADMSG;
	int64_t x = json_object_get_int64(v);
	if (x < 0 || x > UINT32_MAX)
		return -EBADMSG;
	*ret = (unsigned)x;
	return 0;
}

int sm_delegate_reply_decode(json_object *params, struct sm_delegate_reply *ret)
{
	struct sm_delegate_reply r = {0};
	json_object *v;
	unsigned fd;
	if (!params || get_u32(params, "fd", &fd) < 0 || fd != 0 ||
	    get_u32(params, "origin_uid", &r.origin_uid) < 0 ||
	    get_u32(params, "origin_gid", &r.origin_gid) < 0 ||
	    get_u32(params, "range", &r.range) < 0)
		return -EBADMSG;
	if (json_object_object_get_ex(params, "uid_map", &v) &&
	    get_string(v, r.uid_map, sizeof(r.uid_map)) < 0)
		return -EBADMSG;
	if (json_object_object_get_ex(params, "gid_map", &v) &&
	    get_string(v, r.gid_map, sizeof(r.gid_map)) < 0)
		return -EBADMSG;
	if (json_object_object_get_ex(params, "warning", &v) &&
	    get_string(v, r.warning, sizeof(r.warning)) < 0)
		return -EBADMSG;
	*ret = r;
	return 0;
}
