/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * name-race: try an operation on a name that another view of the same source
 * keeps turning into a symlink, as a tenant attacking shiftfs-fuse would.
 * Test helper (tests/integration/fuse-attack.sh).
 *
 *   name-race once OP PATH [ARG]
 *       OP once on PATH; prints what an open read ("read: ...").
 *   name-race race OP PATH FLIP TARGET ROUNDS
 *       a child loops symlink(TARGET, FLIP); unlink(FLIP) while OP runs on
 *       PATH (the same name through the other view) ROUNDS times, undoing
 *       each success.  Prints "rounds N succeeded N".
 *
 * OP: create (open O_CREAT|O_RDWR without O_EXCL, read, write), open (O_RDWR,
 * read, write), mkdir, mknod (a fifo), symlink, link (ARG, or PATH.src, as
 * the existing name), rename (ARG, or PATH.src, made afresh, onto PATH).
 * Whatever an open reads is printed, so the caller can look for the victim's
 * content; the write is what would change the victim.  Exit 0 when OP
 * succeeded (once) or the rounds ran (race), 1 when OP failed (once), 2 on
 * bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char seen[256]; /* every byte an open read, for the report */

static int do_op(const char *op, const char *path, const char *arg)
{
	char src[4096];
	int r;

	snprintf(src, sizeof(src), "%s.src", path);
	if (!arg)
		arg = src;
	if (!strcmp(op, "create") || !strcmp(op, "open")) {
		int flags = O_RDWR | O_CLOEXEC | (!strcmp(op, "create") ? O_CREAT : 0);
		int fd = open(path, flags, 0644);
		if (fd < 0)
			return -1;
		char buf[128];
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			for (char *p = buf; *p; p++)
				if (*p == '\n')
					*p = ' ';
			snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s", buf);
		}
		r = pwrite(fd, "pwned\n", 6, 0) == 6 ? 0 : -1;
		close(fd);
		return r;
	}
	if (!strcmp(op, "mkdir"))
		return mkdir(path, 0755);
	if (!strcmp(op, "mknod"))
		return mknod(path, S_IFIFO | 0644, 0);
	if (!strcmp(op, "symlink"))
		return symlink("elsewhere", path);
	if (!strcmp(op, "link"))
		return link(arg, path);
	if (!strcmp(op, "rename")) {
		int fd = open(arg, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
		return rename(arg, path);
	}
	errno = EINVAL;
	return -1;
}

static void undo(const char *op, const char *path)
{
	if (!strcmp(op, "mkdir"))
		rmdir(path);
	else if (strcmp(op, "open"))
		unlink(path);
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "once")) {
		int r = do_op(argv[2], argv[3], argc > 4 ? argv[4] : NULL);
		int e = errno;
		if (seen[0])
			printf("read: %s\n", seen);
		if (r < 0) {
			printf("%s: %s\n", argv[2], strerror(e));
			return 1;
		}
		printf("%s: done\n", argv[2]);
		return 0;
	}
	if (argc != 7 || strcmp(argv[1], "race")) {
		fprintf(stderr, "usage: name-race once OP PATH [ARG] | race OP PATH FLIP TARGET "
				"ROUNDS\n");
		return 2;
	}
	const char *op = argv[2], *path = argv[3], *flip = argv[4], *target = argv[5];
	long rounds = atol(argv[6]), wins = 0;

	pid_t child = fork();
	if (child < 0)
		return 2;
	if (child == 0) {
		for (;;) {
			(void)symlink(target, flip);
			(void)unlink(flip);
		}
	}
	for (long i = 0; i < rounds; i++) {
		if (do_op(op, path, NULL) == 0) {
			wins++;
			undo(op, path);
		}
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	(void)unlink(flip);
	if (seen[0])
		printf("read: %s\n", seen);
	printf("rounds %ld succeeded %ld\n", rounds, wins);
	return 0;
}
