/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shiftmount request: a container root asks shiftmountd for a marked
 * directory shifted along its own user namespace and attaches it.  By path
 * the client opens SRC itself (O_PATH), so the kernel checks that this
 * caller can reach it; the daemon only ever sees that fd and the path.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"
#include "util.h"

static void help(void)
{
	printf("Usage: shiftmount request [OPTIONS] (SRC | --name NAME) DST\n"
	       "\n"
	       "Run as root of a container's user namespace, in its own mount namespace: ask\n"
	       "shiftmountd for the marked directory SRC (or the mark NAME) shifted along\n"
	       "this user namespace, and attach it at DST.  The mount is nosuid,nodev.\n"
	       "\n"
	       "  --socket PATH     the daemon's socket (default $%s, else %s)\n"
	       "  --name NAME       ask for a mark by name instead of by path\n"
	       "  -r, --recursive   shift the submounts of SRC too\n"
	       "  -o OPTS           ro, noexec (nosuid,nodev are always set)\n"
	       "  -v, --verbose     print what the daemon made\n"
	       "  -h, --help        this text\n"
	       "\n"
	       "Exit status: 0 attached, 1 refused or failed, 2 bad usage or input.\n",
	       SM_DELEGATE_SOCKET_ENV, SM_DELEGATE_SOCKET);
}

/* -o: the library's mount options, but nosuid,nodev are always set, so
 * suid and dev cannot be had. */
static int parse_o(const char *arg, struct sm_delegate_request *req)
{
	unsigned f = SM_MOUNT_NOSUID | SM_MOUNT_NODEV | (req->readonly ? SM_MOUNT_RDONLY : 0) |
		     (req->noexec ? SM_MOUNT_NOEXEC : 0);
	const char *bad = NULL;
	if (sm_mount_parse_options(arg, &f, &bad) < 0 || !(f & SM_MOUNT_NOSUID) ||
	    !(f & SM_MOUNT_NODEV))
		return usage_error("-o: \"%s\": only ro, rw, noexec, exec (nosuid,nodev are "
				   "always set)",
				   bad			    ? bad
				   : !(f & SM_MOUNT_NOSUID) ? "suid"
							    : "dev");
	req->readonly = !!(f & SM_MOUNT_RDONLY);
	req->noexec = !!(f & SM_MOUNT_NOEXEC);
	return 0;
}

/* Send the request and attach the answer at `dst`; an exit status.  Shared
 * with mount.shift through the library's client (this file only prints). */
static int do_request(const char *sockpath, struct sm_delegate_request *req, int srcfd,
		      const char *what, const char *dst)
{
	_cleanup_close_ int sock = -EBADF;
	int r = sm_delegate_connect(sockpath, &sock);
	if (r < 0)
		return op_error(r,
				"is shiftmountd running?  Point --socket or $SHIFTMOUNT_SOCKET at "
				"its socket",
				"request %s: connecting to %s", what,
				sm_delegate_socket_path(sockpath));
	_cleanup_close_ int mntfd = -EBADF;
	struct sm_delegate_reply rep;
	struct sm_error err;
	r = sm_delegate_mount(sock, req, srcfd, 30000, &mntfd, &rep, &err);
	if (r == -EREMOTEIO) {
		const char *e = strrchr(err.name, '.');
		fprintf(stderr, "shiftmount: request %s: refused: %s (%s)\n", what,
			err.message[0] ? err.message : "no reason given", e ? e + 1 : err.name);
		return EXIT_FAILED;
	}
	if (r < 0) {
		fprintf(stderr, "shiftmount: request %s: %s\n", what, err.message);
		return EXIT_FAILED;
	}
	rep.uid_map[strcspn(rep.uid_map, "\n")] = '\0';
	verbose("request %s: origin %u:%u range %u, uid map \"%s\"", what, rep.origin_uid,
		rep.origin_gid, rep.range, rep.uid_map);
	if (rep.warning[0])
		warning("%s", rep.warning);
	r = sm_mount_attach(mntfd, AT_FDCWD, dst);
	if (r < 0)
		return op_error(r,
				r == -EPERM    ? "attach from the container's own mount namespace "
						 "(its root must own it)"
				: r == -ENOSPC ? "the mount table is full (not the disk): see "
						 "/proc/sys/fs/mount-max"
					       : NULL,
				"request %s: attaching at %s", what, dst);
	return EXIT_OK;
}

static int request_run(const char *sockpath, struct sm_delegate_request *req, const char *src,
		       const char *dst)
{
	struct stat st;
	if (stat(dst, &st) < 0)
		return usage_error("%s: %s", dst, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return usage_error("%s: not a directory", dst);
	if (req->name[0])
		return do_request(sockpath, req, -EBADF, req->name, dst);

	/* O_PATH is enough for the kernel to check search permission on
	 * every component: what this caller cannot reach, it cannot ask for. */
	_cleanup_close_ int fd = -EBADF;
	int r = sm_delegate_open_source(src, req, &fd);
	if (r == -EACCES || r == -EPERM)
		return op_error(r, NULL, "request %s", src);
	if (r < 0)
		return usage_error("%s: %s", src, strerror(-r));
	return do_request(sockpath, req, fd, src, dst);
}

int verb_request(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'}, {"name", required_argument, NULL, 'n'},
		{"recursive", no_argument, NULL, 'r'},	  {"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},	  {},
	};
	_cleanup_free_ struct sm_delegate_request *req = calloc(1, sizeof(*req));
	const char *sockpath = NULL;
	int c;
	if (!req)
		return op_error(-ENOMEM, NULL, "request");
	req->fd = -1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:rvh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sockpath = optarg;
			break;
		case 'n':
			if (!sm_mark_name_valid(optarg))
				return usage_error("--name: \"%s\": not a valid mark name", optarg);
			snprintf(req->name, sizeof(req->name), "%s", optarg);
			break;
		case 'r':
			req->recursive = 1;
			break;
		case 'o':
			if (parse_o(optarg, req))
				return EXIT_USAGE;
			break;
		case 'v':
			cli_verbose = 1;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return usage_error(
				"request: unknown option or missing argument \"%s\"; see "
				"shiftmount request --help",
				argv[optind - 1]);
		}
	}
	int want = req->name[0] ? 1 : 2;
	if (argc - optind != want)
		return usage_error(req->name[0] ? "request: --name NAME takes only DST"
						: "request: expected SRC DST (or --name NAME DST)");
	return request_run(sockpath, req, req->name[0] ? NULL : argv[optind], argv[argc - 1]);
}
