/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fsloop: the metadata microbenchmark.  Creates N empty files below DIR
 * (which must exist and be empty), PER_DIR files to a subdirectory (default
 * 1000, about what a real tree holds; one huge directory would measure how
 * each filesystem scales its directories instead), stats each, unlinks each;
 * prints the seconds each phase took, one "phase seconds" line per phase.
 * The subdirectories are made in the create phase and removed in the unlink
 * phase.
 *
 *   fsloop N DIR [PER_DIR]
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
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: fsloop N DIR [PER_DIR]\n");
		return 2;
	}
	long n = strtol(argv[1], NULL, 10), per = argc == 4 ? strtol(argv[3], NULL, 10) : 1000, i;
	if (n < 1 || per < 1) {
		fprintf(stderr, "fsloop: N and PER_DIR must be positive\n");
		return 2;
	}
	int dfd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		die("open", argv[2]);

	char name[64];
	double t0 = now();
	for (i = 0; i < n; i++) {
		if (i % per == 0) {
			snprintf(name, sizeof(name), "d%04ld", i / per);
			if (mkdirat(dfd, name, 0755) < 0)
				die("mkdir", name);
		}
		snprintf(name, sizeof(name), "d%04ld/f%07ld", i / per, i);
		int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			die("create", name);
		close(fd);
	}
	double t1 = now();
	for (i = 0; i < n; i++) {
		struct stat st;
		snprintf(name, sizeof(name), "d%04ld/f%07ld", i / per, i);
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die("stat", name);
	}
	double t2 = now();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "d%04ld/f%07ld", i / per, i);
		if (unlinkat(dfd, name, 0) < 0)
			die("unlink", name);
		if ((i + 1) % per == 0 || i + 1 == n) {
			snprintf(name, sizeof(name), "d%04ld", i / per);
			if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
				die("rmdir", name);
		}
	}
	double t3 = now();
	printf("create %.6f\nstat %.6f\nunlink %.6f\n", t1 - t0, t2 - t1, t3 - t2);
	return 0;
}
