/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libshiftmount's namespace and mount primitives against the real kernel:
 * user namespaces made from maps read back the same, helpers are reaped and
 * no fd leaks, a detached shifted clone stores the shifted ids on disk, and
 * failures leave nothing mounted.  Needs init-namespace root.
 */
#include <fcntl.h>
#include <dirent.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shiftmount.h"
#include "util.h"
#include "../lib/tap.h"

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int no_children(void)
{
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static char *read_text(const char *path)
{
	char *t = NULL;
	if (sm_read_file_at(AT_FDCWD, path, 1 << 20, &t, NULL) < 0)
		return NULL;
	return t;
}

static int mounted_at(const char *dir)
{
	_cleanup_free_ char *mi = read_text("/proc/self/mountinfo");
	char needle[PATH_MAX + 3];
	snprintf(needle, sizeof(needle), " %s ", dir);
	return mi && strstr(mi, needle) != NULL;
}

static void test_userns(void)
{
	struct sm_idmap u, g, ru, rg;
	struct sm_error err;
	int fd = -1, base = count_fds();

	sm_idmap_init(&u);
	sm_idmap_init(&g);
	sm_idmap_parse_spec("u:100000:200000:65536 u:0:500000:1 g:100000:300000:1000", &u, &g,
			    &err);
	is_int(sm_userns_from_maps(&u, &g, &fd), 0, "userns from a two-extent uid map");
	ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "namespace fd is O_CLOEXEC");
	is_int(sm_userns_is_initial(fd), 0, "a new namespace is not the initial one");
	is_int(sm_userns_read_maps(fd, &ru, &rg), 0, "maps read back");
	char a[256], b[256];
	sm_idmap_format_spec(&ru, &rg, a, sizeof(a));
	sm_idmap_format_spec(&u, &g, b, sizeof(b));
	is_str(a, b, "read-back maps equal what was written");
	close(fd);
	ok(no_children(), "helper children reaped");
	is_int(count_fds(), base, "no fd left over");

	/* main() checked that we run in the initial user namespace. */
	_cleanup_close_ int init = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	is_int(sm_userns_is_initial(init), 1, "the initial namespace is recognised");
	is_int(sm_userns_read_maps(init, &ru, &rg), -EINVAL, "reading the initial ns: EINVAL");
	_cleanup_close_ int mntns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	is_int(sm_userns_is_initial(mntns), -ENOTTY, "a mount ns is not a user ns");

	/* Invalid maps: refused before any process is made. */
	struct sm_idmap bad;
	sm_idmap_init(&bad);
	sm_idmap_add(&bad, 0, 1000, 10);
	sm_idmap_add(&bad, 5, 2000, 10);
	fd = -1;
	is_int(sm_userns_from_maps(&bad, &bad, &fd), -EINVAL, "overlapping map refused");
	is_int(fd, -1, "ret_fd untouched on failure");
	ok(no_children(), "no helper left after a refused map");
	is_int(count_fds(), base + 2, "no fd left after a refused map");

	/* Targets. */
	char self[32];
	snprintf(self, sizeof(self), "%d", getpid());
	is_int(sm_userns_open_target(self, &fd), 0, "target by pid");
	is_int(sm_userns_is_initial(fd), 1, "our own namespace is the initial one");
	close(fd);
	is_int(sm_userns_open_target("/proc/self/ns/user", &fd), 0, "target by ns file");
	close(fd);
	is_int(sm_userns_open_target("/proc/self/ns/mnt", &fd), -ENOTTY, "mnt ns: ENOTTY");
	is_int(sm_userns_open_target("/etc/hostname", &fd), -ENOTTY, "plain file: ENOTTY");
	is_int(sm_userns_open_target("abc", &fd), -EINVAL, "not a pid nor a path: EINVAL");
	is_int(sm_userns_open_target("0", &fd), -EINVAL, "pid 0: EINVAL");
	is_int(sm_userns_open_target("999999999", &fd), -ESRCH, "missing pid: ESRCH");
	is_int(sm_userns_open_target("/nonexistent/ns", &fd), -ENOENT, "missing file: ENOENT");
	is_int(count_fds(), base + 2, "no fd left after target lookups");
}

static void test_options(void)
{
	unsigned f = 0;
	const char *bad = NULL;
	is_int(sm_mount_parse_options("ro,nosuid,nodev,noexec", &f, &bad), 0, "all options");
	is_int(f, SM_MOUNT_RDONLY | SM_MOUNT_NOSUID | SM_MOUNT_NODEV | SM_MOUNT_NOEXEC,
	       "all flags set");
	is_int(sm_mount_parse_options("rw,exec", &f, &bad), 0, "clearing options");
	is_int(f, SM_MOUNT_NOSUID | SM_MOUNT_NODEV, "rw and exec cleared");
	unsigned before = f;
	is_int(sm_mount_parse_options("ro,bogus", &f, &bad), -EINVAL, "unknown option refused");
	is_str(bad, "bogus", "unknown option named");
	is_int(f, before, "flags untouched on failure");
	is_int(sm_mount_parse_options("ro,,nodev", &f, &bad), -EINVAL, "empty option refused");
	is_int(sm_mount_parse_options("", &f, &bad), 0, "empty string is no option");
}

static void test_mount(const char *tmp)
{
	char src[PATH_MAX], dst[PATH_MAX], file[PATH_MAX + 8];
	snprintf(src, sizeof(src), "%s/src", tmp);
	snprintf(dst, sizeof(dst), "%s/dst", tmp);
	mkdir(src, 0755);
	mkdir(dst, 0755);
	if (mount("tmpfs", src, "tmpfs", 0, "size=1m,mode=755") < 0) {
		skip("cannot mount tmpfs: %s", strerror(errno));
		return;
	}
	int base = count_fds();

	is_int(sm_mount_probe_idmap(AT_FDCWD, src), 1, "tmpfs can be idmapped");
	is_int(sm_mount_probe_idmap(AT_FDCWD, src), 1, "probe answer cached");
	ok(no_children(), "probe left no helper");

	/* Container root mapped to host 200000, image origin 100000. */
	struct sm_idmap target, m;
	sm_idmap_init(&target);
	sm_idmap_add(&target, 0, 200000, 65536);
	is_int(sm_idmap_shift(&target, 100000, 65536, &m), 0, "shift formula");
	int ns = -1, mfd = -1;
	is_int(sm_userns_from_maps(&m, &m, &ns), 0, "mount namespace made");
	is_int(sm_mount_clone_shifted(AT_FDCWD, src, ns, SM_MOUNT_NOSUID | SM_MOUNT_NODEV, &mfd), 0,
	       "detached shifted clone");
	ok(!mounted_at(dst), "nothing attached before attach");
	is_int(sm_mount_attach(mfd, AT_FDCWD, dst), 0, "attached");
	ok(mounted_at(dst), "visible after attach");

	struct sm_mount_entry *list = NULL;
	size_t n = 0;
	is_int(sm_mountinfo_list_shifted(&list, &n), 0, "shifted mounts listed");
	const struct sm_mount_entry *e = NULL;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i].target, dst))
			e = &list[i];
	ok(e != NULL, "our mount is in the list");
	if (e) {
		is_str(e->source, src, "its source directory is found");
		is_int(e->backend, SM_BACKEND_KERNEL, "kernel backend");
		is_int(e->flags, SM_MOUNT_NOSUID | SM_MOUNT_NODEV, "flags nosuid,nodev");
		/* Under tests/passes/enosys.sh statmount answers ENOSYS, as
		 * before Linux 6.8: the listing comes from mountinfo and the
		 * maps are unknown. */
		const char *forced = getenv("SM_ENOSYS");
		if (forced && strstr(forced, "statmount")) {
			is_int(e->maps_known, 0, "no statmount: maps unknown");
		} else {
			char got[128] = "", want[128];
			if (e->maps_known)
				sm_idmap_format_spec(&e->uid, &e->gid, got, sizeof(got));
			sm_idmap_format_spec(&m, &m, want, sizeof(want));
			is_str(got, want, "maps from statmount: %s", want);
		}
		is_str(e->fstype, "tmpfs", "fstype");
	}
	int src_listed = 0;
	for (size_t i = 0; i < n; i++)
		src_listed |= !strcmp(list[i].target, src);
	ok(!src_listed, "the unshifted source is not listed");
	free(list);

	/* A host process with fsuid 200000 writes through the mount. */
	snprintf(file, sizeof(file), "%s/f", dst);
	pid_t pid = fork();
	if (pid == 0) {
		if (setresgid(200000, 200000, 200000) < 0 || setresuid(200000, 200000, 200000) < 0)
			_exit(3);
		int f = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		_exit(f < 0 ? 1 : 0);
	}
	int st;
	waitpid(pid, &st, 0);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 1, "host 200000 cannot write: dst is 0:0 755");
	/* The root of the tmpfs is 0:0 on disk, outside the map: 65534. */
	struct stat sb = {0};
	stat(dst, &sb);
	is_int(sb.st_uid, 65534, "unmapped disk owner shows as the overflow id");
	(void)!chown(src, 100000, 100000);
	pid = fork();
	if (pid == 0) {
		if (setresgid(200000, 200000, 200000) < 0 || setresuid(200000, 200000, 200000) < 0)
			_exit(3);
		int f = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		_exit(f < 0 ? 1 : 0);
	}
	waitpid(pid, &st, 0);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0, "host 200000 writes once disk is 100000");
	snprintf(file, sizeof(file), "%s/f", src);
	memset(&sb, 0, sizeof(sb));
	stat(file, &sb);
	is_int(sb.st_uid, 100000, "file is uid 100000 on disk");
	is_int(sb.st_gid, 100000, "file is gid 100000 on disk");
	snprintf(file, sizeof(file), "%s/f", dst);
	memset(&sb, 0, sizeof(sb));
	stat(file, &sb);
	is_int(sb.st_uid, 200000, "and host 200000 through the mount");

	umount2(dst, MNT_DETACH);
	close(mfd);

	/* A failed setattr leaves nothing: idmapping the shifted mount again. */
	mfd = -1;
	is_int(sm_mount_attach(-1, AT_FDCWD, dst), -EBADF, "attach without fd: EBADF");
	is_int(sm_mount_clone_shifted(AT_FDCWD, "/nonexistent", ns, 0, &mfd), -ENOENT,
	       "missing source: ENOENT");
	is_int(mfd, -1, "ret_mntfd untouched");
	/* A FUSE filesystem (bindfs) cannot be idmapped by the kernel. */
	char fdir[PATH_MAX], cmd[3 * PATH_MAX];
	snprintf(fdir, sizeof(fdir), "%s/fuse", tmp);
	mkdir(fdir, 0755);
	snprintf(cmd, sizeof(cmd), "bindfs %s %s 2>/dev/null", src, fdir);
	if (system(cmd) != 0) {
		skip("bindfs cannot make a FUSE mount here");
	} else {
		is_int(sm_mount_probe_idmap(AT_FDCWD, fdir), 0, "a FUSE mount cannot be idmapped");
		mfd = -1;
		is_int(sm_mount_clone_shifted(AT_FDCWD, fdir, ns, 0, &mfd), -EINVAL,
		       "idmapping it: EINVAL");
		is_int(mfd, -1, "ret_mntfd untouched");
		umount2(fdir, MNT_DETACH);
	}
	close(ns);
	umount2(src, MNT_DETACH);
	ok(no_children(), "no helper left");
	is_int(count_fds(), base + 1, "only the probe's cached namespace fd remains");
	ok(!mounted_at(dst) && !mounted_at(fdir), "nothing left mounted");
}

int main(void)
{
	if (geteuid() != 0) {
		skip("needs root");
		return done_testing();
	}
	char tmp[] = "/tmp/sm-bindlib.XXXXXX";
	if (!mkdtemp(tmp) || chmod(tmp, 0755) < 0)
		return 1;
	struct stat st;
	if (stat("/proc/self/ns/user", &st) < 0 || st.st_ino != 0xEFFFFFFDU) {
		skip("not in the initial user namespace");
		return done_testing();
	}
	/* Private mount namespace so the test's mounts vanish with it. */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		skip("cannot make a mount namespace: %s", strerror(errno));
		return done_testing();
	}
	test_userns();
	test_options();
	test_mount(tmp);
	char c[PATH_MAX + 16];
	snprintf(c, sizeof(c), "rm -rf %s", tmp);
	(void)!system(c);
	return done_testing();
}
