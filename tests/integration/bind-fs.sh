#!/bin/bash
# shiftmount bind on ext4, xfs, btrfs and tmpfs: the thread's two use cases.
# A container whose root is host 200000 writes through a mount shifted for it
# with origin 100000; a second container (host 300000) shares the same tree.
#
# Runs in a private mount namespace so that other tests' mounts cannot
# disturb it and nothing it mounts can leak.
. "$SM_SRC/tests/lib/private-ns.sh"
. "$SM_SRC/tests/lib/lib.sh"
chmod 755 "$SM_TMP" # container processes must reach the mounts

# Container A: root = host 200000; container B: root = host 300000.
userns-run --pidfile "$SM_TMP/a.pid" -- sleep 600 &
userns-run --map-root 300000 --pidfile "$SM_TMP/b.pid" -- sleep 600 &
wait_for "the user namespaces' pid files" 20 test -s "$SM_TMP/a.pid" -a -s "$SM_TMP/b.pid"
A=$(cat "$SM_TMP/a.pid") B=$(cat "$SM_TMP/b.pid")
at_exit "kill $A $B"

# In container A (or B) — a fresh namespace with the same map has the same
# host ids, which is all a mount's map looks at.
in_a() { userns-run "$@"; }
in_b() { userns-run --map-root 300000 "$@"; }

for fs in ext4 xfs btrfs tmpfs; do
	dir=$(scratch_fs $fs) || { skip "$fs: cannot make a scratch filesystem"; continue; }
	img=$dir/img dst=$SM_TMP/dst-$fs dst2=$SM_TMP/dst2-$fs
	is "$fs: scratch filesystem type" "$(stat -f -c %T "$dir" | sed 's/ext2\/ext3/ext4/')" "$fs"
	mkdir -p "$img/shared" "$img/outside" "$dst" "$dst2"
	# An image as unpacked for origin 100000, plus a directory owned by an
	# id outside the shifted range.
	chown 100000:100000 "$img" "$img/shared"
	chmod 1777 "$img/shared"
	chown 5000:5000 "$img/outside"

	ok "$fs: bind --shift=PID --origin 100000" \
		shiftmount bind --shift="$A" --origin 100000 "$img" "$dst" || continue
	at_exit "umount -l '$dst'"

	ok "$fs: container root writes" in_a -- touch "$dst/f"
	is "$fs: ... file is 100000:100000 on disk" "$(owner "$img/f")" "100000:100000"
	is "$fs: ... host sees the kernel ids 200000:200000" "$(owner "$dst/f")" "200000:200000"
	is "$fs: ... container sees its own root" "$(in_a -- stat -c %u:%g "$dst/f")" "0:0"

	ok "$fs: interior uid 1000 writes" in_a --as 1000 -- touch "$dst/shared/g"
	is "$fs: ... file is 101000:101000 on disk" "$(owner "$img/shared/g")" "101000:101000"

	is "$fs: disk id 5000 (outside the range) shows as 65534" "$(owner "$dst/outside")" \
		"65534:65534"
	is "$fs: ... also inside the container" "$(in_a -- stat -c %u:%g "$dst/outside")" \
		"65534:65534"

	out=$(in_b -- touch "$dst/shared/h" 2>&1)
	like "$fs: an unmapped writer (host 300000) gets EOVERFLOW" "$out" \
		"Value too large for defined data type"
	ok "$fs: ... and nothing is created" test ! -e "$img/shared/h"

	# The second container shares the same tree through its own mount.
	ok "$fs: second mount for container B" \
		shiftmount bind --shift=/proc/"$B"/ns/user --origin 100000 "$img" "$dst2" ||
		continue
	at_exit "umount -l '$dst2'"
	ok "$fs: container B's root writes" in_b -- touch "$dst2/fb"
	is "$fs: ... also 100000:100000 on disk" "$(owner "$img/fb")" "100000:100000"
	is "$fs: A sees B's file as its own root's" "$(in_a -- stat -c %u:%g "$dst/fb")" "0:0"
	is "$fs: B sees A's file as its own root's" "$(in_b -- stat -c %u:%g "$dst2/f")" "0:0"
	is "$fs: B sees A's uid 1000 as its uid 1000" \
		"$(in_b -- stat -c %u:%g "$dst2/shared/g")" "1000:1000"

	ok "$fs: unmount" umount "$dst2"
	ok "$fs: unmount" umount "$dst"
done

done_testing
