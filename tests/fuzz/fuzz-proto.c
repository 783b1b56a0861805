/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's request decoder, as a tenant drives it: bytes and fds sent on
 * a real unix socket, read with sm_proto_recv, split with sm_proto_next, then
 * sm_varlink_parse_call and sm_delegate_request_decode (and the client's
 * reply decoder on the same messages).
 *
 * Input: chunks of [1 byte: fds to attach (low 3 bits)][2 bytes LE: length]
 * [length bytes of data].  Invariants beyond "no crash":
 *   - no fd leaks: every fd sent is either handed out with a message (and
 *     is O_CLOEXEC) or closed by the codec; the process holds the same fds
 *     afterwards as before;
 *   - a message never comes with more than SM_PROTO_MAX_FDS fds, and too
 *     many fds are refused (-ETOOMANYREFS), not truncated;
 *   - errors are only the documented ones;
 *   - decode(encode(decode(x))) == decode(x) for requests and replies.
 */
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "shiftmount/proto.h"

static int socks[2] = {-1, -1}, devnull = -1;

/* Which of the 64 fds from the lowest free one are open: a leaked fd (sent
 * or received) lands there, as the kernel hands out the lowest numbers. */
static uint64_t open_fds(int *lo)
{
	uint64_t mask = 0;
	if (*lo < 0) {
		*lo = fcntl(devnull, F_DUPFD_CLOEXEC, 0);
		FUZZ_CHECK(*lo >= 0);
		close(*lo);
	}
	for (int i = 0; i < 64; i++)
		if (fcntl(*lo + i, F_GETFD) >= 0)
			mask |= 1ull << i;
	return mask;
}

static void check_request(json_object *params)
{
	struct sm_delegate_request r, back;
	const char *bad = NULL;
	if (sm_delegate_request_decode(params, &r, &bad) < 0) {
		FUZZ_CHECK(bad != NULL);
		return;
	}
	FUZZ_CHECK((r.fd >= 0) != (r.name[0] != '\0'));
	FUZZ_CHECK(r.fd < SM_PROTO_MAX_FDS);
	FUZZ_CHECK(r.fd < 0 || r.path[0] == '/');
	json_object *o = sm_delegate_request_encode(&r);
	FUZZ_CHECK(o);
	memset(&back, 0, sizeof(back));
	FUZZ_CHECK(sm_delegate_request_decode(o, &back, &bad) == 0);
	FUZZ_CHECK(back.fd == r.fd && back.recursive == r.recursive &&
		   back.readonly == r.readonly && back.noexec == r.noexec);
	FUZZ_CHECK(!strcmp(back.path, r.fd >= 0 ? r.path : "") && !strcmp(back.name, r.name));
	json_object_put(o);
}

static void check_reply(json_object *msg)
{
	const char *error = NULL;
	json_object *params = NULL;
	struct sm_delegate_reply r, back;
	if (sm_varlink_parse_reply(msg, &error, &params) < 0 || error)
		return;
	if (sm_delegate_reply_decode(params, &r) < 0)
		return;
	json_object *o = sm_delegate_reply_encode(&r);
	FUZZ_CHECK(o);
	FUZZ_CHECK(sm_delegate_reply_decode(o, &back) == 0);
	FUZZ_CHECK(back.origin_uid == r.origin_uid && back.origin_gid == r.origin_gid &&
		   back.range == r.range && !strcmp(back.uid_map, r.uid_map) &&
		   !strcmp(back.gid_map, r.gid_map));
	json_object_put(o);
}

static void take_messages(struct sm_proto_buf *b)
{
	for (;;) {
		json_object *msg = NULL;
		int fds[SM_PROTO_MAX_FDS + 8];
		unsigned nfds = 12345;
		int r = sm_proto_next(b, &msg, fds, &nfds);
		if (r == 0)
			return;
		if (r < 0) {
			FUZZ_CHECK(r == -EILSEQ || r == -EBADMSG || r == -ETOOMANYREFS ||
				   r == -EMSGSIZE || r == -ENOMEM);
			if (r == -EMSGSIZE)
				return; /* the daemon drops such a peer */
			continue;
		}
		FUZZ_CHECK(r == 1 && msg && json_object_is_type(msg, json_type_object));
		FUZZ_CHECK(nfds <= SM_PROTO_MAX_FDS);
		for (unsigned i = 0; i < nfds; i++) {
			int fl = fcntl(fds[i], F_GETFD);
			FUZZ_CHECK(fl >= 0 && (fl & FD_CLOEXEC));
			close(fds[i]);
		}
		struct sm_varlink_call call;
		const char *bad = NULL;
		if (sm_varlink_parse_call(msg, &call, &bad) == 0) {
			FUZZ_CHECK(call.method);
			check_request(call.params);
		}
		check_reply(msg);
		json_object_put(msg);
	}
}

/* Whatever the codec did not read: drop it, closing any fds it carried. */
static void drain(void)
{
	char data[4096];
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 16)];
	} cm;
	for (;;) {
		struct iovec iov = {data, sizeof(data)};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = &cm,
				    .msg_controllen = sizeof(cm)};
		ssize_t n = recvmsg(socks[1], &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n <= 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < nfd; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
				close(fd);
			}
		}
	}
}

static void send_chunk(const uint8_t *p, size_t len, unsigned nfds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} cm;
	int fds[8];
	struct iovec iov = {(void *)p, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	for (unsigned i = 0; i < nfds; i++)
		FUZZ_CHECK((fds[i] = fcntl(devnull, F_DUPFD_CLOEXEC, 3)) >= 0);
	if (nfds) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = &cm;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	/* fds need at least one byte to travel with. */
	FUZZ_CHECK(sendmsg(socks[0], &mh, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len);
	for (unsigned i = 0; i < nfds; i++)
		close(fds[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (socks[0] < 0) {
		FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, socks) == 0);
		int sz = 1 << 20;
		setsockopt(socks[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		setsockopt(socks[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		FUZZ_CHECK((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
	}
	if (size > 4 * SM_PROTO_MAX_MESSAGE)
		return 0;
	int lo = -1;
	uint64_t before = open_fds(&lo);

	struct sm_proto_buf b;
	sm_proto_buf_init(&b);
	int dropped = 0;
	size_t off = 0;
	while (off < size && !dropped) {
		unsigned nfds = data[off] & 7;
		size_t len = 0;
		if (off + 3 <= size)
			len = data[off + 1] | (size_t)data[off + 2] << 8;
		off += off + 3 <= size ? 3 : size - off;
		if (len > size - off)
			len = size - off;
		if (len == 0)
			continue;
		send_chunk(data + off, len, nfds);
		off += len;
		for (;;) {
			int r = sm_proto_recv(socks[1], &b);
			if (r == -EAGAIN || r == 0)
				break;
			if (r < 0) {
				FUZZ_CHECK(r == -EMSGSIZE);
				dropped = 1;
				break;
			}
			FUZZ_CHECK(b.n_fds <= SM_PROTO_MAX_FDS && b.len < b.cap);
			take_messages(&b);
		}
	}
	sm_proto_buf_free(&b);
	drain();
	FUZZ_CHECK(open_fds(&lo) == before);
	return 0;
}
