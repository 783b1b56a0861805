/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shiftmountd: the privileged delegation service.  One poll loop reads
 * connections without blocking and answers introspection at once; each
 * Mount call runs in a worker process, because checking a source touches
 * filesystems a tenant controls (a stopped FUSE server answers nothing for
 * seconds, until the inspection times out).  Workers are few, and few per
 * principal (a container's top-level user namespace, or the uid that owns a
 * user's namespaces), so that one tenant's stuck requests never hold up
 * another's.  A slow or silent client only holds its own connection until
 * the idle timeout.  Logs every decision to stderr.
 */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "config.h"
#include "fork.h"
#include "log.h"
#include "peer.h"
#include "varlink.h"
#include "util.h"

#define MAX_CONNS	    512
#define IDLE_MS		    10000
#define MESSAGE_MS	    5000 /* a message must arrive whole within this */
#define SD_LISTEN_FDS_START 3
#define MAX_WORKERS	    32
#define MAX_WORKERS_PER	    4 /* per principal */
#define MAX_CONNS_PER	    64

struct conn {
	int fd;
	struct sm_proto_buf buf;
	int64_t last;
	int64_t started;      /* when the first byte of the pending message came */
	struct peer *peer;    /* identified at accept, for every call on it */
	pid_t worker;	      /* > 0: a worker answers a Mount of this connection */
	json_object *pending; /* a Mount waiting for a free worker */
	int pfds[SM_PROTO_MAX_FDS];
	unsigned pnfds;
};

static struct conn conns[MAX_CONNS];
static unsigned n_conns, n_workers;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: shiftmountd [--socket PATH] [--config FILE] [--registry DIR]\n"
		"                   [--subuid FILE] [--subgid FILE] [--ready-fd N]\n\n"
		"Hands out uid/gid-shifted mounts of marked directories to container roots\n"
		"(io.shiftmount.Delegate over Varlink).  Runs in the foreground; logs each\n"
		"decision to stderr.  Socket-activated when LISTEN_FDS is set.\n\n"
		"  --socket PATH    listen here (default $SHIFTMOUNT_SOCKET or %s)\n"
		"  --config FILE    site configuration (default %s)\n"
		"  --registry DIR   mark names (default $%s or %s)\n"
		"  --subuid FILE    subordinate uids (default %s)\n"
		"  --subgid FILE    subordinate gids (default %s)\n"
		"  --ready-fd N     once listening, write \"READY=1\\n\" to fd N and close it\n"
		"  -h, --help       this text\n"
		"      --version    the version\n\n"
		"Exit status: 0 after SIGTERM or SIGINT, 1 cannot start (unreadable\n"
		"configuration, cannot listen), 2 bad usage or a malformed configuration.\n"
		"See shiftmountd(8).\n",
		SM_DELEGATE_SOCKET, SM_CONFIG_PATH, SM_REGISTRY_ENV, SM_REGISTRY_DIR,
		SM_SUBUID_PATH, SM_SUBGID_PATH);
}

/* --ready-fd N: a decimal fd number above stderr, open now (checked at start, so that a
 * wrong number is bad usage rather than a silent never-ready). */
static int parse_ready_fd(const char *s)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 3 || n > INT_MAX || fcntl((int)n, F_GETFD) < 0)
		return -1;
	return (int)n;
}

/* Tell whoever started us that the socket accepts connections: a line in
 * sd_notify's wording on the fd they gave, then close it so that a reader
 * also sees end of file (and it is not inherited by workers). */
static void notify_ready(int fd)
{
	static const char msg[] = "READY=1\n";
	if (write(fd, msg, sizeof(msg) - 1) != (ssize_t)sizeof(msg) - 1)
		log_msg("--ready-fd %d: %s", fd, strerror(errno));
	close(fd);
}

/* The sd_listen_fds() protocol, without libsystemd. */
static int listen_fd_from_env(void)
{
	const char *pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");
	if (!pid || !n || atol(pid) != (long)getpid() || atoi(n) < 1)
		return -ENOENT;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	int fd = SD_LISTEN_FDS_START;
	int acc = 0;
	socklen_t l = sizeof(acc);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) < 0 || !acc)
		return -ENOTSOCK;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return sm_negerrno();
	return fd;
}

static int make_dirs(const char *path)
{
	char buf[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(buf, sizeof(buf), "%s", path);
	char *slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return 0;
	*slash = '\0';
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(buf, 0755);
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return sm_negerrno();
	return 0;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	int r = make_dirs(path);
	if (r < 0)
		return r;
	/* A stale socket from a previous run; never remove anything else. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		_cleanup_close_ int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return -EADDRINUSE;
		unlink(path);
	}
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return sm_negerrno();
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return sm_negerrno();
	/* Anyone may ask; the policy decides. */
	if (chmod(path, 0666) < 0 || listen(fd, 128) < 0) {
		r = sm_negerrno();
		unlink(path);
		return r;
	}
	return TAKE_FD(fd);
}

static void conn_close(unsigned i)
{
	peer_release(conns[i].peer);
	free(conns[i].peer);
	close(conns[i].fd);
	sm_proto_buf_free(&conns[i].buf);
	json_object_put(conns[i].pending);
	for (unsigned k = 0; k < conns[i].pnfds; k++)
		close(conns[i].pfds[k]);
	conns[i] = conns[--n_conns];
}

static int worker_free(const struct conn *c)
{
	unsigned mine = 0;
	for (unsigned i = 0; i < n_conns; i++)
		mine += conns[i].worker > 0 && conns[i].peer->principal == c->peer->principal;
	return n_workers < MAX_WORKERS && mine < MAX_WORKERS_PER;
}

static void send_protocol_error(int fd, const char *reason)
{
	json_object *e = sm_varlink_error_reason(SM_DELEGATE_PROTOCOL_ERROR, reason);
	if (e)
		(void)sm_proto_send(fd, e, NULL, 0);
	json_object_put(e);
}

/* Connections are non-blocking: a client that does not read its answers
 * gets its connection closed instead of holding up the loop. */
static int answer(const struct conn *c, json_object *msg, int *fds, unsigned nfds)
{
	/* What a reply that could not be built (out of memory) becomes: made
	 * without allocating, so that the client hears an error rather than
	 * waiting for its timeout. */
	static const char no_memory[] =
		"{\"error\":\"" SM_DELEGATE_PROTOCOL_ERROR "\",\"parameters\":"
		"{\"reason\":\"out of memory\"}}";
	int fd = c->fd, out = -EBADF, oneway = 0, r = 0;
	const struct sender s = {c->buf.sender_known, c->buf.sender_pid, c->buf.sender_uid};
	json_object *reply = varlink_dispatch(c->peer, &s, msg, fds, nfds, &out, &oneway);
	if (reply && !oneway)
		r = sm_proto_send(fd, reply, &out, out >= 0 ? 1 : 0);
	else if (!reply && !oneway) {
		log_msg("fd %d: out of memory building the reply", fd);
		r = send(fd, no_memory, sizeof(no_memory), MSG_NOSIGNAL) ==
				    (ssize_t)sizeof(no_memory)
			    ? 0
			    : sm_negerrno();
	}
	sm_closep(&out);
	json_object_put(reply);
	return r;
}

static int is_mount_call(json_object *msg)
{
	json_object *m = NULL;
	return json_object_object_get_ex(msg, "method", &m) &&
	       json_object_is_type(m, json_type_string) &&
	       !strcmp(json_object_get_string(m), SM_DELEGATE_INTERFACE ".Mount");
}

/* A worker answers the Mount; the connection waits for it.  Consumes msg
 * and fds.  The worker keeps only its connection, its peer's fds and the
 * call's: not the listening socket, the signalfd nor other clients'
 * connections. */
static void start_worker(struct conn *c, json_object *msg, int *fds, unsigned nfds)
{
	const struct peer *p = c->peer;
	int keep[4 + 1 + SM_PROTO_MAX_FDS] = {c->fd, p->pidfd, p->procfd, p->userns_fd,
					      p->mntns_fd};
	size_t n_keep = 5;
	for (unsigned k = 0; k < nfds; k++)
		keep[n_keep++] = fds[k];
	pid_t pid = 0;
	int r = safe_fork(keep, n_keep, &pid);
	if (r == 0) {
		r = answer(c, msg, fds, nfds);
		reap_children();
		_exit(r < 0 ? 1 : 0);
	}
	if (r < 0) {
		(void)answer(c, msg, fds, nfds); /* in line, as a last resort */
	} else {
		for (unsigned k = 0; k < nfds; k++)
			close(fds[k]);
		c->worker = pid;
		n_workers++;
	}
	json_object_put(msg);
}

/* Answer the complete calls in the buffer, in order, until one needs a
 * worker; 0 to keep the connection, -1 to close it. */
static int conn_process(struct conn *c)
{
	if (c->worker > 0)
		return 0;
	if (c->pending) {
		if (!worker_free(c))
			return 0;
		json_object *msg = c->pending;
		c->pending = NULL;
		unsigned n = c->pnfds;
		c->pnfds = 0;
		start_worker(c, msg, c->pfds, n);
		return 0;
	}
	for (;;) {
		json_object *msg = NULL;
		int fds[SM_PROTO_MAX_FDS];
		unsigned nfds = 0;
		int r = sm_proto_next(&c->buf, &msg, fds, &nfds);
		if (r == 0)
			return 0;
		/* What is left starts the next message. */
		c->started = now_ms();
		if (r < 0) {
			const char *why = r == -EMSGSIZE       ? "message longer than 65536 bytes"
					  : r == -EILSEQ       ? "message is not valid UTF-8"
					  : r == -ETOOMANYREFS ? "too many file descriptors"
							       : "message is not one JSON object";
			log_msg("fd %d: protocol error: %s", c->fd, why);
			send_protocol_error(c->fd, why);
			return -1;
		}
		if (is_mount_call(msg)) {
			if (worker_free(c)) {
				start_worker(c, msg, fds, nfds);
			} else {
				c->pending = msg;
				memcpy(c->pfds, fds, nfds * sizeof(int));
				c->pnfds = nfds;
			}
			return 0;
		}
		r = answer(c, msg, fds, nfds);
		json_object_put(msg);
		if (r < 0) {
			log_msg("fd %d: cannot send the answer (%s): closing", c->fd, strerror(-r));
			return -1;
		}
	}
}

/* Read what there is and answer what can be; 0 to keep the connection, -1
 * to close it. */
static int conn_input(struct conn *c)
{
	int r = sm_proto_recv(c->fd, &c->buf);
	if (r == -EAGAIN)
		return 0;
	if (r == 0) {
		if (c->buf.len > 0)
			log_msg("fd %d: connection closed in the middle of a message (%zu bytes)",
				c->fd, c->buf.len);
		return -1;
	}
	if (r < 0 && r != -EMSGSIZE)
		return -1;
	size_t had = c->buf.len - (size_t)(r > 0 ? r : 0);
	c->last = now_ms();
	if (had == 0)
		c->started = c->last;
	return conn_process(c);
}

static void reap_workers(void)
{
	pid_t pid;
	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		for (unsigned i = 0; i < n_conns; i++)
			if (conns[i].worker == pid) {
				conns[i].worker = 0;
				conns[i].last = conns[i].started = now_ms();
				n_workers--;
			}
}

static void accept_all(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		if (n_conns >= MAX_CONNS) {
			send_protocol_error(fd, "too many connections; try again");
			close(fd);
			log_msg("refused a connection: %d open", MAX_CONNS);
			continue;
		}
		/* Once, here: every call on the connection is its peer's.  One
		 * that cannot be identified (its connecting process is gone, so
		 * its namespaces cannot be read) is closed, since every Mount on
		 * it would be refused anyway, and counting it by its uid would
		 * give a container one quota per uid it owns. */
		struct sm_error err;
		struct peer *peer = malloc(sizeof(*peer));
		int r = peer ? peer_identify(fd, peer, &err)
			     : sm_error_failed(&err, ENOMEM, "peer");
		if (r < 0) {
			free(peer);
			send_protocol_error(fd, "cannot identify you (has the process that "
						"connected exited?); connect from a live process");
			close(fd);
			log_msg("closed a connection: cannot identify its peer: %s", err.message);
			continue;
		}
		/* Every message then carries who sent it: a connection handed to
		 * another process is logged with its sender. */
		int on = 1;
		(void)setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
		unsigned mine = 0;
		for (unsigned i = 0; i < n_conns; i++)
			mine += conns[i].peer->principal == peer->principal;
		if (mine >= MAX_CONNS_PER) {
			send_protocol_error(fd, "too many connections from you; try again");
			peer_release(peer);
			free(peer);
			close(fd);
			log_msg("refused a connection: %u open from its principal", mine);
			continue;
		}
		struct conn *c = &conns[n_conns++];
		*c = (struct conn){.fd = fd, .last = now_ms(), .peer = peer};
		sm_proto_buf_init(&c->buf);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"config", required_argument, NULL, 'c'},
		{"registry", required_argument, NULL, 'r'},
		{"subuid", required_argument, NULL, 'u'},
		{"subgid", required_argument, NULL, 'g'},
		{"ready-fd", required_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
	const char *socket_path = NULL, *config = SM_CONFIG_PATH;
	int c, ready_fd = -1;
	daemon_config.registry = sm_registry_dir();
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			socket_path = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'r':
			daemon_config.registry = optarg;
			break;
		case 'u':
			daemon_config.subuid = optarg;
			break;
		case 'g':
			daemon_config.subgid = optarg;
			break;
		case 'R':
			ready_fd = parse_ready_fd(optarg);
			if (ready_fd < 0) {
				fprintf(stderr,
					"shiftmountd: --ready-fd \"%s\": not an open fd above 2\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("shiftmountd %s\n", SM_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "shiftmountd: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}

	struct sm_config cfg;
	struct sm_error err;
	int cr = sm_config_load(config, &cfg, &err);
	if (cr == -EINVAL) {
		fprintf(stderr, "shiftmountd: %s: %s: %s\n", config, err.token,
			err.why ? err.why : "invalid");
		return 2;
	}
	if (cr < 0) {
		fprintf(stderr, "shiftmountd: %s: %s\n", config, strerror(-cr));
		return 1;
	}

	/* Every connection is an fd; let the limit be the hard one. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}

	int lfd = socket_path ? -ENOENT : listen_fd_from_env();
	int own_socket = 0;
	if (lfd == -ENOTSOCK) {
		fprintf(stderr, "shiftmountd: LISTEN_FDS: fd 3 is not a listening socket\n");
		return 1;
	}
	if (lfd < 0) {
		socket_path = sm_delegate_socket_path(socket_path);
		lfd = listen_on(socket_path);
		if (lfd < 0) {
			fprintf(stderr, "shiftmountd: cannot listen on %s: %s\n", socket_path,
				strerror(-lfd));
			return 1;
		}
		own_socket = 1;
	}
	(void)fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
	/* Set on the listener too, so that what a client sends before its
	 * connection is accepted carries its sender's credentials. */
	int passcred = 1;
	(void)setsockopt(lfd, SOL_SOCKET, SO_PASSCRED, &passcred, sizeof(passcred));

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	_cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		fprintf(stderr, "shiftmountd: signalfd: %s\n", strerror(errno));
		return 1;
	}
	log_msg("listening on %s (registry %s, subuid %s, subgid %s)",
		own_socket ? socket_path : "the socket-activated fd", daemon_config.registry,
		daemon_config.subuid, daemon_config.subgid);
	if (ready_fd >= 0)
		notify_ready(ready_fd);

	static struct pollfd pfd[MAX_CONNS + 2];
	int running = 1;
	while (running) {
		pfd[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = lfd, .events = POLLIN};
		unsigned n = n_conns;
		/* A connection waiting for its worker is not read meanwhile. */
		for (unsigned i = 0; i < n; i++)
			pfd[i + 2] = (struct pollfd){
				.fd = conns[i].worker > 0 || conns[i].pending ? -1 : conns[i].fd,
				.events = POLLIN};
		int r = poll(pfd, n + 2, 1000);
		if (r < 0 && errno != EINTR) {
			log_msg("poll: %s", strerror(errno));
			break;
		}
		struct signalfd_siginfo si;
		while (r > 0 && (pfd[0].revents & POLLIN) &&
		       read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo != SIGHUP && si.ssi_signo != SIGCHLD) {
				log_msg("signal %u: exiting", si.ssi_signo);
				running = 0;
			}
		}
		reap_workers();
		/* Walk backwards: closing moves the last connection into i. */
		int64_t t = now_ms();
		for (unsigned i = n; i-- > 0;) {
			struct conn *cn = &conns[i];
			int close_it = 0;
			if (cn->worker > 0)
				continue;
			if (cn->pending)
				close_it = conn_process(cn) < 0;
			else if (r > 0 && pfd[i + 2].revents)
				close_it = conn_input(cn) < 0;
			else if (cn->buf.len > 0)
				close_it = conn_process(cn) < 0; /* calls behind a finished Mount */
			else if (t - cn->last > IDLE_MS)
				close_it = 1;
			/* Trickling a byte now and then is not being busy. */
			if (!close_it && cn->worker == 0 && !cn->pending && cn->buf.len > 0 &&
			    t - cn->started > MESSAGE_MS) {
				log_msg("fd %d: no whole message in %d s: closing", cn->fd,
					MESSAGE_MS / 1000);
				close_it = 1;
			}
			if (close_it)
				conn_close(i);
		}
		/* A burst of connections grew the heap; give it back once
		 * everyone has gone, so a long-running daemon stays small. */
		if (n > 0 && n_conns == 0)
			malloc_trim(0);
		if (r > 0 && (pfd[1].revents & POLLIN))
			accept_all(lfd);
	}
	while (n_conns > 0)
		conn_close(n_conns - 1);
	close(lfd);
	if (own_socket)
		unlink(socket_path);
	return 0;
}
