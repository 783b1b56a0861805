/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audit walker against a tenant who changes the tree while it is walked:
 * between a finding and its fix the file is replaced by a symlink to, or a
 * hard link of, a setuid binary outside the tree, and a directory is swapped
 * for a symlink to another tree.  The fix must refuse (never chmod the
 * outside binary) and the walk must never enter the other tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shiftmount/audit.h"
#include "util.h"
#include "../lib/tap.h"

static char base[64], outside[128], victim[192];

struct ctx {
	int swapped, fix_result, saw_outside, errors;
	const char *mode; /* "symlink", "hardlink" or "dir" */
};

static int on_finding(const struct sm_audit_finding *f, void *userdata)
{
	struct ctx *c = userdata;
	if (strstr(f->path, "secret"))
		c->saw_outside = 1;
	if (!strcmp(c->mode, "dir")) {
		if (strcmp(f->name, "d") || c->swapped)
			return 0;
		/* The tenant swaps the directory for a symlink to elsewhere
		 * before the walker descends into it. */
		c->swapped = renameat(f->dirfd, "d", f->dirfd, "d.old") == 0 &&
			     symlinkat(outside, f->dirfd, "d") == 0;
		return 0;
	}
	if (strcmp(f->name, "f") || c->swapped)
		return 0;
	if (unlinkat(f->dirfd, "f", 0) < 0)
		return -errno;
	if (!strcmp(c->mode, "symlink"))
		c->swapped = symlinkat(victim, f->dirfd, "f") == 0;
	else
		c->swapped = linkat(AT_FDCWD, victim, f->dirfd, "f", 0) == 0;
	c->fix_result = sm_audit_fix(f, SM_AUDIT_FIXABLE, NULL);
	return 0;
}

static int on_error(const char *path, int err, void *userdata)
{
	struct ctx *c = userdata;
	c->errors++;
	return 0;
}

static void make_tree(const char *tree)
{
	char p[256];
	mkdir(tree, 0755);
	snprintf(p, sizeof(p), "%s/f", tree);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 04755);
	if (fd >= 0) {
		fchmod(fd, 04755);
		close(fd);
	}
	snprintf(p, sizeof(p), "%s/d", tree);
	mkdir(p, 0777); /* world-writable, so it is a finding the test hooks */
	chmod(p, 0777);
}

static mode_t mode_of(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? st.st_mode & 07777 : 0;
}

static struct ctx run(const char *mode)
{
	char tree[128];
	struct ctx c = {.mode = mode, .fix_result = 1};
	struct sm_audit_ops ops = {.finding = on_finding, .error = on_error};
	snprintf(tree, sizeof(tree), "%s/tree-%s", base, mode);
	make_tree(tree);
	int r = sm_audit_walk(AT_FDCWD, tree, NULL, 0, 0, 0, &ops, &c, NULL);
	ok(r == 0, "%s: the walk completes (%s)", mode, strerror(r < 0 ? -r : 0));
	return c;
}

int main(void)
{
	snprintf(base, sizeof(base), "/tmp/sm-audit-race.XXXXXX");
	if (!mkdtemp(base)) {
		skip("mkdtemp: %s", strerror(errno));
		return done_testing();
	}
	/* The host's setuid binary, and a tree the tenant wants us to walk. */
	snprintf(outside, sizeof(outside), "%s/outside", base);
	mkdir(outside, 0755);
	snprintf(victim, sizeof(victim), "%s/secret-suid", outside);
	int fd = open(victim, O_WRONLY | O_CREAT | O_CLOEXEC, 04755);
	if (fd >= 0) {
		fchmod(fd, 04755);
		close(fd);
	}

	struct ctx c = run("symlink");
	ok(c.swapped, "symlink: the file was swapped for a symlink to a setuid binary");
	is_int(c.fix_result, -ELOOP, "symlink: the fix refuses (ELOOP)");
	is_int(mode_of(victim), 04755, "symlink: the outside binary keeps its mode");

	c = run("hardlink");
	ok(c.swapped, "hardlink: the file was swapped for a hard link of a setuid binary");
	is_int(c.fix_result, -ESTALE, "hardlink: the fix refuses (ESTALE: another inode)");
	is_int(mode_of(victim), 04755, "hardlink: the outside binary keeps its mode");

	c = run("dir");
	ok(c.swapped, "dir: the directory was swapped for a symlink to another tree");
	ok(!c.saw_outside, "dir: nothing of the other tree was reported");
	ok(c.errors == 1, "dir: the swapped directory is reported as an error (%d)", c.errors);

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		diag("could not remove %s", base);
	return done_testing();
}
