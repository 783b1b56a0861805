/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * open-by-handle: take the file handle of PATH and open it through the
 * mount at MOUNT, as a tenant trying to reach past a granted mount's root.
 *
 *   open-by-handle MOUNT PATH
 *
 * Prints "opened uid:gid" (the owner as seen through MOUNT) and exits 0, or
 * "refused: REASON" and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: open-by-handle MOUNT PATH\n");
		return 2;
	}
	struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	int mnt_id;
	if (!fh)
		return 2;
	fh->handle_bytes = MAX_HANDLE_SZ;
	int r = name_to_handle_at(AT_FDCWD, argv[2], fh, &mnt_id, 0);
	int mfd = r < 0 ? -1 : open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r < 0 || mfd < 0) {
		perror(r < 0 ? "name_to_handle_at" : argv[1]);
		free(fh);
		return 2;
	}
	int fd = open_by_handle_at(mfd, fh, O_RDONLY | O_CLOEXEC);
	free(fh);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		printf("refused: %s\n", strerror(errno));
		return 1;
	}
	printf("opened %u:%u\n", (unsigned)st.st_uid, (unsigned)st.st_gid);
	return 0;
}
