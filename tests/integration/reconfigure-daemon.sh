#!/bin/bash
# A mount granted by shiftmountd stays locked: the tenant (root of its own
# user and mount namespace) cannot reconfigure it -- a new map and a flag
# change are both refused, and the mount keeps its id, map and flags.  The
# admin, entering the tenant's mount namespace, can; the new mount keeps the
# grant's locked nosuid,nodev, which the tenant still cannot clear; with
# --grant the daemon's policy gives the new map, or refuses it.
. "$SM_SRC/tests/integration/daemon-lib.sh"
daemon_setup

D=$FS/data
marked_dir "$D/grant" --origin 100000 --by @alice
DST=$FS/dst

# The tenant's view of its mount at DST: mount id, options, map, flags.
# shellcheck disable=SC2016
STATE='awk -v d="$1" '\''$5 == d { print $1, $6 }'\'' /proc/self/mountinfo; shiftmount show "$1" | grep -E "^  (ids|flags) "'

out=$(tenant 200000 sh -c "
	state() { $STATE; }
	shiftmount request '$D/grant' '$DST' || { echo REQUEST-FAILED; exit 1; }
	s0=\$(state '$DST')
	shiftmount reconfigure --shift --origin 300000 '$DST'; echo map-rc=\$?
	shiftmount reconfigure -o ro '$DST'; echo flags-rc=\$?
	shiftmount reconfigure -o suid,dev '$DST'; echo unlock-rc=\$?
	s1=\$(state '$DST')
	[ \"\$s0\" = \"\$s1\" ] && echo UNCHANGED
	echo \"\$s1\"
	touch '$DST/after' && stat -c %u:%g '$DST/after'" 2>&1)
like "tenant: the grant is attached" "$out" "idmapped"
like "tenant: a new map is refused, exit 1" "$out" "map-rc=1"
like "tenant:   saying that only the host's root may, and why" "$out" \
	"only root of the initial user namespace may reconfigure a shifted mount.*hint: a shifted mount in a container \(a grant of shiftmountd\) is locked"
like "tenant: a flag change is refused, exit 1" "$out" "flags-rc=1"
like "tenant: clearing the locked nosuid,nodev is refused, exit 1" "$out" "unlock-rc=1"
like "tenant: the mount is exactly as granted (id, options, map, flags)" "$out" "UNCHANGED"
like "tenant:   still nosuid,nodev" "$out" "nosuid,nodev"
like "tenant: its root still writes as itself" "$out" $'\n''0:0$'
is "tenant:   at the mark's origin on disk" "$(owner "$D/grant/after")" "100000:100000"

# The admin reconfigures the grant from the host, in the tenant's mount
# namespace.  The tenant waits on fifos held open here (no open blocks).
mkfifo -m 666 "$SM_TMP/ready" "$SM_TMP/go"
exec {rfd}<>"$SM_TMP/ready" {gfd}<>"$SM_TMP/go"
userns-run --map-root 200000 --mountns --pidfile "$SM_TMP/t.pid" -- sh -c "
	shiftmount request '$D/grant' '$DST' || exit 1
	echo ready >'$SM_TMP/ready'; read x <'$SM_TMP/go'
	grep ' $DST ' /proc/self/mountinfo | cut -d' ' -f6
	mount -o remount,bind,suid,dev '$DST' 2>/dev/null; echo remount-suid-rc=\$?
	touch '$DST/by-tenant' && stat -c %u:%g '$DST/by-tenant'" >"$SM_TMP/tenant.out" 2>&1 &
tpid=$!
read -r -t 30 -u $rfd line
is "tenant with a grant is waiting" "$line" "ready"
T=$(cat "$SM_TMP/t.pid")
before=$(nsenter -t "$T" -m awk -v d="$DST" '$5 == d { print $1 }' /proc/self/mountinfo)
ok "admin: reconfigure in the tenant's mount namespace (--shift=TENANT --origin 100000)" \
	nsenter -t "$T" -m shiftmount reconfigure --shift="$T" --origin 100000 "$DST"
after=$(nsenter -t "$T" -m awk -v d="$DST" '$5 == d { print $1 }' /proc/self/mountinfo)
ok "admin:   a new mount is in place ($before -> $after)" test -n "$after" -a "$before" != "$after"
echo go >&$gfd
wait $tpid
out=$(cat "$SM_TMP/tenant.out")
like "tenant after the admin's change: still nosuid,nodev" "$out" "nosuid,nodev"
like "tenant: still cannot clear them (the locks came along)" "$out" "remount-suid-rc=[1-9]"
like "tenant: writes as its root" "$out" $'\n''0:0$'
is "tenant:   at the origin on disk" "$(owner "$D/grant/by-tenant")" "100000:100000"
exec {rfd}<&- {gfd}<&-

# --grant: the admin moves the mark to origin 150000 and re-applies the
# grant; the daemon's policy gives the new map.  Then the mark admits only
# @bob: re-applying alice's grant is refused and the mount stays as it was.
mkfifo -m 666 "$SM_TMP/ready2" "$SM_TMP/go2"
exec {rfd}<>"$SM_TMP/ready2" {gfd}<>"$SM_TMP/go2"
userns-run --map-root 200000 --mountns --pidfile "$SM_TMP/t2.pid" -- sh -c "
	shiftmount request '$D/grant' '$DST' || exit 1
	echo ready >'$SM_TMP/ready2'; read x <'$SM_TMP/go2'
	touch '$DST/after-grant' && stat -c %u:%g '$DST/after-grant'
	echo ready >'$SM_TMP/ready2'; read x <'$SM_TMP/go2'
	touch '$DST/after-refusal' && stat -c %u:%g '$DST/after-refusal'" >"$SM_TMP/tenant2.out" 2>&1 &
tpid=$!
read -r -t 30 -u $rfd line
is "--grant: tenant with a grant is waiting" "$line" "ready"
T2=$(cat "$SM_TMP/t2.pid")
tstate() { nsenter -t "$T2" -m sh -c "awk -v d='$DST' '\$5 == d { print \$1, \$6 }' /proc/self/mountinfo; shiftmount show '$DST' | grep -E '^  (ids|flags) '"; }
like "--grant: the grant's map (origin 100000)" "$(tstate)" "disk 100000-165535 <-> host 200000-265535"

chown 150000:150000 "$D/grant"
ok "--grant: the admin moves the mark to origin 150000" shiftmount mark --origin 150000 --by @alice "$D/grant"
ok "--grant: reconfigure --grant=TENANT re-applies the policy" \
	shiftmount reconfigure --grant="$T2" --subuid "$SUBUID" --subgid "$SUBGID" "$DST"
after=$(tstate)
like "--grant:   the policy's new map (origin 150000)" "$after" "disk 150000-215535 <-> host 200000-265535"
like "--grant:   still nosuid,nodev" "$after" "nosuid,nodev"
echo go >&$gfd
read -r -t 30 -u $rfd line
is "--grant: the tenant's root writes at the new origin on disk" "$(owner "$D/grant/after-grant")" "150000:150000"

ok "--grant: the admin re-marks it for @bob only" shiftmount mark --origin 150000 --by @bob "$D/grant"
before=$(tstate)
out=$(shiftmount reconfigure --grant="$T2" --subuid "$SUBUID" --subgid "$SUBGID" "$DST" 2>&1)
is "--grant: alice's grant no longer allowed: exit 1" "$?" 1
like "--grant:   the policy's reason" "$out" "the policy refuses the grant to pid $T2: the mark allows only by=@bob"
is "--grant:   the mount unchanged (id, options, map, flags)" "$(tstate)" "$before"
out=$(shiftmount reconfigure --grant="$T2" --origin 5 "$DST" 2>&1)
is "--grant with --origin: exit 2" "$?" 2
like "--grant with --origin:   says why" "$out" "the policy gives the map"
echo go >&$gfd
wait $tpid
is "--grant: the tenant's root still writes at 150000 after the refusal" "$(owner "$D/grant/after-refusal")" "150000:150000"
exec {rfd}<&- {gfd}<&-

daemon_stop
done_testing
