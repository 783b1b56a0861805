#!/bin/bash
# What shiftmountd's children hold while a request is under way: a worker
# only its own connection, its peer's fds and the call's; the inspection
# child it forks only what it inspects with.  Neither the listening socket,
# nor the signalfd, nor another client's connection, nor a blocked signal
# (so SIGTERM ends them).  A stopped FUSE server holds the inspection.
. "$SM_SRC/tests/integration/daemon-lib.sh"
daemon_setup

D=$FS/data
marked_dir "$D/open" --origin 100000
mkdir -p "$D/hang"
bindfs -f -o allow_other "$D/open" "$D/hang" 2>/dev/null &
fusepid=$!
at_exit "kill -CONT $fusepid 2>/dev/null; umount -l '$D/hang' 2>/dev/null"
if ! poll 30 grep -q " $D/hang " /proc/self/mountinfo; then
	skip "bindfs cannot mount here: no request to hold"
	done_testing
	exit
fi

# The daemon's own listening socket (flag __SO_ACCEPTCON in /proc/net/unix).
listener=$(awk -v p="$SOCK" '$8 == p && $4 == "00010000" { print $7 }' /proc/net/unix)
links() { ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.* -> //p'; }
sockets() { links "$1" | grep -c '^socket:'; }
blocked() { awk '/^SigBlk:/ { print $2 }' "/proc/$1/status"; }
children() { cat /proc/"$1"/task/*/children 2>/dev/null | tr -s " " "\n"; }
# LIST (of fd links) has a line matching REGEX as a whole.
holds() { printf '%s\n' "$1" | grep -qxE -- "$2"; }

# Another client, connected and idle: none of the worker's business.
varlink-raw --no-nul --stall 20 "$SOCK" '{' &
idle=$!
wait_for "the daemon to hold the idle client's connection" 30 holds_clients 1
# What the checks below look for is there to be found: the daemon holds it.
d=$(links "$DPID")
ok "the daemon holds the listening socket" holds "$d" "socket:\[$listener\]"
ok "the daemon holds its signalfd" holds "$d" "anon_inode:\[signalfd\]"
blocks_some() { [ "$(blocked "$DPID")" != 0000000000000000 ]; }
ok "the daemon blocks signals (for its signalfd)" blocks_some

stop_fuse_server "$fusepid"
tenant 200000 shiftmount request "$D/hang" "$FS/dst" >"$SM_TMP/held.out" 2>&1 &
req=$!
worker=
inspector=
held() {
	worker=$(children "$DPID" | head -n 1)
	[ -n "$worker" ] && inspector=$(children "$worker" | head -n 1) && [ -n "$inspector" ]
}
if wait_for "a worker and its inspection child, held by the stopped FUSE server" 30 held; then
	w=$(links "$worker") i=$(links "$inspector")
	ok "worker: its fds can be read" holds "$w" "/dev/.*|pipe:.*|socket:.*"
	is "worker: one socket, its own connection" "$(sockets "$worker")" 1
	not_ok_expected "worker: not the listening socket" holds "$w" "socket:\[$listener\]"
	not_ok_expected "worker: not the signalfd" holds "$w" "anon_inode:\[signalfd\]"
	is "worker: no signal blocked" "$(blocked "$worker")" 0000000000000000
	ok "inspection child: its fds can be read" holds "$i" "pipe:.*"
	is "inspection child: no socket at all" "$(sockets "$inspector")" 0
	not_ok_expected "inspection child: not the signalfd" holds "$i" "anon_inode:\[signalfd\]"
	is "inspection child: no signal blocked" "$(blocked "$inspector")" 0000000000000000
	diag "worker holds: $(echo $w)"
	diag "inspection child holds: $(echo $i)"
else
	diag "request: $(cat "$SM_TMP/held.out")"
	diag "daemon log: $(tail -n 3 "$DLOG")"
fi
wait $req
like "the held request is refused once the inspection times out" "$(cat "$SM_TMP/held.out")" \
	"inspecting the source timed out"
kill -CONT "$fusepid"
kill "$idle"
wait "$idle" 2>/dev/null
ok "the daemon still answers" daemon_alive
daemon_stop
done_testing
