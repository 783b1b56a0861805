/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The twenty behaviours every shifted mount must get right, whichever
 * backend serves it (the kernel's idmapped mounts or shiftfs-fuse).  The cases and
 * their table are in cases.c, their fixtures in fixtures.c; tests/integration/conformance.sh makes
 * the mounts and runs this program once per filesystem and backend:
 *
 *   conformance --backend NAME --fs NAME --map SPEC --src DIR --mnt DIR
 *               [--mnt2 DIR] [--nosuid DIR] [--circ DIR --circ-map SPEC]
 *               [--first N] [--only N,N...] [--skip-all WHY]
 *
 * --mnt and --mnt2 are two shifted mounts of --src with map SPEC (disk:host
 * extents, as `shiftmount bind --map`); --nosuid is a third with nosuid and
 * nodev; --circ one of --src with the swapping map --circ-map.  The map must
 * map disk ids 0-3999, 1000-3999 in one piece, and leave some host id
 * unmapped (the caller that gets EOVERFLOW).
 *
 * Each case runs in a forked child (its own process group), switches
 * credentials as it needs (fsuid, setresuid, user namespaces whose maps this
 * process writes), acts through the mount and checks what a user sees:
 * errno, owners through the mount and on the source, mode bits, xattrs.
 * Children report over a pipe; only this parent prints TAP, so the numbers
 * stay in order whatever the children do.
 */
#include "fixtures.h"

/* Print one record from a case child as TAP. */
static void report(const struct tcase *c, char *line, bool *failed, int *n)
{
	char kind = line[0];
	const char *text = line + 1;

	switch (kind) {
	case 'P':
	case 'F':
		ok(kind == 'P', "[%s %s] %02d %s: %s", g_backend, g_fs, c->num, c->name, text);
		if (kind == 'F')
			*failed = true;
		(*n)++;
		break;
	case 'S':
		skip("[%s %s] %02d %s: %s", g_backend, g_fs, c->num, c->name, text);
		(*n)++;
		break;
	default:
		printf("#%s\n", text);
		fflush(stdout);
	}
}

/* Set when a case had to be killed: the mount may be wedged, and every
 * later case would wait out its time limit too. */
static int g_wedged;

static void run_case(const struct tcase *c)
{
	char buf[16384];
	size_t len = 0;
	int p[2], status, n = 0;
	bool failed = false, timed_out = false;
	struct timespec start, now;
	pid_t pid;

	if (g_wedged) {
		ok(0, "[%s %s] %02d %s: not run, case %02d did not finish", g_backend, g_fs, c->num,
		   c->name, g_wedged);
		return;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		ok(0, "[%s %s] %02d %s: pipe: %s", g_backend, g_fs, c->num, c->name,
		   strerror(errno));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		ok(0, "[%s %s] %02d %s: fork: %s", g_backend, g_fs, c->num, c->name,
		   strerror(errno));
		return;
	}
	if (pid == 0) {
		close(p[0]);
		g_res = p[1];
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		umask(0);
		c->fn();
		_exit(0);
	}
	setpgid(pid, pid);
	close(p[1]);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = {p[0], POLLIN, 0};
		long left;
		ssize_t r;
		char *nl;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = CASE_TIMEOUT_MS - ((now.tv_sec - start.tv_sec) * 1000 +
					  (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			timed_out = true;
			break;
		}
		r = read(p[0], buf + len, sizeof(buf) - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			report(c, buf, &failed, &n);
			memmove(buf, nl + 1, len - (size_t)(nl + 1 - buf) + 1);
			len -= (size_t)(nl + 1 - buf);
		}
	}
	close(p[0]);
	/* Whatever the case left running goes with its process group.  A
	 * process waiting on a wedged FUSE daemon cannot die until the driver
	 * aborts the connection: do not wait for it forever. */
	kill(-pid, SIGKILL);
	status = -1;
	for (int i = 0; i < 500; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			break;
		status = -1;
		usleep(10000);
	}
	if (timed_out || status == -1)
		g_wedged = c->num;
	if (status == -1) {
		ok(0, "[%s %s] %02d %s: case process does not die (stuck in the filesystem?)",
		   g_backend, g_fs, c->num, c->name);
		return;
	}
	if (timed_out)
		ok(0, "[%s %s] %02d %s: timed out after %d s", g_backend, g_fs, c->num, c->name,
		   CASE_TIMEOUT_MS / 1000);
	else if (!failed && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		ok(0, "[%s %s] %02d %s: case process ended badly (status 0x%x)", g_backend, g_fs,
		   c->num, c->name, status);
	else if (n == 0)
		ok(0, "[%s %s] %02d %s: reported nothing", g_backend, g_fs, c->num, c->name);
}

/* The mount must map disk ids 0-3999, 1000-3999 in one piece (the user
 * namespaces of the cases take slices of it), and leave some host id out. */
static const char *check_map(void)
{
	static const unsigned long cand[] = {0, 1, 2, 3, 5, 7, 65533, 4000000000ul};
	long bu = d2h(g_map.u, g_map.nu, 1000), bg = d2h(g_map.g, g_map.ng, 1000);

	for (unsigned long i = 0; i < 4000; i++) {
		long u = d2h(g_map.u, g_map.nu, i), g = d2h(g_map.g, g_map.ng, i);
		if (u < 0 || g < 0)
			return "the map must map disk ids 0-3999";
		if (i >= 1000 && (u != bu + (long)(i - 1000) || g != bg + (long)(i - 1000)))
			return "the map must shift disk ids 1000-3999 in one piece";
	}
	g_unm_u = (uid_t)-1;
	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++)
		if (h2d(g_map.u, g_map.nu, cand[i]) < 0 && h2d(g_map.g, g_map.ng, cand[i]) < 0) {
			g_unm_u = (uid_t)cand[i];
			g_unm_g = (gid_t)cand[i];
			break;
		}
	if (g_unm_u == (uid_t)-1)
		return "the map leaves no host id unmapped";
	g_dunm = 0;
	for (unsigned long d = 60000; d < 4000000000ul; d = d * 4 + 1)
		if (d2h(g_map.u, g_map.nu, d) < 0 && d2h(g_map.g, g_map.ng, d) < 0) {
			g_dunm = d;
			break;
		}
	if (!g_dunm)
		return "the map leaves no disk id unmapped";
	if (h2d(g_map.u, g_map.nu, STRANGER) >= 0)
		return "the map must not map host uid 54321";
	return NULL;
}

/* Can this process make a user namespace?  NULL if so, else why not. */
static const char *probe_userns(void)
{
	static char why[128];
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return "fork failed";
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) < 0 ? errno : 0);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return "probe failed";
	if (WEXITSTATUS(status) == 0)
		return NULL;
	snprintf(why, sizeof(why), "unshare(CLONE_NEWUSER): %s", strerror(WEXITSTATUS(status)));
	return why;
}

static void print_caps(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapPrm:", 7))
			printf("%s", line + 8);
	fflush(stdout);
}

static bool wanted(const char *only, int num)
{
	char *s, *save = NULL, *t;
	bool r = false;

	if (!only)
		return true;
	s = strdup(only);
	for (t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (atoi(t) == num)
			r = true;
	free(s);
	return r;
}

static int open_opt(const char *path)
{
	if (!path || !*path)
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"backend", required_argument, NULL, 'b'},
		{"fs", required_argument, NULL, 'f'},
		{"map", required_argument, NULL, 'M'},
		{"src", required_argument, NULL, 's'},
		{"mnt", required_argument, NULL, 'm'},
		{"mnt2", required_argument, NULL, '2'},
		{"nosuid", required_argument, NULL, 'n'},
		{"circ", required_argument, NULL, 'c'},
		{"circ-map", required_argument, NULL, 'C'},
		{"first", required_argument, NULL, 'F'},
		{"only", required_argument, NULL, 'o'},
		{"skip-all", required_argument, NULL, 'S'},
		{"print-ids", no_argument, NULL, 'P'},
		{"print-caps", no_argument, NULL, 'K'},
		{NULL, 0, NULL, 0},
	};
	const char *map = NULL, *only = NULL, *skip_all = NULL, *why;
	bool plan = true;
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'P':
			/* The setuid test image: report the ids exec gave us. */
			printf("%u %u\n", geteuid(), getegid());
			fflush(stdout);
			_exit(0);
		case 'K':
			/* The file-capability test image: what exec gave us. */
			print_caps();
			_exit(0);
		case 'b':
			g_backend = optarg;
			break;
		case 'f':
			g_fs = optarg;
			break;
		case 'M':
			map = optarg;
			break;
		case 's':
			g_src = optarg;
			break;
		case 'm':
			g_mnt = optarg;
			break;
		case '2':
			g_mnt2 = optarg;
			break;
		case 'n':
			g_nosuid = optarg;
			break;
		case 'c':
			g_circ = optarg;
			break;
		case 'C':
			g_circ_map = optarg;
			break;
		case 'F':
			tap_n = atoi(optarg) - 1;
			plan = false;
			break;
		case 'o':
			only = optarg;
			break;
		case 'S':
			skip_all = optarg;
			break;
		default:
			fprintf(stderr, "usage: see the head of tests/helpers/conformance.c\n");
			return 2;
		}
	}
	if (!skip_all && (!g_src || !g_mnt || !map)) {
		fprintf(stderr, "conformance: --src, --mnt and --map are required; "
				"tests/integration/conformance.sh runs this program\n");
		return 2;
	}
	if (skip_all) {
		for (size_t i = 0; i < n_cases; i++)
			if (wanted(only, cases[i].num))
				skip("[%s %s] %02d %s: %s", g_backend, g_fs, cases[i].num,
				     cases[i].name, skip_all);
		return plan ? done_testing() : 0;
	}
	if (map_parse(map, &g_map) < 0) {
		fprintf(stderr, "conformance: bad --map \"%s\"\n", map);
		return 2;
	}
	if (g_circ_map && map_parse(g_circ_map, &g_cmap) < 0) {
		fprintf(stderr, "conformance: bad --circ-map \"%s\"\n", g_circ_map);
		return 2;
	}
	why = check_map();
	if (geteuid() != 0)
		why = "needs root";
	g_ovu = (uid_t)read_long("/proc/sys/kernel/overflowuid");
	g_ovg = (gid_t)read_long("/proc/sys/kernel/overflowgid");
	g_src_fd = open_opt(g_src);
	g_mnt_fd = open_opt(g_mnt);
	g_mnt2_fd = open_opt(g_mnt2);
	g_nosuid_fd = open_opt(g_nosuid);
	g_circ_fd = open_opt(g_circ);
	if (!why && (g_src_fd < 0 || g_mnt_fd < 0))
		why = "cannot open --src or --mnt";
	g_no_userns = probe_userns();
	for (size_t i = 0; i < n_cases; i++) {
		if (!wanted(only, cases[i].num))
			continue;
		if (why)
			skip("[%s %s] %02d %s: %s", g_backend, g_fs, cases[i].num, cases[i].name,
			     why);
		else if (cases[i].userns && g_no_userns)
			skip("[%s %s] %02d %s: user namespaces: %s", g_backend, g_fs, cases[i].num,
			     cases[i].name, g_no_userns);
		else
			run_case(&cases[i]);
	}
	if (plan)
		return done_testing();
	return tap_failed ? 1 : 0;
}
