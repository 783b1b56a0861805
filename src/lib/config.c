/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /etc/shiftmount.conf: the site default origin the thread asked for ("a
 * default shift-origin under /etc which mount would consult"). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "shiftmount/config.h"
#include "util.h"

static int bad_line(struct sm_error *err, unsigned lineno, const char *why)
{
	char token[32];
	snprintf(token, sizeof(token), "line %u", lineno);
	return sm_error_token(err, token, SIZE_MAX, why);
}

static char *strip(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && strchr(" \t\r\n", s[n - 1]))
		s[--n] = '\0';
	return s;
}

const char *sm_config_path(void)
{
	const char *p = getenv(SM_CONFIG_ENV);
	return p && *p ? p : SM_CONFIG_PATH;
}

int sm_config_load(const char *path, struct sm_config *ret, struct sm_error *err)
{
	struct sm_config c = {0, 0, SM_DEFAULT_RANGE};
	_cleanup_free_ char *text = NULL;
	int r = sm_read_file_at(-EBADF, path, 1 << 16, &text, NULL);
	if (r == -ENOENT) {
		*ret = c;
		return 0;
	}
	if (r < 0)
		return r;

	unsigned lineno = 0;
	/* Walked by hand, not with strtok_r, so that empty lines count. */
	for (char *line = text; line && *line; lineno++) {
		char *eol = strchr(line, '\n');
		if (eol)
			*eol = '\0';
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *s = strip(line);
		line = eol ? eol + 1 : NULL;
		if (!*s)
			continue;
		char *eq = strchr(s, '=');
		if (!eq)
			return bad_line(err, lineno + 1, "expected KEY = VALUE");
		*eq = '\0';
		char *key = strip(s), *val = strip(eq + 1);
		uint32_t v;
		if (sm_parse_id(val, &v) < 0)
			return bad_line(err, lineno + 1,
					"value must be a number from 0 to 4294967294");
		if (!strcmp(key, "origin"))
			c.origin_uid = c.origin_gid = v;
		else if (!strcmp(key, "origin-uid"))
			c.origin_uid = v;
		else if (!strcmp(key, "origin-gid"))
			c.origin_gid = v;
		else if (!strcmp(key, "range")) {
			if (v == 0)
				return bad_line(err, lineno + 1, "range must be > 0");
			c.range = v;
		} else
			return bad_line(err, lineno + 1,
					"unknown key (origin, origin-uid, origin-gid, range)");
	}
	*ret = c;
	return 0;
}
