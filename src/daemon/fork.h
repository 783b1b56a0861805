/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one way shiftmountd forks: its workers, the inspection child and the
 * clone child. */
#ifndef SHIFTMOUNTD_FORK_H
#define SHIFTMOUNTD_FORK_H

#include <stddef.h>
#include <sys/types.h>

/* Fork a child that starts clean, as systemd's safe_fork_full(
 * FORK_RESET_SIGNALS | FORK_DEATHSIG | FORK_CLOSE_ALL_FDS): every fd but
 * stdin, stdout, stderr and the `n_keep` in `keep` closed (negative entries
 * are ignored), every signal handler back to its default but SIGPIPE's,
 * which stays ignored (a write to a gone peer fails with EPIPE), no signal
 * blocked, and SIGKILL when the parent dies (checked after it is set, in
 * case the parent died in between).  So a worker holds neither the
 * listening socket nor the signalfd nor other clients' connections.
 * 0 in the child, 1 in the parent with *ret_pid set, -errno when the fork
 * failed.  The child ends with _exit(). */
int safe_fork(const int *keep, size_t n_keep, pid_t *ret_pid);

/* A child that has run out of time: SIGKILL it, and *pid = 0 so the
 * caller's _cleanup_kill_ does not wait for it.  Killed is not gone: a child
 * in a FUSE request its server has read (a tenant's server that never
 * answers) stays in D state until the server answers or dies, and waiting
 * for it would hold the answer back.  The worker answers first and reaps
 * it at its end (reap_children()). */
void abandon_child(pid_t *pid);

/* Wait for every child of this process to be gone.  A worker calls it
 * before it exits, so a child held by a filesystem keeps its worker, and
 * so one of its principal's worker slots, until it is gone: what a
 * tenant's hostile server holds is counted against that tenant. */
void reap_children(void);

#endif
