/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * varlink-raw: send arbitrary bytes (and fds) to a Varlink socket and print
 * the answer, for the protocol-abuse tests of shiftmountd.
 *
 *   varlink-raw [--fd KIND:PATH]... [--no-nul] [--exit] [--stall S] [--trickle MS] [--orphan]
 * [--greet]
 *               [--ready FILE] [--handoff] [--size N] SOCKET [MESSAGE|-]
 *   varlink-raw --bind-socket PATH            (make a socket file, for tests)
 *   varlink-raw --listen PATH CMD [ARG...]    (socket activation: CMD gets the
 *                                              listening socket as fd 3)
 *
 * MESSAGE is sent followed by a NUL (not with --no-nul; "-" reads it from
 * stdin, byte for byte).  --size N sends N bytes of 'a' instead.  --fd
 * attaches an fd: opath:PATH (O_PATH), opath-nofollow:PATH, rdonly:PATH,
 * socket:, pipe:.  --exit quits right after sending; --stall S keeps the
 * connection open S seconds without a word more; --trickle MS sends the
 * message one byte every MS milliseconds.  --orphan: the process
 * that connected exits at once and its child sends the message; --ready
 * FILE: that child appends a line to FILE once the connector is gone and reaped (the
 * connection is made by then), so a test knows when the attack is in
 * place.  --greet: before that, the connector makes one GetInfo call and
 * reads its answer (the daemon has accepted the connection and identified
 * its peer by then).  --handoff: the connector stays alive while its child sends the
 * message and reads the answer (a connection handed to another process).
 * Otherwise the first
 * answer (up to its NUL) is printed on stdout, with "fds=N" on stderr when
 * fds came with it; exit 0 for a reply, 1 for an error reply, 3 when the
 * daemon closed without answering.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static int open_fd(const char *spec)
{
	const char *colon = strchr(spec, ':');
	const char *path = colon ? colon + 1 : "";
	size_t k = colon ? (size_t)(colon - spec) : strlen(spec);
	int fd = -1;
	if (!strncmp(spec, "opath", k) && k == 5)
		fd = open(path, O_PATH | O_CLOEXEC);
	else if (!strncmp(spec, "opath-nofollow", k) && k == 14)
		fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	else if (!strncmp(spec, "rdonly", k) && k == 6)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	else if (!strncmp(spec, "socket", k) && k == 6) {
		int sp[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
			die("socketpair");
		fd = sp[0];
	} else if (!strncmp(spec, "pipe", k) && k == 4) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			die("pipe");
		fd = p[0];
	} else {
		fprintf(stderr, "varlink-raw: bad --fd %s\n", spec);
		exit(2);
	}
	if (fd < 0)
		die(spec);
	return fd;
}

static int make_socket(const char *path, int listening)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die(path);
	if (listening && (chmod(path, 0666) < 0 || listen(s, 64) < 0))
		die("listen");
	return s;
}

int main(int argc, char **argv)
{
	int fds[64], nfds = 0, nul = 1, quit = 0, orphan = 0, greet = 0, i;
	long size = -1, stall = -1, trickle = 0;
	const char *ready = NULL;
	int handoff = 0;
	if (argc == 3 && !strcmp(argv[1], "--bind-socket")) {
		close(make_socket(argv[2], 0));
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "--listen")) {
		/* The sd_listen_fds() protocol: fd 3, LISTEN_FDS, LISTEN_PID. */
		int s = make_socket(argv[2], 1);
		if (s != 3 && (dup2(s, 3) < 0 || close(s) < 0))
			die("dup2");
		char pid[16];
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		setenv("LISTEN_FDS", "1", 1);
		setenv("LISTEN_PID", pid, 1);
		execvp(argv[3], argv + 3);
		die(argv[3]);
	}
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (!strcmp(argv[i], "--fd") && i + 1 < argc && nfds < 64)
			fds[nfds++] = open_fd(argv[++i]);
		else if (!strcmp(argv[i], "--no-nul"))
			nul = 0;
		else if (!strcmp(argv[i], "--exit"))
			quit = 1;
		else if (!strcmp(argv[i], "--stall") && i + 1 < argc)
			stall = atol(argv[++i]);
		else if (!strcmp(argv[i], "--trickle") && i + 1 < argc)
			trickle = atol(argv[++i]);
		else if (!strcmp(argv[i], "--orphan"))
			orphan = 1;
		else if (!strcmp(argv[i], "--greet"))
			greet = 1;
		else if (!strcmp(argv[i], "--handoff"))
			handoff = 1;
		else if (!strcmp(argv[i], "--ready") && i + 1 < argc)
			ready = argv[++i];
		else if (!strcmp(argv[i], "--size") && i + 1 < argc)
			size = atol(argv[++i]);
		else {
			fprintf(stderr, "varlink-raw: bad option %s\n", argv[i]);
			return 2;
		}
	}
	if (i >= argc)
		return 2;
	const char *sockpath = argv[i++];

	size_t len = 0, cap = 65536;
	char *msg = malloc(cap);
	if (size >= 0) {
		msg = realloc(msg, (size_t)size + 2);
		memset(msg, 'a', (size_t)size);
		len = (size_t)size;
	} else if (i < argc && strcmp(argv[i], "-") != 0) {
		len = strlen(argv[i]);
		msg = realloc(msg, len + 2);
		memcpy(msg, argv[i], len);
	} else {
		ssize_t n;
		while ((n = read(0, msg + len, cap - len)) > 0) {
			len += (size_t)n;
			if (len == cap)
				msg = realloc(msg, cap *= 2);
		}
		msg = realloc(msg, len + 2);
	}
	if (nul)
		msg[len++] = '\0';

	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sockpath);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	if (handoff) {
		/* The connector stays alive; its child talks on the connection. */
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid > 0) {
			int st = 0;
			close(s);
			if (waitpid(pid, &st, 0) < 0)
				die("waitpid");
			_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 2);
		}
	}
	if (greet) {
		static const char hello[] = "{\"method\":\"org.varlink.service.GetInfo\"}";
		char c = 1;
		struct pollfd p = {.fd = s, .events = POLLIN};
		if (send(s, hello, sizeof(hello), MSG_NOSIGNAL) != (ssize_t)sizeof(hello))
			die("greet");
		while (c != '\0')
			if (poll(&p, 1, 10000) <= 0 || read(s, &c, 1) != 1)
				die("greet: no answer");
	}
	if (orphan) {
		int parent = (int)syscall(SYS_pidfd_open, getpid(), 0);
		if (parent < 0)
			die("pidfd_open");
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid > 0)
			_exit(0);
		/* Gone means reaped: to the daemon's pidfd a zombie is still alive.
		 * Polled every 10 ms, at most 10 s. */
		for (int tries = 0;
		     syscall(SYS_pidfd_send_signal, parent, 0, NULL, 0) == 0 || errno != ESRCH;
		     tries++) {
			if (tries == 1000)
				die("the connecting process was not reaped within 10 s");
			usleep(10000);
		}
		close(parent);
		if (ready) {
			int rf = open(ready, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
			if (rf < 0 || write(rf, "ready\n", 6) != 6)
				die(ready);
			close(rf);
		}
	}

	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 64)];
	} cm;
	size_t off = 0;
	while (off < len) {
		struct iovec iov = {msg + off, trickle > 0 ? 1 : len - off};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		if (trickle > 0 && off > 0)
			usleep((useconds_t)trickle * 1000); /* the pace under test */
		if (off == 0 && nfds > 0) {
			memset(&cm, 0, sizeof(cm));
			mh.msg_control = &cm;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
		}
		ssize_t n = sendmsg(s, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			/* The daemon may hang up on an oversize message. */
			break;
		}
		off += (size_t)n;
	}
	free(msg);
	if (quit)
		return 0;
	if (stall >= 0) {
		sleep((unsigned)stall); /* the silence under test */
		return 0;
	}
	shutdown(s, SHUT_WR);

	char reply[65536];
	size_t rl = 0;
	int got_fds = 0;
	for (;;) {
		struct pollfd p = {.fd = s, .events = POLLIN};
		if (poll(&p, 1, 10000) <= 0)
			break;
		struct iovec iov = {reply + rl, sizeof(reply) - rl - 1};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = &cm,
				    .msg_controllen = sizeof(cm)};
		ssize_t n = recvmsg(s, &mh, MSG_CMSG_CLOEXEC);
		if (n <= 0)
			break;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_type == SCM_RIGHTS) {
				int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
				for (int j = 0; j < k; j++) {
					int fd;
					memcpy(&fd, CMSG_DATA(c) + j * sizeof(int), sizeof(int));
					close(fd);
				}
				got_fds += k;
			}
		rl += (size_t)n;
		if (memchr(reply, '\0', rl) || rl >= sizeof(reply) - 1)
			break;
	}
	reply[rl] = '\0';
	if (got_fds)
		fprintf(stderr, "fds=%d\n", got_fds);
	if (rl == 0)
		return 3;
	printf("%s\n", reply);
	return strncmp(reply, "{\"error\"", 8) == 0 ? 1 : 0;
}
