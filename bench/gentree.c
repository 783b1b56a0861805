/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gentree: make a deterministic test tree that looks like a distribution
 * image: nested directories, mostly small files with a long tail of larger
 * ones, symlinks, a few hard links, mostly root-owned with some system ids.
 *
 *   gentree [--seed S] N DIR
 *
 * N counts every entry below DIR (directories, files, symlinks, links), as
 * `find DIR -mindepth 1 | wc -l` would.  DIR must not exist.  The same N and
 * seed give the same tree (names, sizes, owners, modes, contents).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	/* xorshift64*: fast, and the same sequence everywhere. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "gentree: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

/* Sizes of a Debian/Fedora /usr: most files under a few KiB, a long tail. */
static size_t pick_size(void)
{
	unsigned p = below(1000);
	if (p < 600)
		return below(2048);
	if (p < 915)
		return 2048 + below(10 * 1024);
	if (p < 995)
		return 12 * 1024 + below(40 * 1024);
	return 64 * 1024 + below(192 * 1024);
}

static const unsigned sys_ids[] = {1, 2, 5, 7, 8, 100, 101, 102, 104, 106, 998, 999, 1000, 65534};

static unsigned pick_owner(void)
{
	if (below(100) < 93)
		return 0;
	return sys_ids[below(sizeof(sys_ids) / sizeof(sys_ids[0]))];
}

static const char *const stems[] = {"lib",    "share",	 "bin",	 "doc",	    "locale", "python3",
				    "perl",   "include", "man",	 "conf",    "data",   "icons",
				    "x86_64", "gnu",	 "site", "modules", "cache",  "etc"};
static const char *const exts[] = {"",	   ".so", ".py",  ".h",	 ".txt",  ".gz",   ".conf",
				   ".pyc", ".mo", ".png", ".pm", ".json", ".1.gz", ".xml"};

#define NSTEMS (sizeof(stems) / sizeof(stems[0]))
#define NEXTS  (sizeof(exts) / sizeof(exts[0]))

int main(int argc, char **argv)
{
	unsigned long n, seed = 1, i;
	int a = 1;

	if (argc > 2 && !strcmp(argv[1], "--seed")) {
		seed = strtoul(argv[2], NULL, 0);
		a = 3;
	}
	if (argc - a != 2) {
		fprintf(stderr, "usage: gentree [--seed S] N DIR\n");
		return 2;
	}
	n = strtoul(argv[a], NULL, 0);
	const char *root = argv[a + 1];
	rng_state ^= seed * 0x100000001b3ULL;

	static char buf[512 * 1024];
	for (size_t k = 0; k < sizeof(buf); k += 8) {
		uint64_t v = rnd();
		memcpy(buf + k, &v, 8);
	}

	size_t ndirs = 0, cap = 1024, nfiles = 0, fcap = 1024;
	char **dirs = malloc(cap * sizeof(*dirs));
	char **files = malloc(fcap * sizeof(*files));
	if (!dirs || !files)
		die("malloc", "");
	if (mkdir(root, 0755) < 0)
		die("mkdir", root);
	dirs[ndirs++] = strdup(root);

	for (i = 0; i < n; i++) {
		char path[4096];
		unsigned kind = below(1000);
		size_t d;
		if (kind < 80)
			/* Directories under a random one: a random recursive tree, depth ~ ln N. */
			d = below(ndirs);
		else
			/* Files mostly in recent directories, for locality as in a package. */
			d = below(4) ? ndirs - 1 - below(ndirs < 16 ? ndirs : 16) : below(ndirs);
		snprintf(path, sizeof(path), "%s/%s%lu%s", dirs[d], stems[below(NSTEMS)], i,
			 kind < 80 ? "" : exts[below(NEXTS)]);
		unsigned owner = pick_owner();

		if (kind < 80 && strlen(path) < 3000) {
			if (mkdir(path, below(20) ? 0755 : 0700) < 0)
				die("mkdir", path);
			if (ndirs == cap && !(dirs = realloc(dirs, (cap *= 2) * sizeof(*dirs))))
				die("realloc", "");
			dirs[ndirs++] = strdup(path);
		} else if (kind < 150 && nfiles > 0) {
			const char *t = files[below(nfiles)];
			const char *base = strrchr(t, '/');
			if (symlink(base ? base + 1 : t, path) < 0)
				die("symlink", path);
		} else if (kind < 160 && nfiles > 0) {
			if (link(files[below(nfiles)], path) < 0)
				die("link", path);
			continue; /* a hard link shares its target's owner */
		} else {
			unsigned m = below(100);
			mode_t mode = m < 15 ? 0755 : m < 18 ? 0600 : 0644;
			int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
			if (fd < 0)
				die("create", path);
			size_t size = pick_size(), off = below(sizeof(buf) / 2), done = 0;
			while (done < size) {
				size_t chunk = size - done > sizeof(buf) / 2 ? sizeof(buf) / 2
									     : size - done;
				ssize_t w = write(fd, buf + off, chunk);
				if (w <= 0)
					die("write", path);
				done += (size_t)w;
			}
			if (fchmod(fd, mode) < 0)
				die("chmod", path);
			close(fd);
			if (nfiles == fcap &&
			    !(files = realloc(files, (fcap *= 2) * sizeof(*files))))
				die("realloc", "");
			files[nfiles++] = strdup(path);
		}
		if (owner && lchown(path, owner, owner) < 0)
			die("chown", path);
	}
	while (ndirs > 0)
		free(dirs[--ndirs]);
	while (nfiles > 0)
		free(files[--nfiles]);
	free(dirs);
	free(files);
	return 0;
}
