#!/bin/bash
# shiftmount reconfigure on bad input (exit 2) and failures (exit 1): the
# mount at DST stays exactly as it was (map, flags, mount id) and nothing is
# left mounted.  A kernel without open_tree_attr() or move_mount() (forced
# with tests/helpers/enosys) is named in the error.  Flags alone change in
# place; mount.shift -o remount does what reconfigure does.
. "$SM_SRC/tests/integration/reconfigure-lib.sh"

fs=$(scratch_fs tmpfs 32) || { ok "a tmpfs" false; done_testing; exit; }
src=$fs/src dst=$SM_TMP/dst plain=$SM_TMP/plain
mkdir -p "$src/sub" "$dst" "$plain"
chown 100000:100000 "$src" "$src/sub"
ok "bind --map b:100000:200000:65536" shiftmount bind --map b:100000:200000:65536 "$src" "$dst"
at_exit "umount -l '$dst'"

# refuse WANT REGEX DESC -- ARGS...: shiftmount reconfigure ARGS (run under
# $WRAP if set) exits WANT saying REGEX; DST and the mount table unchanged.
refuse() {
	local want=$1 re=$2 desc=$3 sig state out rc
	shift 4
	sig=$(mountinfo_sig)
	state=$(mount_state "$dst")
	out=$(${WRAP:-} shiftmount reconfigure "$@" 2>&1)
	rc=$?
	is "$desc: exit $want" "$rc" "$want"
	like "$desc: says why" "$out" "$re"
	is "$desc: the mount at DST unchanged (id, flags, map)" "$(mount_state "$dst")" "$state"
	is "$desc: mount table unchanged" "$(mountinfo_sig)" "$sig"
}

state0=$(mount_state "$dst")
like "the mount's state as show and mountinfo tell it" "$state0" "ids disk 100000-165535 <-> host 200000-265535"

# Bad input: 2.
refuse 2 '^shiftmount: --map: "b:0:100000:0": COUNT must be > 0$' "malformed map (COUNT 0)" -- \
	--map b:0:100000:0 "$dst"
refuse 2 '^shiftmount: --map: "x:1:2:3": ' "malformed map (prefix)" -- --map x:1:2:3 "$dst"
refuse 2 'not a shifted mount' "DST a plain mount" -- --map b:100000:300000:65536 "$fs"
refuse 2 'not a mount point' "DST a plain directory" -- --map b:100000:300000:65536 "$plain"
refuse 2 '"'"$SM_TMP"'/nope": No such file or directory' "DST missing" -- \
	--map b:100000:300000:65536 "$SM_TMP/nope"
refuse 2 'DST missing; usage' "no DST" -- --map b:100000:300000:65536
refuse 2 'nothing to change' "nothing to change" -- "$dst"
refuse 2 '--map: cannot be combined with --origin' "--map and --origin" -- \
	--map b:100000:300000:65536 --origin 5 "$dst"
refuse 2 '--shift: needs a TARGET' "bare --shift in the initial namespace" -- --shift "$dst"
refuse 2 'ORIGIN\+RANGE-1' "origin past the last id" -- --shift="$A" --origin 4294967000 "$dst"
refuse 2 '-o: "bogus": unknown option' "unknown flag" -- -o ro,bogus "$dst"

# A mount below DST: the new mount would hide it without -r.
mount -t tmpfs -o size=1m tmpfs "$dst/sub"
refuse 2 'has mounts below it.*-r' "a mount below DST, no -r" -- --map b:100000:300000:65536 "$dst"
umount "$dst/sub"

# Failures: 1, the old mount intact.
if enosys open_tree_attr -- true 2>/dev/null; then
	WRAP="enosys open_tree_attr --" refuse 1 \
		'no open_tree_attr\(\) \(Linux 6.15\).*hint: unmount it and bind it again' \
		"open_tree_attr ENOSYS" -- --map b:100000:300000:65536 "$dst"
	WRAP="enosys move_mount --" refuse 1 'no move_mount\(\)' "move_mount ENOSYS" -- \
		--map b:100000:300000:65536 "$dst"
	WRAP="enosys mount_setattr --" refuse 1 "changing the mount's flags: Function not implemented" \
		"mount_setattr ENOSYS, flags only" -- -o ro "$dst"
else
	ok "seccomp filters can be installed (tests/helpers/enosys)" false
fi

# Flags only: in place, same mount id, same map.
ok "-o ro,noexec" shiftmount reconfigure -o ro,noexec "$dst"
state=$(mount_state "$dst")
like "  the mount is ro,noexec now" "$state" "^[0-9]+ ro,[^ ]*noexec.* flags ro,noexec;"
is "  the same mount (id) with the same map" "$(echo "$state" | sed 's/ [^ ]* |.*flags [^;]*;/ |/')" \
	"$(echo "$state0" | sed 's/ [^ ]* |.*flags [^;]*;/ |/')"
out=$(in_a -- touch "$dst/x" 2>&1)
like "  a write fails with EROFS" "$out" "Read-only file system"
ok "-o rw,exec" shiftmount reconfigure -o rw,exec "$dst"
is "  back as it was" "$(mount_state "$dst")" "$state0"

# mount.shift -o remount: the same.
ok "mount.shift -o remount,shift=A,origin=300000" mount.shift none "$dst" -o remount,shift="$A",origin=300000
like "  show: the new map" "$(mount_state "$dst")" "disk 300000-365535 <-> host 200000-265535"
ok "mount.shift -o remount,ro" mount.shift none "$dst" -o remount,ro
like "  ro, the map kept" "$(mount_state "$dst")" "^[0-9]+ ro,.*flags ro;.*disk 300000-365535"
state=$(mount_state "$dst")
out=$(mount.shift none "$dst" -o remount,origin=zz 2>&1)
is "mount.shift -o remount,origin=zz: exit 1 (mount(8)'s usage status)" "$?" 1
is "  the mount unchanged" "$(mount_state "$dst")" "$state"
out=$(mount.shift none "$plain" -o remount,origin=5 2>&1)
is "mount.shift -o remount on a plain directory: exit 1" "$?" 1
like "  says why" "$out" "not a mount point"

done_testing
