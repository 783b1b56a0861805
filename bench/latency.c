/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * latency: run a command N times and time each run (fork to reaped child,
 * CLOCK_MONOTONIC).  Used for `shiftmount bind` latency, for the daemon's
 * request-to-attached latency (run inside a tenant), and, with -n 1, to time
 * one workload command as the tenant.
 *
 *   latency [-C DIR] [-n N] [--umount PATH] [--raw] [--ready-file F]
 *           [--wait-file F] -- CMD [ARG...]
 *
 * --umount PATH   unmount PATH after each run (not timed)
 * --raw           print every sample, "sample SECONDS"
 * --ready-file F  create F once set up, then
 * --wait-file F   wait until F exists before the first run (a start barrier
 *                 for several concurrent instances)
 * Prints "n N total S p50 S p90 S p99 S max S mean S" (seconds).  A run
 * that fails stops the loop: exit 1, with the command's own message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double pct(const double *s, long n, double p)
{
	long k = (long)(p * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return s[k - 1];
}

static int do_umount(const char *path)
{
	for (int tries = 0; tries < 50; tries++) {
		if (umount2(path, 0) == 0)
			return 0;
		if (errno != EBUSY)
			break;
		usleep(2000);
	}
	return umount2(path, MNT_DETACH);
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *umount_path = NULL, *ready = NULL, *wait_for = NULL;
	long n = 1, i;
	int raw = 0, a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--")) {
			a++;
			break;
		} else if (!strcmp(argv[a], "-C") && a + 1 < argc) {
			dir = argv[++a];
		} else if (!strcmp(argv[a], "-n") && a + 1 < argc) {
			n = strtol(argv[++a], NULL, 10);
		} else if (!strcmp(argv[a], "--umount") && a + 1 < argc) {
			umount_path = argv[++a];
		} else if (!strcmp(argv[a], "--raw")) {
			raw = 1;
		} else if (!strcmp(argv[a], "--ready-file") && a + 1 < argc) {
			ready = argv[++a];
		} else if (!strcmp(argv[a], "--wait-file") && a + 1 < argc) {
			wait_for = argv[++a];
		} else {
			fprintf(stderr, "latency: bad argument %s\n", argv[a]);
			return 2;
		}
	}
	if (a >= argc || n < 1) {
		fprintf(stderr,
			"usage: latency [-C DIR] [-n N] [--umount PATH] [--raw] -- CMD...\n");
		return 2;
	}
	if (dir && chdir(dir) < 0) {
		fprintf(stderr, "latency: chdir %s: %s\n", dir, strerror(errno));
		return 1;
	}
	double *s = calloc((size_t)n, sizeof(*s));
	if (!s)
		return 1;
	if (ready) {
		int fd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
	while (wait_for && access(wait_for, F_OK) < 0)
		usleep(1000);

	double total0 = now();
	for (i = 0; i < n; i++) {
		int status;
		double t0 = now();
		pid_t pid = fork();
		if (pid < 0) {
			perror("latency: fork");
			return 1;
		}
		if (pid == 0) {
			execvp(argv[a], argv + a);
			fprintf(stderr, "latency: exec %s: %s\n", argv[a], strerror(errno));
			_exit(127);
		}
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR) {
				perror("latency: waitpid");
				return 1;
			}
		s[i] = now() - t0;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "latency: run %ld of %s failed (status 0x%x)\n", i + 1,
				argv[a], status);
			return 1;
		}
		if (umount_path && do_umount(umount_path) < 0) {
			fprintf(stderr, "latency: umount %s: %s\n", umount_path, strerror(errno));
			return 1;
		}
		if (raw)
			printf("sample %.6f\n", s[i]);
	}
	double total = now() - total0, sum = 0;
	for (i = 0; i < n; i++)
		sum += s[i];
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	printf("n %ld total %.6f p50 %.6f p90 %.6f p99 %.6f max %.6f mean %.6f\n", n, total,
	       pct(s, n, 0.50), pct(s, n, 0.90), pct(s, n, 0.99), s[n - 1], sum / (double)n);
	free(s);
	return 0;
}
