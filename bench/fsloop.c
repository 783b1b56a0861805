/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fsloop: the metadata microbenchmark.  Creates N empty files in DIR (which
 * must exist and be empty), stats each, unlinks each; prints the seconds each
 * phase took, one "phase seconds" line per phase.
 *
 *   fsloop N DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *name)
{
	fprintf(stderr, "fsloop: %s %s: %s\n", what, name, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: fsloop N DIR\n");
		return 2;
	}
	long n = strtol(argv[1], NULL, 10), i;
	int dfd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		die("open", argv[2]);

	char name[32];
	double t0 = now();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%07ld", i);
		int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			die("create", name);
		close(fd);
	}
	double t1 = now();
	for (i = 0; i < n; i++) {
		struct stat st;
		snprintf(name, sizeof(name), "f%07ld", i);
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die("stat", name);
	}
	double t2 = now();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%07ld", i);
		if (unlinkat(dfd, name, 0) < 0)
			die("unlink", name);
	}
	double t3 = now();
	printf("create %.6f\nstat %.6f\nunlink %.6f\n", t1 - t0, t2 - t1, t3 - t2);
	return 0;
}
