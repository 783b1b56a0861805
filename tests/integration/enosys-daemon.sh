#!/bin/bash
# shiftmountd on a kernel without openat2 (ENOSYS through tests/helpers/
# enosys): it cannot resolve a tenant's path safely inside the tenant's root
# (RESOLVE_IN_ROOT), so a request by path must be refused with a clear
# message, nothing mounted, and the daemon must keep serving.  statmount and
# listmount missing change nothing for a request.
. "$SM_SRC/tests/lib/lib.sh"

command -v shiftmountd >/dev/null || { skip "shiftmountd not built"; done_testing; exit; }
command -v enosys >/dev/null || { skip "enosys helper not built"; done_testing; exit; }
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
local_mounts() { cut -d' ' -f5 /proc/self/mountinfo | grep "^$SM_TMP" | sort | tr '\n' ' '; }

DPID=
start_daemon() { # ENOSYS-LIST
	local n
	n=$(grep -c "listening on" "$DLOG" 2>/dev/null)
	enosys "$1" -- shiftmountd --socket "$SOCK" --registry "$REG" --subuid "$SM_TMP/subuid" \
		--subgid "$SM_TMP/subgid" --config /dev/null 2>>"$DLOG" &
	DPID=$!
	at_exit "kill $DPID 2>/dev/null; wait $DPID 2>/dev/null"
	for _ in $(seq 100); do
		[ "$(grep -c "listening on" "$DLOG" 2>/dev/null)" -gt "${n:-0}" ] && break
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
}
TRY='f=$1; shift; for a; do d=$a; done
	before=$(cut -d" " -f5 /proc/self/mountinfo | sort | md5sum)
	shiftmount request "$@"; rc=$?
	after=$(cut -d" " -f5 /proc/self/mountinfo | sort | md5sum)
	[ $rc = 0 ] && echo hi >"$d/$f"
	[ $rc != 0 ] && [ "$before" != "$after" ] && echo MOUNTINFO-CHANGED
	echo "rc=$rc"'
request() { # FILE SRC-ARGS... DST (SRC-ARGS: a path, or --name NAME)
	userns-run --map-root 200000 --mountns -- sh -c "$TRY" _ "$@" 2>&1
}

start_daemon openat2
sig=$(local_mounts)
out=$(request by-path "$FS/img" "$FS/dst")
like "openat2 ENOSYS: a request by path is refused" "$out" "rc=1"
like "openat2 ENOSYS: with a clear reason" "$out" "^shiftmount: request .*(not implemented|openat2)"
is "openat2 ENOSYS: nothing attached in the tenant" "$(grep -c MOUNTINFO-CHANGED <<<"$out")" 0
is "openat2 ENOSYS: nothing mounted on the host" "$(local_mounts)" "$sig"
ok "openat2 ENOSYS: the daemon is still running" kill -0 "$DPID"
diag "daemon said: $(grep '^shiftmount:' <<<"$out" | head -n1)"
out=$(request by-name --name img "$FS/dst")
if [[ $out == *rc=0* ]]; then
	is "openat2 ENOSYS: by name (admin's registry path) is served" "$(owner "$FS/img/by-name")" "100000:100000"
else
	like "openat2 ENOSYS: by name, a clear refusal" "$out" "^shiftmount: request .*rc=1"
fi
kill "$DPID"
wait "$DPID" 2>/dev/null

start_daemon statmount,listmount
out=$(request stat-path "$FS/img" "$FS/dst")
like "statmount/listmount ENOSYS: a request by path is served" "$out" "rc=0"
is "statmount/listmount ENOSYS: owner on disk" "$(owner "$FS/img/stat-path" 2>&1)" "100000:100000"

done_testing
