/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * idmap-bind: a bare kernel idmapped bind mount for tests that need one
 * without depending on `shiftmount bind` (the hardening tests use it when
 * the bind verb is not built).
 *
 *   idmap-bind SPEC SRC DST      SPEC as for --map, e.g. "b:0:200000:65536"
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "shiftmount.h"
#include "util.h"

int main(int argc, char **argv)
{
	struct sm_idmap uid, gid;
	struct sm_error err = { .why = NULL };
	_cleanup_close_ int userns = -EBADF, mnt = -EBADF;
	int r;

	if (argc != 4) {
		fprintf(stderr, "usage: idmap-bind SPEC SRC DST\n");
		return 2;
	}
	sm_idmap_init(&uid);
	sm_idmap_init(&gid);
	r = sm_idmap_parse_spec(argv[1], &uid, &gid, &err);
	if (r < 0 || uid.n == 0 || gid.n == 0) {
		fprintf(stderr, "idmap-bind: %s: %s\n", err.token, err.why ? err.why : "bad map");
		return 2;
	}
	r = sm_userns_from_maps(&uid, &gid, &userns);
	if (r >= 0)
		r = sm_mount_clone_shifted(AT_FDCWD, argv[2], userns, 0, &mnt);
	if (r >= 0)
		r = sm_mount_attach(mnt, AT_FDCWD, argv[3]);
	if (r < 0) {
		fprintf(stderr, "idmap-bind: %s -> %s: %s\n", argv[2], argv[3], strerror(-r));
		return 1;
	}
	return 0;
}
