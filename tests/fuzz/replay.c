/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The main() of a fuzz target's replay build: run LLVMFuzzerTestOneInput on
 * every file given, or on every file of every directory given (not
 * recursive).  Prints how many inputs ran; a broken invariant aborts.
 *
 *   NAME-replay FILE|DIR...
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static unsigned long replayed;

static int replay_file(int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	size_t size = (size_t)st.st_size, off = 0;
	/* An exactly-sized heap copy, so ASan sees any read past the end. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		abort();
	while (off < size) {
		ssize_t n = read(fd, buf + off, size - off);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		off += (size_t)n;
	}
	close(fd);
	LLVMFuzzerTestOneInput(buf, off);
	free(buf);
	replayed++;
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			failed = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			failed |= replay_file(AT_FDCWD, argv[i]) < 0;
			continue;
		}
		struct dirent **names;
		int n = scandir(argv[i], &names, NULL, alphasort);
		if (n < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			failed = 1;
			continue;
		}
		int dfd = open(argv[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		for (int j = 0; j < n; j++) {
			if (names[j]->d_name[0] != '.' && dfd >= 0) {
				struct stat est;
				if (fstatat(dfd, names[j]->d_name, &est, 0) == 0 &&
				    S_ISREG(est.st_mode))
					failed |= replay_file(dfd, names[j]->d_name) < 0;
			}
			free(names[j]);
		}
		free(names);
		if (dfd >= 0)
			close(dfd);
	}
	printf("replayed %lu inputs\n", replayed);
	return failed;
}
