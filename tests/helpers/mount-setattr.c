/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mount-setattr: try to clear a mount's nosuid, nodev, noexec and ro with
 * mount_setattr(2), as a tenant holding a granted mount would.
 *
 *   mount-setattr [-r] PATH
 *
 * -r: the whole tree (AT_RECURSIVE).  Prints "cleared" and exits 0 when the
 * kernel allowed it, "refused: REASON" and exits 1 when it did not.  Then
 * tries to take the idmapping off: "idmap cleared" or "idmap refused: REASON".
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
	int r = sys_mount_setattr(AT_FDCWD, argv[1], rec, &attr, sizeof(attr));
	if (r < 0)
		printf("refused: %s\n", strerror(errno));
	else
		printf("cleared\n");
	struct mount_attr idmap = {.attr_clr = MOUNT_ATTR_IDMAP};
	if (sys_mount_setattr(AT_FDCWD, argv[1], rec, &idmap, sizeof(idmap)) < 0)
		printf("idmap refused: %s\n", strerror(errno));
	else
		printf("idmap cleared\n");
	return r < 0 ? 1 : 0;
}
