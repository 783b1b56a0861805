/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shiftmount-oci-hook: run by an OCI runtime at createRuntime, with the
 * container's state on stdin.  createRuntime, because it is the one stage
 * where the container's namespaces and the runtime's mounts exist, the root
 * is not pivoted yet, and the hook still runs in the runtime's own
 * namespaces with the runtime's privilege: createContainer runs as the
 * container's root inside its user namespace, which can make no mount from
 * the host's files.  See shiftmount-oci-hook(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hook.h"
#include "shiftmount.h"
#include "util.h"

int hook_error(int status, const char *fmt, ...)
{
	char buf[2 * PATH_MAX + 1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* One line, whatever the message holds: the runtime shows it. */
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	fprintf(stderr, HOOK_PROGRAM ": %s\n", buf);
	return status;
}

static void help(void)
{
	printf("Usage: " HOOK_PROGRAM " [--socket PATH]\n"
	       "\n"
	       "An OCI runtime hook for the createRuntime stage: reads the container's state\n"
	       "on stdin and its bundle's config.json, and shifts what the annotations ask\n"
	       "for along the container's user namespace:\n"
	       "\n"
	       "  " HOOK_ANN_ROOTFS "=true                the root (origin: its mark, else 0)\n"
	       "  " HOOK_ANN_VOLUMES "=SRC:DEST[:ro];...  marked host directories\n"
	       "\n"
	       "A rootful runtime's mounts are made directly; a rootless runtime's are asked\n"
	       "of shiftmountd, whose policy decides.\n"
	       "\n"
	       "  --socket PATH   shiftmountd's socket (default: $SHIFTMOUNT_SOCKET, else\n"
	       "                  " SM_DELEGATE_SOCKET ")\n"
	       "  -h, --help      this text\n"
	       "  --version       the version\n"
	       "\n"
	       "Exit status: 0 done (or nothing asked for), 1 a mount failed, 2 bad input;\n"
	       "anything but 0 fails the container's start.\n");
}

static int same_inode(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static int open_namespaces(struct hook_spec *s)
{
	char user[64], mnt[64];
	snprintf(user, sizeof(user), "/proc/%d/ns/user", (int)s->pid);
	snprintf(mnt, sizeof(mnt), "/proc/%d/ns/mnt", (int)s->pid);
	s->userns_fd = open(user, O_RDONLY | O_CLOEXEC);
	s->mntns_fd = open(mnt, O_RDONLY | O_CLOEXEC);
	if (s->userns_fd < 0 || s->mntns_fd < 0)
		return hook_error(HOOK_FAILED, "the container's init (pid %d): %s", (int)s->pid,
				  strerror(errno));
	if (same_inode(user, "/proc/self/ns/user"))
		return hook_error(HOOK_USAGE,
				  "the container has no user namespace of its own (add \"user\" to "
				  "linux.namespaces with uidMappings and gidMappings): nothing "
				  "to shift along");
	if (same_inode(mnt, "/proc/self/ns/mnt"))
		return hook_error(HOOK_USAGE, "the container has no mount namespace of its own");
	return HOOK_OK;
}

/* Root in the initial user namespace: the library makes the mounts. */
static int rootful(void)
{
	_cleanup_close_ int fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	return geteuid() == 0 && fd >= 0 && sm_userns_is_initial(fd) == 1;
}

/* Attach (after asking shiftmountd, rootless) in a child: it joins the
 * container's namespaces for good. */
static int run_child(struct hook_spec *s, const char *socket)
{
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return hook_error(HOOK_FAILED, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* Rootless, the daemon wants its caller to be the container's
		 * root in the container's own mount namespace. */
		int r = s->rootful ? HOOK_OK : hook_become_container_root(s);
		if (!r)
			r = hook_join_mounts(s);
		if (!r && !s->rootful)
			r = hook_make_delegated(s, socket);
		if (!r)
			r = hook_attach(s);
		fflush(stderr);
		_exit(r);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return hook_error(HOOK_FAILED, "waitpid: %s", strerror(errno));
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return hook_error(HOOK_FAILED, "the attaching child died of signal %d", WTERMSIG(st));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
	const char *socket = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			socket = optarg;
			break;
		case 'h':
			help();
			return HOOK_OK;
		case 'V':
			printf(HOOK_PROGRAM " " SM_VERSION "\n");
			return HOOK_OK;
		default:
			return hook_error(
				HOOK_USAGE,
				"\"%s\": unknown option or missing argument; see " HOOK_PROGRAM
				" --help",
				argv[optind - 1]);
		}
	}
	if (optind < argc)
		return hook_error(HOOK_USAGE,
				  "\"%s\": unexpected argument; see " HOOK_PROGRAM " --help",
				  argv[optind]);

	static struct hook_spec s;
	s.userns_fd = s.mntns_fd = -EBADF;
	for (size_t i = 0; i < ELEMENTSOF(s.item); i++)
		s.item[i].srcfd = s.item[i].mntfd = -EBADF;
	int r = hook_read_spec(stdin, &s);
	if (!r && s.n_items > 0) {
		s.rootful = rootful();
		if (!(r = open_namespaces(&s)) && !(r = hook_open_sources(&s)) &&
		    !(r = s.rootful ? hook_make_direct(&s) : HOOK_OK))
			r = run_child(&s, socket);
	}
	hook_spec_free(&s);
	if (s.userns_fd >= 0)
		close(s.userns_fd);
	if (s.mntns_fd >= 0)
		close(s.mntns_fd);
	return r;
}
