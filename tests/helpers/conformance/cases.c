/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The twenty conformance cases and their table; see main.c for how they run. */
#include "fixtures.h"

/* ------------------------------------------------------------- cases */

/* 1 */
static void c_ownership_ns(void *arg)
{
	int m = *(int *)arg;
	expect_owner(m, "root", 0, 0, 0,
		     "in a user namespace mapping host %u as 0, disk 0 shows as 0:0", HU(0));
	expect_owner(m, "u1000", 0, g_ovu, g_ovg,
		     "in that namespace a mapped disk id outside its map shows as overflow");
}

static void c_unmapped_dir_write(void *arg)
{
	struct wd *w = arg;
	become(HU(2000), HG(2000), 0, NULL, 0);
	expect_errno(create_file(w->m, "unmapped-dir/x", 0, 0644), EACCES,
		     "a mapped user cannot create in a 0777 directory whose owner is unmapped");
}

/* The overflow id is how an unmapped owner looks, not who it is. */
static void c_overflow_user(void *arg)
{
	struct wd *w = arg;
	int fd;

	become(g_ovu, g_ovg, 0, NULL, 0);
	fd = openat(w->m, "unmapped-secret", O_RDONLY | O_CLOEXEC);
	expect_errno(fd, EACCES,
		     "host user %u is not the owner of a 0600 file whose disk owner is unmapped",
		     g_ovu);
	if (fd >= 0)
		close(fd);
	expect_errno(fchmodat(w->m, "unmapped-secret", 0644, 0), EOVERFLOW,
		     "nor may it chmod that file");
}

static void case_ownership(void)
{
	struct wd w = workdir("c01", 0, 0, 0755);
	char map[64], gmap[64];
	int fd;

	src_file(w.s, "root", 0, 0, 0644);
	src_file(w.s, "u1000", 1000, 1000, 0644);
	src_file(w.s, "mixed", 1000, 2000, 0644);
	src_file(w.s, "unmapped", (uid_t)g_dunm, (gid_t)g_dunm, 0644);
	src_file(w.s, "unmapped-gid", 1000, (gid_t)g_dunm, 0644);
	src_mkdir(w.s, "dir", 3000, 3001, 0755);
	src_mkdir(w.s, "unmapped-dir", (uid_t)g_dunm, (gid_t)g_dunm, 0777);
	src_file(w.s, "unmapped-secret", (uid_t)g_dunm, (gid_t)g_dunm, 0600);
	src_symlink(w.s, "link", "root", 2000, 2001);

	expect_owner(w.m, "root", 0, HU(0), HG(0), "disk 0:0 shows as %u:%u", HU(0), HG(0));
	expect_owner(w.m, "u1000", 0, HU(1000), HG(1000), "disk 1000:1000 shows as %u:%u", HU(1000),
		     HG(1000));
	expect_owner(w.m, "mixed", 0, HU(1000), HG(2000), "disk 1000:2000 shows as %u:%u", HU(1000),
		     HG(2000));
	expect_owner(w.m, "dir", 0, HU(3000), HG(3001), "directory disk 3000:3001 shows mapped");
	expect_owner(w.m, "link", AT_SYMLINK_NOFOLLOW, HU(2000), HG(2001),
		     "symlink disk 2000:2001 shows mapped (lstat)");
	expect_owner(w.m, "link", 0, HU(0), HG(0), "stat through the symlink shows the target");
	expect_owner(w.m, "unmapped", 0, g_ovu, g_ovg,
		     "disk %lu:%lu outside the map shows as overflow %u:%u", g_dunm, g_dunm, g_ovu,
		     g_ovg);
	expect_owner(w.m, "unmapped-gid", 0, HU(1000), g_ovg,
		     "only the unmapped gid shows as overflow gid %u", g_ovg);
	fd = openat(w.m, "mixed", O_RDONLY | O_CLOEXEC);
	if (expect_ok(fd, "open through the mount")) {
		expect_owner(fd, "", AT_EMPTY_PATH, HU(1000), HG(2000), "fstat agrees with stat");
		close(fd);
	}
	expect_owner(w.s, "mixed", 0, 1000, 2000, "the source still shows disk ids");

	expect_ok(fchmodat(w.m, "u1000", 0600, 0), "root can chmod a file with a mapped owner");
	expect_mode(w.s, "u1000", 0, 0600, "chmod landed on disk");
	expect_errno(fchmodat(w.m, "unmapped", 0600, 0), EOVERFLOW,
		     "root cannot chmod a file whose disk owner is unmapped (EOVERFLOW)");
	expect_mode(w.s, "unmapped", 0, 0644, "its mode is unchanged on disk");
	expect_ok(fchownat(w.m, "unmapped", HU(1000), HG(1000), 0),
		  "root can chown it to mapped ids, which makes it valid");
	expect_owner(w.s, "unmapped", 0, 1000, 1000, "the chown landed on disk");
	fd = openat(w.m, "unmapped-gid", O_WRONLY | O_CLOEXEC);
	expect_errno(fd, EACCES, "root cannot open a file with an unmapped gid for writing");
	if (fd >= 0)
		close(fd);
	sub(c_unmapped_dir_write, &w);
	sub(c_overflow_user, &w);

	snprintf(map, sizeof(map), "0 %u 1000", HU(0));
	snprintf(gmap, sizeof(gmap), "0 %u 1000", HG(0));
	in_userns(map, gmap, 0, 0, c_ownership_ns, &w.m);
}

/* 2 */
struct creds_arg {
	struct wd w;
	uid_t uid;
	gid_t gid;
	const char *what;
};

static void c_create_unmapped(void *arg)
{
	struct creds_arg *a = arg;
	int m = a->w.m;

	as_fsids(a->uid, a->gid, true);
	expect_errno(create_file(m, "n-open", 0, 0644), EOVERFLOW, "%s: open(O_CREAT) EOVERFLOW",
		     a->what);
	expect_errno(mknodat(m, "n-mknod", S_IFREG | 0644, 0), EOVERFLOW,
		     "%s: mknod S_IFREG EOVERFLOW", a->what);
	expect_errno(mknodat(m, "n-fifo", S_IFIFO | 0644, 0), EOVERFLOW,
		     "%s: mknod S_IFIFO EOVERFLOW", a->what);
	expect_errno(mkdirat(m, "n-dir", 0755), EOVERFLOW, "%s: mkdir EOVERFLOW", a->what);
	expect_errno(symlinkat("exist", m, "n-symlink"), EOVERFLOW, "%s: symlink EOVERFLOW",
		     a->what);
	expect_errno(linkat(m, "exist", m, "n-link", 0), EOVERFLOW, "%s: link EOVERFLOW", a->what);
	expect_errno(renameat(m, "exist", m, "n-rename"), EOVERFLOW,
		     "%s: rename to a new name EOVERFLOW", a->what);
}

static void c_use_unmapped(void *arg)
{
	struct creds_arg *a = arg;
	int fd;

	as_fsids(a->uid, a->gid, true);
	fd = openat(a->w.m, "exist", O_CREAT | O_RDWR | O_CLOEXEC, 0644);
	if (expect_ok(fd, "unmapped fsuid: O_CREAT of an existing name (no O_EXCL) opens it")) {
		expect_ok((int)write(fd, "data", 4), "and writes to it");
		close(fd);
	}
	expect_ok(fchmodat(a->w.m, "exist", 0640, 0),
		  "privileged caller with unmapped fsuid can chmod a mapped file");
	expect_ok(fchownat(a->w.m, "exist", HU(1000), HG(1000), 0), "and chown it to mapped ids");
}

static void c_read_unmapped(void *arg)
{
	struct creds_arg *a = arg;
	char buf[8];
	int fd;

	become(a->uid, a->gid, 0, NULL, 0);
	fd = openat(a->w.m, "exist", O_RDONLY | O_CLOEXEC);
	if (expect_ok(fd, "an unprivileged unmapped user opens a world-readable file")) {
		expect_ok((int)read(fd, buf, sizeof(buf)), "and reads it");
		close(fd);
	}
}

static void c_delete_unmapped(void *arg)
{
	struct creds_arg *a = arg;

	as_fsids(a->uid, a->gid, true);
	expect_ok(unlinkat(a->w.m, "victim", 0),
		  "privileged caller with unmapped fsuid can still unlink");
	expect_ok(unlinkat(a->w.m, "victim-dir", AT_REMOVEDIR),
		  "privileged caller with unmapped fsuid can still rmdir");
}

static void c_create_mapped(void *arg)
{
	struct creds_arg *a = arg;
	as_fsids(a->uid, a->gid, true);
	expect_ok(create_file(a->w.m, "mapped", 0, 0644), "with mapped fsuid/fsgid create works");
}

static void case_create_unmapped(void)
{
	struct wd w = workdir("c02", 0, 0, 0777);
	struct creds_arg a = {.w = w};
	static const char *names[] = {"n-open",	   "n-mknod", "n-fifo",	 "n-dir",
				      "n-symlink", "n-link",  "n-rename"};

	src_file(w.s, "exist", 0, 0, 0644);
	src_file(w.s, "victim", 1000, 1000, 0644);
	src_mkdir(w.s, "victim-dir", 1000, 1000, 0755);

	a.uid = g_unm_u, a.gid = HG(0), a.what = "unmapped fsuid";
	sub(c_create_unmapped, &a);
	a.uid = HU(0), a.gid = g_unm_g, a.what = "unmapped fsgid";
	sub(c_create_unmapped, &a);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		expect_absent(w.s, names[i], "nothing was created on disk for %s", names[i]);
	expect_owner(w.s, "exist", 0, 0, 0, "the link/rename source is untouched");

	a.uid = STRANGER, a.gid = STRANGER;
	sub(c_read_unmapped, &a);
	a.uid = g_unm_u, a.gid = g_unm_g;
	sub(c_use_unmapped, &a);
	expect_owner(w.s, "exist", 0, 1000, 1000, "the chown landed as disk 1000:1000");
	expect_mode(w.s, "exist", 0, 0640, "the chmod landed");

	a.uid = g_unm_u, a.gid = g_unm_g;
	sub(c_delete_unmapped, &a);
	expect_absent(w.s, "victim", "the unlinked file is gone from disk");

	a.uid = HU(0), a.gid = HG(0);
	sub(c_create_mapped, &a);
	expect_owner(w.s, "mapped", 0, 0, 0, "it lands on disk as 0:0");
}

/* 3 */
static void c_chown_owner(void *arg)
{
	struct wd *w = arg;
	/* Also in host group 2000, the raw disk gid that the mount leaves
	 * unmapped: chgrp to it passes the permission check and must fail on
	 * the mapping. */
	gid_t groups[] = {HG(2000), 2000};

	become(HU(1234), HG(1234), 2, groups, 0);
	expect_ok(fchownat(w->m, "f1", (uid_t)-1, HG(2000), 0),
		  "owner may chgrp to a group it is in (mapped gid %u)", HG(2000));
	expect_errno(fchownat(w->m, "f1", (uid_t)-1, HG(2600), 0), EPERM,
		     "owner may not chgrp to a group it is not in");
	expect_errno(fchownat(w->m, "f1", HU(2000), (gid_t)-1, 0), EPERM,
		     "owner may not give the file away");
	if (h2d(g_map.g, g_map.ng, 2000) < 0)
		expect_errno(
			fchownat(w->m, "f1", (uid_t)-1, 2000, 0), EOVERFLOW,
			"owner in host group 2000 (unmapped on the mount) may not chgrp to it: "
			"EOVERFLOW");
}

static void case_chown(void)
{
	struct wd w = workdir("c03", 0, 0, 0777);
	int fd;

	src_file(w.s, "f1", 0, 0, 0644);
	src_file(w.s, "f2", 0, 0, 0644);
	src_file(w.s, "f3", 3000, 3001, 0644);
	src_file(w.s, "f4", 0, 0, 0644);

	expect_ok(fchownat(w.m, "f1", HU(1234), HG(1234), 0), "chown to %u:%u through the mount",
		  HU(1234), HG(1234));
	expect_owner(w.s, "f1", 0, 1234, 1234, "lands on disk as 1234:1234");
	expect_owner(w.m, "f1", 0, HU(1234), HG(1234), "reads back mapped");
	expect_ok(fchownat(w.m, "f2", HU(1500), (gid_t)-1, 0), "chown of the uid only");
	expect_owner(w.s, "f2", 0, 1500, 0, "disk uid 1500, gid untouched");
	expect_ok(fchownat(w.m, "f2", (uid_t)-1, HG(2500), 0), "chgrp only");
	expect_owner(w.s, "f2", 0, 1500, 2500, "disk gid 2500, uid untouched");
	expect_owner(w.m, "f3", 0, HU(3000), HG(3001), "chown on disk to 3000:3001 reads mapped");
	fd = openat(w.m, "f4", O_RDONLY | O_CLOEXEC);
	if (expect_ok(fd, "open for fchown")) {
		expect_ok(fchown(fd, HU(1700), HG(1701)), "fchown on an fd from the mount");
		close(fd);
		expect_owner(w.s, "f4", 0, 1700, 1701, "fchown lands as 1700:1701");
	}

	expect_errno(fchownat(w.m, "f1", g_unm_u, (gid_t)-1, 0), EOVERFLOW,
		     "chown to unmapped host uid %u is refused", g_unm_u);
	expect_errno(fchownat(w.m, "f1", (uid_t)-1, g_unm_g, 0), EOVERFLOW,
		     "chgrp to unmapped host gid %u is refused", g_unm_g);
	if (h2d(g_map.u, g_map.nu, 1234) < 0)
		expect_errno(fchownat(w.m, "f1", 1234, (gid_t)-1, 0), EOVERFLOW,
			     "chown to the raw disk id 1234 (unmapped on the host side) refused");
	expect_owner(w.s, "f1", 0, 1234, 1234, "refused chowns left the disk owner alone");

	sub(c_chown_owner, &w);
	expect_owner(w.s, "f1", 0, 1234, 2000, "owner's chgrp landed as disk gid 2000");
}

/* 4 */
static void c_userns_create_root(void *arg)
{
	struct wd *w = arg;
	int m = w->m;

	expect_ok(create_file(m, "f", 0, 0644), "userns root: open(O_CREAT)");
	expect_ok(mknodat(m, "n", S_IFREG | 0644, 0), "userns root: mknod");
	expect_ok(mkdirat(m, "d", 0755), "userns root: mkdir");
	expect_ok(symlinkat("f", m, "l"), "userns root: symlink");
	expect_ok(renameat(m, "f", m, "f2"), "userns root: rename");
	expect_ok(linkat(m, "f2", m, "h", 0), "userns root: link");
	expect_owner(m, "f2", 0, 0, 0, "userns root sees its file as 0:0");
	expect_owner(m, "l", AT_SYMLINK_NOFOLLOW, 0, 0, "userns root sees its symlink as 0:0");
	expect_ok(fchownat(m, "n", 7, 8, 0), "userns root: chown to interior 7:8");
	expect_owner(m, "n", 0, 7, 8, "reads back as 7:8 inside");
	expect_errno(fchownat(m, "n", 2000, 2000, 0), EINVAL,
		     "chown to an id outside the namespace is EINVAL");
	expect_errno(fchownat(m, "n", 1000, (gid_t)-1, 0), EOVERFLOW,
		     "chown to interior 1000, whose host id the mount cannot map, is EOVERFLOW");
}

static void c_userns_create_user(void *arg)
{
	struct wd *w = arg;
	expect_ok(create_file(w->m, "g", 0, 0644), "userns uid 5: open(O_CREAT)");
	expect_owner(w->m, "g", 0, 5, 5, "reads back 5:5 inside");
}

#define RACE_N 240

static void race_creator(void *arg)
{
	struct wd *w = arg;
	char name[32];
	int r = 0;

	for (int i = 0; i < RACE_N && r >= 0; i++) {
		snprintf(name, sizeof(name), "race-%d", i);
		switch (i % 4) {
		case 0:
			r = create_file(w->m, name, 0, 0644);
			break;
		case 1:
			r = mkdirat(w->m, name, 0755);
			break;
		case 2:
			r = symlinkat("x", w->m, name);
			break;
		default:
			r = mknodat(w->m, name, S_IFIFO | 0644, 0);
		}
	}
	expect_ok(r, "interior uid 5 creates %d files, directories, symlinks and fifos", RACE_N);
}

/* Watch the source while they are made: a backend that creates and then
 * chowns would show a new name with its own ids for a moment. */
static void race_observer(struct wd *w, int stop)
{
	char name[32], first[128] = "";
	int bad = 0, seen = 0, last = 0;
	struct stat st;

	for (;;) {
		struct pollfd pfd = {stop, POLLIN, 0};
		if (poll(&pfd, 1, 0) != 0)
			last = 1;
		for (int i = 0; i < RACE_N; i++) {
			snprintf(name, sizeof(name), "race-%d", i);
			if (fstatat(w->s, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			seen++;
			if (st.st_uid != 1005 || st.st_gid != 1005) {
				if (!bad++)
					snprintf(first, sizeof(first), "%s as %u:%u", name,
						 st.st_uid, st.st_gid);
			}
		}
		if (last)
			break;
	}
	check(bad == 0, "an observer on the source never saw a new name with another owner");
	if (bad)
		note("  %d of %d sightings wrong, first %s", bad, seen, first);
}

static void c_userns_create_unmapped(void *arg)
{
	struct wd *w = arg;
	expect_errno(create_file(w->m, "u1000", 0, 0644), EOVERFLOW,
		     "interior uid 1000 (host %u, not in the mount's map) gets EOVERFLOW",
		     STRANGER);
}

static void case_userns_create(void)
{
	struct wd w = workdir("c04", 1000, 1000, 0777);
	char um[96], gm[96];

	/* Interior 1000 is a host id the mount does not map. */
	snprintf(um, sizeof(um), "0 %u 1000\n1000 %u 1\n", HU(1000), STRANGER);
	snprintf(gm, sizeof(gm), "0 %u 1000\n1000 %u 1\n", HG(1000), STRANGER);
	in_userns(um, gm, 0, 0, c_userns_create_root, &w);
	in_userns(um, gm, 5, 5, c_userns_create_user, &w);
	in_userns(um, gm, 1000, 1000, c_userns_create_unmapped, &w);
	expect_absent(w.s, "u1000", "nothing was created for interior 1000");
	expect_owner(w.s, "f2", 0, 1000, 1000,
		     "file of interior 0 (host %u) is disk 1000:1000 (both maps composed)",
		     HU(1000));
	expect_owner(w.s, "d", 0, 1000, 1000, "its directory is disk 1000:1000");
	expect_owner(w.s, "l", AT_SYMLINK_NOFOLLOW, 1000, 1000, "its symlink is disk 1000:1000");
	expect_owner(w.s, "h", 0, 1000, 1000, "its hard link is disk 1000:1000");
	expect_owner(w.s, "n", 0, 1007, 1008, "its chown to interior 7:8 is disk 1007:1008");
	expect_owner(w.s, "g", 0, 1005, 1005, "file of interior uid 5 is disk 1005:1005");
	expect_owner(w.m, "g", 0, HU(1005), HG(1005), "seen from the host it is %u:%u", HU(1005),
		     HG(1005));

	int stop[2];
	pid_t obs;
	if (pipe2(stop, O_CLOEXEC) < 0)
		fatal("pipe");
	obs = fork();
	if (obs < 0)
		fatal("fork");
	if (obs == 0) {
		close(stop[1]);
		race_observer(&w, stop[0]);
		_exit(0);
	}
	close(stop[0]);
	in_userns(um, gm, 5, 5, race_creator, &w);
	close(stop[1]);
	wait_sub(obs, "observer");
}

/* 5 */
static void c_mknod_userns(void *arg)
{
	struct wd *w = arg;
	int ns = open_dir(g_nosuid_fd, "c05");

	expect_errno(mknodat(w->m, "chr", S_IFCHR | 0644, makedev(1, 3)), EPERM,
		     "userns root cannot mknod a character device");
	expect_errno(mknodat(w->m, "blk", S_IFBLK | 0644, makedev(7, 0)), EPERM,
		     "userns root cannot mknod a block device");
	expect_errno(mknodat(ns, "chr", S_IFCHR | 0644, makedev(1, 3)), EPERM,
		     "nor through a nosuid,nodev mount");
	expect_ok(mknodat(w->m, "fifo", S_IFIFO | 0644, 0), "userns root can mknod a fifo");
	close(ns);
}

static void c_mknod_root(void *arg)
{
	struct wd *w = arg;
	struct stat st;

	as_fsids(HU(0), HG(0), true);
	expect_ok(mknodat(w->m, "root-null", S_IFCHR | 0666, makedev(1, 3)),
		  "init-namespace root with a mapped fsuid may mknod a device");
	if (fstatat(w->m, "root-null", &st, 0) == 0)
		check(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3),
		      "it is character device 1:3 through the mount");
}

static void case_mknod_userns(void)
{
	struct wd w = workdir("c05", 1000, 1000, 0755);
	char um[64], gm[64];
	int fd;

	if (g_nosuid_fd < 0) {
		skipc("no nosuid,nodev mount given");
		return;
	}
	snprintf(um, sizeof(um), "0 %u 1000", HU(1000));
	snprintf(gm, sizeof(gm), "0 %u 1000", HG(1000));
	in_userns(um, gm, 0, 0, c_mknod_userns, &w);
	expect_absent(w.s, "chr", "no device node on disk");
	expect_absent(w.s, "blk", "no block device on disk");
	expect_owner(w.s, "fifo", 0, 1000, 1000, "the fifo is disk 1000:1000");

	sub(c_mknod_root, &w);
	expect_owner(w.s, "root-null", 0, 0, 0, "the device node is disk 0:0");

	if (mknodat(w.s, "null", S_IFCHR | 0666, makedev(1, 3)) < 0)
		fatal("mknod on the source");
	fd = openat(g_nosuid_fd, "c05/null", O_RDWR | O_CLOEXEC);
	expect_errno(fd, EACCES, "a device node on disk cannot be opened through a nodev mount");
	if (fd >= 0)
		close(fd);
}

/* 6 */
static void c_acl_access(void *arg)
{
	struct wd *w = arg;
	int fd = openat(w->m, "secret", O_RDONLY | O_CLOEXEC);
	int e = errno;
	if (getuid() == HU(1400)) {
		expect_ok(fd, "the ACL's user (host %u) may read through the mount", HU(1400));
	} else {
		errno = e;
		expect_errno(fd, EACCES, "host uid 1400 (the raw disk id) may not read");
	}
	if (fd >= 0)
		close(fd);
}

static void c_acl_overflow_user(void *arg)
{
	struct wd *w = arg;
	int fd;

	become(g_ovu, g_ovg, 0, NULL, 0);
	fd = openat(w->m, "u", O_RDONLY | O_CLOEXEC);
	expect_errno(fd, EACCES,
		     "the overflow user %u gets nothing from an ACL entry outside the map", g_ovu);
	if (fd >= 0)
		close(fd);
}

/* The id a FUSE backend shows an ACL entry outside the map as: the highest
 * id up to 4294967294 that the map's host side does not cover. */
static uint32_t acl_sentinel(const struct extent *e, int n)
{
	uint32_t id = 4294967294u;
	while (id > 0 && h2d(e, n, id) >= 0)
		id--;
	return id;
}

/* Whether the ACL has an entry with this tag and id. */
static bool acl_has(int dfd, const char *path, const char *name, uint16_t tag, uint32_t id)
{
	struct acl a;
	char p[4096];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", dfd, path);
	n = getxattr(p, name, &a, sizeof(a));
	if (n < (ssize_t)sizeof(uint32_t))
		return false;
	for (size_t i = 0; i < (n - sizeof(uint32_t)) / sizeof(struct acl_ent); i++)
		if (a.e[i].tag == tag && a.e[i].id == id)
			return true;
	return false;
}

/* Run setfacl ARGS... on the mount's c06/NAME; its exit status, -1 if it
 * could not run. */
static int run_setfacl(const char *opt, const char *spec, const char *name)
{
	char path[4096];
	pid_t pid;
	int st;

	snprintf(path, sizeof(path), "%s/c06/%s", g_mnt, name);
	pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execlp("setfacl", "setfacl", opt, spec, path, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) == 127)
		return -1;
	return WEXITSTATUS(st);
}

static void c_acl_userns(void *arg)
{
	struct wd *w = arg;
	long id = acl_get_id(w->m, "f", ACL_ACCESS, T_USER, NULL);
	check(id == 100, "in a user namespace the ACL user reads as interior 100");
	if (id != 100)
		note("  got %ld", id);

	struct acl_ent ents[] = {
		{T_USER_OBJ, 6, ACL_UNDEF}, {T_USER, 6, 300},	    {T_GROUP_OBJ, 4, ACL_UNDEF},
		{T_GROUP, 4, 400},	    {T_MASK, 6, ACL_UNDEF}, {T_OTHER, 0, ACL_UNDEF},
	};
	expect_ok(acl_set(w->m, "ns-acl", ACL_ACCESS, ents, 6),
		  "userns root sets an ACL with interior user 300 and group 400");
	id = acl_get_id(w->m, "ns-acl", ACL_ACCESS, T_USER, NULL);
	check(id == 300, "it reads back as 300 inside (got %ld)", id);
	ents[1].id = 5000;
	expect_errno(acl_set(w->m, "ns-acl", ACL_ACCESS, ents, 6), EINVAL,
		     "an ACL naming an id outside the namespace is EINVAL");
}

static void case_acl(void)
{
	struct wd w = workdir("c06", 0, 0, 0755);
	struct acl_ent ents[] = {
		{T_USER_OBJ, 6, ACL_UNDEF}, {T_USER, 6, HU(1100)},  {T_GROUP_OBJ, 4, ACL_UNDEF},
		{T_GROUP, 4, HG(2100)},	    {T_MASK, 6, ACL_UNDEF}, {T_OTHER, 0, ACL_UNDEF},
	};
	long id;
	char um[64], gm[64], spec[64];
	uint32_t su, sg;
	uid_t u;

	src_file(w.s, "f", 0, 0, 0640);
	src_file(w.s, "v", 0, 0, 0600);
	src_mkdir(w.s, "vd", 0, 0, 0755);
	src_file(w.s, "g", 0, 0, 0640);
	src_file(w.s, "h", 0, 0, 0640);
	src_file(w.s, "u", 0, 0, 0600);
	src_file(w.s, "ns-acl", 1000, 1000, 0640);
	src_file(w.s, "unmapped-owner", (uid_t)g_dunm, (gid_t)g_dunm, 0640);
	src_file(w.s, "secret", 0, 0, 0600);
	src_mkdir(w.s, "dir", 0, 0, 0755);

	if (acl_set(w.s, "g", ACL_ACCESS, ents, 6) < 0 && errno == EOPNOTSUPP) {
		skipc("POSIX ACLs not supported on %s", g_fs);
		return;
	}
	if (!expect_ok(acl_set(w.m, "f", ACL_ACCESS, ents, 6),
		       "set an access ACL with user %u and group %u through the mount", HU(1100),
		       HG(2100)))
		return;
	id = acl_get_id(w.s, "f", ACL_ACCESS, T_USER, NULL);
	check(id == 1100, "on disk the ACL user entry is 1100 (got %ld)", id);
	id = acl_get_id(w.s, "f", ACL_ACCESS, T_GROUP, NULL);
	check(id == 2100, "on disk the ACL group entry is 2100 (got %ld)", id);
	id = acl_get_id(w.m, "f", ACL_ACCESS, T_USER, NULL);
	check(id == HU(1100), "through the mount the user entry reads %u (got %ld)", HU(1100), id);
	id = acl_get_id(w.m, "f", ACL_ACCESS, T_GROUP, NULL);
	check(id == HG(2100), "through the mount the group entry reads %u (got %ld)", HG(2100), id);

	ents[1].id = 1200;
	ents[3].id = 2200;
	if (acl_set(w.s, "g", ACL_ACCESS, ents, 6) < 0)
		fatal("set ACL on the source");
	id = acl_get_id(w.m, "g", ACL_ACCESS, T_USER, NULL);
	check(id == HU(1200), "an ACL set on disk (user 1200) reads %u through the mount (got %ld)",
	      HU(1200), id);
	id = acl_get_id(w.m, "g", ACL_ACCESS, T_GROUP, NULL);
	check(id == HG(2200), "and group 2200 reads %u (got %ld)", HG(2200), id);

	ents[1].id = (uint32_t)g_dunm;
	ents[3].id = (uint32_t)g_dunm;
	if (acl_set(w.s, "u", ACL_ACCESS, ents, 6) < 0)
		fatal("set ACL on the source");
	/* The kernel shows an ACL entry it cannot map as (uid_t)-1 (getfacl's
	 * "user:4294967295:"); a FUSE backend cannot hand -1 to the kernel's ACL
	 * cache and shows an id no mapped id equals (4294967294 unless the map
	 * covers it).  Either way no mapped id, and (below) no access for the
	 * overflow user. */
	su = acl_sentinel(g_map.u, g_map.nu);
	sg = acl_sentinel(g_map.g, g_map.ng);
	id = acl_get_id(w.m, "u", ACL_ACCESS, T_USER, NULL);
	check(id == (long)ACL_UNDEF || id == (long)su,
	      "an ACL user outside the map reads as 4294967295 or %u, no mapped id (got %ld)", su,
	      id);
	id = acl_get_id(w.m, "u", ACL_ACCESS, T_GROUP, NULL);
	check(id == (long)ACL_UNDEF || id == (long)sg,
	      "an ACL group outside the map reads as 4294967295 or %u, no mapped id (got %ld)", sg,
	      id);
	sub(c_acl_overflow_user, &w);

	/* The kernel writes ACLs back on its own (chmod; setfacl -m reads,
	 * edits and writes the whole list): an entry outside the map survives. */
	{
		struct acl_ent ve[] = {
			{T_USER_OBJ, 6, ACL_UNDEF},	{T_USER, 4, 1100},
			{T_USER, 4, (uint32_t)g_dunm},	{T_GROUP_OBJ, 4, ACL_UNDEF},
			{T_GROUP, 4, (uint32_t)g_dunm}, {T_MASK, 6, ACL_UNDEF},
			{T_OTHER, 0, ACL_UNDEF},
		};
		struct stat st;
		int rc;

		if (acl_set(w.s, "v", ACL_ACCESS, ve, 7) < 0 ||
		    acl_set(w.s, "vd", ACL_DEFAULT, ve, 7) < 0)
			fatal("set ACL on the source");
		expect_ok(fchmodat(w.m, "v", 0640, 0),
			  "chmod through the mount of a file whose ACL names disk id %lu", g_dunm);
		if (fstatat(w.s, "v", &st, 0) < 0)
			fatal("stat on the source");
		check((st.st_mode & 07777) == 0640, "the chmod reached the disk (mode %o)",
		      st.st_mode & 07777);
		check(acl_has(w.s, "v", ACL_ACCESS, T_USER, (uint32_t)g_dunm) &&
			      acl_has(w.s, "v", ACL_ACCESS, T_GROUP, (uint32_t)g_dunm),
		      "after the chmod the entries for disk id %lu are still on disk", g_dunm);

		/* The kernel refuses to take back 4294967295, so setfacl fails
		 * there as a whole; a FUSE backend restores the entry from disk. */
		snprintf(spec, sizeof(spec), "u:%u:r", HU(1500));
		for (int i = 0; i < 2; i++) {
			const char *name = i == 0 ? "v" : "vd", *how = i == 0 ? "-m" : "-dm";
			const char *xa = i == 0 ? ACL_ACCESS : ACL_DEFAULT;
			rc = run_setfacl(how, spec, name);
			if (rc < 0) {
				skipc("setfacl not found");
				break;
			}
			check(acl_has(w.s, name, xa, T_USER, 1500) == (rc == 0),
			      "setfacl %s %s through the mount is applied or refused as a whole "
			      "(exit %d)",
			      how, spec, rc);
			check(acl_has(w.s, name, xa, T_USER, (uint32_t)g_dunm) &&
				      acl_has(w.s, name, xa, T_GROUP, (uint32_t)g_dunm) &&
				      acl_has(w.s, name, xa, T_USER, 1100),
			      "either way the %s ACL keeps its entries for disk id %lu and user "
			      "1100",
			      i == 0 ? "access" : "default", g_dunm);
			if (!strncmp(g_backend, "fuse", 4))
				check(rc == 0, "through FUSE setfacl %s works on such an ACL", how);
		}
	}

	ents[1].id = HU(1100);
	ents[3].id = HG(2100);
	expect_errno(acl_set(w.m, "unmapped-owner", ACL_ACCESS, ents, 6), EPERM,
		     "root may not set an ACL on a file whose disk owner is unmapped");

	ents[1].id = g_unm_u;
	ents[3].id = HG(2100);
	expect_errno(acl_set(w.m, "h", ACL_ACCESS, ents, 6), EINVAL,
		     "an ACL naming unmapped host uid %u is refused", g_unm_u);

	ents[1].id = HU(1300);
	ents[3].id = HG(1300);
	expect_ok(acl_set(w.m, "dir", ACL_DEFAULT, ents, 6), "set a default ACL through the mount");
	id = acl_get_id(w.s, "dir", ACL_DEFAULT, T_USER, NULL);
	check(id == 1300, "the default ACL's user is 1300 on disk (got %ld)", id);

	ents[1].id = HU(1400);
	ents[1].perm = 4;
	if (expect_ok(acl_set(w.m, "secret", ACL_ACCESS, ents, 6),
		      "grant host %u read on a 0600 root file", HU(1400))) {
		for (int i = 0; i < 2; i++) {
			u = i == 0 ? HU(1400) : 1400;
			if (i == 1 && h2d(g_map.u, g_map.nu, 1400) >= 0)
				continue;
			pid_t pid = fork();
			if (pid < 0)
				fatal("fork");
			if (pid == 0) {
				become(u, u, 0, NULL, 0);
				c_acl_access(&w);
				_exit(0);
			}
			wait_sub(pid, "acl reader");
		}
	}

	snprintf(um, sizeof(um), "0 %u 2000", HU(1000));
	snprintf(gm, sizeof(gm), "0 %u 2000", HG(1000));
	if (in_userns(um, gm, 0, 0, c_acl_userns, &w) != 1) {
		id = acl_get_id(w.s, "ns-acl", ACL_ACCESS, T_USER, NULL);
		check(id == 1300, "on disk the namespace's ACL user is 1300 (got %ld)", id);
		id = acl_get_id(w.s, "ns-acl", ACL_ACCESS, T_GROUP, NULL);
		check(id == 1400, "and its group 1400 (got %ld)", id);
	}

	uint16_t perm = 0;
	expect_ok(fchmodat(w.m, "f", 0600, 0), "chmod 0600 of the file with an ACL");
	id = acl_get_id(w.s, "f", ACL_ACCESS, T_MASK, &perm);
	check(id == (long)ACL_UNDEF && perm == 0, "the chmod set the ACL mask to --- (got %u)",
	      perm);
	id = acl_get_id(w.m, "f", ACL_ACCESS, T_USER, NULL);
	check(id == HU(1100), "the ACL user entry survives the chmod (got %ld)", id);
}

/* 7 */
static void copy_self(int dfd, const char *name, uid_t uid, gid_t gid, mode_t mode);
static void exec_capture(int dfd, const char *name, uid_t uid, gid_t gid, const char *arg,
			 char *out, size_t len);

/* Exec the copy NAME as uid:gid: does it get CAP_NET_RAW from its file caps? */
static void expect_exec_caps(int dfd, const char *name, uid_t uid, bool want, const char *what)
{
	char got[64];
	unsigned long long prm;

	exec_capture(dfd, name, uid, uid, "--print-caps", got, sizeof(got));
	prm = strtoull(got, NULL, 16);
	check(got[0] && !!(prm & (1ull << 13)) == want, "%s: %s CAP_NET_RAW", what,
	      want ? "gets" : "does not get");
	if (!got[0] || !!(prm & (1ull << 13)) != want)
		note("  permitted set \"%s\"", got);
}

static void c_caps_userns(void *arg)
{
	struct wd *w = arg;
	char buf[64];
	const char *got;
	int fd = openat(w->m, "ns", O_RDWR | O_CLOEXEC);

	if (!expect_ok(fd, "userns root opens its own file"))
		return;
	expect_ok(caps_write(fd, true, 0), "userns root writes a v3 capability, rootid 0");
	got = caps_read(fd, buf, sizeof(buf));
	check(!strcmp(got, "v2"), "inside the namespace it reads as its own root's (v2) (got %s)",
	      got);
	close(fd);
	fd = openat(w->m, "ns2", O_RDWR | O_CLOEXEC);
	if (!expect_ok(fd, "userns root opens a second file"))
		return;
	expect_ok(caps_write(fd, false, 0), "userns root writes a v2 capability");
	close(fd);
	expect_exec_caps(w->m, "ns", 5, true,
			 "in the namespace, uid 5 execs the binary with its root's caps");
	if (g_nosuid_fd >= 0) {
		int ns = open_dir(g_nosuid_fd, "c07");
		expect_exec_caps(ns, "ns", 5, false, "through the nosuid mount it");
		close(ns);
	}
}

static void expect_caps(int dfd, const char *name, const char *want, const char *what)
{
	char buf[64];
	const char *got;
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		check(false, "%s: open %s", what, name);
		return;
	}
	got = caps_read(fd, buf, sizeof(buf));
	check(!strcmp(got, want), "%s: %s", what, want);
	if (strcmp(got, want))
		note("  got %s", got);
	close(fd);
}

static void c_caps_writer(void *arg)
{
	struct wd *w = arg;
	int fd;

	become(HU(2000), HG(2000), 0, NULL, 0);
	fd = openat(w->m, "w", O_WRONLY | O_CLOEXEC);
	if (expect_ok(fd, "another user opens a 0777 file with caps for writing")) {
		expect_ok((int)write(fd, "x", 1), "and writes");
		close(fd);
	}
}

static void case_fscaps(void)
{
	struct wd w = workdir("c07", 0, 0, 0755);
	char want[64], um[64], gm[64];
	const char *names[] = {"a", "b", "c", "d", "e", "f", "g", "x"};
	int fd;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		src_file(w.s, names[i], 0, 0, 0755);
	copy_self(w.s, "ns", 1000, 1000, 0755);
	src_file(w.s, "w", 0, 0, 0777);
	src_file(w.s, "unmapped-owner", (uid_t)g_dunm, (gid_t)g_dunm, 0755);
	src_file(w.s, "ns2", 1000, 1000, 0755);
	fd = openat(w.s, "g", O_RDWR | O_CLOEXEC);
	if (fd < 0 || caps_write(fd, false, 0) < 0) {
		skipc("file capabilities not settable on %s: %s", g_fs, strerror(errno));
		return;
	}
	close(fd);

	fd = openat(w.m, "a", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fatal("open a through the mount");
	expect_ok(caps_write(fd, true, HU(0)), "set v3 rootid %u through the mount", HU(0));
	close(fd);
	expect_caps(w.s, "a", "v2", "on disk the rootid is 0 (root of the reader: v2)");
	snprintf(want, sizeof(want), "v3:%u", HU(0));
	expect_caps(w.m, "a", want, "through the mount it reads back");

	fd = openat(w.m, "b", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fatal("open b through the mount");
	expect_ok(caps_write(fd, true, HU(2000)), "set v3 rootid %u through the mount", HU(2000));
	expect_caps(w.s, "b", "v3:2000", "on disk the rootid is 2000");
	snprintf(want, sizeof(want), "v3:%u", HU(2000));
	expect_caps(w.m, "b", want, "through the mount it reads back");
	expect_errno(caps_write(fd, true, g_unm_u), EINVAL, "v3 with unmapped rootid %u refused",
		     g_unm_u);
	expect_caps(w.s, "b", "v3:2000", "the refused write left the disk value alone");
	close(fd);

	fd = openat(w.m, "c", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fatal("open c through the mount");
	if (h2d(g_map.u, g_map.nu, 0) < 0)
		expect_errno(caps_write(fd, false, 0), EINVAL,
			     "v2 (rootid = host 0, unmapped) written through the mount is refused");
	else
		expect_ok(caps_write(fd, false, 0), "v2 written through the mount");
	close(fd);

	fd = openat(w.s, "d", O_RDWR | O_CLOEXEC);
	if (fd < 0 || caps_write(fd, false, 0) < 0)
		fatal("v2 on the source");
	close(fd);
	snprintf(want, sizeof(want), "v3:%u", HU(0));
	expect_caps(w.m, "d", want, "a v2 capability on disk reads as v3 with the mapped root");
	fd = openat(w.s, "e", O_RDWR | O_CLOEXEC);
	if (fd < 0 || caps_write(fd, true, 2500) < 0)
		fatal("v3 on the source");
	close(fd);
	snprintf(want, sizeof(want), "v3:%u", HU(2500));
	expect_caps(w.m, "e", want, "v3 rootid 2500 on disk reads mapped");
	fd = openat(w.s, "f", O_RDWR | O_CLOEXEC);
	if (fd < 0 || caps_write(fd, true, (uint32_t)g_dunm) < 0)
		fatal("v3 on the source");
	close(fd);
	expect_caps(w.m, "f", "error:Value too large for defined data type",
		    "v3 with a rootid outside the map is EOVERFLOW");
	fd = openat(w.m, "unmapped-owner", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fatal("open unmapped-owner");
	expect_errno(caps_write(fd, true, HU(0)), EPERM,
		     "root may not set caps on a file whose disk owner is unmapped");
	close(fd);

	snprintf(um, sizeof(um), "0 %u 1000", HU(1000));
	snprintf(gm, sizeof(gm), "0 %u 1000", HG(1000));
	if (in_userns(um, gm, 0, 0, c_caps_userns, &w) != 1) {
		expect_caps(w.s, "ns", "v3:1000",
			    "written in the namespace, on disk rootid is 1000");
		snprintf(want, sizeof(want), "v3:%u", HU(1000));
		expect_caps(w.m, "ns", want,
			    "valid in the ancestor: the host reads rootid host id");
		expect_caps(w.s, "ns2", "v3:1000",
			    "a v2 written in the namespace is v3 rootid 1000");
		expect_exec_caps(w.m, "ns", STRANGER, false,
				 "host uid 54321 outside that namespace execs it and");
	}

	/* Capabilities go with a write by another user and with a chown. */
	fd = openat(w.m, "w", O_RDWR | O_CLOEXEC);
	if (fd < 0 || caps_write(fd, true, HU(0)) < 0)
		fatal("caps on w");
	close(fd);
	sub(c_caps_writer, &w);
	expect_caps(w.s, "w", "error:No data available", "a write by another user removed them");
	fd = openat(w.m, "x", O_RDWR | O_CLOEXEC);
	if (fd < 0 || caps_write(fd, true, HU(0)) < 0)
		fatal("caps on x");
	close(fd);
	expect_ok(fchownat(w.m, "x", HU(2000), HG(2000), 0), "root chowns a file with caps");
	expect_caps(w.s, "x", "error:No data available", "the chown removed them");
}

/* 8 */
static void copy_self(int dfd, const char *name, uid_t uid, gid_t gid, mode_t mode)
{
	char buf[65536];
	ssize_t n;
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int out = openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0700);

	if (in < 0 || out < 0)
		fatal("copy to %s", name);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			fatal("write %s", name);
	if (fchown(out, uid, gid) < 0 || fchmod(out, mode) < 0)
		fatal("chown %s", name);
	close(in);
	close(out);
}

/* Run the copy as uid:gid with ARG (--print-ids: "EUID EGID", --print-caps:
 * the permitted set in hex); its output, or "" on failure. */
static void exec_capture(int dfd, const char *name, uid_t uid, gid_t gid, const char *arg,
			 char *out, size_t len)
{
	int p[2], fd;
	ssize_t n;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) < 0)
		fatal("pipe");
	pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid == 0) {
		char *argv[] = {(char *)"conformance", (char *)arg, NULL};
		char *envp[] = {NULL};
		fd = openat(dfd, name, O_PATH | O_CLOEXEC);
		if (fd < 0)
			_exit(2);
		become(uid, gid, 0, NULL, 0);
		if (dup2(p[1], 1) < 0)
			_exit(2);
		syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
		_exit(2);
	}
	close(p[1]);
	n = read(p[0], out, len - 1);
	out[n > 0 ? n : 0] = '\0';
	if (n > 0 && out[n - 1] == '\n')
		out[n - 1] = '\0';
	close(p[0]);
	waitpid(pid, NULL, 0);
}

static void expect_exec(int dfd, const char *name, unsigned eu, unsigned eg, const char *what)
{
	char got[64], want[64];
	exec_capture(dfd, name, STRANGER, STRANGER, "--print-ids", got, sizeof(got));
	snprintf(want, sizeof(want), "%u %u", eu, eg);
	check(!strcmp(got, want), "%s: euid egid %s", what, want);
	if (strcmp(got, want))
		note("  got \"%s\"", got);
}

static void c_setuid_userns(void *arg)
{
	struct wd *w = arg;
	char got[64];

	exec_capture(w->m, "suid-nsroot", 5, 5, "--print-ids", got, sizeof(got));
	check(!strcmp(got, "0 0"),
	      "in a namespace, uid 5 runs a setuid binary of its root (disk 1000) as 0 0");
	if (strcmp(got, "0 0"))
		note("  got \"%s\"", got);
	exec_capture(w->m, "suid2", 5, 5, "--print-ids", got, sizeof(got));
	check(!strcmp(got, "5 5"), "a setuid binary whose owner the namespace cannot map "
				   "does not change ids");
	if (strcmp(got, "5 5"))
		note("  got \"%s\"", got);
}

static void case_setuid(void)
{
	struct wd w = workdir("c08", 0, 0, 0755);
	char um[64], gm[64];
	int ns;

	copy_self(w.s, "plain", 0, 0, 0755);
	copy_self(w.s, "suid", 0, 0, 06755);
	copy_self(w.s, "suid2", 2000, 3000, 06755);
	copy_self(w.s, "suid-unmapped", (uid_t)g_dunm, (gid_t)g_dunm, 06755);
	copy_self(w.s, "suid-nsroot", 1000, 1000, 06755);

	expect_exec(w.m, "plain", STRANGER, STRANGER, "a plain binary runs as the caller");
	expect_exec(w.m, "suid", HU(0), HG(0), "setuid/setgid disk 0:0 runs mapped");
	expect_exec(w.m, "suid2", HU(2000), HG(3000), "setuid/setgid disk 2000:3000 runs mapped");
	expect_exec(w.m, "suid-unmapped", STRANGER, STRANGER,
		    "setuid to an unmapped owner does not change ids");
	snprintf(um, sizeof(um), "0 %u 1000", HU(1000));
	snprintf(gm, sizeof(gm), "0 %u 1000", HG(1000));
	in_userns(um, gm, 0, 0, c_setuid_userns, &w);

	if (g_nosuid_fd < 0) {
		skipc("no nosuid mount given");
		return;
	}
	ns = open_dir(g_nosuid_fd, "c08");
	expect_exec(ns, "suid", STRANGER, STRANGER, "nosuid mount: setuid bits ignored");
	close(ns);
}

/* 9, 10, 20: setgid directories */
struct sg {
	struct wd w;
	const char *tag;
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[2];
	uint64_t caps;
	mode_t umask, fmode, dmode;
	bool only_tmpfile;
};

static bool tmpfile_unsupported(int e)
{
	return e == EOPNOTSUPP || e == EISDIR || e == ENOSYS;
}

static void c_setgid_create(void *arg)
{
	struct sg *a = arg;
	char n[128], proc[64];
	int fd;

	become(a->uid, a->gid, a->ngroups, a->groups, a->caps);
	umask(a->umask);
	if (!a->only_tmpfile) {
		snprintf(n, sizeof(n), "%s-open", a->tag);
		expect_ok(create_file(a->w.m, n, 0, a->fmode), "%s: open(O_CREAT, %04o)", a->tag,
			  a->fmode);
		snprintf(n, sizeof(n), "%s-mknod", a->tag);
		expect_ok(mknodat(a->w.m, n, S_IFREG | a->fmode, 0), "%s: mknod(S_IFREG|%04o)",
			  a->tag, a->fmode);
		snprintf(n, sizeof(n), "%s-dir", a->tag);
		expect_ok(mkdirat(a->w.m, n, a->dmode), "%s: mkdir(%04o)", a->tag, a->dmode);
	}
	fd = openat(a->w.m, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, a->fmode);
	if (fd < 0 && tmpfile_unsupported(errno)) {
		skipc("%s: O_TMPFILE unsupported on this mount (%s)", a->tag, strerror(errno));
		return;
	}
	if (!expect_ok(fd, "%s: open(O_TMPFILE, %04o)", a->tag, a->fmode))
		return;
	snprintf(n, sizeof(n), "%s-tmp", a->tag);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	expect_ok(linkat(AT_FDCWD, proc, a->w.m, n, AT_SYMLINK_FOLLOW), "%s: linkat the O_TMPFILE",
		  a->tag);
	close(fd);
}

/* What the files of one run must look like on disk. */
static void sg_check(struct sg *a, const char *what, mode_t fwant, mode_t dwant, long dgid)
{
	char n[128];
	long duid = h2d(g_map.u, g_map.nu, a->uid);

	if (!a->only_tmpfile) {
		snprintf(n, sizeof(n), "%s-open", a->tag);
		expect_owner(a->w.s, n, 0, duid, dgid, "%s open: disk owner %ld:%ld", what, duid,
			     dgid);
		expect_mode(a->w.s, n, 0, fwant, "%s open: mode %04o", what, fwant);
		snprintf(n, sizeof(n), "%s-mknod", a->tag);
		expect_owner(a->w.s, n, 0, duid, dgid, "%s mknod: disk owner %ld:%ld", what, duid,
			     dgid);
		expect_mode(a->w.s, n, 0, fwant, "%s mknod: mode %04o", what, fwant);
		snprintf(n, sizeof(n), "%s-dir", a->tag);
		expect_owner(a->w.s, n, 0, duid, dgid, "%s mkdir: disk owner %ld:%ld", what, duid,
			     dgid);
		expect_mode(a->w.s, n, 0, dwant, "%s mkdir: mode %04o", what, dwant);
		expect_owner(a->w.m, n, 0, a->uid, HG(dgid), "%s mkdir: owner through the mount",
			     what);
	}
	snprintf(n, sizeof(n), "%s-tmp", a->tag);
	if (faccessat(a->w.s, n, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return; /* reported (or skipped) by the child */
	expect_owner(a->w.s, n, 0, duid, dgid, "%s O_TMPFILE: disk owner %ld:%ld", what, duid,
		     dgid);
	expect_mode(a->w.s, n, 0, fwant, "%s O_TMPFILE: mode %04o", what, fwant);
}

static void sg_run(struct sg *a, const char *what, mode_t fwant, mode_t dwant, long dgid)
{
	if (sub(c_setgid_create, a) == 0)
		sg_check(a, what, fwant, dwant, dgid);
}

struct chmod_arg {
	struct wd *w;
	const char *name;
	int ngroups;
	gid_t group;
};

static void c_setgid_chmod(void *arg)
{
	struct chmod_arg *a = arg;
	become(HU(2000), HG(2000), a->ngroups, &a->group, 0);
	expect_ok(fchmodat(a->w->m, a->name, 02755, 0), "owner chmods %s to 02755", a->name);
}

static void case_setgid(void)
{
	struct wd w = workdir("c09", 0, 1000, 02777);
	struct sg a = {.w = w, .uid = HU(2000), .gid = HG(2000), .fmode = 02755, .dmode = 0755};

	a.tag = "member", a.ngroups = 1, a.groups[0] = HG(1000), a.caps = 0;
	sg_run(&a, "member", 02755, 02755, 1000);
	a.tag = "fsgid", a.gid = HG(1000), a.ngroups = 0;
	sg_run(&a, "caller gid is the directory's", 02755, 02755, 1000);
	a.tag = "nonmember", a.gid = HG(2000), a.ngroups = 0;
	sg_run(&a, "non-member", 0755, 02755, 1000);
	a.tag = "fsetid", a.caps = CAP(CAP_FSETID);
	sg_run(&a, "non-member with CAP_FSETID", 02755, 02755, 1000);
	if (HG(1000) != 1000) {
		a.tag = "raw", a.caps = 0, a.ngroups = 1, a.groups[0] = 1000;
		sg_run(&a, "member of raw disk gid 1000 only", 0755, 02755, 1000);
	}

	/* chmod g+s by the owner keeps S_ISGID only for a member of the
	 * file's group, judged on the mapped gid. */
	struct chmod_arg c = {.w = &w};
	src_file(w.s, "chmod-nonmember", 2000, 1000, 0755);
	src_file(w.s, "chmod-member", 2000, 1000, 0755);
	src_file(w.s, "chmod-raw", 2000, 1000, 0755);
	c.name = "chmod-nonmember";
	sub(c_setgid_chmod, &c);
	expect_mode(w.s, c.name, 0, 0755, "chmod g+s by a non-member drops S_ISGID");
	c.name = "chmod-member", c.ngroups = 1, c.group = HG(1000);
	sub(c_setgid_chmod, &c);
	expect_mode(w.s, c.name, 0, 02755, "chmod g+s by a member keeps S_ISGID");
	if (HG(1000) != 1000) {
		c.name = "chmod-raw", c.group = 1000;
		sub(c_setgid_chmod, &c);
		expect_mode(w.s, c.name, 0, 0755,
			    "chmod g+s by a member of raw disk gid 1000 only drops S_ISGID");
	}
}

static void case_setgid_umask_acl(void)
{
	struct wd w = workdir("c10", 0, 1000, 02777);
	struct sg a = {.w = w, .uid = HU(2000), .gid = HG(2000), .dmode = 0777};
	struct acl_ent dacl[] = {
		{T_USER_OBJ, 7, ACL_UNDEF}, {T_USER, 7, 1500},	     {T_GROUP_OBJ, 7, ACL_UNDEF},
		{T_MASK, 7, ACL_UNDEF},	    {T_OTHER, 5, ACL_UNDEF},
	};
	int acl_dir;
	long id;

	a.umask = 022, a.fmode = 02777;
	a.tag = "u022-member", a.ngroups = 1, a.groups[0] = HG(1000);
	sg_run(&a, "umask 022, member", 02755, 02755, 1000);
	a.tag = "u022-nonmember", a.ngroups = 0;
	sg_run(&a, "umask 022, non-member", 0755, 02755, 1000);
	a.tag = "u077-nonmember", a.umask = 077;
	sg_run(&a, "umask 077, non-member", 0700, 02700, 1000);
	a.tag = "nogx-nonmember", a.umask = 022, a.fmode = 02644;
	sg_run(&a, "umask 022, non-member, setgid without group-exec is kept", 02644, 02755, 1000);

	src_mkdir(w.s, "acl", 0, 1000, 02777);
	if (acl_set(w.s, "acl", ACL_DEFAULT, dacl, 5) < 0) {
		skipc("default ACLs not supported on %s: %s", g_fs, strerror(errno));
		return;
	}
	a.w.s = open_dir(w.s, "acl");
	a.w.m = open_dir(w.m, "acl");
	acl_dir = a.w.m;
	a.umask = 077, a.fmode = 02777;
	a.tag = "acl-nonmember", a.ngroups = 0;
	sg_run(&a, "default ACL o::r-x, umask 077 ignored, non-member", 0775, 02775, 1000);
	a.tag = "acl-member", a.ngroups = 1, a.groups[0] = HG(1000);
	sg_run(&a, "default ACL o::r-x, umask 077 ignored, member", 02775, 02775, 1000);
	id = acl_get_id(a.w.s, "acl-member-open", ACL_ACCESS, T_USER, NULL);
	check(id == 1500, "the new file inherited the ACL user 1500 on disk (got %ld)", id);
	id = acl_get_id(acl_dir, "acl-member-open", ACL_ACCESS, T_USER, NULL);
	check(id == HU(1500), "and it reads %u through the mount (got %ld)", HU(1500), id);
	id = acl_get_id(acl_dir, "acl-member-dir", ACL_DEFAULT, T_USER, NULL);
	check(id == HU(1500), "the new directory's default ACL reads %u (got %ld)", HU(1500), id);
}

/* 20 */
static void c_tmpfile_unmapped(void *arg)
{
	struct wd *w = arg;
	int fd;

	as_fsids(g_unm_u, g_unm_g, true);
	fd = openat(w->m, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
	if (fd < 0 && tmpfile_unsupported(errno)) {
		skipc("O_TMPFILE unsupported on this mount (%s)", strerror(errno));
		return;
	}
	expect_errno(fd, EOVERFLOW, "O_TMPFILE with an unmapped fsuid is EOVERFLOW");
	if (fd >= 0)
		close(fd);
}

static void case_tmpfile(void)
{
	struct wd w = workdir("c20", 0, 1000, 02777);
	struct sg a = {.w = w, .uid = HU(2000), .gid = HG(2000), .only_tmpfile = true};
	struct acl_ent dacl[] = {
		{T_USER_OBJ, 7, ACL_UNDEF}, {T_USER, 6, 1600},	     {T_GROUP_OBJ, 5, ACL_UNDEF},
		{T_MASK, 7, ACL_UNDEF},	    {T_OTHER, 4, ACL_UNDEF},
	};
	long id;
	int probe = openat(w.m, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (probe < 0 && tmpfile_unsupported(errno)) {
		skipc("O_TMPFILE unsupported on this mount (%s)", strerror(errno));
		return;
	}
	if (probe >= 0)
		close(probe);

	a.fmode = 02755, a.umask = 0;
	a.tag = "t-member", a.ngroups = 1, a.groups[0] = HG(1000);
	sg_run(&a, "member", 02755, 0, 1000);
	a.tag = "t-nonmember", a.ngroups = 0;
	sg_run(&a, "non-member", 0755, 0, 1000);
	a.tag = "t-fsetid", a.caps = CAP(CAP_FSETID);
	sg_run(&a, "non-member with CAP_FSETID", 02755, 0, 1000);
	a.tag = "t-umask", a.caps = 0, a.umask = 027, a.fmode = 0777;
	sg_run(&a, "umask 027", 0750, 0, 1000);

	src_mkdir(w.s, "acl", 0, 1000, 02777);
	if (acl_set(w.s, "acl", ACL_DEFAULT, dacl, 5) < 0) {
		skipc("default ACLs not supported on %s: %s", g_fs, strerror(errno));
	} else {
		a.w.s = open_dir(w.s, "acl");
		a.w.m = open_dir(w.m, "acl");
		a.tag = "t-acl", a.umask = 077, a.fmode = 0777;
		sg_run(&a, "default ACL, umask 077 ignored", 0774, 0, 1000);
		id = acl_get_id(a.w.m, "t-acl-tmp", ACL_ACCESS, T_USER, NULL);
		check(id == HU(1600), "the linked O_TMPFILE inherited ACL user %u (got %ld)",
		      HU(1600), id);
	}
	sub(c_tmpfile_unmapped, &w);
}

/* 11 */
static int truncate_at(int dfd, const char *name, off_t len)
{
	char p[4096];
	snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", dfd, name);
	return truncate(p, len);
}

static void c_setattr_owner(void *arg)
{
	struct wd *w = arg;
	struct timespec ts[2] = {{1000000000, 0}, {1200000000, 0}};
	int fd;

	become(HU(2000), HG(2000), 0, NULL, 0);
	fd = openat(w->m, "f", O_RDWR | O_CLOEXEC);
	if (!expect_ok(fd, "owner (host %u) opens its file", HU(2000)))
		return;
	expect_ok(ftruncate(fd, 10), "owner: ftruncate to 10");
	close(fd);
	expect_owner(w->m, "f", 0, HU(2000), HG(2000), "owner unchanged after ftruncate");
	expect_ok(truncate_at(w->m, "f", 4096), "owner: truncate(path) to 4096");
	expect_ok(fchmodat(w->m, "f", 0640, 0), "owner: chmod 0640");
	expect_ok(utimensat(w->m, "f", ts, 0), "owner: utimensat");
	struct timespec omit[2] = {{1100000000, 0}, {0, UTIME_OMIT}};
	expect_ok(utimensat(w->m, "f", omit, 0), "owner: utimensat atime only (mtime UTIME_OMIT)");
	expect_ok(fchownat(w->m, "f", HU(2000), HG(2000), 0), "owner: chown to itself");
	expect_errno(fchmodat(w->m, "other", 0600, 0), EPERM, "owner may not chmod another's file");
	expect_errno(utimensat(w->m, "other", ts, 0), EPERM, "nor set its times explicitly");
}

static void c_setattr_writer(void *arg)
{
	struct wd *w = arg;
	int fd;

	become(HU(2100), HG(2100), 0, NULL, 0);
	expect_ok(truncate_at(w->m, "g", 7), "non-owner with write permission truncates");
	expect_ok(utimensat(w->m, "g", NULL, 0), "and may set its times to now");
	expect_ok(truncate_at(w->m, "suid", 3), "non-owner truncates a setuid file");
	fd = openat(w->m, "suid2", O_WRONLY | O_CLOEXEC);
	if (expect_ok(fd, "non-owner opens a setuid file for writing")) {
		expect_ok((int)write(fd, "x", 1), "and writes to it");
		close(fd);
	}
}

static void c_truncate_unmapped(void *arg)
{
	struct wd *w = arg;
	as_fsids(g_unm_u, g_unm_g, true);
	expect_ok(truncate_at(w->m, "h", 5), "privileged caller with unmapped fsuid may truncate");
}

static void case_setattr(void)
{
	struct wd w = workdir("c11", 0, 0, 0755);
	struct stat st;

	src_file(w.s, "f", 2000, 2000, 0666);
	src_file(w.s, "other", 3000, 3000, 0666);
	src_file(w.s, "g", 2000, 2000, 0666);
	src_file(w.s, "h", 2000, 2000, 0666);
	src_file(w.s, "suid", 2000, 2000, 06777);
	src_file(w.s, "suid2", 2000, 2000, 06777);
	src_file(w.s, "chown-suid", 2000, 2000, 06755);
	src_file(w.s, "unmapped", (uid_t)g_dunm, (gid_t)g_dunm, 0666);
	src_mkdir(w.s, "chown-dir", 2000, 2000, 02755);
	if (truncate_at(w.s, "g", 100) < 0 || truncate_at(w.s, "suid", 100) < 0)
		fatal("truncate on the source");

	sub(c_setattr_owner, &w);
	if (fstatat(w.s, "f", &st, 0) == 0) {
		check(st.st_size == 4096, "size on disk is 4096 (got %lld)", (long long)st.st_size);
		check(st.st_mtime == 1200000000, "mtime on disk is the one set (got %lld)",
		      (long long)st.st_mtime);
		check(st.st_atime == 1100000000, "atime on disk is the one set last (got %lld)",
		      (long long)st.st_atime);
	}
	expect_owner(w.s, "f", 0, 2000, 2000, "disk owner stays 2000:2000 after the setattrs");
	expect_mode(w.s, "f", 0, 0640, "mode 0640 on disk");
	expect_mode(w.s, "other", 0, 0666, "the refused chmod left the mode alone");

	sub(c_setattr_writer, &w);
	if (fstatat(w.s, "g", &st, 0) == 0)
		check(st.st_size == 7, "size on disk is 7 (got %lld)", (long long)st.st_size);
	expect_owner(w.s, "g", 0, 2000, 2000, "a non-owner's truncate keeps the owner");
	expect_mode(w.s, "suid", 0, 0777, "truncate by a non-owner cleared setuid and setgid");
	expect_owner(w.s, "suid", 0, 2000, 2000, "and kept the owner");
	expect_mode(w.s, "suid2", 0, 0777, "a write by a non-owner cleared setuid and setgid");

	expect_ok(fchownat(w.m, "chown-suid", HU(2100), HG(2100), 0),
		  "root chowns a setuid/setgid file through the mount");
	expect_mode(w.s, "chown-suid", 0, 0755, "the chown cleared setuid and setgid");
	expect_owner(w.s, "chown-suid", 0, 2100, 2100, "and landed as disk 2100:2100");
	expect_ok(fchownat(w.m, "chown-dir", HU(2100), HG(2100), 0), "root chowns a setgid dir");
	expect_mode(w.s, "chown-dir", 0, 02755, "a directory keeps its setgid bit");

	expect_errno(truncate_at(w.m, "unmapped", 0), EACCES,
		     "root may not truncate a file whose disk owner is unmapped");
	sub(c_truncate_unmapped, &w);
	if (fstatat(w.s, "h", &st, 0) == 0)
		check(st.st_size == 5, "size on disk is 5 (got %lld)", (long long)st.st_size);
	expect_owner(w.s, "h", 0, 2000, 2000, "owner unchanged");
}

/* 12 */
struct as_user {
	struct wd *w;
	uid_t uid;
	gid_t gid;
	void (*fn)(struct wd *w, uid_t uid);
};

static void c_as_user(void *arg)
{
	struct as_user *a = arg;
	become(a->uid, a->gid, 0, NULL, 0);
	a->fn(a->w, a->uid);
}

static void run_as(struct wd *w, uid_t uid, gid_t gid, void (*fn)(struct wd *, uid_t))
{
	struct as_user a = {w, uid, gid, fn};
	sub(c_as_user, &a);
}

static void sticky_stranger(struct wd *w, uid_t uid)
{
	expect_errno(unlinkat(w->m, "f2000", 0), EPERM,
		     "host %u may not unlink another's file in a sticky directory", uid);
	expect_errno(renameat(w->m, "f2000", w->m, "x"), EPERM, "nor rename it (host %u)", uid);
	expect_errno(renameat(w->m, "f3000", w->m, "f2000c"), EPERM,
		     "nor rename its own file over another's (host %u)", uid);
}

static void sticky_raw(struct wd *w, uid_t uid)
{
	expect_errno(unlinkat(w->m, "f2000", 0), EPERM,
		     "host uid %u (the raw disk owner) is not the owner", uid);
}

static void sticky_owner(struct wd *w, uid_t uid)
{
	expect_ok(renameat(w->m, "f2000b", w->m, "renamed"), "the file's owner (host %u) renames",
		  uid);
	expect_ok(unlinkat(w->m, "f2000", 0), "the file's owner (host %u) unlinks", uid);
}

static void sticky_dirowner(struct wd *w, uid_t uid)
{
	expect_ok(unlinkat(w->m, "f3000", 0), "the directory's owner (host %u) unlinks", uid);
}

static void sticky_unmapped_dir(struct wd *w, uid_t uid)
{
	expect_errno(unlinkat(w->m, "unmapped-sticky/f", 0), EACCES,
		     "host %u may not unlink in a sticky directory whose owner is unmapped", uid);
}

static void case_sticky(void)
{
	struct wd w = workdir("c12", 1000, 1000, 01777);

	src_file(w.s, "f2000", 2000, 2000, 0666);
	src_file(w.s, "f2000b", 2000, 2000, 0666);
	src_file(w.s, "f2000c", 2000, 2000, 0666);
	src_file(w.s, "f3000", 3000, 3000, 0666);
	run_as(&w, HU(3000), HG(3000), sticky_stranger);
	if (h2d(g_map.u, g_map.nu, 2000) != 2000)
		run_as(&w, 2000, 2000, sticky_raw);
	expect_owner(w.s, "f2000", 0, 2000, 2000, "the refused operations left the file");
	run_as(&w, HU(2000), HG(2000), sticky_owner);
	expect_absent(w.s, "f2000", "the owner's unlink removed it from disk");
	expect_owner(w.s, "renamed", 0, 2000, 2000, "the renamed file keeps disk owner 2000");
	run_as(&w, HU(1000), HG(1000), sticky_dirowner);
	expect_absent(w.s, "f3000", "the directory owner's unlink removed it");

	/* The overflow id that such a directory shows is nobody's. */
	src_mkdir(w.s, "unmapped-sticky", (uid_t)g_dunm, (gid_t)g_dunm, 01777);
	src_file(w.s, "unmapped-sticky/f", 2000, 2000, 0666);
	run_as(&w, g_ovu, g_ovg, sticky_unmapped_dir);
	run_as(&w, HU(2000), HG(2000), sticky_unmapped_dir);
	expect_owner(w.s, "unmapped-sticky/f", 0, 2000, 2000, "the file is still there");
}

/* 13 */
static int open_rd(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	int e = errno;
	if (fd >= 0)
		close(fd);
	errno = e;
	return fd < 0 ? -1 : 0;
}

static void symlinks_owner(struct wd *w, uid_t uid)
{
	expect_ok(open_rd(w->m, "l2000"), "the symlink's owner (host %u) may follow it", uid);
}

static void symlinks_stranger(struct wd *w, uid_t uid)
{
	expect_errno(open_rd(w->m, "l2000"), EACCES,
		     "host %u may not follow another's symlink in a sticky world-writable dir",
		     uid);
	expect_ok(open_rd(w->m, "l1000"), "but may follow one owned by the directory's owner");
	expect_ok(open_rd(w->m, "t"), "the target itself is readable");
}

static void symlinks_overflow(struct wd *w, uid_t uid)
{
	expect_errno(open_rd(w->m, "lunm"), EACCES,
		     "host %u may not follow a symlink whose disk owner is unmapped", uid);
}

static void symlinks_raw(struct wd *w, uid_t uid)
{
	expect_errno(open_rd(w->m, "l2000"), EACCES,
		     "host uid %u (the raw disk owner of the link) may not follow it", uid);
}

static void case_protected_symlinks(void)
{
	struct wd w = workdir("c13", 1000, 1000, 01777);
	long v = read_long("/proc/sys/fs/protected_symlinks");

	if (v != 1) {
		skipc("fs.protected_symlinks is %ld, not 1", v);
		return;
	}
	src_file(w.s, "t", 1000, 1000, 0644);
	src_symlink(w.s, "l2000", "t", 2000, 2000);
	src_symlink(w.s, "l1000", "t", 1000, 1000);
	src_symlink(w.s, "lunm", "t", (uid_t)g_dunm, (gid_t)g_dunm);
	run_as(&w, HU(2000), HG(2000), symlinks_owner);
	run_as(&w, HU(3000), HG(3000), symlinks_stranger);
	if (h2d(g_map.u, g_map.nu, 2000) != 2000)
		run_as(&w, 2000, 2000, symlinks_raw);
	run_as(&w, g_ovu, g_ovg, symlinks_overflow);
}

/* 14 */
static void links_owner(struct wd *w, uid_t uid)
{
	expect_ok(linkat(w->m, "f", w->m, "h1", 0), "the owner (host %u) makes a hard link", uid);
	expect_ok(fchmodat(w->m, "h1", 0604, 0), "chmod through the new name");
	expect_mode(w->m, "f", 0, 0604, "the old name shows the new mode at once");
	expect_ok(fchownat(w->m, "f", (uid_t)-1, HG(2000), 0), "chgrp through the old name");
	expect_owner(w->m, "h1", 0, HU(2000), HG(2000), "the new name shows it at once");
}

static void links_stranger(struct wd *w, uid_t uid)
{
	long v = read_long("/proc/sys/fs/protected_hardlinks");
	if (v == 1)
		expect_errno(linkat(w->m, "f", w->m, "h-stranger", 0), EPERM,
			     "protected_hardlinks: host %u may not link another's file", uid);
	else
		skipc("fs.protected_hardlinks is %ld, not 1", v);
}

static void c_link_unmapped(void *arg)
{
	struct wd *w = arg;
	as_fsids(g_unm_u, g_unm_g, true);
	expect_errno(linkat(w->m, "f", w->m, "h-unmapped", 0), EOVERFLOW,
		     "a hard link by an unmapped fsuid is EOVERFLOW");
}

static void c_link_root(void *arg)
{
	struct wd *w = arg;
	as_fsids(HU(0), HG(0), true);
	expect_ok(linkat(w->m, "f", w->m, "h-root", 0), "root with mapped fsuid links a file");
	expect_errno(linkat(w->m, "unmapped", w->m, "h-unmapped-src", 0), EOVERFLOW,
		     "but not one whose disk owner is unmapped (EOVERFLOW)");
}

static void case_hardlinks(void)
{
	struct wd w = workdir("c14", 0, 0, 0777);
	struct stat st;
	int m2;

	src_file(w.s, "f", 2000, 2001, 0644);
	src_file(w.s, "unmapped", (uid_t)g_dunm, (gid_t)g_dunm, 0644);
	run_as(&w, HU(2000), HG(2000), links_owner);
	if (fstatat(w.s, "h1", &st, 0) == 0) {
		check(st.st_nlink == 2, "on disk the file has 2 links (got %lu)",
		      (unsigned long)st.st_nlink);
		check(st.st_uid == 2000 && st.st_gid == 2000, "the link keeps disk owner 2000");
	} else {
		check(false, "the hard link exists on disk");
	}
	if (fstatat(w.m, "h1", &st, 0) == 0)
		check(st.st_nlink == 2, "through the mount nlink is 2 (got %lu)",
		      (unsigned long)st.st_nlink);
	run_as(&w, HU(3000), HG(3000), links_stranger);
	expect_ok(unlinkat(w.m, "h1", 0), "unlink one name through the mount");
	if (fstatat(w.m, "f", &st, 0) == 0)
		check(st.st_nlink == 1, "the other name shows nlink 1 at once (got %lu)",
		      (unsigned long)st.st_nlink);
	sub(c_link_unmapped, &w);
	sub(c_link_root, &w);
	expect_errno(linkat(w.m, "f", w.s, "h-src", 0), EXDEV,
		     "link from the shifted mount into the source is EXDEV");
	expect_errno(linkat(w.s, "f", w.m, "h-src2", 0), EXDEV,
		     "link from the source into the shifted mount is EXDEV");
	if (g_mnt2_fd >= 0) {
		m2 = open_dir(g_mnt2_fd, "c14");
		expect_errno(linkat(w.m, "f", m2, "h-m2", 0), EXDEV,
			     "link between two shifted mounts of one tree is EXDEV");
		close(m2);
	}
	expect_absent(w.s, "h-unmapped", "no link was made by the unmapped caller");
}

/* 15 */
static void c_rename_root(void *arg)
{
	struct wd *w = arg;
	int m2;

	as_fsids(HU(0), HG(0), true);
	expect_ok(renameat2(w->m, "a", w->m, "a2", 0), "rename within the mount");
	expect_errno(renameat2(w->m, "a2", w->m, "b", RENAME_NOREPLACE), EEXIST,
		     "RENAME_NOREPLACE onto an existing name is EEXIST");
	expect_ok(renameat2(w->m, "a2", w->m, "c", RENAME_NOREPLACE),
		  "RENAME_NOREPLACE onto a new name works");
	expect_ok(renameat2(w->m, "c", w->m, "b", RENAME_EXCHANGE), "RENAME_EXCHANGE swaps");
	expect_errno(renameat2(w->m, "b", w->m, "nonexistent", RENAME_EXCHANGE), ENOENT,
		     "RENAME_EXCHANGE with a missing name is ENOENT");
	expect_ok(renameat2(w->m, "d", w->m, "d2", 0), "rename of a directory");
	expect_ok(renameat2(w->m, "d2/inner", w->m, "p/q", RENAME_EXCHANGE),
		  "RENAME_EXCHANGE of a file and a directory in different parents");
	expect_errno(renameat2(w->m, "d2", w->m, "d2/x/y", 0), EINVAL,
		     "rename of a directory into itself is EINVAL");
	/* POSIX allows either errno here; xfs says EEXIST. */
	int r = renameat2(w->m, "p", w->m, "d2", 0), e = errno;
	check(r < 0 && (e == ENOTEMPTY || e == EEXIST),
	      "rename over a non-empty directory is ENOTEMPTY (or EEXIST)");
	if (!(r < 0 && (e == ENOTEMPTY || e == EEXIST)))
		note("  got %s", outcome(r, e));
	expect_errno(renameat(w->m, "b", w->s, "x"), EXDEV, "rename into the source is EXDEV");
	if (g_mnt2_fd >= 0) {
		m2 = open_dir(g_mnt2_fd, "c15");
		expect_errno(renameat(w->m, "b", m2, "x"), EXDEV,
			     "rename between two shifted mounts of one tree is EXDEV");
		close(m2);
	}
	expect_errno(renameat(w->m, "unmapped", w->m, "x"), EOVERFLOW,
		     "rename of a file whose disk owner is unmapped is EOVERFLOW");
	expect_errno(unlinkat(w->m, "unmapped", 0), EOVERFLOW, "so is its unlink");
}

static void c_rename_unmapped(void *arg)
{
	struct wd *w = arg;
	as_fsids(g_unm_u, g_unm_g, true);
	expect_errno(renameat2(w->m, "e", w->m, "e-new", 0), EOVERFLOW,
		     "unmapped fsuid: rename to a new name is EOVERFLOW");
	expect_errno(renameat2(w->m, "e", w->m, "e-new", RENAME_NOREPLACE), EOVERFLOW,
		     "unmapped fsuid: RENAME_NOREPLACE to a new name is EOVERFLOW");
	expect_ok(renameat2(w->m, "e", w->m, "f", RENAME_EXCHANGE),
		  "unmapped fsuid: RENAME_EXCHANGE of two existing names works");
	expect_ok(renameat2(w->m, "e", w->m, "f", 0),
		  "unmapped fsuid: rename over an existing name works");
}

static void case_rename(void)
{
	struct wd w = workdir("c15", 0, 0, 0777);

	src_file(w.s, "a", 2000, 2000, 0644);
	src_file(w.s, "b", 3000, 3000, 0644);
	src_mkdir(w.s, "d", 2000, 2000, 0755);
	src_mkdir(w.s, "d/inner", 2100, 2100, 0755);
	src_mkdir(w.s, "d/x", 2000, 2000, 0755);
	src_mkdir(w.s, "p", 2200, 2200, 0755);
	src_file(w.s, "p/q", 2300, 2300, 0644);
	src_file(w.s, "e", 2500, 2500, 0644);
	src_file(w.s, "f", 2600, 2600, 0644);
	src_file(w.s, "unmapped", (uid_t)g_dunm, (gid_t)g_dunm, 0644);
	sub(c_rename_root, &w);
	expect_absent(w.s, "a", "the old name is gone on disk");
	expect_owner(w.s, "b", 0, 2000, 2000, "after the exchange \"b\" is the 2000 file");
	expect_owner(w.s, "c", 0, 3000, 3000, "and \"c\" the 3000 file");
	expect_owner(w.s, "d2", 0, 2000, 2000, "the renamed directory keeps its owner");
	expect_owner(w.s, "d2/inner", 0, 2300, 2300, "after the exchange d2/inner is the file");
	expect_owner(w.s, "p/q", 0, 2100, 2100, "and p/q the directory");
	expect_owner(w.m, "p/q", 0, HU(2100), HG(2100), "which reads mapped through the mount");
	expect_owner(w.s, "unmapped", 0, (long)g_dunm, (long)g_dunm, "the unmapped file stays");
	sub(c_rename_unmapped, &w);
	expect_absent(w.s, "e-new", "no new name was made by the unmapped caller");
	expect_owner(w.s, "f", 0, 2600, 2600, "after exchange and rename \"f\" is the 2600 file");
}

/* 16 */
static void c_symlink_create(void *arg)
{
	struct wd *w = arg;
	char buf[64];
	ssize_t n;

	become(HU(2000), HG(2100), 0, NULL, 0);
	expect_ok(symlinkat("t", w->m, "l"), "host %u:%u makes a symlink", HU(2000), HG(2100));
	expect_owner(w->m, "l", AT_SYMLINK_NOFOLLOW, HU(2000), HG(2100),
		     "it reads back with the caller's ids");
	n = readlinkat(w->m, "l", buf, sizeof(buf) - 1);
	check(n == 1 && buf[0] == 't', "readlink through the mount gives the target");
	expect_ok(fchownat(w->m, "l", (uid_t)-1, HG(2100), AT_SYMLINK_NOFOLLOW),
		  "the owner lchowns its symlink to its own group");
}

static void case_symlink_lchown(void)
{
	struct wd w = workdir("c16", 0, 0, 0777);

	src_file(w.s, "t", 0, 0, 0644);
	sub(c_symlink_create, &w);
	expect_owner(w.s, "l", AT_SYMLINK_NOFOLLOW, 2000, 2100, "on disk the symlink is 2000:2100");
	expect_ok(fchownat(w.m, "l", HU(3000), HG(3100), AT_SYMLINK_NOFOLLOW),
		  "root lchowns the symlink (AT_SYMLINK_NOFOLLOW) to %u:%u", HU(3000), HG(3100));
	expect_owner(w.s, "l", AT_SYMLINK_NOFOLLOW, 3000, 3100, "the symlink is 3000:3100 on disk");
	expect_owner(w.s, "t", 0, 0, 0, "its target is untouched");
	expect_ok(fchownat(w.m, "l", HU(1234), (gid_t)-1, 0), "chown following the symlink");
	expect_owner(w.s, "t", 0, 1234, 0, "changes the target on disk");
	expect_owner(w.s, "l", AT_SYMLINK_NOFOLLOW, 3000, 3100, "and not the symlink");
	expect_errno(fchownat(w.m, "l", g_unm_u, (gid_t)-1, AT_SYMLINK_NOFOLLOW), EOVERFLOW,
		     "lchown to an unmapped host uid is refused");
	expect_errno(fchownat(w.m, "l", (uid_t)-1, g_unm_g, AT_SYMLINK_NOFOLLOW), EOVERFLOW,
		     "lchown to an unmapped host gid is refused");
	expect_owner(w.s, "l", AT_SYMLINK_NOFOLLOW, 3000, 3100, "the symlink kept its owner");
}

/* 17 */
struct ring {
	int fd;
	unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int ring_init(struct ring *r)
{
	struct io_uring_params p;
	size_t sqsz, cqsz;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	r->fd = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (r->fd < 0)
		return -errno;
	sqsz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP)
		sqsz = cqsz = sqsz > cqsz ? sqsz : cqsz;
	sq = mmap(NULL, sqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		  IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		return -errno;
	cq = sq;
	if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
		cq = mmap(NULL, cqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
			  IORING_OFF_CQ_RING);
		if (cq == MAP_FAILED)
			return -errno;
	}
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		return -errno;
	r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned *)(sq + p.sq_off.array);
	r->cq_head = (unsigned *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* Submit one request and wait for it: its result (-errno on failure). */
static int ring_do(struct ring *r, uint8_t op, int dfd, const char *path, int flags, mode_t mode,
		   unsigned short personality)
{
	unsigned tail = *r->sq_tail, idx = tail & *r->sq_mask, head;
	struct io_uring_sqe *sqe = &r->sqes[idx];
	int res;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = dfd;
	sqe->addr = (uint64_t)(uintptr_t)path;
	sqe->len = mode;
	sqe->open_flags = (uint32_t)flags;
	sqe->personality = personality;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	head = __atomic_load_n(r->cq_head, __ATOMIC_ACQUIRE);
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

/* The openat's result: a closed fd's number (>= 0) or -errno. */
static int ring_openat(struct ring *r, int dfd, const char *path, int flags, mode_t mode,
		       unsigned short personality)
{
	int res = ring_do(r, IORING_OP_OPENAT, dfd, path, flags | O_CLOEXEC, mode, personality);
	if (res >= 0)
		close(res);
	return res;
}

static int ring_mkdirat(struct ring *r, int dfd, const char *path, mode_t mode,
			unsigned short personality)
{
	return ring_do(r, IORING_OP_MKDIRAT, dfd, path, 0, mode, personality);
}

/* Register the credentials of fsuid:fsgid (no capabilities) as a personality. */
static int personality_for(struct ring *r, uid_t uid, gid_t gid)
{
	int id;

	as_fsids(uid, gid, false);
	id = (int)syscall(__NR_io_uring_register, r->fd, IORING_REGISTER_PERSONALITY, NULL, 0);
	if (id < 0)
		fatal("IORING_REGISTER_PERSONALITY");
	as_fsids(0, 0, true);
	return id;
}

static void expect_res(int res, int want, const char *what)
{
	bool good = want == 0 ? res >= 0 : res == want;
	check(good, "%s", what);
	if (!good)
		note("  got %s, want %s", res >= 0 ? "success" : strerror(-res),
		     want == 0 ? "success" : strerror(-want));
}

static void case_io_uring(void)
{
	struct wd w = workdir("c17", 0, 0, 0777);
	long disabled = read_long("/proc/sys/kernel/io_uring_disabled");
	struct ring r;
	int pa, pb, pc, pd, res;

	if (disabled == 2) {
		skipc("io_uring is disabled (kernel.io_uring_disabled=2)");
		return;
	}
	res = ring_init(&r);
	if (res < 0) {
		skipc("io_uring_setup: %s", strerror(-res));
		return;
	}
	src_file(w.s, "secret", 2000, 2000, 0600);
	if (setgroups(0, NULL) < 0)
		fatal("setgroups");
	pa = personality_for(&r, HU(2000), HG(2000));
	pb = personality_for(&r, g_unm_u, HG(0));
	pc = personality_for(&r, HU(2000), g_unm_g);
	pd = personality_for(&r, HU(3000), HG(3000));

	expect_res(ring_openat(&r, w.m, "pa", O_CREAT | O_EXCL | O_RDWR, 0644, (unsigned short)pa),
		   0, "openat(O_CREAT) with the personality of host uid 2000+shift");
	expect_owner(w.s, "pa", 0, 2000, 2000, "its file is disk 2000:2000");
	expect_owner(w.m, "pa", 0, HU(2000), HG(2000), "and %u:%u through the mount", HU(2000),
		     HG(2000));
	expect_res(ring_mkdirat(&r, w.m, "pa-dir", 0755, (unsigned short)pa), 0,
		   "mkdirat with that personality");
	expect_owner(w.s, "pa-dir", 0, 2000, 2000, "its directory is disk 2000:2000");
	expect_res(ring_mkdirat(&r, w.m, "pb-dir", 0755, (unsigned short)pb), -EOVERFLOW,
		   "mkdirat with the unmapped personality: EOVERFLOW");
	expect_res(ring_openat(&r, w.m, "pb", O_CREAT | O_EXCL | O_RDWR, 0644, (unsigned short)pb),
		   -EOVERFLOW, "personality with an unmapped fsuid: EOVERFLOW");
	expect_res(ring_openat(&r, w.m, "pc", O_CREAT | O_EXCL | O_RDWR, 0644, (unsigned short)pc),
		   -EOVERFLOW, "personality with an unmapped fsgid: EOVERFLOW");
	expect_absent(w.s, "pb", "nothing created for the unmapped fsuid");
	expect_absent(w.s, "pc", "nothing created for the unmapped fsgid");
	expect_res(ring_openat(&r, w.m, "secret", O_RDONLY, 0, (unsigned short)pa), 0,
		   "the mapped owner opens its 0600 file");
	expect_res(ring_openat(&r, w.m, "secret", O_RDONLY, 0, (unsigned short)pd), -EACCES,
		   "another mapped user may not (EACCES)");
	if (h2d(g_map.u, g_map.nu, 0) < 0)
		expect_res(ring_openat(&r, w.m, "root", O_CREAT | O_EXCL | O_RDWR, 0644, 0),
			   -EOVERFLOW, "without a personality, root (unmapped) gets EOVERFLOW");
	close(r.fd);
}

/* 18 */
/* w->m is the case's directory through the circular mount. */
static void circ_create(struct wd *w, uid_t uid)
{
	int c = w->m;
	/* fa is disk 1000 = host 1001, fb disk 1001 = host 1000 */
	expect_ok(create_file(c, uid == 1000 ? "by1000" : "by1001", 0, 0644),
		  "host %u creates through the circular mount", uid);
	expect_errno(open_rd(c, uid == 1000 ? "fa" : "fb"), EACCES,
		     "host %u may not read the 0600 file that shows as owned by the other", uid);
	expect_ok(open_rd(c, uid == 1000 ? "fb" : "fa"),
		  "host %u may read the 0600 file that shows as its own", uid);
}

static void case_circular(void)
{
	struct wd w;
	long a, b;
	int c;

	if (g_circ_fd < 0) {
		skipc("no circular mount given");
		return;
	}
	/* The map must swap two ids: a <-> b. */
	a = (long)g_cmap.u[0].disk;
	b = d2h(g_cmap.u, g_cmap.nu, (unsigned long)a);
	if (g_cmap.nu < 2 || b < 0 || d2h(g_cmap.u, g_cmap.nu, (unsigned long)b) != a ||
	    a != 1000 || b != 1001) {
		skipc("--circ-map must be \"b:1000:1001:1 b:1001:1000:1\"");
		return;
	}
	src_mkdir(g_src_fd, "c18", 1000, 1000, 0777); /* a mapped owner: writable */
	w.s = open_dir(g_src_fd, "c18");
	w.m = c = open_dir(g_circ_fd, "c18");
	src_file(w.s, "f1000", 1000, 1000, 0644);
	src_file(w.s, "f1001", 1001, 1001, 0644);
	src_file(w.s, "g", 1000, 1001, 0644);
	src_file(w.s, "fa", 1000, 1000, 0600); /* shows as 1001 */
	src_file(w.s, "fb", 1001, 1001, 0600); /* shows as 1000 */

	expect_owner(c, "f1000", 0, 1001, 1001, "disk 1000 shows as host 1001");
	expect_owner(c, "f1001", 0, 1000, 1000, "disk 1001 shows as host 1000");
	expect_owner(c, "g", 0, 1001, 1000, "disk 1000:1001 shows as 1001:1000");
	expect_ok(fchownat(c, "f1000", 1000, 1000, 0), "chown to host 1000:1000");
	expect_owner(w.s, "f1000", 0, 1001, 1001, "lands on disk as 1001:1001");
	expect_owner(c, "f1000", 0, 1000, 1000, "reads back as 1000:1000");
	expect_ok(fchownat(c, "f1001", 1001, 1000, 0), "chown to host 1001:1000");
	expect_owner(w.s, "f1001", 0, 1000, 1001, "lands on disk as 1000:1001");
	expect_ok(fchownat(c, "g", 1001, 1001, 0), "chown to host 1001:1001");
	expect_owner(w.s, "g", 0, 1000, 1000, "lands on disk as 1000:1000");
	expect_errno(fchownat(c, "g", 1002, (gid_t)-1, 0), EOVERFLOW,
		     "chown to host 1002 (unmapped) is refused");
	run_as(&w, 1000, 1000, circ_create);
	run_as(&w, 1001, 1001, circ_create);
	expect_owner(w.s, "by1000", 0, 1001, 1001, "host 1000's new file is disk 1001:1001");
	expect_owner(w.s, "by1001", 0, 1000, 1000, "host 1001's new file is disk 1000:1000");
	close(c);
}

/* 19 */
static void nested_inner(void *arg)
{
	struct wd *w = arg;

	expect_owner(w->m, ".", 0, 0, 0, "inner namespace: its root directory (disk 1100) is 0:0");
	expect_owner(w->m, "fa", 0, g_ovu, g_ovg,
		     "inner namespace: disk 1000 (outer root, unmapped here) is overflow");
	expect_owner(w->m, "fb", 0, 50, 50, "inner namespace: disk 1150 is 50:50");
	expect_ok(create_file(w->m, "nb", 0, 0644), "inner root creates a file");
	expect_owner(w->m, "nb", 0, 0, 0, "it reads 0:0 inside");
	expect_ok(mkdirat(w->m, "nd", 0755), "inner root makes a directory");
	expect_ok(fchownat(w->m, "nb", 9, 9, 0), "inner root chowns to 9:9");
	expect_errno(fchownat(w->m, "nd", 200, (gid_t)-1, 0), EINVAL,
		     "chown to an id outside the inner namespace is EINVAL");
	expect_errno(fchownat(w->m, "fa", 0, 0, 0), EPERM,
		     "inner root may not chown a file whose owner it cannot map");
}

static void nested_inner_user(void *arg)
{
	struct wd *w = arg;
	expect_ok(create_file(w->m, "nb7", 0, 0644), "inner uid 7 creates a file");
	expect_owner(w->m, "nb7", 0, 7, 7, "it reads 7:7 inside");
}

static void nested_outer(void *arg)
{
	struct wd *w = arg;

	in_userns("0 100 100", "0 100 100", 0, 0, nested_inner, w);
	in_userns("0 100 100", "0 100 100", 7, 7, nested_inner_user, w);
	expect_owner(w->m, "nb", 0, 109, 109, "outer namespace sees the inner file as 109:109");
	expect_owner(w->m, "nd", 0, 100, 100, "and the inner directory as 100:100");
	expect_owner(w->m, "fa", 0, 0, 0, "outer namespace sees disk 1000 as its root");
}

static void case_nested_userns(void)
{
	struct wd w = workdir("c19", 1100, 1100, 0755);
	char um[64], gm[64];

	src_file(w.s, "fa", 1000, 1000, 0644);
	src_file(w.s, "fb", 1150, 1150, 0644);
	snprintf(um, sizeof(um), "0 %u 2000", HU(1000));
	snprintf(gm, sizeof(gm), "0 %u 2000", HG(1000));
	in_userns(um, gm, 0, 0, nested_outer, &w);
	expect_owner(w.s, "nb", 0, 1109, 1109, "on disk the inner root's chowned file is 1109");
	expect_owner(w.s, "nd", 0, 1100, 1100, "on disk the inner root's directory is 1100");
	expect_owner(w.s, "nb7", 0, 1107, 1107, "on disk inner uid 7's file is 1107");
	expect_owner(w.m, "nd", 0, HU(1100), HG(1100), "the host sees %u:%u", HU(1100), HG(1100));
}

/* ---------------------------------------------------------------- table */

const struct tcase cases[] = {
	{1, "mapped ownership", case_ownership},
	{2, "create with unmapped ids", case_create_unmapped},
	{3, "chown/chgrp", case_chown},
	{4, "create in a user namespace", case_userns_create, true},
	{5, "device nodes from a user namespace", case_mknod_userns, true},
	{6, "POSIX ACLs", case_acl},
	{7, "file capabilities", case_fscaps},
	{8, "setuid/setgid exec", case_setuid},
	{9, "setgid inheritance", case_setgid},
	{10, "setgid under umask and default ACL", case_setgid_umask_acl},
	{11, "truncate/setattr", case_setattr},
	{12, "sticky directories", case_sticky},
	{13, "protected symlinks", case_protected_symlinks},
	{14, "hard links", case_hardlinks},
	{15, "rename", case_rename},
	{16, "symlinks and lchown", case_symlink_lchown},
	{17, "io_uring personalities", case_io_uring},
	{18, "circular map", case_circular},
	{19, "nested user namespaces", case_nested_userns, true},
	{20, "O_TMPFILE and linkat", case_tmpfile},
};
const size_t n_cases = sizeof(cases) / sizeof(cases[0]);
