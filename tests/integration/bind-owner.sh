#!/bin/bash
# Issue 12's trap: SRC owned on disk by an id outside the mount's map.  The
# mount works (exit 0) but nothing can be created at its top; shiftmount bind
# and mount.shift say so on stderr: which owner, which map, the two fixes.
if [ -z "${SM_PRIVATE_NS:-}" ]; then
	SM_PRIVATE_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
. "$SM_SRC/tests/lib/lib.sh"
chmod 755 "$SM_TMP"

fs=$(scratch_fs tmpfs 16) || { skip "no tmpfs"; done_testing; exit; }
mkdir -p "$fs/root-owned" "$fs/origin-owned" "$fs/gid-only" "$SM_TMP/d1" "$SM_TMP/d2" \
	"$SM_TMP/d3" "$SM_TMP/d4" "$SM_TMP/d5"
chown 0:0 "$fs/root-owned"
chown 100000:100000 "$fs/origin-owned"
chown 100000:0 "$fs/gid-only"
for d in d1 d2 d3 d4 d5; do at_exit "umount -l '$SM_TMP/$d' 2>/dev/null"; done
export SHIFTMOUNT_CONFIG=$SM_TMP/none.conf

# bind --map on a root-owned SRC: mounted, warned, and the warning is true.
err=$(shiftmount bind --backend=kernel --map b:100000:0:65536 "$fs/root-owned" "$SM_TMP/d1" 2>&1)
is "bind: a SRC owned outside the map still mounts (exit 0)" "$?" 0
like "bind: the warning names SRC and both owners" "$err" \
	"^shiftmount: warning: $fs/root-owned is owned on disk by uid 0 and gid 0"
like "bind: ... and which maps leave them out" "$err" \
	"outside the uid map \(disk 100000-165535\) and the gid map \(disk 100000-165535\)"
like "bind: ... the first fix: chown SRC to the origin" "$err" "chown 100000:100000 $fs/root-owned"
like "bind: ... the second fix: another origin" "$err" "or choose an origin whose range holds"
is "bind: one line of warning, nothing else" "$(printf '%s\n' "$err" | wc -l)" 1
not_ok_expected "bind: as warned, creating at the top fails" touch "$SM_TMP/d1/new"
like "bind: ... with EACCES" "$(touch "$SM_TMP/d1/new" 2>&1)" "Permission denied"

# SRC owned by the origin: no warning, and creating works.
err=$(shiftmount bind --backend=kernel --map b:100000:0:65536 "$fs/origin-owned" "$SM_TMP/d2" 2>&1)
is "bind: SRC owned by the origin: exit 0" "$?" 0
is "bind: ... and no warning" "$err" ""
ok "bind: ... and creating at the top works" touch "$SM_TMP/d2/new"

# Only the group outside: the warning names only the gid.
err=$(shiftmount bind --backend=kernel --map b:100000:0:65536 "$fs/gid-only" "$SM_TMP/d3" 2>&1)
like "bind: only the gid outside: the gid is named" "$err" \
	"owned on disk by gid 0, outside the gid map \(disk 100000-165535\)"
uid_named=$(printf "%s\n" "$err" | grep -c "by uid")
is "bind: ... and the uid is not" "$uid_named" 0

# Explicit maps of several extents: the map's disk ranges are all listed.
err=$(shiftmount bind --backend=kernel --map "b:100000:0:10 b:200000:10:10" "$fs/root-owned" \
	"$SM_TMP/d4" 2>&1)
like "bind: several extents, all named" "$err" "uid map \(disk 100000-100009,200000-200009\)"

# mount.shift, fstab's origin=100000 on a root-owned SRC: the same warning.
err=$(mount.shift "$fs/root-owned" "$SM_TMP/d5" -o shift,origin=100000,backend=kernel 2>&1)
is "mount.shift: a SRC owned outside the map still mounts (exit 0)" "$?" 0
like "mount.shift: the warning, with its prefix" "$err" \
	"^mount.shift: warning: $fs/root-owned is owned on disk by uid 0 and gid 0"
like "mount.shift: ... the origin to chown to" "$err" "chown 100000:100000 $fs/root-owned \(the origin\)"
like "mount.shift: ... the map (origin 100000, range 65536)" "$err" "uid map \(disk 100000-165535\)"
done_testing
