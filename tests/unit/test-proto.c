/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Varlink codec: framing, limits, strict UTF-8 and JSON, fd accounting,
 * and the Mount parameters, over a real socketpair. */
#include <fcntl.h>
#include <sys/socket.h>

#include "shiftmount/proto.h"
#include "util.h"
#include "../lib/tap.h"

static const struct {
	const char *bytes;
	int valid;
} utf8[] = {
	{"plain ascii", 1},
	{"caf\xc3\xa9", 1},
	{"\xe2\x82\xac euro", 1},
	{"\xf0\x9f\x98\x80", 1},
	{"\xf4\x8f\xbf\xbf", 1}, /* U+10FFFF */
	{"\xff", 0},
	{"\xc0\xaf", 0},	 /* overlong '/' */
	{"\xe0\x80\xaf", 0},	 /* overlong */
	{"\xed\xa0\x80", 0},	 /* surrogate */
	{"\xf4\x90\x80\x80", 0}, /* past U+10FFFF */
	{"\xc3", 0},		 /* cut short */
	{"\xe2\x82", 0},
	{"\x80", 0}, /* lone continuation */
	{"a\xc3(", 0},
};

/* Send raw bytes (with fds) into one end; parse from the other. */
static int roundtrip(const char *bytes, size_t len, int nfds, json_object **ret, unsigned *ret_n)
{
	int sp[2];
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp);
	int fds[8];
	for (int i = 0; i < nfds; i++)
		fds[i] = open("/", O_PATH | O_CLOEXEC);
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} cm;
	struct iovec iov = {(void *)bytes, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (nfds) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = &cm;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	sendmsg(sp[0], &mh, 0);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	struct sm_proto_buf b;
	sm_proto_buf_init(&b);
	int r, got[SM_PROTO_MAX_FDS];
	unsigned n = 0;
	while ((r = sm_proto_recv(sp[1], &b)) > 0)
		if ((r = sm_proto_next(&b, ret, got, &n)) != 0)
			break;
	if (r == -EAGAIN || r == -EMSGSIZE)
		r = sm_proto_next(&b, ret, got, &n);
	for (unsigned i = 0; i < (r == 1 ? n : 0); i++)
		close(got[i]);
	*ret_n = r == 1 ? n : 0;
	sm_proto_buf_free(&b);
	close(sp[0]);
	close(sp[1]);
	return r;
}

static void test_framing(void)
{
	json_object *o = NULL;
	unsigned n;
	static const char good[] = "{\"method\":\"a.b\"}";
	is_int(roundtrip(good, sizeof(good), 0, &o, &n), 1, "a NUL-terminated object parses");
	json_object_put(o);
	is_int(roundtrip(good, sizeof(good) - 1, 0, &o, &n), 0,
	       "without its NUL: not yet complete");
	is_int(roundtrip(good, sizeof(good), 1, &o, &n), 1, "one fd comes with it");
	is_int((int)n, 1, "  counted");
	json_object_put(o);
	is_int(roundtrip(good, sizeof(good), 4, &o, &n), 1, "four fds: the limit");
	json_object_put(o);
	is_int(roundtrip(good, sizeof(good), 5, &o, &n), -ETOOMANYREFS, "five fds: refused");
	is_int(roundtrip("[1]", 4, 0, &o, &n), -EBADMSG, "not an object");
	is_int(roundtrip("{} {}", 6, 0, &o, &n), -EBADMSG, "two objects");
	is_int(roundtrip("{\"a\":1,}", 9, 0, &o, &n), -EBADMSG, "trailing comma (strict)");
	is_int(roundtrip("{'a':1}", 8, 0, &o, &n), -EBADMSG, "single quotes (strict)");
	is_int(roundtrip("{\"a\":\"\xff\"}", 10, 0, &o, &n), -EILSEQ, "not UTF-8");
	static char big[SM_PROTO_MAX_MESSAGE + 10];
	memset(big, ' ', sizeof(big));
	is_int(roundtrip(big, sizeof(big), 0, &o, &n), -EMSGSIZE, "longer than the limit");
	char deep[64] = "{\"a\":";
	for (int i = 0; i < 20; i++)
		strcat(deep, "[");
	is_int(roundtrip(deep, strlen(deep) + 1, 0, &o, &n), -EBADMSG, "nesting past 16");
}

static void test_call_and_params(void)
{
	struct sm_varlink_call c;
	const char *bad = NULL;
	json_object *m = json_tokener_parse("{\"method\":\"io.shiftmount.Delegate.Mount\","
					    "\"parameters\":{\"name\":\"group\"},\"oneway\":true}");
	is_int(sm_varlink_parse_call(m, &c, &bad), 0, "a call parses");
	ok(c.oneway && c.params && !strcmp(c.method, "io.shiftmount.Delegate.Mount"),
	   "  method, parameters, oneway");
	struct sm_delegate_request r;
	is_int(sm_delegate_request_decode(c.params, &r, &bad), 0, "Mount by name decodes");
	ok(r.fd == -1 && !strcmp(r.name, "group"), "  name, no fd");
	json_object_put(m);

	static const struct {
		const char *params, *bad;
	} badp[] = {
		{"{}", "name"},
		{"{\"fd\":0}", "path"},
		{"{\"path\":\"/x\"}", "fd"},
		{"{\"fd\":0,\"path\":\"x\"}", "path"},
		{"{\"fd\":-1,\"path\":\"/x\"}", "fd"},
		{"{\"fd\":\"0\",\"path\":\"/x\"}", "fd"},
		{"{\"fd\":0,\"path\":\"/x\",\"name\":\"g\"}", "name"},
		{"{\"name\":\"a/b\"}", "name"},
		{"{\"name\":\"g\",\"readonly\":1}", "readonly"},
		{"{\"name\":\"g\",\"userns\":\"/proc/1/ns/user\"}", "userns"},
	};
	for (size_t i = 0; i < ELEMENTSOF(badp); i++) {
		json_object *p = json_tokener_parse(badp[i].params);
		bad = NULL;
		int rr = sm_delegate_request_decode(p, &r, &bad);
		ok(rr == -EINVAL && bad && !strcmp(bad, badp[i].bad), "Mount %s refused, names %s",
		   badp[i].params, badp[i].bad);
		json_object_put(p);
	}

	m = json_tokener_parse("{\"method\":\"a.b\",\"extra\":1}");
	is_int(sm_varlink_parse_call(m, &c, &bad), -EBADMSG, "unknown member in a call");
	json_object_put(m);
	m = json_tokener_parse("{\"method\":\"nodot\"}");
	is_int(sm_varlink_parse_call(m, &c, &bad), -EBADMSG, "method without an interface");
	json_object_put(m);

	/* Encode -> decode gives the request back. */
	struct sm_delegate_request in = {.fd = 0, .recursive = 1, .noexec = 1};
	strcpy(in.path, "/data/group");
	json_object *p = sm_delegate_request_encode(&in);
	is_int(sm_delegate_request_decode(p, &r, &bad), 0, "encoded request decodes");
	ok(r.fd == 0 && !strcmp(r.path, "/data/group") && r.recursive && r.noexec && !r.readonly,
	   "  to the same request");
	json_object_put(p);

	struct sm_delegate_reply rep = {100000, 150000, 65536, "100000 200000 65536\n", "x"}, back;
	p = sm_delegate_reply_encode(&rep);
	is_int(sm_delegate_reply_decode(p, &back), 0, "reply round trip");
	ok(back.origin_gid == 150000 && !strcmp(back.uid_map, rep.uid_map), "  same values");
	json_object_put(p);
}

int main(void)
{
	for (size_t i = 0; i < ELEMENTSOF(utf8); i++)
		is_int(sm_utf8_valid(utf8[i].bytes, strlen(utf8[i].bytes)), utf8[i].valid,
		       "UTF-8 case %zu %s", i, utf8[i].valid ? "valid" : "invalid");
	test_framing();
	test_call_and_params();
	return done_testing();
}
