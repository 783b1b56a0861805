/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shiftmount mark: the admin's persistent permission that DIR may be
 * shifted (the thread's --mark-shiftable[-by]).  The new mark is validated
 * and formatted before anything is written; the registry entry for --name is
 * written after the xattr, and a failure there puts the old mark back.
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
	       "  --name NAME         let tenants ask for it by NAME (registered under\n"
	       "                      /etc/shiftmount/names, or $SHIFTMOUNT_REGISTRY)\n"
	       "  -v, --verbose       say which mark was replaced and where NAME was registered\n"
	       "  -h, --help          this text\n"
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

int verb_mark(int argc, char **argv)
{
	static const struct option opts[] = {
		{"origin", required_argument, NULL, 'O'},
		{"origin-uid", required_argument, NULL, 'U'},
		{"origin-gid", required_argument, NULL, 'G'},
		{"range", required_argument, NULL, 'R'},
		{"by", required_argument, NULL, 'b'},
		{"name", required_argument, NULL, 'n'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sm_mark m;
	int have_origin = 0, have_ouid = 0, have_ogid = 0, have_range = 0, c, r;
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
	return EXIT_OK;
}
