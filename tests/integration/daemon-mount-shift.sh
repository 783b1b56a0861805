#!/bin/bash
# mount -t shift: mount(8) finds /sbin/mount.shift, which shifts directly
# for init-namespace root and goes through shiftmountd inside a container.
# /usr/sbin (where /sbin points) gets a tmpfs holding the built helper, but
# only inside a private mount namespace this script re-runs itself in.
if [ -z "${SM_PRIVATE_NS:-}" ]; then
	SM_PRIVATE_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
. "$SM_SRC/tests/integration/daemon-lib.sh"
daemon_setup

helper=$(readlink -f /sbin)/mount.shift
mount -t tmpfs -o mode=755 tmpfs "$(dirname "$helper")"
cp "$SM_BUILD/bin/mount.shift" "$helper"
# Installed side by side, as make install puts them on PATH.
[ -x "$SM_BUILD/bin/shiftfs-fuse" ] && cp "$SM_BUILD/bin/shiftfs-fuse" "$(dirname "$helper")/"
ok "mount(8) finds /sbin/mount.shift (only in this test's mount namespace)" test -x /sbin/mount.shift

D=$FS/data
marked_dir "$D/group" --origin 100000 --by @alice
mkdir -p "$D/admin" "$D/plain" "$FS/dst2" "$FS/dst3"
chown 100000:100000 "$D/admin"
marked_dir "$D/marked300" --origin 300000
chown 300000:300000 "$D/marked300"

# Admin, init namespace: like shiftmount bind.
ok "admin: mount -t shift -o shift,origin=100000" mount -t shift -o shift,origin=100000 "$D/admin" "$FS/dst"
touch "$FS/dst/by-root"
is "admin: host root's file lands at 100000" "$(owner "$D/admin/by-root")" "100000:100000"
like "admin: the mount is idmapped" "$(grep " $FS/dst " /proc/self/mountinfo)" "idmapped"
umount "$FS/dst"
ok "admin: origin from SRC's mark" mount -t shift "$D/marked300" "$FS/dst2"
touch "$FS/dst2/f" && is "admin: written at the mark's origin 300000" "$(owner "$D/marked300/f")" "300000:300000"
umount "$FS/dst2"
echo "$D/admin $FS/dst3 shift ro,origin=100000 0 0" >"$SM_TMP/fstab"
ok "admin: an fstab line of type shift" mount --fstab "$SM_TMP/fstab" "$FS/dst3"
like "admin: fstab options applied (ro)" "$(grep " $FS/dst3 " /proc/self/mountinfo | cut -d' ' -f6)" "^ro"
umount "$FS/dst3"

# The backend choice is the library's: -o backend=fuse gives shiftfs-fuse.
if [ -x "$SM_BUILD/bin/shiftfs-fuse" ] && [ -e /dev/fuse ]; then
	if mount -t shift -o shift,origin=100000,backend=fuse "$D/admin" "$FS/dst" 2>"$SM_TMP/fuse.err"; then
		like "admin: -o backend=fuse mounts with shiftfs-fuse" \
			"$(grep " $FS/dst " /proc/self/mountinfo)" "fuse.shiftfs-fuse"
		touch "$FS/dst/via-fuse"
		is "admin: through FUSE, root's file lands at 100000" "$(owner "$D/admin/via-fuse")" "100000:100000"
		umount "$FS/dst"
	else
		_tap 1 "admin: -o backend=fuse mounts with shiftfs-fuse"
		sed 's/^/#   /' "$SM_TMP/fuse.err"
	fi
else
	skip "no shiftfs-fuse build or no /dev/fuse: backend=fuse not tested"
fi
out=$(tenant 200000 sh -c "mount -t shift -o backend=fuse '$D/group' '$FS/dst'; echo rc=\$?" 2>&1)
like "container: backend=fuse is not the daemon's" "$out" "kernel \(idmapped\) mounts only.*rc=1"

# The thread's flow: the container of alice mounts the marked directory
# over itself, and its root's writes land at the origin.
out=$(tenant 200000 sh -c "mount -t shift '$D/group' '$D/group' && touch '$D/group/from-container' &&
	stat -c %u:%g '$D/group/from-container' && grep ' $D/group ' /proc/self/mountinfo" 2>&1)
like "container: mount -t shift SRC SRC goes through shiftmountd" "$out" "idmapped"
like "container: its root sees its file as 0:0" "$out" "0:0"
is "container: on disk at 100000" "$(owner "$D/group/from-container")" "100000:100000"
out=$(tenant 200000 sh -c "mount -t shift -o ro,noexec '$D/group' '$FS/dst' && grep ' $FS/dst ' /proc/self/mountinfo | cut -d' ' -f6" 2>&1)
is "container: -o ro,noexec" "$out" "ro,nosuid,nodev,noexec,relatime,idmapped"

refused "container: unmarked SRC" "refused by shiftmountd: .*not marked shiftable" \
	tenant 200000 sh -c "$TENANT_TRY" sh mount -t shift "$D/plain" "$FS/dst"
refused "container: bob's namespace and alice's mark" "refused by shiftmountd: the mark allows only by=@alice" \
	tenant 300000 sh -c "$TENANT_TRY" sh mount -t shift "$D/group" "$FS/dst"
refused "container: origin= is the mark's business" "origin and range come from SRC's mark" \
	tenant 200000 sh -c "$TENANT_TRY" sh mount -t shift -o origin=5 "$D/group" "$FS/dst"
refused "container: shift=TARGET of another namespace" "the target is always this user namespace" \
	tenant 200000 sh -c "$TENANT_TRY" sh mount -t shift -o shift=/proc/1/ns/user "$D/group" "$FS/dst"
out=$(tenant 200000 sh -c "mount -t shift '$D/plain' '$FS/dst'; echo rc=\$?" 2>&1)
like "container: a refusal is mount's exit status 32" "$out" "rc=32"
out=$(mount.shift "$D/admin" "$FS/dst" -o colour=red 2>&1; echo "rc=$?")
like "unknown option: exit 1 and named" "$out" "-o colour: unknown option.*rc=1"
daemon_stop
done_testing
