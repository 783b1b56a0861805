/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enosys: run a command with some syscalls answering ENOSYS, as on a kernel
 * that lacks them, so the fallback paths get tested (crun and util-linux
 * rerun their suites the same way).  A seccomp-bpf filter returns ENOSYS for
 * the listed syscall numbers and allows everything else; it is inherited by
 * every child and across exec, so it covers a whole test script.
 *
 *   enosys SYSCALL[,SYSCALL...] -- CMD [ARG...]
 *
 * SYSCALL is a name from the table below or a number.  Exit status: CMD's,
 * or 125 when the filter cannot be installed, 127 when CMD cannot be run.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "missing-syscall.h"

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define ARCH AUDIT_ARCH_I386
#else
#error "enosys: add this architecture's AUDIT_ARCH_ value"
#endif

static const struct {
	const char *name;
	long nr;
} table[] = {
	{"open_tree", __NR_open_tree},
	{"open_tree_attr", __NR_open_tree_attr},
	{"move_mount", __NR_move_mount},
	{"fsopen", __NR_fsopen},
	{"fsconfig", __NR_fsconfig},
	{"fsmount", __NR_fsmount},
	{"mount_setattr", __NR_mount_setattr},
	{"openat2", __NR_openat2},
	{"statmount", __NR_statmount},
	{"listmount", __NR_listmount},
	{"getxattrat", __NR_getxattrat},
	{"pidfd_open", __NR_pidfd_open},
	{"pidfd_getfd", __NR_pidfd_getfd},
	{"statx", __NR_statx},
	{"close_range", 436},
	{"clone3", 435},
};

static long lookup(const char *name)
{
	char *end;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].name, name))
			return table[i].nr;
	errno = 0;
	long nr = strtol(name, &end, 10);
	if (errno || end == name || *end || nr < 0 || nr > 4095)
		return -1;
	return nr;
}

#define MAX_CALLS 32

int main(int argc, char **argv)
{
	long nrs[MAX_CALLS];
	size_t n = 0;

	if (argc < 4 || strcmp(argv[2], "--") != 0) {
		fprintf(stderr, "usage: enosys SYSCALL[,SYSCALL...] -- CMD [ARG...]\n");
		return 125;
	}
	char *list = strdup(argv[1]), *save = NULL;
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		long nr = lookup(t);
		if (nr < 0 || n == MAX_CALLS) {
			fprintf(stderr, "enosys: unknown syscall \"%s\"\n", t);
			return 125;
		}
		nrs[n++] = nr;
	}
	free(list);

	/* load arch; wrong arch -> allow (the list is for this ABI only);
	 * load nr; one jeq per syscall -> ENOSYS; else allow. */
	struct sock_filter prog[4 + 2 * MAX_CALLS + 1];
	size_t k = 0;
	prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						 offsetof(struct seccomp_data, arch));
	prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0);
	prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						 offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < n; i++) {
		prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							 (unsigned)nrs[i], 0, 1);
		prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
							 SECCOMP_RET_ERRNO | (ENOSYS & 0xffff));
	}
	prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog fprog = {.len = (unsigned short)k, .filter = prog};

	/* NO_NEW_PRIVS is what lets a filter be installed without
	 * CAP_SYS_ADMIN; as root it is harmless to the tests (they do not rely
	 * on setuid binaries gaining privileges). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) < 0) {
		fprintf(stderr, "enosys: installing the seccomp filter: %s\n", strerror(errno));
		return 125;
	}
	execvp(argv[3], argv + 3);
	fprintf(stderr, "enosys: %s: %s\n", argv[3], strerror(errno));
	return 127;
}
