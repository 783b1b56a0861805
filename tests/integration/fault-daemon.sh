#!/bin/bash
# shiftmountd faults: the daemon killed while a tenant's request is pending
# (the client gets a clear error, nothing is half-attached, a restarted
# daemon serves again), and a tenant whose namespace's processes all exit
# while its request is pending (the daemon survives, leaks nothing and mounts
# nothing).  The daemon is held with SIGSTOP so "pending" is deterministic.
. "$SM_SRC/tests/lib/lib.sh"

# Mount points under our scratch directory (the host's whole table changes
# with whatever else runs on the machine).
local_mounts() { cut -d' ' -f5 /proc/self/mountinfo | grep "^$SM_TMP" | sort | tr '\n' ' '; }

command -v shiftmountd >/dev/null || { skip "shiftmountd not built"; done_testing; exit; }
chmod 755 "$SM_TMP"
FS=$(scratch_fs tmpfs 16) || { skip "no tmpfs"; done_testing; exit; }
chmod 755 "$FS"
REG=$SM_TMP/registry SOCK=$SM_TMP/shiftmountd.sock DLOG=$SM_TMP/shiftmountd.log
printf 'alice:200000:65536\n' >"$SM_TMP/subuid"
cp "$SM_TMP/subuid" "$SM_TMP/subgid"
export SHIFTMOUNT_REGISTRY=$REG SHIFTMOUNT_SOCKET=$SOCK
mkdir -p "$FS/img" "$FS/dst"
chown 100000:100000 "$FS/img"
shiftmount mark --origin 100000 --by @alice --name img "$FS/img" >/dev/null || {
	skip "cannot mark (trusted xattrs on tmpfs?)"
	done_testing
	exit
}

DPID=
start_daemon() {
	local n
	n=$(grep -c "listening on" "$DLOG" 2>/dev/null)
	shiftmountd --socket "$SOCK" --registry "$REG" --subuid "$SM_TMP/subuid" \
		--subgid "$SM_TMP/subgid" --config /dev/null 2>>"$DLOG" &
	DPID=$!
	at_exit "kill -CONT $DPID 2>/dev/null; kill $DPID 2>/dev/null; wait $DPID 2>/dev/null"
	# Listening, not merely a socket file: a killed daemon leaves a stale one.
	for _ in $(seq 100); do
		[ "$(grep -c "listening on" "$DLOG" 2>/dev/null)" -gt "${n:-0}" ] && break
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
}
daemon_fds() { ls "/proc/$DPID/fd" 2>/dev/null | wc -l; }
wait_fds() { # WANT
	local n
	for _ in $(seq 60); do
		n=$(daemon_fds)
		[ "$n" = "$1" ] && break
		sleep 0.05
	done
	echo "$n"
}
# In a fresh tenant (root = host 200000, own mount namespace): ask for the
# mark and write a file through it; prints the request's status, and
# MOUNTINFO-CHANGED if the tenant's mount table changed on a failure.
TRY='before=$(cut -d" " -f5 /proc/self/mountinfo | sort | md5sum)
	shiftmount request --name img "$1"; rc=$?
	after=$(cut -d" " -f5 /proc/self/mountinfo | sort | md5sum)
	[ $rc = 0 ] && echo hi >"$1/$2"
	[ $rc != 0 ] && [ "$before" != "$after" ] && echo MOUNTINFO-CHANGED
	echo "rc=$rc"'
tenant_request() { # FILE-NAME
	userns-run --map-root 200000 --mountns -- sh -c "$TRY" _ "$FS/dst" "$1" 2>&1
}

start_daemon
out=$(tenant_request first)
like "a request is served" "$out" "rc=0"
is "the tenant's file lands at the origin on disk" "$(owner "$FS/img/first" 2>&1)" "100000:100000"
fds0=$(wait_fds "$(daemon_fds)")

# 1. The daemon dies with the request pending.
sig=$(local_mounts)
kill -STOP "$DPID"
tenant_request killed >"$SM_TMP/out1" &
tpid=$!
sleep 0.5
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null || true
kill -CONT "$DPID" 2>/dev/null
wait $tpid
out=$(cat "$SM_TMP/out1")
like "daemon killed: the request fails" "$out" "rc=1"
like "daemon killed: with a clear message" "$out" "^shiftmount: .*(daemon|shiftmountd|connection|Connection)"
diag "client: $(grep '^shiftmount:' <<<"$out" | head -n1)"
is "daemon killed: nothing attached in the tenant" "$(grep -c MOUNTINFO-CHANGED <<<"$out")" 0
is "daemon killed: nothing mounted on the host" "$(local_mounts)" "$sig"
ok "daemon killed: no file was written" test ! -e "$FS/img/killed"

start_daemon
out=$(tenant_request again)
like "restarted on the same socket: a request is served again" "$out" "rc=0"
is "restarted: the owner on disk is right" "$(owner "$FS/img/again" 2>&1)" "100000:100000"
fds0=$(wait_fds "$(daemon_fds)")

# 2. The tenant's namespace empties while its request is pending.
sig=$(local_mounts)
kill -STOP "$DPID"
userns-run --map-root 200000 --mountns --pidfile "$SM_TMP/tpid" -- \
	shiftmount request --name img "$FS/dst" >"$SM_TMP/out2" 2>&1 &
upid=$!
for _ in $(seq 50); do [ -s "$SM_TMP/tpid" ] && break; sleep 0.05; done
sleep 0.5
kill -KILL "$(cat "$SM_TMP/tpid")"
wait $upid 2>/dev/null
kill -CONT "$DPID"
sleep 0.3
ok "tenant gone: the daemon is still running" kill -0 "$DPID"
is "tenant gone: no daemon fd leaked" "$(wait_fds "$fds0")" "$fds0"
is "tenant gone: nothing mounted on the host" "$(local_mounts)" "$sig"
out=$(tenant_request after)
like "tenant gone: the next request is served" "$out" "rc=0"
is "tenant gone: the owner on disk is right" "$(owner "$FS/img/after" 2>&1)" "100000:100000"
grep -qiE 'sanitizer|segfault|abort' "$DLOG"
is "the daemon log shows no crash" "$?" 1

done_testing
