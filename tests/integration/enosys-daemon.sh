#!/bin/bash
# shiftmountd on a kernel without openat2 (ENOSYS through tests/helpers/
# enosys): it cannot resolve a tenant's path safely inside the tenant's root
# (RESOLVE_IN_ROOT), so a request by path must be refused with a clear
# message, nothing mounted, and the daemon must keep serving.  statmount and
# listmount missing change nothing for a request.
. "$SM_SRC/tests/integration/daemon-lib.sh"

command -v shiftmountd >/dev/null || { skip "shiftmountd not built"; done_testing; exit; }
command -v enosys >/dev/null || { skip "enosys helper not built"; done_testing; exit; }
daemon_prepare 16 || { skip "no tmpfs"; done_testing; exit; }
chmod 755 "$FS"
marked_dir "$FS/img" --origin 100000 --by @alice --name img || {
	skip "cannot mark (trusted xattrs on tmpfs?)"
	done_testing
	exit
}

start_daemon enosys openat2 --
sig=$(local_mounts)
out=$(tenant_request by-path "$FS/img" "$FS/dst")
like "openat2 ENOSYS: a request by path is refused" "$out" "rc=1"
like "openat2 ENOSYS: with a clear reason" "$out" "^shiftmount: request .*(not implemented|openat2)"
is "openat2 ENOSYS: nothing attached in the tenant" "$(grep -c MOUNTINFO-CHANGED <<<"$out")" 0
is "openat2 ENOSYS: nothing mounted on the host" "$(local_mounts)" "$sig"
ok "openat2 ENOSYS: the daemon is still running" kill -0 "$DPID"
diag "daemon said: $(grep '^shiftmount:' <<<"$out" | head -n1)"
out=$(tenant_request by-name --name img "$FS/dst")
if [[ $out == *rc=0* ]]; then
	is "openat2 ENOSYS: by name (admin's registry path) is served" "$(owner "$FS/img/by-name")" "100000:100000"
else
	like "openat2 ENOSYS: by name, a clear refusal" "$out" "^shiftmount: request .*rc=1"
fi
kill "$DPID"
wait "$DPID" 2>/dev/null

start_daemon enosys statmount,listmount --
out=$(tenant_request stat-path "$FS/img" "$FS/dst")
like "statmount/listmount ENOSYS: a request by path is served" "$out" "rc=0"
is "statmount/listmount ENOSYS: owner on disk" "$(owner "$FS/img/stat-path" 2>&1)" "100000:100000"

done_testing
