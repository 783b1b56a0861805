/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /etc/shiftmount.conf parser, table-driven, on real files in a temp dir. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../lib/tap.h"
#include "shiftmount/config.h"

static const struct {
	const char *what, *text;
	int want_r;
	uint32_t ouid, ogid, range;
	const char *want_token, *want_why;
} cases[] = {
	{"empty file: defaults", "", 0, 0, 0, 65536, NULL, NULL},
	{"comments and blank lines only", "# site default\n\n   \n\t# more\n", 0, 0, 0, 65536, NULL,
	 NULL},
	{"origin sets both", "origin = 100000\n", 0, 100000, 100000, 65536, NULL, NULL},
	{"origin-uid and origin-gid", "origin-uid=100000\norigin-gid = 120000\n", 0, 100000, 120000,
	 65536, NULL, NULL},
	{"later lines win", "origin = 5\norigin-gid = 7\n", 0, 5, 7, 65536, NULL, NULL},
	{"range", "range = 1000\n", 0, 0, 0, 1000, NULL, NULL},
	{"trailing comment and spaces", "origin = 100000   # images\n", 0, 100000, 100000, 65536,
	 NULL, NULL},
	{"no final newline", "origin = 42", 0, 42, 42, 65536, NULL, NULL},
	{"CRLF line ends", "origin = 9\r\nrange = 10\r\n", 0, 9, 9, 10, NULL, NULL},
	{"largest id", "origin = 4294967294\n", 0, 4294967294u, 4294967294u, 65536, NULL, NULL},
	{"no '='", "origin 100000\n", -EINVAL, 0, 0, 0, "line 1", "expected KEY = VALUE"},
	{"unknown key on line 3", "# c\norigin = 1\nshift = 2\n", -EINVAL, 0, 0, 0, "line 3",
	 "unknown key (origin, origin-uid, origin-gid, range)"},
	{"value not a number", "origin = lots\n", -EINVAL, 0, 0, 0, "line 1",
	 "value must be a number from 0 to 4294967294"},
	{"negative value", "origin = -1\n", -EINVAL, 0, 0, 0, "line 1",
	 "value must be a number from 0 to 4294967294"},
	{"value past the last id", "origin = 4294967295\n", -EINVAL, 0, 0, 0, "line 1",
	 "value must be a number from 0 to 4294967294"},
	{"trailing garbage", "origin = 10x\n", -EINVAL, 0, 0, 0, "line 1",
	 "value must be a number from 0 to 4294967294"},
	{"empty value", "range =\n", -EINVAL, 0, 0, 0, "line 1",
	 "value must be a number from 0 to 4294967294"},
	{"range 0", "\n\nrange = 0\n", -EINVAL, 0, 0, 0, "line 3", "range must be > 0"},
};

int main(void)
{
	char dir[] = "/tmp/sm-test-config.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char path[64];
	snprintf(path, sizeof(path), "%s/shiftmount.conf", dir);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		size_t len = strlen(cases[i].text);
		if (fd < 0 || write(fd, cases[i].text, len) != (ssize_t)len)
			return 1;
		close(fd);

		struct sm_config c = {1111, 2222, 3333};
		struct sm_error err = {0};
		int r = sm_config_load(path, &c, &err);
		is_int(r, cases[i].want_r, "%s: result", cases[i].what);
		if (cases[i].want_r == 0) {
			ok(c.origin_uid == cases[i].ouid && c.origin_gid == cases[i].ogid &&
				   c.range == cases[i].range,
			   "%s: origin %u/%u range %u", cases[i].what, c.origin_uid, c.origin_gid,
			   c.range);
		} else {
			is_str(err.token, cases[i].want_token, "%s: names the line", cases[i].what);
			is_str(err.why, cases[i].want_why, "%s: says why", cases[i].what);
			ok(c.origin_uid == 1111 && c.origin_gid == 2222 && c.range == 3333,
			   "%s: result untouched on failure", cases[i].what);
		}
	}

	struct sm_config c = {1, 2, 3};
	unlink(path);
	is_int(sm_config_load(path, &c, NULL), 0, "a missing file is not an error");
	ok(c.origin_uid == 0 && c.origin_gid == 0 && c.range == 65536,
	   "... and gives the defaults");
	is_int(sm_config_load(dir, &c, NULL), -EISDIR, "a directory is an error");
	rmdir(dir);
	return done_testing();
}
