#!/bin/bash
# The mount-count limit met by a tenant: its own mount namespace is full
# (mount-max), it asks shiftmountd for a mark, and the attach fails with
# ENOSPC, explained as the mount table being full (not the disk), with
# nothing attached; the daemon keeps serving.  As in fault-mountmax.sh the
# global limit is only lowered to the count of a namespace filled far above
# every other one, for the moment of the attempt, and always restored.
. "$SM_SRC/tests/integration/daemon-lib.sh"

command -v shiftmountd >/dev/null || { skip "shiftmountd not built"; done_testing; exit; }
mountmax_prepare || { done_testing; exit; }

daemon_prepare 16 || { skip "no tmpfs"; done_testing; exit; }
chmod 755 "$FS"
mkdir -p "$FS/fill"
chown 200000:200000 "$FS/fill"
marked_dir "$FS/img" --origin 100000 --by @alice --name img || {
	skip "cannot mark"
	done_testing
	exit
}
start_daemon

# The tenant fills its namespace, says how many mounts it holds, waits for
# the limit to be set, asks for the mark, and reports.
sync_dir=$SM_TMP/sync
mkdir -m 777 "$sync_dir"
userns-run --map-root 200000 --mountns -- sh -c '
	fill=$1 want=$2 s=$3 dst=$4
	# Private: unmounts elsewhere on the host must not change our count.
	mount --make-rprivate / || exit 89
	mount -t tmpfs fill "$fill" && mkdir "$fill/a" || exit 90
	while [ "$(wc -l </proc/self/mountinfo)" -lt "$want" ]; do
		mount --rbind "$fill" "$fill/a" || exit 91
	done
	wc -l </proc/self/mountinfo >"$s/count"
	# The test touches go whatever happens; 60 s bound it all the same.
	i=0
	until [ -e "$s/go" ] || [ $i -ge 3000 ]; do sleep 0.02; i=$((i + 1)); done # a poll interval
	shiftmount request --name img "$dst" >"$s/out" 2>&1
	echo "rc=$?" >>"$s/out"
	wc -l </proc/self/mountinfo >"$s/after"
	touch "$s/done"
' _ "$FS/fill" "$want" "$sync_dir" "$FS/dst" &
tpid=$!
wait_for "the tenant to fill its mount namespace" 60 test -s "$sync_dir/count"
count=$(cat "$sync_dir/count" 2>/dev/null)
[ -n "$count" ] && echo "$count" >$max_file
touch "$sync_dir/go"
[ -n "$count" ] && wait_for "the tenant's request at the limit" 60 test -e "$sync_dir/done"
echo "$orig" >$max_file
wait $tpid
is "mount-max is restored" "$(cat $max_file)" "$orig"
if [ -z "$count" ]; then
	_tap 1 "the tenant could fill its mount namespace"
	done_testing
	exit
fi
out=$(cat "$sync_dir/out")
diag "tenant namespace filled to $count mounts; request said: $(head -n1 <<<"$out")"
like "a full tenant namespace: the request fails" "$out" "rc=1"
like "with ENOSPC" "$out" "shiftmount: .*No space left on device"
like "explained as the mount-count limit, not the disk" "$out" "hint: .*mount-max"
is "nothing was attached in the tenant" "$(cat "$sync_dir/after")" "$count"
ok "the daemon is still running" kill -0 "$DPID"

done_testing
