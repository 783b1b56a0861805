/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * userns-run: run a command as a process of a fresh user namespace, the way
 * a container runtime would start a container's init.  Test helper; needs
 * init-namespace root (the maps are written directly, no newuidmap).
 *
 *   userns-run [--map-root HOST] [--uid-map "IN OUT N"]... [--gid-map ...]
 *              [--as UID[:GID]] [--mountns] [--pidfile FILE] -- CMD [ARG...]
 *
 * --map-root HOST is "0 HOST 65536" for both maps (the default is 0 200000
 * 65536).  --as switches to an interior uid/gid before exec.  --mountns
 * also unshares a mount namespace (mounts made inside stay inside).
 * --pidfile writes the pid of CMD (as seen from the caller).  The exit
 * status is CMD's.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "userns-run: %s: %s\n", what, strerror(errno));
	exit(125);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path);
	close(fd);
}

static void append(char *buf, size_t len, const char *line)
{
	size_t l = strlen(buf);
	snprintf(buf + l, len - l, "%s\n", line);
}

int main(int argc, char **argv)
{
	char uid_map[4096] = "", gid_map[4096] = "";
	const char *pidfile = NULL;
	unsigned as_uid = 0, as_gid = 0;
	int as_set = 0, mountns = 0, i;

	for (i = 1; i < argc; i++) {
		char line[64];
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--map-root") && i + 1 < argc) {
			snprintf(line, sizeof(line), "0 %s 65536", argv[++i]);
			append(uid_map, sizeof(uid_map), line);
			append(gid_map, sizeof(gid_map), line);
		} else if (!strcmp(argv[i], "--uid-map") && i + 1 < argc) {
			append(uid_map, sizeof(uid_map), argv[++i]);
		} else if (!strcmp(argv[i], "--gid-map") && i + 1 < argc) {
			append(gid_map, sizeof(gid_map), argv[++i]);
		} else if (!strcmp(argv[i], "--as") && i + 1 < argc) {
			as_set = 1;
			if (sscanf(argv[++i], "%u:%u", &as_uid, &as_gid) == 1)
				as_gid = as_uid;
		} else if (!strcmp(argv[i], "--mountns")) {
			mountns = 1;
		} else if (!strcmp(argv[i], "--pidfile") && i + 1 < argc) {
			pidfile = argv[++i];
		} else {
			fprintf(stderr, "userns-run: bad argument %s\n", argv[i]);
			return 125;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "userns-run: no command\n");
		return 125;
	}
	if (!uid_map[0])
		append(uid_map, sizeof(uid_map), "0 200000 65536");
	if (!gid_map[0])
		append(gid_map, sizeof(gid_map), "0 200000 65536");

	int ready[2], go[2];
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
		die("pipe");
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char c;
		if (unshare(CLONE_NEWUSER | (mountns ? CLONE_NEWNS : 0)) < 0)
			die("unshare");
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(125);
		if (setgroups(0, NULL) < 0)
			die("setgroups");
		if (setresgid(as_gid, as_gid, as_gid) < 0)
			die("setresgid");
		if (setresuid(as_uid, as_uid, as_uid) < 0)
			die("setresuid");
		(void)as_set;
		/* CMD dies with us: a test that kills userns-run leaves no
		 * process behind.  Set after the id changes, which clear it. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
			die("prctl");
		if (getppid() != parent)
			_exit(125);
		execvp(argv[i], argv + i);
		die(argv[i]);
	}
	char c, path[64];
	if (read(ready[0], &c, 1) != 1) {
		fprintf(stderr, "userns-run: child failed to unshare\n");
		return 125;
	}
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	write_file(path, uid_map);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	write_file(path, gid_map);
	if (pidfile) {
		FILE *f = fopen(pidfile, "we");
		if (!f)
			die(pidfile);
		fprintf(f, "%d\n", pid);
		fclose(f);
	}
	if (write(go[1], "g", 1) != 1)
		die("write");
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
