/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mount-setattr: try to clear a mount's nosuid, nodev, noexec and ro with
 * mount_setattr(2), as a tenant holding a granted mount would.
 *
 *   mount-setattr [-r] PATH
 *
 * -r: the whole tree (AT_RECURSIVE).  Prints "cleared" and exits 0 when the
 * kernel allowed it, "refused: REASON" and exits 1 when it did not.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "missing-syscall.h"

int main(int argc, char **argv)
{
	unsigned rec = 0;
	if (argc == 3 && !strcmp(argv[1], "-r")) {
		rec = AT_RECURSIVE;
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: mount-setattr [-r] PATH\n");
		return 2;
	}
	struct mount_attr attr = {
		.attr_clr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
			    MOUNT_ATTR_RDONLY,
	};
	if (sys_mount_setattr(AT_FDCWD, argv[1], rec, &attr, sizeof(attr)) < 0) {
		printf("refused: %s\n", strerror(errno));
		return 1;
	}
	printf("cleared\n");
	return 0;
}
