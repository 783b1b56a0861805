/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shiftmount mark: the admin's persistent permission that DIR may be
 * shifted (the thread's --mark-shiftable[-by]).  The new mark is validated
 * and formatted before anything is written; the registry entry for --name is
 * written after the xattr, and a failure there puts the old mark back.
 */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "cli.h"
#include "util.h"

static void help(void)
{
	printf("Usage: shiftmount mark [OPTIONS] DIR\n"
	       "\n"
	       "Mark DIR shiftable: container roots may then have it shifted along their own\n"
	       "user namespace by shiftmountd (shiftmount request, mount -t shift).  The mark\n"
	       "is the trusted.shiftmount xattr of DIR (root of the initial namespace only).\n"
	       "\n"
	       "  --origin N          disk id of interior id 0, uid and gid (default:\n"
	       "                      /etc/shiftmount.conf, else 0)\n"
	       "  --origin-uid N      ... uid only\n"
	       "  --origin-gid N      ... gid only\n"
	       "  --range N           how many interior ids are shifted (default 65536)\n"
	       "  --by UID|@USER      only a namespace whose root is host UID, or whose maps\n"
	       "                      lie inside USER's /etc/subuid and /etc/subgid ranges\n"
	       "                      (repeatable; none: whoever can reach DIR)\n"
	       "  --anyone-as-disk-root  allow a mark with origin 0 and no --by: any\n"
	       "                      container root that can reach DIR then writes as\n"
	       "                      disk uid/gid 0 in it (refused without this flag)\n"
	       "  --name NAME         let tenants ask for it by NAME (registered under\n"
	       "                      /etc/shiftmount/names, or $SHIFTMOUNT_REGISTRY);\n"
	       "                      needs --by\n"
	       "  -v, --verbose       say which mark was replaced and where NAME was registered\n"
	       "  -h, --help          this text\n"
	       "\n"
	       "mark warns when DIR is reachable by unprivileged host users or lies on a\n"
	       "filesystem mounted without nosuid: a tenant must never reach the unshifted\n"
	       "tree, and a setuid file written there as disk root would run as host root.\n"
	       "\n"
	       "Exit status: 0 marked, 1 the mark could not be written, 2 bad usage or input.\n");
}

int mark_open_dir(const char *path, int *ret_fd);
int mark_open_dir(const char *path, int *ret_fd)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return usage_error("%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		close(fd);
		return usage_error("%s: not a directory; only directories can be marked", path);
	}
	*ret_fd = fd;
	return 0;
}

int mark_write_error(int r, const char *path);
int mark_write_error(int r, const char *path)
{
	if (r == -EPERM || r == -EACCES)
		return op_error(r,
				"marks are trusted.* xattrs: only root of the initial user "
				"namespace (CAP_SYS_ADMIN) can write them",
				"%s: writing the mark", path);
	if (r == -EOPNOTSUPP)
		return op_error(r,
				"this filesystem has no trusted.* xattrs; mark a directory "
				"on ext4, xfs, btrfs or tmpfs",
				"%s: writing the mark", path);
	return op_error(r, NULL, "%s: writing the mark", path);
}

/* The thread's rule: a tenant must never reach where the unshifted tree is.
 * Every directory from / down to DIR must deny search to unprivileged users
 * (no o+x, and g+x only for a privileged group) for DIR to be out of reach. */
static void warn_exposure(const char *abs, int dirfd)
{
	char path[PATH_MAX];
	int reachable = 1;
	snprintf(path, sizeof(path), "%s", abs);
	for (;;) {
		struct stat st;
		if (stat(path, &st) < 0)
			break;
		int others = (st.st_mode & S_IXOTH) || ((st.st_mode & S_IXGRP) && st.st_gid != 0);
		if (!others) {
			reachable = 0;
			break;
		}
		char *slash = strrchr(path, '/');
		if (!slash || slash == path) {
			if (!strcmp(path, "/"))
				break;
			snprintf(path, sizeof(path), "/");
			continue;
		}
		*slash = '\0';
	}
	if (reachable)
		warning("%s is reachable by unprivileged host users (every directory on its path "
			"lets others search it); a tenant that reaches the unshifted tree sees and "
			"writes it unshifted: keep it under a root-only (0700) directory",
			abs);
	struct statvfs sv;
	if (fstatvfs(dirfd, &sv) == 0 && !(sv.f_flag & ST_NOSUID))
		warning("%s lies on a filesystem mounted without nosuid: a setuid file a container "
			"writes there as disk root runs as host root when started from the "
			"unshifted tree; mount it with nosuid",
			abs);
}

int verb_mark(int argc, char **argv)
{
	static const struct option opts[] = {
		{"origin", required_argument, NULL, 'O'},
		{"origin-uid", required_argument, NULL, 'U'},
		{"origin-gid", required_argument, NULL, 'G'},
		{"range", required_argument, NULL, 'R'},
		{"by", required_argument, NULL, 'b'},
		{"name", required_argument, NULL, 'n'},
		{"anyone-as-disk-root", no_argument, NULL, 'A'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sm_mark m;
	int have_origin = 0, have_ouid = 0, have_ogid = 0, have_range = 0, anyone_root = 0, c, r;
	uint32_t v;
	sm_mark_init(&m);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
		switch (c) {
		case 'O':
			if (parse_id_option("--origin", optarg, &v))
				return EXIT_USAGE;
			m.origin_uid = m.origin_gid = v;
			have_origin = 1;
			break;
		case 'U':
			if (parse_id_option("--origin-uid", optarg, &m.origin_uid))
				return EXIT_USAGE;
			have_ouid = 1;
			break;
		case 'G':
			if (parse_id_option("--origin-gid", optarg, &m.origin_gid))
				return EXIT_USAGE;
			have_ogid = 1;
			break;
		case 'R':
			if (parse_id_option("--range", optarg, &m.range))
				return EXIT_USAGE;
			if (m.range == 0)
				return usage_error("--range: must be > 0");
			have_range = 1;
			break;
		case 'b':
			r = sm_mark_add_by(&m, optarg);
			if (r == -EEXIST)
				return usage_error("--by: \"%s\" is given twice", optarg);
			if (r == -E2BIG)
				return usage_error("--by: at most %d entries", SM_MARK_MAX_BY);
			if (r < 0)
				return usage_error("--by: \"%s\": expected a host uid or @USER",
						   optarg);
			break;
		case 'n':
			if (!sm_mark_name_valid(optarg))
				return usage_error("--name: \"%s\": 1-64 of A-Z a-z 0-9 . _ -, "
						   "starting with a letter or digit",
						   optarg);
			snprintf(m.name, sizeof(m.name), "%s", optarg);
			break;
		case 'A':
			anyone_root = 1;
			break;
		case 'v':
			cli_verbose = 1;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return usage_error("mark: unknown option or missing argument \"%s\"; see "
					   "shiftmount mark --help",
					   argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return usage_error("mark: expected one DIR; see shiftmount mark --help");
	if (have_origin && (have_ouid || have_ogid))
		return usage_error("--origin: give either --origin or --origin-uid/--origin-gid");
	const char *dir = argv[optind];

	if (!have_origin && !(have_ouid && have_ogid)) {
		const char *conf_path = getenv("SHIFTMOUNT_CONFIG");
		struct sm_config conf;
		struct sm_error err = {.why = NULL};
		if (!conf_path || !*conf_path)
			conf_path = SM_CONFIG_PATH;
		r = sm_config_load(conf_path, &conf, &err);
		if (r == -EINVAL)
			return usage_error("%s: %s: %s", conf_path, err.token, err.why);
		if (r < 0)
			return op_error(r, NULL, "%s", conf_path);
		if (!have_ouid)
			m.origin_uid = conf.origin_uid;
		if (!have_ogid)
			m.origin_gid = conf.origin_gid;
		if (!have_range)
			m.range = conf.range;
	}
	if (m.name[0] && m.n_by == 0)
		return usage_error(
			"--name %s: a named mark needs --by UID|@USER; shiftmountd grants "
			"a mark by name only to the namespaces its --by list names",
			m.name);
	if (sm_mark_grants_anyone_root(&m) && !anyone_root)
		return usage_error(
			"mark: origin %u:%u and no --by lets any container root write as "
			"disk root (uid/gid 0) in %s; give --by UID|@USER, another "
			"--origin, or --anyone-as-disk-root to grant exactly that",
			m.origin_uid, m.origin_gid, dir);
	if (anyone_root && !sm_mark_grants_anyone_root(&m))
		return usage_error(
			"--anyone-as-disk-root: only for a mark with origin 0 and no --by");
	m.anyone_as_disk_root = anyone_root;
	struct sm_error verr = {.why = NULL};
	if (sm_mark_validate(&m, &verr) < 0)
		return usage_error("mark: \"%s\": %s", verr.token, verr.why);

	_cleanup_close_ int fd = -EBADF;
	if (mark_open_dir(dir, &fd))
		return EXIT_USAGE;
	_cleanup_free_ char *abs = realpath(dir, NULL);
	if (!abs)
		return op_error(-errno, NULL, "%s", dir);

	const char *reg = sm_registry_dir();
	struct sm_mark old;
	int had_old = sm_mark_get(fd, &old, NULL) == 0;
	if (m.name[0]) {
		_cleanup_free_ char *cur = NULL;
		if (sm_registry_lookup(reg, m.name, &cur) == 0 && strcmp(cur, abs) != 0) {
			/* Taken only if that directory still carries the name. */
			_cleanup_close_ int ofd = open(cur, O_PATH | O_DIRECTORY | O_CLOEXEC);
			struct sm_mark om;
			if (ofd >= 0 && sm_mark_get(ofd, &om, NULL) == 0 &&
			    !strcmp(om.name, m.name))
				return op_error(-EEXIST, "unmark it first, or pick another name",
						"--name %s: already names %s", m.name, cur);
		}
	}

	r = sm_mark_set(fd, &m);
	if (r < 0)
		return mark_write_error(r, dir);
	if (m.name[0]) {
		r = sm_registry_add(reg, m.name, abs);
		if (r < 0) {
			if (had_old)
				(void)sm_mark_set(fd, &old);
			else
				(void)sm_mark_remove(fd);
			return op_error(r, "set $SHIFTMOUNT_REGISTRY to use another registry",
					"--name %s: registering it in %s", m.name, reg);
		}
	}
	if (had_old && old.name[0] && strcmp(old.name, m.name) != 0)
		(void)sm_registry_remove(reg, old.name, abs);

	char text[SM_MARK_TEXT_MAX + 1];
	if (had_old && sm_mark_format(&old, text, sizeof(text)) >= 0)
		verbose("%s: replaced the mark %s", abs, text);
	if (m.name[0])
		verbose("%s: registered as \"%s\" in %s", abs, m.name, reg);
	sm_mark_format(&m, text, sizeof(text));
	printf("%s: %s\n", abs, text);
	warn_exposure(abs, fd);
	return EXIT_OK;
}
