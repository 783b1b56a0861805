#!/bin/bash
# shiftmount reconfigure on the FUSE backend: a new shiftfs-fuse instance
# goes beneath the old one, the old one is detached and exits once its last
# user (an open file, a cwd) is gone; open files keep the old map, new
# lookups see the new one, and 100 swaps under a tight stat loop never show
# the unshifted owner or ENOENT.
. "$SM_SRC/tests/integration/reconfigure-lib.sh"

# Exactly one live shiftfs-fuse process serves DST.
one_instance() { # DST
	local p n=0
	for p in $(pgrep -x shiftfs-fuse); do
		tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -q " $1 \?$" && ! gone "$p" && n=$((n + 1))
	done
	[ $n = 1 ]
}

for fs in ext4 tmpfs; do
	dir=$(scratch_fs $fs) || { ok "$fs: a scratch filesystem" false; continue; }
	live_swap fuse "$dir/img" "$SM_TMP/dst-$fs" "fuse on $fs"
	swap_race fuse "$dir/race" "$SM_TMP/race-$fs" "fuse on $fs"
	# Every instance but the one serving DST exits (the last old one
	# once its last request is answered).
	wait_for "fuse on $fs: after 100 swaps only one shiftfs-fuse serving DST" 30 \
		one_instance "$SM_TMP/race-$fs"

	# A new instance that cannot start: exit 1, the old one serves on.
	d=$SM_TMP/race-$fs
	state=$(mount_state "$d")
	sig=$(mountinfo_sig)
	out=$(SHIFTFS_FUSE=$SM_TMP/no-such-shiftfs-fuse shiftmount reconfigure --map b:100000:400000:65536 "$d" 2>&1)
	is "fuse on $fs: no shiftfs-fuse to start: exit 1" "$?" 1
	like "fuse on $fs:   says so" "$out" "starting shiftfs-fuse: No such file or directory"
	is "fuse on $fs:   the mount unchanged (id, flags, map)" "$(mount_state "$d")" "$state"
	is "fuse on $fs:   the mount table unchanged" "$(mountinfo_sig)" "$sig"
	ok "fuse on $fs:   and it still serves" stat "$d/watched"
done

done_testing
