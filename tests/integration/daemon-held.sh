#!/bin/bash
# A tenant's FUSE server that reads the inspection's request and never
# answers it.  The kernel waits such a request out, so the inspection child
# stays in D state even after SIGKILL.  The tenant must still get the
# daemon's refusal when the inspection times out; the held child must keep
# its worker (and so one of that tenant's worker slots) until it is gone,
# and other tenants must be served meanwhile.  Once the server goes,
# nothing is left: no process, no fd, no mount.
. "$SM_SRC/tests/integration/daemon-lib.sh"
daemon_setup

D=$FS/data
marked_dir "$D/img" --origin 100000
mkdir -p "$D/held"
fds0=$(idle_fds)
sig0=$(mountinfo_sig)
fuse-hold "$D/held" "$SM_TMP/held" 2>"$SM_TMP/fuse-hold.err" &
holdpid=$!
at_exit "kill $holdpid 2>/dev/null; umount -l '$D/held' 2>/dev/null"
if ! wait_for "fuse-hold to mount" 30 grep -q " $D/held " /proc/self/mountinfo; then
	echo "Bail out! fuse-hold did not mount"
	exit 1
fi

children() { cat /proc/"$1"/task/*/children 2>/dev/null | tr -s " " "\n" | grep .; }
state() { awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null; }
in_d_state() { [ "$(state "$1")" = D ]; }
no_children() { [ -z "$(children "$DPID")" ]; }

tenant 200000 shiftmount request "$D/held" "$FS/dst" >"$SM_TMP/held.out" 2>&1 &
req=$!
wait_for "fuse-hold to hold the inspection's request" 30 test -e "$SM_TMP/held"
wait $req
rc=$?
# Read before anything lets the server go.
worker=$(children "$DPID" | head -n 1)
inspector=$(children "${worker:-0}" | head -n 1)
is "the held request fails" "$rc" 1
like "  ... with the daemon's refusal, not the client's own timeout" \
	"$(cat "$SM_TMP/held.out")" "inspecting the source timed out"
# SIGKILLed, it runs a moment (R) before it waits the request out in D.
wait_for "  ... while the inspection child is still held in D state (the answer did not wait for it)" \
	10 in_d_state "${inspector:-0}"
ok "  ... and its worker waits for it (it still counts against the tenant)" \
	test -n "$worker" -a -d "/proc/${worker:-0}"

out=$(tenant 300000 sh -c "shiftmount request '$D/img' '$FS/dst' && echo GRANTED" 2>&1)
like "another tenant's request is granted meanwhile" "$out" "GRANTED"
ok "  ... and introspection is answered" daemon_alive

kill -TERM "$holdpid"
wait "$holdpid"
is "fuse-hold exits 0 on SIGTERM" "$?" 0
wait_for "the held worker and its inspection child to be reaped" 30 no_children
ok "once the server is gone, the daemon has no child left" no_children
is "  ... no fd leaked" "$(wait_fds "$fds0")" "$fds0"
is "  ... nothing mounted" "$(mountinfo_sig)" "$sig0"
out=$(tenant 200000 sh -c "shiftmount request '$D/img' '$FS/dst' && echo GRANTED" 2>&1)
like "the tenant whose server held the request is served again" "$out" "GRANTED"
ok "the daemon still answers" daemon_alive
daemon_stop
done_testing
