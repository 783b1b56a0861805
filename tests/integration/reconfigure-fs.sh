#!/bin/bash
# shiftmount reconfigure on the kernel backend, on ext4, xfs, btrfs and
# tmpfs: a live origin change keeps open files and working directories on
# the old map while every new lookup sees the new one, and 100 swaps under a
# tight stat loop never show the unshifted owner or ENOENT.
. "$SM_SRC/tests/integration/reconfigure-lib.sh"

for fs in ext4 xfs btrfs tmpfs; do
	dir=$(scratch_fs $fs) || { ok "$fs: a scratch filesystem" false; continue; }
	live_swap kernel "$dir/img" "$SM_TMP/dst-$fs" "$fs"
	swap_race kernel "$dir/race" "$SM_TMP/race-$fs" "$fs"
done

done_testing
