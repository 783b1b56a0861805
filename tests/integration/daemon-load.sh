#!/bin/bash
# Load: 200 requests from 20 tenant namespaces at once, each answered
# correctly (a mount made along that tenant's own map); afterwards the
# daemon's fd count and RSS are back at their baseline.
. "$SM_SRC/tests/integration/daemon-lib.sh"
daemon_setup
D=$FS/data
# The 20 tenants' ranges are all subordinate ranges of the user "tenants".
marked_dir "$D/img" --origin 100000 --by @tenants --name img
mkdir -m 1777 "$SM_TMP/out" "$SM_TMP/mnt"
M=$SM_TMP/mnt

rss() { awk '/^VmRSS/ {print $2}' "/proc/$DPID/status"; }
# Warm up (first fork, first allocations), then take the baseline.
tenant 1000000 shiftmount request --name img "$FS/dst"
fds0=$(idle_fds)
rss0=$(rss)

# One round: 20 tenants, 10 requests each at once; prints how many of the
# 200 were mounted along the right map and written through.
load_round() { # ROUND
	local round=$1 pids="" t total=0
	rm -f "$SM_TMP/out/"*
	for t in $(seq 0 19); do
		host=$((1000000 + t * 65536))
		# Each tenant: 10 requests at once, alternating by path and by name,
		# each into its own directory, then writes through each.
		tenant $host sh -c "
			for j in \$(seq 0 9); do
				mkdir -p $M/t$t-\$j
				if [ \$((j % 2)) = 0 ]; then
					shiftmount request '$D/img' $M/t$t-\$j &
				else
					shiftmount request --name img $M/t$t-\$j &
				fi
			done
			wait
			n=0
			for j in \$(seq 0 9); do
				grep -q \" $M/t$t-\$j .*idmapped\" /proc/self/mountinfo &&
				touch $M/t$t-\$j/w$round-$t-\$j && n=\$((n + 1))
				rmdir $M/t$t-\$j 2>/dev/null
			done
			echo \$n >'$SM_TMP/out/$t'" &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids
	for t in $(seq 0 19); do total=$((total + $(cat "$SM_TMP/out/$t" 2>/dev/null || echo 0))); done
	echo "$total"
}

start=$(date +%s.%N)
total=$(load_round 1)
end=$(date +%s.%N)
is "200 concurrent requests from 20 tenants: all mounted and written through" "$total" "200"
n100=$(find "$D/img" -name 'w1-*' -user 100000 -group 100000 | wc -l)
is "every tenant's root wrote at the origin 100000" "$n100" "200"
diag "200 requests in $(echo "$end - $start" | bc 2>/dev/null || echo '?') s"
ok "each of the decisions is logged" test "$(grep -c ': allowed: ' "$DLOG")" -ge 201
is "daemon fd count back at the baseline" "$(wait_fds "$fds0")" "$fds0"
# The first burst sizes the heap; a second one must not grow it further.
rss1=$(rss)
is "second round: 200 more, all correct" "$(load_round 2)" "200"
is "daemon fd count back at the baseline again" "$(wait_fds "$fds0")" "$fds0"
rss2=$(rss)
if ldd "$SM_BUILD/bin/shiftmountd" | grep -q libasan; then
	skip "RSS: ASan's quarantine keeps freed memory (${rss0} -> ${rss1} -> ${rss2} kB)"
else
	ok "daemon RSS back at its baseline after each burst (${rss0} -> ${rss1} -> ${rss2} kB, within 1 MB)" \
		test "$rss2" -le $((rss0 + 1024)) -a "$rss1" -le $((rss0 + 1024))
fi
ok "daemon still answers" daemon_alive
# Rmdir'd mount points in gone namespaces left nothing on the host.
is "nothing of the tenants' mounts on the host" "$(grep -c "$M/t" /proc/self/mountinfo)" "0"
daemon_stop
done_testing
