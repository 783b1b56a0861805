#!/bin/bash
# The command lines of shiftmountd and shiftmount request: usage errors,
# a missing daemon, a busy socket path.
. "$SM_SRC/tests/integration/daemon-lib.sh"
daemon_setup
D=$FS/data
marked_dir "$D/g" --origin 100000

ok "shiftmountd --help" shiftmountd --help
for fd in 2 7 x; do
	out=$(shiftmountd --socket "$SM_TMP/r.sock" --ready-fd $fd 2>&1; echo "rc=$?")
	like "shiftmountd --ready-fd $fd (not an open fd of 3 or above): exit 2, says why" "$out" "ready-fd.*rc=2"
	ok "  ... and it did not listen" test ! -e "$SM_TMP/r.sock"
done
out=$(shiftmountd --bogus 2>&1; echo "rc=$?")
like "shiftmountd with an unknown option: exit 2" "$out" "rc=2"
out=$(shiftmountd --socket "$SM_TMP/x.sock" extra 2>&1; echo "rc=$?")
like "shiftmountd with an extra argument: exit 2" "$out" 'unexpected argument "extra".*rc=2'
echo "origin = nope" >"$SM_TMP/bad.conf"
out=$(shiftmountd --socket "$SM_TMP/x.sock" --config "$SM_TMP/bad.conf" 2>&1; echo "rc=$?")
like "shiftmountd with a bad --config: exit 2, names the file" "$out" "bad.conf.*rc=2"
mkdir "$SM_TMP/conf-dir"
out=$(shiftmountd --socket "$SM_TMP/y.sock" --config "$SM_TMP/conf-dir" 2>&1; echo "rc=$?")
like "shiftmountd with an unreadable --config: exit 1, says why" "$out" "conf-dir: Is a directory.*rc=1"
ok "shiftmountd with an unreadable --config: no socket left" test ! -e "$SM_TMP/y.sock"
out=$(shiftmountd --socket "$SOCK" --config /dev/null 2>&1; echo "rc=$?")
like "a second daemon on a live socket: refused, exit 1" "$out" "Address already in use.*rc=1"
ok "  the first one still answers" daemon_alive
touch "$SM_TMP/not-a-socket"
out=$(shiftmountd --socket "$SM_TMP/not-a-socket" --config /dev/null 2>&1; echo "rc=$?")
like "a socket path that is a regular file is not replaced" "$out" "File exists.*rc=1"
ok "  and the file is still there" test -f "$SM_TMP/not-a-socket"

out=$(tenant 200000 shiftmount request --socket "$SM_TMP/nobody.sock" "$D/g" "$FS/dst" 2>&1; echo "rc=$?")
like "request with no daemon: exit 1 with a hint" "$out" "connecting to .*nobody.sock.*hint: is shiftmountd running.*rc=1"
out=$(tenant 200000 env SHIFTMOUNT_SOCKET="$SM_TMP/nobody.sock" shiftmount request "$D/g" "$FS/dst" 2>&1; echo "rc=$?")
like "request takes the socket from \$SHIFTMOUNT_SOCKET" "$out" "nobody.sock.*rc=1"
out=$(shiftmount request -o suid "$D/g" "$FS/dst" 2>&1; echo "rc=$?")
like "request -o suid: exit 2 (nosuid,nodev are always set)" "$out" "always set.*rc=2"
out=$(shiftmount request "$D/g" 2>&1; echo "rc=$?")
like "request without DST: exit 2" "$out" "expected SRC DST.*rc=2"
out=$(shiftmount request --name g "$D/g" "$FS/dst" 2>&1; echo "rc=$?")
like "request --name with SRC too: exit 2" "$out" "takes only DST.*rc=2"
out=$(shiftmount request --name ../x "$FS/dst" 2>&1; echo "rc=$?")
like "request --name with a bad name: exit 2" "$out" "not a valid mark name.*rc=2"
out=$(shiftmount request "$D/nope" "$FS/dst" 2>&1; echo "rc=$?")
like "request of a missing SRC: exit 2" "$out" "No such file or directory.*rc=2"
out=$(shiftmount request "$D/g" "$FS/nope" 2>&1; echo "rc=$?")
like "request to a missing DST: exit 2" "$out" "nope: No such file or directory.*rc=2"
out=$(tenant 200000 shiftmount request --socket "$SOCK" -o ro "$D/g" "$FS/dst" -v 2>&1; echo "rc=$?")
like "request -v (options after operands too)" "$out" "origin 100000:100000.*rc=0"
daemon_stop
done_testing
