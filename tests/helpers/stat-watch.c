/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stat-watch: stat one path in a tight loop until told to stop, and count
 * what it saw, for the tests of `shiftmount reconfigure`: during a swap a
 * lookup must always find the file, owned as the old map or the new one
 * shows it -- never the unshifted owner, never ENOENT.
 *
 *   stat-watch PATH READY STOP UID[,UID...]
 *
 * Creates the file READY after its first stat, stops once the file STOP
 * exists (checked every 256 stats), then prints one line:
 *   stats=N good=N other_owner=N enoent=N errors=N seen=UID:N,UID:N
 * `good` counts stats whose owner is one of the UIDs; the others list the
 * owners seen outside them and the failures.  Exit 0 when every stat was
 * good, 1 otherwise, 2 for bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_OWNERS 16

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: stat-watch PATH READY STOP UID[,UID...]\n");
		return 2;
	}
	unsigned long want[MAX_OWNERS];
	size_t nwant = 0;
	for (char *s = argv[4], *end; *s && nwant < MAX_OWNERS; s = *end ? end + 1 : end) {
		want[nwant++] = strtoul(s, &end, 10);
		if (end == s || (*end && *end != ',')) {
			fprintf(stderr, "stat-watch: \"%s\": not a list of uids\n", argv[4]);
			return 2;
		}
	}
	unsigned long seen_uid[MAX_OWNERS];
	unsigned long long seen_n[MAX_OWNERS] = {0};
	size_t nseen = 0;
	unsigned long long stats = 0, good = 0, other = 0, enoent = 0, errors = 0;
	int ready = 0;
	for (;;) {
		struct stat st;
		stats++;
		if (stat(argv[1], &st) < 0) {
			if (errno == ENOENT)
				enoent++;
			else
				errors++;
		} else {
			size_t i;
			for (i = 0; i < nseen && seen_uid[i] != st.st_uid; i++)
				;
			if (i == nseen && nseen < MAX_OWNERS)
				seen_uid[nseen++] = st.st_uid;
			if (i < nseen)
				seen_n[i]++;
			int ok = 0;
			for (size_t k = 0; k < nwant; k++)
				ok |= want[k] == st.st_uid;
			ok ? good++ : other++;
		}
		if (!ready) {
			int fd = open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (fd >= 0)
				close(fd);
			ready = 1;
		}
		if ((stats & 255) == 0 && access(argv[3], F_OK) == 0)
			break;
	}
	printf("stats=%llu good=%llu other_owner=%llu enoent=%llu errors=%llu seen=", stats, good,
	       other, enoent, errors);
	for (size_t i = 0; i < nseen; i++)
		printf("%s%lu:%llu", i ? "," : "", seen_uid[i], seen_n[i]);
	printf("\n");
	return good == stats ? 0 : 1;
}
