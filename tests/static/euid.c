/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * euid: print the effective uid.  Linked statically, so that a test can copy
 * it into a container's minimal root; made setuid by a container, it shows
 * whether the setuid bit took effect (busybox drops it, so it cannot).
 */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("euid=%u\n", (unsigned)geteuid());
	return 0;
}
