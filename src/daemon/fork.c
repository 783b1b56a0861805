/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one fork helper; see fork.h. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/close_range.h>

#include "fork.h"
#include "util.h"

static int by_value(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* close_range() over the gaps between the fds to keep. */
static int close_all_but(const int *keep, size_t n)
{
	int sorted[16];
	size_t k = 0;
	if (n > ELEMENTSOF(sorted))
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		if (keep[i] > STDERR_FILENO)
			sorted[k++] = keep[i];
	qsort(sorted, k, sizeof(sorted[0]), by_value);
	unsigned from = STDERR_FILENO + 1;
	for (size_t i = 0; i < k; i++) {
		if ((unsigned)sorted[i] > from && close_range(from, (unsigned)sorted[i] - 1, 0) < 0)
			return -errno;
		from = (unsigned)sorted[i] + 1;
	}
	return close_range(from, ~0U, 0) < 0 ? -errno : 0;
}

static void reset_signals(void)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL}, ign = {.sa_handler = SIG_IGN};
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, sig == SIGPIPE ? &ign : &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

int safe_fork(const int *keep, size_t n_keep, pid_t *ret_pid)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		*ret_pid = pid;
		return 1;
	}
	/* The death signal first: from here on the parent's death ends us,
	 * and if it died before, getppid() shows it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(EXIT_FAILURE);
	reset_signals();
	if (close_all_but(keep, n_keep) < 0)
		_exit(EXIT_FAILURE);
	return 0;
}

void abandon_child(pid_t *pid)
{
	if (*pid > 0)
		(void)kill(*pid, SIGKILL);
	*pid = 0;
}

void reap_children(void)
{
	while (wait(NULL) >= 0 || errno == EINTR)
		;
}
