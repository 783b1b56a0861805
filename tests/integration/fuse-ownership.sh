#!/bin/bash
# Ownership through a shifted mount: one table of cases, run against both
# backends (kernel idmapped mount and shiftfs-fuse) so they cannot drift
# apart.  Tenant A is a user namespace mapping 0 -> host 200000, tenant B one
# mapping 0 -> host 300000; the image's origin is disk id 100000.
. "$(dirname "$0")/../lib/lib.sh"

skip_all_unless_root

chmod 755 "$SM_TMP" # the tenants must reach the mounts below it
userns-run --map-root 200000 --pidfile "$SM_TMP/a.pid" -- sleep 600 &
userns-run --map-root 300000 --pidfile "$SM_TMP/b.pid" -- sleep 600 &
at_exit "kill $! $(jobs -p | tr '\n' ' ')"
wait_for "the user namespaces' pid files" 20 test -s "$SM_TMP/a.pid" -a -s "$SM_TMP/b.pid"
A=$(cat "$SM_TMP/a.pid") B=$(cat "$SM_TMP/b.pid")

as_a() { userns-run --map-root 200000 "$@"; } # same map as tenant A's namespace
as_b() { userns-run --map-root 300000 "$@"; }
err_of() { "$@" 2>&1 >/dev/null | head -n1; }

for backend in kernel fuse; do
	diag "backend: $backend"
	src=$(scratch_fs tmpfs 64) || { skip "$backend: no scratch fs"; continue; }
	chown 100000:100000 "$src"
	mkdir "$src/pub" && chown 100000:100000 "$src/pub" && chmod 1777 "$src/pub"
	touch "$src/foreign" && chown 5:5 "$src/foreign"
	touch "$src/hi" && chown 101000:101000 "$src/hi"
	dA=$SM_TMP/$backend-a dB=$SM_TMP/$backend-b dC=$SM_TMP/$backend-c dR=$SM_TMP/$backend-r
	mkdir -p "$dA" "$dB" "$dC" "$dR"

	if ! ok "$backend: bind for tenant A" shiftmount bind --backend=$backend --shift=$A \
		--origin 100000 "$src" "$dA"; then
		continue
	fi
	at_exit "umount -l '$dA'"

	# interior root writes at the origin
	ok "$backend: interior root creates a file" as_a -- touch "$dA/root-made"
	is "$backend: ... stored at the origin" "$(owner "$src/root-made")" "100000:100000"
	is "$backend: ... seen by the host as the tenant's root" "$(owner "$dA/root-made")" \
		"200000:200000"
	ok "$backend: interior root makes a directory" as_a -- mkdir "$dA/dir"
	is "$backend: ... stored at the origin" "$(owner "$src/dir")" "100000:100000"
	ok "$backend: interior root makes a symlink" as_a -- ln -s target "$dA/link"
	is "$backend: ... stored at the origin" "$(stat -c %u:%g "$src/link")" "100000:100000"

	# interior uid 1000 at origin+1000
	ok "$backend: interior uid 1000 creates a file" as_a --as 1000 -- touch "$dA/pub/u1000"
	is "$backend: ... stored at origin+1000" "$(owner "$src/pub/u1000")" "101000:101000"
	is "$backend: ... seen inside as 1000" \
		"$(as_a -- stat -c %u:%g "$dA/pub/u1000")" "1000:1000"

	# overflow: disk ids outside the map
	is "$backend: unmapped disk ids show as the overflow ids" "$(owner "$dA/foreign")" \
		"$(cat /proc/sys/kernel/overflowuid):$(cat /proc/sys/kernel/overflowgid)"

	# unmapped writer
	like "$backend: an unmapped writer (host root) gets EOVERFLOW" \
		"$(err_of touch "$dA/host-root")" "Value too large"
	ok "$backend: ... and leaves nothing" test ! -e "$src/host-root"

	# chown translated both ways
	ok "$backend: interior root chowns to 1000:1000" as_a -- chown 1000:1000 "$dA/root-made"
	is "$backend: ... stored as 101000:101000" "$(owner "$src/root-made")" "101000:101000"
	ok "$backend: ... and back to 0:0" as_a -- chown 0:0 "$dA/root-made"
	is "$backend: ... stored as 100000:100000" "$(owner "$src/root-made")" "100000:100000"
	like "$backend: host root cannot chown to an unmapped host id" \
		"$(err_of chown 12345 "$dA/root-made")" "Value too large|Invalid argument"
	is "$backend: ... the owner is unchanged" "$(owner "$src/root-made")" "100000:100000"

	# two tenants share one image
	if ok "$backend: bind for tenant B" shiftmount bind --backend=$backend --shift=$B \
		--origin 100000 "$src" "$dB"; then
		at_exit "umount -l '$dB'"
		ok "$backend: tenant B's root creates a file" as_b -- touch "$dB/b-made"
		is "$backend: ... stored at the same origin" "$(owner "$src/b-made")" "100000:100000"
		is "$backend: tenant B sees A's root file as its own root's" \
			"$(as_b -- stat -c %u:%g "$dB/root-made")" "0:0"
		is "$backend: tenant A sees B's file as its own root's" \
			"$(as_a -- stat -c %u:%g "$dA/b-made")" "0:0"
	fi

	# range clipping
	if ok "$backend: bind with --range 1000" shiftmount bind --backend=$backend --shift=$A \
		--origin 100000 --range 1000 "$src" "$dC"; then
		at_exit "umount -l '$dC'"
		is "$backend: a disk id past the range shows as overflow" "$(owner "$dC/hi")" \
			"$(cat /proc/sys/kernel/overflowuid):$(cat /proc/sys/kernel/overflowgid)"
		ok "$backend: interior 999 (inside the range) creates" as_a --as 999 -- \
			touch "$dC/pub/u999"
		is "$backend: ... stored at origin+999" "$(owner "$src/pub/u999")" "100999:100999"
		like "$backend: interior 1000 (past the range) gets EOVERFLOW" \
			"$(err_of as_a --as 1000 -- touch "$dC/pub/u1000b")" "Value too large"
		like "$backend: chown to an interior id past the range is refused" \
			"$(err_of as_a -- chown 2000 "$dC/pub/u999")" "Value too large|Invalid argument"
		is "$backend: ... the owner is unchanged" "$(owner "$src/pub/u999")" "100999:100999"
	fi

	# read-only
	if ok "$backend: bind read-only" shiftmount bind --backend=$backend --shift=$A \
		--origin 100000 -o ro "$src" "$dR"; then
		at_exit "umount -l '$dR'"
		is "$backend: ro mount shows the shifted owner" "$(owner "$dR/dir")" "200000:200000"
		like "$backend: ro mount refuses writes" "$(err_of as_a -- touch "$dR/nope")" \
			"Read-only file system"
		umount "$dR"
	fi
	umount "$dC" 2>/dev/null
	umount "$dB" 2>/dev/null
	ok "$backend: umount" umount "$dA"
done
done_testing
