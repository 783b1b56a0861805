/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>

#include "util.h"

int sm_read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return sm_negerrno();

	_cleanup_free_ char *buf = malloc(max + 1);
	if (!buf)
		return -ENOMEM;
	size_t len = 0;
	for (;;) {
		if (len == max)
			return -EFBIG;
		ssize_t n = read(fd, buf + len, max - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sm_negerrno();
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret = steal_pointer(buf);
	return 0;
}
