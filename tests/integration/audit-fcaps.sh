#!/bin/bash
# shiftmount audit and file capabilities: one a tenant sets through a
# shifted mount with origin 0 (the kernel stores it with rootid 0: valid on
# the host), one set on the host, one v3 for another namespace root;
# --fix removes them.
. "$SM_SRC/tests/lib/lib.sh"

command -v setcap >/dev/null || { skip "setcap is not installed (libcap2-bin)"; done_testing; exit; }
fs=$(scratch_fs tmpfs 16) || { skip "no tmpfs"; done_testing; exit; }
src=$fs/src dst=$fs/dst
chmod 755 "$SM_TMP" "$fs"
mkdir -p "$src" "$dst"
if ! shiftmount bind --map b:0:200000:65536 "$src" "$dst"; then
	skip "cannot make an idmapped mount on tmpfs"
	done_testing
	exit
fi
at_exit "umount -l '$dst'"

if userns-run -- sh -c "cp /bin/true '$dst/ping' && setcap cap_net_raw+ep '$dst/ping'"; then
	like "the tenant's capability is visible on the host" "$(getcap "$src/ping")" "cap_net_raw=ep"
else
	skip "the tenant could not set a capability"
fi
cp /bin/true "$src/hostcap"
setcap cap_sys_admin+ep "$src/hostcap"
# A v3 capability for the namespace whose root is host 100000 (raw value:
# magic 0x03000001, permitted bit 13 cap_net_raw, rootid 100000).
cp /bin/true "$src/v3"
setfattr -n security.capability \
	-v 0x$(printf %s 01000003 00200000 00000000 00000000 00000000 a0860100) "$src/v3"

out=$(shiftmount audit "$src" 2>&1)
is "audit exits 1" "$?" 1
like "finds the tenant's capability" "$out" "$src/ping: capability \(file, owner 0:0, mode 0755, capability v[23] effective permitted 0x2000"
like "finds the host's capability" "$out" "$src/hostcap: capability .*permitted 0x200000\)"
like "decodes the v3 rootid" "$out" "$src/v3: capability .*capability v3 effective permitted 0x2000 rootid 100000\)"
out=$(shiftmount audit --json "$src" 2>&1)
like "--json gives the rootid" "$out" '"rootid":100000'

out=$(shiftmount audit --fix "$src" 2>&1)
is "--fix exits 1 (there were findings)" "$?" 1
like "--fix says it removed the capability" "$out" "$src/hostcap: fixed: removed security.capability"
is "no capability left" "$(getcap -r "$src" 2>/dev/null)" ""
is "the files are still there" "$(ls "$src" | wc -l)" 3
shiftmount audit "$src" >/dev/null 2>&1
is "a re-run is clean (exit 0)" "$?" 0

# A capability and setuid on one file: both go in one fix.
cp /bin/true "$src/both" && chmod 4755 "$src/both" && setcap cap_net_raw+ep "$src/both"
out=$(shiftmount audit --fix "$src" 2>&1)
like "setuid and capability on one file" "$out" "$src/both: setuid, capability "
like "both fixed" "$out" "$src/both: fixed: mode 4755 -> 0755, removed security.capability"
is "mode after" "$(stat -c %a "$src/both")" 755
is "capability after" "$(getcap "$src/both")" ""

done_testing
