#!/bin/bash
# shiftmountd faults: the daemon killed while a tenant's request is pending
# (the client gets a clear error, nothing is half-attached, a restarted
# daemon serves again), and a tenant whose namespace's processes all exit
# while its request is pending (the daemon survives, leaks nothing and mounts
# nothing).  The daemon is held with SIGSTOP so "pending" is deterministic.
. "$SM_SRC/tests/integration/daemon-lib.sh"

command -v shiftmountd >/dev/null || { skip "shiftmountd not built"; done_testing; exit; }
daemon_prepare 16 || { skip "no tmpfs"; done_testing; exit; }
chmod 755 "$FS"
marked_dir "$FS/img" --origin 100000 --by @alice --name img || {
	skip "cannot mark (trusted xattrs on tmpfs?)"
	done_testing
	exit
}
# A client is connected to the daemon's socket: besides the listener,
# /proc/net/unix lists each connection made to it under the socket's path,
# accepted or still in the backlog of a stopped daemon.
client_connected() { [ "$(grep -c " $SOCK\$" /proc/net/unix)" -gt 1 ]; }
no_client() { ! client_connected; }
# A request for the mark on $FS/dst that writes FILE-NAME through it.
img_request() { tenant_request "$1" --name img "$FS/dst"; } # FILE-NAME

start_daemon
out=$(img_request first)
like "a request is served" "$out" "rc=0"
is "the tenant's file lands at the origin on disk" "$(owner "$FS/img/first" 2>&1)" "100000:100000"
fds0=$(idle_fds)

# 1. The daemon dies with the request pending.
sig=$(local_mounts)
kill -STOP "$DPID"
img_request killed >"$SM_TMP/out1" &
tpid=$!
wait_for "the request to reach the stopped daemon" 30 client_connected
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
out=$(img_request again)
like "restarted on the same socket: a request is served again" "$out" "rc=0"
is "restarted: the owner on disk is right" "$(owner "$FS/img/again" 2>&1)" "100000:100000"
fds0=$(idle_fds)

# 2. The tenant's namespace empties while its request is pending.
sig=$(local_mounts)
kill -STOP "$DPID"
userns-run --map-root 200000 --mountns --pidfile "$SM_TMP/tpid" -- \
	shiftmount request --name img "$FS/dst" >"$SM_TMP/out2" 2>&1 &
upid=$!
wait_for "the tenant's pid file" 30 test -s "$SM_TMP/tpid"
wait_for "the tenant's request to reach the stopped daemon" 30 client_connected
kill -KILL "$(cat "$SM_TMP/tpid")"
wait $upid 2>/dev/null
kill -CONT "$DPID"
wait_for "the daemon to close the dead tenant's connection" 30 no_client
ok "tenant gone: the daemon is still running" kill -0 "$DPID"
is "tenant gone: no daemon fd leaked" "$(wait_fds "$fds0")" "$fds0"
is "tenant gone: nothing mounted on the host" "$(local_mounts)" "$sig"
out=$(img_request after)
like "tenant gone: the next request is served" "$out" "rc=0"
is "tenant gone: the owner on disk is right" "$(owner "$FS/img/after" 2>&1)" "100000:100000"
grep -qiE 'sanitizer|segfault|abort' "$DLOG"
is "the daemon log shows no crash" "$?" 1

done_testing
