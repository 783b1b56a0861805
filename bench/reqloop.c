/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reqloop: a tenant's requests to shiftmountd through libshiftmount, in one
 * process, so that what is timed is the daemon and the kernel, not a fork
 * and exec of the CLI.  Each sample: connect, open SRC, Mount, attach at
 * DST (request-to-attached); then unmount DST (untimed).  Run it as root
 * of the tenant's user namespace, in its own mount namespace.
 *
 *   reqloop -n N --socket PATH [--ready-file F] [--wait-file F] SRC DST
 *
 * Prints "sample SECONDS" per request; exits 1 at the first failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include <shiftmount/delegate.h>
#include <shiftmount/mount.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int one_request(const char *sock_path, const char *src, const char *dst)
{
	struct sm_delegate_request req;
	struct sm_error err = {0};
	int sock = -EBADF, srcfd = -EBADF, mntfd = -EBADF, r;

	memset(&req, 0, sizeof(req));
	req.fd = -1;
	r = sm_delegate_connect(sock_path, &sock);
	if (r >= 0)
		r = sm_delegate_open_source(src, &req, &srcfd);
	if (r >= 0)
		r = sm_delegate_mount(sock, &req, srcfd, 30000, &mntfd, NULL, &err);
	if (r >= 0)
		r = sm_mount_attach(mntfd, AT_FDCWD, dst);
	if (r < 0)
		fprintf(stderr, "reqloop: %s%s%s%s%s\n", strerror(-r), err.name[0] ? ": " : "",
			err.name, err.message[0] ? ": " : "", err.message);
	if (mntfd >= 0)
		close(mntfd);
	if (srcfd >= 0)
		close(srcfd);
	if (sock >= 0)
		close(sock);
	return r;
}

int main(int argc, char **argv)
{
	const char *sock_path = NULL, *ready = NULL, *wait_for = NULL;
	long n = 1, i;
	int a;

	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "-n") && a + 1 < argc)
			n = strtol(argv[++a], NULL, 10);
		else if (!strcmp(argv[a], "--socket") && a + 1 < argc)
			sock_path = argv[++a];
		else if (!strcmp(argv[a], "--ready-file") && a + 1 < argc)
			ready = argv[++a];
		else if (!strcmp(argv[a], "--wait-file") && a + 1 < argc)
			wait_for = argv[++a];
		else {
			fprintf(stderr, "reqloop: bad argument %s\n", argv[a]);
			return 2;
		}
	}
	if (argc - a != 2 || n < 1) {
		fprintf(stderr,
			"usage: reqloop -n N --socket PATH [--ready-file F] [--wait-file F] "
			"SRC DST\n");
		return 2;
	}
	const char *src = argv[a], *dst = argv[a + 1];
	if (ready) {
		int fd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
	while (wait_for && access(wait_for, F_OK) < 0)
		usleep(1000);

	for (i = 0; i < n; i++) {
		double t0 = now();
		if (one_request(sock_path, src, dst) < 0)
			return 1;
		printf("sample %.6f\n", now() - t0);
		if (umount2(dst, 0) < 0 && umount2(dst, MNT_DETACH) < 0) {
			fprintf(stderr, "reqloop: umount %s: %s\n", dst, strerror(errno));
			return 1;
		}
	}
	return 0;
}
