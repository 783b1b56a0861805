/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shiftmount unmark: remove DIR's mark and its registered name.  Mounts the
 * daemon already handed out stay (like an open file outlives a chmod);
 * every later request is refused.  shiftmountd(8) says so.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "util.h"

int mark_open_dir(const char *path, int *ret_fd);
int mark_write_error(int r, const char *path);

static void help(void)
{
	printf("Usage: shiftmount unmark DIR\n"
	       "\n"
	       "Remove DIR's mark (and its name from the registry): shiftmountd refuses\n"
	       "further requests for it.  Mounts already made stay until unmounted.\n"
	       "\n"
	       "  -h, --help   this text\n"
	       "\n"
	       "Exit status: 0 removed, 1 it had no mark or could not be removed, 2 bad usage.\n");
}

int verb_unmark(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{},
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			help();
			return EXIT_OK;
		}
		return usage_error("unmark: unknown option \"%s\"; see shiftmount unmark --help",
				   argv[optind - 1]);
	}
	if (optind != argc - 1)
		return usage_error("unmark: expected one DIR; see shiftmount unmark --help");
	const char *dir = argv[optind];
	_cleanup_close_ int fd = -EBADF;
	if (mark_open_dir(dir, &fd))
		return EXIT_USAGE;

	struct sm_mark m;
	struct sm_error err = {.why = NULL};
	int r = sm_mark_get(fd, &m, &err);
	if (r == -ENODATA)
		return op_error(r, NULL, "%s: not marked", dir);
	if (r == -EOPNOTSUPP)
		return op_error(r, "this filesystem has no trusted.* xattrs, so it has no marks",
				"%s", dir);
	if (r < 0 && r != -EBADMSG)
		return op_error(r,
				r == -EPERM || r == -EACCES
					? "marks are trusted.* xattrs: only root of the initial "
					  "user namespace can read or remove them"
					: NULL,
				"%s: reading the mark", dir);
	r = sm_mark_remove(fd);
	if (r < 0)
		return mark_write_error(r, dir);
	if (m.name[0]) {
		_cleanup_free_ char *abs = realpath(dir, NULL);
		if (abs)
			(void)sm_registry_remove(sm_registry_dir(), m.name, abs);
	}
	return EXIT_OK;
}
