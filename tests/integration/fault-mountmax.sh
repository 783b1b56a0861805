#!/bin/bash
# The mount-count limit (/proc/sys/fs/mount-max): when the mount namespace is
# full, `shiftmount bind` fails with ENOSPC explained as the mount table being
# full (not the disk) and leaves nothing mounted.
#
# mount-max is global but counted per mount namespace.  Rather than lowering
# it below what other namespaces hold (which would break whatever else runs on
# this machine), we fill a private namespace far above every other one and set
# the limit to exactly our count for the moment of the attempt; it is restored
# right after, and at exit whatever happens.
. "$SM_SRC/tests/lib/lib.sh"

mountmax_prepare || { done_testing; exit; }

src=$SM_TMP/src dst=$SM_TMP/dst fill=$SM_TMP/fill
mkdir -p "$src" "$dst" "$fill"
chmod 755 "$SM_TMP"

# In a private mount namespace: double the mounts under $fill until there are
# at least $want, cap mount-max at our count, try the bind, restore.
out=$(unshare -m --propagation private bash -c '
	set -u
	fill=$1 src=$2 dst=$3 want=$4 orig=$5 max_file=$6
	mount -t tmpfs fill "$fill" && mkdir "$fill/a" || exit 90
	while [ "$(wc -l </proc/self/mountinfo)" -lt "$want" ]; do
		mount --rbind "$fill" "$fill/a" || exit 91
	done
	count=$(wc -l </proc/self/mountinfo)
	echo "count $count"
	echo "$count" >"$max_file" || exit 92
	shiftmount bind --map b:0:200000:65536 "$src" "$dst" 2>&1
	echo "rc $?"
	echo "$orig" >"$max_file"
	echo "after $(wc -l </proc/self/mountinfo)"
	grep -c " $dst " /proc/self/mountinfo || true
' _ "$fill" "$src" "$dst" "$want" "$orig" "$max_file")
rc=$?
echo "$orig" >$max_file
is "the namespace could be filled" "$rc" 0
is "mount-max is restored" "$(cat $max_file)" "$orig"
count=$(sed -n 's/^count //p' <<<"$out")
after=$(sed -n 's/^after //p' <<<"$out")
diag "private namespace filled to $count mounts (others hold at most $others)"
is "bind exits 1 when the mount table is full" "$(sed -n 's/^rc //p' <<<"$out")" 1
like "the error is ENOSPC" "$out" "shiftmount: .*: No space left on device"
like "explained as the mount-count limit, not the disk" "$out" "hint: .*mount table is full.*mount-max"
is "nothing was mounted" "$after" "$count"
is "DST is not a mount point" "$(tail -n1 <<<"$out")" 0
is "nothing leaked to the caller's namespace" "$(grep -c " $dst " /proc/self/mountinfo)" 0

done_testing
